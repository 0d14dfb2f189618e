"""The `accords` command line: validated settings, one-line errors a user can act on, one run summary
that names every failed file and why."""
import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.samples import REPO
from pipelines.cli import main
from pipelines.settings import Settings, SettingsError, get_settings

PROSE = ("Japan and Canada signed a Memorandum of Cooperation on clean energy on 4 March 2025. "
         "Both sides will hold an annual dialogue on critical minerals.\n")


def accords(*args: str, cwd: Path = REPO, **env) -> subprocess.CompletedProcess:
    """The CLI as a user runs it: a new process, so import-time failures show too."""
    environment = {**os.environ, "PYTHONPATH": str(REPO), **env}
    return subprocess.run([sys.executable, "-m", "pipelines", *args], cwd=cwd, env=environment,
                          capture_output=True, text=True, timeout=120)


def assert_one_line_error(result: subprocess.CompletedProcess, *words: str) -> None:
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("accords: "), result.stderr
    for word in words:
        assert word in lines[0], lines[0]


# -- settings ---------------------------------------------------------------------------------------

def test_settings_come_typed_from_the_environment_and_calls_override_them(monkeypatch):
    monkeypatch.setenv("ACCORDS_WORKERS", "3")
    monkeypatch.setenv("ACCORDS_DOC_TIMEOUT_S", "7.5")
    monkeypatch.setenv("ACCORDS_PROCESSED_DIR", "/data/tables")
    monkeypatch.setenv("ACCORDS_TASK_RUNNER", "dask")
    s = get_settings()
    assert (s.workers, s.doc_timeout_s, s.processed_dir, s.task_runner) == (3, 7.5, Path("/data/tables"), "dask")
    assert get_settings(workers=0, batch_size=None).workers == 0  # a call beats the environment; None keeps it
    assert get_settings(workers=0).batch_size == Settings().batch_size
    changed = s.replace(batch_size=5)
    assert changed.batch_size == 5 and changed.workers == 3 and s.batch_size == 25
    assert pickle.loads(pickle.dumps(s)) == s  # settings travel to worker processes
    with pytest.raises(Exception):
        s.workers = 9  # frozen


@pytest.mark.parametrize("name, value, words", [
    ("ACCORDS_WORKERS", "abc", ["ACCORDS_WORKERS='abc'", "integer"]),
    ("ACCORDS_TASK_RUNNER", "spark", ["ACCORDS_TASK_RUNNER='spark'", "'thread' or 'dask'"]),
    ("ACCORDS_FISCAL_YEAR_START_MONTH", "13", ["ACCORDS_FISCAL_YEAR_START_MONTH='13'", "12"]),
    ("ACCORDS_BATCH_SIZE", "0", ["ACCORDS_BATCH_SIZE='0'", "greater than 0"]),
])
def test_a_bad_environment_value_is_named_in_one_line(monkeypatch, name, value, words):
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as caught:
        get_settings()
    message = str(caught.value)
    assert "\n" not in message and all(w in message for w in words), message


def test_overrides_are_validated_too():
    with pytest.raises(SettingsError, match="workers=-1"):
        get_settings(workers=-1)
    with pytest.raises(SettingsError, match="task_runner='spark'"):
        get_settings().replace(task_runner="spark")
    with pytest.raises(SettingsError, match="unknown setting 'wrokers'"):
        get_settings(wrokers=2)


# -- one-line errors -------------------------------------------------------------------------------

@pytest.mark.parametrize("command_line", [["run"], ["run", "--no-prefect"], ["watch"], ["bench", "--docs", "2"]])
def test_bad_workers_value_exits_with_one_line_and_no_traceback(tmp_path, command_line):
    (tmp_path / "raw").mkdir()
    result = accords(*command_line, cwd=tmp_path, ACCORDS_WORKERS="abc")
    assert_one_line_error(result, "ACCORDS_WORKERS='abc'")
    assert not (tmp_path / "processed").exists()  # nothing started


def test_docs_outside_the_repository_says_where_to_run_it(tmp_path):
    result = accords("docs", cwd=tmp_path)
    assert_one_line_error(result, "docs/data_dictionary.md", "--out")
    out = tmp_path / "dictionary.md"
    written = accords("docs", "--out", str(out), cwd=tmp_path)
    assert written.returncode == 0 and out.read_text(encoding="utf-8").startswith("#")


def test_watch_on_a_missing_folder_says_so(tmp_path):
    result = accords("watch", "--raw", str(tmp_path / "nowhere"), "--no-prefect", cwd=tmp_path)
    assert_one_line_error(result, "nowhere", "does not exist")


@pytest.mark.parametrize("command_line", [["run"], ["serve"]])
def test_an_unreachable_prefect_api_is_one_line(tmp_path, command_line):
    (tmp_path / "raw").mkdir()
    # Port 9 (discard) has no listener here: the connection is refused at once.
    result = accords(*command_line, cwd=tmp_path, PREFECT_API_URL="http://127.0.0.1:9/api")
    assert_one_line_error(result, "cannot reach the Prefect API", "127.0.0.1:9")


