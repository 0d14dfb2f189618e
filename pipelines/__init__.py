"""accords pipelines: reading, processing and storing documents; Prefect flows in flows/.

``from pipelines import load`` is the analysts' entry point (pandas DataFrames and DuckDB
views of the tables in ``processed/``); ``pipelines.tables.load`` is imported only when used, so
the CLI does not pay for pandas at start-up.
"""
import importlib

__all__ = ["load"]


def __getattr__(name: str):
    if name == "load":
        return importlib.import_module("pipelines.tables.load")
    raise AttributeError(f"module 'pipelines' has no attribute {name!r}")
