"""The built site in Debian chromium (Playwright): sorting, filtering, search, the compare table,
redirects — with no console errors and no request leaving the local server."""

from __future__ import annotations

import functools
import http.server
import threading
from urllib.parse import urlsplit

import pytest

from generator.site.build import build

from conftest import require_browser
from site_fixtures import add_box_suite, write_catalog

pytestmark = pytest.mark.browser

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def public(tmp_path_factory):
    root = write_catalog(tmp_path_factory.mktemp("catalog"))
    out = tmp_path_factory.mktemp("site") / "public"
    build(root, out, jobs=1)
    return out


@pytest.fixture(scope="module")
def server(public):
    handler = functools.partial(_Quiet, directory=str(public))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser():
    executable = require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Watch:
    """Collects console errors, page errors, requests, and blocks anything not on 127.0.0.1."""

    def __init__(self, context):
        self.errors: list[str] = []
        self.outside: list[str] = []
        self.requests: list[str] = []
        context.route("**/*", self._route)

    def _route(self, route):
        url = route.request.url
        self.requests.append(url)
        if urlsplit(url).hostname != "127.0.0.1":
            self.outside.append(url)
            route.abort()
        else:
            route.continue_()

    def attach(self, page):
        page.on("console", lambda m: self.errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        return page


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    watch = Watch(context)
    page = watch.attach(context.new_page())
    page.watch = watch
    yield page
    context.close()
    assert watch.outside == [], f"requests left the local server: {watch.outside}"
    assert watch.errors == [], watch.errors


def board_names(page) -> list[str]:
    return page.locator("#board tbody tr:not([hidden]) th[scope=row] a").all_inner_texts()


def test_leaderboard_sorts_and_filters(page, server):
    page.goto(server + "index.html")
    assert board_names(page) == ["Alpha VL", "Beta OCR"]  # ranked order; Gamma Det has no results
    assert "leaderboard run gamma-det --suite evals" in page.locator("#not-measured").inner_text()

    header = page.locator("#board thead th", has_text="Model")
    header.locator("button").click()
    assert header.get_attribute("aria-sort") == "ascending"
    header.locator("button").click()
    assert header.get_attribute("aria-sort") == "descending"
    assert board_names(page) == ["Beta OCR", "Alpha VL"]
    assert page.locator("#board thead th[aria-sort]").count() == 1

    latency = page.locator("#board thead th", has_text="Median latency")
    latency.locator("button").click()  # numbers sort descending first
    assert board_names(page) == ["Alpha VL", "Beta OCR"]
    latency.locator("button").click()
    assert board_names(page) == ["Beta OCR", "Alpha VL"]

    page.select_option('[data-filter="access"]', "open")
    assert board_names(page) == ["Beta OCR"]
    assert page.locator("[data-count]").inner_text() == "1 of 2 models"
    page.select_option('[data-filter="access"]', "")
    page.select_option('[data-filter="task"]', "object-detection")
    assert board_names(page) == ["Alpha VL"]
    page.select_option('[data-filter="task"]', "")
    assert len(board_names(page)) == 2
    assert page.locator("svg.chart").count() == 2  # cost (Alpha has tokens and prices) and latency


def test_compare_page(page, server):  # the reversed address: tests/test_reversed_compare_browser.py
    page.goto(server + "compare/alpha-vl-vs-beta-ocr/index.html")
    assert page.locator("h1").inner_text() == "Alpha VL vs Beta OCR"
    for section in ("overview", "table", "tasks", "features", "evals", "h2h", "reported", "method"):
        assert page.locator(f"#{section}").count() == 1
    page.locator("details summary", has_text="Both passed").click()
    page.locator("details[open] a", has_text="read-sign").click()
    page.wait_for_url("**/suites/evals/read-sign/index.html")
    assert page.locator("pre.out").first.inner_text() == "What does the sign say?"


def test_search_loads_only_when_used(page, server):
    page.goto(server + "index.html")
    page.wait_for_load_state("networkidle")
    assert not any("pagefind" in url for url in page.watch.requests)
    page.fill("#site-search", "Gamma")
    page.locator("#search-results a", has_text="Gamma Det").first.wait_for()
    assert any(url.endswith("pagefind/pagefind.js") for url in page.watch.requests)
    page.locator("#search-results a", has_text="Gamma Det").first.click()
    page.wait_for_url("**/models/gamma-det/index.html")


def test_any_set_comparison_table(page, server):
    page.goto(server + "compare/index.html")
    table = page.locator("#picked")
    table.locator("thead th", has_text="Alpha VL").wait_for()
    page.locator("#picker-boxes label", has_text="Gamma Det").locator("input").check()
    assert table.locator("thead th").all_inner_texts() == ["Property", "Alpha VL", "Beta OCR", "Gamma Det"]
    overall = table.locator("tbody tr", has_text="Overall").inner_text()
    assert "60.0%" in overall and "—" in overall and "5 of 5 prompts" in overall  # coverage beside the score
    assert page.locator("[data-pair-links] a").count() == 3


def test_model_page_compare_with(page, server):
    page.goto(server + "models/gamma-det/index.html")
    select = page.locator("#compare-with select")
    select.focus()
    page.wait_for_function("document.querySelectorAll('#compare-with option').length > 2")
    select.select_option("alpha-vl")
    page.locator("#compare-with button").click()
    page.wait_for_url("**/compare/alpha-vl-vs-gamma-det/index.html")


def test_gallery_toggles_models(page, server):
    page.goto(server + "tasks/ocr/index.html")
    panels = page.locator(".panel[data-model='beta-ocr']")
    assert panels.count() > 0 and panels.first.is_visible()
    page.locator("#gallery-toggles label", has_text="Beta OCR").locator("input").uncheck()
    assert not panels.first.is_visible()


def test_pages_work_without_javascript(browser, server):
    context = browser.new_context(java_script_enabled=False)
    watch = Watch(context)
    page = watch.attach(context.new_page())
    page.goto(server + "index.html")
    assert page.locator("#board tbody tr").count() == 2
    assert page.locator("#board-filters").is_hidden()  # controls that need JS stay hidden
    page.goto(server + "compare/alpha-vl-vs-gamma-det/index.html")
    assert page.locator("h1").inner_text() == "Alpha VL vs Gamma Det"
    context.close()
    assert watch.outside == [] and watch.errors == []


def _overflowing_tables(page) -> list[str]:
    """Tables wider than their scrolling wrapper (a reader would have to scroll sideways)."""
    return page.evaluate("""() => [...document.querySelectorAll('main table')]
        .filter(t => t.offsetParent !== null && t.scrollWidth > t.parentElement.clientWidth + 1)
        .map(t => (t.id || t.className || 'table') + ': ' + t.scrollWidth + ' > ' + t.parentElement.clientWidth)""")


@pytest.mark.parametrize("width", [390, 1366])
def test_home_table_fits_the_width_and_shows_every_column_on_request(browser, server, width):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(server + "index.html")
    assert _overflowing_tables(page) == []
    licence = page.locator("#board thead th", has_text="Licence")  # the lead suite's ranking
    latency = page.locator("#board thead th", has_text="Median latency")
    counting = page.locator("#board thead th", has_text="Counting")
    assert licence.is_hidden()  # behind the toggle at every width
    assert latency.is_visible() == (width >= 760) and counting.is_visible() == (width >= 1200)
    page.locator("label[for=cols-evals]").click()  # a plain checkbox: works without JavaScript too
    assert licence.is_visible() and latency.is_visible() and counting.is_visible()
    context.close()


def test_partial_runs_are_marked_with_their_coverage(page, server):
    page.goto(server + "index.html")
    alpha = page.locator("#board tbody tr", has_text="Alpha VL")
    assert "5 of 5 prompts" in alpha.inner_text() and alpha.locator(".pill.partial").count() == 0


@pytest.mark.parametrize("pair", ["alpha-vl-vs-gamma-det", "alpha-vl-vs-beta-ocr"])
def test_pair_page_on_a_phone_shows_both_models(browser, server, pair):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(server + f"compare/{pair}/index.html")
    assert _overflowing_tables(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    for table in page.locator("table.pair").all():
        for tag in ("tag-a", "tag-b"):
            box = table.locator(f"thead .{tag}").bounding_box()
            assert box is not None and 0 <= box["x"] and box["x"] + box["width"] <= 390, (tag, box)
    context.close()


def test_search_from_disk_says_how_to_serve_the_site(browser, public):
    context = browser.new_context()
    page = context.new_page()
    page.goto((public / "index.html").as_uri())
    page.fill("#site-search", "apples")
    message = page.locator("#search-results .search-message")
    assert "leaderboard serve" in message.inner_text() and "python -m http.server" in message.inner_text()
    message.locator("a", has_text="Browse instead").click()
    page.wait_for_url("**/search/index.html")
    assert page.locator("main a", has_text="Gamma Det").count() == 1  # the browsable lists
    context.close()


def test_search_results_name_a_prompt_once(page, server):
    page.goto(server + "index.html")
    page.fill("#site-search", "count-apples")
    result = page.locator("#search-results a", has_text="count-apples").first
    result.wait_for()
    assert result.inner_text().count("count-apples") == 1, result.inner_text()
    assert "How many apples" in result.inner_text()


def test_any_set_comparison_keeps_its_selection_in_the_address(page, server):
    page.goto(server + "compare/index.html?models=gamma-det,beta-ocr")
    table = page.locator("#picked")
    table.locator("thead th", has_text="Gamma Det").wait_for()
    assert table.locator("thead th").all_inner_texts() == ["Property", "Beta OCR", "Gamma Det"]
    page.locator("#picker-boxes label", has_text="Alpha VL").locator("input").check()
    assert page.url.endswith("compare/index.html?models=alpha-vl,beta-ocr,gamma-det")
    page.reload()  # the address alone restores the set
    table.locator("thead th", has_text="Alpha VL").wait_for()
    assert table.locator("thead th").count() == 4
    page.locator("[data-pick=none]").click()
    assert page.url.endswith("compare/index.html")


@pytest.fixture(scope="module")
def boxes_server(tmp_path_factory):
    """The small catalog plus a detection suite that two models answered with boxes."""
    root = add_box_suite(write_catalog(tmp_path_factory.mktemp("catalog-boxes")))
    out = tmp_path_factory.mktemp("site-boxes") / "public"
    build(root, out, jobs=1)
    handler = functools.partial(_Quiet, directory=str(out))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


def test_side_by_side_draws_both_models_boxes_on_one_image(page, boxes_server):
    page.goto(boxes_server + "compare/alpha-vl-vs-gamma-det/index.html")
    section = page.locator(".sbs-item")
    assert section.count() == 2  # each image once
    first = section.first
    assert "two-cats" in first.inner_text() and first.locator(".pill.disagree").count() == 1  # differing verdicts first
    overlay = first.locator("svg.overlay")
    assert overlay.count() == 1
    assert overlay.locator("g[data-model='alpha-vl'] rect").count() == 2
    assert overlay.locator("g[data-model='gamma-det'] rect").count() == 1
    assert overlay.locator("g.truth rect:not(.halo)").count() == 2  # the ground truth, dashed
    colours = [overlay.locator(f"g[data-model='{m}'] rect").first.evaluate("r => getComputedStyle(r).stroke")
               for m in ("alpha-vl", "gamma-det")]
    assert colours[0] != colours[1]
    panels = first.locator(".panel")
    assert panels.count() == 2 and "✓ pass" in panels.nth(0).inner_text() and "✗ fail" in panels.nth(1).inner_text()
    assert panels.nth(0).inner_text().count("cat ↔ cat: IoU 0.92") == 2  # the grader's matching (hand-checked)
    page.locator("#gallery-toggles label", has_text="Gamma Det").locator("input").uncheck()
    assert overlay.locator("g[data-model='gamma-det']").is_hidden()
    assert overlay.locator("g[data-model='alpha-vl']").is_visible()


def test_side_by_side_without_javascript_and_absent_without_shared_answers(browser, boxes_server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(boxes_server + "compare/alpha-vl-vs-gamma-det/index.html")
    assert page.locator(".sbs-item svg.overlay g[data-model] rect").count() == 5  # every box drawn by the server
    assert page.locator("#gallery-toggles").is_hidden()
    page.goto(boxes_server + "compare/beta-ocr-vs-gamma-det/index.html")  # no task with answers from both
    assert page.locator("#side-by-side").count() == 0
    assert "gallery.js" not in page.content()  # and no script for it
    context.close()


def test_demo_links_open_that_models_answers(page, boxes_server):
    page.goto(boxes_server + "compare/alpha-vl-vs-gamma-det/index.html")
    row = page.locator("#tasks ~ .table-wrap tr", has_text="Object detection").first
    demos = row.locator("a", has_text="Demo")
    assert demos.count() == 2  # both answered detection prompts
    demos.nth(1).click()
    page.wait_for_url("**/models/gamma-det/index.html#answers-object-detection")
    answers = page.locator("#answers-object-detection + ul a")
    assert sorted(answers.all_inner_texts()) == ["one-cat", "two-cats"]
    page.go_back()
    ocr = page.locator("#tasks ~ .table-wrap tr", has_text="OCR").first
    assert ocr.locator("a", has_text="Demo").count() == 1  # Gamma Det has no OCR answers: no link for it
