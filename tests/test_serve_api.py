"""`leaderboard serve`'s web application, run by the same uvicorn server the command runs, over a
site built by the real builder, with real models: the model list, NDJSON streams of real
Tesseract / RapidOCR / OpenCV answers, a served model (the runner tests' chat-completions server)
that is slow or fails, hostile requests refused with clear 4xx/5xx answers while the server keeps
serving, every bound of docs/security.md ("The live server"), and static files that never leave
public/.
"""

from __future__ import annotations

import http.client
import io
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import threading
import time
import uuid
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from PIL import Image
from conftest import REPO_ROOT, require_binary
from fixtures_runner import ASTRONAUT_FACE, ChatServer, iou
from live_fixtures import CPU_CARDS, MISSING_WEIGHTS, SERVED, TEXT_LINES, Running, astronaut_png, build_site, \
    text_png, write_live_project

from generator.catalog import load_catalog
from generator.catalog.vocab import TASKS
from generator.live import tasks
from generator.live.hosts import HostPolicy
from generator.live.models import ModelPool
from generator.live.uploads import MB, Limits, UploadError, parse_form

pytestmark = pytest.mark.models
SLOW_S = 3.0
FACE = "task=object-detection&models=opencv-haar-face"  # a model that needs no binary


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("live")
    with ChatServer(slow_s=SLOW_S) as chat:
        write_live_project(root, chat.base_url)
        public = build_site(root)
        yield public, ModelPool(load_catalog(root).cards)


@pytest.fixture(scope="module")
def server(project):
    with Running(*project) as running:
        yield running


def request(server, method, path, body=None, headers=None):
    """(status, headers, body bytes) of one request on a fresh connection."""
    connection = http.client.HTTPConnection(*server.address, timeout=60)
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
    connection = http.client.HTTPConnection(*server.address, timeout=120)
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


def png(width: int, height: int, idat: bytes, colour_type: int = 2) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


# ---------------------------------------------------------------- the API with real models

def test_models_lists_what_runs_here(server):
    require_binary("tesseract")
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
    require_binary("tesseract")
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
    status, headers, body = request(server, "POST", f"/api/run?{FACE}", body=astronaut_png(),
                                    headers={"Content-Type": "image/png"})
    assert status == 200
    answer, done = [json.loads(line) for line in body.splitlines()]
    assert done == {"done": True, "width": 512, "height": 512}
    [face] = answer["structured"]["boxes"]
    assert face["label"] == "face" and iou(face["xyxy"], ASTRONAUT_FACE) > 0.5
    x1, y1, x2, y2 = face["xyxy"]
    assert 140 <= (x1 + x2) / 2 <= 260 and 60 <= (y1 + y2) / 2 <= 220


def test_fast_model_streams_while_a_slow_one_still_works(server):
    require_binary("tesseract")
    timed = run_stream(server, text_png(), "ocr", f"{SERVED},tesseract-5", prompt="Read the text [slow]")
    (t_fast, fast), (t_slow, slow), (_, done) = timed
    assert (fast["model"], slow["model"], done["done"]) == ("tesseract-5", SERVED, True)
    assert t_slow - t_fast > SLOW_S / 2, "the fast answer must arrive while the slow model is still working"
    assert slow["output"].startswith("640x200: Read the text") and slow["input_tokens"] > 0
    assert slow["output_tokens"] > 0


