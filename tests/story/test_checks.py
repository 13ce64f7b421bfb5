"""The page's own checks: general rules, tried on the real page, the fixture page and
made-up pages written to fail."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers.figures import ledger
from helpers.page import manifest, reading
from helpers.story import calendar as cal
from helpers.story import checks, text

FIXTURE = Path(__file__).parents[1] / "fixtures" / "page_new_spring_2025.txt"


def made_up(tmp_path, body: str, headline: str = "测试新闻 规则检查"):
    """A one-piece page in the paper's layout, read and checked."""
    path = tmp_path / "page.txt"
    path.write_text(f"\n\n{headline}\n\n本报讯(融媒体记者陈立 通讯员王海燕){body}\n", encoding="utf-8")
    page = reading.read_page(path)
    return checks.run(page, ledger.figures_of_page(page))


def only(found, rule):
    hits = [c for c in found if c.rule == rule]
    assert len(hits) == 1, f"expected one {rule} check, got {hits}"
    return hits[0]


# ------------------------------------------------------------------ the real page


@pytest.fixture(scope="module")
def real():
    page = manifest.load_page()
    return page, ledger.load(page.slug), checks.page_checks(page.slug)


def test_real_page_span_of_spring_transport_holds(real):
    _, led, found = real
    art = led.article("春运")
    days = led.get(article=art, unit="天")
    year = led.get(article=art, unit="年", near="春运从")
    first, last = [f for f in led.all(article=art, unit="日") if f.sentence == days.sentence]
    md = lambda f: tuple(int(x) for x in f.date.removeprefix("XXXX-").split("-"))
    n = cal.inclusive_days(*cal.span(int(year.value), md(first), md(last)))
    check = next(c for c in found if c.rule == "span-days")
    assert (check.article, check.start, check.end) == (art, days.start, days.end)
    assert check.verdict == ("holds" if n == days.value else "fails") == "holds"
    assert f"{n} days" in check.detail and str(int(year.value)) in check.detail


def test_real_page_fleet_list_has_no_total(real):
    _, led, found = real
    art = led.article("春运")
    first = led.all(article=art, unit="部", near="投入")[0]
    fleet = [f for f in led.all(article=art, unit="部") if f.sentence == first.sentence]
    hits = [c for c in found if c.rule == "list-total" and c.article == art]
    assert len(hits) == 1 and hits[0].verdict == "cannot check"
    assert hits[0].claim == fleet[0].surface
    assert f"= {sum(int(f.value) for f in fleet)}部" in hits[0].detail


def test_real_page_relief_list_is_in_different_units(real):
    _, led, found = real
    art = led.article("寒日")
    check = only([c for c in found if c.article == art], "list-total")
    assert check.verdict == "cannot check" and "different units" in check.detail


def test_real_page_township_count_is_one_row_and_cannot_be_checked(real):
    """The four 4个乡镇 claims are one claim (no inflated tally), and no sentence of them
    names a township, so the page cannot check it (it used to "hold" against names elsewhere)."""
    page, led, found = real
    art = led.article("社工站")
    claims = [f for f in led.all(article=art, unit="个", near="乡镇") if f.noun.startswith("乡镇")]
    assert len(claims) > 1 and not any(text.townships(f.sentence) for f in claims)
    township = [c for c in found if c.rule == "township-count"]
    assert [c.figure for c in township] == [claims[0].id]
    assert township[0].verdict == "cannot check"
    assert "four townships" in township[0].detail and f"{len(claims)} times" in township[0].detail


def test_every_check_names_its_figure_on_the_page(real):
    page, led, found = real
    ids = {f.id: f for f in led.rows}
    assert found
    for c in found:
        assert c.verdict in checks.VERDICTS and c.rule in checks.RULES
        assert page.text[c.start:c.end] == c.claim == ids[c.figure].surface


# ------------------------------------------------------------------ the fixture page


@pytest.fixture(scope="module")
def fixture_checks():
    page = reading.read_page(FIXTURE)
    figures = ledger.figures_of_page(page)
    return figures, checks.run(page, figures)


def test_fixture_wrong_total_fails(fixture_checks):
    figures, found = fixture_checks
    total = next(f for f in figures if f.noun == "车辆")
    parts = [f for f in figures if f.unit == total.unit and f is not total]
    check = only(found, "list-total")
    assert check.figure == total.id
    assert sum(f.value for f in parts) != total.value
    assert check.verdict == "fails" and "exceed" in check.detail


