"""Reading Define-XML 2.1 and 1.0 into a Spec, and the 2.1 round trip."""

from __future__ import annotations

from pathlib import Path

import pytest

from adam.errors import InputError
from adam.export.define import validate_define, write_define
from adam.spec.define_import import import_define
from adam.spec.load import load_spec, write_spec

EXAMPLE_21 = Path("/work/shared/reference/define_xml_21/adam_define_example.xml")
PILOT_10 = Path("/work/shared/reference/cdisc_pilot/adam_define/define.xml")


@pytest.fixture(scope="module")
def example():
    return import_define(EXAMPLE_21)


@pytest.fixture(scope="module")
def pilot():
    return import_define(PILOT_10)


# --- Define-XML 2.1 -------------------------------------------------------------------------------


def test_round_trip_21(example, tmp_path: Path):
    path = write_define(example, tmp_path)
    problems = validate_define(path, read_datasets=False)
    assert not [p for p in problems if p.message.startswith("XSD")]
    # the example's data files and documents are not here; nothing else is wrong
    assert {p.message.split(": file")[0] for p in problems if p.severity == "error"} == \
        {f"def:leaf ID=LF.{name}" for name in example.dataset_names} | {"def:leaf ID=LF.adrg.pdf"}
    again = import_define(path)
    assert again == example
    # the analysis results metadata is part of it: both displays, with their where clauses and code
    assert [r.id for r in again.analysis_result_list()] == ["AR.Table14.3.01.AR.0000", "AR.Table14.5.02.AR.0000"]
    assert again.analysis_results[1].results[0].datasets[0].where_id == \
        "WC.ADAE.AESER.EQ.ADAE.SAFFL.EQ.e62cdb27a61e20b0f30f4ff403473fde4485a9ba"
    assert 'ParameterOID="IT.ADADAS.PARAMCD"' in path.read_text()
    # and it survives the YAML spec folder too
    write_spec(again, tmp_path / "spec")
    assert load_spec(tmp_path / "spec") == example


def test_21_study_and_datasets(example):
    assert example.study.study_id == "TDF_ADaM.ADaMIG.1.1"
    assert example.study.name == "TDF_ADaM"
    assert example.study.protocol == "TDF_Datasets"
    assert example.study.module is None and example.study.data_cutoff is None
    assert [(s.name, s.type, s.version, s.publishing_set) for s in example.study.standards][:3] == [
        ("ADaMIG", "IG", "1.1", None), ("CDISC/NCI", "CT", "2020-12-18", "ADaM"),
        ("CDISC/NCI", "CT", "2020-12-18", "SDTM")]
    assert example.dataset_names == ["ADSL", "ADADAS", "ADCIBC", "ADLBC", "ADLBCPV", "ADLBH", "ADLBHPV",
                                     "ADLBHY", "ADNPIX", "ADTTE", "ADVS", "ADAE"]
    adsl = example.dataset("ADSL")
    assert (adsl.label, adsl.class_, adsl.structure, adsl.keys, adsl.comment) == (
        "Subject-Level Analysis", "ADSL", "one record per subject", ["USUBJID"], "COM.ADSL")
    assert adsl.variable_names[:5] == ["STUDYID", "USUBJID", "SUBJID", "SITEID", "SITEGR1"]
    assert example.dataset("ADTTE").class_ == "TTE"
    adae = example.dataset("ADAE")
    assert (adae.class_, adae.extra) == ("OCCDS", {})  # SubClass ADVERSE EVENT is implied for ADAE
    assert example.dataset("ADADAS").keys == ["USUBJID", "PARAMCD", "AVISIT", "ADT"]


def test_21_variables(example):
    adsl = example.dataset("ADSL")
    studyid = adsl.variable("STUDYID")
    assert (studyid.type, studyid.length, studyid.origin, studyid.source) == ("text", 12, "Predecessor",
                                                                             "DM.STUDYID")
    trtsdt = adsl.variable("TRTSDT")  # integer + DATE9. in define.xml
    assert (trtsdt.type, trtsdt.format, trtsdt.length, trtsdt.origin) == ("date", None, 8, "Derived")
    rfstdtc = adsl.variable("RFSTDTC")  # character ISO 8601
    assert (rfstdtc.type, rfstdtc.length, rfstdtc.extra) == ("text", None, {"define_datatype": "datetime"})
    assert adsl.variable("TRT01P").codelist == "ARM"
    assert adsl.variable("SITEGR1").extra == {}  # Source="Sponsor" is the default for Derived


