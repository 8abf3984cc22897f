"""Basic Data Structure: parameters, analysis values, baseline and change from baseline."""

from __future__ import annotations

import re
from typing import Iterator

import numpy as np
import pandas as pd

from adam.validate.codes import common_codes, distinct_per_group, first_rows
from adam.validate.rules.base import DatasetView, Hit, RuleContext, rule, text
from adam.validate.rules.structure import one_to_one_violations

BDS = ("BDS", "TTE")
PARAMCD_TEXT = re.compile(r"^[A-Z_][A-Z0-9_]{0,7}$")


def _baseline_by(view: DatasetView) -> list[str]:
    return ["USUBJID", "PARAMCD"] + (["BASETYPE"] if view.has("BASETYPE") else [])


def _baseline_rows(view: DatasetView, by: list[str]) -> np.ndarray:
    """For each record, the row of the first baseline record (ABLFL='Y') of its ``by`` group
    (missing values match missing values), or -1 when the group has none."""
    key = view.codes.key(by)
    first = first_rows(key, np.flatnonzero(_baseline_flag(view).to_numpy()),
                       int(key.max(initial=-1)) + 1)
    return first[key]


def _close(a: pd.Series, b: pd.Series, atol: float = 1e-6) -> pd.Series:
    both = a.notna() & b.notna()
    diff = (a - b).abs()
    return ~both | (diff <= atol * np.maximum(1.0, b.abs()))


@rule("ADAM-BD-001", "PARAM and PARAMCD do not map one to one.", classes=BDS)
def param_paramcd(ctx: RuleContext, view: DatasetView) -> Iterator[Hit]:
    if view.has("PARAM", "PARAMCD"):
        bad = one_to_one_violations(view.df, "PARAMCD", "PARAM", codes=view.codes)
        if bad.any():
            yield Hit("PARAM and PARAMCD do not map one to one", rows=bad,
                      variables=["PARAMCD", "PARAM"])


@rule("ADAM-BD-002", "A PARAMCD value is longer than 8 characters or has characters other than "
      "upper-case letters, digits and underscores (or starts with a digit).", classes=BDS)
def paramcd_value(ctx: RuleContext, view: DatasetView) -> Iterator[Hit]:
    if view.has("PARAMCD"):
        bad = view.text_rows("PARAMCD", lambda v: not PARAMCD_TEXT.match(v))
        if bad is None:  # not text: every record is tested
            s = text(view.df["PARAMCD"])
            bad = s.notna() & ~s.str.match(PARAMCD_TEXT).fillna(False).astype(bool)
        if bad.any():
            yield Hit("PARAMCD is not a valid parameter code", rows=bad, variables=["PARAMCD"])


@rule("ADAM-BD-003", "A BDS dataset lacks PARAM or PARAMCD, or has neither AVAL nor AVALC.",
      classes=BDS)
def bds_required(ctx: RuleContext, view: DatasetView) -> Iterator[Hit]:
    missing = [v for v in ("PARAM", "PARAMCD") if not view.has(v)]
    if not view.has("AVAL") and not view.has("AVALC"):
        missing.append("AVAL/AVALC")
    if missing:
        yield Hit(f"missing: {', '.join(missing)}", variables=missing, count=len(missing))


def _value_present(view: DatasetView) -> pd.Series:
    present = np.zeros(len(view.df), dtype=bool)
    for col in ("AVAL", "AVALC"):
        if view.has(col):
            present |= ~view.codes.missing(col)
    return pd.Series(present, index=view.df.index)


def _baseline_flag(view: DatasetView) -> pd.Series:
    """Records flagged as baseline (ABLFL='Y')."""
    flagged = view.text_in("ABLFL", ["Y"])
    if flagged is None:
        flagged = (text(view.df["ABLFL"]) == "Y").fillna(False).astype(bool)
    return flagged


def _per_group(view: DatasetView, by: list[str], values: str) -> pd.Series:
    """How many distinct non-missing ``values`` each record's ``by`` group holds (missing ``by``
    values form groups too)."""
    return pd.Series(distinct_per_group(view.codes.key(by), view.codes.codes(values)),
                     index=view.df.index)


