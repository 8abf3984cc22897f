"""ADTTE of CAMMS223: time to 6-month CDW, to 6-month CDI, from CDI to CDW, to loss of sustained
NEDA and to first relapse, over the 12-year analysis horizon.

Each parameter is a set of event and censoring sources fed to
:func:`adam.derive.derive_param_tte` (rules as data); the sources are the ADEDSS, ADRR and ADMRI
records of the same run, whose ASEQ becomes SRCSEQ.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from adam.datasets.camms223.registry import REGISTRY
from adam.derive import CensorSource, Col, EventSource, derive_param_tte, derive_vars_aval_tte
from adam.derive._keys import sorted_positions
from adam.engine import BuildContext

from .efficacy_common import adsl, dataset, decode, follow_up_end, horizon_days, param, post_cdi_start

DATASET = "ADTTE"
ORDER = ["CDW6", "CDI6", "CDWACDI", "NEDALOSS", "RLPS1"]
TTE_VARS = ["STARTDT", "ADT", "CNSR", "EVNTDESC", "CNSDTDSC", "SRCDOM", "SRCVAR", "SRCSEQ"]


@REGISTRY.implements("MT.ADTTE.ADT", [f"ADTTE.{v}" for v in TTE_VARS])
def tte_parameter(subjects: pd.DataFrame, paramcd: str, events: list[tuple[pd.DataFrame, str, str]],
                  censors: pd.DataFrame) -> pd.DataFrame:
    """One record per subject: the earliest event (each ``(frame, EVNTDESC, SRCDOM)`` with ADT and
    ASEQ, already restricted to the analysis horizon), else the subject's censoring record
    (``censors``: USUBJID, ADT, EVNTDESC, CNSDTDSC, SRCDOM, SRCVAR, SRCSEQ)."""
    sources = {"ADSL": subjects, "CENSOR": censors}
    event_sources = []
    for i, (frame, desc, dom) in enumerate(events):
        name = f"EVENT{i}"
        sources[name] = frame
        event_sources.append(EventSource(name, date="ADT", set_values_to={
            "EVNTDESC": desc, "CNSDTDSC": None, "SRCDOM": dom, "SRCVAR": "ADT", "SRCSEQ": Col("ASEQ")}))
    censor = CensorSource("CENSOR", date="ADT", censor=1, set_values_to={
        "EVNTDESC": Col("EVNTDESC"), "CNSDTDSC": Col("CNSDTDSC"), "SRCDOM": Col("SRCDOM"),
        "SRCVAR": Col("SRCVAR"), "SRCSEQ": Col("SRCSEQ")})
    out = derive_param_tte(subjects, sources, event_sources, [censor], start_date="STARTDT",
                           set_values_to={"PARAMCD": paramcd})
    return out[["USUBJID", "PARAMCD"] + TTE_VARS]


def _censor(usubjid, adt, desc, cnsdtdsc, dom, var, seq) -> pd.DataFrame:
    n = len(usubjid)
    return pd.DataFrame({"USUBJID": np.asarray(usubjid), "ADT": np.asarray(adt, dtype=float),
                         "EVNTDESC": np.broadcast_to(np.asarray(desc, dtype=object), n),
                         "CNSDTDSC": np.broadcast_to(np.asarray(cnsdtdsc, dtype=object), n),
                         "SRCDOM": np.broadcast_to(np.asarray(dom, dtype=object), n),
                         "SRCVAR": np.broadcast_to(np.asarray(var, dtype=object), n),
                         "SRCSEQ": np.broadcast_to(np.asarray(seq, dtype=float), n)})


def _last(frame: pd.DataFrame) -> pd.DataFrame:
    """The last record (by ADT, ASEQ) of each subject, in USUBJID order."""
    ordered = frame.iloc[sorted_positions(frame, ["USUBJID"], ["ADT", "ASEQ"])]
    subject = ordered["USUBJID"].to_numpy()
    return ordered.loc[np.r_[subject[1:] != subject[:-1], True]] if len(ordered) else ordered


def _with_horizon(frame: pd.DataFrame, subjects: pd.DataFrame) -> pd.DataFrame:
    """Records of ``subjects`` not after their horizon date (HORDT) and not before STARTDT, in
    the frame's order, with STARTDT and HORDT."""
    at = pd.Index(subjects["USUBJID"]).get_indexer(frame["USUBJID"])  # subjects: one record each
    found = at >= 0
    at = at[found]
    out = frame.loc[found].assign(STARTDT=subjects["STARTDT"].to_numpy(dtype=float)[at],
                                  HORDT=subjects["HORDT"].to_numpy(dtype=float)[at])
    return out.loc[(out["ADT"] <= out["HORDT"]) & (out["ADT"] >= out["STARTDT"])].reset_index(drop=True)


