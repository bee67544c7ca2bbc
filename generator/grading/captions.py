"""Caption similarity: a transparent text metric, never an invented quality number.

Score = the highest ROUGE-L F1 of the caption against any reference caption. Both texts are
NFKC-normalised, typographic quotes made ASCII, case-folded and split into words (runs of
letters and digits, an inner apostrophe kept: "dog's"); punctuation is dropped. With LCS the
length of the longest common subsequence of the two word lists, precision = LCS / caption words,
recall = LCS / reference words and F1 = 2PR / (P + R). Word order counts; synonyms do not, so a
correct caption in other words scores low: the gallery shows the captions themselves beside it.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from ..catalog.schemas import Structured
from .base import Verdict, grader
from .extract import as_text, straighten_quotes, unwrapped
from .options import read_options

_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")


def words(text: str) -> list[str]:
    return _WORD.findall(straighten_quotes(unicodedata.normalize("NFKC", text)).casefold())


def lcs_length(a: list[str], b: list[str]) -> int:
    previous = [0] * (len(b) + 1)
    for x in a:
        current = [0]
        for j, y in enumerate(b):
            current.append(previous[j] + 1 if x == y else max(previous[j + 1], current[j]))
        previous = current
    return previous[-1]


def rouge_l(candidate: str, reference: str) -> float:
    cand, ref = words(candidate), words(reference)
    lcs = lcs_length(cand, ref)
    if not lcs:
        return 0.0
    precision, recall = lcs / len(cand), lcs / len(ref)
    return 2 * precision * recall / (precision + recall)


def reference_captions(expected: Any) -> list[str]:
    captions = expected.get("captions") if isinstance(expected, dict) else None
    if not isinstance(captions, list) or not captions or not all(isinstance(c, str) and c.strip() for c in captions):
        raise ValueError("grader 'caption-similarity': expected must be {'captions': ['a reference caption', ...]}")
    return captions


@grader("caption-similarity")
def caption_similarity(expected: Any, output: str, structured: Structured | None, options: dict) -> Verdict:
    opts = read_options("caption-similarity", options, min_score=0.5)
    caption = as_text(unwrapped(output))
    scores = [rouge_l(caption, ref) for ref in reference_captions(expected)]
    best = max(range(len(scores)), key=scores.__getitem__)
    passed = scores[best] >= opts.min_score
    return Verdict(passed, scores[best],
                   f"ROUGE-L F1 {scores[best]:.2f} against reference {best + 1} of {len(scores)} "
                   f"({'>=' if passed else '<'} {opts.min_score})")
