"""Import the Vision AI Checkup benchmark (github.com/roboflow/vision-ai-checkup) from a checkout
of its pinned commit: its prompts as the suite ``vision-ai-checkup`` and its published model
answers as run records marked with their provenance (measured by Roboflow, not by this project),
written into a destination laid out like the repository (the build-time layer).

What the checkout holds and how it is read:

- ``prompts.csv`` (file_name, prompt, answer, assessment_name, category, submitted_by,
  submitted_by_link): CRLF line endings, a trailing comma on every line (an unnamed 8th column,
  ignored), multi-line quoted answers (line breaks become ``\\n``), curly quotes (kept verbatim).
  Each row becomes one prompt: id = slug of assessment_name, made unique in row order with
  ``-2``, ``-3``… (computed over all rows, so ids do not depend on which images are present);
  category = slug of the category column; task ``vqa``; expected = the answer column; the grader
  from ``grader_for_vac``. A row without an answer becomes an unscored (demo) prompt.
- ``images/`` (or ``images/compressed/``): the CSV names ``<stem>.png`` while checkouts may hold
  ``<stem>.jpeg`` copies, so an image is the exact file name if present, else the same stem with
  another image suffix, looked up only as a bare file name inside the checkout (a name with a path,
  or a symlink out of the checkout, counts as missing). A prompt whose image is missing is
  reported and kept without an image (``image_missing`` says why): its published answers are
  still records, but the runner cannot re-run it. Nothing is guessed.
  Each copied image gets a licence line pointing at its file in the repository (a flattened copy
  of ``images/compressed/`` is pointed back there).
- ``data/results/result_<slug>.json`` (a flat ``results/`` is read as the repository's
  ``data/results/``): ``{"model_name": ..., "assessments": {file_name: {...}}}``. Newer files carry
  the raw answer in ``result`` and the source's extraction in ``parsed_answer``; older ones only the
  raw text in ``result``. Both are read the same way: ``result`` verbatim is the output we grade.
  Results are keyed by image file name, so an image with several prompts keeps one result: it is
  mapped to the CSV row with the same file name, prompt, answer and assessment name (the first such
  row). An assessment whose prompt no longer matches any row (the prompt was reworded after the
  run) is skipped and counted. The model is mapped to a card whose id, name or ``aliases`` equal
  (case-folded) the ``model_name`` or the file slug; an unmapped or ambiguous model is reported
  and skipped, never guessed.

Each assessment becomes a RunRecord: output = the ``result`` text verbatim, latency from
``time_taken``, tokens, structured output, model revision and hardware unknown (null),
``source_verdict`` = the source's ``correct``. The run id is ``vac-`` + the first 16 hex digits
of the SHA-256 of the result file, so re-importing the same file writes the same run file byte
for byte. ``started_at`` is the date of the imported commit when the checkout is a git repository
holding it, else the fixed ``1970-01-01T00:00:00Z``: the source does not say when it ran its
models. The suite version is a hash of the prompt ids and their prompt_sha256, so it changes
exactly when a prompt's text, image or expected answer changes.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..catalog.hashing import prompt_sha256_for
from ..catalog.loader import RUN_DIR, SUITE_DIR
from ..catalog.schemas import Category, ImageLicense, ModelCard, Prompt, RunRecord, Suite, SuiteSource
from ..grading.peer_prompts import grader_for_vac
from .common import (ImportProblem, Provenance, UnmappedModel, alias_index, checkout_commit, dump_yaml,
                     map_model, slugify, write_atomic)

IMPORTER_VERSION = "1"
SUITE_ID = "vision-ai-checkup"
REPOSITORY = "roboflow/vision-ai-checkup"
IMAGE_LICENSE = "MIT, Copyright 2025 Roboflow, Inc."  # the repository's LICENSE.md
MEASURED_BY = "Roboflow (vision-ai-checkup authors)"
CSV_COLUMNS = ("file_name", "prompt", "answer", "assessment_name", "category", "submitted_by", "submitted_by_link")
IMAGE_DIRS = ("images", "images/compressed")
IMAGE_SUFFIXES = (".png", ".jpeg", ".jpg", ".webp")
RESULT_DIRS = ("data/results", "results")
READS = ("prompts.csv", "LICENSE.md", "images/", *(f"{d}/" for d in RESULT_DIRS))  # what a sync fetches

# ------------------------------------------------------------------ reading the checkout


@dataclass(frozen=True)
class CsvRow:
    line: int
    file_name: str
    prompt: str
    answer: str
    assessment_name: str
    category: str


def _clean(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_prompts_csv(path: Path) -> list[CsvRow]:
    """The rows of prompts.csv with the line each starts on; problems name file and line."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ImportProblem(f"{path}: not found (is this a vision-ai-checkup checkout?)") from None
    except UnicodeDecodeError as e:
        raise ImportProblem(f"{path}: not UTF-8 ({e.reason} at byte {e.start})") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [h.strip() for h in next(reader, [])]
    missing = [c for c in CSV_COLUMNS if c not in header]
    if missing:
        raise ImportProblem(f"{path}:1: missing column(s) {', '.join(missing)}")
    rows, start = [], reader.line_num + 1
    for values in reader:
        line, start = start, reader.line_num + 1
        if not any(v.strip() for v in values):
            continue
        if len(values) > len(header):
            raise ImportProblem(f"{path}:{line}: {len(values)} fields but the header names {len(header)} "
                                "(an unquoted comma?)")
        record = dict(zip(header, (_clean(v) for v in values)))
        for column in ("file_name", "prompt", "assessment_name", "category"):
            if not record.get(column, "").strip():
                raise ImportProblem(f"{path}:{line}: empty {column}")
        rows.append(CsvRow(line, record["file_name"].strip(), record["prompt"], record.get("answer", ""),
                           record["assessment_name"].strip(), record["category"].strip()))
    return rows


