"""Pair pages are joined from fragments rendered once per worker (a model's answer panels, its
evidence column, its measured and reported cells): a page must not depend on which pages the
worker rendered before it, and a fragment that depends on the model's side (its colour) must be
cached per side."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.synthetic_catalog import write_catalog
from generator.catalog.loader import load_catalog
from generator.results import compute_results
from generator.site import build as site_build
from generator.site.digests import digest
from generator.site.pages import page_list
from generator.site.render import make_env
from generator.site.view import prepare


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = write_catalog(tmp_path_factory.mktemp("fragments"), 3, 12)
    catalog = load_catalog(Path(root))
    site = prepare(catalog, compute_results(catalog), "https://example.org/board/", digest("test", None))
    return site


def _render(site, path: str) -> str:
    page = next(p for p in page_list(site) if p.path == path)
    return site_build.render_page(site, make_env(bands=site.config.score_bands), page).decode("utf-8")


def test_a_models_panel_keeps_its_sides_colour_across_pairs(site):
    site.cache.clear()
    as_b = _render(site, "compare/model-000-vs-model-001/index.html")
    as_a = _render(site, "compare/model-001-vs-model-002/index.html")
    assert '<div class="panel c1" data-model="model-001">' in as_b
    assert '<div class="panel c0" data-model="model-001">' not in as_b
    assert '<div class="panel c0" data-model="model-001">' in as_a
    assert '<div class="panel c1" data-model="model-001">' not in as_a
    assert '<g class="c0" data-model="model-001">' in as_a  # the overlay is the pair's own


def test_a_page_is_the_same_whatever_the_worker_rendered_before(site):
    site.cache.clear()
    cold = _render(site, "compare/model-001-vs-model-002/index.html")
    for other in ("compare/model-000-vs-model-001/index.html", "compare/model-000-vs-model-002/index.html"):
        _render(site, other)
    assert _render(site, "compare/model-001-vs-model-002/index.html") == cold
    assert cold.count('class="gallery-item sbs-item"') >= 1 and 'id="evals"' in cold
