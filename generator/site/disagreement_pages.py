"""Where an imported source's own verdicts and our graders disagree: one page per imported source
(``sources/<slug>/disagreements/``) listing every such answer, grouped by which way the verdicts
differ, which grader read the answer and why it decided as it did, plus the counts that suite pages and model pages show.

The graders are checked against a careful human reader (docs/grading.md), not against a source:
a disagreement is where the source's verdict is worth a second look, or ours is.
"""

from __future__ import annotations

import re
from collections import Counter

from .view import SiteData, repo_url

_MEMO = "imported-verdicts"
_TALLIES = "disagreement-tallies"


def source_slug(repository: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", repository.casefold()).strip("-") or "source"


def both_verdicts(site: SiteData) -> list[dict]:
    """Every imported answer that our grader scored and the source judged too: its graded row plus
    ``repository``, ``grader`` and ``differs``. Computed once per process."""
    if _MEMO not in site.cache:
        graders = {(s.id, p.id): p.prompt.grader.name for s in site.suites.values() for p in s.prompts
                   if p.prompt.grader}
        rows = []
        for row in site.results.graded_rows:
            if not row["scored"] or row["source_verdict"] is None or row["measured"]:
                continue
            record = site.results.records.get((row["suite"], row["model"], row["source"], row["prompt_id"]))
            if record is None or record.measured:
                continue
            rows.append({**row, "repository": record.source.repository,
                         "grader": graders.get((row["suite"], row["prompt_id"]), ""),
                         "differs": bool(row["passed"]) != bool(row["source_verdict"])})
        site.cache[_MEMO] = sorted(rows, key=lambda r: (r["repository"], r["suite"], r["prompt_id"], r["model"]))
    return site.cache[_MEMO]


def reason_kind(reason: str) -> str:
    """A grader's reason without its particulars (quoted values, numbers), so answers that failed or
    passed for the same reason group together: "expected 'forklift', got 'pallet'" -> "expected …, got …"."""
    text = re.sub(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"", "…", reason or "")
    return re.sub(r"-?\d+(?:[.,]\d+)*", "…", text).strip()


def page_keys(site: SiteData) -> list[str]:
    """One page per imported repository whose answers carry the source's own verdicts."""
    return sorted({source_slug(r["repository"]) for r in both_verdicts(site)})


def counts(site: SiteData, *, suite_id: str | None = None, model_id: str | None = None) -> list[dict]:
    """Per imported source, for one suite or one model: answers both sides graded, how many of them
    the verdicts disagree on, and the page that lists them. The tallies of every suite and every
    model are made in one pass, once per process (each model page asks for its own)."""
    if (suite_id is None) == (model_id is None):
        raise ValueError("counts: give one suite or one model")
    if _TALLIES not in site.cache:
        tallies: dict[tuple[str, str], dict[str, Counter]] = {}
        for row in both_verdicts(site):
            for key in (("suite", row["suite"]), ("model", row["model"])):
                tallies.setdefault(key, {}).setdefault(row["repository"], Counter()).update(
                    graded=1, differ=int(row["differs"]))
        site.cache[_TALLIES] = tallies
    tally = site.cache[_TALLIES].get(("suite", suite_id) if model_id is None else ("model", model_id), {})
    return [{"repository": repo, "count": c["differ"], "graded": c["graded"],
             "path": f"sources/{source_slug(repo)}/disagreements/"} for repo, c in sorted(tally.items())]


def ctx_disagreements(site: SiteData, slug: str) -> dict:
    rows = [r for r in both_verdicts(site) if source_slug(r["repository"]) == slug]
    repo = rows[0]["repository"]
    differ = [r for r in rows if r["differs"]]
    groups: dict[tuple[bool, str, str], list[dict]] = {}
    for row in differ:
        groups.setdefault((bool(row["passed"]), row["grader"], reason_kind(row["reason"])), []).append(row)
    return {"title": f"Where our grader and {repo} disagree — {site.title}", "source_repository": repo,
            "repo_link": repo_url(repo), "count": len(differ), "graded": len(rows), "models": site.models,
            "groups": [{"ours_pass": key[0], "grader": key[1], "kind": key[2], "rows": groups[key]}
                       for key in sorted(groups, key=lambda k: (not k[0], k[1], k[2]))],
            "by_model": sorted(Counter(r["model"] for r in differ).items()), "nav": "suites",
            "description": f"Every answer where {repo}'s own verdict and our grader's differ, grouped by reason."}


CONTEXTS = {"disagreements": ctx_disagreements}
TEMPLATES = {"disagreements": "disagreements.html"}
