"""Box metrics: IoU and one-to-one matching of predicted to expected boxes, shared by the
detection graders and the site's galleries (``generator.site.overlays``), and COCO-style mean
average precision (tested, but no page shows it yet).

Pure Python on ``Box`` objects (original-image pixels ``[x1, y1, x2, y2]``), so the site can
compute them at build time without the runner's dependencies.

Labels: two boxes may match when their labels are equal after ``normalise`` or when either has
no label (a class-agnostic detector); ``ignore_labels`` matches any two boxes.

mAP follows COCO: per label, predictions across all images are taken in descending score order
(a box without a score counts as 1.0, keeping the model's own order), each is a true positive if
it overlaps a still-unmatched expected box of its image at the IoU threshold (the best such box),
AP is the 101-point interpolated area under the precision-recall curve, and mAP averages over
labels with at least one expected box and over IoU thresholds 0.50, 0.55, ..., 0.95. For mAP the
labels are the categories (a prediction counts only for its own label): rank a class-agnostic
model with ``ignore_labels=True``.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate
from typing import Any, Iterable, Sequence

from pydantic import ValidationError

from ..catalog.schemas import Box
from .extract import normalise

COCO_THRESHOLDS = tuple(round(0.5 + 0.05 * i, 2) for i in range(10))


def iou(a: Sequence[float], b: Sequence[float]) -> float:
    """Intersection over union of two ``[x1, y1, x2, y2]`` boxes; 0 for empty or inverted boxes."""
    ix = min(a[2], b[2]) - max(a[0], b[0])
    iy = min(a[3], b[3]) - max(a[1], b[1])
    if ix <= 0 or iy <= 0:
        return 0.0
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def expected_boxes(expected: Any, grader_name: str = "detection") -> list[Box]:
    """The ``{"boxes": [{"xyxy": [...], "label": ...}]}`` of a detection prompt as Box objects."""
    if not isinstance(expected, dict) or not isinstance(expected.get("boxes"), list):
        raise ValueError(f"grader {grader_name!r}: expected must be {{'boxes': [{{'xyxy': [x1, y1, x2, y2], 'label': ...}}]}}")
    try:
        return [Box.model_validate(box) for box in expected["boxes"]]
    except ValidationError as e:
        raise ValueError(f"grader {grader_name!r}: invalid expected box: {e.errors()[0]['msg']}") from None


@lru_cache(maxsize=4096)
def _label(label: str | None) -> str:
    """``normalise`` of a box label, memoised: matching compares every predicted box with every expected one."""
    return normalise(label)


def labels_agree(a: Box, b: Box, ignore_labels: bool = False) -> bool:
    return ignore_labels or not a.label or not b.label or _label(a.label) == _label(b.label)


@dataclass(frozen=True)
class Match:
    predicted: int  # index into the predicted boxes
    expected: int  # index into the expected boxes
    iou: float


@dataclass(frozen=True)
class Matching:
    """A one-to-one matching; precision and recall count an empty side as perfect (0/0 = 1)."""

    matches: list[Match]
    predicted_count: int
    expected_count: int

    @property
    def unmatched_predicted(self) -> list[int]:
        used = {m.predicted for m in self.matches}
        return [i for i in range(self.predicted_count) if i not in used]

    @property
    def unmatched_expected(self) -> list[int]:
        used = {m.expected for m in self.matches}
        return [i for i in range(self.expected_count) if i not in used]

    @property
    def precision(self) -> float:
        return len(self.matches) / self.predicted_count if self.predicted_count else 1.0

    @property
    def recall(self) -> float:
        return len(self.matches) / self.expected_count if self.expected_count else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def match_boxes(predicted: Sequence[Box], expected: Sequence[Box], iou_threshold: float = 0.5,
                ignore_labels: bool = False) -> Matching:
    """Greedy one-to-one matching, highest IoU first, of pairs at or above ``iou_threshold`` whose
    labels agree. Each Match carries its IoU, so a gallery can show which boxes matched."""
    pairs = sorted(((iou(p.xyxy, e.xyxy), i, j) for i, p in enumerate(predicted) for j, e in enumerate(expected)
                    if labels_agree(p, e, ignore_labels)), key=lambda t: (-t[0], t[1], t[2]))
    used_p: set[int] = set()
    used_e: set[int] = set()
    matches = []
    for overlap, i, j in pairs:
        if overlap < iou_threshold or overlap == 0:
            break
        if i not in used_p and j not in used_e:
            used_p.add(i)
            used_e.add(j)
            matches.append(Match(i, j, overlap))
    return Matching(sorted(matches, key=lambda m: m.predicted), len(predicted), len(expected))


def _average_precision(ranked: list[tuple[int, list[tuple[float, int]]]], total: int, threshold: float) -> float:
    """AP of predictions, best first, against one label's ``total`` expected boxes: each prediction
    as its image and its overlaps with that image's expected boxes, (IoU, box index) best first
    (computed once for all thresholds), so each takes the best one still free."""
    taken: dict[int, set[int]] = defaultdict(set)
    precision, recall, tp = [], [], 0
    for n, (image, overlaps) in enumerate(ranked, 1):
        used = taken[image]
        for overlap, j in overlaps:
            if j not in used:  # the best free one
                if overlap >= threshold and overlap > 0:
                    used.add(j)
                    tp += 1
                break
        precision.append(tp / n)
        recall.append(tp / total)
    precision = list(accumulate(reversed(precision), max))[::-1]  # the envelope: monotone in recall
    # recall never falls, so the first point reaching each level is a bisection
    samples = [precision[i] if (i := bisect_left(recall, point / 100)) < len(recall) else 0.0 for point in range(101)]
    return sum(samples) / len(samples)


@dataclass(frozen=True)
class MeanAP:
    map50_95: float  # COCO mAP@[.50:.95]
    map50: float
    per_label: dict[str, float]  # AP@[.50:.95] per normalised label ("" when labels are ignored)


def mean_average_precision(images: Iterable[tuple[Sequence[Box], Sequence[Box]]],
                           ignore_labels: bool = False) -> MeanAP | None:
    """COCO-style mAP over images given as (predicted, expected) pairs; None without any expected box."""
    truths: dict[str, dict[int, list[Box]]] = defaultdict(lambda: defaultdict(list))
    preds: dict[str, list[tuple[float, int, int, Box]]] = defaultdict(list)
    for image, (predicted, expected) in enumerate(images):
        for box in expected:
            truths["" if ignore_labels else _label(box.label)][image].append(box)
        for order, box in enumerate(predicted):
            score = 1.0 if box.score is None else box.score
            preds["" if ignore_labels else _label(box.label)].append((score, image, order, box))
    if not truths:
        return None
    per_threshold: dict[str, list[float]] = {}
    for label, label_truths in truths.items():
        ranked = [(image, sorted(((iou(box.xyxy, truth.xyxy), j) for j, truth in enumerate(label_truths.get(image, []))),
                                 key=lambda o: (-o[0], o[1])))
                  for _, image, _, box in sorted(preds.get(label, []), key=lambda t: (-t[0], t[1], t[2]))]
        total = sum(len(boxes) for boxes in label_truths.values())
        per_threshold[label] = [_average_precision(ranked, total, t) for t in COCO_THRESHOLDS]
    per_label = {label: sum(aps) / len(aps) for label, aps in sorted(per_threshold.items())}
    map50 = sum(aps[0] for aps in per_threshold.values()) / len(per_threshold)
    return MeanAP(sum(per_label.values()) / len(per_label), map50, per_label)
