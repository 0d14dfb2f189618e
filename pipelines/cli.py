"""The ``accords`` command line.

Built with Typer; :func:`main` runs it and turns the errors a user can fix (a bad
``ACCORDS_*`` value, a folder that is not there, a locked store, an unreachable Prefect
API) into one line on stderr and exit code 2, never a traceback.
"""
from __future__ import annotations

import importlib.util
import json
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

# Before anything imports Prefect: the settings module sets its no-telemetry defaults.
from pipelines.settings import Settings, SettingsError, get_settings

app = typer.Typer(name="accords", help="Turn press releases and joint statements into Parquet tables.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
                  context_settings={"help_option_names": ["-h", "--help"]})


class UserError(Exception):
    """A problem the user can fix; printed as ``accords: <message>``."""


class TaskRunner(str, Enum):
    thread = "thread"
    dask = "dask"


class Stage(str, Enum):
    read = "read"
    extract = "extract"
    pdf = "pdf"
    run = "run"
    memory = "memory"
    workers = "workers"
    cli = "cli"


Raw = Annotated[Optional[Path], typer.Option(
    "--raw", help="folder of source documents, never written (default: ACCORDS_RAW_DIR, else raw)",
    show_default=False)]
Processed = Annotated[Optional[Path], typer.Option(
    "--processed", help="folder of the Parquet tables (default: ACCORDS_PROCESSED_DIR, else processed)",
    show_default=False)]
NoPrefect = Annotated[bool, typer.Option("--no-prefect", help="run the same steps without Prefect")]


def _require_folder(path: Path, what: str) -> None:
    if not path.exists():
        raise UserError(f"{what} folder {path} does not exist")
    if not path.is_dir():
        raise UserError(f"{what} {path} is not a folder")


def _require_extra(module: str, extra: str, what: str) -> None:
    if importlib.util.find_spec(module) is None:
        raise UserError(f"{what} needs the {extra} extra: pip install 'accords[{extra}]'")


def _check_task_runner(settings: Settings) -> None:
    if settings.task_runner == "dask":
        _require_extra("prefect_dask", "dask", "the Dask task runner")


def _check_prefect_api() -> None:
    """Fail early, in one line, when PREFECT_API_URL names a server that does not answer."""
    from prefect.settings import PREFECT_API_URL

    url = PREFECT_API_URL.value()
    if not url:
        return  # Prefect starts its own temporary server
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_CLIENT_MAX_RETRIES, temporary_settings

    try:  # one attempt: the client's retries would take many seconds to say the same
        with temporary_settings({PREFECT_CLIENT_MAX_RETRIES: 0}), get_client(sync_client=True) as client:
            problem = client.api_healthcheck()
    except Exception as exc:  # the client raises before the check on some failures
        problem = exc
    if problem is not None:
        raise UserError(f"cannot reach the Prefect API at {url} ({str(problem) or type(problem).__name__}); "
                        "start it with `prefect server start` or unset PREFECT_API_URL")


def _print_summary(summary: dict, as_json: bool) -> None:
    if as_json:
        print(json.dumps(summary, default=str))
        return
    from pipelines.run.execute import RunSummary

    known = {k: v for k, v in summary.items() if k in RunSummary.__dataclass_fields__}
    print(RunSummary(**known).as_markdown())


@app.command(help="Process new, changed and deleted documents in raw/ (the Prefect flow) and commit every table "
                  "atomically. A run with nothing changed rewrites nothing.")
