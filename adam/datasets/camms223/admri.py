"""ADMRI of CAMMS223: brain MRI lesion counts and MRI activity per scan, and per extension year
whether the subject was free of each lesion type and of MRI activity.

Built from NV (the three lesion counts) and ADSL; steps registered under the spec method ids.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from adam.datasets.camms223.registry import REGISTRY
from adam.derive import derive_vars_dt
from adam.engine import BuildContext
from adam.errors import InputError, Problem

from .efficacy_common import assign_seq, decode, param, record_label, relative_day, text, treated, year_days

DATASET = "ADMRI"
COUNTS = {"gd": "GDT1N", "t2": "T2NEWN", "t1h": "T1HYPN"}
FREE = {"GDT1N": "FRGDT1", "T2NEWN": "FRT2", "T1HYPN": "FRT1H", "MRIACT": "FRMRIACT"}
ORDER = ["GDT1N", "T2NEWN", "T1HYPN", "MRIACT", "FRGDT1", "FRT2", "FRT1H", "FRMRIACT"]


def _testcd_map(ctx: BuildContext) -> dict[str, str]:
    return {param(ctx, f"sdtm.mri_testcd.{k}"): code for k, code in COUNTS.items()}


@REGISTRY.implements("MT.ADMRI.PARAM", ("ADMRI.PARAMCD", "ADMRI.PARAM", "ADMRI.PARCAT1"))
def derive_param(df: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    code = df["NVTESTCD"].map(_testcd_map(ctx))
    return df.assign(PARAMCD=code.to_numpy(dtype=object), PARAM=decode(ctx, "MRIPARM", code),
                     PARCAT1="MRI SCAN")


@REGISTRY.implements("MT.ADMRI.ADT", ("ADMRI.ADT", "ADMRI.VISIT", "ADMRI.VISITNUM"))
def derive_adt(df: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    out = derive_vars_dt(df, new_vars_prefix="A", dtc="NVDTC", highest_imputation="n", dataset_name="NV")
    for _, row in out.loc[out["ADT"].isna()].iterrows():  # reporting only
        ctx.warn("MRI scan without a complete date (NVDTC) is not analysed", dataset="NV", variable="NVDTC",
                 record=record_label(row["USUBJID"], "NVSEQ", row["NVSEQ"]))
    return out


@REGISTRY.implements("MT.ADMRI.AVAL", ("ADMRI.AVAL",))
def derive_aval(df: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    """AVAL = NVSTRESN; a negative or fractional lesion count is an input error."""
    value = pd.to_numeric(df["NVSTRESN"], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isnan(value) & ((value < 0) | (value != np.round(value)))
    if bad.any():
        raise InputError([
            Problem(f"lesion count {v:g} is not a whole number >= 0", dataset="NV", variable="NVSTRESN",
                    record=record_label(u, "NVSEQ", s))
            for u, s, v in zip(df["USUBJID"][bad], df["NVSEQ"][bad], value[bad])])
    return df.assign(AVAL=value)


@REGISTRY.implements("MT.ADMRI.SRC", ("ADMRI.SRCDOM", "ADMRI.SRCVAR", "ADMRI.SRCSEQ"))
def derive_source(df: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    return df.assign(SRCDOM="NV", SRCVAR="NVSTRESN", SRCSEQ=df["NVSEQ"].to_numpy(dtype=float))


@REGISTRY.implements("MT.ADMRI.ADY", ("ADMRI.ADY",))
def derive_ady(df: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    return df.assign(ADY=relative_day(df["ADT"], df["TRTSDT"]))


@REGISTRY.implements("MT.ADMRI.AVISIT", ("ADMRI.AVISIT", "ADMRI.AVISITN"))
def derive_avisit(df: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    """Nearest year: k = round((ADT - TRTSDT) / 365.25) (half-way rounds up)."""
    diff = df["ADT"].to_numpy(dtype=float) - df["TRTSDT"].to_numpy(dtype=float)
    k = np.floor(diff / year_days(ctx) + 0.5)
    label = np.where(np.isnan(k), None, np.char.add("Year ", np.nan_to_num(k).astype(int).astype(str)))
    return df.assign(AVISITN=k, AVISIT=text(label, df.index))


@REGISTRY.implements("MT.ADMRI.AVALC", ("ADMRI.AVALC",))
def derive_avalc(df: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    return df.assign(AVALC=text(np.full(len(df), None), df.index))


@REGISTRY.implements("MT.ADMRI.MRIACT", ("ADMRI.AVAL", "ADMRI.AVALC"))
def derive_mriact(df: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    """Append one MRIACT record per subject and scan date with a Gd or T2 count."""
    scans = df.loc[df["PARAMCD"].isin(["GDT1N", "T2NEWN"]).to_numpy() & df["ADT"].notna().to_numpy()
                   & df["AVAL"].notna().to_numpy()]
    if not len(scans):
        return df
    scans = scans.sort_values(["USUBJID", "ADT", "SRCSEQ"], kind="stable")
    active = scans.assign(__POS=scans["AVAL"] > 0).groupby(["USUBJID", "ADT"], sort=False)["__POS"].any()
    first = scans.drop_duplicates(["USUBJID", "ADT"]).set_index(["USUBJID", "ADT"])
    rec = first.loc[active.index].reset_index()
    act = active.to_numpy()
    rec = rec.assign(PARAMCD="MRIACT", PARAM=decode(ctx, "MRIPARM", pd.Series(["MRIACT"] * len(rec))),
                     AVAL=act.astype(float), AVALC=text(np.where(act, "Y", "N"), rec.index),
                     SRCDOM=None, SRCVAR=None, SRCSEQ=np.nan, NVSEQ=np.nan, NVSTRESN=np.nan)
    return pd.concat([df, rec[df.columns]], ignore_index=True)


@REGISTRY.implements("MT.ADMRI.ANL01FL", ("ADMRI.ANL01FL",))
def derive_anl01fl(df: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    from_entry = (df["ADT"] >= df["EXT1SDT"]).fillna(False).to_numpy(dtype=bool)
    return df.assign(ANL01FL=text(np.where(from_entry, "Y", None), df.index))


@REGISTRY.implements("MT.ADMRI.FREE", ("ADMRI.AVAL", "ADMRI.AVALC", "ADMRI.ASTDT", "ADMRI.AENDT"))
def derive_free(df: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    """Append per subject, extension year and parameter whether all the year's scans were free;
    ASTDT/AENDT are the bounds of analysis year k (the year whose activity the Year k scan shows)."""
    df = df.assign(ASTDT=np.nan, AENDT=np.nan)
    y0, y1 = ctx.param("extension_years")
    use = df.loc[(df["ANL01FL"] == "Y").to_numpy() & df["AVISITN"].between(y0, y1).to_numpy()
                 & df["AVAL"].notna().to_numpy() & df["PARAMCD"].isin(list(FREE)).to_numpy()]
    if not len(use):
        return df
    keys = ["USUBJID", "AVISITN", "PARAMCD"]
    grouped = use.assign(__POS=use["AVAL"] > 0).groupby(keys, sort=True)
    rec = grouped.agg(ADT=("ADT", "max"), __ANY=("__POS", "any"), AVISIT=("AVISIT", "first"),
                      TRTSDT=("TRTSDT", "first"), EXT1SDT=("EXT1SDT", "first")).reset_index()
    free = ~rec["__ANY"].to_numpy()
    code = rec["PARAMCD"].map(FREE)
    rec = rec.assign(PARAMCD=code, PARAM=decode(ctx, "MRIPARM", code), PARCAT1="ANALYSIS YEAR",
                     AVAL=free.astype(float), AVALC=text(np.where(free, "Y", "N"), rec.index),
                     ANL01FL="Y", ADY=relative_day(rec["ADT"], rec["TRTSDT"]))
    length = year_days(ctx)
    k = rec["AVISITN"].to_numpy(dtype=float)
    rec["ASTDT"] = rec["TRTSDT"].to_numpy(dtype=float) + np.ceil(length * (k - 1))
    rec["AENDT"] = rec["TRTSDT"].to_numpy(dtype=float) + np.ceil(length * k) - 1
    rec = rec.reindex(columns=df.columns)
    return pd.concat([df, rec], ignore_index=True)


@REGISTRY.implements("MT.ADMRI.ASEQ", ("ADMRI.ASEQ",))
def derive_aseq(df: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    rank = {code: i for i, code in enumerate(ORDER)}
    order = df.assign(__Y=(df["PARCAT1"] == "ANALYSIS YEAR").astype(int), __P=df["PARAMCD"].map(rank))
    out = assign_seq(order, ["__Y", "AVISITN", "ADT", "__P", "SRCSEQ"])
    return out.drop(columns=["__Y", "__P"])


def mri_records(ctx: BuildContext) -> pd.DataFrame:
    """Lesion count records of NV (the three test codes) for subjects of ADSL."""
    nv = ctx.domain("NV")
    nv = nv.loc[nv["NVTESTCD"].isin(list(_testcd_map(ctx)))]
    subjects = treated(ctx, ("EXT1SDT",))[["USUBJID", "TRTSDT", "EXT1SDT"]]
    nv = nv.merge(subjects, on="USUBJID", how="inner", validate="many_to_one")
    cols = ["USUBJID", "NVSEQ", "NVTESTCD", "NVSTRESN", "NVDTC", "VISIT", "VISITNUM", "TRTSDT", "EXT1SDT"]
    for c in cols:
        if c not in nv.columns:
            nv[c] = np.nan
    return nv[cols].reset_index(drop=True)


STEPS = ("MT.ADMRI.PARAM", "MT.ADMRI.ADT", "MT.ADMRI.AVAL", "MT.ADMRI.SRC", "MT.ADMRI.ADY",
         "MT.ADMRI.AVISIT", "MT.ADMRI.AVALC", "MT.ADMRI.MRIACT", "MT.ADMRI.ANL01FL", "MT.ADMRI.FREE",
         "MT.ADMRI.ASEQ")


def build(ctx: BuildContext) -> pd.DataFrame:
    """ADMRI: scan records of NV, MRIACT per scan, yearly free-of records; steps in order."""
    df = mri_records(ctx)
    for method_id in STEPS:
        df = REGISTRY.run(method_id, df, ctx)
    return df.drop(columns=["NVSEQ", "NVTESTCD", "NVSTRESN", "NVDTC"])
