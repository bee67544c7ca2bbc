"""Build-time grading and aggregation: run records in, the frames every page reads out.

Grading happens here, from the stored raw outputs, so a better grader re-scores every past
run on the next build without re-running a model. Two tables come out:

* ``graded``: one row per (suite, model, source, prompt) — the newest record for that prompt
  from that source, with its verdict, cost and staleness.
* ``scores``: one row per (model, suite, source, category), plus ``category == ""`` for the
  whole suite — pass counts with Wilson intervals, coverage and efficiency figures.

Both are lists of plain dicts (missing values None), made and queried in plain Python: a build
never imports pandas, which alone took longer than grading a 50-model catalog. ``Results.graded``
and ``Results.scores`` give them as typed pandas frames on demand, for analysis and tests.

Measured runs and imported ones (each import labelled by its provenance) are never merged:
they are different sources and get separate rows everywhere. Ordering is sorted on every key,
so two builds of the same catalog are byte-identical.
"""

from __future__ import annotations

import csv
import io
import math
import operator
import statistics
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from .catalog.hashing import prompt_sha256_for
from .catalog.loader import Catalog
from .catalog.schemas import ImportedSource, RunRecord
from .grading import GradingMemo
from .stats import mcnemar_exact_p, wilson_interval

if TYPE_CHECKING:
    import pandas as pd

MEASURED = "measured"
COVERAGE_EPSILON = 1e-9  # 27/30 must count as covering 0.9 despite float rounding

GRADED_COLUMNS = [
    "suite", "model", "source", "measured", "prompt_id", "category", "task", "scored", "passed",
    "score", "reason", "output", "error", "latency_s", "input_tokens", "output_tokens", "cost_usd",
    "source_verdict", "stale", "run_id", "started_at", "hardware", "adapter", "model_revision",
    "batch_size", "throughput_s",
]
SCORE_COLUMNS = [
    "model", "suite", "source", "measured", "category", "passed", "n", "rate", "lo", "hi",
    "prompts", "coverage", "latency_median", "latency_mean", "input_tokens_median",
    "output_tokens_median", "cost_per_task", "show_efficiency",
]
_GRADED_DTYPES = {
    "suite": object, "model": object, "source": object, "measured": bool, "prompt_id": object,
    "category": object, "task": object, "scored": bool, "passed": "boolean", "score": float,
    "reason": object, "output": object, "error": object, "latency_s": float,
    "input_tokens": "Int64", "output_tokens": "Int64", "cost_usd": float,
    "source_verdict": "boolean", "stale": bool, "run_id": object, "started_at": object,
    "hardware": object, "adapter": object, "model_revision": object,
    "batch_size": "Int64", "throughput_s": float,
}
_SCORE_DTYPES = {
    "model": object, "suite": object, "source": object, "measured": bool, "category": object,
    "passed": int, "n": int, "rate": float, "lo": float, "hi": float, "prompts": int,
    "coverage": float, "latency_median": float, "latency_mean": float,
    "input_tokens_median": float, "output_tokens_median": float, "cost_per_task": float,
    "show_efficiency": bool,
}
RecordKey = tuple[str, str, str, str]  # (suite, model, source, prompt_id)


def source_label(source: Literal["measured"] | ImportedSource) -> str:
    """'measured', or an import's provenance: 'owner/repo@commit, measured by X'."""
    if source == MEASURED:
        return MEASURED
    where = f"{source.repository}@{source.commit}" if source.commit else source.repository
    return f"{where}, measured by {source.measured_by}"


class Answer(NamedTuple):
    """One scored answer of a (suite, model, source), as pairings and answer lists need it."""

    category: str
    passed: bool
    output: str | None
    reason: str
    error: str | None


@dataclass(frozen=True)
class Verdicts:
    """One (suite, model, source)'s scored answers as bit vectors over the suite's prompt order.

    Bit i stands for ``Results.prompt_order(suite)[i]``. A pairing is then a few integer
    operations and popcounts however many prompts the suite has, which is what lets the site
    pair 20,000 model pairs without walking each pair's prompts.
    """

    answered: int
    passed: int


