"""Run the generated schemas and the rule catalogue over a set of ADaM datasets.

:func:`validate_datasets` is what ``adam validate`` and ``adam build`` call. Frames are first
brought to the SAS conventions the checks assume (:func:`normalize_frame`): missing text is NA
("" and blanks count as missing, trailing blanks are dropped), datetime64/timedelta64 columns
become SAS numbers. The input frames are never modified.
"""

from __future__ import annotations

from typing import Any, Iterable

import numpy as np
import pandas as pd

from adam.export.columns import DatasetMeta
from adam.spec.model import Spec
from adam.validate.codes import FrameCodes, TextCodes, text_codes
from adam.validate.findings import Finding, SAS_EPOCH, offending_records, value_kind
from adam.validate.report import ValidationReport
from adam.validate.rules import all_rules
from adam.validate.rules.base import DatasetView, Hit, Rule, RuleContext, guess_class
from adam.validate.schema import schema_findings


def normalize_frame(df: pd.DataFrame, types: dict[str, str] | None = None, *,
                    distinct: dict[str, list[str]] | None = None,
                    codes: dict[str, TextCodes] | None = None) -> pd.DataFrame:
    """A copy of ``df`` in SAS conventions, with a fresh RangeIndex (row i is record i + 1).

    ``types`` (variable -> spec type) says whether a datetime64 column is a date (SAS days)
    or a datetime (SAS seconds); without it the name decides (``*DTM`` datetime, else date).
    ``distinct``, when given, receives the distinct values of each character column, ``codes``
    their :class:`~adam.validate.codes.TextCodes` (found on the way, so checks need not
    factorize the columns again).
    """
    types = types or {}
    out = df.reset_index(drop=True)  # copy-on-write: columns replaced below never touch df
    for position, col in enumerate(out.columns):
        s = out.iloc[:, position]
        name = str(col)
        if pd.api.types.is_datetime64_any_dtype(s):
            stamp = s.dt.tz_localize(None) if getattr(s.dt, "tz", None) is not None else s
            seconds = (stamp - SAS_EPOCH).dt.total_seconds()
            kind = types.get(name) or ("datetime" if name.endswith("DTM") else "date")
            new = seconds if kind == "datetime" else np.floor(seconds / 86400.0)
        elif pd.api.types.is_timedelta64_dtype(s):
            new = s.dt.total_seconds()
        elif isinstance(s.dtype, pd.StringDtype) and s.dtype.na_value is not np.nan:  # "string" (pd.NA)
            stripped = s.str.rstrip()
            new = stripped.where(stripped != "")
        elif pd.api.types.is_string_dtype(s) or pd.api.types.is_object_dtype(s):
            found = text_codes(s, strip=True)
            if found is not None:  # text (and missing) only: distinct values stripped, "" -> NA
                if distinct is not None:
                    distinct[name] = found[0].values
                if codes is not None:
                    codes[name] = found[0]
                if found[1] is None:  # already in SAS conventions
                    continue
                new = found[1].set_axis(out.index)
            elif pd.api.types.is_object_dtype(s):
                new = _clean_objects(s)
            else:
                continue
        else:
            continue
        out.isetitem(position, new)
    return out


def _clean_objects(s: pd.Series) -> pd.Series:
    """An object column holding more than text: strings stripped, blanks to None; the column
    becomes ``str`` when only text and missing values remain."""
    def clean(v: Any) -> Any:
        if isinstance(v, str):
            v = v.rstrip()
            return v if v else None
        return v
    cleaned = s.map(clean)
    if cleaned.map(lambda v: isinstance(v, str) or v is None or v is pd.NA
                   or (isinstance(v, float) and np.isnan(v))).all():
        cleaned = cleaned.astype("str").where(cleaned.notna())
    return cleaned


def _views(spec: Spec | None, datasets: dict[str, pd.DataFrame],
           metadata: dict[str, DatasetMeta] | None) -> dict[str, DatasetView]:
    views = {}
    spec_names = set(spec.dataset_names) if spec is not None else set()
    for raw_name, df in datasets.items():
        name = str(raw_name).upper()
        ds = spec.dataset(name) if name in spec_names else None
        types = {v.name: v.type for v in ds.variables} if ds is not None else None
        distinct: dict[str, list[str]] = {}
        codes: dict[str, TextCodes] = {}
        frame = normalize_frame(df, types, distinct=distinct, codes=codes)
        cls = ds.class_ if ds is not None else guess_class(name, frame)
        meta = (metadata or {}).get(raw_name) or (metadata or {}).get(name)
        views[name] = DatasetView(name=name, df=frame, spec=ds, meta=meta, cls=cls,
                                  text_values=distinct, codes=FrameCodes(frame, codes))
    return views


