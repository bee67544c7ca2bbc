"""Every model's box coordinates -> original-image pixels [x1, y1, x2, y2], in one place.

Models answer in different grids and orders; a box in the wrong convention still looks like a
box, so each conversion is one small function named after the convention it reads, tested
against hand-computed boxes, and every result is clamped to the image with its corners ordered.

| convention  | numbers                           | grid                                   |
|-------------|-----------------------------------|----------------------------------------|
| florence2   | <loc_x1><loc_y1><loc_x2><loc_y2>  | 1000 bins per axis, bin centre         |
| gemini      | box_2d [y1, x1, y2, x2]           | 0-1000 per axis (Gemini, Gemma)        |
| paligemma   | <locY1><locX1><locY2><locX2>      | 1024 bins per axis                     |
| qwen2.5-vl  | bbox_2d [x1, y1, x2, y2]          | pixels of the resized model input      |
| moondream   | x_min, y_min, x_max, y_max        | 0-1 per axis                           |
"""

from __future__ import annotations

from collections.abc import Sequence

# Qwen2.5-VL's preprocessor_config.json (every released size): the resize the server applies
QWEN25_MIN_PIXELS = 56 * 56
QWEN25_MAX_PIXELS = 14 * 14 * 4 * 16384
QWEN25_FACTOR = 28  # patch 14 x spatial merge 2


def clamp_xyxy(xyxy: Sequence[float], width: int, height: int) -> list[float]:
    """Order the corners (x1 <= x2, y1 <= y2) and clamp them into the width x height image."""
    x1, y1, x2, y2 = (float(v) for v in xyxy)
    x1, x2 = sorted((x1, x2))
    y1, y2 = sorted((y1, y2))
    return [min(max(x1, 0.0), width), min(max(y1, 0.0), height),
            min(max(x2, 0.0), width), min(max(y2, 0.0), height)]


def enclosing_xyxy(points: Sequence[float]) -> list[float]:
    """The axis-aligned rectangle around flat [x, y, x, y, ...] points (OCR quads, polygons)."""
    if len(points) < 2 or len(points) % 2:
        raise ValueError(f"expected flat x, y pairs, got {len(points)} numbers")
    xs, ys = points[0::2], points[1::2]
    return [float(min(xs)), float(min(ys)), float(max(xs)), float(max(ys))]


def florence2_bins_to_xyxy(bins: Sequence[int], width: int, height: int) -> list[float]:
    """Florence-2 <loc_N> bins (x1, y1, x2, y2; 1000 per axis) -> pixels.

    Exactly transformers' `Florence2PostProcessor.dequantize`: the centre of the bin,
    (N + 0.5) * size / 1000, truncated to whole pixels, so a served Florence-2 answer parsed
    here gives the same boxes as the native adapter's `post_process_generation`.
    """
    x1, y1, x2, y2 = bins
    scale_x, scale_y = width / 1000, height / 1000
    return clamp_xyxy([int((x1 + 0.5) * scale_x), int((y1 + 0.5) * scale_y),
                       int((x2 + 0.5) * scale_x), int((y2 + 0.5) * scale_y)], width, height)


def gemini_box_2d_to_xyxy(box_2d: Sequence[float], width: int, height: int) -> list[float]:
    """Gemini / Gemma `box_2d` [y1, x1, y2, x2] on a 0-1000 grid -> pixels."""
    y1, x1, y2, x2 = box_2d
    return clamp_xyxy([x1 / 1000 * width, y1 / 1000 * height, x2 / 1000 * width, y2 / 1000 * height],
                      width, height)


def paligemma_locs_to_xyxy(locs: Sequence[int], width: int, height: int) -> list[float]:
    """PaliGemma <locNNNN> tokens (y1, x1, y2, x2; 1024 bins per axis) -> pixels."""
    y1, x1, y2, x2 = locs
    return clamp_xyxy([x1 / 1024 * width, y1 / 1024 * height, x2 / 1024 * width, y2 / 1024 * height],
                      width, height)


def qwen25_pixels_to_xyxy(xyxy: Sequence[float], input_size: tuple[int, int], width: int, height: int) -> list[float]:
    """Qwen2.5-VL `bbox_2d` in pixels of the resized input (input_size = its width, height) -> pixels."""
    input_width, input_height = input_size
    x1, y1, x2, y2 = xyxy
    sx, sy = width / input_width, height / input_height
    return clamp_xyxy([x1 * sx, y1 * sy, x2 * sx, y2 * sy], width, height)


def qwen25_input_size(width: int, height: int, min_pixels: int = QWEN25_MIN_PIXELS,
                      max_pixels: int = QWEN25_MAX_PIXELS) -> tuple[int, int]:
    """The (width, height) Qwen2.5-VL's processor resizes an image to (its `smart_resize`).

    For a model served behind an API, whose processor outputs we never see; the transformers
    adapter reads the real size from `image_grid_thw` instead.
    """
    # the PIL module: transformers' default Qwen2-VL image processor module needs torchvision
    from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import smart_resize

    resized_height, resized_width = smart_resize(height, width, factor=QWEN25_FACTOR,
                                                  min_pixels=min_pixels, max_pixels=max_pixels)
    return resized_width, resized_height


def normalized_to_xyxy(xyxy: Sequence[float], width: int, height: int) -> list[float]:
    """Moondream's x_min, y_min, x_max, y_max on 0-1 -> pixels."""
    x1, y1, x2, y2 = xyxy
    return clamp_xyxy([x1 * width, y1 * height, x2 * width, y2 * height], width, height)

