"""End-to-end builds of small catalogs: pages, links, missing values, provenance, determinism,
atomicity and incremental rebuilds."""

from __future__ import annotations

import gzip
import json
import re
from itertools import combinations
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.catalog.vocab import TASKS
from generator.cli import main as cli
from generator.site import build as site_build
from generator.site.build import build
from generator.site.markdown import render_markdown
from generator.site.pages import canonical_pair

from bench.synthetic_catalog import write_catalog as write_synthetic_catalog
from html_checks import check_site
from site_fixtures import FLAGSHIP, PROMPTS, write_catalog

MODELS = ["alpha-vl", "beta-ocr", "gamma-det"]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    root = write_catalog(tmp_path_factory.mktemp("catalog"))
    out = tmp_path_factory.mktemp("site") / "public"
    report = build(root, out, jobs=1)
    assert report.written == report.files
    return out


def read(out: Path, rel: str) -> str:
    return (out / rel).read_text(encoding="utf-8")


def snapshot(out: Path) -> dict[str, tuple[bytes, int, int]]:
    return {p.relative_to(out).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns, p.stat().st_ino)
            for p in sorted(out.rglob("*")) if p.is_file()}


# ------------------------------------------------------------------ pages

def test_every_expected_page_exists(site: Path):
    expected = ["index.html", "404.html", "sitemap.xml", "robots.txt", "compare/index.html", "models/index.html",
                "tasks/index.html", "suites/index.html", "suites/evals/index.html", "data/index.html",
                "data/results.csv", "data/scores.csv", "data/models.json", "data/models.js", "playground/index.html",
                "search/index.html", "static/site.css", "static/site.js", "static/compare.js", "static/gallery.js",
                "pagefind/pagefind.js", "pagefind/pagefind-entry.json"]
    expected += [f"models/{m}/index.html" for m in MODELS]
    expected += [f"tasks/{t}/index.html" for t in TASKS]
    expected += [f"suites/evals/{p[0]}/index.html" for p in PROMPTS]
    expected += [f"media/evals/images/{p[0]}.png" for p in PROMPTS]
    missing = [rel for rel in expected if not (site / rel).is_file()]
    assert not missing


def test_compare_pages_one_per_pair_in_canonical_order(site: Path):
    """The reversed address has no file: 404.html forwards it (tests/test_reversed_compare_browser.py)."""
    pages = sorted(p.parent.name for p in (site / "compare").glob("*/index.html"))
    n = len(MODELS)
    canonical = [f"{a}-vs-{b}" for a, b in combinations(sorted(MODELS), 2)]
    assert len(canonical) == n * (n - 1) // 2
    assert pages == canonical
    for a, b in combinations(sorted(MODELS), 2):
        page = read(site, f"compare/{a}-vs-{b}/index.html")
        assert "http-equiv" not in page
        assert f'<link rel="canonical" href="https://example.org/board/compare/{a}-vs-{b}/">' in page
    assert canonical_pair("b", "a") == ("a", "b")


def test_flagship_compare_page_has_every_section(site: Path):
    a, b = sorted(FLAGSHIP)
    html = read(site, f"compare/{a}-vs-{b}/index.html")
    for heading in ("Overview", "Comparison table", "Vision tasks", "Model features", "Vision evals",
                    "Head-to-head", "Measured vs reported", "Methodology"):
        assert f">{heading}</h2>" in html, heading
    for row in ("Organization", "Category", "Modality", "Release date", "Context window", "Parameters", "Licence",
                "Input price / 1M tokens", "Output price / 1M tokens", "Captioning", "Object detection", "OCR",
                "Classification", "Instance segmentation", "Open-vocabulary detection", "Phrase grounding",
                "Region proposal", "Vision-language", "VQA", "Overall score", "Average response time",
                "Median input tokens", "Median output tokens", "Est. cost per task", "Counting", "Reading",
                "exact McNemar p", "≥ 75% high", "40–74% mid", "&lt; 40% low"):
        assert f"{row}" in html, row
    # Demo: each model's own answers for the task, only where it has some (Beta has no captions)
    assert 'href="../../models/alpha-vl/index.html#answers-captioning">Demo' in html
    assert 'href="../../models/beta-ocr/index.html#answers-ocr">Demo' in html
    matrix = html.split('id="tasks"')[1].split("</table>")[0]
    assert "models/beta-ocr/index.html#answers-captioning" not in matrix and 'href="../../tasks/' not in matrix
    assert "262,144 tokens" in html and "$0.13" in html and "$0.40" in html


