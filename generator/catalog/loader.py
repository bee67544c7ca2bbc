"""Load and validate the whole catalog, reporting every problem at once with file and line."""

from __future__ import annotations

import json
import logging
import re
import typing
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from .errors import CatalogError, Problem, did_you_mean, display_path
from .images import raster_problem
# The build-time layer (generator/sources/layer.py): peer sources imported from their pinned
# commits, laid out like the repository plus aggregates/*.jsonl and sources.json; git-ignored,
# rebuilt by every build whose inputs changed. Nothing third-party is committed.
from ..sources.paths import AGGREGATE_DIR, LAYER_SOURCES, layer_dir
from .schemas import ImportedAggregate, LayerSource, ModelCard, RunRecord, SiteConfig, Suite
from .yaml_source import MAX_DEPTH, YamlProblem, read_yaml

CARD_DIR = "model_cards"
SUITE_DIR = "evals/suites"
RUN_DIR = "evals/runs"
MAX_RUN_LINE = 2_000_000


@dataclass
class LoadedSuite:
    suite: Suite
    folder: Path

    def image_path(self, image: str | None) -> Path | None:
        return self.folder / image if image is not None else None


@dataclass
class Catalog:
    root: Path
    site: SiteConfig
    cards: dict[str, ModelCard]
    suites: dict[str, LoadedSuite]
    runs: list[RunRecord] = field(default_factory=list)
    card_files: dict[str, Path] = field(default_factory=dict)
    aggregates: list[ImportedAggregate] = field(default_factory=list)  # from the layer: peers' published figures
    sources: list[LayerSource] = field(default_factory=list)  # the pinned sources and whether they made it in
    warnings: list[Problem] = field(default_factory=list)  # skipped torn last lines of run files


# What a closed vocabulary's values are called in messages, by the field that holds them.
_NOUNS = {"tasks": "task", "task": "task", "prompt_templates": "task", "features": "feature", "inputs": "modality",
          "outputs": "modality", "access": "access level"}


def _describe(error: dict, model: type[BaseModel] | None = None) -> str:
    loc = ".".join(str(p) for p in error["loc"] if not str(p).startswith("function-after"))
    kind = error["type"]
    value = error.get("input")
    if kind == "extra_forbidden":
        key = error["loc"][-1]
        return f"{loc}: unknown key {key!r}{did_you_mean(key, _fields_at(model, error['loc']))}"
    if kind == "literal_error":
        known = re.findall(r"'([^']*)'", error.get("ctx", {}).get("expected", ""))
        what = next((_NOUNS[p] for p in reversed(error["loc"]) if isinstance(p, str) and p in _NOUNS), "value")
        return f"{loc}: {value!r} is not a known {what}{did_you_mean(value, known) or ';'} known: {', '.join(known)}"
    if kind == "missing":
        return f"{loc}: required field is missing"
    message = error["msg"].removeprefix("Value error, ")
    return f"{loc}: {message}" if loc else message


def _fields_at(model: type[BaseModel] | None, loc: tuple) -> list[str]:
    """The keys allowed beside the one at ``loc`` (for "did you mean"); [] where the path is unclear."""
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field_info = model.model_fields.get(part) if model else None
        model = _model_in(field_info.annotation) if field_info else None
    return list(model.model_fields) if model else []


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return next(filter(None, map(_model_in, typing.get_args(annotation))), None)


def _validate(model: type[BaseModel], path: Path, root: Path, problems: list[Problem]) -> Any:
    shown = display_path(path, root)
    if escapes(root, path, problems):
        return None
    try:
        doc = read_yaml(path)
    except YamlProblem as e:
        problems.append(Problem(shown, e.line, e.message))
        return None
    except OSError as e:
        problems.append(Problem(shown, None, f"cannot read: {e.strerror}"))
        return None
    if not isinstance(doc.data, dict):
        problems.append(Problem(shown, 1, f"expected a mapping of fields, found {type(doc.data).__name__}"))
        return None
    try:
        return model.model_validate(doc.data), doc
    except ValidationError as e:
        for err in e.errors():
            problems.append(Problem(shown, doc.line_of(err["loc"]), _describe(err, model)))
        return None


def inside(root: Path, candidate: Path) -> bool:
    """True if candidate (after resolving symlinks) lies under root: no ../ or symlink escapes."""
    try:
        candidate.resolve().relative_to(root.resolve())
        return True
    except ValueError:
        return False


