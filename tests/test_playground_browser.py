"""The playground in Debian chromium, served by a real `leaderboard serve` process over copies of the
repository's CPU model cards: drop, paste and choose images, run Tesseract and RapidOCR on text
and the OpenCV face detector on a photo, see every answer and its boxes, download the results;
and the same page on a static host and without JavaScript, where it explains itself.

Set VL_SCREENSHOTS=/some/folder to keep screenshots of the page after each run.
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import require_binary, require_browser
from fixtures_runner import ASTRONAUT_FACE, ChatServer, iou
from live_fixtures import MISSING_WEIGHTS, SERVED, TEXT_LINES, astronaut_png, text_png, write_live_project

pytestmark = [pytest.mark.browser, pytest.mark.models]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
# every panel has its answer (or its error) and the Run button is back
DONE = """() => {
    const panels = [...document.querySelectorAll('.pg-panel')];
    return panels.length > 0 && panels.every(p => p.getAttribute('aria-busy') === 'false')
        && !document.querySelector('#pg-run').textContent.includes('Running');
}"""


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """The CPU cards plus a served model behind the runner tests' chat-completions server (a test
    that runs Tesseract asks for it itself: the others still run without it)."""
    with ChatServer() as chat:
        yield write_live_project(tmp_path_factory.mktemp("playground"), chat.base_url)


@pytest.fixture(scope="module")
def served(project):
    """`leaderboard serve` (which builds the site first) on a free port; yields its base URL."""
    yield from serve(project)


@pytest.fixture(scope="module")
def served_live(tmp_path_factory):
    """The CPU cards with `live_api: /` in site.yaml, so the pair pages carry the upload box."""
    project = write_live_project(tmp_path_factory.mktemp("pair-live"))
    (project / "site.yaml").write_text("title: Pair live test\nlive_api: /\n")
    yield from serve(project)


def serve(project: Path):
    log = project / "serve.log"
    leaderboard = Path(sys.executable).with_name("leaderboard")
    with log.open("w") as sink:
        process = subprocess.Popen([str(leaderboard), "serve", "--root", str(project), "--port", "0", "--quiet"],
                                   stdout=sink, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while not (found := re.search(r"at (http://127\.0\.0\.1:\d+)/", log.read_text())):
            assert process.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        yield found.group(1)
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def browser():
    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def open_page(browser, url: str, **context_options):
    """A fresh page at `url`, with its console errors and requested URLs recorded."""
    page = browser.new_context(viewport={"width": 1280, "height": 900}, **context_options).new_page()
    page.errors, page.requests = [], []
    page.on("console", lambda message: message.type == "error" and page.errors.append(message.text))
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.on("request", lambda request: page.requests.append(request.url))
    page.goto(url)
    return page


def screenshot(page, name: str) -> None:
    folder = os.environ.get("VL_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def give_file(page, data: bytes, name: str, how: str, mime: str = "image/png") -> None:
    """Drop or paste a real file onto the page the way a browser delivers it: a File in a DataTransfer."""
    page.evaluate("""([b64, name, how, mime]) => {
        const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
        const transfer = new DataTransfer();
        transfer.items.add(new File([bytes], name, { type: mime }));
        if (how === "paste") {
            const init = { clipboardData: transfer, bubbles: true, cancelable: true };
            document.dispatchEvent(new ClipboardEvent("paste", init));
            return;
        }
        const zone = document.getElementById("pg-drop");
        for (const type of ["dragenter", "dragover", "drop"]) {
            zone.dispatchEvent(new DragEvent(type, { dataTransfer: transfer, bubbles: true, cancelable: true }));
        }
    }""", [base64.b64encode(data).decode(), name, how, mime])


def rects(page, model: str) -> list[list[float]]:
    """The [x1, y1, x2, y2] of every box drawn for `model` in its own panel's overlay."""
    return page.eval_on_selector_all(
        f'.pg-panel[data-model="{model}"] svg.overlay rect',
        "rs => rs.map(r => [+r.getAttribute('x'), +r.getAttribute('y'), "
        "+r.getAttribute('x') + +r.getAttribute('width'), +r.getAttribute('y') + +r.getAttribute('height')])")


