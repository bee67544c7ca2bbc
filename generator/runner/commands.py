"""`leaderboard run MODEL --suite SUITE`: run one model's card on one suite and append records.

Imports nothing heavy: adapters import torch or transformers themselves, when loaded.
Exit status: 0 when every prompt run got an answer, 1 when any prompt ended in an error (the
summary lists them) or the run could not start, 2 for a usage error. A run that cannot start
(a runner section its adapter rejects, a device it cannot use, a model that does not load,
another run holding the folder) writes no record.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import click
from pydantic import ValidationError
from rich.console import Console

from ..catalog.schemas import Runner
from ..cli_common import load_catalog_or_exit, root_option
from .adapter import make_adapter
from .engine import Selection, SelectionError, execute, prepare
from .shards import ShardError, parse_shard
from .store import RunLock, RunLocked, folder_records, holder_description, run_folder
from .summary import RunProgress, render_summary, summarize


def merged_runner(runner: Runner, overrides: dict[str, Any]) -> Runner:
    """The card's runner section with command-line overrides on top (None = not given).
    `max_new_tokens` joins the generation params, `concurrency` the adapter options; `adapter`
    and `base_url` send the same card's model to a server (vLLM serving the card's checkpoint)."""
    given = {k: v for k, v in overrides.items() if v is not None}
    update: dict[str, Any] = {k: given[k] for k in ("adapter", "base_url", "device", "dtype", "batch_size") if k in given}
    if "max_new_tokens" in given:
        update["params"] = {**runner.params, "max_new_tokens": given["max_new_tokens"]}
    if "concurrency" in given:
        update["options"] = {**runner.options, "concurrency": given["concurrency"]}
    try:
        return Runner.model_validate({**runner.model_dump(), **update})
    except ValidationError as exc:
        raise click.UsageError(f"invalid override: {exc.errors()[0]['msg']}") from None


def _card_and_suite(root: Path, model_id: str, suite_id: str):
    """The validated catalog, the model's card (which must have a runner) and the suite."""
    catalog = load_catalog_or_exit(root)
    card = catalog.cards.get(model_id)
    if card is None:
        raise click.UsageError(f"no model card {model_id!r}; known: {', '.join(sorted(catalog.cards)) or 'none'}")
    if card.runner is None:
        raise click.ClickException(f"model card {model_id!r} has no runner section, so it cannot be run "
                                   "(see 'The runner section' in docs/adding-a-model.md)")
    loaded = catalog.suites.get(suite_id)
    if loaded is None:
        raise click.UsageError(f"no suite {suite_id!r}; known: {', '.join(sorted(catalog.suites)) or 'none'}")
    return catalog, card, loaded


@click.command()
@click.argument("model_id")
@click.option("--suite", "suite_id", required=True, help="suite id (a folder under evals/suites/)")
@root_option
@click.option("--force", is_flag=True, help="re-run prompts that already have an answer with the same cache key")
@click.option("--limit", type=click.IntRange(min=1), help="run at most N prompts that need running")
@click.option("--prompts", "prompt_ids", help="only these prompt ids, comma-separated")
@click.option("--category", help="only prompts of this category id")
@click.option("--shard", help="i/n: this machine's share of the prompts (0 <= i < n, balanced by count); auto: "
              "from SLURM_ARRAY_TASK_ID/_COUNT, JOB_COMPLETION_INDEX (with auto/n or LEADERBOARD_SHARD_COUNT) or "
              "LEADERBOARD_SHARD_INDEX/_COUNT (a GitHub Actions matrix)")
@click.option("--repeat", type=click.IntRange(min=1, max=100),
              help="run each prompt K times, as K separate runs (default: the suite's repeats, else 1)")
