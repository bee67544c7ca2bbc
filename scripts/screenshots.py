"""Desktop and phone screenshots of a built site, for a person to look at (not a test: it checks nothing).

    python -m scripts.screenshots --out /tmp/shots                 # build into a temporary folder first
    python -m scripts.screenshots --public public --out /tmp/shots  # an already built site
    python -m scripts.screenshots --out /tmp/shots tasks/ocr/ compare/

Pages are served from a local HTTP server and opened in Debian's chromium through Playwright, with
lazy images loaded, so a full-page shot shows every image. One PNG per page and viewport.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import tempfile
import threading
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
PAGES = ("", "tasks/object-detection/", "tasks/ocr/", "compare/", "playground/")
EAGER = "document.querySelectorAll('img[loading=lazy]').forEach(i => { i.loading = 'eager'; })"


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def shoot(public: Path, out: Path, pages: tuple[str, ...] = PAGES) -> list[Path]:
    """Screenshot every page at every viewport into ``out``; return the files written."""
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(public)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}/"
    written = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
            for name, viewport in VIEWPORTS.items():
                page = browser.new_context(viewport=viewport).new_page()
                for rel in pages:
                    page.goto(base + rel)
                    page.evaluate(EAGER)
                    page.wait_for_function("[...document.images].every(i => i.complete)")
                    target = out / f"{rel.strip('/').replace('/', '-') or 'home'}-{name}.png"
                    page.screenshot(path=str(target), full_page=True)
                    written.append(target)
            browser.close()
    finally:
        httpd.shutdown()
        httpd.server_close()
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", nargs="*", default=list(PAGES), help="site paths (default: %(default)s)")
    parser.add_argument("--out", type=Path, required=True, help="folder for the PNG files")
    parser.add_argument("--public", type=Path, help="a built site (default: build the current folder's catalog)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        public = args.public
        if public is None:
            from generator.site.build import build

            public = Path(scratch) / "public"
            build(".", public)
        for path in shoot(public, args.out, tuple(args.pages)):
            print(path)


if __name__ == "__main__":
    main()
