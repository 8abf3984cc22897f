"""Adverse events, concomitant medications and medical history of the simulated study.

Returns model-level frames (SID, day offsets, term keys, attributes); adam.simulate.domains
turns them into SDTM records (coding, dates, partial dates, EPOCH, --SEQ).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from adam.simulate import dictionary as D
from adam.simulate._util import DAYS_PER_YEAR, apportion, explode, quota_pick, scaled, stream
from adam.simulate.cohort import BASE_LTC, SUSPEND_START, Cohort
from adam.simulate.efficacy import on_study

# infusion-associated reactions: share of patient-courses with >= 1 IAR, by course number
IAR_BY_COURSE = {1: 0.98, 2: 0.80, 3: 0.77, 4: 0.63, 5: 0.58, 6: 0.58, 7: 0.0}
# share of patients with >= 1 infection starting in Year 1, 2, ... (alemtuzumab; IFNB core only)
INFECTION_BY_YEAR = np.array([0.53, 0.45, 0.42, 0.33, 0.30, 0.28, 0.26, 0.25, 0.24, 0.23, 0.22, 0.21, 0.20, 0.20])
INFECTION_IFNB = np.array([0.40, 0.38, 0.35])
P_SERIOUS_INFECTION = 0.03
# thyroid AEs: share ever affected and the year of first onset
THYROID_EVER = {"LTC": 0.50, "DISC": 0.30, "ALEM24": 0.25, "IFNB44": 0.05}
THYROID_FIRST_YEAR = np.array([0.06, 0.30, 0.27, 0.11, 0.07, 0.05, 0.03, 0.02, 0.015, 0.01, 0.01, 0.005])
P_THYROID_SECOND = 0.30
# other AEs: events per patient-year by year
GENERAL_RATE = np.array([1.2, 1.0, 0.9, 0.6, 0.55, 0.5, 0.5, 0.5, 0.45, 0.45, 0.45, 0.45, 0.45, 0.45])
IFNB_FLU_RATE = np.array([2.0, 0.8, 0.6])
P_PRE_DOSE_AE = 0.05  # subjects with an AE starting before the first dose (defect)

AE_COLUMNS = ["SID", "KEY", "START", "STOP", "SEV", "TOXGR", "SER", "REL", "OUT", "ACN", "SDTH", "SHOSP", "SLIFE", "SMIE", "SRC"]


def _events(sid, key, start, dur, sev, rel, ser=None, src="") -> pd.DataFrame:
    n = len(sid)
    sev = np.broadcast_to(np.asarray(sev, dtype=object), (n,)).copy()
    ser = np.zeros(n, dtype=bool) if ser is None else np.broadcast_to(np.asarray(ser), (n,)).copy()
    start = np.asarray(start, dtype=float)
    return pd.DataFrame(
        {
            "SID": np.asarray(sid, dtype=np.int64),
            "KEY": np.broadcast_to(np.asarray(key, dtype=object), (n,)),
            "START": start,
            "STOP": start + np.asarray(dur, dtype=float),
            "SEV": sev,
            "TOXGR": np.select([sev == "MILD", sev == "MODERATE"], [1.0, 2.0], 3.0),
            "SER": ser,
            "REL": np.broadcast_to(np.asarray(rel, dtype=object), (n,)),
            "OUT": "",
            "ACN": "",
            "SDTH": False,
            "SHOSP": ser,
            "SLIFE": False,
            "SMIE": False,
            "SRC": src,
        }
    )


def _severity(rng, n, p=(0.62, 0.35, 0.03)) -> np.ndarray:
    return rng.choice(np.array(["MILD", "MODERATE", "SEVERE"], dtype=object), n, p=p)


def _pick_terms(rng, n, terms, weights) -> np.ndarray:
    w = np.asarray(weights, float)
    return np.asarray(terms, dtype=object)[rng.choice(len(w), n, p=w / w.sum())]


def adverse_events(seed: int, c: Cohort) -> pd.DataFrame:
    """All adverse events (model level), one row per event."""
    rng = stream(seed, "ae")
    s = c.subj
    n = len(s)
    group = s["GROUP"].to_numpy()
    arm = s["ARMCD"].to_numpy()
    end = s["END"].to_numpy()
    treated = s["TREATED"].to_numpy()
    parts = [_iar(rng, c), _infections(rng, c), _thyroid(rng, c), _general(rng, c)]

    # IFNB: flu-like illness and injection-site reactions in the core study
    ifnb = np.flatnonzero((arm == "IFNB44") & treated)
    if len(ifnb):
        lam = IFNB_FLU_RATE[None, :] * np.clip((end[ifnb, None] - np.arange(3)[None, :] * DAYS_PER_YEAR) / DAYS_PER_YEAR, 0, 1)
        k = rng.poisson(lam)
        cell = explode(k.ravel())
        sid = ifnb[cell // 3]
        yr = cell % 3
        start = np.floor((yr + rng.random(len(cell))) * DAYS_PER_YEAR)
        key = np.where(rng.random(len(cell)) < 0.65, "ILI", "INJSITE")
        parts.append(_events(sid, key, start, rng.integers(0, 3, len(cell)), _severity(rng, len(cell)), "RELATED", src="IFNB"))

    # the defect: a few AEs that start in screening, before the first dose
    pre = np.flatnonzero(treated & (rng.random(n) < P_PRE_DOSE_AE))
    scr_off = (s["SCREEN"].to_numpy().astype("datetime64[D]") - s["FD"].to_numpy().astype("datetime64[D]")).astype(int)
    start = scr_off[pre] + np.floor(rng.random(len(pre)) * (-scr_off[pre]))
    parts.append(
        _events(pre, _pick_terms(rng, len(pre), D.GENERAL_TERMS, D.GENERAL_WEIGHTS), start,
                rng.integers(2, 30, len(pre)), _severity(rng, len(pre)), "NOT RELATED", src="PREDOSE")
    )
    parts.append(_fixed_events(rng, c))
    ae = pd.concat(parts, ignore_index=True)
    ae = _avoid_infusion_windows(rng, c, ae)
    ae = ae[on_study(s, ae["SID"].to_numpy(), ae["START"].to_numpy())]
    # events still going on at the end of the subject's follow-up are ongoing
    ae = ae.sort_values(["SID", "START", "KEY"], kind="stable", ignore_index=True)
    stop_after_end = ae["STOP"].to_numpy() > end[ae["SID"].to_numpy()]
    ae.loc[stop_after_end, "STOP"] = np.nan
    out = np.where(ae["STOP"].isna(), "NOT RECOVERED/NOT RESOLVED", "RECOVERED/RESOLVED").astype(object)
    ae["OUT"] = np.where(ae["OUT"].to_numpy() == "", out, ae["OUT"].to_numpy())
    ae["ACN"] = np.where(ae["ACN"].to_numpy() == "", "NOT APPLICABLE", ae["ACN"].to_numpy())
    return ae[AE_COLUMNS]


def _iar(rng, c: Cohort) -> pd.DataFrame:
    """IARs: a quota of patient-courses per course number gets 1-5 reactions on an infusion
    day or up to 2 days after the last infusion of the course."""
    crs = c.courses
    if crs.empty:
        return _events([], [], [], [], [], "RELATED")
    k = np.minimum(crs["COURSE"].to_numpy(), 7)
    ltc = (c.subj["GROUP"].to_numpy()[crs["SID"].to_numpy()] == "LTC").astype(int)
    stratum = (k - 1) * 2 + ltc
    sizes = np.bincount(stratum, minlength=14)
    p = np.array([IAR_BY_COURSE[i // 2 + 1] for i in range(14)])
    # courses 5 and 6 share one quota (the paper pools them)
    quota = np.floor(sizes * p + 0.5).astype(int)
    for l in (0, 1):
        pooled = sizes[8 + l] + sizes[10 + l]
        q = int(np.floor(pooled * IAR_BY_COURSE[5] + 0.5))
        stratum = np.where(stratum == 10 + l, 8 + l, stratum)
        quota[8 + l] = q
    has = quota_pick(rng, stratum, quota)
    cr = crs[has].reset_index(drop=True)
    nterm = 1 + np.minimum(rng.poisson(1.0, len(cr)), 4)
    # distinct terms per course: top-k of Gumbel-perturbed log weights
    w = np.log(np.asarray(D.IAR_WEIGHTS))
    keys = w[None, :] + rng.gumbel(size=(len(cr), len(w)))
    order = np.argsort(-keys, axis=1)
    take = np.arange(len(w))[None, :] < nterm[:, None]
    row, col = np.nonzero(take)
    term = np.asarray(D.IAR_TERMS, dtype=object)[order[row, col]]
    cr = cr.iloc[row].reset_index(drop=True)
    start = cr["START"].to_numpy() + np.floor(rng.random(len(cr)) * (cr["NDAYS"].to_numpy() + 2))
    sev = _severity(rng, len(cr), p=(0.6, 0.37, 0.03))
    ev = _events(cr["SID"].to_numpy(), term, start, rng.integers(0, 3, len(cr)), sev, "RELATED", src="IAR")
    ev["ACN"] = "DOSE NOT CHANGED"
    return ev


def _at_risk_years(c: Cohort, nyears: int):
    s = c.subj
    end = s["END"].to_numpy()
    lo = np.arange(nyears) * DAYS_PER_YEAR
    hi = lo + DAYS_PER_YEAR
    expo_hi = np.minimum(hi[None, :], end[:, None] + 1)
    at_risk = end[:, None] >= lo[None, :]
    return lo, expo_hi, at_risk


def _infections(rng, c: Cohort) -> pd.DataFrame:
    """Infections: in every (group, year) stratum a quota of the patients at risk at the start
    of the year has 1+ infections that year."""
    s = c.subj
    ny = len(INFECTION_BY_YEAR)
    lo, expo_hi, at_risk = _at_risk_years(c, ny)
    arm = s["ARMCD"].to_numpy()
    group = s["GROUP"].to_numpy()
    treated = s["TREATED"].to_numpy()
    gcode = np.select([group == "LTC", group == "DISC", arm == "ALEM24", arm == "IFNB44"], [0, 1, 2, 3], 4)
    gcode = np.where(treated, gcode, 4)
    prob = np.vstack([INFECTION_BY_YEAR] * 3 + [np.r_[INFECTION_IFNB, np.zeros(ny - 3)], np.zeros(ny)])
    sid, yr = np.nonzero(at_risk & (gcode[:, None] < 4))
    stratum = gcode[sid] * ny + yr
    sizes = np.bincount(stratum, minlength=5 * ny)
    quota = np.floor(sizes * prob.ravel() + 0.5).astype(int)
    has = quota_pick(rng, stratum, quota)
    sid, yr = sid[has], yr[has]
    k = 1 + rng.poisson(0.4, len(sid))
    rows = explode(k)
    sid, yr = sid[rows], yr[rows]
    start = np.floor(lo[yr] + rng.random(len(sid)) * (expo_hi[sid, yr] - lo[yr]))
    term = _pick_terms(rng, len(sid), D.INFECTION_TERMS, D.INFECTION_WEIGHTS)
    ser = rng.random(len(sid)) < P_SERIOUS_INFECTION
    sev = np.where(ser, "SEVERE", _severity(rng, len(sid), p=(0.6, 0.38, 0.02)))
    rel = np.where(rng.random(len(sid)) < 0.3, "POSSIBLY RELATED", "NOT RELATED")
    return _events(sid, term, start, np.ceil(rng.gamma(2.0, 5.0, len(sid))), sev, rel, ser, src="INFECTION")


def _thyroid(rng, c: Cohort) -> pd.DataFrame:
    """Thyroid disorders: a quota of each group is ever affected; first onset year drawn from
    a distribution peaking in Years 2-3; some have a second thyroid event later."""
    s = c.subj
    arm = s["ARMCD"].to_numpy()
    group = s["GROUP"].to_numpy()
    treated = s["TREATED"].to_numpy()
    gkey = np.where(group == "CORE", arm, group)
    codes = ["LTC", "DISC", "ALEM24", "IFNB44"]
    gcode = np.select([gkey == k for k in codes], range(4), 4)
    gcode = np.where(treated, gcode, 4)
    idx = np.flatnonzero(gcode < 4)
    sizes = np.bincount(gcode[idx], minlength=4)
    quota = np.floor(sizes * np.array([THYROID_EVER[k] for k in codes]) + 0.5).astype(int)
    has = idx[quota_pick(rng, gcode[idx], quota)]
    # first-onset years: exact shares per group (shuffled within the group)
    y = np.zeros(len(has), dtype=np.int64)
    for g in range(4):
        idx_g = np.flatnonzero(gcode[has] == g)
        years = np.repeat(np.arange(len(THYROID_FIRST_YEAR)), apportion(len(idx_g), THYROID_FIRST_YEAR))
        y[idx_g] = rng.permutation(years)
    # core-only subjects: onset within their 3 years
    y = np.where(np.isin(gcode[has], [2, 3]), np.minimum(y, 2), y)
    start1 = np.floor((y + rng.random(len(has))) * DAYS_PER_YEAR)
    start1 = np.minimum(start1, s["END"].to_numpy()[has] - 30)  # the quota counts patients, keep them all
    second = rng.random(len(has)) < P_THYROID_SECOND
    start2 = start1[second] + np.floor(rng.uniform(0.5, 3.0, second.sum()) * DAYS_PER_YEAR)
    sid = np.r_[has, has[second]]
    start = np.r_[start1, start2]
    term = _pick_terms(rng, len(sid), D.THYROID_TERMS, D.THYROID_WEIGHTS)
    ongoing = rng.random(len(sid)) < 0.4
    dur = np.where(ongoing, 1e6, np.ceil(rng.uniform(60, 700, len(sid))))
    ser = rng.random(len(sid)) < 0.08
    sev = np.where(ser, "SEVERE", _severity(rng, len(sid), p=(0.45, 0.5, 0.05)))
    rel = np.where(rng.random(len(sid)) < 0.8, "RELATED", "POSSIBLY RELATED")
    return _events(sid, term, start, dur, sev, rel, ser, src="THYROID")


def _general(rng, c: Cohort) -> pd.DataFrame:
    """Other AEs: Poisson per patient-year, rate falling after Year 3."""
    s = c.subj
    ny = len(GENERAL_RATE)
    lo, expo_hi, at_risk = _at_risk_years(c, ny)
    expo = np.clip(expo_hi - lo[None, :], 0, None) / DAYS_PER_YEAR
    treated = s["TREATED"].to_numpy()
    k = rng.poisson(GENERAL_RATE[None, :] * expo * treated[:, None])
    cell = explode(k.ravel())
    sid, yr = cell // ny, cell % ny
    start = np.floor(lo[yr] + rng.random(len(cell)) * (expo_hi[sid, yr] - lo[yr]))
    term = _pick_terms(rng, len(cell), D.GENERAL_TERMS, D.GENERAL_WEIGHTS)
    rel = np.where(rng.random(len(cell)) < 0.2, "POSSIBLY RELATED", "NOT RELATED")
    return _events(sid, term, start, np.ceil(rng.gamma(1.5, 10.0, len(cell))), _severity(rng, len(cell)), rel, src="GENERAL")


def _avoid_infusion_windows(rng, c: Cohort, ae: pd.DataFrame) -> pd.DataFrame:
    """Move non-IAR events that would start during an infusion window (infusion days and the
    2 days after) to 3-12 days after it, so that the IAR rates are set by the IAR model alone."""
    crs = c.courses
    if crs.empty or ae.empty:
        return ae
    win = crs.assign(WLO=crs["START"], WHI=crs["START"] + crs["NDAYS"] + 1)[["SID", "WLO", "WHI"]]
    movable = ~ae["SRC"].isin(["IAR", "FIXED"]).to_numpy()
    a = ae.reset_index(drop=True)
    j = a.loc[movable, ["SID", "START"]].reset_index().merge(win, on="SID")
    inside = (j["START"] >= j["WLO"]) & (j["START"] <= j["WHI"])
    j = j[inside]
    shift = j["WHI"].to_numpy() + 3 + rng.integers(0, 10, len(j)) - j["START"].to_numpy()
    idx = j["index"].to_numpy()
    a.loc[idx, "START"] = a.loc[idx, "START"].to_numpy() + shift
    a.loc[idx, "STOP"] = a.loc[idx, "STOP"].to_numpy() + shift
    return a


def _choose(rng, cand: np.ndarray, k: int, used: set) -> np.ndarray:
    cand = np.asarray([x for x in cand if x not in used]) if used else np.asarray(cand)
    pick = np.sort(rng.permutation(cand)[:k]) if len(cand) else np.zeros(0, dtype=np.int64)
    used.update(pick.tolist())
    return pick.astype(np.int64)


def _fixed_events(rng, c: Cohort) -> pd.DataFrame:
    """Events whose number the paper fixes (scaled to N): deaths, ITP, melanomas, grade 4
    events, neutropenia, cholecystitis, stroke and myocardial infarction, and the AEs that led
    to discontinuation."""
    s = c.subj
    n_ltc = int((s["GROUP"] == "LTC").sum())
    end = s["END"].to_numpy()
    group = s["GROUP"].to_numpy()
    arm = s["ARMCD"].to_numpy()
    dsdecod = s["DSDECOD"].to_numpy()
    ongoing = s["ONGOING"].to_numpy()
    fd = s["FD"].to_numpy().astype("datetime64[D]")
    crs = c.courses
    last_course = crs.groupby("SID")["START"].max().reindex(range(len(s))).to_numpy()
    ntot = crs.groupby("SID").size().reindex(range(len(s)), fill_value=0).to_numpy()
    itp_ltc = s["ITP_LTC"].to_numpy()
    used: set = set(np.flatnonzero(itp_ltc).tolist())
    parts = []

    def ev(sid, key, start, dur, sev, toxgr, rel, ser=True, out="", sdth=False, slife=False, smie=False, acn=""):
        e = _events(sid, key, start, dur, sev, rel, np.full(len(sid), ser), src="FIXED")
        e["TOXGR"] = float(toxgr)
        e["OUT"] = out
        e["SDTH"] = sdth
        e["SLIFE"] = slife
        e["SMIE"] = smie
        e["SHOSP"] = ser and not sdth
        if acn:
            e["ACN"] = acn
        parts.append(e)

    ltc_scale = lambda k: scaled(k, BASE_LTC, n_ltc)  # noqa: E731
    # deaths
    d_ltc = np.flatnonzero((group == "LTC") & (dsdecod == "DEATH"))
    used.update(d_ltc.tolist())
    ev(d_ltc, "WOUND", end[d_ltc], 0, "SEVERE", 3, "NOT RELATED")
    ev(d_ltc, "HAEMSHOCK", end[d_ltc], 0, "SEVERE", 5, "NOT RELATED", out="FATAL", sdth=True)
    d_disc = np.flatnonzero((group == "DISC") & (dsdecod == "DEATH"))
    ev(d_disc, "CVDEATH", end[d_disc] - rng.integers(0, 5, len(d_disc)), 1e6, "SEVERE", 5, "NOT RELATED", out="FATAL", sdth=True)
    d_itp = np.flatnonzero((arm == "ALEM24") & (dsdecod == "DEATH"))
    ev(d_itp, "ITP", end[d_itp] - 20, 1e6, "SEVERE", 5, "RELATED", out="FATAL", sdth=True)
    # core-study ITP cases (before the dosing suspension): one 24 mg, one 12 mg discontinued
    susp = (SUSPEND_START - fd).astype(int)
    for g, base, m in (("CORE", 109, arm == "ALEM24"), ("DISC", 48, group == "DISC")):
        pool = np.flatnonzero(m & (group == g) & (np.minimum(end, susp) > 450) & (dsdecod != "DEATH"))
        k = scaled(1, base, int((m & (group == g)).sum()))
        p = _choose(rng, pool, k, used)
        st = np.floor(rng.uniform(400, np.maximum(np.minimum(end[p], susp[p]) - 30, 401)))
        ev(p, "ITP", st, rng.integers(30, 120, len(p)), "SEVERE", 4, "RELATED", slife=True)
    # the extension cohort's ITP: onset 16 months after the last dose (Year 4), recurrence 8 years after
    p = np.flatnonzero(itp_ltc)
    last_inf = last_course[p] + 2
    st = np.minimum(last_inf + 487, 1455)
    ev(p, "ITP", st, 60, "MODERATE", 3, "RELATED", ser=False)
    st2 = last_inf + 2922
    ok = st2 < end[p]
    ev(p[ok], "ITP", st2[ok], 45, "SEVERE", 4, "RELATED", slife=True)
    # melanomas, Year 10: one patient with two grade 4 melanomas and lymphadenopathy, one in situ
    on12 = np.flatnonzero((group == "LTC") & ongoing)
    pa = _choose(rng, on12, ltc_scale(1), used)
    st = np.floor(rng.uniform(3290, 3480, len(pa)))
    ev(pa, "MELANOMA", st, 1e6, "SEVERE", 4, "POSSIBLY RELATED", smie=True, out="NOT RECOVERED/NOT RESOLVED")
    ev(pa, "METMEL", st + rng.integers(60, 120, len(pa)), 1e6, "SEVERE", 4, "POSSIBLY RELATED", smie=True,
       out="NOT RECOVERED/NOT RESOLVED")
    ev(pa, "LYMPHAD", st + rng.integers(20, 50, len(pa)), 40, "SEVERE", 4, "POSSIBLY RELATED")
    pb = _choose(rng, on12, ltc_scale(1), used)
    ev(pb, "MELINSITU", np.floor(rng.uniform(3290, 3640, len(pb))), 30, "MODERATE", 2, "NOT RELATED", smie=True)
    # grade 4 in Year 1: adhesive ileus + diffuse peritonitis (one patient); two generalised rashes (one patient)
    pc = _choose(rng, on12, ltc_scale(1), used)
    st = np.floor(rng.uniform(60, 300, len(pc)))
    ev(pc, "ILEUS", st, 20, "SEVERE", 4, "NOT RELATED", slife=True)
    ev(pc, "PERITON", st + 2, 25, "SEVERE", 4, "NOT RELATED", slife=True)
    pdr = _choose(rng, on12, ltc_scale(1), used)
    ev(pdr, "RASHGEN", rng.integers(1, 5, len(pdr)).astype(float), 6, "SEVERE", 4, "RELATED", acn="DOSE NOT CHANGED")
    ev(pdr, "RASHGEN", np.floor(rng.uniform(60, 330, len(pdr))), 10, "SEVERE", 4, "POSSIBLY RELATED")
    # neutropenia grade 3/4 (4 patients with two courses; 11-46 months after the last dose)
    two = on12[ntot[on12] == 2]
    pn = _choose(rng, two, ltc_scale(4), used)
    lo = np.array([1100, 1470, 760, 760])[np.arange(len(pn)) % 4]
    hi = np.array([1450, 1760, 1700, 1700])[np.arange(len(pn)) % 4]
    gr = np.array([4, 4, 3, 3])[np.arange(len(pn)) % 4]
    st = np.floor(lo + rng.random(len(pn)) * (hi - lo))
    for g in (3, 4):
        m = gr == g
        ev(pn[m], "NEUTROP", st[m], 20, "SEVERE", g, "POSSIBLY RELATED", ser=(g == 4))
    # cholecystitis in Year 10
    pch = _choose(rng, on12, ltc_scale(1), used)
    ev(pch, "CHOLECYST", np.floor(rng.uniform(3290, 3650, len(pch))), 14, "SEVERE", 3, "NOT RELATED")
    # ischaemic stroke and myocardial infarction, 1.9 and 1.8 years after the last dose
    cand = on12[(ntot[on12] == 3) & (last_course[on12] < 3300)]
    ps = _choose(rng, cand, ltc_scale(1), used)
    li = last_course[ps] + 2
    ev(ps, "MI", li + 657, 10, "SEVERE", 3, "NOT RELATED")
    ev(ps, "STROKE", li + 694, 20, "SEVERE", 3, "NOT RELATED")
    # AEs that led to discontinuation in the 12 mg group who did not enter the extension
    pae = np.flatnonzero((group != "LTC") & (dsdecod == "ADVERSE EVENT"))
    key = _pick_terms(rng, len(pae), ("DEPRESSION", "URTICARIA", "FATIGUE", "HYPERTHY"), (1, 1, 1, 1))
    e = _events(pae, key, end[pae] - rng.integers(10, 60, len(pae)), 1e6, "SEVERE", "POSSIBLY RELATED", src="FIXED")
    e["ACN"] = "DRUG WITHDRAWN"
    parts.append(e)
    return pd.concat(parts, ignore_index=True)


CM_COLUMNS = ["SID", "CMTRT", "CMDECOD", "CMCAT", "CMINDC", "CMDOSE", "CMDOSU", "CMDOSFRQ", "CMROUTE", "START", "STOP", "PARTIAL_OK"]
DMTS = (
    ("INTERFERON BETA-1A", 44.0, "ug", "3 TIMES PER WEEK", "SUBCUTANEOUS", 0.35),
    ("GLATIRAMER ACETATE", 20.0, "mg", "QD", "SUBCUTANEOUS", 0.30),
    ("INTERFERON BETA-1B", 250.0, "ug", "QOD", "SUBCUTANEOUS", 0.15),
    ("NATALIZUMAB", 300.0, "mg", "EVERY 4 WEEKS", "INTRAVENOUS", 0.10),
    ("FINGOLIMOD", 0.5, "mg", "QD", "ORAL", 0.10),
)
GENERAL_CMS = (
    ("PARACETAMOL", "PARACETAMOL", "PAIN", 1000.0, "mg", "PRN", "ORAL"),
    ("IBUPROFEN", "IBUPROFEN", "PAIN", 400.0, "mg", "PRN", "ORAL"),
    ("VITAMIN D3", "COLECALCIFEROL", "VITAMIN D SUPPLEMENTATION", 1000.0, "IU", "QD", "ORAL"),
    ("BACLOFEN", "BACLOFEN", "SPASTICITY", 10.0, "mg", "TID", "ORAL"),
    ("CETIRIZINE", "CETIRIZINE", "ALLERGY", 10.0, "mg", "QD", "ORAL"),
    ("SERTRALINE", "SERTRALINE", "DEPRESSION", 50.0, "mg", "QD", "ORAL"),
)


def _cm(sid, trt, decod, cat, indc, dose, dosu, frq, route, start, stop, partial_ok=True) -> pd.DataFrame:
    n = len(sid)
    b = lambda v: np.broadcast_to(np.asarray(v, dtype=object), (n,))  # noqa: E731
    return pd.DataFrame(
        {"SID": np.asarray(sid, dtype=np.int64), "CMTRT": b(trt), "CMDECOD": b(decod), "CMCAT": b(cat), "CMINDC": b(indc),
         "CMDOSE": np.broadcast_to(np.asarray(dose, dtype=float), (n,)), "CMDOSU": b(dosu), "CMDOSFRQ": b(frq),
         "CMROUTE": b(route), "START": np.asarray(start, dtype=float), "STOP": np.asarray(stop, dtype=float),
         "PARTIAL_OK": partial_ok}
    )


def medications(seed: int, c: Cohort, rel: pd.DataFrame, ae: pd.DataFrame) -> pd.DataFrame:
    """Concomitant medications: infusion premedication, relapse steroids, other DMTs (20% of the
    extension cohort), general medications and thyroid treatment (model level)."""
    rng = stream(seed, "cm")
    s = c.subj
    n = len(s)
    end = s["END"].to_numpy()
    group = s["GROUP"].to_numpy()
    parts = []
    crs = c.courses
    parts.append(_cm(crs["SID"], "METHYLPREDNISOLONE", "METHYLPREDNISOLONE", "PREMEDICATION", "INFUSION-ASSOCIATED REACTION PROPHYLAXIS",
                     1000.0, "mg", "QD", "INTRAVENOUS", crs["START"], crs["START"] + 2, partial_ok=False))
    r = rel[rel["STEROID"].to_numpy()]
    st = r["ONSET"].to_numpy() + rng.integers(0, 8, len(r))
    parts.append(_cm(r["SID"], "METHYLPREDNISOLONE", "METHYLPREDNISOLONE", "RELAPSE TREATMENT", "MULTIPLE SCLEROSIS RELAPSE",
                     1000.0, "mg", "QD", "INTRAVENOUS", st, st + rng.integers(2, 5, len(r))))
    # other DMTs in 20% of the extension cohort (Years 4-11); a few in the discontinued group
    ltc = np.flatnonzero(group == "LTC")
    p = np.sort(rng.permutation(ltc)[: scaled(12, BASE_LTC, len(ltc))])
    disc = np.flatnonzero((group == "DISC") & (end > 1100))
    p = np.r_[p, disc[rng.random(len(disc)) < 0.1]]
    which = rng.choice(len(DMTS), len(p), p=[d[5] for d in DMTS])
    st = np.floor(rng.uniform(3, 11, len(p)) * DAYS_PER_YEAR)
    st = np.where(group[p] == "DISC", np.floor(rng.uniform(1100, np.maximum(end[p], 1101))), st)
    st = np.minimum(st, end[p] - 30)
    dmt = np.asarray(DMTS, dtype=object)
    parts.append(_cm(p, dmt[which, 0], dmt[which, 0], "DISEASE MODIFYING THERAPY", "MULTIPLE SCLEROSIS", dmt[which, 1].astype(float),
                     dmt[which, 2], dmt[which, 3], dmt[which, 4], st, st + np.floor(rng.uniform(0.5, 3.0, len(p)) * DAYS_PER_YEAR)))
    # general medications, some started before the study (prior medications)
    treated = s["TREATED"].to_numpy()
    k = rng.poisson(2.0, n) * treated
    sid = explode(k)
    which = rng.choice(len(GENERAL_CMS), len(sid))
    span = np.maximum(end[sid], 30)
    st = np.floor(rng.uniform(-400, 1, len(sid)) * (rng.random(len(sid)) < 0.2) + rng.random(len(sid)) * span * (rng.random(len(sid)) >= 0.2))
    g = np.asarray(GENERAL_CMS, dtype=object)
    parts.append(_cm(sid, g[which, 0], g[which, 1], "GENERAL", g[which, 2], g[which, 3].astype(float), g[which, 4], g[which, 5],
                     g[which, 6], st, st + np.ceil(rng.gamma(1.2, 60.0, len(sid)))))
    # thyroid treatment after thyroid AEs
    t = ae[ae["KEY"].isin(["HYPOTHY", "AITHYR", "HASHI"])]
    parts.append(_cm(t["SID"], "LEVOTHYROXINE", "LEVOTHYROXINE SODIUM", "GENERAL", "HYPOTHYROIDISM", 75.0, "ug", "QD", "ORAL",
                     t["START"] + 7, np.full(len(t), 1e6)))
    t = ae[ae["KEY"].isin(["HYPERTHY", "GRAVES"])]
    parts.append(_cm(t["SID"], "THIAMAZOLE", "THIAMAZOLE", "GENERAL", "HYPERTHYROIDISM", 10.0, "mg", "QD", "ORAL",
                     t["START"] + 5, t["START"] + 5 + np.floor(rng.uniform(120, 540, len(t)))))
    cm = pd.concat(parts, ignore_index=True)
    cm = cm[on_study(s, cm["SID"].to_numpy(), cm["START"].to_numpy())]
    cm = cm.sort_values(["SID", "START", "CMTRT"], kind="stable", ignore_index=True)
    cm.loc[cm["STOP"].to_numpy() > end[cm["SID"].to_numpy()], "STOP"] = np.nan
    return cm[CM_COLUMNS]


def medical_history(seed: int, c: Cohort) -> pd.DataFrame:
    """MS diagnosis (symptom onset <= 3 years before entry) and the >= 2 relapses of the
    2 years before entry, with month-precision dates (model level: offsets from first dose)."""
    rng = stream(seed, "mh")
    s = c.subj
    n = len(s)
    con = (s["CONSENT"].to_numpy().astype("datetime64[D]") - s["FD"].to_numpy().astype("datetime64[D]")).astype(int)
    onset = con - np.floor(rng.uniform(90, 1090, n))
    k = 2 + rng.poisson(0.5, n)
    sid = explode(k)
    lo = np.maximum(onset[sid], con[sid] - 730)
    st = np.floor(lo + rng.random(len(sid)) * (con[sid] - 14 - lo))
    return pd.DataFrame(
        {
            "SID": np.r_[np.arange(n), sid],
            "MHTERM": np.r_[np.full(n, "RELAPSING-REMITTING MULTIPLE SCLEROSIS", dtype=object),
                            np.full(len(sid), "MULTIPLE SCLEROSIS RELAPSE", dtype=object)],
            "MHDECOD": np.r_[np.full(n, "Relapsing-remitting multiple sclerosis", dtype=object),
                             np.full(len(sid), "Multiple sclerosis relapse", dtype=object)],
            "MHCAT": np.r_[np.full(n, "PRIMARY DIAGNOSIS", dtype=object), np.full(len(sid), "MS RELAPSE HISTORY", dtype=object)],
            "START": np.r_[onset, st].astype(float),
            "ONGOING": np.r_[np.ones(n, bool), np.zeros(len(sid), bool)],
        }
    ).sort_values(["SID", "START"], kind="stable", ignore_index=True)
