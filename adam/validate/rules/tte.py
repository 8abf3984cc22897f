"""Time-to-event (BDS for TTE): censoring, start and event dates, analysis time."""

from __future__ import annotations

import re
from typing import Iterator

import numpy as np
import pandas as pd

from adam.validate.codes import dense, distinct_per_group, duplicated_codes
from adam.validate.rules.base import DatasetView, Hit, RuleContext, rule, text

TTE = ("TTE",)
DAY_UNITS = {"DAY", "DAYS", "D"}
DAYS_IN_PARAM = re.compile(r"\(\s*days?\s*\)", re.IGNORECASE)


@rule("ADAM-TT-001", "CNSR is null, negative or not a whole number (0 marks an event, positive "
      "integers a censoring reason).", classes=TTE)
def censor_values(ctx: RuleContext, view: DatasetView) -> Iterator[Hit]:
    if not view.has("CNSR"):
        return
    x = view.numbers("CNSR")
    bad = x.isna() | (x < 0) | (x != np.floor(x))
    if bad.any():
        yield Hit("CNSR not 0 or a positive integer", rows=bad, variables=["PARAMCD", "CNSR"])


@rule("ADAM-TT-002", "The event or censoring date ADT is before the time-to-event origin STARTDT.",
      classes=TTE)
def date_after_origin(ctx: RuleContext, view: DatasetView) -> Iterator[Hit]:
    if view.has("ADT", "STARTDT"):
        bad = (view.numbers("ADT") < view.numbers("STARTDT")).fillna(False).astype(bool)
        if bad.any():
            yield Hit("ADT < STARTDT", rows=bad, variables=["PARAMCD", "STARTDT", "ADT"])


def _in_days(view: DatasetView) -> pd.Series:
    """Records whose analysis time is in days (AVALU, else the parameter label says so)."""
    days = pd.Series(False, index=view.df.index)
    if view.has("AVALU"):
        days |= text(view.df["AVALU"]).str.strip().str.upper().isin(DAY_UNITS).fillna(False).astype(bool)
    if view.has("PARAM"):
        label = text(view.df["PARAM"]).str.contains(DAYS_IN_PARAM).fillna(False).astype(bool)
        no_unit = view.df["AVALU"].isna() if view.has("AVALU") else True
        days |= label & no_unit
    return days


@rule("ADAM-TT-003", "For a parameter measured in days, AVAL is not ADT - STARTDT + 1.", classes=TTE)
def time_in_days(ctx: RuleContext, view: DatasetView) -> Iterator[Hit]:
    if not view.has("AVAL", "ADT", "STARTDT"):
        return
    expected = view.numbers("ADT") - view.numbers("STARTDT") + 1
    aval = view.numbers("AVAL")
    bad = _in_days(view) & expected.notna() & aval.notna() & ~np.isclose(aval, expected)
    if bad.any():
        yield Hit("AVAL != ADT - STARTDT + 1 (days)", rows=bad,
                  variables=["PARAMCD", "STARTDT", "ADT", "AVAL"])


@rule("ADAM-TT-004", "The analysis time AVAL is null or negative.", classes=TTE)
def time_present(ctx: RuleContext, view: DatasetView) -> Iterator[Hit]:
    if view.has("AVAL"):
        aval = view.numbers("AVAL")
        bad = aval.isna() | (aval < 0)
        if bad.any():
            yield Hit("AVAL null or negative", rows=bad, variables=["PARAMCD", "AVAL"])


@rule("ADAM-TT-005", "A time-to-event dataset lacks one of PARAMCD, AVAL, CNSR, STARTDT, ADT.",
      classes=TTE)
def tte_required(ctx: RuleContext, view: DatasetView) -> Iterator[Hit]:
    missing = [v for v in ("PARAMCD", "AVAL", "CNSR", "STARTDT", "ADT") if not view.has(v)]
    if missing:
        yield Hit(f"missing: {', '.join(missing)}", variables=missing, count=len(missing))


@rule("ADAM-TT-006", "A subject has more than one record for the same time-to-event parameter.",
      classes=TTE)
def one_record_per_parameter(ctx: RuleContext, view: DatasetView) -> Iterator[Hit]:
    by = ["USUBJID", "PARAMCD"] + (["BASETYPE"] if view.has("BASETYPE") else [])
    if view.has(*by):
        bad = pd.Series(duplicated_codes(view.codes.key(by)), index=view.df.index)
        if bad.any():
            yield Hit("several records per subject and parameter", rows=bad, variables=["PARAMCD"])


@rule("ADAM-TT-007", "EVNTDESC (what happened at ADT) is null on a record.", "warning", classes=TTE)
def event_description(ctx: RuleContext, view: DatasetView) -> Iterator[Hit]:
    if view.has("EVNTDESC"):
        bad = view.missing("EVNTDESC")
        if bad.any():
            yield Hit("EVNTDESC null", rows=bad, variables=["PARAMCD", "CNSR", "EVNTDESC"])


@rule("ADAM-TT-008", "Within a parameter the same EVNTDESC describes both events (CNSR=0) and "
      "censored records (CNSR>0).", "warning", classes=TTE)
def event_description_consistent(ctx: RuleContext, view: DatasetView) -> Iterator[Hit]:
    if not view.has("EVNTDESC", "CNSR", "PARAMCD"):
        return
    event = (view.numbers("CNSR") == 0).to_numpy()
    param, desc = view.codes.codes("PARAMCD"), view.codes.codes("EVNTDESC")
    rows = (param >= 0) & (desc >= 0)  # (groupby leaves out records with a missing key)
    kinds = np.zeros(len(event), dtype=np.int64)
    if rows.any():
        kinds[rows] = distinct_per_group(dense([param[rows], desc[rows]]), event[rows].astype(np.int64))
    bad = pd.Series(kinds > 1, index=view.df.index)
    if bad.any():
        yield Hit("EVNTDESC used for both events and censorings", rows=bad,
                  variables=["PARAMCD", "CNSR", "EVNTDESC"])


@rule("ADAM-TT-009", "A censoring date description (CNSDTDSC) is given on an event record "
      "(CNSR=0).", "warning", classes=TTE)
def censor_description_on_event(ctx: RuleContext, view: DatasetView) -> Iterator[Hit]:
    if view.has("CNSDTDSC", "CNSR"):
        bad = (view.numbers("CNSR") == 0) & view.present("CNSDTDSC")
        if bad.any():
            yield Hit("CNSDTDSC on an event record", rows=bad, variables=["PARAMCD", "CNSR", "CNSDTDSC"])
