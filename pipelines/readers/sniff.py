"""What a file really is, and its bytes as text.

Formats are sniffed from content (a ``.pdf`` that holds HTML is HTML); text
encodings come from a BOM, then a declared charset, then charset-normalizer.
"""
from __future__ import annotations

import codecs
import re


_HTML_START = re.compile(rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta|title|div|p|h[1-6]|article|section)\b", re.I | re.S)
# An <html> tag opening a line or following another tag; prose that mentions one does not count.
_HTML_TAG = re.compile(rb"(?:^|>)\s*<html[\s>]", re.I | re.M)
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
    # The head as UTF-8 bytes, read per its BOM or NUL pattern, and without the BOM
    # (a BOM may lie): either reading showing HTML makes it HTML.
    bare = text_head = head
    for bom, enc in _BOMS:
        if head.startswith(bom):
            bare = head[len(bom):]
            text_head = head.decode(enc, errors="ignore").lstrip("\ufeff").encode("utf-8", errors="ignore")
            break
    wide = _utf16_without_bom(head)
    if wide:
        text_head = head.decode(wide, errors="ignore").encode("utf-8", errors="ignore")
    if any(_HTML_START.match(h) or _HTML_TAG.search(h) for h in (text_head, bare)):
        return "html"
    # Text in any encoding has almost no C0 control bytes besides tabs and line
    # ends (NUL noise included); random or compressed bytes have ~11%.  Bytes that
    # look like UTF-16 (16-bit binary numbers do too) are judged once decoded.
    if wide and _control_share(text_head) > 0.05:
        return "binary"
    if not wide and not any(head.startswith(b) for b, _ in _BOMS) and _control_share(data[:65536]) > 0.05:
        return "binary"
    if suffix in (".md", ".markdown"):
        return "md"
    return "txt"


_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13))


# ISO-2022 shifts (Japanese mail and old pages) are escape sequences, not binary.
_ISO2022_SHIFT = re.compile(rb"\x1b(?:\$[@AB]|\$\([CD]|\([BJI])")


def _control_share(sample: bytes) -> float:
    sample = _ISO2022_SHIFT.sub(b"", sample)
    if not sample:
        return 0.0
    return (len(sample) - len(sample.translate(None, _CONTROL_BYTES))) / len(sample)


def decode(data: bytes, declared: str | None = None, markup: bool = False) -> str:
    """Bytes -> str, or ``ReadError`` when no encoding gives readable text.

    Order: a BOM; UTF-16 without a BOM (its NUL pattern); strict UTF-8 (valid
    UTF-8 with non-ASCII bytes is almost never anything else, whatever a page
    declares); for markup only, the declared charset (``declared``, else a
    ``<meta charset>`` or XML declaration in the bytes; a text file that
    mentions one is prose, not a declaration); then charset-normalizer.
    Every candidate must look like text (``_plausible``): a label that lies
    (a UTF-16 BOM or meta over UTF-8 bytes) falls through to the next.
    """
    from pipelines.readers.errors import ReadError

    for bom, enc in _BOMS:
        if data.startswith(bom):
            text = data.decode(enc, errors="replace").lstrip("\ufeff")
            if _plausible(text, markup, wide=enc != "utf-8-sig"):
                return text
            # The BOM may lie (UTF-8 bytes behind a UTF-16 BOM): valid UTF-8 then wins.
            data = data[len(bom):]
            utf8 = _strict(data, "utf-8")
            if utf8 is not None and _plausible(utf8, markup):
                return utf8
            if _plausible(text, markup):
                return text
            break
    wide = _utf16_without_bom(data)
    if wide:
        text = _strict(data, wide)
        if text is not None and _plausible(text, markup, wide=True):
            return text
    utf8 = _strict(data, "utf-8")
    # ASCII with escape sequences is likely ISO-2022 (Japanese mail and old pages): not UTF-8.
    if utf8 is not None and not (b"\x1b" in data and utf8.isascii()) and _plausible(utf8, markup):
        return utf8
    candidates = [declared] if declared else []
    if markup:
        m = _DECLARED.search(data[:4096])
        if m:
            candidates.append((m.group(1) or m.group(2)).decode("ascii", "ignore"))
    for enc in candidates:
        try:
            name = codecs.lookup(enc).name
        except LookupError:
            continue
        if name.startswith(("utf-16", "utf-32")):
            continue  # a label readable as ASCII bytes cannot be UTF-16: the bytes would hold NULs
        text = _strict(data, name)
        if text is not None and _plausible(text, markup):
            return text
    from charset_normalizer import from_bytes

    best = from_bytes(data[:200_000]).best()
    if best is not None:
        text = data.decode(best.encoding, errors="replace")
        if _plausible(text, markup, wide=best.encoding.startswith(("utf_16", "utf_32"))):
            return text
    if utf8 is not None and _plausible(utf8, markup):
        return utf8
    raise ReadError("undecodable text: no character encoding turns the bytes into readable text")


def _strict(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def _utf16_without_bom(data: bytes) -> str | None:
    """"utf-16-le"/"utf-16-be" when every other byte is a NUL: UTF-16 text
    that is mostly ASCII (markup, Latin prose, digits, line ends) but has no BOM."""
    sample = data[:4096]
    sample = sample[:len(sample) - len(sample) % 2]
    if len(sample) < 16:
        return None
    even, odd = sample[0::2], sample[1::2]
    half = len(even)
    if odd.count(0) > 0.4 * half and even.count(0) < 0.05 * half:
        return "utf-16-le"
    if even.count(0) > 0.4 * half and odd.count(0) < 0.05 * half:
        return "utf-16-be"
    return None


_UNREADABLE = re.compile("[\ufffd\ue000-\uf8ff\ud800-\udfff]")
_BREAKS = re.compile("[\n\r\t \u3000]")
_TAG_START = re.compile(r"<[A-Za-z!/?]")


def _plausible(text: str, markup: bool, wide: bool = False) -> bool:
    """Does a decoding look like text?  Replacement and private-use characters
    are rare in real text; UTF-16 read from 8-bit bytes (or the reverse) gives
    text with no line break or space at all, and markup whose tags are gone."""
    sample = text[:100_000]
    if len(_UNREADABLE.findall(sample)) > 0.02 * max(len(sample), 50):
        return False
    if wide and len(sample) >= 64 and not _BREAKS.search(sample):
        return False
    if markup and not _TAG_START.search(sample):
        return False
    return True


def looks_like_markdown(text: str) -> bool:
    return len(_MD_HINTS.findall(text[:20000])) >= 3
