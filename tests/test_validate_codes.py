"""Integer codes shared by the checks, and the fast paths built on them: each gives what the
record-by-record computation it replaces gives (hand-checked values, missing values, empty
frames, one record, ties)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from adam.export.text import canonical_text_and_values
from adam.spec.model import Codelist, Dataset, Spec, Study
from adam.validate import normalize_frame, validate_datasets
from adam.validate.codes import (FrameCodes, common_codes, dense, distinct_per_group,
                                 duplicated_codes, first_rows, float_codes, text_codes)
from adam.validate.rules.base import DatasetView, RuleContext
from adam.validate.rules.structure import one_to_one_violations
from adam.validate.rules.traceability import _resolve_sources_slowly, resolve_sources
from adam.validate.schema import schema_findings

import test_validate_schema as S


# --- codes ----------------------------------------------------------------------------------

def test_text_codes_strip_merges_values_and_blanks_are_missing():
    s = pd.Series(["A", "A  ", None, " ", "B", ""], dtype="str")
    codes, canonical = text_codes(s, strip=True)
    assert codes.values == ["A", "B"]
    assert codes.codes.tolist() == [0, 0, -1, -1, 1, -1]
    assert canonical.tolist()[:2] == ["A", "A"] and canonical.isna().tolist() == [
        False, False, True, True, False, True]
    expected = canonical_text_and_values(s)
    pd.testing.assert_series_equal(canonical, expected[0])
    assert codes.values == expected[1]


def test_text_codes_keeps_a_column_already_in_sas_conventions():
    s = pd.Series(["A", None, "B", "A"], dtype="str")
    codes, canonical = text_codes(s, strip=True)
    assert canonical is None  # nothing to change: the frame keeps the column
    assert codes.codes.tolist() == [0, -1, 1, 0] and codes.values == ["A", "B"]


def test_text_codes_of_other_columns():
    assert text_codes(pd.Series([1.0, 2.0])) is None
    assert text_codes(pd.Series(["a", 1], dtype=object)) is None
    empty = text_codes(pd.Series([], dtype="str"))[0]
    assert empty.values == [] and len(empty.codes) == 0 and empty.max_length == 0
    none = text_codes(pd.Series([None, np.nan], dtype=object))[0]
    assert none.codes.tolist() == [-1, -1] and none.values == []


def test_normalize_frame_reports_codes_and_keeps_values():
    df = pd.DataFrame({"A": pd.Series(["x ", "y", ""], dtype=object), "B": [1.0, np.nan, 3.0],
                       "C": pd.Series(["p", "q", None], dtype="str")})
    found: dict = {}
    out = normalize_frame(df, codes=found)
    assert out["A"].tolist()[:2] == ["x", "y"] and pd.isna(out["A"].iloc[2])
    assert str(out["A"].dtype) == "str"
    assert set(found) == {"A", "C"}
    assert found["A"].codes.tolist() == [0, 1, -1] and found["C"].values == ["p", "q"]
    assert df["A"].tolist() == ["x ", "y", ""]  # the input is not modified


def test_dense_codes_combinations_in_order_of_first_appearance():
    a = np.array([0, 0, 1, -1, 0, -1])
    b = np.array([1, 1, 1, 0, 2, 0])
    assert dense([a, b]).tolist() == [0, 0, 1, 2, 3, 2]
    assert dense([np.array([], dtype=np.int64)]).tolist() == []
    big = np.arange(5, dtype=np.int64) * 10 ** 7  # products beyond int64 are renumbered first
    assert dense([big, big, big, big]).tolist() == [0, 1, 2, 3, 4]


def test_duplicated_and_distinct_per_group():
    groups = np.array([0, 1, 0, 2, 1])
    assert duplicated_codes(groups).tolist() == [True, True, True, False, True]
    assert duplicated_codes(np.array([0])).tolist() == [False]
    values = np.array([5, 5, 6, -1, -1])  # -1: missing, not counted (nunique)
    assert distinct_per_group(groups, values).tolist() == [2, 1, 2, 0, 1]
    assert distinct_per_group(np.array([], dtype=np.int64), np.array([], dtype=np.int64)).tolist() == []


def test_first_rows_float_codes_and_common_codes():
    assert first_rows(np.array([1, 0, 1, 0]), np.array([2, 3]), 3).tolist() == [3, 2, -1]
    assert float_codes(np.array([0.0, -0.0, 1.5, np.nan, 1.5])).tolist() == [0, 1, 2, -1, 2]
    a = text_codes(pd.Series(["x", "y", None], dtype="str"))[0]
    b = text_codes(pd.Series(["z", "x", None], dtype="str"))[0]
    mine, theirs = common_codes(a, b)
    assert mine.tolist() == [0, 1, -1] and theirs.tolist() == [2, 0, -1]


def test_frame_codes_missing_rows_in_and_keys():
    df = pd.DataFrame({"T": pd.Series(["Y", None, "N", "Y"], dtype="str"),
                       "X": [1.0, np.nan, 1.0, 1.0], "O": pd.Series([1, None, "a", 1], dtype=object)})
    codes = FrameCodes(df)
    assert codes.missing("T").tolist() == [False, True, False, False]
    assert codes.missing("X").tolist() == [False, True, False, False]
    assert codes.missing("O").tolist() == [False, True, False, False]
    assert codes.rows_in("T", ["Y"]).tolist() == [True, False, False, True]
    assert codes.rows_in("O", ["a"]) is None  # not text: callers test every record
    assert codes.rows_where("T", lambda v: v != "Y").tolist() == [False, False, True, False]
    assert duplicated_codes(codes.key(["T", "X"])).tolist() == [True, False, False, True]


# --- schema checks: the fast forms (distinct values) agree with record-by-record checks ----

VL_SPEC = Spec(
    study=Study(study_id="ST1", name="t", description="t", protocol="p"),
    datasets=[Dataset.model_validate({
        "name": "ADXX", "label": "Test", "class": "BDS", "structure": "x",
        "keys": ["USUBJID", "PARAMCD"],
        "variables": [
            {"name": "USUBJID", "label": "Subject", "type": "text", "origin": "Derived", "core": "Req"},
            {"name": "PARAMCD", "label": "Param", "type": "text", "origin": "Derived", "core": "Req"},
            {"name": "AVAL", "label": "Value", "type": "integer", "origin": "Derived"},
            {"name": "AVALC", "label": "Value (C)", "type": "text", "codelist": "LEVEL",
             "origin": "Derived"},
        ],
        "value_level": [
            {"variable": "AVAL", "where": [{"variable": "PARAMCD", "comparator": "NE",
                                            "values": ["TXT"]}],
             "type": "integer", "mandatory": True},
            {"variable": "AVALC", "where": [{"variable": "PARAMCD", "comparator": "GE",
                                             "values": ["M"]}],
             "type": "text", "length": 3},
        ],
    })],
    codelists=[Codelist(id="LEVEL", name="Levels", extensible=False,
                        items=[{"value": "LOW"}, {"value": "HIGH"}])],
)


def _same(spec: Spec, df: pd.DataFrame) -> list:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = [f.__dict__ for f in schema_findings(spec, "ADXX", df, fast=False)]
        found = [f.__dict__ for f in schema_findings(spec, "ADXX", df)]
    assert found == expected
    return found


@pytest.mark.parametrize("name", sorted(S.BAD))
def test_fast_schema_checks_match_the_record_by_record_checks_on_each_bad_frame(name):
    found = _same(S.SPEC, S.BAD[name]())
    assert name in {f["rule"] for f in found}


def test_fast_schema_checks_match_the_record_by_record_checks_with_many_failures():
    df = pd.DataFrame({
        "USUBJID": ["S1", "S1", None, None, "S2", "S2", "S3"],
        "PARAMCD": ["A", "A", None, None, "TXT", "Z", None],
        "AVAL": [1.0, 1.5, np.nan, np.nan, 2.0, np.nan, 3.0],
        "AVALC": ["LOW", "MID", None, None, "HIGHEST", "HIGH", "low"],
    })
    found = _same(VL_SPEC, normalize_frame(df))
    rules = [f["rule"] for f in found]
    # duplicate keys (rows 1-2; the two records missing every value do not count, as in
    # pandera's ignore_na),
    # AVAL 1.5 not whole, codelist, value-level null AVAL for PARAMCD Z (NE TXT), AVALC too
    # long for PARAMCD >= 'M' (TXT, Z), required variables null
    assert {"ADAM-SC-010", "ADAM-SC-004", "ADAM-SC-005", "ADAM-SC-013", "ADAM-SC-014",
            "ADAM-SC-002"} <= set(rules)
    keys = next(f for f in found if f["rule"] == "ADAM-SC-010")
    assert sorted(r["ROW"] for r in keys["records"]) == [1, 2]
    null = next(f for f in found if f["rule"] == "ADAM-SC-013")
    assert [r["ROW"] for r in null["records"]] == [6]


def test_fast_schema_checks_match_the_record_by_record_checks_on_edge_frames():
    _same(VL_SPEC, pd.DataFrame({"USUBJID": pd.Series([], dtype="str"),
                                 "PARAMCD": pd.Series([], dtype="str")}))
    _same(VL_SPEC, pd.DataFrame({"USUBJID": ["S1"], "PARAMCD": ["A"], "AVAL": [np.nan]}))
    _same(VL_SPEC, pd.DataFrame({"AVAL": [1.0, 2.0]}))  # required variables missing
    _same(VL_SPEC, pd.DataFrame({"USUBJID": ["S1", "S2"], "PARAMCD": ["A", "B"],
                                 "AVALC": pd.Series(["LOW", 3], dtype=object)}))


# --- rules: the fast paths give what the record-by-record forms give --------------------------

def test_one_to_one_with_codes_matches_text_comparison():
    df = pd.DataFrame({
        "P": pd.Series(["A", "A", "B", None, "B", "C"], dtype="str"),
        "V": pd.Series(["v1", "v2", "v1", "v9", "v1", "v3"], dtype="str"),
        "N": [1.0, 1.0, 0.0, 5.0, -0.0, np.nan],
    })
    codes = FrameCodes(df)
    for a, b, by in (("V", "N", None), ("V", "N", ["P"]), ("P", "V", None), ("N", "P", None)):
        plain = one_to_one_violations(df, a, b, by)
        fast = one_to_one_violations(df, a, b, by, codes=codes)
        pd.testing.assert_series_equal(fast, plain, check_names=False)
    # within P=A, N=1.0 goes with v1 and v2; within P=B, v1 goes with 0.0 and -0.0 (two
    # texts); P missing leaves row 4 out of every group, N missing row 6
    assert one_to_one_violations(df, "V", "N", ["P"], codes=codes).tolist() == [
        True, True, True, False, True, False]


def _context(frames: dict, sdtm: dict | None = None) -> RuleContext:
    views = {}
    for name, df in frames.items():
        found: dict = {}
        frame = normalize_frame(df, codes=found)
        views[name] = DatasetView(name, frame, codes=FrameCodes(frame, found),
                                  cls="ADSL" if name == "ADSL" else "BDS")
    return RuleContext(spec=None, views=views, sdtm=sdtm or {})


def test_resolve_sources_by_codes_matches_the_merge():
    adtte = pd.DataFrame({"USUBJID": ["S1", "S1", "S2", None, "S3", "S1"],
                          "SRCDOM": ["ae", "AE", "ADXX", "AE", "ZZ", None],
                          "SRCSEQ": [1.0, 2.0, 1.0, 1.0, 1.0, 1.0]})
    ae = pd.DataFrame({"USUBJID": ["S1", "S1", "S1", None], "AESEQ": [1.0, 1.0, 3.0, 1.0],
                       "AESTDTC": ["2017-07-05", "2017-07-06", "2017-07", "2018-01-01"]})
    adxx = pd.DataFrame({"USUBJID": ["S2"], "ASEQ": [1.0], "ADT": [21000.0]})
    ctx = _context({"ADTTE": adtte, "ADXX": adxx}, {"AE": ae})
    df = ctx.views["ADTTE"].df
    fast = resolve_sources(ctx, df)
    pd.testing.assert_frame_equal(fast, _resolve_sources_slowly(ctx, df))
    # S1/1 is AE's first record (the second with the same key is ignored); missing USUBJIDs
    # match missing ones; ZZ is not given; no SRCDOM, no source
    assert fast["found"].tolist() == [True, False, True, True, False, False]
    assert fast["available"].tolist() == [True, True, True, True, False, False]
    assert fast["date"].tolist()[:1] == [21005.0] and np.isnan(fast["date"].iloc[1])
    assert fast["date"].iloc[2] == 21000.0 and fast["date"].iloc[3] == 21185.0


def test_adsl_copies_and_lookups_by_codes():
    adsl = pd.DataFrame({"USUBJID": ["S1", "S2", "S2"], "SEX": ["F", "M", "F"],
                         "TRTSDT": [21000.0, np.nan, 1.0], "AGE": [30.0, 40.0, 41.0]})
    advs = pd.DataFrame({"USUBJID": ["S2", "S1", "S9", None, "S1"],
                         "SEX": ["M", "M", "F", "F", None], "TRTSDT": [np.nan, 21000.0, 5.0, 1.0, 21000.0],
                         "PARAMCD": ["A"] * 5, "AVAL": [1.0] * 5})
    report = validate_datasets(None, {"ADSL": adsl, "ADVS": advs}, rules=["ADAM-TR-006", "ADAM-TR-007"])
    by_rule = {(f.rule, f.message): [r["ROW"] for r in f.records] for f in report.findings}
    # first ADSL record per subject: S2 is M with TRTSDT missing (missing equals missing)
    assert by_rule[("ADAM-TR-006", "SEX differs from ADSL.SEX")] == [2, 5]
    assert ("ADAM-TR-006", "TRTSDT differs from ADSL.TRTSDT") not in by_rule
    assert by_rule[("ADAM-TR-007", "USUBJID not in ADSL")] == [3]
    ctx = _context({"ADSL": adsl, "ADVS": advs})
    assert ctx.adsl_rows(ctx.views["ADVS"]).tolist() == [1, 0, -1, -1, 0]
    age = ctx.from_adsl(ctx.views["ADVS"], "AGE")
    assert age.fillna(-1).tolist() == [40.0, 30.0, -1, -1, 30.0]
