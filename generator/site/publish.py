"""Incremental, atomic publishing of the build output.

Every output file has a digest of its inputs (never a modification time). The previous build's
digests live in ``<out>/.manifest.json``. A build:

1. writes only the outputs whose digest changed (or that are missing) into a staging folder
   next to the output folder (``.<out>.staging-<pid>``), so nothing in ``<out>`` changes while
   the catalog is read, graded and rendered — a failing build leaves ``<out>`` untouched;
2. publishes with renames:
   * first build, or most outputs of a small site changed: the unchanged files are hard-linked
     into the staging folder, which then replaces ``<out>`` with two directory renames (the old
     tree is deleted afterwards);
   * otherwise (the common case — one card edited — and any rebuild of a big site, where
     deleting an old 40,000-file tree would cost more than the render): each staged file is renamed
     over its old version (each replacement atomic), outputs that no longer exist are deleted,
     and the manifest is renamed into place last, so an interrupted publish is simply redone
     by the next build (its digests no longer match);
3. touches nothing when no digest changed.

A whole-input fingerprint (every catalog file, template and source file) lets a rebuild with
nothing changed stop before loading the catalog at all.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

MANIFEST = ".manifest.json"
MANIFEST_VERSION = 1
FULL_SWAP_SHARE = 0.5  # above this share of changed outputs, swap whole trees…
FULL_SWAP_MAX_FILES = 5000  # …unless the site is big: deleting a 40,000-file old tree costs more than renaming files


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


def fingerprint(root: Path, code_dirs: list[Path], extra: str) -> str:
    """sha256 of every input of the build: site.yaml, cards, suites (with images), runs, code."""
    h = hashlib.sha256(extra.encode())
    site_yaml = root / "site.yaml"
    if site_yaml.exists():
        h.update(b"site.yaml" + hashlib.sha256(read_input(site_yaml, root)).digest())
    for sub in ("model_cards", "evals/suites", "evals/runs"):
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
    """Remove staging/old folders left by builds that were killed."""
    for pattern in (f".{out.name}.staging-*", f".{out.name}.old-*"):
        for path in out.parent.glob(pattern):
            shutil.rmtree(path, ignore_errors=True)


def write_bytes(stage: Path, rel: str, data: bytes) -> None:
    target = stage / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)


def _link_or_copy(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def _remove_empty_parents(path: Path, stop: Path) -> None:
    parent = path.parent
    while parent != stop and stop in parent.parents:
        try:
            parent.rmdir()
        except OSError:
            return
        parent = parent.parent


def publish(out: Path, stage: Path, new: Manifest, old: Manifest, changed: set[str]) -> dict[str, int]:
    """Move the staged outputs into ``out``; see the module docstring for the two strategies."""
    removed = sorted(set(old.files) - set(new.files))
    stats = {"written": len(changed), "removed": len(removed), "kept": len(new.files) - len(changed)}
    out_exists = out.is_dir()
    mostly_changed = len(changed) > FULL_SWAP_SHARE * max(1, len(new.files))
    if not out_exists or (mostly_changed and len(old.files) <= FULL_SWAP_MAX_FILES):
        for rel in sorted(set(new.files) - changed):
            _link_or_copy(out / rel, stage / rel)
        (stage / MANIFEST).write_text(new.dumps(), encoding="utf-8")
        if out_exists:
            old_tree = out.parent / f".{out.name}.old-{os.getpid()}"
            os.rename(out, old_tree)
            os.rename(stage, out)
            shutil.rmtree(old_tree, ignore_errors=True)
        else:
            os.rename(stage, out)
        return stats
    for rel in sorted(changed):
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(stage / rel, target)
    for rel in removed:
        target = out / rel
        try:
            target.unlink()
        except FileNotFoundError:
            pass
        _remove_empty_parents(target, out)
    tmp = stage / MANIFEST
    tmp.write_text(new.dumps(), encoding="utf-8")
    os.replace(tmp, out / MANIFEST)
    shutil.rmtree(stage, ignore_errors=True)
    return stats
