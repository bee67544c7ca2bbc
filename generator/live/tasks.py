"""What the playground asks for per task: the label of the text field and the text sent when the
person leaves it empty. Tasks whose text is the whole point (a phrase to ground, a question, the
classes to look for) have no default and are refused without one.

OCR engines and classic detectors ignore the text; chat models read it (through the card's
prompt template, when it has one for the task).
"""

from __future__ import annotations

from ..catalog.vocab import TASK_NAMES

# task -> (label of the text field, default text or None when the person must write it)
PROMPTS: dict[str, tuple[str, str | None]] = {
    "captioning": ("Instruction", "Describe this image in one sentence."),
    "detailed-captioning": ("Instruction", "Describe this image in detail."),
    "object-detection": ("Objects to detect", "Detect every object in the image."),
    "open-vocabulary-detection": ("Classes to find (comma-separated)", None),
    "phrase-grounding": ("Phrase to ground", None),
    "region-proposal": ("Instruction", "Propose the regions of interest in the image."),
    "instance-segmentation": ("Instruction", "Segment every object in the image."),
    "ocr": ("Instruction", "Read all the text in the image."),
    "ocr-with-regions": ("Instruction", "Read all the text in the image, line by line, with its location."),
    "vqa": ("Question", None),
    "classification": ("Instruction", "What is the main subject of this image? Answer with one or two words."),
}
# tasks whose answer is boxes: the page reports how many came back, zero included
BOX_TASKS = frozenset({"object-detection", "open-vocabulary-detection", "phrase-grounding", "region-proposal",
                       "instance-segmentation"})


def describe(task: str) -> dict:
    label, default = PROMPTS[task]
    return {"id": task, "name": TASK_NAMES[task], "prompt_label": label, "default_prompt": default,
            "prompt_required": default is None, "boxes": task in BOX_TASKS}


def prompt_for(task: str, text: str) -> str | None:
    """The text to send: what the person wrote, else the task's default; None if it needs one."""
    return text.strip() or PROMPTS[task][1]
