"""QC program for ADTTE: time to 6-month CDW (CDW6), 6-month CDI (CDI6), CDW after CDI
(CDWACDI), loss of sustained NEDA (NEDALOSS) and first relapse (RLPS1), in SQL straight from
RS (EDSS), NV (MRI) and the QC ADRR relapses, written from MT.ADTTE.* and the ADEDSS/ADMRI
methods they refer to, independently of adam.datasets.

EDSS: one analysed value per subject and day (the mean of the day's assessments), complete
dates only; baseline = the QC ADSL BEDSS. A worsening onset (CHG >= 1.0, >= 1.5 when baseline
is 0) is confirmed by the first later assessment >= 175 days after it that meets the criterion
and is not within 30 days after a relapse onset, when no assessment in between fails the
criterion; the event is the subject's first confirmed onset. Improvement likewise
(CHG <= -1.0, baseline >= 2.0). SRCSEQ (an ADEDSS/ADMRI sequence number) is not re-derived.

CDW after CDI: for the subject's first confirmed improvement (the CDI), a new reference = the
EDSS on the CDI onset day (or on its confirmation day, cdw_after_cdi.reference); from the CDI
confirmation (or onset, cdw_after_cdi.start) on, the assessments strictly after that date are
tested for a worsening of >= 1.0 over the new reference (>= 1.5 when it is 0), confirmed as
above among those assessments only.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from validation.params import StudyParams
from validation.sdtm import fetch

KEYS = ["STUDYID", "USUBJID", "PARAMCD"]
REQUIRED_DOMAINS = ["RS", "NV"]


def build_sql(params: StudyParams) -> str:
    """The ADTTE query; it reads the QC ADSL and ADRR as tables QC_ADSL and QC_ADRR."""
    a = params.raw
    L = params.year_days
    last_day = int(round(L * int(a.get("analysis_years", 12)))) - 1  # TRTSDT + 4382
    cdw, cdi = a.get("cdw", {}), a.get("cdi", {})
    w_thr, w_thr0 = float(cdw.get("threshold", 1.0)), float(cdw.get("threshold_if_base_zero", 1.5))
    w_gap = int(cdw.get("confirm_days", 182)) - int(cdw.get("tolerance_days", 7))
    w_rel = int(cdw.get("relapse_exclusion_days", 30))
    i_thr, i_min = float(cdi.get("threshold", 1.0)), float(cdi.get("min_base", 2.0))
    i_gap = int(cdi.get("confirm_days", 182)) - int(cdi.get("tolerance_days", 7))
    i_rel = int(cdi.get("relapse_exclusion_days", 30))
    edss_cd = (a.get("sdtm") or {}).get("edss_testcd", "EDSS0101")
    post = a.get("cdw_after_cdi", {})
    p_start = {"cdi_confirmation": "CFDT", "cdi_onset": "ONSET"}[post.get("start", "cdi_confirmation")]
    p_ref = {"cdi_onset_value": "ONVAL", "cdi_confirmation_value": "CFVAL"}[post.get("reference", "cdi_onset_value")]
    p_thr, p_thr0 = float(post.get("threshold", 1.0)), float(post.get("threshold_if_reference_zero", 1.5))
    p_gap = int(post.get("confirm_days", 182)) - int(post.get("tolerance_days", 7))
    p_rel = int(post.get("relapse_exclusion_days", 30))
    return f"""
WITH
subj AS (
    SELECT STUDYID, USUBJID, SUBJID, SITEID, TRT01A, A12FL, LTCFL, DISCGRFL, TRTSDT, EXT1SDT, BEDSS,
           TRTSDT + {last_day} AS Y12END,
           least(coalesce(EOSDT, LSTALVDT), coalesce(DCUTDT, coalesce(EOSDT, LSTALVDT)),
                 coalesce(DTHDT, coalesce(EOSDT, LSTALVDT))) AS EOFU,
           CASE WHEN EOSDT IS NOT NULL AND EOSDT <= coalesce(DCUTDT, EOSDT) AND EOSDT <= coalesce(DTHDT, EOSDT)
                THEN 'EOSDT'
                WHEN EOSDT IS NULL AND LSTALVDT <= coalesce(DCUTDT, LSTALVDT) AND LSTALVDT <= coalesce(DTHDT, LSTALVDT)
                THEN 'LSTALVDT'
                WHEN DCUTDT <= coalesce(DTHDT, DCUTDT) THEN 'DCUTDT' ELSE 'DTHDT' END AS EOFUVAR
    FROM QC_ADSL WHERE TRTSDT IS NOT NULL),
