"""How much the runner itself costs, and how well the OpenAI-compatible adapter overlaps requests.

1. Engine overhead per prompt: an in-process adapter that answers after exactly LATENCY_S runs a
   suite through `prepare` + `execute` (image decode, worker-thread hand-off, record validation,
   JSON line, flush + fsync); overhead = (wall time - prompts x LATENCY_S) / prompts.
2. OpenAI-adapter throughput at 1, 8 and 32 requests in flight against a local chat-completions
   server (in this process) that answers after a fixed delay, through the engine as
   `leaderboard run` uses it; ideal = concurrency / delay requests per second. At 100 ms the
   client's own CPU per request (PNG encoding, JSON, httpx; ~2 ms under one GIL) and the
   engine's batch boundaries show; at 1 s, closer to a real model's latency, they fade.

Run: .venv/bin/python bench/runner_bench.py   (about 30 seconds; nothing leaves this machine)
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))  # the fixture suite and the chat server live with the tests

from fixtures_runner import ChatServer, write_card, write_suite  # noqa: E402

from generator.catalog import load_catalog  # noqa: E402
from generator.catalog.schemas import Runner  # noqa: E402
from generator.runner.adapter import ADAPTERS, Adapter, Prediction, make_adapter  # noqa: E402
from generator.runner.engine import Selection, execute, prepare  # noqa: E402

LATENCY_S = 0.005
ENGINE_PROMPTS = 300
# (server delay in seconds, requests per concurrency level: waves of `concurrency`, at least a minimum)
SERVER_RUNS = ((0.1, 4, 16), (1.0, 2, 4))
CONCURRENCY = (1, 8, 32)


class FixedLatencyAdapter(Adapter):
    """Answers every prompt after LATENCY_S, doing nothing else: all other time is the engine's."""

    name = "bench-fixed-latency"
    version = "1"
    tasks = frozenset({"vqa"})

    def predict(self, image, prompt, task) -> Prediction:
        time.sleep(LATENCY_S)
        return Prediction(output=f"{image.width}x{image.height}")


def project(root: Path, prompts: int, runner: dict) -> None:
    write_suite(root, [{"id": f"p{i:04d}", "image": "sign.png", "category": "text", "task": "vqa",
                        "prompt": f"Prompt {i}?"} for i in range(prompts)])
    write_card(root, "bench", runner, tasks=["vqa"])


def timed_run(root: Path) -> tuple[float, float, int]:
    """(seconds to plan, seconds to execute, records written) for the 'bench' card."""
    catalog = load_catalog(root)
    adapter = make_adapter(Runner.model_validate(catalog.cards["bench"].runner.model_dump()))
    started = time.perf_counter()
    job = prepare(root, "bench", catalog.suites["runner-fixture"], adapter, [], Selection())
    planned = time.perf_counter()
    records = execute(adapter, job)
    finished = time.perf_counter()
    assert all(r.error is None for r in records), [r.error for r in records if r.error][:3]
    return planned - started, finished - planned, len(records)


def fsync_seconds(folder: Path, lines: int = 100) -> float:
    """What one durable append costs on this disk by itself (a record line, flush, fsync)."""
    with (folder / "fsync-probe.jsonl").open("w") as handle:
        started = time.perf_counter()
        for _ in range(lines):
            handle.write("x" * 1500 + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        return (time.perf_counter() - started) / lines


def engine_overhead() -> None:
    ADAPTERS[FixedLatencyAdapter.name] = f"{__name__}:FixedLatencyAdapter"
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        project(root, ENGINE_PROMPTS, {"adapter": FixedLatencyAdapter.name})
        plan_s, run_s, count = timed_run(root)
        sync_s = fsync_seconds(root)
    overhead = (run_s - count * LATENCY_S) / count
    print(f"engine: {count} prompts with a {LATENCY_S * 1000:.0f} ms adapter in {run_s:.2f} s "
          f"-> overhead {overhead * 1000:.2f} ms per prompt, of which the disk's fsync alone is about "
          f"{sync_s * 1000:.2f} ms; planning {plan_s * 1000 / count:.2f} ms per prompt")


def openai_throughput() -> None:
    print("openai adapter against a local server with a fixed delay:")
    print(f"{'delay':>6} {'in flight':>10} {'requests':>9} {'seconds':>8} {'req/s':>8} {'ideal':>8} {'ratio':>6}")
    for delay, waves, minimum in SERVER_RUNS:
        for concurrency in CONCURRENCY:
            with tempfile.TemporaryDirectory() as folder, ChatServer(delay_s=delay) as server:
                root = Path(folder)
                project(root, max(minimum, waves * concurrency), {
                    "adapter": "openai", "model": "bench-vlm", "base_url": server.base_url,
                    "options": {"concurrency": concurrency}})
                _, run_s, count = timed_run(root)
            rate, ideal = count / run_s, concurrency / delay
            print(f"{delay:>5g}s {concurrency:>10} {count:>9} {run_s:>8.2f} {rate:>8.1f} {ideal:>8.1f} {rate / ideal:>6.2f}")
            assert server.max_in_flight == concurrency, f"expected {concurrency} in flight, saw {server.max_in_flight}"


if __name__ == "__main__":
    engine_overhead()
    openai_throughput()
