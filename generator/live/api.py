"""The HTTP server of `leaderboard serve`: the built site as static files plus a small JSON API.

API
---
``GET /api/models``
    ``{"models": [...], "tasks": [...], "limits": {...}}``. One entry per card with a ``runner``
    section: ``{"id", "name", "tasks": [tasks its adapter supports], "available": bool,
    "reason": why not (or null), "loaded": bool}``. ``tasks`` lists every task some model
    supports: ``{"id", "name", "prompt_label", "default_prompt", "prompt_required", "boxes"}``.
    ``limits`` is ``{"max_bytes", "max_pixels", "formats"}``.

``POST /api/run``
    Either ``multipart/form-data`` with fields ``image`` (the file), ``task``, ``prompt`` and
    ``models`` (comma-separated ids), or the raw image as the body with ``task``, ``prompt`` and
    ``models`` in the query string. Answers ``application/x-ndjson``: one line per model, in the
    order the models finish (they run at the same time), each ``{"model", "output",
    "structured": {"boxes": [{"xyxy", "label", "score"}], "lines": [{"text", "xyxy", "score"}]},
    "latency_s", "load_s" (seconds spent loading, on the run that loaded it; else null),
    "input_tokens", "output_tokens", "error"}``; then ``{"done": true, "width", "height"}`` (the
    image size the boxes refer to, after EXIF rotation). A failing model has ``error`` set in
    its own line; the others go on.

Refusals are JSON ``{"error": "..."}``: 400 malformed or corrupt/truncated image, 411 no
Content-Length, 413 too many bytes or pixels, 415 not an accepted image type, 422 unknown or
unavailable model, unknown task, task a model does not support, missing prompt.

Anything else is a file under the site folder (404 with the site's 404.html otherwise).
Cross-origin API calls (a static site whose ``live_api`` points here) are allowed only for the
origins given with ``--allow-origin``; a POST from any other web page is refused with 403.
"""

from __future__ import annotations

import json
import shutil
import socket
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from PIL import Image

from ..catalog.vocab import TASKS
from . import static, tasks
from .models import ModelPool
from .uploads import ALLOWED_FORMATS, Limits, UploadError, body_length, open_image, parse_form

DRAIN_BYTES = 256 * 1024 * 1024  # read and drop at most this much of a refused body...
DRAIN_SECONDS = 10.0  # ...for at most this long, so the client gets to read the refusal


@dataclass(frozen=True)
class RunRequest:
    image: Image.Image
    task: str
    prompt: str
    model_ids: list[str]


class LiveServer(ThreadingHTTPServer):
    daemon_threads = True  # a browser's idle keep-alive connection must not block shutdown

    def __init__(self, address: tuple[str, int], public: Path, pool: ModelPool, limits: Limits = Limits(),
                 allow_origins: frozenset[str] = frozenset(), quiet: bool = False):
        self.public = public
        self.pool = pool
        self.limits = limits
        self.allow_origins = allow_origins
        self.quiet = quiet
        super().__init__(address, LiveHandler)


