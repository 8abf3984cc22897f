"""Efficacy events of the simulated study: visits, MS relapses, EDSS and MRI lesion counts.

All times are day offsets from the subject's first dose (offset 0 = Day 1).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from adam.simulate._util import DAYS_PER_YEAR, explode, stream
from adam.simulate.cohort import Cohort

# relapse rate per patient-year (before the frailty multiplier) by group
RELAPSE_RATE = {"LTC": 0.09, "DISC": 0.09, "CORE_IFNB44": 0.36, "CORE_ALEM24": 0.10}
# the discontinued group's disease activity rises before withdrawal (paper: 0.3-0.4 relapses in
# each of the 1-2 years before it; ARR 0.19 over Years 0-6): rate x DISC_PRE_WITHDRAWAL_MULT in
# the last DISC_PRE_WITHDRAWAL_DAYS days on study
DISC_PRE_WITHDRAWAL_DAYS = 730
DISC_PRE_WITHDRAWAL_MULT = 3.2
# year-by-year multipliers of the 12 mg rate (Years 1..14): ARR 0.03-0.14 by year
RELAPSE_YEAR_MULT = np.array([1.35, 0.75, 0.8, 1.0, 1.2, 1.25, 0.9, 1.0, 0.85, 1.1, 0.9, 0.8, 0.8, 0.8])
RELAPSE_SEVERITY = (("MILD", 0.30), ("MODERATE", 0.55), ("SEVERE", 0.15))
RELAPSE_EDSS_BUMP = {"MILD": 0.5, "MODERATE": 1.0, "SEVERE": 2.0}
P_MISSED_VISIT = 0.04
P_EXTRA_UNSCHEDULED = 0.02
P_RELAPSE_VISIT = 0.85
P_EDSS_DUPLICATE = 0.01
EDSS_NOISE = 0.10  # chance of a +0.5 and of a -0.5 rating error at a visit
# EDSS course class shares (improver, progressor; the rest stable) by baseline band:
# baseline >= 2.0, 1.0-1.5, 0
EDSS_P_IMPROVER = (0.50, 0.15, 0.0)
EDSS_P_PROGRESSOR = (0.30, 0.33, 0.38)
# discontinued group (paper: 30% CDI and 87% CDW-free through Year 5, 77% stable or improved at
# the last assessment): fewer improvers, and a progressor's worsening starts while still on study
DISC_IMPROVER_MULT = 0.6
DISC_PROGRESSOR_MULT = 0.9
PROG_ONSET_YEARS = (0.3, 11.5)  # progression onset: uniform over these years after the first dose,
DISC_PROG_WINDOW_YEARS = 1.5  # ... in the discontinued group over the last years before leaving
DISC_PROG_RAMP_DAYS = (60, 365)  # days a discontinued progressor takes to reach the full rise (others: 60-700)
MRI_RATE = 0.35  # new active lesions per year (times the frailty)
MRI_YEAR_MULT = np.array([0.5, 1.0, 1.0, 0.95, 1.05, 1.1])  # extension years 1-6
MRI_P_GD = 0.25
MRI_P_T1 = 0.45
MRI_BASE_GD = 0.25
P_MRI_MISSING = 0.03


def epoch_of(subj: pd.DataFrame, sid: np.ndarray, off: np.ndarray) -> np.ndarray:
    """EPOCH of events at day offsets ``off`` of subjects ``sid`` (see the design docstring)."""
    sid = np.asarray(sid)
    off = np.asarray(off, dtype=float)
    core_end = subj["CORE_END"].to_numpy()[sid]
    ext1 = subj["EXT1"].to_numpy()[sid]
    ext2 = subj["EXT2"].to_numpy()[sid]
    treated = subj["TREATED"].to_numpy()[sid]
    out = np.full(len(sid), "FOLLOW-UP", dtype=object)
    out[off <= core_end] = "TREATMENT"
    out[off >= ext1] = "EXTENSION 1"
    out[off >= ext2] = "EXTENSION 2"
    out[(off < 0) | ~treated] = "SCREENING"
    return out


def on_study(subj: pd.DataFrame, sid: np.ndarray, off: np.ndarray) -> np.ndarray:
    """True where the offset lies in the subject's follow-up (not after the end, not in a gap)."""
    end = subj["END"].to_numpy()[sid]
    gs = subj["GAP_START"].to_numpy()[sid]
    ge = subj["GAP_END"].to_numpy()[sid]
    in_gap = (off > gs) & (off <= ge)
    return (off <= end) & ~in_gap


