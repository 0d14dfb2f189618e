"""``accords bench``: time each stage on a generated corpus, as ratios against references
measured in the same run.

Stages and their references (docs/scaling.md explains how to read them):

- ``read``: the readers on the corpus (documents/s, words/s);
- ``extract``: ``extractors.pipeline.extract`` and each spaCy component's own share, in
  words/s, next to a bare ``spacy.blank("en")`` tokenizer on the same texts, both warm
  (its cache kept across documents, flattered by the corpus's recombined sentences) and
  with its cache emptied before each document;
- ``pdf``: the PDF reader in pages/s next to bare ``pdfplumber`` ``extract_text`` and bare
  pypdfium2 text extraction on the same pages, and its peak RSS in a fresh process;
- ``run``: a full ``run_pipeline`` (in a fresh process, for its peak RSS), the same run on a
  quarter of the corpus (peak RSS must stay flat), the no-op incremental run against the full
  run, the store commit (write), and the run with ``workers=2`` against ``workers=1`` (the
  tables must be byte-identical).

Timings are wall-clock on whatever else the machine is doing; the ratios, measured minutes
apart on the same machine, are what to compare.  Nothing here is a test.
"""
from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import platform
import re
import resource
import shutil
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from pipelines.devtools.bench_corpus import write_corpus, write_pdf

SOURCE_DATE_EPOCH = "1704067200"  # pins ingested_at, so runs can be compared byte for byte
STAGE_BUDGET_S = 15.0  # per rate stage: enough documents for a stable rate, bounded time


@dataclass
class Figure:
    stage: str
    what: str
    value: float | None
    unit: str
    reference: str = ""
    ref_value: float | None = None
    target: str = ""  # e.g. ">= 0.5": the ratio value/ref_value the issue asks for
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.value is None or not self.ref_value:
            return None
        return self.value / self.ref_value

    @property
    def meets(self) -> bool | None:
        ratio = self.ratio
        m = re.match(r"([<>]=?)\s*([\d.]+)", self.target)
        if ratio is None or not m:
            return None
        op, bound = m.group(1), float(m.group(2))
        return {"<": ratio < bound, "<=": ratio <= bound, ">": ratio > bound, ">=": ratio >= bound}[op]


@dataclass
class Report:
    figures: list[Figure] = field(default_factory=list)
    info: dict = field(default_factory=dict)

    def add(self, *args, **kwargs) -> Figure:
        figure = Figure(*args, **kwargs)
        self.figures.append(figure)
        return figure

    def to_dict(self) -> dict:
        return {"info": self.info,
                "figures": [{**asdict(f), "ratio": f.ratio, "meets_target": f.meets} for f in self.figures]}

    def as_table(self) -> str:
        rows = [("stage", "what", "value", "reference", "ratio", "target", "note")]
        for f in self.figures:
            ref = f"{f.reference} = {_fmt(f.ref_value)} {f.unit}" if f.reference else ""
            ratio = "" if f.ratio is None else f"{f.ratio:.3g}"
            target = f"{f.target} {'ok' if f.meets else 'MISSED'}" if f.meets is not None else f.target
            rows.append((f.stage, f.what, f"{_fmt(f.value)} {f.unit}", ref, ratio, target, f.note))
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
        lines.insert(1, "  ".join("-" * w for w in widths))
        info = ", ".join(f"{k}={v}" for k, v in self.info.items())
        return "\n".join(lines) + f"\n\n{info}\n"


def _fmt(value) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, str):
        return value
    if value == 0 or abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}"


# -- measuring -------------------------------------------------------------------------

