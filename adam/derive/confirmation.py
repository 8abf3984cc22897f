"""Confirmed change from baseline (e.g. 6-month confirmed EDSS worsening or improvement)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from adam.derive._checks import Checker, Filter, as_list, evaluate_filter, flag_values, record_label
from adam.derive._keys import group_codes, shared_codes, sort_order
from adam.derive._sequence import asof, forward_confirm
from adam.errors import InputError, Problem

_EPS = 1e-9  # change scores are sums of 0.5 steps; guard against float noise in means


def derive_var_confirmed_change(
    df: pd.DataFrame,
    by_vars: Sequence[str] = ("USUBJID",),
    date: str = "ADT",
    value: str = "AVAL",
    base: str = "BASE",
    direction: str = "worsening",
    threshold: float = 1.0,
    threshold_if_base_zero: float | None = 1.5,
    confirm_days: float = 182,
    tolerance_days: float = 7,
    events: pd.DataFrame | None = None,
    event_date: str = "ASTDT",
    event_by_vars: Sequence[str] | None = None,
    exclusion_days: float = 30,
    min_base: float | None = None,
    new_vars_prefix: str | None = None,
    filter: Filter = None,
    ties: str = "error",
    true_value: Any = "Y",
    false_value: Any = None,
) -> pd.DataFrame:
    """Flag onsets of a change from baseline, their confirmation, and the first confirmed event.

    Reads, per record of ``df``: the by-group (``by_vars``, e.g. one subject and parameter),
    the assessment date ``date`` (SAS date), the value ``value`` and the baseline ``base``.
    ``events`` (optional) holds ``event_by_vars`` (default: by_vars; e.g. ["USUBJID"] when
    by_vars is ["USUBJID", "PARAMCD"]) and ``event_date`` - e.g. relapse onset dates.

    Adds four columns named ``<prefix>ONFL``, ``<prefix>CFFL``, ``<prefix>CFDT``, ``<prefix>EVFL``
    (prefix default "CDW" for worsening, "CDI" for improvement):
      ONFL - the record meets the change criterion (an onset candidate);
      CFFL - this onset is confirmed;
      CFDT - the date of the first assessment that confirms it;
      EVFL - the first confirmed onset of the by-group (the event; its ``date`` is the event date).

    Meeting the criterion:
      worsening:   value - base >= threshold, or >= threshold_if_base_zero when base == 0
                   (None: threshold for every base);
      improvement: base - value >= threshold, and only when base >= min_base (e.g. 2.0);
      min_base, when given, applies to worsening too.

    An onset at date t is confirmed when there is a later assessment at a date c with
      c - t >= confirm_days - tolerance_days                (182 - 7: day 175 confirms),
      that assessment meets the criterion,
      every assessment strictly between t and c meets the criterion (one dip breaks it),
      no ``events`` date e of the by-group lies in [c - exclusion_days, c]
      (an assessment within exclusion_days after a relapse onset cannot confirm; a later
      assessment still can). CFDT = the first such c. There is no upper limit on c - t, so a
      gap of missing visits is bridged by the next assessment.

    Records taking part: meeting ``filter`` (e.g. post-baseline only) with non-missing date,
    value and base. Others get missing in all four columns and neither confirm nor break.

    Ties (assessments of one by-group on the same date): ``ties`` = "error" (default; one
    InputError naming every tied record), or the day is tested with one value: "max" (the
    highest of them - for EDSS the worst), "min" (the lowest) or "mean". All records of that day
    then carry the same ONFL/CFFL/CFDT; EVFL goes to the first of them in row order.

    Cases per record, in order (ONFL / CFFL):
      1. not taking part: missing / missing;
      2. not meeting the criterion: false_value / false_value;
      3. meeting it, confirmed as above: true_value / true_value (CFDT set);
      4. meeting it, not confirmed (no later qualifying assessment, a dip, relapse
         exclusion, or the last assessment): true_value / false_value.

    Example (worsening, BASE 2.0, no relapses): ADT AVAL -> ONFL CFFL CFDT EVFL
      0    2.0  ->  NaN  NaN  NaN  NaN    (no change)
      91   3.0  ->  Y    Y    266  Y      (266 - 91 = 175 days: within the tolerance)
      266  3.0  ->  Y    NaN  NaN  NaN    (last assessment: nothing can confirm it)
    More cases, one history each, in tests/derive/test_derive_confirmation.py.
    """
    fn = "derive_var_confirmed_change"
    chk = Checker(fn, df)
    if not chk.frame("df", df):
        chk.raise_if_any()
    by = as_list(by_vars)
    chk.columns("by_vars", by)
    chk.numeric("date", date)
    chk.numeric("value", value, what="numeric")
    chk.numeric("base", base, what="numeric")
    chk.choice("direction", direction, ("worsening", "improvement"))
    chk.non_negative("threshold", threshold)
    chk.non_negative("threshold_if_base_zero", threshold_if_base_zero, allow_none=True)
    chk.non_negative("confirm_days", confirm_days)
    chk.non_negative("tolerance_days", tolerance_days)
    chk.non_negative("exclusion_days", exclusion_days)
    if min_base is not None and not isinstance(min_base, (int, float)):
        chk.fail(f"argument min_base must be a number; got {min_base!r}")
    if isinstance(confirm_days, (int, float)) and isinstance(tolerance_days, (int, float)) and (
            tolerance_days > confirm_days):
        chk.fail(f"argument tolerance_days ({tolerance_days}) exceeds confirm_days ({confirm_days})")
    chk.choice("ties", ties, ("error", "max", "min", "mean"))
    chk.filter("filter", filter)
    ev_by = by if event_by_vars is None else as_list(event_by_vars)
    for col in ev_by:
        if col not in by:
            chk.fail(f"argument event_by_vars: {col} is not one of by_vars", variable=col)
    if events is not None:
        if chk.frame("events", events):
            chk.columns("event_by_vars", ev_by, events, dataset="events")
            chk.numeric("event_date", event_date, events, dataset="events")
    prefix = new_vars_prefix or ("CDW" if direction == "worsening" else "CDI")
    names = [f"{prefix}ONFL", f"{prefix}CFFL", f"{prefix}CFDT", f"{prefix}EVFL"]
    for name in names:
        if name in df.columns:
            chk.fail(f"argument new_vars_prefix: column {name} already exists", variable=name)
    chk.raise_if_any()

    n = len(df)
    d = df[date].to_numpy(dtype=float)
    v = df[value].to_numpy(dtype=float)
    b = df[base].to_numpy(dtype=float)
    use = evaluate_filter(df, filter, "filter", fn) & ~np.isnan(d) & ~np.isnan(v) & ~np.isnan(b)
    rows = np.flatnonzero(use)

    # integer codes of the by-groups (and, on the same numbering, of the events' groups)
    ev = None
    if events is not None and len(events):
        ev = events.loc[events[event_date].notna(), ev_by + [event_date]]
        qcode_all, ecode = shared_codes(df, ev_by, ev, ev_by)
    gcode_all = qcode_all if ev is not None and ev_by == by else group_codes(df, by)

    # sort the records taking part by (group, date, row)
    gcode = gcode_all[rows]
    order = sort_order([gcode, d[rows]]) if len(rows) else np.zeros(0, dtype=np.int64)
    rows, gcode = rows[order], gcode[order]
    rd, rv, rb = d[rows], v[rows], b[rows]

    # one "day" per group and date
    new_day = np.r_[True, (gcode[1:] != gcode[:-1]) | (rd[1:] != rd[:-1])] if len(rows) else np.zeros(0, bool)
    starts = np.flatnonzero(new_day)
    day_of = np.cumsum(new_day) - 1
    if len(rows) and len(starts) < len(rows):
        if ties == "error":
            counts = np.bincount(day_of)
            tied = rows[counts[day_of] > 1]
            raise InputError([
                Problem(f"{fn}: more than one assessment on the same {date} in the by-group; deduplicate "
                        "first or choose ties='max'/'min'/'mean'", variable=date, record=label)
                for label in record_label(df, tied)
            ])
        if ties == "mean":
            dv = np.add.reduceat(rv, starts) / np.diff(np.r_[starts, len(rows)])
        elif ties == "max":
            dv = np.maximum.reduceat(rv, starts)
        else:
            dv = np.minimum.reduceat(rv, starts)
    else:
        dv = rv[starts] if len(rows) else rv
    dd, db, dg = rd[starts], rb[starts], gcode[starts]

    # meeting the criterion, per day
    if direction == "worsening":
        need = np.full(len(dd), float(threshold))
        if threshold_if_base_zero is not None:
            need[db == 0] = float(threshold_if_base_zero)
        meets = (dv - db) >= need - _EPS
    else:
        meets = (db - dv) >= float(threshold) - _EPS
    if min_base is not None:
        meets &= db >= float(min_base) - _EPS

    # days that may confirm: meeting, and not within exclusion_days after an event onset
    can_confirm = meets.copy()
    if ev is not None and len(dd):
        qcode = qcode_all[rows[starts]]
        edate = ev[event_date].to_numpy(dtype=float)
        last_ev = asof(qcode, dd, ecode, edate, direction="backward", allow_exact=True)
        has = last_ev >= 0
        gap = np.where(has, dd - edate[np.where(has, last_ev, 0)], np.inf)
        can_confirm &= ~(gap <= float(exclusion_days))

    j = forward_confirm(dg, dd, meets, can_confirm, meets, float(confirm_days) - float(tolerance_days))
    confirmed = j >= 0
    cdate = np.where(confirmed, dd[np.where(confirmed, j, 0)], np.nan)
    first_in_group = np.zeros(len(dd), dtype=bool)
    if confirmed.any():
        cpos = np.flatnonzero(confirmed)
        cg = dg[cpos]
        first_in_group[cpos[np.r_[True, cg[1:] != cg[:-1]]]] = True

    # back to records: every record of a day shares the day's flags; EVFL on the day's first row
    on_rec = np.zeros(n, dtype=bool)
    cf_rec = np.zeros(n, dtype=bool)
    cd_rec = np.full(n, np.nan)
    ev_rec = np.zeros(n, dtype=bool)
    on_rec[rows] = meets[day_of] if len(rows) else False
    cf_rec[rows] = confirmed[day_of] if len(rows) else False
    cd_rec[rows] = cdate[day_of] if len(rows) else np.nan
    if len(rows):
        first_row_of_day = np.minimum.reduceat(rows, starts)
        ev_rec[first_row_of_day[first_in_group]] = True

    out = df.copy(deep=False)  # copy-on-write keeps the input unchanged
    missing = ~use
    out[names[0]] = flag_values(on_rec, true_value, false_value, missing=missing, index=df.index)
    out[names[1]] = flag_values(cf_rec, true_value, false_value, missing=missing, index=df.index)
    out[names[2]] = cd_rec
    out[names[3]] = flag_values(ev_rec, true_value, false_value, missing=missing, index=df.index)
    return out
