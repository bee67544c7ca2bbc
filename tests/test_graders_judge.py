"""The judge grader against the project's local chat-completions test server: real HTTP, verdicts
stored in their own files beside (never instead of) the strict verdicts, re-runs skip what is judged."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from fixtures_runner import ChatServer
from generator.catalog import load_catalog
from generator.catalog.schemas import RunRecord
from generator.cli import main
from generator.grading.judge import JudgeClient, judge_catalog, parse_reply
from generator.grading.judgements import JudgementError, judgements_for, read_judgements
from test_graders import _imported, _project


class JudgeServer(ChatServer):
    """Answers a judge request by rule: "correct" when the expected answer's text appears in the
    answer to check. "[garbled]" in the answer gets a reply that is not JSON; the first request
    about "[busy]" is refused with 429 (Retry-After: 0)."""

    def answer(self, path, body, authorization):
        user = body["messages"][-1]["content"]
        expected = re.search(r"Expected answer:\n(.*?)\n\nAnswer to check:", user, re.S).group(1)
        answer = user.split("Answer to check:\n", 1)[1]
        with self.lock:
            self.requests.append({"text": user, "status": 200, "authorization": authorization, "body": body})
            attempt = self.attempts[answer] = self.attempts.get(answer, 0) + 1
        if "[busy]" in answer and attempt == 1:
            return 429, {"error": {"message": "busy"}}, {"Retry-After": "0"}
        if "[garbled]" in answer:
            content = "I think it is probably fine"
        else:
            verdict = "correct" if expected.casefold() in answer.casefold() else "incorrect"
            content = json.dumps({"verdict": verdict, "reason": f"the answer {'states' if verdict == 'correct' else 'lacks'} {expected}"})
        return 200, {"choices": [{"index": 0, "message": {"role": "assistant", "content": content}}]}, {}


@pytest.mark.parametrize("reply, parsed", [
    ('{"verdict": "correct", "reason": "same value"}', ("correct", "same value")),
    ('```json\n{"Verdict": "Incorrect", "reason": "wrong digit"}\n```', ("incorrect", "wrong digit")),
    ("correct", ("unclear", None)), ('{"verdict": "maybe"}', ("unclear", None)),
])
def test_parse_reply(reply, parsed):
    verdict, reason = parse_reply(reply)
    assert verdict == parsed[0] and (parsed[1] is None or reason == parsed[1])


def test_judge_stores_verdicts_beside_the_strict_ones_for_every_source(tmp_path):
    _project(tmp_path, expected_p2="6")  # measured answers: p1 "four" (expected 4), p2 "7" (expected 6)
    run = tmp_path / "evals" / "runs" / "s" / "m1"
    measured = [RunRecord.model_validate_json(line) for line in (run / "r1.jsonl").read_text().splitlines()]
    (run / "vac-0123456789abcdef.jsonl").write_text(_imported(measured[1], "6 [busy]").model_dump_json() + "\n")
    strict_before = (run / "r1.jsonl").read_text()
    with JudgeServer() as server:
        result = CliRunner().invoke(main, ["graders", "judge", "--root", str(tmp_path), "--base-url", server.base_url,
                                           "--model", "judge/tiny:1"])
        assert result.exit_code == 0, result.output
        assert "3 judged, 0 already judged, 0 failed" in result.output
        first = server.requests[0]["body"]
        assert first["model"] == "judge/tiny:1" and first["temperature"] == 0
        assert "careful" in first["messages"][0]["content"] and "How many?" in first["messages"][1]["content"]

        stored = tmp_path / "evals" / "judgements" / "s" / "judge-tiny-1.jsonl"
        lines = [json.loads(line) for line in stored.read_text().splitlines()]
        assert {(j["source"], j["prompt_id"], j["verdict"]) for j in lines} == {
            ("measured", "p1", "incorrect"),  # the scripted judge wants the digit "4"; "four" lacks it
            ("measured", "p2", "incorrect"),
            ("roboflow/vision-ai-checkup", "p2", "correct")}  # retried after the 429
        assert (run / "r1.jsonl").read_text() == strict_before  # run records untouched

        again = CliRunner().invoke(main, ["graders", "judge", "--root", str(tmp_path), "--base-url", server.base_url,
                                          "--model", "judge/tiny:1"])
        assert "0 judged, 3 already judged" in again.output
        requests = len(server.requests)
        assert "1 judged" in CliRunner().invoke(main, ["graders", "judge", "--root", str(tmp_path), "--base-url",
                                                       server.base_url, "--model", "judge/tiny:1", "--force",
                                                       "--limit", "1"]).output
        assert len(server.requests) == requests + 1

    catalog = load_catalog(tmp_path)
    judged = read_judgements(tmp_path)
    imported = next(r for r in catalog.runs if r.source != "measured")
    assert [j.passed for j in judgements_for(imported, judged)] == [True]
    changed = imported.model_copy(update={"output": "5"})  # a new answer is unjudged until judged again
    assert judgements_for(changed, judged) == []


def test_an_unreadable_reply_is_stored_as_unclear_and_a_dead_server_fails_cleanly(tmp_path):
    _project(tmp_path, expected_p2="6")
    run = tmp_path / "evals" / "runs" / "s" / "m1" / "r1.jsonl"
    run.write_text(run.read_text().replace('"output": "7"', '"output": "7 [garbled]"'))
    with JudgeServer() as server:
        judged = judge_catalog(load_catalog(tmp_path), JudgeClient(server.base_url, "j"))
    assert judged.judged == 2
    verdicts = {j.prompt_id: j for by_judge in read_judgements(tmp_path).values() for j in by_judge.values()}
    assert verdicts["p2"].verdict == "unclear" and verdicts["p2"].passed is None
    dead = judge_catalog(load_catalog(tmp_path), JudgeClient("http://127.0.0.1:9/v1", "other", max_retries=0))
    assert dead.judged == 0 and dead.failed == 2 and "ConnectError" in dead.errors[0]


def test_a_broken_judgement_line_names_file_and_line(tmp_path):
    path = tmp_path / "evals" / "judgements" / "s" / "j.jsonl"
    path.parent.mkdir(parents=True)
    path.write_text("{}\n")
    with pytest.raises(JudgementError, match=r"j.jsonl:1: not a judgement"):
        read_judgements(tmp_path)
