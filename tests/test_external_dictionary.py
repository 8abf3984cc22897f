"""External dictionaries (MedDRA): a codelist with no terms that lint and validation accept."""

from __future__ import annotations

import pandas as pd

from adam.spec.lint import lint_spec
from adam.spec.model import Codelist, Dataset, Spec, Study, Variable
from adam.validate import validate_datasets


def _spec(codelist: Codelist) -> Spec:
    ds = Dataset(name="ADAE", label="Adverse Events", **{"class": "OCCDS"},
                 structure="One record per event", keys=["USUBJID", "AESEQ"], variables=[
                     Variable(name="USUBJID", label="Subject", type="text", origin="Assigned",
                              comment=None),
                     Variable(name="AESEQ", label="Sequence", type="integer", origin="Assigned"),
                     Variable(name="AEDECOD", label="Dictionary-Derived Term", type="text",
                              origin="Assigned", codelist=codelist.id),
                 ])
    return Spec(study=Study(study_id="S", name="S", description="d", protocol="p"),
                datasets=[ds], codelists=[codelist])


def _messages(spec: Spec) -> list[str]:
    return [p.message for p in lint_spec(spec) if p.severity == "error"]


def test_lint_accepts_an_external_dictionary_without_terms():
    meddra = Codelist(id="AEDICT", name="MedDRA", dictionary="MedDRA", dictionary_version="8.0",
                      items=[])
    assert not [m for m in _messages(_spec(meddra)) if "no terms" in m]


def test_lint_rejects_an_empty_codelist_that_is_no_dictionary():
    empty = Codelist(id="AEDICT", name="Empty", items=[])
    assert any("no terms" in m for m in _messages(_spec(empty)))


def test_validation_does_not_check_values_against_a_dictionary():
    meddra = Codelist(id="AEDICT", name="MedDRA", dictionary="MedDRA", dictionary_version="8.0",
                      items=[])
    adae = pd.DataFrame({"USUBJID": ["A", "A"], "AESEQ": [1.0, 2.0],
                         "AEDECOD": ["Headache", "Nausea"]})
    report = validate_datasets(_spec(meddra), {"ADAE": adae})
    assert not [f for f in report.findings if "codelist" in f.message.lower()]


def test_validation_checks_values_against_an_ordinary_codelist():
    terms = Codelist(id="AEDICT", name="Terms", extensible=False,
                     items=[{"value": "Headache"}])
    adae = pd.DataFrame({"USUBJID": ["A", "A"], "AESEQ": [1.0, 2.0],
                         "AEDECOD": ["Headache", "Nausea"]})
    report = validate_datasets(_spec(terms), {"ADAE": adae})
    assert [f for f in report.findings if "not in codelist AEDICT" in f.message]
