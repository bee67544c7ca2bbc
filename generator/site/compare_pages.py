"""Compare pages: "A vs B" for every pair (one page, the ids in sorted order) and the compare index.

The reversed address (compare/b-vs-a/) has no page: 404.html forwards it (static/notfound.js),
which spares a build n(n-1)/2 redirect files, half of all files at 200 models.

There are n(n-1)/2 compare pages, so everything on them that depends on one model only (its
property, task and feature cells, its result cells per suite, its answer cells per prompt) is
rendered once per worker from the macros in ``_compare_cells.html`` and reused as Markup; a page
adds the pairing from ``Results.pair`` and joins the pieces.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from ..catalog.vocab import FEATURE_NAMES, FEATURES, TASKS
from ..results import PairComparison
from . import evidence, side_by_side
from .home import next_run_command
from .paths import canonical_pair, pair_link
from .render import macros, rel_url, truncate_text
from .view import VISION_TASKS, ModelView, SiteData, SourceResult

H2H_OUTPUT_CHARS = 140
CELLS = "_compare_cells.html"
EVIDENCE = "_evidence.html"
PAGE_ROOT = "../../"  # every pair page is compare/a-vs-b/
SPEC_LABELS = ["Organization", "Category", "Access", "Modality", "Release date", "Context window", "Parameters",
               "Licence", "Input price / 1M tokens", "Output price / 1M tokens"]
TASK_LABELS = [label for label, _, _, _ in VISION_TASKS]
FEATURE_LABELS = [FEATURE_NAMES[f] for f in FEATURES]


def _cells(site: SiteData):
    return macros(site.cache, CELLS, site.config.score_bands)


def _cached(site: SiteData, key: tuple, make):
    value = site.cache.get(key)
    if value is None:
        value = site.cache[key] = make()
    return value


def _model_cells(site: SiteData, view: ModelView) -> dict[str, list]:
    """A model's cells in the comparison, task and feature tables: the same on each of its compare pages."""
    def make() -> dict[str, list]:
        m, card = _cells(site), view.card
        spec = [m.cell(card.organization), m.cell(view.category_text), m.cell(card.access), m.cell(view.modality_text),
                m.cell(card.release_date), m.cell(f"{card.context_window:,} tokens" if card.context_window else None),
                m.cell(view.params_text), m.link_cell(card.license.url, card.license.id),
                m.price_cell(card.pricing, "input_per_1m"), m.price_cell(card.pricing, "output_per_1m")]
        answered = side_by_side.answered_tasks(site, view.id)
        demo = lambda tasks: next((rel_url("../../", f"models/{view.id}/") + f"#answers-{t}"  # noqa: E731
                                   for t in tasks if t in answered), None)
        return {"spec": spec, "tasks": [m.task_cell(has, demo(t) if has else None, view.name)
                          for _, t, f, _ in VISION_TASKS for has in [view.has_task(t, f)]],
                "features": [m.yes_cell(f in card.features) for f in FEATURES]}
    return _cached(site, ("model-cells", view.id), make)


def _row_ends(site: SiteData, table: str, labels: list[str]) -> list[tuple]:
    """Each row's opening (label) and closing markup, rendered once per worker."""
    def make() -> list[tuple]:
        m = _cells(site)
        return [(m.row_start(label), m.row_end() + "\n") for label in labels]
    return _cached(site, ("row-ends", table), make)


def _rows(ends: list[tuple], xs: list, ys: list) -> Markup:
    """The rows of a two-model table; every piece is macro output (Markup), so the join is too."""
    return Markup("".join([piece for (start, end), x, y in zip(ends, xs, ys) for piece in (start, x, y, end)]))


def _answer_cells(site: SiteData, suite_id: str, model_id: str, source: str) -> dict[str, Any]:
    """A (model, source)'s answer cell per prompt: verdict mark and the answer cut short."""
    def make() -> dict[str, Any]:
        m = _cells(site)
        cells = {}
        for prompt_id, answer in site.results.answers(model_id, suite_id, source).items():
            text = answer.output if answer.output is not None else (f"error: {answer.error}" if answer.error else None)
            body = truncate_text(text, H2H_OUTPUT_CHARS) if text is not None else "(no answer)"
            cells[prompt_id] = m.answer_cell(answer.passed, body)
        return cells
    return _cached(site, ("answers", suite_id, model_id, source), make)


