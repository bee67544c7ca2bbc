"""Compare pages: "A vs B" for every pair (one page, the ids in sorted order) and the compare index.

The reversed address (compare/b-vs-a/) has no page: 404.html forwards it (static/notfound.js),
which spares a build n(n-1)/2 redirect files, half of all files at 200 models.

There are n(n-1)/2 pair pages, so a pair page runs no template code of its own: it is joined
from pieces each rendered once per worker, as UTF-8 bytes (see stencil.py for why that gives
what the templates would have printed):

- per model (and side, where the side's colour shows): its name, overview, lede, its cells in
  the property, task and feature tables (``_compare_cells.html``), its Vision evals column
  (``_evidence.html``), its measured and reported figures, its answer cell per prompt;
- per prompt: its row heading and link in the head-to-head, its image in the side-by-side
  section (side_by_side.py);
- per combination of the optional sections: the page itself (``compare.html``, with ``base.html``)
  and a suite's head-to-head, as stencils with a slot for each value of a pair.

What a pair adds is what truly depends on both: the head-to-head counts and its lists of prompts
(bit masks from ``Results.pair``), the side-by-side choice of images, which rows of the figures
table exist, and the joins.
"""

from __future__ import annotations

from itertools import compress
from typing import Any

from markupsafe import Markup

from ..catalog.vocab import FEATURE_NAMES, FEATURES, TASKS
from . import evidence, side_by_side
from .home import next_run_command
from .paths import canonical_pair, pair_link
from .render import cached, macros, pretty, pvalue, rel_url, safe_text, truncate_text
from .stencil import Placeholders, Stencil, slot
from .view import VISION_TASKS, ModelView, SiteData

H2H_OUTPUT_CHARS = 140
CELLS = "_compare_cells.html"
EVIDENCE = "_evidence.html"
PAGE_ROOT = "../../"  # every pair page is compare/a-vs-b/
SPEC_LABELS = ["Organization", "Category", "Access", "Modality", "Release date", "Context window", "Parameters",
               "Licence", "Input price / 1M tokens", "Output price / 1M tokens"]
TASK_LABELS = [label for label, _, _, _ in VISION_TASKS]
FEATURE_LABELS = [FEATURE_NAMES[f] for f in FEATURES]
EVIDENCE_LABELS = ["Overall score", *(label for label, _, _ in evidence.EFFICIENCY_ROWS)]
A, B = Placeholders("a"), Placeholders("b")
_BITS = bytes.maketrans(b"01", b"\x00\x01")


def _cells(site: SiteData):
    return macros(site.cache, CELLS, site.config.score_bands, root=PAGE_ROOT)


def _evidence_macros(site: SiteData):
    return macros(site.cache, EVIDENCE, site.config.score_bands, root=PAGE_ROOT)


def _bytes(markup: Markup) -> bytes:
    return markup.encode()


def _text(value: Any) -> bytes:
    """A plain value as the templates print it: invisible characters stripped, escaped."""
    return safe_text(value).encode()


def _bitmap(mask: int) -> bytes:
    """Bit i of ``mask`` as byte i (0 or 1): ``compress(pieces, _bitmap(mask))`` picks the pieces of
    the set bits in C, without a Python step per prompt."""
    return bin(mask)[:1:-1].encode().translate(_BITS)


def _zip_join(xs: list[bytes], ys: list[bytes]) -> bytes:
    """x0 y0 x1 y1 …: the rows of a two-model table from the two sides' halves (as long as each
    other), interleaved by slice assignment, in C."""
    out: list = [None] * (2 * len(xs))
    out[::2], out[1::2] = xs, ys
    return b"".join(out)


def _row_ends(site: SiteData, labels: list[str]) -> list[tuple[bytes, bytes]]:
    """Each row's opening (its label) and closing, rendered once per worker."""
    def make() -> list[tuple[bytes, bytes]]:
        m = _cells(site)
        return [(_bytes(m.row_start(label)), _bytes(m.row_end() + "\n")) for label in labels]
    return cached(site.cache, ("row-ends", tuple(labels)), make)


