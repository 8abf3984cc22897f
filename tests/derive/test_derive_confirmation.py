"""Confirmed change from baseline: hand-built histories with hand-written answers."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from adam.derive import derive_var_confirmed_change
from adam.errors import InputError

N = None  # a missing flag

# USUBJID, ADT, AVAL, BASE  ->  ONFL, CFFL, CFDT, EVFL   (worsening, threshold 1.0 / 1.5 at base 0,
# confirm 182 days with 7 days tolerance, relapse exclusion 30 days)
WORSENING = [
    # confirmed at exactly 182 days
    ("S01", 0, 2.0, 2.0, N, N, np.nan, N),
    ("S01", 91, 3.0, 2.0, "Y", "Y", 273, "Y"),
    ("S01", 273, 3.0, 2.0, "Y", N, np.nan, N),  # last assessment: never confirmed
    # 175 days: inside the 7-day tolerance
    ("S02", 0, 2.0, 2.0, N, N, np.nan, N),
    ("S02", 100, 3.0, 2.0, "Y", "Y", 275, "Y"),
    ("S02", 275, 3.0, 2.0, "Y", N, np.nan, N),
    # 174 days: too early, and nothing later
    ("S03", 0, 2.0, 2.0, N, N, np.nan, N),
    ("S03", 100, 3.0, 2.0, "Y", N, np.nan, N),
    ("S03", 274, 3.0, 2.0, "Y", N, np.nan, N),
    # a dip in between breaks the first onset; the second onset is confirmed
    ("S04", 0, 2.0, 2.0, N, N, np.nan, N),
    ("S04", 100, 3.0, 2.0, "Y", N, np.nan, N),
    ("S04", 190, 2.5, 2.0, N, N, np.nan, N),
    ("S04", 290, 3.0, 2.0, "Y", "Y", 480, "Y"),
    ("S04", 480, 3.0, 2.0, "Y", N, np.nan, N),
    # relapse 10 days before day 290: that visit cannot confirm, the next one (400) can
    ("S05", 0, 2.0, 2.0, N, N, np.nan, N),
    ("S05", 100, 3.0, 2.0, "Y", "Y", 400, "Y"),
    ("S05", 290, 3.0, 2.0, "Y", N, np.nan, N),
    ("S05", 400, 3.0, 2.0, "Y", N, np.nan, N),
    # relapse 40 days before day 290: it confirms
    ("S06", 0, 2.0, 2.0, N, N, np.nan, N),
    ("S06", 100, 3.0, 2.0, "Y", "Y", 290, "Y"),
    ("S06", 290, 3.0, 2.0, "Y", N, np.nan, N),
    # relapse exactly 30 days before: excluded (the window is inclusive)
    ("S07", 0, 2.0, 2.0, N, N, np.nan, N),
    ("S07", 100, 3.0, 2.0, "Y", N, np.nan, N),
    ("S07", 290, 3.0, 2.0, "Y", N, np.nan, N),
    # baseline 0: +1.0 is not enough, +1.5 is
    ("S08", 0, 0.0, 0.0, N, N, np.nan, N),
    ("S08", 100, 1.0, 0.0, N, N, np.nan, N),
    ("S08", 300, 1.0, 0.0, N, N, np.nan, N),
    ("S09", 0, 0.0, 0.0, N, N, np.nan, N),
    ("S09", 100, 1.5, 0.0, "Y", "Y", 300, "Y"),
    ("S09", 300, 1.5, 0.0, "Y", N, np.nan, N),
    # baseline 0.5: +1.0 is enough
    ("S10", 0, 0.5, 0.5, N, N, np.nan, N),
    ("S10", 100, 1.5, 0.5, "Y", "Y", 300, "Y"),
    ("S10", 300, 1.5, 0.5, "Y", N, np.nan, N),
    # missing visits: a long gap, the next visit confirms
    ("S11", 0, 2.0, 2.0, N, N, np.nan, N),
    ("S11", 100, 3.0, 2.0, "Y", "Y", 700, "Y"),
    ("S11", 700, 3.5, 2.0, "Y", N, np.nan, N),
    # worsening only at the last visit
    ("S12", 0, 2.0, 2.0, N, N, np.nan, N),
    ("S12", 100, 2.0, 2.0, N, N, np.nan, N),
    ("S12", 200, 2.5, 2.0, N, N, np.nan, N),
    ("S12", 300, 3.0, 2.0, "Y", N, np.nan, N),
    # a record without a value neither confirms nor breaks
    ("S13", 0, 2.0, 2.0, N, N, np.nan, N),
    ("S13", 100, 3.0, 2.0, "Y", "Y", 290, "Y"),
    ("S13", 200, np.nan, 2.0, N, N, np.nan, N),
    ("S13", 290, 3.0, 2.0, "Y", N, np.nan, N),
    # two confirmed onsets: only the first is the event
    ("S14", 0, 1.0, 1.0, N, N, np.nan, N),
    ("S14", 100, 2.0, 1.0, "Y", "Y", 290, "Y"),
    ("S14", 290, 2.5, 1.0, "Y", "Y", 480, N),
    ("S14", 480, 2.0, 1.0, "Y", N, np.nan, N),
]
RELAPSES = pd.DataFrame({
    "USUBJID": ["S05", "S06", "S07", "S01"],
    "ASTDT": [280.0, 250.0, 260.0, np.nan],  # a missing onset date is ignored
})


def _frame(rows, shuffle: bool = True) -> tuple[pd.DataFrame, pd.DataFrame]:
    data = pd.DataFrame(rows, columns=["USUBJID", "ADT", "AVAL", "BASE", "ONFL", "CFFL", "CFDT", "EVFL"])
    data["ADT"] = data["ADT"].astype(float)
    if shuffle:  # rows in no particular order; the output must keep this order
        data = data.sample(frac=1.0, random_state=7)
        data.index = np.arange(100, 100 + len(data))
    return data[["USUBJID", "ADT", "AVAL", "BASE"]], data


def _assert_result(out: pd.DataFrame, expected: pd.DataFrame, prefix: str) -> None:
    assert list(out.index) == list(expected.index)
    for new, exp in (("ONFL", "ONFL"), ("CFFL", "CFFL"), ("EVFL", "EVFL")):
        got = out[f"{prefix}{new}"].astype(object).where(out[f"{prefix}{new}"].notna(), None).tolist()
        want = expected[exp].astype(object).where(expected[exp].notna(), None).tolist()
        assert got == want, (new, list(zip(expected["USUBJID"], expected["ADT"], got, want)))
    np.testing.assert_array_equal(out[f"{prefix}CFDT"].to_numpy(), expected["CFDT"].to_numpy(dtype=float))


def test_worsening_cases():
    df, expected = _frame(WORSENING)
    out = derive_var_confirmed_change(df, events=RELAPSES)
    _assert_result(out, expected, "CDW")
    assert list(out.columns) == ["USUBJID", "ADT", "AVAL", "BASE", "CDWONFL", "CDWCFFL", "CDWCFDT", "CDWEVFL"]
    # the input is untouched
    assert list(df.columns) == ["USUBJID", "ADT", "AVAL", "BASE"]


def test_without_events_relapse_visits_confirm():
    df, _ = _frame(WORSENING, shuffle=False)
    out = derive_var_confirmed_change(df)
    s05 = out[out["USUBJID"] == "S05"]
    assert s05["CDWCFDT"].tolist()[1] == 290.0
    s07 = out[out["USUBJID"] == "S07"]
    assert s07["CDWCFFL"].tolist()[1] == "Y"


def test_tolerance_and_exclusion_are_parameters():
    df, _ = _frame(WORSENING, shuffle=False)
    out = derive_var_confirmed_change(df, events=RELAPSES, tolerance_days=0, exclusion_days=5)
    by_subject = out.groupby("USUBJID")["CDWCFDT"].first()
    assert by_subject["S01"] == 273.0  # 182 days still confirms
    assert np.isnan(by_subject["S02"])  # 175 days no longer does
    assert by_subject["S05"] == 290.0  # relapse 10 days before is outside a 5-day exclusion


def test_filter_restricts_records():
    df, _ = _frame(WORSENING, shuffle=False)
    out = derive_var_confirmed_change(df, filter="ADT > 0", false_value="N")
    base_rows = out[out["ADT"] == 0]
    assert base_rows["CDWONFL"].isna().all() and base_rows["CDWEVFL"].isna().all()
    s12 = out[out["USUBJID"] == "S12"]
    assert s12["CDWONFL"].fillna("-").tolist() == ["-", "N", "N", "Y"]
    assert s12["CDWCFFL"].fillna("-").tolist() == ["-", "N", "N", "N"]


IMPROVEMENT = [
    # base 3.0: decrease of 1.0 confirmed
    ("I01", 0, 3.0, 3.0, N, N, np.nan, N),
    ("I01", 100, 2.0, 3.0, "Y", "Y", 290, "Y"),
    ("I01", 290, 2.0, 3.0, "Y", N, np.nan, N),
    # base 1.5: below min_base 2.0, never counted
    ("I02", 0, 1.5, 1.5, N, N, np.nan, N),
    ("I02", 100, 0.5, 1.5, N, N, np.nan, N),
    ("I02", 290, 0.0, 1.5, N, N, np.nan, N),
    # base exactly 2.0 counts
    ("I03", 0, 2.0, 2.0, N, N, np.nan, N),
    ("I03", 100, 1.0, 2.0, "Y", "Y", 290, "Y"),
    ("I03", 290, 1.0, 2.0, "Y", N, np.nan, N),
    # a dip (only 0.5 better) breaks it; base 0 threshold does not apply to improvement
    ("I04", 0, 4.0, 4.0, N, N, np.nan, N),
    ("I04", 100, 3.0, 4.0, "Y", N, np.nan, N),
    ("I04", 200, 3.5, 4.0, N, N, np.nan, N),
    ("I04", 300, 3.0, 4.0, "Y", N, np.nan, N),
]


def test_improvement_only_from_base_2():
    df, expected = _frame(IMPROVEMENT)
    out = derive_var_confirmed_change(df, direction="improvement", min_base=2.0)
    _assert_result(out, expected, "CDI")


def test_improvement_without_min_base_counts_low_base():
    df, _ = _frame(IMPROVEMENT, shuffle=False)
    out = derive_var_confirmed_change(df, direction="improvement", new_vars_prefix="IMP")
    i02 = out[out["USUBJID"] == "I02"]
    assert i02["IMPONFL"].fillna("-").tolist() == ["-", "Y", "Y"]
    assert i02["IMPCFDT"].tolist()[1] == 290.0


TIES = pd.DataFrame({
    "USUBJID": ["T1", "T1", "T1", "T1", "T2", "T2", "T2", "T2"],
    "EDSEQ": [1, 2, 3, 4, 1, 2, 3, 4],
    "ADT": [0.0, 100.0, 100.0, 290.0, 0.0, 100.0, 290.0, 290.0],
    "AVAL": [2.0, 3.0, 2.0, 3.0, 2.0, 3.0, 3.0, 2.0],
    "BASE": 2.0,
})


def test_ties_error_names_every_tied_record():
    with pytest.raises(InputError) as err:
        derive_var_confirmed_change(TIES)
    records = sorted(p.record for p in err.value.problems)
    assert records == ["USUBJID=T1 EDSEQ=2", "USUBJID=T1 EDSEQ=3", "USUBJID=T2 EDSEQ=3", "USUBJID=T2 EDSEQ=4"]
    assert all(p.variable == "ADT" for p in err.value.problems)


def test_ties_max_min_mean():
    # max: T1 day 100 is 3.0 (onset), confirmed on 290; T2 confirming day 290 is 3.0
    out = derive_var_confirmed_change(TIES, ties="max")
    assert out["CDWONFL"].fillna("-").tolist() == ["-", "Y", "Y", "Y", "-", "Y", "Y", "Y"]
    np.testing.assert_array_equal(out["CDWCFDT"].to_numpy(),
                                  [np.nan, 290.0, 290.0, np.nan, np.nan, 290.0, np.nan, np.nan])
    assert out["CDWEVFL"].fillna("-").tolist() == ["-", "Y", "-", "-", "-", "Y", "-", "-"]
    # min: T1 day 100 is 2.0 (no onset); T2 day 290 is 2.0 so the onset on 100 is unconfirmed
    out = derive_var_confirmed_change(TIES, ties="min")
    assert out["CDWONFL"].fillna("-").tolist() == ["-", "-", "-", "Y", "-", "Y", "-", "-"]
    assert out["CDWCFFL"].isna().all() and out["CDWEVFL"].isna().all()
    # mean: T1 day 100 is 2.5 (+0.5, no onset); T2 day 290 is 2.5
    out = derive_var_confirmed_change(TIES, ties="mean", false_value="N")
    assert out["CDWONFL"].tolist() == ["N", "N", "N", "Y", "N", "Y", "N", "N"]
    assert out["CDWCFFL"].tolist() == ["N"] * 8


def test_threshold_if_base_zero_none_uses_threshold():
    df = pd.DataFrame({"USUBJID": "A", "ADT": [0.0, 100.0, 300.0], "AVAL": [0.0, 1.0, 1.0], "BASE": 0.0})
    out = derive_var_confirmed_change(df, threshold_if_base_zero=None)
    assert out["CDWEVFL"].tolist()[1] == "Y"


def test_empty_frame():
    df = pd.DataFrame({"USUBJID": pd.Series([], dtype="str"), "ADT": pd.Series([], dtype=float),
                       "AVAL": pd.Series([], dtype=float), "BASE": pd.Series([], dtype=float)})
    out = derive_var_confirmed_change(df, events=RELAPSES)
    assert len(out) == 0 and "CDWEVFL" in out.columns


def test_bad_arguments_reported_together():
    df = pd.DataFrame({"USUBJID": ["A"], "ADT": ["2020-01-01"], "AVAL": [1.0], "CDIONFL": ["Y"]})
    with pytest.raises(InputError) as err:
        derive_var_confirmed_change(df, direction="sideways", threshold=-1, tolerance_days=200,
                                    events=pd.DataFrame({"USUBJID": ["A"]}))
    text = str(err.value)
    assert "argument date: column ADT must be numeric" in text
    assert "argument base: column BASE not found" in text
    assert "argument direction must be one of" in text
    assert "argument threshold must be a non-negative number" in text
    assert "tolerance_days (200) exceeds confirm_days (182)" in text
    assert "argument event_date: column ASTDT not found" in text
    assert "CDIONFL already exists" in text  # an unknown direction gets the improvement prefix
    assert len(err.value.problems) == 7


# ---------------------------------------------------------------------------- scale


def _reference(days, values, base, relapses, direction="worsening", threshold=1.0, t0=1.5,
               window=175.0, excl=30.0):
    """Slow, obviously-correct version for one subject (loops; test only)."""
    n = len(days)

    def meets(k):
        if direction == "worsening":
            need = t0 if base == 0 else threshold
            return values[k] - base >= need
        return base - values[k] >= threshold

    def excluded(k):
        return any(days[k] - excl <= r <= days[k] for r in relapses)

    onfl, cfdt = [], []
    for i in range(n):
        onfl.append(meets(i))
        found = np.nan
        if meets(i):
            for j in range(i + 1, n):
                if not meets(j):
                    break
                if days[j] - days[i] >= window and not excluded(j):
                    found = days[j]
                    break
        cfdt.append(found)
    cf = [not np.isnan(c) for c in cfdt]
    ev = [False] * n
    if any(cf):
        ev[cf.index(True)] = True
    return onfl, cfdt, ev


def test_vectorized_on_200000_rows_matches_reference():
    rng = np.random.default_rng(20240611)
    n_subj, n_vis = 20_000, 10
    subj = np.repeat(np.arange(n_subj), n_vis)
    gaps = rng.choice([60, 91, 120, 175, 182, 200, 365], size=(n_subj, n_vis)) + rng.integers(-7, 8, (n_subj, n_vis))
    days = np.cumsum(np.maximum(gaps, 1), axis=1).astype(float).ravel()
    steps = rng.choice([-0.5, 0.0, 0.0, 0.5, 1.0], size=(n_subj, n_vis))
    base = rng.choice(np.arange(0.0, 6.5, 0.5), size=n_subj)
    values = np.clip(base[:, None] + np.cumsum(steps, axis=1), 0, 9.5).ravel()
    df = pd.DataFrame({
        "USUBJID": pd.Series([f"S{i:06d}" for i in subj], dtype="str"),
        "ADT": days, "AVAL": values, "BASE": base[subj],
    })
    df = df.sample(frac=1.0, random_state=3).reset_index(drop=True)  # not sorted
    n_rel = 15_000
    rel_subj = rng.integers(0, n_subj, n_rel)
    relapses = pd.DataFrame({"USUBJID": [f"S{i:06d}" for i in rel_subj],
                             "ASTDT": rng.integers(0, 2500, n_rel).astype(float)})

    t = time.perf_counter()
    out = derive_var_confirmed_change(df, events=relapses)
    out_imp = derive_var_confirmed_change(df, direction="improvement")
    elapsed = time.perf_counter() - t
    assert elapsed < 20, elapsed
    assert len(out) == 200_000
    assert out["CDWEVFL"].eq("Y").sum() > 500  # the synthetic data has plenty of events

    pick = {f"S{s:06d}" for s in rng.choice(n_subj, 300, replace=False)}
    chosen = out[out["USUBJID"].isin(pick)].sort_values(["USUBJID", "ADT"])
    rel_by_subject = relapses.groupby("USUBJID")["ASTDT"].apply(list).to_dict()
    checked = 0
    for sid, sub in chosen.groupby("USUBJID"):
        checked += 1
        imp = out_imp.loc[sub.index]
        rel = rel_by_subject.get(sid, [])
        d, v, b = sub["ADT"].tolist(), sub["AVAL"].tolist(), sub["BASE"].iloc[0]
        onfl, cfdt, ev = _reference(d, v, b, rel)
        assert (sub["CDWONFL"] == "Y").tolist() == onfl, sid
        np.testing.assert_array_equal(sub["CDWCFDT"].to_numpy(), np.array(cfdt, dtype=float), err_msg=sid)
        assert (sub["CDWEVFL"] == "Y").tolist() == ev, sid
        onfl, cfdt, ev = _reference(d, v, b, [], direction="improvement")
        assert (imp["CDIONFL"] == "Y").tolist() == onfl, sid
        np.testing.assert_array_equal(imp["CDICFDT"].to_numpy(), np.array(cfdt, dtype=float), err_msg=sid)
        assert (imp["CDIEVFL"] == "Y").tolist() == ev, sid
    assert checked == 300


def test_events_keyed_by_subject_with_parameter_groups():
    df, expected = _frame(WORSENING)
    df = df.assign(PARAMCD="EDSS")
    out = derive_var_confirmed_change(df, by_vars=["USUBJID", "PARAMCD"], events=RELAPSES,
                                      event_by_vars=["USUBJID"])
    _assert_result(out[["CDWONFL", "CDWCFFL", "CDWCFDT", "CDWEVFL"]], expected, "CDW")
    with pytest.raises(InputError, match="event_by_vars: VISIT is not one of by_vars"):
        derive_var_confirmed_change(df, events=RELAPSES, event_by_vars=["VISIT"])


def test_docstring_example():
    df = pd.DataFrame({"USUBJID": "1", "ADT": [0.0, 91.0, 266.0], "AVAL": [2.0, 3.0, 3.0], "BASE": 2.0})
    out = derive_var_confirmed_change(df)
    assert out["CDWONFL"].fillna("-").tolist() == ["-", "Y", "Y"]
    assert out["CDWCFFL"].fillna("-").tolist() == ["-", "Y", "-"]
    np.testing.assert_array_equal(out["CDWCFDT"].to_numpy(), [np.nan, 266.0, np.nan])
    assert out["CDWEVFL"].fillna("-").tolist() == ["-", "Y", "-"]


# Edge cases of the by-group and event matching (integer key codes, categorical keys, events
# matched on a subset of by_vars), with numeric flags: 1.0 / 0.0, NaN where not taking part.
EDGES = pd.DataFrame({
    "USUBJID": pd.Categorical(["E1", "E1", "E1", "E2", "E2", "E2", "E3", "E3", "E4", "E4", "E4"]),
    "PARAMCD": "EDSS",
    # E1: onset 100, confirmation at the border (100 + 175 = 275); E2: relapse on the
    # confirmation day 275 (gap 0 <= 30: excluded), the next visit 400 confirms; E3: baseline
    # only (no post-baseline record: nothing taking part); E4: relapse 31 days before 275
    "ADT": [0.0, 100.0, 275.0, 0.0, 100.0, 275.0, 0.0, -10.0, 0.0, 100.0, 275.0],
    "AVAL": [2.0, 3.0, 3.0, 2.0, 3.0, 3.0, 2.0, 2.0, 2.0, 3.0, 3.0],
    "BASE": 2.0,
})
EDGE_EVENTS = pd.DataFrame({"USUBJID": ["E2", "E4", "E9"], "ASTDT": [275.0, 244.0, 1.0]})


def test_edges_with_categorical_keys_and_numeric_flags():
    df = pd.concat([EDGES, pd.DataFrame({"USUBJID": pd.Categorical(["E2"], categories=EDGES["USUBJID"].cat.categories),
                                         "PARAMCD": ["EDSS"], "ADT": [400.0], "AVAL": [3.0], "BASE": [2.0]})],
                   ignore_index=True)
    out = derive_var_confirmed_change(df, by_vars=["USUBJID", "PARAMCD"], events=EDGE_EVENTS,
                                      event_by_vars=["USUBJID"], filter=df["ADT"].to_numpy() > 0,
                                      true_value=1.0, false_value=0.0)
    # rows: E1 0/100/275, E2 0/100/275, E3 0/-10, E4 0/100/275, E2 400
    np.testing.assert_array_equal(out["CDWONFL"].to_numpy(),
                                  [np.nan, 1, 1, np.nan, 1, 1, np.nan, np.nan, np.nan, 1, 1, 1])
    np.testing.assert_array_equal(out["CDWCFFL"].to_numpy(),
                                  [np.nan, 1, 0, np.nan, 1, 0, np.nan, np.nan, np.nan, 1, 0, 0])
    np.testing.assert_array_equal(out["CDWCFDT"].to_numpy(),
                                  [np.nan, 275, np.nan, np.nan, 400, np.nan, np.nan, np.nan, np.nan, 275,
                                   np.nan, np.nan])
    np.testing.assert_array_equal(out["CDWEVFL"].to_numpy(),
                                  [np.nan, 1, 0, np.nan, 1, 0, np.nan, np.nan, np.nan, 1, 0, 0])
    assert out["USUBJID"].dtype == "category"  # the input's columns are kept as they are


def test_missing_group_keys_form_one_group_and_match_events():
    df = pd.DataFrame({"USUBJID": pd.Series([None, None, "A", "A"], dtype="str"),
                       "ADT": [100.0, 290.0, 100.0, 290.0], "AVAL": 3.0, "BASE": 2.0})
    events = pd.DataFrame({"USUBJID": [None], "ASTDT": [280.0]})  # 10 days before 290
    out = derive_var_confirmed_change(df, events=events)
    # the missing-USUBJID records are one group; its relapse blocks the confirmation at 290
    assert out["CDWCFFL"].fillna("-").tolist() == ["-", "-", "Y", "-"]


def test_ties_on_the_same_day_with_categorical_keys():
    ties = TIES.assign(USUBJID=pd.Categorical(TIES["USUBJID"]))
    out = derive_var_confirmed_change(ties, ties="max")
    assert out["CDWEVFL"].fillna("-").tolist() == ["-", "Y", "-", "-", "-", "Y", "-", "-"]
    with pytest.raises(InputError) as err:
        derive_var_confirmed_change(ties)
    assert len(err.value.problems) == 4
