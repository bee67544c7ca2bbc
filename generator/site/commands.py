"""`leaderboard build` (also `build-site`): render the static site into public/."""

from __future__ import annotations

import gc
from contextlib import contextmanager
from pathlib import Path

import click

from ..cli_common import ProblemsFound, root_option

BAR_FROM = 2000  # pages: smaller builds finish in a couple of seconds and need no bar


@click.command()
@root_option
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="output folder  [default: ROOT/public]")
@click.option("--base-url", default=None,
              help="public URL of the site (e.g. the base_url of actions/configure-pages); used only for "
                   "canonical links and sitemap.xml — links inside the site stay relative. Default: site.yaml's base_url")
@click.option("--jobs", type=click.IntRange(min=1), default=None, help="worker processes  [default: CPU count]")
@click.option("--force", is_flag=True, help="re-check every output even if no input changed")
@click.option("--quiet", is_flag=True, help="print nothing but errors")
def build(root: Path, out: Path | None, base_url: str | None, jobs: int | None, force: bool, quiet: bool):
    """Build the static site: leaderboard, model pages, every pairwise comparison, galleries, data.

    Incremental: only pages whose inputs changed are written; with nothing changed it returns at
    once. A catalog error is reported with file and line, and the previous site is left untouched.

    Example:

    \b
        leaderboard build --out /tmp/site --base-url https://you.github.io/leaderboard/
    """
    from .build import OutputFolderRefused
    from .build import build as run_build

    log = (lambda message: None) if quiet else (lambda message: click.echo(message, err=True))
    try:
        with _progress_bar(enabled=not quiet) as progress:
            report = run_build(root=root, out=out, base_url=base_url, jobs=jobs, force=force, log=log,
                               progress=progress)
    except OutputFolderRefused as e:
        raise click.UsageError(str(e)) from None
    except Exception as e:
        from ..catalog import CatalogError  # imported late: a no-change rebuild never loads pydantic

        if not isinstance(e, CatalogError):
            raise
        raise ProblemsFound(e.problems, f"build failed: {len(e.problems)} problem(s) in the catalog; the previous "
                                        "site is untouched") from None
    if not quiet:
        target = out if out is not None else root / "public"
        click.echo(f"{report.summary()} -> {target}")
    # The command ends here, and so does the process (in a terminal or CI): the objects of the build
    # that are still alive (pandas, numpy, pydantic, templates) go into the collector's permanent
    # generation, so that interpreter shutdown does not walk them all once more (0.17-0.25 s -> 0.03-0.05
    # s at 66 models). The library function cannot: a long-running `serve` would keep them forever.
    gc.freeze()


@contextmanager
def _progress_bar(enabled: bool):
    """A bar with rate and time left while a large build renders, on a terminal only (CI logs get
    the summary line); rich is imported only once there is something to show."""
    state: dict = {}

    def progress(done: int, total: int) -> None:
        if not enabled or total < BAR_FROM or not click.get_text_stream("stderr").isatty():
            return
        if "bar" not in state:
            from rich.progress import Progress, TimeRemainingColumn

            state["bar"] = Progress(*Progress.get_default_columns()[:-1], "{task.completed}/{task.total} pages",
                                    TimeRemainingColumn(), transient=True)
            state["bar"].start()
            state["task"] = state["bar"].add_task("rendering", total=total)
        state["bar"].update(state["task"], completed=done)

    try:
        yield progress
    finally:
        if "bar" in state:
            state["bar"].stop()
