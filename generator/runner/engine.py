"""The eval engine: decide what to run, run it, and append every answer the moment it exists.

Planning narrows the suite in a fixed order — `--prompts`/`--category`, then this machine's
`--shard`, then the prompts the adapter supports and that have an image, then the cache (an
answer with the same key already stored), then `--limit` — so every number in the summary says
why a prompt did or did not run. Execution makes one untimed warm-up call on a freshly loaded
model, then feeds the adapter batches and writes each record as its result arrives, in whatever
order it arrives; a prompt that raises or outlives `--timeout` becomes an error record and the
run goes on.

Timing, per record: `latency_s` is how long the request waited (a GPU batch's prompts all wait
for the whole batch; with a server, from the start of the engine's batch of requests), `batch_size`
how many prompts shared the call (with a server: how many requests were in flight at once), and
`throughput_s` the batch's wall time so far divided by the prompts it has answered so far — for a
GPU batch, whose answers arrive together, exactly the batch's time over its size.
"""

from __future__ import annotations

import dataclasses
import queue
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from PIL import ExifTags, Image, ImageOps
from pydantic import ValidationError

from ..catalog.hashing import prompt_sha256_for
from ..catalog.loader import LoadedSuite
from ..catalog.schemas import Prompt, RunRecord
from .adapter import Adapter, Prediction
from .hardware import describe_hardware, library_versions
from .shards import Shard, shard_members
from .store import RunWriter, answered_keys, cache_key, new_run_id, run_folder, utc_now


@dataclass(frozen=True)
class Selection:
    """Which prompts this invocation is asked to cover (command-line flags)."""

    prompt_ids: frozenset[str] | None = None
    category: str | None = None
    shard: Shard | None = None
    limit: int | None = None
    force: bool = False
    repeat: int | None = None  # the index of this pass when each prompt is run several times


@dataclass(frozen=True)
class Timing:
    """How one record was timed (see the module docstring); None where it does not apply."""

    latency_s: float | None = None
    batch_size: int | None = None
    throughput_s: float | None = None
    warmed_up: bool | None = None


@dataclass(frozen=True)
class WorkItem:
    prompt: Prompt
    image_path: Path
    sha256: str


@dataclass(frozen=True)
class RunContext:
    """What every record of one invocation shares."""

    suite: str
    suite_version: str
    model: str
    adapter: str
    adapter_version: str
    model_revision: str | None
    params: dict
    run_id: str
    hardware: str
    libraries: dict[str, str]
    repeat: int | None = None

    def key(self, item: WorkItem):
        return cache_key(self.model, self.model_revision, self.adapter, self.adapter_version, self.params, item.sha256,
                         self.repeat or 0)

    def record(self, item: WorkItem, started_at: str, timing: Timing,
               result: Prediction | BaseException) -> RunRecord:
        """A validated record of one prompt; an invalid prediction becomes an error record."""
        if isinstance(result, Prediction):
            try:
                return self._record(item, started_at, timing, result, None)
            except ValidationError as exc:
                result = ValueError(f"the adapter's prediction is not a valid record: {exc.errors()[0]['msg']}")
        return self._record(item, started_at, Timing(timing.latency_s, timing.batch_size, None, timing.warmed_up),
                            None, error_message(result))

    def _record(self, item: WorkItem, started_at: str, timing: Timing,
                prediction: Prediction | None, error: str | None) -> RunRecord:
        return RunRecord(
            suite=self.suite, suite_version=self.suite_version, prompt_id=item.prompt.id, prompt_sha256=item.sha256,
            model=self.model, adapter=self.adapter, adapter_version=self.adapter_version,
            model_revision=self.model_revision, params=self.params,
            output=prediction.output if prediction else None,
            structured=prediction.structured if prediction else None,
            latency_s=None if timing.latency_s is None else round(timing.latency_s, 4),
            input_tokens=prediction.input_tokens if prediction else None,
            output_tokens=prediction.output_tokens if prediction else None,
            error=error, run_id=self.run_id, started_at=started_at, hardware=self.hardware,
            source="measured", libraries=self.libraries, batch_size=timing.batch_size,
            throughput_s=None if timing.throughput_s is None else round(timing.throughput_s, 4),
            warmed_up=timing.warmed_up, repeat=self.repeat)


@dataclass
class Job:
    """The plan of one invocation; every selected prompt is in exactly one of its lists."""

    suite: LoadedSuite
    model: str
    selected: list[Prompt]
    unsupported: list[Prompt] = field(default_factory=list)
    imageless: list[Prompt] = field(default_factory=list)  # imported prompts whose source lost the image
    cached: list[WorkItem] = field(default_factory=list)
    todo: list[WorkItem] = field(default_factory=list)
    deferred: list[WorkItem] = field(default_factory=list)  # left for a later run by --limit
    context: RunContext | None = None  # None when nothing needed the adapter loaded
    run_file: Path | None = None


