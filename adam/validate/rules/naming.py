"""Names, labels and the variable list: XPT v5 limits and agreement with the spec."""

from __future__ import annotations

import re
from typing import Iterator


import pandas as pd

from adam.export.text import rows_with
from adam.validate.rules.base import DatasetView, Hit, RuleContext, rule

NAME = re.compile(r"^[A-Z][A-Z0-9_]{0,7}$")


def _ascii(text: str) -> bool:
    return all(ord(ch) < 128 for ch in text)


@rule("ADAM-NM-001", "The dataset name is not a valid XPT v5 name: at most 8 characters, upper-case "
      "letters, digits or underscores, starting with a letter.")
def dataset_name(ctx: RuleContext, view: DatasetView) -> Iterator[Hit]:
    if not NAME.match(view.name):
        yield Hit(f"dataset name {view.name!r} is not a valid XPT name")


@rule("ADAM-NM-002", "An analysis dataset name does not start with 'AD'.", "warning")
def dataset_prefix(ctx: RuleContext, view: DatasetView) -> Iterator[Hit]:
    if not view.name.startswith("AD"):
        yield Hit(f"dataset name {view.name!r} does not start with AD")


@rule("ADAM-NM-003", "A variable name is not a valid XPT v5 name: at most 8 characters, upper-case "
      "letters, digits or underscores, starting with a letter.")
def variable_names(ctx: RuleContext, view: DatasetView) -> Iterator[Hit]:
    bad = [str(c) for c in view.df.columns if not NAME.match(str(c))]
    if bad:
        yield Hit(f"invalid variable name(s): {', '.join(bad)}", variables=bad, count=len(bad))


@rule("ADAM-NM-004", "A variable label is empty, longer than 40 characters or not plain ASCII "
      "(from the file's metadata, else the spec).")
def variable_labels(ctx: RuleContext, view: DatasetView) -> Iterator[Hit]:
    bad = []
    for col in view.df.columns:
        label = view.label_of(str(col))
        if label is None:
            continue
        if not label.strip() or len(label) > 40 or not _ascii(label):
            bad.append(f"{col} ({label!r})")
    if bad:
        yield Hit("bad label(s): " + "; ".join(bad), count=len(bad))


@rule("ADAM-NM-005", "The dataset label is empty, longer than 40 characters or not plain ASCII.")
def dataset_label(ctx: RuleContext, view: DatasetView) -> Iterator[Hit]:
    label = view.meta.label if view.meta is not None else view.spec.label if view.spec else None
    if label is not None and (not label.strip() or len(label) > 40 or not _ascii(label)):
        yield Hit(f"dataset label {label!r} is empty, over 40 characters or not ASCII")


@rule("ADAM-NM-006", "The variables are not in the order the spec lists them.", "warning")
def variable_order(ctx: RuleContext, view: DatasetView) -> Iterator[Hit]:
    if view.spec is None:
        return
    wanted = [v for v in view.spec.variable_names if v in view.df.columns]
    found = [str(c) for c in view.df.columns if c in set(wanted)]
    if found != wanted:
        first = next(i for i, (a, b) in enumerate(zip(found, wanted)) if a != b)
        yield Hit(f"variable {first + 1} is {found[first]}, the spec puts {wanted[first]} there")


@rule("ADAM-NM-007", "The dataset has a variable the spec does not define.")
def variable_not_in_spec(ctx: RuleContext, view: DatasetView) -> Iterator[Hit]:
    if view.spec is None:
        return
    extra = [str(c) for c in view.df.columns if c not in set(view.spec.variable_names)]
    if extra:
        yield Hit(f"not in the spec: {', '.join(extra)}", variables=extra, count=len(extra))


@rule("ADAM-NM-008", "A variable the spec defines as conditional or permissible is not in the "
      "dataset (required ones are reported by ADAM-SC-001).", "warning")
def spec_variable_absent(ctx: RuleContext, view: DatasetView) -> Iterator[Hit]:
    if view.spec is None:
        return
    absent = [v.name for v in view.spec.variables
              if v.core != "Req" and v.name not in view.df.columns]
    if absent:
        yield Hit(f"in the spec but not in the dataset: {', '.join(absent)}", variables=absent,
                  count=len(absent))


@rule("ADAM-NM-009", "A variable label in the file differs from the label in the spec.", "warning")
def label_matches_spec(ctx: RuleContext, view: DatasetView) -> Iterator[Hit]:
    if view.spec is None or view.meta is None:
        return
    spec_labels = {v.name: v.label for v in view.spec.variables}
    bad = [f"{c.name} ({c.label!r}, spec {spec_labels[c.name]!r})" for c in view.meta.columns
           if c.name in spec_labels and c.label != spec_labels[c.name]]
    if bad:
        yield Hit("labels differ from the spec: " + "; ".join(bad), count=len(bad))


@rule("ADAM-NM-010", "A character value holds non-ASCII characters, which XPT v5 cannot carry "
      "reliably.")
def ascii_values(ctx: RuleContext, view: DatasetView) -> Iterator[Hit]:
    for col in view.columns_like(lambda c: True):
        if not view.is_text(col):
            continue
        distinct = view.distinct_text(str(col))
        if distinct is not None:  # the distinct values are tested, not every record
            bad = pd.Series(rows_with(view.df[col], distinct, lambda v: not v.isascii()),
                            index=view.df.index)
        else:
            s = view.df[col].astype("string")
            bad = s.str.contains(r"[^\x00-\x7F]", regex=True).fillna(False).astype(bool)
        if bad.any():
            yield Hit(f"{col}: non-ASCII characters", rows=bad, variables=[col])


@rule("ADAM-NM-011", "A dataset was given that the spec does not define.", "warning", scope="study")
def dataset_not_in_spec(ctx: RuleContext) -> Iterator[Hit]:
    if ctx.spec is None:
        return
    for name, view in ctx.views.items():
        if view.spec is None:
            yield Hit(f"{name} is not defined in the spec; checked by name and columns only",
                      dataset=name)


@rule("ADAM-NM-012", "A dataset the spec defines was not given, so it was not checked.", "notice",
      scope="study")
def spec_dataset_absent(ctx: RuleContext) -> Iterator[Hit]:
    if ctx.spec is None:
        return
    for name in ctx.spec.dataset_names:
        if name not in ctx.views:
            yield Hit(f"{name} is in the spec but was not given", dataset=name)

