"""Object Counting: scenes whose answers are counted from what was drawn, never typed by hand.

Each scene mixes the counted objects with distractors (other colours, other shapes, cans next to
bottles), lets objects overlap, and varies sizes, so that a model that merely estimates fails.
"""

from __future__ import annotations

import math
import random

from . import photos
from .common import SuiteWriter, number
from .drawing import Canvas, wood

CAT = "object-counting"
PLAIN = " Answer with a number."

COLOURS = {
    "red": (205, 38, 38), "blue": (40, 80, 200), "green": (35, 150, 65), "amber": (200, 130, 30),
    "yellow": (235, 200, 40), "purple": (125, 60, 165), "grey": (120, 120, 120),
}


def shade(rgb, factor: float):
    return tuple(max(0, min(255, round(c * factor))) for c in rgb)


def bottle(c: Canvas, x: float, bottom: float, w: float, h: float, rgb) -> tuple:
    """A bottle: body, shoulders, neck, cap, highlight and a paper label; returns its box."""
    body_top = bottom - h * 0.62
    neck_w = w * 0.34
    cx = x + w / 2
    c.rectangle((x, body_top, x + w, bottom), fill=rgb, radius=w * 0.18)
    c.polygon([(x, body_top + w * 0.2), (cx - neck_w / 2, bottom - h * 0.82), (cx + neck_w / 2, bottom - h * 0.82),
               (x + w, body_top + w * 0.2)], fill=rgb)
    c.rectangle((cx - neck_w / 2, bottom - h * 0.93, cx + neck_w / 2, bottom - h * 0.8), fill=rgb)
    c.rectangle((cx - neck_w / 2 - 2, bottom - h, cx + neck_w / 2 + 2, bottom - h * 0.92), fill=(60, 60, 60), radius=2)
    c.rectangle((x + w * 0.12, body_top + 8, x + w * 0.24, bottom - 10), fill=(255, 255, 255, 70), radius=3)
    c.rectangle((x + 3, bottom - h * 0.45, x + w - 3, bottom - h * 0.22), fill=(245, 238, 220))
    return (x, bottom - h, x + w, bottom)


def can(c: Canvas, x: float, bottom: float, w: float, h: float, rgb) -> tuple:
    """A drinks can: short and wide, no neck, silver rims."""
    c.rectangle((x, bottom - h, x + w, bottom), fill=rgb, radius=4)
    c.rectangle((x + 2, bottom - h, x + w - 2, bottom - h + 7), fill=(200, 200, 205), radius=3)
    c.rectangle((x + 2, bottom - 6, x + w - 2, bottom), fill=(200, 200, 205), radius=3)
    c.rectangle((x + w * 0.15, bottom - h + 12, x + w * 0.27, bottom - 10), fill=(255, 255, 255, 60))
    return (x, bottom - h, x + w, bottom)


# (kind, colour, x, width, height) per shelf, drawn left to right so later items hide earlier ones.
SHELVES = [
    [("bottle", "red", 40, 58, 150), ("bottle", "blue", 120, 62, 160), ("bottle", "red", 168, 58, 140),
     ("can", "red", 250, 60, 90), ("bottle", "green", 330, 54, 165), ("bottle", "red", 400, 60, 150),
     ("bottle", "amber", 470, 50, 130), ("can", "blue", 545, 60, 90), ("bottle", "red", 640, 58, 155),
     ("bottle", "green", 690, 58, 150), ("bottle", "blue", 780, 62, 140)],
    [("bottle", "green", 50, 60, 150), ("bottle", "amber", 110, 56, 165), ("bottle", "red", 158, 56, 150),
     ("can", "red", 240, 58, 90), ("can", "red", 300, 58, 90), ("bottle", "blue", 390, 60, 155),
     ("bottle", "blue", 440, 60, 150), ("bottle", "red", 520, 56, 140), ("bottle", "green", 600, 54, 160),
     ("can", "green", 690, 60, 90), ("bottle", "amber", 770, 58, 150)],
    [("bottle", "red", 45, 60, 160), ("can", "blue", 125, 60, 90), ("bottle", "green", 205, 56, 150),
     ("bottle", "green", 255, 56, 145), ("bottle", "red", 340, 60, 150), ("bottle", "amber", 420, 56, 155),
     ("can", "red", 500, 60, 90), ("bottle", "blue", 585, 60, 150), ("bottle", "red", 660, 56, 150),
     ("bottle", "red", 705, 56, 140), ("bottle", "green", 790, 56, 155)],
]


