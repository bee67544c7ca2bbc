"""Aggregation on a small in-memory catalog whose every figure is worked out by hand.

The suite has ten scored prompts in two categories (count: c1..c5, read: r1..r5) and one
unscored demo prompt. The exact grader is enough: the expected answer is "yes" everywhere.
"""

from __future__ import annotations

import csv
import io
import json
import math
import random
import subprocess
import sys

import pandas as pd
import pytest

from generator.catalog.hashing import prompt_sha256_for
from generator.catalog.loader import Catalog, LoadedSuite
from generator.catalog.schemas import ImportedSource, ModelCard, RunRecord, SiteConfig, Suite
from generator.results import compute_results, results_frame_csv, source_label

COUNT = ["c1", "c2", "c3", "c4", "c5"]
READ = ["r1", "r2", "r3", "r4", "r5"]
SCORED = COUNT + READ
VAC = ImportedSource(repository="roboflow/vision-ai-checkup", path="results/x.json", commit="abc123",
                     measured_by="Roboflow")
VAC_LABEL = "roboflow/vision-ai-checkup@abc123, measured by Roboflow"


@pytest.fixture
def suite(tmp_path) -> LoadedSuite:
    (tmp_path / "a.png").write_bytes(b"\x89PNG first")
    (tmp_path / "b.png").write_bytes(b"\x89PNG second")
    prompts = [{"id": pid, "image": "a.png" if pid in COUNT else "b.png", "category": "count" if pid in COUNT else "read",
                "task": "vqa", "prompt": f"question {pid}?", "expected": "yes", "grader": {"name": "exact"}}
               for pid in SCORED]
    prompts.append({"id": "demo", "image": "a.png", "category": "read", "task": "captioning", "prompt": "Describe."})
    return LoadedSuite(Suite.model_validate({
        "id": "s", "name": "S", "version": "1", "description": "test suite",
        "categories": [{"id": "count", "name": "Counting"}, {"id": "read", "name": "Reading"}],
        "images": [{"file": "a.png", "source": "test", "license": "CC0"},
                   {"file": "b.png", "source": "test", "license": "CC0"}],
        "prompts": prompts,
    }), tmp_path)


def card(model_id: str, input_per_1m: float | None = None, output_per_1m: float | None = None) -> ModelCard:
    pricing = None
    if input_per_1m is not None or output_per_1m is not None:
        pricing = {"input_per_1m": input_per_1m, "output_per_1m": output_per_1m,
                   "source": "https://example.com/pricing", "as_of": "2025-01"}
    return ModelCard.model_validate({
        "id": model_id, "name": model_id, "organization": "Org", "access": "open",
        "modalities": {"inputs": ["image", "text"], "outputs": ["text"]}, "release_date": None,
        "license": {"id": "MIT"}, "tasks": ["vqa"], "overview": "A model.", "pricing": pricing,
    })


def record(suite: LoadedSuite, model: str, prompt_id: str, output: str | None = "yes", *,
           started_at: str = "2025-01-01T00:00:00Z", run_id: str = "run-1", source="measured",
           error: str | None = None, latency_s: float | None = 1.0, tokens: tuple = (100, 10),
           sha: str | None = None) -> RunRecord:
    prompt = next(p for p in suite.suite.prompts if p.id == prompt_id)
    return RunRecord(
        suite="s", suite_version="1", prompt_id=prompt_id,
        prompt_sha256=sha or prompt_sha256_for(prompt, suite.image_path(prompt.image)),
        model=model, adapter="test", adapter_version="1", model_revision=None, params={},
        output=output, structured=None, latency_s=latency_s, input_tokens=tokens[0],
        output_tokens=tokens[1], error=error, run_id=run_id, started_at=started_at, hardware="cpu",
        source=source, source_verdict=None if source == "measured" else output == "yes",
    )


def catalog(suite: LoadedSuite, runs: list[RunRecord], cards: list[ModelCard] = (), coverage_min: float = 0.9) -> Catalog:
    return Catalog(root=suite.folder, site=SiteConfig(coverage_min=coverage_min),
                   cards={c.id: c for c in cards}, suites={"s": suite}, runs=runs)


