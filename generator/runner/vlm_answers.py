"""Boxes out of a chat VLM's detection answer, lenient where a person reading it would be.

Chat models wrap their JSON in ```json fences, add a sentence before or after it, answer one
object instead of a list, name the coordinates `box_2d`, `bbox_2d` or `bbox`, forget a label,
or stop mid-list at the token limit. supervision's `Detections.from_vlm` parses the well-formed
answers of the models it knows; its schemas are strict (an item without a label is dropped), so
a lenient parser reads the same answer too and wins when it recovers more boxes. Coordinates
always go through the card's declared convention (`generator.runner.boxes`), whatever the key
is called: the convention says what the numbers mean, the key does not.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from ..catalog.schemas import Box
from . import boxes

CONVENTIONS = ("gemini", "florence2", "paligemma", "qwen2.5-vl", "moondream")

BOX_KEYS = ("box_2d", "bbox_2d", "bbox", "box")
CORNER_KEYS = ("x_min", "y_min", "x_max", "y_max")  # Moondream's objects
LABEL_KEYS = ("label", "name", "class", "category")
SCORE_KEYS = ("confidence", "score")

_FENCE = re.compile(r"```[A-Za-z]*[ \t]*\n?(.*?)(?:```|\Z)", re.S)
_FLORENCE2_BOX = re.compile(r"((?:<loc_\d+>){4})")
_FLORENCE2_LOC = re.compile(r"<loc_(\d+)>")
_PALIGEMMA_BOX = re.compile(r"((?:<loc\d{4}>){4})\s*([^;<]*)")
_PALIGEMMA_LOC = re.compile(r"<loc(\d{4})>")
_SPECIAL_TOKEN = re.compile(r"</?s>|<pad>|<\|?[a-z_]+\|?>")

Numbers = list[float]
JsonConverter = Callable[[Numbers, int, int, tuple[int, int] | None], list[float]]

_JSON_CONVERTERS: dict[str, JsonConverter] = {
    "gemini": lambda n, w, h, _input: boxes.gemini_box_2d_to_xyxy(n, w, h),
    "qwen2.5-vl": lambda n, w, h, input_size: boxes.qwen25_pixels_to_xyxy(n, input_size, w, h),
    "moondream": lambda n, w, h, _input: boxes.normalized_to_xyxy(n, w, h),
}


class UnknownConvention(ValueError):
    pass


def parse_detections(text: str, width: int, height: int, convention: str = "gemini",
                     input_size: tuple[int, int] | None = None) -> list[Box]:
    """Boxes in original-image pixels from a detection answer; [] when it holds none.

    `input_size` is the (width, height) the model actually saw, needed by `qwen2.5-vl` only;
    without it Qwen2.5-VL's own resize rule computes it from the image size.
    """
    if convention not in CONVENTIONS:
        raise UnknownConvention(f"unknown box convention {convention!r}; known: {', '.join(CONVENTIONS)}")
    if width <= 0 or height <= 0:
        raise ValueError(f"image size must be positive, got {width}x{height}")
    if convention == "qwen2.5-vl" and input_size is None:
        input_size = boxes.qwen25_input_size(width, height)
    strict = supervision_detections(text, width, height, convention, input_size)
    lenient = lenient_detections(text, width, height, convention, input_size)
    return lenient if len(lenient) > len(strict) else strict


def supervision_detections(text: str, width: int, height: int, convention: str,
                           input_size: tuple[int, int] | None = None) -> list[Box]:
    """supervision's parser for the convention's model; [] for a malformed answer or no parser.

    supervision reads Florence-2 only from `post_process_generation`'s dict, which needs the
    model's processor; a served Florence-2 answer is text, so only the lenient parser reads it.
    """
    import supervision as sv

    resolution = (width, height)
    try:
        if convention == "gemini":
            found = sv.Detections.from_vlm(sv.VLM.GOOGLE_GEMINI_2_5, text, resolution_wh=resolution)
        elif convention == "paligemma":
            found = sv.Detections.from_vlm(sv.VLM.PALIGEMMA, text, resolution_wh=resolution)
        elif convention == "qwen2.5-vl":
            found = sv.Detections.from_vlm(sv.VLM.QWEN_2_5_VL, text, input_wh=input_size, resolution_wh=resolution)
        elif convention == "moondream":
            payload = next((v for v in json_values(text) if isinstance(v, dict) and "objects" in v), {})
            found = sv.Detections.from_vlm(sv.VLM.MOONDREAM, payload, resolution_wh=resolution)
        else:
            return []
    except (ValueError, TypeError, KeyError, IndexError):  # a strict parser meeting a lenient answer
        return []
    names = found.data.get("class_name")
    # only the Gemini parser reads scores from the answer; the others fill in 1.0 for every box
    scores = found.confidence if convention == "gemini" else None
    return [
        Box(xyxy=boxes.clamp_xyxy(xyxy, width, height),
            label=str(names[i]) if names is not None else "",
            score=float(scores[i]) if scores is not None else None)
        for i, xyxy in enumerate(found.xyxy.tolist())
    ]


def lenient_detections(text: str, width: int, height: int, convention: str,
                       input_size: tuple[int, int] | None = None) -> list[Box]:
    """Every box a person would read in the answer, in the convention's coordinates."""
    if convention == "florence2":
        return _florence2_boxes(text, width, height)
    if convention == "paligemma":
        return _paligemma_boxes(text, width, height)
    convert = _JSON_CONVERTERS[convention]
    return [Box(xyxy=convert(numbers, width, height, input_size), label=label, score=score)
            for numbers, label, score in detection_items(json_values(text))]


