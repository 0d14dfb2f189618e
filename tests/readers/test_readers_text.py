"""Readers on plain text and Markdown: the five seed documents and small inline cases."""
from __future__ import annotations

import json
import random
import re
import signal
from contextlib import contextmanager
from pathlib import Path

import pytest

from pipelines.readers import ReadError, plaintext, read_document
from pipelines.readers.structure import dehyphenate, split_number
from helpers.paths import GOLD_SEEDS, SEEDS, needs_gold

SEED_FILES = sorted(SEEDS.glob("*.txt"))


def _read(name: str):
    return read_document(next(p for p in SEED_FILES if p.name.startswith(name)))


def _block_texts(doc, kind=None):
    return [doc.text[b.start_char:b.end_char] for b in doc.blocks if kind is None or b.kind == kind]


@needs_gold
@pytest.mark.parametrize("path", SEED_FILES, ids=lambda p: p.name[:3])
def test_seed_meta_matches_gold(path):
    gold = json.loads((GOLD_SEEDS / f"{path.name}.json").read_text())
    doc = read_document(path)
    assert doc.title == gold["meta"]["title"]
    assert doc.published_date == gold["meta"]["published_date"]
    assert doc.doc_type == gold["meta"]["doc_type"]
    assert doc.language == "en"


@pytest.mark.parametrize("path", SEED_FILES, ids=lambda p: p.name[:3])
def test_clean_text_layout_rule(path):
    doc = read_document(path)
    lines = doc.text.split("\n\n")
    assert len(lines) == len(doc.blocks)
    assert "\n\n\n" not in doc.text
    for line, block in zip(lines, doc.blocks):
        assert "\n" not in line and line == line.strip()
        own = doc.text[block.start_char:block.end_char]
        assert line.endswith(own)
        if block.number:
            assert line == f"{block.number} {own}" or line.startswith(block.number.rstrip(".") )
        if block.parent is not None:
            assert block.parent < doc.blocks.index(block)


@needs_gold
@pytest.mark.parametrize("path", SEED_FILES, ids=lambda p: p.name[:3])
def test_gold_texts_are_in_clean_text(path):
    gold = json.loads((GOLD_SEEDS / f"{path.name}.json").read_text())
    norm = lambda s: re.sub(r"[^0-9a-z]+", "", s.lower())  # noqa: E731
    text = norm(read_document(path).text)
    texts = [c["text"] for c in gold["commitments"]] + [d["text"] for d in gold["dates"]]
    found = sum(norm(t) in text for t in texts)
    # 003's source is scrambled across page breaks in places; 002 loses its breadcrumb date.
    assert found >= len(texts) - max(1, int(0.03 * len(texts)))


def test_markdown_markup_and_footnotes_removed_from_sentences():
    doc = _read("003")
    for junk in ("<sup>", "**", "\\_", "](", "写真", "pro- mote", "pro-mote"):
        assert junk not in doc.text
    assert "the MIC aims to promote the strengthening" in doc.text
    assert "overseas expansion of Japan’s ICT (Figure 2-2-8-1)" in doc.text
    notes = {b.number: doc.text[b.start_char:b.end_char] for b in doc.blocks if b.kind == "footnote"}
    assert notes["1"] == "https://www.soumu.go.jp/menu_news/s-news/01tsushin08_02000155.html"
    assert notes["6"].startswith("Standards formulated by official international standardization")
    # Footnotes come after the body, never between two halves of a paragraph.
    kinds = [b.kind for b in doc.blocks]
    assert kinds.index("footnote") > max(i for i, k in enumerate(kinds) if k != "footnote")
    assert "connectivity1." not in doc.text and "connectivity." in doc.text


def test_page_break_split_paragraph_is_joined():
    doc = _read("001")
    assert "The Japan-Singapore Economic Partnership Agreement is the cornerstone of our substantive and dynamic " \
           "economic relationship. This is complemented by the Japan-Singapore Economic Dialogue" in doc.text
    assert "Centre of Incident Readiness and Strategy for Cybersecurity" in doc.text
    assert "Beyond 5G" in _read("000").text and "co-creation" in doc.text


