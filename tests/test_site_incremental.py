"""Incremental, deterministic, atomic and scale-proof builds, on synthetic catalogs.

What tests/test_site_build.py already covers (a no-change rebuild, one card edit on a three-model
catalog, a removed model, two builds compared, a broken card via the CLI) is not repeated here.
This file adds: modification times never trigger work; after an edit to a card or to one run
record the rewritten pages are exactly the ones that depend on it, and the site equals a fresh
build; SOURCE_DATE_EPOCH is the only date a page shows; a build that fails while rendering, in
the forked workers, or is cut off halfway through publishing, leaves a site the next build
repairs; and a page's size does not grow with the number of models.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from datetime import date
from pathlib import Path

import pytest

import generator.site.build as site_build
import generator.site.publish as site_publish
from generator.site import search
from generator.catalog import CatalogError
from generator.site.build import build

from bench.synthetic_catalog import edit_card, model_id, write_catalog

MODELS, PROMPTS = 8, 20
EDITED = 3  # the card edited below: model-003


def snapshot(out: Path) -> dict[str, tuple[bytes, int, int]]:
    """Every file's bytes, mtime and inode: a file rewritten in place or replaced shows up."""
    return {p.relative_to(out).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns, p.stat().st_ino)
            for p in sorted(out.rglob("*")) if p.is_file()}


def contents(out: Path) -> dict[str, bytes]:
    return {rel: data for rel, (data, _, _) in snapshot(out).items()}


def touched(before: dict, after: dict) -> set[str]:
    return {rel for rel in after if rel in before and after[rel][1:] != before[rel][1:]}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, Path]:
    """A synthetic catalog and its site, built once; tests work on copies."""
    base = tmp_path_factory.mktemp("base")
    root = write_catalog(base / "catalog", MODELS, PROMPTS)
    build(root, base / "public", jobs=1)
    return root, base / "public"


@pytest.fixture()
def site(built, tmp_path) -> tuple[Path, Path]:
    root, out = built
    shutil.copytree(root, tmp_path / "catalog")
    shutil.copytree(out, tmp_path / "public")
    build(tmp_path / "catalog", tmp_path / "public", jobs=1)  # nothing to do, unless the site code was edited since
    return tmp_path / "catalog", tmp_path / "public"


def fresh(root: Path, tmp_path: Path) -> dict[str, bytes]:
    """What a full build of the same inputs writes: an incremental build must end up identical."""
    out = tmp_path / "fresh" / "public"
    build(root, out, jobs=1)
    return contents(out)


# ------------------------------------------------------------------ content hashes, not times

def test_touching_every_input_rewrites_nothing(site):
    root, out = site
    before = snapshot(out)
    future = 2_000_000_000
    for path in [root / "site.yaml", *root.rglob("*.yaml"), *root.rglob("*.jsonl"), *root.rglob("*.png")]:
        os.utime(path, (future, future))
    report = build(root, out, jobs=1)
    assert report.up_to_date and report.written == 0
    assert snapshot(out) == before
    forced = build(root, out, jobs=1, force=True)  # every output's digest checked: still nothing to write
    assert forced.written == 0 and forced.removed == 0
    assert touched(before, snapshot(out)) <= {".manifest.json"}


def test_one_card_rewrites_exactly_the_files_it_changes(site, tmp_path):
    root, out = site
    before = snapshot(out)
    edit_card(root, EDITED, "Now with a longer overview.")
    report = build(root, out, jobs=1)
    after = snapshot(out)
    rewritten = touched(before, after)
    edited = model_id(EDITED)
    compare = {rel for rel in after if rel.startswith("compare/") and "-vs-" in rel}
    mine = {rel for rel in compare if edited in rel.split("/")[1].split("-vs-")}
    assert len(compare) == MODELS * (MODELS - 1) // 2 and len(mine) == MODELS - 1  # one page per pair
    assert mine <= rewritten  # each of its comparisons shows the overview…
    assert rewritten & compare == mine  # …and no other pair's page is touched
    assert f"models/{edited}/index.html" in rewritten
    # A page whose inputs changed but whose bytes did not (the leaderboard, the task galleries: they
    # list the model, not its overview), and every search index file but those of the changed
    # record, is left as it was: what is rewritten is exactly what differs.
    differ = {rel for rel in after if rel in before and after[rel][0] != before[rel][0]}
    assert rewritten - {".manifest.json"} == differ - {".manifest.json"}
    assert {rel for rel in rewritten if rel.startswith("models/")} == {f"models/{edited}/index.html"}
    assert any(rel.startswith("pagefind/fragment/") for rel in set(after) - set(before))
    assert any(rel.startswith("pagefind/fragment/") and rel in after for rel in before if rel not in rewritten)
    assert report.written == len({r for r in rewritten if r != ".manifest.json"} | (set(after) - set(before)))
    assert contents(out) == fresh(root, tmp_path)


