"""What `validate` must refuse, each with file and line, because the site would otherwise publish it.

Found by an attacker's review (issue 13): a suite "image" that is an SVG or HTML page runs script
in the site's origin; a run file can claim another model's or suite's answers and a date in
2099; `.nan` and `Infinity` make models.json invalid JSON; a torn multi-byte last line blocks
every command; 400 levels of brackets crash the loader with a traceback; impossible dates and
names with invisible or lookalike letters pass. Expected messages are written out by hand.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from generator.catalog import CatalogError, load_catalog
from generator.catalog.loader import load_cards, load_runs, load_suites
from generator.site.build import build

from conftest import REPO_ROOT
from site_fixtures import tiny_png, write_catalog

SUITE_YAML = "evals/suites/evals/suite.yaml"
IMAGES = "evals/suites/evals/images"
ALPHA_RUN = "evals/runs/evals/alpha-vl/alpha-run-1.jsonl"


@pytest.fixture()
def root(tmp_path) -> Path:
    return write_catalog(tmp_path / "repo")


def problems_of(root: Path) -> list[str]:
    with pytest.raises(CatalogError) as failure:
        load_catalog(root)
    return [str(p) for p in failure.value.problems]


def licence_line(root: Path, file: str) -> int:
    lines = (root / SUITE_YAML).read_text().splitlines()
    return next(i for i, line in enumerate(lines, 1) if f"{{file: {file}," in line)


def use_image(root: Path, name: str, data: bytes) -> int:
    """Make the first prompt use ``images/<name>`` holding ``data``; return its licence line."""
    (root / IMAGES / name).write_bytes(data)
    suite = root / SUITE_YAML
    suite.write_text(suite.read_text().replace("images/count-apples.png", f"images/{name}"))
    return licence_line(root, f"images/{name}")


def encoded(fmt: str) -> bytes:
    import io

    buffer = io.BytesIO()
    Image.new("RGB", (12, 9), (10, 200, 30)).save(buffer, fmt)
    return buffer.getvalue()


# ------------------------------------------------------------------ 1, 7: suite images


SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.domain)</script></svg>'
HTML = b"<!doctype html><script>alert(document.domain)</script>"


@pytest.mark.parametrize("name, data, why", [
    ("evil.svg", SVG, "is not a PNG, JPEG, WebP, GIF or BMP image"),
    ("evil.png", SVG, "is not a PNG, JPEG, WebP, GIF or BMP image"),
    ("page.html", HTML, "is not a PNG, JPEG, WebP, GIF or BMP image"),
    ("notes.png", b"just some text\n", "is not a PNG, JPEG, WebP, GIF or BMP image"),
    ("empty.png", b"", "is empty"),
    ("cut.png", tiny_png()[:-30], "is truncated or corrupt"),
    ("cut.jpg", encoded("JPEG")[:-200], "is truncated or corrupt"),
    ("flipped.png", tiny_png()[:45] + bytes([tiny_png()[45] ^ 1]) + tiny_png()[46:], "is truncated or corrupt"),
    ("polyglot.html", encoded("GIF"), "name ends in '.html'; a PNG, JPEG, WebP, GIF or BMP image is expected (this file is a GIF)"),
    ("real.svg", tiny_png(), "name ends in '.svg'; a PNG, JPEG, WebP, GIF or BMP image is expected (this file is a PNG)"),
])
def test_suite_images_must_be_raster_images_by_content_and_name(root, tmp_path, name, data, why):
    line = use_image(root, name, data)
    found = [p for p in problems_of(root) if f"'images/{name}'" in p]
    assert len(found) == 1 and found[0].startswith(f"{SUITE_YAML}:{line}: images.0.file: 'images/{name}' {why}"), found
    with pytest.raises(CatalogError):
        build(root, tmp_path / "public", jobs=1)
    assert not (tmp_path / "public").exists()  # nothing published, media or otherwise


@pytest.mark.parametrize("fmt, name", [("PNG", "a.png"), ("JPEG", "a.jpg"), ("JPEG", "a.JPEG"), ("WEBP", "a.webp"),
                                       ("GIF", "a.gif"), ("BMP", "a.bmp")])
def test_every_raster_format_browsers_show_is_accepted(root, tmp_path, fmt, name):
    use_image(root, name, encoded(fmt))
    load_catalog(root)
    build(root, tmp_path / "public", jobs=1)
    assert (tmp_path / "public/media/evals/images" / name).read_bytes() == encoded(fmt)
    published = {p.suffix.lower() for p in (tmp_path / "public/media").rglob("*") if p.is_file()}
    assert published <= {".png", ".jpg", ".jpeg", ".webp", ".gif", ".bmp"}


# ------------------------------------------------------------------ 2: forged run records


def rewrite_first_record(root: Path, **changes) -> None:
    path = root / ALPHA_RUN
    lines = path.read_text().splitlines(keepends=True)
    lines[0] = json.dumps(dict(json.loads(lines[0]), **changes)) + "\n"
    path.write_text("".join(lines))


def test_a_record_claiming_another_model_is_refused(root):
    rewrite_first_record(root, model="beta-ocr")
    assert f"{ALPHA_RUN}:1: model: 'beta-ocr' does not match the run folder evals/runs/evals/alpha-vl/" \
        in problems_of(root)


def test_a_record_claiming_another_suite_is_refused(root):
    rewrite_first_record(root, suite="other")
    problems = problems_of(root)
    assert f"{ALPHA_RUN}:1: suite: 'other' does not match the run folder evals/runs/evals/alpha-vl/" in problems
    assert not any("which is not a suite" in p for p in problems)  # the forged record is not kept


@pytest.mark.parametrize("started, message", [
    ("2099-01-01T00:00:00Z", "started_at: '2099-01-01T00:00:00Z' lies in the future"),
    ("yesterday", "started_at: 'yesterday' is not an ISO 8601 time like 2026-05-01T10:00:00Z"),
    ("2026-13-45T00:00:00Z", "started_at: '2026-13-45T00:00:00Z' is not an ISO 8601 time like 2026-05-01T10:00:00Z"),
    ("2026-05-01T10:00:00", "started_at: '2026-05-01T10:00:00' has no time zone (add Z for UTC)"),
])
def test_started_at_must_be_a_past_time_with_a_zone(root, started, message):
    rewrite_first_record(root, started_at=started)
    assert f"{ALPHA_RUN}:1: {message}" in problems_of(root)


def test_an_offset_time_from_an_imported_commit_is_accepted(root):
    rewrite_first_record(root, started_at="2025-03-01T12:00:00+01:00")
    load_catalog(root)


# ------------------------------------------------------------------ 3: non-finite numbers


@pytest.mark.parametrize("value", [".nan", ".inf", "-.Inf", "'nan'", "'Infinity'"])
def test_non_finite_reported_figures_are_refused_with_a_line(root, value):
    card = root / "model_cards/alpha-vl.yaml"
    card.write_text(card.read_text().replace("value: 73.8", f"value: {value}"))
    line = next(i for i, text in enumerate(card.read_text().splitlines(), 1) if text.strip().startswith("value:"))
    problems = problems_of(root)
    assert any(p.startswith(f"model_cards/alpha-vl.yaml:{line}: ") and "finite" in p for p in problems), problems


@pytest.mark.parametrize("text, constant", [('"latency_s": Infinity', "Infinity"), ('"latency_s": NaN', "NaN"),
                                            ('"params": {"t": -Infinity}', "-Infinity")])
def test_non_finite_numbers_in_records_are_refused_with_a_line(root, text, constant):
    path = root / ALPHA_RUN
    lines = path.read_text().splitlines(keepends=True)
    first = dict(json.loads(lines[0]), latency_s=1.5, params={"t": 1})
    plain = '"latency_s": 1.5' if "latency" in text else '"params": {"t": 1}'
    lines[0] = json.dumps(first).replace(plain, text) + "\n"
    assert text in lines[0]
    path.write_text("".join(lines))
    assert f"{ALPHA_RUN}:1: {constant} is not a number JSON allows (non-finite)" in problems_of(root)


def test_models_json_is_strict_json(root, tmp_path):
    build(root, tmp_path / "public", jobs=1)

    def refuse(constant):
        raise AssertionError(f"{constant} in models.json")

    data = json.loads((tmp_path / "public/data/models.json").read_text(), parse_constant=refuse)
    assert {m["id"] for m in data["models"]} == {"alpha-vl", "beta-ocr", "gamma-det"}


# ------------------------------------------------------------------ 4: torn last lines


@pytest.mark.parametrize("cut", ["json", "utf-8"])
def test_a_torn_last_line_is_skipped_with_a_warning(root, cut):
    path = root / ALPHA_RUN
    data = path.read_bytes()
    if cut == "utf-8":  # the last record's answer holds "é" (2 bytes); the kill fell between them
        lines = data.splitlines(keepends=True)
        last = json.dumps(dict(json.loads(lines[-1]), output="café au lait"), ensure_ascii=False).encode()
        data = b"".join(lines[:-1]) + last[:last.index("é".encode()) + 1]
    else:
        data = data[:-40]
    path.write_bytes(data)
    catalog = load_catalog(root)
    assert len([r for r in catalog.runs if r.model == "alpha-vl"]) == 5
    assert [str(w) for w in catalog.warnings] == [
        f"{ALPHA_RUN}:6: the last line is torn (a run killed mid-write?); skipped, its prompt runs again"]


def test_validate_prints_the_torn_line_warning_and_passes(root):
    """In its own process: pytest's log capture would hide what a contributor's terminal shows."""
    path = root / ALPHA_RUN
    path.write_bytes(path.read_bytes()[:-40])
    result = subprocess.run([sys.executable, "-c", "from generator.cli import main; main()", "validate",
                             "--root", str(root)], capture_output=True, text=True, cwd=REPO_ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    assert f"warning: {ALPHA_RUN}:6: the last line is torn" in result.stderr


def test_a_broken_line_that_is_not_the_last_is_still_an_error(root):
    path = root / ALPHA_RUN
    lines = path.read_bytes().splitlines(keepends=True)
    lines[2] = lines[2][:30] + b"\n"
    path.write_bytes(b"".join(lines))
    assert any(p.startswith(f"{ALPHA_RUN}:3: invalid JSON") for p in problems_of(root))


# ------------------------------------------------------------------ 6: deep nesting


def test_400_levels_of_yaml_brackets_are_a_line_error_not_a_traceback(root):
    card = root / "model_cards/gamma-det.yaml"
    card.write_text(card.read_text() + "family: " + "[" * 400 + "]" * 400 + "\n")
    line = len(card.read_text().splitlines())
    assert problems_of(root) == [f"model_cards/gamma-det.yaml:{line}: nesting deeper than 32 levels"]


def test_1000_levels_of_json_in_a_record_are_a_line_error_not_a_traceback(root):
    path = root / ALPHA_RUN
    lines = path.read_text().splitlines(keepends=True)
    lines[1] = lines[1].replace('"params": {}', '"params": ' + "[" * 1000 + "]" * 1000)
    path.write_text("".join(lines))
    assert problems_of(root) == [f"{ALPHA_RUN}:2: nesting deeper than 32 levels"]


# ------------------------------------------------------------------ 7: dates and names


@pytest.mark.parametrize("field, value, message", [
    ("release_date: 2025-03-01", "release_date: 2020-13-45", "release_date: '2020-13-45' is not a calendar date"),
    ("release_date: 2025-03-01", "release_date: '2020-02-30'", "release_date: '2020-02-30' is not a calendar date"),
    ("release_date: 2025-03-01", "release_date: '2020-00'", "release_date: '2020-00' is not a calendar date"),
    ("as_of: 2026-04}", "as_of: 2026-14}", "pricing.as_of: '2026-14' is not a calendar date"),
])
def test_impossible_dates_are_refused(root, field, value, message):
    card = root / "model_cards/alpha-vl.yaml"
    text = card.read_text()
    assert field in text
    card.write_text(text.replace(field, value, 1))
    line = next(i for i, t in enumerate(card.read_text().splitlines(), 1) if value.strip("}") in t)
    assert f"model_cards/alpha-vl.yaml:{line}: {message}" in problems_of(root)


@pytest.mark.parametrize("name, message", [
    ("Alpha\u200bVL", "name: 'Alpha\\u200bVL' holds an invisible character U+200B"),
    ("Alpha\u2060VL", "name: 'Alpha\\u2060VL' holds an invisible character U+2060"),
    ("Alpha\u202eVL", "name: 'Alpha\\u202eVL' holds an invisible character U+202E"),
    ("Аlpha VL", "name: 'Аlpha VL' mixes Cyrillic and Latin letters in 'Аlpha' (a lookalike?)"),
    ("Alphа VL", "name: 'Alphа VL' mixes Latin and Cyrillic letters in 'Alphа' (a lookalike?)"),
    ("Αlpha VL", "name: 'Αlpha VL' mixes Greek and Latin letters in 'Αlpha' (a lookalike?)"),
    ("Ａlpha VL", "name: 'Ａlpha VL' is not in Unicode normal form NFKC (write 'Alpha VL')"),
])
def test_names_with_invisible_or_lookalike_letters_are_refused(root, name, message):
    card = root / "model_cards/alpha-vl.yaml"
    card.write_text(card.read_text().replace("name: Alpha VL", f"name: {name}"))
    assert f"model_cards/alpha-vl.yaml:3: {message}" in problems_of(root)


def test_honest_names_in_other_scripts_are_accepted(root):
    card = root / "model_cards/alpha-vl.yaml"
    card.write_text(card.read_text().replace("name: Alpha VL", "name: π0-FAST Ёлка 通义千问 Qwen2.5-VL"))
    assert load_catalog(root).cards["alpha-vl"].name == "π0-FAST Ёлка 通义千问 Qwen2.5-VL"


@pytest.mark.parametrize("model_id", ["alpha\u200b-vl", "аlpha-vl"])
def test_ids_with_invisible_or_lookalike_characters_are_refused(root, model_id):
    card = root / "model_cards/alpha-vl.yaml"
    card.write_text(card.read_text().replace("id: alpha-vl", f"id: {model_id}"))
    assert any(p.startswith("model_cards/alpha-vl.yaml:2: id: String should match pattern") for p in problems_of(root))


# ------------------------------------------------------------------ did you mean


def test_misspelt_keys_and_values_get_a_suggestion(root):
    card = root / "model_cards/alpha-vl.yaml"
    text = card.read_text().replace("access: closed", "access: closd").replace("organization:", "organisation:")
    text = text.replace("tasks: [captioning, vqa,", "tasks: [captoning, vqa,")
    card.write_text(text.replace("features: [multimodal]", "features: [multimodel]"))
    problems = problems_of(root)
    assert "model_cards/alpha-vl.yaml:4: organisation: unknown key 'organisation'; did you mean 'organization'?" \
        in problems
    assert "model_cards/alpha-vl.yaml:5: access: 'closd' is not a known access level; did you mean 'closed'? " \
        "known: open, closed" in problems
    assert any(p.startswith("model_cards/alpha-vl.yaml:10: tasks.0: 'captoning' is not a known task; "
                            "did you mean 'captioning'? known: captioning, detailed-captioning") for p in problems)
    assert "model_cards/alpha-vl.yaml:11: features.0: 'multimodel' is not a known feature; did you mean " \
        "'multimodal'? known: foundation-vision, multimodal, zero-shot-detection" in problems


def test_a_misspelt_nested_key_and_grader_get_a_suggestion(root):
    card = root / "model_cards/alpha-vl.yaml"
    card.write_text(card.read_text().replace("links: {homepage:", "links: {hompage:"))
    suite = root / SUITE_YAML
    suite.write_text(suite.read_text().replace("grader: {name: exact}", "grader: {name: exakt}", 1))
    problems = problems_of(root)
    assert any(p.startswith("model_cards/alpha-vl.yaml:") and "links.hompage: unknown key 'hompage'; "
               "did you mean 'homepage'?" in p for p in problems), problems
    assert any("unknown grader 'exakt'; did you mean 'exact'?" in p for p in problems), problems


def test_a_word_with_no_near_miss_gets_no_suggestion(root):
    card = root / "model_cards/alpha-vl.yaml"
    card.write_text(card.read_text().replace("access: closed", "access: zzzz"))
    assert "model_cards/alpha-vl.yaml:5: access: 'zzzz' is not a known access level; known: open, closed" \
        in problems_of(root)


def test_loader_parts_report_without_raising(root):
    """The pieces `validate` uses each collect problems rather than stopping at the first."""
    (root / IMAGES / "count-apples.png").write_bytes(b"")
    problems: list = []
    load_suites(root, problems)
    load_cards(root, problems)
    load_runs(root, problems)
    assert [p.message for p in problems] == ["images.0.file: 'images/count-apples.png' is empty"]