@dataclass(frozen=True)
class PairComparison:
    """Two models (or two sources of one model) paired prompt by prompt on one suite."""

    a: str
    b: str
    suite: str
    source_a: str
    source_b: str
    wins: int  # a passed, b failed
    losses: int  # a failed, b passed
    ties_pass: int
    ties_fail: int
    p_value: float  # exact McNemar on (wins, losses)
    order: list[str] = field(repr=False)  # the suite's prompt order the masks index
    common: int = field(repr=False)  # bit masks over ``order``: both answered,
    a_only: int = field(repr=False)  # … only a passed,
    b_only: int = field(repr=False)  # … only b passed,
    both: int = field(repr=False)  # … both passed
    answers_a: dict[str, Answer] = field(repr=False, compare=False)
    answers_b: dict[str, Answer] = field(repr=False, compare=False)

    @property
    def n(self) -> int:
        return self.common.bit_count()

    def prompts(self, which: Literal["common", "differ", "both", "neither"] = "common") -> list[str]:
        """Prompt ids of one outcome class, by category then prompt id."""
        mask = {"common": self.common, "differ": self.a_only | self.b_only, "both": self.both,
                "neither": self.common & ~(self.a_only | self.b_only | self.both)}[which]
        return [prompt_id for i, prompt_id in enumerate(self.order) if mask >> i & 1]

    @cached_property
    def rows(self) -> list[dict]:
        """prompt_id, category, a_passed, b_passed, a_output, b_output, a_reason, b_reason per shared prompt."""
        rows = []
        for prompt_id in self.prompts():
            x, y = self.answers_a[prompt_id], self.answers_b[prompt_id]
            rows.append({"prompt_id": prompt_id, "category": x.category, "a_passed": x.passed,
                         "b_passed": y.passed, "a_output": x.output, "b_output": y.output,
                         "a_reason": x.reason, "b_reason": y.reason})
        return rows


@dataclass(frozen=True)
class RunSummary:
    """What a (model, suite, source)'s records say about the runs behind them."""

    # run_id, started_at, hardware, adapter, model_revision, records, batch_size ("1, 8" when a run
    # mixed them), latency_median and throughput_median (batch wall time / batch size); oldest first
    runs: list[dict]
    records: int
    errors: int
    stale: int


_NO_RUNS = RunSummary(runs=[], records=0, errors=0, stale=0)
_mcnemar = lru_cache(maxsize=None)(mcnemar_exact_p)  # pairs repeat the same few (wins, losses)


@dataclass(frozen=True)
class RepeatSpread:
    """A (model, suite, source) answered in several passes (`leaderboard run --repeat K`): each pass's
    pass rate, and how many prompts answered in two or more passes changed verdict between them.
    The frames hold the newest pass per prompt; this is the spread behind it."""

    rates: list[float]  # per pass, in pass order
    prompts: int  # prompts graded in at least two passes
    flipped: int  # of those, prompts whose verdict was not the same in every pass

    @property
    def mean(self) -> float:
        return sum(self.rates) / len(self.rates)

    @property
    def low(self) -> float:
        return min(self.rates)

    @property
    def high(self) -> float:
        return max(self.rates)

    @property
    def stable(self) -> int:
        return self.prompts - self.flipped


