"""Site search with Pagefind.

The index is built from records we compose from the data (one per model, suite, task, prompt
and the flagship comparison), not by crawling 20,000 compare pages: it stays small, takes a
fraction of a second, and its digest tells the incremental build whether it must be rebuilt at
all. The page-side script (static/site.js) imports ``pagefind/pagefind.js`` only when the
search box is focused or used, so no page pays for search until someone searches.

The index is written by the Pagefind binary (from the ``pagefind[bin]`` package) run as a plain
command-line subprocess (``IndexJob``), which the build starts before rendering and waits for
before publishing: the 0.1-0.2 s it takes pass while the pages render. Its output is
byte-identical to that of Pagefind's Python API, which drives the same binary but answers each
request only after a 0.1 s poll (0.3-0.6 s per build, and it needs an event loop).
"""

from __future__ import annotations

import json
import os
import subprocess
from html import escape
from pathlib import Path

from ..catalog.vocab import TASK_NAMES, TASKS
from .digests import digest
from .view import SiteData

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


def records_digest(recs: list[dict], versions: dict[str, str | None]) -> str:
    """What the index is made of: the records and the Pagefind that indexes them (the package and
    the binary it runs, which may be upgraded apart; ``versions``: the build's ``library_versions()``)."""
    return digest("pagefind", versions["pagefind"], versions["pagefind-bin"],
                  json.dumps(recs, sort_keys=True, ensure_ascii=False))


def _document(record: dict) -> str:
    meta = record["meta"]
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{escape(meta["title"])}</title></head>'
            f'<body><main data-pagefind-body><h1>{escape(meta["title"])}</h1>'
            f'<span data-pagefind-meta="kind" hidden>{escape(meta["kind"])}</span>'
            f'<p>{escape(record["content"])}</p></main></body></html>')


def sync_documents(recs: list[dict], folder: Path) -> None:
    """Make ``folder`` hold one document per record at the record's URL and nothing else, writing
    only the documents whose bytes changed. The folder is kept between builds: a rebuild after one
    card changed rewrites one document instead of creating and deleting a few hundred files and
    folders (0.05-0.15 s of kernel time, most of it on a file system where many files were just
    deleted; docs/performance.md, "Why the figures move"). Comparing bytes, not trusting what is
    there, also repairs a document a killed build left half-written."""
    wanted = {(folder / r["url"] / "index.html"): _document(r).encode("utf-8") for r in recs}
    for path, data in wanted.items():
        try:
            if path.read_bytes() == data:
                continue
        except OSError:
            path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    for parent, dirs, files in os.walk(folder, topdown=False):
        for name in files:
            if Path(parent, name) not in wanted:
                os.unlink(os.path.join(parent, name))
        for name in dirs:
            try:
                os.rmdir(os.path.join(parent, name))  # only if empty
            except OSError:
                pass


class IndexJob:
    """The Pagefind binary writing the search bundle for ``recs`` into ``target``, in the background.

    Starting it brings ``work`` (a folder the build keeps between builds) to one small HTML
    document per record, at the record's URL (``sync_documents``), and launches the binary on it;
    ``wait`` returns the bundle's files once the binary is done, and ``close`` (use the job as a
    context manager) stops it if it still runs. The binary runs in ``work`` and without
    PAGEFIND_* variables, so neither a ``pagefind.yml`` where the build was started nor the
    environment can change the index: only the options below do.
    """

    def __init__(self, recs: list[dict], target: Path, work: Path):
        from pagefind.service import get_executable  # the binary the Python API would drive

        self.target = target.resolve()  # the binary runs elsewhere; a relative path would land there
        self._work = work.resolve()
        self._process: subprocess.Popen | None = None
        self._work.mkdir(parents=True, exist_ok=True)
        executable = get_executable()
        if executable is None:
            raise FileNotFoundError("the Pagefind binary is missing: install the pagefind[bin] package")
        source = self._work / "site"
        sync_documents(recs, source)
        env = {k: v for k, v in os.environ.items() if not k.startswith("PAGEFIND_")}
        command = [str(executable), "--site", str(source), "--output-path", str(self.target),
                   "--force-language", "en", "--silent"]
        with open(self._work / "pagefind.log", "wb") as log:
            self._process = subprocess.Popen(command, cwd=self._work, env=env, stdin=subprocess.DEVNULL,
                                             stdout=log, stderr=subprocess.STDOUT)

    def wait(self) -> list[str]:
        """Wait for the binary; return the written files relative to ``target``, or raise if it failed."""
        assert self._process is not None
        if self._process.wait():
            log = (self._work / "pagefind.log").read_text(encoding="utf-8", errors="replace").strip()
            raise RuntimeError(f"pagefind failed with exit status {self._process.returncode}: {log[-2000:]}")
        for name in UNUSED:
            (self.target / name).unlink(missing_ok=True)
        return sorted(p.relative_to(self.target).as_posix() for p in self.target.rglob("*") if p.is_file())

    def close(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait()

    def __enter__(self) -> "IndexJob":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
