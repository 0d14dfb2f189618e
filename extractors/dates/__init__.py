"""Dates extractor."""
