"""The real Vision AI Checkup files in ../shared/external (third-party, never committed) imported
with the repository's own cards: every model they name maps to a card.

Runs under VL_REQUIRE_ALL=1 (the full check) and only where ../shared/external exists: a fresh
clone has no ../shared, and its tests must pass without it."""

from __future__ import annotations

import os

import pytest

from generator.catalog.errors import Problem
from generator.catalog.loader import load_cards
from generator.importers.vision_ai_checkup import import_vision_ai_checkup

from conftest import REPO_ROOT, SHARED_EXTERNAL, require_shared

VAC = SHARED_EXTERNAL / "vision-ai-checkup"


@pytest.mark.skipif(not os.environ.get("VL_REQUIRE_ALL"), reason="checks the repository's cards against the real "
                    "peer files; set VL_REQUIRE_ALL=1 to run it")
def test_every_model_of_the_real_vision_ai_checkup_files_maps_to_a_card(tmp_path):
    require_shared("vision-ai-checkup")
    problems: list[Problem] = []
    cards, _ = load_cards(REPO_ROOT, problems)
    assert problems == []
    report = import_vision_ai_checkup(VAC, tmp_path, cards)
    assert [(m.name, m.reason) for m in report.unmapped] == []
    assert len(report.results) == 3 and all(r.records > 0 for r in report.results)
