"""Import vlm-exam (github.com/roboflow/vlm-exam) from a checkout of its pinned commit: the
per-model, per-task aggregates of ``web/benchmark_summary.json`` as ``ImportedAggregate`` rows in
``<dest>/aggregates/vlm-exam.jsonl``.

The file (written by ``vlm-exam summary``; its README documents the shape) holds ``tasks`` (key,
display name, primary metric, metric labels and units) and ``models``: one entry per (model,
effort) with ``key``, ``name``, ``lab``, ``effort`` and per task ``primary_metric`` (name, value),
``metrics`` (the mean over the configuration's runs), ``metric_runs`` (the per-run values),
``sample_count``, ``failed_sample_count`` (summed over runs), ``tokens``/``cost``/``speed`` of one
run (the mean over runs) and the entry's ``protocol`` status. Older versions of the file lack
``metric_runs``, ``scoring`` and ``protocol``; what a version lacks is left empty, never made up.

One row per (model, effort, task): the task's primary metric as ``value`` and ``runs``; strict and
LLM-judge accuracy side by side where the task has them (``scoring`` names the two metrics);
tokens per sample = the run's tokens / ``sample_count``; cost and seconds per sample as published.
A task whose ``primary_metric`` is null (quality not computed) has no figure to show and is
skipped and counted. Models map to cards through their display name or key; an unmapped model is
reported and its rows are left out.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..sources.paths import AGGREGATE_DIR
from ..catalog.schemas import ImportedAggregate, ModelCard
from .common import ImportProblem, Provenance, UnmappedModel, alias_index, checkout_commit, map_model, write_atomic

BENCHMARK = "vlm-exam"
REPOSITORY = "roboflow/vlm-exam"
SUMMARY = "web/benchmark_summary.json"
READS = (SUMMARY, "LICENSE")  # what a sync fetches of the repository
MEASURED_BY = "Roboflow (vlm-exam authors)"
# The metric names before the file had a `scoring` block (one accuracy, strict only).
DEFAULT_SCORING = {"judge_metric": "accuracy_judge", "strict_metric": "accuracy_strict"}


@dataclass
class ExamReport:
    file: Path
    rows: int = 0
    mapped: dict[str, str] = field(default_factory=dict)  # source name -> card id
    unmapped: list[UnmappedModel] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (model id / task, why)

    def counts(self) -> dict:
        return dict(aggregates=self.rows, models=sorted(set(self.mapped.values())), skipped=len(self.skipped))

    def lines(self) -> list[str]:
        out = [f"{SUMMARY}: {self.rows} rows (model, effort, task)"]
        out += [f"  {name!r} -> {card}" for name, card in sorted(self.mapped.items())]
        out += [f"  {m.name!r} not mapped: {m.reason} (add an alias to the model's card)" for m in self.unmapped]
        out += [f"  skipped {where}: {why}" for where, why in self.skipped]
        out.append(f"models mapped: {len(self.mapped)} of {len(self.mapped) + len(self.unmapped)}; "
                   f"rows skipped: {len(self.skipped)}")
        return out


def _number(value: Any, where: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ImportProblem(f"{where}: {value!r} is not a number")
    return float(value)


def _per_sample(total: Any, samples: int | None, where: str) -> float | None:
    total = _number(total, where)
    return total / samples if total is not None and samples else None


def _rows(entry: dict, card: str, tasks: dict[str, dict], scoring: dict, origin: Provenance,
          report: ExamReport) -> list[ImportedAggregate]:
    where = f"{SUMMARY}: models[{entry.get('id')!r}]"
    rows = []
    for task, figures in (entry.get("tasks") or {}).items():
        at = f"{where}.tasks.{task}"
        if not isinstance(figures, dict):
            raise ImportProblem(f"{at}: not an object")
        primary = figures.get("primary_metric")
        if not primary:
            report.skipped.append((f"{entry.get('id')} {task}", "the source computed no quality figure"))
            continue
        metric = str(primary.get("name"))
        metrics, runs = figures.get("metrics") or {}, (figures.get("metric_runs") or {}).get(metric) or []
        samples = figures.get("sample_count")
        meta = tasks.get(task, {})
        label = next((m for m in meta.get("metrics", []) if m.get("key") == metric), {})
        try:
            rows.append(ImportedAggregate(
                benchmark=BENCHMARK, model=card, source_model=str(entry["name"]), task=task,
                task_name=meta.get("name"), effort=entry.get("effort"), metric=metric,
                metric_label=label.get("label"), unit=label.get("unit") or "percent",
                value=_number(primary.get("value"), f"{at}.primary_metric.value"),
                runs=[_number(v, f"{at}.metric_runs.{metric}") for v in runs],
                strict_accuracy=_number(metrics.get(scoring["strict_metric"]), f"{at}.metrics"),
                judge_accuracy=_number(metrics.get(scoring["judge_metric"]), f"{at}.metrics"),
                input_tokens=_per_sample((figures.get("tokens") or {}).get("input"), samples, f"{at}.tokens"),
                output_tokens=_per_sample((figures.get("tokens") or {}).get("output"), samples, f"{at}.tokens"),
                cost_per_sample=_number((figures.get("cost") or {}).get("average_per_sample_usd"), f"{at}.cost"),
                seconds_per_sample=_number((figures.get("speed") or {}).get("average_seconds_per_sample"), f"{at}.speed"),
                samples=samples, failures=figures.get("failed_sample_count"),
                protocol_status=(entry.get("protocol") or {}).get("status"), as_of=figures.get("timestamp"),
                source=origin.at(SUMMARY)))
        except ValidationError as e:
            first = e.errors()[0]
            raise ImportProblem(f"{at}: {'.'.join(map(str, first['loc']))}: {first['msg']}") from None
    return rows


def import_vlm_exam(checkout: Path | str, dest: Path | str, cards: dict[str, ModelCard], commit: str | None = None,
                    repository: str = REPOSITORY, license: str = "Apache-2.0") -> ExamReport:
    """Write ``<dest>/aggregates/vlm-exam.jsonl`` from the checkout's summary; see the module docstring."""
    checkout, dest = Path(checkout), Path(dest)
    path = checkout / SUMMARY
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ImportProblem(f"{path}: not found (is this a vlm-exam checkout?)") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ImportProblem(f"{path}: not JSON ({e})") from None
    if not isinstance(data, dict) or not isinstance(data.get("models"), list):
        raise ImportProblem(f"{path}: no 'models' list (not a vlm-exam summary)")
    commit, _ = checkout_commit(checkout, commit)
    origin = Provenance(repository, commit, license, MEASURED_BY)
    tasks = {t.get("key"): t for t in data.get("tasks", []) if isinstance(t, dict)}
    scoring = {**DEFAULT_SCORING, **(data.get("scoring") or {})}
    index = alias_index(cards)
    report = ExamReport(dest / AGGREGATE_DIR / f"{BENCHMARK}.jsonl")
    rows: list[ImportedAggregate] = []
    unmapped: dict[str, UnmappedModel] = {}
    for entry in data["models"]:
        if not isinstance(entry, dict) or "name" not in entry:
            raise ImportProblem(f"{path}: a models entry without a name: {str(entry)[:80]}")
        name, key = str(entry["name"]), str(entry.get("key") or "")
        card, why = map_model((name, key), index)
        if card is None:
            unmapped.setdefault(name, UnmappedModel(name, (key,), entry.get("lab"), why))
            report.skipped.append((str(entry.get("id")), "model not mapped"))
            continue
        report.mapped[name] = card
        rows.extend(_rows(entry, card, tasks, scoring, origin, report))
    report.unmapped = list(unmapped.values())
    report.rows = len(rows)
    write_atomic(report.file, "".join(r.model_dump_json() + "\n" for r in rows))
    return report