def answers(suite, model, passed: list[str], failed: list[str], **kw) -> list[RunRecord]:
    return ([record(suite, model, p, "Yes.", **kw) for p in passed]
            + [record(suite, model, p, "no", **kw) for p in failed])


def row(frame: pd.DataFrame, **where) -> pd.Series:
    mask = pd.Series(True, index=frame.index)
    for column, value in where.items():
        mask &= frame[column] == value
    assert mask.sum() == 1, f"{mask.sum()} rows match {where}"
    return frame[mask].iloc[0]


# ---------------------------------------------------------------- scores


def test_pass_counts_rates_and_intervals_per_category_and_overall(suite):
    runs = answers(suite, "a", passed=COUNT, failed=READ) + [record(suite, "a", "demo", "a cat")]
    results = compute_results(catalog(suite, runs))
    assert list(results.scores["category"]) == ["", "count", "read"]
    overall = row(results.scores, category="")
    assert (overall["passed"], overall["n"], overall["prompts"]) == (5, 10, 10)
    assert overall["rate"] == 0.5
    assert overall["lo"] == pytest.approx(0.2366, abs=5e-5)
    assert overall["hi"] == pytest.approx(0.7634, abs=5e-5)
    count = row(results.scores, category="count")
    assert (count["passed"], count["n"], count["rate"], count["hi"]) == (5, 5, 1.0, 1.0)
    read = row(results.scores, category="read")
    assert (read["passed"], read["n"], read["rate"], read["lo"]) == (0, 5, 0.0, 0.0)


def test_unscored_prompts_are_graded_as_na_and_left_out_of_scores(suite):
    results = compute_results(catalog(suite, [record(suite, "a", "demo", "a cat"), record(suite, "a", "c1")]))
    demo = row(results.graded, prompt_id="demo")
    assert not demo["scored"] and demo["passed"] is pd.NA and math.isnan(demo["score"]) and demo["reason"] == ""
    assert row(results.scores, category="")["n"] == 1
    only_demo = compute_results(catalog(suite, [record(suite, "a", "demo", "a cat")]))
    assert only_demo.scores.empty and list(only_demo.scores.columns) == list(results.scores.columns)


def test_errored_records_are_present_and_failed_but_not_in_efficiency(suite):
    runs = [record(suite, "a", "c1", latency_s=2.0, tokens=(100, 10)),
            record(suite, "a", "c2", latency_s=4.0, tokens=(300, 30)),
            record(suite, "a", "c3", None, error="timeout", latency_s=60.0, tokens=(None, None))]
    results = compute_results(catalog(suite, runs))
    errored = row(results.graded, prompt_id="c3")
    assert errored["scored"] and not errored["passed"]
    assert errored["reason"] == "error: timeout"
    count = row(results.scores, category="count")
    assert (count["passed"], count["n"], count["prompts"], count["coverage"]) == (2, 3, 5, 0.6)
    assert count["latency_median"] == 3.0 and count["latency_mean"] == 3.0
    assert count["input_tokens_median"] == 200.0 and count["output_tokens_median"] == 20.0


def test_latency_and_token_medians_skip_missing_values(suite):
    runs = [record(suite, "a", p, latency_s=lat, tokens=(None, None))
            for p, lat in zip(SCORED, [1.0, 2.0, 3.0, 10.0, None, 1.0, 1.0, 1.0, 1.0, 1.0])]
    count = row(compute_results(catalog(suite, runs)).scores, category="count")
    assert count["latency_median"] == 2.5 and count["latency_mean"] == 4.0
    assert math.isnan(count["input_tokens_median"]) and math.isnan(count["output_tokens_median"])
    assert math.isnan(count["cost_per_task"])


