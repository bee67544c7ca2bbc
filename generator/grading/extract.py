"""Answer extraction: what a person reading a model's raw output would take as its answer.

Models wrap answers in ways that carry no meaning: a JSON object ``{"answer": "no"}``, a
Markdown code fence, a lead-in ("The answer is 12"), bold, quotes, a trailing period, curly
instead of straight quotes. Those are peeled off here, once, so every grader is lenient in the
same way. Nothing here ever changes the *value* of an answer: a grader decides whether the value
is right, strictly.
"""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

_QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
                         "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'"})
_FENCE = re.compile(r"```(?:[\w+.-]*[ \t]*\n)?(.*?)```", re.S)
_LEAD_IN = re.compile(r"\b(?:final\s+)?answer\s*(?:is\s*:?|:)\s*", re.I)
_SENTENCE_END = re.compile(r"(?<![.!])[.!]$")
_WRAPPERS = ("**", "__", "*", "_", '"', "'", "`")


def straighten_quotes(text: str) -> str:
    """Typographic quotes and primes as ASCII: “12.3” and "12.3" are the same answer."""
    return text.translate(_QUOTES)


def normalise(text: Any) -> str:
    """Compare-form of a short answer: NFKC, straight quotes, case-folded, single spaces, without
    surrounding quotes or backticks and without one sentence-final "." or "!". A run of dots is
    content, not punctuation ("...4.8..." is a Sudoku row), so it is kept, as are leading dots."""
    text = straighten_quotes(unicodedata.normalize("NFKC", str(text))).casefold()
    text = re.sub(r"\s+", " ", text).strip(" \"'`")
    return _SENTENCE_END.sub("", text).strip(" \"'`")


def strip_fences(text: str) -> str:
    """The content of the one Markdown code fence in ``text``, or ``text`` itself when there is
    none or several (several blocks are not one answer)."""
    blocks = _FENCE.findall(text)
    return blocks[0].strip() if len(blocks) == 1 else text.strip()


_NOT_JSON = object()


def parse_json(text: str) -> Any:
    """``text`` as a JSON object or array (also with curly quotes or one trailing period), else
    the ``_NOT_JSON`` sentinel. Bare JSON scalars stay text: "4" is an answer, not a wrapper."""
    text = text.strip()
    if not text.startswith(("{", "[")):
        return _NOT_JSON
    for candidate in (text, text.removesuffix("."), straighten_quotes(text)):
        try:
            return json.loads(candidate)
        except json.JSONDecodeError:
            continue
    return _NOT_JSON


def unwrap(value: Any) -> Any:
    """``{"answer": x}`` (any case) or a one-key object ``{"text": x}`` -> ``x``; anything else as is."""
    if isinstance(value, dict):
        keys = [k for k in value if str(k).casefold() == "answer"]
        if len(keys) == 1:
            return value[keys[0]]
        if len(value) == 1:
            return next(iter(value.values()))
    return value


def unwrapped(output: str) -> Any:
    """The output without fences and JSON wrappers: a str, or the JSON value inside the wrapper.

    Used as is for long text (OCR, captions), where a lead-in cannot be told from content."""
    text = strip_fences(output or "")
    value = parse_json(text)
    return text if value is _NOT_JSON else unwrap(value)


def _strip_short_answer(text: str) -> str:
    parts = _LEAD_IN.split(text)
    text = parts[-1].strip() if len(parts) > 1 and parts[-1].strip() else text.strip()
    changed = True
    while changed:
        changed = False
        for mark in _WRAPPERS:
            inner = text[len(mark):-len(mark)]
            if text.startswith(mark) and text.endswith(mark) and inner.strip() and mark not in inner:
                text, changed = inner.strip(), True
    return text


def extract_answer(output: str) -> Any:
    """The answer of a short-answer prompt: ``unwrapped`` plus, for text, the part after a lead-in
    ("The answer is 12", "Answer: yes") without bold or quotes around it."""
    value = unwrapped(output)
    return _strip_short_answer(value) if isinstance(value, str) else value


def as_text(value: Any) -> str:
    """A JSON value as answer text: strings as is, lists of scalars comma-joined, the rest as JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(not isinstance(v, (list, dict)) for v in value):
        return ", ".join(as_text(v) for v in value)
    return json.dumps(value, ensure_ascii=False)


def answer_text(output: str) -> str:
    return as_text(extract_answer(output))


def json_value(value: Any) -> Any:
    """``value`` (or the JSON text it holds) as an object or array, else the ``_NOT_JSON`` sentinel."""
    if isinstance(value, (dict, list)):
        return value
    return parse_json(value) if isinstance(value, str) else _NOT_JSON


def is_json(value: Any) -> bool:
    return value is not _NOT_JSON


def same_json(a: Any, b: Any) -> bool:
    """Structural equality with scalars compared in ``normalise`` form ("None." == "none", 12 == "12")."""
    if isinstance(a, dict) and isinstance(b, dict):
        keys_a = {normalise(k): v for k, v in a.items()}
        keys_b = {normalise(k): v for k, v in b.items()}
        return keys_a.keys() == keys_b.keys() and all(same_json(keys_a[k], keys_b[k]) for k in keys_a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_json(x, y) for x, y in zip(a, b))
    if isinstance(a, (dict, list)) or isinstance(b, (dict, list)):
        return False
    return normalise(as_text(a)) == normalise(as_text(b))
