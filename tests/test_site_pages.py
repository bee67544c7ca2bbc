"""What the pages choose to show, on variants of the small catalog: each model's best evidence on a
pair page (measured here > imported answers > reported figures, whole runs before partial ones),
the suite named beside every figure, and only `leaderboard run` commands that can run."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from generator.site.build import build

from site_fixtures import write_catalog


def built(tmp_path: Path, change=None) -> Path:
    root = write_catalog(tmp_path / "catalog")
    if change:
        change(root)
    out = tmp_path / "public"
    build(root, out, jobs=1)
    return out


def evals_block(out: Path, pair: str = "alpha-vl-vs-beta-ocr") -> str:
    html = (out / "compare" / pair / "index.html").read_text()
    return html.split('id="evals"')[1].split('id="h2h"')[0]


def column(block: str, row: str, index: int) -> str:
    """The text of one model's cell (0 = first model) in a row of the evidence table."""
    cells = re.search(rf'<th scope="row">{re.escape(row)}</th>(.*?)</tr>', block, re.S).group(1)
    found = re.findall(r'<td class="num">(.*?)</td>', cells, re.S)
    return re.sub(r"<[^>]+>", " ", found[index])


def head(block: str) -> str:
    """The evidence table's header row: each model's name, evidence label and suite."""
    return block.split("<thead>")[1].split("</thead>")[0]


def runs_of(root: Path, model: str) -> Path:
    return root / "evals" / "runs" / "evals" / model


def test_reported_figures_stand_in_when_nothing_was_run(tmp_path):
    out = built(tmp_path, lambda root: shutil.rmtree(runs_of(root, "beta-ocr")))
    block = evals_block(out)
    top = head(block)
    assert top.count('<span class="pill measured"') == 1 and top.count('<span class="pill reported">') == 1
    assert "Peer Vision Evals (Test Evals)" in top and 'href="https://peer.example/compare"' in top
    assert "68.66%" in column(block, "Overall score", 1)
    assert "9/19" in column(block, "Overall score", 1)  # the categories' k/n, summed: 1/10 + 8/9
    assert "1/10" in column(block, "Counting", 1) and "8/9" in column(block, "Reading", 1)
    assert "5 of 5 prompts" in column(block, "Overall score", 0)
    assert "come from different suites" not in block  # the reported figure names our suite


def test_imported_answers_come_before_reported_figures(tmp_path):
    out = built(tmp_path, lambda root: (runs_of(root, "beta-ocr") / "beta-run-1.jsonl").unlink())
    block = evals_block(out)
    assert '<span class="pill imported"' in head(block)
    assert "1/5" in column(block, "Overall score", 1) and "20.0%" in column(block, "Overall score", 1)
    assert "measured by Peer Bench authors" in block and "graded here from the stored answers" in block
    assert '<span class="pill reported">' not in head(block)


def test_a_partial_run_comes_after_a_whole_reported_suite(tmp_path):
    def keep_one_measured_answer(root: Path):
        run = runs_of(root, "beta-ocr") / "beta-run-1.jsonl"
        run.write_text(run.read_text().splitlines(keepends=True)[0])
        (runs_of(root, "beta-ocr") / "peer-import.jsonl").unlink()

    block = evals_block(built(tmp_path, keep_one_measured_answer))
    assert '<span class="pill reported">' in head(block) and "68.66%" in block


def test_figures_from_different_suites_are_said_to_be(tmp_path):
    def unmap(root: Path):
        card = root / "model_cards" / "beta-ocr.yaml"
        card.write_text(card.read_text().replace("    suite: evals\n", ""))
        shutil.rmtree(runs_of(root, "beta-ocr"))

    block = evals_block(built(tmp_path, unmap))
    assert "The two columns come from different suites" in block
    assert "Alpha VL: Test Evals; Beta OCR: Peer Vision Evals" in block


