"""Facility enumerations: "在<site>建设<n>个<facility>(和<n>个<facility>)" → rows with offsets.

Chinese project reports list what was built where in one long sentence, clause by clause:
"在张坂镇政府建设1个微型消防站,在张坂中学建设1个公共安全数字体验馆和1个…". This module
reads any such text so that a facility table is built from the article, never typed:
each row keeps the site, the count and the facility name with their offsets, so every cell
traces back to the page (and the count to its figure in the ledger).

It also classifies a site by the suffix of its name (village committee, school, …) and
says whether a site's name states a township, by general rules rather than a list of sites.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping

from helpers import vocab
from helpers.errors import DeskError

VERBS = ("新建", "建设", "建成", "建立", "设立", "打造")
COUNTERS = ("个", "座", "处", "所", "套", "家")
CONJUNCTIONS = ("以及", "和", "及", "与", "、")
_NUM = r"[0-9]+|[一二两三四五六七八九十]+"
_COUNT = rf"(?P<n>{_NUM})(?P<counter>{'|'.join(COUNTERS)})"
_NEXT_ITEM = rf"(?:{'|'.join(CONJUNCTIONS)})(?:{_NUM})(?:{'|'.join(COUNTERS)})"
_END = r"[,,。;;!!??:：\n]"

_SITE = r"[^在,,。;;、\s]+?"
_VERB = "|".join(VERBS)
_CLAUSE = re.compile(rf"在(?P<site>{_SITE})(?P<verb>{_VERB})(?={_NUM})")
_NEXT_CLAUSE = rf"在{_SITE}(?:{_VERB})(?:{_NUM})"
_ITEM = re.compile(rf"{_COUNT}(?P<name>.+?)(?={_NEXT_ITEM}|{_NEXT_CLAUSE}|{_END}|$)")
_JOIN = re.compile(rf"(?:{'|'.join(CONJUNCTIONS)})(?={_NUM})")

_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}

# Site kinds by the suffix of the site's name; the longest matching suffix wins.
SITE_KINDS = vocab.column("site_kinds", "suffix", "kind")

# Facility types by the head noun at the end of the facility's name.
FACILITY_TYPES = vocab.column("facility_types", "head_noun", "type")

# Administrative suffixes that turn a township's name into its place name (张坂镇 → 张坂).
TOWNSHIP_SUFFIXES = tuple(row["suffix"] for row in vocab.table("township_suffixes"))


class FacilityError(DeskError):
    """The enumeration and the ledger disagree, or there is none (names the article and offsets)."""


@dataclass(frozen=True)
class Facility:
    """One "<n>个<facility>" built at a site; spans are (start, end) offsets into the text read."""

    site: str
    verb: str
    count: int
    count_surface: str
    counter: str
    name: str
    site_span: tuple[int, int]
    count_span: tuple[int, int]
    name_span: tuple[int, int]


@dataclass(frozen=True)
class Counted:
    """A facility joined to the ledger figure of its count (same page offsets)."""

    facility: Facility
    figure: Any


@dataclass(frozen=True)
class TownshipMention:
    """What a site's name says about its township.

    ``basis`` is "stated" (the full township name, e.g. 张坂镇, is in the site's name),
    "named after" (only the place name, e.g. 张坂, is) or "not stated".
    """

    township: str | None
    place: str | None
    basis: str


def parse_count(surface: str) -> int:
    """A small whole number written in Arabic digits or Chinese numerals (一 … 九十九)."""
    if surface.isdigit():
        return int(surface)
    if surface == "十":
        return 10
    if "十" in surface:
        tens, _, units = surface.partition("十")
        if len(tens) > 1 or len(units) > 1 or "十" in units:
            raise ValueError(f"cannot read count {surface!r}")
        return (_DIGITS[tens] if tens else 1) * 10 + (_DIGITS[units] if units else 0)
    if len(surface) == 1 and surface in _DIGITS:
        return _DIGITS[surface]
    raise ValueError(f"cannot read count {surface!r}")


def extract(text: str, offset: int = 0) -> list[Facility]:
    """Every facility in every "在<site><verb><n><counter><name>" clause of ``text``, in order.

    ``offset`` is added to every span, so a caller can pass a slice of a page and get page offsets.
    """
    found: list[Facility] = []
    for clause in _CLAUSE.finditer(text):
        site_span = (clause.start("site") + offset, clause.end("site") + offset)
        pos = clause.end()
        while True:
            item = _ITEM.match(text, pos)
            if item is None:
                break
            found.append(
                Facility(
                    site=clause["site"],
                    verb=clause["verb"],
                    count=parse_count(item["n"]),
                    count_surface=item["n"] + item["counter"],
                    counter=item["counter"],
                    name=item["name"],
                    site_span=site_span,
                    count_span=(item.start("n") + offset, item.end("counter") + offset),
                    name_span=(item.start("name") + offset, item.end("name") + offset),
                )
            )
            join = _JOIN.match(text, item.end())
            if join is None:
                break
            pos = join.end()
    return found


def in_passage(passage) -> list[Facility]:
    """``extract`` over a repaired ``source.Passage``, with spans mapped to page offsets."""
    rows = []
    for f in extract(passage.text):
        rows.append(
            Facility(
                site=f.site,
                verb=f.verb,
                count=f.count,
                count_surface=f.count_surface,
                counter=f.counter,
                name=f.name,
                site_span=passage.raw_span(*f.site_span),
                count_span=passage.raw_span(*f.count_span),
                name_span=passage.raw_span(*f.name_span),
            )
        )
    return rows


def _by_suffix(name: str, table: dict[str, str], what: str) -> str:
    for suffix in sorted(table, key=len, reverse=True):
        if name.endswith(suffix):
            return table[suffix]
    raise ValueError(f"no {what} for {name!r}: its name ends in none of {', '.join(table)}")


def site_kind(site: str) -> str:
    """The kind of a site from its name's suffix (张坂中学 → "school"); unknown suffix: ValueError."""
    return _by_suffix(site, SITE_KINDS, "site kind")


def facility_type(name: str) -> str:
    """The type of a facility from its head noun (微型消防站 → "fire station"); unknown: ValueError."""
    return _by_suffix(name, FACILITY_TYPES, "facility type")


def place_name(township: str) -> str:
    """A township's place name without its administrative suffix (百崎回族乡 → 百崎)."""
    for suffix in TOWNSHIP_SUFFIXES:
        if township.endswith(suffix) and len(township) > len(suffix):
            return township[: -len(suffix)]
    return township


def township_in_name(site: str, townships: Iterable[str]) -> TownshipMention:
    """Whether ``site``'s own name states one of ``townships``, only carries its place name, or neither.

    A place name in a site's name (张坂中学) is not the article stating the township; a reader
    must be told the difference, so the two are kept apart. Two townships in one name: ValueError.
    """
    townships = list(townships)
    stated = [t for t in townships if t in site]
    if len(stated) > 1:
        raise ValueError(f"site {site!r} names several townships: {stated}")
    if stated:
        return TownshipMention(stated[0], place_name(stated[0]), "stated")
    named = [t for t in townships if place_name(t) in site]
    if len(named) > 1:
        raise ValueError(f"site {site!r} carries several townships' place names: {named}")
    if named:
        return TownshipMention(named[0], place_name(named[0]), "named after")
    return TownshipMention(None, None, "not stated")


# ------------------------------------------------------------------ with the ledger


def counted(article, ledger) -> list[Counted]:
    """Every facility the paragraphs of ``article`` enumerate, each with its count's ledger figure.

    The count's page offsets must be a figure's offsets and the values must agree, so the
    table a story builds is the article's text and the ledger at once; else FacilityError.
    """
    rows = [f for p in article.paragraphs for f in in_passage(p)]
    if not rows:
        raise FacilityError(f"article {article.id}: no 在<site>建设<n>个<facility> enumeration in its paragraphs")
    by_span = {(g.start, g.end): g for g in ledger.all(article=article.id)}
    out = []
    for f in rows:
        fig = by_span.get(f.count_span)
        if fig is None:
            raise FacilityError(f"article {article.id}: count {f.count_surface!r} of {f.name!r} at offsets "
                                f"{f.count_span[0]}:{f.count_span[1]} has no figure in the ledger")
        if fig.value != f.count:
            raise FacilityError(f"article {article.id}: count {f.count_surface!r} of {f.name!r} reads {f.count}, "
                                f"but ledger figure {fig.id} says {fig.value}")
        out.append(Counted(f, fig))
    return out


def frame(rows: Iterable[Counted], townships: Iterable[str], gloss: Callable[[str], str]):
    """One row per facility: names with English glosses, type, site kind, township and provenance.

    ``township`` is filled only when the site's name states it (else empty: a place name in a
    site's name is not the article saying where the site is, and is never turned into a
    township); ``place_name`` holds the place name the site's name carries, and
    ``township_basis`` says which ("stated", "named after", "not stated"). This is the CSV a
    story publishes beside its table.
    """
    import pandas as pd

    townships = list(townships)
    records = []
    for r in rows:
        f, mention = r.facility, township_in_name(r.facility.site, townships)
        records.append({
            "facility": f.name, "facility_en": gloss(f.name), "type": facility_type(f.name),
            "site": f.site, "site_en": gloss(f.site), "site_kind": site_kind(f.site),
            "township": mention.township if mention.basis == "stated" else "", "township_basis": mention.basis,
            "place_name": mention.place or "", "count": f.count, "count_figure": r.figure.id,
            "site_start": f.site_span[0], "site_end": f.site_span[1],
            "facility_start": f.name_span[0], "facility_end": f.name_span[1],
        })
    return pd.DataFrame.from_records(records)


def township_text(row: Mapping[str, Any], township_en: Mapping[str, str], gloss: Callable[[str], str]) -> str:
    """A reader's "township, as the article states it" for one ``frame`` row.

    "张坂镇 (Zhangban town)" when stated; "not stated (site named after 张坂, Zhangban)" when only
    the place name is in the site's name; "not stated" otherwise.
    """
    if row["township_basis"] == "stated":
        return f"{row['township']} ({township_en[row['township']]})"
    if row["township_basis"] == "named after":
        return f"not stated (site named after {row['place_name']}, {gloss(row['place_name'])})"
    return "not stated"


def township_counts(data, township_en: Mapping[str, str], gloss: Callable[[str], str]):
    """Facilities per township and basis, every township listed (zeros kept), then "not stated".

    Columns: label (for a chart), township, place_name, basis, facilities. A township's row
    counts the sites whose names state it ("(stated)" in the label only when there are any);
    sites only named after its place name get their own row, with the place name and an
    empty township, so "stated" and "named after" never merge and no township is guessed.
    """
    import pandas as pd

    rows = []
    for town, english in township_en.items():
        stated = int(data.loc[(data["township"] == town) & (data["township_basis"] == "stated"), "count"].sum())
        rows.append({"label": f"{town} {english}" + (" (stated)" if stated else ""), "township": town,
                     "place_name": place_name(town), "basis": "stated", "facilities": stated})
        place = place_name(town)
        named = data[(data["township_basis"] == "named after") & (data["place_name"] == place)]
        if len(named):
            rows.append({"label": f"site named after {place} {gloss(place)}", "township": "",
                         "place_name": place, "basis": "named after", "facilities": int(named["count"].sum())})
    none = int(data.loc[data["township_basis"] == "not stated", "count"].sum())
    rows.append({"label": "not stated", "township": "", "place_name": "", "basis": "not stated",
                 "facilities": none})
    return pd.DataFrame.from_records(rows)
