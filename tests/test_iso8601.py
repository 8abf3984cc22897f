"""The one ISO 8601 --DTC parser (adam.sdtm.iso8601) and the two policies built on it: the input
check accepts time zones and intervals, the derivations need a local date/time."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from adam.derive.dates import parse_dtc as derive_parse_dtc
from adam.errors import InputError
from adam.sdtm.checks import parse_dtc as check_parse_dtc
from adam.sdtm.iso8601 import _complete_dates, split_dtc

nan = np.nan


def test_split_dtc_components_hand_checked():
    texts = ["2003-12-01", "2003-12", "2003---15", "-----T07:15", "2003-12-01T10:11:12.5",
             "2003-12-01T10:11+01:00", "2003-12-01Z", "", "x", "2003-1-01", "２００３-12-01"]
    split = split_dtc(texts)
    assert split.matched.tolist() == [True, True, True, True, True, True, True, False, False, False, False]
    assert split.zone.tolist() == [False] * 5 + [True, True] + [False] * 4
    rows = [[None if np.isnan(v) else v for v in row] for row in split.numbers.tolist()]
    assert rows[:7] == [
        [2003, 12, 1, None, None, None],
        [2003, 12, None, None, None, None],
        [2003, None, 15, None, None, None],  # "-" stands for a missing component
        [None, None, None, 7, 15, None],
        [2003, 12, 1, 10, 11, 12.5],
        [2003, 12, 1, 10, 11, None],
        [2003, 12, 1, None, None, None],
    ]
    assert all(v is None for row in rows[7:] for v in row)  # no match: no components


def test_complete_dates_fast_path_takes_only_exact_ascii_forms():
    positions, ymd = _complete_dates(["2003-05-17", "2003-5-17x", "2003-05", "20030517xx", "2003/05/17", ""])
    assert positions.tolist() == [0]
    assert ymd.tolist() == [[2003.0, 5.0, 17.0]]
    positions, ymd = _complete_dates([])
    assert positions.tolist() == [] and ymd.shape == (0, 3)


def test_split_dtc_of_nothing():
    split = split_dtc([])
    assert split.numbers.shape == (0, 6) and len(split.matched) == 0 and len(split.zone) == 0


def test_input_check_accepts_zones_and_far_dates_rejects_non_ascii_digits():
    info = check_parse_dtc(pd.Series(["9999-12-31T10:00", "2003-12-01T10:11+01:00", "２００３-12-01",
                                      "2021-02-30", "2020-01-01/2020-02-01", None], dtype=object))
    assert info["valid"].tolist() == [True, True, False, False, True, True]
    assert info["complete_date"].tolist() == [True, True, False, False, False, False]
    assert info["stamp"].iloc[0] == pd.Timestamp("9999-12-31 10:00")  # no nanosecond overflow
    assert info["stamp"].iloc[1] == pd.Timestamp("2003-12-01 10:11")


def test_derivation_rejects_a_time_zone_and_names_why():
    with pytest.raises(InputError) as error:
        derive_parse_dtc(pd.Series(["2003-12-01", "2003-12-01T10:11Z", "２００３-12-01"]), "AESTDTC", "AE")
    messages = [p.message for p in error.value.problems]
    assert messages == ["invalid ISO 8601 value '2003-12-01T10:11Z': time zone not supported (expected local date/time)",
                        "invalid ISO 8601 value '２００３-12-01': not an ISO 8601 date/time"]
    parts = derive_parse_dtc(pd.Series(["2003---15", "2003-12-01T10:-:30"]))
    # everything after the first missing component is ignored
    assert parts.fillna(-1).values.tolist() == [[2003, -1, -1, -1, -1, -1], [2003, 12, 1, 10, -1, -1]]
