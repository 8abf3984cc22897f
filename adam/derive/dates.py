"""ISO 8601 --DTC parsing, date/datetime imputation and SAS date numbers.

SAS dates are days since 1960-01-01 (float64, NaN missing); SAS datetimes are seconds since
1960-01-01T00:00:00. SDTM --DTC values may be partial: ``2003``, ``2003-05``, ``2003-05-17``,
``2003-05-17T10``, ``2003-05-17T10:30``, ``2003-05-17T10:30:15`` (fractional seconds allowed),
and a missing component may be written as ``-`` (``2003---17``, ``2003-05-17T-:30``). Every
component after the first missing one is ignored, so ``2003---17`` is the year 2003 only.
Values are split by :func:`adam.sdtm.iso8601.split_dtc`; a value with a time zone is refused
(SAS dates and datetimes have none), as is an interval.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from adam.derive._checks import Checker, as_list, record_label
from adam.errors import InputError, Problem
from adam.sdtm.iso8601 import COMPONENTS as _COMPONENTS
from adam.sdtm.iso8601 import split_dtc

SAS_EPOCH_OFFSET_DAYS = 3653  # 1960-01-01 -> 1970-01-01
SECONDS_PER_DAY = 86400.0


# imputation levels, lowest first
_DATE_LEVELS = ("n", "D", "M", "Y")
_DTM_LEVELS = ("n", "s", "m", "h", "D", "M", "Y")


# --------------------------------------------------------------------------- conversions


def to_sas_date(values: Any) -> pd.Series | float:
    """SAS date numbers (days since 1960-01-01) from datetimes, dates or ISO strings.

    Accepts a scalar, list, numpy array or Series of ``datetime64``, ``datetime.date`` or
    complete ``YYYY-MM-DD`` strings; the time of day is dropped. Missing stays NaN.

    >>> to_sas_date("1960-01-02")
    1.0
    """
    if not pd.api.types.is_list_like(values):
        if pd.isna(values):
            return np.nan
        stamp = pd.Timestamp(values)
        return float((stamp.normalize() - pd.Timestamp("1960-01-01")).days)
    series = values if isinstance(values, pd.Series) else pd.Series(values)
    stamps = pd.to_datetime(series, errors="raise").dt.normalize()
    days = (stamps - pd.Timestamp("1960-01-01")) / pd.Timedelta(days=1)
    return days.astype("float64")


def from_sas_date(values: Any) -> pd.Series | pd.Timestamp:
    """Pandas datetimes (midnight) from SAS date numbers; NaN becomes NaT.

    >>> from_sas_date(0.0)
    Timestamp('1960-01-01 00:00:00')
    """
    if not pd.api.types.is_list_like(values):
        if pd.isna(values):
            return pd.NaT
        return pd.Timestamp("1960-01-01") + pd.Timedelta(days=float(values))
    series = values if isinstance(values, pd.Series) else pd.Series(values)
    return pd.Timestamp("1960-01-01") + pd.to_timedelta(series.astype("float64"), unit="D")


def to_sas_datetime(values: Any) -> pd.Series | float:
    """SAS datetime numbers (seconds since 1960-01-01T00:00:00) from datetimes or ISO strings."""
    if not pd.api.types.is_list_like(values):
        if pd.isna(values):
            return np.nan
        return (pd.Timestamp(values) - pd.Timestamp("1960-01-01")).total_seconds()
    series = values if isinstance(values, pd.Series) else pd.Series(values)
    stamps = pd.to_datetime(series, errors="raise")
    return ((stamps - pd.Timestamp("1960-01-01")) / pd.Timedelta(seconds=1)).astype("float64")


def from_sas_datetime(values: Any) -> pd.Series | pd.Timestamp:
    """Pandas datetimes from SAS datetime numbers (seconds); NaN becomes NaT."""
    if not pd.api.types.is_list_like(values):
        if pd.isna(values):
            return pd.NaT
        return pd.Timestamp("1960-01-01") + pd.Timedelta(seconds=float(values))
    series = values if isinstance(values, pd.Series) else pd.Series(values)
    return pd.Timestamp("1960-01-01") + pd.to_timedelta(series.astype("float64"), unit="s")


def ymd_to_sas(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """SAS dates from complete year, month, day arrays (floats; NaN anywhere gives NaN)."""
    year = np.asarray(year, dtype=float)
    month = np.asarray(month, dtype=float)
    day = np.asarray(day, dtype=float)
    ok = ~(np.isnan(year) | np.isnan(month) | np.isnan(day))
    out = np.full(year.shape, np.nan)
    if ok.any():
        months = ((year[ok] - 1970) * 12 + (month[ok] - 1)).astype(np.int64)
        first = months.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
        out[ok] = first + day[ok] - 1 + SAS_EPOCH_OFFSET_DAYS
    return out


def days_in_month(year: np.ndarray, month: np.ndarray) -> np.ndarray:
    """Number of days in each (year, month); NaN where either is missing."""
    year = np.asarray(year, dtype=float)
    month = np.asarray(month, dtype=float)
    ok = ~(np.isnan(year) | np.isnan(month)) & (month >= 1) & (month <= 12)
    out = np.full(year.shape, np.nan)
    if ok.any():
        months = ((year[ok] - 1970) * 12 + (month[ok] - 1)).astype(np.int64)
        start = months.astype("datetime64[M]").astype("datetime64[D]")
        end = (months + 1).astype("datetime64[M]").astype("datetime64[D]")
        out[ok] = (end - start).astype(np.int64)
    return out


# --------------------------------------------------------------------------- parsing




@dataclass(frozen=True)
class _Parsed:
    """--DTC values parsed once per distinct value (dates repeat a lot).

    ``codes`` gives each record's row of the per-value arrays ``comps`` (component -> float
    array, NaN missing) and ``reason`` ("" when valid); their last row stands for missing values.
    """

    codes: np.ndarray
    comps: dict[str, np.ndarray]
    reason: np.ndarray


def _parse(values: pd.Series) -> _Parsed:
    """Parse the distinct values of a --DTC column and map every record to its value's row."""
    codes, uniques = pd.factorize(values.to_numpy(dtype=object), use_na_sentinel=True)
    # one extra all-missing row at the end stands for missing values (code -1)
    texts = pd.Series(list(uniques) + [None], dtype="str")
    comps, reason = _parse_unique(texts)
    return _Parsed(np.where(codes < 0, len(texts) - 1, codes), comps, reason)


