"""Sync + build with both peer sources as local git repositories (tests/source_fixtures.py):
the build imports them into .cache/layer, the catalog reads them beside the repository's own
files, the data page says which sources made it in, and nothing third-party lands in the
repository's tracked folders."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest

from generator.catalog import load_catalog
from generator.site.build import build
from site_fixtures import write_catalog
from source_fixtures import (UNMAPPED, VAC_REPOSITORY, VLM_EXAM_REPOSITORY, add_peer_sources, make_git_repo,
                             pin_sources, sync_sources, vac_files, vlm_exam_summary)


def data_page_text(out: Path) -> str:
    page = (out / "data" / "index.html").read_text(encoding="utf-8")
    section = page[page.index('id="sources"'):page.index("</table>", page.index('id="sources"'))]
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", section)).strip())


def tracked(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for sub in ("model_cards", "evals")
            for p in (root / sub).rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def synced(tmp_path_factory) -> tuple[Path, Path, dict[str, str]]:
    root, mirror = tmp_path_factory.mktemp("project"), tmp_path_factory.mktemp("mirror")
    write_catalog(root)
    commits = add_peer_sources(root, mirror)
    assert [r.status for r in sync_sources(root, mirror)] == ["fetched", "fetched"]
    before = tracked(root)
    out = root / "public"
    build(root, out, jobs=1)
    assert tracked(root) == before  # the layer is beside the repository's files, never in them
    return root, out, commits


def test_the_catalog_reads_both_sources_from_the_layer(synced):
    root, _, commits = synced
    catalog = load_catalog(root)
    imported = [r for r in catalog.runs if r.suite == "vision-ai-checkup"]
    # Alpha VL: 5 answers (newer JSON files); BetaOCR: 2 of its 3 raw-text answers, the third was given
    # to an older wording of the sign prompt; Zeta Vision 9B has no card.
    assert sorted((r.model, r.prompt_id) for r in imported) == [
        ("alpha-vl", "arrow-direction"), ("alpha-vl", "car-colour"), ("alpha-vl", "count-circles"),
        ("alpha-vl", "grid-copy"), ("alpha-vl", "read-a-shop-sign"),
        ("beta-ocr", "arrow-direction"), ("beta-ocr", "count-circles")]
    beta = next(r for r in imported if r.model == "beta-ocr" and r.prompt_id == "count-circles")
    assert (beta.output, beta.source_verdict, beta.latency_s) == ("There are three circles.", True, 1.25)
    assert (beta.source.repository, beta.source.path, beta.source.commit, beta.source.license) == (
        "roboflow/vision-ai-checkup", "data/results/result_betaocr.json", commits["vision-ai-checkup"], "MIT")
    assert beta.started_at == "2026-03-01T12:00:00+00:00"  # the pinned commit's date
    rows = sorted((a.model, a.task, a.effort) for a in catalog.aggregates)
    assert rows == [("alpha-vl", "counting", "high"), ("alpha-vl", "counting", "low"), ("alpha-vl", "ocr", "low"),
                    ("gamma-det", "detection", "low")]
    low = next(a for a in catalog.aggregates if (a.model, a.task, a.effort) == ("alpha-vl", "counting", "low"))
    assert (low.value, low.runs, min(low.runs), max(low.runs)) == (69.17, [70.0, 65.0, 72.5], 65.0, 72.5)
    assert (low.judge_accuracy, low.strict_accuracy, low.metric, low.metric_label) == (
        69.17, 41.5, "accuracy_judge", "Accuracy (LLM judge)")
    # per sample of one run: the fixture's totals are 1500 and 60 tokens times 40 samples
    assert (low.input_tokens, low.output_tokens, low.cost_per_sample, low.seconds_per_sample) == (1500, 60, 0.0042, 2.5)
    assert (low.samples, low.failures, low.protocol_status, low.source_model) == (40, 1, "complete", "Alpha VL")
    assert (low.source.path, low.source.commit, low.source.license) == (
        "web/benchmark_summary.json", commits["vlm-exam"], "Apache-2.0")
    ocr = next(a for a in catalog.aggregates if a.task == "ocr")
    assert (ocr.strict_accuracy, ocr.judge_accuracy, ocr.task_name) == (None, None, "OCR")
    assert [(s.kind, s.status, s.models, s.unmapped) for s in catalog.sources] == [
        ("vision-ai-checkup", "imported", ["alpha-vl", "beta-ocr"], [UNMAPPED]),
        ("vlm-exam", "imported", ["alpha-vl", "gamma-det"], [UNMAPPED])]


def test_the_data_page_lists_the_sources_that_made_it_in(synced):
    _, out, commits = synced
    text = data_page_text(out)
    assert (f"roboflow/vision-ai-checkup vision-ai-checkup at {commits['vision-ai-checkup'][:12]} , licence MIT "
            f"made it in: 7 answers of 2 models; 1 model without a card left out ({UNMAPPED}); 2 answers left out in all"
            ) in text
    assert (f"roboflow/vlm-exam vlm-exam at {commits['vlm-exam'][:12]} , licence Apache-2.0 made it in: 4 figures of "
            f"2 models; 1 model without a card left out ({UNMAPPED}); 2 figures left out in all") in text


def test_an_unsynced_source_is_listed_as_missing_and_the_build_goes_on(tmp_path):
    root = tmp_path / "project"
    write_catalog(root)
    commits = add_peer_sources(root, tmp_path / "mirror")  # pinned, never synced
    out = root / "public"
    build(root, out, jobs=1)
    text = data_page_text(out)
    assert (f"roboflow/vlm-exam vlm-exam at {commits['vlm-exam'][:12]} , licence Apache-2.0 missing : not synced "
            "(run `leaderboard sources sync`)") in text
    assert load_catalog(root).aggregates == []
    # a sync that cannot reach the mirror: the page says so, with git's own words
    sync_sources(root, tmp_path / "offline")
    assert not build(root, out, jobs=1).up_to_date
    text = data_page_text(out)
    assert f"roboflow/vlm-exam vlm-exam at {commits['vlm-exam'][:12]} , licence Apache-2.0 missing : could not be fetched (" in text
    assert "fatal: " in text


def test_rebuild_is_a_no_op_and_a_new_pin_updates_the_site(synced, tmp_path):
    root, out, commits = synced
    assert build(root, out, jobs=1).up_to_date
    layer = root / ".cache" / "layer"
    status = json.loads((layer / "sources.json").read_text())
    assert [s["status"] for s in status] == ["imported", "imported"]
    # un-pinning every source removes the layer: nothing of theirs is left for the next build
    site = (root / "site.yaml").read_text()
    (root / "site.yaml").write_text(site[:site.index("sources:")])
    report = build(root, out, jobs=1)
    assert not report.up_to_date and not layer.exists()
    assert load_catalog(root).aggregates == []
    (root / "site.yaml").write_text(site)
    assert not build(root, out, jobs=1).up_to_date and (layer / "sources.json").exists()


def test_a_source_that_cannot_be_imported_is_listed_and_the_build_goes_on(tmp_path):
    root, mirror = tmp_path / "project", tmp_path / "mirror"
    write_catalog(root)
    commit = make_git_repo(mirror / VLM_EXAM_REPOSITORY, {"web/benchmark_summary.json": '{"models": "none"}'})
    pin_sources(root, {"vlm-exam": (VLM_EXAM_REPOSITORY, commit, "Apache-2.0")})
    sync_sources(root, mirror)
    build(root, root / "public", jobs=1)
    assert (f"roboflow/vlm-exam vlm-exam at {commit[:12]} , licence Apache-2.0 import failed : web/benchmark_summary.json: "
            "no 'models' list (not a vlm-exam summary)") in data_page_text(root / "public")


def test_a_peer_value_our_schemas_refuse_fails_that_source_only(tmp_path):
    """A category name longer than our labels allow (120 characters) is the peer's data, not a bug:
    the source is listed as failed with pydantic's reason and the rest of the site is built."""
    root, mirror = tmp_path / "project", tmp_path / "mirror"
    write_catalog(root)
    files = vac_files()
    files["prompts.csv"] = files["prompts.csv"].replace("Object Counting", "Counting " * 20)
    commit = make_git_repo(mirror / VAC_REPOSITORY, files)
    pin_sources(root, {"vision-ai-checkup": (VAC_REPOSITORY, commit, "MIT")})
    sync_sources(root, mirror)
    build(root, root / "public", jobs=1)
    text = data_page_text(root / "public")
    assert f"roboflow/vision-ai-checkup vision-ai-checkup at {commit[:12]} , licence MIT import failed : " in text
    assert "String should have at most 120 characters" in text
    assert (root / "public" / "index.html").is_file()


