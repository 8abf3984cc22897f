"""CAMMS223 efficacy datasets (ADEDSS, ADRR, ADMRI, ADNEDA, ADTTE) on hand-built histories.

Every subject starts treatment on 2010-01-01 (SAS date 18263, day offset 0); assessments are
given as day offsets, so ADY = offset + 1. Expected values are worked out by hand in the
comments: the confirmation rule (specs/camms223/methods_efficacy.yaml, MT.ADEDSS.CDW) needs a
later assessment at least 182 - 7 = 175 days after the onset, every assessment in between at or
above the threshold, and no relapse onset in the 30 days before the confirming assessment.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from adam.datasets.camms223 import adedss, admri, adneda, adrr, adtte
from adam.engine import BuildContext, conform_to_spec, copy_predecessors
from adam.errors import InputError
from adam.spec.load import load_spec

SPEC_DIR = Path(__file__).resolve().parents[1] / "specs" / "camms223"
ORIGIN = dt.date(2010, 1, 1)  # first dose of every test subject (day offset 0)
T0 = float((ORIGIN - dt.date(1960, 1, 1)).days)  # its SAS date


@lru_cache(maxsize=1)
def spec():
    return load_spec(SPEC_DIR)


def iso(offset: float) -> str:
    """ISO date of a day offset from the first dose."""
    return (ORIGIN + dt.timedelta(days=int(offset))).isoformat()


def sas(offset: float) -> float:
    return T0 + offset


def adsl(*subjects: dict) -> pd.DataFrame:
    """ADSL rows: USUBJID plus offsets (days from first dose) for the date variables given."""
    rows = []
    for s in subjects:
        row = {"STUDYID": "CAMMS223", "USUBJID": s["USUBJID"], "SUBJID": s["USUBJID"][-4:],
               "SITEID": "101", "TRT01A": "Alemtuzumab 12 mg", "A12FL": "Y",
               "LTCFL": s.get("LTCFL", "Y"), "DISCGRFL": "N" if s.get("LTCFL", "Y") == "Y" else "Y",
               "TRTSDT": sas(0), "BEDSS": s.get("BEDSS", np.nan)}
        for var in ("EXT1SDT", "EOSDT", "LSTALVDT", "DCUTDT", "DTHDT", "CRS1SDT", "CRS2SDT", "CRS3SDT"):
            off = s.get(var)
            row[var] = np.nan if off is None else sas(off)
        row["CRS1SDT"] = sas(0) if s.get("CRS1SDT") is None else row["CRS1SDT"]
        for k in range(4, 8):
            row[f"CRS{k}SDT"] = np.nan
        rows.append(row)
    return pd.DataFrame(rows)


def rs(usubjid: str, visits: list[tuple[float, float]], start_seq: int = 1) -> pd.DataFrame:
    """EDSS records (RS) of one subject from (day offset, score) pairs, in the order given."""
    n = len(visits)
    return pd.DataFrame({
        "STUDYID": "CAMMS223", "DOMAIN": "RS", "USUBJID": usubjid,
        "RSSEQ": np.arange(start_seq, start_seq + n, dtype=float), "RSTESTCD": "EDSS0101",
        "RSSTRESN": [float(v) for _, v in visits], "VISITNUM": np.arange(1, n + 1, dtype=float) + 99,
        "VISIT": [f"V{i}" for i in range(n)], "RSDTC": [iso(o) for o, _ in visits]})


def ce(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    """Relapses (CE) from (USUBJID, CESTDTC, CESEV) triples; CESEQ numbered per subject."""
    frame = pd.DataFrame(rows, columns=["USUBJID", "CESTDTC", "CESEV"])
    frame["CESEQ"] = frame.groupby("USUBJID").cumcount().astype(float) + 1
    frame["CEDECOD"] = "MULTIPLE SCLEROSIS RELAPSE"
    frame["CETERM"] = "MULTIPLE SCLEROSIS RELAPSE"
    return frame.assign(CESTDTC=frame["CESTDTC"].replace("", np.nan))


def empty_ce() -> pd.DataFrame:
    return ce([]).astype({"USUBJID": "str", "CESTDTC": "str", "CESEV": "str"})


def nv(rows: list[tuple[str, float, str, float]]) -> pd.DataFrame:
    """MRI counts (NV) from (USUBJID, day offset, NVTESTCD, count)."""
    frame = pd.DataFrame(rows, columns=["USUBJID", "OFF", "NVTESTCD", "NVSTRESN"])
    frame["NVSEQ"] = frame.groupby("USUBJID").cumcount().astype(float) + 1
    frame["NVDTC"] = [iso(o) for o in frame["OFF"]]
    frame["VISIT"] = "MONTH"
    frame["VISITNUM"] = 100 + np.round(frame["OFF"] / 30.4375)
    frame["NVSTRESN"] = frame["NVSTRESN"].astype(float)
    return frame.drop(columns=["OFF"])


def cm(rows: list[tuple[str, float]]) -> pd.DataFrame:
    """Relapse treatment (CM) starts from (USUBJID, day offset)."""
    frame = pd.DataFrame(rows, columns=["USUBJID", "OFF"])
    frame["CMSEQ"] = frame.groupby("USUBJID").cumcount().astype(float) + 1
    frame["CMCAT"] = "RELAPSE TREATMENT"
    frame["CMTRT"] = "METHYLPREDNISOLONE"
    frame["CMSTDTC"] = [iso(o) for o in frame["OFF"]]
    return frame.drop(columns=["OFF"])


def context(adsl_frame: pd.DataFrame, **domains: pd.DataFrame) -> BuildContext:
    sdtm = {"RS": rs("X", []), "CE": empty_ce(), "NV": nv([]), "CM": cm([])}
    sdtm.update({k.upper(): v for k, v in domains.items()})
    return BuildContext(spec=spec(), sdtm=sdtm, adam={"ADSL": adsl_frame})


def conformed(ctx: BuildContext, name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """The frame as the engine would store it (predecessors copied, spec order and types)."""
    ds = spec().dataset(name)
    full = copy_predecessors(frame, ds, {**ctx.sdtm, **ctx.adam})
    return conform_to_spec(full, ds)


def by_day(frame: pd.DataFrame, usubjid: str, columns: list[str]) -> pd.DataFrame:
    """A subject's analysed records keyed by day offset, for compact assertions."""
    sub = frame.loc[frame["USUBJID"] == usubjid].copy()
    sub.index = (sub["ADT"] - T0).astype(int)
    return sub[columns]


