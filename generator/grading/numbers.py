"""Reading the one number an answer gives: "27", "1,234", "$2.30", "3.5 inches", "12.3”", "four".

Formatting is forgiven (thousands separators as commas, spaces or dot groups, currency signs,
units, pence and cents, leading zeros, number words up to ninety-nine, a bare "none" for zero);
ambiguity is not: an answer that states two different numbers ("4 or 5", "08/09/2020") gives
none, so it can never pass by containing the right one somewhere. One dot group ("2.428") reads
both ways: as 2.428 and, in the European style, as 2428 (``readings``), so "$2.428 million (or
$2,428 thousand)" states one number. What a reader does not take as a second value:

- a date written with its month name ("September 30, 2023", "Nov 2017"): it says when, not how much;
- number words beside digits ("the nine months ended …: $2,428"): the digits are the answer;
- an approximate restatement ("$2.428 million (approximately $2.4 million)");
- where the expected answer has a unit ("32,500 kg"), a number in another unit ("(71,650 LB)"),
  once the answer states one in the expected unit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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


_MONTH = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
          r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?")
# A date with its month name: "September 30, 2023", "30 Sept 2023", "September 2023", "Nov 21".
_DATE = re.compile(rf"\b{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?\b|\b\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH}"
                   rf"(?:,?\s+\d{{4}})?\b|\b{_MONTH}\s+\d{{4}}\b")
_APPROXIMATELY = re.compile(r"(?:approximately|approx\.?|about|around|roughly|nearly|~|\u2248)\s*[$£€¥]?\s*$", re.I)
# A unit right after a number: the letters of "32,500 kg", "71,650 LB", "3.5 inches".
_UNIT_AFTER = re.compile(r"\s?([^\W\d_]+)")


@dataclass(frozen=True)
class Stated:
    """One number as written: where it starts, its values (two for one dot group), its decimals,
    the unit written right after it, and whether it is a number word or approximate."""

    start: int
    values: frozenset[float]
    decimals: int
    unit: str
    word: bool = False
    approximate: bool = False


def stated_numbers(text: str) -> list[Stated]:
    """Every number stated in ``text``, in order, dates left out (digits and number words)."""
    text = _DATE.sub(lambda m: " " * len(m[0]), text.strip())
    if text.casefold().strip().rstrip(".") == "none":
        return [Stated(0, frozenset({0.0}), 0, "")]
    found: list[Stated] = []
    for m in _DIGITS.finditer(text):
        value = float(_GROUP_SEPARATORS.sub("", m["int"]) + (m["frac"] or "")) / (100 if m["sub"] else 1)
        values = {-value if m["sign"] else value}
        if _ONE_DOT_GROUP.fullmatch(m[0].strip().lstrip("-\u2212")):
            values.add(float(m["int"] + m["frac"][1:]))
        unit = _UNIT_AFTER.match(text, m.end())
        found.append(Stated(m.start(), frozenset(values), len(m["frac"] or "") - 1 if m["frac"] else 0,
                            unit[1].casefold() if unit and not m["sub"] else "",
                            approximate=bool(_APPROXIMATELY.search(text[:m.start()]))))
    for m in _WORDS.finditer(text):
        if m["small"]:
            value = float(WORD_VALUES[m["small"].casefold()])
        else:
            value = float(WORD_VALUES[m["tens"].casefold()] + (WORD_VALUES[m["unit"].casefold()] if m["unit"] else 0))
        found.append(Stated(m.start(), frozenset({value}), 0, "", word=True))
    return sorted(found, key=lambda n: n.start)


def key_unit(expected: str) -> str:
    """The unit an expected answer writes after its number ("32,500 kg" -> "kg"), else ""."""
    numbers = [n for n in stated_numbers(expected) if not n.word]
    return numbers[0].unit if len(numbers) == 1 else ""


def _answer_numbers(text: str, unit: str = "") -> list[Stated]:
    """The numbers that state the answer: number words only when there are no digits, numbers in
    the expected ``unit`` when there are any, and not approximate restatements of a precise one."""
    numbers = stated_numbers(text)
    digits = [n for n in numbers if not n.word]
    numbers = digits or numbers
    if unit and any(n.unit == unit for n in numbers):
        numbers = [n for n in numbers if n.unit == unit]
    precise = [n for n in numbers if not n.approximate]

    def restates(n: Stated) -> bool:
        return n.approximate and any(round(v, n.decimals) in n.values for p in precise for v in p.values)
    return [n for n in numbers if not restates(n)]


def readings(text: str, unit: str = "") -> tuple[set[float], str]:
    """Every value the one number ``text`` states can be read as, or (empty set, why not): no
    number, several different ones, or number words this reader does not combine. Numbers that
    share a reading state one value ("2.428 million, or 2,428 thousand")."""
    if _SCALED_WORDS.search(text):
        return set(), "numbers written as words with hundred/thousand/million/dozen are not read"
    numbers = _answer_numbers(text, unit)
    if not numbers:
        return set(), "no number in the answer"
    common = set(numbers[0].values).intersection(*(n.values for n in numbers[1:]))
    if common:
        return common, ""
    distinct = sorted({v for n in numbers for v in n.values})
    return set(), "several different numbers in the answer: " + ", ".join(f"{v:g}" for v in distinct)


def read_number(text: str) -> tuple[float | None, str]:
    """(the number, "") or (None, why not), as ``readings``; of two readings, the one as written
    with its decimal point."""
    values, problem = readings(text)
    if not values:
        return None, problem
    return min(values), ""
