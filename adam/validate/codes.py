"""Integer codes of a frame's columns, computed once and shared by the schema checks and rules.

Checks over millions of records mostly ask the same few questions of a column: which records
are missing, which hold one of some values, which records share the values of some key
variables. :class:`FrameCodes` answers them from integer codes: a character column is factorized
once (one C-level hash pass) into codes and its distinct values, so a test of the values (a
codelist, a pattern, a length) runs on the few distinct values and is mapped back to the records
with one array lookup. Numeric columns are factorized on first use. Nothing here changes the
frame.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Callable, Iterable

import numpy as np
import pandas as pd

from adam.export.text import factorize_text, object_array

#: pandas' default text dtype ("str", NaN for missing values)
STR_DTYPE = pd.Series([], dtype="str").dtype


@dataclass(frozen=True)
class TextCodes:
    """A character column as ``codes`` (int32, -1 where the value is missing) into ``values``
    (its distinct present values, in order of first appearance)."""

    codes: np.ndarray
    values: list[str]

    @cached_property
    def max_length(self) -> int:
        """The length of the longest value (0 when all are missing)."""
        return max(map(len, self.values), default=0)

    def lookup(self, keep: Callable[[str], bool]) -> np.ndarray:
        """Records whose value passes ``keep`` (missing records never do)."""
        table = np.fromiter((bool(keep(v)) for v in self.values), dtype=bool, count=len(self.values))
        if not table.any():
            return np.zeros(len(self.codes), dtype=bool)
        return np.append(table, False)[self.codes]  # code -1 picks the appended False


def text_codes(values: pd.Series, *, strip: bool = False) -> tuple[TextCodes, pd.Series | None] | None:
    """:class:`TextCodes` of a column of text and missing values, or None for any other column.

    With ``strip``, values are compared after removing trailing blanks and a blank value counts
    as missing (SAS conventions); the second item is then the column in those conventions as
    ``str`` (as :func:`adam.export.text.canonical_text_and_values` makes it), or None when the
    column already is so (a ``str`` column with no trailing or only blanks) and can be kept.
    """
    found = factorize_text(values)
    if found is None:
        return None
    codes, distinct = found
    dtype = values.dtype
    codes = codes.astype(np.int32)  # (half the memory of int64 for a code per record)
    if not strip:
        return TextCodes(codes, distinct.tolist()), None
    raw = distinct.tolist()
    stripped = list(map(str.rstrip, raw))
    if stripped == raw and "" not in raw and dtype == STR_DTYPE:
        return TextCodes(codes, raw), None
    present = list(dict.fromkeys(v for v in stripped if v))  # stripping can merge values
    position = {v: i for i, v in enumerate(present)}
    remap = np.array([position.get(v, -1) for v in stripped] + [-1], dtype=np.int32)
    new_codes = remap[codes]
    table = np.append(object_array(present), np.nan)  # last: code -1
    return TextCodes(new_codes, present), pd.Series(table[new_codes], index=values.index, dtype="str")


def dense(parts: Iterable[np.ndarray]) -> np.ndarray:
    """One code per distinct combination of the given code arrays (equal rows, equal codes),
    numbered 0, 1, ... in order of first appearance; -1 (missing) is a value of its own."""
    out: np.ndarray | None = None
    size = 1  # the combined codes lie in [0, size)
    for part in parts:
        part = np.asarray(part, dtype=np.int64) + 1
        width = int(part.max(initial=0)) + 1
        if out is None:
            out, size = part, width
            continue
        if size * width >= 2 ** 62:  # renumber densely before the product could overflow
            out = pd.factorize(out)[0].astype(np.int64)
            size = int(out.max(initial=0)) + 1
        out, size = out * width + part, size * width
    assert out is not None, "dense() needs at least one code array"
    return pd.factorize(out)[0].astype(np.int32)


def duplicated_codes(codes: np.ndarray) -> np.ndarray:
    """Records whose code occurs more than once (``duplicated(keep=False)``)."""
    if len(codes) == 0:
        return np.zeros(0, dtype=bool)
    return np.bincount(codes)[codes] > 1


class FrameCodes:
    """Codes, missing-value masks and key codes of one frame's columns, each computed once."""

    def __init__(self, df: pd.DataFrame, text: dict[str, TextCodes] | None = None) -> None:
        self.df = df
        self._text: dict[str, TextCodes | None] = dict(text or {})
        self._missing: dict[str, np.ndarray] = {}
        self._codes: dict[str, np.ndarray] = {}
        self._keys: dict[tuple[str, ...], np.ndarray] = {}
        #: Other results computed once per frame (e.g. the records a where clause selects).
        self.memo: dict[object, object] = {}

    def text(self, column: str) -> TextCodes | None:
        """The :class:`TextCodes` of a column holding only text and missing values, else None."""
        if column not in self._text:
            found = text_codes(self.df[column])
            self._text[column] = None if found is None else found[0]
        return self._text[column]

    def distinct_text(self, column: str) -> list[str] | None:
        found = self.text(column)
        return None if found is None else found.values

    def missing(self, column: str) -> np.ndarray:
        """Mask of the records where ``column`` is missing (NaN, None, NA)."""
        if column not in self._missing:
            found = self._text.get(column)
            s = self.df[column]
            if found is not None:
                mask = found.codes < 0
            elif s.dtype == np.float64:
                mask = np.isnan(s.to_numpy())
            else:
                mask = s.isna().to_numpy(dtype=bool)
            self._missing[column] = mask
        return self._missing[column]

    def codes(self, column: str) -> np.ndarray:
        """Integer codes of a column: equal values share a code, missing values have -1 (the
        grouping ``groupby``/``duplicated`` use)."""
        if column not in self._codes:
            found = self.text(column)
            if found is not None:
                self._codes[column] = found.codes
            else:
                self._codes[column] = pd.factorize(self.df[column], use_na_sentinel=True)[0].astype(np.int32)
        return self._codes[column]

    def key(self, columns: Iterable[str]) -> np.ndarray:
        """One code per distinct combination of the values of ``columns`` (missing is a value)."""
        names = tuple(columns)
        if names not in self._keys:
            self._keys[names] = dense(self.codes(c) for c in names)
        return self._keys[names]

    def rows_in(self, column: str, values: Iterable[object]) -> np.ndarray | None:
        """Records whose text value is one of ``values``; None when the column is not text."""
        found = self.text(column)
        if found is None:
            return None
        wanted = set(values)
        return found.lookup(wanted.__contains__)

    def rows_where(self, column: str, keep: Callable[[str], bool]) -> np.ndarray | None:
        """Records whose text value passes ``keep``; None when the column is not text."""
        found = self.text(column)
        return None if found is None else found.lookup(keep)


