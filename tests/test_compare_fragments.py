"""Pair pages are joined from fragments rendered once per worker (a model's answer panels, its
evidence column, its measured and reported cells, the page itself as a stencil): a page must not
depend on which pages the worker rendered before it, a fragment that depends on the model's side
(its colour) must be cached per side, and every piece of untrusted text is escaped exactly once
and loses its invisible characters, as the templates print it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from bench.synthetic_catalog import write_catalog
from generator.catalog.loader import load_catalog
from generator.results import compute_results
from generator.site import build as site_build
from generator.site.digests import digest
from generator.site.pages import page_list
from generator.site.render import make_env
from generator.site.view import prepare


def _site(root: Path, base_url: str = "https://example.org/board/"):
    catalog = load_catalog(root)
    return prepare(catalog, compute_results(catalog), base_url, digest("test", None))


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return _site(Path(write_catalog(tmp_path_factory.mktemp("fragments"), 3, 12)))


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


def test_pages_do_not_depend_on_the_order_a_worker_renders_them(site):
    env = make_env(bands=site.config.score_bands)
    pages = [p for p in page_list(site) if p.kind == "compare"]
    site.cache.clear()
    forward = {p.path: site_build.render_page(site, env, p) for p in pages}
    site.cache.clear()
    backward = {p.path: site_build.render_page(site, env, p) for p in reversed(pages)}
    assert forward == backward and len(forward) == 3


def test_each_side_keeps_its_colour_in_every_piece(site):
    site.cache.clear()
    as_b = _render(site, "compare/model-000-vs-model-001/index.html")
    as_a = _render(site, "compare/model-001-vs-model-002/index.html")
    for page, colour, other in ((as_a, "0", "1"), (as_b, "1", "0")):
        assert f'<li data-model="model-001"><span class="swatch c{colour}">' in page  # legend entry
        assert f'<li data-model="model-001"><span class="swatch c{other}">' not in page
        assert f'<g class="c{other}" data-model="model-001">' not in page  # box layer
    assert '<h3 id="ov-a"><a href="../../models/model-001/index.html">' in as_a
    assert '<h3 id="ov-b"><a href="../../models/model-001/index.html">' in as_b


NAME_MARK = "Namemark"
HOSTILE_NAME = 'Evil <b>&amp; "q" \'x\' {{ 7*7 }}'
HOSTILE_ORG = "Org <script>alert(1)</script> & co"


def _with_model_001(tmp_path: Path, name: str, organization: str) -> str:
    """model-001's two pair pages, its card with this name and organization, its overview and
    answers with control characters and a right-to-left override."""
    root = Path(write_catalog(tmp_path, 3, 12))
    path = root / "model_cards" / "model-001.yaml"
    card = yaml.safe_load(path.read_text(encoding="utf-8"))
    card.update(name=name, organization=organization, overview="An \u202eoverview\x07.")
    card["license"]["url"] = "https://example.org/licence?a=1&b=2"
    path.write_text(yaml.safe_dump(card, allow_unicode=True), encoding="utf-8")
    for run in (root / "evals" / "runs").glob("*/model-001/*.jsonl"):
        records = [json.loads(line) for line in run.read_text(encoding="utf-8").splitlines()]
        for record in records:
            record["output"] = f"\u202e<i>{record['output']}\x1b[31m" if record["output"] else record["output"]
        run.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    site = _site(root)
    return "\n".join(_render(site, path) for path in ("compare/model-000-vs-model-001/index.html",
                                                      "compare/model-001-vs-model-002/index.html"))


def test_hostile_text_is_escaped_once_in_every_piece(tmp_path):
    """Wherever a pair page prints model-001's name (title, description, headings, table heads,
    side-by-side legend and panels, evals column, head-to-head), the hostile name is there escaped
    exactly once: as many times as a plain name in the same catalog, never raw, never twice."""
    plain = _with_model_001(tmp_path / "plain", NAME_MARK, "Plain Org")
    hostile = _with_model_001(tmp_path / "hostile", HOSTILE_NAME, HOSTILE_ORG)
    escaped = "Evil &lt;b&gt;&amp;amp; &#34;q&#34; &#39;x&#39; {{ 7*7 }}"
    assert plain.count(NAME_MARK) >= 20
    assert hostile.count(escaped) == plain.count(NAME_MARK)
    assert "<b>&amp;" not in hostile and "&amp;amp;amp;" not in hostile
    org = "Org &lt;script&gt;alert(1)&lt;/script&gt; &amp; co"
    assert hostile.count(org) == plain.count("Plain Org") >= 2
    assert "<script>alert(1)" not in hostile and "<i>" not in hostile and "&lt;i&gt;" in hostile
    assert not re.search("[\u202e\x07\x1b]", hostile)  # stripped from the overview and the answers
    assert 'href="https://example.org/licence?a=1&amp;b=2"' in hostile
    assert not re.search("[\ue000\ue001]", hostile)  # no placeholder left unfilled


def test_pieces_rendered_elsewhere_and_merged_give_the_same_pages(site):
    """The build's first phase renders each model's pieces in one worker and sends them (pickled)
    to the build process, whose cache the page workers inherit: pages joined from merged pieces
    equal pages rendered from scratch."""
    import pickle

    from generator.site import compare_pages

    paths = [p.path for p in page_list(site) if p.kind == "compare"]
    site.cache.clear()
    cold = {path: _render(site, path) for path in paths}
    pairs = [p.key for p in page_list(site) if p.kind == "compare"]
    merged: dict = {}
    for share in ({"model-000", "model-002"}, {"model-001"}):
        site.cache.clear()
        merged.update(pickle.loads(pickle.dumps(compare_pages.pieces(site, pairs, share))))
    assert {key[0] if key[0] != "side-by-side" else key[1] for key in merged} == {"model-cells", "answers", "answer"}
    assert {key[1] for key in merged if key[0] == "model-cells"} == {"model-000", "model-001", "model-002"}
    site.cache.clear()
    site.cache.update(merged)
    assert {path: _render(site, path) for path in paths} == cold


def test_a_build_whose_pieces_phase_runs_in_workers_equals_a_serial_build(tmp_path, monkeypatch):
    """18 models make 153 pair pages, enough for the first phase and the forked page workers."""
    root = write_catalog(tmp_path / "catalog", 18, 12)
    merged = []
    real = site_build._render_pieces

    def spy(pages, jobs):
        before = len(site_build._STATE["site"].cache)
        real(pages, jobs)
        merged.append(len(site_build._STATE["site"].cache) - before)

    monkeypatch.setattr(site_build, "_render_pieces", spy)
    site_build.build(root, tmp_path / "forked", jobs=2)
    site_build.build(root, tmp_path / "serial", jobs=1)
    assert len(merged) == 1 and merged[0] > 18  # every model's cells, answer cells and side-by-side answers
    files = lambda out: {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*"))  # noqa: E731
                         if p.is_file() and p.name != ".manifest.json"}
    assert files(tmp_path / "forked") == files(tmp_path / "serial")
