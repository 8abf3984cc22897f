"""Pandera schemas generated from the spec, and their failures turned into findings.

:func:`schema_for` builds a ``pandera.pandas.DataFrameSchema`` for one spec dataset. Nothing
is written per dataset: each variable's type, core status, codelist, length and range, the
dataset keys and the value-level metadata (e.g. AVAL per PARAMCD) become checks. Every check
is named ``RULE-ID|VARIABLE|detail`` so that a failure maps back to a rule of the catalogue.

:func:`schema_findings` (what the validator runs) validates a frame with that schema, lazily,
and turns pandera's failure cases into findings. Given the frame's shared codes
(:class:`~adam.validate.codes.FrameCodes`), the schema's checks test the distinct values of
character columns instead of every record (each check's ``fast`` form); the tests hold both
forms of every check equal.

Values follow the SAS conventions of XPT: text variables hold strings, every other type holds
numbers (integers as whole floats, dates as SAS day numbers, datetimes as SAS seconds).
A numeric range a spec wants checked is given as ``extra: {range: [low, high]}`` on the
variable (the spec model has no range field; either bound may be null).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import pandas as pd
import pandera.pandas as pa

from adam.export.text import as_strings, distinct_text, lengths
from adam.spec.model import Codelist, Condition, Dataset, Spec, ValueLevel, Variable
from adam.validate.codes import FrameCodes, duplicated_codes
from adam.validate.findings import Finding, Severity, offending_records, value_kind
from adam.validate.rules.base import RULES, declare

MAX_TEXT = 200

SC_MISSING = "ADAM-SC-001"
SC_NULL = "ADAM-SC-002"
SC_TYPE = "ADAM-SC-003"
SC_INTEGER = "ADAM-SC-004"
SC_CODELIST = "ADAM-SC-005"
SC_CODELIST_EXT = "ADAM-SC-006"
SC_LENGTH = "ADAM-SC-007"
SC_LENGTH_200 = "ADAM-SC-008"
SC_RANGE = "ADAM-SC-009"
SC_KEYS = "ADAM-SC-010"
SC_VL_TYPE = "ADAM-SC-011"
SC_VL_CODELIST = "ADAM-SC-012"
SC_VL_NULL = "ADAM-SC-013"
SC_VL_LENGTH = "ADAM-SC-014"

_DECLARED = [
    (SC_MISSING, "A variable the spec marks as required (core Req) is not in the dataset.", "error"),
    (SC_NULL, "A required (core Req) variable is null on some records; a spec may allow nulls "
              "with extra: {nullable: true}.", "error"),
    (SC_TYPE, "A variable does not hold the type the spec gives: text variables must be "
              "character, integer/float/date/datetime/time variables numeric (SAS numbers).", "error"),
    (SC_INTEGER, "An integer or date variable holds a number with a fractional part.", "error"),
    (SC_CODELIST, "A value is not in the variable's non-extensible codelist.", "error"),
    (SC_CODELIST_EXT, "A value is not in the variable's extensible codelist (allowed, but a "
                      "reviewer will ask about it).", "warning"),
    (SC_LENGTH, "A character value is longer than the length the spec gives the variable.", "error"),
    (SC_LENGTH_200, "A character value is longer than 200 characters, the XPT v5 limit.", "error"),
    (SC_RANGE, "A numeric value lies outside the range the spec gives (extra: {range: [low, high]}).",
     "error"),
    (SC_KEYS, "The dataset keys of the spec do not identify records uniquely.", "error"),
    (SC_VL_TYPE, "On the records a value-level where clause selects, the variable does not hold "
                 "the type the value-level metadata gives (e.g. AVAL not integer for a count "
                 "parameter).", "error"),
    (SC_VL_CODELIST, "On the records a value-level where clause selects, a value is outside the "
                     "value-level codelist.", "error"),
    (SC_VL_NULL, "On the records a value-level where clause selects, a variable the value-level "
                 "metadata marks mandatory is null.", "error"),
    (SC_VL_LENGTH, "On the records a value-level where clause selects, a character value is "
                   "longer than the value-level length.", "error"),
]
for _id, _text, _sev in _DECLARED:
    if _id not in RULES:
        declare(_id, _text, _sev)  # type: ignore[arg-type]


# --- element tests (vectorized; each returns True where the value is acceptable) -----------

def _is_text_values(s: pd.Series) -> pd.Series:
    if pd.api.types.is_string_dtype(s) and not pd.api.types.is_object_dtype(s):
        return pd.Series(True, index=s.index)
    if pd.api.types.is_object_dtype(s):
        return s.isna() | s.map(lambda v: isinstance(v, str)).astype(bool)
    return s.isna()


def _is_number_values(s: pd.Series) -> pd.Series:
    if pd.api.types.is_bool_dtype(s):
        return s.isna()
    if pd.api.types.is_numeric_dtype(s):
        return pd.Series(True, index=s.index)
    if pd.api.types.is_object_dtype(s):
        ok = s.map(lambda v: isinstance(v, (int, float, np.integer, np.floating))
                   and not isinstance(v, (bool, np.bool_)))
        return s.isna() | ok.astype(bool)
    return s.isna()


def _as_float(s: pd.Series) -> pd.Series:
    return pd.to_numeric(s, errors="coerce").astype("float64")


def _whole(s: pd.Series) -> pd.Series:
    x = _as_float(s)
    return x.isna() | np.isclose(x, np.round(x), rtol=0, atol=1e-9)


def _text_length(s: pd.Series) -> pd.Series:
    strings = as_strings(s)
    if strings is not None:
        return pd.Series(lengths(strings), index=s.index)
    return s.astype("string").str.len().fillna(0)


def _length_ok(s: pd.Series, limit: int) -> pd.Series:
    """True where the text is at most ``limit`` characters (per value only when the longest
    value is longer)."""
    distinct = distinct_text(s)
    if distinct is not None and max(map(len, distinct), default=0) <= limit:
        return pd.Series(True, index=s.index)
    return _text_length(s) <= limit


# A fast form of a test gives the same answer from the frame's codes (FrameCodes), testing the
# distinct values of a character column instead of every record. It returns None when it does
# not apply (e.g. the column holds numbers), and the test itself then runs.
ColumnFast = Callable[[FrameCodes, str], "np.ndarray | bool | None"]
FrameFast = Callable[[FrameCodes], "np.ndarray | bool | None"]


def _length_fast(limit: int) -> ColumnFast:
    def fast(codes: FrameCodes, column: str) -> np.ndarray | bool | None:
        found = codes.text(column)
        if found is None:
            return None
        if found.max_length <= limit:
            return np.ones(len(found.codes), dtype=bool)
        return ~found.lookup(lambda v: len(v) > limit)
    return fast


def _whole_fast(codes: FrameCodes, column: str) -> np.ndarray | None:
    """:func:`_whole` of a float column without copies (equal infinities are whole too)."""
    s = codes.df[column]
    if s.dtype != np.float64:
        return None
    x = s.to_numpy()
    rounded = np.round(x)
    with np.errstate(invalid="ignore"):
        return np.isnan(x) | (x == rounded) | (np.abs(x - rounded) <= 1e-9)


def _codelist_test(codelist: Codelist, numeric: bool) -> Callable[[pd.Series], pd.Series]:
    if numeric:
        allowed = set()
        for value in codelist.values:
            try:
                allowed.add(float(value))
            except ValueError:
                pass
        return lambda s: s.isna() | _as_float(s).isin(allowed)
    allowed_text = list(codelist.values)
    return lambda s: s.isna() | s.astype("string").isin(allowed_text).fillna(False).astype(bool)


def _codelist_fast(codelist: Codelist, numeric: bool) -> ColumnFast | None:
    if numeric:
        return None
    allowed = set(codelist.values)

    def fast(codes: FrameCodes, column: str) -> np.ndarray | None:
        found = codes.text(column)
        return None if found is None else ~found.lookup(lambda v: v not in allowed)
    return fast


def _not_null_fast(codes: FrameCodes, column: str) -> np.ndarray:
    return ~codes.missing(column)


def where_mask(df: pd.DataFrame, conditions: list[Condition]) -> pd.Series:
    """The records a value-level where clause selects (all conditions must hold)."""
    mask = pd.Series(True, index=df.index)
    for cond in conditions:
        if cond.variable not in df.columns:
            return pd.Series(False, index=df.index)
        col = df[cond.variable]
        numeric = pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col)
        if numeric:
            values: Any = [float(v) for v in cond.values]
            col = _as_float(col)
        else:
            values = list(cond.values)
            col = col.astype("string")
        mask &= _compare(col, cond.comparator, values)
    return mask


def _compare(col: pd.Series, op: str, values: list[Any]) -> pd.Series:
    first = values[0] if values else None
    if op in ("EQ", "IN"):
        part = col.isin(values)
    elif op in ("NE", "NOTIN"):
        part = ~col.isin(values) & col.notna()
    elif op == "LT":
        part = col < first
    elif op == "LE":
        part = col <= first
    elif op == "GT":
        part = col > first
    else:
        part = col >= first
    return pd.Series(part, index=col.index).fillna(False).astype(bool)


_TEXT_COMPARE: dict[str, Callable[[str, str], bool]] = {
    "LT": lambda v, first: v < first, "LE": lambda v, first: v <= first,
    "GT": lambda v, first: v > first, "GE": lambda v, first: v >= first,
}


def where_rows(codes: FrameCodes, conditions: list[Condition]) -> np.ndarray:
    """:func:`where_mask` from the frame's codes (conditions on text tested on distinct
    values), computed once per where clause and run."""
    key = ("where", tuple((c.variable, c.comparator, tuple(c.values)) for c in conditions))
    if key in codes.memo:
        return codes.memo[key]
    df = codes.df
    mask = np.ones(len(df), dtype=bool)
    for cond in conditions:
        if cond.variable not in df.columns:
            mask = np.zeros(len(df), dtype=bool)
            break
        col = df[cond.variable]
        found = None
        if not (pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col)):
            found = codes.text(cond.variable)
        op, values = cond.comparator, list(cond.values)
        if found is not None and op in ("EQ", "IN", "NE", "NOTIN"):
            wanted = set(values)
            inside = op in ("EQ", "IN")
            part = found.lookup(lambda v: (v in wanted) == inside)
        elif found is not None and values:
            compare, first = _TEXT_COMPARE[op], values[0]
            part = found.lookup(lambda v: compare(v, first))
        else:
            part = where_mask(df, [cond]).to_numpy(dtype=bool)
        mask &= part
    codes.memo[key] = mask
    return mask


@dataclass(frozen=True)
class SchemaCheck:
    """One named check of a generated schema: ``test`` (a column, or the frame when ``frame``,
    to True where acceptable, or one bool) and optionally ``fast``, the same answer computed
    from the frame's codes (None when it does not apply)."""

    rule: str
    variable: str
    detail: str
    test: Callable[[Any], Any]
    warning: bool = False
    frame: bool = False
    fast: Callable[..., Any] | None = None

    @property
    def name(self) -> str:
        return f"{self.rule}|{self.variable}|{self.detail}"

    def pandera(self, codes: FrameCodes | None = None) -> pa.Check:
        """The pandera check; with ``codes``, one that answers with the fast form on the frame
        those codes describe (and with ``test`` on anything else)."""
        test = self.test if codes is None or self.fast is None else self._bound(codes)
        return _check(test, self.rule, self.variable, self.detail, warning=self.warning,
                      frame=self.frame)

    def _bound(self, codes: FrameCodes) -> Callable[[Any], Any]:
        fast, slow, frame, column = self.fast, self.test, self.frame, self.variable

        def test(obj: Any) -> Any:
            if len(obj) == len(codes.df) and obj.index.equals(codes.df.index):
                try:
                    found = fast(codes) if frame else fast(codes, column)
                except Exception:  # the test itself decides (and fails the records) below
                    found = None
                if isinstance(found, np.ndarray):
                    return pd.Series(found, index=obj.index)
                if found is not None:
                    return found
            return slow(obj)
        return test


