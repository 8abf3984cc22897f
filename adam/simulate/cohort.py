"""The subject-level skeleton of the simulated CAMMS223 study: who is randomized to which arm,
when, who is treated, who enters the extensions, who leaves when and why, the shared frailty,
the alemtuzumab course schedule and the planned visit grid.

Every exact count of the paper is assigned here by construction (scaled to N); the event
models (relapses, EDSS, MRI, AEs) in the other modules read this skeleton.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from adam.simulate._util import DAYS_PER_MONTH, apportion, quota_pick, scaled, stream

STUDYID = "CAMMS223"
ARMS = ("IFNB44", "ALEM12", "ALEM24")
ARM_NAMES = {
    "IFNB44": "SC IFNB-1a 44 ug",
    "ALEM12": "Alemtuzumab 12 mg",
    "ALEM24": "Alemtuzumab 24 mg",
}
BASE_N = 331  # randomized in the default cohort
BASE_ARM = (111, 110, 110)
BASE_NOT_TREATED = (1, 2, 1)  # randomized, never dosed (SDTMIG 3.3: ARMNRS)
BASE_T12 = 108  # 12 mg treated
BASE_LTC = 60  # entered CAMMS03409
COURSE_TOTALS = (1, 2, 3, 4, 5, 6, 7)
BASE_COURSE_COUNTS = (1, 20, 23, 9, 2, 4, 1)  # of 60
BASE_C3_TIMING = (14, 22, 3)  # third course: core (Year 3), Years 5-6, Years 7-9 (of 39)
BASE_C4_TIMING = (12, 4)  # fourth course: Years 6-8, Years 10-12 (of 16)
# Reasons for not entering CAMMS03409 (48 of 108), DSDECOD / DSTERM, and the day range of leaving
DISC_REASONS = (
    ("ADVERSE EVENT", "ADVERSE EVENT", 3, 100, 1000),
    ("LACK OF EFFICACY", "LACK OF EFFICACY", 2, 500, 2000),
    ("DEATH", "CARDIOVASCULAR DISEASE", 1, 200, 900),
    ("NON-COMPLIANCE WITH STUDY DRUG", "NON-COMPLIANCE WITH STUDY DRUG", 7, 60, 700),
    ("WITHDRAWAL BY SUBJECT", "SUBJECT WITHDREW CONSENT", 4, 200, 2150),
    ("LOST TO FOLLOW-UP", "LOST TO FOLLOW-UP", 3, 300, 2150),
    ("PHYSICIAN DECISION", "PHYSICIAN DECISION", 3, 300, 2150),
    ("OTHER", "NO REASON PROVIDED", 25, 1000, 2150),
)
# Of the 60 who entered the extension, 6 left before Year 12
LTC_DISC_REASONS = (
    ("PHYSICIAN DECISION", "PHYSICIAN DECISION", 3),
    ("WITHDRAWAL BY SUBJECT", "SUBJECT WITHDREW CONSENT", 2),
    ("DEATH", "HAEMORRHAGIC SHOCK", 1),
)
CORE_DISC_REASONS = (
    ("ADVERSE EVENT", "ADVERSE EVENT", 3),
    ("LACK OF EFFICACY", "LACK OF EFFICACY", 2),
    ("WITHDRAWAL BY SUBJECT", "SUBJECT WITHDREW CONSENT", 4),
    ("LOST TO FOLLOW-UP", "LOST TO FOLLOW-UP", 2),
    ("NON-COMPLIANCE WITH STUDY DRUG", "NON-COMPLIANCE WITH STUDY DRUG", 2),
    ("PHYSICIAN DECISION", "PHYSICIAN DECISION", 1),
)
CORE_COMPLETION = {"IFNB44": 0.76, "ALEM24": 0.86}

ENROL_START = np.datetime64("2002-12-02")
ENROL_END = np.datetime64("2004-07-15")
SUSPEND_START = np.datetime64("2005-09-15")  # alemtuzumab dosing suspended (3 ITP cases) ...
SUSPEND_END = np.datetime64("2008-07-01")  # ... until mid-2008
YEAR12_END = 4383  # day offset (from first dose) of the end of Year 12
FRAILTY_SHAPE = 0.56
N_SITES = 30
COUNTRIES = ("USA", "GBR", "DEU", "BEL", "POL", "SWE", "ITA", "ESP", "USA", "GBR")


@dataclass
class Cohort:
    """The simulated subjects and what is fixed about them before any event is drawn."""

    subj: pd.DataFrame  # one row per randomized subject, in USUBJID order
    courses: pd.DataFrame  # one row per alemtuzumab course: SID, COURSE, START, NDAYS, DOSE
    visit_off: np.ndarray  # planned visit day offsets, subjects x months (0, 3, 6, ...)
    visit_months: np.ndarray  # months of the planned visit grid
    dcut: np.datetime64  # data cut-off date
    counts: dict  # the exact counts used (for reports and tests)


def _uniform_days(rng, lo, hi) -> np.ndarray:
    lo = np.asarray(lo, dtype=float)
    hi = np.maximum(np.asarray(hi, dtype=float), lo)
    return np.floor(lo + rng.random(lo.shape) * (hi - lo + 1)).astype(float)


def build_cohort(seed: int, n: int) -> Cohort:
    """Draw the subject skeleton for ``n`` randomized subjects (331 reproduces the paper)."""
    rng = stream(seed, "cohort")
    n_arm = apportion(n, BASE_ARM)
    n_nt = np.array([scaled(BASE_NOT_TREATED[a], BASE_ARM[a], n_arm[a]) for a in range(3)])
    n_nt = np.minimum(n_nt, n_arm)
    arm_i = np.repeat(np.arange(3), n_arm)
    nt = np.concatenate([np.arange(n_arm[a]) < n_nt[a] for a in range(3)])
    perm = rng.permutation(n)
    arm_i, nt = arm_i[perm], nt[perm]
    site = rng.choice(N_SITES, size=n, p=_site_weights())
    order = np.argsort(site, kind="stable")
    arm_i, nt, site = arm_i[order], nt[order], site[order]
    within = np.arange(n) - np.searchsorted(site, site)  # 0.. within site (site sorted)
    width = max(4, len(str(int(within.max()) + 1)))
    site_s = np.char.zfill((site + 101).astype(str), 3)
    subjid = np.char.add(site_s, np.char.zfill((within + 1).astype(str), width))
    usubjid = np.char.add(np.char.add(f"{STUDYID}-", np.char.add(site_s, "-")), subjid)
    armcd = np.asarray(ARMS, dtype=object)[arm_i]
    treated = ~nt

    # group: LTC (12 mg, entered extension), DISC (12 mg, left before), CORE (other arms), NT
    t12 = np.flatnonzero((arm_i == 1) & treated)
    n_t12 = len(t12)
    n_ltc = scaled(BASE_LTC, BASE_T12, n_t12)
    group = np.where(treated, "CORE", "NT").astype(object)
    group[t12] = "DISC"
    ltc_idx = np.sort(rng.choice(t12, size=n_ltc, replace=False)) if n_ltc else np.zeros(0, int)
    group[ltc_idx] = "LTC"
    disc_idx = np.flatnonzero(group == "DISC")

    rand = ENROL_START + np.floor(rng.random(n) * (ENROL_END - ENROL_START).astype(int)).astype("timedelta64[D]")
    fd = rand + rng.integers(0, 4, n).astype("timedelta64[D]")
    fd = np.where(treated, fd, rand)
    screen = rand - rng.integers(14, 36, n).astype("timedelta64[D]")
    consent = screen - rng.integers(0, 8, n).astype("timedelta64[D]")

    # planned visit grid (months 0, 3, 6, ...) with +-10 day jitter; month 0 is Day 1
    max_months = 168
    months = np.arange(0, max_months + 1, 3)
    jitter = np.clip(np.rint(rng.normal(0, 4, (n, len(months)))), -10, 10)
    jitter[:, 0] = 0
    visit_off = np.rint(months * DAYS_PER_MONTH) + jitter
    col = {m: i for i, m in enumerate(months)}
    core_end = visit_off[:, col[36]].copy()
    ext1 = visit_off[:, col[72]].copy()
    ext2_month = rng.choice([108, 120, 132], size=n, p=[0.15, 0.7, 0.15])
    ext2 = visit_off[np.arange(n), np.searchsorted(months, ext2_month)]

    fd_ltc = fd[ltc_idx]
    last_fd = fd_ltc.max() if n_ltc else fd.max()
    horizon = YEAR12_END if n_ltc else int(core_end.max())
    dcut = last_fd + np.timedelta64(horizon + 45, "D")
    dcut_off = (dcut - fd).astype(int).astype(float)

    end = np.full(n, np.nan)
    dsdecod = np.full(n, "", dtype=object)
    dsterm = np.full(n, "", dtype=object)
    ongoing = np.zeros(n, dtype=bool)
    gap_start = np.full(n, np.nan)
    gap_end = np.full(n, np.nan)

    # 12 mg, entered the extension: a few leave, the rest are on study at the cut-off
    n_ltc_disc = scaled(6, BASE_LTC, n_ltc)
    ltc_reason_n = apportion(n_ltc_disc, [r[2] for r in LTC_DISC_REASONS])
    ltc_perm = rng.permutation(ltc_idx)
    ltc_leavers = ltc_perm[:n_ltc_disc]
    reason_i = np.repeat(np.arange(len(LTC_DISC_REASONS)), ltc_reason_n)
    dsdecod[ltc_leavers] = np.asarray([r[0] for r in LTC_DISC_REASONS], dtype=object)[reason_i]
    dsterm[ltc_leavers] = np.asarray([r[1] for r in LTC_DISC_REASONS], dtype=object)[reason_i]
    is_death = dsdecod[ltc_leavers] == "DEATH"
    lo = np.where(is_death, ext1[ltc_leavers] + 30, ext1[ltc_leavers] + 100)
    hi = np.where(is_death, np.minimum(ext1[ltc_leavers] + 300, 2550), 4300)
    end[ltc_leavers] = _uniform_days(rng, lo, hi)
    stayers = ltc_perm[n_ltc_disc:]
    end[stayers] = dcut_off[stayers]
    ongoing[stayers] = True
    # one patient left the core study and re-enrolled into the extension (paper, Fig. 1)
    n_reenrol = scaled(1, BASE_LTC, n_ltc)
    reenrol = stayers[:n_reenrol]
    gap_start[reenrol] = _uniform_days(rng, np.full(len(reenrol), 700.0), 950.0)
    gap_end[reenrol] = ext1[reenrol] - 1

    # 12 mg, did not enter the extension: reasons and timing of leaving
    counts_disc = apportion(len(disc_idx), [r[2] for r in DISC_REASONS])
    dperm = rng.permutation(disc_idx)
    ri = np.repeat(np.arange(len(DISC_REASONS)), counts_disc)
    dsdecod[dperm] = np.asarray([r[0] for r in DISC_REASONS], dtype=object)[ri]
    dsterm[dperm] = np.asarray([r[1] for r in DISC_REASONS], dtype=object)[ri]
    end[dperm] = _uniform_days(
        rng, np.asarray([r[3] for r in DISC_REASONS], float)[ri], np.asarray([r[4] for r in DISC_REASONS], float)[ri]
    )

    # IFNB and 24 mg: the 3-year core study only
    core_idx = np.flatnonzero(group == "CORE")
    p_complete = np.where(armcd[core_idx] == "IFNB44", CORE_COMPLETION["IFNB44"], CORE_COMPLETION["ALEM24"])
    completes = rng.random(len(core_idx)) < p_complete
    done = core_idx[completes]
    dsdecod[done] = "COMPLETED"
    dsterm[done] = "COMPLETED"
    end[done] = core_end[done]
    left = core_idx[~completes]
    w = np.array([r[2] for r in CORE_DISC_REASONS], float)
    ri = rng.choice(len(w), size=len(left), p=w / w.sum())
    dsdecod[left] = np.asarray([r[0] for r in CORE_DISC_REASONS], dtype=object)[ri]
    dsterm[left] = np.asarray([r[1] for r in CORE_DISC_REASONS], dtype=object)[ri]
    end[left] = _uniform_days(rng, np.full(len(left), 30.0), core_end[left] - 5)
    # the fatal ITP case of the core study (24 mg arm)
    a24 = np.flatnonzero((armcd == "ALEM24") & treated)
    n_itp_death = scaled(1, 109, len(a24))
    itp_death = np.sort(rng.choice(a24, size=n_itp_death, replace=False)) if n_itp_death else a24[:0]
    itp_death = itp_death[fd[itp_death] + np.timedelta64(500, "D") < SUSPEND_START] if len(itp_death) else itp_death
    dsdecod[itp_death] = "DEATH"
    dsterm[itp_death] = "IMMUNE THROMBOCYTOPENIA"
    end[itp_death] = np.minimum(
        (SUSPEND_START - fd[itp_death]).astype(int) - 20, _uniform_days(rng, np.full(len(itp_death), 450.0), 900.0)
    )

    # randomized, not treated: withdrew before the first dose
    nt_idx = np.flatnonzero(nt)
    dsdecod[nt_idx] = "WITHDRAWAL BY SUBJECT"
    dsterm[nt_idx] = "SUBJECT WITHDREW CONSENT BEFORE DOSING"
    end[nt_idx] = rng.integers(1, 10, len(nt_idx))

    z = rng.gamma(FRAILTY_SHAPE, 1 / FRAILTY_SHAPE, n)
    sex = np.where(rng.random(n) < 0.64, "F", "M").astype(object)
    age = np.clip(np.rint(rng.normal(32, 8, n)), 18, 50)
    race = rng.choice(
        np.array(["WHITE", "BLACK OR AFRICAN AMERICAN", "ASIAN", "MULTIPLE"], dtype=object),
        size=n, p=[0.91, 0.05, 0.02, 0.02],
    )
    ethnic = np.where(rng.random(n) < 0.05, "HISPANIC OR LATINO", "NOT HISPANIC OR LATINO").astype(object)
    country = np.asarray(COUNTRIES, dtype=object)[site % len(COUNTRIES)]
    edss_bl = rng.choice([0.0, 1.0, 1.5, 2.0, 2.5, 3.0], size=n, p=[0.06, 0.12, 0.19, 0.25, 0.20, 0.18])

    subj = pd.DataFrame(
        {
            "SID": np.arange(n),
            "USUBJID": usubjid.astype(object),
            "SUBJID": subjid.astype(object),
            "SITEID": site_s.astype(object),
            "COUNTRY": country,
            "ARMCD": armcd,
            "TREATED": treated,
            "GROUP": group,
            "RAND": rand,
            "FD": fd,
            "SCREEN": screen,
            "CONSENT": consent,
            "CORE_END": core_end,
            "EXT1": np.where(group == "LTC", ext1, np.nan),
            "EXT2": np.where(group == "LTC", ext2, np.nan),
            "END": end,
            "ONGOING": ongoing,
            "DSDECOD": dsdecod,
            "DSTERM": dsterm,
            "GAP_START": gap_start,
            "GAP_END": gap_end,
            "Z": z,
            "SEX": sex,
            "AGE": age,
            "RACE": race,
            "ETHNIC": ethnic,
            "EDSS_BL": edss_bl,
        }
    )
    # ext2 only if the subject is still there
    subj.loc[subj["EXT2"] >= subj["END"], "EXT2"] = np.nan
    courses, ccounts = _courses(seed, subj)
    counts = {
        "randomized": n,
        "by_arm": dict(zip(ARMS, n_arm.tolist())),
        "treated_12mg": n_t12,
        "ltc": n_ltc,
        "ltc_on_study_year12": n_ltc - n_ltc_disc,
        **ccounts,
    }
    return Cohort(subj=subj, courses=courses, visit_off=visit_off, visit_months=months, dcut=dcut, counts=counts)


def _site_weights() -> np.ndarray:
    w = 1.0 + (np.arange(N_SITES) % 7) * 0.35
    return w / w.sum()


def _courses(seed: int, subj: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """Alemtuzumab courses (start day offset, number of infusion days, daily dose).

    12 mg extension cohort: course totals, third- and fourth-course timing fixed by
    construction; subjects with higher frailty (more disease activity) get more courses.
    Others: course 1, course 2 at Month 12 if still on study, an occasional third course in the
    core study before the dosing suspension."""
    rng = stream(seed, "courses")
    n = len(subj)
    fd = subj["FD"].to_numpy().astype("datetime64[D]")
    end = subj["END"].to_numpy()
    group = subj["GROUP"].to_numpy()
    armcd = subj["ARMCD"].to_numpy()
    susp_start = (SUSPEND_START - fd).astype(int).astype(float)
    susp_end = (SUSPEND_END - fd).astype(int).astype(float)
    total = np.zeros(n, dtype=np.int64)
    starts = np.full((n, 7), np.nan)

    alem = (armcd != "IFNB44") & subj["TREATED"].to_numpy()
    starts[alem, 0] = 0
    c2 = 365 + rng.integers(0, 22, n).astype(float)
    starts[alem, 1] = c2[alem]

    ltc = np.flatnonzero(group == "LTC")
    n_ltc = len(ltc)
    ccount = apportion(n_ltc, BASE_COURSE_COUNTS)
    leaver = ~subj["ONGOING"].to_numpy()[ltc]
    reenrol = ~np.isnan(subj["GAP_START"].to_numpy()[ltc])
    priority = np.log(subj["Z"].to_numpy()[ltc]) + 0.8 * rng.gumbel(size=n_ltc) - 10.0 * leaver - 5.0 * reenrol
    by_priority = ltc[np.argsort(-priority, kind="stable")]
    total[by_priority] = np.repeat(np.asarray(COURSE_TOTALS), ccount)[::-1]

    # third course timing
    has3 = ltc[total[ltc] >= 3]
    c3_n = apportion(len(has3), BASE_C3_TIMING)
    cat3 = np.full(n, -1)
    only3 = has3[total[has3] == 3]
    late = rng.permutation(only3)[: c3_n[2]]
    cat3[late] = 2
    rest = has3[cat3[has3] < 0]
    eligible_core = rest[(susp_start[rest] > 800)]
    pool = rng.permutation(eligible_core)
    if len(pool) < c3_n[0]:
        extra = rest[~np.isin(rest, pool)]
        pool = np.r_[pool, extra[np.argsort(fd[extra], kind="stable")]]
    core3 = pool[: c3_n[0]]
    cat3[core3] = 0
    cat3[has3[cat3[has3] < 0]] = 1
    # fourth course timing
    has4 = ltc[total[ltc] >= 4]
    c4_n = apportion(len(has4), BASE_C4_TIMING)
    cat4 = np.full(n, -1)
    only4 = has4[total[has4] == 4]
    late4 = rng.permutation(only4)[: c4_n[1]]
    cat4[late4] = 1
    cat4[has4[cat4[has4] < 0]] = 0

    s3 = np.full(n, np.nan)
    m0, m1, m2 = cat3 == 0, cat3 == 1, cat3 == 2
    s3[m0] = _uniform_days(rng, np.maximum(730, c2[m0] + 365), np.minimum(1060, susp_start[m0] - 10))
    s3[m1] = _uniform_days(rng, np.maximum.reduce([np.full(m1.sum(), 1461.0), c2[m1] + 365, susp_end[m1]]), 2185)
    s3[m2] = _uniform_days(rng, np.full(m2.sum(), 2192.0), 3284)
    s4 = np.full(n, np.nan)
    k0, k1 = cat4 == 0, cat4 == 1
    s4[k0] = _uniform_days(rng, np.maximum.reduce([np.full(k0.sum(), 1826.0), s3[k0] + 365, susp_end[k0]]), 2918)
    s4[k1] = _uniform_days(rng, np.maximum(3288.0, s3[k1] + 365), 4370 - 365 * 0)
    starts[ltc, 2] = np.where(total[ltc] >= 3, s3[ltc], np.nan)
    starts[ltc, 3] = np.where(total[ltc] >= 4, s4[ltc], np.nan)
    for k in range(5, 8):  # later courses >= 12 months apart, all before the end of Year 12
        has = ltc[total[ltc] >= k]
        prev = starts[has, k - 2]
        latest = YEAR12_END - 8 - 366 * (total[has] - k)
        starts[has, k - 1] = prev + 366 + np.floor(rng.random(len(has)) * np.maximum(0, latest - prev - 366))
    starts[ltc[total[ltc] < 2], 1] = np.nan

    # the ITP patient: three courses, the third in the core study, nothing after
    n_itp = scaled(1, BASE_LTC, n_ltc)
    cand = ltc[(cat3[ltc] == 0) & (total[ltc] == 3) & subj["ONGOING"].to_numpy()[ltc]]
    itp = np.sort(rng.permutation(cand)[:n_itp])

    # others: a third course in the core study for some early enrollers
    other = np.flatnonzero(alem & (group != "LTC"))
    third = other[(rng.random(len(other)) < 0.2) & (susp_start[other] > 800)]
    starts[third, 2] = _uniform_days(rng, np.maximum(730, c2[third] + 365), np.minimum(1060, susp_start[third] - 10))
    starts[alem & ~np.isin(np.arange(n), ltc) & (end <= c2 + 3), 1] = np.nan
    # drop any course not started while on study (or in the re-enrolled patient's gap)
    gs, ge = subj["GAP_START"].to_numpy(), subj["GAP_END"].to_numpy()
    in_gap = (starts >= gs[:, None]) & (starts <= ge[:, None])
    starts[(starts + 5 > end[:, None]) | in_gap] = np.nan

    sid, k = np.nonzero(~np.isnan(starts))
    courses = pd.DataFrame(
        {
            "SID": sid,
            "COURSE": k + 1,
            "START": starts[sid, k],
            "NDAYS": np.where(k == 0, 5, 3),
            "DOSE": np.where(armcd[sid] == "ALEM24", 24.0, 12.0),
        }
    )
    itp_flag = np.zeros(n, dtype=bool)
    itp_flag[itp] = True
    subj["ITP_LTC"] = itp_flag
    subj["C3_CAT"] = cat3
    got = courses.groupby("SID").size().reindex(ltc, fill_value=0).to_numpy()
    counts = {"courses_ltc": {int(t): int((got == t).sum()) for t in COURSE_TOTALS}}
    return courses, counts
