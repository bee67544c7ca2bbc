"""How often the graders agree with a careful human reader, measured on labelled answers.

A labels file is CSV with the columns ``file, prompt, model, verdict, reason``: one row per
answer a person read and judged ``correct``, ``incorrect`` or ``ambiguous``, with a one-line reason
in their own words. Rows name answers, they never copy them (third-party answers cannot be
committed), so each row is resolved against the file that holds the answer:

- ``evals/runs/<suite>/<model>/<run>.jsonl`` (relative to the project root): our own run records,
  graded with their suite's prompt, exactly as the site grades them;
- ``external:<source>/...``: a peer's published result file under the external folder (for Vision
  AI Checkup ``external:vision-ai-checkup/results/result_<slug>.json``, keyed by image file name),
  graded with the grader the importer chooses for that prompt;
- ``<owner>/<name>@<commit>:<path>``: a result file of a source repository at one commit (for
  Vision AI Checkup ``roboflow/vision-ai-checkup@87a59d3…:data/results/result_<slug>.json``), read
  from a folder laid out like that repository (``--upstream``) or else from the synced sources
  cache (``leaderboard sources sync`` writes ``.cache/sources/<owner+name>/<commit>/``), graded
  like an ``external:`` row. Older commits hold other models' answers than the pinned one, so a
  label names the commit it was read at.

Agreement is counted on the rows that are not ``ambiguous``: the labels are the reference, so a
grader change is judged by how it moves this figure, never by agreement with a source's verdicts.
Where the source published its own verdict (Vision AI Checkup's ``correct``), how often that verdict
agrees with the labels is counted too, as a yardstick for the graders' figure.
"""

from __future__ import annotations

import csv
import json
import re
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
# owner/name@commit:path inside the repository
_UPSTREAM = re.compile(r"^(?P<repo>[\w.-]+/[\w.-]+)@(?P<commit>[0-9a-f]{7,40}):(?P<path>[^:]+)$")


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
    source_verdict: bool | None = None  # the source's own verdict, where it published one


@dataclass(frozen=True)
class Judged:
    label: Label
    verdict: Verdict
    source_verdict: bool | None = None

    @property
    def agrees(self) -> bool:
        return self.verdict.passed == (self.label.verdict == "correct")

    @property
    def source_agrees(self) -> bool | None:
        """Whether the source's own verdict matches the label; None where it published none."""
        if self.source_verdict is None:
            return None
        return self.source_verdict == (self.label.verdict == "correct")


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

    @property
    def source_judged(self) -> list[Judged]:
        """The rows whose source published a verdict of its own."""
        return [j for j in self.judged if j.source_verdict is not None]

    @property
    def source_rate(self) -> float | None:
        rows = self.source_judged
        return sum(bool(j.source_agrees) for j in rows) / len(rows) if rows else None


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


def measure(labels: list[Label], root: Path, external: Path, upstream: Path | None = None) -> Agreement:
    """Grade every labelled answer with the current graders and compare with the labels.
    ``upstream`` is a folder laid out like the source repository (for ``owner/name@commit:path``
    rows); without it those rows are read from the synced sources cache."""
    judged, ambiguous = [], 0
    for label in labels:
        if label.verdict == "ambiguous":
            ambiguous += 1
            continue
        answer = resolve(label, root, external, upstream)
        verdict = GRADERS[answer.grader.name](answer.expected, answer.output, answer.structured,
                                              answer.grader.options)
        judged.append(Judged(label, verdict, answer.source_verdict))
    return Agreement(judged, ambiguous)


def upstream_path(file: str, root: Path, upstream: Path | None) -> Path | None:
    """Where an ``owner/name@commit:path`` row's file is read: under ``upstream`` when given, else
    in the sources cache's checkout of that commit. None when ``file`` is not such a row."""
    match = _UPSTREAM.match(file)
    if match is None:
        return None
    if upstream is not None:
        return upstream / match["path"]
    from ..sources.paths import cache_dir, checkout_dir

    return checkout_dir(cache_dir(root), match["repo"], match["commit"]) / match["path"]


def resolve(label: Label, root: Path, external: Path, upstream: Path | None = None) -> Answer:
    where = f"line {label.line} ({label.file} {label.prompt})"
    if label.file.startswith(EXTERNAL):
        path = external / label.file.removeprefix(EXTERNAL)
        answer = _peer_answer(path, label.prompt)
    elif (path := upstream_path(label.file, root, upstream)) is not None:
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
    from .peer_prompts import grader_for_vac

    expected = str(item["answer"]).replace("\r\n", "\n")
    output = item["result"] if isinstance(item.get("result"), str) else ""
    source_verdict = item.get("correct") if isinstance(item.get("correct"), bool) else None
    return Answer(expected, output, None, grader_for_vac(item["prompt"], expected), source_verdict)


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
