"""Every box convention against boxes computed by hand.

The reference box is the red rectangle x 40..200, y 30..180 in a 320 x 240 image (or, where a
grid needs it, x 160..560, y 60..360 in 640 x 480); each test writes the model's numbers for it
in that model's convention and expects the same pixels back.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator.runner import boxes

RED_BOX = [40.0, 30.0, 200.0, 180.0]  # in a 320 x 240 image


def test_clamp_orders_corners_and_keeps_boxes_inside_the_image():
    assert boxes.clamp_xyxy([200, 180, 40, 30], 320, 240) == RED_BOX
    assert boxes.clamp_xyxy([-5, -1, 400, 250], 320, 240) == [0.0, 0.0, 320.0, 240.0]


def test_enclosing_rectangle_of_a_quad_and_a_polygon():
    quad = [32, 24, 64, 20, 70, 48, 30, 50]  # a slightly rotated word box
    assert boxes.enclosing_xyxy(quad) == [30.0, 20.0, 70.0, 50.0]
    assert boxes.enclosing_xyxy([10, 10, 50, 12, 30, 40]) == [10.0, 10.0, 50.0, 40.0]
    with pytest.raises(ValueError, match="x, y pairs"):
        boxes.enclosing_xyxy([1, 2, 3])


def test_florence2_bins_are_bin_centres_truncated_like_transformers():
    # x: (125 + 0.5) * 320 / 1000 = 40.16 -> 40; y: (125 + 0.5) * 240 / 1000 = 30.12 -> 30
    # x: (625 + 0.5) * 0.32 = 200.16 -> 200;   y: (750 + 0.5) * 0.24 = 180.12 -> 180
    assert boxes.florence2_bins_to_xyxy([125, 125, 625, 750], 320, 240) == RED_BOX
    # the last bin is the last pixel row/column, not the image edge: (999.5) * 0.32 = 319.84 -> 319
    assert boxes.florence2_bins_to_xyxy([0, 0, 999, 999], 320, 240) == [0.0, 0.0, 319.0, 239.0]


def test_gemini_box_2d_is_y_first_on_a_0_to_1000_grid():
    # y1 = 30 / 240 * 1000 = 125, x1 = 40 / 320 * 1000 = 125, y2 = 180 / 240 * 1000 = 750, x2 = 200 / 320 * 1000 = 625
    assert boxes.gemini_box_2d_to_xyxy([125, 125, 750, 625], 320, 240) == RED_BOX
    assert boxes.gemini_box_2d_to_xyxy([0, -20, 1000, 1040], 320, 240) == [0.0, 0.0, 320.0, 240.0]


def test_paligemma_locs_are_y_first_on_1024_bins():
    # 640 x 480: y1 = 128 / 1024 * 480 = 60,  x1 = 256 / 1024 * 640 = 160,
    #            y2 = 768 / 1024 * 480 = 360, x2 = 896 / 1024 * 640 = 560
    assert boxes.paligemma_locs_to_xyxy([128, 256, 768, 896], 640, 480) == [160.0, 60.0, 560.0, 360.0]
    # the last bin stops one bin short of the edge: 1023 / 1024 * 640 = 639.375
    assert boxes.paligemma_locs_to_xyxy([0, 0, 1023, 1023], 640, 480) == [0.0, 0.0, 639.375, 479.53125]


def test_qwen25_pixels_are_scaled_back_from_the_resized_input():
    # 640 x 480 is resized to 644 x 476 (multiples of 28); a box at x 161..322, y 119..238 there is
    # x 161 * 640/644 = 160 .. 320, y 119 * 480/476 = 120 .. 240 in the original
    assert boxes.qwen25_pixels_to_xyxy([161, 119, 322, 238], (644, 476), 640, 480) == pytest.approx(
        [160.0, 120.0, 320.0, 240.0])


@pytest.mark.parametrize(("width", "height", "expected"), [
    (640, 480, (644, 476)),  # round(640 / 28) * 28 = 644, round(480 / 28) * 28 = 476
    (4000, 3000, (4004, 2996)),  # 4004 * 2996 = 11,995,984 pixels: under the 12,845,056 cap
    (8000, 6000, (4116, 3080)),  # over the cap: scaled by sqrt(48e6 / 12845056), floored to multiples of 28
    (30, 20, (84, 56)),  # under 3136 pixels: scaled up, ceiled to multiples of 28
])
def test_qwen25_input_size_follows_the_released_preprocessor(width, height, expected):
    assert boxes.qwen25_input_size(width, height) == expected


def test_moondream_is_normalised_0_to_1():
    assert boxes.normalized_to_xyxy([0.125, 0.125, 0.625, 0.75], 320, 240) == RED_BOX


coordinate = st.floats(min_value=-2000, max_value=3000, allow_nan=False)
size = st.integers(min_value=1, max_value=5000)


@given(numbers=st.lists(coordinate, min_size=4, max_size=4), width=size, height=size)
def test_every_conversion_lands_inside_the_image_with_ordered_corners(numbers, width, height):
    bins = [int(abs(n)) % 1000 for n in numbers]
    for x1, y1, x2, y2 in (
        boxes.florence2_bins_to_xyxy(bins, width, height),
        boxes.gemini_box_2d_to_xyxy(numbers, width, height),
        boxes.paligemma_locs_to_xyxy(numbers, width, height),
        boxes.qwen25_pixels_to_xyxy(numbers, (644, 476), width, height),
        boxes.normalized_to_xyxy([n / 1000 for n in numbers], width, height),
    ):
        assert 0 <= x1 <= x2 <= width
        assert 0 <= y1 <= y2 <= height
