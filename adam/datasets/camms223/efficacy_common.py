"""Pieces shared by the CAMMS223 efficacy datasets (ADEDSS, ADRR, ADMRI, ADNEDA, ADTTE).

Study logic lives here (which SDTM records are relapses, how the follow-up ends, the analysis
periods); the generic helpers at the end (:func:`flag_within_days_after`,
:func:`count_in_periods`) are study-agnostic candidates for :mod:`adam.derive`.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from adam.derive import derive_vars_dt
from adam.derive._keys import rank_codes, shared_codes, sort_order
from adam.derive._sequence import asof, group_start
from adam.engine import BuildContext
from adam.errors import InputError, Problem

#: Parameters the efficacy datasets read beyond those of study.yaml today, with their defaults.
DEFAULTS = {
    "edss.visit_interval_months": 3,
    "relapse.steroid_window_days": 14,
    "sdtm.relapse_treatment_cmcat": "RELAPSE TREATMENT",
    "sdtm.mri_testcd.gd": "NGDT1LES",
    "sdtm.mri_testcd.t2": "NT2LES",
    "sdtm.mri_testcd.t1h": "NT1HLES",
    "neda.cdw_events": "first",
    "neda.count_entry_mri": False,
    "cdw_after_cdi.start": "cdi_confirmation",
    "cdw_after_cdi.reference": "cdi_onset_value",
    "cdw_after_cdi.threshold": 1.0,
    "cdw_after_cdi.threshold_if_reference_zero": 1.5,
    "cdw_after_cdi.confirm_days": 182,
    "cdw_after_cdi.tolerance_days": 7,
    "cdw_after_cdi.relapse_exclusion_days": 30,
}

#: cdw_after_cdi.start: the ADEDSS variable of the CDI event record that dates the start of the
#: post-CDI follow-up (worsening onsets count strictly after it)
POST_CDI_START = {"cdi_confirmation": "CDICFDT", "cdi_onset": "ADT"}
#: cdw_after_cdi.reference: the assessment whose EDSS is the new reference (CDIREF)
POST_CDI_REFERENCE = ("cdi_onset_value", "cdi_confirmation_value")

ADSL_NEEDED = ("USUBJID", "TRTSDT")


def param(ctx: BuildContext, path: str):
    """An analysis parameter; the efficacy defaults above apply when study.yaml lacks it."""
    if path in DEFAULTS:
        node = ctx.params
        for part in path.split("."):
            if not isinstance(node, dict) or part not in node:
                return DEFAULTS[path]
            node = node[part]
        return node
    return ctx.param(path)


def post_cdi_start(ctx: BuildContext) -> str:
    """The ADEDSS date variable (of the CDI event record) that starts the post-CDI follow-up."""
    value = param(ctx, "cdw_after_cdi.start")
    if value not in POST_CDI_START:
        raise InputError(Problem(f"analysis parameter cdw_after_cdi.start is {value!r}; expected one of "
                                 f"{', '.join(map(repr, POST_CDI_START))}", file="study.yaml"))
    return POST_CDI_START[value]


def post_cdi_reference(ctx: BuildContext) -> str:
    """cdw_after_cdi.reference, checked: which assessment's EDSS is the post-CDI reference."""
    value = param(ctx, "cdw_after_cdi.reference")
    if value not in POST_CDI_REFERENCE:
        raise InputError(Problem(f"analysis parameter cdw_after_cdi.reference is {value!r}; expected one of "
                                 f"{', '.join(map(repr, POST_CDI_REFERENCE))}", file="study.yaml"))
    return value


def year_days(ctx: BuildContext) -> float:
    return float(ctx.param("year_length_days"))


def horizon_days(ctx: BuildContext) -> float:
    """Offset (days after TRTSDT) of the last day of the last analysis year (4382 for 12 years)."""
    return float(math.ceil(int(ctx.param("analysis_years")) * year_days(ctx)) - 1)


def adsl(ctx: BuildContext, columns: Sequence[str] = ()) -> pd.DataFrame:
    """ADSL as built earlier in the run, with the columns the caller needs checked."""
    if "ADSL" not in ctx.adam:
        raise InputError(Problem("ADSL must be built before the efficacy datasets", dataset="ADSL"))
    frame = ctx.adam["ADSL"]
    missing = [c for c in (*ADSL_NEEDED, *columns) if c not in frame.columns]
    if missing:
        raise InputError([Problem("ADSL lacks a variable the efficacy datasets need", dataset="ADSL",
                                  variable=c) for c in missing])
    return frame


def treated(ctx: BuildContext, columns: Sequence[str] = ()) -> pd.DataFrame:
    """ADSL records of treated subjects (TRTSDT present): the efficacy analysis population."""
    frame = adsl(ctx, columns)
    return frame.loc[frame["TRTSDT"].notna().to_numpy()].reset_index(drop=True)