def _kinds(view: DatasetView) -> dict[str, str | None]:
    return {str(c): value_kind(str(c), view.df[c], view.spec_type(str(c))) for c in view.df.columns}


def _to_finding(rule: Rule, hit: Hit, ctx: RuleContext, default_dataset: str | None) -> Finding:
    dataset = hit.dataset or default_dataset
    severity = hit.severity or rule.severity
    variables = tuple(hit.variables)
    if hit.rows is None or dataset not in ctx.views:
        return Finding(rule.id, severity, dataset, hit.message, count=hit.count or 1,
                       variables=variables)
    view = ctx.views[dataset]
    df, shown, kinds = view.df, list(variables), _kinds(view)
    if hit.expected is not None:
        df = df.assign(EXPECTED=hit.expected.reindex(df.index))
        shown.append("EXPECTED")
        # by convention the variable compared with the expected value is listed last
        kinds["EXPECTED"] = kinds.get(variables[-1]) if variables else None
    count, records = offending_records(df, hit.rows, shown, kinds)
    if count == 0:
        return None  # type: ignore[return-value]
    return Finding(rule.id, severity, dataset, hit.message, count=count, variables=variables,
                   records=records)


def _run_rule(rule: Rule, ctx: RuleContext) -> list[Finding]:
    findings: list[Finding] = []
    targets: list[DatasetView | None]
    if rule.scope == "study":
        targets = [None]
    else:
        targets = [v for v in ctx.views.values() if v.cls in rule.classes]
    for view in targets:
        name = view.name if view is not None else None
        try:
            hits: Iterable[Hit] = rule.func(ctx, view) if view is not None else rule.func(ctx)  # type: ignore[misc]
            for hit in hits:
                finding = _to_finding(rule, hit, ctx, name)
                if finding is not None:
                    findings.append(finding)
        except Exception as error:  # a rule that cannot run on odd data is reported, never hidden
            findings.append(Finding(rule.id, "error", name,
                                    f"rule could not run: {type(error).__name__}: {error}"))
    return findings


def validate_datasets(
    spec: Spec | None,
    datasets: dict[str, pd.DataFrame],
    *,
    metadata: dict[str, DatasetMeta] | None = None,
    sdtm: dict[str, pd.DataFrame] | None = None,
    options: dict[str, Any] | None = None,
    rules: Iterable[str] | None = None,
) -> ValidationReport:
    """Check ``datasets`` (name -> frame) against the spec schemas and the rule catalogue.

    ``metadata`` (name -> :class:`DatasetMeta`, as read from files) lets the naming and format
    rules check what a file really carries; without it they check the spec. ``sdtm`` (domain ->
    frame) lets traceability rules resolve SRCDOM/SRCSEQ into SDTM. ``options`` refine the
    cross-dataset rules (see :mod:`adam.validate.rules.cross`) and are merged over the spec's
    ``study.analysis.validation``. ``rules`` limits the run to the given rule ids (schema checks
    run when any ``ADAM-SC-`` id is selected, or when ``rules`` is None).
    """
    merged: dict[str, Any] = {}
    if spec is not None:
        merged.update(spec.study.analysis.get("validation", {}) or {})
    merged.update(options or {})
    views = _views(spec, datasets, metadata)
    # SDTM is normalized lazily, only the columns a rule reads (see rules.traceability.source_frame)
    sdtm_frames = {str(k).upper(): v for k, v in (sdtm or {}).items()}
    ctx = RuleContext(spec=spec, views=views, sdtm=sdtm_frames, options=merged)

    catalogue = all_rules()
    selected = set(rules) if rules is not None else None
    if selected is not None:
        unknown = selected - {r.id for r in catalogue}
        if unknown:
            from adam.errors import InputError, Problem

            raise InputError([Problem(f"unknown rule id {u}") for u in sorted(unknown)])
    chosen = [r for r in catalogue if selected is None or r.id in selected]

    findings: list[Finding] = []
    if spec is not None and any(r.scope == "schema" for r in chosen):
        schema_ids = {r.id for r in chosen if r.scope == "schema"}
        for name, view in views.items():
            if view.spec is not None:
                findings += [f for f in schema_findings(spec, name, view.df, view.codes) if f.rule in schema_ids]
    for rule in chosen:
        if rule.func is not None:
            findings += _run_rule(rule, ctx)
    return ValidationReport(
        findings=findings,
        datasets={name: len(view.df) for name, view in views.items()},
        rules=[r.id for r in chosen],
        study=spec.study.study_id if spec is not None else None,
    )
