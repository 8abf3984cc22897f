"""`adam compare` end to end: readers, folders, exit codes and the JSON/markdown/HTML reports."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd
import pyreadstat
import pytest

import adam.console
from adam.cli import main
from adam.compare import compare_paths, read_dataset
from adam.errors import InputError

REF = Path("/work/shared/reference/dataset_json/examples_sdtm")
KEYS = ["--keys", "USUBJID", "PARAMCD", "ADT"]


@pytest.fixture(autouse=True)
def _loud(monkeypatch):
    # configure() keeps --quiet for the whole process; each test starts at normal verbosity
    monkeypatch.setitem(adam.console._state, "quiet", False)
    monkeypatch.setitem(adam.console._state, "verbose", False)


def adx() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "USUBJID": ["S01", "S01", "S02", "S03"],
            "PARAMCD": ["EDSS", "EDSS", "EDSS", "ARR"],
            "ADT": [21000.0, 21180.0, 21000.0, 21000.0],
            "AVAL": [2.0, 2.5, 6.0, 0.2],
            "AVALC": ["2", "2.5", "6", ""],
        }
    )


def write_xpt(df: pd.DataFrame, path: Path, label: str = "Analysis X", aval_label: str = "Analysis Value") -> Path:
    pyreadstat.write_xport(
        df,
        str(path),
        file_label=label,
        column_labels=["Unique Subject Identifier", "Parameter Code", "Analysis Date", aval_label,
                       "Analysis Value (C)"][: df.shape[1]],
        table_name="ADX",
        file_format_version=5,
        variable_format={"ADT": "DATE9."},
    )
    return path


def test_identical_xpt_written_and_read_back(tmp_path):
    b = write_xpt(adx(), tmp_path / "adx.xpt")
    c = write_xpt(adx(), tmp_path / "adx_qc.xpt")
    assert main(["compare", str(b), str(c), *KEYS]) == 0
    (r,) = compare_paths(b, c, ["USUBJID", "PARAMCD", "ADT"])
    assert not r.has_differences
    assert (r.name, r.base_label, r.base_nobs, r.n_matched, r.n_vars_compared) == ("ADX", "Analysis X", 4, 4, 2)


def test_xpt_reader_keeps_metadata(tmp_path):
    df, meta = read_dataset(write_xpt(adx(), tmp_path / "adx.xpt"))
    assert df["ADT"].tolist() == [21000.0, 21180.0, 21000.0, 21000.0]  # dates stay SAS numbers
    assert (meta.name, meta.label) == ("ADX", "Analysis X")
    adt, avalc = meta.column("ADT"), meta.column("AVALC")
    assert (adt.label, adt.display_format, adt.is_numeric) == ("Analysis Date", "DATE9", True)
    assert (avalc.type, avalc.length) == ("text", 3)


def shuffled_with_one_change(tmp_path: Path) -> tuple[Path, Path]:
    b = write_xpt(adx(), tmp_path / "adx.xpt")
    qc = adx().iloc[[3, 2, 1, 0]].reset_index(drop=True)
    qc.loc[qc["AVAL"] == 2.5, "AVAL"] = 3.0
    c = write_xpt(qc, tmp_path / "qc.xpt", label="Analysis X QC", aval_label="Analysis Val")
    return b, c


def test_differences_exit_1_and_reports(tmp_path, capsys):
    b, c = shuffled_with_one_change(tmp_path)
    out = [tmp_path / "r.json", tmp_path / "r.md", tmp_path / "r.html"]
    code = main(["compare", str(b), str(c), *KEYS, "--json", str(out[0]), "--markdown", str(out[1]),
                 "--html", str(out[2])])
    assert code == 1
    doc = json.loads(out[0].read_text())
    assert (doc["n_datasets"], doc["n_with_differences"], doc["has_differences"]) == (1, 1, True)
    ds = doc["datasets"][0]
    assert ds["keys"] == ["USUBJID", "PARAMCD", "ADT"] and ds["n_matched"] == 4
    assert ds["summary"] == {
        "attribute_diffs": 1,
        "vars_only_in_base": 0,
        "vars_only_in_compare": 0,
        "variable_attribute_diffs": 1,
        "records_only_in_base": 0,
        "records_only_in_compare": 0,
        "duplicate_key_values": 0,
        "variables_with_value_diffs": 1,
        "value_diffs": 1,
    }
    assert ds["attribute_diffs"] == [{"attribute": "label", "base": "Analysis X", "compare": "Analysis X QC"}]
    assert ds["variable_diffs"] == [
        {"variable": "AVAL", "attribute": "label", "base": "Analysis Value", "compare": "Analysis Val"}
    ]
    (vd,) = ds["value_diffs"]
    assert (vd["variable"], vd["n_diff"], vd["n_compared"], vd["max_abs_diff"]) == ("AVAL", 1, 4, 0.5)
    assert vd["examples"] == [
        {"key": {"USUBJID": "S01", "PARAMCD": "EDSS", "ADT": 21180.0}, "base_row": 2, "compare_row": 3,
         "base": 2.5, "compare": 3.0, "diff": 0.5}
    ]
    md = out[1].read_text()
    assert "## Dataset ADX: DIFFERENT" in md
    assert "| AVAL | Num | 1 | 4 | 0.5 |" in md
    assert "| S01 | EDSS | 21180 | 2 | 3 | 2.5 | 3 | 0.5 |" in md
    assert "| Unequal values | 1 |" in md
    html = out[2].read_text()
    assert html.startswith("<!DOCTYPE html>")
    assert "<tr><td>AVAL</td><td>Num</td><td>1</td><td>4</td><td>0.5</td></tr>" in html
    assert "<td>label</td><td>Analysis Value</td><td>Analysis Val</td>" in html
    err = capsys.readouterr().err
    assert "Dataset ADX: DIFFERENT" in err and "differences in 1 of 1 dataset(s): ADX" in err


def test_reports_are_deterministic(tmp_path):
    b, c = shuffled_with_one_change(tmp_path)
    texts = []
    for n in (1, 2):
        main(["compare", str(b), str(c), *KEYS, "-q", "--json", str(tmp_path / f"{n}.json"),
              "--html", str(tmp_path / f"{n}.html")])
        texts.append(((tmp_path / f"{n}.json").read_bytes(), (tmp_path / f"{n}.html").read_bytes()))
    assert texts[0] == texts[1]


@pytest.mark.parametrize(
    "key_args",
    [
        ["--keys", "USUBJID", "PARAMCD", "ADT"],  # the form
        ["--keys", "USUBJID,PARAMCD,ADT"],
        ["--keys", "USUBJID PARAMCD ADT"],
        ["--keys", "USUBJID", "--keys", "PARAMCD", "-k", "ADT"],
    ],
)
def test_keys_forms(tmp_path, key_args):
    b, c = shuffled_with_one_change(tmp_path)
    out = tmp_path / "r.json"
    assert main(["compare", str(b), str(c), *key_args, "--json", str(out), "-q"]) == 1
    ds = json.loads(out.read_text())["datasets"][0]
    assert ds["keys"] == ["USUBJID", "PARAMCD", "ADT"]
    assert ds["summary"]["value_diffs"] == 1  # by row order the shuffle would differ everywhere


def test_without_keys_matches_by_row_order(tmp_path):
    b, c = shuffled_with_one_change(tmp_path)
    out = tmp_path / "r.json"
    assert main(["compare", str(b), str(c), "--json", str(out), "-q"]) == 1
    ds = json.loads(out.read_text())["datasets"][0]
    assert ds["matched_by"] == "row order" and ds["keys"] == []
    assert ds["summary"]["variables_with_value_diffs"] == 5


def test_tolerance_options_on_the_command_line(tmp_path):
    b = write_xpt(adx(), tmp_path / "adx.xpt")
    df = adx()
    df.loc[df["AVAL"] == 2.5, "AVAL"] = 2.5000001
    same = write_xpt(df, tmp_path / "same.xpt")
    assert main(["compare", str(b), str(same), *KEYS, "-q"]) == 1
    assert main(["compare", str(b), str(same), *KEYS, "-q", "--abs-tol", "1e-6"]) == 0
    assert main(["compare", str(b), str(same), *KEYS, "-q", "--rel-tol", "1e-7"]) == 0
    assert main(["compare", str(b), str(same), *KEYS, "-q", "--round", "5"]) == 0


def test_text_options_on_the_command_line(tmp_path):
    base, comp = tmp_path / "a.csv", tmp_path / "b.csv"
    pd.DataFrame({"ID": [1, 2, 3], "X": ["a", "B", ""]}).to_csv(base, index=False)
    comp.write_text("ID,X\n1,A\n2,B  \n3,\n")
    assert main(["compare", str(base), str(comp), "--keys", "ID", "-q"]) == 1
    assert main(["compare", str(base), str(comp), "--keys", "ID", "-q", "--ignore-case"]) == 0
    assert main(["compare", str(base), str(comp), "--keys", "ID", "-q", "--ignore-case",
                 "--keep-trailing-blanks"]) == 1
    # csv: an empty field is missing, "" written by pandas is an empty field too
    assert main(["compare", str(base), str(comp), "--keys", "ID", "-q", "--ignore-case", "--strict-missing"]) == 0


def test_bad_input_exit_2_names_the_problem(tmp_path, capsys):
    b = write_xpt(adx(), tmp_path / "adx.xpt")
    no_param = write_xpt(adx().drop(columns="PARAMCD"), tmp_path / "nop.xpt")
    (tmp_path / "adx.txt").write_text("x")
    out = tmp_path / "r.json"

    assert main(["compare", str(b), str(tmp_path / "gone.xpt"), *KEYS, "--json", str(out)]) == 2
    assert "gone.xpt: file or folder not found" in capsys.readouterr().err

    assert main(["compare", str(b), str(tmp_path / "adx.txt")]) == 2
    assert "unknown dataset format '.txt'" in capsys.readouterr().err

    assert main(["compare", str(b), str(no_param), *KEYS, "--json", str(out)]) == 2
    err = capsys.readouterr().err
    assert "nop.xpt / ADX / PARAMCD: key variable PARAMCD is not in the compare dataset" in err

    assert main(["compare", str(b), str(tmp_path)]) == 2
    assert "cannot compare a folder with a file" in capsys.readouterr().err

    assert main(["compare", str(b), str(b), "USUBJID"]) == 2
    assert "unexpected argument(s) USUBJID" in capsys.readouterr().err

    assert main(["compare", str(b)]) == 2
    assert main(["compare", str(b), str(b), "--json", str(tmp_path / "no" / "r.json")]) == 2
    assert not out.exists()  # no report on bad input


def test_folders_matched_by_name(tmp_path):
    base_dir, qc_dir = tmp_path / "prod", tmp_path / "qc"
    base_dir.mkdir()
    qc_dir.mkdir()
    adsl = pd.DataFrame({"USUBJID": ["S01", "S02"], "AGE": [34.0, 41.0]})
    for folder, name in ((base_dir, "adsl.csv"), (qc_dir, "ADSL.CSV")):
        adsl.to_csv(folder / name, index=False)
    write_xpt(adx(), base_dir / "adx.xpt")
    write_xpt(adx(), qc_dir / "Adx.xpt")
    (base_dir / "notes.txt").write_text("not a dataset")
    assert main(["compare", str(base_dir), str(qc_dir), *KEYS]) == 0

    results = compare_paths(base_dir, qc_dir, "USUBJID PARAMCD ADT")
    assert [r.name for r in results] == ["ADSL", "ADX"]
    assert results[0].keys == ["USUBJID"]  # PARAMCD and ADT are not ADSL variables
    assert "PARAMCD, ADT" in results[0].notes[0]

    adsl.iloc[:1].to_csv(qc_dir / "adae.csv", index=False)
    out = tmp_path / "r.json"
    assert main(["compare", str(base_dir), str(qc_dir), *KEYS, "--json", str(out), "-q"]) == 1
    doc = json.loads(out.read_text())
    assert [(d["name"], d["status"], d["has_differences"]) for d in doc["datasets"]] == [
        ("ADAE", "only in compare", True),
        ("ADSL", "compared", False),
        ("ADX", "compared", False),
    ]


def test_folder_with_two_files_for_one_dataset_is_bad_input(tmp_path):
    for d in ("a", "b"):
        (tmp_path / d).mkdir()
        write_xpt(adx(), tmp_path / d / "adx.xpt")
    adx().to_csv(tmp_path / "a" / "ADX.csv", index=False)
    with pytest.raises(InputError, match="dataset ADX is there in more than one file: ADX.csv, adx.xpt"):
        compare_paths(tmp_path / "a", tmp_path / "b")
    assert main(["compare", str(tmp_path / "a"), str(tmp_path / "b")]) == 2


def test_csv_against_parquet_with_real_dates(tmp_path):
    csv = tmp_path / "adx.csv"
    adx().to_csv(csv, index=False)
    pq = tmp_path / "adx.parquet"
    df = adx()
    df["ADT"] = pd.Timestamp("1960-01-01") + pd.to_timedelta(df["ADT"], unit="D")
    con = duckdb.connect()
    con.register("src", df)
    con.execute(f"copy (select * from src) to '{pq}' (format parquet)")
    con.close()
    back, meta = read_dataset(pq)
    assert meta is None and str(back["ADT"].dtype).startswith("datetime64")
    assert main(["compare", str(csv), str(pq), *KEYS]) == 0


def test_parquet_needing_pyarrow_gives_clear_error(tmp_path, monkeypatch):
    pq = tmp_path / "x.parquet"
    pq.write_bytes(b"PAR1")

    class NoArrow:
        def execute(self, *args):
            raise ModuleNotFoundError("No module named 'pyarrow'", name="pyarrow")

        def close(self):
            pass

    monkeypatch.setattr(duckdb, "connect", lambda: NoArrow())
    with pytest.raises(InputError, match="needs the Python package 'pyarrow', which is not installed"):
        read_dataset(pq)


def test_sas7bdat_goes_through_pyreadstat(tmp_path, monkeypatch):
    xpt = write_xpt(adx(), tmp_path / "adx.xpt")
    fake = tmp_path / "adx.sas7bdat"
    fake.write_bytes(b"")
    seen = []

    def read_sas7bdat(path, **kwargs):
        seen.append((path, kwargs))
        return pyreadstat.read_xport(str(xpt), **kwargs)

    monkeypatch.setattr(pyreadstat, "read_sas7bdat", read_sas7bdat)
    assert main(["compare", str(fake), str(xpt), *KEYS]) == 0
    assert seen == [(str(fake), {"disable_datetime_conversion": True})]


def test_dataset_json_against_xpt(tmp_path):
    from adam.export.columns import ColumnMeta, DatasetMeta
    from adam.export.datasetjson import write_dataset_json

    meta = DatasetMeta(
        "ADX",
        "Analysis X",
        (
            ColumnMeta("USUBJID", "Unique Subject Identifier", "text", 3),
            ColumnMeta("PARAMCD", "Parameter Code", "text", 4),
            ColumnMeta("ADT", "Analysis Date", "date", None, "DATE9."),
            ColumnMeta("AVAL", "Analysis Value", "float"),
            ColumnMeta("AVALC", "Analysis Value (C)", "text", 3),
        ),
    )
    js = write_dataset_json(adx(), tmp_path / "adx.json", meta, study_oid="S1")
    xpt = write_xpt(adx(), tmp_path / "adx.xpt")
    assert main(["compare", str(xpt), str(js), *KEYS]) == 0
    changed = adx()
    changed.loc[0, "AVALC"] = "3"
    nd = write_dataset_json(changed, tmp_path / "adx.ndjson", meta, study_oid="S1", ndjson=True)
    (r,) = compare_paths(js, nd, ["USUBJID", "PARAMCD", "ADT"])
    assert r.diff_for("AVALC").n_diff == 1 and len(r.value_diffs) == 1


def test_reference_dataset_json_examples_equal_their_xpt():
    assert main(["compare", str(REF / "dm.xpt"), str(REF / "dm.json"), "--keys", "USUBJID", "-q"]) == 0
    assert main(["compare", str(REF / "ae.xpt"), str(REF / "ae.ndjson"), "--keys", "USUBJID", "AESEQ", "-q"]) == 0
    (r,) = compare_paths(REF / "ae.xpt", REF / "ae.json", "USUBJID")
    dup = r.duplicate_keys[0]
    assert (dup.side, dup.n_keys, dup.n_records) == ("base", 11, 72)
    assert r.value_diffs == []  # duplicates pair up in file order


def test_quiet_prints_no_summary(tmp_path, capsys):
    b = write_xpt(adx(), tmp_path / "adx.xpt")
    assert main(["compare", str(b), str(b), "-q"]) == 0
    assert capsys.readouterr().err == ""
    adam.console._state["quiet"] = False  # configure() keeps --quiet for the process
    assert main(["compare", str(b), str(b)]) == 0
    err = capsys.readouterr().err
    assert "Dataset ADX: equal" in err and "No differences found." in err


def test_csv_columns_take_the_type_of_the_other_side(tmp_path):
    xpt = tmp_path / "dm.xpt"
    pyreadstat.write_xport(
        pd.DataFrame({"SUBJID": ["001", "002"], "AGE": [34.0, 41.5], "ARMCD": ["1", "2"]}),
        str(xpt), table_name="DM", file_format_version=5,
    )
    csv = tmp_path / "dm.csv"
    csv.write_text("SUBJID,AGE,ARMCD\n001,34,1\n002,41.50,2\n")
    (r,) = compare_paths(xpt, csv, "SUBJID")
    assert not r.has_differences  # "001" stays text, "41.50" is the number 41.5
    csv.write_text("SUBJID,AGE,ARMCD\n001,34,1\n002,unknown,2\n")
    (r,) = compare_paths(xpt, csv, "SUBJID")
    assert [(d.variable, d.attribute, d.base, d.compare) for d in r.variable_diffs] == [("AGE", "type", "Num", "Char")]
    # csv against csv: numeric where both sides are all numbers, so 34 equals 34.0
    other = tmp_path / "dm2.csv"
    other.write_text("SUBJID,AGE,ARMCD\n001,34.0,1\n002,unknown,2\n")
    (r,) = compare_paths(csv, other, "SUBJID")
    assert r.diff_for("AGE").n_diff == 1  # text: "34" vs "34.0"
    other.write_text("SUBJID,AGE,ARMCD\n001,34.0,1\n002,41.5,2\n")
    csv.write_text("SUBJID,AGE,ARMCD\n001,34,1\n002,41.50,2\n")
    (r,) = compare_paths(csv, other, "SUBJID")
    assert not r.has_differences
