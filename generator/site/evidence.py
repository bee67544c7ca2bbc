"""A model's best evidence: the pair pages' Vision evals block and the models index show it.

Three kinds, best first: answers **measured here** by this project's runner; answers **imported**
from a peer benchmark and re-graded here; figures **reported** elsewhere (a card's ``reported``
entries of one benchmark that has categories or names one of our suites). A run covering less of
its suite than the site's coverage rule comes after all of them, so three answered prompts never
stand in for a whole published suite. Every piece of evidence names its suite or benchmark: two
models' figures from different suites are shown side by side with that said, never ranked.

Reported figures are shaped like measured ones (overall, response time, tokens, cost, categories
with k/n) so one block shows either; the k/n of a reported overall is the sum over its categories
when every category gives one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from ..catalog.schemas import ModelCard, Reported
from ..stats import wilson_interval
from .render import fig, number, seconds, usd

KINDS = ("measured", "imported", "reported")
LABELS = {"measured": "measured here", "imported": "imported answers, re-graded here", "reported": "reported"}

# The seed block's efficiency rows: label, the scores column, its format. A reported entry fills a
# row when its metric is the row's label (the seed page's own wording).
EFFICIENCY_ROWS: list[tuple[str, str, Callable[[Any], str]]] = [
    ("Average response time", "latency_mean", seconds), ("Median response time", "latency_median", seconds),
    ("Median input tokens", "input_tokens_median", number), ("Median output tokens", "output_tokens_median", number),
    ("Est. cost per task", "cost_per_task", usd)]
_ROW_OF_METRIC = {label.casefold(): key for label, key, _ in EFFICIENCY_ROWS}


@dataclass
class Evidence:
    """One model's figures on one suite or benchmark, as the Vision evals block shows them.

    ``overall`` and each of ``categories`` (by casefolded name) are score rows: rate, lo, hi,
    passed, n and prompts where known. ``efficiency`` maps an EFFICIENCY_ROWS key to its text.
    """

    kind: str
    name: str  # the suite's or benchmark's name
    suite: str | None  # our suite id, when the evidence is (or maps to) one
    full: bool  # covers the suite (reported figures count as whole)
    overall: dict
    categories: dict[str, dict] = field(default_factory=dict)
    category_names: list[str] = field(default_factory=list)
    efficiency: dict[str, str] = field(default_factory=dict)
    result: Any = None  # the SourceResult behind measured/imported evidence
    reported: Reported | None = None  # the benchmark's overall entry behind reported evidence
    notes: list[str] = field(default_factory=list)  # the reported entries' notes

    @property
    def label(self) -> str:
        return LABELS[self.kind]

    @property
    def measured_at(self) -> str | None:
        """The batch size and hardware behind a run's response times (None for reported figures)."""
        return self.result.measured_at if self.result is not None else None

    @property
    def rank(self) -> tuple[int, int]:
        """Sort key, best first: whole before partial, then measured > imported > reported."""
        return (0 if self.full else 1, KINDS.index(self.kind))


def reported_evidence(card: ModelCard, suite_names: dict[str, str]) -> list[Evidence]:
    """Each benchmark of a card's ``reported`` list that can stand in a Vision evals block: one whose
    overall entry has categories or maps to one of our suites, with its efficiency entries."""
    by_benchmark: dict[str, list[Reported]] = {}
    for rep in card.reported:
        by_benchmark.setdefault(rep.benchmark, []).append(rep)
    found = []
    for benchmark, entries in by_benchmark.items():
        overall = next((r for r in entries if r.categories), None) or next(
            (r for r in entries if r.suite and r.metric.casefold() not in _ROW_OF_METRIC), None)
        if overall is None:
            continue
        evidence = Evidence(kind="reported", name=benchmark, suite=overall.suite, full=True,
                            overall=_reported_row(overall.value, overall.unit,
                                                  *_summed(overall)), reported=overall)
        for c in overall.categories:
            evidence.categories[c.name.casefold()] = _reported_row(c.value, overall.unit, c.passed, c.total)
            evidence.category_names.append(c.name)
        for rep in entries:
            key = _ROW_OF_METRIC.get(rep.metric.casefold())
            if key is not None and key not in evidence.efficiency:
                evidence.efficiency[key] = _with_unit(rep)
        evidence.notes = [r.note for r in entries if r.note]
        if overall.suite in suite_names:
            evidence.name = f"{benchmark} ({suite_names[overall.suite]})"
        found.append(evidence)
    return found


def _summed(rep: Reported) -> tuple[int | None, int | None]:
    """The overall k/n as the sum over the categories, when every category gives its own."""
    if rep.categories and all(c.passed is not None and c.total for c in rep.categories):
        return sum(c.passed for c in rep.categories), sum(c.total for c in rep.categories)
    return None, None


def _reported_row(value: float, unit: str, passed: int | None, total: int | None) -> dict:
    """A reported figure as a score row: a rate when it is a percentage, the interval from its k/n."""
    rate = value / 100 if unit == "%" else None
    lo = hi = None
    if passed is not None and total:
        lo, hi = wilson_interval(passed, total)
    return {"rate": rate, "lo": lo, "hi": hi, "passed": passed, "n": total, "prompts": total,
            "text": f"{fig(value)}{unit}" if unit == "%" else f"{fig(value)} {unit}".strip()}


def _with_unit(rep: Reported) -> str:
    if rep.unit == "s":
        return seconds(rep.value)
    if rep.unit == "USD":
        return usd(rep.value)
    if rep.unit == "tokens":
        return number(rep.value)
    return f"{fig(rep.value)} {rep.unit}".strip()


def run_evidence(result, suite_name: str, category_names: dict[str, str]) -> Evidence:
    """A measured or imported SourceResult as evidence (efficiency only for runs covering enough)."""
    evidence = Evidence(kind="measured" if result.measured else "imported", name=suite_name, suite=result.suite,
                        full=result.show_efficiency, overall=result.overall, result=result)
    for category_id, name in category_names.items():
        row = result.categories.get(category_id)
        if row is not None and row.get("n"):
            evidence.categories[name.casefold()] = row
            evidence.category_names.append(name)
    for _, key, fmt in EFFICIENCY_ROWS:
        value = result.efficiency(key)
        if value is not None:
            evidence.efficiency[key] = fmt(value)
    return evidence


def candidates(view, suites) -> list[Evidence]:
    """Every piece of evidence a model has, best first (ties keep the site's suite order)."""
    found = []
    for suite in suites.values():
        names = {c.id: c.name for c in suite.suite.categories}
        found += [run_evidence(r, suite.name, names) for r in view.results.get(suite.id, [])]
    found += reported_evidence(view.card, {s.id: s.name for s in suites.values()})
    return sorted(found, key=lambda e: e.rank)  # stable: suite order within a rank


def best(view, suites) -> Evidence | None:
    found = candidates(view, suites)
    return found[0] if found else None


def block(a: Evidence | None, b: Evidence | None) -> dict:
    """The two columns' category rows (the union by name, first column's order first) and whether
    the two figures come from different suites (then they describe, they do not rank)."""
    names: dict[str, str] = {}
    for e in (a, b):
        for name in (e.category_names if e else []):
            names.setdefault(name.casefold(), name)
    same = a is not None and b is not None and (a.suite or a.name) == (b.suite or b.name)
    return {"a": a, "b": b, "categories": list(names.items()), "same_suite": same,
            "rows": EFFICIENCY_ROWS}


__all__ = ["EFFICIENCY_ROWS", "Evidence", "KINDS", "LABELS", "best", "block", "candidates", "reported_evidence",
           "run_evidence"]
