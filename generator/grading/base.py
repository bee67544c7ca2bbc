"""The grader registry and the one function the site and runner call to grade a record."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Callable

from ..catalog.schemas import Prompt, RunRecord, Structured


@dataclass(frozen=True)
class Verdict:
    passed: bool
    score: float  # 0..1; for pass/fail graders 1.0 or 0.0
    reason: str


GraderFn = Callable[[Any, str, "Structured | None", dict], Verdict]
GRADERS: dict[str, GraderFn] = {}


def grader(name: str):
    def register(fn: GraderFn) -> GraderFn:
        GRADERS[name] = fn
        return fn
    return register


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", str(text)).casefold().strip()
    text = re.sub(r"\s+", " ", text)
    return text.strip(" .!\"'`")


@grader("exact")
def exact(expected: Any, output: str, structured: Structured | None, options: dict) -> Verdict:
    got, want = normalise(output), normalise(expected)
    return Verdict(got == want, float(got == want), f"expected {want!r}, got {got!r}")


def grade_record(prompt: Prompt, record: RunRecord) -> Verdict | None:
    """None for unscored (demo) prompts; a failed verdict for errored records."""
    if not prompt.scored:
        return None
    if record.error is not None or record.output is None:
        return Verdict(False, 0.0, f"error: {record.error or 'no output'}")
    try:
        fn = GRADERS[prompt.grader.name]
    except KeyError:
        raise ValueError(f"unknown grader {prompt.grader.name!r}; known: {', '.join(sorted(GRADERS))}") from None
    return fn(prompt.expected, record.output, record.structured, prompt.grader.options)
