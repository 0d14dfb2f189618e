"""notebooks/explore.ipynb runs headless, cell by cell, on real, hand-made and empty tables.

One kernel runs the notebook three times (a kernel and its imports cost ~8 s); each run
starts by pointing ACCORDS_PROCESSED_DIR at its folder and then re-runs every cell from
the top, so no run sees another's tables.
"""
import base64
import copy
import os
import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from helpers.samples import REPO, handmade_output, sample_output

NOTEBOOK = REPO / "notebooks" / "explore.ipynb"
PLOTS = 4


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, list]:
    """The executed cells of the notebook for each table set; CellExecutionError if any cell fails."""
    folders = {
        "samples": sample_output(),
        "handmade": handmade_output(tmp_path_factory.mktemp("handmade") / "processed"),
        "empty": tmp_path_factory.mktemp("empty") / "never-run",
    }
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    script = nbformat.v4.new_notebook(metadata=notebook.metadata)
    for folder in folders.values():
        script.cells.append(nbformat.v4.new_code_cell(
            f"import os\nos.environ['ACCORDS_PROCESSED_DIR'] = {str(folder)!r}"))
        script.cells += copy.deepcopy(notebook.cells)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MPLBACKEND", "Agg")
        NotebookClient(script, timeout=120, kernel_name="python3",
                       resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()
    size = len(notebook.cells) + 1
    return {name: script.cells[i * size + 1:(i + 1) * size] for i, name in enumerate(folders)}


def outputs(cells, mime: str) -> list:
    return [o["data"][mime] for c in cells if c.cell_type == "code"
            for o in c.get("outputs", []) if mime in o.get("data", {})]


def all_text(cells) -> str:
    return "\n".join(outputs(cells, "text/plain") + outputs(cells, "text/html")
                     + [o.get("text", "") for c in cells for o in c.get("outputs", [])])


def save_pngs(cells, folder: Path, prefix: str) -> list[Path]:
    paths = []
    for i, png in enumerate(outputs(cells, "image/png"), 1):
        path = folder / f"{prefix}-plot{i}.png"
        path.write_bytes(base64.b64decode(png))
        paths.append(path)
    if os.environ.get("ACCORDS_SCREENSHOTS"):
        for path in paths:
            shutil.copy(path, Path(os.environ["ACCORDS_SCREENSHOTS"]) / path.name)
    return paths


def test_notebook_is_stored_without_outputs_and_cells_stay_short():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code)
    assert max(len(c.source.splitlines()) for c in code) <= 15


def test_notebook_runs_on_the_sample_outputs(runs, tmp_path):
    pngs = save_pngs(runs["samples"], tmp_path, "samples")
    assert len(pngs) == PLOTS and all(p.stat().st_size > 5_000 for p in pngs)
    assert "Traceback" not in all_text(runs["samples"])


def test_notebook_answers_the_questions_on_known_tables(runs, tmp_path):
    text = all_text(runs["handmade"])
    # Agreements per party and year, commitments by topic, deadlines, organizations together, SQL.
    for expected in ("2026", "2024", "SGP", "supply_chains", "FY2026", "IMDA", "European Commission"):
        assert expected in text, expected
    assert "no data" not in text
    assert len(save_pngs(runs["handmade"], tmp_path, "explore")) == PLOTS


def test_empty_tables_give_no_data_plots_not_errors(runs):
    assert len(outputs(runs["empty"], "image/png")) == PLOTS
    assert all_text(runs["empty"]).count("no data: ") == PLOTS
