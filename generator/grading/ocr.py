"""OCR grading by character error rate (CER).

CER = Levenshtein distance (insertions, deletions, substitutions) between the reference and the
model's text, divided by the reference length, after the same normalisation on both sides: NFKC,
typographic quotes as ASCII, every run of whitespace (line breaks included) as one space, ends
trimmed. Case and punctuation count. The distance is Hyyrö's bit-parallel algorithm on Python
integers, so a page of text grades in milliseconds with no compiled dependency at build time.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from ..catalog.schemas import Structured
from .base import Verdict, grader
from .extract import as_text, straighten_quotes, unwrapped
from .options import read_options


def levenshtein(a: str, b: str) -> int:
    """Edit distance between ``a`` and ``b`` (Hyyrö 2003, bit vectors over the characters of ``a``)."""
    if not a or not b:
        return len(a) + len(b)
    full = (1 << len(a)) - 1
    last = 1 << (len(a) - 1)
    peq: dict[str, int] = {}
    for i, char in enumerate(a):
        peq[char] = peq.get(char, 0) | (1 << i)
    pv, mv, distance = full, 0, len(a)
    for char in b:
        eq = peq.get(char, 0)
        xv = eq | mv
        xh = ((((eq & pv) + pv) & full) ^ pv) | eq
        ph = (mv | ~(xh | pv)) & full
        mh = pv & xh
        if ph & last:
            distance += 1
        elif mh & last:
            distance -= 1
        ph = ((ph << 1) | 1) & full
        mh = (mh << 1) & full
        pv = (mh | ~(xv | ph)) & full
        mv = ph & xv
    return distance


def ocr_normalise(text: str) -> str:
    text = straighten_quotes(unicodedata.normalize("NFKC", text))
    return re.sub(r"\s+", " ", text).strip()


def character_error_rate(reference: str, hypothesis: str) -> float:
    """CER of ``hypothesis`` against ``reference`` after ``ocr_normalise``; 1.0 for any text
    against an empty reference (0.0 when both are empty). It can exceed 1 for long hallucinations."""
    ref, hyp = ocr_normalise(reference), ocr_normalise(hypothesis)
    if not ref:
        return 0.0 if not hyp else 1.0
    return levenshtein(ref, hyp) / len(ref)


def reference_text(expected: Any) -> str:
    """The reference of an OCR prompt: ``{"text": ...}`` (or, without text, its lines joined), or a string."""
    if isinstance(expected, str):
        return expected
    if isinstance(expected, dict) and isinstance(expected.get("text"), str):
        return expected["text"]
    if isinstance(expected, dict) and isinstance(expected.get("lines"), list):
        return "\n".join(str(line.get("text", "")) for line in expected["lines"] if isinstance(line, dict))
    raise ValueError(f"grader 'ocr-text': expected must be a string or {{'text': ..., 'lines': [...]}}, not {expected!r:.80}")


def hypothesis_text(output: str, structured: Structured | None) -> str:
    """The model's text: the output without wrappers, or its structured lines when it gave no text."""
    text = as_text(unwrapped(output))
    if not text.strip() and structured is not None and structured.lines:
        text = "\n".join(line.text for line in structured.lines)
    return text


@grader("ocr-text")
def ocr_text(expected: Any, output: str, structured: Structured | None, options: dict) -> Verdict:
    opts = read_options("ocr-text", options, max_cer=0.1)
    cer = character_error_rate(reference_text(expected), hypothesis_text(output, structured))
    passed = cer <= float(opts.max_cer)
    return Verdict(passed, max(0.0, 1.0 - cer), f"CER {cer:.3f} ({'<=' if passed else '>'} {opts.max_cer})")
