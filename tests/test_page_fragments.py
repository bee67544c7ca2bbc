"""Prompt, model, task, suite and site-wide pages reuse what a worker made once (disagreement
tallies, the page list, answer layers): a page must be the same whether its worker rendered
nothing before it or every other page."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.synthetic_catalog import write_catalog
from generator.catalog.loader import load_catalog
from generator.results import compute_results
from generator.site import build as site_build
from generator.site import disagreement_pages
from generator.site.digests import digest
from generator.site.pages import page_list
from generator.site.render import make_env
from generator.site.view import prepare


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = write_catalog(tmp_path_factory.mktemp("pages"), 12, 20)
    catalog = load_catalog(Path(root))
    return prepare(catalog, compute_results(catalog), "https://example.org/board/", digest("test", None))


def test_pages_do_not_depend_on_what_the_worker_rendered_before(site):
    env = make_env(bands=site.config.score_bands)
    pages = [p for p in page_list(site) if p.kind != "compare"]
    cold = {}
    for page in pages:
        site.cache.clear()
        cold[page.path] = site_build.render_page(site, env, page)
    site.cache.clear()
    for page in reversed(pages):  # every page after all the others, with everything they cached
        assert site_build.render_page(site, env, page) == cold[page.path], page.path
    kinds = {p.kind for p in pages}
    assert {"prompt", "model", "task", "suite", "sitemap", "leaderboard"} <= kinds
    model = cold["models/model-000/index.html"].decode()
    assert model.count('<a href="../../suites/synth/') >= 10  # the prompt links of "Answers by task"


def test_disagreement_counts_per_model_add_up_to_the_suites(site):
    per_suite = {r["repository"]: (r["graded"], r["count"])
                 for s in site.suites for r in disagreement_pages.counts(site, suite_id=s)}
    per_model: dict[str, list[int]] = {}
    for m in site.models:
        for r in disagreement_pages.counts(site, model_id=m):
            totals = per_model.setdefault(r["repository"], [0, 0])
            totals[0] += r["graded"]
            totals[1] += r["count"]
    assert per_suite and {repo: tuple(t) for repo, t in per_model.items()} == per_suite
    with pytest.raises(ValueError):
        disagreement_pages.counts(site)
