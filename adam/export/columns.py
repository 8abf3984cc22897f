"""Column and dataset metadata passed to writers and returned by readers.

This is the small, format-neutral description that XPT, Dataset-JSON and the SDTM readers
share; the full study spec (adam.spec) is converted to it with :func:`from_spec` helpers.

It also holds the few conversions every format needs: SAS date numbers to and from pandas
datetimes and ISO 8601 strings, and the naming of a record (USUBJID, --SEQ) in problems.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

import numpy as np
import pandas as pd

from adam.errors import Problem

DataType = Literal["text", "integer", "float", "date", "datetime", "time"]

DATE_TYPES = ("date", "datetime", "time")

# Fixed creation timestamp used when the caller gives none: output must not depend on the clock.
DEFAULT_CREATED = datetime(2020, 1, 1, 0, 0, 0)

# Most problems of one kind reported per variable; the rest are summarised in one line.
MAX_PROBLEMS_PER_VARIABLE = 20


@dataclass(frozen=True)
class ColumnMeta:
    """One variable: name, label, data type, character length and SAS display format.

    ``json_type`` is the Dataset-JSON logical ``dataType`` when it is not the one implied by
    ``type`` (e.g. ``"date"`` for an SDTM ``--DTC`` character column, ``"decimal"`` for a float
    exchanged as a string, ``"URI"``); ``None`` means the default mapping.
    """

    name: str
    label: str
    type: DataType = "text"
    length: int | None = None
    display_format: str | None = None
    json_type: str | None = None

    @property
    def is_numeric(self) -> bool:
        return self.type != "text"


@dataclass(frozen=True)
class DatasetMeta:
    """One dataset: name, label, ordered columns and key variables."""

    name: str
    label: str
    columns: tuple[ColumnMeta, ...]
    keys: tuple[str, ...] = field(default_factory=tuple)

    def column(self, name: str) -> ColumnMeta:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    @property
    def names(self) -> list[str]:
        """The column names in order."""
        return [c.name for c in self.columns]


# --- SAS date numbers -------------------------------------------------------------------------

SAS_EPOCH_DAY = np.datetime64("1960-01-01", "D")
SAS_EPOCH_US = np.datetime64("1960-01-01T00:00:00", "us")
_US_PER_DAY = 86_400 * 1_000_000


def to_sas_numbers(values: pd.Series, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """Convert a date, datetime or time column to SAS numbers.

    SAS dates are days since 1960-01-01, datetimes seconds since 1960-01-01T00:00:00, times
    seconds since midnight. Accepted inputs: numbers (taken as SAS numbers already), numpy
    datetime64 (date, datetime), timedelta64 (time) and Python ``date``/``datetime``/``time``
    objects. Returns ``(numbers, bad)``: float64 with NaN for missing, and a mask of values that
    could not be converted (wrong type, or a date that carries a time of day).
    """
    n = len(values)
    bad = np.zeros(n, dtype=bool)
    if pd.api.types.is_bool_dtype(values.dtype):
        return np.full(n, np.nan), values.notna().to_numpy()
    if pd.api.types.is_numeric_dtype(values.dtype):
        return pd.to_numeric(values).to_numpy(dtype="float64", na_value=np.nan), bad
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        if getattr(values.dtype, "tz", None) is not None:
            values = values.dt.tz_localize(None)
        return _from_datetime64(values.to_numpy(dtype="datetime64[us]"), kind)
    if pd.api.types.is_timedelta64_dtype(values.dtype):
        if kind != "time":
            return np.full(n, np.nan), values.notna().to_numpy()
        us = values.to_numpy(dtype="timedelta64[us]")
        return _from_timedelta64(us)
    # object column: Python date/datetime/time objects (anything else is the wrong type)
    out = np.full(n, np.nan)
    obj = values.to_numpy(dtype=object)
    present = ~pd.isna(values).to_numpy()
    import datetime as _dt

    for i in np.flatnonzero(present):  # object columns only: a slow path by nature
        v = obj[i]
        if kind == "time" and isinstance(v, _dt.time):
            out[i] = v.hour * 3600 + v.minute * 60 + v.second + v.microsecond / 1e6
        elif kind == "date" and isinstance(v, _dt.date) and not isinstance(v, _dt.datetime):
            out[i] = (v - _dt.date(1960, 1, 1)).days
        elif kind in ("date", "datetime") and isinstance(v, _dt.datetime):
            num, b = _from_datetime64(np.array([np.datetime64(v, "us")]), kind)
            out[i], bad[i] = num[0], b[0]
        else:
            bad[i] = True
    return out, bad


def _from_datetime64(us: np.ndarray, kind: str) -> tuple[np.ndarray, np.ndarray]:
    missing = np.isnat(us)
    delta = (us - SAS_EPOCH_US).astype("int64")
    if kind == "date":
        days, rest = np.divmod(delta, _US_PER_DAY)
        out = days.astype("float64")
        bad = (rest != 0) & ~missing  # a date with a time of day would lose it silently
    elif kind == "datetime":
        out = delta / 1e6
        bad = np.zeros(len(us), dtype=bool)
    else:  # time from a datetime: the time of day
        out = np.mod(delta, _US_PER_DAY) / 1e6
        bad = np.zeros(len(us), dtype=bool)
    out[missing] = np.nan
    return out, bad & ~missing


def _from_timedelta64(us: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    missing = np.isnat(us)
    out = us.astype("int64") / 1e6
    out[missing] = np.nan
    bad = ~missing & ((out < 0) | (out >= 86_400))
    return out, bad


def sas_to_datetime64(numbers: np.ndarray, kind: str) -> pd.Series:
    """SAS numbers to pandas values: datetime64 for dates and datetimes, timedelta64 for times."""
    numbers = np.asarray(numbers, dtype="float64")
    missing = ~np.isfinite(numbers)
    if kind == "date":
        us = np.round(np.where(missing, 0, numbers) * _US_PER_DAY).astype("int64")
    else:
        us = np.round(np.where(missing, 0, numbers) * 1e6).astype("int64")
    if kind == "time":
        td = us.astype("timedelta64[us]")
        td[missing] = np.timedelta64("NaT")
        return pd.Series(td)
    dt = SAS_EPOCH_US + us.astype("timedelta64[us]")
    dt[missing] = np.datetime64("NaT")
    return pd.Series(dt.astype("datetime64[s]") if kind == "date" else dt)


def sas_iso_bad(numbers: np.ndarray, kind: str) -> np.ndarray:
    """Mask of SAS numbers that :func:`sas_to_iso` cannot write: fractional dates, times
    outside one day (missing values are never bad)."""
    numbers = np.asarray(numbers, dtype="float64")
    missing = np.isnan(numbers)
    safe = np.where(missing, 0.0, numbers)
    if kind == "date":
        return ~missing & (safe != np.round(safe))
    if kind == "time":
        return ~missing & ((safe < 0) | (safe >= 86_400))
    return np.zeros(len(numbers), dtype=bool)


def sas_to_iso(numbers: np.ndarray, kind: str) -> tuple[list[str | None], np.ndarray]:
    """SAS numbers to ISO 8601 strings (``YYYY-MM-DD``, ``YYYY-MM-DDThh:mm:ss[.fff]``,
    ``hh:mm:ss[.fff]``); missing gives ``None``. Returns ``(strings, bad)``, bad marking values
    that are not a valid SAS number of that kind (fractional dates, times outside one day)."""
    numbers = np.asarray(numbers, dtype="float64")
    missing = np.isnan(numbers)
    safe = np.where(missing, 0.0, numbers)
    bad = sas_iso_bad(numbers, kind)
    if kind == "date":
        text = np.datetime_as_string(SAS_EPOCH_DAY + safe.astype("int64").astype("timedelta64[D]"), unit="D")
    else:
        ms = np.round(safe * 1000).astype("int64")
        if kind == "time":
            ms = np.mod(ms, 86_400_000)
        stamp = np.datetime64("1960-01-01T00:00:00", "ms") + ms.astype("timedelta64[ms]")
        text = np.datetime_as_string(stamp, unit="s")
        frac = np.mod(ms, 1000) != 0
        if frac.any():
            text = np.where(frac, np.datetime_as_string(stamp, unit="ms"), text)
        if kind == "time":
            text = np.array([t[11:] for t in text.tolist()], dtype=object)
    out = np.asarray(text, dtype=object)
    out[missing] = None
    return out.tolist(), bad


_ISO_PATTERNS = {
    "date": re.compile(r"^\d{4}-\d{2}-\d{2}$"),
    "datetime": re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$"),
    "time": re.compile(r"^\d{2}:\d{2}(:\d{2}(\.\d+)?)?$"),
}


def iso_to_sas(strings: pd.Series, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """Complete ISO 8601 strings to SAS numbers; returns ``(numbers, bad)``.

    Missing (None/NA/"") gives NaN; a value that is not a complete date, datetime or time of the
    kind asked (partial dates included) is marked bad.
    """
    s = pd.Series(strings, dtype="str").str.strip()
    missing = (s.isna() | (s == "")).to_numpy()
    shape_ok = s.str.match(_ISO_PATTERNS[kind]).fillna(False).to_numpy(dtype=bool)
    if kind == "time":
        parsed = pd.to_timedelta(s.where(shape_ok), errors="coerce")
        num, bad = _from_timedelta64(parsed.to_numpy(dtype="timedelta64[us]"))
        bad = bad | np.isnan(num)
    else:
        parsed = pd.to_datetime(s.where(shape_ok), format="ISO8601", errors="coerce")
        num, bad = _from_datetime64(parsed.to_numpy(dtype="datetime64[us]"), kind)
        bad = bad | np.isnan(num)
    bad = bad & ~missing
    num[missing | bad] = np.nan
    return num, bad


# --- naming records in problems ---------------------------------------------------------------


def seq_column(df: pd.DataFrame, dataset: str | None = None) -> str | None:
    """The sequence variable of a dataset: ``<DOMAIN>SEQ``, else ASEQ, else any ``--SEQ``."""
    candidates = [f"{dataset.upper()}SEQ"] if dataset else []
    candidates += ["ASEQ"]
    for name in candidates:
        if name in df.columns:
            return name
    others = [c for c in df.columns if isinstance(c, str) and re.fullmatch(r"[A-Z]{2}SEQ", c)]
    return others[0] if len(others) == 1 else None


def record_ids(df: pd.DataFrame, positions: np.ndarray | list[int], dataset: str | None = None) -> list[str]:
    """Name records by USUBJID and --SEQ when the frame has them, always with the row number."""
    positions = np.asarray(positions, dtype="int64")
    parts: list[list[str]] = [[] for _ in positions]
    for col in ("USUBJID", seq_column(df, dataset)):
        if col and col in df.columns:
            vals = df[col].iloc[positions].tolist()
            for p, v in zip(parts, vals):
                if not _is_missing(v):
                    p.append(f"{col}={_fmt(v)}")
    return [", ".join(p + [f"row {i + 1}"]) for p, i in zip(parts, positions)]


def _is_missing(v: object) -> bool:
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _fmt(v: object) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def row_problems(
    df: pd.DataFrame,
    mask: np.ndarray,
    message: str | list[str],
    *,
    file: str | None,
    dataset: str | None,
    variable: str | None,
    severity: str = "error",
    limit: int = MAX_PROBLEMS_PER_VARIABLE,
) -> list[Problem]:
    """One problem per flagged record (at most ``limit``, then one summary problem).

    ``message`` is either one text for every record or a list aligned with the flagged records.
    """
    positions = np.flatnonzero(np.asarray(mask, dtype=bool))
    if len(positions) == 0:
        return []
    shown = positions[:limit]
    ids = record_ids(df, shown, dataset)
    texts = message if isinstance(message, list) else [message] * len(shown)
    problems = [
        Problem(texts[k], file=file, dataset=dataset, variable=variable, record=ids[k], severity=severity)
        for k in range(len(shown))
    ]
    if len(positions) > limit:
        problems.append(
            Problem(
                f"... and {len(positions) - limit} more records with the same problem",
                file=file,
                dataset=dataset,
                variable=variable,
                severity=severity,
            )
        )
    return problems
