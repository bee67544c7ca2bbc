"""The build: catalog -> results -> view data -> page list -> render (both cores) -> publish.

See publish.py for the incremental and atomic parts. Rendering forks worker processes after the
view data is prepared, so every worker inherits it (and the compiled templates) for free and
only page keys travel between processes. The Pagefind index is written by a separate process
that runs while the pages render, and the cyclic garbage collector is paused for the whole
build (see ``_cyclic_gc_paused``). Where the time goes: docs/performance.md.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import time
from collections import Counter
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from typing import TYPE_CHECKING, Callable

from .publish import (Manifest, clean_stale, fingerprint, hash_tree, library_versions, publish, staging_dir,
                      write_bytes, write_manifest)

if TYPE_CHECKING:
    from .pages import Page
    from .view import SiteData

# Only the standard library and publish.py are imported up front: a rebuild with nothing
# changed is decided from file hashes alone, before pandas, pydantic or Jinja are loaded.
CODE_DIR = Path(__file__).resolve().parents[1]  # the generator package
TEMPLATE_DIR = CODE_DIR / "site" / "templates"
# Below this many pages to render, forking workers saves nothing (measured on 2 cores: a draw at
# 70-120 pages, 0.1-0.3 s saved at 250).
SERIAL_BELOW = 150
CHUNK_PAGES = 100  # pages per task sent to a worker: small enough that no worker waits on the last one


class OutputFolderRefused(ValueError):
    """The output folder holds the project (or is it): publishing replaces that folder."""


@dataclass
class BuildReport:
    pages: int = 0
    files: int = 0
    written: int = 0
    removed: int = 0
    seconds: float = 0.0
    up_to_date: bool = False

    def summary(self) -> str:
        if self.up_to_date:
            return f"up to date: nothing changed ({self.seconds:.2f} s)"
        rate = self.written / self.seconds if self.seconds else 0
        return (f"{self.pages} pages, {self.files} files: {self.written} written, {self.removed} removed "
                f"in {self.seconds:.2f} s ({rate:,.0f} files/s)")


def normalise_base_url(base_url: str | None) -> str:
    base = (base_url or "/").strip()
    return base if base.endswith("/") else base + "/"


# The code whose changes can change a page: the site itself, grading and aggregation, the catalog
# (schemas, vocabularies). Runner, serve and importers do not render anything, so editing them
# does not invalidate 20,000 pages.
RENDER_CODE = ("site", "catalog", "grading", "results.py", "stats.py")


def code_digest() -> str:
    h = hashlib.sha256()
    for name in RENDER_CODE:
        path = CODE_DIR / name
        if path.is_dir():
            hash_tree(h, path, CODE_DIR.parent, (".py",))
        elif path.is_file():
            h.update(name.encode() + hashlib.sha256(path.read_bytes()).digest())
    hash_tree(h, TEMPLATE_DIR, TEMPLATE_DIR.parent)
    return h.hexdigest()


def build_date() -> str | None:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if not epoch:
        return None
    return datetime.fromtimestamp(int(epoch), tz=timezone.utc).strftime("%Y-%m-%d")


# ------------------------------------------------------------------ rendering (also in workers)

_STATE: dict = {}


def _common(site: SiteData, page: Page) -> dict:
    from .render import page_root, pretty

    canonical_path = pretty(page.path)
    absolute = site.base_url.startswith(("http://", "https://"))
    return {
        "site": site, "root": page_root(page.path), "page_path": page.path,
        "canonical": site.base_url + canonical_path if absolute else None,
        "build_date": _STATE.get("build_date"), "repository": site.config.repository,
    }


def render_page(site: SiteData, env, page: Page) -> bytes:
    from .pages import RENDERERS, TEMPLATES, context

    ctx = _common(site, page)
    if page.kind in RENDERERS:  # pages joined from per-worker pieces (pair pages)
        return RENDERERS[page.kind](site, env, page, ctx)
    ctx.update(context(site, page))
    return env.get_template(TEMPLATES[page.kind]).render(ctx).encode("utf-8")


def _render_chunk(args: tuple[list[Page], str]) -> int:
    pages, stage = args
    site, env = _STATE["site"], _STATE["env"]
    stage_path = Path(stage)
    made: set[str] = set()
    for page in pages:
        target = stage_path / page.path
        parent = str(target.parent)
        if parent not in made:
            os.makedirs(parent, exist_ok=True)
            made.add(parent)
        with open(target, "wb") as fh:
            fh.write(render_page(site, env, page))
    return len(pages)


def search_work(root: Path, out: Path) -> Path:
    """Where the search index's source documents stay between builds of ``out`` (search.IndexJob):
    in the project's git-ignored ``.cache/``, one folder per output folder."""
    return root / ".cache" / "search" / hashlib.sha256(str(out).encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _pieces_chunk(args: tuple[str, list[str]]) -> dict:
    from .pages import PIECES

    kind, models = args
    return PIECES[kind](_STATE["site"], _STATE["keys"][kind], set(models))


def _render_pieces(pages: list[Page], jobs: int) -> None:
    """The first phase: the pieces that many pages share (pages.PIECES), each model's rendered in
    one worker, merged into the site's cache, so that the page workers forked next inherit them
    instead of each rendering them all again."""
    import multiprocessing

    from .pages import PIECES

    site, tasks = _STATE["site"], []
    _STATE["keys"] = {kind: [page.key for page in pages if page.kind == kind] for kind in PIECES}
    try:
        for kind, keys in _STATE["keys"].items():
            if len(keys) >= SERIAL_BELOW:
                models = sorted({model for key in keys for model in key})
                tasks += [(kind, models[i::jobs]) for i in range(jobs)]
        if tasks:
            with multiprocessing.get_context("fork").Pool(jobs) as pool:
                for found in pool.imap_unordered(_pieces_chunk, tasks):
                    site.cache.update(found)
    finally:
        _STATE.pop("keys")


def template_cache(key: str, directory: str | None = None):
    """Jinja's compiled templates, kept between builds (in Jinja's per-user folder in the system's
    temporary directory, unless ``directory``): compiling every template takes 0.25 s of each build,
    on one core before the workers fork; loading them takes 0.01 s.

    Jinja reuses a compiled template only if its source is unchanged. ``key`` (the code digest and
    the Jinja version) extends that check to what else shapes the compiled code: the environment's
    settings and filters (render.py) and Jinja's compiler. One file per template: a recompiled one
    replaces the last. A cache that cannot be written is no reason to fail a build."""
    from jinja2 import FileSystemBytecodeCache

    class KeyedCache(FileSystemBytecodeCache):
        def get_source_checksum(self, source: str) -> str:
            return super().get_source_checksum(key + "\0" + source)

        def load_bytecode(self, bucket) -> None:
            try:
                super().load_bytecode(bucket)
            except OSError:
                pass  # compiled anew

        def dump_bytecode(self, bucket) -> None:
            try:
                super().dump_bytecode(bucket)
            except OSError:
                pass

    try:
        return KeyedCache(directory, pattern="__vision_leaderboard_%s.cache")
    except (OSError, RuntimeError):  # no private folder of our own to be had in the temporary directory
        return None


def render_pages(site: SiteData, pages: list[Page], stage: Path, jobs: int,
                 progress: Callable[[int], None] = lambda done: None, templates=None) -> None:
    """Render ``pages`` into ``stage``; ``progress`` hears how many pages each finished chunk held;
    ``templates``: a Jinja bytecode cache (``template_cache``) or None."""
    import multiprocessing

    from .render import site_env

    env = site_env(site.cache, site.config.score_bands)
    env.bytecode_cache = templates
    for name in env.list_templates(filter_func=lambda name: not name.startswith("static/")):
        env.get_template(name)  # compile (or load) once, before forking: the pages' imports (_macros.html...) too
    _STATE.update(site=site, env=env)
    try:
        if jobs <= 1 or len(pages) < SERIAL_BELOW or "fork" not in multiprocessing.get_all_start_methods():
            progress(_render_chunk((pages, str(stage))))
            return
        _render_pieces(pages, jobs)
        # Balance the workers so that they finish together. The costly pages are of the rare
        # kinds, which show much of the catalog (a task gallery up to 0.3 s, the leaderboard, the
        # suite page and the sitemap about 10 ms), the cheap ones of the kinds that number in
        # thousands (a compare page 1 ms, a prompt page 4 ms). Sorted by path, the costly ones
        # would sit together. Pages go out rarest kind first (a stable sort keeps the path order
        # within a kind), and chunk i takes every n-th page from i on: the costly pages are
        # spread over the first chunks sent, and every chunk gets its share of the rest.
        kinds = Counter(page.kind for page in pages)
        ordered = sorted(pages, key=lambda page: kinds[page.kind])
        count = max(jobs, -(-len(pages) // CHUNK_PAGES))
        chunks = [(ordered[i::count], str(stage)) for i in range(count)]
        # The workers inherit the paused collector (see build): none of them ever walks the
        # inherited objects, which would copy the parent's memory page by page.
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            for done in pool.imap_unordered(_render_chunk, chunks):
                progress(done)
    finally:
        _STATE.pop("site", None)
        _STATE.pop("env", None)


# ------------------------------------------------------------------ data files

def models_json(site: SiteData) -> dict:
    models = []
    for view in site.models.values():
        card = view.card
        results = {}
        for suite_id, found in view.results.items():
            results[suite_id] = [{
                "source": r.source, "measured": r.measured, "provenance": r.provenance_text,
                **{k: r.overall.get(k) for k in ("passed", "n", "rate", "lo", "hi", "coverage", "show_efficiency")},
                **{k: r.efficiency(k) for k in ("latency_median", "latency_mean", "input_tokens_median",
                                                "output_tokens_median", "cost_per_task")},
                "categories": {c: {k: v.get(k) for k in ("passed", "n", "rate", "lo", "hi")}
                               for c, v in sorted(r.categories.items())},
            } for r in found]
        models.append({
            "id": card.id, "name": card.name, "organization": card.organization, "access": card.access,
            "family": card.family, "release_date": card.release_date, "parameters": view.params_text,
            "parameters_count": view.params_sort, "context_window": card.context_window,
            "license": card.license.id, "license_url": card.license.url,
            "pricing": card.pricing.model_dump() if card.pricing else None,
            "modalities": card.modalities.model_dump(), "tasks": list(card.tasks), "features": list(card.features),
            "url": f"models/{card.id}/", "results": results,
            "reported": [r.model_dump(exclude_none=True) for r in card.reported],
        })
    return {
        "title": site.title, "primary_suite": site.primary, "coverage_min": site.config.coverage_min,
        "score_bands": site.config.score_bands.model_dump(),
        "suites": [{"id": s.id, "name": s.name, "version": s.suite.version, "scored_prompts": s.scored,
                    "categories": [{"id": c.id, "name": c.name, "prompts": s.category_counts.get(c.id, 0)}
                                   for c in s.suite.categories]} for s in site.suites.values()],
        "models": models,
    }


DATA_FILES = ("data/results.csv", "data/scores.csv", "data/models.json", "data/models.js")


def data_files(site: SiteData) -> dict[str, bytes]:
    """The downloads, by path (``DATA_FILES``)."""
    from ..results import results_frame_csv

    # allow_nan=False: the catalog refuses NaN and Infinity; one computed here would be a bug, never invalid JSON
    payload = json.dumps(models_json(site), ensure_ascii=False, sort_keys=True, indent=1, allow_nan=False)
    return {
        "data/results.csv": results_frame_csv(site.results, "graded").encode("utf-8"),
        "data/scores.csv": results_frame_csv(site.results, "scores").encode("utf-8"),
        "data/models.json": (payload + "\n").encode("utf-8"),
        # The same data as a script, so the compare table also works from disk (file:// blocks fetch).
        "data/models.js": ("window.VL_MODELS = " + payload + ";\n").encode("utf-8"),
    }


# ------------------------------------------------------------------ the build

def _file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@contextmanager
def _cyclic_gc_paused():
    """Pause Python's cyclic garbage collector (reference counting still frees almost everything).

    A build allocates a few hundred thousand objects that live until it ends (records, results,
    view data, templates) and leaves little cyclic garbage; each automatic collection of the
    oldest generation walks all of them for nothing (0.1-0.15 s of CPU at 50 models, for 5 MB
    more peak memory; 14 MB more at 200). Workers forked while it is paused never collect
    either, so they never touch, and thereby copy, the memory they share with the build process.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@_cyclic_gc_paused()
def build(root: Path | str = ".", out: Path | str | None = None, base_url: str | None = None,
          jobs: int | None = None, force: bool = False, log=lambda message: None,
          progress: Callable[[int, int], None] = lambda done, total: None) -> BuildReport:
    """Build the site into ``out``; raise CatalogError (leaving ``out`` untouched) on a bad catalog.

    With nothing changed since the last build (same inputs, code, options) it returns at once,
    trusting the manifest; ``force`` ignores the manifest and checks every output. ``progress``
    hears (pages rendered so far, pages to render) as rendering goes, for a progress bar.
    """
    started = time.perf_counter()
    root = Path(root)
    out = Path(out) if out is not None else root / "public"
    out = out.resolve()
    if out == root.resolve() or out in root.resolve().parents or (out / ".git").exists():
        raise OutputFolderRefused(f"refusing to build into {out}: it holds the project (the output folder is replaced)")
    jobs = jobs or os.cpu_count() or 1
    from ..sources.layer import built_key, refresh_layer

    refresh_layer(root, log)  # peer sources pinned in site.yaml and synced -> the build-time layer
    code = code_digest()
    libraries = library_versions()
    extra = json.dumps({"base_url": base_url, "date": build_date(), "code": code, "layer": built_key(root),
                        "libraries": libraries})
    fp = fingerprint(root, extra)
    clean_stale(out)  # folders left by killed builds go first, whatever this build finds to do
    head = Manifest.head(out)
    if not force and head and head.get("fingerprint") == fp and head.get("outputs"):
        return BuildReport(pages=head.get("pages", 0), files=head["outputs"], up_to_date=True,
                           seconds=time.perf_counter() - started)
    old = Manifest.read(out)

    from ..catalog.loader import load_catalog
    from ..results import compute_results
    from . import search
    from .pages import page_list
    from .digests import digest
    from .view import prepare

    catalog = load_catalog(root)  # CatalogError: nothing below runs, out/ is untouched
    base = normalise_base_url(base_url if base_url is not None else catalog.site.base_url)
    results = compute_results(catalog)
    _STATE["build_date"] = build_date()
    site = prepare(catalog, results, base, digest(code, _STATE["build_date"]))
    log(f"prepared {len(site.models)} models, {len(site.suites)} suites in {time.perf_counter() - started:.2f} s")

    # The search index first: when its records changed, Pagefind (search.IndexJob) starts now and
    # writes it on the other core while the page list and the data files are made (0.19 s at 66
    # models, the index 0.09 s of CPU) and the pages render. It is whole or rebuilt: after a publish
    # cut off halfway some of its files are marked unknown (only files whose bytes changed are
    # replaced), and the rest must not pass for it.
    recs = search.records(site)
    search_digest = search.records_digest(recs, libraries)
    old_search = sorted(r for r in old.files if r.startswith("pagefind/"))
    search_fresh = (bool(old_search) and all(old.files[r] == search_digest for r in old_search)
                    and all((out / r).exists() for r in old_search))
    stage = staging_dir(out)
    try:
        if not search_fresh:
            stage.mkdir(parents=True)
        with nullcontext() if search_fresh else search.IndexJob(recs, stage / "pagefind", search_work(root, out)) as index:
            pages = page_list(site)
            new = Manifest(fp, {p.path: p.digest for p in pages})
            copies: dict[str, Path] = {}
            for path in sorted((TEMPLATE_DIR / "static").rglob("*")):
                if path.is_file():
                    copies["static/" + path.relative_to(TEMPLATE_DIR / "static").as_posix()] = path
            copies.update(site.media)
            for rel in DATA_FILES:  # by the digest of what they hold: made only when that changed
                new.files[rel] = site.data_digest
            for rel, path in copies.items():
                new.files[rel] = _file_digest(path)
            if search_fresh:
                new.files.update({r: search_digest for r in old_search})
            changed = {rel for rel in new.files if old.files.get(rel) != new.files[rel] or not (out / rel).exists()}
            if index is None and not changed and not set(old.files) - set(new.files):
                # Inputs changed in ways no page shows (a YAML comment): record the new fingerprint only.
                out.mkdir(parents=True, exist_ok=True)
                write_manifest(out, new)
                return BuildReport(pages=len(pages), files=len(new.files), seconds=time.perf_counter() - started)
            stage.mkdir(parents=True, exist_ok=True)
            todo = [p for p in pages if p.path in changed]
            rendered = 0

            def advance(done: int) -> None:
                nonlocal rendered
                rendered += done
                progress(rendered, len(todo))

            render_pages(site, todo, stage, jobs, advance, template_cache(f"{code} {libraries['jinja2']}"))
            if changed.intersection(DATA_FILES):
                for rel, data in data_files(site).items():
                    if rel in changed:
                        write_bytes(stage, rel, data)
            for rel, path in copies.items():
                if rel in changed:
                    write_bytes(stage, rel, path.read_bytes())
            if index is not None:
                for rel in index.wait():
                    new.files[f"pagefind/{rel}"] = search_digest
                    changed.add(f"pagefind/{rel}")
        stats = publish(out, stage, new, old, changed)
    except BaseException:
        import shutil

        shutil.rmtree(stage, ignore_errors=True)
        raise
    return BuildReport(pages=len(pages), files=len(new.files), written=stats["written"], removed=stats["removed"],
                       seconds=time.perf_counter() - started)
