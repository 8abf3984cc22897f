"""Dates, times and study days: SAS numeric storage, formats, imputation flags, consistency.

Temporal variables are recognized by their ADaM suffix: ``*DT`` (SAS date, days since
1960-01-01), ``*DTM`` (SAS datetime, seconds) and ``*TM`` (SAS time, seconds since midnight).
"""

from __future__ import annotations

import re
from typing import Iterator

import numpy as np
import pandas as pd

from adam.validate.rules.base import DatasetView, Hit, RuleContext, rule, text

DAY = 86400.0
DATE_FORMAT = re.compile(r"^(DATE|YYMMDD|E8601DA|IS8601DA|B8601DA|MMDDYY|DDMMYY|WORDDATE|NLDATE|"
                         r"WEEKDATE|MONYY|YYMMDDN|EURDFDD)\d*\.?\d*$", re.IGNORECASE)
DATETIME_FORMAT = re.compile(r"^(DATETIME|E8601DT|IS8601DT|B8601DT|NLDATM)\d*\.?\d*$", re.IGNORECASE)
TIME_FORMAT = re.compile(r"^(TIME|E8601TM|IS8601TM|B8601TM|TOD|HHMM)\d*\.?\d*$", re.IGNORECASE)
LOW_DATE, HIGH_DATE = -21914.0, 51501.0  # 1900-01-01 and 2100-12-31 as SAS dates
DTF_VALUES = {"Y", "M", "D"}
TMF_VALUES = {"H", "M", "S"}


def _kind(name: str) -> str | None:
    if len(name) > 3 and name.endswith("DTM"):
        return "datetime"
    if len(name) > 2 and name.endswith("DT"):
        return "date"
    if len(name) > 2 and name.endswith("TM") and not name.endswith("DTM"):
        return "time"
    return None


def _temporal(view: DatasetView) -> list[tuple[str, str]]:
    return [(c, k) for c in map(str, view.df.columns) if (k := _kind(c)) is not None]


@rule("ADAM-DT-001", "A date, datetime or time variable (*DT, *DTM, *TM) is not numeric; ADaM "
      "keeps them as SAS numbers.")
def temporal_numeric(ctx: RuleContext, view: DatasetView) -> Iterator[Hit]:
    for col, kind in _temporal(view):
        if view.df[col].notna().any() and not view.is_numeric(col):
            yield Hit(f"{col} is not numeric ({kind})", variables=[col])


@rule("ADAM-DT-002", "A date, datetime or time variable has no matching display format "
      "(e.g. DATE9. for *DT, DATETIME20. for *DTM, TIME8. for *TM).", "warning")
def temporal_format(ctx: RuleContext, view: DatasetView) -> Iterator[Hit]:
    if view.meta is None and view.spec is None:
        return  # neither the file nor the spec says what formats the variables carry
    patterns = {"date": DATE_FORMAT, "datetime": DATETIME_FORMAT, "time": TIME_FORMAT}
    bad = []
    for col, kind in _temporal(view):
        if not view.is_numeric(col):
            continue
        fmt = (view.format_of(col) or "").strip()
        if not patterns[kind].match(fmt):
            bad.append(f"{col} ({fmt or 'no format'})")
    if bad:
        yield Hit("no date/time format: " + ", ".join(bad), count=len(bad))


@rule("ADAM-DT-003", "A SAS date (*DT) has a fractional part; dates are whole days.")
def whole_days(ctx: RuleContext, view: DatasetView) -> Iterator[Hit]:
    for col, kind in _temporal(view):
        if kind == "date" and view.is_numeric(col):
            x = view.numbers(col)
            bad = x.notna() & (x != np.floor(x))
            if bad.any():
                yield Hit(f"{col} is not a whole number of days", rows=bad, variables=[col])


@rule("ADAM-DT-004", "A date or datetime lies outside 1900-2100, which usually means a wrong "
      "origin or unit.", "warning")
def plausible_dates(ctx: RuleContext, view: DatasetView) -> Iterator[Hit]:
    for col, kind in _temporal(view):
        if kind == "time" or not view.is_numeric(col):
            continue
        x = view.numbers(col)
        days = x / DAY if kind == "datetime" else x
        bad = (days < LOW_DATE) | (days > HIGH_DATE + 1)
        if bad.any():
            yield Hit(f"{col} outside 1900-2100", rows=bad, variables=[col])