def build_all(ctx: BuildContext, upto: str = "ADTTE") -> dict[str, pd.DataFrame]:
    """Build the efficacy datasets in spec order, each conformed as the engine stores it."""
    for module in (adedss, adrr, admri, adneda, adtte):
        ctx.adam[module.DATASET] = conformed(ctx, module.DATASET, module.build(ctx))
        if module.DATASET == upto:
            break
    return ctx.adam


# ------------------------------------------------------------------------------------ ADEDSS
HISTORIES = {
    # name: (EDSS (day offset, score) pairs, relapse onset offsets)
    "C182": ([(0, 2.0), (91, 3.0), (273, 3.0)], []),  # confirmed exactly 182 days later
    "C175": ([(0, 2.0), (91, 3.0), (266, 3.0)], []),  # 175 days: inside the 7-day tolerance
    "C174": ([(0, 2.0), (91, 3.0), (265, 3.0)], []),  # 174 days: too early
    "DIP": ([(0, 2.0), (91, 3.0), (182, 2.5), (273, 3.0), (460, 3.0)], []),
    "REL10": ([(0, 2.0), (91, 3.0), (273, 3.0), (364, 3.0)], [263]),  # relapse 10 days before
    "REL40": ([(0, 2.0), (91, 3.0), (273, 3.0), (364, 3.0)], [233]),  # relapse 40 days before
    "LAST": ([(0, 2.0), (91, 2.0), (182, 3.0)], []),  # worsening at the last visit
    "B0": ([(0, 0.0), (91, 1.0), (273, 1.0)], []),  # baseline 0 needs +1.5
    "B0W": ([(0, 0.0), (91, 1.5), (273, 1.5)], []),
    "B05": ([(0, 0.5), (91, 1.5), (273, 1.5)], []),  # baseline 0.5 needs +1.0
    "GAP": ([(0, 2.0), (91, 3.0), (364, 3.0)], []),  # Months 6 and 9 missed
    "IMP15": ([(0, 1.5), (91, 0.0), (273, 0.0)], []),  # improvement not assessed below 2.0
    "IMP2": ([(0, 2.0), (91, 1.0), (273, 1.0)], []),
    "NOPOST": ([(-20, 2.0), (0, 2.0)], []),  # no post-baseline data
}


