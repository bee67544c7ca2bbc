"""Gallery pages: one per vision task (the same images through every model that supports it,
outputs and boxes side by side) and the task index; also the answer panel that prompt pages share.
"""

from __future__ import annotations

from typing import Iterable

from ..catalog.schemas import Prompt
from ..catalog.vocab import TASK_NAMES, TASKS
from ..results import MEASURED
from . import overlays
from .judging import judged
from .view import SiteData, repo_url

GALLERY_PROMPTS = 24
GENERAL_DETECTOR = 12  # a model whose answers name more classes than this detects anything: shown everywhere
GALLERY_MODELS = 12  # panels per image; every answer is on the prompt's own page
COLOURS = 8  # model colours in site.css, .c0 … .c7


def answer_panel(site: SiteData, suite_id: str, row: dict, prompt: Prompt, colour: int) -> dict:
    """One stored answer as pages show it: the row, its boxes as a drawable layer, the matching."""
    record = site.results.records.get((suite_id, row["model"], row["source"], row["prompt_id"]))
    view = site.models.get(row["model"])
    boxes, match = overlays.layer(prompt, record)
    provenance = {"text": "measured here", "url": None}
    if record is not None and not record.measured:
        provenance = {"text": f"imported: {row['source']}", "url": repo_url(record.source.repository)}
    return {"row": row, "view": view, "match": match, "provenance": provenance, "judged": judged(site, record),
            "layer": overlays.Layer(row["model"], view.name if view else row["model"], colour, boxes)}


def colours(models: Iterable[str]) -> dict[str, int]:
    """One colour per model on a page, in the order given (site.css has .c0 … .c7)."""
    order = list(dict.fromkeys(models))
    return {m: i % COLOURS for i, m in enumerate(order)}


def _classes(site: SiteData, task: str) -> dict[str, set[str] | None]:
    """The classes each model's boxes name over a box task (from its own answers: cards do not list
    classes); None for a general detector. A face detector is then shown on face prompts only."""
    of_task = {(suite.id, p.id) for suite in site.suites.values() for p in suite.prompts if p.prompt.task == task}
    found: dict[str, set[str]] = {}
    for (suite_id, model, _source, prompt_id), record in site.results.records.items():
        if (suite_id, prompt_id) in of_task:
            boxes = record.structured.boxes if record.structured is not None else []
            found.setdefault(model, set()).update(b.label for b in boxes if b.label)
    return {m: (None if len(labels) > GENERAL_DETECTOR else labels) for m, labels in found.items()}


def _fits(row: dict, classes: dict[str, set[str] | None], wanted: set[str]) -> bool:
    """A box-task answer belongs in the gallery when the prompt's ground truth names a class the model
    detects (or the prompt has no labelled truth, or the model is a general detector)."""
    if not wanted:
        return True
    labels = classes.get(row["model"], set())
    return labels is None or bool(labels & wanted)


def _wanted(prompt: Prompt) -> set[str]:
    """The classes a box prompt asks for: its ground-truth labels, or a box count's label."""
    labels = {d.label for d in overlays.truth(prompt) if d.label}
    if not labels and prompt.grader is not None and prompt.grader.name == "count-from-boxes":
        label = prompt.grader.options.get("label")
        labels = {label} if label else set()
    return labels


def _differ(rows: list[dict]) -> bool:
    scored = [bool(r["passed"]) for r in rows if r["scored"]]
    return len(set(scored)) > 1


def ctx_task(site: SiteData, task: str) -> dict:
    supporting = [site.models[m] for m in sorted(site.models, key=lambda m: site.models[m].name.casefold())
                  if task in site.models[m].card.tasks]
    rank = {m: i for i, m in enumerate(site.ranking)}
    order = lambda r: (rank.get(r["model"], len(rank)), r["source"] != MEASURED, r["source"])  # noqa: E731
    found = [(suite, p) for suite in site.suites.values() for p in suite.prompts if p.prompt.task == task]
    pictured = [(suite, p) for suite, p in found if p.image_url is not None]
    boxed = task in overlays.BOX_TASKS
    classes = _classes(site, task) if boxed else {}
    supports = {v.id for v in supporting}
    rows_of = {}
    for suite, p in pictured:
        wanted = _wanted(p.prompt) if boxed else set()
        rows_of[(suite.id, p.id)] = sorted((r for r in site.results.prompt_records(suite.id, p.id)
                                            if r["model"] in supports and _fits(r, classes, wanted)), key=order)
    # answered first, where the models' verdicts differ first of those, else suite order
    pictured.sort(key=lambda sp: (not rows_of[(sp[0].id, sp[1].id)], not _differ(rows_of[(sp[0].id, sp[1].id)])))
    shown = [(suite, p, rows_of[(suite.id, p.id)]) for suite, p in pictured[:GALLERY_PROMPTS]]
    models = sorted({r["model"] for _, _, rows in shown for r in rows[:GALLERY_MODELS]},
                    key=lambda m: (rank.get(m, len(rank)), m))
    colour_of = colours(models)
    items = []
    for suite, p, rows in shown:
        answers = [answer_panel(site, suite.id, r, p.prompt, colour_of[r["model"]]) for r in rows[:GALLERY_MODELS]]
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
            "without_image": len(found) - len(pictured), "boxed": boxed,
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


CONTEXTS = {"task": ctx_task, "tasks_index": ctx_tasks_index}
TEMPLATES = {"task": "task.html", "tasks_index": "tasks_index.html"}
