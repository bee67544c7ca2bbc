"""Where a transformers model runs and in which precision, from a card's `device` and `dtype`.

Cards and command lines name devices and dtypes as strings ("auto", "cuda:1", "bf16"); this
turns them into torch objects once and fails early, with the reason, when the machine cannot
honour the request, instead of failing deep inside `from_pretrained` or on the first prompt.
"""

from __future__ import annotations

import torch

DTYPES: dict[str, torch.dtype] = {
    "float32": torch.float32,
    "fp32": torch.float32,
    "float": torch.float32,
    "bfloat16": torch.bfloat16,
    "bf16": torch.bfloat16,
    "float16": torch.float16,
    "fp16": torch.float16,
    "half": torch.float16,
}


class DeviceError(ValueError):
    """The requested device or dtype is unknown or not available on this machine."""


def _mps_available() -> bool:
    return torch.backends.mps.is_available()


def pick_device(requested: str | None) -> torch.device:
    """"auto" (or nothing) picks cuda > mps > cpu; an explicit device must exist here."""
    name = (requested or "auto").strip().lower()
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if _mps_available():
            return torch.device("mps")
        return torch.device("cpu")
    try:
        device = torch.device(name)
    except RuntimeError:
        raise DeviceError(f"unknown device {requested!r}; use auto, cpu, cuda, cuda:N or mps") from None
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise DeviceError(f"device {requested!r} was requested but this torch build sees no CUDA GPU "
                              f"(torch {torch.__version__}); use --device cpu or install a CUDA build of torch")
        if device.index is not None and device.index >= torch.cuda.device_count():
            raise DeviceError(f"device {requested!r} was requested but only {torch.cuda.device_count()} "
                              f"CUDA device(s) exist")
    elif device.type == "mps" and not _mps_available():
        raise DeviceError(f"device {requested!r} was requested but MPS (Apple GPU) is not available here")
    elif device.type not in ("cpu", "cuda", "mps"):
        raise DeviceError(f"unsupported device {requested!r}; use auto, cpu, cuda, cuda:N or mps")
    return device


def pick_dtype(requested: str | None, device: torch.device) -> torch.dtype:
    """"auto" (or nothing) is float32 on CPU, bfloat16 on CUDA GPUs that have it, else float16."""
    name = (requested or "auto").strip().lower()
    if name == "auto":
        if device.type == "cpu":
            return torch.float32
        if device.type == "cuda" and torch.cuda.is_bf16_supported():
            return torch.bfloat16
        return torch.float16
    try:
        dtype = DTYPES[name]
    except KeyError:
        raise DeviceError(f"unknown dtype {requested!r}; use auto or one of {', '.join(DTYPES)}") from None
    if dtype is torch.bfloat16 and device.type == "cuda" and not torch.cuda.is_bf16_supported():
        raise DeviceError(f"dtype {requested!r} was requested but {torch.cuda.get_device_name(device)} has no "
                          f"bfloat16 support; use float16")
    return dtype
