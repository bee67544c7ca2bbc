"""Run files: where records go, how they are appended durably, the cache key that says
whether a prompt needs running again, and the lock that keeps two runs of the same model on
the same suite from answering the same prompts at once.

Every invocation writes its own file, so a file has exactly one writer: shards on different
machines and a resumed run never touch each other's lines, and the reader's union of all files
needs no merge step. A record is written, flushed and fsynced as soon as it exists, so a kill
loses at most the line being written — a torn last line, which readers skip and the next run
re-runs.
"""

from __future__ import annotations

import fcntl
import os
import re
import secrets
import socket
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any, Iterable

from pydantic import ValidationError

from ..catalog.hashing import canonical_json
from ..catalog.loader import RUN_DIR
from ..catalog.schemas import RunRecord

# (model, model_revision, adapter, adapter_version, params as canonical JSON, prompt_sha256, repeat)
CacheKey = tuple[str, "str | None", str, str, str, str, int]


def cache_key(model: str, model_revision: str | None, adapter: str, adapter_version: str,
              params: dict[str, Any], prompt_sha256: str, repeat: int = 0) -> CacheKey:
    """A repeated run's pass is part of the key (a single run is pass 0), so pass 2 of 3 is
    not taken as already answered by pass 0."""
    return (model, model_revision, adapter, adapter_version, canonical_json(params), prompt_sha256, repeat)


def record_key(record: RunRecord) -> CacheKey:
    return cache_key(record.model, record.model_revision, record.adapter, record.adapter_version,
                     record.params, record.prompt_sha256, record.repeat or 0)


def answered_keys(records: Iterable[RunRecord]) -> set[CacheKey]:
    """Keys that need no re-run: measured records without an error (errored prompts are retried)."""
    return {record_key(r) for r in records if r.measured and r.error is None}


def run_folder(root: Path, suite: str, model: str) -> Path:
    return Path(root) / RUN_DIR / suite / model


def folder_records(folder: Path) -> list[RunRecord]:
    """The records in a run folder as they are now (read again once the lock is held, since a run
    that finished after the catalog was loaded may have answered prompts). Torn and invalid lines
    are skipped: `leaderboard validate` reports the invalid ones."""
    records = []
    for path in sorted(folder.glob("*.jsonl")):
        with path.open("rb") as handle:
            for raw in handle:
                if raw.endswith(b"\n"):
                    try:
                        records.append(RunRecord.model_validate_json(raw))
                    except ValidationError:
                        continue
    return records


def utc_now() -> str:
    """ISO 8601 UTC with milliseconds and a Z: one fixed format, so string order is time order."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def host_name() -> str:
    return re.sub(r"[^a-z0-9]+", "-", socket.gethostname().lower()).strip("-")[:40] or "host"


def new_run_id(shard: tuple[int, int] | None = None, repeat: int | None = None) -> str:
    """UTC time + host + shard + repeat + random suffix: unique per pass, sortable by start time."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    part = f"-shard{shard[0]}of{shard[1]}" if shard else ""
    part += f"-repeat{repeat}" if repeat is not None else ""
    return f"{stamp}-{host_name()}{part}-{secrets.token_hex(3)}"


class RunLocked(RuntimeError):
    """Another run of the same model on the same suite (and overlapping prompts) is under way."""


class RunLock:
    """Held for a whole invocation, so two runs of one model on one suite never both answer a
    prompt (two at once wrote 46 records for 23 prompts). A whole-suite run takes the folder's
    lock exclusively; shard i/n takes it shared plus an exclusive lock of its own, so the shards
    of one array run side by side while a second copy of any of them is refused.

    `flock` locks vanish with their process, so a killed run never leaves the folder locked;
    the lock files are removed on release (a killed run's files are harmless and reused). The
    holder writes who it is into a file of its own (`.run.lock.all` or `.run.lock.shardIofN`), and a
    refused run prints what the files still locked say (a killed run's leftover names nobody)."""

    def __init__(self, folder: Path, shard: tuple[int, int] | None, description: str):
        self.folder = Path(folder)
        self.main = self.folder / ".run.lock"
        self.own = self.folder / (".run.lock.all" if shard is None else f".run.lock.shard{shard[0]}of{shard[1]}")
        self.mode = fcntl.LOCK_EX if shard is None else fcntl.LOCK_SH  # on the folder's lock
        self.description = description
        self._held: list[tuple[Path, int]] = []
        self._created: list[Path] = []  # folders made for the lock, removed again if no record came

    def __enter__(self) -> "RunLock":
        missing = [folder for folder in (self.folder, *self.folder.parents) if not folder.exists()]
        self.folder.mkdir(parents=True, exist_ok=True)
        self._created = missing  # deepest first
        try:
            self._take(self.main, self.mode)
            self._take(self.own, fcntl.LOCK_EX)
        except BaseException:
            self.release()
            raise
        os.ftruncate(self._held[-1][1], 0)
        os.write(self._held[-1][1], f"{self.description}\n".encode("utf-8"))
        return self

    def _take(self, path: Path, mode: int) -> None:
        """Lock the file now at `path`. A holder that is finishing removes its file while it still
        holds it, so a refusal is given only after a few tries 50 ms apart, and a file that was
        unlinked between our open and our lock is not the lock any more: tried again."""
        for attempt in range(20):
            try:
                fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
            except FileNotFoundError:  # a run with nothing to do just removed the folder it had made
                path.parent.mkdir(parents=True, exist_ok=True)
                continue
            try:
                fcntl.flock(fd, mode | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                if attempt >= 3 and path.exists():
                    raise RunLocked(self._refusal()) from None
                time.sleep(0.05)
                continue
            try:
                if os.stat(path).st_ino == os.fstat(fd).st_ino:
                    self._held.append((path, fd))
                    return
            except FileNotFoundError:
                pass
            os.close(fd)
            time.sleep(0.01)
        raise RunLocked(self._refusal())

    def _refusal(self) -> str:
        holders = []
        for path in sorted(self.folder.glob(".run.lock.*")):
            try:
                if _held_by_someone(path):
                    holders.append(path.read_text(encoding="utf-8", errors="replace").strip())
            except OSError:
                continue
        who = "; ".join(holders) or "another process (it has not said who it is yet)"
        return (f"another run of this model on this suite is under way in {self.folder}: {who}. "
                f"Wait for it to finish, or run a different --shard")

    def release(self) -> None:
        """Own lock first: its file goes while it is still held. The folder's shared lock file is
        removed only by its last holder (the upgrade to exclusive succeeds only then)."""
        for path, fd in reversed(self._held):
            try:
                if path == self.own or _upgrade(fd):
                    path.unlink(missing_ok=True)
            finally:
                os.close(fd)
        self._held = []
        for folder in self._created:
            try:
                folder.rmdir()  # only if empty: a run with nothing to do leaves no trace
            except OSError:
                break

    def __exit__(self, *exc: object) -> None:
        self.release()


def _held_by_someone(path: Path) -> bool:
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        return False
    except BlockingIOError:
        return True
    finally:
        os.close(fd)


def _upgrade(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False


def holder_description(command: str) -> str:
    """Who holds a lock: shown to a run that is refused."""
    return f"pid {os.getpid()} on {socket.gethostname()}, since {utc_now()} ({command})"


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
