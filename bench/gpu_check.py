"""GPU check of the transformers adapters, runnable on any machine (what needs CUDA is skipped).

1. Tiny random Florence-2 and Gemma 4 (dense and MoE) checkpoints (tests/tiny_models.py) run a
   16-prompt suite through `leaderboard run` on the CPU in float32 and, where CUDA is available,
   on the GPU in float32 and bfloat16, each at batch 1 and 8. Printed per run: records, errors,
   median latency (the batch's wall time: what each prompt waited), median throughput time (the
   batch's wall time over its size), whether the records were timed after a warm-up call. Then
   every run file is validated by loading the catalog.
2. CUDA against CPU: float32 answers, prompt by prompt, for each tiny model at batch 1.
3. Florence-2-large's architecture (0.77B parameters) with random weights through the florence2
   adapter's own batching code: beams 3 and 256 new tokens (forced, so noise cannot stop early),
   seconds per prompt at batch 1 and 8. On a CPU only with --large-on-cpu (minutes).

Answers of random weights are noise; what is checked is the plumbing (device, dtype, batching,
records) and what the settings cost. Run:

    .venv/bin/python bench/gpu_check.py                 # CPU everywhere; adds CUDA where there is one
    .venv/bin/python bench/gpu_check.py --large-on-cpu --large-tokens 16   # the large timing, shortened

Exit status 1 when a record ended in an error or a run file does not validate.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch
import yaml
from click.testing import CliRunner
from PIL import Image, ImageDraw

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))  # the tiny checkpoints and the card helper live with the tests

from fixtures_runner import text_image, write_card  # noqa: E402
from tiny_models import (  # noqa: E402
    FLORENCE_LARGE_IMAGE,
    build_florence2,
    build_gemma4,
    florence2_large_config,
    florence2_processor,
)

from generator.catalog import load_catalog  # noqa: E402
from generator.catalog.schemas import Runner  # noqa: E402
from generator.cli import main  # noqa: E402
from generator.runner.adapters.florence2 import Florence2Adapter  # noqa: E402
from generator.runner.adapters.transformers_vlm import GEMMA4_PROCESSOR  # noqa: E402

SUITE = "gpu-check"
NEW_TOKENS = {"max_new_tokens": 20, "min_new_tokens": 20}  # noise would often stop at once
TASKS = ["captioning", "object-detection", "ocr", "vqa"]
BATCHES = (1, 8)


def write_check_suite(root: Path, prompts: int = 16) -> None:
    """Drawn images (text lines, a red box) and `prompts` prompts cycling through TASKS."""
    folder = root / "evals" / "suites" / SUITE
    (folder / "images").mkdir(parents=True)
    text_image(["INVOICE 2024-117", "Total due: $42.50"], (640, 200)).save(folder / "images" / "text.png")
    box = Image.new("RGB", (320, 240), "white")
    ImageDraw.Draw(box).rectangle([40, 30, 200, 180], fill="red")
    box.save(folder / "images" / "box.png")
    questions = {"captioning": "Describe the image.", "object-detection": "Detect every red box.",
                 "ocr": "Read the text.", "vqa": "What colour is the box?"}
    suite = {
        "id": SUITE, "name": "GPU check", "version": "1", "description": "Drawn images for bench/gpu_check.py.",
        "categories": [{"id": "all", "name": "All"}],
        "images": [{"file": f"images/{name}", "source": "drawn by bench/gpu_check.py", "license": "CC0-1.0"}
                   for name in ("text.png", "box.png")],
        "prompts": [{"id": f"p{i:02d}", "image": "images/" + ("text.png" if TASKS[i % 4] == "ocr" else "box.png"),
                     "category": "all", "task": TASKS[i % 4], "prompt": questions[TASKS[i % 4]]}
                    for i in range(prompts)],
    }
    (folder / "suite.yaml").write_text(yaml.safe_dump(suite, sort_keys=False))


def write_tiny_cards(root: Path) -> list[str]:
    """Cards for the tiny checkpoints, built into root/checkpoints; returns their model ids."""
    florence = build_florence2(root / "checkpoints" / "florence2")
    write_card(root, "florence2-tiny", {"adapter": "florence2", "model": str(florence),
                                        "params": {**NEW_TOKENS, "num_beams": 1}}, tasks=TASKS)
    for model_id, moe in (("gemma4-tiny", False), ("gemma4-moe-tiny", True)):
        path = build_gemma4(root / "checkpoints" / model_id, moe=moe)
        write_card(root, model_id, {"adapter": "transformers-vlm", "model": str(path), "params": NEW_TOKENS,
                                    "options": {"processor_class": GEMMA4_PROCESSOR}}, tasks=TASKS)
    return ["florence2-tiny", "gemma4-tiny", "gemma4-moe-tiny"]


def run_once(root: Path, model: str, device: str, dtype: str, batch: int) -> list[dict]:
    """`leaderboard run` with these settings (forced: device and batch size are not in the cache
    key); the records of the file it wrote."""
    folder = root / "evals" / "runs" / SUITE / model
    before = set(folder.glob("*.jsonl"))
    result = CliRunner().invoke(main, ["run", model, "--suite", SUITE, "--root", str(root), "--device", device,
                                       "--dtype", dtype, "--batch-size", str(batch), "--force"])
    if result.exit_code not in (0, 1):
        raise SystemExit(f"{model} {device} {dtype} batch {batch}: {result.output}")
    (path,) = set(folder.glob("*.jsonl")) - before
    return [json.loads(line) for line in path.read_text().splitlines()]


def median(records: list[dict], key: str) -> str:
    values = [r[key] for r in records if r.get(key) is not None and r["error"] is None]
    return f"{statistics.median(values):.3f}" if values else "-"


def tiny_models(root: Path, settings: list[tuple[str, str]]) -> tuple[dict, int]:
    """Every tiny model at every (device, dtype) and batch size; the records by setting, and the errors."""
    write_check_suite(root)
    models = write_tiny_cards(root)
    print(f"{'model':<16} {'device':<6} {'dtype':<9} {'batch':>5} {'records':>7} {'errors':>6} "
          f"{'latency s':>9} {'per prompt s':>12} {'warmed up':>9}")
    runs: dict[tuple[str, str, str, int], list[dict]] = {}
    errors = 0
    for model in models:
        for device, dtype in settings:
            for batch in BATCHES:
                records = run_once(root, model, device, dtype, batch)
                runs[(model, device, dtype, batch)] = records
                failed = [r for r in records if r["error"]]
                errors += len(failed)
                warmed = {r["warmed_up"] for r in records}
                print(f"{model:<16} {device:<6} {dtype:<9} {batch:>5} {len(records):>7} {len(failed):>6} "
                      f"{median(records, 'latency_s'):>9} {median(records, 'throughput_s'):>12} "
                      f"{'yes' if warmed == {True} else 'NO':>9}")
                for record in failed[:3]:
                    print(f"    error {record['prompt_id']}: {record['error'][:200]}")
    catalog = load_catalog(root)  # raises, naming file and line, if any record does not validate
    print(f"all {len(catalog.runs)} records validate")
    return runs, errors


def compare_devices(runs: dict) -> None:
    """float32 answers on CUDA against the CPU's, prompt by prompt (batch 1)."""
    for (model, device, dtype, batch), records in sorted(runs.items()):
        if device != "cuda" or dtype != "float32" or batch != 1:
            continue
        cpu = {r["prompt_id"]: r["output"] for r in runs[(model, "cpu", "float32", 1)]}
        same = sum(cpu.get(r["prompt_id"]) == r["output"] for r in records)
        print(f"{model}: {same} of {len(records)} float32 answers on CUDA equal the CPU's")


