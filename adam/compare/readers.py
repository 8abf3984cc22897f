"""Read one dataset file of any supported format into a DataFrame plus its metadata.

XPT and sas7bdat are read with pyreadstat without date conversion (dates stay SAS numbers)
and keep labels, formats and storage lengths; Dataset-JSON keeps its column metadata; csv
and parquet carry no metadata (None), so only types and values are compared for them.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from adam.errors import InputError, Problem
from adam.export.columns import ColumnMeta, DatasetMeta

FORMATS = {
    ".xpt": "xpt",
    ".sas7bdat": "sas7bdat",
    ".csv": "csv",
    ".parquet": "parquet",
    ".json": "datasetjson",
    ".ndjson": "datasetjson",
}


def dataset_format(path: Path) -> str | None:
    """The format read for a file name (by its extension, case-insensitive), or None."""
    return FORMATS.get(path.suffix.lower())


def read_dataset(path: Path | str) -> tuple[pd.DataFrame, DatasetMeta | None]:
    """Read one dataset; raise InputError naming the file when it is missing or unreadable."""
    path = Path(path)
    fmt = dataset_format(path)
    if fmt is None:
        raise InputError(
            Problem(
                f"unknown dataset format {path.suffix or '(no extension)'!r}; expected one of "
                + ", ".join(sorted(FORMATS)),
                file=str(path),
            )
        )
    if not path.exists():
        raise InputError(Problem("file not found", file=str(path)))
    if not path.is_file():
        raise InputError(Problem("not a file", file=str(path)))
    reader = {
        "xpt": _read_sas,
        "sas7bdat": _read_sas,
        "csv": _read_csv,
        "parquet": _read_parquet,
        "datasetjson": _read_datasetjson,
    }[fmt]
    try:
        return reader(path)
    except InputError:
        raise
    except Exception as error:  # any reader failure is bad input, reported without a traceback
        raise InputError(Problem(f"cannot read as {fmt}: {error}", file=str(path))) from error


def _read_sas(path: Path) -> tuple[pd.DataFrame, DatasetMeta]:
    import pyreadstat

    read = pyreadstat.read_xport if path.suffix.lower() == ".xpt" else pyreadstat.read_sas7bdat
    try:
        df, meta = read(str(path), disable_datetime_conversion=True)
    except UnicodeDecodeError:
        # XPT stores no encoding; SAS on Windows writes Windows-1252
        df, meta = read(str(path), disable_datetime_conversion=True, encoding="cp1252")
    columns = []
    for col in meta.column_names:
        is_char = meta.readstat_variable_types.get(col) == "string"
        fmt = meta.original_variable_types.get(col)
        columns.append(
            ColumnMeta(
                name=col,
                label=meta.column_names_to_labels.get(col) or "",
                type="text" if is_char else "float",
                length=meta.variable_storage_width.get(col),
                display_format=fmt or None,
            )
        )
    name = (meta.table_name or path.stem).upper()
    return df, DatasetMeta(name=name, label=meta.file_label or "", columns=tuple(columns))


def _read_csv(path: Path) -> tuple[pd.DataFrame, None]:
    # All text: csv has no types, and "001" or "2.50" must not lose their spelling before we
    # know the other side's type (see settle_csv_types). Only empty fields are missing:
    # "NA" or "NONE" are real values in clinical data.
    return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""]), None


def _as_number(s: pd.Series) -> pd.Series | None:
    """The column as numbers when every non-blank value is one, else None."""
    num = pd.to_numeric(s, errors="coerce")
    unparsed = num.isna().to_numpy() & s.notna().to_numpy()
    if unparsed.any() and (s[unparsed].str.strip() != "").any():
        return None
    return num.astype("float64")


def settle_csv_types(
    frame: pd.DataFrame, other: pd.DataFrame, other_is_csv: bool
) -> pd.DataFrame:
    """Give the text columns of a csv file the type they should be compared as.

    Against a typed file (xpt, Dataset-JSON, parquet) a csv column becomes numeric where the
    other side's variable is numeric and all its values are numbers; against another csv it
    becomes numeric where all values on both sides are numbers. Otherwise it stays text (and a
    type difference is reported when the other side is numeric).
    """
    from adam.compare.values import column_kind

    others = {str(c).upper(): c for c in other.columns}
    out = frame.copy()
    for col in frame.columns:
        other_col = others.get(str(col).upper())
        if other_col is not None and not other_is_csv and column_kind(other[other_col]) != "num":
            continue
        num = _as_number(frame[col])
        if num is None:
            continue
        if other_col is not None and other_is_csv and _as_number(other[other_col]) is None:
            continue
        out[col] = num
    return out


def _read_parquet(path: Path) -> tuple[pd.DataFrame, None]:
    import duckdb

    con = duckdb.connect()
    try:
        return con.execute("select * from read_parquet(?)", [str(path)]).df(), None
    except ModuleNotFoundError as error:
        raise InputError(
            Problem(
                f"reading this parquet file needs the Python package {error.name or 'pyarrow'!r}, "
                "which is not installed",
                file=str(path),
            )
        ) from error
    finally:
        con.close()


def _read_datasetjson(path: Path) -> tuple[pd.DataFrame, DatasetMeta]:
    try:
        from adam.export.datasetjson import read_dataset_json
    except ImportError as error:
        raise InputError(
            Problem(
                "reading Dataset-JSON needs adam.export.datasetjson.read_dataset_json, "
                "which this installation lacks",
                file=str(path),
            )
        ) from error
    return read_dataset_json(path)
