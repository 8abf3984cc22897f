"""QC program for ADRR: relapse records (from CE) and relapse counts per analysis period,
written in SQL from the MT.ADRR.* method descriptions, independently of adam.datasets.

Periods are in days after TRTSDT with L = 365.25: Year k = [L(k-1), Lk), Years 1-3 = [0, 3L)
(AVISITN 101), Years 7-12 = [6L, 12L) (102), Years 0-12 = [0, 12L) (103).
"""

from __future__ import annotations

import duckdb
import pandas as pd

from validation.params import StudyParams
from validation.sdtm import fetch

KEYS = ["STUDYID", "USUBJID", "PARAMCD", "AVISITN", "ADT", "ASEQ"]
REQUIRED_DOMAINS = ["CE", "CM"]


def build_sql(params: StudyParams) -> str:
    """The ADRR query; it reads the QC ADSL as table QC_ADSL."""
    L = params.year_days
    n_years = int(params.raw.get("analysis_years", 12))
    core = params.raw.get("core_years", [1, 3])
    ext = params.raw.get("extension_years", [7, 12])
    window = int((params.raw.get("relapse") or {}).get("steroid_window_days", 14))
    # a period is the whole days d (days after TRTSDT) with LO <= d < HI
    periods = [f"('Year {k}', {k}, {L * (k - 1)}, {L * k})" for k in range(1, n_years + 1)]
    periods += [f"('Years {core[0]}-{core[1]} (Core)', 101, {L * (core[0] - 1)}, {L * core[1]})",
                f"('Years {ext[0]}-{ext[1]} (Extension)', 102, {L * (ext[0] - 1)}, {L * ext[1]})",
                f"('Years 0-{n_years} (Overall)', 103, 0.0, {L * n_years})"]
    return f"""
WITH
subj AS (
    SELECT STUDYID, USUBJID, SUBJID, SITEID, TRT01A, A12FL, LTCFL, DISCGRFL, TRTSDT,
           CRS1SDT, CRS2SDT, CRS3SDT, CRS4SDT, CRS5SDT, CRS6SDT, CRS7SDT,
           -- end of follow-up: the earliest of EOSDT (else LSTALVDT), DCUTDT and DTHDT
           least(coalesce(EOSDT, LSTALVDT), coalesce(DCUTDT, coalesce(EOSDT, LSTALVDT)),
                 coalesce(DTHDT, coalesce(EOSDT, LSTALVDT))) AS EOFU
    FROM QC_ADSL),
rel AS (
    SELECT s.*, c.CESEQ, c.CESEV,
           iso_first(c.CESTDTC) AS D_FIRST, iso_last(c.CESTDTC) AS D_LAST,
           CASE WHEN regexp_full_match(c.CESTDTC, '\\d{{4}}') THEN 'M'
                WHEN regexp_full_match(c.CESTDTC, '\\d{{4}}-\\d{{2}}') THEN 'D' END AS ADTF
    FROM CE c JOIN subj s ON s.USUBJID = c.USUBJID
    WHERE c.CEDECOD = 'MULTIPLE SCLEROSIS RELAPSE'),
rel2 AS (
    SELECT *, CASE WHEN ADTF IS NOT NULL AND TRTSDT BETWEEN D_FIRST AND D_LAST THEN TRTSDT
                   ELSE D_FIRST END AS ADT
    FROM rel),
steroid AS (         -- a partial start date may fall anywhere in its month / year
    SELECT USUBJID, iso_first(CMSTDTC) AS D_FIRST, iso_last(CMSTDTC) AS D_LAST
    FROM CM WHERE CMCAT = 'RELAPSE TREATMENT'),
relapse AS (
    SELECT r.STUDYID, r.USUBJID, r.SUBJID, r.SITEID, r.TRT01A, r.A12FL, r.LTCFL, r.DISCGRFL, r.TRTSDT,
           'RELAPSE' AS PARAMCD, 'MS Relapse' AS PARAM,
           NULL::VARCHAR AS AVISIT, NULL::DOUBLE AS AVISITN, NULL::DOUBLE AS ASTDT, NULL::DOUBLE AS AENDT,
           NULL::DOUBLE AS AFUYRS, r.ADT, CASE WHEN r.ADT IS NOT NULL THEN r.ADTF END AS ADTF,
           CASE WHEN r.ADT >= r.TRTSDT THEN r.ADT - r.TRTSDT + 1 ELSE r.ADT - r.TRTSDT END AS ADY,
           CASE WHEN r.ADT >= r.TRTSDT THEN CAST(floor((r.ADT - r.TRTSDT) / {L}) AS INTEGER) + 1 END AS AYEAR,
           (SELECT max(n) FROM (VALUES (1, r.CRS1SDT), (2, r.CRS2SDT), (3, r.CRS3SDT), (4, r.CRS4SDT),
                                       (5, r.CRS5SDT), (6, r.CRS6SDT), (7, r.CRS7SDT)) AS c(n, d)
             WHERE c.d <= r.ADT) AS ACRSN,
           r.CESEV AS ASEV,
           CASE WHEN EXISTS (SELECT 1 FROM steroid t WHERE t.USUBJID = r.USUBJID
                             AND t.D_FIRST <= r.ADT + {window} AND t.D_LAST >= r.ADT)
                THEN 'Y' ELSE 'N' END AS ASTERFL,
           1 AS AVAL,
           CASE WHEN r.ADT >= r.TRTSDT AND r.ADT <= r.EOFU AND r.ADT - r.TRTSDT < {L * n_years}
                THEN 'Y' END AS ANL01FL,
           'CE' AS SRCDOM, 'CESTDTC' AS SRCVAR, r.CESEQ AS SRCSEQ, 0 AS GRP, r.CESEQ AS ORD
    FROM rel2 r),
period(AVISIT, AVISITN, LO, HI) AS (VALUES {', '.join(periods)}),
counts AS (
    SELECT s.STUDYID, s.USUBJID, s.SUBJID, s.SITEID, s.TRT01A, s.A12FL, s.LTCFL, s.DISCGRFL, s.TRTSDT,
           'RLPSCNT' AS PARAMCD, 'Number of MS Relapses in Period' AS PARAM,
           p.AVISIT, p.AVISITN,
           s.TRTSDT + ceil(p.LO) AS ASTDT,
           least(s.TRTSDT + ceil(p.HI) - 1, s.EOFU) AS AENDT,
           -- time at risk in whole days: from the first to the last day of the period at risk
           greatest(0, least(ceil(p.HI), s.EOFU + 1 - s.TRTSDT) - ceil(p.LO)) / {L} AS AFUYRS,
           NULL::DOUBLE AS ADT, NULL::VARCHAR AS ADTF, NULL::DOUBLE AS ADY, NULL::INTEGER AS AYEAR,
           NULL::INTEGER AS ACRSN, NULL::VARCHAR AS ASEV, NULL::VARCHAR AS ASTERFL,
           (SELECT count(*) FROM relapse r WHERE r.USUBJID = s.USUBJID AND r.ANL01FL = 'Y'
              AND r.ADT - r.TRTSDT >= p.LO AND r.ADT - r.TRTSDT < p.HI) AS AVAL,
           NULL::VARCHAR AS ANL01FL, NULL::VARCHAR AS SRCDOM, NULL::VARCHAR AS SRCVAR, NULL::DOUBLE AS SRCSEQ,
           1 AS GRP, p.AVISITN AS ORD
    FROM subj s CROSS JOIN period p
    WHERE s.TRTSDT IS NOT NULL AND least(ceil(p.HI), s.EOFU + 1 - s.TRTSDT) - ceil(p.LO) > 0),
allrec AS (SELECT * FROM relapse UNION ALL BY NAME SELECT * FROM counts)
SELECT STUDYID, USUBJID, SUBJID, SITEID, TRT01A, A12FL, LTCFL, DISCGRFL, TRTSDT,
       row_number() OVER (PARTITION BY USUBJID ORDER BY GRP, ADT NULLS LAST, ORD) AS ASEQ,
       PARAMCD, PARAM, AVISIT, AVISITN, ASTDT, AENDT, AFUYRS, ADT, ADTF, ADY, AYEAR, ACRSN, ASEV, ASTERFL,
       AVAL, ANL01FL, SRCDOM, SRCVAR, SRCSEQ
FROM allrec
ORDER BY USUBJID, ASEQ
"""


def qc_adrr(con: duckdb.DuckDBPyConnection, params: StudyParams) -> pd.DataFrame:
    """ADRR re-derived from CE and CM; ``con`` must hold the QC ADSL as table QC_ADSL."""
    return fetch(con, build_sql(params))
