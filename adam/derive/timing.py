"""Relative days, durations, analysis windows, analysis periods and treatment courses."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from adam.derive._checks import Checker, Filter, as_list, evaluate_filter, flag_values
from adam.derive._keys import group_codes, sorted_positions
from adam.derive._sequence import asof
from adam.derive.flags import _extreme

_UNIT_DAYS = {"days": 1.0, "weeks": 7.0, "months": 365.25 / 12, "years": 365.25}
WINDOW_VARS = ("AVISITN", "AVISIT", "AWTARGET", "AWLO", "AWHI")


def _day_values(df: pd.DataFrame, col: str) -> np.ndarray:
    """A date column as SAS days; a *DTM column (seconds) is cut to its calendar day."""
    v = df[col].to_numpy(dtype=float)
    return np.floor(v / 86400.0) if col.endswith("DTM") else v


def derive_vars_dy(
    df: pd.DataFrame,
    reference_date: str = "TRTSDT",
    source_vars: Sequence[str] | Mapping[str, str] = ("ADT",),
) -> pd.DataFrame:
    """Derive relative study days (``ADT`` -> ``ADY``) against a reference date; there is no day 0.

    ``source_vars``: date columns (names ending in DT or DTM; the new name replaces that ending
    with DY: ADT -> ADY, ASTDT -> ASTDY, ASTDTM -> ASTDY) or a mapping {new: source}. Columns
    ending in DTM (also ``reference_date``) are SAS datetimes cut to their calendar day.

    Cases, in order:
      1. source or reference missing: missing;
      2. source >= reference: source - reference + 1 (the reference date is day 1);
      3. otherwise source - reference (the day before is day -1).

    Example (TRTSDT 100): ADT 100 -> 1, 101 -> 2, 99 -> -1, NaN -> NaN
    """
    fn = "derive_vars_dy"
    chk = Checker(fn, df)
    if not chk.frame("df", df):
        chk.raise_if_any()
    chk.numeric("reference_date", reference_date)
    if isinstance(source_vars, Mapping):
        mapping = dict(source_vars)
    else:
        mapping = {}
        for src in as_list(source_vars):
            stem = src[:-3] if src.endswith("DTM") else src[:-2] if src.endswith("DT") else None
            if stem is None:
                chk.fail(f"argument source_vars: cannot name the day variable for {src}; give a mapping "
                         "{new: source}", variable=src)
            else:
                mapping[f"{stem}DY"] = src
    chk.numeric("source_vars", list(mapping.values()))
    for new in mapping:
        if new in df.columns:
            chk.fail(f"argument source_vars: column {new} already exists", variable=new)
    chk.raise_if_any()

    ref = _day_values(df, reference_date)
    out = df.copy(deep=False)  # copy-on-write keeps the input unchanged
    for new, src in mapping.items():
        diff = _day_values(df, src) - ref
        out[new] = np.where(diff >= 0, diff + 1, diff)
    return out


def derive_vars_duration(
    df: pd.DataFrame,
    new_var: str,
    start_date: str,
    end_date: str,
    out_unit: str = "days",
    add_one: bool = True,
    floor_in: bool = False,
    trunc_out: bool = False,
    in_unit: str = "days",
    new_var_unit: str | None = None,
) -> pd.DataFrame:
    """Derive a duration between two date columns, e.g. AGE, ADURN, time to event.

    Arguments:
      in_unit: "days" (SAS dates) or "seconds" (SAS datetimes) for both columns.
      floor_in: cut both to whole days first (datetimes: calendar days).
      add_one: add one day when end >= start, so equal dates give 1 day.
      out_unit: "days", "weeks" (7 days), "months" (365.25/12 days), "years" (365.25 days).
      trunc_out: truncate the result towards zero (e.g. whole years for AGE).
      new_var_unit: optional column holding the unit in capitals ("DAYS", "YEARS").

    Cases, in order: 1. either date missing: missing; 2. (end - start [+ 1]) / unit.

    Example (add_one=True): start 100, end 100 -> 1 day; start 100, end 99 -> -1 day;
    start 0, end 364, out_unit "years" -> 365/365.25 = 0.99932 years.
    """
    fn = "derive_vars_duration"
    chk = Checker(fn, df)
    if not chk.frame("df", df):
        chk.raise_if_any()
    what = "numeric (SAS datetime)" if in_unit == "seconds" else "numeric (SAS date)"
    chk.numeric("start_date", start_date, what=what)
    chk.numeric("end_date", end_date, what=what)
    chk.choice("out_unit", out_unit, tuple(_UNIT_DAYS))
    chk.choice("in_unit", in_unit, ("days", "seconds"))
    for arg, name in (("new_var", new_var), ("new_var_unit", new_var_unit)):
        if name is not None and chk.new_names(arg, [name]) and name in df.columns:
            chk.fail(f"argument {arg}: column {name} already exists", variable=name)
    chk.raise_if_any()

    s = df[start_date].to_numpy(dtype=float)
    e = df[end_date].to_numpy(dtype=float)
    if in_unit == "seconds":
        s, e = s / 86400.0, e / 86400.0
    if floor_in:
        s, e = np.floor(s), np.floor(e)
    days = e - s
    if add_one:
        days = np.where(days >= 0, days + 1, days)
    result = days / _UNIT_DAYS[out_unit]
    if trunc_out:
        result = np.trunc(result)
    out = df.copy(deep=False)  # copy-on-write keeps the input unchanged
    out[new_var] = result
    if new_var_unit is not None:
        out[new_var_unit] = flag_values(~np.isnan(result), out_unit.upper(), None, index=df.index)
    return out


def _windows_frame(windows: pd.DataFrame | Sequence[tuple], chk: Checker) -> pd.DataFrame | None:
    if isinstance(windows, pd.DataFrame):
        w = windows
    else:
        try:
            w = pd.DataFrame(list(windows), columns=list(WINDOW_VARS))
        except (TypeError, ValueError) as exc:
            chk.fail(f"argument windows must be a frame or (AVISITN, AVISIT, AWTARGET, AWLO, AWHI) tuples: {exc}")
            return None
    if not chk.columns("windows", list(WINDOW_VARS), w, dataset="windows"):
        return None
    if not chk.numeric("windows", ["AVISITN", "AWTARGET", "AWLO", "AWHI"], w, what="numeric", dataset="windows"):
        return None
    w = w[list(WINDOW_VARS)].reset_index(drop=True)
    if w[["AVISITN", "AWTARGET", "AWLO", "AWHI"]].isna().any().any():
        chk.fail("argument windows: AVISITN, AWTARGET, AWLO and AWHI must not be missing", dataset="windows")
        return None
    if w["AVISITN"].duplicated().any():
        chk.fail("argument windows: AVISITN values must be unique", dataset="windows", variable="AVISITN")
    bad = ~((w["AWLO"] <= w["AWTARGET"]) & (w["AWTARGET"] <= w["AWHI"]))
    for i in np.flatnonzero(bad.to_numpy()):
        chk.fail(f"argument windows: window AVISITN={w['AVISITN'].iloc[i]:g} needs AWLO <= AWTARGET <= AWHI",
                 dataset="windows")
    ws = w.sort_values("AWLO", kind="stable")
    overlap = ws["AWLO"].to_numpy()[1:] <= ws["AWHI"].to_numpy()[:-1]
    for i in np.flatnonzero(overlap):
        chk.fail(f"argument windows: windows AVISITN={ws['AVISITN'].iloc[i]:g} and "
                 f"{ws['AVISITN'].iloc[i + 1]:g} overlap", dataset="windows")
    return w


def derive_var_analysis_window(
    df: pd.DataFrame,
    windows: pd.DataFrame | Sequence[tuple],
    day_var: str = "ADY",
    by_vars: Sequence[str] = ("USUBJID", "PARAMCD"),
    select: str = "closest",
    tie: str = "later",
    flag_var: str | None = "ANL01FL",
    value: str | None = "AVAL",
    filter: Filter = None,
) -> pd.DataFrame:
    """Assign analysis visits by study day windows and flag one record per window.

    ``windows``: a frame (or tuples) with AVISITN, AVISIT, AWTARGET, AWLO, AWHI - target day and
    inclusive bounds in the units of ``day_var``; windows must not overlap.

    Adds AVISITN, AVISIT, AWTARGET, AWLO, AWHI, AWTDIFF (= |day - AWTARGET|) and ``flag_var``
    (None: no flag, when the caller flags records by its own rule).
    Window cases per record, in order:
      1. not meeting ``filter`` or ``day_var`` missing: window variables missing;
      2. AWLO <= day <= AWHI of a window: that window;
      3. otherwise missing (outside all windows).
    Flag: among windowed records with non-missing ``value`` (None: any), one per by_vars and
    AVISITN gets "Y":
      select "closest": smallest AWTDIFF; on equal distance ``tie`` "later" (larger day) or
      "earlier"; select "first" / "last": the smallest / largest day. Records on the same day
      are then taken in row order (the first one).

    Example (window (4, "Week 4", 29, 15, 42)): ADY 25 -> AWTDIFF 4; ADY 33 -> AWTDIFF 4,
    flagged (equal distance, later wins); ADY 50 -> no window.
    """
    fn = "derive_var_analysis_window"
    chk = Checker(fn, df)
    if not chk.frame("df", df):
        chk.raise_if_any()
    w = _windows_frame(windows, chk)
    chk.numeric("day_var", day_var, what="numeric (study day)")
    by = as_list(by_vars)
    chk.columns("by_vars", by)
    chk.choice("select", select, ("closest", "first", "last"))
    chk.choice("tie", tie, ("later", "earlier"))
    if value is not None:
        chk.columns("value", value)
    chk.filter("filter", filter)
    for name in list(WINDOW_VARS) + ["AWTDIFF", flag_var]:
        if name is not None and name in df.columns:
            chk.fail(f"column {name} already exists; drop or rename it first", variable=name)
    chk.raise_if_any()

    day = df[day_var].to_numpy(dtype=float)
    use = evaluate_filter(df, filter, "filter", fn) & ~np.isnan(day)
    ws = w.sort_values("AWLO", kind="stable").reset_index(drop=True)
    lo = ws["AWLO"].to_numpy(dtype=float)
    hi = ws["AWHI"].to_numpy(dtype=float)
    idx = np.searchsorted(lo, np.where(use, day, -np.inf), side="right") - 1
    inside = use & (idx >= 0) & (day <= hi[np.clip(idx, 0, None)])
    take = np.where(inside, idx, 0)

    out = df.copy(deep=False)  # copy-on-write keeps the input unchanged
    for col in WINDOW_VARS:
        vals = ws[col].iloc[take].reset_index(drop=True)
        vals.index = df.index
        out[col] = vals.where(inside)
    out["AWTDIFF"] = np.where(inside, np.abs(day - ws["AWTARGET"].to_numpy(dtype=float)[take]), np.nan)
    if flag_var is None:
        return out

    cand = inside.copy()
    if value is not None:
        cand &= df[value].notna().to_numpy()
    # one integer per by-group and window: grouping on it is cheaper than on the text keys
    tmp = pd.DataFrame({"__group": group_codes(out, by + ["AVISITN"])})
    tmp["__day"] = day
    tmp["__diff"] = out["AWTDIFF"].to_numpy()
    tmp["__row"] = np.arange(len(df))
    if select == "closest":
        order = ["__diff", ("__day", "desc" if tie == "later" else "asc"), "__row"]
    elif select == "first":
        order = ["__day", "__row"]
    else:
        order = [("__day", "desc"), "__row"]
    flag = _extreme(tmp, cand, ["__group"], order, "first", fn)
    out[flag_var] = flag_values(flag, "Y", None, index=df.index)
    return out


def derive_var_period(
    df: pd.DataFrame,
    new_var: str = "APERIOD",
    start_date: str = "TRTSDT",
    date: str = "ADT",
    length_days: float = 365.25,
    max_period: int | None = None,
) -> pd.DataFrame:
    """Derive the analysis period (e.g. analysis year) a date falls in.

    Period k covers [start + L*(k-1), start + L*k) with L = ``length_days`` (365.25: years from
    first dose). Cases, in order: 1. date or start missing: missing; 2. date < start: missing
    (before the first period); 3. k = floor((date - start) / L) + 1; missing if above max_period.

    Example (TRTSDT 0): ADT 0 -> 1, 365 -> 1, 366 -> 2, 730 -> 2, 731 -> 3, -1 -> NaN.
    """
    fn = "derive_var_period"
    chk = Checker(fn, df)
    if not chk.frame("df", df):
        chk.raise_if_any()
    chk.numeric("start_date", start_date)
    chk.numeric("date", date)
    if not chk.non_negative("length_days", length_days) or length_days == 0:
        if length_days == 0:
            chk.fail("argument length_days must be positive")
    if max_period is not None and not (isinstance(max_period, (int, np.integer)) and max_period >= 1):
        chk.fail(f"argument max_period must be a positive integer; got {max_period!r}")
    if chk.new_names("new_var", [new_var]) and new_var in df.columns:
        chk.fail(f"argument new_var: column {new_var} already exists", variable=new_var)
    chk.raise_if_any()

    diff = df[date].to_numpy(dtype=float) - df[start_date].to_numpy(dtype=float)
    k = np.floor(diff / float(length_days)) + 1
    k[~(diff >= 0)] = np.nan
    if max_period is not None:
        k[k > max_period] = np.nan
    out = df.copy(deep=False)  # copy-on-write keeps the input unchanged
    out[new_var] = k
    return out


def _course_numbers(exposure: pd.DataFrame, by: list[str], date: str, course_id: str | None,
                    gap_days: float, use: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sorted positions (of used rows), their group codes and course numbers."""
    rows = np.flatnonzero(use)
    sub = exposure.iloc[rows]
    pos = sorted_positions(sub, by, [date])
    rows = rows[pos]
    codes = group_codes(exposure.iloc[rows], by) if by else np.zeros(len(rows), dtype=np.int64)
    d = exposure[date].to_numpy(dtype=float)[rows]
    new_group = np.r_[True, codes[1:] != codes[:-1]] if len(rows) else np.zeros(0, bool)
    if course_id is None:
        new_course = new_group | np.r_[True, np.diff(d) > gap_days] if len(rows) else new_group
        number = np.zeros(len(rows))
        if len(rows):
            cum = np.cumsum(new_course)
            group_first = np.maximum.accumulate(np.where(new_group, cum, 0))
            number = (cum - group_first + 1).astype(float)
    else:
        # explicit ids: courses numbered by their first infusion date within the group
        ids = exposure[course_id].iloc[rows].reset_index(drop=True)
        key = pd.DataFrame({"g": codes, "id": ids})
        first = pd.DataFrame({"g": codes, "id": ids, "d": d}).groupby(["g", "id"], sort=False, dropna=False)[
            "d"].transform("min").to_numpy()
        key["first"] = first
        ranks = key.groupby("g", sort=False)["first"].rank(method="dense").to_numpy()
        number = ranks.astype(float)
    return rows, codes, number