@pytest.fixture(scope="module")
def edss_built():
    subjects = [{"USUBJID": name} for name in HISTORIES]
    rs_frames = [rs(name, visits) for name, (visits, _) in HISTORIES.items()]
    relapses = [(name, iso(day), "MILD") for name, (_, days) in HISTORIES.items() for day in days]
    ctx = context(adsl(*subjects), RS=pd.concat(rs_frames, ignore_index=True), CE=ce(relapses))
    return build_all(ctx, upto="ADEDSS")["ADEDSS"], ctx


CDW_COLS = ["CRIT1FL", "CDWCFFL", "CDWCFDT", "CDWEVFL"]
N = None


@pytest.mark.parametrize("name, expected", [
    # day: (CRIT1FL, CDWCFFL, confirmation day, CDWEVFL)
    ("C182", {91: ("Y", "Y", 273, "Y"), 273: ("Y", "N", N, N)}),
    ("C175", {91: ("Y", "Y", 266, "Y"), 266: ("Y", "N", N, N)}),
    ("C174", {91: ("Y", "N", N, N), 265: ("Y", "N", N, N)}),
    ("DIP", {91: ("Y", "N", N, N), 182: ("N", N, N, N), 273: ("Y", "Y", 460, "Y"),
             460: ("Y", "N", N, N)}),
    ("REL10", {91: ("Y", "Y", 364, "Y"), 273: ("Y", "N", N, N), 364: ("Y", "N", N, N)}),
    ("REL40", {91: ("Y", "Y", 273, "Y"), 273: ("Y", "N", N, N), 364: ("Y", "N", N, N)}),
    ("LAST", {91: ("N", N, N, N), 182: ("Y", "N", N, N)}),
    ("B0", {91: ("N", N, N, N), 273: ("N", N, N, N)}),
    ("B0W", {91: ("Y", "Y", 273, "Y"), 273: ("Y", "N", N, N)}),
    ("B05", {91: ("Y", "Y", 273, "Y"), 273: ("Y", "N", N, N)}),
    ("GAP", {91: ("Y", "Y", 364, "Y"), 364: ("Y", "N", N, N)}),
])
def test_confirmed_worsening(edss_built, name, expected):
    frame, _ = edss_built
    got = by_day(frame, name, CDW_COLS)
    for day, (crit, conf, conf_day, event) in expected.items():
        row = got.loc[day]
        flags = [None if pd.isna(row[c]) else row[c] for c in ("CRIT1FL", "CDWCFFL", "CDWEVFL")]
        assert flags == [crit, conf, event], (name, day)
        assert (np.isnan(row["CDWCFDT"]) if conf_day is None else row["CDWCFDT"] == sas(conf_day)), (name, day)


def _values(frame: pd.DataFrame, name: str, column: str) -> list:
    sub = frame.loc[(frame["USUBJID"] == name)].sort_values("ASEQ")
    return [None if pd.isna(v) else v for v in sub[column]]


def test_relapse_window_flag_marks_only_the_excluded_visit(edss_built):
    frame, _ = edss_built
    assert _values(frame, "REL10", "RLPEXFL") == [None, None, "Y", None]  # 273 - 263 = 10 <= 30
    assert _values(frame, "REL40", "RLPEXFL") == [None, None, None, None]  # 273 - 233 = 40 > 30


def test_improvement_only_from_baseline_two(edss_built):
    frame, _ = edss_built
    assert _values(frame, "IMP15", "CRIT2FL") == [None, None, None]
    assert _values(frame, "IMP15", "CDICFFL") == [None, None, None]
    assert _values(frame, "IMP15", "CHGCAT1") == [None, "IMPROVED", "IMPROVED"]
    assert _values(frame, "IMP2", "CRIT2FL") == [None, "Y", "Y"]
    assert _values(frame, "IMP2", "CDICFFL") == [None, "Y", "N"]
    assert _values(frame, "IMP2", "CDICFDT") == [None, sas(273), None]
    assert _values(frame, "IMP2", "CDIEVFL") == [None, "Y", None]
    assert _values(frame, "IMP2", "CDWEVFL") == [None, None, None]


