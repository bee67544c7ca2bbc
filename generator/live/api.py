"""The web application of `leaderboard serve` (Starlette, run by uvicorn): the built site as
static files plus a small JSON API.

API
---
``GET /api/models``
    ``{"models": [...], "tasks": [...], "limits": {...}}``. One entry per card with a ``runner``
    section: ``{"id", "name", "tasks": [tasks its adapter supports], "available": bool,
    "reason": why not (or null), "loaded": bool, "prompt_tasks": [those whose prompt text it
    reads], "box_scores": "confidence" | "raw"}``. ``tasks`` lists every task some model
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

Refusals are JSON ``{"error": "..."}``: 400 malformed request, corrupt/truncated image or a Host
this server does not answer to (DNS rebinding, see `hosts`), 403 a run posted from another
site, 405 wrong method, 408 a body not sent in time, 411 no Content-Length, 413 too many bytes,
pixels, decoding memory, form parts or field bytes, 415 not an accepted image type, 422
unknown or unavailable model, unknown task, task a model does not support, missing prompt,
503 (with Retry-After) when ``max_runs`` runs are already in flight.

Anything else is a file under the site folder (404 with the site's 404.html otherwise).
Cross-origin API calls (a static site whose ``live_api`` points here) get CORS headers only
for the origins given with ``--allow-origin``.

Every model of a run gets the same decoded image: adapters convert it (which copies) and never
change it in place.
"""

from __future__ import annotations

import asyncio
import json
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, AsyncIterator

from PIL import Image
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from ..catalog.vocab import TASKS
from . import static, tasks
from .hosts import HostPolicy
from .models import ModelPool
from .uploads import RASTER_FORMATS, Limits, UploadError, body_length, open_image, parse_form

DRAIN_BYTES = 256 * 1024 * 1024  # read and drop at most this much of a refused body...
DRAIN_SECONDS = 10.0  # ...for at most this long, so the client gets to read the refusal
RETRY_AFTER_S = 5
NO_STORE = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


@dataclass(frozen=True)
class RunRequest:
    image: Image.Image
    task: str
    prompt: str
    model_ids: list[str]


class RunSlots:
    """Runs in flight, counted on the event loop's thread. A slot is taken before the body is
    read and given back when the last model of the run has finished (not when the client goes
    away: its models still hold a CPU or GPU until they return)."""

    def __init__(self, size: int):
        self.size = size
        self.taken = 0

    def take(self) -> bool:
        if self.taken >= self.size:
            return False
        self.taken += 1
        return True

    def give_back(self) -> None:
        self.taken -= 1


def create_app(public: Path, pool: ModelPool, policy: HostPolicy, limits: Limits = Limits()) -> Starlette:
    """The ASGI application; `serve` runs it with uvicorn, the tests too."""
    live = _Live(public, pool, policy, limits)
    routes = [
        Route("/api/models", live.models, methods=["GET"]),
        Route("/api/run", live.run, methods=["GET", "POST"]),
        Route("/api/{rest:path}", live.no_endpoint, methods=["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH"]),
        Route("/{rest:path}", live.site, methods=["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH"]),
    ]
    middleware = [Middleware(HostCheck, policy=policy),
                  Middleware(CORSMiddleware, allow_origins=sorted(policy.allow_origins),
                             allow_methods=["GET", "POST"], allow_headers=["Content-Type"])]
    return Starlette(routes=routes, middleware=middleware)


class HostCheck:
    """Refuse, before anything else runs, a request whose Host this server does not answer to."""

    def __init__(self, app: ASGIApp, policy: HostPolicy):
        self.app = app
        self.policy = policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            host = dict(scope["headers"]).get(b"host", b"").decode("latin-1")
            if not self.policy.host_allowed(host):
                response = _error(400, f"this server does not answer to the host {host!r}; it answers to "
                                       f"{self.policy.describe()} (start it with --allow-host NAME to add one)")
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


