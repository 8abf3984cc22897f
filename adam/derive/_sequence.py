"""Vectorized look-ups within groups of sorted records (private).

Records are identified by an integer group code and a numeric key (a date). The helpers find,
for every query, the nearest record of the same group before or after it, by one sort of the
records and a binary search of the queries - no loop over groups. Group codes and sort orders
come from :mod:`adam.derive._keys`.
"""

from __future__ import annotations


import numpy as np
import pandas as pd

from adam.derive._keys import MAX_CODE, rank_codes


def asof(
    codes_q: np.ndarray, keys_q: np.ndarray, codes_r: np.ndarray, keys_r: np.ndarray,
    direction: str = "backward", allow_exact: bool = True,
) -> np.ndarray:
    """For each query, the index into the records of the same group nearest in key.

    backward: the record with the largest key <= query key (< when not allow_exact);
    forward: the record with the smallest key >= query key (> when not allow_exact).
    Among records with equal keys, backward picks the last and forward the first (by index).
    Returns -1 where there is none. Keys must not be NaN.
    """
    nq, nr = len(keys_q), len(keys_r)
    if nq == 0:
        return np.zeros(0, dtype=np.int64)
    if nr == 0:
        return np.full(nq, -1, dtype=np.int64)
    codes_r = np.asarray(codes_r, dtype=np.int64)
    codes_q = np.asarray(codes_q, dtype=np.int64)
    # one integer per (group, key): the group code times the number of key values plus the
    # key's rank among the keys of records and queries together
    ranks, width = rank_codes(np.concatenate([np.asarray(keys_r, dtype=float), np.asarray(keys_q, dtype=float)]))
    low = min(codes_r.min(), codes_q.min())
    span = int(max(codes_r.max(), codes_q.max()) - low) + 1
    if span * width >= MAX_CODE:  # too many groups and keys for one int64: recode the groups
        both, _ = pd.factorize(np.concatenate([codes_r, codes_q]))
        codes_r, codes_q, low = both[:nr].astype(np.int64), both[nr:].astype(np.int64), 0
    comp_r = (codes_r - low) * width + ranks[:nr]
    comp_q = (codes_q - low) * width + ranks[nr:]
    # records in (group, key, index) order; a stable sort keeps equal keys in index order
    if np.all(comp_r[1:] >= comp_r[:-1]):
        order = np.arange(nr)
    else:
        order = np.argsort(comp_r, kind="stable")
    sorted_r = comp_r[order]
    if direction == "backward":
        pos = np.searchsorted(sorted_r, comp_q, side="right" if allow_exact else "left") - 1
    else:
        pos = np.searchsorted(sorted_r, comp_q, side="left" if allow_exact else "right")
    ok = (pos >= 0) & (pos < nr)
    safe = np.where(ok, pos, 0)
    ok &= sorted_r[safe] // width == comp_q // width
    return np.where(ok, order[safe], -1)


def group_end(codes_sorted: np.ndarray) -> np.ndarray:
    """For records sorted by group code, the (exclusive) end position of each record's group."""
    n = len(codes_sorted)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    new = np.r_[codes_sorted[1:] != codes_sorted[:-1], True]
    ends = np.flatnonzero(new) + 1
    return np.repeat(ends, np.diff(np.r_[0, ends]))


def group_start(codes_sorted: np.ndarray) -> np.ndarray:
    """For records sorted by group code, the start position of each record's group."""
    n = len(codes_sorted)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    new = np.r_[True, codes_sorted[1:] != codes_sorted[:-1]]
    starts = np.flatnonzero(new)
    return np.repeat(starts, np.diff(np.r_[starts, n]))


def next_true(mask: np.ndarray) -> np.ndarray:
    """Position of the first True at or after each position (len(mask) where none)."""
    n = len(mask)
    idx = np.where(mask, np.arange(n), n)
    return np.minimum.accumulate(idx[::-1])[::-1] if n else idx


def forward_confirm(
    codes: np.ndarray, dates: np.ndarray, start: np.ndarray, confirm: np.ndarray, between: np.ndarray,
    min_gap: float, max_gap: float | None = None,
) -> np.ndarray:
    """For records sorted by (code, date), the first confirming record of each starting record.

    A record p with ``start[p]`` is confirmed by the first record j of its group with
    j > p, dates[j] - dates[p] >= min_gap (and <= max_gap when given), ``confirm[j]``, and
    ``between[k]`` for every record k strictly between p and j. Returns j or -1.
    """
    n = len(dates)
    result = np.full(n, -1, dtype=np.int64)
    if n == 0:
        return result
    end = group_end(codes)
    pos = np.arange(n)
    # first record of the group at or after the earliest confirmation date
    lo = asof(codes, dates + min_gap, codes, dates, direction="forward", allow_exact=True)
    lo = np.where(lo < 0, end, lo)
    lo = np.maximum(lo, pos + 1)
    # first record after p that breaks the "all in between" rule
    nb = next_true(~between)
    brk = np.r_[nb, n][np.minimum(pos + 1, n)]
    brk = np.minimum(brk, end)
    nc = np.r_[next_true(confirm), n]
    j = nc[np.minimum(lo, n)]
    ok = start & (j < end) & (j <= brk)
    if max_gap is not None:
        ok &= dates[np.minimum(j, n - 1)] - dates <= max_gap
    result[ok] = j[ok]
    return result
