"""How fast the site builds at 50, 66 and 200 models, and how heavy the flagship compare page is.

For each catalog size N (synthetic: N models x M prompts, a run record for every pair; see
synthetic_catalog.py) it prints:

* full build: pages written, wall seconds, pages per second, and the CPU seconds it used (the
  build process and its render workers), which tell how well both cores were used and what the
  figure would be on an idle machine when other work shares the CPU;
* the CPU seconds a plain loop takes to write the same files (same folders, same sizes): the file
  system's share of the full build, which no change to the renderer can remove;
* rebuild with nothing changed, and with one card changed (files written, seconds);
* sizes of one model page and of the flagship compare page, so that per-page growth with the
  catalog shows (a page must not embed the whole catalog);
* the flagship compare page's weight in chromium: every HTML, CSS and JS response it loads,
  gzipped (images aside), and the number of requests that leave the local server (must be 0).
  Measured for the largest synthetic catalog and for the shipped catalog's flagship page.

Every build is the ``build-site`` command in a fresh ``python`` process, as a user runs it, so
interpreter start, imports and the interpreter's teardown are included. It runs a copy of generator/ (templates included) taken when the bench
starts: the build's digests cover its own code, so an edit in the working tree during the bench
would otherwise turn the "nothing changed" rebuild into a full one.

It ends with the targets of issue 15, each with its figure and met / missed (printed, not
asserted: a shared machine makes timings noisy, which is why CPU seconds are shown beside wall
seconds). The one target it cannot measure alone, wall time against the peer's build, is
bench/peer_bench.py's. Results and their discussion: docs/performance.md.

Run: .venv/bin/python bench/build_bench.py            (about 3 minutes on 2 idle cores)
     .venv/bin/python bench/build_bench.py --models 50 --keep
     git worktree add /tmp/before a36f959 && .venv/bin/python bench/build_bench.py --code /tmp/before
"""

from __future__ import annotations

import argparse
import gzip
import math
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from bench.synthetic_catalog import FLAGSHIP, edit_card, model_id, write_catalog  # noqa: E402

