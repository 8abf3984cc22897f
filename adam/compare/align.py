"""Match the records of two datasets by key variables (or by row order), vectorized.

Each key column of both sides is factorized together (sorted), the per-column codes are
combined into one integer code per record, and a record's occurrence number within its key is
added so that duplicate keys pair up in file order (as PROC COMPARE does with duplicate IDs).
Text keys are normalized (trailing blanks, case, missing) on their distinct values only.
The combined codes are dense, so matching is plain numpy indexing, no merge and no row loop.
Matched records come out in sorted key order, which makes reports deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from adam.compare.values import as_float, as_text, round_values, text_codes


@dataclass
class Alignment:
    """Row positions (0-based) of matched and unmatched records on each side.

    ``base_idx[i]`` and ``compare_idx[i]`` are the same record; ``identity`` says both are
    simply 0..n-1 (the files are in the same order), which lets the caller skip re-indexing.
    """

    base_idx: np.ndarray
    compare_idx: np.ndarray
    base_only: np.ndarray
    compare_only: np.ndarray
    base_dups: np.ndarray  # first row of each duplicated key value, in key order
    base_dup_counts: np.ndarray
    compare_dups: np.ndarray
    compare_dup_counts: np.ndarray
    identity: bool = False


def align_by_row(n_base: int, n_compare: int) -> Alignment:
    """Pair record i of base with record i of compare; the longer side's tail is unmatched."""
    n = min(n_base, n_compare)
    idx = np.arange(n)
    empty = np.empty(0, dtype=np.int64)
    return Alignment(
        base_idx=idx,
        compare_idx=idx,
        base_only=np.arange(n, n_base),
        compare_only=np.arange(n, n_compare),
        base_dups=empty,
        base_dup_counts=empty,
        compare_dups=empty,
        compare_dup_counts=empty,
        identity=True,
    )


def key_codes(
    base: pd.Series,
    compare: pd.Series,
    kind: str,
    *,
    round_digits: int | None = None,
    ignore_trailing_blanks: bool = True,
    ignore_case: bool = False,
    strict_missing: bool = False,
) -> np.ndarray:
    """Dense integer codes, in sorted order of the normalized values, for one key variable
    over the records of base followed by those of compare.

    Values are normalized as the value comparison does (rounding; trailing blanks, case and
    missing for text). Text is factorized first and only the distinct values are normalized,
    so a key with few distinct values costs one hashing pass.
    """
    if kind == "num":
        values = np.concatenate([as_float(base), as_float(compare)])
        codes, _ = pd.factorize(round_values(values, round_digits), sort=True, use_na_sentinel=False)
        return codes.astype(np.int64)
    return text_codes(
        np.concatenate([as_text(base), as_text(compare)]),
        ignore_trailing_blanks=ignore_trailing_blanks,
        ignore_case=ignore_case,
        strict_missing=strict_missing,
        sort=True,
    )


def _combined_codes(codes: list[np.ndarray]) -> np.ndarray:
    """One dense, key-ordered integer code per record from the per-key codes."""
    code = codes[0]
    for col_code in codes[1:]:
        # the product stays below (2 * records)**2, far from int64 overflow
        code, _ = pd.factorize(code * (int(col_code.max()) + 1) + col_code, sort=True)
        code = code.astype(np.int64)
    return code


def _duplicates(codes: np.ndarray, n_codes: int) -> tuple[np.ndarray, np.ndarray]:
    """First row and record count of each key code used more than once, in key order."""
    counts = np.bincount(codes, minlength=n_codes)
    if counts.size == 0 or counts.max() <= 1:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty
    uniq, first = np.unique(codes, return_index=True)
    dup = counts[uniq] > 1
    return first[dup].astype(np.int64), counts[uniq][dup].astype(np.int64)


def _occurrence(codes: np.ndarray) -> np.ndarray:
    """0 for the first record of each key, 1 for the second, ... (file order)."""
    return pd.Series(codes).groupby(codes, sort=False).cumcount().to_numpy(np.int64)


def align_by_keys(codes: list[np.ndarray], n_base: int) -> Alignment:
    """Match records whose key values are equal on both sides.

    ``codes`` holds one :func:`key_codes` array per key variable, each covering the
    ``n_base`` base records followed by the compare records.
    """
    code = _combined_codes(codes)
    n_codes = int(code.max()) + 1 if code.size else 0
    cb, cc = code[:n_base], code[n_base:]
    base_dups, base_dup_counts = _duplicates(cb, n_codes)
    compare_dups, compare_dup_counts = _duplicates(cc, n_codes)

    if base_dups.size or compare_dups.size:
        occ = np.concatenate([_occurrence(cb), _occurrence(cc)])
        code, _ = pd.factorize(code * (int(occ.max()) + 1) + occ, sort=True)
        code = code.astype(np.int64)
        n_codes = int(code.max()) + 1
        cb, cc = code[:n_base], code[n_base:]

    pos_b = np.full(n_codes, -1, dtype=np.int64)
    pos_c = np.full(n_codes, -1, dtype=np.int64)
    pos_b[cb] = np.arange(cb.size)
    pos_c[cc] = np.arange(cc.size)
    in_b, in_c = pos_b >= 0, pos_c >= 0
    matched = in_b & in_c
    base_idx, compare_idx = pos_b[matched], pos_c[matched]
    identity = bool(
        base_idx.size == cb.size == cc.size
        and np.array_equal(base_idx, np.arange(base_idx.size))
        and np.array_equal(compare_idx, base_idx)
    )
    return Alignment(
        base_idx=base_idx,
        compare_idx=compare_idx,
        base_only=pos_b[in_b & ~in_c],
        compare_only=pos_c[in_c & ~in_b],
        base_dups=base_dups,
        base_dup_counts=base_dup_counts,
        compare_dups=compare_dups,
        compare_dup_counts=compare_dup_counts,
        identity=identity,
    )
