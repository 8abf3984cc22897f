"""`compare_datasets`: compare two DataFrames the way PROC COMPARE / diffdf do.

What is compared, in order: dataset attributes (label, number of records), variables present
on one side only, variable attributes (type, length, label, format), records present on one
side only (by key, or by row order when no keys are given), duplicate keys, and the values of
every common variable on the matched records. Variable names match case-insensitively, as in
SAS. Key variables are used to match records and are not value-compared themselves.
"""

from __future__ import annotations

from typing import Any, Iterable

import numpy as np
import pandas as pd

from adam.compare.align import Alignment, align_by_keys, align_by_row, key_codes
from adam.compare.result import (
    AttributeDiff,
    CompareResult,
    DuplicateKeys,
    RecordExample,
    RecordsOnlyIn,
    ValueDiff,
    ValueExample,
    VariableAttributeDiff,
)
from adam.compare.values import (
    as_float,
    as_text,
    column_kind,
    numeric_differs,
    round_values,
    text_differs,
)
from adam.errors import InputError, Problem
from adam.export.columns import ColumnMeta, DatasetMeta

KIND_LABEL = {"num": "Num", "char": "Char"}


def split_keys(keys: str | Iterable[str] | None) -> list[str]:
    """Key names from "A B", "A,B" or ["A", "B C"] forms, in order, without repeats."""
    if keys is None:
        return []
    if isinstance(keys, str):
        keys = [keys]
    out: list[str] = []
    for item in keys:
        for name in item.replace(",", " ").split():
            if name.upper() not in (k.upper() for k in out):
                out.append(name)
    return out


def _name_map(df: pd.DataFrame, side: str, where: dict[str, Any]) -> dict[str, str]:
    """Upper-case name -> actual column name; two columns differing only in case are an error."""
    mapping: dict[str, str] = {}
    problems = []
    for col in df.columns:
        key = str(col).upper()
        if key in mapping:
            problems.append(
                Problem(
                    f"the {side} dataset has two variables named {mapping[key]!r} and {col!r} "
                    "(variable names are compared case-insensitively, as in SAS)",
                    variable=str(col),
                    **where,
                )
            )
        mapping[key] = str(col)
    if problems:
        raise InputError(problems)
    return mapping


def _meta_columns(meta: DatasetMeta | None) -> dict[str, ColumnMeta] | None:
    if meta is None:
        return None
    return {c.name.upper(): c for c in meta.columns}


def _norm_format(fmt: str | None) -> str:
    return (fmt or "").strip().upper().rstrip(".")


def _effective_kinds(
    base: pd.Series, compare: pd.Series, base_meta: bool, compare_meta: bool
) -> tuple[str, str]:
    """Kinds of a variable on both sides; an all-missing column of a metadata-less file
    (csv, parquet) takes the other side's kind, since its type cannot be told from its data."""
    kb, kc = column_kind(base), column_kind(compare)
    if kb != kc:
        if not base_meta and base.isna().all():
            kb = kc
        elif not compare_meta and compare.isna().all():
            kc = kb
    return kb, kc


def _py(value: Any) -> Any:
    """A JSON-friendly Python scalar (NaN / NA / NaT become None)."""
    if value is None:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return value


def _record_examples(
    frame: pd.DataFrame, key_cols: list[str], rows: np.ndarray, side: str, counts=None
) -> list[RecordExample]:
    key_values = {k: frame[k].iloc[rows].tolist() for k in key_cols}
    out = []
    for i, row in enumerate(rows.tolist()):
        key = {k: _py(key_values[k][i]) for k in key_cols} if key_cols else {"OBS": row + 1}
        rownums = {"base_row": row + 1} if side == "base" else {"compare_row": row + 1}
        out.append(
            RecordExample(key=key, count=int(counts[i]) if counts is not None else None, **rownums)
        )
    return out