def test_baseline_change_visits_and_categories(edss_built):
    frame, _ = edss_built
    assert _values(frame, "NOPOST", "ABLFL") == [None, "Y"]  # the day-0 record, not screening
    assert _values(frame, "NOPOST", "BASE") == [2.0, 2.0]
    assert _values(frame, "NOPOST", "CHG") == [None, None]
    assert _values(frame, "NOPOST", "CRIT1FL") == [None, None]
    assert _values(frame, "NOPOST", "AVISIT") == [None, "Baseline"]
    assert _values(frame, "REL10", "ADY") == [1, 92, 274, 365]
    assert _values(frame, "REL10", "AVISIT") == ["Baseline", "Month 3", "Month 9", "Month 12"]
    assert _values(frame, "REL10", "AWTARGET") == [None, 92, 275, 366]  # round(m*30.4375)+1
    assert _values(frame, "REL10", "ANL01FL") == ["Y", "Y", "Y", "Y"]
    assert _values(frame, "REL10", "ANL02FL") == [None, None, None, "Y"]  # Year 1 visit
    assert _values(frame, "DIP", "CHG") == [None, 1.0, 0.5, 1.0, 1.0]
    assert _values(frame, "DIP", "CHGCAT1") == [None, "WORSENED", "STABLE", "WORSENED", "WORSENED"]
    assert _values(frame, "B0", "CHGCAT1") == [None, "WORSENED", "WORSENED"]  # CDW needs 1.5, not the category
    assert _values(frame, "C182", "SRCSEQ") == [1, 2, 3]
    assert _values(frame, "C182", "ASEQ") == [1, 2, 3]
    assert set(frame["SRCDOM"]) == {"RS"}


def test_crit_text_follows_the_parameters(edss_built):
    frame, _ = edss_built
    assert set(frame["CRIT1"].dropna()) == {"EDSS CHG >= 1 (>= 1.5 if BASE = 0), confirmed over 6 months"}
    assert set(frame["CRIT2"].dropna()) == {"EDSS CHG <= -1 with BASE >= 2, confirmed over 6 months"}


def test_same_day_scores_are_averaged_into_one_analysed_record():
    ctx = context(adsl({"USUBJID": "DUP"}),
                  RS=rs("DUP", [(0, 2.0), (91, 3.0), (91, 2.5), (273, 3.0)]))
    frame = build_all(ctx, upto="ADEDSS")["ADEDSS"]
    # sorted by ASEQ: day 0, day 91 (RSSEQ 2, 3), the AVERAGE of day 91, day 273
    assert _values(frame, "DUP", "DTYPE") == [None, None, None, "AVERAGE", None]
    assert _values(frame, "DUP", "AVAL") == [2.0, 3.0, 2.5, 2.75, 3.0]
    assert _values(frame, "DUP", "ANL01FL") == ["Y", None, None, "Y", "Y"]
    assert _values(frame, "DUP", "CRIT1FL") == [None, None, None, "N", "Y"]  # CHG 0.75 < 1
    assert _values(frame, "DUP", "CHGCAT1") == [None, "WORSENED", "STABLE", None, "WORSENED"]
    assert _values(frame, "DUP", "SRCSEQ") == [1, 2, 3, None, 4]


def test_baseline_rule_strictly_before_first_dose():
    strict = spec().model_copy(deep=True)
    strict.study.analysis["edss"]["baseline_rule"] = "last assessment before first dose"
    ctx = context(adsl({"USUBJID": "S"}), RS=rs("S", [(-20, 1.0), (0, 2.0), (91, 3.0)]))
    ctx.spec = strict
    frame = adedss.build(ctx)
    assert _values(frame, "S", "ABLFL") == ["Y", None, None]
    assert _values(frame, "S", "CHG") == [None, None, 2.0]  # day 0 is neither baseline nor after it
    strict.study.analysis["edss"]["baseline_rule"] = "first assessment"
    with pytest.raises(InputError, match="edss.baseline_rule"):
        adedss.build(ctx)


def test_impossible_edss_scores_are_input_errors_naming_the_records():
    bad = rs("E", [(0, 2.0), (91, 11.0), (182, 2.25), (273, -0.5)])
    with pytest.raises(InputError) as info:
        adedss.build(context(adsl({"USUBJID": "E"}), RS=bad))
    records = [p.record for p in info.value.problems]
    assert records == ["USUBJID=E, RSSEQ=2", "USUBJID=E, RSSEQ=3", "USUBJID=E, RSSEQ=4"]
    assert {p.variable for p in info.value.problems} == {"RSSTRESN"}