def planned_visits(seed: int, c: Cohort) -> pd.DataFrame:
    """Screening, Day 1 and the 3-monthly planned visits each subject attended.

    Columns: SID, VISITNUM, VISIT, OFF (day offset), MONTH (NaN for screening)."""
    rng = stream(seed, "visits")
    s = c.subj
    n = len(s)
    months = c.visit_months
    grid_off = c.visit_off
    sid = np.repeat(np.arange(n), len(months))
    month = np.tile(months, n)
    off = grid_off.ravel()
    group = s["GROUP"].to_numpy()[sid]
    keep = on_study(s, sid, off)
    keep &= (month <= 36) | np.isin(group, ["LTC", "DISC"])
    keep &= (group != "NT") | (month == 0)
    keep &= (group != "NT")
    key_visit = np.isin(month, [0, 36, 72])
    missed = (rng.random(len(sid)) < P_MISSED_VISIT) & ~key_visit
    keep &= ~missed
    sid, month, off = sid[keep], month[keep], off[keep]
    visit = np.where(month == 0, "DAY 1", np.char.add("MONTH ", month.astype(str)))
    vis = pd.DataFrame({"SID": sid, "VISITNUM": 100.0 + month, "VISIT": visit.astype(object), "OFF": off, "MONTH": month})
    fd = s["FD"].to_numpy().astype("datetime64[D]")
    scr_off = (s["SCREEN"].to_numpy().astype("datetime64[D]") - fd).astype(int).astype(float)
    scr = pd.DataFrame(
        {"SID": np.arange(n), "VISITNUM": 1.0, "VISIT": "SCREENING", "OFF": scr_off, "MONTH": np.nan}
    )
    return pd.concat([scr, vis], ignore_index=True).sort_values(["SID", "OFF"], kind="stable", ignore_index=True)


def relapses(seed: int, c: Cohort) -> pd.DataFrame:
    """On-study MS relapses: Poisson process, rate by group and year times the frailty.

    Columns: SID, ONSET, RESOLVE (day offsets), SEV, STEROID (bool)."""
    rng = stream(seed, "relapses")
    s = c.subj
    n = len(s)
    group = s["GROUP"].to_numpy()
    key = np.where(group == "CORE", "CORE_" + s["ARMCD"].to_numpy().astype(object), group)
    base = np.array([RELAPSE_RATE.get(k, 0.0) for k in ("LTC", "DISC", "CORE_IFNB44", "CORE_ALEM24")])
    code = np.select([key == "LTC", key == "DISC", key == "CORE_IFNB44", key == "CORE_ALEM24"], [0, 1, 2, 3], -1)
    rate0 = np.where(code >= 0, base[np.maximum(code, 0)], 0.0) * s["Z"].to_numpy()
    ny = len(RELAPSE_YEAR_MULT)
    lo = np.arange(ny) * DAYS_PER_YEAR
    hi = lo + DAYS_PER_YEAR
    end = s["END"].to_numpy()
    expo_hi = np.minimum(hi[None, :], end[:, None] + 1)
    expo = np.clip(expo_hi - lo[None, :], 0, None)
    mult = np.where(code[:, None] == 0, RELAPSE_YEAR_MULT[None, :], 1.0)
    # within each year cell: days before the pre-withdrawal window (weight 1), days in it (weight M)
    pre_start = np.where(code == 1, end + 1 - DISC_PRE_WITHDRAWAL_DAYS, np.inf)
    split = np.clip(pre_start[:, None], lo[None, :], np.maximum(expo_hi, lo[None, :]))
    early = split - lo[None, :]
    late = np.clip(expo_hi - split, 0, None)
    pre_mult = np.where(code == 1, DISC_PRE_WITHDRAWAL_MULT, 1.0)[:, None]
    weighted = np.where(late > 0, early + pre_mult * late, expo)
    lam = rate0[:, None] * mult * weighted / DAYS_PER_YEAR
    k = rng.poisson(lam)
    cell = explode(k.ravel())
    sid = cell // ny
    yr = cell % ny
    # onset: uniform on the cell's weighted time, mapped back to days
    u = rng.random(len(cell))
    e_c, w_c, m_c = early.ravel()[cell], weighted.ravel()[cell], pre_mult[sid, 0]
    onset = np.where(u * w_c < e_c, lo[yr] + u * w_c, split.ravel()[cell] + (u * w_c - e_c) / m_c)
    onset = np.floor(onset)
    ok = on_study(s, sid, onset) & (onset >= 1)
    sid, onset = sid[ok], onset[ok]
    order = np.lexsort((onset, sid))
    sid, onset = sid[order], onset[order]
    sev = rng.choice(np.array([r[0] for r in RELAPSE_SEVERITY], dtype=object), len(sid), p=[r[1] for r in RELAPSE_SEVERITY])
    dur = np.ceil(rng.gamma(3.0, 15.0, len(sid))) + 7
    steroid = rng.random(len(sid)) < np.where(sev == "MILD", 0.3, 0.8)
    return pd.DataFrame({"SID": sid, "ONSET": onset, "RESOLVE": onset + dur, "SEV": sev, "STEROID": steroid})


