"""The study specification: the single source of truth for derivation, validation and export.

A spec is a folder of YAML files (see :mod:`adam.spec.load`): ``study.yaml`` (study metadata,
standards, analysis parameters), one ``<dataset>.yaml`` per dataset (dataset metadata, variables
in order, value-level metadata), ``codelists.yaml``, ``methods.yaml``, ``comments.yaml`` and, optionally,
``analysis_results.yaml`` (analysis results metadata, Define-XML ARM 1.0).

The models here are deliberately plain: they hold what define.xml 2.1 and a P21-style
workbook hold, and nothing about how a variable is computed beyond the method id that names
its registered implementation.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

DataType = Literal["text", "integer", "float", "date", "datetime", "time"]
Origin = Literal["Collected", "Derived", "Assigned", "Predecessor", "Protocol"]
Core = Literal["Req", "Cond", "Perm"]
DatasetClass = Literal["ADSL", "BDS", "OCCDS", "TTE", "OTHER"]
Comparator = Literal["EQ", "NE", "LT", "LE", "GT", "GE", "IN", "NOTIN"]
MethodType = Literal["Computation", "Imputation"]

#: Define-XML 2.1 names of the ADaM dataset classes.
DEFINE_CLASS = {
    "ADSL": "SUBJECT LEVEL ANALYSIS DATASET",
    "BDS": "BASIC DATA STRUCTURE",
    "OCCDS": "OCCURRENCE DATA STRUCTURE",
    "TTE": "BASIC DATA STRUCTURE",
    "OTHER": "ADAM OTHER",
}

#: SAS display format used for each temporal type when the spec gives none.
DEFAULT_FORMAT = {"date": "DATE9.", "datetime": "DATETIME20.", "time": "TIME8."}


class SpecModel(BaseModel):
    """Base of every spec element: strict fields, unknown keys kept in ``extra``."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, validate_assignment=True)


class Condition(SpecModel):
    """One condition of a where clause: ``variable comparator values``."""

    variable: str
    comparator: Comparator = "EQ"
    values: list[str]


class ValueLevel(SpecModel):
    """Metadata of a variable for the records a where clause selects (e.g. AVAL when PARAMCD=X)."""

    variable: str
    where: list[Condition]
    where_id: str | None = None
    label: str | None = None
    type: DataType
    length: int | None = None
    format: str | None = None
    significant_digits: int | None = None
    codelist: str | None = None
    origin: Origin = "Derived"
    source: str | None = None
    method: str | None = None
    comment: str | None = None
    mandatory: bool = False

    def clause_id(self, dataset: str) -> str:
        """The where clause OID: explicit, or built from dataset, variable and condition values."""
        if self.where_id:
            return self.where_id
        parts = [dataset, self.variable] + ["_".join(c.values) for c in self.where]
        return "WC." + ".".join(parts)


class Variable(SpecModel):
    """One variable of a dataset, in the order it appears in the dataset."""

    name: str
    label: str
    type: DataType
    length: int | None = None
    format: str | None = None
    significant_digits: int | None = None
    codelist: str | None = None
    origin: Origin
    source: str | None = None
    method: str | None = None
    comment: str | None = None
    core: Core = "Perm"
    extra: dict[str, Any] = Field(default_factory=dict)

    @property
    def is_numeric(self) -> bool:
        return self.type != "text"

    @property
    def display_format(self) -> str | None:
        return self.format or DEFAULT_FORMAT.get(self.type)

    @property
    def mandatory(self) -> bool:
        return self.core == "Req"


class Dataset(SpecModel):
    """One ADaM dataset: metadata, ordered variables and value-level metadata."""

    name: str
    label: str
    class_: DatasetClass = Field(alias="class")
    structure: str
    keys: list[str]
    purpose: str = "Analysis"
    repeating: bool | None = None
    comment: str | None = None
    module: str | None = None
    variables: list[Variable]
    value_level: list[ValueLevel] = Field(default_factory=list)
    extra: dict[str, Any] = Field(default_factory=dict)

    @property
    def is_repeating(self) -> bool:
        return self.repeating if self.repeating is not None else self.class_ != "ADSL"

    @property
    def define_class(self) -> str:
        return DEFINE_CLASS[self.class_]

    def variable(self, name: str) -> Variable:
        for var in self.variables:
            if var.name == name:
                return var
        raise KeyError(f"{self.name} has no variable {name}")

    @property
    def variable_names(self) -> list[str]:
        return [v.name for v in self.variables]

    def order(self, name: str) -> int:
        """1-based position of the variable in the dataset."""
        return self.variable_names.index(name) + 1


