"""Readers on PDFs: real files from tests/fixtures/pdfs and synthetic round trips."""
from __future__ import annotations

import difflib
import re
from pathlib import Path

import pytest

from pipelines.readers import ReadError, read_document
from pipelines.settings import get_settings
from helpers.hostile import pdf_from_objects
from helpers.paths import PDFS, SEEDS
from helpers.synthetic import SyntheticBlock, blocks_from_read, render_html, render_pdf, to_latin1



def _body(doc) -> str:
    return "\n".join(doc.text[b.start_char - (len(b.number) + 1 if b.number else 0):b.end_char]
                     for b in doc.blocks if b.kind != "footnote")


def _similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a.split(), b.split(), autojunk=False).ratio()


@pytest.mark.parametrize("name,message", [
    ("empty.pdf", "empty file"),
    ("password-example.pdf", "encrypted PDF: a password is required"),
    ("pr-136-example.pdf", "image-only PDF: .*OCR is not supported"),
])
def test_unreadable_pdfs_fail_with_a_clear_reason(name, message):
    with pytest.raises(ReadError, match=message):
        read_document(PDFS / name)


def test_ligatures_expanded():
    doc = read_document(PDFS / "issue-598-example.pdf")
    assert "\ufb01" not in doc.text and "scientific method" in doc.text
    assert doc.title == "Chapter 1"
    items = [doc.text[b.start_char:b.end_char] for b in doc.blocks if b.kind == "list_item"]
    assert "Explain the importance of asking questions." in items


def test_overprinted_characters_deduplicated():
    doc = read_document(PDFS / "issue-71-duplicate-chars.pdf")
    assert "项目描述" in doc.text and "项项目目" not in doc.text
    assert doc.language == "zh"
    # CJK lines are joined without spaces.
    assert "监测工作。" in doc.text


def test_malformed_pdf_is_read():
    doc = read_document(PDFS / "malformed-from-issue-932.pdf")
    assert doc.text == "2021 3 31" and doc.n_pages == 1


def test_government_announcement():
    doc = read_document(PDFS / "pr-88-example.pdf")
    assert doc.title == "Broad Agency Announcement" and doc.language == "en"
    assert doc.published_date == "2015-09-29"
    assert "Defense Advanced Research Projects Agency" in doc.text


def test_three_column_federal_register():
    doc = read_document(PDFS / "federal-register-2020-17221.pdf")
    assert doc.n_pages == 15
    # Running header "Federal Register / Vol. 85, No. 152 / ..." and page numbers are gone.
    assert "Federal Register / Vol. 85" not in doc.text
    assert not re.search(r"^\d{5}$", doc.text, re.M)
    # Column reading order keeps sentences whole.
    assert "The FAA sent Emergency AD 2018–23–51 to all known U.S. owners" in doc.text
    notes = [doc.text[b.start_char:b.end_char] for b in doc.blocks if b.kind == "footnote"]
    assert any(n.startswith("MCAS is a function of the Speed Trim System") for n in notes)
    assert "MCAS is a function of the Speed Trim System" not in _body(doc)


def test_html_saved_as_pdf_is_read_as_html(tmp_path):
    p = tmp_path / "statement.pdf"
    p.write_bytes(render_html([SyntheticBlock("paragraph", "The two sides will meet again in 2026.")],
                              title="Joint Statement on Digital Cooperation", published="2025-03-01"))
    doc = read_document(p)
    assert doc.format == "html" and doc.doc_type == "joint_statement"
    assert "The two sides will meet again in 2026." in doc.text


