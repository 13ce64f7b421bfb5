"""Bylines → credits: reporters, correspondents and photographers by their role words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from helpers.page import layout


@dataclass(frozen=True)
class Credits:
    reporters: tuple[str, ...] = ()
    correspondents: tuple[str, ...] = ()
    photographers: tuple[str, ...] = ()
    text_and_photos: bool = False
    unparsed: tuple[str, ...] = ()


_ROLES = {
    "reporters": r"(?:融媒[体體]|全媒[体體]|本[报報]|特[约約]|[见見][习習])?[记記]者",
    "correspondents": r"(?:本[报報]|特[约約])?通[讯訊][员員]",
    "photographers": r"[摄攝]影[记記]者|[摄攝]影",
}
_ROLE_RE = "|".join(f"(?:{r})" for r in (_ROLES["photographers"], _ROLES["reporters"], _ROLES["correspondents"]))
_TOKEN_RE = re.compile(
    rf"(?P<role>{_ROLE_RE})|(?P<name>(?:(?!{_ROLE_RE})[\u4e00-\u9fff·])+)|(?P<sep>[\s、,，/／]+)"
    r"|(?P<other>[^\s、,，/／\u4e00-\u9fff·]+|.)"
)
_TEXT_AND_PHOTOS_RE = re.compile(r"文\s*[/／]\s*[图圖]|[图圖]\s*[/／]\s*文")
_SUFFIX_PHOTO_RE = re.compile(r"[/／]?\s*(?:[摄攝]影[报報]道|[摄攝])\s*$")
_NOT_NAMES = {"实习生", "报道", "供稿", "整理", "编辑", "综合", "摄", "文", "图",
              "實習生", "報道", "編輯", "綜合", "攝", "圖"}


def _role_of(word: str) -> str:
    for role, pattern in _ROLES.items():
        if re.fullmatch(pattern, word):
            return role
    raise AssertionError(word)  # unreachable: word matched _ROLE_RE


def parse_byline(raw: str) -> Credits:
    """Names by role from a byline as printed, e.g. ``(融媒体记者黄枫 张文璟 通讯员刘荣生 文/图)``,
    ``□融媒体记者 罗剑生 通讯员 陈美萍 文/图`` or ``(罗剑生 黄翠阳 摄)``. Names are 2–4 Han
    characters after a role word (or before a closing 摄); anything else is ``unparsed``."""
    inner = raw.strip().lstrip("□■◇◆").strip()
    if inner[:1] in "(（" and inner[-1:] in ")）":
        inner = inner[1:-1]
    text_and_photos = bool(_TEXT_AND_PHOTOS_RE.search(inner))
    inner = _TEXT_AND_PHOTOS_RE.sub(" ", inner)
    suffix_photo = bool(_SUFFIX_PHOTO_RE.search(inner)) and not re.search(r"[摄攝]影\s*$", inner)
    if suffix_photo:
        inner = _SUFFIX_PHOTO_RE.sub("", inner)
    found: dict[str, list[str]] = {k: [] for k in _ROLES}
    role: str | None = None
    unroled: list[str] = []
    unparsed: list[str] = []
    tokens = [(m.lastgroup, m.group()) for m in _TOKEN_RE.finditer(inner)]
    credit_re = layout.vocab().credit_re
    for k, (kind, word) in enumerate(tokens):
        after = tokens[k + 1] if k + 1 < len(tokens) else ("", "")
        if kind == "role":
            role = _role_of(word)
        elif kind == "name" and role is None and (after[0] == "role" or (
                after[0] == "sep" and k == 0 and k + 2 < len(tokens) and tokens[k + 2][0] == "role")):
            continue        # the outlet printed before a role word: 新京报记者, 川观新闻记者, 都市快报 记者
        elif kind == "name" and credit_re.fullmatch(word) and len(word) > 2:
            continue        # where they reported: 河南南阳报道
        elif kind == "name" and 2 <= len(word) <= 4 and word not in _NOT_NAMES:
            (found[role] if role else unroled).append(word)
        elif kind != "sep":
            unparsed.append(word)
    if suffix_photo:
        found["photographers"].extend(unroled)
        if not found["correspondents"] and not found["photographers"]:
            # 新华社记者 颜麟蕴 摄: a reporter's credit that ends in 摄 credits a photo
            found["photographers"], found["reporters"] = found["reporters"], []
    else:
        unparsed.extend(unroled)
    return Credits(
        reporters=tuple(found["reporters"]),
        correspondents=tuple(found["correspondents"]),
        photographers=tuple(found["photographers"]),
        text_and_photos=text_and_photos,
        unparsed=tuple(unparsed),
    )
