"""Traceability: subjects known to ADSL, ADSL copies, SRCDOM/SRCVAR/SRCSEQ back to the source.

A record's source is found from SRCDOM and SRCSEQ: an ADaM dataset (AD*) given in the same run
is searched by USUBJID and ASEQ; an SDTM domain (when SDTM was given) by USUBJID and --SEQ.
"""

from __future__ import annotations

import re
from typing import Iterator

import numpy as np
import pandas as pd

from adam.validate.codes import FrameCodes, TextCodes, common_codes, dense, first_rows
from adam.validate.findings import SAS_EPOCH, seq_variable
from adam.validate.rules.base import DatasetView, Hit, RuleContext, rule, text, values_equal

NOT_ADSL = ("BDS", "OCCDS", "TTE", "OTHER")
DATASET_NAME = re.compile(r"^([A-Z]{2}|SUPP[A-Z]{2}|AD[A-Z0-9_]{1,6})$")
#: Variables compared by ADAM-TR-006 only when the dataset has them and they are not keys.
NEVER_COMPARED = {"USUBJID"}


def iso_to_sas_date(values: pd.Series) -> pd.Series:
    """SAS dates from ISO 8601 text (complete dates only; partial dates give NaN)."""
    stamp = pd.to_datetime(text(values).str.slice(0, 10), format="%Y-%m-%d", errors="coerce")
    return ((stamp - SAS_EPOCH).dt.days).astype("float64")


def source_frame(ctx: RuleContext, domain: str) -> tuple[pd.DataFrame, str, list[str]] | None:
    """(frame, sequence variable, date candidates) of a source dataset, or None if not given."""
    found = _source(ctx, domain)
    return None if found is None else found[:3]  # type: ignore[return-value]


def _source(ctx: RuleContext, domain: str) -> tuple[pd.DataFrame, str, list[str], FrameCodes] | None:
    """:func:`source_frame` and the source frame's codes."""
    if domain in ctx.views:
        view = ctx.views[domain]
        df = view.df
        dates = list(ctx.option("source_dates", "adam", default=["ADT", "ASTDT"]))
        # ASEQ, else the dataset's own --SEQ (an OCCDS dataset like ADAE keeps AESEQ)
        return df, seq_variable(df) or "ASEQ", dates, view.codes
    sdtm = ctx.sdtm.get(domain)
    if sdtm is not None:
        dates = [f"{domain}DTC", f"{domain}STDTC"] if domain != "DS" else ["DSSTDTC", "DSDTC"]
        key = ("sdtm source", domain)
        if key not in ctx.cache:  # only the columns traced, brought to SAS conventions once
            from adam.validate.engine import normalize_frame

            used = [c for c in sdtm.columns if c in {"USUBJID", f"{domain}SEQ", *dates}]
            text: dict[str, TextCodes] = {}
            frame = normalize_frame(sdtm[used], codes=text)
            ctx.cache[key] = (frame, FrameCodes(frame, text))
        frame, codes = ctx.cache[key]
        return frame, f"{domain}SEQ", dates, codes
    return None


def source_columns(ctx: RuleContext, domain: str) -> list[str] | None:
    """The variable names of a source dataset (ADaM given in the run, else SDTM), or None."""
    if domain in ctx.views:
        return [str(c) for c in ctx.views[domain].df.columns]
    if domain in ctx.sdtm:
        return [str(c) for c in ctx.sdtm[domain].columns]
    return None


def _upper_groups(view_or_codes: FrameCodes, column: str) -> tuple[np.ndarray, list[str]] | None:
    """(code of each record's upper-cased value, -1 when missing; the distinct upper-cased
    values) of a text column, or None when the column is not text."""
    found = view_or_codes.text(column)
    if found is None:
        return None
    upper = [v.upper() for v in found.values]
    distinct = list(dict.fromkeys(upper))
    position = {v: i for i, v in enumerate(distinct)}
    table = np.array([position[v] for v in upper] + [-1], dtype=np.int64)
    return table[found.codes], distinct


def _source_dates(sdf: pd.DataFrame, codes: FrameCodes, date_var: str | None) -> np.ndarray:
    """The date of each source record as a SAS date (ISO text converted value by value)."""
    if date_var is None:
        return np.full(len(sdf), np.nan)
    col = sdf[date_var]
    if pd.api.types.is_numeric_dtype(col):
        return pd.to_numeric(col, errors="coerce").to_numpy(dtype="float64")
    found = codes.text(date_var)
    if found is None:
        return iso_to_sas_date(col).to_numpy()
    table = iso_to_sas_date(pd.Series(found.values, dtype="str")).to_numpy()
    return np.append(table, np.nan)[found.codes]


