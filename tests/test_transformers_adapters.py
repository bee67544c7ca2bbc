"""The florence2 and transformers-vlm adapters on tiny random checkpoints saved to a folder.

The checkpoints (tests/tiny_models.py) load through the same `from_pretrained`, processor,
chat-template, generate and post-processing code as a real one. Their answers are noise, so
parsing is checked by handing a known answer's tokens to the adapter's own `finish`, the code
that turns every generated row into a Prediction.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch
from PIL import Image, ImageDraw

from generator.catalog.schemas import Runner
from generator.runner.adapter import make_adapter
from generator.runner.adapters.florence2 import UnsupportedCheckpoint, converted_checkpoint_id
from generator.runner.adapters.transformers_base import Generated
from generator.runner.adapters.transformers_vlm import (
    GEMMA4_PROCESSOR,
    ProcessorUnavailable,
    model_input_size,
)
from generator.runner.options import OptionError
from generator.runner.vlm_answers import parse_detections

from tiny_models import build_florence2, build_gemma3, build_gemma4, build_paligemma

pytestmark = pytest.mark.models

W, H = 320, 240
RED_BOX = [40.0, 30.0, 200.0, 180.0]
NEW_TOKENS = 6
FORCED_LENGTH = {"max_new_tokens": NEW_TOKENS, "min_new_tokens": NEW_TOKENS}  # noise would often stop at once
FLORENCE_PARAMS = {**FORCED_LENGTH, "num_beams": 1}
DETECT_TEMPLATE = 'Detect {prompt}. Answer JSON [{"box_2d": [y1, x1, y2, x2], "label": "..."}]'


@pytest.fixture(scope="module", autouse=True)
def offline_single_thread():
    """No hub access, and one thread: tiny models on 2 cores run 10-40x faster with one."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HF_HUB_OFFLINE", "1")
        yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="session")
def florence2_dir(tmp_path_factory) -> Path:
    return build_florence2(tmp_path_factory.mktemp("tiny") / "florence2")