def run(raw: Raw = None, processed: Processed = None,
        full: Annotated[bool, typer.Option("--full", help="re-read and re-extract every document, failed ones included")] = False,
        allow_deletions: Annotated[bool, typer.Option(
            "--allow-deletions", help="let the run delete every stored document, or more than max_delete_share "
                                      "(default 0.5) of them; refused otherwise, so an empty or mistyped raw/ "
                                      "wipes nothing")] = False,
        no_prefect: NoPrefect = False,
        task_runner: Annotated[Optional[TaskRunner], typer.Option(
            "--task-runner", help="Prefect task runner (default: ACCORDS_TASK_RUNNER, else thread)")] = None,
        dask_address: Annotated[Optional[str], typer.Option(
            "--dask-address", help="address of an existing Dask scheduler (implies --task-runner dask)")] = None,
        as_json: Annotated[bool, typer.Option("--json", help="print the summary as one JSON object")] = False,
        ) -> None:
    chosen = get_settings()
    raw, processed = raw or chosen.raw_dir, processed or chosen.processed_dir
    if task_runner or dask_address:
        chosen = chosen.replace(task_runner=task_runner.value if task_runner else "dask", dask_address=dask_address)
    if no_prefect:
        from pipelines.run.execute import progress_to_stderr, run_pipeline

        summary = run_pipeline(raw, processed, full=full, settings=chosen, allow_deletions=allow_deletions,
                               report=progress_to_stderr).__dict__
    else:
        _check_task_runner(chosen)
        _check_prefect_api()
        from pipelines.flows.ingest import ingest, task_runner as make_task_runner

        flow = ingest
        if task_runner or dask_address:
            flow = ingest.with_options(task_runner=make_task_runner(chosen))
        summary = flow(raw_dir=str(raw), processed_dir=str(processed), full=full, allow_deletions=allow_deletions)
    for warning in summary.get("warnings", []):
        print(f"accords: warning: {warning}", file=sys.stderr)
    _print_summary(summary, as_json)


@app.command(help="Watch raw/; dropping, changing or deleting a file triggers a run once the folder has been "
                  "quiet for --debounce seconds.")
def watch(raw: Raw = None, processed: Processed = None,
          debounce: Annotated[float, typer.Option("--debounce", min=0, help="seconds of quiet before a run")] = 2.0,
          no_prefect: NoPrefect = False) -> None:
    chosen = get_settings()
    raw, processed = raw or chosen.raw_dir, processed or chosen.processed_dir
    _require_folder(raw, "raw")
    if not no_prefect:
        _check_task_runner(chosen)
        _check_prefect_api()
    from pipelines.flows.watch import watch as watch_folder

    watch_folder(raw, processed, debounce_s=debounce, use_prefect=not no_prefect)


@app.command(help="Serve the deployments of prefect.yaml (hourly incremental run, weekly full reprocess) from "
                  "one process; needs a Prefect server (PREFECT_API_URL).")
def serve(raw: Raw = None, processed: Processed = None) -> None:
    chosen = get_settings()
    raw, processed = raw or chosen.raw_dir, processed or chosen.processed_dir
    _check_task_runner(chosen)
    _check_prefect_api()
    from pipelines.flows.serve import serve as serve_deployments

    serve_deployments(raw_dir=str(raw), processed_dir=str(processed))


@app.command(help="Score the tables (or an in-process run on --raw) against gold files: precision, recall and F1 "
                  "per field.")
def evaluate(gold_dir: Annotated[Path, typer.Argument(help="folder of gold files")],
             processed: Annotated[Optional[Path], typer.Option(
                 "--processed", help="score the tables in this folder (default: ACCORDS_PROCESSED_DIR, else "
                                     "processed)")] = None,
             raw: Annotated[Optional[Path], typer.Option(
                 "--raw", help="process these raw documents in-process and score")] = None,
             as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False) -> None:
    if raw is not None and processed is not None:
        raise UserError("evaluate: give --processed or --raw, not both")
    chosen = get_settings()
    from pipelines.devtools.evaluate import evaluate as score, format_report

    if raw is None and processed is None:
        processed = chosen.processed_dir
    try:
        report = score(gold_dir, processed_dir=processed, raw_dir=raw)
    except FileNotFoundError as exc:
        raise UserError(str(exc)) from None
    print(json.dumps(report.to_dict(), indent=2) if as_json else format_report(report))


@app.command(help="Time each stage (read, extract, write, no-op run) on a generated corpus, with ratios against "
                  "reference speeds measured in the same run. Stages may follow --stages or stand alone.")
