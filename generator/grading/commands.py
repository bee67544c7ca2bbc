"""`leaderboard rescore`: grade the newest record of every source (our runs and each imported peer)
with the current graders and show which verdicts moved since the snapshot in
``evals/verdicts/<suite>.json`` ({source: {model: {prompt_id: passed}}}, where source is
``measured`` or the imported repository), and `leaderboard graders`: agreement with human labels.

The snapshot is the reviewed state: a grader change that flips verdicts shows up here (and in
the diff of the snapshot once written with ``--write``), never silently on the site. A measured
and an imported record of the same prompt are two verdicts, so a grader change that moves an
imported score is reported like one that moves ours.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..catalog.loader import Catalog
from ..cli_common import load_catalog_or_exit, root_option
from .base import grade_record
from .records import MEASURED, RecordKey, newest_per_source

VERDICT_DIR = "evals/verdicts"
UPSTREAM_ENV = "VL_UPSTREAM_RESULTS"  # a folder laid out like a source repository (see agreement.py)
Snapshot = dict[str, dict[str, dict[str, bool]]]  # source -> model -> prompt id -> passed


@dataclass(frozen=True)
class Change:
    suite: str
    source: str
    model: str
    prompt: str
    before: bool | None  # None: not in the snapshot
    after: bool | None  # None: no longer graded (record or prompt gone, or prompt unscored)
    reason: str


def current_verdicts(catalog: Catalog) -> tuple[dict[str, Snapshot], dict[RecordKey, str], list[str]]:
    """Verdicts per suite from the newest records of every source, their reasons, and problems
    (records of unknown prompts, grader configuration errors) as messages."""
    verdicts: dict[str, Snapshot] = {suite: {} for suite in catalog.suites}
    reasons: dict[RecordKey, str] = {}
    problems: list[str] = []
    prompts = {(sid, p.id): p for sid, loaded in catalog.suites.items() for p in loaded.suite.prompts}
    for key, record in newest_per_source(catalog.runs).items():
        suite, source, model, prompt_id = key
        prompt = prompts.get((suite, prompt_id))
        if prompt is None:
            problems.append(f"{suite}/{model} ({source}): record for prompt {prompt_id!r}, which the suite does not have")
            continue
        try:
            verdict = grade_record(prompt, record)
        except ValueError as e:
            problems.append(f"{suite}/{prompt_id}: {e}")
            continue
        if verdict is not None:
            verdicts.setdefault(suite, {}).setdefault(source, {}).setdefault(model, {})[prompt_id] = verdict.passed
            reasons[key] = verdict.reason
    return verdicts, reasons, problems


def read_snapshot(path: Path) -> Snapshot:
    """A snapshot file; the first format ({model: {prompt: passed}}, measured runs only) is read as
    the ``measured`` source."""
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise click.ClickException(f"{path}:{e.lineno}: invalid JSON: {e.msg}") from None
    shape = f"{path}: expected {{source: {{model: {{prompt_id: true/false}}}}}}"
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise click.ClickException(shape)
    if any(isinstance(p, bool) for models in data.values() for p in models.values()):
        data = {MEASURED: data}
    if not all(isinstance(prompts, dict) for models in data.values() for prompts in models.values()):
        raise click.ClickException(shape)
    return data


def compare(suite: str, before: Snapshot, after: Snapshot, reasons: dict[RecordKey, str]) -> list[Change]:
    def keys(snapshot: Snapshot) -> set[tuple[str, str, str]]:
        return {(s, m, p) for s, models in snapshot.items() for m, prompts in models.items() for p in prompts}

    changes = []
    for source, model, prompt in sorted(keys(before) | keys(after)):
        old = before.get(source, {}).get(model, {}).get(prompt)
        new = after.get(source, {}).get(model, {}).get(prompt)
        if old != new:
            reason = reasons.get((suite, source, model, prompt), "no longer graded")
            changes.append(Change(suite, source, model, prompt, old, new, reason))
    return changes


def _word(passed: bool | None) -> str:
    return {True: "pass", False: "fail", None: "—"}[passed]


def _write_snapshot(path: Path, snapshot: Snapshot) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {source: {model: dict(sorted(prompts.items())) for model, prompts in sorted(models.items()) if prompts}
            for source, models in sorted(snapshot.items(), key=lambda item: (item[0] != MEASURED, item[0]))}
    path.write_text(json.dumps({s: m for s, m in data.items() if m}, indent=2, ensure_ascii=False) + "\n",
                    encoding="utf-8")


@click.command()
@root_option
@click.option("--write", is_flag=True, help=f"update the snapshots in {VERDICT_DIR}/ to the current verdicts")
def rescore(root: Path, write: bool):
    """Re-grade every latest run record and list the verdicts that changed since the snapshot.

    Example:

    \b
        leaderboard rescore
        leaderboard rescore --write
    """
    catalog = load_catalog_or_exit(root)
    verdicts, reasons, problems = current_verdicts(catalog)
    console = Console(width=max(Console().width, 140))
    table = Table("suite", "source", "model", "prompt", "before → after", "reason", title="Changed verdicts")
    counts = {"graded": 0, "unchanged": 0, "pass → fail": 0, "fail → pass": 0, "new": 0, "gone": 0}
    for suite, snapshot in sorted(verdicts.items()):
        path = root / VERDICT_DIR / f"{suite}.json"
        changes = compare(suite, read_snapshot(path), snapshot, reasons)
        graded = sum(len(prompts) for models in snapshot.values() for prompts in models.values())
        counts["graded"] += graded
        counts["unchanged"] += graded - sum(c.after is not None for c in changes)
        for c in changes:
            kind = "new" if c.before is None else "gone" if c.after is None else f"{_word(c.before)} → {_word(c.after)}"
            counts[kind] += 1
            if c.before is not None:
                table.add_row(c.suite, escape(c.source), c.model, c.prompt, f"{_word(c.before)} → {_word(c.after)}",
                              escape(c.reason))
        if write and (snapshot or path.exists()):
            _write_snapshot(path, snapshot)
    if table.row_count:
        console.print(table)
    console.print(", ".join(f"{n} {what}" for what, n in counts.items()))
    for problem in problems:
        console.print(f"[red]problem:[/red] {escape(problem)}", highlight=False)
    if write:
        console.print(f"snapshots written to {escape(str(root / VERDICT_DIR))}/", highlight=False)
    if problems:
        raise click.ClickException(f"{len(problems)} problem(s) listed above")


@click.group(invoke_without_command=True)
@click.option("--agreement", "labels", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="a labels CSV (file, prompt, model, verdict, reason): print how often the graders agree with it")
@root_option
@click.option("--external", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="folder of peer result files named by 'external:' rows [default: ROOT/../shared/external]")
@click.option("--upstream", type=click.Path(file_okay=False, path_type=Path), default=None, envvar=UPSTREAM_ENV,
              help="folder laid out like the source repository, for 'owner/name@commit:path' rows "
                   f"[default: ${UPSTREAM_ENV}, else the synced sources cache, .cache/sources/]")
@click.option("--fail-under", type=click.FloatRange(0, 100), default=None,
              help="exit with status 1 when agreement (in %) is below this")
@click.pass_context
def graders(ctx: click.Context, labels: Path | None, root: Path, external: Path | None, upstream: Path | None,
            fail_under: float | None):
    """Check the graders against human labels (--agreement), or run a judge model (`graders judge`).

    Example:

    \b
        leaderboard graders --agreement tests/data/grader_labels.csv --fail-under 90
        leaderboard graders --agreement tests/data/grader_labels_upstream.csv --upstream /tmp/vac
    """
    if ctx.invoked_subcommand is not None:
        return
    if labels is None:
        raise click.UsageError("give --agreement LABELS, or a subcommand")
    from .agreement import LabelError, measure, read_labels

    try:
        result = measure(read_labels(labels), root, external or root.resolve().parent / "shared" / "external",
                         upstream)
    except LabelError as e:
        raise click.ClickException(str(e)) from None
    console = Console(width=max(Console().width, 140))
    agreed = sum(j.agrees for j in result.judged)
    console.print(f"agreement: {agreed} of {len(result.judged)} labelled answers = {100 * result.rate:.1f}% "
                  f"({result.ambiguous} ambiguous not counted)", highlight=False)
    if result.source_rate is not None:
        source_rows = result.source_judged
        console.print(f"the source's own verdicts: {sum(bool(j.source_agrees) for j in source_rows)} of "
                      f"{len(source_rows)} = {100 * result.source_rate:.1f}%", highlight=False)
    confusion = Table("human label", "grader passes", "grader fails", title="Confusion counts")
    for verdict in ("correct", "incorrect"):
        confusion.add_row(verdict, str(result.confusion[(verdict, "pass")]), str(result.confusion[(verdict, "fail")]))
    console.print(confusion)
    if result.disagreements:
        table = Table("line", "human", "grader", "human's reason", "grader's reason", title="Disagreements")
        table.columns[0].overflow = "fold"
        for j in result.disagreements:
            table.add_row(escape(f"{labels.name}:{j.label.line} {j.label.file} {j.label.prompt}"), j.label.verdict,
                          _word(j.verdict.passed), escape(j.label.reason), escape(j.verdict.reason))
        console.print(table)
    if fail_under is not None and 100 * result.rate < fail_under:
        raise click.ClickException(f"agreement {100 * result.rate:.1f}% is below --fail-under {fail_under:g}%")


@graders.command()
@root_option
@click.option("--base-url", required=True, help="the judge's OpenAI-compatible endpoint, e.g. http://localhost:8000/v1")
@click.option("--model", "judge_model", required=True, help="the model name the server serves (recorded with each verdict)")
@click.option("--api-key-env", default=None, help="name of the environment variable holding the API key, if any")
@click.option("--suite", "suites", multiple=True, help="judge only this suite (repeatable)")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="judge at most this many answers")
@click.option("--force", is_flag=True, help="judge again answers this judge has already judged")
def judge(root: Path, base_url: str, judge_model: str, api_key_env: str | None, suites: tuple[str, ...],
          limit: int | None, force: bool):
    """Ask a judge model about every text answer; store its verdicts in evals/judgements/.

    The judge's verdicts sit beside the strict graders' on the site and never replace them.

    Example:

    \b
        leaderboard graders judge --base-url http://localhost:8000/v1 --model Qwen/Qwen2.5-7B-Instruct
    """
    from .judge import JudgeClient, judge_catalog
    from .judgements import JUDGEMENT_DIR

    catalog = load_catalog_or_exit(root)
    unknown = sorted(set(suites) - set(catalog.suites))
    if unknown:
        raise click.UsageError(f"no suite {', '.join(unknown)}; known: {', '.join(sorted(catalog.suites))}")
    try:
        client = JudgeClient.from_env(base_url, judge_model, api_key_env)
    except ValueError as e:
        raise click.UsageError(str(e)) from None
    console = Console()
    run = judge_catalog(catalog, client, suites, limit, force,
                        progress=lambda j: console.print(f"{escape(j.suite)}/{escape(j.prompt_id)} {escape(j.model)} "
                                                         f"({escape(j.source)}): {j.verdict}", highlight=False))
    console.print(f"{run.judged} judged, {run.skipped} already judged, {run.failed} failed; "
                  f"verdicts in {escape(str(root / JUDGEMENT_DIR))}/", highlight=False)
    for error in run.errors:
        console.print(f"[red]failed:[/red] {escape(error)}", highlight=False)
    if run.failed:
        raise click.ClickException(f"{run.failed} answer(s) could not be judged (listed above); run again to retry them")
