"""A qualifier that governs a list: 分别约为30万元、45万元 (respectively about 300,000 and 450,000
yuan) makes every figure of the list ``about``, not only the first. Called by ``extract``.

The rule is narrow on purpose (a wrong qualifier is a wrong figure): 分别 must stand right before the
qualifier word (分别约为, 分别约, 分别超过, 分别不足 …), the list's figures must follow one another
joined only by 、和与及 (以及), and a figure takes the qualifier only if it has none of its own and
is not a date or an ordinal. 分别达, 分别为 and 分别增长 carry no qualifier, so their lists stay exact;
分别为超30万元、45万元 (the qualifier after the verb, next to one figure only) is left as printed.
"""

from __future__ import annotations

from dataclasses import replace

from helpers.figures.model import Figure
from helpers.figures.spans import _HIGH_IS_VALUE, _LOW_IS_VALUE
from helpers.figures.vocabulary import PREFIX_QUALIFIERS, TRADITIONAL

RESPECTIVELY = "分别"
LIST_JOINERS = ("、", "和", "与", "及", "以及")
_NOT_LISTED = ("date", "ordinal")
_WORDS = sorted(PREFIX_QUALIFIERS, key=len, reverse=True)


def distribute(text: str, figures: list[Figure]) -> list[Figure]:
    """``figures`` (in text order) with a 分别-governed qualifier carried along its list."""
    if RESPECTIVELY not in text and "分別" not in text:
        return figures
    out = list(figures)
    k = 0
    while k < len(out):
        qualifier = _governing(text, out[k])
        k += 1
        while qualifier and k < len(out) and _listed(text, out[k - 1], out[k]):
            f = out[k]
            if f.qualifier != "exact" or f.value is None or f.kind in _NOT_LISTED:
                break
            out[k] = replace(f, qualifier=qualifier,
                             low=f.value if qualifier in _LOW_IS_VALUE else None,
                             high=f.value if qualifier in _HIGH_IS_VALUE else None)
            k += 1
    return out


def _governing(text: str, f: Figure) -> str:
    """The qualifier ``f`` carries from a word right after 分别 (分别约为30万元), else ''."""
    if f.start < len(RESPECTIVELY) or text[f.start - len(RESPECTIVELY):f.start].translate(TRADITIONAL) != RESPECTIVELY:
        return ""
    surface = f.surface.translate(TRADITIONAL)
    word = next((w for w in _WORDS if surface.startswith(w)), "")
    return f.qualifier if word and PREFIX_QUALIFIERS[word] == f.qualifier else ""


def _listed(text: str, before: Figure, f: Figure) -> bool:
    """Does ``f`` follow ``before`` as the next item of one list (30万元、45万元, 30%和40%)?"""
    return text[before.end:f.start] in LIST_JOINERS
