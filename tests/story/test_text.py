"""helpers.story.text: jieba with the user dictionary, keywords, township mentions."""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys

import pytest

from helpers import paths
from helpers.page import manifest
from helpers.story import text

REQUIRED_ENTRIES = (
    "台商区", "泉州台商投资区", "张坂镇", "东园镇", "洛阳镇", "百崎回族乡", "百崎乡", "白奇村", "泉州东站",
    "福厦高铁", "智慧港", "中重国际", "社工站", "五个一百", "群力村", "玉埕中学", "张坂中学", "下官溪公园",
    "东园社区", "招商集团",
)


@pytest.fixture(scope="module")
def page():
    return manifest.load_page()


def _piece_text(page, article_id):
    return "\n".join(p.text for p in page.article(article_id).passages())


# --- the user dictionary -------------------------------------------------------------------

def test_userdict_file_is_utf8_lf_without_bom():
    data = paths.USER_DICT.read_bytes()
    assert not data.startswith(b"\xef\xbb\xbf")
    assert b"\r" not in data
    data.decode("utf-8")
    words = [e.word for e in text.userdict_entries()]
    assert set(REQUIRED_ENTRIES) <= set(words)


@pytest.mark.parametrize("word", [e.word for e in text.userdict_entries()])
def test_every_userdict_entry_segments_whole(word):
    assert text.cut(word) == (word,)


@pytest.mark.parametrize(
    "sentence, word",
    [("在张坂镇群力村委会建设1个应急避灾示范点", "张坂镇"),
     ("今年是福厦高铁泉州东站投入使用的第一个春运", "泉州东站"),
     ("台商区中重国际·智慧港产业园项目开园投用", "中重国际"),
     ("百崎乡社工站成立于2021年4月", "社工站")],
)
def test_userdict_words_whole_in_context(sentence, word):
    assert word in text.cut(sentence)


@pytest.mark.parametrize(
    "content, message",
    [(b"\xef\xbb\xbf\xe5\x8f\xb0\n", "BOM"),
     ("台商区\r\n东园镇\n".encode(), ":1: CR line end"),
     ("台商区\n台商区 ns\n".encode(), ":2: '台商区' already listed on line 1"),
     ("台商区 ns 5\n".encode(), ":1: expected 'WORD"),
     ("台商区\n".encode("utf-16-le"), "not UTF-8")],
)
def test_userdict_errors_name_file_and_line(tmp_path, content, message):
    f = tmp_path / "userdict.txt"
    f.write_bytes(content)
    with pytest.raises(text.UserDictError) as info:
        text.userdict_entries(f)
    assert str(f) in str(info.value) and message in str(info.value)


def test_userdict_comments_and_frequencies(tmp_path):
    f = tmp_path / "userdict.txt"
    f.write_text("# places\n\n台商区 ns\n张坂镇 300\n百崎乡 20 ns\n", encoding="utf-8")
    assert text.userdict_entries(f) == (
        text.DictEntry("台商区", None, "ns"), text.DictEntry("张坂镇", 300, None), text.DictEntry("百崎乡", 20, "ns"))


# --- the tokenizer -------------------------------------------------------------------------

def test_tokenizer_is_shared_and_caches_inside_the_project():
    tok = text.tokenizer()
    assert text.tokenizer() is tok
    assert tok.initialized
    assert list(paths.CACHE.glob("jieba-*.marshal"))


def test_prefix_dict_is_jiebas_own_dictionary():
    import jieba

    tok = jieba.Tokenizer()
    assert text._prefix_dict(tok) == tok.gen_pfdict(tok.get_dict_file())


def test_cache_is_rebuilt_when_missing_or_damaged(tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "CACHE", tmp_path)
    source = tmp_path / "source.txt"
    source.write_text("v1")
    builds = []

    def make():
        builds.append(1)
        return {"台商区": 3, "台": 0}, 3

    assert text._cached("probe", source, make) == ({"台商区": 3, "台": 0}, 3)
    [cache] = tmp_path.glob("probe-*.marshal")
    assert text._cached("probe", source, make) == ({"台商区": 3, "台": 0}, 3) and len(builds) == 1
    for damage in (b"", b"\x00garbage", cache.read_bytes()[:5]):  # a build killed mid-write, or worse
        cache.write_bytes(damage)
        assert text._cached("probe", source, make) == ({"台商区": 3, "台": 0}, 3)
        assert cache.read_bytes() != damage, "rewritten whole"
    assert len(builds) == 4
    source.write_text("v2, a changed dictionary")
    text._cached("probe", source, make)
    assert len(builds) == 5 and len(list(tmp_path.glob("probe-*.marshal"))) == 2, "keyed by the source file"
    assert not list(tmp_path.glob(".*.tmp"))


_PROBE = """
import json, sys
from helpers.story import text
lazy = "jieba" not in sys.modules
page = "".join(open(sys.argv[1], encoding="utf-8").read().split())
print(json.dumps({"lazy": lazy, "keywords": text.keywords(page, k=12), "cut": text.cut("泉州台商投资区百崎回族乡")}))
"""


