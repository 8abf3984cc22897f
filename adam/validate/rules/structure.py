"""Dataset structure: identifiers, sequence numbers, duplicates, code/decode pairs, empties."""

from __future__ import annotations

from typing import Iterator

import numpy as np
import pandas as pd

from adam.export.text import rows_with
from adam.validate.codes import (FrameCodes, dense, distinct_per_group, duplicated_codes,
                                 float_codes)
from adam.validate.rules.base import DatasetView, Hit, RuleContext, rule

NOT_ADSL = ("BDS", "OCCDS", "TTE", "OTHER")


@rule("ADAM-ST-001", "Two or more records are identical in every variable.")
def duplicate_records(ctx: RuleContext, view: DatasetView) -> Iterator[Hit]:
    if len(view.df.columns) == 0:
        return
    df = view.df
    # only records that repeat on a few identifying variables can repeat on all of them
    subset = [k for k in (view.spec.keys if view.spec is not None else ()) if k in df.columns]
    subset = subset or [c for c in ("USUBJID", view.seq) if c and c in df.columns]
    if subset and len(subset) < len(df.columns):
        candidates = pd.Series(duplicated_codes(view.codes.key(subset)), index=df.index)
        if not candidates.any():
            return
        dup = df[candidates].duplicated(keep="first").reindex(df.index, fill_value=False)
    else:
        dup = df.duplicated(keep="first")
    if dup.any():
        yield Hit("records repeating an earlier record in every variable", rows=dup,
                  variables=[c for c in ("PARAMCD",) if c in view.df.columns])


@rule("ADAM-ST-002", "STUDYID or USUBJID is missing from the dataset or null on some records.")
def identifiers(ctx: RuleContext, view: DatasetView) -> Iterator[Hit]:
    for col in ("STUDYID", "USUBJID"):
        if col not in view.df.columns:
            yield Hit(f"{col} is not in the dataset", variables=[col])
        elif view.codes.missing(col).any():
            yield Hit(f"{col} is null", rows=view.missing(col), variables=[col])


@rule("ADAM-ST-003", "STUDYID does not hold one and the same value in every dataset.",
      scope="study")
def one_study(ctx: RuleContext) -> Iterator[Hit]:
    values: dict[str, set[str]] = {}
    for name, view in ctx.views.items():
        if "STUDYID" in view.df.columns:
            distinct = view.distinct_text("STUDYID")
            values[name] = (set(distinct) if distinct is not None else
                            set(view.df["STUDYID"].dropna().astype(str).unique()))
    every = set().union(*values.values()) if values else set()
    if len(every) <= 1:
        return
    common = max(sorted(every), key=lambda v: sum(v in s for s in values.values()))
    for name, found in sorted(values.items()):
        if found - {common}:
            s = ctx.views[name].df["STUDYID"]
            yield Hit(f"STUDYID differs from {common!r}: {', '.join(sorted(found - {common}))}",
                      rows=s.notna() & (s.astype("string") != common), variables=["STUDYID"],
                      dataset=name)


@rule("ADAM-ST-004", "ASEQ does not identify each record of a subject uniquely.", classes=NOT_ADSL)
def aseq_unique(ctx: RuleContext, view: DatasetView) -> Iterator[Hit]:
    if not view.has("USUBJID", "ASEQ"):
        return
    dup = pd.Series(duplicated_codes(view.codes.key(["USUBJID", "ASEQ"])), index=view.df.index)
    dup &= view.present("ASEQ")
    if dup.any():
        yield Hit("ASEQ repeated within a subject", rows=dup, variables=["ASEQ"])


@rule("ADAM-ST-005", "A sequence number (ASEQ, --SEQ, SRCSEQ) is not a positive whole number.")
def seq_positive(ctx: RuleContext, view: DatasetView) -> Iterator[Hit]:
    for col in view.columns_like(lambda c: c.endswith("SEQ")):
        x = view.numbers(col)
        present = view.df[col].notna()
        bad = present & (x.isna() | (x < 1) | (x != np.floor(x)))
        if bad.any():
            yield Hit(f"{col} is not a positive whole number", rows=bad, variables=[col])


def code_pairs(view: DatasetView) -> list[tuple[str, str]]:
    """(text variable, numeric variable) pairs named X and XN, e.g. AVISIT/AVISITN."""
    pairs = []
    for col in view.df.columns:
        col = str(col)
        stem = col[:-1]
        if (col.endswith("N") and stem in view.df.columns and view.is_numeric(col)
                and view.is_text(stem) and not col.endswith("SEQN")):
            pairs.append((stem, col))
    return pairs


