"""What a person sees of the grading work on a built site: one page per imported source listing
every answer where its own verdict and our grader's differ, grouped by reason, the counts on the
suite and model pages, and a judge model's verdict beside the strict one on prompt pages."""

from __future__ import annotations

import json
import re
from html import unescape
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import main
from generator.grading.judgements import Judgement, append_judgement, output_sha256
from generator.site.build import build
from generator.site.disagreement_pages import reason_kind, source_slug
from html_checks import validate_html
from site_fixtures import write_catalog
from source_fixtures import VAC_REPOSITORY
from test_import_vac_site import project  # noqa: F401  (the fixture: the real Vision AI Checkup layer, built)


def _set_verdicts(root: Path, verdicts: dict[str, bool]) -> None:
    """Change the peer's own verdicts in the fixture's imported run (its outputs stay)."""
    path = root / "evals" / "runs" / "evals" / "beta-ocr" / "peer-import.jsonl"
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    for row in rows:
        row["source_verdict"] = verdicts.get(row["prompt_id"], row["source_verdict"])
    path.write_text("".join(json.dumps(r, sort_keys=True) + "\n" for r in rows))


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = write_catalog(tmp_path_factory.mktemp("project"))
    # The peer answered "3" to count-apples (right: we pass) and "x" to the other four scored
    # prompts (we fail). Its own verdicts now fail count-apples and pass read-sign and count-coins:
    # three disagreements among five answers both graded.
    _set_verdicts(root, {"count-apples": False, "read-sign": True, "count-coins": True})
    measured = root / "evals" / "runs" / "evals" / "beta-ocr" / "beta-run-1.jsonl"
    coins = next(json.loads(line) for line in measured.read_text().splitlines() if '"count-coins"' in line)
    append_judgement(root, Judgement("evals", "measured", "beta-ocr", "count-coins", coins["run_id"],
                                     output_sha256(coins["output"]), "judge/tiny", "1", "incorrect",
                                     "a deliberately wrong judge, to show it differs", "2026-06-01T00:00:00Z"))
    out = root / "public"
    build(root, out)
    return root, out


def visible(html: str) -> str:
    """The page's text as a reader sees it: tags removed, entities decoded, spaces collapsed."""
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    text = " ".join(unescape(re.sub(r"<[^>]+>", " ", body)).split())
    return re.sub(r" ([.,:;!?])", r"\1", text)


def page(out: Path, path: str) -> str:
    return (out / path / "index.html").read_text(encoding="utf-8")


def test_one_page_per_imported_source_lists_every_disagreement_grouped_by_reason(site):
    _, out = site
    html = page(out, "sources/example-peer-bench/disagreements")
    assert validate_html(html) == []
    text = visible(html)
    assert "they disagree on 3 of 5 answers both graded" in text
    assert "We pass, the source failed: exact grader (1) Our grader's reason: expected …, got …" in text
    assert "We fail, the source passed: exact grader (2) Our grader's reason: expected …, got …" in text
    assert text.index("count-apples") < text.index("We fail, the source passed")  # grouped
    for prompt in ("count-apples", "count-coins", "read-sign"):
        assert f'href="../../../suites/evals/{prompt}/index.html"' in html
    assert "read-receipt" not in text  # the source and our grader agree there


def test_counts_on_the_suite_page_and_the_model_page(site):
    _, out = site
    suite = visible(page(out, "suites/evals"))
    assert "Our grader and example/peer-bench's own verdicts disagree on 3 of 5 answers." in suite
    model = visible(page(out, "models/beta-ocr"))
    assert "Our grader and example/peer-bench disagree on 3 of this model's 5 answers from that source." in model
    assert "disagree" not in visible(page(out, "models/alpha-vl"))  # no imported answers


def test_a_judge_verdict_sits_beside_the_strict_one(site):
    root, out = site
    html = page(out, "suites/evals/count-coins")
    text = visible(html)
    assert "Beta OCR our grader: ✓ pass judge judge/tiny: ✗ incorrect judge differs measured here 4" in text
    assert "Judge judge/tiny: a deliberately wrong judge, to show it differs" in text
    assert "judge judge/tiny" not in visible(page(out, "suites/evals/count-apples"))

    # a changed answer is no longer the one the judge read: the page drops the judge's verdict
    measured = root / "evals" / "runs" / "evals" / "beta-ocr" / "beta-run-1.jsonl"
    measured.write_text(measured.read_text().replace('"output": "4"', '"output": "four"'))
    build(root, out)
    assert "judge/tiny" not in page(out, "suites/evals/count-coins")


def test_the_vision_ai_checkup_disagreement_page_lists_the_two_answers_where_its_verdict_is_wrong(project):
    """Hand-checked in the result files (and labelled in tests/data/grader_labels.csv): the source
    passes Gemma 4 31B's Sudoku grid whose rows have eight cells, and fails SmolVLM2's JSON answer
    whose only value is the expected word. Every other verdict of the three files agrees with ours."""
    _, out = project  # the real answers, pinned, synced and built (test_import_vac_site.py)
    text = visible(page(out, f"sources/{source_slug(VAC_REPOSITORY)}/disagreements"))
    assert "they disagree on 2 of 218 answers both graded" in text
    assert re.search(r"We pass, the source failed: exact grader \(1\) Our grader's reason: expected …, got … "
                     r"Prompt Model Our grader's reason web-form-understanding-autosuggestion", text)
    assert re.search(r"We fail, the source passed: exact grader \(1\) .*sudoku", text)


def test_rescore_grades_the_imported_answers_of_the_layer(project):
    root, _ = project
    result = CliRunner().invoke(main, ["rescore", "--root", str(root), "--write"])
    assert result.exit_code == 0, result.output
    snapshot = json.loads((root / "evals" / "verdicts" / "vision-ai-checkup.json").read_text(encoding="utf-8"))
    assert list(snapshot) == [VAC_REPOSITORY]  # only imported answers on this suite
    assert {model: len(prompts) for model, prompts in snapshot[VAC_REPOSITORY].items()} == {
        "gemma-4-26b-a4b": 82, "gemma-4-31b": 54, "smolvlm2-2-2b": 82}
    assert snapshot[VAC_REPOSITORY]["smolvlm2-2-2b"]["web-form-understanding-autosuggestion"] is True  # the source failed it


@pytest.mark.parametrize("reason, kind", [
    ("expected 'forklift', got 'pallet'", "expected …, got …"),
    ("expected 2428, got 2.428", "expected …, got …"),
    ("expected 'q101', stated inside the answer", "expected …, stated inside the answer"),
    ("short text (8 words): not every letter and digit right (CER 0.031)",
     "short text (… words): not every letter and digit right (CER …)"),
])
def test_reasons_group_without_their_particulars(reason, kind):
    assert reason_kind(reason) == kind


def test_a_new_judgement_alone_rebuilds_the_prompt_page(site):
    root, out = site
    assert "judge/second" not in page(out, "suites/evals/read-sign")
    run = root / "evals" / "runs" / "evals" / "beta-ocr" / "beta-run-1.jsonl"
    sign = next(json.loads(line) for line in run.read_text().splitlines() if '"read-sign"' in line)
    append_judgement(root, Judgement("evals", "measured", "beta-ocr", "read-sign", sign["run_id"],
                                     output_sha256(sign["output"]), "judge/second", "1", "correct",
                                     "reads the sign", "2026-06-02T00:00:00Z"))
    build(root, out)  # nothing else changed: the judgement must reach the page
    assert "judge/second" in visible(page(out, "suites/evals/read-sign"))
