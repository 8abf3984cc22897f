"""lint_spec: one crafted spec per kind of problem, each located by file, line, dataset, variable.

A small clean spec (ADSL + ADLB with value-level metadata) is written as YAML with known line
numbers; each case edits one line and checks the problem lint reports for it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from adam.cli import main
from adam.spec.lint import format_kind, lint_spec
from adam.spec.load import load_spec
from adam.spec.model import (
    Codelist,
    CodelistItem,
    Condition,
    Dataset,
    Spec,
    Study,
    ValueLevel,
    Variable,
)

STUDY = """\
study_id: TEST1
name: Test study
description: A small study for lint tests
protocol: TEST1
"""

ADSL = """\
name: ADSL
label: Subject-Level Analysis Dataset
class: ADSL
structure: One record per subject
keys: [STUDYID, USUBJID]
variables:
  - {name: STUDYID, label: Study Identifier, type: text, origin: Predecessor, source: DM.STUDYID}
  - {name: USUBJID, label: Unique Subject Identifier, type: text, origin: Predecessor, source: DM.USUBJID}
  - {name: SAFFL, label: Safety Population Flag, type: text, codelist: NY, origin: Derived, method: MT.SAFFL}
  - {name: TRTSDT, label: Date of First Exposure, type: date, format: DATE9., origin: Derived, method: MT.TRTSDT}
"""

ADLB = """\
name: ADLB
label: Laboratory Analysis Dataset
class: BDS
structure: One record per subject per parameter per visit
keys: [USUBJID, PARAMCD, AVISITN]
variables:
  - {name: STUDYID, label: Study Identifier, type: text, origin: Predecessor, source: ADSL.STUDYID}
  - {name: USUBJID, label: Unique Subject Identifier, type: text, origin: Predecessor, source: ADSL.USUBJID}
  - {name: PARAMCD, label: Parameter Code, type: text, codelist: PARAMCD, origin: Assigned, comment: COM.PARAMCD}
  - {name: AVISITN, label: Analysis Visit (N), type: integer, origin: Derived, method: MT.AVISITN}
  - {name: AVAL, label: Analysis Value, type: float, origin: Derived, method: MT.AVAL}
value_level:
  - {variable: AVAL, where: [{variable: PARAMCD, comparator: IN, values: [ALT, AST]}], type: float, significant_digits: 1, origin: Predecessor, source: LB.LBSTRESN}
"""

CODELISTS = """\
codelists:
  - id: NY
    name: No Yes Response
    nci_code: C66742
    items:
      - {value: N, decode: No, nci_code: C49487}
      - {value: Y, decode: Yes, nci_code: C49488}
  - id: PARAMCD
    name: Parameter Code
    items:
      - {value: ALT, decode: Alanine Aminotransferase (U/L)}
      - {value: AST, decode: Aspartate Aminotransferase (U/L)}
"""

METHODS = """\
methods:
  - {id: MT.SAFFL, name: Safety flag, description: Y if treated}
  - {id: MT.TRTSDT, name: First dose date, description: First EX.EXSTDTC}
  - {id: MT.AVISITN, name: Visit number, description: From VISITNUM}
  - {id: MT.AVAL, name: Analysis value, description: From LBSTRESN}
"""

COMMENTS = """\
comments:
  - {id: COM.PARAMCD, text: Parameters are assigned from LBTESTCD.}
"""

FILES = {"study.yaml": STUDY, "adsl.yaml": ADSL, "adlb.yaml": ADLB, "codelists.yaml": CODELISTS,
         "methods.yaml": METHODS, "comments.yaml": COMMENTS}


def write(folder: Path, edits: dict[str, tuple[str, str]] | None = None,
          extra: dict[str, str] | None = None) -> Path:
    """Write the clean spec with ``edits`` (file -> (old, new) replaced once) applied."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in FILES.items():
        if edits and name in edits:
            old, new = edits[name]
            assert text.count(old) == 1, f"edit not unique in {name}: {old}"
            text = text.replace(old, new)
        (folder / name).write_text(text)
    for name, text in (extra or {}).items():
        (folder / name).write_text(text)
    return folder


def lint_folder(folder: Path):
    return lint_spec(load_spec(folder))


def test_clean_spec_has_no_problems(tmp_path):
    assert lint_folder(write(tmp_path)) == []


ADLB_VL = "values: [ALT, AST]}], type: float"
LONG_LABEL = "Subject-Level Analysis Dataset for Every Subject"  # 48 characters

