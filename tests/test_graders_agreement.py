"""The graders against a careful human reader: tests/data/grader_labels.csv holds one label per
answer (Vision AI Checkup's published answers and our own suites' run records), with a reason in
the labeller's own words. Agreement on the non-ambiguous rows must stay at or above 97%.

tests/data/grader_labels_upstream.csv labels 823 more answers of ten other models, read in Vision
AI Checkup's own repository at older commits (prose and reasoning answers). Their files are not in
the repository and CI has no network: that test runs where the files are (the synced sources
cache, or a folder in $VL_UPSTREAM_RESULTS laid out like the repository) and skips otherwise; the
committed evidence is the figure in docs/grading.md with the command that reproduces it."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import main
from generator.grading.agreement import LabelError, measure, read_labels, upstream_path
from generator.grading.commands import UPSTREAM_ENV

from conftest import REPO_ROOT, SHARED_EXTERNAL, require_shared

LABELS = REPO_ROOT / "tests" / "data" / "grader_labels.csv"
UPSTREAM_LABELS = REPO_ROOT / "tests" / "data" / "grader_labels_upstream.csv"
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


def test_the_upstream_label_set_names_each_answer_by_repository_commit_and_file():
    rows = read_labels(UPSTREAM_LABELS)
    assert len(rows) == 823
    assert len({r.model for r in rows}) == 10  # with the three models above: thirteen
    assert all(r.file.startswith("roboflow/vision-ai-checkup@") and ":data/results/result_" in r.file for r in rows)
    assert {r.file.split("@")[1].split(":")[0][:7] for r in rows} == {"87a59d3", "e49308a"}
    assert sum(r.verdict == "ambiguous" for r in rows) == 14


def test_upstream_rows_are_read_from_the_folder_given_or_the_sources_cache(tmp_path, monkeypatch):
    monkeypatch.delenv("VL_SOURCES_CACHE", raising=False)
    file = "owner/repo@0123abc:data/results/result_m.json"
    assert upstream_path(file, tmp_path, tmp_path / "up") == tmp_path / "up" / "data" / "results" / "result_m.json"
    assert upstream_path(file, tmp_path, None) == (tmp_path / ".cache" / "sources" / "owner+repo" / "0123abc" / "data"
                                                   / "results" / "result_m.json")
    assert upstream_path("external:x/y.json", tmp_path, None) is None


def test_the_command_reads_upstream_rows_and_counts_the_source_verdicts(tmp_path):
    """A hand-made result file in the upstream layout (invented answers, not third-party text)."""
    results = tmp_path / "up" / "data" / "results"
    results.mkdir(parents=True)
    assessments = {
        "a.png": {"result": "The weight is 1,200 KG (2,646 LB).", "answer": "1,200 kg",
                  "prompt": "What is the weight?", "correct": False},
        "b.png": {"result": "No.", "answer": "Yes", "prompt": "Is it on? Answer yes or no.", "correct": True},
    }
    (results / "result_m.json").write_text(json.dumps({"model_name": "M", "assessments": assessments}),
                                           encoding="utf-8")
    labels_file = tmp_path / "labels.csv"
    file = "owner/repo@0123abc:data/results/result_m.json"
    labels_file.write_text("file,prompt,model,verdict,reason\n"
                           f"{file},a.png,m,correct,the weight in the key's unit with a conversion\n"
                           f"{file},b.png,m,incorrect,says no\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["graders", "--agreement", str(labels_file), "--root", str(REPO_ROOT),
                                       "--upstream", str(tmp_path / "up")])
    assert "agreement: 2 of 2 labelled answers = 100.0%" in result.output, result.output
    assert "the source's own verdicts: 0 of 2 = 0.0%" in result.output
    assert result.exit_code == 0
    missing = CliRunner().invoke(main, ["graders", "--agreement", str(labels_file), "--root", str(REPO_ROOT),
                                        "--upstream", str(tmp_path / "elsewhere")])
    assert missing.exit_code == 1 and "line 2" in missing.output and "does not exist" in missing.output


def _upstream_folder() -> Path | None:
    """$VL_UPSTREAM_RESULTS, else None when the sources cache holds every labelled file (then the
    cache is read), else skip: the files are fetched from GitHub, which CI cannot reach."""
    rows = read_labels(UPSTREAM_LABELS)
    folder = Path(os.environ[UPSTREAM_ENV]) if os.environ.get(UPSTREAM_ENV) else None
    absent = sorted({r.file for r in rows if not upstream_path(r.file, REPO_ROOT, folder).is_file()})
    if absent:
        pytest.skip(f"{len(absent)} upstream result files are not here (e.g. {absent[0]}); CI has no network, so "
                    f"this runs only with ${UPSTREAM_ENV} or a sources cache holding those commits. The measured "
                    "figure and the command to reproduce it are in docs/grading.md")
    return folder


def test_agreement_on_the_upstream_answers():
    folder = _upstream_folder()
    result = measure(read_labels(UPSTREAM_LABELS), REPO_ROOT, SHARED_EXTERNAL, folder)
    print(report(result))
    assert len(result.judged) == 809
    assert result.rate >= MINIMUM, report(result)
