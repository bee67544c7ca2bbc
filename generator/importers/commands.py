"""`leaderboard import`: import the synced pinned sources now and report what mapped to which card."""

from __future__ import annotations

from pathlib import Path

import click

from ..cli_common import ProblemsFound, root_option


@click.command("import")
@root_option
@click.option("--new-cards", is_flag=True,
              help="write a skeleton card (name and organisation from the source, the rest empty) for every "
                   "model no card claims, for you to complete")
def import_command(root: Path, new_cards: bool):
    """Import every synced source pinned in site.yaml into the build-time layer (.cache/layer, as
    the build does) and list, per source, which models map to which card, which map to none, and
    which answers or figures were left out and why.

    Example:

    \b
        leaderboard sources sync && leaderboard import --new-cards
    """
    from ..catalog.errors import Problem
    from ..catalog.loader import load_cards, load_site
    from ..sources.layer import write_layer
    from .common import merge_unmapped, write_skeleton_cards

    problems: list[Problem] = []
    site = load_site(root, problems)
    load_cards(root, problems)
    if problems:
        raise ProblemsFound(problems, f"{len(problems)} problem(s) in site.yaml or the cards: models cannot be mapped "
                                      "until they are fixed")
    if not site.sources:
        raise click.ClickException("site.yaml pins no sources (see `sources:` in docs/architecture.md)")
    imported = write_layer(root, force=True) or []
    for item in imported:
        s = item.status
        click.echo(f"{s.kind} {s.repository}@{s.commit[:12]}: {s.status}")
        for line in item.lines:
            click.echo(f"  {line}")
    unmapped = merge_unmapped([m for item in imported for m in item.unmapped])
    click.echo(f"unmapped models: {len(unmapped)}" + "".join(f"\n  {m.name}" for m in unmapped))
    if new_cards:
        for path in write_skeleton_cards(root, unmapped):
            click.echo(f"wrote {path}: complete it, then run `leaderboard validate`")
