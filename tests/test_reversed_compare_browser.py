"""A comparison linked with its two models in the other order still arrives, in a browser.

The site writes one compare page per pair (the ids in sorted order) and no redirect page for the
reversed address: a static host answers that address with 404.html (GitHub Pages does), whose
script (static/notfound.js) forwards to the page that exists. Served here the way such a host
serves it, under a sub-path, with base_url naming that sub-path, as a deployed site is built.
"""

from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path

import pytest

from conftest import require_browser
from generator.site.build import build
from site_fixtures import write_catalog

SUB = "/board/"


class _Pages(http.server.SimpleHTTPRequestHandler):
    """A static host: the site under SUB, and its 404.html with status 404 for anything missing."""

    def translate_path(self, path):
        return super().translate_path("/" + path[len(SUB):] if path.startswith(SUB) else "/no-such-file")

    def send_error(self, code, message=None, explain=None):
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.is_file():
            return super().send_error(code, message, explain)
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def host(tmp_path_factory):
    """(server root URL, site folder), the server started after the site is built."""
    root = write_catalog(tmp_path_factory.mktemp("catalog"))
    out = tmp_path_factory.mktemp("site") / "public"
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Pages, directory=str(out)))
    origin = f"http://127.0.0.1:{httpd.server_address[1]}"
    build(root, out, jobs=1, base_url=origin + SUB)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield origin + SUB, out
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture()
def page(host):
    executable = require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        yield page
        browser.close()


def test_no_redirect_files_are_written(host):
    _, out = host
    assert not (out / "compare/beta-ocr-vs-alpha-vl").exists()
    assert (out / "compare/alpha-vl-vs-beta-ocr/index.html").is_file()
    notfound = (out / "404.html").read_text(encoding="utf-8")
    assert 'data-models="alpha-vl beta-ocr gamma-det"' in notfound
    assert '<script src="static/notfound.js" defer></script>' in notfound and "<script>" not in notfound


@pytest.mark.parametrize("asked, arrives", [
    ("compare/beta-ocr-vs-alpha-vl/", "compare/alpha-vl-vs-beta-ocr/"),
    ("compare/gamma-det-vs-alpha-vl/index.html", "compare/alpha-vl-vs-gamma-det/index.html"),
    ("compare/gamma-det-vs-beta-ocr/?x=1#h2h", "compare/beta-ocr-vs-gamma-det/?x=1#h2h"),
])
def test_a_reversed_comparison_arrives_at_the_one_that_exists(page, host, asked, arrives):
    base, _ = host
    page.goto(base + asked)
    page.wait_for_url(base + arrives)
    assert page.locator("h1").inner_text().endswith(" vs " + page.locator("h1 .tag-b").inner_text())
    assert page.title() != "" and "not found" not in page.title().lower()


@pytest.mark.parametrize("asked", ["compare/beta-ocr-vs-nobody/", "compare/zeta-vs-alpha-vl/", "models/nobody/"])
def test_anything_else_stays_on_the_not_found_page_with_its_links(page, host, asked):
    base, _ = host
    response = page.goto(base + asked)
    page.wait_for_load_state("load")
    page.wait_for_timeout(200)  # the script has run; nothing navigates
    assert response.status == 404 and page.url == base + asked
    assert page.locator("h1").inner_text() == "Page not found"
    assert page.locator("#reversed").is_hidden()
    assert page.locator("a", has_text="all comparisons").get_attribute("href") == "compare/index.html"


def test_without_javascript_the_page_says_where_comparisons_live(host):
    executable = require_browser()
    from playwright.sync_api import sync_playwright

    base, _ = host
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_context(java_script_enabled=False).new_page()
        page.goto(base + "compare/beta-ocr-vs-alpha-vl/")
        assert "ids in alphabetical order" in page.locator("main").inner_text()
        page.locator("a", has_text="all comparisons").click()
        page.wait_for_url(base + "compare/index.html")
        browser.close()