def test_coverage_rule_hides_efficiency_for_partial_runs(suite):
    runs = (answers(suite, "partial", passed=SCORED[:8], failed=[])  # 8 of 10
            + answers(suite, "nine", passed=SCORED[:9], failed=[]))  # 9 of 10: exactly 0.9
    scores = compute_results(catalog(suite, runs, coverage_min=0.9)).scores
    partial = scores[scores["model"] == "partial"]
    assert row(partial, category="")["coverage"] == 0.8
    assert row(partial, category="read")["coverage"] == 0.6
    assert not partial["show_efficiency"].any()  # every row follows the whole-suite coverage
    assert scores[scores["model"] == "nine"]["show_efficiency"].all()
    lenient = compute_results(catalog(suite, runs, coverage_min=0.8)).scores
    assert lenient["show_efficiency"].all()


def test_category_without_records_gets_an_empty_row(suite):
    scores = compute_results(catalog(suite, answers(suite, "a", passed=["c1"], failed=[]))).scores
    read = row(scores, category="read")
    assert (read["passed"], read["n"], read["prompts"], read["coverage"]) == (0, 0, 5, 0.0)
    assert math.isnan(read["rate"]) and (read["lo"], read["hi"]) == (0.0, 1.0)


# ---------------------------------------------------------------- cost


def test_cost_is_tokens_times_card_prices(suite):
    cards = [card("priced", input_per_1m=2.0, output_per_1m=8.0)]
    runs = [record(suite, "priced", "c1", tokens=(1000, 500)),  # 0.002 + 0.004
            record(suite, "priced", "c2", tokens=(3000, 0))]  # 0.006 + 0
    results = compute_results(catalog(suite, runs, cards))
    assert row(results.graded, prompt_id="c1")["cost_usd"] == pytest.approx(0.006)
    assert row(results.graded, prompt_id="c2")["cost_usd"] == pytest.approx(0.006)
    assert row(results.scores, category="")["cost_per_task"] == pytest.approx(0.006)


@pytest.mark.parametrize(
    "cards, tokens",
    [
        ([card("m", 2.0, 8.0)], (1000, None)),  # a token count unknown
        ([card("m", 2.0, 8.0)], (None, 500)),
        ([card("m", 2.0, None)], (1000, 500)),  # a price unknown
        ([card("m")], (1000, 500)),  # no pricing at all
        ([], (1000, 500)),  # no card
    ],
)
def test_cost_is_missing_never_zero_when_anything_is_unknown(suite, cards, tokens):
    results = compute_results(catalog(suite, [record(suite, "m", "c1", tokens=tokens)], cards))
    assert math.isnan(row(results.graded, prompt_id="c1")["cost_usd"])
    assert math.isnan(row(results.scores, category="")["cost_per_task"])


def test_cost_per_task_averages_known_costs_only(suite):
    runs = [record(suite, "m", "c1", tokens=(1_000_000, 0)), record(suite, "m", "c2", tokens=(None, None)),
            record(suite, "m", "c3", tokens=(3_000_000, 0))]
    results = compute_results(catalog(suite, runs, [card("m", 1.0, 1.0)]))
    assert row(results.scores, category="")["cost_per_task"] == pytest.approx(2.0)


# ---------------------------------------------------------------- record selection


def test_newest_record_per_prompt_wins(suite):
    runs = [record(suite, "a", "c1", "no", started_at="2025-01-02T00:00:00Z", run_id="new"),
            record(suite, "a", "c1", "yes", started_at="2025-01-01T00:00:00Z", run_id="old"),
            record(suite, "a", "c2", "no", started_at="2025-01-01T00:00:00Z", run_id="b"),
            record(suite, "a", "c2", "yes", started_at="2025-01-01T00:00:00Z", run_id="a")]  # tie: run id decides
    graded = compute_results(catalog(suite, runs)).graded
    assert len(graded) == 2
    assert (row(graded, prompt_id="c1")["run_id"], row(graded, prompt_id="c1")["passed"]) == ("new", False)
    assert row(graded, prompt_id="c2")["run_id"] == "b"


