"""ADNEDA of CAMMS223: per long-term cohort subject and extension year (Years 7-12), the NEDA
components (no relapse, no 6-month CDW, no MRI activity) and NEDA itself.

Reads ADEDSS, ADRR and ADMRI of the same run (built on the fly when not yet built).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from adam.datasets.camms223.registry import REGISTRY
from adam.engine import BuildContext
from adam.errors import InputError, Problem

from .efficacy_common import (adsl, assign_seq, dataset, decode, follow_up_end, param, subject_periods,
                              text, year_periods)

DATASET = "ADNEDA"
ORDER = ["NORLPS", "NOCDW", "NOMRIACT", "NEDA"]


def _rows(df: pd.DataFrame, code: str) -> np.ndarray:
    return (df["PARAMCD"] == code).to_numpy()


def _year_keys(frame: pd.DataFrame, mask, year: str) -> pd.DataFrame:
    return frame.loc[np.asarray(mask, dtype=bool), ["USUBJID", year]].rename(
        columns={year: "AVISITN"}).drop_duplicates().assign(__HIT=True)


def _has(df: pd.DataFrame, keys: pd.DataFrame) -> np.ndarray:
    merged = df[["USUBJID", "AVISITN"]].merge(keys, on=["USUBJID", "AVISITN"], how="left")
    return merged["__HIT"].notna().to_numpy()


def _set(df: pd.DataFrame, code: str, values: np.ndarray) -> pd.DataFrame:
    rows = _rows(df, code)
    avalc = df["AVALC"].to_numpy(dtype=object).copy()
    avalc[rows] = np.asarray(values, dtype=object)[rows]
    return df.assign(AVALC=text(avalc, df.index))


@REGISTRY.implements("MT.ADNEDA.PERIOD", ("ADNEDA.AVISIT", "ADNEDA.AVISITN", "ADNEDA.ASTDT", "ADNEDA.AENDT"))
def derive_period(df: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    """One row per subject and extension year with time at risk (df: USUBJID, TRTSDT, FUEND)."""
    y0, y1 = ctx.param("extension_years")
    per = subject_periods(df, year_periods(ctx, years=range(int(y0), int(y1) + 1), aggregates=False))
    return per.drop(columns=["LO", "HI", "AFUYRS"])


@REGISTRY.implements("MT.ADNEDA.PARAM", ("ADNEDA.PARAMCD", "ADNEDA.PARAM"))
def derive_param(df: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    codes = pd.DataFrame({"PARAMCD": ORDER})
    out = df.merge(codes, how="cross")
    return out.assign(PARAM=decode(ctx, "NEDAPARM", out["PARAMCD"]))


@REGISTRY.implements("MT.ADNEDA.AVALC", ("ADNEDA.AVALC",))
def derive_avalc(df: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    return df.assign(AVALC=text(np.full(len(df), None), df.index))


@REGISTRY.implements("MT.ADNEDA.NORLPS", ("ADNEDA.AVALC",))
def derive_norlps(df: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    rr = dataset(ctx, "ADRR")
    counted = (rr["PARAMCD"] == "RELAPSE") & (rr["ANL01FL"] == "Y")
    hit = _has(df, _year_keys(rr, counted, "AYEAR"))
    return _set(df, "NORLPS", np.where(hit, "N", "Y"))


@REGISTRY.implements("MT.ADNEDA.NOCDW", ("ADNEDA.AVALC",))
def derive_nocdw(df: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    ed = dataset(ctx, "ADEDSS")
    rule = param(ctx, "neda.cdw_events")
    if rule not in ("first", "all"):
        raise InputError(Problem(f"analysis parameter neda.cdw_events is {rule!r}; expected 'first' or 'all'",
                                 file="study.yaml"))
    event = (ed["CDWEVFL"] == "Y") if rule == "first" else (ed["CDWCFFL"] == "Y")
    hit = _has(df, _year_keys(ed, event, "AYEAR"))
    assessed = _has(df, _year_keys(ed, ed["CRIT1FL"].notna(), "AYEAR"))
    return _set(df, "NOCDW", np.where(hit, "N", np.where(assessed, "Y", None)))


@REGISTRY.implements("MT.ADNEDA.NOMRIACT", ("ADNEDA.AVALC",))
def derive_nomriact(df: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    mri = dataset(ctx, "ADMRI")
    year = mri.loc[(mri["PARAMCD"] == "FRMRIACT").to_numpy(), ["USUBJID", "AVISITN", "AVALC"]]
    merged = df[["USUBJID", "AVISITN"]].merge(year, on=["USUBJID", "AVISITN"], how="left",
                                              validate="many_to_one")
    return _set(df, "NOMRIACT", merged["AVALC"].to_numpy(dtype=object))


@REGISTRY.implements("MT.ADNEDA.NEDA", ("ADNEDA.AVALC",))
def derive_neda(df: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    comp = df.loc[df["PARAMCD"].isin(ORDER[:3]).to_numpy(), ["USUBJID", "AVISITN", "AVALC"]]
    grouped = comp.assign(__N=comp["AVALC"] == "N", __Y=comp["AVALC"] == "Y").groupby(
        ["USUBJID", "AVISITN"], sort=False).agg(__N=("__N", "any"), __Y=("__Y", "sum")).reset_index()
    value = np.where(grouped["__N"], "N", np.where(grouped["__Y"] == 3, "Y", None))
    merged = df[["USUBJID", "AVISITN"]].merge(grouped.assign(__V=value)[["USUBJID", "AVISITN", "__V"]],
                                              on=["USUBJID", "AVISITN"], how="left")
    return _set(df, "NEDA", merged["__V"].to_numpy(dtype=object))


@REGISTRY.implements("MT.ADNEDA.AVAL", ("ADNEDA.AVAL",))
def derive_aval(df: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    return df.assign(AVAL=df["AVALC"].map({"Y": 1.0, "N": 0.0}).to_numpy(dtype=float))


@REGISTRY.implements("MT.ADNEDA.ASEQ", ("ADNEDA.ASEQ",))
def derive_aseq(df: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    rank = {code: i for i, code in enumerate(ORDER)}
    out = assign_seq(df.assign(__P=df["PARAMCD"].map(rank)), ["AVISITN", "__P"])
    return out.drop(columns=["__P"])


STEPS = ("MT.ADNEDA.PERIOD", "MT.ADNEDA.PARAM", "MT.ADNEDA.AVALC", "MT.ADNEDA.NORLPS", "MT.ADNEDA.NOCDW",
         "MT.ADNEDA.NOMRIACT", "MT.ADNEDA.NEDA", "MT.ADNEDA.AVAL", "MT.ADNEDA.ASEQ")


def build(ctx: BuildContext) -> pd.DataFrame:
    """ADNEDA: long-term cohort subjects x extension years x parameters; steps in order."""
    frame = adsl(ctx, ("LTCFL",))
    ltc = frame.loc[(frame["LTCFL"] == "Y").to_numpy()]
    df = pd.DataFrame({"USUBJID": ltc["USUBJID"].to_numpy(), "TRTSDT": ltc["TRTSDT"].to_numpy(dtype=float),
                       "FUEND": follow_up_end(ltc)})
    for method_id in STEPS:
        df = REGISTRY.run(method_id, df, ctx)
    return df.drop(columns=["FUEND"])
