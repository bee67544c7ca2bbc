"""The `detection` suite: images with ground-truth boxes — faces, people, coins and everyday
objects in real photos (boxes checked by eye, see photos.py), and generated shape scenes whose
boxes are exact — plus counting graded from the returned boxes, and unscored gallery prompts for
phrase grounding, open-vocabulary detection, region proposals and segmentation."""

from __future__ import annotations

import math
import random

from . import photos
from .common import SuiteWriter, box, count_from_boxes, detection
from .counting import COLOURS
from .drawing import Canvas, shape_points, bbox, wood

CATEGORIES = [("faces", "Faces"), ("people", "People"), ("coins", "Coins"), ("objects", "Everyday objects"),
              ("shapes", "Generated shapes"), ("counting", "Counting from boxes"),
              ("grounding", "Grounding and proposals (gallery, unscored)")]
KINDS = ("circle", "square", "triangle")
DETECT_SHAPES = "Detect every circle, square and triangle in this image."


def shape_scene(seed: int, count: int, radius: tuple[float, float], size=(800, 600), background=(245, 245, 240),
                palette=("red", "blue", "green", "yellow", "purple"), min_gap: float = 10.0):
    """Random shapes with exact boxes; a negative `min_gap` lets neighbours overlap by that much."""
    rng = random.Random(seed)
    c = Canvas(size, background)
    placed, boxes = [], []
    while len(placed) < count:
        r = rng.uniform(*radius)
        x, y = rng.uniform(r + 5, size[0] - r - 5), rng.uniform(r + 5, size[1] - r - 5)
        if any(math.hypot(x - px, y - py) < r + pr + min_gap for px, py, pr in placed):
            continue
        placed.append((x, y, r))
        kind, rotation, fill = rng.choice(KINDS), rng.uniform(-30, 30), rng.choice(palette)
        c.shape(kind, x, y, r, COLOURS[fill] if isinstance(fill, str) else fill, rotation=rotation)
        exact = (x - r, y - r, x + r, y + r) if kind == "circle" else bbox(shape_points(kind, x, y, r, rotation))
        boxes.append(box(exact, kind))
    return c.image(), boxes


PASTELS = ((222, 214, 200), (214, 222, 206), (208, 214, 226))


