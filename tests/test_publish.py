"""Publishing is all-or-nothing and heals itself, tested with real kills (SIGKILL, no cleanup runs).

A build runs in its own process; the publish step's file operations (renames, replacements,
deletions through ``publish.os``) are counted there and the process kills itself with SIGKILL
before the chosen one. After every kill ``public/`` must exist and hold a whole site, and after the
input is reverted, the next build (plain or ``--force``) must leave no page showing the text of
the killed build. The "nothing changed" fingerprint must also notice a new version of a library
that shapes the pages.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import generator.site.publish as site_publish
from generator.site.build import build

from conftest import REPO_ROOT
from site_fixtures import write_catalog

FORGED = "Zeta Forged"

KILLING_BUILD = r"""
import os, signal, sys
import generator.site.publish as publish
from generator.site.build import build

root, out, kill_before = sys.argv[1], sys.argv[2], int(sys.argv[3])
done = 0


class Counting:
    '''publish.py's view of os: the operations that change the output count; one kills the process.'''

    def __getattr__(self, name):
        real = getattr(os, name)
        if name not in ("rename", "replace", "unlink", "rmdir", "link"):
            return real

        def operation(*args, **kwargs):
            global done
            if done == kill_before:
                os.kill(os.getpid(), signal.SIGKILL)
            done += 1
            return real(*args, **kwargs)
        return operation


