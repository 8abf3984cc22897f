"""Study days, durations, analysis windows, periods and courses."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from adam.derive import (
    course_table, derive_var_analysis_window, derive_var_course, derive_var_period, derive_vars_courses,
    derive_vars_duration, derive_vars_dy,
)
from adam.errors import InputError


def test_dy_has_no_day_zero():
    df = pd.DataFrame({"ADT": [100.0, 101.0, 99.0, np.nan], "AENDT": [100.0, 50.0, np.nan, 200.0],
                       "TRTSDT": 100.0})
    out = derive_vars_dy(df, source_vars=["ADT", "AENDT"])
    np.testing.assert_array_equal(out["ADY"].to_numpy(), [1, 2, -1, np.nan])
    np.testing.assert_array_equal(out["AENDY"].to_numpy(), [1, -50, np.nan, 101])
    dtm = pd.DataFrame({"ASTDTM": [100 * 86400.0 + 3600], "TRTSDT": [100.0]})
    assert derive_vars_dy(dtm, source_vars=["ASTDTM"])["ASTDY"].tolist() == [1.0]
    out = derive_vars_dy(df, source_vars={"VISDY": "ADT"})
    assert out["VISDY"].tolist()[:3] == [1.0, 2.0, -1.0]


def test_dy_bad_arguments():
    with pytest.raises(InputError) as err:
        derive_vars_dy(pd.DataFrame({"ADT": ["x"], "ADY": [1]}), source_vars=["ADT", "VISIT"])
    text = str(err.value)
    assert "column TRTSDT not found" in text and "cannot name the day variable for VISIT" in text
    assert "column ADT must be numeric" in text and "column ADY already exists" in text


def test_duration_units():
    df = pd.DataFrame({"S": [100.0, 100.0, 0.0, np.nan, 0.0], "E": [100.0, 99.0, 364.0, 3.0, 6.0]})
    out = derive_vars_duration(df, "D", "S", "E", new_var_unit="U")
    np.testing.assert_array_equal(out["D"].to_numpy(), [1, -1, 365, np.nan, 7])
    assert out["U"].fillna("-").tolist() == ["DAYS", "DAYS", "DAYS", "-", "DAYS"]
    out = derive_vars_duration(df, "D", "S", "E", out_unit="weeks", add_one=False)
    np.testing.assert_allclose(out["D"].to_numpy(), [0, -1 / 7, 52, np.nan, 6 / 7])
    out = derive_vars_duration(df, "AGE", "S", "E", out_unit="years", trunc_out=True)
    np.testing.assert_array_equal(out["AGE"].to_numpy(), [0, -0.0, 0, np.nan, 0])
    age = derive_vars_duration(pd.DataFrame({"BRTHDT": [0.0], "RFSTDT": [365.25 * 40 + 1]}), "AGE", "BRTHDT",
                               "RFSTDT", out_unit="years", add_one=False, trunc_out=True)
    assert age["AGE"].tolist() == [40.0]
    sec = pd.DataFrame({"S": [86400.0 * 10 + 80000], "E": [86400.0 * 12 + 100]})
    out = derive_vars_duration(sec, "D", "S", "E", in_unit="seconds", floor_in=True)
    assert out["D"].tolist() == [3.0]  # days 10..12 inclusive
    with pytest.raises(InputError) as err:
        derive_vars_duration(df, "S", "S", "X", out_unit="fortnights")
    text = str(err.value)
    assert "column X not found" in text and "out_unit must be one of" in text and "S already exists" in text


WINDOWS = [(4, "Week 4", 29, 15, 42), (12, "Week 12", 85, 43, 126)]


def test_analysis_window_assignment_and_selection():
    df = pd.DataFrame({
        "USUBJID": "1", "PARAMCD": "X",
        "ADY": [25.0, 33.0, 50.0, np.nan, 30.0, 200.0, 85.0, 85.0],
        "AVAL": [1.0, 2.0, 3.0, 4.0, np.nan, 5.0, 6.0, 7.0],
    })
    out = derive_var_analysis_window(df, WINDOWS)
    np.testing.assert_array_equal(out["AVISITN"].to_numpy(), [4, 4, 12, np.nan, 4, np.nan, 12, 12])
    assert out["AVISIT"].fillna("-").tolist() == ["Week 4", "Week 4", "Week 12", "-", "Week 4", "-", "Week 12",
                                                  "Week 12"]
    np.testing.assert_array_equal(out["AWTDIFF"].to_numpy(), [4, 4, 35, np.nan, 1, np.nan, 0, 0])
    np.testing.assert_array_equal(out["AWLO"].to_numpy(), [15, 15, 43, np.nan, 15, np.nan, 43, 43])
    # day 30 is closest but has no value; 25 and 33 tie at 4 days, the later wins; day 85 twice: first row
    assert out["ANL01FL"].fillna("-").tolist() == ["-", "Y", "-", "-", "-", "-", "Y", "-"]
    out = derive_var_analysis_window(df, pd.DataFrame(WINDOWS, columns=["AVISITN", "AVISIT", "AWTARGET", "AWLO",
                                                                        "AWHI"]), tie="earlier", value=None)
    assert out["ANL01FL"].fillna("-").tolist() == ["-", "-", "-", "-", "Y", "-", "Y", "-"]
    out = derive_var_analysis_window(df, WINDOWS, select="first")
    assert out["ANL01FL"].fillna("-").tolist() == ["Y", "-", "Y", "-", "-", "-", "-", "-"]
    out = derive_var_analysis_window(df, WINDOWS, select="last")
    assert out["ANL01FL"].fillna("-").tolist() == ["-", "Y", "-", "-", "-", "-", "Y", "-"]


def test_analysis_window_flag_per_subject_and_without_flag():
    df = pd.DataFrame({
        "USUBJID": pd.Series(["2", "1", "2", "1", None, None], dtype="str"), "PARAMCD": "X",
        "ADY": [29.0, 29.0, 30.0, 33.0, 29.0, 31.0],
        "AVAL": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
    })
    # per subject the closest to day 29 in Week 4; the two missing-USUBJID records are one group
    out = derive_var_analysis_window(df, WINDOWS)
    assert out["ANL01FL"].fillna("-").tolist() == ["Y", "Y", "-", "-", "Y", "-"]
    out = derive_var_analysis_window(df.assign(ANL01FL="x"), WINDOWS, flag_var=None)
    assert out["ANL01FL"].tolist() == ["x"] * 6  # no flag: an existing column of that name is fine
    assert out["AVISITN"].tolist() == [4.0] * 6


def test_analysis_window_bad_windows():
    df = pd.DataFrame({"USUBJID": "1", "PARAMCD": "X", "ADY": [1.0], "AVAL": [1.0]})
    with pytest.raises(InputError) as err:
        derive_var_analysis_window(df, [(4, "W4", 50, 15, 42), (12, "W12", 85, 40, 126), (12, "W12b", 200, 150,
                                                                                             220)])
    text = str(err.value)
    assert "AVISITN=4 needs AWLO <= AWTARGET <= AWHI" in text
    assert "windows AVISITN=4 and 12 overlap" in text
    assert "AVISITN values must be unique" in text
    with pytest.raises(InputError) as err:
        derive_var_analysis_window(df.assign(AVISIT="x"), WINDOWS, select="nearest", day_var="STUDYDAY")
    text = str(err.value)
    assert "AVISIT already exists" in text and "select must be one of" in text and "STUDYDAY not found" in text


def test_period_years_from_first_dose():
    df = pd.DataFrame({"ADT": [0.0, 365.0, 366.0, 730.0, 731.0, -1.0, np.nan, 4000.0], "TRTSDT": 0.0})
    out = derive_var_period(df)
    np.testing.assert_array_equal(out["APERIOD"].to_numpy(), [1, 1, 2, 2, 3, np.nan, np.nan, 11])
    out = derive_var_period(df, new_var="AYEAR", max_period=10)
    assert np.isnan(out["AYEAR"].iloc[7])
    with pytest.raises(InputError) as err:
        derive_var_period(df, length_days=0, max_period=0)
    text = str(err.value)
    assert "length_days must be positive" in text and "max_period must be a positive integer" in text


EX = pd.DataFrame({
    "USUBJID": ["1"] * 8 + ["2", "2"],
    "EXSTDT": [367.0, 0.0, 1.0, 2.0, 3.0, 4.0, 365.0, 366.0, 10.0, np.nan],
    "EXCRS": ["B", "A", "A", "A", "A", "A", "B", "B", "Z", "Z"],
})


def test_courses_by_gap_and_by_id():
    out = derive_vars_courses(EX)
    np.testing.assert_array_equal(out["COURSEN"].to_numpy(), [2, 1, 1, 1, 1, 1, 2, 2, 1, np.nan])
    np.testing.assert_array_equal(out["CRSSTDT"].to_numpy(), [365, 0, 0, 0, 0, 0, 365, 365, 10, np.nan])
    np.testing.assert_array_equal(out["CRSENDT"].to_numpy(), [367, 4, 4, 4, 4, 4, 367, 367, 10, np.nan])
    assert derive_vars_courses(EX, gap_days=400)["COURSEN"].tolist()[:8] == [1.0] * 8
    by_id = derive_vars_courses(EX, course_id="EXCRS", gap_days=1000)
    np.testing.assert_array_equal(by_id["COURSEN"].to_numpy(), [2, 1, 1, 1, 1, 1, 2, 2, 1, np.nan])
    table = course_table(EX)
    assert table.to_dict("list") == {"USUBJID": ["1", "1", "2"], "COURSEN": [1.0, 2.0, 1.0],
                                     "CRSSTDT": [0.0, 365.0, 10.0], "CRSENDT": [4.0, 367.0, 10.0],
                                     "CRSNDAY": [5, 3, 1]}


def test_course_of_events_and_days_since_infusion():
    ev = pd.DataFrame({"USUBJID": ["1", "1", "1", "1", "1", "2", "3", "1"],
                       "ASTDT": [-5.0, 2.0, 6.0, 364.0, 368.0, 10.0, 0.0, np.nan]})
    out = derive_var_course(ev, EX)
    np.testing.assert_array_equal(out["COURSEN"].to_numpy(), [np.nan, 1, 1, 1, 2, 1, np.nan, np.nan])
    np.testing.assert_array_equal(out["DAYSLINF"].to_numpy(), [np.nan, 0, 2, 360, 1, 0, np.nan, np.nan])
    with pytest.raises(InputError) as err:
        derive_var_course(ev, EX.drop(columns="EXSTDT"), gap_days=-1, new_var="ASTDT")
    text = str(err.value)
    assert "exposure / EXSTDT" in text or "column EXSTDT not found" in text
    assert "gap_days must be a non-negative number" in text and "ASTDT already exists" in text


def test_datetime64_dates_are_rejected_with_a_hint():
    df = pd.DataFrame({"ADT": pd.to_datetime(["2020-01-01"]), "TRTSDT": [21915.0]})
    with pytest.raises(InputError, match="ADT must be numeric .SAS date., found dtype datetime64.* to_sas_date"):
        derive_vars_dy(df)
