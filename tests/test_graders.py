"""Every grader on hand-written cases: what a person would accept passes, a wrong value never does."""

from __future__ import annotations

import json

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from generator.catalog.hashing import prompt_sha256
from generator.catalog.schemas import Box, Grader, ImportedSource, Prompt, RunRecord, Structured, TextLine
from generator.cli import main
from generator.grading import GRADERS, GradingMemo, grade_record, match_boxes, mean_average_precision
from generator.grading.answers import list_items, named_choices
from generator.grading.boxes import iou
from generator.grading.captions import rouge_l
from generator.grading.extract import answer_text, normalise
from generator.grading.numbers import read_number
from generator.grading.ocr import character_error_rate, levenshtein


def grade(name, expected, output, structured=None, **options):
    return GRADERS[name](expected, output, structured, options)


def passes(name, expected, output, structured=None, **options) -> bool:
    return grade(name, expected, output, structured, **options).passed


# ---------------------------------------------------------------- extraction


@pytest.mark.parametrize("output, answer", [
    ('{"answer": "no"}', "no"),
    ('{"Answer": 4}', "4"),
    ('```json\n{"answer": "R1C4"}\n```', "R1C4"),
    ("Here it is:\n```\nD33\n```", "D33"),
    ('{"answer": "7.50"}.', "7.50"),  # a sentence period after the JSON
    ('{\u201canswer\u201d: \u201cyes\u201d}', "yes"),  # curly quotes around JSON
    ('{"text": "hello world"}', "hello world"),  # a one-key object is a wrapper too
    ("The answer is 12", "12"),
    ("After counting carefully, the final answer is: **27**", "27"),
    ("Answer: `left`", "left"),
    ('{"answer": null}', "null"),
    ('{"tags": ["a", "b"]}', "a, b"),
])
def test_answer_extraction_peels_wrappers(output, answer):
    assert answer_text(output) == answer


def test_extraction_leaves_objects_that_are_not_wrappers():
    assert answer_text('{"sub_total": 11.69, "tax": 1.14}') == '{"sub_total": 11.69, "tax": 1.14}'
    two_blocks = "```\nA1\n```\nor\n```\nB2\n```"
    assert answer_text(two_blocks) == two_blocks  # two fenced blocks are not one answer
    assert answer_text("```R1C4```") == "R1C4"


@pytest.mark.parametrize("text, form", [
    ("  Yes. ", "yes"), ('"FIJI"', "fiji"), ("No!", "no"), ("...4.8...", "...4.8..."),
    ("Otto  Singer\nII", "otto singer ii"), ("\u201c12.3\u201d", "12.3"), ("a..", "a.."),
])
def test_normalise(text, form):
    assert normalise(text) == form


# ---------------------------------------------------------------- exact


def test_exact_is_lenient_about_form_only():
    assert passes("exact", "Fiji", '{"answer": "FIJI"}')
    assert passes("exact", "08/09/2020", "08/09/2020.")
    assert passes("exact", "JBHU282862", "JBHU 282862")  # an ID printed in groups
    assert not passes("exact", "JBHU282862", "JBHU 2828621")
    assert not passes("exact", "Charybdis in-dubitable", "Charybdisin-dubitable")  # spaces matter here
    assert not passes("exact", "Otto Singer II", "Otto Singer I.")
    assert not passes("exact", "top center", "top")
    assert not passes("exact", ".6..7..1.", ".6.7..1.")  # dots in a Sudoku row are content


def test_exact_compares_json_as_values():
    expected = '{\u201ctotal_pieces":12,"pieces":{"WK":1},"illegal_pieces":"e3,e4"}'
    right = '{"answer": "{\\"total_pieces\\": 12, \\"pieces\\": {\\"WK\\": 1}, \\"illegal_pieces\\": \\"e3,e4\\"}"}'
    assert passes("exact", expected, right)
    assert passes("exact", expected, '{ "total_pieces": 12, "pieces": { "WK": 1 }, "illegal_pieces": "E3,E4" }')
    assert not passes("exact", expected, right.replace("12", "11"))
    assert not passes("exact", expected, "12")


# ---------------------------------------------------------------- yes-no


