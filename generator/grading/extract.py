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
_BOXED = re.compile(r"\\boxed\{([^{}]*)\}")
_TRAILING_OBJECT = re.compile(r"(\{[^{}]*\})[\s.]*\Z")
_BOLD = re.compile(r"\*\*([^*\n]+?)\*\*")
# A sentence ends at . ! or ? followed by a space and a new sentence, or at a line break; the dot
# in "3.5" or "Ms. Swift" (lower-case next) does not end one.
_SENTENCES = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9*\"'(])|\n+")


def straighten_quotes(text: str) -> str:
    """Typographic quotes and primes as ASCII: “12.3” and "12.3" are the same answer."""
    return text.translate(_QUOTES)


def normalise(text: Any) -> str:
    """Compare-form of a short answer: NFKC, straight quotes, case-folded, single spaces, without
    surrounding quotes or backticks and without one sentence-final "." or "!". A run of dots is
    content, not punctuation ("...4.8..." is a Sudoku row), so it is kept, as are leading dots.
    A mark after a digit is a unit, not a quote: ``16'`` (feet) keeps its mark."""
    text = straighten_quotes(unicodedata.normalize("NFKC", str(text))).casefold()
    text = _strip_quotes(re.sub(r"\s+", " ", text))
    return _strip_quotes(_SENTENCE_END.sub("", text))


def _strip_quotes(text: str) -> str:
    """``text`` without surrounding spaces, quotes and backticks; a closing ' or " right after a
    digit stays unless the text also opens with that quote (then it closes a quotation)."""
    text = text.strip()
    opening = text[:1]
    text = text.lstrip(" \"'`")
    while text and text[-1] in " \"'`":
        if text[-1] in "'\"" and len(text) > 1 and text[-2].isdigit() and opening != text[-1]:
            break
        text = text[:-1]
    return text


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
    """The answer of a short-answer prompt: ``unwrapped``; for text after reasoning, the closing
    ``{"answer": …}`` object or the last ``\\boxed{…}`` value; else the part after the last lead-in
    ("The answer is 12", "Final answer: yes") without bold or quotes around it."""
    value = unwrapped(output)
    if not isinstance(value, str):
        return value
    closing = _closing_answer(value)
    if closing is not None:
        return _strip_short_answer(closing) if isinstance(closing, str) else closing
    return _strip_short_answer(value)


def _closing_answer(text: str) -> Any:
    """What a reasoned answer closes with: a final ``{"answer": …}`` object after prose, or the last
    ``\\boxed{…}``; None when it closes with neither."""
    boxed = _BOXED.findall(text)
    if boxed:
        return boxed[-1]
    match = _TRAILING_OBJECT.search(text)
    if match and match.start() > 0:
        value = parse_json(match.group(1))
        if isinstance(value, dict) and any(str(k).casefold() == "answer" for k in value):
            return unwrap(value)
    return None


def drop_intro_line(text: str) -> str:
    """``text`` without a first line that introduces what follows ("The text in the image reads:",
    "The steps are:"): an intro is not part of the answer."""
    first, _, rest = text.strip().partition("\n")
    return rest.strip() if first.rstrip().endswith(":") and rest.strip() else text.strip()


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCES.split(text.strip()) if s.strip()]


def concluding_parts(text: str) -> list[str]:
    """Where reasoning states its result, most specific first: the last bold value, then the last
    sentence. Graders read these when the whole answer names several values, so reasoning that
    mentions other values does not make the answer unreadable."""
    parts = _BOLD.findall(text)[-1:]
    said = sentences(text)
    if len(said) > 1:
        parts.append(said[-1])
    return parts


# Words with which an answer takes back what it said before ("Actually, on a closer look, it is 5").
_CORRECTION = re.compile(r"\b(?:actually|wait|correction|instead|on (?:a )?closer (?:look|inspection)|"
                         r"on second thought|re-?count(?:ed|ing)?|miscount(?:ed)?)\b", re.I)


def answering_parts(text: str) -> list[str]:
    """``concluding_parts``, then the opening sentence: prose that answers first and explains after
    ("The max gross weight is 32,500 KG. An empty weight of 3,800 KG is also printed.") states its
    answer there, unless a later sentence takes it back ("Actually, …")."""
    said = sentences(text)
    opening = said[:1] if len(said) > 1 and not any(_CORRECTION.search(s) for s in said[1:]) else []
    return concluding_parts(text) + opening


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


