"""Our graders on the real model answers published by Vision AI Checkup.

Each assessment in ../shared/external/vision-ai-checkup/results/*.json carries the prompt, the
expected answer, the model's raw output and the source's own verdict (``correct``). We grade the
raw output with the grader ``grader_for_vac`` picks. The reference is a careful human reader
(tests/data/grader_labels.csv, checked in test_graders_agreement.py), not the source: every case
where our verdict differs from the source's is listed below with why ours is right, and any other
difference fails the test, so a grader change that moves a verdict is reviewed here.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from conftest import require_shared
from generator.grading import GRADERS
from generator.grading.peer_prompts import grader_for_vac

VAC = Path(__file__).resolve().parents[1].parent / "shared" / "external" / "vision-ai-checkup"

# (result file, assessment key) -> (our verdict, why ours is right)
DISAGREEMENTS = {
    ("result_gemma-4-31b.json", "sudoku.png"): (
        False,
        "the output's rows have 8 characters, not 9 (cells shifted), so the grid is wrong; the source "
        "accepted it."),
    ("result_smolvlm2-2-2b.json", "autosuggest.png"): (
        True,
        "the output is a JSON object whose every value is the expected word: the wrapper is form; the "
        "source failed it."),
}


def assessments():
    require_shared("vision-ai-checkup")
    for path in sorted((VAC / "results").glob("result_*.json")):
        for key, item in json.loads(path.read_text(encoding="utf-8"))["assessments"].items():
            yield path.name, key, item


def our_verdict(item):
    grader = grader_for_vac(item["prompt"], item["answer"])
    return GRADERS[grader.name](item["answer"].replace("\r\n", "\n"), item["result"], None, grader.options)


def test_the_fixture_is_there():
    counts = Counter(name for name, _, _ in assessments())
    assert counts == {"result_gemma-4-26b--a4b-.json": 82, "result_gemma-4-31b.json": 54,
                      "result_smolvlm2-2-2b.json": 82}


def test_disagreements_with_the_source_are_exactly_the_documented_ones():
    found = {}
    for name, key, item in assessments():
        verdict = our_verdict(item)
        if verdict.passed != item["correct"]:
            found[(name, key)] = verdict.passed
    documented = {case: ours for case, (ours, _) in DISAGREEMENTS.items()}
    assert sorted(found.items()) == sorted(documented.items())


@pytest.mark.parametrize("name, key, passed", [
    ("result_gemma-4-26b--a4b-.json", "container_id_ocr.png", True),  # "JBHU 282862": the ID in groups
    ("result_gemma-4-31b.json", "misplaced_bottles.png", True),  # "FIJI"
    ("result_smolvlm2-2-2b.json", "bolts.png", True),  # "yes."
    ("result_smolvlm2-2-2b.json", "music.png", False),  # "Otto Singer I." for "Otto Singer II"
    ("result_smolvlm2-2-2b.json", "ocr.png", False),  # three misread words: CER 0.025 > 0.01
    ("result_smolvlm2-2-2b.json", "receipt_subtotal_tear.png", False),  # a JSON dump with five amounts
    ("result_gemma-4-31b.json", "table_understanding.png", True),  # "2.428": a dot as thousands separator
    ("result_gemma-4-26b--a4b-.json", "bolts_or_screws.png", False),  # "yes" names no choice
])
def test_agreements_for_the_right_reason(name, key, passed):
    require_shared("vision-ai-checkup")
    item = json.loads((VAC / "results" / name).read_text(encoding="utf-8"))["assessments"][key]
    assert our_verdict(item).passed is passed is item["correct"]


@pytest.mark.parametrize("file_name, grader, options", [
    ("glass.png", "yes-no", {}),
    ("bottles.png", "number", {}),
    ("receipt.png", "number", {}),  # $2.30
    ("table_understanding.png", "number", {}),  # 2,428
    ("tire.png", "exact", {}),  # a 10-digit serial number is an identifier, not a quantity
    ("part_number.png", "exact", {}),
    ("roast_date.png", "exact", {}),
    ("steps.png", "list", {"ordered": True}),
    ("tags_order.png", "list", {"ordered": True}),
    ("ocr.png", "ocr-text", {"max_cer": 0.01}),
    ("left_or_right_construction.png", "choice", {"choices": ["left", "right"]}),
    ("robotic_arm_orientation.png", "choice", {"choices": ["down", "left", "right"]}),
    ("orientation.png", "choice", {"choices": ["right side up", "upside down"]}),
    ("bolts_or_screws.png", "choice", {"choices": ["screws", "bolts", "nuts"]}),
    ("defect_relation.png", "exact", {}),
])
def test_grader_choice(file_name, grader, options):
    item = next(i for _, key, i in assessments() if key == file_name)
    chosen = grader_for_vac(item["prompt"], item["answer"])
    assert (chosen.name, chosen.options) == (grader, options)