def test_partial_assessment_date_is_kept_unanalysed_with_a_warning():
    frame = rs("P", [(0, 2.0), (91, 3.0)])
    frame.loc[1, "RSDTC"] = "2010-04"
    ctx = context(adsl({"USUBJID": "P"}), RS=frame)
    out = adedss.build(ctx)
    assert _values(out, "P", "ANL01FL") == ["Y", None]
    assert [w.record for w in ctx.warnings] == ["USUBJID=P, RSSEQ=2"]


# ------------------------------------------------------------------------------------ ADRR
@pytest.fixture(scope="module")
def adrr_built():
    subjects = adsl({"USUBJID": "R1", "EOSDT": 800, "CRS2SDT": 365},
                    {"USUBJID": "R2", "DCUTDT": 5000, "LSTALVDT": 4999})
    relapses = ce([("R1", iso(100), "MILD"), ("R1", iso(400), "SEVERE"), ("R1", "2011-03", "MODERATE"),
                   ("R1", "", "MILD"), ("R1", iso(900), "MILD"), ("R2", iso(4400), "MILD")])
    ctx = context(subjects, CE=relapses, CM=cm([("R1", 103), ("R2", 4300)]))
    return build_all(ctx, upto="ADRR")["ADRR"], ctx


def test_relapse_records(adrr_built):
    frame, ctx = adrr_built
    rel = frame.loc[(frame["PARAMCD"] == "RELAPSE") & (frame["USUBJID"] == "R1")].sort_values("ASEQ")
    # CESEQ 1 day 100, 2 day 400, 3 "2011-03" -> 2011-03-01 = day 424, 5 day 900 (after EOSDT), 4 no date
    assert list(rel["SRCSEQ"]) == [1, 2, 3, 5, 4]
    assert [None if pd.isna(v) else v - T0 for v in rel["ADT"]] == [100, 400, 424, 900, None]
    assert [None if pd.isna(v) else v for v in rel["ADTF"]] == [None, None, "D", None, None]
    assert [None if pd.isna(v) else v for v in rel["AYEAR"]] == [1, 2, 2, 3, None]
    assert [None if pd.isna(v) else v for v in rel["ACRSN"]] == [1, 2, 2, 2, None]
    assert list(rel["ASEV"]) == ["MILD", "SEVERE", "MODERATE", "MILD", "MILD"]
    assert list(rel["ASTERFL"]) == ["Y", "N", "N", "N", "N"]  # CM starts 3 days after onset 1
    assert [None if pd.isna(v) else v for v in rel["ANL01FL"]] == ["Y", "Y", "Y", None, None]
    assert list(rel["AVAL"]) == [1, 1, 1, 1, 1]
    assert [w.record for w in ctx.warnings] == ["USUBJID=R1, CESEQ=4"]
    r2 = frame.loc[(frame["PARAMCD"] == "RELAPSE") & (frame["USUBJID"] == "R2")]
    assert list(r2["ANL01FL"].isna()) == [True]  # Year 13: after the 12-year horizon


def test_relapse_counts_and_time_at_risk(adrr_built):
    frame, _ = adrr_built
    cnt = frame.loc[(frame["PARAMCD"] == "RLPSCNT") & (frame["USUBJID"] == "R1")].sort_values("ASEQ")
    # follow-up ends on EOSDT = day 800; Year 3 starts on day ceil(730.5) = 731
    assert list(cnt["AVISITN"]) == [1, 2, 3, 101, 103]
    assert list(cnt["AVISIT"]) == ["Year 1", "Year 2", "Year 3", "Years 1-3 (Core)", "Years 0-12 (Overall)"]
    assert list(cnt["AVAL"]) == [1, 2, 0, 3, 3]
    assert list(cnt["ASTDT"] - T0) == [0, 366, 731, 0, 0]
    assert list(cnt["AENDT"] - T0) == [365, 730, 800, 800, 800]
    assert np.allclose(cnt["AFUYRS"], np.array([366, 365, 70, 801, 801]) / 365.25)
    r2 = frame.loc[(frame["PARAMCD"] == "RLPSCNT") & (frame["USUBJID"] == "R2")]
    assert len(r2) == 15 and r2["AVAL"].sum() == 0
    assert np.isclose(r2.loc[r2["AVISITN"] == 103, "AFUYRS"].iloc[0], 12.0)  # 4383 days
    # Years 7-12: days ceil(6 * 365.25) = 2192 .. 4382 = 2191 days (whole days, as onsets)
    assert np.isclose(r2.loc[r2["AVISITN"] == 102, "AFUYRS"].iloc[0], 2191 / 365.25)