def test_playground_runs_real_models_and_draws_their_boxes(served, browser, tmp_path):
    require_binary("tesseract")
    page = open_page(browser, served + "/playground/")
    page.wait_for_selector("#pg-form", state="visible")
    assert page.is_hidden("#pg-offline")

    give_file(page, astronaut_png(), "pasted.png", "paste")
    page.wait_for_selector("#pg-preview", state="visible")
    assert "512×512" in page.inner_text("#pg-file-info")

    # OCR: Tesseract and RapidOCR on text dropped onto the drop zone
    give_file(page, text_png(), "text.png", "drop")
    page.wait_for_function("document.getElementById('pg-file-info').textContent.includes('640×200')")
    page.select_option("#pg-task", "ocr")
    checked = page.eval_on_selector_all("#pg-models-list input:checked", "xs => xs.map(x => x.value)")
    assert sorted(checked) == [SERVED, "rapidocr", "tesseract-5"]  # every available model, to start with
    page.uncheck(f'#pg-models-list input[value="{SERVED}"]')
    # models that cannot run here are one line, opened on demand, each with its reason
    unavailable = page.locator(f'#pg-models-list input[value="{MISSING_WEIGHTS}"]')
    summary = page.locator("#pg-models-list .pg-unavailable summary")
    assert summary.inner_text() == "1 more model is not available on this machine" and unavailable.is_hidden()
    summary.click()
    assert unavailable.is_disabled() and "not on this machine" in page.inner_text("#pg-models-list .pg-unavailable")
    colours = page.eval_on_selector_all("#pg-models-list .swatch", "xs => xs.map(x => x.className)")
    assert len(colours) == 4 and len(set(colours)) == 4  # distinct within the list
    page.click("#pg-run")
    page.wait_for_function(DONE, timeout=60_000)
    for model in ("tesseract-5", "rapidocr"):
        panel = page.inner_text(f'.pg-panel[data-model="{model}"]')
        assert all(line in panel for line in TEXT_LINES) and "done" in panel and "Latency" in panel, panel
        assert len(rects(page, model)) == 2  # one box per text line
    assert page.locator(".pg-combined-figure svg.overlay rect").count() == 4
    assert "2 of 2 models answered" in page.inner_text("#pg-status")
    screenshot(page, "playground-ocr")

    with page.expect_download() as download:
        page.click("#pg-download")
    saved = json.loads(Path(download.value.path()).read_text())
    assert saved["task"] == "ocr" and saved["image"]["width"] == 640
    assert {r["model"]: r["output"].split("\n") for r in saved["results"]} == {"tesseract-5": TEXT_LINES,
                                                                               "rapidocr": TEXT_LINES}

    # object detection: the OpenCV face detector on a photo chosen with the file input
    image = tmp_path / "astronaut.png"
    image.write_bytes(astronaut_png())
    page.set_input_files("#pg-file", str(image))
    page.select_option("#pg-task", "object-detection")
    page.uncheck('#pg-models-list input[value="opencv-hog-people"]')
    page.click("#pg-run")
    page.wait_for_function(DONE, timeout=60_000)
    [face] = rects(page, "opencv-haar-face")
    assert iou(face, ASTRONAUT_FACE) > 0.5
    haar = page.inner_text('.pg-panel[data-model="opencv-haar-face"]')  # a raw level weight, not a confidence
    assert re.search(r"face, detector score \d+\.\d\d at \[", haar) and "not confidences" in haar
    assert page.locator('.pg-combined-figure g[data-model="opencv-haar-face"] title').first.text_content() == \
        "OpenCV Haar cascade (frontal face): face"
    page.focus(".pg-combined-figure .box")  # keyboard focus shows the label
    assert page.eval_on_selector(".pg-combined-figure .box-label", "t => getComputedStyle(t).opacity") == "1"
    screenshot(page, "playground-detection")

    page.uncheck('#pg-legend input[value="opencv-haar-face"]')  # the legend hides a model's panel and boxes
    assert page.is_hidden('.pg-panel[data-model="opencv-haar-face"]')

    assert page.errors == []
    assert all(url.startswith((served, "blob:", "data:")) for url in page.requests), page.requests


def test_errors_show_where_they_belong(served, browser):
    require_binary("tesseract")
    page = open_page(browser, served + "/playground/")
    page.wait_for_selector("#pg-form", state="visible")
    page.select_option("#pg-task", "ocr")
    # a failing model fails in its own panel; Tesseract's answer still arrives beside it
    give_file(page, text_png(), "text.png", "drop")
    page.wait_for_selector("#pg-preview", state="visible")
    page.uncheck('#pg-models-list input[value="rapidocr"]')
    page.fill("#pg-prompt", "Read the text [reject]")
    page.click("#pg-run")
    page.wait_for_function(DONE, timeout=60_000)
    assert "does not read the prompt text for this task" in page.inner_text('.pg-panel[data-model="tesseract-5"]')
    assert "does not read the prompt" not in page.inner_text(f'.pg-panel[data-model="{SERVED}"]')
    assert "ignores the prompt text" in page.inner_text("#pg-models-list li:has(input[value='tesseract-5'])")
    failed = page.inner_text(f'.pg-panel[data-model="{SERVED}"]')
    assert "failed" in failed and "Error:" in failed and "400" in failed
    assert all(line in page.inner_text('.pg-panel[data-model="tesseract-5"]') for line in TEXT_LINES)
    # a served model reports its token counts
    page.fill("#pg-prompt", "Read the text")
    page.click("#pg-run")
    page.wait_for_function(DONE, timeout=60_000)
    assert re.search(r"Tokens in / out\s+\d+ / \d+", page.inner_text(f'.pg-panel[data-model="{SERVED}"]'))
    # the browser can show an SVG, the server refuses it: its message appears as an alert
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><rect width="40" height="20"/></svg>'
    give_file(page, svg, "drawing.svg", "drop", mime="image/svg+xml")
    page.wait_for_function("document.getElementById('pg-file-info').textContent.includes('drawing.svg')")
    page.click("#pg-run")
    status_says = "text => document.getElementById('pg-status').textContent.includes(text)"
    page.wait_for_function(status_says, arg="not an image this server accepts")
    assert page.get_attribute("#pg-status", "role") == "alert"
    # a file the browser cannot decode is refused before anything is sent
    give_file(page, b"not really a png", "fake.png", "drop")
    page.wait_for_function(status_says, arg="could not be decoded")
    assert page.errors == ["Failed to load resource: the server responded with a status of 415 "
                           "(Unsupported Media Type)"]


