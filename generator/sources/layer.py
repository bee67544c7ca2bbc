"""The build-time layer: every synced pinned source imported into ``<root>/.cache/layer``, which
``load_catalog`` reads beside the repository's own files (catalog/loader.py ``load_layer``).

The layer is laid out like the repository (``evals/suites``, ``evals/runs``) plus
``aggregates/<benchmark>.jsonl`` and ``sources.json`` (each pinned source: imported, or missing or
failed with the reason). It is derived data: rebuilt whenever its inputs change — the pins, which
pinned commits are in the cache, the cards (models map to cards through their names) and the code
it runs (catalog, grading, importers, sources) — and otherwise left as it is, which ``.key`` records. It is written into a staging
folder and swapped in whole, so a failed import never leaves half a layer.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .paths import LAYER_SOURCES, cache_dir, checkout_dir, failure_note, layer_dir

CODE_DIR = Path(__file__).resolve().parents[1]  # the generator package
LAYER_CODE = ("catalog", "grading", "importers", "sources")  # grading: the importer picks each prompt's grader
KEY_FILE = ".key"
PINS_FILE = ".pins"  # see _pins


def _inside(root: Path, path: Path) -> bool:
    """A catalog file that a symlink leads out of the project is never read (load_catalog reports it)."""
    return path.resolve().is_relative_to(root.resolve())


def _pins(root: Path) -> tuple[dict, list]:
    """The `sources:` of site.yaml as plain data (no validation: load_catalog reports problems), and
    the record that lets the next build skip reading them: site.yaml's sha256 and the pins.

    YAML spells a key either as written or, in a double-quoted scalar, with escapes: a site.yaml
    with neither the word `sources` nor a backslash pins nothing. A site.yaml that the layer's
    ``PINS_FILE`` has seen is not parsed again. Either way no PyYAML (13 ms to import, 6 ms to
    parse): a rebuild with nothing changed takes well under 0.1 s."""
    path = root / "site.yaml"
    text = _read(path) if path.is_file() and _inside(root, path) else ""
    if "sources" not in text and "\\" not in text:
        return {}, []
    record = {"site.yaml": hashlib.sha256(text.encode()).hexdigest()}
    try:
        seen = json.loads(_read(layer_dir(root) / PINS_FILE))
        if seen["site.yaml"] == record["site.yaml"] and isinstance(seen["pins"], list):
            return seen, seen["pins"]
    except (ValueError, KeyError, TypeError):
        pass
    import yaml

    try:
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError:
        data = None
    pins = data.get("sources") if isinstance(data, dict) else None
    # As JSON holds them (a YAML date becomes its text), so that the record gives back the same pins.
    record["pins"] = json.loads(json.dumps(pins if isinstance(pins, list) else [], default=str))
    return record, record["pins"]


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""


def _hash_files(h, files: list[Path], base: Path) -> None:
    for path in sorted(files):
        rel = path.relative_to(base).as_posix().encode()
        h.update(len(rel).to_bytes(8, "big") + rel + hashlib.sha256(path.read_bytes()).digest())


def layer_key(root: Path, cache: Path, pins: list | None = None) -> str:
    """What the layer is derived from; equal keys mean an equal layer (see the module docstring).
    ``pins``: site.yaml's, when the caller has read them already."""
    pins = _pins(root)[1] if pins is None else pins
    h = hashlib.sha256(json.dumps(pins, sort_keys=True, default=str).encode())
    for pin in pins:
        if isinstance(pin, dict):
            where = (cache, str(pin.get("repository")), str(pin.get("commit")))
            synced = checkout_dir(*where).is_dir()
            h.update(b"synced" if synced else b"absent:" + _read(failure_note(*where)).encode())
    _hash_files(h, [p for p in (root / "model_cards").glob("*.yaml") if p.is_file() and _inside(root, p)],
                root)  # loader.CARD_DIR
    _hash_files(h, [p for d in LAYER_CODE for p in (CODE_DIR / d).glob("*.py")], CODE_DIR)
    return h.hexdigest()


@dataclass
class Imported:
    """One pinned source after the import: its status for sources.json and the full report."""

    status: object  # LayerSource (imported lazily: a layer that is up to date loads no pydantic)
    lines: list[str]
    unmapped: list  # UnmappedModel