def test_measured_and_imported_runs_are_kept_apart(suite):
    runs = (answers(suite, "a", passed=SCORED, failed=[])
            + answers(suite, "a", passed=["c1"], failed=["c2"], source=VAC, started_at="2026-01-01T00:00:00Z"))
    results = compute_results(catalog(suite, runs))
    assert source_label(VAC) == VAC_LABEL
    assert results.sources("a", "s") == ["measured", VAC_LABEL]
    measured = row(results.scores, source="measured", category="")
    imported = row(results.scores, source=VAC_LABEL, category="")
    assert (measured["passed"], measured["n"], measured["measured"]) == (10, 10, True)
    assert (imported["passed"], imported["n"], imported["measured"]) == (1, 2, False)
    c2 = results.prompt_rows("s", "c2")
    assert list(c2["source"]) == ["measured", VAC_LABEL]
    assert list(c2["passed"]) == [True, False]
    assert list(c2["source_verdict"].astype(object).where(c2["source_verdict"].notna(), None)) == [None, False]


def test_imported_source_without_commit_is_labelled_by_repository():
    source = ImportedSource(repository="org/repo", path="x.json", measured_by="Someone")
    assert source_label(source) == "org/repo, measured by Someone"


def test_records_for_removed_prompts_and_unknown_suites_are_ignored(suite):
    kept = record(suite, "a", "c1")
    gone = kept.model_copy(update={"prompt_id": "deleted"})
    elsewhere = kept.model_copy(update={"suite": "other"})
    graded = compute_results(catalog(suite, [kept, gone, elsewhere])).graded
    assert list(graded["prompt_id"]) == ["c1"]


def test_records_for_changed_prompts_are_flagged_stale(suite):
    runs = [record(suite, "a", "c1"), record(suite, "a", "c2", sha="0" * 64)]
    graded = compute_results(catalog(suite, runs)).graded
    assert list(graded["stale"]) == [False, True]
    assert bool(row(graded, prompt_id="c2")["passed"])  # still graded; the site flags it


# ---------------------------------------------------------------- pairs


def test_pair_counts_wins_losses_and_ties(suite):
    runs = (answers(suite, "a", passed=["c1", "c2", "c3", "c4", "c5"], failed=READ)
            + answers(suite, "b", passed=["c1", "c2", "r1"], failed=["c3", "c4", "c5", "r2", "r3", "r4", "r5"]))
    pair = compute_results(catalog(suite, runs)).pair("a", "b", "s")
    assert (pair.wins, pair.losses, pair.ties_pass, pair.ties_fail) == (3, 1, 2, 4)
    assert pair.p_value == pytest.approx(0.625)  # 2 × (1 + 4) / 2^4
    assert (pair.source_a, pair.source_b, pair.n) == ("measured", "measured", 10)
    assert [r["prompt_id"] for r in pair.rows] == SCORED  # by category, then prompt
    c3 = compute_results(catalog(suite, runs)).prompt_rows("s", "c3")
    assert pair.rows[2] == {"prompt_id": "c3", "category": "count", "a_passed": True, "b_passed": False,
                            "a_output": "Yes.", "b_output": "no", "a_reason": c3["reason"][0],
                            "b_reason": c3["reason"][1]}
    reverse = compute_results(catalog(suite, runs)).pair("b", "a", "s")
    assert (reverse.wins, reverse.losses, reverse.p_value) == (1, 3, pair.p_value)


def test_pair_uses_only_prompts_both_answered(suite):
    runs = (answers(suite, "a", passed=["c1", "c2"], failed=["c3"])
            + answers(suite, "b", passed=["c2", "c3"], failed=["r1"]) + [record(suite, "b", "demo", "a cat")])
    pair = compute_results(catalog(suite, runs)).pair("a", "b", "s")
    assert [r["prompt_id"] for r in pair.rows] == ["c2", "c3"]
    assert (pair.wins, pair.losses, pair.ties_pass, pair.ties_fail) == (0, 1, 1, 0)
    assert pair.p_value == 1.0  # 2 × P(X ≤ 0 | n = 1) = 2 × 1/2, capped at 1


def test_pair_is_none_without_shared_prompts_or_runs(suite):
    runs = answers(suite, "a", passed=["c1"], failed=[]) + answers(suite, "b", passed=["c2"], failed=[])
    results = compute_results(catalog(suite, runs))
    assert results.pair("a", "b", "s") is None
    assert results.pair("a", "nobody", "s") is None
    assert results.pair("a", "b", "no-such-suite") is None


