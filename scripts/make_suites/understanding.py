"""Object Understanding: reading instruments (clocks, gauges, thermometers, rulers, dice) drawn
from the value they must show, plus questions about real photos answered by looking at them.

Instruments are where vision-language models still fail often: the answer needs the exact
position of a needle or a hand, not the gist of the picture.
"""

from __future__ import annotations

import math
import random

from . import photos
from .common import SuiteWriter, choice, mentions, number, yes_no
from .drawing import Canvas, rotated_rect

CAT = "object-understanding"


def polar(cx, cy, r, angle_deg):
    """Point at `angle_deg` clockwise from 12 o'clock."""
    a = math.radians(angle_deg)
    return cx + r * math.sin(a), cy - r * math.cos(a)


def clock(hour: int, minute: int, numerals: str = "arabic"):
    """An analogue wall clock; numerals 'arabic', 'roman' or 'none' (ticks only)."""
    c = Canvas((520, 520), (236, 232, 225))
    cx = cy = 260
    c.circle(cx, cy, 230, fill=(40, 40, 45))
    c.circle(cx, cy, 214, fill=(252, 251, 246))
    for tick in range(60):
        major = tick % 5 == 0
        c.line([polar(cx, cy, 200, tick * 6), polar(cx, cy, 178 if major else 190, tick * 6)],
               (30, 30, 30), width=6 if major else 2)
    roman = ["XII", "I", "II", "III", "IIII", "V", "VI", "VII", "VIII", "IX", "X", "XI"]
    for h in range(12):
        label = {"arabic": str(h or 12), "roman": roman[h], "none": ""}[numerals]
        if label:
            c.text(polar(cx, cy, 148, h * 30), label, "serif-bold" if numerals == "roman" else "sans", 34,
                   (25, 25, 25), anchor="mm")
    hour_angle = (hour % 12 + minute / 60) * 30
    c.line([polar(cx, cy, -24, hour_angle), polar(cx, cy, 112, hour_angle)], (20, 20, 20), width=14)
    c.line([polar(cx, cy, -30, minute * 6), polar(cx, cy, 182, minute * 6)], (20, 20, 20), width=8)
    c.circle(cx, cy, 12, fill=(180, 30, 30))
    return c.image()


def time_pattern(hour: int, minute: int) -> str:
    """Accept 4:35, 04:35, 4.35, 16:35 — but not 4:36 or 14:35."""
    hours = {f"0?{hour}", f"{hour + 12}"}
    return r"(?<!\d)(" + "|".join(sorted(hours)) + rf")\s*[:.h]\s*{minute:02d}(?!\d)"


def gauge(value: float):
    """A pressure gauge from 0 to 100 bar over 270 degrees: labels every 20, ticks every 5."""
    c = Canvas((560, 520), (210, 214, 218))
    cx, cy = 280, 270
    c.circle(cx, cy, 235, fill=(90, 95, 100))
    c.circle(cx, cy, 220, fill="white")

    def angle(v):
        return -135 + 270 * v / 100

    # the red zone from 80 to 100 bar (Pillow's arc angles start at 3 o'clock)
    c.arc((cx - 196, cy - 196, cx + 196, cy + 196), angle(80) - 90, angle(100) - 90, (210, 40, 40), width=8)
    for v in range(0, 101, 5):
        major = v % 10 == 0
        c.line([polar(cx, cy, 200, angle(v)), polar(cx, cy, 172 if major else 186, angle(v))], (20, 20, 20),
               width=5 if major else 2)
        if v % 20 == 0:
            c.text(polar(cx, cy, 140, angle(v)), str(v), "sans-bold", 30, (20, 20, 20), anchor="mm")
    c.text((cx, cy + 95), "bar", "sans", 28, (60, 60, 60), anchor="mm")
    tip = polar(cx, cy, 185, angle(value))
    left, right = polar(cx, cy, 12, angle(value) - 90), polar(cx, cy, 12, angle(value) + 90)
    c.polygon([left, tip, right, polar(cx, cy, 30, angle(value) + 180)], fill=(25, 25, 25))
    c.circle(cx, cy, 18, fill=(60, 60, 60))
    return c.image()


PIPS = {1: [(0, 0)], 2: [(-1, -1), (1, 1)], 3: [(-1, -1), (0, 0), (1, 1)], 4: [(-1, -1), (1, -1), (-1, 1), (1, 1)],
        5: [(-1, -1), (1, -1), (0, 0), (-1, 1), (1, 1)], 6: [(-1, -1), (1, -1), (-1, 0), (1, 0), (-1, 1), (1, 1)]}


