"""Grouping derivations: codes from decodes through a spec codelist, pooled small groups."""

from __future__ import annotations

import numpy as np
import pandas as pd

from adam.derive._checks import Checker, record_label
from adam.errors import InputError, Problem
from adam.spec.model import Codelist


def derive_var_codelist_map(
    df: pd.DataFrame,
    new_var: str,
    source: str,
    codelist: Codelist,
    to: str = "value",
    dataset_name: str | None = None,
) -> pd.DataFrame:
    """Map ``source`` through a spec codelist: decode -> coded value, or coded value -> decode.

    Arguments:
      to: "value" - ``source`` holds decodes (e.g. RACE = 'WHITE'), ``new_var`` gets the coded
        value (RACEN = 1; a number when the codelist type is integer/float, else text);
        "decode" - ``source`` holds coded values (AGEGR1N = 1), ``new_var`` gets the decode
        (AGEGR1 = '<65').
      codelist: needs a decode on every item.

    Cases per record, in order:
      1. ``source`` missing: missing;
      2. ``source`` equals an item's decode (``to="value"``) or value (``to="decode"``): the
         item's other half (numbers compare as numbers, so 1.0 matches '1');
      3. otherwise an InputError listing every such record (the codelist cannot code it).

    Example (codelist RACEN: 1 = WHITE, 2 = BLACK OR AFRICAN AMERICAN; to="value"):
      RACE 'WHITE' -> 1, NaN -> NaN, 'ASIAN' -> error naming the record.
    """
    fn = "derive_var_codelist_map"
    chk = Checker(fn, df, dataset_name)
    if not chk.frame("df", df):
        chk.raise_if_any()
    chk.columns("source", source)
    chk.choice("to", to, ("value", "decode"))
    if chk.new_names("new_var", [new_var]) and new_var in df.columns:
        chk.fail(f"argument new_var: column {new_var} already exists", variable=new_var)
    if not isinstance(codelist, Codelist):
        chk.fail(f"argument codelist must be a spec Codelist, got {type(codelist).__name__}")
    elif any(item.decode is None for item in codelist.items):
        chk.fail(f"argument codelist: {codelist.id} has items without a decode")
    chk.raise_if_any()

    numeric = codelist.type in ("integer", "float")
    values = [float(i.value) if numeric else i.value for i in codelist.items]
    decodes = [i.decode for i in codelist.items]
    keys, targets = (decodes, values) if to == "value" else (values, decodes)
    src = df[source]
    lookup_numeric = to == "decode" and numeric
    keyed = pd.to_numeric(src, errors="coerce") if lookup_numeric else src.astype("str")
    mapping = pd.Series(targets, index=pd.Index(keys), dtype=object)
    if mapping.index.has_duplicates:
        raise InputError(Problem(f"{fn}: codelist {codelist.id} has duplicate "
                                 f"{'decodes' if to == 'value' else 'values'}"))
    mapped = keyed.map(mapping)
    unknown = src.notna().to_numpy() & mapped.isna().to_numpy()
    if unknown.any():
        positions = np.flatnonzero(unknown)
        raw = src.to_numpy(dtype=object)
        raise InputError([
            Problem(f"{fn}: {source} value {raw[p]!r} is not in codelist {codelist.id}",
                    dataset=dataset_name, variable=source, record=label)
            for p, label in zip(positions, record_label(df, positions))
        ])
    out = df.copy(deep=False)  # copy-on-write keeps the input unchanged
    out[new_var] = mapped.to_numpy(dtype=float if to == "value" and numeric else object)
    return out


def derive_var_pooled_group(
    df: pd.DataFrame,
    new_var: str = "SITEGR1",
    source: str = "SITEID",
    by_var: str = "TRT01P",
    min_count: int = 3,
    pooled_value: str = "900",
) -> pd.DataFrame:
    """Pool the ``source`` groups that have fewer than ``min_count`` records in some ``by_var`` group.

    Every ``by_var`` value found in ``df`` counts, so a site without any subject in one arm has
    0 there and is pooled. Records are counted as they are (one record per subject in ADSL).

    Cases per record, in order:
      1. ``source`` missing: missing;
      2. the record's ``source`` group has fewer than ``min_count`` records for at least one
         non-missing ``by_var`` value: ``pooled_value``;
      3. otherwise ``source`` itself.

    Example (min_count 3; arms A, B): site 701 with 3 A + 4 B -> '701'; site 702 with 1 A + 5 B
    -> '900'; site 703 with 4 A and no B -> '900'.
    """
    fn = "derive_var_pooled_group"
    chk = Checker(fn, df)
    if not chk.frame("df", df):
        chk.raise_if_any()
    chk.columns("source", source)
    chk.columns("by_var", by_var)
    if not (isinstance(min_count, (int, np.integer)) and min_count >= 1):
        chk.fail(f"argument min_count must be a positive integer; got {min_count!r}")
    if chk.new_names("new_var", [new_var]) and new_var in df.columns:
        chk.fail(f"argument new_var: column {new_var} already exists", variable=new_var)
    chk.raise_if_any()

    counts = pd.crosstab(df[source], df[by_var])
    small = counts.index[(counts < min_count).any(axis=1).to_numpy()]
    src = df[source]
    pooled = src.isin(small).to_numpy() & src.notna().to_numpy()
    out = df.copy(deep=False)  # copy-on-write keeps the input unchanged
    out[new_var] = np.where(pooled, pooled_value, src.to_numpy(dtype=object))
    out[new_var] = out[new_var].where(src.notna(), None)
    return out
