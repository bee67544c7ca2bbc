"""The view objects pages show: one per model, suite and prompt, built once per build.

``prepare`` turns the catalog and ``Results`` (the query layer, which does all aggregation)
into plain per-model, per-suite and per-prompt objects, so that rendering one of 20,000
compare pages is a couple of dict lookups plus a template. Image sizes are read here, once;
content digests are filled in by ``digests.stamp``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image

from ..catalog.loader import Catalog
from ..catalog.schemas import ImportedSource, ModelCard, Parameters, Prompt, Suite
from ..catalog.vocab import FEATURE_NAMES, FEATURES, TASK_NAMES, TASKS
from ..results import MEASURED, RepeatSpread, Results
from . import digests
from .markdown import plain_text, render_markdown

# The seed page's "Vision tasks" rows: label, the card tasks/features that count, the demo gallery.
VISION_TASKS = [
    ("Captioning", ("captioning", "detailed-captioning"), (), "captioning"),
    ("Object detection", ("object-detection",), (), "object-detection"),
    ("OCR", ("ocr", "ocr-with-regions"), (), "ocr"),
    ("Classification", ("classification",), (), "classification"),
    ("Instance segmentation", ("instance-segmentation",), (), "instance-segmentation"),
    ("Open-vocabulary detection", ("open-vocabulary-detection",), (), "open-vocabulary-detection"),
    ("Phrase grounding", ("phrase-grounding",), (), "phrase-grounding"),
    ("Region proposal", ("region-proposal",), (), "region-proposal"),
    ("Vision-language", ("vqa",), ("multimodal",), "vqa"),
    ("VQA", ("vqa",), (), "vqa"),
]

MODALITY_NAMES = {"text": "Text", "image": "Image", "video": "Video", "audio": "Audio",
                  "boxes": "Boxes", "masks": "Masks"}


def repo_url(repository: str) -> str | None:
    """'owner/name' or a URL -> a link (None for anything else)."""
    if repository.startswith(("https://", "http://")):
        return repository
    parts = repository.split("/")
    if len(parts) == 2 and all(p and p.replace("-", "").replace("_", "").replace(".", "").isalnum() for p in parts):
        return f"https://github.com/{repository}"
    return None


@dataclass
class SourceResult:
    """One model's results on one suite from one source (this project's runner or one import)."""

    suite: str
    source: str
    measured: bool
    provenance: ImportedSource | None
    overall: dict
    categories: dict[str, dict]
    runs: list[dict]
    records: int
    errors: int
    stale: int
    repeats: RepeatSpread | None = None  # the spread over repeated passes, where there were several

    @property
    def show_efficiency(self) -> bool:
        return bool(self.overall.get("show_efficiency"))

    @property
    def label(self) -> str:
        if self.measured:
            return "measured here"
        return "imported"

    @property
    def provenance_text(self) -> str:
        if self.provenance is None:
            return "Measured by this project's runner"
        p = self.provenance
        where = p.repository + (f"@{p.commit[:10]}" if p.commit else "")
        return f"Imported from {where} ({p.path}), measured by {p.measured_by}"

    @property
    def provenance_url(self) -> str | None:
        return repo_url(self.provenance.repository) if self.provenance else None

    @property
    def measured_at(self) -> str | None:
        """"batch 8 · NVIDIA H200 · 2.5 prompts/s": the settings behind the response times. Several batch
        sizes or machines are named as such, so a median over them is never taken for one setting;
        prompts per second (1 / the batch's wall time per prompt) where prompts were batched."""
        batches = sorted({int(b) for r in self.runs if r.get("batch_size") for b in str(r["batch_size"]).split(", ")})
        machines = sorted({r["hardware"] for r in self.runs if r.get("hardware")})
        parts = []
        if batches:
            parts.append(("batch " if len(batches) == 1 else "mixed batch sizes ") + " and ".join(map(str, batches)))
        if machines:
            parts.append(machines[0] if len(machines) == 1 else f"{len(machines)} different machines")
        rates = [r["throughput_median"] for r in self.runs if r.get("throughput_median")]
        if len(batches) == 1 and batches[0] > 1 and len(rates) == 1 and rates[0] > 0:
            parts.append(f"{1 / rates[0]:.3g} prompts/s")
        return " · ".join(parts) or None

    def efficiency(self, key: str) -> Any:
        """Latency/tokens/cost: only for runs covering enough of the suite, else None."""
        return self.overall.get(key) if self.show_efficiency else None


@dataclass
class ModelView:
    card: ModelCard
    overview_html: Any
    overview_text: str
    results: dict[str, list[SourceResult]] = field(default_factory=dict)
    digest: str = ""  # all of the model: what its page and its pair pages show
    listing_digest: str = ""  # all of it but the card's overview: what pages listing many models show
    id: str = field(init=False)
    name: str = field(init=False)

    def __post_init__(self) -> None:
        self.id, self.name = self.card.id, self.card.name

    @property
    def params_text(self) -> str | None:
        p = self.card.parameters
        if p is None or p.total is None:
            return None
        return f"{p.total} ({p.active} active)" if p.active else p.total

    @property
    def params_sort(self) -> float | None:
        return Parameters.count(self.card.parameters.total) if self.card.parameters else None

    @property
    def modality_text(self) -> str:
        m = self.card.modalities
        names = lambda xs: " + ".join(MODALITY_NAMES.get(x, x) for x in xs)  # noqa: E731
        return f"{names(m.inputs)} → {names(m.outputs)}"

    @property
    def category_text(self) -> str:
        """The seed table's "category": family plus features, e.g. 'Florence · Foundation vision model'."""
        parts = [self.card.family] if self.card.family else []
        parts += [FEATURE_NAMES[f] for f in self.card.features]
        return " · ".join(parts)

    def best(self, suite_id: str) -> SourceResult | None:
        """Measured if present, else the first import (the order of Results.sources)."""
        found = self.results.get(suite_id)
        return found[0] if found else None

    def has_task(self, tasks: tuple[str, ...], features: tuple[str, ...] = ()) -> bool:
        return any(t in self.card.tasks for t in tasks) or any(f in self.card.features for f in features)


@dataclass
class PromptView:
    suite: str
    prompt: Prompt
    image_url: str | None  # site path; None for an imported prompt whose source lost the image
    width: int
    height: int
    digest: str = ""

    @property
    def id(self) -> str:
        return self.prompt.id

    @property
    def image_missing(self) -> str | None:
        """Why there is no image to show ("sudoku.png is not in the imported checkout"), else None."""
        return self.prompt.image_missing if self.image_url is None else None

    @property
    def expected_text(self) -> str:
        e = self.prompt.expected
        if e is None:
            return ""
        if isinstance(e, str):
            return e
        if isinstance(e, dict) and isinstance(e.get("text"), str):
            return e["text"]  # OCR ground truth: the text itself
        if isinstance(e, dict) and isinstance(e.get("captions"), list) and all(isinstance(c, str) for c in e["captions"]):
            return "\n".join(e["captions"])  # reference captions, one a line
        if isinstance(e, dict) and isinstance(e.get("lines"), list) and all(isinstance(x, dict) for x in e["lines"]):
            return "\n".join(str(x.get("text", "")) for x in e["lines"])  # OCR ground truth: the text itself
        return json.dumps(e, ensure_ascii=False, sort_keys=True)


@dataclass
class SuiteView:
    suite: Suite
    folder: Path
    description_html: Any
    prompts: list[PromptView]
    scored: int
    category_counts: dict[str, int]
    digest: str = ""
    id: str = field(init=False)
    name: str = field(init=False)

    def __post_init__(self) -> None:
        self.id, self.name = self.suite.id, self.suite.name

    def category_name(self, category_id: str) -> str:
        return next((c.name for c in self.suite.categories if c.id == category_id), category_id)


@dataclass
class SiteData:
    catalog: Catalog
    results: Results
    base_url: str
    models: dict[str, ModelView]
    suites: dict[str, SuiteView]
    primary: str | None
    ranking: list[str]
    flagship: tuple[str, str] | None
    media: dict[str, Path]  # site path -> source image
    cache: dict = field(default_factory=dict)  # per-process memo of rendered fragments
    shared_digest: str = ""
    names_digest: str = ""
    ranking_digest: str = ""  # the leaderboard order and every name: what a model page shows of the others
    listing_digest: str = ""  # every model's listing digest: what the site-wide pages show
    data_digest: str = ""  # what the data files (CSV, models.json) hold

    @property
    def config(self):
        return self.catalog.site

    @property
    def title(self) -> str:
        return self.catalog.site.title

    def pairs(self) -> list[tuple[str, str]]:
        ids = sorted(self.models)
        return [(a, b) for i, a in enumerate(ids) for b in ids[i + 1:]]

    def relevant_suites(self, view: ModelView) -> list[str]:
        """Suites `leaderboard run` would answer something on: the card has a runner section and the
        suite has a prompt with an image whose task the model supports. The site only suggests these."""
        if view.card.runner is None:
            return []
        return [suite.id for suite in self.suites.values()
                if any(p.prompt.task in view.card.tasks and p.image_url is not None for p in suite.prompts)]

    def run_command(self, model_id: str, suite_id: str | None = None) -> str:
        suite_id = suite_id or self.primary
        return f"leaderboard run {model_id} --suite {suite_id}" if suite_id else f"leaderboard run {model_id}"


def _ordered_suites(catalog: Catalog) -> list[str]:
    featured = [s for s in catalog.site.featured_suites if s in catalog.suites]
    return featured + sorted(s for s in catalog.suites if s not in featured)


def _prompt_views(suite_id: str, loaded, media: dict[str, Path]) -> list[PromptView]:
    views = []
    sizes: dict[str, tuple[int, int]] = {}
    for prompt in loaded.suite.prompts:
        source = loaded.image_path(prompt.image)
        if source is None:  # imported without its image: a page with the reason, nothing to copy
            views.append(PromptView(suite_id, prompt, None, 0, 0))
            continue
        if prompt.image not in sizes:
            try:
                with Image.open(source) as im:
                    sizes[prompt.image] = im.size
            except Exception:  # noqa: BLE001 - an unreadable image still gets a page
                sizes[prompt.image] = (0, 0)
        site_path = f"media/{suite_id}/{prompt.image}"
        media[site_path] = source
        width, height = sizes[prompt.image]
        views.append(PromptView(suite_id, prompt, site_path, width, height))
    return views


def _suite_view(suite_id: str, loaded, media: dict[str, Path]) -> SuiteView:
    counts: dict[str, int] = {}
    for p in loaded.suite.prompts:
        if p.scored:
            counts[p.category] = counts.get(p.category, 0) + 1
    return SuiteView(loaded.suite, loaded.folder, render_markdown(loaded.suite.description),
                     _prompt_views(suite_id, loaded, media), sum(counts.values()), counts)


def _model_view(card: ModelCard, suite_ids: list[str], results: Results) -> ModelView:
    view = ModelView(card, render_markdown(card.overview), plain_text(card.overview))
    for suite_id in suite_ids:
        for source in results.sources(card.id, suite_id):
            rows = results.score_rows(card.id, suite_id, source)
            if "" not in rows:
                continue  # a suite without scored prompts has no scores
            runs = results.run_summary(card.id, suite_id, source)
            view.results.setdefault(suite_id, []).append(SourceResult(
                suite=suite_id, source=source, measured=source == MEASURED,
                provenance=results.provenance(card.id, suite_id, source),
                overall=rows[""], categories={k: v for k, v in rows.items() if k},
                runs=runs.runs, records=runs.records, errors=runs.errors, stale=runs.stale,
                repeats=results.repeat_spread(card.id, suite_id, source)))
    return view


def prepare(catalog: Catalog, results: Results, base_url: str, code_digest: str) -> SiteData:
    media: dict[str, Path] = {}
    suites = {suite_id: _suite_view(suite_id, catalog.suites[suite_id], media) for suite_id in _ordered_suites(catalog)}
    models = {model_id: _model_view(catalog.cards[model_id], list(suites), results) for model_id in sorted(catalog.cards)}
    primary = next(iter(suites), None)
    flagship = tuple(sorted(catalog.site.flagship)) if len(catalog.site.flagship) == 2 else None
    site = SiteData(catalog, results, base_url, models, suites, primary, _rank(models, primary), flagship, media)
    digests.stamp(site, code_digest)
    return site


def rank_key(view: ModelView, suite_id: str | None):
    """Full-coverage runs first (by pass rate, then lower bound), then partial runs, then none."""
    best = view.best(suite_id) if suite_id else None
    if best is None or best.overall.get("rate") is None:
        return (2, 0.0, 0.0, view.name.casefold(), view.id)
    rate, lo = best.overall["rate"], best.overall["lo"]
    return (0 if best.show_efficiency else 1, -rate, -lo, view.name.casefold(), view.id)


def _rank(models: dict[str, ModelView], suite_id: str | None) -> list[str]:
    return sorted(models, key=lambda m: rank_key(models[m], suite_id))


def task_name(task: str) -> str:
    return TASK_NAMES.get(task, task)


__all__ = ["FEATURES", "FEATURE_NAMES", "TASKS", "TASK_NAMES", "VISION_TASKS", "ModelView", "PromptView",
           "SiteData", "SourceResult", "SuiteView", "prepare", "rank_key", "repo_url", "task_name"]