def test_the_first_runs_of_two_models_take_turns():
    """A model's first run imports its libraries (numpy by RapidOCR's load and by pytesseract): two
    at once once handed a thread a half-initialised numpy on a loaded machine. Two models asked at
    the same instant load and answer one after the other the first time, and both read the text."""
    require_binary("tesseract")
    pool = ModelPool(load_catalog(REPO_ROOT).cards)
    models = ("tesseract-5", "rapidocr")
    spans: dict[str, list[tuple[float, float]]] = {m: [] for m in models}
    for model_id in models:
        adapter = pool.models()[model_id].adapter
        for name in ("load", "predict"):
            def timed(*args, real=getattr(adapter, name), model_id=model_id):
                started = time.perf_counter()
                try:
                    return real(*args)
                finally:
                    spans[model_id].append((started, time.perf_counter()))
            setattr(adapter, name, timed)
    image = Image.open(io.BytesIO(text_png())).convert("RGB")
    together = threading.Barrier(len(models))

    def run(model_id: str) -> dict:
        together.wait()
        return pool.run(model_id, image, "", "ocr")

    for round_ in range(2):
        with ThreadPoolExecutor(len(models)) as executor:
            lines = list(executor.map(run, models))
        assert all(line["error"] is None and line["output"].split("\n") == TEXT_LINES for line in lines), lines
    (a_start, a_end), (b_start, b_end) = ((spans[m][0][0], spans[m][1][1]) for m in models)  # load .. first answer
    assert a_end <= b_start or b_end <= a_start, spans
    assert all(len(spans[m]) == 3 for m in models)  # loaded once, then two answers


def test_a_failing_model_reports_in_its_own_line(server):
    lines = [line for _, line in run_stream(server, text_png(), "ocr", f"rapidocr,{SERVED}",
                                            prompt="Read the text [reject]")]
    answers = {line["model"]: line for line in lines[:-1]}
    assert "400" in answers[SERVED]["error"] and answers[SERVED]["output"] is None
    assert answers["rapidocr"]["error"] is None and answers["rapidocr"]["output"].split("\n") == TEXT_LINES


@pytest.mark.parametrize("query, message", [
    ("task=ocr&models=nobody", "unknown model 'nobody'"),
    ("task=reading&models=rapidocr", "unknown task 'reading'"),
    ("task=object-detection&models=rapidocr", "model rapidocr does not do object-detection"),
    ("task=vqa&models=chat-server", "the task vqa needs a question"),
    ("task=ocr&models=", "choose at least one model"),
    (f"task=ocr&models={MISSING_WEIGHTS}", f"model {MISSING_WEIGHTS} cannot run on this machine"),
])
def test_bad_choices_are_422(server, query, message):
    answer = request(server, "POST", f"/api/run?{query}", body=text_png())
    assert answer[0] == 422 and message in error_of(answer)


# ---------------------------------------------------------------- hostile uploads and the bounds

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
        body, headers = multipart({"task": "object-detection", "models": "opencv-haar-face"}, data,
                                  filename="photo.png")
        answer = request(server, "POST", "/api/run", body=body, headers=headers)
        assert answer[0] == status and message in error_of(answer), (status, answer)
    status, _, _ = request(server, "GET", "/api/models")
    assert status == 200
    lines = [line for _, line in run_stream(server, astronaut_png(), "object-detection", "opencv-haar-face")]
    assert lines[-1]["done"] and len(lines[0]["structured"]["boxes"]) == 1


def test_decoding_memory_is_judged_from_the_header(server):
    """6000x6000 grey+alpha is under the 40 MP limit, but Pillow keeps it at 4 bytes a pixel and
    making it RGB over white takes three more copies: 36e6 x 16 bytes + 2 MB of decoder buffers =
    551 MB, over 512 MB.
    The old server decoded it (about 600 MB for one 100 KB request)."""
    transparent = png(6000, 6000, zlib.compress(bytes(6000 * 2 + 1) * 6000), colour_type=4)
    assert len(transparent) < 200_000
    answer = request(server, "POST", f"/api/run?{FACE}", body=transparent)
    assert answer[0] == 413
    assert error_of(answer) == "the 6000x6000 LA image needs 551 MB to decode; the limit is 512 MB"
    grey = png(6000, 6000, zlib.compress(bytes(6000 + 1) * 6000), colour_type=0)  # 36e6 x (1 + 4) + 2 MB = 174 MB
    answer = request(server, "POST", f"/api/run?{FACE}", body=grey)
    assert answer[0] == 200 and json.loads(answer[2].splitlines()[-1]) == {"done": True, "width": 6000,
                                                                           "height": 6000}