def prompt_ids(rows: list[CsvRow]) -> list[str]:
    """Slugs of assessment names, unique in row order: a repeat gets the first free ``-2``, ``-3``…
    that is not also another row's own slug."""
    natural = [slugify(r.assessment_name, "prompt") for r in rows]
    reserved, taken, ids = set(natural), set(), []
    for slug in natural:
        candidate, n = slug, 1
        while candidate in taken or (candidate != slug and candidate in reserved):
            n += 1
            candidate = f"{slug}-{n}"
        taken.add(candidate)
        ids.append(candidate)
    return ids


def find_image(checkout: Path, file_name: str) -> Path | None:
    """The image a CSV row names: the exact file, else the same stem with another image suffix.

    The CSV is a third party's data: a name that is not a bare file name ("../../etc/passwd") and
    a file that resolves outside the checkout (a symlink) are never read, so they count as missing."""
    if not file_name or file_name in (".", "..") or Path(file_name).name != file_name or "\\" in file_name:
        return None
    root = checkout.resolve()

    def usable(path: Path) -> bool:
        return path.is_file() and path.resolve().is_relative_to(root)

    for folder in IMAGE_DIRS:
        exact = checkout / folder / file_name
        if usable(exact):
            return exact
    stem = Path(file_name).stem
    for folder in IMAGE_DIRS:
        for suffix in IMAGE_SUFFIXES:
            candidate = checkout / folder / (stem + suffix)
            if usable(candidate):
                return candidate
    return None


def repository_image_path(checkout: Path, found: Path, file_name: str) -> str:
    """Where an image lives in the repository. The repository keeps JPEG copies of its images in
    ``images/compressed/``; a checkout without that folder whose ``images/`` holds such a copy
    under another suffix than the CSV names is a flattened copy of it (like the test fixture)."""
    if (found.name != file_name and found.parent == checkout / "images"
            and not (checkout / "images" / "compressed").is_dir()):
        return f"images/compressed/{found.name}"
    return found.relative_to(checkout).as_posix()


# ------------------------------------------------------------------ the import


@dataclass
class ResultImport:
    """What became of one result file."""

    path: str  # in the repository, e.g. data/results/result_x.json
    model_name: str
    model: str | None = None  # the card it maps to
    unmapped_reason: str = ""
    records: int = 0
    run_file: Path | None = None
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (assessment key, why)


@dataclass
class ImportReport:
    suite_file: Path
    rows: int
    prompts: int
    missing_images: list[str]  # CSV file names with no image in the checkout
    unused_images: list[str]  # images in the checkout that no CSV row names
    results: list[ResultImport]

    @property
    def unmapped(self) -> list[UnmappedModel]:
        return [UnmappedModel(r.model_name, (Path(r.path).stem.removeprefix("result_"),), None, r.unmapped_reason)
                for r in self.results if r.model is None]

    def counts(self) -> dict:
        return dict(records=sum(r.records for r in self.results),
                    models=sorted({r.model for r in self.results if r.model}),
                    skipped=sum(len(r.skipped) for r in self.results))

    @property
    def stale_answers(self) -> int:
        """Answers of mapped models skipped because their prompt no longer matches prompts.csv."""
        return sum(len(r.skipped) for r in self.results if r.model is not None)

    def lines(self) -> list[str]:
        """The report, one line each (the command line prints it; the build logs the summary)."""
        out = [f"suite {SUITE_ID}: {self.prompts} of {self.rows} prompts imported"]
        if self.missing_images:
            out.append(f"images missing ({len(self.missing_images)}; their prompts are kept without an image and "
                       "cannot be re-run): " + ", ".join(self.missing_images))
        if self.unused_images:
            out.append(f"images no prompt uses ({len(self.unused_images)}; not copied): " + ", ".join(self.unused_images))
        for result in self.results:
            if result.model is None:
                out.append(f"{result.path}: {result.model_name!r} not mapped, {len(result.skipped)} assessments skipped: "
                           f"{result.unmapped_reason} (add an alias to the model's card)")
                continue
            out.append(f"{result.path}: {result.model_name!r} -> {result.model}: {result.records} records")
            out.extend(f"  skipped {key}: {why}" for key, why in result.skipped)
        mapped = [r for r in self.results if r.model is not None]
        out.append(f"results mapped: {len(mapped)} of {len(self.results)} files, {sum(r.records for r in mapped)} "
                   f"records; answers whose prompt changed since: {self.stale_answers}; "
                   f"assessments of unmapped models: {sum(len(r.skipped) for r in self.results if r.model is None)}")
        return out


