"""The outcome of comparing two datasets: plain dataclasses, easy to test and to serialise.

Every list is in a fixed order (variables in base order, records in key order) so that the
same inputs always give the same report bytes.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class AttributeDiff:
    """A dataset-level attribute (label, number of records) that differs."""

    attribute: str
    base: Any
    compare: Any


@dataclass(frozen=True)
class VariableAttributeDiff:
    """A variable present on both sides whose type, length, label or format differs."""

    variable: str
    attribute: str  # "type", "length", "label" or "format"
    base: Any
    compare: Any


@dataclass(frozen=True)
class RecordExample:
    """One record identified by its key values and its 1-based row numbers in each file."""

    key: dict[str, Any]
    base_row: int | None = None
    compare_row: int | None = None
    count: int | None = None  # for duplicate keys: how many records share the key


@dataclass
class RecordsOnlyIn:
    """Records whose key is found on one side only."""

    side: str  # "base" or "compare"
    count: int
    examples: list[RecordExample] = field(default_factory=list)


@dataclass
class DuplicateKeys:
    """Key values that identify more than one record on one side."""

    side: str
    n_keys: int  # distinct key values that are duplicated
    n_records: int  # records carrying one of them
    examples: list[RecordExample] = field(default_factory=list)


@dataclass(frozen=True)
class ValueExample:
    """One differing value, side by side, with the record's key."""

    key: dict[str, Any]
    base_row: int
    compare_row: int
    base: Any
    compare: Any
    diff: float | None = None  # compare - base, numeric variables only


@dataclass
class ValueDiff:
    """The values of one variable that differ between matched records."""

    variable: str
    kind: str  # "num" or "char"
    n_diff: int
    n_compared: int
    max_abs_diff: float | None = None
    examples: list[ValueExample] = field(default_factory=list)


@dataclass
class CompareResult:
    """Everything found when comparing one base dataset with one compare dataset.

    ``status`` is "compared", or "only in base" / "only in compare" for a dataset that one
    folder lacks (then only the names and paths are filled in).
    """

    name: str
    base_path: str | None = None
    compare_path: str | None = None
    status: str = "compared"
    keys: list[str] = field(default_factory=list)
    matched_by: str = "keys"  # "keys" or "row order"
    base_label: str | None = None
    compare_label: str | None = None
    base_nobs: int = 0
    compare_nobs: int = 0
    base_nvars: int = 0
    compare_nvars: int = 0
    n_matched: int = 0
    n_vars_compared: int = 0
    options: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    attribute_diffs: list[AttributeDiff] = field(default_factory=list)
    vars_only_in_base: list[str] = field(default_factory=list)
    vars_only_in_compare: list[str] = field(default_factory=list)
    variable_diffs: list[VariableAttributeDiff] = field(default_factory=list)
    records_only_in_base: RecordsOnlyIn | None = None
    records_only_in_compare: RecordsOnlyIn | None = None
    duplicate_keys: list[DuplicateKeys] = field(default_factory=list)
    value_diffs: list[ValueDiff] = field(default_factory=list)

    @property
    def n_records_only_in_base(self) -> int:
        return self.records_only_in_base.count if self.records_only_in_base else 0

    @property
    def n_records_only_in_compare(self) -> int:
        return self.records_only_in_compare.count if self.records_only_in_compare else 0

    @property
    def n_value_diffs(self) -> int:
        """Number of differing values over all variables."""
        return sum(v.n_diff for v in self.value_diffs)

    @property
    def has_differences(self) -> bool:
        """True when anything at all differs (the CLI then exits with code 1)."""
        return bool(
            self.status != "compared"
            or self.attribute_diffs
            or self.vars_only_in_base
            or self.vars_only_in_compare
            or self.variable_diffs
            or self.n_records_only_in_base
            or self.n_records_only_in_compare
            or self.duplicate_keys
            or self.value_diffs
        )

    def diff_for(self, variable: str) -> ValueDiff | None:
        """The value differences of one variable, or None when its values all agree."""
        for v in self.value_diffs:
            if v.variable == variable:
                return v
        return None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary (counts included, so readers need not recompute them)."""
        out = asdict(self)
        out["has_differences"] = self.has_differences
        out["summary"] = {
            "attribute_diffs": len(self.attribute_diffs),
            "vars_only_in_base": len(self.vars_only_in_base),
            "vars_only_in_compare": len(self.vars_only_in_compare),
            "variable_attribute_diffs": len(self.variable_diffs),
            "records_only_in_base": self.n_records_only_in_base,
            "records_only_in_compare": self.n_records_only_in_compare,
            "duplicate_key_values": sum(d.n_keys for d in self.duplicate_keys),
            "variables_with_value_diffs": len(self.value_diffs),
            "value_diffs": self.n_value_diffs,
        }
        return out
