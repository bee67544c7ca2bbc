"""The page list: every output page as (path, kind, key, digest), and one context function per kind.

``page_list`` is cheap — it only computes digests (hashes of each page's inputs, which already
include the templates and the site code), so an incremental build can compare them with the
previous build's manifest without rendering anything. ``context(site, page)`` builds what one
template needs; it is called in the worker processes, only for pages that changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, Iterable

from markupsafe import Markup, escape

from ..catalog.schemas import Prompt
from ..catalog.vocab import FEATURE_NAMES, FEATURES, TASK_NAMES, TASKS
from . import charts, overlays
from ..stats import mcnemar_exact_p
from .render import fig, interval_text, make_env, number, pretty, price, rel_url, safe_text, seconds, truncate_text, usd
from .view import VISION_TASKS, ModelView, SiteData, SourceResult, SuiteView, digest, repo_url, task_name

H2H_OUTPUT_CHARS = 140
GALLERY_PROMPTS = 24
GALLERY_MODELS = 12  # panels per image; every answer is on the prompt's own page
SUITE_MATRIX_MODELS = 12
NEIGHBOURS = 4
COLOURS = 8  # model colours in site.css, .c0 … .c7


@dataclass(frozen=True)
class Page:
    path: str
    kind: str
    key: tuple
    digest: str


def compare_path(a: str, b: str) -> str:
    return f"compare/{a}-vs-{b}/index.html"


def canonical_pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a <= b else (b, a)


# ------------------------------------------------------------------ the page list

def page_list(site: SiteData) -> list[Page]:
    s, every = site.shared_digest, site.all_digest
    pages: list[Page] = []
    add = lambda path, kind, key, *parts: pages.append(Page(path, kind, key, digest(kind, key, *parts)))  # noqa: E731

    add("index.html", "leaderboard", (), every)
    add("404.html", "notfound", (), s)
    add("search/index.html", "search", (), every)
    add("playground/index.html", "playground", (), every)
    add("data/index.html", "data", (), every)
    add("compare/index.html", "compare_index", (), every)
    add("tasks/index.html", "tasks_index", (), every)
    add("suites/index.html", "suites_index", (), every)
    add("models/index.html", "models_index", (), every)
    add("sitemap.xml", "sitemap", (), every)
    add("robots.txt", "robots", (), s)
    for model_id, view in site.models.items():
        add(f"models/{model_id}/index.html", "model", (model_id,), s, every)
    for a, b in site.pairs():
        ma, mb = site.models[a].digest, site.models[b].digest
        add(compare_path(a, b), "compare", (a, b), s, ma, mb)
        add(compare_path(b, a), "redirect", (a, b), s, site.models[a].name, site.models[b].name)
    for task in TASKS:
        add(f"tasks/{task}/index.html", "task", (task,), every)
    for suite in site.suites.values():
        add(f"suites/{suite.id}/index.html", "suite", (suite.id,), every)
        for p in suite.prompts:
            add(f"suites/{suite.id}/{p.id}/index.html", "prompt", (suite.id, p.id), s, p.digest)
    pages.sort(key=lambda p: p.path)
    return pages


TEMPLATES = {
    "leaderboard": "leaderboard.html", "notfound": "404.html", "search": "search.html",
    "playground": "playground.html", "data": "data.html", "compare_index": "compare_index.html",
    "tasks_index": "tasks_index.html", "suites_index": "suites_index.html", "models_index": "models_index.html",
    "sitemap": "sitemap.xml", "robots": "robots.txt", "model": "model.html", "compare": "compare.html",
    "redirect": "redirect.html", "task": "task.html", "suite": "suite.html", "prompt": "prompt.html",
}


def context(site: SiteData, page: Page) -> dict[str, Any]:
    ctx = CONTEXTS[page.kind](site, *page.key)
    ctx.setdefault("nav", page.kind)
    return ctx


# ------------------------------------------------------------------ shared helpers

def _model_link(view: ModelView) -> str:
    return f"models/{view.id}/"


def _pair_link(a: str, b: str) -> str:
    a, b = canonical_pair(a, b)
    return f"compare/{a}-vs-{b}/"


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
                                   _model_link(view) + "index.html", view.card.access))
    return points


def _relevant_suites(site: SiteData, view: ModelView) -> list[str]:
    """Suites with at least one prompt whose task the model supports (where a run would say something)."""
    out = []
    for suite in site.suites.values():
        if any(p.prompt.task in view.card.tasks for p in suite.prompts):
            out.append(suite.id)
    return out


# ------------------------------------------------------------------ leaderboard

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
            "command": _next_run_command(site, view, primary.id if primary else None),
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


def _next_run_command(site: SiteData, view: ModelView, preferred: str | None) -> str | None:
    """The command that would measure something new: the featured suite if the model's tasks have
    prompts there, else the first such suite it has no run on; None when nothing is left to measure."""
    relevant = [s for s in _relevant_suites(site, view) if not view.results.get(s)]
    if not relevant:
        return None
    return site.run_command(view.id, preferred if preferred in relevant else relevant[0])


def _flagship(site: SiteData) -> dict | None:
    if not site.flagship:
        return None
    a, b = (site.models.get(m) for m in site.flagship)
    if a is None or b is None:
        return None
    return {"a": a, "b": b, "link": _pair_link(a.id, b.id)}


# ------------------------------------------------------------------ model page

def ctx_model(site: SiteData, model_id: str) -> dict:
    view = site.models[model_id]
    suites = []
    for suite in site.suites.values():
        found = view.results.get(suite.id, [])
        suites.append({"suite": suite, "sources": found})
    relevant = _relevant_suites(site, view)
    unmeasured = [s for s in relevant if not view.results.get(s)]
    index = site.ranking.index(model_id)
    near = [m for m in site.ranking[max(0, index - NEIGHBOURS): index + NEIGHBOURS + 1] if m != model_id]
    if site.flagship and model_id in site.flagship:
        partner = site.flagship[1] if site.flagship[0] == model_id else site.flagship[0]
        near = [partner] + [m for m in near if m != partner]
    neighbours = [{"view": site.models[m], "link": _pair_link(model_id, m)} for m in near]
    return {
        "title": f"{view.name} — {site.title}", "view": view, "suites": suites,
        "measured_any": any(s["sources"] for s in suites),
        "unmeasured": [{"suite": site.suites[s], "command": site.run_command(model_id, s)} for s in unmeasured],
        "task_names": TASK_NAMES, "feature_names": FEATURE_NAMES, "neighbours": neighbours,
        "description": view.overview_text[:200],
    }


# ------------------------------------------------------------------ compare pages

SPEC_LABELS = ["Organization", "Category", "Access", "Modality", "Release date", "Context window", "Parameters",
               "Licence", "Input price / 1M tokens", "Output price / 1M tokens"]
YES = '<td class="num"><span class="yes">✓<span class="sr-only"> yes</span></span></td>'
NO = '<td class="num"><span class="no">—<span class="sr-only"> no</span></span></td>'


def _link(href: str | None, text: str) -> str:
    return f'<a href="{safe_text(href)}" rel="nofollow noopener">{safe_text(text)}</a>' if href else str(safe_text(text))


def _model_cells(site: SiteData, view: ModelView) -> dict[str, list[str]]:
    """A model's cells in the comparison, task and feature tables: the same on each of its compare pages."""
    key = ("model-cells", view.id)
    cells = site.cache.get(key)
    if cells is not None:
        return cells
    card = view.card

    def td(value: Any) -> str:
        return f"<td>{safe_text(value) if value not in (None, '') else '—'}</td>"

    def money(which: str) -> str:
        p = card.pricing
        value = getattr(p, which) if p else None
        if value is None:
            return "<td>—</td>"
        as_of = f' <span class="small muted">({safe_text(p.as_of)})</span>' if p.as_of else ""
        return f'<td>{safe_text(price(value, p.currency))} <a class="small" href="{safe_text(p.source)}" rel="nofollow noopener">source</a>{as_of}</td>'

    spec = [
        td(card.organization), td(view.category_text), td(card.access), td(view.modality_text), td(card.release_date),
        td(f"{card.context_window:,} tokens" if card.context_window else None), td(view.params_text),
        f"<td>{_link(card.license.url, card.license.id)}</td>", money("input_per_1m"), money("output_per_1m"),
    ]
    tasks = [YES if view.has_task(t, f) else NO for _, t, f, _ in VISION_TASKS]
    features = [YES if f in card.features else NO for f in FEATURES]
    cells = site.cache[key] = {"spec": spec, "tasks": tasks, "features": features}
    return cells


