"""`leaderboard rescore`: grade every latest run record with the current graders and show which
verdicts moved since the snapshot in ``evals/verdicts/<suite>.json`` ({model: {prompt_id: passed}}).

The snapshot is the reviewed state: a grader change that flips verdicts shows up here (and in
the diff of the snapshot once written with ``--write``), never silently on the site.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..catalog import latest_records
from ..catalog.loader import Catalog
from ..cli import load_catalog_or_exit
from .base import grade_record

VERDICT_DIR = "evals/verdicts"
Snapshot = dict[str, dict[str, bool]]  # model -> prompt id -> passed


@dataclass(frozen=True)
class Change:
    suite: str
    model: str
    prompt: str
    before: bool | None  # None: not in the snapshot
    after: bool | None  # None: no longer graded (record or prompt gone, or prompt unscored)
    reason: str


def current_verdicts(catalog: Catalog) -> tuple[dict[str, Snapshot], dict[tuple[str, str, str], str], list[str]]:
    """Verdicts per suite from the latest records, their reasons, and problems (records of unknown
    prompts, grader configuration errors) as messages."""
    verdicts: dict[str, Snapshot] = {suite: {} for suite in catalog.suites}
    reasons: dict[tuple[str, str, str], str] = {}
    problems: list[str] = []
    prompts = {(sid, p.id): p for sid, loaded in catalog.suites.items() for p in loaded.suite.prompts}
    for (suite, model, prompt_id), record in sorted(latest_records(catalog.runs).items()):
        prompt = prompts.get((suite, prompt_id))
        if prompt is None:
            problems.append(f"{suite}/{model}: record for prompt {prompt_id!r}, which the suite does not have")
            continue
        try:
            verdict = grade_record(prompt, record)
        except ValueError as e:
            problems.append(f"{suite}/{prompt_id}: {e}")
            continue
        if verdict is not None:
            verdicts[suite].setdefault(model, {})[prompt_id] = verdict.passed
            reasons[(suite, model, prompt_id)] = verdict.reason
    return verdicts, reasons, problems


def read_snapshot(path: Path) -> Snapshot:
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise click.ClickException(f"{path}:{e.lineno}: invalid JSON: {e.msg}") from None
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise click.ClickException(f"{path}: expected {{model: {{prompt_id: true/false}}}}")
    return data


def compare(suite: str, before: Snapshot, after: Snapshot, reasons: dict[tuple[str, str, str], str]) -> list[Change]:
    keys = {(m, p) for m, prompts in before.items() for p in prompts} | {(m, p) for m, prompts in after.items() for p in prompts}
    changes = []
    for model, prompt in sorted(keys):
        old, new = before.get(model, {}).get(prompt), after.get(model, {}).get(prompt)
        if old != new:
            reason = reasons.get((suite, model, prompt), "no longer graded")
            changes.append(Change(suite, model, prompt, old, new, reason))
    return changes


def _word(passed: bool | None) -> str:
    return {True: "pass", False: "fail", None: "—"}[passed]


def _write_snapshot(path: Path, snapshot: Snapshot) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {model: dict(sorted(prompts.items())) for model, prompts in sorted(snapshot.items()) if prompts}
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


@click.command()
@click.option("--root", type=click.Path(exists=True, file_okay=False, path_type=Path), default=".", show_default=True,
              help="project folder with model_cards/, evals/ and site.yaml")
@click.option("--write", is_flag=True, help=f"update the snapshots in {VERDICT_DIR}/ to the current verdicts")
def rescore(root: Path, write: bool):
    """Re-grade every latest run record and list the verdicts that changed since the snapshot."""
    catalog = load_catalog_or_exit(root)
    verdicts, reasons, problems = current_verdicts(catalog)
    console = Console(width=max(Console().width, 140))
    table = Table("suite", "model", "prompt", "before → after", "reason", title="Changed verdicts")
    counts = {"graded": 0, "unchanged": 0, "pass → fail": 0, "fail → pass": 0, "new": 0, "gone": 0}
    for suite, snapshot in sorted(verdicts.items()):
        path = root / VERDICT_DIR / f"{suite}.json"
        changes = compare(suite, read_snapshot(path), snapshot, reasons)
        graded = sum(len(p) for p in snapshot.values())
        counts["graded"] += graded
        counts["unchanged"] += graded - sum(c.after is not None for c in changes)
        for c in changes:
            kind = "new" if c.before is None else "gone" if c.after is None else f"{_word(c.before)} → {_word(c.after)}"
            counts[kind] += 1
            if c.before is not None:
                table.add_row(c.suite, c.model, c.prompt, f"{_word(c.before)} → {_word(c.after)}", escape(c.reason))
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
        raise SystemExit(1)


@click.group(invoke_without_command=True)
@click.option("--agreement", "labels", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="a labels CSV (file, prompt, model, verdict, reason): print how often the graders agree with it")
@click.option("--root", type=click.Path(exists=True, file_okay=False, path_type=Path), default=".", show_default=True,
              help="project folder the labels' run files are relative to")
@click.option("--external", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="folder of peer result files named by 'external:' rows [default: ROOT/../shared/external]")
@click.option("--fail-under", type=click.FloatRange(0, 100), default=None,
              help="exit with status 1 when agreement (in %) is below this")
@click.pass_context
def graders(ctx: click.Context, labels: Path | None, root: Path, external: Path | None, fail_under: float | None):
    """Check the graders against human labels (--agreement), or run a judge model (`graders judge`)."""
    if ctx.invoked_subcommand is not None:
        return
    if labels is None:
        raise click.UsageError("give --agreement LABELS, or a subcommand")
    from .agreement import LabelError, measure, read_labels

    try:
        result = measure(read_labels(labels), root, external or root.resolve().parent / "shared" / "external")
    except LabelError as e:
        raise click.ClickException(str(e)) from None
    console = Console(width=max(Console().width, 140))
    agreed = sum(j.agrees for j in result.judged)
    console.print(f"agreement: {agreed} of {len(result.judged)} labelled answers = {100 * result.rate:.1f}% "
                  f"({result.ambiguous} ambiguous not counted)", highlight=False)
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
        raise SystemExit(1)
