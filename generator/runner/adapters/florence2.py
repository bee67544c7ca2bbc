"""Florence-2 through transformers' native classes (`Florence2ForConditionalGeneration`,
`Florence2Processor`), on any device.

Florence-2 is prompted with task tokens, not sentences: each task maps to its token, the two
tasks that take text (phrase grounding, open-vocabulary detection) get the prompt after the
token, and VQA sends the question itself (only the -ft checkpoints were trained for it). Boxes
come from the processor's own `post_process_generation`, already in original-image pixels.

The native classes load the converted checkpoints (`florence-community/Florence-2-base`,
`-large`, `-base-ft`, `-large-ft`), not Microsoft's original remote-code repositories, whose
config names a `florence2_language` text model and custom classes; loading one fails with a
message that names the converted id instead of a KeyError deep inside transformers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from PIL import Image

from ...catalog.schemas import Box, Structured, TextLine
from ..adapter import Prediction
from ..boxes import clamp_xyxy, enclosing_xyxy
from .transformers_base import Generated, TransformersAdapter

TASK_TOKENS = {
    "captioning": "<CAPTION>",
    "detailed-captioning": "<DETAILED_CAPTION>",
    "object-detection": "<OD>",
    "ocr": "<OCR>",
    "ocr-with-regions": "<OCR_WITH_REGION>",
    "phrase-grounding": "<CAPTION_TO_PHRASE_GROUNDING>",
    "open-vocabulary-detection": "<OPEN_VOCABULARY_DETECTION>",
    "region-proposal": "<REGION_PROPOSAL>",
}
PROMPTED_TASKS = frozenset({"phrase-grounding", "open-vocabulary-detection"})
FREE_TEXT_TASKS = frozenset({"vqa"})
# the tasks whose answer post_process_generation turns into boxes (OCR regions: lines with boxes)
STRUCTURED_TASKS = frozenset({"object-detection", "phrase-grounding", "open-vocabulary-detection", "region-proposal",
                              "ocr-with-regions"})
CONVERTED_CHECKPOINTS = "florence-community/Florence-2-base, -large, -base-ft or -large-ft"


class UnsupportedCheckpoint(ValueError):
    """A checkpoint transformers' native Florence-2 classes cannot load."""


@dataclass(frozen=True)
class FlorenceRequest:
    image: Image.Image
    task: str
    token: str | None  # None for free-text VQA
    text: str  # what the processor receives


class Florence2Adapter(TransformersAdapter):
    name = "florence2"
    version = "1"
    tasks = frozenset(TASK_TOKENS) | FREE_TEXT_TASKS
    prompt_tasks = PROMPTED_TASKS | FREE_TEXT_TASKS  # the other tasks are task tokens alone
    # the settings of transformers' Florence-2 example; a card's params override them
    default_params: ClassVar[dict[str, Any]] = {"max_new_tokens": 1024, "num_beams": 3, "do_sample": False}

    def load(self) -> None:
        check_native_checkpoint(self.config.model, self.config.revision)
        super().load()

    def load_processor(self) -> Any:
        from transformers import AutoProcessor, Florence2Processor

        try:
            processor = AutoProcessor.from_pretrained(self.config.model, revision=self.loaded_revision)
        except (OSError, ValueError, KeyError) as exc:
            raise UnsupportedCheckpoint(f"cannot load a Florence2Processor from {self.config.model} ({exc}); "
                                        f"the converted checkpoints {CONVERTED_CHECKPOINTS} ship one") from exc
        if not isinstance(processor, Florence2Processor):
            raise UnsupportedCheckpoint(
                f"{self.config.model} has no Florence2Processor (AutoProcessor built {type(processor).__name__}): "
                f"its processor files are incomplete or of the remote-code kind; use {CONVERTED_CHECKPOINTS}")
        return processor

    def prepare(self, image: Image.Image, prompt: str, task: str) -> FlorenceRequest:
        if not self.supports(task):
            raise ValueError(f"Florence-2 has no task token for {task!r}; it supports {', '.join(sorted(self.tasks))}")
        token = TASK_TOKENS.get(task)
        if token is not None and task not in PROMPTED_TASKS:
            return FlorenceRequest(image, task, token, token)  # the processor accepts the bare token only
        text = self.render_prompt(prompt, task).strip()
        if not text:
            raise ValueError(f"{task} needs text in the prompt (the question, or the phrases to find)")
        return FlorenceRequest(image, task, token, (token or "") + text)

    def encode(self, requests: list[FlorenceRequest]) -> Any:
        return self.processor(text=[r.text for r in requests], images=[r.image for r in requests],
                              return_tensors="pt", padding=True)

    def finish(self, request: FlorenceRequest, generated: Generated) -> Prediction:
        tokenizer = self.processor.tokenizer
        framing = {tokenizer.bos_token_id, tokenizer.eos_token_id, tokenizer.pad_token_id}
        # loc tokens are special tokens too: keep them, drop only the sequence framing
        output = tokenizer.decode([t for t in generated.ids if t not in framing], skip_special_tokens=False).strip()
        structured = None
        if request.task in STRUCTURED_TASKS:
            raw = tokenizer.decode(generated.ids, skip_special_tokens=False)
            parsed = self.processor.post_process_generation(raw, task=request.token, image_size=request.image.size)
            structured = florence_structured(request.task, parsed[request.token], *request.image.size)
        return Prediction(output=output, structured=structured,
                          input_tokens=generated.input_tokens, output_tokens=generated.output_tokens)


