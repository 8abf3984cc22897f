"""Cross-dataset rules: time-to-event sources, relapse counts, NEDA against its components.

These rules look across datasets whose layout is study-specific, so everything they assume is
an option with a default, read from ``validate_datasets(options=...)`` or from the spec's
``study.analysis.validation`` mapping::

    validation:
      adrr:                       # relapse counts (ADAM-X-002, ADAM-X-003)
        dataset: ADRR
        event_paramcd: [RELAPSE]  # one record per relapse, dated by ADT
        count_paramcd: [RELCNT]   # per-period counts, AVAL = number of relapses
        followup_paramcd: [FUYRS] # per-period follow-up time, AVAL > 0
        period_by: [APERIOD, AVISITN, APHASEN]                 # tried in order, or
        period_dates: [[APERSDT, APEREDT], [ASTDT, AENDT]]     # inclusive date windows
      neda:                       # annual NEDA (ADAM-X-004) and sustained NEDA (ADAM-X-005)
        dataset: ADNEDA
        paramcd: [NEDA]           # AVALC Y/N (or AVAL 1/0) per subject and period
        period_dates: [[APERSDT, APEREDT], [ASTDT, AENDT]]
        sources:                  # what counts as disease activity
          - {dataset: ADRR, paramcd: [RELAPSE], date: ADT}
          - {dataset: ADTTE, paramcd: [CDW6M], where: {CNSR: [0]}, date: ADT}
          - {dataset: ADMRI, paramcd: [MRIACT], where: {AVALC: [Y]}, date: ADT}
        sustained: {dataset: ADTTE, paramcd: [SNEDA]}   # may give its own `sources`
                                                        # (dated events, not yearly records);
                                                        # a source with strictly_after_start:
                                                        # true ignores events on STARTDT

When a dataset, parameter or variable a rule needs is absent the rule says so in a notice; it
never passes silently.
"""

from __future__ import annotations

from typing import Any, Iterator

import numpy as np
import pandas as pd

from adam.validate.rules.base import DatasetView, Hit, RuleContext, rule, text
from adam.validate.rules.traceability import resolve_sources

ADRR_DEFAULTS: dict[str, Any] = {
    "dataset": "ADRR",
    "event_paramcd": ["RELAPSE"],
    "count_paramcd": ["RELCNT"],
    "followup_paramcd": ["FUYRS", "FUTIME", "PYRS", "FUDUR"],
    "event_date": "ADT",
    "period_by": ["APERIOD", "AVISITN", "APHASEN", "AYEAR"],
    "period_dates": [["APERSDT", "APEREDT"], ["ASTDT", "AENDT"], ["STARTDT", "ENDDT"]],
}
NEDA_DEFAULTS: dict[str, Any] = {
    "dataset": "ADNEDA",
    "paramcd": ["NEDA"],
    "period_dates": [["APERSDT", "APEREDT"], ["ASTDT", "AENDT"], ["STARTDT", "ENDDT"]],
    "sources": [
        {"dataset": "ADRR", "paramcd": ["RELAPSE"], "date": "ADT"},
        {"dataset": "ADTTE", "paramcd": ["CDW6M"], "where": {"CNSR": [0]}, "date": "ADT"},
        {"dataset": "ADMRI", "paramcd": ["MRIACT"], "where": {"AVALC": ["Y"]}, "date": "ADT"},
    ],
    "sustained": {"dataset": "ADTTE", "paramcd": ["SNEDA"]},
}


def _options(ctx: RuleContext, key: str, defaults: dict[str, Any]) -> dict[str, Any]:
    given = ctx.option(key, default={}) or {}
    return {**defaults, **given}


def _param_rows(view: DatasetView, codes: list[str]) -> pd.Series:
    df = view.df
    if "PARAMCD" not in df.columns:
        return pd.Series(False, index=df.index)
    return _text_isin(view, "PARAMCD", [str(c) for c in codes])


def _text_isin(view: DatasetView, column: str, values: list[str]) -> pd.Series:
    """Records whose value, as text, is one of ``values`` (missing never is)."""
    found = view.text_in(column, values)
    if found is None:
        found = text(view.df[column]).isin(values).fillna(False).astype(bool)
    return found


def _subjects(ctx: RuleContext, view: DatasetView) -> pd.Series:
    """USUBJID of each record as a code shared by every dataset of the run (-1 when missing):
    the cross-dataset rules join on these instead of on the text."""
    found = ctx.subject_codes(view)
    if found is None:
        return view.df["USUBJID"]
    return pd.Series(found, index=view.df.index)


def _window_vars(df: pd.DataFrame, rows: pd.Series, candidates: list[list[str]]) -> tuple[str, str] | None:
    for pair in candidates:
        start, end = pair
        if start in df.columns and end in df.columns and df.loc[rows, [start, end]].notna().all(axis=1).any():
            return start, end
    return None


