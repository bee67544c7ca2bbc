"""The OpenAI-compatible adapter against a real local HTTP server speaking chat completions:
retries through 429 and 500, overlapping requests, tokens from usage, the API key's one place,
prompt templates, params and detection answers parsed into pixel boxes."""

from __future__ import annotations

import time

import pytest
from click.testing import CliRunner
from fixtures_runner import ChatServer, write_card, write_suite
from PIL import Image

from generator.catalog.schemas import Runner
from generator.cli import main
from generator.runner.adapter import Prediction
from generator.runner.adapters.openai_compat import OpenAIAdapter, chat_params, retry_after_seconds

FAST_RETRIES = {"retry_base_s": 0.01, "retry_max_s": 0.05}
IMAGE = Image.new("RGB", (320, 200), "gray")


def adapter(base_url: str, **runner) -> OpenAIAdapter:
    options = {**FAST_RETRIES, **runner.pop("options", {})}
    a = OpenAIAdapter(Runner(adapter="openai", model="test-vlm", base_url=base_url, options=options, **runner))
    a.load()
    return a


def test_429_then_500_then_success_is_one_answer_with_tokens():
    with ChatServer() as server:
        prediction = adapter(server.base_url).predict(IMAGE, "[flaky] What is shown?", "vqa")
    assert [r["status"] for r in server.requests] == [429, 500, 200]
    assert prediction.output == "320x200: [flaky] What is shown?"  # the server decoded our image
    assert prediction.input_tokens == 14 and prediction.output_tokens == 5  # from usage, as reported


def test_retries_give_up_with_the_last_status():
    with ChatServer() as server:
        with pytest.raises(RuntimeError, match="HTTP 500"):
            adapter(server.base_url, options={"max_retries": 1}).predict(IMAGE, "[flaky] hi", "vqa")
    assert [r["status"] for r in server.requests] == [429, 500]


def test_client_errors_are_not_retried():
    with ChatServer() as server:
        with pytest.raises(RuntimeError, match="HTTP 400.*rejected on purpose"):
            adapter(server.base_url).predict(IMAGE, "[reject] hi", "vqa")
    assert len(server.requests) == 1


def test_connection_errors_are_retried_then_reported():
    with ChatServer() as server:
        url = server.base_url
    started = time.perf_counter()
    with pytest.raises(RuntimeError, match="ConnectError after 3 attempts"):
        adapter(url, options={"max_retries": 2}).predict(IMAGE, "hi", "vqa")
    assert time.perf_counter() - started < 5


def test_retry_after_is_read_as_seconds_or_http_date():
    assert retry_after_seconds("3") == 3.0
    assert retry_after_seconds(None) is None and retry_after_seconds("soon") is None
    http_date = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() + 30))
    assert 25 <= retry_after_seconds(http_date) <= 31
    a = OpenAIAdapter(Runner(adapter="openai", model="m", base_url="http://127.0.0.1:1/v1", options={"retry_max_s": 10}))
    assert a._backoff(0, "120") == 10  # a server's wish is capped
    assert all(0 <= a._backoff(3, None) <= 8 for _ in range(50))  # full jitter below base * 2**attempt


def test_requests_overlap_up_to_the_concurrency_bound():
    items = [(IMAGE, f"question {i}", "vqa") for i in range(8)]
    with ChatServer(delay_s=0.3) as server:
        a = adapter(server.base_url, options={"concurrency": 4})
        started = time.perf_counter()
        results = a.predict_batch(items)
        elapsed = time.perf_counter() - started
    assert server.max_in_flight == 4
    assert elapsed < 8 * 0.3 / 2, "8 requests of 0.3 s with 4 in flight take about 0.6 s, not 2.4 s"
    assert [r.output for r in results] == [f"320x200: question {i}" for i in range(8)]  # input order kept


def test_results_are_yielded_as_they_arrive():
    items = [(IMAGE, "[slow] first", "vqa"), (IMAGE, "second", "vqa"), (IMAGE, "[reject] third", "vqa")]
    with ChatServer(slow_s=0.5) as server:
        order = list(adapter(server.base_url, options={"concurrency": 3}).predict_as_completed(items))
    assert order[-1][0] == 0, "the slow request finishes last"
    results = dict(order)
    assert isinstance(results[1], Prediction) and isinstance(results[2], RuntimeError)


