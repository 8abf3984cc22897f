"""ADEDSS of CAMMS223: EDSS per assessment with visits, baseline, change, and 6-month confirmed
worsening (CDW) and improvement (CDI) flags.

Built from RS (EDSS total score) and ADSL with :mod:`adam.derive`; every step is registered under
its spec method id (specs/camms223/methods_efficacy.yaml). Thresholds, confirmation interval,
tolerance and relapse exclusion come from the analysis parameters ``edss``, ``cdw`` and ``cdi``;
worsening after a 6-month CDI, measured against the EDSS reached at the CDI (CDIREF), from
``cdw_after_cdi``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from adam.datasets.camms223.registry import REGISTRY
from adam.derive import (derive_var_analysis_window, derive_var_base, derive_var_base_flag,
                         derive_var_category, derive_var_confirmed_change, derive_var_extreme_flag,
                         derive_vars_dt)
from adam.derive._keys import group_codes
from adam.engine import BuildContext
from adam.errors import InputError, Problem

from .efficacy_common import (analysis_year, assign_seq, flag_within_days_after, param, post_cdi_reference,
                              post_cdi_start, record_label, relapse_dates, relative_day, treated, year_days)

DATASET = "ADEDSS"
MONTH_DAYS = 365.25 / 12
BASELINE_RULES = {"last assessment on or before first dose": True,
                  "last assessment before first dose": False}
ANL = "__ANL"  # analysed record (one per subject-day: the AVERAGE record where there is one)
POST = "__POST"  # post-baseline (ADT > TRTSDT)


@REGISTRY.implements("MT.ADEDSS.PARAM", ("ADEDSS.PARAMCD", "ADEDSS.PARAM"))
def derive_param(df: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    return df.assign(PARAMCD="EDSS", PARAM="Expanded Disability Status Scale Score")


@REGISTRY.implements("MT.ADEDSS.SRC", ("ADEDSS.SRCDOM", "ADEDSS.SRCVAR", "ADEDSS.SRCSEQ"))
def derive_source(df: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    return df.assign(SRCDOM="RS", SRCVAR="RSSTRESN", SRCSEQ=df["RSSEQ"].to_numpy(dtype=float))


@REGISTRY.implements("MT.ADEDSS.ADT", ("ADEDSS.ADT",))
def derive_adt(df: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    out = derive_vars_dt(df, new_vars_prefix="A", dtc="RSDTC", highest_imputation="n", dataset_name="RS")
    bad = out["ADT"].isna() & out["RSDTC"].notna()
    for _, row in out.loc[bad].iterrows():  # reporting only
        ctx.warn(f"EDSS assessment with a partial date ({row['RSDTC']}) is not analysed", dataset="RS",
                 variable="RSDTC", record=record_label(row["USUBJID"], "RSSEQ", row["RSSEQ"]))
    return out


@REGISTRY.implements("MT.ADEDSS.AVAL", ("ADEDSS.AVAL",))
def derive_aval(df: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    """AVAL from RSSTRESN; a score outside 0-10 or off the 0.5 grid is an input error."""
    value = pd.to_numeric(df["RSSTRESN"], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isnan(value) & ((value < 0) | (value > 10) | (value * 2 != np.round(value * 2)))
    if bad.any():
        raise InputError([
            Problem(f"EDSS score {v:g} is not between 0 and 10 in steps of 0.5", dataset="RS",
                    variable="RSSTRESN", record=record_label(u, "RSSEQ", s))
            for u, s, v in zip(df["USUBJID"][bad], df["RSSEQ"][bad], value[bad])])
    return df.assign(AVAL=value)


@REGISTRY.implements("MT.ADEDSS.DTYPE", ("ADEDSS.DTYPE",))
def derive_dtype(df: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    """Add one DTYPE = 'AVERAGE' record per subject-day with more than one EDSS value."""
    valued = df.loc[df["ADT"].notna() & df["AVAL"].notna()]
    dup = valued.duplicated(["USUBJID", "ADT"], keep=False)
    out = df.assign(DTYPE=pd.Series(np.nan, index=df.index, dtype="str"))
    if not dup.any():
        return out
    days = valued.loc[dup].sort_values(["USUBJID", "ADT", "RSSEQ"], kind="stable")
    first = days.drop_duplicates(["USUBJID", "ADT"]).reset_index(drop=True)
    means = days.groupby(["USUBJID", "ADT"], sort=False)["AVAL"].mean().reset_index()
    avg = first.drop(columns=["AVAL"]).merge(means, on=["USUBJID", "ADT"], how="left")
    avg = avg.assign(DTYPE="AVERAGE", SRCSEQ=np.nan, RSSEQ=np.nan)
    return pd.concat([out, avg[out.columns]], ignore_index=True)


@REGISTRY.implements("MT.ADEDSS.ADY", ("ADEDSS.ADY",))
def derive_ady(df: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    return df.assign(ADY=relative_day(df["ADT"], df["TRTSDT"]))


@REGISTRY.implements("MT.ADEDSS.AYEAR", ("ADEDSS.AYEAR",))
def derive_ayear(df: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    return df.assign(AYEAR=analysis_year(df["ADT"], df["TRTSDT"], year_days(ctx)))


@REGISTRY.implements("MT.ADEDSS.ABLFL", ("ADEDSS.ABLFL",))
def derive_ablfl(df: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    rule = ctx.param("edss.baseline_rule")
    if rule not in BASELINE_RULES:
        raise InputError(Problem(f"analysis parameter edss.baseline_rule is {rule!r}; expected one of "
                                 f"{', '.join(map(repr, BASELINE_RULES))}", file="study.yaml"))
    return derive_var_base_flag(df, by_vars=["USUBJID", "PARAMCD"], date="ADT", reference_date="TRTSDT",
                                include_reference_date=BASELINE_RULES[rule], filter=df[ANL].to_numpy())


@REGISTRY.implements("MT.ADEDSS.BASE", ("ADEDSS.BASE",))
def derive_base(df: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    return derive_var_base(df, by_vars=["USUBJID", "PARAMCD"])


@REGISTRY.implements("MT.ADEDSS.CHG", ("ADEDSS.CHG",))
def derive_chg(df: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    chg = df["AVAL"].to_numpy(dtype=float) - df["BASE"].to_numpy(dtype=float)
    return df.assign(CHG=np.where(df[POST].to_numpy(), chg, np.nan))


@REGISTRY.implements("MT.ADEDSS.CHGCAT1", ("ADEDSS.CHGCAT1",))
def derive_chgcat1(df: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    worse, better, stable = (float(ctx.param(f"edss.{k}")) for k in ("worsened_by", "improved_by", "stable_within"))
    return derive_var_category(df, new_var="CHGCAT1", source="CHG",
                               cuts=[("WORSENED", worse, None), ("IMPROVED", None, -better),
                                     ("STABLE", -stable, stable)])


def visit_windows(max_day: float, interval_months: int) -> pd.DataFrame:
    """Windows of Month m = k * interval (k >= 1) on the ADY scale, contiguous, up to ``max_day``."""
    n = max(int(np.ceil((max_day + 1) / (interval_months * MONTH_DAYS))) + 1, 1)
    months = np.arange(1, n + 2) * interval_months
    target = np.round(months * MONTH_DAYS) + 1
    edges = np.floor((target[:-1] + target[1:]) / 2)
    lo = np.r_[2.0, edges[:-1] + 1]
    hi = edges
    m = months[:-1]
    return pd.DataFrame({"AVISITN": m.astype(float), "AVISIT": [f"Month {k}" for k in m],
                         "AWTARGET": target[:-1], "AWLO": lo, "AWHI": hi})


@REGISTRY.implements("MT.ADEDSS.AVISIT", ("ADEDSS.AVISIT", "ADEDSS.AVISITN", "ADEDSS.AWTARGET",
                                           "ADEDSS.AWLO", "ADEDSS.AWHI", "ADEDSS.AWTDIFF"))
def derive_avisit(df: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    post = df[POST].to_numpy()
    max_day = float(np.nanmax(df["ADY"].to_numpy(dtype=float)[post])) if post.any() else 1.0
    windows = visit_windows(max_day, int(param(ctx, "edss.visit_interval_months")))
    out = derive_var_analysis_window(df, windows, day_var="ADY", by_vars=["USUBJID", "PARAMCD"],
                                     flag_var=None, filter=post)
    base = (out["ABLFL"] == "Y").to_numpy()
    out.loc[base, "AVISIT"] = "Baseline"
    out.loc[base, "AVISITN"] = 0.0
    return out


@REGISTRY.implements("MT.ADEDSS.ANL01FL", ("ADEDSS.ANL01FL",))
def derive_anl01fl(df: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    cand = df[ANL].to_numpy() & df["AVISITN"].notna().to_numpy() & df["AVAL"].notna().to_numpy()
    out = derive_var_extreme_flag(df, by_vars=["USUBJID", "PARAMCD", "AVISITN"],
                                  order=["AWTDIFF", ("ADY", "desc")], new_var="ANL01FL", mode="first",
                                  filter=cand, check_type="none")
    base = (out["ABLFL"] == "Y").to_numpy()
    out.loc[base, "ANL01FL"] = "Y"
    return out


@REGISTRY.implements("MT.ADEDSS.ANL02FL", ("ADEDSS.ANL02FL",))
def derive_anl02fl(df: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    m = df["AVISITN"].to_numpy(dtype=float)
    annual = (df["ANL01FL"] == "Y").to_numpy() & (m > 0) & (np.mod(m, 12) == 0)
    return df.assign(ANL02FL=pd.Series(np.where(annual, "Y", None), index=df.index, dtype="str"))


@REGISTRY.implements("MT.ADEDSS.RLPEXFL", ("ADEDSS.RLPEXFL",))
def derive_rlpexfl(df: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    within = flag_within_days_after(df, _relapses(ctx), float(ctx.param("cdw.relapse_exclusion_days")))
    return df.assign(RLPEXFL=pd.Series(np.where(within, "Y", None), index=df.index, dtype="str"))


def _relapses(ctx: BuildContext) -> pd.DataFrame:
    rel = relapse_dates(ctx)
    return rel.assign(ONSETDT=rel["ADT"])


def _confirmed(df: pd.DataFrame, ctx: BuildContext, kind: str) -> pd.DataFrame:
    """CRITn/CRITnFL and the confirmation flags for kind 'cdw' (worsening) or 'cdi' (improvement)."""
    p = {k: ctx.param(f"{kind}.{k}") for k in ("threshold", "confirm_days", "tolerance_days",
                                                 "relapse_exclusion_days")}
    worsening = kind == "cdw"
    zero = float(ctx.param("cdw.threshold_if_base_zero")) if worsening else None
    min_base = None if worsening else float(ctx.param("cdi.min_base"))
    prefix = kind.upper()
    use = df[ANL].to_numpy() & df[POST].to_numpy()
    events = _relapses(ctx)[["USUBJID", "ONSETDT"]]
    # flags as 1/0 (NaN: not taking part), turned into the Y/N text of ADEDSS below
    out = derive_var_confirmed_change(
        df, by_vars=["USUBJID", "PARAMCD"], date="ADT", value="AVAL", base="BASE",
        direction="worsening" if worsening else "improvement", threshold=float(p["threshold"]),
        threshold_if_base_zero=zero, confirm_days=float(p["confirm_days"]),
        tolerance_days=float(p["tolerance_days"]), events=events, event_by_vars=["USUBJID"],
        event_date="ONSETDT", exclusion_days=float(p["relapse_exclusion_days"]), min_base=min_base,
        new_vars_prefix=prefix, filter=use, true_value=1.0, false_value=0.0)
    n = "1" if worsening else "2"
    onset = out.pop(f"{prefix}ONFL").to_numpy()
    assessed = ~np.isnan(onset)
    if not worsening:  # not assessed below the minimum baseline
        assessed &= ~(df["BASE"].to_numpy(dtype=float) < min_base)
    is_onset = assessed & (onset == 1)
    thr = float(p["threshold"])
    text = (f"EDSS CHG >= {thr:g} (>= {zero:g} if BASE = 0), confirmed over 6 months" if worsening
            else f"EDSS CHG <= -{thr:g} with BASE >= {min_base:g}, confirmed over 6 months")
    confirmed = out[f"{prefix}CFFL"].to_numpy() == 1
    out[f"CRIT{n}FL"] = _yn(is_onset, assessed & ~is_onset, df.index)
    none = np.zeros(len(df), dtype=bool)
    out[f"CRIT{n}"] = _yn(assessed, none, df.index, yes=text)
    out[f"{prefix}CFFL"] = _yn(is_onset & confirmed, is_onset & ~confirmed, df.index)
    out[f"{prefix}EVFL"] = _yn(out[f"{prefix}EVFL"].to_numpy() == 1, none, df.index)
    return out


def _yn(yes_mask: np.ndarray, no_mask: np.ndarray, index: pd.Index, yes: str = "Y", no: str = "N") -> pd.Series:
    """A text flag: ``yes`` where yes_mask, ``no`` where no_mask, missing elsewhere."""
    values = np.full(len(index), None, dtype=object)
    values[yes_mask] = yes
    values[no_mask] = no
    return pd.Series(values, index=index, dtype="str")


@REGISTRY.implements("MT.ADEDSS.CDW", ("ADEDSS.CRIT1", "ADEDSS.CRIT1FL", "ADEDSS.CDWCFFL",
                                        "ADEDSS.CDWCFDT", "ADEDSS.CDWEVFL"))
def derive_cdw(df: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    return _confirmed(df, ctx, "cdw")


@REGISTRY.implements("MT.ADEDSS.CDI", ("ADEDSS.CRIT2", "ADEDSS.CRIT2FL", "ADEDSS.CDICFFL",
                                        "ADEDSS.CDICFDT", "ADEDSS.CDIEVFL"))
def derive_cdi(df: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    return _confirmed(df, ctx, "cdi")


def _post_cdi(df: pd.DataFrame, ctx: BuildContext) -> tuple[np.ndarray, np.ndarray]:
    """Per record: the post-CDI reference EDSS and the post-CDI start date of its subject and
    parameter (NaN for subjects without a 6-month CDI event, at most one per subject)."""
    codes = group_codes(df, ["USUBJID", "PARAMCD"])
    start_var = post_cdi_start(ctx)
    event = np.flatnonzero((df["CDIEVFL"] == "Y").to_numpy())
    aval = df["AVAL"].to_numpy(dtype=float)
    ref = aval[event]
    if post_cdi_reference(ctx) == "cdi_confirmation_value":
        # the analysed record (one per day) of the confirming assessment
        anl = np.flatnonzero(df[ANL].to_numpy())
        days = pd.MultiIndex.from_arrays([codes[anl], df["ADT"].to_numpy(dtype=float)[anl]])
        found = days.get_indexer(pd.MultiIndex.from_arrays(
            [codes[event], df["CDICFDT"].to_numpy(dtype=float)[event]]))
        ref = np.where(found >= 0, aval[anl][np.maximum(found, 0)], np.nan)
    ref_of = np.full(int(codes.max()) + 1 if len(codes) else 0, np.nan)
    start_of = ref_of.copy()
    ref_of[codes[event]] = ref
    start_of[codes[event]] = df[start_var].to_numpy(dtype=float)[event]
    return ref_of[codes], start_of[codes]


@REGISTRY.implements("MT.ADEDSS.CDIREF", ("ADEDSS.CDIREF", "ADEDSS.CHGCDI"))
def derive_cdiref(df: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    """CDIREF (the EDSS reached at the 6-month CDI) on every record of a subject with a CDI event;
    CHGCDI = AVAL - CDIREF on the records after the post-CDI start date."""
    ref, start = _post_cdi(df, ctx)
    after = df["ADT"].to_numpy(dtype=float) > start  # False where either is missing
    chg = np.where(after, df["AVAL"].to_numpy(dtype=float) - ref, np.nan)
    return df.assign(CDIREF=ref, CHGCDI=chg)


@REGISTRY.implements("MT.ADEDSS.CDWACDI", ("ADEDSS.CRIT3", "ADEDSS.CRIT3FL", "ADEDSS.CDWACFFL",
                                            "ADEDSS.CDWACFDT", "ADEDSS.CDWAEVFL"))
def derive_cdw_after_cdi(df: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    """6-month confirmed worsening against CDIREF, on analysed records after the post-CDI start
    (those with CHGCDI): the confirmation rule of MT.ADEDSS.CDW with BASE = CDIREF."""
    p = {k: float(param(ctx, f"cdw_after_cdi.{k}")) for k in (
        "threshold", "threshold_if_reference_zero", "confirm_days", "tolerance_days", "relapse_exclusion_days")}
    use = df[ANL].to_numpy() & df["CHGCDI"].notna().to_numpy()
    events = _relapses(ctx)[["USUBJID", "ONSETDT"]]
    out = derive_var_confirmed_change(
        df, by_vars=["USUBJID", "PARAMCD"], date="ADT", value="AVAL", base="CDIREF", direction="worsening",
        threshold=p["threshold"], threshold_if_base_zero=p["threshold_if_reference_zero"],
        confirm_days=p["confirm_days"], tolerance_days=p["tolerance_days"], events=events,
        event_by_vars=["USUBJID"], event_date="ONSETDT", exclusion_days=p["relapse_exclusion_days"],
        new_vars_prefix="CDWA", filter=use, true_value=1.0, false_value=0.0)
    onset = out.pop("CDWAONFL").to_numpy()
    start = {"CDICFDT": "6-month CDI confirmation", "ADT": "6-month CDI onset"}[post_cdi_start(ctx)]
    text = (f"EDSS CHGCDI >= {p['threshold']:g} (>= {p['threshold_if_reference_zero']:g} if CDIREF = 0) "
            f"after the {start}, confirmed over 6 months")
    assessed, is_onset = ~np.isnan(onset), onset == 1
    confirmed = out["CDWACFFL"].to_numpy() == 1
    none = np.zeros(len(df), dtype=bool)
    out["CRIT3FL"] = _yn(is_onset, assessed & ~is_onset, df.index)
    out["CRIT3"] = _yn(assessed, none, df.index, yes=text)
    out["CDWACFFL"] = _yn(is_onset & confirmed, is_onset & ~confirmed, df.index)
    out["CDWAEVFL"] = _yn(out["CDWAEVFL"].to_numpy() == 1, none, df.index)
    return out


@REGISTRY.implements("MT.ADEDSS.ASEQ", ("ADEDSS.ASEQ",))
def derive_aseq(df: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    """ASEQ by USUBJID, PARAMCD, ADT, collected before derived (DTYPE) records, SRCSEQ."""
    order = df.assign(__D=df["DTYPE"].notna().astype(int))
    out = assign_seq(order, ["PARAMCD", "ADT", "__D", "SRCSEQ"])
    return out.drop(columns=["__D"])


def edss_records(ctx: BuildContext) -> pd.DataFrame:
    """The EDSS records of RS for subjects of ADSL, with TRTSDT."""
    rs = ctx.domain("RS")
    rs = rs.loc[rs["RSTESTCD"] == ctx.param("sdtm.edss_testcd")]
    subjects = treated(ctx)[["USUBJID", "TRTSDT"]]
    rs = rs.merge(subjects, on="USUBJID", how="inner", validate="many_to_one")
    cols = ["USUBJID", "RSSEQ", "VISITNUM", "VISIT", "RSDTC", "RSSTRESN", "TRTSDT"]
    for c in cols:
        if c not in rs.columns:
            rs[c] = np.nan
    return rs[cols].reset_index(drop=True)


STEPS_1 = ("MT.ADEDSS.PARAM", "MT.ADEDSS.SRC", "MT.ADEDSS.ADT", "MT.ADEDSS.AVAL", "MT.ADEDSS.DTYPE")
STEPS_2 = ("MT.ADEDSS.ADY", "MT.ADEDSS.AYEAR", "MT.ADEDSS.ABLFL", "MT.ADEDSS.BASE", "MT.ADEDSS.CHG",
           "MT.ADEDSS.CHGCAT1", "MT.ADEDSS.AVISIT", "MT.ADEDSS.ANL01FL", "MT.ADEDSS.ANL02FL",
           "MT.ADEDSS.RLPEXFL", "MT.ADEDSS.CDW", "MT.ADEDSS.CDI", "MT.ADEDSS.CDIREF",
           "MT.ADEDSS.CDWACDI", "MT.ADEDSS.ASEQ")


def build(ctx: BuildContext) -> pd.DataFrame:
    """ADEDSS: one record per EDSS assessment (plus same-day averages), all steps in order."""
    df = edss_records(ctx)
    # the keys as categoricals while deriving: grouping, sorting and matching by subject then
    # work on integer codes (categories in text order, so sorting is unchanged); text at the end
    df["USUBJID"] = pd.Categorical(df["USUBJID"])
    for method_id in STEPS_1:
        df = REGISTRY.run(method_id, df, ctx)
    df["PARAMCD"] = pd.Categorical(df["PARAMCD"])
    # the records in their final (ASEQ) order while the frame is still narrow: the ASEQ step
    # then numbers them without moving every derived column (no step depends on row order)
    df = derive_aseq(df, ctx).drop(columns=["ASEQ"])
    valued = (df["ADT"].notna() & df["AVAL"].notna()).to_numpy()
    day = group_codes(df, ["USUBJID", "ADT"])
    has_avg = np.isin(day, day[df["DTYPE"].notna().to_numpy()])
    replaced = df["DTYPE"].isna().to_numpy() & has_avg
    df[ANL] = valued & ~replaced
    df[POST] = (df["ADT"] > df["TRTSDT"]).fillna(False).to_numpy(dtype=bool)
    for method_id in STEPS_2:
        df = REGISTRY.run(method_id, df, ctx)
    df = df.drop(columns=["RSSEQ", "RSDTC", "RSSTRESN", ANL, POST])
    return df.assign(USUBJID=df["USUBJID"].astype("str"), PARAMCD=df["PARAMCD"].astype("str"))
