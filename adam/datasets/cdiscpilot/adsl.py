"""ADSL of the CDISC pilot: one record per subject assigned to an arm (screen failures excluded).

Built from DM, SV, EX, DS, MH and SC as the pilot's ADaM define.xml describes each variable
(specs/cdiscpilot/methods.yaml holds the define's derivation texts); every step is one
registered method. Codes and visit numbers come from specs/cdiscpilot/study.yaml.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from adam.derive import (derive_var_codelist_map, derive_var_interval_dose,
                                               derive_var_pooled_group)
from adam.datasets.cdiscpilot.common import (category_rules, codelist_of, disposition_event,
                                             visit_dates)
from adam.datasets.cdiscpilot.registry import REGISTRY
from adam.derive import (derive_var_category, derive_vars_dt, derive_vars_duration,
                         derive_vars_merged)
from adam.engine import BuildContext, copy_predecessors
from adam.errors import InputError, Problem

DATASET = "ADSL"
#: DM variables the derivations read but ADSL does not keep.
DM_HELPERS = ("ARMCD", "ACTARM")


def _unassigned(armcd: pd.Series, ctx: BuildContext) -> np.ndarray:
    """True where DM.ARMCD is missing or one of ``sdtm.unassigned_armcd`` (any case)."""
    codes = {str(c).upper() for c in ctx.param("sdtm.unassigned_armcd")}
    return (armcd.isna() | armcd.str.upper().isin(codes)).to_numpy(dtype=bool)


def _rounded(values: pd.Series, ctx: BuildContext, variable: str) -> pd.Series:
    """Values rounded to the spec's significant digits of ``variable`` (when it gives any)."""
    digits = ctx.spec.dataset(DATASET).variable(variable).significant_digits
    return values.round(digits) if digits is not None else values


