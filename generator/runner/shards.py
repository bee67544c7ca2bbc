"""Which share of a suite this machine runs: `--shard i/n`, or `--shard auto` read from the
scheduler that started it (a Slurm array, a Kubernetes Indexed Job, a GitHub Actions matrix).

Shards are balanced by count: the selected prompts are ordered by a hash of their id and dealt
out in turn, so n shards differ by at most one prompt (a plain hash modulo n split a 23-prompt
suite 18/5). Every machine that sees the same suite and selection deals the same hands; every
shard writes its own file, so no merge step exists.
"""

from __future__ import annotations

import hashlib
import os
from typing import Mapping, Sequence

Shard = tuple[int, int]  # (index, count), index in 0..count-1

SLURM_ID, SLURM_COUNT, SLURM_MIN, SLURM_STEP = ("SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_COUNT",
                                                "SLURM_ARRAY_TASK_MIN", "SLURM_ARRAY_TASK_STEP")
K8S_INDEX = "JOB_COMPLETION_INDEX"
# set by hand (or by a GitHub Actions matrix from strategy.job-index / strategy.job-total)
SHARD_INDEX, SHARD_COUNT = "LEADERBOARD_SHARD_INDEX", "LEADERBOARD_SHARD_COUNT"


class ShardError(ValueError):
    """A --shard value, or scheduler variables, that do not name one shard."""


def parse_shard(text: str, env: Mapping[str, str] | None = None) -> tuple[Shard, str]:
    """'i/n' (0-based, like JOB_COMPLETION_INDEX and matrix indexes), 'auto' or 'auto/n'; returns
    the shard and where it came from (shown to the person running it)."""
    head, slash, tail = text.strip().partition("/")
    if head == "auto":
        if slash and not tail.strip().isdigit():
            raise ShardError(f"--shard {text!r}: expected auto or auto/n, e.g. auto/4")
        return shard_from_environment(os.environ if env is None else env, int(tail) if slash else None)
    if not slash or not head.strip().isdigit() or not tail.strip().isdigit():
        raise ShardError(f"--shard {text!r}: expected i/n (e.g. 0/4), auto or auto/n")
    return checked((int(head), int(tail)), f"--shard {text!r}"), "--shard"


def checked(shard: Shard, where: str) -> Shard:
    if shard[1] < 1 or not 0 <= shard[0] < shard[1]:
        raise ShardError(f"{where}: need 0 <= i < n, got {shard[0]}/{shard[1]}")
    return shard


def _integer(env: Mapping[str, str], name: str) -> int:
    value = env[name].strip()
    if not value.lstrip("-").isdigit():
        raise ShardError(f"--shard auto: {name}={env[name]!r} is not a whole number")
    return int(value)


def shard_from_environment(env: Mapping[str, str], count: int | None = None) -> tuple[Shard, str]:
    """The shard from the one scheduler whose index variable is set; `count` is auto/n's n."""
    sources = [name for name in (SLURM_ID, K8S_INDEX, SHARD_INDEX) if name in env]
    if not sources:
        raise ShardError(f"--shard auto: none of {SLURM_ID} (Slurm array), {K8S_INDEX} (Kubernetes Indexed Job) "
                         f"or {SHARD_INDEX} (set it from a GitHub Actions matrix) is set; give --shard i/n instead")
    if len(sources) > 1:
        raise ShardError(f"--shard auto: {' and '.join(sources)} are both set; give --shard i/n to choose")
    if sources == [SLURM_ID]:
        offset = _integer(env, SLURM_ID) - (_integer(env, SLURM_MIN) if SLURM_MIN in env else 0)
        step = _integer(env, SLURM_STEP) if SLURM_STEP in env else 1
        if SLURM_COUNT not in env:
            raise ShardError(f"--shard auto: {SLURM_ID} is set but {SLURM_COUNT} is not (is this an array job?)")
        if step < 1 or offset % step:
            raise ShardError(f"--shard auto: array task {env[SLURM_ID]} is not on the array's step {step}")
        found = (offset // step, _integer(env, SLURM_COUNT))
        if count is not None and count != found[1]:
            raise ShardError(f"--shard auto/{count}: the Slurm array has {found[1]} tasks")
        return checked(found, f"--shard auto (Slurm array task {env[SLURM_ID]})"), \
            f"Slurm array ({SLURM_ID}={env[SLURM_ID]}, {SLURM_COUNT}={env[SLURM_COUNT]})"
    name = sources[0]
    given = _integer(env, SHARD_COUNT) if SHARD_COUNT in env else None
    if count is not None and given is not None and count != given:
        raise ShardError(f"--shard auto/{count}: {SHARD_COUNT} says {given}")
    total = count if count is not None else given
    if total is None:
        raise ShardError(f"--shard auto: {name} is set but the number of shards is not: give --shard auto/n "
                         f"or set {SHARD_COUNT}")
    what = "Kubernetes Indexed Job" if name == K8S_INDEX else "environment"
    return checked((_integer(env, name), total), f"--shard auto ({name})"), f"{what} ({name}={env[name]}, {total} shards)"


def _rank_key(prompt_id: str) -> bytes:
    """A hash, not the suite's order: shards mix categories, and reordering the suite moves nothing."""
    return hashlib.sha256(prompt_id.encode("utf-8")).digest()


def shard_members(ids: Sequence[str], shard: Shard) -> set[str]:
    """The ids of shard i of n: ids ordered by hash, every n-th one starting at i."""
    index, count = shard
    ordered = sorted(ids, key=lambda prompt_id: (_rank_key(prompt_id), prompt_id))
    return set(ordered[index::count])
