"""ADSL: one record per subject, the variables every ADSL needs, subject-level consistency."""

from __future__ import annotations

from typing import Iterator

import numpy as np
import pandas as pd

from adam.validate.codes import duplicated_codes

from adam.validate.rules.base import DatasetView, Hit, RuleContext, rule, text

ADSL = ("ADSL",)
ADSL_REQUIRED = ("STUDYID", "USUBJID", "SUBJID", "SITEID", "AGE", "AGEU", "SEX", "RACE", "TRT01P")


@rule("ADAM-SL-001", "ADSL has more than one record for a subject.", classes=ADSL)
def one_record_per_subject(ctx: RuleContext, view: DatasetView) -> Iterator[Hit]:
    if not view.has("USUBJID"):
        return
    dup = pd.Series(duplicated_codes(view.codes.codes("USUBJID") + 1), index=view.df.index)
    dup &= view.present("USUBJID")
    if dup.any():
        yield Hit("USUBJID repeated in ADSL", rows=dup, variables=["USUBJID"])


@rule("ADAM-SL-002", "Analysis datasets were given without ADSL, which every ADaM submission "
      "needs and the subject-level checks use.", scope="study")
def adsl_present(ctx: RuleContext) -> Iterator[Hit]:
    if ctx.views and "ADSL" not in ctx.views:
        yield Hit("ADSL was not given; subject-level cross-checks could not run")


@rule("ADAM-SL-003", "ADSL lacks a variable ADaMIG requires in every ADSL (STUDYID, USUBJID, "
      "SUBJID, SITEID, AGE, AGEU, SEX, RACE, TRT01P).", classes=ADSL)
def adsl_required(ctx: RuleContext, view: DatasetView) -> Iterator[Hit]:
    missing = [v for v in ADSL_REQUIRED if v not in view.df.columns]
    if missing:
        yield Hit(f"missing: {', '.join(missing)}", variables=missing, count=len(missing))


@rule("ADAM-SL-004", "AGE is populated but its unit AGEU is not.", classes=ADSL)
def age_unit(ctx: RuleContext, view: DatasetView) -> Iterator[Hit]:
    if view.has("AGE", "AGEU"):
        bad = view.df["AGE"].notna() & view.df["AGEU"].isna()
        if bad.any():
            yield Hit("AGEU null where AGE is given", rows=bad, variables=["AGE", "AGEU"])


@rule("ADAM-SL-005", "AGE is negative or implausibly high (over 130).", classes=ADSL)
def age_plausible(ctx: RuleContext, view: DatasetView) -> Iterator[Hit]:
    if view.has("AGE"):
        age = view.numbers("AGE")
        bad = (age < 0) | (age > 130)
        if bad.any():
            yield Hit("implausible AGE", rows=bad, variables=["AGE"])


@rule("ADAM-SL-006", "A date of death (DTHDT) is given but the death flag DTHFL is not 'Y'.",
      "warning", classes=ADSL)
def death_flag(ctx: RuleContext, view: DatasetView) -> Iterator[Hit]:
    if view.has("DTHDT", "DTHFL"):
        bad = view.df["DTHDT"].notna() & (text(view.df["DTHFL"]) != "Y").fillna(True)
        if bad.any():
            yield Hit("DTHDT given but DTHFL is not Y", rows=bad, variables=["DTHDT", "DTHFL"])


@rule("ADAM-SL-007", "A subject in the safety population (SAFFL='Y') has no date of first "
      "exposure (TRTSDT).", "warning", classes=ADSL)
def safety_has_exposure(ctx: RuleContext, view: DatasetView) -> Iterator[Hit]:
    if view.has("SAFFL", "TRTSDT"):
        bad = (text(view.df["SAFFL"]) == "Y").fillna(False) & view.df["TRTSDT"].isna()
        if bad.any():
            yield Hit("SAFFL='Y' without TRTSDT", rows=bad, variables=["SAFFL", "TRTSDT"])


@rule("ADAM-SL-008", "The end-of-study status and the discontinuation reason disagree: "
      "DISCONTINUED needs DCSREAS, COMPLETED or ONGOING must not have one.", "warning",
      classes=ADSL)
def discontinuation_reason(ctx: RuleContext, view: DatasetView) -> Iterator[Hit]:
    if view.has("EOSSTT", "DCSREAS"):
        status = text(view.df["EOSSTT"]).str.upper()
        reason = view.df["DCSREAS"].notna()
        bad = ((status == "DISCONTINUED") & ~reason) | (status.isin(["COMPLETED", "ONGOING"]) & reason)
        bad = bad.fillna(False).astype(bool)
        if bad.any():
            yield Hit("EOSSTT and DCSREAS disagree", rows=bad, variables=["EOSSTT", "DCSREAS"])


@rule("ADAM-SL-009", "Treatment duration TRTDURD is not TRTEDT - TRTSDT + 1.", classes=ADSL)
def treatment_duration(ctx: RuleContext, view: DatasetView) -> Iterator[Hit]:
    if view.has("TRTDURD", "TRTSDT", "TRTEDT"):
        expected = view.numbers("TRTEDT") - view.numbers("TRTSDT") + 1
        got = view.numbers("TRTDURD")
        bad = expected.notna() & got.notna() & ~np.isclose(got, expected)
        if bad.any():
            yield Hit("TRTDURD != TRTEDT - TRTSDT + 1", rows=bad,
                      variables=["TRTDURD", "TRTSDT", "TRTEDT"])