def resolve_sources(ctx: RuleContext, df: pd.DataFrame) -> pd.DataFrame:
    """For each record with SRCDOM and SRCSEQ: is its source given, is it found, its date.

    Returns a frame aligned with ``df``: ``available`` (source dataset given), ``found`` (a
    record with the same USUBJID and sequence number exists), ``date`` (the source record's
    date as a SAS date, from ADT/ASTDT for ADaM or --DTC/--STDTC for SDTM), ``no_seq`` (the
    source has no sequence variable to match SRCSEQ, e.g. ADSL).
    """
    key = ("resolved sources", id(df))  # the views' frames live as long as the context
    if key in ctx.cache and ctx.cache[key][0] is df:
        return ctx.cache[key][1]
    out = _resolve_sources(ctx, df)
    ctx.cache[key] = (df, out)
    return out


def _codes_of(ctx: RuleContext, df: pd.DataFrame) -> FrameCodes:
    for view in ctx.views.values():
        if view.df is df:
            return view.codes
    return FrameCodes(df)


def _resolve_sources(ctx: RuleContext, df: pd.DataFrame) -> pd.DataFrame:
    n = len(df)
    available, found = np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    date, no_seq = np.full(n, np.nan), np.zeros(n, dtype=bool)

    def result() -> pd.DataFrame:
        return pd.DataFrame({"available": available, "found": found, "date": date,
                             "no_seq": no_seq}, index=df.index)

    if not {"SRCDOM", "SRCSEQ", "USUBJID"} <= set(df.columns):
        return result()
    codes = _codes_of(ctx, df)
    groups = _upper_groups(codes, "SRCDOM")
    subjects = codes.text("USUBJID")
    if groups is None or subjects is None:
        return _resolve_sources_slowly(ctx, df)
    dom, domains = groups
    seq = pd.to_numeric(df["SRCSEQ"], errors="coerce").to_numpy(dtype="float64")
    for i, domain in sorted(enumerate(domains), key=lambda item: item[1]):
        source = _source(ctx, str(domain))
        rows = (dom == i) & ~np.isnan(seq)
        if source is None or not rows.any():
            continue
        sdf, seq_var, dates, scodes = source
        available |= rows
        if seq_var not in sdf.columns or "USUBJID" not in sdf.columns:
            no_seq |= rows
            continue
        source_subjects = scodes.text("USUBJID")
        if source_subjects is None:
            return _resolve_sources_slowly(ctx, df)
        date_var = next((d for d in dates if d in sdf.columns), None)
        source_dates = _source_dates(sdf, scodes, date_var)
        # one key per (USUBJID, sequence number), missing values matching missing values
        theirs, mine = common_codes(source_subjects, subjects)
        source_seq = pd.to_numeric(sdf[seq_var], errors="coerce").to_numpy(dtype="float64")
        wanted = np.flatnonzero(rows)
        keys = dense([np.concatenate([theirs, mine[wanted]]),
                      pd.factorize(np.concatenate([source_seq, seq[wanted]]))[0]])
        source_keys, wanted_keys = keys[:len(sdf)], keys[len(sdf):]
        first = first_rows(source_keys, np.arange(len(sdf)), int(keys.max(initial=-1)) + 1)
        match = first[wanted_keys]
        hit = match >= 0
        found[wanted] = hit
        date[wanted] = np.where(hit, source_dates[np.where(hit, match, 0)] if len(sdf) else np.nan,
                                np.nan)
    return result()


