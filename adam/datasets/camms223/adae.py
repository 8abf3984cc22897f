"""ADAE of CAMMS223: one record per adverse event of a randomized subject (OCCDS).

AE records with analysis dates (imputed and flagged), relative days, duration, the
treatment-emergent flag, the analysis year and alemtuzumab course of onset, days since the
last infusion, the infusion-associated reaction flag, the AEs of special interest as
customized queries, severity / seriousness flags and first-occurrence flags.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from adam.datasets.camms223.common import alemtuzumab_exposure
from adam.datasets.camms223.registry import REGISTRY
from adam.derive import (derive_var_course, derive_var_extreme_flag, derive_var_period,
                         derive_var_trtemfl, derive_vars_dt, derive_vars_duration, derive_vars_dy,
                         derive_vars_merged)
from adam.engine import BuildContext

DATASET = "ADAE"
#: ADSL variables the derivations read but ADAE does not keep.
ADSL_HELPERS = ("TRTSDT", "TRTEDT", "DCUTDT", "DTHDT")


@REGISTRY.implements("MT.ADAE.AENDT", ("AENDT", "AENDTF"))
def derive_end_date(adae: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    return derive_vars_dt(adae, new_vars_prefix="AEN", dtc="AEENDTC", highest_imputation="M",
                          date_imputation="last", max_dates=["DTHDT", "DCUTDT"],
                          dataset_name="AE")


@REGISTRY.implements("MT.ADAE.ASTDT", ("ASTDT", "ASTDTF"))
def derive_start_date(adae: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    return derive_vars_dt(adae, new_vars_prefix="AST", dtc="AESTDTC", highest_imputation="M",
                          date_imputation="first", min_dates=["TRTSDT"], max_dates=["AENDT"],
                          dataset_name="AE")


@REGISTRY.implements("MT.ADAE.ADY", ("ASTDY", "AENDY"))
def derive_relative_days(adae: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    return derive_vars_dy(adae, reference_date="TRTSDT", source_vars=("ASTDT", "AENDT"))


@REGISTRY.implements("MT.ADAE.ADURN", ("ADURN", "ADURU"))
def derive_duration(adae: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    out = derive_vars_duration(adae, new_var="ADURN", start_date="ASTDT", end_date="AENDT",
                               out_unit="days", add_one=True)
    return out.assign(ADURU=np.where(out["ADURN"].notna(), "DAYS", None))


@REGISTRY.implements("MT.ADAE.TRTEMFL", ("TRTEMFL",))
def derive_treatment_emergent(adae: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    return derive_var_trtemfl(adae, start_date="ASTDT", end_date="AENDT", trt_start_date="TRTSDT")


@REGISTRY.implements("MT.ADAE.AYEAR", ("AYEAR",))
def derive_analysis_year(adae: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    return derive_var_period(adae, new_var="AYEAR", start_date="TRTSDT", date="ASTDT",
                             length_days=ctx.param("year_length_days"))


@REGISTRY.implements("MT.ADAE.ACRSN", ("ACRSN", "DSLINF"))
def derive_course_of_onset(adae: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    return derive_var_course(adae, alemtuzumab_exposure(ctx), date="ASTDT",
                             exposure_date="EXSTDT", course_id="EXGRPID", new_var="ACRSN",
                             days_since_var="DSLINF")


@REGISTRY.implements("MT.ADAE.IARFL", ("IARFL",))
def derive_infusion_reaction_flag(adae: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    days = adae["DSLINF"]
    within = (days >= 0) & (days <= ctx.param("iar_window_days"))
    return adae.assign(IARFL=np.where(within, "Y", None))


CQ_VARS = tuple(f"CQ{n:02d}NAM" for n in range(1, 8))


@REGISTRY.implements("MT.ADAE.CQ", CQ_VARS)
def derive_special_interest_queries(adae: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    """CQnnNAM = the query name where every variable of the query's ``match`` has a listed value."""
    new = {}
    for query in ctx.param("aesi"):
        hit = np.ones(len(adae), dtype=bool)
        for variable, values in query["match"].items():
            hit &= adae[variable].isin([str(v) for v in values]).to_numpy()
        new[f"CQ{int(query['number']):02d}NAM"] = np.where(hit, query["name"], None)
    missing = [v for v in CQ_VARS if v not in new]
    new.update({v: np.full(len(adae), None) for v in missing})
    return adae.assign(**new)


