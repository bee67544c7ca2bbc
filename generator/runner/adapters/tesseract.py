"""Tesseract OCR (the Debian `tesseract-ocr` binary through pytesseract): text with line boxes.

One `image_to_data` call gives every word with its box and confidence; words are grouped into
Tesseract's own lines (block, paragraph, line), so the raw output and the structured lines come
from the same pass and always agree.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

from PIL import Image

from ...catalog.schemas import Structured, TextLine
from ..adapter import PackagedOCR, Prediction, file_fingerprint
from ..hardware import tesseract_version
from ..options import Option

# pytesseract is imported where it is used, so validating a card never needs it installed
OPTIONS = (
    Option("lang", "str", "eng", pattern=r"[A-Za-z_]+(\+[A-Za-z_]+)*", help="language codes joined by +, e.g. eng+deu"),
    Option("psm", "int", 3, minimum=0, maximum=13, help="page segmentation mode; 3: automatic"),
    Option("oem", "int", 3, minimum=0, maximum=3, help="OCR engine mode; 3: the default (LSTM)"),
)


class TesseractAdapter(PackagedOCR):
    name = "tesseract"
    version = "1"
    requires = ("pytesseract",)
    options = OPTIONS

    def load(self) -> None:
        tessdata, available = installed_languages()
        wanted = self.settings["lang"].split("+")
        missing = [lang for lang in wanted if lang not in available]
        if missing:
            raise RuntimeError(f"tesseract: language data {missing} not installed; available: {sorted(available)} "
                               f"(Debian: apt-get install tesseract-ocr-<lang>)")
        # engine version + a hash of each language file: a new traineddata is a new model
        files = [file_fingerprint(tessdata / f"{lang}.traineddata") for lang in wanted]
        self.loaded_revision = " ".join([f"tesseract {tesseract_version()}", *files])

    def params(self) -> dict[str, Any]:
        return {**self.config.params, **self.settings}

    def predict(self, image: Image.Image, prompt: str, task: str) -> Prediction:
        import pytesseract

        # what pytesseract.image_to_data sends, but on stdin and stdout: it would write the image
        # to a temporary file (left behind after a crash), and an upload must never touch the disk
        prepared, extension = pytesseract.pytesseract.prepare(image)
        encoded = io.BytesIO()
        prepared.save(encoded, format=extension)
        command = [pytesseract.pytesseract.tesseract_cmd, "stdin", "stdout", "-l", self.settings["lang"],
                   "-c", "tessedit_create_tsv=1", "--psm", str(self.settings["psm"]),
                   "--oem", str(self.settings["oem"])]
        done = subprocess.run(command, input=encoded.getvalue(), capture_output=True)
        if done.returncode:
            raise RuntimeError(f"tesseract exited with {done.returncode}: "
                               f"{done.stderr.decode('utf-8', 'replace').strip()[-300:]}")
        data = pytesseract.pytesseract.file_to_dict(done.stdout.decode("utf-8"), "\t", -1)
        lines = words_to_lines(data)
        return Prediction(output="\n".join(line.text for line in lines), structured=Structured(lines=lines))


def words_to_lines(data: dict[str, list]) -> list[TextLine]:
    """Group Tesseract's word rows into its lines: text joined by spaces, the union of the word
    boxes, and the mean word confidence on 0..1. Rows that are not words (level 5) or are empty
    are layout entries and skipped."""
    grouped: dict[tuple[int, int, int], list[int]] = {}
    for i, level in enumerate(data["level"]):
        if level == 5 and str(data["text"][i]).strip():
            grouped.setdefault((data["block_num"][i], data["par_num"][i], data["line_num"][i]), []).append(i)
    lines = []
    for rows in grouped.values():
        x1 = min(data["left"][i] for i in rows)
        y1 = min(data["top"][i] for i in rows)
        x2 = max(data["left"][i] + data["width"][i] for i in rows)
        y2 = max(data["top"][i] + data["height"][i] for i in rows)
        confidences = [float(data["conf"][i]) for i in rows if float(data["conf"][i]) >= 0]
        score = round(sum(confidences) / len(confidences) / 100, 4) if confidences else None
        text = " ".join(str(data["text"][i]).strip() for i in rows)
        lines.append(TextLine(text=text, xyxy=[float(x1), float(y1), float(x2), float(y2)], score=score))
    return lines


def installed_languages() -> tuple[Path, set[str]]:
    """Tesseract's language folder and languages, from `tesseract --list-langs`."""
    import pytesseract

    binary = shutil.which(pytesseract.pytesseract.tesseract_cmd)
    if binary is None:
        raise RuntimeError("tesseract: the `tesseract` binary is not on PATH (Debian/Ubuntu: apt-get install tesseract-ocr)")
    done = subprocess.run([binary, "--list-langs"], capture_output=True, text=True, timeout=60)
    listing = done.stdout + done.stderr
    folder = re.search(r'"([^"]+)"', listing)
    if done.returncode != 0 or folder is None:
        raise RuntimeError(f"tesseract: `tesseract --list-langs` failed: {listing.strip()[:300]}")
    languages = {line.strip() for line in listing.splitlines()[1:] if line.strip()}
    return Path(folder.group(1)), languages

