"""A synthetic catalog: N model cards, one suite of M prompts, and a run record for every pair.

The shipped catalog has 18 models; the site must stay fast at 200, where every pair of models
gets a compare page (19,900 of them). This writes such a catalog into a folder, shaped like the
real one where the renderer pays for it: cards with every optional section (pricing, links,
reported figures, family, features, aliases, a Markdown overview of a few paragraphs), answers
of realistic length, boxes on detection prompts, errored records, token counts and latencies,
and an imported run next to the measured one for some models.

It is deterministic (a seeded generator, sorted keys): the same arguments write byte-identical
files, so two bench runs measure the same input and tests may build it twice. The build bench
and the site tests both use it (``write_catalog``, ``edit_card``).
"""

from __future__ import annotations

import io
import json
import random
from pathlib import Path

import yaml
from PIL import Image

from generator.catalog.hashing import prompt_sha256

SUITE = "synth"
CATEGORIES = [("counting", "Counting"), ("reading", "Reading"), ("spatial", "Spatial"),
              ("defects", "Defects"), ("objects", "Objects")]
# category -> (task, grader): counting and spatial answers are numbers, reading is OCR text,
# objects are boxes; defects are yes/no questions.
KINDS = {"counting": ("vqa", "number"), "reading": ("ocr", "exact"), "spatial": ("vqa", "number"),
         "defects": ("vqa", "yes-no"), "objects": ("object-detection", "detection")}
IMAGES = 10  # distinct images shared by the prompts (pixels do not matter to the site)
ORGS = ["Alpha Labs", "Beta Research", "Gamma AI", "Delta Vision", "Epsilon", "Zeta Systems", "Eta Institute"]
WORDS = ("STOP", "EXIT 12", "TOTAL $2.30", "OPEN 24H", "NO PARKING", "LOT 4471", "GATE B")
FLAGSHIP = ("model-000", "model-001")


def model_id(index: int) -> str:
    return f"model-{index:03d}"


def _png(index: int) -> bytes:
    width, height = 320 + 16 * index, 240 + 8 * index
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (40 + 20 * index, 120, 200 - 10 * index)).save(buffer, "PNG")
    return buffer.getvalue()


def _dump(data: dict) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def _card(index: int, rng: random.Random) -> dict:
    tasks = ["vqa", "ocr", "captioning"] + (["object-detection", "open-vocabulary-detection"] if index % 2 else [])
    card = {
        "id": model_id(index), "name": f"Model {index:03d}", "organization": ORGS[index % len(ORGS)],
        "access": "open" if index % 2 else "closed", "family": f"Family {index % 5}",
        "modalities": {"inputs": ["text", "image"], "outputs": ["text"] + (["boxes"] if index % 2 else [])},
        "release_date": f"2025-{1 + index % 12:02d}-{1 + index % 28:02d}",
        "license": {"id": "Apache-2.0", "url": "https://www.apache.org/licenses/LICENSE-2.0"},
        "tasks": tasks, "features": ["multimodal"] + (["zero-shot-detection"] if index % 2 else []),
        "parameters": {"total": f"{1 + index % 30}.{index % 10}B", "active": f"{1 + index % 3}.0B"},
        "context_window": 8192 * (1 + index % 32),
        "links": {"homepage": f"https://example.org/models/{index}",
                  "paper": f"https://arxiv.org/abs/2501.{index:05d}"},
        "overview": (f"**Model {index:03d}** is a synthetic vision-language model from {ORGS[index % len(ORGS)]}, "
                     f"written for the build bench. It reads images and answers questions in free text.\n\n"
                     f"- Strong at counting objects in cluttered scenes\n- Reads printed signs and receipts\n"
                     f"- Returns boxes as JSON when asked\n\nSee [the paper](https://arxiv.org/abs/2501.{index:05d}) "
                     f"for the training recipe; the weights are released under Apache-2.0."),
        "aliases": [f"Synthetic-{index:03d}"],
        "reported": [
            {"benchmark": "MMMU Pro", "metric": "accuracy", "value": round(rng.uniform(30, 80), 1), "unit": "%",
             "source": f"https://example.org/models/{index}/card", "as_of": "2026-01-15"},
            {"benchmark": "Peer Vision Evals", "metric": "pass rate", "value": round(rng.uniform(20, 90), 2),
             "unit": "%",
             "suite": SUITE, "categories": [{"name": name, "value": round(rng.uniform(0, 100), 1)}
                                            for _, name in CATEGORIES[:3]],
             "source": "https://example.org/peer/compare", "as_of": "2026-02"},
        ],
    }
    if index % 3:
        card["pricing"] = {"input_per_1m": round(0.05 + index % 5 / 10, 2),
                           "output_per_1m": round(0.2 + index % 4 / 10, 2),
                           "source": "https://example.org/prices", "as_of": "2026-01"}
    return card


