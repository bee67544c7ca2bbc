"""What every peer-source importer shares: mapping a source's model names to cards, provenance,
atomic writes, reading a checkout's git metadata, and skeleton cards for unmapped models.

An importer (one module per source: ``vision_ai_checkup``, ``vlm_exam``) reads a checkout of a
pinned commit and writes into a destination folder laid out like the repository (the build-time
layer, see generator/sources/layer.py). It never guesses: a model maps to a card only when one
of its names equals (case-folded) a card's ``id``, ``name`` or one of its ``aliases``.
"""

from __future__ import annotations

import re
import subprocess
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..catalog.schemas import ImportedSource, ModelCard

UNDATED = "1970-01-01T00:00:00Z"  # the source does not say when it ran; fixed, so imports are reproducible


class ImportProblem(Exception):
    """The checkout cannot be imported; the message names the file (and line)."""


@dataclass(frozen=True)
class Provenance:
    """Who published a source's figures, at which commit and under which licence."""

    repository: str  # owner/name
    commit: str | None
    license: str
    measured_by: str

    @property
    def url(self) -> str:
        return f"https://github.com/{self.repository}"

    def at(self, path: str) -> ImportedSource:
        """The provenance of one file of the source, as stored with every imported figure."""
        return ImportedSource(repository=self.repository, path=path, commit=self.commit,
                              measured_by=self.measured_by, license=self.license)

    def file_url(self, path: str) -> str:
        return f"{self.url}/blob/{self.commit or 'HEAD'}/{path}"


# ------------------------------------------------------------------ model names -> cards


def alias_index(cards: dict[str, ModelCard]) -> dict[str, str]:
    """Every name a card answers to (id, name, aliases), case-folded -> card id."""
    index: dict[str, str] = {}
    for card in cards.values():
        for name in (card.id, card.name, *card.aliases):
            index.setdefault(name.casefold(), card.id)
    return index


def map_model(names: tuple[str, ...], index: dict[str, str]) -> tuple[str | None, str]:
    """(card id, "") or (None, why). A source names a model more than one way (display name, file
    slug or key): every name that maps must point to the same card."""
    found = {index[n.casefold()] for n in names if n and n.casefold() in index}
    quoted = " or ".join(repr(n) for n in names if n)
    if len(found) == 1:
        return found.pop(), ""
    if found:
        return None, f"{quoted} map to different cards: {', '.join(sorted(found))}"
    return None, f"no card has {quoted} as id, name or alias"


@dataclass(frozen=True)
class UnmappedModel:
    """A model a source names that no card claims: reported, never guessed."""

    name: str
    other_names: tuple[str, ...]  # file slug, key…: written as aliases of a skeleton card
    organization: str | None
    reason: str


# ------------------------------------------------------------------ files


def write_atomic(path: Path, text: str) -> None:
    """Replace ``path`` atomically, so an interrupted import never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def dump_yaml(data: Any) -> str:
    """YAML that reads well in review: multi-line strings as blocks, keys in the given order."""
    class Dumper(yaml.SafeDumper):
        pass

    def text(dumper, value):
        style = "|" if "\n" in value and not any(line != line.rstrip() for line in value.splitlines()) else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    Dumper.add_representer(str, text)
    return yaml.dump(data, Dumper=Dumper, sort_keys=False, allow_unicode=True, width=100)


def git_output(checkout: Path, *args: str) -> str | None:
    """Output of a git command in the checkout's own repository (not a repository above it)."""
    try:
        top = subprocess.run(["git", "-C", str(checkout), "rev-parse", "--show-toplevel"],
                             capture_output=True, text=True, timeout=30)
        if top.returncode or Path(top.stdout.strip()).resolve() != checkout.resolve():
            return None
        out = subprocess.run(["git", "-C", str(checkout), *args], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if out.returncode != 0:
        return None
    return out.stdout.strip() or None


def checkout_commit(checkout: Path, commit: str | None) -> tuple[str | None, str]:
    """(commit, its committer date) of a checkout; the date is UNDATED when git cannot tell."""
    commit = commit or git_output(checkout, "rev-parse", "HEAD")
    date = git_output(checkout, "log", "-1", "--format=%cI", commit) if commit else None
    return commit, date or UNDATED


# ------------------------------------------------------------------ skeleton cards


def slugify(text: str, empty: str = "model") -> str:
    """A URL slug (ids of cards, prompts, categories): ASCII, lower case, hyphens."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or empty


def merge_unmapped(models: list[UnmappedModel]) -> list[UnmappedModel]:
    """One entry per model that several sources name (same card id): all their names, the first
    organisation any of them gives, the reasons joined."""
    merged: dict[str, UnmappedModel] = {}
    for m in models:
        key = slugify(m.name)
        if key in merged:
            old = merged[key]
            m = UnmappedModel(old.name, (*old.other_names, *m.other_names), old.organization or m.organization,
                              old.reason)
        merged[key] = m
    return list(merged.values())


SKELETON = """\
# yaml-language-server: $schema=schema.json
# Skeleton written by `leaderboard import --new-cards` for a model a peer source names but no card
# claims. Complete every empty field from a source you can link (leave unknown optional fields
# out); `leaderboard validate` lists what is still missing.
"""


def write_skeleton_cards(root: Path, unmapped: list[UnmappedModel]) -> list[Path]:
    """One card per unmapped model in ``root/model_cards``: the name (and organisation, where the
    source gives one) from the source, the source's other names as aliases so the next import maps
    it, and every fact the source does not give left empty. An existing file is never overwritten."""
    written = []
    for model in unmapped:
        path = root / "model_cards" / f"{slugify(model.name)}.yaml"
        if path.exists():
            continue
        aliases = [n for n in dict.fromkeys(model.other_names) if n and n.casefold() not in (model.name.casefold(), path.stem)]
        card = {"id": path.stem, "name": model.name, "organization": model.organization, "access": None,
                "modalities": {"inputs": ["image", "text"], "outputs": ["text"]}, "release_date": None,
                "license": {"id": None}, "tasks": ["vqa"], "overview": None, "aliases": aliases}
        write_atomic(path, SKELETON + dump_yaml(card))
        written.append(path)
    return written
