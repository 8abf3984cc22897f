"""Column kinds, normalization and the vectorized value comparison of one variable.

Two kinds exist, as in SAS: numeric ("num") and character ("char"). Dates and datetimes held
as pandas datetimes are compared as SAS numbers (days, or seconds when any value has a time
part, since 1960-01-01), so a parquet date column meets an XPT date numeric on equal terms.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

SAS_EPOCH = pd.Timestamp("1960-01-01")
_NUMERIC_INFERRED = {"integer", "floating", "mixed-integer-float", "decimal", "boolean"}


def column_kind(s: pd.Series) -> str:
    """ "num" for numbers, booleans, dates and times; "char" for everything else."""
    if (
        ptypes.is_numeric_dtype(s.dtype)
        or ptypes.is_bool_dtype(s.dtype)
        or ptypes.is_datetime64_any_dtype(s.dtype)
        or ptypes.is_timedelta64_dtype(s.dtype)
    ):
        return "num"
    if s.dtype == object and ptypes.infer_dtype(s, skipna=True) in _NUMERIC_INFERRED:
        return "num"
    return "char"


def as_float(s: pd.Series) -> np.ndarray:
    """The column as float64 with NaN for missing; datetimes become SAS date/datetime numbers."""
    if ptypes.is_datetime64_any_dtype(s.dtype):
        if getattr(s.dt, "tz", None) is not None:
            s = s.dt.tz_localize(None)
        delta = s - SAS_EPOCH
        seconds = delta.dt.total_seconds().to_numpy(np.float64, na_value=np.nan)
        has_time = np.nan_to_num(np.mod(seconds, 86400.0)) != 0
        return seconds if has_time.any() else seconds / 86400.0
    if ptypes.is_timedelta64_dtype(s.dtype):
        return s.dt.total_seconds().to_numpy(np.float64, na_value=np.nan)
    if s.dtype == object:
        s = pd.to_numeric(s, errors="coerce")
    return s.to_numpy(np.float64, na_value=np.nan)


def as_text(s: pd.Series) -> np.ndarray:
    """The column as an object array of str, missing values as NaN or None (never pd.NA).

    For the default ``str`` dtype this is the stored array itself (no pass over the data);
    other dtypes are converted once.
    """
    dtype = s.dtype
    if isinstance(dtype, pd.StringDtype) and dtype.na_value is not pd.NA:
        return s.to_numpy(dtype=object)
    if dtype == object and ptypes.infer_dtype(s, skipna=True) in ("string", "empty"):
        return s.to_numpy(dtype=object, na_value=None)
    return s.astype("str").to_numpy(dtype=object)


def normalize_text(
    values: np.ndarray, *, ignore_trailing_blanks: bool, ignore_case: bool
) -> np.ndarray:
    """Strip trailing blanks and/or fold case, as the comparison options ask."""
    if not (ignore_trailing_blanks or ignore_case) or values.size == 0:
        return values
    s = pd.Series(values, dtype=object)
    if ignore_trailing_blanks:
        s = s.str.rstrip(" ")
    if ignore_case:
        s = s.str.upper()
    return s.to_numpy(dtype=object)


def round_values(values: np.ndarray, digits: int | None) -> np.ndarray:
    """Round to ``digits`` decimals (None: unchanged)."""
    return values if digits is None else np.round(values, digits)


def numeric_differs(
    a: np.ndarray, b: np.ndarray, *, abs_tol: float = 0.0, rel_tol: float = 0.0
) -> np.ndarray:
    """True where two float arrays differ beyond the tolerance (NaN equals NaN).

    Within tolerance means |a - b| <= max(abs_tol, rel_tol * max(|a|, |b|)); with both
    tolerances 0 this is exact equality.
    """
    with np.errstate(invalid="ignore"):
        differs = a != b
        differs &= ~(np.isnan(a) & np.isnan(b))
        if (abs_tol or rel_tol) and differs.any():
            gap = np.abs(a - b)
            limit = np.maximum(abs_tol, rel_tol * np.maximum(np.abs(a), np.abs(b)))
            differs &= ~(gap <= limit)
    return differs


def text_codes(
    values: np.ndarray,
    *,
    ignore_trailing_blanks: bool = True,
    ignore_case: bool = False,
    strict_missing: bool = False,
    sort: bool = False,
) -> np.ndarray:
    """Integer codes of text values (from :func:`as_text`): equal codes, equal values.

    Values are hashed once; only the distinct values are normalized (trailing blanks, case),
    so Python-level string work is proportional to the number of distinct values. Missing is
    coded as "" unless ``strict_missing`` (then as its own code). With
    ``sort`` the codes follow the sorted order of the normalized values.
    """
    raw, uniques = pd.factorize(values, use_na_sentinel=True)
    uniques = normalize_text(
        np.asarray(uniques, dtype=object),
        ignore_trailing_blanks=ignore_trailing_blanks,
        ignore_case=ignore_case,
    )
    table = np.concatenate([np.array([None if strict_missing else ""], dtype=object), uniques])
    canonical, _ = pd.factorize(table, sort=sort, use_na_sentinel=False)
    return canonical.astype(np.int64)[raw + 1]


def text_differs(
    a: np.ndarray,
    b: np.ndarray,
    *,
    ignore_trailing_blanks: bool = True,
    ignore_case: bool = False,
    strict_missing: bool = False,
) -> np.ndarray:
    """True where two character columns (from :func:`as_text`) differ.

    Raw values are compared first, in one pass; only the pairs that differ raw (including
    pairs with a missing value) are looked at again through :func:`text_codes`. So the
    common case, few differences, never pays for a pass of Python-level string work.
    """
    differs = np.asarray(a != b, dtype=bool)
    pos = np.flatnonzero(differs)
    if pos.size:
        codes = text_codes(
            np.concatenate([a[pos], b[pos]]),
            ignore_trailing_blanks=ignore_trailing_blanks,
            ignore_case=ignore_case,
            strict_missing=strict_missing,
        )
        differs[pos] = codes[: pos.size] != codes[pos.size :]
    return differs