def import_source(pin, checkout: Path | None, dest: Path, cards: dict, unsynced: str = "") -> Imported:
    """Import one pinned source's checkout into ``dest``; None: not synced (``unsynced``: why the
    last sync could not fetch it)."""
    from ..catalog.schemas import LayerSource
    from ..importers import import_function
    from ..importers.common import ImportProblem

    base = dict(kind=pin.kind, repository=pin.repository, commit=pin.commit, license=pin.license)
    if checkout is None:
        reason = f"could not be fetched ({unsynced})" if unsynced else "not synced (run `leaderboard sources sync`)"
        return Imported(LayerSource(**base, status="missing", reason=reason), [reason], [])
    try:
        report = import_function(pin.kind)(checkout, dest, cards, commit=pin.commit, repository=pin.repository,
                                           license=pin.license)
    except (ImportProblem, OSError, ValueError) as e:  # ValueError: a peer's value our schemas refuse
        reason = str(e).replace(f"{checkout}/", "")  # paths in the source's repository, not on this machine
        return Imported(LayerSource(**base, status="failed", reason=reason), [f"import failed: {reason}"], [])
    status = LayerSource(**base, status="imported", unmapped=[m.name for m in report.unmapped], **report.counts())
    return Imported(status, report.lines(), report.unmapped)


def import_all(root: Path, dest: Path, cache: Path) -> list[Imported] | None:
    """Import every pinned source into ``dest``; None when the catalog's settings or cards have
    problems (load_catalog reports them; nothing can be mapped meanwhile)."""
    from ..catalog.errors import Problem
    from ..catalog.loader import load_cards, load_site

    problems: list[Problem] = []
    site = load_site(root, problems)
    cards, _ = load_cards(root, problems)
    if problems:
        return None
    imported = []
    for pin in site.sources:
        path = checkout_dir(cache, pin.repository, pin.commit)
        unsynced = _read(failure_note(cache, pin.repository, pin.commit)).strip()
        imported.append(import_source(pin, path if path.is_dir() else None, dest, cards, unsynced))
    return imported


def write_layer(root: Path, cache: Path | None = None, force: bool = False) -> list[Imported] | None:
    """Rebuild the layer if its inputs changed (or ``force``); return what each source brought,
    or None when nothing was imported (up to date, nothing pinned, or catalog problems)."""
    root = Path(root)
    cache = cache_dir(root, cache)
    layer = layer_dir(root)
    record, pins = _pins(root)
    if not pins:
        shutil.rmtree(layer, ignore_errors=True)  # a source un-pinned leaves nothing behind
        return None
    key = layer_key(root, cache, pins)
    seen = json.dumps(record)
    if not force and (layer / KEY_FILE).is_file() and (layer / KEY_FILE).read_text() == key:
        if _read(layer / PINS_FILE) != seen:
            (layer / PINS_FILE).write_text(seen, encoding="utf-8")
        return None
    stage = layer.parent / f".layer-staging-{os.getpid()}"
    shutil.rmtree(stage, ignore_errors=True)
    stage.mkdir(parents=True)
    try:
        imported = import_all(root, stage, cache)
        if imported is None:
            shutil.rmtree(stage)
            return None
        (stage / LAYER_SOURCES).write_text(json.dumps([i.status.model_dump(mode="json") for i in imported], indent=1)
                                           + "\n", encoding="utf-8")
        (stage / KEY_FILE).write_text(key)
        (stage / PINS_FILE).write_text(seen, encoding="utf-8")
        old = layer.parent / f".layer-old-{os.getpid()}"
        if layer.exists():
            layer.rename(old)
        stage.rename(layer)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    return imported


def refresh_layer(root: Path, log: Callable[[str], None] = lambda message: None) -> None:
    """The build's step before loading the catalog: bring the layer up to date, one log line per source."""
    imported = write_layer(root)
    for item in imported or []:
        s = item.status
        what = (f"{s.records} answers" if s.kind == "vision-ai-checkup" else f"{s.aggregates} figures")
        detail = (f"{what} of {len(s.models)} models, {len(s.unmapped)} unmapped, {s.skipped} skipped"
                  if s.status == "imported" else s.reason)
        log(f"source {s.kind} {s.repository}@{s.commit[:12]}: {s.status}: {detail}")


def built_key(root: Path) -> str | None:
    """The key of the layer as built (for the site build's fingerprint), None without a layer."""
    path = layer_dir(root) / KEY_FILE
    return path.read_text() if path.is_file() else None
