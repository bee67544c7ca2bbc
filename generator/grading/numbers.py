"""Reading the one number an answer gives: "27", "1,234", "$2.30", "3.5 inches", "12.3”", "four".

Formatting is forgiven (thousands separators as commas, spaces or dot groups, currency signs,
units, pence and cents, leading zeros, number words up to ninety-nine, a bare "none" for zero);
ambiguity is not: an answer that states two different numbers ("4 or 5", "08/09/2020") gives
none, so it can never pass by containing the right one somewhere. One dot group ("2.428") reads
both ways: as 2.428 and, in the European style, as 2428 (``readings``).
"""

from __future__ import annotations

import re

_UNITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
          "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
          "nineteen"]
_TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
WORD_VALUES = {**{w: i for i, w in enumerate(_UNITS)}, **{w: 20 + 10 * i for i, w in enumerate(_TENS)}}

# A digit number may carry a sign and a currency sign before it and a unit after it, but must not
# continue a word ("R2", "C001") or another number ("1.2.3" is not a number).
_DIGITS = re.compile(
    r"(?<![\w.,])(?P<sign>[-\u2212])?[$£€¥]?\s?"
    r"(?P<int>\d{1,3}(?:,\d{3})+|\d{1,3}(?:\.\d{3}){2,}|\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?!\d)|\d+)"
    r"(?P<frac>\.\d+)?(?![\d,]\d|\.\d)(?P<sub>\s?(?:p|pence|cents?|\u00a2)(?![^\W\d_]))?")
_GROUP_SEPARATORS = re.compile(r"[,. \u00a0\u202f]")
# One dot and exactly three digits after it: a decimal in English, a thousands group in much of Europe.
_ONE_DOT_GROUP = re.compile(r"(?<![\w.,])[$£€¥]?\d{1,3}\.\d{3}(?![\d.,])")
_WORDS = re.compile(
    rf"\b(?P<tens>{'|'.join(_TENS)})(?:[\s-](?P<unit>{'|'.join(_UNITS[1:10])}))?\b|\b(?P<small>{'|'.join(_UNITS)})\b",
    re.I)
# "one hundred", "a dozen": number words this reader does not combine, which must not read as 1.
# After digits a scale word is a unit ("2,428 million" answers a question asked in millions).
_SCALED_WORDS = re.compile(rf"\b(?:a|{'|'.join(_UNITS + _TENS)})[\s-]+(?:hundred|thousand|million|billion|dozen)\b", re.I)


def numbers_in(text: str) -> list[float]:
    """Every number stated in ``text``, in order (digits and number words)."""
    text = text.strip()
    if text.casefold().rstrip(".") == "none":
        return [0.0]
    found: list[tuple[int, float]] = []
    for m in _DIGITS.finditer(text):
        value = float(_GROUP_SEPARATORS.sub("", m["int"]) + (m["frac"] or "")) / (100 if m["sub"] else 1)
        found.append((m.start(), -value if m["sign"] else value))
    for m in _WORDS.finditer(text):
        if m["small"]:
            found.append((m.start(), float(WORD_VALUES[m["small"].casefold()])))
        else:
            unit = WORD_VALUES[m["unit"].casefold()] if m["unit"] else 0
            found.append((m.start(), float(WORD_VALUES[m["tens"].casefold()] + unit)))
    return [value for _, value in sorted(found)]


def read_number(text: str) -> tuple[float | None, str]:
    """(the number, "") or (None, why not): no number, several different ones, or number words
    this reader does not combine."""
    if _SCALED_WORDS.search(text):
        return None, "numbers written as words with hundred/thousand/million/dozen are not read"
    values = numbers_in(text)
    distinct = sorted(set(values))
    if len(distinct) == 1:
        return distinct[0], ""
    if not distinct:
        return None, "no number in the answer"
    return None, "several different numbers in the answer: " + ", ".join(f"{v:g}" for v in distinct)


def readings(text: str) -> tuple[set[float], str]:
    """Every value the one number in ``text`` can be read as (one dot group reads both ways), or
    (empty set, why not)."""
    value, problem = read_number(text)
    if value is None:
        return set(), problem
    values = {value}
    groups = _ONE_DOT_GROUP.findall(text)
    if len(groups) == 1:
        values.add(float(re.sub(r"\D", "", groups[0])))
    return values, ""
