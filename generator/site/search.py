"""Site search with Pagefind, through its Python API.

The index is built from records we compose from the data (one per model, suite, task, prompt
and the flagship comparison), not by crawling 20,000 compare pages: it stays small, takes a
fraction of a second, and its digest tells the incremental build whether it must be rebuilt at
all. The page-side script (static/site.js) imports ``pagefind/pagefind.js`` only when the
search box is focused or used, so no page pays for search until someone searches.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import threading
from html import escape
from pathlib import Path

from ..catalog.vocab import TASK_NAMES, TASKS
from .view import SiteData, digest

# Pagefind also writes its ready-made UIs; the site has its own small one, so these are dropped.
UNUSED = ("pagefind-ui.js", "pagefind-ui.css", "pagefind-component-ui.js", "pagefind-component-ui.css",
          "pagefind-modular-ui.js", "pagefind-modular-ui.css", "pagefind-highlight.js")


def records(site: SiteData) -> list[dict]:
    out = []
    for view in site.models.values():
        card = view.card
        words = [card.name, card.organization, card.family or "", *card.aliases,
                 *(TASK_NAMES[t] for t in card.tasks), card.license.id, card.access, view.overview_text]
        out.append({"url": f"models/{card.id}/", "content": " ".join(w for w in words if w),
                    "meta": {"title": card.name, "kind": "Model"}})
    for suite in site.suites.values():
        text = " ".join([suite.name, suite.suite.description, *(c.name for c in suite.suite.categories)])
        out.append({"url": f"suites/{suite.id}/", "content": text, "meta": {"title": suite.name, "kind": "Suite"}})
        for p in suite.prompts:
            text = " ".join([p.id, p.prompt.prompt, suite.category_name(p.prompt.category), TASK_NAMES[p.prompt.task]])
            out.append({"url": f"suites/{suite.id}/{p.id}/", "content": text,
                        "meta": {"title": f"{p.id} · {suite.name}", "kind": "Prompt"}})
    for task in TASKS:
        out.append({"url": f"tasks/{task}/", "content": f"{TASK_NAMES[task]} gallery {task}",
                    "meta": {"title": TASK_NAMES[task], "kind": "Task"}})
    if site.flagship and all(m in site.models for m in site.flagship):
        a, b = (site.models[m] for m in site.flagship)
        out.append({"url": f"compare/{a.id}-vs-{b.id}/", "content": f"{a.name} vs {b.name} compare comparison",
                    "meta": {"title": f"{a.name} vs {b.name}", "kind": "Comparison"}})
    out.sort(key=lambda r: r["url"])
    return out


def records_digest(recs: list[dict]) -> str:
    try:
        from importlib.metadata import version
        pf = version("pagefind")
    except Exception:  # noqa: BLE001
        pf = "?"
    return digest("pagefind", pf, json.dumps(recs, sort_keys=True, ensure_ascii=False))


def _document(record: dict) -> str:
    meta = record["meta"]
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{escape(meta["title"])}</title></head>'
            f'<body><main data-pagefind-body><h1>{escape(meta["title"])}</h1>'
            f'<span data-pagefind-meta="kind" hidden>{escape(meta["kind"])}</span>'
            f'<p>{escape(record["content"])}</p></main></body></html>')


async def _write(source: Path, target: Path) -> None:
    from pagefind.index import PagefindIndex

    # Leaving the context writes the files, to the configured output_path (default: ./pagefind
    # relative to the working directory!), so the absolute target goes into the config.
    async with PagefindIndex(config={"force_language": "en", "output_path": str(target)}) as index:
        await index.add_directory(str(source))


def _run_sync(make_coroutine) -> None:
    """asyncio.run, also from a thread that already runs an event loop (serve, Playwright)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(make_coroutine())
        return
    failure: list[BaseException] = []

    def target():
        try:
            asyncio.run(make_coroutine())
        except BaseException as e:  # noqa: BLE001 - re-raised in the caller's thread
            failure.append(e)

    thread = threading.Thread(target=target, name="pagefind-index")
    thread.start()
    thread.join()
    if failure:
        raise failure[0]


def write_index(recs: list[dict], target: Path) -> list[str]:
    """Write the Pagefind bundle into ``target``; return the written files relative to it.

    The Python API answers each request after a 0.1 s poll, so records are not sent one by one:
    one small HTML document per record is written to a temporary folder (at the record's URL)
    and indexed with a single ``add_directory`` request.
    """
    with tempfile.TemporaryDirectory(prefix="pagefind-src-") as tmp:
        source = Path(tmp)
        for r in recs:
            page = source / r["url"] / "index.html"
            page.parent.mkdir(parents=True, exist_ok=True)
            page.write_text(_document(r), encoding="utf-8")
        _run_sync(lambda: _write(source, target))
    for name in UNUSED:
        (target / name).unlink(missing_ok=True)
    return sorted(p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file())