def test_usage_errors_exit_2_and_help_exits_0(capsys):
    assert main(["run", "--no-such-option"]) == 2
    assert "--no-such-option" in capsys.readouterr().err
    assert main(["evaluate", "gold", "--raw", "r", "--processed", "p"]) == 2
    assert "not both" in capsys.readouterr().err
    assert main(["run", "--help"]) == 0
    assert "--task-runner" in capsys.readouterr().out


def test_bench_takes_stages_after_one_flag_as_before(monkeypatch):
    import pipelines.devtools.bench as bench

    seen = {}
    monkeypatch.setattr(bench, "main", lambda args: seen.update(vars(args)) or 0)
    assert main(["bench", "--docs", "4", "--stages", "read", "extract", "--budget", "5", "--json"]) == 0
    assert seen["stages"] == ["read", "extract"] and seen["docs"] == 4 and seen["budget"] == 5 and seen["json"]
    assert main(["bench", "--stages", "pdf", "--stages", "run"]) == 0 and seen["stages"] == ["pdf", "run"]
    assert main(["bench"]) == 0 and seen["stages"] is None and seen["workers"] is None
    assert main(["bench", "--stages", "read", "nonsense"]) == 2


def test_importing_the_cli_needs_neither_prefect_nor_the_optional_extras():
    code = ("import sys, pipelines.cli; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'prefect', 'dask', 'distributed', 'fpdf', "
            "'prefect_dask', 'spacy', 'pandas'}))")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)},
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and out.stdout.strip() == "[]", out


# -- the run summary --------------------------------------------------------------------------------

@pytest.fixture
def raw_with_failures(tmp_path) -> Path:
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "good.txt").write_text(PROSE, encoding="utf-8")
    (raw / "broken.pdf").write_bytes(b"%PDF-1.4\n% cut off in transfer\n")
    (raw / "empty.txt").write_bytes(b"")
    return raw


def test_run_prints_one_summary_naming_each_failed_file_and_why(raw_with_failures, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("ACCORDS_WORKERS", "0")
    processed = tmp_path / "processed"
    assert main(["run", "--no-prefect", "--raw", str(raw_with_failures), "--processed", str(processed)]) == 0
    out, err = capsys.readouterr()
    assert out.count("| seen | 3 |") == 1 and out.count("| failed | 2 |") == 1, out
    failed = {line.split("|")[1].strip(): line.split("|")[2].strip()
              for line in out.splitlines() if line.startswith("| broken.pdf") or line.startswith("| empty.txt")}
    assert set(failed) == {"broken.pdf", "empty.txt"}, out
    assert "PDF" in failed["broken.pdf"] and failed["empty.txt"], failed
    assert "good.txt" not in out

    assert main(["run", "--no-prefect", "--json", "--raw", str(raw_with_failures), "--processed", str(processed)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1
    summary = json.loads(lines[0])
    # The good file is unchanged; the two failures are read again (retries are bounded by
    # max_attempts) and, failing again, are listed again.
    assert summary["seen"] == 3 and summary["unchanged"] == 1 and summary["retried"] == 2
    assert sorted(f["path"] for f in summary["failures"]) == ["broken.pdf", "empty.txt"]


def test_json_summary_lists_failures_with_reasons(raw_with_failures, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("ACCORDS_WORKERS", "0")
    assert main(["run", "--no-prefect", "--json", "--raw", str(raw_with_failures),
                 "--processed", str(tmp_path / "processed")]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["failed"] == 2 and [f["path"] for f in summary["failures"]] == ["broken.pdf", "empty.txt"]
    assert all(f["error"] for f in summary["failures"])


def test_prefect_run_prints_the_summary_once(prefect_harness, raw_with_failures, tmp_path, capfd, monkeypatch):
    monkeypatch.setenv("ACCORDS_WORKERS", "0")
    assert main(["run", "--raw", str(raw_with_failures), "--processed", str(tmp_path / "processed")]) == 0
    out, err = capfd.readouterr()
    both = out + err
    assert both.count("| seen |") == 1 and both.count("| documents | count |") == 1, both
    assert "| broken.pdf |" in out and "| empty.txt |" in out


def test_folders_default_to_the_settings(raw_with_failures, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("ACCORDS_WORKERS", "0")
    monkeypatch.setenv("ACCORDS_RAW_DIR", str(raw_with_failures))
    monkeypatch.setenv("ACCORDS_PROCESSED_DIR", str(tmp_path / "tables"))
    monkeypatch.chdir(tmp_path)
    assert main(["run", "--no-prefect", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["new"] == 3
    assert (tmp_path / "tables" / "documents.parquet").exists() and not (tmp_path / "processed").exists()
    assert main(["report"]) == 0
    assert capsys.readouterr().out.strip() == str(tmp_path / "tables" / "report.html")