def shelf_scene():
    c = Canvas((900, 700), (232, 226, 214))
    c.rectangle((0, 0, 900, 700), fill=(225, 218, 204))
    counts: dict[tuple[str, str, int], int] = {}
    for i, items in enumerate(SHELVES):
        floor = 210 + i * 225
        c.rectangle((0, floor, 900, floor + 18), fill=(120, 85, 50))
        c.rectangle((0, floor + 18, 900, floor + 24), fill=(80, 55, 32))
        for kind, colour, x, w, h in items:
            draw = bottle if kind == "bottle" else can
            draw(c, x, floor, w, h, COLOURS[colour])
            counts[(kind, colour, i)] = counts.get((kind, colour, i), 0) + 1
    return c.image(), counts


def coins_scene(seed: int = 11):
    """Gold and silver coins on a wooden table; neighbours may overlap by up to a quarter."""
    rng = random.Random(seed)
    c = Canvas((800, 560), wood((800, 560), seed))
    placed: list[tuple[float, float, float, str]] = []
    wanted = ["gold"] * 9 + ["silver"] * 8
    rng.shuffle(wanted)
    for metal in wanted:
        r = rng.uniform(28, 40) if metal == "gold" else rng.uniform(24, 34)
        while True:
            x, y = rng.uniform(60, 740), rng.uniform(60, 500)
            if all(math.hypot(x - px, y - py) > 0.8 * (r + pr) for px, py, pr, _ in placed):
                break
        placed.append((x, y, r, metal))
    for x, y, r, metal in placed:
        face = (212, 170, 60) if metal == "gold" else (192, 194, 198)
        c.circle(x + 4, y + 5, r, fill=(40, 25, 10, 90))
        c.circle(x, y, r, fill=shade(face, 0.72))
        c.circle(x, y, r * 0.86, fill=face)
        c.circle(x - r * 0.2, y - r * 0.22, r * 0.45, fill=(255, 255, 255, 45))
        c.circle(x, y, r * 0.7, outline=shade(face, 0.8), width=1.5)
    counts = {m: sum(1 for *_, metal in placed if metal == m) for m in ("gold", "silver")}
    return c.image(), counts


def shapes_scene(seed: int = 5):
    """Circles, squares and triangles in four colours, scattered without touching."""
    rng = random.Random(seed)
    plan = ([("triangle", "blue")] * 5 + [("triangle", "red")] * 4 + [("triangle", "yellow")] * 2
            + [("square", "blue")] * 4 + [("circle", "blue")] * 3 + [("circle", "red")] * 3
            + [("circle", "green")] * 4 + [("square", "green")] * 2 + [("square", "red")] * 2
            + [("circle", "yellow")])
    rng.shuffle(plan)
    c = Canvas((820, 620), (246, 244, 238))
    placed: list[tuple[float, float, float]] = []
    for kind, colour in plan:
        r = rng.uniform(22, 44)
        while True:
            x, y = rng.uniform(50, 770), rng.uniform(50, 570)
            if all(math.hypot(x - px, y - py) > r + pr + 8 for px, py, pr in placed):
                break
        placed.append((x, y, r))
        c.shape(kind, x, y, r, COLOURS[colour], rotation=rng.uniform(-25, 25))
    return c.image(), plan


def dots_scene(n: int = 43, seed: int = 3):
    rng = random.Random(seed)
    c = Canvas((640, 480), "white")
    placed: list[tuple[float, float]] = []
    while len(placed) < n:
        x, y = rng.uniform(30, 610), rng.uniform(30, 450)
        if all(math.hypot(x - px, y - py) > 24 for px, py in placed):
            placed.append((x, y))
            c.circle(x, y, 7.5, fill=(25, 25, 25))
    return c.image(), n


def tally_scene(groups: int = 4, extra: int = 2, seed: int = 8):
    """Hand-drawn tally marks: groups of four strokes crossed by a fifth, then loose strokes."""
    rng = random.Random(seed)
    c = Canvas((720, 260), (250, 248, 240))
    x = 50.0
    ink = (30, 30, 90)
    for g in range(groups + 1):
        strokes = 4 if g < groups else extra
        start = x
        for _ in range(strokes):
            top = (x + rng.uniform(-3, 3), 70 + rng.uniform(-6, 6))
            c.line([top, (x + rng.uniform(-4, 4), 190 + rng.uniform(-6, 6))], ink, width=5)
            x += 28
        if g < groups:
            c.line([(start - 14, 170 + rng.uniform(-6, 6)), (x - 10, 90 + rng.uniform(-6, 6))], ink, width=5)
        x += 40
    return c.image(), groups * 5 + extra