def build() -> SuiteWriter:
    s = SuiteWriter("detection", "Object detection", "1.0", DESCRIPTION, CATEGORIES)

    img = s.photo(photos.ASTRONAUT)
    s.ask("faces-astronaut", img, "faces", "Detect every face in this image.",
          detection([box(photos.ASTRONAUT_FACE, "face")]), task="object-detection")
    s.ask("people-astronaut", img, "people", "Detect every person in this image.",
          detection([box(photos.ASTRONAUT_PERSON, "person")]), task="object-detection")
    img = s.photo(photos.GRACE_HOPPER)
    s.ask("faces-grace-hopper", img, "faces", "Detect every face in this image.",
          detection([box(photos.GRACE_HOPPER_FACE, "face")]), task="object-detection")
    s.ask("people-grace-hopper", img, "people", "Detect every person in this image.",
          detection([box(photos.GRACE_HOPPER_PERSON, "person")]), task="object-detection")

    img = s.photo(photos.COINS)
    coins = [box(b, "coin") for b in photos.COIN_BOXES]
    s.ask("coins-museum", img, "coins", "Detect every coin in this image.", detection(coins), task="object-detection")
    s.ask("count-coins-museum", img, "counting", "Detect every coin in this image.", count_from_boxes(len(coins)),
          task="object-detection")

    img = s.photo(photos.COFFEE)
    s.ask("objects-coffee", img, "objects", "Detect the cup and the spoon in this image.",
          detection([box(photos.COFFEE_CUP, "cup"), box(photos.COFFEE_SPOON, "spoon")]), task="object-detection")
    img = s.photo(photos.CHELSEA)
    s.ask("objects-chelsea", img, "objects", "Detect the animal in this image.",
          detection([box(photos.CHELSEA_CAT, "cat")]), task="object-detection")
    img = s.photo(photos.ROCKET)
    s.ask("rocket-open-vocabulary", img, "objects", "rocket",
          detection([box(photos.ROCKET_ROCKET, "rocket")]), task="open-vocabulary-detection")

    scenes = [
        ("shapes-large", dict(seed=1, count=6, radius=(60, 90))),
        ("shapes-small-dense", dict(seed=2, count=30, radius=(12, 24), min_gap=6)),
        ("shapes-overlapping", dict(seed=3, count=12, radius=(40, 70), min_gap=-35)),
        ("shapes-low-contrast", dict(seed=4, count=9, radius=(35, 60), background=(232, 228, 220), palette=PASTELS)),
        ("shapes-on-wood", dict(seed=5, count=10, radius=(30, 55), background=wood((800, 600), seed=5))),
    ]
    for name, params in scenes:
        image, boxes = shape_scene(**params)
        img = s.generated(name, image)
        s.ask(name, img, "shapes", DETECT_SHAPES, detection(boxes), task="object-detection")
        if name in ("shapes-small-dense", "shapes-overlapping"):
            triangles = sum(1 for b in boxes if b["label"] == "triangle")
            s.ask(f"count-triangles-{name.removeprefix('shapes-')}", img, "counting", DETECT_SHAPES,
                  count_from_boxes(triangles, label="triangle"), task="object-detection")

    astronaut, coffee = s.photo(photos.ASTRONAUT), s.photo(photos.COFFEE)
    s.demo("ground-astronaut-helmet", astronaut, "grounding", "phrase-grounding", "the black helmet on the right")
    s.demo("ground-coffee-spoon", coffee, "grounding", "phrase-grounding", "the spoon resting on the saucer")
    s.demo("ovd-astronaut", astronaut, "grounding", "open-vocabulary-detection", "flag, helmet, space shuttle model")
    s.demo("ovd-rocket", s.photo(photos.ROCKET), "grounding", "open-vocabulary-detection",
           "rocket, lattice tower, floodlight")
    s.demo("proposals-coffee", coffee, "grounding", "region-proposal", "Propose regions that contain objects.")
    s.demo("proposals-grace-hopper", s.photo(photos.GRACE_HOPPER), "grounding", "region-proposal",
           "Propose regions that contain objects.")
    s.demo("segment-chelsea", s.photo(photos.CHELSEA), "grounding", "instance-segmentation", "the cat")
    s.demo("segment-coins", s.photo(photos.COINS), "grounding", "instance-segmentation", "coins")
    return s


DESCRIPTION = """
Object detection against ground-truth boxes (`[x1, y1, x2, y2]` in original-image pixels). The
`detection` grader matches predicted boxes to expected ones at an IoU threshold and passes a
prompt when precision and recall both reach the prompt's minimum (options `iou`,
`min_precision`, `min_recall`; 0.5 each here). `count-from-boxes` prompts count the boxes a
model returns, of one label or of any.

**Real photos** (scikit-image and matplotlib sample data): faces and people in the astronaut
and Grace Hopper portraits, the 24 coins of `coins`, the cup and spoon of `coffee`, the cat of
`chelsea` and the rocket of `rocket`. Every box was drawn on a copy of the photo and checked by
eye; the coin boxes come from a watershed segmentation that was checked the same way. None of
these photos shows a whole standing person, so a full-body people detector (OpenCV HOG) has no
true positive here: the two portraits are half-length. Face boxes run from the hairline or cap
brim to the chin.

**Generated scenes** (`scripts/make_suites`, Pillow, fixed seeds): circles, squares and
triangles — large, small and dense, overlapping, low-contrast, and on a wood texture — whose
boxes are computed from the geometry that was drawn, so they are exact.

Gallery prompts (phrase grounding, open-vocabulary detection, region proposals, segmentation)
have no expected answer: they show every supporting model's output side by side.

**Licences.** Generated images: CC0-1.0. Photos: public domain or CC0-1.0, as listed per image.
"""