def test_fixture_span_and_lists_hold(fixture_checks):
    _, found = fixture_checks
    assert only(found, "span-days").verdict == "holds"
    assert only(found, "township-count").verdict == "holds"
    lists = [c for c in found if c.rule == "count-vs-list"]
    assert [c.verdict for c in lists] == ["holds", "holds"]
    assert "义诊、理发、送餐" in lists[1].detail


def test_tally_counts_every_verdict(fixture_checks):
    _, found = fixture_checks
    counts = checks.tally(found)
    assert list(counts) == list(checks.VERDICTS)
    assert sum(counts.values()) == len(found) and counts["fails"] == 1
    frame = checks.frame(found)
    assert len(frame) == len(found) and list(frame["verdict"]) == [c.verdict for c in found]


# ------------------------------------------------------------------ made-up pages


def test_wrong_day_count_fails(tmp_path):
    found = made_up(tmp_path, "2023年春运从1月7日开始至2月15日结束,共41天。")
    check = only(found, "span-days")
    assert check.verdict == "fails" and "40 days" in check.detail


def test_span_without_a_year(tmp_path):
    across_february = made_up(tmp_path, "活动从1月26日开始至3月5日结束,共40天。")
    assert only(across_february, "span-days").verdict == "cannot check"
    within_march = made_up(tmp_path, "活动从3月1日开始至3月10日结束,共10天。")
    assert only(within_march, "span-days").verdict == "holds"


def test_total_after_its_parts_holds_when_it_adds_up(tmp_path):
    found = made_up(tmp_path, "投入公交车20部、出租车30部,合计50部。")
    assert only(found, "list-total").verdict == "holds"


def test_partial_list_after_qizhong(tmp_path):
    short = made_up(tmp_path, "共投入车辆300部,其中公交车120部、出租车60部。")
    assert only(short, "list-total").verdict == "cannot check"
    over = made_up(tmp_path, "共投入车辆100部,其中公交车120部、出租车60部。")
    assert only(over, "list-total").verdict == "fails"


def test_floor_parts_against_an_exact_total(tmp_path):
    found = made_up(tmp_path, "接待游客300多人、学生200多人,合计400人。")
    check = only(found, "list-total")
    assert check.verdict == "fails" and "500 or more" in check.detail


def test_count_against_its_list(tmp_path):
    wrong = made_up(tmp_path, "社工站开展义诊、理发三项服务。")
    assert only(wrong, "count-vs-list").verdict == "fails"
    open_list = made_up(tmp_path, "社工站开展义诊、理发等两项服务。")
    assert only(open_list, "count-vs-list").verdict == "cannot check"


def test_township_count_ignores_townships_named_elsewhere(tmp_path):
    path = tmp_path / "page.txt"
    path.write_text(
        "\n\n测试新闻 乡镇活动\n\n本报讯(融媒体记者陈立 通讯员王海燕)在2个乡镇开展义诊活动。\n\n"
        "东园镇举办灯会 张坂中学开学\n\n本报讯(融媒体记者林晓)东园镇举办灯会,张坂中学学生参加。\n",
        encoding="utf-8")
    page = reading.read_page(path)
    assert len(text.townships(page.text)) == 2  # the page names two, but not in the claim's sentence
    check = only(checks.run(page, ledger.figures_of_page(page)), "township-count")
    assert check.verdict == "cannot check" and "four townships" in check.detail


def test_township_count_in_its_own_sentence_holds(tmp_path):
    found = made_up(tmp_path, "东园镇、张坂镇2个乡镇开展义诊活动。")
    assert only(found, "township-count").verdict == "holds"


def test_repeated_claim_is_one_check(tmp_path):
    found = made_up(tmp_path, "在2个乡镇开展义诊。2个乡镇还开展理发。")
    check = only(found, "township-count")
    assert "2 times" in check.detail
    assert checks.tally(found)["cannot check"] == len([c for c in found if c.verdict == "cannot check"])


def test_headline_floor_restated_within_its_bounds_holds(tmp_path):
    found = made_up(tmp_path, "春节期间全区接待游客10.5万人次。", headline="景区接待游客超10万人次")
    check = only(found, "headline-in-body")
    assert check.verdict == "holds" and "10.5万人次" in check.detail
    below = made_up(tmp_path, "春节期间全区接待游客9.5万人次。", headline="景区接待游客超10万人次")
    assert only(below, "headline-in-body").verdict == "cannot check"
