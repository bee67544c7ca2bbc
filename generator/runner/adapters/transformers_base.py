"""What the transformers adapters share: loading on the chosen device and dtype, batched
generation, keeping only the new tokens, and token counts read from the tensors.

A subclass says how to load its processor, how one (image, prompt, task) becomes a request,
how a list of requests becomes model inputs, and how generated tokens become a Prediction;
everything between (chunking by batch size, generate, splitting the batch back into rows,
recording per-item failures) happens here once.
"""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar

from PIL import Image

from ...catalog.schemas import Runner
from ..adapter import Adapter, Prediction


@dataclass(frozen=True)
class Generated:
    """One row of a generate call: the new token ids (up to and including the first end token)."""

    ids: list[int]
    input_tokens: int
    inputs: Any  # the batch's processor output (BatchFeature), for per-row facts such as image grids
    row: int

    @property
    def output_tokens(self) -> int:
        return len(self.ids)


class TransformersAdapter(Adapter):
    """Base of the adapters that run `AutoModelForImageTextToText` checkpoints in-process."""

    default_params: ClassVar[dict[str, Any]] = {}
    requires = ("torch", "transformers")

    @classmethod
    def config_problems(cls, config: Runner) -> list:
        problems = super().config_problems(config)
        if not config.model:
            problems.append((("model",), f"the {cls.name} adapter needs runner.model: a checkpoint id or a folder"))
        return problems

    def __init__(self, config: Runner):
        super().__init__(config)
        self.model = None
        self.processor = None
        self.device = None
        self.dtype = None
        self.loaded_revision: str | None = None

    # ------------------------------------------------------------ what a subclass provides

    @abstractmethod
    def load_processor(self) -> Any:
        """The checkpoint's processor, checked to be one this adapter can prompt."""

    @abstractmethod
    def prepare(self, image: Image.Image, prompt: str, task: str) -> Any:
        """One item's request; raise for an item that cannot run (unsupported task, empty prompt)."""

    @abstractmethod
    def encode(self, requests: list[Any]) -> Any:
        """Processor outputs (a BatchFeature with input_ids and attention_mask) for the requests."""

    @abstractmethod
    def finish(self, request: Any, generated: Generated) -> Prediction:
        """The Prediction of one request from its generated row."""

    # ------------------------------------------------------------ the Adapter interface

    def load(self) -> None:
        from transformers import AutoModelForImageTextToText
        from transformers.utils.hub import resolve_revision

        from ..torch_device import pick_device, pick_dtype  # torch: imported when a model loads, not to validate

        self.device = pick_device(self.config.device)
        self.dtype = pick_dtype(self.config.dtype, self.device)
        # a branch or tag resolved once to its commit, so processor and weights come from the same
        # repository state and the records name that commit (a local folder stays as it is)
        self.loaded_revision = resolve_revision(self.config.model, self.config.revision)
        self.processor = self.load_processor()
        model = AutoModelForImageTextToText.from_pretrained(self.config.model, revision=self.loaded_revision,
                                                            dtype=self.dtype)
        self.model = model.to(self.device).eval()

    def revision(self) -> str | None:
        """The commit the hub resolved the card's revision to, once loaded; else the card's revision."""
        return getattr(self.loaded_revision, "resolved", None) or self.config.revision

    def generation_settings(self) -> dict[str, Any]:
        """`generate` keyword arguments: the adapter's defaults under the card's (and command line's) params."""
        return {**self.default_params, **self.config.params}

    def params(self) -> dict[str, Any]:
        """Generation settings, templates and the weights' dtype: a bfloat16 and a float32 run answer
        differently, so the dtype is in the record and the cache key (once loaded, the resolved one)."""
        dtype = str(self.dtype).removeprefix("torch.") if self.dtype is not None else self.config.dtype
        return {**self.generation_settings(), **self.template_params(), **({"dtype": dtype} if dtype else {})}

    def predict(self, image: Image.Image, prompt: str, task: str) -> Prediction:
        [result] = self.predict_batch([(image, prompt, task)])
        if isinstance(result, BaseException):
            raise result
        return result

    def predict_batch(self, items: list[tuple[Image.Image, str, str]]) -> list[Prediction | BaseException]:
        if self.model is None:
            self.load()
        size = self.config.batch_size
        results: list[Prediction | BaseException] = []
        for start in range(0, len(items), size):
            results.extend(self._predict_chunk(items[start:start + size]))
        return results

    # ------------------------------------------------------------ batching

    def _predict_chunk(self, items: list[tuple[Image.Image, str, str]]) -> list[Prediction | BaseException]:
        results: list[Prediction | BaseException | None] = [None] * len(items)
        prepared: list[tuple[int, Any]] = []
        for index, (image, prompt, task) in enumerate(items):
            try:
                prepared.append((index, self.prepare(image.convert("RGB"), prompt, task)))
            except Exception as exc:  # this item only: the engine records it and goes on
                results[index] = exc
        if not prepared:
            return results
        try:
            rows = self._generate([request for _, request in prepared])
        except Exception as exc:
            if len(prepared) == 1:
                results[prepared[0][0]] = exc
                return results
            # a batch can fail where its items alone succeed (out of memory): retry them one by one
            for index, _ in prepared:
                results[index] = self._predict_chunk([items[index]])[0]
            return results
        for (index, request), generated in zip(prepared, rows):
            try:
                results[index] = self.finish(request, generated)
            except Exception as exc:
                results[index] = exc
        return results

    def _generate(self, requests: list[Any]) -> list[Generated]:
        import torch

        inputs = self.encode(requests).to(self.device, self.dtype)  # casts only floating tensors (pixels)
        with torch.inference_mode():
            sequences = self.model.generate(**inputs, **self.generation_settings())
        if self.model.config.is_encoder_decoder:
            new = sequences[:, 1:]  # the decoder start token was given, not generated
        else:
            new = sequences[:, inputs["input_ids"].shape[1]:]  # the (left-padded) prompt comes back first
        end_ids = self._end_token_ids()
        input_lengths = inputs["attention_mask"].sum(dim=1).tolist()
        return [Generated(ids=_until_end(row, end_ids), input_tokens=int(input_lengths[i]), inputs=inputs, row=i)
                for i, row in enumerate(new.tolist())]

    def _end_token_ids(self) -> set[int]:
        eos = self.model.generation_config.eos_token_id
        return set(eos) if isinstance(eos, list) else ({eos} if eos is not None else set())


def _until_end(ids: list[int], end_ids: set[int]) -> list[int]:
    """Tokens up to and including the first end token; later ones are the batch's padding."""
    for position, token in enumerate(ids):
        if token in end_ids:
            return ids[:position + 1]
    return ids