def escapes(root: Path, path: Path, problems: list[Problem]) -> bool:
    """A catalog file that is (or lies in a folder that is) a symlink out of the repository is
    reported and never read: CI builds contributors' pull requests and publishes the result."""
    if inside(root, path):
        return False
    problems.append(Problem(path.relative_to(root).as_posix(), None,
                            "is a symlink to a file outside the repository; it was not read"))
    return True


def load_site(root: Path, problems: list[Problem]) -> SiteConfig:
    path = root / "site.yaml"
    if not path.exists():
        return SiteConfig()
    loaded = _validate(SiteConfig, path, root, problems)
    return loaded[0] if loaded else SiteConfig()


def _id_matches(found: str, wanted: str, what: str, doc, shown: str, problems: list[Problem]) -> bool:
    """Ids are URL slugs and file or folder names at once: the two must agree."""
    if found != wanted:
        problems.append(Problem(shown, doc.line_of(("id",)), f"id: {found!r} must match the {what} {wanted!r}"))
    return found == wanted


def load_cards(root: Path, problems: list[Problem]) -> tuple[dict[str, ModelCard], dict[str, Path]]:
    cards: dict[str, ModelCard] = {}
    files: dict[str, Path] = {}
    for path in sorted((root / CARD_DIR).glob("*.yaml")):
        loaded = _validate(ModelCard, path, root, problems)
        if not loaded:
            continue
        card, doc = loaded
        if not _id_matches(card.id, path.stem, "file name", doc, display_path(path, root), problems):
            continue
        cards[card.id] = card
        files[card.id] = path
        if card.runner is not None:
            _check_runner(card.runner, doc, display_path(path, root), problems)
    _check_aliases(cards, files, root, problems)
    return cards, files


def _check_runner(runner, doc, shown: str, problems: list[Problem]) -> None:
    """The runner section as its adapter will read it (adapter name, options, device). Each
    adapter declares what it accepts; the runner's check imports no backend and no model."""
    from ..runner.adapter import runner_problems

    for where, message in runner_problems(runner):
        problems.append(Problem(shown, doc.line_of(("runner", *where)), f"runner.{'.'.join(where)}: {message}"))


def _check_aliases(cards: dict[str, ModelCard], files: dict[str, Path], root: Path, problems: list[Problem]) -> None:
    owner: dict[str, str] = {}
    for card in cards.values():
        for alias in [card.id, card.name, *card.aliases]:
            key = alias.casefold()
            if key in owner and owner[key] != card.id:
                problems.append(Problem(display_path(files[card.id], root), None,
                                        f"aliases: {alias!r} is already a name of {owner[key]!r}"))
            owner.setdefault(key, card.id)


def load_suites(root: Path, problems: list[Problem], base: Path | None = None) -> dict[str, LoadedSuite]:
    """Suites under ``base`` (default: root; the layer for imported ones), named relative to root."""
    suites: dict[str, LoadedSuite] = {}
    for path in sorted(((base or root) / SUITE_DIR).glob("*/suite.yaml")):
        loaded = _validate(Suite, path, root, problems)
        if not loaded:
            continue
        suite, doc = loaded
        shown = display_path(path, root)
        folder = path.parent
        if not _id_matches(suite.id, folder.name, "folder name", doc, shown, problems):
            continue
        for i, image in enumerate(suite.images):
            target = folder / image.file
            line = doc.line_of(("images", i, "file"))
            if Path(image.file).is_absolute() or not inside(folder, target):
                problems.append(Problem(shown, line, f"images.{i}.file: {image.file!r} points outside the suite folder"))
            elif not target.is_file():
                problems.append(Problem(shown, line, f"images.{i}.file: {image.file!r} does not exist"))
            elif why := raster_problem(target):
                problems.append(Problem(shown, line, f"images.{i}.file: {image.file!r} {why}"))
        suites[suite.id] = LoadedSuite(suite, folder)
    return suites