def test_the_search_documents_stay_between_builds_and_a_card_edit_rewrites_one(site):
    """Pagefind indexes one small document per search record. They stay in the project's .cache
    between builds: a card edit rewrites that card's document, not all of them (creating and
    deleting a few hundred files cost a one-card rebuild a quarter of its time)."""
    root, out = site
    documents = site_build.search_work(root, out) / "site"
    edit_card(root, EDITED, "First edit.")
    build(root, out, jobs=1)
    before = snapshot(documents)
    edit_card(root, EDITED, "Words to search for.")
    build(root, out, jobs=1)
    after = snapshot(documents)
    edited = f"models/{model_id(EDITED)}/index.html"
    assert set(after) == set(before) and len(after) > MODELS
    assert touched(before, after) == {edited} and b"Words to search for." in after[edited][0]


def test_sync_documents_rewrites_what_changed_and_removes_the_rest(tmp_path):
    records = [{"url": f"models/m{i}/", "content": f"model {i}", "meta": {"title": f"M{i}", "kind": "Model"}}
               for i in range(4)]
    folder = tmp_path / "site"
    search.sync_documents(records, folder)
    before = snapshot(folder)
    (folder / "models/m1/index.html").write_bytes(b"<!doctype html><ht")  # torn by a killed build
    (folder / "stray/page").mkdir(parents=True)
    (folder / "stray/page/index.html").write_text("not a record")
    records[0]["content"] = "model zero"
    del records[3]
    search.sync_documents(records, folder)
    after = snapshot(folder)
    assert set(after) == {"models/m0/index.html", "models/m1/index.html", "models/m2/index.html"}
    assert b"model zero" in after["models/m0/index.html"][0]
    assert after["models/m1/index.html"][0] == before["models/m1/index.html"][0]  # repaired
    assert after["models/m2/index.html"] == before["models/m2/index.html"]  # not even rewritten
    assert sorted(p.name for p in folder.iterdir()) == ["models"]  # the stray folder and m3's are gone
    assert not (folder / "models/m3").exists()


def rendered_pages(monkeypatch) -> list[str]:
    """The paths of the pages the next in-process build renders (``jobs=1``)."""
    paths: list[str] = []
    real = site_build.render_page
    monkeypatch.setattr(site_build, "render_page", lambda s, env, page: paths.append(page.path) or real(s, env, page))
    return paths


def test_an_overview_edit_renders_only_the_pages_that_show_the_overview(site, tmp_path, monkeypatch):
    """The overview is shown on the model's page and its pair pages only: the site-wide pages (the
    leaderboard, indexes, task galleries, sitemap) are not even rendered again. A change to what
    they do show, a name, renders them all, and both sites equal fresh builds."""
    root, out = site
    rendered = rendered_pages(monkeypatch)
    edit_card(root, EDITED, "A clearer overview.")
    build(root, out, jobs=1)
    edited = model_id(EDITED)
    pairs = {f"compare/{'-vs-'.join(sorted((edited, model_id(i))))}/index.html" for i in range(MODELS) if i != EDITED}
    assert sorted(rendered) == sorted({f"models/{edited}/index.html"} | pairs)
    assert contents(out) == fresh(root, tmp_path / "overview")

    rendered.clear()
    path = root / "model_cards" / f"{edited}.yaml"
    path.write_text(re.sub(r"(?m)^name: .*$", "name: Renamed Model", path.read_text(encoding="utf-8"), count=1),
                    encoding="utf-8")
    build(root, out, jobs=1)
    assert {"index.html", "models/index.html", "sitemap.xml", "tasks/vqa/index.html"} <= set(rendered)
    assert "Renamed Model" in (out / "index.html").read_text(encoding="utf-8")
    assert contents(out) == fresh(root, tmp_path / "name")


