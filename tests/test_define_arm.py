"""Analysis results metadata (ARM 1.0) in define.xml 2.1: spec, export, checks, import, xlsx."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest
from lxml import etree

from adam.errors import InputError
from adam.export.define import render_define_html, validate_define, write_define
from adam.export.define_check import schema_path
from adam.export.from_spec import dataset_meta
from adam.export.xpt import write_xpt
from adam.report.stats import km_at, nb_rate
from adam.spec.define_import import import_define
from adam.spec.lint import lint_spec
from adam.spec.load import load_spec, write_spec
from adam.spec.model import AnalysisDataset, Condition, Dataset, Spec
from adam.spec.xlsx import export_xlsx, import_xlsx

ROOT = Path(__file__).resolve().parent.parent
CAMMS223 = ROOT / "specs" / "camms223"
EXAMPLE_21 = Path("/work/shared/reference/define_xml_21/adam_define_example.xml")
ARM = "http://www.cdisc.org/ns/arm/v1.0"
NS = {"odm": "http://www.cdisc.org/ns/odm/v1.3", "def": "http://www.cdisc.org/ns/def/v2.1", "arm": ARM}


def _frame(ds: Dataset) -> pd.DataFrame:
    """Two records with a value of the right kind in every variable (only the metadata matters)."""
    cols = {}
    for v in ds.variables:
        if v.type == "text":
            cols[v.name] = pd.Series([f"{v.name}-X", ""], dtype="str")
        elif v.type in ("integer", "float"):
            cols[v.name] = [1.0, np.nan]
        elif v.type == "date":
            cols[v.name] = pd.to_datetime(["2020-01-02", None])
        elif v.type == "datetime":
            cols[v.name] = pd.to_datetime(["2020-01-02T10:00:00", None])
        else:
            cols[v.name] = pd.to_timedelta(["10:00:00", None])
    return pd.DataFrame(cols)


@pytest.fixture(scope="module")
def spec() -> Spec:
    return load_spec(CAMMS223)


@pytest.fixture(scope="module")
def data_dir(spec: Spec, tmp_path_factory) -> Path:
    """The CAMMS223 XPT files (synthetic values), without define.xml."""
    out = tmp_path_factory.mktemp("camms223_xpt")
    for ds in spec.datasets:
        write_xpt(_frame(ds), out / f"{ds.name.lower()}.xpt", dataset_meta(ds))
    return out


def _write(spec: Spec, data_dir: Path, folder: Path, *, paper: bool) -> Path:
    shutil.copytree(data_dir, folder)
    if paper:
        (folder / "paper_check.html").write_text("<html></html>")
    return write_define(spec, folder)


@pytest.fixture(scope="module")
def written(spec: Spec, data_dir: Path, tmp_path_factory) -> Path:
    """define.xml with the paper check next to it (so the displays link to it)."""
    return _write(spec, data_dir, tmp_path_factory.mktemp("with_paper") / "out", paper=True)


def _mdv(path: Path) -> etree._Element:
    return etree.parse(str(path)).find(".//odm:MetaDataVersion", NS)


def _errors(problems) -> list[str]:
    return [str(p) for p in problems if p.severity == "error"]


# --- the CAMMS223 spec ----------------------------------------------------------------------------


def test_camms223_spec_has_the_three_key_analyses(spec: Spec):
    assert [(d.id, [r.id for r in d.results]) for d in spec.analysis_results] == [
        ("RD.ARR", ["AR.ARR.Y0_12"]), ("RD.CDW6", ["AR.CDW6.KM"]), ("RD.NEDA", ["AR.NEDALOSS.KM"])]
    arr, cdw, neda = spec.analysis_result_list()
    assert (arr.parameter, arr.reason, arr.purpose) == ("ADRR.PARAMCD", "SPECIFIED IN SAP", "PRIMARY OUTCOME MEASURE")
    ad = arr.datasets[0]
    assert (ad.dataset, ad.variables) == ("ADRR", ["AVAL", "AFUYRS"])
    assert [(c.variable, c.comparator, c.values) for c in ad.where] == [
        ("PARAMCD", "EQ", ["RLPSCNT"]), ("AVISITN", "EQ", ["103"]), ("LTCFL", "EQ", ["Y"])]
    assert ad.clause_id() == "WC.ADRR.PARAMCD.EQ.RLPSCNT.AVISITN.EQ.103.LTCFL.EQ.Y"
    for result, paramcd in ((cdw, "CDW6"), (neda, "NEDALOSS")):
        ad = result.datasets[0]
        assert (result.parameter, ad.dataset, ad.variables) == ("ADTTE.PARAMCD", "ADTTE", ["AVAL", "CNSR"])
        assert [(c.variable, c.values) for c in ad.where] == [("PARAMCD", [paramcd]), ("LTCFL", ["Y"])]
    assert "NegativeBinomial" in arr.code.code and 'cov_type="HC0"' in arr.code.code
    assert "SurvfuncRight" in cdw.code.code and "SurvfuncRight" in neda.code.code
    assert all(d.documents == ["paper_check.html"] for d in spec.analysis_results)
    # every reference is known to the spec: lint is clean and says where things are written
    assert _errors(lint_spec(spec)) == []
    assert spec.location("result:AR.CDW6.KM#0") == (str(CAMMS223 / "analysis_results.yaml"), 62)


def test_camms223_define_has_arm_and_passes_both_schemas(written: Path):
    problems = validate_define(written)
    assert _errors(problems) == []
    assert all("never referenced" in p.message for p in problems)
    tree = etree.parse(str(written))
    assert etree.XMLSchema(etree.parse(str(schema_path(arm=True)))).validate(tree)
    # the rest of the document is plain Define-XML 2.1 (that schema does not know ARM elements)
    plain = etree.parse(str(written))
    arm = plain.find(".//arm:AnalysisResultDisplays", NS)
    arm.getparent().remove(arm)
    assert etree.XMLSchema(etree.parse(str(schema_path(arm=False)))).validate(plain)
    assert not etree.XMLSchema(etree.parse(str(schema_path(arm=False)))).validate(tree)


def test_camms223_arm_references(written: Path):
    mdv = _mdv(written)
    groups = {g.get("OID"): g for g in mdv.findall("odm:ItemGroupDef", NS)}
    clauses = {w.get("OID"): w for w in mdv.findall("def:WhereClauseDef", NS)}
    displays = mdv.findall("arm:AnalysisResultDisplays/arm:ResultDisplay", NS)
    assert [(d.get("OID"), d.get("Name")) for d in displays] == [
        ("RD.ARR", "ARR"), ("RD.CDW6", "CDW6 KM"), ("RD.NEDA", "Sustained NEDA KM")]
    leaf = mdv.find("def:leaf[@ID='LF.paper_check.html']", NS)
    assert leaf.get("{http://www.w3.org/1999/xlink}href") == "paper_check.html"
    got = []
    for display in displays:
        assert [r.get("leafID") for r in display.findall("def:DocumentRef", NS)] == ["LF.paper_check.html"]
        (result,) = display.findall("arm:AnalysisResult", NS)
        (ads,) = result.findall("arm:AnalysisDatasets/arm:AnalysisDataset", NS)
        group = groups[ads.get("ItemGroupOID")]
        in_group = {r.get("ItemOID") for r in group.findall("odm:ItemRef", NS)}
        assert result.get("ParameterOID") in in_group
        variables = [v.get("ItemOID") for v in ads.findall("arm:AnalysisVariable", NS)]
        assert set(variables) <= in_group
        clause = clauses[ads.find("def:WhereClauseRef", NS).get("WhereClauseOID")]
        checks = [(c.get("{http://www.cdisc.org/ns/def/v2.1}ItemOID"), c.get("Comparator"),
                   [v.text for v in c.findall("odm:CheckValue", NS)]) for c in clause.findall("odm:RangeCheck", NS)]
        got.append((result.get("OID"), result.get("ParameterOID"), group.get("Name"), clause.get("OID"),
                    checks, variables, result.find("arm:ProgrammingCode", NS).get("Context")))
    context = "Python 3.11 (pandas, numpy, statsmodels 0.15)"
    assert got == [
        ("AR.ARR.Y0_12", "IT.ADRR.PARAMCD", "ADRR", "WC.ADRR.PARAMCD.EQ.RLPSCNT.AVISITN.EQ.103.LTCFL.EQ.Y",
         [("IT.ADRR.PARAMCD", "EQ", ["RLPSCNT"]), ("IT.ADRR.AVISITN", "EQ", ["103"]),
          ("IT.ADRR.LTCFL", "EQ", ["Y"])], ["IT.ADRR.AVAL", "IT.ADRR.AFUYRS"], context),
        ("AR.CDW6.KM", "IT.ADTTE.PARAMCD", "ADTTE", "WC.ADTTE.PARAMCD.EQ.CDW6.LTCFL.EQ.Y",
         [("IT.ADTTE.PARAMCD", "EQ", ["CDW6"]), ("IT.ADTTE.LTCFL", "EQ", ["Y"])],
         ["IT.ADTTE.AVAL", "IT.ADTTE.CNSR"], context),
        ("AR.NEDALOSS.KM", "IT.ADTTE.PARAMCD", "ADTTE", "WC.ADTTE.PARAMCD.EQ.NEDALOSS.LTCFL.EQ.Y",
         [("IT.ADTTE.PARAMCD", "EQ", ["NEDALOSS"]), ("IT.ADTTE.LTCFL", "EQ", ["Y"])],
         ["IT.ADTTE.AVAL", "IT.ADTTE.CNSR"], context),
    ]
    # the ARM elements come last, after the document leaves, as the schema wants
    assert etree.QName(mdv[-1]).localname == "AnalysisResultDisplays"


def test_document_reference_only_when_the_file_is_there(spec: Spec, data_dir: Path, tmp_path: Path):
    path = _write(spec, data_dir, tmp_path / "out", paper=False)
    problems = validate_define(path)
    assert _errors(problems) == []  # no link to a file that is not there
    mdv = _mdv(path)
    assert mdv.findall(".//arm:ResultDisplay/def:DocumentRef", NS) == []
    assert mdv.find("def:leaf[@ID='LF.paper_check.html']", NS) is None
    assert len(mdv.findall(".//arm:AnalysisResult", NS)) == 3
    # same spec, same folder content: same bytes; the HTML rendering shows the results
    again = write_define(spec, path.parent)
    assert again.read_bytes() == path.read_bytes()
    html = render_define_html(path, tmp_path / "define.html").read_text()
    assert "Analysis Results Metadata" in html and "AR.ARR.Y0_12" in html


# --- integrity checks on a broken document --------------------------------------------------------


def test_dangling_and_misplaced_arm_references_are_named(written: Path, tmp_path: Path):
    shutil.copytree(written.parent, tmp_path / "out")
    path = tmp_path / "out" / "define.xml"
    tree = etree.parse(str(path))
    mdv = tree.find(".//odm:MetaDataVersion", NS)
    arr = mdv.find(".//arm:AnalysisResult[@OID='AR.ARR.Y0_12']", NS)
    arr.find(".//arm:AnalysisVariable[@ItemOID='IT.ADRR.AFUYRS']", NS).set("ItemOID", "IT.ADRR.NOPE")
    arr.find(".//def:WhereClauseRef", NS).set("WhereClauseOID", "WC.MISSING")
    cdw = mdv.find(".//arm:AnalysisResult[@OID='AR.CDW6.KM']", NS)
    cdw.set("ParameterOID", "IT.ADRR.PARAMCD")  # a variable of another dataset
    cdw.find(".//arm:AnalysisVariable[@ItemOID='IT.ADTTE.CNSR']", NS).set("ItemOID", "IT.ADRR.AVAL")
    neda = mdv.find(".//arm:AnalysisResult[@OID='AR.NEDALOSS.KM']", NS)
    neda.find(".//arm:AnalysisDataset", NS).set("ItemGroupOID", "IG.ADXX")
    tree.write(str(path), xml_declaration=True, encoding="UTF-8")

    problems = validate_define(path)
    assert not [p for p in problems if p.message.startswith("XSD")]
    errors = {p.message: p for p in problems if p.severity == "error"}
    assert sorted(errors) == sorted([
        "arm:AnalysisVariable ItemOID=IT.ADRR.NOPE: no ItemDef with this OID (in arm:AnalysisResult OID=AR.ARR.Y0_12)",
        "def:WhereClauseRef WhereClauseOID=WC.MISSING: no def:WhereClauseDef with this OID "
        "(in arm:AnalysisResult OID=AR.ARR.Y0_12)",
        "arm:AnalysisDataset ItemGroupOID=IG.ADXX: no ItemGroupDef with this OID "
        "(in arm:AnalysisResult OID=AR.NEDALOSS.KM)",
        "arm:AnalysisResult OID=AR.CDW6.KM: ParameterOID=IT.ADRR.PARAMCD is not a variable of its analysis "
        "datasets (IG.ADTTE)",
        "arm:AnalysisVariable ItemOID=IT.ADRR.AVAL is not a variable of ItemGroupDef IG.ADTTE "
        "(in arm:AnalysisResult OID=AR.CDW6.KM)",
    ])
    nope = errors["arm:AnalysisVariable ItemOID=IT.ADRR.NOPE: no ItemDef with this OID "
                  "(in arm:AnalysisResult OID=AR.ARR.Y0_12)"]
    line = etree.parse(str(path)).find(".//arm:AnalysisVariable[@ItemOID='IT.ADRR.NOPE']", NS).sourceline
    assert (nope.dataset, nope.file, nope.line) == ("ADRR", str(path), line)
    # the ARR where clause is now referenced by nothing
    assert any(p.severity == "warning" and p.message ==
               "def:WhereClauseDef OID=WC.ADRR.PARAMCD.EQ.RLPSCNT.AVISITN.EQ.103.LTCFL.EQ.Y is never referenced"
               for p in problems)


def test_duplicate_result_oid_is_reported(written: Path, tmp_path: Path):
    path = tmp_path / "define.xml"
    path.write_text(written.read_text().replace('OID="AR.CDW6.KM"', 'OID="AR.ARR.Y0_12"'))
    messages = [p.message for p in validate_define(path, read_datasets=False)]
    assert any(m.startswith("arm:AnalysisResult OID=AR.ARR.Y0_12 is defined twice") for m in messages)


# --- the spec is checked before anything is written -----------------------------------------------


def _edited(tmp_path: Path, old: str, new: str) -> Spec:
    folder = tmp_path / "spec"
    shutil.copytree(CAMMS223, folder)
    path = folder / "analysis_results.yaml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    return load_spec(folder)


def test_lint_reports_an_unknown_paramcd(tmp_path: Path):
    spec = _edited(tmp_path, "values: [CDW6]", "values: [CDW12]")
    errors = [p for p in lint_spec(spec) if p.severity == "error"]
    assert [(p.message, p.dataset, p.variable, Path(p.file).name, p.line) for p in errors] == [
        ("analysis result AR.CDW6.KM: PARAMCD value(s) 'CDW12' are not parameters of ADTTE "
         "(not in its codelist 'TTEPARM' or value-level metadata)", "ADTTE", "PARAMCD", "analysis_results.yaml", 63)]


def test_lint_reports_unknown_datasets_variables_and_parameters(tmp_path: Path):
    spec = _edited(tmp_path, "variables: [AVAL, AFUYRS]", "variables: [AVAL, FUYRS]")
    ar = spec.analysis_results
    ar[1].results[0].datasets[0].where.append(Condition(variable="AVISITN", values=["1"]))
    ar[1].results[0].parameter = "ADRR.PARAMCD"
    ar[2].results[0].datasets.append(AnalysisDataset(dataset="ADXX", variables=["AVAL"]))
    ar[2].results[0].reason = "BECAUSE"
    problems = lint_spec(spec)
    errors = [p.message for p in problems if p.severity == "error"]
    assert errors == [
        "analysis result AR.ARR.Y0_12: analysis variable FUYRS is not a variable of ADRR",
        "where AVISITN EQ 1: AVISITN is not a variable of the dataset",
        "analysis result AR.CDW6.KM: parameter ADRR.PARAMCD is not a variable of its analysis datasets (ADTTE)",
        "analysis result AR.NEDALOSS.KM: dataset ADXX is not defined in the spec",
    ]
    assert [p.message for p in problems if p.severity == "warning"] == [
        "analysis result AR.NEDALOSS.KM: reason 'BECAUSE' is not an ARM term (SPECIFIED IN PROTOCOL, "
        "SPECIFIED IN SAP, DATA DRIVEN, REQUESTED BY REGULATORY AGENCY)"]
    fuyrs = next(p for p in problems if "FUYRS" in p.message)
    assert (fuyrs.dataset, fuyrs.variable, fuyrs.line) == ("ADRR", "FUYRS", 26)
    # write_define refuses the same spec and writes nothing
    with pytest.raises(InputError) as caught:
        write_define(spec, tmp_path / "out")
    messages = [p.message for p in caught.value.problems]
    assert "analysis result AR.ARR.Y0_12: analysis variable FUYRS is not a variable of ADRR" in messages
    assert "analysis result AR.NEDALOSS.KM: dataset ADXX is not defined in the spec" in messages
    assert "analysis result AR.CDW6.KM: parameter ADRR.PARAMCD is not a variable of its analysis datasets " \
           "(ADTTE)" in messages
    assert not (tmp_path / "out" / "define.xml").exists()


def test_where_clause_oid_reused_for_other_conditions_is_refused(spec: Spec, tmp_path: Path):
    other = spec.model_copy(deep=True)
    # the value-level clause of ADTTE.ADT for CDW6 is reused by id, but with other conditions
    other.analysis_results[1].results[0].datasets[0].where_id = "WC.ADTTE.ADT.CDW6"
    assert any("where-clause id 'WC.ADTTE.ADT.CDW6' is also used for different conditions" in p.message
               for p in lint_spec(other))
    with pytest.raises(InputError, match="where clause OID WC.ADTTE.ADT.CDW6 is also used for other conditions"):
        write_define(other, tmp_path)
    # the same id with the same conditions is one shared WhereClauseDef
    same = spec.model_copy(deep=True)
    same.analysis_results[1].results[0].datasets[0] = AnalysisDataset(
        dataset="ADTTE", where=[Condition(variable="PARAMCD", values=["CDW6"])], where_id="WC.ADTTE.ADT.CDW6",
        variables=["AVAL"])
    assert _errors(lint_spec(same)) == []
    text = (write_define(same, tmp_path / "same")).read_text()
    assert text.count('<def:WhereClauseDef OID="WC.ADTTE.ADT.CDW6">') == 1


# --- the programming code in define.xml gives what the paper check computes -------------------------


def test_programming_code_runs_and_matches_the_report_statistics(spec: Spec, tmp_path: Path, monkeypatch):
    rng = np.random.default_rng(7)
    n = 40
    subj = [f"S{i:03d}" for i in range(n)]
    years = np.round(rng.uniform(2, 12, n), 3)
    counts = rng.negative_binomial(1.5, 1.5 / (1.5 + 0.1 * years))
    adrr = pd.DataFrame({
        "USUBJID": subj * 2, "PARAMCD": ["RLPSCNT"] * (2 * n), "AVISITN": [103.0] * n + [1.0] * n,
        "LTCFL": ["Y" if i % 4 else "N" for i in range(n)] * 2,
        "AVAL": np.concatenate([counts, np.minimum(counts, 1)]).astype(float),
        "AFUYRS": np.concatenate([years, np.minimum(years, 1.0)])})
    aval = rng.integers(30, 4400, n).astype(float)
    adtte = pd.DataFrame({
        "USUBJID": subj * 2, "PARAMCD": ["CDW6"] * n + ["NEDALOSS"] * n,
        "LTCFL": ["Y" if i % 5 else "N" for i in range(n)] * 2,
        "AVAL": np.concatenate([aval, np.minimum(aval, 2200)]), "CNSR": rng.integers(0, 2, 2 * n).astype(float)})
    pyreadstat.write_xport(adrr, str(tmp_path / "adrr.xpt"), table_name="ADRR", file_format_version=5)
    pyreadstat.write_xport(adtte, str(tmp_path / "adtte.xpt"), table_name="ADTTE", file_format_version=5)
    monkeypatch.chdir(tmp_path)
    arr, cdw, neda = (r.code.code for r in spec.analysis_result_list())

    ns: dict = {}
    exec(compile(arr, "AR.ARR.Y0_12", "exec"), ns)
    rows = adrr[(adrr.AVISITN == 103) & (adrr.LTCFL == "Y")]
    expected = nb_rate(rows.AVAL.to_numpy(), rows.AFUYRS.to_numpy())
    assert expected.method == "negative binomial (HC0)" and expected.subjects == 30
    assert (ns["arr"], ns["lower"], ns["upper"]) == pytest.approx((expected.rate, expected.lower, expected.upper))

    exec(compile(cdw, "AR.CDW6.KM", "exec"), ns)
    rows = adtte[(adtte.PARAMCD == "CDW6") & (adtte.LTCFL == "Y")]
    assert ns["cdw_free"] == pytest.approx(km_at(rows.AVAL, 1 - rows.CNSR, 12 * 365.25).survival)

    exec(compile(neda, "AR.NEDALOSS.KM", "exec"), ns)
    rows = adtte[(adtte.PARAMCD == "NEDALOSS") & (adtte.LTCFL == "Y")]
    assert ns["sustained_neda"] == pytest.approx(km_at(rows.AVAL, 1 - rows.CNSR, rows.AVAL.max()).survival)


# --- round trips: define.xml, YAML, xlsx ----------------------------------------------------------


def test_camms223_arm_survives_define_yaml_and_xlsx(spec: Spec, written: Path, tmp_path: Path):
    back = import_define(written)
    assert back.analysis_results == spec.analysis_results
    write_spec(spec, tmp_path / "yaml")
    text = (tmp_path / "yaml" / "analysis_results.yaml").read_text()
    assert "code: |-\n" in text  # programs stay readable: literal blocks
    assert load_spec(tmp_path / "yaml") == spec
    workbook = export_xlsx(spec, tmp_path / "spec.xlsx")
    assert import_xlsx(workbook) == spec


def test_example_arm_is_read_and_survives(tmp_path: Path):
    example = import_define(EXAMPLE_21)
    assert [d.id for d in example.analysis_results] == ["RD.Table14.3.01", "RD.Table14.5.02"]
    glm, sae = example.analysis_result_list()
    assert (glm.parameter, glm.reason, glm.purpose) == ("ADADAS.PARAMCD", "SPECIFIED IN PROTOCOL",
                                                        "PRIMARY OUTCOME MEASURE")
    ad = glm.datasets[0]
    assert (ad.dataset, ad.variables) == ("ADADAS", ["AVAL", "CHG"])
    assert [(c.variable, c.values) for c in ad.where] == [("PARAMCD", ["ACTOT"]), ("AVISITN", ["24"]),
                                                          ("EFFFL", ["Y"])]
    assert ad.where_id == "WC.ADADAS.PARAMCD.EQ.ADADAS.AVISITN.EQ.ADADAS.EFFFL.EQ." \
                          "abd4110892ed05cc6a32a2725fdb73b615402413"
    assert glm.code.context == "SAS Version 9.4" and glm.code.code.startswith("proc glm data= adadas;\n")
    assert glm.documentation.text.startswith("Accordingly, the dose response")
    assert sae.parameter is None and sae.datasets[0].variables == ["AEDECOD"]
    # define -> spec -> define -> spec, and through the workbook
    again = import_define(write_define(example, tmp_path))
    assert again == example
    # (the workbook has no place for a codelist's dictionary or a comment's document yet)
    assert import_xlsx(export_xlsx(example, tmp_path / "example.xlsx")).analysis_results == \
        example.analysis_results


def test_documents_round_trip_when_present(spec: Spec, data_dir: Path, tmp_path: Path):
    one = spec.model_copy(deep=True)
    result = one.analysis_results[0].results[0]
    result.documentation.documents = ["sap.pdf"]
    result.code.documents = ["programs/arr.py", "https://example.org/arr.py"]
    result.datasets_comment = "COM.ADRR"
    folder = tmp_path / "out"
    shutil.copytree(data_dir, folder)
    (folder / "programs").mkdir()
    for name in ("paper_check.html", "sap.pdf", "programs/arr.py"):
        (folder / name).write_text("x")
    path = write_define(one, folder)
    assert _errors(validate_define(path)) == []
    assert import_define(path).analysis_results == one.analysis_results
    # without the local files only the web address is kept
    (folder / "sap.pdf").unlink()
    (folder / "programs" / "arr.py").unlink()
    back = import_define(write_define(one, folder)).analysis_results[0].results[0]
    assert (back.documentation.documents, back.code.documents) == ([], ["https://example.org/arr.py"])


def test_xlsx_bad_analysis_rows_are_named(spec: Spec, tmp_path: Path):
    import openpyxl

    path = export_xlsx(spec, tmp_path / "s.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[-3:] == ["AnalysisDisplays", "AnalysisResults", "AnalysisDatasets"]
    ws = wb["AnalysisDatasets"]
    assert [c.value for c in ws[2]] == ["AR.ARR.Y0_12", "ADRR", "WC.ADRR.PARAMCD.EQ.RLPSCNT.AVISITN.EQ.103.LTCFL.EQ.Y",
                                        "AVAL, AFUYRS"]
    ws.cell(row=3, column=3).value = "WC.NOPE"
    wb["AnalysisResults"].cell(row=4, column=1).value = "RD.GONE"
    wb.save(path)
    with pytest.raises(InputError) as caught:
        import_xlsx(path)
    assert [p.message for p in caught.value.problems] == [
        "sheet AnalysisDatasets, row 3, column Where Clause: where clause WC.NOPE is not on the WhereClauses sheet",
        "sheet AnalysisResults, column Display: display RD.GONE is not on the AnalysisDisplays sheet",
    ]
