"""The build-time layer (.cache/layer): what load_catalog reads beside the repository's own files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from generator.catalog import CatalogError, load_catalog

CARD = """\
id: tiny-vlm
name: Tiny VLM
organization: Us
access: open
modalities: {inputs: [image, text], outputs: [text]}
release_date: "2026"
license: {id: Apache-2.0}
tasks: [vqa]
overview: A vision-language model.
"""

AGGREGATE = {
    "benchmark": "vlm-exam", "model": "tiny-vlm", "source_model": "Tiny VLM", "task": "counting", "effort": "low",
    "metric": "accuracy_judge", "value": 69.37, "runs": [71.62, 66.22, 70.27], "strict_accuracy": 41.44,
    "judge_accuracy": 69.37, "input_tokens": 1495.7, "output_tokens": 80.2, "cost_per_sample": 0.018967,
    "seconds_per_sample": 5.753, "samples": 74, "failures": 0, "protocol_status": "complete",
    "source": {"repository": "example/exam", "path": "web/benchmark_summary.json", "commit": "a" * 40,
               "measured_by": "Example", "license": "Apache-2.0"},
}


def project(tmp_path: Path) -> Path:
    (tmp_path / "model_cards").mkdir(parents=True)
    (tmp_path / "model_cards" / "tiny-vlm.yaml").write_text(CARD, encoding="utf-8")
    return tmp_path


def test_no_layer_means_no_aggregates(tmp_path):
    catalog = load_catalog(project(tmp_path))
    assert catalog.aggregates == [] and catalog.sources == []


def test_aggregates_and_source_status_are_read_from_the_layer(tmp_path):
    root = project(tmp_path)
    layer = root / ".cache" / "layer"
    (layer / "aggregates").mkdir(parents=True)
    (layer / "aggregates" / "vlm-exam.jsonl").write_text(json.dumps(AGGREGATE) + "\n", encoding="utf-8")
    (layer / "sources.json").write_text(json.dumps([
        {"kind": "vlm-exam", "repository": "example/exam", "commit": "a" * 40, "license": "Apache-2.0",
         "status": "imported", "aggregates": 1, "models": ["tiny-vlm"]},
        {"kind": "vision-ai-checkup", "repository": "example/vac", "commit": "b" * 40, "license": "MIT",
         "status": "missing", "reason": "not synced"}]), encoding="utf-8")
    catalog = load_catalog(root)
    (row,) = catalog.aggregates
    assert (row.model, row.task, row.effort, row.value, row.runs) == ("tiny-vlm", "counting", "low", 69.37,
                                                                       [71.62, 66.22, 70.27])
    assert (row.strict_accuracy, row.judge_accuracy, row.source.license) == (41.44, 69.37, "Apache-2.0")
    assert [(s.kind, s.status, s.reason) for s in catalog.sources] == [
        ("vlm-exam", "imported", None), ("vision-ai-checkup", "missing", "not synced")]


def test_a_broken_layer_line_names_file_and_line(tmp_path):
    root = project(tmp_path)
    (root / ".cache/layer/aggregates").mkdir(parents=True)
    bad = dict(AGGREGATE, value="high")
    (root / ".cache/layer/aggregates/vlm-exam.jsonl").write_text(
        json.dumps(AGGREGATE) + "\n" + json.dumps(bad) + "\n", encoding="utf-8")
    with pytest.raises(CatalogError) as e:
        load_catalog(root)
    assert str(e.value.problems[0]).startswith(".cache/layer/aggregates/vlm-exam.jsonl:2: value:")


def test_figures_for_a_model_without_a_card_are_reported(tmp_path):
    root = project(tmp_path)
    (root / ".cache/layer/aggregates").mkdir(parents=True)
    (root / ".cache/layer/aggregates/vlm-exam.jsonl").write_text(
        json.dumps(dict(AGGREGATE, model="gone-vlm")) + "\n", encoding="utf-8")
    with pytest.raises(CatalogError, match="figures for model 'gone-vlm', which has no card"):
        load_catalog(root)


def test_the_layer_never_reads_a_card_symlinked_out_of_the_project(tmp_path, monkeypatch):
    """With sources pinned, the layer's key hashes the cards: one that a symlink leads out of the
    project is not read (load_catalog reports it), like every other catalog file."""
    from generator.sources.layer import layer_key

    root = project(tmp_path / "repo")
    (root / "site.yaml").write_text("sources:\n  - {kind: vlm-exam, repository: example/exam, commit: "
                                    + "a" * 40 + ", license: MIT}\n", encoding="utf-8")
    outside = tmp_path / "outside" / "card.yaml"
    outside.parent.mkdir()
    outside.write_text(CARD.replace("tiny-vlm", "secret-vlm"), encoding="utf-8")
    (root / "model_cards" / "secret-vlm.yaml").symlink_to(outside)
    read: list[Path] = []
    original = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda self: read.append(self.resolve()) or original(self))
    key = layer_key(root, tmp_path / "cache")
    assert outside not in read and (root / "model_cards" / "tiny-vlm.yaml").resolve() in read
    outside.write_text("changed", encoding="utf-8")
    assert layer_key(root, tmp_path / "cache") == key


@pytest.mark.parametrize("text, pinned", [
    ("title: T\n", False),
    ("title: T  # sources come later\n", False),
    ("sources:\n  - {kind: vlm-exam, repository: example/exam, commit: x, license: MIT}\n", True),
    # The key spelled with an escape: a site.yaml without the word still goes to PyYAML.
    ('"\\x73ources":\n  - {kind: vlm-exam, repository: example/exam, commit: x, license: MIT}\n', True),
])
def test_pins_are_read_however_the_key_is_spelled(tmp_path, text, pinned):
    from generator.sources.layer import _pins

    (tmp_path / "site.yaml").write_text(text, encoding="utf-8")
    assert bool(_pins(tmp_path)[1]) == pinned


def test_pins_seen_by_the_layer_are_not_parsed_again_and_a_change_is_seen(tmp_path, monkeypatch):
    import yaml

    from generator.sources.layer import PINS_FILE, _pins, write_layer
    from generator.sources.paths import layer_dir

    root = project(tmp_path / "repo")
    pin = "sources:\n  - {kind: vlm-exam, repository: example/exam, commit: %s, license: MIT}\n"
    (root / "site.yaml").write_text(pin % ("a" * 40), encoding="utf-8")
    write_layer(root, tmp_path / "cache")  # not synced: the layer says so, and records the pins
    assert (layer_dir(root) / PINS_FILE).is_file()
    parsed = []
    real = yaml.load
    monkeypatch.setattr(yaml, "load", lambda *a, **kw: parsed.append(1) or real(*a, **kw))
    assert _pins(root)[1][0]["commit"] == "a" * 40 and parsed == []
    (root / "site.yaml").write_text(pin % ("b" * 40), encoding="utf-8")
    assert _pins(root)[1][0]["commit"] == "b" * 40 and parsed == [1]
    write_layer(root, tmp_path / "cache")
    assert _pins(root)[1][0]["commit"] == "b" * 40 and parsed == [1, 1]  # write_layer's own read
