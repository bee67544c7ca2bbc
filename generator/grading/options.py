"""Grader options with defaults, where a misspelt option is an error rather than silently ignored."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any


def read_options(grader_name: str, options: dict[str, Any], **defaults: Any) -> SimpleNamespace:
    """``options`` over ``defaults``; a key that is not a default raises ValueError naming it."""
    unknown = sorted(set(options) - set(defaults))
    if unknown:
        known = ", ".join(sorted(defaults)) or "none"
        raise ValueError(f"grader {grader_name!r}: unknown option(s) {', '.join(unknown)}; known: {known}")
    return SimpleNamespace(**{**defaults, **options})
