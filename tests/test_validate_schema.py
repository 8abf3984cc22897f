"""Pandera schemas generated from the spec: each kind of check passes good data and fails bad."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pytest

from adam.spec.load import load_spec
from adam.spec.model import Codelist, Dataset, Spec, Study
from adam.validate import all_rules, schema_for, validate_datasets
from adam.validate.schema import schema_findings

SPEC = Spec(
    study=Study(study_id="ST1", name="t", description="t", protocol="p"),
    datasets=[Dataset.model_validate({
        "name": "ADXX", "label": "Test BDS", "class": "BDS", "structure": "x",
        "keys": ["USUBJID", "PARAMCD", "AVISITN"],
        "variables": [
            {"name": "STUDYID", "label": "Study", "type": "text", "origin": "Derived", "core": "Req"},
            {"name": "USUBJID", "label": "Subject", "type": "text", "length": 8, "origin": "Derived",
             "core": "Req"},
            {"name": "PARAMCD", "label": "Param code", "type": "text", "codelist": "PARAMCD",
             "origin": "Derived", "core": "Req"},
            {"name": "AVISITN", "label": "Visit (N)", "type": "integer", "origin": "Derived"},
            {"name": "AVAL", "label": "Value", "type": "float", "origin": "Derived",
             "extra": {"range": [0, 10]}},
            {"name": "AVALC", "label": "Value (C)", "type": "text", "origin": "Derived"},
            {"name": "AVALCAT1", "label": "Category", "type": "text", "length": 5,
             "codelist": "CAT", "origin": "Derived"},
            {"name": "ADT", "label": "Date", "type": "date", "origin": "Derived"},
            {"name": "SITEGR1", "label": "Site group", "type": "text", "origin": "Derived",
             "core": "Req", "extra": {"nullable": True}},
        ],
        "value_level": [
            {"variable": "AVAL", "where": [{"variable": "PARAMCD", "values": ["RELCNT"]}],
             "type": "integer", "mandatory": True},
            {"variable": "AVALC", "where": [{"variable": "PARAMCD", "values": ["EDSS"]}],
             "type": "text", "codelist": "LEVEL", "length": 4},
        ],
    })],
    codelists=[
        Codelist(id="PARAMCD", name="Parameters", extensible=False,
                 items=[{"value": "EDSS"}, {"value": "RELCNT"}]),
        Codelist(id="CAT", name="Categories", extensible=True, items=[{"value": "<4"}, {"value": ">=4"}]),
        Codelist(id="LEVEL", name="Levels", extensible=False, items=[{"value": "LOW"}, {"value": "HIGH"}]),
    ],
)


def good() -> pd.DataFrame:
    return pd.DataFrame({
        "STUDYID": ["ST1"] * 3,
        "USUBJID": ["S-01", "S-01", "S-02"],
        "PARAMCD": ["EDSS", "RELCNT", "EDSS"],
        "AVISITN": [1.0, 1.0, 1.0],
        "AVAL": [3.5, 2.0, 4.0],
        "AVALC": ["LOW", None, "HIGH"],
        "AVALCAT1": ["<4", None, ">=4"],
        "ADT": [21000.0, 21001.0, 21002.0],
        "SITEGR1": ["A", None, "B"],
    })


def findings(df: pd.DataFrame) -> dict[str, list]:
    out: dict[str, list] = {}
    for f in schema_findings(SPEC, "ADXX", df):
        out.setdefault(f.rule, []).append(f)
    return out


def with_value(col: str, row: int, value) -> pd.DataFrame:
    df = good()
    if isinstance(value, str) and not pd.api.types.is_string_dtype(df[col]):
        df[col] = df[col].astype(object)
    df.loc[row, col] = value
    return df


def test_schema_is_a_pandera_schema_built_from_the_spec():
    schema = schema_for(SPEC, "ADXX")
    assert isinstance(schema, pa.DataFrameSchema)
    assert list(schema.columns) == [v.name for v in SPEC.dataset("ADXX").variables]
    assert schema.columns["USUBJID"].required and not schema.columns["USUBJID"].nullable
    assert not schema.columns["AVAL"].required and schema.columns["AVAL"].nullable
    assert schema.columns["SITEGR1"].required and schema.columns["SITEGR1"].nullable
    names = {c.name.split("|")[0] for c in schema.checks}
    assert names == {"ADAM-SC-010", "ADAM-SC-011", "ADAM-SC-012", "ADAM-SC-013", "ADAM-SC-014"}
    schema.validate(good(), lazy=True)  # passes as is


def test_good_data_has_no_findings():
    assert findings(good()) == {}


BAD = {
    "ADAM-SC-001": lambda: good().drop(columns=["STUDYID"]),
    "ADAM-SC-002": lambda: with_value("USUBJID", 1, None),
    "ADAM-SC-003": lambda: good().assign(AVAL=["3.5", "2", "4"]),
    "ADAM-SC-004": lambda: with_value("AVISITN", 0, 1.5),
    "ADAM-SC-005": lambda: with_value("PARAMCD", 2, "XX"),
    "ADAM-SC-006": lambda: with_value("AVALCAT1", 0, "mid"),
    "ADAM-SC-007": lambda: with_value("USUBJID", 2, "S-0000002"),
    "ADAM-SC-008": lambda: with_value("AVALC", 1, "x" * 201),
    "ADAM-SC-009": lambda: with_value("AVAL", 0, 11.0),
    "ADAM-SC-010": lambda: with_value("USUBJID", 2, "S-01").assign(PARAMCD=["EDSS", "RELCNT", "EDSS"]),
    "ADAM-SC-011": lambda: with_value("AVAL", 1, 2.5),
    "ADAM-SC-012": lambda: with_value("AVALC", 0, "MID"),
    "ADAM-SC-013": lambda: with_value("AVAL", 1, np.nan),
    "ADAM-SC-014": lambda: with_value("AVALC", 2, "HIGHER"),
}


def test_every_schema_rule_is_exercised():
    assert set(BAD) == {r.id for r in all_rules() if r.scope == "schema"}


@pytest.mark.parametrize("rule_id", sorted(BAD))
def test_schema_rule_fires_on_bad_data(rule_id):
    found = findings(BAD[rule_id]())
    assert rule_id in found, found.keys()
    also = {"ADAM-SC-003": {"ADAM-SC-011"},  # text AVAL is not integer on the RELCNT record either
            "ADAM-SC-014": {"ADAM-SC-012"}}  # HIGHER is too long and not in LEVEL
    assert set(found) - {rule_id} <= also.get(rule_id, set())


def test_codelist_finding_lists_the_record():
    (f,) = findings(with_value("PARAMCD", 2, "XX"))["ADAM-SC-005"]
    assert f.severity == "error" and f.count == 1
    assert f.records == [{"ROW": 3, "USUBJID": "S-02", "SEQ": "", "VARIABLE": "PARAMCD", "VALUE": "XX"}]


def test_extensible_codelist_is_a_warning_in_findings_and_in_pandera():
    (f,) = findings(with_value("AVALCAT1", 0, "mid"))["ADAM-SC-006"]
    assert f.severity == "warning"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        schema_for(SPEC, "ADXX").validate(with_value("AVALCAT1", 0, "mid"), lazy=True)
    assert any(isinstance(w.message, pa.errors.SchemaWarning) for w in caught)
    with pytest.raises(pa.errors.SchemaErrors):
        schema_for(SPEC, "ADXX").validate(with_value("PARAMCD", 2, "XX"), lazy=True)


def test_value_level_applies_only_to_selected_records():
    df = good()
    df.loc[1, "AVALC"] = "SOMETHING LONG"  # RELCNT record: the EDSS value-level does not apply
    assert findings(df) == {}
    df.loc[0, "AVAL"] = 2.5  # EDSS record: the RELCNT integer rule does not apply
    assert findings(df) == {}


def test_value_level_finding_shows_the_where_variable():
    (f,) = findings(with_value("AVAL", 1, 2.5))["ADAM-SC-011"]
    assert f.records[0]["VALUE"] == "AVAL=2.5; PARAMCD=RELCNT"


def test_type_finding_names_the_column_type():
    (f,) = findings(good().assign(AVAL=["3.5", "2", "4"]))["ADAM-SC-003"]
    assert "AVAL" in f.message and "expected numeric" in f.message


def test_duplicate_keys_list_both_records():
    (f,) = findings(BAD["ADAM-SC-010"]())["ADAM-SC-010"]
    assert f.count == 2 and [r["ROW"] for r in f.records] == [1, 3]


def test_missing_key_variable_is_a_notice():
    df = good().drop(columns=["AVISITN"])
    (f,) = findings(df)["ADAM-SC-010"]
    assert f.severity == "notice" and "AVISITN" in f.message


def test_numeric_codelist_compares_numbers():
    spec = load_spec("specs/camms223")
    schema = schema_for(spec, "ADSL")
    assert len(schema.columns) == len(spec.dataset("ADSL").variables)
    check = next(c for c in schema.columns["AGEGR1N"].checks if c.name.startswith("ADAM-SC-005"))
    result = check(pd.Series([1.0, 3.0, 4.0]))
    assert result.check_output.tolist() == [True, True, False]


def test_schema_runs_inside_validate_datasets():
    report = validate_datasets(SPEC, {"ADXX": with_value("PARAMCD", 2, "XX")},
                               rules=["ADAM-SC-005"])
    assert [f.rule for f in report.findings] == ["ADAM-SC-005"]


def test_nulls_in_two_required_variables_are_two_findings():
    df = good()
    df.loc[0, "STUDYID"] = None
    df.loc[[1, 2], "PARAMCD"] = None
    found = {f.message: f.count for f in findings(df)["ADAM-SC-002"]}
    assert found == {"STUDYID: null values in a required variable": 1,
                     "PARAMCD: null values in a required variable": 2}