def rings_scene():
    c = Canvas((760, 420), "white")
    rings = [(140, 150, "blue"), (240, 210, "yellow"), (340, 150, "grey"), (440, 210, "green"),
             (540, 150, "red"), (620, 250, "purple"), (290, 300, "amber")]
    for x, y, colour in rings:
        c.circle(x, y, 78, outline=COLOURS[colour], width=11)
    return c.image(), len(rings)


def apple_crate(seed: int = 21):
    """A 6x4 crate of red and green apples with some empty slots."""
    rng = random.Random(seed)
    slots = ["red"] * 13 + ["green"] * 8 + ["empty"] * 3
    rng.shuffle(slots)
    c = Canvas((760, 560), (92, 64, 40))
    c.rectangle((30, 30, 730, 530), fill=(170, 125, 75), outline=(110, 75, 40), width=8)
    for i, what in enumerate(slots):
        col, row = i % 6, i // 6
        x, y = 95 + col * 114, 95 + row * 124
        c.circle(x, y + 4, 50, fill=(120, 85, 50))
        if what == "empty":
            continue
        rgb = (196, 30, 40) if what == "red" else (120, 185, 60)
        jitter = rng.uniform(-4, 4)
        c.circle(x + jitter, y, 46, fill=rgb)
        c.circle(x + jitter - 16, y - 16, 14, fill=(255, 255, 255, 60))
        c.line([(x + jitter, y - 40), (x + jitter + 5, y - 58)], (80, 50, 20), width=5)
        c.polygon([(x + jitter + 6, y - 50), (x + jitter + 28, y - 62), (x + jitter + 14, y - 44)], fill=(50, 130, 40))
    return c.image(), {k: slots.count(k) for k in ("red", "green", "empty")}


def add(s: SuiteWriter) -> None:
    image, counts = shelf_scene()
    img = s.generated("shelf-bottles", image)

    def total(kind, colour=None, shelf=None):
        return sum(n for (k, col, sh), n in counts.items()
                   if k == kind and colour in (None, col) and shelf in (None, sh))

    s.ask("count-red-bottles", img, CAT, "How many red bottles are on these shelves? Cans don't count." + PLAIN,
          number(total("bottle", "red")))
    s.ask("count-bottles-top-shelf", img, CAT, "How many bottles are on the top shelf?" + PLAIN,
          number(total("bottle", shelf=0)))
    s.ask("count-green-bottles-middle", img, CAT, "How many green bottles are on the middle shelf?" + PLAIN,
          number(total("bottle", "green", 1)))
    s.ask("count-cans", img, CAT, "How many drink cans are there in total?" + PLAIN, number(total("can")))

    image, metals = coins_scene()
    img = s.generated("coins-table", image)
    s.ask("count-coins-table", img, CAT, "How many coins are on the table?" + PLAIN, number(sum(metals.values())))
    s.ask("count-gold-coins", img, CAT, "How many of the coins are gold-coloured?" + PLAIN, number(metals["gold"]))

    image, plan = shapes_scene()
    img = s.generated("shapes-mixed", image)
    s.ask("count-blue-triangles", img, CAT, "How many blue triangles are there?" + PLAIN,
          number(plan.count(("triangle", "blue"))))
    s.ask("count-circles", img, CAT, "Count all the circles, whatever their colour." + PLAIN,
          number(sum(1 for kind, _ in plan if kind == "circle")))

    image, n = dots_scene()
    s.ask("count-dots", s.generated("dots-dense", image), CAT, "How many black dots are in this picture?" + PLAIN,
          number(n))
    image, n = tally_scene()
    s.ask("count-tally", s.generated("tally-marks", image), CAT,
          "Someone kept score with tally marks. What number do they add up to?" + PLAIN, number(n))
    image, n = rings_scene()
    s.ask("count-rings", s.generated("rings-overlap", image), CAT, "How many rings are drawn here?" + PLAIN, number(n))

    image, crate = apple_crate()
    img = s.generated("apple-crate", image)
    s.ask("count-green-apples", img, CAT, "How many green apples are in the crate?" + PLAIN, number(crate["green"]))
    s.ask("count-apples-total", img, CAT, "How many apples are in the crate altogether?" + PLAIN,
          number(crate["red"] + crate["green"]))

    img = s.photo(photos.COINS)
    s.ask("count-coins-photo", img, CAT, "How many coins are laid out in this museum photo?" + PLAIN,
          number(len(photos.COIN_BOXES)))
