"""What every `leaderboard` command shares: the `--root` option, reading the catalog, and the
click exceptions that turn a failure into a message and an exit status.

Commands live next to the code they drive and import from here, never from `cli.py` (which
imports them): the import graph stays one-way. A command fails by raising a click exception —
`click.UsageError` (exit 2) for a wrong option or argument, `click.ClickException` or one of the
classes below (exit 1) for anything else — never `SystemExit` with a message.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

import click

root_option = click.option(
    "--root", type=click.Path(exists=True, file_okay=False, path_type=Path), default=".", show_default=True,
    help="project folder with model_cards/, evals/ and site.yaml")


class ProblemsFound(click.ClickException):
    """Several problems, each printed on its own line (`file:line: message`) before the summary,
    so a contributor sees all of them at once."""

    def __init__(self, problems: Iterable[object], summary: str):
        super().__init__(summary)
        self.problems = [str(problem) for problem in problems]

    def show(self, file=None) -> None:
        for problem in self.problems:
            click.echo(problem, err=True)
        super().show(file)


def load_catalog_or_exit(root: Path):
    """The validated catalog, or ProblemsFound listing every problem in it."""
    from .catalog import CatalogError, load_catalog

    try:
        return load_catalog(root)
    except CatalogError as e:
        raise ProblemsFound(e.problems, f"{len(e.problems)} problem(s) found in the catalog") from None