def _subjects(ctx: BuildContext, start: np.ndarray | None = None, mask=None) -> pd.DataFrame:
    frame = adsl(ctx)
    trt = frame["TRTSDT"].to_numpy(dtype=float)
    out = pd.DataFrame({"USUBJID": frame["USUBJID"].to_numpy(), "TRTSDT": trt,
                        "STARTDT": trt if start is None else start, "HORDT": trt + horizon_days(ctx)})
    keep = out["STARTDT"].notna().to_numpy().copy()
    if mask is not None:
        keep &= np.asarray(mask, dtype=bool)
    return out.loc[keep].reset_index(drop=True)


def _edss_censor(subjects: pd.DataFrame, assessed: pd.DataFrame, start_desc: str, start_var: str,
                 start_dom: str = "ADSL") -> pd.DataFrame:
    """Censor at the last analysed EDSS assessment in [STARTDT, horizon], else at STARTDT (source
    ``start_dom``.``start_var``)."""
    last = _last(_with_horizon(assessed, subjects))
    at_last = _censor(last["USUBJID"], last["ADT"], "LAST EDSS ASSESSMENT", "LAST EDSS ASSESSMENT",
                      "ADEDSS", "ADT", last["ASEQ"])
    none = subjects.loc[~subjects["USUBJID"].isin(last["USUBJID"])]
    at_start = _censor(none["USUBJID"], none["STARTDT"], start_desc, start_desc, start_dom, start_var, np.nan)
    return pd.concat([at_last, at_start], ignore_index=True)


def _edss(ctx: BuildContext) -> tuple[pd.DataFrame, pd.DataFrame]:
    ed = dataset(ctx, "ADEDSS")
    assessed = ed.loc[ed["CRIT1FL"].notna().to_numpy(), ["USUBJID", "ADT", "ASEQ"]]
    return ed, assessed


@REGISTRY.implements("MT.ADTTE.CDW6", ("ADTTE.ADT",))
def param_cdw6(ctx: BuildContext) -> pd.DataFrame:
    ed, assessed = _edss(ctx)
    subjects = _subjects(ctx)
    events = _with_horizon(ed.loc[(ed["CDWEVFL"] == "Y").to_numpy(), ["USUBJID", "ADT", "ASEQ"]], subjects)
    censors = _edss_censor(subjects, assessed, "NO POST-BASELINE EDSS ASSESSMENT", "TRTSDT")
    return tte_parameter(subjects, "CDW6", [(events, "6-MONTH CDW", "ADEDSS")], censors)


@REGISTRY.implements("MT.ADTTE.CDI6", ("ADTTE.ADT",))
def param_cdi6(ctx: BuildContext) -> pd.DataFrame:
    ed, assessed = _edss(ctx)
    base = ed.loc[(ed["ABLFL"] == "Y").to_numpy(), ["USUBJID", "BASE"]].drop_duplicates("USUBJID")
    eligible = base.loc[base["BASE"] >= float(ctx.param("cdi.min_base")) - 1e-9, "USUBJID"]
    subjects = _subjects(ctx)
    subjects = subjects.loc[subjects["USUBJID"].isin(eligible)].reset_index(drop=True)
    events = _with_horizon(ed.loc[(ed["CDIEVFL"] == "Y").to_numpy(), ["USUBJID", "ADT", "ASEQ"]], subjects)
    censors = _edss_censor(subjects, assessed, "NO POST-BASELINE EDSS ASSESSMENT", "TRTSDT")
    return tte_parameter(subjects, "CDI6", [(events, "6-MONTH CDI", "ADEDSS")], censors)


