"""The fit result and everything computed from it: summaries, messages, prediction, intervals, comparison, pooling."""
