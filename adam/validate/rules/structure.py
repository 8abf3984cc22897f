"""Dataset structure: identifiers, sequence numbers, duplicates, code/decode pairs, empties."""

from __future__ import annotations

from typing import Iterator

import numpy as np
import pandas as pd

from adam.export.text import rows_with
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
        candidates = df.duplicated(subset, keep=False)
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
        elif view.df[col].isna().any():
            yield Hit(f"{col} is null", rows=view.df[col].isna(), variables=[col])


@rule("ADAM-ST-003", "STUDYID does not hold one and the same value in every dataset.",
      scope="study")
def one_study(ctx: RuleContext) -> Iterator[Hit]:
    values: dict[str, set[str]] = {}
    for name, view in ctx.views.items():
        if "STUDYID" in view.df.columns:
            values[name] = set(view.df["STUDYID"].dropna().astype(str).unique())
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
    dup = view.df.duplicated(["USUBJID", "ASEQ"], keep=False) & view.df["ASEQ"].notna()
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


def one_to_one_violations(df: pd.DataFrame, a: str, b: str, by: list[str] | None = None) -> pd.Series:
    """Records whose (a, b) pair breaks a one-to-one mapping between a and b (within ``by``)."""
    by = by or []
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
        bad = one_to_one_violations(view.df, text_var, num_var)
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
    empty = [str(c) for c in view.df.columns if view.df[c].isna().all()]
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
