"""ADSL and ADAE of CAMMS223 on the hand-made four-subject study (tests/camms223_mini.py).

Every expected value below was worked out by hand from the SDTM rows and the method
descriptions in specs/camms223/methods.yaml (SAS dates: 2010-01-01 = 18263).
"""

from __future__ import annotations

import math

import pandas as pd
import pytest
from camms223_mini import A, B, C, mini_sdtm

from adam.errors import InputError
from adam.pipeline import derive_all, load_checked_spec


@pytest.fixture(scope="module")
def built():
    return derive_all(load_checked_spec("specs/camms223"), mini_sdtm(), only=["ADSL", "ADAE"])


@pytest.fixture(scope="module")
def adsl(built) -> pd.DataFrame:
    return built.datasets["ADSL"].set_index("USUBJID")


@pytest.fixture(scope="module")
def adae(built) -> pd.DataFrame:
    return built.datasets["ADAE"].set_index(["USUBJID", "AESEQ"])


def _value(frame, key, var):
    value = frame.loc[key, var]
    return None if (value is None or (isinstance(value, float) and math.isnan(value))) else value


def test_adsl_has_the_randomized_subjects_only(adsl):
    assert list(adsl.index) == [A, B, C]


@pytest.mark.parametrize("var, expected", [
    ("AGEGR1", {A: "<30", B: ">=40", C: "30-39"}),
    ("AGEGR1N", {A: 1, B: 3, C: 2}),
    ("TRT01P", {A: "Alemtuzumab 12 mg", B: "SC IFNB-1a 44 ug", C: "Alemtuzumab 24 mg"}),
    ("TRT01AN", {A: 2, B: 1, C: None}),
    ("RANDDT", {A: 18251, B: 18287, C: 18322}),
    ("TRTSDT", {A: 18263, B: 18303, C: None}),
    ("TRTEDT", {A: 18632, B: 18473, C: None}),
    ("TRTDURD", {A: 370, B: 171, C: None}),
    ("TRTSTMF", {A: "H", B: "H", C: None}),
    ("NCOURSE", {A: 2, B: 0, C: 0}),
    ("CRS1SDT", {A: 18263, B: None, C: None}),
    ("CRS2SDT", {A: 18630, B: None, C: None}),
    ("CRS3SDT", {A: None, B: None, C: None}),
    ("RANDFL", {A: "Y", B: "Y", C: "Y"}),
    ("SAFFL", {A: "Y", B: "Y", C: "N"}),
    ("A12FL", {A: "Y", B: "N", C: "N"}),
    ("LTCFL", {A: "Y", B: "N", C: "N"}),
    ("DISCGRFL", {A: "N", B: "N", C: "N"}),
    ("EXT1SDT", {A: 20240, B: None, C: None}),
    ("EXT2SDT", {A: 20821, B: None, C: None}),
    ("COREEDT", {A: 19368, B: 18520, C: 18326}),
    ("CORESTT", {A: "COMPLETED", B: "DISCONTINUED", C: "DISCONTINUED"}),
    ("COREREAS", {A: None, B: "DEATH", C: "WITHDRAWAL BY SUBJECT"}),
    ("EXT1STT", {A: "COMPLETED", B: None, C: None}),
    ("EXT1EDT", {A: 20820, B: None, C: None}),
    ("EXT2STT", {A: "ONGOING", B: None, C: None}),
    ("EOSSTT", {A: "ONGOING", B: "DISCONTINUED", C: "DISCONTINUED"}),
    ("EOSDT", {A: None, B: 18520, C: 18326}),
    ("DCSREAS", {A: None, B: "DEATH", C: "WITHDRAWAL BY SUBJECT"}),
    ("DTHFL", {A: None, B: "Y", C: None}),
    ("DTHDT", {A: None, B: 18520, C: None}),
    ("DTHCAUS", {A: None, B: "MYOCARDIAL INFARCTION", C: None}),
    ("LSTALVDT", {A: 21365, B: 18520, C: 18326}),
    ("DCUTDT", {A: 21549, B: 21549, C: 21549}),
    ("BEDSS", {A: 2.75, B: None, C: None}),       # two scores on the baseline day: their mean
    ("BEDSSGR1", {A: ">=2", B: None, C: None}),
    ("RLPS1Y", {A: 1, B: 0, C: None}),            # CE 2009-06-01 (214 days before)
    ("RLPS2Y", {A: 2, B: 0, C: None}),            # + MH history 2008-03-15 (657 days before)
    ("MSONDT", {A: 17332, B: None, C: None}),    # "2007-06" imputed to the 15th
    ("ODMTFL", {A: "Y", B: "N", C: "N"}),
])
def test_adsl_values(adsl, var, expected):
    assert {k: _value(adsl, k, var) for k in expected} == expected


def test_adsl_disease_duration(adsl):
    assert adsl.loc[A, "DISDURY"] == pytest.approx(931 / 365.25)


