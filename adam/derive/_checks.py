"""Argument checks and small helpers shared by the derivation functions (private).

Every public derivation collects its argument problems with :class:`Checker` and raises one
:class:`~adam.errors.InputError` carrying all of them before it touches the data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from adam.errors import InputError, Problem

# A filter is a pandas query string, a boolean Series aligned with the frame, or a callable
# taking the frame and returning such a Series.
Filter = str | pd.Series | Callable[[pd.DataFrame], Any] | None
# An order item is a column name (ascending) or (column, "asc" | "desc").
OrderItem = str | tuple[str, str]

RECORD_KEYS = ("USUBJID",)


def as_list(value: str | Iterable[str] | None) -> list[str]:
    """A column argument given as one name or several, as a list."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return list(value)


class Checker:
    """Collects argument problems for one call of a derivation function."""

    def __init__(self, function: str, df: pd.DataFrame | None = None, dataset: str | None = None):
        self.function = function
        self.df = df
        self.dataset = dataset
        self.problems: list[Problem] = []

    def fail(self, message: str, variable: str | None = None, dataset: str | None = None) -> None:
        self.problems.append(
            Problem(f"{self.function}: {message}", dataset=dataset or self.dataset, variable=variable)
        )

    def frame(self, argument: str, value: Any) -> bool:
        if not isinstance(value, pd.DataFrame):
            self.fail(f"argument {argument} must be a pandas DataFrame, got {type(value).__name__}")
            return False
        return True

    def columns(
        self, argument: str, cols: str | Iterable[str] | None, df: pd.DataFrame | None = None,
        dataset: str | None = None,
    ) -> bool:
        """Every column named by ``argument`` is present in the frame."""
        frame = self.df if df is None else df
        ok = True
        for col in as_list(cols):
            if not isinstance(col, str):
                self.fail(f"argument {argument} must name columns, got {col!r}")
                ok = False
            elif frame is not None and col not in frame.columns:
                self.fail(f"argument {argument}: column {col} not found", variable=col, dataset=dataset)
                ok = False
        return ok

    def numeric(
        self, argument: str, cols: str | Iterable[str] | None, df: pd.DataFrame | None = None,
        what: str = "numeric (SAS date)", dataset: str | None = None,
    ) -> bool:
        """Columns are present and numeric (dates must be SAS numbers, not text)."""
        frame = self.df if df is None else df
        ok = self.columns(argument, cols, frame, dataset)
        if not ok or frame is None:
            return ok
        for col in as_list(cols):
            series = frame[col]
            if pd.api.types.is_bool_dtype(series) or not (
                pd.api.types.is_numeric_dtype(series) or series.isna().all()
            ):
                hint = ""
                if pd.api.types.is_datetime64_any_dtype(series):
                    hint = " (convert with adam.derive.to_sas_date / to_sas_datetime)"
                self.fail(
                    f"argument {argument}: column {col} must be {what}, found dtype {series.dtype}{hint}",
                    variable=col, dataset=dataset,
                )
                ok = False
        return ok

    def choice(self, argument: str, value: Any, allowed: Sequence[Any]) -> bool:
        if value not in allowed:
            self.fail(f"argument {argument} must be one of {', '.join(map(repr, allowed))}; got {value!r}")
            return False
        return True

    def non_negative(self, argument: str, value: Any, allow_none: bool = False) -> bool:
        if value is None and allow_none:
            return True
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) or not (
            value >= 0
        ):
            self.fail(f"argument {argument} must be a non-negative number; got {value!r}")
            return False
        return True

    def new_names(self, argument: str, names: Iterable[str]) -> bool:
        ok = True
        for name in names:
            if not isinstance(name, str) or not name:
                self.fail(f"argument {argument} must give column names; got {name!r}")
                ok = False
        return ok

    def filter(self, argument: str, value: Filter, df: pd.DataFrame | None = None) -> bool:
        frame = self.df if df is None else df
        if value is None or isinstance(value, str) or callable(value):
            return True
        if isinstance(value, (pd.Series, np.ndarray, list)):
            if frame is not None and len(value) != len(frame):
                self.fail(f"argument {argument}: mask has {len(value)} values for {len(frame)} records")
                return False
            return True
        self.fail(f"argument {argument} must be a query string, boolean mask or callable")
        return False

    def order(self, argument: str, order: Sequence[OrderItem] | None, df: pd.DataFrame | None = None) -> bool:
        if order is None:
            return True
        ok = True
        for item in [order] if isinstance(order, (str, tuple)) else order:
            if isinstance(item, tuple):
                if len(item) != 2 or item[1] not in ("asc", "desc"):
                    self.fail(f"argument {argument}: order item {item!r} must be (column, 'asc'|'desc')")
                    ok = False
                    continue
                item = item[0]
            ok = self.columns(argument, item, df) and ok
        return ok

    def raise_if_any(self) -> None:
        if self.problems:
            raise InputError(self.problems)