class LiveHandler(BaseHTTPRequestHandler):
    server: LiveServer
    protocol_version = "HTTP/1.1"  # keep-alive for the site's files; Expect: 100-continue for uploads
    timeout = 60  # seconds a silent client may hold a connection
    server_version = "leaderboard-serve"

    # ------------------------------------------------------------ routing

    def do_GET(self) -> None:
        self._get(head=False)

    def do_HEAD(self) -> None:
        self._get(head=True)

    def do_POST(self) -> None:
        path = urlsplit(self.path).path
        if path != "/api/run":
            self._drain(self.headers.get("Content-Length"))
            self._send_json(404 if not path.startswith("/api/") else 405,
                            {"error": f"POST is only accepted at /api/run, not {path}"})
            return
        if not self._origin_allowed():
            self._drain(self.headers.get("Content-Length"))
            self._send_json(403, {"error": f"runs from {self.headers.get('Origin')} are refused: start "
                                           "`leaderboard serve --allow-origin ORIGIN` to accept that site"})
            return
        try:
            run = self._parse_run()
        except UploadError as e:
            self._send_json(e.status, {"error": e.message})
            return
        self._stream_run(run)

    def do_OPTIONS(self) -> None:
        self.send_response(204)
        self._cors_headers()
        self.send_header("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
        self.send_header("Access-Control-Allow-Headers", "Content-Type")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def handle_expect_100(self) -> bool:
        """Refuse an oversized upload before the client sends it (curl and others wait for this)."""
        try:
            body_length(self.headers.get("Content-Length"), self.server.limits)
        except UploadError as e:
            if e.status == 413:
                self.close_connection = True
                self._send_json(413, {"error": e.message})
                return False
        return super().handle_expect_100()

    def _get(self, head: bool) -> None:
        parts = urlsplit(self.path)
        if parts.path == "/api/models":
            self._send_json(200, self._models_payload(), head=head)
        elif parts.path == "/api/run":
            self._send_json(405, {"error": "/api/run takes the image by POST (multipart/form-data or a raw body)"},
                            head=head)
        elif parts.path.startswith("/api/"):
            self._send_json(404, {"error": f"no such API endpoint: {parts.path} (see /api/models, POST /api/run)"},
                            head=head)
        else:
            self._send_static(parts.path, parts.query, head)

    # ------------------------------------------------------------ API

    def _models_payload(self) -> dict[str, Any]:
        models = [m.describe() for m in self.server.pool.models().values()]
        used = {task for m in models for task in m["tasks"]}
        limits = self.server.limits
        return {"models": models, "tasks": [tasks.describe(t) for t in TASKS if t in used],
                "limits": {"max_bytes": limits.max_bytes, "max_pixels": limits.max_pixels,
                           "formats": list(ALLOWED_FORMATS)}}

    def _parse_run(self) -> RunRequest:
        """Read and check everything before any model starts; raise UploadError to refuse."""
        length_header = self.headers.get("Content-Length")
        try:
            length = body_length(length_header, self.server.limits)
        except UploadError:
            self._drain(length_header)
            raise
        body = self.rfile.read(length)
        if len(body) < length:
            self.close_connection = True
            raise UploadError(400, f"the body ended after {len(body)} of {length} bytes")
        fields = {key: values[-1] for key, values in parse_qs(urlsplit(self.path).query).items()}
        content_type = self.headers.get("Content-Type", "")
        if content_type.lower().startswith("multipart/form-data"):
            form = parse_form(content_type, body)
            data = form.pop("image", b"")
            fields.update({key: value.decode("utf-8", "replace") for key, value in form.items()})
        else:
            data = body
        task = fields.get("task", "")
        if task not in TASKS:
            raise UploadError(422, f"unknown task {task!r}; known: {', '.join(TASKS)}")
        prompt = tasks.prompt_for(task, fields.get("prompt", ""))
        if prompt is None:
            raise UploadError(422, f"the task {task} needs a {tasks.PROMPTS[task][0].lower()}: fill in the prompt")
        model_ids = self._check_models(fields.get("models", ""), task)
        return RunRequest(open_image(data, self.server.limits), task, prompt, model_ids)

    def _check_models(self, field: str, task: str) -> list[str]:
        known = self.server.pool.models()
        model_ids = list(dict.fromkeys(m.strip() for m in field.split(",") if m.strip()))
        if not model_ids:
            raise UploadError(422, "choose at least one model (field 'models': comma-separated ids)")
        for model_id in model_ids:
            model = known.get(model_id)
            if model is None:
                raise UploadError(422, f"unknown model {model_id!r}; runnable models: {', '.join(known)}")
            if not model.available:
                raise UploadError(422, f"model {model_id} cannot run on this machine: {model.reason}")
            if task not in model.tasks:
                raise UploadError(422, f"model {model_id} does not do {task}; it does: {', '.join(model.tasks)}")
        return model_ids

    def _stream_run(self, run: RunRequest) -> None:
        """Run the models at once and write each one's line the moment it finishes."""
        self.send_response(200)
        self.send_header("Content-Type", "application/x-ndjson")
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Connection", "close")  # the stream ends when the connection does
        self._cors_headers()
        self.end_headers()
        self.close_connection = True
        pool = self.server.pool
        executor = ThreadPoolExecutor(max_workers=len(run.model_ids), thread_name_prefix="live-model")
        try:
            # each model gets its own copy: adapters may convert or annotate the image in place
            futures = [executor.submit(pool.run, model_id, run.image.copy(), run.prompt, run.task)
                       for model_id in run.model_ids]
            for future in as_completed(futures):
                self._write_line(future.result())
            width, height = run.image.size
            self._write_line({"done": True, "width": width, "height": height})
        except (BrokenPipeError, ConnectionResetError):
            pass  # the page went away; loaded models stay loaded for the next request
        finally:
            executor.shutdown(wait=False, cancel_futures=True)

    def _write_line(self, line: dict[str, Any]) -> None:
        self.wfile.write(json.dumps(line, ensure_ascii=False).encode("utf-8") + b"\n")
        self.wfile.flush()

    # ------------------------------------------------------------ responses

    def _send_static(self, path: str, query: str, head: bool) -> None:
        found = static.resolve(self.server.public, path, query)
        if isinstance(found, static.Redirect):
            self.send_response(301)
            self.send_header("Location", found.location)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        status = 200
        if found is None:
            status, found = 404, static.resolve(self.server.public, "/404.html")
            if found is None:
                self._send_bytes(404, b"404: not found\n", "text/plain; charset=utf-8", head)
                return
        with found.path.open("rb") as fh:
            size = found.path.stat().st_size
            self.send_response(status)
            self.send_header("Content-Type", found.content_type)
            self.send_header("Content-Length", str(size))
            self.send_header("Cache-Control", "no-cache")  # a rebuild shows up on reload
            self.send_header("X-Content-Type-Options", "nosniff")
            self.end_headers()
            if not head:
                shutil.copyfileobj(fh, self.wfile)

    def _send_json(self, status: int, payload: dict[str, Any], head: bool = False) -> None:
        self._send_bytes(status, json.dumps(payload).encode("utf-8"), "application/json", head)

    def _send_bytes(self, status: int, body: bytes, content_type: str, head: bool = False) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self._cors_headers()
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _origin_allowed(self) -> bool:
        """A run costs this machine's CPU or GPU, so another web page the user has open must not be
        able to start one (a simple cross-origin POST needs no preflight): browsers send Origin with
        every POST, and only this server's own pages and --allow-origin sites may run models."""
        origin = self.headers.get("Origin")
        if origin is None:  # not a browser: curl, scripts, tests
            return True
        return urlsplit(origin).netloc == self.headers.get("Host") or origin in self.server.allow_origins

    def _cors_headers(self) -> None:
        origin = self.headers.get("Origin")
        if origin and origin in self.server.allow_origins:
            self.send_header("Access-Control-Allow-Origin", origin)
            self.send_header("Vary", "Origin")

    def _drain(self, length_header: str | None) -> None:
        """Read and drop a body we refuse (bounded in bytes and time, never kept) so the client,
        still sending, reads our answer instead of a reset connection; then close."""
        self.close_connection = True
        try:
            remaining = min(int(length_header or 0), DRAIN_BYTES)
        except ValueError:
            return
        deadline = time.monotonic() + DRAIN_SECONDS
        try:
            self.connection.settimeout(1.0)
            while remaining > 0 and time.monotonic() < deadline:
                chunk = self.rfile.read1(min(remaining, 1 << 16))
                if not chunk:
                    break
                remaining -= len(chunk)
        except (socket.timeout, OSError):
            pass

    def log_message(self, format: str, *args: Any) -> None:
        if not self.server.quiet:
            super().log_message(format, *args)
