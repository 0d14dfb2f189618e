"""Commitments extractor."""