def _latency(value: Any) -> float | None:
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*s\s*", str(value or ""))
    return float(m.group(1)) if m else None


def _result_files(checkout: Path) -> list[tuple[Path, str]]:
    files = []
    for folder in RESULT_DIRS:
        for path in sorted((checkout / folder).glob("result_*.json")):
            files.append((path, f"data/results/{path.name}"))
    return files


@dataclass(frozen=True)
class ImportedSuite:
    """The suite as written, which the result files are matched against."""

    suite: Suite
    folder: Path
    rows: list[CsvRow]
    prompts: dict[int, Prompt]  # by index into rows (prompts whose image is missing carry image_missing)
    missing: list[str]  # CSV file names whose image is missing
    started_at: str


def _build_suite(checkout: Path, rows: list[CsvRow], suite_dir: Path, origin: Provenance,
                 started_at: str) -> ImportedSuite:
    """Copy the images and build the suite (not yet written)."""
    categories: dict[str, str] = {}
    images: dict[str, ImageLicense] = {}
    prompts: dict[int, Prompt] = {}
    missing: list[str] = []
    for index, (row, prompt_id) in enumerate(zip(rows, prompt_ids(rows))):
        source = find_image(checkout, row.file_name)
        image = f"images/{source.name}" if source is not None else None
        if source is None:
            if row.file_name not in missing:  # one image may serve several prompts
                missing.append(row.file_name)
        elif image not in images:
            (suite_dir / "images").mkdir(parents=True, exist_ok=True)
            (suite_dir / image).write_bytes(source.read_bytes())
            where = repository_image_path(checkout, source, row.file_name)
            images[image] = ImageLicense(file=image, source=origin.file_url(where), license=IMAGE_LICENSE)
        categories.setdefault(slugify(row.category), row.category)
        scored = bool(row.answer.strip())
        # A prompt whose image the checkout lacks is kept (its answers are still the source's), marked so
        # that the runner skips it and the site says the image is not available.
        try:
            prompts[index] = Prompt(id=prompt_id, image=image, category=slugify(row.category), task="vqa",
                                    image_missing=None if source else f"{row.file_name} is not in the imported checkout",
                                    prompt=row.prompt, expected=row.answer if scored else None,
                                    grader=grader_for_vac(row.prompt, row.answer) if scored else None)
        except ValidationError as e:  # e.g. an expected answer the chosen grader cannot read
            raise ImportProblem(f"{checkout / 'prompts.csv'}:{row.line}: {e.errors()[0]['msg']}") from None
    if not images:
        raise ImportProblem(f"{checkout}: no prompt has its image under {' or '.join(IMAGE_DIRS)}/")
    fingerprint = hashlib.sha256()
    for prompt in prompts.values():
        fingerprint.update(f"{prompt.id} {prompt_sha256_for(prompt, _image_file(suite_dir, prompt))}\n".encode())
    suite = Suite(
        id=SUITE_ID, name="Vision AI Checkup", version=fingerprint.hexdigest()[:12],
        description=(
            "The [Vision AI Checkup]({url}) benchmark by Roboflow and contributors: real-world questions "
            "about images (defects, documents, counting, spatial relations…), each with one expected answer. "
            "Imported at build time from commit `{commit}` of the repository; images and prompts are under the "
            "MIT licence (Copyright 2025 Roboflow, Inc.). Its published results are keyed by image, so where an "
            "image has several prompts only the first one has the source's answers.").format(
                url=origin.url, commit=(origin.commit or "unknown")[:12]),
        categories=[Category(id=k, name=v) for k, v in categories.items()],
        images=list(images.values()), prompts=list(prompts.values()),
        source=SuiteSource(repository=origin.repository, commit=origin.commit, license=origin.license, url=origin.url))
    return ImportedSuite(suite, suite_dir, rows, prompts, missing, started_at)


