"""Turn the simulator's model-level frames into SDTM datasets (one DataFrame per domain, in
the documented variable order), with ISO 8601 dates, partial dates, EPOCH, --DY and --SEQ."""

from __future__ import annotations

import numpy as np
import pandas as pd

from adam.simulate import dictionary as D
from adam.simulate._util import (
    DAYS_PER_MONTH, add_days, apportion, frame, iso, seq_within, stream, study_day, truncate,
)
from adam.simulate.cohort import ARM_NAMES, STUDYID, Cohort
from adam.simulate.efficacy import epoch_of

# partial-date defects: (share with the day missing, share with day and month missing)
PARTIAL_AE = (0.03, 0.005)
PARTIAL_CM = (0.08, 0.02)
PARTIAL_CE = (0.04, 0.005)
PARTIAL_MH = (0.70, 0.05)  # medical history is mostly recalled to the month
ADDITIONAL_REASONS = (
    ("RELAPSE", 19), ("RELAPSE AND MRI ACTIVITY", 6), ("RELAPSE AND EDSS PROGRESSION", 1),
    ("MRI ACTIVITY", 3), ("NOT DOCUMENTED", 39),
)
ELEMENTS = {
    "SCRN": ("Screening", "Informed consent", "First dose of study drug, or withdrawal", "P5W"),
    "IFNB44": ("SC IFNB-1a 44 ug three times weekly", "First dose of SC IFNB-1a", "Month 36 visit", "P36M"),
    "ALEM12": ("Alemtuzumab 12 mg/day IV, core study", "First alemtuzumab infusion", "Month 36 visit", "P36M"),
    "ALEM24": ("Alemtuzumab 24 mg/day IV, core study", "First alemtuzumab infusion", "Month 36 visit", "P36M"),
    "FU": ("CAMMS223 extended follow-up", "Day after the Month 36 visit", "Day before CAMMS03409 entry", "P36M"),
    "EXT1": ("CAMMS03409 extension", "CAMMS03409 entry visit", "Day before TOPAZ entry", "P48M"),
    "EXT2": ("TOPAZ extension", "TOPAZ entry visit", "End of study or data cut-off", ""),
}
EPOCH_OF_ELEMENT = {"SCRN": "SCREENING", "IFNB44": "TREATMENT", "ALEM12": "TREATMENT", "ALEM24": "TREATMENT",
                    "FU": "FOLLOW-UP", "EXT1": "EXTENSION 1", "EXT2": "EXTENSION 2"}


class Ctx:
    """Per-subject reference values every domain needs."""

    def __init__(self, c: Cohort):
        s = c.subj
        self.c = c
        self.s = s
        self.usubjid = s["USUBJID"].to_numpy().astype(object)
        self.fd = s["FD"].to_numpy().astype("datetime64[D]")
        self.treated = s["TREATED"].to_numpy()
        ref = self.fd.copy()
        ref[~self.treated] = np.datetime64("NaT")
        self.ref = ref  # RFSTDTC (NaT for never-treated subjects)

    def dates(self, sid, off) -> np.ndarray:
        return add_days(self.fd[sid], off)

    def dy(self, sid, dates) -> np.ndarray:
        return study_day(dates, self.ref[sid])


def _base(ctx: Ctx, domain: str, sid) -> dict:
    n = len(sid)
    return {"STUDYID": np.full(n, STUDYID, dtype=object), "DOMAIN": np.full(n, domain, dtype=object),
            "USUBJID": ctx.usubjid[sid]}


def _partial(rng, iso_dates, rates, allowed=None):
    n = len(iso_dates)
    u = rng.random(n)
    ok = np.ones(n, dtype=bool) if allowed is None else np.array(allowed, dtype=bool)
    ok &= iso_dates != ""
    to_year = ok & (u < rates[1])
    to_month = ok & (u >= rates[1]) & (u < rates[0] + rates[1])
    return truncate(iso_dates, to_month, to_year), to_month | to_year


