"""HTML -> pieces of the main content, and the page's metadata.

Navigation, breadcrumbs, menus, cookie banners, footers, scripts and styles
are dropped (by tag, ARIA role, and class/id tokens listed in
``patterns/html_boilerplate.csv``); headings, paragraphs, list items, table
rows and footnotes are kept in document order.  Parsing is offline: lxml's
HTML parser, no network, no entities resolved, nothing executed.
"""
from __future__ import annotations

import csv
import re
from functools import lru_cache

from lxml import etree, html as lxml_html

from pipelines.readers.errors import ReadError
from pipelines.readers.sniff import decode
from pipelines.readers.structure import PATTERNS, Piece, clean_inline, split_number

_SKIP_TAGS = {"script", "style", "noscript", "template", "svg", "math", "iframe", "form", "button", "select",
              "input", "textarea", "object", "embed", "canvas", "map", "img", "picture", "video", "audio",
              "head", "title", "meta", "link", "dialog"}
_BOILERPLATE_TAGS = {"nav", "footer", "aside"}
_BOILERPLATE_ROLES = {"navigation", "banner", "contentinfo", "search", "complementary", "menu", "menubar",
                      "dialog", "alertdialog"}
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_LEAF_BLOCKS = {"p", "dt", "dd", "blockquote", "pre", "figcaption", "address", "caption", "summary", "legend"}
_BLOCK_TAGS = _LEAF_BLOCKS | set(_HEADINGS) | {
    "div", "section", "article", "main", "ul", "ol", "li", "table", "tr", "td", "th", "tbody", "thead", "tfoot",
    "dl", "figure", "header", "hgroup", "details", "fieldset", "center", "body", "html", "hr", "br_block"}
_FOOTNOTE_HINT = re.compile(r"(?:^|[-_\s])(?:foot-?notes?|endnotes?|fn|notes)(?:$|[-_\s\d])", re.I)
_MARKER = re.compile(r"^\s*[\[(]?(?:\d{1,3}|[*†‡§]|[ivx]{1,4})[\])]?\s*$")


@lru_cache(maxsize=1)
def _boilerplate_tokens() -> frozenset[str]:
    with open(PATTERNS / "html_boilerplate.csv", newline="", encoding="utf-8") as f:
        return frozenset(row["token"].lower() for row in csv.DictReader(f))


def _tokens(el) -> set[str]:
    raw = f"{el.get('class', '')} {el.get('id', '')}".lower()
    words = set(raw.split())
    return words | set(re.split(r"[-_\s]+", raw)) - {""}


def _is_boilerplate(el) -> bool:
    if el.tag in _BOILERPLATE_TAGS:
        return True
    if (el.get("role") or "").lower() in _BOILERPLATE_ROLES:
        return True
    if (el.get("aria-hidden") or "").lower() == "true" or el.get("hidden") is not None:
        return True
    style = (el.get("style") or "").replace(" ", "").lower()
    if "display:none" in style or "visibility:hidden" in style:
        return True
    if el.tag == "header":
        return True
    return bool(_tokens(el) & _boilerplate_tokens()) and el.tag not in ("html", "body", "main", "article")


def parse(data: bytes) -> etree._Element:
    text = decode(data, markup=True)
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
    parser = lxml_html.HTMLParser(no_network=True, remove_comments=True, remove_pis=True,
                                  recover=True, huge_tree=False)
    try:
        root = lxml_html.document_fromstring(text, parser=parser)
    except (etree.ParserError, ValueError) as exc:
        raise ReadError(f"malformed HTML: {exc}") from exc
    return root


def read_html(data: bytes) -> tuple[list[Piece], dict]:
    root = parse(data)
    meta = page_metadata(root)
    h1_texts = [inline_text(h) for h in root.iter("h1")]
    _remove_boilerplate(root)
    main = _main_container(root)
    pieces: list[Piece] = []
    _walk(main, pieces, depth=0, footnotes=False)
    if not meta.get("title"):
        if h1_texts and h1_texts[0]:
            meta["title"], meta["title_source"] = h1_texts[0], "html_h1"
        elif meta.get("html_title"):
            meta["title"], meta["title_source"] = meta["html_title"], "html_title"
    return pieces, meta