EFFICIENCY_ROWS = [("Average response time", "latency_mean", seconds), ("Median response time", "latency_median", seconds),
                   ("Median input tokens", "input_tokens_median", number), ("Median output tokens", "output_tokens_median", number),
                   ("Est. cost per task", "cost_per_task", usd)]
_mcnemar = lru_cache(maxsize=None)(mcnemar_exact_p)


def _macros(site: SiteData):
    """The template macros as Python callables (for fragments rendered once and reused)."""
    module = site.cache.get("macros")
    if module is None:
        module = site.cache["macros"] = make_env(bands=site.config.score_bands).get_template("_macros.html").module
    return module


def _td(html: Any) -> str:
    return f'<td class="num">{html}</td>'


def _result_cells(site: SiteData, suite: SuiteView, result: SourceResult) -> list[str]:
    """Overall, the efficiency rows and one cell per category: the same on every compare page."""
    key = ("cells", suite.id, id(result))
    cells = site.cache.get(key)
    if cells is None:
        m = _macros(site)
        o = result.overall
        overall = str(m.score(o))
        if o.get("rate") is not None:
            overall += f'<span class="kn">95% CI {interval_text(o["lo"], o["hi"])}</span>'
        if not result.show_efficiency:
            overall += f'<span class="kn">covers {o["n"]} of {o["prompts"]}</span>'
        cells = [_td(overall)]
        for _, field, fmt in EFFICIENCY_ROWS:
            value = result.efficiency(field)
            if value is None:
                note = "" if result.show_efficiency else f'<sup><a href="#cov-{suite.id}" aria-label="why no value">*</a></sup>'
                cells.append(_td("—" + note))
            else:
                cells.append(_td(safe_text(fmt(value))))
        for c in suite.suite.categories:
            cells.append(_td(m.score(result.categories.get(c.id), bar=False)))
        site.cache[key] = cells
    return cells


