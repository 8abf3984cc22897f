"""Small hand-made ADaM datasets and a spec built from them, shared by the validation tests.

The base study passes every rule of the catalogue; each test changes one thing in a copy.
Dates are SAS day numbers: 21000 is 2017-06-30 (TRTSDT of subject 01).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from adam.export.columns import ColumnMeta, DatasetMeta
from adam.spec.model import Dataset, Method, Spec, Study, Variable

S1, S2 = "ST1-01", "ST1-02"


def adsl() -> pd.DataFrame:
    return pd.DataFrame({
        "STUDYID": ["ST1", "ST1"],
        "USUBJID": [S1, S2],
        "SUBJID": ["01", "02"],
        "SITEID": ["10", "10"],
        "AGE": [30.0, 41.0],
        "AGEU": ["YEARS", "YEARS"],
        "SEX": ["F", "M"],
        "RACE": ["WHITE", "ASIAN"],
        "TRT01P": ["Drug A", "Drug B"],
        "TRT01PN": [1.0, 2.0],
        "SAFFL": ["Y", "Y"],
        "ITTFL": ["Y", "N"],
        "TRTSDT": [21000.0, 21010.0],
        "TRTEDT": [21100.0, 21110.0],
        "TRTDURD": [101.0, 101.0],
        "EOSSTT": ["COMPLETED", "DISCONTINUED"],
        "DCSREAS": [None, "DEATH"],
        "DTHFL": [None, "Y"],
        "DTHDT": [np.nan, 21200.0],
    })


def advs() -> pd.DataFrame:
    """A BDS dataset: EDSS with baseline, change and percent change."""
    return pd.DataFrame({
        "STUDYID": ["ST1"] * 4,
        "USUBJID": [S1, S1, S1, S2],
        "ASEQ": [1.0, 2.0, 3.0, 1.0],
        "PARAMCD": ["EDSS"] * 4,
        "PARAM": ["EDSS Score"] * 4,
        "PARAMN": [1.0] * 4,
        "AVISIT": ["Baseline", "Month 3", "Month 6", "Baseline"],
        "AVISITN": [0.0, 3.0, 6.0, 0.0],
        "ADT": [21000.0, 21050.0, 21100.0, 21010.0],
        "ADY": [1.0, 51.0, 101.0, 1.0],
        "AVAL": [2.0, 3.0, 2.5, 4.0],
        "AVALC": ["2", "3", "2.5", "4"],
        "AVALU": ["SCORE"] * 4,
        "ABLFL": ["Y", None, None, "Y"],
        "BASE": [2.0, 2.0, 2.0, 4.0],
        "CHG": [0.0, 1.0, 0.5, 0.0],
        "PCHG": [0.0, 50.0, 25.0, 0.0],
        "ANL01FL": ["Y", "Y", "Y", "Y"],
    })


def adae() -> pd.DataFrame:
    """An OCCDS dataset with ADSL's TRTSDT copied in."""
    return pd.DataFrame({
        "STUDYID": ["ST1"] * 3,
        "USUBJID": [S1, S1, S2],
        "ASEQ": [1.0, 2.0, 1.0],
        "AESEQ": [1.0, 2.0, 1.0],
        "AETERM": ["Headache", "Nausea", "Headache"],
        "AEDECOD": ["Headache", "Nausea", "Headache"],
        "AEBODSYS": ["Nervous system disorders", "Gastrointestinal disorders",
                     "Nervous system disorders"],
        "TRTSDT": [21000.0, 21000.0, 21010.0],
        "ASTDT": [21005.0, 21006.0, 21020.0],
        "AENDT": [21010.0, 21006.0, 21030.0],
        "ASTDY": [6.0, 7.0, 11.0],
        "TRTEMFL": ["Y", "Y", "Y"],
        "AOCCFL": ["Y", None, "Y"],
        "AOCCPFL": ["Y", "Y", "Y"],
    })


def adtte() -> pd.DataFrame:
    """A TTE dataset in days; the event of subject 01 traces to ADVS ASEQ 2 (ADT 21050)."""
    return pd.DataFrame({
        "STUDYID": ["ST1", "ST1"],
        "USUBJID": [S1, S2],
        "PARAMCD": ["TTCDW", "TTCDW"],
        "PARAM": ["Time to CDW (days)", "Time to CDW (days)"],
        "AVALU": ["DAYS", "DAYS"],
        "STARTDT": [21000.0, 21010.0],
        "ADT": [21050.0, 21200.0],
        "AVAL": [51.0, 191.0],
        "CNSR": [0.0, 1.0],
        "EVNTDESC": ["CDW", "END OF FOLLOW-UP"],
        "CNSDTDSC": [None, "LAST EDSS"],
        "SRCDOM": ["ADVS", "ADVS"],
        "SRCVAR": ["ADT", "ADT"],
        "SRCSEQ": [2.0, 1.0],
    })