_FEET_INCHES = re.compile(r"(\d)'(\d{1,2})(?![\d\"])")
_ZERO_INCHES = re.compile(r"(\d)'0{1,2}\"?(?![\d\"])")  # 16'0 is 16 feet
_INSIDE_WORD = re.compile(r"(?<=[^\W_])[-_./:'](?=[^\W_])")
_BETWEEN_DIGITS = re.compile(r"(?<=\d)[.,/:-](?=\d)")
_SPACE_AT_DIGIT = re.compile(r"(?<=\d) (?=[^\W_])|(?<=[^\W_]) (?=\d)")


def value_key(text: Any, join_digits: bool = True) -> str:
    """What must match for two short answers to state the same value: ``normalise`` form, then

    - unit marks after digits are kept and told apart (``16'`` feet, ``16"`` inches); after feet,
      the inch mark is implied (``10'2`` is ``10'2"``), as people write it, and zero inches are
      none (``16'0`` is ``16'``);
    - a separator between digits is kept, whichever it is (``08/09/2020`` = ``08.09.2020``,
      but ``2.30`` is not ``230``);
    - other punctuation inside a word or ID is form (``in-dubitable`` = ``indubitable``,
      ``PX-220`` = ``PX220``), as is a space between letters and digits (``JBHU 282862``);
    - everything else (a changed or missing character, a space between two words) is value."""
    text = _FEET_INCHES.sub(lambda m: f"{m[1]}'{m[2]}\"", _ZERO_INCHES.sub(r"\1'", normalise(text)))
    text = re.sub(r"(?<=\d)'", "\u2032", text)
    text = re.sub(r"(?<=\d)\"", "\u2033", text)
    text = _BETWEEN_DIGITS.sub("\u00b7", text)
    text = _INSIDE_WORD.sub("", text)
    return _SPACE_AT_DIGIT.sub("", text) if join_digits else text


# A comma before a space is punctuation between words, form inside a phrase ("November 21, 2017").
_WORD_COMMA = re.compile(r",(?= )")
_NEGATION = re.compile(r"\b(?:not|no|isn't|is not|never|neither|nor)\s+(?:\w+\s+){0,2}$")


def states_phrase(answer: str, expected: str) -> bool:
    """``expected`` stated as a whole phrase inside the prose ``answer``, and not negated or offered
    with an alternative ("not forklift", "forklift or pallet"); an expected value with digits (an ID,
    a date) also must be the only value with digits the answer states ("Q101, the other is Q102"
    commits to neither). Compared in ``value_key`` form; the phrase's edges are checked in the
    answer as written, so "is 10629101" states 10629101 while "stop" does not state "top"."""
    want = _WORD_COMMA.sub("", value_key(expected))
    if not want:
        return False
    spaced = _WORD_COMMA.sub("", value_key(answer, join_digits=False))
    dropped = {m.start() for m in _SPACE_AT_DIGIT.finditer(spaced)}
    kept = [i for i in range(len(spaced)) if i not in dropped]
    joined = "".join(spaced[i] for i in kept)
    spans = [(kept[m.start()], kept[m.end() - 1] + 1) for m in re.finditer(re.escape(want), joined)]
    spans = [(a, b) for a, b in spans
             if not (a > 0 and spaced[a - 1].isalnum()) and not (b < len(spaced) and spaced[b].isalnum())]
    if not spans:
        return False
    rest = "".join(spaced[i] for i in range(len(spaced)) if not any(a <= i < b for a, b in spans))
    if re.search(r"\d", want) and re.search(r"\d", rest):
        return False
    for a, b in spans:
        before, after = spaced[:a], spaced[b:]
        if _NEGATION.search(before) or re.match(r"\s*(?:or|and|/)\s+\w", after) or re.search(r"\b(?:or|and)\s+$", before):
            return False
    return True


def json_leaves(value: Any) -> list[str]:
    """The scalar values inside a JSON value, as text, in document order."""
    if isinstance(value, dict):
        return [leaf for v in value.values() for leaf in json_leaves(v)]
    if isinstance(value, list):
        return [leaf for v in value for leaf in json_leaves(v)]
    return [as_text(value)]