def test_arr_model_is_one_line(adrr_built):
    import statsmodels.api as sm

    frame, _ = adrr_built
    cnt = frame.loc[(frame["PARAMCD"] == "RLPSCNT") & (frame["AVISITN"] == 103)]
    fit = sm.GLM(cnt["AVAL"], np.ones((len(cnt), 1)), offset=np.log(cnt["AFUYRS"]),
                 family=sm.families.Poisson()).fit()
    assert np.isclose(np.exp(fit.params.iloc[0]), 3 / ((801 + 4383) / 365.25))


# ------------------------------------------------------------------------------------ ADMRI
def test_mri_counts_activity_and_yearly_freedom():
    ctx = context(adsl({"USUBJID": "M1", "EXT1SDT": 2190}),
                  NV=nv([("M1", 2190, "NGDT1LES", 1), ("M1", 2560, "NGDT1LES", 0), ("M1", 2560, "NT2LES", 2),
                         ("M1", 2560, "NT1HLES", 0), ("M1", 2920, "NGDT1LES", 0), ("M1", 2920, "NT2LES", 0),
                         ("M1", 2920, "NT1HLES", 0)]))
    frame = build_all(ctx, upto="ADMRI")["ADMRI"].sort_values("ASEQ")
    assert list(frame["PARAMCD"]) == ["GDT1N", "MRIACT", "GDT1N", "T2NEWN", "T1HYPN", "MRIACT", "GDT1N",
                                      "T2NEWN", "T1HYPN", "MRIACT", "FRGDT1", "FRT2", "FRT1H", "FRMRIACT",
                                      "FRGDT1", "FRT2", "FRT1H", "FRMRIACT"]
    # the entry scan (day 2190) is the Year 6 scan; day 2560 (6.99 years) the Year 7 scan
    assert list(frame["AVISITN"]) == [6, 6] + [7] * 4 + [8] * 4 + [7] * 4 + [8] * 4
    assert list(frame["AVAL"]) == [1, 1, 0, 2, 0, 1, 0, 0, 0, 0, 1, 0, 1, 0, 1, 1, 1, 1]
    assert [None if pd.isna(v) else v for v in frame["AVALC"]] == \
        [None, "Y", None, None, None, "Y", None, None, None, "N", "Y", "N", "Y", "N", "Y", "Y", "Y", "Y"]
    yearly = frame.loc[frame["PARCAT1"] == "ANALYSIS YEAR"]
    assert set(yearly["ASTDT"] - T0) == {2192, 2557}  # ceil(6 * 365.25), ceil(7 * 365.25)
    assert set(yearly["AENDT"] - T0) == {2556, 2921}
    assert [None if pd.isna(v) else v for v in frame["SRCSEQ"].iloc[:6]] == [1, None, 2, 3, 4, None]


def test_negative_lesion_count_is_an_input_error():
    ctx = context(adsl({"USUBJID": "M2", "EXT1SDT": 2190}),
                  NV=nv([("M2", 2190, "NGDT1LES", 0), ("M2", 2560, "NT2LES", -1)]))
    with pytest.raises(InputError) as info:
        admri.build(ctx)
    assert [(p.variable, p.record) for p in info.value.problems] == [("NVSTRESN", "USUBJID=M2, NVSEQ=2")]


