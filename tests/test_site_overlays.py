"""What the galleries draw: ground truth, a model's layer, and the grader's matching."""

from __future__ import annotations

import pytest

from generator.catalog.schemas import Prompt, RunRecord
from generator.grading import GRADERS
from generator.site.overlays import count_labels, layer, task_map, truth

DETECT = Prompt.model_validate({
    "id": "coins", "image": "coins.png", "category": "c", "task": "object-detection", "prompt": "Find coins.",
    "expected": {"boxes": [{"xyxy": [0, 0, 10, 10], "label": "coin"}, {"xyxy": [20, 0, 40, 20], "label": "coin"},
                           {"xyxy": [50, 50, 60, 60], "label": "coin"}]},
    "grader": {"name": "detection", "options": {"iou": 0.6}}})


def record(boxes=(), lines=()) -> RunRecord:
    return RunRecord.model_validate({
        "suite": "s", "suite_version": "1", "prompt_id": "coins", "prompt_sha256": "0" * 64, "model": "m",
        "adapter": "a", "adapter_version": "1", "model_revision": None, "params": {}, "output": "",
        "structured": {"boxes": list(boxes), "lines": list(lines)}, "latency_s": 0.1, "input_tokens": None,
        "output_tokens": None, "error": None, "run_id": "r", "started_at": "2026-01-01T00:00:00Z",
        "hardware": None, "source": "measured"})


def test_matching_is_the_graders_with_the_prompts_options():
    rec = record([{"xyxy": [0, 0, 10, 9], "label": "coin", "score": 0.9},     # IoU 0.9: matched
                  {"xyxy": [20, 0, 40, 12], "label": "coin", "score": 0.8},    # IoU 0.6: matched at 0.6
                  {"xyxy": [50, 50, 60, 60], "label": "cat", "score": 0.7}])   # label differs
    drawn, summary = layer(DETECT, rec)
    assert [round(p.iou, 2) for p in summary.pairs] == [0.9, 0.6]
    assert (summary.threshold, summary.predicted, summary.expected, summary.false_positives) == (0.6, 3, 3, 1)
    assert summary.missed_text == "coin"
    verdict = GRADERS["detection"](DETECT.expected, "", rec.structured, DETECT.grader.options)
    assert "matched 2 of 3" in verdict.reason
    by_label = {(d.label, d.x): d for d in drawn}
    assert by_label[("coin", 0)].text == "coin 0.90 · matched, IoU 0.90"
    assert by_label[("cat", 50)].text == "cat 0.70" and by_label[("cat", 50)].iou is None
    assert [d.w * d.h for d in drawn] == sorted((d.w * d.h for d in drawn), reverse=True)  # small ones on top


def test_no_record_or_no_boxes_matches_nothing():
    drawn, summary = layer(DETECT, None)
    assert drawn == [] and summary.pairs == [] and summary.missed_text == "coin ×3"


def test_ocr_lines_are_drawn_and_their_ground_truth_too():
    prompt = Prompt.model_validate({
        "id": "read", "image": "a.png", "category": "c", "task": "ocr", "prompt": "Read.",
        "expected": {"text": "A\nB", "lines": [{"text": "A", "xyxy": [0, 0, 5, 5]}, {"text": "B"}]},
        "grader": {"name": "ocr-text", "options": {}}})
    drawn, summary = layer(prompt, record(lines=[{"text": "A", "xyxy": [1, 1, 5, 5], "score": 0.5}, {"text": "B"}]))
    assert summary is None and [(d.label, d.text) for d in drawn] == [("A", "A 0.50")]
    assert [(d.label, d.x, d.w) for d in truth(prompt)] == [("A", 0, 5)]


@pytest.mark.parametrize("labels, text", [([], ""), (["face"], "face"), (["", "b", "a", "b"], "b ×2, a, box")])
def test_count_labels(labels, text):
    assert count_labels(labels) == text


def test_task_map_scores_each_model_over_the_prompts_it_answered():
    perfect = record([{"xyxy": b["xyxy"], "label": "coin", "score": 0.9} for b in DETECT.expected["boxes"]])
    half_wrong = record([{"xyxy": [0, 0, 10, 10], "label": "coin", "score": 0.9},        # a hit
                         {"xyxy": [100, 100, 110, 110], "label": "coin", "score": 0.95}])  # a confident miss, ranked first
    empty = record([])
    records = {("s", "perfect", "measured", "coins"): perfect, ("s", "half", "measured", "coins"): half_wrong,
               ("s", "none", "measured", "coins"): empty, ("s", "nocard", "measured", "coins"): perfect,
               ("s", "perfect", "measured", "other"): empty}  # a prompt outside the task is ignored
    scores = {m.model: m for m in task_map([("s", DETECT)], records, {"perfect", "half", "none"})}
    assert set(scores) == {"perfect", "half", "none"}  # models without a card are left out
    assert (scores["perfect"].images, scores["perfect"].scores.map50_95, scores["perfect"].scores.map50) == (1, 1.0, 1.0)
    assert scores["none"].scores.map50 == 0.0
    # half: precision 0 then 1/2 at recall 1/3 -> the envelope is 0.5 up to recall 1/3 (34 of 101 COCO points)
    assert scores["half"].scores.map50 == pytest.approx(0.5 * 34 / 101)
    assert list(scores["half"].scores.per_label) == ["coin"]
