"""Load the tables in ``processed/`` for analysis: pandas DataFrames and a DuckDB connection.

::

    from pipelines.tables import load

    t = load.tables()                                   # every table, one consistent version
    t.commitments.groupby(["strength"]).size()
    load.table("documents", columns=["doc_id", "title"])   # reads only two columns
    load.table("dates", doc_ids=["9f2c0a7d41b3e8aa"])       # row groups of other documents skipped
    con = load.connect()                                # DuckDB, one view per table
    con.sql("select party, count(*) from agreement_parties group by 1").df()

Types follow ``pipelines/tables/schema.py``: ``date32`` columns become ``datetime64[ms]``, timestamps
``datetime64[ms, UTC]``, string lists Python lists, columns with a fixed vocabulary
``category`` (every allowed value is a category, so counts show zeros), nullable integers
pandas ``Int32``.  ISO date *values* (``2026-03``, ``FY2023``, ``2022/2025``) stay strings;
:func:`interval` and :func:`intervals` turn them into first and last days.

Every call reads the version that ``processed/current`` points to when the call starts, so
the tables of one :func:`tables` call or one :func:`connect` always come from the same run,
even while a new run commits.
"""
from __future__ import annotations

import calendar
import os
import re
import weakref
from datetime import date
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipelines.tables.schema import TABLES, Column

__all__ = ["TABLE_NAMES", "Tables", "connect", "duckdb", "interval", "intervals", "pandas_dtype", "snapshot", "table",
           "tables", "to_pandas"]

TABLE_NAMES = tuple(TABLES)


class Tables(dict):
    """``{name: DataFrame}`` that also allows ``tables.commitments``."""

    def __getattr__(self, name: str) -> pd.DataFrame:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(f"no table {name!r}; tables: {', '.join(self)}") from None

    def __dir__(self):
        return [*super().__dir__(), *self]


def default_dir() -> Path:
    """``processed/`` from the settings (``ACCORDS_PROCESSED_DIR`` overrides it)."""
    from pipelines.settings import get_settings

    return Path(get_settings().processed_dir)


def snapshot(processed_dir: Path | str | None = None) -> Path | None:
    """The version directory ``processed/current`` points to now, or None when nothing was committed.

    A version directory (``processed/versions/000007``) is accepted as it is.
    """
    root = Path(processed_dir) if processed_dir is not None else default_dir()
    if (root / "manifest.json").exists():
        return root
    link = root / "current"
    if not (link.is_symlink() or link.exists()):
        return None
    target = link.resolve()
    return target if (target / "manifest.json").exists() else None


def pandas_dtype(column: Column) -> str:
    """The pandas dtype :func:`table` gives a column (also shown in the data dictionary)."""
    t = column.type
    if column.allowed:
        return "category"
    if pa.types.is_date(t):
        return "datetime64[ms]"
    if pa.types.is_timestamp(t):
        return f"datetime64[{t.unit}, {t.tz}]" if t.tz else f"datetime64[{t.unit}]"
    if pa.types.is_list(t):
        return "object (list of str)"
    if pa.types.is_integer(t):
        return f"Int{t.bit_width}" if column.nullable else f"int{t.bit_width}"
    if pa.types.is_boolean(t):
        return "boolean" if column.nullable else "bool"
    return "str"


def to_pandas(name: str, arrow: pa.Table) -> pd.DataFrame:
    """Convert one table read from the store to a DataFrame with the dtypes of :func:`pandas_dtype`."""
    spec = {c.name: c for c in TABLES[name].columns}
    frame = arrow.to_pandas(date_as_object=False, ignore_metadata=True)
    for col_name in frame.columns:
        column = spec.get(col_name)
        if column is None:
            continue
        kind = pandas_dtype(column)
        if kind == "category":
            observed = set(frame[col_name].dropna().unique())
            # Values outside the declared vocabulary (older data) are kept, never turned into NaN.
            categories = [*column.allowed, *sorted(observed - set(column.allowed))]
            frame[col_name] = pd.Categorical(frame[col_name], categories=categories)
        elif kind.startswith("object"):
            frame[col_name] = pd.Series(arrow.column(col_name).to_pylist(), index=frame.index, dtype=object)
        elif kind.startswith("datetime64[ms]"):
            frame[col_name] = frame[col_name].astype("datetime64[ms]")
        elif kind[0] in "Ib" and kind != "bool":
            frame[col_name] = frame[col_name].astype(kind)
    return frame


def _read(version: Path | None, name: str, columns, filters) -> pa.Table:
    if name not in TABLES:
        raise KeyError(f"no table {name!r}; tables: {', '.join(TABLES)}")
    schema = TABLES[name].schema
    if columns is not None:
        unknown = [c for c in columns if c not in schema.names]
        if unknown:
            raise KeyError(f"{name} has no column {unknown[0]!r}; columns: {', '.join(schema.names)}")
    path = version / f"{name}.parquet" if version is not None else None
    if path is None or not path.exists():
        empty = schema.empty_table()
        return empty.select(list(columns)) if columns is not None else empty
    return pq.read_table(path, columns=list(columns) if columns is not None else None, filters=filters)


