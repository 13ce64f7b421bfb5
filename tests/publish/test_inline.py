"""MyST inline expressions: prose in markdown cells, values from the kernel, in the report."""

from __future__ import annotations

import pytest
from conftest import notebook, write_notebook

from helpers.errors import DeskError
from helpers.figures.quantity import Quantity, QuantityError
from helpers.publish import build, guard, inline


def test_expressions_are_found_in_order_with_their_lines():
    text = "Per job: {eval}`per_job.en(per=\"job\")`.\nAnd {eval}`jobs` and {eval}`len(x)`."
    assert inline.expressions(text) == [(1, 'per_job.en(per="job")'), (2, "jobs"), (2, "len(x)")]
    assert inline.request(inline.expressions(text)) == {"0": 'per_job.en(per="job")', "1": "jobs", "2": "len(x)"}


def _ok(data):
    return {"status": "ok", "data": data, "metadata": {}}


def test_results_are_stored_as_jupyterlab_myst_stores_them():
    found = [(1, "a"), (3, "b")]
    reply = {"content": {"status": "ok", "user_expressions": {"0": _ok({"text/plain": "1"}),
                                                               "1": _ok({"text/plain": "'x'"})}}}
    assert inline.results(found, reply, "cell 4") == [
        {"expression": "a", "result": _ok({"text/plain": "1"})},
        {"expression": "b", "result": _ok({"text/plain": "'x'"})}]


def test_a_failed_expression_names_cell_line_and_expression():
    reply = {"content": {"status": "ok", "user_expressions": {
        "0": _ok({"text/plain": "1"}),
        "1": {"status": "error", "ename": "NameError", "evalue": "name 'jobz' is not defined", "traceback": []}}}}
    with pytest.raises(inline.InlineError, match=r"^cell 4 \(## Jobs\), line 3: inline expression "
                                                 r"\{eval\}`jobz` failed: NameError: name 'jobz' is not defined$"):
        inline.results([(1, "a"), (3, "jobz")], reply, "cell 4 (## Jobs)")


def test_substitute_unquotes_strings_escapes_markup_and_keeps_markdown_values():
    text = "A {eval}`s`, a {eval}`q` and {eval}`html`."
    stored = [{"expression": "s", "result": _ok({"text/plain": "'at least 3,000 jobs (近900)'"})},
              {"expression": "q", "result": _ok({"text/plain": "Quantity(...)", "text/markdown": "about 5 yuan"})},
              {"expression": "html", "result": _ok({"text/plain": "'<b>*x*</b>'"})}]
    out = inline.substitute(text, stored, "cell 1")
    assert out == ("A at least 3,000 jobs \\(近900\\), a about 5 yuan and "
                   "\\<b\\>\\*x\\*\\<\\/b\\>.").replace("3,000", "3\\,000")


def test_substitute_refuses_an_expression_that_was_not_evaluated():
    with pytest.raises(inline.InlineError, match=r"line 2: inline expression \{eval\}`b` was not evaluated"):
        inline.substitute("{eval}`a`\n{eval}`b`", [{"expression": "a", "result": _ok({"text/plain": "1"})}], "cell 1")


def test_quantity_reads_as_prose_inline():
    q = Quantity(550000, 550000, None, "元", "at_least")
    assert q._repr_markdown_() == q.en() == "at least 550,000 yuan"
    assert f"{q:en}" == "at least 550,000 yuan" and f"{q:zh}" == f"{q}" == str(q) == "55万元以上"
    with pytest.raises(QuantityError, match="format spec"):
        f"{q:.2f}"


def test_guard_scans_inline_expressions_as_code():
    nb = {"cells": [{"cell_type": "markdown", "source": "Jobs: {eval}`L.get(near='3000')` and 7 more"}]}
    assert guard.typed_figures(nb, {3000.0, 7.0}) == [
        "cell 1 (markdown, inline expression {eval}`L.get(near='3000')`), line 1: 3000",
        "cell 1 (markdown), line 1: 7"]


@pytest.mark.slow
def test_build_evaluates_inline_expressions_into_the_report(desk_root):
    write_notebook(desk_root / "notebooks" / "01-inline.ipynb", notebook([
        ("md", "# Inline 园区"),
        ("code", "from helpers.figures.quantity import Quantity\n"
                 "q = Quantity(550000, 550000, None, '元', 'at_least')\nname = '张坂镇 <Zhangban>'"),
        ("md", "The park asks {eval}`q` of {eval}`name`, {eval}`q.en(per='job')`."),
        ("code", "name = 'changed later'"),
    ]))
    write_notebook(desk_root / "notebooks" / "02-broken.ipynb", notebook([
        ("md", "# Broken"), ("code", "x = 1"), ("md", "## Jobs\n\nWe count {eval}`x + jobz`."),
    ]))
    result = build.build(root=desk_root)
    html = (desk_root / "reports" / "01-inline.html").read_text(encoding="utf-8")
    assert "The park asks at least 550,000 yuan of " in html
    assert "&lt;Zhangban&gt;, at least 550,000 yuan per job." in html and "changed later" not in html
    assert "{eval}" not in html
    assert [str(f) for f in result.failures] == [
        "02-broken.ipynb: cell 3 (## Jobs), line 3: inline expression {eval}`x + jobz` failed: "
        "NameError: name 'jobz' is not defined"]


def test_build_stops_on_a_typed_figure_in_markdown_and_a_copied_notebook(desk_root):
    nbs = desk_root / "notebooks"
    write_notebook(nbs / "01-typed.ipynb", notebook([("md", "# Typed"), ("md", "## Jobs\n\nAbout 3000 jobs.")]))
    with pytest.raises(DeskError, match=r"01-typed.ipynb: cell 2 \(markdown\), line 3: 3000 is a number the page "
                                        r"prints"):
        build.build(root=desk_root)
    (nbs / "01-typed.ipynb").unlink()
    write_notebook(nbs / "04-spring-transport-Copy1.ipynb", notebook([("md", "# Copy")]))
    with pytest.raises(DeskError, match=r"04-spring-transport-Copy1.ipynb: a notebook in notebooks/ must be "
                                        r"named NN-slug.ipynb"):
        build.build(root=desk_root)


def test_quotes_with_their_own_gloss_function_need_no_glosses_file(tmp_path):
    nb = {"cells": [{"cell_type": "code", "source": "story.quotes(figs, page,\n    gloss=lambda s, page=None: s)"},
                    {"cell_type": "code", "source": "x = 1\n# story.quotes(figs, page)"}]}
    assert guard.missing_glosses(nb, "01-x", tmp_path) is None
    nb["cells"].append({"cell_type": "code", "source": "y = 2\nstory.quotes(\n    figs, page)"})
    assert guard.missing_glosses(nb, "01-x", tmp_path).startswith("cell 3, line 2: quotes the page")


def test_build_stops_on_a_story_that_quotes_without_glosses(desk_root):
    write_notebook(desk_root / "notebooks" / "01-quoting.ipynb", notebook([
        ("md", "# Quoting"), ("code", "from helpers import story\n\nstory.quotes([], None)")]))
    with pytest.raises(DeskError, match=r"01-quoting.ipynb: cell 2, line 3: quotes the page but there is no "
                                        r"data/glosses/01-quoting.csv"):
        build.build(root=desk_root)