def test_a_re_pinned_peer_figure_reaches_the_model_page_and_the_home_ranking(tmp_path):
    """Re-pinning is the only change that updates the site: a vlm-exam figure that changed at the
    new commit is rewritten on the pages that show it, by the incremental build."""
    root, mirror = tmp_path / "project", tmp_path / "mirror"
    write_catalog(root)
    summary = json.dumps(vlm_exam_summary(), indent=2)
    first = make_git_repo(mirror / VLM_EXAM_REPOSITORY, {"web/benchmark_summary.json": summary})
    pin_sources(root, {"vlm-exam": (VLM_EXAM_REPOSITORY, first, "Apache-2.0")})
    sync_sources(root, mirror)
    out = root / "public"
    build(root, out, jobs=1)
    pages = (out / "index.html", out / "models" / "alpha-vl" / "index.html")
    assert all("91.2" in page.read_text() and "88.8" not in page.read_text() for page in pages)

    second = make_git_repo(mirror / VLM_EXAM_REPOSITORY,
                           {"web/benchmark_summary.json": summary.replace("91.2", "88.8")})
    site = (root / "site.yaml").read_text()
    (root / "site.yaml").write_text(site.replace(first, second))
    sync_sources(root, mirror)
    assert not build(root, out, jobs=1).up_to_date
    assert all("88.8" in page.read_text() and "91.2" not in page.read_text() for page in pages)