def test_21_value_level_codelists_methods_comments(example):
    adadas = example.dataset("ADADAS")
    first = adadas.value_level[0]
    assert first.variable == "AVAL"
    assert [(c.variable, c.comparator, c.values) for c in first.where] == [("PARAMCD", "EQ", ["ACITM01"])]
    assert first.where_id == "WC.ADADAS.PARAMCD.EQ.ACITM01"
    assert (first.type, first.length, first.significant_digits, first.origin, first.source) == (
        "float", 5, 2, "Predecessor", "QS.QSSTRESN")
    actot = adadas.value_level[14]
    assert actot.where[0].values == ["ACTOT"] and actot.method == "MT.ADADAS.AVAL.ACTOT"

    aesev = example.codelist("AESEV")
    assert (aesev.name, aesev.nci_code, aesev.standard) == (
        "Severity/Intensity Scale for Adverse Events", "C66769", "SDTM")
    assert [(i.value, i.decode, i.nci_code) for i in aesev.items][0] == ("MILD", "1; Grade 1", "C70666")
    agegr1 = example.codelist("AGEGR1")
    assert agegr1.standard is None and agegr1.items[0].value == "<65" and agegr1.items[0].decode is None
    meddra = example.codelist("AEDICT")
    assert (meddra.dictionary, meddra.dictionary_version, meddra.items) == ("MedDRA", "8.0", [])

    method = example.method("MT.ABLFL")
    assert (method.name, method.type, method.description) == (
        "Algorithm to derive ABLFL", "Computation", "Y if VISITNUM=1, null otherwise")
    comments = {c.id: c for c in example.comments}
    assert comments["COM.ADSL"].document == "adrg.pdf"
    assert comments["COM.ADADAS.PARAMN"].text.startswith("Assign a numeric code for each value of PARAMCD")


# --- Define-XML 1.0 (CDISC pilot) -----------------------------------------------------------------


def test_pilot_10_datasets(pilot):
    assert pilot.study.study_id == "CDISCPILOT01"
    assert [(s.name, s.version) for s in pilot.study.standards] == [("ADaMIG", "1.0")]
    assert pilot.dataset_names == ["ADSL", "ADAE", "ADLBC", "ADLBH", "ADLBHY", "ADQSADAS", "ADQSCIBC",
                                   "ADQSNPIX", "ADTTE", "ADVS"]
    adsl = pilot.dataset("ADSL")
    assert len(adsl.variables) == 48
    assert adsl.variable_names[:8] == ["STUDYID", "USUBJID", "SUBJID", "SITEID", "SITEGR1", "ARM",
                                       "TRT01P", "TRT01PN"]
    assert adsl.variable_names[-1] == "MMSETOT"
    assert (adsl.label, adsl.class_, adsl.keys) == ("Subject-Level Analysis", "ADSL", ["USUBJID"])
    adtte = pilot.dataset("ADTTE")
    assert (adtte.class_, adtte.keys, adtte.structure) == ("TTE", ["USUBJID", "PARAMCD"],
                                                           "one record per subject per parameter")
    adae = pilot.dataset("ADAE")
    assert (adae.class_, adae.keys) == ("OCCDS", ["USUBJID", "AETERM", "ASTDT", "AESEQ"])
    assert pilot.comments[0].id == "COM.ADAE" and "adae.sas" in pilot.comments[0].text
    assert pilot.dataset("ADLBHY").keys == ["USUBJID", "PARAMCD", "AVISIT"]  # LBSEQ is not a variable


def test_pilot_10_variables(pilot):
    adsl = pilot.dataset("ADSL")
    age = adsl.variable("AGE")
    assert (age.label, age.type, age.origin, age.source, age.method) == ("Age", "integer", "Predecessor",
                                                                         "DM.AGE", None)
    assert adsl.variable("AGEGR1N").label == "Pooled Age Group 1 (N)"
    assert adsl.variable("AGEGR1N").codelist == "AGEGR1N"
    trtsdt = adsl.variable("TRTSDT")
    assert (trtsdt.type, trtsdt.format, trtsdt.origin, trtsdt.method) == ("date", None, "Derived",
                                                                          "MT.ADSL.TRTSDT")
    assert pilot.method("MT.ADSL.TRTSDT").description == "SV.SVSTDTC when SV.VISITNUM=3, converted to SAS date"
    assert adsl.variable("AVGDD").significant_digits == 1
    assert adsl.variable("RFSTDTC").extra == {"define_datatype": "datetime"}
    # ADAE takes its subject variables from ADSL
    assert pilot.dataset("ADAE").variable("TRTA").source == "ADSL.TRT01A"


