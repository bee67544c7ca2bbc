"""Drawing helpers whose coordinates are the ground truth.

`Canvas` draws scenes at 3x and downsamples, so edges are anti-aliased like a photo or a
screenshot while every coordinate passed in (and so every ground-truth box) stays in final-image
pixels. `Page` draws text at 1x and records each line's box from the font's own metrics
(`ImageDraw.textbbox`), which is what OCR ground truth needs.
"""

from __future__ import annotations

import math
from typing import Iterable, Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from .common import font

Point = tuple[float, float]


def bbox(points: Iterable[Point]) -> tuple[float, float, float, float]:
    xs, ys = zip(*points)
    return min(xs), min(ys), max(xs), max(ys)


def regular_polygon(cx: float, cy: float, r: float, sides: int, rotation_deg: float = 0) -> list[Point]:
    """Vertices of a regular polygon; rotation 0 puts the first vertex straight up."""
    return [(cx + r * math.sin(math.radians(rotation_deg + 360 * i / sides)),
             cy - r * math.cos(math.radians(rotation_deg + 360 * i / sides))) for i in range(sides)]


def star(cx: float, cy: float, r: float, points: int = 5, inner: float = 0.45, rotation_deg: float = 0) -> list[Point]:
    out = []
    for i in range(points * 2):
        radius = r if i % 2 == 0 else r * inner
        angle = math.radians(rotation_deg + 180 * i / points)
        out.append((cx + radius * math.sin(angle), cy - radius * math.cos(angle)))
    return out


def rotated_rect(cx: float, cy: float, w: float, h: float, angle_deg: float) -> list[Point]:
    a = math.radians(angle_deg)
    corners = [(-w / 2, -h / 2), (w / 2, -h / 2), (w / 2, h / 2), (-w / 2, h / 2)]
    return [(cx + x * math.cos(a) - y * math.sin(a), cy + x * math.sin(a) + y * math.cos(a)) for x, y in corners]


def shape_points(kind: str, cx: float, cy: float, r: float, rotation: float = 0) -> list[Point]:
    """Outline of a named shape of 'radius' r; circles are returned as a 72-gon for boxes only."""
    if kind == "circle":
        return regular_polygon(cx, cy, r, 72)
    if kind == "square":
        return rotated_rect(cx, cy, 2 * r * 0.85, 2 * r * 0.85, rotation)
    if kind == "triangle":
        return regular_polygon(cx, cy, r, 3, rotation)
    if kind == "star":
        return star(cx, cy, r, rotation_deg=rotation)
    if kind == "hexagon":
        return regular_polygon(cx, cy, r, 6, 30 + rotation)
    if kind == "diamond":
        return regular_polygon(cx, cy, r, 4, rotation)
    raise ValueError(kind)


class Canvas:
    """A supersampled drawing surface; call .image() for the final, downsampled picture."""

    def __init__(self, size: tuple[int, int], background="white", scale: int = 3):
        self.size = size
        self.s = scale
        big = (size[0] * scale, size[1] * scale)
        if isinstance(background, Image.Image):
            self._im = background.convert("RGB").resize(big, Image.Resampling.BICUBIC)
        else:
            self._im = Image.new("RGB", big, background)
        self.draw = ImageDraw.Draw(self._im, "RGBA")

    def _pts(self, points: Sequence[Point]) -> list[tuple[float, float]]:
        return [(x * self.s, y * self.s) for x, y in points]

    def _box(self, box) -> list[float]:
        return [v * self.s for v in box]

    def polygon(self, points, fill=None, outline=None, width: float = 0):
        self.draw.polygon(self._pts(points), fill=fill, outline=outline, width=round(width * self.s))
        return bbox(points)

    def ellipse(self, box, fill=None, outline=None, width: float = 0):
        self.draw.ellipse(self._box(box), fill=fill, outline=outline, width=round(width * self.s))
        return tuple(box)

    def circle(self, cx, cy, r, fill=None, outline=None, width: float = 0):
        return self.ellipse((cx - r, cy - r, cx + r, cy + r), fill, outline, width)

    def rectangle(self, box, fill=None, outline=None, width: float = 0, radius: float = 0):
        if radius:
            self.draw.rounded_rectangle(self._box(box), radius * self.s, fill=fill, outline=outline,
                                        width=round(width * self.s))
        else:
            self.draw.rectangle(self._box(box), fill=fill, outline=outline, width=round(width * self.s))
        return tuple(box)

    def line(self, points, fill, width: float = 1, joint: str | None = "curve"):
        self.draw.line(self._pts(points), fill=fill, width=max(1, round(width * self.s)), joint=joint)

    def arc(self, box, start, end, fill, width: float = 1):
        self.draw.arc(self._box(box), start, end, fill=fill, width=max(1, round(width * self.s)))

    def shape(self, kind: str, cx, cy, r, fill, rotation: float = 0, outline=None, width: float = 0):
        """Draw a named shape (see shape_points) and return its exact box."""
        if kind == "circle":
            return self.circle(cx, cy, r, fill, outline, width)
        return self.polygon(shape_points(kind, cx, cy, r, rotation), fill, outline, width)

    def text(self, xy, text: str, face: str, size: float, fill, anchor: str = "la"):
        """Draw text; returns its ink box in final-image pixels."""
        f = font(face, round(size * self.s))
        scaled = (xy[0] * self.s, xy[1] * self.s)
        self.draw.text(scaled, text, font=f, fill=fill, anchor=anchor)
        x1, y1, x2, y2 = self.draw.textbbox(scaled, text, font=f, anchor=anchor)
        return x1 / self.s, y1 / self.s, x2 / self.s, y2 / self.s

    def image(self) -> Image.Image:
        return self._im.resize(self.size, Image.Resampling.LANCZOS)


