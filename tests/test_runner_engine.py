"""The engine through `leaderboard run`, with the OpenAI-compatible adapter against a real local
server (fast, and every request is observable): records, cache, --force, selection, shards,
errors, timeouts and usage errors."""

from __future__ import annotations

import json
import os
import re
import stat

import pytest
from click.testing import CliRunner
from fixtures_runner import ChatServer, read_records, run_files, write_card, write_suite

from generator.catalog import latest_records, load_catalog
from generator.catalog.schemas import Runner, RunRecord
from generator.cli import main
from generator.runner.adapter import Adapter, Prediction
from generator.runner.engine import Selection, execute, prepare
from generator.runner.shards import ShardError, parse_shard, shard_members
from generator.runner.store import RunWriter

PROMPTS = 12


def chat_prompts(n: int = PROMPTS, extra: list[dict] = ()) -> list[dict]:
    categories = ("text", "faces")
    prompts = [{"id": f"q{i:02d}", "image": "astronaut.png" if i % 2 else "sign.png", "category": categories[i % 2],
                "task": "vqa", "prompt": f"Question number {i}?"} for i in range(n)]
    return prompts + list(extra)


@pytest.fixture
def server():
    with ChatServer(slow_s=3.0) as s:
        yield s


@pytest.fixture
def project(tmp_path, server):
    write_suite(tmp_path, chat_prompts())
    write_card(tmp_path, "chat", {"adapter": "openai", "model": "test-vlm", "base_url": server.base_url,
                                  "options": {"retry_base_s": 0.01}}, tasks=["vqa"])
    return tmp_path


def run(root, *args: str, model: str = "chat"):
    return CliRunner().invoke(main, ["run", model, "--suite", "runner-fixture", "--root", str(root), *args])


def run_new(root, *args: str) -> list[dict]:
    """Run, expect success, and return the records of the file this run wrote (if any)."""
    before = set(run_files(root, "chat"))
    result = run(root, *args)
    assert result.exit_code == 0, result.output
    created = set(run_files(root, "chat")) - before
    assert len(created) <= 1, "one invocation, one file"
    return [json.loads(line) for path in created for line in path.read_text().splitlines()]


def test_every_prompt_gets_one_valid_record_in_a_new_run_file(project, server):
    result = run(project)
    assert result.exit_code == 0, result.output
    (path,) = run_files(project, "chat")
    assert re.fullmatch(r"\d{8}T\d{6}Z-[a-z0-9-]+-[0-9a-f]{6}\.jsonl", path.name)
    records = [RunRecord.model_validate(r) for r in read_records(project, "chat")]
    assert sorted(r.prompt_id for r in records) == [f"q{i:02d}" for i in range(PROMPTS)]
    for r in records:
        image = "512x512" if int(r.prompt_id[1:]) % 2 else "520x120"
        assert r.output == f"{image}: Question number {int(r.prompt_id[1:])}?"
        assert r.error is None and r.latency_s > 0 and r.input_tokens == 13 and r.output_tokens == 4
        assert r.run_id == path.stem and r.model == "chat" and r.adapter == "openai" and r.source == "measured"
        assert r.hardware == f"remote server {server.base_url.split('/')[2]}"
        assert {"python", "httpx"} <= set(r.libraries)
        # four requests in flight (the default concurrency); a server warms itself up, so no warm-up flag
        assert r.batch_size == 4 and r.warmed_up is None and r.repeat is None
        assert r.throughput_s > 0 and r.latency_s < 5  # each request's own wait, not its batch's
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", r.started_at)
    assert "input tokens" in result.output and f"{PROMPTS * 13:,}" in result.output
    assert len(load_catalog(project).runs) == PROMPTS


def test_a_second_run_skips_answered_prompts(project, server):
    assert run(project).exit_code == 0
    requests = len(server.requests)
    result = run(project)
    assert result.exit_code == 0
    assert len(server.requests) == requests, "nothing was sent again"
    assert len(run_files(project, "chat")) == 1, "an invocation with nothing to do leaves no file"
    assert re.search(rf"already answered \(cache\)\s*│\s*{PROMPTS}\b", result.output)


def test_force_reruns_everything_into_a_new_file(project, server):
    assert len(run_new(project)) == PROMPTS
    forced = run_new(project, "--force")
    assert len(forced) == PROMPTS and len(run_files(project, "chat")) == 2
    newest = latest_records(load_catalog(project).runs)
    assert {r.run_id for r in newest.values()} == {forced[0]["run_id"]}