class _Live:
    def __init__(self, public: Path, pool: ModelPool, policy: HostPolicy, limits: Limits):
        self.public = public
        self.pool = pool
        self.policy = policy
        self.limits = limits
        self.slots = RunSlots(limits.max_runs)

    # ------------------------------------------------------------ API

    async def models(self, request: Request) -> Response:
        models = [m.describe() for m in (await asyncio.to_thread(self.pool.models)).values()]
        used = {task for m in models for task in m["tasks"]}
        limits = self.limits
        return JSONResponse({"models": models, "tasks": [tasks.describe(t) for t in TASKS if t in used],
                             "limits": {"max_bytes": limits.max_bytes, "max_pixels": limits.max_pixels,
                                        "formats": list(RASTER_FORMATS)}}, headers=NO_STORE)

    async def no_endpoint(self, request: Request) -> Response:
        await _drain(request)
        return _error(404, f"no such API endpoint: {request.url.path} (see /api/models, POST /api/run)")

    async def run(self, request: Request) -> Response:
        if request.method != "POST":
            return _error(405, "/api/run takes the image by POST (multipart/form-data or a raw body)")
        if not self.policy.origin_allowed(request.headers.get("origin")):
            await _drain(request)
            return _error(403, f"runs from {request.headers.get('origin')} are refused: start "
                               "`leaderboard serve --allow-origin ORIGIN` to accept that site")
        if not self.slots.take():
            await _drain(request)
            return _error(503, f"{self.slots.size} runs are already in flight; try again in a few seconds",
                          {"Retry-After": str(RETRY_AFTER_S)})
        try:
            run = await self._parse_run(request)
            futures = self._start(run)  # before the response: the slot must come back however it ends
        except UploadError as e:
            self.slots.give_back()
            return _error(e.status, e.message)
        except BaseException:
            self.slots.give_back()
            raise
        return StreamingResponse(_stream(run, futures), media_type="application/x-ndjson", headers=NO_STORE)

    async def _parse_run(self, request: Request) -> RunRequest:
        """Read and check everything before any model starts; raise UploadError to refuse."""
        try:
            length = body_length(request.headers.get("content-length"), self.limits)
        except UploadError:
            await _drain(request)
            raise
        body = await _read_body(request, length, self.limits.body_seconds)
        fields = dict(request.query_params)
        content_type = request.headers.get("content-type", "")
        if content_type.lower().startswith("multipart/form-data"):
            form = await asyncio.to_thread(parse_form, content_type, body, self.limits)
            data = form.pop("image", b"")
            fields.update({key: value.decode("utf-8", "replace") for key, value in form.items()})
        else:
            data = body
        del body
        task = fields.get("task", "")
        if task not in TASKS:
            raise UploadError(422, f"unknown task {task!r}; known: {', '.join(TASKS)}")
        prompt = tasks.prompt_for(task, fields.get("prompt", ""))
        if prompt is None:
            raise UploadError(422, f"the task {task} needs a {tasks.PROMPTS[task][0].lower()}: fill in the prompt")
        model_ids = await asyncio.to_thread(self._check_models, fields.get("models", ""), task)
        image = await asyncio.to_thread(open_image, data, self.limits)
        return RunRequest(image, task, prompt, model_ids)

    def _check_models(self, field: str, task: str) -> list[str]:
        known = self.pool.models()
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

    def _start(self, run: RunRequest) -> list[Future]:
        """Start every model of the run at once; the run's slot is given back when the last one
        returns, even if the page went away before (its models still hold a CPU or GPU)."""
        loop = asyncio.get_running_loop()
        executor = ThreadPoolExecutor(max_workers=len(run.model_ids), thread_name_prefix="live-model")
        futures = [executor.submit(self.pool.run, model_id, run.image, run.prompt, run.task)
                   for model_id in run.model_ids]
        executor.shutdown(wait=False)
        remaining = [len(futures)]

        def finished(_: Future) -> None:  # on a model thread
            remaining[0] -= 1
            if remaining[0] == 0:
                loop.call_soon_threadsafe(self.slots.give_back)

        for future in futures:
            future.add_done_callback(finished)
        return futures

    # ------------------------------------------------------------ the site

    async def site(self, request: Request) -> Response:
        if request.method not in ("GET", "HEAD"):
            await _drain(request)
            return _error(405, f"{request.method} is only accepted at /api/run")
        raw = request.scope.get("raw_path") or request.scope["path"].encode()
        try:
            path = raw.decode("ascii")
        except UnicodeDecodeError:
            path = "/\x00"  # browsers percent-encode; raw non-ASCII bytes find nothing
        found = static.resolve(self.public, path, request.url.query)
        if isinstance(found, static.Redirect):
            return RedirectResponse(found.location, status_code=301)
        status = 200
        if found is None:
            status, found = 404, static.resolve(self.public, "/404.html")
            if found is None:
                return Response(b"404: not found\n", 404, media_type="text/plain; charset=utf-8")
        # no-cache: a rebuild shows up on reload
        return FileResponse(found.path, status_code=status, media_type=found.content_type,
                            headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"})


async def _stream(run: RunRequest, futures: list[Future]) -> AsyncIterator[bytes]:
    """Each model's line the moment it finishes, then the closing line."""
    for next_done in asyncio.as_completed([asyncio.wrap_future(f) for f in futures]):
        yield _line(await next_done)
    width, height = run.image.size
    yield _line({"done": True, "width": width, "height": height})


def _line(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False).encode("utf-8") + b"\n"


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message}, status, headers={**NO_STORE, **(headers or {})})


async def _read_body(request: Request, length: int, seconds: float) -> bytes:
    """The body, which must be exactly `length` bytes and arrive within `seconds`."""
    body = bytearray()

    async def read() -> None:
        async for chunk in request.stream():
            body.extend(chunk)
            if len(body) > length:
                raise UploadError(400, f"the body is longer than its Content-Length {length}")

    try:
        await asyncio.wait_for(read(), seconds)
    except TimeoutError:
        raise UploadError(408, f"the body did not arrive within {seconds:g} s") from None
    except ClientDisconnect:
        raise UploadError(400, f"the client went away after {len(body)} of {length} bytes") from None
    if len(body) < length:
        raise UploadError(400, f"the body ended after {len(body)} of {length} bytes")
    return bytes(body)


async def _drain(request: Request) -> None:
    """Read and drop a body we refuse (bounded in bytes and time, never kept) so a client that
    is still sending reads our answer instead of a reset connection. A client that waits for
    `100 Continue` is not asked for its body at all."""
    if request.headers.get("expect", "").lower() == "100-continue":
        return
    try:
        declared = int(request.headers.get("content-length") or 0)
    except ValueError:
        return
    if declared <= 0:
        return
    deadline = time.monotonic() + DRAIN_SECONDS
    remaining = min(declared, DRAIN_BYTES)

    async def drop() -> None:
        nonlocal remaining
        async for chunk in request.stream():
            remaining -= len(chunk)
            if remaining <= 0:
                return

    try:
        await asyncio.wait_for(drop(), max(0.0, deadline - time.monotonic()))
    except (TimeoutError, ClientDisconnect):
        pass
