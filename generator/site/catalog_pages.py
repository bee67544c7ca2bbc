"""Catalog pages: what the repository holds, one page each — models, suites and their prompts —
and the model and suite indexes."""

from __future__ import annotations

from collections import Counter
from types import SimpleNamespace

from ..catalog.vocab import FEATURE_NAMES, TASK_NAMES
from . import disagreement_pages, evidence, overlays, side_by_side
from .gallery_pages import answer_panel, colours
from .paths import pair_link
from .render import rel_url
from .view import SiteData, task_name

SUITE_MATRIX_MODELS = 12
NEIGHBOURS = 4
ANSWERS_PER_TASK = 40  # prompt links per task on a model page; the task gallery has the rest
PROMPT_ROOT = "../../../"  # every prompt page is suites/<suite>/<prompt>/
MODEL_ROOT = "../../"  # every model page is models/<model>/


def _answer_links(rows: list[dict]) -> list[SimpleNamespace]:
    """A task's prompt links on a model page, with attributes for the template's loop (Jinja reads a
    dict key only after a caught AttributeError): verdict (None: no answer) and link."""
    return [SimpleNamespace(scored=bool(x["row"]["scored"]), prompt=x["prompt"],
                            passed=None if x["row"]["passed"] is None else bool(x["row"]["passed"]),
                            href=rel_url(MODEL_ROOT, f"suites/{x['suite']}/{x['prompt']}/")) for x in rows]


def ctx_model(site: SiteData, model_id: str) -> dict:
    view = site.models[model_id]
    suites = []
    for suite in site.suites.values():
        found = view.results.get(suite.id, [])
        suites.append({"suite": suite, "sources": found})
    unmeasured = [s for s in site.relevant_suites(view) if not view.results.get(s)]
    index = site.ranking.index(model_id)
    near = [m for m in site.ranking[max(0, index - NEIGHBOURS): index + NEIGHBOURS + 1] if m != model_id]
    if site.flagship and model_id in site.flagship:
        partner = site.flagship[1] if site.flagship[0] == model_id else site.flagship[0]
        near = [partner] + [m for m in near if m != partner]
    neighbours = [{"view": site.models[m], "link": pair_link(model_id, m)} for m in near]
    return {
        "title": f"{view.name} — {site.title}", "view": view, "suites": suites,
        "measured_any": any(s["sources"] for s in suites),
        "unmeasured": [{"suite": site.suites[s], "command": site.run_command(model_id, s)} for s in unmeasured],
        "task_names": TASK_NAMES, "feature_names": FEATURE_NAMES, "neighbours": neighbours,
        "description": view.overview_text[:200],
        "disagreements": disagreement_pages.counts(site, model_id=model_id),
        "answers": [{**a, "links": _answer_links(a["rows"][:ANSWERS_PER_TASK])}
                    for a in side_by_side.answers_by_task(site, model_id)],
        "answers_shown": ANSWERS_PER_TASK,
        "peer": sorted((a for a in site.catalog.aggregates if a.model == model_id),
                       key=lambda a: (a.benchmark.casefold(), a.task, a.metric, a.effort or "")),
    }


def ctx_models_index(site: SiteData) -> dict:
    views = sorted(site.models.values(), key=lambda v: v.name.casefold())
    return {"title": f"Models — {site.title}", "views": views, "nav": "models", "task_names": TASK_NAMES,
            "best": {v.id: evidence.best(v, site.suites) for v in views},
            "peer": Counter(a.model for a in site.catalog.aggregates),
            "description": "Every model card: properties, licence, tasks and results."}