def load_runs(root: Path, problems: list[Problem], base: Path | None = None) -> list[RunRecord]:
    """Every record of every run file; the newest-per-prompt union is taken by ``latest_records``.

    Each line is parsed and validated in one step by pydantic (``model_validate_json``, about
    twice as fast as ``json.loads`` followed by ``model_validate``; a 200-model catalog holds
    20,000 records). A line that fails goes through ``_recheck``, the original two steps, so a
    problem is worded as it always was and nothing the two steps accept is refused.
    """
    records: list[RunRecord] = []
    for path in sorted(((base or root) / RUN_DIR).glob("*/*/*.jsonl")):
        if escapes(root, path, problems):
            continue
        shown, folder = display_path(path, root), {"suite": path.parent.parent.name, "model": path.parent.name}
        with path.open("rb") as fh:
            for number, raw in enumerate(fh, 1):
                record = _read_record(raw, shown, number, problems)
                if record is None:
                    continue
                # the folder is the claim a reviewer sees: a file under runs/ocr/rapidocr/ cannot speak for tesseract-5
                wrong = [key for key, value in folder.items() if getattr(record, key) != value]
                for key in wrong:
                    problems.append(Problem(shown, number, f"{key}: {getattr(record, key)!r} does not match the run "
                                                           f"folder {display_path(path.parent, root)}/"))
                if not wrong:
                    records.append(record)
    return records


TORN = "the last line is torn (a run killed mid-write?); skipped, its prompt runs again"


def _read_record(raw: bytes, shown: str, number: int, problems: list[Problem]) -> RunRecord | None:
    """One line of a run file: the record, or None with its problem reported. Only the last line can
    lack its newline: a run killed mid-write tore it, which is a warning, not an error (documented in
    runner/store.py), wherever the cut fell, inside a multi-byte character included."""
    torn = not raw.endswith(b"\n")
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        problems.append(Problem(shown, number, TORN, warning=True) if torn else
                        Problem(shown, number, f"not UTF-8 text ({e.reason} at byte {e.start})"))
        return None
    if not line.strip():
        return None
    if len(line) > MAX_RUN_LINE:
        problems.append(Problem(shown, number, "record longer than 2 MB"))
        return None
    if "Infinity" not in line and "NaN" not in line:  # else json.loads names the constant; pydantic would take it
        try:
            return RunRecord.model_validate_json(line)
        except ValidationError:
            pass
    return _recheck(line, shown, number, problems, torn)


class _NonFinite(Exception):
    pass


def _refuse_constant(name: str):
    raise _NonFinite(name)


def _recheck(line: str, shown: str, number: int, problems: list[Problem], torn: bool = False) -> RunRecord | None:
    """A run-record line that failed fast validation (or holds the words Infinity or NaN): the record,
    or None with its problems reported, worded as json.loads and pydantic's two steps word them."""
    if _nesting(line) > MAX_DEPTH:
        problems.append(Problem(shown, number, f"nesting deeper than {MAX_DEPTH} levels"))
        return None
    try:
        return RunRecord.model_validate(json.loads(line, parse_constant=_refuse_constant))
    except _NonFinite as e:
        problems.append(Problem(shown, number, f"{e} is not a number JSON allows (non-finite)"))
    except json.JSONDecodeError as e:
        problems.append(Problem(shown, number, TORN, warning=True) if torn else
                        Problem(shown, number, f"invalid JSON: {e.msg}"))
    except ValidationError as e:
        for err in e.errors():
            problems.append(Problem(shown, number, _describe(err, RunRecord)))
    return None


def _nesting(line: str) -> int:
    """How deep the JSON brackets of ``line`` go, strings left out: json.loads recurses per level."""
    depth = deepest = 0
    for bracket in re.findall(r"[\[\]{}]", re.sub(r'"(?:[^"\\]|\\.)*"', "", line)):
        depth += 1 if bracket in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def latest_records(records: list[RunRecord]) -> dict[tuple[str, str, str], RunRecord]:
    """The reader's union: newest record per (suite, model, prompt id), ties broken by run id."""
    newest: dict[tuple[str, str, str], RunRecord] = {}
    for record in sorted(records, key=lambda r: (r.started_at, r.run_id)):
        newest[(record.suite, record.model, record.prompt_id)] = record
    return newest


