"""Baseline value, change and percent change from baseline, and categories of a value."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from adam.derive._checks import Checker, Filter, as_list, evaluate_filter, key_examples
from adam.derive._keys import group_codes
from adam.errors import InputError, Problem


def _new(chk: Checker, df: pd.DataFrame, argument: str, name: str) -> None:
    if chk.new_names(argument, [name]) and name in df.columns:
        chk.fail(f"argument {argument}: column {name} already exists", variable=name)


def derive_var_base(
    df: pd.DataFrame,
    by_vars: Sequence[str] = ("USUBJID", "PARAMCD"),
    source_var: str = "AVAL",
    new_var: str = "BASE",
    filter: Filter = "ABLFL == 'Y'",
) -> pd.DataFrame:
    """Copy the baseline record's ``source_var`` to every record of its by-group as ``new_var``.

    The baseline record is the one meeting ``filter`` (query string, mask or callable; default
    ``ABLFL == 'Y'``). Cases per record, in order:
      1. its by-group has one baseline record: that record's value;
      2. no baseline record: missing.
    More than one baseline record in a by-group is an error naming the keys.

    Example (by_vars=["USUBJID"]): (1, 2.0, "Y"), (1, 3.0, NaN), (2, 1.0, NaN) -> BASE 2, 2, NaN
    """
    fn = "derive_var_base"
    chk = Checker(fn, df)
    if not chk.frame("df", df):
        chk.raise_if_any()
    by = as_list(by_vars)
    chk.columns("by_vars", by)
    chk.columns("source_var", source_var)
    _new(chk, df, "new_var", new_var)
    chk.filter("filter", filter)
    chk.raise_if_any()

    is_base = evaluate_filter(df, filter, "filter", fn)
    codes = group_codes(df, by)  # missing keys match missing keys, as in a merge
    base_rows = np.flatnonzero(is_base)
    dup = pd.Series(codes[base_rows]).duplicated(keep=False).to_numpy()
    if dup.any():
        base = df.iloc[base_rows][by]
        raise InputError(Problem(
            f"{fn}: more than one baseline record (filter) per by_vars ({', '.join(by)}), e.g. "
            f"{key_examples(base, by, dup)}", variable=", ".join(by)))
    # the baseline row of each record's by-group (-1: none), then one take of the source column
    base_row_of_code = np.full(int(codes.max()) + 1 if len(codes) else 0, -1, dtype=np.int64)
    base_row_of_code[codes[base_rows]] = base_rows
    taken = df[source_var].array.take(base_row_of_code[codes], allow_fill=True)
    out = df.copy(deep=False)  # copy-on-write keeps the input unchanged
    out[new_var] = pd.Series(taken, index=df.index)
    return out


def derive_var_chg(df: pd.DataFrame, new_var: str = "CHG", aval: str = "AVAL", base: str = "BASE") -> pd.DataFrame:
    """Change from baseline: ``aval - base`` (missing when either is missing).

    Example: AVAL 3.5, BASE 2.0 -> CHG 1.5
    """
    chk = Checker("derive_var_chg", df)
    if not chk.frame("df", df):
        chk.raise_if_any()
    chk.numeric("aval", aval, what="numeric")
    chk.numeric("base", base, what="numeric")
    _new(chk, df, "new_var", new_var)
    chk.raise_if_any()
    out = df.copy(deep=False)  # copy-on-write keeps the input unchanged
    out[new_var] = df[aval].to_numpy(dtype=float) - df[base].to_numpy(dtype=float)
    return out


def derive_var_pchg(df: pd.DataFrame, new_var: str = "PCHG", aval: str = "AVAL", base: str = "BASE"
                    ) -> pd.DataFrame:
    """Percent change from baseline: ``(aval - base) / |base| * 100``.

    Cases, in order: 1. either missing: missing; 2. base == 0: missing; 3. the formula.

    Example: AVAL 3.0, BASE 2.0 -> 50; AVAL 1.0, BASE -2.0 -> 150; BASE 0 -> NaN
    """
    chk = Checker("derive_var_pchg", df)
    if not chk.frame("df", df):
        chk.raise_if_any()
    chk.numeric("aval", aval, what="numeric")
    chk.numeric("base", base, what="numeric")
    _new(chk, df, "new_var", new_var)
    chk.raise_if_any()
    a = df[aval].to_numpy(dtype=float)
    b = df[base].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        pchg = np.where(b == 0, np.nan, (a - b) / np.abs(b) * 100)
    out = df.copy(deep=False)  # copy-on-write keeps the input unchanged
    out[new_var] = pchg
    return out


def derive_var_category(
    df: pd.DataFrame,
    new_var: str,
    source: str | None = None,
    conditions: Sequence[tuple[Any, Filter]] | None = None,
    cuts: Sequence[tuple[Any, float | None, float | None]] | None = None,
    default: Any = None,
) -> pd.DataFrame:
    """Categorise records: the first matching category sets ``new_var``.

    Give either ``conditions`` - (value, condition) pairs with a query string, mask or callable -
    or ``cuts`` - (value, low, high) on the numeric ``source`` with inclusive bounds (None: open).
    Cases per record, in order: 1. the first condition or cut that holds (in the order given);
    2. otherwise ``default``. A missing ``source`` meets no cut.

    Example (EDSS change, source="CHG", cuts=[("IMPROVED", None, -1.0), ("STABLE", -0.5, 0.5),
    ("WORSENED", 1.0, None)]): CHG -1.5 -> IMPROVED, -0.5 -> STABLE, 0 -> STABLE, 1.0 ->
    WORSENED, NaN -> default.
    """
    fn = "derive_var_category"
    chk = Checker(fn, df)
    if not chk.frame("df", df):
        chk.raise_if_any()
    _new(chk, df, "new_var", new_var)
    if (conditions is None) == (cuts is None):
        chk.fail("give exactly one of arguments conditions and cuts")
    if cuts is not None:
        if source is None:
            chk.fail("argument cuts needs source")
        else:
            chk.numeric("source", source, what="numeric")
        for cut in cuts:
            if not (isinstance(cut, tuple) and len(cut) == 3):
                chk.fail(f"argument cuts: {cut!r} must be (value, low, high)")
            elif cut[1] is not None and cut[2] is not None and cut[1] > cut[2]:
                chk.fail(f"argument cuts: {cut!r} has low above high")
    if conditions is not None:
        for item in conditions:
            if not (isinstance(item, tuple) and len(item) == 2):
                chk.fail(f"argument conditions: {item!r} must be (value, condition)")
            else:
                chk.filter("conditions", item[1])
    chk.raise_if_any()

    if cuts is not None:
        x = df[source].to_numpy(dtype=float)
        masks = []
        values = []
        for value, low, high in cuts:
            m = ~np.isnan(x)
            if low is not None:
                m &= x >= low
            if high is not None:
                m &= x <= high
            masks.append(m)
            values.append(value)
    else:
        masks = [evaluate_filter(df, cond, "conditions", fn) for _, cond in conditions]
        values = [value for value, _ in conditions]
    all_vals = values + [default]
    result = np.full(len(df), None, dtype=object)
    result[:] = default
    done = np.zeros(len(df), dtype=bool)
    for m, value in zip(masks, values):
        hit = m & ~done
        result[hit] = value
        done |= hit
    out = df.copy(deep=False)  # copy-on-write keeps the input unchanged
    if all(v is None or isinstance(v, str) for v in all_vals):
        out[new_var] = pd.Series(result, index=df.index, dtype="str")
    else:
        out[new_var] = pd.Series(result, index=df.index).infer_objects()
    return out
