"""Dataset-JSON v1.1 writer and reader (.json and .ndjson): schema validity, content, round trips."""

from __future__ import annotations

import copy
import json
from datetime import datetime
from pathlib import Path

import jsonschema
import numpy as np
import pandas as pd
import pytest

from adam.errors import InputError
from adam.export.columns import ColumnMeta, DatasetMeta
from adam.export.datasetjson import read_dataset_json, read_dataset_json_header, write_dataset_json
from adam.export.xpt import read_xpt

REF = Path("/work/shared/reference/dataset_json")
EXAMPLES = REF / "examples_sdtm"
JSON_SCHEMA = json.loads((REF / "schema" / "dataset.schema.json").read_text(encoding="utf-8"))


def ndjson_schema() -> dict:
    """The published NDJSON schema (stored as UTF-16) refers to ``#/$defs/Column`` and
    ``#/$defs/SourceSystem``, which it nests elsewhere instead of defining; even CDISC's own
    examples fail on that dangling reference. The missing definitions are taken from the JSON
    schema of the same release, which is otherwise identical for the metadata."""
    schema = json.loads((REF / "schema" / "dataset-ndjson-schema.json").read_bytes().decode("utf-16"))
    for name in ("Column", "SourceSystem", "DataTypesEnum", "TargetDataTypesEnum"):
        schema["$defs"].setdefault(name, copy.deepcopy(JSON_SCHEMA["$defs"][name]))
    return schema


def validate_ndjson(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    head = json.loads(lines[0])
    jsonschema.validate(head, ndjson_schema())
    rows = [json.loads(line) for line in lines[1:]]
    assert all(isinstance(r, list) and all(not isinstance(v, (list, dict)) for v in r) for r in rows)
    assert head["records"] == len(rows)
    jsonschema.validate({**head, "rows": rows}, JSON_SCHEMA)  # same content as the .json form


META = DatasetMeta(
    "ADSL",
    "Subject-Level Analysis Dataset",
    (
        ColumnMeta("STUDYID", "Study Identifier", length=12),
        ColumnMeta("USUBJID", "Unique Subject Identifier"),
        ColumnMeta("AGE", "Age", "integer"),
        ColumnMeta("BMIBL", "Baseline BMI (kg/m^2)", "float", json_type="decimal"),
        ColumnMeta("HEIGHTBL", "Baseline Height (cm)", "float", display_format="8.1"),
        ColumnMeta("TRTSDT", "Date of First Exposure to Treatment", "date", display_format="E8601DA."),
        ColumnMeta("TRTSDTM", "Datetime of First Exposure to Treatment", "datetime"),
        ColumnMeta("TRTSTM", "Time of First Exposure", "time"),
        ColumnMeta("RFSTDTC", "Subject Reference Start Date/Time", json_type="date"),
    ),
    keys=("STUDYID", "USUBJID"),
)


def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "STUDYID": ["CAMMS223", "CAMMS223"],
            "USUBJID": ["CAMMS223-001", "CAMMS223-0002"],
            "AGE": pd.array([34, None], dtype="Int64"),
            "BMIBL": [30.8983333232059, np.nan],
            "HEIGHTBL": [162.9, 171.25],
            "TRTSDT": pd.to_datetime(["2014-01-02", None]),
            "TRTSDTM": pd.to_datetime(["2014-01-02T10:00:00", "2014-01-03T00:00:00.250"], format="ISO8601"),
            "TRTSTM": [36000.0, np.nan],
            "RFSTDTC": ["2014-01-02", None],
        }
    )


def write(tmp_path: Path, name: str = "adsl.json", **kw) -> Path:
    return write_dataset_json(frame(), tmp_path / name, META, study_oid="STUDY.CAMMS223",
                              created=kw.pop("created", datetime(2025, 6, 1, 12, 30, 0)), **kw)