class CodelistItem(SpecModel):
    """One permitted value, with its decode and NCI C-code where CDISC CT has one."""

    value: str
    decode: str | None = None
    nci_code: str | None = None
    rank: float | None = None


class Codelist(SpecModel):
    """A codelist (or an enumerated list when no item has a decode)."""

    id: str
    name: str
    type: Literal["text", "integer", "float"] = "text"
    nci_code: str | None = None
    extensible: bool | None = None
    standard: str | None = None
    items: list[CodelistItem]
    comment: str | None = None
    # An external dictionary (define.xml ExternalCodeList, e.g. MedDRA) instead of items.
    dictionary: str | None = None
    dictionary_version: str | None = None

    @property
    def values(self) -> list[str]:
        return [i.value for i in self.items]

    @property
    def has_decodes(self) -> bool:
        return any(i.decode is not None for i in self.items)


class Method(SpecModel):
    """A derivation method: what a reviewer reads in define.xml, and the code that does it."""

    id: str
    name: str
    type: MethodType = "Computation"
    description: str
    implementation: str | None = None
    document: str | None = None


class Comment(SpecModel):
    """A comment referenced by datasets, variables or value-level metadata."""

    id: str
    text: str
    document: str | None = None  # file name (href) of a supporting document, e.g. adrg.pdf


#: Controlled terms of ARM 1.0 for AnalysisReason and AnalysisPurpose (other text is allowed).
ANALYSIS_REASONS = ("SPECIFIED IN PROTOCOL", "SPECIFIED IN SAP", "DATA DRIVEN",
                    "REQUESTED BY REGULATORY AGENCY")
ANALYSIS_PURPOSES = ("PRIMARY OUTCOME MEASURE", "SECONDARY OUTCOME MEASURE",
                     "EXPLORATORY OUTCOME MEASURE")


class AnalysisDataset(SpecModel):
    """The records and variables of one dataset an analysis result uses (arm:AnalysisDataset).

    ``where`` selects the records (e.g. PARAMCD = CDW6 and LTCFL = Y); its where clause OID is
    ``where_id`` when given, else built from the conditions (:meth:`clause_id`). A condition on
    another dataset's variable names it ``DATASET.VARIABLE``.
    """

    dataset: str
    where: list[Condition] = Field(default_factory=list)
    where_id: str | None = None
    variables: list[str] = Field(default_factory=list)

    def clause_id(self) -> str | None:
        """The where clause OID, or None without conditions.

        Generated: ``WC.<DATASET>.<VAR>.<COMPARATOR>.<values>`` for each condition in turn,
        e.g. ``WC.ADTTE.PARAMCD.EQ.CDW6.LTCFL.EQ.Y``; the comparators keep these apart from
        the value-level ids (``WC.<DATASET>.<VARIABLE>.<values>``).
        """
        if self.where_id:
            return self.where_id
        if not self.where:
            return None
        parts = [self.dataset]
        for c in self.where:
            parts += [c.variable.replace(".", "_"), c.comparator, "_".join(c.values)]
        return "WC." + ".".join(parts)


class AnalysisDocumentation(SpecModel):
    """What a reviewer reads about the analysis (arm:Documentation), with supporting documents."""

    text: str
    documents: list[str] = Field(default_factory=list)  # file names (hrefs)


class ProgrammingCode(SpecModel):
    """The code that produces the result (arm:ProgrammingCode): inline text and/or documents."""

    context: str | None = None  # e.g. "Python 3.11, statsmodels 0.15"
    code: str | None = None
    documents: list[str] = Field(default_factory=list)