def dataset(ctx: BuildContext, name: str) -> pd.DataFrame:
    """An efficacy dataset built earlier in the run, or built now (its builder output)."""
    if name in ctx.adam:
        return ctx.adam[name]
    module = importlib.import_module(f"{__package__}.{name.lower()}")
    return module.build(ctx)


def relative_day(adt: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """ADY-style day: ADT - REF + 1 on or after the reference date, ADT - REF before it."""
    diff = np.asarray(adt, dtype=float) - np.asarray(ref, dtype=float)
    return np.where(diff >= 0, diff + 1, diff)


def analysis_year(adt: np.ndarray, trtsdt: np.ndarray, length: float) -> np.ndarray:
    """Year k with TRTSDT + L*(k-1) <= ADT < TRTSDT + L*k; NaN before TRTSDT or when missing."""
    diff = np.asarray(adt, dtype=float) - np.asarray(trtsdt, dtype=float)
    k = np.floor(diff / length) + 1
    k[~(diff >= 0)] = np.nan
    return k


def follow_up_end(frame: pd.DataFrame) -> np.ndarray:
    """End of follow-up: the earliest of EOSDT (LSTALVDT when EOSDT is missing), DCUTDT, DTHDT."""
    def col(name: str) -> np.ndarray:
        return frame[name].to_numpy(dtype=float) if name in frame.columns else np.full(len(frame), np.nan)

    last = col("EOSDT")
    last = np.where(np.isnan(last), col("LSTALVDT"), last)
    stacked = np.vstack([last, col("DCUTDT"), col("DTHDT")])
    low = np.where(np.isnan(stacked), np.inf, stacked).min(axis=0)
    return np.where(np.isinf(low), np.nan, low)


def assign_seq(df: pd.DataFrame, order: Sequence[str], by: str = "USUBJID", new_var: str = "ASEQ") -> pd.DataFrame:
    """Sort by ``by`` then ``order`` (stable, missing last) and number the records 1..n per ``by``
    (missing where ``by`` is missing)."""
    pos = sort_order([df[by], *(df[c] for c in order)])
    in_order = bool(np.all(pos[1:] > pos[:-1]))  # e.g. put in this order earlier: no copy
    out = df.reset_index(drop=True) if in_order else df.take(pos).reset_index(drop=True)
    by_codes, size = rank_codes(df[by])
    by_codes = by_codes[pos]
    seq = (np.arange(len(out)) - group_start(by_codes) + 1).astype(float)
    out[new_var] = np.where(by_codes == size - 1, np.nan, seq)  # the last code is "missing"
    return out


def record_label(usubjid, seq_name: str, seq) -> str:
    seq_text = "" if seq is None or (isinstance(seq, float) and np.isnan(seq)) else f"{seq:g}"
    return f"USUBJID={usubjid}, {seq_name}={seq_text}"


# ---------------------------------------------------------------------------- relapses
def relapse_records(ctx: BuildContext) -> pd.DataFrame:
    """MS relapses of CE (CEDECOD = sdtm.relapse_decod) of ADSL subjects, with TRTSDT."""
    ce = ctx.domain("CE")
    ce = ce.loc[ce["CEDECOD"] == ctx.param("sdtm.relapse_decod")]
    trt = treated(ctx)[["USUBJID", "TRTSDT"]]
    return ce.merge(trt, on="USUBJID", how="inner", validate="many_to_one").reset_index(drop=True)


def relapse_onsets(ce: pd.DataFrame, ctx: BuildContext | None = None) -> pd.DataFrame:
    """Onset date ADT (and ADTF) of relapse records: a missing day is imputed as the 1st, a
    missing month as January, never before TRTSDT when the partial date covers it. A relapse
    without onset year keeps ADT missing; with ``ctx`` it is reported as a warning."""
    out = derive_vars_dt(ce, new_vars_prefix="A", dtc="CESTDTC", highest_imputation="M",
                         min_dates="TRTSDT", dataset_name="CE")
    if ctx is not None:
        for _, row in out.loc[out["ADT"].isna()].iterrows():  # reporting only: few records
            ctx.warn("relapse without a usable onset date (CESTDTC) is not counted", dataset="CE",
                     variable="CESTDTC", record=record_label(row["USUBJID"], "CESEQ", row.get("CESEQ")))
    return out


def relapse_dates(ctx: BuildContext) -> pd.DataFrame:
    """USUBJID and onset ADT of every relapse with a usable onset date (no warnings).

    Derived once per build context: several ADEDSS steps need it, and it stays valid while
    the context holds the same CE and ADSL frames."""
    def derive() -> pd.DataFrame:
        rel = relapse_onsets(relapse_records(ctx))
        return rel.loc[rel["ADT"].notna(), ["USUBJID", "ADT"]].reset_index(drop=True)

    return ctx.cached("relapse_dates", (ctx.sdtm.get("CE"), ctx.adam.get("ADSL")), derive)


# ---------------------------------------------------------------------------- periods
def year_periods(ctx: BuildContext, years: Sequence[int] | None = None, aggregates: bool = True
                 ) -> pd.DataFrame:
    """Analysis periods as AVISITN, AVISIT, LO, HI (days after TRTSDT, HI exclusive).

    Single years 1..analysis_years (or ``years``); with ``aggregates`` also core (101),
    extension (102) and overall (103) from the core_years / extension_years / analysis_years
    parameters.
    """
    length = year_days(ctx)
    n_years = int(ctx.param("analysis_years"))
    ks = list(years) if years is not None else list(range(1, n_years + 1))
    rows = [(float(k), f"Year {k}", length * (k - 1), length * k) for k in ks]
    if aggregates:
        c0, c1 = ctx.param("core_years")
        e0, e1 = ctx.param("extension_years")
        rows += [
            (101.0, f"Years {c0}-{c1} (Core)", length * (c0 - 1), length * c1),
            (102.0, f"Years {e0}-{e1} (Extension)", length * (e0 - 1), length * e1),
            (103.0, f"Years 0-{n_years} (Overall)", 0.0, length * n_years),
        ]
    return pd.DataFrame(rows, columns=["AVISITN", "AVISIT", "LO", "HI"])


def subject_periods(subjects: pd.DataFrame, periods: pd.DataFrame) -> pd.DataFrame:
    """Cross subjects (USUBJID, TRTSDT, FUEND) with periods; keeps pairs with time at risk > 0.

    Adds ASTDT, AENDT (first and last day at risk in the period: the days d after TRTSDT with
    LO <= d < HI and d <= FUEND - TRTSDT) and AFUYRS = (AENDT - ASTDT + 1) / 365.25.
    """
    s = subjects.loc[subjects["TRTSDT"].notna() & subjects["FUEND"].notna()]
    cross = s.merge(periods, how="cross")
    trt = cross["TRTSDT"].to_numpy(dtype=float)
    lo, hi = cross["LO"].to_numpy(dtype=float), cross["HI"].to_numpy(dtype=float)
    first, last = np.ceil(lo), np.minimum(np.ceil(hi) - 1, cross["FUEND"].to_numpy(dtype=float) - trt)
    days = last - first + 1
    cross["ASTDT"] = trt + first
    cross["AENDT"] = trt + last
    cross["AFUYRS"] = days / 365.25
    return cross.loc[days > 0].reset_index(drop=True)


# ---------------------------------------------------------------------------- generic helpers
def flag_within_days_after(df: pd.DataFrame, events: pd.DataFrame, days: float, by: str = "USUBJID",
                           date: str = "ADT", event_date: str = "ADT") -> np.ndarray:
    """True where an event of the same ``by`` group lies in [date - days, date] (generic).

    Candidate for adam.derive (e.g. ``derive_var_event_window_flag``).
    """
    d = df[date].to_numpy(dtype=float)
    ev = events.loc[events[event_date].notna(), [by, event_date]]
    c_df, c_ev = shared_codes(df, [by], ev, [by])
    ed = ev[event_date].to_numpy(dtype=float)
    ok = ~np.isnan(d)
    hit = np.full(len(df), -1, dtype=np.int64)
    hit[ok] = asof(c_df[ok], d[ok], c_ev, ed, direction="backward", allow_exact=True)
    gap = np.where(hit >= 0, d - ed[np.maximum(hit, 0)] if len(ed) else np.nan, np.inf)
    return (hit >= 0) & (gap <= days)


def count_in_periods(periods: pd.DataFrame, events: pd.DataFrame, by: str = "USUBJID",
                     offset: str = "OFFSET", lo: str = "LO", hi: str = "HI",
                     key: str = "AVISITN") -> np.ndarray:
    """For each (by, period) row of ``periods``, the number of ``events`` rows of the same ``by``
    with lo <= offset < hi (generic; offset = event day relative to the period origin)."""
    if not len(periods):
        return np.zeros(0)
    if not len(events):
        return np.zeros(len(periods))
    pairs = periods[[by, key, lo, hi]].reset_index().merge(events[[by, offset]], on=by, how="inner")
    inside = (pairs[offset] >= pairs[lo]) & (pairs[offset] < pairs[hi])
    counts = inside.groupby(pairs["index"]).sum()
    out = np.zeros(len(periods))
    out[counts.index.to_numpy()] = counts.to_numpy(dtype=float)
    return out


def decode(ctx: BuildContext, codelist_id: str, codes: pd.Series) -> np.ndarray:
    """The spec codelist's decode of each code (PARAM from PARAMCD); missing when not listed."""
    items = {i.value: i.decode for i in ctx.spec.codelist(codelist_id).items}
    return codes.map(items).to_numpy(dtype=object)


def text(values, index: pd.Index) -> pd.Series:
    """A text column (``str`` dtype, None -> missing) from an object array."""
    return pd.Series(values, index=index, dtype="str")
