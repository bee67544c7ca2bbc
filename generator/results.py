"""Build-time grading and aggregation: run records in, the frames every page reads out.

Grading happens here, from the stored raw outputs, so a better grader re-scores every past
run on the next build without re-running a model. Two frames come out:

* ``graded``: one row per (suite, model, source, prompt) — the newest record for that prompt
  from that source, with its verdict, cost and staleness.
* ``scores``: one row per (model, suite, source, category), plus ``category == ""`` for the
  whole suite — pass counts with Wilson intervals, coverage and efficiency figures.

Measured runs and imported ones (each import labelled by its provenance) are never merged:
they are different sources and get separate rows everywhere. Ordering is sorted on every key,
so two builds of the same catalog are byte-identical.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any, Literal, NamedTuple

import numpy as np
import pandas as pd

from .catalog.hashing import prompt_sha256_for
from .catalog.loader import Catalog
from .catalog.schemas import ImportedSource, RunRecord
from .grading import GradingMemo
from .stats import mcnemar_exact_p, wilson_interval

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
    """The one query layer over the graded frames: pages, data files and tests all ask here.

    Frames stay the storage (CSV downloads, tests); the lookups the site makes thousands of
    times are dict lookups into indexes built once, on first use.
    """

    graded: pd.DataFrame
    scores: pd.DataFrame
    records: dict[RecordKey, RunRecord] = field(default_factory=dict, repr=False)  # for structured boxes
    repeats: dict[tuple[str, str, str], RepeatSpread] = field(default_factory=dict, repr=False)  # (model, suite, source)

    def repeat_spread(self, model_id: str, suite_id: str, source: str) -> RepeatSpread | None:
        """The spread over repeated passes, where there were two or more; else None."""
        return self.repeats.get((model_id, suite_id, source))

    def for_model(self, model_id: str) -> pd.DataFrame:
        """Every scores row of one model, in (suite, source, category) order."""
        return self._rows(self.scores, self._score_index.get(model_id))

    def overall(self, suite_id: str) -> pd.DataFrame:
        """The leaderboard of one suite: whole-suite rows, best rate first, unrated last."""
        rows = self.scores[(self.scores["suite"] == suite_id) & (self.scores["category"] == "")]
        return rows.sort_values(["rate", "model", "source"], ascending=[False, True, True],
                                na_position="last", kind="mergesort").reset_index(drop=True)

    def prompt_rows(self, suite_id: str, prompt_id: str) -> pd.DataFrame:
        """Every model's and source's answer to one prompt, in (model, source) order."""
        return self._rows(self.graded, self._prompt_index.get((suite_id, prompt_id)))

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
        """JSON-ready rows of one frame: plain Python values, missing values as None."""
        return frame_records(getattr(self, which))

    # Indexes built once, on first use, so thousands of pages each do a dict lookup.

    @cached_property
    def _score_index(self) -> dict[str, np.ndarray]:
        return self.scores.groupby("model", sort=False).indices

    @cached_property
    def _prompt_index(self) -> dict[tuple[str, str], np.ndarray]:
        return self.graded.groupby(["suite", "prompt_id"], sort=False).indices

    @cached_property
    def _prompt_records(self) -> dict[tuple[str, str], list[dict[str, Any]]]:
        rows = frame_records(self.graded) if not self.graded.empty else []
        return {key: [rows[i] for i in np.sort(positions)] for key, positions in sorted(self._prompt_index.items())}

    @cached_property
    def _score_rows(self) -> dict[tuple[str, str, str], dict[str, dict[str, Any]]]:
        found: dict[tuple[str, str, str], dict[str, dict[str, Any]]] = {}
        for row in frame_records(self.scores):
            found.setdefault((row["model"], row["suite"], row["source"]), {})[row["category"]] = row
        return found

    @cached_property
    def _sources(self) -> dict[tuple[str, str], list[str]]:
        found: dict[tuple[str, str], set[str]] = {}
        for suite, model, source in self.graded[["suite", "model", "source"]].drop_duplicates().itertuples(index=False):
            found.setdefault((suite, model), set()).add(source)
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
        """One pass over the graded rows in plain Python: a pandas groupby with per-group Python
        aggregations cost ten times as much (0.3 s at 200 models)."""
        names = ["model", "suite", "source", "run_id", "started_at", "hardware", "adapter", "model_revision",
                 "batch_size", "latency_s", "throughput_s", "error", "stale"]
        runs: dict[tuple[str, str, str, str], list[tuple]] = {}
        for row in zip(*(self.graded[name].tolist() for name in names)):
            runs.setdefault(row[:4], []).append(row)
        by_source: dict[tuple[str, str, str], list[dict]] = {}
        problems: dict[tuple[str, str, str], tuple[int, int]] = {}  # (errors, stale)
        for key, rows in runs.items():
            column = dict(zip(names, zip(*rows)))
            by_source.setdefault(key[:3], []).append({
                "run_id": key[3], "started_at": min(column["started_at"]), "hardware": _distinct(column["hardware"]),
                "adapter": _distinct(column["adapter"]), "model_revision": _distinct(column["model_revision"]),
                "records": len(rows), "batch_size": _distinct(column["batch_size"]),
                "latency_median": _median(column["latency_s"]), "throughput_median": _median(column["throughput_s"])})
            errors, stale = problems.get(key[:3], (0, 0))
            problems[key[:3]] = (errors + sum(_plain(e) is not None for e in column["error"]), stale + sum(column["stale"]))
        return {key: RunSummary(runs=sorted(found, key=lambda run: (run["started_at"], run["run_id"])),
                                records=sum(run["records"] for run in found), errors=problems[key][0],
                                stale=problems[key][1])
                for key, found in sorted(by_source.items())}

    @cached_property
    def _answers(self) -> dict[tuple[str, str, str], dict[str, Answer]]:
        scored = self.graded[self.graded["scored"]]
        answers: dict[tuple[str, str, str], dict[str, Answer]] = {}
        columns = ["suite", "model", "source", "prompt_id", "category", "passed", "output", "reason", "error"]
        for suite, model, source, prompt_id, category, passed, output, reason, error in scored[columns].itertuples(index=False):
            answers.setdefault((suite, model, source), {})[prompt_id] = Answer(
                category, bool(passed), _plain(output), reason, _plain(error))
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
    def _rows(frame: pd.DataFrame, positions: np.ndarray | None) -> pd.DataFrame:
        if positions is None:
            return frame.iloc[0:0]
        return frame.iloc[np.sort(positions)].reset_index(drop=True)


def compute_results(catalog: Catalog) -> Results:
    """Grade the newest record per (suite, model, source, prompt) and aggregate the scores."""
    records = newest_records(catalog)
    grade = GradingMemo()
    graded = _graded_frame(catalog, records, grade)
    return Results(graded=graded, scores=_scores_frame(catalog, graded), records=records,
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


def _graded_frame(catalog: Catalog, records: dict[RecordKey, RunRecord], grade: GradingMemo) -> pd.DataFrame:
    """One typed row per record; each prompt's fingerprint (image read) is computed once."""
    prompts = {suite_id: {p.id: p for p in loaded.suite.prompts} for suite_id, loaded in catalog.suites.items()}
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
            "passed": pd.NA if verdict is None else verdict.passed,
            "score": math.nan if verdict is None else verdict.score,
            "reason": "" if verdict is None else verdict.reason,
            "output": record.output, "error": record.error,
            "latency_s": math.nan if record.latency_s is None else record.latency_s,
            "input_tokens": pd.NA if record.input_tokens is None else record.input_tokens,
            "output_tokens": pd.NA if record.output_tokens is None else record.output_tokens,
            "source_verdict": pd.NA if record.source_verdict is None else record.source_verdict,
            "stale": record.prompt_sha256 != fingerprints[(suite_id, prompt_id)],
            "run_id": record.run_id, "started_at": record.started_at, "hardware": record.hardware,
            "adapter": record.adapter, "model_revision": record.model_revision,
            "batch_size": pd.NA if record.batch_size is None else record.batch_size,
            "throughput_s": math.nan if record.throughput_s is None else record.throughput_s,
        })
    frame = pd.DataFrame({name: pd.Series([row[name] for row in rows], dtype=_GRADED_DTYPES[name])
                          for name in GRADED_COLUMNS if name != "cost_usd"})
    frame.insert(GRADED_COLUMNS.index("cost_usd"), "cost_usd", _cost_usd(catalog, frame))
    return frame