def _check(test: Callable[[pd.Series], pd.Series], rule: str, variable: str, detail: str,
           *, warning: bool = False, frame: bool = False) -> pa.Check:
    """A named pandera check; ``frame`` checks receive the whole DataFrame."""

    def safe(obj: Any) -> Any:
        try:
            return test(obj)
        except Exception:  # a check that cannot be evaluated counts every record as failing
            return pd.Series(False, index=obj.index)

    # pandera reports a check by its `error` text when one is given, so the name carries all.
    # Every test here accepts missing values itself, so pandera need not find them first
    # (ignore_na=True costs a null scan and a filtered copy of the column per check, or a
    # null scan of the whole frame per frame check).
    return pa.Check(safe, name=f"{rule}|{variable}|{detail}", raise_warning=warning, ignore_na=False)


def _variable_checks(spec: Spec, var: Variable, strict_warnings: bool) -> list[SchemaCheck]:
    checks: list[SchemaCheck] = []
    if var.type == "text":
        checks.append(SchemaCheck(SC_TYPE, var.name, "expected character values",
                                  lambda s: bool(_is_text_values(s).all())))
        limit = var.length if var.length is not None and var.length < MAX_TEXT else None
        if limit is not None:
            checks.append(SchemaCheck(SC_LENGTH, var.name, f"longer than the spec length {limit}",
                                      lambda s, n=limit: _length_ok(s, n), fast=_length_fast(limit)))
        checks.append(SchemaCheck(SC_LENGTH_200, var.name, f"longer than {MAX_TEXT} characters",
                                  lambda s: _length_ok(s, MAX_TEXT), fast=_length_fast(MAX_TEXT)))
    else:
        checks.append(SchemaCheck(SC_TYPE, var.name, f"expected numeric values ({var.type})",
                                  lambda s: bool(_is_number_values(s).all())))
        if var.type in ("integer", "date"):
            checks.append(SchemaCheck(SC_INTEGER, var.name, f"expected whole numbers ({var.type})",
                                      _whole, fast=_whole_fast))
        bounds = var.extra.get("range")
        if isinstance(bounds, (list, tuple)) and len(bounds) == 2:
            low, high = bounds

            def in_range(s: pd.Series, low: Any = low, high: Any = high) -> pd.Series:
                x = _as_float(s)
                ok = pd.Series(True, index=s.index)
                if low is not None:
                    ok &= ~(x < float(low))
                if high is not None:
                    ok &= ~(x > float(high))
                return ok

            checks.append(SchemaCheck(SC_RANGE, var.name, f"outside the range [{low}, {high}]",
                                      in_range))
    if var.codelist:
        try:
            codelist = spec.codelist(var.codelist)
        except KeyError:
            codelist = None
        # an external dictionary (e.g. MedDRA) lists no terms to check against
        if codelist is not None and not codelist.dictionary:
            extensible = bool(codelist.extensible)
            rule = SC_CODELIST_EXT if extensible else SC_CODELIST
            numeric = var.type != "text"
            checks.append(SchemaCheck(rule, var.name, f"not in codelist {codelist.id}",
                                      _codelist_test(codelist, numeric),
                                      warning=extensible and not strict_warnings,
                                      fast=_codelist_fast(codelist, numeric)))
    return checks


