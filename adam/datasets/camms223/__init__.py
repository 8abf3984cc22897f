"""The CAMMS223 study module: ADSL, ADAE and the efficacy datasets of the 12-year analysis.

Each dataset module of this package defines ``DATASET`` (its name) and ``build(ctx)``, and
registers its derivations on :data:`REGISTRY` under the spec's method ids. Importing the package
collects them into ``BUILDERS`` for the engine (see :mod:`adam.engine`).
"""

from __future__ import annotations

from adam.datasets.camms223.registry import REGISTRY
from adam.datasets.discover import collect_builders

BUILDERS = collect_builders(__name__)

#: SDTM domains and variables the build reads; anything else is optional.
SDTM_REQUIREMENTS: dict[str, list[str]] = {
    "DM": ["STUDYID", "USUBJID", "SUBJID", "SITEID", "AGE", "AGEU", "SEX", "RACE", "ARMCD", "ARM",
           "ACTARMCD", "ACTARM", "COUNTRY"],
    "DS": ["USUBJID", "DSSEQ", "DSCAT", "DSDECOD", "DSTERM", "DSSTDTC", "EPOCH"],
    "EX": ["USUBJID", "EXSEQ", "EXTRT", "EXDOSE", "EXSTDTC", "EXENDTC", "EXGRPID"],
    "AE": ["USUBJID", "AESEQ", "AETERM", "AEDECOD", "AEBODSYS", "AESEV", "AESER", "AESTDTC",
           "AEENDTC"],
    "RS": ["USUBJID", "RSSEQ", "RSTESTCD", "RSSTRESN", "RSDTC", "VISIT", "VISITNUM"],
    "CE": ["USUBJID", "CESEQ", "CEDECOD", "CESTDTC", "CESEV"],
    "NV": ["USUBJID", "NVSEQ", "NVTESTCD", "NVSTRESN", "NVDTC", "VISIT", "VISITNUM"],
    "MH": ["USUBJID", "MHSEQ", "MHDECOD", "MHSTDTC"],
    "CM": ["USUBJID", "CMSEQ", "CMCAT", "CMSTDTC"],
    "TS": ["TSPARMCD", "TSVAL"],
}

__all__ = ["BUILDERS", "REGISTRY", "SDTM_REQUIREMENTS"]
