"""The ledger's vocabulary: units by kind, qualifier words, future markers and the other word
lists that decide what a figure is.
"""

from __future__ import annotations

import re

from helpers import vocab
from helpers.figures import runs
from helpers.figures.numerals import CN_CHARS, CN_DIGITS

# ------------------------------------------------------------------ vocabulary

_UNITS_TABLE = vocab.table("units")  # data/vocab/units.csv: each unit with its kind
_by_kind: dict[str, list[str]] = {}
for _row in _UNITS_TABLE:
    _by_kind.setdefault(_row["kind"], []).append(_row["unit"])
MONEY, AREA, PERCENT, DURATION, DATE, ORDINAL_UNITS, OTHER, COUNT = (
    tuple(_by_kind.get(k, ())) for k in ("amount", "area", "percent", "duration", "date", "ordinal", "other", "count"))
UNITS = tuple(sorted((r["unit"] for r in _UNITS_TABLE), key=len, reverse=True))
# Units a Chinese numeral cannot take: with it they are words (四周 "all around", 一起, 五星级).
CN_UNSAFE_UNITS = {r["unit"] for r in _UNITS_TABLE if r["after_chinese_numeral"] == "no"}
TIME_UNITS = {r["unit"] for r in _UNITS_TABLE if r["time_unit"] == "yes"}
# 多 after the unit (60%多, 两倍多, 七成多, 1个百分点多): more than. Only before a clause or sentence mark,
# 的 or the end of the text, where 多 cannot open a word (60%多为女性: "mostly", left exact).
MORE_AFTER_UNITS = {r["unit"] for r in _UNITS_TABLE if r["kind"] == "percent"} | {"倍"}
MORE_AFTER_END = set("，,。；;：:、！？!?）)”’\n的")

PREFIX_QUALIFIERS = {
    "超过": "more_than", "超": "more_than", "逾": "more_than", "多于": "more_than",
    "高于": "more_than", "大于": "more_than", "突破": "more_than", "超出": "more_than",
    "不少于": "at_least", "不低于": "at_least", "不小于": "at_least", "至少": "at_least",
    "最少": "at_least",
    "近": "nearly", "将近": "nearly", "接近": "nearly",
    "约": "about", "大约": "about", "约为": "about", "大概": "about",
    "不足": "at_most", "不超过": "at_most", "不到": "at_most", "低于": "at_most",
    "少于": "at_most", "最多": "at_most", "不高于": "at_most", "小于": "at_most",
}
_PREFIX_RE = re.compile("(?:" + "|".join(sorted(PREFIX_QUALIFIERS, key=len, reverse=True)) + ")$")
# The character before a one-character prefix that makes it part of a word instead.
PREFIX_BLOCKERS = {"近": set("最附靠临就贴亲"), "约": set("预签节公条合邀相履制特婉"),
                   "超": set("赶高"), "逾": set()}
SUFFIX_QUALIFIERS = {"以上": "at_least", "以下": "at_most", "以内": "at_most", "左右": "about"}
RANGE_SEPARATORS = ("——", "—", "–", "-", "－", "~", "～", "〜", "至", "到")
ORDINAL_IDIOMS = ("第三方", "第一时间", "第一线", "第一书记", "第一产业", "第二产业", "第三产业", "第一课")
# An ordinal in the name of an institution is a name (市第十八小学, 附属第二医院), not a figure.
ORDINAL_NAME_RE = re.compile(r"第[\d一二三四五六七八九十百]+(?:人民|中心|实验)?(?:小学|中学|高级中学|医院|幼儿园|监狱)")
# A clock time is not a figure: 14时30分许, 上午9时许, 下午2时, 上午10点到12点, 7点多 (8:30 is a code).
CLOCK_HOUR_RE = re.compile(r"[时点](?![代期间候尚光刻机段])")
CLOCK_POINT_BEFORE = ("上午", "下午", "中午", "晚上", "早上", "凌晨", "傍晚", "晚", "早", "到", "至")
CLOCK_POINT_AFTER = re.compile(r"点(?:多|半|许|钟|整|前|后|左右|到|至|\d)")
# Units that begin with 千 (千瓦, 千瓦时, 千米, 千克): there 千 is part of the unit, not a magnitude.
KILO_UNITS = tuple(u for u in UNITS if u.startswith("千"))
# 过 before a bare magnitude is "over": 过百名, 过万人 (not after 超/经/度… where 过 is part of a word).
OVER = "过"
OVER_BLOCKERS = set("超经通度越穿跨错路不")
# Within (内) after a span of time is a ceiling: 在1小时内, 两小时内, 3天内.
WITHIN = "内"
FIRST_UNITS = set("届次批个家位座台条场期轮款")
DATE_PARTS = ("上旬", "中旬", "下旬", "初", "底", "末")

