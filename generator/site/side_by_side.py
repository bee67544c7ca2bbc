"""The "Side by side" section of a pair page: the same images through both models.

For each task both cards list and both models have answers for, a few images, the prompts where
one model passed and the other failed first: each image once, both models' boxes over it in their
colours (the ground truth dashed, the grader's IoU matching listed), both answers and verdicts
beside it. Pairs without shared answers get no section at all, so most of the n(n-1)/2 compare
pages carry no extra weight; the per-model index of answered prompts is built once per worker.

A model's answer panel to a prompt is the same on every pair page that shows it (in the colour of
its side), and so is a prompt's description: both are rendered once per worker (``_panels.html``,
``_side_by_side.html``) and reused as Markup. Only the image with both models' boxes over it and the
order of the prompts are made per pair.
"""

from __future__ import annotations

from ..catalog.vocab import TASK_NAMES, TASKS
from . import overlays
from .gallery_pages import answer_panel
from .render import macros
from .view import ModelView, SiteData

IMAGES_PER_TASK = 3
FRAGMENTS = "_side_by_side.html"
PANELS = "_panels.html"
PAGE_ROOT = "../../"  # every pair page is compare/a-vs-b/


def _answered(site: SiteData) -> dict[str, dict[str, dict[tuple[str, str], dict]]]:
    """model -> task -> (suite, prompt) -> its answer row from the model's best source on that suite
    (measured first), for prompts with an image."""
    found = site.cache.get(("side-by-side", "answered"))
    if found is not None:
        return found
    found = {}
    for suite in site.suites.values():
        best = {}
        for model_id, view in site.models.items():
            result = view.best(suite.id)
            sources = site.results.sources(model_id, suite.id)
            if result is not None or sources:
                best[model_id] = result.source if result is not None else sources[0]
        for p in suite.prompts:
            if p.image_url is None:
                continue
            for row in site.results.prompt_records(suite.id, p.id):
                if best.get(row["model"]) == row["source"]:
                    found.setdefault(row["model"], {}).setdefault(p.prompt.task, {})[(suite.id, p.id)] = row
    site.cache[("side-by-side", "answered")] = found
    return found


def _places(site: SiteData) -> dict[tuple[str, str], tuple[int, int]]:
    """(suite, prompt) -> (the suite's place, the prompt's place in it), once per worker."""
    found = site.cache.get(("side-by-side", "places"))
    if found is None:
        found = site.cache[("side-by-side", "places")] = {
            (suite.id, p.id): (i, j) for i, suite in enumerate(site.suites.values()) for j, p in enumerate(suite.prompts)}
    return found


def _universe(site: SiteData, task: str) -> list[tuple[str, str]]:
    """The (suite, prompt) keys of a task that have an image, in suite and prompt order: the bit
    positions of the masks below, once per worker."""
    key = ("side-by-side", "universe", task)
    found = site.cache.get(key)
    if found is None:
        place = _places(site)
        found = site.cache[key] = sorted({k for per_model in _answered(site).values() for k in per_model.get(task, {})},
                                         key=place.__getitem__)
    return found


def _masks(site: SiteData, model_id: str, task: str) -> tuple[int, int, int]:
    """A model's answered, scored and passed prompts of a task as bit masks over ``_universe``, once
    per worker: a pair's shared and differing prompts are then a few integer operations, with the
    head-to-head's popcount (``Results.pair``) for counting them."""
    key = ("side-by-side", "masks", model_id, task)
    found = site.cache.get(key)
    if found is None:
        rows = _answered(site).get(model_id, {}).get(task, {})
        answered = scored = passed = 0
        for bit, k in enumerate(_universe(site, task)):
            row = rows.get(k)
            if row is not None:
                answered |= 1 << bit
                if row["scored"]:
                    scored |= 1 << bit
                    if row["passed"]:
                        passed |= 1 << bit
        found = site.cache[key] = (answered, scored, passed)
    return found


def _first(mask: int, limit: int) -> list[int]:
    """The lowest ``limit`` set bits of ``mask``, lowest first."""
    bits = []
    while mask and len(bits) < limit:
        low = mask & -mask
        bits.append(low.bit_length() - 1)
        mask ^= low
    return bits


