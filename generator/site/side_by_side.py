"""The "Side by side" section of a pair page: the same images through both models.

For each task both cards list and both models have answers for, a few images, the prompts where
one model passed and the other failed first: each image once, both models' boxes over it in their
colours (the ground truth dashed, the grader's IoU matching listed), both answers and verdicts
beside it. Pairs without shared answers get no section at all, so most of the n(n-1)/2 compare
pages carry no extra weight; the per-model index of answered prompts is built once per worker.

A model's answer to a prompt looks the same on every pair page that shows it on its side (its box
layer, legend entry and panel, in that side's colour), and so does the image with its ground truth
and its prompt's description: each is rendered once per worker (``_side_by_side.html``,
``_panels.html``, ``_macros.html``) and kept as UTF-8 bytes; the image is a stencil (stencil.py)
with the two models' pieces as its slots. Per pair there remain the choice of images (bit masks)
and the joins.
"""

from __future__ import annotations

from ..catalog.vocab import TASK_NAMES, TASKS
from . import overlays
from .gallery_pages import answer_panel
from .render import cached, macros
from .stencil import Placeholders, Stencil, slot
from .view import ModelView, SiteData

IMAGES_PER_TASK = 3
FRAGMENTS = "_side_by_side.html"
PANELS = "_panels.html"
PAGE_ROOT = "../../"  # every pair page is compare/a-vs-b/
ANSWER_KEY = ("side-by-side", "answer")  # + (model, task, bit): a model's answer to an image, as stencils


def _answered(site: SiteData) -> dict[str, dict[str, dict[tuple[str, str], dict]]]:
    """model -> task -> (suite, prompt) -> its answer row from the model's best source on that suite
    (measured first), for prompts with an image."""
    return cached(site.cache, ("side-by-side", "answered"), lambda: _answered_rows(site))


def _answered_rows(site: SiteData) -> dict[str, dict[str, dict[tuple[str, str], dict]]]:
    found: dict = {}
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
    return found


def _places(site: SiteData) -> dict[tuple[str, str], tuple[int, int]]:
    """(suite, prompt) -> (the suite's place, the prompt's place in it), once per worker."""
    return cached(site.cache, ("side-by-side", "places"), lambda: {
        (suite.id, p.id): (i, j) for i, suite in enumerate(site.suites.values()) for j, p in enumerate(suite.prompts)})


def _universe(site: SiteData, task: str) -> list[tuple[str, str]]:
    """The (suite, prompt) keys of a task that have an image, in suite and prompt order: the bit
    positions of the masks below, once per worker."""
    return cached(site.cache, ("side-by-side", "universe", task), lambda: sorted(
        {k for per_model in _answered(site).values() for k in per_model.get(task, {})}, key=_places(site).__getitem__))


def _masks(site: SiteData, model_id: str, task: str) -> tuple[int, int, int]:
    """A model's answered, scored and passed prompts of a task as bit masks over ``_universe``, once
    per worker: a pair's shared and differing prompts are then a few integer operations, with the
    head-to-head's popcount (``Results.pair``) for counting them."""
    def make() -> tuple[int, int, int]:
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
        return answered, scored, passed
    return cached(site.cache, ("side-by-side", "masks", model_id, task), make)


def _fragments(site: SiteData, template: str = FRAGMENTS):
    return macros(site.cache, template, site.config.score_bands, root=PAGE_ROOT)


def _tasks(site: SiteData, view: ModelView) -> dict[str, tuple[int, int, int, tuple[_Sides, _Sides]]]:
    """A model's tasks that its card lists and it has answers for, in TASKS order: its masks and
    its answers to the task's images on either side."""
    def make() -> dict:
        theirs = _answered(site).get(view.id, {})
        return {task: (*_masks(site, view.id, task), (_Sides(site, view.id, task, 0), _Sides(site, view.id, task, 1)))
                for task in TASKS if task in view.card.tasks and task in theirs}
    return cached(site.cache, ("side-by-side", "tasks", view.id), make)


def _answer(site: SiteData, model_id: str, task: str, bit: int) -> tuple[Stencil, Stencil, Stencil]:
    """A model's answer to one image: its box layer, legend entry and answer panel, rendered once
    per worker with a slot for the colour of its side."""
    suite_id, prompt_id = _universe(site, task)[bit]
    row = _answered(site)[model_id][task][(suite_id, prompt_id)]
    prompt = site.suites[suite_id].prompts[_places(site)[(suite_id, prompt_id)][1]].prompt
    answer = answer_panel(site, suite_id, row, prompt, slot("colour"))
    m = _fragments(site, "_macros.html")
    return (Stencil(m.model_layer(answer["layer"], True)), Stencil(m.legend_item(answer["layer"])),
            Stencil(_fragments(site, PANELS).answer(answer, task in overlays.BOX_TASKS)))


def _answer_stencils(site: SiteData, model_id: str, task: str, bit: int) -> tuple[Stencil, Stencil, Stencil]:
    return cached(site.cache, ANSWER_KEY + (model_id, task, bit), lambda: _answer(site, model_id, task, bit))


class _Sides(list):
    """A model's answers to a task's images on one side, by bit of ``_universe``: (box layer, legend
    entry, answer panel) in that side's colour, filled in as pairs ask for them (from ``_answer``,
    shared with the other side), then the same on every pair page that shows them."""

    def __init__(self, site: SiteData, model_id: str, task: str, colour: int):
        super().__init__([None] * len(_universe(site, task)))
        self.site, self.model_id, self.task, self.colour = site, model_id, task, colour

    def make(self, bit: int) -> tuple[bytes, bytes, bytes]:
        stencils = _answer_stencils(self.site, self.model_id, self.task, bit)
        colour = {"colour": b"%d" % self.colour}
        self[bit] = tuple(stencil.fill(colour) for stencil in stencils)
        return self[bit]