def test_numbered_items_and_lead_ins():
    doc = _read("001")
    by_number = {b.number: b for b in doc.blocks if b.number}
    item = by_number["9.6"]
    assert item.kind == "list_item" and item.level == 2
    lead_in = doc.blocks[item.parent]
    assert lead_in.number == "9" and doc.text[lead_in.start_char:lead_in.end_char].endswith("by:")
    assert doc.text[item.start_char:item.end_char].startswith("Strengthening cybersecurity cooperation")
    assert "\n\n9.6. Strengthening" in doc.text or "\n\n9.6 Strengthening" in doc.text
    heading = by_number["I."]
    assert heading.kind == "heading"
    assert doc.blocks[by_number["5"].parent] is heading


def test_breadcrumbs_dropped_and_title_after_them():
    doc = _read("002")
    assert not doc.text.startswith("1. Home")
    assert "News Releases" not in doc.text and "Back Issues" not in doc.text
    first = doc.blocks[0]
    assert first.kind == "heading" and doc.text[first.start_char:first.end_char] == doc.title
    headings = {doc.text[b.start_char:b.end_char]: b for b in doc.blocks if b.kind == "heading"}
    assert headings["Semiconductors"].number == "(1)"
    # Division in charge (an organisation in the gold) is kept.
    assert "Office of International Affairs, Commerce and Information Policy Bureau" in doc.text


def test_front_matter_read_into_metadata_and_removed():
    doc = _read("000")
    assert doc.source_url == "/media-centre/press-releases/joint-ministerial-statement-by-mci-and-japan-mic-2022/"
    assert "layout: post" not in doc.text and "permalink" not in doc.text
    assert doc.text.startswith("The Ministry of Internal Affairs")  # italic markers gone
    assert [b.number for b in doc.blocks if b.kind == "list_item"] == ["1", "2", "3", "4", "5", "6"]


def test_dateline_glued_to_title_is_split():
    doc = _read("004")
    assert _block_texts(doc)[:2] == ["February 7, 2022", "Result of 27th Japan-EU ICT Policy Dialogue"]
    notes = _block_texts(doc, "footnote")
    assert notes and notes[0].startswith("ISAC: An abbreviation")


@pytest.mark.parametrize("left,right,joined", [
    ("the MIC aims to pro-", "mote the", "the MIC aims to promote the"),
    ("in inter-", "national fora", "in international fora"),
    ("the Japan-", "EU dialogue", "the Japan-EU dialogue"),
    ("open innovation and co-", "creation", "open innovation and co-creation"),
    ("Beyond 5G/", "6G", "Beyond 5G/6G"),
])
def test_dehyphenate(left, right, joined):
    if not left.endswith("-"):
        assert left + right == joined
        return
    assert dehyphenate(left, right, set()) == joined


@pytest.mark.parametrize("text,number,rest", [
    ("9.6. Deepening ties", "9.6", "Deepening ties"),
    ("(3) Future telecoms", "(3)", "Future telecoms"),
    ("I. Promotion of Free Trade", "I.", "Promotion of Free Trade"),
    ("- 5.1. Expanding", "5.1", "Expanding"),
    ("• a bullet", "-", "a bullet"),
    ("2022 was a year", None, "2022 was a year"),
    ("5G networks are", None, "5G networks are"),
])
def test_split_number(text, number, rest):
    got, body, _ = split_number(text)
    assert (got, body) == (number, rest)


