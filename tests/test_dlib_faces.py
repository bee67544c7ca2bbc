"""dlib's face detectors run for real: the HOG detector compiled into the dlib wheel and the MMOD
CNN whose weights ship in face_recognition_models; their runner sections are checked without
loading anything, and their committed runs cover the detection suite."""

from __future__ import annotations

import json

import pytest
from PIL import Image

from conftest import require_module
from generator.catalog.schemas import Runner
from generator.runner.adapter import make_adapter
from generator.runner.adapters.dlib_faces import HOG_FACE, MMOD_FACE, DlibFaceAdapter, mmod_weights
from generator.runner.options import OptionError
from test_cards import REPO_ROOT
from test_haar_cascades import ASTRONAUT_FACE, SUITE, iou

pytestmark = pytest.mark.models

CARDS = {"dlib-hog-face": HOG_FACE, "dlib-mmod-face": MMOD_FACE}


def astronaut() -> Image.Image:
    return Image.open(SUITE / "images" / "astronaut.png")


def test_unknown_detector_and_bad_options_are_refused_without_loading():
    with pytest.raises(OptionError, match="unknown model 'cnn'.*known: hog-frontal-face, mmod-cnn-face"):
        DlibFaceAdapter(Runner(adapter="dlib", model="cnn"))
    with pytest.raises(OptionError, match="upsample"):
        DlibFaceAdapter(Runner(adapter="dlib", model=HOG_FACE, options={"upsample": 9}))
    with pytest.raises(OptionError, match="adjust_threshold"):  # the HOG detector's option only
        DlibFaceAdapter(Runner(adapter="dlib", model=MMOD_FACE, options={"adjust_threshold": 0.5}))
    with pytest.raises(OptionError, match="CPU only"):
        DlibFaceAdapter(Runner(adapter="dlib", model=HOG_FACE, device="cuda"))


def test_hog_detector_finds_the_astronauts_face():
    require_module("dlib")
    adapter = make_adapter(Runner(adapter="dlib", model=HOG_FACE))
    adapter.load()
    assert adapter.revision() == f"dlib {require_module('dlib').__version__} get_frontal_face_detector"
    prediction = adapter.predict(astronaut(), "Detect every face in this image.", "object-detection")
    boxes = prediction.structured.boxes
    assert json.loads(prediction.output) == [b.model_dump() for b in boxes]
    # the best box is the face; boxes come surest first, labelled and inside the 512 x 512 image
    assert iou(boxes[0].xyxy, ASTRONAUT_FACE) >= 0.6
    assert [b.score for b in boxes] == sorted((b.score for b in boxes), reverse=True)
    assert all(b.label == "face" and 0 <= b.xyxy[0] < b.xyxy[2] <= 512 and 0 <= b.xyxy[1] < b.xyxy[3] <= 512
               for b in boxes)
    assert adapter.libraries()["dlib"] == require_module("dlib").__version__


def test_mmod_detector_finds_the_astronauts_face():
    require_module("dlib")
    path = mmod_weights()
    assert path.name == "mmod_human_face_detector.dat" and path.parent.parent.name == "face_recognition_models"
    adapter = make_adapter(Runner(adapter="dlib", model=MMOD_FACE, options={"upsample": 0}))
    adapter.load()
    assert adapter.revision().startswith(f"dlib {require_module('dlib').__version__} mmod_human_face_detector.dat@")
    boxes = adapter.predict(astronaut(), "Detect every face in this image.", "object-detection").structured.boxes
    assert len(boxes) == 1 and boxes[0].label == "face" and iou(boxes[0].xyxy, ASTRONAUT_FACE) >= 0.6


@pytest.mark.parametrize("card_id", sorted(CARDS))
def test_committed_run_covers_the_detection_suite(card_id):
    import yaml

    prompts = {p["id"] for p in yaml.safe_load((SUITE / "suite.yaml").read_text(encoding="utf-8"))["prompts"]
               if p["task"] == "object-detection"}
    runs = sorted((REPO_ROOT / "evals" / "runs" / "detection" / card_id).glob("*.jsonl"))
    records = [json.loads(line) for path in runs for line in path.read_text(encoding="utf-8").splitlines() if line]
    assert {r["prompt_id"] for r in records} == prompts
    assert all(r["error"] is None and r["adapter"] == "dlib" and r["libraries"]["dlib"] for r in records)
    faces = {r["prompt_id"]: r["structured"]["boxes"] for r in records}["faces-astronaut"]
    assert max(iou(b["xyxy"], ASTRONAUT_FACE) for b in faces) >= 0.6