# (file, old, new, line, dataset, variable, severity, message fragment)
CASES = {
    "dataset name too long": (
        "adlb.yaml", "name: ADLB\n", "name: ADLBLONGER\n", 1, "ADLBLONGER", None, "error",
        "dataset name 'ADLBLONGER' must be 1-8 upper-case"),
    "variable name with underscore": (
        "adsl.yaml", "name: SAFFL,", "name: SAF_FL,", 9, "ADSL", "SAF_FL", "error",
        "variable name 'SAF_FL'"),
    "lower-case variable name": (
        "adsl.yaml", "name: TRTSDT,", "name: trtsdt,", 10, "ADSL", "trtsdt", "error",
        "variable name 'trtsdt'"),
    "dataset label over 40": (
        "adsl.yaml", "label: Subject-Level Analysis Dataset\n", f"label: {LONG_LABEL}\n", 2, "ADSL",
        None, "error", "dataset label is 48 characters, more than 40"),
    "variable label not ASCII": (
        "adsl.yaml", "label: Safety Population Flag,", "label: Safety Population Flag \u00e9,", 9,
        "ADSL", "SAFFL", "error", "non-ASCII"),
    "unknown codelist": (
        "adsl.yaml", "codelist: NY,", "codelist: NOPE,", 9, "ADSL", "SAFFL", "error",
        "codelist 'NOPE' is not defined"),
    "unknown value-level codelist": (
        "adlb.yaml", ADLB_VL, ADLB_VL + ", codelist: XX", 13, "ADLB", "AVAL", "error",
        "codelist 'XX' is not defined"),
    "unknown method": (
        "adsl.yaml", "method: MT.TRTSDT}", "method: MT.NOPE}", 10, "ADSL", "TRTSDT", "error",
        "method 'MT.NOPE' is not defined"),
    "unknown comment": (
        "adlb.yaml", "comment: COM.PARAMCD}", "comment: COM.NOPE}", 9, "ADLB", "PARAMCD", "error",
        "comment 'COM.NOPE' is not defined"),
    "key not a variable": (
        "adsl.yaml", "keys: [STUDYID, USUBJID]", "keys: [STUDYID, SUBJID]", 5, "ADSL", "SUBJID",
        "error", "key variable SUBJID is not a variable"),
    "duplicate variable": (
        "adsl.yaml", "method: MT.SAFFL}\n",
        "method: MT.SAFFL}\n  - {name: SAFFL, label: Safety Flag, type: text, origin: Derived, "
        "method: MT.SAFFL}\n", 10, "ADSL", "SAFFL", "error", "variable SAFFL is listed again"),
    "where on unknown variable": (
        "adlb.yaml", "{variable: PARAMCD, comparator: IN", "{variable: PARAM, comparator: IN", 13,
        "ADLB", "AVAL", "error", "PARAM is not a variable of the dataset"),
    "where value not in codelist": (
        "adlb.yaml", "values: [ALT, AST]", "values: [ALT, XYZ]", 13, "ADLB", "AVAL", "error",
        "value(s) 'XYZ' not in codelist 'PARAMCD'"),
    "where variable without codelist": (
        "adlb.yaml", "{variable: PARAMCD, comparator: IN, values: [ALT, AST]}",
        "{variable: AVISITN, comparator: EQ, values: ['1']}", 13, "ADLB", "AVAL", "warning",
        "AVISITN has no codelist"),
    "where EQ with two values": (
        "adlb.yaml", "comparator: IN", "comparator: EQ", 13, "ADLB", "AVAL", "error",
        "comparator EQ takes exactly one value, found 2"),
    "where numeric variable with text value": (
        "adlb.yaml", "{variable: PARAMCD, comparator: IN, values: [ALT, AST]}",
        "{variable: AVISITN, comparator: EQ, values: [WEEK1]}", 13, "ADLB", "AVAL", "error",
        "AVISITN is numeric but the value(s) 'WEEK1' are not numbers"),
    "derived without method": (
        "adlb.yaml", ", method: MT.AVISITN}", "}", 10, "ADLB", "AVISITN", "error",
        "origin is Derived but no method"),
    "predecessor without source": (
        "adsl.yaml", ", source: DM.USUBJID}", "}", 8, "ADSL", "USUBJID", "error",
        "origin is Predecessor but no source"),
    "predecessor source malformed": (
        "adsl.yaml", "source: DM.STUDYID}", "source: DM_STUDYID}", 7, "ADSL", "STUDYID", "error",
        "source 'DM_STUDYID' is not of the form DOMAIN.VARIABLE"),
    "predecessor source missing in spec dataset": (
        "adlb.yaml", "source: ADSL.STUDYID}", "source: ADSL.STUDYIX}", 7, "ADLB", "STUDYID",
        "error", "dataset ADSL has no variable STUDYIX"),
    "collected origin": (
        "adsl.yaml", "origin: Predecessor, source: DM.STUDYID", "origin: Collected", 7, "ADSL",
        "STUDYID", "warning", "origin Collected is unusual"),
    "assigned without method or comment": (
        "adlb.yaml", ", comment: COM.PARAMCD}", "}", 9, "ADLB", "PARAMCD", "warning",
        "origin is Assigned with neither a method nor a comment"),
    "numeric variable with text codelist": (
        "adsl.yaml", "label: Safety Population Flag, type: text", "label: Safety Population Flag, "
        "type: integer", 9, "ADSL", "SAFFL", "error",
        "integer variable uses codelist 'NY' of type text"),
    "text variable with numeric codelist": (
        "codelists.yaml", "name: Parameter Code\n", "name: Parameter Code\n    type: integer\n", 9,
        "ADLB", "PARAMCD", "error", "text variable uses codelist 'PARAMCD' of type integer"),
    "length zero": (
        "adsl.yaml", "type: text, codelist: NY", "type: text, length: 0, codelist: NY", 9, "ADSL",
        "SAFFL", "error", "length 0 is not between 1 and 200"),
    "length over 200": (
        "adsl.yaml", "type: text, codelist: NY", "type: text, length: 201, codelist: NY", 9,
        "ADSL", "SAFFL", "error", "length 201 is not between 1 and 200"),
    "date with numeric format": (
        "adsl.yaml", "format: DATE9.", "format: 8.2", 10, "ADSL", "TRTSDT", "error",
        "date variable has numeric format '8.2'"),
    "date with datetime format": (
        "adsl.yaml", "format: DATE9.", "format: DATETIME20.", 10, "ADSL", "TRTSDT", "error",
        "date variable has datetime format 'DATETIME20.'"),
    "not a SAS format": (
        "adsl.yaml", "format: DATE9.", "format: dd-mm-yyyy", 10, "ADSL", "TRTSDT", "error",
        "'dd-mm-yyyy' is not a SAS format"),
    "text with numeric format": (
        "adsl.yaml", "type: text, codelist: NY", "type: text, format: 8., codelist: NY", 9, "ADSL",
        "SAFFL", "error", "text variable has numeric format '8.'"),
    "value-level type differs from variable": (
        "adlb.yaml", "type: float, significant_digits: 1", "type: text", 13, "ADLB", "AVAL",
        "error", "value-level type text does not match the variable's type float"),
    "method never referenced": (
        "methods.yaml", "  - {id: MT.AVAL,",
        "  - {id: MT.UNUSED, name: Unused, description: Nothing}\n  - {id: MT.AVAL,", 5, None, None,
        "warning", "method 'MT.UNUSED' is not used"),
    "codelist never referenced": (
        "codelists.yaml", "codelists:\n",
        "codelists:\n  - {id: SPARE, name: Spare, items: [{value: A}]}\n", 2, None, None, "warning",
        "codelist 'SPARE' is not used"),
    "comment never referenced": (
        "comments.yaml", "comments:\n", "comments:\n  - {id: COM.SPARE, text: Spare}\n", 2, None,
        None, "warning", "comment 'COM.SPARE' is not used"),
    "codelist term duplicated": (
        "codelists.yaml", "      - {value: AST,", "      - {value: ALT}\n      - {value: AST,", 12,
        None, None, "error", "term 'ALT' is listed 2 times"),
    "integer codelist with a non-integer term": (
        "codelists.yaml", "  - id: NY\n", "  - id: NN\n    type: integer\n    name: Numbers\n"
        "    items: [{value: '1'}, {value: '1.5'}]\n  - id: NY\n", 5, None, None, "error",
        "term(s) '1.5' are not integer numbers"),
    "duplicate codelist id": (
        "codelists.yaml", "  - id: PARAMCD\n", "  - {id: NY, name: Again, items: [{value: Y}]}\n"
        "  - id: PARAMCD\n", 8, None, None, "error", "codelist id 'NY' is defined more than once"),
    "duplicate method id": (
        "methods.yaml", "  - {id: MT.AVAL,", "  - {id: MT.SAFFL, name: Again, description: Again}\n"
        "  - {id: MT.AVAL,", 5, None, None, "error",
        "method id 'MT.SAFFL' is defined more than once"),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_each_kind_of_problem_is_located(tmp_path, case):
    file, old, new, line, dataset, variable, severity, fragment = CASES[case]
    problems = lint_folder(write(tmp_path, {file: (old, new)}))
    hits = [p for p in problems if fragment in p.message]
    assert hits, f"no problem with {fragment!r} in {[str(p) for p in problems]}"
    p = hits[0]
    # A codelist edit shows up on the variable that uses the codelist.
    where = {"ADSL": "adsl.yaml", "ADLB": "adlb.yaml"}.get(dataset, file)
    assert (Path(p.file).name, p.line, p.dataset, p.variable, p.severity) == (
        where, line, dataset, variable, severity)


def test_duplicate_dataset_in_two_files(tmp_path):
    folder = write(tmp_path, extra={"adsl_copy.yaml": ADSL})
    problems = lint_folder(folder)
    dup = [p for p in problems if "dataset ADSL is defined more than once" in p.message]
    assert len(dup) == 1 and Path(dup[0].file).name == "adsl_copy.yaml" and dup[0].line == 1
    named = [p for p in problems if "not named adsl.yaml" in p.message]
    assert [p.severity for p in named] == ["warning"]


def test_every_problem_is_reported_at_once(tmp_path):
    adsl = (ADSL.replace("codelist: NY,", "codelist: NOPE,")
            .replace("method: MT.TRTSDT}", "method: MT.NOPE}")
            .replace("source: DM.USUBJID}", "source: DM_USUBJID}"))
    folder = write(tmp_path, extra={"adsl.yaml": adsl})
    errors = [(p.line, p.variable) for p in lint_folder(folder) if p.severity == "error"]
    assert errors == [(8, "USUBJID"), (9, "SAFFL"), (10, "TRTSDT")]


def test_where_id_reused_for_other_conditions():
    var = dict(label="Parameter Code", type="text", origin="Assigned", comment=None)
    ds = Dataset(name="ADLB", label="Lab", **{"class": "BDS"}, structure="s", keys=["PARAMCD"],
                 variables=[Variable(name="PARAMCD", codelist="P", **var),
                            Variable(name="AVAL", label="Value", type="float", origin="Assigned",
                                     comment=None)],
                 value_level=[
                     ValueLevel(variable="AVAL", where_id="WC.X", type="float", origin="Assigned",
                                where=[Condition(variable="PARAMCD", values=["A"])]),
                     ValueLevel(variable="AVAL", where_id="WC.X", type="float", origin="Assigned",
                                where=[Condition(variable="PARAMCD", values=["B"])])])
    spec = Spec(study=Study(study_id="S", name="S", description="S", protocol="S"), datasets=[ds],
                codelists=[Codelist(id="P", name="P", items=[CodelistItem(value="A"),
                                                              CodelistItem(value="B")])])
    problems = [p for p in lint_spec(spec) if p.severity == "error"]
    # Built in code: no file or line, but the dataset and variable are still named.
    assert [(p.file, p.line, p.dataset, p.variable) for p in problems] == [
        (None, None, "ADLB", "AVAL")]
    assert "where-clause id 'WC.X' is also used for different conditions" in problems[0].message


@pytest.mark.parametrize("fmt, kind", [
    ("DATE9.", "date"), ("date9.", "date"), ("YYMMDD10.", "date"), ("E8601DA.", "date"),
    ("DATETIME20.", "datetime"), ("E8601DT19.", "datetime"), ("TIME8.", "time"),
    ("8.2", "numeric"), ("BEST12.", "numeric"), ("$20.", "text"), ("$CHAR200.", "text"),
    ("DATE9", None), ("12", None), ("", None), ("DD/MM/YYYY", None),
])
def test_format_kind(fmt, kind):
    assert format_kind(fmt) == kind


def test_cli_check_exit_codes(tmp_path, capsys):
    clean = write(tmp_path / "clean")
    assert main(["spec", "check", str(clean)]) == 0
    warn = write(tmp_path / "warn", {"comments.yaml": ("comments:\n",
                                                       "comments:\n  - {id: C2, text: Spare}\n")})
    assert main(["spec", "check", str(warn)]) == 0
    out = capsys.readouterr().out
    assert f"{warn / 'comments.yaml'}:2: warning: comment 'C2' is not used" in out

    bad = write(tmp_path / "bad", {"adsl.yaml": ("codelist: NY,", "codelist: NOPE,")})
    assert main(["spec", "check", str(bad)]) == 2
    out = capsys.readouterr().out
    assert (f"{bad / 'adsl.yaml'}:9 ADSL SAFFL: error: codelist 'NOPE' is not defined in the "
            "codelists") in out


def test_cli_check_camms223_is_clean():
    root = Path(__file__).resolve().parents[1]
    problems = lint_spec(load_spec(root / "specs" / "camms223"))
    assert [str(p) for p in problems if p.severity == "error"] == []
