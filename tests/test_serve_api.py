"""`leaderboard serve`'s HTTP server, over a site built by the real builder, with real models:
the model list, NDJSON streams of real Tesseract / RapidOCR / OpenCV answers, a served model
(the runner tests' chat-completions server) that is slow or fails, hostile uploads refused with
clear 4xx answers while the server keeps serving, and static files that never leave public/.
"""

from __future__ import annotations

import http.client
import json
import socket
import struct
import threading
import time
import uuid
import zlib

import pytest
from conftest import require_binary
from fixtures_runner import ASTRONAUT_FACE, ChatServer, iou
from live_fixtures import CPU_CARDS, MISSING_WEIGHTS, SERVED, TEXT_LINES, astronaut_png, build_site, text_png, \
    write_live_project

from generator.catalog import load_catalog
from generator.catalog.vocab import TASKS
from generator.live import tasks
from generator.live.api import LiveServer
from generator.live.models import ModelPool
from generator.live.uploads import MB, Limits

pytestmark = pytest.mark.models
SLOW_S = 3.0


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    require_binary("tesseract")
    root = tmp_path_factory.mktemp("live")
    with ChatServer(slow_s=SLOW_S) as chat:
        write_live_project(root, chat.base_url)
        public = build_site(root)
        live = LiveServer(("127.0.0.1", 0), public, ModelPool(load_catalog(root).cards), Limits(), quiet=True)
        thread = threading.Thread(target=live.serve_forever, daemon=True)
        thread.start()
        yield live
        live.shutdown()
        live.server_close()


def request(server, method, path, body=None, headers=None):
    """(status, headers, body bytes) of one request on a fresh connection."""
    connection = http.client.HTTPConnection(*server.server_address[:2], timeout=60)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def multipart(fields: dict[str, str], image: bytes, filename: str = "upload.png") -> tuple[bytes, dict]:
    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
             for name, value in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="image"; filename="{filename}"\r\n'
                 f"Content-Type: image/png\r\n\r\n".encode() + image + b"\r\n")
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    return body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}


def run_stream(server, image: bytes, task: str, models: str, prompt: str = "") -> list[tuple[float, dict]]:
    """POST /api/run and read the NDJSON answer line by line: [(seconds since the request, line)]."""
    body, headers = multipart({"task": task, "models": models, "prompt": prompt}, image)
    connection = http.client.HTTPConnection(*server.server_address[:2], timeout=120)
    started = time.perf_counter()
    try:
        connection.request("POST", "/api/run", body=body, headers=headers)
        response = connection.getresponse()
        assert response.status == 200, response.read()
        assert response.headers["Content-Type"] == "application/x-ndjson"
        lines = []
        while line := response.readline():
            lines.append((time.perf_counter() - started, json.loads(line)))
        return lines
    finally:
        connection.close()


def error_of(status_headers_body) -> str:
    status, headers, body = status_headers_body
    assert headers["Content-Type"] == "application/json"
    return json.loads(body)["error"]


def png(width: int, height: int, idat: bytes) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def test_models_lists_what_runs_here(server):
    status, headers, body = request(server, "GET", "/api/models")
    assert status == 200 and headers["Content-Type"] == "application/json"
    payload = json.loads(body)
    models = {m["id"]: m for m in payload["models"]}
    assert set(models) == {*CPU_CARDS, MISSING_WEIGHTS, SERVED}
    for card_id in (*CPU_CARDS, SERVED):
        assert models[card_id]["available"] and models[card_id]["reason"] is None, models[card_id]
    assert models["tesseract-5"]["tasks"] == ["ocr", "ocr-with-regions"]
    assert models["opencv-haar-face"]["tasks"] == ["object-detection"]
    missing = models[MISSING_WEIGHTS]
    assert not missing["available"] and "not on this machine" in missing["reason"]
    tasks = {t["id"]: t for t in payload["tasks"]}
    assert tasks["vqa"]["prompt_required"] and not tasks["ocr"]["prompt_required"]
    assert tasks["object-detection"]["boxes"] and not tasks["ocr"]["boxes"]
    assert payload["limits"] == {"max_bytes": 20 * MB, "max_pixels": 40_000_000,
                                 "formats": ["PNG", "JPEG", "WEBP", "GIF", "BMP"]}


def test_ocr_models_stream_real_text(server):
    lines = [line for _, line in run_stream(server, text_png(), "ocr", "tesseract-5,rapidocr")]
    assert lines[-1] == {"done": True, "width": 640, "height": 200}
    answers = {line["model"]: line for line in lines[:-1]}
    assert set(answers) == {"tesseract-5", "rapidocr"}
    for answer in answers.values():
        assert answer["error"] is None
        assert answer["output"].split("\n") == TEXT_LINES
        assert [line["text"] for line in answer["structured"]["lines"]] == TEXT_LINES
        first = answer["structured"]["lines"][0]["xyxy"]
        assert 0 <= first[0] < first[2] <= 640 and 0 <= first[1] < first[3] <= 100  # the first line's box
        assert answer["latency_s"] > 0 and answer["input_tokens"] is None and answer["output_tokens"] is None


