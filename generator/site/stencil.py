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
from collections.abc import Mapping

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
    """Rendered text cut at its placeholders: static parts (UTF-8) with slot names between them."""

    __slots__ = ("holes", "parts")

    def __init__(self, text: str):
        pieces = _SLOT.split(str(text))
        self.parts: list = [p.encode() if i % 2 == 0 else None for i, p in enumerate(pieces)]
        self.holes: list[tuple[int, str]] = [(i, pieces[i]) for i in range(1, len(pieces), 2)]

    def fill(self, values: Mapping[str, bytes]) -> bytes:
        """The text with each slot replaced by its (escaped, encoded) value."""
        out = self.parts.copy()
        for i, name in self.holes:
            out[i] = values[name]
        return b"".join(out)

    def partial(self, values: Mapping[str, bytes]) -> Stencil:
        """The stencil with the slots in ``values`` filled and the others left open (for pieces
        rendered once per prompt around slots filled per pair)."""
        names = dict(self.holes)
        done = Stencil("")
        done.parts, done.holes = [b""], []
        for i, piece in enumerate(self.parts):
            if i % 2 == 0:
                done.parts[-1] += piece
            elif names[i] in values:
                done.parts[-1] += values[names[i]]
            else:
                done.holes.append((len(done.parts), names[i]))
                done.parts += [None, b""]
        return done


__all__ = ["Placeholders", "Stencil", "slot"]