def _reported_cells(site: SiteData, suite: SuiteView, rep) -> list[str]:
    by_name = {c.name.casefold(): c for c in rep.categories}
    unit = "%" if rep.unit == "%" else ""
    value = f"{fig(rep.value)}{unit}" if unit else f"{fig(rep.value)} {rep.unit}".strip()
    as_of = f", {safe_text(rep.as_of)}" if rep.as_of else ""
    cells = [_td(f'<span class="score none">{safe_text(value)}</span><span class="kn">{safe_text(rep.benchmark)}{as_of}</span>')]
    cells += [_td("—") for _ in EFFICIENCY_ROWS]
    for c in suite.suite.categories:
        rc = by_name.get(c.name.casefold())
        if rc is None:
            cells.append(_td("—"))
        else:
            kn_text = f'<span class="kn">{rc.passed}/{rc.total}</span>' if rc.passed is not None else ""
            cells.append(_td(f'<span class="score none">{fig(rc.value)}{unit}</span>{kn_text}'))
    return cells


def _columns(site: SiteData, suite: SuiteView, views: list[ModelView]) -> list[dict]:
    """One column per (model, source) on a suite, then one per reported figure mapped to the suite."""
    cols = []
    for view in views:
        found = view.results.get(suite.id, [])
        for result in found:
            cols.append({"view": view, "kind": "measured" if result.measured else "imported", "result": result,
                         "reported": None, "cells": _result_cells(site, suite, result)})
        reported = [rep for rep in view.card.reported if rep.suite == suite.id]
        for rep in reported:
            cols.append({"view": view, "kind": "reported", "result": None, "reported": rep,
                         "cells": _reported_cells(site, suite, rep)})
        if not found and not reported:
            command = safe_text(site.run_command(view.id, suite.id))
            cells = [_td(f'<span class="unmeasured">Not measured yet<br><code class="cmd">{command}</code></span>')]
            cells += [_td("—") for _ in range(len(EFFICIENCY_ROWS) + len(suite.suite.categories))]
            cols.append({"view": view, "kind": "none", "result": None, "reported": None, "cells": cells})
    return cols


