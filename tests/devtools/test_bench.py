"""The benchmark corpus is deterministic and readable; `accords bench` reports every figure
with its reference.  No timing is asserted: speed is what the bench prints, not a test."""
import json

import pytest

from pipelines.devtools import bench
from pipelines.devtools.bench_corpus import MTIME_NS, load_seeds, make_document, write_corpus, write_pdf
from pipelines.readers import read_document


def test_corpus_is_deterministic_and_each_size_extends_the_smaller(tmp_path):
    a = write_corpus(tmp_path / "a", 15)
    b = write_corpus(tmp_path / "b", 5)
    assert [p.read_bytes() for p in a[:5]] == [p.read_bytes() for p in b]
    again = write_corpus(tmp_path / "a", 15)
    assert [p.read_bytes() for p in again] == [p.read_bytes() for p in a]
    assert all(p.stat().st_mtime_ns == MTIME_NS for p in a)
    assert {p.suffix for p in a} == {".txt", ".md", ".html"}
    write_corpus(tmp_path / "a", 4)  # shrinking removes the rest
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == [p.name for p in a[:4]]


def test_corpus_documents_read_cleanly_with_title_and_date(tmp_path):
    seeds = load_seeds()
    for path in write_corpus(tmp_path, 5):
        doc = make_document(int(path.stem), seeds)
        read = read_document(path)
        assert read.language == "en" and read.title == doc.title
        assert read.published_date == doc.published.isoformat()
        assert len(read.text.split()) > 80
        assert doc.sections[0][1][0].split(",")[0] in read.text  # the lead paragraph


def test_rendered_pdf_has_exactly_the_pages_asked_for_and_is_reproducible(tmp_path):
    import pypdfium2 as pdfium

    first = write_pdf(tmp_path / "a.pdf", 3)
    second = write_pdf(tmp_path / "b.pdf", 3)
    assert first.read_bytes() == second.read_bytes()
    pdf = pdfium.PdfDocument(str(first))
    try:
        assert len(pdf) == 3
        text = pdf[2].get_textpage().get_text_bounded()
        assert "White Paper on International Cooperation" in text and "- 3 -" in text
    finally:
        pdf.close()


def test_figures_carry_their_reference_ratio_and_target():
    report = bench.Report()
    fast = report.add("extract", "x", 300.0, "words/s", "tokenizer", 400.0, ">= 0.5")
    slow = report.add("pdf", "y", 3.0, "s", "pdfplumber", 1.0, "<= 1.5")
    bare = report.add("read", "z", 10.0, "docs/s")
    assert fast.ratio == 0.75 and fast.meets is True
    assert slow.ratio == 3.0 and slow.meets is False
    assert bare.ratio is None and bare.meets is None
    table = report.as_table()
    assert "tokenizer = 400 words/s" in table and "MISSED" in table
    assert json.loads(json.dumps(report.to_dict()))["figures"][0]["ratio"] == 0.75


def test_peak_rss_can_be_reset_and_read():
    bench.reset_peak_rss()
    assert 1 < bench.peak_rss_mb() < 100_000


@pytest.mark.slow
def test_bench_command_reports_read_extract_and_pdf_with_references(tmp_path, capsys):
    from pipelines.cli import main

    work = tmp_path / "bench"
    code = main(["bench", "--docs", "4", "--pdf-pages", "2", "--work", str(work), "--json",
                 "--stages", "read", "extract", "pdf", "--budget", "5"])
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    figures = {(f["stage"], f["what"].strip(), f["unit"]): f for f in report["figures"]}
    assert figures[("read", "readers (txt/md/html)", "docs/s")]["value"] > 0
    extract = figures[("extract", "extract(): all components + rows", "words/s")]
    assert extract["reference"] == "tokenizer" and extract["ratio"] > 0 and extract["target"] == ">= 0.5"
    assert ("extract", "accords_commitments alone", "words/s") in figures
    cold = figures[("extract", "bare tokenizer, cache cold per document", "words/s")]
    assert cold["value"] > 0 and cold["reference"] == "tokenizer"
    against_cold = figures[("extract", "extract() vs cold-cache tokenizer", "words/s")]
    assert against_cold["reference"] == "cold tokenizer" and against_cold["ref_value"] == cold["value"]
    assert against_cold["ratio"] > 0 and against_cold["target"] == ">= 0.5"
    assert against_cold["value"] == extract["value"]
    plumber = figures[("pdf", "bare pdfplumber extract_text", "pages/s")]
    assert plumber["value"] > 0 and "2 pages" in plumber["note"]
    assert figures[("pdf", "bare pypdfium2 get_text_bounded", "pages/s")]["reference"] == "pdfplumber"
    assert json.loads((work / "bench.json").read_text()) == report
