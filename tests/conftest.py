"""Shared test plumbing: where the repository and the third-party fixtures are, and what a test
does when something it needs is not here.

A test that needs a Debian binary (tesseract, chromium), an optional Python package or the
third-party files in ``../shared/external`` (never committed) calls one ``require_*`` helper
itself, at its start: it is skipped with the reason on a machine without it (a fresh clone), and
fails where ``VL_REQUIRE_ALL=1`` (CI) says everything must run. Never module-wide: a file's other
tests still run.
"""

from __future__ import annotations

import importlib
import os
import shutil
import sys
from pathlib import Path
from types import ModuleType
from typing import NoReturn

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_EXTERNAL = REPO_ROOT.parent / "shared" / "external"
CHROMIUM = "chromium"
sys.path.insert(0, str(REPO_ROOT))  # bench/ and scripts/ are not installed packages; tests import from them


def missing(reason: str) -> NoReturn:
    """Skip with ``reason``, or fail with it under VL_REQUIRE_ALL."""
    if os.environ.get("VL_REQUIRE_ALL"):
        pytest.fail(f"{reason} (VL_REQUIRE_ALL is set, so nothing may be skipped)", pytrace=False)
    pytest.skip(reason)


def require_binary(name: str) -> str:
    """The path of a Debian program the test runs."""
    path = shutil.which(name)
    if path is None:
        missing(f"{name} is not installed (Debian package; .ci/run installs it)")
    return path


def require_module(name: str) -> ModuleType:
    """An optional package the test imports (pytest.importorskip, but failing in CI)."""
    try:
        return importlib.import_module(name)
    except ImportError as e:
        missing(f"{name} cannot be imported ({e}); pip install -e '.[test]' installs it")


def require_browser() -> str:
    """The chromium executable for Playwright, once both are here."""
    executable = require_binary(CHROMIUM)
    require_module("playwright.sync_api")
    return executable


def require_shared(*parts: str) -> Path:
    """A path under ../shared/external: third-party files read in place, never committed, so absent
    from a fresh clone."""
    path = SHARED_EXTERNAL.joinpath(*parts)
    if not path.exists():
        missing(f"third-party fixture {path} is not here (it lives beside the repository, never in it)")
    return path


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture()
def vac_checkout() -> Path:
    """The shared Vision AI Checkup fixture (read in place, never copied into the project)."""
    return require_shared("vision-ai-checkup")