def _image_file(folder: Path, prompt: Prompt) -> Path | None:
    return folder / prompt.image if prompt.image is not None else None


def _import_results(path: Path, repo_path: str, imported: ImportedSuite, index: dict[str, str],
                    run_root: Path, origin: Provenance) -> ResultImport:
    """Write one result file's run records (if its model maps to a card) and say what became of it."""
    raw = path.read_bytes()
    try:
        data = json.loads(raw)
        model_name, assessments = str(data["model_name"]), data["assessments"]
        if not isinstance(assessments, dict):
            raise TypeError("'assessments' is not an object")
    except (json.JSONDecodeError, KeyError, TypeError) as e:
        raise ImportProblem(f"{path}: not a vision-ai-checkup result file ({e})") from None
    report = ResultImport(path=repo_path, model_name=model_name)
    report.model, report.unmapped_reason = map_model((model_name, path.stem.removeprefix("result_")), index)
    if report.model is None:
        report.skipped = [(key, "model not mapped") for key in assessments]
        return report
    run_id = "vac-" + hashlib.sha256(raw).hexdigest()[:16]
    source = origin.at(repo_path)
    rows = imported.rows
    records: dict[int, RunRecord] = {}
    for key, item in assessments.items():
        if not isinstance(item, dict):
            report.skipped.append((key, "not an assessment object"))
            continue
        wanted = (_clean(str(item.get("prompt", ""))), _clean(str(item.get("answer", ""))),
                  str(item.get("assessment_name", "")).strip())
        row_index = next((i for i, r in enumerate(rows)
                          if r.file_name == key and (r.prompt, r.answer, r.assessment_name) == wanted), None)
        if row_index is None:
            report.skipped.append((key, "no prompts.csv row has this file name, prompt, answer and assessment name"))
            continue
        prompt = imported.prompts[row_index]
        correct, output = item.get("correct"), item.get("result")
        records[row_index] = RunRecord(
            suite=SUITE_ID, suite_version=imported.suite.version, prompt_id=prompt.id,
            prompt_sha256=prompt_sha256_for(prompt, _image_file(imported.folder, prompt)), model=report.model,
            adapter="imported", adapter_version=IMPORTER_VERSION, model_revision=None, params={},
            output=output if isinstance(output, str) else None, structured=None,
            latency_s=_latency(item.get("time_taken")), input_tokens=None, output_tokens=None,
            error=None if isinstance(output, str) else "the source recorded no output",
            run_id=run_id, started_at=imported.started_at, hardware=None, source=source,
            source_verdict=correct if isinstance(correct, bool) else None)
    if records:
        report.run_file = run_root / report.model / f"{run_id}.jsonl"
        write_atomic(report.run_file, "".join(json.dumps(records[i].model_dump(mode="json"), ensure_ascii=False) + "\n"
                                              for i in sorted(records)))
    report.records = len(records)
    return report


def import_vision_ai_checkup(checkout: Path | str, dest: Path | str, cards: dict[str, ModelCard],
                             commit: str | None = None, repository: str = REPOSITORY,
                             license: str = "MIT") -> ImportReport:
    """Write the suite and run records under ``dest`` (evals/suites, evals/runs); see the module
    docstring. ``commit`` defaults to the checkout's HEAD."""
    checkout, dest = Path(checkout), Path(dest)
    rows = read_prompts_csv(checkout / "prompts.csv")
    commit, started_at = checkout_commit(checkout, commit)
    origin = Provenance(repository, commit, license, MEASURED_BY)
    imported = _build_suite(checkout, rows, dest / SUITE_DIR / SUITE_ID, origin, started_at)
    suite_file = imported.folder / "suite.yaml"
    header = "# Written by the vision-ai-checkup importer at build time: never edited, never committed.\n"
    write_atomic(suite_file, header + dump_yaml(imported.suite.model_dump(mode="json", exclude_none=True)))
    named = {Path(r.file_name).stem for r in rows}
    unused = sorted(p.name for folder in IMAGE_DIRS if (checkout / folder).is_dir()
                    for p in (checkout / folder).iterdir()
                    if p.suffix.lower() in IMAGE_SUFFIXES and p.stem not in named)
    index = alias_index(cards)
    results = [_import_results(path, repo_path, imported, index, dest / RUN_DIR / SUITE_ID, origin)
               for path, repo_path in _result_files(checkout)]
    return ImportReport(suite_file, len(rows), len(imported.prompts), imported.missing, unused, results)