def _fragments(site: SiteData, template: str = FRAGMENTS):
    return macros(site.cache, template, site.config.score_bands, root=PAGE_ROOT)


def _panel(site: SiteData, suite_id: str, row: dict, prompt, colour: int) -> dict:
    """A model's answer to one prompt in one side's colour, with its panel rendered: the same on
    every pair page that shows it."""
    key = ("side-by-side", "panel", suite_id, row["prompt_id"], row["model"], colour)
    found = site.cache.get(key)
    if found is None:
        found = site.cache[key] = answer_panel(site, suite_id, row, prompt, colour)
        found["html"] = _fragments(site, PANELS).answer(found, prompt.task in overlays.BOX_TASKS)
    return found


def _prompt(site: SiteData, suite, p, differ: bool) -> dict:
    """A prompt's ground truth and its description beside the image (with or without the
    "verdicts differ" mark), the same on every pair page that shows it."""
    key = ("side-by-side", "prompt", suite.id, p.id, differ)
    found = site.cache.get(key)
    if found is None:
        truth = overlays.truth(p.prompt)
        found = {"suite": suite, "p": p, "truth": truth, "differ": differ,
                 "truth_text": overlays.count_labels([d.label for d in truth]),
                 "category": suite.category_name(p.prompt.category)}
        found["html"] = _fragments(site).prompt_text(found, p.prompt.task in overlays.BOX_TASKS)
        site.cache[key] = found
    return found


def sections(site: SiteData, a: ModelView, b: ModelView) -> list[dict]:
    """One entry per shared task with answers from both: its images, each with both answers."""
    theirs = _answered(site).get(b.id, {})
    out = []
    for task in TASKS:
        if task not in a.card.tasks or task not in b.card.tasks or task not in theirs:
            continue
        (in_a, scored_a, passed_a), (in_b, scored_b, passed_b) = _masks(site, a.id, task), _masks(site, b.id, task)
        shared = in_a & in_b
        if not shared:
            continue
        graded = shared & scored_a & scored_b
        differ = graded & (passed_a ^ passed_b)
        # prompts where the verdicts differ first, then other graded prompts, then demo prompts
        ranked = [differ, graded & ~differ, shared & ~graded]
        bits: list[int] = []
        for mask in ranked:
            bits += _first(mask, IMAGES_PER_TASK - len(bits))
        universe, mine, other = _universe(site, task), _answered(site)[a.id][task], theirs[task]
        items = []
        for bit in bits:
            suite_id, prompt_id = universe[bit]
            suite = site.suites[suite_id]
            p = suite.prompts[_places(site)[(suite_id, prompt_id)][1]]
            answers = [_panel(site, suite_id, row, p.prompt, colour)
                       for colour, row in enumerate((mine[universe[bit]], other[universe[bit]]))]
            about = _prompt(site, suite, p, bool(differ >> bit & 1))
            items.append({"p": p, "truth": about["truth"], "about": about["html"],
                          "layers": [x["layer"] for x in answers], "panels": answers[0]["html"] + answers[1]["html"]})
        out.append({"task": task, "name": TASK_NAMES[task], "images": items, "shared": shared.bit_count(),
                    "boxed": task in overlays.BOX_TASKS, "differ": differ.bit_count()})
    return out


def answered_tasks(site: SiteData, model_id: str) -> set[str]:
    """The tasks a model has answers for (on prompts with an image)."""
    return set(_answered(site).get(model_id, {}))


def answers_by_task(site: SiteData, model_id: str) -> list[dict]:
    """A model's answers grouped by task (its best source per suite), for its page's "Answers by
    task" section, which the pair pages' task matrix links to."""
    out = []
    for task, answers in sorted(_answered(site).get(model_id, {}).items(), key=lambda kv: TASKS.index(kv[0])):
        rows = [{"suite": suite_id, "prompt": prompt_id, "row": row} for (suite_id, prompt_id), row in answers.items()]
        scored = [r["row"] for r in rows if r["row"]["scored"]]
        out.append({"task": task, "name": TASK_NAMES[task], "rows": rows, "graded": len(scored),
                    "passed": sum(1 for r in scored if r["passed"])})
    return out


__all__ = ["IMAGES_PER_TASK", "answered_tasks", "answers_by_task", "sections"]