def _prefix_pairs(view: DatasetView, a: str, b: str) -> list[tuple[str, str]]:
    """(prefix+a, prefix+b) pairs present in the dataset, e.g. ('ASTDTM', 'ASTDT')."""
    out = []
    for col in map(str, view.df.columns):
        if col.endswith(a) and len(col) > len(a):
            other = col[: -len(a)] + b
            if other in view.df.columns and view.is_numeric(col) and view.is_numeric(other):
                out.append((col, other))
    return out


@rule("ADAM-DT-005", "The date part of a datetime (*DTM) differs from the date (*DT) of the same "
      "prefix.")
def datetime_date(ctx: RuleContext, view: DatasetView) -> Iterator[Hit]:
    for dtm, dt in _prefix_pairs(view, "DTM", "DT"):
        expected = np.floor(view.numbers(dtm) / DAY)
        got = view.numbers(dt)
        bad = expected.notna() & got.notna() & (expected != got)
        bad |= expected.notna() & got.isna()
        if bad.any():
            yield Hit(f"{dt} != date part of {dtm}", rows=bad, variables=[dtm, dt])


@rule("ADAM-DT-006", "The time part of a datetime (*DTM) differs from the time (*TM) of the same "
      "prefix.")
def datetime_time(ctx: RuleContext, view: DatasetView) -> Iterator[Hit]:
    for dtm, tm in _prefix_pairs(view, "DTM", "TM"):
        expected = np.mod(view.numbers(dtm), DAY)
        got = view.numbers(tm)
        bad = expected.notna() & got.notna() & ~np.isclose(expected, got)
        if bad.any():
            yield Hit(f"{tm} != time part of {dtm}", rows=bad, variables=[dtm, tm])


def study_day(date: pd.Series, reference: pd.Series) -> pd.Series:
    """ADaM study day: date - reference + 1 on or after the reference, date - reference before."""
    diff = date - reference
    return diff + (diff >= 0).astype(float)


@rule("ADAM-DT-007", "A study day (*DY) is not computed from its date (*DT) and the reference "
      "start date TRTSDT (day 1 is the reference date; there is no day 0).")
def study_days(ctx: RuleContext, view: DatasetView) -> Iterator[Hit]:
    ref_name = ctx.option("study_day_reference", default="TRTSDT")
    for dy, dt in _prefix_pairs(view, "DY", "DT"):
        ref = ctx.from_adsl(view, ref_name)
        if ref is None:
            yield Hit(f"{dy} not checked: {ref_name} is neither in {view.name} nor in ADSL",
                      severity="notice", variables=[dy])
            continue
        expected = study_day(view.numbers(dt), pd.to_numeric(ref, errors="coerce").astype(float))
        got = view.numbers(dy)
        bad = expected.notna() & got.notna() & (expected != got)
        if bad.any():
            shown = [dt, dy] + ([ref_name] if ref_name in view.df.columns else [])
            yield Hit(f"{dy} != study day of {dt} relative to {ref_name}", rows=bad, variables=shown)


@rule("ADAM-DT-008", "A study day (*DY) is 0; ADaM study days skip day 0.")
def no_day_zero(ctx: RuleContext, view: DatasetView) -> Iterator[Hit]:
    for col in view.columns_like(lambda c: c.endswith("DY") and len(c) > 2):
        if view.is_numeric(col):
            bad = view.numbers(col) == 0
            if bad.any():
                yield Hit(f"{col} is 0", rows=bad, variables=[col])


def _flag_names(name: str) -> list[str]:
    """The imputation flags that may accompany a date variable, e.g. ASTDTM -> ASTDTF, ASTTMF."""
    if name.endswith("DTM"):
        stem = name[:-3]
        return [stem + "DTF", stem + "TMF"]
    if name.endswith("DT"):
        stem = name[:-2]
        return [stem + "DTF", stem + "TMF"]
    return []


@rule("ADAM-DT-009", "The spec derives a date with an imputation method, but the dataset has no "
      "imputation flag (*DTF, or *TMF for a datetime) for it.")
