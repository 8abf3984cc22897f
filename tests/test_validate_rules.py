"""Every rule of the catalogue, each run on a dataset that passes it and one that fails it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import pandas as pd
import pytest

from adam.spec.model import Method
from adam.validate import all_rules, validate_datasets
from adam.validate.rules import RULES
from test_validate_fixtures import (
    NEDA_OPTIONS, S1, S2, adneda, adrr, base, meta_for, spec_for,
)


@dataclass
class State:
    frames: dict[str, pd.DataFrame]
    spec: Any = None
    metadata: dict | None = None
    options: dict = field(default_factory=dict)
    sdtm: dict | None = None

    def run(self, rule_id: str):
        return validate_datasets(self.spec, self.frames, metadata=self.metadata, sdtm=self.sdtm,
                                 options=self.options, rules=[rule_id])


def fired(report, rule_id: str) -> list:
    """Findings of ``rule_id`` at its catalogue severity (notices about skipped checks excluded)."""
    return [f for f in report.findings if f.rule == rule_id and f.severity == RULES[rule_id].severity]


def at(df: pd.DataFrame, row: int, col: str, value: Any) -> None:
    df.loc[row, col] = value


# --- builders of the good and the bad state of each rule -----------------------------------

def st(frames=None, **kw) -> State:
    return State(frames if frames is not None else base(), **kw)


def with_spec(s: State, **kw) -> State:
    s.spec = spec_for(s.frames, **kw)
    return s


def with_meta(s: State, **per_dataset) -> State:
    s.metadata = {n: meta_for(n, df, **per_dataset.get(n, {})) for n, df in s.frames.items()}
    return s


def rename(s: State, old: str, new: str) -> State:
    s.frames[new] = s.frames.pop(old)
    return s


def change(name: str, fn: Callable[[pd.DataFrame], Any]) -> Callable[[], State]:
    """A bad state: the base study with ``fn`` applied to dataset ``name`` (in place or returned)."""
    def build() -> State:
        s = st()
        out = fn(s.frames[name])
        if isinstance(out, pd.DataFrame):
            s.frames[name] = out
        return s
    return build


def also(*changes: tuple[str, Callable[[pd.DataFrame], Any]]) -> Callable[[State], State]:
    def apply(s: State) -> State:
        for name, fn in changes:
            out = fn(s.frames[name])
            if isinstance(out, pd.DataFrame):
                s.frames[name] = out
        return s
    return apply


def good_base() -> State:
    return st()


def crit(df: pd.DataFrame) -> None:
    df["CRIT1"] = "AVAL > 2"
    df["CRIT1FL"] = ["N", "Y", "Y", "Y"]


def dtf(df: pd.DataFrame) -> None:
    df["ASTDTF"] = ["D", None, "M"]


def datetimes(df: pd.DataFrame) -> None:
    df["ASTDTM"] = df["ASTDT"] * 86400 + 3600
    df["ASTTM"] = 3600.0


def rr_study() -> State:
    frames = base()
    frames["ADRR"] = adrr()
    return State(frames)


def neda_study() -> State:
    frames = base()
    frames["ADRR"] = adrr()
    frames["ADNEDA"] = adneda()
    sneda = pd.DataFrame({
        "STUDYID": ["ST1", "ST1"], "USUBJID": [S1, S2], "PARAMCD": ["SNEDA", "SNEDA"],
        "PARAM": ["Time to loss of NEDA (days)"] * 2, "AVALU": ["DAYS", "DAYS"],
        "STARTDT": [21000.0, 21010.0], "ADT": [21050.0, 21200.0], "AVAL": [51.0, 191.0],
        "CNSR": [0.0, 1.0], "EVNTDESC": ["CDW", "END OF FOLLOW-UP"],
    })
    frames["ADTTE"] = pd.concat([frames["ADTTE"], sneda], ignore_index=True)
    return State(frames, options=NEDA_OPTIONS)


def neda_bad(fn: Callable[[dict], Any]) -> Callable[[], State]:
    def build() -> State:
        s = neda_study()
        fn(s.frames)
        return s
    return build


def rr_bad(fn: Callable[[pd.DataFrame], Any]) -> Callable[[], State]:
    def build() -> State:
        s = rr_study()
        out = fn(s.frames["ADRR"])
        if isinstance(out, pd.DataFrame):
            s.frames["ADRR"] = out
        return s
    return build


IMPUTE = [Method(id="MT.IMP", name="Impute", type="Imputation", description="impute start day")]

# rule id -> (good state builder, bad state builder)
CASES: dict[str, tuple[Callable[[], State], Callable[[], State]]] = {
    # naming
    "ADAM-NM-001": (good_base, lambda: rename(st(), "ADVS", "ADVSLONGER")),
    "ADAM-NM-002": (good_base, lambda: rename(st(), "ADVS", "XVS")),
    "ADAM-NM-003": (good_base, change("ADVS", lambda df: df.assign(Aval2=1.0))),
    "ADAM-NM-004": (lambda: with_meta(st()),
                    lambda: with_meta(st(), ADVS={"labels": {"AVAL": "A" * 41}})),
    "ADAM-NM-005": (lambda: with_meta(st()), lambda: with_meta(st(), ADAE={"label": "Événements"})),
    "ADAM-NM-006": (lambda: with_spec(st()),
                    lambda: also(("ADVS", lambda df: df[["USUBJID", "STUDYID"] + list(df.columns[2:])]))(
                        with_spec(st()))),
    "ADAM-NM-007": (lambda: with_spec(st()),
                    lambda: also(("ADAE", lambda df: df.assign(AEXTRA="x")))(with_spec(st()))),
    "ADAM-NM-008": (lambda: with_spec(st()),
                    lambda: also(("ADAE", lambda df: df.drop(columns=["AETERM"])))(with_spec(st()))),
    "ADAM-NM-009": (lambda: with_meta(with_spec(st())),
                    lambda: with_meta(with_spec(st()), ADSL={"labels": {"AGE": "Age in years"}})),
    "ADAM-NM-010": (good_base, change("ADAE", lambda df: at(df, 0, "AETERM", "Céphalée"))),
    "ADAM-NM-011": (lambda: with_spec(st()),
                    lambda: State({**base(), "ADXX": base()["ADAE"]}, spec=spec_for(base()))),
    "ADAM-NM-012": (lambda: with_spec(st()), lambda: with_spec(st(), extra_datasets=("ADLB",))),
    # structure
    "ADAM-ST-001": (good_base, change("ADAE", lambda df: pd.concat([df, df.iloc[[0]]], ignore_index=True))),
    "ADAM-ST-002": (good_base, change("ADAE", lambda df: at(df, 1, "USUBJID", None))),
    "ADAM-ST-003": (good_base, change("ADAE", lambda df: at(df, 1, "STUDYID", "ST2"))),
    "ADAM-ST-004": (good_base, change("ADVS", lambda df: at(df, 1, "ASEQ", 1.0))),
    "ADAM-ST-005": (good_base, change("ADVS", lambda df: at(df, 1, "ASEQ", 2.5))),
    "ADAM-ST-006": (good_base, change("ADVS", lambda df: at(df, 2, "AVISITN", 3.0))),
    "ADAM-ST-007": (good_base, change("ADAE", lambda df: df.iloc[0:0])),
    "ADAM-ST-008": (good_base, change("ADAE", lambda df: df.assign(AESER=[None] * 3))),
    "ADAM-ST-009": (good_base, change("ADAE", lambda df: at(df, 2, "AETERM", " Headache"))),
    # ADSL
    "ADAM-SL-001": (good_base, change("ADSL", lambda df: pd.concat([df, df.iloc[[1]]], ignore_index=True))),
    "ADAM-SL-002": (good_base, lambda: State({k: v for k, v in base().items() if k != "ADSL"})),
    "ADAM-SL-003": (good_base, change("ADSL", lambda df: df.drop(columns=["SITEID"]))),
    "ADAM-SL-004": (good_base, change("ADSL", lambda df: at(df, 0, "AGEU", None))),
    "ADAM-SL-005": (good_base, change("ADSL", lambda df: at(df, 0, "AGE", -1.0))),
    "ADAM-SL-006": (good_base, change("ADSL", lambda df: at(df, 1, "DTHFL", None))),
    "ADAM-SL-007": (good_base, change("ADSL", lambda df: at(df, 0, "TRTSDT", np.nan))),
    "ADAM-SL-008": (good_base, change("ADSL", lambda df: at(df, 1, "DCSREAS", None))),
    "ADAM-SL-009": (good_base, change("ADSL", lambda df: at(df, 0, "TRTDURD", 100.0))),
    # BDS
    "ADAM-BD-001": (good_base, change("ADVS", lambda df: at(df, 3, "PARAM", "EDSS total"))),
    "ADAM-BD-002": (good_base, change("ADVS", lambda df: df.assign(PARAMCD="EDSS_SCORE"))),
    "ADAM-BD-003": (good_base, change("ADVS", lambda df: df.drop(columns=["PARAM"]))),
    "ADAM-BD-004": (good_base, change("ADVS", lambda df: df.assign(
        PARAMCD=["EDSS"] * 3 + ["WALK"], PARAM=["EDSS Score"] * 3 + ["Walk"],
        AVAL=[2.0, 3.0, 2.5, np.nan], AVALC=["2", "3", "2.5", None]))),
    "ADAM-BD-005": (good_base, change("ADVS", lambda df: df.assign(
        AVAL=[2.0, 3.0, np.nan, 4.0], AVALC=["2", "3", None, "4"]))),
    "ADAM-BD-006": (good_base, change("ADVS", lambda df: at(df, 1, "CHG", 2.0))),
    "ADAM-BD-007": (good_base, change("ADVS", lambda df: at(df, 1, "PCHG", 40.0))),
    "ADAM-BD-008": (good_base, change("ADVS", lambda df: at(df, 1, "ABLFL", "Y"))),
    "ADAM-BD-009": (good_base, change("ADVS", lambda df: at(df, 3, "BASE", 5.0))),
    "ADAM-BD-010": (good_base, change("ADVS", lambda df: at(df, 2, "BASE", 3.0))),
    "ADAM-BD-011": (good_base, change("ADVS", lambda df: at(df, 2, "AVALC", "3"))),
    "ADAM-BD-012": (good_base, change("ADVS", lambda df: at(df, 3, "BASE", np.nan))),
    "ADAM-BD-013": (change("ADVS", lambda df: df.assign(BASEC=["2", "2", "2", "4"])),
                    change("ADVS", lambda df: df.assign(BASEC=["2", "2", "2", "5"]))),
    "ADAM-BD-014": (good_base, change("ADVS", lambda df: at(df, 3, "AVALU", "POINTS"))),
    # OCCDS
    "ADAM-OC-001": (good_base, change("ADAE", lambda df: df.drop(columns=["AESEQ"]))),
    "ADAM-OC-002": (good_base, change("ADAE", lambda df: at(df, 2, "ASTDT", 21005.0))),
    "ADAM-OC-003": (change("ADAE", lambda df: df.drop(columns=["TRTSDT"])),
                    lambda: also(("ADAE", lambda df: df.drop(columns=["TRTSDT"])),
                                 ("ADSL", lambda df: at(df, 1, "TRTSDT", np.nan)))(st())),
    "ADAM-OC-004": (good_base, change("ADAE", lambda df: at(df, 1, "AOCCFL", "Y"))),
    "ADAM-OC-005": (good_base, change("ADAE", lambda df: at(df, 0, "AEBODSYS", None))),
    # TTE
    "ADAM-TT-001": (good_base, change("ADTTE", lambda df: at(df, 1, "CNSR", -1.0))),
    "ADAM-TT-002": (good_base, change("ADTTE", lambda df: at(df, 1, "STARTDT", 21300.0))),
    "ADAM-TT-003": (good_base, change("ADTTE", lambda df: at(df, 0, "AVAL", 50.0))),
    "ADAM-TT-004": (good_base, change("ADTTE", lambda df: at(df, 0, "AVAL", np.nan))),
    "ADAM-TT-005": (good_base, change("ADTTE", lambda df: df.drop(columns=["STARTDT"]))),
    "ADAM-TT-006": (good_base, change("ADTTE", lambda df: pd.concat(
        [df, df.iloc[[0]].assign(ADT=21060.0, AVAL=61.0)], ignore_index=True))),
    "ADAM-TT-007": (good_base, change("ADTTE", lambda df: at(df, 1, "EVNTDESC", None))),
    "ADAM-TT-008": (good_base, change("ADTTE", lambda df: at(df, 1, "EVNTDESC", "CDW"))),
    "ADAM-TT-009": (good_base, change("ADTTE", lambda df: at(df, 0, "CNSDTDSC", "LAST EDSS"))),
    # dates
    "ADAM-DT-001": (good_base, change("ADAE", lambda df: df.assign(
        ASTDT=["2017-07-05", "2017-07-06", "2017-07-20"]))),
    "ADAM-DT-002": (lambda: with_meta(st()),
                    lambda: with_meta(st(), ADVS={"formats": {"ADT": "BEST12"}})),
    "ADAM-DT-003": (good_base, change("ADVS", lambda df: at(df, 1, "ADT", 21050.5))),
    "ADAM-DT-004": (good_base, change("ADVS", lambda df: at(df, 1, "ADT", 99999.0))),
    "ADAM-DT-005": (change("ADAE", datetimes),
                    change("ADAE", lambda df: (datetimes(df), at(df, 0, "ASTDTM", 21006 * 86400.0 + 60)))),
    "ADAM-DT-006": (change("ADAE", datetimes),
                    change("ADAE", lambda df: (datetimes(df), at(df, 0, "ASTTM", 7200.0)))),
    "ADAM-DT-007": (good_base, change("ADVS", lambda df: at(df, 1, "ADY", 50.0))),
    "ADAM-DT-008": (good_base, change("ADVS", lambda df: at(df, 0, "ADY", 0.0))),
    "ADAM-DT-009": (lambda: with_spec(also(("ADAE", dtf))(st()), methods=IMPUTE,
                                      var_changes={"ADAE.ASTDT": {"method": "MT.IMP"}}),
                    lambda: with_spec(st(), methods=IMPUTE,
                                      var_changes={"ADAE.ASTDT": {"method": "MT.IMP"}})),
    "ADAM-DT-010": (change("ADAE", dtf), change("ADAE", lambda df: (dtf(df), at(df, 0, "ASTDTF", "X")))),
    "ADAM-DT-011": (change("ADAE", dtf), change("ADAE", lambda df: (dtf(df), at(df, 0, "ASTDT", np.nan)))),
    "ADAM-DT-012": (change("ADAE", dtf), change("ADAE", lambda df: df.assign(XYZDTF="D"))),
    "ADAM-DT-013": (good_base, change("ADAE", lambda df: at(df, 0, "AENDT", 21004.0))),
    # flags
    "ADAM-FL-001": (good_base, change("ADSL", lambda df: at(df, 1, "ITTFL", None))),
    "ADAM-FL-002": (good_base, change("ADVS", lambda df: at(df, 0, "ANL01FL", "YES"))),
    "ADAM-FL-003": (good_base, change("ADVS", lambda df: at(df, 0, "ANL01FL", "N"))),
    "ADAM-FL-004": (good_base, change("ADSL", lambda df: df.assign(ITTFL=[1.0, 0.0]))),
    "ADAM-FL-005": (change("ADVS", crit), change("ADVS", lambda df: df.assign(CRIT1="AVAL > 2"))),
    "ADAM-FL-006": (change("ADVS", crit), change("ADVS", lambda df: (crit(df), at(df, 0, "CRIT1", None)))),
    "ADAM-FL-007": (change("ADVS", crit), change("ADVS", lambda df: (crit(df), at(df, 0, "CRIT1", "AVAL > 3")))),
    "ADAM-FL-008": (change("ADSL", lambda df: df.assign(ITTFN=[1.0, 0.0])),
                    change("ADSL", lambda df: df.assign(ITTFN=[1.0, 1.0]))),
    # traceability
    "ADAM-TR-001": (good_base, change("ADTTE", lambda df: df.drop(columns=["SRCDOM"]))),
    "ADAM-TR-002": (good_base, change("ADTTE", lambda df: at(df, 1, "SRCDOM", None))),
    "ADAM-TR-003": (good_base, change("ADTTE", lambda df: at(df, 1, "SRCDOM", "vitals"))),
    "ADAM-TR-004": (good_base, change("ADTTE", lambda df: at(df, 0, "SRCSEQ", 9.0))),
    "ADAM-TR-005": (good_base, change("ADTTE", lambda df: at(df, 0, "SRCVAR", "XYZ"))),
    "ADAM-TR-006": (good_base, change("ADAE", lambda df: at(df, 2, "TRTSDT", 21011.0))),
    "ADAM-TR-007": (good_base, change("ADAE", lambda df: at(df, 2, "USUBJID", "ST1-99"))),
    # cross-dataset
    "ADAM-X-001": (good_base, change("ADTTE", lambda df: df.assign(ADT=[21051.0, 21200.0],
                                                                     AVAL=[52.0, 191.0]))),
    "ADAM-X-002": (rr_study, rr_bad(lambda df: at(df, 3, "AVAL", 2.0))),
    "ADAM-X-003": (rr_study, rr_bad(lambda df: df.drop(index=5))),
    "ADAM-X-004": (neda_study, neda_bad(lambda f: at(f["ADNEDA"], 0, "AVALC", "Y"))),
    "ADAM-X-005": (neda_study, neda_bad(lambda f: at(f["ADTTE"], 2, "ADT", 21100.0))),
}


def test_every_rule_has_a_case():
    """Each catalogue rule is exercised here or (schema checks) in test_validate_schema."""
    function_rules = {r.id for r in all_rules() if r.scope != "schema"}
    assert function_rules == set(CASES)
    assert len(all_rules()) >= 40


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_passes_good_and_fires_on_bad(rule_id):
    good, bad = CASES[rule_id]
    assert fired(good().run(rule_id), rule_id) == []
    findings = fired(bad().run(rule_id), rule_id)
    assert findings, f"{rule_id} did not fire on its bad dataset"
    assert all(f.count >= 1 for f in findings)


def test_base_study_passes_every_rule():
    report = validate_datasets(None, base())
    assert [f for f in report.findings if f.severity != "notice"] == []


def test_records_name_subject_sequence_and_values():
    s = change("ADVS", lambda df: at(df, 1, "CHG", 2.0))()
    (finding,) = fired(s.run("ADAM-BD-006"), "ADAM-BD-006")
    assert finding.dataset == "ADVS" and finding.count == 1
    assert finding.records == [{"ROW": 2, "USUBJID": S1, "SEQ": "2",
                                "VARIABLE": "PARAMCD, AVAL, BASE, CHG",
                                "VALUE": "PARAMCD=EDSS; AVAL=3; BASE=2; CHG=2"}]


def test_study_day_uses_adsl_trtsdt_and_shows_dates():
    s = change("ADVS", lambda df: at(df, 3, "ADY", 2.0))()
    (finding,) = fired(s.run("ADAM-DT-007"), "ADAM-DT-007")
    assert finding.records[0]["USUBJID"] == S2
    assert finding.records[0]["VALUE"] == "ADT=21010 (2017-07-10); ADY=2"


def test_study_day_without_reference_is_a_notice_not_silence():
    frames = {"ADVS": base()["ADVS"]}
    report = validate_datasets(None, frames, rules=["ADAM-DT-007"])
    assert [(f.rule, f.severity) for f in report.findings] == [("ADAM-DT-007", "notice")]


def test_relapse_counts_by_date_window_when_no_period_variable():
    s = rr_study()
    s.frames["ADRR"] = s.frames["ADRR"].drop(columns=["APERIOD"])
    assert fired(s.run("ADAM-X-002"), "ADAM-X-002") == []
    at(s.frames["ADRR"], 2, "AVAL", 0.0)
    (finding,) = fired(s.run("ADAM-X-002"), "ADAM-X-002")
    assert finding.count == 1
    assert finding.records[0]["VALUE"].endswith("AVAL=0; EXPECTED=1")


@pytest.mark.parametrize("rule_id", ["ADAM-X-002", "ADAM-X-003", "ADAM-X-004", "ADAM-X-005"])
def test_cross_rules_say_so_when_datasets_are_absent(rule_id):
    report = st().run(rule_id)
    assert [f.severity for f in report.findings] == ["notice"]
    assert "not checked" in report.findings[0].message


def test_tte_event_traced_into_sdtm_when_given():
    frames = base()
    frames["ADTTE"] = frames["ADTTE"].assign(SRCDOM=["QS", "ADVS"], SRCVAR=["QSDTC", "ADT"])
    s = State(frames)
    notices = s.run("ADAM-X-001").findings
    assert [f.severity for f in notices] == ["notice"]  # QS not given: said, not hidden
    s.sdtm = {"QS": pd.DataFrame({"USUBJID": [S1], "QSSEQ": [2.0], "QSDTC": ["2017-08-19"]})}
    assert s.run("ADAM-X-001").findings == []  # 2017-08-19 is SAS day 21050 = ADT
    s.sdtm["QS"].loc[0, "QSDTC"] = "2017-08-20"
    (finding,) = fired(s.run("ADAM-X-001"), "ADAM-X-001")
    assert finding.records[0]["VALUE"].endswith("EXPECTED=21051 (2017-08-20)")
    s.sdtm["QS"].loc[0, "QSSEQ"] = 3.0
    assert "not found" in fired(s.run("ADAM-X-001"), "ADAM-X-001")[0].message
    assert fired(s.run("ADAM-TR-004"), "ADAM-TR-004")


def test_population_flag_from_spec_label():
    frames = base()
    frames["ADSL"]["A12FL"] = ["Y", None]
    spec = spec_for(frames, var_changes={"ADSL.A12FL": {"label": "Alemtuzumab 12 mg Popul Flag"}})
    report = validate_datasets(spec, frames, rules=["ADAM-FL-001"])
    assert [f.message for f in fired(report, "ADAM-FL-001")] == ["population flag A12FL null or not Y/N"]
    spec = spec_for(frames, var_changes={"ADSL.A12FL": {"extra": {"population_flag": False}}})
    assert fired(validate_datasets(spec, frames, rules=["ADAM-FL-001"]), "ADAM-FL-001") == []


def test_datetime64_input_is_converted_to_sas_numbers():
    frames = base()
    frames["ADAE"]["ASTDT"] = pd.to_datetime(["2017-07-05", "2017-07-06", "2017-07-20"])
    report = validate_datasets(None, frames, rules=["ADAM-DT-001", "ADAM-DT-013", "ADAM-DT-007"])
    assert fired(report, "ADAM-DT-001") == [] and fired(report, "ADAM-DT-007") == []


def test_blank_text_counts_as_missing():
    frames = base()
    frames["ADSL"]["ITTFL"] = ["Y", ""]
    (finding,) = fired(validate_datasets(None, frames, rules=["ADAM-FL-001"]), "ADAM-FL-001")
    assert finding.records[0]["USUBJID"] == S2


def test_unknown_rule_id_is_bad_input():
    from adam.errors import InputError

    with pytest.raises(InputError, match="ADAM-ZZ-999"):
        validate_datasets(None, base(), rules=["ADAM-ZZ-999"])


def test_a_rule_that_crashes_is_reported(monkeypatch):
    rule = RULES["ADAM-ST-007"]

    def boom(ctx, view):
        raise ValueError("odd data")
        yield  # pragma: no cover

    monkeypatch.setitem(RULES, "ADAM-ST-007", rule.__class__(**{**rule.__dict__, "func": boom}))
    report = validate_datasets(None, {"ADSL": base()["ADSL"]}, rules=["ADAM-ST-007"])
    assert report.has_errors
    assert "rule could not run: ValueError: odd data" in report.findings[0].message


def test_first_occurrence_groups():
    frames = base()
    ae = frames["ADAE"]
    ae["AYEAR"] = [1.0, 2.0, 1.0]
    ae["AOCCYFL"] = ["Y", "Y", "Y"]  # first per subject and year: not checked by default
    ae["AOCCSFL"] = ["Y", "Y", "Y"]  # different body systems for subject 01: fine
    assert fired(validate_datasets(None, frames, rules=["ADAM-OC-004"]), "ADAM-OC-004") == []
    ae.loc[1, "AEBODSYS"] = "Nervous system disorders"  # now two Y in one body system
    (f,) = fired(validate_datasets(None, frames, rules=["ADAM-OC-004"]), "ADAM-OC-004")
    assert f.message.startswith("AOCCSFL") and f.count == 2
    spec = spec_for(frames, var_changes={"ADAE.AOCCYFL": {"extra": {"occurrence_by": ["USUBJID"]}}})
    ae.loc[1, "AEBODSYS"] = "Gastrointestinal disorders"
    (f,) = fired(validate_datasets(spec, frames, rules=["ADAM-OC-004"]), "ADAM-OC-004")
    assert f.message.startswith("AOCCYFL")


def test_srcseq_into_a_dataset_without_sequence_numbers():
    frames = base()
    frames["ADTTE"].loc[1, "SRCDOM"] = "ADSL"
    (f,) = fired(validate_datasets(None, frames, rules=["ADAM-TR-004"]), "ADAM-TR-004")
    assert "ADSL has no sequence variable" in f.message and f.records[0]["USUBJID"] == S2


def test_neda_with_unknown_status_is_not_reported_as_not_achieved():
    def warnings_for(avalc, aval=None) -> list:
        s = neda_study()
        neda = s.frames["ADNEDA"]  # row 2: subject 02, no activity in the period
        neda["AVALC"] = neda["AVALC"].astype(object)
        at(neda, 2, "AVALC", avalc)
        if aval is not None:
            s.frames["ADNEDA"] = neda.assign(AVAL=[0.0, 0.0, aval])
        return [f for f in s.run("ADAM-X-004").findings if f.severity == "warning"]

    assert warnings_for("Y") == []
    assert warnings_for(None) == []  # AVALC missing, no AVAL: status unknown, nothing to say
    assert [f.count for f in warnings_for("N")] == [1]
    assert [f.count for f in warnings_for(None, aval=0.0)] == [1]  # AVAL 0 says not achieved
