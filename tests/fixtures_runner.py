"""Test helpers for the runner: a small real project (suite, images, cards) and a real HTTP
server that speaks the chat-completions protocol.

The images are real inputs for real models: text rendered with DejaVu Sans (PIL's own font if
DejaVu is missing), scikit-image's astronaut photo (one face) and a warehouse photo with one
standing worker from Roboflow's Vision AI Checkup (MIT, read from ../shared into the temporary
project only). Expected boxes
were read off the images by eye and checked against drawn overlays.
"""

from __future__ import annotations

import base64
import io
import json
import re
import shutil
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml
from conftest import require_shared
from PIL import Image, ImageDraw, ImageFont

SUITE = "runner-fixture"
WAREHOUSE_PHOTO = ("vision-ai-checkup", "images", "zone_understanding.jpeg")  # under ../shared/external
DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")

# hand-checked ground truth, original-image pixels [x1, y1, x2, y2]
ASTRONAUT_FACE = [175, 60, 275, 168]  # skimage.data.astronaut(), 512x512
WAREHOUSE_WORKER = [88, 5, 162, 172]  # zone_understanding.jpeg, 640x356
INVOICE_TEXT = "INVOICE 2024-117\nTotal due: $42.50"
SIGN_TEXT = "OPEN 24 HOURS"


def font(size: int) -> ImageFont.ImageFont:
    return ImageFont.truetype(str(DEJAVU), size) if DEJAVU.exists() else ImageFont.load_default(size=size)


def text_image(lines: list[str], size: tuple[int, int], font_size: int = 40) -> Image.Image:
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((24, 30 + i * int(font_size * 2)), line, font=font(font_size), fill="black")
    return image


def prompt(pid: str, image: str, category: str, task: str, text: str, expected: Any = None,
           grader: str | None = None, **options: Any) -> dict:
    entry = {"id": pid, "image": image, "category": category, "task": task, "prompt": text}
    if expected is not None:
        entry["expected"] = expected
        entry["grader"] = {"name": grader, "options": options}
    return entry


def standard_prompts() -> list[dict]:
    return [
        prompt("ocr-invoice", "invoice.png", "text", "ocr", "Read all the text in the image.", INVOICE_TEXT, "ocr-text"),
        prompt("ocr-sign-regions", "sign.png", "text", "ocr-with-regions", "Read the text and give each line's box.",
               SIGN_TEXT, "exact"),
        prompt("faces-astronaut", "astronaut.png", "faces", "object-detection", "Detect every face.",
               {"boxes": [{"xyxy": ASTRONAUT_FACE, "label": "face"}]}, "detection", iou=0.5),
        prompt("count-faces", "astronaut.png", "faces", "vqa", "How many faces are in the image? Answer with a number.",
               1, "number"),
        prompt("caption-astronaut", "astronaut.png", "faces", "captioning", "Describe the image."),
        prompt("people-warehouse", "warehouse.jpeg", "people", "object-detection", "Detect every person.",
               {"boxes": [{"xyxy": WAREHOUSE_WORKER, "label": "person"}]}, "detection", iou=0.5),
    ]


def write_suite(root: Path, prompts: list[dict] | None = None, suite_id: str = SUITE, version: str = "1",
                source: dict | None = None) -> Path:
    """evals/suites/<suite_id>/ with real images and the given prompts (default: the standard set);
    with a `source` (an imported suite) they may have `image_missing` instead of an image. An
    image that cannot be read is refused by validation, so `break_image` spoils one afterwards."""
    from skimage import data

    folder = root / "evals" / "suites" / suite_id
    (folder / "images").mkdir(parents=True, exist_ok=True)
    text_image(INVOICE_TEXT.split("\n"), (640, 200)).save(folder / "images" / "invoice.png")
    text_image([SIGN_TEXT], (520, 120), font_size=48).save(folder / "images" / "sign.png")
    Image.fromarray(data.astronaut()).save(folder / "images" / "astronaut.png")
    prompts = standard_prompts() if prompts is None else prompts
    images = [
        {"file": "images/invoice.png", "source": "rendered by tests/fixtures_runner.py", "license": "CC0-1.0"},
        {"file": "images/sign.png", "source": "rendered by tests/fixtures_runner.py", "license": "CC0-1.0"},
        {"file": "images/astronaut.png", "source": "scikit-image data.astronaut() (NASA)", "license": "public domain"},
    ]
    if any((p.get("image") or "").removeprefix("images/") == "warehouse.jpeg" for p in prompts):
        # a third-party photo, read from ../shared (never committed): absent on a fresh clone
        shutil.copyfile(require_shared(*WAREHOUSE_PHOTO), folder / "images" / "warehouse.jpeg")
        images.append({"file": "images/warehouse.jpeg", "license": "MIT",
                       "source": "roboflow/vision-ai-checkup images/compressed/zone_understanding.jpeg"})
    for p in prompts:
        if "image" in p and not p["image"].startswith("images/"):
            p["image"] = f"images/{p['image']}"
    suite = {
        "id": suite_id, "name": "Runner fixture", "version": version, "description": "Small real suite for runner tests.",
        "categories": [{"id": c, "name": c.title()} for c in ("text", "faces", "people")],
        "images": images, "prompts": prompts, **({"source": source} if source else {}),
    }
    (folder / "suite.yaml").write_text(yaml.safe_dump(suite, sort_keys=False))
    return folder


def break_image(root: Path, name: str, suite_id: str = SUITE) -> None:
    """Replace a suite image with bytes that are no image, as a disk or a sync tool might after
    validation: the runner must record that prompt's error and go on."""
    (root / "evals" / "suites" / suite_id / "images" / name).write_bytes(b"\x89PNG\r\n\x1a\n this is not an image")


