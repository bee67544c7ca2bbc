"""Real runs of Tesseract, RapidOCR and both OpenCV detectors through `leaderboard run` on the
fixture suite: the text they read, where their boxes land, and the records they leave."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from conftest import require_binary
from fixtures_runner import ASTRONAUT_FACE, INVOICE_TEXT, SIGN_TEXT, WAREHOUSE_WORKER, iou, read_records, write_project

from generator.catalog import RunRecord, load_catalog
from generator.cli import main

pytestmark = pytest.mark.models


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """One project, every CPU model run once on the whole suite."""
    require_binary("tesseract")
    root = write_project(tmp_path_factory.mktemp("cpu"))
    outputs = {}
    for model in ("tesseract", "rapidocr", "haar-face", "hog-people"):
        result = CliRunner().invoke(main, ["run", model, "--suite", "runner-fixture", "--root", str(root)])
        assert result.exit_code == 0, result.output
        outputs[model] = result.output
    return root, outputs


def by_prompt(root, model) -> dict[str, dict]:
    records = read_records(root, model)
    assert len({r["prompt_id"] for r in records}) == len(records), "a prompt was recorded twice"
    return {r["prompt_id"]: r for r in records}


def check_ocr_lines(record: dict, expected_text: str, width: int, height: int) -> None:
    """The output is the text in reading order; the lines are the model's own regions (RapidOCR's
    detector may split a printed line into words), so their texts joined give the same words."""
    assert record["error"] is None
    assert record["output"] == expected_text
    lines = record["structured"]["lines"]
    assert " ".join(line["text"] for line in lines).split() == expected_text.split()
    for line in lines:
        x1, y1, x2, y2 = line["xyxy"]
        assert 0 <= x1 < x2 <= width and 0 <= y1 < y2 <= height
        assert 0.5 < line["score"] <= 1.0


@pytest.mark.parametrize("model", ["tesseract", "rapidocr"])
def test_ocr_models_read_the_rendered_text_with_line_boxes(project, model):
    root, outputs = project
    records = by_prompt(root, model)
    assert set(records) == {"ocr-invoice", "ocr-sign-regions"}  # detection, VQA and captions are not OCR
    check_ocr_lines(records["ocr-invoice"], INVOICE_TEXT, 640, 200)
    check_ocr_lines(records["ocr-sign-regions"], SIGN_TEXT, 520, 120)
    lines = records["ocr-invoice"]["structured"]["lines"]
    first = next(line for line in lines if "INVOICE" in line["text"])
    second = next(line for line in lines if "Total" in line["text"])
    assert first["xyxy"][3] <= second["xyxy"][1] + 5, "the two printed lines do not overlap vertically"
    assert 10 <= first["xyxy"][0] <= 40 and 15 <= first["xyxy"][1] <= 45  # text drawn at (24, 30)
    assert "skipped: task not supported by the adapter" in outputs[model]


def test_tesseract_revision_names_engine_and_language_file(project):
    root, _ = project
    record = by_prompt(root, "tesseract")["ocr-invoice"]
    assert record["model_revision"].startswith("tesseract 5")
    assert "eng.traineddata@" in record["model_revision"]
    assert record["params"] == {"lang": "eng", "psm": 3, "oem": 3}
    assert record["libraries"]["tesseract"].startswith("5")


def test_rapidocr_revision_names_its_onnx_models(project):
    root, _ = project
    revision = by_prompt(root, "rapidocr")["ocr-invoice"]["model_revision"]
    assert revision.startswith("rapidocr 3.")
    assert revision.count(".onnx@") == 3  # detection, orientation classifier, recognition


def test_haar_cascade_finds_the_astronauts_face(project):
    root, _ = project
    record = by_prompt(root, "haar-face")["faces-astronaut"]
    boxes = record["structured"]["boxes"]
    assert len(boxes) == 1
    assert boxes[0]["label"] == "face" and boxes[0]["score"] > 0
    assert iou(boxes[0]["xyxy"], ASTRONAUT_FACE) > 0.6
    assert json.loads(record["output"]) == boxes  # the raw answer is exactly the boxes
    assert record["model_revision"].startswith("opencv 4.") and "haarcascade_frontalface_default.xml@" in record["model_revision"]


def test_hog_finds_the_standing_worker(project):
    root, _ = project
    boxes = by_prompt(root, "hog-people")["people-warehouse"]["structured"]["boxes"]
    assert [b["label"] for b in boxes] == ["person"]
    assert iou(boxes[0]["xyxy"], WAREHOUSE_WORKER) > 0.5


def test_records_are_valid_timed_and_load_into_the_catalog(project):
    root, _ = project
    catalog = load_catalog(root)  # raises on any invalid record
    assert len(catalog.runs) == sum(len(read_records(root, m)) for m in ("tesseract", "rapidocr", "haar-face", "hog-people"))
    for record in catalog.runs:
        assert isinstance(record, RunRecord) and record.measured
        assert record.latency_s is not None and 0 < record.latency_s < 60
        assert record.input_tokens is None and record.output_tokens is None  # not reported, never 0
        assert record.hardware and "cores" in record.hardware


def test_unreadable_image_is_an_error_record_not_a_crash(tmp_path):
    require_binary("tesseract")
    root = write_project(tmp_path, prompts=[
        {"id": "broken", "image": "broken.png", "category": "text", "task": "ocr", "prompt": "Read it."},
        {"id": "fine", "image": "sign.png", "category": "text", "task": "ocr", "prompt": "Read it."}])
    result = CliRunner().invoke(main, ["run", "tesseract", "--suite", "runner-fixture", "--root", str(tmp_path)])
    assert result.exit_code == 1
    records = by_prompt(root, "tesseract")
    assert records["broken"]["output"] is None and "UnidentifiedImageError" in records["broken"]["error"]
    assert records["fine"]["error"] is None and records["fine"]["output"] == SIGN_TEXT
    assert "broken" in result.output


def test_opencv_rejects_unknown_detector_and_options(tmp_path):
    from generator.catalog.schemas import Runner
    from generator.runner.adapters.opencv import OpenCVAdapter

    with pytest.raises(ValueError, match="unknown detector 'yolo'.*haar-frontalface-default"):
        OpenCVAdapter(Runner(adapter="opencv", model="yolo"))
    with pytest.raises(ValueError, match="unknown option"):
        OpenCVAdapter(Runner(adapter="opencv", model="hog-people", options={"scaleFactor": 1.2}))
