"""Run files: where records go, how they are appended durably, and the cache key that says
whether a prompt needs running again.

Every invocation writes its own file, so a file has exactly one writer: shards on different
machines and a resumed run never touch each other's lines, and the reader's union of all files
needs no merge step. A record is written, flushed and fsynced as soon as it exists, so a kill
loses at most the line being written — a torn last line, which readers skip and the next run
re-runs.
"""

from __future__ import annotations

import os
import re
import secrets
import socket
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any, Iterable

from ..catalog.hashing import canonical_json
from ..catalog.loader import RUN_DIR
from ..catalog.schemas import RunRecord

# (model, model_revision, adapter, adapter_version, params as canonical JSON, prompt_sha256)
CacheKey = tuple[str, "str | None", str, str, str, str]


def cache_key(model: str, model_revision: str | None, adapter: str, adapter_version: str,
              params: dict[str, Any], prompt_sha256: str) -> CacheKey:
    return (model, model_revision, adapter, adapter_version, canonical_json(params), prompt_sha256)


def record_key(record: RunRecord) -> CacheKey:
    return cache_key(record.model, record.model_revision, record.adapter, record.adapter_version,
                     record.params, record.prompt_sha256)


def answered_keys(records: Iterable[RunRecord]) -> set[CacheKey]:
    """Keys that need no re-run: measured records without an error (errored prompts are retried)."""
    return {record_key(r) for r in records if r.measured and r.error is None}


def records_of(runs: Iterable[RunRecord], suite: str, model: str) -> list[RunRecord]:
    """The existing records of one (suite, model): every file of that folder, torn lines skipped
    (the catalog loader reads them; this only picks the pair)."""
    return [r for r in runs if r.suite == suite and r.model == model]


def run_folder(root: Path, suite: str, model: str) -> Path:
    return Path(root) / RUN_DIR / suite / model


def utc_now() -> str:
    """ISO 8601 UTC with milliseconds and a Z: one fixed format, so string order is time order."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def new_run_id(shard: tuple[int, int] | None = None) -> str:
    """UTC time + host + shard + random suffix: unique per invocation, sortable by start time."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    host = re.sub(r"[^a-z0-9]+", "-", socket.gethostname().lower()).strip("-")[:40] or "host"
    part = f"-shard{shard[0]}of{shard[1]}" if shard else ""
    return f"{stamp}-{host}{part}-{secrets.token_hex(3)}"


class RunWriter:
    """Appends records to one run file, each durable on disk before ``append`` returns.

    The file is created on the first record, so an invocation with nothing to do leaves none."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._file: IO[str] | None = None

    def append(self, records: list[RunRecord]) -> None:
        """Write the records' lines, then flush and fsync once: several answers that arrived
        together cost one disk sync, and none is reported before it is on disk."""
        if not records:
            return
        text = "".join(record.model_dump_json() + "\n" for record in records)  # validated when built
        if self._file is None:
            self._file = self._create()
        self._file.write(text)
        self._file.flush()
        os.fsync(self._file.fileno())

    def _create(self) -> IO[str]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("x", encoding="utf-8")
        folder = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(folder)  # the new file's directory entry survives a power cut too
        finally:
            os.close(folder)
        return handle

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def __enter__(self) -> "RunWriter":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
