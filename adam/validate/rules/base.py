"""The rule registry and what a rule sees: the datasets (as views), the spec and options.

A rule is a function registered with :func:`rule` under an id such as ``ADAM-FL-001``, a
plain-language description and a default severity. Dataset rules run once per dataset of the
classes they name and receive a :class:`DatasetView`; study rules run once and look across
datasets through the :class:`RuleContext`. Either kind yields :class:`Hit` objects - a message
and the offending rows - which the engine turns into findings with the records listed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator, Literal

import numpy as np
import pandas as pd

from adam.export.columns import DatasetMeta
from adam.spec.model import Dataset, Spec
from adam.validate.codes import FrameCodes, common_codes, first_rows
from adam.validate.findings import Severity, seq_variable

Scope = Literal["dataset", "study", "schema"]
CLASSES = ("ADSL", "BDS", "OCCDS", "TTE", "OTHER")


@dataclass
class Hit:
    """What a rule found: a message and the offending rows of one dataset.

    ``rows`` is a boolean mask over the dataset's frame or row labels; None for a finding about
    the dataset as a whole (then ``count`` says how many things are wrong, default 1).
    ``severity`` overrides the rule's default (used for notices such as "not checked because");
    ``expected`` (aligned with the frame) adds the value the rule expected to each record.
    """

    message: str
    rows: Any = None
    variables: tuple[str, ...] | list[str] = ()
    dataset: str | None = None
    severity: Severity | None = None
    count: int | None = None
    expected: pd.Series | None = None  # the value a rule expected, listed with each record


@dataclass(frozen=True)
class Rule:
    """A registered check: id, family, description, default severity and its test function."""

    id: str
    family: str
    description: str
    severity: Severity
    scope: Scope
    classes: tuple[str, ...] = CLASSES
    func: Callable[..., Iterable[Hit]] | None = None


RULES: dict[str, Rule] = {}


def rule(
    id: str,
    description: str,
    severity: Severity = "error",
    *,
    classes: Iterable[str] = CLASSES,
    scope: Scope = "dataset",
) -> Callable[[Callable[..., Iterable[Hit]]], Callable[..., Iterable[Hit]]]:
    """Register the decorated function as rule ``id``; ids must be unique."""

    def register(func: Callable[..., Iterable[Hit]]) -> Callable[..., Iterable[Hit]]:
        if id in RULES:
            raise ValueError(f"rule id {id} registered twice")
        family = func.__module__.rsplit(".", 1)[-1]
        RULES[id] = Rule(id, family, " ".join(description.split()), severity, scope,
                         tuple(classes), func)
        return func

    return register


def declare(id: str, description: str, severity: Severity, family: str = "schema") -> None:
    """List a check that is not a function of its own (the generated pandera schema checks)."""
    if id in RULES:
        raise ValueError(f"rule id {id} registered twice")
    RULES[id] = Rule(id, family, " ".join(description.split()), severity, "schema")


def guess_class(name: str, df: pd.DataFrame) -> str:
    """The ADaM class of a dataset the spec does not describe, from its name and columns."""
    if name == "ADSL":
        return "ADSL"
    if "CNSR" in df.columns and "PARAMCD" in df.columns:
        return "TTE"
    if "PARAMCD" in df.columns:
        return "BDS"
    if name.startswith("AD"):
        return "OCCDS"
    return "OTHER"


@dataclass
class DatasetView:
    """One dataset as the rules see it: normalized frame, spec entry, file metadata, class."""

    name: str
    df: pd.DataFrame
    spec: Dataset | None = None
    meta: DatasetMeta | None = None
    cls: str = "OTHER"
    #: Distinct values of character columns, when known (rules test these, not every record).
    text_values: dict[str, list[str]] = field(default_factory=dict, repr=False)
    #: Integer codes of the columns, shared by every rule (made on first use when not given).
    codes: FrameCodes = field(default=None, repr=False)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.codes is None or self.codes.df is not self.df:
            self.codes = FrameCodes(self.df)

    def distinct_text(self, column: str) -> list[str] | None:
        """The distinct present values of a character column (None if it holds other values)."""
        if column not in self.text_values:
            found = self.codes.distinct_text(column)
            if found is None:
                return None
            self.text_values[column] = found
        return self.text_values[column]

    def missing(self, column: str) -> pd.Series:
        """Mask of the records where ``column`` is missing (computed once per column)."""
        return pd.Series(self.codes.missing(column), index=self.df.index)

    def present(self, column: str) -> pd.Series:
        return pd.Series(~self.codes.missing(column), index=self.df.index)

    def text_rows(self, column: str, keep: Callable[[str], bool]) -> pd.Series | None:
        """Records whose text value passes ``keep``, tested on the distinct values only; None
        when the column holds something other than text (callers then test every record)."""
        found = self.codes.rows_where(column, keep)
        return None if found is None else pd.Series(found, index=self.df.index)

    def text_in(self, column: str, values: Iterable[str]) -> pd.Series | None:
        """Records whose text value is one of ``values``; None when the column is not text."""
        found = self.codes.rows_in(column, values)
        return None if found is None else pd.Series(found, index=self.df.index)

    def has(self, *columns: str) -> bool:
        return all(c in self.df.columns for c in columns)

    def spec_type(self, column: str) -> str | None:
        if self.spec is not None:
            for var in self.spec.variables:
                if var.name == column:
                    return var.type
        return None

    def is_numeric(self, column: str) -> bool:
        s = self.df[column]
        return pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)

    def is_text(self, column: str) -> bool:
        s = self.df[column]
        if pd.api.types.is_string_dtype(s):
            return True
        return s.isna().all() and self.spec_type(column) in (None, "text")

    @property
    def seq(self) -> str | None:
        return seq_variable(self.df)

    def columns_like(self, predicate: Callable[[str], bool]) -> list[str]:
        return [str(c) for c in self.df.columns if predicate(str(c))]

    def numbers(self, column: str) -> pd.Series:
        """The column as float (non-numeric values become NaN)."""
        return pd.to_numeric(self.df[column], errors="coerce").astype("float64")

    def format_of(self, column: str) -> str | None:
        """The display format: from the file's metadata when read from a file, else the spec."""
        if self.meta is not None:
            for col in self.meta.columns:
                if col.name == column:
                    return col.display_format
            return None
        if self.spec is not None:
            for var in self.spec.variables:
                if var.name == column:
                    return var.display_format
        return None

    def label_of(self, column: str) -> str | None:
        if self.meta is not None:
            for col in self.meta.columns:
                if col.name == column:
                    return col.label
            return None
        if self.spec is not None:
            for var in self.spec.variables:
                if var.name == column:
                    return var.label
        return None