def distinct_per_group(groups: np.ndarray, values: np.ndarray) -> np.ndarray:
    """For each record, how many distinct ``values`` its group holds (``groupby(...).transform(
    "nunique")``): ``groups`` and ``values`` are codes, a value code -1 (missing) is not counted."""
    if len(groups) == 0:
        return np.zeros(0, dtype=np.int64)
    keep = values >= 0
    width = int(values.max(initial=0)) + 1
    pairs = np.unique(groups[keep].astype(np.int64) * width + values[keep])
    return np.bincount(pairs // width, minlength=int(groups.max()) + 1)[groups]


def first_rows(groups: np.ndarray, rows: np.ndarray, n_groups: int) -> np.ndarray:
    """For each group code, the first of ``rows`` (ascending positions) in it, or -1."""
    first = np.full(n_groups, -1, dtype=np.int64)
    rows = np.asarray(rows, dtype=np.int64)
    first[groups[rows[::-1]]] = rows[::-1]  # later assignments win: the first row stays
    return first


def float_codes(values: np.ndarray) -> np.ndarray:
    """Codes of float values as their text would group them (``str(x)``): distinct bit patterns,
    so 0.0 and -0.0 differ; NaN is -1."""
    x = np.ascontiguousarray(values, dtype=np.float64)
    codes = pd.factorize(x.view(np.int64))[0].astype(np.int32)
    codes[np.isnan(x)] = -1
    return codes


def common_codes(a: TextCodes, b: TextCodes) -> tuple[np.ndarray, np.ndarray]:
    """The codes of two text columns in one shared space (equal text, equal code; missing -1)."""
    position = {v: i for i, v in enumerate(a.values)}
    extra = len(position)
    table = []
    for v in b.values:
        if v not in position:
            position[v] = extra
            extra += 1
        table.append(position[v])
    return a.codes, np.append(np.array(table, dtype=np.int32), -1)[b.codes]
