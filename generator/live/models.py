"""The models `serve` can run on this machine: which cards are usable here, and a pool that loads
each model on first use and keeps it loaded.

Availability is decided without loading anything (that can take minutes and gigabytes): the
card's adapter must import here, accept the card's settings, and find what it needs without a
download — the checkpoint in a local folder or the Hugging Face cache for in-process
transformers models, the binary for Tesseract, the API key variable for a served model.

Each model has its own lock: two requests for the same model wait for one load and then take
turns (adapters are not thread-safe), while different models run at the same time. First runs
(the load and the first prediction, which import the model's libraries: RapidOCR loads numpy in
`load`, pytesseract at its first call) also take turns across models: two threads importing numpy
at once can hand one of them the half-initialised module ("cannot import name '__cpu_features__'
from partially initialized module"), which failed a playground run on a loaded machine.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image

from ..catalog.schemas import ModelCard
from ..runner.adapter import Adapter, adapter_class

TRANSFORMERS_ADAPTERS = frozenset({"florence2", "transformers-vlm"})


@dataclass
class LiveModel:
    """One card as the playground sees it; `adapter` is built once and loaded on first run."""

    card: ModelCard
    available: bool
    reason: str | None
    tasks: list[str]
    adapter: Adapter | None = None
    loaded: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    def describe(self) -> dict[str, Any]:
        """Also what the playground must say: the tasks whose prompt text the model reads
        (`prompt_tasks`) and whether its box scores are confidences or raw detector numbers."""
        kind = type(self.adapter) if self.adapter is not None else None
        reads = kind.prompt_tasks if kind is not None else None
        return {"id": self.card.id, "name": self.card.name, "tasks": self.tasks,
                "available": self.available, "reason": self.reason, "loaded": self.loaded,
                "prompt_tasks": self.tasks if reads is None else [t for t in self.tasks if t in reads],
                "box_scores": kind.box_scores if kind is not None else "confidence"}


class ModelPool:
    """Every card with a runner section, checked once, loaded lazily, kept loaded."""

    def __init__(self, cards: dict[str, ModelCard]):
        self._cards = {card_id: card for card_id, card in sorted(cards.items()) if card.runner is not None}
        self._models: dict[str, LiveModel] | None = None
        self._check_lock = threading.Lock()
        self._first_run_lock = threading.Lock()  # taken inside a model's own lock, never around one

    def models(self) -> dict[str, LiveModel]:
        """The checked models by id; the first call imports the adapters (seconds, not minutes)."""
        with self._check_lock:
            if self._models is None:
                self._models = {card_id: _check(card) for card_id, card in self._cards.items()}
            return self._models

    def run(self, model_id: str, image: Image.Image, prompt: str, task: str) -> dict[str, Any]:
        """One model's NDJSON line. Never raises: a failure becomes the line's `error`."""
        model = self.models()[model_id]
        line: dict[str, Any] = {"model": model_id, "output": None, "structured": None, "latency_s": None,
                                "load_s": None, "input_tokens": None, "output_tokens": None, "error": None}
        with model.lock:
            first_run = self._first_run_lock if not model.loaded else contextlib.nullcontext()
            try:
                with first_run:
                    if not model.loaded:
                        started = time.perf_counter()
                        model.adapter.load()
                        model.loaded = True
                        line["load_s"] = round(time.perf_counter() - started, 3)
                    started = time.perf_counter()
                    prediction = model.adapter.predict(image, prompt, task)
                    line["latency_s"] = round(time.perf_counter() - started, 3)
            except Exception as exc:  # reported in this model's own line; the others go on
                line["error"] = f"{type(exc).__name__}: {exc}"
                return line
        line.update(output=prediction.output, input_tokens=prediction.input_tokens,
                    output_tokens=prediction.output_tokens,
                    structured=prediction.structured.model_dump() if prediction.structured else None)
        return line


def _check(card: ModelCard) -> LiveModel:
    runner = card.runner
    try:
        adapter = adapter_class(runner.adapter)(runner)
    except Exception as exc:  # a missing extra (ImportError) or settings the adapter refuses
        return LiveModel(card, False, f"the {runner.adapter} adapter cannot start here: {exc}", list(card.tasks))
    tasks = [task for task in card.tasks if adapter.supports(task)]
    reason = _missing_requirement(card)
    if not tasks:
        reason = reason or f"the {runner.adapter} adapter supports none of this card's tasks"
    return LiveModel(card, reason is None, reason, tasks, adapter=adapter)


def _missing_requirement(card: ModelCard) -> str | None:
    """Why the model cannot run here without downloading or configuring something, or None."""
    runner = card.runner
    absent = [module for module in adapter_class(runner.adapter).requires if importlib.util.find_spec(module) is None]
    if absent:
        return (f"the {runner.adapter} adapter needs {', '.join(absent)}, not installed here "
                "(pip install -e '.[runner]')")
    if runner.adapter in TRANSFORMERS_ADAPTERS:
        if _checkpoint_is_local(runner.model, runner.revision):
            return None
        if runner.model.startswith(("/", ".", "~")):
            return f"the checkpoint folder {runner.model} is not on this machine"
        return (f"weights of {runner.model} are not on this machine (not in the Hugging Face cache); "
                f"download them first, e.g. `hf download {runner.model}`")
    if runner.adapter == "tesseract" and shutil.which("tesseract") is None:
        return "the tesseract binary is not installed (Debian/Ubuntu: apt-get install tesseract-ocr)"
    if runner.adapter == "openai":
        if not runner.base_url:
            return "the card names no base_url for its OpenAI-compatible server"
        if runner.api_key_env and not os.environ.get(runner.api_key_env):
            return f"the environment variable {runner.api_key_env} (the API key) is not set"
    return None


def _checkpoint_is_local(model: str, revision: str | None) -> bool:
    if Path(model).expanduser().is_dir():
        return True
    from huggingface_hub import try_to_load_from_cache

    try:
        return isinstance(try_to_load_from_cache(model, "config.json", revision=revision), str)
    except ValueError:  # not a valid repository id
        return False
