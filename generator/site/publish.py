"""Incremental, atomic publishing of the build output.

Every output file has a digest of its inputs (never a modification time). The previous build's
digests live in ``<out>/.manifest.json``. A build:

1. writes only the outputs whose digest changed (or that are missing) into a staging folder
   next to the output folder (``.<out>.staging-<pid>``), so nothing in ``<out>`` changes while
   the catalog is read, graded and rendered — a failing build leaves ``<out>`` untouched;
2. publishes:
   * first build: the staging folder becomes ``<out>`` with one rename, so ``<out>`` appears whole
     or not at all;
   * any later build: first the manifest is rewritten to mark every output about to be replaced
     or deleted as unknown (and the fingerprint as none), then each staged file is renamed over its
     old version (each replacement atomic), outputs that no longer exist are deleted, and the new
     manifest is renamed into place last. ``<out>`` is never missing, and a publish killed at any
     point leaves a manifest that names every file it may have touched: the next build rewrites
     those whatever its input, even one reverted to what was there before (a manifest that still
     held the old digests would call the half-published pages up to date, even under ``--force``);
3. touches nothing when no digest changed.

Leftover staging folders of killed builds are removed at the start of the next build, before
anything else (``clean_stale``).

A whole-input fingerprint (every catalog file, template and source file, and the versions of the
libraries that shape the pages) lets a rebuild with nothing changed stop before loading the
catalog at all.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

MANIFEST = ".manifest.json"
MANIFEST_VERSION = 1
UNKNOWN = "unknown: a publish was interrupted"  # the digest of an output that may be half-published
# Libraries whose upgrade can change a page without any input changing: the sanitiser, templates,
# Markdown, aggregation, validation, YAML reading, image sizes and the search index.
RENDER_LIBRARIES = ("nh3", "jinja2", "markdown", "pandas", "pydantic", "pydantic-core", "pyyaml", "pillow", "pagefind")


def read_input(path: Path, root: Path, folder_inside: bool = True) -> bytes:
    """A file's bytes, or for one that a symlink leads out of ``root`` only its resolved name: the
    build never reads files outside the project (the catalog loader reports such links). Globs do
    not descend into symlinked folders, so a file can only leave ``root`` through its own link or
    through the folder being hashed (``folder_inside``, resolved once per folder)."""
    if not folder_inside or path.is_symlink():
        resolved = path.resolve()
        if not resolved.is_relative_to(root.resolve()):
            return b"outside:" + os.fsencode(resolved)
    return path.read_bytes()


def hash_tree(h, folder: Path, root: Path, patterns: tuple[str, ...] = ("**/*",)) -> None:
    if not folder.exists():
        return
    folder_inside = folder.resolve().is_relative_to(root.resolve())
    files = sorted({p for pattern in patterns for p in folder.glob(pattern) if p.is_file()})
    for path in files:
        if "__pycache__" in path.parts:
            continue
        rel = path.relative_to(root).as_posix().encode()
        data = read_input(path, root, folder_inside)
        h.update(len(rel).to_bytes(8, "big") + rel + len(data).to_bytes(8, "big"))
        h.update(hashlib.sha256(data).digest())


def library_versions() -> dict[str, str | None]:
    """The installed version of each of RENDER_LIBRARIES (None if absent), read from package metadata
    without importing the libraries, for the whole-input fingerprint."""
    versions: dict[str, str | None] = {}
    for name in RENDER_LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def fingerprint(root: Path, code_dirs: list[Path], extra: str) -> str:
    """sha256 of every input of the build: site.yaml, cards, suites (with images), runs, code."""
    h = hashlib.sha256(extra.encode())
    site_yaml = root / "site.yaml"
    if site_yaml.exists():
        h.update(b"site.yaml" + hashlib.sha256(read_input(site_yaml, root)).digest())
    for sub in ("model_cards", "evals/suites", "evals/runs", "evals/judgements"):
        hash_tree(h, root / sub, root)
    for folder in code_dirs:
        hash_tree(h, folder, folder.parent, ("**/*.py", "**/*.html", "**/*.xml", "**/*.txt", "**/*.css", "**/*.js",
                                             "**/*.svg", "**/*.json"))
    return h.hexdigest()


@dataclass
class Manifest:
    fingerprint: str = ""
    files: dict[str, str] = field(default_factory=dict)

    @classmethod
    def read(cls, out: Path) -> "Manifest":
        try:
            data = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
            if data.get("version") != MANIFEST_VERSION:
                return cls()
            return cls(data.get("fingerprint", ""), dict(data.get("files", {})))
        except (OSError, ValueError):
            return cls()

    def dumps(self) -> str:
        return json.dumps({"version": MANIFEST_VERSION, "fingerprint": self.fingerprint,
                           "files": dict(sorted(self.files.items()))}, indent=0, sort_keys=True) + "\n"


def staging_dir(out: Path) -> Path:
    return out.parent / f".{out.name}.staging-{os.getpid()}"


def clean_stale(out: Path) -> None:
    """Remove what builds that were killed left: staging folders (``.old-*`` trees of older versions
    too) and a manifest written but not yet renamed into place."""
    for pattern in (f".{out.name}.staging-*", f".{out.name}.old-*"):
        for path in out.parent.glob(pattern):
            shutil.rmtree(path, ignore_errors=True)
    (out / (MANIFEST + ".tmp")).unlink(missing_ok=True)


def write_bytes(stage: Path, rel: str, data: bytes) -> None:
    target = stage / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)


def _remove_empty_parents(path: Path, stop: Path) -> None:
    parent = path.parent
    while parent != stop and stop in parent.parents:
        try:
            parent.rmdir()
        except OSError:
            return
        parent = parent.parent


def write_manifest(out: Path, manifest: Manifest) -> None:
    """Replace ``<out>/.manifest.json`` in one rename: a reader sees the old or the new, never half."""
    tmp = out / (MANIFEST + ".tmp")
    tmp.write_text(manifest.dumps(), encoding="utf-8")
    os.replace(tmp, out / MANIFEST)


def publish(out: Path, stage: Path, new: Manifest, old: Manifest, changed: set[str]) -> dict[str, int]:
    """Move the staged outputs into ``out``; see the module docstring for why in this order."""
    removed = sorted(set(old.files) - set(new.files))
    stats = {"written": len(changed), "removed": len(removed), "kept": len(new.files) - len(changed)}
    if not out.is_dir():
        (stage / MANIFEST).write_text(new.dumps(), encoding="utf-8")
        os.rename(stage, out)
        return stats
    write_manifest(out, Manifest("", {**old.files, **{rel: UNKNOWN for rel in (*changed, *removed)}}))
    for rel in sorted(changed):
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(stage / rel, target)
    for rel in removed:
        target = out / rel
        try:
            os.unlink(target)
        except FileNotFoundError:
            pass
        _remove_empty_parents(target, out)
    write_manifest(out, new)
    shutil.rmtree(stage, ignore_errors=True)
    return stats