def _course_checks(chk: Checker, exposure: pd.DataFrame, by: list[str], date: str, course_id: str | None,
                   gap_days: float) -> None:
    chk.columns("by_vars", by, exposure, dataset="exposure")
    chk.numeric("exposure_date", date, exposure, dataset="exposure")
    if course_id is not None:
        chk.columns("course_id", course_id, exposure, dataset="exposure")
    chk.non_negative("gap_days", gap_days)


def derive_vars_courses(
    exposure: pd.DataFrame,
    by_vars: Sequence[str] = ("USUBJID",),
    exposure_date: str = "EXSTDT",
    course_id: str | None = None,
    gap_days: float = 30,
    new_vars: tuple[str, str, str] = ("COURSEN", "CRSSTDT", "CRSENDT"),
) -> pd.DataFrame:
    """Derive each infusion record's course number and the course's first and last infusion date.

    ``exposure`` has one record per infusion day (``exposure_date``, SAS date). Courses per
    by-group:
      1. with ``course_id`` (a column identifying the course, any type): one course per id,
         numbered 1, 2, ... by the course's first infusion date;
      2. otherwise a new course starts at the first infusion and at every infusion more than
         ``gap_days`` days after the previous one.
    Records with a missing date get missing course variables.

    Example (gap_days=30): EXSTDT 0, 1, 2, 3, 4, 365, 366, 367 -> COURSEN 1,1,1,1,1,2,2,2;
    CRSSTDT 0 / 365, CRSENDT 4 / 367.
    """
    fn = "derive_vars_courses"
    chk = Checker(fn, exposure, "exposure")
    if not chk.frame("exposure", exposure):
        chk.raise_if_any()
    by = as_list(by_vars)
    _course_checks(chk, exposure, by, exposure_date, course_id, gap_days)
    if len(new_vars) != 3:
        chk.fail("argument new_vars must give three names (number, start, end)")
    for name in new_vars:
        if name in exposure.columns:
            chk.fail(f"argument new_vars: column {name} already exists", variable=name)
    chk.raise_if_any()

    d = exposure[exposure_date].to_numpy(dtype=float)
    rows, codes, number = _course_numbers(exposure, by, exposure_date, course_id, float(gap_days), ~np.isnan(d))
    num = np.full(len(exposure), np.nan)
    num[rows] = number
    start = np.full(len(exposure), np.nan)
    end = np.full(len(exposure), np.nan)
    if len(rows):
        key = pd.DataFrame({"g": codes, "n": number, "d": d[rows]})
        grp = key.groupby(["g", "n"], sort=False)["d"]
        start[rows] = grp.transform("min").to_numpy()
        end[rows] = grp.transform("max").to_numpy()
    out = exposure.copy(deep=False)  # copy-on-write keeps the input unchanged
    out[new_vars[0]] = num
    out[new_vars[1]] = start
    out[new_vars[2]] = end
    return out


