"""The Haar cascades that ship in the opencv wheel, run for real: each card's detector loads its own
file from cv2.data.haarcascades, labels its boxes for the prompts it can answer, and has a committed
run on every object-detection prompt of the detection suite."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image

from conftest import require_module
from generator.catalog.schemas import Runner
from generator.runner.adapters.opencv import OpenCVAdapter
from test_cards import REPO_ROOT, cards  # noqa: F401  (the shipped cards)

pytestmark = pytest.mark.models

SUITE = REPO_ROOT / "evals" / "suites" / "detection"
# card -> (runner.model, the cascade file in the wheel, the label its boxes carry)
CASCADE_CARDS = {
    "opencv-haar-face-alt2": ("haar-frontalface-alt2", "haarcascade_frontalface_alt2.xml", "face"),
    "opencv-haar-profile-face": ("haar-profileface", "haarcascade_profileface.xml", "face"),
    "opencv-haar-cat-face": ("haar-frontalcatface", "haarcascade_frontalcatface.xml", "cat"),
    "opencv-haar-upper-body": ("haar-upperbody", "haarcascade_upperbody.xml", "person"),
    "opencv-haar-full-body": ("haar-fullbody", "haarcascade_fullbody.xml", "person"),
}
ASTRONAUT_FACE = [174, 64, 276, 186]  # the detection suite's hand-drawn box (faces-astronaut)


def iou(a: list[float], b: list[float]) -> float:
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = w * h
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


@pytest.mark.parametrize("card_id", sorted(CASCADE_CARDS))
def test_card_runs_its_own_cascade_file(cards, card_id):  # noqa: F811
    cv2 = require_module("cv2")
    model, file, label = CASCADE_CARDS[card_id]
    card = cards[card_id]
    assert (card.runner.adapter, card.runner.model, card.aliases) == ("opencv", model, [file.removesuffix(".xml")])
    assert card.license.url.endswith("/data/haarcascades/" + file)
    adapter = OpenCVAdapter(card.runner)
    adapter.load()
    assert adapter.revision().startswith(f"opencv {cv2.__version__} {file}@")
    assert adapter.detector.label == label
    image = Image.open(SUITE / "images" / "astronaut.png")
    prediction = adapter.predict(image, "Detect every face in this image.", "object-detection")
    assert json.loads(prediction.output) == [b.model_dump() for b in prediction.structured.boxes]
    assert all(b.label == label for b in prediction.structured.boxes)


def test_alt2_finds_the_astronauts_face():
    require_module("cv2")
    adapter = OpenCVAdapter(Runner(adapter="opencv", model="haar-frontalface-alt2"))
    adapter.load()
    boxes = adapter.predict(Image.open(SUITE / "images" / "astronaut.png"), "Detect every face in this image.",
                            "object-detection").structured.boxes
    assert len(boxes) == 1 and iou(boxes[0].xyxy, ASTRONAUT_FACE) >= 0.7


def test_iou_helper():
    assert iou([0, 0, 10, 10], [5, 0, 15, 10]) == pytest.approx(50 / 150)


@pytest.mark.parametrize("card_id", sorted(CASCADE_CARDS))
def test_committed_run_covers_every_detection_prompt(card_id):
    import yaml

    prompts = {p["id"] for p in yaml.safe_load((SUITE / "suite.yaml").read_text(encoding="utf-8"))["prompts"]
               if p["task"] == "object-detection"}
    records = [json.loads(line) for path in sorted((REPO_ROOT / "evals" / "runs" / "detection" / card_id).glob("*.jsonl"))
               for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
    assert {r["prompt_id"] for r in records} == prompts and len(prompts) == 15
    assert all(r["source"] == "measured" and r["error"] is None and r["model"] == card_id for r in records)
