"""Shared test plumbing: where the repository and the third-party fixtures are, and how tests
that need Debian binaries behave (skip locally, fail in CI where VL_REQUIRE_ALL=1)."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_EXTERNAL = REPO_ROOT.parent / "shared" / "external"
sys.path.insert(0, str(REPO_ROOT))  # bench/ and scripts/ are not installed packages; tests import from them


def require_binary(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        message = f"{name} is not installed (Debian package; .ci/run installs it)"
        if os.environ.get("VL_REQUIRE_ALL"):
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def vac_checkout() -> Path:
    """The shared Vision AI Checkup fixture (read in place, never copied into the project)."""
    path = SHARED_EXTERNAL / "vision-ai-checkup"
    if not path.is_dir():
        pytest.fail(f"missing shared fixture {path}")
    return path
