"""SDTM selections shared by the CAMMS223 datasets: which records are EDSS scores, relapses,
alemtuzumab infusions, and the treatment names of the arms.

The SDTM codes they select on (test codes, dictionary terms, categories) are analysis
parameters in specs/camms223/study.yaml (``sdtm:``), not literals in code.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from adam.derive import derive_vars_dt
from adam.engine import BuildContext
from adam.errors import InputError, Problem


def treatment_of_arm(armcd: pd.Series, ctx: BuildContext) -> tuple[np.ndarray, np.ndarray]:
    """Treatment name and number for each arm code (``treatments`` parameter); null otherwise."""
    treatments: dict[str, list] = ctx.param("treatments")
    numbers = {arm: float(number) for arm, (number, _) in treatments.items()}
    names = {arm: name for arm, (_, name) in treatments.items()}
    return (armcd.map(names).to_numpy(dtype=object), armcd.map(numbers).to_numpy(dtype=float))


def data_cutoff(ctx: BuildContext) -> float:
    """The data cut-off date (SAS date) from TS, parameter ``sdtm.cutoff_parmcd``."""
    ts = ctx.domain("TS")
    code = ctx.param("sdtm.cutoff_parmcd")
    rows = ts.loc[ts["TSPARMCD"] == code]
    if len(rows) != 1:
        raise InputError(Problem(f"expected one TS record with TSPARMCD = {code}, found {len(rows)}",
                                 dataset="TS", variable="TSPARMCD"))
    parsed = derive_vars_dt(rows[["TSVAL"]], new_vars_prefix="CUT", dtc="TSVAL", dataset_name="TS")
    return float(parsed["CUTDT"].iloc[0])


def alemtuzumab_exposure(ctx: BuildContext) -> pd.DataFrame:
    """Alemtuzumab infusion records of EX (dose given) with the infusion date EXSTDT."""
    ex = ctx.domain("EX")
    ex = ex.loc[(ex["EXTRT"] == ctx.param("sdtm.course_treatment")) & (ex["EXDOSE"] > 0)]
    ex = derive_vars_dt(ex, new_vars_prefix="EXST", dtc="EXSTDTC", dataset_name="EX")
    return ex.loc[ex["EXSTDT"].notna()]


def edss_assessments(ctx: BuildContext) -> pd.DataFrame:
    """EDSS total scores of RS as (USUBJID, RSSEQ, ADT, AVAL) records with a complete date."""
    rs = ctx.domain("RS")
    rs = rs.loc[rs["RSTESTCD"] == ctx.param("sdtm.edss_testcd")]
    rs = derive_vars_dt(rs, new_vars_prefix="A", dtc="RSDTC", dataset_name="RS")
    aval = pd.to_numeric(rs["RSSTRESN"], errors="coerce") if "RSSTRESN" in rs else \
        pd.to_numeric(rs["RSSTRESC"], errors="coerce")
    out = pd.DataFrame({"USUBJID": rs["USUBJID"].to_numpy(), "RSSEQ": rs["RSSEQ"].to_numpy(),
                        "ADT": rs["ADT"].to_numpy(), "AVAL": aval.to_numpy(dtype=float)})
    return out.loc[out["ADT"].notna() & out["AVAL"].notna()].reset_index(drop=True)


def relapse_onsets(ctx: BuildContext, include_history: bool = False) -> pd.DataFrame:
    """Relapse onset dates (USUBJID, ONSETDT) from CE, and from MH history when asked.

    Partial onset dates are imputed to the first day of the period (day, then month); a relapse
    with no onset year is not counted.
    """
    frames = []
    ce = ctx.domain("CE")
    ce = ce.loc[ce["CEDECOD"] == ctx.param("sdtm.relapse_decod")]
    ce = derive_vars_dt(ce, new_vars_prefix="ONSET", dtc="CESTDTC", highest_imputation="M",
                        dataset_name="CE")
    frames.append(ce[["USUBJID", "ONSETDT"]])
    if include_history and "MH" in ctx.sdtm:
        mh = ctx.sdtm["MH"]
        mh = mh.loc[mh["MHDECOD"] == ctx.param("sdtm.relapse_history_decod")]
        mh = derive_vars_dt(mh, new_vars_prefix="ONSET", dtc="MHSTDTC", highest_imputation="M",
                            dataset_name="MH")
        frames.append(mh[["USUBJID", "ONSETDT"]])
    onsets = pd.concat(frames, ignore_index=True)
    return onsets.loc[onsets["ONSETDT"].notna()].reset_index(drop=True)
