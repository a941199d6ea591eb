"""The explorer widget: traits, the fit flow, pins, chart and simulation actions."""
