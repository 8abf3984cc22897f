"""derive_vars_merged, derive_var_merged_exist_flag, derive_vars_merged_summary."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from adam.derive import derive_var_merged_exist_flag, derive_vars_merged, derive_vars_merged_summary
from adam.errors import InputError

ADSL = pd.DataFrame({"USUBJID": ["3", "1", "2"], "AGE": [40, 50, 60]}, index=[7, 8, 9])
EX = pd.DataFrame({"USUBJID": ["1", "1", "2", "2"], "EXSTDT": [100.0, 50.0, 70.0, np.nan],
                   "EXDOSE": [12, 12, 0, 12]})


def test_first_and_last_by_order_keep_rows_and_index():
    out = derive_vars_merged(ADSL, EX, ["USUBJID"], {"TRTSDT": "EXSTDT"}, order=["EXSTDT"], mode="first",
                             exist_flag="EXFL", false_value="N")
    assert list(out.index) == [7, 8, 9]
    assert out["USUBJID"].tolist() == ["3", "1", "2"]
    np.testing.assert_array_equal(out["TRTSDT"].to_numpy(), [np.nan, 50.0, 70.0])
    assert out["EXFL"].tolist() == ["N", "Y", "Y"]
    # last: missing dates sort last (as in dplyr), so subject 2's last record has no date
    out = derive_vars_merged(ADSL, EX, ["USUBJID"], {"TRTEDT": "EXSTDT"}, order=["EXSTDT"], mode="last",
                             missing_values={"TRTEDT": -1.0})
    np.testing.assert_array_equal(out["TRTEDT"].to_numpy(), [-1.0, 100.0, np.nan])
    # descending order and a filter
    out = derive_vars_merged(ADSL, EX, ["USUBJID"], {"TRTEDT": "EXSTDT"}, order=[("EXSTDT", "desc")],
                             mode="first", filter_add="EXDOSE > 0")
    np.testing.assert_array_equal(out["TRTEDT"].to_numpy(), [np.nan, 100.0, np.nan])
    assert list(out.columns) == ["USUBJID", "AGE", "TRTEDT"]


def test_key_mapping_and_default_new_vars():
    add = pd.DataFrame({"SUBJ": ["1", "2"], "HEIGHT": [170.0, 180.0], "WEIGHT": [70.0, 80.0]})
    out = derive_vars_merged(ADSL, add, {"USUBJID": "SUBJ"})
    assert list(out.columns) == ["USUBJID", "AGE", "HEIGHT", "WEIGHT"]
    np.testing.assert_array_equal(out["HEIGHT"].to_numpy(), [np.nan, 170.0, 180.0])


def test_duplicates_without_mode_name_keys():
    with pytest.raises(InputError) as err:
        derive_vars_merged(ADSL, EX, ["USUBJID"], ["EXSTDT"], dataset_add_name="EX")
    p = err.value.problems[0]
    assert p.dataset == "EX" and p.variable == "USUBJID"
    assert "more than one record per by_vars (USUBJID)" in p.message
    assert "USUBJID=1; USUBJID=2" in p.message


def test_merged_bad_arguments():
    with pytest.raises(InputError) as err:
        derive_vars_merged(ADSL, EX, ["USUBJID", "STUDYID"], {"AGE": "NOPE"}, mode="middle",
                           order=[("EXSTDT", "down")], missing_values={"X": 1})
    text = str(err.value)
    assert "argument by_vars: column STUDYID not found" in text
    assert "argument new_vars: column NOPE not found" in text
    assert "column AGE already exists in df" in text
    assert "argument mode must be one of" in text
    assert "order item ('EXSTDT', 'down')" in text
    assert "missing_values: X is not one of the new variables" in text
    with pytest.raises(InputError, match="key USUBJID is str but"):
        derive_vars_merged(ADSL, EX.assign(USUBJID=[1.0, 1.0, 2.0, 2.0]), ["USUBJID"], ["EXDOSE"], mode="first")


def test_merged_exist_flag_three_cases():
    ae = pd.DataFrame({"USUBJID": ["1", "1", "2"], "AESER": ["N", "Y", "N"]})
    out = derive_var_merged_exist_flag(ADSL, ae, ["USUBJID"], "SAEFL", condition="AESER == 'Y'",
                                       false_value="N", missing_value="U")
    assert out["SAEFL"].tolist() == ["U", "Y", "N"]
    out = derive_var_merged_exist_flag(ADSL, ae, ["USUBJID"], "AEFL")
    assert out["AEFL"].fillna("-").tolist() == ["-", "Y", "Y"]
    with pytest.raises(InputError, match="AGE already exists"):
        derive_var_merged_exist_flag(ADSL, ae, ["USUBJID"], "AGE")


def test_merged_summary_counts_and_minimum():
    rel = pd.DataFrame({"USUBJID": ["1", "1", "2"], "ASTDT": [30.0, 10.0, np.nan]})
    out = derive_vars_merged_summary(ADSL, rel, ["USUBJID"],
                                     {"NREL": (None, "count"), "FRELDT": ("ASTDT", "min"),
                                      "NDATED": ("ASTDT", "count")},
                                     missing_values={"NREL": 0, "NDATED": 0})
    assert out["NREL"].tolist() == [0, 2, 1] and out["NREL"].dtype == "int64"
    assert out["NDATED"].tolist() == [0, 2, 0]
    np.testing.assert_array_equal(out["FRELDT"].to_numpy(), [np.nan, 10.0, np.nan])
    empty = derive_vars_merged_summary(ADSL, rel.iloc[:0], ["USUBJID"], {"NREL": (None, "count")},
                                       missing_values={"NREL": 0})
    assert empty["NREL"].tolist() == [0, 0, 0]
    with pytest.raises(InputError) as err:
        derive_vars_merged_summary(ADSL, rel, ["USUBJID"], {"X": ("ASTDT", "mode"), "Y": ("NOPE", "max")})
    text = str(err.value)
    assert "new_vars[X] must be one of" in text and "column NOPE not found" in text
