"""Check a define.xml 2.1: the XSD, and what the XSD cannot see.

:func:`validate_define` validates against the Define-XML 2.1 schema shipped in ``defineutils``
(the ARM 1.0 schema when the document has analysis results metadata), then checks:

- every OID reference resolves (ItemOID, def:ItemOID, MethodOID, CodeListOID, ValueListOID,
  WhereClauseOID, def:CommentOID, def:StandardOID, leafID, def:ArchiveLocationID, and the ARM
  ItemGroupOID / ParameterOID), and no OID is defined twice (ARM display and result OIDs too);
- analysis results metadata: each arm:AnalysisVariable is a variable of its arm:AnalysisDataset,
  the ParameterOID a variable of one of the result's analysis datasets (and, as a warning,
  tested by one of their where clauses), where clauses test variables of their dataset
  (warning otherwise);
- every def:leaf file exists next to define.xml;
- every variable of every dataset actually written is defined, and every defined variable was
  written, with the same type, label and (for text) length; order and formats are compared too;
- definitions nobody refers to (warnings), Derived items without a method, text items without
  a Length.

Each problem names the element and its OID; its ``line`` is the line in define.xml.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path

from lxml import etree

from adam.errors import InputError, Problem
from adam.export.columns import ColumnMeta, DatasetMeta

ODM_NS = "http://www.cdisc.org/ns/odm/v1.3"
DEF_NS = "http://www.cdisc.org/ns/def/v2.1"
ARM_NS = "http://www.cdisc.org/ns/arm/v1.0"
XLINK_NS = "http://www.w3.org/1999/xlink"
NS = {"odm": ODM_NS, "def": DEF_NS, "arm": ARM_NS, "xlink": XLINK_NS}

_ISO_TYPES = {"date", "datetime", "time", "partialDate", "partialTime", "partialDatetime",
              "incompleteDatetime", "durationDatetime", "intervalDatetime", "durationDatetime"}
_NEEDS_LENGTH = {"text", "integer", "float"}


def _schema_dir() -> Path:
    import defineutils

    return Path(defineutils.__file__).resolve().parent / "validate" / "schema"


def schema_path(arm: bool = False) -> Path:
    """The Define-XML 2.1 XSD, or the ARM 1.0 XSD (which includes it) when ``arm``."""
    if arm:
        return _schema_dir() / "cdisc-arm-1.0" / "arm1-0-0.xsd"
    return _schema_dir() / "cdisc-define-2.1" / "define2-1-0.xsd"


@lru_cache(maxsize=2)
def _schema(arm: bool) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(schema_path(arm))))


def xpt_metadata(path: Path) -> DatasetMeta:
    """Names, labels, types, character lengths and formats of an XPT file (no data read)."""
    import pyreadstat

    try:
        _, m = pyreadstat.read_xport(str(path), metadataonly=True)
    except (pyreadstat.ReadstatError, OSError, UnicodeDecodeError, ValueError) as error:
        raise InputError(Problem(f"cannot read as SAS transport (XPT): {error}", file=str(path))) from None
    labels = dict(zip(m.column_names, m.column_labels))
    columns = []
    for name in m.column_names:
        fmt = m.original_variable_types.get(name)
        fmt = (fmt if "." in fmt else fmt + ".") if fmt else None
        if m.readstat_variable_types.get(name) == "string":
            columns.append(ColumnMeta(name, labels.get(name) or "", "text",
                                      m.variable_storage_width.get(name), fmt))
        else:
            columns.append(ColumnMeta(name, labels.get(name) or "", _numeric_kind(fmt), 8, fmt))
    return DatasetMeta((m.table_name or path.stem).upper(), m.file_label or "", tuple(columns))


def _numeric_kind(fmt: str | None) -> str:
    name = re.sub(r"[\d.]+$", "", (fmt or "").upper())
    if name in ("DATETIME", "E8601DT", "IS8601DT"):
        return "datetime"
    if name in ("TIME", "TOD", "E8601TM", "IS8601TM", "HHMM"):
        return "time"
    if name.startswith(("DATE", "YYMMDD", "E8601DA", "IS8601DA", "MMDDYY", "DDMMYY")):
        return "date"
    return "float"


def _norm_format(fmt: str | None) -> str | None:
    if not fmt:
        return None
    fmt = fmt.upper()
    return fmt if "." in fmt else fmt + "."


# --- the checker ---------------------------------------------------------------------------------

#: (element local name or None for any, attribute) -> kind of definition it refers to
_REFERENCES: list[tuple[str | None, str, str]] = [
    ("ItemRef", "ItemOID", "ItemDef"),
    ("AnalysisVariable", "ItemOID", "ItemDef"),
    ("RangeCheck", f"{{{DEF_NS}}}ItemOID", "ItemDef"),
    ("AnalysisResult", "ParameterOID", "ItemDef"),
    (None, "MethodOID", "MethodDef"),
    ("CodeListRef", "CodeListOID", "CodeList"),
    ("ValueListRef", "ValueListOID", "def:ValueListDef"),
    ("WhereClauseRef", "WhereClauseOID", "def:WhereClauseDef"),
    (None, f"{{{DEF_NS}}}CommentOID", "def:CommentDef"),
    (None, f"{{{DEF_NS}}}StandardOID", "def:Standard"),
    ("DocumentRef", "leafID", "def:leaf"),
    ("ItemGroupDef", f"{{{DEF_NS}}}ArchiveLocationID", "def:leaf"),
    ("AnalysisDataset", "ItemGroupOID", "ItemGroupDef"),
]

#: definitions: kind -> (namespace, local name, id attribute)
_DEFINITIONS = {
    "ItemGroupDef": (ODM_NS, "ItemGroupDef", "OID"),
    "ItemDef": (ODM_NS, "ItemDef", "OID"),
    "CodeList": (ODM_NS, "CodeList", "OID"),
    "MethodDef": (ODM_NS, "MethodDef", "OID"),
    "def:CommentDef": (DEF_NS, "CommentDef", "OID"),
    "def:ValueListDef": (DEF_NS, "ValueListDef", "OID"),
    "def:WhereClauseDef": (DEF_NS, "WhereClauseDef", "OID"),
    "def:Standard": (DEF_NS, "Standard", "OID"),
    "def:leaf": (DEF_NS, "leaf", "ID"),
    "arm:ResultDisplay": (ARM_NS, "ResultDisplay", "OID"),
    "arm:AnalysisResult": (ARM_NS, "AnalysisResult", "OID"),
}

#: kinds whose unreferenced definitions are reported
_REPORT_UNUSED = ("ItemDef", "CodeList", "MethodDef", "def:CommentDef", "def:ValueListDef",
                  "def:WhereClauseDef", "def:leaf")


def _qname(el: etree._Element) -> str:
    q = etree.QName(el)
    prefix = {DEF_NS: "def:", ARM_NS: "arm:"}.get(q.namespace or "", "")
    return prefix + q.localname


def _ancestor(el: etree._Element, ns: str, local: str) -> etree._Element | None:
    node = el.getparent()
    while node is not None:
        if node.tag == f"{{{ns}}}{local}":
            return node
        node = node.getparent()
    return None


def _attr_name(attr: str) -> str:
    q = etree.QName(attr)
    return ("def:" if q.namespace == DEF_NS else "") + q.localname


class _Checker:
    def __init__(self, path: Path, tree: etree._ElementTree):
        self.path = path
        self.tree = tree
        self.root = tree.getroot()
        self.problems: list[Problem] = []
        self.defs: dict[str, dict[str, etree._Element]] = {k: {} for k in _DEFINITIONS}
        self.used: dict[str, set[str]] = {k: set() for k in _DEFINITIONS}

    # where an element sits: (dataset, variable) for naming problems
    def _where(self, el: etree._Element) -> tuple[str | None, str | None]:
        if isinstance(el.tag, str) and etree.QName(el).namespace == ARM_NS or \
                _ancestor(el, ARM_NS, "AnalysisDataset") is not None:
            return self._where_arm(el)
        dataset = variable = None
        node = el
        while node is not None:
            local = etree.QName(node).localname if isinstance(node.tag, str) else ""
            if local == "ItemGroupDef":
                dataset = node.get("Name")
            elif local == "ItemDef":
                variable = node.get("SASFieldName") or node.get("Name")
                dataset = dataset or self._dataset_of_item(node.get("OID", ""))
            node = node.getparent()
        return dataset, variable

    def _where_arm(self, el: etree._Element) -> tuple[str | None, str | None]:
        """Dataset (of the arm:AnalysisDataset) and variable (of an arm:AnalysisVariable)."""
        holder = el if etree.QName(el).localname == "AnalysisDataset" else \
            _ancestor(el, ARM_NS, "AnalysisDataset")
        dataset = variable = None
        if holder is not None:
            group = self.defs["ItemGroupDef"].get(holder.get("ItemGroupOID", ""))
            dataset = group.get("Name") if group is not None else None
        if etree.QName(el).localname == "AnalysisVariable":
            item = self.defs["ItemDef"].get(el.get("ItemOID", ""))
            variable = item.get("Name") if item is not None else None
        return dataset, variable

    @staticmethod
    def _in_result(el: etree._Element) -> str:
        """`` (in arm:AnalysisResult OID=...)`` for an element inside an analysis result."""
        result = _ancestor(el, ARM_NS, "AnalysisResult")
        return f" (in arm:AnalysisResult OID={result.get('OID')})" if result is not None else ""

    def _dataset_of_item(self, oid: str) -> str | None:
        parts = oid.split(".")
        return parts[1] if len(parts) >= 3 and parts[0] == "IT" else None

    def add(self, el: etree._Element | None, message: str, severity: str = "error",
            dataset: str | None = None, variable: str | None = None) -> None:
        ds, var = self._where(el) if el is not None else (None, None)
        self.problems.append(Problem(message, file=str(self.path),
                                     line=el.sourceline if el is not None else None,
                                     dataset=dataset or ds, variable=variable or var, severity=severity))

    def collect_definitions(self) -> None:
        for kind, (ns, local, id_attr) in _DEFINITIONS.items():
            for el in self.root.iter(f"{{{ns}}}{local}"):
                oid = el.get(id_attr)
                if oid is None:
                    continue
                if oid in self.defs[kind]:
                    first = self.defs[kind][oid].sourceline
                    self.add(el, f"{kind} {id_attr}={oid} is defined twice (first on line {first})")
                    continue
                self.defs[kind][oid] = el

    def check_references(self) -> None:
        for el in self.root.iter():
            if not isinstance(el.tag, str):
                continue
            local = etree.QName(el).localname
            for elem, attr, kind in _REFERENCES:
                if elem is not None and elem != local:
                    continue
                value = el.get(attr)
                if value is None:
                    continue
                self.used[kind].add(value)
                if value not in self.defs[kind]:
                    self.add(el, f"{_qname(el)} {_attr_name(attr)}={value}: no {kind} with this OID"
                                 + self._in_result(el))

    def check_unused(self) -> None:
        for kind in _REPORT_UNUSED:
            for oid, el in self.defs[kind].items():
                if oid not in self.used[kind]:
                    self.add(el, f"{kind} {'ID' if kind == 'def:leaf' else 'OID'}={oid} is never referenced",
                             severity="warning")

    def check_leaves(self) -> None:
        folder = self.path.parent
        for leaf_id, el in self.defs["def:leaf"].items():
            href = el.get(f"{{{XLINK_NS}}}href") or ""
            if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", href):
                continue  # a web address: nothing to look for on disk
            target = href.split("#", 1)[0]
            if not target or not (folder / target).is_file():
                self.add(el, f"def:leaf ID={leaf_id}: file {href!r} not found next to define.xml")

    def _group_item_oids(self, group_oid: str | None) -> set[str] | None:
        group = self.defs["ItemGroupDef"].get(group_oid or "")
        if group is None:
            return None  # a dangling ItemGroupOID is reported by check_references
        return {ref.get("ItemOID") for ref in group.iterfind("odm:ItemRef", NS)}

    def check_analysis_results(self) -> None:
        """ARM references that resolve but point at the wrong dataset (see the module docstring)."""
        for result in self.root.iter(f"{{{ARM_NS}}}AnalysisResult"):
            rid = result.get("OID")
            groups, tested = [], set()
            for ads in result.iterfind("arm:AnalysisDatasets/arm:AnalysisDataset", NS):
                group_oid = ads.get("ItemGroupOID")
                items = self._group_item_oids(group_oid)
                if items is None:
                    continue
                groups.append((group_oid, items))
                for var in ads.iterfind("arm:AnalysisVariable", NS):
                    oid = var.get("ItemOID")
                    if oid in self.defs["ItemDef"] and oid not in items:
                        self.add(var, f"arm:AnalysisVariable ItemOID={oid} is not a variable of "
                                      f"ItemGroupDef {group_oid} (in arm:AnalysisResult OID={rid})")
                ref = ads.find("def:WhereClauseRef", NS)
                clause = self.defs["def:WhereClauseDef"].get(ref.get("WhereClauseOID", "")) \
                    if ref is not None else None
                if clause is None:
                    continue
                for check in clause.iterfind("odm:RangeCheck", NS):
                    oid = check.get(f"{{{DEF_NS}}}ItemOID")
                    tested.add(oid)
                    if oid in self.defs["ItemDef"] and oid not in items:
                        self.add(ref, f"def:WhereClauseRef WhereClauseOID={clause.get('OID')} tests ItemOID={oid}, "
                                      f"which is not a variable of ItemGroupDef {group_oid} "
                                      f"(in arm:AnalysisResult OID={rid})", severity="warning")
            param = result.get("ParameterOID")
            if param is None or param not in self.defs["ItemDef"] or not groups:
                continue
            if not any(param in items for _, items in groups):
                names = ", ".join(g for g, _ in groups)
                self.add(result, f"arm:AnalysisResult OID={rid}: ParameterOID={param} is not a variable of "
                                 f"its analysis datasets ({names})")
            elif param not in tested:
                self.add(result, f"arm:AnalysisResult OID={rid}: no where clause of its analysis datasets "
                                 f"selects a value of the parameter {param}", severity="warning")

    def check_items(self) -> None:
        """Conformance checks on items the schema leaves optional."""
        for oid, el in self.defs["ItemDef"].items():
            datatype = el.get("DataType")
            if datatype in _NEEDS_LENGTH and el.get("Length") is None:
                self.add(el, f"ItemDef OID={oid}: DataType {datatype} needs a Length")
            origin = el.find("def:Origin", NS)
            if origin is not None and origin.get("Type") == "Predecessor" and \
                    origin.find("odm:Description", NS) is None:
                self.add(el, f"ItemDef OID={oid}: Predecessor origin without a Description naming the source",
                         severity="warning")
        for ref in self.root.iter(f"{{{ODM_NS}}}ItemRef"):
            item = self.defs["ItemDef"].get(ref.get("ItemOID", ""))
            if item is None:
                continue
            origin = item.find("def:Origin", NS)
            has_value_list = item.find("def:ValueListRef", NS) is not None  # methods at value level
            if origin is not None and origin.get("Type") == "Derived" and ref.get("MethodOID") is None \
                    and not has_value_list:
                self.add(ref, f"ItemRef ItemOID={ref.get('ItemOID')}: Derived item without a MethodOID",
                         severity="warning", dataset=self._where(ref)[0],
                         variable=item.get("Name"))

    # --- the datasets actually written ---------------------------------------------------------

    def _group_items(self, group: etree._Element) -> list[tuple[etree._Element, etree._Element | None]]:
        refs = group.findall("odm:ItemRef", NS)
        refs.sort(key=lambda r: int(r.get("OrderNumber") or 0))
        return [(ref, self.defs["ItemDef"].get(ref.get("ItemOID", ""))) for ref in refs]

    def _actual(self, group: etree._Element, datasets: Mapping[str, DatasetMeta | Sequence[str]] | None,
                read: bool) -> DatasetMeta | list[str] | None:
        name = (group.get("Name") or "").upper()
        if datasets is not None:
            info = datasets.get(name)
            return list(info) if info is not None and not isinstance(info, DatasetMeta) else info
        if not read:
            return None
        leaf = group.find("def:leaf", NS)
        href = leaf.get(f"{{{XLINK_NS}}}href") if leaf is not None else None
        if not href or not href.lower().endswith(".xpt"):
            return None
        file = self.path.parent / href
        if not file.is_file():
            return None  # reported by check_leaves
        try:
            return xpt_metadata(file)
        except Exception as error:  # noqa: BLE001 - any reader failure is a finding here
            self.add(leaf, f"def:leaf ID={leaf.get('ID')}: cannot read {href}: {error}")
            return None

    def check_datasets(self, datasets: Mapping[str, DatasetMeta | Sequence[str]] | None, read: bool) -> None:
        groups = {(g.get("Name") or "").upper(): g for g in self.defs["ItemGroupDef"].values()}
        if datasets is not None:
            datasets = {k.upper(): v for k, v in datasets.items()}
            for name in sorted(set(datasets) - set(groups)):
                self.add(None, f"dataset {name} was written but has no ItemGroupDef in define.xml",
                         dataset=name)
        for name, group in groups.items():
            actual = self._actual(group, datasets, read)
            if actual is None:
                if datasets is not None:
                    self.add(group, f"ItemGroupDef OID={group.get('OID')}: no dataset {name} was written")
                continue
            self._compare(name, group, actual)

    def _compare(self, name: str, group: etree._Element, actual: DatasetMeta | list[str]) -> None:
        meta = actual if isinstance(actual, DatasetMeta) else None
        names = meta.names if meta else list(actual)
        items = self._group_items(group)
        defined = [(item.get("Name") if item is not None else None) for _, item in items]
        for ref, item in items:
            if item is None:
                continue  # dangling ItemOID: reported by check_references
            var = item.get("Name")
            if var not in names:
                self.add(ref, f"ItemRef ItemOID={ref.get('ItemOID')}: variable {var} is not in the dataset written",
                         dataset=name, variable=var)
            elif meta is not None:
                self._compare_item(name, item, meta.column(var))
        for var in names:
            if var not in defined:
                self.add(group, f"ItemGroupDef OID={group.get('OID')}: variable {var} of the dataset written "
                                "has no ItemRef/ItemDef", dataset=name, variable=var)
        common_defined = [v for v in defined if v in names]
        common_actual = [v for v in names if v in defined]
        if common_defined != common_actual:
            self.add(group, f"ItemGroupDef OID={group.get('OID')}: variable order differs from the dataset "
                            "written (OrderNumber)", severity="warning", dataset=name)
        if meta is not None and meta.label:
            label = group.findtext("odm:Description/odm:TranslatedText", default=None, namespaces=NS)
            if label is not None and label.strip() != meta.label.strip():
                self.add(group, f"ItemGroupDef OID={group.get('OID')}: Description {label!r} differs from the "
                                f"dataset label written {meta.label!r}", dataset=name)

    def _compare_item(self, dataset: str, item: etree._Element, col: ColumnMeta) -> None:
        oid, var = item.get("OID"), item.get("Name")
        datatype = item.get("DataType") or ""
        defined_text = datatype == "text" or datatype in _ISO_TYPES
        if defined_text != (not col.is_numeric):
            self.add(item, f"ItemDef OID={oid}: DataType {datatype} but the variable written is "
                           f"{'numeric' if col.is_numeric else 'character'}", dataset=dataset, variable=var)
            return
        length = item.get("Length")
        if defined_text and col.length is not None and length is not None and int(length) != col.length:
            self.add(item, f"ItemDef OID={oid}: Length {length} but the variable written has length {col.length}",
                     dataset=dataset, variable=var)
        label = item.findtext("odm:Description/odm:TranslatedText", default=None, namespaces=NS)
        if label is not None and col.label and label.strip() != col.label.strip():
            self.add(item, f"ItemDef OID={oid}: Description {label!r} differs from the label written {col.label!r}",
                     dataset=dataset, variable=var)
        fmt = _norm_format(item.get(f"{{{DEF_NS}}}DisplayFormat"))
        if col.display_format is not None and fmt != _norm_format(col.display_format):
            self.add(item, f"ItemDef OID={oid}: def:DisplayFormat {fmt} but the variable written has "
                           f"format {col.display_format}", severity="warning", dataset=dataset, variable=var)


def _parse(path: Path) -> tuple[etree._ElementTree | None, list[Problem]]:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    try:
        return etree.parse(str(path), parser), []
    except etree.XMLSyntaxError as error:
        return None, [Problem(f"not well-formed XML: {error.msg}", file=str(path), line=error.lineno)]
    except OSError as error:
        return None, [Problem(f"cannot read: {error}", file=str(path))]


def validate_define(
    path: Path | str,
    *,
    datasets: Mapping[str, DatasetMeta | Sequence[str]] | None = None,
    read_datasets: bool = True,
) -> list[Problem]:
    """Validate a define.xml 2.1 (XSD + integrity); returns every problem found (errors and warnings).

    ``datasets`` maps each dataset written to its column metadata (a :class:`DatasetMeta`, e.g.
    from ``read_xpt``) or just its column names; every ItemGroupDef must then have one, and
    variables, types, labels and text lengths must agree. Without ``datasets`` the XPT file of
    each dataset leaf is read (metadata only) when it exists, unless ``read_datasets`` is False.
    """
    path = Path(path)
    if not path.is_file():
        return [Problem("define.xml not found", file=str(path))]
    tree, problems = _parse(path)
    if tree is None:
        return problems
    root = tree.getroot()
    version = root.find("odm:Study/odm:MetaDataVersion", NS)
    if etree.QName(root).namespace != ODM_NS or version is None or \
            not (version.get(f"{{{DEF_NS}}}DefineVersion") or "").startswith("2.1"):
        return [Problem("not a Define-XML 2.1 document (ODM 1.3 with def:DefineVersion 2.1.x expected)",
                        file=str(path), line=root.sourceline)]

    uses_arm = any(isinstance(el.tag, str) and etree.QName(el).namespace == ARM_NS for el in root.iter())
    schema = _schema(uses_arm)
    if not schema.validate(tree):
        for err in schema.error_log:
            problems.append(Problem(f"XSD ({schema_path(uses_arm).name}): {err.message}", file=str(path),
                                    line=err.line))

    checker = _Checker(path, tree)
    checker.collect_definitions()
    checker.check_references()
    checker.check_unused()
    checker.check_leaves()
    checker.check_analysis_results()
    checker.check_items()
    checker.check_datasets(datasets, read_datasets)
    return problems + checker.problems
