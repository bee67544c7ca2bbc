"""Graders: pure functions of (expected, raw output, structured output, options) -> Verdict.

The site grades at build time from stored raw outputs, so improving a grader re-scores every
past run without re-running a model. Importing this package registers every grader.
"""

from __future__ import annotations

from . import answers, captions, detection, ocr  # noqa: F401  (each module registers its graders)
from .base import GRADERS, GradingMemo, Verdict, grade_record
from .boxes import Match, Matching, MeanAP, match_boxes, mean_average_precision

__all__ = ["GRADERS", "GradingMemo", "Match", "Matching", "MeanAP", "Verdict", "grade_record", "match_boxes",
           "mean_average_precision"]
