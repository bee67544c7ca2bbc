"""Everything the pages show, computed once per build from the catalog and the results.

Pages never query pandas: this module turns ``Results`` into plain per-model, per-suite and
per-prompt objects (and their content digests) once, so that rendering one of 20,000 compare
pages is a couple of dict lookups plus a template, and the incremental build can tell which
pages changed without rendering them.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from PIL import Image

from ..catalog.loader import Catalog
from ..catalog.schemas import ImportedSource, ModelCard, Parameters, Prompt, Suite
from ..catalog.vocab import FEATURE_NAMES, FEATURES, TASK_NAMES, TASKS
from ..results import MEASURED, Results, frame_records
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


def digest(*parts: Any) -> str:
    h = hashlib.sha256()
    for part in parts:
        data = part if isinstance(part, bytes) else str(part).encode("utf-8", "surrogatepass")
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
    return h.hexdigest()


def clean(value: Any) -> Any:
    """NaN / NA -> None, numpy scalars -> Python."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(value) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


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

    def efficiency(self, key: str) -> Any:
        """Latency/tokens/cost: only for runs covering enough of the suite, else None."""
        return self.overall.get(key) if self.show_efficiency else None


@dataclass
class ModelView:
    card: ModelCard
    overview_html: Any
    overview_text: str
    results: dict[str, list[SourceResult]] = field(default_factory=dict)
    digest: str = ""

    @property
    def id(self) -> str:
        return self.card.id

    @property
    def name(self) -> str:
        return self.card.name

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

    @property
    def id(self) -> str:
        return self.suite.id

    @property
    def name(self) -> str:
        return self.suite.name

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
    answers: dict[tuple[str, str], list[dict]]  # (suite, prompt) -> graded rows
    # (suite, model, source) -> {prompt_id: (category, passed, output or the grader's reason)}, scored only
    outcomes: dict[tuple[str, str, str], dict[str, tuple[str, bool, str | None]]] = field(default_factory=dict)
    cache: dict = field(default_factory=dict)  # per-process memo of rendered fragments
    shared_digest: str = ""
    names_digest: str = ""
    all_digest: str = ""

    @property
    def config(self):
        return self.catalog.site

    @property
    def title(self) -> str:
        return self.catalog.site.title

    def pairs(self) -> list[tuple[str, str]]:
        ids = sorted(self.models)
        return [(a, b) for i, a in enumerate(ids) for b in ids[i + 1:]]

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


def _row_hashes(frame: pd.DataFrame) -> np.ndarray:
    if frame.empty:
        return np.zeros(0, dtype=np.uint64)
    return pd.util.hash_pandas_object(frame.astype(str), index=False).to_numpy()