def florence_large(device: str, dtype: torch.dtype, new_tokens: int, beams: int = 3) -> None:
    """Seconds per prompt of Florence-2-large's architecture at batch 1 and 8, through the adapter."""
    processor = florence2_processor(FLORENCE_LARGE_IMAGE)
    torch.manual_seed(0)
    started = time.perf_counter()
    from transformers import Florence2ForConditionalGeneration

    with torch.device(device):
        model = Florence2ForConditionalGeneration(florence2_large_config(processor.tokenizer))
    model = model.to(dtype).eval()
    parameters = sum(p.numel() for p in model.parameters())
    print(f"Florence-2-large architecture, random weights: {parameters / 1e9:.2f}B parameters, built on {device} "
          f"in {time.perf_counter() - started:.1f} s; {str(dtype).removeprefix('torch.')}, beams {beams}, "
          f"{new_tokens} new tokens, {FLORENCE_LARGE_IMAGE}x{FLORENCE_LARGE_IMAGE} images")
    image = text_image(["INVOICE 2024-117", "Total due: $42.50"], (640, 480))
    for batch in BATCHES:
        adapter = Florence2Adapter(Runner(adapter="florence2", model="random/Florence-2-large", batch_size=batch,
                                          params={"num_beams": beams, "max_new_tokens": new_tokens,
                                                  "min_new_tokens": new_tokens}))
        adapter.model, adapter.processor = model, processor
        adapter.device, adapter.dtype = torch.device(device), dtype
        adapter.predict(image, "", "detailed-captioning")  # warm-up, untimed, as the engine does
        items = [(image, "", "detailed-captioning")] * batch
        calls = 3 if batch == 1 else 1
        started = time.perf_counter()
        for _ in range(calls):
            results = adapter.predict_batch(items)
        seconds = time.perf_counter() - started
        failed = [r for r in results if isinstance(r, BaseException)]
        if failed:
            raise SystemExit(f"batch {batch}: {failed[0]!r}")
        print(f"  batch {batch}: {seconds / (calls * batch):.2f} s per prompt "
              f"({calls} call{'s' if calls > 1 else ''} of {batch}, {seconds:.2f} s)")


def main_check() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--large-on-cpu", action="store_true", help="time the large architecture without CUDA too")
    parser.add_argument("--large-tokens", type=int, default=256, help="new tokens for the large timing (256)")
    parser.add_argument("--skip-large", action="store_true")
    args = parser.parse_args()
    cuda = torch.cuda.is_available()
    print(f"torch {torch.__version__}; CUDA: {torch.cuda.get_device_name() if cuda else 'not available'}")
    settings = [("cpu", "float32")] + ([("cuda", "float32"), ("cuda", "bfloat16")] if cuda else [])
    if not cuda:
        print("skipped: CUDA runs and the CUDA/CPU comparison (no CUDA GPU here)")
    torch.set_num_threads(1 if not cuda else torch.get_num_threads())  # tiny models: one CPU thread is fastest
    with tempfile.TemporaryDirectory() as folder:
        runs, errors = tiny_models(Path(folder), settings)
    compare_devices(runs)
    if args.skip_large:
        pass
    elif cuda:
        florence_large("cuda", torch.bfloat16, args.large_tokens)
    elif args.large_on_cpu:
        torch.set_num_threads(torch.get_num_threads() if torch.get_num_threads() > 1 else 2)
        florence_large("cpu", torch.float32, args.large_tokens)
    else:
        print("skipped: Florence-2-large timing (needs CUDA; --large-on-cpu times it here)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main_check())