def test_pilot_10_value_level_and_codelists(pilot):
    adlbc = pilot.dataset("ADLBC")
    alb = adlbc.value_level[0]
    assert (alb.variable, alb.label, alb.origin, alb.source) == ("AVAL", "Albumin (g/L)", "Predecessor",
                                                                 "LB.LBSTRESN")
    assert [(c.variable, c.comparator, c.values) for c in alb.where] == [("PARAMCD", "EQ", ["ALB"])]
    agegr1n = pilot.codelist("AGEGR1N")
    assert (agegr1n.type, [(i.value, i.decode, i.rank) for i in agegr1n.items]) == (
        "integer", [("1", "<65", 1.0), ("2", "65-80", 2.0), ("3", ">80", 3.0)])
    assert (pilot.codelist("AEDICT").dictionary, pilot.codelist("AEDICT").dictionary_version) == ("MedDRA", "8.0")


def test_pilot_10_exports_as_valid_21(pilot, tmp_path: Path):
    path = write_define(pilot, tmp_path)
    problems = validate_define(path, read_datasets=False)
    assert not [p for p in problems if p.message.startswith("XSD")]
    assert import_define(path) == pilot


# --- bad input ------------------------------------------------------------------------------------


def test_not_well_formed(tmp_path: Path):
    bad = tmp_path / "define.xml"
    bad.write_text('<?xml version="1.0"?>\n<ODM>\n<Study>\n</ODM>\n')
    with pytest.raises(InputError) as err:
        import_define(bad)
    assert err.value.problems[0].message.startswith("not well-formed XML")
    assert err.value.problems[0].line == 4 and err.value.problems[0].file == str(bad)


def test_not_odm_and_missing(tmp_path: Path):
    other = tmp_path / "other.xml"
    other.write_text("<html><body/></html>")
    with pytest.raises(InputError, match="not a define.xml: the root element is"):
        import_define(other)
    with pytest.raises(InputError, match="file not found"):
        import_define(tmp_path / "missing.xml")


def test_unsupported_version(tmp_path: Path):
    text = EXAMPLE_21.read_text(encoding="utf-8")
    v20 = tmp_path / "define20.xml"
    v20.write_text(text.replace("http://www.cdisc.org/ns/def/v2.1", "http://www.cdisc.org/ns/def/v2.0")
                   .replace('def:DefineVersion="2.1.0"', 'def:DefineVersion="2.0.0"'), encoding="utf-8")
    with pytest.raises(InputError) as err:
        import_define(v20)
    problem = err.value.problems[0]
    assert "unsupported define.xml version (DefineVersion 2.0.0" in problem.message
    assert problem.line == 22  # the MetaDataVersion element


def test_undefined_oids(tmp_path: Path):
    text = EXAMPLE_21.read_text(encoding="utf-8")
    text = text.replace('MethodOID="MT.ADADAS.AVAL.ACTOT"', 'MethodOID="MT.GONE"', 1)
    text = text.replace('<CodeListRef CodeListOID="CL.ARM"/>', '<CodeListRef CodeListOID="CL.NOARM"/>', 1)
    text = text.replace('<ItemRef ItemOID="IT.ADSL.SUBJID"', '<ItemRef ItemOID="IT.ADSL.NOSUCH"', 1)
    broken = tmp_path / "define.xml"
    broken.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as err:
        import_define(broken)
    found = {(p.dataset, p.variable, p.message) for p in err.value.problems}
    assert found == {
        ("ADADAS", "AVAL", "ItemRef MethodOID=MT.GONE: no MethodDef with this OID"),
        ("ADSL", "ARM", "CodeListRef CodeListOID=CL.NOARM: no CodeList with this OID"),
        ("ADSL", None, "ItemRef ItemOID=IT.ADSL.NOSUCH: no ItemDef with this OID"),
    }
    assert all(p.line for p in err.value.problems)