def _resolve_sources_slowly(ctx: RuleContext, df: pd.DataFrame) -> pd.DataFrame:
    """:func:`resolve_sources` for columns that are not plain text (merged as strings)."""
    out = pd.DataFrame({"available": False, "found": False, "date": np.nan, "no_seq": False},
                       index=df.index)
    dom = text(df["SRCDOM"]).str.upper()
    seq = pd.to_numeric(df["SRCSEQ"], errors="coerce")
    for domain in sorted(dom.dropna().unique()):
        source = source_frame(ctx, str(domain))
        rows = (dom == domain).fillna(False).astype(bool) & seq.notna()
        if source is None or not rows.any():
            continue
        sdf, seq_var, dates = source
        out.loc[rows, "available"] = True
        if seq_var not in sdf.columns or "USUBJID" not in sdf.columns:
            out.loc[rows, "no_seq"] = True
            continue
        date_var = next((d for d in dates if d in sdf.columns), None)
        lookup = pd.DataFrame({
            "USUBJID": text(sdf["USUBJID"]),
            "_seq": pd.to_numeric(sdf[seq_var], errors="coerce"),
            "_date": (np.nan if date_var is None else
                      (iso_to_sas_date(sdf[date_var]) if not pd.api.types.is_numeric_dtype(sdf[date_var])
                       else pd.to_numeric(sdf[date_var], errors="coerce"))),
            "_found": True,
        }).drop_duplicates(["USUBJID", "_seq"])
        want = pd.DataFrame({"USUBJID": text(df.loc[rows, "USUBJID"]), "_seq": seq[rows]})
        hit = want.reset_index().merge(lookup, on=["USUBJID", "_seq"], how="left").set_index("index")
        out.loc[hit.index, "found"] = hit["_found"].fillna(False).astype(bool)
        out.loc[hit.index, "date"] = hit["_date"].astype("float64")
    return out


@rule("ADAM-TR-001", "SRCSEQ or SRCVAR is in the dataset without SRCDOM, which names the source.")
def source_variables(ctx: RuleContext, view: DatasetView) -> Iterator[Hit]:
    others = [v for v in ("SRCSEQ", "SRCVAR") if view.has(v)]
    if others and not view.has("SRCDOM"):
        yield Hit(f"{', '.join(others)} without SRCDOM", variables=others)


@rule("ADAM-TR-002", "SRCSEQ or SRCVAR is populated on a record whose SRCDOM is null.")
def source_populated_together(ctx: RuleContext, view: DatasetView) -> Iterator[Hit]:
    if not view.has("SRCDOM"):
        return
    for col in ("SRCSEQ", "SRCVAR"):
        if view.has(col):
            bad = view.present(col) & view.missing("SRCDOM")
            if bad.any():
                yield Hit(f"{col} set but SRCDOM null", rows=bad, variables=["SRCDOM", col])


@rule("ADAM-TR-003", "SRCDOM does not look like a dataset name (a two-letter SDTM domain, "
      "SUPP--, or an ADaM dataset AD...).", "warning")
def source_domain_name(ctx: RuleContext, view: DatasetView) -> Iterator[Hit]:
    if view.has("SRCDOM"):
        bad = view.text_rows("SRCDOM", lambda v: not DATASET_NAME.match(v))
        if bad is None:  # not text: every record is tested
            s = text(view.df["SRCDOM"])
            bad = s.notna() & ~s.str.match(DATASET_NAME).fillna(False).astype(bool)
        if bad.any():
            yield Hit("SRCDOM is not a dataset name", rows=bad, variables=["SRCDOM"])


@rule("ADAM-TR-004", "SRCDOM and SRCSEQ point to a record that does not exist in the source "
      "dataset (checked when that dataset - ADaM, or SDTM given with --sdtm - is available).")
def source_record_exists(ctx: RuleContext, view: DatasetView) -> Iterator[Hit]:
    if not view.has("SRCDOM", "SRCSEQ", "USUBJID"):
        return
    res = resolve_sources(ctx, view.df)
    wanted = view.present("SRCDOM") & view.present("SRCSEQ")
    unavailable = wanted & ~res["available"]
    if unavailable.any():
        doms = sorted(text(view.df.loc[unavailable, "SRCDOM"]).dropna().unique())
        yield Hit(f"not checked: source dataset(s) {', '.join(doms)} not given",
                  rows=unavailable, variables=["SRCDOM", "SRCSEQ"], severity="notice")
    no_seq = wanted & res["no_seq"]
    if no_seq.any():
        doms = sorted(text(view.df.loc[no_seq, "SRCDOM"]).dropna().unique())
        yield Hit(f"SRCSEQ given but {', '.join(doms)} has no sequence variable (ASEQ/--SEQ) to "
                  "match it", rows=no_seq, variables=["SRCDOM", "SRCSEQ"])
    bad = wanted & res["available"] & ~res["found"] & ~res["no_seq"]
    if bad.any():
        yield Hit("no source record with this USUBJID and sequence number", rows=bad,
                  variables=["SRCDOM", "SRCSEQ"])


@rule("ADAM-TR-005", "SRCVAR names a variable that the source dataset (when given) does not have.",
      "warning")
