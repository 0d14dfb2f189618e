"""What a file really is, and its bytes as text.

Formats are sniffed from content (a ``.pdf`` that holds HTML is HTML); text
encodings come from a BOM, then a declared charset, then charset-normalizer.
"""
from __future__ import annotations

import codecs
import re


_HTML_START = re.compile(rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta|title|div|p|h[1-6]|article|section)\b", re.I | re.S)
_MD_HINTS = re.compile(r"^(?:#{1,6}\s|---\s*$|\s*[-*]\s|\s*\d+\.\s)|\*\*|\]\(", re.M)
_DECLARED = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_\-:.]+)|<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_\-.]+)""", re.I)
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def detect_format(data: bytes, suffix: str) -> str:
    """One of pdf, html, md, txt, zip, binary, from the bytes first."""
    head = data[:2048]
    if b"%PDF-" in data[:1024]:
        return "pdf"
    if head.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        return "zip"
    text_head = head.lstrip(b"\xef\xbb\xbf")
    for bom, enc in _BOMS:
        if head.startswith(bom) and enc.startswith("utf-16"):
            text_head = head.decode(enc, errors="ignore").encode("utf-8", errors="ignore")
    if _HTML_START.match(text_head) or re.search(rb"<html[\s>]", head, re.I):
        return "html"
    if not any(head.startswith(b) for b, _ in _BOMS) and _control_share(data[:65536]) > 0.05:
        # Text in any encoding has almost no C0 control bytes besides tabs and
        # line ends (NUL noise included); random or compressed bytes have ~11%.
        return "binary"
    if suffix in (".md", ".markdown"):
        return "md"
    return "txt"


_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13))


def _control_share(sample: bytes) -> float:
    if not sample:
        return 0.0
    return (len(sample) - len(sample.translate(None, _CONTROL_BYTES))) / len(sample)


def decode(data: bytes, declared: str | None = None) -> str:
    """Bytes -> str: BOM, then declared charset (HTML meta), then UTF-8, then charset-normalizer."""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            return data.decode(enc, errors="replace").lstrip("\ufeff")
    candidates = []
    if declared:
        candidates.append(declared)
    m = _DECLARED.search(data[:4096])
    if m:
        candidates.append((m.group(1) or m.group(2)).decode("ascii", "ignore"))
    for enc in candidates:
        try:
            codecs.lookup(enc)
            return data.decode(enc)
        except (LookupError, UnicodeDecodeError):
            continue
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data[:200_000]).best()
    if best is not None:
        return data.decode(best.encoding, errors="replace")
    return data.decode("utf-8", errors="replace")


def looks_like_markdown(text: str) -> bool:
    return len(_MD_HINTS.findall(text[:20000])) >= 3