@pytest.mark.parametrize("output, said", [
    ("Yes, it is cracked.", "yes"), ("No.", "no"), ('{"answer": "yes"}', "yes"), ('{"answer": true}', "yes"),
    ("No, there is no crack.", "no"), ("**YES**", "yes"), ("The answer is: no", "no"),
    ("Yes, there is no crack.", None), ("yes or no", None), ("I cannot tell.", None),
    ("Yesterday it was cracked", None), ("None", None), ("", None),
])
def test_yes_no(output, said):
    assert passes("yes-no", "Yes", output) is (said == "yes")
    assert passes("yes-no", "No", output) is (said == "no")


def test_yes_no_rejects_a_bad_expected_answer():
    with pytest.raises(ValueError, match="yes or no"):
        grade("yes-no", "maybe", "yes")


# ---------------------------------------------------------------- number


@pytest.mark.parametrize("expected, output", [
    ("4", "four"), ("27", "Twenty-seven"), ("1,234", "1234"), ("1234", "1,234"), ("$2.30", "$2.30"),
    ("$2.30", '{"answer": "2.3"}'), ("3.5", "3.5 inches"), ("12.3", "12.3\u201d"), ("12", "The answer is 12."),
    ("62", "There are 62 containers."), (0, "None"), (0, "zero"), ("-0.70", "-$0.70"), (5, "5.0"),
    ("2,428", "2,428 million"),
])
def test_number_accepts_formatting(expected, output):
    assert passes("number", expected, output), grade("number", expected, output).reason


@pytest.mark.parametrize("expected, output", [
    ("27", "16"), ("2428", "2.43"), ("4", "4 or 5"), ("1", "one hundred"), ("12", "a dozen"), ("3", "R3"),
    ("8", "08/09/2020"), ("4", "NULL"), ("4", "about four or five"), ("24", "2,4"), ("1", "1.2.3"),
])
def test_number_is_strict_about_the_value(expected, output):
    assert not passes("number", expected, output)


def test_number_tolerance_and_reasons():
    assert passes("number", "3.5", "3.7", tolerance=0.2)
    assert not passes("number", "3.5", "3.8", tolerance=0.2)
    assert "several different numbers" in grade("number", "4", "4 or 5").reason
    assert grade("number", "4", "four").reason == "expected 4, got 4"
    with pytest.raises(ValueError, match="not one number"):
        grade("number", "4 or 5", "4")
    with pytest.raises(ValueError, match="unknown option"):
        grade("number", "4", "4", tolerence=1)


def test_read_number():
    assert read_number("$1,234.50 total") == (1234.5, "")
    assert read_number("no digits here") == (None, "no number in the answer")


# ---------------------------------------------------------------- choice


def test_choice_needs_exactly_one_named_choice():
    sides = {"choices": ["left", "right"]}
    assert passes("choice", "left", "The dump truck is to the left of the loader.", **sides)
    assert not passes("choice", "left", "left or right", **sides)
    assert not passes("choice", "left", "leftmost", **sides)
    assert "names none" in grade("choice", "left", "yes", **sides).reason
    orientation = {"choices": ["right side up", "upside down"]}
    assert passes("choice", "right side up", "It is right side up.", **orientation)
    assert not passes("choice", "upside down", "It is right side up.", **orientation)
    assert named_choices("right side up", ["right", "right side up", "upside down"]) == {"right side up"}
    with pytest.raises(ValueError, match="not one of the choices"):
        grade("choice", "center", "center", **sides)


# ---------------------------------------------------------------- list


def test_list_forms_and_order():
    want = "Inputs, Llama 3.2 Vision, Outputs"
    assert passes("list", want, "inputs, llama 3.2 vision and outputs".replace(" and", ", and"))
    assert passes("list", want, '["Inputs", "Llama 3.2 Vision", "Outputs"]')
    assert passes("list", want, "1. Inputs\n2. Llama 3.2 Vision\n3. Outputs")
    assert passes("list", ["a", "b"], "- a\n- b")
    assert not passes("list", want, "Outputs, Llama 3.2 Vision, Inputs")
    assert passes("list", want, "Outputs, Llama 3.2 Vision, Inputs", ordered=False)
    assert not passes("list", want, "Inputs, Llama 3.2 Vision, Outputs, Extra", ordered=False)
    partial = grade("list", want, "Inputs, Llama 3.2 Vision")
    assert not partial.passed and partial.score == pytest.approx(2 / 3)
    assert list_items("a; b;") == ["a", "b"]