def test_pair_defaults_to_measured_and_accepts_explicit_sources(suite):
    runs = (answers(suite, "a", passed=["c1", "c2"], failed=[])
            + answers(suite, "a", passed=[], failed=["c1", "c2"], source=VAC)
            + answers(suite, "b", passed=[], failed=["c1", "c2"], source=VAC))  # b: imported only
    results = compute_results(catalog(suite, runs))
    default = results.pair("a", "b", "s")
    assert (default.source_a, default.source_b, default.wins) == ("measured", VAC_LABEL, 2)
    same_model = results.pair("a", "a", "s", source_b=VAC_LABEL)
    assert (same_model.source_a, same_model.source_b, same_model.wins) == ("measured", VAC_LABEL, 2)
    imported = results.pair("a", "b", "s", source_a=VAC_LABEL)
    assert (imported.wins, imported.ties_fail) == (0, 2)


def test_pair_lists_prompts_by_outcome_in_category_order(suite):
    runs = (answers(suite, "a", passed=["c1", "c2", "r5"], failed=["c3", "r1", "r2"])
            + answers(suite, "b", passed=["c2", "c3", "r1"], failed=["c1", "r2", "r5"]))
    pair = compute_results(catalog(suite, runs)).pair("a", "b", "s")
    assert pair.prompts() == ["c1", "c2", "c3", "r1", "r2", "r5"]
    assert pair.prompts("differ") == ["c1", "c3", "r1", "r5"]
    assert (pair.prompts("both"), pair.prompts("neither")) == (["c2"], ["r2"])
    assert (pair.wins, pair.losses, pair.ties_pass, pair.ties_fail) == (2, 2, 1, 1)


# ---------------------------------------------------------------- lookups and downloads


def test_lookups_return_sorted_rows(suite):
    runs = (answers(suite, "weak", passed=["c1"], failed=SCORED[1:])
            + answers(suite, "strong", passed=SCORED[:8], failed=SCORED[8:])
            + answers(suite, "empty", passed=[], failed=[]) + [record(suite, "demo-only", "demo", "cat")])
    results = compute_results(catalog(suite, runs))
    assert list(results.overall("s")["model"]) == ["strong", "weak"]
    assert list(results.for_model("weak")["category"]) == ["", "count", "read"]
    assert results.for_model("nobody").empty
    assert list(results.prompt_rows("s", "c1")["model"]) == ["strong", "weak"]
    assert list(results.prompt_rows("s", "demo")["model"]) == ["demo-only"]
    assert results.prompt_rows("s", "missing").empty
    assert row(results.overall("s"), model="strong")["lo"] == pytest.approx(0.4902, abs=5e-5)  # Wilson 8/10 (test_stats)


def test_run_summaries_provenance_and_answers_per_source(suite):
    runs = ([record(suite, "a", "c1", run_id="run-2", started_at="2025-02-01T00:00:00Z"),
             record(suite, "a", "c2", "no", error="timeout"), record(suite, "a", "c3", sha="0" * 64)]
            + answers(suite, "a", passed=["c1"], failed=[], source=VAC))
    results = compute_results(catalog(suite, runs))
    summary = results.run_summary("a", "s", "measured")
    assert (summary.records, summary.errors, summary.stale) == (3, 1, 1)
    assert [(r["run_id"], r["records"], r["hardware"]) for r in summary.runs] == [("run-1", 2, "cpu"), ("run-2", 1, "cpu")]
    assert results.run_summary("a", "s", "nobody").runs == []
    assert results.provenance("a", "s", "measured") is None
    assert results.provenance("a", "s", VAC_LABEL) == VAC
    answer = results.answers("a", "s", "measured")["c2"]
    assert (answer.category, answer.passed, answer.output, answer.error) == ("count", False, "no", "timeout")
    assert list(results.answers("a", "s", VAC_LABEL)) == ["c1"]
    rows = results.score_rows("a", "s", "measured")
    assert rows.keys() == {"", "count", "read"} and (rows[""]["passed"], rows[""]["n"]) == (2, 3)
    assert [r["source"] for r in results.prompt_records("s", "c1")] == ["measured", VAC_LABEL]
    assert results.prompt_records("s", "demo") == []