onsets AS (SELECT USUBJID, ADT FROM QC_ADRR WHERE PARAMCD = 'RELAPSE' AND ADT IS NOT NULL),
edss AS (            -- one analysed value per day after first dose
    SELECT r.USUBJID, iso_sasday(r.RSDTC) AS ADT, avg(r.RSSTRESN) AS AVAL
    FROM RS r JOIN subj s ON s.USUBJID = r.USUBJID
    WHERE r.RSTESTCD = '{edss_cd}' AND r.RSSTRESN IS NOT NULL AND iso_sasday(r.RSDTC) > s.TRTSDT
    GROUP BY r.USUBJID, iso_sasday(r.RSDTC)),
edss2 AS (
    SELECT e.*, s.BEDSS AS BASE, e.AVAL - s.BEDSS AS CHG,
           CASE WHEN s.BEDSS IS NULL THEN NULL
                WHEN e.AVAL - s.BEDSS >= CASE WHEN s.BEDSS = 0 THEN {w_thr0} ELSE {w_thr} END THEN 'Y'
                ELSE 'N' END AS W,
           CASE WHEN s.BEDSS IS NULL OR s.BEDSS < {i_min} THEN NULL
                WHEN e.AVAL - s.BEDSS <= -{i_thr} THEN 'Y' ELSE 'N' END AS I,
           EXISTS (SELECT 1 FROM onsets o WHERE o.USUBJID = e.USUBJID AND e.ADT - o.ADT BETWEEN 0 AND {w_rel}) AS WEXCL,
           EXISTS (SELECT 1 FROM onsets o WHERE o.USUBJID = e.USUBJID AND e.ADT - o.ADT BETWEEN 0 AND {i_rel}) AS IEXCL
    FROM edss e JOIN subj s ON s.USUBJID = e.USUBJID),
wconf AS (           -- confirmed worsening onsets
    SELECT o.USUBJID, o.ADT FROM edss2 o
    WHERE o.W = 'Y' AND
      (SELECT min(c.ADT) FROM edss2 c WHERE c.USUBJID = o.USUBJID AND c.ADT - o.ADT >= {w_gap}
         AND c.W = 'Y' AND NOT c.WEXCL)
      < coalesce((SELECT min(f.ADT) FROM edss2 f WHERE f.USUBJID = o.USUBJID AND f.ADT > o.ADT AND f.W = 'N'),
                 1e9)),
iconf AS (           -- confirmed improvement onsets
    SELECT o.USUBJID, o.ADT FROM edss2 o
    WHERE o.I = 'Y' AND
      (SELECT min(c.ADT) FROM edss2 c WHERE c.USUBJID = o.USUBJID AND c.ADT - o.ADT >= {i_gap}
         AND c.I = 'Y' AND NOT c.IEXCL)
      < coalesce((SELECT min(f.ADT) FROM edss2 f WHERE f.USUBJID = o.USUBJID AND f.ADT > o.ADT AND f.I = 'N'),
                 1e9)),
icdt AS (            -- confirmed improvement onsets with their confirmation date
    SELECT o.USUBJID, o.ADT, e.AVAL,
           (SELECT min(c.ADT) FROM edss2 c WHERE c.USUBJID = o.USUBJID AND c.ADT - o.ADT >= {i_gap}
              AND c.I = 'Y' AND NOT c.IEXCL) AS CFDT
    FROM iconf o JOIN edss e ON e.USUBJID = o.USUBJID AND e.ADT = o.ADT),