def test_decoding_stays_within_its_estimate(tmp_path):
    """The estimate the 413 above relies on is an upper bound: the peak memory of decoding real
    noise images (which compress badly, so every byte is touched), measured in a fresh process."""
    script = """
import io, sys
from PIL import Image
from generator.live.uploads import Limits, decoding_bytes, open_image
def status(key):
    return int(next(l for l in open("/proc/self/status") if l.startswith(key + ":")).split()[1]) * 1024
data = open(sys.argv[1], "rb").read()
estimate = decoding_bytes(Image.open(io.BytesIO(data)))
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")  # reset the peak resident size (VmHWM) to the current one
before = status("VmRSS")
image = open_image(data, Limits())
print(image.mode, status("VmHWM") - before, estimate)
"""
    from PIL import Image

    if not Path("/proc/self/clear_refs").exists():
        pytest.skip("needs Linux's /proc/self/clear_refs to measure peak memory")
    width, height = 3000, 2000
    for mode, orientation in (("RGBA", 6), ("LA", 1), ("RGB", 8), ("L", 3)):
        # random columns tiled across: every decoded byte is written, yet the file stays small
        tile = Image.frombytes(mode, (500, height), os.urandom(500 * height * len(mode)))
        image = Image.new(mode, (width, height))
        for x in range(0, width, 500):
            image.paste(tile, (x, 0))
        exif = image.getexif()
        exif[0x0112] = orientation  # rotated: EXIF transposition makes its own copy
        path = tmp_path / f"{mode}.png"
        image.save(path, "PNG", exif=exif, compress_level=1)
        done = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True,
                              cwd=REPO_ROOT, timeout=120)
        assert done.returncode == 0, done.stderr
        out_mode, grown, estimate = done.stdout.split()
        assert out_mode == "RGB"
        # the decoded image alone is 3000 x 2000 x (1 or 4) bytes: the measurement must show it
        assert width * height <= int(grown) <= int(estimate), (mode, grown, estimate)


def test_a_50_mb_body_is_refused_without_being_read(server):
    body = bytes(50 * MB)
    started = time.perf_counter()
    answer = request(server, "POST", f"/api/run?{FACE}", body=body, headers={"Content-Type": "image/png"})
    assert answer[0] == 413 and "50.0 MB; the limit is 20 MB" in error_of(answer)
    # with Expect: 100-continue the refusal comes before a byte of the body is sent
    connection = socket.create_connection(server.address, timeout=10)
    with connection:
        connection.sendall(f"POST /api/run?{FACE} HTTP/1.1\r\nHost: 127.0.0.1\r\n".encode()
                           + b"Content-Length: 52428800\r\nExpect: 100-continue\r\n\r\n")
        reply = http.client.HTTPResponse(connection)
        reply.begin()  # the first status line: a 100 Continue would come first
        assert reply.status == 413 and b"the limit is 20 MB" in reply.read()
    assert time.perf_counter() - started < 20
    assert request(server, "GET", "/api/models")[0] == 200


