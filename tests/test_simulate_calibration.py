"""Calibration of the simulated CAMMS223 study against the 12-year paper.

Every statistic is computed straight from the written SDTM files with a small calculation of
its own (pandas + a per-subject loop for confirmation; nothing from adam.derive), then checked
against adam.simulate.targets.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from adam.simulate import simulate_study
from adam.simulate.targets import EXACT, TARGETS

YEAR = 365.25
Y12 = 12 * YEAR  # day offset of the end of Year 12


def load(folder: Path) -> dict[str, pd.DataFrame]:
    out = {}
    for f in Path(folder).glob("*.xpt"):
        df, _ = pyreadstat.read_xport(str(f))
        out[f.stem.upper()] = df
    return out


def to_date(s: pd.Series) -> pd.Series:
    """ISO dates to timestamps; a missing day becomes the 15th, a missing month July 1st."""
    s = s.fillna("").astype(str)
    s = s.where(s.str.len() != 7, s + "-15")
    s = s.where(s.str.len() != 4, s + "-07-01")
    return pd.to_datetime(s.replace("", None), format="%Y-%m-%d")


def km_survival(time: np.ndarray, event: np.ndarray, at: float) -> float:
    """Kaplan-Meier survival at ``at`` (product-limit over the distinct event times)."""
    s = 1.0
    for t in np.unique(time[event & (time <= at)]):
        at_risk = np.sum(time >= t)
        d = np.sum((time == t) & event)
        s *= 1 - d / at_risk
    return s


def first_confirmed(days, meets, relapses):
    """(onset day, confirmation day) of the first confirmed onset, or None: an assessment meeting
    the criterion, confirmed at one >= 175 days later, every assessment in between also meeting
    it, the confirming one not within 30 days after a relapse onset."""
    n = len(days)
    for i in range(n):
        if not meets[i]:
            continue
        for j in range(i + 1, n):
            if not meets[j]:
                break
            if days[j] >= days[i] + 182 - 7:
                near = np.any((days[j] - relapses >= 0) & (days[j] - relapses <= 30))
                if not near:
                    return days[i], days[j]
    return None


def confirmed_change(days, vals, bl, relapses, worsening: bool):
    """Day of the first 6-month confirmed worsening (or improvement) or None.

    Worsening: >= 1.0 above baseline (>= 1.5 if baseline is 0); improvement: >= 1.0 below."""
    if worsening:
        meets = vals >= bl + (1.5 if bl == 0 else 1.0)
    else:
        meets = vals <= bl - 1.0
    hit = first_confirmed(days, meets, relapses)
    return None if hit is None else hit[0]


def cdw_after_cdi(days, vals, bl, relapses):
    """None without a CDI; else whether a 6-month CDW follows it: against the EDSS at the CDI
    onset (>= 1.0 above it, >= 1.5 if it is 0), onsets after the CDI confirmation day."""
    cdi = first_confirmed(days, vals <= bl - 1.0, relapses)
    if cdi is None:
        return None
    ref = vals[days == cdi[0]][0]
    after = days > cdi[1]
    return first_confirmed(days[after], vals[after] >= ref + (1.5 if ref == 0 else 1.0), relapses) is not None


def paper_statistics(folder: Path) -> dict[str, float]:
    d = load(folder)
    dm, ds, ex, ce, rs, nv, ae, cm = (d[k] for k in ("DM", "DS", "EX", "CE", "RS", "NV", "AE", "CM"))
    t12 = dm[dm["ACTARMCD"] == "ALEM12"].copy()
    t12["FD"] = to_date(t12["RFSTDTC"])
    t12["END"] = to_date(t12["RFPENDTC"])
    ext = ds[(ds["DSDECOD"] == "INFORMED CONSENT OBTAINED") & (ds["DSSCAT"] == "CAMMS03409")]
    ext1 = to_date(ext.set_index("USUBJID")["DSSTDTC"])
    t12["LTC"] = t12["USUBJID"].isin(ext1.index)
    t12 = t12.set_index("USUBJID")
    ltc = t12[t12["LTC"]].copy()
    ltc["EXT1"] = ((ext1.reindex(ltc.index) - ltc["FD"]).dt.days).astype(float)
    ltc["ENDD"] = np.minimum((ltc["END"] - ltc["FD"]).dt.days.astype(float), Y12)
    out: dict[str, float] = {}

    # relapses, days since first dose
    rel = ce[ce["USUBJID"].isin(t12.index)].copy()
    rel["DAY"] = (to_date(rel["CESTDTC"]) - t12.loc[rel["USUBJID"], "FD"].to_numpy()).dt.days.to_numpy()
    rl = rel[rel["USUBJID"].isin(ltc.index)]
    rl = rl[rl["DAY"].to_numpy() <= ltc.loc[rl["USUBJID"], "ENDD"].to_numpy()]
    py = ltc["ENDD"].sum() / YEAR
    out["arr_overall"] = len(rl) / py
    rates = []
    for k in range(12):
        lo, hi = k * YEAR, (k + 1) * YEAR
        expo = np.clip(np.minimum(ltc["ENDD"].to_numpy(), hi) - lo, 0, None).sum() / YEAR
        n = ((rl["DAY"] >= lo) & (rl["DAY"] < hi)).sum()
        rates.append(n / expo)
    out["arr_year_min"], out["arr_year_max"] = min(rates), max(rates)
    disc = t12[~t12["LTC"]]
    rd = rel[rel["USUBJID"].isin(disc.index)]
    out["arr_discontinued"] = len(rd) / ((disc["END"] - disc["FD"]).dt.days.sum() / YEAR)

    # EDSS: one assessment per subject and day (the first recorded)
    e = rs[(rs["RSTESTCD"] == "EDSS0101") & rs["USUBJID"].isin(ltc.index)].copy()
    e["DAY"] = (to_date(e["RSDTC"]) - ltc.loc[e["USUBJID"], "FD"].to_numpy()).dt.days.to_numpy()
    bl = e[e["RSLOBXFL"] == "Y"].set_index("USUBJID")["RSSTRESN"]
    e = e.sort_values(["USUBJID", "DAY", "RSSEQ"]).drop_duplicates(["USUBJID", "DAY"])
    e = e[(e["DAY"] > 0) & (e["DAY"] <= Y12)]
    y12 = e[e["VISIT"] == "MONTH 144"].set_index("USUBJID")["RSSTRESN"]
    chg = y12 - bl.reindex(y12.index)
    out["edss_stable_y12"] = float((chg.abs() <= 0.5).mean())
    out["edss_improved_y12"] = float((chg <= -1.0).mean())
    out["edss_change_mean_y12"] = float(chg.mean())
    out["edss_change_sd_y12"] = float(chg.std())
    cdw_t, cdw_e, cdi_t, cdi_e, cdw_day, after_cdi = [], [], [], [], {}, []
    for u, g in e.groupby("USUBJID"):
        days, vals = g["DAY"].to_numpy(), g["RSSTRESN"].to_numpy()
        r = rl.loc[rl["USUBJID"] == u, "DAY"].to_numpy()
        w = confirmed_change(days, vals, bl[u], r, True)
        cdw_day[u] = w
        cdw_t.append(w if w is not None else days.max())
        cdw_e.append(w is not None)
        if bl[u] >= 2.0:
            i = confirmed_change(days, vals, bl[u], r, False)
            cdi_t.append(i if i is not None else days.max())
            cdi_e.append(i is not None)
            worse = cdw_after_cdi(days, vals, bl[u], r)
            if worse is not None:
                after_cdi.append(worse)
    out["cdi_no_cdw"] = 1 - float(np.mean(after_cdi))
    out["cdw_free_y12"] = km_survival(np.array(cdw_t, float), np.array(cdw_e), Y12)
    out["cdi_y12"] = 1 - km_survival(np.array(cdi_t, float), np.array(cdi_e), Y12)

    # discontinued group: from baseline to the last EDSS assessment before leaving
    disc_stats(out, rs, rel, disc)

    # MRI activity and NEDA by extension year
    m = nv[nv["USUBJID"].isin(ltc.index)].copy()
    m["DAY"] = (to_date(m["NVDTC"]) - ltc.loc[m["USUBJID"], "FD"].to_numpy()).dt.days.to_numpy()
    scans = m.pivot_table(index=["USUBJID", "VISIT", "DAY"], columns="NVTESTCD", values="NVSTRESN").reset_index()
    scans["ACTIVE"] = (scans["NGDT1LES"].fillna(0) > 0) | (scans["NT2LES"].fillna(0) > 0)
    free, neda = [], []
    first_act = {}
    for k in range(1, 7):
        sk = scans[scans["VISIT"] == f"MONTH {72 + 12 * k}"].set_index("USUBJID")
        free.append(1 - sk["ACTIVE"].mean())
        ok = []
        for u, row in sk.iterrows():
            lo, hi = ltc.loc[u, "EXT1"] + (k - 1) * YEAR, ltc.loc[u, "EXT1"] + k * YEAR
            r = rl.loc[rl["USUBJID"] == u, "DAY"].to_numpy()
            relapse = np.any((r > lo) & (r <= hi))
            w = cdw_day.get(u)
            cdw = w is not None and lo < w <= hi
            ok.append(not (relapse or cdw or row["ACTIVE"]))
        neda.append(np.mean(ok))
    out["mri_free_min"], out["mri_free_y12"] = min(free), free[-1]
    out["neda_annual_min"], out["neda_annual_max"] = min(neda), max(neda)
    t_, e_ = [], []
    for u, row in ltc.iterrows():
        x0 = row["EXT1"]
        r = rl.loc[rl["USUBJID"] == u, "DAY"].to_numpy()
        cand = list(r[r > x0])
        w = cdw_day.get(u)
        if w is not None and w > x0:
            cand.append(w)
        sa = scans[(scans["USUBJID"] == u) & scans["ACTIVE"] & (scans["DAY"] > x0)]["DAY"].to_numpy()
        cand += list(sa)
        last = row["ENDD"]
        if cand and min(cand) <= last:
            t_.append(min(cand) - x0)
            e_.append(True)
        else:
            t_.append(last - x0)
            e_.append(False)
    out["neda_sustained"] = km_survival(np.array(t_, float), np.array(e_), Y12 - ltc["EXT1"].max())

    # IAR by course (AE start on an infusion day or up to 2 days after the course)
    a = ae[ae["USUBJID"].isin(ltc.index)].copy()
    a["START"] = pd.to_datetime(a["AESTDTC"].where(a["AESTDTC"].str.len() == 10), format="%Y-%m-%d")
    x = ex[(ex["EXTRT"] == "ALEMTUZUMAB") & ex["USUBJID"].isin(ltc.index)].copy()
    x["D"] = pd.to_datetime(x["EXSTDTC"], format="%Y-%m-%d")
    win = x.groupby(["USUBJID", "EXGRPID"])["D"].agg(["min", "max"]).reset_index()
    j = win.merge(a[["USUBJID", "START"]], on="USUBJID", how="left")
    j["IAR"] = (j["START"] >= j["min"]) & (j["START"] <= j["max"] + pd.Timedelta(days=2))
    per = j.groupby(["USUBJID", "EXGRPID"])["IAR"].any().reset_index()
    for k in range(1, 5):
        out[f"iar_course{k}"] = float(per.loc[per["EXGRPID"] == f"COURSE {k}", "IAR"].mean())

    # thyroid and infections by year
    a["DAY"] = (to_date(a["AESTDTC"]) - ltc.loc[a["USUBJID"], "FD"].to_numpy()).dt.days.to_numpy()
    thy = a[a["AEHLGT"] == "Thyroid gland disorders"]
    for k in (2, 3):
        at_risk = ltc.index[ltc["ENDD"] >= (k - 1) * YEAR]
        hit = thy.loc[(thy["DAY"] >= (k - 1) * YEAR) & (thy["DAY"] < k * YEAR), "USUBJID"].unique()
        out[f"thyroid_year{k}"] = len(set(hit) & set(at_risk)) / len(at_risk)
    out["thyroid_cumulative"] = thy.loc[thy["DAY"] < Y12, "USUBJID"].nunique() / len(ltc)
    inf = a[(a["AEBODSYS"] == "Infections and infestations") & (a["DAY"] >= 0) & (a["DAY"] < YEAR)]
    out["infection_year1"] = inf["USUBJID"].nunique() / len(ltc)
    return out


def disc_stats(out: dict[str, float], rs: pd.DataFrame, rel: pd.DataFrame, disc: pd.DataFrame) -> None:
    """EDSS stable or improved at the last assessment, KM free of CDW and KM CDI through Year 5."""
    e = rs[(rs["RSTESTCD"] == "EDSS0101") & rs["USUBJID"].isin(disc.index)].copy()
    e["DAY"] = (to_date(e["RSDTC"]) - disc.loc[e["USUBJID"], "FD"].to_numpy()).dt.days.to_numpy()
    bl = e[e["RSLOBXFL"] == "Y"].set_index("USUBJID")["RSSTRESN"]
    e = e.sort_values(["USUBJID", "DAY", "RSSEQ"]).drop_duplicates(["USUBJID", "DAY"])
    e = e[e["DAY"] > 0]
    last = e.groupby("USUBJID").tail(1).set_index("USUBJID")["RSSTRESN"]
    out["disc_edss_stable_improved"] = float((last - bl.reindex(last.index) <= 0.5).mean())
    cdw_t, cdw_e, cdi_t, cdi_e = [], [], [], []
    for u, g in e.groupby("USUBJID"):
        days, vals = g["DAY"].to_numpy(), g["RSSTRESN"].to_numpy()
        r = rel.loc[rel["USUBJID"] == u, "DAY"].to_numpy()
        w = confirmed_change(days, vals, bl[u], r, True)
        cdw_t.append(w if w is not None else days.max())
        cdw_e.append(w is not None)
        if bl[u] >= 2.0:
            i = confirmed_change(days, vals, bl[u], r, False)
            cdi_t.append(i if i is not None else days.max())
            cdi_e.append(i is not None)
    out["disc_cdw_free_y5"] = km_survival(np.array(cdw_t, float), np.array(cdw_e), 5 * YEAR)
    out["disc_cdi_y5"] = 1 - km_survival(np.array(cdi_t, float), np.array(cdi_e), 5 * YEAR)


def exact_counts(folder: Path) -> dict[str, int]:
    d = load(folder)
    dm, ds, ex, ae, cm = d["DM"], d["DS"], d["EX"], d["AE"], d["CM"]
    t12 = dm[dm["ACTARMCD"] == "ALEM12"]
    ext = ds[(ds["DSDECOD"] == "INFORMED CONSENT OBTAINED") & (ds["DSSCAT"] == "CAMMS03409")]
    ltc = set(ext["USUBJID"])
    fd = pd.to_datetime(t12.set_index("USUBJID")["RFSTDTC"])
    end = pd.to_datetime(t12.set_index("USUBJID")["RFPENDTC"])
    out = {
        "treated_12mg": len(t12),
        "entered_extension": len(ltc),
        "not_entered_extension": len(t12) - len(ltc),
        "on_study_year12": int(sum((end[u] - fd[u]).days >= Y12 for u in ltc)),
        "deaths_ltc": int(dm[dm["USUBJID"].isin(ltc)]["DTHFL"].eq("Y").sum()),
    }
    x = ex[(ex["EXTRT"] == "ALEMTUZUMAB") & ex["USUBJID"].isin(ltc)].copy()
    x["DAY"] = (pd.to_datetime(x["EXSTDTC"]) - fd.reindex(x["USUBJID"]).to_numpy()).dt.days
    starts = x.groupby(["USUBJID", "EXGRPID"])["DAY"].min().reset_index()
    ncourse = starts.groupby("USUBJID").size()
    for k in range(1, 8):
        out[f"courses_{k}"] = int((ncourse == k).sum())
    c3 = starts.loc[starts["EXGRPID"] == "COURSE 3", "DAY"] / YEAR
    out["third_course_core"] = int((c3 < 3).sum())
    out["third_course_years5_6"] = int(((c3 >= 4) & (c3 < 6)).sum())
    out["third_course_years7_9"] = int(((c3 >= 6) & (c3 < 9)).sum())
    c4 = starts.loc[starts["EXGRPID"] == "COURSE 4", "DAY"] / YEAR
    out["fourth_course_years6_8"] = int(((c4 >= 5) & (c4 < 8)).sum())
    out["fourth_course_years10_12"] = int(((c4 >= 9) & (c4 < 12)).sum())
    a = ae[ae["USUBJID"].isin(ltc)]
    out["melanoma_patients_ltc"] = a.loc[a["AEHLT"] == "Skin melanomas (excl ocular)", "USUBJID"].nunique()
    out["itp_patients_ltc"] = a.loc[a["AEDECOD"] == "Immune thrombocytopenia", "USUBJID"].nunique()
    out["other_dmt_ltc"] = cm.loc[(cm["CMCAT"] == "DISEASE MODIFYING THERAPY") & cm["USUBJID"].isin(ltc), "USUBJID"].nunique()
    return out


@pytest.fixture(scope="module")
def default_study(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sim") / "camms223"
    simulate_study("camms223", 2026, None, out)
    return out


def test_exact_counts_of_the_paper(default_study):
    got = exact_counts(default_study)
    assert {k: got[k] for k in EXACT} == EXACT


@pytest.mark.parametrize("target", TARGETS, ids=[t.name for t in TARGETS])
def test_paper_statistic_within_tolerance(default_study, target):
    value = _stats(default_study)[target.name]
    assert target.ok(value), f"{target.name} = {value:.3f}, paper {target.paper} +- {target.tolerance}"


_CACHE: dict = {}


def _stats(folder: Path) -> dict[str, float]:
    if folder not in _CACHE:
        _CACHE[folder] = paper_statistics(folder)
    return _CACHE[folder]
