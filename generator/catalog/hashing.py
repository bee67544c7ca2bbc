"""The prompt fingerprint of DESIGN.md: sha256 of prompt text + image bytes + expected answer.

Runner (cache key) and importers (provenance) must agree byte for byte, so it lives here once.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def prompt_sha256(prompt_text: str, image_bytes: bytes, expected: Any) -> str:
    h = hashlib.sha256()
    for part in (prompt_text.encode("utf-8"), image_bytes, canonical_json(expected).encode("utf-8")):
        h.update(len(part).to_bytes(8, "big"))  # length-prefixed: no two inputs share a byte stream
        h.update(part)
    return h.hexdigest()


def prompt_sha256_for(prompt, image_path: Path | None) -> str:
    """``image_path`` is None for an imported prompt whose image the source lost (empty image bytes)."""
    image = Path(image_path).read_bytes() if image_path is not None else b""
    return prompt_sha256(prompt.prompt, image, prompt.expected)