def test_api_key_comes_from_the_environment_and_goes_only_into_the_header(monkeypatch, tmp_path):
    monkeypatch.setenv("TEST_VLM_KEY", "sk-secret-123")
    write_suite(tmp_path, prompts=[{"id": "q", "image": "sign.png", "category": "text", "task": "vqa", "prompt": "What does it say?"}])
    with ChatServer(api_key="sk-secret-123") as server:
        write_card(tmp_path, "served", {"adapter": "openai", "model": "test-vlm", "base_url": server.base_url,
                                        "api_key_env": "TEST_VLM_KEY"}, tasks=["vqa"])
        result = CliRunner().invoke(main, ["run", "served", "--suite", "runner-fixture", "--root", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert server.requests[0]["authorization"] == "Bearer sk-secret-123"
    assert "sk-secret-123" not in result.output
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert b"sk-secret-123" not in path.read_bytes(), f"the key leaked into {path}"


def test_unset_api_key_variable_is_a_clear_error(monkeypatch):
    monkeypatch.delenv("TEST_VLM_KEY", raising=False)
    a = OpenAIAdapter(Runner(adapter="openai", model="m", base_url="http://127.0.0.1:1/v1", api_key_env="TEST_VLM_KEY"))
    with pytest.raises(RuntimeError, match="TEST_VLM_KEY.*is not set"):
        a.load()


def test_template_params_and_max_new_tokens_shape_the_request():
    template = 'Answer in JSON like {"answer": "..."}. Question: {prompt}'
    with ChatServer() as server:
        a = adapter(server.base_url, params={"temperature": 0, "max_new_tokens": 64}, prompt_templates={"vqa": template})
        a.predict(IMAGE, "What colour?", "vqa")
    body = server.requests[0]["body"]
    assert body["model"] == "test-vlm" and body["temperature"] == 0 and body["max_tokens"] == 64
    assert "max_new_tokens" not in body
    image_part, text_part = body["messages"][0]["content"]
    assert image_part["image_url"]["url"].startswith("data:image/png;base64,")
    assert text_part["text"] == 'Answer in JSON like {"answer": "..."}. Question: What colour?'
    assert a.params() == {"temperature": 0, "max_new_tokens": 64, "box_convention": "gemini",
                          "prompt_templates": {"vqa": template}}  # a template edit re-runs prompts


def test_transformers_generation_settings_map_to_chat_completions():
    assert chat_params({"do_sample": False, "max_new_tokens": 512}) == {"temperature": 0, "max_tokens": 512}
    assert chat_params({"do_sample": False, "temperature": 0.2}) == {"temperature": 0.2}
    assert chat_params({"do_sample": True, "top_p": 0.95}) == {"top_p": 0.95}


def test_detection_answers_become_pixel_boxes():
    """The server answers box_2d [100, 200, 500, 600] ([y1, x1, y2, x2] on 0-1000) in a json fence."""
    with ChatServer() as server:
        prediction = adapter(server.base_url).predict(IMAGE, "Detect every face.", "object-detection")
    (box,) = prediction.structured.boxes
    assert box.label == "face"
    assert box.xyxy == pytest.approx([0.2 * 320, 0.1 * 200, 0.6 * 320, 0.5 * 200])


def test_card_mistakes_are_reported_before_any_request():
    with pytest.raises(ValueError, match="unknown option 'concurency' for the openai adapter; did you mean 'concurrency'"):
        OpenAIAdapter(Runner(adapter="openai", model="m", options={"concurency": 4}))
    with pytest.raises(ValueError, match="options.box_convention: 'yolo' is not one of gemini"):
        OpenAIAdapter(Runner(adapter="openai", model="m", options={"box_convention": "yolo"}))
    with pytest.raises(ValueError, match="options.concurrency: 0 is below the minimum 1"):
        OpenAIAdapter(Runner(adapter="openai", model="m", options={"concurrency": 0}))
    with pytest.raises(ValueError, match="options.concurrency: '8' is not a whole number"):
        OpenAIAdapter(Runner(adapter="openai", model="m", options={"concurrency": "8"}))
    # the server decides where the model runs: a card's device (set for its transformers run) is not an error
    assert OpenAIAdapter(Runner(adapter="openai", model="m", device="cuda")).remote
    with pytest.raises(ValueError, match="base_url is required"):
        OpenAIAdapter(Runner(adapter="openai", model="m")).load()
