"""What a record's timing means: warm-up kept out of the figures, the batch size and per-prompt
throughput recorded, and no second call into an in-process model while a timed-out one runs.

The adapters here are in-process stand-ins whose costs are fixed sleeps, so every expected figure
is known in advance; the real adapters go through the same engine code.
"""

from __future__ import annotations

import re
import threading
import time

import pytest
from fixtures_runner import SUITE, write_suite

from generator.catalog import load_catalog
from generator.catalog.schemas import Runner, RunRecord
from generator.runner.adapter import Adapter, Prediction
from generator.runner.engine import Selection, execute, prepare


def prompts(n: int, slow: set[int] = frozenset()) -> list[dict]:
    return [{"id": f"p{i}", "image": "sign.png", "category": "text", "task": "vqa",
             "prompt": ("[slow] " if i in slow else "") + f"Prompt {i}?"} for i in range(n)]


def suite_with(root, prompt_list: list[dict]):
    """The fixture suite, loaded before any record exists (the stand-in model has no card)."""
    write_suite(root, prompt_list)
    return load_catalog(root).suites[SUITE]


def run(root, suite, adapter: Adapter, timeout: float | None = None, repeat: int | None = None) -> dict[str, RunRecord]:
    job = prepare(root, "stand-in", suite, adapter, [], Selection(repeat=repeat))
    return {record.prompt_id: record for record in execute(adapter, job, timeout=timeout)}


class ColdStart(Adapter):
    """The first call on a loaded model pays 0.6 s of one-off costs; every later call 0.02 s."""

    name, version, tasks = "cold-start", "1", frozenset({"vqa"})

    def __init__(self, config):
        super().__init__(config)
        self.calls = 0

    def predict(self, image, prompt, task):
        self.calls += 1
        time.sleep(0.6 if self.calls == 1 else 0.02)
        return Prediction(output="ok")


def test_the_first_call_is_an_untimed_warm_up_and_records_say_so(tmp_path):
    suite = suite_with(tmp_path, prompts(3))
    adapter = ColdStart(Runner(adapter="cold-start"))
    records = run(tmp_path, suite, adapter)
    assert adapter.calls == 4, "one warm-up call, then one per prompt"
    for record in records.values():
        assert record.latency_s < 0.3, "the 0.6 s cold start is in no record"
        assert record.warmed_up is True and record.batch_size == 1
    # a second invocation on the same loaded model (the next --repeat pass) is not warmed up again
    more = run(tmp_path, suite, adapter, repeat=1)
    assert adapter.calls == 7 and all(r.warmed_up and r.repeat == 1 for r in more.values())


class FailsFirst(Adapter):
    """The first call fails (as a warm-up on a prompt the model cannot take would); later calls answer."""

    name, version, tasks = "fails-first", "1", frozenset({"vqa"})

    def __init__(self, config):
        super().__init__(config)
        self.calls = 0

    def predict(self, image, prompt, task):
        self.calls += 1
        if self.calls == 1:
            raise RuntimeError("not this one")
        return Prediction(output="ok")


def test_a_failed_warm_up_is_marked_in_the_records_and_not_retried(tmp_path):
    suite = suite_with(tmp_path, prompts(2))
    adapter = FailsFirst(Runner(adapter="fails-first"))
    records = run(tmp_path, suite, adapter)
    assert [r.output for r in records.values()] == ["ok", "ok"], "the failed warm-up answered nothing"
    assert all(r.warmed_up is False for r in records.values())
    run(tmp_path, suite, adapter, repeat=1)
    assert adapter.calls == 5, "one warm-up attempt per loaded model"


class GpuLikeBatch(Adapter):
    """One call answers a whole batch after 0.3 s, whatever its size (as a GPU generate does)."""

    name, version, tasks = "gpu-like", "1", frozenset({"vqa"})

    def __init__(self, config):
        super().__init__(config)
        self.sizes: list[int] = []

    def predict(self, image, prompt, task):
        raise AssertionError("this stand-in only answers batches")

    def predict_batch(self, items):
        self.sizes.append(len(items))
        time.sleep(0.3)
        return [Prediction(output="ok") for _ in items]


def test_batch_size_and_per_prompt_throughput_are_recorded(tmp_path):
    adapter = GpuLikeBatch(Runner(adapter="gpu-like", batch_size=4))
    records = run(tmp_path, suite_with(tmp_path, prompts(10)), adapter)
    assert adapter.sizes == [1, 4, 4, 2], "warm-up with one prompt, then batches of 4, 4 and 2"
    sizes = sorted(r.batch_size for r in records.values())
    assert sizes == [2, 2] + [4] * 8
    for record in records.values():
        assert 0.3 <= record.latency_s < 0.6, "every prompt waited for its whole batch"
        # the batch's wall time over its size: 0.3 s / 4 = 0.075 s, 0.3 s / 2 = 0.15 s
        assert record.throughput_s == pytest.approx(record.latency_s / record.batch_size, abs=1e-4)
    assert min(r.throughput_s for r in records.values()) >= 0.075


def test_the_summary_shows_batch_sizes_and_per_prompt_time(tmp_path):
    from rich.console import Console

    from generator.runner.summary import render_summary, summarize

    suite = suite_with(tmp_path, prompts(10))
    adapter = GpuLikeBatch(Runner(adapter="gpu-like", batch_size=4))
    job = prepare(tmp_path, "stand-in", suite, adapter, [], Selection())
    summary = summarize(job, execute(adapter, job))
    console = Console(record=True, width=200)
    render_summary(summary, job, console)
    text = console.export_text()
    assert re.search(r"batch size \(requests in flight for a server\)\s*│?\s*2, 4", text), text
    # eight prompts in batches of 4 and two in a batch of 2, each batch 0.3 s: the median is 0.3 / 4
    assert re.search(r"per prompt \(batch time / size\) p50\s*│?\s*0\.0[78]\ds", text), text


class OneCallAtATime(Adapter):
    """Logs each predict call's start and end; prompts marked [slow] take 1 s, others 0.05 s."""

    name, version, tasks = "one-at-a-time", "1", frozenset({"vqa"})

    def __init__(self, config):
        super().__init__(config)
        self.lock = threading.Lock()
        self.in_flight = self.most_in_flight = 0
        self.calls: list[tuple[str, float, float]] = []

    def predict(self, image, prompt, task):
        with self.lock:
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        started = time.monotonic()
        time.sleep(1.0 if "[slow]" in prompt else 0.05)
        with self.lock:
            self.in_flight -= 1
            self.calls.append((prompt, started, time.monotonic()))
        return Prediction(output="ok")


def test_a_timed_out_call_finishes_before_an_in_process_model_gets_the_next(tmp_path):
    """Before: the timed-out call went on in a daemon thread while the next batch started on the
    same model (four predict calls at once were seen)."""
    adapter = OneCallAtATime(Runner(adapter="one-at-a-time"))
    records = run(tmp_path, suite_with(tmp_path, prompts(4, slow={1})), adapter, timeout=0.3)
    assert records["p1"].error == "timeout after 0.3s" and records["p1"].output is None
    assert 0.3 <= records["p1"].latency_s < 0.9, "the timeout is recorded when it happens, not when the call ends"
    assert all(records[f"p{i}"].output == "ok" for i in (0, 2, 3))
    assert adapter.most_in_flight == 1
    ordered = sorted(adapter.calls, key=lambda call: call[1])
    assert all(earlier[2] <= later[1] for earlier, later in zip(ordered, ordered[1:])), "two calls overlapped"
