"""The shipped catalog, built as CI deploys it, has no broken link and no invalid HTML.

The repository's own model_cards/, evals/ and site.yaml are copied into a temporary folder and
built with a GitHub Pages base URL. Then every HTML page is parsed strictly (html5lib) and
every href/src in it, and every path the scripts and data files point at, must resolve to a
file of the site; no page may link to our own pages through the absolute base URL.
"""

from __future__ import annotations

import json
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from generator.site.build import build

from conftest import REPO_ROOT
from html_checks import check_site

BASE_URL = "https://someone.github.io/vision-leaderboard/"
FLAGSHIP = "compare/florence-2-large-vs-gemma-4-26b-a4b/index.html"
# One page of every kind the site has, so a kind that disappeared fails here rather than silently.
EVERY_KIND = ["index.html", "404.html", "models/index.html", "models/florence-2-large/index.html",
              "compare/index.html", FLAGSHIP,
              "tasks/index.html", "tasks/object-detection/index.html", "suites/index.html",
              "suites/vision-evals/index.html", "data/index.html", "playground/index.html", "search/index.html",
              "sitemap.xml", "robots.txt"]


@pytest.fixture(scope="module")
def shipped_site(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("repo")
    for name in ("model_cards", "evals"):
        shutil.copytree(REPO_ROOT / name, root / name)
    shutil.copy2(REPO_ROOT / "site.yaml", root / "site.yaml")
    out = root / "public"
    build(root, out, base_url=BASE_URL)
    return out


def test_every_page_kind_is_built(shipped_site: Path):
    assert [rel for rel in EVERY_KIND if not (shipped_site / rel).is_file()] == []
    prompts = list((shipped_site / "suites/vision-evals").glob("*/index.html"))
    assert len(prompts) >= 80


def test_every_link_resolves_and_every_page_is_valid_html(shipped_site: Path):
    assert check_site(shipped_site, BASE_URL) == {}


def test_paths_in_scripts_and_data_resolve(shipped_site: Path):
    """What the scripts load (root + "…") and the model URLs the compare table links to."""
    scripts = "".join(p.read_text(encoding="utf-8") for p in (shipped_site / "static").glob("*.js"))
    loaded = set(re.findall(r'root \+ "([^"]+)"', scripts))
    assert {"data/models.js", "data/models.json", "pagefind/pagefind.js"} <= loaded
    data = json.loads((shipped_site / "data/models.json").read_text(encoding="utf-8"))
    loaded |= {m["url"] + "index.html" for m in data["models"]}
    assert sorted(p for p in loaded if not (shipped_site / p).is_file()) == []


def test_sitemap_lists_existing_pages_under_the_base_url(shipped_site: Path):
    namespace = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    urls = [e.text for e in ET.parse(shipped_site / "sitemap.xml").getroot().findall("s:url/s:loc", namespace)]
    assert BASE_URL in urls and BASE_URL + FLAGSHIP.removesuffix("index.html") in urls
    assert all(u.startswith(BASE_URL) for u in urls)
    missing = [u for u in urls if not (shipped_site / u.removeprefix(BASE_URL) / "index.html").is_file()
               and not (shipped_site / u.removeprefix(BASE_URL)).is_file()]
    assert missing == []
    assert f"Sitemap: {BASE_URL}sitemap.xml" in (shipped_site / "robots.txt").read_text(encoding="utf-8")


def test_link_checker_finds_what_it_should(tmp_path: Path):
    """The checker itself: each kind of broken page is reported (so a clean result means something)."""
    page = ('<!doctype html><html lang="en"><head><meta charset="utf-8"><title>t</title></head><body>'
            '<p id="x">{}</p></body></html>')
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub/index.html").write_text(page.format('<a href="#x">ok</a><a href="../sub/index.html">ok</a>'))
    bad = {"missing.html": '<a href="nowhere/index.html">a</a>', "folder.html": '<a href="sub/">a folder</a>', "anchor.html": '<a href="sub/index.html#nope">a</a>',
           "absolute.html": f'<a href="{BASE_URL}models/">a</a>', "rooted.html": '<img src="/static/x.png" alt="">',
           "escape.html": '<a href="../../etc/passwd">a</a>', "unclosed.html": "<div><span>x</div>",
           "nested.html": "<p><div>x</div></p>", "dupe.html": '<span id="x"></span>'}
    for name, body in bad.items():
        (tmp_path / name).write_text(page.format(body))
    (tmp_path / "nolang.html").write_text("<!doctype html><html><head><title>t</title></head><body></body></html>")
    problems = check_site(tmp_path, BASE_URL)
    assert sorted(problems) == sorted([*bad, "nolang.html"])
