"""Where the tests find their documents.

Everything a test needs to prove the product works ships with the repository: the seed
documents are the samples in ``raw/`` and the real PDFs sit in ``tests/fixtures/pdfs/``.
Only scoring against the hand-made development gold needs ``../shared/`` (or
``ACCORDS_SHARED``); those tests skip, saying why, when it is absent, unless
``ACCORDS_REQUIRE_SHARED=1`` (set by CI) makes its absence an error.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("ACCORDS_SHARED") or REPO.parent / "shared")
SEEDS = REPO / "raw"  # the five seed documents, byte for byte the ones in ../shared/seeds
FIXTURES = REPO / "tests" / "fixtures"
PDFS = FIXTURES / "pdfs"
UNSEEN_FIXTURES = FIXTURES / "unseen"  # documents of the genre the rules were not written from
GOLD_SEEDS = SHARED / "gold" / "seeds"

needs_gold = pytest.mark.skipif(
    not GOLD_SEEDS.is_dir(),
    reason=f"development gold not found at {GOLD_SEEDS} (clone without ../shared): scoring skipped",
)


def gold_files() -> list[Path]:
    """The seed gold files, or none when the gold is absent (the tests using them skip)."""
    return sorted(GOLD_SEEDS.glob("*.json")) if GOLD_SEEDS.is_dir() else []
