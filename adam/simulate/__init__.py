'''Seeded SDTM simulator of the CAMMS223 study (alemtuzumab vs SC IFNB-1a in early, active
RRMS, with the 12 mg arm followed for 12 years through CAMMS03409 and TOPAZ).

    adam simulate --study camms223 --seed 2026 [--subjects N] --out sdtm_in/camms223 [--format json]

writes SDTM v1.7 / SDTMIG 3.3 datasets (SAS XPT v5, or Dataset-JSON v1.1), one file per
domain named <domain>.xpt / <domain>.json in lower case. Same seed and N -> same bytes.
All data are SIMULATED; nothing comes from patients.

SDTM LAYOUT (stable: ADaM programs build on it; only values/calibration may change)
===================================================================================

General
-------
STUDYID "CAMMS223". USUBJID "CAMMS223-<SITEID>-<SUBJID>", SITEID 3 digits ("101".."130"),
SUBJID = SITEID + a zero-padded number within the site (>= 4 digits), e.g. CAMMS223-101-1010001.
Subjects are in USUBJID order in every domain. Dates are ISO 8601 character (YYYY-MM-DD, or
partial YYYY-MM / YYYY where stated); there are no times. --DY is relative to RFSTDTC (first
dose; no day 0) and is missing when the date is partial or the subject was never treated.
--SEQ is 1..n within USUBJID (sorted by date). Missing character values are blank.
Numeric: --SEQ, --DY, VISITNUM, VISITDY, --STRESN, AGE, EXDOSE, CMDOSE, TAETORD, the AE codes.

Arms (DM.ARMCD / ARM):            IFNB44 "SC IFNB-1a 44 ug"; ALEM12 "Alemtuzumab 12 mg";
                                  ALEM24 "Alemtuzumab 24 mg".
Default cohort (N = 331 randomized): IFNB44 111, ALEM12 110, ALEM24 110; 1/2/1 randomized but
never dosed (SDTMIG 3.3 style: ACTARMCD = ACTARM = "" and ARMNRS "ASSIGNED, NOT TREATED";
RFSTDTC/RFXSTDTC blank). 12 mg treated = 108; 60 entered CAMMS03409 (the "long-term cohort");
54 were on study at Year 12; 48 did not enter the extension.
Only the 12 mg arm has follow-up beyond the 3-year core study.

Time frame: randomization 2002-12-02 .. 2004-07-15; first dose 0-3 days after randomization;
screening 14-35 days before randomization, consent 0-7 days before screening. Alemtuzumab dosing
suspended 2005-09-15 .. 2008-07-01 (no infusions then). Data cut-off TS.TSPARMCD "DCUTDTC" =
end of Year 12 (first dose + 4383 days) of the last-enrolled extension patient + 45 days
(2016-08-31 for seed 2026); the 54 ongoing patients have data up to the cut-off (so early
enrollers have some data after Year 12) and no end-of-study disposition record.

Epochs (EPOCH; set from the event date, for every domain):
  SCREENING     before the first dose (all records of never-dosed subjects)
  TREATMENT     first dose .. the Month 36 visit (inclusive) = CAMMS223 core study
  FOLLOW-UP     after the Month 36 visit .. the day before CAMMS03409 entry (CAMMS223 extended follow-up)
  EXTENSION 1   CAMMS03409: from its entry visit (= the Month 72 visit) .. the day before TOPAZ entry
  EXTENSION 2   TOPAZ: from its entry visit (Month 120 for most, 108 or 132 for some) onward
Elements (TE/TA/SE ETCD): SCRN, IFNB44, ALEM12, ALEM24 (TREATMENT), FU, EXT1, EXT2. TA: IFNB44 and
ALEM24 = SCRN, <arm>; ALEM12 = SCRN, ALEM12, FU, EXT1, EXT2. SE SEENDTC = start of the next element;
blank for the element an ongoing subject is in.

Visits (SV, RS, NV): VISITNUM 1 "SCREENING"; 100 "DAY 1" (first dose day); 100+m "MONTH m" for
m = 3, 6, 9, ... (every 3 months; up to 36 for IFNB44/ALEM24, to end of follow-up for ALEM12).
Planned day = round(m * 30.4375) + 1 (SV.VISITDY); actual visits jittered +-10 days.
Unscheduled visits: VISIT "UNSCHEDULED", VISITNUM = preceding planned VISITNUM + 0.01, 0.02, ...;
SVUPDES "RELAPSE ASSESSMENT" (1-7 days after a relapse onset, for 85% of relapses) or
"ADDITIONAL ASSESSMENT". SVSTDTC = SVENDTC.

Domains and variables (in file order)
-------------------------------------
DM  STUDYID DOMAIN USUBJID SUBJID RFSTDTC RFENDTC RFXSTDTC RFXENDTC RFICDTC RFPENDTC DTHDTC DTHFL
    SITEID AGE AGEU SEX RACE ETHNIC ARMCD ARM ACTARMCD ACTARM ARMNRS ACTARMUD COUNTRY DMDTC DMDY
    RFSTDTC = RFXSTDTC = first dose; RFXENDTC = last infusion day (alemtuzumab) or end of IFNB
    dosing; RFENDTC = RFPENDTC = end of participation (disposition date; data cut-off for ongoing
    subjects); DTHDTC/DTHFL for deaths. AGEU "YEARS"; SEX F/M; RACE WHITE, BLACK OR AFRICAN
    AMERICAN, ASIAN, MULTIPLE; ETHNIC HISPANIC OR LATINO / NOT HISPANIC OR LATINO; COUNTRY ISO3.
DS  STUDYID DOMAIN USUBJID DSSEQ DSTERM DSDECOD DSCAT DSSCAT EPOCH DSDTC DSSTDTC DSSTDY
    DSCAT "PROTOCOL MILESTONE": DSDECOD "INFORMED CONSENT OBTAINED" (SCREENING, DSSCAT "CAMMS223";
      again at CAMMS03409 entry, EPOCH EXTENSION 1, DSSCAT "CAMMS03409", and at TOPAZ entry, EPOCH
      EXTENSION 2, DSSCAT "TOPAZ"); "RANDOMIZED" (SCREENING).
    DSCAT "DISPOSITION EVENT": one per epoch that ended, DSSCAT "CAMMS223 CORE STUDY" (TREATMENT),
      "CAMMS223 FOLLOW-UP" (FOLLOW-UP), "CAMMS03409" (EXTENSION 1), "TOPAZ" (EXTENSION 2);
      never-dosed subjects: EPOCH SCREENING, DSSCAT "CAMMS223 CORE STUDY".
      DSDECOD values: COMPLETED, ADVERSE EVENT, LACK OF EFFICACY, DEATH, NON-COMPLIANCE WITH STUDY
      DRUG, WITHDRAWAL BY SUBJECT, LOST TO FOLLOW-UP, PHYSICIAN DECISION, OTHER (DSTERM "NO REASON
      PROVIDED"). DEATH has the cause in DSTERM.
    12 mg, did not enter CAMMS03409 (48): AE 3, lack of efficacy 2, death 1 (cardiovascular
      disease), non-compliance 7, withdrawal 4, lost to follow-up 3, physician decision 3,
      OTHER/NO REASON PROVIDED 25; left in TREATMENT or FOLLOW-UP (days 60-2150).
    12 mg, entered (60): COMPLETED for TREATMENT and FOLLOW-UP (and EXTENSION 1 if they reached
      TOPAZ); 6 left before Year 12: PHYSICIAN DECISION 3, WITHDRAWAL BY SUBJECT 2, DEATH 1 in
      Year 7 (DSTERM "HAEMORRHAGIC SHOCK"). The other 54 are ongoing (no record for EXTENSION 2).
      One of them withdrew from the core study (WITHDRAWAL BY SUBJECT in TREATMENT, day 700-950)
      and re-enrolled into CAMMS03409 (paper, Fig. 1): no data in between, no FU element.
    IFNB44 / ALEM24: COMPLETED at Month 36 (76% / 86%) or a reason; ALEM24 has 1 death (ITP, 2004-5).
EX  STUDYID DOMAIN USUBJID EXSEQ EXGRPID EXTRT EXDOSE EXDOSU EXDOSFRM EXDOSFRQ EXROUTE EPOCH
    EXSTDTC EXENDTC EXSTDY EXENDY
    Alemtuzumab: one record per infusion day, EXTRT "ALEMTUZUMAB", EXDOSE 12 (24 in ALEM24),
      EXDOSU "mg", EXDOSFRM "SOLUTION", EXDOSFRQ "QD", EXROUTE "INTRAVENOUS",
      EXGRPID "COURSE k" (k = 1..7); course 1 = 5 consecutive days from Day 1, later courses 3
      consecutive days, >= 12 months apart; course 2 at Month 12 (days 365-386).
      Long-term cohort (60): total courses 1/2/3/4/5/6/7 for 1/20/23/9/2/4/1 patients; third course
      in the core study (Year 3) for 14, Years 5-6 for 22, Years 7-9 for 3; fourth course in Years
      6-8 for 12, Years 10-12 for 4; all courses before the end of Year 12. Patients with more
      disease activity (higher frailty) get more courses. Discontinued 12 mg and ALEM24: courses 1,
      2 (if still on study), and a third in the core study for ~20% of early enrollers.
    IFNB: EXTRT "INTERFERON BETA-1A", EXDOSE 44, EXDOSU "ug", EXDOSFRM "INJECTION", EXDOSFRQ
      "3 TIMES PER WEEK", EXROUTE "SUBCUTANEOUS"; one record per 12-month dispensing period
      (EXSTDTC..EXENDTC), EXGRPID blank.
SUPPEX  STUDYID RDOMAIN USUBJID IDVAR IDVARVAL QNAM QLABEL QVAL QORIG QEVAL
    IDVAR "EXGRPID", IDVARVAL "COURSE k" (k >= 3, long-term cohort), QNAM "ADDTRTRS"
    ("Reason for Additional Course"): NOT DOCUMENTED 39, RELAPSE 19, RELAPSE AND MRI ACTIVITY 6,
    MRI ACTIVITY 3, RELAPSE AND EDSS PROGRESSION 1 (of 68; relapse reasons go first to courses
    preceded by a relapse within 12 months). QORIG "CRF".
CE  STUDYID DOMAIN USUBJID CESEQ CETERM CEDECOD CECAT CESEV EPOCH CESTDTC CEENDTC CESTDY CEENDY
    On-study MS relapses only: CETERM = CEDECOD "MULTIPLE SCLEROSIS RELAPSE", CECAT "MS RELAPSE",
    CESEV MILD/MODERATE/SEVERE, CESTDTC onset, CEENDTC resolution (blank if after the end of
    follow-up). Steroid treatment is in CM (CMCAT "RELAPSE TREATMENT"). Pre-study relapses are MH.
RS  STUDYID DOMAIN USUBJID RSSEQ RSTESTCD RSTEST RSCAT RSORRES RSSTRESC RSSTRESN RSLOBXFL VISITNUM
    VISIT EPOCH RSDTC RSDY
    EDSS (QRS clinical classification): RSCAT "EDSS", RSTESTCD "EDSS0101", RSTEST
    "EDSS01-Expanded Disability Score"; RSORRES/RSSTRESC "0.0".."9.5" (EDSS steps; no 0.5),
    RSSTRESN numeric. At screening, Day 1 (baseline; RSLOBXFL "Y", assessed before the first
    infusion), every planned visit and every unscheduled visit. Functional system scores (KFSS)
    are not simulated.
NV  STUDYID DOMAIN USUBJID NVSEQ NVTESTCD NVTEST NVCAT NVORRES NVSTRESC NVSTRESN NVLOC NVMETHOD
    VISITNUM VISIT EPOCH NVDTC NVDY
    Brain MRI lesion counts, long-term cohort only, at the CAMMS03409 entry visit (Month 72) and
    the Month 84, 96, 108, 120, 132, 144 visits (end of extension years 1-6 = Years 7-12).
    NVCAT "MRI LESION COUNT", NVLOC "BRAIN", NVMETHOD "MRI"; NVTESTCD / NVTEST:
      NGDT1LES "Number of New Gd-Enhancing T1 Lesions"  (Gd+ lesions on the current scan)
      NT2LES   "Number of New or Enlarging T2 Lesions"  (since the previous scan)
      NT1HLES  "Number of New T1 Hypointense Lesions"   (since the previous scan)
    The entry scan has only NGDT1LES (no previous scan to compare). Why NV: SDTMIG 3.3 puts
    nervous-system findings (including imaging of the brain) in NV and deprecates MO; TU/TR are
    for identified, tracked individual lesions, whereas the paper analyses per-scan counts.
AE  STUDYID DOMAIN USUBJID AESEQ AETERM AELLT AELLTCD AEDECOD AEPTCD AEHLT AEHLTCD AEHLGT AEHLGTCD
    AEBODSYS AEBDSYCD AESOC AESOCCD AESEV AESER AEACN AEREL AEOUT AESCONG AESDISAB AESDTH AESHOSP
    AESLIFE AESMIE AETOXGR EPOCH AESTDTC AEENDTC AESTDY AEENDY AEENRTPT AEENTPT
    Coding: MedDRA-style levels LLT/PT(AEDECOD)/HLT/HLGT/SOC (AEBODSYS = AESOC) with SYNTHETIC
    8-digit codes (91xxxxxx LLT, 92 PT, 93 HLT, 94 HLGT, 95 SOC; MedDRA itself is licensed);
    see adam/simulate/dictionary.py. AESEV MILD/MODERATE/SEVERE; AETOXGR "1".."5" (1/2/3 from
    severity, 4 and 5 for the paper's grade 4 events and deaths); AESER Y/N; seriousness criteria
    Y/N only on serious AEs; AEREL RELATED / POSSIBLY RELATED / NOT RELATED; AEACN "DOSE NOT
    CHANGED" (during infusion), "DRUG WITHDRAWN" (AEs leading to withdrawal), otherwise "NOT
    APPLICABLE"; AEOUT RECOVERED/RESOLVED, NOT RECOVERED/NOT RESOLVED, FATAL. Ongoing at the end:
    AEENDTC blank, AEENRTPT "ONGOING", AEENTPT "END OF STUDY".
    Model: infusion-associated reactions (IAR terms rash, headache, pyrexia, nausea, urticaria,
    pruritus, flushing, chills, fatigue, insomnia, chest discomfort, tachycardia, dizziness) on an
    infusion day or within 2 days after a course, for 98/80/77/63% of patient-courses 1/2/3/4,
    58% of courses 5-6 pooled, 0% course 7 (exact quota); other AEs never start inside an
    infusion window (day of first infusion .. last infusion + 2). Infections: 53% of patients in
    Year 1 falling to ~20% (quota per year), ~3% serious. Thyroid AEs (hyper-/hypothyroidism,
    Graves' (PT Basedow's disease), autoimmune/Hashimoto's thyroiditis): 50% of the long-term
    cohort ever (first onset peaking in Years 2-3), 30% second event. Fixed events (exact): death
    Year 7 (HAEMORRHAGIC SHOCK ... + INCISED WOUND, AEOUT FATAL, AETOXGR 5), ITP once in the
    long-term cohort (Year 4, 16 months after the last dose; recurrence 8 years after the last dose,
    serious), 2 core ITP cases (ALEM24 and discontinued 12 mg) + the fatal ALEM24 case, melanoma
    patient A (MALIGNANT MELANOMA + METASTATIC MALIGNANT MELANOMA + LYMPHADENOPATHY, grade 4,
    Year 10), patient B (MELANOMA IN SITU (ABDOMEN), grade 2, Year 10), adhesive ileus + diffuse
    peritonitis (grade 4, Year 1, one patient), two generalised rashes (grade 4, Year 1, one
    patient), neutropenia in 4 patients (grade 4 in Years 4 and 5, two grade 3), cholecystitis
    (Year 10), myocardial infarction and ischaemic stroke (1.8 / 1.9 years after the last dose,
    one patient), cardiovascular death (discontinued group), AEs leading to withdrawal.
    IFNB: influenza like illness, injection site reaction.
CM  STUDYID DOMAIN USUBJID CMSEQ CMTRT CMDECOD CMCAT CMINDC CMDOSE CMDOSU CMDOSFRQ CMROUTE EPOCH
    CMSTDTC CMENDTC CMSTDY CMENDY CMENRTPT CMENTPT
    CMCAT "PREMEDICATION" (METHYLPREDNISOLONE 1000 mg IV QD on the first 3 days of every course);
    "RELAPSE TREATMENT" (METHYLPREDNISOLONE IV for ~65% of relapses; CMINDC "MULTIPLE SCLEROSIS
    RELAPSE"); "DISEASE MODIFYING THERAPY" (INTERFERON BETA-1A, GLATIRAMER ACETATE, INTERFERON
    BETA-1B, NATALIZUMAB, FINGOLIMOD) in 12 of the 60 (Years 3-11) and ~10% of the discontinued;
    "GENERAL" (paracetamol, ibuprofen, vitamin D3, baclofen, cetirizine, sertraline; 20% started
    before the study = prior medications; levothyroxine / thiamazole after thyroid AEs).
MH  STUDYID DOMAIN USUBJID MHSEQ MHTERM MHDECOD MHCAT MHBODSYS EPOCH MHDTC MHSTDTC MHDY MHENRTPT MHENTPT
    MHCAT "PRIMARY DIAGNOSIS": RELAPSING-REMITTING MULTIPLE SCLEROSIS (MHSTDTC symptom onset,
    <= 3 years before consent; ongoing); MHCAT "MS RELAPSE HISTORY": >= 2 relapses in the 2 years
    before consent. MHSTDTC mostly YYYY-MM.
SV  STUDYID DOMAIN USUBJID VISITNUM VISIT VISITDY EPOCH SVSTDTC SVENDTC SVSTDY SVENDY SVUPDES
SE  STUDYID DOMAIN USUBJID SESEQ ETCD ELEMENT TAETORD EPOCH SESTDTC SEENDTC SESTDY SEENDY SEUPDES
TA  STUDYID DOMAIN ARMCD ARM TAETORD ETCD ELEMENT TABRANCH TATRANS EPOCH
TE  STUDYID DOMAIN ETCD ELEMENT TESTRL TEENRL TEDUR
TS  STUDYID DOMAIN TSSEQ TSGRPID TSPARMCD TSPARM TSVAL TSVALNF
    TSPARMCD: TITLE, REGID (x3: NCT00050778, NCT00930553, NCT02255656), TPHASE, STYPE, TTYPE,
    INDIC, TRT, COMPTRT, RANDOM, TBLIND, TCNTRL, NARMS, PLANSUB, ACTSUB, AGEMIN, AGEMAX, SEXPOP,
    LENGTH, SSTDTC, SENDTC, DCUTDTC (data cut-off date), DCUTDESC, SDTIGVER, SDTMVER, DICTVER,
    EXTTIND, ADDON, HLTSUBJI, EXTCOHN (size of the extension cohort).

Defects (what real data has; rates per record unless stated)
-----------------------------------------------------------
  - partial start dates: AE 3% missing day + 0.5% missing day and month (not on IARs or the
    fixed events); CM 8% + 2% (not premedication); CE 4% + 0.5%; MH 70% + 5%; some end dates too;
  - planned visits missed: 4% of post-baseline planned visits (never Day 1, Month 36, Month 72);
  - unscheduled visits: every assessed relapse + 2% extra;
  - EDSS recorded twice on the same day: 1% of post-baseline assessments get a second record
    (same visit and date, value may differ by 0.5; RSLOBXFL only on one);
  - AEs that start before the first dose (screening): 5% of treated subjects;
  - one subject withdrew from the core study and re-entered at the extension (data gap);
  - the re-consent records at extension entry (DS) next to the original consent.

The stochastic model (see adam/simulate/targets.py for the paper's figures and tolerances)
------------------------------------------------------------------------------------------
Frailty Z ~ Gamma(shape 0.56, mean 1) per subject, shared by relapses, MRI activity and the
number of extra courses. Relapses: Poisson with rate 0.09/yr (12 mg extension cohort; times a
year factor 1.35, 0.75, 0.8, 1.0, 1.2, 1.25, 0.9, 1.0, 0.85, 1.1, 0.9, 0.8, ...), 0.36 (IFNB),
0.10 (24 mg), all times Z; 12 mg discontinued: 0.09/yr times 3.2 in the last 730 days before
leaving (DISC_PRE_WITHDRAWAL_*: the paper's 0.3-0.4 relapses in each of the 1-2 years before
withdrawal), which gives the paper's ARR of 0.19 up to discontinuation. EDSS: baseline 0-3.0
(mean ~2); classes improver / stable / progressor assigned by exact quota within each (group,
arm, baseline) stratum: baseline >= 2.0: 0.50 / 0.20 / 0.30; 1.0-1.5: 0.15 / 0.52 / 0.33; 0: 0 /
0.62 / 0.38 (EDSS_P_IMPROVER / EDSS_P_PROGRESSOR; IFNB fewer improvers, more progressors).
Improvers fall 1.0-2.5 (not below 0) within 2-23 months and 70% drift back 0.5-1.0 after Year
5-12; progressors rise 1.0-5.0 over 2-23 months from a random time in Years 0.3-11.5; 15% of
stable patients drift +0.5; plus a transient post-relapse rise (0.5/1.0/2.0 by severity, gone
within 30-120 days) and rating noise (+-0.5 with probability 0.10 each; no noise at Day 1).
Discontinued group (paper: 30% CDI and 87% free of CDW through Year 5, 77% stable or improved
at the last assessment): improvers x0.6 (DISC_IMPROVER_MULT), progressors x0.9
(DISC_PROGRESSOR_MULT) whose worsening starts in the last 1.5 years before leaving
(DISC_PROG_WINDOW_YEARS) and takes 2-12 months (DISC_PROG_RAMP_DAYS): worsening that comes
with withdrawal, often too late to be confirmed over 6 months.
MRI (annual, extension years 1-6): active lesions M ~ Poisson(0.35 x year factor (0.5, 1.0, 1.0,
0.95, 1.05, 1.1) x Z); new/enlarging T2 = M, new Gd+ ~ Binomial(M, 0.25), new T1 hypointense ~
Binomial(M, 0.45); entry-scan Gd+ ~ Poisson(0.25 Z). 3% of annual scans missing.
Thyroid AEs: exact share ever affected per group (50% of the long-term cohort) and exact
first-onset year shares (6, 30, 27, 11, 7, 5, 3, 2, ... % for Years 1, 2, 3, ...).
Model expectations (N = 3310, seed 11): ARR 0.098, stable 0.44, improved 0.23, mean change
+0.40 (SD 1.57), CDW-free 0.68, CDI 0.50, no CDW after CDI 0.87, MRI-free min 0.74 / Year 12
0.77, annual NEDA 0.68-0.77, sustained NEDA 0.34, thyroid Years 2/3 0.165/0.175, infection Year 1
0.53; discontinued group: ARR 0.19 (N = 33100; 0.22 at N = 3310, whose frailty sample runs
high), stable or improved at the last assessment 0.81, CDW-free through Year 5 0.82, CDI 0.28.
Exact counts (108/60/54, course totals and timing, DS reasons, deaths, ITP, melanomas, grade 4
events, IAR by course, infections by year, thyroid ever) are assigned by construction, scaled
to N: the 12 mg arm is N*110/331 randomized (2 of 110 never dosed), every count round(k*N/base)
(largest remainder where parts must add up).

Randomness: one numpy Generator per model component seeded from (seed, component name), so the
components are independent and the output depends only on seed and N.
'''

from __future__ import annotations

from pathlib import Path


def simulate_study(study: str, seed: int, subjects: int | None, out: Path, fmt: str = "xpt") -> None:
    """Simulate the SDTM datasets of ``study`` with ``seed`` for ``subjects`` randomized
    subjects (None: the paper's cohort) and write them to the folder ``out`` as ``fmt``
    (xpt or json). Bad arguments raise InputError before anything is written; the output
    folder appears (or is replaced) only when every dataset was written."""
    from adam.console import say
    from adam.simulate.build import build_datasets, check_arguments, write_datasets

    check_arguments(study, seed, subjects, Path(out), fmt)
    datasets = build_datasets(seed, subjects)
    write_datasets(datasets, Path(out), fmt)
    say(f"wrote {len(datasets)} SDTM datasets ({fmt}) for {len(datasets['DM'])} subjects to {out}")
