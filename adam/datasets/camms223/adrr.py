"""ADRR of CAMMS223: one record per MS relapse, and per subject and analysis period the number
of relapses with the follow-up time at risk (annualized relapse rate).

An ARR model is then one line, e.g. with statsmodels::

    smf.glm("AVAL ~ 1", data=cnt, offset=np.log(cnt["AFUYRS"]),
            family=sm.families.NegativeBinomial()).fit(cov_type="HC0")

on ``cnt = adrr[(adrr.PARAMCD == "RLPSCNT") & (adrr.AVISITN == 103) & (adrr.LTCFL == "Y")]``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from adam.datasets.camms223.registry import REGISTRY
from adam.derive import derive_vars_dt
from adam.engine import BuildContext

from .efficacy_common import (adsl, analysis_year, assign_seq, count_in_periods, follow_up_end,
                              horizon_days, param, relapse_onsets, relapse_records, relative_day,
                              subject_periods, treated, year_days, year_periods)

DATASET = "ADRR"
PARAMS = {"RELAPSE": "MS Relapse", "RLPSCNT": "Number of MS Relapses in Period"}
KIND = "__KIND"
MAX_COURSES = 7


def _is_relapse(df: pd.DataFrame) -> np.ndarray:
    return (df[KIND] == "RELAPSE").to_numpy()


@REGISTRY.implements("MT.ADRR.PARAM", ("ADRR.PARAMCD", "ADRR.PARAM"))
def derive_param(df: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    return df.assign(PARAMCD=df[KIND].to_numpy(), PARAM=df[KIND].map(PARAMS).to_numpy())


@REGISTRY.implements("MT.ADRR.ADT", ("ADRR.ADT", "ADRR.ADTF"))
def derive_adt(df: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    return relapse_onsets(df, ctx)


@REGISTRY.implements("MT.ADRR.ADY", ("ADRR.ADY",))
def derive_ady(df: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    return df.assign(ADY=relative_day(df["ADT"], df["TRTSDT"]))


@REGISTRY.implements("MT.ADRR.AYEAR", ("ADRR.AYEAR",))
def derive_ayear(df: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    return df.assign(AYEAR=analysis_year(df["ADT"], df["TRTSDT"], year_days(ctx)))


@REGISTRY.implements("MT.ADRR.ACRSN", ("ADRR.ACRSN",))
def derive_acrsn(df: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    """Latest course (ADSL CRSnSDT) started on or before ADT."""
    cols = [f"CRS{k}SDT" for k in range(1, MAX_COURSES + 1)]
    courses = adsl(ctx)[["USUBJID"] + [c for c in cols if c in adsl(ctx).columns]]
    starts = df[["USUBJID"]].merge(courses, on="USUBJID", how="left")
    adt = df["ADT"].to_numpy(dtype=float)
    number = np.full(len(df), np.nan)
    for k, col in enumerate(cols, start=1):
        if col in starts.columns:
            number = np.where(starts[col].to_numpy(dtype=float) <= adt, float(k), number)
    return df.assign(ACRSN=number)


@REGISTRY.implements("MT.ADRR.ASEV", ("ADRR.ASEV",))
def derive_asev(df: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    sev = df["CESEV"] if "CESEV" in df.columns else pd.Series(np.nan, index=df.index)
    return df.assign(ASEV=sev.to_numpy(dtype=object))


@REGISTRY.implements("MT.ADRR.ASTERFL", ("ADRR.ASTERFL",))
def derive_asterfl(df: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    """'Y' when a relapse-treatment CM record may start in [onset, onset + window] ('N' otherwise).

    A partial CM start date matches when the range of dates it allows meets that window.
    """
    flag = np.where(_is_relapse(df), "N", None).astype(object)
    cm = ctx.sdtm.get("CM")
    if cm is not None and len(cm) and "CMCAT" in cm.columns:
        cm = cm.loc[cm["CMCAT"] == param(ctx, "sdtm.relapse_treatment_cmcat"), ["USUBJID", "CMSTDTC"]]
        lo = derive_vars_dt(cm, new_vars_prefix="LO", dtc="CMSTDTC", highest_imputation="M",
                            date_imputation="first", flag_imputation="none", dataset_name="CM")["LODT"]
        hi = derive_vars_dt(cm, new_vars_prefix="HI", dtc="CMSTDTC", highest_imputation="M",
                            date_imputation="last", flag_imputation="none", dataset_name="CM")["HIDT"]
        starts = pd.DataFrame({"USUBJID": cm["USUBJID"].to_numpy(), "LO": lo.to_numpy(dtype=float),
                               "HI": hi.to_numpy(dtype=float)})
        window = float(param(ctx, "relapse.steroid_window_days"))
        rel = df.loc[_is_relapse(df) & df["ADT"].notna().to_numpy(), ["USUBJID", "ADT"]].reset_index()
        pairs = rel.merge(starts, on="USUBJID", how="inner")
        hit = (pairs["HI"] >= pairs["ADT"]) & (pairs["LO"] <= pairs["ADT"] + window)
        treated = pairs.loc[hit, "index"].unique()
        flag[treated] = "Y"
    return df.assign(ASTERFL=pd.Series(flag, index=df.index, dtype="str"))


@REGISTRY.implements("MT.ADRR.ANL01FL", ("ADRR.ANL01FL",))
def derive_anl01fl(df: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    adt = df["ADT"].to_numpy(dtype=float)
    trt = df["TRTSDT"].to_numpy(dtype=float)
    counted = _is_relapse(df) & (adt >= trt) & (adt <= df["FUEND"].to_numpy(dtype=float)) & \
        (adt - trt <= horizon_days(ctx))
    return df.assign(ANL01FL=pd.Series(np.where(counted, "Y", None), index=df.index, dtype="str"))


@REGISTRY.implements("MT.ADRR.AVAL", ("ADRR.AVAL",))
def derive_aval(df: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    return df.assign(AVAL=np.where(_is_relapse(df), 1.0, np.nan))


@REGISTRY.implements("MT.ADRR.PERIOD", ("ADRR.AVISIT", "ADRR.AVISITN", "ADRR.ASTDT", "ADRR.AENDT"))
def derive_periods(df: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    """Append one RLPSCNT record per treated subject and analysis period with time at risk."""
    subjects = _subjects(ctx)
    per = subject_periods(subjects, year_periods(ctx))
    per = per.drop(columns=["LO", "HI", "AFUYRS"]).assign(**{KIND: "RLPSCNT"})
    per = per.assign(PARAMCD="RLPSCNT", PARAM=PARAMS["RLPSCNT"])
    out = df.assign(AVISIT=pd.Series(np.nan, index=df.index, dtype="str"), AVISITN=np.nan,
                    ASTDT=np.nan, AENDT=np.nan)
    return pd.concat([out, per], ignore_index=True)


@REGISTRY.implements("MT.ADRR.AFUYRS", ("ADRR.AFUYRS",))
def derive_afuyrs(df: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    days = df["AENDT"].to_numpy(dtype=float) - df["ASTDT"].to_numpy(dtype=float) + 1
    return df.assign(AFUYRS=np.where(_is_relapse(df), np.nan, days / 365.25))


@REGISTRY.implements("MT.ADRR.RLPSCNT", ("ADRR.AVAL",))
def derive_rlpscnt(df: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    periods = df.loc[~_is_relapse(df), ["USUBJID", "AVISITN"]].reset_index()
    periods = periods.merge(year_periods(ctx)[["AVISITN", "LO", "HI"]], on="AVISITN", how="left")
    rel = df.loc[(df["ANL01FL"] == "Y").to_numpy()]
    events = pd.DataFrame({"USUBJID": rel["USUBJID"].to_numpy(),
                           "OFFSET": rel["ADT"].to_numpy(dtype=float) - rel["TRTSDT"].to_numpy(dtype=float)})
    counts = count_in_periods(periods.drop(columns=["index"]), events)
    aval = df["AVAL"].to_numpy(dtype=float).copy()
    aval[periods["index"].to_numpy()] = counts
    return df.assign(AVAL=aval)


@REGISTRY.implements("MT.ADRR.SRC", ("ADRR.SRCDOM", "ADRR.SRCVAR", "ADRR.SRCSEQ"))
def derive_source(df: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    rel = _is_relapse(df)
    return df.assign(SRCDOM=pd.Series(np.where(rel, "CE", None), index=df.index, dtype="str"),
                     SRCVAR=pd.Series(np.where(rel, "CESTDTC", None), index=df.index, dtype="str"),
                     SRCSEQ=np.where(rel, df["CESEQ"].to_numpy(dtype=float), np.nan))


@REGISTRY.implements("MT.ADRR.ASEQ", ("ADRR.ASEQ",))
def derive_aseq(df: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    order = df.assign(__K=(~_is_relapse(df)).astype(int))
    return assign_seq(order, ["__K", "ADT", "SRCSEQ", "AVISITN"]).drop(columns=["__K"])


def _subjects(ctx: BuildContext) -> pd.DataFrame:
    frame = treated(ctx)
    return pd.DataFrame({"USUBJID": frame["USUBJID"].to_numpy(), "TRTSDT": frame["TRTSDT"].to_numpy(dtype=float),
                         "FUEND": follow_up_end(frame)})


STEPS = ("MT.ADRR.PARAM", "MT.ADRR.ADT", "MT.ADRR.ADY", "MT.ADRR.AYEAR", "MT.ADRR.ACRSN", "MT.ADRR.ASEV",
         "MT.ADRR.ASTERFL", "MT.ADRR.ANL01FL", "MT.ADRR.AVAL", "MT.ADRR.SRC", "MT.ADRR.PERIOD",
         "MT.ADRR.AFUYRS", "MT.ADRR.RLPSCNT", "MT.ADRR.ASEQ")


def build(ctx: BuildContext) -> pd.DataFrame:
    """ADRR: relapse records of CE, then the per-period count records; steps in method order."""
    ce = relapse_records(ctx)
    ce = ce.merge(_subjects(ctx)[["USUBJID", "FUEND"]], on="USUBJID", how="left")
    keep = [c for c in ("USUBJID", "TRTSDT", "FUEND", "CESEQ", "CESTDTC", "CESEV") if c in ce.columns]
    df = ce[keep].assign(**{KIND: "RELAPSE"})
    for method_id in STEPS:
        df = REGISTRY.run(method_id, df, ctx)
    return df.drop(columns=[c for c in (KIND, "FUEND", "CESEQ", "CESTDTC", "CESEV") if c in df.columns])
