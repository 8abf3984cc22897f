"""A hand-made CAMMS223 SDTM study of four subjects, each chosen for its edge cases.

- A (alemtuzumab 12 mg): two courses (5 + 3 infusion days), enters both extensions and is
  ongoing; two EDSS scores on the baseline day; a partial MS diagnosis date; prior relapses in
  CE and in MH history; AEs on and around infusion days, before first dose, with a year-only
  start date that lands one day before the Year 2 border.
- B (SC IFNB-1a): stops for an adverse event and dies; partial AE dates imputed against the
  first dose and capped by the death date; no EDSS, relapse or MH records.
- C (alemtuzumab 24 mg): randomized but never treated, withdraws at screening.
- D: a screen failure, never randomized: not in ADSL.

SAS dates used in the expected values: 2010-01-01 = 18263 (days since 1960-01-01).
"""

from __future__ import annotations

import pandas as pd

A, B, C, D = (f"CAMMS223-101-00{i}" for i in range(1, 5))


def _frame(domain: str, rows: list[dict], seq: bool = True) -> pd.DataFrame:
    df = pd.DataFrame(rows)
    df.insert(0, "STUDYID", "CAMMS223")
    df.insert(1, "DOMAIN", domain)
    if seq:
        df[f"{domain}SEQ"] = df.groupby("USUBJID").cumcount() + 1.0
    return df


