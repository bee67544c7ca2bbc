"""Boxes drawn over a prompt's image: the ground truth, one layer per model, and which boxes matched.

Galleries and prompt pages draw these as inline SVG on the server, so every box is on the page
without JavaScript (scripts only toggle and zoom). Geometry stays in original-image pixels — the
SVG's viewBox is the image size — so boxes sit on their objects at any display size.

Matching reuses the detection grader's own ``match_boxes`` with the prompt's grader options, so
the pairs a gallery shows are exactly the pairs the verdict was computed from.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from ..catalog.schemas import Box, Prompt, RunRecord
from ..grading.boxes import MeanAP, expected_boxes, match_boxes, mean_average_precision
from ..grading.detection import DETECTION_DEFAULTS
from ..grading.options import read_options

# Tasks whose answer is the boxes: each model's panel gets its own copy of the image. For the
# others (OCR, captions, VQA) the panel is the text, so the texts line up across panels.
BOX_TASKS = frozenset({"object-detection", "open-vocabulary-detection", "phrase-grounding", "region-proposal",
                       "instance-segmentation"})


@dataclass(frozen=True)
class Drawn:
    """One rectangle as the template draws it; ``iou`` is set when it matched its counterpart."""

    x: float
    y: float
    w: float
    h: float
    label: str
    score: float | None = None
    iou: float | None = None

    @property
    def text(self) -> str:
        score = f" {self.score:.2f}" if self.score is not None else ""
        matched = f" · matched, IoU {self.iou:.2f}" if self.iou is not None else ""
        return f"{self.label or 'box'}{score}{matched}"


@dataclass(frozen=True)
class Layer:
    """One model's boxes on one page, in the colour that model has on that page."""

    model: str
    name: str
    colour: int
    boxes: list[Drawn]


@dataclass(frozen=True)
class Pair:
    predicted: str
    expected: str
    iou: float


@dataclass
class MatchSummary:
    """What a detection prompt's panel says about the boxes: matched pairs, false positives, misses."""

    threshold: float
    pairs: list[Pair]
    predicted: int
    expected: int
    missed: list[str] = field(default_factory=list)

    @property
    def false_positives(self) -> int:
        return self.predicted - len(self.pairs)

    @property
    def missed_text(self) -> str:
        return count_labels(self.missed)


def count_labels(labels: list[str]) -> str:
    """'coin ×24, square': how many of each label, most frequent first (labels are not pluralised)."""
    counts = Counter(label or "box" for label in labels)
    return ", ".join(label if n == 1 else f"{label} ×{n}"
                     for label, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _drawn(xyxy: list[float], label: str, score: float | None, iou: float | None = None) -> Drawn:
    x1, y1, x2, y2 = xyxy
    return Drawn(x1, y1, max(0.0, x2 - x1), max(0.0, y2 - y1), label, score, iou)


def _truth_boxes(prompt: Prompt) -> list[Box] | None:
    """Expected boxes of a detection-graded prompt, else None (the grader validated them already)."""
    if prompt.grader is None or prompt.grader.name != "detection":
        return None
    try:
        return expected_boxes(prompt.expected)
    except ValueError:
        return None


def truth(prompt: Prompt) -> list[Drawn]:
    """Ground truth to draw: a detection prompt's boxes, or an OCR prompt's line boxes."""
    boxes = _truth_boxes(prompt)
    if boxes is not None:
        return _largest_first([_drawn(b.xyxy, b.label, None) for b in boxes])
    e = prompt.expected
    lines = e.get("lines") if isinstance(e, dict) else None
    if isinstance(lines, list):
        return _largest_first([_drawn(line["xyxy"], str(line.get("text", "")), None) for line in lines
                               if isinstance(line, dict) and isinstance(line.get("xyxy"), list) and len(line["xyxy"]) == 4])
    return []


def layer(prompt: Prompt, record: RunRecord | None) -> tuple[list[Drawn], MatchSummary | None]:
    """A record's boxes (detections, then OCR lines that have boxes) and, for detection prompts,
    the grader's matching against the ground truth (a record without boxes matched nothing)."""
    structured = record.structured if record is not None else None
    boxes = structured.boxes if structured is not None else []
    lines = [ln for ln in structured.lines if ln.xyxy] if structured is not None else []
    expected = _truth_boxes(prompt)
    summary, ious = None, {}
    if expected is not None:
        opts = read_options("detection", prompt.grader.options, **DETECTION_DEFAULTS)
        matching = match_boxes(boxes, expected, float(opts.iou), bool(opts.ignore_labels))
        ious = {m.predicted: m.iou for m in matching.matches}
        name = lambda b: b.label or "box"  # noqa: E731
        summary = MatchSummary(float(opts.iou), [Pair(name(boxes[m.predicted]), name(expected[m.expected]), m.iou)
                                                 for m in matching.matches],
                               len(boxes), len(expected), [name(expected[i]) for i in matching.unmatched_expected])
    drawn = [_drawn(b.xyxy, b.label, b.score, ious.get(i)) for i, b in enumerate(boxes)]
    drawn += [_drawn(ln.xyxy, ln.text, ln.score) for ln in lines]
    return _largest_first(drawn), summary


def _largest_first(drawn: list[Drawn]) -> list[Drawn]:
    """Drawn later is on top: small boxes after large ones stay reachable by hover inside a large one."""
    return sorted(drawn, key=lambda d: -d.w * d.h)


__all__ = ["BOX_TASKS", "Drawn", "Layer", "MatchSummary", "Pair", "count_labels", "layer", "truth"]


@dataclass(frozen=True)
class ModelMAP:
    """COCO mAP of one model's stored boxes over a task's prompts with ground-truth boxes."""

    model: str
    source: str
    images: int
    scores: MeanAP


def task_map(prompts: list[tuple[str, Prompt]], records: dict, models: list[str]) -> list[ModelMAP]:
    """mAP@[.50:.95] and mAP@.50 per (model, source) over the detection-graded prompts each answered.

    ``prompts`` are (suite id, prompt); ``records`` is Results.records, keyed (suite, model, source,
    prompt). A record with an error counts as no boxes. Labels are matched as the grader matches
    them, so a detector that only knows faces scores 0 on coins: the per-label AP says which."""
    truths = {(suite, p.id): (p, boxes) for suite, p in prompts if (boxes := _truth_boxes(p))}
    if not truths:
        return []
    found: dict[tuple[str, str], dict[tuple[str, str], tuple[list[Box], list[Box]]]] = {}
    for (suite, model, source, prompt_id), record in records.items():
        if (suite, prompt_id) in truths and model in models:
            predicted = record.structured.boxes if record.structured is not None else []
            found.setdefault((model, source), {})[(suite, prompt_id)] = (predicted, truths[(suite, prompt_id)][1])
    ignore = all(bool(read_options("detection", p.grader.options, **DETECTION_DEFAULTS).ignore_labels)
                 for p, _ in truths.values())
    out = []
    for (model, source), by_prompt in found.items():
        images = [by_prompt[key] for key in sorted(by_prompt)]  # a fixed image order: ties rank alike
        scores = mean_average_precision(images, ignore_labels=ignore)
        if scores is not None:
            out.append(ModelMAP(model, source, len(images), scores))
    return sorted(out, key=lambda m: (-m.scores.map50_95, m.model, m.source))
