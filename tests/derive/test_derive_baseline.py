"""BASE, CHG, PCHG and categories."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from adam.derive import derive_var_base, derive_var_category, derive_var_chg, derive_var_pchg
from adam.errors import InputError

BDS = pd.DataFrame({
    "USUBJID": ["1", "1", "2", "1", "3"],
    "PARAMCD": ["EDSS", "EDSS", "EDSS", "EDSS", "EDSS"],
    "AVAL": [2.0, 3.5, 1.0, 0.5, 4.0],
    "ABLFL": ["Y", None, None, None, "Y"],
}, index=[5, 6, 7, 8, 9])


def test_base_chg_pchg():
    out = derive_var_base(BDS)
    np.testing.assert_array_equal(out["BASE"].to_numpy(), [2.0, 2.0, np.nan, 2.0, 4.0])
    assert list(out.index) == [5, 6, 7, 8, 9]
    out = derive_var_chg(out)
    np.testing.assert_array_equal(out["CHG"].to_numpy(), [0.0, 1.5, np.nan, -1.5, 0.0])
    out = derive_var_pchg(out)
    np.testing.assert_array_equal(out["PCHG"].to_numpy(), [0.0, 75.0, np.nan, -75.0, 0.0])
    zero = derive_var_pchg(pd.DataFrame({"AVAL": [3.0, 1.0], "BASE": [0.0, -2.0]}))
    np.testing.assert_array_equal(zero["PCHG"].to_numpy(), [np.nan, 150.0])
    out = derive_var_base(BDS, by_vars=["USUBJID"], new_var="BASEC", source_var="ABLFL",
                          filter=lambda d: d["AVAL"] == 3.5)
    assert out["BASEC"].fillna("-").tolist() == ["-", "-", "-", "-", "-"]


def test_base_keeps_the_source_type_and_matches_missing_keys():
    df = pd.DataFrame({"USUBJID": pd.Series(["1", "1", None, None, "2"], dtype="str"),
                       "N": [5, 6, 7, 8, 9], "ABLFL": ["Y", None, None, "Y", None]})
    out = derive_var_base(df, by_vars=["USUBJID"], source_var="N")
    # subject 1 -> 5; the missing-USUBJID group -> 8 (its own baseline); subject 2: none
    np.testing.assert_array_equal(out["BASE"].to_numpy(), [5.0, 5.0, 8.0, 8.0, np.nan])
    every = derive_var_base(df.iloc[:4], by_vars=["USUBJID"], source_var="N")
    assert every["BASE"].dtype == np.int64 and every["BASE"].tolist() == [5, 5, 8, 8]
    text = derive_var_base(df, by_vars=["USUBJID"], source_var="USUBJID", new_var="BASEC")
    assert text["BASEC"].dtype == "str" and text["BASEC"].fillna("-").tolist() == ["1", "1", "-", "-", "-"]
    assert len(derive_var_base(df.iloc[:0], by_vars=["USUBJID"], source_var="N")) == 0


def test_base_errors():
    dup = BDS.assign(ABLFL=["Y", "Y", None, None, None])
    with pytest.raises(InputError, match=r"more than one baseline record .* USUBJID=1, PARAMCD=EDSS"):
        derive_var_base(dup)
    with pytest.raises(InputError) as err:
        derive_var_base(BDS, by_vars=["USUBJID", "AVISITN"], source_var="AVALX", new_var="AVAL")
    text = str(err.value)
    assert "column AVISITN not found" in text and "column AVALX not found" in text
    assert "column AVAL already exists" in text
    with pytest.raises(InputError) as err:
        derive_var_chg(BDS, aval="ABLFL")
    assert "column ABLFL must be numeric" in str(err.value) and "column BASE not found" in str(err.value)


def test_category_cuts_edss():
    df = pd.DataFrame({"CHG": [-1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0, np.nan, 0.75]})
    cuts = [("IMPROVED", None, -1.0), ("STABLE", -0.5, 0.5), ("WORSENED", 1.0, None)]
    out = derive_var_category(df, "CHGCAT1", source="CHG", cuts=cuts, default="UNKNOWN")
    assert out["CHGCAT1"].tolist() == ["IMPROVED", "IMPROVED", "STABLE", "STABLE", "STABLE", "WORSENED",
                                       "WORSENED", "UNKNOWN", "UNKNOWN"]


def test_category_conditions_first_match_wins():
    df = pd.DataFrame({"AVAL": [1.0, 5.0, 8.0]})
    out = derive_var_category(df, "GRPN", conditions=[(1, "AVAL >= 5"), (2, "AVAL >= 8"), (3, lambda d: d.AVAL > 0)])
    assert out["GRPN"].tolist() == [3, 1, 1]
    out = derive_var_category(df, "GRP", conditions=[("HIGH", "AVAL > 6")])
    assert out["GRP"].fillna("-").tolist() == ["-", "-", "HIGH"]
    with pytest.raises(InputError) as err:
        derive_var_category(df, "AVAL", cuts=[("A", 2, 1), ("B",)])
    text = str(err.value)
    assert "AVAL already exists" in text and "cuts needs source" in text
    assert "has low above high" in text and "must be (value, low, high)" in text
    with pytest.raises(InputError, match="exactly one of arguments conditions and cuts"):
        derive_var_category(df, "X")
