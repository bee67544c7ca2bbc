"""The grader registry and the one function the site and runner call to grade a record."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from ..catalog.schemas import Prompt, RunRecord, Structured
from .extract import as_text, extract_answer, is_json, json_value, normalise, same_json
from .options import read_options

__all__ = ["GRADERS", "Verdict", "grade_record", "grader", "normalise"]


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


@grader("exact")
def exact(expected: Any, output: str, structured: Structured | None, options: dict) -> Verdict:
    """Equal after answer extraction and ``normalise``. JSON answers compare as values; an expected
    answer without spaces also matches one that differs only by spaces (IDs printed in groups,
    "JBHU 282862" for "JBHU282862")."""
    read_options("exact", options)
    answer = extract_answer(output)
    want_json = json_value(expected)
    if is_json(want_json):
        got_json = json_value(answer)
        passed = is_json(got_json) and same_json(got_json, want_json)
        got = as_text(got_json if is_json(got_json) else answer)
        return Verdict(passed, float(passed), f"expected JSON {as_text(want_json)}, got {got}")
    got, want = normalise(as_text(answer)), normalise(expected)
    passed = got == want or (" " not in want and got.replace(" ", "") == want)
    return Verdict(passed, float(passed), f"expected {want!r}, got {got!r}")


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