def test_encodings_control_characters_and_language(tmp_path):
    russian = "Министерство иностранных дел России и Японии подписали меморандум о сотрудничестве.\n"
    p = tmp_path / "ru.txt"
    p.write_bytes(russian.encode("windows-1251") * 5)
    doc = read_document(p)
    assert doc.language == "ru" and "Министерство иностранных дел" in doc.text

    p = tmp_path / "ja.txt"
    p.write_bytes("日本とシンガポールは戦略的パートナーシップを樹立した。\n".encode("shift_jis") * 5)
    doc = read_document(p)
    assert doc.language == "ja" and "戦略的パートナーシップ" in doc.text

    p = tmp_path / "nul.txt"
    p.write_bytes(b"\xef\xbb\xbfThe two\x00 sides will\x07 cooperate on AI.\r\n\r\nThey agreed to meet again.")
    doc = read_document(p)
    assert doc.text == "The two sides will cooperate on AI.\n\nThey agreed to meet again."

    p = tmp_path / "fr.txt"
    p.write_text("Le Japon et la France ont signé un accord de coopération dans le domaine du numérique "
                 "et des technologies de l'information, pour renforcer les échanges entre les deux pays.")
    assert read_document(p).language == "fr"


def test_empty_and_binary_files_fail_clearly(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"  \n\n ")
    with pytest.raises(ReadError, match="empty file"):
        read_document(empty)
    docx = tmp_path / "report.txt"
    docx.write_bytes(b"PK\x03\x04" + b"\x00" * 200)
    with pytest.raises(ReadError, match="unsupported format"):
        read_document(docx)


def test_hard_wrapped_text_is_unwrapped(tmp_path):
    p = tmp_path / "wrapped.txt"
    p.write_text(
        "JOINT PRESS RELEASE\n\n"
        "Tokyo, 3 May 2023\n\n"
        "The Ministry of Foreign Affairs of Japan and the Ministry of Foreign\n"
        "Affairs of Viet Nam held the fifth policy dialogue in Tokyo. Both sides\n"
        "agreed to strengthen their cooperation in maritime security and to pro-\n"
        "mote exchanges between young diplomats of the two countries.\n\n"
        "The two sides will meet again next year in Hanoi to review progress on\n"
        "the commitments made at this dialogue and to explore new areas.\n")
    doc = read_document(p)
    assert "Ministry of Foreign Affairs of Viet Nam held" in doc.text
    assert "to promote exchanges" in doc.text
    assert doc.published_date == "2023-05-03" and doc.title == "JOINT PRESS RELEASE"
    assert doc.doc_type == "press_release"
    assert len([b for b in doc.blocks if b.kind == "paragraph"]) == 3


# ---------------------------------------------------------------- hostile Markdown (issue 19.7)

@contextmanager
def _guard(seconds: int = 10):
    """Fail (not time) a read that runs away: linear reading takes well under a second here,
    the quadratic patterns took from 6 s (32 KB) to many minutes (200 KB)."""
    def runaway(*_):
        raise TimeoutError(f"reading took over {seconds} s: super-linear work on this input")

    previous = signal.signal(signal.SIGALRM, runaway)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


