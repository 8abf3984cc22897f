"""Extreme, baseline, treatment-emergent, existence and joined (confirmed) flags."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from adam.derive import (
    derive_var_ablfl, derive_var_base_flag, derive_var_exist_flag, derive_var_extreme_flag,
    derive_var_joined_exist_flag, derive_var_trtemfl,
)
from adam.errors import InputError


def _f(series: pd.Series) -> list:
    return series.fillna("-").tolist()


def test_extreme_flag_first_last_desc_and_filter():
    df = pd.DataFrame({"USUBJID": ["1", "2", "1", "1"], "ADT": [20.0, 5.0, 10.0, np.nan],
                       "AVAL": [1.0, 2.0, 3.0, 4.0]}, index=[3, 2, 1, 0])
    out = derive_var_extreme_flag(df, ["USUBJID"], ["ADT"], "LASTFL", mode="last")
    # the missing date sorts last, so it is the last record of subject 1
    assert _f(out["LASTFL"]) == ["-", "Y", "-", "Y"]
    assert list(out.index) == [3, 2, 1, 0]
    out = derive_var_extreme_flag(df, ["USUBJID"], ["ADT"], "FIRSTFL", mode="first", false_value="N")
    assert out["FIRSTFL"].tolist() == ["N", "Y", "Y", "N"]
    out = derive_var_extreme_flag(df, ["USUBJID"], [("AVAL", "desc")], "MAXFL", mode="first",
                                  filter="ADT.notna()")
    assert _f(out["MAXFL"]) == ["-", "Y", "Y", "-"]


def test_extreme_flag_ties_and_bad_arguments():
    df = pd.DataFrame({"USUBJID": ["1", "1"], "ADT": [1.0, 1.0]})
    out = derive_var_extreme_flag(df, ["USUBJID"], ["ADT"], "FL", mode="first", check_type="none")
    assert _f(out["FL"]) == ["Y", "-"]
    out = derive_var_extreme_flag(df, ["USUBJID"], ["ADT"], "FL", mode="last", check_type="none")
    assert _f(out["FL"]) == ["-", "Y"]
    with pytest.raises(InputError, match="do not identify records; e.g. USUBJID=1, ADT=1"):
        derive_var_extreme_flag(df, ["USUBJID"], ["ADT"], "FL", check_type="error")
    with pytest.raises(InputError) as err:
        derive_var_extreme_flag(df, ["SUBJ"], [], "ADT", mode="middle", check_type="loud")
    text = str(err.value)
    assert "column SUBJ not found" in text and "order must name at least one column" in text
    assert "column ADT already exists" in text and "mode must be one of" in text
    assert "check_type must be one of" in text


# derive_var_base_flag docstring rows, plus a second subject
BASE = pd.DataFrame({
    "USUBJID": ["1", "1", "1", "1", "2", "2"],
    "PARAMCD": "EDSS",
    "ADT": [90.0, 100.0, 100.0, 120.0, 95.0, 99.0],
    "AVAL": [2.0, 2.5, np.nan, 3.0, 1.0, 1.5],
    "TRTSDT": [100.0, 100.0, 100.0, 100.0, 100.0, np.nan],
    "SEQ": [1, 2, 3, 4, 1, 2],
})


def test_base_flag_last_non_missing_on_or_before():
    out = derive_var_base_flag(BASE)
    assert _f(out["ABLFL"]) == ["-", "Y", "-", "-", "Y", "-"]  # subject 2's second record has no TRTSDT
    out = derive_var_ablfl(BASE, include_reference_date=False)
    assert _f(out["ABLFL"]) == ["Y", "-", "-", "-", "Y", "-"]


def test_base_flag_ties():
    df = BASE.assign(AVAL=[2.0, 2.5, 3.0, 3.0, 1.0, 1.5])
    with pytest.raises(InputError) as err:
        derive_var_base_flag(df)
    assert [p.record for p in err.value.problems] == ["USUBJID=1 SEQ=2", "USUBJID=1 SEQ=3"]
    assert err.value.problems[0].variable == "ADT"
    assert _f(derive_var_base_flag(df, ties="first")["ABLFL"]) == ["-", "Y", "-", "-", "Y", "-"]
    assert _f(derive_var_base_flag(df, ties="last")["ABLFL"]) == ["-", "-", "Y", "-", "Y", "-"]
    assert _f(derive_var_base_flag(df, tie_order=[("SEQ", "desc")])["ABLFL"]) == ["-", "Y", "-", "-", "Y", "-"]


def test_base_flag_bad_arguments():
    with pytest.raises(InputError) as err:
        derive_var_base_flag(BASE.assign(ADT="2020-01-01"), by_vars=["USUBJID", "VISIT"], ties="mean",
                             reference_date="REFDT")
    text = str(err.value)
    assert "column VISIT not found" in text and "column ADT must be numeric" in text
    assert "column REFDT not found" in text and "ties must be one of" in text


# derive_var_trtemfl docstring rows (TRTSDT 100, TRTEDT 200, end_window 30) and intensity cases
TEAE = pd.DataFrame({
    "ASTDT": [np.nan, 90.0, 100.0, 230.0, 231.0, 80.0, 80.0, 80.0, np.nan],
    "AENDT": [np.nan, 95.0, np.nan, np.nan, np.nan, np.nan, 110.0, 99.0, np.nan],
    "TRTSDT": [100.0] * 8 + [np.nan],
    "TRTEDT": 200.0,
    "AESEVI": "MILD",
    "AESEV": ["MILD", "MILD", "MILD", "MILD", "MILD", "SEVERE", "MILD", "SEVERE", "MILD"],
})


def test_trtemfl_cases_in_order():
    out = derive_var_trtemfl(TEAE, trt_end_date="TRTEDT", end_window=30)
    assert _f(out["TRTEMFL"]) == ["Y", "-", "Y", "Y", "-", "-", "-", "-", "-"]
    out = derive_var_trtemfl(TEAE)
    assert _f(out["TRTEMFL"]) == ["Y", "-", "Y", "Y", "Y", "-", "-", "-", "-"]
    out = derive_var_trtemfl(TEAE, initial_intensity="AESEVI", intensity="AESEV")
    # row 5: started before, ongoing, worsened -> Y; row 7 worsened but ended before treatment
    assert _f(out["TRTEMFL"]) == ["Y", "-", "Y", "Y", "Y", "Y", "-", "-", "-"]


def test_trtemfl_datetimes_and_bad_arguments():
    df = pd.DataFrame({"ASTDTM": [100 * 86400.0 + 3600], "AENDTM": [np.nan], "TRTSDTM": [100 * 86400.0 + 7200]})
    args = dict(start_date="ASTDTM", end_date="AENDTM", trt_start_date="TRTSDTM", datetime=True)
    assert derive_var_trtemfl(df, **args)["TRTEMFL"].tolist() == ["Y"]  # same day
    assert derive_var_trtemfl(df, ignore_time=False, **args)["TRTEMFL"].isna().all()  # an hour before
    with pytest.raises(InputError) as err:
        derive_var_trtemfl(TEAE, end_window=-1, initial_intensity="AESEVI")
    text = str(err.value)
    assert "end_window must be a non-negative number" in text and "needs trt_end_date" in text
    assert "must be given together" in text
    with pytest.raises(InputError, match="'FATAL' is not one of MILD, MODERATE, SEVERE"):
        derive_var_trtemfl(TEAE.assign(AESEV="FATAL"), initial_intensity="AESEVI", intensity="AESEV")


def test_exist_flag_record_and_group_level():
    df = pd.DataFrame({"USUBJID": ["1", "1", "2"], "AESER": ["N", "Y", None]})
    out = derive_var_exist_flag(df, "ANYSAE", "AESER == 'Y'", by_vars=["USUBJID"], false_value="N")
    assert out["ANYSAE"].tolist() == ["Y", "Y", "N"]
    out = derive_var_exist_flag(df, "SAEFL", lambda d: d["AESER"] == "Y")
    assert _f(out["SAEFL"]) == ["-", "Y", "-"]
    with pytest.raises(InputError, match="could not be evaluated"):
        derive_var_exist_flag(df, "X", "NOPE == 1")
    with pytest.raises(InputError, match="condition is required"):
        derive_var_exist_flag(df, "X", None)


# derive_var_joined_exist_flag: progression confirmed by a later PD at least 28 days on
JOINED = pd.DataFrame({
    "USUBJID": ["A", "A", "A", "B", "B", "B", "B", "C", "C"],
    "ADT": [0.0, 20.0, 30.0, 0.0, 20.0, 30.0, 60.0, 0.0, 50.0],
    "AVALC": ["PD", "PD", "PD", "PD", "SD", "PD", "PD", "PD", "PD"],
}).iloc[[8, 0, 3, 1, 4, 2, 5, 6, 7]]


def test_joined_exist_flag():
    pd_ = "AVALC == 'PD'"
    out = derive_var_joined_exist_flag(JOINED, ["USUBJID"], "CONFFL", condition=pd_, join_condition=pd_,
                                       between_condition=pd_, min_days=28, join_date_var="CONFDT",
                                       false_value="N")
    got = out.sort_values(["USUBJID", "ADT"])
    # A0 by A30 (A20 in between is PD); B0 broken by SD at 20; B30 by B60; C0 by C50
    assert got["CONFFL"].tolist() == ["Y", "N", "N", "N", "N", "Y", "N", "Y", "N"]
    np.testing.assert_array_equal(got["CONFDT"].to_numpy(),
                                  [30, np.nan, np.nan, np.nan, np.nan, 60, np.nan, 50, np.nan])
    assert list(out.index) == list(JOINED.index)
    out = derive_var_joined_exist_flag(JOINED, ["USUBJID"], "CONFFL", condition=pd_, join_condition=pd_,
                                       min_days=28, max_days=40)
    got = out.sort_values(["USUBJID", "ADT"])
    # no between rule: B0 now confirmed by B30; B30 by B60 (30 days); C0 not within 40 days
    assert _f(got["CONFFL"]) == ["Y", "-", "-", "Y", "-", "Y", "-", "-", "-"]


def test_joined_exist_flag_bad_arguments():
    with pytest.raises(InputError) as err:
        derive_var_joined_exist_flag(JOINED, ["USUBJID"], "ADT", min_days=-1, max_days=5, join_date_var="AVALC")
    text = str(err.value)
    assert "min_days must be a non-negative number" in text
    assert "new_var: column ADT already exists" in text and "join_date_var: column AVALC already exists" in text
    with pytest.raises(InputError, match="max_days \\(5\\) is below min_days \\(10\\)"):
        derive_var_joined_exist_flag(JOINED, ["USUBJID"], "X", min_days=10, max_days=5)
