"""One settings module: defaults here, overridden by ``ACCORDS_*`` environment variables.

``get_settings(**overrides)`` returns a frozen copy; code reads limits and
paths from it instead of keeping its own constants.
"""
from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, fields
from pathlib import Path

# Prefect's ephemeral server must never phone home; set before Prefect is imported.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")


@dataclass(frozen=True)
class Settings:
    raw_dir: Path = Path("raw")
    processed_dir: Path = Path("processed")
    # Reading limits: a document past them fails with a clear error instead of
    # stalling or exhausting the run.
    pdf_max_pages: int = 2000
    doc_timeout_s: float = 120.0
    doc_memory_mb: int = 2048
    max_file_mb: int = 200
    # Documents per Prefect task; Prefect costs ~15 ms per task, so never one per sentence.
    batch_size: int = 25
    workers: int = 1
    # Prefect task runner for the flow: "thread" (Prefect's default) or "dask" (prefect-dask).
    task_runner: str = "thread"
    # Address of an existing Dask scheduler; empty means a temporary local cluster.
    dask_address: str = ""
    # Worker processes of that temporary local Dask cluster.
    dask_workers: int = 2
    # Fiscal-year start month per ISO3 country; documents of other countries use the default.
    fiscal_year_start_month: int = 4
    lock_timeout_s: float = 0.0
    # Runs in a row that read a failed document again before it waits for a change of its
    # file, of the readers or extractors, or for --full.
    max_attempts: int = 3
    # A run refuses to delete more than this share of the stored documents (and never all of
    # them) unless told --allow-deletions: an emptied or unmounted raw/ must not wipe the store.
    max_delete_share: float = 0.5

    def replace(self, **changes) -> "Settings":
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})


def _from_env() -> dict:
    values = {}
    for f in fields(Settings):
        raw = os.environ.get(f"ACCORDS_{f.name.upper()}")
        if raw is None:
            continue
        kind = type(f.default)
        values[f.name] = Path(raw) if kind is type(Path()) else kind(raw)
    return values


def get_settings(**overrides) -> Settings:
    return Settings(**_from_env()).replace(**overrides)
