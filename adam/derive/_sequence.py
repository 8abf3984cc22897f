"""Vectorized look-ups within groups of sorted records (private).

Records are identified by an integer group code and a numeric key (a date). The helpers find,
for every query, the nearest record of the same group before or after it, by one stable sort
of queries and records together - no loop over groups.
"""

from __future__ import annotations

import numpy as np


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
    codes = np.concatenate([np.asarray(codes_r, dtype=np.int64), np.asarray(codes_q, dtype=np.int64)])
    keys = np.concatenate([np.asarray(keys_r, dtype=float), np.asarray(keys_q, dtype=float)])
    is_rec = np.concatenate([np.ones(nr, dtype=bool), np.zeros(nq, dtype=bool)])
    idx = np.concatenate([np.arange(nr), np.arange(nq)])
    # on equal keys, records come first when they may match a query (backward, exact) or when
    # they must not (forward, not exact), so that the scan below sees them on the right side
    rec_first = (direction == "backward") == allow_exact
    tie = np.where(is_rec, 0 if rec_first else 1, 1 if rec_first else 0)
    order = np.lexsort((idx, tie, keys, codes))
    s_codes, s_rec, s_idx = codes[order], is_rec[order], idx[order]
    n = len(order)
    pos = np.arange(n)
    if direction == "backward":
        last = np.maximum.accumulate(np.where(s_rec, pos, -1))
    else:
        last = np.minimum.accumulate(np.where(s_rec, pos, n)[::-1])[::-1]
    q_mask = ~s_rec
    found = last[q_mask]
    ok = (found >= 0) & (found < n)
    safe = np.where(ok, found, 0)
    ok &= s_codes[safe] == s_codes[q_mask]
    result = np.full(nq, -1, dtype=np.int64)
    result[s_idx[q_mask]] = np.where(ok, s_idx[safe], -1)
    return result


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