def _answer_cells(site: SiteData, suite_id: str, model_id: str, source: str) -> dict[str, str]:
    key = ("answers", suite_id, model_id, source)
    cells = site.cache.get(key)
    if cells is None:
        cells = {}
        for pid, (_, passed, text) in site.outcomes.get((suite_id, model_id, source), {}).items():
            mark = '<b class="pass">✓</b>' if passed else '<b class="fail">✗</b>'
            body = safe_text(truncate_text(text, H2H_OUTPUT_CHARS)) if text is not None else "(no answer)"
            cells[pid] = f'<td>{mark} <span class="out">{body}</span></td>'
        site.cache[key] = cells
    return cells


def _prompt_bits(site: SiteData, suite_id: str) -> tuple[dict[str, str], dict[str, str]]:
    """Row headers and list links for prompts, as seen from a compare page (two folders deep)."""
    key = ("prompt-bits", suite_id)
    bits = site.cache.get(key)
    if bits is None:
        suite = site.suites[suite_id]
        heads, links = {}, {}
        for p in suite.prompts:
            href = safe_text(rel_url("../../", f"suites/{suite_id}/{p.id}/"))
            heads[p.id] = f'<th scope="row"><a href="{href}">{safe_text(p.id)}</a></th>'
            links[p.id] = f'<li><a href="{href}">{safe_text(p.id)}</a></li>'
        bits = site.cache[key] = (heads, links)
    return bits


def _category_row(site: SiteData, suite_id: str, outcomes: dict, rows: list[str], i: int) -> str:
    """A full-width header row where the (category-sorted) list enters a new category."""
    category = outcomes[rows[i]][0]
    if i and outcomes[rows[i - 1]][0] == category:
        return ""
    return f'<tr><th colspan="3" class="group">{safe_text(site.suites[suite_id].category_name(category))}</th></tr>'


def source_text(result: SourceResult) -> str:
    return "measured here" if result.measured else result.provenance_text[0].lower() + result.provenance_text[1:]


def _h2h(site: SiteData, a: str, b: str, suite_id: str) -> dict | None:
    """Prompt-by-prompt pairing on the prompts both answered (same rules as Results.pair)."""
    ra, rb = site.models[a].best(suite_id), site.models[b].best(suite_id)
    if ra is None or rb is None:
        return None
    oa = site.outcomes.get((suite_id, a, ra.source), {})
    ob = site.outcomes.get((suite_id, b, rb.source), {})
    common = sorted(oa.keys() & ob.keys(), key=lambda p: (oa[p][0], p))
    if not common:
        return None
    wins = losses = ties_pass = 0
    differ, both, neither = [], [], []
    for p in common:
        pa, pb = oa[p][1], ob[p][1]
        if pa and pb:
            ties_pass += 1
            both.append(p)
        elif pa:
            wins += 1
            differ.append(p)
        elif pb:
            losses += 1
            differ.append(p)
        else:
            neither.append(p)
    heads, links = _prompt_bits(site, suite_id)
    ca, cb = _answer_cells(site, suite_id, a, ra.source), _answer_cells(site, suite_id, b, rb.source)
    return {
        "n": len(common), "wins": wins, "losses": losses, "ties_pass": ties_pass, "ties_fail": len(neither),
        "p_value": _mcnemar(wins, losses), "source_a": source_text(ra), "source_b": source_text(rb),
        "differ": Markup("".join(_category_row(site, suite_id, oa, differ, i) + f"<tr>{heads[p]}{ca[p]}{cb[p]}</tr>"
                                 for i, p in enumerate(differ))),
        "both": len(both), "neither": len(neither), "limit": H2H_OUTPUT_CHARS,
        "both_links": Markup("".join(links[p] for p in both)),
        "neither_links": Markup("".join(links[p] for p in neither)),
    }


def _reported_rows(a: ModelView, b: ModelView) -> list[dict]:
    keys: dict[tuple, dict] = {}
    for side, view in (("a", a), ("b", b)):
        for rep in view.card.reported:
            key = (rep.benchmark, rep.metric, rep.setting or "")
            row = keys.setdefault(key, {"benchmark": rep.benchmark, "metric": rep.metric,
                                        "setting": rep.setting, "a": None, "b": None})
            if row[side] is None:
                row[side] = rep
    return [keys[k] for k in sorted(keys, key=lambda k: (k[0].casefold(), k[1].casefold(), k[2]))]


