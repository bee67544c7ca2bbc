"""Kill-and-resume: `leaderboard run` killed with SIGKILL mid-way, then run again, ends with
exactly one answer per prompt — none lost, none duplicated — and a torn last line is re-run."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from fixtures_runner import ChatServer, read_records, run_files, write_card, write_suite

from generator.catalog import latest_records, load_catalog

LEADERBOARD = Path(sys.executable).with_name("leaderboard")
PROMPTS = 24


def slow_project(root: Path, base_url: str) -> None:
    write_suite(root, [{"id": f"p{i:02d}", "image": "sign.png", "category": "text", "task": "vqa",
                        "prompt": f"Prompt {i}?"} for i in range(PROMPTS)])
    write_card(root, "chat", {"adapter": "openai", "model": "test-vlm", "base_url": base_url,
                              "options": {"concurrency": 2}}, tasks=["vqa"])


def complete_lines(root: Path) -> int:
    return sum(path.read_text().count("\n") for path in run_files(root, "chat"))


def leaderboard_run(root: Path) -> list[str]:
    return [str(LEADERBOARD), "run", "chat", "--suite", "runner-fixture", "--root", str(root)]


def test_sigkill_mid_run_then_resume_gives_exactly_one_record_per_prompt(tmp_path):
    with ChatServer(delay_s=0.15) as server:
        slow_project(tmp_path, server.base_url)
        victim = subprocess.Popen(leaderboard_run(tmp_path), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while complete_lines(tmp_path) < 6:
            assert victim.poll() is None, victim.stderr.read().decode()
            assert time.monotonic() < deadline, "the run made no progress"
            time.sleep(0.02)
        victim.send_signal(signal.SIGKILL)
        victim.wait()
        victim.stderr.close()
        written = complete_lines(tmp_path)
        assert 6 <= written < PROMPTS, "killed mid-way"

        resumed = subprocess.run(leaderboard_run(tmp_path), capture_output=True, text=True, timeout=120)
        assert resumed.returncode == 0, resumed.stderr + resumed.stdout

    records = read_records(tmp_path, "chat")
    counts = Counter(r["prompt_id"] for r in records)
    assert counts == {f"p{i:02d}": 1 for i in range(PROMPTS)}, "a prompt was lost or answered twice"
    assert all(r["error"] is None for r in records)
    assert len(run_files(tmp_path, "chat")) == 2
    assert len(latest_records(load_catalog(tmp_path).runs)) == PROMPTS
    assert len(server.requests) >= PROMPTS  # requests in flight at the kill were simply sent again


def test_a_torn_last_line_is_ignored_and_its_prompt_run_again(tmp_path):
    with ChatServer() as server:
        slow_project(tmp_path, server.base_url)
        first = subprocess.run([*leaderboard_run(tmp_path), "--limit", "5"], capture_output=True, text=True, timeout=120)
        assert first.returncode == 0, first.stderr
        (path,) = run_files(tmp_path, "chat")
        lines = path.read_text().splitlines(keepends=True)
        torn_id = json.loads(lines[-1])["prompt_id"]
        path.write_text("".join(lines[:-1]) + lines[-1][: len(lines[-1]) // 2])  # what a kill mid-write leaves
        assert len(load_catalog(tmp_path).runs) == 4  # readers skip the torn line

        second = subprocess.run(leaderboard_run(tmp_path), capture_output=True, text=True, timeout=120)
        assert second.returncode == 0, second.stderr

    counts = Counter(r["prompt_id"] for r in read_records(tmp_path, "chat"))
    assert counts == {f"p{i:02d}": 1 for i in range(PROMPTS)}
    (second_file,) = set(run_files(tmp_path, "chat")) - {path}
    rerun = {json.loads(line)["prompt_id"] for line in second_file.read_text().splitlines()}
    assert torn_id in rerun and len(rerun) == PROMPTS - 4
