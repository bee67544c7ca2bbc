"""Running a suite on many machines or many times: `--shard auto` from each scheduler's variables,
the lock that refuses a second copy of a run, and `--repeat` / a suite's `repeats`."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from fixtures_runner import SUITE, ChatServer, read_records, run_files, write_card, write_suite

from generator.cli import main
from generator.runner.shards import ShardError, parse_shard
from generator.runner.store import RunLock, RunLocked

LEADERBOARD = Path(sys.executable).with_name("leaderboard")
PROMPTS = 12


# ---------------------------------------------------------------- --shard auto

@pytest.mark.parametrize("text, env, shard", [
    # sbatch --array=0-7: task 5 of 8
    ("auto", {"SLURM_ARRAY_TASK_ID": "5", "SLURM_ARRAY_TASK_COUNT": "8", "SLURM_ARRAY_TASK_MIN": "0"}, (5, 8)),
    # sbatch --array=1-4: ids start at 1, shards at 0
    ("auto", {"SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_COUNT": "4", "SLURM_ARRAY_TASK_MIN": "1"}, (2, 4)),
    # sbatch --array=0-15:4: tasks 0, 4, 8, 12
    ("auto", {"SLURM_ARRAY_TASK_ID": "8", "SLURM_ARRAY_TASK_COUNT": "4", "SLURM_ARRAY_TASK_MIN": "0",
              "SLURM_ARRAY_TASK_STEP": "4"}, (2, 4)),
    # a Kubernetes Indexed Job: the index from Kubernetes, the count from auto/n or the variable
    ("auto/4", {"JOB_COMPLETION_INDEX": "3"}, (3, 4)),
    ("auto", {"JOB_COMPLETION_INDEX": "0", "LEADERBOARD_SHARD_COUNT": "2"}, (0, 2)),
    # a GitHub Actions matrix: the workflow sets both from strategy.job-index / job-total
    ("auto", {"LEADERBOARD_SHARD_INDEX": "1", "LEADERBOARD_SHARD_COUNT": "3", "GITHUB_ACTIONS": "true"}, (1, 3)),
])
def test_shard_auto_reads_each_scheduler(text, env, shard):
    assert parse_shard(text, env)[0] == shard


@pytest.mark.parametrize("text, env, message", [
    ("auto", {}, "none of SLURM_ARRAY_TASK_ID (Slurm array), JOB_COMPLETION_INDEX"),
    ("auto", {"JOB_COMPLETION_INDEX": "1"}, "give --shard auto/n or set LEADERBOARD_SHARD_COUNT"),
    ("auto", {"SLURM_ARRAY_TASK_ID": "1"}, "SLURM_ARRAY_TASK_COUNT is not"),
    ("auto", {"SLURM_ARRAY_TASK_ID": "9", "SLURM_ARRAY_TASK_COUNT": "4"}, "need 0 <= i < n, got 9/4"),
    ("auto", {"SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_COUNT": "2", "JOB_COMPLETION_INDEX": "1"}, "are both set"),
    ("auto/3", {"JOB_COMPLETION_INDEX": "1", "LEADERBOARD_SHARD_COUNT": "4"}, "LEADERBOARD_SHARD_COUNT says 4"),
    ("auto", {"LEADERBOARD_SHARD_INDEX": "one", "LEADERBOARD_SHARD_COUNT": "2"}, "'one' is not a whole number"),
])
def test_shard_auto_refuses_what_does_not_name_one_shard(text, env, message):
    with pytest.raises(ShardError, match=re.escape(message)):
        parse_shard(text, env)


@pytest.fixture
def server():
    with ChatServer() as s:
        yield s


def chat_project(root: Path, base_url: str, n: int = PROMPTS, repeats: int | None = None) -> Path:
    write_suite(root, [{"id": f"q{i:02d}", "image": "sign.png", "category": "text", "task": "vqa",
                        "prompt": f"Question {i}?"} for i in range(n)])
    if repeats is not None:
        path = root / "evals" / "suites" / SUITE / "suite.yaml"
        path.write_text(yaml.safe_dump({**yaml.safe_load(path.read_text()), "repeats": repeats}, sort_keys=False))
    write_card(root, "chat", {"adapter": "openai", "model": "test-vlm", "base_url": base_url}, tasks=["vqa"])
    return root


def test_a_slurm_array_task_runs_its_balanced_share_end_to_end(tmp_path, server):
    chat_project(tmp_path, server.base_url)
    env = {"SLURM_ARRAY_TASK_ID": "2", "SLURM_ARRAY_TASK_COUNT": "3", "SLURM_ARRAY_TASK_MIN": "0"}
    result = CliRunner(env=env).invoke(main, ["run", "chat", "--suite", SUITE, "--root", str(tmp_path), "--shard", "auto"])
    assert result.exit_code == 0, result.output
    assert "shard 2/3 from the Slurm array (SLURM_ARRAY_TASK_ID=2, SLURM_ARRAY_TASK_COUNT=3)" in result.output
    (path,) = run_files(tmp_path, "chat")
    assert "-shard2of3-" in path.name
    # hand-checked in test_runner_engine.py: shard 2 of 3 of q00..q11
    assert {r["prompt_id"] for r in read_records(tmp_path, "chat")} == {"q06", "q01", "q07", "q09"}


# ---------------------------------------------------------------- the lock


def start_slow_run(root: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen([str(LEADERBOARD), "run", "chat", "--suite", SUITE, "--root", str(root), *args],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def wait_for_first_record(root: Path, first: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while not any(path.read_text().count("\n") for path in run_files(root, "chat")):
        assert first.poll() is None, first.stderr.read()
        assert time.monotonic() < deadline, "the first run wrote nothing"
        time.sleep(0.02)


def test_a_second_run_of_the_same_model_and_suite_is_refused_while_the_first_runs(tmp_path):
    """Before: two runs at once wrote 46 records for 23 prompts."""
    with ChatServer(delay_s=0.3) as server:
        chat_project(tmp_path, server.base_url)
        first = start_slow_run(tmp_path, "--concurrency", "1")
        try:
            wait_for_first_record(tmp_path, first)
            second = CliRunner().invoke(main, ["run", "chat", "--suite", SUITE, "--root", str(tmp_path)])  # this process
            assert second.exit_code == 1
            assert "refusing to run chat on runner-fixture: another run of this model on this suite is under way" \
                in second.output
            assert f"pid {first.pid} on " in second.output and "leaderboard run chat --suite runner-fixture" in second.output
            assert first.wait(timeout=120) == 0, first.stderr.read()
        finally:
            first.kill()
            first.wait()
            first.stderr.close()
    counts = Counter(r["prompt_id"] for r in read_records(tmp_path, "chat"))
    assert counts == {f"q{i:02d}": 1 for i in range(PROMPTS)}, "no prompt answered twice"
    assert not list((tmp_path / "evals" / "runs" / SUITE / "chat").glob(".run.lock*")), "the lock files are removed"


def test_shards_run_side_by_side_but_a_whole_suite_run_or_a_second_copy_is_refused(tmp_path):
    with ChatServer(delay_s=0.6) as server:
        chat_project(tmp_path, server.base_url)
        first = start_slow_run(tmp_path, "--concurrency", "1", "--shard", "0/2")
        try:
            wait_for_first_record(tmp_path, first)
            other = CliRunner().invoke(main, ["run", "chat", "--suite", SUITE, "--root", str(tmp_path), "--shard", "1/2"])
            assert other.exit_code == 0, other.output
            same = CliRunner().invoke(main, ["run", "chat", "--suite", SUITE, "--root", str(tmp_path), "--shard", "0/2"])
            assert same.exit_code == 1 and "--shard 0/2" in same.output and f"pid {first.pid}" in same.output
            whole = CliRunner().invoke(main, ["run", "chat", "--suite", SUITE, "--root", str(tmp_path)])
            assert whole.exit_code == 1 and "another run of this model on this suite is under way" in whole.output
            assert first.wait(timeout=120) == 0, first.stderr.read()
        finally:
            first.kill()
            first.wait()
            first.stderr.close()
    assert Counter(r["prompt_id"] for r in read_records(tmp_path, "chat")) == {f"q{i:02d}": 1 for i in range(PROMPTS)}


def test_a_killed_run_leaves_no_lock_behind(tmp_path):
    with ChatServer(delay_s=0.2) as server:
        chat_project(tmp_path, server.base_url)
        first = start_slow_run(tmp_path, "--concurrency", "1")
        wait_for_first_record(tmp_path, first)
        first.kill()
        first.wait()
        first.stderr.close()
        resumed = CliRunner().invoke(main, ["run", "chat", "--suite", SUITE, "--root", str(tmp_path)])
        assert resumed.exit_code == 0, resumed.output
    assert Counter(r["prompt_id"] for r in read_records(tmp_path, "chat")) == {f"q{i:02d}": 1 for i in range(PROMPTS)}


def test_a_refusal_names_the_live_holders_not_a_killed_runs_leftover(tmp_path):
    """flock conflicts between two opens in one process too, so the locks can meet here."""
    folder = tmp_path / "evals" / "runs" / SUITE / "chat"
    folder.mkdir(parents=True)
    (folder / ".run.lock.all").write_text("pid 999 on ghost, since yesterday (killed)\n")
    with RunLock(folder, (1, 2), "pid 1 on here, since now (shard one)"):
        with pytest.raises(RunLocked) as refused:
            RunLock(folder, None, "pid 2 on here (whole suite)").__enter__()
        assert "pid 1 on here, since now (shard one)" in str(refused.value)
        assert "ghost" not in str(refused.value)
        with RunLock(folder, (0, 2), "pid 3 on here (shard zero)"):  # the other shard runs beside it
            with pytest.raises(RunLocked, match=r"pid 3 on here \(shard zero\)"):
                RunLock(folder, (0, 2), "pid 4 (a second shard zero)").__enter__()
    assert sorted(path.name for path in folder.iterdir()) == [".run.lock.all"], "only the leftover stays"
    with RunLock(folder, None, "pid 5 (whole suite, later)"):
        assert (folder / ".run.lock.all").read_text() == "pid 5 (whole suite, later)\n"
    assert list(folder.iterdir()) == [], "the leftover was reused and removed"


# ---------------------------------------------------------------- repeats


def test_repeat_runs_each_prompt_k_times_as_separate_runs(tmp_path, server):
    chat_project(tmp_path, server.base_url, n=4)
    result = CliRunner().invoke(main, ["run", "chat", "--suite", SUITE, "--root", str(tmp_path), "--repeat", "3"])
    assert result.exit_code == 0, result.output
    assert "repeat 3 of 3" in result.output
    files = run_files(tmp_path, "chat")
    assert len(files) == 3
    by_file = [[json.loads(line) for line in path.read_text().splitlines()] for path in files]
    assert sorted(records[0]["repeat"] for records in by_file) == [0, 1, 2]
    for path, records in zip(files, by_file):
        assert {r["prompt_id"] for r in records} == {"q00", "q01", "q02", "q03"}
        assert len({r["repeat"] for r in records}) == 1 and f"-repeat{records[0]['repeat']}-" in path.name
        assert {r["run_id"] for r in records} == {path.stem}
    assert len(server.requests) == 12
    # every pass is cached now; asking for a fourth runs only that one
    again = CliRunner().invoke(main, ["run", "chat", "--suite", SUITE, "--root", str(tmp_path), "--repeat", "4"])
    assert again.exit_code == 0 and len(server.requests) == 16 and len(run_files(tmp_path, "chat")) == 4


def test_a_suites_repeats_is_the_default_and_a_single_run_is_pass_0(tmp_path, server):
    chat_project(tmp_path, server.base_url, n=3)
    single = CliRunner().invoke(main, ["run", "chat", "--suite", SUITE, "--root", str(tmp_path)])
    assert single.exit_code == 0 and {r.get("repeat") for r in read_records(tmp_path, "chat")} == {None}
    chat_project(tmp_path, server.base_url, n=3, repeats=2)
    repeated = CliRunner().invoke(main, ["run", "chat", "--suite", SUITE, "--root", str(tmp_path)])
    assert repeated.exit_code == 0, repeated.output
    assert len(server.requests) == 6, "pass 0 was the single run already on disk; only pass 1 ran"
    assert sorted(r["repeat"] for r in read_records(tmp_path, "chat") if r["repeat"] is not None) == [1, 1, 1]
