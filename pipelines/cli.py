"""The ``accords`` command line."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from pipelines import settings as _settings  # noqa: F401  (Prefect env defaults before any import)


def _run(args) -> int:
    from pipelines.tables.store import StoreError

    try:
        if args.no_prefect:
            from pipelines.run.execute import progress_to_stderr, run_pipeline

            summary = run_pipeline(args.raw, args.processed, full=args.full, report=progress_to_stderr).__dict__
        else:
            from pipelines.flows.ingest import ingest, task_runner
            from pipelines.settings import get_settings

            if args.task_runner or args.dask_address:
                chosen = get_settings(task_runner=args.task_runner or "dask", dask_address=args.dask_address)
                ingest = ingest.with_options(task_runner=task_runner(chosen))
            summary = ingest(raw_dir=str(args.raw), processed_dir=str(args.processed), full=args.full)
    except StoreError as exc:
        print(f"accords: {exc}", file=sys.stderr)
        return 2
    print(json.dumps({k: v for k, v in summary.items() if k != "rows"}, default=str))
    print(json.dumps({"rows": summary["rows"]}))
    return 0


def _watch(args) -> int:
    from pipelines.flows.watch import watch

    watch(Path(args.raw), Path(args.processed), debounce_s=args.debounce, use_prefect=not args.no_prefect)
    return 0


def _serve(args) -> int:
    from pipelines.flows.serve import serve

    serve(raw_dir=str(args.raw), processed_dir=str(args.processed))
    return 0


def _evaluate(args) -> int:
    from pipelines.devtools.evaluate import evaluate, format_report

    if args.raw is None and args.processed is None:
        args.processed = Path("processed")
    try:
        report = evaluate(Path(args.gold_dir), processed_dir=args.processed, raw_dir=args.raw)
    except FileNotFoundError as exc:
        print(f"accords: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(report.to_dict(), indent=2) if args.json else format_report(report))
    return 0


def _bench(args) -> int:
    from pipelines.devtools.bench import main as bench_main

    return bench_main(args)


def _report(args) -> int:
    from pipelines.report.html import write_report

    path = write_report(Path(args.processed), Path(args.out))
    print(path)
    return 0


def _docs(args) -> int:
    from pipelines.tables.datadict import render_data_dictionary

    Path(args.out).write_text(render_data_dictionary())
    print(args.out)
    return 0


def _add_folders(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--raw", type=Path, default=Path("raw"), help="folder of source documents (never written)")
    parser.add_argument("--processed", type=Path, default=Path("processed"), help="folder of the Parquet tables")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="accords", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="process new, changed and deleted documents in raw/ (Prefect flow)")
    _add_folders(run)
    run.add_argument("--full", action="store_true", help="re-read every document")
    run.add_argument("--no-prefect", action="store_true", help="run the same steps without Prefect")
    run.add_argument("--task-runner", choices=("thread", "dask"), default=None,
                     help="Prefect task runner (default: settings.task_runner, ACCORDS_TASK_RUNNER)")
    run.add_argument("--dask-address", default=None,
                     help="address of an existing Dask scheduler (implies --task-runner dask)")
    run.set_defaults(func=_run)

    watch = sub.add_parser("watch", help="run whenever files in raw/ change")
    _add_folders(watch)
    watch.add_argument("--debounce", type=float, default=2.0, help="seconds of quiet before a run")
    watch.add_argument("--no-prefect", action="store_true")
    watch.set_defaults(func=_watch)

    serve = sub.add_parser("serve", help="serve the scheduled deployments of prefect.yaml (needs a Prefect server)")
    _add_folders(serve)
    serve.set_defaults(func=_serve)

    evaluate = sub.add_parser("evaluate", help="score the tables against gold files")
    evaluate.add_argument("gold_dir", type=Path)
    source = evaluate.add_mutually_exclusive_group()
    source.add_argument("--processed", type=Path, default=None, help="score the tables in this folder")
    source.add_argument("--raw", type=Path, default=None, help="process these raw documents in-process and score")
    evaluate.add_argument("--json", action="store_true")
    evaluate.set_defaults(func=_evaluate)

    bench = sub.add_parser("bench", help="time each stage on a generated corpus")
    bench.add_argument("--docs", type=int, default=500, help="documents in the generated corpus")
    bench.add_argument("--pdf-pages", type=int, default=60, help="pages of rendered PDF to read")
    bench.add_argument("--work", type=Path, default=Path("build/bench"))
    bench.add_argument("--json", action="store_true")
    bench.add_argument("--stages", nargs="+", choices=("read", "extract", "pdf", "run", "memory", "workers", "cli"),
                       default=None, help="stages to time (default: all)")
    bench.add_argument("--workers", type=int, default=None,
                       help="worker processes for the full run (default: settings.workers)")
    bench.add_argument("--budget", type=float, default=None, help="seconds per rate stage (default 15)")
    bench.set_defaults(func=_bench)

    report = sub.add_parser("report", help="write a static HTML extraction report")
    report.add_argument("--processed", type=Path, default=Path("processed"))
    report.add_argument("--out", type=Path, default=Path("processed/report.html"))
    report.set_defaults(func=_report)

    docs = sub.add_parser("docs", help="regenerate the data dictionary from the schema")
    docs.add_argument("--out", type=Path, default=Path("docs/data_dictionary.md"))
    docs.set_defaults(func=_docs)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