def _parse_unique(values: pd.Series) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Components and reason ("" when valid) of each (distinct) value."""
    text = values.str.strip().to_numpy(dtype=object)
    blank = pd.isna(text) | (text == "")
    n = len(text)
    split = split_dtc(np.where(blank, "", text).tolist())
    numbers = split.numbers  # NaN: component absent or "-"
    reason = np.full(n, "", dtype=object)
    reason[~blank & ~split.matched] = "not an ISO 8601 date/time"
    # a time zone cannot be placed on the SAS date/time scale, which has none
    reason[split.zone] = "time zone not supported (expected local date/time)"

    comps = {}
    present = np.ones(n, dtype=bool)
    for i, name in enumerate(_COMPONENTS):
        num = numbers[:, i]
        # everything after the first missing component is ignored
        present = present & ~np.isnan(num)
        comps[name] = np.where(present, num, np.nan)

    y, mo, d = comps["year"], comps["month"], comps["day"]
    h, mi, sec = comps["hour"], comps["minute"], comps["second"]
    dim = days_in_month(y, np.where((mo >= 1) & (mo <= 12), mo, np.nan))
    checks = [
        (~np.isnan(mo) & ((mo < 1) | (mo > 12)), "month out of range 01-12"),
        (~np.isnan(d) & ~np.isnan(dim) & ((d < 1) | (d > dim)), "day out of range for the month"),
        (~np.isnan(h) & (h > 23), "hour out of range 00-23"),
        (~np.isnan(mi) & (mi > 59), "minute out of range 00-59"),
        (~np.isnan(sec) & (sec >= 60), "second out of range 00-59"),
    ]
    for bad, why in checks:
        reason[bad & (reason == "")] = why
    invalid = reason != ""
    for name in _COMPONENTS:
        comps[name][invalid] = np.nan
    return comps, reason


def parse_dtc(
    values: pd.Series,
    variable: str = "--DTC",
    dataset_name: str | None = None,
    records: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Split ISO 8601 (possibly partial) --DTC values into numeric components.

    Returns a frame with columns year, month, day, hour, minute, second (float, NaN where the
    component is missing) aligned with ``values``. Blank or missing values give all-missing
    components. Invalid values (``2003-02-30``, ``2003-13``, free text) are reported together
    as one InputError with a Problem per record, naming ``dataset_name``, ``variable`` and the
    record (USUBJID and --SEQ taken from ``records`` when given).

    >>> parse_dtc(pd.Series(["2003-05", "2003---17"]))[["year", "month", "day"]].values.tolist()
    [[2003.0, 5.0, nan], [2003.0, nan, nan]]
    """
    if not isinstance(values, pd.Series):
        values = pd.Series(values)
    parsed = _parse(values)
    _raise_invalid(values, parsed, variable, dataset_name, records)
    return pd.DataFrame({c: parsed.comps[c][parsed.codes] for c in _COMPONENTS}, index=values.index)