def test_head_to_head_counts_and_p_value(site: Path):
    """Worked out by hand from tests/site_fixtures.py (measured runs, exact grader): count-apples
    Alpha 3 = 3 wins, Beta 2 fails; count-coins Alpha "five" fails, Beta 4 passes; read-sign both
    STOP; read-receipt Alpha errored, Beta $2.30 passes; find-cat Alpha yes, Beta no. So 2 wins,
    2 losses, 1 tie both passing, 0 both failing; exact McNemar p = min(1, 2 * (1+4+6)/16) = 1."""
    assert h2h_numbers(site)[:5] == ["2", "2", "1", "0", "1.00"]
    html = read(site, "compare/alpha-vl-vs-beta-ocr/index.html")
    assert "error: timeout after 60 s" in html  # the errored answer is shown as its error, as a failure


def h2h_numbers(out: Path) -> list[str]:
    html = read(out, "compare/alpha-vl-vs-beta-ocr/index.html")
    return re.findall(r"<b[^>]*>([^<]+)</b>", re.search(r'<div class="h2h-summary">(.*?)</div>\s*</div>', html, re.S).group(1))


def test_head_to_head_p_value_below_one(tmp_path):
    """Beta's measured answers all wrong: Alpha wins count-apples, read-sign and find-cat, both fail
    count-coins and read-receipt. 3 wins, 0 losses; p = 2 * (1/2)^3 = 0.25."""
    root = write_catalog(tmp_path / "c")
    run = root / "evals/runs/evals/beta-ocr/beta-run-1.jsonl"
    run.write_text("".join(json.dumps(dict(json.loads(line), output="x")) + "\n" for line in run.read_text().splitlines()))
    build(root, tmp_path / "public", jobs=1)
    assert h2h_numbers(tmp_path / "public")[:5] == ["3", "0", "0", "2", "0.25"]


def test_unknown_values_show_a_dash_never_zero(site: Path):
    gamma = read(site, "models/gamma-det/index.html")
    for label in ("Release date", "Parameters", "Context window", "Input price / 1M tokens"):
        row = re.search(rf"<th scope=\"row\">{re.escape(label)}</th><td>(.*?)</td>", gamma).group(1)
        assert row.strip() == "—", (label, row)
    board = read(site, "index.html")
    beta_row = re.search(r'<tr data-access="open" data-tasks="ocr vqa">(.*?)</tr>', board, re.S).group(1)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", beta_row, re.S)
    assert cells[-5] == '400 ms<span class="sub">test CPU</span>' and cells[-4] == "—"  # cost unknown: no price, no tokens
    assert "leaderboard run gamma-det --suite evals" in board
    beta_page = read(site, "models/beta-ocr/index.html")
    assert "— in · — out" in beta_page  # token counts unknown
    for path in site.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for bad in (">nan<", ">None<", "NaN", "$0.00<", ">0 in", "nan%"):
            assert bad not in text, (path, bad)


