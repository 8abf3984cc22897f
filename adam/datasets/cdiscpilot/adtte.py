"""ADTTE of the CDISC pilot: time to the first treatment-emergent dermatologic event (TTDE).

One record per subject of the population (``tte.population``, SAFFL = 'Y'): the event is the
subject's first treatment-emergent AE of customized query 01 (ADAE.AOCC01FL = 'Y', dated
ASTDT); a subject without one is censored at the end of study (ADSL.RFENDT). The event and
censoring rules are data (:class:`adam.derive.EventSource` / :class:`CensorSource`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from adam.datasets.cdiscpilot.registry import REGISTRY
from adam.derive import (CensorSource, Col, EventSource, derive_param_tte, derive_vars_aval_tte,
                         derive_vars_dt, derive_vars_merged)
from adam.derive._checks import evaluate_filter
from adam.engine import BuildContext

DATASET = "ADTTE"
#: ADSL variables the derivations read but ADTTE does not keep.
ADSL_HELPERS = ("RFSTDTC",)
TTE_VARS = ("ADT", "CNSR", "EVNTDESC", "SRCDOM", "SRCVAR", "SRCSEQ")


@REGISTRY.implements("MT.ADTTE.STARTDT", ("STARTDT",))
def derive_origin(adtte: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    return derive_vars_dt(adtte, new_vars_prefix="START", dtc="RFSTDTC", dataset_name="ADSL")


@REGISTRY.implements("MT.ADTTE.ADT", TTE_VARS)
def derive_event_or_censoring(adtte: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    """ADT, CNSR and the description/source of the first dermatologic TEAE, else of RFENDT."""
    adsl = ctx.adam["ADSL"]
    event = EventSource(
        dataset_name="ADAE", filter="AOCC01FL == 'Y'", date="ASTDT",
        set_values_to={"EVNTDESC": ctx.param("tte.event_description"), "SRCDOM": "ADAE",
                       "SRCVAR": "ASTDT", "SRCSEQ": Col("AESEQ")})
    censor = CensorSource(
        dataset_name="ADSL", date="RFENDT", censor=1,
        set_values_to={"EVNTDESC": ctx.param("tte.censor_description"), "SRCDOM": "ADSL",
                       "SRCVAR": "RFENDT", "SRCSEQ": np.nan})
    tte = derive_param_tte(adtte[["USUBJID", "STARTDT"]], {"ADAE": ctx.adam["ADAE"], "ADSL": adsl},
                           event_conditions=[event], censor_conditions=[censor],
                           start_date="STARTDT")
    return derive_vars_merged(adtte, tte, by_vars=["USUBJID"], new_vars=list(TTE_VARS),
                              dataset_add_name="time-to-event records")


@REGISTRY.implements("MT.ADTTE.AVAL", ("AVAL",))
def derive_analysis_value(adtte: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    return derive_vars_aval_tte(adtte, start_date="STARTDT", end_date="ADT")


@REGISTRY.implements("MT.ADTTE.PARAMCD", ("PARAMCD",))
def derive_parameter_code(adtte: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    return adtte.assign(PARAMCD=ctx.param("tte.paramcd"))


@REGISTRY.implements("MT.ADTTE.PARAM", ("PARAM",))
def derive_parameter(adtte: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    return adtte.assign(PARAM=ctx.param("tte.param"))


STEPS = ("MT.ADTTE.PARAMCD", "MT.ADTTE.PARAM", "MT.ADTTE.STARTDT", "MT.ADTTE.ADT",
         "MT.ADTTE.AVAL")


def build(ctx: BuildContext) -> pd.DataFrame:
    """ADTTE: one TTDE record per subject of the population, ADSL variables copied by the engine."""
    adsl = ctx.adam["ADSL"]
    population = adsl.loc[evaluate_filter(adsl, ctx.param("tte.population"), "tte.population",
                                          "ADTTE population")]
    adtte = population[["USUBJID", *ADSL_HELPERS]].reset_index(drop=True)
    for method_id in STEPS:
        adtte = REGISTRY.run(method_id, adtte, ctx)
    return adtte.drop(columns=list(ADSL_HELPERS))