@pytest.mark.parametrize("var, expected", [
    # A: infusions 18263-18267 (course 1) and 18630-18632 (course 2)
    ("ASTDT", {1: 18263, 2: 18269, 3: 18270, 4: 18251, 5: 18631, 6: 18628}),
    ("ASTDTF", {1: "D", 2: None, 3: None, 4: None, 5: None, 6: "M"}),
    ("AENDT", {1: 18265, 2: 18269, 3: None, 4: 18252, 5: 18647, 6: 18629}),
    ("ASTDY", {1: 1, 2: 7, 3: 8, 4: -12, 5: 369, 6: 366}),
    ("ADURN", {1: 3, 2: 1, 3: None, 4: 2, 5: 17, 6: 2}),
    ("ADURU", {1: "DAYS", 3: None}),
    ("TRTEMFL", {1: "Y", 2: "Y", 3: "Y", 4: None, 5: "Y", 6: "Y"}),
    ("AYEAR", {1: 1, 2: 1, 3: 1, 4: None, 5: 2, 6: 1}),   # 6: day 365 < 365.25 is Year 1
    ("ACRSN", {1: 1, 2: 1, 3: 1, 4: None, 5: 2, 6: 1}),
    ("DSLINF", {1: 0, 2: 2, 3: 3, 4: None, 5: 0, 6: 361}),  # 5: on an infusion day
    ("IARFL", {1: "Y", 2: "Y", 3: None, 4: None, 5: "Y", 6: None}),
    ("CQ01NAM", {3: "THYROID DISORDERS", 1: None}),
    ("CQ04NAM", {5: "INFECTIONS", 6: "INFECTIONS", 3: None}),
    ("CQ05NAM", {5: "SERIOUS INFECTIONS", 6: None}),
    ("ASEVFL", {5: "Y", 6: None}),
    ("ASERFL", {5: "Y", 6: None}),
    ("AOCCFL", {1: "Y", 2: None, 3: None, 4: None, 5: None, 6: None}),
    ("AOCCSFL", {1: "Y", 2: None, 3: "Y", 4: None, 5: None, 6: "Y"}),
    ("AOCCPFL", {1: "Y", 2: "Y", 3: "Y", 4: None, 5: None, 6: "Y"}),
    ("AOCCYFL", {1: "Y", 2: None, 3: None, 4: None, 5: "Y", 6: None}),
    ("AOCSYFL", {1: "Y", 2: None, 3: "Y", 4: None, 5: "Y", 6: "Y"}),
    ("AOCPYFL", {1: "Y", 2: "Y", 3: "Y", 4: None, 5: "Y", 6: "Y"}),
])
def test_adae_values_subject_a(adae, var, expected):
    assert {seq: _value(adae, (A, float(seq)), var) for seq in expected} == expected


@pytest.mark.parametrize("var, expected", [
    # B: first dose 18303 (2010-02-10), death 18520 (2010-09-15)
    ("ASTDT", {1: 18506, 2: 18494, 3: 18303}),   # 3: "2010-02" raised to first dose
    ("ASTDTF", {1: "D", 2: None, 3: "D"}),
    ("AENDT", {1: None, 2: 18520, 3: 18321}),    # 2: "2010-09" -> 09-30, capped at death
    ("AENDTF", {1: None, 2: "D", 3: None}),
    ("TRTEMFL", {1: "Y", 2: "Y", 3: "Y"}),
    ("ACRSN", {1: None, 2: None, 3: None}),      # no alemtuzumab
    ("IARFL", {1: None, 2: None, 3: None}),
])
def test_adae_values_subject_b(adae, var, expected):
    assert {seq: _value(adae, (B, float(seq)), var) for seq in expected} == expected


def test_adae_keeps_adsl_variables(adae):
    assert adae.loc[(A, 1.0), "TRT01A"] == "Alemtuzumab 12 mg"
    assert adae.loc[(B, 1.0), "SAFFL"] == "Y"
    assert adae.loc[(A, 1.0), "AETERM"] == "PYREXIA"


def test_missing_domain_is_reported_by_name():
    sdtm = mini_sdtm()
    del sdtm["EX"]
    with pytest.raises(InputError) as err:
        derive_all(load_checked_spec("specs/camms223"), sdtm, only=["ADSL"])
    assert "EX" in str(err.value)


def test_unparseable_date_names_dataset_variable_and_record():
    sdtm = mini_sdtm()
    sdtm["AE"].loc[2, "AESTDTC"] = "2010-02-30"
    with pytest.raises(InputError) as err:
        derive_all(load_checked_spec("specs/camms223"), sdtm, only=["ADSL", "ADAE"])
    text = str(err.value)
    assert "AESTDTC" in text and A in text and "2010-02-30" in text


def test_subject_outside_dm_is_an_error():
    sdtm = mini_sdtm()
    sdtm["AE"].loc[0, "USUBJID"] = "CAMMS223-999-999"
    with pytest.raises(InputError) as err:
        derive_all(load_checked_spec("specs/camms223"), sdtm, only=["ADSL", "ADAE"])
    assert "CAMMS223-999-999" in str(err.value)


def test_duplicate_sequence_is_an_error():
    sdtm = mini_sdtm()
    sdtm["AE"].loc[1, "AESEQ"] = 1.0
    with pytest.raises(InputError) as err:
        derive_all(load_checked_spec("specs/camms223"), sdtm, only=["ADSL", "ADAE"])
    assert "AESEQ" in str(err.value)


def test_end_before_start_is_an_error():
    sdtm = mini_sdtm()
    sdtm["AE"].loc[0, "AEENDTC"] = "2009-01-01"
    sdtm["AE"].loc[0, "AESTDTC"] = "2010-01-02"
    with pytest.raises(InputError) as err:
        derive_all(load_checked_spec("specs/camms223"), sdtm, only=["ADSL", "ADAE"])
    assert "AEENDTC" in str(err.value)


def test_partial_dates_are_warnings_in_the_run_report(built):
    partial = [w for w in built.warnings if w.dataset == "AE" and w.variable == "AESTDTC"]
    assert len(partial) == 4 and all(w.severity == "warning" for w in partial)
