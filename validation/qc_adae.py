"""QC program for ADAE: SQL over the SDTM AE and EX tables joined to the QC ADSL, written from
the MT.ADAE.* method descriptions of the spec, independently of adam.datasets.

The customized queries (CQ01NAM..CQ07NAM) are generated from the spec's ``aesi`` parameters.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from validation.params import StudyParams
from validation.sdtm import fetch

KEYS = ["STUDYID", "USUBJID", "AESEQ"]
REQUIRED_DOMAINS = ["AE", "EX"]

# AE variables copied as they are (predecessors from AE)
AE_COPY = ["AESEQ", "AETERM", "AELLT", "AELLTCD", "AEDECOD", "AEPTCD", "AEHLT", "AEHLTCD", "AEHLGT",
           "AEHLGTCD", "AEBODSYS", "AEBDSYCD", "AESOC", "AESOCCD", "AESEV", "AESER", "AEREL", "AEOUT",
           "AESTDTC", "AEENDTC"]
ADSL_COPY = ["SUBJID", "SITEID", "AGE", "SEX", "RACE", "TRT01A", "TRT01AN", "SAFFL", "A12FL", "LTCFL",
             "TRTSDT", "TRTEDT", "DCUTDT"]


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def cq_columns(params: StudyParams) -> str:
    """SELECT items for CQnnNAM: the query name when every listed variable has a listed value."""
    items = []
    for q in params.aesi:
        tests = " AND ".join(f"{var} IN ({', '.join(_quote(v) for v in values)})"
                             for var, values in q.match.items())
        items.append(f"CASE WHEN {tests} THEN {_quote(q.name)} END AS CQ{q.number:02d}NAM")
    return ",\n    ".join(items)


def build_sql(params: StudyParams) -> str:
    """The ADAE query; it reads the table QC_ADSL (the QC program's own ADSL)."""
    y = params.year_days
    w = params.iar_window
    return f"""
WITH
ae AS (
    SELECT a.STUDYID, a.USUBJID, {', '.join('a.' + c for c in AE_COPY)},
           {', '.join('s.' + c for c in ADSL_COPY)}, s.DTHDT,
           -- end date first (MT.ADAE.AENDT): last day of the missing period, capped at death / cut-off
           iso_sasday(a.AEENDTC) AS END_FULL,
           -- (DuckDB's least() skips NULLs, so an ongoing event is kept missing explicitly)
           CASE WHEN iso_last(a.AEENDTC) IS NOT NULL
                THEN least(iso_last(a.AEENDTC), s.DTHDT, s.DCUTDT) END AS AENDT,
           CASE WHEN regexp_full_match(a.AEENDTC, '\\d{{4}}') THEN 'M'
                WHEN regexp_full_match(a.AEENDTC, '\\d{{4}}-\\d{{2}}') THEN 'D' END AS AENDTF,
           -- start date (MT.ADAE.ASTDT): first day of the missing period, not before TRTSDT when
           -- the period holds TRTSDT
           iso_first(a.AESTDTC) AS ST_FIRST,
           iso_last(a.AESTDTC) AS ST_LAST,
           CASE WHEN regexp_full_match(a.AESTDTC, '\\d{{4}}') THEN 'M'
                WHEN regexp_full_match(a.AESTDTC, '\\d{{4}}-\\d{{2}}') THEN 'D' END AS ASTDTF
    FROM AE a JOIN QC_ADSL s ON a.USUBJID = s.USUBJID),
ae2 AS (
    SELECT *, CASE WHEN ST_FIRST IS NOT NULL THEN
           least(CASE WHEN ASTDTF IS NOT NULL AND TRTSDT BETWEEN ST_FIRST AND ST_LAST THEN TRTSDT
                      ELSE ST_FIRST END,
                 CASE WHEN ASTDTF IS NOT NULL THEN AENDT END) END AS ASTDT
    FROM ae),
inf AS (SELECT DISTINCT USUBJID, iso_sasday(EXSTDTC) AS D FROM EX WHERE EXTRT = 'ALEMTUZUMAB'),
crs AS (
    {' UNION ALL '.join(f"SELECT USUBJID, {n} AS N, CRS{n}SDT AS D FROM QC_ADSL" for n in range(1, 8))}),
ae3 AS (
    SELECT e.*,
           (SELECT max(c.N) FROM crs c WHERE c.USUBJID = e.USUBJID AND c.D <= e.ASTDT) AS ACRSN,
           e.ASTDT - (SELECT max(i.D) FROM inf i WHERE i.USUBJID = e.USUBJID AND i.D <= e.ASTDT) AS DSLINF,
           CASE WHEN e.TRTSDT IS NOT NULL AND (e.ASTDT >= e.TRTSDT OR e.ASTDT IS NULL) THEN 'Y' END AS TRTEMFL,
           CASE WHEN e.ASTDT >= e.TRTSDT
                THEN CAST(floor((e.ASTDT - e.TRTSDT) / {y}) AS INTEGER) + 1 END AS AYEAR0
    FROM ae2 e),
ae4 AS (            -- AYEAR by its defining inequality, guarding the floor above
    SELECT *, CASE WHEN AYEAR0 IS NOT NULL AND TRTSDT + {y} * (AYEAR0 - 1) <= ASTDT
                        AND ASTDT < TRTSDT + {y} * AYEAR0 THEN AYEAR0 END AS AYEAR
    FROM ae3),
occ AS (            -- MT.ADAE.AOCC / AOCCY: rank treatment-emergent AEs by ASTDT then AESEQ
    SELECT USUBJID, AESEQ,
      row_number() OVER (PARTITION BY USUBJID ORDER BY ASTDT NULLS LAST, AESEQ) AS R_S,
      row_number() OVER (PARTITION BY USUBJID, AEBODSYS ORDER BY ASTDT NULLS LAST, AESEQ) AS R_SOC,
      row_number() OVER (PARTITION BY USUBJID, AEBODSYS, AEDECOD ORDER BY ASTDT NULLS LAST, AESEQ) AS R_PT,
      row_number() OVER (PARTITION BY USUBJID, AYEAR ORDER BY ASTDT NULLS LAST, AESEQ) AS RY_S,
      row_number() OVER (PARTITION BY USUBJID, AYEAR, AEBODSYS ORDER BY ASTDT NULLS LAST, AESEQ) AS RY_SOC,
      row_number() OVER (PARTITION BY USUBJID, AYEAR, AEBODSYS, AEDECOD ORDER BY ASTDT NULLS LAST, AESEQ) AS RY_PT,
      AYEAR
    FROM ae4 WHERE TRTEMFL = 'Y')
SELECT
    e.STUDYID, e.USUBJID, {', '.join('e.' + c for c in ADSL_COPY)}, {', '.join('e.' + c for c in AE_COPY)},
    e.ASTDT, CASE WHEN e.ASTDT IS NOT NULL THEN e.ASTDTF END AS ASTDTF, e.AENDT, e.AENDTF,
    CASE WHEN e.ASTDT >= e.TRTSDT THEN e.ASTDT - e.TRTSDT + 1 ELSE e.ASTDT - e.TRTSDT END AS ASTDY,
    CASE WHEN e.AENDT >= e.TRTSDT THEN e.AENDT - e.TRTSDT + 1 ELSE e.AENDT - e.TRTSDT END AS AENDY,
    e.AENDT - e.ASTDT + 1 AS ADURN,
    CASE WHEN e.AENDT IS NOT NULL AND e.ASTDT IS NOT NULL THEN 'DAYS' END AS ADURU,
    e.TRTEMFL, e.AYEAR,
    CASE WHEN e.ASTDT >= e.TRTSDT THEN e.ACRSN END AS ACRSN,
    CASE WHEN e.ASTDT >= e.TRTSDT THEN e.DSLINF END AS DSLINF,
    CASE WHEN e.ASTDT >= e.TRTSDT AND e.DSLINF BETWEEN 0 AND {w} THEN 'Y' END AS IARFL,
    {cq_columns(params)},
    CASE WHEN e.AESEV = 'SEVERE' THEN 'Y' END AS ASEVFL,
    CASE WHEN e.AESER = 'Y' THEN 'Y' END AS ASERFL,
    CASE WHEN o.R_S = 1 THEN 'Y' END AS AOCCFL,
    CASE WHEN o.R_SOC = 1 THEN 'Y' END AS AOCCSFL,
    CASE WHEN o.R_PT = 1 THEN 'Y' END AS AOCCPFL,
    CASE WHEN o.AYEAR IS NOT NULL AND o.RY_S = 1 THEN 'Y' END AS AOCCYFL,
    CASE WHEN o.AYEAR IS NOT NULL AND o.RY_SOC = 1 THEN 'Y' END AS AOCSYFL,
    CASE WHEN o.AYEAR IS NOT NULL AND o.RY_PT = 1 THEN 'Y' END AS AOCPYFL
FROM ae4 e LEFT JOIN occ o ON o.USUBJID = e.USUBJID AND o.AESEQ = e.AESEQ
ORDER BY e.USUBJID, e.AESEQ
"""


def qc_adae(con: duckdb.DuckDBPyConnection, params: StudyParams) -> pd.DataFrame:
    """ADAE re-derived from AE and EX; ``con`` must hold the QC ADSL as table QC_ADSL."""
    return fetch(con, build_sql(params))
