"""Device and dtype choice from card strings; GPUs are simulated where this machine has none."""

from __future__ import annotations

import pytest
import torch

from generator.runner import torch_device
from generator.runner.torch_device import DeviceError, pick_device, pick_dtype


@pytest.fixture
def two_gpus(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda device=None: "Tesla T4")


@pytest.fixture
def no_accelerator(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch_device, "_mps_available", lambda: False)


def test_auto_prefers_cuda_then_mps_then_cpu(monkeypatch, no_accelerator):
    assert pick_device(None) == pick_device("auto") == torch.device("cpu")
    monkeypatch.setattr(torch_device, "_mps_available", lambda: True)
    assert pick_device("auto") == torch.device("mps")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert pick_device(" Auto ") == torch.device("cuda")


def test_explicit_devices_must_exist(no_accelerator):
    assert pick_device("cpu") == torch.device("cpu")
    with pytest.raises(DeviceError, match="sees no CUDA GPU.*--device cpu"):
        pick_device("cuda")
    with pytest.raises(DeviceError, match="MPS"):
        pick_device("mps")
    with pytest.raises(DeviceError, match="unknown device 'gpu0'"):
        pick_device("gpu0")
    with pytest.raises(DeviceError, match="unsupported device 'meta'"):
        pick_device("meta")


def test_cuda_index_beyond_the_gpus_present(two_gpus):
    assert pick_device("cuda:1") == torch.device("cuda", 1)
    with pytest.raises(DeviceError, match="only 2 CUDA device"):
        pick_device("cuda:2")


def test_dtype_names_and_auto():
    cpu = torch.device("cpu")
    assert pick_dtype(None, cpu) is torch.float32
    assert pick_dtype("bf16", cpu) is torch.bfloat16
    assert pick_dtype("Float16", cpu) is torch.float16
    assert pick_dtype("auto", torch.device("mps")) is torch.float16
    with pytest.raises(DeviceError, match="unknown dtype 'int8'.*bfloat16"):
        pick_dtype("int8", cpu)


def test_auto_dtype_on_cuda_follows_bfloat16_support(two_gpus, monkeypatch):
    cuda = torch.device("cuda")
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda: True)
    assert pick_dtype("auto", cuda) is torch.bfloat16
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda: False)
    assert pick_dtype("auto", cuda) is torch.float16
    with pytest.raises(DeviceError, match="Tesla T4 has no bfloat16"):
        pick_dtype("bfloat16", cuda)