def course_table(
    exposure: pd.DataFrame,
    by_vars: Sequence[str] = ("USUBJID",),
    exposure_date: str = "EXSTDT",
    course_id: str | None = None,
    gap_days: float = 30,
) -> pd.DataFrame:
    """One record per by-group and course: COURSEN, CRSSTDT, CRSENDT, CRSNDAY (infusion days).

    Courses as in :func:`derive_vars_courses`; sorted by by_vars and COURSEN.
    """
    by = as_list(by_vars)
    rec = derive_vars_courses(exposure, by, exposure_date, course_id, gap_days)
    rec = rec.loc[rec["COURSEN"].notna()]
    table = (rec.groupby(by + ["COURSEN"], sort=True, dropna=False)
             .agg(CRSSTDT=("CRSSTDT", "first"), CRSENDT=("CRSENDT", "first"),
                  CRSNDAY=(exposure_date, "nunique"))
             .reset_index())
    return table


def derive_var_course(
    df: pd.DataFrame,
    exposure: pd.DataFrame,
    by_vars: Sequence[str] = ("USUBJID",),
    date: str = "ASTDT",
    exposure_date: str = "EXSTDT",
    course_id: str | None = None,
    gap_days: float = 30,
    new_var: str = "COURSEN",
    days_since_var: str | None = "DAYSLINF",
) -> pd.DataFrame:
    """Derive the course in which each record's date falls and the days since the last infusion.

    Courses come from ``exposure`` (one record per infusion day) as in
    :func:`derive_vars_courses`. A course lasts from its first infusion until the next course
    starts.

    Cases per record, in order:
      1. ``date`` missing, or no infusion of the by-group on or before it: both missing;
      2. ``new_var`` = number of the latest course started on or before ``date``;
         ``days_since_var`` = date - latest infusion date on or before it (0 on an infusion day).

    Example (infusions 0-4 and 365-367): ASTDT -5 -> NaN, NaN; 2 -> 1, 0; 6 -> 1, 2;
    364 -> 1, 360; 368 -> 2, 1.
    """
    fn = "derive_var_course"
    chk = Checker(fn, df)
    if not (chk.frame("df", df) & chk.frame("exposure", exposure)):
        chk.raise_if_any()
    by = as_list(by_vars)
    chk.columns("by_vars", by)
    chk.numeric("date", date)
    _course_checks(chk, exposure, by, exposure_date, course_id, gap_days)
    for arg, name in (("new_var", new_var), ("days_since_var", days_since_var)):
        if name is not None and chk.new_names(arg, [name]) and name in df.columns:
            chk.fail(f"argument {arg}: column {name} already exists", variable=name)
    chk.raise_if_any()

    ed = exposure[exposure_date].to_numpy(dtype=float)
    rows, _, number = _course_numbers(exposure, by, exposure_date, course_id, float(gap_days), ~np.isnan(ed))
    # common group codes for df records and infusions
    keys = pd.concat([df[by].reset_index(drop=True), exposure[by].iloc[rows].reset_index(drop=True)],
                     ignore_index=True) if by else pd.DataFrame(index=range(len(df) + len(rows)))
    codes = keys.groupby(by, sort=False, dropna=False).ngroup().to_numpy() if by else np.zeros(len(keys), int)
    c_df, c_ex = codes[: len(df)], codes[len(df):]
    d = df[date].to_numpy(dtype=float)
    ok = ~np.isnan(d)
    hit = np.full(len(df), -1, dtype=np.int64)
    hit[ok] = asof(c_df[ok], d[ok], c_ex, ed[rows], direction="backward", allow_exact=True)
    found = hit >= 0
    safe = np.where(found, hit, 0)
    out = df.copy(deep=False)  # copy-on-write keeps the input unchanged
    out[new_var] = np.where(found, number[safe] if len(rows) else np.nan, np.nan)
    if days_since_var is not None:
        out[days_since_var] = np.where(found, d - (ed[rows][safe] if len(rows) else np.nan), np.nan)
    return out
