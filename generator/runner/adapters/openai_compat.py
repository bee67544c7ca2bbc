"""Any OpenAI-compatible chat-completions server: vLLM, Ollama, llama.cpp's llama-server, or a
hosted provider.

The image travels inline as a base64 PNG data URL (lossless: the model sees the suite's pixels)
before the text, token counts come from the server's `usage`, and detection answers are parsed
into boxes with the card's `options.box_convention`. Servers shed load with 429 and fail with
5xx; those and dropped connections are retried with exponential backoff and full jitter,
honouring Retry-After. Requests overlap up to `options.concurrency` (default 4), which is what
makes a served model fast to evaluate.

The API key is read from the environment variable the card names in `api_key_env`; it goes
into the Authorization header and nowhere else — not into records, params, errors or logs.
"""

from __future__ import annotations

import base64
import email.utils
import io
import os
import random
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from importlib import metadata
from typing import Any, Iterator

from PIL import Image

from ...catalog.schemas import Structured
from ...catalog.vocab import TASKS
from ..adapter import Adapter, Prediction
from ..hardware import server_name
from ..options import Option
from ..vlm_answers import CONVENTIONS, parse_detections

DETECTION_TASKS = frozenset({"object-detection", "open-vocabulary-detection", "phrase-grounding", "region-proposal"})
RETRY_STATUS = frozenset({408, 429}) | frozenset(range(500, 600))
# only box_convention changes a record (its boxes), so only it joins the cache key
OPTIONS = (
    Option("concurrency", "int", 4, minimum=1, maximum=1024, help="requests in flight"),
    Option("box_convention", "str", "gemini", choices=CONVENTIONS),
    Option("max_retries", "int", 5, minimum=0),
    Option("retry_base_s", "float", 1.0, minimum=0, help="first backoff; doubles per attempt, with full jitter"),
    Option("retry_max_s", "float", 60.0, minimum=0),
    Option("request_timeout_s", "float", 600.0, minimum=0.001),
)


