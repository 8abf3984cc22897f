"""Adding variables from another dataset by keys: merged values, existence flags, summaries."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from adam.derive._checks import Checker, Filter, OrderItem, evaluate_filter, flag_values, key_examples, sort_spec
from adam.derive._keys import rank_codes, shared_codes, take_values
from adam.errors import InputError, Problem

ByVars = Sequence[str] | Mapping[str, str]

_SUMMARY_FUNCS = ("count", "n", "min", "max", "sum", "mean", "median", "first", "last", "nunique")


def _key_pairs(by_vars: ByVars) -> tuple[list[str], list[str]]:
    """Key columns of df and of dataset_add (a mapping renames: {df column: add column})."""
    if isinstance(by_vars, Mapping):
        return list(by_vars.keys()), list(by_vars.values())
    if isinstance(by_vars, str):
        return [by_vars], [by_vars]
    return list(by_vars), list(by_vars)


def _check_keys(chk: Checker, df: pd.DataFrame, add: pd.DataFrame, left: list[str], right: list[str],
                add_name: str) -> None:
    if not left:
        chk.fail("argument by_vars must name at least one key column")
    chk.columns("by_vars", left, df)
    chk.columns("by_vars", right, add, dataset=add_name)
    for lk, rk in zip(left, right):
        if lk in df.columns and rk in add.columns:
            ln = pd.api.types.is_numeric_dtype(df[lk]) and not df[lk].isna().all()
            rn = pd.api.types.is_numeric_dtype(add[rk]) and not add[rk].isna().all()
            if ln != rn and not (df[lk].isna().all() or add[rk].isna().all()):
                chk.fail(f"argument by_vars: key {lk} is {df[lk].dtype} but {add_name}.{rk} is {add[rk].dtype}",
                         variable=lk)


def _new_var_map(new_vars: Sequence[str] | Mapping[str, str] | None, add: pd.DataFrame, right: list[str]
                 ) -> dict[str, str]:
    """{new column in df: column of dataset_add}."""
    if new_vars is None:
        return {c: c for c in add.columns if c not in right}
    if isinstance(new_vars, str):
        return {new_vars: new_vars}
    if isinstance(new_vars, Mapping):
        return dict(new_vars)
    return {c: c for c in new_vars}


def _selected_records(function: str, add: pd.DataFrame, right: list[str], keep: np.ndarray,
                      add_codes: np.ndarray, order: Sequence[OrderItem] | None, mode: str | None,
                      add_name: str) -> np.ndarray:
    """Positions of the dataset_add records kept by filter_add, one per key: the first/last by
    ``order`` (mode), or the only one (an error names duplicated keys)."""
    rows = np.flatnonzero(keep)
    codes = add_codes[rows]
    if mode is not None:
        cols, asc = sort_spec(order)
        sub = add.iloc[rows]
        keys = [codes] + [rank_codes(sub[c], not a)[0] for c, a in zip(cols, asc)]
        pos = np.lexsort(keys[::-1])
        sorted_codes = codes[pos]
        new_key = sorted_codes[1:] != sorted_codes[:-1]
        pick = np.r_[True, new_key] if mode == "first" else np.r_[new_key, True]
        return rows[pos[pick]] if len(rows) else rows
    counts = np.bincount(codes) if len(codes) else np.zeros(0, dtype=np.int64)
    dup = counts[codes] > 1
    if dup.any():
        sub = add.iloc[rows]
        raise InputError(Problem(
            f"{function}: {add_name} has more than one record per by_vars ({', '.join(right)}) after "
            f"filter_add; give mode='first'/'last' with order, or a stricter filter_add. "
            f"Duplicated keys, e.g.: {key_examples(sub, right, dup)}",
            dataset=add_name, variable=", ".join(right)))
    return rows


def _matches(df_codes: np.ndarray, add_codes: np.ndarray, records: np.ndarray) -> np.ndarray:
    """For each df record, the index in ``records`` (dataset_add positions with unique keys) of
    the record with the same key codes; -1 when there is none."""
    n_codes = max(int(df_codes.max(initial=-1)), int(add_codes.max(initial=-1))) + 1
    lookup = np.full(n_codes, -1, dtype=np.int64)
    lookup[add_codes[records]] = np.arange(len(records))
    return lookup[df_codes]


def derive_vars_merged(
    df: pd.DataFrame,
    dataset_add: pd.DataFrame,
    by_vars: ByVars,
    new_vars: Sequence[str] | Mapping[str, str] | None = None,
    filter_add: Filter = None,
    order: Sequence[OrderItem] | None = None,
    mode: str | None = None,
    exist_flag: str | None = None,
    true_value: Any = "Y",
    false_value: Any = None,
    missing_values: Mapping[str, Any] | None = None,
    dataset_add_name: str = "dataset_add",
) -> pd.DataFrame:
    """Add variables from ``dataset_add`` to ``df`` by key variables (a left join, rows kept).

    Arguments:
      by_vars: key columns present in both frames, or a mapping {df column: dataset_add column}.
      new_vars: the dataset_add columns to add: None (all but the keys), a list, or a mapping
        {new name in df: dataset_add column}. A new name that already exists in df is an error.
      filter_add: restricts dataset_add first (query string, boolean mask or callable).
      order, mode: with mode "first"/"last" one record per key is selected after sorting
        dataset_add by the keys and ``order`` (columns or (column, "asc"|"desc"); missing
        values sort last; ties keep dataset_add row order). With mode None, more than one
        record per key is an error that names the keys and shows example key values.
      exist_flag: optional new column: ``true_value`` when a record was found, else ``false_value``.
      missing_values: {new column: value} used for df records without a match.

    Cases per df record, in order:
      1. a (selected) dataset_add record with the same keys exists: its values are copied;
      2. otherwise the new columns are missing, or set from ``missing_values``.

    Example (by_vars=["USUBJID"], new_vars={"TRTSDT": "EXSTDT"}, mode="first", order=["EXSTDT"]):
      df USUBJID: 1, 2, 3; EX: (1, 100), (1, 50), (2, 70)  ->  TRTSDT: 50, 70, NaN
    """
    fn = "derive_vars_merged"
    chk = Checker(fn, df)
    if not (chk.frame("df", df) & chk.frame("dataset_add", dataset_add)):
        chk.raise_if_any()
    left, right = _key_pairs(by_vars)
    _check_keys(chk, df, dataset_add, left, right, dataset_add_name)
    mapping = _new_var_map(new_vars, dataset_add, right)
    chk.columns("new_vars", list(mapping.values()), dataset_add, dataset=dataset_add_name)
    chk.new_names("new_vars", mapping.keys())
    for new in mapping:
        if new in df.columns:
            chk.fail(f"argument new_vars: column {new} already exists in df", variable=new)
    if exist_flag is not None:
        chk.new_names("exist_flag", [exist_flag])
        if exist_flag in df.columns or exist_flag in mapping:
            chk.fail(f"argument exist_flag: column {exist_flag} already exists", variable=exist_flag)
    chk.choice("mode", mode, (None, "first", "last"))
    chk.order("order", order, dataset_add)
    chk.filter("filter_add", filter_add, dataset_add)
    if missing_values is not None:
        for k in missing_values:
            if k not in mapping:
                chk.fail(f"argument missing_values: {k} is not one of the new variables", variable=k)
    chk.raise_if_any()

    keep = evaluate_filter(dataset_add, filter_add, "filter_add", fn)
    df_codes, add_codes = shared_codes(df, left, dataset_add, right)
    records = _selected_records(fn, dataset_add, right, keep, add_codes, order, mode, dataset_add_name)
    selected = _matches(df_codes, add_codes, records)
    found = selected >= 0

    out = df.copy(deep=False)  # copy-on-write keeps the input unchanged
    for new, old in mapping.items():
        # the selected records' values as a plain array, typed as the right side of a merge would be
        values = take_values(pd.Series(dataset_add[old].to_numpy()[records]), selected)
        values.index = df.index
        if missing_values and new in missing_values:
            values = values.where(found, missing_values[new])
        out[new] = values
    if exist_flag is not None:
        out[exist_flag] = flag_values(found, true_value, false_value, index=df.index)
    return out


def derive_var_merged_exist_flag(
    df: pd.DataFrame,
    dataset_add: pd.DataFrame,
    by_vars: ByVars,
    new_var: str,
    condition: Filter = None,
    true_value: Any = "Y",
    false_value: Any = None,
    missing_value: Any = None,
    filter_add: Filter = None,
    dataset_add_name: str = "dataset_add",
) -> pd.DataFrame:
    """Flag df records for which ``dataset_add`` has a record with the same keys meeting ``condition``.

    Cases per df record, in order:
      1. some dataset_add record with the keys (after filter_add) meets ``condition``
         (query/mask/callable on dataset_add; None = any record): ``true_value``;
      2. dataset_add has records with the keys but none meets it: ``false_value``;
      3. no dataset_add record with the keys: ``missing_value``.

    Example (by_vars=["USUBJID"], condition="AESER == 'Y'", false_value="N", missing_value="N"):
      AE (1, "N"), (1, "Y"), (2, "N")  ->  subjects 1: "Y", 2: "N", 3: "N"
    """
    fn = "derive_var_merged_exist_flag"
    chk = Checker(fn, df)
    if not (chk.frame("df", df) & chk.frame("dataset_add", dataset_add)):
        chk.raise_if_any()
    left, right = _key_pairs(by_vars)
    _check_keys(chk, df, dataset_add, left, right, dataset_add_name)
    chk.new_names("new_var", [new_var])
    if isinstance(new_var, str) and new_var in df.columns:
        chk.fail(f"argument new_var: column {new_var} already exists in df", variable=new_var)
    chk.filter("condition", condition, dataset_add)
    chk.filter("filter_add", filter_add, dataset_add)
    chk.raise_if_any()

    keep = evaluate_filter(dataset_add, filter_add, "filter_add", fn)
    cond = evaluate_filter(dataset_add, condition, "condition", fn) & keep
    df_codes, add_codes = shared_codes(df, left, dataset_add, right)
    n_codes = max(int(df_codes.max(initial=-1)), int(add_codes.max(initial=-1))) + 1
    exists = np.bincount(add_codes[keep], minlength=n_codes)[df_codes] > 0
    hit = np.bincount(add_codes[cond], minlength=n_codes)[df_codes] > 0
    out = df.copy(deep=False)  # copy-on-write keeps the input unchanged
    out[new_var] = flag_values(hit, true_value, false_value, missing=~exists, missing_value=missing_value,
                               index=df.index)
    return out


def derive_vars_merged_summary(
    df: pd.DataFrame,
    dataset_add: pd.DataFrame,
    by_vars: ByVars,
    new_vars: Mapping[str, tuple[str | None, str]],
    filter_add: Filter = None,
    missing_values: Mapping[str, Any] | None = None,
    dataset_add_name: str = "dataset_add",
) -> pd.DataFrame:
    """Add summaries of ``dataset_add`` per key: counts, minima, maxima, sums, means...

    Arguments:
      new_vars: {new column: (dataset_add column, function)}; function one of "count"/"n"
        (number of records, column may be None), "min", "max", "sum", "mean", "median",
        "first", "last" (in dataset_add row order), "nunique". Missing values are skipped.
      missing_values: {new column: value} for df records without any dataset_add record,
        e.g. {"NREL": 0} so that a subject without relapses counts 0.

    Example (by_vars=["USUBJID"], new_vars={"NREL": (None, "count"), "FRELDT": ("ASTDT", "min")},
    missing_values={"NREL": 0}): relapses (1, 30), (1, 10) -> subject 1: 2, 10; subject 2: 0, NaN.
    """
    fn = "derive_vars_merged_summary"
    chk = Checker(fn, df)
    if not (chk.frame("df", df) & chk.frame("dataset_add", dataset_add)):
        chk.raise_if_any()
    left, right = _key_pairs(by_vars)
    _check_keys(chk, df, dataset_add, left, right, dataset_add_name)
    if not isinstance(new_vars, Mapping) or not new_vars:
        chk.fail("argument new_vars must be a non-empty mapping {new column: (column, function)}")
        chk.raise_if_any()
    for new, spec in new_vars.items():
        if not (isinstance(spec, tuple) and len(spec) == 2):
            chk.fail(f"argument new_vars: {new} must map to (column, function)", variable=new)
            continue
        col, func = spec
        chk.choice(f"new_vars[{new}]", func, _SUMMARY_FUNCS)
        if col is not None or func not in ("count", "n"):
            chk.columns(f"new_vars[{new}]", col, dataset_add, dataset=dataset_add_name)
        if new in df.columns:
            chk.fail(f"argument new_vars: column {new} already exists in df", variable=new)
    chk.filter("filter_add", filter_add, dataset_add)
    chk.raise_if_any()

    keep = evaluate_filter(dataset_add, filter_add, "filter_add", fn)
    df_codes, add_codes = shared_codes(df, left, dataset_add, right)
    sub = dataset_add.loc[keep].reset_index(drop=True)
    grouped = sub.groupby(add_codes[keep], sort=False)  # integer key codes: same groups as the keys
    exists = np.isin(df_codes, add_codes[keep])
    out = df.copy(deep=False)  # copy-on-write keeps the input unchanged
    for new, (col, func) in new_vars.items():
        if func in ("count", "n"):
            s = grouped.size() if col is None else grouped[col].count()
        else:
            s = grouped[col].agg(func)
        if not len(sub):
            s = s.astype(float)
        values = s.reindex(df_codes)
        values.index = df.index
        if missing_values and new in missing_values:
            values = values.where(exists, missing_values[new])
        if func in ("count", "n", "nunique") and not values.isna().any():
            values = values.astype("int64")
        out[new] = values
    return out
