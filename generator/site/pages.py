"""The page list: every output page as (path, kind, key, digest), and the dispatch from a page's
kind to its context function and template.

``page_list`` is cheap — it only combines digests (hashes of each page's inputs, which already
include the templates and the site code), so an incremental build can compare them with the
previous build's manifest without rendering anything. ``context(site, page)`` builds what one
template needs; it is called in the worker processes, only for pages that changed. The context
functions live with their kind of page: list_pages (leaderboard and site-wide pages),
compare_pages, gallery_pages (tasks) and catalog_pages (models, suites, prompts).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from ..catalog.vocab import TASKS
from . import catalog_pages, compare_pages, disagreement_pages, gallery_pages, list_pages
from .digests import digest
from .paths import canonical_pair, compare_path
from .render import pretty
from .view import SiteData


@dataclass(frozen=True)
class Page:
    path: str
    kind: str
    key: tuple
    digest: str


def page_list(site: SiteData) -> list[Page]:
    s, every = site.shared_digest, site.listing_digest  # every: the site-wide pages (no overview on them)
    pages: list[Page] = []
    add = lambda path, kind, key, *parts: pages.append(Page(path, kind, key, digest(kind, key, *parts)))  # noqa: E731

    add("index.html", "leaderboard", (), every)
    add("404.html", "notfound", (), s, *sorted(site.models))
    add("search/index.html", "search", (), every)
    add("playground/index.html", "playground", (), every)
    add("data/index.html", "data", (), every, *(src.model_dump_json() for src in site.catalog.sources))
    add("compare/index.html", "compare_index", (), every)
    add("tasks/index.html", "tasks_index", (), every)
    add("suites/index.html", "suites_index", (), every)
    add("models/index.html", "models_index", (), every)
    add("sitemap.xml", "sitemap", (), every)
    add("robots.txt", "robots", (), s)
    for model_id, view in site.models.items():
        add(f"models/{model_id}/index.html", "model", (model_id,), s, view.digest, site.ranking_digest)
    for a, b in site.pairs():
        ma, mb = site.models[a].digest, site.models[b].digest
        add(compare_path(a, b), "compare", (a, b), s, ma, mb)
    for task in TASKS:
        add(f"tasks/{task}/index.html", "task", (task,), every)
    for suite in site.suites.values():
        add(f"suites/{suite.id}/index.html", "suite", (suite.id,), every)
        for p in suite.prompts:
            add(f"suites/{suite.id}/{p.id}/index.html", "prompt", (suite.id, p.id), s, p.digest)
    for slug in disagreement_pages.page_keys(site):
        add(f"sources/{slug}/disagreements/index.html", "disagreements", (slug,), every)
    pages.sort(key=lambda p: p.path)
    site.cache["page-list"] = pages  # the sitemap lists them again (workers inherit the build's list)
    return pages


def ctx_sitemap(site: SiteData) -> dict:
    skip = {"notfound", "robots", "sitemap", "search"}
    pages = site.cache.get("page-list") or page_list(site)
    return {"urls": [site.base_url + pretty(p.path) for p in pages if p.kind not in skip]}


CONTEXTS: dict[str, Callable[..., dict]] = {
    **list_pages.CONTEXTS, **compare_pages.CONTEXTS, **gallery_pages.CONTEXTS, **catalog_pages.CONTEXTS,
    **disagreement_pages.CONTEXTS, "sitemap": ctx_sitemap,
}
TEMPLATES: dict[str, str] = {
    **list_pages.TEMPLATES, **compare_pages.TEMPLATES, **gallery_pages.TEMPLATES, **catalog_pages.TEMPLATES,
    **disagreement_pages.TEMPLATES, "sitemap": "sitemap.xml",
}
# Kinds that render themselves, (site, env, page, common context) -> bytes, instead of a context
# for their template: the pair pages, joined from pieces rendered once per worker.
RENDERERS: dict[str, Callable[..., bytes]] = {**compare_pages.RENDERERS}
# Kinds whose pages share per-model pieces, (site, page keys, models) -> the pieces of those models
# as cache entries: rendered in a first phase split by model, then inherited by every page worker.
PIECES: dict[str, Callable[..., dict]] = {**compare_pages.PIECES}


def context(site: SiteData, page: Page) -> dict[str, Any]:
    ctx = CONTEXTS[page.kind](site, *page.key)
    ctx.setdefault("nav", page.kind)
    return ctx


__all__ = ["CONTEXTS", "Page", "RENDERERS", "TEMPLATES", "canonical_pair", "compare_path", "context", "page_list"]