@REGISTRY.implements("MT.ADTTE.CDWACDI", ("ADTTE.ADT",))
def param_cdwacdi(ctx: BuildContext) -> pd.DataFrame:
    """Subjects with a 6-month CDI: from the post-CDI start (cdw_after_cdi.start) to the first
    6-month confirmed worsening against the EDSS at the CDI (ADEDSS CDWAEVFL)."""
    ed, assessed = _edss(ctx)
    start_var = post_cdi_start(ctx)
    event = (ed["CDIEVFL"] == "Y").to_numpy()
    cdi = pd.DataFrame({"USUBJID": ed["USUBJID"].to_numpy()[event],
                        "ONSET": ed["ADT"].to_numpy(dtype=float)[event],
                        "START": ed[start_var].to_numpy(dtype=float)[event]})
    frame = pd.DataFrame({"USUBJID": adsl(ctx)["USUBJID"]}).merge(cdi, on="USUBJID", how="left",
                                                                   validate="one_to_one")
    subjects = _subjects(ctx, start=frame["START"].to_numpy(dtype=float))
    onset = subjects[["USUBJID"]].merge(frame, on="USUBJID", how="left")["ONSET"].to_numpy(dtype=float)
    hordt = subjects["HORDT"].to_numpy(dtype=float)
    keep = (onset <= hordt) & (subjects["STARTDT"].to_numpy(dtype=float) <= hordt)
    subjects = subjects.loc[keep].reset_index(drop=True)
    worse = ed.loc[(ed["CDWAEVFL"] == "Y").to_numpy(), ["USUBJID", "ADT", "ASEQ"]]
    events = _with_horizon(worse, subjects)
    label = "CDI CONFIRMATION" if start_var == "CDICFDT" else "CDI ONSET"
    censors = _edss_censor(subjects, assessed, label, start_var, "ADEDSS")
    return tte_parameter(subjects, "CDWACDI", [(events, "6-MONTH CDW AFTER CDI", "ADEDSS")], censors)


@REGISTRY.implements("MT.ADTTE.NEDALOSS", ("ADTTE.ADT",))
def param_nedaloss(ctx: BuildContext) -> pd.DataFrame:
    frame = adsl(ctx, ("LTCFL", "EXT1SDT"))
    subjects = _subjects(ctx, start=frame["EXT1SDT"].to_numpy(dtype=float),
                         mask=(frame["LTCFL"] == "Y").to_numpy())
    ed, assessed = _edss(ctx)
    rr = dataset(ctx, "ADRR")
    mri = dataset(ctx, "ADMRI")
    relapses = rr.loc[((rr["PARAMCD"] == "RELAPSE") & (rr["ANL01FL"] == "Y")).to_numpy(), ["USUBJID", "ADT", "ASEQ"]]
    rule = param(ctx, "neda.cdw_events")
    cdw_flag = ed["CDWEVFL"] if rule == "first" else ed["CDWCFFL"]
    cdw = ed.loc[(cdw_flag == "Y").to_numpy(), ["USUBJID", "ADT", "ASEQ"]]
    active = mri.loc[((mri["PARAMCD"] == "MRIACT") & (mri["AVALC"] == "Y")).to_numpy(), ["USUBJID", "ADT", "ASEQ"]]
    active = _with_horizon(active, subjects)
    if not param(ctx, "neda.count_entry_mri"):
        active = active.loc[active["ADT"] > active["STARTDT"]]
    events = [(_with_horizon(relapses, subjects), "RELAPSE", "ADRR"),
              (_with_horizon(cdw, subjects), "6-MONTH CDW", "ADEDSS"),
              (active[["USUBJID", "ADT", "ASEQ"]], "MRI ACTIVITY", "ADMRI")]
    # censoring: the last EDSS or MRI assessment on or after STARTDT, capped at the horizon
    scans = mri.loc[(mri["PARCAT1"] == "MRI SCAN").to_numpy(), ["USUBJID", "ADT", "ASEQ"]]
    both = pd.concat([assessed.assign(SRCDOM="ADEDSS"), scans.assign(SRCDOM="ADMRI")], ignore_index=True)
    both = both.merge(subjects[["USUBJID", "STARTDT", "HORDT"]], on="USUBJID", how="inner")
    both = both.loc[both["ADT"] >= both["STARTDT"]]
    last = both.sort_values(["USUBJID", "ADT", "SRCDOM", "ASEQ"], kind="stable").drop_duplicates("USUBJID", keep="last")
    capped = last["ADT"] > last["HORDT"]
    at_last = _censor(last["USUBJID"], np.where(capped, last["HORDT"], last["ADT"]),
                      np.where(capped, _end_label(ctx), "LAST ASSESSMENT"),
                      np.where(capped, _end_label(ctx), "LAST ASSESSMENT"),
                      np.where(capped, None, last["SRCDOM"]), np.where(capped, None, "ADT"),
                      np.where(capped, np.nan, last["ASEQ"]))
    none = subjects.loc[~subjects["USUBJID"].isin(last["USUBJID"])]
    at_start = _censor(none["USUBJID"], none["STARTDT"], "NO ASSESSMENT AFTER EXTENSION ENTRY",
                       "EXTENSION ENTRY", "ADSL", "EXT1SDT", np.nan)
    censors = pd.concat([at_last, at_start], ignore_index=True)
    return tte_parameter(subjects, "NEDALOSS", events, censors)