# ------------------------------------------------------------------------------------ ADNEDA / ADTTE
@pytest.fixture(scope="module")
def full_built():
    subjects = adsl({"USUBJID": "N1", "EXT1SDT": 2190, "LSTALVDT": 4500, "DCUTDT": 4600},
                    {"USUBJID": "N2", "EXT1SDT": 2190, "EOSDT": 3000},
                    {"USUBJID": "N3", "LTCFL": "N", "EOSDT": 10},
                    {"USUBJID": "N4", "EXT1SDT": 2190, "LSTALVDT": 4600, "DCUTDT": 4700})
    edss = pd.concat([rs("N1", [(0, 2.0), (2300, 3.0), (2500, 3.0)]),
                      rs("N2", [(0, 2.0), (91, 1.0), (273, 1.0), (2600, 3.5), (2800, 3.5)]),
                      rs("N3", [(0, 1.0)]), rs("N4", [(0, 2.0), (4500, 2.0)])], ignore_index=True)
    mri = nv([("N1", 2190, "NGDT1LES", 1), ("N1", 2556, "NGDT1LES", 0), ("N1", 2556, "NT2LES", 0),
              ("N2", 2556, "NGDT1LES", 1)])
    ctx = context(subjects, RS=edss, CE=ce([("N1", iso(2700), "MILD")]), NV=mri)
    return build_all(ctx)


def _neda(frame: pd.DataFrame, name: str) -> dict:
    sub = frame.loc[frame["USUBJID"] == name]
    return {(int(k), p): (None if pd.isna(v) else v) for k, p, v in zip(sub["AVISITN"], sub["PARAMCD"], sub["AVALC"])}


def test_annual_neda(full_built):
    frame = full_built["ADNEDA"]
    n1 = _neda(frame, "N1")
    # Year 7: CDW onset day 2300 (confirmed day 2500); Year 8: relapse day 2700, no EDSS, no scan
    assert [n1[(7, p)] for p in ("NORLPS", "NOCDW", "NOMRIACT", "NEDA")] == ["Y", "N", "Y", "N"]
    assert [n1[(8, p)] for p in ("NORLPS", "NOCDW", "NOMRIACT", "NEDA")] == ["N", None, None, "N"]
    assert [n1[(9, p)] for p in ("NORLPS", "NOCDW", "NOMRIACT", "NEDA")] == ["Y", None, None, None]
    assert sorted({k for k, _ in n1}) == [7, 8, 9, 10, 11, 12]
    n2 = _neda(frame, "N2")
    assert [n2[(7, p)] for p in ("NORLPS", "NOCDW", "NOMRIACT", "NEDA")] == ["Y", None, "N", "N"]
    assert [n2[(8, p)] for p in ("NORLPS", "NOCDW", "NOMRIACT", "NEDA")] == ["Y", "N", None, "N"]
    assert sorted({k for k, _ in n2}) == [7, 8, 9]  # EOSDT day 3000 in Year 9
    n2y9 = frame.loc[(frame["USUBJID"] == "N2") & (frame["AVISITN"] == 9)]
    assert set(n2y9["ASTDT"] - T0) == {2922} and set(n2y9["AENDT"] - T0) == {3000}
    assert "N3" not in set(frame["USUBJID"])  # not in the long-term cohort
    assert list(frame.loc[frame["USUBJID"] == "N1", "ASEQ"]) == list(range(1, 25))


def _tte(frame: pd.DataFrame, name: str, code: str) -> dict:
    row = frame.loc[(frame["USUBJID"] == name) & (frame["PARAMCD"] == code)]
    assert len(row) == 1, (name, code)
    out = row.iloc[0].to_dict()
    return {k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in out.items()}


