"""Peer sources as local git repositories, so tests can "sync + build" without a network.

``write_vac_source`` and ``write_vlm_exam_source`` write, under ``base/<owner>/<name>``, a git
repository in the real file formats of roboflow/vision-ai-checkup (prompts.csv with CRLF lines and a
trailing comma, images/compressed/<stem>.jpeg, data/results/result_<slug>.json in the newer shape
with ``parsed_answer`` and the older raw-text shape without it) and of roboflow/vlm-exam
(web/benchmark_summary.json). Every prompt, image, answer and figure here is invented for the
tests; no third-party content. ``add_peer_sources`` writes both, pins their commits in
``root/site.yaml`` and ``sync_sources`` fetches them into ``root/.cache/sources``:

    base = tmp_path / "mirror"
    pins = add_peer_sources(root, base)      # {kind: commit}
    sync_sources(root, base)                 # as `leaderboard sources sync` with VL_SOURCES_URL=base
    build(root, out)                         # the build imports them into root/.cache/layer

The models they name map to the cards of tests/site_fixtures.py: "Alpha VL" (alpha-vl, by name),
"BetaOCR" (beta-ocr, by alias), "Gamma Det" (gamma-det, by key); "Zeta Vision 9B" has no card.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
from pathlib import Path

from PIL import Image, ImageDraw

VAC_REPOSITORY = "roboflow/vision-ai-checkup"
VLM_EXAM_REPOSITORY = "roboflow/vlm-exam"
UNMAPPED = "Zeta Vision 9B"

# (file_name, prompt, answer, assessment_name, category)
VAC_ROWS = [
    ("shapes.png", "How many circles are in the image? Answer only a number.", "3", "Count circles", "Object Counting"),
    ("shapes.png", "Is there a square in the image? Answer only yes or no.", "Yes", "Square present", "Object Understanding"),
    ("sign.png", "Read the text in the image. Return only unformatted text.", "OPEN ALL DAY", "Read a shop sign", "OCR"),
    ("arrow.png", "Does the arrow point left or right? Answer only left or right.", "left", "Arrow direction",
     "Spatial Relations"),
    ("grid.png", "Copy the grid, one row per line, a dot for an empty cell.", "1.2\r\n.3.", "Grid copy",
     "Document Understanding"),
    ("lost_photo.png", "What colour is the car? Return only the colour.", "Red", "Car colour", "Color Identification"),
]
# The older wording of the sign prompt: an answer given to it no longer matches prompts.csv.
OLD_SIGN_PROMPT = "Read the sign."

# model name -> file slug, whether the file has parsed_answer (newer format), answers by file name
VAC_RESULTS = {
    "Alpha VL": ("alpha-vl", True, {
        "shapes.png": ('{"answer": "3"}', "3", True),
        "sign.png": ('{"answer": "OPEN ALL DAY"}', "OPEN ALL DAY", True),
        "arrow.png": ('{"answer": "right"}', "right", False),
        "grid.png": ('{"answer": "1.2\\n.3."}', "1.2\n.3.", True),
        "lost_photo.png": ('{"answer": "red"}', "red", True),
    }),
    "BetaOCR": ("betaocr", False, {
        "shapes.png": ("There are three circles.", None, True),
        "sign.png": ("OPEN ALL DAY", None, True),  # answered under OLD_SIGN_PROMPT: skipped and counted
        "arrow.png": ("Left.", None, True),
    }),
    UNMAPPED: ("zeta-vision-9b", True, {"shapes.png": ('{"answer": "4"}', "4", False)}),
}

GIT_ENV = {"GIT_AUTHOR_NAME": "Fixture", "GIT_AUTHOR_EMAIL": "fixture@example.org", "GIT_COMMITTER_NAME": "Fixture",
           "GIT_COMMITTER_EMAIL": "fixture@example.org", "GIT_AUTHOR_DATE": "2026-03-01T12:00:00+00:00",
           "GIT_COMMITTER_DATE": "2026-03-01T12:00:00+00:00"}


def make_git_repo(path: Path, files: dict[str, bytes | str]) -> str:
    """A git repository at ``path`` whose one commit holds ``files``; returns the commit's SHA."""
    path.mkdir(parents=True, exist_ok=True)
    for rel, data in files.items():
        target = path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, str):
            target.write_text(data, encoding="utf-8", newline="")
        else:
            target.write_bytes(data)
    env = {**os.environ, **GIT_ENV}
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "fixture"]):
        subprocess.run(["git", *args], cwd=path, check=True, env=env, capture_output=True)
    return subprocess.run(["git", "rev-parse", "HEAD"], cwd=path, check=True, capture_output=True,
                          text=True).stdout.strip()