REMOTE_WAVES = 4  # a remote adapter's batch: this many times its concurrency


class PromptTimeout(Exception):
    pass


class SelectionError(ValueError):
    """A --prompts, --category or --shard value that does not fit the suite."""


def error_message(exc: BaseException) -> str:
    return str(exc) if isinstance(exc, PromptTimeout) else f"{type(exc).__name__}: {exc}"


def select_prompts(loaded: LoadedSuite, selection: Selection) -> list[Prompt]:
    """The suite's prompts narrowed by --prompts, --category and --shard, in suite order."""
    suite = loaded.suite
    prompts = list(suite.prompts)
    if selection.prompt_ids is not None:
        unknown = selection.prompt_ids - {p.id for p in prompts}
        if unknown:
            raise SelectionError(f"--prompts: {', '.join(sorted(unknown))} not in suite {suite.id!r}")
        prompts = [p for p in prompts if p.id in selection.prompt_ids]
    if selection.category is not None:
        categories = [c.id for c in suite.categories]
        if selection.category not in categories:
            raise SelectionError(f"--category {selection.category!r} is not in suite {suite.id!r}; known: {', '.join(categories)}")
        prompts = [p for p in prompts if p.category == selection.category]
    if selection.shard is not None:
        members = shard_members([p.id for p in prompts], selection.shard)
        prompts = [p for p in prompts if p.id in members]
    return prompts


def prepare(root: Path, model: str, loaded: LoadedSuite, adapter: Adapter, existing: list[RunRecord],
            selection: Selection) -> Job:
    """Plan the invocation. The adapter is loaded only if some selected prompt needs it, since its
    revision (part of the cache key) may only be known once loaded."""
    selected = select_prompts(loaded, selection)
    job = Job(suite=loaded, model=model, selected=selected,
              unsupported=[p for p in selected if not adapter.supports(p.task)],
              imageless=[p for p in selected if adapter.supports(p.task) and p.image is None])
    supported = [p for p in selected if adapter.supports(p.task) and p.image is not None]
    if not supported:
        return job
    adapter.load()
    suite = loaded.suite
    job.context = RunContext(
        suite=suite.id, suite_version=suite.version, model=model, adapter=adapter.name,
        adapter_version=adapter.version, model_revision=adapter.revision(), params=adapter.params(),
        run_id=new_run_id(selection.shard, selection.repeat), hardware=describe_hardware(adapter.config),
        libraries={**library_versions(), **adapter.libraries()}, repeat=selection.repeat)
    job.run_file = run_folder(root, suite.id, model) / f"{job.context.run_id}.jsonl"
    answered = set() if selection.force else answered_keys(existing)
    for prompt in supported:
        path = loaded.image_path(prompt.image)
        item = WorkItem(prompt, path, prompt_sha256_for(prompt, path))
        (job.cached if job.context.key(item) in answered else job.todo).append(item)
    if selection.limit is not None:
        job.todo, job.deferred = job.todo[:selection.limit], job.todo[selection.limit:]
    return job


def execute(adapter: Adapter, job: Job, *, timeout: float | None = None,
            on_record: Callable[[RunRecord], None] = lambda record: None) -> list[RunRecord]:
    """Run the job's prompts and append each record durably as it arrives; returns them."""
    if not job.todo:
        return []
    warm_up(adapter, job.todo, timeout)
    # a server is fed several waves at once, so its slots refill as answers arrive instead of
    # idling while the engine writes a wave's records and opens the next wave's images
    size = max(adapter.config.batch_size, adapter.concurrency() * (REMOTE_WAVES if adapter.remote else 1))
    records = []
    with RunWriter(job.run_file) as writer:
        for start in range(0, len(job.todo), size):
            for arrived in run_batch(adapter, job.todo[start:start + size], job.context, timeout):
                writer.append(arrived)
                records.extend(arrived)
                for record in arrived:
                    on_record(record)
    return records


def warm_up(adapter: Adapter, items: list[WorkItem], timeout: float | None) -> None:
    """One untimed call with the first readable prompt before the first timed batch, so no record
    carries the loaded model's one-off costs (CUDA context, kernel selection, caches): the first
    batch of an earlier GPU check took 4.7 s against 2.8 s for the next. Once per loaded model;
    not for remote servers, which warm up themselves. Its answer is dropped; if it fails, the
    records say `warmed_up: false`."""
    if adapter.remote or adapter.warmed_up is not None:
        return
    for item in items:
        try:
            image = open_image(item.image_path)
        except Exception:  # the batch records this prompt's error
            continue
        groups = results_with_deadline(adapter, [(image, item.prompt.prompt, item.prompt.task)], timeout)
        results = [result for group in groups for _, result in group]  # to the end: it waits for the call
        adapter.warmed_up = not any(isinstance(result, BaseException) for result in results)
        return