def _remove_boilerplate(root) -> None:
    doomed = []
    for el in root.iter():
        if not isinstance(el.tag, str):
            doomed.append(el)
            continue
        if el.tag in _SKIP_TAGS and el.tag not in ("head",):
            doomed.append(el)
        elif _is_boilerplate(el) and not _holds_main_content(el):
            doomed.append(el)
    for el in doomed:
        parent = el.getparent()
        if parent is not None:
            # Keep the tail text: it belongs to the parent.
            if el.tail and el.tail.strip():
                prev = el.getprevious()
                if prev is not None:
                    prev.tail = (prev.tail or "") + " " + el.tail
                else:
                    parent.text = (parent.text or "") + " " + el.tail
            parent.remove(el)


def _holds_main_content(el) -> bool:
    # A wrapper with a boilerplate-sounding class ("header-wrap") sometimes holds the article.
    return any(True for _ in el.iter("main", "article", "h1")) and el.tag not in _BOILERPLATE_TAGS


def _main_container(root):
    body = root.find("body")
    body = body if body is not None else root
    candidates = list(root.iter("main")) + [e for e in root.iter() if isinstance(e.tag, str)
                                            and (e.get("role") or "").lower() == "main"]
    if not candidates:
        candidates = list(root.iter("article"))
        if len(candidates) > 1:  # a listing page: the articles together
            return body
    if not candidates:
        candidates = [e for e in root.iter("div", "section")
                      if _tokens(e) & {"content", "main", "article", "maincontent", "main-content", "contents",
                                       "post", "entry", "story", "body-text", "articlebody"}]
    if not candidates:
        return body
    best = max(candidates, key=lambda e: len(" ".join(e.itertext())))
    # A "content" box that holds little of the page's text is a widget, not the article.
    if len(" ".join(best.itertext())) < 0.3 * len(" ".join(body.itertext())):
        return body
    return best


def inline_text(el) -> str:
    parts: list[str] = []

    def visit(node, top=False):
        if not isinstance(node.tag, str) or node.tag in _SKIP_TAGS:
            if not top and node.tail:
                parts.append(node.tail)
            return
        if node.tag == "br":
            parts.append(" ")
        elif node.tag == "sup" and _MARKER.match(node.text_content() or ""):
            pass  # a footnote marker never enters the sentence
        elif node.tag == "a" and (node.get("href") or "").startswith("#") and _MARKER.match(node.text_content() or ""):
            pass
        else:
            if node.text:
                parts.append(node.text)
            for child in node:
                visit(child)
        if not top and node.tail:
            parts.append(node.tail)

    visit(el, top=True)
    return clean_inline("".join(parts))


def _has_block_child(el) -> bool:
    return any(isinstance(c.tag, str) and c.tag in _BLOCK_TAGS for c in el.iterdescendants())


def _walk(el, pieces: list[Piece], depth: int, footnotes: bool) -> None:
    tag = el.tag if isinstance(el.tag, str) else ""
    footnotes = footnotes or bool(_FOOTNOTE_HINT.search(f"{el.get('class', '')} {el.get('id', '')}")) \
        or (el.get("role") or "") == "doc-endnotes"
    if tag in _HEADINGS:
        text = inline_text(el)
        if text:
            pieces.append(Piece(text, kind="heading", level=_HEADINGS[tag]))
        return
    if tag in ("ul", "ol"):
        _walk_list(el, pieces, depth, footnotes)
        return
    if tag == "table" and not any(c.tag in ("table", "p", "div", "ul", "ol") for c in el.iterdescendants()
                                  if isinstance(c.tag, str)):
        for tr in el.iter("tr"):
            cells = [inline_text(td) for td in tr if isinstance(td.tag, str) and td.tag in ("td", "th")]
            cells = [c for c in cells if c]
            if cells:
                pieces.append(Piece(" | ".join(cells), kind="table"))
        return
    if tag in _LEAF_BLOCKS and not _has_block_child(el):
        text = inline_text(el)
        if text:
            pieces.append(Piece(text, kind="footnote" if footnotes else None, standalone=True))
        return
    # A container: runs of inline content between block children are paragraphs.
    buffer: list[str] = [el.text or ""]

    def flush():
        text = clean_inline("".join(buffer))
        buffer.clear()
        if text:
            pieces.append(Piece(text, kind="footnote" if footnotes else None))

    for child in el:
        if not isinstance(child.tag, str):
            buffer.append(child.tail or "")
            continue
        if child.tag in _BLOCK_TAGS:
            flush()
            _walk(child, pieces, depth, footnotes)
        elif child.tag == "br" and len(child) == 0:
            # Consecutive <br> lines in a container are separate lines of text.
            flush()
        else:
            buffer.append(inline_text(child) + " " if child.tag not in ("sup",) else inline_text(child))
        buffer.append(child.tail or "")
    flush()


