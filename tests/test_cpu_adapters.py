"""Real runs of Tesseract, RapidOCR and both OpenCV detectors through `leaderboard run` on the
fixture suite: the text they read, where their boxes land, and the records they leave."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import SHARED_EXTERNAL, require_binary, require_shared
from fixtures_runner import (
    ASTRONAUT_FACE,
    INVOICE_TEXT,
    SIGN_TEXT,
    SUITE,
    WAREHOUSE_PHOTO,
    WAREHOUSE_WORKER,
    break_image,
    iou,
    read_records,
    standard_prompts,
    write_project,
)

from generator.catalog import RunRecord, load_catalog
from generator.catalog.schemas import Runner
from generator.cli import main
from generator.runner.adapter import make_adapter
from generator.runner.engine import Selection, execute, prepare

pytestmark = pytest.mark.models


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """One project, every CPU model run once on the whole suite; Tesseract only where its Debian
    binary is (the tests that read its records ask for it; the OpenCV and RapidOCR ones still run),
    and the warehouse photo only where ../shared is (the HOG test asks for it; the others still run)."""
    photo = SHARED_EXTERNAL.joinpath(*WAREHOUSE_PHOTO).exists()
    root = write_project(tmp_path_factory.mktemp("cpu"),
                         None if photo else [p for p in standard_prompts() if p["image"] != "warehouse.jpeg"])
    outputs = {}
    for model in ("tesseract", "rapidocr", "haar-face", "hog-people"):
        if model == "tesseract" and shutil.which("tesseract") is None:
            continue
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
    if model == "tesseract":
        require_binary("tesseract")
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
    require_binary("tesseract")
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
    require_shared(*WAREHOUSE_PHOTO)
    root, _ = project
    boxes = by_prompt(root, "hog-people")["people-warehouse"]["structured"]["boxes"]
    assert [b["label"] for b in boxes] == ["person"]
    assert iou(boxes[0]["xyxy"], WAREHOUSE_WORKER) > 0.5


def test_records_are_valid_timed_and_load_into_the_catalog(project):
    root, outputs = project
    catalog = load_catalog(root)  # raises on any invalid record
    assert len(catalog.runs) == sum(len(read_records(root, m)) for m in outputs)
    for record in catalog.runs:
        assert isinstance(record, RunRecord) and record.measured
        assert record.latency_s is not None and 0 < record.latency_s < 60
        assert record.input_tokens is None and record.output_tokens is None  # not reported, never 0
        assert record.hardware and "cores" in record.hardware
        # one image per call, timed after an untimed warm-up call on the loaded engine
        assert record.batch_size == 1 and record.warmed_up is True and record.repeat is None
        assert record.throughput_s == record.latency_s


def test_an_image_spoilt_after_validation_is_an_error_record_not_a_crash(tmp_path):
    require_binary("tesseract")
    root = write_project(tmp_path, prompts=[
        {"id": "spoilt", "image": "invoice.png", "category": "text", "task": "ocr", "prompt": "Read it."},
        {"id": "fine", "image": "sign.png", "category": "text", "task": "ocr", "prompt": "Read it."}])
    catalog = load_catalog(root)
    break_image(root, "invoice.png")
    adapter = make_adapter(catalog.cards["tesseract"].runner)
    job = prepare(root, "tesseract", catalog.suites[SUITE], adapter, [], Selection())
    records = {r.prompt_id: r for r in execute(adapter, job)}
    assert records["spoilt"].output is None and "UnidentifiedImageError" in records["spoilt"].error
    assert records["spoilt"].latency_s is None and records["spoilt"].throughput_s is None
    assert records["fine"].error is None and records["fine"].output == SIGN_TEXT
    assert adapter.warmed_up is True, "the warm-up skipped the unreadable image and used the next"


@pytest.mark.parametrize("model", ["tesseract", "rapidocr", "haar-face"])
def test_a_gpu_device_for_a_cpu_only_adapter_is_an_error_and_writes_nothing(tmp_path, model):
    root = write_project(tmp_path)
    result = CliRunner().invoke(main, ["run", model, "--suite", SUITE, "--root", str(root), "--device", "cuda"])
    assert result.exit_code == 1
    assert "runs on the CPU only, so device 'cuda' cannot apply" in result.output
    assert not (root / "evals" / "runs").exists(), "a configuration failure leaves no record and no file"
    assert CliRunner().invoke(main, ["run", model, "--suite", SUITE, "--root", str(root), "--device", "cpu",
                                     "--limit", "1"]).exit_code in (0, 1)  # cpu is what it runs on anyway


def test_tesseract_rejects_a_bad_psm_when_built_not_per_prompt(tmp_path):
    from generator.runner.options import OptionError

    with pytest.raises(OptionError, match=r"options.psm: 'six' is not a whole number"):
        make_adapter(Runner(adapter="tesseract", options={"psm": "six"}))
    with pytest.raises(OptionError, match=r"options.psm: 14 is above the maximum 13"):
        make_adapter(Runner(adapter="tesseract", options={"psm": 14}))
    with pytest.raises(OptionError, match=r"unknown option 'pms' .*did you mean 'psm'"):
        make_adapter(Runner(adapter="tesseract", options={"pms": 6}))
    assert make_adapter(Runner(adapter="tesseract", options={"lang": "eng+deu", "psm": 6})).settings == \
        {"lang": "eng+deu", "psm": 6, "oem": 3}


def test_rapidocr_options_are_its_own_config_keys_and_checked_when_built():
    """Every declared option exists in the installed RapidOCR's config.yaml with a value of the
    declared type, so the declaration cannot drift from the engine it describes."""
    import rapidocr
    import yaml

    from generator.runner.adapters.rapidocr import OPTIONS
    from generator.runner.options import OptionError

    config = yaml.safe_load((Path(rapidocr.__file__).parent / "config.yaml").read_text())
    python_types = {"float": (float, int), "int": (int,), "bool": (bool,), "str": (str, type(None))}
    for option in OPTIONS:
        section, key = option.name.split(".")
        assert key in config[section], option.name
        assert isinstance(config[section][key], python_types[option.kind]), (option.name, config[section][key])
    with pytest.raises(OptionError, match=r"options.Det.box_thresh: 'high' is not a number"):
        make_adapter(Runner(adapter="rapidocr", options={"Det.box_thresh": "high"}))
    with pytest.raises(OptionError, match=r"unknown option 'Det.box_tresh' .*did you mean 'Det.box_thresh'"):
        make_adapter(Runner(adapter="rapidocr", options={"Det.box_tresh": 0.5}))


def test_opencv_rejects_unknown_detector_and_options(tmp_path):
    from generator.catalog.schemas import Runner
    from generator.runner.adapters.opencv import OpenCVAdapter

    with pytest.raises(ValueError, match="unknown model 'yolo'.*haar-frontalface-default"):
        OpenCVAdapter(Runner(adapter="opencv", model="yolo"))
    with pytest.raises(ValueError, match="unknown option"):
        OpenCVAdapter(Runner(adapter="opencv", model="hog-people", options={"scaleFactor": 1.2}))
