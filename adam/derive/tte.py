"""Time-to-event parameters from event and censoring sources (rules are data, not code paths)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from adam.derive._checks import Checker, Filter, as_list, evaluate_filter
from adam.derive._keys import shared_codes, sorted_positions
from adam.derive.timing import derive_vars_duration
from adam.errors import InputError, Problem


@dataclass(frozen=True)
class Col:
    """In ``set_values_to``: take the value from this column of the source record (e.g. AESEQ)."""

    name: str


@dataclass(frozen=True)
class EventSource:
    """Where events come from: records of ``dataset_name`` meeting ``filter``, dated by ``date``.

    ``set_values_to`` maps output columns to constants, :class:`Col` references or callables
    (frame -> Series), e.g. ``{"EVNTDESC": "RELAPSE", "SRCDOM": "ADRR", "SRCVAR": "ASTDT",
    "SRCSEQ": Col("ASEQ")}``. ``censor`` is the CNSR value (0 for events).
    """

    dataset_name: str
    filter: Filter = None
    date: str = "ADT"
    set_values_to: Mapping[str, Any] = field(default_factory=dict)
    censor: int = 0


@dataclass(frozen=True)
class CensorSource(EventSource):
    """Where censoring dates come from; like :class:`EventSource` with ``censor`` >= 1."""

    censor: int = 1


def _check_source(chk: Checker, src: Any, kind: str, i: int, datasets: Mapping[str, pd.DataFrame],
                  by: list[str]) -> None:
    where = f"{kind}[{i}]"
    expected = EventSource
    if not isinstance(src, expected):
        chk.fail(f"argument {where} must be an EventSource/CensorSource, got {type(src).__name__}")
        return
    is_censor = kind == "censor_conditions"
    if is_censor and not src.censor >= 1:
        chk.fail(f"argument {where}: a censoring source needs censor >= 1, got {src.censor!r}")
    if not is_censor and src.censor != 0:
        chk.fail(f"argument {where}: an event source needs censor 0, got {src.censor!r}")
    if src.dataset_name not in datasets:
        chk.fail(f"argument {where}: dataset {src.dataset_name!r} is not in source_datasets "
                 f"({', '.join(sorted(datasets)) or 'none'})")
        return
    ds = datasets[src.dataset_name]
    if not chk.frame(f"source_datasets[{src.dataset_name!r}]", ds):
        return
    chk.columns(f"{where}.by_vars", by, ds, dataset=src.dataset_name)
    chk.numeric(f"{where}.date", src.date, ds, dataset=src.dataset_name)
    chk.filter(f"{where}.filter", src.filter, ds)
    if not isinstance(src.set_values_to, Mapping):
        chk.fail(f"argument {where}.set_values_to must be a mapping")
        return
    for name, value in src.set_values_to.items():
        if isinstance(value, Col):
            chk.columns(f"{where}.set_values_to[{name}]", value.name, ds, dataset=src.dataset_name)
        if name in ("ADT", "CNSR", "STARTDT") or name in by:
            chk.fail(f"argument {where}.set_values_to: {name} is set by derive_param_tte itself", variable=name)


def _values(ds: pd.DataFrame, value: Any) -> Any:
    if isinstance(value, Col):
        return ds[value.name].to_numpy()
    if callable(value):
        result = value(ds)
        return result.to_numpy() if isinstance(result, pd.Series) else result
    return value


def derive_param_tte(
    dataset_adsl: pd.DataFrame,
    source_datasets: Mapping[str, pd.DataFrame],
    event_conditions: Sequence[EventSource],
    censor_conditions: Sequence[CensorSource],
    start_date: str = "STARTDT",
    by_vars: Sequence[str] = ("USUBJID",),
    set_values_to: Mapping[str, Any] | None = None,
    subject_filter: Filter = None,
) -> pd.DataFrame:
    """Derive one time-to-event record per subject: ADT, CNSR, STARTDT and the source's values.

    Reads ``start_date`` (SAS date) and ``by_vars`` from ``dataset_adsl``; each source reads
    its dataset from ``source_datasets`` by name (ADSL itself may be one, e.g. a censoring at
    the last known alive date or at the start date).

    Per subject (``subject_filter`` on ADSL selects them; subjects with a missing start date
    get no record):
      - candidate records: each source's records meeting its filter with a non-missing date on
        or after STARTDT (dates before the start date are ignored - they precede follow-up);
      - cases, in order:
        1. some event record: the earliest event date; ties go to the source listed first in
           ``event_conditions``, then to the source's row order; CNSR 0;
        2. otherwise some censoring record: the latest censoring date; ties go to the source
           listed first in ``censor_conditions``, then to row order; CNSR = its censor value;
        3. otherwise no record (add a censoring source at the start date to avoid this).
    Columns: by_vars, STARTDT, ADT, CNSR, the chosen source's ``set_values_to`` (e.g.
    EVNTDESC, CNSDTDSC, SRCDOM, SRCVAR, SRCSEQ; missing where another source set them), then
    the parameter's ``set_values_to`` (PARAMCD, PARAM...). Rows follow ADSL order.

    Example: STARTDT 100; relapse on 90 and 150; last visit 400 ->
      ADT 150, CNSR 0, EVNTDESC "RELAPSE" (90 precedes the start and is ignored).
    """
    fn = "derive_param_tte"
    chk = Checker(fn, dataset_adsl, "adsl")
    if not chk.frame("dataset_adsl", dataset_adsl):
        chk.raise_if_any()
    by = as_list(by_vars)
    chk.columns("by_vars", by)
    chk.numeric("start_date", start_date)
    chk.filter("subject_filter", subject_filter)
    if not isinstance(source_datasets, Mapping):
        chk.fail("argument source_datasets must be a mapping {name: DataFrame}")
        source_datasets = {}
    if not event_conditions and not censor_conditions:
        chk.fail("give at least one event or censoring source")
    for kind, sources in (("event_conditions", event_conditions), ("censor_conditions", censor_conditions)):
        for i, src in enumerate(sources or []):
            _check_source(chk, src, kind, i, source_datasets, by)
    if set_values_to is not None and not isinstance(set_values_to, Mapping):
        chk.fail("argument set_values_to must be a mapping")
    chk.raise_if_any()

    keep = evaluate_filter(dataset_adsl, subject_filter, "subject_filter", fn)
    subjects = dataset_adsl.loc[keep, by].reset_index(drop=True)
    subjects["STARTDT"] = dataset_adsl.loc[keep, start_date].to_numpy(dtype=float)
    subjects = subjects.loc[subjects["STARTDT"].notna()].reset_index(drop=True)
    subjects["__subj"] = np.arange(len(subjects))

    parts = []
    value_cols: list[str] = []
    for kind, sources in ((0, event_conditions or []), (1, censor_conditions or [])):
        for prio, src in enumerate(sources):
            ds = source_datasets[src.dataset_name]
            mask = evaluate_filter(ds, src.filter, f"{src.dataset_name}.filter", fn)
            sub = ds.loc[mask]
            part = sub[by].reset_index(drop=True)
            part["ADT"] = sub[src.date].to_numpy(dtype=float)
            part["CNSR"] = src.censor
            part["__kind"] = kind
            part["__prio"] = prio
            part["__row"] = np.arange(len(sub))
            for name, value in src.set_values_to.items():
                part[name] = _values(sub, value)
                if name not in value_cols:
                    value_cols.append(name)
            parts.append(part)
    cand = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=by + ["ADT", "CNSR"])
    cand = _with_subject(cand, subjects, by)
    cand = cand.loc[cand["ADT"].notna() & (cand["ADT"] >= cand["STARTDT"])].reset_index(drop=True)
    # earliest event first; for censoring the latest date first
    cand["__key"] = np.where(cand["__kind"] == 0, cand["ADT"], -cand["ADT"])
    pos = sorted_positions(cand, ["__subj"], ["__kind", "__key", "__prio", "__row"])
    chosen = cand.iloc[pos]
    chosen = chosen.loc[~chosen["__subj"].duplicated().to_numpy()].sort_values("__subj", kind="stable")

    out = chosen[by + ["STARTDT", "ADT", "CNSR"] + value_cols].reset_index(drop=True)
    out["CNSR"] = out["CNSR"].astype("int64")
    for name, value in (set_values_to or {}).items():
        out[name] = value
    return out


def _with_subject(cand: pd.DataFrame, subjects: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Candidate records of the subjects (an inner join on ``by``, candidates' order kept) with
    the subjects' STARTDT and __subj; subjects have one record each."""
    cand_codes, subject_codes = shared_codes(cand, by, subjects, by)
    if len(np.unique(subject_codes)) < len(subject_codes):
        raise InputError(Problem(f"derive_param_tte: dataset_adsl has more than one record per "
                                 f"{', '.join(by)}", dataset="adsl", variable=", ".join(by)))
    lookup = np.full(max(int(cand_codes.max(initial=-1)), int(subject_codes.max(initial=-1))) + 1, -1)
    lookup[subject_codes] = np.arange(len(subjects))
    at = lookup[cand_codes]
    found = at >= 0
    at = at[found]
    out = cand.loc[found].reset_index(drop=True)
    return out.assign(STARTDT=subjects["STARTDT"].to_numpy()[at], __subj=subjects["__subj"].to_numpy()[at])


def derive_vars_aval_tte(
    df: pd.DataFrame,
    new_var: str = "AVAL",
    start_date: str = "STARTDT",
    end_date: str = "ADT",
    out_unit: str = "days",
    add_one: bool = True,
    unit_var: str | None = None,
) -> pd.DataFrame:
    """Derive the analysis value of a time-to-event record: end_date - start_date (+ 1 day).

    ``out_unit`` "days", "weeks", "months" or "years" (365.25 days); ``unit_var`` optionally
    holds the unit ("DAYS", "YEARS"). Same cases as :func:`derive_vars_duration`.

    Example: STARTDT 100, ADT 150 -> AVAL 51 (days) or 51/365.25 years.
    """
    return derive_vars_duration(df, new_var=new_var, start_date=start_date, end_date=end_date,
                                out_unit=out_unit, add_one=add_one, new_var_unit=unit_var)