def _raise_invalid(values: pd.Series, parsed: _Parsed, variable: str, dataset_name: str | None,
                   records: pd.DataFrame | None) -> None:
    if not (parsed.reason != "").any():
        return
    reason = parsed.reason[parsed.codes]
    bad = np.flatnonzero(reason != "")
    frame = records if records is not None else pd.DataFrame(index=values.index)
    labels = record_label(frame, bad)
    raw = values.to_numpy(dtype=object)
    raise InputError([
        Problem(f"invalid ISO 8601 value {raw[p]!r}: {reason[p]}", dataset=dataset_name, variable=variable,
                record=label)
        for p, label in zip(bad, labels)
    ])


# --------------------------------------------------------------------------- imputation


# level codes: positions in _DATE_LEVELS / _DTM_LEVELS
_DATE_TO_DTM_LEVEL = np.array([_DTM_LEVELS.index(name) for name in _DATE_LEVELS])


def _date_level(comps: dict[str, np.ndarray]) -> np.ndarray:
    """Which date part is missing first, as a position in _DATE_LEVELS: 0 complete, 1 day,
    2 month, 3 year (or all)."""
    y, m, d = comps["year"], comps["month"], comps["day"]
    return np.select([np.isnan(y), np.isnan(m), np.isnan(d)], [3, 2, 1], 0)


def _level_text(level: np.ndarray, show: np.ndarray, names: Sequence[str | None], index: pd.Index
                ) -> pd.Series:
    """A text column holding ``names[level]`` where ``show`` holds, missing elsewhere."""
    table = pd.array(list(names), dtype="str")
    return pd.Series(table.take(np.where(show, level, -1), allow_fill=True), index=index)