cdiv AS (            -- the CDI: first confirmed improvement; new reference and post-CDI start
    SELECT d.USUBJID, d.ADT AS ONSET, d.CFDT, d.AVAL AS ONVAL, c.AVAL AS CFVAL
    FROM icdt d JOIN edss c ON c.USUBJID = d.USUBJID AND c.ADT = d.CFDT
    WHERE d.ADT = (SELECT min(x.ADT) FROM icdt x WHERE x.USUBJID = d.USUBJID)),
pcdi AS (            -- assessments after the post-CDI start, against the new reference
    SELECT e.USUBJID, e.ADT,
           CASE WHEN e.AVAL - v.{p_ref} >= CASE WHEN v.{p_ref} = 0 THEN {p_thr0} ELSE {p_thr} END
                THEN 'Y' ELSE 'N' END AS W,
           EXISTS (SELECT 1 FROM onsets o WHERE o.USUBJID = e.USUBJID AND e.ADT - o.ADT BETWEEN 0 AND {p_rel}) AS WEXCL
    FROM edss e JOIN cdiv v ON v.USUBJID = e.USUBJID AND e.ADT > v.{p_start}),
pconf AS (           -- confirmed worsening onsets after the CDI
    SELECT o.USUBJID, o.ADT FROM pcdi o
    WHERE o.W = 'Y' AND
      (SELECT min(c.ADT) FROM pcdi c WHERE c.USUBJID = o.USUBJID AND c.ADT - o.ADT >= {p_gap}
         AND c.W = 'Y' AND NOT c.WEXCL)
      < coalesce((SELECT min(f.ADT) FROM pcdi f WHERE f.USUBJID = o.USUBJID AND f.ADT > o.ADT AND f.W = 'N'),
                 1e9)),
wevent AS (SELECT USUBJID, min(ADT) AS ADT FROM wconf GROUP BY USUBJID),
ievent AS (SELECT USUBJID, min(ADT) AS ADT FROM iconf GROUP BY USUBJID),
lastedss AS (SELECT e.USUBJID, max(e.ADT) AS ADT FROM edss e JOIN subj s USING (USUBJID)
             WHERE e.ADT <= s.Y12END GROUP BY e.USUBJID),
mri AS (             -- per scan: activity when a Gd+ or new/enlarging T2 count is > 0
    SELECT USUBJID, iso_sasday(NVDTC) AS ADT,
           max(CASE WHEN NVTESTCD IN ('NGDT1LES', 'NT2LES') AND NVSTRESN > 0 THEN 1 ELSE 0 END) AS ACT
    FROM NV WHERE NVTESTCD IN ('NGDT1LES', 'NT2LES') AND NVSTRESN IS NOT NULL AND iso_sasday(NVDTC) IS NOT NULL
    GROUP BY USUBJID, iso_sasday(NVDTC)),
-- one candidate row per (parameter, subject): event date and description, censoring date and description
cdw6 AS (
    SELECT s.*, 'CDW6' AS PARAMCD, s.TRTSDT AS STARTDT,
           CASE WHEN w.ADT <= s.Y12END THEN w.ADT END AS EVDT, '6-MONTH CDW' AS EVDESC, 'ADEDSS' AS EVDOM,
           coalesce(l.ADT, s.TRTSDT) AS CNDT,
           CASE WHEN l.ADT IS NULL THEN 'NO POST-BASELINE EDSS ASSESSMENT' ELSE 'LAST EDSS ASSESSMENT' END AS CNDESC,
           CASE WHEN l.ADT IS NULL THEN 'ADSL' ELSE 'ADEDSS' END AS CNDOM,
           CASE WHEN l.ADT IS NULL THEN 'TRTSDT' ELSE 'ADT' END AS CNVAR
    FROM subj s LEFT JOIN wevent w USING (USUBJID) LEFT JOIN lastedss l USING (USUBJID)),
