"""Classic OpenCV detectors whose weights ship inside the opencv wheel: the Viola-Jones Haar face
cascade and the Dalal-Triggs HOG + linear SVM people detector.

They answer detection prompts only ("count" prompts are VQA and are not supported: a count is
an answer, not boxes). The raw output is the JSON of the boxes, so what the site shows as the
model's answer is exactly what the structured boxes hold. Detector settings come from the card's
`runner.options` and are part of the cache key.

OpenCV 5.0 moved both detectors out of the main wheel, hence `opencv-python-headless<5`.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Callable

import numpy as np
from PIL import Image

from ...catalog.schemas import Box, Structured
from ..adapter import Adapter, Prediction, options_with_defaults

HAAR_FACE = "haar-frontalface-default"
HOG_PEOPLE = "hog-people"

# detector -> (label, default settings); settings are detectMultiScale's keyword arguments
DETECTORS: dict[str, tuple[str, dict[str, Any]]] = {
    HAAR_FACE: ("face", {"scaleFactor": 1.1, "minNeighbors": 5, "minSize": [30, 30]}),
    HOG_PEOPLE: ("person", {"winStride": [8, 8], "padding": [8, 8], "scale": 1.05, "hitThreshold": 0.0}),
}


class OpenCVAdapter(Adapter):
    name = "opencv"
    version = "1"
    tasks = frozenset({"object-detection"})

    def __init__(self, config):
        super().__init__(config)
        if config.model not in DETECTORS:
            raise ValueError(f"opencv: unknown detector {config.model!r} in runner.model; known: {', '.join(DETECTORS)}")
        self.label, defaults = DETECTORS[config.model]
        self.settings = options_with_defaults(f"opencv {config.model}", config.options, defaults)
        self._detect: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]] | None = None
        self._revision: str | None = None

    def load(self) -> None:
        import cv2

        if not hasattr(cv2, "CascadeClassifier"):
            raise RuntimeError(f"opencv {cv2.__version__} has no Haar/HOG detectors (moved out in 5.0): "
                               "pip install 'opencv-python-headless<5'")
        if self.config.model == HAAR_FACE:
            path = Path(cv2.data.haarcascades) / "haarcascade_frontalface_default.xml"
            cascade = cv2.CascadeClassifier(str(path))
            if cascade.empty():
                raise RuntimeError(f"opencv: cannot load the Haar cascade {path}")
            self._detect = lambda rgb: _haar(cascade, cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY), self.settings)
            self._revision = f"opencv {cv2.__version__} {path.name}@{hashlib.sha256(path.read_bytes()).hexdigest()[:12]}"
        else:
            hog = cv2.HOGDescriptor()
            hog.setSVMDetector(cv2.HOGDescriptor_getDefaultPeopleDetector())
            self._detect = lambda rgb: _hog(hog, cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), self.settings)
            self._revision = f"opencv {cv2.__version__} HOGDescriptor_getDefaultPeopleDetector"

    def revision(self) -> str | None:
        return self._revision

    def params(self) -> dict[str, Any]:
        return {**self.config.params, **self.settings}

    def predict(self, image: Image.Image, prompt: str, task: str) -> Prediction:
        if self._detect is None:
            raise RuntimeError("opencv: load() was not called")
        rects, scores = self._detect(np.asarray(image.convert("RGB")))
        boxes = [Box(xyxy=[float(x), float(y), float(x + w), float(y + h)], label=self.label, score=round(float(s), 4))
                 for (x, y, w, h), s in zip(np.asarray(rects).reshape(-1, 4), np.asarray(scores).reshape(-1))]
        boxes.sort(key=lambda b: -(b.score or 0))
        return Prediction(output=json.dumps([b.model_dump() for b in boxes]), structured=Structured(boxes=boxes))


def _haar(cascade, gray: np.ndarray, settings: dict[str, Any]):
    """Faces with a confidence: detectMultiScale3's level weights (higher = surer)."""
    rects, _levels, weights = cascade.detectMultiScale3(
        gray, scaleFactor=settings["scaleFactor"], minNeighbors=settings["minNeighbors"],
        minSize=tuple(settings["minSize"]), outputRejectLevels=True)
    return rects, weights


def _hog(hog, bgr: np.ndarray, settings: dict[str, Any]):
    """People with the SVM's margin as the score."""
    return hog.detectMultiScale(bgr, hitThreshold=settings["hitThreshold"], winStride=tuple(settings["winStride"]),
                                padding=tuple(settings["padding"]), scale=settings["scale"])