def json_values(text: str) -> list[Any]:
    """Every top-level JSON value in the answer: inside ``` fences when it has any, else anywhere
    in it; prose around a value is skipped, and of a value cut off mid-way the complete inner
    objects are kept."""
    sources = [m.group(1) for m in _FENCE.finditer(text)] or [text]
    return [value for source in sources for value in _scan_json(source)]


def _scan_json(text: str) -> Iterator[Any]:
    decoder = json.JSONDecoder()
    position = 0
    while True:
        starts = [i for i in (text.find("[", position), text.find("{", position)) if i != -1]
        if not starts:
            return
        start = min(starts)
        try:
            value, position = decoder.raw_decode(text, start)
        except json.JSONDecodeError:
            position = start + 1  # not JSON from here (prose bracket, cut-off value): look further in
            continue
        yield value


def detection_items(values: Sequence[Any]) -> list[tuple[Numbers, str, float | None]]:
    """(four numbers, label, score) for every box in parsed JSON, wherever it is nested: a list
    of objects, one object, {"objects": [...]}-style wrappers, or bare [a, b, c, d] lists."""
    found: list[tuple[Numbers, str, float | None]] = []

    def walk(value: Any) -> None:
        numbers = _four_numbers(value)
        if numbers is not None:
            found.append((numbers, "", None))
        elif isinstance(value, dict):
            numbers = _item_numbers(value)
            if numbers is not None:
                found.append((numbers, _item_label(value), _item_score(value)))
            else:
                for inner in value.values():
                    walk(inner)
        elif isinstance(value, list):
            for inner in value:
                walk(inner)

    for value in values:
        walk(value)
    return found


def _item_numbers(item: dict[str, Any]) -> Numbers | None:
    for key in BOX_KEYS:
        if key in item:
            return _four_numbers(item[key])
    if all(key in item for key in CORNER_KEYS):
        return _four_numbers([item[key] for key in CORNER_KEYS])
    return None


def _item_label(item: dict[str, Any]) -> str:
    for key in LABEL_KEYS:
        value = item.get(key)
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            return str(value).strip()
    return ""


def _item_score(item: dict[str, Any]) -> float | None:
    for key in SCORE_KEYS:
        number = _number(item.get(key))
        if number is not None:
            return number
    return None


def _four_numbers(value: Any) -> Numbers | None:
    if not isinstance(value, (list, tuple)) or len(value) != 4:
        return None
    numbers = [_number(v) for v in value]
    return None if any(n is None for n in numbers) else numbers


def _number(value: Any) -> float | None:
    """A finite number, also when the model quoted it ("120")."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return None
    if isinstance(value, (int, float)) and math.isfinite(value):
        return float(value)
    return None


def _florence2_boxes(text: str, width: int, height: int) -> list[Box]:
    """`label<loc_x1><loc_y1><loc_x2><loc_y2>...`; boxes following one label all carry it."""
    found: list[Box] = []
    label = ""
    parts = _FLORENCE2_BOX.split(text)  # [text, box, text, box, ..., text]
    for before, box in zip(parts[0::2], parts[1::2]):
        before = _SPECIAL_TOKEN.sub("", before).strip()
        label = before or label
        bins = [int(b) for b in _FLORENCE2_LOC.findall(box)]
        found.append(Box(xyxy=boxes.florence2_bins_to_xyxy(bins, width, height), label=label))
    return found


def _paligemma_boxes(text: str, width: int, height: int) -> list[Box]:
    """`<locY1><locX1><locY2><locX2> label ; ...`"""
    return [Box(xyxy=boxes.paligemma_locs_to_xyxy([int(v) for v in _PALIGEMMA_LOC.findall(locs)], width, height),
                label=label.strip())
            for locs, label in _PALIGEMMA_BOX.findall(text)]