def _cost_usd(catalog: Catalog, frame: pd.DataFrame) -> np.ndarray:
    """tokens × the card's price per 1M; NaN (never 0) when a count or a price is unknown."""
    def price(model: str, which: str) -> float:
        card = catalog.cards.get(model)
        value = getattr(card.pricing, which) if card is not None and card.pricing is not None else None
        return math.nan if value is None else value

    price_in = frame["model"].map(lambda m: price(m, "input_per_1m")).to_numpy(dtype=float)
    price_out = frame["model"].map(lambda m: price(m, "output_per_1m")).to_numpy(dtype=float)
    tokens_in = frame["input_tokens"].to_numpy(dtype=float, na_value=np.nan)
    tokens_out = frame["output_tokens"].to_numpy(dtype=float, na_value=np.nan)
    return tokens_in * price_in / 1e6 + tokens_out * price_out / 1e6


def _scores_frame(catalog: Catalog, graded: pd.DataFrame) -> pd.DataFrame:
    """Pass counts per category and overall; efficiency from answered (non-errored) records.

    Errored records count as present (coverage) and as failed (pass rate), but their latency
    and tokens describe a failure, not an answer, so they stay out of the efficiency figures.
    """
    keys = ["suite", "model", "source", "category"]
    scored = graded[graded["scored"]]
    prompts = _scored_prompt_counts(catalog)
    grid = [(suite, model, source, category)
            for suite, model, source in scored[["suite", "model", "source"]].drop_duplicates().itertuples(index=False)
            for (s, category) in prompts if s == suite]
    if not grid:
        return pd.DataFrame({name: pd.Series([], dtype=dtype) for name, dtype in _SCORE_DTYPES.items()})
    both = pd.concat([scored, scored.assign(category="")], ignore_index=True)
    counts = both.groupby(keys).agg(passed=("passed", "sum"), n=("passed", "size"))
    answered = both[both["error"].isna()].assign(
        input_tokens=lambda f: f["input_tokens"].astype(float),
        output_tokens=lambda f: f["output_tokens"].astype(float))
    efficiency = answered.groupby(keys).agg(
        latency_median=("latency_s", "median"), latency_mean=("latency_s", "mean"),
        input_tokens_median=("input_tokens", "median"), output_tokens_median=("output_tokens", "median"),
        cost_per_task=("cost_usd", "mean"))
    scores = (pd.DataFrame(index=pd.MultiIndex.from_tuples(sorted(grid), names=keys))
              .join(counts).join(efficiency).reset_index())
    scores[["passed", "n"]] = scores[["passed", "n"]].fillna(0).astype(int)
    scores["rate"] = scores["passed"] / scores["n"].where(scores["n"] > 0)  # NaN when nothing graded
    bounds = [wilson_interval(p, n) for p, n in zip(scores["passed"], scores["n"])]
    scores["lo"] = [lo for lo, _ in bounds]
    scores["hi"] = [hi for _, hi in bounds]
    scores["prompts"] = [prompts[(s, c)] for s, c in zip(scores["suite"], scores["category"])]
    scores["coverage"] = scores["n"] / scores["prompts"]
    whole = scores[scores["category"] == ""]
    covered = {(s, m, src): coverage >= catalog.site.coverage_min - COVERAGE_EPSILON
               for s, m, src, coverage in zip(whole["suite"], whole["model"], whole["source"], whole["coverage"])}
    scores["show_efficiency"] = [covered[key] for key in zip(scores["suite"], scores["model"], scores["source"])]
    scores["measured"] = scores["source"] == MEASURED
    return scores.astype(_SCORE_DTYPES)[SCORE_COLUMNS]


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
    return ", ".join(sorted({str(v) for v in set(values) if _plain(v) is not None})) or None