def test_json_content_is_hand_checked_and_schema_valid(tmp_path):
    path = write(tmp_path, metadata_ref="define.xml", source_system={"name": "adam-toolkit", "version": "0.1.0"})
    doc = json.loads(path.read_text(encoding="utf-8"))
    jsonschema.validate(doc, JSON_SCHEMA)
    assert list(doc)[:3] == ["datasetJSONCreationDateTime", "datasetJSONVersion", "originator"]
    assert list(doc)[-2:] == ["columns", "rows"]
    assert doc["datasetJSONCreationDateTime"] == "2025-06-01T12:30:00"
    assert doc["datasetJSONVersion"] == "1.1.0"
    assert (doc["studyOID"], doc["metaDataVersionOID"], doc["metaDataRef"]) == ("STUDY.CAMMS223", "MDV.1", "define.xml")
    assert (doc["itemGroupOID"], doc["records"], doc["name"]) == ("IG.ADSL", 2, "ADSL")
    cols = {c["name"]: c for c in doc["columns"]}
    assert cols["STUDYID"] == {"itemOID": "IT.ADSL.STUDYID", "name": "STUDYID", "label": "Study Identifier",
                               "dataType": "string", "length": 12, "keySequence": 1}
    assert cols["USUBJID"]["length"] == 13 and cols["USUBJID"]["keySequence"] == 2
    assert cols["AGE"] == {"itemOID": "IT.ADSL.AGE", "name": "AGE", "label": "Age", "dataType": "integer"}
    assert cols["BMIBL"]["dataType"] == "decimal" and cols["BMIBL"]["targetDataType"] == "decimal"
    assert cols["TRTSDT"]["dataType"] == "date" and cols["TRTSDT"]["targetDataType"] == "integer"
    assert cols["TRTSDT"]["displayFormat"] == "E8601DA."
    assert cols["TRTSDTM"]["displayFormat"] == "DATETIME20." and cols["TRTSTM"]["dataType"] == "time"
    assert cols["RFSTDTC"]["dataType"] == "date" and "targetDataType" not in cols["RFSTDTC"]
    assert doc["rows"] == [
        ["CAMMS223", "CAMMS223-001", 34, "30.8983333232059", 162.9, "2014-01-02", "2014-01-02T10:00:00",
         "10:00:00", "2014-01-02"],
        ["CAMMS223", "CAMMS223-0002", None, None, 171.25, None, "2014-01-03T00:00:00.250", None, ""],
    ]


def test_ndjson_form_is_schema_valid_and_same_content(tmp_path):
    nd = write(tmp_path, "adsl.ndjson", ndjson=True)
    js = write(tmp_path, "adsl.json")
    validate_ndjson(nd)
    lines = nd.read_text(encoding="utf-8").splitlines()
    doc = json.loads(js.read_text(encoding="utf-8"))
    assert {**json.loads(lines[0]), "rows": [json.loads(x) for x in lines[1:]]} == doc


def test_round_trip_gives_back_sas_numbers(tmp_path):
    for name, nd in (("adsl.json", False), ("adsl.ndjson", True)):
        df, meta = read_dataset_json(write(tmp_path, name, ndjson=nd))
        assert df["TRTSDT"].tolist()[0] == 19725  # 2014-01-02: 54 years + 14 leap days + 1
        assert np.isnan(df["TRTSDT"][1])
        assert df["TRTSDTM"].tolist() == [19725 * 86400 + 36000, 19726 * 86400 + 0.25]
        assert df["TRTSTM"].tolist()[0] == 36000
        assert df["BMIBL"].tolist()[0] == 30.8983333232059
        assert df["AGE"].tolist()[0] == 34 and np.isnan(df["AGE"][1])
        assert df["RFSTDTC"].tolist()[0] == "2014-01-02" and df["RFSTDTC"][1] == ""
        assert meta.keys == ("STUDYID", "USUBJID")
        assert [c.type for c in meta.columns] == [c.type for c in META.columns]
        assert meta.column("BMIBL").json_type == "decimal" and meta.column("RFSTDTC").json_type == "date"
        assert meta.column("USUBJID").length == 13


def test_convert_dates_on_read(tmp_path):
    df, _ = read_dataset_json(write(tmp_path), convert_dates=True)
    assert df["TRTSDT"][0] == pd.Timestamp("2014-01-02")
    assert df["TRTSDTM"][1] == pd.Timestamp("2014-01-03T00:00:00.250")
    assert df["TRTSTM"][0] == pd.Timedelta(hours=10)


def test_byte_reproducible_only_creation_time_changes(tmp_path):
    a = write(tmp_path, "a.json").read_bytes()
    b = write(tmp_path, "b.json").read_bytes()
    c = write(tmp_path, "c.json", created=datetime(2026, 1, 2, 3, 4, 5)).read_bytes()
    assert a == b
    assert c.replace(b"2026-01-02T03:04:05", b"2025-06-01T12:30:00") == a
    nd1 = write(tmp_path, "a.ndjson", ndjson=True).read_bytes()
    nd2 = write(tmp_path, "b.ndjson", ndjson=True).read_bytes()
    assert nd1 == nd2 and nd1.endswith(b"\n")