def _value_level_checks(spec: Spec, ds: Dataset, vl: ValueLevel, strict_warnings: bool) -> list[SchemaCheck]:
    """Frame-level checks for one value-level entry: each tests only the selected records."""
    wc = vl.clause_id(ds.name)
    var = vl.variable
    checks: list[SchemaCheck] = []

    def on_selected(test: Callable[[pd.Series], pd.Series]) -> Callable[[pd.DataFrame], pd.Series]:
        def frame_test(df: pd.DataFrame) -> pd.Series:
            if var not in df.columns:
                return pd.Series(True, index=df.index)
            selected = where_mask(df, vl.where)
            return ~selected | test(df[var]).reindex(df.index, fill_value=True).astype(bool)
        return frame_test

    def fast_selected(test: Callable[[pd.Series], pd.Series], fast: ColumnFast | None) -> FrameFast:
        # the where clause is evaluated once per run; the column by `fast`, else by `test`
        def frame_fast(codes: FrameCodes) -> np.ndarray | None:
            df = codes.df
            if var not in df.columns:
                return None
            ok = fast(codes, var) if fast is not None else None
            if ok is None:
                ok = test(df[var]).reindex(df.index, fill_value=True).astype(bool).to_numpy()
            return ~where_rows(codes, vl.where) | ok
        return frame_fast

    def frame_check(rule: str, detail: str, test: Callable[[pd.Series], Any],
                    fast: ColumnFast | None = None, warning: bool = False) -> SchemaCheck:
        return SchemaCheck(rule, var, detail, on_selected(test), warning=warning, frame=True,
                           fast=fast_selected(test, fast))

    if vl.type == "text":
        checks.append(frame_check(SC_VL_TYPE, f"{wc}: expected character values", _is_text_values))
        if vl.length is not None:
            checks.append(frame_check(SC_VL_LENGTH, f"{wc}: longer than {vl.length}",
                                      lambda s, n=vl.length: _length_ok(s, n), _length_fast(vl.length)))
    else:
        test = _is_number_values
        if vl.type in ("integer", "date"):
            def test(s: pd.Series) -> pd.Series:
                return _is_number_values(s) & _whole(s)
        checks.append(frame_check(SC_VL_TYPE, f"{wc}: expected {vl.type} values", test))
    if vl.codelist:
        try:
            codelist = spec.codelist(vl.codelist)
        except KeyError:
            codelist = None
        if codelist is not None and not codelist.dictionary:
            extensible = bool(codelist.extensible)
            rule = SC_CODELIST_EXT if extensible else SC_VL_CODELIST
            numeric = vl.type != "text"
            checks.append(frame_check(rule, f"{wc}: not in codelist {codelist.id}",
                                      _codelist_test(codelist, numeric),
                                      _codelist_fast(codelist, numeric),
                                      warning=extensible and not strict_warnings))
    if vl.mandatory:
        checks.append(frame_check(SC_VL_NULL, f"{wc}: null", lambda s: s.notna(), _not_null_fast))
    return checks


