"""SDTM selections shared by the CDISC pilot datasets: visit dates, the disposition event,
codelists and category rules of the spec.

The SDTM codes they select on (visit numbers, categories) are analysis parameters in
specs/cdiscpilot/study.yaml (``sdtm:``), not literals in code.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from adam.derive import derive_vars_dt, derive_vars_merged
from adam.engine import BuildContext
from adam.errors import InputError, Problem
from adam.spec.model import Codelist


def codelist_of(ctx: BuildContext, dataset: str, variable: str) -> Codelist:
    """The spec codelist of ``dataset.variable`` (an InputError when it has none)."""
    var = ctx.spec.dataset(dataset).variable(variable)
    if not var.codelist:
        raise InputError(Problem("the derivation needs a codelist on this variable",
                                 dataset=dataset, variable=variable))
    return ctx.spec.codelist(var.codelist)


def category_rules(ctx: BuildContext, name: str) -> list[tuple[Any, str]]:
    """``[(value, condition), ...]`` of the analysis parameter ``name`` for derive_var_category."""
    rules = ctx.param(name)
    if not isinstance(rules, list) or not all(isinstance(r, list) and len(r) == 2 for r in rules):
        raise InputError(Problem(f"analysis parameter '{name}' must be a list of [value, condition]",
                                 file="study.yaml"))
    return [(value, str(condition)) for value, condition in rules]


def visit_dates(ctx: BuildContext, visitnum: float, new_var: str) -> pd.DataFrame:
    """``(USUBJID, new_var)``: the start date of visit ``visitnum`` (SV.SVSTDTC) per subject.

    The date part of SVSTDTC is used; a partial date gives no visit date. Should a subject
    have the visit twice, the earlier date is taken.
    """
    sv = ctx.domain("SV")
    sv = sv.loc[pd.to_numeric(sv["VISITNUM"], errors="coerce") == float(visitnum)]
    sv = derive_vars_dt(sv, new_vars_prefix="SVST", dtc="SVSTDTC", dataset_name="SV")
    subjects = pd.DataFrame({"USUBJID": sv["USUBJID"].drop_duplicates().to_numpy()})
    return derive_vars_merged(subjects, sv, by_vars=["USUBJID"], new_vars={new_var: "SVSTDT"},
                              order=["SVSTDT"], mode="first", dataset_add_name="SV")


def disposition_event(ctx: BuildContext) -> pd.DataFrame:
    """The disposition event of each subject (DS, DSCAT = ``sdtm.disposition_category``).

    Columns USUBJID, DSSEQ, DSDECOD, DSTERM, VISITNUM, DSSTDTC and the date DSSTDT. A subject
    with several disposition events keeps the last one (by DSSTDT, then DSSEQ).
    """
    ds = ctx.domain("DS")
    ds = ds.loc[ds["DSCAT"] == ctx.param("sdtm.disposition_category")]
    ds = derive_vars_dt(ds, new_vars_prefix="DSST", dtc="DSSTDTC", dataset_name="DS")
    columns = ["DSSEQ", "DSDECOD", "DSTERM", "VISITNUM", "DSSTDTC", "DSSTDT"]
    subjects = pd.DataFrame({"USUBJID": ds["USUBJID"].drop_duplicates().to_numpy()})
    return derive_vars_merged(subjects, ds, by_vars=["USUBJID"], new_vars=columns,
                              order=["DSSTDT", "DSSEQ"], mode="last", dataset_add_name="DS")
