"""Load SDTM XPT files into an in-memory DuckDB database for the QC programs.

Each ``<domain>.xpt`` of the folder becomes a table named after the domain (upper case).
Character values are stripped of trailing blanks and blanks become SQL NULL, so that the SQL
can test ``IS NULL`` whatever the file held. Dates stay ISO 8601 text; the macros below turn
them into DATEs and SAS day numbers inside the SQL:

- ``iso_date(x)``: the DATE of a complete ``YYYY-MM-DD[Thh:mm...]`` value, else NULL;
- ``sasday(d)``: days since 1960-01-01 (the SAS date number) of a DATE;
- ``iso_sasday(x)``: ``sasday(iso_date(x))``;
- ``iso_first(x)`` / ``iso_last(x)``: the SAS day of a complete or partial (``YYYY-MM``,
  ``YYYY``) date, a partial one imputed to the first / last day of its month or year.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pyreadstat

from adam.errors import InputError, Problem

MACROS = """
CREATE OR REPLACE MACRO iso_date(x) AS
    CASE WHEN regexp_full_match(substr(x, 1, 10), '\\d{4}-\\d{2}-\\d{2}')
         THEN try_cast(substr(x, 1, 10) AS DATE) END;
CREATE OR REPLACE MACRO sasday(d) AS date_diff('day', DATE '1960-01-01', d);
CREATE OR REPLACE MACRO iso_sasday(x) AS sasday(iso_date(x));
CREATE OR REPLACE MACRO iso_first(x) AS sasday(CASE
    WHEN length(x) >= 10 THEN iso_date(x)
    WHEN regexp_full_match(x, '\\d{4}-\\d{2}') THEN try_cast(x || '-01' AS DATE)
    WHEN regexp_full_match(x, '\\d{4}') THEN try_cast(x || '-01-01' AS DATE) END);
CREATE OR REPLACE MACRO iso_last(x) AS sasday(CASE
    WHEN length(x) >= 10 THEN iso_date(x)
    WHEN regexp_full_match(x, '\\d{4}-\\d{2}') THEN last_day(try_cast(x || '-01' AS DATE))
    WHEN regexp_full_match(x, '\\d{4}') THEN try_cast(x || '-12-31' AS DATE) END);
"""


def read_xpt(path: Path) -> pd.DataFrame:
    """One XPT file as a frame: character columns stripped, blanks as missing."""
    try:
        df, meta = pyreadstat.read_xport(str(path), disable_datetime_conversion=True)
    except Exception as error:  # unreadable file: bad input, named
        raise InputError(Problem(f"cannot read as SAS XPT: {error}", file=str(path))) from error
    for col in df.columns:
        if meta.readstat_variable_types.get(col) == "string":
            text = df[col].astype("str").str.rstrip()
            df[col] = text.where(text != "", None)
    df.columns = [c.upper() for c in df.columns]
    return df


def connect_sdtm(folder: Path, required: list[str]) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection holding every SDTM domain of ``folder`` as a table.

    Raises InputError when the folder or one of the ``required`` domains is missing.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(Problem("SDTM folder not found", file=str(folder)))
    files = {p.stem.upper(): p for p in sorted(folder.glob("*.xpt")) + sorted(folder.glob("*.XPT"))}
    missing = [d for d in required if d not in files]
    if missing:
        raise InputError([Problem(f"SDTM domain {d} missing (no {d.lower()}.xpt)", file=str(folder), dataset=d)
                          for d in missing])
    con = duckdb.connect(":memory:")
    for domain, path in files.items():
        frame = read_xpt(path)
        con.register(f"_{domain}_frame", frame)
        con.execute(f'CREATE TABLE "{domain}" AS SELECT * FROM "_{domain}_frame"')
        con.unregister(f"_{domain}_frame")
    con.execute(MACROS)
    return con


def fetch(con: duckdb.DuckDBPyConnection, sql: str) -> pd.DataFrame:
    """Run a query and return a frame with the engine's conventions: numbers float64, text
    ``str`` with missing as NA."""
    df = con.execute(sql).df()
    for col in df.columns:
        s = df[col]
        if pd.api.types.is_bool_dtype(s) or pd.api.types.is_numeric_dtype(s):
            df[col] = s.astype("float64")
        else:
            df[col] = s.astype("str").where(s.notna(), pd.NA) if len(s) else s.astype("str")
    return df