def ctx_suite(site: SiteData, suite_id: str) -> dict:
    suite = site.suites[suite_id]
    ranked = [m for m in site.ranking if site.models[m].best(suite_id) is not None]
    ranked.sort(key=lambda m: (-(site.models[m].best(suite_id).overall.get("rate") or 0), m))
    shown = ranked[:SUITE_MATRIX_MODELS]
    best_source = {m: best.source for m, view in site.models.items() if (best := view.best(suite_id)) is not None}
    rows = []
    for p in suite.prompts:
        by_model: dict[str, dict] = {}
        for r in site.results.prompt_records(suite_id, p.id):
            if r["source"] == best_source.get(r["model"]):
                by_model[r["model"]] = r
        scored = [r for r in by_model.values() if r["scored"]]
        rows.append({"p": p, "marks": [by_model.get(m) for m in shown],
                     "passed": sum(1 for r in scored if r["passed"]), "graded": len(scored)})
    return {"title": f"{suite.name} — {site.title}", "suite": suite, "shown": [site.models[m] for m in shown],
            "ranked": len(ranked), "rows": rows, "nav": "suites",
            "disagreements": disagreement_pages.counts(site, suite_id=suite_id),
            "leaders": [{"view": site.models[m], "best": site.models[m].best(suite_id)} for m in ranked],
            "description": f"{suite.name}: {len(suite.prompts)} prompts, every model's answer and verdict."}


def ctx_suites_index(site: SiteData) -> dict:
    return {"title": f"Eval suites — {site.title}", "suites": list(site.suites.values()), "nav": "suites",
            "description": "The eval suites: prompts, images, expected answers and graders."}


def _article(panel: dict) -> SimpleNamespace:
    """An answer panel as the prompt page's loop reads it: attributes rather than keys (Jinja tries
    ``getattr`` first and a key only after catching AttributeError, dozens of times per answer),
    with the keys of its verdict marks (None: not scored) and its model link made here."""
    row, view = panel["row"], panel["view"]
    return SimpleNamespace(**{**panel, "provenance": SimpleNamespace(**panel["provenance"])}, r=SimpleNamespace(**row),
                           verdict=bool(row["passed"]) if row["scored"] else None,
                           source_verdict=bool(row["source_verdict"]),
                           link=rel_url(PROMPT_ROOT, f"models/{view.id}/") if view else None)


def ctx_prompt(site: SiteData, suite_id: str, prompt_id: str) -> dict:
    suite = site.suites[suite_id]
    p = next(x for x in suite.prompts if x.id == prompt_id)
    rows = site.results.prompt_records(suite_id, prompt_id)
    colour_of = colours(sorted(r["model"] for r in rows))
    answers = [answer_panel(site, suite_id, r, p.prompt, colour_of[r["model"]]) for r in rows]
    answers.sort(key=lambda x: (x["row"]["passed"] is not True, (x["view"].name if x["view"] else x["row"]["model"]).casefold(),
                                x["row"]["source"] != "measured", x["row"]["source"]))
    licence = next((i for i in suite.suite.images if i.file == p.prompt.image), None) if p.prompt.image else None
    index = [x.id for x in suite.prompts].index(prompt_id)
    prev_p = suite.prompts[index - 1] if index > 0 else None
    next_p = suite.prompts[index + 1] if index + 1 < len(suite.prompts) else None
    return {"title": f"{prompt_id} · {suite.name} — {site.title}", "suite": suite, "p": p,
            "answers": [_article(a) for a in answers],
            "licence": licence, "prev": prev_p, "next": next_p, "nav": "suites",
            "category": suite.category_name(p.prompt.category), "task_name": task_name(p.prompt.task),
            "truth": overlays.truth(p.prompt), "layers": [a["layer"] for a in answers if a["layer"].boxes],
            "description": f"{p.prompt.prompt[:150]}"}


CONTEXTS = {"model": ctx_model, "models_index": ctx_models_index, "suite": ctx_suite,
            "suites_index": ctx_suites_index, "prompt": ctx_prompt}
TEMPLATES = {"model": "model.html", "models_index": "models_index.html", "suite": "suite.html",
             "suites_index": "suites_index.html", "prompt": "prompt.html"}