def ctx_compare(site: SiteData, a_id: str, b_id: str) -> dict:
    a, b = site.models[a_id], site.models[b_id]
    suites = []
    featured = set(site.config.featured_suites) or {site.primary}
    for suite in site.suites.values():
        cols = _columns(site, suite, [a, b])
        if all(c["kind"] == "none" for c in cols) and suite.id not in featured:
            continue  # featured suites always get their table, with the commands to fill it
        labels = ["Overall score", *(label for label, _, _ in EFFICIENCY_ROWS), *(c.name for c in suite.suite.categories)]
        suites.append({"suite": suite, "cols": cols, "h2h": _h2h(site, a_id, b_id, suite.id), "labels": labels,
                       "partial": any(c["kind"] in ("measured", "imported") and not c["result"].show_efficiency
                                      for c in cols)})
    ca, cb = _model_cells(site, a), _model_cells(site, b)
    spec = Markup("".join(f'<tr><th scope="row">{label}</th>{x}{y}</tr>\n'
                          for label, x, y in zip(SPEC_LABELS, ca["spec"], cb["spec"])))
    demo = lambda task: escape(rel_url("../../", f"tasks/{task}/"))  # noqa: E731
    tasks = Markup("".join(f'<tr><th scope="row">{label}</th>{x}{y}<td><a href="{demo(task)}">Demo'
                           f'<span class="sr-only"> of {label}</span></a></td></tr>\n'
                           for (label, _, _, task), x, y in zip(VISION_TASKS, ca["tasks"], cb["tasks"])))
    features = Markup("".join(f'<tr><th scope="row">{FEATURE_NAMES[f]}</th>{x}{y}</tr>\n'
                              for f, x, y in zip(FEATURES, ca["features"], cb["features"])))
    measured_rows = []
    for suite in site.suites.values():
        ra, rb = a.best(suite.id), b.best(suite.id)
        if ra or rb:
            measured_rows.append({"suite": suite, "a": ra, "b": rb})
    return {
        "title": f"{a.name} vs {b.name} — {site.title}", "a": a, "b": b,
        "spec_rows": spec, "tasks": tasks, "features": features, "suites": suites,
        "reported_rows": _reported_rows(a, b), "measured_rows": measured_rows,
        "coverage_min": site.config.coverage_min,
        "description": f"{a.name} and {b.name} side by side: properties, supported vision tasks, "
                       f"measured pass rates with 95% intervals, prompt-by-prompt head-to-head and reported figures.",
    }


def ctx_redirect(site: SiteData, a_id: str, b_id: str) -> dict:
    a, b = site.models[a_id], site.models[b_id]
    target = f"../{a_id}-vs-{b_id}/"
    absolute = site.base_url.startswith(("http://", "https://"))
    return {"title": f"{a.name} vs {b.name}", "target": target,
            "canonical_target": f"{site.base_url}compare/{a_id}-vs-{b_id}/" if absolute else target}


def ctx_compare_index(site: SiteData) -> dict:
    top = [m for m in site.ranking if site.models[m].best(site.primary or "")][:5]
    featured = []
    if site.flagship and all(m in site.models for m in site.flagship):
        featured.append(site.flagship)
    for i, x in enumerate(top):
        for y in top[i + 1:]:
            pair = canonical_pair(x, y)
            if pair not in featured:
                featured.append(pair)
    return {"title": f"Compare models — {site.title}",
            "featured": [{"a": site.models[x], "b": site.models[y], "link": _pair_link(x, y)} for x, y in featured],
            "model_count": len(site.models), "pair_count": len(site.models) * (len(site.models) - 1) // 2,
            "description": "Compare any set of vision models in one table."}


# ------------------------------------------------------------------ tasks, suites, prompts

def _answer(site: SiteData, suite_id: str, row: dict, prompt: Prompt, colour: int) -> dict:
    """One stored answer as pages show it: the row, its boxes as a drawable layer, the matching."""
    record = site.results.records.get((suite_id, row["model"], row["source"], row["prompt_id"]))
    view = site.models.get(row["model"])
    boxes, match = overlays.layer(prompt, record)
    provenance = {"text": "measured here", "url": None}
    if record is not None and not record.measured:
        provenance = {"text": f"imported: {row['source']}", "url": repo_url(record.source.repository)}
    return {"row": row, "view": view, "match": match, "provenance": provenance,
            "layer": overlays.Layer(row["model"], view.name if view else row["model"], colour, boxes)}