def _impute_date(comps: dict[str, np.ndarray], level: np.ndarray, allowed: np.ndarray, date_imputation: str
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Imputed SAS date and the range [lo, hi] of dates the partial value allows (``level``:
    position in _DATE_LEVELS)."""
    y, m, d = comps["year"], comps["month"], comps["day"]
    miss_m = level == 2
    miss_d = (level == 2) | (level == 1)
    lo_m = np.where(miss_m, 1.0, m)
    hi_m = np.where(miss_m, 12.0, m)
    lo = ymd_to_sas(y, lo_m, np.where(miss_d, 1.0, d))
    hi = ymd_to_sas(y, hi_m, np.where(miss_d, days_in_month(y, hi_m), d))

    if date_imputation == "first":
        imp_m, imp_d = lo_m, np.where(miss_d, 1.0, d)
    elif date_imputation == "last":
        imp_m, imp_d = hi_m, np.where(miss_d, days_in_month(y, hi_m), d)
    else:
        if date_imputation == "mid":
            mm, dd_m, dd_d = 6.0, 30.0, 15.0
        else:  # "MM-DD"
            mm, dd = (float(x) for x in date_imputation.split("-"))
            dd_m = dd_d = dd
        imp_m = np.where(miss_m, mm, m)
        dd = np.where(miss_m, dd_m, dd_d)
        imp_d = np.where(miss_d, np.minimum(dd, days_in_month(y, imp_m)), d)
    imputed = ymd_to_sas(y, imp_m, imp_d)
    year_missing = level == 3
    lo[year_missing] = -np.inf
    hi[year_missing] = np.inf
    imputed[~allowed] = np.nan
    return imputed, lo, hi


def _bound(imputed: np.ndarray, lo: np.ndarray, hi: np.ndarray, partial: np.ndarray, year_missing: np.ndarray,
           mins: list[np.ndarray], maxs: list[np.ndarray], date_imputation: str) -> np.ndarray:
    """Apply min_dates/max_dates to imputed (partial) values; see derive_vars_dt."""
    out = imputed.copy()
    if year_missing.any():
        if date_imputation == "first" and mins:
            out[year_missing] = np.nanmax(np.vstack(mins), axis=0)[year_missing] if len(mins) > 1 else mins[0][
                year_missing]
        elif date_imputation == "last" and maxs:
            out[year_missing] = np.nanmin(np.vstack(maxs), axis=0)[year_missing] if len(maxs) > 1 else maxs[0][
                year_missing]
    for v in mins:
        hit = partial & ~np.isnan(out) & ~np.isnan(v) & (lo <= v) & (v <= hi)
        out[hit] = np.maximum(out[hit], v[hit])
    for v in maxs:
        hit = partial & ~np.isnan(out) & ~np.isnan(v) & (lo <= v) & (v <= hi)
        out[hit] = np.minimum(out[hit], v[hit])
    return out


def _check_date_imputation(chk: Checker, value: str) -> None:
    if value in ("first", "mid", "last"):
        return
    if isinstance(value, str) and len(value) == 5 and value[2] == "-" and value.replace("-", "").isdigit():
        mm, dd = int(value[:2]), int(value[3:])
        if 1 <= mm <= 12 and 1 <= dd <= 31:
            return
    chk.fail(f"argument date_imputation must be 'first', 'mid', 'last' or 'MM-DD'; got {value!r}")


def _common_checks(chk: Checker, df: pd.DataFrame, new_vars_prefix: str, dtc: str, highest_imputation: str,
                   levels: Sequence[str], date_imputation: str, min_dates, max_dates, flag_imputation: str,
                   flags: Sequence[str], what: str) -> None:
    if not isinstance(new_vars_prefix, str) or not new_vars_prefix:
        chk.fail(f"argument new_vars_prefix must be a non-empty string; got {new_vars_prefix!r}")
    if chk.columns("dtc", dtc) and isinstance(dtc, str):
        col = df[dtc]
        if not (pd.api.types.is_string_dtype(col) or col.dtype == object or col.isna().all()):
            chk.fail(f"argument dtc: column {dtc} must be ISO 8601 character, found dtype {col.dtype}", variable=dtc)
    chk.choice("highest_imputation", highest_imputation, levels)
    _check_date_imputation(chk, date_imputation)
    chk.numeric("min_dates", as_list(min_dates), what=what)
    chk.numeric("max_dates", as_list(max_dates), what=what)
    chk.choice("flag_imputation", flag_imputation, flags)
    if highest_imputation == "Y":
        if date_imputation == "first" and not as_list(min_dates):
            chk.fail("highest_imputation='Y' with date_imputation='first' needs min_dates")
        elif date_imputation == "last" and not as_list(max_dates):
            chk.fail("highest_imputation='Y' with date_imputation='last' needs max_dates")
        elif date_imputation not in ("first", "last"):
            chk.fail("highest_imputation='Y' needs date_imputation 'first' or 'last'")


def derive_vars_dt(
    df: pd.DataFrame,
    new_vars_prefix: str = "AST",
    dtc: str = "AESTDTC",
    highest_imputation: str = "n",
    date_imputation: str = "first",
    min_dates: str | Sequence[str] | None = None,
    max_dates: str | Sequence[str] | None = None,
    flag_imputation: str = "auto",
    dataset_name: str | None = None,
) -> pd.DataFrame:
    """Derive a SAS date ``<prefix>DT`` and its imputation flag ``<prefix>DTF`` from a --DTC.

    Reads the ISO 8601 character column ``dtc`` (partial values allowed, see the module
    docstring); ``min_dates``/``max_dates`` name numeric SAS date columns of ``df``.

    Arguments:
      highest_imputation: the highest component that may be imputed - "n" (none: only
        complete dates), "D" (day), "M" (month and day), "Y" (year too: a missing date becomes
        the latest ``min_dates`` value for "first" or the earliest ``max_dates`` value for
        "last"; one of them is then required).
      date_imputation: "first" (01-01 / day 01), "mid" (06-30 when the month is missing, else
        day 15), "last" (12-31 / last day of the month) or an explicit "MM-DD" (day capped at
        the month's length).
      min_dates: the imputed date is raised to a min date when that date lies in the range the
        partial value allows (e.g. AESTDTC "2020-03" with TRTSDT 2020-03-10 gives 2020-03-10,
        not 2020-03-01; TRTSDT in another month has no effect). Complete dates are never changed.
      max_dates: likewise the imputed date is lowered to a max date inside the allowed range
        (death date, data cut-off). Applied after min_dates, so a max date wins a conflict.
      flag_imputation: "auto" (create DTF unless highest_imputation is "n"), "date" (always),
        "none" (never).

    Cases, in order (the first that applies sets the value):
      1. ``dtc`` blank/missing and highest_imputation != "Y": DT missing, DTF missing.
      2. complete date: DT = that date, DTF missing.
      3. partial with its missing level above highest_imputation: DT and DTF missing.
      4. otherwise: DT = imputed date bounded by min/max dates; DTF = "D", "M" or "Y", the
         highest component imputed.
    Invalid values raise one InputError listing every bad record (dataset_name, dtc, USUBJID
    and --SEQ when present). Time parts are ignored.

    Example (highest_imputation="M", min_dates="TRTSDT"; TRTSDT = 2020-03-10 = 21984):
      AESTDTC       -> ASTDT   ASTDTF
      ""               NaN     NaN     case 1
      "2020-03-15"     21989   NaN     case 2
      "2020-03"        21984   "D"     case 4: 2020-03-01 raised to TRTSDT
      "2020"           21984   "M"     case 4: 2020-01-01 raised to TRTSDT
      "2019-05"        21670   "D"     case 4: 2019-05-01, TRTSDT outside May 2019
    With highest_imputation="D" the "2020" row would be case 3 (missing).
    """
    chk = Checker("derive_vars_dt", df, dataset_name)
    if not chk.frame("df", df):
        chk.raise_if_any()
    _common_checks(chk, df, new_vars_prefix, dtc, highest_imputation, _DATE_LEVELS, date_imputation,
                   min_dates, max_dates, flag_imputation, ("auto", "date", "none"), "numeric (SAS date)")
    chk.raise_if_any()

    # imputation works on the distinct values; only the min/max dates are per record
    parsed = _parse(df[dtc])
    _raise_invalid(df[dtc], parsed, dtc, dataset_name, df)
    u_level = _date_level(parsed.comps)
    u_allowed = u_level <= _DATE_LEVELS.index(highest_imputation)
    u_imputed, u_lo, u_hi = _impute_date(parsed.comps, u_level, u_allowed, date_imputation)
    codes = parsed.codes
    level = u_level[codes]
    partial = level != 0
    value = u_imputed[codes]
    mins = [df[c].to_numpy(dtype=float) for c in as_list(min_dates)]
    maxs = [df[c].to_numpy(dtype=float) for c in as_list(max_dates)]
    if mins or maxs:
        allowed = u_allowed[codes]
        value = _bound(value, u_lo[codes], u_hi[codes], partial & allowed, (level == 3) & allowed, mins, maxs,
                       date_imputation)

    out = df.copy(deep=False)  # copy-on-write keeps the input unchanged
    out[f"{new_vars_prefix}DT"] = value
    make_flag = flag_imputation == "date" or (flag_imputation == "auto" and highest_imputation != "n")
    if make_flag:
        out[f"{new_vars_prefix}DTF"] = _level_text(level, partial & ~np.isnan(value), _DATE_LEVELS, df.index)
    return out


def derive_vars_dtm(
    df: pd.DataFrame,
    new_vars_prefix: str = "AST",
    dtc: str = "AESTDTC",
    highest_imputation: str = "h",
    date_imputation: str = "first",
    time_imputation: str = "first",
    min_dates: str | Sequence[str] | None = None,
    max_dates: str | Sequence[str] | None = None,
    flag_imputation: str = "auto",
    ignore_seconds_flag: bool = False,
    dataset_name: str | None = None,
) -> pd.DataFrame:
    """Derive a SAS datetime ``<prefix>DTM`` with flags ``<prefix>DTF`` and ``<prefix>TMF``.

    Reads the ISO 8601 character column ``dtc``; ``min_dates``/``max_dates`` name numeric SAS
    datetime columns (seconds) of ``df``.

    Arguments:
      highest_imputation: "n", "s" (seconds), "m" (minutes), "h" (hours), "D", "M", "Y" - the
        highest component that may be imputed; a lower missing component is always imputable.
      date_imputation: as in :func:`derive_vars_dt`.
      time_imputation: "first" (00:00:00), "last" (23:59:59) or explicit "hh:mm:ss".
      min_dates / max_dates: as in :func:`derive_vars_dt`, on the datetime range the partial
        value allows.
      flag_imputation: "auto" (DTF when highest_imputation is D/M/Y, TMF unless "n"), "date",
        "time", "both", "none".
      ignore_seconds_flag: when seconds are never collected, do not flag their imputation
        ("S"); hour and minute imputation are still flagged.

    Cases, in order:
      1. blank/missing ``dtc`` (and highest_imputation != "Y"): all missing.
      2. complete date and time: DTM, no flags.
      3. missing level above highest_imputation: all missing.
      4. otherwise: imputed and bounded; DTF = "D"/"M"/"Y" when the date was imputed; TMF =
         "H" when the hour was imputed (always so when the date was), "M" minute, "S" second.

    Example (highest_imputation="M", defaults otherwise):
      "2003-05-17T10:30:15" -> DTM 1368786615, DTF NaN, TMF NaN
      "2003-05-17T10:30"    -> DTM 1368786600, DTF NaN, TMF "S"
      "2003-05-17T10"       -> DTM 1368784800, DTF NaN, TMF "M"
      "2003-05"             -> DTM 1367366400 (2003-05-01T00:00:00), DTF "D", TMF "H"
    """
    chk = Checker("derive_vars_dtm", df, dataset_name)
    if not chk.frame("df", df):
        chk.raise_if_any()
    _common_checks(chk, df, new_vars_prefix, dtc, highest_imputation, _DTM_LEVELS, date_imputation,
                   min_dates, max_dates, flag_imputation, ("auto", "date", "time", "both", "none"),
                   "numeric (SAS datetime)")
    if time_imputation in ("first", "last"):
        t_h, t_m, t_s = (0.0, 0.0, 0.0) if time_imputation == "first" else (23.0, 59.0, 59.0)
    else:
        try:
            t_h, t_m, t_s = (float(x) for x in str(time_imputation).split(":"))
            if not (0 <= t_h <= 23 and 0 <= t_m <= 59 and 0 <= t_s <= 59):
                raise ValueError
        except ValueError:
            chk.fail(f"argument time_imputation must be 'first', 'last' or 'hh:mm:ss'; got {time_imputation!r}")
    chk.raise_if_any()

    # imputation works on the distinct values; only the min/max dates are per record
    parsed = _parse(df[dtc])
    _raise_invalid(df[dtc], parsed, dtc, dataset_name, df)
    comps = parsed.comps
    date_level = _date_level(comps)
    h, mi, s = comps["hour"], comps["minute"], comps["second"]
    time_level = np.select([np.isnan(h), np.isnan(mi), np.isnan(s)], [3, 2, 1], 0)  # h, m, s
    level = np.where(date_level != 0, _DATE_TO_DTM_LEVEL[date_level], time_level)
    allowed = level <= _DTM_LEVELS.index(highest_imputation)

    date_allowed = allowed & (date_level != 0) | (date_level == 0)
    day, dlo, dhi = _impute_date(comps, date_level, date_allowed, date_imputation)
    date_imputed = date_level != 0
    hour_imp = date_imputed | np.isnan(h)
    min_imp = hour_imp | np.isnan(mi)
    sec_imp = min_imp | np.isnan(s)
    hh = np.where(hour_imp, t_h, h)
    mm = np.where(min_imp, t_m, mi)
    ss = np.where(sec_imp, t_s, s)
    u_value = day * SECONDS_PER_DAY + hh * 3600 + mm * 60 + ss
    u_value[~allowed] = np.nan
    codes = parsed.codes
    value = u_value[codes]
    mins = [df[c].to_numpy(dtype=float) for c in as_list(min_dates)]
    maxs = [df[c].to_numpy(dtype=float) for c in as_list(max_dates)]
    if mins or maxs:
        lo = dlo * SECONDS_PER_DAY + np.where(hour_imp, 0, h) * 3600 + np.where(min_imp, 0, mi) * 60 + np.where(
            sec_imp, 0, s)
        hi = dhi * SECONDS_PER_DAY + np.where(hour_imp, 23, h) * 3600 + np.where(min_imp, 59, mi) * 60 + np.where(
            sec_imp, 59, s)
        partial = (level != 0) & allowed
        year_missing = (date_level == 3) & allowed
        value = _bound(value, lo[codes], hi[codes], partial[codes], year_missing[codes], mins, maxs,
                       date_imputation)

    out = df.copy(deep=False)  # copy-on-write keeps the input unchanged
    out[f"{new_vars_prefix}DTM"] = value
    have = ~np.isnan(value)
    date_flag = flag_imputation in ("date", "both") or (
        flag_imputation == "auto" and highest_imputation in ("D", "M", "Y"))
    time_flag = flag_imputation in ("time", "both") or (flag_imputation == "auto" and highest_imputation != "n")
    if date_flag:
        out[f"{new_vars_prefix}DTF"] = _level_text(date_level[codes], date_imputed[codes] & have, _DATE_LEVELS,
                                                   df.index)
    if time_flag:
        sec_flag = sec_imp & (not ignore_seconds_flag)
        tmf = np.select([hour_imp, min_imp, sec_flag], [1, 2, 3], 0)[codes]
        out[f"{new_vars_prefix}TMF"] = _level_text(tmf, (tmf > 0) & have, (None, "H", "M", "S"), df.index)
    return out