def peak_rss_mb() -> float:
    """This process's peak resident set since the last reset_peak_rss() (Linux), else since start."""
    try:
        with open("/proc/self/status") as f:
            return int(re.search(r"VmHWM:\s+(\d+)", f.read()).group(1)) / 1024
    except (OSError, AttributeError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_peak_rss() -> None:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # resets VmHWM to the current RSS
    except OSError:
        pass


def children_peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


@contextmanager
def stopwatch():
    box = {}
    start = time.perf_counter()
    try:
        yield box
    finally:
        box["s"] = time.perf_counter() - start


def words(text: str) -> int:
    return len(text.split())


def _in_fresh_process(fn, *args):
    """Run fn(*args) in a new interpreter (spawn) and return its result: clean peak RSS, no shared caches."""
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(1) as pool:
        return pool.apply(fn, args)


def _warm_up() -> None:
    """Import and build everything a document needs, so timings exclude one-off start-up."""
    from extractors.document import DocumentInput
    from extractors.pipeline import extract
    from pipelines.devtools.bench_corpus import SEED_DIR
    from pipelines.readers import read_document

    seed = sorted(p for p in SEED_DIR.iterdir() if p.is_file())[0]
    read = read_document(seed)
    extract(DocumentInput("warm-up", read.text, read.title, read.published_date, read.doc_type,
                          read.language, read.blocks))


# -- stages ----------------------------------------------------------------------------

def bench_read(report: Report, paths: list[Path], budget_s: float) -> list:
    from pipelines.readers import ReadError, read_document

    reads, n_words, failed = [], 0, 0
    reset_peak_rss()
    with stopwatch() as t:
        start = time.perf_counter()
        for path in paths:
            try:
                read = read_document(path)
            except ReadError:
                failed += 1
                continue
            reads.append(read)
            n_words += words(read.text)
            if time.perf_counter() - start > budget_s:
                break
    n = len(reads) + failed
    note = f"{n} of {len(paths)} documents" + (f", {failed} failed" if failed else "")
    report.add("read", "readers (txt/md/html)", n / t["s"], "docs/s", note=note)
    report.add("read", "readers (txt/md/html)", n_words / t["s"], "words/s",
               note=f"peak RSS {peak_rss_mb():.0f} MB")
    return reads


def bench_extract(report: Report, reads: list, budget_s: float) -> None:
    import spacy

    from extractors.document import DocumentInput
    from extractors.pipeline import default_nlp, extract

    inputs = [DocumentInput(f"bench-{i}", r.text, r.title, r.published_date, r.doc_type, r.language, r.blocks)
              for i, r in enumerate(reads) if r.language == "en"]
    # Extraction first, on as many documents as the budget allows; the references then run on those.
    done, start = [], time.perf_counter()
    reset_peak_rss()
    for document in inputs:
        extract(document)
        done.append(document)
        if time.perf_counter() - start > budget_s:
            break
    extract_s = time.perf_counter() - start
    n_words = sum(words(d.text) for d in done)

    blank = spacy.blank("en")
    with stopwatch() as tok:
        for document in done:
            blank.make_doc(document.text)
    tokenizer_rate = n_words / tok["s"]
    cold_rate = _cold_tokenizer_rate(done, n_words)

    report.add("extract", "bare spacy.blank('en') tokenizer", tokenizer_rate, "words/s",
               note=f"{len(done)} documents, {n_words:,} words")
    report.add("extract", "bare tokenizer, cache cold per document", cold_rate, "words/s",
               "tokenizer", tokenizer_rate, note="cache emptied before each document; vocabulary warm")
    report.add("extract", "extract(): all components + rows", n_words / extract_s, "words/s",
               "tokenizer", tokenizer_rate, ">= 0.5", note=f"peak RSS {peak_rss_mb():.0f} MB")
    report.add("extract", "extract() vs cold-cache tokenizer", n_words / extract_s, "words/s",
               "cold tokenizer", cold_rate, ">= 0.5",
               note="the realistic reference: the warm one is flattered by the corpus's repeats")

    # Each component's own cost inside the full pipeline (a component alone cannot run:
    # it reads the spans of the ones before it).
    nlp = default_nlp()
    spent = {name: 0.0 for name in ("tokenizer", *nlp.pipe_names, "rows")}
    from extractors.agreements.component import rows as agreement_rows
    from extractors.commitments.component import rows as commitment_rows
    from extractors.dates.component import rows as date_rows
    from extractors.entities.component import rows as entity_rows

    for document in done:
        t0 = time.perf_counter()
        doc = nlp.make_doc(document.text)
        doc._.input = document
        spent["tokenizer"] += time.perf_counter() - t0
        for name, proc in nlp.pipeline:
            t0 = time.perf_counter()
            doc = proc(doc)
            spent[name] += time.perf_counter() - t0
        t0 = time.perf_counter()
        for rows in (entity_rows, date_rows, commitment_rows, agreement_rows):
            rows(doc)
        spent["rows"] += time.perf_counter() - t0
    for name, seconds in spent.items():
        report.add("extract", f"  {name} alone", n_words / seconds if seconds else None, "words/s",
                   "tokenizer", tokenizer_rate, note=f"{100 * seconds / sum(spent.values()):.0f}% of extraction")


def _cold_tokenizer_rate(documents: list, n_words: int) -> float | None:
    """Words/s of a bare tokenizer whose cache is empty at the start of each document.

    The generated corpus recombines the seed sentences, so a tokenizer kept warm across
    documents finds nearly every chunk in its cache (up to 10,000 chunks) and runs several
    times faster than on a stream of unrelated real documents.  Emptying the cache before
    each document (``Tokenizer._flush_cache``, what spaCy itself calls when its rules
    change; not timed) leaves the repeats within a document cached, as in a real one, and
    keeps the vocabulary warm, as in a long-running worker.  A fresh ``spacy.blank("en")``
    per document would also time building every lexeme anew (and the tokenizer's own
    set-up), which no worker pays after its first documents; ``max_cache_size = 0`` would
    not cache repeats within a document either.  Both undersell a real tokenizer."""
    import spacy

    tokenizer = spacy.blank("en").tokenizer
    flush = getattr(tokenizer, "_flush_cache", None)
    if flush is None:  # a spaCy without it: reassigning the rules empties the cache too
        rules = tokenizer.rules

        def flush():
            tokenizer.rules = rules
    if not documents:
        return None
    for document in documents:  # the vocabulary first: a worker's is warm after a few documents
        tokenizer(document.text)
    seconds = 0.0
    for document in documents:
        flush()
        start = time.perf_counter()
        tokenizer(document.text)
        seconds += time.perf_counter() - start
    return n_words / seconds if seconds else None


def _pdf_worker(path: str, mode: str) -> dict:
    """Read one PDF in this (fresh) process; return seconds, pages and peak RSS."""
    if mode == "accords":
        from pipelines.readers import read_document

        _warm_up()
    reset_peak_rss()
    start = time.perf_counter()
    pages, error = 0, None
    if mode == "pdfplumber":
        import pdfplumber

        with pdfplumber.open(path) as pdf:
            for page in pdf.pages:
                page.extract_text()
                pages += 1
    elif mode == "pdfium":
        import pypdfium2 as pdfium

        pdf = pdfium.PdfDocument(path)
        for i in range(len(pdf)):
            page = pdf[i]
            textpage = page.get_textpage()
            textpage.get_text_bounded()
            textpage.close()
            page.close()
            pages += 1
        pdf.close()
    else:
        try:
            read = read_document(Path(path))
            pages = read.n_pages or 0
        except Exception as exc:  # a missing or broken PDF reader is a figure, not a crash
            error = f"{type(exc).__name__}: {exc}"
    return {"s": time.perf_counter() - start, "pages": pages, "peak_mb": peak_rss_mb(), "error": error}


def bench_pdf(report: Report, pdf: Path, n_pages: int) -> None:
    bare = _in_fresh_process(_pdf_worker, str(pdf), "pdfplumber")
    pdfium = _in_fresh_process(_pdf_worker, str(pdf), "pdfium")
    ours = _in_fresh_process(_pdf_worker, str(pdf), "accords")
    plumber_rate = bare["pages"] / bare["s"]
    report.add("pdf", "bare pdfplumber extract_text", plumber_rate, "pages/s",
               note=f"{pdf.name}, {bare['pages']} pages, peak RSS {bare['peak_mb']:.0f} MB")
    report.add("pdf", "bare pypdfium2 get_text_bounded", pdfium["pages"] / pdfium["s"], "pages/s",
               "pdfplumber", plumber_rate, note=f"peak RSS {pdfium['peak_mb']:.0f} MB")
    if ours["error"] or not ours["pages"]:
        report.add("pdf", "accords PDF reader", None, "s", note=ours["error"] or "no pages read")
        return
    report.add("pdf", "accords PDF reader", ours["pages"] / ours["s"], "pages/s", "pdfplumber", plumber_rate,
               note="time = 1/ratio x bare pdfplumber")
    report.add("pdf", "accords PDF reader time", ours["s"], "s", "pdfplumber", bare["s"], "<= 1.5")
    report.add("pdf", f"accords PDF reader peak RSS ({ours['pages']} pages)", ours["peak_mb"], "MB",
               "500 MB budget", 500.0, "< 1", note="fresh process, incl. spaCy and imports")


def _run_worker(raw: str, processed: str, workers: int) -> dict:
    """One full run in this (fresh) process, after warm-up; return its figures."""
    os.environ["SOURCE_DATE_EPOCH"] = SOURCE_DATE_EPOCH
    from pipelines.run.execute import run_pipeline

    _warm_up()
    reset_peak_rss()
    with stopwatch() as t:
        summary = run_pipeline(raw, processed, settings=_settings(workers))
    from pipelines.run.isolation import shutdown

    shutdown()  # workers count among the children only once they have exited
    return {"s": t["s"], "peak_mb": peak_rss_mb(), "children_peak_mb": children_peak_rss_mb(),
            "seen": summary.seen, "failed": summary.failed, "rows": summary.rows}


def table_digests(processed: Path) -> dict[str, str]:
    from pipelines.tables.schema import TABLES
    from pipelines.tables.store import digest

    return {name: digest(processed / f"{name}.parquet") for name in TABLES}


def _corpus_words(processed: Path) -> int:
    import pyarrow.dataset as ds

    total = 0
    for batch in ds.dataset(processed / "documents.parquet").to_batches(columns=["text"], batch_size=2048):
        total += sum(words(t or "") for t in batch.column(0).to_pylist())
    return total


def bench_run(report: Report, work: Path, raw: Path, n_docs: int, stages: tuple[str, ...], workers: int) -> None:
    """Full run, no-op run and store commit; with "memory" a quarter-size run, with "workers" the other pool size."""
    from pipelines.run.execute import run_pipeline
    from pipelines.tables.schema import TABLES
    from pipelines.tables.store import Store

    processed = work / "processed"
    for folder in (processed, work / "processed-quarter", work / "processed-other", work / "write"):
        shutil.rmtree(folder, ignore_errors=True)
    full = _in_fresh_process(_run_worker, str(raw), str(processed), workers)
    n_words = _corpus_words(processed)
    report.add("run", f"full run, {full['seen']} docs, workers={workers}", full["seen"] / full["s"], "docs/s",
               note=f"{full['s']:.1f} s, {full['failed']} failed")
    report.add("run", "full run", n_words / full["s"], "words/s",
               note=f"peak RSS {full['peak_mb']:.0f} MB + largest worker {full['children_peak_mb']:.0f} MB")

    previous = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = SOURCE_DATE_EPOCH
    try:
        before = table_digests(processed)
        with stopwatch() as t:
            summary = run_pipeline(raw, processed, settings=_settings(workers))
        caught_up = summary.reextracted + summary.changed + summary.new
        if caught_up:  # readers or extractors were edited since the full run: time the run after
            before = table_digests(processed)
            with stopwatch() as t:
                summary = run_pipeline(raw, processed, settings=_settings(workers))
    finally:
        if previous is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = previous
    unchanged = not summary.committed and table_digests(processed) == before
    report.add("run", f"no-op incremental run ({summary.seen} docs)", t["s"], "s", "full run", full["s"], "< 0.01",
               note=("tables untouched" if unchanged else "TABLES REWRITTEN") +
               (f"; the run before it caught up with a code change ({caught_up} docs)" if caught_up else ""))

    store = Store(processed)
    tables = {name: store.read_arrow(name) for name in TABLES}
    with stopwatch() as t:
        Store(work / "write").commit(tables)
    total_rows = sum(tb.num_rows for tb in tables.values())
    report.add("write", "store commit (all tables)", t["s"], "s", "full run", full["s"],
               note=f"{total_rows:,} rows, {_dir_mb(work / 'write'):.1f} MB on disk")
    del tables

    if "memory" in stages:
        quarter_n = max(1, n_docs // 4)
        quarter_raw = work / f"raw-{quarter_n}"
        write_corpus(quarter_raw, quarter_n)
        quarter = _in_fresh_process(_run_worker, str(quarter_raw), str(work / "processed-quarter"), workers)
        report.add("memory", f"full run peak RSS ({n_docs} docs), main process", full["peak_mb"], "MB",
                   f"at {quarter_n} docs", quarter["peak_mb"], "<= 1.25", note="flat = ratio near 1")
        if full["children_peak_mb"] and quarter["children_peak_mb"]:
            report.add("memory", f"largest worker process peak RSS ({n_docs} docs)", full["children_peak_mb"], "MB",
                       f"at {quarter_n} docs", quarter["children_peak_mb"], "<= 1.25")

    if "workers" in stages:
        other = 1 if workers >= 2 else 2
        two = _in_fresh_process(_run_worker, str(raw), str(work / "processed-other"), other)
        same = table_digests(work / "processed-other") == table_digests(processed)
        if not same and _versions(work / "processed-other") != _versions(processed):
            same = None  # someone edited readers or extractors between the two runs
        report.add("workers", f"full run, workers={other}", two["s"], "s", f"workers={workers}", full["s"],
                   "< 0.75" if other > workers else "> 1.33",
                   note={True: "tables byte-identical", False: "TABLES DIFFER",
                         None: "code changed between the runs: not compared"}[same] +
                   f"; peak RSS {two['peak_mb']:.0f} MB + largest worker {two['children_peak_mb']:.0f} MB")


def process_tree(root: int) -> dict[int, tuple[int, str]]:
    """pid -> (ppid, command line) of root and every process under it (Linux /proc)."""
    procs = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                with open(f"/proc/{entry}/cmdline", "rb") as f:
                    procs[int(entry)] = (ppid, f.read().replace(b"\0", b" ").decode(errors="replace"))
            except (OSError, ValueError, IndexError):
                continue
    tree, frontier = {root: procs.get(root, (0, ""))}, {root}
    while frontier:
        frontier = {pid for pid, (ppid, _) in procs.items() if ppid in frontier and pid not in tree}
        tree.update({pid: procs[pid] for pid in frontier})
    return tree


def _pss_mb(pid: int) -> float:
    """Proportional set size: pages shared by forked workers counted once across them."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            return int(re.search(r"^Pss:\s+(\d+)", f.read(), re.M).group(1)) / 1024
    except (OSError, AttributeError):
        return 0.0


def _run_command(args: list[str], env: dict) -> dict:
    """``python -m pipelines ARGS`` as a user runs it; wall time, its summary, and sampled peaks of
    its extraction processes (forked by a forkserver), all its processes and their memory."""
    import subprocess
    import sys

    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "pipelines", *args], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    peak = {"workers": 0, "processes": 0, "mb": 0.0}
    while proc.poll() is None:
        tree = process_tree(proc.pid)
        servers = {pid for pid, (_, cmd) in tree.items() if "multiprocessing.forkserver" in cmd}
        workers = sum(1 for ppid, _ in tree.values() if ppid in servers)
        peak["workers"] = max(peak["workers"], workers)
        peak["processes"] = max(peak["processes"], len(tree))
        peak["mb"] = max(peak["mb"], sum(_pss_mb(pid) for pid in tree))
        time.sleep(0.25)
    out = proc.stdout.read()
    seconds = time.perf_counter() - started
    summary = next((json.loads(line) for line in reversed(out.splitlines()) if line.startswith("{")), {})
    return {"s": seconds, "code": proc.returncode, "summary": summary, **peak}


def _tokenizer_worker(processed: str) -> dict:
    """A bare spacy.blank("en") tokenizer over the run's clean texts, start-up included."""
    import pyarrow.parquet as pq

    texts = pq.read_table(Path(processed) / "documents.parquet", columns=["text"])["text"].to_pylist()
    start = time.perf_counter()
    import spacy

    nlp = spacy.blank("en")
    for text in texts:
        nlp.make_doc(text or "")
    return {"s": time.perf_counter() - start, "words": sum(words(t or "") for t in texts)}


def bench_cli(report: Report, work: Path, raw: Path, n_docs: int, workers: int) -> None:
    """The default ``accords run`` (Prefect flow, thread task runner) as a new user runs it."""
    processed = work / "processed-cli"
    shutil.rmtree(processed, ignore_errors=True)
    env = {**os.environ, "SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH, "ACCORDS_WORKERS": str(workers),
           "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": os.environ.get(
               "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")}
    command = ["run", "--json", "--raw", str(raw), "--processed", str(processed)]
    full = _run_command(command, env)
    if full["code"] != 0 or not full["summary"].get("committed"):
        report.add("cli", f"accords run, {n_docs} docs", None, "s", note=f"FAILED (exit {full['code']})")
        return
    noop = _run_command(command, env)
    tokenizer = _in_fresh_process(_tokenizer_worker, str(processed))
    run_s, n_words = full["summary"]["seconds"], tokenizer["words"]
    tokenizer_rate = n_words / tokenizer["s"]
    report.add("cli", f"accords run (Prefect, threads), {n_docs} docs", n_docs / full["s"], "docs/s",
               note=f"{full['s']:.0f} s wall incl. start-up; {run_s:.0f} s in the run; "
                    f"{full['summary'].get('failed')} failed")
    report.add("cli", "accords run, wall clock incl. start-up", n_words / full["s"], "words/s",
               "bare tokenizer incl. start-up", tokenizer_rate, ">= 0.333",
               note=f"{n_words:,} words; run alone: {n_words / run_s:,.0f} words/s")
    report.add("cli", "peak extraction processes", full["workers"], "processes", "settings.workers + 1",
               workers + 1, "<= 1", note=f"{full['processes']} processes in all (incl. server, forkserver)")
    report.add("cli", "peak memory, all processes (PSS sum)", full["mb"], "MB", "budget", 1536.0, "< 1")
    report.add("cli", "no-op rerun, in the run", noop["summary"].get("seconds"), "s", "full run", run_s, "< 0.05",
               note=f"{noop['s']:.0f} s wall incl. Prefect start-up; committed={noop['summary'].get('committed')}")
    report.add("cli", "no-op rerun, wall clock", noop["s"], "s", "full run wall", full["s"])


def _versions(processed: Path) -> set[str]:
    import pyarrow.parquet as pq

    return set(pq.read_table(processed / "documents.parquet", columns=["extractor_version"])[0].to_pylist())


def _settings(workers: int | None):
    from pipelines.settings import get_settings

    return get_settings(workers=workers)


def _dir_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6


# -- entry point -----------------------------------------------------------------------

ALL_STAGES = ("read", "extract", "pdf", "run", "memory", "workers", "cli")


def run_bench(docs: int, pdf_pages: int, work: Path, stages: tuple[str, ...] = ALL_STAGES,
              budget_s: float = STAGE_BUDGET_S, workers: int | None = None) -> Report:
    workers = _settings(None).workers if workers is None else workers
    work = Path(work)
    work.mkdir(parents=True, exist_ok=True)
    report = Report(info={
        "docs": docs, "pdf_pages": pdf_pages, "workers": workers, "cpus": os.cpu_count(),
        "python": platform.python_version(), "machine": platform.machine(),
        "budget_s_per_rate_stage": budget_s, "load_avg_1m": round(os.getloadavg()[0], 2),
    })
    with stopwatch() as t:
        paths = write_corpus(work / f"raw-{docs}", docs)
    report.info["corpus_s"] = round(t["s"], 2)
    with stopwatch() as t:
        _warm_up()
    report.info["startup_s"] = round(t["s"], 2)
    reads = []
    if "read" in stages or "extract" in stages:
        reads = bench_read(report, paths, budget_s)
    if "extract" in stages:
        bench_extract(report, reads, budget_s)
    del reads
    if "pdf" in stages and pdf_pages > 0:
        pdf = write_pdf(work / f"whitepaper-{pdf_pages}p.pdf", pdf_pages)
        bench_pdf(report, pdf, pdf_pages)
    if {"run", "memory", "workers"} & set(stages):
        bench_run(report, work, work / f"raw-{docs}", docs, stages, workers)
    if "cli" in stages:
        bench_cli(report, work, work / f"raw-{docs}", docs, workers)
    report.info["load_avg_1m_end"] = round(os.getloadavg()[0], 2)
    return report


def main(args) -> int:
    stages = tuple(getattr(args, "stages", None) or ALL_STAGES)
    budget = getattr(args, "budget", None) or STAGE_BUDGET_S
    report = run_bench(args.docs, args.pdf_pages, Path(args.work), stages, budget, getattr(args, "workers", None))
    if getattr(args, "json", False):
        print(json.dumps(report.to_dict(), indent=2))
    else:
        print(report.as_table())
    (Path(args.work) / "bench.json").write_text(json.dumps(report.to_dict(), indent=2) + "\n")
    return 0

