"""define.xml 2.1 export, validation (XSD + integrity) and HTML rendering."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from lxml import etree

from adam.errors import InputError
from adam.export.columns import ColumnMeta, DatasetMeta
from adam.export.define import STYLESHEET, render_define_html, validate_define, write_define
from adam.export.from_spec import dataset_meta
from adam.export.xpt import write_xpt
from adam.spec.load import load_spec
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

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = Path("/work/shared/reference/define_xml_21")
NS = {"odm": "http://www.cdisc.org/ns/odm/v1.3", "def": "http://www.cdisc.org/ns/def/v2.1",
      "xlink": "http://www.w3.org/1999/xlink"}


def _frame(ds: Dataset) -> pd.DataFrame:
    """Two records per dataset with a value of the right kind in every variable."""
    cols = {}
    for v in ds.variables:
        if v.type == "text":
            cols[v.name] = pd.Series([f"{v.name}-X", ""], dtype="str")
        elif v.type == "integer":
            cols[v.name] = [1, 2]
        elif v.type == "float":
            cols[v.name] = [1.5, np.nan]
        elif v.type == "date":
            cols[v.name] = pd.to_datetime(["2020-01-02", None])
        elif v.type == "datetime":
            cols[v.name] = pd.to_datetime(["2020-01-02T10:00:00", None])
        else:
            cols[v.name] = pd.to_timedelta(["10:00:00", None])
    return pd.DataFrame(cols)


@pytest.fixture(scope="module")
def camms223() -> Spec:
    return load_spec(ROOT / "specs" / "camms223")


@pytest.fixture(scope="module")
def written(camms223: Spec, tmp_path_factory) -> Path:
    """The CAMMS223 XPT files (synthetic values) and their define.xml, as the pipeline writes them."""
    out = tmp_path_factory.mktemp("camms223")
    for ds in camms223.datasets:
        write_xpt(_frame(ds), out / f"{ds.name.lower()}.xpt", dataset_meta(ds))
    write_define(camms223, out)
    return out


def _tree(path: Path) -> etree._ElementTree:
    return etree.parse(str(path))


def _copy(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst / "define.xml"


# --- CAMMS223 ---------------------------------------------------------------------------------


def test_camms223_define_passes_xsd_and_integrity(written: Path, camms223: Spec):
    problems = validate_define(written / "define.xml")
    assert [str(p) for p in problems if p.severity == "error"] == []
    assert not [p for p in problems if "XSD" in p.message]
    # warnings can only be definitions nobody refers to
    assert all("never referenced" in p.message for p in problems)
    tree = _tree(written / "define.xml")
    groups = tree.findall(".//odm:ItemGroupDef", NS)
    assert [g.get("Name") for g in groups] == camms223.dataset_names
    # the stylesheet sits next to define.xml and the document points to it
    assert (written / STYLESHEET).is_file()
    assert tree.getroot().getprevious().text == f'type="text/xsl" href="{STYLESHEET}"'


def test_camms223_define_content(written: Path):
    tree = _tree(written / "define.xml")
    root = tree.getroot()
    assert root.get("{http://www.cdisc.org/ns/def/v2.1}Context") == "Submission"
    assert root.get("CreationDateTime") == "2020-01-01T00:00:00"
    mdv = root.find("odm:Study/odm:MetaDataVersion", NS)
    assert mdv.get("{http://www.cdisc.org/ns/def/v2.1}DefineVersion") == "2.1.0"
    standards = {s.get("OID"): (s.get("Name"), s.get("Type"), s.get("Version"))
                 for s in mdv.findall("def:Standards/def:Standard", NS)}
    assert standards["STD.ADaMIG.1.3"] == ("ADaMIG", "IG", "1.3")

    adsl = mdv.find("odm:ItemGroupDef[@OID='IG.ADSL']", NS)
    assert adsl.get("Repeating") == "No" and adsl.get("Purpose") == "Analysis"
    assert adsl.get("{http://www.cdisc.org/ns/def/v2.1}ArchiveLocationID") == "LF.ADSL"
    assert adsl.find("def:Class", NS).get("Name") == "SUBJECT LEVEL ANALYSIS DATASET"
    assert adsl.find("def:leaf", NS).get("{http://www.w3.org/1999/xlink}href") == "adsl.xpt"
    adae = mdv.find("odm:ItemGroupDef[@OID='IG.ADAE']", NS)
    if adae is not None:
        assert adae.find("def:Class", NS).get("Name") == "OCCURRENCE DATA STRUCTURE"
        assert adae.find("def:Class/def:SubClass", NS).get("Name") == "ADVERSE EVENT"
    refs = {r.get("ItemOID"): r for r in adsl.findall("odm:ItemRef", NS)}
    assert refs["IT.ADSL.STUDYID"].get("KeySequence") == "1"
    assert refs["IT.ADSL.USUBJID"].get("KeySequence") == "2"
    assert refs["IT.ADSL.USUBJID"].get("Mandatory") == "Yes"
    assert refs["IT.ADSL.AGEGR1"].get("MethodOID") == "MT.ADSL.AGEGR1"
    assert refs["IT.ADSL.AGEGR1"].get("OrderNumber") == "8"

    items = {i.get("OID"): i for i in mdv.findall("odm:ItemDef", NS)}
    trtsdt = items["IT.ADSL.TRTSDT"]
    assert (trtsdt.get("DataType"), trtsdt.get("Length"),
            trtsdt.get("{http://www.cdisc.org/ns/def/v2.1}DisplayFormat")) == ("integer", "8", "DATE9.")
    assert trtsdt.find("def:Origin", NS).attrib == {"Type": "Derived", "Source": "Sponsor"}
    # text Length is the length written to the XPT file ("USUBJID-X" -> 9)
    assert items["IT.ADSL.USUBJID"].get("Length") == "9"
    age = items["IT.ADSL.AGE"].find("def:Origin", NS)
    assert age.get("Type") == "Predecessor"
    assert age.findtext("odm:Description/odm:TranslatedText", namespaces=NS) == "DM.AGE"
    assert items["IT.ADSL.SEX"].find("odm:CodeListRef", NS).get("CodeListOID") == "CL.SEX"

    ny = mdv.find("odm:CodeList[@OID='CL.NY']", NS)
    assert ny.get("{http://www.cdisc.org/ns/def/v2.1}StandardOID") == "STD.CDISC_NCI.ADaM.2024-03-29"
    assert ny.find("odm:Alias", NS).attrib == {"Name": "C66742", "Context": "nci:ExtCodeID"}
    y_item = ny.find("odm:CodeListItem[@CodedValue='Y']", NS)
    assert y_item.findtext("odm:Decode/odm:TranslatedText", namespaces=NS) == "Yes"
    assert y_item.find("odm:Alias", NS).get("Name") == "C49488"
    ageu = mdv.find("odm:CodeList[@OID='CL.AGEU']", NS)
    assert [e.get("CodedValue") for e in ageu.findall("odm:EnumeratedItem", NS)] == ["YEARS"]

    method = mdv.find("odm:MethodDef[@OID='MT.ADSL.AGEGR1']", NS)
    assert method.get("Type") == "Computation"
    assert "AGEGR1 from DM.AGE" in method.findtext("odm:Description/odm:TranslatedText", namespaces=NS)
    assert mdv.find("def:CommentDef[@OID='COM.ADSL']", NS) is not None


def test_reproducible_bytes(camms223: Spec, written: Path, tmp_path: Path):
    again = write_define(camms223, tmp_path / "a", datasets={
        ds.name: written / f"{ds.name.lower()}.xpt" for ds in camms223.datasets})
    assert again.read_bytes() == (written / "define.xml").read_bytes()
    later = write_define(camms223, tmp_path / "b", created=datetime(2024, 5, 6, 7, 8, 9))
    assert 'CreationDateTime="2024-05-06T07:08:09"' in later.read_text()


def test_text_length_from_datasets_argument(camms223: Spec, tmp_path: Path):
    adsl = dataset_meta(camms223.dataset("ADSL"))
    cols = tuple(ColumnMeta(c.name, c.label, c.type, 11 if c.name == "USUBJID" else c.length,
                            c.display_format) for c in adsl.columns)
    path = write_define(camms223, tmp_path, datasets={"adsl": DatasetMeta("ADSL", adsl.label, cols)})
    item = _tree(path).find(".//odm:ItemDef[@OID='IT.ADSL.USUBJID']", NS)
    assert item.get("Length") == "11"


def test_html_rendering(written: Path, camms223: Spec, tmp_path: Path):
    html = render_define_html(written / "define.xml", tmp_path / "define.html")
    text = html.read_text(encoding="utf-8")
    for ds in camms223.datasets:
        assert ds.name in text and ds.label in text
    assert "Pooled age group" in text  # a method name
    again = render_define_html(written / "define.xml", tmp_path / "again.html")
    assert again.read_bytes() == html.read_bytes()


def test_html_rendering_bad_input(tmp_path: Path):
    bad = tmp_path / "define.xml"
    bad.write_text("<ODM><Study>")
    with pytest.raises(InputError, match="not well-formed"):
        render_define_html(bad, tmp_path / "define.html")
    assert not (tmp_path / "define.html").exists()


# --- broken documents ---------------------------------------------------------------------------


def test_broken_define_names_the_problems(written: Path, tmp_path: Path):
    path = _copy(written, tmp_path / "out")
    tree = _tree(path)
    mdv = tree.find(".//odm:MetaDataVersion", NS)
    adsl = mdv.find("odm:ItemGroupDef[@OID='IG.ADSL']", NS)
    # 1. a dangling MethodOID
    adsl.find("odm:ItemRef[@ItemOID='IT.ADSL.AGEGR1']", NS).set("MethodOID", "MT.NOPE")
    # 2. a variable of the XPT file left out of define.xml
    adsl.remove(adsl.find("odm:ItemRef[@ItemOID='IT.ADSL.SITEID']", NS))
    # 3. a codelist reference to nothing
    mdv.find("odm:ItemDef[@OID='IT.ADSL.SEX']/odm:CodeListRef", NS).set("CodeListOID", "CL.GENDER")
    # 4. a text length that disagrees with the file written
    mdv.find("odm:ItemDef[@OID='IT.ADSL.USUBJID']", NS).set("Length", "20")
    tree.write(str(path), xml_declaration=True, encoding="UTF-8")
    # 5. a dataset file missing
    (path.parent / "adsl.xpt").unlink()
    problems = validate_define(path, datasets=None)
    messages = [p.message for p in problems if p.severity == "error"]
    assert "ItemRef MethodOID=MT.NOPE: no MethodDef with this OID" in messages
    assert "CodeListRef CodeListOID=CL.GENDER: no CodeList with this OID" in messages
    assert "def:leaf ID=LF.ADSL: file 'adsl.xpt' not found next to define.xml" in messages
    dangling = next(p for p in problems if "MT.NOPE" in p.message)
    assert dangling.dataset == "ADSL" and dangling.line is not None
    # the SITEID ItemDef is now referenced by nothing
    assert any(p.severity == "warning" and p.message == "ItemDef OID=IT.ADSL.SITEID is never referenced"
               for p in problems)

    # with the column metadata of what was written: missing and extra variables, lengths
    meta = dataset_meta(load_spec(ROOT / "specs" / "camms223").dataset("ADSL"))
    cols = tuple(ColumnMeta(c.name, c.label, c.type, 9 if c.type == "text" else None, c.display_format)
                 for c in meta.columns if c.name != "COUNTRY")
    written_meta = DatasetMeta("ADSL", meta.label, cols)
    problems = validate_define(path, datasets={"ADSL": written_meta})
    by_var = {(p.variable, p.message) for p in problems if p.severity == "error"}
    assert ("SITEID", "ItemGroupDef OID=IG.ADSL: variable SITEID of the dataset written has no ItemRef/ItemDef") \
        in by_var
    assert ("COUNTRY", "ItemRef ItemOID=IT.ADSL.COUNTRY: variable COUNTRY is not in the dataset written") in by_var
    assert ("USUBJID", "ItemDef OID=IT.ADSL.USUBJID: Length 20 but the variable written has length 9") in by_var
    others = [p.message for p in problems if p.severity == "error" and "IG.ADAE" in p.message]
    assert others == ["ItemGroupDef OID=IG.ADAE: no dataset ADAE was written"] or \
        "ADAE" not in load_spec(ROOT / "specs" / "camms223").dataset_names


def test_type_mismatch_and_not_well_formed(written: Path, tmp_path: Path):
    path = _copy(written, tmp_path / "out")
    text = path.read_text().replace(
        'OID="IT.ADSL.AGE" Name="AGE" SASFieldName="AGE" DataType="integer"',
        'OID="IT.ADSL.AGE" Name="AGE" SASFieldName="AGE" DataType="text"')
    path.write_text(text)
    messages = [p.message for p in validate_define(path)]
    assert "ItemDef OID=IT.ADSL.AGE: DataType text but the variable written is numeric" in messages

    path.write_text(text[: len(text) // 2])
    problems = validate_define(path)
    assert len(problems) == 1 and problems[0].message.startswith("not well-formed XML")
    assert problems[0].line is not None


def test_sdtm_example_fails_the_schema():
    problems = validate_define(REFERENCE / "sdtm_define_example.xml", read_datasets=False)
    xsd = [p for p in problems if p.message.startswith("XSD")]
    assert len(xsd) == 1 and "STDTMIG" in xsd[0].message and xsd[0].line == 63


def test_adam_example_passes_the_schema():
    problems = validate_define(REFERENCE / "adam_define_example.xml", read_datasets=False)
    assert not [p for p in problems if p.message.startswith("XSD")]
    # the example ships without its data files: only the missing leaf files are errors
    errors = [p for p in problems if p.severity == "error"]
    assert len(errors) == 14 and all(p.message.startswith("def:leaf ID=") for p in errors)


def test_not_define_21(tmp_path: Path):
    problems = validate_define(Path("/work/shared/reference/cdisc_pilot/adam_define/define.xml"))
    assert len(problems) == 1 and "not a Define-XML 2.1 document" in problems[0].message
    assert validate_define(tmp_path / "nothing.xml")[0].message == "define.xml not found"


# --- a BDS / TTE spec: value level, where clauses, documents --------------------------------------


def _bds_spec() -> Spec:
    common = [
        Variable(name="STUDYID", label="Study Identifier", type="text", length=8, origin="Predecessor",
                 source="ADSL.STUDYID", core="Req"),
        Variable(name="USUBJID", label="Unique Subject Identifier", type="text", length=20,
                 origin="Predecessor", source="ADSL.USUBJID", core="Req"),
    ]
    adsl = Dataset(name="ADSL", label="Subject-Level Analysis Dataset", class_="ADSL",
                   structure="One record per subject", keys=["USUBJID"], variables=common)
    adtte = Dataset(
        name="ADTTE", label="Time-to-Event Analysis", class_="TTE",
        structure="One record per subject per parameter", keys=["USUBJID", "PARAMCD"], comment="COM.ADTTE",
        variables=common + [
            Variable(name="PARAMCD", label="Parameter Code", type="text", length=8, codelist="PARAMCD",
                     origin="Assigned"),
            Variable(name="AVAL", label="Analysis Value", type="float", origin="Derived",
                     method="MT.AVAL", significant_digits=1),
            Variable(name="CNSR", label="Censor", type="integer", origin="Derived", method="MT.CNSR"),
            Variable(name="ADT", label="Analysis Date", type="date", origin="Derived", method="MT.AVAL"),
        ],
        value_level=[
            ValueLevel(variable="AVAL", where=[Condition(variable="PARAMCD", values=["CDW6"])], type="float",
                       label="Time to 6-month CDW (days)", method="MT.AVAL", significant_digits=0),
            ValueLevel(variable="AVAL", where=[Condition(variable="PARAMCD", comparator="IN",
                                                         values=["NEDA", "RLPS"]),
                                               Condition(variable="ADSL.USUBJID", comparator="NE", values=["X"])],
                       type="float", origin="Derived", method="MT.AVAL", where_id="WC.NEDA"),
        ],
    )
    return Spec(
        study=Study(study_id="T1", name="Test study", description="A test & <study>", protocol="P1",
                    standards=[Standard(), Standard(name="CDISC/NCI", version="2024-03-29", type="CT",
                                                    publishing_set="ADaM")]),
        datasets=[adsl, adtte],
        codelists=[Codelist(id="PARAMCD", name="Parameter Code", items=[
            CodelistItem(value="CDW6", rank=1), CodelistItem(value="NEDA"), CodelistItem(value="RLPS")])],
        methods=[Method(id="MT.AVAL", name="Time to event", description="ADT - STARTDT + 1",
                        implementation="adam.derive.tte:derive_param_tte", document="sap.pdf"),
                 Method(id="MT.CNSR", name="Censoring", description="0 = event, 1 = censored")],
        comments=[Comment(id="COM.ADTTE", text="See the ADRG.", document="adrg.pdf")],
    )


def test_value_level_where_clauses_and_documents(tmp_path: Path):
    spec = _bds_spec()
    for name in ("adsl.xpt", "adtte.xpt", "sap.pdf", "adrg.pdf"):
        (tmp_path / name).write_bytes(b"x")  # leaf targets only: contents not read here
    path = write_define(spec, tmp_path, datasets={})
    problems = validate_define(path, read_datasets=False)
    assert [str(p) for p in problems] == []
    mdv = _tree(path).find(".//odm:MetaDataVersion", NS)

    adtte = mdv.find("odm:ItemGroupDef[@OID='IG.ADTTE']", NS)
    cls = adtte.find("def:Class", NS)
    assert cls.get("Name") == "BASIC DATA STRUCTURE"
    assert cls.find("def:SubClass", NS).get("Name") == "TIME-TO-EVENT"

    aval = mdv.find("odm:ItemDef[@OID='IT.ADTTE.AVAL']", NS)
    assert aval.find("def:ValueListRef", NS).get("ValueListOID") == "VL.ADTTE.AVAL"
    vl = mdv.find("def:ValueListDef[@OID='VL.ADTTE.AVAL']", NS)
    refs = vl.findall("odm:ItemRef", NS)
    assert [r.get("ItemOID") for r in refs] == ["IT.ADTTE.AVAL.CDW6", "IT.ADTTE.AVAL.NEDA_RLPS.X"]
    assert [r.find("def:WhereClauseRef", NS).get("WhereClauseOID") for r in refs] == \
        ["WC.ADTTE.AVAL.CDW6", "WC.NEDA"]
    assert refs[0].get("MethodOID") == "MT.AVAL"
    wc = mdv.find("def:WhereClauseDef[@OID='WC.NEDA']", NS)
    checks = wc.findall("odm:RangeCheck", NS)
    assert [(c.get("Comparator"), c.get("SoftHard"), c.get(f"{{{NS['def']}}}ItemOID")) for c in checks] == \
        [("IN", "Soft", "IT.ADTTE.PARAMCD"), ("NE", "Soft", "IT.ADSL.USUBJID")]
    assert [v.text for v in checks[0].findall("odm:CheckValue", NS)] == ["NEDA", "RLPS"]
    vl_item = mdv.find("odm:ItemDef[@OID='IT.ADTTE.AVAL.CDW6']", NS)
    assert (vl_item.get("Name"), vl_item.get("DataType"), vl_item.get("SignificantDigits")) == ("AVAL", "float", "0")
    assert vl_item.findtext("odm:Description/odm:TranslatedText", namespaces=NS) == "Time to 6-month CDW (days)"

    adt = mdv.find("odm:ItemDef[@OID='IT.ADTTE.ADT']", NS)
    assert (adt.get("DataType"), adt.get(f"{{{NS['def']}}}DisplayFormat")) == ("integer", "DATE9.")
    paramcd = mdv.find("odm:CodeList[@OID='CL.PARAMCD']", NS)
    assert paramcd.get(f"{{{NS['def']}}}IsNonStandard") == "Yes"
    items = paramcd.findall("odm:EnumeratedItem", NS)
    assert [(i.get("CodedValue"), i.get("OrderNumber"), i.get("Rank")) for i in items] == \
        [("CDW6", "1", "1"), ("NEDA", "2", None), ("RLPS", "3", None)]

    method = mdv.find("odm:MethodDef[@OID='MT.AVAL']", NS)
    expr = method.find("odm:FormalExpression", NS)
    assert (expr.get("Context"), expr.text) == ("Python", "adam.derive.tte:derive_param_tte")
    leaf_id = method.find("def:DocumentRef", NS).get("leafID")
    leaf = mdv.find(f"def:leaf[@ID='{leaf_id}']", NS)
    assert leaf.get(f"{{{NS['xlink']}}}href") == "sap.pdf"
    comment = mdv.find("def:CommentDef[@OID='COM.ADTTE']", NS)
    assert comment.find("def:DocumentRef", NS) is not None
    assert mdv.getparent().findtext("odm:GlobalVariables/odm:StudyDescription", namespaces=NS) == \
        "A test & <study>"


def test_spec_with_dangling_references_is_refused(tmp_path: Path):
    spec = _bds_spec()
    adtte = spec.dataset("ADTTE")
    adtte.variables[3].method = "MT.MISSING"
    adtte.variables[2].codelist = "NOPE"
    adtte.value_level[0].where[0].variable = "PARAM"
    with pytest.raises(InputError) as err:
        write_define(spec, tmp_path / "out")
    messages = {(p.dataset, p.variable, p.message) for p in err.value.problems}
    assert ("ADTTE", "AVAL", "method MT.MISSING is not defined in the spec") in messages
    assert ("ADTTE", "PARAMCD", "codelist NOPE is not defined in the spec") in messages
    assert ("ADTTE", "AVAL", "where clause WC.ADTTE.AVAL.CDW6 tests PARAM, which is not a variable of ADTTE") \
        in messages
    assert not (tmp_path / "out" / "define.xml").exists()


def test_templates_found_from_the_installed_package(tmp_path: Path):
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", "from adam.export.define import templates_dir; "
                          "print(templates_dir())"], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert Path(out.stdout.strip()) == ROOT / "define"