def _halves(ends: list[tuple[bytes, bytes]], cells: list[bytes], side: str) -> list[bytes]:
    """A model's half of each row of a two-model table: on side a the row's opening and its cell,
    on side b its cell and the row's end (``_zip_join`` puts the two together)."""
    return [start + cell for (start, _), cell in zip(ends, cells)] if side == "a" else \
        [cell + end for (_, end), cell in zip(ends, cells)]


def best_evidence(site: SiteData, view: ModelView) -> evidence.Evidence | None:
    """A model's best evidence (the same on each of its compare pages)."""
    return cached(site.cache, ("evidence", view.id), lambda: evidence.best(view, site.suites) or False) or None


def source_text(result) -> str:
    return "measured here" if result.measured else result.provenance_text[0].lower() + result.provenance_text[1:]


def _model_cells(site: SiteData, view: ModelView) -> dict[str, Any]:
    """A model's cells on every pair page, whichever its side: in the comparison, task and feature
    tables, its Vision evals column (overall and efficiency rows, the notes under the table), its
    best result per suite and its first reported figure per (benchmark, metric, setting) with that
    key's row head, and the command that would measure it."""
    def make() -> dict[str, Any]:
        m, ev, card, e = _cells(site), _evidence_macros(site), view.card, best_evidence(site, view)
        spec = [m.cell(card.organization), m.cell(view.category_text), m.cell(card.access), m.cell(view.modality_text),
                m.cell(card.release_date), m.cell(f"{card.context_window:,} tokens" if card.context_window else None),
                m.cell(view.params_text), m.link_cell(card.license.url, card.license.id),
                m.price_cell(card.pricing, "input_per_1m"), m.price_cell(card.pricing, "output_per_1m")]
        answered = side_by_side.answered_tasks(site, view.id)
        demo = lambda tasks: next((rel_url(PAGE_ROOT, f"models/{view.id}/") + f"#answers-{t}"  # noqa: E731
                                   for t in tasks if t in answered), None)
        tasks = [m.task_cell(has, demo(t) if has else None, view.name)
                 for _, t, f, _ in VISION_TASKS for has in [view.has_task(t, f)]]
        reported: dict[tuple, tuple[bytes, bytes]] = {}
        for rep in card.reported:
            key = (rep.benchmark, rep.metric, rep.setting or "")
            if key not in reported:
                reported[key] = (_bytes(m.reported_head(rep)), _bytes(m.reported_cell(rep)))
        return {"spec": [_bytes(c) for c in spec], "tasks": [_bytes(c) for c in tasks],
                "features": [_bytes(m.yes_cell(f in card.features)) for f in FEATURES],
                "evals": [_bytes(ev.overall(e)), *(_bytes(ev.efficiency(e, key)) for _, key, _ in evidence.EFFICIENCY_ROWS)],
                "imported_note": _bytes(ev.imported_note(view, e)), "reported_notes": _bytes(ev.reported_notes(view, e)),
                "measured": {suite_id: _bytes(m.measured_cell(view.best(suite_id))) for suite_id in site.suites},
                "reported": reported, "command": _text(next_run_command(site, view) or "")}
    return cached(site.cache, ("model-cells", view.id), make)


