"""derive_param_tte and derive_vars_aval_tte."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from adam.derive import CensorSource, Col, EventSource, derive_param_tte, derive_vars_aval_tte
from adam.errors import InputError

ADSL = pd.DataFrame({
    "USUBJID": ["4", "1", "2", "3", "5"],
    "EXTSDT": [100.0, 100.0, 100.0, 100.0, np.nan],
    "LSTASDT": [500.0, 400.0, 300.0, 80.0, 500.0],
    "DTHDT": [np.nan, np.nan, 250.0, np.nan, np.nan],
})
ADRR = pd.DataFrame({
    "USUBJID": ["1", "1", "2", "4", "4"],
    "ASTDT": [90.0, 150.0, 200.0, 220.0, 220.0],
    "ASEQ": [1, 2, 1, 1, 2],
    "ANL01FL": ["Y", "Y", "Y", "Y", "Y"],
})
ADEDSS = pd.DataFrame({
    "USUBJID": ["4", "2"],
    "ADT": [220.0, 260.0],
    "ASEQ": [7, 9],
    "CDWEVFL": ["Y", "Y"],
})

EVENTS = [
    EventSource("adedss", filter="CDWEVFL == 'Y'", date="ADT",
                set_values_to={"EVNTDESC": "6-MONTH CDW", "SRCDOM": "ADEDSS", "SRCVAR": "ADT", "SRCSEQ": Col("ASEQ")}),
    EventSource("adrr", filter="ANL01FL == 'Y'", date="ASTDT",
                set_values_to={"EVNTDESC": "RELAPSE", "SRCDOM": "ADRR", "SRCVAR": "ASTDT", "SRCSEQ": Col("ASEQ")}),
]
CENSORS = [
    CensorSource("adsl", date="LSTASDT",
                 set_values_to={"CNSDTDSC": "LAST ASSESSMENT", "SRCDOM": "ADSL", "SRCVAR": "LSTASDT"}),
    CensorSource("adsl", date="EXTSDT", censor=2,
                 set_values_to={"CNSDTDSC": "EXTENSION START", "SRCDOM": "ADSL", "SRCVAR": "EXTSDT"}),
]


def test_param_tte_events_censoring_and_rules():
    out = derive_param_tte(ADSL, {"adsl": ADSL, "adrr": ADRR, "adedss": ADEDSS}, EVENTS, CENSORS,
                           start_date="EXTSDT", set_values_to={"PARAMCD": "TTNEDA", "PARAM": "Time to loss of NEDA"})
    assert list(out.columns) == ["USUBJID", "STARTDT", "ADT", "CNSR", "EVNTDESC", "SRCDOM", "SRCVAR", "SRCSEQ",
                                 "CNSDTDSC", "PARAMCD", "PARAM"]
    # ADSL order; subject 5 has no start date and gets no record
    assert out["USUBJID"].tolist() == ["4", "1", "2", "3"]
    np.testing.assert_array_equal(out["ADT"].to_numpy(), [220.0, 150.0, 200.0, 100.0])
    assert out["CNSR"].tolist() == [0, 0, 0, 2]
    # 4: CDW and relapse on the same day -> the source listed first (ADEDSS) wins
    # 1: relapse on 90 is before the start and ignored
    # 3: last assessment 80 precedes the start, censored at the start (censor 2)
    assert out["EVNTDESC"].fillna("-").tolist() == ["6-MONTH CDW", "RELAPSE", "RELAPSE", "-"]
    assert out["SRCDOM"].tolist() == ["ADEDSS", "ADRR", "ADRR", "ADSL"]
    np.testing.assert_array_equal(out["SRCSEQ"].to_numpy(), [7, 2, 1, np.nan])
    assert out["CNSDTDSC"].fillna("-").tolist() == ["-", "-", "-", "EXTENSION START"]
    assert out["PARAMCD"].tolist() == ["TTNEDA"] * 4

    aval = derive_vars_aval_tte(out)
    np.testing.assert_array_equal(aval["AVAL"].to_numpy(), [121.0, 51.0, 101.0, 1.0])
    years = derive_vars_aval_tte(out, out_unit="years", unit_var="AVALU")
    assert years["AVAL"].iloc[1] == pytest.approx(51 / 365.25)
    assert years["AVALU"].tolist() == ["YEARS"] * 4


def test_param_tte_censor_latest_and_subject_filter():
    out = derive_param_tte(ADSL, {"adsl": ADSL}, [], CENSORS, start_date="EXTSDT",
                           subject_filter="USUBJID != '4'")
    assert out["USUBJID"].tolist() == ["1", "2", "3"]
    np.testing.assert_array_equal(out["ADT"].to_numpy(), [400.0, 300.0, 100.0])  # latest censoring date
    assert out["CNSR"].tolist() == [1, 1, 2]
    no_censor = derive_param_tte(ADSL, {"adsl": ADSL, "adrr": ADRR}, EVENTS[1:], [], start_date="EXTSDT")
    assert no_censor["USUBJID"].tolist() == ["4", "1", "2"]  # subjects without event or censoring: no record


def test_param_tte_bad_arguments():
    with pytest.raises(InputError) as err:
        derive_param_tte(
            ADSL, {"adsl": ADSL, "adrr": ADRR},
            [EventSource("adae", date="ASTDT"), EventSource("adrr", date="ADT", set_values_to={"SRCSEQ": Col("AESEQ")}),
             CensorSource("adsl", date="LSTASDT")],
            [EventSource("adsl", date="LSTASDT"), "not a source"],
            start_date="STARTDT")
    text = str(err.value)
    assert "argument start_date: column STARTDT not found" in text
    assert "dataset 'adae' is not in source_datasets (adrr, adsl)" in text
    assert "event_conditions[1].date: column ADT not found" in text
    assert "set_values_to[SRCSEQ]: column AESEQ not found" in text
    assert "event_conditions[2]: an event source needs censor 0" in text
    assert "censor_conditions[0]: a censoring source needs censor >= 1" in text
    assert "censor_conditions[1] must be an EventSource/CensorSource" in text
    with pytest.raises(InputError, match="at least one event or censoring source"):
        derive_param_tte(ADSL, {}, [], [], start_date="EXTSDT")
    with pytest.raises(InputError, match="ADT is set by derive_param_tte itself"):
        derive_param_tte(ADSL, {"adsl": ADSL}, [], [CensorSource("adsl", date="LSTASDT", set_values_to={"ADT": 1})],
                         start_date="EXTSDT")