publish.os = Counting()
build(root, out, jobs=1)
print(done)
"""


def killed_build(root: Path, out: Path, kill_before: int) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", KILLING_BUILD, str(root), str(out), str(kill_before)],
                          capture_output=True, text=True, cwd=REPO_ROOT, timeout=300,
                          env=dict(os.environ, PYTHONPATH=str(REPO_ROOT)))


def pages_with(out: Path, text: str) -> list[str]:
    return sorted(p.relative_to(out).as_posix() for p in out.rglob("*")
                  if p.is_file() and text.encode() in p.read_bytes())


def leftovers(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}."))


EDITS = {
    # one model renamed: a few pages change (files are replaced one by one)
    "one card": ("model_cards/alpha-vl.yaml", "name: Alpha VL", f"name: {FORGED}"),
    # the site title: every page changes (this once swapped whole trees with two renames)
    "every page": ("site.yaml", "title: Test Vision Board", f"title: {FORGED}"),
}


@pytest.fixture(scope="module")
def operations(tmp_path_factory) -> dict[str, int]:
    """How many publish operations each edit takes, from a build that is not killed."""
    counts = {}
    for kind, (rel, old, new) in EDITS.items():
        root = write_catalog(tmp_path_factory.mktemp("count") / "repo")
        out = root.parent / "public"
        build(root, out, jobs=1)
        (root / rel).write_text((root / rel).read_text().replace(old, new))
        result = killed_build(root, out, 10**9)
        assert result.returncode == 0, result.stderr
        counts[kind] = int(result.stdout.split()[-1])
        assert counts[kind] > 3
        assert pages_with(out, FORGED)
    return counts


@pytest.mark.parametrize("force", [False, True], ids=["build", "build --force"])
@pytest.mark.parametrize("kind", list(EDITS))
@pytest.mark.parametrize("where", ["first", "middle", "last"])
def test_a_publish_killed_anywhere_then_reverted_leaves_no_stale_page(tmp_path, operations, kind, where, force):
    root = write_catalog(tmp_path / "repo")
    out = tmp_path / "public"
    build(root, out, jobs=1)
    pristine = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    rel, old, new = EDITS[kind]
    original = (root / rel).read_text()
    (root / rel).write_text(original.replace(old, new))
    kill_before = {"first": 0, "middle": operations[kind] // 2, "last": operations[kind] - 1}[where]

    result = killed_build(root, out, kill_before)
    assert result.returncode == -9, (result.returncode, result.stderr)
    assert (out / "index.html").is_file() and (out / "data/models.json").is_file()  # public/ is never missing

    (root / rel).write_text(original)  # the contributor reverts
    build(root, out, jobs=1, force=force)
    assert pages_with(out, FORGED) == []
    rebuilt = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert rebuilt.keys() == pristine.keys()
    assert leftovers(out) == []


def test_a_first_build_killed_before_its_one_rename_leaves_nothing_half_made(tmp_path):
    root = write_catalog(tmp_path / "repo")
    out = tmp_path / "public"
    result = killed_build(root, out, 0)
    assert result.returncode == -9
    assert not out.exists()  # not half a site: the staging folder becomes public/ in one rename
    assert len(leftovers(out)) == 1  # the staging folder, removed by the next build
    build(root, out, jobs=1)
    assert (out / "index.html").is_file() and leftovers(out) == []


def test_leftover_staging_and_old_folders_go_even_when_nothing_changed(tmp_path):
    root = write_catalog(tmp_path / "repo")
    out = tmp_path / "public"
    build(root, out, jobs=1)
    for name in (".public.staging-4242", ".public.old-4242"):
        (tmp_path / name / "pages").mkdir(parents=True)
        (tmp_path / name / "pages" / "index.html").write_text(FORGED)
    report = build(root, out, jobs=1)
    assert report.up_to_date
    assert leftovers(out) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["public", "repo"]


@pytest.mark.parametrize("library", ["nh3", "jinja2", "markdown", "pyyaml", "pydantic", "pagefind-bin"])
def test_a_new_version_of_a_library_that_shapes_pages_is_a_change(tmp_path, monkeypatch, library):
    root = write_catalog(tmp_path / "repo")
    out = tmp_path / "public"
    build(root, out, jobs=1)
    assert build(root, out, jobs=1).up_to_date
    # Another version installed where Python looks first (the name escaped as installers write it).
    first = tmp_path / "site-packages"
    (first / f"{library.replace('-', '_')}-999.0.dist-info").mkdir(parents=True)
    monkeypatch.syspath_prepend(str(first))
    assert site_publish.library_versions()[library] == "999.0"
    before = json.loads((out / ".manifest.json").read_text())["files"]
    assert not build(root, out, jobs=1).up_to_date
    manifest = json.loads((out / ".manifest.json").read_text())
    assert manifest["fingerprint"] and manifest["files"]
    if library.startswith("pagefind"):  # the index is made anew (by the binary Python finds)
        assert manifest["files"]["pagefind/pagefind.js"] != before["pagefind/pagefind.js"]


def test_library_versions_are_those_importlib_metadata_finds():
    from importlib import metadata

    def installed(name: str) -> str | None:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return None

    assert site_publish.library_versions() == {name: installed(name) for name in site_publish.RENDER_LIBRARIES}


def test_the_manifest_header_is_its_first_line(tmp_path):
    files = {"index.html": "a", "models/x/index.html": "b", "data/models.json": "c", "sitemap.xml": "d"}
    for manifest in (site_publish.Manifest("f" * 64, files), site_publish.Manifest("", {})):
        site_publish.write_manifest(tmp_path, manifest)
        assert site_publish.Manifest.read(tmp_path) == manifest
        assert site_publish.Manifest.head(tmp_path) == {
            "version": site_publish.MANIFEST_VERSION, "fingerprint": manifest.fingerprint,
            "pages": 3 if manifest.files else 0, "outputs": len(manifest.files)}
    (tmp_path / ".manifest.json").write_text('{"version": 1, "fingerprint": "x", "files": {}}\n')
    assert site_publish.Manifest.head(tmp_path) is None and site_publish.Manifest.read(tmp_path).fingerprint == ""


NO_CHANGE = r"""
import sys
from generator.site.build import build

assert build(sys.argv[1], sys.argv[2], jobs=1).up_to_date
print(" ".join(sorted(sys.modules)))
"""


def test_a_rebuild_with_nothing_changed_imports_no_heavy_module(tmp_path):
    """Deciding that nothing changed takes file hashes alone: no pandas, pydantic, Jinja, PyYAML (the
    synthetic site.yaml pins no source), no multiprocessing, and not importlib.metadata."""
    root = write_catalog(tmp_path / "repo")
    out = tmp_path / "public"
    build(root, out, jobs=1)
    done = subprocess.run([sys.executable, "-c", NO_CHANGE, str(root), str(out)], capture_output=True, text=True,
                          cwd=REPO_ROOT, timeout=120, env=dict(os.environ, PYTHONPATH=str(REPO_ROOT)))
    assert done.returncode == 0, done.stderr
    loaded = set(done.stdout.split())
    assert not loaded & {"pandas", "pydantic", "jinja2", "yaml", "multiprocessing", "importlib.metadata", "click"}