def _prompts(count: int) -> list[dict]:
    prompts = []
    for i in range(count):
        category = CATEGORIES[i % len(CATEGORIES)][0]
        task, grader = KINDS[category]
        image = i % IMAGES
        if grader == "number":
            question, expected = f"How many items of kind {i} are in the picture?", i % 9 + 1
        elif grader == "exact":
            question, expected = "What does the sign say? Answer with the text only.", WORDS[i % len(WORDS)]
        elif grader == "yes-no":
            question, expected = f"Is part {i} cracked? Answer yes or no.", "yes" if i % 3 else "no"
        else:
            x, y = 10 + i % 50, 20 + i % 40
            question = "Detect every object. Return boxes."
            expected = {"boxes": [{"xyxy": [x, y, x + 80, y + 60], "label": "object"},
                                  {"xyxy": [x + 120, y + 30, x + 200, y + 110], "label": "object"}]}
        prompts.append({"id": f"p{i:03d}", "image": f"images/img{image}.png", "category": category, "task": task,
                        "prompt": question, "expected": expected, "grader": {"name": grader}})
    return prompts


def _answer(prompt: dict, right: bool, rng: random.Random) -> tuple[str, dict | None]:
    grader, expected = prompt["grader"]["name"], prompt["expected"]
    if grader == "number":
        value = expected if right else expected + rng.randint(1, 3)
        return f"Looking at the image carefully, I can count {value} of them in total.", None
    if grader == "exact":
        return (expected if right else "I cannot read the text in this image clearly."), None
    if grader == "yes-no":
        said = expected if right else ("no" if expected == "yes" else "yes")
        return f"{said.capitalize()}, judging by the surface near the edge of the part.", None
    boxes = [{"xyxy": [c + (1 if right else 70) for c in box["xyxy"]], "label": "object", "score": 0.9}
             for box in expected["boxes"]]
    return json.dumps({"boxes": boxes}), {"boxes": boxes, "lines": []}


def _record(prompt: dict, image: bytes, model: str, rng: random.Random, skill: float, run_id: str,
            source: object = "measured") -> dict:
    right = rng.random() < skill
    output, structured = _answer(prompt, right, rng)
    error = "timeout after 60 s" if rng.random() < 0.02 else None
    return {
        "suite": SUITE, "suite_version": "1", "prompt_id": prompt["id"],
        "prompt_sha256": prompt_sha256(prompt["prompt"], image, prompt["expected"]),
        "model": model, "adapter": "synthetic", "adapter_version": "1", "model_revision": "0123456789abcdef",
        "params": {"max_new_tokens": 256}, "output": None if error else output,
        "structured": None if error else structured,
        "latency_s": round(rng.uniform(0.2, 30), 3) if source == "measured" else None,
        "input_tokens": rng.randint(200, 1500), "output_tokens": rng.randint(5, 300), "error": error,
        "run_id": run_id, "started_at": "2026-01-01T00:00:00Z", "hardware": "synthetic 2-core CPU",
        "source": source, "source_verdict": right if source != "measured" else None,
    }


def write_catalog(root: Path | str, models: int, prompts: int, seed: int = 7) -> Path:
    """Write site.yaml, ``models`` cards, the suite with ``prompts`` prompts and every run into ``root``."""
    rng = random.Random(seed)
    root = Path(root)
    cards = root / "model_cards"
    suite_dir = root / "evals" / "suites" / SUITE
    (suite_dir / "images").mkdir(parents=True, exist_ok=True)
    cards.mkdir(parents=True, exist_ok=True)
    (root / "site.yaml").write_text(_dump({
        "title": "Synthetic board", "base_url": "https://example.org/board/", "featured_suites": [SUITE],
        "flagship": list(FLAGSHIP)}), encoding="utf-8")
    images = {f"images/img{i}.png": _png(i) for i in range(IMAGES)}
    for rel, data in images.items():
        (suite_dir / rel).write_bytes(data)
    suite_prompts = _prompts(prompts)
    (suite_dir / "suite.yaml").write_text(_dump({
        "id": SUITE, "name": "Synthetic suite", "version": "1",
        "description": "Synthetic prompts in **five** categories, for the build bench.",
        "categories": [{"id": cid, "name": name} for cid, name in CATEGORIES],
        "images": [{"file": rel, "source": "generated by bench/synthetic_catalog.py", "license": "CC0-1.0"}
                   for rel in images],
        "prompts": suite_prompts}), encoding="utf-8")
    peer = {"repository": "example/peer-bench", "path": "results/all.json", "commit": "0123456789abcdef",
            "measured_by": "Peer Bench authors"}
    for index in range(models):
        model = model_id(index)
        (cards / f"{model}.yaml").write_text(_dump(_card(index, rng)), encoding="utf-8")
        skill = rng.uniform(0.1, 0.95)
        runs = {"r1": [_record(p, images[p["image"]], model, rng, skill, f"{model}-r1") for p in suite_prompts]}
        if index % 10 == 5:
            runs["peer"] = [_record(p, images[p["image"]], model, rng, skill, "peer-import", peer)
                            for p in suite_prompts]
        folder = root / "evals" / "runs" / SUITE / model
        folder.mkdir(parents=True, exist_ok=True)
        for name, rows in runs.items():
            (folder / f"{name}.jsonl").write_text("".join(json.dumps(r, sort_keys=True) + "\n" for r in rows),
                                                  encoding="utf-8")
    return root


def edit_card(root: Path | str, index: int, sentence: str = "Edited.") -> Path:
    """Append a sentence to one card's overview (what a contributor's typo fix looks like)."""
    path = Path(root) / "model_cards" / f"{model_id(index)}.yaml"
    card = yaml.safe_load(path.read_text(encoding="utf-8"))
    card["overview"] += " " + sentence
    path.write_text(_dump(card), encoding="utf-8")
    return path
