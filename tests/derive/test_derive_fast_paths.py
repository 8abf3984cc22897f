"""The vectorized paths behind the derivations: run-wise factorizing, sort keys, shared key codes,
per-distinct-value date parsing, one-sort extreme flags, merges by key codes, text conforming."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest

from adam.derive import (derive_var_extreme_flag, derive_var_merged_exist_flag, derive_vars_dt,
                         derive_vars_dtm, derive_vars_merged, derive_vars_merged_summary, parse_dtc)
from adam.derive._checks import flag_values
from adam.derive._keys import factorize, group_codes, rank_codes, shared_codes, sorted_positions, take_values
from adam.engine import _as_text
from adam.errors import InputError

TEXT = pd.StringDtype("python", na_value=np.nan)


# ---------------------------------------------------------------------------- _keys helpers
def test_factorize_runs_matches_pandas_with_missing_values():
    values = np.array(["b", "b", "a", None, np.nan, "b", "c", "c"], dtype=object)
    codes, uniques = factorize(values, use_na_sentinel=False)
    assert codes.tolist() == [0, 0, 1, 2, 2, 0, 3, 3]  # None and NaN: one missing value
    assert list(uniques[:2]) == ["b", "a"] and pd.isna(uniques[2])
    codes, uniques = factorize(values, sort=True)
    assert codes.tolist() == [1, 1, 0, -1, -1, 1, 2, 2]
    assert list(uniques) == ["a", "b", "c"]
    # pd.NA has no truth value: the plain pandas path is taken
    codes, _ = factorize(np.array(["x", pd.NA, "x"], dtype=object))
    assert codes.tolist() == [0, -1, 0]
    assert factorize(np.array([], dtype=object))[0].tolist() == []


def test_rank_codes_text_numbers_and_missing_last_both_ways():
    text = pd.Series(["b", None, "a", "c"], dtype="str")
    assert rank_codes(text)[0].tolist() == [1, 3, 0, 2]
    assert rank_codes(text, descending=True)[0].tolist() == [1, 3, 2, 0]
    # whole numbers: offsets from the minimum (-1), 4 values wide; missing is the last code
    assert rank_codes(pd.Series([2.0, np.nan, -1.0]), descending=True)[0].tolist() == [0, 4, 3]
    assert rank_codes(pd.Series([0.5, np.nan, -1.25]))[0].tolist() == [1, 2, 0]
    assert rank_codes(pd.Series([3, 1, 2]), descending=True)[0].tolist() == [0, 2, 1]


def test_sorted_positions_agree_with_pandas_stable_sort():
    df = pd.DataFrame({"S": ["2", "1", "2", "1", None, "1"], "D": [5.0, np.nan, 5.0, 3.0, 1.0, 3.0],
                       "Q": [1, 2, 3, 4, 5, 6]})
    # by S, then D descending; missing S and missing D last; ties keep row order
    expected = [3, 5, 1, 0, 2, 4]
    assert sorted_positions(df, ["S"], [("D", "desc")]).tolist() == expected
    pandas = (df.reset_index(drop=True).sort_values(["S", "D"], ascending=[True, False], kind="stable",
                                                    na_position="last").index.tolist())
    assert pandas == expected
    assert sorted_positions(df, [], None).tolist() == list(range(6))


def test_group_codes_first_appearance_and_missing_group():
    df = pd.DataFrame({"A": ["x", None, "y", None, "x"], "B": [1.0, np.nan, np.nan, np.nan, 1.0]})
    assert group_codes(df, ["A", "B"]).tolist() == [0, 1, 2, 1, 0]
    assert group_codes(df, []).tolist() == [0, 0, 0, 0, 0]


def test_shared_codes_match_missing_and_mixed_numbers():
    left = pd.DataFrame({"K": ["a", None, "b"], "N": [1.0, 2.0, 3.0]})
    right = pd.DataFrame({"K": ["b", None, "c"], "N": [3, 2, 1]})
    lc, rc = shared_codes(left, ["K", "N"], right, ["K", "N"])
    assert lc[2] == rc[0] and lc[1] == rc[1]  # ("b", 3.0) = ("b", 3); missing = missing
    assert len({*lc.tolist(), rc[2]}) == 4


def test_take_values_promotes_like_a_left_join_and_flag_values_text():
    ints = pd.Series([10, 20])
    assert take_values(ints, np.array([1, 0])).dtype == np.int64
    got = take_values(ints, np.array([1, -1]))
    assert got.dtype == np.float64 and got[0] == 20.0 and np.isnan(got[1])
    text = take_values(pd.Series(["a", "b"], dtype="str"), np.array([-1, 1]))
    assert text.dtype == TEXT and pd.isna(text[0]) and text[1] == "b"
    flags = flag_values(np.array([True, False, True]), "Y", "N", missing=np.array([False, False, True]),
                        index=pd.Index([5, 6, 7]))
    assert flags.dtype == TEXT and flags.index.tolist() == [5, 6, 7]
    assert flags[5] == "Y" and flags[6] == "N" and pd.isna(flags[7])


# ---------------------------------------------------------------------------- dates
def test_parse_mixes_fast_and_pattern_paths_and_reports_each_bad_record():
    values = pd.Series(["2003-05-17", " 2003-05-17 ", "2003---17", "2003-05-17T10:30", None, "2003-05-17"])
    comps = parse_dtc(values)
    assert comps["day"].tolist()[:2] == [17.0, 17.0]
    assert comps.loc[2, "year"] == 2003.0 and np.isnan(comps.loc[2, "day"])
    assert comps.loc[3, "minute"] == 30.0 and np.isnan(comps.loc[0, "hour"])
    assert comps.loc[4].isna().all()
    bad = pd.DataFrame({"USUBJID": ["1", "1", "2"], "AESEQ": [1, 2, 1],
                        "AESTDTC": ["2003-02-30", "2003-02-28", "2003-02-30"]})
    with pytest.raises(InputError) as err:
        derive_vars_dt(bad, dtc="AESTDTC", dataset_name="AE")
    messages = [p.message for p in err.value.problems]
    assert len(messages) == 2 and all("day out of range" in m for m in messages)
    assert [p.record for p in err.value.problems] == ["USUBJID=1 AESEQ=1", "USUBJID=2 AESEQ=1"]


def test_dt_same_partial_value_bounded_per_record():
    # one distinct value, imputed once, then bounded by each record's own TRTSDT
    df = pd.DataFrame({"AESTDTC": ["2020-03", "2020-03", "2020-03", None],
                       "TRTSDT": [21984.0, 21900.0, np.nan, 21984.0]})  # 21984 = 2020-03-10
    out = derive_vars_dt(df, highest_imputation="M", min_dates="TRTSDT")
    np.testing.assert_array_equal(out["ASTDT"].to_numpy(), [21984.0, 21975.0, 21975.0, np.nan])
    assert out["ASTDTF"].tolist()[:3] == ["D", "D", "D"] and pd.isna(out["ASTDTF"].iloc[3])
    assert out["ASTDTF"].dtype == TEXT


def test_dtm_flags_from_distinct_values():
    df = pd.DataFrame({"EXSTDTC": ["2003-05-17T10:30", "2003-05", "2003-05-17T10:30", "", "2003"]})
    out = derive_vars_dtm(df, new_vars_prefix="EXST", dtc="EXSTDTC", highest_imputation="D")
    assert out["EXSTDTM"].tolist()[0] == out["EXSTDTM"].tolist()[2] == 1368786600.0
    assert out["EXSTDTM"].iloc[1] == 1367366400.0  # 2003-05-01T00:00:00
    assert out["EXSTDTM"].iloc[3:].isna().all()  # blank; year only is above "D"
    assert out["EXSTDTF"].tolist()[1] == "D" and out["EXSTDTF"].isna().sum() == 4
    assert out["EXSTTMF"].tolist()[:3] == ["S", "H", "S"] and out["EXSTTMF"].iloc[3:].isna().all()


# ---------------------------------------------------------------------------- flags and merges
def test_extreme_flag_missing_group_ties_and_filter(caplog):
    df = pd.DataFrame({"USUBJID": ["1", "1", None, None, "2", "2"], "ADT": [5.0, 3.0, 1.0, 2.0, 4.0, 4.0],
                       "KEEP": [True, True, True, True, True, False]})
    out = derive_var_extreme_flag(df, ["USUBJID"], ["ADT"], "FL", mode="first", filter=df["KEEP"])
    assert [v == "Y" for v in out["FL"]] == [False, True, True, False, True, False]
    with caplog.at_level(logging.WARNING):
        last = derive_var_extreme_flag(df, ["USUBJID"], ["ADT"], "FL", mode="last")
    assert [v == "Y" for v in last["FL"]] == [True, False, False, True, False, True]  # tie: later row
    assert "USUBJID=2, ADT=4" in caplog.text
    with pytest.raises(InputError, match="do not identify records"):
        derive_var_extreme_flag(df, ["USUBJID"], ["ADT"], "FL", check_type="error")


def test_merged_by_codes_ties_missing_keys_and_summary():
    df = pd.DataFrame({"USUBJID": ["1", "2", None, "3"]})
    add = pd.DataFrame({"USUBJID": ["2", "1", "1", None, "2"], "D": [7.0, 5.0, 5.0, 9.0, np.nan],
                        "SEQ": [1, 1, 2, 1, 2], "N": [1, 2, 3, 4, 5]})
    out = derive_vars_merged(df, add, ["USUBJID"], {"LAST": "SEQ", "N": "N"}, order=["D"], mode="last")
    # subject 1: tie on D, the later row wins; subject 2: missing D sorts last; missing key
    # matches missing key; subject 3 has none (integers become floats)
    assert out["LAST"].tolist()[:3] == [2.0, 2.0, 1.0] and np.isnan(out["LAST"].iloc[3])
    assert out["N"].tolist()[:3] == [3.0, 5.0, 4.0]
    flag = derive_var_merged_exist_flag(df, add, ["USUBJID"], "HIGH", condition=add["N"] >= 3,
                                        false_value="N", missing_value="U")
    assert flag["HIGH"].tolist() == ["Y", "Y", "Y", "U"]
    summary = derive_vars_merged_summary(df, add, ["USUBJID"], {"NREC": (None, "count"),
                                                                "MAXD": ("D", "max")},
                                         missing_values={"NREC": 0})
    assert summary["NREC"].tolist() == [2, 2, 1, 0] and summary["NREC"].dtype == np.int64
    np.testing.assert_array_equal(summary["MAXD"].to_numpy(), [5.0, 7.0, 9.0, np.nan])
    empty = derive_vars_merged_summary(df, add.iloc[:0], ["USUBJID"], {"NREC": (None, "count")})
    assert empty["NREC"].isna().all()


# ---------------------------------------------------------------------------- engine text
def test_as_text_str_object_and_other_columns():
    text = pd.Series(["a ", "", None], dtype="str")
    out = _as_text(text)
    assert out.dtype == TEXT and out.tolist()[0] == "a " and out.isna().tolist() == [False, True, True]
    assert _as_text(pd.Series(["Y", "Y"], dtype="str")).tolist() == ["Y", "Y"]
    obj = pd.Series(np.array(["Y", None, "", "Y"], dtype=object))
    out = _as_text(obj)
    assert out.dtype == TEXT and out.isna().tolist() == [False, True, True, False]
    mixed = _as_text(pd.Series(np.array([1, None, "x"], dtype=object)))
    assert mixed.dtype == TEXT and mixed.tolist()[0] == "1" and pd.isna(mixed.iloc[1])


# ---------------------------------------------------------------------------- time to event
def test_param_tte_subject_join_keeps_candidates_and_rejects_repeated_subjects():
    from adam.derive import CensorSource, EventSource, derive_param_tte

    adsl = pd.DataFrame({"USUBJID": ["2", "1", "3"], "TRTSDT": [100.0, 10.0, np.nan], "LSTALVDT": [500.0, 90.0, 9.0]})
    events = pd.DataFrame({"USUBJID": ["1", "9", "2", "1"], "ADT": [50.0, 60.0, 90.0, 40.0]})
    out = derive_param_tte(adsl.rename(columns={"TRTSDT": "STARTDT"}), {"EV": events, "ADSL": adsl},
                           [EventSource("EV", date="ADT", set_values_to={"EVNTDESC": "EVENT"})],
                           [CensorSource("ADSL", date="LSTALVDT", set_values_to={"EVNTDESC": "LAST ALIVE"})])
    # subject 2's event precedes its start; subject 9 is not in ADSL; subject 3 has no start
    assert out["USUBJID"].tolist() == ["2", "1"]
    assert out["ADT"].tolist() == [500.0, 40.0] and out["CNSR"].tolist() == [1, 0]
    assert out["EVNTDESC"].tolist() == ["LAST ALIVE", "EVENT"]
    twice = pd.concat([adsl, adsl.iloc[:1]], ignore_index=True).rename(columns={"TRTSDT": "STARTDT"})
    with pytest.raises(InputError, match="more than one record per USUBJID"):
        derive_param_tte(twice, {"EV": events}, [EventSource("EV", date="ADT")], [])
