"""A project for the `serve` tests: the repository's real CPU model cards (Tesseract, RapidOCR, the
two OpenCV detectors) copied into a temporary folder, a Florence-2 card whose weights are not on
this machine (listed as unavailable), and optionally a card for a served model behind the
runner tests' real chat-completions server. Built into public/ by the real site builder, and
served by the same uvicorn server `leaderboard serve` runs (`Running`).
"""

from __future__ import annotations

import io
import shutil
import socket
import threading
import time
from pathlib import Path

from conftest import REPO_ROOT
from fixtures_runner import text_image, write_card
from PIL import Image

CPU_CARDS = ("tesseract-5", "rapidocr", "opencv-haar-face", "opencv-hog-people")
MISSING_WEIGHTS = "florence-2-missing"
SERVED = "chat-server"
TEXT_LINES = ["Hello Leaderboard", "Vision models 2026"]


def write_live_project(root: Path, chat_url: str | None = None) -> Path:
    cards = root / "model_cards"
    cards.mkdir(parents=True, exist_ok=True)
    for card_id in CPU_CARDS:
        shutil.copyfile(REPO_ROOT / "model_cards" / f"{card_id}.yaml", cards / f"{card_id}.yaml")
    write_card(root, MISSING_WEIGHTS, {"adapter": "florence2", "model": str(root / "no-such-checkpoint")},
               tasks=["captioning", "ocr"])
    if chat_url:
        write_card(root, SERVED, {"adapter": "openai", "model": "test-vlm", "base_url": chat_url,
                                  "options": {"max_retries": 0}}, tasks=["ocr", "vqa"])
    return root


class Running:
    """`leaderboard serve`'s app and uvicorn server on a free port, in a thread (`with Running(...)`)."""

    def __init__(self, public: Path, pool, limits=None, host: str = "127.0.0.1", allow_hosts=(), allow_origins=()):
        from generator.live.api import create_app
        from generator.live.hosts import HostPolicy
        from generator.live.uploads import Limits
        from generator.serve import make_server

        self.public, self.pool = public, pool
        self.socket = socket.create_server((host, 0))
        self.host, self.port = host, self.socket.getsockname()[1]
        self.policy = HostPolicy.for_bind(host, self.port, tuple(allow_hosts), tuple(allow_origins))
        self.server = make_server(create_app(public, pool, self.policy, limits or Limits()), quiet=True)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True)

    @property
    def address(self) -> tuple[str, int]:
        return "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host, self.port

    def __enter__(self) -> "Running":
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            assert self.thread.is_alive() and time.monotonic() < deadline, "the server did not start"
            time.sleep(0.02)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)


def build_site(root: Path) -> Path:
    from generator.site.build import build

    build(root=root, out=root / "public", jobs=1)
    return root / "public"


def png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def text_png() -> bytes:
    """Two lines of black text on white, 640x200: both OCR engines read it exactly."""
    return png_bytes(text_image(TEXT_LINES, (640, 200)))


def astronaut_png() -> bytes:
    """scikit-image's astronaut (512x512, one frontal face at about ASTRONAUT_FACE)."""
    from skimage import data

    return png_bytes(Image.fromarray(data.astronaut()))
