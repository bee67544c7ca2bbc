"""The home page: one ranking per suite that has results, then one per peer benchmark figure and
per reported benchmark, each its own table, so no ranking ever mixes figures from different suites.

In a suite's ranking, runs covering at least the site's coverage rule are ranked (by pass rate,
then by the lower end of the interval); partial runs follow, unranked and marked. Peer aggregates
(vlm-exam) rank only against rows of the same benchmark, task, metric and effort, with the mean,
its min–max over repeated runs and strict and judge accuracy side by side. A reported benchmark
gets a ranking when at least two cards report the same metric in the same setting. Sections with
nothing to show are left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..catalog.schemas import ImportedAggregate, ImportedSource
from ..catalog.vocab import TASK_NAMES, TASKS
from . import charts
from .paths import model_link, pair_link
from .render import seconds, usd
from .view import ModelView, SiteData, SuiteView, repo_url

OTHER_SUITE_ROWS = 15  # rows of a non-featured suite's ranking on the home page; the suite page has all


@dataclass
class SuiteRanking:
    suite: SuiteView
    rows: list[dict]  # view, result, rank (None for partial runs), cats
    featured: bool
    total: int  # models with results, shown or not

    @property
    def ranked(self) -> int:
        return sum(1 for r in self.rows if r["rank"] is not None)


@dataclass
class PeerRanking:
    """One peer benchmark's figures for one task, metric and effort, best first."""

    benchmark: str
    task: str
    task_name: str
    metric: str
    effort: str | None
    source: ImportedSource
    rows: list[dict] = field(default_factory=list)  # view, figure (ImportedAggregate)

    @property
    def source_url(self) -> str | None:
        return repo_url(self.source.repository)

    @property
    def judged(self) -> bool:
        return any(r["figure"].judge_accuracy is not None or r["figure"].strict_accuracy is not None for r in self.rows)


@dataclass
class ReportedRanking:
    benchmark: str
    metric: str
    setting: str | None
    lower_is_better: bool
    rows: list[dict] = field(default_factory=list)  # view, figure (Reported)


def suite_ranking(site: SiteData, suite: SuiteView, featured: bool) -> SuiteRanking:
    found = [(view, view.best(suite.id)) for view in site.models.values()]
    found = [(v, r) for v, r in found if r is not None and r.overall.get("rate") is not None]
    found.sort(key=lambda vr: (not vr[1].show_efficiency, -vr[1].overall["rate"], -vr[1].overall["lo"],
                               vr[0].name.casefold()))
    rows, rank = [], 0
    for view, result in found:
        if result.show_efficiency:
            rank += 1
        rows.append({"view": view, "result": result, "rank": rank if result.show_efficiency else None,
                     "cats": [result.categories.get(c.id) for c in suite.suite.categories]})
    return SuiteRanking(suite, rows if featured else rows[:OTHER_SUITE_ROWS], featured, len(rows))


def peer_rankings(aggregates: list[ImportedAggregate], models: dict[str, ModelView]) -> list[PeerRanking]:
    groups: dict[tuple, PeerRanking] = {}
    for a in aggregates:
        if a.model not in models:
            continue
        key = (a.benchmark, a.task, a.metric, a.effort or "")
        ranking = groups.setdefault(key, PeerRanking(a.benchmark, a.task, a.task_name or TASK_NAMES.get(a.task, a.task),
                                                     a.metric_label or a.metric, a.effort, a.source))
        ranking.rows.append({"view": models[a.model], "figure": a})
    for ranking in groups.values():
        ranking.rows.sort(key=lambda r: (-r["figure"].value, r["view"].name.casefold()))
    return [groups[k] for k in sorted(groups, key=lambda k: (k[0].casefold(), k[1], k[2], k[3]))]


