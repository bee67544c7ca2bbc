"""Model names that read as one thing and are another are refused.

A name is shown in every heading, table and compare page of its model and is what people search
for; aliases decide which imported results belong to which card. So a name (or alias,
organisation, family) must not hide characters (zero-width spaces, joiners, bidi overrides), must
be written in Unicode's compatibility-normal form (no fullwidth "Ａ" for "A"), and no word may mix
Latin, Greek and Cyrillic letters: "Gеmma" with a Cyrillic "е" looks exactly like "Gemma".
Whole words in one script stay allowed ("π0-FAST", "Ёлка", "通义千问").
"""

from __future__ import annotations

import re
import unicodedata

LOOKALIKE_SCRIPTS = ("LATIN", "GREEK", "CYRILLIC")
_WORD = re.compile(r"[^\W\d_]+")


def name_problem(value: str) -> str | None:
    """Why ``value`` cannot be a model's name or alias, or None."""
    for char in value:
        if unicodedata.category(char) in ("Cf", "Cc", "Co", "Cn", "Zl", "Zp"):
            return f"{value!r} holds an invisible character U+{ord(char):04X}"
    normal = unicodedata.normalize("NFKC", value)
    if normal != value:
        return f"{value!r} is not in Unicode normal form NFKC (write {normal!r})"
    for word in _WORD.findall(value):
        scripts = list(dict.fromkeys(s for s in map(_script, word) if s))
        if len(scripts) > 1:
            return f"{value!r} mixes {scripts[0].title()} and {scripts[1].title()} letters in {word!r} (a lookalike?)"
    return None


def _script(char: str) -> str | None:
    name = unicodedata.name(char, "")
    return next((script for script in LOOKALIKE_SCRIPTS if name.startswith(script + " ")), None)
