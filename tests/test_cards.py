"""The shipped model cards: they load, carry the sourced facts the site shows, and the loader
points a contributor at the exact file and line of a mistake."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from generator.catalog.errors import Problem
from generator.catalog.loader import load_cards, load_site
from generator.catalog.schemas import ModelCard, card_json_schema
from generator.catalog.vocab import TASKS
from generator.runner.adapter import ADAPTERS

REPO_ROOT = Path(__file__).resolve().parents[1]
CARD_DIR = REPO_ROOT / "model_cards"
SCHEMA_LINE = "# yaml-language-server: $schema=schema.json"

REQUIRED_IDS = {
    "florence-2-base", "florence-2-large", "gemma-4-26b-a4b", "gemma-4-31b", "gemma-4-e4b",
    "gemma-4-e2b", "paligemma-2-3b", "qwen2-5-vl-7b", "smolvlm2-2-2b", "moondream-2",
    "grounding-dino-tiny", "owlv2-base", "yolo11", "rf-detr", "tesseract-5", "rapidocr",
    "opencv-haar-face", "opencv-hog-people",
}
# Models no adapter of ours can run (remote code, or no detector adapter yet).
NO_RUNNER = {"moondream-2", "grounding-dino-tiny", "owlv2-base", "yolo11", "rf-detr"}


@pytest.fixture(scope="module")
def cards() -> dict[str, ModelCard]:
    problems: list[Problem] = []
    loaded, _ = load_cards(REPO_ROOT, problems)
    assert problems == [], "\n".join(map(str, problems))
    return loaded


# ---------------------------------------------------------------- every card


def test_every_required_card_exists_and_loads(cards):
    assert REQUIRED_IDS <= set(cards), f"missing: {sorted(REQUIRED_IDS - set(cards))}"
    assert len(cards) == len(list(CARD_DIR.glob("*.yaml")))  # every file loaded


@pytest.mark.parametrize("path", sorted(CARD_DIR.glob("*.yaml")), ids=lambda p: p.name)
def test_card_starts_with_the_schema_comment(path):
    assert path.read_text(encoding="utf-8").splitlines()[0] == SCHEMA_LINE


def test_every_external_figure_has_an_https_source(cards):
    for card in cards.values():
        for rep in card.reported:
            assert rep.source.startswith("https://"), (card.id, rep.benchmark)
            assert rep.metric and rep.benchmark
        if card.pricing:
            assert card.pricing.source.startswith("https://"), card.id
            assert card.pricing.as_of


def test_schema_json_is_up_to_date():
    expected = json.dumps(card_json_schema(), indent=2, sort_keys=True) + "\n"
    assert (CARD_DIR / "schema.json").read_text(encoding="utf-8") == expected, \
        "model_cards/schema.json is stale: run `leaderboard schema`"


def test_runner_sections_name_known_adapters(cards):
    for card in cards.values():
        if card.id in NO_RUNNER:
            assert card.runner is None, card.id
            continue
        if card.id not in REQUIRED_IDS and card.runner is None:
            continue  # a model only the peer benchmarks report on (hosted APIs): nothing of ours runs it
        assert card.runner is not None, card.id
        assert card.runner.adapter in ADAPTERS, (card.id, card.runner.adapter)
        # a template may exist for a task the card does not claim (SmolVLM2 is still asked for
        # boxes in the detection suite, in a parseable format), but it must use the placeholder
        for task, template in card.runner.prompt_templates.items():
            if "{" in template:
                assert "{prompt}" in template, (card.id, task)


def test_every_runner_section_builds_its_adapter(cards):
    """The card's runner section is accepted by its adapter (model names, options, box
    conventions) without loading any weights; options are checked against each adapter's
    declaration when it is built, so a value the backend would reject only when loading (a
    RapidOCR option) fails here."""
    from generator.runner.adapter import adapter_class, make_adapter
    from generator.runner.adapter import runner_problems
    from generator.runner.options import OptionError

    built = {}
    for card in cards.values():
        if card.runner is not None:
            assert runner_problems(card.runner) == [], card.id
            built[card.id] = make_adapter(card.runner)
            assert type(built[card.id]) is adapter_class(card.runner.adapter), card.id
    assert {"florence-2-base", "florence-2-large", "gemma-4-26b-a4b", "gemma-4-31b", "gemma-4-e2b", "gemma-4-e4b",
            "paligemma-2-3b", "qwen2-5-vl-7b", "smolvlm2-2-2b", "tesseract-5", "rapidocr", "opencv-haar-face",
            "opencv-hog-people"} <= set(built)
    assert built["tesseract-5"].settings == {"lang": "eng", "psm": 3, "oem": 3}
    assert built["qwen2-5-vl-7b"].settings["box_convention"] == "qwen2.5-vl"
    assert built["opencv-haar-face"].settings["minNeighbors"] == 5
    with pytest.raises(OptionError, match=r"options.Det.box_thresh: 'high' is not a number"):
        make_adapter(cards["rapidocr"].runner.model_copy(update={"options": {"Det.box_thresh": "high"}}))


def test_unknown_values_stay_empty(cards):
    # Facts the sources do not confirm (model-facts.md: UNCONF) are left out, never guessed.
    for model_id in ("florence-2-base", "florence-2-large", "paligemma-2-3b", "qwen2-5-vl-7b",
                     "moondream-2", "smolvlm2-2-2b"):
        assert cards[model_id].context_window is None, model_id
    for model_id in ("grounding-dino-tiny", "owlv2-base"):
        assert cards[model_id].parameters is None, model_id
    assert cards["moondream-2"].release_date is None
    assert cards["rapidocr"].release_date is None


def test_prices_only_where_sourced(cards):
    priced = {card.id for card in cards.values() if card.pricing}
    assert priced == {"gemma-4-26b-a4b", "gemma-4-31b", "gemma-4-e2b", "florence-2-base"}


# ---------------------------------------------------------------- flagship facts


def test_gemma_4_26b_a4b_facts(cards):
    card = cards["gemma-4-26b-a4b"]
    assert (card.organization, card.access, card.release_date) == ("Google DeepMind", "open", "2026-04-02")
    assert (card.parameters.total, card.parameters.active) == ("25.2B", "3.8B")
    assert card.license.id == "Apache-2.0"
    assert card.context_window == 262144  # the model card's 256K
    assert (card.pricing.input_per_1m, card.pricing.output_per_1m, card.pricing.currency) == (0.13, 0.40, "USD")
    assert card.runner.adapter == "transformers-vlm"
    assert card.runner.model == "google/gemma-4-26B-A4B-it"
    assert card.runner.params["do_sample"] is False
    assert "box_2d" in card.runner.prompt_templates["object-detection"]
    figures = {r.benchmark: r for r in card.reported}
    assert figures["MMMU Pro"].value == 73.8
    assert figures["OmniDocBench 1.5"].value == 0.149 and figures["OmniDocBench 1.5"].lower_is_better
    assert figures["MATH-Vision"].value == 82.4
    assert figures["MMLU Pro"].value == 82.6


@pytest.mark.parametrize("model_id, mmmu_pro, omnidoc, math_vision, mmlu_pro", [
    ("gemma-4-31b", 76.9, 0.131, 85.6, 85.2),
    ("gemma-4-26b-a4b", 73.8, 0.149, 82.4, 82.6),
    ("gemma-4-e4b", 52.6, 0.181, 59.5, 69.4),
    ("gemma-4-e2b", 44.2, 0.290, 52.4, 60.0),
])
def test_gemma_4_model_card_table(cards, model_id, mmmu_pro, omnidoc, math_vision, mmlu_pro):
    figures = {r.benchmark: r for r in cards[model_id].reported}
    assert [figures[b].value for b in ("MMMU Pro", "OmniDocBench 1.5", "MATH-Vision", "MMLU Pro")] == \
        [mmmu_pro, omnidoc, math_vision, mmlu_pro]
    assert all(r.source == "https://ai.google.dev/gemma/docs/core/model_card_4" for r in figures.values())
    assert [b for b, r in figures.items() if r.lower_is_better] == ["OmniDocBench 1.5"]


def test_gemma_4_sizes_and_prices(cards):
    assert cards["gemma-4-31b"].parameters.total == "30.7B"
    assert (cards["gemma-4-31b"].pricing.input_per_1m, cards["gemma-4-31b"].pricing.output_per_1m) == (0.14, 0.40)
    assert (cards["gemma-4-e2b"].pricing.input_per_1m, cards["gemma-4-e2b"].pricing.output_per_1m) == (0.04, 0.08)
    assert cards["gemma-4-e4b"].context_window == cards["gemma-4-e2b"].context_window == 131072
    assert "audio" in cards["gemma-4-e4b"].modalities.inputs and "audio" not in cards["gemma-4-31b"].modalities.inputs


@pytest.mark.parametrize("model_id, size, coco_cap, coco_det, ft_vqav2", [
    ("florence-2-base", "0.23B", 133.0, 34.7, 79.7),
    ("florence-2-large", "0.77B", 135.6, 37.5, 81.7),
])
def test_florence_2_facts(cards, model_id, size, coco_cap, coco_det, ft_vqav2):
    card = cards[model_id]
    assert (card.organization, card.license.id, card.parameters.total) == ("Microsoft", "MIT", size)
    assert card.runner.adapter == "florence2"
    # transformers' native Florence2ForConditionalGeneration loads the converted checkpoints
    assert card.runner.model == "florence-community/" + model_id.replace("florence-2", "Florence-2")
    assert card.runner.params == {"max_new_tokens": 256, "num_beams": 3}
    zero_shot = {(r.benchmark, r.metric): r.value for r in card.reported if r.setting == "zero-shot"}
    assert zero_shot[("COCO Caption (Karpathy test)", "CIDEr")] == coco_cap
    assert zero_shot[("COCO detection (val2017)", "mAP")] == coco_det
    fine_tuned = [r for r in card.reported if r.setting and r.setting.startswith("fine-tuned")]
    assert {r.benchmark: r.value for r in fine_tuned}["VQAv2 (test-dev)"] == ft_vqav2
    assert "vqa" not in card.tasks  # only the -ft checkpoints were trained and benchmarked on VQA


def test_roboflow_vision_evals_for_florence_2(cards):
    # Roboflow's comparison names the model only "Florence-2" but its property table gives 230M
    # parameters: the base checkpoint, so the figures, prices and the bare name live on that card
    evals = [r for r in cards["florence-2-base"].reported if r.benchmark == "Roboflow Vision Evals"]
    by_metric = {r.metric: r for r in evals}
    overall = by_metric["Overall score"]
    assert overall.value == 68.66 and overall.unit == "%"
    assert "230M parameters" in overall.note and "Florence-2 Base" in overall.note
    assert "Florence-2" in cards["florence-2-base"].aliases and "Florence-2" not in cards["florence-2-large"].aliases
    cats = {c.name: (c.value, c.passed, c.total) for c in overall.categories}
    assert cats == {
        "Defect Detection": (80.0, 12, 15),
        "Document Understanding": (88.9, 8, 9),
        "Object Counting": (10.0, 1, 10),
        "Object Understanding": (85.7, 12, 14),
        "Spatial Understanding": (68.4, 13, 19),
    }
    passed = sum(c.passed for c in overall.categories)
    total = sum(c.total for c in overall.categories)
    assert total == 67 and round(100 * passed / total, 2) == overall.value
    for value, k, n in cats.values():
        assert abs(value - 100 * k / n) < 0.05
    assert by_metric["Average response time"].value == 30.23 and by_metric["Average response time"].lower_is_better
    assert by_metric["Median input tokens"].value == 294
    assert by_metric["Median output tokens"].value == 214
    assert by_metric["Est. cost per task"].value == 0.0001
    assert not any(r.benchmark == "Roboflow Vision Evals" for r in cards["florence-2-large"].reported)
    assert cards["florence-2-large"].pricing is None
    pricing = cards["florence-2-base"].pricing
    assert (pricing.input_per_1m, pricing.output_per_1m) == (0.06, 0.33)
    assert "not documented" in pricing.note


def test_cpu_models(cards):
    assert cards["tesseract-5"].runner.options == {"lang": "eng", "psm": 3}
    assert cards["tesseract-5"].license.id == "Apache-2.0"
    assert cards["rapidocr"].runner.adapter == "rapidocr"
    assert cards["opencv-haar-face"].runner.model == "haar-frontalface-default"
    assert cards["opencv-hog-people"].runner.model == "hog-people"
    for model_id in ("tesseract-5", "rapidocr"):
        assert {"ocr", "ocr-with-regions"} <= set(cards[model_id].tasks)


# ---------------------------------------------------------------- names in imported data


def test_vision_ai_checkup_names_map_to_cards(cards, vac_checkout):
    """Every model name and file slug in the shared Vision AI Checkup results maps to one card."""
    owner = {alias.casefold(): card.id for card in cards.values()
             for alias in (card.id, card.name, *card.aliases)}
    expected = {"result_gemma-4-26b--a4b-.json": "gemma-4-26b-a4b",
                "result_gemma-4-31b.json": "gemma-4-31b",
                "result_smolvlm2-2-2b.json": "smolvlm2-2-2b"}
    files = sorted((vac_checkout / "results").glob("result_*.json"))
    assert {f.name for f in files} == set(expected)
    for path in files:
        name = json.loads(path.read_text(encoding="utf-8"))["model_name"]
        slug = path.stem.removeprefix("result_")
        assert owner.get(name.casefold()) == expected[path.name], name
        assert owner.get(slug.casefold()) == expected[path.name], slug


def test_names_and_aliases_point_at_one_card_each(cards):
    """Imported data maps to cards only through id, name and aliases (case-insensitively), so a
    name two cards share would make the mapping ambiguous: every name belongs to one card."""
    owners: dict[str, set[str]] = {}
    for card in cards.values():
        for name in (card.id, card.name, *card.aliases):
            owners.setdefault(name.casefold(), set()).add(card.id)
    shared = {name: ids for name, ids in owners.items() if len(ids) > 1}
    assert shared == {}
    # the checker itself: a name of one card reused as another card's alias is caught
    owners.setdefault("gpt-4.1", set()).add("gpt-4-1-mini")
    assert {name for name, ids in owners.items() if len(ids) > 1} == {"gpt-4.1"}


def test_site_settings():
    problems: list[Problem] = []
    site = load_site(REPO_ROOT, problems)
    assert problems == []
    assert site.title == "Vision Leaderboard"
    assert site.flagship == ["florence-2-base", "gemma-4-26b-a4b"]
    assert site.featured_suites == ["vision-evals"]
    assert (site.score_bands.good, site.score_bands.fair, site.coverage_min) == (75, 40, 0.9)


# ---------------------------------------------------------------- loader errors, file:line


def _copy_card(tmp_path: Path, source: str = "tesseract-5") -> tuple[Path, list[str]]:
    """A real shipped card copied to tmp/model_cards/x.yaml with its id renamed to x."""
    (tmp_path / "model_cards").mkdir()
    shutil.copy(CARD_DIR / "schema.json", tmp_path / "model_cards" / "schema.json")
    lines = (CARD_DIR / f"{source}.yaml").read_text(encoding="utf-8").splitlines()
    lines = ["id: x" if line.startswith("id: ") else line for line in lines]
    return tmp_path / "model_cards" / "x.yaml", lines


def _problems(tmp_path: Path, path: Path, lines: list[str]) -> list[str]:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    problems: list[Problem] = []
    load_cards(tmp_path, problems)
    return [str(p) for p in problems]


def _line_of(lines: list[str], pattern: str) -> int:
    return next(i for i, line in enumerate(lines, 1) if re.search(pattern, line))


def test_the_copied_card_loads_cleanly(tmp_path):
    path, lines = _copy_card(tmp_path)
    assert _problems(tmp_path, path, lines) == []


def test_unknown_task_names_file_line_and_the_vocabulary(tmp_path):
    path, lines = _copy_card(tmp_path)
    at = _line_of(lines, r"^  - ocr-with-regions$")
    lines[at - 1] = "  - ocr2"
    index = [l for l in lines if l.startswith("  - ")].index("  - ocr2")  # position within tasks
    problems = _problems(tmp_path, path, lines)
    assert len(problems) == 1
    prefix = f"model_cards/x.yaml:{at}: tasks.{index}: 'ocr2' is not a known task; did you mean 'ocr'? known: "
    assert problems[0].startswith(prefix), problems[0]
    known = problems[0].removeprefix(prefix)
    assert all(task in known for task in TASKS)


def test_unknown_key_names_its_line(tmp_path):
    path, lines = _copy_card(tmp_path)
    at = _line_of(lines, r"^access: ")
    lines.insert(at, "colour: blue")
    assert _problems(tmp_path, path, lines) == [f"model_cards/x.yaml:{at + 1}: colour: unknown key 'colour'"]


def test_nested_unknown_key_names_its_line(tmp_path):
    path, lines = _copy_card(tmp_path)
    at = _line_of(lines, r"^  homepage: ")
    lines[at - 1] = lines[at - 1].replace("homepage:", "home_page:")
    assert _problems(tmp_path, path, lines) == [
        f"model_cards/x.yaml:{at}: links.home_page: unknown key 'home_page'; did you mean 'homepage'?"]


def test_missing_required_field_names_the_card(tmp_path):
    path, lines = _copy_card(tmp_path)
    at = _line_of(lines, r"^organization: ")
    del lines[at - 1]
    first_key = _line_of(lines, r"^id: ")  # a missing key points at the mapping that lacks it
    assert _problems(tmp_path, path, lines) == [
        f"model_cards/x.yaml:{first_key}: organization: required field is missing"]


def test_bad_values_name_their_lines(tmp_path):
    path, lines = _copy_card(tmp_path, "gemma-4-26b-a4b")
    total = _line_of(lines, r"^  total: ")
    lines[total - 1] = "  total: 25 billion"
    source = _line_of(lines, r"^    source: ")
    lines[source - 1] = "    source: ai.google.dev/gemma"
    problems = _problems(tmp_path, path, lines)
    assert len(problems) == 2
    assert problems[0].startswith(f"model_cards/x.yaml:{total}: parameters.total: '25 billion' is not a parameter count")
    assert problems[1].startswith(f"model_cards/x.yaml:{source}: ")
