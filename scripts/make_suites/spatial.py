"""Spatial Understanding: left/right, above/below, nearest, front/behind, order and compass
directions, in layouts placed by hand so each answer is unambiguous, plus real photos.

Positions are deliberately not aligned on a grid (balls at different heights, towers of
different sizes) so that answers need the actual geometry, not the drawing order.
"""

from __future__ import annotations

import math

from . import photos
from .common import SuiteWriter, choice, exact, mentions, number, ordered_list, yes_no
from .counting import COLOURS
from .drawing import Canvas

CAT = "spatial-understanding"

LAYOUT = {  # name -> (shape, colour, x, y, radius)
    "red circle": ("circle", "red", 150, 420, 48),
    "blue square": ("square", "blue", 430, 445, 50),
    "green triangle": ("triangle", "green", 600, 390, 52),
    "yellow star": ("star", "yellow", 596, 140, 55),
    "purple hexagon": ("hexagon", "purple", 250, 160, 46),
    "orange diamond": ("diamond", "amber", 345, 265, 44),
    "grey star": ("star", "grey", 735, 525, 32),
}


def layout_scene():
    c = Canvas((820, 600), (248, 247, 242))
    for kind, colour, x, y, r in LAYOUT.values():
        c.shape(kind, x, y, r, COLOURS[colour])
    return c.image()


def nearest_to(name: str) -> str:
    _, _, x, y, _ = LAYOUT[name]
    return min((n for n in LAYOUT if n != name), key=lambda n: math.hypot(LAYOUT[n][2] - x, LAYOUT[n][3] - y))


BALLS = [("orange", 110, 300, 44), ("blue", 215, 180, 30), ("red", 330, 330, 52), ("green", 430, 120, 36),
         ("purple", 545, 260, 40), ("yellow", 650, 360, 28)]
BALL_RGB = {"orange": (235, 130, 30), "blue": (40, 80, 200), "red": (205, 38, 38), "green": (35, 150, 65),
            "purple": (125, 60, 165), "yellow": (235, 200, 40)}


def balls_scene():
    c = Canvas((760, 460), (235, 238, 242))
    c.rectangle((0, 400, 760, 460), fill=(200, 205, 210))
    for colour, x, y, r in BALLS:
        c.circle(x, y, r, fill=BALL_RGB[colour])
        c.circle(x - r * 0.3, y - r * 0.3, r * 0.3, fill=(255, 255, 255, 80))
    return c.image()


GRID = ["BHRT", "KQXE", "WMAZ", "DNPL"]


def letter_grid():
    c = Canvas((520, 520), "white")
    for r, row in enumerate(GRID):
        for col, letter in enumerate(row):
            x, y = 40 + col * 110, 40 + r * 110
            c.rectangle((x, y, x + 110, y + 110), outline=(60, 60, 60), width=3)
            c.text((x + 55, y + 55), letter, "sans-bold", 54, (30, 30, 90), anchor="mm")
    return c.image()


TOWERS = {"left": ["blue", "green", "red", "yellow", "purple"], "right": ["green", "yellow", "blue", "red"]}


def towers_scene():
    """Two block towers, bottom block first; the right one has fewer but taller blocks."""
    c = Canvas((700, 620), (240, 236, 228))
    c.rectangle((0, 560, 700, 620), fill=(150, 130, 100))
    for x, name, height in [(120, "left", 80), (430, "right", 112)]:
        y = 560
        for colour in TOWERS[name]:
            c.rectangle((x, y - height, x + 150, y), fill=BALL_RGB[colour], outline=(40, 40, 40), width=2)
            y -= height
    return c.image()


def occlusion_scene():
    """Back to front: red square, blue circle, yellow triangle; each partly hides the one behind."""
    c = Canvas((640, 480), "white")
    c.rectangle((120, 100, 340, 320), fill=BALL_RGB["red"])
    c.circle(360, 280, 120, fill=BALL_RGB["blue"])
    c.polygon([(300, 430), (420, 170), (540, 430)], fill=BALL_RGB["yellow"])
    return c.image()


BUILDINGS = {  # name -> centre on a map whose north is up
    "Library": (380, 150), "Park": (380, 330), "School": (160, 330), "Bakery": (600, 330),
    "Post Office": (380, 510), "Station": (600, 510),
}


def town_map():
    c = Canvas((800, 640), (238, 234, 220))
    for y in (240, 420):
        c.rectangle((0, y - 18, 800, y + 18), fill=(200, 200, 200))
    for x in (270, 490):
        c.rectangle((x - 18, 0, x + 18, 640), fill=(200, 200, 200))
    for name, (x, y) in BUILDINGS.items():
        fill = (140, 200, 120) if name == "Park" else (190, 160, 130)
        c.rectangle((x - 80, y - 55, x + 80, y + 55), fill=fill, outline=(90, 80, 70), width=2, radius=6)
        c.text((x, y), name, "sans-bold", 22, (40, 40, 40), anchor="mm")
    c.circle(720, 90, 42, fill="white", outline=(60, 60, 60), width=2)
    c.polygon([(720, 56), (732, 92), (708, 92)], fill=(200, 40, 40))
    c.polygon([(720, 124), (732, 92), (708, 92)], fill=(90, 90, 90))
    c.text((720, 28), "N", "sans-bold", 24, (30, 30, 30), anchor="mm")
    return c.image()


