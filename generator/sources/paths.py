"""Where peer sources live on disk (standard library only: a build that is up to date decides so
before loading pydantic, and the catalog loader reads the layer through these names).

- the cache of fetched commits: ``<root>/.cache/sources`` or ``$VL_SOURCES_CACHE`` (shareable
  between checkouts: a commit is the same everywhere);
- the build-time layer: ``<root>/.cache/layer`` (derived from this project's cards, so per
  project), laid out like the repository plus ``aggregates/*.jsonl`` and ``sources.json``.
Both are git-ignored (``.cache/``).
"""

from __future__ import annotations

import os
from pathlib import Path

CACHE_ENV = "VL_SOURCES_CACHE"
LAYER_DIR = ".cache/layer"
AGGREGATE_DIR = "aggregates"
LAYER_SOURCES = "sources.json"


def layer_dir(root: Path) -> Path:
    return Path(root) / LAYER_DIR


def cache_dir(root: Path, override: Path | None = None) -> Path:
    if override is not None:
        return Path(override)
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    return Path(root) / ".cache" / "sources"


def checkout_dir(cache: Path, repository: str, commit: str) -> Path:
    """The work tree of a pinned commit; it exists only once fetched and verified."""
    return cache / repository.replace("/", "+") / commit


def failure_note(cache: Path, repository: str, commit: str) -> Path:
    """Why the last sync could not fetch a pinned commit (the data page says it)."""
    return cache / repository.replace("/", "+") / f"{commit}.unavailable"
