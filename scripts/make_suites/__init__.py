"""Deterministic generators of this project's own eval suites.

`python -m scripts.make_suites` rewrites evals/suites/{vision-evals,ocr,detection,captioning}/
(suite.yaml + images/) byte for byte: fixed seeds, fixed PNG settings, photos copied verbatim
from the packages that ship them. Answers are computed from what is drawn. See
docs/adding-a-suite.md.
"""

from __future__ import annotations

from pathlib import Path

from . import captioning_suite, detection_suite, ocr_suite, vision_evals

BUILDERS = {
    "vision-evals": vision_evals.build,
    "ocr": ocr_suite.build,
    "detection": detection_suite.build,
    "captioning": captioning_suite.build,
}


def generate(out_root: Path, only: list[str] | None = None) -> list[Path]:
    """Write the suites (all, or those named in `only`) under out_root; returns their folders."""
    unknown = sorted(set(only or []) - set(BUILDERS))
    if unknown:
        raise ValueError(f"unknown suite(s) {unknown}; known: {sorted(BUILDERS)}")
    return [build().write(out_root) for name, build in BUILDERS.items() if not only or name in only]
