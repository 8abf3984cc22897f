"""Integer codes of key columns (private): grouping, matching and sorting records by text or
numbers with one hash pass per column instead of comparing strings record by record.

- :func:`group_codes` / :func:`shared_codes`: one integer per distinct key (of one frame, or of
  two frames on one numbering, missing keys matching each other as in a merge);
- :func:`rank_codes` / :func:`sort_order` / :func:`sorted_positions`: order-keeping codes and the
  stable sort they give (missing values last in either direction, as in dplyr);
- :func:`factorize`: :func:`pandas.factorize`, faster on records sorted by subject.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from adam.derive._checks import OrderItem, sort_spec

MAX_CODE = 2 ** 62  # combined integer keys stay below this (int64 headroom)


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


def _values(column) -> np.ndarray | pd.api.extensions.ExtensionArray:
    """A column as an array pd.factorize hashes quickly; -0.0 becomes 0.0 (they are equal)."""
    if isinstance(column, pd.Series):
        arr = column.to_numpy() if isinstance(column.dtype, np.dtype) else column.array
    else:
        arr = np.asarray(column)
    if isinstance(arr, np.ndarray) and arr.dtype.kind == "f":
        arr = arr + 0.0  # -0.0 + 0.0 is +0.0, so both zeros hash alike
    return arr


def _combine(codes: np.ndarray, size: int, more: np.ndarray, more_size: int) -> tuple[np.ndarray, int]:
    """Mixed-radix combination of two code arrays, re-densified when it would overflow."""
    if size * more_size >= MAX_CODE:
        codes, uniques = pd.factorize(codes, sort=True)
        size = len(uniques)
    return codes * more_size + more, size * more_size


def _whole_numbers(arr) -> bool:
    """True for a numeric numpy array whose present values are whole numbers of modest range
    (dates, integer codes): their offsets from the minimum then serve as sort codes."""
    if not isinstance(arr, np.ndarray) or arr.dtype.kind not in "iuf" or not len(arr):
        return False
    if arr.dtype.kind == "f":
        present = arr[~np.isnan(arr)]
        if not len(present) or not np.all(present == np.floor(present)):
            return False
    else:
        present = arr
    return bool(present.max() - present.min() < 4 * len(arr) + 1_000_000)


def rank_codes(column, descending: bool = False) -> tuple[np.ndarray, int]:
    """Order-keeping integer codes of a column (text by code point, numbers by value), missing
    values last in either direction; returns the codes (int64, 0 .. size - 1, the last code
    meaning missing) and size."""
    arr = _values(column)
    if _whole_numbers(arr):  # no hashing needed: the offset from the minimum keeps the order
        missing = np.isnan(arr) if arr.dtype.kind == "f" else np.zeros(len(arr), dtype=bool)
        low = arr[~missing].min()
        n = int(arr[~missing].max() - low) + 1
        codes = np.where(missing, 0, arr - low).astype(np.int64)
    else:
        codes, uniques = pd.factorize(arr, sort=True, use_na_sentinel=True)
        n = len(uniques)
        missing = codes < 0
        codes = codes.astype(np.int64)
    if descending:
        codes = n - 1 - codes
    codes[missing] = n
    return codes, n + 1


def sort_order(columns: Sequence, descending: Sequence[bool] | None = None) -> np.ndarray:
    """Positions that sort records by ``columns`` (the first is the primary key; stable, missing
    last) - what ``sort_values(kind="stable", na_position="last")`` gives, without comparing
    strings more than once per distinct value."""
    n = len(columns[0]) if len(columns) else 0
    combined, size = np.zeros(n, dtype=np.int64), 1
    for i, column in enumerate(columns):
        codes, k = rank_codes(column, bool(descending[i]) if descending is not None else False)
        combined, size = _combine(combined, size, codes, k)
    return np.argsort(combined, kind="stable")


def sorted_positions(df: pd.DataFrame, by: Sequence[str], order: Sequence[OrderItem] | None = None) -> np.ndarray:
    """Row positions sorted by ``by`` then ``order`` (stable; missing values last, as in dplyr)."""
    cols, asc = sort_spec(order)
    columns = [df[c] for c in [*by, *cols]]
    if not columns:
        return np.arange(len(df))
    return sort_order(columns, [False] * len(by) + [not a for a in asc])


def adjacent_equal(key: np.ndarray) -> np.ndarray:
    """For a sort key in sorted order: whether each record equals the one before it (missing
    equals missing)."""
    same = key[1:] == key[:-1]
    if key.dtype.kind == "f":
        same |= np.isnan(key[1:]) & np.isnan(key[:-1])
    return same


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