def _prompt_bits(site: SiteData, suite_id: str) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """Row openings, list links and category group rows of a suite's prompts, as seen from a compare page."""
    def make():
        m = _cells(site)
        suite = site.suites[suite_id]
        heads, links, groups = {}, {}, {}
        for p in suite.prompts:
            href = rel_url("../../", f"suites/{suite_id}/{p.id}/")
            heads[p.id], links[p.id] = m.prompt_head(href, p.id), m.prompt_link(href, p.id)
            groups[p.id] = (p.prompt.category, m.group_row(suite.category_name(p.prompt.category)))
        return heads, links, groups
    return _cached(site, ("prompt-bits", suite_id), make)


def _differ_rows(site: SiteData, suite_id: str, prompts: list[str], ca: dict, cb: dict) -> Markup:
    """One row per prompt where exactly one model passed, a group row where a new category starts."""
    heads, _, groups = _prompt_bits(site, suite_id)
    end = _cached(site, ("row-end",), lambda: _cells(site).row_end())
    pieces, category = [], None
    for p in prompts:
        if groups[p][0] != category:
            category = groups[p][0]
            pieces.append(groups[p][1])
        pieces += (heads[p], ca[p], cb[p], end)
    return Markup("".join(pieces))


def source_text(result: SourceResult) -> str:
    return "measured here" if result.measured else result.provenance_text[0].lower() + result.provenance_text[1:]


def _h2h(site: SiteData, a: str, b: str, suite_id: str) -> dict | None:
    """The prompt-by-prompt section: ``Results.pair`` on each model's best source, as cells."""
    ra, rb = site.models[a].best(suite_id), site.models[b].best(suite_id)
    if ra is None or rb is None:
        return None
    pair: PairComparison | None = site.results.pair(a, b, suite_id, ra.source, rb.source)
    if pair is None:
        return None
    _, links, _ = _prompt_bits(site, suite_id)
    ca, cb = _answer_cells(site, suite_id, a, ra.source), _answer_cells(site, suite_id, b, rb.source)
    both, neither = pair.prompts("both"), pair.prompts("neither")
    return {
        "n": pair.n, "wins": pair.wins, "losses": pair.losses, "ties_pass": pair.ties_pass,
        "ties_fail": pair.ties_fail, "p_value": pair.p_value, "source_a": source_text(ra), "source_b": source_text(rb),
        "differ": _differ_rows(site, suite_id, pair.prompts("differ"), ca, cb),
        "both": len(both), "neither": len(neither), "limit": H2H_OUTPUT_CHARS,
        "both_links": Markup("".join([links[p] for p in both])),  # macro output (Markup): no escaping pass
        "neither_links": Markup("".join([links[p] for p in neither])),
    }


def _figure_cells(site: SiteData, view: ModelView) -> dict:
    """A model's cells in the "Measured vs reported" table, once per worker: its best result per
    suite, and its first reported figure per (benchmark, metric, setting) with that key's labels."""
    def make() -> dict:
        m = _cells(site)
        reported: dict[tuple, tuple] = {}
        for rep in view.card.reported:
            key = (rep.benchmark, rep.metric, rep.setting or "")
            if key not in reported:
                reported[key] = (rep, m.reported_cell(rep))
        return {"measured": {suite_id: m.measured_cell(view.best(suite_id)) for suite_id in site.suites},
                "reported": reported}
    return _cached(site, ("figure-cells", view.id), make)


def _figure_rows(site: SiteData, a: ModelView, b: ModelView) -> tuple[list[dict], list[dict]]:
    """The "Measured vs reported" rows: each suite either model has a result on, then each reported
    figure of either (by benchmark, metric and setting), each row with both models' cells."""
    ca, cb = _figure_cells(site, a), _figure_cells(site, b)
    measured = [{"suite": suite, "a": ca["measured"][suite.id], "b": cb["measured"][suite.id]}
                for suite in site.suites.values() if a.best(suite.id) or b.best(suite.id)]
    empty = _cached(site, ("figure-cells", None), lambda: _cells(site).reported_cell(None))
    reported = []
    for key in sorted(ca["reported"].keys() | cb["reported"].keys(), key=lambda k: (k[0].casefold(), k[1].casefold(), k[2])):
        rep = (ca["reported"].get(key) or cb["reported"][key])[0]
        reported.append({"benchmark": rep.benchmark, "metric": rep.metric, "setting": rep.setting,
                         "a": ca["reported"].get(key, (None, empty))[1], "b": cb["reported"].get(key, (None, empty))[1]})
    return measured, reported