# ---------------------------------------------------------------- regex


def test_regex_matches_the_whole_answer():
    assert passes("regex", "", "AB-1234.", pattern=r"[A-Z]{2}-\d{4}")
    assert passes("regex", "", '{"answer": "ab-1234"}', pattern=r"(?i)[a-z]{2}-\d{4}")
    assert not passes("regex", "", "14", pattern="4")
    with pytest.raises(ValueError, match="invalid pattern"):
        grade("regex", "", "x", pattern="(")
    with pytest.raises(ValueError, match="required"):
        grade("regex", "", "x")


# ---------------------------------------------------------------- OCR


def _dp_levenshtein(a: str, b: str) -> int:
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, y in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (x != y))
    return row[-1]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="abcd ", max_size=90), st.text(alphabet="abcde ", max_size=90))
def test_bit_parallel_levenshtein_equals_the_textbook_one(a, b):
    assert levenshtein(a, b) == _dp_levenshtein(a, b)


def test_levenshtein_known_values():
    assert levenshtein("kitten", "sitting") == 3
    assert levenshtein("", "abc") == 3
    assert levenshtein("x" * 200, "x" * 199 + "y") == 1


PASSAGE = ("The quick brown fox jumps over the lazy dog while the farmer counts "
           "twelve sheep in the meadow behind the old stone barn.")  # 23 words, 121 characters


def test_ocr_text_long_passages_by_character_error_rate():
    expected = {"text": PASSAGE, "lines": [{"text": PASSAGE, "xyxy": [0, 0, 9, 9]}]}
    assert grade("ocr-text", expected, PASSAGE.replace(" the ", "\nthe ", 1)).score == 1.0  # line breaks are spaces
    one_typo = grade("ocr-text", expected, PASSAGE.replace("twelve", "twelue"))
    assert one_typo.passed and one_typo.score == pytest.approx(1 - 1 / 121)
    assert not passes("ocr-text", expected, PASSAGE.replace("quick brown", "quack brawn"), max_cer=0.01)  # 2/121
    assert passes("ocr-text", expected, PASSAGE.replace("quick brown", "quack brawn"), max_cer=0.02)
    assert not passes("ocr-text", expected, PASSAGE[:60])  # half the passage missing
    assert passes("ocr-text", PASSAGE, '{"text": "' + PASSAGE + '"}', max_cer=0)
    lines = Structured(lines=[TextLine(text=PASSAGE[:60]), TextLine(text=PASSAGE[61:])])
    assert passes("ocr-text", expected, "", lines, max_cer=0)  # no text output: the structured lines
    assert character_error_rate("", "") == 0.0 and character_error_rate("", "x") == 1.0
    assert character_error_rate("ab", "abcdef") == 2.0
    with pytest.raises(ValueError, match="ocr-text"):
        grade("ocr-text", 12, "12")


def test_ocr_text_short_answers_need_every_word_right():
    """A wrong word in a short answer fails whatever its CER; spacing, punctuation and case are form."""
    assert not passes("ocr-text", "the Midnights album", "the Midnight album")  # CER 1/19 < 0.1
    assert not passes("ocr-text", "SN 4X7-Q0O-8B1L", "SN 4X7-Q00-8B1L")  # letter O read as zero
    assert passes("ocr-text", "THE QUIET HARBOUR\nM. ELLISON", "THE QUIET HARBOURM. ELLISON")  # lost line break
    assert passes("ocr-text", "S/N: 48213-KX7", "s/n:48213-kx7")
    assert passes("ocr-text", "it\u2019s", "it's", max_cer=0)
    verdict = grade("ocr-text", "KX58 TRW", "KX58 TRV")
    assert not verdict.passed and verdict.score == pytest.approx(1 - 1 / 8) and "short text (2 words)" in verdict.reason


