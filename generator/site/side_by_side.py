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


def _in_order(site: SiteData, model_id: str, task: str) -> list[tuple[tuple[str, str], dict]]:
    """A model's answered (suite, prompt) keys of a task with their rows, in suite and prompt order:
    once per worker, so a pair walks one list instead of sorting the prompts it shares."""
    key = ("side-by-side", "in-order", model_id, task)
    found = site.cache.get(key)
    if found is None:
        place = _places(site)
        rows = _answered(site).get(model_id, {}).get(task, {})
        found = site.cache[key] = sorted(rows.items(), key=lambda kv: place[kv[0]])
    return found


def _order(row_a: dict, row_b: dict) -> int:
    """Prompts where the verdicts differ first, then other graded prompts, then demo prompts."""
    if row_a["scored"] and row_b["scored"]:
        return 0 if bool(row_a["passed"]) != bool(row_b["passed"]) else 1
    return 2


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
        other = theirs[task]
        ranked: tuple[list, list, list] = ([], [], [])  # verdicts differ, other graded, demo
        for k, row in _in_order(site, a.id, task):
            row_b = other.get(k)
            if row_b is not None:
                ranked[_order(row, row_b)].append((k, row, row_b))
        shared = len(ranked[0]) + len(ranked[1]) + len(ranked[2])
        if not shared:
            continue
        items = []
        for (suite_id, prompt_id), row_a, row_b in (ranked[0] + ranked[1] + ranked[2])[:IMAGES_PER_TASK]:
            suite = site.suites[suite_id]
            p = suite.prompts[_places(site)[(suite_id, prompt_id)][1]]
            answers = [_panel(site, suite_id, row, p.prompt, colour) for colour, row in enumerate((row_a, row_b))]
            about = _prompt(site, suite, p, _order(row_a, row_b) == 0)
            items.append({"p": p, "truth": about["truth"], "about": about["html"],
                          "layers": [x["layer"] for x in answers], "panels": answers[0]["html"] + answers[1]["html"]})
        out.append({"task": task, "name": TASK_NAMES[task], "images": items, "shared": shared,
                    "boxed": task in overlays.BOX_TASKS, "differ": len(ranked[0])})
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
