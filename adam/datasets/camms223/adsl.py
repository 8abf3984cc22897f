"""ADSL of CAMMS223: one record per randomized subject.

Built from DM, DS, EX, RS, CE, MH, CM and TS with the generic derivations of :mod:`adam.derive`;
each step is registered under the method id of specs/camms223/methods.yaml that a reviewer
reads in define.xml.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from adam.datasets.camms223.common import (alemtuzumab_exposure, data_cutoff, edss_assessments,
                                           relapse_onsets, treatment_of_arm)
from adam.datasets.camms223.registry import REGISTRY
from adam.derive import (derive_var_merged_exist_flag, derive_vars_dt, derive_vars_dtm,
                         derive_vars_duration, derive_vars_merged, derive_vars_merged_summary)
from adam.derive.timing import course_table
from adam.engine import BuildContext

DATASET = "ADSL"
MAX_COURSES = 7


@REGISTRY.implements("MT.ADSL.AGEGR1", ("AGEGR1", "AGEGR1N"))
def derive_age_group(adsl: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    age = adsl["AGE"].astype("float64")
    group_n = np.select([age < 30, age < 40, age >= 40], [1.0, 2.0, 3.0], np.nan)
    labels = pd.Series(group_n).map({1.0: "<30", 2.0: "30-39", 3.0: ">=40"})
    return adsl.assign(AGEGR1=labels.to_numpy(), AGEGR1N=group_n)


@REGISTRY.implements("MT.ADSL.TRT01P", ("TRT01P", "TRT01PN"))
def derive_planned_treatment(adsl: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    name, number = treatment_of_arm(adsl["ARMCD"], ctx)
    return adsl.assign(TRT01P=name, TRT01PN=number)


@REGISTRY.implements("MT.ADSL.TRT01A", ("TRT01A", "TRT01AN"))
def derive_actual_treatment(adsl: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    name, number = treatment_of_arm(adsl["ACTARMCD"], ctx)
    return adsl.assign(TRT01A=name, TRT01AN=number)


@REGISTRY.implements("MT.ADSL.RANDDT", ("RANDDT",))
def derive_randomization_date(adsl: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    ds = derive_vars_dt(ctx.domain("DS"), new_vars_prefix="DSST", dtc="DSSTDTC", dataset_name="DS")
    return derive_vars_merged(adsl, ds, by_vars=["USUBJID"], new_vars={"RANDDT": "DSSTDT"},
                              filter_add="DSDECOD == 'RANDOMIZED'", order=["DSSTDT"],
                              mode="first", dataset_add_name="DS")


def _dosed_exposure(ctx: BuildContext) -> pd.DataFrame:
    """EX records with a dose given, with EXSTDTM / EXENDTM (times imputed, flagged)."""
    ex = ctx.domain("EX")
    ex = ex.loc[ex["EXDOSE"].astype("float64") > 0]
    ex = derive_vars_dtm(ex, new_vars_prefix="EXST", dtc="EXSTDTC", highest_imputation="h",
                         time_imputation="first", dataset_name="EX")
    ex = ex.assign(EXENDTC=ex["EXENDTC"].fillna(ex["EXSTDTC"]))
    return derive_vars_dtm(ex, new_vars_prefix="EXEN", dtc="EXENDTC", highest_imputation="h",
                           time_imputation="last", dataset_name="EX")


@REGISTRY.implements("MT.ADSL.TRTSDT", ("TRTSDTM", "TRTSTMF", "TRTSDT"))
def derive_first_exposure(adsl: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    ex = _dosed_exposure(ctx)
    out = derive_vars_merged(adsl, ex, by_vars=["USUBJID"],
                             new_vars={"TRTSDTM": "EXSTDTM", "TRTSTMF": "EXSTTMF"},
                             filter_add=ex["EXSTDTM"].notna(), order=["EXSTDTM", "EXSEQ"],
                             mode="first", dataset_add_name="EX")
    return out.assign(TRTSDT=np.floor(out["TRTSDTM"] / 86400.0))


@REGISTRY.implements("MT.ADSL.TRTEDT", ("TRTEDTM", "TRTETMF", "TRTEDT"))
def derive_last_exposure(adsl: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    ex = _dosed_exposure(ctx)
    out = derive_vars_merged(adsl, ex, by_vars=["USUBJID"],
                             new_vars={"TRTEDTM": "EXENDTM", "TRTETMF": "EXENTMF"},
                             filter_add=ex["EXENDTM"].notna(), order=["EXENDTM", "EXSEQ"],
                             mode="last", dataset_add_name="EX")
    return out.assign(TRTEDT=np.floor(out["TRTEDTM"] / 86400.0))


@REGISTRY.implements("MT.ADSL.TRTDURD", ("TRTDURD",))
def derive_treatment_duration(adsl: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    return derive_vars_duration(adsl, new_var="TRTDURD", start_date="TRTSDT", end_date="TRTEDT")


COURSE_VARS = ("NCOURSE",) + tuple(f"CRS{n}SDT" for n in range(1, MAX_COURSES + 1))


@REGISTRY.implements("MT.ADSL.COURSES", COURSE_VARS)
def derive_courses(adsl: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    courses = course_table(alemtuzumab_exposure(ctx), exposure_date="EXSTDT", course_id="EXGRPID")
    if (courses["COURSEN"] > MAX_COURSES).any():
        extra = courses.loc[courses["COURSEN"] > MAX_COURSES, "USUBJID"].iloc[0]
        ctx.warn(f"more than {MAX_COURSES} alemtuzumab courses; only {MAX_COURSES} have a "
                 "CRSnSDT variable", dataset="EX", record=str(extra))
    wide = courses.pivot(index="USUBJID", columns="COURSEN", values="CRSSTDT")
    wide = wide.reindex(columns=range(1, MAX_COURSES + 1))
    wide.columns = [f"CRS{n}SDT" for n in wide.columns]
    wide["NCOURSE"] = courses.groupby("USUBJID")["COURSEN"].max()
    wide = wide.reset_index()
    out = derive_vars_merged(adsl, wide, by_vars=["USUBJID"], dataset_add_name="EX courses")
    return out.assign(NCOURSE=out["NCOURSE"].fillna(0.0))


@REGISTRY.implements("MT.ADSL.RANDFL", ("RANDFL",))
def derive_randomized_flag(adsl: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    return derive_var_merged_exist_flag(adsl, ctx.domain("DS"), by_vars=["USUBJID"],
                                        new_var="RANDFL", condition="DSDECOD == 'RANDOMIZED'", missing_value="N",
                                        false_value="N", dataset_add_name="DS")


@REGISTRY.implements("MT.ADSL.SAFFL", ("SAFFL",))
def derive_safety_flag(adsl: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    safe = (adsl["RANDFL"] == "Y") & adsl["TRTSDT"].notna()
    return adsl.assign(SAFFL=np.where(safe, "Y", "N"))


@REGISTRY.implements("MT.ADSL.A12FL", ("A12FL",))
def derive_analysis_population_flag(adsl: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    population = (adsl["SAFFL"] == "Y") & (adsl["TRT01A"] == ctx.param("analysis_treatment"))
    return adsl.assign(A12FL=np.where(population, "Y", "N"))


@REGISTRY.implements("MT.ADSL.LTCFL", ("LTCFL",))
def derive_long_term_cohort_flag(adsl: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    cohort = (adsl["A12FL"] == "Y") & adsl["EXT1SDT"].notna()
    return adsl.assign(LTCFL=np.where(cohort, "Y", "N"))


@REGISTRY.implements("MT.ADSL.DISCGRFL", ("DISCGRFL",))
def derive_discontinued_group_flag(adsl: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    group = (adsl["A12FL"] == "Y") & (adsl["LTCFL"] == "N")
    return adsl.assign(DISCGRFL=np.where(group, "Y", "N"))


def _disposition(ctx: BuildContext) -> pd.DataFrame:
    ds = derive_vars_dt(ctx.domain("DS"), new_vars_prefix="DSST", dtc="DSSTDTC", dataset_name="DS")
    epochs: dict[str, list[str]] = ctx.param("sdtm.epochs")
    epoch_key = {epoch: key for key, names in epochs.items() for epoch in names}
    return ds.assign(EPKEY=ds["EPOCH"].map(epoch_key))


@REGISTRY.implements("MT.ADSL.EPOCHDT", ("EXT1SDT", "EXT2SDT", "COREEDT", "EXT1EDT", "EXT2EDT"))
def derive_epoch_dates(adsl: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    ds = _disposition(ctx)
    consent = ds.loc[ds["DSDECOD"] == "INFORMED CONSENT OBTAINED"]
    out = adsl
    for key, var in (("EXT1", "EXT1SDT"), ("EXT2", "EXT2SDT")):
        out = derive_vars_merged(out, consent, by_vars=["USUBJID"], new_vars={var: "DSSTDT"},
                                 filter_add=consent["EPKEY"] == key, order=["DSSTDT"],
                                 mode="first", dataset_add_name="DS")
    events = ds.loc[ds["DSCAT"] == "DISPOSITION EVENT"]
    for key, var in (("CORE", "COREEDT"), ("EXT1", "EXT1EDT"), ("EXT2", "EXT2EDT")):
        out = derive_vars_merged(out, events, by_vars=["USUBJID"], new_vars={var: "DSSTDT"},
                                 filter_add=events["EPKEY"] == key, order=["DSSTDT"],
                                 mode="last", dataset_add_name="DS")
    return out


def _status(decod: pd.Series, entered: pd.Series) -> np.ndarray:
    status = np.where(decod == "COMPLETED", "COMPLETED", "DISCONTINUED")
    status = np.where(decod.isna(), "ONGOING", status)
    return np.where(entered, status, None)


@REGISTRY.implements("MT.ADSL.EPOCHSTT", ("CORESTT", "COREREAS", "EXT1STT", "EXT1REAS",
                                          "EXT2STT", "EXT2REAS"))
def derive_epoch_status(adsl: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    ds = _disposition(ctx)
    events = ds.loc[ds["DSCAT"] == "DISPOSITION EVENT"]
    reason = events["DSDECOD"].where(events["DSDECOD"] != "OTHER", events["DSTERM"])
    events = events.assign(REASON=reason)
    out = adsl
    entered_by_key = {"CORE": out["TRTSDT"].notna() | out["RANDDT"].notna(),
                      "EXT1": out["EXT1SDT"].notna(), "EXT2": out["EXT2SDT"].notna()}
    for key, prefix in (("CORE", "CORE"), ("EXT1", "EXT1"), ("EXT2", "EXT2")):
        merged = derive_vars_merged(out[["USUBJID"]], events, by_vars=["USUBJID"],
                                    new_vars={"DECOD": "DSDECOD", "REASON": "REASON"},
                                    filter_add=events["EPKEY"] == key, order=["DSSTDT", "DSSEQ"],
                                    mode="last", dataset_add_name="DS")
        status = _status(merged["DECOD"], entered_by_key[key])
        reasons = merged["REASON"].where(status == "DISCONTINUED")
        out = out.assign(**{f"{prefix}STT": status, f"{prefix}REAS": reasons.to_numpy()})
    return out


@REGISTRY.implements("MT.ADSL.EOSSTT", ("EOSSTT", "EOSDT", "DCSREAS"))
def derive_end_of_study(adsl: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    last = np.select([adsl["EXT2STT"].notna(), adsl["EXT1STT"].notna()], ["EXT2", "EXT1"], "CORE")
    pick = {key: last == key for key in ("CORE", "EXT1", "EXT2")}
    status = np.select(list(pick.values()), [adsl[f"{k}STT"] for k in pick], None)
    end = np.select(list(pick.values()), [adsl[f"{k}EDT"].astype("float64") for k in pick], np.nan)
    reason = np.select(list(pick.values()), [adsl[f"{k}REAS"] for k in pick], None)
    end = np.where(status == "ONGOING", np.nan, end)
    return adsl.assign(EOSSTT=status, EOSDT=end, DCSREAS=reason)


@REGISTRY.implements("MT.ADSL.DTHDT", ("DTHDT", "DTHCAUS"))
def derive_death(adsl: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    dm = derive_vars_dt(ctx.domain("DM"), new_vars_prefix="DTH", dtc="DTHDTC", dataset_name="DM")
    out = derive_vars_merged(adsl, dm, by_vars=["USUBJID"], new_vars={"DTHDT": "DTHDT"},
                             dataset_add_name="DM")
    ds = ctx.domain("DS")
    return derive_vars_merged(out, ds, by_vars=["USUBJID"], new_vars={"DTHCAUS": "DSTERM"},
                              filter_add="DSDECOD == 'DEATH'", order=["DSSEQ"], mode="first",
                              dataset_add_name="DS")


@REGISTRY.implements("MT.ADSL.DCUTDT", ("DCUTDT",))
def derive_data_cutoff(adsl: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    return adsl.assign(DCUTDT=data_cutoff(ctx))


def _dates_of(frame: pd.DataFrame, dtc: str, dataset: str) -> pd.DataFrame:
    """Complete dates of one --DTC column as (USUBJID, DT) records."""
    parsed = derive_vars_dt(frame[["USUBJID", dtc]], new_vars_prefix="X", dtc=dtc,
                            dataset_name=dataset)
    return parsed.loc[parsed["XDT"].notna(), ["USUBJID", "XDT"]]


@REGISTRY.implements("MT.ADSL.LSTALVDT", ("LSTALVDT",))
def derive_last_known_alive(adsl: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    sources = [("DM", "RFSTDTC"), ("DM", "RFENDTC"), ("EX", "EXSTDTC"), ("EX", "EXENDTC"),
               ("SV", "SVSTDTC"), ("AE", "AESTDTC"), ("AE", "AEENDTC"), ("RS", "RSDTC"),
               ("DS", "DSSTDTC")]
    dates = pd.concat([_dates_of(ctx.sdtm[d], v, d) for d, v in sources
                       if d in ctx.sdtm and v in ctx.sdtm[d].columns], ignore_index=True)
    out = derive_vars_merged_summary(adsl, dates, by_vars=["USUBJID"],
                                     new_vars={"LSTALVDT": ("XDT", "max")},
                                     dataset_add_name="SDTM dates")
    cap = np.fmin(out["DTHDT"].to_numpy(dtype=float), out["DCUTDT"].to_numpy(dtype=float))
    return out.assign(LSTALVDT=np.fmin(out["LSTALVDT"].to_numpy(dtype=float), cap))


@REGISTRY.implements("MT.ADSL.BEDSS", ("BEDSS", "BEDSSGR1"))
def derive_baseline_edss(adsl: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    edss = edss_assessments(ctx)
    daily = edss.groupby(["USUBJID", "ADT"], as_index=False, sort=False)["AVAL"].mean()
    daily = daily.merge(adsl[["USUBJID", "TRTSDT"]], on="USUBJID", how="inner")
    daily = daily.loc[daily["ADT"] <= daily["TRTSDT"]]
    out = derive_vars_merged(adsl, daily, by_vars=["USUBJID"], new_vars={"BEDSS": "AVAL"},
                             order=["ADT"], mode="last", dataset_add_name="RS")
    group = np.where(out["BEDSS"] < 2, "<2", ">=2")
    return out.assign(BEDSSGR1=np.where(out["BEDSS"].notna(), group, None))


@REGISTRY.implements("MT.ADSL.RLPSPRE", ("RLPS1Y", "RLPS2Y"))
def derive_prior_relapses(adsl: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    onsets = relapse_onsets(ctx, include_history=True)
    onsets = onsets.merge(adsl[["USUBJID", "TRTSDT"]], on="USUBJID", how="inner")
    before = onsets["TRTSDT"] - onsets["ONSETDT"]
    year = ctx.param("year_length_days")
    out = adsl
    for var, years in (("RLPS1Y", 1), ("RLPS2Y", 2)):
        within = onsets.loc[(before > 0) & (before <= years * year)]
        out = derive_vars_merged_summary(out, within, by_vars=["USUBJID"],
                                         new_vars={var: (None, "count")},
                                         missing_values={var: 0}, dataset_add_name="CE/MH")
    no_baseline = out["TRTSDT"].isna()
    return out.assign(RLPS1Y=out["RLPS1Y"].where(~no_baseline),
                      RLPS2Y=out["RLPS2Y"].where(~no_baseline))


@REGISTRY.implements("MT.ADSL.DISDUR", ("MSONDT", "MSONDTF", "DISDURY"))
def derive_disease_duration(adsl: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    mh = ctx.domain("MH")
    mh = mh.loc[mh["MHDECOD"] == ctx.param("sdtm.ms_history_decod")]
    mh = derive_vars_dt(mh, new_vars_prefix="MHST", dtc="MHSTDTC", highest_imputation="M",
                        date_imputation="mid", dataset_name="MH")
    out = derive_vars_merged(adsl, mh, by_vars=["USUBJID"], new_vars={"MSONDT": "MHSTDT", "MSONDTF": "MHSTDTF"},
                             order=["MHSTDT"], mode="first", dataset_add_name="MH")
    return derive_vars_duration(out, new_var="DISDURY", start_date="MSONDT", end_date="TRTSDT",
                                out_unit="years", add_one=False)


@REGISTRY.implements("MT.ADSL.ODMTFL", ("ODMTFL",))
def derive_other_dmt_flag(adsl: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    cm = ctx.domain("CM")
    cm = derive_vars_dt(cm, new_vars_prefix="CMST", dtc="CMSTDTC", highest_imputation="M",
                        date_imputation="last", dataset_name="CM")
    cm = cm.merge(adsl[["USUBJID", "TRTSDT"]], on="USUBJID", how="inner")
    after = (cm["CMCAT"] == ctx.param("other_dmt_category")) & (cm["CMSTDT"] > cm["TRTSDT"])
    return derive_var_merged_exist_flag(adsl, cm.loc[after], by_vars=["USUBJID"],
                                        new_var="ODMTFL", false_value="N", missing_value="N",
                                        dataset_add_name="CM")


#: The order of the steps; each is one registered method.
STEPS = (
    "MT.ADSL.AGEGR1", "MT.ADSL.TRT01P", "MT.ADSL.TRT01A", "MT.ADSL.RANDDT", "MT.ADSL.TRTSDT",
    "MT.ADSL.TRTEDT", "MT.ADSL.TRTDURD", "MT.ADSL.COURSES", "MT.ADSL.RANDFL", "MT.ADSL.SAFFL",
    "MT.ADSL.A12FL", "MT.ADSL.EPOCHDT", "MT.ADSL.LTCFL", "MT.ADSL.DISCGRFL", "MT.ADSL.EPOCHSTT",
    "MT.ADSL.EOSSTT", "MT.ADSL.DTHDT", "MT.ADSL.DCUTDT", "MT.ADSL.LSTALVDT", "MT.ADSL.BEDSS",
    "MT.ADSL.RLPSPRE", "MT.ADSL.DISDUR", "MT.ADSL.ODMTFL",
)


def build(ctx: BuildContext) -> pd.DataFrame:
    """ADSL: randomized subjects of DM, with every registered ADSL derivation applied in order."""
    dm = ctx.domain("DM")
    randomized = ctx.domain("DS").loc[lambda d: d["DSDECOD"] == "RANDOMIZED", "USUBJID"]
    adsl = dm.loc[dm["USUBJID"].isin(randomized)].reset_index(drop=True)
    predecessors = [v.source.split(".")[1] for v in ctx.spec.dataset(DATASET).variables
                    if v.origin == "Predecessor" and v.source and v.source.startswith("DM.")]
    adsl = adsl[list(dict.fromkeys(["USUBJID", *predecessors, "DTHDTC"]))]
    for method_id in STEPS:
        adsl = REGISTRY.run(method_id, adsl, ctx)
    return adsl.drop(columns=["DTHDTC"])