def test_static_host_and_no_javascript_explain_the_playground(served, browser, project):
    public = project / "public"
    handler = partial(SimpleHTTPRequestHandler, directory=str(public))
    handler.log_message = lambda *args: None
    static = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=static.serve_forever, daemon=True).start()
    try:
        page = open_page(browser, f"http://127.0.0.1:{static.server_address[1]}/playground/")
        page.wait_for_selector("#pg-offline-why", state="visible")
        assert page.is_hidden("#pg-form")
        assert "leaderboard serve" in page.inner_text("#pg-offline")
        assert "HTTP 404" in page.inner_text("#pg-offline-why")
        assert page.get_attribute("a[href$='tasks/index.html']", "href") == "../tasks/index.html"
        assert all("404" in error for error in page.errors)  # only the browser's own note of the probe
        screenshot(page, "playground-static")
    finally:
        static.shutdown()
        static.server_close()

    page = open_page(browser, (public / "playground" / "index.html").as_uri())
    page.wait_for_selector("#pg-offline-why", state="visible")
    assert "opened from disk" in page.inner_text("#pg-offline-why") and page.errors == []

    page = open_page(browser, served + "/playground/", java_script_enabled=False)
    assert page.is_visible("#pg-offline") and page.is_hidden("#pg-form")
    assert page.is_visible("noscript .callout") and "needs JavaScript" in page.inner_text("noscript .callout")
    assert "leaderboard serve" in page.inner_text("#pg-offline")


def test_address_preselects_task_and_models(served, browser):
    """The pair pages link to /playground/?models=a,b&task=t: that task, only those models ticked."""
    require_binary("tesseract")
    page = open_page(browser, served + "/playground/?models=tesseract-5,rapidocr&task=ocr")
    page.wait_for_selector("#pg-form", state="visible")
    assert page.input_value("#pg-task") == "ocr"
    checked = page.eval_on_selector_all("#pg-models-list input:checked", "xs => xs.map(x => x.value)")
    assert sorted(checked) == ["rapidocr", "tesseract-5"]
    page.select_option("#pg-task", "object-detection")  # another task: every available model again
    checked = page.eval_on_selector_all("#pg-models-list input:checked", "xs => xs.map(x => x.value)")
    assert sorted(checked) == ["opencv-haar-face", "opencv-hog-people"]
    assert page.errors == []


def test_pair_page_runs_your_image_through_both_models(served_live, browser):
    """Try your own image on a pair page: both models, run through `leaderboard serve`, boxes drawn."""
    require_binary("tesseract")
    page = open_page(browser, served_live + "/compare/rapidocr-vs-tesseract-5/index.html")
    page.wait_for_selector("#pg-form", state="visible")
    assert page.input_value("#pg-task") == "ocr"
    listed = page.eval_on_selector_all("#pg-models-list input", "xs => xs.map(x => x.value)")
    assert sorted(listed) == ["rapidocr", "tesseract-5"]  # the pair only, both ticked
    link = page.locator("main a", has_text="the playground with both preselected").get_attribute("href")
    assert link == "../../playground/index.html?models=rapidocr,tesseract-5&task=ocr"
    give_file(page, text_png(), "text.png", "drop")
    page.wait_for_selector("#pg-preview", state="visible")
    page.click("#pg-run")
    page.wait_for_function(DONE, timeout=60_000)
    for model in ("tesseract-5", "rapidocr"):
        panel = page.inner_text(f'.pg-panel[data-model="{model}"]')
        assert all(line in panel for line in TEXT_LINES), panel
        assert len(rects(page, model)) == 2
    assert page.locator(".pg-combined-figure svg.overlay rect").count() == 4
    assert page.errors == []
    screenshot(page, "pair-live")
