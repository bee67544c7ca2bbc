"""The graders against a careful human reader: tests/data/grader_labels.csv holds one label per
answer (Vision AI Checkup's published answers and our own suites' run records), with a reason in
the labeller's own words. Agreement on the non-ambiguous rows must stay at or above 97%."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import main
from generator.grading.agreement import LabelError, measure, read_labels

from conftest import REPO_ROOT, SHARED_EXTERNAL, require_shared

LABELS = REPO_ROOT / "tests" / "data" / "grader_labels.csv"
MINIMUM = 0.97


def labels(external: bool):
    return [label for label in read_labels(LABELS) if label.file.startswith("external:") == external]


def report(result) -> str:
    lines = [f"agreement {100 * result.rate:.1f}% on {len(result.judged)} rows"]
    lines += [f"  line {j.label.line}: {j.label.file} {j.label.prompt}: human {j.label.verdict}, "
              f"grader {'pass' if j.verdict.passed else 'fail'} ({j.verdict.reason})" for j in result.disagreements]
    return "\n".join(lines)


def test_the_label_set_covers_every_peer_answer_and_our_text_and_box_answers():
    rows = read_labels(LABELS)
    peer = [r for r in rows if r.file.startswith("external:")]
    assert len(peer) == 218  # 82 + 54 + 82 answers in the three result files
    own_suites = {r.file.split("/")[2] for r in rows if not r.file.startswith("external:")}
    assert own_suites == {"ocr", "vision-evals", "detection"}
    assert {r.verdict for r in rows} == {"correct", "incorrect", "ambiguous"}


def test_agreement_on_our_own_suites():
    """Runs on a fresh clone: our run records and suites are in the repository."""
    result = measure(labels(external=False), REPO_ROOT, SHARED_EXTERNAL)
    print(report(result))
    assert len(result.judged) >= 80
    assert result.rate >= MINIMUM, report(result)


def test_agreement_on_the_peer_answers():
    require_shared("vision-ai-checkup", "results")
    result = measure(labels(external=True), REPO_ROOT, SHARED_EXTERNAL)
    print(report(result))
    assert result.rate >= MINIMUM, report(result)


def test_the_graders_command_prints_agreement_confusion_and_every_disagreement(tmp_path):
    run = sorted((REPO_ROOT / "evals" / "runs" / "ocr" / "tesseract-5").glob("*.jsonl"))[0].relative_to(REPO_ROOT)
    labels_file = tmp_path / "labels.csv"
    labels_file.write_text(
        "file,prompt,model,verdict,reason\n"
        f"{run},read-number-plate,tesseract-5,correct,plate read right\n"
        f"{run},read-street-sign,tesseract-5,incorrect,deliberately mislabelled to show a disagreement\n"
        f"{run},read-low-contrast,tesseract-5,incorrect,no text\n"
        f"{run},read-book-spine,tesseract-5,ambiguous,not counted\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["graders", "--agreement", str(labels_file), "--root", str(REPO_ROOT),
                                       "--fail-under", "90"])
    assert "agreement: 2 of 3 labelled answers = 66.7% (1 ambiguous not counted)" in result.output
    assert "│ correct     │ 1 " in result.output and "│ incorrect   │ 1 " in result.output
    assert "read-street-sign" in result.output and "deliberately" in result.output
    assert "read-number-plate" not in result.output.split("Disagreements")[1]
    assert result.exit_code == 1  # below --fail-under


@pytest.mark.parametrize("text, message", [
    ("file,prompt,verdict\n", ":1: the header must be"),
    ("file,prompt,model,verdict,reason\na,b,c,right,why\n", ":2: verdict 'right' is not one of"),
    ("file,prompt,model,verdict,reason\na,b,c,correct,\n", ":2: a label needs a reason"),
    ("file,prompt,model,verdict,reason\na,b,c,correct,x\na,b,c,incorrect,y\n", ":3: a b is already labelled on line 2"),
])
def test_label_file_errors_name_the_line(tmp_path, text, message):
    path = tmp_path / "labels.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(LabelError, match=message):
        read_labels(path)


def test_a_label_for_a_missing_answer_is_an_error(tmp_path):
    path = tmp_path / "labels.csv"
    path.write_text("file,prompt,model,verdict,reason\nevals/runs/ocr/x/none.jsonl,p,x,correct,why\n", encoding="utf-8")
    with pytest.raises(LabelError, match="line 2 .*does not exist"):
        measure(read_labels(path), REPO_ROOT, Path(tmp_path))
