"""Short-answer graders: yes-no, number, choice, list, regex (exact lives in base).

Each reads the answer through ``extract`` (lenient about wrapping) and then judges the value
strictly: an answer that says both yes and no is neither, one that names two choices names none.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from ..catalog.schemas import Structured
from .base import Verdict, grader
from .extract import (answer_text, answering_parts, as_text, concluding_parts, drop_intro_line, extract_answer,
                      normalise, states_phrase)
from .numbers import key_unit, read_number, readings
from .options import read_options

_WORD = re.compile(r"[^\W_]+")
_BULLET = re.compile(r"^(?:[-*\u2022]|\d+[.)])\s+")
_HEDGE_WORDS = r"(?:possibly|perhaps|maybe|probably|might|could|likely)"
# A hedge does not commit: a parenthesis with a hedge word in it, or ", possibly X" / "and maybe X"
# up to the end of the clause.
_HEDGE = re.compile(rf"\((?=[^)]*\b{_HEDGE_WORDS}\b)[^)]*\)|[,;]?\s*(?:\b(?:and|or|but)\s+)?\b(?:possibly|perhaps|maybe)\b[^,.;()]*")
# A choice named after a negation, up to the end of the clause, is ruled out, not named:
# "bolts. There are no screws or nuts visible."
_NEGATED = re.compile(r"\b(?:no|not|neither|nor|without)\b[^,.;:!?]*")


def _verdict(passed: bool, reason: str) -> Verdict:
    return Verdict(passed, float(passed), reason)


def read_yes_no(output: str) -> str | None:
    """"yes", "no", or None when the answer says neither or both ("Yes, there is no crack"); when
    reasoning says both, its conclusion decides ("… so the final verdict: **No**")."""
    answer = extract_answer(output)
    if isinstance(answer, bool):
        return "yes" if answer else "no"
    text = as_text(answer)
    for part in (text, *concluding_parts(text)):
        said = {w for w in _WORD.findall(normalise(part)) if w in ("yes", "no")}
        if len(said) == 1:
            return said.pop()
        if not said:
            return None
    return None


@grader("yes-no")
def yes_no(expected: Any, output: str, structured: Structured | None, options: dict) -> Verdict:
    """expected "yes" or "no"; the answer must say that one and not the other."""
    read_options("yes-no", options)
    want = normalise(expected)
    if want not in ("yes", "no"):
        raise ValueError(f"grader 'yes-no': expected must be yes or no, not {expected!r}")
    got = read_yes_no(output)
    if got is None:
        return _verdict(False, f"expected {want}; the answer says neither yes nor no, or both: {answer_text(output)[:80]!r}")
    return _verdict(got == want, f"expected {want}, got {got}")


@grader("number")
def number(expected: Any, output: str, structured: Structured | None, options: dict) -> Verdict:
    """expected a number (or text stating one, "$2.30", "32,500 kg"); the answer must state one
    number within ``tolerance`` (default 0) of it: in the whole answer, or, when it states several,
    in its conclusion or its opening sentence (``answering_parts``). With a unit in the expected
    answer, numbers in the answer written with that unit are the candidates when there are any."""
    opts = read_options("number", options, tolerance=0)
    if isinstance(expected, bool):
        raise ValueError(f"grader 'number': expected {expected!r} is not a number")
    want, problem = (float(expected), "") if isinstance(expected, (int, float)) else read_number(str(expected))
    if want is None:
        raise ValueError(f"grader 'number': expected {expected!r} is not one number ({problem})")
    text = answer_text(output)
    unit = "" if isinstance(expected, (int, float)) else key_unit(str(expected))
    got, problem = readings(text, unit)
    for part in ([] if got else answering_parts(text)):
        got, _ = readings(part, unit)
        if got:
            break
    if not got:
        return _verdict(False, f"expected {want:g}; {problem}")
    close = [g for g in got if abs(g - want) <= float(opts.tolerance) + 1e-9 * max(1.0, abs(want))]
    within = f" (tolerance {opts.tolerance})" if opts.tolerance else ""
    return _verdict(bool(close), f"expected {want:g}{within}, got {(close or sorted(got))[0]:g}")


def named_choices(text: str, choices: list[str]) -> set[str]:
    """The choices ``text`` commits to, as whole words; a choice inside a longer named one ("right"
    in "right side up") does not count on its own, nor does one only named in a hedge ("bolts (and
    possibly screws)", "bolts, maybe nuts") or ruled out ("no screws or nuts")."""
    text = _NEGATED.sub(" ", _HEDGE.sub(" ", normalise(text)))
    spans: list[tuple[int, int, str]] = []
    for choice in choices:
        key = normalise(choice)
        spans += [(m.start(), m.end(), key) for m in re.finditer(rf"(?<!\w){re.escape(key)}(?!\w)", text)]
    return {key for start, end, key in spans
            if not any(s <= start and end <= e and (e - s) > (end - start) for s, e, _ in spans)}


