"""What a person watching `leaderboard run` sees: a progress bar with rate and ETA while it runs,
and a table at the end that accounts for every selected prompt (run, cached, unsupported,
deferred by --limit), how the answers graded, how many failed, latency percentiles and tokens.

On a terminal the bar redraws in place; in a CI log it becomes a plain line every half minute,
so a long GPU job shows signs of life without flooding the log.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from ..catalog.schemas import RunRecord
from ..grading import grade_record
from .engine import Job

PLAIN_EVERY_S = 30.0


class RateColumn(ProgressColumn):
    def render(self, task) -> Text:
        return Text("-- prompts/s" if task.speed is None else f"{task.speed:.2f} prompts/s", style="cyan")


class RunProgress:
    """Context manager fed one record at a time (``advance``)."""

    def __init__(self, total: int, console: Console, label: str):
        self.total, self.console, self.label = total, console, label
        self.done = self.errors = 0
        self._bar: Progress | None = None
        self._started = self._last_line = time.monotonic()

    def __enter__(self) -> "RunProgress":
        if self.console.is_terminal:
            self._bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), RateColumn(),
                                 TextColumn("ETA"), TimeRemainingColumn(), console=self.console)
            self._bar.start()
            self._task = self._bar.add_task(self.label, total=self.total)
        return self

    def advance(self, record: RunRecord) -> None:
        self.done += 1
        self.errors += record.error is not None
        if self._bar is not None:
            description = self.label + (f" [red]{self.errors} failed[/red]" if self.errors else "")
            self._bar.update(self._task, advance=1, description=description)
        elif time.monotonic() - self._last_line >= PLAIN_EVERY_S or self.done == self.total:
            self._last_line = time.monotonic()
            self.console.print(self.plain_line(), markup=False, highlight=False)

    def plain_line(self) -> str:
        elapsed = max(time.monotonic() - self._started, 1e-9)
        rate = self.done / elapsed
        eta = (self.total - self.done) / rate if rate else math.inf
        failed = f", {self.errors} failed" if self.errors else ""
        return f"{self.label}: {self.done}/{self.total} prompts, {rate:.2f} prompts/s, ETA {format_seconds(eta)}{failed}"

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()


def format_seconds(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "unknown"
    minutes, secs = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m{secs:02d}s" if hours else f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


def percentile(values: list[float], q: float) -> float | None:
    """Linear interpolation between closest ranks (numpy's default); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass
class Summary:
    selected: int
    run: int
    passed: int = 0
    failed: int = 0
    errors: int = 0
    not_scored: int = 0  # demo prompts without an expected answer
    not_graded: dict[str, int] = field(default_factory=dict)  # grader problem -> prompts
    cached: int = 0
    unsupported: int = 0
    imageless: int = 0
    deferred: int = 0
    latencies: list[float] = field(default_factory=list)
    per_prompt: list[float] = field(default_factory=list)  # throughput_s: a batch's time over its size
    batch_sizes: set[int] = field(default_factory=set)
    input_tokens: int | None = None
    output_tokens: int | None = None
    error_samples: list[tuple[str, str]] = field(default_factory=list)


def summarize(job: Job, records: list[RunRecord]) -> Summary:
    prompts = {p.id: p for p in job.selected}
    summary = Summary(selected=len(job.selected), run=len(records), cached=len(job.cached),
                      unsupported=len(job.unsupported), imageless=len(job.imageless), deferred=len(job.deferred))
    for record in records:
        if record.error is not None:
            summary.errors += 1
            summary.error_samples.append((record.prompt_id, record.error))
            continue
        summary.latencies.append(record.latency_s)
        if record.throughput_s is not None:
            summary.per_prompt.append(record.throughput_s)
        if record.batch_size is not None:
            summary.batch_sizes.add(record.batch_size)
        summary.input_tokens = _add(summary.input_tokens, record.input_tokens)
        summary.output_tokens = _add(summary.output_tokens, record.output_tokens)
        try:
            verdict = grade_record(prompts[record.prompt_id], record)
        except Exception as exc:  # a grader bug or unknown grader must not hide the run's results
            problem = f"{type(exc).__name__}: {exc}"
            summary.not_graded[problem] = summary.not_graded.get(problem, 0) + 1
            continue
        if verdict is None:
            summary.not_scored += 1
        elif verdict.passed:
            summary.passed += 1
        else:
            summary.failed += 1
    return summary


def _add(total: int | None, value: int | None) -> int | None:
    """Token totals stay None (shown as 'not reported') until some record reports a count."""
    return total if value is None else (total or 0) + value


def render_summary(summary: Summary, job: Job, console: Console, title: str | None = None) -> None:
    table = Table(title=title or f"{job.model} on {job.suite.suite.id}", show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column(justify="right")
    rows = [
        ("selected prompts", summary.selected),
        ("run now", summary.run),
        ("  passed", summary.passed),
        ("  failed (wrong answer)", summary.failed),
        ("  errors", summary.errors),
        ("  not scored (no expected answer)", summary.not_scored),
        *((f"  not graded ({problem})", count) for problem, count in summary.not_graded.items()),
        ("skipped: already answered (cache)", summary.cached),
        ("skipped: task not supported by the adapter", summary.unsupported),
        ("skipped: image not available (imported prompt)", summary.imageless),
        ("left for a later run (--limit)", summary.deferred),
        ("latency p50 / p90 / p99", " / ".join(_seconds(percentile(summary.latencies, q)) for q in (50, 90, 99))),
        ("per prompt (batch time / size) p50", _seconds(percentile(summary.per_prompt, 50))),
        ("batch size (requests in flight for a server)", ", ".join(map(str, sorted(summary.batch_sizes))) or "-"),
        ("input tokens", _tokens(summary.input_tokens)),
        ("output tokens", _tokens(summary.output_tokens)),
    ]
    for name, value in rows:
        style = "red" if name.strip().startswith("errors") and value else None
        table.add_row(name, str(value), style=style)
    console.print(table)
    for prompt_id, error in summary.error_samples[:10]:
        console.print(f"[red]error[/red] {escape(prompt_id)}: {escape(error)}", highlight=False)  # an error may hold "[/path]"
    if len(summary.error_samples) > 10:
        console.print(f"… and {len(summary.error_samples) - 10} more errors in {escape(str(job.run_file))}", highlight=False)
    if job.run_file is not None and summary.run:
        console.print(f"records appended to {escape(str(job.run_file))}", highlight=False)


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}s"


def _tokens(value: int | None) -> str:
    return "not reported" if value is None else f"{value:,}"