def test_face_detector_finds_the_astronaut_from_a_raw_body(server):
    status, headers, body = request(server, "POST", "/api/run?task=object-detection&models=opencv-haar-face",
                                    body=astronaut_png(), headers={"Content-Type": "image/png"})
    assert status == 200
    answer, done = [json.loads(line) for line in body.splitlines()]
    assert done == {"done": True, "width": 512, "height": 512}
    [face] = answer["structured"]["boxes"]
    assert face["label"] == "face" and iou(face["xyxy"], ASTRONAUT_FACE) > 0.5
    x1, y1, x2, y2 = face["xyxy"]
    assert 140 <= (x1 + x2) / 2 <= 260 and 60 <= (y1 + y2) / 2 <= 220


def test_fast_model_streams_while_a_slow_one_still_works(server):
    timed = run_stream(server, text_png(), "ocr", f"{SERVED},tesseract-5", prompt="Read the text [slow]")
    (t_fast, fast), (t_slow, slow), (_, done) = timed
    assert (fast["model"], slow["model"], done["done"]) == ("tesseract-5", SERVED, True)
    assert t_slow - t_fast > SLOW_S / 2, "the fast answer must arrive while the slow model is still working"
    assert slow["output"].startswith("640x200: Read the text") and slow["input_tokens"] > 0
    assert slow["output_tokens"] > 0


def test_a_failing_model_reports_in_its_own_line(server):
    lines = [line for _, line in run_stream(server, text_png(), "ocr", f"tesseract-5,{SERVED}",
                                            prompt="Read the text [reject]")]
    answers = {line["model"]: line for line in lines[:-1]}
    assert "400" in answers[SERVED]["error"] and answers[SERVED]["output"] is None
    assert answers["tesseract-5"]["error"] is None and answers["tesseract-5"]["output"].split("\n") == TEXT_LINES


@pytest.mark.parametrize("query, message", [
    ("task=ocr&models=nobody", "unknown model 'nobody'"),
    ("task=reading&models=tesseract-5", "unknown task 'reading'"),
    ("task=object-detection&models=tesseract-5", "model tesseract-5 does not do object-detection"),
    ("task=vqa&models=chat-server", "the task vqa needs a question"),
    ("task=ocr&models=", "choose at least one model"),
    (f"task=ocr&models={MISSING_WEIGHTS}", f"model {MISSING_WEIGHTS} cannot run on this machine"),
])
def test_bad_choices_are_422(server, query, message):
    answer = request(server, "POST", f"/api/run?{query}", body=text_png())
    assert answer[0] == 422 and message in error_of(answer)


