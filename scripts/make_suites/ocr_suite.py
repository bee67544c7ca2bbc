"""The `ocr` suite: full-page transcription of generated documents, signs and scene text with
exact ground truth (text and line boxes from the font metrics), graded by character error rate."""

from __future__ import annotations

from . import photos
from .common import SuiteWriter, ocr_text
from .drawing import ocr_expected
from .ocr_images import TEXT_IMAGES

READ_ALL = "Read all the text in this image."
READ_REGIONS = "Read all the text in this image and give the bounding box of each line."
WITH_REGIONS = {"letter-clean", "receipt-grocery", "sign-wet-floor", "street-sign", "shopfront"}

CATEGORIES = [("easy", "Easy: clean, large text"), ("medium", "Medium: colour, layout, slight rotation"),
              ("hard", "Hard: rotated, small, faint, noisy or scene text")]


def description() -> str:
    rows = "\n".join(f"| `{t.name}` | {t.difficulty} | {t.what} |" for t in TEXT_IMAGES)
    return f"""
Transcription of documents, signs, labels and scene text. Each prompt asks for all the text in
the image; the `ocr-text` grader compares the output with the ground truth by character error
rate (CER: edit distance divided by the length of the reference text) and passes it at or below
the prompt's `max_cer` (0.1 here). Prompts with task `ocr-with-regions` also carry one box per line for
models that return regions.

**Ground truth is exact, not transcribed by hand**: every image is drawn by `scripts/make_suites`
with Pillow and the DejaVu and Liberation fonts, and each line's text and box are recorded from
the same call that drew it (`ImageDraw.textbbox`), then carried through rotation and framing.
Boxes are `[x1, y1, x2, y2]` in image pixels around the ink of the line.

| image | difficulty | what makes it so |
| --- | --- | --- |
{rows}

"Easy" images are dark, clean text of 28 px or more on a plain ground: Tesseract and RapidOCR
should read them. The scikit-image `text` photo (handwritten formulas on slanted paper) is
included as an unscored gallery prompt: its symbols cannot be transcribed unambiguously, so it
has no ground truth.

**Licences.** Generated images: CC0-1.0. The `text` photo: public domain (scikit-image sample
data).
"""


def build() -> SuiteWriter:
    suite = SuiteWriter("ocr", "OCR", "1.0", description(), CATEGORIES)
    for item in TEXT_IMAGES:
        image, lines = item.build()
        img = suite.generated(item.name, image)
        expected = ocr_expected(lines)
        suite.ask(f"read-{item.name}", img, item.difficulty, READ_ALL, ocr_text(expected), task="ocr")
        if item.name in WITH_REGIONS:
            suite.ask(f"regions-{item.name}", img, item.difficulty, READ_REGIONS, ocr_text(expected),
                      task="ocr-with-regions")
    suite.demo("read-handwritten-formulas", suite.photo(photos.TEXT), "hard", "ocr", READ_ALL)
    return suite
