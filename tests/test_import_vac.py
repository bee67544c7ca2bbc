"""The Vision AI Checkup importer on the shared fixture (real peer files) and on small hand-made
checkouts. It writes into a destination laid out like the repository: here the build-time layer
``<root>/.cache/layer`` of a temporary project, which load_catalog reads."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from generator.cli import main

from generator.catalog import load_catalog
from generator.catalog.errors import Problem
from generator.catalog.hashing import prompt_sha256_for
from generator.catalog.loader import load_cards
from generator.importers.common import ImportProblem, map_model
from generator.importers.vision_ai_checkup import CsvRow, import_vision_ai_checkup, prompt_ids, read_prompts_csv

VAC = Path(__file__).resolve().parents[1].parent / "shared" / "external" / "vision-ai-checkup"
LAYER = Path(".cache/layer")
GEMMA_FILE = "result_gemma-4-26b--a4b-.json"
MISSING = ["sudoku.png", "biscuts.jpg", "chessboard_1.png"]

CARD = """\
id: {id}
name: {name}
organization: {org}
access: open
modalities: {{inputs: [image, text], outputs: [text]}}
release_date: "2026"
license: {{id: Apache-2.0}}
tasks: [vqa]
overview: A vision-language model.
aliases: {aliases}
"""


def write_card(root: Path, id: str, name: str, org: str, aliases: list[str]) -> None:
    (root / "model_cards").mkdir(parents=True, exist_ok=True)
    (root / "model_cards" / f"{id}.yaml").write_text(
        CARD.format(id=id, name=name, org=org, aliases=json.dumps(aliases)), encoding="utf-8")


def cards_of(root: Path) -> dict:
    problems: list[Problem] = []
    cards, _ = load_cards(root, problems)
    assert problems == []
    return cards


def import_into_layer(checkout: Path, root: Path, commit: str | None = None):
    return import_vision_ai_checkup(checkout, root / LAYER, cards_of(root), commit=commit)


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    """The fixture imported into a fresh project with two cards; Gemma 4 31B has no card."""
    if not VAC.is_dir():
        if os.environ.get("VL_REQUIRE_ALL"):
            pytest.fail(f"missing shared fixture {VAC}")
        pytest.skip(f"the shared peer files are not here ({VAC}); VL_REQUIRE_ALL=1 makes this a failure")
    root = tmp_path_factory.mktemp("project")
    write_card(root, "gemma-4-26b-a4b", "Gemma 4 26B A4B", "Google DeepMind", ["Gemma 4 26B (A4B)", "gemma-4-26b--a4b-"])
    write_card(root, "smolvlm2-2b", "SmolVLM2", "Hugging Face", ["SmolVLM2 2.2B"])
    report = import_into_layer(VAC, root)
    return root, "\n".join(report.lines())


def gemma_assessments() -> dict:
    return json.loads((VAC / "results" / GEMMA_FILE).read_text(encoding="utf-8"))["assessments"]


def test_the_imported_project_loads(imported):
    root, _ = imported
    catalog = load_catalog(root)
    suite = catalog.suites["vision-ai-checkup"].suite
    assert len(suite.prompts) == 89
    lost = [p for p in suite.prompts if p.image is None]
    assert sorted(p.image_missing.split()[0] for p in lost) == sorted(MISSING)
    assert suite.source.repository == "roboflow/vision-ai-checkup"
    assert {p.task for p in suite.prompts} == {"vqa"}
    assert all(i.license == "MIT, Copyright 2025 Roboflow, Inc." for i in suite.images)
    glass = next(i for i in suite.images if i.file == "images/glass.jpeg")
    assert glass.source == "https://github.com/roboflow/vision-ai-checkup/blob/HEAD/images/compressed/glass.jpeg"
    ids = [p.id for p in suite.prompts]
    assert ids[0] == "glass-rim-crack"
    assert {"reading-an-easy-captcha", "reading-an-easy-captcha-2"} <= set(ids)
    assert "wip-table-understanding-from-a-web-catalog" in ids
    assert {"defect-detection", "ocr", "captcha", "spatial-relations"} <= {c.id for c in suite.categories}


def test_every_gemma_answer_is_a_record_or_reported(imported):
    root, output = imported
    catalog = load_catalog(root)
    loaded = catalog.suites["vision-ai-checkup"]
    prompts = {p.id: p for p in loaded.suite.prompts}
    records = [r for r in catalog.runs if r.model == "gemma-4-26b-a4b"]
    source = gemma_assessments()
    assert len(source) == 82
    by_prompt_text = {}
    for record in records:
        prompt = prompts[record.prompt_id]
        key = Path(prompt.image or prompt.image_missing.split()[0]).stem
        item = next(v for k, v in source.items() if Path(k).stem == key)
        assert (prompt.prompt, prompt.expected) == (item["prompt"], item["answer"].replace("\r\n", "\n"))
        assert record.output == item["result"]
        assert record.source_verdict is item["correct"]
        assert record.latency_s == float(item["time_taken"].removesuffix("s"))
        assert record.prompt_sha256 == prompt_sha256_for(prompt, loaded.image_path(prompt.image))
        assert (record.adapter, record.input_tokens, record.output_tokens, record.structured) == ("imported", None, None, None)
        assert record.source.path == f"data/results/{GEMMA_FILE}"
        assert record.source.measured_by == "Roboflow (vision-ai-checkup authors)"
        assert record.started_at == "1970-01-01T00:00:00Z"
        by_prompt_text[key] = record
    # every one of the 82 answers is a record, those whose image the fixture lacks included
    assert len(records) == len(by_prompt_text) == 82
    assert {Path(k).stem for k in source} == set(by_prompt_text)
    lines = output.splitlines()
    gemma = next(i for i, line in enumerate(lines) if line.endswith("-> gemma-4-26b-a4b: 82 records"))
    assert not lines[gemma + 1].startswith("  skipped")
    # an image with three prompts: its one result belongs to the first of them
    assert by_prompt_text["robotic_arm_closest_pick_up"].prompt_id == "colour-of-object-closest-to-robotic-arm-grip"
    assert by_prompt_text["screenshot_web_catalog"].prompt_id == "wip-table-understanding-from-a-web-catalog"


def test_summary_reports_what_was_not_imported(imported):
    root, output = imported
    assert "images missing (3; their prompts are kept without an image and cannot be re-run): sudoku.png, biscuts.jpg, chessboard_1.png" in output
    assert "'Gemma 4 31B' not mapped, 54 assessments skipped" in output
    assert "'SmolVLM2 2.2B' -> smolvlm2-2b: 82 records" in output  # mapped by model name, not file slug
    assert "images no prompt uses (9; not copied)" in output
    assert "results mapped: 2 of 3 files, 164 records; answers whose prompt changed since: 0" in output
    assert not (root / LAYER / "evals/runs/vision-ai-checkup/gemma-4-31b").exists()
    assert not (root / "evals").exists()  # nothing third-party next to the repository's own files


def test_reimport_writes_the_same_bytes(imported, tmp_path):
    root, _ = imported
    again = tmp_path / "again"
    import_vision_ai_checkup(VAC, again, cards_of(root))

    def files(folder: Path) -> dict:
        return {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*") if p.is_file()}

    assert files(again) == files(root / LAYER)


# ---------------------------------------------------------------- small hand-made checkouts

ROWS = [
    ["a.png", "Is it red? Answer yes or no.", "Yes", "Colour check", "Colour", "me", ""],
    ["a.png", "How many dots?", "3", "Count dots", "Counting", "me", ""],
    ["b.png", "Grid?", "..1\r\n.2.", "Colour check", "Colour", "me", ""],
    ["gone.png", "Where?", "left", "Lost", "Colour", "me", ""],
]


def make_checkout(path: Path, results: dict[str, dict]) -> Path:
    (path / "images").mkdir(parents=True)
    for stem, colour in (("a", "red"), ("b", "blue")):
        Image.new("RGB", (8, 8), colour).save(path / "images" / f"{stem}.jpeg")
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(["file_name", "prompt", "answer", "assessment_name", "category", "submitted_by",
                     "submitted_by_link", ""])
    writer.writerows(row + [""] for row in ROWS)
    (path / "prompts.csv").write_text(text.getvalue(), encoding="utf-8", newline="")
    (path / "data" / "results").mkdir(parents=True)
    for slug, assessments in results.items():
        (path / "data" / "results" / f"result_{slug}.json").write_text(json.dumps(
            {"model_name": "Tiny VLM", "assessments": assessments}), encoding="utf-8")
    return path


def assessment(row: list[str], result: str, correct: bool) -> dict:
    return {"result": result, "answer": row[2], "prompt": row[1], "assessment_name": row[3], "category": row[4],
            "file_name": row[0], "time_taken": "1.50s", "correct": correct}


def test_small_checkout_with_git_commit(tmp_path):
    root = tmp_path / "project"
    write_card(root, "tiny-vlm", "Tiny", "Us", ["tiny vlm"])
    first = {"a.png": assessment(ROWS[0], "Yes.", True), "b.png": assessment(ROWS[2], "..1\n.2.", True),
             "gone.png": assessment(ROWS[3], "left", True),
             "x.png": assessment(["x.png", "?", "1", "Other", "C", "", ""], "1", True)}
    checkout = make_checkout(tmp_path / "vac", {"tiny": first})
    subprocess.run(["git", "init", "-q", str(checkout)], check=True)
    subprocess.run(["git", "-C", str(checkout), "-c", "user.name=t", "-c", "user.email=t@e", "add", "."], check=True)
    subprocess.run(["git", "-C", str(checkout), "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-qm", "x"],
                   check=True, env={"GIT_COMMITTER_DATE": "2025-05-23T10:00:00+00:00", "PATH": "/usr/bin:/bin"})
    commit = subprocess.run(["git", "-C", str(checkout), "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    report = import_into_layer(checkout, root)
    (result,) = report.results
    assert report.missing_images == ["gone.png"] and report.prompts == 4
    assert result.model == "tiny-vlm" and result.records == 3
    assert sorted(result.skipped) == [("x.png", "no prompts.csv row has this file name, prompt, answer and assessment name")]
    catalog = load_catalog(root)
    suite = catalog.suites["vision-ai-checkup"].suite
    assert [p.id for p in suite.prompts] == ["colour-check", "count-dots", "colour-check-2", "lost"]
    assert suite.prompts[3].image is None and suite.prompts[3].image_missing == "gone.png is not in the imported checkout"
    assert suite.prompts[2].expected == "..1\n.2."  # CRLF inside a quoted field
    assert suite.source.commit == commit
    records = sorted(catalog.runs, key=lambda r: r.prompt_id)
    assert [r.prompt_id for r in records] == ["colour-check", "colour-check-2", "lost"]
    assert {r.started_at for r in records} == {"2025-05-23T10:00:00+00:00"}
    assert {r.source.commit for r in records} == {commit}


def test_unmapped_and_ambiguous_models_are_never_guessed():
    index = {"tiny": "tiny-vlm", "tiny vlm": "tiny-vlm", "other": "other-vlm"}
    assert map_model(("Tiny VLM", "whatever"), index) == ("tiny-vlm", "")
    assert map_model(("Tiny VLM", "other"), index)[0] is None
    assert map_model(("Tiny VLM", "other"), index)[1] == "'Tiny VLM' or 'other' map to different cards: other-vlm, tiny-vlm"
    assert map_model(("Tiny VLM 2", "tiny-2"), index) == (None, "no card has 'Tiny VLM 2' or 'tiny-2' as id, name or alias")


def test_prompt_ids_are_unique_and_deterministic():
    rows = [CsvRow(i, "a.png", "p", "a", name, "c") for i, name in enumerate(["Count", "Count", "Count 2", "Count"])]
    assert prompt_ids(rows) == ["count", "count-3", "count-2", "count-4"]


def test_csv_problems_name_file_and_line(tmp_path):
    path = tmp_path / "prompts.csv"
    path.write_text("file_name,prompt,answer\r\n", encoding="utf-8")
    with pytest.raises(ImportProblem, match=r"prompts.csv:1: missing column\(s\) assessment_name, category"):
        read_prompts_csv(path)
    path.write_text("file_name,prompt,answer,assessment_name,category,submitted_by,submitted_by_link,\r\n"
                    'a.png,"two\r\nlines",x,Name,Cat,,,\r\n'
                    "b.png,,x,Name,Cat,,,\r\n", encoding="utf-8", newline="")
    with pytest.raises(ImportProblem, match=r"prompts.csv:4: empty prompt"):
        read_prompts_csv(path)
    with pytest.raises(ImportProblem, match="not found"):
        read_prompts_csv(tmp_path / "nope.csv")


def test_cli_reports_a_broken_card(tmp_path):
    (tmp_path / "model_cards").mkdir()
    (tmp_path / "model_cards" / "bad.yaml").write_text("id: bad\n")
    result = CliRunner().invoke(main, ["import", "--root", str(tmp_path)])
    assert result.exit_code == 1 and "model_cards/bad.yaml" in result.output


def test_image_names_cannot_reach_outside_the_checkout(tmp_path):
    """prompts.csv is a third party's file: a path in file_name, or a symlink out of the checkout,
    never gets a file from elsewhere on this machine copied into the suite (and onto the site)."""
    secret = tmp_path / "secret.png"
    Image.new("RGB", (8, 8), "green").save(secret)
    checkout = make_checkout(tmp_path / "vac", {})
    (checkout / "images" / "b.jpeg").unlink()
    (checkout / "images" / "b.jpeg").symlink_to(secret)
    text = (checkout / "prompts.csv").read_text(encoding="utf-8")
    (checkout / "prompts.csv").write_text(text.replace("gone.png", "../../secret.png"), encoding="utf-8", newline="")
    root = tmp_path / "project"
    write_card(root, "tiny-vlm", "Tiny", "Us", [])
    report = import_into_layer(checkout, root)
    assert sorted(report.missing_images) == ["../../secret.png", "b.png"]
    images = root / LAYER / "evals" / "suites" / "vision-ai-checkup" / "images"
    assert [p.name for p in images.iterdir()] == ["a.jpeg"]
    load_catalog(root)


def test_a_row_our_grader_cannot_read_names_its_line(tmp_path, monkeypatch):
    """The peer's CSV decides the expected answer; one our grader cannot use stops the import with
    file:line (the build then lists the source as failed and goes on without it)."""
    from generator.catalog.schemas import Grader
    from generator.importers import vision_ai_checkup

    checkout = make_checkout(tmp_path / "vac", {})
    monkeypatch.setattr(vision_ai_checkup, "grader_for_vac",
                        lambda prompt, answer: Grader(name="choice", options={"choices": ["left", "right"]}))
    with pytest.raises(ImportProblem, match=r"prompts.csv:2: Value error, grader 'choice' cannot use this prompt"):
        vision_ai_checkup.import_vision_ai_checkup(checkout, tmp_path / "layer", {})
