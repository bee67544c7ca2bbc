"""The YAML reader is the first thing untrusted contributor input meets: safe, exact about lines."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.catalog import CatalogError
from generator.catalog.loader import load_cards
from generator.catalog.yaml_source import MAX_BYTES, YamlProblem, parse_yaml

from site_fixtures import tiny_png


def test_lines_are_recorded_for_every_value():
    doc = parse_yaml("id: x\ntasks:\n  - ocr\n  - vqa\nlinks:\n  paper: https://a.b\n")
    assert doc.data == {"id": "x", "tasks": ["ocr", "vqa"], "links": {"paper": "https://a.b"}}
    assert doc.line_of(("tasks", 1)) == 4
    assert doc.line_of(("links", "paper")) == 6
    assert doc.line_of(("links", "missing")) == 5  # a missing key points at its parent


def test_dates_stay_strings():
    assert parse_yaml("release_date: 2024-06-16\n").data == {"release_date": "2024-06-16"}


@pytest.mark.parametrize(
    "text, line, words",
    [
        ("a: 1\nb: 2\na: 3\n", 3, "duplicate key 'a'"),
        ("a: &x [1, 2]\nb: *x\n", 2, "aliases"),
        ("base: &b {x: 1}\nc:\n  <<: *b\n", 3, "aliases"),
        ("a: [1, 2\n", None, "invalid YAML"),
        ("a: !!python/object:os.system ls\n", 1, "invalid YAML"),
        ("a: !!binary aGVsbG8=\n", 1, "binary"),
    ],
)
def test_unsafe_or_broken_yaml_is_rejected_with_a_line(text, line, words):
    with pytest.raises(YamlProblem) as info:
        parse_yaml(text)
    assert words in info.value.message
    if line is not None:
        assert info.value.line == line


def test_billion_laughs_is_refused_before_expansion():
    lol = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n" for i in range(9)
    )
    with pytest.raises(YamlProblem, match="aliases"):
        parse_yaml(lol)


def test_huge_and_deep_documents_are_refused():
    with pytest.raises(YamlProblem, match="larger than"):
        parse_yaml("a: '" + "x" * (MAX_BYTES + 1) + "'\n")
    with pytest.raises(YamlProblem, match="nesting deeper"):
        parse_yaml("a: " + "[" * 40 + "]" * 40 + "\n")


def _card_problems(tmp_path, text: str):
    cards = tmp_path / "model_cards"
    cards.mkdir(exist_ok=True)
    (cards / "x.yaml").write_text(text, encoding="utf-8")
    problems = []
    load_cards(tmp_path, problems)
    return problems


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=400))
def test_random_text_either_loads_or_gives_our_problems(tmp_path_factory, text):
    problems = _card_problems(tmp_path_factory.mktemp("cards"), text)
    assert all(p.path == "model_cards/x.yaml" and p.message for p in problems)


yaml_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.sampled_from(["id", "name", "tasks", "license", "access", "modalities", "junk",
                                        "release_date", "overview", "organization", "pricing"]), yaml_values))
def test_random_cards_either_load_or_give_our_problems(tmp_path_factory, data):
    import yaml

    problems = _card_problems(tmp_path_factory.mktemp("cards"), yaml.safe_dump(data))
    for problem in problems:
        assert problem.path == "model_cards/x.yaml" and problem.message
        assert problem.line is None or problem.line >= 1


def test_catalog_error_lists_every_problem(tmp_path):
    from generator.catalog import load_catalog

    cards = tmp_path / "model_cards"
    cards.mkdir()
    (cards / "a.yaml").write_text("id: a\nfoo: 1\n")
    (cards / "b.yaml").write_text("id: b\ntasks: [ocr2]\n")
    with pytest.raises(CatalogError) as info:
        load_catalog(tmp_path)
    text = str(info.value)
    assert "model_cards/a.yaml:2: foo: unknown key 'foo'" in text
    assert "model_cards/b.yaml:2: tasks.0: 'ocr2' is not a known task; did you mean 'ocr'? known: captioning" in text
    assert "model_cards/b.yaml:1: name: required field is missing" in text


def test_run_records_of_a_broken_or_missing_card_are_reported_once_per_folder(tmp_path):
    """A broken card must not be buried under one message per record; bad bytes name their line."""
    import json

    from generator.catalog import load_catalog

    (tmp_path / "model_cards").mkdir()
    (tmp_path / "model_cards" / "a.yaml").write_text("id: a\nfoo: 1\n")
    record = {"suite": "s", "suite_version": "1", "prompt_id": "p", "prompt_sha256": "0" * 64, "model": "a",
              "adapter": "x", "adapter_version": "1", "model_revision": None, "params": {}, "output": "y",
              "structured": None, "latency_s": 1.0, "input_tokens": None, "output_tokens": None, "error": None,
              "run_id": "r", "started_at": "2026-01-01T00:00:00Z", "hardware": None, "source": "measured"}
    for model in ("a", "ghost"):
        folder = tmp_path / "evals" / "runs" / "s" / model
        folder.mkdir(parents=True)
        lines = [json.dumps(dict(record, model=model, prompt_id=f"p{i}")) + "\n" for i in range(20)]
        (folder / "r.jsonl").write_bytes("".join(lines).encode() + b"\xff\xfe not utf-8\n")
    with pytest.raises(CatalogError) as info:
        load_catalog(tmp_path)
    text = str(info.value)
    assert "evals/runs/s/a: 20 run records for model 'a', whose card has problems (listed with it)" in text
    assert "evals/runs/s/ghost: 20 run records for model 'ghost', which has no card in model_cards/" in text
    assert "evals/runs/s/ghost: 20 run records for suite 's', which is not a suite in evals/suites/" in text
    assert "evals/runs/s/a/r.jsonl:21: not UTF-8 text (invalid start byte at byte 0)" in text
    assert text.count("run records for model") == 2


@pytest.mark.parametrize("grader, expected, message", [
    ("{name: number, options: {tolerence: 1}}", "3", "unknown option(s) tolerence; known: tolerance"),
    ("{name: detection}", "{box: []}", "expected must be {'boxes'"),
])
def test_a_grader_that_cannot_read_its_prompt_is_a_validation_error_with_a_line(tmp_path, grader, expected, message):
    from generator.catalog.loader import load_suites

    folder = tmp_path / "evals" / "suites" / "s"
    (folder / "images").mkdir(parents=True)
    (folder / "images" / "a.png").write_bytes(tiny_png())
    (folder / "suite.yaml").write_text(
        "id: s\nname: S\nversion: '1'\ndescription: d\ncategories: [{id: c, name: C}]\n"
        "images: [{file: images/a.png, source: test, license: CC0-1.0}]\nprompts:\n"
        f"  - id: p\n    image: images/a.png\n    category: c\n    task: vqa\n    prompt: q\n"
        f"    expected: {expected}\n    grader: {grader}\n")
    problems = []
    load_suites(tmp_path, problems)
    assert [(p.path, p.line) for p in problems] == [("evals/suites/s/suite.yaml", 8)]  # the prompt's line
    assert message in problems[0].message


def test_ids_must_match_their_file_or_folder(tmp_path):
    from generator.catalog.loader import load_suites

    (tmp_path / "model_cards").mkdir()
    (tmp_path / "model_cards" / "a.yaml").write_text(
        "# header\nid: b\nname: B\norganization: O\naccess: open\nmodalities: {inputs: [image], outputs: [text]}\n"
        "release_date: null\nlicense: {id: MIT}\ntasks: [ocr]\noverview: x\n")
    problems = []
    assert load_cards(tmp_path, problems) == ({}, {})
    assert [str(p) for p in problems] == ["model_cards/a.yaml:2: id: 'b' must match the file name 'a'"]
    folder = tmp_path / "evals" / "suites" / "s"
    (folder / "images").mkdir(parents=True)
    (folder / "images" / "a.png").write_bytes(tiny_png())
    (folder / "suite.yaml").write_text(
        "id: t\nname: S\nversion: '1'\ndescription: d\ncategories: [{id: c, name: C}]\n"
        "images: [{file: images/a.png, source: test, license: CC0-1.0}]\n"
        "prompts: [{id: p, image: images/a.png, category: c, task: vqa, prompt: q}]\n")
    problems = []
    assert load_suites(tmp_path, problems) == {}
    assert [str(p) for p in problems] == ["evals/suites/s/suite.yaml:1: id: 't' must match the folder name 's'"]


def test_validate_on_a_folder_without_a_catalog_says_so(tmp_path):
    from click.testing import CliRunner

    from generator.cli import main

    empty = CliRunner().invoke(main, ["validate", "--root", str(tmp_path)])
    assert empty.exit_code == 1 and "is --root right?" in empty.output
    from conftest import REPO_ROOT

    shipped = CliRunner().invoke(main, ["validate", "--root", str(REPO_ROOT)])  # the repository's own catalog
    cards = len(list((REPO_ROOT / "model_cards").glob("*.yaml")))  # the count changes with every card added
    assert shipped.exit_code == 0 and shipped.output.startswith(f"ok: {cards} cards, "), shipped.output
