"""P21-style workbook: export then import gives the same spec; bad workbooks are named precisely."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import openpyxl
import pytest

from adam.cli import main
from adam.errors import InputError
from adam.spec.load import load_spec, write_spec
from adam.spec.model import (
    Codelist,
    CodelistItem,
    Comment,
    Condition,
    Dataset,
    Method,
    Spec,
    Standard,
    Study,
    ValueLevel,
    Variable,
)
from adam.spec.xlsx import export_xlsx, import_xlsx, workbook_bytes

ROOT = Path(__file__).resolve().parents[1]
CAMMS223 = ROOT / "specs" / "camms223"


def full_spec() -> Spec:
    """A spec that sets every field the workbook carries."""
    study = Study(
        study_id="FULL1", name="Every field", description="Line one\nline two", protocol="P-1",
        sponsor="ACME", data_cutoff=dt.date(2024, 3, 31), define_version="2.1.0",
        standards=[Standard(), Standard(name="CDISC/NCI", version="2024-03-29", type="CT",
                                        publishing_set="ADaM")],
        module="adam.datasets.full",
        analysis={"years": 12, "edss": {"stable": 0.5, "levels": [1.0, 2.5]}, "flag": True,
                  "name": "x: y", "missing": None})
    adsl = Dataset(
        name="ADSL", label="Subject-Level Analysis Dataset", **{"class": "ADSL"},
        structure="One record per subject", keys=["STUDYID", "USUBJID"], comment="COM.ADSL",
        module="adam.datasets.full.adsl", extra={"Standard": "ADaMIG 1.3", "Has No Data": "No"},
        variables=[
            Variable(name="STUDYID", label="Study Identifier", type="text", length=8,
                     origin="Predecessor", source="DM.STUDYID", core="Req",
                     extra={"Role": "Identifier", "Developer Notes": "=copied"}),
            Variable(name="USUBJID", label="Unique Subject Identifier", type="text", length=20,
                     origin="Predecessor", source="DM.USUBJID", core="Req",
                     extra={"Role": "Identifier", "Pages": 3}),
            Variable(name="AGEGR1N", label="Pooled Age Group 1 (N)", type="integer",
                     codelist="AGEGR1N", origin="Derived", method="MT.AGEGR1", core="Perm"),
            Variable(name="TRTSDT", label="Date of First Exposure", type="date", format="DATE9.",
                     origin="Derived", method="MT.TRTSDT", comment="COM.TRT", core="Cond"),
            Variable(name="HEIGHT", label="Height (cm)", type="float", significant_digits=1,
                     format="8.1", origin="Assigned", comment="COM.TRT"),
        ])
    adlb = Dataset(
        name="ADLB", label="Laboratory Analysis Dataset", **{"class": "BDS"},
        structure="One record per subject per parameter per visit",
        keys=["USUBJID", "PARAMCD", "AVISITN"], purpose="Analysis", repeating=True,
        variables=[
            Variable(name="USUBJID", label="Unique Subject Identifier", type="text",
                     origin="Predecessor", source="ADSL.USUBJID", core="Req"),
            Variable(name="PARAMCD", label="Parameter Code", type="text", length=8,
                     codelist="PARAMCD", origin="Assigned", comment="COM.TRT", core="Req"),
            Variable(name="AVISITN", label="Analysis Visit (N)", type="integer",
                     origin="Derived", method="MT.AVAL"),
            Variable(name="AVAL", label="Analysis Value", type="float", origin="Derived",
                     method="MT.AVAL", core="Cond"),
            Variable(name="AVALC", label="Analysis Value (C)", type="text", length=20,
                     origin="Derived", method="MT.AVAL"),
        ],
        value_level=[
            ValueLevel(variable="AVAL", where=[Condition(variable="PARAMCD", comparator="IN",
                                                         values=["ALT", "AST", "BILI"])],
                       label="Liver tests", type="float", significant_digits=2, format="8.2",
                       origin="Predecessor", source="LB.LBSTRESN", mandatory=True),
            ValueLevel(variable="AVAL", where_id="WC.ADLB.AVAL.HGB",
                       where=[Condition(variable="PARAMCD", values=["HGB"]),
                              Condition(variable="AVISITN", comparator="GE", values=["1"]),
                              Condition(variable="AVISITN", comparator="NOTIN",
                                        values=["99", "100"])],
                       type="float", length=8, codelist=None, origin="Derived",
                       method="MT.AVAL", comment="COM.TRT"),
            ValueLevel(variable="AVALC", where=[Condition(variable="PARAMCD", values=["ALT"])],
                       type="text", length=5, codelist="NY", origin="Assigned",
                       comment="COM.TRT"),
        ])
    codelists = [
        Codelist(id="NY", name="No Yes Response", nci_code="C66742", extensible=False,
                 standard="CDISC/NCI", comment="COM.TRT",
                 items=[CodelistItem(value="N", decode="No", nci_code="C49487", rank=1),
                        CodelistItem(value="Y", decode="Yes", nci_code="C49488", rank=2.5)]),
        Codelist(id="AGEGR1N", name="Pooled Age Group 1 (N)", type="integer", extensible=True,
                 items=[CodelistItem(value="1", decode="<30"),
                        CodelistItem(value="2", decode="=30-39"),
                        CodelistItem(value="10", decode=">=40")]),
        Codelist(id="PARAMCD", name="Parameter Code",
                 items=[CodelistItem(value=v) for v in ("ALT", "AST", "BILI", "HGB")]),
        Codelist(id="EMPTY", name="No terms yet", items=[]),
    ]
    methods = [
        Method(id="MT.AGEGR1", name="Age group", description="AGE < 30 -> 1, ...",
               implementation="adam.datasets.full.adsl:agegr1", document="SAP section 9.1"),
        Method(id="MT.TRTSDT", name="First dose", type="Imputation",
               description="First EX.EXSTDTC; missing day imputed as 1"),
        Method(id="MT.AVAL", name="Analysis value", description="From LB.LBSTRESN"),
    ]
    comments = [Comment(id="COM.ADSL", text="One record per randomized subject."),
                Comment(id="COM.TRT", text="  Spaces kept  ")]
    return Spec(study=study, datasets=[adsl, adlb], codelists=codelists, methods=methods,
                comments=comments)


def test_camms223_round_trip(tmp_path):
    spec = load_spec(CAMMS223)
    path = export_xlsx(spec, tmp_path / "camms223.xlsx")
    assert import_xlsx(path) == spec


def test_full_spec_round_trip_and_through_yaml(tmp_path):
    spec = full_spec()
    back = import_xlsx(export_xlsx(spec, tmp_path / "full.xlsx"))
    assert back == spec
    # spot checks that equality really covers the detail
    vl = back.dataset("ADLB").value_level
    assert vl[0].where[0].values == ["ALT", "AST", "BILI"] and vl[0].where_id is None
    assert vl[1].where_id == "WC.ADLB.AVAL.HGB"
    assert [(c.variable, c.comparator, c.values) for c in vl[1].where] == [
        ("PARAMCD", "EQ", ["HGB"]), ("AVISITN", "GE", ["1"]), ("AVISITN", "NOTIN", ["99", "100"])]
    assert back.dataset("ADSL").variables[0].extra == {"Role": "Identifier",
                                                       "Developer Notes": "=copied"}
    assert back.codelist("NY").items[1].rank == 2.5
    assert back.codelist("EMPTY").items == []
    write_spec(back, tmp_path / "yaml")
    assert load_spec(tmp_path / "yaml") == spec


def test_same_spec_same_bytes(tmp_path):
    spec = full_spec()
    a = export_xlsx(spec, tmp_path / "a.xlsx").read_bytes()
    b = export_xlsx(full_spec(), tmp_path / "b.xlsx").read_bytes()
    assert a == b == workbook_bytes(spec)
    with zipfile.ZipFile(tmp_path / "a.xlsx") as archive:
        assert {i.date_time for i in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        core = archive.read("docProps/core.xml").decode()
    assert "2024-03-31T00:00:00Z" in core  # the study's data cut-off
    wb = openpyxl.load_workbook(tmp_path / "a.xlsx")
    assert wb.sheetnames == ["Study", "Datasets", "Variables", "ValueLevel", "WhereClauses",
                             "Codelists", "Methods", "Comments"]
    header = [c.value for c in wb["Variables"][1]]
    assert header[:15] == ["Order", "Dataset", "Variable", "Label", "Data Type", "Length",
                           "Significant Digits", "Format", "Mandatory", "Codelist", "Origin",
                           "Source", "Method", "Comment", "Core"]
    where_rows = [tuple(c.value for c in row) for row in wb["WhereClauses"].iter_rows(min_row=2)]
    assert where_rows[:3] == [("WC.ADLB.AVAL.ALT_AST_BILI", "ADLB", "PARAMCD", "IN", v)
                              for v in ("ALT", "AST", "BILI")]


def _edit(path: Path, change) -> Path:
    wb = openpyxl.load_workbook(path)
    change(wb)
    wb.save(path)
    return path


def _problems(path: Path):
    with pytest.raises(InputError) as caught:
        import_xlsx(path)
    return caught.value.problems


def test_columns_are_found_by_name_and_extra_columns_kept(tmp_path):
    spec = full_spec()
    path = export_xlsx(spec, tmp_path / "s.xlsx")

    def shuffle(wb):
        ws = wb["Variables"]
        rows = [[c.value for c in row] for row in ws.iter_rows()]
        order = list(range(len(rows[0])))[::-1]  # every column reversed
        rows = [[row[i] for i in order] for row in rows]
        rows[0] = [str(h).upper().replace(" ", "_") if h else h for h in rows[0]]
        rows[0][rows[0].index("DATA_TYPE")] = " data type "
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                ws.cell(r, c).value = value
                if isinstance(value, str) and value.startswith("="):
                    ws.cell(r, c).data_type = "s"
        # a user's own column
        ws.cell(1, len(rows[0]) + 1).value = "Reviewer"
        ws.cell(2, len(rows[0]) + 1).value = "JD"

    back = import_xlsx(_edit(path, shuffle))
    assert back.datasets[0].variables[0].extra == {
        "ROLE": "Identifier", "DEVELOPER_NOTES": "=copied", "Reviewer": "JD"}
    for ds_a, ds_b in zip(back.datasets, spec.datasets):
        for va, vb in zip(ds_a.variables, ds_b.variables):
            assert va.model_dump(exclude={"extra"}) == vb.model_dump(exclude={"extra"})


def test_missing_sheet_is_named(tmp_path):
    path = _edit(export_xlsx(full_spec(), tmp_path / "s.xlsx"),
                 lambda wb: wb.remove(wb["Variables"]))
    problems = _problems(path)
    assert [(p.file, p.message) for p in problems] == [
        (str(path), "required sheet 'Variables' is missing")]


def test_missing_optional_sheet_means_none(tmp_path):
    spec = load_spec(CAMMS223)
    path = _edit(export_xlsx(spec, tmp_path / "s.xlsx"), lambda wb: wb.remove(wb["Comments"]))
    assert import_xlsx(path).comments == []


def test_missing_required_column_is_named(tmp_path):
    def drop(wb):
        wb["Variables"].delete_cols(5)  # Data Type
        wb["Codelists"].delete_cols(6)  # Term

    problems = _problems(_edit(export_xlsx(full_spec(), tmp_path / "s.xlsx"), drop))
    assert sorted(p.message for p in problems) == [
        "sheet Codelists, row 1: required column 'Term' is missing",
        "sheet Variables, row 1: required column 'Data Type' is missing"]


def test_bad_cells_are_reported_with_sheet_row_and_column(tmp_path):
    def spoil(wb):
        variables = wb["Variables"]
        variables["F3"] = "twenty"     # Length of ADSL.USUBJID
        variables["E4"] = "number"     # Data Type of ADSL.AGEGR1N
        variables["I5"] = "maybe"      # Mandatory of ADSL.TRTSDT
        variables["D6"] = None         # Label of ADSL.HEIGHT
        wb["WhereClauses"]["D2"] = "LIKE"
        wb["ValueLevel"]["D4"] = "WC.NOPE"
        wb["Datasets"]["C3"] = "XYZ"

    problems = _problems(_edit(export_xlsx(full_spec(), tmp_path / "s.xlsx"), spoil))
    found = {(p.line, p.dataset, p.variable, p.message) for p in problems}
    assert found == {
        (3, "ADSL", "USUBJID", "sheet Variables, row 3, column Length: expected a whole number, "
                               "found 'twenty'"),
        (4, "ADSL", "AGEGR1N", "sheet Variables, row 4, column Data Type: expected one of text, "
                               "integer, float, date, datetime, time, found 'number'"),
        (5, "ADSL", "TRTSDT", "sheet Variables, row 5, column Mandatory: expected Yes or No, "
                              "found 'maybe'"),
        (6, "ADSL", "HEIGHT", "sheet Variables, row 6, column Label: a value is required"),
        (2, "ADLB", "PARAMCD", "sheet WhereClauses, row 2, column Comparator: expected one of EQ, "
                               "NE, LT, LE, GT, GE, IN, NOTIN, found 'LIKE'"),
        (4, "ADLB", "AVALC", "sheet ValueLevel, row 4, column Where Clause: where clause WC.NOPE "
                             "is not on the WhereClauses sheet"),
        (3, "ADLB", None, "sheet Datasets, row 3, column Class: expected one of ADSL, BDS, OCCDS, "
                          "TTE, OTHER, found 'XYZ'"),
    }


def test_unreadable_workbook(tmp_path):
    bad = tmp_path / "bad.xlsx"
    bad.write_text("not a zip")
    assert "not a readable xlsx workbook" in _problems(bad)[0].message
    assert _problems(tmp_path / "absent.xlsx")[0].message == "workbook not found"


def test_cli_export_import(tmp_path, capsys):
    xlsx = tmp_path / "out" / "camms223.xlsx"
    assert main(["spec", "export", str(CAMMS223), "--xlsx", str(xlsx)]) == 0
    target = tmp_path / "specs" / "camms223"
    assert main(["spec", "import", str(xlsx), "--out", str(target)]) == 0
    assert load_spec(target) == load_spec(CAMMS223)

    # a non-empty folder is left alone without --force
    (target / "note.txt").write_text("keep")
    assert main(["spec", "import", str(xlsx), "--out", str(target)]) == 2
    assert (target / "note.txt").read_text() == "keep"
    assert main(["spec", "import", str(xlsx), "--out", str(target), "--force"]) == 0
    assert not (target / "note.txt").exists()
    assert load_spec(target) == load_spec(CAMMS223)
    assert sorted(p.name for p in target.parent.iterdir()) == ["camms223"]  # no temp folders

    # a bad workbook: exit 2, each problem printed, nothing written
    _edit(xlsx, lambda wb: wb.remove(wb["Datasets"]))
    fresh = tmp_path / "specs" / "fresh"
    capsys.readouterr()
    assert main(["spec", "import", str(xlsx), "--out", str(fresh)]) == 2
    assert f"{xlsx}: error: required sheet 'Datasets' is missing" in capsys.readouterr().out
    assert not fresh.exists()


def test_hand_made_p21_style_workbook(tmp_path):
    """A workbook typed by a person: other column order and names, define class names, only
    the required sheets, Mandatory without Core, numbers typed as numbers."""
    wb = openpyxl.Workbook()
    wb.active.title = "study"
    for row in [("Value", "Attribute"), ("S9", "Study ID"), ("Demo", "StudyName"),
                ("Demo study", "Study Description"), ("S9-P", "protocol name"),
                (dt.datetime(2023, 5, 1), "Data Cutoff"), ('{"years": 2}', "Analysis"),
                ("en", "Language")]:
        wb["study"].append(row)
    ds = wb.create_sheet("DATASETS")
    ds.append(["Dataset", "Description", "Class", "Structure", "Key Variables", "Reference Data"])
    ds.append(["ADVS", "Vital Signs Analysis Dataset", "BASIC DATA STRUCTURE",
               "One record per subject per parameter", "USUBJID PARAMCD", "No"])
    var = wb.create_sheet("Variables")
    var.append(["Dataset", "Variable", "Label", "Data Type", "Origin", "Source", "Length",
                "Mandatory", "Order"])
    var.append(["ADVS", "PARAMCD", "Parameter Code", "TEXT", "derived", None, 8.0, "Y", 2])
    var.append(["ADVS", "USUBJID", "Unique Subject Identifier", "text", "Predecessor",
                "ADSL.USUBJID", 20, "Yes", 1])
    var.append(["ADVS", "AVAL", "Analysis Value", "float", "Derived", None, None, "N", None])
    cl = wb.create_sheet("Codelists")
    cl.append(["ID", "Name", "Term", "Order", "Decoded Value", "Data Type", "Extensible"])
    cl.append(["PARAMCD", "Parameter Code", "SYSBP", 2, "Systolic BP", "text", "No"])
    cl.append(["PARAMCD", None, "DIABP", 1, "Diastolic BP", None, None])
    cl.append(["VISN", "Visit Number", 1, None, None, "integer", None])
    methods = wb.create_sheet("Methods")
    methods.append(["ID", "Name", "Description", "Implementation", "Type"])
    methods.append(["MT.PARAMCD", "Parameter", "From VSTESTCD", "mod:paramcd", "computation"])
    comments = wb.create_sheet("comments")
    comments.append(["Text", "ID"])
    comments.append(["Assigned from the CRF page", "COM.1"])
    wb.save(tmp_path / "hand.xlsx")

    spec = import_xlsx(tmp_path / "hand.xlsx")
    assert spec.study.study_id == "S9" and spec.study.name == "Demo"
    assert spec.study.data_cutoff == dt.date(2023, 5, 1) and spec.study.analysis == {"years": 2}
    advs = spec.dataset("ADVS")
    assert (advs.label, advs.class_, advs.keys) == ("Vital Signs Analysis Dataset", "BDS",
                                                    ["USUBJID", "PARAMCD"])
    assert advs.extra == {"Reference Data": "No"}
    assert [(v.name, v.type, v.origin, v.length, v.core) for v in advs.variables] == [
        ("USUBJID", "text", "Predecessor", 20, "Req"),
        ("PARAMCD", "text", "Derived", 8, "Req"),
        ("AVAL", "float", "Derived", None, "Perm")]
    paramcd, visn = spec.codelists
    assert [(i.value, i.decode) for i in paramcd.items] == [("DIABP", "Diastolic BP"),
                                                           ("SYSBP", "Systolic BP")]
    assert (paramcd.name, paramcd.extensible, visn.type, visn.values) == (
        "Parameter Code", False, "integer", ["1"])
    assert [(m.id, m.type, m.implementation) for m in spec.methods] == [
        ("MT.PARAMCD", "Computation", "mod:paramcd")]
    assert [(c.id, c.text) for c in spec.comments] == [("COM.1", "Assigned from the CRF page")]
