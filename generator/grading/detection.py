"""Graders over a record's structured boxes: detection (IoU matching) and count-from-boxes.

Both read ``structured.boxes`` (the runner's normalised pixels), never the raw text: parsing a
model's box syntax is the adapter's job, in one place.
"""

from __future__ import annotations

from typing import Any

from ..catalog.schemas import Structured
from .base import Verdict, grader
from .boxes import expected_boxes, match_boxes
from .extract import normalise
from .options import read_options


# The detection grader's options and defaults; the site's galleries read them too, to show the same matching.
DETECTION_DEFAULTS = {"iou": 0.5, "min_precision": 0.5, "min_recall": 0.5, "ignore_labels": False}


@grader("detection")
def detection(expected: Any, output: str, structured: Structured | None, options: dict) -> Verdict:
    """Passed when precision and recall of the one-to-one matching reach their minimums; score = F1."""
    opts = read_options("detection", options, **DETECTION_DEFAULTS)
    truth = expected_boxes(expected)
    predicted = structured.boxes if structured is not None else []
    matching = match_boxes(predicted, truth, float(opts.iou), bool(opts.ignore_labels))
    passed = matching.precision >= opts.min_precision and matching.recall >= opts.min_recall
    reason = (f"matched {len(matching.matches)} of {len(truth)} expected boxes with {len(predicted)} predicted "
              f"at IoU >= {opts.iou}: precision {matching.precision:.2f}, recall {matching.recall:.2f}")
    if structured is None:
        reason += " (the record has no structured boxes)"
    return Verdict(passed, matching.f1, reason)


@grader("count-from-boxes")
def count_from_boxes(expected: Any, output: str, structured: Structured | None, options: dict) -> Verdict:
    """The number of structured boxes (with ``label``, or all) within ``tolerance`` of expected."""
    opts = read_options("count-from-boxes", options, label=None, tolerance=0)
    if isinstance(expected, bool) or not isinstance(expected, int):
        raise ValueError(f"grader 'count-from-boxes': expected must be an integer, not {expected!r}")
    boxes = structured.boxes if structured is not None else []
    if opts.label is not None:
        boxes = [b for b in boxes if normalise(b.label) == normalise(opts.label)]
    passed = abs(len(boxes) - expected) <= opts.tolerance
    what = f"{opts.label!r} boxes" if opts.label is not None else "boxes"
    within = f" (tolerance {opts.tolerance})" if opts.tolerance else ""
    return Verdict(passed, float(passed), f"expected {expected} {what}{within}, counted {len(boxes)}")