cdi6 AS (
    SELECT s.*, 'CDI6' AS PARAMCD, s.TRTSDT AS STARTDT,
           CASE WHEN i.ADT <= s.Y12END THEN i.ADT END AS EVDT, '6-MONTH CDI' AS EVDESC, 'ADEDSS' AS EVDOM,
           coalesce(l.ADT, s.TRTSDT) AS CNDT,
           CASE WHEN l.ADT IS NULL THEN 'NO POST-BASELINE EDSS ASSESSMENT' ELSE 'LAST EDSS ASSESSMENT' END AS CNDESC,
           CASE WHEN l.ADT IS NULL THEN 'ADSL' ELSE 'ADEDSS' END AS CNDOM,
           CASE WHEN l.ADT IS NULL THEN 'TRTSDT' ELSE 'ADT' END AS CNVAR
    FROM subj s LEFT JOIN ievent i USING (USUBJID) LEFT JOIN lastedss l USING (USUBJID)
    WHERE s.BEDSS >= {i_min}),
cdwacdi AS (
    SELECT s.*, 'CDWACDI' AS PARAMCD, v.{p_start} AS STARTDT,
           (SELECT min(p.ADT) FROM pconf p WHERE p.USUBJID = s.USUBJID AND p.ADT <= s.Y12END) AS EVDT,
           '6-MONTH CDW AFTER CDI' AS EVDESC, 'ADEDSS' AS EVDOM,
           coalesce(l.ADT, v.{p_start}) AS CNDT, 'LAST EDSS ASSESSMENT' AS CNDESC, 'ADEDSS' AS CNDOM, 'ADT' AS CNVAR
    FROM subj s JOIN cdiv v USING (USUBJID) LEFT JOIN lastedss l USING (USUBJID)
    WHERE v.ONSET <= s.Y12END AND v.{p_start} <= s.Y12END),
rlps1 AS (
    SELECT s.*, 'RLPS1' AS PARAMCD, s.TRTSDT AS STARTDT,
           (SELECT min(r.ADT) FROM QC_ADRR r WHERE r.USUBJID = s.USUBJID AND r.PARAMCD = 'RELAPSE'
              AND r.ANL01FL = 'Y') AS EVDT, 'RELAPSE' AS EVDESC, 'ADRR' AS EVDOM,
           least(s.EOFU, s.Y12END) AS CNDT,
           CASE WHEN s.EOFU <= s.Y12END THEN 'END OF FOLLOW-UP' ELSE 'END OF YEAR 12' END AS CNDESC,
           CASE WHEN s.EOFU <= s.Y12END THEN 'ADSL' END AS CNDOM,
           CASE WHEN s.EOFU <= s.Y12END THEN s.EOFUVAR END AS CNVAR
    FROM subj s),
neda_ev AS (         -- events on or after extension entry, in tie order relapse, CDW, MRI
    SELECT s.USUBJID, r.ADT, 1 AS PRI, 'RELAPSE' AS DESCR, 'ADRR' AS DOM FROM subj s
      JOIN QC_ADRR r ON r.USUBJID = s.USUBJID AND r.PARAMCD = 'RELAPSE' AND r.ANL01FL = 'Y' AND r.ADT >= s.EXT1SDT
    UNION ALL
    SELECT s.USUBJID, w.ADT, 2, '6-MONTH CDW', 'ADEDSS' FROM subj s JOIN wevent w USING (USUBJID)
      WHERE w.ADT >= s.EXT1SDT
    UNION ALL
    SELECT s.USUBJID, m.ADT, 3, 'MRI ACTIVITY', 'ADMRI' FROM subj s JOIN mri m USING (USUBJID)
      WHERE m.ACT = 1 AND m.ADT > s.EXT1SDT),
neda_first AS (
    SELECT e.USUBJID, arg_min(e.ADT, [e.ADT, e.PRI]) AS ADT, arg_min(e.DESCR, [e.ADT, e.PRI]) AS DESCR,
           arg_min(e.DOM, [e.ADT, e.PRI]) AS DOM
    FROM neda_ev e JOIN subj s USING (USUBJID) WHERE e.ADT <= s.Y12END GROUP BY e.USUBJID),