def run_batch(adapter: Adapter, batch: list[WorkItem], context: RunContext,
              timeout: float | None) -> Iterator[list[RunRecord]]:
    """Records of one batch, in groups as they arrive, each with its Timing: latency from the
    batch's start to the prompt's answer (a GPU batch's time; for overlapping requests each
    request's own), the batch's size, and the batch's wall time per answered prompt."""
    started_at = utc_now()
    ready: list[WorkItem] = []
    inputs = []
    unreadable = []
    for item in batch:
        try:
            image = open_image(item.image_path)
        except Exception as exc:  # an unreadable image is that prompt's error, not the run's
            unreadable.append(context.record(item, started_at, Timing(), exc))
            continue
        ready.append(item)
        inputs.append((image, item.prompt.prompt, item.prompt.task))
    if unreadable:
        yield unreadable
    if not ready:
        return
    warmed = None if adapter.remote else bool(adapter.warmed_up)
    in_flight = min(len(ready), adapter.concurrency()) if adapter.remote else len(ready)
    answered = 0
    clock = time.perf_counter()
    for group in results_with_deadline(adapter, inputs, timeout):
        elapsed = time.perf_counter() - clock
        answered += len(group)
        timing = Timing(elapsed, in_flight, elapsed / answered, warmed)
        yield [context.record(ready[index], started_at, own_wait(timing, result), result) for index, result in group]


def own_wait(timing: Timing, result: Prediction | BaseException) -> Timing:
    """A request that timed its own wait (one of many in flight to a server, some queued behind
    others) reports that instead of the time since its batch started."""
    if isinstance(result, Prediction) and result.latency_s is not None:
        return dataclasses.replace(timing, latency_s=result.latency_s)
    return timing


def open_image(path: Path) -> Image.Image:
    """RGB pixels as a person sees the file (EXIF rotation applied), fully read before the model
    runs. Copies only when the file needs turning or converting: opening a wave of images stands
    between a server's answers and the next requests."""
    with Image.open(path) as image:
        image.load()
        if image.getexif().get(ExifTags.Base.Orientation, 1) != 1:
            image = ImageOps.exif_transpose(image)
        return image if image.mode == "RGB" else image.convert("RGB")


_DONE = object()


def results_with_deadline(adapter: Adapter, inputs: list,
                          timeout: float | None) -> Iterator[list[tuple[int, Prediction | BaseException]]]:
    """(index, result) for every input, in groups: each group is all that had arrived when the
    engine looked, so answers that land together are written with one fsync. The adapter runs in
    a daemon thread: when no result has arrived for `timeout` seconds, every prompt still waiting
    is answered with a timeout at once (a late answer is dropped, never written).

    An in-process model is never given a second call while one runs (its memory, its threads and
    the timings would be shared), so after a timeout this waits for the adapter to return before
    the next batch starts. Only remote adapters, whose server queues requests, are left running."""
    arrivals: queue.SimpleQueue = queue.SimpleQueue()

    def work() -> None:
        try:
            for pair in adapter.predict_as_completed(inputs):
                arrivals.put(pair)
        except BaseException as exc:  # the batch as a whole failed: every waiting prompt gets it
            arrivals.put((None, exc))
        finally:
            arrivals.put(_DONE)

    worker = threading.Thread(target=work, name="predict", daemon=True)
    worker.start()
    try:
        yield from _arrivals(arrivals, len(inputs), timeout)
    finally:
        if not adapter.remote:
            worker.join()


def _arrivals(arrivals: queue.SimpleQueue, count: int,
              timeout: float | None) -> Iterator[list[tuple[int, Prediction | BaseException]]]:
    waiting = set(range(count))
    failure: BaseException | None = None
    while waiting and failure is None:
        try:
            messages = [arrivals.get(timeout=timeout)]
        except queue.Empty:
            failure = PromptTimeout(f"timeout after {timeout:g}s")
            break
        while not arrivals.empty():
            messages.append(arrivals.get_nowait())
        group = []
        for message in messages:
            if message is _DONE:
                failure = failure or RuntimeError("the adapter returned no result for this prompt")
            elif message[0] is None:
                failure = failure or message[1]
            elif message[0] in waiting:
                waiting.discard(message[0])
                group.append(message)
        if group:
            yield group
    if waiting:
        yield [(index, failure) for index in sorted(waiting)]