def dice(faces: list[int], seed: int = 4):
    rng = random.Random(seed)
    c = Canvas((760, 360), (30, 110, 60))
    for i, face in enumerate(faces):
        cx, cy, turn = 150 + i * 230, 180 + rng.uniform(-30, 30), rng.uniform(-25, 25)
        c.polygon(rotated_rect(cx + 8, cy + 10, 150, 150, turn), fill=(0, 0, 0, 80))
        c.polygon(rotated_rect(cx, cy, 150, 150, turn), fill=(250, 250, 245))
        a = math.radians(turn)
        for px, py in PIPS[face]:
            dx, dy = px * 40, py * 40
            c.circle(cx + dx * math.cos(a) - dy * math.sin(a), cy + dx * math.sin(a) + dy * math.cos(a), 14,
                     fill=(20, 20, 20))
    return c.image()


def traffic_light(lit: str):
    c = Canvas((300, 560), (150, 190, 225))
    c.rectangle((135, 440, 165, 560), fill=(70, 70, 70))
    c.rectangle((70, 40, 230, 450), fill=(35, 35, 35), radius=24)
    colours = {"red": (230, 40, 30), "yellow": (250, 190, 30), "green": (40, 200, 80)}
    for i, (name, rgb) in enumerate(colours.items()):
        on = name == lit
        c.circle(150, 115 + i * 130, 52, fill=rgb if on else tuple(v // 4 + 20 for v in rgb))
        if on:
            c.circle(135, 100 + i * 130, 16, fill=(255, 255, 255, 90))
    return c.image()


def thermometer(celsius: int):
    """A wall thermometer from -10 to 40 degC: a tick every 2 degrees, labels every 10."""
    c = Canvas((360, 680), (245, 245, 240))
    c.rectangle((110, 30, 250, 650), fill="white", outline=(120, 120, 120), width=3, radius=20)

    def y(t):
        return 560 - (t + 10) * 9.4

    for t in range(-10, 41, 2):
        long = t % 10 == 0
        c.line([(175, y(t)), (205 if long else 195, y(t))], (30, 30, 30), width=3 if long else 1.5)
        if long:
            c.text((212, y(t)), str(t), "sans", 24, (30, 30, 30), anchor="lm")
    c.text((200, 615), "°C", "sans-bold", 26, (30, 30, 30), anchor="lm")
    c.rectangle((156, y(41), 170, 585), fill=(235, 235, 240), outline=(160, 160, 160), width=1.5, radius=7)
    c.rectangle((157.5, y(celsius), 168.5, 585), fill=(210, 30, 30))
    c.circle(163, 590, 22, fill=(210, 30, 30))
    return c.image()


def ruler_and_pencil(start_cm: float, end_cm: float):
    c = Canvas((900, 300), (235, 230, 220))
    left, px_per_cm = 60, 52
    c.rectangle((40, 160, 860, 260), fill=(250, 225, 120), outline=(170, 140, 60), width=2)
    for mm in range(0, 151):
        x = left + mm * px_per_cm / 10
        length = 30 if mm % 10 == 0 else 20 if mm % 5 == 0 else 12
        c.line([(x, 160), (x, 160 + length)], (30, 30, 30), width=2 if mm % 10 == 0 else 1)
        if mm % 10 == 0:
            c.text((x, 205), str(mm // 10), "sans", 20, (30, 30, 30), anchor="mt")
    c.text((800, 240), "cm", "sans", 18, (30, 30, 30), anchor="mm")
    x1, x2 = left + start_cm * px_per_cm, left + end_cm * px_per_cm
    c.polygon([(x1, 130), (x1 + 30, 112), (x1 + 30, 148)], fill=(235, 200, 150))
    c.polygon([(x1, 130), (x1 + 10, 124), (x1 + 10, 136)], fill=(40, 40, 40))
    c.rectangle((x1 + 30, 112, x2 - 24, 148), fill=(60, 120, 200))
    c.rectangle((x2 - 24, 112, x2 - 14, 148), fill=(200, 200, 200))
    c.rectangle((x2 - 14, 112, x2, 148), fill=(235, 130, 150), radius=3)
    return c.image()


def odd_one_out(odd: int, seed: int = 9):
    """Nine numbered arrow-like shapes; the odd one is the mirror image of the others."""
    rng = random.Random(seed)
    c = Canvas((660, 660), "white")
    for i in range(9):
        cx, cy = 120 + (i % 3) * 210, 110 + (i // 3) * 210
        mirror = -1 if i + 1 == odd else 1
        turn = rng.choice([0, 90, 180, 270])
        pts = [(-50, -40), (30, -40), (30, -65), (65, -10), (30, 45), (30, 20), (-15, 20), (-15, 50), (-50, 50)]
        a = math.radians(turn)
        moved = [(cx + mirror * x * math.cos(a) - y * math.sin(a), cy + mirror * x * math.sin(a) + y * math.cos(a))
                 for x, y in pts]
        c.polygon(moved, fill=(60, 90, 160))
        c.text((cx, cy + 92), str(i + 1), "sans-bold", 26, (40, 40, 40), anchor="mm")
    return c.image()


def add(s: SuiteWriter) -> None:
    time_prompt = "What time does this clock show? Answer as H:MM."
    for hour, minute, style in [(4, 35, "arabic"), (7, 50, "roman"), (10, 8, "none")]:
        img = s.generated(f"clock-{hour:02d}{minute:02d}", clock(hour, minute, style))
        s.ask(f"clock-time-{hour:02d}{minute:02d}", img, CAT, time_prompt,
              mentions(f"{hour}:{minute:02d}", time_pattern(hour, minute)))
    s.ask("gauge-pressure", s.generated("gauge-65", gauge(65)), CAT,
          "What pressure does this gauge read, in bar? Answer with a number.", number(65))
    s.ask("dice-total", s.generated("dice-three", dice([5, 3, 6])), CAT,
          "What is the total of the three dice? Answer with a number.", number(14))
    s.ask("traffic-light-colour", s.generated("traffic-light", traffic_light("yellow")), CAT,
          "Which light is lit on this traffic signal?", mentions("yellow", r"\b(yellow|amber)\b"))
    s.ask("thermometer-reading", s.generated("thermometer-24", thermometer(24)), CAT,
          "What temperature does the thermometer show, in degrees Celsius? Answer with a number.", number(24))
    s.ask("pencil-length", s.generated("ruler-pencil", ruler_and_pencil(3, 11.5)), CAT,
          "How long is the pencil lying above the ruler, in centimetres? Answer with a number.", number(8.5))
    s.ask("odd-one-out", s.generated("odd-one-out", odd_one_out(6)), CAT,
          "Eight of these nine shapes are the same shape, only turned. One is a mirror image. "
          "Which number is under the mirrored one? Answer with a number.", number(6))

    img = s.photo(photos.CHELSEA)
    s.ask("chelsea-animal", img, CAT, "What animal is this?", mentions("cat", r"\b(cat|kitten|feline)\b"))
    s.ask("chelsea-eye-colour", img, CAT,
          "What colour are the animal's eyes? Answer with one of: blue, brown, green, grey.",
          choice("green", ["blue", "brown", "green", "grey"]))
    img = s.photo(photos.COFFEE)
    s.ask("coffee-drink", img, CAT, "What drink is in the cup?",
          mentions("coffee", r"\b(coffee|espresso|cappuccino|latte|macchiato)\b"))
    s.ask("coffee-table-material", img, CAT, "What is the table under the saucer made of?",
          mentions("wood", r"\b(wood|wooden|timber|oak|walnut|pine)\b"))
    img = s.photo(photos.ASTRONAUT)
    s.ask("astronaut-suit-colour", img, CAT, "What colour is the suit the person is wearing?",
          mentions("orange", r"\borange\b"))
    s.ask("astronaut-model", img, CAT, "What is the white model standing in the top-right corner of the picture?",
          mentions("a space shuttle", r"\b(space\s*shuttle|shuttle|orbiter)\b"))
    s.ask("astronaut-helmet", img, CAT, "What is the large black, round, shiny object in the bottom-right corner?",
          mentions("a space helmet", r"\bhelmet\b"))
    img = s.photo(photos.ROCKET)
    s.ask("rocket-vehicle", img, CAT, "What is standing upright in the middle of the picture?",
          mentions("a rocket", r"\b(rocket|launch vehicle|falcon)\b"))
    s.ask("rocket-floodlights", img, CAT, "Are the floodlights around the launch pad switched on? Answer yes or no.",
          yes_no(True))
    img = s.photo(photos.GRACE_HOPPER)
    s.ask("hopper-glasses", img, CAT, "Is the person in this portrait wearing glasses? Answer yes or no.",
          yes_no(True))
    s.ask("hopper-cap-badge", img, CAT, "What bird is shown on the badge at the front of her cap?",
          mentions("an eagle", r"\beagle\b"))
    s.ask("text-handwritten", s.photo(photos.TEXT), CAT,
          "Is the writing in this photo handwritten or printed? Answer handwritten or printed.",
          choice("handwritten", ["handwritten", "printed"]))