neda_last AS (
    SELECT s.USUBJID, max(x.ADT) AS ADT, arg_max(x.DOM, [x.ADT, x.P]) AS DOM FROM subj s JOIN (
        -- an EDSS assessment and a scan on the same last day: the scan is named as the source
        SELECT USUBJID, ADT, 'ADEDSS' AS DOM, 0 AS P FROM edss UNION ALL SELECT USUBJID, ADT, 'ADMRI', 1 FROM mri) x
      ON x.USUBJID = s.USUBJID AND x.ADT >= s.EXT1SDT GROUP BY s.USUBJID),
nedaloss AS (
    SELECT s.*, 'NEDALOSS' AS PARAMCD, s.EXT1SDT AS STARTDT, f.ADT AS EVDT, f.DESCR AS EVDESC, f.DOM AS EVDOM,
           CASE WHEN l.ADT IS NULL THEN s.EXT1SDT ELSE least(l.ADT, s.Y12END) END AS CNDT,
           CASE WHEN l.ADT IS NULL THEN 'LAST ASSESSMENT' WHEN l.ADT <= s.Y12END THEN 'LAST ASSESSMENT'
                ELSE 'END OF YEAR 12' END AS CNDESC,
           CASE WHEN l.ADT <= s.Y12END THEN l.DOM END AS CNDOM,
           CASE WHEN l.ADT <= s.Y12END THEN 'ADT' END AS CNVAR
    FROM subj s LEFT JOIN neda_first f USING (USUBJID) LEFT JOIN neda_last l USING (USUBJID)
    WHERE s.LTCFL = 'Y' AND s.EXT1SDT IS NOT NULL),
allp AS (
    SELECT * FROM cdw6 UNION ALL BY NAME SELECT * FROM cdi6 UNION ALL BY NAME SELECT * FROM cdwacdi
    UNION ALL BY NAME SELECT * FROM nedaloss UNION ALL BY NAME SELECT * FROM rlps1),
decided AS (
    SELECT *, CASE WHEN EVDT IS NOT NULL AND EVDT >= STARTDT THEN 0 ELSE 1 END AS CNSR FROM allp),
param(CD, NAME) AS (VALUES ('CDW6', 'Time to 6-Month CDW (Days)'), ('CDI6', 'Time to 6-Month CDI (Days)'),
    ('CDWACDI', 'Time from CDI to First 6-Month CDW (Days)'), ('NEDALOSS', 'Time to Loss of Sustained NEDA (Days)'),
    ('RLPS1', 'Time to First Relapse (Days)'))
SELECT d.STUDYID, d.USUBJID, d.SUBJID, d.SITEID, d.TRT01A, d.A12FL, d.LTCFL, d.DISCGRFL, d.TRTSDT, d.EXT1SDT,
       d.BEDSS, d.PARAMCD, p.NAME AS PARAM, d.STARTDT,
       CASE WHEN d.CNSR = 0 THEN d.EVDT ELSE d.CNDT END AS ADT,
       (CASE WHEN d.CNSR = 0 THEN d.EVDT ELSE d.CNDT END) - d.STARTDT + 1 AS AVAL,
       ((CASE WHEN d.CNSR = 0 THEN d.EVDT ELSE d.CNDT END) - d.STARTDT + 1) / {L} AS AVALYR,
       d.CNSR,
       CASE WHEN d.CNSR = 0 THEN d.EVDESC ELSE d.CNDESC END AS EVNTDESC,
       CASE WHEN d.CNSR = 1 THEN d.CNDESC END AS CNSDTDSC,
       CASE WHEN d.CNSR = 0 THEN d.EVDOM ELSE d.CNDOM END AS SRCDOM,
       CASE WHEN d.CNSR = 0 THEN 'ADT' ELSE d.CNVAR END AS SRCVAR
FROM decided d JOIN param p ON p.CD = d.PARAMCD
ORDER BY d.USUBJID, d.PARAMCD
"""


def qc_adtte(con: duckdb.DuckDBPyConnection, params: StudyParams) -> pd.DataFrame:
    """ADTTE re-derived; ``con`` must hold the QC ADSL and ADRR as tables QC_ADSL and QC_ADRR."""
    return fetch(con, build_sql(params))
