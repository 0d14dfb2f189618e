"""Docs and code agree: CLI commands in the README, the data dictionary generated from the schema."""
import re
from pathlib import Path

import pytest

from pipelines.tables import load
from pipelines.cli import command
from pipelines.settings import Settings
from pipelines.tables.datadict import example_row, render_data_dictionary
from pipelines.tables.schema import TABLES
from pipelines.tables.store import to_arrow

from helpers.paths import REPO  # noqa: E402
README = REPO / "README.md"


def cli_commands() -> list[str]:
    return sorted(command().commands)


def cli_options(name: str) -> set[str]:
    return {opt for param in command().commands[name].params for opt in getattr(param, "opts", [])
            if opt.startswith("--")}


def documented_options() -> dict[str, set[str]]:
    """`accords CMD [--opt ...]` in the README's table of commands and the docs' examples: options per command."""
    text = README.read_text(encoding="utf-8") + (REPO / "docs" / "scaling.md").read_text(encoding="utf-8")
    found: dict[str, set[str]] = {}
    for name, rest in re.findall(r"`(?:\.venv/bin/)?accords (\w+)([^`]*)`", text):
        found.setdefault(name, set()).update(re.findall(r"--[a-z][a-z-]*", rest))
    return found


@pytest.mark.parametrize("name", cli_commands())
def test_every_cli_command_is_in_the_readme(name):
    assert re.search(rf"`accords {name}\b", README.read_text(encoding="utf-8")), f"README lacks `accords {name}`"


def test_every_documented_command_and_option_exists():
    documented = documented_options()
    assert {"run", "watch", "serve", "evaluate", "report", "docs"} <= set(documented)
    for name, options in documented.items():
        assert name in cli_commands(), f"the docs name `accords {name}`, which the CLI lacks"
        assert options <= cli_options(name), (name, options - cli_options(name))


def test_every_documented_accords_variable_is_a_setting():
    text = README.read_text(encoding="utf-8") + (REPO / "docs" / "scaling.md").read_text(encoding="utf-8")
    variables = set(re.findall(r"ACCORDS_([A-Z_]+)=", text))
    assert {"WORKERS", "TASK_RUNNER", "LOCK_TIMEOUT_S"} <= variables
    assert {v.lower() for v in variables} - {"home"} <= set(Settings.model_fields), variables


def test_readme_points_to_the_data_dictionary_and_the_notebook():
    readme = README.read_text(encoding="utf-8")
    for target in ("docs/data_dictionary.md", "notebooks/explore.ipynb"):
        assert f"]({target})" in readme and (REPO / target).exists(), target


def test_readme_uses_only_functions_the_load_api_has():
    used = set(re.findall(r"\bload\.(\w+)\(", README.read_text(encoding="utf-8")))
    assert used and all(callable(getattr(load, name, None)) for name in used), used


def test_data_dictionary_is_generated_from_the_schema():
    written = (REPO / "docs" / "data_dictionary.md").read_text(encoding="utf-8")
    assert written == render_data_dictionary(), "run `accords docs` to regenerate docs/data_dictionary.md"


@pytest.mark.parametrize("name", list(TABLES))
def test_every_column_is_documented_with_an_example_that_the_store_accepts(name):
    row = example_row(name)
    assert set(row) == set(TABLES[name].column_names)
    assert to_arrow(TABLES[name], [row]).num_rows == 1  # types, nulls and allowed values hold
    section = render_data_dictionary().split(f"## `{name}`", 1)[1].split("\n## ", 1)[0]
    for column in TABLES[name].columns:
        line = next(l for l in section.splitlines() if l.startswith(f"| `{column.name}` |"))
        assert line.rstrip(" |").rsplit("|", 1)[1].strip(), f"{name}.{column.name} has no example"
