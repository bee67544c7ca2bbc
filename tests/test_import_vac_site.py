"""The imported Vision AI Checkup run on the built site (issue 4, "Done when").

The shared fixture (real peer files) is committed into a local git repository, pinned in a
temporary copy of the repository's own cards, suites and site.yaml, synced and built: the build
imports it into the build-time layer. The Gemma 4 26B A4B run must show,
labelled as imported and with its provenance, on its model page and on the flagship compare page
(Florence-2 Large has no run on that suite); a prompt page must show Gemma's raw answer, our
verdict and the source's own verdict side by side; a prompt whose image the checkout lacks must
say so instead of showing a broken image.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from xml.etree import ElementTree

import html5lib
import pytest
import yaml

from conftest import require_shared
from generator.site.build import build
from source_fixtures import VAC_REPOSITORY, make_git_repo, sync_sources

REPO = Path(__file__).resolve().parents[1]
VAC = REPO.parent / "shared" / "external" / "vision-ai-checkup"  # read only after require_shared
MODEL = "gemma-4-26b-a4b"
SUITE = "vision-ai-checkup"
# Hand-checked in the source file: 51 of Gemma 4 26B A4B's 82 assessments are "correct": true, and our
# grader agrees with every one of them (tests/test_graders_vac.py lists the disagreements: none of this
# model's). 51/82 = 62.195...%.
PASSED, N, RATE = 51, 82, "62.2%"
PROVENANCE = ("Imported from roboflow/vision-ai-checkup@{commit} (data/results/result_gemma-4-26b--a4b-.json), "
              "measured by Roboflow (vision-ai-checkup authors)")


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> tuple[Path, Path]:
    """(project root, built site) after importing the fixture into a copy of the repo's catalog."""
    require_shared("vision-ai-checkup")
    root = tmp_path_factory.mktemp("project")
    mirror = tmp_path_factory.mktemp("mirror")
    commit = make_git_repo(mirror / VAC_REPOSITORY, {p.relative_to(VAC).as_posix(): p.read_bytes()
                                                      for p in VAC.rglob("*") if p.is_file()})
    shutil.copytree(REPO / "model_cards", root / "model_cards")
    shutil.copytree(REPO / "evals", root / "evals")
    site = yaml.safe_load((REPO / "site.yaml").read_text(encoding="utf-8"))
    site["sources"] = [{"kind": "vision-ai-checkup", "repository": VAC_REPOSITORY, "commit": commit, "license": "MIT"}]
    (root / "site.yaml").write_text(yaml.safe_dump(site), encoding="utf-8")
    assert [r.status for r in sync_sources(root, mirror)] == ["fetched"]
    out = root / "public"
    build(root, out, jobs=1)
    global PROVENANCE
    PROVENANCE = PROVENANCE.format(commit=commit[:10])  # the page names the pinned commit
    return root, out


def page(out: Path, rel: str) -> ElementTree.Element:
    return html5lib.parse((out / rel).read_text(encoding="utf-8"), namespaceHTMLElements=False)


def text(element: ElementTree.Element) -> str:
    """The element's text as a reader sees it: whitespace collapsed, a line break as a space."""
    parts: list[str] = []

    def walk(el: ElementTree.Element) -> None:
        parts.append(" " if el.tag == "br" else el.text or "")
        for child in el:
            walk(child)
            parts.append(child.tail or "")

    walk(element)
    return re.sub(r"\s+", " ", "".join(parts)).strip()


def between(root: ElementTree.Element, start_id: str) -> str:
    """The text of a page section: from the heading with ``start_id`` up to the next heading of
    the same or a higher level."""
    heading = next(el for el in root.iter() if el.get("id") == start_id)
    siblings = list(next(p for p in root.iter() if heading in list(p)))
    first = siblings.index(heading)
    stops = {f"h{n}" for n in range(1, int(heading.tag[1]) + 1)}
    end = next((i for i in range(first + 1, len(siblings)) if siblings[i].tag in stops), len(siblings))
    return " ".join(text(el) for el in siblings[first:end])


def test_model_page_shows_the_imported_run_with_provenance_and_score(project):
    _, out = project
    section = between(page(out, f"models/{MODEL}/index.html"), f"results-{SUITE}-1")
    assert section.startswith("Vision AI Checkup imported")
    assert PROVENANCE in section
    assert RATE in section and f"{PASSED}/{N}" in section  # every answer of the result file is a record


def test_flagship_compare_page_shows_the_imported_run(project):
    root, out = project
    a, b = sorted(yaml.safe_load((root / "site.yaml").read_text(encoding="utf-8"))["flagship"])
    assert MODEL in (a, b)
    html = page(out, f"compare/{a}-vs-{b}/index.html")
    section = re.sub(r"\s", "", between(html, "evals"))  # table cells run together in text(): compare without spaces

    def shown(words: str) -> bool:
        return re.sub(r"\s", "", words) in section

    # the column's best evidence, labelled, with the suite it belongs to, and the source named
    assert shown("Gemma 4 26B A4B imported answers re-graded here, on Vision AI Checkup")
    assert shown(f"◆{RATE} (mid) {PASSED}/{N} 82 of 89 prompts")
    assert shown(f"imported Gemma 4 26B A4B: {PROVENANCE}; graded here from the stored answers.")
    link = next(a for a in html.iter("a") if text(a) == PROVENANCE)
    assert link.get("href") == "https://github.com/roboflow/vision-ai-checkup"


def answer_article(out: Path, prompt_id: str, model_name: str) -> ElementTree.Element:
    articles = [a for a in page(out, f"suites/{SUITE}/{prompt_id}/index.html").iter("article")]
    return next(a for a in articles if text(a.find("header/h3")) == model_name)


def test_prompt_page_shows_raw_answer_and_both_verdicts_side_by_side(project):
    _, out = project
    gemma = answer_article(out, "glass-rim-crack", "Gemma 4 26B A4B")
    assert text(gemma.find("pre")) == '{"answer": "no"}'  # the raw answer, as the source recorded it
    verdicts = text(gemma.find("header/span[@class='verdicts']"))
    assert verdicts == "our grader: ✗ fail source's own verdict: ✗ fail"
    # Where they differ the page says so: Gemma 4 31B's sudoku grid has rows of 8 cells, not 9
    # (tests/test_graders_vac.py explains why ours is right); the source accepted it.
    other = answer_article(out, "sudoku-puzzle-extraction", "Gemma 4 31B")
    assert text(other.find("header/span[@class='verdicts']")) == \
        "our grader: ✗ fail source's own verdict: ✓ pass verdicts differ"
    assert "roboflow/vision-ai-checkup" in text(other)


def test_prompt_without_image_says_so(project):
    _, out = project
    html = page(out, f"suites/{SUITE}/sudoku-puzzle-extraction/index.html")
    missing = next(p for p in html.iter("p") if "missing" in (p.get("class") or ""))
    assert text(missing) == "Image not available: sudoku.png is not in the imported checkout"
    assert not [img for img in html.iter("img") if "sudoku" in (img.get("src") or "")]
    assert not (out / "media" / SUITE / "None").exists()
    suite = text(page(out, f"suites/{SUITE}/index.html").find(".//body"))
    assert "Prompts without an image: sudoku-puzzle-extraction (sudoku.png is not in the imported checkout)" in suite
    assert "3 prompts of this task were imported without an image" in text(page(out, "tasks/vqa/index.html"))