class _Side:
    """What a model shows on its side ('a' or 'b') of every pair page it is on, once per worker:
    the frame's slots for it, and its half of each row of the two-model tables (``_halves``)."""

    def __init__(self, site: SiteData, view: ModelView, side: str):
        m, cells, e = _cells(site), _model_cells(site, view), best_evidence(site, view)
        self.site, self.view, self.side, self.evidence = site, view, side, e
        self.values = {f"{side}.name": _text(view.name), f"{side}.id": _text(view.id),
                       f"{side}.lede": _bytes(m.lede(view.card)), f"{side}.overview": _bytes(m.overview(view, side)),
                       f"{side}.evidence": _text(e.name) if e else b""}
        self.spec, self.tasks, self.features, self.evals = (
            _halves(_row_ends(site, labels), cells[name], side) for labels, name in (
                (SPEC_LABELS, "spec"), (TASK_LABELS, "tasks"), (FEATURE_LABELS, "features"), (EVIDENCE_LABELS, "evals")))
        self.evals_head = _bytes(_evidence_macros(site).column_head(view, e, side, PAGE_ROOT))
        self.imported_note, self.reported_notes = cells["imported_note"], cells["reported_notes"]
        self.measured, self.reported, self.command = cells["measured"], cells["reported"], cells["command"]
        # what the Vision evals block of a pair depends on (evidence.block): suite and category names
        self.evidence_key = e and (e.suite or e.name, tuple(e.category_names))
        self.partial = e is not None and not e.full
        self._category_rows: dict[tuple, list[bytes]] = {}
        self._h2h: dict[str, tuple] = {}

    def category_rows(self, layout: tuple[tuple[str, str], ...]) -> list[bytes]:
        """Its half of the Vision evals block's category rows (``layout``: the pair's categories by
        key and name, evidence.block), — in a category it has no figure for."""
        found = self._category_rows.get(layout)
        if found is None:
            e, ev, num = self.evidence, _evidence_macros(self.site), _cells(self.site).num
            cells = [_bytes(num(ev.figure(e.categories.get(key) if e else None, bar=False))) for key, _ in layout]
            found = self._category_rows[layout] = _halves(_row_ends(self.site, [name for _, name in layout]), cells,
                                                          self.side)
        return found

    def h2h(self, suite_id: str) -> tuple | None:
        """On a suite: its best result, that result's source as the head-to-head names it, and its
        half of each head-to-head row (``_half_rows``); None without a result there."""
        if suite_id not in self._h2h:
            result = self.view.best(suite_id)
            self._h2h[suite_id] = result and (result, _text(source_text(result)),
                                              _half_rows(self.site, suite_id, self.view.id, result.source, self.side))
        return self._h2h[suite_id]


def _side(site: SiteData, view: ModelView, side: str) -> _Side:
    return cached(site.cache, ("compare-side", view.id, side), lambda: _Side(site, view, side))


def pieces(site: SiteData, pairs: list[tuple[str, str]], models: set[str]) -> dict[tuple, Any]:
    """What the pair pages ``pairs`` take from ``models`` (those of their models rendered here):
    each one's cells (``_model_cells``), its answer cells on each suite (``_answer_cells``) and its
    answers in the side-by-side sections, as the cache keys them. They are plain bytes and
    stencils: the build renders them in a first phase, each model's in one process, and merges
    them into the cache before forking the page workers, which would otherwise each render
    nearly all of them (three quarters of a pair page's cost at 50 models)."""
    before = set(site.cache)
    seen: set[str] = set()
    for a, b in pairs:
        for model_id, partner_id in ((a, b), (b, a)):
            if model_id not in models:
                continue
            if model_id not in seen:
                seen.add(model_id)
                view = site.models[model_id]
                _model_cells(site, view)
                for suite_id in site.suites:
                    if result := view.best(suite_id):
                        _answer_cells(site, suite_id, model_id, result.source)
            side_by_side.warm(site, model_id, partner_id)
    return {key: value for key, value in site.cache.items() if key not in before and (
        key[0] in ("model-cells", "answers") or key[:2] == side_by_side.ANSWER_KEY)}


# ------------------------------------------------------------------ head-to-head

def _prompt_bits(site: SiteData, suite_id: str) -> dict[str, list]:
    """A suite's prompts as a compare page shows them, by place in ``Results.prompt_order`` (the
    bit order of ``Results.pair``): the row opening and list link of each, and the runs of one
    category in that order (start, end, the group row that heads it)."""
    def make() -> dict[str, list]:
        m = _cells(site)
        suite = site.suites[suite_id]
        by_id = {p.id: p for p in suite.prompts}
        found: dict[str, list] = {"heads": [], "links": [], "runs": []}
        for i, prompt_id in enumerate(site.results.prompt_order(suite_id)):
            href = rel_url(PAGE_ROOT, f"suites/{suite_id}/{prompt_id}/")
            found["heads"].append(_bytes(m.prompt_head(href, prompt_id)))
            found["links"].append(_bytes(m.prompt_link(href, prompt_id)))
            category = by_id[prompt_id].prompt.category
            if not found["runs"] or found["runs"][-1][3] != category:
                found["runs"].append([i, i, _bytes(m.group_row(suite.category_name(category))), category])
            found["runs"][-1][1] = i + 1
        return found
    return cached(site.cache, ("prompt-bits", suite_id), make)


