"""The CDISC pilot study module on a hand-made three-subject SDTM, and its generic helpers.

Each subject is chosen for an edge case of the pilot's define.xml:

- P1 (Xanomeline High Dose): completes; titrated dose 54 / 81 / 54 mg between visits 4 and 12;
  AEs in mixed case, an excluded skin term, a month-only and a year-only start date.
- P2 (Placebo): stops for an AE at visit 5 with no final EXENDTC (TRTEDT from DS); a
  pre-treatment AE only, so ADTTE is censored at RFENDT.
- P3 (Xanomeline Low Dose): entry criteria not met at visit 3, no final EXENDTC (TRTEDT stays
  missing: the discontinuation is not after visit 3).
- P4: a screen failure coded 'scrnfail' (lower case): not in ADSL.

Every expected value was worked out by hand from the rows below and the method texts in
specs/cdiscpilot/methods.yaml. SAS dates are days since 1960-01-01 (see ``sas``).
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from adam.derive import (derive_var_codelist_map, derive_var_interval_dose,
                                               derive_var_pooled_group)
from adam.errors import InputError
from adam.pipeline import derive_all, load_checked_spec
from adam.spec.model import Codelist, CodelistItem

P1, P2, P3, P4 = (f"01-00{1 + i // 2}-000{i + 1}" for i in range(4))
SPEC = "specs/cdiscpilot"


def sas(iso: str) -> float:
    return float((dt.date.fromisoformat(iso) - dt.date(1960, 1, 1)).days)


def _frame(domain: str, rows: list[dict], seq: bool = True) -> pd.DataFrame:
    df = pd.DataFrame(rows)
    df.insert(0, "STUDYID", "CDISCPILOT01")
    df.insert(1, "DOMAIN", domain)
    if seq:
        df[f"{domain}SEQ"] = df.groupby("USUBJID").cumcount() + 1.0
    return df


def _dm(usubjid, site, age, race, armcd, arm, rfst, rfen):
    return dict(USUBJID=usubjid, SUBJID=usubjid[-4:], SITEID=site, AGE=float(age), AGEU="YEARS",
                SEX="F", RACE=race, ETHNIC="NOT HISPANIC OR LATINO", ARMCD=armcd, ARM=arm,
                ACTARM=arm, DTHFL=None, RFSTDTC=rfst, RFENDTC=rfen)


def _ae(usubjid, seq, decod, bodsys, start, end=None, ser="N"):
    return dict(USUBJID=usubjid, AESEQ=float(seq), AETERM=decod, AELLT=decod, AELLTCD=None,
                AEDECOD=decod, AEPTCD=None, AEHLT=None, AEHLTCD=None, AEHLGT=None,
                AEHLGTCD=None, AEBODSYS=bodsys, AESOC=bodsys, AESOCCD=None, AESEV="MILD",
                AESER=ser, AESCAN="N", AESCONG="N", AESDISAB="N", AESDTH="N", AESHOSP="N",
                AESLIFE="N", AESOD="N", AEREL="NONE", AEACN=None, AEOUT="RECOVERED/RESOLVED",
                AESTDTC=start, AEENDTC=end)


SKIN = "SKIN AND SUBCUTANEOUS TISSUE DISORDERS"


def mini_sdtm() -> dict[str, pd.DataFrame]:
    dm = _frame("DM", [
        _dm(P1, "001", 64, "WHITE", "Xan_Hi", "Xanomeline High Dose", "2020-01-08", "2020-07-01"),
        _dm(P2, "001", 65, "BLACK OR AFRICAN AMERICAN", "Pbo", "Placebo", "2020-02-01",
            "2020-02-21"),
        _dm(P3, "002", 81, "WHITE", "Xan_Lo", "Xanomeline Low Dose", "2020-02-20", "2020-03-01"),
        _dm(P4, "002", 70, "WHITE", "scrnfail", "Screen Failure", None, None),
    ], seq=False)
    sv = _frame("SV", [dict(USUBJID=u, VISITNUM=float(v), SVSTDTC=d) for u, v, d in (
        (P1, 1, "2020-01-01"), (P1, 3, "2020-01-08"), (P1, 4, "2020-01-22"), (P1, 8, "2020-03-04"),
        (P1, 10, "2020-04-29"), (P1, 12, "2020-06-24"), (P1, 13, "2020-07-01"),
        (P2, 1, "2020-01-25"), (P2, 3, "2020-02-01"), (P2, 4, "2020-02-14"),
        (P3, 1, "2020-02-13"), (P3, 3, "2020-02-20"),
        (P4, 1, "2020-01-05"))], seq=False)
    ex = _frame("EX", [dict(USUBJID=u, EXDOSE=dose, EXSTDTC=s, EXENDTC=e) for u, dose, s, e in (
        (P1, 54.0, "2020-01-08", "2020-01-21"), (P1, 81.0, "2020-01-22", "2020-06-23"),
        (P1, 54.0, "2020-06-24", "2020-07-01"),
        (P2, 0.0, "2020-02-01", None),
        (P3, 54.0, "2020-02-20", None))])
    ds = _frame("DS", [dict(USUBJID=u, DSCAT=c, DSDECOD=d, DSTERM=t, VISITNUM=float(v), DSSTDTC=s)
                       for u, c, d, t, v, s in (
        (P1, "DISPOSITION EVENT", "COMPLETED", "PROTOCOL COMPLETED", 13, "2020-07-01"),
        (P1, "OTHER EVENT", "FINAL LAB VISIT", "FINAL LAB VISIT", 13, "2020-07-01"),
        (P2, "DISPOSITION EVENT", "ADVERSE EVENT", "ADVERSE EVENT", 5, "2020-02-20"),
        (P3, "DISPOSITION EVENT", "PROTOCOL VIOLATION", "PROTOCOL ENTRY CRITERIA NOT MET", 3,
         "2020-03-01"),
        (P4, "DISPOSITION EVENT", "SCREEN FAILURE", "SCREEN FAILURE", 1, "2020-01-05"))])
    mh = _frame("MH", [dict(USUBJID=u, MHCAT=c, MHSTDTC=s) for u, c, s in (
        (P1, "PRIMARY DIAGNOSIS", "2018-01-01"), (P1, "HISTORICAL DIAGNOSIS", "2001"),
        (P2, "PRIMARY DIAGNOSIS", "2019-06-15"), (P3, "PRIMARY DIAGNOSIS", "2015-02-13"))])
    sc = _frame("SC", [dict(USUBJID=u, SCTESTCD="EDLEVEL", SCSTRESN=float(y))
                       for u, y in ((P1, 16), (P2, 12), (P3, 8))])
    ae = _frame("AE", [
        _ae(P1, 1, "Application Site Erythema", "General Disorders And Administration Site "
            "Conditions", "2020-01-10", "2020-01-12"),
        _ae(P1, 2, "HYPERHIDROSIS", SKIN, "2020-01-09"),
        _ae(P1, 3, "RASH", SKIN, "2020-02", "2020-02-10"),
        _ae(P1, 4, "COUGH", "RESPIRATORY, THORACIC AND MEDIASTINAL DISORDERS", "2019"),
        _ae(P2, 1, "DIARRHOEA", "GASTROINTESTINAL DISORDERS", "2020-01-25", "2020-01-27"),
    ], seq=False)
    return {"DM": dm, "SV": sv, "EX": ex, "DS": ds, "MH": mh, "SC": sc, "AE": ae}


@pytest.fixture(scope="module")
def spec():
    return load_checked_spec(SPEC)


@pytest.fixture(scope="module")
def built(spec):
    return derive_all(spec, mini_sdtm())


@pytest.fixture(scope="module")
def adsl(built):
    return built.datasets["ADSL"].set_index("USUBJID")


@pytest.fixture(scope="module")
def adae(built):
    return built.datasets["ADAE"].set_index(["USUBJID", "AESEQ"])


@pytest.fixture(scope="module")
def adtte(built):
    return built.datasets["ADTTE"].set_index("USUBJID")


def _is_null(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


# ----------------------------------------------------------------------------------- ADSL


def test_screen_failure_in_lower_case_is_not_in_adsl(adsl):
    assert list(adsl.index) == [P1, P2, P3]
    assert set(adsl["ITTFL"]) == {"Y"} and set(adsl["SAFFL"]) == {"Y"}


def test_treatment_codes_groups_and_race(adsl):
    assert adsl["TRT01PN"].tolist() == [81.0, 0.0, 54.0]
    assert adsl["TRT01A"].tolist() == adsl["TRT01P"].tolist()
    assert adsl["TRT01AN"].tolist() == [81.0, 0.0, 54.0]
    assert adsl["AGEGR1N"].tolist() == [1.0, 2.0, 3.0]          # 64, 65, 81
    assert adsl["AGEGR1"].tolist() == ["<65", "65-80", ">80"]
    assert adsl["RACEN"].tolist() == [1.0, 2.0, 1.0]
    # two subjects in site 001, one in 002: every site has < 3 in some arm -> pooled
    assert adsl["SITEGR1"].tolist() == ["900", "900", "900"]


def test_treatment_dates_from_sv_ex_and_ds(adsl):
    assert adsl.loc[P1, "TRTSDT"] == sas("2020-01-08")          # SV visit 3
    assert adsl.loc[P1, "TRTEDT"] == sas("2020-07-01")          # last EX record's EXENDTC
    assert adsl.loc[P1, "TRTDUR"] == 176
    # no final EXENDTC, disposition at visit 5 (> 3): the disposition date
    assert adsl.loc[P2, "TRTEDT"] == sas("2020-02-20")
    assert adsl.loc[P2, "TRTDUR"] == 20
    # no final EXENDTC and the disposition is at visit 3: no last dose date
    assert _is_null(adsl.loc[P3, "TRTEDT"]) and _is_null(adsl.loc[P3, "TRTDUR"])


def test_cumulative_dose_follows_the_titration(adsl):
    # 54 mg x 15 days (Jan 8 - Jan 22), 81 mg x 154 days (to Jun 24), 54 mg x 7 days (to Jul 1)
    assert adsl.loc[P1, "CUMDOSE"] == 54 * 15 + 81 * 154 + 54 * 7 == 13662
    assert adsl.loc[P1, "AVGDD"] == 77.6                          # 13662 / 176 = 77.625
    assert adsl.loc[P2, "CUMDOSE"] == 0 and adsl.loc[P2, "AVGDD"] == 0
    assert _is_null(adsl.loc[P3, "CUMDOSE"]) and _is_null(adsl.loc[P3, "AVGDD"])


def test_disposition_variables(adsl):
    assert adsl["DCDECOD"].tolist() == ["COMPLETED", "ADVERSE EVENT", "PROTOCOL VIOLATION"]
    assert adsl["DCREASCD"].tolist() == ["Completed", "Adverse Event", "I/E Not Met"]
    assert [_is_null(v) for v in adsl["DISCONFL"]] == [True, False, False]
    assert [_is_null(v) for v in adsl["DSRAEFL"]] == [True, False, True]
    assert adsl["VISNUMEN"].tolist() == [12.0, 5.0, 3.0]
    assert adsl["RFENDT"].tolist() == [sas("2020-07-01"), sas("2020-02-21"), sas("2020-03-01")]


def test_completer_flags(adsl):
    for flag in ("COMP8FL", "COMP16FL", "COMP24FL"):
        assert adsl[flag].tolist() == ["Y", "N", "N"], flag


def test_disease_duration_and_education(adsl):
    assert adsl.loc[P1, "DISONSDT"] == sas("2018-01-01")
    assert adsl.loc[P1, "DURDIS"] == 24.0       # (730 + 1) / 30.4375 = 24.016
    assert adsl.loc[P2, "DURDIS"] == 7.4        # (224 + 1) / 30.4375 = 7.392
    assert adsl.loc[P3, "DURDIS"] == 60.0       # (1826 + 1) / 30.4375 = 60.025
    assert adsl["DURDSGR1"].tolist() == [">=12", "<12", ">=12"]
    assert adsl["EDUCLVL"].tolist() == [16.0, 12.0, 8.0]
    assert adsl.loc[P1, "VISIT1DT"] == sas("2020-01-01")


# ----------------------------------------------------------------------------------- ADAE


def test_adae_dates_imputation_and_emergence(adae):
    assert adae.loc[(P1, 3), "ASTDT"] == sas("2020-02-01")       # '2020-02': day imputed
    assert adae.loc[(P1, 3), "ASTDTF"] == "D"
    assert _is_null(adae.loc[(P1, 4), "ASTDT"])                 # '2019': not imputed
    assert _is_null(adae.loc[(P1, 4), "TRTEMFL"])
    assert adae.loc[(P1, 1), "ASTDY"] == 3 and adae.loc[(P1, 1), "ADURN"] == 3
    assert adae.loc[(P1, 1), "ADURU"] == "DAY"
    assert _is_null(adae.loc[(P1, 2), "ADURU"])                 # no end date
    assert adae.loc[(P2, 1), "ASTDY"] == -7                      # Jan 25 vs Feb 1, no day 0
    assert _is_null(adae.loc[(P2, 1), "TRTEMFL"])
    assert [adae.loc[(P1, s), "TRTEMFL"] for s in (1, 2, 3)] == ["Y", "Y", "Y"]


def test_dermatologic_query_is_case_insensitive_and_excludes_terms(adae):
    cq = {key: adae.loc[key, "CQ01NAM"] for key in adae.index}
    assert cq[(P1, 1)] == "DERMATOLOGIC EVENTS"      # 'Application Site Erythema'
    assert _is_null(cq[(P1, 2)])                     # HYPERHIDROSIS excluded from the skin SOC
    assert cq[(P1, 3)] == "DERMATOLOGIC EVENTS"      # skin SOC
    assert _is_null(cq[(P1, 4)]) and _is_null(cq[(P2, 1)])


def test_first_occurrence_flags(adae):
    def flagged(var):
        return sorted(k for k in adae.index if adae.loc[k, var] == "Y")
    # TEAEs of P1: seq 2 (Jan 9), seq 1 (Jan 10), seq 3 (Feb 1)
    assert flagged("AOCCFL") == [(P1, 2)]
    assert flagged("AOCCSFL") == [(P1, 1), (P1, 2)]          # general disorders, skin
    assert flagged("AOCCPFL") == [(P1, 1), (P1, 2), (P1, 3)]
    assert flagged("AOCC01FL") == [(P1, 1)]                   # first dermatologic TEAE
    assert flagged("AOCC02FL") == []                          # no serious AE


# ---------------------------------------------------------------------------------- ADTTE


def test_adtte_event_and_censoring(adtte):
    assert list(adtte.index) == [P1, P2, P3]
    assert adtte["PARAMCD"].tolist() == ["TTDE"] * 3
    assert adtte["CNSR"].tolist() == [0.0, 1.0, 1.0]
    assert adtte.loc[P1, "ADT"] == sas("2020-01-10") and adtte.loc[P1, "AVAL"] == 3
    assert (adtte.loc[P1, "SRCDOM"], adtte.loc[P1, "SRCVAR"], adtte.loc[P1, "SRCSEQ"]) == \
        ("ADAE", "ASTDT", 1.0)
    assert adtte.loc[P1, "EVNTDESC"] == "Dematologic Event Occured"
    assert adtte.loc[P2, "ADT"] == sas("2020-02-21") and adtte.loc[P2, "AVAL"] == 21
    assert adtte.loc[P3, "AVAL"] == 11                        # Feb 20 - Mar 1 2020 (leap year)
    assert (adtte.loc[P2, "SRCDOM"], adtte.loc[P2, "SRCVAR"]) == ("ADSL", "RFENDT")
    assert _is_null(adtte.loc[P2, "SRCSEQ"])
    assert adtte.loc[P2, "EVNTDESC"] == "Study Completion Date"
    assert adtte.loc[P1, "TRTP"] == "Xanomeline High Dose"    # predecessor of ADSL.TRT01P


# ----------------------------------------------------------------------------- bad inputs


def _with(domain: str, column: str, row: int, value) -> dict[str, pd.DataFrame]:
    sdtm = mini_sdtm()
    frame = sdtm[domain].copy()
    frame.loc[row, column] = value
    sdtm[domain] = frame
    return sdtm


def test_race_outside_the_codelist_names_the_subject(spec):
    with pytest.raises(InputError) as err:
        derive_all(spec, _with("DM", "RACE", 1, "MULTIPLE"))
    text = str(err.value)
    assert "RACE value 'MULTIPLE' is not in codelist RACEN" in text and P2 in text


def test_disposition_without_a_reason_grouping_is_reported(spec):
    with pytest.raises(InputError) as err:
        derive_all(spec, _with("DS", "DSDECOD", 2, "NON-COMPLIANCE"))
    text = str(err.value)
    assert "NON-COMPLIANCE" in text and "discontinuation_reasons" in text and P2 in text


def test_invalid_ae_date_is_an_input_error(spec):
    with pytest.raises(InputError) as err:
        derive_all(spec, _with("AE", "AESTDTC", 0, "2020-13-01"))
    assert "AESTDTC" in str(err.value) and P1 in str(err.value)


def test_missing_domain_is_an_input_error(spec):
    sdtm = mini_sdtm()
    del sdtm["SV"]
    with pytest.raises(InputError) as err:
        derive_all(spec, sdtm)
    assert "SV" in str(err.value)


# -------------------------------------------------------------------------- generic helpers


RACEN = Codelist(id="RACEN", name="RACEN", type="integer", items=[
    CodelistItem(value="1", decode="WHITE"), CodelistItem(value="2", decode="ASIAN")])


def test_codelist_map_both_directions():
    df = pd.DataFrame({"RACE": ["WHITE", None, "ASIAN"], "RACEN": [2.0, 1.0, np.nan]})
    coded = derive_var_codelist_map(df.drop(columns="RACEN"), "X", "RACE", RACEN, to="value")
    assert coded["X"].tolist()[0] == 1.0 and math.isnan(coded["X"][1]) and coded["X"][2] == 2.0
    decoded = derive_var_codelist_map(df.drop(columns="RACE"), "Y", "RACEN", RACEN, to="decode")
    assert decoded["Y"].tolist()[:2] == ["ASIAN", "WHITE"] and _is_null(decoded["Y"][2])
    assert list(df.columns) == ["RACE", "RACEN"]                  # input untouched


def test_codelist_map_checks_arguments():
    df = pd.DataFrame({"RACE": ["WHITE"]})
    with pytest.raises(InputError, match="argument to"):
        derive_var_codelist_map(df, "X", "RACE", RACEN, to="both")
    with pytest.raises(InputError, match="column RACE already exists"):
        derive_var_codelist_map(df, "RACE", "RACE", RACEN)


def test_pooled_group_pools_sites_with_a_small_arm():
    df = pd.DataFrame({"SITEID": ["701"] * 7 + ["702"] * 6 + ["703"] * 4 + [None],
                       "TRT01P": list("AAABBBB") + list("ABBBBB") + list("AAAA") + ["A"]})
    out = derive_var_pooled_group(df, min_count=3, pooled_value="900")
    assert out["SITEGR1"].tolist()[:17] == ["701"] * 7 + ["900"] * 6 + ["900"] * 4
    assert _is_null(out["SITEGR1"].iloc[17])


def test_interval_dose_cases():
    df = pd.DataFrame({"TRTSDT": [1.0, 1.0, 1.0, 1.0, np.nan],
                       "TRTEDT": [10.0, 100.0, 180.0, 10.0, 50.0],
                       "V4": [14.0, 14.0, 14.0, np.nan, 14.0],
                       "V12": [168.0, 168.0, 168.0, np.nan, 168.0]})
    out = derive_var_interval_dose(df, interval_ends=["V4", "V12"], doses=[54, 81, 54])
    assert out["CUMDOSE"].tolist()[:4] == [540.0, 7722.0, 13878.0, 540.0]
    assert math.isnan(out["CUMDOSE"].iloc[4])
    with pytest.raises(InputError, match="one dose more than interval_ends"):
        derive_var_interval_dose(df, interval_ends=["V4", "V12"], doses=[54, 81])