@rule("ADAM-BD-004", "A parameter has no analysis value (AVAL or AVALC) on any of its records.",
      classes=BDS)
def parameter_has_values(ctx: RuleContext, view: DatasetView) -> Iterator[Hit]:
    if not view.has("PARAMCD") or not (view.has("AVAL") or view.has("AVALC")):
        return
    param = view.codes.codes("PARAMCD")
    known = param >= 0  # (records without PARAMCD belong to no parameter)
    with_value = np.bincount(param[known & _value_present(view).to_numpy()],
                             minlength=int(param.max(initial=0)) + 1)
    bad = pd.Series(known & (with_value[np.where(known, param, 0)] == 0), index=view.df.index)
    if bad.any():
        params = sorted(view.df.loc[bad, "PARAMCD"].astype(str).unique())
        yield Hit(f"no AVAL/AVALC for parameter(s) {', '.join(params)}", rows=bad,
                  variables=["PARAMCD"])


@rule("ADAM-BD-005", "A record has neither AVAL nor AVALC.", "warning", classes=BDS)
def record_has_value(ctx: RuleContext, view: DatasetView) -> Iterator[Hit]:
    if view.has("AVAL") or view.has("AVALC"):
        bad = ~_value_present(view)
        if bad.any():
            yield Hit("AVAL and AVALC both null", rows=bad,
                      variables=[c for c in ("PARAMCD", "AVAL", "AVALC") if view.has(c)])


@rule("ADAM-BD-006", "CHG is not AVAL - BASE.", classes=BDS)
def change(ctx: RuleContext, view: DatasetView) -> Iterator[Hit]:
    if view.has("CHG", "AVAL", "BASE"):
        expected = view.numbers("AVAL") - view.numbers("BASE")
        bad = ~_close(view.numbers("CHG"), expected)
        if bad.any():
            yield Hit("CHG != AVAL - BASE", rows=bad, variables=["PARAMCD", "AVAL", "BASE", "CHG"])


@rule("ADAM-BD-007", "PCHG is not 100 * (AVAL - BASE) / BASE (within the rounding the spec's "
      "significant digits allow).", classes=BDS)
def percent_change(ctx: RuleContext, view: DatasetView) -> Iterator[Hit]:
    if not view.has("PCHG", "AVAL", "BASE"):
        return
    base = view.numbers("BASE")
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = 100 * (view.numbers("AVAL") - base) / base.where(base != 0)
    digits = None
    if view.spec is not None and "PCHG" in view.spec.variable_names:
        digits = view.spec.variable("PCHG").significant_digits
    atol = 0.5 * 10 ** -digits + 1e-9 if digits is not None else 1e-6
    got = view.numbers("PCHG")
    bad = got.notna() & expected.notna() & ((got - expected).abs() > atol)
    bad |= got.notna() & base.notna() & (base == 0)
    if bad.any():
        yield Hit("PCHG != 100 * (AVAL - BASE) / BASE", rows=bad,
                  variables=["PARAMCD", "AVAL", "BASE", "PCHG"])


@rule("ADAM-BD-008", "More than one record of a subject and parameter (and BASETYPE) is flagged "
      "as baseline (ABLFL='Y').", classes=BDS)
def one_baseline(ctx: RuleContext, view: DatasetView) -> Iterator[Hit]:
    by = _baseline_by(view)
    if not view.has("ABLFL", *by):
        return
    flagged = _baseline_flag(view)
    key = view.codes.key(by)
    n = np.bincount(key[flagged.to_numpy()], minlength=int(key.max(initial=-1)) + 1)
    bad = flagged & (n[key] > 1)
    if bad.any():
        yield Hit("several ABLFL='Y' records for one subject and parameter", rows=bad,
                  variables=["PARAMCD", "ABLFL"])


@rule("ADAM-BD-009", "BASE differs from AVAL of the subject's baseline record (ABLFL='Y').",
      classes=BDS)