def bench(stage_words: Annotated[Optional[list[Stage]], typer.Argument(
              metavar="[STAGES]...", help="stages to time (default: all)", show_default=False)] = None,
          stages: Annotated[Optional[list[Stage]], typer.Option(
              "--stages", help="stages to time: --stages read extract (default: all)")] = None,
          docs: Annotated[int, typer.Option("--docs", min=1, help="documents in the generated corpus")] = 500,
          pdf_pages: Annotated[int, typer.Option("--pdf-pages", min=1, help="pages of rendered PDF to read")] = 60,
          work: Annotated[Path, typer.Option("--work", help="scratch folder")] = Path("build/bench"),
          as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False,
          workers: Annotated[Optional[int], typer.Option(
              "--workers", min=0, help="worker processes for the full run (default: ACCORDS_WORKERS)")] = None,
          budget: Annotated[Optional[float], typer.Option(
              "--budget", min=0, help="seconds per rate stage (default 15)")] = None) -> None:
    from types import SimpleNamespace

    get_settings(workers=workers)
    chosen = [s.value for s in [*(stages or []), *(stage_words or [])]]
    _require_extra("fpdf", "bench", "`accords bench`")
    from pipelines.devtools.bench import main as bench_main

    code = bench_main(SimpleNamespace(docs=docs, pdf_pages=pdf_pages, work=work, json=as_json,
                                      stages=list(dict.fromkeys(chosen)) or None, workers=workers, budget=budget))
    if code:
        raise typer.Exit(code)


@app.command(help="Write a static HTML report: each document with entities, dates and commitments highlighted, and "
                  "tables of agreements and commitments linking back to the source sentence.")
def report(processed: Processed = None,
           out: Annotated[Optional[Path], typer.Option(
               "--out", help="the HTML file to write (default: report.html in the processed folder)",
               show_default=False)] = None) -> None:
    from pipelines.report.html import write_report

    processed = processed or get_settings().processed_dir
    out = out or processed / "report.html"
    try:
        path = write_report(processed, out)
    except OSError as exc:
        raise UserError(f"cannot write {out}: {exc.strerror or exc}") from None
    print(path)


@app.command(help="Regenerate the data dictionary from the schema declaration.")
def docs(out: Annotated[Path, typer.Option("--out", help="the Markdown file to write")] = Path(
        "docs/data_dictionary.md")) -> None:
    from pipelines.tables.datadict import render_data_dictionary

    if not out.parent.is_dir():
        raise UserError(f"cannot write {out}: folder {out.parent} does not exist "
                        "(run from the repository root or pass --out FILE)")
    try:
        out.write_text(render_data_dictionary(), encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot write {out}: {exc.strerror or exc}") from None
    print(out)


def command():
    """The click command behind the CLI (for introspection: commands and their options)."""
    return typer.main.get_command(app)


def _friendly(exc: BaseException) -> str | None:
    """The one-line message for an error the user can act on; None for a bug."""
    from pipelines.flows.watch import WatchError
    from pipelines.tables.store import StoreError

    if isinstance(exc, (UserError, SettingsError, StoreError, WatchError)):
        return str(exc)
    try:
        import httpx
    except ImportError:  # pragma: no cover - Prefect brings httpx
        httpx = None
    if httpx is not None and isinstance(exc, httpx.TransportError):
        return f"cannot reach the Prefect API ({str(exc) or type(exc).__name__})"
    if isinstance(exc, RuntimeError) and "attempting to connect to ephemeral Prefect API" in str(exc):
        return ("Prefect's temporary server did not start in time; raise "
                "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS, start a server (PREFECT_API_URL) or use --no-prefect")
    if isinstance(exc, RuntimeError) and str(exc).startswith("Failed to reach API"):
        return f"cannot reach the Prefect API: {str(exc).removeprefix('Failed to reach API at ')}"
    return None


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit code (usage errors print Typer's message and give 2)."""
    try:
        command().main(args=argv, prog_name="accords", standalone_mode=True)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except KeyboardInterrupt:
        print("accords: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        message = _friendly(exc)
        if message is None:
            raise
        print(f"accords: {message}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
