"""How often the graders agree with a careful human reader, measured on labelled answers.

A labels file is CSV with the columns ``file, prompt, model, verdict, reason``: one row per
answer a person read and judged ``correct``, ``incorrect`` or ``ambiguous``, with a one-line reason
in their own words. Rows name answers, they never copy them (third-party answers cannot be
committed), so each row is resolved against the file that holds the answer:

- ``evals/runs/<suite>/<model>/<run>.jsonl`` (relative to the project root): our own run records,
  graded with their suite's prompt, exactly as the site grades them;
- ``external:<source>/...``: a peer's published result file under the external folder (for Vision
  AI Checkup ``external:vision-ai-checkup/results/result_<slug>.json``, keyed by image file name),
  graded with the grader the importer chooses for that prompt.

Agreement is counted on the rows that are not ``ambiguous``: the labels are the reference, so a
grader change is judged by how it moves this figure, never by agreement with a source's verdicts.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from ..catalog.schemas import Grader, Prompt, RunRecord, Structured
from .base import GRADERS, Verdict

COLUMNS = ("file", "prompt", "model", "verdict", "reason")
VERDICTS = ("correct", "incorrect", "ambiguous")
EXTERNAL = "external:"


class LabelError(ValueError):
    """A labels file or the answer a row names cannot be read; the message names file and line."""


@dataclass(frozen=True)
class Label:
    line: int
    file: str
    prompt: str
    model: str
    verdict: str  # one of VERDICTS
    reason: str


@dataclass(frozen=True)
class Answer:
    """What a grader needs to judge one labelled answer."""

    expected: Any
    output: str
    structured: Structured | None
    grader: Grader


@dataclass(frozen=True)
class Judged:
    label: Label
    verdict: Verdict

    @property
    def agrees(self) -> bool:
        return self.verdict.passed == (self.label.verdict == "correct")


@dataclass(frozen=True)
class Agreement:
    judged: list[Judged]  # every row that is not ambiguous
    ambiguous: int

    @property
    def rate(self) -> float:
        return sum(j.agrees for j in self.judged) / len(self.judged) if self.judged else 0.0

    @property
    def confusion(self) -> Counter:
        """(human verdict, grader verdict) -> count, grader verdicts as 'pass'/'fail'."""
        return Counter((j.label.verdict, "pass" if j.verdict.passed else "fail") for j in self.judged)

    @property
    def disagreements(self) -> list[Judged]:
        return [j for j in self.judged if not j.agrees]


def read_labels(path: Path) -> list[Label]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise LabelError(f"{path}: cannot read labels ({e})") from None
    reader = csv.reader(text.splitlines())
    header = next(reader, [])
    if tuple(h.strip() for h in header) != COLUMNS:
        raise LabelError(f"{path}:1: the header must be {','.join(COLUMNS)}")
    labels, seen = [], {}
    for values in reader:
        line = reader.line_num
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(COLUMNS):
            raise LabelError(f"{path}:{line}: {len(values)} fields, expected {len(COLUMNS)}")
        label = Label(line, *(v.strip() for v in values))
        if label.verdict not in VERDICTS:
            raise LabelError(f"{path}:{line}: verdict {label.verdict!r} is not one of {', '.join(VERDICTS)}")
        if not label.reason:
            raise LabelError(f"{path}:{line}: a label needs a reason")
        key = (label.file, label.prompt)
        if key in seen:
            raise LabelError(f"{path}:{line}: {label.file} {label.prompt} is already labelled on line {seen[key]}")
        seen[key] = line
        labels.append(label)
    return labels


def measure(labels: list[Label], root: Path, external: Path) -> Agreement:
    """Grade every labelled answer with the current graders and compare with the labels."""
    judged, ambiguous = [], 0
    for label in labels:
        if label.verdict == "ambiguous":
            ambiguous += 1
            continue
        answer = resolve(label, root, external)
        verdict = GRADERS[answer.grader.name](answer.expected, answer.output, answer.structured,
                                              answer.grader.options)
        judged.append(Judged(label, verdict))
    return Agreement(judged, ambiguous)


def resolve(label: Label, root: Path, external: Path) -> Answer:
    where = f"line {label.line} ({label.file} {label.prompt})"
    if label.file.startswith(EXTERNAL):
        path = external / label.file.removeprefix(EXTERNAL)
        answer = _peer_answer(path, label.prompt)
    else:
        answer = _run_answer(root, root / label.file, label.prompt)
    if answer is None:
        raise LabelError(f"{where}: no such answer")
    if isinstance(answer, str):
        raise LabelError(f"{where}: {answer}")
    return answer


@cache
def _json_file(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _peer_answer(path: Path, key: str) -> Answer | str | None:
    """An answer in a peer's result file. Vision AI Checkup files (``assessments`` keyed by image
    file name) are graded with the importer's grader choice, the same one the site uses."""
    if not path.is_file():
        return f"{path} does not exist"
    data = _json_file(path)
    if not isinstance(data, dict) or not isinstance(data.get("assessments"), dict):
        return f"{path} is not a result file this project can read"
    item = data["assessments"].get(key)
    if item is None:
        return None
    from ..importers.vision_ai_checkup import grader_for_vac  # the importer decides the grader

    expected = str(item["answer"]).replace("\r\n", "\n")
    output = item["result"] if isinstance(item.get("result"), str) else ""
    return Answer(expected, output, None, grader_for_vac(item["prompt"], expected))


@cache
def _suite_prompts(suite_file: Path) -> dict[str, Prompt]:
    from ..catalog.schemas import Suite
    from ..catalog.yaml_source import read_yaml

    return {p.id: p for p in Suite.model_validate(read_yaml(suite_file).data).prompts}


def _run_answer(root: Path, path: Path, prompt_id: str) -> Answer | str | None:
    """The newest record for ``prompt_id`` in one of our run files, with its suite's grader."""
    if not path.is_file():
        return f"{path} does not exist"
    records = [RunRecord.model_validate_json(line) for line in path.read_text(encoding="utf-8").splitlines()
               if line.strip()]
    records = [r for r in records if r.prompt_id == prompt_id]
    if not records:
        return None
    record = max(records, key=lambda r: (r.started_at, r.run_id))
    prompt = _suite_prompts(root / "evals" / "suites" / record.suite / "suite.yaml").get(prompt_id)
    if prompt is None or prompt.grader is None:
        return f"suite {record.suite} has no scored prompt {prompt_id!r}"
    output = record.output if record.error is None and record.output is not None else ""
    return Answer(prompt.expected, output, record.structured, prompt.grader)
