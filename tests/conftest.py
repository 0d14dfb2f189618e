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

from helpers.paths import GOLD_SEEDS, REPO  # noqa: E402

if os.environ.get("ACCORDS_REQUIRE_SHARED") == "1" and not GOLD_SEEDS.is_dir():
    raise pytest.UsageError(f"ACCORDS_REQUIRE_SHARED=1 but the development gold is missing: {GOLD_SEEDS}")


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