def _variable_findings(
    result: CompareResult,
    base: pd.DataFrame,
    compare: pd.DataFrame,
    bmap: dict[str, str],
    cmap: dict[str, str],
    common: list[str],
    base_meta: DatasetMeta | None,
    compare_meta: DatasetMeta | None,
) -> dict[str, str]:
    """Add type, length, label and format differences of the common variables to ``result``;
    return the kind ("num"/"char") of each common variable whose type agrees."""
    bmeta, cmeta = _meta_columns(base_meta), _meta_columns(compare_meta)
    kinds: dict[str, str] = {}
    for u in common:
        var = bmap[u]
        kb, kc = _effective_kinds(base[var], compare[cmap[u]], base_meta is not None, compare_meta is not None)
        if kb != kc:
            result.variable_diffs.append(VariableAttributeDiff(var, "type", KIND_LABEL[kb], KIND_LABEL[kc]))
        else:
            kinds[u] = kb
        bc = bmeta.get(u) if bmeta is not None else None
        cc = cmeta.get(u) if cmeta is not None else None
        if bc is None or cc is None:
            continue
        if bc.length is not None and cc.length is not None and bc.length != cc.length:
            result.variable_diffs.append(VariableAttributeDiff(var, "length", bc.length, cc.length))
        if (bc.label or "") != (cc.label or ""):
            result.variable_diffs.append(VariableAttributeDiff(var, "label", bc.label or "", cc.label or ""))
        if _norm_format(bc.display_format) != _norm_format(cc.display_format):
            result.variable_diffs.append(
                VariableAttributeDiff(var, "format", bc.display_format or "", cc.display_format or "")
            )
    return kinds


def _check_options(abs_tol: float, rel_tol: float, round_digits: int | None, max_diffs: int) -> None:
    problems = []
    for name, value in (("abs_tol", abs_tol), ("rel_tol", rel_tol)):
        if not np.isfinite(value) or value < 0:
            problems.append(Problem(f"{name} must be a finite number >= 0, got {value!r}"))
    if round_digits is not None and not isinstance(round_digits, (int, np.integer)):
        problems.append(Problem(f"round_digits must be an integer, got {round_digits!r}"))
    if max_diffs < 0:
        problems.append(Problem(f"max_diffs must be >= 0, got {max_diffs!r}"))
    if problems:
        raise InputError(problems)


