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
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

import numpy as np
import pandas as pd

from .catalog.hashing import prompt_sha256_for
from .catalog.loader import Catalog
from .catalog.schemas import ImportedSource, RunRecord
from .grading import grade_record
from .stats import mcnemar_exact_p, wilson_interval

MEASURED = "measured"
COVERAGE_EPSILON = 1e-9  # 27/30 must count as covering 0.9 despite float rounding

GRADED_COLUMNS = [
    "suite", "model", "source", "measured", "prompt_id", "category", "task", "scored", "passed",
    "score", "reason", "output", "error", "latency_s", "input_tokens", "output_tokens", "cost_usd",
    "source_verdict", "stale", "run_id", "started_at", "hardware", "adapter", "model_revision",
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
    rows: list[dict]  # prompt_id, category, a_passed, b_passed, a_output, b_output, a_reason, b_reason

    @property
    def n(self) -> int:
        return len(self.rows)


# One (suite, model, source)'s scored answers for cheap pairing: prompt_id -> (category, passed, output, reason)
_Answers = dict[str, tuple[str, bool, str | None, str]]


@dataclass
class Results:
    graded: pd.DataFrame
    scores: pd.DataFrame
    records: dict[RecordKey, RunRecord] = field(default_factory=dict, repr=False)  # for structured boxes

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

    def sources(self, model_id: str, suite_id: str) -> list[str]:
        """Sources with records for a model on a suite: 'measured' first, then imports sorted."""
        return self._sources.get((suite_id, model_id), [])

    def pair(self, a: str, b: str, suite_id: str,
             source_a: str | None = None, source_b: str | None = None) -> PairComparison | None:
        """Head-to-head on the scored prompts both answered; None when they share none.

        A source left out defaults to the model's measured run on the suite, else its first
        imported one; a == b with two sources compares a model's measured and imported runs.
        """
        source_a = source_a or next(iter(self.sources(a, suite_id)), None)
        source_b = source_b or next(iter(self.sources(b, suite_id)), None)
        answers_a = self._answers.get((suite_id, a, source_a))
        answers_b = self._answers.get((suite_id, b, source_b))
        if answers_a is None or answers_b is None:
            return None
        rows: list[dict] = []
        for prompt_id, (category, a_passed, a_output, a_reason) in answers_a.items():
            other = answers_b.get(prompt_id)
            if other is None:
                continue
            _, b_passed, b_output, b_reason = other
            rows.append({"prompt_id": prompt_id, "category": category, "a_passed": a_passed,
                         "b_passed": b_passed, "a_output": a_output, "b_output": b_output,
                         "a_reason": a_reason, "b_reason": b_reason})
        if not rows:
            return None
        rows.sort(key=lambda r: (r["category"], r["prompt_id"]))
        wins = sum(r["a_passed"] and not r["b_passed"] for r in rows)
        losses = sum(r["b_passed"] and not r["a_passed"] for r in rows)
        ties_pass = sum(r["a_passed"] and r["b_passed"] for r in rows)
        return PairComparison(a=a, b=b, suite=suite_id, source_a=source_a, source_b=source_b,
                              wins=wins, losses=losses, ties_pass=ties_pass,
                              ties_fail=len(rows) - wins - losses - ties_pass,
                              p_value=mcnemar_exact_p(wins, losses), rows=rows)

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
    def _sources(self) -> dict[tuple[str, str], list[str]]:
        found: dict[tuple[str, str], set[str]] = {}
        for suite, model, source in self.graded[["suite", "model", "source"]].drop_duplicates().itertuples(index=False):
            found.setdefault((suite, model), set()).add(source)
        return {key: sorted(sources, key=lambda s: (s != MEASURED, s)) for key, sources in found.items()}

    @cached_property
    def _answers(self) -> dict[tuple[str, str, str], _Answers]:
        scored = self.graded[self.graded["scored"]]
        answers: dict[tuple[str, str, str], _Answers] = {}
        columns = ["suite", "model", "source", "prompt_id", "category", "passed", "output", "reason"]
        for suite, model, source, prompt_id, category, passed, output, reason in scored[columns].itertuples(index=False):
            answers.setdefault((suite, model, source), {})[prompt_id] = (category, bool(passed), output, reason)
        return answers

    @staticmethod
    def _rows(frame: pd.DataFrame, positions: np.ndarray | None) -> pd.DataFrame:
        if positions is None:
            return frame.iloc[0:0]
        return frame.iloc[np.sort(positions)].reset_index(drop=True)


def compute_results(catalog: Catalog) -> Results:
    """Grade the newest record per (suite, model, source, prompt) and aggregate the scores."""
    records = newest_records(catalog)
    graded = _graded_frame(catalog, records)
    return Results(graded=graded, scores=_scores_frame(catalog, graded), records=records)


def newest_records(catalog: Catalog) -> dict[RecordKey, RunRecord]:
    """The reader's union per source: the newest record (ties by run id) for each prompt that
    is still in its suite. ``latest_records`` in the loader merges sources; this keeps them apart."""
    prompt_ids = {suite_id: {p.id for p in loaded.suite.prompts} for suite_id, loaded in catalog.suites.items()}
    newest: dict[RecordKey, RunRecord] = {}
    for record in sorted(catalog.runs, key=lambda r: (r.started_at, r.run_id)):
        if record.prompt_id in prompt_ids.get(record.suite, ()):
            newest[(record.suite, record.model, source_label(record.source), record.prompt_id)] = record
    return dict(sorted(newest.items()))


def _graded_frame(catalog: Catalog, records: dict[RecordKey, RunRecord]) -> pd.DataFrame:
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
            verdict = grade_record(prompt, record)
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


def frame_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as plain Python dicts (json.dumps-able); NaN and NA become None."""
    plain = frame.astype(object)
    return plain.where(frame.notna(), None).to_dict("records")


def results_frame_csv(results: Results, which: Literal["scores", "graded"] = "scores") -> str:
    """One frame as CSV for /data/ downloads: fixed column order, missing values empty."""
    return getattr(results, which).to_csv(index=False, lineterminator="\n")
