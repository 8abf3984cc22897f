"""QC program for ADSL: one SQL query over the SDTM tables, written from the method
descriptions of specs/<study>/methods.yaml (MT.ADSL.*), independently of adam.datasets.

Dates are SAS day numbers (float); TRTSDTM/TRTEDTM are SAS datetime numbers (seconds).
"""

from __future__ import annotations

import duckdb
import pandas as pd

from validation.sdtm import fetch

KEYS = ["STUDYID", "USUBJID"]
REQUIRED_DOMAINS = ["DM", "DS", "EX", "TS", "RS", "CE", "MH", "CM", "SV", "AE"]

SQL = r"""
WITH
dm AS (SELECT * FROM DM),
rand AS (            -- MT.ADSL.RANDDT / RANDFL
    SELECT USUBJID, min(iso_sasday(DSSTDTC)) AS RANDDT, 1 AS israndom
    FROM DS WHERE DSDECOD = 'RANDOMIZED' AND DSCAT = 'PROTOCOL MILESTONE' GROUP BY USUBJID),
expo AS (            -- MT.ADSL.TRTSDT / TRTEDT: dosed records with complete dates
    SELECT USUBJID,
           min(iso_sasday(EXSTDTC)) AS TRTSDT,
           max(coalesce(iso_sasday(EXENDTC), iso_sasday(EXSTDTC))) AS TRTEDT
    FROM EX WHERE EXDOSE > 0 GROUP BY USUBJID),
course AS (          -- MT.ADSL.COURSES: one row per alemtuzumab course, numbered by first infusion
    SELECT USUBJID, EXGRPID, min(iso_sasday(EXSTDTC)) AS CRSSDT
    FROM EX WHERE EXTRT = 'ALEMTUZUMAB' GROUP BY USUBJID, EXGRPID),
course_n AS (
    SELECT *, row_number() OVER (PARTITION BY USUBJID ORDER BY CRSSDT, EXGRPID) AS N FROM course),
courses AS (
    SELECT USUBJID, count(*) AS NCOURSE,
           max(CRSSDT) FILTER (WHERE N = 1) AS CRS1SDT, max(CRSSDT) FILTER (WHERE N = 2) AS CRS2SDT,
           max(CRSSDT) FILTER (WHERE N = 3) AS CRS3SDT, max(CRSSDT) FILTER (WHERE N = 4) AS CRS4SDT,
           max(CRSSDT) FILTER (WHERE N = 5) AS CRS5SDT, max(CRSSDT) FILTER (WHERE N = 6) AS CRS6SDT,
           max(CRSSDT) FILTER (WHERE N = 7) AS CRS7SDT
    FROM course_n GROUP BY USUBJID),
consent AS (         -- MT.ADSL.EPOCHDT: extension entry = informed consent milestone of the epoch
    SELECT USUBJID,
           min(iso_sasday(DSSTDTC)) FILTER (WHERE EPOCH = 'EXTENSION 1') AS EXT1SDT,
           min(iso_sasday(DSSTDTC)) FILTER (WHERE EPOCH = 'EXTENSION 2') AS EXT2SDT
    FROM DS WHERE DSCAT = 'PROTOCOL MILESTONE' AND DSDECOD = 'INFORMED CONSENT OBTAINED'
    GROUP BY USUBJID),
dispo AS (           -- the last disposition event of each epoch group (core = screening..follow-up)
    SELECT USUBJID, PHASE, DSDT, DSDECOD, DSTERM FROM (
        SELECT USUBJID,
               CASE WHEN EPOCH IN ('SCREENING', 'TREATMENT', 'FOLLOW-UP') THEN 'CORE'
                    WHEN EPOCH = 'EXTENSION 1' THEN 'EXT1'
                    WHEN EPOCH = 'EXTENSION 2' THEN 'EXT2' END AS PHASE,
               iso_sasday(DSSTDTC) AS DSDT, DSDECOD, DSTERM,
               row_number() OVER (PARTITION BY USUBJID, PHASE ORDER BY DSSTDTC DESC, DSSEQ DESC) AS R
        FROM DS WHERE DSCAT = 'DISPOSITION EVENT') WHERE R = 1),
death AS (
    SELECT USUBJID, first(DSTERM ORDER BY DSSEQ) AS DTHCAUS
    FROM DS WHERE DSCAT = 'DISPOSITION EVENT' AND DSDECOD = 'DEATH' GROUP BY USUBJID),
cutoff AS (SELECT max(iso_sasday(TSVAL)) AS DCUTDT FROM TS WHERE TSPARMCD = 'DCUTDTC'),
alive_dates AS (     -- MT.ADSL.LSTALVDT: every complete date of the subject
    SELECT USUBJID, iso_sasday(RFSTDTC) AS D FROM DM UNION ALL
    SELECT USUBJID, iso_sasday(RFENDTC) FROM DM UNION ALL
    SELECT USUBJID, iso_sasday(EXSTDTC) FROM EX UNION ALL
    SELECT USUBJID, iso_sasday(EXENDTC) FROM EX UNION ALL
    SELECT USUBJID, iso_sasday(SVSTDTC) FROM SV UNION ALL
    SELECT USUBJID, iso_sasday(AESTDTC) FROM AE UNION ALL
    SELECT USUBJID, iso_sasday(AEENDTC) FROM AE UNION ALL
    SELECT USUBJID, iso_sasday(RSDTC) FROM RS UNION ALL
    SELECT USUBJID, iso_sasday(DSSTDTC) FROM DS),
alive AS (SELECT USUBJID, max(D) AS LASTDT FROM alive_dates GROUP BY USUBJID),
base0 AS (           -- subject frame with the exposure and milestone dates
    SELECT dm.*, rand.RANDDT, coalesce(rand.israndom, 0) AS israndom, expo.TRTSDT, expo.TRTEDT,
           coalesce(courses.NCOURSE, 0) AS NCOURSE,
           courses.CRS1SDT, courses.CRS2SDT, courses.CRS3SDT, courses.CRS4SDT, courses.CRS5SDT,
           courses.CRS6SDT, courses.CRS7SDT, consent.EXT1SDT, consent.EXT2SDT
    FROM dm LEFT JOIN rand USING (USUBJID) LEFT JOIN expo USING (USUBJID)
            LEFT JOIN courses USING (USUBJID) LEFT JOIN consent USING (USUBJID)),
edss AS (            -- MT.ADSL.BEDSS: mean of the assessments on the last day on or before TRTSDT
    SELECT r.USUBJID, iso_sasday(r.RSDTC) AS D, avg(r.RSSTRESN) AS V
    FROM RS r JOIN base0 b ON r.USUBJID = b.USUBJID
    WHERE r.RSTESTCD = 'EDSS0101' AND r.RSSTRESN IS NOT NULL AND iso_sasday(r.RSDTC) <= b.TRTSDT
    GROUP BY r.USUBJID, iso_sasday(r.RSDTC)),
bedss AS (SELECT USUBJID, arg_max(V, D) AS BEDSS FROM edss GROUP BY USUBJID),
relapse_onsets AS (  -- MT.ADSL.RLPSPRE: on-study (CE) and historical (MH) relapse onsets;
                     -- a partial onset counts from the first day of its month / year
    SELECT USUBJID, iso_first(CESTDTC) AS D FROM CE WHERE CEDECOD = 'MULTIPLE SCLEROSIS RELAPSE' UNION ALL
    SELECT USUBJID, iso_first(MHSTDTC) FROM MH WHERE MHDECOD = 'Multiple sclerosis relapse'),
relapses AS (
    SELECT b.USUBJID,
           count(*) FILTER (WHERE o.D < b.TRTSDT AND o.D >= b.TRTSDT - 365.25) AS R1,
           count(*) FILTER (WHERE o.D < b.TRTSDT AND o.D >= b.TRTSDT - 730.5) AS R2
    FROM base0 b JOIN relapse_onsets o ON o.USUBJID = b.USUBJID GROUP BY b.USUBJID),
onset AS (           -- MT.ADSL.DISDUR: day imputed as 15, month and day as 30 June
    SELECT USUBJID, min(CASE
        WHEN length(MHSTDTC) >= 10 THEN iso_sasday(MHSTDTC)
        WHEN length(MHSTDTC) = 7 THEN iso_sasday(MHSTDTC || '-15')
        WHEN length(MHSTDTC) = 4 THEN iso_sasday(MHSTDTC || '-06-30') END) AS MSONDT,
        min(CASE WHEN length(MHSTDTC) = 7 THEN 'D' WHEN length(MHSTDTC) = 4 THEN 'M' END) AS MSONDTF
    FROM MH WHERE MHDECOD = 'Relapsing-remitting multiple sclerosis' GROUP BY USUBJID),
odmt AS (            -- MT.ADSL.ODMTFL: a partial start counts as its last possible day
    SELECT c.USUBJID, 1 AS has_dmt FROM CM c JOIN base0 b ON c.USUBJID = b.USUBJID
    WHERE c.CMCAT = 'DISEASE MODIFYING THERAPY' AND iso_last(c.CMSTDTC) > b.TRTSDT
    GROUP BY c.USUBJID),
trt(CD, NAME, NUM) AS (VALUES ('IFNB44', 'SC IFNB-1a 44 ug', 1), ('ALEM12', 'Alemtuzumab 12 mg', 2),
                              ('ALEM24', 'Alemtuzumab 24 mg', 3)),
s1 AS (
    SELECT b.*, tp.NAME AS TRT01P, tp.NUM AS TRT01PN, ta.NAME AS TRT01A, ta.NUM AS TRT01AN,
           CASE WHEN b.israndom = 1 THEN 'Y' ELSE 'N' END AS RANDFL,
           CASE WHEN b.israndom = 1 AND b.TRTSDT IS NOT NULL THEN 'Y' ELSE 'N' END AS SAFFL,
           cd.DSDT AS COREEDT, cd.DSDECOD AS CORE_DECOD, cd.DSTERM AS CORE_TERM,
           e1.DSDT AS EXT1EDT, e1.DSDECOD AS EXT1_DECOD, e1.DSTERM AS EXT1_TERM,
           e2.DSDT AS EXT2EDT, e2.DSDECOD AS EXT2_DECOD, e2.DSTERM AS EXT2_TERM,
           death.DTHCAUS, cutoff.DCUTDT, alive.LASTDT, bedss.BEDSS,
           CASE WHEN b.TRTSDT IS NOT NULL THEN coalesce(relapses.R1, 0) END AS RLPS1Y,
           CASE WHEN b.TRTSDT IS NOT NULL THEN coalesce(relapses.R2, 0) END AS RLPS2Y,
           onset.MSONDT, onset.MSONDTF, odmt.has_dmt
    FROM base0 b
    LEFT JOIN trt tp ON tp.CD = b.ARMCD
    LEFT JOIN trt ta ON ta.CD = b.ACTARMCD
    LEFT JOIN dispo cd ON cd.USUBJID = b.USUBJID AND cd.PHASE = 'CORE'
    LEFT JOIN dispo e1 ON e1.USUBJID = b.USUBJID AND e1.PHASE = 'EXT1'
    LEFT JOIN dispo e2 ON e2.USUBJID = b.USUBJID AND e2.PHASE = 'EXT2'
    LEFT JOIN death ON death.USUBJID = b.USUBJID
    LEFT JOIN alive ON alive.USUBJID = b.USUBJID
    LEFT JOIN bedss ON bedss.USUBJID = b.USUBJID
    LEFT JOIN relapses ON relapses.USUBJID = b.USUBJID
    LEFT JOIN onset ON onset.USUBJID = b.USUBJID
    LEFT JOIN odmt ON odmt.USUBJID = b.USUBJID
    CROSS JOIN cutoff),
s2 AS (              -- MT.ADSL.EPOCHSTT: status of each epoch the subject entered
    SELECT *,
           CASE WHEN CORE_DECOD = 'COMPLETED' THEN 'COMPLETED' WHEN CORE_DECOD IS NOT NULL THEN 'DISCONTINUED'
                ELSE 'ONGOING' END AS CORESTT,
           CASE WHEN EXT1SDT IS NULL THEN NULL WHEN EXT1_DECOD = 'COMPLETED' THEN 'COMPLETED'
                WHEN EXT1_DECOD IS NOT NULL THEN 'DISCONTINUED' ELSE 'ONGOING' END AS EXT1STT,
           CASE WHEN EXT2SDT IS NULL THEN NULL WHEN EXT2_DECOD = 'COMPLETED' THEN 'COMPLETED'
                WHEN EXT2_DECOD IS NOT NULL THEN 'DISCONTINUED' ELSE 'ONGOING' END AS EXT2STT,
           CASE WHEN CORE_DECOD = 'OTHER' THEN CORE_TERM WHEN CORE_DECOD <> 'COMPLETED' THEN CORE_DECOD END AS COREREAS,
           CASE WHEN EXT1SDT IS NULL THEN NULL WHEN EXT1_DECOD = 'OTHER' THEN EXT1_TERM
                WHEN EXT1_DECOD <> 'COMPLETED' THEN EXT1_DECOD END AS EXT1REAS,
           CASE WHEN EXT2SDT IS NULL THEN NULL WHEN EXT2_DECOD = 'OTHER' THEN EXT2_TERM
                WHEN EXT2_DECOD <> 'COMPLETED' THEN EXT2_DECOD END AS EXT2REAS
    FROM s1)
SELECT
    STUDYID, USUBJID, SUBJID, SITEID, COUNTRY, AGE, AGEU,
    CASE WHEN AGE < 30 THEN '<30' WHEN AGE < 40 THEN '30-39' WHEN AGE >= 40 THEN '>=40' END AS AGEGR1,
    CASE WHEN AGE < 30 THEN 1 WHEN AGE < 40 THEN 2 WHEN AGE >= 40 THEN 3 END AS AGEGR1N,
    SEX, RACE, ETHNIC, ARMCD, ARM, ACTARMCD, ACTARM,
    TRT01P, TRT01PN, TRT01A, TRT01AN, RANDDT,
    TRTSDT * 86400 AS TRTSDTM, CASE WHEN TRTSDT IS NOT NULL THEN 'H' END AS TRTSTMF, TRTSDT,
    TRTEDT * 86400 + 86399 AS TRTEDTM, CASE WHEN TRTEDT IS NOT NULL THEN 'H' END AS TRTETMF, TRTEDT,
    TRTEDT - TRTSDT + 1 AS TRTDURD,
    NCOURSE, CRS1SDT, CRS2SDT, CRS3SDT, CRS4SDT, CRS5SDT, CRS6SDT, CRS7SDT,
    RANDFL, SAFFL,
    CASE WHEN SAFFL = 'Y' AND TRT01A = 'Alemtuzumab 12 mg' THEN 'Y' ELSE 'N' END AS A12FL,
    CASE WHEN SAFFL = 'Y' AND TRT01A = 'Alemtuzumab 12 mg' AND EXT1SDT IS NOT NULL THEN 'Y' ELSE 'N' END AS LTCFL,
    CASE WHEN SAFFL = 'Y' AND TRT01A = 'Alemtuzumab 12 mg' AND EXT1SDT IS NULL THEN 'Y' ELSE 'N' END AS DISCGRFL,
    EXT1SDT, EXT2SDT, COREEDT, CORESTT, COREREAS, EXT1EDT, EXT1STT, EXT1REAS, EXT2EDT, EXT2STT, EXT2REAS,
    -- MT.ADSL.EOSSTT: the last epoch entered
    CASE WHEN EXT2SDT IS NOT NULL THEN EXT2STT WHEN EXT1SDT IS NOT NULL THEN EXT1STT ELSE CORESTT END AS EOSSTT,
    CASE WHEN EXT2SDT IS NOT NULL THEN EXT2EDT WHEN EXT1SDT IS NOT NULL THEN EXT1EDT ELSE COREEDT END AS EOSDT,
    CASE WHEN EXT2SDT IS NOT NULL THEN EXT2REAS WHEN EXT1SDT IS NOT NULL THEN EXT1REAS ELSE COREREAS END AS DCSREAS,
    DTHFL, iso_sasday(DTHDTC) AS DTHDT, DTHCAUS,
    least(LASTDT, coalesce(iso_sasday(DTHDTC), LASTDT), coalesce(DCUTDT, LASTDT)) AS LSTALVDT,
    DCUTDT, BEDSS,
    CASE WHEN BEDSS < 2 THEN '<2' WHEN BEDSS >= 2 THEN '>=2' END AS BEDSSGR1,
    RLPS1Y, RLPS2Y, MSONDT, MSONDTF, (TRTSDT - MSONDT) / 365.25 AS DISDURY,
    CASE WHEN has_dmt = 1 THEN 'Y' ELSE 'N' END AS ODMTFL
FROM s2
ORDER BY USUBJID
"""


def qc_adsl(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """ADSL re-derived from the SDTM tables of ``con`` (see :mod:`validation.sdtm`)."""
    return fetch(con, SQL)