def write_card(root: Path, model_id: str, runner: dict, tasks: list[str] | None = None) -> Path:
    card = {
        "id": model_id, "name": model_id, "organization": "Test", "access": "open",
        "modalities": {"inputs": ["image", "text"], "outputs": ["text"]}, "release_date": None,
        "license": {"id": "Apache-2.0"}, "tasks": tasks or ["ocr"], "overview": "A model for runner tests.",
        "runner": runner,
    }
    folder = root / "model_cards"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{model_id}.yaml"
    path.write_text(yaml.safe_dump(card, sort_keys=False))
    return path


CPU_CARDS = {
    "tesseract": {"adapter": "tesseract"},
    "rapidocr": {"adapter": "rapidocr"},
    "haar-face": {"adapter": "opencv", "model": "haar-frontalface-default"},
    "hog-people": {"adapter": "opencv", "model": "hog-people"},
}


def write_project(root: Path, prompts: list[dict] | None = None) -> Path:
    """A project with the suite and one card per CPU adapter (ids: the keys of CPU_CARDS)."""
    write_suite(root, prompts)
    for model_id, runner in CPU_CARDS.items():
        write_card(root, model_id, runner)
    return root


def run_files(root: Path, model: str, suite: str = SUITE) -> list[Path]:
    return sorted((root / "evals" / "runs" / suite / model).glob("*.jsonl"))


def read_records(root: Path, model: str, suite: str = SUITE) -> list[dict]:
    """Every complete line of every run file (a torn last line is what a kill leaves: skipped)."""
    records = []
    for path in run_files(root, model, suite):
        for line in path.read_text().splitlines(keepends=True):
            if line.endswith("\n"):
                records.append(json.loads(line))
    return records


def iou(a: list[float], b: list[float]) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union else 0.0


# ---------------------------------------------------------------- chat-completions server


class Listener(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the default backlog of 5 drops simultaneous connects (1 s SYN retry)


class ChatServer:
    """A real HTTP server on 127.0.0.1 that speaks OpenAI chat completions, for tests and the bench.

    It answers "<width>x<height>: <text>" (proving the image arrived decodable), or for prompts
    containing "detect" a Gemini-style `box_2d` JSON answer (DETECTION_BOX_2D on the 0-1000 grid).
    Markers in the prompt text script failures: "[flaky]" answers 429 (Retry-After: 0), then 500,
    then succeeds; "[reject]" always answers 400; "[slow]" waits `slow_s` first. Every request
    waits `delay_s`. It counts requests and the most that were in flight at once.
    """

    DETECTION_BOX_2D = [100, 200, 500, 600]  # y1, x1, y2, x2 on 0-1000

    def __init__(self, delay_s: float = 0.0, slow_s: float = 5.0, api_key: str | None = None):
        self.delay_s, self.slow_s, self.api_key = delay_s, slow_s, api_key
        self.lock = threading.Lock()
        self.in_flight = self.max_in_flight = 0
        self.requests: list[dict] = []  # {"text", "status", "authorization", "body"} per request
        self.attempts: dict[str, int] = {}
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # one small answer must not wait for a delayed ACK

            def log_message(self, *args):  # keep test output clean
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length))
                with server.lock:
                    server.in_flight += 1
                    server.max_in_flight = max(server.max_in_flight, server.in_flight)
                try:
                    status, payload, headers = server.answer(self.path, body, self.headers.get("Authorization"))
                finally:
                    with server.lock:
                        server.in_flight -= 1
                data = json.dumps(payload).encode()
                self.send_response(status)
                for name, value in {"Content-Type": "application/json", "Content-Length": str(len(data)), **headers}.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

        self.httpd = Listener(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def answer(self, path: str, body: dict, authorization: str | None) -> tuple[int, dict, dict]:
        parts = body["messages"][0]["content"]
        text = next(p["text"] for p in parts if p["type"] == "text")
        url = next(p["image_url"]["url"] for p in parts if p["type"] == "image_url")
        with self.lock:
            attempt = self.attempts[text] = self.attempts.get(text, 0) + 1
        status, payload, headers = self._reply(path, body, authorization, text, url, attempt)
        with self.lock:
            self.requests.append({"text": text, "status": status, "authorization": authorization, "body": body})
        return status, payload, headers

    def _reply(self, path, body, authorization, text, url, attempt):
        time.sleep(self.delay_s + (self.slow_s if "[slow]" in text else 0))
        if path != "/v1/chat/completions":
            return 404, {"error": {"message": f"no route {path}"}}, {}
        if self.api_key is not None and authorization != f"Bearer {self.api_key}":
            return 401, {"error": {"message": "bad API key"}}, {}
        if "[reject]" in text:
            return 400, {"error": {"message": "this prompt is rejected on purpose"}}, {}
        if "[flaky]" in text and attempt == 1:
            return 429, {"error": {"message": "slow down"}}, {"Retry-After": "0"}
        if "[flaky]" in text and attempt == 2:
            return 500, {"error": {"message": "internal error"}}, {}
        match = re.match(r"data:image/png;base64,(.*)", url)
        image = Image.open(io.BytesIO(base64.b64decode(match.group(1))))
        if "detect" in text.lower():
            content = "```json\n" + json.dumps([{"box_2d": self.DETECTION_BOX_2D, "label": "face"}]) + "\n```"
        else:
            content = f"{image.width}x{image.height}: {text}"
        usage = {"prompt_tokens": 10 + len(text.split()), "completion_tokens": len(content.split())}
        return 200, {"id": "chatcmpl-test", "object": "chat.completion", "model": body["model"],
                     "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                                  "finish_reason": "stop"}], "usage": usage}, {}

    def __enter__(self) -> "ChatServer":
        threading.Thread(target=self.httpd.serve_forever, name="chat-server", daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
