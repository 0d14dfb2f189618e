"""Readers on HTML: boilerplate dropped, structure and metadata kept, encodings honoured."""
from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from pipelines.readers import ReadError, read_document
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


# ------------------------------------------------------------------ charsets that lie (issue 19.7)

_PAGE = ('<!DOCTYPE html><html><head><meta charset="{charset}"><title>Joint Statement on Energy</title></head>'
         '<body><h1>Joint Statement on Energy</h1><p>Tokyo, 18 March 2026</p>'
         '<p>The ministers welcomed the café-to-market programme – a “naïve” plan, said the Président.</p>'
         '<p>Both sides agreed to meet again in Ottawa.</p></body></html>')
_MUST_FIND = "the café-to-market programme – a “naïve” plan, said the Président."


@pytest.mark.parametrize("label, data", [
    ("meta says UTF-16, bytes are UTF-8", _PAGE.format(charset="utf-16").encode("utf-8")),
    ("meta says UTF-16LE, bytes are UTF-8", _PAGE.format(charset="UTF-16LE").encode("utf-8")),
    ("meta says ISO-8859-1, bytes are UTF-8", _PAGE.format(charset="iso-8859-1").encode("utf-8")),
    ("meta says UTF-8, bytes are UTF-16-LE without BOM", _PAGE.format(charset="utf-8").encode("utf-16-le")),
    ("meta says UTF-8, bytes are UTF-16-BE without BOM", _PAGE.format(charset="utf-8").encode("utf-16-be")),
    ("meta says UTF-8, bytes are UTF-16 with BOM", _PAGE.format(charset="utf-8").encode("utf-16")),
    ("UTF-16 BOM, bytes are UTF-8", b"\xff\xfe" + _PAGE.format(charset="utf-8").encode("utf-8")),
    ("UTF-16 BOM, bytes are UTF-8, no doctype",
     b"\xff\xfe" + _PAGE.format(charset="utf-8").replace("<!DOCTYPE html>", "").encode("utf-8")),
    ("meta says windows-1252, bytes are windows-1252", _PAGE.format(charset="windows-1252").encode("cp1252")),
])
def test_mislabelled_html_charset_is_decoded_by_its_bytes(label, data):
    doc = read_document(Path("page.html"), data=data)
    assert doc.format == "html", label
    assert doc.title == "Joint Statement on Energy", label
    assert _MUST_FIND in doc.text, (label, doc.text[:200])
    assert "\ufffd" not in doc.text


def test_html_that_no_charset_can_decode_fails_clearly():
    # UTF-16 without BOM whose tags vanish under every reading would be garbage: an error, never "ok".
    from pipelines.readers.sniff import decode

    garbage = "<p>" + "".join(chr(0x4E00 + (i * 7919) % 20000) for i in range(400)) + "</p>"
    data = garbage.encode("utf-16-le")[2:-2]  # tags cut, odd alignment: nothing readable as markup
    with pytest.raises(ReadError, match="undecodable|no text|unsupported"):
        decode(data, markup=True)
