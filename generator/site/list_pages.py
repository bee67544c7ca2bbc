"""The site-wide pages: the leaderboard (home.py), search, data downloads, playground, 404 and
robots.txt. Each shows the whole catalog (or none of it), so each depends on every model."""

from __future__ import annotations

from ..catalog.vocab import TASK_NAMES, TASKS
from . import home
from .view import SiteData


def ctx_data(site: SiteData) -> dict:
    return {"title": f"Data downloads — {site.title}", "nav": "data",
            "graded_rows": len(site.results.graded_rows), "score_rows": len(site.results.scores_rows),
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
            "model_ids": sorted(site.models), "description": "Page not found."}


def ctx_robots(site: SiteData) -> dict:
    return {"sitemap": site.base_url + "sitemap.xml" if site.base_url.startswith(("http://", "https://")) else None}


CONTEXTS = {"leaderboard": home.ctx_leaderboard, "data": ctx_data, "playground": ctx_playground, "search": ctx_search,
            "notfound": ctx_notfound, "robots": ctx_robots}
TEMPLATES = {"leaderboard": "leaderboard.html", "data": "data.html", "playground": "playground.html",
             "search": "search.html", "notfound": "404.html", "robots": "robots.txt"}
