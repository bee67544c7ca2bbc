"""RapidOCR (PP-OCR detection + recognition as ONNX models shipped in the `rapidocr` wheel).

RapidOCR returns one quadrilateral per detected text region (four corner points, possibly
rotated); the structured lines keep each region with its axis-aligned box in original-image
pixels, which is what the site draws and the graders compare. The detector may split one printed
line into several regions (wide word gaps), so the raw output text is put in reading order:
regions on the same row joined by spaces, rows by newlines. The card's `runner.options` are passed to RapidOCR as its
own parameters (e.g. `Det.box_thresh: 0.5`, `Global.text_score: 0.5`) and are part of the cache
key, since they change what is read.
"""

from __future__ import annotations

from importlib import metadata
from typing import Any

from PIL import Image

from ...catalog.schemas import Structured, TextLine
from ..adapter import PackagedOCR, Prediction
from ..options import Option

QUIET = {"Global.log_level": "error"}  # RapidOCR logs every model path at info level
# RapidOCR's own parameters (its config.yaml, "Section.key") that change what is read; RapidOCR
# itself would only reject a bad one when loading, after the run had started
OPTIONS = (
    Option("Global.text_score", "float", minimum=0, maximum=1, help="lowest recognition score kept"),
    Option("Global.use_det", "bool"), Option("Global.use_cls", "bool"), Option("Global.use_rec", "bool"),
    Option("Global.min_side_len", "int", minimum=1), Option("Global.max_side_len", "int", minimum=1),
    Option("Global.min_height", "int", minimum=1), Option("Global.width_height_ratio", "float", minimum=0),
    Option("Global.use_vertical_padding", "bool"), Option("Global.return_word_box", "bool"),
    Option("Det.thresh", "float", minimum=0, maximum=1), Option("Det.box_thresh", "float", minimum=0, maximum=1),
    Option("Det.unclip_ratio", "float", minimum=0), Option("Det.limit_side_len", "int", minimum=1),
    Option("Det.limit_type", "str", choices=("min", "max")), Option("Det.max_candidates", "int", minimum=1),
    Option("Det.use_dilation", "bool"), Option("Det.score_mode", "str", choices=("fast", "slow")),
    Option("Cls.cls_thresh", "float", minimum=0, maximum=1),
    *(Option(f"{stage}.{key}", "str", help=f"RapidOCR's {key}")
      for stage in ("Det", "Cls", "Rec") for key in ("lang_type", "model_type", "ocr_version", "model_path")),
)


class RapidOCRAdapter(PackagedOCR):
    name = "rapidocr"
    version = "1"
    requires = ("rapidocr", "onnxruntime")
    options = OPTIONS

    def load(self) -> None:
        import onnxruntime
        from rapidocr import RapidOCR

        onnxruntime.disable_telemetry_events()  # no usage events leave the machine (docs/security.md)
        self.engine = RapidOCR(params={**QUIET, **self.config.options})
        self.loaded_revision = " ".join([f"rapidocr {metadata.version('rapidocr')}", *_model_files(self.engine.cfg)])

    def params(self) -> dict[str, Any]:
        return {**self.config.params, **self.config.options}

    def predict(self, image: Image.Image, prompt: str, task: str) -> Prediction:
        if self.engine is None:
            raise RuntimeError("rapidocr: load() was not called")
        result = self.engine(image)  # a PIL image: RapidOCR converts it to its BGR array itself
        lines = quads_to_lines(result.boxes, result.txts, result.scores)
        return Prediction(output=reading_order(lines), structured=Structured(lines=lines))


def quads_to_lines(boxes, texts, scores) -> list[TextLine]:
    """RapidOCR's (N, 4, 2) corner points, texts and scores -> lines with xyxy boxes.
    No text found comes back as None for all three."""
    import numpy as np

    if boxes is None or texts is None:
        return []
    lines = []
    for quad, text, score in zip(np.asarray(boxes, dtype=float), texts, scores):
        xs, ys = quad[:, 0], quad[:, 1]
        xyxy = [round(float(v), 1) for v in (xs.min(), ys.min(), xs.max(), ys.max())]
        lines.append(TextLine(text=str(text), xyxy=xyxy, score=round(float(score), 4)))
    return lines


def reading_order(lines: list[TextLine]) -> str:
    """Regions grouped into rows (vertical overlap of at least half the shorter region), rows
    top to bottom, regions left to right within a row."""
    rows: list[list[TextLine]] = []
    for line in sorted(lines, key=lambda l: (l.xyxy[1] + l.xyxy[3]) / 2):
        row = rows[-1] if rows else None
        if row is not None and _same_row(row[-1].xyxy, line.xyxy):
            row.append(line)
        else:
            rows.append([line])
    return "\n".join(" ".join(l.text for l in sorted(row, key=lambda l: l.xyxy[0])) for row in rows)


def _same_row(a: list[float], b: list[float]) -> bool:
    overlap = min(a[3], b[3]) - max(a[1], b[1])
    return overlap >= 0.5 * min(a[3] - a[1], b[3] - b[1])


def _model_files(cfg) -> list[str]:
    """File name + sha256 prefix of the detection, classification and recognition models the
    configuration resolves to (RapidOCR's own table of shipped models), or of the files the card
    names with `Det.model_path` and the like."""
    from rapidocr.inference_engine.base import FileInfo, InferSession

    files = []
    for stage in ("Det", "Cls", "Rec"):
        section = cfg[stage]
        if section.get("model_path"):
            files.append(f"{stage.lower()}={section.model_path}")
            continue
        info = InferSession.get_model_url(FileInfo(engine_type=section.engine_type, ocr_version=section.ocr_version,
                                                   task_type=section.task_type, lang_type=section.lang_type,
                                                   model_type=section.model_type))
        files.append(f"{info['model_dir'].rsplit('/', 1)[-1]}@{info['SHA256'][:12]}")
    return files
