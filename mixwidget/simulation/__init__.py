"""Simulated responses from a fitted model and checks of a model by simulation."""
