"""The `leaderboard` command line.

Each subcommand lives next to the code it drives and is imported only when called, so
`leaderboard build` never imports torch. Adding a command is one line in `LAZY_COMMANDS`; the
command's module takes its shared options and exceptions from `cli_common` and never imports
this module (which imports it).
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import click

from .cli_common import load_catalog_or_exit, root_option

# command name -> "module:attribute" of a click command or group
LAZY_COMMANDS = {
    "build": "generator.site.commands:build",
    "run": "generator.runner.commands:run",
    "rescore": "generator.grading.commands:rescore",
    "graders": "generator.grading.commands:graders",
    "serve": "generator.serve:serve",
    "import": "generator.importers.commands:import_command",
    "sources": "generator.sources.commands:sources",
}
ALIASES = {"run-evals": "run", "build-site": "build"}


class LazyGroup(click.Group):
    def list_commands(self, ctx):
        return sorted(set(super().list_commands(ctx)) | set(LAZY_COMMANDS))

    def get_command(self, ctx, name):
        name = ALIASES.get(name, name)
        if name in LAZY_COMMANDS:
            module, attr = LAZY_COMMANDS[name].split(":")
            return getattr(importlib.import_module(module), attr)
        return super().get_command(ctx, name)


@click.group(cls=LazyGroup)
@click.version_option(package_name="vision-leaderboard")
def main():
    """Vision Leaderboard: compare vision models on the same images, with every raw answer.

    Example:

    \b
        leaderboard validate
        leaderboard run tesseract-5 --suite ocr
        leaderboard build --out /tmp/site
    """


@main.command()
@root_option
def validate(root: Path):
    """Check every card, suite and run record without building; list every problem.

    Example:

    \b
        leaderboard validate --root .
    """
    catalog = load_catalog_or_exit(root)
    if not catalog.cards and not catalog.suites:
        raise click.ClickException(f"{root} has no model_cards/*.yaml and no evals/suites/*/suite.yaml: "
                                   "is --root right?")
    prompts = sum(len(s.suite.prompts) for s in catalog.suites.values())
    click.echo(f"ok: {len(catalog.cards)} cards, {len(catalog.suites)} suites ({prompts} prompts), "
               f"{len(catalog.runs)} run records")


@main.command()
@root_option
@click.option("--check", is_flag=True, help="fail if model_cards/schema.json is out of date instead of writing it")
def schema(root: Path, check: bool):
    """Write model_cards/schema.json, the JSON Schema editors use to complete and check cards.

    Example:

    \b
        leaderboard schema --check
    """
    from .catalog.schemas import card_json_schema

    path = root / "model_cards" / "schema.json"
    text = json.dumps(card_json_schema(), indent=2, sort_keys=True) + "\n"
    if check:
        if not path.exists() or path.read_text() != text:
            raise click.ClickException(f"{path} is out of date: run `leaderboard schema`")
        click.echo(f"{path} is up to date")
        return
    path.write_text(text)
    click.echo(f"wrote {path}")


def build_site():
    """Entry point of the `build-site` script: the same as `leaderboard build` (its help says
    `Usage: build-site [OPTIONS]`, not `build-site build`)."""
    from .site.commands import build

    build(prog_name="build-site")


def run_evals():
    """Entry point of the `run-evals` script: the same as `leaderboard run`."""
    from .runner.commands import run

    run(prog_name="run-evals")


if __name__ == "__main__":  # `python -m generator.cli build-site ...`, as the entry points do
    main()