def best_evidence(site: SiteData, view: ModelView) -> evidence.Evidence | None:
    """A model's best evidence (the same on each of its compare pages)."""
    return _cached(site, ("evidence", view.id), lambda: evidence.best(view, site.suites) or False) or None


def _evidence_cells(site: SiteData, view: ModelView) -> dict:
    """A model's column of the Vision evals block, rendered once per worker from ``_evidence.html``:
    its heading, overall and efficiency cells, and its category cells as the pairs ask for them."""
    def make() -> dict:
        ev, e = macros(site.cache, EVIDENCE, site.config.score_bands, root=PAGE_ROOT), best_evidence(site, view)
        return {"head": ev.head(e, PAGE_ROOT), "overall": ev.overall(e),
                "efficiency": {key: ev.efficiency(e, key) for _, key, _ in evidence.EFFICIENCY_ROWS},
                "categories": {}, "figure": lambda key: ev.figure(e.categories.get(key) if e else None, bar=False)}
    return _cached(site, ("evidence-cells", view.id), make)


def evidence_block(site: SiteData, a: ModelView, b: ModelView) -> dict:
    """``evidence.block`` for a pair with both columns' cells (``cells``: side -> head, overall,
    efficiency by row key, categories by key)."""
    found = evidence.block(best_evidence(site, a), best_evidence(site, b))
    found["cells"] = {}
    for side, view in (("a", a), ("b", b)):
        cells = found["cells"][side] = _evidence_cells(site, view)
        for key, _ in found["categories"]:
            if key not in cells["categories"]:
                cells["categories"][key] = cells["figure"](key)
    return found


def playground_link(a: ModelView, b: ModelView) -> str:
    """The playground with both models ticked and the first task both cards list (else either's)."""
    common = [t for t in TASKS if t in a.card.tasks and t in b.card.tasks]
    task = (common or [t for t in TASKS if t in a.card.tasks or t in b.card.tasks] or [None])[0]
    query = f"?models={a.id},{b.id}" + (f"&task={task}" if task else "")
    return rel_url("../../", "playground/") + query


def ctx_compare(site: SiteData, a_id: str, b_id: str) -> dict:
    a, b = site.models[a_id], site.models[b_id]
    suites = [{"suite": suite, "h2h": h2h} for suite in site.suites.values()
              if (h2h := _h2h(site, a_id, b_id, suite.id)) is not None]
    ca, cb = _model_cells(site, a), _model_cells(site, b)
    measured_rows, reported_rows = _figure_rows(site, a, b)
    return {
        "title": f"{a.name} vs {b.name} — {site.title}", "a": a, "b": b,
        "spec_rows": _rows(_row_ends(site, "spec", SPEC_LABELS), ca["spec"], cb["spec"]),
        "tasks": _rows(_row_ends(site, "tasks", TASK_LABELS), ca["tasks"], cb["tasks"]),
        "features": _rows(_row_ends(site, "features", FEATURE_LABELS), ca["features"], cb["features"]), "suites": suites,
        "reported_rows": reported_rows, "measured_rows": measured_rows,
        "evidence": evidence_block(site, a, b),
        "commands": [c for c in (next_run_command(site, v) for v in (a, b)) if c],
        "side_by_side": side_by_side.sections(site, a, b),
        "live_api": site.config.live_api, "playground": playground_link(a, b),
        "coverage_min": site.config.coverage_min,
        "description": f"{a.name} and {b.name} side by side: properties, supported vision tasks, "
                       f"measured pass rates with 95% intervals, prompt-by-prompt head-to-head and reported figures.",
    }


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
            "featured": [{"a": site.models[x], "b": site.models[y], "link": pair_link(x, y)} for x, y in featured],
            "model_count": len(site.models), "pair_count": len(site.models) * (len(site.models) - 1) // 2,
            "description": "Compare any set of vision models in one table."}


CONTEXTS = {"compare": ctx_compare, "compare_index": ctx_compare_index}
TEMPLATES = {"compare": "compare.html", "compare_index": "compare_index.html"}