class OpenAIAdapter(Adapter):
    name = "openai"
    version = "1"
    requires = ("httpx",)
    tasks = frozenset(TASKS) - {"instance-segmentation"}  # masks do not come back as chat text
    options = OPTIONS
    remote = True

    def __init__(self, config):
        super().__init__(config)
        self.client = None
        self.pool: ThreadPoolExecutor | None = None

    def load(self) -> None:
        import httpx

        if not self.config.base_url:
            raise ValueError("openai: runner.base_url is required (e.g. http://localhost:8000/v1 for vLLM)")
        if not self.config.model:
            raise ValueError("openai: runner.model is required: the model name the server serves")
        headers = {}
        if self.config.api_key_env:
            key = os.environ.get(self.config.api_key_env)
            if not key:
                raise RuntimeError(f"openai: the environment variable {self.config.api_key_env} (runner.api_key_env) "
                                   "is not set; export it with the server's API key")
            headers["Authorization"] = f"Bearer {key}"
        connections = self.concurrency()
        self.pool = ThreadPoolExecutor(max_workers=connections, thread_name_prefix="openai")  # reused across batches
        self.client = httpx.Client(
            base_url=self.config.base_url.rstrip("/") + "/", headers=headers,
            timeout=httpx.Timeout(float(self.settings["request_timeout_s"]), connect=30.0),
            limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections))

    def concurrency(self) -> int:
        return int(self.settings["concurrency"])

    def libraries(self) -> dict[str, str]:
        return {"httpx": metadata.version("httpx")}

    def params(self) -> dict[str, Any]:
        return {**self.config.params, "box_convention": self.settings["box_convention"], **self.template_params()}

    def request_body(self, image: Image.Image, prompt: str, task: str) -> dict[str, Any]:
        """The chat-completions request: image part then text part, then the card's params."""
        text = self.render_prompt(prompt, task)
        return {
            "model": self.config.model,
            "messages": [{"role": "user", "content": [
                {"type": "image_url", "image_url": {"url": png_data_url(image)}},
                {"type": "text", "text": text},
            ]}],
            **chat_params(self.config.params),
        }

    def predict(self, image: Image.Image, prompt: str, task: str) -> Prediction:
        if self.client is None:
            raise RuntimeError("openai: load() was not called")
        started = time.perf_counter()
        reply = self._post_with_retries(self.request_body(image, prompt, task))
        waited = time.perf_counter() - started
        text = message_text(reply)
        usage = reply.get("usage") or {}
        structured = None
        if task in DETECTION_TASKS:
            width, height = image.size
            structured = Structured(boxes=parse_detections(text, width, height, self.settings["box_convention"]))
        return Prediction(output=text, structured=structured, input_tokens=usage.get("prompt_tokens"),
                          output_tokens=usage.get("completion_tokens"), latency_s=waited)

    def predict_batch(self, items: list[tuple[Image.Image, str, str]]) -> list[Prediction | BaseException]:
        results: list[Prediction | BaseException | None] = [None] * len(items)
        for index, result in self.predict_as_completed(items):
            results[index] = result
        return results  # type: ignore[return-value]

    def predict_as_completed(self, items: list[tuple[Image.Image, str, str]]) -> Iterator[tuple[int, Prediction | BaseException]]:
        """Up to `concurrency` requests in flight; each result is yielded the moment it arrives."""
        if self.pool is None:
            raise RuntimeError("openai: load() was not called")
        futures = {self.pool.submit(self.predict, *item): index for index, item in enumerate(items)}
        for future in as_completed(futures):
            exc = future.exception()
            yield futures[future], exc if exc is not None else future.result()

    def _post_with_retries(self, body: dict[str, Any]) -> dict[str, Any]:
        import httpx

        attempts = int(self.settings["max_retries"]) + 1
        for attempt in range(attempts):
            last = attempt == attempts - 1
            try:
                response = self.client.post("chat/completions", json=body)
            except httpx.TransportError as exc:
                if last:
                    raise RuntimeError(f"openai: {type(exc).__name__} after {attempts} attempts: {exc}") from None
                time.sleep(self._backoff(attempt, None))
                continue
            if response.status_code in RETRY_STATUS and not last:
                time.sleep(self._backoff(attempt, response.headers.get("retry-after")))
                continue
            if response.status_code != 200:
                raise RuntimeError(f"openai: HTTP {response.status_code} from {server_name(self.config.base_url)}: "
                                   f"{response.text.strip()[:500]}")
            try:
                return response.json()
            except ValueError:
                raise RuntimeError(f"openai: the server's answer is not JSON: {response.text.strip()[:200]}") from None
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _backoff(self, attempt: int, retry_after: str | None) -> float:
        """Seconds to wait before the next attempt: the server's Retry-After when it gives one
        (capped at retry_max_s), else exponential backoff with full jitter."""
        waited = retry_after_seconds(retry_after)
        if waited is not None:
            return min(waited, float(self.settings["retry_max_s"]))
        ceiling = min(float(self.settings["retry_base_s"]) * 2 ** attempt, float(self.settings["retry_max_s"]))
        return random.uniform(0, ceiling)


def chat_params(params: dict[str, Any]) -> dict[str, Any]:
    """A card's generation settings in chat-completions terms, so one card runs through
    transformers or a server: `max_new_tokens` is `max_tokens`, and `do_sample: false` (greedy)
    is `temperature: 0` unless the card sets a temperature itself."""
    body = dict(params)
    if "max_new_tokens" in body:
        body["max_tokens"] = body.pop("max_new_tokens")
    if body.pop("do_sample", True) is False:
        body.setdefault("temperature", 0)
    return body


def retry_after_seconds(value: str | None) -> float | None:
    """Retry-After is either delta-seconds or an HTTP date (RFC 9110 10.2.3)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def message_text(reply: dict[str, Any]) -> str:
    """The assistant's text: a string, or (some servers) a list of content parts."""
    try:
        content = reply["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError):
        raise RuntimeError(f"openai: no choices[0].message.content in the answer: {str(reply)[:300]}") from None
    if isinstance(content, list):
        return "".join(part.get("text", "") for part in content if isinstance(part, dict))
    if content is None:
        raise RuntimeError("openai: the server answered with no content (refusal or tool call)")
    return content


def png_data_url(image: Image.Image) -> str:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
