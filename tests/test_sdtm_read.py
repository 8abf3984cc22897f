"""SDTM reading (xpt, Dataset-JSON, csv, parquet) and the generic input checks."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from adam.errors import InputError
from adam.sdtm.checks import (
    check_date_order,
    check_duplicate_keys,
    check_iso8601,
    check_required_domains,
    check_required_variables,
    check_sdtm,
    check_subjects_in_dm,
    parse_dtc,
)
from adam.sdtm.read import is_sdtm_numeric, load_sdtm, read_sdtm

PILOT = Path("/work/shared/reference/cdisc_pilot/sdtm")
EXAMPLES = Path("/work/shared/reference/dataset_json/examples_sdtm")


@pytest.fixture(scope="module")
def pilot():
    return load_sdtm(PILOT)


def test_pilot_study_reads_every_domain_normalised(pilot):
    assert sorted(pilot.frames) == ["AE", "CM", "DM", "DS", "EX", "MH", "RELREC", "SC", "SE", "SUPPAE", "SUPPDM",
                                    "SUPPDS", "SV", "TA", "TE", "TI", "TS", "TV"]
    dm = pilot.frames["DM"]
    assert dm.shape == (306, 25) and len(pilot.frames["AE"]) == 1191
    for name, frame in pilot.frames.items():
        assert all(c == c.upper() for c in frame.columns), name
        for col in frame.columns:
            if frame[col].dtype == "str":
                values = frame[col].dropna()
                assert not (values == "").any(), (name, col)  # blanks are missing inside the engine
                assert not values.str.endswith(" ").any(), (name, col)
            else:
                assert frame[col].dtype == "float64", (name, col)
    first = dm.iloc[0]
    assert (first["USUBJID"], first["ARMCD"], first["AGE"], first["RFPENDTC"]) == ("01-701-1015", "Pbo", 63.0,
                                                                                 "2014-07-02T11:45")
    assert pd.isna(first["DTHFL"])  # blank in the XPT -> NA
    # the pilot's XPT files carry no dataset label (a real-data quirk), variable labels they have
    assert pilot.meta["DM"].label == "" and pilot.meta["DM"].column("AGE").label == "Age"
    assert pilot.meta["DM"].column("AGE").type == "integer"
    assert pilot.files["DM"] == PILOT / "dm.xpt"


def test_pilot_ts_is_not_utf8_and_says_so(pilot):
    assert any(w.dataset == "TS" and "Windows-1252" in w.message for w in pilot.warnings)
    assert pilot.frames["TS"]["TSVAL"].str.contains("Alzheimer\u2019s").any()


def test_read_sdtm_subset_with_metadata_attached():
    frames = read_sdtm(PILOT, ["dm", "ae"])
    assert sorted(frames) == ["AE", "DM"]
    assert frames["AE"].attrs["meta"].name == "AE" and frames["AE"].attrs["file"].endswith("ae.xpt")


def test_missing_folder_domain_and_unreadable_file(tmp_path):
    with pytest.raises(InputError) as caught:
        read_sdtm(tmp_path / "nowhere")
    assert caught.value.problems[0].file == str(tmp_path / "nowhere")
    shutil.copy(PILOT / "dm.xpt", tmp_path / "dm.xpt")
    (tmp_path / "ae.xpt").write_bytes(b"not an xpt file at all" * 20)
    with pytest.raises(InputError) as caught:
        read_sdtm(tmp_path, ["DM", "AE", "LB"])
    where = {(p.dataset, p.file) for p in caught.value.problems}
    assert ("LB", str(tmp_path)) in where
    assert any(p.file == str(tmp_path / "ae.xpt") for p in caught.value.problems)


def test_csv_input_is_typed_and_normalised(tmp_path):
    (tmp_path / "ae.csv").write_text(
        "studyid,domain,usubjid,aeseq,aeterm,aestdtc,aestdy\n"
        "S1,AE,S1-001,1,Headache  ,2020-01-02,3\n"
        "S1,AE,S1-001,2,  Nausea,,\n",
        encoding="utf-8",
    )
    ae = read_sdtm(tmp_path)["AE"]
    assert list(ae.columns) == ["STUDYID", "DOMAIN", "USUBJID", "AESEQ", "AETERM", "AESTDTC", "AESTDY"]
    assert ae["AESEQ"].tolist() == [1.0, 2.0] and ae["AESEQ"].dtype == "float64"
    assert ae["AETERM"].tolist() == ["Headache", "  Nausea"]  # trailing blanks only
    assert ae["AESTDTC"][0] == "2020-01-02" and pd.isna(ae["AESTDTC"][1])
    assert ae["AESTDY"][0] == 3 and np.isnan(ae["AESTDY"][1])


def test_csv_bad_number_names_file_variable_and_line(tmp_path):
    (tmp_path / "ae.csv").write_text("USUBJID,AESEQ\nS1-001,1\nS1-002,one\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_sdtm(tmp_path)
    p = caught.value.problems[0]
    assert (p.file, p.dataset, p.variable) == (str(tmp_path / "ae.csv"), "AE", "AESEQ")
    assert p.record == "USUBJID=S1-002, AESEQ=one, row 2" and "'one' is not a number (line 3)" in p.message


def test_parquet_via_duckdb(tmp_path):
    target = (tmp_path / "vs.parquet").as_posix()
    duckdb.execute(
        "COPY (SELECT * FROM (VALUES ('S1-001', 1, 'SYSBP ', 120.5), ('S1-001', 2, '', NULL)) "
        f"t(usubjid, vsseq, vstestcd, vsstresn)) TO '{target}' (FORMAT parquet)"
    )
    vs = read_sdtm(tmp_path)["VS"]
    assert list(vs.columns) == ["USUBJID", "VSSEQ", "VSTESTCD", "VSSTRESN"]
    assert vs["VSSEQ"].tolist() == [1.0, 2.0] and vs["VSSEQ"].dtype == "float64"
    assert vs["VSTESTCD"][0] == "SYSBP" and pd.isna(vs["VSTESTCD"][1])
    assert vs["VSSTRESN"][0] == 120.5 and np.isnan(vs["VSSTRESN"][1])


def test_dataset_json_input_and_xpt_preferred_when_both_exist(tmp_path):
    shutil.copy(EXAMPLES / "dm.ndjson", tmp_path / "dm.ndjson")
    shutil.copy(EXAMPLES / "ae.json", tmp_path / "ae.json")
    from_json = load_sdtm(tmp_path)
    shutil.copy(EXAMPLES / "dm.xpt", tmp_path / "DM.XPT")
    both = load_sdtm(tmp_path)
    assert both.files["DM"].name == "DM.XPT"
    warning = [w for w in both.warnings if w.dataset == "DM"]
    assert warning and "ignoring dm.ndjson" in warning[0].message and warning[0].severity == "warning"
    pd.testing.assert_frame_equal(from_json.frames["DM"], both.frames["DM"])  # same data after normalising
    assert from_json.frames["AE"]["AESEQ"].dtype == "float64"


def test_numeric_name_rule_for_csv():
    assert all(map(is_sdtm_numeric, ["AESEQ", "LBSTRESN", "AESTDY", "VISITNUM", "AGE", "EXDOSE", "VISITDY"]))
    assert not any(map(is_sdtm_numeric, ["USUBJID", "LBORRES", "AESTDTC", "ARMCD", "SUBJID", "AEDUR"]))


# --- checks ------------------------------------------------------------------------------------


def frames() -> dict[str, pd.DataFrame]:
    dm = pd.DataFrame({"USUBJID": ["S-1", "S-2"], "ARMCD": ["A", "B"], "RFSTDTC": ["2020-01-01", "2020-01-05"],
                       "RFENDTC": ["2020-06-01", "2019-12-31"]})
    ae = pd.DataFrame({
        "USUBJID": ["S-1", "S-1", "S-9", "S-2", "S-2"],
        "AESEQ": [1.0, 1.0, 1.0, 2.0, np.nan],
        "AESTDTC": ["2020-02-03T10:00", "2020-02", "2020-02-30", "2020-03-04T12:00", "2020-03-05"],
        "AEENDTC": ["2020-02-03T09:00", "2020-01-01", None, "2020-03-04", "2020-03-01"],
    })
    return {"DM": dm, "AE": ae}


def test_required_domains_and_variables():
    f = frames()
    assert [(p.dataset, p.message) for p in check_required_domains(f, ["DM", "ex"], folder="in")] == [
        ("EX", "required domain EX is missing")]
    problems = check_required_variables(f, {"DM": ["USUBJID", "ARMCD", "ACTARMCD"], "AE": ["AEDECOD"],
                                            "EX": ["EXTRT"]}, files={"DM": "dm.xpt"})
    assert [(p.file, p.dataset, p.variable) for p in problems] == [("dm.xpt", "DM", "ACTARMCD"),
                                                                  (None, "AE", "AEDECOD")]


def test_subjects_missing_from_dm():
    problems = check_subjects_in_dm(frames())
    assert [(p.dataset, p.record, p.message) for p in problems] == [
        ("AE", "USUBJID=S-9", "USUBJID S-9 is not in DM (1 record)")]


def test_duplicate_and_missing_keys_name_usubjid_and_seq():
    problems = check_duplicate_keys(frames(), files={"AE": "ae.xpt"})
    assert [(p.file, p.record, p.message) for p in problems] == [
        ("ae.xpt", "USUBJID=S-2, row 5", "key variable (USUBJID, AESEQ) is missing"),
        ("ae.xpt", "USUBJID=S-1, AESEQ=1, row 1", "duplicate key (USUBJID, AESEQ) = (S-1, 1): 2 records"),
    ]
    custom = check_duplicate_keys({"DM": frames()["DM"]}, {"DM": ["ARMCD"]})
    assert custom == []


def test_iso8601_errors_and_partial_date_warnings():
    problems = check_iso8601(frames())
    errors = [(p.variable, p.record, p.message) for p in problems if p.severity == "error"]
    warnings = [(p.variable, p.record, p.message) for p in problems if p.severity == "warning"]
    assert errors == [("AESTDTC", "USUBJID=S-9, AESEQ=1, row 3",
                       "value '2020-02-30' is not a valid ISO 8601 date/time")]
    assert warnings == [("AESTDTC", "USUBJID=S-1, AESEQ=1, row 2",
                         "partial date '2020-02' (will be imputed or left missing)")]


def test_parse_dtc_classifies_sdtm_forms():
    values = pd.Series(["2003---15", "--12-15", "-----T07:15", "2003", "2021-02-29", "2021-13-01",
                        "2020-01-02T25:00", "x", "", None, "2020-01-02T10:11:12.5+01:00", "2020-01-01/2020-02-01",
                        "-", "2020-02-29T10:11"])
    info = parse_dtc(values)
    assert info["valid"].tolist() == [True, True, True, True, False, False, False, False, True, True, True, True,
                                      False, True]
    assert info["complete_date"].tolist() == [False] * 10 + [True, False, False, True]
    assert info["has_time"].tolist() == [False] * 10 + [True, False, False, True]
    assert info["stamp"].iloc[13] == pd.Timestamp("2020-02-29T10:11")


def test_end_before_start():
    problems = check_date_order(frames())
    assert [(p.dataset, p.variable, p.record, p.message) for p in problems] == [
        ("DM", "RFENDTC", "USUBJID=S-2, row 2", "RFENDTC '2019-12-31' is before RFSTDTC '2020-01-05'"),
        ("AE", "AEENDTC", "USUBJID=S-1, AESEQ=1, row 1",
         "AEENDTC '2020-02-03T09:00' is before AESTDTC '2020-02-03T10:00'"),
        ("AE", "AEENDTC", "USUBJID=S-2, row 5", "AEENDTC '2020-03-01' is before AESTDTC '2020-03-05'"),
    ]  # row 2 (partial start) and row 4 (same day, end without time) are not compared


def test_check_sdtm_runs_everything_and_pilot_is_clean_of_errors(pilot):
    found = check_sdtm(frames(), required_domains=["DM", "AE"])
    assert sum(p.severity == "error" for p in found) == 7 and sum(p.severity == "warning" for p in found) == 1
    real = check_sdtm(pilot.frames, {"DM": ["USUBJID", "ARMCD"], "AE": ["AESEQ"]}, files=pilot.files)
    assert [p for p in real if p.severity == "error"] == []
    partial = [p for p in real if p.severity == "warning"]
    assert {p.dataset for p in partial} == {"AE", "CM", "MH"}
    assert all(p.file.endswith(".xpt") for p in partial)
    # required domains default to those of the requirements
    assert [p.message for p in check_sdtm({"DM": pilot.frames["DM"]}, {"DM": ["USUBJID"], "EX": ["EXTRT"]})] == [
        "required domain EX is missing"]
