"""Validation of ADaM datasets: spec-generated pandera schemas, ADaM conformance rules,
cross-dataset rules, and the report.

    report = validate_datasets(spec, {"ADSL": adsl, "ADAE": adae})
    report.print_summary(); report.write("out/validation")
    if report.has_errors: ...
"""

from __future__ import annotations

from adam.validate.engine import normalize_frame, validate_datasets
from adam.validate.findings import Finding
from adam.validate.read import read_dataset_folder
from adam.validate.report import ValidationReport
from adam.validate.rules import all_rules
from adam.validate.schema import schema_for

__all__ = ["Finding", "ValidationReport", "all_rules", "normalize_frame", "read_dataset_folder",
           "schema_for", "validate_datasets"]
