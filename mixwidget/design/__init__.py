"""From a data frame and a formula to model matrices: intake, limits, contrasts, the fixed matrix, random blocks, new rows."""
