"""The vlm-exam importer: web/benchmark_summary.json -> one ImportedAggregate per (model, effort, task)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.catalog.schemas import ModelCard
from generator.cli import main
from generator.importers.common import ImportProblem, UnmappedModel, write_skeleton_cards
from generator.importers.vlm_exam import import_vlm_exam
from site_fixtures import write_catalog
from source_fixtures import UNMAPPED, add_peer_sources, sync_sources, vlm_exam_summary


def card(id: str, name: str, aliases: list[str] | None = None) -> ModelCard:
    return ModelCard(id=id, name=name, organization="Org", access="open",
                     modalities={"inputs": ["image", "text"], "outputs": ["text"]}, release_date=None,
                     license={"id": "MIT"}, tasks=["vqa"], overview="A model.", aliases=aliases or [])


def checkout(tmp_path: Path, summary: dict) -> Path:
    (tmp_path / "exam" / "web").mkdir(parents=True)
    (tmp_path / "exam" / "web" / "benchmark_summary.json").write_text(json.dumps(summary), encoding="utf-8")
    return tmp_path / "exam"


def rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_each_effort_is_its_own_row_and_unmapped_models_are_reported(tmp_path):
    cards = {"alpha": card("alpha", "Alpha VL")}
    report = import_vlm_exam(checkout(tmp_path, vlm_exam_summary()), tmp_path / "layer", cards, commit="c" * 40)
    got = rows(tmp_path / "layer" / "aggregates" / "vlm-exam.jsonl")
    assert [(r["model"], r["task"], r["effort"], r["value"], r["runs"]) for r in got] == [
        ("alpha", "counting", "low", 69.17, [70.0, 65.0, 72.5]), ("alpha", "ocr", "low", 91.2, [90.0, 92.4]),
        ("alpha", "counting", "high", 74.0, [74.0])]
    high = got[2]
    assert (high["input_tokens"], high["output_tokens"], high["cost_per_sample"], high["seconds_per_sample"]) == (
        1500.0, 900.0, 0.011, 9.5)
    assert (high["strict_accuracy"], high["judge_accuracy"], high["protocol_status"]) == (50.0, 74.0, "incomplete")
    assert high["source"] == {"repository": "roboflow/vlm-exam", "path": "web/benchmark_summary.json",
                              "commit": "c" * 40, "measured_by": "Roboflow (vlm-exam authors)", "license": "Apache-2.0"}
    assert report.mapped == {"Alpha VL": "alpha"}
    assert sorted(m.name for m in report.unmapped) == ["Gamma Detector", UNMAPPED]
    assert ("alpha-vl:low detection", "the source computed no quality figure") in report.skipped


def test_an_older_summary_without_runs_or_scoring_is_read_with_what_it_has(tmp_path):
    summary = {"generated_at": "2026-07-23T18:27:18Z", "efforts": ["low"],
               "tasks": [{"key": "counting", "name": "Counting", "primary_metric": "accuracy",
                          "metrics": [{"key": "accuracy", "label": "Accuracy", "unit": "percent"}]}],
               "models": [{"id": "alpha-vl:low", "key": "alpha-vl", "name": "Alpha VL", "lab": "alpha", "effort": "low",
                           "tasks": {"counting": {"primary_metric": {"name": "accuracy", "value": 63.51},
                                                  "metrics": {"accuracy": 63.51}, "sample_count": 74,
                                                  "failed_sample_count": 0, "tokens": {"input": 110534, "output": 3312},
                                                  "cost": {"average_per_sample_usd": 0.017175},
                                                  "speed": {"average_seconds_per_sample": 5.991}}}}]}
    import_vlm_exam(checkout(tmp_path, summary), tmp_path / "layer", {"alpha-vl": card("alpha-vl", "Alpha")})
    (row,) = rows(tmp_path / "layer" / "aggregates" / "vlm-exam.jsonl")
    assert (row["value"], row["runs"], row["strict_accuracy"], row["judge_accuracy"], row["protocol_status"]) == (
        63.51, [], None, None, None)
    assert row["input_tokens"] == pytest.approx(1493.7027, abs=1e-4)  # 110534 / 74
    assert row["output_tokens"] == pytest.approx(44.7568, abs=1e-4)  # 3312 / 74


def test_a_figure_that_is_not_a_number_names_where_it_is(tmp_path):
    summary = vlm_exam_summary()
    summary["models"][0]["tasks"]["counting"]["primary_metric"]["value"] = "high"
    with pytest.raises(ImportProblem, match=r"web/benchmark_summary.json: models\['alpha-vl:low'\].tasks.counting"
                                            r".primary_metric.value: 'high' is not a number"):
        import_vlm_exam(checkout(tmp_path, summary), tmp_path / "layer", {"alpha-vl": card("alpha-vl", "Alpha VL")})
    with pytest.raises(ImportProblem, match="not found"):
        import_vlm_exam(tmp_path / "nowhere", tmp_path / "layer", {})


def test_new_cards_writes_one_skeleton_per_unmapped_model(tmp_path):
    root, mirror = tmp_path / "project", tmp_path / "mirror"
    write_catalog(root)
    add_peer_sources(root, mirror)
    sync_sources(root, mirror)
    result = CliRunner().invoke(main, ["import", "--root", str(root), "--new-cards"])
    assert result.exit_code == 0, result.output
    assert f"unmapped models: 1\n  {UNMAPPED}\n" in result.output
    skeleton = (root / "model_cards" / "zeta-vision-9b.yaml").read_text(encoding="utf-8")
    # both sources name it; vlm-exam gives its lab as the organisation; every other fact is left empty
    assert skeleton.split("out); `leaderboard validate` lists what is still missing.\n")[1] == (
        "id: zeta-vision-9b\nname: Zeta Vision 9B\norganization: zeta\naccess: null\n"
        "modalities:\n  inputs:\n  - image\n  - text\n  outputs:\n  - text\nrelease_date: null\n"
        "license:\n  id: null\ntasks:\n- vqa\noverview: null\naliases: []\n")
    validate = CliRunner().invoke(main, ["validate", "--root", str(root)])
    assert validate.exit_code == 1
    assert "model_cards/zeta-vision-9b.yaml:8: access:" in validate.output
    # an existing card is never overwritten
    assert write_skeleton_cards(root, [UnmappedModel(UNMAPPED, (), "Zeta Labs", "no card")]) == []
    assert (root / "model_cards" / "zeta-vision-9b.yaml").read_text(encoding="utf-8") == skeleton
