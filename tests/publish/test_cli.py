"""`desk` prints a user's error as one line and a bug as a traceback."""

from __future__ import annotations

import pytest

from helpers.errors import DeskError
from helpers.publish import cli


def test_a_desk_error_is_one_line_naming_the_file(monkeypatch, capsys, tmp_path):
    def broken(args):
        raise DeskError("header must be unit,kind\nnot this", path=tmp_path / "units.csv", line=1)

    monkeypatch.setitem(cli._COMMANDS, "check", broken)
    assert cli.main(["check"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith(f"desk check: {tmp_path / 'units.csv'}:1: header must be unit,kind not this")


@pytest.mark.parametrize("bug", [ValueError("a bug"), KeyError("k"), TypeError("t")])
def test_any_other_exception_keeps_its_traceback(monkeypatch, bug):
    def broken(args):
        raise bug

    monkeypatch.setitem(cli._COMMANDS, "check", broken)
    with pytest.raises(type(bug)):
        cli.main(["check"])


def test_an_unreadable_page_is_a_desk_error(capsys, tmp_path):
    assert cli.main(["figures", str(tmp_path / "missing.txt")]) == 2
    err = capsys.readouterr().err
    assert "missing.txt" in err and "cannot read the page file" in err and err.count("\n") == 1


def test_desk_error_where_is_not_repeated(tmp_path):
    e = DeskError(f"{tmp_path / 'a.csv'}: bad", path=tmp_path / "a.csv")
    assert str(e) == f"{tmp_path / 'a.csv'}: bad"
