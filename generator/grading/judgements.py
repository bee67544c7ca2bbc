"""Judge verdicts on disk: what a judge model said about an answer, kept apart from the strict
grader's verdict and never replacing it.

``evals/judgements/<suite>/<judge>.jsonl`` holds one JSON object per judged answer, appended as
each judgement arrives (so a stopped judge run keeps what it did):

    {"suite", "source" ("measured" or the imported repository), "model", "prompt_id", "run_id",
     "output_sha256" (of the output the judge read), "judge" (the judge model's name),
     "judge_version" (of the judge prompt), "verdict" ("correct" | "incorrect" | "unclear"),
     "reason" (the judge's one sentence), "judged_at"}

A judgement applies to an answer only while the answer's output has the same hash: a re-run
answer is unjudged until the judge runs again. The newest judgement per answer and judge wins.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path

from ..catalog.schemas import RunRecord
from .records import RecordKey, record_source

JUDGEMENT_DIR = "evals/judgements"
JUDGE_VERDICTS = ("correct", "incorrect", "unclear")


@dataclass(frozen=True)
class Judgement:
    suite: str
    source: str
    model: str
    prompt_id: str
    run_id: str
    output_sha256: str
    judge: str
    judge_version: str
    verdict: str  # one of JUDGE_VERDICTS
    reason: str
    judged_at: str

    @property
    def key(self) -> RecordKey:
        return (self.suite, self.source, self.model, self.prompt_id)

    @property
    def passed(self) -> bool | None:
        """True or False like a strict verdict; None when the judge could not decide."""
        return None if self.verdict == "unclear" else self.verdict == "correct"

    def applies_to(self, record: RunRecord) -> bool:
        return (self.key == (record.suite, record_source(record), record.model, record.prompt_id)
                and self.output_sha256 == output_sha256(record.output))


def output_sha256(output: str | None) -> str:
    return hashlib.sha256((output or "").encode("utf-8")).hexdigest()


def judge_slug(judge: str) -> str:
    """A judge model's name as a file name ("openai/gpt-x:latest" -> "openai-gpt-x-latest")."""
    return re.sub(r"[^a-z0-9.]+", "-", judge.casefold()).strip("-.") or "judge"


def judgement_file(root: Path, suite: str, judge: str) -> Path:
    return root / JUDGEMENT_DIR / suite / f"{judge_slug(judge)}.jsonl"


def append_judgement(root: Path, judgement: Judgement) -> None:
    """Append one line and flush it to disk before the next request is made."""
    path = judgement_file(root, judgement.suite, judgement.judge)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(asdict(judgement), ensure_ascii=False) + "\n")
        fh.flush()


class JudgementError(ValueError):
    """A judgement file line that cannot be read; the message names file and line."""


Judgements = dict[RecordKey, dict[str, Judgement]]  # answer -> judge -> newest judgement


def read_judgements(root: Path) -> Judgements:
    """The newest judgement per answer and judge, from every file under ``evals/judgements/``."""
    newest: Judgements = {}
    for path in sorted((root / JUDGEMENT_DIR).glob("*/*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                judgement = Judgement(**json.loads(line))
            except (json.JSONDecodeError, TypeError) as e:
                raise JudgementError(f"{path}:{number}: not a judgement ({e})") from None
            if judgement.verdict not in JUDGE_VERDICTS:
                raise JudgementError(f"{path}:{number}: verdict {judgement.verdict!r} is not one of "
                                     f"{', '.join(JUDGE_VERDICTS)}")
            by_judge = newest.setdefault(judgement.key, {})
            if judgement.judge not in by_judge or by_judge[judgement.judge].judged_at <= judgement.judged_at:
                by_judge[judgement.judge] = judgement
    return newest


def judgements_for(record: RunRecord, judgements: Judgements) -> list[Judgement]:
    """Every judge's verdict on this record's current output, by judge name."""
    key = (record.suite, record_source(record), record.model, record.prompt_id)
    return [j for _, j in sorted(judgements.get(key, {}).items()) if j.applies_to(record)]