def _jpeg(draw_fn) -> bytes:
    image = Image.new("RGB", (64, 48), "white")
    draw_fn(ImageDraw.Draw(image))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=90)
    return out.getvalue()


def vac_files() -> dict[str, bytes | str]:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(["file_name", "prompt", "answer", "assessment_name", "category", "submitted_by",
                     "submitted_by_link", ""])
    writer.writerows([*row, "Fixture", "https://example.org", ""] for row in VAC_ROWS)
    files: dict[str, bytes | str] = {
        "prompts.csv": text.getvalue(),
        "LICENSE.md": "MIT License (fixture)\n",
        "images/compressed/shapes.jpeg": _jpeg(lambda d: [d.ellipse((4 + 14 * i, 4, 14 + 14 * i, 14), "red")
                                                          for i in range(3)] + [d.rectangle((4, 24, 20, 40), "blue")]),
        "images/compressed/sign.jpeg": _jpeg(lambda d: d.text((4, 18), "OPEN ALL DAY", fill="black")),
        "images/compressed/arrow.jpeg": _jpeg(lambda d: d.polygon([(6, 24), (30, 8), (30, 40)], "green")),
        "images/compressed/grid.jpeg": _jpeg(lambda d: d.text((4, 8), "1 . 2\n. 3 .", fill="black")),
        "images/compressed/unused.jpeg": _jpeg(lambda d: None),
    }
    rows = {row[0]: row for row in reversed(VAC_ROWS)}  # the first row of each image
    for name, (slug, newer, answers) in VAC_RESULTS.items():
        assessments = {}
        for file_name, (result, parsed, correct) in answers.items():
            _, prompt, answer, assessment_name, category = rows[file_name]
            if name == "BetaOCR" and file_name == "sign.png":
                prompt = OLD_SIGN_PROMPT
            item = {"result": result, "answer": answer}
            if newer:
                item["parsed_answer"] = parsed
            item.update({"file_name": file_name, "time_taken": "1.25s", "prompt": prompt,
                         "assessment_name": assessment_name, "category": category, "submitted_by": "Fixture",
                         "submitted_by_link": "https://example.org", "": "",
                         "slug": assessment_name.lower().replace(" ", "-"), "image": None, "correct": correct})
            assessments[file_name] = item
        files[f"data/results/result_{slug}.json"] = json.dumps({"model_name": name, "assessments": assessments},
                                                               indent=4)
    return files


def _task(value, metric: str, runs: list[float] | None, samples: int, strict: float | None = None,
          tokens=(1500, 60), cost=0.0042, seconds=2.5, failed: int = 0) -> dict:
    metrics = {} if value is None else {metric: value}
    metric_runs = {} if value is None else {metric: runs}
    if strict is not None:
        metrics["accuracy_strict"] = strict
        metric_runs["accuracy_strict"] = [strict] * len(runs)
    return {"primary_metric": None if value is None else {"name": metric, "value": value}, "metrics": metrics,
            "metric_runs": metric_runs, "run_count": len(runs or []), "timestamps": ["2026-02-20T10:00:00Z"],
            "sample_count": samples, "evaluated_sample_count": None, "failed_sample_count": failed,
            "tokens": {"input": tokens[0] * samples, "output": tokens[1] * samples,
                       "total": (tokens[0] + tokens[1]) * samples, "average_per_sample": float(sum(tokens))},
            "cost": {"total_usd": cost * samples, "average_per_sample_usd": cost},
            "speed": {"total_seconds": seconds * samples, "average_seconds_per_sample": seconds},
            "timestamp": "2026-02-20T10:00:00Z"}


def _exam_model(key: str, name: str, lab: str, effort: str, tasks: dict, status: str) -> dict:
    return {"id": f"{key}:{effort}", "key": key, "name": name, "lab": lab, "effort": effort, "tasks": tasks,
            "overall": {"task_count": len(tasks)}, "protocol": {"name": "full", "status": status,
                                                                 "runs_present": 6, "runs_required": 36}}