def imputation_flag_present(ctx: RuleContext, view: DatasetView) -> Iterator[Hit]:
    if view.spec is None or ctx.spec is None:
        return
    imputing = {m.id for m in ctx.spec.methods if m.type == "Imputation"}
    for var in view.spec.variables:
        if var.method not in imputing or var.type not in ("date", "datetime"):
            continue
        if var.name not in view.df.columns:
            continue
        if not any(f in view.df.columns for f in _flag_names(var.name)):
            yield Hit(f"{var.name} is imputed ({var.method}) but {' / '.join(_flag_names(var.name))} "
                      "is not in the dataset", variables=[var.name])


def _flags(view: DatasetView) -> list[tuple[str, set[str], list[str]]]:
    """(flag variable, permitted values, the date variables it may belong to)."""
    out = []
    for col in map(str, view.df.columns):
        if col.endswith("DTF") and len(col) > 3:
            stem = col[:-3]
            out.append((col, DTF_VALUES, [stem + "DT", stem + "DTM"]))
        elif col.endswith("TMF") and len(col) > 3:
            stem = col[:-3]
            out.append((col, TMF_VALUES, [stem + "DTM", stem + "DT", stem + "TM"]))
    return out


@rule("ADAM-DT-010", "A date imputation flag (*DTF) is not Y, M or D, or a time imputation flag "
      "(*TMF) is not H, M or S.")
def imputation_flag_values(ctx: RuleContext, view: DatasetView) -> Iterator[Hit]:
    for col, allowed, _ in _flags(view):
        bad = view.text_rows(col, lambda v: v not in allowed)
        if bad is None:  # not text: every record is tested
            s = text(view.df[col])
            bad = s.notna() & ~s.isin(sorted(allowed)).fillna(False).astype(bool)
        if bad.any():
            yield Hit(f"{col} not in {'/'.join(sorted(allowed))}", rows=bad, variables=[col])


@rule("ADAM-DT-011", "An imputation flag (*DTF/*TMF) is populated on a record whose date is null.")
def imputation_flag_without_date(ctx: RuleContext, view: DatasetView) -> Iterator[Hit]:
    for col, _, dates in _flags(view):
        present = [d for d in dates if d in view.df.columns]
        if not present:
            continue
        has_date = np.zeros(len(view.df), dtype=bool)
        for date in present:
            has_date |= ~view.codes.missing(date)
        bad = view.present(col) & ~has_date
        if bad.any():
            yield Hit(f"{col} set but {' / '.join(present)} null", rows=bad, variables=[col] + present)


@rule("ADAM-DT-012", "An imputation flag (*DTF/*TMF) has no date variable of the same prefix in "
      "the dataset.", "warning")
def orphan_imputation_flag(ctx: RuleContext, view: DatasetView) -> Iterator[Hit]:
    for col, _, dates in _flags(view):
        if not any(d in view.df.columns for d in dates):
            yield Hit(f"{col} has none of {', '.join(dates)}", variables=[col])


def _start_end_pairs(view: DatasetView) -> list[tuple[str, str]]:
    pairs = []
    cols = set(map(str, view.df.columns))
    for col in sorted(cols):
        for start, end in (("SDTM", "EDTM"), ("SDT", "EDT"), ("STDTM", "ENDTM"), ("STDT", "ENDT")):
            if col.endswith(start) and len(col) > len(start) - 1:
                other = col[: -len(start)] + end
                if other in cols and (col, other) not in pairs:
                    pairs.append((col, other))
    return [(a, b) for a, b in pairs if view.is_numeric(a) and view.is_numeric(b)]


@rule("ADAM-DT-013", "A start date or datetime is after its end (e.g. ASTDT > AENDT, "
      "TRTSDT > TRTEDT, APxxSDT > APxxEDT).")
def start_before_end(ctx: RuleContext, view: DatasetView) -> Iterator[Hit]:
    for start, end in _start_end_pairs(view):
        bad = (view.numbers(start) > view.numbers(end)).fillna(False).astype(bool)
        if bad.any():
            yield Hit(f"{start} > {end}", rows=bad, variables=[start, end])
