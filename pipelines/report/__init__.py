"""The static HTML report over the tables."""
