"""6-month CDW after a 6-month CDI (ADEDSS CDIREF/CHGCDI/CRIT3/CDWA*, ADTTE CDWACDI) on
hand-built histories.

Rule (specs/camms223/methods_efficacy.yaml, MT.ADEDSS.CDIREF / MT.ADEDSS.CDWACDI /
MT.ADTTE.CDWACDI, analysis parameters cdw_after_cdi): among subjects with a 6-month CDI, the
reference CDIREF is the EDSS at the CDI onset; onsets count strictly after the CDI confirmation
date (STARTDT); an onset is AVAL - CDIREF >= 1.0 (>= 1.5 when CDIREF = 0), confirmed by an
assessment >= 175 days later with every assessment in between meeting it and the confirming one
not within 30 days after a relapse. Days are offsets from the first dose (2010-01-01).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_camms223_efficacy import T0, _tte, adsl, build_all, by_day, ce, context, iso, rs, sas, spec

from adam.datasets.camms223 import adedss, adtte
from adam.engine import BuildContext
from adam.errors import InputError

HISTORIES = {
    # name: EDSS (day, score) pairs; the first is the baseline (day 0)
    # CDI 3.0 -> 2.0 at day 91 (confirmed day 273): CDIREF 2.0. Back to 3.0 = the core baseline
    # (no worsening against it) but +1.0 against CDIREF from day 637, confirmed day 819: event.
    "EVT": [(0, 3.0), (91, 2.0), (273, 2.0), (455, 2.0), (637, 3.0), (819, 3.0), (1001, 3.0)],
    # the same rise, broken by a dip at day 728 (+0.5) and ending at day 819: not confirmed
    "NOCONF": [(0, 3.0), (91, 2.0), (273, 2.0), (455, 2.0), (637, 3.0), (728, 2.5), (819, 3.0)],
    # the same rise, but day 819 is 19 days after a relapse (day 800) and day 1001 dips
    "RELX": [(0, 3.0), (91, 2.0), (273, 2.0), (455, 2.0), (637, 3.0), (819, 3.0), (1001, 2.5)],
    # a 6-month CDW against the core baseline (onset day 91) BEFORE the CDI (2.0 -> 1.0 at day
    # 455, confirmed 637); afterwards only +0.5 against CDIREF 1.0: no event
    "PRE": [(0, 2.0), (91, 3.0), (273, 3.0), (455, 1.0), (637, 1.0), (819, 1.5), (1001, 1.5)],
    # CDI down to 0.0 (day 91, confirmed at 1.0 on day 273): CDIREF 0 needs +1.5; 1.0 is +1.0
    "ZERO": [(0, 2.0), (91, 0.0), (273, 1.0), (455, 1.0), (637, 1.0), (819, 1.0)],
    # CDI onset 1.5 (day 91), confirmed at 2.5 (day 273); 2.5 on day 455 is +1.0 against the
    # onset level, confirmed by 3.5 on day 637: event at day 455 (the default reference)
    "OPT": [(0, 3.5), (91, 1.5), (273, 2.5), (455, 2.5), (637, 3.5), (819, 3.5)],
    # no CDI: a worsening against the core baseline only
    "NOCDI": [(0, 2.0), (91, 3.0), (273, 3.0), (455, 3.0)],
    # baseline below 2.0: CDI not assessed
    "LOWB": [(0, 1.5), (91, 0.0), (273, 0.0), (455, 1.5), (637, 1.5)],
    # CDI onset in Year 12 (day 4300) confirmed after it (day 4490): no post-CDI follow-up
    "LATE": [(0, 3.0), (4300, 2.0), (4490, 2.0)],
}
RELAPSES = [("RELX", iso(800), "MILD")]


def _context(analysis_update: dict | None = None) -> BuildContext:
    subjects = adsl(*[{"USUBJID": name, "EXT1SDT": 2190, "LSTALVDT": 4600, "DCUTDT": 4700} for name in HISTORIES])
    edss = pd.concat([rs(name, visits) for name, visits in HISTORIES.items()], ignore_index=True)
    ctx = context(subjects, RS=edss, CE=ce(RELAPSES))
    if analysis_update:
        changed = spec().model_copy(deep=True)
        changed.study.analysis["cdw_after_cdi"].update(analysis_update)
        ctx = BuildContext(spec=changed, sdtm=ctx.sdtm, adam=ctx.adam)
    return ctx


@pytest.fixture(scope="module")
def built() -> dict[str, pd.DataFrame]:
    return build_all(_context())


def _flags(frame: pd.DataFrame, name: str) -> dict[int, tuple]:
    """day -> (CHGCDI, CRIT3FL, CDWACFFL, confirmation day, CDWAEVFL) with None for missing."""
    got = by_day(frame, name, ["CHGCDI", "CRIT3FL", "CDWACFFL", "CDWACFDT", "CDWAEVFL"])
    out = {}
    for day, row in got.iterrows():
        vals = [None if pd.isna(v) else v for v in row]
        vals[3] = None if vals[3] is None else int(vals[3] - T0)
        out[int(day)] = tuple(vals)
    return out


N = None


@pytest.mark.parametrize("name, expected", [
    ("EVT", {0: (N, N, N, N, N), 91: (N, N, N, N, N), 273: (N, N, N, N, N), 455: (0.0, "N", N, N, N),
             637: (1.0, "Y", "Y", 819, "Y"), 819: (1.0, "Y", "Y", 1001, N), 1001: (1.0, "Y", "N", N, N)}),
    ("NOCONF", {455: (0.0, "N", N, N, N), 637: (1.0, "Y", "N", N, N), 728: (0.5, "N", N, N, N),
                819: (1.0, "Y", "N", N, N)}),
    # 819 - 637 = 182 days but 819 is within 30 days after the relapse; 1001 fails the criterion
    ("RELX", {637: (1.0, "Y", "N", N, N), 819: (1.0, "Y", "N", N, N), 1001: (0.5, "N", N, N, N)}),
    ("PRE", {91: (N, N, N, N, N), 637: (N, N, N, N, N), 819: (0.5, "N", N, N, N), 1001: (0.5, "N", N, N, N)}),
    ("ZERO", {273: (N, N, N, N, N), 455: (1.0, "N", N, N, N), 819: (1.0, "N", N, N, N)}),
    ("OPT", {273: (N, N, N, N, N), 455: (1.0, "Y", "Y", 637, "Y"), 637: (2.0, "Y", "Y", 819, N),
             819: (2.0, "Y", "N", N, N)}),
])
def test_post_cdi_confirmation_flags(built, name, expected):
    got = _flags(built["ADEDSS"], name)
    for day, want in expected.items():
        assert got[day] == want, (name, day)


def test_reference_is_the_edss_at_the_cdi_onset(built):
    ed = built["ADEDSS"]
    ref = ed.groupby("USUBJID")["CDIREF"].agg(lambda s: sorted(set(s.dropna())))
    assert ref.to_dict() == {"EVT": [2.0], "NOCONF": [2.0], "RELX": [2.0], "PRE": [1.0], "ZERO": [0.0],
                             "OPT": [1.5], "NOCDI": [], "LOWB": [], "LATE": [2.0]}
    assert ed.loc[ed["USUBJID"] == "EVT", "CDIREF"].notna().all()  # on every record, like BASE
    texts = set(ed["CRIT3"].dropna())
    assert texts == {"EDSS CHGCDI >= 1 (>= 1.5 if CDIREF = 0) after the 6-month CDI confirmation, "
                     "confirmed over 6 months"}


def test_core_baseline_flags_are_unchanged(built):
    ed = built["ADEDSS"]
    # EVT never worsens against its core baseline 3.0, PRE did before its CDI
    assert set(ed.loc[ed["USUBJID"] == "EVT", "CRIT1FL"].dropna()) == {"N"}
    pre = by_day(ed, "PRE", ["CDWEVFL", "CDIEVFL", "CDICFDT"])
    assert pre.loc[91, "CDWEVFL"] == "Y" and pre.loc[455, "CDIEVFL"] == "Y" and pre.loc[455, "CDICFDT"] == sas(637)


@pytest.mark.parametrize("name, start, adt, cnsr, desc, seq", [
    ("EVT", 273, 637, 0, "6-MONTH CDW AFTER CDI", 5),
    ("NOCONF", 273, 819, 1, "LAST EDSS ASSESSMENT", 7),
    ("RELX", 273, 1001, 1, "LAST EDSS ASSESSMENT", 7),
    ("PRE", 637, 1001, 1, "LAST EDSS ASSESSMENT", 7),  # the CDW of day 91 came before the CDI
    ("ZERO", 273, 819, 1, "LAST EDSS ASSESSMENT", 6),
    ("OPT", 273, 455, 0, "6-MONTH CDW AFTER CDI", 4),
])
def test_time_from_cdi_to_cdw(built, name, start, adt, cnsr, desc, seq):
    rec = _tte(built["ADTTE"], name, "CDWACDI")
    assert (rec["STARTDT"], rec["ADT"], rec["AVAL"]) == (sas(start), sas(adt), adt - start + 1)
    assert (rec["CNSR"], rec["EVNTDESC"], rec["CNSDTDSC"]) == (cnsr, desc, None if cnsr == 0 else desc)
    assert (rec["SRCDOM"], rec["SRCVAR"], rec["SRCSEQ"]) == ("ADEDSS", "ADT", seq)


def test_only_subjects_with_a_cdi_followed_in_year_12_have_a_record(built):
    tte = built["ADTTE"]
    have = set(tte.loc[tte["PARAMCD"] == "CDWACDI", "USUBJID"])
    assert have == {"EVT", "NOCONF", "RELX", "PRE", "ZERO", "OPT"}
    cdi = _tte(tte, "LATE", "CDI6")  # LATE has its CDI (onset in Year 12) ...
    assert (cdi["ADT"], cdi["CNSR"]) == (sas(4300), 0)  # ... but is confirmed after Year 12
    assert ("NOCDI", "CDW6") in set(zip(tte["USUBJID"], tte["PARAMCD"]))


def test_reference_at_the_confirmation():
    ed = build_all(_context({"reference": "cdi_confirmation_value"}))
    # OPT: CDIREF 2.5 (day 273); 2.5 on day 455 is no change, 3.5 from day 637 is +1.0, confirmed
    # 182 days later (day 819): the event moves from day 455 to day 637
    assert _flags(ed["ADEDSS"], "OPT")[455] == (0.0, "N", N, N, N)
    assert _flags(ed["ADEDSS"], "OPT")[637] == (1.0, "Y", "Y", 819, "Y")
    # ZERO: CDIREF 1.0 (confirmed at 1.0), so the +1.5 rule for a zero reference no longer applies
    assert set(ed["ADEDSS"].loc[ed["ADEDSS"]["USUBJID"] == "ZERO", "CDIREF"]) == {1.0}
    rec = _tte(ed["ADTTE"], "OPT", "CDWACDI")
    assert (rec["STARTDT"], rec["ADT"], rec["CNSR"]) == (sas(273), sas(637), 0)


def test_start_at_the_cdi_onset():
    built = build_all(_context({"start": "cdi_onset"}))
    # OPT: from day 91; 2.5 on day 273 is already +1.0 against the onset level 1.5 and stays so
    assert _flags(built["ADEDSS"], "OPT")[273] == (1.0, "Y", "Y", 455, "Y")
    rec = _tte(built["ADTTE"], "OPT", "CDWACDI")
    assert (rec["STARTDT"], rec["ADT"], rec["CNSR"]) == (sas(91), sas(273), 0)
    assert np.isclose(rec["AVALYR"], 183 / 365.25)


@pytest.mark.parametrize("key, value", [("start", "cdi_event"), ("reference", "nadir")])
def test_unknown_choice_is_an_input_error(key, value):
    ctx = _context({key: value})
    with pytest.raises(InputError) as info:
        ctx.adam["ADEDSS"] = adedss.build(ctx)
        adtte.build(ctx)
    [problem] = info.value.problems
    assert problem.file == "study.yaml" and f"cdw_after_cdi.{key}" in problem.message and value in problem.message