@dataclass
class Results:
    """The one query layer over the graded rows: pages, data files and tests all ask here.

    ``graded_rows`` and ``scores_rows`` are the storage; the lookups the site makes thousands of
    times are dict lookups into indexes built once, on first use.
    """

    graded_rows: list[dict[str, Any]]  # GRADED_COLUMNS, in (suite, model, source, prompt_id) order
    scores_rows: list[dict[str, Any]]  # SCORE_COLUMNS, in (suite, model, source, category) order
    records: dict[RecordKey, RunRecord] = field(default_factory=dict, repr=False)  # for structured boxes
    repeats: dict[tuple[str, str, str], RepeatSpread] = field(default_factory=dict, repr=False)  # (model, suite, source)

    @cached_property
    def graded(self) -> pd.DataFrame:
        """The graded rows as a typed pandas frame (pandas is imported here, on first use)."""
        return _frame(self.graded_rows, _GRADED_DTYPES)

    @cached_property
    def scores(self) -> pd.DataFrame:
        """The scores rows as a typed pandas frame."""
        return _frame(self.scores_rows, _SCORE_DTYPES)

    def repeat_spread(self, model_id: str, suite_id: str, source: str) -> RepeatSpread | None:
        """The spread over repeated passes, where there were two or more; else None."""
        return self.repeats.get((model_id, suite_id, source))

    def for_model(self, model_id: str) -> pd.DataFrame:
        """Every scores row of one model, in (suite, source, category) order."""
        return self._rows(self.scores, self._score_positions.get(model_id, []))

    def overall(self, suite_id: str) -> pd.DataFrame:
        """The leaderboard of one suite: whole-suite rows, best rate first, unrated last."""
        rows = self.scores[(self.scores["suite"] == suite_id) & (self.scores["category"] == "")]
        return rows.sort_values(["rate", "model", "source"], ascending=[False, True, True],
                                na_position="last", kind="mergesort").reset_index(drop=True)

    def prompt_rows(self, suite_id: str, prompt_id: str) -> pd.DataFrame:
        """Every model's and source's answer to one prompt, in (model, source) order."""
        return self._rows(self.graded, self._prompt_positions.get((suite_id, prompt_id), []))

    def prompt_records(self, suite_id: str, prompt_id: str) -> list[dict[str, Any]]:
        """``prompt_rows`` as plain dicts (missing values None), for pages."""
        return self._prompt_records.get((suite_id, prompt_id), [])

    def score_rows(self, model_id: str, suite_id: str, source: str) -> dict[str, dict[str, Any]]:
        """One (model, suite, source)'s scores rows as plain dicts by category ("" = whole suite)."""
        return self._score_rows.get((model_id, suite_id, source), {})

    def sources(self, model_id: str, suite_id: str) -> list[str]:
        """Sources with records for a model on a suite: 'measured' first, then imports sorted."""
        return self._sources.get((suite_id, model_id), [])

    def provenance(self, model_id: str, suite_id: str, source: str) -> ImportedSource | None:
        """Where an imported source's records came from; None for measured runs."""
        return self._provenance.get((suite_id, model_id, source))

    def provenances(self) -> dict[tuple[str, str, str], ImportedSource]:
        """Every imported (suite, model, source)'s provenance."""
        return self._provenance

    def run_summary(self, model_id: str, suite_id: str, source: str) -> RunSummary:
        """The runs behind a (model, suite, source) and its record, error and stale counts."""
        return self._run_summaries.get((model_id, suite_id, source), _NO_RUNS)

    def answers(self, model_id: str, suite_id: str, source: str) -> dict[str, Answer]:
        """A (model, suite, source)'s scored answers by prompt id, in prompt id order."""
        return self._answers.get((suite_id, model_id, source), {})

    def prompt_order(self, suite_id: str) -> list[str]:
        """The suite's scored prompts that have answers, by category then prompt id (the bit order of ``Verdicts``)."""
        return self._orders.get(suite_id, [])

    def verdicts(self, model_id: str, suite_id: str, source: str) -> Verdicts | None:
        return self._verdicts.get((suite_id, model_id, source))

    def pair(self, a: str, b: str, suite_id: str,
             source_a: str | None = None, source_b: str | None = None) -> PairComparison | None:
        """Head-to-head on the scored prompts both answered; None when they share none.

        A source left out defaults to the model's measured run on the suite, else its first
        imported one; a == b with two sources compares a model's measured and imported runs.
        """
        source_a = source_a or next(iter(self.sources(a, suite_id)), None)
        source_b = source_b or next(iter(self.sources(b, suite_id)), None)
        va, vb = self.verdicts(a, suite_id, source_a), self.verdicts(b, suite_id, source_b)
        if va is None or vb is None:
            return None
        common = va.answered & vb.answered
        if not common:
            return None
        pa, pb = va.passed & common, vb.passed & common
        a_only, b_only, both = pa & ~pb, pb & ~pa, pa & pb
        wins, losses, ties_pass = a_only.bit_count(), b_only.bit_count(), both.bit_count()
        return PairComparison(a=a, b=b, suite=suite_id, source_a=source_a, source_b=source_b,
                              wins=wins, losses=losses, ties_pass=ties_pass,
                              ties_fail=common.bit_count() - wins - losses - ties_pass,
                              p_value=_mcnemar(wins, losses), order=self.prompt_order(suite_id),
                              common=common, a_only=a_only, b_only=b_only, both=both,
                              answers_a=self.answers(a, suite_id, source_a),
                              answers_b=self.answers(b, suite_id, source_b))

    def to_records(self, which: Literal["scores", "graded"] = "scores") -> list[dict[str, Any]]:
        """JSON-ready rows of one table: plain Python values, missing values as None (copies)."""
        return [dict(row) for row in (self.graded_rows if which == "graded" else self.scores_rows)]

    # Indexes built once, on first use, so thousands of pages each do a dict lookup.

    @cached_property
    def _score_positions(self) -> dict[str, list[int]]:
        found: dict[str, list[int]] = {}
        for i, row in enumerate(self.scores_rows):
            found.setdefault(row["model"], []).append(i)
        return found

    @cached_property
    def _prompt_positions(self) -> dict[tuple[str, str], list[int]]:
        found: dict[tuple[str, str], list[int]] = {}
        for i, row in enumerate(self.graded_rows):
            found.setdefault((row["suite"], row["prompt_id"]), []).append(i)
        return found

    @cached_property
    def _prompt_records(self) -> dict[tuple[str, str], list[dict[str, Any]]]:
        rows = self.graded_rows
        return {key: [rows[i] for i in positions] for key, positions in sorted(self._prompt_positions.items())}

    @cached_property
    def _score_rows(self) -> dict[tuple[str, str, str], dict[str, dict[str, Any]]]:
        found: dict[tuple[str, str, str], dict[str, dict[str, Any]]] = {}
        for row in self.scores_rows:
            found.setdefault((row["model"], row["suite"], row["source"]), {})[row["category"]] = row
        return found

    @cached_property
    def _sources(self) -> dict[tuple[str, str], list[str]]:
        found: dict[tuple[str, str], set[str]] = {}
        for row in self.graded_rows:
            found.setdefault((row["suite"], row["model"]), set()).add(row["source"])
        return {key: sorted(sources, key=lambda s: (s != MEASURED, s)) for key, sources in found.items()}

    @cached_property
    def _provenance(self) -> dict[tuple[str, str, str], ImportedSource]:
        found: dict[tuple[str, str, str], ImportedSource] = {}
        for (suite_id, model_id, source, _), record in self.records.items():
            if not record.measured:
                found.setdefault((suite_id, model_id, source), record.source)
        return found

    @cached_property
    def _run_summaries(self) -> dict[tuple[str, str, str], RunSummary]:
        runs: dict[tuple[str, str, str, str], list[dict]] = {}
        for row in self.graded_rows:
            runs.setdefault((row["model"], row["suite"], row["source"], row["run_id"]), []).append(row)
        by_source: dict[tuple[str, str, str], list[dict]] = {}
        problems: dict[tuple[str, str, str], tuple[int, int]] = {}  # (errors, stale)
        for key, rows in runs.items():
            column = {name: [row[name] for row in rows] for name in (
                "started_at", "hardware", "adapter", "model_revision", "batch_size", "latency_s", "throughput_s")}
            by_source.setdefault(key[:3], []).append({
                "run_id": key[3], "started_at": min(column["started_at"]), "hardware": _distinct(column["hardware"]),
                "adapter": _distinct(column["adapter"]), "model_revision": _distinct(column["model_revision"]),
                "records": len(rows), "batch_size": _distinct(column["batch_size"]),
                "latency_median": _median(column["latency_s"]), "throughput_median": _median(column["throughput_s"])})
            errors, stale = problems.get(key[:3], (0, 0))
            problems[key[:3]] = (errors + sum(row["error"] is not None for row in rows),
                                 stale + sum(row["stale"] for row in rows))
        return {key: RunSummary(runs=sorted(found, key=lambda run: (run["started_at"], run["run_id"])),
                                records=sum(run["records"] for run in found), errors=problems[key][0],
                                stale=problems[key][1])
                for key, found in sorted(by_source.items())}

    @cached_property
    def _answers(self) -> dict[tuple[str, str, str], dict[str, Answer]]:
        answers: dict[tuple[str, str, str], dict[str, Answer]] = {}
        for row in self.graded_rows:
            if row["scored"]:
                answers.setdefault((row["suite"], row["model"], row["source"]), {})[row["prompt_id"]] = Answer(
                    row["category"], row["passed"], row["output"], row["reason"], row["error"])
        return answers

    @cached_property
    def _orders(self) -> dict[str, list[str]]:
        found: dict[str, set[tuple[str, str]]] = {}
        for (suite, _, _), answers in self._answers.items():
            found.setdefault(suite, set()).update((a.category, prompt_id) for prompt_id, a in answers.items())
        return {suite: [prompt_id for _, prompt_id in sorted(keys)] for suite, keys in found.items()}

    @cached_property
    def _verdicts(self) -> dict[tuple[str, str, str], Verdicts]:
        bit = {suite: {prompt_id: 1 << i for i, prompt_id in enumerate(order)} for suite, order in self._orders.items()}
        verdicts = {}
        for (suite, model, source), answers in self._answers.items():
            answered = passed = 0
            for prompt_id, answer in answers.items():
                answered |= bit[suite][prompt_id]
                if answer.passed:
                    passed |= bit[suite][prompt_id]
            verdicts[(suite, model, source)] = Verdicts(answered, passed)
        return verdicts

    @staticmethod
    def _rows(frame: pd.DataFrame, positions: list[int]) -> pd.DataFrame:
        return frame.iloc[positions].reset_index(drop=True)


