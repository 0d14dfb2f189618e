"""Entities extractor."""