def evaluate_filter(df: pd.DataFrame, value: Filter, argument: str, function: str) -> np.ndarray:
    """A filter as a boolean numpy array (missing counts as False)."""
    if value is None:
        return np.ones(len(df), dtype=bool)
    try:
        if isinstance(value, str):
            result = df.eval(value)
        elif callable(value):
            result = value(df)
        else:
            result = value
        if isinstance(result, pd.Series):
            if len(result) == len(df) and not result.index.equals(df.index):
                result = result.to_numpy()
            else:
                result = result.reindex(df.index).to_numpy()
        result = np.asarray(pd.array(result, dtype="boolean").fillna(False), dtype=bool)
    except InputError:
        raise
    except Exception as exc:  # a bad query or callable is a usage problem, not a crash
        raise InputError(Problem(f"{function}: argument {argument} could not be evaluated: {exc}")) from exc
    if result.shape != (len(df),):
        raise InputError(Problem(f"{function}: argument {argument} must give one value per record"))
    return result


def sort_spec(order: Sequence[OrderItem] | None) -> tuple[list[str], list[bool]]:
    """Column names and ascending flags from an order argument."""
    if order is None:
        return [], []
    items = [order] if isinstance(order, (str, tuple)) else list(order)
    cols, asc = [], []
    for item in items:
        if isinstance(item, tuple):
            cols.append(item[0])
            asc.append(item[1] == "asc")
        else:
            cols.append(item)
            asc.append(True)
    return cols, asc


def factorize(values: pd.Series | np.ndarray, *, sort: bool = False, use_na_sentinel: bool = True
              ) -> tuple[np.ndarray, Any]:
    """:func:`pandas.factorize`, faster on text that comes in runs of equal values (records sorted
    by subject): only the first value of each run is hashed."""
    arr = values.to_numpy() if isinstance(values, pd.Series) else np.asarray(values)
    if arr.dtype == object and len(arr) > 1:
        try:
            change = np.r_[True, arr[1:] != arr[:-1]]
        except (TypeError, ValueError):  # e.g. pd.NA, which has no truth value
            change = None
        if change is not None and change.dtype == bool:
            starts = np.flatnonzero(change)
            codes, uniques = pd.factorize(arr[starts], sort=sort, use_na_sentinel=use_na_sentinel)
            return np.repeat(codes, np.diff(np.r_[starts, len(arr)])), uniques
    return pd.factorize(values, sort=sort, use_na_sentinel=use_na_sentinel)


def sort_key(values: pd.Series, ascending: bool = True) -> np.ndarray:
    """A numeric array that sorts (with a stable sort) like ``values``, missing values last in
    either direction: numbers as they are (negated when descending), anything else as the rank
    of its distinct value."""
    dtype = values.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "fiub":
        key = values.to_numpy(dtype=np.float64 if dtype.kind == "f" else np.int64)
        return key if ascending else -key
    codes, uniques = factorize(values, sort=True)  # -1: missing
    n = len(uniques)
    return np.where(codes < 0, n, codes) if ascending else n - 1 - codes


def adjacent_equal(key: np.ndarray) -> np.ndarray:
    """For a sort key in sorted order: whether each record equals the one before it (missing
    equals missing)."""
    same = key[1:] == key[:-1]
    if key.dtype.kind == "f":
        same |= np.isnan(key[1:]) & np.isnan(key[:-1])
    return same


def sorted_positions(df: pd.DataFrame, by: Sequence[str], order: Sequence[OrderItem] | None = None) -> np.ndarray:
    """Row positions sorted by ``by`` then ``order`` (stable; missing values last, as in dplyr)."""
    cols, asc = sort_spec(order)
    keys = [sort_key(df[c]) for c in by] + [sort_key(df[c], a) for c, a in zip(cols, asc)]
    if not keys:
        return np.arange(len(df))
    return np.lexsort(keys[::-1])


