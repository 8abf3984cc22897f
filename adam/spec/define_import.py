"""Read a define.xml (Define-XML 2.1 or 1.0) into a :class:`~adam.spec.model.Spec`.

What is read, for both versions: study (OID, name, description, protocol), standards, datasets
in document order with their label, class, structure, keys and comment; variables in
OrderNumber order with label, type, length, significant digits, display format, codelist,
origin, source, method and comment; value-level metadata with where clauses; codelists;
methods; comments; and, for 2.1, analysis results metadata (ARM 1.0).

Define-XML 2.1
    Read as written. Numeric items with a date, datetime or time display format become spec
    types ``date``/``datetime``/``time`` (the format is kept only when it is not the default);
    character ISO 8601 items (DataType date, datetime, ...) become ``text`` with the Define-XML
    type in ``Variable.extra["define_datatype"]``. What the spec has no field for but the export
    writes back is kept in ``extra``: ``define_subclass``, ``define_class``, ``reference_data``
    (datasets); ``define_origin`` (origin types Other / Not Available, read as Assigned) and
    ``origin_source`` (a def:Origin Source other than the default for its type) (variables).
    Mandatory="Yes" gives core ``Req``, otherwise ``Perm``. Codelist OIDs lose a ``CL.`` prefix.
    arm:AnalysisResultDisplays become ``Spec.analysis_results``: display and result OIDs are
    kept as ids; ParameterOID becomes ``DATASET.VARIABLE``; an analysis dataset's where clause
    becomes its conditions (its OID kept as ``where_id`` unless it is the one the export would
    generate); analysis variables become names; def:DocumentRef elements become file names
    (def:PDFPageRef and leaf titles are not kept).

Define-XML 1.0 (e.g. the CDISC pilot's ADaM define)
    Labels, origins and derivations are attributes (def:Label, Origin, Comment). Origin text is
    mapped: "Derived" -> Derived, "Predecessor" -> Predecessor, "Assigned" / "Sponsor" ->
    Assigned, "Protocol" -> Protocol, "CRF ..." / "eDT" / "Collected" -> Collected; the raw text
    is kept in ``extra["define1_origin"]`` when it is not exactly the mapped value. A Derived
    item whose Comment is only a ``DATASET.VARIABLE`` reference (e.g. ``DM.AGE``) is read as
    Predecessor with that source; any other Comment of a Derived item becomes the description
    of a method ``MT.<DATASET>.<VARIABLE>`` (a def:ComputationMethodOID, when given, wins); the
    Comment of other items becomes a comment ``COM.<DATASET>.<VARIABLE>``. def:DomainKeys gives
    the keys; def:Class ADSL / BDS / ADAE map to ADSL / BDS / OCCDS, and a BDS dataset with CNSR
    is TTE; a key that is not a variable of the dataset is dropped with a warning (the pilot's
    ADLBHY lists LBSEQ). Value lists have no where clauses in 1.0: each value-level ItemDef is taken to
    describe the records with ``PARAMCD`` equal to its Name (the pilot's convention, e.g.
    ``ADLBC.AVAL.ALB`` named ``ALB``); a dataset without PARAMCD cannot be read this way and is
    reported. The ADaM model version (def:StandardVersion 2.1) is read as ADaMIG 1.0.

Bad input (not well-formed XML, not a define.xml, a version other than 2.1 or 1.0, references
to undefined OIDs, values the spec cannot hold) raises one :class:`InputError` listing every
problem with the element, the OID and the line.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lxml import etree
from pydantic import ValidationError

from adam.console import log
from adam.errors import InputError, Problem
from adam.export.define import implied_subclass
from adam.spec.model import (
    DEFAULT_FORMAT,
    DEFINE_CLASS,
    AnalysisDataset,
    AnalysisDisplay,
    AnalysisDocumentation,
    AnalysisResult,
    Codelist,
    CodelistItem,
    Comment,
    Condition,
    Dataset,
    Method,
    ProgrammingCode,
    Spec,
    Standard,
    Study,
    ValueLevel,
    Variable,
)

ODM_NAMESPACES = ("http://www.cdisc.org/ns/odm/v1.3", "http://www.cdisc.org/ns/odm/v1.2")
DEF21 = "http://www.cdisc.org/ns/def/v2.1"
DEF10 = "http://www.cdisc.org/ns/def/v1.0"
XLINK = "http://www.w3.org/1999/xlink"
ARM = "http://www.cdisc.org/ns/arm/v1.0"

ORIGINS = ("Collected", "Derived", "Assigned", "Predecessor", "Protocol")
DEFAULT_ORIGIN_SOURCE = {"Derived": "Sponsor", "Assigned": "Sponsor", "Collected": "Investigator"}
ISO_DATATYPES = {"date", "datetime", "time", "partialDate", "partialTime", "partialDatetime",
                 "incompleteDatetime", "durationDatetime", "intervalDatetime"}
_REFERENCE = re.compile(r"^[A-Z][A-Z0-9_]{0,7}\.[A-Z][A-Z0-9_]{0,7}$")


def temporal_kind(display_format: str | None) -> str | None:
    """``date``, ``datetime`` or ``time`` for a SAS date/datetime/time format, else None."""
    name = re.sub(r"[\d.]+$", "", (display_format or "").upper())
    if not name:
        return None
    if name in ("DATETIME", "E8601DT", "IS8601DT", "DATEAMPM"):
        return "datetime"
    if name in ("TIME", "TOD", "E8601TM", "IS8601TM", "HHMM"):
        return "time"
    if name.startswith(("DATE", "YYMMDD", "E8601DA", "IS8601DA", "MMDDYY", "DDMMYY", "YYMM", "MONYY")):
        return "date"
    return None


def dataset_class(text: str | None, subclasses: list[str], variables: list[str],
                  guess_tte: bool = False) -> str:
    """Our dataset class from a Define-XML class name (2.1 names, or 1.0 ADSL / BDS / ADAE)."""
    t = (text or "").upper()
    if t == "ADSL" or "SUBJECT LEVEL" in t:
        return "ADSL"
    if t in ("OCCDS", "ADAE") or t.startswith("OCCURRENCE"):
        return "OCCDS"
    if "TIME-TO-EVENT" in subclasses or t in ("TTE", "ADTTE"):
        return "TTE"
    if t in ("BDS",) or t.startswith("BASIC DATA STRUCTURE"):
        return "TTE" if guess_tte and "CNSR" in variables else "BDS"
    return "OTHER"


def origin_from_text(text: str | None) -> str:
    """Map a Define-XML 1.0 Origin text to one of our origins."""
    t = (text or "").strip().lower()
    if t.startswith("predecessor"):
        return "Predecessor"
    if t.startswith(("assigned", "sponsor")):
        return "Assigned"
    if t.startswith("protocol"):
        return "Protocol"
    if t.startswith(("crf", "edt", "collected", "ecrf")):
        return "Collected"
    return "Derived"


class _Reader:
    """What both versions share: parsing helpers, problem collection, model building."""

    def __init__(self, path: Path, root: etree._Element, odm: str, defns: str):
        self.path = path
        self.root = root
        self.odm = odm
        self.defns = defns
        self.problems: list[Problem] = []
        self.mdv = root.find(f"{{{odm}}}Study/{{{odm}}}MetaDataVersion")
        if self.mdv is None:
            raise InputError(Problem("no Study/MetaDataVersion element", file=str(path), line=root.sourceline))
        self.items = self._index("ItemDef")
        self.codelist_els = self._index("CodeList")
        self.value_lists = self._index("ValueListDef", defns)
        self.leaves = self._index("leaf", defns, "ID")
        self.codelist_ids = self._codelist_ids()
        self.item_dataset = {}
        for group in self.mdv.iterfind(self.o("ItemGroupDef")):
            for ref in group.iterfind(self.o("ItemRef")):
                self.item_dataset.setdefault(ref.get("ItemOID"), group.get("Name"))

    # --- small helpers --------------------------------------------------------------------------

    def o(self, local: str) -> str:
        return f"{{{self.odm}}}{local}"

    def d(self, local: str) -> str:
        return f"{{{self.defns}}}{local}"

    def _index(self, local: str, ns: str | None = None, id_attr: str = "OID") -> dict[str, etree._Element]:
        out: dict[str, etree._Element] = {}
        for el in self.mdv.iter(f"{{{ns or self.odm}}}{local}"):
            oid = el.get(id_attr)
            if oid is None:
                continue
            if oid in out:
                self.problem(el, f"{local} {id_attr}={oid} is defined twice (first on line {out[oid].sourceline})")
            out.setdefault(oid, el)
        return out

    def _codelist_ids(self) -> dict[str, str]:
        """Spec codelist id of each CodeList OID: the OID without a ``CL.`` prefix, unless that clashes."""
        oids = list(self.codelist_els)
        ids = {}
        for oid in oids:
            short = oid[3:] if oid.startswith("CL.") and len(oid) > 3 else oid
            ids[oid] = short if (short == oid or short not in oids) else oid
        return ids

    def problem(self, el: etree._Element | None, message: str, dataset: str | None = None,
                variable: str | None = None) -> None:
        self.problems.append(Problem(message, file=str(self.path), line=el.sourceline if el is not None else None,
                                     dataset=dataset, variable=variable))

    def resolve(self, el: etree._Element, attr: str, table: dict[str, Any], kind: str,
                dataset: str | None = None, variable: str | None = None) -> str | None:
        """The value of a reference attribute, reported when it names no definition."""
        value = el.get(attr)
        if value is None:
            return None
        if value not in table:
            name = etree.QName(attr).localname
            prefix = "def:" if etree.QName(attr).namespace == self.defns else ""
            self.problem(el, f"{etree.QName(el).localname} {prefix}{name}={value}: no {kind} with this OID",
                         dataset, variable)
            return None
        return value

    def translated(self, el: etree._Element | None, child: str = "Description") -> str | None:
        if el is None:
            return None
        node = el.find(f"{self.o(child)}/{self.o('TranslatedText')}")
        if node is None:
            return None
        return (node.text or "").strip()

    def build(self, model: Callable[..., Any], el: etree._Element | None, what: str, ds: str | None = None,
              var: str | None = None, **fields: Any) -> Any:
        """``model(**fields)``; a validation error becomes a problem naming ``what`` (element and OID)."""
        try:
            return model(**fields)
        except ValidationError as error:
            for err in error.errors():
                loc = ".".join(str(p) for p in err["loc"])
                self.problem(el, f"{what}: {loc}: {err['msg']}", ds, var)
            return None

    def item_type(self, item: etree._Element) -> tuple[str, str | None, dict[str, Any]]:
        """(spec type, spec format, extra) of an ItemDef."""
        datatype = item.get("DataType") or "text"
        fmt = item.get(self.d("DisplayFormat")) or None
        if datatype in ("integer", "float"):
            kind = temporal_kind(fmt)
            if kind:
                return kind, (None if fmt == DEFAULT_FORMAT[kind] else fmt), {}
            return datatype, fmt, {}
        if datatype in ISO_DATATYPES:
            return "text", fmt, {"define_datatype": datatype}
        return "text", fmt, {}

    @staticmethod
    def as_int(value: str | None) -> int | None:
        if value is None or not value.strip():
            return None
        try:
            return int(value)
        except ValueError:
            return None

    def codelist_of(self, item: etree._Element, dataset: str | None, variable: str | None) -> str | None:
        ref = item.find(self.o("CodeListRef"))
        if ref is None:
            return None
        oid = self.resolve(ref, "CodeListOID", self.codelist_els, "CodeList", dataset, variable)
        return self.codelist_ids.get(oid) if oid else None

    def sorted_refs(self, parent: etree._Element) -> list[etree._Element]:
        refs = list(parent.iterfind(self.o("ItemRef")))
        return sorted(refs, key=lambda r: self.as_int(r.get("OrderNumber")) or 0)

    def leaf_href(self, el: etree._Element) -> str | None:
        ref = el.find(self.d("DocumentRef"))
        if ref is None:
            return None
        leaf_id = self.resolve(ref, "leafID", self.leaves, "def:leaf")
        return self.leaves[leaf_id].get(f"{{{XLINK}}}href") if leaf_id else None

    def leaf_hrefs(self, el: etree._Element) -> list[str]:
        """The file names of every def:DocumentRef child of ``el``."""
        out = []
        for ref in el.iterfind(self.d("DocumentRef")):
            leaf_id = self.resolve(ref, "leafID", self.leaves, "def:leaf")
            if leaf_id:
                out.append(self.leaves[leaf_id].get(f"{{{XLINK}}}href") or "")
        return out

    def codelist_items(self, cl: etree._Element, rank_attr: str) -> list[CodelistItem | None]:
        elements = [e for e in cl if isinstance(e.tag, str)
                    and etree.QName(e).localname in ("CodeListItem", "EnumeratedItem")]
        if elements and all(e.get("OrderNumber") for e in elements):
            elements.sort(key=lambda e: self.as_int(e.get("OrderNumber")) or 0)
        items = []
        for e in elements:
            decode = None
            if etree.QName(e).localname == "CodeListItem":
                decode = self.translated(e, "Decode") or ""
            rank = e.get(rank_attr)
            items.append(self.build(CodelistItem, e, f"CodeList {cl.get('OID')} item", value=e.get("CodedValue", ""),
                                    decode=decode, nci_code=self.nci(e),
                                    rank=float(rank) if rank not in (None, "") else None))
        return items

    def nci(self, el: etree._Element) -> str | None:
        for alias in el.iterfind(self.o("Alias")):
            if alias.get("Context") == "nci:ExtCodeID":
                return alias.get("Name")
        return None

    def external(self, cl: etree._Element) -> tuple[str | None, str | None]:
        ext = cl.find(self.o("ExternalCodeList"))
        return (ext.get("Dictionary"), ext.get("Version")) if ext is not None else (None, None)

    def global_study(self, standards: list[Standard], define_version: str) -> Study | None:
        study_el = self.root.find(self.o("Study"))
        gv = study_el.find(self.o("GlobalVariables")) if study_el is not None else None

        def text(local: str) -> str:
            node = gv.find(self.o(local)) if gv is not None else None
            return (node.text or "").strip() if node is not None else ""

        study_id = study_el.get("OID") if study_el is not None else ""
        return self.build(Study, study_el, f"Study {study_id}", study_id=study_id or text("StudyName"),
                          name=text("StudyName"), description=text("StudyDescription"),
                          protocol=text("ProtocolName"), define_version=define_version,
                          standards=standards or [Standard()], module=None, data_cutoff=None)

    def finish(self, study: Study | None, datasets: list, codelists: list, methods: list,
               comments: list, analysis_results: list | None = None) -> Spec:
        if self.problems or study is None:
            raise InputError(self.problems or [Problem("the study could not be read", file=str(self.path))])
        try:
            return Spec(study=study, datasets=[d for d in datasets if d is not None],
                        codelists=[c for c in codelists if c is not None],
                        methods=[m for m in methods if m is not None],
                        comments=[c for c in comments if c is not None],
                        analysis_results=[d for d in analysis_results or [] if d is not None])
        except ValidationError as error:
            raise InputError([Problem(f"spec: {e['msg']}", file=str(self.path)) for e in error.errors()]) from None


# --- Define-XML 2.1 ---------------------------------------------------------------------------------


class _Reader21(_Reader):
    def read(self) -> Spec:
        self.methods = self._index("MethodDef")
        self.comment_els = self._index("CommentDef", self.defns)
        self.where_els = self._index("WhereClauseDef", self.defns)
        self.standard_els = self._index("Standard", self.defns)
        standards = [self.standard(el) for el in self.standard_els.values()]
        self.standard_names = self._standard_names()
        study = self.global_study([s for s in standards if s is not None],
                                  self.mdv.get(self.d("DefineVersion")) or "2.1.0")
        datasets = [self.dataset(g) for g in self.mdv.iterfind(self.o("ItemGroupDef"))]
        codelists = [self.codelist(c) for c in self.codelist_els.values()]
        methods = [self.method(m) for m in self.methods.values()]
        comments = [self.build(Comment, c, f"def:CommentDef {oid}", id=oid, text=self.translated(c) or "",
                               document=self.leaf_href(c))
                    for oid, c in self.comment_els.items()]
        self.groups = {g.get("OID"): g for g in self.mdv.iterfind(self.o("ItemGroupDef"))}
        displays = [self.display(el) for el in self.mdv.iterfind(f"{{{ARM}}}AnalysisResultDisplays/"
                                                                 f"{{{ARM}}}ResultDisplay")]
        return self.finish(study, datasets, codelists, methods, comments, displays)

    # --- analysis results metadata (ARM 1.0) ----------------------------------------------------------

    def a(self, local: str) -> str:
        return f"{{{ARM}}}{local}"

    def display(self, el: etree._Element) -> AnalysisDisplay | None:
        oid = el.get("OID") or ""
        results = [self.analysis_result(r) for r in el.iterfind(self.a("AnalysisResult"))]
        if any(r is None for r in results):
            return None
        return self.build(AnalysisDisplay, el, f"arm:ResultDisplay {oid}", id=oid, name=el.get("Name") or oid,
                          title=self.translated(el) or "", documents=self.leaf_hrefs(el), results=results)

    def analysis_result(self, el: etree._Element) -> AnalysisResult | None:
        oid = el.get("OID") or ""
        what = f"arm:AnalysisResult {oid}"
        parameter = None
        param_oid = self.resolve(el, "ParameterOID", self.items, "ItemDef")
        if param_oid is not None:
            item = self.items[param_oid]
            owner = self.item_dataset.get(param_oid)
            if owner is None:
                self.problem(el, f"{what}: ParameterOID={param_oid} is not a variable of any ItemGroupDef")
            else:
                parameter = f"{owner}.{item.get('Name')}"
        holder = el.find(self.a("AnalysisDatasets"))
        datasets, comment = [], None
        if holder is not None:
            comment = self.resolve(holder, self.d("CommentOID"), self.comment_els, "def:CommentDef")
            datasets = [self.analysis_dataset(ad, what) for ad in holder.iterfind(self.a("AnalysisDataset"))]
        if any(d is None for d in datasets):
            return None
        documentation = code = None
        doc_el = el.find(self.a("Documentation"))
        if doc_el is not None:
            documentation = self.build(AnalysisDocumentation, doc_el, f"{what} arm:Documentation",
                                       text=self.translated(doc_el) or "", documents=self.leaf_hrefs(doc_el))
        code_el = el.find(self.a("ProgrammingCode"))
        if code_el is not None:
            code_text = code_el.find(self.a("Code"))
            text = None
            if code_text is not None:  # leading blank lines and trailing space only: indentation is code
                text = re.sub(r"^(?:[ \t]*\n)+", "", code_text.text or "").rstrip()
            code = self.build(ProgrammingCode, code_el, f"{what} arm:ProgrammingCode",
                              context=code_el.get("Context"), code=text, documents=self.leaf_hrefs(code_el))
        return self.build(AnalysisResult, el, what, id=oid, description=self.translated(el) or "",
                          parameter=parameter, reason=el.get("AnalysisReason") or "",
                          purpose=el.get("AnalysisPurpose") or "", datasets=datasets,
                          datasets_comment=comment, documentation=documentation, code=code)

    def analysis_dataset(self, el: etree._Element, what: str) -> AnalysisDataset | None:
        group_oid = self.resolve(el, "ItemGroupOID", self.groups, "ItemGroupDef")
        if group_oid is None:
            return None
        dataset = self.groups[group_oid].get("Name") or ""
        variables = []
        for var in el.iterfind(self.a("AnalysisVariable")):
            oid = self.resolve(var, "ItemOID", self.items, "ItemDef", dataset)
            if oid is not None:
                variables.append(self.items[oid].get("Name") or "")
        where: list[Condition] = []
        wc_oid = None
        ref = el.find(self.d("WhereClauseRef"))
        if ref is not None:
            wc_oid = self.resolve(ref, "WhereClauseOID", self.where_els, "def:WhereClauseDef", dataset)
            if wc_oid is not None:
                where = self.conditions(self.where_els[wc_oid], dataset)
        ad = self.build(AnalysisDataset, el, f"{what} arm:AnalysisDataset {group_oid}", ds=dataset,
                        dataset=dataset, where=where, variables=variables)
        if ad is not None and wc_oid is not None and ad.clause_id() != wc_oid:
            ad.where_id = wc_oid
        return ad

    def standard(self, el: etree._Element) -> Standard | None:
        return self.build(Standard, el, f"def:Standard {el.get('OID')}", name=el.get("Name"),
                          version=el.get("Version"), type=el.get("Type"),
                          publishing_set=el.get("PublishingSet"), status=el.get("Status") or "Final")

    def _standard_names(self) -> dict[str, str]:
        """How a codelist names its CT standard: by name when unique, else by publishing set."""
        ct = [el for el in self.standard_els.values() if el.get("Type") == "CT"]
        out = {}
        for el in ct:
            same = [o for o in ct if o.get("Name") == el.get("Name")]
            out[el.get("OID")] = el.get("PublishingSet") if len(same) > 1 and el.get("PublishingSet") \
                else el.get("Name")
        return out

    def dataset(self, g: etree._Element) -> Dataset | None:
        name = g.get("Name") or g.get("SASDatasetName") or ""
        cls_el = g.find(self.d("Class"))
        cls_name = cls_el.get("Name") if cls_el is not None else None
        subclasses = [s.get("Name") for s in cls_el.iterfind(self.d("SubClass"))] if cls_el is not None else []
        variables, value_level, keyed = [], [], []
        for ref in self.sorted_refs(g):
            oid = self.resolve(ref, "ItemOID", self.items, "ItemDef", name)
            if oid is None:
                continue
            item = self.items[oid]
            var = self.variable(item, ref, name)
            if var is None:
                continue
            variables.append(var)
            if ref.get("KeySequence"):
                keyed.append((self.as_int(ref.get("KeySequence")) or 0, var.name))
            vl_ref = item.find(self.d("ValueListRef"))
            if vl_ref is not None:
                value_level.extend(self.value_list(vl_ref, name, var.name))
        class_ = dataset_class(cls_name, subclasses, [v.name for v in variables])
        extra: dict[str, Any] = {}
        if cls_name and cls_name != DEFINE_CLASS[class_]:
            extra["define_class"] = cls_name
        subclass = subclasses[0] if subclasses else None
        if subclass and subclass != implied_subclass(class_, name):
            extra["define_subclass"] = subclass
        if g.get("IsReferenceData") == "Yes":
            extra["reference_data"] = True
        repeating = g.get("Repeating") == "Yes"
        return self.build(
            Dataset, g, f"ItemGroupDef {g.get('OID')}", ds=name,
            name=name, label=self.translated(g) or "", class_=class_,
            structure=g.get(self.d("Structure")) or "", keys=[v for _, v in sorted(keyed)],
            purpose=g.get("Purpose") or "Analysis",
            repeating=None if repeating == (class_ != "ADSL") else repeating,
            comment=self.resolve(g, self.d("CommentOID"), self.comment_els, "def:CommentDef", name),
            module=None, variables=variables, value_level=value_level, extra=extra,
        )

    def origin(self, item: etree._Element) -> tuple[str, str | None, dict[str, Any]]:
        el = item.find(self.d("Origin"))
        if el is None:
            return "Derived", None, {}
        kind = el.get("Type") or "Derived"
        extra: dict[str, Any] = {}
        origin = kind if kind in ORIGINS else "Assigned"
        if kind not in ORIGINS:
            extra["define_origin"] = kind
        source_attr = el.get("Source")
        if source_attr and source_attr != DEFAULT_ORIGIN_SOURCE.get(kind):
            extra["origin_source"] = source_attr
        return origin, self.translated(el), extra

    def variable(self, item: etree._Element, ref: etree._Element, dataset: str) -> Variable | None:
        name = item.get("Name") or ""
        type_, fmt, extra = self.item_type(item)
        origin, source, origin_extra = self.origin(item)
        extra.update(origin_extra)
        return self.build(
            Variable, item, f"ItemDef {item.get('OID')}", ds=dataset, var=name,
            name=name, label=self.translated(item) or "", type=type_,
            length=self.as_int(item.get("Length")), format=fmt,
            significant_digits=self.as_int(item.get("SignificantDigits")),
            codelist=self.codelist_of(item, dataset, name), origin=origin, source=source,
            method=self.resolve(ref, "MethodOID", self.methods, "MethodDef", dataset, name),
            comment=self.resolve(item, self.d("CommentOID"), self.comment_els, "def:CommentDef", dataset, name),
            core="Req" if ref.get("Mandatory") == "Yes" else "Perm", extra=extra,
        )

    def value_list(self, vl_ref: etree._Element, dataset: str, variable: str) -> list[ValueLevel]:
        oid = self.resolve(vl_ref, "ValueListOID", self.value_lists, "def:ValueListDef", dataset, variable)
        if oid is None:
            return []
        out = []
        for ref in self.sorted_refs(self.value_lists[oid]):
            item_oid = self.resolve(ref, "ItemOID", self.items, "ItemDef", dataset, variable)
            wc_ref = ref.find(self.d("WhereClauseRef"))
            if wc_ref is None:
                self.problem(ref, f"ItemRef ItemOID={ref.get('ItemOID')} in def:ValueListDef {oid} has no "
                                  "def:WhereClauseRef", dataset, variable)
                continue
            wc_oid = self.resolve(wc_ref, "WhereClauseOID", self.where_els, "def:WhereClauseDef", dataset, variable)
            if item_oid is None or wc_oid is None:
                continue
            item = self.items[item_oid]
            where = self.conditions(self.where_els[wc_oid], dataset)
            type_, fmt, _ = self.item_type(item)
            origin, source, _ = self.origin(item)
            vl = self.build(
                ValueLevel, item, f"ItemDef {item_oid}", ds=dataset, var=variable,
                variable=variable, where=where, label=self.translated(item), type=type_,
                length=self.as_int(item.get("Length")), format=fmt,
                significant_digits=self.as_int(item.get("SignificantDigits")),
                codelist=self.codelist_of(item, dataset, variable), origin=origin, source=source,
                method=self.resolve(ref, "MethodOID", self.methods, "MethodDef", dataset, variable),
                comment=self.resolve(item, self.d("CommentOID"), self.comment_els, "def:CommentDef",
                                     dataset, variable),
                mandatory=ref.get("Mandatory") == "Yes",
            )
            if vl is not None:
                if vl.clause_id(dataset) != wc_oid:
                    vl.where_id = wc_oid
                out.append(vl)
        return out

    def conditions(self, wc: etree._Element, dataset: str) -> list[Condition]:
        out = []
        for check in wc.iterfind(self.o("RangeCheck")):
            oid = self.resolve(check, self.d("ItemOID"), self.items, "ItemDef", dataset)
            if oid is None:
                continue
            name = self.items[oid].get("Name") or ""
            owner = self.item_dataset.get(oid)
            if owner and owner != dataset:
                name = f"{owner}.{name}"
            values = [(v.text or "") for v in check.iterfind(self.o("CheckValue"))]
            cond = self.build(Condition, check, f"def:WhereClauseDef {wc.get('OID')}", ds=dataset,
                              variable=name, comparator=check.get("Comparator") or "EQ", values=values)
            if cond is not None:
                out.append(cond)
        return out

    def codelist(self, cl: etree._Element) -> Codelist | None:
        oid = cl.get("OID")
        std = self.resolve(cl, self.d("StandardOID"), self.standard_els, "def:Standard")
        datatype = cl.get("DataType")
        dictionary, version = self.external(cl)
        return self.build(
            Codelist, cl, f"CodeList {oid}", id=self.codelist_ids[oid], name=cl.get("Name") or oid,
            type=datatype if datatype in ("text", "integer", "float") else "text",
            nci_code=self.nci(cl), standard=self.standard_names.get(std) if std else None,
            items=[i for i in self.codelist_items(cl, "Rank") if i is not None],
            comment=self.resolve(cl, self.d("CommentOID"), self.comment_els, "def:CommentDef"),
            dictionary=dictionary, dictionary_version=version,
        )

    def method(self, el: etree._Element) -> Method | None:
        oid = el.get("OID")
        code = None
        for expr in el.iterfind(self.o("FormalExpression")):
            if (expr.get("Context") or "").lower().startswith("python"):
                code = (expr.text or "").strip()
                break
        kind = el.get("Type")
        return self.build(Method, el, f"MethodDef {oid}", id=oid, name=el.get("Name") or oid,
                          type=kind if kind in ("Computation", "Imputation") else "Computation",
                          description=self.translated(el) or "", implementation=code or None,
                          document=self.leaf_href(el))


# --- Define-XML 1.0 ---------------------------------------------------------------------------------


class _Reader10(_Reader):
    def read(self) -> Spec:
        self.methods: dict[str, Method] = {}
        self.comments: dict[str, Comment] = {}
        self.computation = self._index("ComputationMethod", self.defns)
        for oid, el in self.computation.items():
            if el.getparent() is self.mdv:  # ARM selection criteria are not derivations
                self.methods[oid] = Method(id=oid, name=el.get("Name") or oid,
                                           description=(el.text or "").strip() or oid)
        name = self.mdv.get(self.d("StandardName")) or ""
        version = self.mdv.get(self.d("StandardVersion")) or ""
        standards = []
        if "adam" in name.lower():
            standards.append(Standard(name="ADaMIG", version="1.0" if version in ("2.1", "") else version))
        study = self.global_study(standards, "2.1.0")
        datasets = [self.dataset(g) for g in self.mdv.iterfind(self.o("ItemGroupDef"))]
        codelists = []
        for oid, cl in self.codelist_els.items():
            dictionary, dversion = self.external(cl)
            datatype = cl.get("DataType")
            codelists.append(self.build(
                Codelist, cl, f"CodeList {oid}", id=self.codelist_ids[oid], name=cl.get("Name") or oid,
                type=datatype if datatype in ("text", "integer", "float") else "text",
                items=[i for i in self.codelist_items(cl, self.d("Rank")) if i is not None],
                dictionary=dictionary, dictionary_version=dversion))
        return self.finish(study, datasets, codelists, list(self.methods.values()), list(self.comments.values()))

    def comment(self, oid: str, text: str | None) -> str | None:
        if not text or not text.strip():
            return None
        self.comments.setdefault(oid, Comment(id=oid, text=text.strip()))
        return oid

    def dataset(self, g: etree._Element) -> Dataset | None:
        name = g.get("Name") or ""
        variables, value_level = [], []
        for ref in self.sorted_refs(g):
            oid = self.resolve(ref, "ItemOID", self.items, "ItemDef", name)
            if oid is None:
                continue
            item = self.items[oid]
            var = self.variable(item, ref, name, f"{name}.{item.get('Name')}")
            if var is None:
                continue
            variables.append(var)
            vl_ref = item.find(self.d("ValueListRef"))
            if vl_ref is not None:
                value_level.append((vl_ref, var.name))
        names = [v.name for v in variables]
        levels = []
        for vl_ref, var_name in value_level:
            levels.extend(self.value_list(vl_ref, name, var_name, names))
        keys = []
        for key in (k for k in re.split(r"[,\s]+", g.get(self.d("DomainKeys")) or "") if k):
            if key in names:
                keys.append(key)
            else:  # e.g. the pilot's ADLBHY names LBSEQ, which it does not have
                log.warning("%s: %s: def:DomainKeys names %s, which is not a variable of the dataset; "
                            "key dropped", self.path, name, key)
        class_ = dataset_class(g.get(self.d("Class")), [], names, guess_tte=True)
        repeating = g.get("Repeating") == "Yes"
        return self.build(
            Dataset, g, f"ItemGroupDef {g.get('OID')}", ds=name,
            name=name, label=(g.get(self.d("Label")) or "").strip(), class_=class_,
            structure=g.get(self.d("Structure")) or "", keys=keys, purpose=g.get("Purpose") or "Analysis",
            repeating=None if repeating == (class_ != "ADSL") else repeating,
            comment=self.comment(f"COM.{name}", g.get("Comment")), module=None,
            variables=variables, value_level=levels,
        )

    def provenance(self, item: etree._Element, dataset: str, variable: str, key: str) -> dict[str, Any]:
        """origin, source, method, comment and extra of a 1.0 ItemDef (see the module docstring)."""
        raw = (item.get("Origin") or "").strip()
        origin = origin_from_text(raw)
        text = (item.get("Comment") or "").strip()
        out: dict[str, Any] = {"origin": origin, "source": None, "method": None, "comment": None, "extra": {}}
        if raw and raw != origin:
            out["extra"]["define1_origin"] = raw
        method_oid = self.resolve(item, self.d("ComputationMethodOID"), self.methods, "def:ComputationMethod",
                                  dataset, variable)
        if origin == "Derived" and _REFERENCE.match(text) and method_oid is None:
            out.update(origin="Predecessor", source=text)
        elif origin == "Derived" and (text or method_oid):
            if method_oid is None:
                method_oid = f"MT.{key}"
                self.methods.setdefault(method_oid, Method(id=method_oid, name=f"Derivation of {key}",
                                                           description=text))
            elif text:
                out["comment"] = self.comment(f"COM.{key}", text)
            out["method"] = method_oid
        elif origin in ("Predecessor", "Collected", "Protocol", "Assigned") and _REFERENCE.match(text):
            out["source"] = text
        else:
            out["comment"] = self.comment(f"COM.{key}", text)
        return out

    def variable(self, item: etree._Element, ref: etree._Element, dataset: str, key: str) -> Variable | None:
        name = item.get("Name") or ""
        type_, fmt, extra = self.item_type(item)
        prov = self.provenance(item, dataset, name, key)
        extra.update(prov.pop("extra"))
        return self.build(
            Variable, item, f"ItemDef {item.get('OID')}", ds=dataset, var=name,
            name=name, label=(item.get(self.d("Label")) or "").strip(), type=type_,
            length=self.as_int(item.get("Length")), format=fmt,
            significant_digits=self.as_int(item.get("SignificantDigits")),
            codelist=self.codelist_of(item, dataset, name),
            core="Req" if ref.get("Mandatory") == "Yes" else "Perm", extra=extra, **prov,
        )

    def value_list(self, vl_ref: etree._Element, dataset: str, variable: str, names: list[str]) -> list[ValueLevel]:
        oid = self.resolve(vl_ref, "ValueListOID", self.value_lists, "def:ValueListDef", dataset, variable)
        if oid is None:
            return []
        if "PARAMCD" not in names:
            self.problem(vl_ref, f"def:ValueListRef ValueListOID={oid}: Define-XML 1.0 value lists are read as "
                                 f"PARAMCD values, but {dataset} has no PARAMCD", dataset, variable)
            return []
        out = []
        for ref in self.sorted_refs(self.value_lists[oid]):
            item_oid = self.resolve(ref, "ItemOID", self.items, "ItemDef", dataset, variable)
            if item_oid is None:
                continue
            item = self.items[item_oid]
            value = item.get("Name") or item_oid.rsplit(".", 1)[-1]
            type_, fmt, _ = self.item_type(item)
            prov = self.provenance(item, dataset, variable, f"{dataset}.{variable}.{value}")
            prov.pop("extra")
            vl = self.build(
                ValueLevel, item, f"ItemDef {item_oid}", ds=dataset, var=variable,
                variable=variable, where=[Condition(variable="PARAMCD", values=[value])],
                label=(item.get(self.d("Label")) or "").strip() or None, type=type_,
                length=self.as_int(item.get("Length")), format=fmt,
                significant_digits=self.as_int(item.get("SignificantDigits")),
                codelist=self.codelist_of(item, dataset, variable),
                mandatory=ref.get("Mandatory") == "Yes", **prov,
            )
            if vl is not None:
                out.append(vl)
        return out


# --- entry point ------------------------------------------------------------------------------------


def import_define(path: Path | str) -> Spec:
    """Read a Define-XML 2.1 or 1.0 file into a Spec (see the module docstring for the mapping).

    Raises :class:`InputError` naming the element, OID and line of every problem found.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(Problem("file not found", file=str(path)))
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True, remove_comments=True)
    try:
        root = etree.parse(str(path), parser).getroot()
    except etree.XMLSyntaxError as error:
        raise InputError(Problem(f"not well-formed XML: {error.msg}", file=str(path), line=error.lineno)) from None
    qname = etree.QName(root)
    if qname.localname != "ODM" or qname.namespace not in ODM_NAMESPACES:
        raise InputError(Problem(f"not a define.xml: the root element is {{{qname.namespace}}}{qname.localname}, "
                                 "expected an ODM element", file=str(path), line=root.sourceline))
    def_namespaces = {ns for ns in root.nsmap.values() if ns and "cdisc.org/ns/def/" in ns}
    mdv = root.find(f"{{{qname.namespace}}}Study/{{{qname.namespace}}}MetaDataVersion")
    version = ""
    for attr, value in (mdv.attrib.items() if mdv is not None else []):
        if etree.QName(attr).localname == "DefineVersion":
            version = value
    if DEF21 in def_namespaces and version.startswith("2.1"):
        return _Reader21(path, root, qname.namespace, DEF21).read()
    if DEF10 in def_namespaces and version.startswith("1.0"):
        return _Reader10(path, root, qname.namespace, DEF10).read()
    found = ", ".join(sorted(def_namespaces)) or "no def namespace"
    raise InputError(Problem(f"unsupported define.xml version (DefineVersion {version or 'missing'}, {found}); "
                             "supported: Define-XML 2.1 and 1.0", file=str(path),
                             line=mdv.sourceline if mdv is not None else root.sourceline))
