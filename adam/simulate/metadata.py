"""Dataset and variable metadata (labels, types, lengths) of the simulated SDTM datasets."""

from __future__ import annotations

import numpy as np
import pandas as pd

from adam.export.columns import ColumnMeta, DatasetMeta

DATASET_LABELS = {
    "DM": "Demographics", "DS": "Disposition", "EX": "Exposure", "SUPPEX": "Supplemental Qualifiers for EX",
    "AE": "Adverse Events", "CM": "Concomitant/Prior Medications", "CE": "Clinical Events", "MH": "Medical History",
    "RS": "Disease Response and Clin Classification", "NV": "Nervous System Findings", "SV": "Subject Visits",
    "SE": "Subject Elements", "TA": "Trial Arms", "TE": "Trial Elements", "TS": "Trial Summary",
}
KEYS = {
    "DM": ("STUDYID", "USUBJID"), "DS": ("STUDYID", "USUBJID", "DSSEQ"), "EX": ("STUDYID", "USUBJID", "EXSEQ"),
    "SUPPEX": ("STUDYID", "RDOMAIN", "USUBJID", "IDVAR", "IDVARVAL", "QNAM"), "AE": ("STUDYID", "USUBJID", "AESEQ"),
    "CM": ("STUDYID", "USUBJID", "CMSEQ"), "CE": ("STUDYID", "USUBJID", "CESEQ"), "MH": ("STUDYID", "USUBJID", "MHSEQ"),
    "RS": ("STUDYID", "USUBJID", "RSSEQ"), "NV": ("STUDYID", "USUBJID", "NVSEQ"), "SV": ("STUDYID", "USUBJID", "VISITNUM"),
    "SE": ("STUDYID", "USUBJID", "SESEQ"), "TA": ("STUDYID", "ARMCD", "TAETORD"), "TE": ("STUDYID", "ETCD"),
    "TS": ("STUDYID", "TSPARMCD", "TSSEQ"),
}
_LABELS = {
    "STUDYID": "Study Identifier", "DOMAIN": "Domain Abbreviation", "USUBJID": "Unique Subject Identifier",
    "SUBJID": "Subject Identifier for the Study", "RFSTDTC": "Subject Reference Start Date/Time",
    "RFENDTC": "Subject Reference End Date/Time", "RFXSTDTC": "Date/Time of First Study Treatment",
    "RFXENDTC": "Date/Time of Last Study Treatment", "RFICDTC": "Date/Time of Informed Consent",
    "RFPENDTC": "Date/Time of End of Participation", "DTHDTC": "Date/Time of Death", "DTHFL": "Subject Death Flag",
    "SITEID": "Study Site Identifier", "AGE": "Age", "AGEU": "Age Units", "SEX": "Sex", "RACE": "Race",
    "ETHNIC": "Ethnicity", "ARMCD": "Planned Arm Code", "ARM": "Description of Planned Arm",
    "ACTARMCD": "Actual Arm Code", "ACTARM": "Description of Actual Arm",
    "ARMNRS": "Reason Arm and/or Actual Arm is Null", "ACTARMUD": "Description of Unplanned Actual Arm",
    "COUNTRY": "Country", "DMDTC": "Date/Time of Collection", "DMDY": "Study Day of Collection",
    "EPOCH": "Epoch", "VISITNUM": "Visit Number", "VISIT": "Visit Name", "VISITDY": "Planned Study Day of Visit",
    "DSTERM": "Reported Term for the Disposition Event", "DSDECOD": "Standardized Disposition Term",
    "DSCAT": "Category for Disposition Event", "DSSCAT": "Subcategory for Disposition Event",
    "DSDTC": "Date/Time of Collection", "DSSTDTC": "Start Date/Time of Disposition Event",
    "DSSTDY": "Study Day of Start of Disposition Event",
    "EXGRPID": "Group ID", "EXTRT": "Name of Treatment", "EXDOSE": "Dose", "EXDOSU": "Dose Units",
    "EXDOSFRM": "Dose Form", "EXDOSFRQ": "Dosing Frequency per Interval", "EXROUTE": "Route of Administration",
    "EXSTDTC": "Start Date/Time of Treatment", "EXENDTC": "End Date/Time of Treatment",
    "EXSTDY": "Study Day of Start of Treatment", "EXENDY": "Study Day of End of Treatment",
    "RDOMAIN": "Related Domain Abbreviation", "IDVAR": "Identifying Variable", "IDVARVAL": "Identifying Variable Value",
    "QNAM": "Qualifier Variable Name", "QLABEL": "Qualifier Variable Label", "QVAL": "Data Value", "QORIG": "Origin",
    "QEVAL": "Evaluator",
    "AETERM": "Reported Term for the Adverse Event", "AELLT": "Lowest Level Term", "AELLTCD": "Lowest Level Term Code",
    "AEDECOD": "Dictionary-Derived Term", "AEPTCD": "Preferred Term Code", "AEHLT": "High Level Term",
    "AEHLTCD": "High Level Term Code", "AEHLGT": "High Level Group Term", "AEHLGTCD": "High Level Group Term Code",
    "AEBODSYS": "Body System or Organ Class", "AEBDSYCD": "Body System or Organ Class Code",
    "AESOC": "Primary System Organ Class", "AESOCCD": "Primary System Organ Class Code", "AESEV": "Severity/Intensity",
    "AESER": "Serious Event", "AEACN": "Action Taken with Study Treatment", "AEREL": "Causality",
    "AEOUT": "Outcome of Adverse Event", "AESCONG": "Congenital Anomaly or Birth Defect",
    "AESDISAB": "Persist or Signif Disability/Incapacity", "AESDTH": "Results in Death",
    "AESHOSP": "Requires or Prolongs Hospitalization", "AESLIFE": "Is Life Threatening",
    "AESMIE": "Other Medically Important Serious Event", "AETOXGR": "Standard Toxicity Grade",
    "AESTDTC": "Start Date/Time of Adverse Event", "AEENDTC": "End Date/Time of Adverse Event",
    "AESTDY": "Study Day of Start of Adverse Event", "AEENDY": "Study Day of End of Adverse Event",
    "AEENRTPT": "End Relative to Reference Time Point", "AEENTPT": "End Reference Time Point",
    "CMTRT": "Reported Name of Drug, Med, or Therapy", "CMDECOD": "Standardized Medication Name",
    "CMCAT": "Category for Medication", "CMINDC": "Indication", "CMDOSE": "Dose per Administration",
    "CMDOSU": "Dose Units", "CMDOSFRQ": "Dosing Frequency per Interval", "CMROUTE": "Route of Administration",
    "CMSTDTC": "Start Date/Time of Medication", "CMENDTC": "End Date/Time of Medication",
    "CMSTDY": "Study Day of Start of Medication", "CMENDY": "Study Day of End of Medication",
    "CMENRTPT": "End Relative to Reference Time Point", "CMENTPT": "End Reference Time Point",
    "CETERM": "Reported Term for the Clinical Event", "CEDECOD": "Dictionary-Derived Term",
    "CECAT": "Category for Clinical Event", "CESEV": "Severity/Intensity",
    "CESTDTC": "Start Date/Time of Clinical Event", "CEENDTC": "End Date/Time of Clinical Event",
    "CESTDY": "Study Day of Start of Clinical Event", "CEENDY": "Study Day of End of Clinical Event",
    "MHTERM": "Reported Term for the Medical History", "MHDECOD": "Dictionary-Derived Term",
    "MHCAT": "Category for Medical History", "MHBODSYS": "Body System or Organ Class",
    "MHDTC": "Date/Time of History Collection", "MHSTDTC": "Start Date/Time of Medical History Event",
    "MHDY": "Study Day of History Collection", "MHENRTPT": "End Relative to Reference Time Point",
    "MHENTPT": "End Reference Time Point",
    "RSTESTCD": "Assessment Short Name", "RSTEST": "Assessment Name", "RSCAT": "Category for Assessment",
    "RSORRES": "Result or Finding in Original Units", "RSSTRESC": "Character Result/Finding in Std Format",
    "RSSTRESN": "Numeric Result/Finding in Standard Units", "RSLOBXFL": "Last Observation Before Exposure Flag",
    "RSDTC": "Date/Time of Assessment", "RSDY": "Study Day of Assessment",
    "NVTESTCD": "Short Name of Nervous System Test", "NVTEST": "Name of Nervous System Test",
    "NVCAT": "Category for Nervous System Test", "NVORRES": "Result or Finding in Original Units",
    "NVSTRESC": "Character Result/Finding in Std Format", "NVSTRESN": "Numeric Result/Finding in Standard Units",
    "NVLOC": "Location Used for the Measurement", "NVMETHOD": "Method of Test or Examination",
    "NVDTC": "Date/Time of Collection", "NVDY": "Study Day of Collection",
    "SVSTDTC": "Start Date/Time of Visit", "SVENDTC": "End Date/Time of Visit", "SVSTDY": "Study Day of Start of Visit",
    "SVENDY": "Study Day of End of Visit", "SVUPDES": "Description of Unplanned Visit",
    "ETCD": "Element Code", "ELEMENT": "Description of Element", "TAETORD": "Planned Order of Element within Arm",
    "SESTDTC": "Start Date/Time of Element", "SEENDTC": "End Date/Time of Element",
    "SESTDY": "Study Day of Start of Element", "SEENDY": "Study Day of End of Element",
    "SEUPDES": "Description of Unplanned Element", "TABRANCH": "Branch", "TATRANS": "Transition Rule",
    "TESTRL": "Rule for Start of Element", "TEENRL": "Rule for End of Element", "TEDUR": "Planned Duration of Element",
    "TSSEQ": "Sequence Number", "TSGRPID": "Group ID", "TSPARMCD": "Trial Summary Parameter Short Name",
    "TSPARM": "Trial Summary Parameter", "TSVAL": "Parameter Value", "TSVALNF": "Parameter Null Flavor",
}
_INTEGER_SUFFIXES = ("SEQ", "DY", "CD")


def label(name: str) -> str:
    """The SDTM label of a variable (``--SEQ`` labels are shared)."""
    if name in _LABELS:
        return _LABELS[name]
    if name.endswith("SEQ"):
        return "Sequence Number"
    raise KeyError(f"no label for variable {name}")


def dataset_meta(name: str, df: pd.DataFrame) -> DatasetMeta:
    """Metadata of one simulated dataset; character lengths are the longest value (at least 1)."""
    cols = []
    for col in df.columns:
        s = df[col]
        if pd.api.types.is_numeric_dtype(s.dtype):
            vals = s.to_numpy(dtype=float)
            whole = np.all(np.isnan(vals) | (vals == np.round(vals)))
            is_int = whole and (col.endswith(_INTEGER_SUFFIXES) or col in ("AGE", "VISITDY", "TAETORD"))
            cols.append(ColumnMeta(col, label(col), "integer" if is_int else "float", 8))
        else:
            length = int(s.str.len().max()) if len(s) else 1
            cols.append(ColumnMeta(col, label(col), "text", max(1, length)))
    return DatasetMeta(name=name, label=DATASET_LABELS[name], columns=tuple(cols), keys=KEYS[name])