@dataclass
class RuleContext:
    """Everything a rule may look at: all dataset views, the spec, SDTM (if given), options."""

    spec: Spec | None
    views: dict[str, DatasetView]
    sdtm: dict[str, pd.DataFrame] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)
    #: Results rules share within one run (e.g. resolved sources), keyed by their maker.
    cache: dict[Any, Any] = field(default_factory=dict, repr=False)

    @property
    def adsl(self) -> DatasetView | None:
        return self.views.get("ADSL")

    def of_class(self, *classes: str) -> Iterator[DatasetView]:
        for view in self.views.values():
            if view.cls in classes:
                yield view

    def from_adsl(self, view: DatasetView, column: str) -> pd.Series | None:
        """ADSL's ``column`` for each record of ``view`` (matched on USUBJID), or None."""
        if column in view.df.columns and view.name != "ADSL":
            return view.df[column]
        adsl = self.adsl
        if adsl is None or column not in adsl.df.columns or "USUBJID" not in view.df.columns:
            return None
        values = adsl.df[column]
        rows = self.adsl_rows(view)
        if values.dtype == np.float64 and rows is not None:
            return pd.Series(np.append(values.to_numpy(), np.nan)[rows], index=view.df.index)
        lookup = adsl.df.drop_duplicates("USUBJID").set_index("USUBJID")[column]
        return view.df["USUBJID"].map(lookup)

    def subject_codes(self, view: DatasetView) -> np.ndarray | None:
        """USUBJID of each record of ``view`` as a code shared by all datasets of the run
        (-1 when missing), or None when USUBJID is not text. Made once per dataset."""
        key = ("subject codes", view.name)
        if key not in self.cache:
            found = view.codes.text("USUBJID") if "USUBJID" in view.df.columns else None
            if found is None:
                self.cache[key] = None
            else:
                known: dict[str, int] = self.cache.setdefault("subject numbers", {})
                table = [known.setdefault(v, len(known)) for v in found.values]
                self.cache[key] = np.append(np.array(table, dtype=np.int64), -1)[found.codes]
        return self.cache[key]

    def adsl_rows(self, view: DatasetView) -> np.ndarray | None:
        """For each record of ``view``, the row of ADSL's first record with its USUBJID, or -1
        (missing matches missing); None when either USUBJID is not text. Made once per dataset."""
        adsl = self.adsl
        if adsl is None or "USUBJID" not in adsl.df.columns or "USUBJID" not in view.df.columns:
            return None
        key = ("adsl rows", view.name)
        if key not in self.cache:
            mine, theirs = view.codes.text("USUBJID"), adsl.codes.text("USUBJID")
            if mine is None or theirs is None:
                self.cache[key] = None
            else:
                subject, own = common_codes(theirs, mine)
                n = max(len(theirs.values), int(own.max(initial=-1)) + 1)
                # slot n holds missing USUBJIDs
                first = first_rows(np.where(subject < 0, n, subject), np.arange(len(subject)), n + 1)
                self.cache[key] = first[np.where(own < 0, n, own)]
        return self.cache[key]

    def option(self, *path: str, default: Any = None) -> Any:
        node: Any = self.options
        for key in path:
            if not isinstance(node, dict) or key not in node:
                return default
            node = node[key]
        return node


def text(series: pd.Series) -> pd.Series:
    """A column as strings with missing values as NA (never the text 'nan')."""
    return series.astype("string")


def values_equal(a: pd.Series, b: pd.Series) -> np.ndarray:
    """Element-wise equality that treats two missing values as equal and floats with tolerance."""
    a_na, b_na = a.isna().to_numpy(), b.isna().to_numpy()
    if pd.api.types.is_numeric_dtype(a) and pd.api.types.is_numeric_dtype(b):
        x = a.to_numpy(dtype="float64", na_value=np.nan)
        y = b.to_numpy(dtype="float64", na_value=np.nan)
        with np.errstate(invalid="ignore"):
            same = np.isclose(x, y, rtol=1e-9, atol=1e-9)
    else:
        same = (text(a) == text(b)).fillna(False).to_numpy(dtype=bool)
    return (a_na & b_na) | (~a_na & ~b_na & same)