def _keys_unique(keys: list[str]) -> Callable[[pd.DataFrame], pd.Series]:
    def test(df: pd.DataFrame) -> pd.Series:
        if not all(k in df.columns for k in keys):
            return pd.Series(True, index=df.index)
        dup = df.duplicated(keys, keep=False)
        if dup.any():  # records missing in every variable are not counted (pandera's ignore_na)
            all_na = df.loc[dup, keys].isna().all(axis=1)
            if all_na.any():
                dup.loc[all_na[all_na].index] = ~df.loc[all_na[all_na].index].isna().all(axis=1)
        return ~dup
    return test


def _keys_unique_fast(keys: list[str]) -> FrameFast:
    def fast(codes: FrameCodes) -> np.ndarray | None:
        if not keys or not all(k in codes.df.columns for k in keys):
            return None
        dup = duplicated_codes(codes.key(keys))
        if dup.any():
            all_na = dup.copy()
            for k in keys:
                all_na &= codes.missing(k)
            if all_na.any():  # rare: leave the records missing every key to the test itself
                return None
        return ~dup
    return fast


def _checks(spec: Spec, ds: Dataset, strict_warnings: bool
            ) -> tuple[dict[str, tuple[Variable, list[SchemaCheck]]], list[SchemaCheck]]:
    """The column checks (variable name -> (variable, checks)) and frame checks of a dataset."""
    columns: dict[str, tuple[Variable, list[SchemaCheck]]] = {}
    for var in ds.variables:
        columns[var.name] = (var, _variable_checks(spec, var, strict_warnings))
    frame_checks = [SchemaCheck(SC_KEYS, ",".join(ds.keys), "duplicate key values",
                                _keys_unique(list(ds.keys)), frame=True,
                                fast=_keys_unique_fast(list(ds.keys)))]
    for vl in ds.value_level:
        frame_checks.extend(_value_level_checks(spec, ds, vl, strict_warnings))
    return columns, frame_checks