def mini_sdtm() -> dict[str, pd.DataFrame]:
    dm = _frame("DM", [
        dict(USUBJID=A, SUBJID="001", SITEID="101", AGE=29.0, AGEU="YEARS", SEX="F",
             RACE="WHITE", ETHNIC="NOT HISPANIC OR LATINO", ARMCD="ALEM12",
             ARM="Alemtuzumab 12 mg", ACTARMCD="ALEM12", ACTARM="Alemtuzumab 12 mg",
             COUNTRY="USA", RFSTDTC="2010-01-01", RFENDTC="2011-01-05", DTHDTC=None, DTHFL=None),
        dict(USUBJID=B, SUBJID="002", SITEID="101", AGE=40.0, AGEU="YEARS", SEX="M",
             RACE="ASIAN", ETHNIC="NOT HISPANIC OR LATINO", ARMCD="IFNB44",
             ARM="SC IFNB-1a 44 ug", ACTARMCD="IFNB44", ACTARM="SC IFNB-1a 44 ug",
             COUNTRY="GBR", RFSTDTC="2010-02-10", RFENDTC="2010-07-30", DTHDTC="2010-09-15",
             DTHFL="Y"),
        dict(USUBJID=C, SUBJID="003", SITEID="102", AGE=35.0, AGEU="YEARS", SEX="F",
             RACE="WHITE", ETHNIC="HISPANIC OR LATINO", ARMCD="ALEM24",
             ARM="Alemtuzumab 24 mg", ACTARMCD="NOTTRT", ACTARM="Not Treated",
             COUNTRY="USA", RFSTDTC=None, RFENDTC=None, DTHDTC=None, DTHFL=None),
        dict(USUBJID=D, SUBJID="004", SITEID="102", AGE=51.0, AGEU="YEARS", SEX="M",
             RACE="WHITE", ETHNIC="NOT HISPANIC OR LATINO", ARMCD="SCRNFAIL",
             ARM="Screen Failure", ACTARMCD="SCRNFAIL", ACTARM="Screen Failure",
             COUNTRY="USA", RFSTDTC=None, RFENDTC=None, DTHDTC=None, DTHFL=None),
    ], seq=False)
    milestone, event = "PROTOCOL MILESTONE", "DISPOSITION EVENT"
    consent, rand = "INFORMED CONSENT OBTAINED", "RANDOMIZED"
    ds = _frame("DS", [
        dict(USUBJID=A, DSCAT=milestone, DSDECOD=consent, DSTERM=consent, EPOCH="SCREENING", DSSTDTC="2009-12-01"),
        dict(USUBJID=A, DSCAT=milestone, DSDECOD=rand, DSTERM=rand, EPOCH="SCREENING", DSSTDTC="2009-12-20"),
        dict(USUBJID=A, DSCAT=event, DSDECOD="COMPLETED", DSTERM="COMPLETED", EPOCH="FOLLOW-UP", DSSTDTC="2013-01-10"),
        dict(USUBJID=A, DSCAT=milestone, DSDECOD=consent, DSTERM=consent, EPOCH="EXTENSION 1", DSSTDTC="2015-06-01"),
        dict(USUBJID=A, DSCAT=event, DSDECOD="COMPLETED", DSTERM="COMPLETED", EPOCH="EXTENSION 1", DSSTDTC="2017-01-01"),
        dict(USUBJID=A, DSCAT=milestone, DSDECOD=consent, DSTERM=consent, EPOCH="EXTENSION 2", DSSTDTC="2017-01-02"),
        dict(USUBJID=B, DSCAT=milestone, DSDECOD=consent, DSTERM=consent, EPOCH="SCREENING", DSSTDTC="2010-01-10"),
        dict(USUBJID=B, DSCAT=milestone, DSDECOD=rand, DSTERM=rand, EPOCH="SCREENING", DSSTDTC="2010-01-25"),
        dict(USUBJID=B, DSCAT=event, DSDECOD="ADVERSE EVENT", DSTERM="NAUSEA", EPOCH="TREATMENT", DSSTDTC="2010-08-01"),
        dict(USUBJID=B, DSCAT=event, DSDECOD="DEATH", DSTERM="MYOCARDIAL INFARCTION", EPOCH="FOLLOW-UP", DSSTDTC="2010-09-15"),
        dict(USUBJID=C, DSCAT=milestone, DSDECOD=consent, DSTERM=consent, EPOCH="SCREENING", DSSTDTC="2010-02-20"),
        dict(USUBJID=C, DSCAT=milestone, DSDECOD=rand, DSTERM=rand, EPOCH="SCREENING", DSSTDTC="2010-03-01"),
        dict(USUBJID=C, DSCAT=event, DSDECOD="WITHDRAWAL BY SUBJECT", DSTERM="SUBJECT WITHDREW CONSENT", EPOCH="SCREENING", DSSTDTC="2010-03-05"),
        dict(USUBJID=D, DSCAT=milestone, DSDECOD=consent, DSTERM=consent, EPOCH="SCREENING", DSSTDTC="2010-02-01"),
        dict(USUBJID=D, DSCAT=event, DSDECOD="SCREEN FAILURE", DSTERM="SCREEN FAILURE", EPOCH="SCREENING", DSSTDTC="2010-02-15"),
    ])
    alem = dict(EXTRT="ALEMTUZUMAB", EXDOSE=12.0)
    infusions = [("COURSE 1", f"2010-01-0{d}") for d in range(1, 6)] + \
                [("COURSE 2", f"2011-01-0{d}") for d in range(3, 6)]
    ex = _frame("EX", [dict(USUBJID=A, EXGRPID=g, EXSTDTC=day, EXENDTC=day, **alem)
                       for g, day in infusions] + [
        dict(USUBJID=B, EXGRPID=None, EXTRT="INTERFERON BETA-1A", EXDOSE=44.0,
             EXSTDTC="2010-02-10", EXENDTC="2010-07-30")])
    general, endocrine, infections = ("General disorders and administration site conditions",
                                      "Endocrine disorders", "Infections and infestations")

    def ae(subject, decod, soc, start, end, hlgt="HLGT", sev="MILD", ser="N"):
        return dict(USUBJID=subject, AETERM=decod.upper(), AELLT=decod, AELLTCD=1.0,
                    AEDECOD=decod, AEPTCD=2.0, AEHLT="HLT", AEHLTCD=3.0, AEHLGT=hlgt,
                    AEHLGTCD=4.0, AEBODSYS=soc, AEBDSYCD=5.0, AESOC=soc, AESOCCD=5.0, AESEV=sev,
                    AESER=ser, AEREL="NOT RELATED", AEOUT="RECOVERED/RESOLVED", AESTDTC=start,
                    AEENDTC=end)

    ae_rows = [
        ae(A, "Pyrexia", general, "2010-01", "2010-01-03"),                      # 1
        ae(A, "Chills", general, "2010-01-07", "2010-01-07"),                    # 2
        ae(A, "Hyperthyroidism", endocrine, "2010-01-08", None,
           hlgt="Thyroid gland disorders"),                                        # 3
        ae(A, "Headache", "Nervous system disorders", "2009-12-20", "2009-12-21"),  # 4
        ae(A, "Herpes zoster", infections, "2011-01-04", "2011-01-20", sev="SEVERE",
           ser="Y"),                                                              # 5
        ae(A, "Herpes zoster", infections, "2011", "2011-01-02"),                # 6
        ae(B, "Nausea", "Gastrointestinal disorders", "2010-09", None),          # 1
        ae(B, "Fatigue", general, "2010-08-20", "2010-09"),                      # 2
        ae(B, "Rash", "Skin and subcutaneous tissue disorders", "2010-02", "2010-02-28"),  # 3
    ]
    ae_frame = _frame("AE", ae_rows)
    rs = _frame("RS", [
        dict(USUBJID=A, RSTESTCD="EDSS0101", RSSTRESN=2.0, RSDTC="2009-12-15", VISIT="SCREENING", VISITNUM=1.0),
        dict(USUBJID=A, RSTESTCD="EDSS0101", RSSTRESN=2.5, RSDTC="2010-01-01", VISIT="DAY 1", VISITNUM=100.0),
        dict(USUBJID=A, RSTESTCD="EDSS0101", RSSTRESN=3.0, RSDTC="2010-01-01", VISIT="DAY 1", VISITNUM=100.0),
        dict(USUBJID=A, RSTESTCD="EDSS0101", RSSTRESN=2.0, RSDTC="2010-04-01", VISIT="MONTH 3", VISITNUM=103.0),
    ])
    ce = _frame("CE", [
        dict(USUBJID=A, CEDECOD="MULTIPLE SCLEROSIS RELAPSE", CESTDTC="2009-06-01", CESEV="MILD"),
        dict(USUBJID=A, CEDECOD="MULTIPLE SCLEROSIS RELAPSE", CESTDTC="2011-05-01", CESEV="MODERATE"),
    ])
    mh = _frame("MH", [
        dict(USUBJID=A, MHDECOD="Multiple sclerosis relapse", MHSTDTC="2008-03-15"),
        dict(USUBJID=A, MHDECOD="Relapsing-remitting multiple sclerosis", MHSTDTC="2007-06"),
    ])
    cm = _frame("CM", [
        dict(USUBJID=A, CMCAT="DISEASE MODIFYING THERAPY", CMSTDTC="2016-01"),
        dict(USUBJID=B, CMCAT="GENERAL", CMSTDTC="2010-03-01"),
    ])
    nv = _frame("NV", [
        dict(USUBJID=A, NVTESTCD="NGDT1LES", NVSTRESN=0.0, NVDTC="2015-06-01", VISIT="MONTH 72", VISITNUM=172.0),
    ])
    sv = _frame("SV", [dict(USUBJID=A, VISITNUM=1.0, SVSTDTC="2018-06-30")], seq=False)
    ts = _frame("TS", [dict(USUBJID=None, TSPARMCD="DCUTDTC", TSVAL="2018-12-31")], seq=False)
    ts = ts.drop(columns="USUBJID").assign(TSSEQ=1.0)
    return {"DM": dm, "DS": ds, "EX": ex, "AE": ae_frame, "RS": rs, "CE": ce, "MH": mh,
            "CM": cm, "SV": sv, "TS": ts, "NV": nv}