def _count_in_windows(windows: pd.DataFrame, events: pd.DataFrame) -> pd.Series:
    """Number of events of the same subject dated within each window [start, end] (inclusive).

    ``windows``: USUBJID, start, end (index kept); ``events``: USUBJID, date.
    """
    pairs = windows.reset_index().merge(events, on="USUBJID", how="left")
    inside = (pairs["date"] >= pairs["start"]) & (pairs["date"] <= pairs["end"])
    counts = inside.groupby(pairs["index"]).sum()
    return counts.reindex(windows.index, fill_value=0).astype(float)


@rule("ADAM-X-001", "A time-to-event event record (CNSR=0) does not agree with the record it "
      "traces to: the SRCDOM/SRCSEQ record is missing or its date differs from ADT.",
      scope="study")
def tte_events_match_sources(ctx: RuleContext) -> Iterator[Hit]:
    views = list(ctx.of_class("TTE"))
    if not views:
        yield Hit("not checked: no time-to-event dataset was given", severity="notice")
        return
    for view in views:
        df = view.df
        if not view.has("CNSR", "ADT", "USUBJID"):
            continue
        if not view.has("SRCDOM", "SRCSEQ"):
            yield Hit("not checked: no SRCDOM/SRCSEQ to trace events", dataset=view.name,
                      severity="notice")
            continue
        event = (view.numbers("CNSR") == 0) & df["SRCDOM"].notna() & df["SRCSEQ"].notna()
        res = resolve_sources(ctx, df)
        unavailable = event & ~res["available"]
        if unavailable.any():
            doms = sorted(text(df.loc[unavailable, "SRCDOM"]).dropna().unique())
            yield Hit(f"events not checked: source dataset(s) {', '.join(doms)} not given",
                      rows=unavailable, variables=["PARAMCD", "SRCDOM", "SRCSEQ"],
                      dataset=view.name, severity="notice")
        missing = event & res["available"] & ~res["found"]
        if missing.any():
            yield Hit("event's source record not found", rows=missing,
                      variables=["PARAMCD", "SRCDOM", "SRCSEQ"], dataset=view.name)
        adt = view.numbers("ADT")
        differs = event & res["found"] & ~(res["date"] == adt)
        if differs.any():
            yield Hit("ADT differs from the date of the source record", rows=differs,
                      variables=["PARAMCD", "SRCDOM", "SRCSEQ", "ADT"], dataset=view.name,
                      expected=res["date"])


def _adrr_setup(ctx: RuleContext) -> tuple[dict[str, Any], Any] | str:
    """The ADRR options and view, or the reason the relapse-count rules cannot run."""
    opts = _options(ctx, "adrr", ADRR_DEFAULTS)
    view = ctx.views.get(str(opts["dataset"]).upper())
    if view is None:
        return f"not checked: {opts['dataset']} was not given"
    return opts, view


@rule("ADAM-X-002", "A per-period relapse count (e.g. PARAMCD RELCNT) differs from the number of "
      "relapse records of the subject dated within that period.", scope="study")
def relapse_counts(ctx: RuleContext) -> Iterator[Hit]:
    setup = _adrr_setup(ctx)
    if isinstance(setup, str):
        yield Hit(setup, severity="notice")
        return
    opts, view = setup
    df = view.df
    counts = _param_rows(view, opts["count_paramcd"])
    events = _param_rows(view, opts["event_paramcd"])
    date = str(opts["event_date"])
    if not counts.any() or "AVAL" not in df.columns:
        yield Hit(f"not checked: no count records (PARAMCD {', '.join(opts['count_paramcd'])}) "
                  "with AVAL", dataset=view.name, severity="notice")
        return
    by = next((v for v in opts["period_by"] if v in df.columns
               and df.loc[counts, v].notna().all() and df.loc[events, v].notna().any()), None)
    if by is not None:
        n_events = events.astype(int).groupby([df["USUBJID"], df[by]], dropna=False).sum()
        key = pd.MultiIndex.from_frame(df.loc[counts, ["USUBJID", by]])
        expected = pd.Series(n_events.reindex(key, fill_value=0).to_numpy(dtype=float),
                             index=df.index[counts])
        shown = ["PARAMCD", by, "AVAL"]
    else:
        window = _window_vars(df, counts, opts["period_dates"])
        if window is None or date not in df.columns:
            yield Hit("not checked: count records have no period variable "
                      f"({', '.join(opts['period_by'])}) nor period dates; set "
                      "validation.adrr.period_by or period_dates", dataset=view.name,
                      severity="notice")
            return
        start, end = window
        windows = pd.DataFrame({"USUBJID": df.loc[counts, "USUBJID"],
                                "start": view.numbers(start)[counts], "end": view.numbers(end)[counts]})
        ev = pd.DataFrame({"USUBJID": df.loc[events, "USUBJID"], "date": view.numbers(date)[events]})
        expected = _count_in_windows(windows, ev)
        shown = ["PARAMCD", start, end, "AVAL"]
    expected = expected.reindex(df.index)
    bad = counts & ~np.isclose(view.numbers("AVAL"), expected) & expected.notna()
    bad |= counts & view.df["AVAL"].isna()
    if bad.any():
        yield Hit("relapse count differs from the relapse records in the period", rows=bad,
                  variables=shown, dataset=view.name, expected=expected)


