"""The leaderboard and the site-wide pages around it: search, data downloads, playground, 404 and
robots.txt. Each shows the whole catalog (or none of it), so each depends on every model."""

from __future__ import annotations

from ..catalog.vocab import TASK_NAMES, TASKS
from . import charts
from .paths import model_link, pair_link
from .render import seconds, usd
from .view import ModelView, SiteData


def _chart_points(site: SiteData, key: str) -> list[charts.Point]:
    points = []
    if site.primary is None:
        return points
    for model_id in site.ranking:
        view = site.models[model_id]
        best = view.best(site.primary)
        if best is None or best.overall.get("rate") is None:
            continue
        x = best.efficiency(key)
        if x is None or x <= 0:
            continue
        o = best.overall
        points.append(charts.Point(view.id, view.name, x, o["rate"], o["lo"], o["hi"],
                                   model_link(view.id) + "index.html", view.card.access))
    return points


def ctx_leaderboard(site: SiteData) -> dict:
    primary = site.suites.get(site.primary) if site.primary else None
    others = [s for s in site.suites.values() if primary is None or s.id != primary.id]
    rows = []
    rank = 0
    for model_id in site.ranking:
        view = site.models[model_id]
        best = view.best(primary.id) if primary else None
        full = best is not None and best.show_efficiency
        if full:
            rank += 1
        rows.append({
            "view": view, "best": best, "rank": rank if full else None,
            "cats": [best.categories.get(c.id) if best else None for c in primary.suite.categories] if primary else [],
            "others": [o.id for o in others],
            "other_results": [view.best(o.id) for o in others],
            "command": next_run_command(site, view, primary.id if primary else None),
        })
    cost_points = _chart_points(site, "cost_per_task")
    latency_points = _chart_points(site, "latency_median")
    cost_chart = charts.scatter(cost_points, title="Pass rate against estimated cost per task",
                                x_label="Estimated cost per task (USD)", x_format=usd, chart_id="cost")
    latency_chart = charts.scatter(latency_points, title="Pass rate against median response time",
                                   x_label="Median response time", x_format=seconds, chart_id="latency")
    measured = sum(1 for r in rows if r["best"] is not None)
    return {
        "title": site.title, "primary": primary, "others": others, "rows": rows,
        "cost_chart": cost_chart, "latency_chart": latency_chart,
        "cost_points": len(cost_points), "latency_points": len(latency_points),
        "measured_count": measured, "tasks": [(t, TASK_NAMES[t]) for t in TASKS],
        "flagship": _flagship(site), "description": site.config.description,
    }


def next_run_command(site: SiteData, view: ModelView, preferred: str | None = None) -> str | None:
    """The runnable command that would measure something new: the preferred (else the primary) suite if it
    is runnable and unmeasured, else the first such suite; None when nothing is left that can run."""
    relevant = [s for s in site.relevant_suites(view) if not view.results.get(s)]
    if not relevant:
        return None
    preferred = preferred or site.primary
    return site.run_command(view.id, preferred if preferred in relevant else relevant[0])


def _flagship(site: SiteData) -> dict | None:
    if not site.flagship:
        return None
    a, b = (site.models.get(m) for m in site.flagship)
    if a is None or b is None:
        return None
    return {"a": a, "b": b, "link": pair_link(a.id, b.id)}


def ctx_data(site: SiteData) -> dict:
    return {"title": f"Data downloads — {site.title}", "nav": "data",
            "graded_rows": len(site.results.graded), "score_rows": len(site.results.scores),
            "model_count": len(site.models), "description": "Download every graded answer and score as CSV or JSON.",
            "sources": site.catalog.sources}  # the pinned peer sources: which made it into this build


def ctx_playground(site: SiteData) -> dict:
    return {"title": f"Playground — {site.title}", "nav": "playground", "live_api": site.config.live_api,
            "description": "Run your own image through the models (needs `leaderboard serve`)."}


def ctx_search(site: SiteData) -> dict:
    return {"title": f"Search — {site.title}", "nav": "search",
            "views": sorted(site.models.values(), key=lambda v: v.name.casefold()),
            "suites": list(site.suites.values()), "tasks": [(t, TASK_NAMES[t]) for t in TASKS],
            "description": "Search models, tasks, suites and prompts."}


def ctx_notfound(site: SiteData) -> dict:
    base = site.base_url if site.base_url.endswith("/") else site.base_url + "/"
    return {"title": f"Page not found — {site.title}", "nav": "", "base_href": base,
            "description": "Page not found."}


def ctx_robots(site: SiteData) -> dict:
    return {"sitemap": site.base_url + "sitemap.xml" if site.base_url.startswith(("http://", "https://")) else None}


CONTEXTS = {"leaderboard": ctx_leaderboard, "data": ctx_data, "playground": ctx_playground, "search": ctx_search,
            "notfound": ctx_notfound, "robots": ctx_robots}
TEMPLATES = {"leaderboard": "leaderboard.html", "data": "data.html", "playground": "playground.html",
             "search": "search.html", "notfound": "404.html", "robots": "robots.txt"}
