"""ADAE of the CDISC pilot: one record per adverse event of an ADSL subject (OCCDS).

AE records with the ADSL treatment variables, analysis dates (start day imputed to the first
of the month, flagged), relative days, duration, the treatment-emergent flag, the
dermatologic-event customized query and the first-occurrence flags, as the pilot's define.xml
describes them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from adam.datasets.cdiscpilot.registry import REGISTRY
from adam.derive._checks import Filter
from adam.derive import (derive_var_exist_flag, derive_var_extreme_flag, derive_vars_dt,
                         derive_vars_duration, derive_vars_dy)
from adam.engine import BuildContext, copy_predecessors
from adam.errors import InputError, Problem

DATASET = "ADAE"
#: AE variables the derivations read but ADAE does not keep.
AE_HELPERS = ("AESTDTC", "AEENDTC")


@REGISTRY.implements("MT.ADAE.ASTDT", ("ASTDT", "ASTDTF"))
def derive_start_date(adae: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    """AESTDTC as a date; a missing day is imputed as 01 (ASTDTF 'D'), a missing month is not."""
    return derive_vars_dt(adae, new_vars_prefix="AST", dtc="AESTDTC", highest_imputation="D",
                          date_imputation="first", dataset_name="AE")


@REGISTRY.implements("MT.ADAE.AENDT", ("AENDT",))
def derive_end_date(adae: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    return derive_vars_dt(adae, new_vars_prefix="AEN", dtc="AEENDTC", dataset_name="AE")


@REGISTRY.implements("MT.ADAE.ASTDY", ("ASTDY",))
def derive_start_day(adae: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    return derive_vars_dy(adae, reference_date="TRTSDT", source_vars={"ASTDY": "ASTDT"})


@REGISTRY.implements("MT.ADAE.AENDY", ("AENDY",))
def derive_end_day(adae: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    return derive_vars_dy(adae, reference_date="TRTSDT", source_vars={"AENDY": "AENDT"})


@REGISTRY.implements("MT.ADAE.ADURN", ("ADURN",))
def derive_duration(adae: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    return derive_vars_duration(adae, new_var="ADURN", start_date="ASTDT", end_date="AENDT",
                                add_one=True)


@REGISTRY.implements("MT.ADAE.ADURU", ("ADURU",))
def derive_duration_unit(adae: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    unit = ctx.param("adae.duration_unit")
    return adae.assign(ADURU=np.where(adae["ADURN"].notna(), unit, None))


@REGISTRY.implements("MT.ADAE.TRTEMFL", ("TRTEMFL",))
def derive_treatment_emergent(adae: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    """'Y' when ASTDT >= TRTSDT (both present); otherwise ``adae.trtemfl_false_value``."""
    return derive_var_exist_flag(adae, "TRTEMFL", condition="ASTDT >= TRTSDT",
                                 false_value=ctx.param("adae.trtemfl_false_value"))


def _query_hits(adae: pd.DataFrame, query: dict) -> np.ndarray:
    """AEDECOD contains one of ``decod_contains``, or AEBODSYS is one of ``bodsys`` and AEDECOD is
    not one of ``decod_excluded`` - compared in upper case, so mixed-case terms match."""
    decod = adae["AEDECOD"].str.upper()
    bodsys = adae["AEBODSYS"].str.upper()
    contains = np.zeros(len(adae), dtype=bool)
    for term in query.get("decod_contains") or []:
        contains |= decod.str.contains(str(term).upper(), regex=False).fillna(False).to_numpy(bool)
    in_soc = bodsys.isin([str(s).upper() for s in query.get("bodsys") or []]).to_numpy(bool)
    excluded = decod.isin([str(s).upper() for s in query.get("decod_excluded") or []])
    return contains | (in_soc & ~excluded.to_numpy(bool))


def _query_number(query: dict) -> int:
    try:
        return int(query["number"])
    except (KeyError, TypeError, ValueError):
        raise InputError(Problem(f"customized query {query!r} needs a number",
                                 file="study.yaml")) from None


@REGISTRY.implements("MT.ADAE.CQ01NAM", ("CQ01NAM",))
def derive_dermatologic_query(adae: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    query = next((q for q in ctx.param("customized_queries") if _query_number(q) == 1), None)
    if query is None:
        raise InputError(Problem("analysis.customized_queries has no query number 1 (CQ01NAM)",
                                 file="study.yaml"))
    return adae.assign(CQ01NAM=np.where(_query_hits(adae, query), query["name"], None))


#: First-occurrence flags: (method id, flag, extra grouping, candidate records).
FIRST_OCCURRENCE = (
    ("MT.ADAE.AOCCFL", "AOCCFL", [], "TRTEMFL == 'Y'"),
    ("MT.ADAE.AOCCSFL", "AOCCSFL", ["AEBODSYS"], "TRTEMFL == 'Y'"),
    ("MT.ADAE.AOCCPFL", "AOCCPFL", ["AEBODSYS", "AEDECOD"], "TRTEMFL == 'Y'"),
    ("MT.ADAE.AOCC02FL", "AOCC02FL", [], "TRTEMFL == 'Y' and AESER == 'Y'"),
    ("MT.ADAE.AOCC03FL", "AOCC03FL", ["AEBODSYS"], "TRTEMFL == 'Y' and AESER == 'Y'"),
    ("MT.ADAE.AOCC04FL", "AOCC04FL", ["AEBODSYS", "AEDECOD"], "TRTEMFL == 'Y' and AESER == 'Y'"),
    ("MT.ADAE.AOCC01FL", "AOCC01FL", [],
     lambda d: (d["TRTEMFL"] == "Y").fillna(False) & d["CQ01NAM"].notna()),
)


def _first_occurrence(flag: str, level: list[str], candidates: Filter):
    """Flag the first candidate record per subject (and ``level``) by ASTDT, then AESEQ."""

    def derive(adae: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
        return derive_var_extreme_flag(adae, by_vars=["USUBJID", *level], order=["ASTDT", "AESEQ"],
                                       new_var=flag, mode="first", filter=candidates)

    derive.__name__ = f"derive_{flag.lower()}"
    return derive


for _method, _flag, _level, _candidates in FIRST_OCCURRENCE:
    REGISTRY.register(_method, (_flag,), _first_occurrence(_flag, _level, _candidates))


STEPS = ("MT.ADAE.ASTDT", "MT.ADAE.AENDT", "MT.ADAE.ASTDY", "MT.ADAE.AENDY", "MT.ADAE.ADURN",
         "MT.ADAE.ADURU", "MT.ADAE.TRTEMFL", "MT.ADAE.CQ01NAM",
         *(method for method, *_ in FIRST_OCCURRENCE))


def build(ctx: BuildContext) -> pd.DataFrame:
    """ADAE: AE records of ADSL subjects with their predecessors and every ADAE derivation."""
    ae = ctx.domain("AE")
    adsl = ctx.adam["ADSL"]
    adae = ae.loc[ae["USUBJID"].isin(adsl["USUBJID"]), ["USUBJID", "AESEQ", *AE_HELPERS]]
    outside = ~ae["USUBJID"].isin(adsl["USUBJID"])
    if outside.any():
        ctx.warn(f"{int(outside.sum())} AE record(s) of subjects not in ADSL are not analysed",
                 dataset="AE", record=str(ae.loc[outside, "USUBJID"].iloc[0]))
    adae = copy_predecessors(adae.reset_index(drop=True), ctx.spec.dataset(DATASET),
                             {"AE": ae, "ADSL": adsl})
    for method_id in STEPS:
        adae = REGISTRY.run(method_id, adae, ctx)
    return adae.drop(columns=list(AE_HELPERS))
