"""The task galleries (issue 5, "Static galleries") over a site built from the repository's own
catalog, copied to a temporary folder: its measured OpenCV Haar face and HOG people runs on the
`detection` suite and Tesseract and RapidOCR on `ocr`.

In Debian chromium: every model's boxes and the ground truth are SVG over the image; the toggles
show one model or all again; a box's label shows on keyboard focus; an image enlarges; without
JavaScript every box is visible. At build level: the panels' IoU matching is the grader's, and the
OCR gallery shows each OCR model's own text for the same image.

Screenshots of the galleries (desktop and phone) come from `python -m scripts.screenshots`, not from a test.
"""

from __future__ import annotations

import functools
import http.server
import re
import shutil
import threading
from pathlib import Path
from xml.etree import ElementTree

import html5lib
import pytest

from generator.catalog import load_catalog
from generator.results import compute_results
from generator.site.build import build

from test_site_browser import Watch, _Quiet, browser, page  # noqa: F401 - browser and page are fixtures

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[1]
FACE, PEOPLE = "opencv-haar-face", "opencv-hog-people"
OCR_MODELS = ("rapidocr", "tesseract-5")
SVG = "http://www.w3.org/2000/svg"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, Path]:
    """(catalog copy, built site) from the repository's own cards, suites, runs and site.yaml."""
    root = tmp_path_factory.mktemp("catalog")
    shutil.copytree(REPO / "model_cards", root / "model_cards")
    shutil.copytree(REPO / "evals", root / "evals")
    shutil.copy2(REPO / "site.yaml", root / "site.yaml")
    out = root / "public"
    build(root, out, jobs=1)
    return root, out


@pytest.fixture(scope="module")
def server(built):
    handler = functools.partial(_Quiet, directory=str(built[1]))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


def item(page, prompt_id: str):
    return page.locator(f"section.gallery-item:has(h2 a:text-is('{prompt_id}'))")


def visible(locator) -> int:
    """How many of the matched elements are rendered (not under display: none), in one round trip."""
    return locator.evaluate_all("els => els.filter(e => e.getClientRects().length > 0).length")


def test_detection_gallery_draws_every_model_and_the_ground_truth(page, server):
    page.goto(server + "tasks/object-detection/index.html")
    figure = item(page, "faces-astronaut").locator("figure.g-figure svg.overlay")
    for layer in (f"g[data-model='{FACE}']", "g[data-truth]"):
        rects = figure.locator(f"{layer} rect")
        assert rects.count() > 0, layer
        assert rects.first.evaluate("r => r.namespaceURI") == SVG
    # each model only on prompts of its classes: the people detector on people, not on faces
    assert figure.locator(f"g[data-model='{PEOPLE}']").count() == 0
    people = item(page, "people-astronaut").locator("figure.g-figure svg.overlay")
    assert people.locator(f"g[data-model='{PEOPLE}'] rect").count() == 1 and people.locator(f"g[data-model='{FACE}']").count() == 0
    title = figure.locator(f"g[data-model='{FACE}'] g.box title").first.text_content()
    assert re.fullmatch(r"OpenCV Haar cascade \(frontal face\): face \d+\.\d\d · matched, IoU 0\.\d\d", title)
    # the label is drawn on hover or keyboard focus only
    box = figure.locator(f"g[data-model='{FACE}'] g.box").first
    label = box.locator("text.box-label")
    assert label.evaluate("t => getComputedStyle(t).opacity") == "0"
    box.focus()
    assert label.evaluate("t => getComputedStyle(t).opacity") == "1"
    legend = item(page, "faces-astronaut").locator("figcaption .legend li")
    assert legend.all_inner_texts() == [  # the detectors whose answers name faces
        "Ground truth: 1 box", "dlib HOG face detector: 2 boxes", "dlib MMOD CNN face detector: 1 box",
        "OpenCV Haar cascade (frontal face): 1 box", "OpenCV Haar cascade (frontal face, alt2): 1 box"]
    assert item(page, "faces-astronaut").locator("img").count() == 1  # the image once, every model's boxes on it


def test_toggles_show_one_model_then_all(page, server):
    page.goto(server + "tasks/object-detection/index.html")
    toggles = page.locator("#gallery-toggles")
    assert toggles.is_visible()
    # a model's panels, legend entries and boxes on the overlaid figures (its panel holds a copy of the truth)
    drawn = lambda layer: page.locator(f"main .panel{layer}, main figure .legend li{layer}, main figure svg g{layer} rect")  # noqa: E731
    face, people, truth = drawn(f"[data-model='{FACE}']"), drawn(f"[data-model='{PEOPLE}']"), drawn("[data-truth]")
    every = [face, people, truth]
    totals = [x.count() for x in every]
    assert all(totals) and [visible(x) for x in every] == totals

    toggles.locator(f"button.only[value='{FACE}']").click()  # only Haar: HOG's boxes and panels go
    assert visible(people) == 0 and visible(face) == totals[0] and visible(truth) == totals[2]
    assert not toggles.locator(f"input[value='{PEOPLE}']").is_checked()
    toggles.locator("label", has_text="Ground truth").locator("input").uncheck()
    assert visible(truth) == 0 and visible(face) == totals[0]
    toggles.locator(f"input[value='{PEOPLE}']").check()  # several
    assert visible(people) == totals[1] and visible(face) == totals[0]

    toggles.locator("button.all").click()
    assert [visible(x) for x in every] == totals