# ---------------------------------------------------------------- boxes and detection


def boxes(*specs) -> list[Box]:
    return [Box(xyxy=list(xyxy), label=label, score=score) for xyxy, label, score in specs]


def test_iou_hand_computed():
    assert iou([0, 0, 10, 10], [0, 0, 10, 10]) == 1.0
    assert iou([0, 0, 10, 10], [5, 0, 15, 10]) == pytest.approx(50 / 150)
    assert iou([0, 0, 10, 10], [10, 0, 20, 10]) == 0.0
    assert iou([0, 0, 0, 0], [0, 0, 0, 0]) == 0.0


def test_matching_is_one_to_one_highest_iou_first():
    truth = boxes(([0, 0, 10, 10], "cat", None), ([20, 0, 30, 10], "cat", None))
    pred = boxes(([1, 0, 11, 10], "cat", 0.9), ([0, 0, 10, 10], "cat", 0.8), ([20, 0, 30, 10], "dog", 0.7))
    matching = match_boxes(pred, truth)
    assert [(m.predicted, m.expected) for m in matching.matches] == [(1, 0)]  # exact box wins; dog != cat
    assert matching.matches[0].iou == 1.0
    assert matching.unmatched_predicted == [0, 2] and matching.unmatched_expected == [1]
    agnostic = match_boxes(pred, truth, ignore_labels=True)
    assert [(m.predicted, m.expected) for m in agnostic.matches] == [(1, 0), (2, 1)]
    unlabelled = match_boxes(boxes(([20, 0, 30, 10], "", None)), truth)
    assert [(m.predicted, m.expected) for m in unlabelled.matches] == [(0, 1)]


def test_detection_grader():
    expected = {"boxes": [{"xyxy": [0, 0, 10, 10], "label": "coin"}, {"xyxy": [20, 0, 30, 10], "label": "coin"}]}
    one = Structured(boxes=boxes(([0, 0, 10, 10], "coin", None)))
    verdict = grade("detection", expected, "", one)
    assert verdict.passed and verdict.score == pytest.approx(2 / 3)  # precision 1, recall 0.5
    assert "matched 1 of 2" in verdict.reason and "recall 0.50" in verdict.reason
    assert not passes("detection", expected, "", one, min_recall=0.75)
    noisy = Structured(boxes=one.boxes + boxes(*[([50 + i, 50, 60 + i, 60], "coin", None) for i in range(3)]))
    assert not passes("detection", expected, "", noisy)  # precision 0.25
    assert not passes("detection", expected, "", Structured(boxes=boxes(([0, 0, 10, 10], "cup", None))))
    assert passes("detection", expected, "", Structured(boxes=boxes(([0, 0, 10, 10], "cup", None))),
                  ignore_labels=True)
    assert "no structured boxes" in grade("detection", expected, "[]", None).reason
    assert not passes("detection", expected, "", Structured(boxes=boxes(([0, 0, 10, 10], "coin", None))), iou=1.01)
    with pytest.raises(ValueError, match="expected must be"):
        grade("detection", [[0, 0, 1, 1]], "", one)


def test_count_from_boxes():
    found = Structured(boxes=boxes(([0, 0, 1, 1], "Person", None), ([2, 2, 3, 3], "person", None),
                                   ([4, 4, 5, 5], "face", None)))
    assert passes("count-from-boxes", 3, "", found)
    assert passes("count-from-boxes", 2, "", found, label="person")
    assert not passes("count-from-boxes", 3, "", found, label="person")
    assert passes("count-from-boxes", 3, "", found, label="person", tolerance=1)
    assert passes("count-from-boxes", 0, "", None)
    with pytest.raises(ValueError, match="integer"):
        grade("count-from-boxes", True, "", found)


