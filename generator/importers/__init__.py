"""Peer-source importers, one module per source kind, sharing their plumbing in ``common``.

Each module names the files it reads (``READS``: paths in the source's repository, so a sync
fetches only those) and has an import function ``(checkout, dest, cards, commit, repository,
license)`` that writes into ``dest`` (laid out like the repository) and returns a report with
``lines()``, ``unmapped`` and ``counts()``.
"""

from __future__ import annotations

import importlib
from typing import Callable

# SourcePin.kind -> "module:import function"; modules are imported when needed
IMPORTERS = {"vision-ai-checkup": "vision_ai_checkup:import_vision_ai_checkup", "vlm-exam": "vlm_exam:import_vlm_exam"}


def _module(kind: str):
    return importlib.import_module(f"{__name__}.{IMPORTERS[kind].split(':')[0]}")


def import_function(kind: str) -> Callable:
    return getattr(_module(kind), IMPORTERS[kind].split(":")[1])


def reads(kind: str) -> tuple[str, ...]:
    """The paths of the source's repository its importer reads."""
    return _module(kind).READS
