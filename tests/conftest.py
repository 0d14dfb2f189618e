import os
import shutil
from pathlib import Path

import pytest
from hypothesis import settings

# CI replays the same examples every time, so a red run is reproducible and a green one
# is not luck; locally Hypothesis keeps exploring new examples.
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(__file__).resolve().parents[2] / "shared"
SEEDS = SHARED / "seeds"
GOLD = SHARED / "gold" / "seeds"
PDFS = SHARED / "pdfs"


@pytest.fixture(scope="session")
def prefect_harness():
    """One ephemeral Prefect server for the whole session (it takes ~14 s to start)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture
def raw_copy(tmp_path) -> Path:
    """A private copy of the sample documents in raw/."""
    raw = tmp_path / "raw"
    shutil.copytree(REPO / "raw", raw)
    return raw
