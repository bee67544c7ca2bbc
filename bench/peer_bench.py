"""Our build against Vision AI Checkup's, side by side, at the same number of models.

Vision AI Checkup (github.com/roboflow/vision-ai-checkup) builds its site with one script,
``assess.py``: Jinja templates, one page per model, per prompt, per category and per pair of
models. This bench runs that script from a checkout of the repository at PEER_COMMIT, with the
patches below, on a results file of N models, and builds our site from a synthetic catalog of N
models (bench/synthetic_catalog.py) with as many prompts as the peer has. Each build is a fresh
interpreter into an empty folder; the two alternate, ``--runs`` times each, and the table shows
medians with the ratios ours / peer.

What is patched in a temporary copy of the checkout (nothing of the peer is committed here):

* the model SDK imports (``from models.… import …``: anthropic, openai, google-genai, cohere)
  are dropped; the classes are used only when ``model_results.json`` is absent, i.e. when the
  script queries the models' APIs instead of building from stored answers;
* the hand-written list of 21 model names in the stored-answers branch becomes the models in
  the results file, so that N models get pages and pairs;
* ``logos[name]`` becomes ``logos.get(name, "")``: the synthetic model names have no logo URL.

``model_results.json`` (the peer's stored answers, 2.3 MB) is not in the snapshot this was
written against, so the bench writes one of the same shape: the checkout's ``prompts.csv`` and,
for each of N models, an answer per prompt (the expected answer for a seeded share of prompts,
a wrong one otherwise) with a response time. The peer's CI also runs ``npm run prod`` (Tailwind)
after ``assess.py``; that step builds a CSS file, not pages, and is left out, as our build has
no such step. The peer's script needs Python >= 3.12 (f-strings with nested quotes); pass one
with ``--peer-python`` (a virtual environment with jinja2, orjson, watchdog and tqdm, the
non-SDK packages of its requirements.txt).

Times: wall seconds, and CPU seconds (user + system of the build process and its children, from
``getrusage``), which on a machine shared with other work are steadier than wall time.

Run: .venv/bin/python bench/peer_bench.py --checkout PATH --peer-python PATH [--models 66 200] [--runs 3]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from bench.build_bench import machine, snapshot_code, timed_build  # noqa: E402
from bench.synthetic_catalog import write_catalog  # noqa: E402

PEER = "roboflow/vision-ai-checkup"
PEER_COMMIT = "0dd6474c803e4055b798b3399bd77e2bd3f36f17"
# Git blob ids of the files the peer's build reads, at PEER_COMMIT: a checkout (or an export
# without .git) is accepted only if these match, so the figures are for that commit.
PEER_BLOBS = {
    "assess.py": "ce0aab137305b9cdc948233565b3fd5e3df45ae4",
    "prompts.csv": "be492bbcb1bee96cb64e15864ac0bd17fee4e6bf",
    "templates/assessment.html": "5795e7ed77118bcd5b64cecf82fb6434e7f4d0d1",
    "templates/base.html": "194bf2704856863fd149d0e833b4d92b4eff96ec",
    "templates/card.html": "a501c196a3ae24dd0dd59f5cebaf848023095166",
    "templates/compare.html": "a9029bec78c2466826ec5b8f8a64263c2e00055d",
    "templates/index.html": "08051c15de5f1da7c42d9183a0e51ce63c7b92a3",
    "templates/prompts.html": "e21e3a33baeb989ba1265b4e7ea953e16c81520b",
    "templates/sitemap.xml": "6fbad7f73a61e4a27eff2e29d0eaed2351c0be80",
}
# (pattern, replacement, how many times it must match): see the module docstring.
PATCHES = [
    (r"^from models\.\w+ import \w+\n", "", 5),
    (r'( {8})model_providers = \{\n(?:\s+"[^"\n]+": "",\n)+\s+\}\n',
     r'\1model_providers = {name: "" for name in final_results["assessments_by_model"]}\n', 1),
    (r"logos\[model_name\]", 'logos.get(model_name, "")', 3),
]


def blob_id(path: Path) -> str:
    data = path.read_bytes()
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def check_checkout(checkout: Path) -> None:
    wrong = [name for name, blob in PEER_BLOBS.items()
             if not (checkout / name).is_file() or blob_id(checkout / name) != blob]
    if wrong:
        raise SystemExit(f"{checkout} is not {PEER} at {PEER_COMMIT[:10]}: {', '.join(wrong)} differ")


def patched_script(text: str) -> str:
    for pattern, replacement, count in PATCHES:
        text, n = re.subn(pattern, replacement, text, flags=re.M)
        if n != count:
            raise SystemExit(f"patch {pattern!r} matched {n} times, expected {count}: is this {PEER_COMMIT[:10]}?")
    return text


def peer_results(prompts: list[dict], models: int, seed: int = 7) -> dict:
    """A results file of the shape assess.py stores: per model, per image, the answer and verdict."""
    rng = random.Random(seed)
    by_model = {}
    for index in range(models):
        skill = 0.3 + 0.6 * rng.random()
        answers = {}
        for prompt in prompts:
            right = rng.random() < skill
            answers[prompt["file_name"]] = {
                **prompt, "result": prompt["answer"] if right else f"not {prompt['answer']}",
                "time_taken": f"{0.5 + 4 * rng.random():.2f}s", "correct": right,
            }
        by_model[f"Synthetic Model {index:03d}"] = answers
    return {"assessments_by_model": by_model, "model_results": {}, "assessments": prompts}


def prepare_peer(checkout: Path, work: Path, models: int, run: int) -> Path:
    site = work / f"peer-{models}-{run}"
    shutil.copytree(checkout, site, ignore=shutil.ignore_patterns(".git", "docs", "node_modules", "model_results.json"))
    (site / "assess.py").write_text(patched_script((checkout / "assess.py").read_text(encoding="utf-8")),
                                    encoding="utf-8")
    with open(checkout / "prompts.csv", newline="", encoding="utf-8") as fh:
        prompts = list(csv.DictReader(fh))
    for prompt in prompts:  # as assess.py's own slugify
        prompt["slug"] = "".join(c if c.isalnum() or c == "-" else "-" for c in prompt["assessment_name"].lower())
    (site / "model_results.json").write_text(json.dumps(peer_results(prompts, models)), encoding="utf-8")
    return site


@dataclass
class Run:
    pages: int
    wall: float
    cpu: float


def pages_in(folder: Path) -> int:
    """Content pages: HTML, XML and text files, less redirect stubs (a page that only forwards)."""
    def stub(path: Path) -> bool:
        with open(path, "rb") as fh:
            return b'http-equiv="refresh"' in fh.read(600)
    return sum(1 for p in folder.rglob("*") if p.suffix in (".html", ".xml", ".txt") and not stub(p))


def peer_build(python: Path, site: Path) -> Run:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run([str(python), "assess.py"], cwd=site, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode:
        raise SystemExit(f"the peer's build failed:\n{done.stderr[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Run(pages_in(site / "docs"), wall, cpu)


def our_build(code: Path, root: Path, out: Path, jobs: int) -> Run:
    timed = timed_build(code, root, out, jobs)
    return Run(pages_in(out), timed.wall, timed.cpu)


def median(runs: list[Run], field: str) -> float:
    return statistics.median(getattr(r, field) for r in runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--checkout", type=Path, required=True, help=f"a checkout of {PEER} at {PEER_COMMIT[:10]}")
    parser.add_argument("--peer-python", type=Path, required=True, help="Python >= 3.12 with jinja2, orjson, watchdog, tqdm")
    parser.add_argument("--models", type=int, nargs="+", default=[66, 200])
    parser.add_argument("--runs", type=int, default=3, help="builds of each site per size, alternating")
    parser.add_argument("--jobs", type=int, default=None, help="our render workers (default: every core)")
    parser.add_argument("--tmp", type=Path, default=None)
    args = parser.parse_args()
    check_checkout(args.checkout)
    with open(args.checkout / "prompts.csv", newline="", encoding="utf-8") as fh:
        prompt_count = sum(1 for _ in csv.DictReader(fh))
    work = Path(tempfile.mkdtemp(prefix="vl-peer-bench-", dir=args.tmp))
    rows = []
    try:
        code = snapshot_code(work)
        jobs = args.jobs or len(__import__("os").sched_getaffinity(0))
        for n in args.models:
            print(f"{n} models: preparing both …", file=sys.stderr)
            root = write_catalog(work / f"ours-{n}" / "catalog", n, prompt_count)
            peer, ours = [], []
            for i in range(args.runs):
                # Each build writes into a folder of its own and nothing is deleted until the bench
                # ends: on this machine's ext4 (no journal) creating files next to thousands of
                # freshly deleted ones costs several times the kernel time (docs/performance.md).
                peer_site = prepare_peer(args.checkout, work, n, i)
                print(f"{n} models: run {i + 1} of {args.runs}", file=sys.stderr)
                peer.append(peer_build(args.peer_python, peer_site))
                ours.append(our_build(code, root, work / f"ours-{n}" / f"public-{i}", jobs))
            rows.append((n, peer, ours))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"\nmachine: {machine()}; peer: {PEER}@{PEER_COMMIT[:10]} with {args.peer_python}; "
          f"{prompt_count} prompts; {args.runs} runs each, medians")
    print("\n| models | peer pages | peer wall | peer CPU | our pages | our wall | our CPU | wall ours/peer "
          "| CPU ours/peer | CPU ms per page, peer / ours |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for n, peer, ours in rows:
        pw, pc, ow, oc = median(peer, "wall"), median(peer, "cpu"), median(ours, "wall"), median(ours, "cpu")
        pp, op = peer[0].pages, ours[0].pages
        print(f"| {n} | {pp:,} | {pw:.2f} s | {pc:.2f} s | {op:,} | {ow:.2f} s | {oc:.2f} s | {ow / pw:.2f} "
              f"| {oc / pc:.2f} | {pc / pp * 1000:.2f} / {oc / op * 1000:.2f} |")


if __name__ == "__main__":
    main()