def reported_rankings(models: dict[str, ModelView]) -> list[ReportedRanking]:
    groups: dict[tuple, ReportedRanking] = {}
    for view in models.values():
        seen = set()
        for rep in view.card.reported:
            key = (rep.benchmark, rep.metric, rep.setting or "", rep.unit, rep.lower_is_better)
            if key in seen:
                continue  # a card's first figure per benchmark and metric
            seen.add(key)
            ranking = groups.setdefault(key, ReportedRanking(rep.benchmark, rep.metric, rep.setting, rep.lower_is_better))
            ranking.rows.append({"view": view, "figure": rep})
    out = []
    for key in sorted(groups, key=lambda k: (k[0].casefold(), k[1].casefold(), k[2])):
        ranking = groups[key]
        if len(ranking.rows) < 2:
            continue  # one figure ranks nothing; it is on the model's page
        sign = 1 if ranking.lower_is_better else -1
        ranking.rows.sort(key=lambda r: (sign * r["figure"].value, r["view"].name.casefold()))
        out.append(ranking)
    return out


def next_run_command(site: SiteData, view: ModelView, preferred: str | None = None) -> str | None:
    """The runnable command that would measure something new: the preferred (else the primary) suite if it
    is runnable and unmeasured, else the first such suite; None when nothing is left that can run."""
    relevant = [s for s in site.relevant_suites(view) if not view.results.get(s)]
    if not relevant:
        return None
    preferred = preferred or site.primary
    return site.run_command(view.id, preferred if preferred in relevant else relevant[0])


def _chart_points(site: SiteData, suite_id: str, key: str) -> list[charts.Point]:
    points = []
    for model_id in site.ranking:
        view = site.models[model_id]
        best = view.best(suite_id)
        if best is None or best.overall.get("rate") is None:
            continue
        x = best.efficiency(key)
        if x is None or x <= 0:
            continue
        o = best.overall
        points.append(charts.Point(view.id, view.name, x, o["rate"], o["lo"], o["hi"],
                                   model_link(view.id) + "index.html", view.card.access))
    return points


def _flagship(site: SiteData) -> dict | None:
    if not site.flagship:
        return None
    a, b = (site.models.get(m) for m in site.flagship)
    if a is None or b is None:
        return None
    return {"a": a, "b": b, "link": pair_link(a.id, b.id)}


def ctx_leaderboard(site: SiteData) -> dict:
    featured = set(site.config.featured_suites) or {site.primary}
    rankings = [suite_ranking(site, suite, suite.id in featured) for suite in site.suites.values()]
    rankings = [r for r in rankings if r.rows]
    # featured suites first (in site.yaml's order), then the others by how many models they rank
    rankings.sort(key=lambda r: (not r.featured, 0 if r.featured else -r.ranked, 0 if r.featured else -r.total,
                                 r.suite.name.casefold()))
    lead = rankings[0].suite.id if rankings else None
    cost_points = _chart_points(site, lead, "cost_per_task") if lead else []
    latency_points = _chart_points(site, lead, "latency_median") if lead else []
    unmeasured = [{"view": v, "command": c} for v in sorted(site.models.values(), key=lambda v: v.name.casefold())
                  if not v.results and (c := next_run_command(site, v))]
    return {
        "title": site.title, "rankings": rankings, "lead": rankings[0] if rankings else None,
        "peer": peer_rankings(site.catalog.aggregates, site.models), "reported": reported_rankings(site.models),
        "unmeasured": unmeasured, "suite_count": len(site.suites),
        "cost_chart": charts.scatter(cost_points, title="Pass rate against estimated cost per task",
                                     x_label="Estimated cost per task (USD)", x_format=usd, chart_id="cost"),
        "latency_chart": charts.scatter(latency_points, title="Pass rate against median response time",
                                        x_label="Median response time", x_format=seconds, chart_id="latency"),
        "cost_points": len(cost_points), "latency_points": len(latency_points),
        "tasks": [(t, TASK_NAMES[t]) for t in TASKS], "flagship": _flagship(site), "description": site.config.description,
    }


__all__ = ["PeerRanking", "ReportedRanking", "SuiteRanking", "ctx_leaderboard", "next_run_command", "peer_rankings",
           "reported_rankings", "suite_ranking"]
