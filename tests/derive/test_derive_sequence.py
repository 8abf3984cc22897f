"""The private look-up and key-code helpers behind grouping, sorting and as-of matching."""

from __future__ import annotations

import numpy as np
import pandas as pd

from adam.derive._keys import group_codes, rank_codes, shared_codes, sort_order
from adam.derive._sequence import asof, forward_confirm


def test_asof_backward_and_forward_within_groups():
    # records: group 0 at keys 10, 20, 20 (index 0, 1, 2); group 1 at key 5 (index 3)
    codes_r, keys_r = np.array([0, 0, 0, 1]), np.array([10.0, 20.0, 20.0, 5.0])
    codes_q, keys_q = np.array([0, 0, 0, 1, 2]), np.array([20.0, 15.0, 9.0, 4.0, 5.0])
    # backward, exact: 20 -> last of the equal keys (2); 15 -> 10 (0); 9 -> none; group 1 key 4 -> none
    assert asof(codes_q, keys_q, codes_r, keys_r).tolist() == [2, 0, -1, -1, -1]
    # backward, strictly before: 20 -> 10 (0)
    assert asof(codes_q, keys_q, codes_r, keys_r, allow_exact=False).tolist() == [0, 0, -1, -1, -1]
    # forward, exact: 20 -> first of the equal keys (1); 15 -> 1; 9 -> 0; group 1 key 4 -> 3
    assert asof(codes_q, keys_q, codes_r, keys_r, direction="forward").tolist() == [1, 1, 0, 3, -1]
    # forward, strictly after: 20 -> none
    assert asof(codes_q, keys_q, codes_r, keys_r, direction="forward",
                allow_exact=False).tolist() == [-1, 1, 0, 3, -1]


def test_asof_fractional_far_apart_keys_and_negative_codes():
    # keys that are not whole numbers or span a huge range are ranked, not offset
    codes_r, keys_r = np.array([-3, -3, 7]), np.array([0.5, 1e15, -0.0])
    codes_q, keys_q = np.array([-3, -3, 7, 7]), np.array([0.75, 2e15, 0.0, -1.0])
    assert asof(codes_q, keys_q, codes_r, keys_r).tolist() == [0, 1, 2, -1]  # -0.0 equals 0.0
    assert asof(codes_q, keys_q, codes_r, keys_r, direction="forward").tolist() == [1, -1, 2, 2]
    assert asof(np.array([1]), np.array([3.0]), np.array([], dtype=int), np.array([])).tolist() == [-1]
    assert asof(np.array([], dtype=int), np.array([]), codes_r, keys_r).tolist() == []


def test_forward_confirm_first_confirming_record():
    # one group, dates 0, 100, 175, 200; the record at 100 breaks "all in between"
    codes, dates = np.zeros(4, dtype=int), np.array([0.0, 100.0, 175.0, 200.0])
    start = np.array([True, True, True, True])
    confirm = np.array([True, True, True, True])
    between = np.array([True, False, True, True])
    # 0: the first record >= 175 days later is 175 but 100 lies in between and breaks it
    # 100: 200 is only 100 days later; 175, 200: nothing later far enough
    assert forward_confirm(codes, dates, start, confirm, between, 175.0).tolist() == [-1, -1, -1, -1]
    assert forward_confirm(codes, dates, start, confirm, np.ones(4, bool), 175.0).tolist() == [2, -1, -1, -1]
    assert forward_confirm(codes, dates, start, confirm, np.ones(4, bool), 100.0).tolist() == [1, 3, -1, -1]


def test_sort_order_matches_a_stable_sort_with_missing_last():
    df = pd.DataFrame({"USUBJID": pd.Series(["b", "a", None, "a", "B", ""], dtype="str"),
                       "ADT": [2.0, np.nan, 1.0, 1.0, 0.5, 3.0]})
    # text by code point ("" < "B" < "a" < "b"), missing last; then ADT ascending, missing last
    assert sort_order([df["USUBJID"], df["ADT"]]).tolist() == [5, 4, 3, 1, 0, 2]
    # ADT descending keeps missing last; ties stay in row order
    assert sort_order([df["ADT"]], [True]).tolist() == [5, 0, 2, 3, 4, 1]
    expected = df.sort_values(["USUBJID", "ADT"], kind="stable", na_position="last").index.tolist()
    assert sort_order([df["USUBJID"].astype("category"), df["ADT"]]).tolist() == expected


def test_rank_codes_keep_order_and_put_missing_last():
    codes, size = rank_codes(pd.Series([20.0, np.nan, 18.0, 20.0]))
    assert codes.tolist() == [2, 3, 0, 2] and size == 4  # offsets from 18; missing = size - 1
    codes, size = rank_codes(pd.Series([20.0, np.nan, 18.0]), descending=True)
    assert codes.tolist() == [0, 3, 2] and size == 4
    codes, size = rank_codes(pd.Series(["x", None, "a"], dtype="str"))
    assert codes.tolist() == [1, 2, 0] and size == 3
    codes, size = rank_codes(np.array([0.25, 0.5, 0.25]))
    assert codes.tolist() == [0, 1, 0] and size == 3


def test_group_codes_group_missing_keys_together():
    df = pd.DataFrame({"USUBJID": pd.Series(["a", "b", None, "a", None], dtype="str"),
                       "PARAMCD": ["X", "X", "X", "Y", "X"]})
    assert group_codes(df, ["USUBJID", "PARAMCD"]).tolist() == [0, 1, 2, 3, 2]
    assert group_codes(df, []).tolist() == [0, 0, 0, 0, 0]


def test_shared_codes_number_both_frames_alike():
    left = pd.DataFrame({"USUBJID": pd.Categorical(["a", "b", "a"]), "N": [1.0, 2.0, np.nan]})
    right = pd.DataFrame({"USUBJID": ["b", "z", "a", None], "N": [2, 2, None, np.nan]})
    l_codes, r_codes = shared_codes(left, ["USUBJID"], right, ["USUBJID"])
    assert l_codes.tolist() == [0, 1, 0]
    assert r_codes.tolist() == [1, 2, 0, 3]  # "z" and the missing key are new codes
    l_codes, r_codes = shared_codes(left, ["USUBJID", "N"], right, ["USUBJID", "N"])
    # (b, 2.0) matches (b, 2); (a, NaN) matches (a, None): missing keys match each other
    assert r_codes[0] == l_codes[1] and r_codes[2] == l_codes[2]
    assert len({*l_codes.tolist(), r_codes[1], r_codes[3]}) == 5  # 3 left keys, 2 right-only
