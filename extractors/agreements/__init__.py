"""Agreements extractor."""
