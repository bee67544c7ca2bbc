"""Classic OpenCV detectors whose weights ship inside the opencv wheel: Viola-Jones Haar cascades
(frontal and profile faces, cat faces, upper and full bodies) and the Dalal-Triggs HOG + linear SVM
people detector.

They answer detection prompts only ("count" prompts are VQA and are not supported: a count is
an answer, not boxes). The raw output is the JSON of the boxes, so what the site shows as the
model's answer is exactly what the structured boxes hold. Detector settings come from the card's
`runner.options` and are part of the cache key.

OpenCV 5.0 moved both detectors out of the main wheel, hence `opencv-python-headless<5`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PIL import Image

from ...catalog.schemas import Box
from ..adapter import Detector, PackagedDetector, Prediction, boxes_prediction, file_fingerprint
from ..options import Option

if TYPE_CHECKING:  # numpy is imported where an image is read, not when a card is checked
    import numpy as np

HAAR_FACE = "haar-frontalface-default"
HOG_PEOPLE = "hog-people"

HAAR_OPTIONS = (
    Option("scaleFactor", "float", 1.1, minimum=1.0001, help="image pyramid step"),
    Option("minNeighbors", "int", 5, minimum=0),
    Option("minSize", "int-pair", [30, 30], minimum=1),
)
# the trained Haar cascades of the wheel's cv2.data.haarcascades: detector -> (file, box label)
HAAR_CASCADES = {
    HAAR_FACE: ("haarcascade_frontalface_default.xml", "face"),
    "haar-frontalface-alt2": ("haarcascade_frontalface_alt2.xml", "face"),
    "haar-profileface": ("haarcascade_profileface.xml", "face"),
    "haar-frontalcatface": ("haarcascade_frontalcatface.xml", "cat"),
    "haar-upperbody": ("haarcascade_upperbody.xml", "person"),
    "haar-fullbody": ("haarcascade_fullbody.xml", "person"),
}
# options are detectMultiScale's keyword arguments
DETECTORS: dict[str, Detector] = {
    **{detector: Detector(label, HAAR_OPTIONS) for detector, (_, label) in HAAR_CASCADES.items()},
    HOG_PEOPLE: Detector("person", (
        Option("winStride", "int-pair", [8, 8], minimum=1),
        Option("padding", "int-pair", [8, 8], minimum=0),
        Option("scale", "float", 1.05, minimum=1.0001, help="image pyramid step"),
        Option("hitThreshold", "float", 0.0),
    )),
}


class OpenCVAdapter(PackagedDetector):
    name = "opencv"
    version = "1"
    requires = ("cv2",)
    models = DETECTORS

    def load(self) -> None:
        import cv2

        if not hasattr(cv2, "CascadeClassifier"):
            raise RuntimeError(f"opencv {cv2.__version__} has no Haar/HOG detectors (moved out in 5.0): "
                               "pip install 'opencv-python-headless<5'")
        if self.config.model in HAAR_CASCADES:
            path = Path(cv2.data.haarcascades) / HAAR_CASCADES[self.config.model][0]
            cascade = cv2.CascadeClassifier(str(path))
            if cascade.empty():
                raise RuntimeError(f"opencv: cannot load the Haar cascade {path}")
            self._detect = lambda rgb: _haar(cascade, cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY), self.settings)
            self.loaded_revision = f"opencv {cv2.__version__} {file_fingerprint(path)}"
        else:
            hog = cv2.HOGDescriptor()
            hog.setSVMDetector(cv2.HOGDescriptor_getDefaultPeopleDetector())
            self._detect = lambda rgb: _hog(hog, cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), self.settings)
            self.loaded_revision = f"opencv {cv2.__version__} HOGDescriptor_getDefaultPeopleDetector"

    def params(self) -> dict[str, Any]:
        return {**self.config.params, **self.settings}

    def predict(self, image: Image.Image, prompt: str, task: str) -> Prediction:
        import numpy as np

        if self._detect is None:
            raise RuntimeError("opencv: load() was not called")
        rects, scores = self._detect(np.asarray(image.convert("RGB")))
        return boxes_prediction([Box(xyxy=[float(x), float(y), float(x + w), float(y + h)], label=self.detector.label,
                                     score=round(float(s), 4))
                                 for (x, y, w, h), s in zip(np.asarray(rects).reshape(-1, 4), np.asarray(scores).reshape(-1))])


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