def compute_results(catalog: Catalog) -> Results:
    """Grade the newest record per (suite, model, source, prompt) and aggregate the scores."""
    records = newest_records(catalog)
    grade = GradingMemo()
    graded = _graded_rows(catalog, records, grade)
    return Results(graded_rows=graded, scores_rows=_scores_rows(catalog, graded), records=records,
                   repeats=repeat_spreads(catalog, grade))


def repeat_spreads(catalog: Catalog, grade: GradingMemo) -> dict[tuple[str, str, str], RepeatSpread]:
    """Grade every pass of repeated runs (records with a `repeat` index, newest per prompt and pass)."""
    prompts = {suite_id: {p.id: p for p in loaded.suite.prompts} for suite_id, loaded in catalog.suites.items()}
    passes: dict[tuple[str, str, str], dict[int, dict[str, RunRecord]]] = {}
    for record in sorted(catalog.runs, key=lambda r: (r.started_at, r.run_id)):
        if record.repeat is not None and record.prompt_id in prompts.get(record.suite, {}):
            key = (record.model, record.suite, source_label(record.source))
            passes.setdefault(key, {}).setdefault(record.repeat, {})[record.prompt_id] = record
    spreads = {}
    for key, by_pass in sorted(passes.items()):
        if len(by_pass) < 2:
            continue
        verdicts: dict[str, list[bool]] = {}
        rates = []
        for _, answers in sorted(by_pass.items()):
            passed = scored = 0
            for prompt_id, record in answers.items():
                verdict = grade(prompts[key[1]][prompt_id], record)
                if verdict is not None:
                    scored += 1
                    passed += verdict.passed
                    verdicts.setdefault(prompt_id, []).append(verdict.passed)
            if scored:
                rates.append(passed / scored)
        repeated = [v for v in verdicts.values() if len(v) > 1]
        if len(rates) > 1:
            spreads[key] = RepeatSpread(rates, len(repeated), sum(1 for v in repeated if len(set(v)) > 1))
    return spreads


