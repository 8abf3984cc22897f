"""The CDISC pilot study module (CDISCPILOT01): ADSL, ADAE and ADTTE from the pilot's real SDTM.

The datasets follow the pilot's ADaM define.xml (imported into specs/cdiscpilot; README.md
there lists what was left out and how ambiguous derivation texts were read). Each dataset
module defines ``DATASET`` and ``build(ctx)`` and registers its derivations on
:data:`REGISTRY` under the spec's method ids; importing the package collects the builders.
"""

from __future__ import annotations

from adam.datasets.cdiscpilot.registry import REGISTRY
from adam.datasets.discover import collect_builders

BUILDERS = collect_builders(__name__)

#: SDTM domains and variables the build reads; anything else is optional.
SDTM_REQUIREMENTS: dict[str, list[str]] = {
    "DM": ["STUDYID", "USUBJID", "SUBJID", "SITEID", "AGE", "AGEU", "SEX", "RACE", "ETHNIC",
           "ARMCD", "ARM", "ACTARM", "DTHFL", "RFSTDTC", "RFENDTC"],
    "DS": ["USUBJID", "DSSEQ", "DSCAT", "DSDECOD", "DSTERM", "DSSTDTC", "VISITNUM"],
    "EX": ["USUBJID", "EXSEQ", "EXSTDTC", "EXENDTC"],
    "SV": ["USUBJID", "VISITNUM", "SVSTDTC"],
    "MH": ["USUBJID", "MHSEQ", "MHCAT", "MHSTDTC"],
    "SC": ["USUBJID", "SCSEQ", "SCTESTCD", "SCSTRESN"],
    "AE": ["USUBJID", "AESEQ", "AETERM", "AELLT", "AELLTCD", "AEDECOD", "AEPTCD", "AEHLT",
           "AEHLTCD", "AEHLGT", "AEHLGTCD", "AEBODSYS", "AESOC", "AESOCCD", "AESEV", "AESER",
           "AESCAN", "AESCONG", "AESDISAB", "AESDTH", "AESHOSP", "AESLIFE", "AESOD", "AEREL",
           "AEACN", "AEOUT", "AESTDTC", "AEENDTC"],
}

__all__ = ["BUILDERS", "REGISTRY", "SDTM_REQUIREMENTS"]
