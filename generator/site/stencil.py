"""Stencils: a template rendered once with placeholders, then filled per page by joining bytes.

There are n(n-1)/2 pair pages and each is mostly the same markup around a few dozen values (two
names, a few counts, pieces rendered once per model). Rendering ``compare.html`` per page costs a
few hundred Jinja expressions, each through ``finalize`` and ``escape``; a stencil pays them once
per worker: the template (or a macro) is rendered with a placeholder for every per-page value, cut
at the placeholders, and a page is the static parts joined with its values, as UTF-8 bytes.

Filling a slot with a value gives what the template would have printed for it, provided that

- each value is **already escaped**: macro output, ``render.safe_text`` of a string, or digits
  (``render.safe_text`` strips invisible characters and escapes, as ``{{ }}`` does with a plain
  string: both work character by character, so a name escaped alone reads the same inside a
  title that is built around it);
- the template only **prints** a placeholder (``{{ a.name }}``, inside an f-string, a ``~`` or a
  ``join``): a placeholder is always truthy and has no value to compare, so whatever decides a
  branch (``{% if %}``) is a real value, and renders of different branches are different stencils
  (the callers key their caches by those flags).

The markup stays in the templates; this module only cuts and joins.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from markupsafe import Markup

# Private-use code points: neither escaped nor stripped as invisible, and not in any template.
_OPEN, _CLOSE = "\ue000", "\ue001"
_SLOT = re.compile(f"{_OPEN}([\\w.]+){_CLOSE}")


def slot(name: str) -> Markup:
    """The placeholder a stencil is cut at, printed unchanged by the templates (Markup)."""
    return Markup(f"{_OPEN}{name}{_CLOSE}")


class Placeholders:
    """An object whose every attribute is a placeholder: ``a.name`` is the slot 'a.name'. Passed to
    a template in place of a model (or a head-to-head), it reads like the real one."""

    def __init__(self, prefix: str):
        self._prefix = prefix

    def __getattr__(self, name: str) -> Markup:
        if name.startswith("__"):
            raise AttributeError(name)
        return slot(f"{self._prefix}.{name}")


class Stencil:
    """Rendered text cut at its placeholders: static parts (UTF-8) with slots between them."""

    __slots__ = ("names", "parts")

    def __init__(self, text: str):
        pieces = _SLOT.split(str(text))
        if any(_OPEN in piece or _CLOSE in piece for piece in pieces[::2]):
            raise ValueError("a placeholder was cut or changed by the template (it may only be printed)")
        self.parts: list = [p.encode() if i % 2 == 0 else None for i, p in enumerate(pieces)]
        self.names: list[str] = pieces[1::2]  # the slot at parts[1], parts[3], …

    def fill(self, values: Mapping[str, bytes]) -> bytes:
        """The text with each slot replaced by its (escaped, encoded) value."""
        out = self.parts.copy()
        out[1::2] = map(values.__getitem__, self.names)
        return b"".join(out)

    def fill_ordered(self, values: Sequence[bytes]) -> bytes:
        """``fill`` with the values in the order of ``names`` (for the hottest stencils, whose
        callers check that order once, when they make the stencil)."""
        out = self.parts.copy()
        out[1::2] = values
        return b"".join(out)


__all__ = ["Placeholders", "Stencil", "slot"]
