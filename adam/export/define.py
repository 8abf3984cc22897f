"""Write define.xml (Define-XML 2.1) from the study spec.

The document is rendered with the Jinja2 templates in the top-level ``define/`` folder; this
module only turns the spec (and, when given, the metadata of the XPT files actually written)
into plain values for them, so the layout lives in one place and the data in another.

OIDs are built from names, so the same spec always gives the same document:

=====================  =====================================================
ItemGroupDef           ``IG.<DATASET>``
ItemDef                ``IT.<DATASET>.<VARIABLE>``
value-level ItemDef    ``IT.<DATASET>.<VARIABLE>.<where values>``
ValueListDef           ``VL.<DATASET>.<VARIABLE>``
WhereClauseDef         :meth:`ValueLevel.clause_id` (``WC.<DATASET>.<VARIABLE>.<values>``)
CodeList               ``CL.<codelist id>``
MethodDef, CommentDef  the method / comment id as written in the spec
def:leaf               ``LF.<DATASET>`` (the XPT file), ``LF.<file name>`` (documents)
def:Standard           ``STD.<name>.<version>`` (IG), ``STD.<name>.<set>.<version>`` (CT)
arm:ResultDisplay      the display id as written in the spec (e.g. ``RD.ARR``)
arm:AnalysisResult     the result id as written in the spec (e.g. ``AR.ARR.Y0_12``)
ARM WhereClauseDef     :meth:`AnalysisDataset.clause_id`
                       (``WC.<DATASET>.<VAR>.<COMPARATOR>.<values>...``)
=====================  =====================================================

Analysis results metadata (ARM 1.0) is written when the spec has ``analysis_results``: one
arm:ResultDisplay per display, its arm:AnalysisResult elements with ParameterOID (the ItemDef
of ``DATASET.VARIABLE``), the analysis datasets (ItemGroupOID, a def:WhereClauseRef to a
def:WhereClauseDef written for it - or shared with value-level metadata when the id and the
conditions are the same - and arm:AnalysisVariable ItemOIDs), arm:Documentation and
arm:ProgrammingCode. The documents ARM refers to (a display's table or figure, documentation
and program files) are usually made after define.xml, by other tools; so :func:`write_define`
writes a reference (def:DocumentRef and its def:leaf) only when the file is already next to
define.xml, and leaves it out otherwise (logged), rather than writing a link to nothing.

Numeric ADaM dates, datetimes and times are ``integer`` items with a SAS display format
(DATE9., DATETIME20., TIME8.), as the Define-XML 2.1 conventions ask; character ISO 8601
variables keep their Define-XML data type in ``Variable.extra["define_datatype"]``.

Other ``extra`` keys the export honours (the define.xml import sets them): on datasets
``define_class`` (a def:Class other than the one of the spec class), ``define_subclass``
(a def:SubClass other than the implied one, see :func:`implied_subclass`), ``reference_data``
(IsReferenceData="Yes"); on variables ``define_origin`` (origin type Other / Not Available)
and ``origin_source`` (def:Origin Source other than the default for the type).

Not written (the spec has no place for them yet): def:SupplementalDoc / def:AnnotatedCRF, PDF
page references (def:PDFPageRef, also in ARM), leaf titles other than the file name,
ItemGroupDef Domain (not used for ADaM).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import adam
from adam.console import log
from adam.errors import InputError, Problem
from adam.export.columns import DEFAULT_CREATED, DatasetMeta
from adam.spec.model import (
    DEFAULT_FORMAT,
    AnalysisDataset,
    Codelist,
    Dataset,
    Spec,
    Standard,
    ValueLevel,
    Variable,
)

DEFINE_FILE = "define.xml"
STYLESHEET = "define2-1.xsl"
TEMPLATE = "define.xml.j2"

#: Define-XML data type of each spec type (numeric dates are integers with a date format).
DEFINE_DATATYPE = {"text": "text", "integer": "integer", "float": "float",
                   "date": "integer", "datetime": "integer", "time": "integer"}

#: def:Origin Source written when the spec names none (Define-XML 2.1 conventions).
DEFAULT_ORIGIN_SOURCE = {"Derived": "Sponsor", "Assigned": "Sponsor", "Collected": "Investigator"}


def implied_subclass(class_: str, name: str) -> str | None:
    """The def:SubClass a dataset gets unless its spec says otherwise (``extra["define_subclass"]``):
    TIME-TO-EVENT for TTE, ADVERSE EVENT for an OCCDS adverse event dataset (ADAE, ADAExxx)."""
    if class_ == "TTE":
        return "TIME-TO-EVENT"
    if class_ == "OCCDS" and name.upper().startswith("ADAE"):
        return "ADVERSE EVENT"
    return None

#: Define-XML data types of character ISO 8601 values (no Length is written for them).
ISO_DATATYPES = {"date", "datetime", "time", "partialDate", "partialTime", "partialDatetime",
                 "incompleteDatetime", "durationDatetime", "intervalDatetime"}

_SAFE = re.compile(r"[^A-Za-z0-9._-]")
_URL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")


# --- locating the templates and the stylesheet --------------------------------------------------


def templates_dir() -> Path:
    """The ``define/`` template folder next to the ``adam`` package (source tree or editable install)."""
    folder = Path(adam.__file__).resolve().parent.parent / "define"
    if not (folder / TEMPLATE).is_file():
        raise InputError(Problem(f"define.xml templates not found (expected {folder / TEMPLATE})",
                                 file=str(folder)))
    return folder


def stylesheet_path() -> Path:
    """The Define-XML 2.1 stylesheet shipped in the ``defineutils`` package."""
    import defineutils

    return Path(defineutils.__file__).resolve().parent / "definehtml" / STYLESHEET


# --- OIDs ---------------------------------------------------------------------------------------


def item_oid(dataset: str, variable: str) -> str:
    """ItemDef OID of a variable; ``variable`` may itself be ``DATASET.VARIABLE``."""
    if "." in variable:
        dataset, variable = variable.split(".", 1)
    return f"IT.{dataset}.{variable}"


def codelist_oid(cid: str) -> str:
    return f"CL.{cid}"


def dataset_leaf_id(dataset: str) -> str:
    return f"LF.{dataset}"


def document_leaf_id(href: str) -> str:
    return "LF." + _SAFE.sub("_", href)


def standard_oid(std: Standard) -> str:
    parts = [std.name] + ([std.publishing_set] if std.type == "CT" and std.publishing_set else [])
    return "STD." + ".".join(_SAFE.sub("_", p) for p in parts + [std.version])


def value_level_suffix(vl: ValueLevel) -> str:
    """The where-clause part of a value-level ItemDef OID: the condition values, joined."""
    return ".".join(_SAFE.sub("_", "_".join(c.values)) for c in vl.where) or "ALL"


# --- context for the templates ----------------------------------------------------------------


@dataclass
class _Doc:
    """Collects the documents (leaf elements) referenced by methods and comments."""

    leaves: dict[str, str] = field(default_factory=dict)  # href -> leaf ID

    def ref(self, href: str | None) -> str | None:
        if not href:
            return None
        if href not in self.leaves:
            leaf_id = document_leaf_id(href)
            taken = set(self.leaves.values())
            n = 2
            while leaf_id in taken:
                leaf_id, n = f"{document_leaf_id(href)}_{n}", n + 1
            self.leaves[href] = leaf_id
        return self.leaves[href]


def _creation_time(created: datetime | None) -> str:
    when = created or DEFAULT_CREATED
    return when.replace(microsecond=0).isoformat()


def _num(value: float | None) -> str | None:
    if value is None:
        return None
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _standards(spec: Spec) -> list[dict[str, Any]]:
    out, seen = [], set()
    for std in spec.study.standards:
        oid = standard_oid(std)
        if oid in seen:
            continue
        seen.add(oid)
        out.append({"oid": oid, "name": std.name, "type": std.type, "version": std.version,
                    "publishing_set": std.publishing_set, "status": std.status})
    return out


def codelist_standard(spec: Spec, cl: Codelist) -> Standard | None:
    """The CT standard a codelist belongs to: ``Codelist.standard`` names a CT standard by
    publishing set (e.g. ``SDTM``) or by name (e.g. ``CDISC/NCI``, the first such standard)."""
    if not cl.standard:
        return None
    ct = [s for s in spec.study.standards if s.type == "CT"]
    wanted = cl.standard.casefold()
    for std in ct:
        if (std.publishing_set or "").casefold() == wanted:
            return std
    for std in ct:
        if std.name.casefold() == wanted:
            return std
    return None


def dataset_standard(spec: Spec, ds: Dataset) -> Standard | None:
    """The implementation guide a dataset follows: ADaM-OCCDSIG for OCCDS when listed, else the
    first IG standard."""
    igs = [s for s in spec.study.standards if s.type == "IG"]
    if ds.class_ == "OCCDS":
        for std in igs:
            if std.name == "ADaM-OCCDSIG":
                return std
    return igs[0] if igs else None


def _origin(origin: str, source: str | None, extra: Mapping[str, Any]) -> dict[str, Any]:
    kind = extra.get("define_origin") or origin
    return {"type": kind,
            "source": extra.get("origin_source") or DEFAULT_ORIGIN_SOURCE.get(kind),
            "description": source}


def _length(var: Variable, datatype: str, written: Mapping[str, int | None]) -> int | None:
    """Text: the length written, else the spec length; numeric: the spec length, else 8.
    Character ISO 8601 items get a Length only when one is known (Define-XML does not need it)."""
    if var.type == "text":
        actual = written.get(var.name)
        return actual if actual else var.length
    return var.length or 8


def _written_lengths(meta: DatasetMeta | None) -> dict[str, int | None]:
    if meta is None:
        return {}
    return {c.name: c.length for c in meta.columns if not c.is_numeric}


def _item(oid: str, name: str, label: str | None, var: Variable | ValueLevel, length: int | None,
          datatype: str, extra: Mapping[str, Any], spec_comment: str | None) -> dict[str, Any]:
    return {
        "oid": oid,
        "name": name,
        "datatype": datatype,
        "length": length,
        "significant_digits": var.significant_digits,
        "display_format": var.format or (None if datatype in ISO_DATATYPES else _default_format(var)),
        "label": label,
        "codelist": codelist_oid(var.codelist) if var.codelist else None,
        "origin": _origin(var.origin, var.source, extra),
        "comment": spec_comment,
        "value_list": None,
    }


def _default_format(var: Variable | ValueLevel) -> str | None:
    return DEFAULT_FORMAT.get(var.type)


def _dataset_context(spec: Spec, ds: Dataset, meta: DatasetMeta | None) -> tuple[dict, list, list, list]:
    """ItemGroupDef values, its ItemDefs, its ValueListDefs and its WhereClauseDefs."""
    written = _written_lengths(meta)
    key_rank = {k: i + 1 for i, k in enumerate(ds.keys)}
    std = dataset_standard(spec, ds)
    subclass = ds.extra.get("define_subclass") or implied_subclass(ds.class_, ds.name)
    group = {
        "oid": f"IG.{ds.name}",
        "name": ds.name,
        "repeating": "Yes" if ds.is_repeating else "No",
        "reference": "Yes" if ds.extra.get("reference_data") else "No",
        "purpose": ds.purpose,
        "structure": ds.structure,
        "standard": standard_oid(std) if std else None,
        "comment": ds.comment,
        "label": ds.label,
        "class": ds.extra.get("define_class") or ds.define_class,
        "subclass": subclass,
        "leaf": {"id": dataset_leaf_id(ds.name), "href": f"{ds.name.lower()}.xpt",
                 "title": f"{ds.name.lower()}.xpt"},
        "items": [],
    }
    items, value_lists, clauses = [], [], []
    by_var: dict[str, list[ValueLevel]] = {}
    for vl in ds.value_level:
        by_var.setdefault(vl.variable, []).append(vl)

    for pos, var in enumerate(ds.variables, start=1):
        oid = item_oid(ds.name, var.name)
        group["items"].append({"oid": oid, "order": pos, "mandatory": "Yes" if var.mandatory else "No",
                               "key": key_rank.get(var.name), "method": var.method})
        datatype = var.extra.get("define_datatype") or DEFINE_DATATYPE[var.type]
        length = _length(var, datatype, written)
        item = _item(oid, var.name, var.label, var, length, datatype, var.extra, var.comment)
        items.append(item)
        if var.name not in by_var:
            continue
        item["value_list"] = f"VL.{ds.name}.{var.name}"
        refs, used = [], set()
        for order, vl in enumerate(by_var[var.name], start=1):
            suffix, n = value_level_suffix(vl), 2
            vl_oid = f"{oid}.{suffix}"
            while vl_oid in used:
                vl_oid, n = f"{oid}.{suffix}_{n}", n + 1
            used.add(vl_oid)
            clause = vl.clause_id(ds.name)
            refs.append({"oid": vl_oid, "order": order, "mandatory": "Yes" if vl.mandatory else "No",
                         "method": vl.method, "where": clause})
            vl_datatype = DEFINE_DATATYPE[vl.type]
            if vl.type == "text":
                vl_length = vl.length or length
            else:
                vl_length = vl.length or 8
            items.append(_item(vl_oid, var.name, vl.label, vl, vl_length, vl_datatype, {}, vl.comment))
            clauses.append({"oid": clause, "checks": [
                {"item": item_oid(ds.name, c.variable), "comparator": c.comparator, "values": c.values}
                for c in vl.where]})
        value_lists.append({"oid": item["value_list"], "items": refs})
    return group, items, value_lists, clauses


def _codelist_context(spec: Spec, cl: Codelist) -> dict[str, Any]:
    std = codelist_standard(spec, cl)
    decoded = cl.has_decodes
    return {
        "oid": codelist_oid(cl.id),
        "name": cl.name,
        "datatype": cl.type,
        "standard": standard_oid(std) if std else None,
        "nonstandard": "Yes" if std is None else None,
        "comment": cl.comment,
        "nci_code": cl.nci_code,
        "decoded": decoded,
        "dictionary": cl.dictionary,
        "dictionary_version": cl.dictionary_version,
        "items": [{"value": it.value, "order": i, "rank": _num(it.rank),
                   "decode": (it.decode if it.decode is not None else it.value) if decoded else None,
                   "nci_code": it.nci_code}
                  for i, it in enumerate(cl.items, start=1)],
    }


def group_oid(dataset: str) -> str:
    return f"IG.{dataset}"


def arm_clause(ad: AnalysisDataset) -> dict[str, Any] | None:
    """The def:WhereClauseDef of an analysis dataset (None when it selects no records)."""
    cid = ad.clause_id()
    if cid is None:
        return None
    return {"oid": cid, "checks": [
        {"item": item_oid(ad.dataset, c.variable), "comparator": c.comparator, "values": c.values}
        for c in ad.where]}


def _document_present(href: str, folder: Path | None) -> bool:
    if folder is None or _URL.match(href):
        return True
    target = href.split("#", 1)[0]
    return bool(target) and (folder / target).is_file()


def _arm_documents(hrefs: list[str], docs: _Doc, folder: Path | None, what: str) -> list[str]:
    """Leaf IDs of the documents that are present (see the module docstring); others are logged."""
    out = []
    for href in hrefs:
        if _document_present(href, folder):
            out.append(docs.ref(href))
        else:
            log.debug("define.xml: %s: %s is not next to define.xml; its def:DocumentRef is left out",
                     what, href)
    return out


def _analysis_context(spec: Spec, docs: _Doc, folder: Path | None) -> list[dict[str, Any]]:
    displays = []
    for display in spec.analysis_results:
        results = []
        for r in display.results:
            documentation = code = None
            if r.documentation is not None:
                documentation = {"text": r.documentation.text, "documents": _arm_documents(
                    r.documentation.documents, docs, folder, f"arm:Documentation of {r.id}")}
            if r.code is not None:
                code = {"context": r.code.context, "code": r.code.code, "documents": _arm_documents(
                    r.code.documents, docs, folder, f"arm:ProgrammingCode of {r.id}")}
            results.append({
                "oid": r.id,
                "parameter": item_oid("", r.parameter) if r.parameter else None,
                "reason": r.reason,
                "purpose": r.purpose,
                "description": r.description,
                "datasets_comment": r.datasets_comment,
                "datasets": [{"group": group_oid(ad.dataset), "where": ad.clause_id(),
                              "variables": [item_oid(ad.dataset, v) for v in ad.variables]}
                             for ad in r.datasets],
                "documentation": documentation,
                "code": code,
            })
        displays.append({"oid": display.id, "name": display.name, "title": display.title,
                         "documents": _arm_documents(display.documents, docs, folder,
                                                     f"arm:ResultDisplay {display.id}"),
                         "results": results})
    return displays


def define_context(spec: Spec, datasets: Mapping[str, DatasetMeta] | None = None,
                   created: datetime | None = None, documents_dir: Path | None = None) -> dict[str, Any]:
    """Everything the define.xml template needs, as plain values (OIDs resolved).

    ``documents_dir``: the folder define.xml is written to; ARM document references to files
    not in it are left out (None: all are written)."""
    datasets = {k.upper(): v for k, v in (datasets or {}).items()}
    study = spec.study
    ig = next((s for s in study.standards if s.type == "IG"), None)
    docs = _Doc()
    groups, items, value_lists, clauses = [], [], [], []
    seen_clauses: set[str] = set()
    for ds in spec.datasets:
        group, ds_items, ds_lists, ds_clauses = _dataset_context(spec, ds, datasets.get(ds.name))
        groups.append(group)
        items.extend(ds_items)
        value_lists.extend(ds_lists)
        for clause in ds_clauses:  # a where clause shared by several variables is defined once
            if clause["oid"] not in seen_clauses:
                seen_clauses.add(clause["oid"])
                clauses.append(clause)
    methods = [{"oid": m.id, "name": m.name, "type": m.type, "description": m.description,
                "implementation": m.implementation, "document": docs.ref(m.document)}
               for m in spec.methods]
    comments = [{"oid": c.id, "text": c.text, "document": docs.ref(c.document)} for c in spec.comments]
    displays = _analysis_context(spec, docs, documents_dir)
    for result in spec.analysis_result_list():
        for ad in result.datasets:
            clause = arm_clause(ad)
            if clause is not None and clause["oid"] not in seen_clauses:
                seen_clauses.add(clause["oid"])
                clauses.append(clause)
    version = ig.version if ig else "NA"
    return {
        "stylesheet": STYLESHEET,
        "file_oid": f"DEFINE.{study.study_id}.ADaM",
        "created": _creation_time(created),
        "source_system": "adam-toolkit",
        "source_version": adam.__version__,
        "study": {"oid": study.study_id, "name": study.name, "description": study.description,
                  "protocol": study.protocol},
        "mdv": {"oid": f"MDV.{study.study_id}.{ig.name if ig else 'ADaMIG'}.{version}",
                "name": f"Study {study.study_id}, ADaM Data Definitions",
                "define_version": study.define_version},
        "standards": _standards(spec),
        "value_lists": value_lists,
        "where_clauses": clauses,
        "groups": groups,
        "items": items,
        "codelists": [_codelist_context(spec, cl) for cl in spec.codelists],
        "methods": methods,
        "comments": comments,
        "documents": [{"id": leaf_id, "href": href, "title": href} for href, leaf_id in docs.leaves.items()],
        "analysis_displays": displays,
    }


# --- checks before writing ----------------------------------------------------------------------


def spec_reference_problems(spec: Spec) -> list[Problem]:
    """References in the spec that would leave a dangling OID in define.xml."""
    problems: list[Problem] = []
    codelists = {c.id for c in spec.codelists}
    methods = {m.id for m in spec.methods}
    comments = {c.id for c in spec.comments}

    def check(kind: str, ref: str | None, known: set[str], dataset: str | None = None,
              variable: str | None = None) -> None:
        if ref and ref not in known:
            file, line = spec.location(f"{dataset}.{variable}" if variable else (dataset or ""))
            problems.append(Problem(f"{kind} {ref} is not defined in the spec", file=file, line=line,
                                    dataset=dataset, variable=variable))

    names = [d.name for d in spec.datasets]
    for dup in sorted({n for n in names if names.count(n) > 1}):
        problems.append(Problem("dataset defined twice", dataset=dup))
    for cl in spec.codelists:
        check("comment", cl.comment, comments)
    for ds in spec.datasets:
        check("comment", ds.comment, comments, ds.name)
        var_names = ds.variable_names
        for dup in sorted({n for n in var_names if var_names.count(n) > 1}):
            problems.append(Problem("variable listed twice", dataset=ds.name, variable=dup))
        for key in ds.keys:
            if key not in var_names:
                problems.append(Problem(f"key variable {key} is not a variable of the dataset",
                                        dataset=ds.name, variable=key))
        for var in ds.variables:
            check("codelist", var.codelist, codelists, ds.name, var.name)
            check("method", var.method, methods, ds.name, var.name)
            check("comment", var.comment, comments, ds.name, var.name)
        other = {d.name: set(d.variable_names) for d in spec.datasets}
        for vl in ds.value_level:
            if vl.variable not in var_names:
                problems.append(Problem("value-level metadata for a variable the dataset does not have",
                                        dataset=ds.name, variable=vl.variable))
            check("codelist", vl.codelist, codelists, ds.name, vl.variable)
            check("method", vl.method, methods, ds.name, vl.variable)
            check("comment", vl.comment, comments, ds.name, vl.variable)
            for cond in vl.where:
                target, name = (cond.variable.split(".", 1) if "." in cond.variable
                                else (ds.name, cond.variable))
                if name not in other.get(target, set()):
                    problems.append(Problem(f"where clause {vl.clause_id(ds.name)} tests {cond.variable}, "
                                            f"which is not a variable of {target}",
                                            dataset=ds.name, variable=vl.variable))
    problems += analysis_reference_problems(spec)
    return problems


def _clause_checks(dataset: str, conditions: list) -> tuple:
    return tuple((item_oid(dataset, c.variable), c.comparator, tuple(c.values)) for c in conditions)


def analysis_reference_problems(spec: Spec) -> list[Problem]:
    """References of the analysis results that would leave a dangling or ambiguous OID:
    datasets, variables, the parameter, comments, and where-clause OIDs that stand for
    different conditions (ARM and value-level clauses share one namespace)."""
    problems: list[Problem] = []
    variables = {d.name: set(d.variable_names) for d in spec.datasets}
    comments = {c.id for c in spec.comments}
    clauses: dict[str, tuple] = {}
    for ds in spec.datasets:
        for vl in ds.value_level:
            clauses.setdefault(vl.clause_id(ds.name), _clause_checks(ds.name, vl.where))

    def add(key: str, message: str, dataset: str | None = None, variable: str | None = None) -> None:
        file, line = spec.location(key)
        problems.append(Problem(message, file=file, line=line, dataset=dataset, variable=variable))

    def known(ref: str, default_ds: str) -> bool:
        ds, var = ref.split(".", 1) if "." in ref else (default_ds, ref)
        return var in variables.get(ds, set())

    displays = [d.id for d in spec.analysis_results]
    results = [r.id for r in spec.analysis_result_list()]
    for oid in sorted({o for o in displays if displays.count(o) > 1}):
        add(f"display:{oid}", f"arm:ResultDisplay OID {oid} is used twice")
    for oid in sorted({o for o in results if results.count(o) > 1}):
        add(f"result:{oid}", f"arm:AnalysisResult OID {oid} is used twice")
    for display in spec.analysis_results:
        for r in display.results:
            what = f"analysis result {r.id}"
            if r.parameter and ("." not in r.parameter or not known(r.parameter, "")):
                add(f"result:{r.id}", f"{what}: parameter {r.parameter} is not a DATASET.VARIABLE of the spec")
            elif r.parameter and r.parameter.split(".")[0] not in {ad.dataset for ad in r.datasets}:
                add(f"result:{r.id}", f"{what}: parameter {r.parameter} is not a variable of its analysis "
                                      f"datasets ({', '.join(ad.dataset for ad in r.datasets)})")
            if r.datasets_comment and r.datasets_comment not in comments:
                add(f"result:{r.id}", f"{what}: comment {r.datasets_comment} is not defined in the spec")
            for i, ad in enumerate(r.datasets):
                key = f"result:{r.id}#{i}"
                if ad.dataset not in variables:
                    add(key, f"{what}: dataset {ad.dataset} is not defined in the spec", ad.dataset)
                    continue
                for var in ad.variables:
                    if var not in variables[ad.dataset]:
                        add(key, f"{what}: analysis variable {var} is not a variable of {ad.dataset}",
                            ad.dataset, var)
                for cond in ad.where:
                    if not known(cond.variable, ad.dataset):
                        owner = cond.variable.split(".")[0] if "." in cond.variable else ad.dataset
                        add(key, f"{what}: where clause {ad.clause_id()} tests {cond.variable}, which is "
                                 f"not a variable of {owner}", ad.dataset, cond.variable)
                cid = ad.clause_id()
                if cid is None:
                    if ad.where_id:
                        add(key, f"{what}: where clause {ad.where_id} has no conditions", ad.dataset)
                    continue
                checks = _clause_checks(ad.dataset, ad.where)
                if clauses.setdefault(cid, checks) != checks:
                    add(key, f"{what}: where clause OID {cid} is also used for other conditions; give "
                             "this one a distinct where_id", ad.dataset)
    return problems


# --- writing ------------------------------------------------------------------------------------


def _environment():
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["attrs"] = _attrs
    return env


def _attrs(pairs: list[tuple[str, Any]]):
    """Render ``name="value"`` for each pair whose value is not None (escaped)."""
    from markupsafe import Markup, escape

    return Markup("".join(f' {name}="{escape(str(value))}"' for name, value in pairs if value is not None))


def _as_meta(info: DatasetMeta | Path | str) -> DatasetMeta:
    if isinstance(info, DatasetMeta):
        return info
    from adam.export.define_check import xpt_metadata

    return xpt_metadata(Path(info))


def render_define(spec: Spec, *, datasets: Mapping[str, DatasetMeta | Path | str] | None = None,
                  created: datetime | None = None, documents_dir: Path | str | None = None) -> str:
    """The define.xml text for ``spec`` (see :func:`write_define`). ``documents_dir``: ARM
    document references to files not in this folder are left out (None: all written)."""
    problems = spec_reference_problems(spec)
    if problems:
        raise InputError(problems)
    metas = {k.upper(): _as_meta(v) for k, v in (datasets or {}).items()}
    context = define_context(spec, metas, created,
                             Path(documents_dir) if documents_dir is not None else None)
    text = _environment().get_template(TEMPLATE).render(**context)
    # markupsafe writes quotes as numeric references; XML needs neither in text nor in
    # double-quoted attributes, so keep the readable forms.
    return text.replace("&#39;", "'").replace("&#34;", "&quot;")


def write_define(spec: Spec, out_dir: Path | str, *,
                 datasets: Mapping[str, DatasetMeta | Path | str] | None = None,
                 created: datetime | None = None) -> Path:
    """Write ``out_dir/define.xml`` (Define-XML 2.1) and the stylesheet it points to.

    Dataset, variable, value-level, codelist, method and comment metadata come from ``spec``,
    and analysis results metadata (ARM 1.0) when the spec has analysis results: a document ARM
    refers to is linked only when the file is already in ``out_dir`` (see the module docstring).
    ``datasets`` maps dataset names to the metadata of the XPT files actually written (a
    :class:`DatasetMeta` as returned by ``read_xpt``, or the path of the XPT file): the Length of
    each text variable is then the length written, else the spec length. Without ``datasets``,
    the ``<dataset>.xpt`` files already in ``out_dir`` are read (metadata only) for the same
    purpose. ``created`` fixes CreationDateTime (default: a constant, so the same spec gives the
    same bytes).

    Raises :class:`InputError` (nothing written) when the spec refers to codelists, methods,
    comments, datasets or variables it does not define, or gives one where-clause OID to
    different conditions. Returns the path of define.xml.
    """
    out_dir = Path(out_dir)
    if datasets is None:
        datasets = {ds.name: out_dir / f"{ds.name.lower()}.xpt" for ds in spec.datasets
                    if (out_dir / f"{ds.name.lower()}.xpt").is_file()}
    text = render_define(spec, datasets=datasets, created=created, documents_dir=out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / DEFINE_FILE
    tmp = out_dir / f".{DEFINE_FILE}.tmp"
    tmp.write_bytes(text.encode("utf-8"))
    tmp.replace(path)
    shutil.copyfile(stylesheet_path(), out_dir / STYLESHEET)
    return path


def __getattr__(name: str):  # one import point for the define functions kept in other modules
    if name == "validate_define":
        from adam.export.define_check import validate_define

        return validate_define
    if name == "render_define_html":
        from adam.export.define_html import render_define_html

        return render_define_html
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