def florence_structured(task: str, parsed: dict[str, Any], width: int, height: int) -> Structured:
    """`post_process_generation`'s answer (pixels) -> boxes, or OCR lines with enclosing boxes."""
    if task == "ocr-with-regions":
        return Structured(lines=[TextLine(text=text.strip(), xyxy=clamp_xyxy(enclosing_xyxy(quad), width, height))
                                 for quad, text in zip(parsed["quad_boxes"], parsed["labels"])])
    if task == "open-vocabulary-detection":
        pairs = list(zip(parsed["bboxes"], parsed["bboxes_labels"]))
        # an instance answered as polygons: its box is the rectangle around all its parts
        pairs += [(enclosing_xyxy([v for part in polygons for v in part]), label)
                  for polygons, label in zip(parsed["polygons"], parsed["polygons_labels"])]
    else:
        pairs = list(zip(parsed["bboxes"], parsed["labels"]))
    return Structured(boxes=[Box(xyxy=clamp_xyxy(xyxy, width, height), label=label.strip()) for xyxy, label in pairs])


def check_native_checkpoint(model: str, revision: str | None) -> None:
    """Refuse, with the fix, a config the native Florence-2 classes cannot load; reads config.json only."""
    from transformers import PretrainedConfig

    config, _ = PretrainedConfig.get_config_dict(model, revision=revision)
    model_type = config.get("model_type")
    if model_type != "florence2":
        raise UnsupportedCheckpoint(f"{model} is not a Florence-2 checkpoint (config.json model_type is "
                                    f"{model_type!r}); the florence2 adapter loads {CONVERTED_CHECKPOINTS}")
    text_type = (config.get("text_config") or {}).get("model_type")
    if "auto_map" in config or text_type == "florence2_language":
        suggestion = converted_checkpoint_id(model)
        raise UnsupportedCheckpoint(
            f"{model} is an original remote-code Florence-2 checkpoint (config.json has "
            f"{'auto_map' if 'auto_map' in config else 'text_config.model_type florence2_language'}), which "
            f"transformers' native Florence2ForConditionalGeneration cannot load; use the converted checkpoint "
            f"{suggestion or CONVERTED_CHECKPOINTS} (same weights, native classes)")


def converted_checkpoint_id(model: str) -> str | None:
    """microsoft/Florence-2-large-ft -> florence-community/Florence-2-large-ft."""
    owner, _, name = model.rpartition("/")
    if owner == "microsoft" and name in {"Florence-2-base", "Florence-2-large",
                                         "Florence-2-base-ft", "Florence-2-large-ft"}:
        return f"florence-community/{name}"
    return None
