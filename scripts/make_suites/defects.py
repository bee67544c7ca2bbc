"""Defect Detection: manufactured parts drawn twice, with and without a defect.

Every defective part has a defect-free twin drawn from the same seed and asked the same
question, so a model that answers "yes, defective" to everything scores no better than chance.
Defects: a missing chip, a crack (a jagged random-walk line), a crooked label, a scratch,
missing and cracked eggs, a missing screw, a chipped tile, an under-filled bottle, a broken
gear tooth.
"""

from __future__ import annotations

import math
import random

from .common import SuiteWriter, number, yes_no
from .drawing import Canvas, brushed_metal, rotated_rect

CAT = "defect-detection"
YES_NO = " Answer yes or no."


def jagged(rng: random.Random, start, end, steps: int, wobble: float):
    """A crack: a straight path broken into `steps` segments, each bent sideways at random."""
    (x1, y1), (x2, y2) = start, end
    nx, ny = -(y2 - y1), x2 - x1
    length = math.hypot(nx, ny)
    nx, ny = nx / length, ny / length
    pts = []
    for i in range(steps + 1):
        t = i / steps
        off = 0 if i in (0, steps) else rng.uniform(-wobble, wobble)
        pts.append((x1 + (x2 - x1) * t + nx * off, y1 + (y2 - y1) * t + ny * off))
    return pts


def circuit_board(missing: tuple[int, int] | None):
    """A 4x6 grid of black chips on a green board; `missing` leaves a (row, col) pad bare."""
    c = Canvas((800, 560), (20, 90, 45))
    for i in range(12):
        c.line([(30, 40 + i * 42), (770, 40 + i * 42)], (30, 120, 60), width=2)
    for row in range(4):
        for col in range(6):
            x, y = 70 + col * 120, 70 + row * 120
            for k in range(4):
                c.rectangle((x - 8, y + 8 + k * 18, x + 4, y + 18 + k * 18), fill=(200, 180, 110))
                c.rectangle((x + 66, y + 8 + k * 18, x + 78, y + 18 + k * 18), fill=(200, 180, 110))
            if (row, col) == missing:
                c.rectangle((x + 8, y + 4, x + 62, y + 80), fill=(30, 110, 60), outline=(220, 220, 220), width=1.5)
                continue
            c.rectangle((x, y, x + 70, y + 84), fill=(30, 30, 32), radius=3)
            c.circle(x + 12, y + 12, 4, fill=(90, 90, 90))
    return c.image()


def washer(cracked: bool, seed: int = 31):
    rng = random.Random(seed)
    c = Canvas((600, 600), brushed_metal((600, 600), seed, level=90))
    c.circle(300, 300, 230, fill=(186, 188, 192))
    c.circle(300, 300, 210, outline=(160, 162, 166), width=3)
    c.circle(300, 300, 95, fill=(60, 62, 66))
    c.circle(300, 300, 100, outline=(150, 150, 150), width=4)
    if cracked:
        c.line(jagged(rng, (392, 250), (498, 197), 9, 7), (40, 40, 40), width=3.5, joint=None)
        c.line(jagged(rng, (450, 222), (470, 260), 3, 4), (50, 50, 50), width=2, joint=None)
    return c.image()


def jars(crooked: int | None):
    """Six jars with paper labels; jar number `crooked` (1-based) has its label turned 12 degrees."""
    c = Canvas((900, 420), (235, 232, 226))
    c.rectangle((0, 360, 900, 420), fill=(170, 150, 120))
    for i in range(6):
        x = 80 + i * 140
        c.rectangle((x - 55, 110, x + 55, 360), fill=(165, 60, 40), radius=16)
        c.rectangle((x - 45, 85, x + 45, 115), fill=(200, 200, 205), radius=4)
        angle = 12 if i + 1 == crooked else 0
        a = math.radians(angle)
        c.polygon(rotated_rect(x, 240, 96, 70, angle), fill=(250, 246, 230))
        for dy, w in [(-12, 60), (10, 40)]:  # two printed bands that turn with the label
            c.polygon(rotated_rect(x - dy * math.sin(a), 240 + dy * math.cos(a), w, 9, angle), fill=(150, 60, 40))
    return c.image()


