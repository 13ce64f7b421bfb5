"""Enumerations (包括…等) found in a piece, with items and page offsets."""

from types import SimpleNamespace as NS

import pytest

from helpers.page import manifest
from helpers.page import model as page_model
from helpers.story import lists


@pytest.fixture(scope="module")
def page():
    return manifest.load_page()


def park_id(page):
    return next(a.id for a in page.articles if "智慧港产业园" in a.headline + a.body)


def test_the_park_names_its_tenants_in_an_open_list(page):
    tenants = lists.enumeration(page, park_id(page), tail="多家")
    assert tenants.tail == "多家"
    assert tenants.items[:2] == ("中信重工", "腾讯云") and tenants.items[-1] == "神搜网络"
    assert len(tenants.items) == tenants.surface.count("、") + 1
    assert tenants.surface == "、".join(tenants.items)          # the offsets point at the list on the page
    assert page.text[tenants.start - 2:tenants.start] == "包括"
    assert tenants.sentence.endswith("。") and "包括" + tenants.surface + "等多家" in tenants.sentence
    rec = tenants.record()
    assert (rec["start"], rec["end"], rec["page"], rec["article"]) == (tenants.start, tenants.end, page.slug, park_id(page))


def test_every_list_of_a_piece_in_page_order(page):
    found = [e for a in page.articles for e in lists.enumerations(page, a.id)]
    assert len(found) >= 2
    for e in found:
        assert page.text[e.start:e.end] == e.surface and all(e.items)
    in_one = [e for e in found if e.article == found[-1].article]
    assert [e.start for e in in_one] == sorted(e.start for e in in_one)


def test_one_list_or_a_clear_error(page):
    with pytest.raises(lists.ListError, match="包括…等多名"):
        lists.enumeration(page, park_id(page), tail="多名")


def test_a_list_across_a_line_break_maps_back_to_raw_offsets():
    raw = "园区包括甲公司、乙\n公司等多家企业入驻。"
    text = raw.replace("\n", "")
    offsets = tuple(i for i, ch in enumerate(raw) if ch != "\n")
    para = page_model.Passage(text, offsets)
    fake = NS(slug="p", text=raw, article=lambda _id: NS(paragraphs=(para,)))
    [e] = lists.enumerations(fake, "a1")
    assert e.items == ("甲公司", "乙公司")
    assert raw[e.start:e.end] == "甲公司、乙\n公司" and e.sentence == text
