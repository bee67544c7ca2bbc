"""`leaderboard sources sync`: fetch each pinned commit into the cache, verify it, keep it.

The cache (paths.py: ``<root>/.cache/sources``, or ``$VL_SOURCES_CACHE``) holds one work tree per pinned
commit: ``<owner>+<name>/<commit>/``. A folder exists only once its commit has been fetched and
checked (git's own ``rev-parse HEAD`` equals the pin), so its presence is the proof: a second
sync is a no-op, and a killed fetch leaves only a ``.partial-*`` folder that the next sync
removes. Fetching is ``git init`` + ``git fetch --depth 1 --filter=blob:none <url> <commit>`` + a
sparse checkout of exactly that commit holding only the paths its importer reads (``READS``: a
benchmark repository may carry gigabytes of datasets the import never opens). The URL is
``<base>/<owner>/<name>`` with the base ``https://github.com`` or ``$VL_SOURCES_URL`` (a local
folder or ``file://`` URL in tests and mirrors). Offline, each source that cannot be fetched gets
one line saying so and the build goes on without it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from typing import TYPE_CHECKING

from ..importers import reads
from .paths import checkout_dir, failure_note

if TYPE_CHECKING:
    from ..catalog.schemas import SourcePin

URL_ENV = "VL_SOURCES_URL"
DEFAULT_URL = "https://github.com"
FETCH_TIMEOUT_S = 600


def source_url(pin: SourcePin, base: str | None = None) -> str:
    base = (base or os.environ.get(URL_ENV) or DEFAULT_URL).rstrip("/")
    if "://" not in base:  # a local folder of mirrors: git needs file:// for a shallow fetch
        base = Path(base).resolve().as_uri()
    return f"{base}/{pin.repository}"


@dataclass(frozen=True)
class SyncResult:
    pin: SourcePin
    status: str  # "cached", "fetched" or "unavailable"
    path: Path | None
    reason: str = ""

    def line(self) -> str:
        name = f"{self.pin.kind} {self.pin.repository}@{self.pin.commit[:12]}"
        if self.status == "unavailable":
            return f"{name}: could not be fetched ({self.reason}); the site is built without it"
        return f"{name}: {self.status} -> {self.path}"


def _git(args: list[str], cwd: Path) -> str:
    env = dict(os.environ, GIT_TERMINAL_PROMPT="0", GIT_ASKPASS="true")
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=FETCH_TIMEOUT_S, env=env)
    if done.returncode:
        lines = [line.strip() for line in (done.stderr or done.stdout).splitlines() if line.strip()]
        said = [line for line in lines if line.startswith(("fatal:", "error:"))] or lines  # not the advice after it
        raise RuntimeError(said[0] if said else f"git {args[0]} failed")
    return done.stdout.strip()


def fetch(pin: SourcePin, cache: Path, url_base: str | None = None) -> SyncResult:
    """Fetch one pinned commit into the cache (see the module docstring)."""
    target = checkout_dir(cache, pin.repository, pin.commit)
    if target.is_dir():
        return SyncResult(pin, "cached", target)
    target.parent.mkdir(parents=True, exist_ok=True)
    for stale in target.parent.glob(f".partial-{pin.commit}-*"):
        shutil.rmtree(stale, ignore_errors=True)
    partial = target.parent / f".partial-{pin.commit}-{os.getpid()}"
    partial.mkdir()
    try:
        _git(["init", "-q"], partial)
        _git(["remote", "add", "origin", source_url(pin, url_base)], partial)
        # Only the files the importer reads: a blob-less fetch of the commit, then a sparse checkout
        # (a server that cannot filter sends everything, and the checkout is still sparse).
        _git(["fetch", "-q", "--depth", "1", "--filter=blob:none", "origin", pin.commit], partial)
        _git(["config", "core.sparseCheckout", "true"], partial)
        (partial / ".git" / "info").mkdir(exist_ok=True)
        (partial / ".git" / "info" / "sparse-checkout").write_text("".join(f"/{p}\n" for p in reads(pin.kind)))
        _git(["-c", "advice.detachedHead=false", "checkout", "-q", pin.commit], partial)
        got = _git(["rev-parse", "HEAD"], partial)
        if got != pin.commit:
            raise RuntimeError(f"fetched {got}, not the pinned commit")
        partial.rename(target)
    except (OSError, RuntimeError, subprocess.TimeoutExpired) as e:
        shutil.rmtree(partial, ignore_errors=True)
        reason = "timed out" if isinstance(e, subprocess.TimeoutExpired) else str(e) or type(e).__name__
        failure_note(cache, pin.repository, pin.commit).write_text(reason, encoding="utf-8")
        return SyncResult(pin, "unavailable", None, reason)
    failure_note(cache, pin.repository, pin.commit).unlink(missing_ok=True)
    return SyncResult(pin, "fetched", target)


def sync(pins: list[SourcePin], cache: Path, url_base: str | None = None) -> list[SyncResult]:
    return [fetch(pin, cache, url_base) for pin in pins]