def test_mean_average_precision():
    truth = boxes(([0, 0, 10, 10], "a", None))
    perfect = mean_average_precision([(truth, truth)])
    assert perfect.map50_95 == pytest.approx(1.0) and perfect.map50 == pytest.approx(1.0)
    # IoU 100/132 = 0.758: a hit at thresholds 0.50 ... 0.75 (6 of 10)
    shifted = mean_average_precision([(boxes(([0, 0, 10, 10 + 3.2], "a", None)), truth)])
    assert shifted.map50 == pytest.approx(1.0) and shifted.map50_95 == pytest.approx(0.6)
    # Two images, one expected box each; the higher-scored prediction is a false positive:
    # ranks FP, TP, TP -> precision 0, 1/2, 2/3 at recall 0, 1/2, 1 -> envelope 2/3 everywhere.
    images = [
        (boxes(([50, 50, 60, 60], "a", 0.9), ([0, 0, 10, 10], "a", 0.8)), truth),
        (boxes(([0, 0, 10, 10], "a", 0.7)), truth),
    ]
    assert mean_average_precision(images).map50 == pytest.approx(2 / 3)
    # Per label: label b is missed entirely.
    two = [(truth, truth + boxes(([20, 20, 30, 30], "b", None)))]
    result = mean_average_precision(two)
    assert result.per_label == pytest.approx({"a": 1.0, "b": 0.0}) and result.map50_95 == pytest.approx(0.5)
    assert mean_average_precision([(truth, [])]) is None


# ---------------------------------------------------------------- captions


def test_rouge_l_hand_computed():
    # LCS("a cat on a mat", "the cat sat on the mat") = cat on mat = 3; P = 3/5, R = 3/6
    assert rouge_l("A cat on a mat.", "The cat sat on the mat") == pytest.approx(2 * 0.6 * 0.5 / 1.1)
    assert rouge_l("", "a cat") == 0.0


def test_caption_similarity_takes_the_best_reference():
    expected = {"captions": ["A dog runs on the beach.", "A cat sleeping on a sofa."]}
    verdict = grade("caption-similarity", expected, "a cat sleeping on a sofa")
    assert verdict.passed and verdict.score == pytest.approx(1.0) and "reference 2 of 2" in verdict.reason
    assert not passes("caption-similarity", expected, "an astronaut in a white suit")
    assert passes("caption-similarity", expected, "a dog on the beach", min_score=0.5)
    with pytest.raises(ValueError, match="captions"):
        grade("caption-similarity", ["a dog"], "a dog")


# ---------------------------------------------------------------- grade_record


def _record(output, error=None) -> RunRecord:
    return RunRecord(suite="s", suite_version="1", prompt_id="p", prompt_sha256="0" * 64, model="m",
                     adapter="a", adapter_version="1", model_revision=None, params={}, output=output,
                     structured=None, latency_s=None, input_tokens=None, output_tokens=None, error=error,
                     run_id="r", started_at="2026-01-01T00:00:00Z", hardware=None, source="measured")


def test_grade_record():
    prompt = Prompt(id="p", image="i.png", category="c", task="vqa", prompt="How many?", expected="4",
                    grader=Grader(name="number"))
    assert grade_record(prompt, _record("four")).passed
    failed = grade_record(prompt, _record(None, error="timeout after 60 s"))
    assert not failed.passed and "timeout" in failed.reason
    demo = prompt.model_copy(update={"expected": None, "grader": None})
    assert grade_record(demo, _record("four")) is None
    unknown = prompt.model_copy(update={"grader": Grader(name="fuzzy")})
    with pytest.raises(ValueError, match="unknown grader 'fuzzy'"):
        grade_record(unknown, _record("four"))