@pytest.fixture(scope="session")
def vlm_dirs(tmp_path_factory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("tiny")
    return {"gemma4": build_gemma4(base / "gemma4", moe=False),
            "gemma4-moe": build_gemma4(base / "gemma4-moe", moe=True),
            "gemma3": build_gemma3(base / "gemma3"),
            "paligemma": build_paligemma(base / "paligemma")}


# the adapters under test run on the CPU in float32 on every machine, so batched and one-by-one
# greedy runs agree exactly (on a GPU in bfloat16 they may differ by rounding)


@pytest.fixture(scope="session")
def florence(florence2_dir):
    adapter = make_adapter(Runner(adapter="florence2", model=str(florence2_dir), device="cpu", params=FLORENCE_PARAMS,
                                  batch_size=4))
    adapter.load()
    return adapter


# per checkpoint kind: its runner options and prompt templates, as in model_cards/
VLM_OPTIONS = {"gemma4": {"processor_class": GEMMA4_PROCESSOR}, "gemma4-moe": {"processor_class": GEMMA4_PROCESSOR},
               "gemma3": {}, "paligemma": {"box_convention": "paligemma"}}
VLM_TEMPLATES = {"paligemma": {"object-detection": "detect {prompt}", "captioning": "caption en",
                               "detailed-captioning": "describe en", "vqa": "answer en {prompt}"}}
# what each would answer for the red box in the 320 x 240 image (hand-computed in tests/test_boxes.py)
VLM_DETECTION_ANSWERS = {
    "gemini": 'Here it is:\n```json\n[{"box_2d": [125, 125, 750, 625], "label": "red box"}]\n```',
    # y1 128 / 1024 * 240 = 30, x1 128 / 1024 * 320 = 40, y2 768 -> 180, x2 640 -> 200
    "paligemma": "<loc0128><loc0128><loc0768><loc0640> red box",
}


def vlm_runner(path: Path, name: str) -> Runner:
    return Runner(adapter="transformers-vlm", model=str(path), device="cpu", params=FORCED_LENGTH, batch_size=3,
                  options=VLM_OPTIONS[name],
                  prompt_templates=VLM_TEMPLATES.get(name, {"object-detection": DETECT_TEMPLATE}))


@pytest.fixture(scope="session")
def vlms(vlm_dirs):
    adapters = {name: make_adapter(vlm_runner(path, name)) for name, path in vlm_dirs.items()}
    for adapter in adapters.values():
        adapter.load()
    return adapters


@pytest.fixture(scope="session")
def red_box_image() -> Image.Image:
    image = Image.new("RGB", (W, H), "white")
    ImageDraw.Draw(image).rectangle(RED_BOX, fill="red")
    return image


def known_answer(adapter, request, text: str) -> Generated:
    """The row generate would return had the model written `text` (then its end token)."""
    tokenizer = adapter.processor.tokenizer
    ids = tokenizer(text, add_special_tokens=False)["input_ids"] + [tokenizer.eos_token_id]
    inputs = adapter.encode([request])
    return Generated(ids=ids, input_tokens=int(inputs["attention_mask"].sum()), inputs=inputs, row=0)


def single_input_length(adapter, request) -> int:
    return int(adapter.encode([request])["input_ids"].shape[1])


# ================================================================ Florence-2

FLORENCE_PROMPTS = {"phrase-grounding": "a red box", "open-vocabulary-detection": "red box",
                    "vqa": "What colour is the box?"}


def test_florence2_runs_every_task_through_processor_and_generate(florence, red_box_image):
    assert type(florence.model).__name__ == "Florence2ForConditionalGeneration"
    image_tokens = florence.processor.num_image_tokens
    for task in sorted(florence.tasks):
        prompt = FLORENCE_PROMPTS.get(task, "ignored: the task token is the prompt")
        request = florence.prepare(red_box_image, prompt, task)
        prediction = florence.predict(red_box_image, prompt, task)
        assert isinstance(prediction.output, str) and "</s>" not in prediction.output
        assert prediction.output_tokens == NEW_TOKENS
        assert prediction.input_tokens == single_input_length(florence, request) > image_tokens
        if task in {"object-detection", "phrase-grounding", "open-vocabulary-detection", "region-proposal"}:
            assert prediction.structured is not None and not prediction.structured.lines
        elif task == "ocr-with-regions":
            assert prediction.structured is not None and not prediction.structured.boxes
        else:
            assert prediction.structured is None


def test_florence2_maps_tasks_to_task_tokens(florence, red_box_image):
    assert florence.prepare(red_box_image, "Describe it", "captioning").text == "<CAPTION>"
    assert florence.prepare(red_box_image, "", "detailed-captioning").text == "<DETAILED_CAPTION>"
    assert florence.prepare(red_box_image, "", "ocr-with-regions").text == "<OCR_WITH_REGION>"
    grounding = florence.prepare(red_box_image, "a red box", "phrase-grounding")
    assert grounding.text == "<CAPTION_TO_PHRASE_GROUNDING>a red box"
    open_vocabulary = florence.prepare(red_box_image, "red box", "open-vocabulary-detection")
    assert open_vocabulary.text == "<OPEN_VOCABULARY_DETECTION>red box"
    assert florence.prepare(red_box_image, "What colour?", "vqa").text == "What colour?"


@pytest.mark.parametrize(("task", "answer", "expected"), [
    ("object-detection", "car<loc_125><loc_125><loc_625><loc_750>", [(RED_BOX, "car")]),
    ("phrase-grounding", "a red box<loc_125><loc_125><loc_625><loc_750><loc_0><loc_0><loc_999><loc_999>",
     [(RED_BOX, "a red box"), ([0.0, 0.0, 319.0, 239.0], "a red box")]),
    ("region-proposal", "<loc_125><loc_125><loc_625><loc_750>", [(RED_BOX, "")]),
    ("open-vocabulary-detection", "red box<loc_125><loc_125><loc_625><loc_750>", [(RED_BOX, "red box")]),
])
def test_florence2_boxes_come_from_post_process_generation_in_pixels(florence, red_box_image, task, answer, expected):
    request = florence.prepare(red_box_image, FLORENCE_PROMPTS.get(task, ""), task)
    prediction = florence.finish(request, known_answer(florence, request, answer))
    assert prediction.output == answer  # loc tokens kept verbatim, sequence framing dropped
    assert [(box.xyxy, box.label) for box in prediction.structured.boxes] == expected
    # a served Florence-2 answer parsed as text gives the same boxes as the native post-processor
    assert parse_detections(prediction.output, W, H, "florence2") == prediction.structured.boxes


def test_florence2_open_vocabulary_polygons_become_enclosing_boxes(florence, red_box_image):
    request = florence.prepare(red_box_image, "red box", "open-vocabulary-detection")
    answer = "red box<poly><loc_125><loc_125><loc_625><loc_125><loc_625><loc_750><loc_125><loc_750></poly>"
    boxes = florence.finish(request, known_answer(florence, request, answer)).structured.boxes
    assert [(box.xyxy, box.label) for box in boxes] == [(RED_BOX, "red box")]


def test_florence2_ocr_regions_become_lines_with_enclosing_boxes(florence, red_box_image):
    request = florence.prepare(red_box_image, "", "ocr-with-regions")
    # quad corners (100, 100) (200, 100) (200, 200) (100, 200) in bins -> x 32..64, y 24..48 pixels
    answer = ("HELLO<loc_100><loc_100><loc_200><loc_100><loc_200><loc_200><loc_100><loc_200>"
              "WORLD<loc_300><loc_300><loc_400><loc_300><loc_400><loc_400><loc_300><loc_400>")
    lines = florence.finish(request, known_answer(florence, request, answer)).structured.lines
    assert [(line.text, line.xyxy) for line in lines] == [("HELLO", [32.0, 24.0, 64.0, 48.0]),
                                                          ("WORLD", [96.0, 72.0, 128.0, 96.0])]


def test_florence2_batch_matches_one_by_one(florence, red_box_image):
    tall = Image.new("RGB", (90, 300), "blue")
    items = [(red_box_image if i % 2 else tall, FLORENCE_PROMPTS.get(task, ""), task)
             for i, task in enumerate(sorted(florence.tasks))]
    batched = florence.predict_batch(items)
    alone = [florence.predict(*item) for item in items]
    assert [(p.output, p.input_tokens, p.output_tokens) for p in batched] == \
           [(p.output, p.input_tokens, p.output_tokens) for p in alone]


def test_florence2_records_bad_items_and_runs_the_rest(florence, red_box_image):
    results = florence.predict_batch([(red_box_image, "  ", "phrase-grounding"),
                                      (red_box_image, "a cat?", "classification"),
                                      (red_box_image, "", "captioning")])
    assert isinstance(results[0], ValueError) and "needs text" in str(results[0])
    assert isinstance(results[1], ValueError) and "no task token for 'classification'" in str(results[1])
    assert results[2].output_tokens == NEW_TOKENS


def test_params_are_the_generation_settings_plus_what_changes_boxes(florence, florence2_dir, vlms):
    # loaded adapters name the dtype their weights run in: bfloat16 and float32 answer differently
    assert florence.params() == {"max_new_tokens": NEW_TOKENS, "min_new_tokens": NEW_TOKENS, "num_beams": 1,
                                 "do_sample": False, "dtype": "float32"}
    defaults = make_adapter(Runner(adapter="florence2", model=str(florence2_dir))).params()
    assert defaults == {"max_new_tokens": 1024, "num_beams": 3, "do_sample": False}
    assert make_adapter(Runner(adapter="florence2", model=str(florence2_dir), dtype="bfloat16")).params()["dtype"] == "bfloat16"
    gemma3 = vlms["gemma3"]
    if gemma3.model is None:
        gemma3.load()
    assert gemma3.params() == {**FORCED_LENGTH, "do_sample": False, "box_convention": "gemini", "dtype": "float32",
                               "prompt_templates": dict(gemma3.config.prompt_templates)}  # a template edit re-runs
    assert gemma3.config.prompt_templates
    assert set(vlms["gemma3"].libraries()) == {"supervision"}


def test_revision_is_the_commit_the_hub_resolved(florence2_dir, monkeypatch):
    from huggingface_hub import ResolvedRevision

    adapter = make_adapter(Runner(adapter="florence2", model=str(florence2_dir), revision="v1"))
    adapter.load()
    assert adapter.revision() == "v1"  # a local folder has no commit to resolve
    commit = "0123456789abcdef0123456789abcdef01234567"
    monkeypatch.setattr("transformers.utils.hub.resolve_revision",
                        lambda model, revision: ResolvedRevision(commit, initial=revision))
    adapter.load()
    assert adapter.revision() == commit


REMOTE_CODE_CONFIG = {  # the shape of microsoft/Florence-2-large's config.json
    "architectures": ["Florence2ForConditionalGeneration"],
    "auto_map": {"AutoConfig": "configuration_florence2.Florence2Config",
                 "AutoModelForCausalLM": "modeling_florence2.Florence2ForConditionalGeneration"},
    "model_type": "florence2", "is_encoder_decoder": True, "vocab_size": 51289,
    "text_config": {"model_type": "florence2_language", "d_model": 1024, "vocab_size": 51289},
    "vision_config": {"model_type": "davit", "dim_embed": [256, 512, 1024, 2048]},
}


def test_florence2_refuses_remote_code_checkpoints_and_names_the_converted_one(tmp_path, monkeypatch):
    folder = tmp_path / "microsoft" / "Florence-2-large"  # a local folder under the hub id's name
    folder.mkdir(parents=True)
    (folder / "config.json").write_text(json.dumps(REMOTE_CODE_CONFIG))
    monkeypatch.chdir(tmp_path)
    adapter = make_adapter(Runner(adapter="florence2", model="microsoft/Florence-2-large"))
    with pytest.raises(UnsupportedCheckpoint, match="remote-code.*florence-community/Florence-2-large "):
        adapter.load()
    assert converted_checkpoint_id("microsoft/Florence-2-base-ft") == "florence-community/Florence-2-base-ft"
    assert converted_checkpoint_id("someone/florence-finetune") is None


def test_florence2_refuses_other_models_and_missing_processors(tmp_path, florence2_dir, vlm_dirs):
    with pytest.raises(UnsupportedCheckpoint, match="not a Florence-2 checkpoint.*'gemma3'"):
        make_adapter(Runner(adapter="florence2", model=str(vlm_dirs["gemma3"]))).load()
    bare = shutil.copytree(florence2_dir, tmp_path / "no-processor")
    (bare / "processor_config.json").unlink()
    with pytest.raises(UnsupportedCheckpoint, match="cannot load a Florence2Processor"):
        make_adapter(Runner(adapter="florence2", model=str(bare))).load()


def test_adapter_configuration_errors(florence2_dir):
    with pytest.raises(ValueError, match="needs runner.model"):
        make_adapter(Runner(adapter="florence2"))
    with pytest.raises(ValueError, match="unknown option.*box_convention.*known: none"):
        make_adapter(Runner(adapter="florence2", model=str(florence2_dir), options={"box_convention": "gemini"}))
    with pytest.raises(OptionError, match="options.box_convention: 'yolo' is not one of gemini"):
        make_adapter(Runner(adapter="transformers-vlm", model="x", options={"box_convention": "yolo"}))
    with pytest.raises(OptionError, match="options.box_convention: 'gemni' .*did you mean 'gemini'"):
        make_adapter(Runner(adapter="transformers-vlm", model="x", options={"box_convention": "gemni"}))
    with pytest.raises(OptionError, match="options.processor_class: 'Gemma4' does not look like 'package.module:Class'"):
        make_adapter(Runner(adapter="transformers-vlm", model="x", options={"processor_class": "Gemma4"}))


# ================================================================ VLMs (Gemma 4 dense and MoE, Gemma 3, PaliGemma)

VLMS = ["gemma4", "gemma4-moe", "gemma3", "paligemma"]
MODEL_CLASSES = {"gemma4": "Gemma4ForConditionalGeneration", "gemma4-moe": "Gemma4ForConditionalGeneration",
                 "gemma3": "Gemma3ForConditionalGeneration", "paligemma": "PaliGemmaForConditionalGeneration"}


@pytest.mark.parametrize("name", VLMS)
def test_chat_vlm_prompts_generates_and_counts_tokens(vlms, red_box_image, name):
    adapter = vlms[name]
    assert type(adapter.model).__name__ == MODEL_CLASSES[name]
    if name == "gemma4-moe":
        assert adapter.model.config.text_config.enable_moe_block
    for task, prompt in [("object-detection", "the red box"), ("captioning", "Describe the image."),
                         ("vqa", "What colour is the box?")]:
        request = adapter.prepare(red_box_image, prompt, task)
        prediction = adapter.predict(red_box_image, prompt, task)
        assert isinstance(prediction.output, str)
        assert prediction.output_tokens == NEW_TOKENS
        # the image's soft tokens are part of the prompt the model read
        assert prediction.input_tokens == single_input_length(adapter, request) > 16
        assert (prediction.structured is not None) == (task == "object-detection")


def test_chat_vlm_applies_prompt_templates(vlms, red_box_image):
    request = vlms["gemma4"].prepare(red_box_image, "the red box", "object-detection")
    assert request.text == 'Detect the red box. Answer JSON [{"box_2d": [y1, x1, y2, x2], "label": "..."}]'
    assert vlms["gemma4"].prepare(red_box_image, "What is it?", "vqa").text == "What is it?"


def test_models_without_a_chat_template_get_the_image_token_and_the_prefix(vlms, red_box_image):
    paligemma = vlms["paligemma"]
    request = paligemma.prepare(red_box_image, "red box ; cat", "object-detection")
    assert request.text == "detect red box ; cat"
    prompt = paligemma.processor.tokenizer.decode(paligemma.encode([request])["input_ids"][0])
    image_tokens = paligemma.processor.image_token * paligemma.processor.image_seq_length
    assert prompt == image_tokens + "<bos>detect red box ; cat\n"


@pytest.mark.parametrize("name", VLMS)
def test_chat_vlm_parses_a_known_detection_answer(vlms, red_box_image, name):
    adapter = vlms[name]
    request = adapter.prepare(red_box_image, "the red box", "object-detection")
    answer = VLM_DETECTION_ANSWERS[adapter.box_convention]
    prediction = adapter.finish(request, known_answer(adapter, request, answer))
    assert prediction.output == answer
    assert [(box.xyxy, box.label) for box in prediction.structured.boxes] == [(RED_BOX, "red box")]


@pytest.mark.parametrize("name", VLMS)
def test_chat_vlm_batch_matches_one_by_one(vlms, red_box_image, name):
    adapter = vlms[name]
    items = [(red_box_image, "the red box", "object-detection"),
             (Image.new("RGB", (90, 300), "blue"), "Colour?", "vqa"),
             (Image.new("RGB", (500, 120), "green"), "Describe the image in detail.", "detailed-captioning"),
             (red_box_image, "x", "instance-segmentation")]
    batched = adapter.predict_batch(items)
    assert isinstance(batched[3], ValueError) and "does not run 'instance-segmentation'" in str(batched[3])
    alone = [adapter.predict(*item) for item in items[:3]]
    assert [(p.output, p.input_tokens, p.output_tokens) for p in batched[:3]] == \
           [(p.output, p.input_tokens, p.output_tokens) for p in alone]


def test_gemma4_without_torchvision_gets_a_clear_processor_error(vlm_dirs, tmp_path, red_box_image):
    # the folder saved by the image-text processor: AutoProcessor silently returns the bare tokenizer
    with pytest.raises(ProcessorUnavailable, match=f"GemmaTokenizer.*torchvision.*{GEMMA4_PROCESSOR}"):
        make_adapter(Runner(adapter="transformers-vlm", model=str(vlm_dirs["gemma4"]))).load()
    # a real Gemma 4 layout (Gemma4Processor + audio feature extractor): AutoProcessor needs torchvision
    from transformers import Gemma4AudioFeatureExtractor

    real = shutil.copytree(vlm_dirs["gemma4"], tmp_path / "gemma4-real-layout")
    Gemma4AudioFeatureExtractor().save_pretrained(real)
    config = json.loads((real / "processor_config.json").read_text())
    (real / "processor_config.json").write_text(json.dumps({**config, "processor_class": "Gemma4Processor"}))
    with pytest.raises(ProcessorUnavailable, match=f"torchvision.*{GEMMA4_PROCESSOR}"):
        make_adapter(Runner(adapter="transformers-vlm", model=str(real))).load()
    # the image-text processor reads that real layout
    adapter = make_adapter(vlm_runner(real, "gemma4"))
    assert adapter.predict(red_box_image, "What is it?", "vqa").output_tokens == NEW_TOKENS


@pytest.mark.parametrize(("path", "message"), [
    ("no_such_module:Processor", "cannot import no_such_module"),
    ("generator.runner.gemma4_processor:Missing", "has no Missing"),
    ("Processor", "does not look like 'package.module:Class'"),  # refused when built, before loading
])
def test_bad_processor_class_names_say_what_is_wrong(vlm_dirs, path, message):
    runner = Runner(adapter="transformers-vlm", model=str(vlm_dirs["gemma4"]), options={"processor_class": path})
    with pytest.raises(ValueError, match=message):
        make_adapter(runner).load()


def test_qwen_input_size_comes_from_the_image_grid():
    # image_grid_thw rows are (temporal, height, width) in 14-pixel patches: 34 x 46 patches = 476 x 644 pixels
    inputs = {"image_grid_thw": torch.tensor([[1, 20, 20], [1, 34, 46]])}
    processor = SimpleNamespace(image_processor=SimpleNamespace(patch_size=14))
    assert model_input_size(Generated(ids=[], input_tokens=0, inputs=inputs, row=1), processor) == (644, 476)
    assert model_input_size(Generated(ids=[], input_tokens=0, inputs={}, row=0), processor) is None