@rule("ADAM-X-003", "A per-period relapse count has no follow-up time record (same subject and "
      "period) with a positive AVAL, so the relapse rate cannot be computed.", scope="study")
def relapse_followup(ctx: RuleContext) -> Iterator[Hit]:
    setup = _adrr_setup(ctx)
    if isinstance(setup, str):
        yield Hit(setup, severity="notice")
        return
    opts, view = setup
    df = view.df
    counts = _param_rows(view, opts["count_paramcd"])
    followup = _param_rows(view, opts["followup_paramcd"])
    if not counts.any():
        yield Hit("not checked: no count records", dataset=view.name, severity="notice")
        return
    if not followup.any() or "AVAL" not in df.columns:
        yield Hit(f"not checked: no follow-up time records (PARAMCD "
                  f"{', '.join(opts['followup_paramcd'])}); set validation.adrr.followup_paramcd",
                  dataset=view.name, severity="notice")
        return
    period = [v for v in opts["period_by"] if v in df.columns and df.loc[counts, v].notna().all()][:1]
    if not period:
        window = _window_vars(df, counts, opts["period_dates"])
        period = list(window) if window else []
    keys = ["USUBJID"] + period
    time = df.loc[followup, keys].assign(_time=view.numbers("AVAL")[followup])
    time = time.groupby(keys, dropna=False)["_time"].max().reset_index()
    merged = df.loc[counts, keys].reset_index().merge(time, on=keys, how="left").set_index("index")
    ok = (merged["_time"] > 0).fillna(False).astype(bool)
    bad = pd.Series(False, index=df.index)
    bad.loc[ok.index] = ~ok
    if bad.any():
        yield Hit("no positive follow-up time for the count's subject and period", rows=bad,
                  variables=["PARAMCD"] + period + ["AVAL"], dataset=view.name)


def _activity_events(ctx: RuleContext, sources: list[dict[str, Any]]) -> tuple[pd.DataFrame, list[str]]:
    """Disease-activity events (USUBJID, date) from the configured sources, and notes on gaps."""
    frames, notes = [], []
    for src in sources:
        name = str(src.get("dataset", "")).upper()
        view = ctx.views.get(name)
        if view is None:
            notes.append(f"{name} not given")
            continue
        df = view.df
        rows = _param_rows(view, list(src.get("paramcd", []))) if src.get("paramcd") else \
            pd.Series(True, index=df.index)
        for var, values in (src.get("where") or {}).items():
            if var not in df.columns:
                rows &= False
                continue
            col = df[var]
            if pd.api.types.is_numeric_dtype(col):
                rows &= pd.to_numeric(col, errors="coerce").isin([float(v) for v in values])
            else:
                rows &= _text_isin(view, var, [str(v) for v in values])
        date = str(src.get("date", "ADT"))
        if date not in df.columns or not rows.any():
            notes.append(f"{name} has no records selected by {src}")
            continue
        frames.append(pd.DataFrame({"USUBJID": _subjects(ctx, view)[rows],
                                    "date": view.numbers(date)[rows],
                                    "strict": bool(src.get("strictly_after_start", False))}))
    events = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        {"USUBJID": pd.Series([], dtype=np.int64), "date": pd.Series([], dtype=float),
         "strict": pd.Series([], dtype=bool)})
    return events.dropna(subset=["date"]), notes


def _neda_status(view: Any, rows: pd.Series) -> pd.Series:
    """True for NEDA achieved (AVALC 'Y' or AVAL 1), False for not, NA when unknown."""
    df = view.df
    status = pd.Series(pd.NA, index=df.index, dtype="boolean")
    if "AVALC" in df.columns:
        yes = view.text_rows("AVALC", lambda v: v.upper() == "Y")
        no = view.text_rows("AVALC", lambda v: v.upper() == "N")
        if yes is None or no is None:
            s = text(df["AVALC"]).str.upper()
            yes, no = (s == "Y").fillna(False), (s == "N").fillna(False)
        # a missing AVALC leaves the status unknown (AVAL may still give it)
        status = status.mask(yes, True).mask(no, False)
    if "AVAL" in df.columns:
        x = view.numbers("AVAL")
        status = status.mask(status.isna() & (x == 1), True).mask(status.isna() & (x == 0), False)
    return status.where(rows)


