"""Work run in a separate, stoppable process."""