SMALL_10 = """<?xml version="1.0" encoding="UTF-8"?>
<ODM xmlns="http://www.cdisc.org/ns/odm/v1.2" xmlns:def="http://www.cdisc.org/ns/def/v1.0"
     xmlns:xlink="http://www.w3.org/1999/xlink" FileOID="S" ODMVersion="1.2" FileType="Snapshot"
     CreationDateTime="2012-01-01T00:00:00">
<Study OID="S1">
  <GlobalVariables><StudyName>S1</StudyName><StudyDescription>Small</StudyDescription>
    <ProtocolName>P1</ProtocolName></GlobalVariables>
  <MetaDataVersion OID="M" Name="M" def:DefineVersion="1.0.0" def:StandardName="CDISC ADaM"
                   def:StandardVersion="2.1">
    <def:ComputationMethod OID="CM.AVAL">AVAL = sum of items</def:ComputationMethod>
    <def:ValueListDef OID="VL.ADQS.AVAL"><ItemRef ItemOID="ADQS.AVAL.TOT" OrderNumber="1" Mandatory="No"/>
    </def:ValueListDef>
    <ItemGroupDef OID="ADQS" Name="ADQS" Repeating="Yes" IsReferenceData="No" Purpose="Analysis"
                  def:Label="Questionnaire" def:Structure="one record per subject per visit"
                  def:DomainKeys="USUBJID, AVISIT" def:Class="BDS" def:ArchiveLocationID="L" Comment=" ">
      <ItemRef ItemOID="ADQS.USUBJID" OrderNumber="1" Mandatory="Yes"/>
      <ItemRef ItemOID="ADQS.AVISIT" OrderNumber="2" Mandatory="No"/>
      <ItemRef ItemOID="ADQS.AVAL" OrderNumber="3" Mandatory="No"/>
      <def:leaf ID="L" xlink:href="adqs.xpt"><def:title>adqs.xpt</def:title></def:leaf>
    </ItemGroupDef>
    <ItemDef OID="ADQS.USUBJID" Name="USUBJID" DataType="text" Length="11" Origin="CRF Page 1"
             def:Label="Unique Subject Identifier"/>
    <ItemDef OID="ADQS.AVISIT" Name="AVISIT" DataType="text" Length="8" Origin="Assigned"
             Comment="Visit name from the schedule" def:Label="Analysis Visit"/>
    <ItemDef OID="ADQS.AVAL" Name="AVAL" DataType="float" Length="8" Origin="Derived"
             def:ComputationMethodOID="CM.AVAL" Comment="See the SAP" def:Label="Analysis Value">
      <def:ValueListRef ValueListOID="VL.ADQS.AVAL"/>
    </ItemDef>
    <ItemDef OID="ADQS.AVAL.TOT" Name="TOT" DataType="float" Length="8" Origin="Derived" def:Label="Total"/>
  </MetaDataVersion>
</Study>
</ODM>
"""


def test_small_10_origins_methods_and_value_lists(tmp_path: Path):
    path = tmp_path / "define.xml"
    path.write_text(SMALL_10, encoding="utf-8")
    # without PARAMCD the 1.0 value list cannot be turned into where clauses: reported
    with pytest.raises(InputError) as err:
        import_define(path)
    assert [(p.dataset, p.variable, p.message) for p in err.value.problems] == [
        ("ADQS", "AVAL", "def:ValueListRef ValueListOID=VL.ADQS.AVAL: Define-XML 1.0 value lists are read "
                         "as PARAMCD values, but ADQS has no PARAMCD")]

    path.write_text(SMALL_10.replace('<def:ValueListRef ValueListOID="VL.ADQS.AVAL"/>', ""), encoding="utf-8")
    spec = import_define(path)
    adqs = spec.dataset("ADQS")
    assert (adqs.class_, adqs.keys, adqs.comment, adqs.value_level) == ("BDS", ["USUBJID", "AVISIT"], None, [])
    usubjid, avisit, aval = adqs.variables
    assert (usubjid.origin, usubjid.core, usubjid.extra) == ("Collected", "Req", {"define1_origin": "CRF Page 1"})
    assert (avisit.origin, avisit.comment) == ("Assigned", "COM.ADQS.AVISIT")
    assert (aval.origin, aval.method, aval.comment) == ("Derived", "CM.AVAL", "COM.ADQS.AVAL")
    assert spec.method("CM.AVAL").description == "AVAL = sum of items"
    assert {c.id: c.text for c in spec.comments} == {"COM.ADQS.AVISIT": "Visit name from the schedule",
                                                     "COM.ADQS.AVAL": "See the SAP"}
