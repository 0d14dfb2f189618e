"""Hostile input for the reliability tests, generated in code (seeded, no downloads).

``hostile_files()`` returns name -> bytes for every bad-input case of issue 8
that can be made without real documents; ``stand_in`` is a worker target that
hangs, eats memory or crashes on marker documents (for pipelines/workers.py).
"""
from __future__ import annotations

import os
import random
import signal
import time
import zlib
from pathlib import Path

PROSE = (
    "Joint Statement on Clean Energy Cooperation\n\n"
    "Tokyo, 18 March 2026\n\n"
    "The Government of Japan and the Government of Canada reaffirmed their commitment to deepen "
    "cooperation on clean energy. Both sides will explore joint research on hydrogen by 2030.\n\n"
    "The two ministers agreed to sign a Memorandum of Cooperation on critical minerals.\n"
)

RUSSIAN = ("Совместное заявление министров иностранных дел России и Казахстана. Москва, 18 марта 2026 года. "
           "Стороны подтвердили приверженность укреплению сотрудничества в области энергетики.\n")
JAPANESE = ("日本国政府とカナダ政府は、クリーンエネルギー分野における協力を深化させることを再確認した。"
            "両国は二〇三〇年までに水素に関する共同研究を進める。東京、二〇二六年三月十八日。\n")
CP1252 = ("Ministers’ Joint Statement — “Partners for Growth”\n\n"
          "Paris, 18 March 2026\n\n"
          "The ministers welcomed the €5 million café-to-market programme and agreed to continue the naïve "
          "sharing of data between the two sides’ agencies.\n")


# -- PDFs -----------------------------------------------------------------------------------------

def text_pdf(pages: int = 2, text: str = PROSE, **encryption) -> bytes:
    """A real text PDF made with fpdf2; ``encryption`` goes to ``FPDF.set_encryption``."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("helvetica", size=11)
    if encryption:
        pdf.set_encryption(**encryption)
    for _ in range(pages):
        pdf.add_page()
        for para in text.split("\n\n"):
            pdf.multi_cell(0, 6, para.replace("\n", " "))
            pdf.ln(3)
    return bytes(pdf.output())


def pdf_from_objects(objects: list[bytes]) -> bytes:
    """A PDF file of these numbered objects (object 1 the catalog), with correct xref offsets."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def raw_pdf(streams: list[bytes], filters: str = "") -> bytes:
    """A minimal hand-written PDF: one page per content stream, correct xref offsets."""
    objects: list[bytes] = []
    n_pages = len(streams)
    page_ids = [4 + 2 * i for i in range(n_pages)]
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    kids = b" ".join(b"%d 0 R" % i for i in page_ids)
    objects.append(b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, n_pages))
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    for i, stream in enumerate(streams):
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
                       b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % (page_ids[i] + 1))
        extra = b" /Filter /%s" % filters.encode() if filters else b""
        objects.append(b"<< /Length %d%s >>\nstream\n" % (len(stream), extra) + stream + b"\nendstream")
    return pdf_from_objects(objects)


def page_stream(text: str) -> bytes:
    return b"BT /F1 11 Tf 72 720 Td (" + text.encode("latin-1") + b") Tj ET"


def many_pages_pdf(n_pages: int = 2500) -> bytes:
    """More pages than settings.pdf_max_pages (2000): must fail as too long, quickly."""
    return raw_pdf([page_stream(f"Page {i} of the annex.") for i in range(n_pages)])


def bomb_pdf(decompressed_mb: int = 400) -> bytes:
    """A decompression bomb: one page whose Flate content stream inflates to ``decompressed_mb`` MB.

    The stream is valid operators (a short text then whitespace), so a parser that
    inflates it whole needs the full size in memory.
    """
    comp = zlib.compressobj(1)
    chunks = [comp.compress(page_stream("A page with a very large content stream.") + b"\n")]
    block = b" " * (1 << 20)
    for _ in range(decompressed_mb):
        chunks.append(comp.compress(block))
    chunks.append(comp.flush())
    return raw_pdf([b"".join(chunks)], filters="FlateDecode")


def huge_stream_pdf(n_ops: int = 400_000) -> bytes:
    """One page whose (compressed) content stream draws hundreds of thousands of text runs."""
    ops = b"".join(b"BT /F1 4 Tf %d %d Td (x%d) Tj ET\n" % (i % 600, i % 780, i) for i in range(n_ops))
    return raw_pdf([zlib.compress(ops, 6)], filters="FlateDecode")