@pytest.mark.parametrize("name, code, start, adt, cnsr, desc, src", [
    ("N1", "CDW6", 0, 2300, 0, "6-MONTH CDW", ("ADEDSS", "ADT", 2)),
    ("N1", "CDI6", 0, 2500, 1, "LAST EDSS ASSESSMENT", ("ADEDSS", "ADT", 3)),
    ("N1", "NEDALOSS", 2190, 2300, 0, "6-MONTH CDW", ("ADEDSS", "ADT", 2)),  # entry-scan Gd+ not counted
    ("N1", "RLPS1", 0, 2700, 0, "RELAPSE", ("ADRR", "ADT", 1)),
    ("N2", "CDW6", 0, 2600, 0, "6-MONTH CDW", ("ADEDSS", "ADT", 4)),
    ("N2", "CDI6", 0, 91, 0, "6-MONTH CDI", ("ADEDSS", "ADT", 2)),
    # from the CDI confirmation (day 273); 3.5 is 2.5 above the CDI level 1.0, confirmed day 2800
    ("N2", "CDWACDI", 273, 2600, 0, "6-MONTH CDW AFTER CDI", ("ADEDSS", "ADT", 4)),
    ("N2", "NEDALOSS", 2190, 2556, 0, "MRI ACTIVITY", ("ADMRI", "ADT", 2)),
    ("N2", "RLPS1", 0, 3000, 1, "END OF FOLLOW-UP", ("ADSL", "EOSDT", None)),
    ("N3", "CDW6", 0, 0, 1, "NO POST-BASELINE EDSS ASSESSMENT", ("ADSL", "TRTSDT", None)),
    ("N3", "RLPS1", 0, 10, 1, "END OF FOLLOW-UP", ("ADSL", "EOSDT", None)),
    ("N4", "NEDALOSS", 2190, 4382, 1, "END OF YEAR 12", (None, None, None)),  # last EDSS day 4500
    ("N4", "RLPS1", 0, 4382, 1, "END OF YEAR 12", (None, None, None)),
])
def test_time_to_event(full_built, name, code, start, adt, cnsr, desc, src):
    rec = _tte(full_built["ADTTE"], name, code)
    assert rec["STARTDT"] == sas(start) and rec["ADT"] == sas(adt)
    assert rec["AVAL"] == adt - start + 1 and np.isclose(rec["AVALYR"], (adt - start + 1) / 365.25)
    assert rec["CNSR"] == cnsr and rec["EVNTDESC"] == desc
    assert rec["CNSDTDSC"] == (None if cnsr == 0 else desc)
    assert (rec["SRCDOM"], rec["SRCVAR"], rec["SRCSEQ"]) == src


def test_tte_populations(full_built):
    tte = full_built["ADTTE"]
    have = {(u, p) for u, p in zip(tte["USUBJID"], tte["PARAMCD"])}
    assert ("N3", "CDI6") not in have  # baseline EDSS 1.0 < 2.0
    assert ("N3", "NEDALOSS") not in have  # not in the long-term cohort
    assert ("N1", "CDWACDI") not in have  # no CDI
    assert set(tte["PARAM"]) >= {"Time to 6-Month CDW (Days)", "Time to Loss of Sustained NEDA (Days)"}
    assert list(tte.columns) == spec().dataset("ADTTE").variable_names


# ---------------------------------------------------------------------------- shared helpers
def test_assign_seq_sorts_by_subject_then_order_with_missing_last():
    from adam.datasets.camms223.efficacy_common import assign_seq
    df = pd.DataFrame({"USUBJID": ["B", "A", "B", "A", None], "ADT": [5.0, np.nan, 1.0, 3.0, 2.0],
                       "X": ["b5", "a-", "b1", "a3", "n2"]}, index=[10, 11, 12, 13, 14])
    out = assign_seq(df, ["ADT"])
    assert out["X"].tolist() == ["a3", "a-", "b1", "b5", "n2"]  # missing ADT and USUBJID last
    np.testing.assert_array_equal(out["ASEQ"].to_numpy(), [1, 2, 1, 2, np.nan])
    assert list(out.index) == [0, 1, 2, 3, 4]
    again = assign_seq(out.drop(columns=["ASEQ"]), ["ADT"], new_var="SEQ")  # already in order
    assert again["X"].tolist() == out["X"].tolist() and again["SEQ"].equals(out["ASEQ"].rename("SEQ"))


def test_relapse_dates_follow_the_context_frames():
    from adam.datasets.camms223.efficacy_common import relapse_dates
    ctx = context(adsl({"USUBJID": "R"}), CE=ce([("R", iso(30), "MILD")]))
    first = relapse_dates(ctx)
    assert first["ADT"].tolist() == [sas(30)] and relapse_dates(ctx) is first  # derived once
    ctx.sdtm["CE"] = ce([("R", iso(40), "MILD"), ("R", "", "MILD")])  # a new CE frame: derived again
    assert relapse_dates(ctx)["ADT"].tolist() == [sas(40)]


def test_edss_keys_come_back_as_text():
    ctx = context(adsl({"USUBJID": "K2"}, {"USUBJID": "K1"}),
                  RS=pd.concat([rs("K2", [(0, 2.0), (91, 3.0)]), rs("K1", [(0, 1.0)])], ignore_index=True))
    frame = adedss.build(ctx)
    assert frame["USUBJID"].dtype == "str" and frame["PARAMCD"].dtype == "str"
    assert frame["USUBJID"].tolist() == ["K1", "K2", "K2"] and frame["ASEQ"].tolist() == [1, 1, 2]
