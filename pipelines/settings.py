"""One settings module: defaults here, overridden by ``ACCORDS_*`` environment variables.

``get_settings(**overrides)`` returns a frozen, validated copy; code reads limits and
paths from it instead of keeping its own constants.  A bad value (``ACCORDS_WORKERS=abc``,
``ACCORDS_TASK_RUNNER=spark``) raises :class:`SettingsError` with a one-line message
naming the variable, before any work starts.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

# Prefect's ephemeral server must never phone home; set before Prefect is imported.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")

ENV_PREFIX = "ACCORDS_"


class SettingsError(ValueError):
    """A setting has a value it cannot take; the message names it and says why."""


class Settings(BaseSettings):
    # No .env file is read: the environment and the call's overrides are the only sources.
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, frozen=True, extra="forbid", validate_default=True)

    raw_dir: Path = Path("raw")
    processed_dir: Path = Path("processed")
    # Reading limits: a document past them fails with a clear error instead of
    # stalling or exhausting the run.
    pdf_max_pages: int = Field(2000, gt=0)
    doc_timeout_s: float = Field(120.0, gt=0)
    doc_memory_mb: int = Field(2048, gt=0)
    max_file_mb: int = Field(200, gt=0)
    # Documents per Prefect task; Prefect costs ~15 ms per task, so never one per sentence.
    batch_size: int = Field(25, gt=0)
    # 0 processes documents in the calling process, without per-document bounds.
    workers: int = Field(1, ge=0)
    # Prefect task runner for the flow: Prefect's threads, or Dask (the `dask` extra).
    task_runner: Literal["thread", "dask"] = "thread"
    # Address of an existing Dask scheduler; empty means a temporary local cluster.
    dask_address: str = ""
    # Worker processes of that temporary local Dask cluster.
    dask_workers: int = Field(2, gt=0)
    # Fiscal-year start month per ISO3 country; documents of other countries use the default.
    fiscal_year_start_month: int = Field(4, ge=1, le=12)
    # Seconds to wait for a run holding processed/.lock; 0 gives up at once.
    lock_timeout_s: float = Field(0.0, ge=0)
    # Runs in a row that read a failed document again before it waits for a change of its
    # file, of the readers or extractors, or for --full.
    max_attempts: int = Field(3, ge=1)
    # A run refuses to delete more than this share of the stored documents (and never all of
    # them) unless told --allow-deletions: an emptied or unmounted raw/ must not wipe the store.
    max_delete_share: float = Field(0.5, ge=0, le=1)

    def replace(self, **changes) -> "Settings":
        """A validated copy with these fields changed (None leaves a field as it is)."""
        values = {**self.model_dump(), **{k: v for k, v in changes.items() if v is not None}}
        return _build(values, from_env=False)


def _message(exc: ValidationError, from_env: bool) -> str:
    problems = []
    for error in exc.errors(include_url=False):
        name = str(error["loc"][0]) if error["loc"] else "settings"
        env = f"{ENV_PREFIX}{name.upper()}"
        where = env if from_env and env in os.environ else name
        value = os.environ[env] if where == env else error.get("input")
        problems.append(f"{where}={value!r}: {error['msg']}" if error["type"] != "extra_forbidden"
                        else f"unknown setting {name!r}")
    return "invalid settings: " + "; ".join(problems)


def _build(values: dict, from_env: bool) -> Settings:
    try:
        return Settings(**values) if from_env else Settings.model_validate(values)
    except ValidationError as exc:
        raise SettingsError(_message(exc, from_env)) from None


def get_settings(**overrides) -> Settings:
    """Defaults, then ``ACCORDS_*`` variables, then these overrides (None keeps the former)."""
    return _build({k: v for k, v in overrides.items() if v is not None}, from_env=True)
