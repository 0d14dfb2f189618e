"""`accords report`: a self-contained HTML page, checked as a person sees it in headless Chromium."""
import html
import os
import re
import shutil
import tempfile
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest

from helpers.samples import DOC_A, DOC_B, DOC_FAILED, TEXT_A, handmade_output, sample_output
from pipelines.tables import load
from pipelines.cli import main as accords
from pipelines.report.html import change_rows, highlight, write_report

CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
VOID = {"meta", "link", "br", "img", "input", "hr"}


@pytest.fixture(scope="module")
def handmade(tmp_path_factory):
    return handmade_output(tmp_path_factory.mktemp("handmade") / "processed")


@pytest.fixture(scope="module")
def handmade_page(handmade):
    return write_report(handmade, handmade.parent / "report.html")


@pytest.fixture(scope="module")
def samples_page(tmp_path_factory):
    return write_report(sample_output(), tmp_path_factory.mktemp("samples") / "report.html")


class Texts(HTMLParser):
    """Checks that tags nest and collects the text of every `.text` block, per document."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.doc, self.depth, self.texts = [], None, 0, {}

    def handle_starttag(self, tag, attrs):
        if tag in VOID:
            return
        self.stack.append(tag)
        attrs = dict(attrs)
        if "text" in (attrs.get("class") or "").split() and self.doc is None:
            self.doc, self.depth = attrs["data-doc"], len(self.stack)
            self.texts[self.doc] = ""

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes <{self.stack[-1] if self.stack else None}>"
        if self.doc is not None and len(self.stack) == self.depth:
            self.doc = None
        self.stack.pop()

    def handle_data(self, data):
        if self.doc is not None:
            self.texts[self.doc] += data


def page_texts(page: Path) -> dict[str, str]:
    parser = Texts()
    parser.feed(page.read_text(encoding="utf-8"))
    parser.close()
    assert parser.stack == []
    return parser.texts


@pytest.mark.parametrize("which", ["handmade", "samples"])
def test_page_shows_every_documents_clean_text_exactly(which, request):
    page = request.getfixturevalue(f"{which}_page")
    processed = request.getfixturevalue("handmade") if which == "handmade" else sample_output()
    documents = load.table("documents", processed, columns=["doc_id", "text", "status"])
    shown = page_texts(page)
    ok = documents[documents["status"] == "ok"]
    assert shown == dict(zip(ok["doc_id"], ok["text"]))


def test_page_is_self_contained_and_escapes_the_text(handmade_page):
    page = handmade_page.read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page), "the report must not fetch anything"
    assert "<style>" in page and "<script>" in page
    assert "&lt;cybersecurity&gt; &amp; &quot;resilient&quot;" in page and "<cybersecurity>" not in page
    assert "encrypted PDF: a password is required" in page  # the failed document says why


def test_overlapping_spans_nest_and_keep_their_text():
    text = "The MIC agreed to act by 2025."
    spans = [
        dict(start=0, end=30, layer="commitment", label="firm", tag="firm · agree", title="", anchor="c-1", key="s0"),
        dict(start=4, end=7, layer="entity", label="ORG", tag="ORG", title="", key="s1"),
        dict(start=22, end=29, layer="date", label="DATE", tag="DATE 2025", title="", key="s2"),
        dict(start=25, end=29, layer="entity", label="TOPIC", tag="TOPIC", title="", key="s3"),
        dict(start=25, end=99, layer="entity", label="ORG", tag="ORG", title="", key="s4"),  # past the end
    ]
    out, skipped = highlight(text, spans)
    assert skipped == 1
    parser = Texts()
    parser.feed(f'<div class="text" data-doc="d">{out}</div>')
    assert parser.texts["d"] == text and parser.stack == []
    assert out.count('id="c-1"') == 1
    # The date is cut where the TOPIC starts; both pieces carry its key, the last one its label.
    assert out.count('data-span="s2"') == 2 and out.count('data-tag="DATE 2025"') == 1


def test_cli_writes_the_report(handmade, tmp_path, capsys):
    out = tmp_path / "site" / "report.html"
    assert accords(["report", "--processed", str(handmade), "--out", str(out)]) == 0
    assert capsys.readouterr().out.strip() == str(out)
    assert out.read_text(encoding="utf-8").startswith("<!doctype html>")


def test_change_rows_list_the_runs_agreements_and_commitments(handmade):
    rows = change_rows(handmade, [DOC_A, DOC_FAILED], previous_paths={"c_locked.pdf"})
    assert {r["kind"] for r in rows} == {"agreement", "commitment"}
    assert all(r["document"] == "a_japan_singapore.txt" and r["change"] == "new" for r in rows)
    assert [r["text"] for r in rows if r["kind"] == "agreement"] == [
        "Strategic Partnership between Japan and Singapore", "Memorandum of Cooperation on digital trade"]
    firm = next(r for r in rows if r["kind"] == "commitment" and r["status"] == "firm")
    assert firm == {"change": "new", "kind": "commitment", "document": "a_japan_singapore.txt",
                    "id": firm["id"], "text": "We will hold the first Digital Policy Dialogue by March 2027.",
                    "type": "will", "parties": "JPN, SGP", "status": "firm", "date": "2027-03"}
    assert len({tuple(r) for r in rows}) == 1  # one set of columns, as a table artifact needs
    changed = change_rows(handmade, [DOC_B], previous_paths={"b_japan_eu.txt"})
    assert [(r["kind"], r["change"]) for r in changed] == [("agreement", "changed"), ("commitment", "changed")]
    assert change_rows(handmade, []) == []


# -- in the browser ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def browser():
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        if os.environ.get("CI"):
            pytest.fail("headless Chromium is needed: apt-get install -y chromium chromium-driver")
        pytest.skip("chromium and chromium-driver are not installed")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="accords-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", f"--user-data-dir={profile}", "--window-size=1200,1600"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


# The text of every highlighted span as drawn: pieces joined by their data-span key.
SPANS_JS = """
const out = [];
for (const block of document.querySelectorAll('.text')) {
  for (const el of block.querySelectorAll('[data-span].first')) {
    // A span cut at other spans' boundaries is several pieces with one key; they concatenate in order.
    const pieces = [...block.querySelectorAll(`[data-span="${el.dataset.span}"]`)];
    const box = el.getBoundingClientRect();
    out.push({doc: block.dataset.doc, layer: el.classList[0], text: pieces.map(p => p.textContent).join(''),
              shown: box.width > 0 && box.height > 0 && getComputedStyle(el).visibility !== 'hidden'});
  }
}
return out;
"""


def open_page(driver, page: Path):
    driver.get_log("browser")  # drop messages of earlier pages
    driver.get(page.resolve().as_uri())
    return [e for e in driver.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]


def expected_highlights(processed) -> Counter:
    t = load.tables(processed)
    text = dict(zip(t.documents["doc_id"], t.documents["text"]))
    ok = set(t.documents.loc[t.documents["status"] == "ok", "doc_id"])
    want = Counter()
    for name, layer in (("entities", "entity"), ("dates", "date"), ("commitments", "commitment"),
                        ("agreement_mentions", "agreement")):
        for doc_id, s, e in zip(t[name]["doc_id"], t[name]["start_char"], t[name]["end_char"]):
            if doc_id in ok and 0 <= s < e <= len(text[doc_id]):
                want[(doc_id, layer, text[doc_id][s:e])] += 1
    return want


@pytest.mark.parametrize("which", ["handmade", "samples"])
def test_browser_shows_every_extracted_span_highlighted_without_console_errors(which, browser, request, tmp_path):
    page = request.getfixturevalue(f"{which}_page")
    processed = request.getfixturevalue("handmade") if which == "handmade" else sample_output()
    errors = open_page(browser, page)
    assert errors == [], errors
    assert browser.title == "accords report"
    drawn = browser.execute_script(SPANS_JS)
    got = Counter((d["doc"], d["layer"], d["text"]) for d in drawn if d["layer"] != "heading")
    assert got == expected_highlights(processed)
    assert all(d["shown"] for d in drawn)
    # Every link in the tables lands on something on the page.
    targets = browser.execute_script(
        "return [...document.querySelectorAll('a[href^=\"#\"]')].map(a => a.getAttribute('href').slice(1))"
        ".filter(id => !document.getElementById(id))")
    assert targets == []
    n_commitments = len(load.table("commitments", processed, columns=["commitment_id"]))
    links = browser.execute_script("return document.querySelectorAll('#commitments a[href^=\"#c-\"]').length")
    assert links == n_commitments
    shot = tmp_path / f"report-{which}.png"
    browser.save_screenshot(str(shot))
    assert shot.stat().st_size > 10_000
    if os.environ.get("ACCORDS_SCREENSHOTS"):
        shutil.copy(shot, Path(os.environ["ACCORDS_SCREENSHOTS"]) / shot.name)


def test_clicking_a_commitment_jumps_to_its_highlighted_sentence(browser, handmade_page, tmp_path):
    from selenium.webdriver.common.by import By

    assert open_page(browser, handmade_page) == []
    link = browser.find_element(By.PARTIAL_LINK_TEXT, "We will hold the first Digital Policy Dialogue")
    link.click()
    target = browser.find_element(By.ID, link.get_attribute("href").split("#", 1)[1])
    pieces = browser.find_elements(By.CSS_SELECTOR, f'[data-span="{target.get_attribute("data-span")}"]')
    assert "".join(p.get_attribute("textContent") for p in pieces) == (
        "We will hold the first Digital Policy Dialogue by March 2027.")
    assert all("active" in p.get_attribute("class") for p in pieces)  # the whole clause is outlined
    top = browser.execute_script("return arguments[0].getBoundingClientRect().top", target)
    assert 0 <= top < browser.execute_script("return window.innerHeight")
    # The label is drawn after the clause, and the date inside it is highlighted too.
    label = browser.execute_script("return getComputedStyle(arguments[0], '::after').content", pieces[-1])
    assert label == '"firm · will"'
    inner = browser.find_elements(By.CSS_SELECTOR, f'[data-span="{target.get_attribute("data-span")}"] mark.date')
    assert [m.get_attribute("textContent") for m in inner] == ["March 2027"]
    entity = browser.find_element(By.CSS_SELECTOR, f'.text[data-doc="{DOC_A}"] mark.entity-ORG')
    assert entity.is_displayed()
    assert browser.execute_script("return getComputedStyle(arguments[0], '::after').content", entity) == '"ORG"'
    assert html.unescape(entity.get_attribute("title")).startswith("ORG: Ministry of Internal Affairs")
    assert TEXT_A.startswith(browser.find_element(By.CSS_SELECTOR, f'.text[data-doc="{DOC_A}"]').text[:40])
    shot = tmp_path / "report-commitment.png"
    browser.save_screenshot(str(shot))
    if os.environ.get("ACCORDS_SCREENSHOTS"):
        shutil.copy(shot, Path(os.environ["ACCORDS_SCREENSHOTS"]) / shot.name)


HOSTILE = {
    "title": '<script>alert("title")</script>',
    "error": "<img src=x onerror=alert(1)> & more",
    "agreement": '"><svg onload=alert(2)>',
    "canonical": '" onmouseover="alert(3)',
    "actor": "<b>MIC</b>",
}


class Elements(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.attrs, self.text = Counter(), [], []

    def handle_starttag(self, tag, attrs):
        self.tags[tag] += 1
        self.attrs += attrs

    def handle_data(self, data):
        self.text.append(data)


def test_text_from_documents_is_escaped_everywhere_on_the_page(handmade):
    from pipelines.report.html import render_report

    t = load.tables(handmade)
    t.documents.loc[t.documents["doc_id"] == DOC_A, "title"] = HOSTILE["title"]
    t.documents.loc[t.documents["doc_id"] == DOC_FAILED, "error"] = HOSTILE["error"]
    t.agreements.loc[0, "name"] = HOSTILE["agreement"]
    t.entities["canonical"] = t.entities["canonical"].astype(object)
    t.entities.loc[0, "canonical"] = HOSTILE["canonical"]
    t.commitments.at[0, "actor"] = [HOSTILE["actor"]]
    page = render_report(t, "000001")
    parsed = Elements()
    parsed.feed(page)
    parsed.close()
    # Only the template's own elements: one script, no element or handler smuggled in by the data.
    assert parsed.tags["script"] == 1 and not {"img", "svg", "b"} & set(parsed.tags), parsed.tags
    assert not [name for name, _ in parsed.attrs if name.startswith("on")]
    # Each value is still there, as text or attribute value, exactly as written.
    shown = "".join(parsed.text)
    for key in ("title", "error", "agreement", "actor"):
        assert HOSTILE[key] in shown, key
    assert any(value and HOSTILE["canonical"] in value for _, value in parsed.attrs)