def test_hostile_uploads_get_clear_4xx_and_the_server_keeps_serving(server):
    bomb = png(30000, 30000, zlib.compress(b"\0" * 1000))  # declares 900 MP in 100 bytes
    too_many_pixels = png(7000, 7000, zlib.compress(b"\0" * 1000))  # under Pillow's own guard, over ours
    whole = astronaut_png()
    cases = [
        (bomb, 413, "decompression bomb"),
        (too_many_pixels, 413, "7000x7000 = 49.0 megapixels; the limit is 40 megapixels"),
        (whole[: len(whole) // 2], 400, "truncated or corrupt"),
        (whole[:-40] + bytes(40), 400, "truncated or corrupt"),  # IEND and CRCs zeroed
        (b"hello, I am a text file with a .png name\n", 415, "not an image this server accepts"),
        (b"GIF89a" + bytes(20), 400, "starts like a GIF image but its header is truncated or corrupt"),
    ]
    for data, status, message in cases:
        body, headers = multipart({"task": "ocr", "models": "tesseract-5"}, data, filename="photo.png")
        answer = request(server, "POST", "/api/run", body=body, headers=headers)
        assert answer[0] == status and message in error_of(answer), (status, answer)
    status, _, _ = request(server, "GET", "/api/models")
    assert status == 200
    lines = [line for _, line in run_stream(server, text_png(), "ocr", "tesseract-5")]
    assert lines[0]["output"].split("\n") == TEXT_LINES


def test_a_50_mb_body_is_refused_without_being_kept(server):
    body = bytes(50 * MB)
    started = time.perf_counter()
    answer = request(server, "POST", "/api/run?task=ocr&models=tesseract-5", body=body,
                     headers={"Content-Type": "image/png"})
    assert answer[0] == 413 and "50.0 MB; the limit is 20 MB" in error_of(answer)
    # with Expect: 100-continue the refusal comes before a byte of the body is sent
    connection = socket.create_connection(server.server_address[:2], timeout=10)
    with connection:
        connection.sendall(b"POST /api/run?task=ocr&models=tesseract-5 HTTP/1.1\r\nHost: x\r\n"
                           b"Content-Length: 52428800\r\nExpect: 100-continue\r\n\r\n")
        reply = connection.makefile("rb").read()
    assert reply.startswith(b"HTTP/1.1 413") and b"the limit is 20 MB" in reply
    assert time.perf_counter() - started < 20
    assert request(server, "GET", "/api/models")[0] == 200


def test_missing_length_and_empty_bodies(server):
    with socket.create_connection(server.server_address[:2], timeout=10) as connection:
        connection.sendall(b"POST /api/run?task=ocr&models=tesseract-5 HTTP/1.1\r\nHost: x\r\n"
                           b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
        reply = connection.makefile("rb").read()
    assert reply.startswith(b"HTTP/1.1 411") and b"Content-Length" in reply
    answer = request(server, "POST", "/api/run?task=ocr&models=tesseract-5", body=b"")
    assert answer[0] == 400 and "no body" in error_of(answer)
    body, headers = multipart({"task": "ocr", "models": "tesseract-5"}, b"")
    answer = request(server, "POST", "/api/run", body=body, headers=headers)
    assert answer[0] == 400 and "image field is empty" in error_of(answer)


def test_static_files_come_from_public_only(server, tmp_path):
    status, headers, body = request(server, "GET", "/")
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8" and b"<html" in body
    status, headers, _ = request(server, "GET", "/static/site.css")
    assert status == 200 and headers["Content-Type"] == "text/css; charset=utf-8"
    status, headers, body = request(server, "GET", "/static/playground.js")
    assert status == 200 and headers["Content-Type"] == "text/javascript; charset=utf-8" and b"NDJSON" in body
    status, headers, _ = request(server, "GET", "/playground")
    assert status == 301 and headers["Location"] == "/playground/"
    status, _, body = request(server, "GET", "/playground/")
    assert status == 200 and b'id="pg-drop"' in body
    not_found = (server.public / "404.html").read_bytes()
    status, _, body = request(server, "GET", "/no/such/page/")
    assert status == 404 and body == not_found
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0")
    (server.public / "escape").symlink_to(tmp_path)
    try:
        for path in ("/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/static/..%2f..%2f..%2fetc%2fpasswd",
                     "/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd", "//etc/passwd", "/static/%00", "/static\\..\\..\\x",
                     "/escape/secret.txt", "/%ff%fe"):
            status, _, body = request(server, "GET", path)
            assert status == 404 and b"root:" not in body, path
        assert request(server, "HEAD", "/")[2] == b""
        assert request(server, "GET", "//playground")[1]["Location"] == "/playground/"
    finally:
        (server.public / "escape").unlink()


def test_only_allowed_origins_may_call_the_api_across_origins(server):
    site = "https://someone.github.io"
    other = LiveServer(("127.0.0.1", 0), server.public, server.pool, Limits(), frozenset({site}), quiet=True)
    threading.Thread(target=other.serve_forever, daemon=True).start()
    try:
        _, headers, _ = request(other, "GET", "/api/models", headers={"Origin": site})
        assert headers["Access-Control-Allow-Origin"] == site
        _, headers, _ = request(other, "GET", "/api/models", headers={"Origin": "https://elsewhere.example"})
        assert "Access-Control-Allow-Origin" not in headers
        status, headers, _ = request(other, "OPTIONS", "/api/run", headers={"Origin": site})
        assert status == 204 and "POST" in headers["Access-Control-Allow-Methods"]
        _, headers, _ = request(server, "GET", "/api/models", headers={"Origin": site})  # no --allow-origin
        assert "Access-Control-Allow-Origin" not in headers
        # a page elsewhere cannot start runs here (a simple POST needs no preflight, so refuse it outright)
        body, form = multipart({"task": "ocr", "models": "tesseract-5"}, b"not even read")
        status, _, answer = request(other, "POST", "/api/run", body, {**form, "Origin": "https://elsewhere.example"})
        assert status == 403 and "--allow-origin" in json.loads(answer)["error"]
        status, _, answer = request(server, "POST", "/api/run", body, {**form, "Origin": site})
        assert status == 403
        own = "http://{}:{}".format(*server.server_address[:2])
        status, _, answer = request(server, "POST", "/api/run", body, {**form, "Origin": own})
        assert status == 415  # same origin passes the check and reaches the upload validation
    finally:
        other.shutdown()
        other.server_close()


def test_every_task_of_the_vocabulary_has_a_playground_prompt():
    assert set(tasks.PROMPTS) == set(TASKS)
    assert tasks.prompt_for("vqa", "  ") is None and tasks.prompt_for("vqa", " How many? ") == "How many?"
    assert tasks.prompt_for("ocr", "") == "Read all the text in the image."
