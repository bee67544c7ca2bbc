"""The safe YAML reader gives the same answers through libyaml's C parser and PyYAML's pure-Python one.

The C parser is used where PyYAML was built with libyaml (seven times faster on a 200-card
catalog); the pure-Python composer is the fallback. Both must refuse what is unsafe, at the same
line, and map every value to the same line.
"""

from __future__ import annotations

import pytest
import yaml

from conftest import missing
from generator.catalog import yaml_source
from generator.catalog.yaml_source import YamlProblem, parse_yaml

CARD = """\
id: x
name: "X"
tasks:
  - ocr
  - vqa
pricing:
  input_per_1m: 0.5
release_date: 2025-01-02
"""


@pytest.fixture(params=["libyaml", "pure-python"])
def loader(request, monkeypatch):
    if request.param == "libyaml" and not yaml.__with_libyaml__:
        missing("PyYAML was built without libyaml")
    monkeypatch.setattr(yaml_source.yaml, "__with_libyaml__", request.param == "libyaml")
    return request.param


def test_data_and_line_map(loader):
    doc = parse_yaml(CARD)
    assert doc.data == {"id": "x", "name": "X", "tasks": ["ocr", "vqa"], "pricing": {"input_per_1m": 0.5},
                        "release_date": "2025-01-02"}
    assert doc.lines[("tasks",)] == 3 and doc.lines[("tasks", 1)] == 5 and doc.lines[("pricing", "input_per_1m")] == 7
    assert doc.line_of(("pricing", "output_per_1m")) == 6  # a missing key points at its parent


def test_aliases_are_refused_at_their_line(loader):
    with pytest.raises(YamlProblem) as e:
        parse_yaml("a: &x [1, 2]\nb:\n  - *x\n")
    assert e.value.line == 3 and "aliases" in e.value.message


def test_deep_nesting_is_refused_with_a_line(loader):
    with pytest.raises(YamlProblem) as e:
        parse_yaml("a: " + "[" * 40 + "]" * 40 + "\n")
    assert e.value.line == 1 and "nesting deeper than 32 levels" in e.value.message
    assert parse_yaml("a: " + "[" * 32 + "]" * 32 + "\n").data["a"] is not None  # 32 lists inside the mapping: allowed
    with pytest.raises(YamlProblem):
        parse_yaml("a: " + "[" * 33 + "]" * 33 + "\n")


def test_invalid_yaml_names_its_line(loader):
    with pytest.raises(YamlProblem) as e:
        parse_yaml("a: 1\nb: [1, 2\nc: 3\n")
    assert e.value.message.startswith("invalid YAML") and e.value.line in (3, 4)