def _check_references(catalog: Catalog, problems: list[Problem]) -> None:
    for card in catalog.cards.values():
        path = display_path(catalog.card_files[card.id], catalog.root)
        for i, rep in enumerate(card.reported):
            if rep.suite and rep.suite not in catalog.suites:
                problems.append(Problem(path, None, f"reported.{i}.suite: {rep.suite!r} is not a suite in {SUITE_DIR}"))
    # one problem per run folder, not per record: a broken card would otherwise bury its own error
    orphans = Counter((r.suite, r.model, r.model not in catalog.cards, r.suite not in catalog.suites)
                      for r in catalog.runs if r.model not in catalog.cards or r.suite not in catalog.suites)
    for (suite, model, no_card, no_suite), count in sorted(orphans.items()):
        where, records = f"{RUN_DIR}/{suite}/{model}", f"{count} run record{'s' if count != 1 else ''}"
        if no_card:
            why = ("whose card has problems (listed with it)" if (catalog.root / CARD_DIR / f"{model}.yaml").exists()
                   else f"which has no card in {CARD_DIR}/")
            problems.append(Problem(where, None, f"{records} for model {model!r}, {why}"))
        if no_suite:
            why = ("whose suite.yaml has problems (listed with it)" if (catalog.root / SUITE_DIR / suite / "suite.yaml").exists()
                   else f"which is not a suite in {SUITE_DIR}/")
            problems.append(Problem(where, None, f"{records} for suite {suite!r}, {why}"))
    for model_id in catalog.site.flagship:
        if model_id not in catalog.cards:
            problems.append(Problem("site.yaml", None, f"flagship: {model_id!r} has no card"))


def load_layer(root: Path, suites: dict[str, LoadedSuite], runs: list[RunRecord], problems: list[Problem]
               ) -> tuple[list[ImportedAggregate], list[LayerSource]]:
    """Add the build-time layer's suites and runs to ``suites`` and ``runs``; return its aggregates
    and the status of each pinned source. No layer (no build since the sources were synced, or none
    pinned) is no error: the site is built from the repository's own files."""
    layer = layer_dir(root)
    if not layer.is_dir():
        return [], []
    for suite_id, loaded in load_suites(root, problems, base=layer).items():
        if suite_id in suites:
            problems.append(Problem(display_path(loaded.folder / "suite.yaml", root), None,
                                    f"an imported suite has the id {suite_id!r} of a suite in {SUITE_DIR}/"))
        else:
            suites[suite_id] = loaded
    runs.extend(load_runs(root, problems, base=layer))
    aggregates = [a for path in sorted((layer / AGGREGATE_DIR).glob("*.jsonl"))
                  for a in _read_jsonl(ImportedAggregate, path, root, problems)]
    sources: list[LayerSource] = []
    status = layer / LAYER_SOURCES
    if status.is_file():
        try:
            sources = [LayerSource.model_validate(s) for s in json.loads(status.read_text(encoding="utf-8"))]
        except (ValueError, TypeError) as e:  # json and pydantic errors are ValueErrors
            problems.append(Problem(display_path(status, root), None, f"unreadable ({e}); rebuild to rewrite the layer"))
    return aggregates, sources


def _read_jsonl(model: type[BaseModel], path: Path, root: Path, problems: list[Problem]) -> list[Any]:
    shown, found = display_path(path, root), []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            found.append(model.model_validate_json(line))
        except ValidationError as e:
            problems.extend(Problem(shown, number, _describe(err)) for err in e.errors())
    return found


def load_catalog(root: Path | str) -> Catalog:
    """The one entry point: load everything, raise CatalogError listing every problem."""
    root = Path(root)
    problems: list[Problem] = []
    site = load_site(root, problems)
    cards, files = load_cards(root, problems)
    suites = load_suites(root, problems)
    runs = load_runs(root, problems)
    aggregates, sources = load_layer(root, suites, runs, problems)
    for model in sorted({a.model for a in aggregates} - set(cards)):
        problems.append(Problem(display_path(layer_dir(root) / AGGREGATE_DIR, root), None,
                                f"figures for model {model!r}, which has no card; rebuild to refresh the layer"))
    catalog = Catalog(root=root, site=site, cards=cards, suites=suites, runs=runs, card_files=files,
                      aggregates=aggregates, sources=sources)
    _check_references(catalog, problems)
    catalog.warnings = [p for p in problems if p.warning]
    for warning in catalog.warnings:  # with no logging set up, Python prints these on stderr
        logging.getLogger(__name__).warning("warning: %s", warning)
    if len(catalog.warnings) < len(problems):
        raise CatalogError([p for p in problems if not p.warning])
    return catalog