class Page:
    """A document drawn at 1x whose text lines are recorded with their boxes, in reading order."""

    def __init__(self, size: tuple[int, int], background="white"):
        """`background` is a colour, or an image of `size` to write on (a wall, a sign)."""
        if isinstance(background, Image.Image):
            self.image = background.convert("RGB").resize(size)
        else:
            self.image = Image.new("RGB", size, background)
        self.draw = ImageDraw.Draw(self.image)
        self.lines: list[dict] = []

    def text(self, xy, text: str, face: str, size: int, fill="black", anchor: str = "la", record: bool = True):
        f = font(face, size)
        self.draw.text(xy, text, font=f, fill=fill, anchor=anchor)
        box = self.draw.textbbox(xy, text, font=f, anchor=anchor)
        if record:
            self.lines.append({"text": text, "xyxy": list(box)})
        return box

    def paragraph(self, x: float, y: float, texts: Sequence[str], face: str, size: int, fill, leading: float):
        """Lines of one font, each ``leading`` pixels below the last, each recorded with its box."""
        for i, text in enumerate(texts):
            self.text((x, y + i * leading), text, face, size, fill)

    def row(self, y: float, cells: Sequence[tuple], fill="black"):
        """Cells (x, text, face, size[, anchor]) on one line, recorded as ONE line (texts joined by a
        space): that is how a reader, and an OCR engine, reads a table row or "TOTAL ... 12.00"."""
        boxes = [self.text((x, y), text, face, size, fill, rest[0] if rest else "la", record=False)
                 for x, text, face, size, *rest in cells]
        union = [min(b[0] for b in boxes), min(b[1] for b in boxes),
                 max(b[2] for b in boxes), max(b[3] for b in boxes)]
        self.lines.append({"text": " ".join(c[1] for c in cells), "xyxy": union})
        return union


def ocr_expected(lines: list[dict]) -> dict:
    """The ocr-text grader's `expected`: full text (lines joined by newlines) plus line boxes.
    Runs of spaces drawn for layout ("18:42   Till 3") are written as one, as OCR engines do."""
    clean = [{"text": " ".join(ln["text"].split()), "xyxy": [int(round(v)) for v in ln["xyxy"]]} for ln in lines]
    return {"text": "\n".join(ln["text"] for ln in clean), "lines": clean}


def rotate_with_lines(image: Image.Image, lines: list[dict], angle: float, fill) -> tuple[Image.Image, list[dict]]:
    """Rotate counter-clockwise by `angle` degrees (canvas expanded) and map each line's box to the
    axis-aligned box of its rotated corners."""
    w, h = image.size
    rotated = image.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=fill)
    W, H = rotated.size
    a = math.radians(angle)

    def move(x, y):
        dx, dy = x - w / 2, y - h / 2
        return W / 2 + dx * math.cos(a) + dy * math.sin(a), H / 2 - dx * math.sin(a) + dy * math.cos(a)

    out = []
    for ln in lines:
        x1, y1, x2, y2 = ln["xyxy"]
        out.append({"text": ln["text"], "xyxy": list(bbox([move(x1, y1), move(x2, y1), move(x2, y2), move(x1, y2)]))})
    return rotated, out


def add_noise(image: Image.Image, sigma: float, seed: int) -> Image.Image:
    """Gaussian sensor-like noise from a seeded generator (numpy's PCG64: stable across platforms)."""
    rng = np.random.default_rng(seed)
    pixels = np.asarray(image, dtype=np.float32)
    noisy = pixels + rng.normal(0, sigma, pixels.shape).astype(np.float32)
    return Image.fromarray(np.clip(np.rint(noisy), 0, 255).astype(np.uint8))


def blur(image: Image.Image, radius: float) -> Image.Image:
    return image.filter(ImageFilter.GaussianBlur(radius))


def wood(size: tuple[int, int], seed: int, base=(150, 105, 65)) -> Image.Image:
    """A plain wood-grain texture: wavy horizontal bands plus fine noise."""
    rng = np.random.default_rng(seed)
    w, h = size
    y = np.arange(h, dtype=np.float32)[:, None]
    x = np.arange(w, dtype=np.float32)[None, :]
    phase = rng.uniform(0, 2 * math.pi, 3)
    bands = (np.sin(y / 7.0 + 2.5 * np.sin(x / 90.0 + phase[0]) + phase[1]) * 0.5
             + np.sin(y / 23.0 + np.sin(x / 160.0 + phase[2])) * 0.5)
    grain = rng.normal(0, 0.25, (h, w)).astype(np.float32)
    shade = 1.0 + 0.09 * bands + 0.03 * grain
    rgb = np.clip(np.array(base, dtype=np.float32)[None, None, :] * shade[..., None], 0, 255)
    return Image.fromarray(np.rint(rgb).astype(np.uint8))


def brushed_metal(size: tuple[int, int], seed: int, level: int = 175) -> Image.Image:
    """Grey metal with horizontal brushing streaks."""
    rng = np.random.default_rng(seed)
    w, h = size
    streaks = rng.normal(0, 6, (h, 1)).astype(np.float32) + rng.normal(0, 3, (h, w)).astype(np.float32)
    gradient = np.linspace(-10, 10, w, dtype=np.float32)[None, :]
    grey = np.clip(level + streaks + gradient, 0, 255)
    return Image.fromarray(np.rint(np.repeat(grey[..., None], 3, axis=2)).astype(np.uint8))
