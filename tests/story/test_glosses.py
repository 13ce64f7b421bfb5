"""helpers.story.glosses: hand-made English glosses, checked against the page on load."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace as NS

import pytest

from helpers.errors import DeskError
from helpers.story import glosses
from helpers.story.glosses import GlossFileError, MissingGlossError

S1 = "待企业全部入驻投产后,产业园投资总额将超16.5亿元,提供就业岗位3000个以上。"
S2 = "产业园位于张坂镇,总建筑面积15万平方米。"
G1 = "Once all firms have moved in, total investment will exceed 1.65 billion yuan, with 3,000 jobs or more."
G2 = "The park is in Zhangban town (张坂镇), with 150,000 square metres of floor space."
TEXTS = {"test-page": {"a01": f"园区投用\n本报讯{S1}\n{S2}", "a02": "春运开始。"}}
HEADER = "page,article,sentence,gloss\n"


def write(directory: Path, name: str, body: str, header: str = HEADER) -> Path:
    path = directory / name
    path.write_bytes((header + body).encode("utf-8"))
    return path


def row(sentence=S1, gloss=G1, article="a01", page="test-page") -> str:
    q = lambda s: '"' + s.replace('"', '""') + '"'  # noqa: E731
    return f"{page},{article},{q(sentence)},{q(gloss)}\n"


def test_load_and_look_up(tmp_path):
    write(tmp_path, "01-park.csv", row() + row(S2, G2))
    g = glosses.load(tmp_path, texts=TEXTS)
    assert len(g) == 2
    assert g.get(S1) == G1
    assert g.get(S2, page="test-page") == G2
    entry = g.find(S2)
    assert entry.where == f"{tmp_path / '01-park.csv'}:3"


def test_missing_gloss_is_a_user_error_naming_the_sentence(tmp_path):
    write(tmp_path, "01-park.csv", row())
    g = glosses.load(tmp_path, texts=TEXTS)
    with pytest.raises(MissingGlossError) as info:
        g.get(S2)
    assert isinstance(info.value, DeskError)
    assert S2 in str(info.value) and "add a row" in str(info.value)
    with pytest.raises(MissingGlossError, match="on page 'other'"):
        g.get(S1, page="other")


def test_extra_columns_allowed_and_texts_may_be_a_callable(tmp_path):
    write(tmp_path, "01-park.csv", row().rstrip("\n") + ",checked by desk\n", header="page,article,sentence,gloss,note\n")
    g = glosses.load(tmp_path, texts=lambda slug: TEXTS[slug])
    assert g.get(S1) == G1


def test_same_gloss_in_two_story_files_is_fine(tmp_path):
    write(tmp_path, "01-a.csv", row())
    write(tmp_path, "02-b.csv", row())
    assert glosses.load(tmp_path, texts=TEXTS).get(S1) == G1


def test_conflicting_glosses_across_files_name_both(tmp_path):
    write(tmp_path, "01-a.csv", row())
    write(tmp_path, "02-b.csv", row(gloss="Something else."))
    with pytest.raises(GlossFileError, match=r"02-b\.csv:2.*different gloss at .*01-a\.csv:2"):
        glosses.load(tmp_path, texts=TEXTS)


def test_a_sentence_listed_twice_in_one_file(tmp_path):
    write(tmp_path, "01-a.csv", row() + row(S2, G2) + row())
    with pytest.raises(GlossFileError, match=r"01-a\.csv:4: .*listed twice \(also line 2\)"):
        glosses.load(tmp_path, texts=TEXTS)


def test_sentence_must_occur_verbatim_in_the_named_article(tmp_path):
    write(tmp_path, "01-a.csv", row(S1.replace("16.5", "16.6")))
    with pytest.raises(GlossFileError, match=r"01-a\.csv:2: .*does not occur verbatim in article 'a01'"):
        glosses.load(tmp_path, texts=TEXTS)
    write(tmp_path, "01-a.csv", row(article="a02"))
    with pytest.raises(GlossFileError, match="does not occur verbatim in article 'a02'"):
        glosses.load(tmp_path, texts=TEXTS)


def test_unknown_article_or_page(tmp_path):
    write(tmp_path, "01-a.csv", row(article="park"))
    with pytest.raises(GlossFileError, match="no article 'park'; articles are a01, a02"):
        glosses.load(tmp_path, texts=TEXTS)
    write(tmp_path, "01-a.csv", row(page="nope"))
    with pytest.raises(GlossFileError, match=r"01-a\.csv:2: cannot read page 'nope'"):
        glosses.load(tmp_path, texts=TEXTS)


@pytest.mark.parametrize("header, message", [
    ("page,article,gloss\n", "missing column.*sentence"),
    ("page,article,sentence,gloss,gloss\n", "a column is named twice"),
])
def test_required_columns(tmp_path, header, message):
    write(tmp_path, "01-a.csv", "", header=header)
    with pytest.raises(GlossFileError, match=rf"01-a\.csv:1: {message}"):
        glosses.load(tmp_path, texts=TEXTS)


@pytest.mark.parametrize("body, message", [
    (row(gloss=" "), "empty gloss"),
    (row(gloss=G1 + " "), "gloss has leading or trailing whitespace"),
    ("test-page,a01\n", "2 cells, header has 4"),
    (row(S1 + "\\n"), "does not occur verbatim"),
])
def test_bad_rows(tmp_path, body, message):
    write(tmp_path, "01-a.csv", body)
    with pytest.raises(GlossFileError, match=message):
        glosses.load(tmp_path, texts=TEXTS)


def test_encoding_and_line_ends(tmp_path):
    path = write(tmp_path, "01-a.csv", row())
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    with pytest.raises(GlossFileError, match="byte-order mark"):
        glosses.load(tmp_path, texts=TEXTS)
    path.write_bytes((HEADER + row()).replace("\n", "\r\n").encode())
    with pytest.raises(GlossFileError, match=r"01-a\.csv:1: CR line end"):
        glosses.load(tmp_path, texts=TEXTS)
    path.write_bytes(HEADER.encode() + row().encode("gb18030"))
    with pytest.raises(GlossFileError, match=r"01-a\.csv:2: not valid UTF-8"):
        glosses.load(tmp_path, texts=TEXTS)


def test_empty_directory_and_empty_file(tmp_path):
    assert len(glosses.load(tmp_path, texts=TEXTS)) == 0
    (tmp_path / "01-a.csv").write_text("")
    with pytest.raises(GlossFileError, match="empty file"):
        glosses.load(tmp_path, texts=TEXTS)


def test_article_texts_of_a_page_object():
    p = lambda t: NS(text=t)  # noqa: E731
    art = NS(id="a01", headline="园区投用", subheads=(), kicker="", paragraphs=(p(S1), p(S2)), captions=(p("图为园区。"),))
    texts = glosses.article_texts(NS(articles=(art,)))
    assert texts == {"a01": f"园区投用\n{S1}\n{S2}\n图为园区。"}


def test_default_gloss_reads_data_glosses_and_reloads_on_change(tmp_path, monkeypatch):
    monkeypatch.setattr(glosses, "DIRECTORY", tmp_path)
    monkeypatch.setattr(glosses, "_page_from_source", lambda slug: TEXTS[slug])
    path = write(tmp_path, "01-a.csv", row())
    assert glosses.gloss(S1) == G1
    with pytest.raises(MissingGlossError):
        glosses.gloss(S2)
    path.write_text(HEADER + row() + row(S2, G2), encoding="utf-8")
    assert glosses.gloss(S2, page="test-page") == G2


def test_checked_against_the_real_page(tmp_path):
    """With no texts given, sentences are checked in helpers.source's repaired page."""
    from helpers.page import manifest

    page = manifest.load_page()
    art = page.articles[0]
    sentence = art.headline
    write(tmp_path, "01-a.csv", row(sentence, "A headline.", art.id, page.slug))
    assert glosses.load(tmp_path).get(sentence, page.slug) == "A headline."
    write(tmp_path, "01-a.csv", row(sentence + "。", "A headline.", art.id, page.slug))
    with pytest.raises(GlossFileError, match="does not occur verbatim"):
        glosses.load(tmp_path)