def compare_datasets(
    base: pd.DataFrame,
    compare: pd.DataFrame,
    keys: str | Iterable[str] | None = None,
    *,
    base_meta: DatasetMeta | None = None,
    compare_meta: DatasetMeta | None = None,
    abs_tol: float = 0.0,
    rel_tol: float = 0.0,
    round_digits: int | None = None,
    ignore_trailing_blanks: bool = True,
    ignore_case: bool = False,
    strict_missing: bool = False,
    max_diffs: int = 10,
    name: str | None = None,
    base_path: str | None = None,
    compare_path: str | None = None,
) -> CompareResult:
    """Compare ``compare`` against ``base`` and return every difference found.

    Records are matched on ``keys`` (names, or one "A B" / "A,B" string); with no keys they
    are matched by row order. Numeric values are equal when, after optional rounding to
    ``round_digits`` decimals, |a - b| <= max(abs_tol, rel_tol * max(|a|, |b|)) (default:
    exact); NaN equals NaN. Character values ignore trailing blanks unless
    ``ignore_trailing_blanks`` is False, and case when ``ignore_case``; "" and missing are
    equal unless ``strict_missing``. Labels, lengths and formats are compared only where both
    sides carry metadata (``base_meta`` / ``compare_meta``, as XPT and Dataset-JSON do).
    ``max_diffs`` bounds the examples kept per finding; counts are always complete.

    Raises InputError naming each key variable missing from either side, or a key whose type
    differs between the sides.
    """
    _check_options(abs_tol, rel_tol, round_digits, max_diffs)
    name = name or (base_meta.name if base_meta else None) or (compare_meta.name if compare_meta else None) or "DATASET"
    where = {"dataset": name}
    key_list = split_keys(keys)
    options = {
        "abs_tol": abs_tol,
        "rel_tol": rel_tol,
        "round_digits": round_digits,
        "ignore_trailing_blanks": ignore_trailing_blanks,
        "ignore_case": ignore_case,
        "strict_missing": strict_missing,
        "max_diffs": max_diffs,
    }
    bmap = _name_map(base, "base", {**where, "file": base_path})
    cmap = _name_map(compare, "compare", {**where, "file": compare_path})

    problems = []
    for k in key_list:
        for side, mapping, path in (("base", bmap, base_path), ("compare", cmap, compare_path)):
            if k.upper() not in mapping:
                problems.append(
                    Problem(f"key variable {k} is not in the {side} dataset", file=path, dataset=name, variable=k)
                )
    if problems:
        raise InputError(problems)

    result = CompareResult(
        name=name,
        base_path=base_path,
        compare_path=compare_path,
        keys=[bmap[k.upper()] for k in key_list],
        matched_by="keys" if key_list else "row order",
        base_label=base_meta.label if base_meta else None,
        compare_label=compare_meta.label if compare_meta else None,
        base_nobs=len(base),
        compare_nobs=len(compare),
        base_nvars=base.shape[1],
        compare_nvars=compare.shape[1],
        options=options,
    )
    if not key_list:
        result.notes.append("no keys given: records are matched by row order (observation number)")

    # dataset attributes
    if base_meta is not None and compare_meta is not None and (base_meta.label or "") != (compare_meta.label or ""):
        result.attribute_diffs.append(AttributeDiff("label", base_meta.label or "", compare_meta.label or ""))
    if len(base) != len(compare):
        result.attribute_diffs.append(AttributeDiff("records", len(base), len(compare)))

    # variables on one side only, and attributes of the common ones
    common = [u for u in bmap if u in cmap]
    result.vars_only_in_base = [bmap[u] for u in bmap if u not in cmap]
    result.vars_only_in_compare = [cmap[u] for u in cmap if u not in bmap]
    kinds = _variable_findings(result, base, compare, bmap, cmap, common, base_meta, compare_meta)

    # match records
    key_upper = [k.upper() for k in key_list]
    bad_keys = [u for u in key_upper if u not in kinds]
    if bad_keys:
        raise InputError(
            [
                Problem(
                    f"key variable {bmap[u]} is {KIND_LABEL[column_kind(base[bmap[u]])]} in the base "
                    f"dataset but {KIND_LABEL[column_kind(compare[cmap[u]])]} in the compare dataset",
                    file=compare_path,
                    dataset=name,
                    variable=bmap[u],
                )
                for u in bad_keys
            ]
        )
    norm = dict(
        round_digits=round_digits,
        ignore_trailing_blanks=ignore_trailing_blanks,
        ignore_case=ignore_case,
        strict_missing=strict_missing,
    )
    if key_list:
        codes = [key_codes(base[bmap[u]], compare[cmap[u]], kinds[u], **norm) for u in key_upper]
        align = align_by_keys(codes, len(base))
    else:
        align = align_by_row(len(base), len(compare))
    result.n_matched = int(align.base_idx.size)
    _record_findings(result, align, base, compare, [bmap[u] for u in key_upper], [cmap[u] for u in key_upper], max_diffs)

    # values
    value_vars = [u for u in common if u in kinds and u not in key_upper]
    result.n_vars_compared = len(value_vars)
    for u in value_vars:
        differs, a_vals, b_vals = _compare_values(
            base[bmap[u]], compare[cmap[u]], kinds[u], align, abs_tol=abs_tol, rel_tol=rel_tol, **norm
        )
        found = _value_diff(bmap[u], kinds[u], differs, a_vals, b_vals, align, base, compare[cmap[u]],
                            [bmap[k] for k in key_upper], max_diffs)
        if found is not None:
            result.value_diffs.append(found)
    return result


