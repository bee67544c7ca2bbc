"""`leaderboard sources sync` against local git repositories made in the test (no network)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.catalog import CatalogError, load_catalog
from generator.cli import main
from generator.sources.paths import checkout_dir
from source_fixtures import (VAC_REPOSITORY, VLM_EXAM_REPOSITORY, add_peer_sources, make_git_repo, pin_sources,
                             vlm_exam_summary, write_vac_source)

@pytest.fixture()
def project(tmp_path) -> tuple[Path, Path, dict[str, str]]:
    root, mirror = tmp_path / "project", tmp_path / "mirror"
    root.mkdir()
    (root / "site.yaml").write_text("title: Sync test\n", encoding="utf-8")
    return root, mirror, add_peer_sources(root, mirror)


def sync(root: Path, url: Path | str, *extra: str):
    return CliRunner().invoke(main, ["sources", "sync", "--root", str(root), "--url", str(url), *extra])


def test_sync_fetches_each_pinned_commit_and_then_does_nothing(project):
    root, mirror, commits = project
    result = sync(root, mirror)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) == 2 and all(": fetched -> " in line for line in lines)
    vac = checkout_dir(root / ".cache" / "sources", VAC_REPOSITORY, commits["vision-ai-checkup"])
    assert (vac / "prompts.csv").is_file() and (vac / "data/results/result_alpha-vl.json").is_file()
    head = subprocess.run(["git", "-C", str(vac), "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    assert head == commits["vision-ai-checkup"]
    exam = checkout_dir(root / ".cache" / "sources", VLM_EXAM_REPOSITORY, commits["vlm-exam"])
    assert (exam / "web/benchmark_summary.json").is_file()
    again = sync(root, mirror)
    assert again.exit_code == 0
    lines = again.output.splitlines()
    assert len(lines) == 2 and all(": cached -> " in line for line in lines), lines


def test_offline_each_source_gets_one_line_and_the_command_succeeds(project, tmp_path):
    root, _, commits = project
    result = sync(root, tmp_path / "no-such-mirror")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"vision-ai-checkup roboflow/vision-ai-checkup@{commits['vision-ai-checkup'][:12]}: "
                               "could not be fetched (")
    assert lines[0].endswith("); the site is built without it")
    assert lines[1].startswith(f"vlm-exam roboflow/vlm-exam@{commits['vlm-exam'][:12]}: could not be fetched (")
    cache = root / ".cache" / "sources"
    assert not list(cache.rglob("*.json")) and not list(cache.glob("*/.partial-*"))  # nothing half-fetched left


def test_a_commit_the_repository_does_not_have_is_not_cached(tmp_path):
    root, mirror = tmp_path / "project", tmp_path / "mirror"
    root.mkdir()
    write_vac_source(mirror)
    pin_sources(root, {"vision-ai-checkup": (VAC_REPOSITORY, "0123456789abcdef0123456789abcdef01234567", "MIT")})
    result = sync(root, mirror)
    assert result.exit_code == 0
    assert "could not be fetched" in result.output
    assert not (root / ".cache/sources/roboflow+vision-ai-checkup/0123456789abcdef0123456789abcdef01234567").exists()


def test_the_cache_can_move(project, tmp_path, monkeypatch):
    root, mirror, commits = project
    elsewhere = tmp_path / "shared-cache"
    monkeypatch.setenv("VL_SOURCES_CACHE", str(elsewhere))
    assert sync(root, mirror).exit_code == 0
    assert (elsewhere / "roboflow+vlm-exam" / commits["vlm-exam"] / "web/benchmark_summary.json").is_file()
    assert not (root / ".cache" / "sources").exists()
    other = tmp_path / "option-cache"
    assert sync(root, mirror, "--cache", str(other)).exit_code == 0
    assert (other / "roboflow+vlm-exam" / commits["vlm-exam"]).is_dir()


def test_a_pin_must_name_a_full_commit_and_a_known_kind(tmp_path):
    (tmp_path / "site.yaml").write_text(
        "sources:\n"
        "  - {kind: vision-ai-checkup, repository: roboflow/vision-ai-checkup, commit: 4e450f9, license: MIT}\n"
        "  - {kind: mmmu, repository: example/mmmu, commit: " + "a" * 40 + ", license: MIT}\n", encoding="utf-8")
    with pytest.raises(CatalogError) as e:
        load_catalog(tmp_path)
    assert [str(p) for p in e.value.problems] == [
        "site.yaml:2: sources.0.commit: String should match pattern '^[0-9a-f]{40}$'",
        "site.yaml:3: sources.1.kind: 'mmmu' is not a known value; known: vision-ai-checkup, vlm-exam"]


def test_sync_lists_every_problem_of_the_pins_and_fails(tmp_path):
    (tmp_path / "site.yaml").write_text(
        "sources:\n  - {kind: vlm-exam, repository: roboflow/vlm-exam, commit: f3a39b2, license: Apache-2.0}\n",
        encoding="utf-8")
    result = CliRunner().invoke(main, ["sources", "sync", "--root", str(tmp_path)])
    assert result.exit_code == 1
    assert "site.yaml:2: sources.0.commit: String should match pattern '^[0-9a-f]{40}$'" in result.output
    assert "1 problem(s) in site.yaml" in result.output
    assert not (tmp_path / ".cache").exists()


@pytest.mark.parametrize("server_filters", [True, False])
def test_only_the_files_the_importer_reads_are_checked_out(tmp_path, server_filters):
    root, mirror = tmp_path / "project", tmp_path / "mirror"
    root.mkdir()
    summary = json.dumps(vlm_exam_summary())
    repo = mirror / VLM_EXAM_REPOSITORY
    commit = make_git_repo(repo, {"web/benchmark_summary.json": summary, "LICENSE": "Apache-2.0\n",
                                  "data/detection/train/big.bin": b"\0" * 4096, "web/index.html": "<p>site</p>"})
    subprocess.run(["git", "-C", str(repo), "config", "uploadpack.allowFilter", str(server_filters).lower()], check=True)
    pin_sources(root, {"vlm-exam": (VLM_EXAM_REPOSITORY, commit, "Apache-2.0")})
    assert sync(root, mirror).exit_code == 0
    tree = checkout_dir(root / ".cache" / "sources", VLM_EXAM_REPOSITORY, commit)
    assert sorted(p.relative_to(tree).as_posix() for p in tree.rglob("*") if ".git" not in p.parts) == [
        "LICENSE", "web", "web/benchmark_summary.json"]
    assert (tree / "web/benchmark_summary.json").read_text() == summary
