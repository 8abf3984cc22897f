"""Dataset comparison for double programming (PROC COMPARE / diffdf for Python).

Library use (QC programs call this directly on DataFrames)::

    from adam.compare import compare_datasets, to_markdown
    result = compare_datasets(base, qc, keys=["USUBJID", "PARAMCD", "ADT"], abs_tol=1e-9)
    assert not result.has_differences, to_markdown(result)

Modules: engine (compare_datasets), align (record matching), values (value comparison),
readers (xpt, sas7bdat, csv, parquet, Dataset-JSON), paths (files and folders), result
(dataclasses), render (JSON, markdown, HTML, terminal).
"""

from adam.compare.engine import compare_datasets, split_keys
from adam.compare.paths import compare_paths
from adam.compare.readers import read_dataset
from adam.compare.render import print_summary, to_html, to_json, to_markdown
from adam.compare.result import CompareResult, ValueDiff

__all__ = [
    "CompareResult",
    "ValueDiff",
    "compare_datasets",
    "compare_paths",
    "print_summary",
    "read_dataset",
    "split_keys",
    "to_html",
    "to_json",
    "to_markdown",
]