def unscheduled_visits(seed: int, c: Cohort, planned: pd.DataFrame, rel: pd.DataFrame) -> pd.DataFrame:
    """Relapse assessment visits (a few days after onset) and occasional other unscheduled
    visits; VISITNUM is the preceding planned VISITNUM + 0.01, 0.02, ..."""
    rng = stream(seed, "unscheduled")
    s = c.subj
    r = rel[rng.random(len(rel)) < P_RELAPSE_VISIT]
    r_off = r["ONSET"].to_numpy() + rng.integers(1, 8, len(r))
    p = planned[planned["VISITNUM"] > 100]
    extra = p[rng.random(len(p)) < P_EXTRA_UNSCHEDULED]
    e_off = extra["OFF"].to_numpy() + rng.integers(20, 60, len(extra))
    sid = np.r_[r["SID"].to_numpy(), extra["SID"].to_numpy()]
    off = np.r_[r_off, e_off].astype(float)
    why = np.r_[np.full(len(r), "RELAPSE ASSESSMENT", dtype=object), np.full(len(extra), "ADDITIONAL ASSESSMENT", dtype=object)]
    ok = on_study(s, sid, off)
    u = pd.DataFrame({"SID": sid[ok], "OFF": off[ok], "SVUPDES": why[ok]}).sort_values(["SID", "OFF"], kind="stable")
    u = u.drop_duplicates(["SID", "OFF"]).reset_index(drop=True)
    # number after the last planned visit on or before it
    pv = planned[["SID", "OFF", "VISITNUM"]].sort_values(["OFF"], kind="stable")
    m = pd.merge_asof(
        u.sort_values("OFF", kind="stable"), pv.rename(columns={"OFF": "POFF"}), left_on="OFF", right_on="POFF",
        by="SID", direction="backward",
    ).sort_values(["SID", "OFF"], kind="stable", ignore_index=True)
    m["VISITNUM"] = m["VISITNUM"].fillna(100.0)
    k = m.groupby(["SID", "VISITNUM"], sort=False).cumcount().to_numpy() + 1
    m["VISITNUM"] = np.round(m["VISITNUM"].to_numpy() + 0.01 * k, 2)
    m["VISIT"] = "UNSCHEDULED"
    m["MONTH"] = np.nan
    return m[["SID", "VISITNUM", "VISIT", "OFF", "MONTH", "SVUPDES"]]


