"""Paths in the catalog cannot escape the repository.

A contributor's pull request is built by CI and the result is published: a suite image that
points at ``/etc/passwd``, climbs out with ``../..``, or is a symlink to a file outside the
suite would otherwise be copied into ``public/media/`` for the world to download. Card, suite
and run files that are symlinks out of the repository (or sit in a folder that is one) would be
read and rendered the same way. Each case must fail the build with file and line, and the build must never open
the outside file (an audit hook watches every ``open``).
"""

from __future__ import annotations

import shutil
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest

from generator.catalog import CatalogError, load_catalog
from generator.site.build import build

from site_fixtures import write_catalog

SUITE_YAML = "evals/suites/evals/suite.yaml"
IMAGE = "images/count-apples.png"
SECRET = b"secret: do not publish\n"

_watched: list[tuple[str, list[str]]] = []  # (path prefix, opens seen) while a `watch_opens` block runs


def _audit(event: str, args: tuple) -> None:
    if event == "open" and _watched and isinstance(args[0], (str, bytes, Path)):
        path = str(Path(args[0].decode() if isinstance(args[0], bytes) else args[0]).resolve())
        for prefix, seen in _watched:
            if path.startswith(prefix):
                seen.append(path)


sys.addaudithook(_audit)  # hooks cannot be removed; it only records while `_watched` is not empty


@contextmanager
def watch_opens(folder: Path):
    seen: list[str] = []
    _watched.append((str(folder.resolve()), seen))
    try:
        yield seen
    finally:
        _watched.pop()


@pytest.fixture()
def layout(tmp_path) -> tuple[Path, Path]:
    """A valid catalog in ``repo/`` and a secret folder beside it (outside the repository)."""
    root = write_catalog(tmp_path / "repo")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.png").write_bytes(SECRET)
    (outside / "card.yaml").write_bytes((root / "model_cards" / "gamma-det.yaml").read_bytes())
    return root, outside


def point_image_at(root: Path, path: str) -> int:
    """Make the first prompt (and its licence line) use ``path``; return the licence line's number."""
    suite = root / SUITE_YAML
    text = suite.read_text()
    assert text.count(IMAGE) == 2
    suite.write_text(text.replace(IMAGE, path))
    return next(i for i, line in enumerate(suite.read_text().splitlines(), 1) if "{file: " in line)


def failed_build(root: Path, outside: Path) -> list[str]:
    """Build; it must raise CatalogError, write nothing and open nothing under ``outside``."""
    out = root.parent / "public"
    with watch_opens(outside) as opened, pytest.raises(CatalogError) as failure:
        build(root, out, jobs=1)
    assert opened == []
    assert not out.exists()
    return [str(p) for p in failure.value.problems]


@pytest.mark.parametrize("bad", ["../../../outside/secret.png", "images/../../../../outside/secret.png"])
def test_image_path_climbing_out_is_refused(layout, bad):
    root, outside = layout
    line = point_image_at(root, bad)
    problems = failed_build(root, outside)
    assert f"{SUITE_YAML}:{line}: images.0.file: '{bad}' points outside the suite folder" in problems


def test_absolute_image_path_is_refused(layout):
    root, outside = layout
    secret = str(outside / "secret.png")
    line = point_image_at(root, secret)
    problems = failed_build(root, outside)
    assert f"{SUITE_YAML}:{line}: images.0.file: '{secret}' points outside the suite folder" in problems


def test_etc_passwd_is_refused_without_being_read(layout):
    root, _ = layout
    line = point_image_at(root, "../../../../../../../../etc/passwd")
    problems = failed_build(root, Path("/etc/passwd"))
    assert any(p.startswith(f"{SUITE_YAML}:{line}: images.0.file:") and "points outside" in p for p in problems)


def test_symlinked_image_pointing_outside_is_refused(layout):
    root, outside = layout
    link = root / "evals/suites/evals/images/leak.png"
    link.symlink_to(outside / "secret.png")
    line = point_image_at(root, "images/leak.png")
    problems = failed_build(root, outside)
    assert f"{SUITE_YAML}:{line}: images.0.file: 'images/leak.png' points outside the suite folder" in problems


def test_symlinked_image_folder_pointing_outside_is_refused(layout):
    root, outside = layout
    (root / "evals/suites/evals/more").symlink_to(outside, target_is_directory=True)
    line = point_image_at(root, "more/secret.png")
    problems = failed_build(root, outside)
    assert f"{SUITE_YAML}:{line}: images.0.file: 'more/secret.png' points outside the suite folder" in problems


def test_null_byte_in_image_path_is_an_error_not_a_crash(layout):
    root, outside = layout
    line = point_image_at(root, '"images/a\\0.png"')
    problems = failed_build(root, outside)
    assert any(p.startswith(f"{SUITE_YAML}:{line}: images.0.file:") for p in problems), problems


def test_symlink_staying_inside_the_suite_is_allowed(layout, tmp_path):
    root, _ = layout
    (root / "evals/suites/evals/images/alias.png").symlink_to("count-apples.png")
    point_image_at(root, "images/alias.png")
    load_catalog(root)  # no error
    report = build(root, tmp_path / "public", jobs=1)
    assert report.pages and (tmp_path / "public/media/evals/images/alias.png").is_file()


@pytest.mark.parametrize("kind", ["card", "card folder", "suite folder", "run file", "run folder", "site.yaml"])
def test_catalog_files_symlinked_out_of_the_repository_are_refused(layout, kind):
    """A card, suite or run file, or a folder of them, that a symlink leads out of the repository is not read."""
    root, outside = layout
    if kind == "card":
        link, target = root / "model_cards/delta-det.yaml", outside / "card.yaml"
        target.write_text(target.read_text().replace("gamma-det", "delta-det"))
    elif kind in ("card folder", "run folder"):
        link = root / ("model_cards" if kind == "card folder" else "evals/runs")
        target = outside / link.name
        shutil.move(link, target)
    elif kind == "suite folder":
        target = outside / "other"
        (target / "images").mkdir(parents=True)
        (target / "suite.yaml").write_text((root / SUITE_YAML).read_text().replace("id: evals", "id: other"))
        for image in (root / "evals/suites/evals/images").iterdir():
            (target / "images" / image.name).write_bytes(image.read_bytes())
        link = root / "evals/suites/other"
    elif kind == "run file":
        link, target = root / "evals/runs/evals/alpha-vl/extra.jsonl", outside / "extra.jsonl"
        target.write_bytes((root / "evals/runs/evals/alpha-vl/alpha-run-1.jsonl").read_bytes())
    else:
        link, target = root / "site.yaml", outside / "site.yaml"
        target.write_bytes(link.read_bytes())
        link.unlink()
    link.symlink_to(target, target_is_directory=target.is_dir())
    problems = failed_build(root, outside)
    shown = link.relative_to(root).as_posix()
    assert any(p.startswith(shown + ("/" if target.is_dir() else "")) and "outside the repository" in p
               for p in problems), problems