def test_missing_length_and_empty_bodies(server):
    with socket.create_connection(server.address, timeout=10) as connection:
        connection.sendall(f"POST /api/run?{FACE} HTTP/1.1\r\nHost: 127.0.0.1\r\n".encode()
                           + b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
        reply = http.client.HTTPResponse(connection)
        reply.begin()
        assert reply.status == 411 and b"Content-Length" in reply.read()
    answer = request(server, "POST", f"/api/run?{FACE}", body=b"")
    assert answer[0] == 400 and "no body" in error_of(answer)
    body, headers = multipart({"task": "object-detection", "models": "opencv-haar-face"}, b"")
    answer = request(server, "POST", "/api/run", body=body, headers=headers)
    assert answer[0] == 400 and "image field is empty" in error_of(answer)


def test_multipart_parts_and_fields_are_bounded(server):
    """A 8 MB body of 100,000 one-byte parts cost the old server 15 s of CPU; it is refused at the
    ninth part. A text field over 64 KB is refused too."""
    boundary = uuid.uuid4().hex
    part = f'--{boundary}\r\nContent-Disposition: form-data; name="x"\r\n\r\n1\r\n'.encode()
    body = part * 100_000 + f"--{boundary}--\r\n".encode()
    started = time.perf_counter()
    answer = request(server, "POST", "/api/run", body=body,
                     headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert answer[0] == 413 and error_of(answer).startswith("the form has more than 8 parts")
    assert time.perf_counter() - started < 5
    body, headers = multipart({"task": "object-detection", "models": "opencv-haar-face", "prompt": "a" * 70_000},
                              astronaut_png())
    answer = request(server, "POST", "/api/run", body=body, headers=headers)
    assert answer[0] == 413 and error_of(answer) == "the form field 'prompt' is over 64 KB"


def test_parse_form_reads_fields_and_refuses_garbage():
    body, headers = multipart({"task": "ocr", "models": "a,b", "prompt": "héllo"}, b"\x89PNG bytes")
    fields = parse_form(headers["Content-Type"], body, Limits())
    assert fields == {"task": b"ocr", "models": b"a,b", "prompt": "héllo".encode(), "image": b"\x89PNG bytes"}
    with pytest.raises(UploadError, match="no boundary"):
        parse_form("multipart/form-data", body, Limits())
    with pytest.raises(UploadError, match="could not be parsed"):
        parse_form(headers["Content-Type"], b"no multipart here", Limits())


def test_runs_in_flight_are_bounded(project):
    """With --max-runs 1, a second run while the first works gets 503 and Retry-After; once the
    first has finished, runs are accepted again. The old server started every run it was sent."""
    with Running(*project, limits=Limits(max_runs=1)) as running:
        first: list = []
        thread = threading.Thread(target=lambda: first.extend(
            run_stream(running, text_png(), "ocr", SERVED, prompt="Read the text [slow]")))
        thread.start()
        time.sleep(SLOW_S / 3)
        status, headers, body = request(running, "POST", f"/api/run?{FACE}", body=astronaut_png())
        assert status == 503 and headers["Retry-After"] == "5"
        assert json.loads(body)["error"] == "1 runs are already in flight; try again in a few seconds"
        assert request(running, "GET", "/api/models")[0] == 200  # the site and the model list still answer
        thread.join(timeout=60)
        assert first[-1][1]["done"] and first[0][1]["output"].startswith("640x200: Read the text")
        assert request(running, "POST", f"/api/run?{FACE}", body=astronaut_png())[0] == 200


def test_a_slot_stays_taken_until_the_models_return_even_if_the_page_left(project):
    """Closing the connection mid-run does not free the slot while its model still works."""
    with Running(*project, limits=Limits(max_runs=1)) as running:
        body, headers = multipart({"task": "ocr", "models": SERVED, "prompt": "Read the text [slow]"}, text_png())
        connection = http.client.HTTPConnection(*running.address, timeout=30)
        connection.request("POST", "/api/run", body=body, headers=headers)
        time.sleep(0.5)
        connection.close()  # the page went away
        time.sleep(0.5)
        assert request(running, "POST", f"/api/run?{FACE}", body=astronaut_png())[0] == 503
        deadline = time.monotonic() + SLOW_S + 10
        while request(running, "POST", f"/api/run?{FACE}", body=astronaut_png())[0] == 503:
            assert time.monotonic() < deadline, "the slot never came back"
            time.sleep(0.5)


def test_open_connections_are_bounded(project):
    """Past CONNECTIONS open connections uvicorn answers 503 itself, before the app runs."""
    from generator.serve import CONNECTIONS

    with Running(*project) as running:
        idle = [socket.create_connection(running.address, timeout=10) for _ in range(CONNECTIONS)]
        try:
            time.sleep(0.3)
            assert request(running, "GET", "/api/models")[0] == 503
        finally:
            for connection in idle:
                connection.close()
        time.sleep(0.3)
        assert request(running, "GET", "/api/models")[0] == 200


def test_uploads_never_touch_the_disk(tmp_path):
    """A real request through the real app and Tesseract, RapidOCR and OpenCV, in a fresh process
    whose audit hook records every file opened for writing and every temporary file or folder
    made: there are none. (pytesseract wrote the upload to /tmp/tess_* and left it after a crash.)"""
    require_binary("tesseract")
    script = r"""
import http.client, json, sys, uuid
sys.path.insert(0, "tests")
from live_fixtures import Running, astronaut_png, build_site, text_png, write_live_project
from generator.catalog import load_catalog
from generator.live.models import ModelPool
from pathlib import Path
root = Path(sys.argv[1])
write_live_project(root)
pool = ModelPool(load_catalog(root).cards)
public = build_site(root)
writes = []
def hook(event, args):
    if event == "open" and (isinstance(args[0], int) or args[0] == "/dev/null"):
        return  # pipes to a subprocess
    if event == "open" and ((args[1] and any(c in str(args[1]) for c in "wax+")) or (args[2] or 0) & 0o3):
        writes.append(("open", str(args[0])))
    elif event in ("tempfile.mkstemp", "tempfile.mkdtemp") or (event == "os.mkdir" and not Path(args[0]).exists()):
        writes.append((event, str(args[0])))
with Running(public, pool) as running:
    for model in pool.models().values():
        if model.available:
            model.adapter.load(); model.loaded = True
    sys.addaudithook(hook)
    for image, task, models in ((text_png(), "ocr", "tesseract-5,rapidocr"),
                                (astronaut_png(), "object-detection", "opencv-haar-face")):
        boundary = uuid.uuid4().hex
        body = (f'--{boundary}\r\nContent-Disposition: form-data; name="image"; filename="x.png"\r\n\r\n'.encode()
                + image + f'\r\n--{boundary}--\r\n'.encode())
        connection = http.client.HTTPConnection(*running.address, timeout=120)
        connection.request("POST", f"/api/run?task={task}&models={models}", body=body,
                           headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
        lines = [json.loads(line) for line in connection.getresponse().read().splitlines()]
        assert lines[-1]["done"] and all(line["error"] is None for line in lines[:-1]), lines
written = [w for w in writes if not w[1].endswith(".pyc") and "__pycache__" not in w[1]]
print(json.dumps(written))
"""
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True,
                          cwd=REPO_ROOT, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads(done.stdout.splitlines()[-1]) == []


# ---------------------------------------------------------------- hosts and origins (DNS rebinding)

def test_a_rebound_host_name_is_refused(server):
    """A page on evil.example whose name now resolves to 127.0.0.1 sends Host: evil.example and
    Origin: http://evil.example:PORT. The old server compared Origin with Host and ran models."""
    evil = f"evil.example:{server.port}"
    body, form = multipart({"task": "object-detection", "models": "opencv-haar-face"}, astronaut_png())
    for method, path, payload, headers in (
            ("POST", "/api/run", body, {**form, "Host": evil, "Origin": f"http://{evil}"}),
            ("GET", "/api/models", None, {"Host": evil}),
            ("GET", "/", None, {"Host": evil})):
        answer = request(server, method, path, payload, headers)
        assert answer[0] == 400, (method, path)
        assert error_of(answer).startswith("this server does not answer to the host 'evil.example:")
        assert "--allow-host" in error_of(answer)
    for name in ("localhost", "127.0.0.1", "LOCALHOST"):
        assert request(server, "GET", "/api/models", headers={"Host": f"{name}:{server.port}"})[0] == 200


def test_allow_host_adds_a_name(project):
    with Running(*project, allow_hosts=["gpu-box.lan"]) as running:
        assert request(running, "GET", "/", headers={"Host": f"gpu-box.lan:{running.port}"})[0] == 200
        assert request(running, "GET", "/", headers={"Host": "other.lan"})[0] == 400


def test_host_policy():
    loopback = HostPolicy.for_bind("127.0.0.1", 8000)
    assert loopback.names == {"127.0.0.1", "localhost", "::1"} and not loopback.any_ip
    assert loopback.host_allowed("127.0.0.1:8000") and loopback.host_allowed("[::1]:8000")
    assert loopback.host_allowed("localhost")
    for header in ("evil.example", "192.168.1.5:8000", "", None, "[::1", "localhost.evil.example"):
        assert not loopback.host_allowed(header), header
    assert loopback.origin_allowed(None)  # not a browser
    assert loopback.origin_allowed("http://localhost:8000") and loopback.origin_allowed("http://127.0.0.1:8000")
    for origin in ("http://127.0.0.1:9000", "http://evil.example:8000", "https://127.0.0.1:8000", "null",
                   "http://127.0.0.1:99999"):
        assert not loopback.origin_allowed(origin), origin
    wildcard = HostPolicy.for_bind("0.0.0.0", 80, allow_hosts=("Box.LAN",))
    assert wildcard.host_allowed("192.168.1.5") and wildcard.host_allowed("[fe80::1]:80")
    assert wildcard.host_allowed("box.lan") and not wildcard.host_allowed("evil.example")
    assert wildcard.origin_allowed("http://192.168.1.5") and not wildcard.origin_allowed("http://evil.example")
    lan = HostPolicy.for_bind("192.168.1.5", 8000)
    assert lan.names == {"192.168.1.5"} and not lan.host_allowed("localhost")
    sited = HostPolicy.for_bind("127.0.0.1", 8000, allow_origins=("https://someone.github.io",))
    assert sited.origin_allowed("https://someone.github.io") and not sited.origin_allowed("https://someone.github.com")


def test_only_allowed_origins_may_call_the_api_across_origins(project, server):
    site = "https://someone.github.io"
    with Running(*project, allow_origins=[site]) as other:
        _, headers, _ = request(other, "GET", "/api/models", headers={"Origin": site})
        assert headers["Access-Control-Allow-Origin"] == site
        _, headers, _ = request(other, "GET", "/api/models", headers={"Origin": "https://elsewhere.example"})
        assert "Access-Control-Allow-Origin" not in headers
        status, headers, _ = request(other, "OPTIONS", "/api/run",
                                     headers={"Origin": site, "Access-Control-Request-Method": "POST"})
        assert status == 200 and "POST" in headers["Access-Control-Allow-Methods"]
        _, headers, _ = request(server, "GET", "/api/models", headers={"Origin": site})  # no --allow-origin
        assert "Access-Control-Allow-Origin" not in headers
        # a page elsewhere cannot start runs here (a simple POST needs no preflight, so refuse it outright)
        body, form = multipart({"task": "object-detection", "models": "opencv-haar-face"}, b"not even read")
        status, _, answer = request(other, "POST", "/api/run", body, {**form, "Origin": "https://elsewhere.example"})
        assert status == 403 and "--allow-origin" in json.loads(answer)["error"]
        assert request(server, "POST", "/api/run", body, {**form, "Origin": site})[0] == 403
        # another local server (another port) is another site
        assert request(server, "POST", "/api/run", body, {**form, "Origin": "http://127.0.0.1:1"})[0] == 403
        for own in (f"http://127.0.0.1:{server.port}", f"http://localhost:{server.port}"):
            status, _, answer = request(server, "POST", "/api/run", body, {**form, "Origin": own})
            assert status == 415, own  # its own pages pass the check and reach the upload validation


# ---------------------------------------------------------------- the site's files

def test_static_files_come_from_public_only(server, tmp_path):
    status, headers, body = request(server, "GET", "/")
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8" and b"<html" in body
    assert headers["X-Content-Type-Options"] == "nosniff" and headers["Cache-Control"] == "no-cache"
    status, headers, _ = request(server, "GET", "/static/site.css")
    assert status == 200 and headers["Content-Type"] == "text/css; charset=utf-8"
    status, headers, body = request(server, "GET", "/static/playground.js")
    assert status == 200 and headers["Content-Type"] == "text/javascript; charset=utf-8" and b"NDJSON" in body
    status, headers, _ = request(server, "GET", "/playground")
    assert status == 301 and headers["Location"] == "/playground/"
    status, headers, _ = request(server, "GET", "/playground?x=1")
    assert status == 301 and headers["Location"] == "/playground/?x=1"
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
            assert status in (400, 404) and b"root:" not in body, path
        status, headers, body = request(server, "HEAD", "/")
        assert status == 200 and body == b"" and int(headers["Content-Length"]) > 0
        assert request(server, "GET", "//playground")[1]["Location"] == "/playground/"
        assert request(server, "POST", "/index.html", b"x")[0] == 405
        assert request(server, "GET", "/api/nothing")[0] == 404
        assert request(server, "GET", "/api/run")[0] == 405
    finally:
        (server.public / "escape").unlink()


def test_every_task_of_the_vocabulary_has_a_playground_prompt():
    assert set(tasks.PROMPTS) == set(TASKS)
    assert tasks.prompt_for("vqa", "  ") is None and tasks.prompt_for("vqa", " How many? ") == "How many?"
    assert tasks.prompt_for("ocr", "") == "Read all the text in the image."


def test_serve_refuses_a_busy_port_with_a_message(tmp_path):
    """The command itself: a port in use is a one-line error, not a traceback."""
    from click.testing import CliRunner

    from generator.cli import main

    write_live_project(tmp_path)
    (tmp_path / "public").mkdir()
    (tmp_path / "public" / "index.html").write_text("<html></html>")
    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = busy.getsockname()[1]
        result = CliRunner().invoke(main, ["serve", "--root", str(tmp_path), "--no-build", "--port", str(port)])
    assert result.exit_code == 1 and f"cannot listen on 127.0.0.1:{port}" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_a_site_build_never_imports_the_web_stack():
    """`leaderboard build` works without the runner extra, which brings the web stack."""
    done = subprocess.run([sys.executable, "-c", "import sys, generator.site.build, generator.site.commands, "
                           "generator.cli; print(sorted(m for m in sys.modules if m.split('.')[0] in "
                           "('starlette', 'uvicorn', 'python_multipart')))"],
                          capture_output=True, text=True, cwd=REPO_ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_rapidocr_turns_onnxruntime_telemetry_off(monkeypatch):
    """onnxruntime can send usage telemetry; the RapidOCR adapter switches it off before loading."""
    import onnxruntime

    from generator.catalog.schemas import Runner
    from generator.runner.adapter import make_adapter

    calls = []
    monkeypatch.setattr(onnxruntime, "disable_telemetry_events", lambda: calls.append("off"))
    adapter = make_adapter(Runner(adapter="rapidocr", model="rapidocr"))
    assert calls == []
    adapter.load()
    assert calls == ["off"]


def test_a_model_whose_adapter_module_is_not_installed_is_listed_unavailable_with_the_reason(tmp_path, monkeypatch):
    """Availability is decided without importing the backend: a missing module (here one that
    cannot exist) makes the model unavailable, naming the module, instead of failing at first use."""
    from generator.runner.adapters.opencv import OpenCVAdapter

    root = tmp_path / "project"
    shutil.copytree(REPO_ROOT / "model_cards", root / "model_cards")
    shutil.copy(REPO_ROOT / "site.yaml", root / "site.yaml")
    monkeypatch.setattr(OpenCVAdapter, "requires", ("cv2", "no_such_module_for_this_test"))
    models = ModelPool(load_catalog(root).cards).models()
    haar = models["opencv-haar-face"]
    assert not haar.available
    assert haar.reason == ("the opencv adapter needs no_such_module_for_this_test, not installed here "
                           "(pip install -e '.[runner]')")
    assert models["rapidocr"].available, models["rapidocr"].reason