class AnalysisResult(SpecModel):
    """One analysis result of a display (arm:AnalysisResult).

    ``parameter`` is the ``DATASET.VARIABLE`` holding the parameter code (ARM ParameterOID,
    e.g. ``ADTTE.PARAMCD``); the parameter value itself is selected by the where clause of that
    dataset. ``datasets_comment`` is the id of a comment saying how the datasets are joined.
    """

    id: str
    description: str
    parameter: str | None = None
    reason: str = "SPECIFIED IN SAP"
    purpose: str = "PRIMARY OUTCOME MEASURE"
    datasets: list[AnalysisDataset]
    datasets_comment: str | None = None
    documentation: AnalysisDocumentation | None = None
    code: ProgrammingCode | None = None


class AnalysisDisplay(SpecModel):
    """A table or figure (arm:ResultDisplay) and the analysis results it shows."""

    id: str
    name: str
    title: str
    documents: list[str] = Field(default_factory=list)  # file names (hrefs) of the display
    results: list[AnalysisResult]


class Standard(SpecModel):
    """A standard the datasets conform to (define.xml 2.1 def:Standard)."""

    name: str = "ADaMIG"
    version: str = "1.3"
    type: Literal["IG", "CT"] = "IG"
    publishing_set: str | None = None
    status: str = "Final"


class Study(SpecModel):
    """Study metadata and the analysis parameters the dataset modules read."""

    study_id: str
    name: str
    description: str
    protocol: str
    sponsor: str | None = None
    data_cutoff: dt.date | None = None
    define_version: str = "2.1.0"
    standards: list[Standard] = Field(default_factory=lambda: [Standard()])
    module: str | None = None
    default_sdtm: str | None = None
    analysis: dict[str, Any] = Field(default_factory=dict)


class Spec(SpecModel):
    """A whole study spec. Equality ignores where in which file each element was written."""

    study: Study
    datasets: list[Dataset]
    codelists: list[Codelist] = Field(default_factory=list)
    methods: list[Method] = Field(default_factory=list)
    comments: list[Comment] = Field(default_factory=list)
    analysis_results: list[AnalysisDisplay] = Field(default_factory=list)

    # (file, line) of each element, keyed like "ADSL", "ADSL.TRTSDT", "codelist:NY",
    # "display:RD.ARR", "result:AR.ARR", "result:AR.ARR#0" (its first analysis dataset).
    _locations: dict[str, tuple[str, int | None]] = PrivateAttr(default_factory=dict)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Spec) and self.model_dump() == other.model_dump()

    __hash__ = None  # type: ignore[assignment]

    def dataset(self, name: str) -> Dataset:
        for ds in self.datasets:
            if ds.name == name.upper():
                return ds
        raise KeyError(f"the spec has no dataset {name}")

    @property
    def dataset_names(self) -> list[str]:
        return [d.name for d in self.datasets]

    def codelist(self, cid: str) -> Codelist:
        for cl in self.codelists:
            if cl.id == cid:
                return cl
        raise KeyError(f"the spec has no codelist {cid}")

    def method(self, mid: str) -> Method:
        for m in self.methods:
            if m.id == mid:
                return m
        raise KeyError(f"the spec has no method {mid}")

    def analysis_result_list(self) -> list[AnalysisResult]:
        """Every analysis result of every display, in order."""
        return [r for d in self.analysis_results for r in d.results]

    def location(self, key: str) -> tuple[str | None, int | None]:
        """Where an element was written: ``(file, line)``, or ``(None, None)`` if unknown."""
        return self._locations.get(key, (None, None))

    def set_locations(self, locations: dict[str, tuple[str, int | None]]) -> None:
        self._locations = dict(locations)

    def derived_variables(self) -> dict[str, set[str]]:
        """Method id -> the ``DATASET.VARIABLE`` names it derives (variables and value level)."""
        out: dict[str, set[str]] = {}
        for ds in self.datasets:
            for var in ds.variables:
                if var.method:
                    out.setdefault(var.method, set()).add(f"{ds.name}.{var.name}")
            for vl in ds.value_level:
                if vl.method:
                    out.setdefault(vl.method, set()).add(f"{ds.name}.{vl.variable}")
        return out
