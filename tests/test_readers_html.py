"""Readers on HTML: boilerplate dropped, structure and metadata kept, encodings honoured."""
from __future__ import annotations

import difflib
from pathlib import Path

from pipelines.readers import read_document
from helpers.paths import SEEDS
from helpers.synthetic import SyntheticBlock, blocks_from_read, render_html



def test_news_page_main_content_only(tmp_path):
    blocks = [
        SyntheticBlock("paragraph", "The Ministers of Japan and Australia met in Canberra."),
        SyntheticBlock("paragraph", "The two Ministers agreed to:"),
        SyntheticBlock("list_item", "hold an annual dialogue on critical minerals;", number="(a)"),
        SyntheticBlock("list_item", "explore joint research on quantum computing.", number="(b)",
                       footnote="See the joint fact sheet."),
        SyntheticBlock("heading", "Next steps", level=1),
        SyntheticBlock("paragraph", "Officials will report back by March 2026."),
    ]
    p = tmp_path / "page.html"
    p.write_bytes(render_html(blocks, title="Japan-Australia Ministerial Meeting Held", published="2025-06-02"))
    doc = read_document(p)
    for junk in ("Skip to main content", "Privacy Policy", "cookies", "Foreign Policy", "News Releases",
                 "We will track you", "font-family", "Related Links", "All rights reserved"):
        assert junk not in doc.text
    assert doc.title == "Japan-Australia Ministerial Meeting Held"
    assert doc.published_date == "2025-06-02" and doc.doc_type == "meeting_summary"
    assert doc.source_url.startswith("https://example.gov/news/")
    items = [b for b in doc.blocks if b.kind == "list_item"]
    assert [b.number for b in items] == ["(a)", "(b)"]
    assert doc.text[doc.blocks[items[0].parent].start_char:].startswith("The two Ministers agreed to:")
    assert "quantum computing." in doc.text and "computing.1" not in doc.text
    notes = [doc.text[b.start_char:b.end_char] for b in doc.blocks if b.kind == "footnote"]
    assert notes == ["See the joint fact sheet."]
    heading = next(b for b in doc.blocks if doc.text[b.start_char:b.end_char] == "Next steps")
    assert heading.kind == "heading"


def test_windows_1251_page_is_decoded_and_marked_russian(tmp_path):
    blocks = [SyntheticBlock("paragraph", "Министры иностранных дел России и Японии провели переговоры в Москве "
                                          "и договорились продолжить сотрудничество в области энергетики.")]
    p = tmp_path / "ru.html"
    p.write_bytes(render_html(blocks, title="Переговоры министров", encoding="windows-1251", lang="ru",
                              breadcrumbs=("Главная", "Новости")))
    doc = read_document(p)
    assert doc.language == "ru"
    assert "договорились продолжить сотрудничество" in doc.text
    assert doc.title == "Переговоры министров"


def test_seed_html_round_trip(tmp_path):
    for path in sorted(SEEDS.glob("*.txt"))[:3]:
        src = read_document(path)
        page = tmp_path / f"{path.stem}.html"
        page.write_bytes(render_html(blocks_from_read(src.text, src.blocks), title=src.title))
        doc = read_document(page)
        body = lambda d: " ".join(d.text[b.start_char:b.end_char] for b in d.blocks if b.kind != "footnote")  # noqa
        expected = (src.title + " " + body(src)).split() if src.title not in src.text else body(src).split()
        ratio = difflib.SequenceMatcher(None, expected, body(doc).split(), autojunk=False).ratio()
        assert ratio >= 0.99, path.name
        assert doc.title == src.title