BARS = {"A": 210, "B": 120, "C": 300, "D": 165, "E": 255}


def bars_scene():
    c = Canvas((640, 420), "white")
    c.line([(50, 360), (600, 360)], (40, 40, 40), width=2)
    for i, (label, height) in enumerate(BARS.items()):
        x = 80 + i * 105
        c.rectangle((x, 360 - height, x + 70, 360), fill=(70, 110, 170))
        c.text((x + 35, 372), label, "sans-bold", 26, (30, 30, 30), anchor="mt")
    return c.image()


def add(s: SuiteWriter) -> None:
    img = s.generated("shapes-layout", layout_scene())
    s.ask("left-of-red-circle", img, CAT, "Is the red circle to the left of the blue square? Answer yes or no.",
          yes_no(LAYOUT["red circle"][2] < LAYOUT["blue square"][2]))
    s.ask("square-above-star", img, CAT, "Is the blue square above the yellow star? Answer yes or no.",
          yes_no(LAYOUT["blue square"][3] < LAYOUT["yellow star"][3]))
    s.ask("above-green-triangle", img, CAT, "Which shape is directly above the green triangle?",
          mentions("the yellow star", r"\byellow\s+star\b"))
    nearest = nearest_to("purple hexagon")
    s.ask("nearest-to-hexagon", img, CAT, "Which shape is closest to the purple hexagon?",
          mentions(f"the {nearest}", r"\b(orange|yellow)?\s*(diamond|rhombus)\b"))

    img = s.generated("balls-row", balls_scene())
    s.ask("balls-left-to-right", img, CAT,
          "List the colours of the balls from left to right, separated by commas.",
          ordered_list([colour for colour, *_ in sorted(BALLS, key=lambda b: b[1])]))
    highest = min(BALLS, key=lambda b: b[2] - b[3])[0]
    s.ask("highest-ball", img, CAT, "Which ball is highest up in the picture? Answer with its colour only.",
          exact(highest))

    img = s.generated("letter-grid", letter_grid())
    only = " Answer with the letter only."
    s.ask("grid-bottom-left", img, CAT, "Which letter is in the bottom-left cell of the grid?" + only,
          exact(GRID[-1][0]))
    s.ask("grid-right-of-q", img, CAT, "Which letter is directly to the right of the letter Q?" + only,
          exact(GRID[1][GRID[1].index("Q") + 1]))
    s.ask("grid-below-x", img, CAT, "Which letter is directly below the letter X?" + only,
          exact(GRID[2][GRID[1].index("X")]))
    s.ask("grid-row-of-m", img, CAT, "In which row of the grid, counting from the top, is the letter M? "
          "Answer with a number.", number(next(i + 1 for i, row in enumerate(GRID) if "M" in row)))

    img = s.generated("block-towers", towers_scene())
    left = TOWERS["left"]
    s.ask("block-on-green", img, CAT,
          "In the left tower, what colour is the block directly on top of the green block? "
          "Answer with the colour only.",
          exact(left[left.index("green") + 1]))
    s.ask("taller-tower", img, CAT, "Which tower is taller, the left one or the right one? Answer left or right.",
          choice("right", ["left", "right"]))  # 5 x 80 px = 400 < 4 x 112 px = 448

    img = s.generated("overlapping-shapes", occlusion_scene())
    s.ask("front-shape", img, CAT, "Which shape is at the very front, not covered by anything?",
          mentions("the yellow triangle", r"\btriangle\b"))
    s.ask("square-in-front", img, CAT, "Is the red square in front of the blue circle? Answer yes or no.",
          yes_no(False))

    img = s.generated("town-map", town_map())
    s.ask("map-north-of-park", img, CAT, "On this map, which building is directly north of the Park?",
          mentions("the Library", r"\blibrary\b"))
    s.ask("map-school-side", img, CAT, "Is the School east or west of the Park? Answer east or west.",
          choice("west", ["east", "west"]))
    s.ask("map-station-corner", img, CAT,
          "In which corner of the map is the Station: north-east, north-west, south-east or south-west?",
          mentions("south-east", r"\bsouth[\s-]?east\b"))

    img = s.generated("bars-unlabelled", bars_scene())
    s.ask("bars-shortest-to-tallest", img, CAT,
          "List the bar letters from the shortest bar to the tallest, separated by commas.",
          ordered_list(sorted(BARS, key=BARS.get)))

    img = s.photo(photos.COFFEE)
    s.ask("coffee-spoon-side", img, CAT, "Is the spoon to the left or to the right of the cup? Answer left or right.",
          choice("right", ["left", "right"]))
    s.ask("coffee-handle-side", img, CAT,
          "Does the cup's handle stick out on the left or the right side of the cup? Answer left or right.",
          choice("left", ["left", "right"]))
    s.ask("astronaut-flag-side", s.photo(photos.ASTRONAUT), CAT,
          "Is the flag on the left or the right side of the picture? Answer left or right.",
          choice("left", ["left", "right"]))
    s.ask("hopper-flag-side", s.photo(photos.GRACE_HOPPER), CAT,
          "Is the flag behind her on the left or the right side of the picture? Answer left or right.",
          choice("left", ["left", "right"]))
    s.ask("chelsea-bigger-eye", s.photo(photos.CHELSEA), CAT,
          "Which of the cat's eyes looks bigger in the picture, the one on the left of the image or the one on "
          "the right? Answer left or right.", choice("left", ["left", "right"]))