# The image's slots in the order ``_TaskImages.image`` fills them (its template's order).
IMAGE_SLOTS = ["a.layer", "b.layer", "a.item", "b.item", "a.panel", "b.panel"]


class _TaskImages:
    """A task's part of the section, once per worker: its heading for each combination of its
    branches, and each image with its ground truth and its prompt's description beside it (with
    or without the "verdicts differ" mark), open for the two models' pieces (``_Sides``)."""

    def __init__(self, site: SiteData, task: str):
        self.site, self.task = site, task
        self.images: dict[tuple[int, int], Stencil] = {}
        self.heads: dict[tuple[bool, bool], Stencil] = {}

    def head(self, plural: bool, differ: bool) -> Stencil:
        found = self.heads.get((plural, differ))
        if found is None:
            found = self.heads[plural, differ] = Stencil(_fragments(self.site).task_head({
                "task": self.task, "name": TASK_NAMES[self.task], "shown": slot("shown"), "shared": slot("shared"),
                "plural": plural, "differ": slot("differ") if differ else 0}))
        return found

    def image(self, bit: int, differ: int) -> Stencil:
        found = self.images.get((bit, differ))
        if found is None:
            suite_id, prompt_id = _universe(self.site, self.task)[bit]
            suite = self.site.suites[suite_id]
            p = suite.prompts[_places(self.site)[(suite_id, prompt_id)][1]]
            truth = overlays.truth(p.prompt)
            it = {"suite": suite, "p": p, "truth": truth, "differ": differ, "category": suite.category_name(p.prompt.category),
                  "truth_text": overlays.count_labels([d.label for d in truth])}
            f = _fragments(self.site)
            it["about"] = f.prompt_text(it, self.task in overlays.BOX_TASKS)
            found = Stencil(f.image(it, *(slot(a) + slot(b) for a, b in zip(IMAGE_SLOTS[::2], IMAGE_SLOTS[1::2]))))
            assert found.names == IMAGE_SLOTS, found.names
            self.images[bit, differ] = found
        return found


def _pick(masks: tuple[int, ...], limit: int) -> list[int]:
    """The lowest set bits of the first mask, then of the next..., ``limit`` in all."""
    bits: list[int] = []
    for mask in masks:
        while mask and len(bits) < limit:
            low = mask & -mask
            bits.append(low.bit_length() - 1)
            mask ^= low
    return bits


def _images(a: tuple, b: tuple) -> tuple[list[int], int, int]:
    """A pair's images of one task from the two models' (answered, scored, passed) masks: the bits
    shown (the prompts where the verdicts differ first, then other graded prompts, then demo
    prompts), and the shared and differing masks. The same whichever model is on which side."""
    (in_a, scored_a, passed_a), (in_b, scored_b, passed_b) = a[:3], b[:3]
    shared = in_a & in_b
    graded = shared & scored_a & scored_b
    differ = graded & (passed_a ^ passed_b)
    return _pick((differ, graded & ~differ, shared & ~graded), IMAGES_PER_TASK), shared, differ


def _shared_tasks(site: SiteData, a: str, b: str):
    """(task, a's entry, b's entry) of ``_tasks`` for each task both models answered an image of."""
    theirs = _tasks(site, site.models[b])
    for task, mine in _tasks(site, site.models[a]).items():
        masks = theirs.get(task)
        if masks is not None and mine[0] & masks[0]:
            yield task, mine, masks


def section(site: SiteData, a: ModelView, b: ModelView, names: dict[str, bytes]) -> bytes:
    """The section of a pair page (b"" when the two share no answered image): per shared task its
    heading and its images (``_images``). ``names``: the page's escaped 'a.name', 'a.id', 'b.name', 'b.id'."""
    pieces: list[bytes] = [b""]  # the intro, where there is a section
    by_task: dict[str, _TaskImages] = cached(site.cache, ("side-by-side", "task-images"), dict)
    for task, mine, theirs in _shared_tasks(site, a.id, b.id):
        sides_a, sides_b = mine[3][0], theirs[3][1]
        bits, shared, differ = _images(mine, theirs)
        n_shared, n_differ = shared.bit_count(), differ.bit_count()
        images = by_task.get(task) or by_task.setdefault(task, _TaskImages(site, task))
        pieces.append(images.head(n_shared != 1, n_differ > 0).fill(
            {"shown": b"%d" % len(bits), "shared": b"%d" % n_shared, "differ": b"%d" % n_differ}))
        for bit in bits:
            la, ia, pa = sides_a[bit] or sides_a.make(bit)
            lb, ib, pb = sides_b[bit] or sides_b.make(bit)
            pieces.append(images.image(bit, differ >> bit & 1).fill_ordered((la, lb, ia, ib, pa, pb)))
    if len(pieces) == 1:
        return b""
    pieces[0] = cached(site.cache, ("side-by-side", "intro"),
                        lambda: Stencil(_fragments(site).intro(Placeholders("a"), Placeholders("b")))).fill(names)
    return b"".join(pieces)


def warm(site: SiteData, model_id: str, partner_id: str) -> None:
    """Render (into the cache) the answers of ``model_id`` that its pair page with ``partner_id``
    shows, as ``section`` would: for the build's first phase (compare_pages.pieces)."""
    for task, mine, theirs in _shared_tasks(site, model_id, partner_id):
        for bit in _images(mine, theirs)[0]:
            _answer_stencils(site, model_id, task, bit)


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


__all__ = ["IMAGES_PER_TASK", "answered_tasks", "answers_by_task", "section"]
