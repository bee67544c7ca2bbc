"""Judge verdicts for pages (``grading/judgements.py`` reads them): shown beside the strict
verdict of the answer they judged, never instead of it, and part of each prompt page's digest so
a new judgement re-renders the page."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..catalog.schemas import RunRecord
from ..grading.judgements import Judgements, judgements_for, read_judgements

if TYPE_CHECKING:
    from .view import SiteData

_MEMO = "judgements"
_BY_PROMPT = "judgements-by-prompt"


def _judgements(site: SiteData) -> Judgements:
    if _MEMO not in site.cache:
        site.cache[_MEMO] = read_judgements(site.catalog.root)
    return site.cache[_MEMO]


def judged(site: SiteData, record: RunRecord | None) -> list[dict]:
    """Every judge's verdict on this record's current output: judge, passed (None: unclear), reason."""
    if record is None:
        return []
    return [{"judge": j.judge, "passed": j.passed, "verdict": j.verdict, "reason": j.reason}
            for j in judgements_for(record, _judgements(site))]


def prompt_judgements(site: SiteData, suite_id: str, prompt_id: str) -> str:
    """The judgements that apply to this prompt's answers, as text for the page's digest ("" when
    no judge has run, which is the usual case)."""
    if not _judgements(site):
        return ""
    if _BY_PROMPT not in site.cache:
        by_prompt: dict[tuple[str, str], list[str]] = {}
        for (suite, _, _, prompt), record in site.results.records.items():
            found = judged(site, record)
            if found:
                by_prompt.setdefault((suite, prompt), []).append(repr((record.model, record.run_id, found)))
        site.cache[_BY_PROMPT] = by_prompt
    return "\n".join(sorted(site.cache[_BY_PROMPT].get((suite_id, prompt_id), [])))
