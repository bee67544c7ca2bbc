"""Graders: pure functions of (expected, raw output, structured output, options) -> Verdict.

The site grades at build time from stored raw outputs, so improving a grader re-scores every
past run without re-running a model.
"""

from __future__ import annotations

from .base import GRADERS, Verdict, grade_record

__all__ = ["GRADERS", "Verdict", "grade_record"]
