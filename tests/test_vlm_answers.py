"""Detection answers -> pixel boxes: supervision's parser and the lenient one, per convention,
against boxes computed by hand (the arithmetic is in tests/test_boxes.py)."""

from __future__ import annotations

import pytest

from generator.runner.vlm_answers import (
    UnknownConvention,
    detection_items,
    json_values,
    lenient_detections,
    parse_detections,
    supervision_detections,
)

W, H = 320, 240
RED_BOX = [40.0, 30.0, 200.0, 180.0]
WHOLE = [0.0, 0.0, 320.0, 240.0]


def xyxy_and_labels(found):
    return [(box.xyxy, box.label) for box in found]


# well-formed answers, one per convention, as each model family writes them
WELL_FORMED = {
    "gemini": ('```json\n[\n  {"box_2d": [125, 125, 750, 625], "label": "red box"},\n'
               '  {"box_2d": [0, 0, 1000, 1000], "label": "image"}\n]\n```',
               W, H, None, [(RED_BOX, "red box"), (WHOLE, "image")]),
    "qwen2.5-vl": ('```json\n[{"bbox_2d": [161, 119, 322, 238], "label": "cat"}]\n```',
                   640, 480, (644, 476), [([160.0, 120.0, 320.0, 240.0], "cat")]),
    "paligemma": ("<loc0128><loc0256><loc0768><loc0896> cat ; <loc0000><loc0000><loc1023><loc1023> dog",
                  640, 480, None, [([160.0, 60.0, 560.0, 360.0], "cat"), ([0.0, 0.0, 639.375, 479.53125], "dog")]),
    "moondream": ('{"objects": [{"x_min": 0.125, "y_min": 0.125, "x_max": 0.625, "y_max": 0.75}]}',
                  W, H, None, [(RED_BOX, "")]),
}


@pytest.mark.parametrize("convention", sorted(WELL_FORMED))
def test_supervision_and_the_lenient_parser_agree_with_hand_computed_boxes(convention):
    text, width, height, input_size, expected = WELL_FORMED[convention]
    strict = supervision_detections(text, width, height, convention, input_size)
    lenient = lenient_detections(text, width, height, convention, input_size)
    assert [(pytest.approx(xyxy), label) for xyxy, label in xyxy_and_labels(strict)] == expected
    assert [(pytest.approx(xyxy), label) for xyxy, label in xyxy_and_labels(lenient)] == expected
    assert xyxy_and_labels(parse_detections(text, width, height, convention, input_size)) == xyxy_and_labels(strict)


def test_qwen_input_size_defaults_to_its_processors_resize():
    text, width, height, _, expected = WELL_FORMED["qwen2.5-vl"]
    found = parse_detections(text, width, height, "qwen2.5-vl")
    assert [(pytest.approx(xyxy), label) for xyxy, label in xyxy_and_labels(found)] == expected


def test_florence2_text_answers_carry_a_label_over_its_boxes():
    # a served Florence-2 answer: a label, then one or more groups of four <loc_N> bins
    text = ("</s><s>car<loc_125><loc_125><loc_625><loc_750><loc_0><loc_0><loc_999><loc_999>"
            "red box<loc_125><loc_125><loc_625><loc_750></s>")
    assert supervision_detections(text, W, H, "florence2") == []  # it reads only post_process_generation dicts
    assert xyxy_and_labels(parse_detections(text, W, H, "florence2")) == [
        (RED_BOX, "car"), ([0.0, 0.0, 319.0, 239.0], "car"), (RED_BOX, "red box")]


def test_gemini_scores_come_from_the_answer_and_are_never_invented():
    scored = '[{"box_2d": [125, 125, 750, 625], "label": "a", "confidence": 0.75}]'
    assert [box.score for box in parse_detections(scored, W, H)] == [0.75]
    unscored = '[{"bbox_2d": [161, 119, 322, 238], "label": "cat"}]'
    assert [box.score for box in parse_detections(unscored, 640, 480, "qwen2.5-vl", (644, 476))] == [None]


LENIENT_GEMINI = {
    "item without a label": ('```json\n[{"box_2d": [125, 125, 750, 625], "label": "a"},'
                             ' {"box_2d": [0, 0, 1000, 1000]}]\n```'),
    "one object, not a list": '{"box_2d": [125, 125, 750, 625], "label": "a"}',
    "bbox key": '[{"bbox": [125, 125, 750, 625], "label": "a"}]',
    "fence inline in prose": ('Here they are: ```json [{"box_2d": [125, 125, 750, 625], "label": "a"}] ```'
                              ' Hope it helps!'),
    "wrapped in an object": '{"detections": [{"box_2d": [125, 125, 750, 625], "name": "a"}]}',
    "quoted numbers": '[{"box_2d": ["125", "125", "750", "625"], "label": "a"}]',
    "a bare list of four numbers": "The red box is at [125, 125, 750, 625].",
}


SUPERVISION_READS_TOO = {"fence inline in prose", "quoted numbers"}


@pytest.mark.parametrize("case", sorted(LENIENT_GEMINI))
def test_lenient_parser_recovers_what_the_strict_schema_drops(case):
    text = LENIENT_GEMINI[case]
    found = parse_detections(text, W, H, "gemini")
    assert found[0].xyxy == RED_BOX
    strict = supervision_detections(text, W, H, "gemini")
    if case in SUPERVISION_READS_TOO:
        assert found == strict
    else:
        assert len(found) > len(strict)


def test_prose_around_json_and_a_cut_off_list_keep_every_complete_box():
    text = ('Sure! [{"box_2d": [125, 125, 750, 625], "label": "a"}, {"box_2d": [0, 0, 1000, 1000], "label": "b"}]'
            ' These are all the boxes [y1, x1, y2, x2].')
    assert xyxy_and_labels(parse_detections(text, W, H)) == [(RED_BOX, "a"), (WHOLE, "b")]
    truncated = '```json\n[{"box_2d": [125, 125, 750, 625], "label": "a"}, {"box_2d": [0, 0, 10'
    assert xyxy_and_labels(parse_detections(truncated, W, H)) == [(RED_BOX, "a")]


def test_answers_without_boxes_give_none():
    assert parse_detections("I cannot see any red box in this image.", W, H) == []
    assert parse_detections('```json\n[]\n```', W, H) == []
    assert parse_detections('[{"box_2d": [125, "left", 750, 625], "label": "a"}]', W, H) == []
    assert parse_detections('[{"box_2d": [125, 125, 750], "label": "a"}]', W, H) == []


def test_the_convention_decides_what_the_numbers_mean_not_the_key():
    # a Gemma answer that borrowed Qwen's key is still y-first on 0-1000 under the gemini convention
    text = '[{"bbox_2d": [125, 125, 750, 625], "label": "a"}]'
    assert parse_detections(text, W, H, "gemini")[0].xyxy == RED_BOX


def test_json_values_prefers_fenced_blocks_over_prose():
    text = 'Example format: [{"box_2d": [0, 0, 1, 1]}]\n```json\n[{"box_2d": [1, 2, 3, 4]}]\n```'
    assert json_values(text) == [[{"box_2d": [1, 2, 3, 4]}]]
    assert detection_items(json_values(text)) == [([1.0, 2.0, 3.0, 4.0], "", None)]


def test_unknown_convention_and_empty_image_are_errors():
    with pytest.raises(UnknownConvention, match="known: gemini"):
        parse_detections("[]", W, H, "yolo")
    with pytest.raises(ValueError, match="positive"):
        parse_detections("[]", 0, H)