@REGISTRY.implements("MT.ADSL.ITTFL", ("ITTFL",))
def derive_itt_flag(adsl: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    return adsl.assign(ITTFL=np.where(_unassigned(adsl["ARMCD"], ctx), "N", "Y"))


@REGISTRY.implements("MT.ADSL.TRT01PN", ("TRT01PN",))
def derive_planned_treatment_n(adsl: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    return derive_var_codelist_map(adsl, "TRT01PN", "TRT01P", codelist_of(ctx, DATASET, "TRT01PN"),
                                   to="value", dataset_name=DATASET)


@REGISTRY.implements("MT.ADSL.TRT01A", ("TRT01A",))
def derive_actual_treatment(adsl: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    """TRT01A = TRT01P as the define says; a DM.ACTARM that disagrees is reported as a warning."""
    differs = adsl["ACTARM"].notna() & (adsl["ACTARM"] != adsl["TRT01P"]).fillna(False)
    if differs.any():
        ids = adsl.loc[differs, "USUBJID"].tolist()
        ctx.warn(f"{len(ids)} subject(s) have DM.ACTARM different from DM.ARM (e.g. {ids[0]}); "
                 "TRT01A is TRT01P as the define specifies", dataset="DM", variable="ACTARM")
    return adsl.assign(TRT01A=adsl["TRT01P"])


@REGISTRY.implements("MT.ADSL.TRT01AN", ("TRT01AN",))
def derive_actual_treatment_n(adsl: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    return derive_var_codelist_map(adsl, "TRT01AN", "TRT01A", codelist_of(ctx, DATASET, "TRT01AN"),
                                   to="value", dataset_name=DATASET)


@REGISTRY.implements("MT.ADSL.AGEGR1N", ("AGEGR1N",))
def derive_age_group_n(adsl: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    return derive_var_category(adsl, "AGEGR1N", conditions=category_rules(ctx, "age_groups"))


@REGISTRY.implements("MT.ADSL.AGEGR1", ("AGEGR1",))
def derive_age_group(adsl: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    return derive_var_codelist_map(adsl, "AGEGR1", "AGEGR1N", codelist_of(ctx, DATASET, "AGEGR1N"),
                                   to="decode", dataset_name=DATASET)


@REGISTRY.implements("MT.ADSL.RACEN", ("RACEN",))
def derive_race_n(adsl: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    return derive_var_codelist_map(adsl, "RACEN", "RACE", codelist_of(ctx, DATASET, "RACEN"),
                                   to="value", dataset_name=DATASET)


@REGISTRY.implements("MT.ADSL.SITEGR1", ("SITEGR1",))
def derive_pooled_site(adsl: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    return derive_var_pooled_group(adsl, "SITEGR1", source="SITEID", by_var="TRT01P",
                                   min_count=int(ctx.param("site_pooling.min_per_arm")),
                                   pooled_value=str(ctx.param("site_pooling.pooled_site")))


@REGISTRY.implements("MT.ADSL.VISIT1DT", ("VISIT1DT",))
def derive_visit1_date(adsl: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    visits = visit_dates(ctx, ctx.param("sdtm.screening_visitnum"), "VISIT1DT")
    return derive_vars_merged(adsl, visits, by_vars=["USUBJID"], dataset_add_name="SV")


@REGISTRY.implements("MT.ADSL.TRTSDT", ("TRTSDT",))
def derive_first_exposure(adsl: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    visits = visit_dates(ctx, ctx.param("sdtm.first_dose_visitnum"), "TRTSDT")
    return derive_vars_merged(adsl, visits, by_vars=["USUBJID"], dataset_add_name="SV")


@REGISTRY.implements("MT.ADSL.RFENDT", ("RFENDT",))
def derive_reference_end(adsl: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    return derive_vars_dt(adsl, new_vars_prefix="RFEN", dtc="RFENDTC", dataset_name="DM")


@REGISTRY.implements("MT.ADSL.DCDECOD", ("DCDECOD",))
def derive_disposition(adsl: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    return derive_vars_merged(adsl, disposition_event(ctx), by_vars=["USUBJID"],
                              new_vars={"DCDECOD": "DSDECOD"}, dataset_add_name="DS")


@REGISTRY.implements("MT.ADSL.DCREASCD", ("DCREASCD",))
def derive_discontinuation_reason(adsl: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    """DCREASCD: the DSTERM grouping when the term is listed, else the DSDECOD grouping."""
    reasons = ctx.param("discontinuation_reasons")
    events = disposition_event(ctx)
    events = events.loc[events["USUBJID"].isin(adsl["USUBJID"])].reset_index(drop=True)
    by_term = events["DSTERM"].str.upper().map(
        {str(k).upper(): v for k, v in (reasons.get("by_term") or {}).items()})
    by_decod = events["DSDECOD"].str.upper().map(
        {str(k).upper(): v for k, v in reasons["by_decod"].items()})
    events = events.assign(REASON=by_term.fillna(by_decod).to_numpy(dtype=object))
    unmapped = events["DSDECOD"].notna() & events["REASON"].isna()
    if unmapped.any():
        raise InputError([
            Problem(f"DSDECOD {row.DSDECOD!r} has no DCREASCD grouping in study.yaml "
                    "analysis.discontinuation_reasons", dataset="DS", variable="DSDECOD",
                    record=f"USUBJID={row.USUBJID}, DSSEQ={row.DSSEQ:g}")
            for row in events.loc[unmapped].itertuples()])
    return derive_vars_merged(adsl, events, by_vars=["USUBJID"], new_vars={"DCREASCD": "REASON"},
                              dataset_add_name="DS")


@REGISTRY.implements("MT.ADSL.DISCONFL", ("DISCONFL",))
def derive_discontinued_flag(adsl: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    completed = ctx.param("discontinuation_reasons.completed")
    stopped = adsl["DCREASCD"].notna() & (adsl["DCREASCD"] != completed).fillna(False)
    return adsl.assign(DISCONFL=np.where(stopped, "Y", None))


@REGISTRY.implements("MT.ADSL.DSRAEFL", ("DSRAEFL",))
def derive_discontinued_for_ae_flag(adsl: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    for_ae = (adsl["DCREASCD"] == ctx.param("discontinuation_reasons.adverse_event")).fillna(False)
    return adsl.assign(DSRAEFL=np.where(for_ae, "Y", None))


@REGISTRY.implements("MT.ADSL.VISNUMEN", ("VISNUMEN",))
def derive_end_of_treatment_visit(adsl: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    mapping = {float(k): float(v) for k, v in ctx.param("end_of_treatment_visit_map").items()}
    events = disposition_event(ctx)
    visit = pd.to_numeric(events["VISITNUM"], errors="coerce")
    events = events.assign(VISNUMEN=visit.map(mapping).fillna(visit).to_numpy(dtype=float))
    return derive_vars_merged(adsl, events, by_vars=["USUBJID"], new_vars=["VISNUMEN"],
                              dataset_add_name="DS")


@REGISTRY.implements("MT.ADSL.TRTEDT", ("TRTEDT",))
def derive_last_exposure(adsl: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    """EXENDTC of the last EX record (by EXSTDTC, EXSEQ); when it is missing and the subject's
    disposition event is after the first-dose visit, the disposition date."""
    ex = ctx.domain("EX")
    ex = derive_vars_dt(ex, new_vars_prefix="EXST", dtc="EXSTDTC", dataset_name="EX")
    ex = derive_vars_dt(ex, new_vars_prefix="EXEN", dtc="EXENDTC", dataset_name="EX")
    last = derive_vars_merged(adsl[["USUBJID"]], ex, by_vars=["USUBJID"],
                              new_vars={"LASTEXEN": "EXENDT"}, order=["EXSTDT", "EXSEQ"],
                              mode="last", dataset_add_name="EX")
    last = derive_vars_merged(last, disposition_event(ctx), by_vars=["USUBJID"],
                              new_vars={"DISCDT": "DSSTDT", "DISCVIS": "VISITNUM"},
                              dataset_add_name="DS")
    after_first_dose = (pd.to_numeric(last["DISCVIS"], errors="coerce")
                        > float(ctx.param("sdtm.first_dose_visitnum"))).to_numpy(dtype=bool)
    fallback = np.where(after_first_dose, last["DISCDT"].to_numpy(dtype=float), np.nan)
    return adsl.assign(TRTEDT=np.where(last["LASTEXEN"].notna(),
                                       last["LASTEXEN"].to_numpy(dtype=float), fallback))


@REGISTRY.implements("MT.ADSL.TRTDUR", ("TRTDUR",))
def derive_treatment_duration(adsl: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    return derive_vars_duration(adsl, new_var="TRTDUR", start_date="TRTSDT", end_date="TRTEDT")


@REGISTRY.implements("MT.ADSL.CUMDOSE", ("CUMDOSE",))
def derive_cumulative_dose(adsl: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    """TRT01PN * TRTDUR, or for a titrated treatment the sum over its dosing intervals."""
    cumdose = adsl["TRT01PN"].to_numpy(dtype=float) * adsl["TRTDUR"].to_numpy(dtype=float)
    for treatment, plan in (ctx.param("titrated_dosing", {}) or {}).items():
        ends = [f"_END{k}" for k in range(len(plan["interval_end_visits"]))]
        frame = adsl[["USUBJID", "TRTSDT", "TRTEDT"]]
        for name, visit in zip(ends, plan["interval_end_visits"]):
            frame = derive_vars_merged(frame, visit_dates(ctx, visit, name), by_vars=["USUBJID"],
                                       dataset_add_name="SV")
        dosed = derive_var_interval_dose(frame, "CUMDOSE", interval_ends=ends,
                                         doses=[float(d) for d in plan["interval_doses"]])
        titrated = (adsl["TRT01P"] == treatment).fillna(False).to_numpy(dtype=bool)
        cumdose = np.where(titrated, dosed["CUMDOSE"].to_numpy(dtype=float), cumdose)
    return adsl.assign(CUMDOSE=cumdose)


@REGISTRY.implements("MT.ADSL.AVGDD", ("AVGDD",))
def derive_average_daily_dose(adsl: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    average = adsl["CUMDOSE"].astype("float64") / adsl["TRTDUR"].astype("float64")
    return adsl.assign(AVGDD=_rounded(average, ctx, "AVGDD"))


@REGISTRY.implements("MT.ADSL.SAFFL", ("SAFFL",))
def derive_safety_flag(adsl: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    safe = (adsl["ITTFL"] == "Y").fillna(False) & adsl["TRTSDT"].notna()
    return adsl.assign(SAFFL=np.where(safe, "Y", "N"))


def _completer_flag(flag: str):
    """The implementation of COMPxxFL for the visit ``completers.<flag>`` of study.yaml."""

    def derive(adsl: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
        visits = visit_dates(ctx, ctx.param(f"completers.{flag}"), "_VISDT")
        dated = derive_vars_merged(adsl[["USUBJID", "RFENDT"]], visits, by_vars=["USUBJID"],
                                   dataset_add_name="SV")
        done = (dated["_VISDT"].notna() & (dated["RFENDT"] >= dated["_VISDT"]).fillna(False))
        return adsl.assign(**{flag: np.where(done.to_numpy(dtype=bool), "Y", "N")})

    derive.__name__ = f"derive_{flag.lower()}"
    return derive


for _flag in ("COMP8FL", "COMP16FL", "COMP24FL"):
    REGISTRY.register(f"MT.ADSL.{_flag}", (_flag,), _completer_flag(_flag))


@REGISTRY.implements("MT.ADSL.EDUCLVL", ("EDUCLVL",))
def derive_education(adsl: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    sc = ctx.domain("SC")
    sc = sc.loc[sc["SCTESTCD"] == ctx.param("sdtm.education_testcd")]
    return derive_vars_merged(adsl, sc, by_vars=["USUBJID"], new_vars={"EDUCLVL": "SCSTRESN"},
                              order=["SCSEQ"], mode="first", dataset_add_name="SC")


@REGISTRY.implements("MT.ADSL.DISONSDT", ("DISONSDT",))
def derive_disease_onset(adsl: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    mh = ctx.domain("MH")
    mh = mh.loc[mh["MHCAT"] == ctx.param("sdtm.primary_diagnosis_category")]
    mh = derive_vars_dt(mh, new_vars_prefix="MHST", dtc="MHSTDTC", dataset_name="MH")
    return derive_vars_merged(adsl, mh, by_vars=["USUBJID"], new_vars={"DISONSDT": "MHSTDT"},
                              order=["MHSTDT", "MHSEQ"], mode="first", dataset_add_name="MH")


@REGISTRY.implements("MT.ADSL.DURDIS", ("DURDIS",))
def derive_disease_duration(adsl: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    out = derive_vars_duration(adsl, new_var="DURDIS", start_date="DISONSDT",
                               end_date="VISIT1DT", out_unit="months", add_one=True)
    return out.assign(DURDIS=_rounded(out["DURDIS"], ctx, "DURDIS"))


@REGISTRY.implements("MT.ADSL.DURDSGR1", ("DURDSGR1",))
def derive_disease_duration_group(adsl: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    return derive_var_category(adsl, "DURDSGR1",
                               conditions=category_rules(ctx, "disease_duration_groups"))


#: The order of the steps; each is one registered method.
STEPS = (
    "MT.ADSL.ITTFL", "MT.ADSL.TRT01PN", "MT.ADSL.TRT01A", "MT.ADSL.TRT01AN", "MT.ADSL.AGEGR1N",
    "MT.ADSL.AGEGR1", "MT.ADSL.RACEN", "MT.ADSL.SITEGR1", "MT.ADSL.VISIT1DT", "MT.ADSL.TRTSDT",
    "MT.ADSL.RFENDT", "MT.ADSL.DCDECOD", "MT.ADSL.DCREASCD", "MT.ADSL.DISCONFL",
    "MT.ADSL.DSRAEFL", "MT.ADSL.VISNUMEN", "MT.ADSL.TRTEDT", "MT.ADSL.TRTDUR", "MT.ADSL.CUMDOSE",
    "MT.ADSL.AVGDD", "MT.ADSL.SAFFL", "MT.ADSL.COMP8FL", "MT.ADSL.COMP16FL", "MT.ADSL.COMP24FL",
    "MT.ADSL.EDUCLVL", "MT.ADSL.DISONSDT", "MT.ADSL.DURDIS", "MT.ADSL.DURDSGR1",
)


def build(ctx: BuildContext) -> pd.DataFrame:
    """ADSL: DM subjects assigned to an arm, with every ADSL derivation applied in order."""
    dm = ctx.domain("DM")
    assigned = dm.loc[~_unassigned(dm["ARMCD"], ctx)].reset_index(drop=True)
    if assigned["USUBJID"].duplicated().any():
        dup = assigned.loc[assigned["USUBJID"].duplicated(), "USUBJID"].iloc[0]
        raise InputError(Problem("DM has more than one record for a subject", dataset="DM",
                                 variable="USUBJID", record=str(dup)))
    adsl = copy_predecessors(assigned[["USUBJID", *DM_HELPERS]], ctx.spec.dataset(DATASET),
                             {"DM": dm})
    for method_id in STEPS:
        adsl = REGISTRY.run(method_id, adsl, ctx)
    return adsl.drop(columns=list(DM_HELPERS))
