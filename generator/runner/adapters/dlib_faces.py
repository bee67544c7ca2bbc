"""dlib's two face detectors, whose weights ship in pip packages: the HOG + linear SVM frontal face
detector compiled into dlib itself (`get_frontal_face_detector`), and the MMOD CNN face detector
whose weights (`mmod_human_face_detector.dat`) ship in the `face_recognition_models` package.

Like the OpenCV detectors they answer detection prompts only, with boxes labelled "face"; the raw
output is the JSON of those boxes. Boxes are clipped to the image (dlib's can reach past an edge).
The weights file is found without importing `face_recognition_models`, whose `__init__` needs
`pkg_resources`, which recent setuptools no longer ships.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PIL import Image

from ...catalog.schemas import Box
from ..adapter import Detector, PackagedDetector, Prediction, boxes_prediction, file_fingerprint
from ..options import Option

if TYPE_CHECKING:  # numpy is imported where an image is read, not when a card is checked
    import numpy as np

HOG_FACE = "hog-frontal-face"
MMOD_FACE = "mmod-cnn-face"
UPSAMPLE = Option("upsample", "int", 1, minimum=0, maximum=3, help="times the image is doubled before detection")
DETECTORS: dict[str, Detector] = {
    HOG_FACE: Detector("face", (UPSAMPLE, Option("adjust_threshold", "float", 0.0,
                                                 help="added to the SVM's detection threshold"))),
    MMOD_FACE: Detector("face", (UPSAMPLE,)),
}
MMOD_WEIGHTS = ("face_recognition_models", "models/mmod_human_face_detector.dat")

Detection = tuple[tuple[int, int, int, int], float]  # (left, top, right, bottom), score


def mmod_weights() -> Path:
    """The MMOD weights inside the installed face_recognition_models package."""
    package, file = MMOD_WEIGHTS
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"dlib {MMOD_FACE}: the {package} package is not installed "
                           f"(pip install face_recognition_models)")
    path = Path(next(iter(spec.submodule_search_locations))) / file
    if not path.is_file():
        raise RuntimeError(f"dlib {MMOD_FACE}: {path} is missing from the {package} package")
    return path


class DlibFaceAdapter(PackagedDetector):
    name = "dlib"
    version = "1"
    requires = ("dlib",)
    models = DETECTORS

    def __init__(self, config):
        super().__init__(config)
        self._dlib_version: str | None = None

    def load(self) -> None:
        import dlib

        self._dlib_version = dlib.__version__
        upsample = self.settings["upsample"]
        if self.config.model == HOG_FACE:
            hog = dlib.get_frontal_face_detector()
            threshold = self.settings["adjust_threshold"]

            def detect(rgb: np.ndarray) -> list[Detection]:
                rects, scores, _ = hog.run(rgb, upsample, threshold)
                return [((r.left(), r.top(), r.right(), r.bottom()), s) for r, s in zip(rects, scores)]

            self.loaded_revision = f"dlib {dlib.__version__} get_frontal_face_detector"
        else:
            path = mmod_weights()
            cnn = dlib.cnn_face_detection_model_v1(str(path))

            def detect(rgb: np.ndarray) -> list[Detection]:
                return [((d.rect.left(), d.rect.top(), d.rect.right(), d.rect.bottom()), d.confidence)
                        for d in cnn(rgb, upsample)]

            self.loaded_revision = f"dlib {dlib.__version__} {file_fingerprint(path)}"
        self._detect = detect

    def params(self) -> dict[str, Any]:
        return {**self.config.params, **self.settings}

    def libraries(self) -> dict[str, str]:
        return {"dlib": self._dlib_version} if self._dlib_version else {}

    def predict(self, image: Image.Image, prompt: str, task: str) -> Prediction:
        import numpy as np

        if self._detect is None:
            raise RuntimeError("dlib: load() was not called")
        rgb = np.ascontiguousarray(np.asarray(image.convert("RGB")))
        width, height = image.size
        return boxes_prediction([Box(xyxy=[float(max(0, left)), float(max(0, top)), float(min(width, right)),
                                           float(min(height, bottom))], label=self.detector.label, score=round(float(score), 4))
                                 for (left, top, right, bottom), score in self._detect(rgb)])
