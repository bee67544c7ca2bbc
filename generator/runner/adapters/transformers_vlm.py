"""Any chat VLM through transformers: `AutoModelForImageTextToText` + its processor's chat template.

One user turn holds the image, then the prompt (the card's `prompt_templates[task]` with
`{prompt}` filled in); a processor without a chat template (PaliGemma, prompted with prefixes
such as "detect cat") gets the image token and the prompt instead. Only the new tokens are
decoded. Detection answers are parsed into original-image pixel boxes with the card's
`options.box_convention` (default `gemini`: Gemma and Gemini's `box_2d` [y1, x1, y2, x2] on
0-1000). Qwen2.5-VL answers in pixels of its resized input, so that size is read from the
processor's `image_grid_thw`.

Options: `box_convention`; `processor_class` ("module:Class") for checkpoints whose own processor
cannot be built here — Gemma 4's `Gemma4Processor` needs torchvision for its video processor, and
`generator.runner.gemma4_processor:Gemma4ImageTextProcessor` is the same processor without video.
"""

from __future__ import annotations

import importlib
import importlib.metadata
from dataclasses import dataclass
from typing import Any, ClassVar

from PIL import Image

from ...catalog.schemas import Structured
from ..adapter import Prediction
from ..options import Option
from ..vlm_answers import CONVENTIONS, parse_detections
from .transformers_base import Generated, TransformersAdapter

DETECTION_TASKS = frozenset({"object-detection", "open-vocabulary-detection", "phrase-grounding", "region-proposal"})
TEXT_TASKS = frozenset({"captioning", "detailed-captioning", "ocr", "vqa", "classification"})
GEMMA4_PROCESSOR = "generator.runner.gemma4_processor:Gemma4ImageTextProcessor"
PROCESSOR_HINT = (f"if this is Gemma 4, its Gemma4Processor needs torchvision (for its video processor): install "
                  f"the torchvision that matches your torch, or set runner.options.processor_class: {GEMMA4_PROCESSOR}")


class ProcessorUnavailable(RuntimeError):
    """The checkpoint's processor cannot be built on this machine."""


@dataclass(frozen=True)
class ChatRequest:
    image: Image.Image
    task: str
    text: str


class TransformersVLMAdapter(TransformersAdapter):
    name = "transformers-vlm"
    version = "1"
    tasks = DETECTION_TASKS | TEXT_TASKS
    default_params: ClassVar[dict[str, Any]] = {"max_new_tokens": 512, "do_sample": False}
    options = (
        Option("box_convention", "str", "gemini", choices=CONVENTIONS, help="how detection answers encode boxes"),
        Option("processor_class", "str", pattern=r"[A-Za-z_][\w.]*[:.][A-Za-z_]\w*", help="'package.module:Class'"),
    )

    def __init__(self, config):
        super().__init__(config)
        self.box_convention = self.settings["box_convention"]

    def params(self) -> dict[str, Any]:
        return {**super().params(), "box_convention": self.box_convention}  # it changes the boxes

    def libraries(self) -> dict[str, str]:
        return {"supervision": importlib.metadata.version("supervision")}  # parses the detection answers

    def load_processor(self) -> Any:
        from transformers import AutoProcessor
        from transformers.processing_utils import ProcessorMixin

        model, revision = self.config.model, self.loaded_revision
        class_name = self.config.options.get("processor_class")
        if class_name:
            processor = import_class(class_name).from_pretrained(model, revision=revision)
        else:
            try:
                processor = AutoProcessor.from_pretrained(model, revision=revision)
            except (ImportError, ValueError) as exc:
                if "torchvision" not in str(exc):
                    raise
                raise ProcessorUnavailable(f"AutoProcessor cannot build the processor of {model}: {exc}; "
                                           f"{PROCESSOR_HINT}") from exc
        if not isinstance(processor, ProcessorMixin) or getattr(processor, "image_processor", None) is None:
            raise ProcessorUnavailable(
                f"the processor loaded for {model} is a {type(processor).__name__}, which cannot take images "
                f"(AutoProcessor falls back to the tokenizer when it cannot build the processor class named in "
                f"processor_config.json); {PROCESSOR_HINT}")
        if processor.chat_template is None and getattr(processor, "image_token", None) is None:
            raise ProcessorUnavailable(f"the {type(processor).__name__} of {model} has neither a chat template nor "
                                       f"an image token, so there is no way to put the image before the prompt")
        processor.tokenizer.padding_side = "left"  # decoder-only batches: prompts end where generation starts
        return processor

    def prepare(self, image: Image.Image, prompt: str, task: str) -> ChatRequest:
        if not self.supports(task):
            raise ValueError(f"the transformers-vlm adapter does not run {task!r}; "
                             f"it runs {', '.join(sorted(self.tasks))}")
        return ChatRequest(image, task, self.render_prompt(prompt, task))

    def encode(self, requests: list[ChatRequest]) -> Any:
        if self.processor.chat_template is None:
            # prompt-prefix models (PaliGemma): after the image token the processor adds bos and the newline
            inputs = self.processor(text=[self.processor.image_token + r.text for r in requests],
                                    images=[r.image for r in requests], return_tensors="pt", padding=True)
            inputs.pop("labels", None)  # PaliGemmaProcessor adds fine-tuning targets; generating needs none
            return inputs
        conversations = [[{"role": "user", "content": [{"type": "image", "image": r.image},
                                                       {"type": "text", "text": r.text}]}] for r in requests]
        return self.processor.apply_chat_template(conversations, add_generation_prompt=True, tokenize=True,
                                                  return_dict=True, return_tensors="pt",
                                                  processor_kwargs={"padding": True})

    def finish(self, request: ChatRequest, generated: Generated) -> Prediction:
        output = self.processor.decode(generated.ids, skip_special_tokens=True)
        structured = None
        if request.task in DETECTION_TASKS:
            width, height = request.image.size
            boxes = parse_detections(output, width, height, self.box_convention,
                                     input_size=model_input_size(generated, self.processor))
            structured = Structured(boxes=boxes)
        return Prediction(output=output, structured=structured,
                          input_tokens=generated.input_tokens, output_tokens=generated.output_tokens)


def model_input_size(generated: Generated, processor: Any) -> tuple[int, int] | None:
    """(width, height) of the image as the model saw it, from Qwen-style `image_grid_thw`
    (temporal, height, width in patches); None for processors that do not report it."""
    grid = generated.inputs.get("image_grid_thw")
    if grid is None:
        return None
    patch = processor.image_processor.patch_size
    _, grid_height, grid_width = grid[generated.row].tolist()
    return grid_width * patch, grid_height * patch


def import_class(path: str) -> type:
    """"package.module:Class" (or "package.module.Class", the shape the option's declaration admits)
    -> the class, with an error that says which part failed."""
    module_name, _, class_name = path.rpartition(":") if ":" in path else path.rpartition(".")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ValueError(f"processor_class {path!r}: cannot import {module_name}: {exc}") from exc
    try:
        return getattr(module, class_name)
    except AttributeError:
        raise ValueError(f"processor_class {path!r}: {module_name} has no {class_name}") from None