def _value_diff(
    variable: str,
    kind: str,
    differs: np.ndarray,
    a_vals: np.ndarray | None,
    b_vals: np.ndarray | None,
    align: Alignment,
    base: pd.DataFrame,
    compare_col: pd.Series,
    key_cols: list[str],
    max_diffs: int,
) -> ValueDiff | None:
    """The count, largest gap and first ``max_diffs`` examples of one variable's differences."""
    pos = np.flatnonzero(differs)
    if not pos.size:
        return None
    vd = ValueDiff(variable=variable, kind=kind, n_diff=int(pos.size), n_compared=int(differs.size))
    gaps = None
    if kind == "num":
        with np.errstate(invalid="ignore"):
            gaps = b_vals[pos] - a_vals[pos]
        finite = np.isfinite(gaps)
        if finite.any():
            vd.max_abs_diff = float(np.abs(gaps[finite]).max())
    shown = pos[:max_diffs]
    brow, crow = align.base_idx[shown], align.compare_idx[shown]
    bvals = base[variable].iloc[brow].tolist()
    cvals = compare_col.iloc[crow].tolist()
    key_vals = {k: base[k].iloc[brow].tolist() for k in key_cols}
    for i in range(shown.size):
        gap = float(gaps[i]) if gaps is not None and np.isfinite(gaps[i]) else None
        vd.examples.append(
            ValueExample(
                key={k: _py(key_vals[k][i]) for k in key_cols} if key_cols else {"OBS": int(brow[i]) + 1},
                base_row=int(brow[i]) + 1,
                compare_row=int(crow[i]) + 1,
                base=_py(bvals[i]),
                compare=_py(cvals[i]),
                diff=gap,
            )
        )
    return vd


def _take(values: np.ndarray, idx: np.ndarray, identity: bool) -> np.ndarray:
    return values if identity and idx.size == values.size else values[idx]


def _compare_values(
    bs: pd.Series,
    cs: pd.Series,
    kind: str,
    align: Alignment,
    *,
    abs_tol: float,
    rel_tol: float,
    round_digits: int | None,
    ignore_trailing_blanks: bool,
    ignore_case: bool,
    strict_missing: bool,
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """A differs mask over the matched records, plus the compared (numeric) arrays."""
    bi, ci, ident = align.base_idx, align.compare_idx, align.identity
    if kind == "num":
        a = round_values(_take(as_float(bs), bi, ident), round_digits)
        b = round_values(_take(as_float(cs), ci, ident), round_digits)
        return numeric_differs(a, b, abs_tol=abs_tol, rel_tol=rel_tol), a, b
    differs = text_differs(
        _take(as_text(bs), bi, ident),
        _take(as_text(cs), ci, ident),
        ignore_trailing_blanks=ignore_trailing_blanks,
        ignore_case=ignore_case,
        strict_missing=strict_missing,
    )
    return differs, None, None


def _record_findings(
    result: CompareResult,
    align: Alignment,
    base: pd.DataFrame,
    compare: pd.DataFrame,
    base_keys: list[str],
    compare_keys: list[str],
    max_diffs: int,
) -> None:
    """Fill records-only-in-one-side and duplicate-key findings from the alignment."""
    if align.base_only.size:
        result.records_only_in_base = RecordsOnlyIn(
            "base", int(align.base_only.size), _record_examples(base, base_keys, align.base_only[:max_diffs], "base")
        )
    if align.compare_only.size:
        result.records_only_in_compare = RecordsOnlyIn(
            "compare",
            int(align.compare_only.size),
            _record_examples(compare, compare_keys, align.compare_only[:max_diffs], "compare"),
        )
    for side, frame, keys_, rows, counts in (
        ("base", base, base_keys, align.base_dups, align.base_dup_counts),
        ("compare", compare, compare_keys, align.compare_dups, align.compare_dup_counts),
    ):
        if rows.size:
            result.duplicate_keys.append(
                DuplicateKeys(
                    side=side,
                    n_keys=int(rows.size),
                    n_records=int(counts.sum()),
                    examples=_record_examples(frame, keys_, rows[:max_diffs], side, counts[:max_diffs]),
                )
            )