def _colours(models: Iterable[str]) -> dict[str, int]:
    """One colour per model on a page, in the order given (site.css has .c0 … .c7)."""
    order = list(dict.fromkeys(models))
    return {m: i % COLOURS for i, m in enumerate(order)}


def ctx_task(site: SiteData, task: str) -> dict:
    supporting = [site.models[m] for m in sorted(site.models, key=lambda m: site.models[m].name.casefold())
                  if task in site.models[m].card.tasks]
    rank = {m: i for i, m in enumerate(site.ranking)}
    order = lambda r: (rank.get(r["model"], len(rank)), r["source"] != "measured", r["source"])  # noqa: E731
    found = [(suite, p) for suite in site.suites.values() for p in suite.prompts if p.prompt.task == task]
    pictured = [(suite, p) for suite, p in found if p.image_url is not None]
    pictured.sort(key=lambda sp: (sp[0].id, sp[1].id) not in site.answers)  # answered first, else suite order
    shown = [(suite, p, sorted(site.answers.get((suite.id, p.id), []), key=order))
             for suite, p in pictured[:GALLERY_PROMPTS]]
    models = sorted({r["model"] for _, _, rows in shown for r in rows[:GALLERY_MODELS]},
                    key=lambda m: (rank.get(m, len(rank)), m))
    colour_of = _colours(models)
    items = []
    for suite, p, rows in shown:
        answers = [_answer(site, suite.id, r, p.prompt, colour_of[r["model"]]) for r in rows[:GALLERY_MODELS]]
        truth = overlays.truth(p.prompt)
        items.append({"suite": suite, "p": p, "answers": answers, "more": max(0, len(rows) - GALLERY_MODELS),
                      "truth": truth, "truth_text": overlays.count_labels([d.label for d in truth]),
                      "layers": [a["layer"] for a in answers if a["layer"].boxes or task in overlays.BOX_TASKS],
                      "category": suite.category_name(p.prompt.category)})
    quality = (overlays.task_map([(suite.id, p.prompt) for suite, p in found], site.results.records, site.models)
               if task in overlays.BOX_TASKS else [])
    return {"title": f"{TASK_NAMES[task]} — {site.title}", "task": task, "task_name": TASK_NAMES[task],
            "supporting": supporting, "items": items, "total": len(pictured),
            "quality": [{"view": site.models[q.model], "q": q} for q in quality],
            "without_image": len(found) - len(pictured), "boxed": task in overlays.BOX_TASKS,
            "has_truth": any(it["truth"] or it["p"].prompt.expected is not None for it in items),
            "legend": [(m, site.models[m].name if m in site.models else m, colour_of[m]) for m in models],
            "nav": "tasks",
            "description": f"{TASK_NAMES[task]}: the same images through every model that supports the task."}


def ctx_tasks_index(site: SiteData) -> dict:
    tasks = []
    for t in TASKS:
        prompts = sum(1 for s in site.suites.values() for p in s.prompts if p.prompt.task == t)
        models = [v for v in site.models.values() if t in v.card.tasks]
        tasks.append({"id": t, "name": TASK_NAMES[t], "prompts": prompts, "models": len(models)})
    return {"title": f"Vision tasks — {site.title}", "tasks": tasks, "nav": "tasks",
            "description": "Example galleries per vision task."}


def ctx_suite(site: SiteData, suite_id: str) -> dict:
    suite = site.suites[suite_id]
    ranked = [m for m in site.ranking if site.models[m].best(suite_id) is not None]
    ranked.sort(key=lambda m: (-(site.models[m].best(suite_id).overall.get("rate") or 0), m))
    shown = ranked[:SUITE_MATRIX_MODELS]
    rows = []
    for p in suite.prompts:
        by_model: dict[str, dict] = {}
        for r in site.answers.get((suite_id, p.id), []):
            best = site.models[r["model"]].best(suite_id) if r["model"] in site.models else None
            if best is not None and r["source"] == best.source:
                by_model[r["model"]] = r
        scored = [r for r in by_model.values() if r["scored"]]
        rows.append({"p": p, "marks": [by_model.get(m) for m in shown],
                     "passed": sum(1 for r in scored if r["passed"]), "graded": len(scored)})
    return {"title": f"{suite.name} — {site.title}", "suite": suite, "shown": [site.models[m] for m in shown],
            "ranked": len(ranked), "rows": rows, "nav": "suites",
            "leaders": [{"view": site.models[m], "best": site.models[m].best(suite_id)} for m in ranked],
            "description": f"{suite.name}: {len(suite.prompts)} prompts, every model's answer and verdict."}