_PROSE = "The Government of Japan and the Government of Canada will cooperate on clean energy. "
# Each class made the reader backtrack or rescan per line or per opener: quadratic.
_PATHOLOGICAL = {
    "unclosed strong openers": lambda n: " **ally" * (n // 7),
    "unclosed underscore strong": lambda n: " __ally" * (n // 7),
    "unclosed emphasis openers": lambda n: " *ally" * (n // 6),
    "unclosed underscore emphasis": lambda n: " _ally" * (n // 6),
    "unclosed link brackets": lambda n: "[ally " * (n // 6),
    "bare brackets": lambda n: "[" * n + " ally",
    "unclosed link targets": lambda n: "[ally](" * (n // 7),
    "unclosed images": lambda n: "![ally " * (n // 7),
    "unclosed autolinks": lambda n: "<http:ally" * (n // 10),
    "heading with a long blank run": lambda n: "# Heading" + " " * n + "ally",
    "long flat list": lambda n: "\n".join(f"{i % 90 + 1}. ally item" for i in range(n // 14)),
    "list after footnotes": lambda n: "\n".join(f"[^{i}]: ally note {i}" for i in range(n // 16)),
    "hyphen at every line end": lambda n: "\n".join("ally-" for _ in range(n // 6)),
}


@pytest.mark.parametrize("size", [32_000, 200_000], ids=["32KB", "200KB"])
@pytest.mark.parametrize("kind", sorted(_PATHOLOGICAL))
def test_pathological_markdown_reads_in_linear_time(kind, size):
    data = (f"# Joint Statement\n\n{_PROSE}\n\n" + _PATHOLOGICAL[kind](size) + f"\n\n{_PROSE}\n").encode()
    with _guard():
        doc = read_document(Path("hostile.md"), data=data)
    assert doc.title == "Joint Statement"
    assert "ally" in doc.text and doc.text.count(_PROSE.strip()) == 2


def _reference_emphasis():
    # The regexes strip_markup used before (quadratic on unclosed openers): the
    # linear replacement must give exactly what they gave.
    return (
        (re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1"), plaintext._STRONG),
        (re.compile(r"(?<![\w*])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![\w*])"), plaintext._EMPH_STAR),
        (re.compile(r"(?<![\w_])_(?=[^\s_])(.+?)(?<=[^\s_])_(?![\w_])"), plaintext._EMPH_UNDER),
    )


def test_linear_emphasis_and_headings_match_the_reference_regexes():
    rng = random.Random(19)
    atx = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)(?:\s+#+)?\s*$")
    alphabet = ["*", "_", "**", "__", "a", "é", " ", "\t", "\n", ".", "#", "\u3000"]
    for _ in range(4000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        for regex, delimiters in _reference_emphasis():
            assert plaintext._unwrap_pairs(text, delimiters) == regex.sub(lambda m: m.group(m.lastindex), text), text
        line = text.replace("\n", "")
        m = atx.match(line)
        assert plaintext._atx(line) == ((len(m.group(1)), m.group(2)) if m else None), line
    assert plaintext.strip_markup("**Japan** and *Canada* signed the __MOC__ on _clean_ energy") == \
        "Japan and Canada signed the MOC on clean energy"
    assert plaintext.strip_markup("see [the [1] annex](https://x.org/a_(b)) and ![logo](i.png)") == \
        "see the [1] annex and"


# --------------------------------------------------------------- front matter values (issue 19.7)

_BODY = "\n\nTokyo, 18 March 2026\n\nThe Government of Japan and the Government of Canada will cooperate.\n"


@pytest.mark.parametrize("value", [
    "2024-13-45", "2024-02-30", "!!timestamp 2024-13-45",
    "next tuesday", "[1, 2]", "{day: 1}", "", "~", "!!binary aGVsbG8=",
])
def test_bad_front_matter_date_falls_back_to_the_dateline(value):
    data = f"---\ntitle: Joint Statement on Trade\ndate: {value}\n---{_BODY}".encode()
    doc = read_document(Path("statement.md"), data=data)
    assert doc.title == "Joint Statement on Trade"
    assert doc.published_date == "2026-03-18" and doc.provenance["published_date"] == "dateline"
    assert doc.text.startswith("Tokyo, 18 March 2026") and "date:" not in doc.text


def test_good_front_matter_date_still_wins():
    for value, iso in (("2024-05-06", "2024-05-06"), ("2024-05-06T23:30:00-05:00", "2024-05-06"),
                       ('"6 May 2024"', "2024-05-06"), ("2024-05-06T10:00:00+25:00", "2024-05-06")):
        doc = read_document(Path("statement.md"), data=f"---\ndate: {value}\n---{_BODY}".encode())
        assert (doc.published_date, doc.provenance["published_date"]) == (iso, "metadata")


def test_front_matter_that_is_not_yaml_still_comes_off_the_body():
    data = f'---\ntitle: "Joint Statement on Trade\ndate: 2024-05-06\ntags: [trade, energy\n---{_BODY}'.encode()
    doc = read_document(Path("statement.md"), data=data)
    assert doc.text.startswith("Tokyo, 18 March 2026") and "tags:" not in doc.text
    assert doc.published_date == "2024-05-06"


def test_front_matter_alias_bomb_is_not_expanded():
    lines = ["---", "title: Joint Statement on Trade", 'a0: &a0 ["ha","ha","ha","ha","ha","ha","ha","ha","ha"]']
    lines += [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
    lines += ["date: *a9", "tags: *a9", "---"]
    with _guard():
        doc = read_document(Path("bomb.md"), data=("\n".join(lines) + _BODY).encode())
    assert doc.title == "Joint Statement on Trade" and doc.published_date == "2026-03-18"
    assert doc.tags == []


# ------------------------------------------------------------------- text encodings (issue 19.7)

_ACCENTED = "The ministers welcomed the café-to-market programme – a “naïve” plan, said the Président.\n\n"


def test_text_mentioning_a_meta_charset_is_decoded_by_its_bytes():
    for prose in ('To declare the encoding, write <meta charset="iso-8859-1"> in the head.\n\n',
                  'The prolog <?xml version="1.0" encoding="utf-16"?> names it.\n\n'):
        doc = read_document(Path("howto.txt"), data=(prose + _ACCENTED * 3).encode("utf-8"))
        assert doc.format == "txt"
        assert "café-to-market programme – a “naïve” plan, said the Président." in doc.text


def test_text_mentioning_an_html_tag_is_not_read_as_html():
    data = ("Pages must not repeat the <html> element inside a paragraph.\n\n" + _ACCENTED * 3).encode()
    assert read_document(Path("notes.txt"), data=data).format == "txt"


@pytest.mark.parametrize("label, data", [
    ("UTF-16 BOM over UTF-8 bytes", b"\xff\xfe" + (_ACCENTED * 3).encode("utf-8")),
    ("UTF-16 BOM over UTF-8 bytes, odd length", b"\xff\xfe" + (_ACCENTED * 3 + "x").encode("utf-8")),
    ("UTF-16-LE without a BOM", (_ACCENTED * 3).encode("utf-16-le")),
    ("UTF-16-BE with a BOM", b"\xfe\xff" + (_ACCENTED * 3).encode("utf-16-be")),
    ("UTF-8 BOM", b"\xef\xbb\xbf" + (_ACCENTED * 3).encode("utf-8")),
])
def test_mislabelled_or_unlabelled_utf16_text_is_decoded(label, data):
    doc = read_document(Path("statement.txt"), data=data)
    assert "café-to-market programme – a “naïve” plan" in doc.text, label
    assert "\ufffd" not in doc.text and doc.language == "en"


def test_japanese_utf16_text_with_a_bom_is_kept():
    text = "日本とシンガポールは戦略的パートナーシップを樹立した。" * 6
    doc = read_document(Path("ja.txt"), data=text.encode("utf-16"))
    assert "戦略的パートナーシップ" in doc.text and doc.language == "ja"


def test_iso2022_japanese_is_decoded_not_called_binary():
    line = "日本とカナダはクリーンエネルギー分野で協力する。\n"
    doc = read_document(Path("ja.txt"), data=(line * 5).encode("iso2022_jp"))
    assert "クリーンエネルギー分野で協力する。" in doc.text and doc.language == "ja"
    page = f'<html><head><meta charset="iso-2022-jp"><title>協力</title></head><body><p>{line * 3}</p></body></html>'
    doc = read_document(Path("ja.html"), data=page.encode("iso2022_jp"))
    assert "クリーンエネルギー分野で協力する。" in doc.text


def test_sixteen_bit_numbers_are_binary_not_utf16_text():
    rng = random.Random(7)
    data = b"".join(rng.randrange(0, 300).to_bytes(2, "little") for _ in range(5000))
    with pytest.raises(ReadError, match="unsupported format: the file holds binary data"):
        read_document(Path("samples.txt"), data=data)
