"""The formula language: reading lme4's formula syntax, its functions and its terms."""