def ctx_suites_index(site: SiteData) -> dict:
    return {"title": f"Eval suites — {site.title}", "suites": list(site.suites.values()), "nav": "suites",
            "description": "The eval suites: prompts, images, expected answers and graders."}


def ctx_prompt(site: SiteData, suite_id: str, prompt_id: str) -> dict:
    suite = site.suites[suite_id]
    p = next(x for x in suite.prompts if x.id == prompt_id)
    rows = site.answers.get((suite_id, prompt_id), [])
    colour_of = _colours(sorted(r["model"] for r in rows))
    answers = [_answer(site, suite_id, r, p.prompt, colour_of[r["model"]]) for r in rows]
    answers.sort(key=lambda x: (x["row"]["passed"] is not True, (x["view"].name if x["view"] else x["row"]["model"]).casefold(),
                                x["row"]["source"] != "measured", x["row"]["source"]))
    licence = next((i for i in suite.suite.images if i.file == p.prompt.image), None) if p.prompt.image else None
    index = [x.id for x in suite.prompts].index(prompt_id)
    prev_p = suite.prompts[index - 1] if index > 0 else None
    next_p = suite.prompts[index + 1] if index + 1 < len(suite.prompts) else None
    return {"title": f"{prompt_id} · {suite.name} — {site.title}", "suite": suite, "p": p, "answers": answers,
            "licence": licence, "prev": prev_p, "next": next_p, "nav": "suites",
            "category": suite.category_name(p.prompt.category), "task_name": task_name(p.prompt.task),
            "truth": overlays.truth(p.prompt), "layers": [a["layer"] for a in answers if a["layer"].boxes],
            "description": f"{p.prompt.prompt[:150]}"}


# ------------------------------------------------------------------ small pages

def ctx_models_index(site: SiteData) -> dict:
    views = sorted(site.models.values(), key=lambda v: v.name.casefold())
    return {"title": f"Models — {site.title}", "views": views, "nav": "models", "task_names": TASK_NAMES,
            "description": "Every model card: properties, licence, tasks and results."}


def ctx_data(site: SiteData) -> dict:
    return {"title": f"Data downloads — {site.title}", "nav": "data",
            "graded_rows": len(site.results.graded), "score_rows": len(site.results.scores),
            "model_count": len(site.models), "description": "Download every graded answer and score as CSV or JSON."}


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


def ctx_sitemap(site: SiteData) -> dict:
    paths = [p.path for p in page_list_light(site)]
    return {"urls": [site.base_url + pretty(p) for p in paths]}


def page_list_light(site: SiteData) -> list[Page]:
    skip = {"redirect", "notfound", "robots", "sitemap", "search"}
    return [p for p in page_list(site) if p.kind not in skip]


def ctx_robots(site: SiteData) -> dict:
    return {"sitemap": site.base_url + "sitemap.xml" if site.base_url.startswith(("http://", "https://")) else None}


CONTEXTS: dict[str, Callable[..., dict]] = {
    "leaderboard": ctx_leaderboard, "model": ctx_model, "compare": ctx_compare, "redirect": ctx_redirect,
    "compare_index": ctx_compare_index, "task": ctx_task, "tasks_index": ctx_tasks_index, "suite": ctx_suite,
    "suites_index": ctx_suites_index, "prompt": ctx_prompt, "models_index": ctx_models_index, "data": ctx_data,
    "playground": ctx_playground, "search": ctx_search, "notfound": ctx_notfound, "sitemap": ctx_sitemap,
    "robots": ctx_robots,
}

__all__ = ["CONTEXTS", "Page", "SourceResult", "TEMPLATES", "canonical_pair", "compare_path", "context", "page_list"]