def _nullable(var: Variable) -> bool:
    return not var.mandatory or bool(var.extra.get("nullable", False))


def schema_for(spec: Spec, dataset_name: str, *, strict_warnings: bool = False,
               codes: FrameCodes | None = None) -> pa.DataFrameSchema:
    """The pandera schema of one spec dataset.

    Columns: one per spec variable, required when the variable is core Req, non-nullable when
    Req unless the variable has ``extra: {nullable: true}``, with type, length, codelist and
    range checks. Frame checks: key uniqueness and the value-level metadata. Checks whose
    finding is only a warning (extensible codelists) raise pandera warnings, not errors, unless
    ``strict_warnings`` (the validator sets it to collect them as findings). With ``codes``, the
    checks answer from them on the frame they describe (see :meth:`SchemaCheck.pandera`).
    """
    ds = spec.dataset(dataset_name)
    columns_checks, frame_checks = _checks(spec, ds, strict_warnings)
    columns = {}
    for name, (var, checks) in columns_checks.items():
        columns[name] = pa.Column(
            None,
            checks=[c.pandera(codes) for c in checks],
            nullable=_nullable(var),
            required=var.mandatory,
            name=var.name,
            title=var.label,
        )
    return pa.DataFrameSchema(columns=columns, checks=[c.pandera(codes) for c in frame_checks],
                              name=ds.name, title=ds.label, strict=False, coerce=False)