def test_truncated_pdf_fails_or_reads_cleanly(tmp_path):
    data = (PDFS / "pr-88-example.pdf").read_bytes()
    p = tmp_path / "truncated.pdf"
    p.write_bytes(data[: len(data) // 3])
    try:
        doc = read_document(p)
    except ReadError as exc:
        assert "PDF" in str(exc)
    else:
        assert doc.text.strip()


def test_page_and_time_limits(tmp_path):
    blocks = [SyntheticBlock("paragraph", f"Paragraph {i} says that the parties will cooperate closely. " * 6)
              for i in range(40)]
    p = render_pdf(blocks, tmp_path / "long.pdf")
    with pytest.raises(ReadError, match="pdf_max_pages=1"):
        read_document(p, get_settings(pdf_max_pages=1))
    with pytest.raises(ReadError, match="timed out"):
        read_document(p, get_settings(doc_timeout_s=1e-9))


SYNTHETIC = [
    SyntheticBlock("heading", "Joint Statement on the Digital Partnership between Canada and Japan", level=1),
    SyntheticBlock("paragraph", "Tokyo, 12 September 2025"),
    SyntheticBlock("paragraph", "The Government of Canada and the Government of Japan reaffirm their commitment "
                   "to international cooperation on digital infrastructure, semiconductors, and the responsible "
                   "development of artificial intelligence, building on the Canada-Japan Action Plan.",
                   footnote="Adopted at the leaders' meeting in Ottawa."),
    SyntheticBlock("heading", "Cooperation", number="I.", level=2),
    SyntheticBlock("paragraph", "The two governments will strengthen cooperation by:", number="1"),
    SyntheticBlock("list_item", "Establishing a ministerial dialogue on telecommunications and cybersecurity "
                   "with annual meetings alternating between the two capitals.", number="1.1", level=2),
    SyntheticBlock("list_item", "Promoting interoperability of co-creation frameworks and understanding of "
                   "governance approaches for trustworthy artificial intelligence.", number="1.2", level=2),
    SyntheticBlock("paragraph", "Both sides intend to review implementation within two years and to report "
                   "the results to their leaders, including recommendations for future collaboration."),
]


@pytest.mark.parametrize("columns", [1, 2])
def test_synthetic_pdf_round_trip(tmp_path, columns):
    p = render_pdf(SYNTHETIC * 3, tmp_path / "s.pdf", columns=columns, header="Ministry of Foreign Affairs",
                   footer="Unofficial translation", page_numbers=True, hyphenate=True, body_size=11)
    doc = read_document(p)
    expected = "\n".join(to_latin1(b.line) for b in SYNTHETIC * 3)
    assert _similarity(expected, _body(doc)) >= 0.99
    assert "Ministry of Foreign Affairs" not in doc.text and "Unofficial translation" not in doc.text
    notes = [doc.text[b.start_char:b.end_char] for b in doc.blocks if b.kind == "footnote"]
    assert notes and all(n == "Adopted at the leaders' meeting in Ottawa." for n in notes)
    assert "Action Plan.1" not in doc.text and "Action Plan. 1" not in doc.text
    items = {b.number: b for b in doc.blocks if b.kind == "list_item"}
    assert items["1.2"].level == 2 and doc.blocks[items["1.2"].parent].number == "1"
    assert doc.title == "Joint Statement on the Digital Partnership between Canada and Japan"
    assert doc.published_date == "2025-09-12" and doc.doc_type == "joint_statement"


@pytest.mark.parametrize("seed", ["000", "002", "004"])
def test_seed_pdf_round_trip(tmp_path, seed):
    src = read_document(next(SEEDS.glob(f"{seed}_*.txt")))
    blocks = blocks_from_read(src.text, src.blocks)
    for i, block in enumerate(blocks):
        if block.kind == "paragraph" and i % 3 == 1:
            block.footnote = f"See annex {i}."
    for columns in (1, 2):
        doc = read_document(render_pdf(blocks, tmp_path / f"{seed}-{columns}.pdf", columns=columns,
                                       header="Press release", footer="www.example.gov"))
        assert _similarity(to_latin1(_body(src)), _body(doc)) >= 0.99
        assert doc.title == src.title or src.title not in src.text


# ------------------------------------------------- text inside nested Form XObjects (issue 19.7)

def _nested_form_pdf(lines: list[str], depth: int) -> bytes:
    """One page whose only content draws Form XObject Fm0, which draws Fm1, ... ``depth``
    deep; the innermost form shows the text (as templated or flattened pages do)."""
    def stream(extra: bytes, body: bytes) -> bytes:
        return b"<< /Length %d%s >>\nstream\n" % (len(body), extra) + body + b"\nendstream"

    text = b"\n".join([b"BT /F1 11 Tf 14 TL 72 720 Td"]
                      + [b"(" + line.encode("latin-1") + b") Tj T* T*" for line in lines] + [b"ET"])
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /XObject << /Fm0 6 0 R >> >> "
        b"/Contents 5 0 R >>",
        stream(b"", b"q /Fm0 Do Q"),
    ]
    for level in range(depth):
        form = b" /Type /XObject /Subtype /Form /BBox [0 0 612 792]"
        if level < depth - 1:
            objects.append(stream(form + b" /Resources << /XObject << /Fm%d %d 0 R >> >>" % (level + 1, 7 + level),
                                  b"q /Fm%d Do Q" % (level + 1)))
        else:
            objects.append(stream(form + b" /Resources << /Font << /F1 3 0 R >> >>", text))
    return pdf_from_objects(objects)


@pytest.mark.parametrize("depth", [1, 2, 3, 8, 30])
def test_text_in_nested_form_xobjects_is_read_not_called_image_only(depth):
    lines = ["Joint Statement on Clean Energy Cooperation", "Tokyo, 18 March 2026",
             "The Government of Japan and the Government of Canada will explore joint research on hydrogen."]
    doc = read_document(Path("templated.pdf"), data=_nested_form_pdf(lines, depth))
    assert "will explore joint research on hydrogen." in doc.text
    assert doc.published_date == "2026-03-18"


def test_form_xobject_drawing_itself_does_not_hang():
    data = _nested_form_pdf(["The Government of Japan will explore joint research."], 1)
    data = data.replace(b"/Resources << /Font << /F1 3 0 R >> >>",
                        b"/Resources << /Font << /F1 3 0 R >> /XObject << /Fm0 6 0 R >> >>")
    data = data.replace(b"BT /F1 11 Tf", b"q /Fm0 Do Q BT /F1 11 Tf")  # stale /Length and xref: both readers recover
    doc = read_document(Path("cyclic.pdf"), data=data)
    assert "will explore joint research." in doc.text