def test_changed_params_or_prompt_content_change_the_cache_key(project, server):
    assert len(run_new(project)) == PROMPTS
    assert len(run_new(project, "--max-new-tokens", "16")) == PROMPTS  # new params: every prompt again
    assert server.requests[-1]["body"]["max_tokens"] == 16
    assert run_new(project, "--max-new-tokens", "16") == []
    prompts = chat_prompts()
    prompts[3]["prompt"] = "Question number 3, reworded?"
    write_suite(project, prompts)
    assert [r["prompt_id"] for r in run_new(project, "--max-new-tokens", "16")] == ["q03"]


def test_selection_by_ids_category_and_limit(project):
    assert run(project, "--prompts", "q01,q02").exit_code == 0
    assert sorted(r["prompt_id"] for r in read_records(project, "chat")) == ["q01", "q02"]
    assert run(project, "--category", "faces").exit_code == 0  # odd ids; q01 is cached
    assert sorted(r["prompt_id"] for r in read_records(project, "chat")) == ["q01", "q02", "q03", "q05", "q07", "q09", "q11"]
    result = run(project, "--limit", "3")
    assert result.exit_code == 0 and re.search(r"later run \(--limit\)\s*│\s*2\b", result.output)
    assert run(project, "--limit", "3").exit_code == 0
    assert len(read_records(project, "chat")) == PROMPTS


def test_shards_partition_the_suite_and_their_union_is_the_whole(project):
    for index in range(3):
        assert run(project, "--shard", f"{index}/3").exit_code == 0
    files = run_files(project, "chat")
    assert len(files) == 3 and all(re.search(r"-shard\dof3-", f.name) for f in files)
    per_file = [{json.loads(line)["prompt_id"] for line in f.read_text().splitlines()} for f in files]
    assert sum(len(ids) for ids in per_file) == PROMPTS and set().union(*per_file) == {f"q{i:02d}" for i in range(PROMPTS)}
    assert len(latest_records(load_catalog(project).runs)) == PROMPTS  # the reader's union, no merge step
    assert run(project).exit_code == 0 and len(run_files(project, "chat")) == 3  # nothing left to run


def test_shards_are_dealt_by_hash_rank_and_balanced_by_count():
    """Hand-checked: q00..q11 ordered by sha256 hex digest are q08 q05 q06 q00 q04 q01 q03 q02 q07
    q10 q11 q09; dealt in turn to 3 shards. The old hash-modulo split gave this suite 5/4/3."""
    ids = [f"q{i:02d}" for i in range(PROMPTS)]
    assert shard_members(ids, (0, 3)) == {"q08", "q00", "q03", "q10"}
    assert shard_members(ids, (1, 3)) == {"q05", "q04", "q02", "q11"}
    assert shard_members(ids, (2, 3)) == {"q06", "q01", "q07", "q09"}
    assert shard_members(list(reversed(ids)), (0, 3)) == {"q08", "q00", "q03", "q10"}, "the suite's order does not matter"
    # the fixture's six prompts in two shards of three (a hash modulo 2 split them 3/3 by luck, 18/5 on the OCR suite)
    six = ["ocr-invoice", "ocr-sign-regions", "faces-astronaut", "count-faces", "caption-astronaut", "people-warehouse"]
    assert shard_members(six, (0, 2)) == {"caption-astronaut", "faces-astronaut", "ocr-sign-regions"}
    assert parse_shard("2/5") == ((2, 5), "--shard")
    for bad in ("5/5", "1", "a/b", "-1/3", "0/0", "auto/x"):
        with pytest.raises(ShardError):
            parse_shard(bad, env={})


def test_failures_are_recorded_the_run_goes_on_and_exit_is_1(project, server):
    prompts = chat_prompts(4, extra=[
        {"id": "rejected", "image": "sign.png", "category": "text", "task": "vqa", "prompt": "[reject] Anything?"},
        {"id": "rejected-too", "image": "astronaut.png", "category": "text", "task": "vqa", "prompt": "[reject] More?"}])
    write_suite(project, prompts)
    result = run(project)
    assert result.exit_code == 1
    records = {r["prompt_id"]: r for r in read_records(project, "chat")}
    assert len(records) == 6
    assert records["rejected"]["output"] is None and "HTTP 400" in records["rejected"]["error"]
    assert all(records[f"q{i:02d}"]["error"] is None for i in range(4))
    assert re.search(r"errors\s*│\s*2\b", result.output) and "error rejected: RuntimeError: openai: HTTP 400" in result.output
    # the next run retries the errored prompts only (a remote server gets no warm-up request)
    before = len(server.requests)
    assert run(project).exit_code == 1
    assert sorted(r["text"] for r in server.requests[before:]) == ["[reject] Anything?", "[reject] More?"]
    retried = [r["prompt_id"] for r in read_records(project, "chat") if r["run_id"] != records["q00"]["run_id"]]
    assert sorted(retried) == ["rejected", "rejected-too"]