def base_is_baseline_value(ctx: RuleContext, view: DatasetView) -> Iterator[Hit]:
    by = _baseline_by(view)
    if not view.has("ABLFL", "BASE", "AVAL", *by):
        return
    first = _baseline_rows(view, by)
    has_bl = pd.Series(first >= 0, index=view.df.index)
    expected = pd.Series(np.append(view.numbers("AVAL").to_numpy(), np.nan)[first],
                         index=view.df.index)
    base = view.numbers("BASE")
    bad = has_bl & base.notna() & (expected.isna() | ~_close(base, expected))
    if bad.any():
        yield Hit("BASE != AVAL of the ABLFL='Y' record", rows=bad,
                  variables=["PARAMCD", "ABLFL", "AVAL", "BASE"])


@rule("ADAM-BD-010", "BASE takes more than one value within a subject and parameter (and "
      "BASETYPE).", classes=BDS)
def base_constant(ctx: RuleContext, view: DatasetView) -> Iterator[Hit]:
    by = _baseline_by(view)
    if not view.has("BASE", *by):
        return
    bad = _per_group(view, by, "BASE") > 1
    if bad.any():
        yield Hit("BASE varies within subject and parameter", rows=bad, variables=["PARAMCD", "BASE"])


@rule("ADAM-BD-011", "Within a parameter, AVALC and AVAL do not map one to one.", classes=BDS)
def avalc_aval(ctx: RuleContext, view: DatasetView) -> Iterator[Hit]:
    if view.has("AVAL", "AVALC", "PARAMCD"):
        bad = one_to_one_violations(view.df, "AVALC", "AVAL", by=["PARAMCD"], codes=view.codes)
        if bad.any():
            yield Hit("AVALC and AVAL do not map one to one within PARAMCD", rows=bad,
                      variables=["PARAMCD", "AVAL", "AVALC"])


@rule("ADAM-BD-012", "CHG or PCHG is populated on a record whose BASE is null.", classes=BDS)
def change_without_base(ctx: RuleContext, view: DatasetView) -> Iterator[Hit]:
    if not view.has("BASE"):
        return
    for col in ("CHG", "PCHG"):
        if view.has(col):
            bad = view.df[col].notna() & view.df["BASE"].isna()
            if bad.any():
                yield Hit(f"{col} given without BASE", rows=bad, variables=["PARAMCD", "BASE", col])


@rule("ADAM-BD-013", "BASEC differs from AVALC of the subject's baseline record (ABLFL='Y').",
      "warning", classes=BDS)
def basec(ctx: RuleContext, view: DatasetView) -> Iterator[Hit]:
    by = _baseline_by(view)
    if not view.has("ABLFL", "BASEC", "AVALC", *by):
        return
    first = _baseline_rows(view, by)
    has_bl = first >= 0
    avalc, basec = view.codes.text("AVALC"), view.codes.text("BASEC")
    if avalc is not None and basec is not None:
        expected_code, got_code = common_codes(avalc, basec)
        expected_code = np.append(expected_code, -1)[first]
        bad = pd.Series(has_bl & (got_code >= 0) & (got_code != expected_code), index=view.df.index)
    else:  # not text: compared as strings
        expected = text(view.df["AVALC"]).reindex(first).set_axis(view.df.index)
        got = text(view.df["BASEC"])
        bad = pd.Series(has_bl, index=view.df.index) & got.notna() & (got != expected).fillna(True)
    if bad.any():
        yield Hit("BASEC != AVALC of the ABLFL='Y' record", rows=bad,
                  variables=["PARAMCD", "AVALC", "BASEC"])


@rule("ADAM-BD-014", "A parameter uses more than one unit (AVALU varies within PARAMCD).",
      "warning", classes=BDS)
def one_unit(ctx: RuleContext, view: DatasetView) -> Iterator[Hit]:
    if view.has("AVALU", "PARAMCD"):
        bad = _per_group(view, ["PARAMCD"], "AVALU") > 1
        if bad.any():
            yield Hit("AVALU varies within a parameter", rows=bad, variables=["PARAMCD", "AVALU"])
