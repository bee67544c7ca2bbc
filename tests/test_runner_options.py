"""Runner sections are checked where contributors see it: `leaderboard validate` names the card's
file and line for an unknown adapter, an option its adapter does not declare or a value it would
reject, and a run that cannot start on its configuration writes no record."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import require_binary
from fixtures_runner import SUITE, write_card, write_suite

from generator.catalog.schemas import Runner
from generator.cli import main
from generator.runner.adapter import runner_problems
from generator.runner.options import Option

REPO = Path(__file__).resolve().parents[1]


def card_lines(path: Path, key: str) -> int:
    """The 1-based line of the first line that starts (after indentation) with `key:`."""
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if line.strip().startswith(f"{key}:"))


def test_validate_names_file_and_line_for_each_runner_mistake(tmp_path):
    write_suite(tmp_path)
    psm = write_card(tmp_path, "tess", {"adapter": "tesseract", "options": {"lang": "eng", "psm": "six"}})
    typo = write_card(tmp_path, "typo", {"adapter": "tesseract5"})
    gpu = write_card(tmp_path, "faces", {"adapter": "opencv", "model": "haar-frontalface-default", "device": "cuda",
                                         "options": {"minNeigbors": 3}})
    vlm = write_card(tmp_path, "vlm", {"adapter": "transformers-vlm", "model": "org/model",
                                       "options": {"box_convention": "qwen"}})
    result = CliRunner().invoke(main, ["validate", "--root", str(tmp_path)])
    assert result.exit_code == 1
    expected = [
        f"model_cards/tess.yaml:{card_lines(psm, 'psm')}: runner.options.psm: 'six' is not a whole number",
        f"model_cards/typo.yaml:{card_lines(typo, 'adapter')}: runner.adapter: unknown adapter 'tesseract5'; "
        "did you mean 'tesseract'?",
        f"model_cards/faces.yaml:{card_lines(gpu, 'minNeigbors')}: runner.options.minNeigbors: unknown option "
        "'minNeigbors' for the opencv adapter; did you mean 'minNeighbors'?",
        f"model_cards/faces.yaml:{card_lines(gpu, 'device')}: runner.device: the opencv adapter runs on the CPU only",
        f"model_cards/vlm.yaml:{card_lines(vlm, 'box_convention')}: runner.options.box_convention: 'qwen' is not one of",
    ]
    for line in expected:
        assert line in result.output, (line, result.output)


def test_a_run_whose_runner_section_is_wrong_stops_before_writing_anything(tmp_path):
    """Before: `psm: "six"` passed validate and every prompt became an error record."""
    write_suite(tmp_path)
    write_card(tmp_path, "tess", {"adapter": "tesseract", "options": {"psm": "six"}})
    result = CliRunner().invoke(main, ["run", "tess", "--suite", SUITE, "--root", str(tmp_path)])
    assert result.exit_code == 1 and "runner.options.psm: 'six' is not a whole number" in result.output
    assert not (tmp_path / "evals" / "runs").exists()


def test_a_model_that_cannot_load_stops_before_writing_anything(tmp_path):
    require_binary("tesseract")
    write_suite(tmp_path)
    write_card(tmp_path, "tess", {"adapter": "tesseract", "options": {"lang": "klingon"}})
    result = CliRunner().invoke(main, ["run", "tess", "--suite", SUITE, "--root", str(tmp_path)])
    assert result.exit_code == 1
    assert "cannot start tess (tesseract): tesseract: language data ['klingon'] not installed" in result.output
    assert not (tmp_path / "evals" / "runs").exists(), "no record, no file, not even an empty folder"


def test_an_override_the_adapter_does_not_take_stops_before_writing_anything(tmp_path):
    write_suite(tmp_path)
    write_card(tmp_path, "tess", {"adapter": "tesseract"})
    result = CliRunner().invoke(main, ["run", "tess", "--suite", SUITE, "--root", str(tmp_path), "--concurrency", "4"])
    assert result.exit_code == 1
    assert "unknown option 'concurrency' for the tesseract adapter" in result.output
    assert not (tmp_path / "evals" / "runs").exists()


@pytest.mark.parametrize("option, value, problem", [
    (Option("n", "int", minimum=1), True, "True is not a whole number"),
    (Option("n", "int", minimum=1), 0, "0 is below the minimum 1"),
    (Option("x", "float", maximum=1), 1.5, "1.5 is above the maximum 1"),
    (Option("x", "float"), "0.5", "'0.5' is not a number"),
    (Option("b", "bool"), "yes", "'yes' is not true or false"),
    (Option("p", "int-pair", minimum=1), [8], "[8] is not a list of two whole numbers, e.g. [8, 8]"),
    (Option("p", "int-pair", minimum=1), [8, 0], "[8, 0] is below the minimum 1"),
    (Option("s", "str", choices=("min", "max")), "mid", "'mid' is not one of min, max (did you mean 'min'?)"),
    (Option("s", "str", pattern=r"[a-z]+", help="lower-case letters"), "A1", "'A1' does not look like lower-case letters"),
])
def test_each_kind_of_option_refuses_what_it_cannot_take(option, value, problem):
    assert option.problem(value) == problem


def test_accepted_values_pass():
    assert Option("x", "float").problem(2) is None  # a whole number is a number
    assert Option("p", "int-pair", minimum=0).problem([0, 8]) is None
    assert runner_problems(Runner(adapter="openai", model="m", options={"concurrency": 32})) == []


def test_validating_cards_imports_no_backend():
    """Each adapter declares its options in a module that keeps its backend imports inside methods,
    so checking every card of the repository loads neither torch nor any OCR or vision library."""
    code = ("import sys; from generator.catalog import load_catalog; load_catalog('.'); "
            "print(sorted(m for m in ('torch', 'transformers', 'pytesseract', 'cv2', 'rapidocr', 'onnxruntime', "
            "'supervision', 'httpx') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