def test_a_prompt_past_the_timeout_is_recorded_and_the_run_goes_on(project):
    write_suite(project, chat_prompts(3, extra=[
        {"id": "hangs", "image": "sign.png", "category": "text", "task": "vqa", "prompt": "[slow] Anything?"}]))
    result = run(project, "--timeout", "0.5")
    assert result.exit_code == 1
    records = {r["prompt_id"]: r for r in read_records(project, "chat")}
    assert records["hangs"]["error"] == "timeout after 0.5s" and records["hangs"]["output"] is None
    assert 0.5 <= records["hangs"]["latency_s"] < 2.5
    assert all(records[f"q{i:02d}"]["output"] for i in range(3))


def test_unsupported_tasks_are_skipped_and_counted(project):
    write_suite(project, chat_prompts(2, extra=[
        {"id": "masks", "image": "astronaut.png", "category": "faces", "task": "instance-segmentation", "prompt": "Segment."}]))
    result = run(project)
    assert result.exit_code == 0
    assert {r["prompt_id"] for r in read_records(project, "chat")} == {"q00", "q01"}
    assert re.search(r"not supported by the adapter\s*│\s*1\b", result.output)


def test_imported_prompts_without_an_image_are_skipped_and_counted(project):
    write_suite(project, chat_prompts(2, extra=[
        {"id": "lost", "image_missing": "the source repository no longer has it", "category": "text", "task": "vqa",
         "prompt": "What is shown?"}]), source={"repository": "example/peer-benchmark"})
    result = run(project)
    assert result.exit_code == 0, result.output
    assert {r["prompt_id"] for r in read_records(project, "chat")} == {"q00", "q01"}
    assert re.search(r"image not available \(imported prompt\)\s*│\s*1\b", result.output)


def test_answers_are_graded_in_the_summary(project):
    write_suite(project, [
        {"id": "right", "image": "sign.png", "category": "text", "task": "vqa", "prompt": "echo",
         "expected": "520x120: echo", "grader": {"name": "exact"}},
        {"id": "wrong", "image": "sign.png", "category": "text", "task": "vqa", "prompt": "echo too",
         "expected": "something else", "grader": {"name": "exact"}},
        {"id": "demo", "image": "sign.png", "category": "text", "task": "vqa", "prompt": "just shown"}])
    result = run(project)
    assert result.exit_code == 0, result.output
    for label, count in (("passed", 1), (r"failed \(wrong answer\)", 1), (r"not scored \(no expected answer\)", 1)):
        assert re.search(rf"{label}\s*│\s*{count}\b", result.output), label


@pytest.mark.parametrize("args, message", [
    (["--shard", "3/3"], "need 0 <= i < n"),
    (["--prompts", "q01,nope"], "nope not in suite"),
    (["--category", "cars"], "'cars' is not in suite"),
])
def test_bad_selections_are_usage_errors(project, args, message):
    result = run(project, *args)
    assert result.exit_code == 2 and message in result.output


def test_unknown_model_suite_and_cardless_runner_are_clear_errors(project):
    result = CliRunner().invoke(main, ["run", "nope", "--suite", "runner-fixture", "--root", str(project)])
    assert result.exit_code == 2 and "no model card 'nope'; known: chat" in result.output
    result = CliRunner().invoke(main, ["run", "chat", "--suite", "nope", "--root", str(project)])
    assert result.exit_code == 2 and "no suite 'nope'" in result.output
    write_card(project, "no-runner", None)
    result = CliRunner().invoke(main, ["run", "no-runner", "--suite", "runner-fixture", "--root", str(project)])
    assert result.exit_code == 1 and "has no runner section" in result.output