def vlm_exam_summary() -> dict:
    tasks = [
        {"key": "ocr", "name": "OCR", "primary_metric": "similarity",
         "metrics": [{"key": "similarity", "label": "Mean Similarity", "unit": "percent"}]},
        {"key": "counting", "name": "Counting", "primary_metric": "accuracy_judge",
         "metrics": [{"key": "accuracy_judge", "label": "Accuracy (LLM judge)", "unit": "percent"},
                     {"key": "accuracy_strict", "label": "Accuracy (strict match)", "unit": "percent"}]},
        {"key": "detection", "name": "Detection", "primary_metric": "map50",
         "metrics": [{"key": "map50", "label": "mAP@50", "unit": "percent"}]},
    ]
    models = [
        _exam_model("alpha-vl", "Alpha VL", "alpha", "low", {
            "counting": _task(69.17, "accuracy_judge", [70.0, 65.0, 72.5], 40, strict=41.5, failed=1),
            "ocr": _task(91.2, "similarity", [90.0, 92.4], 20, tokens=(1800, 300), cost=0.0065, seconds=4.0),
            "detection": _task(None, "map50", None, 25),  # quality not computed: skipped
        }, "complete"),
        _exam_model("alpha-vl", "Alpha VL", "alpha", "high", {
            "counting": _task(74.0, "accuracy_judge", [74.0], 40, strict=50.0, tokens=(1500, 900), cost=0.011,
                              seconds=9.5),
        }, "incomplete"),
        _exam_model("gamma-det", "Gamma Detector", "gamma", "low", {
            "detection": _task(46.2, "map50", [46.2], 25, tokens=(2500, 700), cost=0.02, seconds=12.0),
        }, "legacy"),
        _exam_model("zeta-vision-9b", UNMAPPED, "zeta", "low", {
            "counting": _task(55.0, "accuracy_judge", [55.0], 40, strict=30.0),
        }, "legacy"),
    ]
    return {"generated_at": "2026-02-20T10:00:00Z", "efforts": ["low", "high"],
            "scoring": {"judge_model": "judge-model", "judge_metric": "accuracy_judge",
                        "strict_metric": "accuracy_strict"},
            "protocol": {"repeats": 3, "efforts": ["low", "high"], "tasks": ["ocr", "counting", "detection"],
                         "runs_per_model": 18},
            "tasks": tasks, "models": models}


def write_vac_source(base: Path, repository: str = VAC_REPOSITORY) -> str:
    """A Vision AI Checkup-shaped repository at ``base/<repository>``; returns its commit."""
    return make_git_repo(Path(base) / repository, vac_files())


def write_vlm_exam_source(base: Path, repository: str = VLM_EXAM_REPOSITORY) -> str:
    """A vlm-exam-shaped repository at ``base/<repository>``; returns its commit."""
    summary = json.dumps(vlm_exam_summary(), indent=2)
    return make_git_repo(Path(base) / repository, {"web/benchmark_summary.json": summary, "LICENSE": "Apache-2.0\n"})


def pin_sources(root: Path, pins: dict[str, tuple[str, str, str]]) -> None:
    """Append a `sources:` list to ``root/site.yaml``: kind -> (repository, commit, licence)."""
    lines = ["sources:"] + [f"  - {{kind: {kind}, repository: {repo}, commit: {commit}, license: {lic}}}"
                            for kind, (repo, commit, lic) in pins.items()]
    path = Path(root) / "site.yaml"
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    path.write_text(text.rstrip("\n") + ("\n" if text else "") + "\n".join(lines) + "\n", encoding="utf-8")


def add_peer_sources(root: Path, base: Path) -> dict[str, str]:
    """Both fixture sources under ``base``, pinned in ``root/site.yaml``; returns {kind: commit}."""
    commits = {"vision-ai-checkup": write_vac_source(base), "vlm-exam": write_vlm_exam_source(base)}
    pin_sources(root, {"vision-ai-checkup": (VAC_REPOSITORY, commits["vision-ai-checkup"], "MIT"),
                       "vlm-exam": (VLM_EXAM_REPOSITORY, commits["vlm-exam"], "Apache-2.0")})
    return commits


def sync_sources(root: Path, base: Path):
    """`leaderboard sources sync` against the mirror folder ``base``; returns the SyncResults."""
    from generator.catalog.loader import load_site
    from generator.sources.paths import cache_dir
    from generator.sources.sync import sync

    problems: list = []
    site = load_site(Path(root), problems)
    assert not problems, problems
    return sync(site.sources, cache_dir(Path(root)), url_base=str(base))
