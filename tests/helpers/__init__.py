"""Helpers shared by the tests: sample outputs, hostile documents, synthetic renderings."""
