"""Every catalog problem carries the file and line it came from, so a contributor can jump to it."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int | None
    message: str
    warning: bool = False  # reported, but the catalog still loads (a torn last line of a run file)

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"


class CatalogError(Exception):
    """One or more problems found while loading the catalog; all are reported at once."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def display_path(path: Path, root: Path | None) -> str:
    """Paths in messages are relative to the project root where possible (what a reviewer sees)."""
    if root is not None:
        try:
            return Path(path).resolve().relative_to(Path(root).resolve()).as_posix()
        except ValueError:
            pass
    return Path(path).as_posix()


def did_you_mean(word: object, known: Iterable[str]) -> str:
    """A hint naming the known word closest to a misspelt one (``; did you mean 'name'?``), or "" if none
    is close: a contributor fixes a typo faster when the message names the fix."""
    close = difflib.get_close_matches(str(word), list(known), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""