def test_the_grading_memo_gives_grade_record_s_verdict_and_grades_each_distinct_input_once(monkeypatch):
    """A build grades through GradingMemo: the same verdicts as grade_record, but an answer repeated
    across models is graded once, and any difference in grader, expected, options, output or
    structured output is graded anew (a memo that mixed them up would copy a wrong verdict)."""
    calls = []
    real = GRADERS["number"]
    monkeypatch.setitem(GRADERS, "number", lambda *args: calls.append(args) or real(*args))
    prompt = Prompt(id="p", image="i.png", category="c", task="vqa", prompt="How many?", expected="4",
                    grader=Grader(name="number"))
    memo = GradingMemo()
    assert memo(prompt, _record("four")) == grade_record(prompt, _record("four"))
    calls.clear()
    assert memo(prompt, _record("four")).passed and calls == []
    variants = [
        (prompt, _record("five")),
        (prompt.model_copy(update={"expected": "5"}), _record("four")),
        (prompt.model_copy(update={"expected": 4}), _record("four")),
        (prompt.model_copy(update={"grader": Grader(name="number", options={"tolerance": 1})}), _record("four")),
        (prompt, _record("four").model_copy(update={"structured": Structured(lines=[TextLine(text="4")])})),
    ]
    for variant, record in variants:
        calls.clear()
        assert memo(variant, record) == grade_record(variant, record)
        assert len(calls) == 2  # the memo graded it, then grade_record did
    exact = prompt.model_copy(update={"grader": Grader(name="exact")})
    assert not memo(exact, _record("5")).passed and memo(prompt, _record("5")).reason == "expected 4, got 5"
    assert memo(prompt, _record(None, error="timeout")) == grade_record(prompt, _record(None, error="timeout"))
    assert memo(prompt.model_copy(update={"expected": None, "grader": None}), _record("four")) is None


def test_an_unknown_grader_name_is_a_catalog_error_with_its_line(tmp_path):
    """`validate` catches a misspelt grader, instead of `build` crashing when it grades a record."""
    folder = tmp_path / "evals" / "suites" / "s"
    (folder / "images").mkdir(parents=True)
    Image.new("RGB", (8, 8)).save(folder / "images" / "i.png")
    (folder / "suite.yaml").write_text(
        "id: s\nname: S\nversion: '1'\ndescription: d\ncategories: [{id: c, name: C}]\n"
        "images: [{file: images/i.png, source: here, license: CC0-1.0}]\n"
        "prompts:\n  - id: p\n    image: images/i.png\n    category: c\n    task: vqa\n    prompt: How many?\n"
        "    expected: 4\n    grader:\n      name: numbr\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", "--root", str(tmp_path)])
    assert result.exit_code != 0
    assert "evals/suites/s/suite.yaml:14: prompts.0.grader: unknown grader 'numbr'" in result.output
    assert "known: caption-similarity" in result.output


# ---------------------------------------------------------------- leaderboard rescore


def _project(root, expected_p2: str, options_p2: dict | None = None):
    """A tiny project: one card, a suite of two number prompts, one run answering 4 and 7."""
    (root / "model_cards").mkdir(parents=True, exist_ok=True)
    (root / "model_cards" / "m1.yaml").write_text(yaml.safe_dump({
        "id": "m1", "name": "M1", "organization": "Us", "access": "open", "release_date": "2026",
        "modalities": {"inputs": ["image"], "outputs": ["text"]}, "license": {"id": "MIT"}, "tasks": ["vqa"],
        "overview": "A model."}))
    suite_dir = root / "evals" / "suites" / "s"
    (suite_dir / "images").mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (4, 4)).save(suite_dir / "images" / "x.png")
    prompts = [{"id": f"p{i}", "image": "images/x.png", "category": "c", "task": "vqa", "prompt": "How many?",
                "expected": want, "grader": {"name": "number", "options": opts}}
               for i, (want, opts) in enumerate([("4", {}), (expected_p2, options_p2 or {})], 1)]
    (suite_dir / "suite.yaml").write_text(yaml.safe_dump({
        "id": "s", "name": "S", "version": "1", "description": "d", "categories": [{"id": "c", "name": "C"}],
        "images": [{"file": "images/x.png", "source": "made here", "license": "CC0-1.0"}], "prompts": prompts}))
    run_dir = root / "evals" / "runs" / "s" / "m1"
    run_dir.mkdir(parents=True, exist_ok=True)
    with open(run_dir / "r1.jsonl", "w") as fh:
        for prompt_id, output in (("p1", "four"), ("p2", "7")):
            record = _record(output).model_copy(update={"suite": "s", "model": "m1", "prompt_id": prompt_id,
                                                        "prompt_sha256": prompt_sha256("How many?", b"", None)})
            fh.write(json.dumps(record.model_dump(mode="json")) + "\n")