def test_reported_figures_are_labelled_with_sources(site: Path):
    alpha = read(site, "models/alpha-vl/index.html")
    assert "Reported elsewhere" in alpha and "MMMU Pro" in alpha
    assert 'href="https://alpha.example/model-card"' in alpha
    compare = read(site, "compare/alpha-vl-vs-beta-ocr/index.html")
    reported = compare.split('id="reported"')[1]
    assert "MMMU Pro" in reported and "Peer Vision Evals" in reported
    assert 'href="https://alpha.example/model-card"' in reported and 'href="https://peer.example/compare"' in reported
    assert reported.count('<span class="pill reported">reported</span>') >= 2
    evals = compare.split('id="evals"')[1].split('id="h2h"')[0]
    table = evals.split("<table")[1]
    assert '<span class="pill reported">reported</span>' not in table  # both have better evidence: measured


def test_imported_runs_show_provenance(site: Path):
    beta = read(site, "models/beta-ocr/index.html")
    assert "Imported from example/peer-bench@0123456789 (results/beta.json), measured by Peer Bench authors" in beta
    assert 'href="https://github.com/example/peer-bench"' in beta
    prompt = read(site, "suites/evals/count-apples/index.html")
    assert "source's own verdict: <span class=\"pass\">✓ pass</span>" in prompt  # beside our grader's
    # on a compare page an import shows where it is the model's best evidence: test_site_pages


def test_prompt_page_escapes_raw_answers(site: Path):
    html = read(site, "suites/evals/find-cat/index.html")
    assert "<pre class=\"out\">yes</pre>" in html
    assert '<rect x="4" y="4" width="26" height="16"/>' in html  # Alpha's box drawn over the image


# ------------------------------------------------------------------ links

def test_all_links_are_relative_and_resolve(site: Path):
    assert check_site(site) == {}


def test_404_uses_base_href_from_base_url(site: Path):
    html = read(site, "404.html")
    assert '<base href="https://example.org/board/">' in html


def test_sitemap_and_robots_use_absolute_urls(site: Path):
    sitemap = read(site, "sitemap.xml")
    urls = re.findall(r"<loc>(.*?)</loc>", sitemap)
    assert "https://example.org/board/" in urls
    assert "https://example.org/board/compare/alpha-vl-vs-beta-ocr/" in urls
    assert "https://example.org/board/compare/beta-ocr-vs-alpha-vl/" not in urls  # redirects are not listed
    assert all(u.startswith("https://example.org/board/") for u in urls)
    assert "Sitemap: https://example.org/board/sitemap.xml" in read(site, "robots.txt")


def test_base_url_option_overrides_site_yaml(tmp_path):
    root = write_catalog(tmp_path / "c")
    out = tmp_path / "public"
    result = CliRunner().invoke(cli, ["build", "--root", str(root), "--out", str(out), "--base-url",
                                      "https://someone.github.io/repo", "--jobs", "1", "--quiet"])
    assert result.exit_code == 0, result.output
    assert "<loc>https://someone.github.io/repo/models/alpha-vl/</loc>" in read(out, "sitemap.xml")
    assert 'href="../../static/site.css"' in read(out, "models/alpha-vl/index.html")  # links stay relative


# ------------------------------------------------------------------ data

def test_data_downloads(site: Path):
    data = json.loads(read(site, "data/models.json"))
    assert [m["id"] for m in data["models"]] == sorted(MODELS)
    beta = next(m for m in data["models"] if m["id"] == "beta-ocr")
    assert beta["pricing"] is None
    assert [r["measured"] for r in beta["results"]["evals"]] == [True, False]
    assert beta["results"]["evals"][0]["cost_per_task"] is None
    header = read(site, "data/results.csv").splitlines()[0].split(",")
    assert {"suite", "model", "source", "prompt_id", "passed", "output", "cost_usd"} <= set(header)
    assert read(site, "data/models.js").startswith("window.VL_MODELS = {")