# Traditional characters of the vocabulary in this module → Simplified, one for one, so the
# Traditional forms (逾16.5億元, 3000個, 將超過, 預計) are read like the Simplified ones. Only the
# working copy of the text is mapped: surfaces, sentences and units stay as written.
_TRADITIONAL_PAIRS = ("個个 棟栋 戶户 輛辆 條条 場场 項项 臺台 隻只 頭头 張张 冊册 種种 類类 間间 隊队 "
                      "塊块 盞盏 雙双 對对 組组 處处 屆届 輪轮 單单 區区 鎮镇 鄉乡 頓顿 車车 課课 時时 "
                      "節节 門门 筆笔 級级 畝亩 頃顷 鐘钟 週周 號号 樓楼 層层 釐厘 噸吨 歲岁 貝贝 幀帧 "
                      "餘余 過过 於于 將将 約约 為为 內内 預预 計计 劃划 擬拟 爭争 後后 軍军 領领 來来 "
                      "優优 簽签 臨临 貼贴 親亲 趕赶 樣样 熱热 線线 書书 記记 別别")
TRADITIONAL = str.maketrans(dict(pair for pair in _TRADITIONAL_PAIRS.split()))

FUTURE_WIDE = re.compile(r"预计|预期目标|预测|(?<!模)拟|力争|有望|争取|届时|(?<![接招期对等款优亟看善虐])待[^，,。；;]{1,24}?后")
# 计划 makes the figures after it in its sentence plans (年度计划投资130.16亿元, 计划新建5所学校,将近900人
# 受益), but not as a noun: after 完成/占 in its clause (完成年度计划的68.68%, 占年度计划116.69%), or
# with 的 between it and a figure of its clause (完成年度计划投资的82%); and not a figure whose own
# clause says it is already so (现有12所, 1~7月完成投资343.19亿元, 占年度投资计划的44.51%).
PLAN = re.compile(r"计划(?![的书表中内里、，,；;。])")
PLAN_NOUN_BEFORE = re.compile(r"完成|占|超额")
ACTUAL = re.compile(r"现有|完成|累计|已|实际|目前|占")
# A wide marker inside a sentence governs up to the next ；; only one that opens the sentence
# (预计1-9月，…；…；…) governs all of it. Up to this many characters in counts as opening it.
WIDE_OPENS_SENTENCE = 3
# What was, not what will be: 将从原来6个小时压缩到约4小时.
FORMERLY = ("原来", "原有", "原")
FUTURE_WILL = re.compile(r"(?<!即)将(?![近军领士来])|即将")
# The same markers, precomputed once per text (see ``_Context.projected``): every start of a
# wide marker (overlapping ones too) with its end, and every 将 that is a future 将 whatever follows.
_WIDE_AT = re.compile(rf"(?=({FUTURE_WIDE.pattern}))")
_WILL_AT = re.compile(r"(?<=即)将|将(?![近军领士来])")
SENTENCE_END = re.compile(r"[。！？!?\n]")
CLAUSE_END = re.compile(r"[，,；;：:]")
# A 将 carries on into the comma-joined verb phrases after its clause (景区将投入资金约500万元,
# 新建停车位300个以上: both projected): into a clause that opens with one of these verbs or
# connectives (no subject of its own), up to a ；or the end of the sentence.
CONTINUATION = re.compile(r"\s*(?:新建|新增|建设|建成|改造|改建|扩建|修建|提升|增加|投入|打造|完善|实现|带动|提供|"
                          r"达到|推出|举办|开展|引进|吸引|惠及|覆盖|形成|创造|铺设|安装|设置|配备|完成|培训|培育|"
                          r"种植|安置|解决|容纳|接待|辐射|可|再|并|同时|还)")

MAX_CN_NUMERAL = 32  # 二千三百二十八点四九亿 is 11; a longer run is not one number (and stays linear)
_ARABIC = r"\d{1,3}(?:,\d{3})+(?!\d)(?:\.\d+)?|\d+(?:\.\d+)?"
FIRST_UNITS_RE = "".join(sorted(FIRST_UNITS))
# A numeral run (``runs.RUN_RE``: read whole or listed as unread) or 首 before a measure word.
CORE_RE = re.compile(rf"{runs.RUN_RE.pattern}|首(?=[{FIRST_UNITS_RE}])")
_CODE_NEIGHBOURS = set(":/._@#")
QUOTES = {"“": "”", "\"": "\"", "「": "」", "『": "』", "‘": "’"}
MAX_NAME_QUOTE = 12
WINDOW_BEFORE, WINDOW_AFTER = 15, 8


def states_future(text: str) -> bool:
    """Does ``text`` state something as future (将, 即将, 预计, 计划, 拟, 力争, 有望, 待…后)? The
    same markers the ledger uses to flag a figure as projected, for notebooks that need the rule."""
    return bool(FUTURE_WILL.search(text) or FUTURE_WIDE.search(text))
