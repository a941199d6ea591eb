"""The only code that talks to the fitting engines (mixedlm for mixed models, least squares and statsmodels without groups)."""
