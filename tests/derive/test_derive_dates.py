"""ISO 8601 parsing, date/datetime imputation and SAS numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from adam.derive import (
    derive_vars_dt, derive_vars_dtm, from_sas_date, from_sas_datetime, parse_dtc, to_sas_date, to_sas_datetime,
)
from adam.errors import InputError


def _flags(series: pd.Series) -> list:
    return series.astype(object).where(series.notna(), None).tolist()


def test_sas_date_conversions():
    assert to_sas_date("1960-01-01") == 0.0
    assert to_sas_date("2020-03-10") == 21984.0
    assert to_sas_date(pd.Timestamp("1959-12-31 13:00")) == -1.0
    assert np.isnan(to_sas_date(None))
    s = to_sas_date(pd.Series(["2000-01-01", None]))
    assert s.iloc[0] == 14610.0 and np.isnan(s.iloc[1])
    back = from_sas_date(pd.Series([14610.0, np.nan]))
    assert back.iloc[0] == pd.Timestamp("2000-01-01") and pd.isna(back.iloc[1])
    assert from_sas_date(0.0) == pd.Timestamp("1960-01-01")
    assert to_sas_datetime("1960-01-02T00:00:10") == 86410.0
    assert from_sas_datetime(86410.0) == pd.Timestamp("1960-01-02 00:00:10")
    dt = to_sas_datetime(pd.Series([pd.Timestamp("2003-05-17 10:30:15")]))
    assert dt.iloc[0] == 1368786615.0
    assert from_sas_datetime(dt).iloc[0] == pd.Timestamp("2003-05-17 10:30:15")


def test_parse_dtc_components():
    comps = parse_dtc(pd.Series(["2003", "2003-05", "2003-05-17", "2003-05-17T10:30", "2003-05-17T10:30:15.5",
                                 "2003---17", "2003-05-17T-:30", "", None, " 2003-05 "]))
    assert comps["year"].tolist()[:6] == [2003.0] * 6
    np.testing.assert_array_equal(comps["month"].to_numpy(), [np.nan, 5, 5, 5, 5, np.nan, 5, np.nan, np.nan, 5])
    np.testing.assert_array_equal(comps["day"].to_numpy(), [np.nan, np.nan, 17, 17, 17, np.nan, 17, np.nan,
                                                            np.nan, np.nan])
    np.testing.assert_array_equal(comps["hour"].to_numpy()[:7], [np.nan, np.nan, np.nan, 10, 10, np.nan, np.nan])
    np.testing.assert_array_equal(comps["minute"].to_numpy()[:7], [np.nan, np.nan, np.nan, 30, 30, np.nan, np.nan])
    assert comps["second"].iloc[4] == 15.5


def test_invalid_dates_reported_all_at_once():
    df = pd.DataFrame({
        "USUBJID": ["01", "02", "03", "04", "05", "06"],
        "AESEQ": [1, 2, 3, 4, 5, 6],
        "AESTDTC": ["2003-02-30", "2003-13", "yesterday", "2003-05-17T24:00", "2004-02-29", "2003-02-29"],
    })
    with pytest.raises(InputError) as err:
        derive_vars_dt(df, dataset_name="AE")
    problems = err.value.problems
    assert [p.record for p in problems] == ["USUBJID=01 AESEQ=1", "USUBJID=02 AESEQ=2", "USUBJID=03 AESEQ=3",
                                            "USUBJID=04 AESEQ=4", "USUBJID=06 AESEQ=6"]
    assert all(p.dataset == "AE" and p.variable == "AESTDTC" for p in problems)
    assert "day out of range" in problems[0].message and "'2003-02-30'" in problems[0].message
    assert "month out of range" in problems[1].message
    assert "not an ISO 8601" in problems[2].message
    assert "hour out of range" in problems[3].message


# Example rows of derive_vars_dt's docstring (TRTSDT 2020-03-10 = 21984)
DT = pd.DataFrame({
    "AESTDTC": ["", "2020-03-15", "2020-03", "2020", "2019-05", "2020---17"],
    "TRTSDT": 21984.0,
})


def test_derive_vars_dt_min_dates():
    out = derive_vars_dt(DT, highest_imputation="M", min_dates="TRTSDT")
    np.testing.assert_array_equal(out["ASTDT"].to_numpy(), [np.nan, 21989, 21984, 21984, 21670, 21984])
    assert _flags(out["ASTDTF"]) == [None, None, "D", "M", "D", "M"]
    assert list(out.columns) == ["AESTDTC", "TRTSDT", "ASTDT", "ASTDTF"]


def test_derive_vars_dt_imputation_levels_and_rules():
    out = derive_vars_dt(DT, highest_imputation="n")
    np.testing.assert_array_equal(out["ASTDT"].to_numpy(), [np.nan, 21989, np.nan, np.nan, np.nan, np.nan])
    assert "ASTDTF" not in out.columns  # auto: no flag without imputation
    out = derive_vars_dt(DT, highest_imputation="D", date_imputation="mid", flag_imputation="date")
    # 2020-03-15; 2019-05-15; year-only dates are not imputed at level D
    np.testing.assert_array_equal(out["ASTDT"].to_numpy(), [np.nan, 21989, 21989, np.nan, 21684, np.nan])
    assert _flags(out["ASTDTF"]) == [None, None, "D", None, "D", None]
    out = derive_vars_dt(DT, highest_imputation="M", date_imputation="last")
    # 2020-03-31, 2020-12-31, 2019-05-31
    np.testing.assert_array_equal(out["ASTDT"].to_numpy(), [np.nan, 21989, 22005, 22280, 21700, 22280])
    out = derive_vars_dt(DT, highest_imputation="M", date_imputation="mid", flag_imputation="none")
    # year only: 2020-06-30 = 22096
    assert out["ASTDT"].tolist()[3] == 22096.0 and "ASTDTF" not in out.columns
    out = derive_vars_dt(DT, highest_imputation="M", date_imputation="02-31")
    # explicit MM-DD, day capped at the month's length: 2020-02-29 = 21974
    assert out["ASTDT"].tolist()[3] == 21974.0


def test_derive_vars_dt_max_dates_cap_and_year_imputation():
    df = pd.DataFrame({"AEENDTC": ["2020", "2020-03", "2019", ""], "DTHDT": 21984.0, "TRTSDT": 21900.0})
    out = derive_vars_dt(df, new_vars_prefix="AEN", dtc="AEENDTC", highest_imputation="Y",
                         date_imputation="last", max_dates=["DTHDT"])
    # 2020-12-31 and 2020-03-31 capped at death 2020-03-10; 2019-12-31 untouched; missing -> death date
    np.testing.assert_array_equal(out["AENDT"].to_numpy(), [21984, 21984, 21914, 21984])
    assert _flags(out["AENDTF"]) == ["M", "D", "M", "Y"]
    out = derive_vars_dt(df, new_vars_prefix="AEN", dtc="AEENDTC", highest_imputation="Y",
                         date_imputation="first", min_dates=["TRTSDT"])
    # 2020 -> 2020-01-01 (TRTSDT 2019-12-17 is outside 2020); 2019 -> raised to TRTSDT; missing -> TRTSDT
    np.testing.assert_array_equal(out["AENDT"].to_numpy(), [21915, 21975, 21900, 21900])


def test_derive_vars_dt_bad_arguments():
    df = pd.DataFrame({"AESTDTC": [1.0], "TRTSDT": ["2020-01-01"]})
    with pytest.raises(InputError) as err:
        derive_vars_dt(df, highest_imputation="X", date_imputation="13-01", min_dates="TRTSDT",
                       max_dates="NOPE", flag_imputation="both")
    text = str(err.value)
    assert "column AESTDTC must be ISO 8601 character" in text
    assert "argument highest_imputation must be one of" in text
    assert "argument date_imputation must be" in text
    assert "argument min_dates: column TRTSDT must be numeric (SAS date)" in text
    assert "argument max_dates: column NOPE not found" in text
    assert "argument flag_imputation must be one of" in text
    with pytest.raises(InputError, match="needs min_dates"):
        derive_vars_dt(pd.DataFrame({"AESTDTC": ["2020"]}), highest_imputation="Y")


DTM = pd.DataFrame({
    "AESTDTC": ["2003-05-17T10:30:15", "2003-05-17T10:30", "2003-05-17T10", "2003-05-17", "2003-05", ""],
})


def test_derive_vars_dtm_docstring_rows():
    out = derive_vars_dtm(DTM, highest_imputation="M")
    day = 1368748800.0  # 2003-05-17T00:00:00
    np.testing.assert_array_equal(out["ASTDTM"].to_numpy(), [
        day + 37815, day + 37800, day + 36000, day, 1367366400, np.nan])
    assert _flags(out["ASTDTF"]) == [None, None, None, None, "D", None]
    assert _flags(out["ASTTMF"]) == [None, "S", "M", "H", "H", None]


def test_derive_vars_dtm_options():
    out = derive_vars_dtm(DTM, highest_imputation="h", time_imputation="last", ignore_seconds_flag=True)
    day = 1368748800.0
    np.testing.assert_array_equal(out["ASTDTM"].to_numpy(), [
        day + 37815, day + 37859, day + 39599, day + 86399, np.nan, np.nan])
    assert "ASTDTF" not in out.columns
    assert _flags(out["ASTTMF"]) == [None, None, "M", "H", None, None]
    out = derive_vars_dtm(DTM, highest_imputation="m", time_imputation="12:00:00", flag_imputation="both")
    np.testing.assert_array_equal(out["ASTDTM"].to_numpy(), [
        day + 37815, day + 37800, day + 36000, np.nan, np.nan, np.nan])
    assert _flags(out["ASTDTF"]) == [None] * 6
    # min_dates in the allowed range raise the imputed datetime: first dose 2003-05-17T08:00
    df = DTM.assign(TRTSDTM=day + 8 * 3600)
    out = derive_vars_dtm(df, highest_imputation="M", min_dates="TRTSDTM")
    assert out["ASTDTM"].tolist()[3] == day + 8 * 3600  # 2003-05-17 -> raised from 00:00 to 08:00
    assert out["ASTDTM"].tolist()[2] == day + 36000  # 10:00 range does not contain 08:00
    assert out["ASTDTM"].tolist()[4] == day + 8 * 3600  # May 2003 contains the first dose


def test_derive_vars_dtm_bad_arguments():
    with pytest.raises(InputError) as err:
        derive_vars_dtm(DTM, highest_imputation="D", time_imputation="25:00:00", flag_imputation="auto",
                        new_vars_prefix="")
    text = str(err.value)
    assert "time_imputation" in text and "new_vars_prefix" in text
    with pytest.raises(InputError) as err:
        derive_vars_dtm(pd.DataFrame({"AESTDTC": ["2003-05-17T10:61"]}))
    assert "minute out of range" in str(err.value)