def _rule_of(check: str, column: Any) -> tuple[str, str | None, str]:
    """(rule id, variable, detail) of a pandera failure case's check name."""
    if "|" in check:
        rule, variable, detail = check.split("|", 2)
        return rule, variable, detail
    if check == "column_in_dataframe":
        return SC_MISSING, None, "required variable not in the dataset"
    if check == "not_nullable":
        return SC_NULL, str(column), "null values in a required variable"
    return SC_TYPE, (str(column) if isinstance(column, str) else None), check


def schema_findings(spec: Spec, dataset_name: str, df: pd.DataFrame,
                    codes: FrameCodes | None = None, *, fast: bool = True) -> list[Finding]:
    """Check ``df`` against the spec schema (pandera, lazy); one finding per failed check.

    ``codes`` are the frame's shared :class:`FrameCodes` (made here when not given); the
    schema's checks then test distinct values where they can. ``fast=False`` runs every check
    on every record instead (the reference the fast forms must agree with).
    """
    ds = spec.dataset(dataset_name)
    if fast:
        codes = codes if codes is not None and codes.df is df else FrameCodes(df)
    schema = schema_for(spec, dataset_name, strict_warnings=True, codes=codes if fast else None)
    findings: list[Finding] = []
    missing_keys = [k for k in ds.keys if k not in df.columns]
    if missing_keys:
        findings.append(Finding(SC_KEYS, "notice", ds.name,
                                f"keys not checked: key variable(s) {', '.join(missing_keys)} "
                                "not in the dataset", variables=tuple(missing_keys)))
    try:
        schema.validate(df, lazy=True)
        return findings
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases
    kinds = {v.name: value_kind(v.name, df[v.name], v.type) for v in ds.variables if v.name in df.columns}
    cases = cases.assign(check=cases["check"].astype(str))
    # our checks carry their variable in the name; pandera's own (not_nullable) need the column
    own = cases["check"].str.contains("|", regex=False)
    cases = cases.assign(group=cases["check"].where(own, cases["check"] + "|" + cases["column"].astype(str)))
    for _, group in cases.groupby("group", sort=True):
        check = group["check"].iloc[0]
        column = group["column"].iloc[0]
        rule, variable, detail = _rule_of(str(check), column)
        severity: Severity = RULES[rule].severity if rule in RULES else "error"
        if rule == SC_MISSING:
            for name in group["failure_case"].astype(str):
                findings.append(Finding(rule, severity, ds.name,
                                        f"required variable {name} is not in the dataset",
                                        variables=(name,)))
            continue
        variables = tuple(v for v in (variable or "").split(",") if v)
        index = pd.to_numeric(group["index"], errors="coerce").dropna().astype(int).unique()
        if len(index) == 0:  # a whole-column failure (e.g. wrong type)
            found = str(df[variable].dtype) if variable in df.columns else "?"
            findings.append(Finding(rule, severity, ds.name,
                                    f"{variable}: {detail} (column type {found})", variables=variables))
            continue
        shown = variables
        if rule in (SC_VL_TYPE, SC_VL_CODELIST, SC_VL_NULL, SC_VL_LENGTH):
            vl_vars = [c.variable for vl in ds.value_level for c in vl.where if vl.variable == variable]
            shown = tuple(dict.fromkeys(list(variables) + vl_vars))
        count, records = offending_records(df, pd.Index(index), shown, kinds)
        findings.append(Finding(rule, severity, ds.name, f"{variable}: {detail}", count=count,
                                variables=variables, records=records))
    return findings