def adrr() -> pd.DataFrame:
    """Relapses (one record each) and per-year counts and follow-up years."""
    return pd.DataFrame({
        "STUDYID": ["ST1"] * 8,
        "USUBJID": [S1, S1, S1, S1, S1, S1, S2, S2],
        "PARAMCD": ["RELAPSE", "RELAPSE", "RELCNT", "RELCNT", "FUYRS", "FUYRS", "RELCNT", "FUYRS"],
        "PARAM": ["Relapse", "Relapse", "Number of relapses", "Number of relapses",
                  "Follow-up (years)", "Follow-up (years)", "Number of relapses",
                  "Follow-up (years)"],
        "APERIOD": [1.0, 2.0, 1.0, 2.0, 1.0, 2.0, 1.0, 1.0],
        "APERSDT": [21000.0, 21366.0, 21000.0, 21366.0, 21000.0, 21366.0, 21010.0, 21010.0],
        "APEREDT": [21365.0, 21730.0, 21365.0, 21730.0, 21365.0, 21730.0, 21375.0, 21375.0],
        "ADT": [21100.0, 21500.0, np.nan, np.nan, np.nan, np.nan, np.nan, np.nan],
        "AVAL": [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.0, 1.0],
    })


def adneda() -> pd.DataFrame:
    """Annual NEDA: subject 01 has activity in both years, subject 02 none."""
    return pd.DataFrame({
        "STUDYID": ["ST1"] * 3,
        "USUBJID": [S1, S1, S2],
        "PARAMCD": ["NEDA"] * 3,
        "PARAM": ["No evidence of disease activity"] * 3,
        "APERSDT": [21000.0, 21366.0, 21010.0],
        "APEREDT": [21365.0, 21730.0, 21375.0],
        "AVALC": ["N", "N", "Y"],
    })


NEDA_OPTIONS = {
    "neda": {
        "sources": [
            {"dataset": "ADRR", "paramcd": ["RELAPSE"], "date": "ADT"},
            {"dataset": "ADTTE", "paramcd": ["TTCDW"], "where": {"CNSR": [0]}, "date": "ADT"},
        ],
        "sustained": {"dataset": "ADTTE", "paramcd": ["SNEDA"]},
    }
}


def base() -> dict[str, pd.DataFrame]:
    return {"ADSL": adsl(), "ADVS": advs(), "ADAE": adae(), "ADTTE": adtte()}


CLASSES = {"ADSL": "ADSL", "ADVS": "BDS", "ADAE": "OCCDS", "ADTTE": "TTE", "ADRR": "BDS",
           "ADNEDA": "BDS"}
KEYS = {"ADSL": ["STUDYID", "USUBJID"], "ADVS": ["USUBJID", "PARAMCD", "AVISITN"],
        "ADAE": ["USUBJID", "ASEQ"], "ADTTE": ["USUBJID", "PARAMCD"]}


def _type(name: str, series: pd.Series) -> str:
    if pd.api.types.is_numeric_dtype(series):
        if name.endswith("DTM"):
            return "datetime"
        if name.endswith("DT"):
            return "date"
        return "float"
    return "text"


def spec_for(frames: dict[str, pd.DataFrame], *, extra_datasets: tuple[str, ...] = (),
             methods: list[Method] | None = None,
             var_changes: dict[str, dict] | None = None) -> Spec:
    """A spec describing ``frames`` exactly (every variable Perm, label 'NAME label').

    ``var_changes`` maps 'DATASET.VARIABLE' to fields to change on that variable.
    """
    var_changes = var_changes or {}
    datasets = []
    for name in list(frames) + list(extra_datasets):
        df = frames.get(name, pd.DataFrame({"USUBJID": ["x"]}))
        variables = []
        for col in df.columns:
            fields = {"name": col, "label": f"{col} label", "type": _type(col, df[col]),
                      "origin": "Derived"}
            fields.update(var_changes.get(f"{name}.{col}", {}))
            variables.append(Variable.model_validate(fields))
        datasets.append(Dataset.model_validate({
            "name": name, "label": f"{name} dataset", "class": CLASSES.get(name, "BDS"),
            "structure": "test", "keys": KEYS.get(name, ["USUBJID"]), "variables": variables,
        }))
    return Spec(study=Study(study_id="ST1", name="Test", description="Test study", protocol="P1"),
                datasets=datasets, methods=methods or [])


def meta_for(name: str, df: pd.DataFrame, *, label: str | None = None,
             labels: dict[str, str] | None = None,
             formats: dict[str, str | None] | None = None) -> DatasetMeta:
    """File metadata as a reader returns it: 'NAME label' labels, DATE9. for *DT variables."""
    labels = labels or {}
    formats = formats or {}
    columns = []
    for col in df.columns:
        numeric = pd.api.types.is_numeric_dtype(df[col])
        fmt = "DATE9" if numeric and col.endswith("DT") else None
        if col.endswith("DTM") and numeric:
            fmt = "DATETIME20"
        if col.endswith("TM") and not col.endswith("DTM") and numeric:
            fmt = "TIME8"
        columns.append(ColumnMeta(col, labels.get(col, f"{col} label"),
                                  "float" if numeric else "text", None, formats.get(col, fmt)))
    return DatasetMeta(name, label if label is not None else f"{name} dataset", tuple(columns))