def _median(values) -> float | None:
    """The median of the present values (as pandas' median skips NaN); None when none is."""
    present = sorted(v for v in values if not math.isnan(v))
    return statistics.median(present) if present else None


def _plain(value: Any) -> Any:
    """NaN / NA -> None, numpy scalars -> Python."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(value) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def frame_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as plain Python dicts (json.dumps-able); NaN and NA become None."""
    plain = frame.astype(object)
    return plain.where(frame.notna(), None).to_dict("records")


# A spreadsheet reads a cell that starts with one of these as a formula (OWASP "CSV injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _inert(column: pd.Series) -> pd.Series:
    """The column with every formula-like text cell quoted. Only its distinct values are checked
    (a hash pass in C): most columns repeat a few ids and hold no such cell, and stay as they are."""
    risky = {v: "'" + v for v in column.unique() if isinstance(v, str) and v.startswith(FORMULA_START)}
    return column.map(lambda v: risky.get(v, v) if isinstance(v, str) else v) if risky else column


def results_frame_csv(results: Results, which: Literal["scores", "graded"] = "scores") -> str:
    """One frame as CSV for /data/ downloads: fixed column order, missing values empty.

    Answers are untrusted text opened in spreadsheets: a text cell that starts like a formula gets
    a leading apostrophe (models.json keeps the raw text), and rows end in CRLF as RFC 4180 says,
    so the csv writer quotes every cell holding a CR or LF and a lone CR cannot split a row."""
    frame = getattr(results, which)
    text = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c]) and not
            pd.api.types.is_bool_dtype(frame[c])]
    return frame.assign(**{c: _inert(frame[c]) for c in text}).to_csv(index=False, lineterminator="\r\n")