def _filters(name: str, filters, doc_ids):
    if doc_ids is None:
        return filters
    if "doc_id" not in TABLES[name].column_names:
        raise ValueError(f"{name} is a corpus table without doc_id; filter it after loading")
    by_doc = ("doc_id", "in", sorted(set(doc_ids)))
    if filters is None:
        return [by_doc]
    if isinstance(filters, list) and filters and isinstance(filters[0], tuple):
        return [*filters, by_doc]
    if isinstance(filters, list):  # disjunctive normal form: add the condition to every conjunction
        return [[*conj, by_doc] for conj in filters]
    return filters & pc.field("doc_id").isin(sorted(set(doc_ids)))


def table(name: str, processed_dir: Path | str | None = None, columns: list[str] | None = None,
          filters=None, doc_ids=None) -> pd.DataFrame:
    """One table as a DataFrame.

    columns: read only these columns (Parquet column projection).
    filters: pyarrow filters, e.g. ``[("strength", "=", "firm")]`` or a ``pyarrow.compute``
        expression; pushed down to Parquet row-group statistics.
    doc_ids: keep only these documents (a pushed-down ``doc_id in (...)`` filter).
    """
    version = snapshot(processed_dir)
    arrow = _read(version, name, columns, _filters(name, filters, doc_ids))
    return to_pandas(name, arrow)


def tables(processed_dir: Path | str | None = None, names: list[str] | None = None,
           doc_ids=None) -> Tables:
    """Every table (or those named) from one version, as DataFrames.

    doc_ids keeps only these documents in the per-document tables; corpus tables
    (organizations, agreements, agreement_parties, files) are returned whole.
    """
    version = snapshot(processed_dir)
    out = Tables()
    for name in names or TABLE_NAMES:
        has_doc = "doc_id" in TABLES[name].column_names and TABLES[name].per_document
        out[name] = to_pandas(name, _read(version, name, None, _filters(name, None, doc_ids if has_doc else None)))
    return out


def connect(processed_dir: Path | str | None = None, database: str = ":memory:"):
    """A DuckDB connection with one view per table over the Parquet files of the current version.

    DuckDB pushes projections and filters into the Parquet scans itself. Tables not yet
    written (an empty ``processed/``) are empty views with the declared columns.  The version
    is pinned while the connection lives, so later runs do not remove the files its views read.
    """
    import duckdb

    from pipelines.tables.store import pin_version

    version, pin = None, None
    for _ in range(10):  # a version collected between finding and pinning it: look again
        version = snapshot(processed_dir)
        if version is None:
            break
        pin = pin_version(version)
        if pin is not None:
            break
    con = duckdb.connect(database)
    if pin is not None:
        # The connection's views read this version's files for as long as it lives.
        weakref.finalize(con, os.close, pin)
    for name, spec in TABLES.items():
        path = version / f"{name}.parquet" if version is not None else None
        if path is not None and path.exists():
            quoted = str(path).replace("'", "''")
            con.execute(f'CREATE OR REPLACE VIEW "{name}" AS SELECT * FROM read_parquet(\'{quoted}\')')
        else:
            con.register(f"_{name}_empty", spec.schema.empty_table())
            con.execute(f'CREATE OR REPLACE VIEW "{name}" AS SELECT * FROM "_{name}_empty"')
    return con


duckdb = connect  # the name the README uses


_ISO = re.compile(r"^(?:FY(?P<fy>\d{4})|(?P<y>\d{4})(?:-(?P<m>\d{2})(?:-(?P<d>\d{2}))?)?)$")


def interval(value: str | None, fiscal_year_start_month: int = 4) -> tuple[date | None, date | None]:
    """First and last day covered by an ISO date value; ``(None, None)`` when it is not one.

    >>> interval("2024-05")
    (datetime.date(2024, 5, 1), datetime.date(2024, 5, 31))
    >>> interval("FY2023")   # a Japanese fiscal year: April 2023 to March 2024
    (datetime.date(2023, 4, 1), datetime.date(2024, 3, 31))
    >>> interval("2022/2025")
    (datetime.date(2022, 1, 1), datetime.date(2025, 12, 31))
    """
    if not value or not isinstance(value, str):
        return None, None
    if "/" in value:
        first, _, last = value.partition("/")
        return interval(first, fiscal_year_start_month)[0], interval(last, fiscal_year_start_month)[1]
    match = _ISO.match(value.strip())
    if not match:
        return None, None
    try:
        if match["fy"]:
            year, month = int(match["fy"]), fiscal_year_start_month
            end_year, end_month = (year, month - 1) if month > 1 else (year - 1, 12)
            end_year += 1
            return date(year, month, 1), date(end_year, end_month, calendar.monthrange(end_year, end_month)[1])
        year = int(match["y"])
        if match["d"]:
            day = date(year, int(match["m"]), int(match["d"]))
            return day, day
        if match["m"]:
            month = int(match["m"])
            return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
        return date(year, 1, 1), date(year, 12, 31)
    except ValueError:  # 2024-13, 2024-02-30
        return None, None


def intervals(values: pd.Series) -> pd.DataFrame:
    """``start`` and ``end`` (datetime64) for a Series of ISO date values, NaT where unparseable."""
    pairs = [interval(v) for v in values]
    return pd.DataFrame({
        "start": pd.to_datetime([p[0] for p in pairs]).astype("datetime64[ms]"),
        "end": pd.to_datetime([p[1] for p in pairs]).astype("datetime64[ms]"),
    }, index=values.index)