@pytest.mark.parametrize(
    "column, values, text, record",
    [
        (ColumnMeta("X", "X", "float"), [1.0, np.inf], "infinite", "USUBJID=S2, row 2"),
        (ColumnMeta("X", "X", "integer"), [1.0, 2.5], "not a whole number", "USUBJID=S2, row 2"),
        (ColumnMeta("X", "X", "date"), ["2020-01-01", "2020-01-02"], "date variable holds text", None),
        (ColumnMeta("X", "X", "float"), ["1", "2"], "numeric variable holds str", None),
        (ColumnMeta("X", "X", json_type="decimal"), ["1", "2"], "does not fit a text variable", None),
    ],
)
def test_bad_values_raise_and_write_nothing(tmp_path, column, values, text, record):
    meta = DatasetMeta("ADX", "X", (ColumnMeta("USUBJID", "Subject"), column))
    df = pd.DataFrame({"USUBJID": ["S1", "S2"], "X": values})
    with pytest.raises(InputError) as caught:
        write_dataset_json(df, tmp_path / "adx.json", meta, study_oid="S")
    hit = [p for p in caught.value.problems if p.variable == "X" and text in p.message]
    assert hit and hit[0].dataset == "ADX" and hit[0].file == "adx.json" and hit[0].record == record
    assert list(tmp_path.iterdir()) == []


def test_column_mismatch_and_bad_attributes(tmp_path):
    meta = DatasetMeta("ADX", "X", (ColumnMeta("A", "A"), ColumnMeta("B", "B")), keys=("C",))
    with pytest.raises(InputError) as caught:
        write_dataset_json(pd.DataFrame({"A": ["x"], "Z": ["z"]}), tmp_path / "adx.json", meta, study_oid="S",
                           source_system={"name": "x"}, db_last_modified=datetime(2030, 1, 1))
    messages = {(p.variable, p.message) for p in caught.value.problems}
    assert ("Z", "column is in the data but not in the metadata") in messages
    assert ("B", "variable is in the metadata but not in the data") in messages
    assert ("C", "key variable is not a column") in messages
    assert any("sourceSystem needs both" in m for _, m in messages)
    assert any("dbLastModifiedDateTime" in m for _, m in messages)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["dm", "ae", "ex", "ds", "sv", "rs", "ts"])
def test_reference_examples_agree_in_all_three_formats(name, tmp_path):
    js, js_meta = read_dataset_json(EXAMPLES / f"{name}.json")
    nd, nd_meta = read_dataset_json(EXAMPLES / f"{name}.ndjson")
    xp, xp_meta = read_xpt(EXAMPLES / f"{name}.xpt")
    header = read_dataset_json_header(EXAMPLES / f"{name}.json")
    assert len(js) == header["records"] == len(xp)
    pd.testing.assert_frame_equal(js, nd)
    assert js_meta == nd_meta
    assert js_meta.names == xp_meta.names and js_meta.label == xp_meta.label
    for col in js_meta.columns:
        if col.type == "text":
            assert xp_meta.column(col.name).type == "text"
            assert js[col.name].fillna("").tolist() == xp[col.name].fillna("").tolist(), col.name
        else:
            np.testing.assert_array_equal(js[col.name].to_numpy(float), xp[col.name].to_numpy(float))
            if col.type == "integer":  # XPT has no integer type: inferred from whole values
                assert xp_meta.column(col.name).type == "integer", col.name
    # our writer reproduces their content and is valid in both forms
    out = write_dataset_json(js, tmp_path / f"{name}.json", js_meta, study_oid=header["studyOID"],
                             metadata_version_oid=header["metaDataVersionOID"])
    jsonschema.validate(json.loads(out.read_text(encoding="utf-8")), JSON_SCHEMA)
    ours = json.loads(out.read_text(encoding="utf-8"))
    theirs = json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))
    assert ours["rows"] == theirs["rows"]
    for mine, ref in zip(ours["columns"], theirs["columns"]):
        assert {k: v for k, v in mine.items() if k != "length"} == {k: v for k, v in ref.items() if k != "length"}
        assert mine["length"] == ref["length"] if "length" in ref else True
    nd_out = write_dataset_json(js, tmp_path / f"{name}.ndjson", js_meta, study_oid="S", ndjson=True)
    validate_ndjson(nd_out)
    back, _ = read_dataset_json(nd_out)
    pd.testing.assert_frame_equal(back, js)