def test_an_image_enlarges_and_closes(page, server):
    page.goto(server + "tasks/object-detection/index.html")
    section = item(page, "coins-museum")
    section.get_by_role("button", name="Enlarge").click()
    dialog = page.locator("dialog.zoom")
    assert dialog.is_visible()
    assert dialog.locator("svg.overlay g[data-truth] rect:not(.halo)").count() == 24  # every coin
    small = section.locator("figure img").bounding_box()
    assert dialog.locator("img").bounding_box()["width"] > small["width"]
    page.keyboard.press("Escape")
    assert not dialog.is_visible()


def test_without_javascript_every_box_is_visible(browser, server):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    watch = Watch(context)
    page = watch.attach(context.new_page())
    page.goto(server + "tasks/object-detection/index.html")
    boxes = page.locator("svg.overlay g.box rect")
    assert boxes.count() > 100
    assert visible(boxes) == boxes.count()
    figure = item(page, "faces-astronaut").locator("figure.g-figure svg.overlay")
    for layer in (f"g[data-model='{FACE}']", "g[data-truth]"):
        assert figure.locator(layer).is_visible()
    assert item(page, "people-astronaut").locator(f"figure.g-figure svg.overlay g[data-model='{PEOPLE}']").is_visible()
    assert page.locator("#gallery-toggles").is_hidden()  # the toggles need JavaScript
    context.close()
    assert watch.outside == [] and watch.errors == []


# ------------------------------------------------------------------ the built pages

def parse(out: Path, rel: str) -> ElementTree.Element:
    return html5lib.parse((out / rel).read_text(encoding="utf-8"), namespaceHTMLElements=False)


def sections(root: ElementTree.Element) -> dict[str, ElementTree.Element]:
    return {s.find("h2/a").text: s for s in root.iter("section") if "gallery-item" in s.get("class", "")}


def panel(section: ElementTree.Element, model: str) -> ElementTree.Element:
    return next(d for d in section.iter("div") if d.get("data-model") == model and "panel" in d.get("class", ""))


def test_detection_panels_show_the_graders_matching(built):
    """The Haar face box [177, 66, 272, 161] (evals/runs/detection/opencv-haar-face) lies inside the
    ground truth [174, 64, 276, 186] (evals/suites/detection/suite.yaml): IoU = 95*95 / (102*122) =
    9025 / 12444 = 0.725, shown as 0.73."""
    _, out = built
    section = sections(parse(out, "tasks/object-detection/index.html"))["faces-astronaut"]
    text = " ".join("".join(panel(section, FACE).itertext()).split())
    assert "Matched 1 of 1 ground-truth box at IoU ≥ 0.5." in text
    assert "face ↔ face: IoU 0.73" in text
    # HOG's person [319, 343, 392, 489] against the truth [18, 13, 364, 512] (people-astronaut): the
    # overlap is 45 x 146 = 6570 of 10658 + 172654 - 6570 = 176742, IoU 0.04: no match
    people = sections(parse(out, "tasks/object-detection/index.html"))["people-astronaut"]
    assert "Matched 0 of 1 ground-truth box at IoU ≥ 0.5; 1 false positive; missed person." in \
        " ".join("".join(panel(people, PEOPLE).itertext()).split())


def test_ocr_gallery_shows_each_models_text_for_the_same_image(built):
    root, out = built
    records = compute_results(load_catalog(root)).records
    shown = sections(parse(out, "tasks/ocr/index.html"))
    compared = 0
    for prompt_id, section in shown.items():
        suite = section.find("h2/span").text.split(" · ")[0]
        suite_id = {"OCR": "ocr", "Vision Evals": "vision-evals"}[suite]
        images = {img.get("src") for img in section.iter("img")}
        assert len(images) == 1  # one image, every model's text beside it
        for model in OCR_MODELS:
            record = records.get((suite_id, model, "measured", prompt_id))
            if record is None:
                continue
            text = panel(section, model).find("div[@class='text']")
            if record.output.strip():
                assert text.find("pre").text == record.output, (prompt_id, model)
            else:
                assert text.find("p").text == "(an empty answer)", (prompt_id, model)
            compared += 1
    assert compared >= 2 * 10  # both OCR models on at least ten images


def test_captioning_gallery_shows_the_reference_captions_one_a_line(built):
    root, out = built
    prompt = next(p for p in load_catalog(root).suites["captioning"].suite.prompts if p.id == "caption-astronaut")
    section = sections(parse(out, "tasks/captioning/index.html"))["caption-astronaut"]
    truth = next(d for d in section.iter("div") if d.get("data-truth") is not None)
    assert truth.find("div[@class='text']/pre").text == "\n".join(prompt.expected["captions"])
