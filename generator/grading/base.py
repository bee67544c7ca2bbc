"""The grader registry and the one function the site and runner call to grade a record."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from ..catalog.grader_registry import GRADERS  # filled by @grader below; the schemas read it
from ..catalog.schemas import Prompt, RunRecord, Structured
from .extract import (answering_parts, as_text, extract_answer, is_json, json_leaves, json_value, normalise, same_json,
                      states_phrase, value_key)
from .options import read_options

__all__ = ["GRADERS", "GradingMemo", "Verdict", "grade_record", "grader", "normalise"]


@dataclass(frozen=True)
class Verdict:
    passed: bool
    score: float  # 0..1; for pass/fail graders 1.0 or 0.0
    reason: str


GraderFn = Callable[[Any, str, "Structured | None", dict], Verdict]


def grader(name: str):
    def register(fn: GraderFn) -> GraderFn:
        GRADERS[name] = fn
        return fn
    return register


@grader("exact")
def exact(expected: Any, output: str, structured: Structured | None, options: dict) -> Verdict:
    """The same value after answer extraction, compared in ``value_key`` form (case, wrappers,
    punctuation inside IDs and spaces between letters and digits are form; an expected answer
    without spaces also matches one printed in groups, "JBHU 282862"). JSON answers compare as
    values. The expected value stated as a whole phrase inside prose also passes (``states_phrase``):
    in the whole answer, or, when that also states other values, in its conclusion or opening
    sentence (``answering_parts``); so does a JSON object whose every value is the expected one."""
    read_options("exact", options)
    answer = extract_answer(output)
    want_json = json_value(expected)
    if is_json(want_json):
        got_json = json_value(answer)
        passed = is_json(got_json) and same_json(got_json, want_json)
        got = as_text(got_json if is_json(got_json) else answer)
        return Verdict(passed, float(passed), f"expected JSON {as_text(want_json)}, got {got}")
    want = value_key(expected)
    leaves = json_leaves(answer) if isinstance(answer, (dict, list)) else [as_text(answer)]
    got = [value_key(leaf) for leaf in leaves]
    if got and all(g == want or (" " not in want and g.replace(" ", "") == want) for g in got):
        return Verdict(True, 1.0, f"expected {normalise(expected)!r}, got {normalise(leaves[0])!r}")
    if len(leaves) == 1 and any(states_phrase(part, expected) for part in [leaves[0], *answering_parts(leaves[0])]):
        return Verdict(True, 1.0, f"expected {normalise(expected)!r}, stated inside the answer")
    return Verdict(False, 0.0, f"expected {normalise(expected)!r}, got {normalise(as_text(answer))[:120]!r}")


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


class GradingMemo:
    """``grade_record`` that grades each distinct answer once: for one build's grading pass.

    A grader is a pure function of (grader name, expected, output, structured, options), and a
    catalog repeats answers heavily ("yes", "4", the same box list from every model of a family):
    66 models x 100 prompts hold ~130 distinct ones in 7,300 records. Keys are the text forms of
    those inputs (``repr`` of the YAML values, the structured output's JSON), so two inputs that
    differ in any way, even 1 vs 1.0, are graded apart; a grader that raises is not remembered.
    """

    def __init__(self) -> None:
        self._verdicts: dict[tuple, Verdict] = {}

    def __call__(self, prompt: Prompt, record: RunRecord) -> Verdict | None:
        if not prompt.scored or record.error is not None or record.output is None:
            return grade_record(prompt, record)
        key = (prompt.grader.name, repr(prompt.expected), repr(prompt.grader.options), record.output,
               None if record.structured is None else record.structured.model_dump_json())
        verdict = self._verdicts.get(key)
        if verdict is None:
            verdict = self._verdicts[key] = grade_record(prompt, record)
        return verdict