def newest_records(catalog: Catalog) -> dict[RecordKey, RunRecord]:
    """The reader's union per source: the newest record (ties by run id) for each prompt that
    is still in its suite. ``latest_records`` in the loader merges sources; this keeps them apart."""
    prompt_ids = {suite_id: {p.id for p in loaded.suite.prompts} for suite_id, loaded in catalog.suites.items()}
    newest: dict[RecordKey, RunRecord] = {}
    for record in sorted(catalog.runs, key=lambda r: (r.started_at, r.run_id)):
        if record.prompt_id in prompt_ids.get(record.suite, ()):
            newest[(record.suite, record.model, source_label(record.source), record.prompt_id)] = record
    return dict(sorted(newest.items()))


def _graded_rows(catalog: Catalog, records: dict[RecordKey, RunRecord], grade: GradingMemo) -> list[dict[str, Any]]:
    """One row per record; each prompt's fingerprint (image read) is computed once."""
    prompts = {suite_id: {p.id: p for p in loaded.suite.prompts} for suite_id, loaded in catalog.suites.items()}
    prices = {model: (card.pricing.input_per_1m, card.pricing.output_per_1m) if card.pricing else (None, None)
              for model, card in catalog.cards.items()}
    fingerprints: dict[tuple[str, str], str] = {}
    rows = []
    for (suite_id, model, source, prompt_id), record in records.items():
        prompt = prompts[suite_id][prompt_id]
        if (suite_id, prompt_id) not in fingerprints:
            image = catalog.suites[suite_id].image_path(prompt.image)
            fingerprints[(suite_id, prompt_id)] = prompt_sha256_for(prompt, image)
        try:
            verdict = grade(prompt, record)
        except Exception as e:
            e.add_note(f"while grading {suite_id}/{prompt_id} for {model} ({source})")
            raise
        rows.append({
            "suite": suite_id, "model": model, "source": source, "measured": record.measured,
            "prompt_id": prompt_id, "category": prompt.category, "task": prompt.task,
            "scored": verdict is not None,
            "passed": None if verdict is None else bool(verdict.passed),
            "score": None if verdict is None else _number(verdict.score),
            "reason": "" if verdict is None else verdict.reason,
            "output": record.output, "error": record.error,
            "latency_s": _number(record.latency_s),
            "input_tokens": record.input_tokens, "output_tokens": record.output_tokens,
            "cost_usd": _cost_usd(record, *prices.get(model, (None, None))),
            "source_verdict": record.source_verdict,
            "stale": record.prompt_sha256 != fingerprints[(suite_id, prompt_id)],
            "run_id": record.run_id, "started_at": record.started_at, "hardware": record.hardware,
            "adapter": record.adapter, "model_revision": record.model_revision,
            "batch_size": record.batch_size, "throughput_s": _number(record.throughput_s),
        })
    return rows


