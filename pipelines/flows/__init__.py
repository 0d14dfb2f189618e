"""Prefect wrappers: the ingest flow, its scheduled deployments and the folder watcher.

The only package that imports Prefect; everything it calls works without it.
"""