def test_run_writer_makes_each_record_durable_before_returning(tmp_path, monkeypatch):
    """Durable: when ``append`` returns, the file was fsynced holding every byte written so far (a
    sync before the flush would find less), and the new file's folder was fsynced once."""
    import generator.runner.store as store

    synced: list[int | str] = []  # the file's size at each fsync of it, "folder" for the directory
    real_fsync = store.os.fsync

    def fsync(fd: int) -> None:
        mode = os.fstat(fd).st_mode
        synced.append(os.fstat(fd).st_size if stat.S_ISREG(mode) else "folder")
        real_fsync(fd)
    monkeypatch.setattr(store.os, "fsync", fsync)
    record = RunRecord.model_validate({
        "suite": "s", "suite_version": "1", "prompt_id": "p", "prompt_sha256": "0" * 64, "model": "m", "adapter": "a",
        "adapter_version": "1", "model_revision": None, "params": {}, "output": "x", "structured": None,
        "latency_s": 0.1, "input_tokens": None, "output_tokens": None, "error": None, "run_id": "r",
        "started_at": "2026-01-01T00:00:00.000Z", "hardware": None, "source": "measured"})
    path = tmp_path / "runs" / "r.jsonl"
    with RunWriter(path) as writer:
        assert not path.exists(), "no record, no file"
        writer.append([record])
        assert path.read_text() == record.model_dump_json() + "\n"  # visible to another reader at once
        assert synced == ["folder", path.stat().st_size]
        writer.append([record, record])
        assert len(path.read_text().splitlines()) == 3
        assert synced == ["folder", path.stat().st_size // 3, path.stat().st_size]  # one sync per append


def test_concurrency_flag_sets_requests_in_flight(project, server):
    server.delay_s = 0.5
    assert run(project, "--concurrency", "3").exit_code == 0
    assert server.max_in_flight == 3


def test_requests_queued_behind_others_report_their_own_wait(project, server):
    """A server is fed four waves at once (12 prompts, 2 in flight: batches of 8 and 4), so a request
    may wait in our queue behind three others; its latency is its own request's time, 0.3 s."""
    server.delay_s = 0.3
    records = run_new(project, "--concurrency", "2")
    assert len(records) == PROMPTS and server.max_in_flight == 2
    waits = sorted(r["latency_s"] for r in records)
    # timed from its batch's start, the fourth wave would have waited at least 1.2 s
    assert waits[0] >= 0.3 and waits[-1] < 1.2 and sum(waits) / len(waits) < 0.6, waits
    assert {r["batch_size"] for r in records} == {2}
    # the last answer of the batch of 8 came after four waves: 1.2 s / 8 answers = 0.15 s each
    assert min(r["throughput_s"] for r in records) >= 0.15


class HalfBatchAdapter(Adapter):
    """Answers the first prompt of a batch, then fails the way a GPU batch does (out of memory);
    answers with an impossible token count for prompts that ask for it."""

    name, version, tasks = "half-batch", "1", frozenset({"vqa"})

    def predict(self, image, prompt, task):
        return Prediction(output="bad", input_tokens=-1) if "invalid" in prompt else Prediction(output="ok")

    def predict_as_completed(self, items):
        yield 0, self.predict(*items[0])
        raise MemoryError("CUDA out of memory")


def test_a_batch_that_dies_mid_way_records_an_error_for_every_prompt_left(project):
    write_suite(project, chat_prompts(2, extra=[
        {"id": "invalid", "image": "sign.png", "category": "text", "task": "vqa", "prompt": "invalid tokens"}]))
    catalog = load_catalog(project)
    adapter = HalfBatchAdapter(Runner(adapter="half-batch", batch_size=2))
    job = prepare(project, "chat", catalog.suites["runner-fixture"], adapter, [], Selection())
    records = {r.prompt_id: r for r in execute(adapter, job)}
    assert records["q00"].output == "ok" and records["q00"].error is None
    assert records["q01"].output is None and records["q01"].error == "MemoryError: CUDA out of memory"
    assert records["invalid"].output is None and "not a valid record" in records["invalid"].error
    assert len(read_records(project, "chat")) == 3


def test_a_transformers_card_runs_through_a_server_with_adapter_and_base_url_overrides(project, server):
    write_card(project, "gemma-like", {"adapter": "transformers-vlm", "model": "google/gemma-4-26B-A4B-it",
                                       "dtype": "bfloat16", "params": {"do_sample": False, "max_new_tokens": 512},
                                       "options": {"box_convention": "gemini"}}, tasks=["vqa"])
    result = run(project, "--prompts", "q00", "--adapter", "openai", "--base-url", server.base_url, model="gemma-like")
    assert result.exit_code == 0, result.output
    body = server.requests[-1]["body"]
    assert body["model"] == "google/gemma-4-26B-A4B-it" and body["temperature"] == 0 and body["max_tokens"] == 512
    (record,) = read_records(project, "gemma-like")
    assert record["adapter"] == "openai" and record["output"] == "520x120: Question number 0?"