def edss(seed: int, c: Cohort, visits: pd.DataFrame, rel: pd.DataFrame) -> pd.DataFrame:
    """EDSS at every visit: baseline + class trend (improver / stable / progressor, 0.5 steps)
    + transient post-relapse rise + rating noise; a few assessments duplicated on the same day.

    Columns: SID, VISITNUM, VISIT, OFF, EDSS, DUP (second record on the day)."""
    rng = stream(seed, "edss")
    s = c.subj
    n = len(s)
    bl = s["EDSS_BL"].to_numpy()
    group = s["GROUP"].to_numpy()
    arm = s["ARMCD"].to_numpy()
    # class probabilities: improver, stable, progressor
    band = np.select([bl >= 2.0, bl >= 1.0], [0, 1], 2)
    p_imp = np.asarray(EDSS_P_IMPROVER)[band]
    p_prog = np.asarray(EDSS_P_PROGRESSOR)[band]
    p_prog = np.where(arm == "IFNB44", p_prog + 0.10, p_prog)
    p_imp = np.where(arm == "IFNB44", p_imp * 0.5, p_imp)
    p_imp = np.where(group == "DISC", p_imp * DISC_IMPROVER_MULT, p_imp)
    p_prog = np.where(group == "DISC", p_prog * DISC_PROGRESSOR_MULT, p_prog)
    cls = _quota_classes(rng, group, arm, bl, p_imp, p_prog)
    imp_size = np.minimum(rng.choice([1.0, 1.5, 2.0, 2.5], n, p=[0.45, 0.3, 0.15, 0.1]), bl)
    imp_size = np.where(bl - imp_size == 0.5, imp_size + 0.5, imp_size)
    imp_t = rng.uniform(60, 700, n)
    imp_back = np.where(rng.random(n) < 0.70, rng.choice([0.5, 1.0], n, p=[0.6, 0.4]), 0.0)
    imp_back_t = rng.uniform(5, 12, n) * DAYS_PER_YEAR
    prog_size = rng.choice([1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 5.0], n, p=[0.2, 0.2, 0.15, 0.12, 0.1, 0.08, 0.08, 0.07])
    prog_size = np.where(bl == 0, np.maximum(prog_size, 1.5), prog_size)
    t_lo, t_hi = PROG_ONSET_YEARS
    end_y = s["END"].to_numpy() / DAYS_PER_YEAR
    disc = group == "DISC"
    t_lo = np.where(disc, np.maximum(end_y - DISC_PROG_WINDOW_YEARS, t_lo), t_lo)
    t_hi = np.where(disc, np.maximum(end_y, t_lo), t_hi)
    prog_t = (t_lo + (t_hi - t_lo) * rng.random(n)) * DAYS_PER_YEAR
    u_ramp = rng.random(n)
    r_lo, r_hi = np.where(disc, DISC_PROG_RAMP_DAYS[0], 60), np.where(disc, DISC_PROG_RAMP_DAYS[1], 700)
    prog_ramp = r_lo + (r_hi - r_lo) * u_ramp
    drift = np.where((cls == 1) & (rng.random(n) < 0.15), 0.5, 0.0)
    drift_t = rng.uniform(2, 12, n) * DAYS_PER_YEAR

    v = visits[["SID", "VISITNUM", "VISIT", "OFF"]].reset_index(drop=True)
    sid = v["SID"].to_numpy()
    t = v["OFF"].to_numpy()
    trend = np.zeros(len(v))
    c_ = cls[sid]
    trend = np.where(c_ == 0, -imp_size[sid] * np.clip(t / imp_t[sid], 0, 1) + imp_back[sid] * (t >= imp_back_t[sid]), trend)
    trend = np.where(c_ == 2, prog_size[sid] * np.clip((t - prog_t[sid]) / prog_ramp[sid], 0, 1), trend)
    trend = np.where(c_ == 1, drift[sid] * (t >= drift_t[sid]), trend)
    trend = np.where(t <= 0, 0.0, trend)
    # transient rise after relapses: bump decays linearly over 30-120 days
    bump = np.zeros(len(v))
    if len(rel):
        r = rel.assign(BUMP=rel["SEV"].map(RELAPSE_EDSS_BUMP).to_numpy(), DUR=rng.uniform(30, 120, len(rel)))
        j = v[["SID", "OFF"]].reset_index().merge(r[["SID", "ONSET", "BUMP", "DUR"]], on="SID")
        dt = j["OFF"].to_numpy() - j["ONSET"].to_numpy()
        b = np.where((dt >= 0) & (dt < j["DUR"].to_numpy()), j["BUMP"].to_numpy() * (1 - dt / j["DUR"].to_numpy()), 0.0)
        bump_s = pd.Series(b).groupby(j["index"].to_numpy()).max()
        bump[bump_s.index.to_numpy()] = bump_s.to_numpy()
    noise = rng.choice([-0.5, 0.0, 0.5], len(v), p=[EDSS_NOISE, 1 - 2 * EDSS_NOISE, EDSS_NOISE])
    noise = np.where(v["VISITNUM"].to_numpy() == 100, 0.0, noise)
    raw = bl[sid] + trend + bump + noise
    val = np.clip(np.round(raw * 2) / 2, 0, 9.5)
    # EDSS has no 0.5 step
    val = np.where(val == 0.5, np.where(rng.random(len(v)) < 0.5, 1.0, 0.0), val)
    v["EDSS"] = val
    v["DUP"] = False
    dup = v[(rng.random(len(v)) < P_EDSS_DUPLICATE) & (v["VISITNUM"] > 100)].copy()
    dup["EDSS"] = np.clip(dup["EDSS"].to_numpy() + rng.choice([-0.5, 0.0, 0.5], len(dup)), 0, 9.5)
    dup.loc[dup["EDSS"] == 0.5, "EDSS"] = 1.0
    dup["DUP"] = True
    out = pd.concat([v, dup], ignore_index=True).sort_values(["SID", "OFF", "DUP"], kind="stable", ignore_index=True)
    return out