def source_variable_exists(ctx: RuleContext, view: DatasetView) -> Iterator[Hit]:
    if not view.has("SRCDOM", "SRCVAR"):
        return
    doms, variables = _upper_groups(view.codes, "SRCDOM"), _upper_groups(view.codes, "SRCVAR")
    if doms is not None and variables is not None:
        bad_rows = np.zeros(len(view.df), dtype=bool)
        var_codes, var_values = variables
        for i, domain in sorted(enumerate(doms[1]), key=lambda item: item[1]):
            found = source_columns(ctx, str(domain))
            if found is None:
                continue
            columns = {c.upper() for c in found}
            unknown = np.array([v not in columns for v in var_values] + [False])
            bad_rows |= (doms[0] == i) & unknown[var_codes]
        if bad_rows.any():
            yield Hit("SRCVAR not a variable of SRCDOM", rows=pd.Series(bad_rows, index=view.df.index),
                      variables=["SRCDOM", "SRCVAR"])
        return
    dom = text(view.df["SRCDOM"]).str.upper()
    var = text(view.df["SRCVAR"]).str.upper()
    bad = pd.Series(False, index=view.df.index)
    for domain in sorted(dom.dropna().unique()):
        found = source_columns(ctx, str(domain))
        if found is None:
            continue
        columns = [c.upper() for c in found]
        bad |= ((dom == domain) & var.notna() & ~var.isin(columns)).fillna(False).astype(bool)
    if bad.any():
        yield Hit("SRCVAR not a variable of SRCDOM", rows=bad, variables=["SRCDOM", "SRCVAR"])


def _same_as_adsl(view: DatasetView, adsl: DatasetView, col: str, rows: np.ndarray
                  ) -> np.ndarray | None:
    """:func:`values_equal` of a column and its ADSL copy for each record (``rows``: ADSL row
    of the record's subject), from codes (text) or arrays (floats); None for other columns."""
    got, theirs = view.df[col], adsl.df[col]
    if got.dtype == np.float64 and theirs.dtype == np.float64:
        expected = np.append(theirs.to_numpy(), np.nan)[rows]
        return values_equal(got, pd.Series(expected, index=view.df.index))
    mine, source = view.codes.text(col), adsl.codes.text(col)
    if mine is None or source is None:
        return None
    expected_codes, got_codes = common_codes(source, mine)
    return np.append(expected_codes, -1)[rows] == got_codes  # (missing equals missing)


@rule("ADAM-TR-006", "A variable with the same name as an ADSL variable holds a different value "
      "than ADSL for the subject (ADSL copies must keep name and content).", classes=NOT_ADSL)
def adsl_copies(ctx: RuleContext, view: DatasetView) -> Iterator[Hit]:
    adsl = ctx.adsl
    if adsl is None or not view.has("USUBJID") or "USUBJID" not in adsl.df.columns:
        return
    shared = [c for c in view.df.columns if c in adsl.df.columns and c not in NEVER_COMPARED]
    lookup = adsl.df.drop_duplicates("USUBJID").set_index("USUBJID")
    rows = ctx.adsl_rows(view)
    if rows is not None:
        known = pd.Series(rows >= 0, index=view.df.index)
    else:
        known = view.df["USUBJID"].isin(lookup.index)
    for col in shared:
        got = view.df[col]
        if pd.api.types.is_numeric_dtype(lookup[col]) != pd.api.types.is_numeric_dtype(got):
            if got.notna().any() or lookup[col].notna().any():
                yield Hit(f"{col} has a different type than in ADSL", variables=[col])
            continue
        same = _same_as_adsl(view, adsl, col, rows) if rows is not None else None
        if same is None:
            same = values_equal(got, view.df["USUBJID"].map(lookup[col]))
        bad = known & ~pd.Series(same, index=view.df.index)
        if bad.any():
            yield Hit(f"{col} differs from ADSL.{col}", rows=bad, variables=[col])


@rule("ADAM-TR-007", "A subject of an analysis dataset is not in ADSL.", classes=NOT_ADSL)
def subject_in_adsl(ctx: RuleContext, view: DatasetView) -> Iterator[Hit]:
    adsl = ctx.adsl
    if adsl is None or not view.has("USUBJID") or "USUBJID" not in adsl.df.columns:
        return
    rows = ctx.adsl_rows(view)
    if rows is not None:  # (a missing USUBJID is not looked up)
        bad = view.present("USUBJID") & pd.Series(rows < 0, index=view.df.index)
    else:
        bad = view.df["USUBJID"].notna() & ~view.df["USUBJID"].isin(adsl.df["USUBJID"].dropna())
    if bad.any():
        yield Hit("USUBJID not in ADSL", rows=bad, variables=["USUBJID"])