def dm(ctx: Ctx) -> pd.DataFrame:
    s = ctx.s
    sid = np.arange(len(s))
    c = ctx.c
    end_date = ctx.dates(sid, s["END"].to_numpy())
    last_dose = c.courses.assign(LAST=c.courses["START"] + c.courses["NDAYS"] - 1).groupby("SID")["LAST"].max()
    last_off = np.full(len(s), np.nan)
    last_off[last_dose.index.to_numpy()] = last_dose.to_numpy()
    ifnb = (s["ARMCD"].to_numpy() == "IFNB44") & ctx.treated
    last_off[ifnb] = np.minimum(s["END"].to_numpy()[ifnb], s["CORE_END"].to_numpy()[ifnb])
    death = s["DSDECOD"].to_numpy() == "DEATH"
    armcd = s["ARMCD"].to_numpy().astype(object)
    arm = np.array([ARM_NAMES[a] for a in armcd], dtype=object)
    fd_iso = iso(ctx.ref)
    screen = s["SCREEN"].to_numpy().astype("datetime64[D]")
    return frame({
        **_base(ctx, "DM", sid),
        "SUBJID": s["SUBJID"].to_numpy(),
        "RFSTDTC": fd_iso,
        "RFENDTC": np.where(ctx.treated, iso(end_date), ""),
        "RFXSTDTC": fd_iso,
        "RFXENDTC": np.where(ctx.treated, iso(ctx.dates(sid, last_off)), ""),
        "RFICDTC": iso(s["CONSENT"].to_numpy().astype("datetime64[D]")),
        "RFPENDTC": iso(end_date),
        "DTHDTC": np.where(death, iso(end_date), ""),
        "DTHFL": np.where(death, "Y", ""),
        "SITEID": s["SITEID"].to_numpy(),
        "AGE": s["AGE"].to_numpy(),
        "AGEU": np.full(len(s), "YEARS", dtype=object),
        "SEX": s["SEX"].to_numpy(),
        "RACE": s["RACE"].to_numpy(),
        "ETHNIC": s["ETHNIC"].to_numpy(),
        "ARMCD": armcd,
        "ARM": arm,
        "ACTARMCD": np.where(ctx.treated, armcd, ""),
        "ACTARM": np.where(ctx.treated, arm, ""),
        "ARMNRS": np.where(ctx.treated, "", "ASSIGNED, NOT TREATED"),
        "ACTARMUD": np.full(len(s), "", dtype=object),
        "COUNTRY": s["COUNTRY"].to_numpy(),
        "DMDTC": iso(screen),
        "DMDY": ctx.dy(sid, screen),
    })


def ds(ctx: Ctx) -> pd.DataFrame:
    s = ctx.s
    n = len(s)
    sid_all = np.arange(n)
    group = s["GROUP"].to_numpy()
    end = s["END"].to_numpy()
    core_end = s["CORE_END"].to_numpy()
    ext1 = s["EXT1"].to_numpy()
    ext2 = s["EXT2"].to_numpy()
    gap = s["GAP_START"].to_numpy()
    ongoing = s["ONGOING"].to_numpy()
    dsdecod = s["DSDECOD"].to_numpy()
    dsterm = s["DSTERM"].to_numpy()
    rec = []  # (sid, term, decod, cat, scat, epoch, date)

    def add(mask, term, decod, cat, scat, epoch, dates):
        idx = np.flatnonzero(mask)
        b = lambda v: np.broadcast_to(np.asarray(v, dtype=object), (n,))[idx]  # noqa: E731
        rec.append(pd.DataFrame({"SID": idx, "DSTERM": b(term), "DSDECOD": b(decod), "DSCAT": cat, "DSSCAT": scat,
                                 "EPOCH": epoch, "DATE": np.asarray(dates, dtype="datetime64[D]")[idx]}))

    consent = s["CONSENT"].to_numpy().astype("datetime64[D]")
    rand = s["RAND"].to_numpy().astype("datetime64[D]")
    d = lambda off: ctx.dates(sid_all, off)  # noqa: E731
    pm, de = "PROTOCOL MILESTONE", "DISPOSITION EVENT"
    everyone = np.ones(n, dtype=bool)
    add(everyone, "INFORMED CONSENT OBTAINED", "INFORMED CONSENT OBTAINED", pm, "CAMMS223", "SCREENING", consent)
    add(everyone, "RANDOMIZED", "RANDOMIZED", pm, "CAMMS223", "SCREENING", rand)
    nt = ~ctx.treated
    add(nt, dsterm, dsdecod, de, "CAMMS223 CORE STUDY", "SCREENING", rand + end.astype(np.int64).astype("timedelta64[D]"))
    tr = ctx.treated
    reen = ~np.isnan(gap)
    left_core = tr & (end <= core_end) & ~reen
    add(left_core, dsterm, dsdecod, de, "CAMMS223 CORE STUDY", "TREATMENT", d(end))
    add(reen, "SUBJECT WITHDREW CONSENT", "WITHDRAWAL BY SUBJECT", de, "CAMMS223 CORE STUDY", "TREATMENT", d(gap))
    done_core = tr & (end > core_end) & ~reen
    add(done_core, "COMPLETED", "COMPLETED", de, "CAMMS223 CORE STUDY", "TREATMENT", d(core_end))
    disc_fu = (group == "DISC") & (end > core_end)
    add(disc_fu, dsterm, dsdecod, de, "CAMMS223 FOLLOW-UP", "FOLLOW-UP", d(end))
    ltc = group == "LTC"
    add(ltc & ~reen, "COMPLETED", "COMPLETED", de, "CAMMS223 FOLLOW-UP", "FOLLOW-UP", d(ext1 - 1))
    add(ltc, "INFORMED CONSENT OBTAINED", "INFORMED CONSENT OBTAINED", pm, "CAMMS03409", "EXTENSION 1", d(ext1))
    in_ext2 = ltc & ~np.isnan(ext2)
    add(ltc & ~in_ext2 & ~ongoing, dsterm, dsdecod, de, "CAMMS03409", "EXTENSION 1", d(end))
    add(in_ext2, "COMPLETED", "COMPLETED", de, "CAMMS03409", "EXTENSION 1", d(ext2 - 1))
    add(in_ext2, "INFORMED CONSENT OBTAINED", "INFORMED CONSENT OBTAINED", pm, "TOPAZ", "EXTENSION 2", d(ext2))
    add(in_ext2 & ~ongoing, dsterm, dsdecod, de, "TOPAZ", "EXTENSION 2", d(end))
    r = pd.concat(rec, ignore_index=True).sort_values(["SID", "DATE"], kind="stable", ignore_index=True)
    sid = r["SID"].to_numpy()
    date = r["DATE"].to_numpy().astype("datetime64[D]")
    return frame({
        **_base(ctx, "DS", sid),
        "DSSEQ": seq_within(sid).astype(float),
        "DSTERM": r["DSTERM"].to_numpy(),
        "DSDECOD": r["DSDECOD"].to_numpy(),
        "DSCAT": r["DSCAT"].to_numpy(),
        "DSSCAT": r["DSSCAT"].to_numpy(),
        "EPOCH": r["EPOCH"].to_numpy(),
        "DSDTC": iso(date),
        "DSSTDTC": iso(date),
        "DSSTDY": ctx.dy(sid, date),
    })