def _quota_classes(rng, group, arm, bl, p_imp, p_prog) -> np.ndarray:
    """EDSS course class per subject (0 improver, 1 stable, 2 progressor): within every stratum
    of group, arm and baseline EDSS exactly round(p * size) improvers and progressors, so that
    the class mix of a small cohort is not left to chance (timing and size still are)."""
    n = len(bl)
    key = pd.factorize(pd.Series(group.astype(str)) + "|" + pd.Series(arm.astype(str)) + "|" + pd.Series(bl.astype(str)))[0]
    order = np.lexsort((rng.random(n), key))
    k_sorted = key[order]
    start = np.r_[0, np.flatnonzero(np.diff(k_sorted)) + 1]
    size = np.diff(np.r_[start, n])
    rank = np.arange(n) - np.repeat(start, size)
    first = order[start]
    n_imp = np.floor(size * p_imp[first] + 0.5)
    n_prog = np.floor(size * p_prog[first] + 0.5)
    n_imp_r, n_prog_r = np.repeat(n_imp, size), np.repeat(n_prog, size)
    cls_sorted = np.where(rank < n_imp_r, 0, np.where(rank < n_imp_r + n_prog_r, 2, 1))
    cls = np.empty(n, dtype=np.int64)
    cls[order] = cls_sorted
    return cls


def mri(seed: int, c: Cohort, visits: pd.DataFrame) -> pd.DataFrame:
    """Annual brain MRI from CAMMS03409 entry (Month 72) to Month 144 in the 12 mg extension
    cohort: Gd-enhancing, new/enlarging T2 and new T1 hypointense lesion counts.

    Columns: SID, VISITNUM, VISIT, OFF, GD, T2, T1 (T2/T1 NaN on the entry scan)."""
    rng = stream(seed, "mri")
    s = c.subj
    v = visits[(visits["VISIT"] != "UNSCHEDULED") & visits["MONTH"].isin(np.arange(72, 145, 12))]
    v = v[s["GROUP"].to_numpy()[v["SID"].to_numpy()] == "LTC"]
    v = v[(rng.random(len(v)) >= P_MRI_MISSING) | (v["MONTH"].to_numpy() == 72)].reset_index(drop=True)
    z = s["Z"].to_numpy()[v["SID"].to_numpy()]
    entry = v["MONTH"].to_numpy() == 72
    ext_year = np.clip((v["MONTH"].to_numpy() - 72) // 12, 1, 6).astype(int)
    m = rng.poisson(MRI_RATE * MRI_YEAR_MULT[ext_year - 1] * z)
    gd = np.where(entry, rng.poisson(MRI_BASE_GD * z), rng.binomial(m, MRI_P_GD))
    t1 = rng.binomial(m, MRI_P_T1)
    v["GD"] = gd.astype(float)
    v["T2"] = np.where(entry, np.nan, m.astype(float))
    v["T1"] = np.where(entry, np.nan, t1.astype(float))
    return v[["SID", "VISITNUM", "VISIT", "OFF", "GD", "T2", "T1"]]
