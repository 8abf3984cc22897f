"""Occurrence Data Structure: links to SDTM, treatment emergence, occurrence flags, coding."""

from __future__ import annotations

from typing import Iterator

import numpy as np
import pandas as pd

from adam.validate.rules.base import DatasetView, Hit, RuleContext, rule, text

OCCDS = ("OCCDS",)


def _flag(view: DatasetView, col: str) -> pd.Series:
    flagged = view.text_in(col, ["Y"])
    return flagged if flagged is not None else (text(view.df[col]) == "Y").fillna(False).astype(bool)


def _coding(view: DatasetView) -> tuple[str | None, str | None]:
    """The body-system and dictionary-term variables (e.g. AEBODSYS, AEDECOD), if any."""
    bodsys = next((c for c in view.columns_like(lambda c: c.endswith("BODSYS"))), None)
    decod = next((c for c in view.columns_like(lambda c: c.endswith("DECOD"))), None)
    return bodsys, decod


@rule("ADAM-OC-001", "An occurrence dataset has no sequence variable linking its records to "
      "SDTM (an --SEQ such as AESEQ, or SRCSEQ).", "warning", classes=OCCDS)
def sdtm_link(ctx: RuleContext, view: DatasetView) -> Iterator[Hit]:
    seqs = view.columns_like(lambda c: c.endswith("SEQ") and c != "ASEQ")
    if not seqs:
        yield Hit("no --SEQ or SRCSEQ variable")


@rule("ADAM-OC-002", "A treatment-emergent record (TRTEMFL='Y') starts before the first dose "
      "(ASTDT < TRTSDT).", "warning", classes=OCCDS)
def emergent_after_start(ctx: RuleContext, view: DatasetView) -> Iterator[Hit]:
    if not view.has("TRTEMFL", "ASTDT"):
        return
    trtsdt = ctx.from_adsl(view, "TRTSDT")
    if trtsdt is None:
        return
    start = pd.to_numeric(trtsdt, errors="coerce")
    bad = _flag(view, "TRTEMFL") & (view.numbers("ASTDT") < start).fillna(False).astype(bool)
    if bad.any():
        yield Hit("TRTEMFL='Y' but ASTDT < TRTSDT", rows=bad, variables=["TRTEMFL", "ASTDT"])


@rule("ADAM-OC-003", "A record is flagged treatment-emergent (TRTEMFL='Y') for a subject with "
      "no treatment start date (TRTSDT null).", classes=OCCDS)
def emergent_needs_treatment(ctx: RuleContext, view: DatasetView) -> Iterator[Hit]:
    if not view.has("TRTEMFL", "USUBJID"):
        return
    trtsdt = ctx.from_adsl(view, "TRTSDT")
    if trtsdt is None:
        return
    bad = _flag(view, "TRTEMFL") & trtsdt.isna()
    if bad.any():
        yield Hit("TRTEMFL='Y' for an untreated subject", rows=bad, variables=["TRTEMFL"])


def occurrence_flags(view: DatasetView) -> dict[str, list[str]]:
    """First-occurrence flag -> the variables within which it may be 'Y' only once.

    The ADaM flags AOCCFL (per subject), AOCCSFL (per subject and body system) and AOCCPFL
    (per subject, body system and term); any other flag whose spec variable gives
    ``extra: {occurrence_by: [...]}`` (e.g. a per-year flag by USUBJID and AYEAR).
    """
    bodsys, decod = _coding(view)
    standard = {"AOCCFL": ["USUBJID"], "AOCCSFL": ["USUBJID", bodsys],
                "AOCCPFL": ["USUBJID", bodsys, decod]}
    out = {}
    for col, by in standard.items():
        if view.has(col) and all(b is not None for b in by):
            out[col] = [str(b) for b in by]
    if view.spec is not None:
        for var in view.spec.variables:
            by = var.extra.get("occurrence_by")
            if by and view.has(var.name):
                out[var.name] = [str(b) for b in by]
    return out


@rule("ADAM-OC-004", "A first-occurrence flag is 'Y' on more than one record of its group: AOCCFL "
      "per subject, AOCCSFL per subject and body system, AOCCPFL per subject, body system and "
      "term (other flags when the spec gives extra: {occurrence_by: [...]}).", classes=OCCDS)
def first_occurrence(ctx: RuleContext, view: DatasetView) -> Iterator[Hit]:
    for col, by in occurrence_flags(view).items():
        if not view.has(*by):
            yield Hit(f"{col} not checked: {', '.join(b for b in by if not view.has(b))} missing",
                      variables=[col], severity="notice")
            continue
        flagged = _flag(view, col)
        key = view.codes.key(by)
        n = np.bincount(key[flagged.to_numpy()], minlength=int(key.max(initial=-1)) + 1)
        bad = flagged & (n[key] > 1)
        if bad.any():
            yield Hit(f"{col}='Y' on more than one record per {', '.join(by)}", rows=bad,
                      variables=by[1:] + [col])


@rule("ADAM-OC-005", "A dictionary-coded term (--DECOD) has no body system (--BODSYS) on the "
      "same record.", "warning", classes=OCCDS)
def coded_has_body_system(ctx: RuleContext, view: DatasetView) -> Iterator[Hit]:
    bodsys, decod = _coding(view)
    if bodsys and decod:
        bad = view.present(decod) & view.missing(bodsys)
        if bad.any():
            yield Hit(f"{decod} without {bodsys}", rows=bad, variables=[decod, bodsys])
