"""What a measurement ran on: the machine and the library versions, stored in every record so a
latency figure or a changed answer can be traced to the hardware and software that produced it.

Versions come from package metadata, not imports, so describing a Tesseract run never pays for
importing torch.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from urllib.parse import urlsplit

from ..catalog.schemas import Runner

# library name in records -> distributions that provide it (the first one installed wins)
LIBRARIES = {
    "torch": ("torch",),
    "transformers": ("transformers",),
    "onnxruntime": ("onnxruntime", "onnxruntime-gpu"),
    "rapidocr": ("rapidocr",),
    "cv2": ("opencv-python-headless", "opencv-python", "opencv-contrib-python-headless", "opencv-contrib-python"),
    "pytesseract": ("pytesseract",),
    "httpx": ("httpx",),
}


def cpu_model() -> str:
    """The CPU's marketing name from /proc/cpuinfo (Linux), else what platform knows."""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text(errors="replace").splitlines():
            key, _, value = line.partition(":")
            if key.strip() in ("model name", "Hardware", "cpu model") and value.strip():
                return value.strip()
    return platform.processor() or platform.machine() or "unknown CPU"


def gpu_name(device: str) -> str | None:
    """The CUDA device's name ("cuda", "cuda:1" or "auto"), if torch is installed and CUDA is available."""
    try:
        import torch
    except ImportError:
        return None
    if not torch.cuda.is_available():
        return None
    index = device.partition(":")[2]
    return torch.cuda.get_device_name(int(index) if index else torch.cuda.current_device())


def describe_hardware(config: Runner) -> str:
    """One line: the GPU for CUDA runs, the CPU otherwise, the server for remote backends.

    A backend reached over HTTP (base_url) runs elsewhere: naming this machine's CPU would be
    false, so the record names the server instead. Device "auto" means CUDA when the adapter
    uses torch (already imported by its load) and CUDA is there."""
    if config.base_url:
        return f"remote server {server_name(config.base_url)}"
    device = (config.device or "auto").strip().lower()
    if device.startswith("cuda") or (device == "auto" and "torch" in sys.modules):
        name = gpu_name(device)
        if name:
            return f"{name} (GPU); host CPU {cpu_model()}"
    return f"{cpu_model()} ({_cpu_count()} cores)"


def server_name(base_url: str) -> str:
    """host[:port] of a URL, never the user:password@ a URL may carry."""
    parts = urlsplit(base_url)
    return f"{parts.hostname}:{parts.port}" if parts.port else str(parts.hostname)


def _cpu_count() -> int:
    """Cores this process may use (a container's limit, not the host's total where Linux says)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


@lru_cache(maxsize=1)
def tesseract_version() -> str | None:
    """The Tesseract binary's version (first line of `tesseract --version`), if it is on PATH."""
    binary = shutil.which("tesseract")
    if binary is None:
        return None
    try:
        done = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    first = (done.stdout or done.stderr).strip().splitlines()
    return first[0].removeprefix("tesseract ").strip() if first else None


def library_versions() -> dict[str, str]:
    """Versions of the runner's libraries that are installed, plus Python itself."""
    versions = {"python": platform.python_version()}
    for name, distributions in LIBRARIES.items():
        for distribution in distributions:
            try:
                versions[name] = metadata.version(distribution)
                break
            except metadata.PackageNotFoundError:
                continue
    tesseract = tesseract_version()
    if tesseract:
        versions["tesseract"] = tesseract
    return versions