def _number(value: float | None) -> float | None:
    """A float column's value: None when missing (or NaN)."""
    return None if value is None or math.isnan(value) else float(value)


def _cost_usd(record: RunRecord, price_in: float | None, price_out: float | None) -> float | None:
    """tokens × the card's price per 1M; None (never 0) when a count or a price is unknown."""
    if None in (record.input_tokens, record.output_tokens, price_in, price_out):
        return None
    return _number(record.input_tokens * price_in / 1e6 + record.output_tokens * price_out / 1e6)


def _scores_rows(catalog: Catalog, graded: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Pass counts per category and overall; efficiency from answered (non-errored) records.

    Errored records count as present (coverage) and as failed (pass rate), but their latency
    and tokens describe a failure, not an answer, so they stay out of the efficiency figures.
    """
    prompts = _scored_prompt_counts(catalog)
    groups: dict[tuple[str, str, str, str], list[dict]] = {}
    sources: set[tuple[str, str, str]] = set()
    for row in graded:
        if row["scored"]:
            sources.add((row["suite"], row["model"], row["source"]))
            for category in (row["category"], ""):
                groups.setdefault((row["suite"], row["model"], row["source"], category), []).append(row)
    grid = sorted((suite, model, source, category) for suite, model, source in sources
                  for (s, category) in prompts if s == suite)
    found = []
    for suite, model, source, category in grid:
        rows = groups.get((suite, model, source, category), [])
        answered = [row for row in rows if row["error"] is None]
        passed, n = sum(row["passed"] for row in rows), len(rows)
        lo, hi = wilson_interval(passed, n)
        found.append({
            "model": model, "suite": suite, "source": source, "measured": source == MEASURED, "category": category,
            "passed": passed, "n": n, "rate": passed / n if n else None, "lo": lo, "hi": hi,
            "prompts": prompts[(suite, category)], "coverage": n / prompts[(suite, category)],
            "latency_median": _median([row["latency_s"] for row in answered]),
            "latency_mean": _mean([row["latency_s"] for row in answered]),
            "input_tokens_median": _median([row["input_tokens"] for row in answered]),
            "output_tokens_median": _median([row["output_tokens"] for row in answered]),
            "cost_per_task": _mean([row["cost_usd"] for row in answered]),
        })
    covered = {(row["suite"], row["model"], row["source"]): row["coverage"] >= catalog.site.coverage_min - COVERAGE_EPSILON
               for row in found if row["category"] == ""}
    for row in found:  # the last of SCORE_COLUMNS, in whose order the keys above are
        row["show_efficiency"] = covered[(row["suite"], row["model"], row["source"])]
    return found


def _scored_prompt_counts(catalog: Catalog) -> dict[tuple[str, str], int]:
    """Scored prompts per (suite, category) and per (suite, "") — the denominators of coverage."""
    counts: dict[tuple[str, str], int] = {}
    for suite_id, loaded in catalog.suites.items():
        for prompt in loaded.suite.prompts:
            if prompt.scored:
                for category in (prompt.category, ""):
                    counts[(suite_id, category)] = counts.get((suite_id, category), 0) + 1
    return counts


def _distinct(values) -> str | None:
    """The distinct present values as sorted text, joined ("1, 8"); None when none is present."""
    return ", ".join(sorted({str(v) for v in set(values) if v is not None})) or None


def _median(values: list) -> float | None:
    """The median of the present values (as pandas' median skips missing ones); None when none is."""
    present = sorted(v for v in values if v is not None)
    return float(statistics.median(present)) if present else None


def _mean(values: list) -> float | None:
    """The mean of the present values; None when none is. Summed with Kahan's compensation, as
    pandas' grouped mean sums, so the figures are those an analyst gets from the frames."""
    total = compensation = 0.0
    count = 0
    for value in values:
        if value is not None:
            count += 1
            y = value - compensation
            t = total + y
            compensation = t - total - y
            total = t
    return total / count if count else None


def _frame(rows: list[dict[str, Any]], dtypes: dict[str, Any]) -> pd.DataFrame:
    """Plain rows as a frame of typed columns (missing values NaN or NA)."""
    import pandas as pd

    return pd.DataFrame({name: pd.Series([row[name] for row in rows], dtype=dtype) for name, dtype in dtypes.items()})


# A spreadsheet reads a cell that starts with one of these as a formula (OWASP "CSV injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def results_frame_csv(results: Results, which: Literal["scores", "graded"] = "scores") -> str:
    """One table as CSV for /data/ downloads: fixed column order, missing values empty, floats at
    full precision (repr, as the csv module writes them).

    Answers are untrusted text opened in spreadsheets: a text cell that starts like a formula gets
    a leading apostrophe (models.json keeps the raw text), and rows end in CRLF as RFC 4180 says,
    so the csv writer quotes every cell holding a CR or LF and a lone CR cannot split a row."""
    rows, dtypes = (results.graded_rows, _GRADED_DTYPES) if which == "graded" else (results.scores_rows, _SCORE_DTYPES)
    columns = list(dtypes)
    text = [i for i, name in enumerate(columns) if dtypes[name] is object]
    cells = operator.itemgetter(*columns)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        line = cells(row)
        if any(type(line[i]) is str and line[i].startswith(FORMULA_START) for i in text):
            line = [("'" + v if i in text and type(v) is str and v.startswith(FORMULA_START) else v)
                    for i, v in enumerate(line)]
        writer.writerow(line)
    return out.getvalue()
