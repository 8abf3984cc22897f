"""Fast whole-column operations on character columns (checks, stripping, lengths).

pandas' ``str`` dtype stores Python strings in an object array, and its ``.str`` methods call
a Python function per value: at a few million values per column that dominates a build. The
helpers here do the same work with C-level loops over the plain strings (``map(str.rstrip,
...)``, ``"".join(...)``, one regular expression over a joined column) and fall back to per-value
work only for the few values that fail a check. They work on character columns only:
:func:`as_strings` returns ``None`` for a column holding anything but strings and missing values,
and callers then keep their general (slow) path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

_SEP = "\x00"  # joins values so that a pattern can see where each one starts and ends
_LEADING_BLANK = re.compile(_SEP + r"\s")
_TRAILING_BLANK = re.compile(r"\s" + _SEP)


@dataclass(frozen=True)
class Strings:
    """A character column as plain data: ``values`` (object array of ``str``, ``""`` where the
    value is missing, never shared with the frame) and ``missing`` (bool array)."""

    values: np.ndarray
    missing: np.ndarray

    def tolist(self) -> list[str]:
        return self.values.tolist()


def as_strings(values: pd.Series) -> Strings | None:
    """The column as :class:`Strings`, or ``None`` when it holds values other than strings and
    missing values (NaN, None, NA) - a numeric or mixed column.

    pandas' ``str`` dtype guarantees strings, so only ``object`` columns are inspected (in C).
    """
    dtype = values.dtype
    if isinstance(dtype, pd.StringDtype):
        arr = values.to_numpy(dtype=object)
        missing = values.isna().to_numpy()
    elif dtype == object:
        arr = values.to_numpy()
        if pd.api.types.infer_dtype(arr, skipna=True) not in ("string", "empty"):
            return None
        missing = pd.isna(arr)
    else:
        return None
    # np.where makes a new array: the frame's own array is never written to
    return Strings(np.where(missing, "", arr) if missing.any() else arr.copy(), missing)


def stripped_strings(values: pd.Series) -> Strings | None:
    """:func:`as_strings` followed by :func:`rstrip`, in one pass over the values when the
    column has no missing value (the common case for data read from XPT)."""
    dtype = values.dtype
    if isinstance(dtype, pd.StringDtype) or dtype == object:
        try:
            stripped = list(map(str.rstrip, values.to_numpy(dtype=object).tolist()))
        except TypeError:  # a missing value (or, in an object column, something else)
            pass
        else:
            return Strings(object_array(stripped), np.zeros(len(stripped), dtype=bool))
    strings = as_strings(values)
    return None if strings is None else rstrip(strings)


def canonical_text(values: pd.Series, *, strip: bool = True) -> pd.Series | None:
    """A character column as pandas ``str``: right-stripped, ``""`` and missing as NA, and equal
    values sharing one string object; ``None`` when it holds values other than text.

    Works on the distinct values (found with one C-level hash pass), which also makes a column
    read from a file - one new string object per cell - take a fraction of the memory, and
    every later pass over it faster (fewer distinct objects to visit).
    """
    found = canonical_text_and_values(values, strip=strip)
    return None if found is None else found[0]


def factorize_text(values: pd.Series) -> tuple[np.ndarray, np.ndarray] | None:
    """A character column as integer codes (-1 where missing) and its distinct values (object
    array, in order of first appearance), found with one C-level hash pass; ``None`` when the
    column holds values other than text."""
    dtype = values.dtype
    if not (isinstance(dtype, pd.StringDtype) or dtype == object):
        return None
    codes, uniques = pd.factorize(values.to_numpy(dtype=object), use_na_sentinel=True)
    distinct = np.asarray(uniques, dtype=object)
    if dtype == object and pd.api.types.infer_dtype(distinct, skipna=True) not in ("string", "empty"):
        return None
    return codes, distinct


def canonical_text_and_values(values: pd.Series, *, strip: bool = True
                              ) -> tuple[pd.Series, list[str]] | None:
    """:func:`canonical_text` and the distinct present values of the result (which checks can
    test instead of every record). ``strip=False`` keeps trailing blanks (``""`` is still NA)."""
    found = factorize_text(values)
    if found is None:
        return None
    codes, distinct = found
    stripped = object_array(list(map(str.rstrip, distinct.tolist()))) if strip else distinct
    blank = stripped == ""
    table = np.append(np.where(blank, np.nan, stripped), np.nan)  # last: code -1
    present = list(dict.fromkeys(stripped[~blank].tolist()))  # stripping can merge values
    return pd.Series(table[codes], index=values.index, dtype="str"), present


def distinct_text(values: pd.Series) -> list[str] | None:
    """The distinct present values of a character column (one C-level hash pass; cheap to
    test instead of every record), or ``None`` when it holds values other than text."""
    dtype = values.dtype
    if not (isinstance(dtype, pd.StringDtype) or dtype == object):
        return None
    distinct = pd.unique(values.to_numpy(dtype=object))
    present = distinct[~pd.isna(distinct)]
    if dtype == object and pd.api.types.infer_dtype(present, skipna=True) not in ("string", "empty"):
        return None
    return present.tolist()


def rows_with(values: pd.Series, distinct: list[str], test) -> np.ndarray:
    """Mask of records whose value is one of the ``distinct`` values passing ``test``."""
    hits = [v for v in distinct if test(v)]
    if not hits:
        return np.zeros(len(values), dtype=bool)
    return values.isin(hits).to_numpy(dtype=bool)


def object_array(items: list) -> np.ndarray:
    """A 1-d object array of ``items`` (``np.array`` would make a 2-d array of sequences)."""
    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out


def rstrip(strings: Strings) -> Strings:
    """Trailing white space removed from every value."""
    return Strings(object_array(list(map(str.rstrip, strings.tolist()))), strings.missing)


def to_text_series(strings: Strings, index: pd.Index | None = None, *, blank_as_missing: bool = True
                   ) -> pd.Series:
    """A pandas ``str`` series of ``strings``; missing values (and ``""`` when
    ``blank_as_missing``) become NA."""
    values = strings.values
    missing = strings.missing | (values == "") if blank_as_missing else strings.missing
    out = np.where(missing, np.nan, values) if missing.any() else values
    return pd.Series(out, index=index, dtype="str")


def all_ascii(strings: Strings) -> bool:
    """Whether every value is ASCII (one C-level pass over the joined column)."""
    return "".join(strings.tolist()).isascii()


def non_ascii(strings: Strings) -> np.ndarray:
    """Mask of values holding a non-ASCII character."""
    if all_ascii(strings):
        return np.zeros(len(strings.values), dtype=bool)
    return ~np.fromiter(map(str.isascii, strings.tolist()), dtype=bool, count=len(strings.values))


def lengths(strings: Strings) -> np.ndarray:
    """Number of characters of each value (0 for missing)."""
    return np.fromiter(map(len, strings.tolist()), dtype=np.int64, count=len(strings.values))


def byte_lengths(strings: Strings) -> np.ndarray:
    """Number of UTF-8 bytes of each value (characters, when all are ASCII)."""
    if all_ascii(strings):
        return lengths(strings)
    return np.fromiter((len(v.encode("utf-8")) for v in strings.tolist()), dtype=np.int64,
                       count=len(strings.values))


def max_length(strings: Strings) -> int:
    """The longest value in characters (0 for an empty or all-missing column)."""
    return max(map(len, strings.tolist()), default=0)


def _pattern_rows(strings: Strings, pattern: re.Pattern, test) -> np.ndarray:
    """Rows matching a pattern, found with one search over the joined column and then, only
    when it matched somewhere, confirmed value by value with ``test``."""
    n = len(strings.values)
    if not n or not pattern.search(_SEP + _SEP.join(strings.tolist()) + _SEP):
        return np.zeros(n, dtype=bool)
    return np.fromiter(map(test, strings.tolist()), dtype=bool, count=n)


def leading_blank(strings: Strings) -> np.ndarray:
    """Mask of values that start with white space."""
    return _pattern_rows(strings, _LEADING_BLANK, lambda v: v[:1].isspace())


def trailing_blank(strings: Strings) -> np.ndarray:
    """Mask of values that end with white space."""
    return _pattern_rows(strings, _TRAILING_BLANK, lambda v: v[-1:].isspace())
