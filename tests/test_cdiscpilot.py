"""ADSL, ADAE and ADTTE of the CDISC pilot (CDISCPILOT01) built from its real SDTM.

No published ADaM values are used: each expectation was computed by hand from the SDTM rows
(quoted in the comments), or checked against an independent source inside the SDTM itself
(SUPPDM population flags, SUPPAE treatment-emergent flag, EX doses).
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from adam.engine import check_method_coverage, load_study_module
from adam.export.from_spec import dataset_meta
from adam.pipeline import derive_all, export_submission, load_checked_spec
from adam.sdtm.read import load_sdtm
from adam.spec.lint import lint_spec
from adam.validate import validate_datasets

SDTM = Path(__file__).resolve().parents[2] / "shared" / "reference" / "cdisc_pilot" / "sdtm"
SPEC = Path(__file__).resolve().parents[1] / "specs" / "cdiscpilot"


def sas(iso: str) -> float:
    return float((dt.date.fromisoformat(iso) - dt.date(1960, 1, 1)).days)


@pytest.fixture(scope="module")
def sdtm():
    return load_sdtm(SDTM).frames


@pytest.fixture(scope="module")
def spec():
    return load_checked_spec(SPEC)


@pytest.fixture(scope="module")
def built(spec, sdtm):
    return derive_all(spec, sdtm)


@pytest.fixture(scope="module")
def adsl(built):
    return built.datasets["ADSL"].set_index("USUBJID")


@pytest.fixture(scope="module")
def adae(built):
    return built.datasets["ADAE"]


@pytest.fixture(scope="module")
def adtte(built):
    return built.datasets["ADTTE"].set_index("USUBJID")


def test_spec_is_clean_and_fully_implemented(spec):
    assert lint_spec(spec) == []
    assert check_method_coverage(spec, load_study_module(spec)) == []
    assert spec.dataset_names == ["ADSL", "ADAE", "ADTTE"]
    removed = {"HEIGHTBL", "WEIGHTBL", "BMIBL", "BMIBLGR1", "MMSETOT", "EFFFL"}
    assert not removed & set(spec.dataset("ADSL").variable_names)


def test_adsl_population_and_arms(adsl, sdtm):
    dm = sdtm["DM"]
    assert len(dm) == 306 and len(adsl) == 254                 # 52 screen failures left out
    assert not set(dm.loc[dm["ARMCD"] == "Scrnfail", "USUBJID"]) & set(adsl.index)
    assert adsl["TRT01P"].value_counts().to_dict() == {
        "Placebo": 86, "Xanomeline High Dose": 84, "Xanomeline Low Dose": 84}
    assert adsl.groupby("TRT01P")["TRT01PN"].unique().map(list).to_dict() == {
        "Placebo": [0.0], "Xanomeline High Dose": [81.0], "Xanomeline Low Dose": [54.0]}
    assert (adsl["ITTFL"] == "Y").sum() == 254 and (adsl["SAFFL"] == "Y").sum() == 254
    # SUPPDM carries the SDTM's own ITT and safety flags for the same 254 subjects
    supp = sdtm["SUPPDM"]
    for qnam in ("ITT", "SAFETY"):
        assert set(supp.loc[(supp["QNAM"] == qnam) & (supp["QVAL"] == "Y"), "USUBJID"]) == \
            set(adsl.index)


def test_actarm_differences_are_warned_about(built):
    warned = [w for w in built.warnings if w.variable == "ACTARM"]
    assert len(warned) == 1 and warned[0].message.startswith("12 subject(s)")


def test_treatment_dates_checked_by_hand(adsl):
    # 01-701-1015: SV visit 3 2014-01-02; last EX record (EXSEQ 3) EXENDTC 2014-07-02
    assert adsl.loc["01-701-1015", ["TRTSDT", "TRTEDT", "TRTDUR"]].tolist() == \
        [sas("2014-01-02"), sas("2014-07-02"), 182.0]
    # 01-701-1023: visit 3 2012-08-05; last EX record EXENDTC 2012-09-01 (RFENDTC is 09-02)
    assert adsl.loc["01-701-1023", ["TRTSDT", "TRTEDT", "TRTDUR"]].tolist() == \
        [sas("2012-08-05"), sas("2012-09-01"), 28.0]
    # 01-704-1233: last EX record has no EXENDTC; withdrew at visit 11 on 2013-07-14
    assert adsl.loc["01-704-1233", "TRTEDT"] == sas("2013-07-14")
    # 01-705-1382: no EXENDTC; protocol violation at visit 4 on the first-dose day 2013-05-13
    assert adsl.loc["01-705-1382", ["TRTSDT", "TRTEDT", "TRTDUR"]].tolist() == \
        [sas("2013-05-13"), sas("2013-05-13"), 1.0]


def test_cumulative_dose_by_hand_and_against_ex(adsl, sdtm):
    # 01-701-1028 (high dose): visit 3 2013-07-19, visit 4 2013-08-01, visit 12 2014-01-06,
    # TRTEDT 2014-01-14: 54 mg x 14 days + 81 mg x 158 days + 54 mg x 8 days
    row = adsl.loc["01-701-1028"]
    assert row["TRTDUR"] == 180 and row["CUMDOSE"] == 54 * 14 + 81 * 158 + 54 * 8 == 13986
    assert row["AVGDD"] == 77.7
    # Independent check: the dose actually recorded in EX, sum EXDOSE * days, agrees for every
    # subject whose EX records all have both dates.
    ex = sdtm["EX"]
    days = (pd.to_datetime(ex["EXENDTC"]) - pd.to_datetime(ex["EXSTDTC"])).dt.days + 1
    recorded = (ex["EXDOSE"] * days).groupby(ex["USUBJID"]).sum(min_count=1)
    complete = ex.groupby("USUBJID")["EXENDTC"].apply(lambda s: s.notna().all())
    subjects = complete.index[complete.to_numpy()]
    assert len(subjects) == 248
    assert np.array_equal(adsl.loc[subjects, "CUMDOSE"].to_numpy(), recorded[subjects].to_numpy())


def test_groupings(adsl):
    assert adsl["AGEGR1"].value_counts().to_dict() == {"65-80": 144, ">80": 77, "<65": 33}
    assert (adsl["AGEGR1N"].map({1.0: "<65", 2.0: "65-80", 3.0: ">80"}) == adsl["AGEGR1"]).all()
    assert adsl["RACEN"].value_counts().to_dict() == {1.0: 230, 2.0: 23, 6.0: 1}
    pooled = set(adsl.loc[adsl["SITEGR1"] == "900", "SITEID"])
    assert pooled == {"702", "706", "707", "711", "714", "715", "717"}
    kept = adsl["SITEGR1"] != "900"
    assert (adsl.loc[kept, "SITEGR1"] == adsl.loc[kept, "SITEID"]).all()


def test_disposition_and_completion(adsl, sdtm):
    assert adsl["DCREASCD"].value_counts().to_dict() == {
        "Completed": 110, "Adverse Event": 92, "Withdrew Consent": 27, "Sponsor Decision": 7,
        "Lack of Efficacy": 4, "Death": 3, "Physician Decision": 3, "Protocol Violation": 3,
        "I/E Not Met": 3, "Lost to Follow-up": 2}
    assert (adsl["DISCONFL"] == "Y").sum() == 144 and (adsl["DSRAEFL"] == "Y").sum() == 92
    assert adsl.loc["01-701-1015", "VISNUMEN"] == 12      # completed at visit 13
    assert adsl.loc["01-701-1023", "VISNUMEN"] == 5       # adverse event at visit 5
    # SUPPDM's own completer flags (COMPLT8/16/24) select the same subjects
    supp = sdtm["SUPPDM"]
    for flag, qnam in (("COMP8FL", "COMPLT8"), ("COMP16FL", "COMPLT16"), ("COMP24FL", "COMPLT24")):
        expected = set(supp.loc[(supp["QNAM"] == qnam) & (supp["QVAL"] == "Y"), "USUBJID"])
        assert set(adsl.index[adsl[flag] == "Y"]) == expected, flag
        assert set(adsl[flag]) == {"Y", "N"}


def test_disease_duration_and_other_baseline(adsl):
    # 01-701-1015: MH primary diagnosis 2010-04-30, visit 1 on 2013-12-26: 1336 days
    row = adsl.loc["01-701-1015"]
    assert row["DISONSDT"] == sas("2010-04-30") and row["VISIT1DT"] == sas("2013-12-26")
    assert row["DURDIS"] == 43.9                           # 1337 / 30.4375 = 43.93
    assert row["DURDSGR1"] == ">=12" and row["EDUCLVL"] == 16
    assert adsl["DURDSGR1"].value_counts().to_dict() == {">=12": 242, "<12": 12}
    assert row["RFENDT"] == sas("2014-07-02")


def test_adae_treatment_emergent_flag_matches_suppae(adae, sdtm):
    assert len(adae) == 1191
    supp = sdtm["SUPPAE"].assign(AESEQ=lambda d: d["IDVARVAL"].astype(float))
    both = adae.merge(supp[["USUBJID", "AESEQ", "QVAL"]], on=["USUBJID", "AESEQ"],
                      validate="one_to_one")
    assert len(both) == 1191
    assert ((both["TRTEMFL"] == "Y").fillna(False) == (both["QVAL"] == "Y")).all()
    assert (adae["TRTEMFL"] == "Y").sum() == 1126


def test_adae_records_checked_by_hand(adae):
    ae = adae.set_index(["USUBJID", "AESEQ"])
    # 01-716-1418 AESEQ 5: AESTDTC '2013-07' -> 2013-07-01 with flag D; TRTSDT 2013-05-13
    assert ae.loc[("01-716-1418", 5.0), ["ASTDT", "ASTDTF", "TRTEMFL"]].tolist() == \
        [sas("2013-07-01"), "D", "Y"]
    # 01-701-1118 AESEQ 1: AESTDTC '2003' (year only): no date, not treatment-emergent
    row = ae.loc[("01-701-1118", 1.0)]
    assert math.isnan(row["ASTDT"]) and pd.isna(row["TRTEMFL"])
    # 01-701-1015: two application-site AEs on 2014-01-03 (day 2), diarrhoea on 2014-01-09
    s = ae.loc["01-701-1015"]
    assert s["ASTDY"].tolist() == [2.0, 2.0, 8.0]
    assert s["AOCCFL"].tolist()[0] == "Y" and s["AOCCFL"].isna().tolist()[1:] == [True, True]
    assert s["AOCCPFL"].tolist() == ["Y", "Y", "Y"]
    assert s["CQ01NAM"].tolist()[:2] == ["DERMATOLOGIC EVENTS"] * 2 and pd.isna(s["CQ01NAM"].iloc[2])
    assert s["AOCC01FL"].tolist()[0] == "Y" and s["AOCC01FL"].isna().tolist()[1:] == [True, True]
    assert ae.loc[("01-701-1015", 3.0), "ADURN"] == 3      # 2014-01-09 to 2014-01-11


def test_adae_queries_and_serious_flags(adae):
    assert (adae["CQ01NAM"] == "DERMATOLOGIC EVENTS").sum() == 493
    skin = adae["AEBODSYS"] == "SKIN AND SUBCUTANEOUS TISSUE DISORDERS"
    left_out = adae.loc[skin & adae["CQ01NAM"].isna(), "AEDECOD"].value_counts().to_dict()
    assert left_out == {"HYPERHIDROSIS": 17, "COLD SWEAT": 3, "ALOPECIA": 1}
    serious = adae.loc[adae["AOCC02FL"] == "Y", ["USUBJID", "AESEQ"]].values.tolist()
    assert serious == [["01-709-1424", 1.0], ["01-718-1170", 5.0], ["01-718-1371", 4.0]]
    assert (adae["AOCCFL"] == "Y").sum() == adae.loc[adae["TRTEMFL"] == "Y", "USUBJID"].nunique()


def test_adtte_events_censoring_and_aval(adtte, adae, adsl):
    assert len(adtte) == 254 and set(adtte["PARAMCD"]) == {"TTDE"}
    assert adtte["CNSR"].value_counts().to_dict() == {0.0: 152, 1.0: 102}
    assert adtte.groupby(["TRTP", "CNSR"]).size().to_dict() == {
        ("Placebo", 0.0): 29, ("Placebo", 1.0): 57, ("Xanomeline High Dose", 0.0): 61,
        ("Xanomeline High Dose", 1.0): 23, ("Xanomeline Low Dose", 0.0): 62,
        ("Xanomeline Low Dose", 1.0): 22}
    assert (adtte["AVAL"] == adtte["ADT"] - adtte["STARTDT"] + 1).all()
    # independent: subjects with a treatment-emergent dermatologic AE are the events
    derm = adae.loc[(adae["TRTEMFL"] == "Y") & adae["CQ01NAM"].notna()]
    assert set(adtte.index[adtte["CNSR"] == 0]) == set(derm["USUBJID"])
    first = derm.groupby("USUBJID")["ASTDT"].min()
    events = adtte.loc[adtte["CNSR"] == 0]
    assert (events["ADT"] == first[events.index]).all()
    censored = adtte.loc[adtte["CNSR"] == 1]
    assert (censored["ADT"] == adsl.loc[censored.index, "RFENDT"]).all()
    assert set(censored["SRCDOM"]) == {"ADSL"} and censored["SRCSEQ"].isna().all()
    # 01-701-1015: first dermatologic TEAE on 2014-01-03 (AESEQ 1), first dose 2014-01-02
    assert adtte.loc["01-701-1015", ["ADT", "AVAL", "SRCSEQ"]].tolist() == \
        [sas("2014-01-03"), 2.0, 1.0]


def test_validation_finds_no_errors_or_warnings(spec, built):
    report = validate_datasets(spec, built.datasets,
                               metadata={n: dataset_meta(spec.dataset(n)) for n in built.datasets})
    # SRCSEQ of ADTTE events holds ADAE.AESEQ (ADAE has no ASEQ), as the pilot's define says.
    assert not [f.rule for f in report.findings if f.severity in ("error", "warning")]


def test_export_writes_xpt_datasetjson_and_valid_define(spec, built, tmp_path):
    built.report = None
    out = tmp_path / "cdiscpilot"
    export_submission(built, out, inputs=[], spec_dir=SPEC)
    for name in ("adsl", "adae", "adtte"):
        assert (out / f"{name}.xpt").stat().st_size > 0
        assert (out / "datasetjson" / f"{name}.json").stat().st_size > 0
    define = (out / "define.xml").read_text()
    assert "MT.ADTTE.ADT" in define and "Dematologic Event Occured" in define
    first = (out / "adsl.xpt").read_bytes()
    export_submission(built, tmp_path / "again", inputs=[], spec_dir=SPEC)
    assert (tmp_path / "again" / "adsl.xpt").read_bytes() == first