@click.option("--adapter", "adapter_name", help="override runner.adapter, e.g. openai to reach a server running the card's model")
@click.option("--base-url", help="override runner.base_url of an OpenAI-compatible server, e.g. http://localhost:8000/v1")
@click.option("--device", help="override runner.device (cuda, cuda:1, cpu, mps); an error for CPU-only adapters")
@click.option("--dtype", help="override runner.dtype (bfloat16, float16, float32)")
@click.option("--batch-size", type=click.IntRange(min=1), help="override runner.batch_size")
@click.option("--max-new-tokens", type=click.IntRange(min=1), help="generation limit (sent as max_tokens to OpenAI-compatible servers)")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True),
              help="seconds without an answer after which a prompt is recorded as timed out (an in-process "
                   "model finishes its call before the next starts)")
@click.option("--concurrency", type=click.IntRange(min=1), help="requests in flight (openai adapter; default 4)")
def run(model_id: str, suite_id: str, root: Path, force: bool, limit: int | None, prompt_ids: str | None,
        category: str | None, shard: str | None, repeat: int | None, adapter_name: str | None, base_url: str | None,
        device: str | None, dtype: str | None, batch_size: int | None, max_new_tokens: int | None,
        timeout: float | None, concurrency: int | None):
    """Run MODEL_ID's card on a suite and append one record per prompt to
    evals/runs/SUITE/MODEL_ID/RUN_ID.jsonl. Prompts already answered with the same model,
    revision, adapter version, params and prompt are skipped; errored ones are retried.

    Example:

    \b
        leaderboard run tesseract-5 --suite ocr
        leaderboard run florence-2-base --suite vision-evals --device cuda --shard 0/2
        leaderboard run gemma-4-e4b --suite vision-evals --repeat 3 --shard auto
    """
    _, card, loaded = _card_and_suite(root, model_id, suite_id)
    err = Console(stderr=True)
    out = Console()
    try:
        found, origin = parse_shard(shard) if shard else (None, None)
    except ShardError as exc:
        raise click.UsageError(str(exc)) from None
    if origin and origin != "--shard":
        err.print(f"shard {found[0]}/{found[1]} from the {origin}", markup=False, highlight=False)
    selection = Selection(
        prompt_ids=frozenset(p.strip() for p in prompt_ids.split(",") if p.strip()) if prompt_ids else None,
        category=category, shard=found, limit=limit, force=force)
    config = merged_runner(card.runner, dict(adapter=adapter_name, base_url=base_url, device=device, dtype=dtype,
                                             batch_size=batch_size, max_new_tokens=max_new_tokens,
                                             concurrency=concurrency))
    try:
        adapter = make_adapter(config)
    except ValueError as exc:
        raise click.ClickException(f"model card {model_id!r}, runner section: {exc}") from None

    passes = repeat or loaded.suite.repeats
    folder = run_folder(root, suite_id, model_id)
    command = f"leaderboard run {model_id} --suite {suite_id}" + (f" --shard {found[0]}/{found[1]}" if found else "")
    errors = 0
    try:
        with RunLock(folder, found, holder_description(command)):
            for index in range(passes):
                label = f"{model_id} on {suite_id}" + (f", repeat {index + 1} of {passes}" if passes > 1 else "")
                job = _prepare(root, model_id, loaded, adapter, folder, selection, index if passes > 1 else None)
                with RunProgress(len(job.todo), err, label) as progress:
                    records = execute(adapter, job, timeout=timeout, on_record=progress.advance)
                summary = summarize(job, records)
                render_summary(summary, job, out, title=label)
                errors += summary.errors
    except RunLocked as exc:
        raise click.ClickException(f"refusing to run {model_id} on {suite_id}: {exc}") from None
    if errors:
        raise click.ClickException(f"{errors} prompt(s) ended in an error (listed above)")


def _prepare(root: Path, model_id: str, loaded, adapter, folder: Path, selection: Selection, repeat: int | None):
    """One pass's plan, against the folder's records as they are now that the lock is held."""
    try:
        return prepare(root, model_id, loaded, adapter, folder_records(folder),
                       dataclasses.replace(selection, repeat=repeat))
    except SelectionError as exc:
        raise click.UsageError(str(exc)) from None
    except (ValueError, RuntimeError, OSError, ImportError) as exc:
        raise click.ClickException(f"cannot start {model_id} ({adapter.config.adapter}): {exc}") from None
