"""The build bench's own logic: what it reads from `build-site` and the file-system floor it prints."""

from __future__ import annotations

from pathlib import Path

from bench.build_bench import parse_summary, write_floor


def test_parse_summary_reads_both_kinds_of_last_line():
    assert parse_summary("1399 pages, 1592 files: 54 written, 3 removed in 1.23 s (44 files/s) -> out") == {
        "up_to_date": False, "seconds": 1.23, "pages": 1399, "files": 1592, "written": 54, "removed": 3}
    assert parse_summary("up to date: nothing changed (0.05 s) -> out") == {
        "up_to_date": True, "seconds": 0.05, "written": 0, "removed": 0}


def test_write_floor_writes_the_same_folders_and_sizes(tmp_path: Path):
    site = tmp_path / "site"
    for rel, data in {"index.html": b"x" * 10, "compare/a-vs-b/index.html": b"y" * 5000, "data/e.csv": b""}.items():
        (site / rel).parent.mkdir(parents=True, exist_ok=True)
        (site / rel).write_bytes(data)
    cpu = write_floor(site, tmp_path / "floor")
    sizes = lambda root: {p.relative_to(root): p.stat().st_size for p in root.rglob("*") if p.is_file()}  # noqa: E731
    assert sizes(tmp_path / "floor") == sizes(site) and cpu >= 0
