"""`leaderboard sources sync`: fetch the peer benchmarks pinned in site.yaml for the build."""

from __future__ import annotations

from pathlib import Path

import click

from ..cli_common import ProblemsFound, root_option


@click.group("sources")
def sources():
    """Peer benchmarks pinned in site.yaml (`sources:`), fetched into a cache and imported by the build.

    Example:

    \b
        leaderboard sources sync
    """


@sources.command("sync")
@root_option
@click.option("--cache", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="folder for fetched commits  [default: $VL_SOURCES_CACHE or ROOT/.cache/sources]")
@click.option("--url", "url_base", default=None,
              help="fetch <URL>/<owner>/<name> (a mirror or a local folder)  [default: $VL_SOURCES_URL or "
                   "https://github.com]")
def sync_command(root: Path, cache: Path | None, url_base: str | None):
    """Fetch each pinned commit into the cache and check it is that commit; commits already there
    are not fetched again. A source that cannot be fetched (offline, commit gone) is named on one
    line and the command still succeeds: the site is then built without it, and its data page says so.

    Example:

    \b
        leaderboard sources sync && leaderboard build
    """
    from ..catalog.errors import Problem
    from ..catalog.loader import load_site
    from .paths import cache_dir
    from .sync import sync

    problems: list[Problem] = []
    site = load_site(root, problems)
    if problems:
        raise ProblemsFound(problems, f"{len(problems)} problem(s) in site.yaml")
    if not site.sources:
        click.echo("site.yaml pins no sources: nothing to fetch")
        return
    for result in sync(site.sources, cache_dir(root, cache), url_base):
        click.echo(result.line())