def prepare(catalog: Catalog, results: Results, base_url: str, code_digest: str) -> SiteData:
    media: dict[str, Path] = {}
    suites: dict[str, SuiteView] = {}
    for suite_id in _ordered_suites(catalog):
        loaded = catalog.suites[suite_id]
        suite = loaded.suite
        prompts = _prompt_views(suite_id, loaded, media)
        counts: dict[str, int] = {}
        for p in suite.prompts:
            if p.scored:
                counts[p.category] = counts.get(p.category, 0) + 1
        image_bytes = b"".join(digest(Path(src).read_bytes()).encode() for path, src in sorted(media.items())
                               if path.startswith(f"media/{suite_id}/"))
        suites[suite_id] = SuiteView(suite, loaded.folder, render_markdown(suite.description), prompts,
                                     sum(counts.values()), counts,
                                     digest(suite.model_dump_json(), image_bytes))

    graded = results.graded
    row_hash = _row_hashes(graded)
    by_model = graded.groupby("model", sort=True).indices if not graded.empty else {}
    scores_hash = _row_hashes(results.scores)
    scores_by_model = results.scores.groupby("model", sort=True).indices if not results.scores.empty else {}

    # Score rows -> SourceResult per (model, suite, source)
    score_rows: dict[tuple[str, str, str], dict[str, dict]] = {}
    for row in frame_records(results.scores):
        score_rows.setdefault((row["model"], row["suite"], row["source"]), {})[row["category"]] = row
    provenance: dict[tuple[str, str, str], ImportedSource] = {}
    for (suite_id, model_id, source, _), record in results.records.items():
        if not record.measured and (suite_id, model_id, source) not in provenance:
            provenance[(suite_id, model_id, source)] = record.source
    run_info: dict[tuple[str, str, str], dict] = {}
    if not graded.empty:
        def distinct(values) -> str | None:
            found = sorted({str(v) for v in values if clean(v) is not None})
            return ", ".join(found) or None

        keys = ["model", "suite", "source", "run_id"]
        runs = graded.groupby(keys, sort=True).agg(
            records=("prompt_id", "size"), started_at=("started_at", "min"), hardware=("hardware", distinct),
            adapter=("adapter", distinct), model_revision=("model_revision", distinct)).reset_index()
        for row in runs.sort_values(["model", "suite", "source", "started_at", "run_id"]).itertuples(index=False):
            info = run_info.setdefault((row.model, row.suite, row.source), {"runs": []})
            info["runs"].append({"run_id": row.run_id, "started_at": row.started_at, "hardware": clean(row.hardware),
                                 "adapter": clean(row.adapter), "model_revision": clean(row.model_revision),
                                 "records": int(row.records)})
        counts = graded.assign(errored=graded["error"].notna()).groupby(["model", "suite", "source"]).agg(
            records=("prompt_id", "size"), errors=("errored", "sum"), stale=("stale", "sum"))
        for (model_id, suite_id, source), row in counts.iterrows():
            info = run_info.setdefault((model_id, suite_id, source), {"runs": []})
            info.update(records=int(row["records"]), errors=int(row["errors"]), stale=int(row["stale"]))

    models: dict[str, ModelView] = {}
    for model_id in sorted(catalog.cards):
        card = catalog.cards[model_id]
        view = ModelView(card, render_markdown(card.overview), plain_text(card.overview))
        for suite_id in suites:
            for source in results.sources(model_id, suite_id):
                rows = score_rows.get((model_id, suite_id, source))
                info = run_info.get((model_id, suite_id, source), {"runs": []})
                if not rows or "" not in rows:
                    continue  # a suite without scored prompts has no scores
                view.results.setdefault(suite_id, []).append(SourceResult(
                    suite=suite_id, source=source, measured=source == MEASURED,
                    provenance=provenance.get((suite_id, model_id, source)),
                    overall=rows[""], categories={k: v for k, v in rows.items() if k},
                    runs=info["runs"], records=info.get("records", 0), errors=info.get("errors", 0),
                    stale=info.get("stale", 0)))
        g = by_model.get(model_id, np.zeros(0, dtype=int))
        s = scores_by_model.get(model_id, np.zeros(0, dtype=int))
        view.digest = digest(card.model_dump_json(), row_hash[np.sort(g)].tobytes(),
                             scores_hash[np.sort(s)].tobytes())
        models[model_id] = view

    answers: dict[tuple[str, str], list[dict]] = {}
    prompt_rows = graded.groupby(["suite", "prompt_id"], sort=True).indices if not graded.empty else {}
    records_all = frame_records(graded) if not graded.empty else []
    for key, positions in prompt_rows.items():
        positions = np.sort(positions)
        answers[key] = [records_all[i] for i in positions]
    outcomes: dict[tuple[str, str, str], dict[str, tuple[str, bool, str | None]]] = {}
    for row in records_all:
        if row["scored"]:
            text = row["output"] if row["output"] is not None else (f"error: {row['error']}" if row["error"] else None)
            outcomes.setdefault((row["suite"], row["model"], row["source"]), {})[row["prompt_id"]] = (
                row["category"], bool(row["passed"]), text)
    names_digest = digest(json.dumps({m: v.name for m, v in models.items()}, sort_keys=True))
    for suite in suites.values():
        for p in suite.prompts:
            positions = np.sort(prompt_rows.get((suite.id, p.id), np.zeros(0, dtype=int)))
            p.digest = digest(p.prompt.model_dump_json(), suite.digest, names_digest, row_hash[positions].tobytes())

    primary = next(iter(suites), None)
    ranking = _rank(models, primary)
    flagship = tuple(sorted(catalog.site.flagship)) if len(catalog.site.flagship) == 2 else None
    site = SiteData(catalog, results, base_url, models, suites, primary, ranking, flagship, media, answers, outcomes)
    site.names_digest = names_digest
    site.shared_digest = digest(code_digest, catalog.site.model_dump_json(), base_url,
                                *(s.digest for s in suites.values()))
    site.all_digest = digest(site.shared_digest, *(m.digest for m in models.values()))
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
           "SiteData", "SourceResult", "SuiteView", "digest", "prepare", "rank_key", "repo_url", "task_name"]