# -- everything else --------------------------------------------------------------------------------

def nested_html(depth: int = 200_000) -> bytes:
    return (b"<!doctype html><html><head><title>Nested</title></head><body>" + b"<div>" * depth
            + b"<p>Deep text.</p>" + b"</div>" * (depth // 2) + b"</body></html>")


def xxe_html(secret_path: Path) -> bytes:
    """External entities, a billion-laughs entity and remote resources: none may be fetched or expanded."""
    return f"""<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE html [
  <!ENTITY xxe SYSTEM "file://{secret_path}">
  <!ENTITY lol "lollollollollollollollollollol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<html><head><title>Entities</title>
<script src="http://127.0.0.1:9/evil.js"></script>
<link rel="stylesheet" href="http://127.0.0.1:9/style.css">
<link rel="canonical" href="file://{secret_path}">
</head><body>
<h1>Joint Statement on Entities</h1>
<p>The ministers agreed to cooperate. &xxe; &lol4;</p>
<img src="http://127.0.0.1:9/pixel.png">
<iframe src="file://{secret_path}"></iframe>
<object data="http://127.0.0.1:9/x.swf"></object>
<p>Both sides will continue the dialogue in 2026. {{{{7*7}}}} ${{7*7}} __import__('os').system('touch pwned')</p>
<script>document.write('<p>INJECTED BY SCRIPT</p>')</script>
</body></html>""".encode()


def hostile_files(seed: int = 8) -> dict[str, bytes]:
    """name -> bytes for the bad-input cases generated in code."""
    rng = random.Random(seed)
    valid_pdf = text_pdf(pages=3)
    junk = bytes(rng.getrandbits(8) for _ in range(64 * 1024))
    return {
        "empty.txt": b"",
        "whitespace.txt": b" \n\t\r\n   \n",
        "junk.txt": junk,
        "junk.pdf": junk[:32 * 1024],
        "pdf-header-then-junk.pdf": b"%PDF-1.7\n" + junk[:16 * 1024],
        "truncated.pdf": valid_pdf[: len(valid_pdf) // 2],
        "html-named.pdf": (b"<!DOCTYPE html><html><head><title>Joint Statement on Trade</title></head><body>"
                           b"<h1>Joint Statement on Trade</h1><p>" + PROSE.replace("\n", " ").encode()
                           + b"</p></body></html>"),
        "cp1251.txt": RUSSIAN.encode("windows-1251"),
        "shift_jis.txt": JAPANESE.encode("shift_jis"),
        "cp1252.txt": CP1252.encode("cp1252"),
        "nul-and-control.txt": PROSE.encode().replace(b" will ", b" will\x00 ").replace(b"energy", b"ene\x01rgy\x1b[31m")
        + b"\x00\x07\x08\x0b\x0c\x7f tail.\n",
        "encrypted-empty-password.pdf": text_pdf(pages=1, owner_password="owner-secret", user_password=""),
        "encrypted-real-password.pdf": text_pdf(pages=1, owner_password="owner-secret", user_password="user-secret"),
        "a file with spaces.txt": PROSE.encode(),
        "résumé 東京 ✓.txt": PROSE.replace("Tokyo", "Kyoto").encode(),
        "new\nline.txt": PROSE.replace("Canada", "Chile").encode(),
        "only-markup.html": b"<html><body><script>var a=1;</script><div></div></body></html>",
        "unbalanced.html": b"<html><body><p>The ministers <b>agreed <i>to meet</p></div></span> in 2026.<p>Both sides",
    }


# -- a worker target that misbehaves on purpose --------------------------------------------------------

def stand_in(path, rel_path, data, settings, ingested_at):
    """Like process_bytes, but the markers HANG, EAT, SEGV and EXIT in a document misbehave."""
    if data.startswith(b"HANG"):
        while True:
            time.sleep(1)
    if data.startswith(b"EAT"):
        hoard = []
        while True:  # address space, not touched pages: fails fast under RLIMIT_AS
            hoard.append(bytearray(1 << 30))
    if data.startswith(b"SEGV"):
        os.kill(os.getpid(), signal.SIGSEGV)
    if data.startswith(b"EXIT"):
        os._exit(3)
    if data.startswith(b"RAISE"):
        raise RuntimeError("boom")
    from pipelines.run.document import process_bytes

    return process_bytes(path, rel_path, data, settings, ingested_at)
