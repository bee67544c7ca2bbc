"""The OCR category of vision-evals: full transcriptions graded by character error rate, and
targeted reads ("what is the serial number?") graded strictly, on generated and real images.

Full transcriptions use task "ocr" so that OCR engines (Tesseract, RapidOCR) are scored on them
too; targeted reads need a question, so they are "vqa".
"""

from __future__ import annotations

from . import photos
from .common import SuiteWriter, exact, mentions, ocr_text
from .drawing import ocr_expected
from .ocr_images import BY_NAME

CAT = "ocr"
READ_ALL = "Read all the text in this image."

TRANSCRIBE = ["sign-emergency-exit", "poster-summer-sale", "sticky-note", "low-contrast", "small-print",
              "noisy-scan"]


def add(s: SuiteWriter) -> None:
    for name in TRANSCRIBE:
        image, lines = BY_NAME[name].build()
        s.ask(f"read-{name}", s.generated(name, image), CAT, READ_ALL, ocr_text(ocr_expected(lines)), task="ocr")

    image, _ = BY_NAME["product-label"].build()
    s.ask("label-serial-number", s.generated("product-label", image), CAT,
          "What is the serial number on this label?", mentions("48213-KX7", r"48213\s*-?\s*KX7"))
    image, _ = BY_NAME["number-plate"].build()
    s.ask("number-plate-registration", s.generated("number-plate", image), CAT,
          "What is the registration on this number plate?", mentions("KX58 TRW", r"KX\s*58\s*TRW"))
    image, _ = BY_NAME["street-sign"].build()
    s.ask("street-sign-names", s.generated("street-sign", image), CAT, "Which two streets meet at this corner?",
          mentions("Maple Avenue and W 14th St", r"(maple.*14th|14th.*maple)"))

    s.ask("hopper-name-tag", s.photo(photos.GRACE_HOPPER), CAT, "What name is printed on her name tag?",
          mentions("COMO HOPPER", r"\bhopper\b"))
    s.ask("astronaut-patch-names", s.photo(photos.ASTRONAUT), CAT,
          "Which two surnames are printed along the top edge of the round mission patch on the suit?",
          mentions("COLLINS and ASHBY", r"collins.*ashby|ashby.*collins"))
    s.ask("text-parenthesised-letter", s.photo(photos.TEXT), CAT,
          "In this photo of handwritten formulas, which letter is written inside the parentheses at the top? "
          "Answer with the letter only.",
          exact("s"))
