"""Which records are graded: the newest one per (suite, source, model, prompt).

``rescore`` and the judge both grade every source's answers: our measured runs and each imported
peer's published answers. A measured and an imported answer to the same prompt are two answers,
never one, so neither hides the other.
"""

from __future__ import annotations

from ..catalog.schemas import RunRecord

MEASURED = "measured"
RecordKey = tuple[str, str, str, str]  # (suite, source, model, prompt id)


def record_source(record: RunRecord) -> str:
    """``measured``, or the repository an imported record comes from (not its commit: re-pinning a
    source is exactly when its verdicts should be compared with the reviewed ones)."""
    return MEASURED if record.source == MEASURED else record.source.repository


def newest_per_source(records: list[RunRecord]) -> dict[RecordKey, RunRecord]:
    """The reader's union per source: the newest record (ties by run id) per key, sorted by key."""
    newest: dict[RecordKey, RunRecord] = {}
    for record in sorted(records, key=lambda r: (r.started_at, r.run_id)):
        newest[(record.suite, record_source(record), record.model, record.prompt_id)] = record
    return dict(sorted(newest.items()))