def _answer_cells(site: SiteData, suite_id: str, model_id: str, source: str) -> list[bytes]:
    """A (model, source)'s answer cell (verdict mark, answer cut short) per prompt, by place in
    ``Results.prompt_order`` (b"" where it has no answer)."""
    def make() -> list[bytes]:
        m = _cells(site)
        answers = site.results.answers(model_id, suite_id, source)
        cells = []
        for prompt_id in site.results.prompt_order(suite_id):
            answer = answers.get(prompt_id)
            if answer is None:
                cells.append(b"")
                continue
            text = answer.output if answer.output is not None else (f"error: {answer.error}" if answer.error else None)
            cells.append(_bytes(m.answer_cell(answer.passed, truncate_text(text, H2H_OUTPUT_CHARS) if text is not None
                                              else "(no answer)")))
        return cells
    return cached(site.cache, ("answers", suite_id, model_id, source), make)


def _half_rows(site: SiteData, suite_id: str, model_id: str, source: str, side: str) -> list[bytes]:
    """A (model, source)'s half of each head-to-head row on its side: on side a the row opening and
    its answer cell, on side b its cell and the row's end. They are listed by prompt order with one
    more entry before each category's run (its group row on side a, nothing on side b), so a pair's
    rows are two ``compress`` over them."""
    bits, cells = _prompt_bits(site, suite_id), _answer_cells(site, suite_id, model_id, source)
    end = cached(site.cache, ("row-end",), lambda: _bytes(_cells(site).row_end()))
    found: list[bytes] = []
    for start, stop, group, _ in bits["runs"]:
        if side == "a":
            found += [group, *(head + cell for head, cell in zip(bits["heads"][start:stop], cells[start:stop]))]
        else:
            found += [b"", *(cell + end for cell in cells[start:stop])]
    return found


def _differ_rows(runs: list, mask: int, half_a: list[bytes], half_b: list[bytes]) -> bytes:
    """One row per prompt where exactly one model passed, a group row where a new category starts."""
    bits = _bitmap(mask)
    chosen = b"".join([(b"\x01" if 1 in (run := bits[start:stop]) else b"\x00") + run for start, stop, _, _ in runs])
    return _zip_join(list(compress(half_a, chosen)), list(compress(half_b, chosen)))


def _h2h_stencil(site: SiteData, suite, disagree: bool, significant: bool, both: bool, neither: bool) -> Stencil:
    """A suite's head-to-head for one combination of its branches, with slots for the counts."""
    def make() -> Stencil:
        h = {name: slot(f"h.{name}") for name in ("n", "wins", "losses", "ties_pass", "ties_fail", "p_value",
                                                    "source_a", "source_b", "differ", "both_links", "neither_links")}
        h.update(disagree=slot("h.disagree") if disagree else 0, significant=significant, limit=H2H_OUTPUT_CHARS,
                 both=slot("h.both") if both else 0, neither=slot("h.neither") if neither else 0)
        return Stencil(_cells(site).h2h(suite, h, A, B))
    return cached(site.cache, ("h2h", suite.id, disagree, significant, both, neither), make)


def _p_value(site: SiteData, p: float) -> bytes:
    texts = cached(site.cache, ("p-values",), dict)
    found = texts.get(p)
    if found is None:
        found = texts[p] = _text(pvalue(p))
    return found