def group_codes(df: pd.DataFrame, by: Sequence[str]) -> np.ndarray:
    """One integer per by-group, numbered in order of first appearance (missing keys form their
    own group)."""
    codes = np.zeros(len(df), dtype=np.int64)
    for i, col in enumerate(by):
        col_codes, uniques = factorize(df[col], use_na_sentinel=False)
        codes = col_codes if i == 0 else pd.factorize(codes * len(uniques) + col_codes)[0]
    return codes.astype(np.int64, copy=False)


def shared_codes(left: pd.DataFrame, left_keys: Sequence[str], right: pd.DataFrame,
                 right_keys: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes of the key values of two frames, equal where the keys are equal (missing
    equals missing, as in a merge)."""
    n = len(left)
    codes = np.zeros(n + len(right), dtype=np.int64)
    for i, (lk, rk) in enumerate(zip(left_keys, right_keys)):
        lv, rv = left[lk].to_numpy(), right[rk].to_numpy()
        if lv.dtype != rv.dtype and object in (lv.dtype, rv.dtype):
            lv, rv = lv.astype(object), rv.astype(object)
        col_codes, uniques = factorize(np.concatenate([lv, rv]), use_na_sentinel=False)
        codes = col_codes if i == 0 else pd.factorize(codes * len(uniques) + col_codes)[0]
    codes = codes.astype(np.int64, copy=False)
    return codes[:n], codes[n:]


def take_values(values: pd.Series, positions: np.ndarray) -> pd.Series:
    """The values at ``positions`` (-1: missing), promoted as a left join would (integers with a
    missing value become floats); a new Series with a default index."""
    taken = pd.api.extensions.take(values.array, positions, allow_fill=True)
    return pd.Series(taken)


def record_label(df: pd.DataFrame, positions: Iterable[int], keys: Sequence[str] | None = None) -> list[str]:
    """Human labels such as ``USUBJID=01-701-1015 AESEQ=3`` for records at row positions."""
    if keys is None:
        keys = [c for c in df.columns if c == "USUBJID" or (len(c) <= 8 and c.endswith("SEQ"))][:2]
    positions = list(positions)
    if not keys:
        return [f"row {p + 1}" for p in positions]
    sub = df[list(keys)].iloc[positions]
    out = []
    for p, row in zip(positions, sub.itertuples(index=False)):
        parts = [f"{k}={_fmt(v)}" for k, v in zip(keys, row)]
        out.append(" ".join(parts) if parts else f"row {p + 1}")
    return out


def _fmt(value: Any) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return "<missing>"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def key_examples(df: pd.DataFrame, keys: Sequence[str], mask: np.ndarray, limit: int = 5) -> str:
    """A few key combinations where ``mask`` holds, for error messages."""
    sub = df.loc[mask, list(keys)].drop_duplicates().head(limit)
    return "; ".join(
        ", ".join(f"{k}={_fmt(v)}" for k, v in zip(keys, row)) for row in sub.itertuples(index=False)
    )


def flag_values(mask: np.ndarray, true_value: Any, false_value: Any, missing: np.ndarray | None = None,
                missing_value: Any = None, index: pd.Index | None = None) -> pd.Series:
    """A flag column from a boolean mask: true_value / false_value, missing where ``missing``."""
    values = [true_value, false_value] + ([missing_value] if missing is not None else [])
    is_str = all(v is None or isinstance(v, str) for v in values)
    if is_str:  # a text column taken from its three possible values
        choice = np.where(mask, 0, 1)
        if missing is not None:
            choice[missing] = 2
        table = pd.array(values + [None] * (3 - len(values)), dtype="str")
        return pd.Series(table.take(choice), index=index)
    num = np.where(mask, np.nan if true_value is None else true_value,
                   np.nan if false_value is None else false_value).astype(float)
    if missing is not None:
        num[missing] = np.nan if missing_value is None else missing_value
    return pd.Series(num, index=index)


def check_mapping(checker: Checker, argument: str, value: Any) -> bool:
    if value is not None and not isinstance(value, Mapping):
        checker.fail(f"argument {argument} must be a mapping of column name to value")
        return False
    return True