@grader("choice")
def choice(expected: Any, output: str, structured: Structured | None, options: dict) -> Verdict:
    """expected one of ``choices``; the answer must name exactly one choice, and that one (in the
    whole answer or, when reasoning names several, in its conclusion)."""
    opts = read_options("choice", options, choices=[])
    keys = [normalise(c) for c in opts.choices]
    want = normalise(expected)
    if want not in keys:
        raise ValueError(f"grader 'choice': expected {expected!r} is not one of the choices {opts.choices!r}")
    text = answer_text(output)
    named = named_choices(text, opts.choices)
    for part in (concluding_parts(text) if len(named) > 1 else []):
        if len(named_choices(part, opts.choices)) == 1:
            named = named_choices(part, opts.choices)
            break
    if len(named) != 1:
        which = "none" if not named else "several (" + ", ".join(sorted(named)) + ")"
        return _verdict(False, f"expected {want}; the answer names {which} of the choices")
    got = named.pop()
    return _verdict(got == want, f"expected {want}, got {got}")


_LIST_ITEM_WORDS = 6  # an item of a list line is a name, not a clause of prose


def _list_line(line: str) -> list[str] | None:
    """The items of one line that is a comma- or semicolon-separated list of short names, after an
    intro clause ending in ": " ("The tags are: Coffee, Food"), else None."""
    items = [item.strip() for item in re.split(r"[,;]", line.rpartition(": ")[2])]
    if len(items) < 2 or not all(0 < len(item.split()) <= _LIST_ITEM_WORDS for item in items):
        return None
    return items


def list_items(value: Any) -> list[str]:
    """A list answer's items in ``normalise`` form: a JSON list; else, when one line is a comma-
    separated list of short names, its items (an intro before it, a note after it are prose);
    else one item per line when there are several lines (an intro line ending in ":" is not an
    item), else comma- or semicolon-separated; bullets, numbering and "and" removed."""
    if isinstance(value, list):
        items = [as_text(v) for v in value]
    else:
        lines = [line for line in drop_intro_line(as_text(value)).splitlines() if line.strip()]
        listed = [found for line in lines if (found := _list_line(_BULLET.sub("", line.strip()))) is not None]
        if len(listed) == 1:
            items = listed[0]
        elif len(lines) > 1:
            items = lines
        else:
            items = re.split(r"[,;]", lines[0] if lines else "")
    cleaned = [re.sub(r"^and\s+", "", normalise(_BULLET.sub("", item.strip()))) for item in items]
    return [item for item in cleaned if item]


def _same_item(got: str, want: str) -> bool:
    """An item states the expected one: the same, or with words around it ("run Llama 3.2 Vision"
    for "Llama 3.2 Vision"); another or a negated name is not."""
    return got == want or states_phrase(got, want)


@grader("list")
def list_(expected: Any, output: str, structured: Structured | None, options: dict) -> Verdict:
    """expected a list of strings (a string is split like an answer); the answer must hold the same
    items, in the same order when ``ordered`` (default true). Score: the share of items matched."""
    opts = read_options("list", options, ordered=True)
    want = list_items(expected)
    if not want:
        raise ValueError(f"grader 'list': expected {expected!r} has no items")
    got = list_items(extract_answer(output))
    if opts.ordered:
        hits = sum(_same_item(a, b) for a, b in zip(got, want))
        passed = len(got) == len(want) and hits == len(want)
    else:
        hits = sum((Counter(got) & Counter(want)).values())
        passed = Counter(got) == Counter(want)
    score = hits / max(len(got), len(want))
    order = "in order" if opts.ordered else "in any order"
    return Verdict(passed, 1.0 if passed else score,
                   f"{hits} of {len(want)} expected items matched {order}; got {len(got)}: {', '.join(got)[:120]}")


@grader("regex")
def regex(expected: Any, output: str, structured: Structured | None, options: dict) -> Verdict:
    """The whole extracted answer (with or without a trailing period) must match ``pattern``."""
    opts = read_options("regex", options, pattern=None)
    if not isinstance(opts.pattern, str):
        raise ValueError("grader 'regex': option 'pattern' (a regular expression) is required")
    try:
        pattern = re.compile(opts.pattern)
    except re.error as e:
        raise ValueError(f"grader 'regex': invalid pattern {opts.pattern!r}: {e}") from None
    text = answer_text(output).strip()
    passed = any(pattern.fullmatch(t) for t in (text, text.removesuffix(".")))
    return _verdict(passed, f"{text[:80]!r} {'matches' if passed else 'does not match'} /{opts.pattern}/")
