"""Content digests: a hash of everything a page shows, so a rebuild renders only what changed.

Each model, suite and prompt view gets a digest of its inputs (card or prompt text, image bytes,
the hashes of its graded and scores rows); the page list combines them per page (``pages.py``)
and the incremental build compares the result with the previous build's manifest. A digest that
leaves out an input shows stale pages; one that takes in too much rewrites pages for nothing
(tests/test_site_incremental.py checks both).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from .judging import prompt_judgements

if TYPE_CHECKING:
    from ..results import Results
    from .view import SiteData


def digest(*parts: Any) -> str:
    """SHA-256 of the parts, each length-prefixed so that ("ab", "c") and ("a", "bc") differ."""
    h = hashlib.sha256()
    for part in parts:
        data = part if isinstance(part, bytes) else str(part).encode("utf-8", "surrogatepass")
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
    return h.hexdigest()


def _row_hashes(rows: list[dict]) -> list[bytes]:
    """A hash of each row's values (repr: exact for floats, and None stays distinct from "")."""
    return [hashlib.sha256(repr(tuple(row.values())).encode("utf-8", "surrogatepass")).digest() for row in rows]


def _grouped(rows: list[dict], hashes: list[bytes], key: Callable[[dict], Any]) -> dict[Any, bytes]:
    """The row hashes of each group, joined in row order: what a group's pages show of the rows."""
    found: dict[Any, list[bytes]] = {}
    for row, h in zip(rows, hashes):
        found.setdefault(key(row), []).append(h)
    return {k: b"".join(hashes) for k, hashes in found.items()}


def stamp(site: SiteData, code_digest: str) -> None:
    """Fill in every view's digests and the site-wide ones (shared, names, ranking, listing)."""

    results: Results = site.results
    for suite in site.suites.values():
        images = b"".join(digest(Path(src).read_bytes()).encode() for path, src in sorted(site.media.items())
                          if path.startswith(f"media/{suite.id}/"))
        suite.digest = digest(suite.suite.model_dump_json(), images)

    graded, graded_hashes = results.graded_rows, _row_hashes(results.graded_rows)
    scores_hashes = _row_hashes(results.scores_rows)
    graded_by_model = _grouped(graded, graded_hashes, lambda row: row["model"])
    scores_by_model = _grouped(results.scores_rows, scores_hashes, lambda row: row["model"])
    provenances = [(model_id, f"{suite_id}\0{source}\0{where.model_dump_json()}")
                   for (suite_id, model_id, source), where in sorted(results.provenances().items())]
    imported: dict[str, list[str]] = {}  # where each imported result came from: its pages name the file
    for model_id, text in provenances:
        imported.setdefault(model_id, []).append(text)
    for model_id, view in site.models.items():
        # The overview, a card's longest part and the one most often edited, is shown only on the
        # model's page and its pair pages: editing it leaves the site-wide pages as they are.
        view.listing_digest = digest(view.card.model_dump_json(exclude={"overview"}), graded_by_model.get(model_id, b""),
                                     scores_by_model.get(model_id, b""), *imported.get(model_id, ()))
        view.digest = digest(view.listing_digest, view.card.overview)

    site.names_digest = digest(json.dumps({m: v.name for m, v in site.models.items()}, sort_keys=True))
    site.ranking_digest = digest(site.names_digest, *site.ranking)
    by_prompt = _grouped(graded, graded_hashes, lambda row: (row["suite"], row["prompt_id"]))
    for suite in site.suites.values():
        for p in suite.prompts:
            p.digest = digest(p.prompt.model_dump_json(), suite.digest, site.names_digest,
                              by_prompt.get((suite.id, p.id), b""),
                              prompt_judgements(site, suite.id, p.id))
    site.shared_digest = digest(code_digest, site.config.model_dump_json(), site.base_url,
                                *(s.digest for s in site.suites.values()))
    site.listing_digest = digest(site.shared_digest, *(m.listing_digest for m in site.models.values()))
    # The data files hold every row, a model without a card's too.
    site.data_digest = digest(site.listing_digest, b"".join(graded_hashes), b"".join(scores_hashes),
                              *(text for _, text in provenances))


__all__ = ["digest", "stamp"]
