"""MyST inline expressions in markdown cells: prose an editor can change, values from the kernel.

A markdown cell may hold ``{eval}`expr``` (MyST's inline role, rendered live in JupyterLab by
jupyterlab-myst). The build does what jupyterlab-myst does when such a cell runs: once every
code cell above it has run, it sends the kernel an ``execute_request`` with no code and the
cell's expressions as ``user_expressions``, and stores the reply as the cell's metadata
``user_expressions`` — a list of ``{"expression": ..., "result": {"status", "data",
"metadata"}}`` in the order the expressions appear. The report then shows each value where
its expression stood: ``text/markdown`` as given (``Quantity`` reads as prose there), else
``text/plain`` (a string's repr unquoted), escaped so a value is never markup. An expression
that fails stops the report, naming the cell, the line and the expression.

A markdown cell tagged ``findings``, ``answer`` or ``limitations`` (JupyterLab: the cell's
tags, in the property inspector) is the report block of that name, as ``helpers.story``'s
functions made it: ``## Key findings`` and a list of 3–5 items; a paragraph answering the
question in the heading above; ``## Limitations`` and a list (`prose_block`).
"""

from __future__ import annotations

import ast
import re

INLINE = re.compile(r"\{eval\}`([^`]*)`")
METADATA = "user_expressions"
_MD_PUNCT = re.compile(r"([!-/:-@\[-`{-~])")


class InlineError(ValueError):
    """An inline expression failed or has no value (names cell, line and expression)."""


def expressions(text: str) -> list[tuple[int, str]]:
    """(line, expression) for each ``{eval}`expr``` in a markdown cell's text, in order."""
    return [(text.count("\n", 0, m.start()) + 1, m.group(1)) for m in INLINE.finditer(text)]


def request(found: list[tuple[int, str]]) -> dict[str, str]:
    """The ``user_expressions`` of an execute request: keys "0", "1", … as jupyterlab-myst sends."""
    return {str(i): expr for i, (_, expr) in enumerate(found)}


def results(found: list[tuple[int, str]], reply: dict, where: str) -> list[dict]:
    """The cell metadata for a kernel reply; `InlineError` naming the first failed expression."""
    content = reply.get("content", reply)
    values = content.get("user_expressions") or {}
    if content.get("status") != "ok":
        raise InlineError(f"{where}: the kernel refused the inline expressions ({content.get('ename', '')} "
                          f"{content.get('evalue', '')})".rstrip())
    stored = []
    for i, (line, expr) in enumerate(found):
        result = values.get(str(i))
        if result is None or result.get("status") != "ok":
            why = f"{result.get('ename')}: {result.get('evalue')}" if result else "no value returned"
            raise InlineError(f"{where}, line {line}: inline expression {{eval}}`{expr}` failed: {why}")
        stored.append({"expression": expr, "result": result})
    return stored


async def evaluate_cell(client, cell, where: str) -> None:
    """Evaluate a markdown cell's inline expressions in `client`'s kernel (an nbclient
    ``NotebookClient`` between cells) and store them in the cell's metadata."""
    found = expressions(_source(cell))
    if not found:
        cell.metadata.pop(METADATA, None)
        return
    msg_id = client.kc.execute("", silent=True, store_history=False, user_expressions=request(found))
    reply = await client.async_wait_for_reply(msg_id, cell)
    if reply is None:
        raise InlineError(f"{where}: no reply to the inline expressions")
    cell.metadata[METADATA] = results(found, reply, where)


def value_text(result: dict) -> tuple[str, bool]:
    """(text, is_markdown) for one stored result."""
    data = result.get("data") or {}
    if "text/markdown" in data:
        return _text(data["text/markdown"]), True
    plain = _text(data.get("text/plain", ""))
    if plain[:1] in "'\"" and plain[-1:] == plain[:1]:
        try:
            value = ast.literal_eval(plain)
        except (ValueError, SyntaxError):
            value = None
        if isinstance(value, str):
            plain = value
    return plain, False


def substitute(text: str, stored: list[dict] | None, where: str) -> str:
    """The markdown with each ``{eval}`expr``` replaced by its stored value (escaped plain text
    or the value's own markdown); `InlineError` if an expression has no stored result."""
    stored = list(stored or [])
    found = expressions(text)
    if len(stored) != len(found) or any(s.get("expression") != e for s, (_, e) in zip(stored, found)):
        missing = next(((line, e) for i, (line, e) in enumerate(found)
                        if i >= len(stored) or stored[i].get("expression") != e), found[0] if found else (0, ""))
        raise InlineError(f"{where}, line {missing[0]}: inline expression {{eval}}`{missing[1]}` was not evaluated")
    values = iter(stored)

    def one(_m: re.Match) -> str:
        text, markdown = value_text(next(values)["result"])
        return text if markdown else _MD_PUNCT.sub(r"\\\1", text)

    return INLINE.sub(one, text)


PROSE_TAGS = ("findings", "answer", "limitations")
IGNORE = "tex2jax_ignore mathjax_ignore"  # as helpers.story's blocks: a maths renderer keeps $ literal


def prose_kind(cell) -> str | None:
    """The report block a markdown cell is, from its tags (one of `PROSE_TAGS`), or None."""
    tags = [t for t in (cell.get("metadata", {}).get("tags") or []) if t in PROSE_TAGS]
    if len(tags) > 1:
        raise InlineError(f"a markdown cell is one block, not {' and '.join(tags)}")
    return tags[0] if tags else None


def prose_block(rendered: str, kind: str | None, where: str) -> str:
    """The rendered markdown of a tagged cell as its report block (see the module docstring)."""
    if kind is None:
        return rendered
    if kind == "answer":
        if "<p>" not in rendered:
            raise InlineError(f"{where}: an answer cell needs a paragraph")
        return rendered.strip().replace("<p>", f'<p class="desk-block desk-answer {IGNORE}">')
    items = rendered.count("<li>") + rendered.count("<li ")
    if kind == "findings" and not 3 <= items <= 5:
        raise InlineError(f"{where}: a report has 3-5 key findings (a list in the cell), got {items}")
    if kind == "limitations" and not items:
        raise InlineError(f"{where}: limitations are a list, and this cell has none")
    return f'<section class="desk-block desk-{kind} {IGNORE}">\n{rendered.strip()}\n</section>'


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _source(cell) -> str:
    return _text(cell.get("source", ""))