def test_markdown_is_sanitised():
    html = str(render_markdown('Hi <script>alert(1)</script> [x](javascript:alert(1)) [y](https://ok.example/) '
                               '![i](https://tracker.example/p.png) <img src=x onerror=alert(1)> {{ 7*7 }}'))
    assert "<script" not in html and "<img" not in html and "javascript:" not in html
    assert "&lt;script&gt;" in html and "{{ 7*7 }}" in html
    assert '<a href="https://ok.example/" rel="nofollow noopener noreferrer">y</a>' in html
    assert "tracker.example" not in re.findall(r'(?:href|src)="([^"]*)"', html).__str__()


# ------------------------------------------------------------------ determinism, atomicity, incremental

def test_two_builds_are_byte_identical(tmp_path, monkeypatch):
    root = write_catalog(tmp_path / "c")
    first, second = tmp_path / "one" / "public", tmp_path / "two" / "public"
    build(root, first, jobs=1)
    monkeypatch.setattr(site_build, "SERIAL_BELOW", 0)  # the second build renders in two worker processes
    build(root, second, jobs=2)
    files_a = {k: v[0] for k, v in snapshot(first).items()}
    files_b = {k: v[0] for k, v in snapshot(second).items()}
    assert files_a.keys() == files_b.keys()
    assert [k for k in files_a if files_a[k] != files_b[k]] == []


def test_broken_card_fails_with_file_and_line_and_keeps_previous_site(tmp_path):
    root = write_catalog(tmp_path / "c")
    out = tmp_path / "public"
    build(root, out, jobs=1)
    before = snapshot(out)
    card = root / "model_cards" / "beta-ocr.yaml"
    lines = card.read_text().splitlines()
    index = next(i for i, line in enumerate(lines) if line.startswith("tasks:"))
    lines[index] = "tasks: [ocr, ocr2]"
    card.write_text("\n".join(lines) + "\n")
    result = CliRunner().invoke(cli, ["build", "--root", str(root), "--out", str(out), "--jobs", "1"])
    assert result.exit_code != 0
    assert f"model_cards/beta-ocr.yaml:{index + 1}: tasks" in result.output
    assert "'ocr2' is not a known task" in result.output
    assert snapshot(out) == before
    assert [p.name for p in out.parent.iterdir() if p.name.startswith(".")] == []


def test_no_change_rebuild_rewrites_nothing(tmp_path):
    root = write_catalog(tmp_path / "c")
    out = tmp_path / "public"
    build(root, out, jobs=1)
    before = snapshot(out)
    report = build(root, out, jobs=1)
    assert report.up_to_date and report.written == 0
    assert snapshot(out) == before
    forced = build(root, out, jobs=1, force=True)  # checks every output's digest: still nothing to write
    assert not forced.up_to_date and forced.written == 0
    assert {k: v[:2] for k, v in snapshot(out).items() if k != ".manifest.json"} == \
           {k: v[:2] for k, v in before.items() if k != ".manifest.json"}


def test_one_card_change_rewrites_only_its_pages_and_removed_pages_go(tmp_path):
    root = write_catalog(tmp_path / "c")
    out = tmp_path / "public"
    build(root, out, jobs=1)
    before = snapshot(out)
    card = root / "model_cards" / "gamma-det.yaml"
    card.write_text(card.read_text().replace("has not been run yet", "has not been measured yet"))
    build(root, out, jobs=1)
    after = snapshot(out)
    changed = {k for k in after if k in before and after[k][1:] != before[k][1:]}
    assert "models/gamma-det/index.html" in changed
    assert "compare/alpha-vl-vs-gamma-det/index.html" in changed
    assert "compare/alpha-vl-vs-beta-ocr/index.html" not in changed  # inode and mtime untouched
    assert "compare/beta-ocr-vs-alpha-vl/index.html" not in changed
    assert "suites/evals/count-apples/index.html" not in changed
    assert "static/site.css" not in changed and "media/evals/images/find-cat.png" not in changed
    assert "has not been measured yet" in read(out, "models/gamma-det/index.html")

    card.unlink()
    build(root, out, jobs=1)
    assert not (out / "models/gamma-det").exists()
    assert not (out / "compare/alpha-vl-vs-gamma-det").exists()
    assert not (out / "compare/gamma-det-vs-beta-ocr").exists()
    assert (out / "compare/alpha-vl-vs-beta-ocr/index.html").stat().st_ino == before[
        "compare/alpha-vl-vs-beta-ocr/index.html"][2]
    assert check_site(out) == {}


