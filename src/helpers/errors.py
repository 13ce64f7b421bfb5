"""The one error type for everything a user of the desk can fix.

A ``DeskError`` names what it is about (a file, a line in it, a figure or a notebook cell)
and says what to do. ``desk`` prints it as one line; any other exception is a bug in the desk
and keeps its traceback.
"""

from __future__ import annotations

from pathlib import Path


class DeskError(Exception):
    """A problem in the desk's inputs (a page, the manifest, a gloss file, a notebook) that
    the user can fix. ``where`` is what it is about: a path, optionally with ``line``."""

    def __init__(self, message: str, *, path: str | Path | None = None, line: int | None = None,
                 figure: str | None = None):
        self.path = Path(path) if path is not None else None
        self.line = line
        self.figure = figure
        super().__init__(message)

    def __str__(self) -> str:
        message = super().__str__()
        if self.path is None or str(self.path) in message:
            return message
        where = f"{self.path}:{self.line}" if self.line is not None else str(self.path)
        return f"{where}: {message}"

    def one_line(self) -> str:
        """The message folded to one line, for the command line."""
        return " ".join(str(self).split())