def _walk_list(el, pieces: list[Piece], depth: int, footnotes: bool) -> None:
    ordered = el.tag == "ol"
    try:
        counter = int(el.get("start") or 1)
    except ValueError:
        counter = 1
    chunk = id(el)
    for li in el:
        if not isinstance(li.tag, str) or li.tag != "li":
            continue
        nested = [c for c in li if isinstance(c.tag, str) and c.tag in ("ul", "ol", "table", "div", "p")]
        for c in nested:
            li.remove(c)
        text = inline_text(li)
        if text:
            written, rest, style = split_number(text)
            if written and written != "-":
                number, body = written, rest
            else:
                number, body, style = (str(counter) if ordered else "-"), (rest if written == "-" else text), \
                    ("arabic." if ordered else "bullet")
            kind = "footnote" if footnotes else "list_item"
            piece = Piece(body, kind=kind, number=number, indent=depth, meta={"chunk": chunk, "style": style})
            pieces.append(piece)
        for c in nested:
            if c.tag in ("ul", "ol"):
                _walk_list(c, pieces, depth + 1, footnotes)
            else:
                _walk(c, pieces, depth + 1, footnotes)
        counter += 1


def page_metadata(root) -> dict:
    metas: dict[str, list[str]] = {}
    for m in root.iter("meta"):
        key = (m.get("property") or m.get("name") or m.get("itemprop") or "").strip().lower()
        if key and m.get("content"):
            metas.setdefault(key, []).append(m.get("content").strip())

    def first(*keys):
        for key in keys:
            if metas.get(key):
                return metas[key][0]
        return None

    title_el = root.find(".//title")
    html_title = clean_inline(title_el.text_content()) if title_el is not None else None
    if html_title:
        # "Page title | Ministry of X" -> "Page title"
        html_title = re.split(r"\s+[|｜]\s+|\s+[-–—:]\s+(?=[^-–—:]*$)", html_title)[0].strip() or html_title
    date = first("article:published_time", "og:published_time", "datepublished", "date", "dc.date",
                 "dc.date.issued", "dcterms.date", "dcterms.issued", "pubdate", "publishdate", "publication_date",
                 "citation_publication_date", "sailthru.date", "parsely-pub-date")
    date_source = "html_meta" if date else None
    if not date:
        for t in root.iter("time"):
            if t.get("datetime") or t.text_content().strip():
                date, date_source = t.get("datetime") or t.text_content().strip(), "html_time"
                break
    canonical = next((l.get("href") for l in root.iter("link") if (l.get("rel") or "").lower() == "canonical"
                      and l.get("href")), None)
    tags = metas.get("article:tag", [])
    if not tags and first("keywords", "news_keywords"):
        tags = [t.strip() for t in re.split(r"[,;、]", first("keywords", "news_keywords")) if t.strip()]
    og_title = first("og:title", "twitter:title", "dc.title", "citation_title")
    return {
        "title": og_title,
        "title_source": "html_meta" if og_title else None,
        "html_title": html_title,
        "date": date,
        "date_source": date_source,
        "source_url": canonical or first("og:url"),
        "tags": tags,
        "language": root.get("lang") or root.get("{http://www.w3.org/XML/1998/namespace}lang"),
    }
