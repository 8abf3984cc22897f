"""load_spec / write_spec: every reading problem named with its file and line, no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from adam.cli import main
from adam.errors import InputError
from adam.spec.load import load_spec, write_spec

STUDY = """\
study_id: T1
name: Test
description: Loader tests
protocol: T1
"""

ADSL = """\
name: ADSL
label: Subject-Level Analysis Dataset
class: ADSL
structure: One record per subject
keys: [USUBJID]
variables:
  - name: USUBJID
    label: Unique Subject Identifier
    type: text
    origin: Predecessor
    source: DM.USUBJID
  - name: AGE
    label: Age
    type: integer
    length: 8
    origin: Predecessor
    source: DM.AGE
"""


def folder_with(tmp_path: Path, **files: str) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    texts = {"study.yaml": STUDY, "adsl.yaml": ADSL}
    texts.update({name.replace("_yaml", ".yaml"): text for name, text in files.items()})
    for name, text in texts.items():
        if text is not None:
            (tmp_path / name).write_text(text)
    return tmp_path


def problems_of(folder: Path):
    with pytest.raises(InputError) as caught:
        load_spec(folder)
    return caught.value.problems


def test_clean_folder_loads_with_field_locations(tmp_path):
    spec = load_spec(folder_with(tmp_path))
    assert spec.dataset("ADSL").variable_names == ["USUBJID", "AGE"]
    file, line = spec.location("ADSL.AGE")
    assert (Path(file).name, line) == ("adsl.yaml", 12)
    assert spec.location("ADSL.AGE/length")[1] == 15
    assert spec.location("ADSL/keys")[1] == 5


def test_yaml_syntax_error_names_file_and_line(tmp_path):
    bad = ADSL.replace("    type: integer\n", "    type: [integer\n")
    problems = problems_of(folder_with(tmp_path, adsl_yaml=bad))
    assert len(problems) == 1
    assert Path(problems[0].file).name == "adsl.yaml"
    assert problems[0].line == 15  # the scanner notices at the next key
    assert problems[0].message.startswith("invalid YAML")


def test_malformed_yaml_cli_exit_2_without_traceback(tmp_path, capsys):
    folder = folder_with(tmp_path, study_yaml="study_id: T1\nname: [unclosed\n")
    assert main(["spec", "check", str(folder)]) == 2
    captured = capsys.readouterr()
    assert f"{folder / 'study.yaml'}:3: error: invalid YAML" in captured.out
    assert "Traceback" not in captured.out + captured.err


def test_wrong_field_types_point_at_the_field(tmp_path):
    bad = ADSL.replace("    length: 8\n", "    length: eight\n").replace(
        "    type: text\n", "    type: txt\n")
    problems = problems_of(folder_with(tmp_path, adsl_yaml=bad))
    found = sorted((p.line, p.dataset, p.variable, p.message.split(":")[0]) for p in problems)
    assert found == [(9, "ADSL", "USUBJID", "variables.0.type"),
                     (15, "ADSL", "AGE", "variables.1.length")]
    assert "valid integer" in next(p.message for p in problems if p.line == 15)


def test_unknown_fields_are_rejected(tmp_path):
    bad = ADSL.replace("    label: Age\n", "    lable: Age\n")
    problems = problems_of(folder_with(tmp_path, adsl_yaml=bad))
    messages = {(p.line, p.variable, p.message) for p in problems}
    assert (13, "AGE", "variables.1.lable: Extra inputs are not permitted") in messages
    assert (12, "AGE", "variables.1.label: Field required") in messages


def test_missing_study_yaml(tmp_path, capsys):
    folder = folder_with(tmp_path, study_yaml=None)
    (folder / "study.yaml").unlink(missing_ok=True)
    problems = problems_of(folder)
    assert [p.message for p in problems] == ["study.yaml is missing from the spec folder"]
    assert main(["spec", "check", str(folder)]) == 2
    assert "study.yaml is missing" in capsys.readouterr().out


def test_missing_folder_exit_2(tmp_path):
    assert main(["spec", "check", str(tmp_path / "nope")]) == 2


def test_empty_files_are_reported(tmp_path):
    problems = problems_of(folder_with(tmp_path, study_yaml="", adsl_yaml="# nothing\n"))
    assert sorted((Path(p.file).name, p.message) for p in problems) == [
        ("adsl.yaml", "the dataset file is empty"), ("study.yaml", "study.yaml is empty")]


def test_duplicate_keys_are_reported(tmp_path):
    bad = ADSL.replace("    label: Age\n", "    label: Age\n    label: Age in years\n")
    problems = problems_of(folder_with(tmp_path, adsl_yaml=bad))
    assert [(p.line, p.message) for p in problems] == [
        (14, "key 'label' is written twice in the same mapping")]


def test_datasets_listed_but_missing_and_not_a_list(tmp_path):
    problems = problems_of(folder_with(tmp_path, study_yaml=STUDY + "datasets: [ADSL, ADAE]\n"))
    assert [(p.dataset, p.message) for p in problems] == [
        ("ADAE", "dataset ADAE is listed but has no adae.yaml")]
    problems = problems_of(folder_with(tmp_path, study_yaml=STUDY + "datasets: {ADSL: 1}\n"))
    assert [(p.line, p.message) for p in problems] == [
        (5, "datasets: expected a list of dataset names")]


def test_yaml_1_1_booleans_and_numbers_keep_their_text(tmp_path):
    codelists = """\
codelists:
  - id: NY
    name: No Yes
    extensible: false
    items:
      - {value: N, decode: No}
      - {value: Y, decode: Yes}
      - {value: "ON", decode: On}
  - id: VIS
    name: Visits
    type: integer
    items: [{value: 1}, {value: 2.50}]
"""
    adsl = ADSL.replace("    length: 8\n", "    length: 8\n    format: 8.\n")
    study = STUDY + "standards:\n  - {name: ADaMIG, version: 1.3}\n"
    spec = load_spec(folder_with(tmp_path, codelists_yaml=codelists, adsl_yaml=adsl,
                                 study_yaml=study))
    ny = spec.codelist("NY")
    assert [i.decode for i in ny.items] == ["No", "Yes", "On"] and ny.extensible is False
    assert spec.codelist("VIS").values == ["1", "2.50"]
    assert spec.dataset("ADSL").variable("AGE").format == "8."
    assert spec.dataset("ADSL").variable("AGE").length == 8
    assert spec.study.standards[0].version == "1.3"


def test_write_spec_round_trip_keeps_empty_values(tmp_path):
    spec = load_spec(folder_with(tmp_path / "in"))
    spec.study.analysis = {"windows": [], "none": None, "nested": {"empty": {}}}
    spec.study.standards = []
    write_spec(spec, tmp_path / "out")
    again = load_spec(tmp_path / "out")
    assert again == spec
    assert again.study.analysis == {"windows": [], "none": None, "nested": {"empty": {}}}
    assert again.study.standards == []


def test_duplicate_elements_get_their_own_locations(tmp_path):
    adsl = ADSL + """\
  - name: AGE
    label: Age again
    type: integer
    origin: Predecessor
    source: DM.AGE
"""
    methods = ("methods:\n  - {id: M1, name: a, description: a}\n"
               "  - {id: M1, name: b, description: b}\n")
    spec = load_spec(folder_with(tmp_path, adsl_yaml=adsl, methods_yaml=methods))
    assert spec.location("ADSL.AGE")[1] == 12
    assert spec.location("ADSL.AGE@2")[1] == 18
    assert spec.location("method:M1")[1] == 2
    assert spec.location("method:M1@2")[1] == 3