@pytest.mark.parametrize("runner", [True, False])
def test_only_runnable_commands_are_suggested(tmp_path, runner):
    def drop_runner(root: Path):
        card = root / "model_cards" / "gamma-det.yaml"
        card.write_text(card.read_text().replace("runner: {adapter: opencv, model: haar-frontalface-default}\n", ""))

    out = built(tmp_path, None if runner else drop_runner)
    everywhere = "".join(p.read_text() for p in out.rglob("*.html"))
    assert ("leaderboard run gamma-det --suite evals" in everywhere) == runner
    assert "leaderboard run beta-ocr" not in everywhere  # no runner section: nothing to suggest


def home_section(out: Path, anchor: str) -> str:
    html = (out / "index.html").read_text()
    return html.split(f'id="{anchor}"')[1].split("<h2 ")[0]


def test_home_ranks_peer_figures_per_task_and_effort(tmp_path):
    from source_fixtures import add_peer_sources, sync_sources

    def peers(root: Path):
        add_peer_sources(root, tmp_path / "mirror")
        sync_sources(root, tmp_path / "mirror")

    out = built(tmp_path, peers)
    peer = home_section(out, "peer")
    titles = re.findall(r'<h3 id="peer-\d+">(.*?)</h3>', peer)
    assert titles == ["vlm-exam · Counting · Accuracy (LLM judge) · effort high",
                      "vlm-exam · Counting · Accuracy (LLM judge) · effort low",
                      "vlm-exam · Detection · mAP@50 · effort low", "vlm-exam · OCR · Mean Similarity · effort low"]
    low = peer.split('id="peer-2"')[1].split("<h3")[0]
    assert "69.17%" in low and "65–72.5 over 3 runs" in low  # the mean and its spread over the runs
    assert "41.5%" in low  # strict match beside the judge
    assert "Zeta" not in peer  # an unmapped model is never guessed onto a card
    gamma = re.sub(r"<[^>]+>", "", (out / "models" / "gamma-det" / "index.html").read_text().split('id="peer"')[1])
    assert "vlm-exam · Detection · mAP@50 · effort low" in gamma and "46.2%" in gamma  # its figures on its page
    assert "imported 1 peer benchmark figure" in models_index_row(out, "Gamma Det")  # no suite results: its peer figure


def test_home_leaves_out_what_it_cannot_show(tmp_path):
    def nothing_run(root: Path):
        shutil.rmtree(root / "evals" / "runs")

    html = (built(tmp_path, nothing_run) / "index.html").read_text()
    assert 'id="ranking-evals"' not in html and 'class="charts"' not in html  # no empty ranking, no empty chart
    assert 'id="peer"' not in html  # no peer source pinned
    assert 'id="reported"' not in html  # MMMU Pro and Peer Vision Evals: one card each, nothing to rank
    assert "leaderboard run gamma-det --suite evals" in html


def models_index_row(out: Path, name: str) -> str:
    html = (out / "models" / "index.html").read_text()
    row = re.search(rf'<tr><th scope="row" class="sticky" data-sort="{re.escape(name)}">(.*?)</tr>', html, re.S).group(1)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row))


def test_models_index_shows_each_models_best_score_and_its_kind(tmp_path):
    out = built(tmp_path, lambda root: shutil.rmtree(runs_of(root, "beta-ocr")))
    assert "60.0%" in models_index_row(out, "Alpha VL") and "measured here Test Evals · 5 of 5" in models_index_row(out, "Alpha VL")
    assert "68.66%" in models_index_row(out, "Beta OCR") and "reported Peer Vision Evals" in models_index_row(out, "Beta OCR")
    assert "no results" in models_index_row(out, "Gamma Det")


def test_model_page_lists_its_answers_by_task(tmp_path):
    html = (built(tmp_path) / "models" / "alpha-vl" / "index.html").read_text()
    vqa = html.split('id="answers-vqa"')[1].split("</ul>")[0]
    assert "2 answers, 1 of 2 graded passed" in re.sub(r"<[^>]+>", "", vqa)  # count-apples 3 ✓, count-coins five ✗
    assert 'href="../../suites/evals/count-apples/index.html"' in vqa
    assert 'id="answers-captioning"' in html and 'id="answers-ocr"' in html


