"""Where pages live: output paths of pages that link to each other, and the links between them.

A leaf module (no site imports) so the page list and every kind of page agree on one spelling.
Compare pages exist once per unordered pair, under the canonical (sorted) order.
"""

from __future__ import annotations


def canonical_pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a <= b else (b, a)


def compare_path(a: str, b: str) -> str:
    return f"compare/{a}-vs-{b}/index.html"


def pair_link(a: str, b: str) -> str:
    """The compare page of two models, in either order, as a site path."""
    a, b = canonical_pair(a, b)
    return f"compare/{a}-vs-{b}/"


def model_link(model_id: str) -> str:
    return f"models/{model_id}/"


__all__ = ["canonical_pair", "compare_path", "model_link", "pair_link"]
