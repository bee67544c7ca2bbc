"""What each adapter accepts in a card's `runner.options`, declared once and checked twice: by
`leaderboard validate` (with the card's file and line) and when the adapter is built, so a
misspelt key or a value the backend would reject (`psm: "six"`) stops before any prompt runs
instead of turning every prompt into an error record.

Importing this module (and the adapter modules, which keep their heavy imports inside methods)
costs nothing: validating cards never imports torch, Tesseract or OpenCV bindings.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any, Sequence


# (where under `runner`, message): ("options", "psm") -> the line of `psm:` in the card
RunnerProblem = tuple[tuple[str, ...], str]


@dataclass(frozen=True)
class Option:
    """One option: its type ("int", "float", "str", "bool" or "int-pair"), default, and limits."""

    name: str
    kind: str
    default: Any = None
    choices: tuple[Any, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    pattern: str | None = None
    help: str = ""

    def problem(self, value: Any) -> str | None:
        """Why `value` is not acceptable, or None."""
        wrong_type = {
            "int": not _is_int(value),
            "float": not (_is_int(value) or isinstance(value, float)),
            "str": not isinstance(value, str),
            "bool": not isinstance(value, bool),
            "int-pair": not (isinstance(value, list) and len(value) == 2 and all(_is_int(v) for v in value)),
        }[self.kind]
        if wrong_type:
            wanted = {"int": "a whole number", "float": "a number", "str": "text", "bool": "true or false",
                      "int-pair": "a list of two whole numbers, e.g. [8, 8]"}[self.kind]
            return f"{value!r} is not {wanted}"
        if self.choices is not None and value not in self.choices:
            close = difflib.get_close_matches(str(value), [str(c) for c in self.choices], n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            return f"{value!r} is not one of {', '.join(map(str, self.choices))}{hint}"
        numbers = value if self.kind == "int-pair" else [value] if self.kind in ("int", "float") else []
        for number in numbers:
            if self.minimum is not None and number < self.minimum:
                return f"{value!r} is below the minimum {self.minimum:g}"
            if self.maximum is not None and number > self.maximum:
                return f"{value!r} is above the maximum {self.maximum:g}"
        if self.pattern is not None and not re.fullmatch(self.pattern, value):
            return f"{value!r} does not look like {self.help or self.pattern}"
        return None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def option_problems(who: str, spec: Sequence[Option], options: dict[str, Any]) -> list[RunnerProblem]:
    """Every unknown key (with the closest known one) and every unacceptable value."""
    known = {option.name: option for option in spec}
    problems: list[RunnerProblem] = []
    for key, value in options.items():
        option = known.get(key)
        if option is None:
            close = difflib.get_close_matches(key, known, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            listing = ", ".join(sorted(known)) or "none"
            problems.append((("options", key), f"unknown option {key!r} for the {who} adapter; {hint}known: {listing}"))
            continue
        why = option.problem(value)
        if why is not None:
            problems.append((("options", key), why))
    return problems


class OptionError(ValueError):
    """A runner section its adapter cannot accept; the message lists every problem."""

    def __init__(self, problems: list[RunnerProblem]):
        self.problems = problems
        super().__init__("; ".join(f"{'.'.join(where)}: {message}" for where, message in problems))


def settings(who: str, spec: Sequence[Option], options: dict[str, Any]) -> dict[str, Any]:
    """The declared defaults overlaid with the card's options; raises OptionError on any problem."""
    problems = option_problems(who, spec, options)
    if problems:
        raise OptionError(problems)
    return {**{option.name: option.default for option in spec if option.default is not None}, **options}
