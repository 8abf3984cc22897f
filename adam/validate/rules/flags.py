"""Flag variables: population flags, record-level flags, criterion flags, numeric flags.

ADaMIG conventions: ``*FL`` flags are character; subject-level population flags take Y or N
and are never null; record-level flags (baseline, analysis, treatment-emergent, on-treatment,
first-occurrence flags) take Y or null; a numeric ``*FN`` mirrors its ``*FL`` as 1/0.
"""

from __future__ import annotations

import re
from typing import Iterator

import pandas as pd

from adam.validate.codes import distinct_per_group
from adam.validate.rules.base import DatasetView, Hit, RuleContext, rule, text

POPULATION_FLAGS = {"SAFFL", "ITTFL", "FASFL", "PPROTFL", "RANDFL", "ENRLFL", "COMPLFL", "SCRNFL",
                    "MITTFL", "PKFL", "PDFL"}
POPULATION_PATTERN = re.compile(r"^COMP\d{1,2}[A-Z]?FL$")
RECORD_FLAGS = re.compile(r"^(ABLFL|ANL\d{2}FL|TRTEMFL|ONTRTFL|AOCC\w*FL|LVOTFL|PREFL|FUPFL)$")
CRIT = re.compile(r"^(M?CRIT)(\d{1,3})$")


def population_flags(view: DatasetView) -> list[str]:
    """ADSL flags that define analysis populations: by name, by spec label, or spec extra."""
    out = []
    for col in view.columns_like(lambda c: c.endswith("FL")):
        spec_var = None
        if view.spec is not None and col in view.spec.variable_names:
            spec_var = view.spec.variable(col)
        if spec_var is not None and "population_flag" in spec_var.extra:
            if spec_var.extra["population_flag"]:
                out.append(col)
            continue
        label = (spec_var.label if spec_var else view.label_of(col)) or ""
        if col in POPULATION_FLAGS or POPULATION_PATTERN.match(col) or re.search(
                r"\bpopul", label, re.IGNORECASE):
            out.append(col)
    return out


@rule("ADAM-FL-001", "A population flag in ADSL (SAFFL, ITTFL, FASFL, PPROTFL, RANDFL, ..., or any "
      "*FL the spec labels as a population flag) is null or not Y/N.", classes=("ADSL",))
def population_flag_values(ctx: RuleContext, view: DatasetView) -> Iterator[Hit]:
    for col in population_flags(view):
        yes_no = view.text_in(col, ["Y", "N"])
        if yes_no is None:
            yes_no = text(view.df[col]).isin(["Y", "N"]).fillna(False).astype(bool)
        bad = ~yes_no
        if bad.any():
            yield Hit(f"population flag {col} null or not Y/N", rows=bad, variables=[col])


@rule("ADAM-FL-002", "A flag variable (*FL) holds a value other than Y, N or null.")
def flag_values(ctx: RuleContext, view: DatasetView) -> Iterator[Hit]:
    for col in view.columns_like(lambda c: c.endswith("FL")):
        bad = view.text_rows(col, lambda v: v not in ("Y", "N"))
        if bad is None:  # not text: every record is tested
            s = view.df[col]
            bad = s.notna() & ~s.isin(["Y", "N"]).fillna(False).astype(bool)
        if bad.any():
            yield Hit(f"{col} not Y/N/null", rows=bad, variables=[col])


@rule("ADAM-FL-003", "A record-level flag (ABLFL, ANLzzFL, TRTEMFL, ONTRTFL, AOCCxxFL, LVOTFL, "
      "...) is 'N'; these flags are Y or null.", classes=("BDS", "OCCDS", "TTE", "OTHER"))
def record_flag_values(ctx: RuleContext, view: DatasetView) -> Iterator[Hit]:
    for col in view.columns_like(lambda c: bool(RECORD_FLAGS.match(c))):
        bad = view.text_in(col, ["N"])
        if bad is None:
            bad = (text(view.df[col]) == "N").fillna(False).astype(bool)
        if bad.any():
            yield Hit(f"{col}='N' (record-level flags are Y or null)", rows=bad, variables=[col])


@rule("ADAM-FL-004", "A flag variable (*FL) is numeric; flags are character.")
def flag_is_text(ctx: RuleContext, view: DatasetView) -> Iterator[Hit]:
    for col in view.columns_like(lambda c: c.endswith("FL")):
        if view.is_numeric(col) and view.df[col].notna().any():
            yield Hit(f"{col} is numeric", variables=[col])


def _crit_vars(view: DatasetView) -> dict[str, str]:
    """CRITy / MCRITy variable -> the flag it needs (CRITyFL / MCRITyML)."""
    out = {}
    for col in view.columns_like(lambda c: bool(CRIT.match(c))):
        m = CRIT.match(col)
        assert m is not None
        out[col] = col + ("FL" if m.group(1) == "CRIT" else "ML")
    for col in view.columns_like(lambda c: bool(re.match(r"^CRIT\d{1,3}FL$", c))):
        out.setdefault(col[:-2], col)
    for col in view.columns_like(lambda c: bool(re.match(r"^MCRIT\d{1,3}ML$", c))):
        out.setdefault(col[:-2], col)
    return out


@rule("ADAM-FL-005", "A criterion variable and its flag do not come together (CRITy needs "
      "CRITyFL and vice versa; MCRITy needs MCRITyML).")
def criterion_pairs(ctx: RuleContext, view: DatasetView) -> Iterator[Hit]:
    for crit, flag in sorted(_crit_vars(view).items()):
        missing = [v for v in (crit, flag) if v not in view.df.columns]
        if missing:
            yield Hit(f"{' and '.join(missing)} missing for {crit}/{flag}", variables=missing)


@rule("ADAM-FL-006", "A criterion flag (CRITyFL) is populated on a record whose criterion text "
      "(CRITy) is null.")
def criterion_text_present(ctx: RuleContext, view: DatasetView) -> Iterator[Hit]:
    for crit, flag in sorted(_crit_vars(view).items()):
        if view.has(crit, flag):
            bad = view.present(flag) & view.missing(crit)
            if bad.any():
                yield Hit(f"{flag} set but {crit} null", rows=bad, variables=[crit, flag])


@rule("ADAM-FL-007", "The criterion text CRITy takes more than one value within a parameter.",
      classes=("BDS", "TTE"))
def criterion_constant(ctx: RuleContext, view: DatasetView) -> Iterator[Hit]:
    if not view.has("PARAMCD"):
        return
    for crit in sorted(_crit_vars(view)):
        if view.has(crit):
            n = distinct_per_group(view.codes.key(["PARAMCD"]), view.codes.codes(crit))
            bad = pd.Series(n > 1, index=view.df.index)
            if bad.any():
                yield Hit(f"{crit} varies within PARAMCD", rows=bad, variables=["PARAMCD", crit])


@rule("ADAM-FL-008", "A numeric flag (*FN) does not mirror its character flag (*FL): Y is 1, "
      "N is 0, null is null.")
def numeric_flag(ctx: RuleContext, view: DatasetView) -> Iterator[Hit]:
    for fn in view.columns_like(lambda c: c.endswith("FN")):
        fl = fn[:-1] + "L"
        if fl not in view.df.columns:
            continue
        expected = text(view.df[fl]).map({"Y": 1.0, "N": 0.0}).astype("Float64")
        got = pd.to_numeric(view.df[fn], errors="coerce").astype("Float64")
        same = (expected == got).fillna(False) | (expected.isna() & got.isna())
        bad = ~same.astype(bool)
        if bad.any():
            yield Hit(f"{fn} does not mirror {fl}", rows=bad, variables=[fl, fn])
