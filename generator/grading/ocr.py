"""OCR grading by character error rate (CER).

CER = Levenshtein distance (insertions, deletions, substitutions) between the reference and the
model's text, divided by the reference length, after the same normalisation on both sides: NFKC,
typographic quotes as ASCII, every run of whitespace (line breaks included) as one space, ends
trimmed. Case and punctuation count. Short texts (a sign, a serial number) are judged word by
word instead, since one wrong word there is a wrong answer whatever the CER. The distance is Hyyrö's bit-parallel algorithm on Python
integers, so a page of text grades in milliseconds with no compiled dependency at build time.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from ..catalog.schemas import Structured
from .base import Verdict, grader
from .extract import as_text, drop_intro_line, straighten_quotes, unwrapped
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


SHORT_WORDS = 12  # a reference of at most this many words is a short answer: every word must be right


def alphanumerics(text: str) -> str:
    """Letters and digits only, case-folded: what is left of a text when spacing, punctuation and
    case (form) are set aside."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", text).casefold() if ch.isalnum())


@grader("ocr-text")
def ocr_text(expected: Any, output: str, structured: Structured | None, options: dict) -> Verdict:
    """Long passages pass on character error rate (``max_cer``, default 0.1): a few slipped
    characters in a paragraph are a good reading. A short text (at most ``SHORT_WORDS`` words: a
    sign, a plate, a serial number) passes only when every letter and digit is right, so one wrong
    word ("Midnight" for "Midnights") or character ("Q00" for "Q0O") fails while spacing,
    punctuation and case do not count. A first line that introduces the reading ("The text
    reads:") and is not in the reference is left out. Score: 1 - CER either way."""
    opts = read_options("ocr-text", options, max_cer=0.1)
    reference, hypothesis = reference_text(expected), hypothesis_text(output, structured)
    without_intro = drop_intro_line(hypothesis)
    if without_intro != hypothesis.strip() and ocr_normalise(hypothesis.strip().splitlines()[0]) not in ocr_normalise(reference):
        hypothesis = without_intro  # "The text in the image reads:" introduces the reading, it is not read text
    cer = character_error_rate(reference, hypothesis)
    score = max(0.0, 1.0 - cer)
    words = len(reference.split())
    if words <= SHORT_WORDS:
        passed = alphanumerics(reference) == alphanumerics(hypothesis)
        return Verdict(passed, score, f"short text ({words} words): {'every' if passed else 'not every'} "
                                      f"letter and digit right (CER {cer:.3f})")
    passed = cer <= float(opts.max_cer)
    return Verdict(passed, score, f"CER {cer:.3f} ({'<=' if passed else '>'} {opts.max_cer})")
