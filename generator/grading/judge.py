"""The optional judge: any OpenAI-compatible chat model reads a prompt, its expected answer and a
model's answer, and says whether the answer is right, the way a careful human reader would.

It is an explicit step (`leaderboard graders judge`), never part of a build: it calls a server,
costs money and is not reproducible the way the strict graders are. Its verdicts are stored in
their own files (``judgements.py``) and shown beside the strict verdict, never instead of it.
Only text answers are judged (boxes are the detection grader's job); an answer the judge has
already judged in its current form is skipped unless ``force``.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable

from ..catalog.loader import Catalog
from ..catalog.schemas import Prompt, RunRecord
from .extract import as_text, parse_json, strip_fences
from .judgements import Judgement, append_judgement, judgements_for, output_sha256, read_judgements
from .ocr import reference_text
from .records import newest_per_source

JUDGE_VERSION = "1"  # of the instructions below: a new version re-judges nothing by itself, it is recorded
TEXT_GRADERS = frozenset({"exact", "number", "yes-no", "choice", "list", "ocr-text"})
INSTRUCTIONS = """You check answers to questions about images against the expected answer, like a careful \
human reader. You do not see the image: judge only whether the answer states the expected value.
Be lenient about form: letter case, punctuation, quotes, JSON or Markdown wrappers, extra words, a \
missing currency sign, thousands separators, spelled-out numbers, reasoning before the final answer.
Be strict about value: a different number, a changed or missing character in an ID or code, a \
different cell, item or order, a wrong word in a short text, or two different values offered as the answer.
Reply with one JSON object and nothing else: {"verdict": "correct" or "incorrect", "reason": "<one short sentence>"}"""
RETRY_STATUS = frozenset({408, 429}) | frozenset(range(500, 600))


def judge_messages(prompt: Prompt, answer: str) -> list[dict[str, str]]:
    expected = reference_text(prompt.expected) if prompt.grader and prompt.grader.name == "ocr-text" \
        else as_text(prompt.expected)
    return [{"role": "system", "content": INSTRUCTIONS},
            {"role": "user", "content": f"Question:\n{prompt.prompt}\n\nExpected answer:\n{expected}\n\n"
                                        f"Answer to check:\n{answer}"}]


def parse_reply(text: str) -> tuple[str, str]:
    """(verdict, reason) from the judge's reply; "unclear" when it is not the JSON asked for."""
    value = parse_json(strip_fences(text))
    if isinstance(value, dict):
        verdict = next((str(v) for k, v in value.items() if str(k).casefold() == "verdict"), "").strip().casefold()
        reason = next((str(v) for k, v in value.items() if str(k).casefold() == "reason"), "")
        if verdict in ("correct", "incorrect"):
            return verdict, reason.strip()[:500]
    return "unclear", f"the judge did not answer with a verdict: {text.strip()[:200]!r}"


@dataclass
class JudgeClient:
    """A chat-completions endpoint: ``base_url`` (…/v1), the ``model`` it serves, an optional API key."""

    base_url: str
    model: str
    api_key: str | None = None
    timeout_s: float = 120.0
    max_retries: int = 3

    @classmethod
    def from_env(cls, base_url: str, model: str, api_key_env: str | None, **kwargs: Any) -> "JudgeClient":
        key = None
        if api_key_env:
            key = os.environ.get(api_key_env)
            if not key:
                raise ValueError(f"the environment variable {api_key_env} (--api-key-env) is not set")
        return cls(base_url, model, key, **kwargs)

    def complete(self, messages: list[dict[str, str]]) -> str:
        import httpx

        from ..runner.adapters.openai_compat import message_text, retry_after_seconds

        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        body = {"model": self.model, "messages": messages, "temperature": 0}
        url = self.base_url.rstrip("/") + "/chat/completions"
        for attempt in range(self.max_retries + 1):
            try:
                response = httpx.post(url, json=body, headers=headers, timeout=self.timeout_s)
            except httpx.TransportError as e:
                if attempt == self.max_retries:
                    raise RuntimeError(f"judge: {type(e).__name__}: {e}") from None
                time.sleep(2 ** attempt)
                continue
            if response.status_code in RETRY_STATUS and attempt < self.max_retries:
                wait = retry_after_seconds(response.headers.get("retry-after"))
                time.sleep(min(2 ** attempt if wait is None else wait, 60))
                continue
            if response.status_code != 200:
                raise RuntimeError(f"judge: HTTP {response.status_code}: {response.text.strip()[:300]}")
            return message_text(response.json())
        raise AssertionError("unreachable: the last attempt returns or raises")


@dataclass
class JudgeRun:
    judged: int = 0
    skipped: int = 0  # already judged in this form
    failed: int = 0  # the server failed; nothing written, judged next time
    errors: list[str] | None = None


def judge_catalog(catalog: Catalog, client: JudgeClient, suites: tuple[str, ...] = (), limit: int | None = None,
                  force: bool = False, progress: Callable[[Judgement], None] | None = None) -> JudgeRun:
    """Judge the newest text answer of every source (optionally only ``suites``), appending each
    judgement to its file as it arrives."""
    existing = read_judgements(catalog.root)
    prompts = {(sid, p.id): p for sid, loaded in catalog.suites.items() for p in loaded.suite.prompts}
    run = JudgeRun(errors=[])
    for (suite, source, model, prompt_id), record in newest_per_source(catalog.runs).items():
        prompt = prompts.get((suite, prompt_id))
        if (suites and suite not in suites) or not _judgeable(prompt, record):
            continue
        if not force and any(j.judge == client.model for j in judgements_for(record, existing)):
            run.skipped += 1
            continue
        if limit is not None and run.judged + run.failed >= limit:
            break
        try:
            verdict, reason = parse_reply(client.complete(judge_messages(prompt, record.output)))
        except RuntimeError as e:
            run.failed += 1
            run.errors.append(f"{suite}/{prompt_id} {model} ({source}): {e}")
            continue
        judgement = Judgement(suite, source, model, prompt_id, record.run_id, output_sha256(record.output),
                              client.model, JUDGE_VERSION, verdict, reason,
                              datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))
        append_judgement(catalog.root, judgement)
        run.judged += 1
        if progress:
            progress(judgement)
    return run


def _judgeable(prompt: Prompt | None, record: RunRecord) -> bool:
    return (prompt is not None and prompt.scored and prompt.grader.name in TEXT_GRADERS
            and record.error is None and record.output is not None)