def _h2h(site: SiteData, sa: _Side, sb: _Side, suite, names: dict[str, bytes]) -> bytes:
    """The prompt-by-prompt section of one suite: ``Results.pair`` on each model's best source
    (b"" when they have no graded prompt in common there)."""
    ha, hb = sa.h2h(suite.id), sb.h2h(suite.id)
    if ha is None or hb is None:
        return b""
    pair = site.results.pair(sa.view.id, sb.view.id, suite.id, ha[0].source, hb[0].source)
    if pair is None:
        return b""
    bits = _prompt_bits(site, suite.id)
    disagree, both = pair.a_only | pair.b_only, pair.both
    neither = pair.common & ~(disagree | both)
    stencil = _h2h_stencil(site, suite, bool(disagree), pair.p_value < 0.05, bool(both), bool(neither))
    return stencil.fill({
        **names, "h.n": b"%d" % pair.n, "h.wins": b"%d" % pair.wins, "h.losses": b"%d" % pair.losses,
        "h.ties_pass": b"%d" % pair.ties_pass, "h.ties_fail": b"%d" % pair.ties_fail,
        "h.p_value": _p_value(site, pair.p_value), "h.disagree": b"%d" % (pair.wins + pair.losses),
        "h.source_a": ha[1], "h.source_b": hb[1], "h.both": b"%d" % pair.ties_pass, "h.neither": b"%d" % pair.ties_fail,
        "h.differ": _differ_rows(bits["runs"], disagree, ha[2], hb[2]) if disagree else b"",
        "h.both_links": b"".join(compress(bits["links"], _bitmap(both))),
        "h.neither_links": b"".join(compress(bits["links"], _bitmap(neither)))})


# ------------------------------------------------------------------ measured vs reported, Vision evals

def _figure_rows(site: SiteData, sa: _Side, sb: _Side) -> bytes:
    """The "Measured vs reported" rows: each suite either model has a result on, then each reported
    figure of either (by benchmark, metric and setting), each row with both models' cells."""
    heads = cached(site.cache, ("figure-heads",), lambda: {suite_id: _bytes(_cells(site).measured_head(suite))
                                                       for suite_id, suite in site.suites.items()})
    end, empty = cached(site.cache, ("figure-ends",), lambda: (_bytes(_cells(site).row_end() + "\n"),
                                                          _bytes(_cells(site).reported_cell(None))))
    pieces = []
    for suite_id in site.suites:
        if sa.view.best(suite_id) or sb.view.best(suite_id):
            pieces += (heads[suite_id], sa.measured[suite_id], sb.measured[suite_id], end)
    ra, rb = sa.reported, sb.reported
    for key in sorted(ra.keys() | rb.keys(), key=lambda k: (k[0].casefold(), k[1].casefold(), k[2])):
        pieces += ((ra.get(key) or rb[key])[0], ra[key][1] if key in ra else empty, rb[key][1] if key in rb else empty,
                   end)
    return b"".join(pieces)


def _evidence_block(site: SiteData, sa: _Side, sb: _Side) -> tuple[bytes, bool]:
    """The Vision evals block (b"" when neither model has evidence), and whether the two columns
    come from different suites (then they describe, they do not rank)."""
    ea, eb = sa.evidence, sb.evidence
    if ea is None and eb is None:
        return b"", False
    def make() -> tuple[tuple, bool]:
        found = evidence.block(ea, eb)
        return tuple(found["categories"]), found["same_suite"]
    layout, same_suite = cached(site.cache, ("evidence-layout", sa.evidence_key, sb.evidence_key), make)
    rows = [_zip_join(sa.evals, sb.evals)]
    if layout:
        rows += (cached(site.cache, ("evidence-group",), lambda: _bytes(_evidence_macros(site).categories_head())),
                 _zip_join(sa.category_rows(layout), sb.category_rows(layout)))
    partial = sa.partial or sb.partial
    block = cached(site.cache, ("evidence-block", partial), lambda: Stencil(_evidence_macros(site).block(
        slot("heads"), slot("rows"), partial, slot("notes"), site.config.coverage_min)))
    return block.fill({"heads": sa.evals_head + sb.evals_head, "rows": b"".join(rows),
                       "notes": sa.imported_note + sb.imported_note + sa.reported_notes + sb.reported_notes}), \
        not same_suite and ea is not None and eb is not None