def test_reference_ndjson_header_valid_against_repaired_schema():
    head = json.loads((EXAMPLES / "dm.ndjson").read_text(encoding="utf-8").splitlines()[0])
    jsonschema.validate(head, ndjson_schema())


def test_form_is_detected_from_content_for_other_extensions(tmp_path):
    odd = tmp_path / "dm.dataset"
    odd.write_bytes((EXAMPLES / "dm.ndjson").read_bytes())
    df, meta = read_dataset_json(odd)
    assert len(df) == 18 and meta.name == "DM"
    odd.write_bytes((EXAMPLES / "dm.json").read_bytes())
    assert len(read_dataset_json(odd)[0]) == 18


def test_reader_reports_broken_files(tmp_path):
    good = json.loads((EXAMPLES / "sv.json").read_text(encoding="utf-8"))
    wrong_count = tmp_path / "a.json"
    wrong_count.write_text(json.dumps({**good, "records": 3}), encoding="utf-8")
    with pytest.raises(InputError, match="'records' says 3 but the file has 164 rows"):
        read_dataset_json(wrong_count)
    short_row = tmp_path / "b.json"
    short_row.write_text(json.dumps({**good, "rows": [good["rows"][0][:-1]], "records": 1}), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_dataset_json(short_row)
    assert caught.value.problems[0].record == "row 1" and "expected 10" in caught.value.problems[0].message
    no_name = tmp_path / "c.json"
    no_name.write_text(json.dumps({k: v for k, v in good.items() if k != "itemGroupOID"}), encoding="utf-8")
    with pytest.raises(InputError, match="'itemGroupOID' is missing"):
        read_dataset_json(no_name)
    broken = tmp_path / "d.ndjson"
    broken.write_text((EXAMPLES / "sv.ndjson").read_text(encoding="utf-8").replace('"SV", ', '"SV" ', 1))
    with pytest.raises(InputError) as caught:
        read_dataset_json(broken)
    assert caught.value.problems[0].file == str(broken)
    bad_date = tmp_path / "e.json"
    doc = {**good, "columns": [{**c, "targetDataType": "integer"} if c["name"] == "SVSTDTC" else c
                               for c in good["columns"]]}
    doc["rows"] = [r[:] for r in good["rows"]]
    idx = [c["name"] for c in good["columns"]].index("SVSTDTC")
    doc["rows"][2][idx] = "2013-02"
    bad_date.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_dataset_json(bad_date)
    p = caught.value.problems[0]
    assert p.variable == "SVSTDTC" and "'2013-02' is not a complete ISO 8601 date" in p.message
    assert p.record.endswith("row 3")


def test_frame_index_does_not_matter(tmp_path):
    df = frame()
    df.index = [3, 1]
    path = write_dataset_json(df, tmp_path / "adsl.json", META, study_oid="S")
    rows = json.loads(path.read_text(encoding="utf-8"))["rows"]
    assert [r[1] for r in rows] == ["CAMMS223-001", "CAMMS223-0002"] and rows[0][5] == "2014-01-02"


def test_pair_writes_the_same_bytes_as_two_calls(tmp_path):
    from adam.export.datasetjson import ROW_BLOCK, write_dataset_json_pair

    df, meta = frame(), META
    n = ROW_BLOCK + 7  # more rows than one block, so block joins are exercised
    big = pd.concat([df] * (n // len(df) + 1), ignore_index=True).iloc[:n]
    for name, frame_ in (("small", df), ("big", big)):
        (tmp_path / name).mkdir()
        one_json = write_dataset_json(frame_, tmp_path / name / "a.json", meta, study_oid="S")
        one_nd = write_dataset_json(frame_, tmp_path / name / "a.ndjson", meta, study_oid="S", ndjson=True)
        pair = write_dataset_json_pair(frame_, tmp_path / name / "b.json", tmp_path / name / "b.ndjson", meta,
                                       study_oid="S")
        assert pair[0].read_bytes() == one_json.read_bytes()
        assert pair[1].read_bytes() == one_nd.read_bytes()
    back, _ = read_dataset_json(tmp_path / "big" / "b.ndjson")
    assert len(back) == n and back["USUBJID"].tolist()[-1] == big["USUBJID"].tolist()[-1]