@REGISTRY.implements("MT.ADTTE.RLPS1", ("ADTTE.ADT",))
def param_rlps1(ctx: BuildContext) -> pd.DataFrame:
    frame = adsl(ctx)
    subjects = _subjects(ctx)
    rr = dataset(ctx, "ADRR")
    relapses = rr.loc[((rr["PARAMCD"] == "RELAPSE") & (rr["ANL01FL"] == "Y")).to_numpy(), ["USUBJID", "ADT", "ASEQ"]]
    end = pd.DataFrame({"USUBJID": frame["USUBJID"], "FUEND": follow_up_end(frame),
                        "FUVAR": _follow_up_variable(frame)})
    s = subjects.merge(end, on="USUBJID", how="left")
    capped = ~(s["FUEND"] < s["HORDT"]).to_numpy()
    date = np.where(capped, s["HORDT"], s["FUEND"])
    date = np.maximum(date, s["STARTDT"].to_numpy(dtype=float))
    censors = _censor(s["USUBJID"], date, np.where(capped, _end_label(ctx), "END OF FOLLOW-UP"),
                      np.where(capped, _end_label(ctx), "END OF FOLLOW-UP"),
                      np.where(capped, None, "ADSL"), np.where(capped, None, s["FUVAR"]), np.nan)
    return tte_parameter(subjects, "RLPS1", [(_with_horizon(relapses, subjects), "RELAPSE", "ADRR")], censors)


def _end_label(ctx: BuildContext) -> str:
    return f"END OF YEAR {int(ctx.param('analysis_years'))}"


def _follow_up_variable(frame: pd.DataFrame) -> np.ndarray:
    """Name of the ADSL date that gives the end of follow-up (see follow_up_end)."""
    end = follow_up_end(frame)
    names = np.full(len(frame), None, dtype=object)
    for var in ("DTHDT", "DCUTDT", "LSTALVDT", "EOSDT"):  # last assignment wins on ties: EOSDT first
        if var in frame.columns:
            names = np.where(frame[var].to_numpy(dtype=float) == end, var, names)
    return names


@REGISTRY.implements("MT.ADTTE.PARAM", ("ADTTE.PARAMCD", "ADTTE.PARAM"))
def derive_param(df: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    return df.assign(PARAM=decode(ctx, "TTEPARM", df["PARAMCD"]))


@REGISTRY.implements("MT.ADTTE.AVAL", ("ADTTE.AVAL", "ADTTE.AVALYR"))
def derive_aval(df: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    out = derive_vars_aval_tte(df, new_var="AVAL", out_unit="days")
    return out.assign(AVALYR=out["AVAL"].to_numpy(dtype=float) / 365.25)


PARAMETERS = ("MT.ADTTE.CDW6", "MT.ADTTE.CDI6", "MT.ADTTE.CDWACDI", "MT.ADTTE.NEDALOSS", "MT.ADTTE.RLPS1")


def build(ctx: BuildContext) -> pd.DataFrame:
    """ADTTE: every parameter's records, PARAM and the analysis time; sorted by subject, parameter."""
    parts = [REGISTRY.get(method_id).function(ctx) for method_id in PARAMETERS]
    df = pd.concat(parts, ignore_index=True)
    for method_id in ("MT.ADTTE.PARAM", "MT.ADTTE.AVAL"):
        df = REGISTRY.run(method_id, df, ctx)
    rank = {code: i for i, code in enumerate(ORDER)}
    df = df.assign(__P=df["PARAMCD"].map(rank)).sort_values(["USUBJID", "__P"], kind="stable")
    return df.drop(columns=["__P"]).reset_index(drop=True)
