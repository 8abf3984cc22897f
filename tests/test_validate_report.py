"""The validation report (JSON, HTML, terminal) and `adam validate` on XPT folders."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyreadstat
import pytest
from rich.console import Console

from adam.cli import main
from adam.spec.load import write_spec
from adam.validate import validate_datasets
from adam.validate.read import find_dataset_files, read_dataset_folder
from test_validate_fixtures import base, meta_for, spec_for


def many_bad_changes(n: int = 120) -> pd.DataFrame:
    """A BDS dataset of ``n`` records, every CHG wrong by one."""
    return pd.DataFrame({
        "STUDYID": ["ST1"] * n,
        "USUBJID": [f"ST1-{i:03d}" for i in range(n)],
        "ASEQ": [1.0] * n,
        "PARAMCD": ["EDSS"] * n,
        "PARAM": ["EDSS Score"] * n,
        "AVAL": [3.0] * n,
        "BASE": [2.0] * n,
        "CHG": [2.0] * n,
    })


@pytest.fixture(scope="module")
def capped_report():
    return validate_datasets(None, {"ADVS": many_bad_changes()}, rules=["ADAM-BD-006"])


def test_json_caps_records_and_gives_the_total(capped_report):
    data = json.loads(capped_report.to_json(cap=50))
    (f,) = data["findings"]
    assert f["rule"] == "ADAM-BD-006" and f["count"] == 120
    assert f["records_shown"] == 50 and f["records_not_shown"] == 70 and len(f["records"]) == 50
    assert f["records"][0] == {"ROW": 1, "USUBJID": "ST1-000", "SEQ": "1",
                               "VARIABLE": "PARAMCD, AVAL, BASE, CHG",
                               "VALUE": "PARAMCD=EDSS; AVAL=3; BASE=2; CHG=2"}
    assert data["summary"] == {"error": 1, "warning": 0, "notice": 0, "has_errors": True}
    assert data["datasets"] == [{"name": "ADVS", "records": 120}]
    assert capped_report.to_json() == capped_report.to_json()  # deterministic


def test_html_lists_records_and_says_how_many_are_not_shown(capped_report):
    html = capped_report.to_html(cap=50)
    assert "ADAM-BD-006" in html and "CHG is not AVAL - BASE." in html
    assert html.count("<td>ST1-0") == 50
    assert "50 of 120 records shown; 70 more not listed." in html
    assert "ST1-049" in html and "ST1-050" not in html


def test_html_escapes_values():
    frames = base()
    frames["ADAE"].loc[0, "AETERM"] = " <b>Headache</b>"
    html = validate_datasets(None, frames, rules=["ADAM-ST-009"]).to_html()
    assert "&lt;b&gt;Headache&lt;/b&gt;" in html and "<b>Headache" not in html


def test_terminal_summary_is_a_table_of_findings(capped_report):
    console = Console(record=True, width=200)
    capped_report.print_summary(console)
    text = console.export_text()
    assert "ADAM-BD-006" in text and "error" in text and "120" in text
    assert "1 dataset(s) checked with 1 rules: 1 error, 0 warning, 0 notice finding(s)" in text


def test_write_creates_json_and_html(tmp_path, capped_report):
    paths = capped_report.write(tmp_path / "rep", cap=10)
    assert [p.name for p in paths] == ["validation.json", "validation.html"]
    assert json.loads(paths[0].read_text())["findings"][0]["records_shown"] == 10


def test_clean_report_has_no_errors():
    report = validate_datasets(None, base())
    assert not report.has_errors
    assert "No findings." in validate_datasets(None, base(), rules=["ADAM-BD-006"]).to_html()


# --- reading folders and the command line ---------------------------------------------------

def write_xpt_folder(folder: Path, frames: dict[str, pd.DataFrame]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, df in frames.items():
        meta = meta_for(name, df)
        pyreadstat.write_xport(
            df, str(folder / f"{name.lower()}.xpt"), file_label=meta.label,
            column_labels=[c.label for c in meta.columns], table_name=name, file_format_version=5,
            variable_format={c.name: c.display_format for c in meta.columns if c.display_format})


@pytest.fixture
def study(tmp_path):
    frames = base()
    write_spec(spec_for(frames), tmp_path / "spec")
    write_xpt_folder(tmp_path / "xpt", frames)
    return tmp_path


def test_read_folder_keeps_sas_numbers_and_metadata(study):
    frames, metas, skipped = read_dataset_folder(study / "xpt")
    assert sorted(frames) == ["ADAE", "ADSL", "ADTTE", "ADVS"] and skipped == []
    assert frames["ADVS"]["ADT"].tolist() == [21000.0, 21050.0, 21100.0, 21010.0]
    assert metas["ADVS"].column("ADT").display_format == "DATE9"
    assert metas["ADVS"].label == "ADVS dataset"


def test_validate_clean_folder_exits_0(study):
    code = main(["validate", "--spec", str(study / "spec"), "--adam", str(study / "xpt"),
                 "--report", str(study / "rep"), "--quiet"])
    assert code == 0
    data = json.loads((study / "rep" / "validation.json").read_text())
    assert data["summary"]["has_errors"] is False
    assert [d["name"] for d in data["datasets"]] == ["ADAE", "ADSL", "ADTTE", "ADVS"]
    assert (study / "rep" / "validation.html").exists()


def test_validate_with_errors_exits_1_and_reports_them(study):
    frames = base()
    frames["ADVS"].loc[1, "CHG"] = 5.0
    frames["ADSL"].loc[1, "ITTFL"] = None
    write_xpt_folder(study / "xpt", frames)
    code = main(["validate", "--spec", str(study / "spec"), "--adam", str(study / "xpt"),
                 "--report", str(study / "rep"), "--quiet"])
    assert code == 1
    data = json.loads((study / "rep" / "validation.json").read_text())
    errors = {(f["rule"], f["dataset"]) for f in data["findings"] if f["severity"] == "error"}
    assert errors == {("ADAM-BD-006", "ADVS"), ("ADAM-FL-001", "ADSL")}


def test_rule_option_limits_the_run(study):
    frames = base()
    frames["ADVS"].loc[1, "CHG"] = 5.0
    write_xpt_folder(study / "xpt", frames)
    args = ["validate", "--spec", str(study / "spec"), "--adam", str(study / "xpt"), "--quiet"]
    assert main(args + ["--rule", "ADAM-BD-006"]) == 1
    assert main(args + ["--rule", "ADAM-ST-001"]) == 0


def test_bad_input_exits_2(study, tmp_path):
    assert main(["validate", "--spec", str(study / "spec"), "--adam", str(tmp_path / "nope")]) == 2
    assert main(["validate", "--adam", str(study / "xpt")]) == 2  # no --spec
    (tmp_path / "empty").mkdir()
    assert main(["validate", "--spec", str(study / "spec"), "--adam", str(tmp_path / "empty")]) == 2
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "adsl.xpt").write_bytes(b"not a transport file")
    assert main(["validate", "--spec", str(study / "spec"), "--adam", str(tmp_path / "broken")]) == 2
    assert main(["validate", "--spec", str(study / "spec"), "--adam", str(study / "xpt"),
                 "--rule", "ADAM-NO-000"]) == 2


def test_list_rules(capsys):
    assert main(["validate", "--list-rules"]) == 0
    out = capsys.readouterr().out
    for rule_id in ("ADAM-FL-001", "ADAM-SC-005", "ADAM-X-002", "ADAM-TT-003"):
        assert rule_id in out


def test_one_format_read_per_dataset(tmp_path):
    for name in ("adsl.xpt", "adsl.json", "adae.ndjson", "define.xml", "manifest.json"):
        (tmp_path / name).write_text("x")
    files, skipped = find_dataset_files(tmp_path)
    assert {k: p.name for k, p in files.items()} == {"ADAE": "adae.ndjson", "ADSL": "adsl.xpt"}
    assert [p.name for p in skipped] == ["adsl.json"]
    files, _ = find_dataset_files(tmp_path, "json")
    assert {k: p.name for k, p in files.items()} == {"ADAE": "adae.ndjson", "ADSL": "adsl.json"}


def test_sdtm_option_resolves_sources(study):
    frames = base()
    frames["ADTTE"]["SRCDOM"] = ["QS", "ADVS"]
    write_xpt_folder(study / "xpt", frames)
    write_spec(spec_for(frames), study / "spec")
    qs = pd.DataFrame({"STUDYID": ["ST1"], "USUBJID": ["ST1-01"], "QSSEQ": [7.0],
                       "QSDTC": ["2017-08-19"]})
    (study / "sdtm").mkdir()
    pyreadstat.write_xport(qs, str(study / "sdtm" / "qs.xpt"), table_name="QS", file_format_version=5)
    args = ["validate", "--spec", str(study / "spec"), "--adam", str(study / "xpt"), "--quiet",
            "--rule", "ADAM-TR-004"]
    assert main(args) == 0  # QS not given: a notice only
    assert main(args + ["--sdtm", str(study / "sdtm")]) == 1  # QSSEQ 2 does not exist


def test_validate_dataset_json_folder(tmp_path):
    from adam.export.datasetjson import write_dataset_json
    from adam.export.from_spec import dataset_meta

    frames = base()
    spec = spec_for(frames)
    write_spec(spec, tmp_path / "spec")
    (tmp_path / "json").mkdir()
    for name, df in frames.items():
        write_dataset_json(df, tmp_path / "json" / f"{name.lower()}.json", dataset_meta(spec.dataset(name)),
                           study_oid="ST1")
    frames_read, metas, _ = read_dataset_folder(tmp_path / "json")
    assert frames_read["ADVS"]["ADT"].tolist() == [21000.0, 21050.0, 21100.0, 21010.0]
    args = ["validate", "--spec", str(tmp_path / "spec"), "--adam", str(tmp_path / "json"), "--quiet"]
    assert main(args) == 0
    frames["ADTTE"].loc[0, "AVAL"] = 52.0
    write_dataset_json(frames["ADTTE"], tmp_path / "json" / "adtte.json",
                       dataset_meta(spec.dataset("ADTTE")), study_oid="ST1")
    assert main(args) == 1


def test_raise_for_errors(capped_report):
    from adam.errors import FindingsError

    with pytest.raises(FindingsError, match="1 error-level finding"):
        capped_report.raise_for_errors()
    validate_datasets(None, base()).raise_for_errors()  # notices only: no exception