def test_lazy_quiet_and_deterministic_across_processes():
    """Importing loads no jieba; first use logs nothing; keywords do not depend on the hash seed."""
    runs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run([sys.executable, "-c", _PROBE, str(paths.RAW / "000_106e376f0b9f6718.txt")],
                              capture_output=True, text=True, env=env, timeout=300, check=True)
        assert done.stderr == ""
        runs.append(json.loads(done.stdout))
    assert runs[0] == runs[1]
    assert runs[0]["lazy"] is True
    assert runs[0]["cut"] == ["泉州台商投资区", "百崎回族乡"]
    assert len(runs[0]["keywords"]) == 12


# --- keywords ------------------------------------------------------------------------------

def test_keywords_of_pieces(page):
    assert text.keywords(_piece_text(page, "a02"), k=3) == ("春运", "福厦高铁", "泉州东站")
    a06 = text.keywords(_piece_text(page, "a06"))
    assert len(a06) == 8 and a06[0] == "社工站"
    assert all(any(ch.isalpha() for ch in w) for w in a06)
    assert text.keywords(_piece_text(page, "a06"), k=3) == a06[:3]


def test_keywords_reject_bad_k():
    with pytest.raises(ValueError, match="k must be at least 1"):
        text.keywords("台商区", k=0)


def test_idf_table_is_jiebas():
    from jieba.analyse.tfidf import DEFAULT_IDF, IDFLoader

    loader = IDFLoader(DEFAULT_IDF)
    assert text.idf_table() == (loader.idf_freq, loader.median_idf)


@functools.lru_cache(maxsize=None)
def _jieba_extractor():
    """jieba.analyse's own TF-IDF over the desk's tokenizer: what text.tfidf must equal."""
    import jieba.analyse
    import jieba.posseg

    extractor = jieba.analyse.TFIDF()
    extractor.tokenizer = text.tokenizer()
    extractor.postokenizer = jieba.posseg.POSTokenizer(text.tokenizer())
    return extractor


def _jieba_weights(sample):
    return dict(_jieba_extractor().extract_tags(sample, topK=None, withWeight=True))


@pytest.mark.parametrize("article_id", [f"a0{i}" for i in range(1, 9)])
def test_tfidf_weighs_every_piece_as_jieba_analyse_does(page, article_id):
    sample = page.article(article_id).headline + "\n" + _piece_text(page, article_id)
    assert text.tfidf(sample) == _jieba_weights(sample)


@pytest.mark.parametrize("sample", ["", "   ", "the of and", "The THE 台商区 台商区 a", "123 4.5 ，。！",
                                    "Quanzhou 泉州 quanzhou 泉州东站 is 泉州东站", "张坂镇\n\n东园镇\t洛阳镇"])
def test_tfidf_edge_cases_match_jieba_analyse(sample):
    assert text.tfidf(sample) == _jieba_weights(sample)


# --- townships -----------------------------------------------------------------------------

def test_township_glosses():
    assert dict(text.TOWNSHIPS) == {
        "洛阳镇": "Luoyang town", "东园镇": "Dongyuan town",
        "张坂镇": "Zhangban town", "百崎回族乡": "Baiqi Hui ethnic township",
    }


@pytest.mark.parametrize(
    "sentence, expected",
    [("参观台商区洛阳镇的不同家庭养老床位", ("洛阳镇",)),
     ("百崎乡社工站成立于2021年4月", ("百崎回族乡",)),
     ("百崎的古街", ("百崎回族乡",)),
     ("在张坂下官溪公园建设1个安全宣教联播项目", ("张坂镇",)),
     ("在张坂中学建设1个公共安全数字体验馆", ("张坂镇",)),
     ("东园社区消防站开展演练", ("东园镇",)),
     ("张坂镇与东园镇、洛阳镇、百崎回族乡", ("洛阳镇", "东园镇", "张坂镇", "百崎回族乡")),
     ("他从洛阳来到泉州", ()),
     ("广东园林局派员参观", ()),
     ("", ())],
)
def test_townships(sentence, expected):
    assert text.townships(sentence) == expected


def test_townships_of_the_page(page):
    found = {a.id: text.townships(_piece_text(page, a.id)) for a in page.articles}
    assert found == {
        "a01": ("张坂镇",), "a02": (), "a03": ("张坂镇",), "a04": ("洛阳镇",),
        "a05": ("东园镇",), "a06": ("百崎回族乡",), "a07": (), "a08": ("张坂镇",),
    }


def test_a_malformed_idf_line_names_the_file_and_line(tmp_path):
    bad = tmp_path / "idf.txt"
    bad.write_text("台商区 9.5\n智慧港\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"idf.txt:2: expected 'WORD IDF', got '智慧港'"):
        text._read_idf(bad)
    bad.write_text("台商区 9.5\n张坂镇 7.0\n东园镇 8.0\n", encoding="utf-8")
    assert text._read_idf(bad) == ({"台商区": 9.5, "张坂镇": 7.0, "东园镇": 8.0}, 8.0)