def test_an_imported_results_new_file_path_reaches_its_pages_and_the_data_files(site, tmp_path):
    """The path of the file an import came from is in no graded row (the source's label names the
    repository and commit), but pages and models.json show it: it is part of the digests."""
    root, out = site
    run = next((root / "evals" / "runs").glob("*/model-005/peer.jsonl"))
    run.write_text(run.read_text(encoding="utf-8").replace('"results/all.json"', '"results/moved.json"'),
                   encoding="utf-8")
    build(root, out, jobs=1)
    assert "results/moved.json" in (out / "models" / "model-005" / "index.html").read_text(encoding="utf-8")
    assert "results/moved.json" in (out / "data" / "models.json").read_text(encoding="utf-8")
    assert contents(out) == fresh(root, tmp_path)


def test_one_changed_answer_rewrites_its_prompt_page_and_its_models_pairs(site, tmp_path):
    root, out = site
    before = snapshot(out)
    run = root / "evals/runs/synth" / model_id(2) / "r1.jsonl"
    records = [json.loads(line) for line in run.read_text(encoding="utf-8").splitlines()]
    target = next(r for r in records if r["prompt_id"] == "p005")
    target["output"] = "A different answer, recorded later."
    run.write_text("".join(json.dumps(r, sort_keys=True) + "\n" for r in records), encoding="utf-8")
    build(root, out, jobs=1)
    rewritten = touched(before, snapshot(out))
    prompts = {rel for rel in rewritten if rel.startswith("suites/synth/p")}
    assert prompts == {"suites/synth/p005/index.html"}
    pairs = {rel.split("/")[1] for rel in rewritten if rel.startswith("compare/") and "-vs-" in rel}
    assert pairs and all(model_id(2) in pair for pair in pairs)
    assert contents(out) == fresh(root, tmp_path)


# ------------------------------------------------------------------ dates

def test_source_date_epoch_is_the_only_date_shown(tmp_path, monkeypatch):
    root = write_catalog(tmp_path / "catalog", 3, 5)
    build(root, tmp_path / "plain", jobs=1)
    today = date.today().isoformat()
    for path in (tmp_path / "plain").rglob("*"):
        if path.suffix in (".html", ".xml", ".txt", ".json", ".csv", ".js"):
            text = path.read_text(encoding="utf-8")
            assert today not in text and " built " not in text, path
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # 2023-11-14T22:13:20Z
    build(root, tmp_path / "one", jobs=1)
    os.utime(root / "site.yaml", (2_000_000_000, 2_000_000_000))
    build(root, tmp_path / "two", jobs=2)
    one, two = contents(tmp_path / "one"), contents(tmp_path / "two")
    assert one == two
    for page in ("index.html", "models/model-000/index.html", "compare/model-000-vs-model-001/index.html"):
        assert "built 2023-11-14" in one[page].decode(), page
    assert one != contents(tmp_path / "plain")


# ------------------------------------------------------------------ atomicity

class Boom(RuntimeError):
    pass


def _explode_on(kind: str):
    real = site_build.render_page

    def render_page(site, env, page):
        if page.kind == kind:
            raise Boom(f"template failure on {page.path}")
        return real(site, env, page)
    return render_page


@pytest.mark.parametrize("jobs", [1, 2])
def test_failure_while_rendering_leaves_the_previous_site_untouched(site, tmp_path, monkeypatch, jobs):
    root, out = site
    before = snapshot(out)
    edit_card(root, EDITED)
    monkeypatch.setattr(site_build, "render_page", _explode_on("compare"))
    monkeypatch.setattr(site_build, "SERIAL_BELOW", 0)  # fork workers even for this small site
    with pytest.raises(Boom):
        build(root, out, jobs=jobs)
    assert snapshot(out) == before
    assert sorted(p.name for p in out.parent.iterdir() if p.name.startswith(".")) == []
    monkeypatch.undo()
    build(root, out, jobs=jobs)
    assert contents(out) == fresh(root, tmp_path)


