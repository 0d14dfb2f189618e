"""pipelines.tables.load: typed DataFrames, projection and pushdown, DuckDB views, date values."""
from datetime import date

import pandas as pd
import pyarrow.parquet as pq
import pytest

from helpers.samples import DOC_A, DOC_B, REPO, handmade_output, sample_output
from pipelines.tables import load
from pipelines.tables.schema import TABLES, TRIGGERS
from pipelines.tables.store import Store


@pytest.fixture(scope="module")
def handmade(tmp_path_factory):
    return handmade_output(tmp_path_factory.mktemp("handmade") / "processed")


def test_every_table_of_a_real_run_loads_with_the_declared_columns_and_dtypes():
    t = load.tables(sample_output())
    assert set(t) == set(TABLES)
    for name, frame in t.items():
        assert list(frame.columns) == TABLES[name].column_names, name
        for column in TABLES[name].columns:
            dtype = str(frame[column.name].dtype)
            expected = load.pandas_dtype(column)
            assert dtype == expected or expected.startswith("object") and dtype == "object", (name, column.name, dtype)
    assert len(t.documents) == len(list((REPO / "raw").iterdir()))


def test_dtypes_are_what_an_analyst_expects(handmade):
    t = load.tables(handmade)
    dates = t.dates
    assert dates["start_date"].dtype == "datetime64[ms]"
    assert dates.loc[dates["value"] == "FY2026", "end_date"].iloc[0] == pd.Timestamp("2027-03-31")
    commitments = t.commitments
    assert commitments["actor"].iloc[0] == ["JPN", "SGP"] and isinstance(commitments["topics"].iloc[0], list)
    # Every allowed value is a category, so counts show the zeros too.
    assert list(commitments["strength"].cat.categories) == ["firm", "soft"]
    assert commitments["strength"].value_counts().to_dict() == {"firm": 2, "soft": 1}
    assert (commitments["trigger"].value_counts() == 0).sum() == len(TRIGGERS) - 3
    assert str(t.documents["ingested_at"].dtype) == "datetime64[ms, UTC]"
    assert t.documents["n_pages"].isna().all() and str(t.documents["n_pages"].dtype) == "Int32"
    assert t.agreement_parties.groupby("party").size().to_dict() == {"EU": 1, "JPN": 3, "SGP": 2}


def test_attribute_access_names_the_tables_on_a_typo(handmade):
    t = load.tables(handmade, names=["agreements"])
    assert list(t) == ["agreements"]
    with pytest.raises(AttributeError, match="no table 'commitment'"):
        t.commitment


def test_columns_and_filters_are_pushed_down_to_parquet(handmade, monkeypatch):
    calls = []
    real = pq.read_table

    def spy(path, **kwargs):
        calls.append((path.name, kwargs))
        return real(path, **kwargs)

    monkeypatch.setattr(pq, "read_table", spy)
    firm = load.table("commitments", handmade, columns=["doc_id", "strength", "deadline"],
                      filters=[("strength", "=", "firm")])
    assert list(firm.columns) == ["doc_id", "strength", "deadline"]
    assert sorted(firm["deadline"]) == ["2025", "2027-03"]
    name, kwargs = calls[-1]
    assert name == "commitments.parquet"
    assert kwargs["columns"] == ["doc_id", "strength", "deadline"] and kwargs["filters"] == [("strength", "=", "firm")]

    only_b = load.table("dates", handmade, doc_ids=[DOC_B], filters=[("granularity", "=", "year")])
    assert only_b["text"].tolist() == ["2025"]
    assert ("doc_id", "in", [DOC_B]) in calls[-1][1]["filters"]


def test_doc_ids_select_documents_in_per_document_tables_only(handmade):
    t = load.tables(handmade, doc_ids=[DOC_A])
    assert set(t.entities["doc_id"]) == {DOC_A} and set(t.commitments["doc_id"]) == {DOC_A}
    assert len(t.agreements) == 3  # corpus tables stay whole
    with pytest.raises(ValueError, match="corpus table"):
        load.table("agreements", handmade, doc_ids=[DOC_A])


def test_unknown_table_or_column_is_named_in_the_error(handmade):
    with pytest.raises(KeyError, match="no table 'treaties'"):
        load.table("treaties", handmade)
    with pytest.raises(KeyError, match="no column 'deadlines'"):
        load.table("commitments", handmade, columns=["deadlines"])


def test_reads_go_through_current_and_see_one_version(handmade, tmp_path):
    root = tmp_path / "processed"
    handmade_output(root)
    first = load.snapshot(root)
    assert first == (root / "current").resolve() and first.parent.name == "versions"
    con = load.connect(root)
    tables = {name: Store(root).read_arrow(name) for name in TABLES}
    tables["commitments"] = tables["commitments"].slice(0, 1)
    Store(root).commit(tables)
    # A connection opened before the run keeps reading the version it started with.
    assert con.execute("select count(*) from commitments").fetchone()[0] == 3
    assert load.connect(root).execute("select count(*) from commitments").fetchone()[0] == 1
    assert len(load.table("commitments", root)) == 1


def test_duckdb_has_a_view_per_table_with_list_and_date_types(handmade):
    con = load.connect(handmade)
    views = {row[0] for row in con.sql("select view_name from duckdb_views() where not internal").fetchall()}
    assert views == set(TABLES)
    rows = con.sql("""
        select party, count(*) as n from agreement_parties join agreements using (agreement_id)
        where status <> 'referenced' group by party order by n desc, party
    """).fetchall()
    assert rows == [("JPN", 3), ("SGP", 2), ("EU", 1)]
    assert con.execute("select max(end_date) from dates").fetchone()[0] == date(2027, 3, 31)
    assert con.execute("select actor from commitments where deadline = '2025'").fetchone()[0] == ["MIC", "European Commission"]


def test_empty_or_missing_store_gives_empty_typed_tables(tmp_path):
    t = load.tables(tmp_path / "nothing-here")
    assert all(len(frame) == 0 for frame in t.values())
    assert list(t.commitments.columns) == TABLES["commitments"].column_names
    assert str(t.commitments["strength"].dtype) == "category"
    assert load.connect(tmp_path / "nothing-here").execute("select count(*) from agreements").fetchone()[0] == 0


@pytest.mark.parametrize("value, expected", [
    ("2026-03-18", (date(2026, 3, 18), date(2026, 3, 18))),
    ("2024-02", (date(2024, 2, 1), date(2024, 2, 29))),
    ("2023", (date(2023, 1, 1), date(2023, 12, 31))),
    ("FY2023", (date(2023, 4, 1), date(2024, 3, 31))),
    ("2024-10-15/2024-10-24", (date(2024, 10, 15), date(2024, 10, 24))),
    ("2022/2025", (date(2022, 1, 1), date(2025, 12, 31))),
    ("2024-13", (None, None)),
    ("soon", (None, None)),
    (None, (None, None)),
])
def test_interval_of_iso_date_values(value, expected):
    assert load.interval(value) == expected


def test_intervals_of_a_series_keep_its_index():
    got = load.intervals(pd.Series(["2025", None, "FY2026"], index=[7, 8, 9]))
    assert list(got.index) == [7, 8, 9]
    assert got.loc[7, "end"] == pd.Timestamp("2025-12-31") and pd.isna(got.loc[8, "start"])
    assert got.loc[9, "start"] == pd.Timestamp("2026-04-01")