def _as_text_codes(codes: FrameCodes, column: str) -> np.ndarray | None:
    """Codes grouping a column as its text would (``astype(str)``); None for other columns."""
    found = codes.text(column)
    if found is not None:
        return found.codes
    if codes.df[column].dtype == np.float64:
        return float_codes(codes.df[column].to_numpy())
    return None


def _one_to_one_codes(codes: FrameCodes, a: str, b: str, by: list[str]) -> np.ndarray | None:
    ca, cb = _as_text_codes(codes, a), _as_text_codes(codes, b)
    if ca is None or cb is None:
        return None
    rows = (ca >= 0) & (cb >= 0)
    for col in by:  # (groupby leaves out records with a missing `by` value)
        rows &= codes.codes(col) >= 0
    rows = np.flatnonzero(rows)
    bad = np.zeros(len(ca), dtype=bool)
    if len(rows) == 0:
        return bad
    keys = [codes.codes(col)[rows] for col in by]
    ca, cb = ca[rows], cb[rows]
    n_b = distinct_per_group(dense(keys + [ca]), cb)
    n_a = distinct_per_group(dense(keys + [cb]), ca)
    bad[rows] = (n_b > 1) | (n_a > 1)
    return bad


def one_to_one_violations(df: pd.DataFrame, a: str, b: str, by: list[str] | None = None,
                          codes: FrameCodes | None = None) -> pd.Series:
    """Records whose (a, b) pair breaks a one-to-one mapping between a and b (within ``by``).

    With the frame's ``codes``, text and float columns are compared as codes (the same
    grouping as their text) instead of as strings.
    """
    by = by or []
    if codes is not None and codes.df is df:
        found = _one_to_one_codes(codes, a, b, by)
        if found is not None:
            return pd.Series(found, index=df.index)
    both = df[a].notna() & df[b].notna()
    sub = df.loc[both, by + [a, b]].copy()
    if sub.empty:
        return pd.Series(False, index=df.index)
    sub[a] = sub[a].astype(str)
    sub[b] = sub[b].astype(str)
    n_b = sub.groupby(by + [a])[b].transform("nunique")
    n_a = sub.groupby(by + [b])[a].transform("nunique")
    bad = (n_b > 1) | (n_a > 1)
    return bad.reindex(df.index, fill_value=False).astype(bool)


@rule("ADAM-ST-006", "A text variable and its numeric code (X and XN, e.g. AVISIT and AVISITN, "
      "TRT01P and TRT01PN) do not map one to one.")
def code_decode_pairs(ctx: RuleContext, view: DatasetView) -> Iterator[Hit]:
    for text_var, num_var in code_pairs(view):
        bad = one_to_one_violations(view.df, text_var, num_var, codes=view.codes)
        if bad.any():
            yield Hit(f"{text_var} and {num_var} do not map one to one", rows=bad,
                      variables=[text_var, num_var])


@rule("ADAM-ST-007", "The dataset has no records.", "warning")
def empty_dataset(ctx: RuleContext, view: DatasetView) -> Iterator[Hit]:
    if len(view.df) == 0:
        yield Hit("the dataset has no records")


@rule("ADAM-ST-008", "A variable is null on every record.", "notice")
def all_null(ctx: RuleContext, view: DatasetView) -> Iterator[Hit]:
    if len(view.df) == 0:
        return
    empty = [str(c) for c in view.df.columns if view.codes.missing(str(c)).all()]
    if empty:
        yield Hit(f"no values at all: {', '.join(empty)}", variables=empty, count=len(empty))


@rule("ADAM-ST-009", "A character value starts with a blank.", "warning")
def leading_blanks(ctx: RuleContext, view: DatasetView) -> Iterator[Hit]:
    for col in view.df.columns:
        if not view.is_text(str(col)):
            continue
        distinct = view.distinct_text(str(col))
        if distinct is not None:  # the distinct values are tested, not every record
            bad = pd.Series(rows_with(view.df[col], distinct, lambda v: v[:1].isspace()),
                            index=view.df.index)
        else:
            bad = view.df[col].astype("string").str.match(r"^\s").fillna(False).astype(bool)
        if bad.any():
            yield Hit(f"{col} starts with a blank", rows=bad, variables=[str(col)])