def test_broken_yaml_and_run_line_mid_catalog_fail_with_file_and_line(site):
    root, out = site
    before = snapshot(out)
    card = root / "model_cards" / f"{model_id(4)}.yaml"
    lines = card.read_text(encoding="utf-8").splitlines()
    broken_at = next(i for i, line in enumerate(lines, 1) if line.startswith("organization:")) + 1
    lines.insert(broken_at - 1, "name: A second name")  # a duplicate key, a line below the first
    card.write_text("\n".join(lines) + "\n", encoding="utf-8")
    run = root / "evals/runs/synth" / model_id(6) / "r1.jsonl"
    records = run.read_text(encoding="utf-8").splitlines()
    records[9] = records[9].replace('"latency_s": ', '"latency_s": -')
    run.write_text("\n".join(records) + "\n", encoding="utf-8")
    with pytest.raises(CatalogError) as failure:
        build(root, out, jobs=1)
    problems = [str(p) for p in failure.value.problems]
    assert f"model_cards/{model_id(4)}.yaml:{broken_at}: duplicate key 'name'" in problems, problems
    run_problem = f"evals/runs/synth/{model_id(6)}/r1.jsonl:10: latency_s: Input should be greater than or equal to 0"
    assert run_problem in problems
    assert snapshot(out) == before


def test_publish_cut_off_halfway_is_repaired_by_the_next_build(site, tmp_path, monkeypatch):
    """A publish killed after replacing some files: the manifest still holds the old digests, so the
    next build rewrites whatever was not replaced yet and the site ends up as a full build."""
    root, out = site
    edit_card(root, EDITED)
    real, calls = os.replace, []

    def replace(src, dst):
        calls.append(dst)
        if len(calls) == 4:
            raise KeyboardInterrupt
        return real(src, dst)
    monkeypatch.setattr(site_publish.os, "replace", replace)
    with pytest.raises(KeyboardInterrupt):
        build(root, out, jobs=1)
    monkeypatch.undo()
    assert len(calls) == 4
    build(root, out, jobs=1)
    assert contents(out) == fresh(root, tmp_path)
    assert sorted(p.name for p in out.parent.iterdir() if p.name.startswith(".")) == []


# ------------------------------------------------------------------ per-page work does not grow with the catalog

def page_sizes(out: Path) -> dict[str, int]:
    pair = f"{model_id(0)}-vs-{model_id(1)}"
    return {kind: (out / rel).stat().st_size for kind, rel in {
        "model": f"models/{model_id(0)}/index.html", "compare": f"compare/{pair}/index.html",
        "data": "data/index.html",
        "suites": "suites/index.html", "playground": "playground/index.html"}.items()}


def test_page_size_does_not_grow_with_the_number_of_models(tmp_path):
    """At 4 and at 16 models the same pages weigh the same: no page embeds the catalog (the
    leaderboard, index pages, galleries and prompt pages list every model by design)."""
    sizes = {}
    for n in (4, 16):
        out = tmp_path / f"n{n}" / "public"
        build(write_catalog(tmp_path / f"n{n}" / "catalog", n, 10), out, jobs=1)
        sizes[n] = page_sizes(out)
        compare = (out / f"compare/{model_id(0)}-vs-{model_id(1)}/index.html").read_text(encoding="utf-8")
        assert set(re.findall(r"models/(model-\d+)/", compare)) == {model_id(0), model_id(1)}
        model = (out / f"models/{model_id(0)}/index.html").read_text(encoding="utf-8")
        assert len(set(re.findall(r"models/(model-\d+)/", model))) <= 10  # itself and a few neighbours
    for kind, small in sizes[4].items():
        assert abs(sizes[16][kind] - small) <= max(1024, small * 0.1), (kind, small, sizes[16][kind])
