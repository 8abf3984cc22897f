"""Cross-reference and conformance checks of a loaded spec (what the YAML loader cannot see).

:func:`lint_spec` reports every problem at once, each naming the file and line it was written
at (from :meth:`~adam.spec.model.Spec.location`), the dataset and the variable:

- names: dataset and variable names are 1-8 upper-case letters or digits starting with a letter;
- labels: dataset and variable labels are non-empty ASCII of at most 40 characters;
- references: every codelist, method and comment named exists; keys are variables of the
  dataset; a Predecessor's source is ``DOMAIN.VARIABLE`` (and exists when the domain is a
  dataset of this spec);
- uniqueness: datasets, variables, codelists, methods, comments, codelist terms, value-level
  entries and where-clause ids;
- where clauses: name a variable of the dataset, with values from its codelist;
- types: a variable and its codelist agree (text or numeric), lengths are 1-200, temporal
  variables carry a matching SAS format, text variables ``$`` formats;
- origins: Derived needs a method, Predecessor a source;
- unused codelists, methods and comments (warnings);
- analysis results (ARM): unique display and result ids, a title, description and at least one
  result / analysis dataset each; analysis datasets, variables and where-clause variables exist,
  where-clause values are in the codelists; the parameter (``DATASET.VARIABLE``) is a variable of
  one of the result's analysis datasets, its where clause selects parameter values, and each
  value is a known parameter (in the variable's codelist or the dataset's value-level
  metadata); reason and purpose are ARM terms (warning otherwise).

Errors stop a build (:func:`adam.errors.raise_if_problems`); warnings are reported only.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from adam.errors import Problem
from adam.spec.model import (
    ANALYSIS_PURPOSES,
    ANALYSIS_REASONS,
    DEFAULT_FORMAT,
    AnalysisResult,
    Codelist,
    Condition,
    Dataset,
    Spec,
    ValueLevel,
    Variable,
)

NAME_RE = re.compile(r"^[A-Z][A-Z0-9]{0,7}$")
SOURCE_RE = re.compile(r"^[A-Z][A-Z0-9]{0,7}\.[A-Z][A-Z0-9]{0,7}$")
# A SAS format: optional $, a name that does not end in a digit, optional width, '.', decimals.
FORMAT_RE = re.compile(r"^(\$?)((?:[A-Z_][A-Z0-9_]*[A-Z_])|[A-Z_])?(\d*)\.(\d*)$")
MAX_LABEL = 40
MAX_LENGTH = 200
SINGLE_VALUE = {"EQ", "NE", "LT", "LE", "GT", "GE"}

# SAS format names by the temporal type they display (prefix match on the format name).
DATE_FORMATS = ("DATE", "YYMMDD", "MMDDYY", "DDMMYY", "E8601DA", "IS8601DA", "B8601DA",
                "ND8601DA", "WORDDAT", "WEEKDAT", "MONYY", "YYMON", "MMYY", "YYMM", "YYQ",
                "JULIAN", "NLDATE", "DAY", "MONTH", "YEAR", "DOWNAME", "MONNAME", "EURDF",
                "QTR", "DDMMMYY")
DATETIME_FORMATS = ("DATETIME", "DATEAMPM", "E8601DT", "IS8601DT", "B8601DT", "E8601DZ",
                    "IS8601DZ", "B8601DZ", "E8601DN", "NLDATM", "MDYAMPM", "DT")
TIME_FORMATS = ("TIME", "TOD", "HHMM", "HOUR", "MMSS", "E8601TM", "IS8601TM", "B8601TM",
                "E8601TZ", "IS8601TZ", "B8601TZ", "NLTIME")


def format_kind(fmt: str) -> str | None:
    """``"date"``, ``"datetime"``, ``"time"``, ``"text"`` or ``"numeric"`` for a valid SAS
    format; None when ``fmt`` is not a SAS format at all.

    Example: ``format_kind("DATE9.") == "date"``, ``format_kind("8.2") == "numeric"``.
    """
    match = FORMAT_RE.match(fmt.strip().upper())
    if not match:
        return None
    dollar, name = match.group(1), match.group(2) or ""
    if dollar:
        return "text"
    # DATETIME and DATEAMPM begin with DATE: test the longer families first.
    for kind, families in (("datetime", DATETIME_FORMATS), ("time", TIME_FORMATS),
                           ("date", DATE_FORMATS)):
        if any(name.startswith(f) for f in families):
            return kind
    return "numeric"


class _Linter:
    """Collects problems for one spec; each ``_add`` resolves the location of its key."""

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.problems: list[Problem] = []
        self.codelists = {c.id: c for c in spec.codelists}
        self.methods = {m.id for m in spec.methods}
        self.comments = {c.id for c in spec.comments}
        self.datasets = {d.name: d for d in spec.datasets}
        self.used_codelists: set[str] = set()
        self.used_methods: set[str] = set()
        self.used_comments: set[str] = set()

    def add(self, key: str, message: str, dataset: str | None = None,
            variable: str | None = None, severity: str = "error", field: str | None = None) -> None:
        """Record a problem at ``key`` (the line of ``field`` in it, when the loader knows it)."""
        candidates = [f"{key}/{field}"] if field else []
        # then the element itself, then what contains it ("codelist:X#3" -> "codelist:X").
        candidates += [key, re.sub(r"#\d+$", "", key), key.split("@")[0]]
        file, line = None, None
        for candidate in candidates:
            file, line = self.spec.location(candidate)
            if file is not None:
                break
        self.problems.append(Problem(message, file=file, dataset=dataset, variable=variable,
                                     line=line, severity=severity))

    # ------------------------------------------------------------------ shared checks
    def check_name(self, key: str, name: str, what: str, dataset: str | None,
                   variable: str | None) -> None:
        if not NAME_RE.match(name):
            self.add(key, f"{what} name '{name}' must be 1-8 upper-case letters or digits "
                          "starting with a letter", dataset, variable, field="name")

    def check_label(self, key: str, label: str | None, what: str, dataset: str | None,
                    variable: str | None, severity: str = "error") -> None:
        if label is None:
            return
        if not label.strip():
            self.add(key, f"{what} label is empty", dataset, variable, severity, "label")
            return
        if not label.isascii():
            bad = "".join(sorted({c for c in label if not c.isascii()}))
            self.add(key, f"{what} label has non-ASCII characters ({bad!r}): {label!r}",
                     dataset, variable, severity, "label")
        if len(label) > MAX_LABEL:
            self.add(key, f"{what} label is {len(label)} characters, more than {MAX_LABEL}: "
                          f"{label!r}", dataset, variable, severity, "label")
        if label != label.strip():
            self.add(key, f"{what} label has leading or trailing spaces: {label!r}",
                     dataset, variable, "warning", "label")

    def check_comment(self, key: str, comment: str | None, dataset: str | None,
                      variable: str | None) -> None:
        if comment is None:
            return
        self.used_comments.add(comment)
        if comment not in self.comments:
            self.add(key, f"comment '{comment}' is not defined in the comments", dataset,
                     variable, field="comment")

    def check_item(self, key: str, item: Variable | ValueLevel, ds: Dataset, name: str) -> None:
        """Checks shared by variables and value-level metadata (references, type, origin)."""
        dsn = ds.name
        if item.codelist is not None:
            self.used_codelists.add(item.codelist)
            codelist = self.codelists.get(item.codelist)
            if codelist is None:
                self.add(key, f"codelist '{item.codelist}' is not defined in the codelists",
                         dsn, name, field="codelist")
            else:
                self.check_codelist_type(key, item, codelist, dsn, name)
        if item.method is not None:
            self.used_methods.add(item.method)
            if item.method not in self.methods:
                self.add(key, f"method '{item.method}' is not defined in the methods", dsn, name,
                         field="method")
        self.check_comment(key, item.comment, dsn, name)

        if item.length is not None and not 1 <= item.length <= MAX_LENGTH:
            self.add(key, f"length {item.length} is not between 1 and {MAX_LENGTH}", dsn, name,
                     field="length")
        if item.significant_digits is not None:
            if item.significant_digits < 0:
                self.add(key, f"significant digits {item.significant_digits} is negative",
                         dsn, name, field="significant_digits")
            elif item.type != "float":
                self.add(key, f"significant digits given for a {item.type} variable (only float "
                              "variables have them)", dsn, name, "warning", "significant_digits")
        self.check_format(key, item, dsn, name)
        self.check_origin(key, item, dsn, name)

    def check_codelist_type(self, key: str, item: Variable | ValueLevel, codelist: Codelist,
                            dsn: str, name: str) -> None:
        if item.type == "text" and codelist.type != "text":
            self.add(key, f"text variable uses codelist '{codelist.id}' of type {codelist.type}",
                     dsn, name, field="codelist")
        elif item.type in ("integer", "float") and codelist.type == "text":
            self.add(key, f"{item.type} variable uses codelist '{codelist.id}' of type text",
                     dsn, name, field="codelist")
        elif item.type == "integer" and codelist.type == "float":
            self.add(key, f"integer variable uses codelist '{codelist.id}' of type float",
                     dsn, name, "warning", "codelist")
        elif item.type in ("date", "datetime", "time"):
            self.add(key, f"{item.type} variable has a codelist ('{codelist.id}')", dsn, name,
                     "warning", "codelist")

    def check_format(self, key: str, item: Variable | ValueLevel, dsn: str, name: str) -> None:
        if item.format is None:
            return
        kind = format_kind(item.format)
        if kind is None:
            self.add(key, f"format '{item.format}' is not a SAS format (e.g. DATE9., 8.2, $20.)",
                     dsn, name, field="format")
        elif item.type in ("date", "datetime", "time") and kind != item.type:
            self.add(key, f"{item.type} variable has {kind} format '{item.format}' (expected a "
                          f"SAS {item.type} format such as {DEFAULT_FORMAT[item.type]})",
                     dsn, name, field="format")
        elif item.type == "text" and kind != "text":
            self.add(key, f"text variable has numeric format '{item.format}' (text formats "
                          "start with $)", dsn, name, field="format")
        elif item.type in ("integer", "float") and kind == "text":
            self.add(key, f"{item.type} variable has text format '{item.format}'", dsn, name,
                     field="format")
        elif item.type in ("integer", "float") and kind in ("date", "datetime", "time"):
            self.add(key, f"{item.type} variable has {kind} format '{item.format}': should its "
                          f"type be {kind}?", dsn, name, "warning", "format")

    def check_origin(self, key: str, item: Variable | ValueLevel, dsn: str, name: str) -> None:
        origin = item.origin
        if origin == "Derived" and not item.method:
            self.add(key, "origin is Derived but no method is given", dsn, name, field="origin")
        elif origin == "Predecessor":
            if not item.source:
                self.add(key, "origin is Predecessor but no source (DOMAIN.VARIABLE) is given",
                         dsn, name, field="origin")
            elif not SOURCE_RE.match(item.source):
                self.add(key, f"source '{item.source}' is not of the form DOMAIN.VARIABLE "
                              "(e.g. DM.AGE)", dsn, name, field="source")
            else:
                domain, var = item.source.split(".")
                other = self.datasets.get(domain)
                if other is not None and var not in other.variable_names:
                    self.add(key, f"source '{item.source}': dataset {domain} has no variable "
                                  f"{var}", dsn, name, field="source")
                if domain == dsn:
                    self.add(key, f"source '{item.source}' is the variable's own dataset",
                             dsn, name, field="source")
            if item.method:
                self.add(key, f"origin is Predecessor but method '{item.method}' is given "
                              "(a predecessor is copied, not derived)", dsn, name, "warning",
                         "method")
        elif origin in ("Collected", "Protocol"):
            self.add(key, f"origin {origin} is unusual for an analysis variable (ADaM uses "
                          "Predecessor, Derived or Assigned)", dsn, name, "warning", "origin")
        elif origin == "Assigned" and item.method is None and item.comment is None:
            self.add(key, "origin is Assigned with neither a method nor a comment saying how "
                          "the value is assigned", dsn, name, "warning", "origin")

    # ------------------------------------------------------------------ datasets
    def lint_dataset(self, ds: Dataset, dkey: str) -> None:
        dsn = ds.name
        self.check_name(dkey, dsn, "dataset", dsn, None)
        self.check_label(dkey, ds.label, "dataset", dsn, None)
        self.check_comment(dkey, ds.comment, dsn, None)
        file = self.spec.location(dkey)[0]
        if file is not None and Path(file).name != f"{dsn.lower()}.yaml":
            self.add(dkey, f"dataset {dsn} is written in a file not named {dsn.lower()}.yaml",
                     dsn, None, "warning")
        if not ds.variables:
            self.add(dkey, "the dataset has no variables", dsn, None, field="variables")

        seen: Counter[str] = Counter()
        for var in ds.variables:
            seen[var.name] += 1
            key = f"{dsn}.{var.name}" + (f"@{seen[var.name]}" if seen[var.name] > 1 else "")
            if seen[var.name] > 1:
                self.add(key, f"variable {var.name} is listed again in the dataset (occurrence "
                              f"{seen[var.name]})", dsn, var.name)
            self.check_name(key, var.name, "variable", dsn, var.name)
            self.check_label(key, var.label, "variable", dsn, var.name)
            self.check_item(key, var, ds, var.name)

        names = set(ds.variable_names)
        for k, count in Counter(ds.keys).items():
            if k not in names:
                self.add(dkey, f"key variable {k} is not a variable of the dataset", dsn, k,
                         field="keys")
            if count > 1:
                self.add(dkey, f"key variable {k} is listed {count} times", dsn, k,
                         field="keys")
        if not ds.keys:
            self.add(dkey, "the dataset has no key variables", dsn, None, "warning", "keys")

        self.lint_value_level(ds)

    def lint_value_level(self, ds: Dataset) -> None:
        dsn = ds.name
        by_name = {v.name: v for v in ds.variables}
        seen_where: dict[tuple, int] = {}
        for i, vl in enumerate(ds.value_level):
            key = f"{dsn}.{vl.variable}#{i}"
            name = vl.variable
            parent = by_name.get(name)
            if parent is None:
                self.add(key, f"value-level metadata for {name}, which is not a variable of the "
                              "dataset", dsn, name, field="variable")
            else:
                if (parent.type == "text") != (vl.type == "text"):
                    self.add(key, f"value-level type {vl.type} does not match the variable's "
                                  f"type {parent.type}", dsn, name, field="type")
                if (vl.length is not None and parent.length is not None
                        and vl.length > parent.length):
                    self.add(key, f"value-level length {vl.length} is longer than the "
                                  f"variable's length {parent.length}", dsn, name, field="length")
            self.check_label(key, vl.label, "value-level", dsn, name, "warning")
            self.check_item(key, vl, ds, name)
            if not vl.where:
                self.add(key, "value-level metadata without a where clause", dsn, name,
                         field="where")
            for cond in vl.where:
                self.check_condition(key, cond, by_name, dsn, name)
            signature = (name, tuple(sorted((c.variable, c.comparator, tuple(c.values))
                                            for c in vl.where)))
            if signature in seen_where and vl.where:
                self.add(key, f"value-level entry {i} repeats the where clause of entry "
                              f"{seen_where[signature]} for {name}", dsn, name, field="where")
            seen_where.setdefault(signature, i)

    def check_condition(self, key: str, cond: Condition, by_name: dict[str, Variable],
                        dsn: str, name: str, codelist: bool = True) -> None:
        """Arity, variable, numeric values and (unless ``codelist`` is False) codelist values."""
        text = f"where {cond.variable} {cond.comparator} {', '.join(cond.values)}"
        if cond.comparator in SINGLE_VALUE and len(cond.values) != 1:
            self.add(key, f"{text}: comparator {cond.comparator} takes exactly one value, "
                          f"found {len(cond.values)}", dsn, name, field="where")
        elif not cond.values:
            self.add(key, f"{text}: comparator {cond.comparator} without values", dsn, name,
                     field="where")
        where_var = by_name.get(cond.variable)
        if where_var is None:
            self.add(key, f"{text}: {cond.variable} is not a variable of the dataset", dsn, name,
                     field="where")
            return
        if where_var.type in ("integer", "float"):
            bad = [v for v in cond.values if not _is_number(v)]
            if bad:
                self.add(key, f"{text}: {cond.variable} is numeric but the value(s) "
                              f"{', '.join(map(repr, bad))} are not numbers", dsn, name,
                         field="where")
        if not codelist:
            return
        if where_var.codelist is None:
            self.add(key, f"{text}: {cond.variable} has no codelist, so the where-clause values "
                          "cannot be checked", dsn, name, "warning", "where")
            return
        codelist = self.codelists.get(where_var.codelist)
        if codelist is None or cond.comparator not in ("EQ", "NE", "IN", "NOTIN"):
            return
        allowed = set(codelist.values)
        missing = [v for v in cond.values if v not in allowed]
        if missing:
            self.add(key, f"{text}: value(s) {', '.join(map(repr, missing))} not in codelist "
                          f"'{codelist.id}' of {cond.variable}", dsn, name,
                     "warning" if codelist.extensible else "error", "where")

    def check_where_ids(self) -> None:
        """A where-clause id (explicit or generated) must always stand for the same conditions,
        whether value-level metadata or an analysis result uses it."""
        first: dict[str, tuple[tuple, str, str, str]] = {}
        uses = []
        for ds in self.spec.datasets:
            for i, vl in enumerate(ds.value_level):
                uses.append((vl.clause_id(ds.name), vl.where, ds.name, vl.variable,
                             f"{ds.name}.{vl.variable}#{i}", f"{ds.name}.{vl.variable}"))
        for result in self.spec.analysis_result_list():
            for i, ad in enumerate(result.datasets):
                if ad.clause_id() is not None:
                    uses.append((ad.clause_id(), ad.where, ad.dataset, None, f"result:{result.id}#{i}",
                                 f"analysis result {result.id}"))
        for cid, where, dsn, variable, key, what in uses:
            conditions = tuple((c.variable, c.comparator, tuple(c.values)) for c in where)
            if cid not in first:
                first[cid] = (conditions, dsn, what, key)
            elif first[cid][0] != conditions or first[cid][1] != dsn:
                self.add(key, f"where-clause id '{cid}' is also used for different "
                              f"conditions ({first[cid][2]})", dsn, variable, field="where_id")

    # ------------------------------------------------------------------ analysis results
    def lint_analysis_results(self) -> None:
        seen_displays: Counter[str] = Counter()
        seen_results: Counter[str] = Counter()
        for display in self.spec.analysis_results:
            seen_displays[display.id] += 1
            key = f"display:{display.id}"
            if seen_displays[display.id] > 1:
                self.add(key, f"analysis display id '{display.id}' is defined more than once")
            if not display.id.strip() or not display.name.strip():
                self.add(key, "analysis display without an id or a name", field="name")
            if not display.title.strip():
                self.add(key, f"analysis display {display.id}: the title is empty", field="title")
            if not display.results:
                self.add(key, f"analysis display {display.id} has no analysis results",
                         field="results")
            for result in display.results:
                seen_results[result.id] += 1
                rkey = f"result:{result.id}"
                if seen_results[result.id] > 1:
                    self.add(rkey, f"analysis result id '{result.id}' is defined more than once")
                    continue
                self.lint_analysis_result(result, rkey)

    def lint_analysis_result(self, result: AnalysisResult, key: str) -> None:
        what = f"analysis result {result.id}"
        if not result.id.strip():
            self.add(key, "analysis result without an id", field="id")
        if not result.description.strip():
            self.add(key, f"{what}: the description is empty", field="description")
        for value, terms, field in ((result.reason, ANALYSIS_REASONS, "reason"),
                                    (result.purpose, ANALYSIS_PURPOSES, "purpose")):
            if not value.strip():
                self.add(key, f"{what}: the {field} is empty", field=field)
            elif value not in terms:
                self.add(key, f"{what}: {field} '{value}' is not an ARM term ({', '.join(terms)})",
                         severity="warning", field=field)
        if result.datasets_comment is not None:
            self.used_comments.add(result.datasets_comment)
            if result.datasets_comment not in self.comments:
                self.add(key, f"{what}: comment '{result.datasets_comment}' is not defined in the "
                              "comments", field="datasets_comment")
        if result.documentation is not None and not result.documentation.text.strip():
            self.add(key, f"{what}: the documentation text is empty", field="documentation")
        if not result.datasets:
            self.add(key, f"{what} has no analysis datasets", field="datasets")
        for i, ad in enumerate(result.datasets):
            dkey = f"{key}#{i}"
            ds = self.datasets.get(ad.dataset)
            if ds is None:
                self.add(dkey, f"{what}: dataset {ad.dataset} is not defined in the spec",
                         ad.dataset, None, field="dataset")
                continue
            names = set(ds.variable_names)
            for var, count in Counter(ad.variables).items():
                if var not in names:
                    self.add(dkey, f"{what}: analysis variable {var} is not a variable of "
                                   f"{ad.dataset}", ad.dataset, var, field="variables")
                elif count > 1:
                    self.add(dkey, f"{what}: analysis variable {var} is listed {count} times",
                             ad.dataset, var, "warning", "variables")
            if ad.where_id and not ad.where:
                self.add(dkey, f"{what}: where_id '{ad.where_id}' without conditions",
                         ad.dataset, None, field="where")
            param_var = self.parameter_variable(result, ad.dataset)
            for cond in ad.where:
                target, var = (cond.variable.split(".", 1) if "." in cond.variable
                               else (ad.dataset, cond.variable))
                other = self.datasets.get(target)
                if other is None:
                    self.add(dkey, f"{what}: where {cond.variable}: dataset {target} is not "
                                   "defined in the spec", ad.dataset, cond.variable, field="where")
                    continue
                by_name = {v.name: v for v in other.variables}
                is_parameter = target == ad.dataset and var == param_var
                self.check_condition(dkey, cond.model_copy(update={"variable": var}), by_name,
                                     ad.dataset, cond.variable, codelist=not is_parameter)
                if is_parameter and var in by_name:
                    self.check_parameter_values(dkey, what, cond, other)
        self.check_parameter(result, key, what)

    def parameter_variable(self, result: AnalysisResult, dataset: str) -> str | None:
        """The parameter variable's name when ``result.parameter`` is of ``dataset``."""
        if result.parameter and "." in result.parameter:
            pds, pvar = result.parameter.split(".", 1)
            return pvar if pds == dataset else None
        return None

    def check_parameter(self, result: AnalysisResult, key: str, what: str) -> None:
        if result.parameter is None:
            return
        if not SOURCE_RE.match(result.parameter):
            self.add(key, f"{what}: parameter '{result.parameter}' is not of the form "
                          "DATASET.VARIABLE (e.g. ADTTE.PARAMCD)", field="parameter")
            return
        pds, pvar = result.parameter.split(".")
        ds = self.datasets.get(pds)
        if ds is None or pvar not in ds.variable_names:
            self.add(key, f"{what}: parameter {result.parameter} is not a variable of the spec",
                     pds, pvar, field="parameter")
            return
        selecting = [ad for ad in result.datasets if ad.dataset == pds]
        if not selecting:
            self.add(key, f"{what}: parameter {result.parameter} is not a variable of its analysis "
                          f"datasets ({', '.join(ad.dataset for ad in result.datasets)})",
                     pds, pvar, field="parameter")
        elif not any(c.variable == pvar for ad in selecting for c in ad.where):
            self.add(key, f"{what}: no where clause selects a value of the parameter "
                          f"{result.parameter}", pds, pvar, "warning", "parameter")

    def check_parameter_values(self, key: str, what: str, cond: Condition, ds: Dataset) -> None:
        """Each value a where clause gives the parameter must be a parameter of the dataset."""
        name = cond.variable.split(".")[-1]
        known: set[str] = set()
        var = next((v for v in ds.variables if v.name == name), None)
        sources = []
        if var is not None and var.codelist in self.codelists:
            known |= set(self.codelists[var.codelist].values)
            sources.append(f"codelist '{var.codelist}'")
        for vl in ds.value_level:
            for c in vl.where:
                if c.variable == name and c.comparator in ("EQ", "IN"):
                    known |= set(c.values)
        if any(c.variable == name for vl in ds.value_level for c in vl.where):
            sources.append("value-level metadata")
        if not sources:
            self.add(key, f"{what}: {ds.name}.{name} has neither a codelist nor value-level "
                          "metadata, so the parameter values cannot be checked", ds.name, name,
                     "warning", "where")
            return
        unknown = [v for v in cond.values if v not in known]
        if unknown:
            self.add(key, f"{what}: {name} value(s) {', '.join(map(repr, unknown))} are not "
                          f"parameters of {ds.name} (not in its {' or '.join(sources)})",
                     ds.name, name, field="where")

    # ------------------------------------------------------------------ shared lists
    def lint_codelists(self) -> None:
        for cl, key in _keyed(self.spec.codelists, "codelist"):
            if "@" in key:
                self.add(key, f"codelist id '{cl.id}' is defined more than once")
            if not cl.items and not cl.dictionary:
                self.add(key, f"codelist '{cl.id}' has no terms (and names no external "
                              "dictionary)", field="items")
            for value, count in Counter(cl.values).items():
                if count > 1:
                    second = [i for i, v in enumerate(cl.values) if v == value][1]
                    self.add(f"{key}#{second}", f"codelist '{cl.id}': term {value!r} is listed "
                                                f"{count} times", field="value")
            if cl.type in ("integer", "float"):
                bad = [i for i, v in enumerate(cl.values)
                       if not _is_number(v, integer=cl.type == "integer")]
                if bad:
                    terms = ", ".join(repr(cl.values[i]) for i in bad)
                    self.add(f"{key}#{bad[0]}", f"codelist '{cl.id}' is {cl.type} but the term(s) "
                                                f"{terms} are not {cl.type} numbers",
                             field="value")
            if cl.has_decodes and any(i.decode is None for i in cl.items):
                missing = [i.value for i in cl.items if i.decode is None]
                self.add(key, f"codelist '{cl.id}': term(s) {', '.join(map(repr, missing))} have "
                              "no decode while others have one", severity="warning", field="items")
            if cl.comment is not None:
                self.used_comments.add(cl.comment)
                if cl.comment not in self.comments:
                    self.add(key, f"codelist '{cl.id}': comment '{cl.comment}' is not defined in "
                                  "the comments", field="comment")
            if cl.id not in self.used_codelists and "@" not in key:
                self.add(key, f"codelist '{cl.id}' is not used by any variable",
                         severity="warning")

    def lint_methods(self) -> None:
        for method, key in _keyed(self.spec.methods, "method"):
            if "@" in key:
                self.add(key, f"method id '{method.id}' is defined more than once")
            if not method.description.strip():
                self.add(key, f"method '{method.id}' has an empty description",
                         field="description")
            if method.id not in self.used_methods and "@" not in key:
                self.add(key, f"method '{method.id}' is not used by any variable",
                         severity="warning")

    def lint_comments(self) -> None:
        for comment, key in _keyed(self.spec.comments, "comment"):
            if "@" in key:
                self.add(key, f"comment id '{comment.id}' is defined more than once")
            if not comment.text.strip():
                self.add(key, f"comment '{comment.id}' has an empty text", field="text")
            if comment.id not in self.used_comments and "@" not in key:
                self.add(key, f"comment '{comment.id}' is not used by any dataset, variable or "
                              "codelist", severity="warning")

    def run(self) -> list[Problem]:
        if not self.spec.datasets:
            self.add("study", "the spec has no datasets", severity="warning")
        for ds, key in _keyed(self.spec.datasets, None):
            if "@" in key:
                self.add(key, f"dataset {ds.name} is defined more than once", ds.name)
            self.lint_dataset(ds, key)
        self.lint_analysis_results()
        self.check_where_ids()
        self.lint_codelists()
        self.lint_methods()
        self.lint_comments()
        return self.problems


def _keyed(items: Iterable, prefix: str | None) -> list[tuple]:
    """Each element with its location key; the n-th repeat of an id gets the suffix ``@n``."""
    seen: Counter[str] = Counter()
    out = []
    for item in items:
        ident = item.name if prefix is None else item.id
        seen[ident] += 1
        base = ident if prefix is None else f"{prefix}:{ident}"
        out.append((item, base if seen[ident] == 1 else f"{base}@{seen[ident]}"))
    return out


def _is_number(text: str, integer: bool = False) -> bool:
    try:
        value = float(text)
    except ValueError:
        return False
    return value.is_integer() and "." not in text.strip() if integer else True


def lint_spec(spec: Spec) -> list[Problem]:
    """Every cross-reference and conformance problem of ``spec``, errors and warnings.

    Each problem names the file and line (when the spec was loaded from YAML), the dataset and
    the variable; ``severity`` is ``"error"`` (the spec cannot drive a build) or ``"warning"``.

    Example: ``problems = lint_spec(load_spec("specs/camms223"))``
    """
    return _Linter(spec).run()