def test_a_run_summary_shows_each_run_s_medians_and_distinct_settings(suite):
    """Per run: started_at is its earliest record, medians skip missing latencies (an even count
    averages the middle two), mixed batch sizes and hardware read "1, 8"; runs oldest first."""
    def rec(prompt_id, run_id, started_at, latency_s, batch_size, hardware):
        return record(suite, "a", prompt_id, run_id=run_id, started_at=started_at, latency_s=latency_s).model_copy(
            update={"batch_size": batch_size, "hardware": hardware, "throughput_s": None})
    runs = [rec("c1", "run-b", "2025-01-03T00:00:00Z", 1.0, 8, "cpu"),
            rec("c2", "run-b", "2025-01-02T00:00:00Z", 4.0, 1, "gpu"),
            rec("c3", "run-b", "2025-01-04T00:00:00Z", None, None, None),
            rec("c4", "run-b", "2025-01-05T00:00:00Z", 2.0, 8, "cpu"),
            rec("r1", "run-a", "2025-01-02T00:00:00Z", None, None, None),
            rec("r2", "run-a", "2025-01-02T00:00:00Z", None, None, None)]
    summary = compute_results(catalog(suite, runs)).run_summary("a", "s", "measured")
    assert [r["run_id"] for r in summary.runs] == ["run-a", "run-b"]  # same start: by run id
    run_a, run_b = summary.runs
    assert (run_a["latency_median"], run_a["batch_size"], run_a["hardware"], run_a["records"]) == (None, None, None, 2)
    assert run_b == {"run_id": "run-b", "started_at": "2025-01-02T00:00:00Z", "hardware": "cpu, gpu",
                     "adapter": "test", "model_revision": None, "records": 4, "batch_size": "1, 8",
                     "latency_median": 2.0, "throughput_median": None}
    assert (summary.records, summary.errors, summary.stale) == (6, 0, 0)


def test_builds_are_deterministic_whatever_the_record_order(suite):
    runs = (answers(suite, "b", passed=COUNT, failed=READ) + answers(suite, "a", passed=READ, failed=COUNT)
            + answers(suite, "a", passed=["c1"], failed=[], source=VAC))
    first = compute_results(catalog(suite, runs, [card("a", 1.0, 2.0)]))
    random.Random(7).shuffle(runs)
    second = compute_results(catalog(suite, runs, [card("a", 1.0, 2.0)]))
    for which in ("scores", "graded"):
        assert results_frame_csv(first, which) == results_frame_csv(second, which)
    assert list(zip(first.graded["model"], first.graded["source"]))[:2] == [("a", "measured"), ("a", "measured")]
    assert results_frame_csv(first).splitlines()[0].startswith("model,suite,source,measured,category,passed,n,rate")


def test_records_are_json_ready(suite):
    runs = [record(suite, "a", "c1", tokens=(None, 5)), record(suite, "a", "demo", "cat")]
    results = compute_results(catalog(suite, runs))
    graded = results.to_records("graded")
    json.dumps(graded)
    json.dumps(results.to_records())
    assert graded[0]["input_tokens"] is None and graded[0]["output_tokens"] == 5
    assert graded[0]["passed"] is True and graded[1]["passed"] is None and graded[1]["score"] is None
    assert type(results.to_records()[0]["n"]) is int


def test_a_catalog_without_runs_gives_empty_frames_with_every_column(suite):
    results = compute_results(catalog(suite, []))
    assert results.graded.empty and results.scores.empty
    assert results_frame_csv(results).startswith("model,suite,source,measured,category,")
    assert results_frame_csv(results, "graded").startswith("suite,model,source,measured,prompt_id,")
    assert results.overall("s").empty and results.pair("a", "b", "s") is None and results.sources("a", "s") == []


