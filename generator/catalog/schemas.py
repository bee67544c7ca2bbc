"""Typed contracts of DESIGN.md: model cards, eval suites, run records and site settings.

Every model forbids unknown keys, so a typo in a contributor's YAML is an error with a line,
never a silently ignored field.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from .errors import did_you_mean
from .grader_registry import GRADERS
from .names import name_problem
from .vocab import ACCESS, FEATURES, MODALITIES, TASKS

SLUG = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
PARTIAL_DATE = r"^\d{4}(-\d{2}(-\d{2})?)?$"
URL = r"^https?://[^\s<>\"']+$"
PARAM_COUNT = re.compile(r"^(\d+(?:\.\d+)?)\s*([KMB])$")
_SCALE = {"K": 1e3, "M": 1e6, "B": 1e9}

# Length limits on text the site repeats: a model's name sits in the headings and table headers of
# every one of its compare pages (199 of them at 200 models), so a 100 kB name would be an error
# here rather than 20 MB of pages. Generous: the longest shipped name is 34 characters, the
# longest overview 1,423.
LABEL_MAX = 120
NOTE_MAX = 1_000
MARKDOWN_MAX = 10_000
Label = Annotated[str, Field(min_length=1, max_length=LABEL_MAX)]
Note = Annotated[str, Field(max_length=NOTE_MAX)]


def _honest_name(value: str) -> str:
    problem = name_problem(value)
    if problem:
        raise ValueError(problem)
    return value


def _calendar_date(value: str) -> str:
    """PARTIAL_DATE only says digits; 2020-13-45 has them."""
    parts = [int(p) for p in value.split("-")]
    try:
        dt.date(*parts, *[1] * (3 - len(parts)))
    except ValueError:
        raise ValueError(f"{value!r} is not a calendar date") from None
    return value


# A model's name, aliases, organisation and family: no hidden or lookalike letters (names.py).
Name = Annotated[str, Field(min_length=1, max_length=LABEL_MAX), AfterValidator(_honest_name)]
PartialDate = Annotated[str, Field(pattern=PARTIAL_DATE), AfterValidator(_calendar_date)]

Task = Literal[TASKS]  # type: ignore[valid-type]
Feature = Literal[FEATURES]  # type: ignore[valid-type]
Modality = Literal[MODALITIES]  # type: ignore[valid-type]


class Strict(BaseModel):
    # allow_inf_nan: .nan or "Infinity" in a figure would make models.json invalid JSON
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


# ---------------------------------------------------------------- model card


class Modalities(Strict):
    inputs: list[Modality] = Field(min_length=1)
    outputs: list[Modality] = Field(min_length=1)


class License(Strict):
    id: str = Field(min_length=1, max_length=LABEL_MAX, description="SPDX identifier (Apache-2.0, MIT, AGPL-3.0) or the licence's name")
    url: str | None = Field(default=None, pattern=URL)


class Parameters(Strict):
    total: str | None = Field(default=None, description='e.g. "0.77B", "25.2B", "2.6M"')
    active: str | None = Field(default=None, description="active parameters per token (mixture of experts)")
    note: Note | None = None

    @field_validator("total", "active")
    @classmethod
    def _count(cls, value: str | None) -> str | None:
        if value is not None and not PARAM_COUNT.match(value):
            raise ValueError(f"{value!r} is not a parameter count like '0.77B' or '2.6M'")
        return value

    @staticmethod
    def count(value: str | None) -> float | None:
        """'25.2B' -> 25.2e9, for sorting and charts."""
        if value is None:
            return None
        number, unit = PARAM_COUNT.match(value).groups()
        return float(number) * _SCALE[unit]


class Links(Strict):
    paper: str | None = Field(default=None, pattern=URL)
    weights: str | None = Field(default=None, pattern=URL)
    homepage: str | None = Field(default=None, pattern=URL)
    demo: str | None = Field(default=None, pattern=URL)
    code: str | None = Field(default=None, pattern=URL)


class Pricing(Strict):
    input_per_1m: float | None = Field(default=None, ge=0)
    output_per_1m: float | None = Field(default=None, ge=0)
    currency: str = Field(default="USD", max_length=12)
    source: str = Field(pattern=URL, description="where the price is published")
    as_of: PartialDate
    note: Note | None = Field(default=None, description="caveats: which provider, how the price is derived")


class Runner(Strict):
    """How the runner loads and prompts the model; command-line flags override these."""

    adapter: str = Field(description="florence2, transformers-vlm, openai, tesseract, rapidocr, opencv")
    model: str | None = Field(default=None, description="checkpoint id or path, served model name, detector name")
    revision: str | None = None
    dtype: str | None = None
    device: str | None = None
    batch_size: int = Field(default=1, ge=1)
    base_url: str | None = Field(default=None, pattern=URL)
    api_key_env: str | None = Field(default=None, pattern=r"^[A-Z_][A-Z0-9_]*$")
    params: dict[str, Any] = Field(default_factory=dict, description="generation settings")
    prompt_templates: dict[Task, str] = Field(default_factory=dict)
    options: dict[str, Any] = Field(default_factory=dict, description="adapter-specific settings")


class ReportedCategory(Strict):
    name: Label
    value: float
    passed: int | None = Field(default=None, ge=0)
    total: int | None = Field(default=None, ge=1)


class Reported(Strict):
    """A figure published elsewhere; always shown with its source and never mixed with measurements."""

    benchmark: Label
    metric: Label
    value: float
    unit: str = Field(default="", max_length=20)
    setting: Label | None = Field(default=None, description="zero-shot, fine-tuned, …")
    lower_is_better: bool = False
    suite: str | None = Field(default=None, pattern=SLUG, description="our suite this figure corresponds to")
    categories: list[ReportedCategory] = Field(default_factory=list)
    source: str = Field(pattern=URL)
    as_of: PartialDate | None = None
    note: Note | None = None


class ModelCard(Strict):
    id: str = Field(pattern=SLUG)
    name: Name
    organization: Name
    access: Literal[ACCESS]  # type: ignore[valid-type]
    modalities: Modalities
    release_date: PartialDate | None = Field(description="YYYY, YYYY-MM or YYYY-MM-DD; null if unknown")
    license: License
    tasks: list[Task]
    overview: str = Field(min_length=1, max_length=MARKDOWN_MAX, description="Markdown")
    family: Name | None = None
    parameters: Parameters | None = None
    context_window: int | None = Field(default=None, ge=1)
    links: Links = Links()
    pricing: Pricing | None = None
    features: list[Feature] = Field(default_factory=list)
    runner: Runner | None = None
    reported: list[Reported] = Field(default_factory=list)
    aliases: list[Name] = Field(default_factory=list)


# ---------------------------------------------------------------- eval suite


class Category(Strict):
    id: str = Field(pattern=SLUG)
    name: Label


class Grader(Strict):
    name: str
    options: dict[str, Any] = Field(default_factory=dict)


class ImageLicense(Strict):
    file: str
    source: str = Field(min_length=1, description="where the image comes from (URL, package or script)")
    license: str = Field(min_length=1)


class Prompt(Strict):
    id: str = Field(pattern=SLUG)
    image: str | None = Field(default=None, description="path under the suite folder; absent only in imported suites whose "
                                          "source lost the image (see image_missing)")
    image_missing: str | None = Field(default=None, description="why an imported prompt has no image")
    category: str
    task: Task
    prompt: str
    expected: Any = None
    grader: Grader | None = None

    @field_validator("grader")
    @classmethod
    def _known_grader(cls, grader: Grader | None) -> Grader | None:
        """An unknown grader name is a `validate` error with its line, not a crash at build time."""
        if grader is not None and grader.name not in GRADERS:
            raise ValueError(f"unknown grader {grader.name!r}{did_you_mean(grader.name, GRADERS) or ';'} "
                             f"known: {', '.join(sorted(GRADERS))}")
        return grader

    @model_validator(mode="after")
    def _graded_needs_expected(self) -> "Prompt":
        """A graded prompt needs an answer its grader can read: grading an empty answer once here
        makes a misspelt option or a wrongly shaped ``expected`` a `validate` error with its line,
        not a traceback at build time (graders raise ValueError for those, and only for those)."""
        if self.grader is None:
            return self
        if self.expected is None:
            raise ValueError("a prompt with a grader needs 'expected'")
        try:
            GRADERS[self.grader.name](self.expected, "", None, self.grader.options)
        except (ValueError, TypeError) as e:
            raise ValueError(f"grader {self.grader.name!r} cannot use this prompt: {e}") from None
        return self

    @model_validator(mode="after")
    def _image_or_reason(self) -> "Prompt":
        if (self.image is None) == (self.image_missing is None):
            raise ValueError("a prompt has either an image or (imported prompts only) image_missing saying why not")
        return self

    @property
    def scored(self) -> bool:
        return self.expected is not None and self.grader is not None


class SuiteSource(Strict):
    repository: str
    commit: str | None = None
    license: str | None = None
    url: str | None = Field(default=None, pattern=URL)


class Suite(Strict):
    id: str = Field(pattern=SLUG)
    name: Label
    version: str
    description: str
    categories: list[Category] = Field(min_length=1)
    images: list[ImageLicense] = Field(min_length=1)
    prompts: list[Prompt] = Field(min_length=1)
    source: SuiteSource | None = None
    repeats: int = Field(default=1, ge=1, le=100, description="times `leaderboard run` runs each prompt, "
                         "as separate runs (sampling models vary); --repeat overrides it")

    @model_validator(mode="after")
    def _consistent(self) -> "Suite":
        problems = []
        ids = [p.id for p in self.prompts]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            problems.append(f"duplicate prompt ids: {', '.join(dupes)}")
        categories = {c.id for c in self.categories}
        licensed = {i.file for i in self.images}
        for p in self.prompts:
            if p.category not in categories:
                problems.append(f"prompt {p.id}: category {p.category!r} is not one of {sorted(categories)}")
            if p.image is None and self.source is None:
                problems.append(f"prompt {p.id}: only imported suites (with 'source') may have prompts without an image")
            elif p.image is not None and p.image not in licensed:
                problems.append(f"prompt {p.id}: image {p.image!r} has no licence line under 'images'")
        if problems:
            raise ValueError("; ".join(problems))
        return self


# ---------------------------------------------------------------- run record


class Box(Strict):
    xyxy: list[float] = Field(min_length=4, max_length=4, description="original-image pixels [x1, y1, x2, y2]")
    label: str = ""
    score: float | None = None


class TextLine(Strict):
    text: str
    xyxy: list[float] | None = Field(default=None, min_length=4, max_length=4)
    score: float | None = None


class Structured(Strict):
    boxes: list[Box] = Field(default_factory=list)
    lines: list[TextLine] = Field(default_factory=list)


class ImportedSource(Strict):
    """Where an imported figure comes from: the peer's repository, the file, the pinned commit,
    its licence and who measured it (shown beside the figure on every page)."""

    repository: str
    path: str
    commit: str | None = None
    measured_by: str
    license: str | None = None


class ImportedAggregate(Strict):
    """One figure a peer benchmark publishes for a model (vlm-exam: per task and effort), read from
    the build-time layer that ``leaderboard sources sync`` + the build write (generator/sources).

    ``value`` is the source's mean over its repeated runs and ``runs`` the per-run values behind it
    (min-max = the spread); strict-match and LLM-judge accuracy sit side by side where the source
    scores both. Tokens, cost and seconds are per sample of one run; ``None`` where the source does
    not say (never 0 for unknown). Figures rank only against rows of the same benchmark, task,
    metric and effort.
    """

    benchmark: str = Field(description='the peer benchmark, e.g. "vlm-exam"')
    model: str = Field(pattern=SLUG, description="the card the source's model maps to")
    source_model: str = Field(description="the model's name in the source")
    task: str
    task_name: str | None = None
    effort: str | None = Field(default=None, description="reasoning effort the source ran at; each effort is its own row")
    metric: str
    metric_label: str | None = None
    unit: str = "percent"
    value: float
    runs: list[float] = Field(default_factory=list)
    strict_accuracy: float | None = None
    judge_accuracy: float | None = None
    input_tokens: float | None = Field(default=None, ge=0)
    output_tokens: float | None = Field(default=None, ge=0)
    cost_per_sample: float | None = Field(default=None, ge=0, description="USD, the source's own estimate")
    seconds_per_sample: float | None = Field(default=None, ge=0)
    samples: int | None = Field(default=None, ge=0)
    failures: int | None = Field(default=None, ge=0)
    protocol_status: str | None = None
    as_of: str | None = Field(default=None, description="the newest run behind the figure")
    source: ImportedSource


CLOCK_SKEW = dt.timedelta(hours=1)


class RunRecord(Strict):
    suite: str
    suite_version: str
    prompt_id: str
    prompt_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    model: str
    adapter: str
    adapter_version: str
    model_revision: str | None
    params: dict[str, Any]
    output: str | None
    structured: Structured | None
    latency_s: float | None = Field(ge=0)
    input_tokens: int | None = Field(ge=0)
    output_tokens: int | None = Field(ge=0)
    error: str | None
    run_id: str
    started_at: str
    hardware: str | None
    source: Literal["measured"] | ImportedSource
    source_verdict: bool | None = None
    libraries: dict[str, str] = Field(default_factory=dict, description="library versions used by the run")
    # timing context (absent in records written before they existed): latency_s is the time the
    # request waited; a GPU batch answers its prompts together, so throughput_s is the batch's wall
    # time divided by batch_size, the per-prompt cost when prompts are batched
    batch_size: int | None = Field(default=None, ge=1, description="prompts in the generate call or batch of requests")
    throughput_s: float | None = Field(default=None, ge=0, description="the batch's wall time / batch_size")
    warmed_up: bool | None = Field(default=None, description="timed after one untimed warm-up call of the loaded model")
    repeat: int | None = Field(default=None, ge=0, description="0-based index of a repeated run (--repeat, suite repeats)")

    @field_validator("started_at")
    @classmethod
    def _past_time(cls, value: str) -> str:
        """Records are ordered by this time and the newest answer wins: a date in 2099 would let one
        file override every later run. A few minutes of clock skew between machines is allowed."""
        try:
            when = dt.datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{value!r} is not an ISO 8601 time like 2026-05-01T10:00:00Z") from None
        if when.tzinfo is None:
            raise ValueError(f"{value!r} has no time zone (add Z for UTC)")
        if when > dt.datetime.now(dt.timezone.utc) + CLOCK_SKEW:
            raise ValueError(f"{value!r} lies in the future")
        return value

    @property
    def measured(self) -> bool:
        return self.source == "measured"


# ---------------------------------------------------------------- site settings


class ScoreBands(Strict):
    good: float = Field(default=75, description="score at or above which a cell is green (percent)")
    fair: float = Field(default=40, description="score at or above which a cell is amber (percent)")


class SourcePin(Strict):
    """A peer benchmark pinned to one commit: `leaderboard sources sync` fetches exactly it, the
    build imports it into the build-time layer; re-pinning is how the site updates."""

    kind: Literal["vision-ai-checkup", "vlm-exam"]
    repository: str = Field(pattern=r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", description="owner/name on GitHub")
    commit: str = Field(pattern=r"^[0-9a-f]{40}$", description="the full commit SHA")
    license: Label


class LayerSource(Strict):
    """What became of one pinned source in the last build (the layer's sources.json): imported, or
    missing with the reason (not synced, fetch failed), and what it brought."""

    kind: str
    repository: str
    commit: str
    license: str
    status: Literal["imported", "missing", "failed"]
    reason: str | None = None
    records: int = 0
    aggregates: int = 0
    models: list[str] = Field(default_factory=list, description="card ids the source's models map to")
    unmapped: list[str] = Field(default_factory=list, description="source model names no card claims")
    skipped: int = Field(default=0, description="answers or figures left out (unmapped model, prompt changed)")


class SiteConfig(Strict):
    title: str = "Vision Leaderboard"
    description: str = ""
    base_url: str = "/"
    repository: str | None = Field(default=None, pattern=URL)
    featured_suites: list[str] = Field(default_factory=list)
    flagship: list[str] = Field(default_factory=list, max_length=2, description="the two model ids of the flagship compare page")
    score_bands: ScoreBands = ScoreBands()
    coverage_min: float = Field(default=0.9, ge=0, le=1)
    live_api: str | None = None
    sources: list[SourcePin] = Field(default_factory=list, description="peer benchmarks imported at build time")


def card_json_schema() -> dict:
    """JSON Schema for editors (yaml-language-server) — generated, never hand-edited."""
    schema = ModelCard.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Vision Leaderboard model card"
    return schema