@rule("ADAM-X-004", "An annual NEDA record disagrees with the activity data: NEDA achieved although "
      "a relapse, confirmed worsening or MRI activity falls in the period (error), or NEDA not "
      "achieved with no such event at all (reported as a warning).", scope="study")
def neda_periods(ctx: RuleContext) -> Iterator[Hit]:
    opts = _options(ctx, "neda", NEDA_DEFAULTS)
    view = ctx.views.get(str(opts["dataset"]).upper())
    if view is None:
        yield Hit(f"not checked: {opts['dataset']} was not given", severity="notice")
        return
    df = view.df
    rows = _param_rows(view, opts["paramcd"])
    window = _window_vars(df, rows, opts["period_dates"]) if rows.any() else None
    if window is None:
        yield Hit(f"not checked: no NEDA records (PARAMCD {', '.join(opts['paramcd'])}) with "
                  "period dates; set validation.neda", dataset=view.name, severity="notice")
        return
    events, notes = _activity_events(ctx, opts["sources"])
    if notes:
        yield Hit("activity sources incomplete: " + "; ".join(notes), dataset=view.name,
                  severity="notice")
    start, end = window
    windows = pd.DataFrame({"USUBJID": _subjects(ctx, view)[rows], "start": view.numbers(start)[rows],
                            "end": view.numbers(end)[rows]})
    n = _count_in_windows(windows, events).reindex(df.index)
    status = _neda_status(view, rows)
    shown = ["PARAMCD", start, end] + [c for c in ("AVALC", "AVAL") if c in df.columns]
    achieved = (status == True).fillna(False).astype(bool)  # noqa: E712 (nullable boolean)
    bad = achieved & (n > 0)
    if bad.any():
        yield Hit("NEDA achieved but activity events fall in the period", rows=bad,
                  variables=shown, dataset=view.name, expected=n)
    if not notes:
        not_achieved = (status == False).fillna(False).astype(bool)  # noqa: E712
        odd = not_achieved & (n == 0)
        if odd.any():
            yield Hit("NEDA not achieved but no activity event in the period (missing "
                      "assessments?)", rows=odd, variables=shown, dataset=view.name,
                      severity="warning", expected=n)


@rule("ADAM-X-005", "A sustained-NEDA time-to-event record disagrees with the activity data: the "
      "event date is not the first activity event on or after STARTDT, or a censored record has "
      "an activity event between STARTDT and ADT.", scope="study")
def sustained_neda(ctx: RuleContext) -> Iterator[Hit]:
    opts = _options(ctx, "neda", NEDA_DEFAULTS)
    sustained = {**NEDA_DEFAULTS["sustained"], **(opts.get("sustained") or {})}
    view = ctx.views.get(str(sustained["dataset"]).upper())
    rows = _param_rows(view, sustained["paramcd"]) if view is not None else None
    if view is None or rows is None or not rows.any():
        yield Hit(f"not checked: no sustained NEDA records ({sustained['dataset']} PARAMCD "
                  f"{', '.join(sustained['paramcd'])})", severity="notice")
        return
    if not view.has("STARTDT", "ADT", "CNSR", "USUBJID"):
        yield Hit("not checked: STARTDT, ADT, CNSR or USUBJID missing", dataset=view.name,
                  severity="notice")
        return
    events, notes = _activity_events(ctx, sustained.get("sources") or opts["sources"])
    if notes:
        yield Hit("activity sources incomplete: " + "; ".join(notes), dataset=view.name,
                  severity="notice")
    df = view.df
    recs = pd.DataFrame({"USUBJID": _subjects(ctx, view)[rows],
                         "start": view.numbers("STARTDT")[rows]})
    pairs = recs.reset_index().merge(events, on="USUBJID", how="left")
    # a source marked strictly_after_start (e.g. the entry scan) counts only after STARTDT
    after = pairs[(pairs["date"] > pairs["start"])
                  | ((pairs["date"] == pairs["start"]) & ~pairs["strict"].astype(bool))]
    first = after.groupby("index")["date"].min().reindex(df.index)
    cnsr = view.numbers("CNSR")
    adt = view.numbers("ADT")
    event_bad = rows & (cnsr == 0) & ~(first == adt)
    censor_bad = rows & (cnsr > 0) & (first <= adt).fillna(False).astype(bool)
    bad = event_bad | censor_bad
    if notes:
        bad = event_bad & first.notna()  # with sources missing only contradictions can be shown
    if bad.any():
        yield Hit("sustained NEDA event/censoring disagrees with the first activity event",
                  rows=bad, variables=["PARAMCD", "STARTDT", "CNSR", "ADT"], dataset=view.name,
                  expected=first)