CHROMIUM = os.environ.get("VL_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
WEIGHED_TYPES = ("document", "stylesheet", "script")
# One build as a user runs it: the `build-site` command in a fresh interpreter, from the frozen code
# copy (cwd), so interpreter start, imports and teardown are all counted.
BUILD_COMMAND = ("import os, sys\nfrom generator import cli\n"
                 "assert cli.__file__.startswith(os.getcwd()), cli.__file__  # the frozen copy\n"
                 "sys.argv[0] = 'build-site'\ncli.build_site()\n")
# The command's last line: "1399 pages, 1592 files: 1592 written, 0 removed in 1.23 s (...) -> OUT"
# or "up to date: nothing changed (0.05 s) -> OUT".
SUMMARY = re.compile(r"^(?:(?P<pages>\d+) pages, (?P<files>\d+) files: (?P<written>\d+) written, (?P<removed>\d+) "
                     r"removed in (?P<seconds>[\d.]+) s|up to date: nothing changed \((?P<unchanged>[\d.]+) s\))")


def parse_summary(line: str) -> dict:
    found = SUMMARY.match(line)
    if not found:
        raise SystemExit(f"unexpected build-site output: {line!r}")
    if found["unchanged"] is not None:
        return {"up_to_date": True, "seconds": float(found["unchanged"]), "written": 0, "removed": 0}
    return {"up_to_date": False, "seconds": float(found["seconds"]),
            **{k: int(found[k]) for k in ("pages", "files", "written", "removed")}}


@dataclass
class Timed:
    report: dict
    wall: float
    cpu: float  # user + system seconds of the build process and everything it waited for


def snapshot_code(work: Path, source: Path = REPO) -> Path:
    """A frozen copy of the code a build runs (``python -c`` in it imports this copy first), from
    this checkout or ``source`` (another checkout, for a before/after comparison)."""
    code = work / "code"
    for name in ("generator",):
        shutil.copytree(source / name, code / name, ignore=shutil.ignore_patterns("__pycache__"))
    return code


def timed_build(code: Path, root: Path, out: Path, jobs: int) -> Timed:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", BUILD_COMMAND, "--root", str(root), "--out", str(out),
                           "--jobs", str(jobs)], cwd=code, capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode:
        raise SystemExit(f"build failed:\n{done.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Timed(parse_summary(done.stdout.strip().splitlines()[-1]), wall, cpu)


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        pass


def page_weight(site: Path, rel: str) -> dict:
    """Open ``rel`` in chromium from a local server: gzipped bytes per HTML/CSS/JS response, other hosts."""
    from playwright.sync_api import sync_playwright

    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_QuietHandler, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    local = f"127.0.0.1:{server.server_address[1]}"
    requests: list[str] = []
    weights: dict[str, int] = {}
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page()
            page.on("request", lambda request: requests.append(request.url))
            responses = []
            page.on("response", lambda response: responses.append(response))
            page.goto(f"http://{local}/{rel}", wait_until="networkidle")
            for response in responses:
                if response.request.resource_type in WEIGHED_TYPES and response.status == 200:
                    path = urlsplit(response.url).path
                    weights[path] = len(gzip.compress(response.body(), 9))
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    foreign = [u for u in requests if not u.startswith("data:") and urlsplit(u).netloc != local]
    return {"gzip_bytes": sum(weights.values()), "files": weights, "requests": len(requests), "third_party": foreign}


def size(site: Path, rel: str) -> int:
    return (site / rel).stat().st_size


def stamps(out: Path) -> dict[str, tuple[int, int]]:
    """Every file's (mtime, inode): a file rewritten in place or replaced shows up as changed."""
    return {p.relative_to(out).as_posix(): (p.stat().st_mtime_ns, p.stat().st_ino)
            for p in out.rglob("*") if p.is_file()}


def card_pages(written: set[str], model: str) -> dict[str, int]:
    """The pages rewritten after one card changed, by why: the card's own page and its comparisons
    (which show it), the site-wide pages (which list every model), anything else (should be none)."""
    def kind(rel: str) -> str:
        parts = rel.split("/")
        if rel == f"models/{model}/index.html" or (parts[0] == "compare" and model in parts[1].split("-vs-")):
            return "show the card"
        if len(parts) <= 2 or parts[0] in ("data", "pagefind", "tasks", "suites") and len(parts) <= 3:
            return "site-wide"
        return "other"
    counts = {"show the card": 0, "site-wide": 0, "other": 0}
    for rel in written - {".manifest.json"}:
        counts[kind(rel)] += 1
    return counts


def write_floor(site: Path, into: Path) -> float:
    """CPU seconds (user + system) that a plain loop takes to write ``site``'s files again, the same
    folders and sizes, into ``into``: the file system's share of a full build, below which no
    renderer can go. On this project's machines writing a 55 KB page costs more kernel time than
    rendering it (docs/performance.md)."""
    files = [(p.relative_to(site), p.stat().st_size) for p in sorted(site.rglob("*")) if p.is_file()]
    block = memoryview(bytes(max((n for _, n in files), default=0)))
    made: set[Path] = set()
    before = os.times()
    for rel, n in files:
        target = into / rel
        if target.parent not in made:
            os.makedirs(target.parent, exist_ok=True)
            made.add(target.parent)
        with open(target, "wb") as fh:
            fh.write(block[:n])
    after = os.times()
    return (after.user - before.user) + (after.system - before.system)


def bench_catalog(code: Path, models: int, prompts: int, jobs: int, work: Path) -> dict:
    root, out = work / f"n{models}" / "catalog", work / f"n{models}" / "public"
    started = time.perf_counter()
    write_catalog(root, models, prompts)
    generated = time.perf_counter() - started
    full = timed_build(code, root, out, jobs)
    # Kept until the bench ends: deleting thousands of files slows every file created soon after
    # (docs/performance.md, "Why the figures move"), the rebuilds below included.
    floor = write_floor(out, work / f"n{models}" / "floor")
    unchanged = timed_build(code, root, out, jobs)
    before = stamps(out)
    edit_card(root, models // 2, "A sentence added by the bench.")
    one_card = timed_build(code, root, out, jobs)
    after = stamps(out)
    written = {rel for rel in after if before.get(rel) != after[rel]}
    flagship = f"compare/{FLAGSHIP[0]}-vs-{FLAGSHIP[1]}/index.html"
    return {"models": models, "prompts": prompts, "generated_s": generated, "full": full, "floor": floor,
            "unchanged": unchanged,
            "one_card": one_card, "model_page": size(out, f"models/{FLAGSHIP[0]}/index.html"),
            "compare_page": size(out, flagship), "leaderboard": size(out, "index.html"),
            "site": out, "flagship": flagship, "card_pages": card_pages(written, model_id(models // 2))}


def bench_real_catalog(code: Path, jobs: int, work: Path) -> tuple[Path, Timed]:
    root = work / "real" / "catalog"
    root.mkdir(parents=True)
    for name in ("model_cards", "evals"):
        shutil.copytree(REPO / name, root / name)
    shutil.copy2(REPO / "site.yaml", root / "site.yaml")
    out = work / "real" / "public"
    return out, timed_build(code, root, out, jobs)


def shipped_flagship() -> str:
    """The compare page of site.yaml's flagship pair (the ids in sorted order, as the site names it)."""
    import yaml

    a, b = sorted(yaml.safe_load((REPO / "site.yaml").read_text(encoding="utf-8"))["flagship"])
    return f"compare/{a}-vs-{b}/index.html"


def reference_loop() -> float:
    """Seconds for a fixed pure-Python loop (ten million additions), best of three: how fast this
    machine's core runs Python right now. Shared machines vary several-fold from one hour to the
    next; figures taken at different times compare only after dividing by this."""
    best = math.inf
    for _ in range(3):
        started, total = time.perf_counter(), 0
        for i in range(10_000_000):
            total += i
        best = min(best, time.perf_counter() - started)
    return best


def machine() -> str:
    model = platform.processor() or "?"
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
            if line.startswith("Model name:"):
                model = line.split(":", 1)[1].strip()
    except OSError:
        pass
    return (f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"{platform.system()} {platform.release()}; reference loop {reference_loop():.2f} s")


def kb(n: int) -> str:
    return f"{n / 1024:.1f} KB"


def print_results(rows: list[dict], weights: dict[str, dict], real: Timed, load: tuple, jobs: int) -> None:
    print(f"\nmachine: {machine()}; jobs={jobs}; load average before: {load[0]:.2f}, after: {os.getloadavg()[0]:.2f}")
    print("\n| models x prompts | pages (files) written | full build | pages/s | CPU s (use of cores) | writing the "
          "files alone, CPU s | no change | one card changed |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        f, u, o = r["full"], r["unchanged"], r["one_card"]
        pages = f.report["pages"]
        print(f"| {r['models']} x {r['prompts']} | {pages:,} ({f.report['written']:,}) | {f.wall:.1f} s | "
              f"{pages / f.wall:,.0f} | "
              f"{f.cpu:.1f} ({f.cpu / f.wall:.2f}) | {r['floor']:.1f} | {u.wall:.2f} s (in-process {u.report['seconds']:.2f} s) | "
              f"{o.wall:.1f} s, {o.report['written']} files written, {o.report['removed']} removed |")
    print(f"\nshipped catalog: {real.report['pages']} pages in {real.wall:.1f} s ({real.cpu:.1f} CPU s)")
    print("\n| models | model page | flagship compare page | leaderboard |\n|---|---|---|---|")
    for r in rows:
        print(f"| {r['models']} | {kb(r['model_page'])} | {kb(r['compare_page'])} | {kb(r['leaderboard'])} |")
    print("\n| page | HTML + CSS + JS, gzipped | files | requests | third-party requests |\n|---|---|---|---|---|")
    for label, w in weights.items():
        files = ", ".join(f"{Path(p).name} {kb(n)}" for p, n in sorted(w["files"].items()))
        print(f"| {label} | {kb(w['gzip_bytes'])} | {files} | {w['requests']} | {len(w['third_party'])} |")
        for url in w["third_party"]:
            print(f"  third-party: {url}")


def print_targets(rows: list[dict], weights: dict[str, dict]) -> None:
    """Issue 15's targets, each with the figure it is judged on."""
    by_n = {r["models"]: r for r in rows}
    lines = []

    def target(text: str, figure: str, met: bool | None) -> None:
        lines.append(f"| {text} | {figure} | {'—' if met is None else 'met' if met else 'MISSED'} |")

    if 200 in by_n:
        f = by_n[200]["full"]
        per_page = f.cpu / f.report["pages"] * 1000
        floor = by_n[200]["floor"] / f.report["pages"] * 1000
        target("full build CPU per content page <= 0.35 ms at 200 models",
               f"{per_page:.2f} ms ({f.cpu:.1f} CPU s / {f.report['pages']:,} pages), of which writing the files "
               f"alone {floor:.2f} ms", per_page <= 0.35)
    for n in (50, 200):
        if n in by_n:
            f = by_n[n]["full"]
            rate = f.report["pages"] / f.wall
            target(f">= 1,000 pages per second of wall time at {n} models",
                   f"{rate:,.0f} pages/s ({f.wall:.1f} s; CPU {f.cpu:.1f} s)", rate >= 1000)
    worst = max(rows, key=lambda r: r["unchanged"].wall)
    target("no change: < 0.1 s at any size", f"{worst['unchanged'].wall:.2f} s at {worst['models']} models "
           f"(in-process {worst['unchanged'].report['seconds']:.2f} s)", all(r["unchanged"].wall < 0.1 for r in rows))
    if 66 in by_n:
        r = by_n[66]
        pages = r["card_pages"]
        target("one card changed at 66 models: < 1 s, writing only the pages that show that card",
               f"{r['one_card'].wall:.2f} s; wrote {pages['show the card']} pages that show it, "
               f"{pages['site-wide']} site-wide, {pages['other']} other", r["one_card"].wall < 1 and pages["other"] == 0)
    for label, w in weights.items():
        target(f"compare page <= 30 KB gzipped with its CSS and JS ({label})", kb(w["gzip_bytes"]),
               w["gzip_bytes"] <= 30 * 1024)
        target(f"no third-party requests ({label})", str(len(w["third_party"])), not w["third_party"])
    target("wall time at most half the peer's at 66 and 200 models", "see bench/peer_bench.py", None)
    print("\n| target (issue 15) | figure | |\n|---|---|---|")
    print("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", type=int, nargs="+", default=[50, 66, 200])
    parser.add_argument("--prompts", type=int, default=100)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--tmp", type=Path, default=None, help="where the catalogs and sites go (default: system temp)")
    parser.add_argument("--keep", action="store_true", help="keep the generated catalogs and sites")
    parser.add_argument("--code", type=Path, default=REPO,
                        help="time the generator/ of this checkout (e.g. a git worktree of an older commit); this "
                             "machine's speed varies, so run it right before or after the current code's run")
    args = parser.parse_args()
    load = os.getloadavg()
    if args.tmp:
        args.tmp.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="vl-build-bench-", dir=args.tmp))
    try:
        code = snapshot_code(work, args.code)
        rows = []
        for n in args.models:
            print(f"building {n} models x {args.prompts} prompts …", file=sys.stderr)
            rows.append(bench_catalog(code, n, args.prompts, args.jobs, work))
        real_site, real = bench_real_catalog(code, args.jobs, work)
        biggest = rows[-1]
        real_flagship = shipped_flagship()
        weights = {
            f"synthetic flagship ({biggest['models']} models)": page_weight(biggest["site"], biggest["flagship"]),
            f"shipped flagship ({real_flagship.split('/')[1]})": page_weight(real_site, real_flagship),
        }
        print_results(rows, weights, real, load, args.jobs)
        print_targets(rows, weights)
    finally:
        if args.keep:
            print(f"\nkept: {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