def test_pair_page_without_a_live_api_says_how_to_get_one(tmp_path):
    html = (built(tmp_path) / "compare" / "alpha-vl-vs-beta-ocr" / "index.html").read_text()
    try_it = html.split('id="try"')[1].split("<h2")[0]
    assert "leaderboard serve" in try_it and 'id="playground"' not in html and "playground.js" not in html
    assert 'href="../../playground/index.html?models=alpha-vl,beta-ocr&amp;task=ocr"' in try_it  # first shared task


def _set_batches(run: Path, batch_of) -> None:
    """Give each record of a run file a batch size (batch_of(prompt_id)) and throughput = latency / batch."""
    rows = [json.loads(line) for line in run.read_text().splitlines()]
    for r in rows:
        r["batch_size"] = batch_of(r["prompt_id"])
        r["throughput_s"] = r["latency_s"] / r["batch_size"] if r["latency_s"] is not None else None
    run.write_text("".join(json.dumps(r) + "\n" for r in rows))


def test_response_time_names_its_batch_size_hardware_and_throughput(tmp_path):
    def batched(root: Path):
        _set_batches(runs_of(root, "beta-ocr") / "beta-run-1.jsonl", lambda _: 8)  # 0.4 s each: 0.05 s per prompt

    out = built(tmp_path, batched)
    beta = (out / "models" / "beta-ocr" / "index.html").read_text()
    assert "(batch 8 · test CPU · 20 prompts/s)" in beta  # 1 / (0.4 s / 8)
    block = evals_block(out)
    assert "batch 8 · test CPU · 20 prompts/s" in column(block, "Median response time", 1)
    home = (out / "index.html").read_text()
    assert '<span class="sub">batch 8 · test CPU · 20 prompts/s</span>' in home


def test_mixed_batch_sizes_are_named_not_averaged_silently(tmp_path):
    def mixed(root: Path):
        _set_batches(runs_of(root, "beta-ocr") / "beta-run-1.jsonl", lambda pid: 1 if pid.startswith("count") else 8)

    beta = (built(tmp_path, mixed) / "models" / "beta-ocr" / "index.html").read_text()
    assert "(mixed batch sizes 1 and 8 · test CPU)" in beta and "prompts/s" not in beta
    assert "batch 1, 8" in beta  # the run's own line says which


def test_repeated_runs_show_their_spread_and_stability(tmp_path):
    """Beta OCR's measured run repeated three times (repeat 0, 1, 2). Scored prompts and its answers:
    pass 0 is the fixture's (count-coins, read-sign, read-receipt pass; count-apples, find-cat fail:
    3/5); pass 1 answers count-apples "3" too (4/5); pass 2 answers read-sign "GO" (2/5). Mean
    (60 + 80 + 40) / 3 = 60.0%, range 40.0–80.0%; count-apples and read-sign changed verdict, the
    other three did not: stable on 3 of 5."""
    def repeated(root: Path):
        run = runs_of(root, "beta-ocr") / "beta-run-1.jsonl"
        rows = [json.loads(line) for line in run.read_text().splitlines()]
        out = []
        for repeat, change in ((0, {}), (1, {"count-apples": "3"}), (2, {"read-sign": "GO"})):
            for r in rows:
                out.append(dict(r, repeat=repeat, run_id=f"beta-repeat{repeat}", output=change.get(r["prompt_id"], r["output"]),
                                started_at=f"2026-05-02T1{repeat}:00:00Z"))
        run.write_text("".join(json.dumps(r) + "\n" for r in out))

    out = built(tmp_path, repeated)
    beta = re.sub(r"<[^>]+>", "", (out / "models" / "beta-ocr" / "index.html").read_text())
    assert "3 passes: mean 60.0%, 40.0%–80.0% over the passes" in beta
    assert "the verdict stayed the same on 3 of 5 prompts (60% stable)" in beta
    block = column(evals_block(out), "Overall score", 1)
    assert "3 runs: mean 60.0%, 40.0%–80.0%" in block and "verdict stable on 3 of 5 prompts" in block
