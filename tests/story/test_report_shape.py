"""Every committed story report has the shape STORY-STANDARDS.md asks for.

Reads the reports in reports/ (the ones readers get) and checks the order of their
headings: the finding-headline first and alone as <h1>, then Key findings, then one
question per section, then the quotes, Methodology, Limitations, open questions and
Data, each once; and every chart has alt text and a CSV that exists.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from helpers import paths

REPORTS = sorted(p for p in paths.REPORTS.glob("[0-9][0-9]-*.html"))
TAIL = [
    r"What the (article|page|articles) says?",
    r"Methodology",
    r"Limitations",
    r"Questions the (article|page|articles) leaves? open",
    r"Data",
]


class Outline(HTMLParser):
    """Headings in order, the <title>, and each chart figure's alt text and links."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.headings: list[tuple[str, str]] = []
        self.title = ""
        self.figures: list[dict] = []
        self._heading: str | None = None
        self._in_title = False
        self._figure: dict | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("h1", "h2"):
            self._heading, self._text = tag, []
        elif tag == "title":
            self._in_title = True
        elif tag == "figure" and "chart" in (a.get("class") or ""):
            self._figure = {"alt": None, "links": []}
        elif self._figure is not None and tag == "img":
            self._figure["alt"] = a.get("alt")
        elif self._figure is not None and tag == "a":
            self._figure["links"].append(a.get("href") or "")

    def handle_endtag(self, tag):
        if tag == self._heading:
            self.headings.append((tag, " ".join("".join(self._text).split())))
            self._heading = None
        elif tag == "title":
            self._in_title = False
        elif tag == "figure" and self._figure is not None:
            self.figures.append(self._figure)
            self._figure = None

    def handle_data(self, data):
        if self._heading:
            self._text.append(data)
        if self._in_title:
            self.title += data


def outline(path) -> Outline:
    o = Outline()
    o.feed(path.read_text(encoding="utf-8"))
    return o


def test_outline_parser_reads_headings_and_charts():
    o = Outline()
    o.feed('<title>T</title><h1>A <em>b</em></h1><figure class="chart"><img alt="x">'
           '<a href="data/n/c.csv">d</a></figure><h2>Data</h2>')
    assert o.title == "T" and o.headings == [("h1", "A b"), ("h2", "Data")]
    assert o.figures == [{"alt": "x", "links": ["data/n/c.csv"]}]


pytestmark = pytest.mark.skipif(not REPORTS, reason="no reports built yet")


@pytest.mark.parametrize("path", REPORTS, ids=lambda p: p.name)
def test_headline_first_and_alone(path):
    o = outline(path)
    h1 = [text for tag, text in o.headings if tag == "h1"]
    assert len(h1) == 1, f"{path.name}: one <h1> (the headline) expected, found {h1}"
    assert o.headings[0] == ("h1", h1[0]), f"{path.name}: the headline must come first"
    assert o.headings[1] == ("h2", "Key findings"), f"{path.name}: Key findings must follow the headline"
    assert h1[0] in o.title, f"{path.name}: <title> {o.title!r} should carry the headline"


@pytest.mark.parametrize("path", REPORTS, ids=lambda p: p.name)
def test_sections_are_questions_then_the_standard_tail(path):
    h2 = [text for tag, text in outline(path).headings if tag == "h2"]
    duplicates = sorted({t for t in h2 if h2.count(t) > 1})
    assert not duplicates, f"{path.name}: headings repeated: {duplicates}"
    tail = h2[-len(TAIL):]
    for pattern, heading in zip(TAIL, tail):
        assert re.fullmatch(pattern, heading), f"{path.name}: expected the report to end with {TAIL}, got {tail}"
    questions = h2[1:-len(TAIL)]
    assert len(questions) >= 3, f"{path.name}: at least three findings sections expected"
    not_questions = [q for q in questions if not q.endswith("?")]
    assert not not_questions, f"{path.name}: section headings should be questions: {not_questions}"


@pytest.mark.parametrize("path", REPORTS, ids=lambda p: p.name)
def test_every_chart_has_alt_text_and_its_csv(path):
    for fig in outline(path).figures:
        assert fig["alt"] and len(fig["alt"]) > 20, f"{path.name}: chart without real alt text"
        csvs = [h for h in fig["links"] if h.endswith(".csv")]
        assert csvs, f"{path.name}: chart without a link to its CSV"
        for href in csvs:
            assert (paths.REPORTS / href).is_file(), f"{path.name}: {href} is linked but missing"
