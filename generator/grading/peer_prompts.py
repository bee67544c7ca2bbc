"""Which grader a peer benchmark's prompt gets, read from its wording and expected answer.

Vision AI Checkup publishes prompts and expected answers but no grader; the importer and
`leaderboard graders --agreement` must choose the same one, so the choice is grading's, in one
place, and the importer only asks for it.
"""

from __future__ import annotations

import re

from ..catalog.schemas import Grader
from .extract import normalise
from .numbers import read_number

# Alternatives a prompt offers ("Answer only left or right."): the largest set whose every
# option the prompt names, and which holds the expected answer, makes the prompt a choice.
CHOICE_SETS = (("left", "right"), ("above", "below"), ("right side up", "upside down"),
               ("down", "left", "right"), ("screws", "bolts", "nuts"))
_NUMBER_SHAPED = re.compile(r"^[$£€]?\d[\d,]*(?:\.\d+)?(?: ?[^\W\d_]{1,5})?$")  # a unit may follow: "32,500 kg"
_MAX_QUANTITY_DIGITS = 6  # longer digit strings ("3702692432") are serial or part numbers: exact


def grader_for_vac(prompt_text: str, answer: str) -> Grader:
    """The grader for one Vision AI Checkup prompt, from its wording and expected answer.

    comma-separated list prompts -> list (ordered); "Read the text" -> ocr-text with a 1% CER
    budget (a few slipped characters in a paragraph, not a misread word); yes/no answers ->
    yes-no; offered alternatives -> choice; quantities ("27", "$2.30", "2,428", "32,500 kg") -> number;
    everything else, identifiers and long digit strings included -> exact.
    """
    prompt = normalise(prompt_text)
    want = normalise(answer)
    if re.search(r"comma[ -]separated", prompt):
        return Grader(name="list", options={"ordered": True})
    if re.search(r"\bread the text\b", prompt):
        return Grader(name="ocr-text", options={"max_cer": 0.01})
    if want in ("yes", "no"):
        return Grader(name="yes-no")
    offered = [s for s in CHOICE_SETS if want in s and all(re.search(rf"\b{re.escape(o)}\b", prompt) for o in s)]
    if offered:
        return Grader(name="choice", options={"choices": list(max(offered, key=len))})
    digits = re.sub(r"\D", "", want)
    if _NUMBER_SHAPED.match(want) and (len(digits) <= _MAX_QUANTITY_DIGITS or not want.isdigit()):
        if read_number(want)[0] is not None:
            return Grader(name="number")
    return Grader(name="exact")