def panel(scratched: bool, seed: int = 41):
    rng = random.Random(seed)
    c = Canvas((720, 480), brushed_metal((720, 480), seed))
    for x, y in [(40, 40), (680, 40), (40, 440), (680, 440)]:
        c.circle(x, y, 12, fill=(120, 120, 125))
        c.line([(x - 7, y), (x + 7, y)], (70, 70, 70), width=2)
    if scratched:
        c.line(jagged(rng, (210, 330), (500, 170), 14, 2.5), (95, 95, 100), width=1.6, joint=None)
        c.line(jagged(rng, (215, 334), (505, 174), 14, 2), (230, 230, 235), width=1, joint=None)
    return c.image()


def egg_carton(missing: set[int], cracked: set[int]):
    c = Canvas((820, 380), (90, 110, 130))
    c.rectangle((30, 40, 790, 340), fill=(185, 175, 160), radius=20)
    for i in range(12):
        x, y = 95 + (i % 6) * 126, 115 + (i // 6) * 150
        c.circle(x, y + 8, 54, fill=(160, 150, 135))
        if i in missing:
            c.circle(x, y + 8, 40, fill=(130, 120, 108))
            continue
        c.ellipse((x - 44, y - 54, x + 44, y + 54), fill=(245, 232, 210))
        c.ellipse((x - 24, y - 40, x - 4, y - 10), fill=(255, 250, 240, 120))
        if i in cracked:
            zigzag = [(-30, -5), (-14, 6), (-4, -8), (9, 5), (20, -6), (32, 2)]
            c.line([(x + dx, y + dy) for dx, dy in zigzag], (90, 70, 50), width=2.5, joint=None)
    return c.image()


def screw_plate(missing: int | None):
    c = Canvas((640, 480), (60, 60, 66))
    c.rectangle((80, 60, 560, 420), fill=(200, 202, 206), radius=12)
    c.rectangle((200, 170, 440, 310), fill=(150, 155, 160), radius=8)
    for i, (x, y) in enumerate([(120, 100), (520, 100), (120, 380), (520, 380)]):
        if i == missing:
            c.circle(x, y, 12, fill=(40, 40, 44))
            continue
        c.circle(x, y, 20, fill=(150, 150, 155), outline=(110, 110, 115), width=2)
        c.polygon(rotated_rect(x, y, 26, 5, 20 + 40 * i), fill=(70, 70, 75))
        c.polygon(rotated_rect(x, y, 26, 5, 110 + 40 * i), fill=(70, 70, 75))
    return c.image()


def tiles(chipped: tuple[int, int]):
    c = Canvas((700, 560), (200, 195, 185))
    for row in range(4):
        for col in range(5):
            x, y = 20 + col * 134, 20 + row * 132
            if (row, col) == chipped:
                c.polygon([(x, y), (x + 128, y), (x + 128, y + 84), (x + 108, y + 96), (x + 116, y + 126),
                           (x, y + 126)], fill=(70, 120, 160))
            else:
                c.rectangle((x, y, x + 128, y + 126), fill=(70, 120, 160))
            c.line([(x + 10, y + 12), (x + 50, y + 12)], (255, 255, 255, 70), width=3)
    return c.image()


def bottle_fill(levels: list[float]):
    """Clear bottles filled with juice to the given fraction of their height."""
    c = Canvas((820, 440), (226, 232, 236))
    for i, level in enumerate(levels):
        x = 90 + i * 160
        c.rectangle((x - 45, 130, x + 45, 400), fill=(240, 245, 248), outline=(150, 160, 170), width=3, radius=10)
        c.rectangle((x - 18, 60, x + 18, 132), fill=(240, 245, 248), outline=(150, 160, 170), width=3)
        c.rectangle((x - 22, 40, x + 22, 62), fill=(30, 120, 60), radius=4)
        top = 400 - level * 340
        if top < 130:
            c.rectangle((x - 16, top, x + 16, 132), fill=(240, 150, 30))
        c.rectangle((x - 42, max(top, 130), x + 42, 397), fill=(240, 150, 30), radius=8)
    return c.image()


def gear(broken_tooth: int | None, teeth: int = 16):
    c = Canvas((560, 560), (40, 44, 52))
    pts = []
    for t in range(teeth):
        for a, r in [(0, 190), (0.12, 240), (0.38, 240), (0.5, 190)]:
            if t == broken_tooth and r == 240:
                r = 196
            ang = 2 * math.pi * (t + a) / teeth
            pts.append((280 + r * math.sin(ang), 280 - r * math.cos(ang)))
        ang2 = 2 * math.pi * (t + 0.99) / teeth
        pts.append((280 + 190 * math.sin(ang2), 280 - 190 * math.cos(ang2)))
    c.polygon(pts, fill=(175, 150, 90))
    c.circle(280, 280, 120, outline=(150, 125, 70), width=4)
    c.circle(280, 280, 55, fill=(40, 44, 52))
    return c.image()


def add(s: SuiteWriter) -> None:
    q = "Every pad on this circuit board should carry a black chip. Is any chip missing?" + YES_NO
    missing = s.generated("pcb-missing-chip", circuit_board((2, 4)))
    s.ask("pcb-chip-missing", missing, CAT, q, yes_no(True))
    s.ask("pcb-complete", s.generated("pcb-complete", circuit_board(None)), CAT, q, yes_no(False))
    s.ask("pcb-missing-position", missing, CAT,
          "One chip is missing from this board. Which column is its empty pad in, counting from the left? "
          "Answer with a number.", number(5))

    q = "Is this washer cracked?" + YES_NO
    s.ask("washer-cracked", s.generated("washer-cracked", washer(True)), CAT, q, yes_no(True))
    s.ask("washer-intact", s.generated("washer-intact", washer(False)), CAT, q, yes_no(False))

    s.ask("jar-crooked-label", s.generated("jars-crooked-label", jars(4)), CAT,
          "One of these jars has a crooked label. Which jar is it, counting from the left? Answer with a number.",
          number(4))
    s.ask("jars-labels-straight", s.generated("jars-straight-labels", jars(None)), CAT,
          "Are all the labels on these jars applied straight?" + YES_NO, yes_no(True))

    q = "Is there a scratch on this metal panel?" + YES_NO
    s.ask("panel-scratched", s.generated("panel-scratched", panel(True)), CAT, q, yes_no(True))
    s.ask("panel-clean", s.generated("panel-clean", panel(False)), CAT, q, yes_no(False))

    img = s.generated("egg-carton", egg_carton(missing={3, 8}, cracked={10}))
    s.ask("eggs-missing", img, CAT, "How many eggs are missing from this carton of twelve? Answer with a number.",
          number(2))
    s.ask("eggs-cracked", img, CAT, "Is any of the eggs in this carton cracked?" + YES_NO, yes_no(True))
    s.ask("eggs-intact", s.generated("egg-carton-full", egg_carton(set(), set())), CAT,
          "Is any of the eggs in this carton cracked or missing?" + YES_NO, yes_no(False))

    s.ask("screw-missing", s.generated("plate-screw-missing", screw_plate(3)), CAT,
          "This cover plate should be held by a screw in each corner. How many screws are missing? "
          "Answer with a number.", number(1))
    s.ask("screws-complete", s.generated("plate-screws-complete", screw_plate(None)), CAT,
          "Are all four corner screws of this cover plate in place?" + YES_NO, yes_no(True))

    s.ask("tile-chipped", s.generated("tiles-chipped", tiles((2, 3))), CAT,
          "One tile in this wall has a chipped corner. In which row is it, counting from the top? "
          "Answer with a number.", number(3))
    s.ask("bottle-underfilled", s.generated("bottles-fill-level", bottle_fill([0.82, 0.82, 0.82, 0.64, 0.82])),
          CAT, "One of these juice bottles is under-filled. Which one, counting from the left? Answer with a number.",
          number(4))

    q = "Is any tooth broken off this gear?" + YES_NO
    s.ask("gear-broken-tooth", s.generated("gear-broken-tooth", gear(5)), CAT, q, yes_no(True))
    s.ask("gear-intact", s.generated("gear-intact", gear(None)), CAT, q, yes_no(False))