def test_build_leaves_nothing_in_the_working_directory(tmp_path, monkeypatch):
    root = write_catalog(tmp_path / "c")
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    build(root, tmp_path / "public", jobs=1)
    assert list(work.iterdir()) == []


def test_compare_page_weight_and_parallel_build(tmp_path, monkeypatch):
    """Six models x 100 prompts, both cores: a compare page with a full head-to-head stays light."""
    root = write_synthetic_catalog(tmp_path / "c", 6, 100)
    out = tmp_path / "public"
    monkeypatch.setattr(site_build, "SERIAL_BELOW", 0)
    report = build(root, out, jobs=2)
    assert report.pages == len(list(out.rglob("*.html"))) + 2  # + sitemap.xml and robots.txt
    page = (out / "compare/model-000-vs-model-001/index.html").read_bytes()
    assets = b"".join((out / "static" / name).read_bytes() for name in ("site.css", "site.js"))
    weight = len(gzip.compress(page, 9)) + len(gzip.compress(assets, 9))
    assert weight <= 30 * 1024, weight
    assert check_site(out) == {}


def test_progress_reports_every_rendered_page(tmp_path, monkeypatch):
    """The command's progress bar is fed from here: counts rise to the number of pages rendered."""
    root = write_catalog(tmp_path / "c")
    monkeypatch.setattr(site_build, "SERIAL_BELOW", 0)  # through the worker pool, chunk by chunk
    monkeypatch.setattr(site_build, "CHUNK_PAGES", 10)
    seen = []
    report = build(root, tmp_path / "public", jobs=2, progress=lambda done, total: seen.append((done, total)))
    assert len(seen) > 1 and [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert seen[-1][0] == seen[-1][1] == report.pages  # a first build renders every page


def test_compiled_templates_are_reused_only_under_the_same_key(tmp_path):
    """The bytecode cache hands back a compiled template only for the same source and the same key
    (code digest and Jinja version): a change of either compiles it anew."""
    from jinja2 import Environment, FileSystemLoader

    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "page.html").write_text("<p>{{ 1 + 1 }}</p>", encoding="utf-8")
    cache = tmp_path / "cache"
    cache.mkdir()

    def compiles(key: str, shows: str = "<p>2</p>") -> int:
        env = Environment(loader=FileSystemLoader(str(tmp_path / "templates")))
        env.bytecode_cache = site_build.template_cache(key, str(cache))
        count, compile_ = [0], env.compile
        env.compile = lambda *a, **kw: count.__setitem__(0, count[0] + 1) or compile_(*a, **kw)
        assert env.get_template("page.html").render() == shows
        return count[0]

    assert compiles("code-a jinja-1") == 1
    assert compiles("code-a jinja-1") == 0  # loaded, not compiled
    assert compiles("code-b jinja-1") == 1
    assert compiles("code-b jinja-2") == 1
    assert len(list(cache.iterdir())) == 1  # one file per template, replaced
    (tmp_path / "templates" / "page.html").write_text("<p>{{ 2 + 2 }}</p>", encoding="utf-8")
    assert compiles("code-b jinja-2", "<p>4</p>") == 1


def test_a_cache_folder_that_cannot_be_written_fails_no_build(tmp_path):
    from jinja2 import DictLoader, Environment

    (tmp_path / "file").write_text("not a folder")
    env = Environment(loader=DictLoader({"page.html": "ok"}))
    env.bytecode_cache = site_build.template_cache("key", str(tmp_path / "file" / "cache"))
    assert env.get_template("page.html").render() == "ok"
