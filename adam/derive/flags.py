"""Record flags: extreme records, baseline, treatment emergence, existence, confirmation by later records."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from adam.console import log
from adam.derive._checks import (
    Checker, Filter, OrderItem, as_list, evaluate_filter, flag_values, key_examples, record_label, sort_spec,
)
from adam.derive._keys import adjacent_equal, group_codes, rank_codes, sorted_positions
from adam.derive._sequence import forward_confirm
from adam.errors import InputError, Problem


def _new_var_check(chk: Checker, df: pd.DataFrame, argument: str, name: str) -> None:
    if chk.new_names(argument, [name]) and name in df.columns:
        chk.fail(f"argument {argument}: column {name} already exists", variable=name)


def derive_var_extreme_flag(
    df: pd.DataFrame,
    by_vars: Sequence[str],
    order: Sequence[OrderItem],
    new_var: str,
    mode: str = "last",
    true_value: Any = "Y",
    false_value: Any = None,
    filter: Filter = None,
    check_type: str = "warning",
) -> pd.DataFrame:
    """Flag the first or last record of each by-group, by ``order``.

    Arguments:
      by_vars: grouping columns; order: columns or (column, "asc"|"desc") - missing values sort
      last; mode: "first" | "last"; filter: only records meeting it are candidates (query string,
      mask or callable); check_type: what to do when the by_vars and order columns do not
      identify the records ("none", "warning" - logged, "error" - InputError). On such ties the
      record earlier (mode "first") or later (mode "last") in row order is flagged.

    Cases per record, in order:
      1. not meeting ``filter``: ``false_value``;
      2. first (last) candidate of its group after sorting: ``true_value``;
      3. otherwise ``false_value``.

    Example (by_vars=["USUBJID"], order=["ADT"], new_var="LASTFL", mode="last"):
      USUBJID ADT -> LASTFL: (1, 10) NaN, (1, 20) "Y", (2, 5) "Y"
    """
    fn = "derive_var_extreme_flag"
    chk = Checker(fn, df)
    if not chk.frame("df", df):
        chk.raise_if_any()
    by = as_list(by_vars)
    chk.columns("by_vars", by)
    if not order:
        chk.fail("argument order must name at least one column")
    chk.order("order", order)
    _new_var_check(chk, df, "new_var", new_var)
    chk.choice("mode", mode, ("first", "last"))
    chk.choice("check_type", check_type, ("none", "warning", "error"))
    chk.filter("filter", filter)
    chk.raise_if_any()

    cand = evaluate_filter(df, filter, "filter", fn)
    flag = _extreme(df, cand, by, order, mode, fn, check_type)
    out = df.copy(deep=False)  # copy-on-write keeps the input unchanged
    out[new_var] = flag_values(flag, true_value, false_value, index=df.index)
    return out


def _extreme(df: pd.DataFrame, cand: np.ndarray, by: list[str], order, mode: str, fn: str,
             check_type: str = "none") -> np.ndarray:
    """Boolean: the first/last candidate of each group.

    One stable sort of the candidates by the by_vars and order keys; a group starts where a
    by_vars key differs from the record before, and ties are records equal in every key.
    """
    flag = np.zeros(len(df), dtype=bool)
    cand_pos = np.flatnonzero(cand)
    if not len(cand_pos):
        return flag
    cols, asc = sort_spec(order)
    sub = df[list(dict.fromkeys(by + cols))].iloc[cand_pos]  # only the columns sorted and grouped on
    keys = [rank_codes(sub[c])[0] for c in by] + [rank_codes(sub[c], not a)[0] for c, a in zip(cols, asc)]
    pos = np.lexsort(keys[::-1])
    keys = [k[pos] for k in keys]
    same_group = np.ones(len(pos) - 1, dtype=bool)
    for key in keys[:len(by)]:
        same_group &= adjacent_equal(key)
    if check_type != "none":
        tied = same_group.copy()
        for key in keys[len(by):]:
            tied &= adjacent_equal(key)
        if tied.any():
            dup = np.zeros(len(pos), dtype=bool)
            dup[pos[1:][tied]] = True
            dup[pos[:-1][tied]] = True
            msg = (f"{fn}: by_vars and order ({', '.join(by + cols)}) do not identify records; "
                   f"e.g. {key_examples(sub, by + cols, dup)}")
            if check_type == "error":
                raise InputError(Problem(msg, variable=", ".join(by + cols)))
            log.warning(msg)
    if mode == "first":
        pick = np.r_[True, ~same_group]
    else:
        pick = np.r_[~same_group, True]
    flag[cand_pos[pos[pick]]] = True
    return flag


def derive_var_base_flag(
    df: pd.DataFrame,
    by_vars: Sequence[str] = ("USUBJID", "PARAMCD"),
    new_var: str = "ABLFL",
    date: str = "ADT",
    reference_date: str = "TRTSDT",
    value: str | None = "AVAL",
    tie_order: Sequence[OrderItem] | None = None,
    ties: str = "error",
    include_reference_date: bool = True,
    filter: Filter = None,
    true_value: Any = "Y",
    false_value: Any = None,
) -> pd.DataFrame:
    """Flag the baseline record: the last record with a non-missing value on or before the reference date.

    Reads ``date`` and ``reference_date`` (numeric SAS dates) and ``value`` (None: any record).

    Arguments:
      include_reference_date: True - records on the reference date qualify (on or before);
        False - only records strictly before it.
      tie_order: further sort columns used when several candidates share the latest date
        (e.g. ["VISITNUM", "EDSEQ"]); the last one in that order is taken.
      ties: when candidates still share date and tie_order: "error" (InputError naming the
        records), "first" / "last" (the earlier / later in row order).

    Cases per record, in order:
      1. not meeting ``filter``, missing value, date or reference date, or after the
         reference date: ``false_value``;
      2. the last candidate of its by-group by (date, tie_order): ``true_value``;
      3. otherwise ``false_value``.

    Example (by_vars=["USUBJID"], reference TRTSDT = 100):
      ADT AVAL -> ABLFL: (90, 2.0) NaN, (100, 2.5) "Y", (100, NaN) NaN, (120, 3.0) NaN
    """
    fn = "derive_var_base_flag"
    chk = Checker(fn, df)
    if not chk.frame("df", df):
        chk.raise_if_any()
    by = as_list(by_vars)
    chk.columns("by_vars", by)
    chk.numeric("date", date)
    chk.numeric("reference_date", reference_date)
    if value is not None:
        chk.columns("value", value)
    chk.order("tie_order", tie_order)
    chk.choice("ties", ties, ("error", "first", "last"))
    _new_var_check(chk, df, "new_var", new_var)
    chk.filter("filter", filter)
    chk.raise_if_any()

    d = df[date].to_numpy(dtype=float)
    ref = df[reference_date].to_numpy(dtype=float)
    cand = evaluate_filter(df, filter, "filter", fn) & ~np.isnan(d) & ~np.isnan(ref)
    cand &= (d <= ref) if include_reference_date else (d < ref)
    if value is not None:
        cand &= df[value].notna().to_numpy()
    tie_cols, tie_asc = sort_spec(tie_order)
    tmp = df[list(dict.fromkeys(by + [date] + tie_cols))].copy()
    tmp["__row"] = np.arange(len(df))
    order = [date] + list(zip(tie_cols, ["asc" if a else "desc" for a in tie_asc]))
    order.append(("__row", "desc" if ties == "first" else "asc"))
    flag = _extreme(tmp, cand, by, order, "last", fn)
    if ties == "error" and flag.any():
        # a flagged record tied with another candidate on by_vars, date and tie_order
        keys = by + [date] + tie_cols
        sub = df.loc[cand, keys]
        dup = sub.duplicated(keep=False).to_numpy()
        key_codes = group_codes(sub, keys)
        tied = np.isin(key_codes, key_codes[dup & flag[cand]])
        if tied.any():
            positions = np.flatnonzero(cand)[tied]
            raise InputError([
                Problem(f"{fn}: several baseline candidates on the same {date}; give tie_order or ties="
                        "'first'/'last'", variable=date, record=label)
                for label in record_label(df, positions)
            ])
    out = df.copy(deep=False)  # copy-on-write keeps the input unchanged
    out[new_var] = flag_values(flag, true_value, false_value, index=df.index)
    return out


derive_var_ablfl = derive_var_base_flag


def derive_var_trtemfl(
    df: pd.DataFrame,
    new_var: str = "TRTEMFL",
    start_date: str = "ASTDT",
    end_date: str | None = "AENDT",
    trt_start_date: str = "TRTSDT",
    trt_end_date: str | None = None,
    end_window: float | None = None,
    ignore_time: bool = True,
    initial_intensity: str | None = None,
    intensity: str | None = None,
    intensity_levels: Sequence[str] = ("MILD", "MODERATE", "SEVERE"),
    datetime: bool = False,
) -> pd.DataFrame:
    """Flag treatment-emergent records ("Y", else missing).

    Reads numeric SAS dates ``start_date``, ``end_date`` (None: not used), ``trt_start_date``,
    ``trt_end_date`` (needed with ``end_window``). With ``datetime=True`` the four are SAS
    datetimes (seconds); ``ignore_time`` then compares calendar days only, and ``end_window``
    is still in days. ``initial_intensity``/``intensity`` are intensity columns (e.g. the
    first and the worst AESEV of an event), numeric or character ranked by ``intensity_levels``.

    Cases, in order (the first that applies sets the value):
      1. not treated (trt_start_date missing): missing;
      2. ended before treatment (end_date not missing and < trt_start_date): missing;
      3. start_date missing: "Y" (the conservative assumption);
      4. started on/after trt_start_date (and, with end_window, on/before trt_end_date +
         end_window days): "Y";
      5. with intensities: started before trt_start_date, still ongoing at it (end_date missing
         or >= trt_start_date) and intensity worse than initial_intensity: "Y";
      6. otherwise missing.

    Example (TRTSDT 100, TRTEDT 200, end_window 30):
      ASTDT AENDT -> TRTEMFL: (NaN, NaN) "Y", (90, 95) NaN, (100, NaN) "Y", (230, NaN) "Y",
      (231, NaN) NaN
    """
    fn = "derive_var_trtemfl"
    chk = Checker(fn, df)
    if not chk.frame("df", df):
        chk.raise_if_any()
    what = "numeric (SAS datetime)" if datetime else "numeric (SAS date)"
    chk.numeric("start_date", start_date, what=what)
    if end_date is not None:
        chk.numeric("end_date", end_date, what=what)
    chk.numeric("trt_start_date", trt_start_date, what=what)
    if trt_end_date is not None:
        chk.numeric("trt_end_date", trt_end_date, what=what)
    chk.non_negative("end_window", end_window, allow_none=True)
    if end_window is not None and trt_end_date is None:
        chk.fail("argument end_window needs trt_end_date")
    if (initial_intensity is None) != (intensity is None):
        chk.fail("arguments initial_intensity and intensity must be given together")
    if initial_intensity is not None:
        chk.columns("initial_intensity", initial_intensity)
        chk.columns("intensity", intensity)
    _new_var_check(chk, df, "new_var", new_var)
    chk.raise_if_any()

    def col(name: str | None) -> np.ndarray:
        if name is None:
            return np.full(len(df), np.nan)
        v = df[name].to_numpy(dtype=float)
        if datetime and ignore_time:
            v = np.floor(v / 86400.0)
        return v

    scale = 1.0 if (not datetime or ignore_time) else 86400.0
    ast, aen, trts, trte = col(start_date), col(end_date), col(trt_start_date), col(trt_end_date)
    case1 = np.isnan(trts)
    case2 = ~np.isnan(aen) & (aen < trts)
    case3 = np.isnan(ast)
    case4 = ast >= trts
    if end_window is not None:
        case4 &= ast <= trte + end_window * scale
    case5 = np.zeros(len(df), dtype=bool)
    if initial_intensity is not None:
        ini = _intensity_rank(df, initial_intensity, intensity_levels, fn)
        cur = _intensity_rank(df, intensity, intensity_levels, fn)
        case5 = (ast < trts) & (np.isnan(aen) | (aen >= trts)) & (cur > ini)
    flag = np.select([case1, case2, case3, case4, case5], [False, False, True, True, True], False)
    out = df.copy(deep=False)  # copy-on-write keeps the input unchanged
    out[new_var] = flag_values(flag.astype(bool), "Y", None, index=df.index)
    return out


def _intensity_rank(df: pd.DataFrame, column: str, levels: Sequence[str], fn: str) -> np.ndarray:
    s = df[column]
    if pd.api.types.is_numeric_dtype(s):
        return s.to_numpy(dtype=float)
    rank = {lvl: i for i, lvl in enumerate(levels)}
    mapped = s.map(rank)
    bad = s.notna().to_numpy() & mapped.isna().to_numpy()
    if bad.any():
        raise InputError([
            Problem(f"{fn}: {column} value {s.iloc[p]!r} is not one of {', '.join(levels)}", variable=column,
                    record=label)
            for p, label in zip(np.flatnonzero(bad), record_label(df, np.flatnonzero(bad)))
        ])
    return mapped.to_numpy(dtype=float)


def derive_var_exist_flag(
    df: pd.DataFrame,
    new_var: str,
    condition: Filter,
    by_vars: Sequence[str] | None = None,
    true_value: Any = "Y",
    false_value: Any = None,
) -> pd.DataFrame:
    """Flag records meeting ``condition``, or - with ``by_vars`` - all records of groups where one does.

    ``condition`` is a query string, boolean mask or callable; a missing result counts as not met.

    Cases per record, in order:
      1. without by_vars: the record meets ``condition``: ``true_value``;
         with by_vars: some record of its group meets it: ``true_value``;
      2. otherwise ``false_value``.

    Example (new_var="ANYSAE", condition="AESER == 'Y'", by_vars=["USUBJID"], false_value="N"):
      (1, "N") "Y", (1, "Y") "Y", (2, "N") "N"
    """
    fn = "derive_var_exist_flag"
    chk = Checker(fn, df)
    if not chk.frame("df", df):
        chk.raise_if_any()
    if condition is None:
        chk.fail("argument condition is required")
    chk.filter("condition", condition)
    by = as_list(by_vars)
    chk.columns("by_vars", by)
    _new_var_check(chk, df, "new_var", new_var)
    chk.raise_if_any()

    hit = evaluate_filter(df, condition, "condition", fn)
    if by:
        codes = group_codes(df, by)
        any_hit = np.zeros(codes.max() + 1 if len(codes) else 0, dtype=bool)
        np.logical_or.at(any_hit, codes, hit)
        hit = any_hit[codes] if len(codes) else hit
    out = df.copy(deep=False)  # copy-on-write keeps the input unchanged
    out[new_var] = flag_values(hit, true_value, false_value, index=df.index)
    return out


def derive_var_joined_exist_flag(
    df: pd.DataFrame,
    by_vars: Sequence[str],
    new_var: str,
    date: str = "ADT",
    order: Sequence[OrderItem] | None = None,
    condition: Filter = None,
    join_condition: Filter = None,
    between_condition: Filter = None,
    min_days: float = 0,
    max_days: float | None = None,
    join_date_var: str | None = None,
    filter: Filter = None,
    true_value: Any = "Y",
    false_value: Any = None,
) -> pd.DataFrame:
    """Flag a record when a later record of its by-group confirms it within a window.

    Records of a by-group are taken in ``date`` order (then ``order``, then row order); a later
    record is one after it in that order. Conditions are query strings, masks or callables
    evaluated per record.

    A record p is flagged when it meets ``condition`` and there is a later record j with
      - ``join_condition`` met by j,
      - min_days <= date[j] - date[p] (<= max_days when given),
      - ``between_condition`` met by every record strictly between p and j (None: no rule).
    The first such j (earliest) gives the optional ``join_date_var`` (date of j).

    Cases per record, in order:
      1. not meeting ``filter`` or ``date`` missing: missing (and not used as p, j or between);
      2. meets ``condition`` and such a j exists: ``true_value``;
      3. otherwise ``false_value``.

    Example (by_vars=["USUBJID"], condition, join_condition and between_condition all
    "AVALC == 'PD'", min_days=28): ADT AVALC -> flag (join date)
      subject A: (0, PD) "Y" (30), (20, PD) NaN, (30, PD) NaN    - day 20 is PD too;
      subject B: (0, PD) NaN, (20, SD) NaN, (30, PD) "Y" (60), (60, PD) NaN - SD breaks day 0.
    """
    fn = "derive_var_joined_exist_flag"
    chk = Checker(fn, df)
    if not chk.frame("df", df):
        chk.raise_if_any()
    by = as_list(by_vars)
    chk.columns("by_vars", by)
    chk.numeric("date", date)
    chk.order("order", order)
    for arg, val in (("condition", condition), ("join_condition", join_condition),
                     ("between_condition", between_condition), ("filter", filter)):
        chk.filter(arg, val)
    chk.non_negative("min_days", min_days)
    chk.non_negative("max_days", max_days, allow_none=True)
    if max_days is not None and isinstance(min_days, (int, float)) and max_days < min_days:
        chk.fail(f"argument max_days ({max_days}) is below min_days ({min_days})")
    _new_var_check(chk, df, "new_var", new_var)
    if join_date_var is not None:
        _new_var_check(chk, df, "join_date_var", join_date_var)
    chk.raise_if_any()

    d = df[date].to_numpy(dtype=float)
    use = evaluate_filter(df, filter, "filter", fn) & ~np.isnan(d)
    cond = evaluate_filter(df, condition, "condition", fn)
    jcond = evaluate_filter(df, join_condition, "join_condition", fn)
    bcond = evaluate_filter(df, between_condition, "between_condition", fn)
    pos_use = np.flatnonzero(use)
    sub = df.iloc[pos_use]
    extra_cols, extra_asc = sort_spec(order)
    pos = sorted_positions(sub, by, [date] + list(zip(extra_cols, ["asc" if a else "desc" for a in extra_asc])))
    codes = group_codes(sub, by)[pos]
    # group_codes are in first-appearance order; make them follow the sorted order
    codes = np.cumsum(np.r_[True, codes[1:] != codes[:-1]]) if len(codes) else codes
    rows = pos_use[pos]
    j = forward_confirm(codes, d[rows], cond[rows], jcond[rows], bcond[rows], float(min_days),
                        None if max_days is None else float(max_days))
    flag = np.zeros(len(df), dtype=bool)
    flag[rows] = j >= 0
    out = df.copy(deep=False)  # copy-on-write keeps the input unchanged
    out[new_var] = flag_values(flag, true_value, false_value, missing=~use, index=df.index)
    if join_date_var is not None:
        jd = np.full(len(df), np.nan)
        hit = j >= 0
        jd[rows[hit]] = d[rows[j[hit]]]
        out[join_date_var] = jd
    return out
