"""The `vision-evals` suite: pass/fail questions in six categories, one module per category."""

from __future__ import annotations

from . import counting, defects, documents, reading, spatial, understanding
from .common import SuiteWriter

DESCRIPTION = """
Pass/fail questions a person would ask about an image, in six categories: **defect detection**,
**document understanding**, **object counting**, **object understanding**, **spatial
understanding** and **OCR**. Each prompt says how to answer ("Answer with a number.", "Answer yes
or no.") and is graded strictly where the task is strict (numbers, IDs) and leniently where a
person would be (yes/no inside a sentence, "four" for 4, several spellings of a date).

**How the images were made.** Most images are drawn by `scripts/make_suites` in this repository
with Pillow and the DejaVu and Liberation fonts, from fixed seeds, so they regenerate byte for
byte (`python -m scripts.make_suites`). Answers are computed from what was drawn — the number of
red bottles placed, the receipt total summed from its printed lines — never typed by hand.
Scenes include distractors (cans next to bottles, other colours and shapes, overlaps), and the
defect questions include defect-free twins asked the same way, so a model that always reports a
defect fails them.

**Real photos** come from the sample data shipped in scikit-image (astronaut, coffee, chelsea,
rocket, coins, text) and matplotlib (grace_hopper); their questions were answered by looking at
the photos, and each image's source and licence is listed below.

**Licences.** Generated images: CC0-1.0. Photos: public domain or CC0-1.0, as listed per image.
"""

CATEGORIES = [
    ("defect-detection", "Defect Detection"),
    ("document-understanding", "Document Understanding"),
    ("object-counting", "Object Counting"),
    ("object-understanding", "Object Understanding"),
    ("spatial-understanding", "Spatial Understanding"),
    ("ocr", "OCR"),
]


def build() -> SuiteWriter:
    suite = SuiteWriter("vision-evals", "Vision Evals", "1.0", DESCRIPTION, CATEGORIES)
    for module in (defects, documents, counting, understanding, spatial, reading):
        module.add(suite)
    return suite