def test_rescore_reports_moved_verdicts_against_the_snapshot(tmp_path):
    def rescore(*args):
        return CliRunner().invoke(main, ["rescore", "--root", str(tmp_path), *args])

    snapshot = tmp_path / "evals" / "verdicts" / "s.json"
    _project(tmp_path, expected_p2="6")
    first = rescore()
    assert first.exit_code == 0, first.output
    assert "2 graded, 0 unchanged, 0 pass → fail, 0 fail → pass, 2 new, 0 gone" in first.output
    assert not snapshot.exists()
    assert rescore("--write").exit_code == 0
    assert json.loads(snapshot.read_text()) == {"measured": {"m1": {"p1": True, "p2": False}}}

    _project(tmp_path, expected_p2="6", options_p2={"tolerance": 1})  # a grader change: 7 is now within 6 ± 1
    moved = rescore()
    assert "2 graded, 1 unchanged, 0 pass → fail, 1 fail → pass, 0 new, 0 gone" in moved.output
    row = next(line for line in moved.output.splitlines() if "p2" in line)
    assert "m1" in row and "fail → pass" in row and "expected 6 (tolerance 1), got 7" in row
    assert json.loads(snapshot.read_text())["measured"]["m1"]["p2"] is False  # not written without --write
    rescore("--write")
    assert json.loads(snapshot.read_text())["measured"]["m1"]["p2"] is True
    assert "2 graded, 2 unchanged" in rescore().output

    _project(tmp_path, expected_p2="6", options_p2={"tolerence": 1})
    broken = rescore()  # a grader that cannot read its prompt stops at validation, naming the line
    assert broken.exit_code == 1 and "suite.yaml:" in broken.output
    assert "grader 'number' cannot use this prompt: grader 'number': unknown option(s) tolerence" in broken.output


def _imported(record: RunRecord, output: str) -> RunRecord:
    """The same prompt answered in a peer's published run, as an importer writes it."""
    return record.model_copy(update={
        "output": output, "run_id": "vac-0123456789abcdef", "adapter": "imported", "started_at": "2025-05-23T00:00:00Z",
        "source": ImportedSource(repository="roboflow/vision-ai-checkup", path="data/results/result_m1.json",
                                 commit="0" * 40, measured_by="Roboflow"),
        "source_verdict": False})


def test_rescore_covers_imported_records_beside_measured_ones_for_the_same_prompt(tmp_path):
    def rescore(*args):
        return CliRunner().invoke(main, ["rescore", "--root", str(tmp_path), *args])

    _project(tmp_path, expected_p2="6")
    run = tmp_path / "evals" / "runs" / "s" / "m1"
    measured = [RunRecord.model_validate_json(line) for line in (run / "r1.jsonl").read_text().splitlines()]
    # the peer answered p2 with "6.5", newer than our run: both verdicts are kept, neither hides the other
    (run / "vac-0123456789abcdef.jsonl").write_text(_imported(measured[1], "6.5").model_dump_json() + "\n")
    first = rescore("--write")
    assert "3 graded" in first.output and "3 new" in first.output, first.output
    snapshot = tmp_path / "evals" / "verdicts" / "s.json"
    assert json.loads(snapshot.read_text()) == {"measured": {"m1": {"p1": True, "p2": False}},
                                                "roboflow/vision-ai-checkup": {"m1": {"p2": False}}}

    _project(tmp_path, expected_p2="6", options_p2={"tolerance": 0.5})  # moves only the imported verdict
    moved = rescore()
    assert "3 graded, 2 unchanged, 0 pass → fail, 1 fail → pass" in moved.output, moved.output
    row = next(line for line in moved.output.splitlines() if "fail → pass" in line)
    assert "roboflow/vision-ai-checkup" in row and "p2" in row and "got 6.5" in row


def test_rescore_reads_a_snapshot_of_the_first_format_as_measured(tmp_path):
    _project(tmp_path, expected_p2="6")
    snapshot = tmp_path / "evals" / "verdicts" / "s.json"
    snapshot.parent.mkdir(parents=True)
    snapshot.write_text(json.dumps({"m1": {"p1": True, "p2": True}}))
    moved = CliRunner().invoke(main, ["rescore", "--root", str(tmp_path)])
    assert "2 graded, 1 unchanged, 1 pass → fail, 0 fail → pass, 0 new, 0 gone" in moved.output, moved.output