# ------------------------------------------------------------------ the page

def playground_link(a: ModelView, b: ModelView) -> str:
    """The playground with both models ticked and the first task both cards list (else either's)."""
    common = [t for t in TASKS if t in a.card.tasks and t in b.card.tasks]
    task = (common or [t for t in TASKS if t in a.card.tasks or t in b.card.tasks] or [None])[0]
    query = f"?models={a.id},{b.id}" + (f"&task={task}" if task else "")
    return rel_url(PAGE_ROOT, "playground/") + query


def _commands(site: SiteData, sa: _Side, sb: _Side) -> bytes:
    """What the Vision evals section suggests when neither model has evidence: the commands that
    would measure them."""
    found = [c for c in (sa.command, sb.command) if c]
    stencil = cached(site.cache, ("commands", len(found)), lambda: Stencil(
        _cells(site).commands([slot(f"c{i}") for i in range(len(found))])))
    return stencil.fill({f"c{i}": c for i, c in enumerate(found)})


def _frame(site: SiteData, env, common: dict, flags: tuple[bool, ...]) -> Stencil:
    """``compare.html`` for one combination of the optional sections (``flags``: side by side,
    evidence, suites differ, head-to-head, figures), with a slot for every value of a pair."""
    side_by_side_, evidence_, differ, h2h, figures = flags
    key = ("compare-frame", flags, common["build_date"], common["repository"], common["canonical"] is None)

    def make() -> Stencil:
        optional = {"side_by_side": side_by_side_, "evidence": evidence_, "h2h": h2h, "figures": figures}
        ctx = {**common, "nav": "compare", "a": A, "b": B, "canonical": slot("canonical") if common["canonical"] else None,
               "title": f"{A.name} vs {B.name} — {site.title}",
               "description": f"{A.name} and {B.name} side by side: properties, supported vision tasks, "
                              f"measured pass rates with 95% intervals, prompt-by-prompt head-to-head and reported figures.",
               "live_api": site.config.live_api, "coverage_min": site.config.coverage_min, "suites_differ": differ,
               **{name: slot(name) if present else "" for name, present in optional.items()},
               **{name: slot(name) for name in ("spec_rows", "tasks", "features", "commands", "playground")}}
        return Stencil(env.get_template("compare.html").render(ctx))
    return cached(site.cache, key, make)


def render_compare(site: SiteData, env, page, common: dict) -> bytes:
    """A pair page, joined from the pieces above into its frame."""
    a, b = site.models[page.key[0]], site.models[page.key[1]]
    sa, sb = _side(site, a, "a"), _side(site, b, "b")
    names = {**sa.values, **sb.values}
    values = dict(names, spec_rows=_zip_join(sa.spec, sb.spec), tasks=_zip_join(sa.tasks, sb.tasks),
                  features=_zip_join(sa.features, sb.features), playground=_text(playground_link(a, b)))
    values["evidence"], differ = _evidence_block(site, sa, sb)
    values["commands"] = b"" if values["evidence"] else _commands(site, sa, sb)
    values["side_by_side"] = side_by_side.section(site, a, b, names)
    values["h2h"] = b"".join([_h2h(site, sa, sb, suite, names) for suite in site.suites.values()])
    values["figures"] = _figure_rows(site, sa, sb)
    if common["canonical"]:
        values["canonical"] = _text(site.base_url + pretty(page.path))
    flags = (bool(values["side_by_side"]), bool(values["evidence"]), differ, bool(values["h2h"]),
             bool(values["figures"]))
    return _frame(site, env, common, flags).fill(values)


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


CONTEXTS = {"compare_index": ctx_compare_index}
TEMPLATES = {"compare": "compare.html", "compare_index": "compare_index.html"}
RENDERERS = {"compare": render_compare}
PIECES = {"compare": pieces}
