"""`leaderboard import …`: one subcommand per importable source."""

from __future__ import annotations

from pathlib import Path

import click

from ..catalog.errors import CatalogError
from .vision_ai_checkup import ImportProblem, ImportReport, import_vision_ai_checkup


@click.group("import")
def import_group():
    """Import a peer benchmark's suite and published results, marked with their provenance."""


def _print_report(report: ImportReport) -> None:
    echo = click.echo
    echo(f"suite: {report.suite_file} ({report.prompts} of {report.rows} prompts imported)")
    if report.missing_images:
        echo(f"images missing ({len(report.missing_images)}; their prompts are kept without an image and cannot be re-run): "
             + ", ".join(report.missing_images))
    if report.unused_images:
        echo(f"images no prompt uses ({len(report.unused_images)}; not copied): " + ", ".join(report.unused_images))
    for result in report.results:
        if result.model is None:
            echo(f"{result.path}: {result.model_name!r} not mapped, {len(result.skipped)} assessments skipped: "
                 f"{result.unmapped_reason} (add an alias to the model's card)")
            continue
        echo(f"{result.path}: {result.model_name!r} -> {result.model}: {result.records} records -> {result.run_file}")
        for key, why in result.skipped:
            echo(f"  skipped {key}: {why}")
    mapped = [r for r in report.results if r.model is not None]
    echo(f"results mapped: {len(mapped)} of {len(report.results)} files, {sum(r.records for r in mapped)} records; "
         f"assessments unmapped: {sum(len(r.skipped) for r in report.results)}")


@import_group.command("vision-ai-checkup")
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--root", type=click.Path(exists=True, file_okay=False, path_type=Path), default=".", show_default=True,
              help="project folder with model_cards/ and evals/")
@click.option("--commit", help="the checkout's commit, when PATH is not a git repository")
def vision_ai_checkup(path: Path, root: Path, commit: str | None):
    """Import a checkout of github.com/roboflow/vision-ai-checkup at PATH: the suite
    evals/suites/vision-ai-checkup/ and one run per result file whose model maps to a card."""
    try:
        report = import_vision_ai_checkup(path, root, commit)
    except CatalogError as e:
        raise click.ClickException(f"fix the model cards first:\n{e}") from None
    except ImportProblem as e:
        raise click.ClickException(str(e)) from None
    _print_report(report)
