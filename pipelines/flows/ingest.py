"""Prefect wiring: the incremental ingest flow, one task per batch of documents.

All logic lives in ``pipelines.run.execute``; this module only decides what runs as a
task (a batch of documents, never a sentence: a task costs ~15 ms) and
publishes the run summary as an artifact.
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from pipelines import settings as _settings  # noqa: F401  (sets Prefect env defaults first)
from prefect import flow, get_run_logger, task
from prefect.futures import as_completed
from prefect.artifacts import create_link_artifact, create_markdown_artifact, create_table_artifact

from pipelines.run.execute import TRANSIENT_ERRNOS, Batches, execute_run, process_raw_files, reextract_documents, spool_writer
from pipelines.settings import Settings, get_settings
from pipelines.tables.store import Store

MAX_ARTIFACT_DOCS = 200  # documents whose rows the run's table artifact lists
MAX_REPORT_DOCS = 500  # documents in the report a run writes (the page grows with them)


def task_runner(settings: Settings | None = None):
    """The task runner settings ask for: Prefect's threads, or Dask (the scheduler at
    ``dask_address``, else a temporary local cluster of ``dask_workers`` processes)."""
    settings = settings or get_settings()
    if settings.task_runner == "dask":
        from prefect_dask import DaskTaskRunner

        if settings.dask_address:
            return DaskTaskRunner(address=settings.dask_address)
        import dask

        # Non-daemonic worker processes may start the per-document worker pool (multiprocessing
        # forbids a daemon children); a remote cluster needs the same setting in its config.
        dask.config.set({"distributed.worker.daemon": False})
        # Each Dask worker process runs one task at a time with a one-process pool (see
        # _run_as_tasks): at most ``workers`` extraction processes, however many batches.
        n_workers = min(settings.dask_workers, max(1, settings.workers))
        return DaskTaskRunner(cluster_kwargs={"n_workers": n_workers, "processes": True,
                                              "threads_per_worker": 1, "dashboard_address": None})
    from prefect.task_runners import ThreadPoolTaskRunner

    # Threads only wait on the process's one worker pool (pipelines/run/isolation.py); one
    # per worker keeps the pool busy without piling up batches.
    return ThreadPoolTaskRunner(max_workers=max(1, settings.workers))


def _transient_io(task, task_run, state) -> bool:
    try:
        state.result()
    except OSError as exc:
        return exc.errno in TRANSIENT_ERRNOS
    except Exception:
        return False
    return False


@task(retries=2, retry_delay_seconds=2, retry_condition_fn=_transient_io, task_run_name="{label}")
def process_batch(files, batches: Batches, label: str):
    return process_raw_files(files, batches.raw_dir, batches.known, batches.settings, batches.ingested_at,
                             spool_writer(batches, label))


@task(retries=2, retry_delay_seconds=2, retry_condition_fn=_transient_io, task_run_name="{label}")
def reextract_batch(doc_ids, batches: Batches, label: str):
    return reextract_documents(doc_ids, Store(batches.processed_dir), spool_writer(batches, label))


def _run_as_tasks(batches: Batches, progress=None) -> list:
    # Tasks return one small record per document; their rows go to the run's spool directory.
    from prefect.context import FlowRunContext

    settings = batches.settings
    context = FlowRunContext.get()
    if context is not None and type(context.task_runner).__name__ == "DaskTaskRunner" and settings.workers > 1:
        settings = settings.replace(workers=1)  # the Dask workers are the parallelism: one extraction process each
    light = replace(batches, read=[], reextract=[], settings=settings)
    read = [process_batch.submit(batch, light, label=batches.read_label(i))
            for i, batch in enumerate(batches.read)]
    reextract = [reextract_batch.submit(batch, light, label=batches.reextract_label(i))
                 for i, batch in enumerate(batches.reextract)]
    futures = read + reextract
    for future in as_completed(futures):
        if progress is not None:
            progress.advance(len(future.result()))
    return [p for future in futures for p in future.result()]


@flow(name="accords-ingest", log_prints=True, task_runner=task_runner())
def ingest(raw_dir: str = "raw", processed_dir: str = "processed", full: bool = False,
           allow_deletions: bool = False) -> dict:
    """Read new and changed documents in raw_dir, extract, and commit every table atomically."""
    logger = get_run_logger()
    outcome = execute_run(raw_dir, processed_dir, full, get_settings(), execute=_run_as_tasks,
                          allow_deletions=allow_deletions, report=logger.info)
    summary = outcome.summary
    create_markdown_artifact(markdown=f"# accords run\n\n{summary.as_markdown()}", key="accords-run-summary",
                             description="Documents seen/new/changed/deleted/failed and rows per table")
    if summary.committed:
        from pipelines.report.html import change_rows, write_report

        # Bounded: a first run of 10,000 documents gave 145,708 rows, 0.5 GB here and in the server.
        read = sorted(set(outcome.read_doc_ids))
        changes = change_rows(Path(processed_dir), read[:MAX_ARTIFACT_DOCS], outcome.previous_paths)
        shown = "" if len(read) <= MAX_ARTIFACT_DOCS else f" (the first {MAX_ARTIFACT_DOCS} of {len(read)} by doc_id)"
        create_table_artifact(table=changes, key="accords-changes",
                              description=f"Agreements and commitments of the documents this run read{shown}")
        # The whole corpus while it is small; past that, the documents this run read (bounded
        # like the artifact): `accords report` still writes the whole corpus on demand.
        whole = summary.seen <= MAX_REPORT_DOCS
        report = write_report(Path(processed_dir), Path(processed_dir) / "report.html",
                              doc_ids=None if whole else read[:MAX_REPORT_DOCS])
        create_link_artifact(link=report.resolve().as_uri(), key="accords-report",
                             link_text="accords report" if whole else
                             f"accords report of {min(len(read), MAX_REPORT_DOCS)} documents this run read")
    return summary.__dict__