@REGISTRY.implements("MT.ADAE.ASEVFL", ("ASEVFL",))
def derive_severe_flag(adae: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    return adae.assign(ASEVFL=np.where(adae["AESEV"] == "SEVERE", "Y", None))


@REGISTRY.implements("MT.ADAE.ASERFL", ("ASERFL",))
def derive_serious_flag(adae: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    return adae.assign(ASERFL=np.where(adae["AESER"] == "Y", "Y", None))


#: integer codes of the subject, SOC and PT, added once by build() for the six first-occurrence
#: flags (grouping on integers instead of text); not kept in ADAE
CODE_VARS = {"USUBJID": "_SUBJN", "AEBODSYS": "_SOCN", "AEDECOD": "_PTN"}


def _first_occurrence_flags(adae: pd.DataFrame, by: list[str], names: tuple[str, str, str]
                            ) -> pd.DataFrame:
    """First TEAE per subject, per SOC and per SOC/PT within ``by`` (ordered by ASTDT, AESEQ)."""
    out = adae
    subj, soc, pt = CODE_VARS.values()
    levels = ([], [soc], [soc, pt])
    teae = (adae["TRTEMFL"] == "Y").to_numpy()
    for name, level in zip(names, levels):
        out = derive_var_extreme_flag(out, by_vars=[subj, *by, *level],
                                      order=["ASTDT", "AESEQ"], new_var=name, mode="first",
                                      filter=teae)
    return out


@REGISTRY.implements("MT.ADAE.AOCC", ("AOCCFL", "AOCCSFL", "AOCCPFL"))
def derive_first_occurrence(adae: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    return _first_occurrence_flags(adae, [], ("AOCCFL", "AOCCSFL", "AOCCPFL"))


@REGISTRY.implements("MT.ADAE.AOCCY", ("AOCCYFL", "AOCSYFL", "AOCPYFL"))
def derive_first_occurrence_in_year(adae: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    with_year = adae.assign(_YEAR=adae["AYEAR"].fillna(-1.0))
    out = _first_occurrence_flags(with_year, ["_YEAR"], ("AOCCYFL", "AOCSYFL", "AOCPYFL"))
    no_year = adae["AYEAR"].isna().to_numpy()
    flags = {v: out[v].where(~no_year) for v in ("AOCCYFL", "AOCSYFL", "AOCPYFL")}
    return out.drop(columns="_YEAR").assign(**flags)


STEPS = ("MT.ADAE.AENDT", "MT.ADAE.ASTDT", "MT.ADAE.ADY", "MT.ADAE.ADURN", "MT.ADAE.TRTEMFL",
         "MT.ADAE.AYEAR", "MT.ADAE.ACRSN", "MT.ADAE.IARFL", "MT.ADAE.CQ", "MT.ADAE.ASEVFL",
         "MT.ADAE.ASERFL", "MT.ADAE.AOCC", "MT.ADAE.AOCCY")


def build(ctx: BuildContext) -> pd.DataFrame:
    """ADAE: AE records of ADSL subjects with ADSL dates and every ADAE derivation in order."""
    ae = ctx.domain("AE")
    adsl = ctx.adam["ADSL"]
    adae = ae.loc[ae["USUBJID"].isin(adsl["USUBJID"])].reset_index(drop=True)
    adae = derive_vars_merged(adae, adsl, by_vars=["USUBJID"], new_vars=list(ADSL_HELPERS),
                              dataset_add_name="ADSL")
    adae = adae.assign(**{code: pd.factorize(adae[var], use_na_sentinel=False)[0]
                          for var, code in CODE_VARS.items()})
    for method_id in STEPS:
        adae = REGISTRY.run(method_id, adae, ctx)
    keep = set(ctx.spec.dataset(DATASET).variable_names) | {"USUBJID", "AESEQ"}
    return adae[[c for c in adae.columns if c in keep]]