def ex(ctx: Ctx, rel: pd.DataFrame, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """EX (one record per alemtuzumab infusion day; IFNB per 12-month dispensing period) and
    SUPPEX (reason for each additional alemtuzumab course)."""
    s = ctx.s
    c = ctx.c
    crs = c.courses
    rep = np.repeat(np.arange(len(crs)), crs["NDAYS"].to_numpy())
    day = crs["START"].to_numpy()[rep] + (np.arange(len(rep)) - np.repeat(np.r_[0, np.cumsum(crs["NDAYS"].to_numpy())[:-1]], crs["NDAYS"].to_numpy()))
    a = pd.DataFrame({"SID": crs["SID"].to_numpy()[rep], "START": day, "STOP": day,
                      "GRP": np.char.add("COURSE ", crs["COURSE"].to_numpy()[rep].astype(str)).astype(object),
                      "TRT": "ALEMTUZUMAB", "DOSE": crs["DOSE"].to_numpy()[rep], "DOSU": "mg", "FRM": "SOLUTION",
                      "FRQ": "QD", "ROUTE": "INTRAVENOUS"})
    ifnb = np.flatnonzero((s["ARMCD"].to_numpy() == "IFNB44") & ctx.treated)
    stop = np.minimum(s["END"].to_numpy()[ifnb], s["CORE_END"].to_numpy()[ifnb])
    per = np.repeat(ifnb, 3)
    k = np.tile(np.arange(3), len(ifnb))
    p_start = np.round(k * 12 * DAYS_PER_MONTH)
    p_stop = np.minimum(np.round((k + 1) * 12 * DAYS_PER_MONTH) - 1, np.repeat(stop, 3))
    keep = p_start <= p_stop
    b = pd.DataFrame({"SID": per[keep], "START": p_start[keep], "STOP": p_stop[keep], "GRP": "",
                      "TRT": "INTERFERON BETA-1A", "DOSE": 44.0, "DOSU": "ug", "FRM": "INJECTION",
                      "FRQ": "3 TIMES PER WEEK", "ROUTE": "SUBCUTANEOUS"})
    e = pd.concat([a, b], ignore_index=True).sort_values(["SID", "START"], kind="stable", ignore_index=True)
    sid = e["SID"].to_numpy()
    st = ctx.dates(sid, e["START"].to_numpy())
    en = ctx.dates(sid, e["STOP"].to_numpy())
    exd = frame({
        **_base(ctx, "EX", sid),
        "EXSEQ": seq_within(sid).astype(float),
        "EXGRPID": e["GRP"].to_numpy(),
        "EXTRT": e["TRT"].to_numpy(),
        "EXDOSE": e["DOSE"].to_numpy().astype(float),
        "EXDOSU": e["DOSU"].to_numpy(),
        "EXDOSFRM": e["FRM"].to_numpy(),
        "EXDOSFRQ": e["FRQ"].to_numpy(),
        "EXROUTE": e["ROUTE"].to_numpy(),
        "EPOCH": epoch_of(s, sid, e["START"].to_numpy()),
        "EXSTDTC": iso(st),
        "EXENDTC": iso(en),
        "EXSTDY": ctx.dy(sid, st),
        "EXENDY": ctx.dy(sid, en),
    })
    return exd, _suppex(ctx, rel, seed)


def _suppex(ctx: Ctx, rel: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Reason for additional treatment, one per course 3+ of the 12 mg extension cohort; the
    relapse-related reasons go first to courses preceded by a relapse within 12 months."""
    rng = stream(seed, "suppex")
    s = ctx.s
    crs = ctx.c.courses
    extra = crs[(crs["COURSE"] >= 3) & (s["GROUP"].to_numpy()[crs["SID"].to_numpy()] == "LTC")].reset_index(drop=True)
    had = np.zeros(len(extra), dtype=bool)
    if rel is not None and len(extra):
        j = extra.reset_index().merge(rel[["SID", "ONSET"]], on="SID")
        dt = j["START"].to_numpy() - j["ONSET"].to_numpy()
        hit = j.loc[(dt > 0) & (dt <= 365), "index"].unique()
        had[hit] = True
    order = np.argsort(-(had + 0.9 * rng.random(len(extra))), kind="stable")
    counts = apportion(len(extra), [r[1] for r in ADDITIONAL_REASONS])
    reason = np.empty(len(extra), dtype=object)
    reason[order] = np.repeat(np.asarray([r[0] for r in ADDITIONAL_REASONS], dtype=object), counts)
    sid = extra["SID"].to_numpy()
    srt = np.lexsort((extra["COURSE"].to_numpy(), sid))
    sid, reason, course = sid[srt], reason[srt], extra["COURSE"].to_numpy()[srt]
    n = len(sid)
    return frame({
        "STUDYID": np.full(n, STUDYID, dtype=object),
        "RDOMAIN": np.full(n, "EX", dtype=object),
        "USUBJID": ctx.usubjid[sid],
        "IDVAR": np.full(n, "EXGRPID", dtype=object),
        "IDVARVAL": np.char.add("COURSE ", course.astype(str)).astype(object),
        "QNAM": np.full(n, "ADDTRTRS", dtype=object),
        "QLABEL": np.full(n, "Reason for Additional Course", dtype=object),
        "QVAL": reason,
        "QORIG": np.full(n, "CRF", dtype=object),
        "QEVAL": np.full(n, "", dtype=object),
    })


def ae(ctx: Ctx, model: pd.DataFrame, seed: int) -> pd.DataFrame:
    rng = stream(seed, "ae-dates")
    code = D.coding_table()
    m = model.reset_index(drop=True)
    cod = code.loc[m["KEY"].to_numpy()].reset_index(drop=True)
    sid = m["SID"].to_numpy()
    st = ctx.dates(sid, m["START"].to_numpy())
    en = ctx.dates(sid, m["STOP"].to_numpy())
    st_iso, st_part = _partial(rng, iso(st), PARTIAL_AE, ~m["SRC"].isin(["IAR", "FIXED"]).to_numpy())
    en_iso, en_part = _partial(rng, iso(en), (0.02, 0.0), st_part)
    ser = m["SER"].to_numpy()
    yn = lambda flag: np.where(ser, np.where(flag, "Y", "N"), "")  # noqa: E731
    ongoing = m["STOP"].isna().to_numpy()
    return frame({
        **_base(ctx, "AE", sid),
        "AESEQ": seq_within(sid).astype(float),
        "AETERM": cod["AETERM"].to_numpy(),
        "AELLT": cod["AELLT"].to_numpy(),
        "AELLTCD": cod["AELLTCD"].to_numpy(),
        "AEDECOD": cod["AEDECOD"].to_numpy(),
        "AEPTCD": cod["AEPTCD"].to_numpy(),
        "AEHLT": cod["AEHLT"].to_numpy(),
        "AEHLTCD": cod["AEHLTCD"].to_numpy(),
        "AEHLGT": cod["AEHLGT"].to_numpy(),
        "AEHLGTCD": cod["AEHLGTCD"].to_numpy(),
        "AEBODSYS": cod["AEBODSYS"].to_numpy(),
        "AEBDSYCD": cod["AEBDSYCD"].to_numpy(),
        "AESOC": cod["AESOC"].to_numpy(),
        "AESOCCD": cod["AESOCCD"].to_numpy(),
        "AESEV": m["SEV"].to_numpy(),
        "AESER": np.where(ser, "Y", "N"),
        "AEACN": m["ACN"].to_numpy(),
        "AEREL": m["REL"].to_numpy(),
        "AEOUT": m["OUT"].to_numpy(),
        "AESCONG": yn(np.zeros(len(m), bool)),
        "AESDISAB": yn(np.zeros(len(m), bool)),
        "AESDTH": yn(m["SDTH"].to_numpy()),
        "AESHOSP": yn(m["SHOSP"].to_numpy()),
        "AESLIFE": yn(m["SLIFE"].to_numpy()),
        "AESMIE": yn(m["SMIE"].to_numpy()),
        "AETOXGR": m["TOXGR"].to_numpy().astype(int).astype(str).astype(object),
        "EPOCH": epoch_of(ctx.s, sid, m["START"].to_numpy()),
        "AESTDTC": st_iso,
        "AEENDTC": en_iso,
        "AESTDY": np.where(st_part, np.nan, ctx.dy(sid, st)),
        "AEENDY": np.where(en_part, np.nan, ctx.dy(sid, en)),
        "AEENRTPT": np.where(ongoing, "ONGOING", ""),
        "AEENTPT": np.where(ongoing, "END OF STUDY", ""),
    })


def cm(ctx: Ctx, model: pd.DataFrame, seed: int) -> pd.DataFrame:
    rng = stream(seed, "cm-dates")
    m = model.reset_index(drop=True)
    sid = m["SID"].to_numpy()
    st = ctx.dates(sid, m["START"].to_numpy())
    en = ctx.dates(sid, m["STOP"].to_numpy())
    st_iso, st_part = _partial(rng, iso(st), PARTIAL_CM, m["PARTIAL_OK"].to_numpy())
    en_iso, en_part = _partial(rng, iso(en), (0.05, 0.01), m["PARTIAL_OK"].to_numpy())
    ongoing = m["STOP"].isna().to_numpy()
    start_off = m["START"].to_numpy()
    return frame({
        **_base(ctx, "CM", sid),
        "CMSEQ": seq_within(sid).astype(float),
        "CMTRT": m["CMTRT"].to_numpy(),
        "CMDECOD": m["CMDECOD"].to_numpy(),
        "CMCAT": m["CMCAT"].to_numpy(),
        "CMINDC": m["CMINDC"].to_numpy(),
        "CMDOSE": m["CMDOSE"].to_numpy(),
        "CMDOSU": m["CMDOSU"].to_numpy(),
        "CMDOSFRQ": m["CMDOSFRQ"].to_numpy(),
        "CMROUTE": m["CMROUTE"].to_numpy(),
        "EPOCH": np.where(start_off < 0, "SCREENING", epoch_of(ctx.s, sid, start_off)),
        "CMSTDTC": st_iso,
        "CMENDTC": en_iso,
        "CMSTDY": np.where(st_part, np.nan, ctx.dy(sid, st)),
        "CMENDY": np.where(en_part, np.nan, ctx.dy(sid, en)),
        "CMENRTPT": np.where(ongoing, "ONGOING", ""),
        "CMENTPT": np.where(ongoing, "END OF STUDY", ""),
    })


def ce(ctx: Ctx, rel: pd.DataFrame, seed: int) -> pd.DataFrame:
    rng = stream(seed, "ce-dates")
    r = rel.reset_index(drop=True)
    sid = r["SID"].to_numpy()
    end = ctx.s["END"].to_numpy()[sid]
    stop = r["RESOLVE"].to_numpy().astype(float)
    stop[stop > end] = np.nan
    st = ctx.dates(sid, r["ONSET"].to_numpy())
    en = ctx.dates(sid, stop)
    st_iso, st_part = _partial(rng, iso(st), PARTIAL_CE)
    n = len(r)
    return frame({
        **_base(ctx, "CE", sid),
        "CESEQ": seq_within(sid).astype(float),
        "CETERM": np.full(n, "MULTIPLE SCLEROSIS RELAPSE", dtype=object),
        "CEDECOD": np.full(n, "MULTIPLE SCLEROSIS RELAPSE", dtype=object),
        "CECAT": np.full(n, "MS RELAPSE", dtype=object),
        "CESEV": r["SEV"].to_numpy(),
        "EPOCH": epoch_of(ctx.s, sid, r["ONSET"].to_numpy()),
        "CESTDTC": st_iso,
        "CEENDTC": iso(en),
        "CESTDY": np.where(st_part, np.nan, ctx.dy(sid, st)),
        "CEENDY": ctx.dy(sid, en),
    })


def mh(ctx: Ctx, model: pd.DataFrame, seed: int) -> pd.DataFrame:
    rng = stream(seed, "mh-dates")
    m = model.reset_index(drop=True)
    sid = m["SID"].to_numpy()
    st = ctx.dates(sid, m["START"].to_numpy())
    st_iso, _ = _partial(rng, iso(st), PARTIAL_MH)
    scr = ctx.s["SCREEN"].to_numpy().astype("datetime64[D]")[sid]
    ong = m["ONGOING"].to_numpy()
    return frame({
        **_base(ctx, "MH", sid),
        "MHSEQ": seq_within(sid).astype(float),
        "MHTERM": m["MHTERM"].to_numpy(),
        "MHDECOD": m["MHDECOD"].to_numpy(),
        "MHCAT": m["MHCAT"].to_numpy(),
        "MHBODSYS": np.full(len(m), "Nervous system disorders", dtype=object),
        "EPOCH": np.full(len(m), "SCREENING", dtype=object),
        "MHDTC": iso(scr),
        "MHSTDTC": st_iso,
        "MHDY": ctx.dy(sid, scr),
        "MHENRTPT": np.where(ong, "ONGOING", ""),
        "MHENTPT": np.where(ong, "SCREENING", ""),
    })


def _visitdy(visits: pd.DataFrame) -> np.ndarray:
    month = visits["MONTH"].to_numpy()
    out = np.where(np.isnan(month), np.nan, np.round(np.nan_to_num(month) * DAYS_PER_MONTH) + 1)
    return np.where(visits["VISITNUM"].to_numpy() == 1, -21.0, out)


def sv(ctx: Ctx, visits: pd.DataFrame) -> pd.DataFrame:
    v = visits.reset_index(drop=True)
    sid = v["SID"].to_numpy()
    d = ctx.dates(sid, v["OFF"].to_numpy())
    return frame({
        **_base(ctx, "SV", sid),
        "VISITNUM": v["VISITNUM"].to_numpy(),
        "VISIT": v["VISIT"].to_numpy(),
        "VISITDY": _visitdy(v),
        "EPOCH": epoch_of(ctx.s, sid, v["OFF"].to_numpy()),
        "SVSTDTC": iso(d),
        "SVENDTC": iso(d),
        "SVSTDY": ctx.dy(sid, d),
        "SVENDY": ctx.dy(sid, d),
        "SVUPDES": v["SVUPDES"].fillna("").to_numpy().astype(object),
    })


def rs(ctx: Ctx, e: pd.DataFrame) -> pd.DataFrame:
    v = e.reset_index(drop=True)
    sid = v["SID"].to_numpy()
    d = ctx.dates(sid, v["OFF"].to_numpy())
    val = v["EDSS"].to_numpy()
    txt = np.char.mod("%.1f", val).astype(object)
    n = len(v)
    lobx = (v["VISITNUM"].to_numpy() == 100) & ~v["DUP"].to_numpy()
    return frame({
        **_base(ctx, "RS", sid),
        "RSSEQ": seq_within(sid).astype(float),
        "RSTESTCD": np.full(n, "EDSS0101", dtype=object),
        "RSTEST": np.full(n, "EDSS01-Expanded Disability Score", dtype=object),
        "RSCAT": np.full(n, "EDSS", dtype=object),
        "RSORRES": txt,
        "RSSTRESC": txt,
        "RSSTRESN": val,
        "RSLOBXFL": np.where(lobx, "Y", ""),
        "VISITNUM": v["VISITNUM"].to_numpy(),
        "VISIT": v["VISIT"].to_numpy(),
        "EPOCH": epoch_of(ctx.s, sid, v["OFF"].to_numpy()),
        "RSDTC": iso(d),
        "RSDY": ctx.dy(sid, d),
    })


MRI_TESTS = (
    ("GD", "NGDT1LES", "Number of New Gd-Enhancing T1 Lesions"),
    ("T2", "NT2LES", "Number of New or Enlarging T2 Lesions"),
    ("T1", "NT1HLES", "Number of New T1 Hypointense Lesions"),
)


def nv(ctx: Ctx, m: pd.DataFrame) -> pd.DataFrame:
    parts = []
    for col, cd, name in MRI_TESTS:
        p = m[["SID", "VISITNUM", "VISIT", "OFF"]].assign(VAL=m[col].to_numpy(), CD=cd, NAME=name)
        parts.append(p[~p["VAL"].isna()])
    order = {cd: i for i, (_, cd, _) in enumerate(MRI_TESTS)}
    v = pd.concat(parts, ignore_index=True)
    v = v.assign(O=v["CD"].map(order)).sort_values(["SID", "OFF", "O"], kind="stable", ignore_index=True)
    sid = v["SID"].to_numpy()
    d = ctx.dates(sid, v["OFF"].to_numpy())
    val = v["VAL"].to_numpy()
    txt = val.astype(int).astype(str).astype(object)
    n = len(v)
    return frame({
        **_base(ctx, "NV", sid),
        "NVSEQ": seq_within(sid).astype(float),
        "NVTESTCD": v["CD"].to_numpy().astype(object),
        "NVTEST": v["NAME"].to_numpy().astype(object),
        "NVCAT": np.full(n, "MRI LESION COUNT", dtype=object),
        "NVORRES": txt,
        "NVSTRESC": txt,
        "NVSTRESN": val,
        "NVLOC": np.full(n, "BRAIN", dtype=object),
        "NVMETHOD": np.full(n, "MRI", dtype=object),
        "VISITNUM": v["VISITNUM"].to_numpy(),
        "VISIT": v["VISIT"].to_numpy(),
        "EPOCH": epoch_of(ctx.s, sid, v["OFF"].to_numpy()),
        "NVDTC": iso(d),
        "NVDY": ctx.dy(sid, d),
    })


def se(ctx: Ctx) -> pd.DataFrame:
    s = ctx.s
    n = len(s)
    sid_all = np.arange(n)
    armcd = s["ARMCD"].to_numpy()
    end = s["END"].to_numpy()
    core_end = s["CORE_END"].to_numpy()
    ext1, ext2 = s["EXT1"].to_numpy(), s["EXT2"].to_numpy()
    gap = s["GAP_START"].to_numpy()
    ongoing = s["ONGOING"].to_numpy()
    tr = ctx.treated
    rand = s["RAND"].to_numpy().astype("datetime64[D]")
    consent = s["CONSENT"].to_numpy().astype("datetime64[D]")
    d = lambda off: ctx.dates(sid_all, off)  # noqa: E731
    nat = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    last = d(end)
    last[ongoing] = np.datetime64("NaT")
    rows = []

    def add(mask, etcd, order, start, stop):
        idx = np.flatnonzero(mask)
        rows.append(pd.DataFrame({"SID": idx, "ETCD": np.broadcast_to(np.asarray(etcd, dtype=object), (n,))[idx],
                                  "TAETORD": order, "ST": start[idx], "EN": stop[idx]}))

    scr_end = np.where(tr, ctx.fd, rand + np.nan_to_num(end).astype(np.int64).astype("timedelta64[D]"))
    add(np.ones(n, bool), "SCRN", 1.0, consent, scr_end)
    core_stop = np.where(end <= core_end, last, d(core_end + 1))
    core_stop = np.where(~np.isnan(gap), d(gap), core_stop)
    add(tr, armcd, 2.0, ctx.fd, core_stop)
    fu = tr & (end > core_end) & np.isnan(gap)
    fu_stop = np.where(np.isnan(ext1), last, d(ext1))
    add(fu, "FU", 3.0, d(core_end + 1), fu_stop)
    has1 = ~np.isnan(ext1)
    add(has1, "EXT1", 4.0, d(ext1), np.where(np.isnan(ext2), last, d(ext2)))
    add(~np.isnan(ext2), "EXT2", 5.0, d(ext2), last)
    r = pd.concat(rows, ignore_index=True).sort_values(["SID", "TAETORD"], kind="stable", ignore_index=True)
    sid = r["SID"].to_numpy()
    etcd = r["ETCD"].to_numpy()
    st = r["ST"].to_numpy().astype("datetime64[D]")
    en = r["EN"].to_numpy().astype("datetime64[D]")
    return frame({
        **_base(ctx, "SE", sid),
        "SESEQ": seq_within(sid).astype(float),
        "ETCD": etcd,
        "ELEMENT": np.array([ELEMENTS[e][0] for e in etcd], dtype=object) if len(etcd) else etcd,
        "TAETORD": r["TAETORD"].to_numpy(),
        "EPOCH": np.array([EPOCH_OF_ELEMENT[e] for e in etcd], dtype=object) if len(etcd) else etcd,
        "SESTDTC": iso(st),
        "SEENDTC": iso(en),
        "SESTDY": ctx.dy(sid, st),
        "SEENDY": ctx.dy(sid, en),
        "SEUPDES": np.full(len(r), "", dtype=object),
    })


def te() -> pd.DataFrame:
    k = list(ELEMENTS)
    return frame({
        "STUDYID": np.full(len(k), STUDYID, dtype=object), "DOMAIN": np.full(len(k), "TE", dtype=object),
        "ETCD": np.array(k, dtype=object), "ELEMENT": np.array([ELEMENTS[e][0] for e in k], dtype=object),
        "TESTRL": np.array([ELEMENTS[e][1] for e in k], dtype=object),
        "TEENRL": np.array([ELEMENTS[e][2] for e in k], dtype=object),
        "TEDUR": np.array([ELEMENTS[e][3] for e in k], dtype=object),
    })


def ta() -> pd.DataFrame:
    rows = []
    for armcd, elements in (("IFNB44", ["SCRN", "IFNB44"]), ("ALEM12", ["SCRN", "ALEM12", "FU", "EXT1", "EXT2"]),
                            ("ALEM24", ["SCRN", "ALEM24"])):
        for i, e in enumerate(elements):
            branch = f"Randomized to {ARM_NAMES[armcd]}" if e == "SCRN" else ""
            trans = {"ALEM12": "Completed core study: extended follow-up", "FU": "Consented to CAMMS03409",
                     "EXT1": "Consented to TOPAZ"}.get(e, "") if armcd == "ALEM12" else ""
            rows.append((armcd, ARM_NAMES[armcd], i + 1.0, e, ELEMENTS[e][0], branch, trans, EPOCH_OF_ELEMENT[e]))
    t = pd.DataFrame(rows, columns=["ARMCD", "ARM", "TAETORD", "ETCD", "ELEMENT", "TABRANCH", "TATRANS", "EPOCH"])
    n = len(t)
    return frame({"STUDYID": np.full(n, STUDYID, dtype=object), "DOMAIN": np.full(n, "TA", dtype=object),
                  **{c: t[c].to_numpy().astype(object) if c != "TAETORD" else t[c].to_numpy() for c in t.columns}})


def ts(ctx: Ctx) -> pd.DataFrame:
    c = ctx.c
    s = ctx.s
    n_ltc = int((s["GROUP"] == "LTC").sum())
    params = [
        ("TITLE", "Trial Title", "A Phase 2 Randomized, Rater-Blinded Study of Alemtuzumab vs SC IFNB-1a in Early, Active RRMS, with 12-Year Follow-up (CAMMS223, CAMMS03409, TOPAZ) - SIMULATED DATA"),
        ("REGID", "Registry Identifier", "NCT00050778"),
        ("REGID", "Registry Identifier", "NCT00930553"),
        ("REGID", "Registry Identifier", "NCT02255656"),
        ("TPHASE", "Trial Phase Classification", "PHASE II TRIAL"),
        ("STYPE", "Study Type", "INTERVENTIONAL"),
        ("TTYPE", "Trial Type", "EFFICACY"),
        ("TTYPE", "Trial Type", "SAFETY"),
        ("INDIC", "Trial Disease/Condition Indication", "Relapsing-remitting multiple sclerosis"),
        ("TRT", "Investigational Therapy or Treatment", "ALEMTUZUMAB"),
        ("COMPTRT", "Comparative Treatment Name", "INTERFERON BETA-1A"),
        ("RANDOM", "Trial is Randomized", "Y"),
        ("TBLIND", "Trial Blinding Schema", "SINGLE BLIND"),
        ("TCNTRL", "Control Type", "ACTIVE"),
        ("NARMS", "Planned Number of Arms", "3"),
        ("PLANSUB", "Planned Number of Subjects", str(len(s))),
        ("ACTSUB", "Actual Number of Subjects", str(int(ctx.treated.sum()))),
        ("AGEMIN", "Planned Minimum Age of Subjects", "P18Y"),
        ("AGEMAX", "Planned Maximum Age of Subjects", "P50Y"),
        ("SEXPOP", "Sex of Participants", "BOTH"),
        ("LENGTH", "Trial Length", "P12Y"),
        ("SSTDTC", "Study Start Date", iso(np.asarray([s["CONSENT"].to_numpy().astype("datetime64[D]").min()]))[0]),
        ("SENDTC", "Study End Date", iso(np.asarray([c.dcut]))[0]),
        ("DCUTDTC", "Data Cutoff Date", iso(np.asarray([c.dcut]))[0]),
        ("DCUTDESC", "Data Cutoff Description", "End of Year 12 of the last patient of the extension cohort plus 45 days"),
        ("SDTIGVER", "SDTM IG Version", "3.3"),
        ("SDTMVER", "SDTM Version", "1.7"),
        ("DICTVER", "Dictionary Version", "MedDRA-STYLE SYNTHETIC CODES"),
        ("EXTTIND", "Extension Trial Indicator", "Y"),
        ("ADDON", "Added on to Existing Treatments", "N"),
        ("HLTSUBJI", "Healthy Subject Indicator", "N"),
        ("EXTCOHN", "Extension Cohort Size", str(n_ltc)),
    ]
    n = len(params)
    grp = pd.Series([p[0] for p in params])
    return frame({
        "STUDYID": np.full(n, STUDYID, dtype=object), "DOMAIN": np.full(n, "TS", dtype=object),
        "TSSEQ": (grp.groupby(grp).cumcount() + 1).to_numpy().astype(float),
        "TSGRPID": np.full(n, "", dtype=object),
        "TSPARMCD": np.array([p[0] for p in params], dtype=object),
        "TSPARM": np.array([p[1] for p in params], dtype=object),
        "TSVAL": np.array([p[2] for p in params], dtype=object),
        "TSVALNF": np.full(n, "", dtype=object),
    })