def test_csv_cells_cannot_split_rows_or_run_as_spreadsheet_formulas(suite):
    """Answers are untrusted text: a lone carriage return must not start a new row in a spreadsheet,
    and a cell that starts like a formula (=, +, -, @, tab, CR) is prefixed with an apostrophe.
    Read back with the csv module, every answer is in its own row, as written here by hand."""
    outputs = {"c1": '=HYPERLINK("http://evil.example","x")', "c2": "+1", "c3": "-2+3", "c4": "@SUM(A1:A9)",
               "c5": "\tyes", "r1": "line one\rline two", "r2": "a\nb", "r3": "\r=1", "r4": "yes", "r5": "1-2"}
    runs = [record(suite, "a", pid, output) for pid, output in outputs.items()]
    text = results_frame_csv(compute_results(catalog(suite, runs)), "graded")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert [(r["prompt_id"], r["output"]) for r in rows] == [
        ("c1", '\'=HYPERLINK("http://evil.example","x")'), ("c2", "'+1"), ("c3", "'-2+3"), ("c4", "'@SUM(A1:A9)"),
        ("c5", "'\tyes"), ("r1", "line one\rline two"), ("r2", "a\nb"), ("r3", "'\r=1"), ("r4", "yes"), ("r5", "1-2")]
    assert [r["latency_s"] for r in rows] == ["1.0"] * 10  # numbers are not touched


def test_the_tables_are_what_pandas_makes_of_the_same_rows(suite):
    """The tables are computed in plain Python (a build never imports pandas); pandas is the oracle
    here: its grouped medians and means (Kahan-summed) give the same floats bit for bit, and its
    to_csv the same text, on latencies and prices with every digit used, missing tokens, errors and
    an imported source."""
    rng = random.Random(11)
    runs = []
    for model in ("a", "b", "c"):
        for pid in SCORED:
            runs.append(record(suite, model, pid, rng.choice(["yes", "no", "=1+2"]), latency_s=rng.uniform(0.001, 97.3),
                               tokens=(rng.choice([None, rng.randint(1, 9999)]), rng.randint(1, 999)),
                               error="timeout" if rng.random() < 0.15 else None))
    runs += answers(suite, "a", passed=COUNT, failed=READ, source=VAC, latency_s=None)
    results = compute_results(catalog(suite, runs, [card("a", 0.137, 0.41), card("b", 3.3, None)]))

    graded = results.graded
    answered = graded[graded["scored"] & graded["error"].isna()]
    both = pd.concat([answered, answered.assign(category="")])
    expected = both.groupby(["suite", "model", "source", "category"]).agg(
        latency_median=("latency_s", "median"), latency_mean=("latency_s", "mean"),
        input_tokens_median=("input_tokens", lambda t: t.astype(float).median()), cost_per_task=("cost_usd", "mean"))
    for key, figures in expected.iterrows():
        ours = results.score_rows(key[1], key[0], key[2])[key[3]]
        for name, value in figures.items():
            assert (ours[name] is None and math.isnan(value)) or ours[name] == value, (key, name, ours[name], value)
    assert any(row["cost_usd"] is not None for row in results.graded_rows)

    def pandas_csv(frame):
        text = [c for c in frame.columns if frame[c].dtype == object]
        quoted = {c: frame[c].map(lambda v: "'" + v if isinstance(v, str) and v.startswith(("=", "+", "-", "@", "\t", "\r"))
                                  else v) for c in text}
        return frame.assign(**quoted).to_csv(index=False, lineterminator="\r\n")

    assert results_frame_csv(results, "graded") == pandas_csv(results.graded)
    assert results_frame_csv(results, "scores") == pandas_csv(results.scores)


def test_building_the_site_never_imports_pandas_or_numpy(tmp_path):
    """pandas and numpy took longer to import than a 50-model catalog takes to grade: the build
    computes its tables in plain Python, and only an analyst asking for ``Results.graded`` pays."""
    from site_fixtures import write_catalog

    root = write_catalog(tmp_path / "repo")
    script = ("import sys\nfrom generator.site.build import build\n"
              f"build({str(root)!r}, {str(tmp_path / 'out')!r}, jobs=1)\n"
              "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pandas', 'numpy')))\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
    assert (tmp_path / "out" / "data" / "results.csv").read_text(encoding="utf-8").startswith("suite,model,source,")
