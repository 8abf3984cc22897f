"""A spec as a Pinnacle 21-style define workbook (xlsx), both ways, without loss.

Sheets and their columns (headers are matched by name, ignoring case, spaces and underscores;
their position does not matter; ``*`` marks the columns an import requires):

- **Study**: ``Attribute*``, ``Value*``; one row per study field (Study ID, Study Name, Study
  Description, Protocol Name, Sponsor, Data Cutoff, Define Version, Module), plus
  ``Standards`` and ``Analysis`` whose values are YAML (JSON is accepted too).
- **Datasets**: ``Dataset*``, ``Label*`` (or ``Description``), ``Class*``, ``Structure*``,
  ``Key Variables*`` (comma separated), ``Purpose``, ``Repeating``, ``Comment``, ``Module``.
- **Variables**: ``Order``, ``Dataset*``, ``Variable*``, ``Label*``, ``Data Type*``, ``Length``,
  ``Significant Digits``, ``Format``, ``Mandatory``, ``Codelist``, ``Origin*``, ``Source``,
  ``Method``, ``Comment``, ``Core``.
- **ValueLevel**: ``Order``, ``Dataset*``, ``Variable*``, ``Where Clause*``, ``Label``,
  ``Data Type*`` and the other Variables columns except Core.
- **WhereClauses**: ``ID*``, ``Dataset*``, ``Variable*``, ``Comparator*``, ``Value*``; one row
  per value: the rows of an ``IN``/``NOTIN`` condition repeat ID, variable and comparator.
- **Codelists**: one row per term: ``ID*``, ``Name*``, ``NCI Codelist Code``, ``Data Type``,
  ``Order``, ``Term*``, ``NCI Term Code``, ``Decoded Value``, ``Rank``, ``Extensible``,
  ``Standard``, ``Comment``. A row with an empty Term declares a codelist without terms.
- **Methods**: ``ID*``, ``Name*``, ``Type``, ``Description*``, ``Expression Context``,
  ``Expression Code`` (the registered implementation; ``Implementation`` is accepted too),
  ``Document``.
- **Comments**: ``ID*``, ``Description*`` (or ``Text``).
- **AnalysisDisplays** (analysis results metadata, ARM): ``ID*``, ``Name*``, ``Title*``,
  ``Documents`` (file names, comma separated).
- **AnalysisResults**: one row per result, in display order: ``Display*`` (the display ID),
  ``ID*``, ``Description*``, ``Parameter`` (``DATASET.VARIABLE``), ``Reason*``, ``Purpose*``,
  ``Datasets Comment``, ``Documentation``, ``Documentation Documents``, ``Code Context``,
  ``Code``, ``Code Documents``.
- **AnalysisDatasets**: one row per analysis dataset of a result, in order: ``Result*`` (the
  result ID), ``Dataset*``, ``Where Clause`` (an ID of the WhereClauses sheet, which holds the
  ARM where clauses too), ``Variables`` (comma separated).

Rows of Variables, ValueLevel and Codelists are put in the order of their Order column (rows
without one follow, in sheet order). Any other column of Datasets or Variables is kept in the element's ``extra`` dict under its
header and written back as a column. Other sheets have no place for extra columns: they are
dropped with a warning. Study, Datasets and Variables are required sheets; a missing
ValueLevel, WhereClauses, Codelists, Methods or Comments sheet means none, and so do missing
analysis results sheets (which are written only when the spec has analysis results).

The same spec always gives the same bytes: fixed document dates (the study's data cut-off, or
2000-01-01) and fixed zip entry times.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, get_args

import yaml
from pydantic import BaseModel, ValidationError

from adam.console import log
from adam.errors import InputError, Problem
from adam.spec.load import _strip_lines, parse_yaml
from adam.spec.model import (
    AnalysisDataset,
    AnalysisDisplay,
    AnalysisDocumentation,
    AnalysisResult,
    Codelist,
    CodelistItem,
    Comment,
    Comparator,
    Condition,
    Core,
    Dataset,
    DatasetClass,
    DataType,
    Method,
    MethodType,
    Origin,
    ProgrammingCode,
    Spec,
    Standard,
    Study,
    ValueLevel,
    Variable,
)

FIXED_TIME = dt.datetime(2000, 1, 1)
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
REQUIRED_SHEETS = ("Study", "Datasets", "Variables")
ARM_SHEETS = ("AnalysisDisplays", "AnalysisResults", "AnalysisDatasets")
OPTIONAL_SHEETS = ("ValueLevel", "WhereClauses", "Codelists", "Methods", "Comments") + ARM_SHEETS


def _norm(text: Any) -> str:
    """Header/attribute key: lower case without spaces, underscores or hyphens."""
    return re.sub(r"[\s_\-]+", "", str(text)).lower()


@dataclass(frozen=True)
class Column:
    header: str
    required: bool = False
    aliases: tuple[str, ...] = ()

    def keys(self) -> set[str]:
        return {_norm(self.header), *(_norm(a) for a in self.aliases)}


def _cols(spec: str) -> tuple[Column, ...]:
    """Columns from a compact spec "A*, B, C|Alias" (* required, | aliases)."""
    out = []
    for part in spec.split(","):
        names = part.strip().split("|")
        header = names[0].rstrip("*")
        out.append(Column(header, names[0].endswith("*"), tuple(names[1:])))
    return tuple(out)


COLUMNS: dict[str, tuple[Column, ...]] = {
    "Study": _cols("Attribute*, Value*"),
    "Datasets": _cols("Dataset*, Label*|Description, Class*, Structure*, Key Variables*, Purpose, "
                      "Repeating, Comment, Module"),
    "Variables": _cols("Order, Dataset*, Variable*, Label*, Data Type*, Length, "
                       "Significant Digits, Format, Mandatory, Codelist, Origin*, Source, Method, "
                       "Comment, Core"),
    "ValueLevel": _cols("Order, Dataset*, Variable*, Where Clause*, Label, Data Type*, Length, "
                        "Significant Digits, Format, Mandatory, Codelist, Origin, Source, Method, "
                        "Comment"),
    "WhereClauses": _cols("ID*, Dataset*, Variable*, Comparator*, Value*"),
    "Codelists": _cols("ID*, Name*, NCI Codelist Code, Data Type, Order, Term*, NCI Term Code, "
                       "Decoded Value, Rank, Extensible, Standard, Comment"),
    "Methods": _cols("ID*, Name*, Type, Description*, Expression Context, "
                     "Expression Code|Implementation, Document"),
    "Comments": _cols("ID*, Description*|Text"),
    "AnalysisDisplays": _cols("ID*, Name*, Title*|Description, Documents|Document"),
    "AnalysisResults": _cols("Display*, ID*, Description*, Parameter, Reason*, Purpose*, "
                             "Datasets Comment|Join Comment, Documentation, Documentation Documents, "
                             "Code Context|Programming Context, Code|Programming Code, "
                             "Code Documents|Programming Documents"),
    "AnalysisDatasets": _cols("Result*, Dataset*, Where Clause, Variables"),
}

# Study sheet attribute -> Study field (values of Standards and Analysis are YAML text).
STUDY_ATTRIBUTES = {
    "Study ID": "study_id", "Study Name": "name", "Study Description": "description",
    "Protocol Name": "protocol", "Sponsor": "sponsor", "Data Cutoff": "data_cutoff",
    "Define Version": "define_version", "Module": "module", "Default SDTM": "default_sdtm",
    "Standards": "standards", "Analysis": "analysis",
}
# Define-XML class names accepted for the short ADaM class names of the model.
CLASS_NAMES = {"SUBJECT LEVEL ANALYSIS DATASET": "ADSL", "OCCURRENCE DATA STRUCTURE": "OCCDS",
               "BASIC DATA STRUCTURE": "BDS", "ADAM OTHER": "OTHER"}

YES = {"yes", "y", "true", "1"}
NO = {"no", "n", "false", "0"}


# =============================================================================== export
def _cell_text(value: Any) -> Any:
    """A value as written to a cell: scalars as they are, lists and mappings as JSON text
    (read back as such by :meth:`_Sheet.extras`)."""
    if value is None or isinstance(value, (str, int, float, bool, dt.date)):
        return value
    return json.dumps(value, sort_keys=False)


def _yes_no(value: bool | None) -> str | None:
    return None if value is None else ("Yes" if value else "No")


def _join(values: list[str]) -> str:
    return ", ".join(values)


def _extra_headers(items: list[dict[str, Any]], sheet: str) -> list[str]:
    """Extra columns of a sheet: every extra key, in order of first appearance."""
    known = set().union(*(c.keys() for c in COLUMNS[sheet]))
    headers: list[str] = []
    problems = []
    for extra in items:
        for key in extra:
            if key in headers:
                continue
            if _norm(key) in known or not _norm(key):
                problems.append(Problem(f"extra field '{key}' cannot be a {sheet} column: it "
                                        "clashes with a standard column"))
            headers.append(key)
    if problems:
        raise InputError(problems)
    return headers


def _rows_study(spec: Spec) -> list[list[Any]]:
    study = spec.study
    data = study.model_dump(mode="json")
    rows = []
    for attribute, field in STUDY_ATTRIBUTES.items():
        value = data[field]
        if field == "standards":
            value = yaml.safe_dump([{k: v for k, v in s.items() if v is not None} for s in value],
                                   sort_keys=False, allow_unicode=False, width=100)
        elif field == "analysis":
            value = (yaml.safe_dump(value, sort_keys=False, allow_unicode=False, width=100)
                     if value else None)
        rows.append([attribute, value])
    return rows


def _rows_datasets(spec: Spec) -> tuple[list[str], list[list[Any]]]:
    extra = _extra_headers([d.extra for d in spec.datasets], "Datasets")
    headers = [c.header for c in COLUMNS["Datasets"]] + extra
    rows = []
    for ds in spec.datasets:
        rows.append([ds.name, ds.label, ds.class_, ds.structure, _join(ds.keys), ds.purpose,
                     _yes_no(ds.repeating), ds.comment, ds.module]
                    + [_cell_text(ds.extra.get(h)) for h in extra])
    return headers, rows


def _rows_variables(spec: Spec) -> tuple[list[str], list[list[Any]]]:
    extra = _extra_headers([v.extra for d in spec.datasets for v in d.variables], "Variables")
    headers = [c.header for c in COLUMNS["Variables"]] + extra
    rows = []
    for ds in spec.datasets:
        for i, v in enumerate(ds.variables, start=1):
            rows.append([i, ds.name, v.name, v.label, v.type, v.length, v.significant_digits,
                         v.format, _yes_no(v.mandatory), v.codelist, v.origin, v.source, v.method,
                         v.comment, v.core] + [_cell_text(v.extra.get(h)) for h in extra])
    return headers, rows


def _rows_value_level(spec: Spec) -> tuple[list[list[Any]], list[list[Any]]]:
    """ValueLevel rows and WhereClauses rows (one per condition value)."""
    vl_rows, wc_rows = [], []
    written: dict[str, tuple] = {}
    problems = []
    for ds in spec.datasets:
        for i, vl in enumerate(ds.value_level, start=1):
            cid = vl.clause_id(ds.name)
            vl_rows.append([i, ds.name, vl.variable, cid, vl.label, vl.type, vl.length,
                            vl.significant_digits, vl.format, _yes_no(vl.mandatory), vl.codelist,
                            vl.origin, vl.source, vl.method, vl.comment])
            conditions = (ds.name, tuple((c.variable, c.comparator, tuple(c.values))
                                         for c in vl.where))
            if cid in written:
                if written[cid] != conditions:
                    problems.append(Problem(f"where-clause id '{cid}' stands for different "
                                            "conditions; give each a distinct where_id",
                                            dataset=ds.name, variable=vl.variable))
                continue
            written[cid] = conditions
            for cond in vl.where:
                for value in cond.values or [None]:
                    wc_rows.append([cid, ds.name, cond.variable, cond.comparator, value])
    for result in spec.analysis_result_list():
        for ad in result.datasets:
            cid = ad.clause_id()
            if cid is None:
                continue
            conditions = (ad.dataset, tuple((c.variable, c.comparator, tuple(c.values))
                                            for c in ad.where))
            if cid in written:
                if written[cid] != conditions:
                    problems.append(Problem(f"analysis result {result.id}: where-clause id '{cid}' "
                                            "stands for different conditions; give each a distinct "
                                            "where_id", dataset=ad.dataset))
                continue
            written[cid] = conditions
            for cond in ad.where:
                for value in cond.values or [None]:
                    wc_rows.append([cid, ad.dataset, cond.variable, cond.comparator, value])
    if problems:
        raise InputError(problems)
    return vl_rows, wc_rows


def _rows_analysis(spec: Spec) -> list[tuple[str, list[str], list[list[Any]]]]:
    """The three analysis results sheets (none when the spec has no analysis results)."""
    if not spec.analysis_results:
        return []
    displays, results, datasets = [], [], []
    for d in spec.analysis_results:
        displays.append([d.id, d.name, d.title, _join(d.documents) or None])
        for r in d.results:
            doc, code = r.documentation, r.code
            results.append([d.id, r.id, r.description, r.parameter, r.reason, r.purpose,
                            r.datasets_comment, doc.text if doc else None,
                            _join(doc.documents) or None if doc else None,
                            code.context if code else None, code.code if code else None,
                            _join(code.documents) or None if code else None])
            for ad in r.datasets:
                datasets.append([r.id, ad.dataset, ad.clause_id(), _join(ad.variables) or None])
    return [(name, [c.header for c in COLUMNS[name]], rows)
            for name, rows in zip(ARM_SHEETS, (displays, results, datasets))]


def _rows_codelists(spec: Spec) -> list[list[Any]]:
    rows = []
    for cl in spec.codelists:
        head = [cl.id, cl.name, cl.nci_code, cl.type]
        tail = [_yes_no(cl.extensible), cl.standard, cl.comment]
        if not cl.items:
            rows.append(head + [None, None, None, None, None] + tail)
        for n, item in enumerate(cl.items, start=1):
            rows.append(head + [n, item.value, item.nci_code, item.decode, item.rank] + tail)
    return rows


def _sheets(spec: Spec) -> list[tuple[str, list[str], list[list[Any]]]]:
    def plain(sheet: str) -> list[str]:
        return [c.header for c in COLUMNS[sheet]]

    vl_rows, wc_rows = _rows_value_level(spec)
    return [
        ("Study", plain("Study"), _rows_study(spec)),
        ("Datasets", *_rows_datasets(spec)),
        ("Variables", *_rows_variables(spec)),
        ("ValueLevel", plain("ValueLevel"), vl_rows),
        ("WhereClauses", plain("WhereClauses"), wc_rows),
        ("Codelists", plain("Codelists"), _rows_codelists(spec)),
        ("Methods", plain("Methods"),
         [[m.id, m.name, m.type, m.description, "Python" if m.implementation else None,
           m.implementation, m.document] for m in spec.methods]),
        ("Comments", plain("Comments"), [[c.id, c.text] for c in spec.comments]),
    ] + _rows_analysis(spec)


def workbook_bytes(spec: Spec) -> bytes:
    """The workbook of ``spec`` as xlsx bytes, identical for identical specs."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.utils.exceptions import IllegalCharacterError
    from openpyxl.writer.excel import ExcelWriter

    wb = Workbook()
    wb.remove(wb.active)
    bold, top = Font(bold=True), Alignment(vertical="top")
    problems = []
    for sheet, headers, rows in _sheets(spec):
        ws = wb.create_sheet(sheet)
        ws.append(headers)
        for cell in ws[1]:
            cell.font = bold
        for r, row in enumerate(rows, start=2):
            for c, value in enumerate(row, start=1):
                cell = ws.cell(row=r, column=c)
                try:
                    cell.value = value
                except IllegalCharacterError:
                    problems.append(Problem(f"sheet {sheet}, row {r}, column {headers[c - 1]}: "
                                            f"control characters cannot be written: {value!r}"))
                    continue
                if isinstance(value, str) and value.startswith("="):
                    cell.data_type = "s"  # text, not a formula
                if isinstance(value, str) and "\n" in value:
                    cell.alignment = top
        ws.freeze_panes = "A2"
        for c, header in enumerate(headers, start=1):
            longest = max([len(str(header))] + [len(str(row[c - 1]).split("\n")[0])
                                                 for row in rows if row[c - 1] is not None])
            ws.column_dimensions[get_column_letter(c)].width = min(max(longest + 2, 8), 60)
    if problems:
        raise InputError(problems)

    stamp = (dt.datetime.combine(spec.study.data_cutoff, dt.time())
             if spec.study.data_cutoff else FIXED_TIME)
    wb.properties.created = wb.properties.modified = stamp
    wb.properties.creator = "adam-toolkit"
    wb.properties.title = f"{spec.study.study_id} ADaM specification"

    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        # ExcelWriter directly: openpyxl's save_workbook would stamp "modified" with now().
        ExcelWriter(wb, archive).write_data()
    return _fixed_zip(raw.getvalue())


def _fixed_zip(data: bytes) -> bytes:
    """Rewrite a zip with constant entry times and attributes (entry order unchanged)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.create_system = 3
            entry.external_attr = 0o644 << 16
            dst.writestr(entry, src.read(info.filename))
    return out.getvalue()


def export_xlsx(spec: Spec, path: Path | str) -> Path:
    """Write ``spec`` as a P21-style workbook at ``path`` (atomically); returns the path.

    Example: ``export_xlsx(load_spec("specs/camms223"), "camms223_spec.xlsx")``
    """
    path = Path(path)
    data = workbook_bytes(spec)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


# =============================================================================== import
class _Sheet:
    """One sheet read by header name; cell readers record problems instead of raising."""

    def __init__(self, name: str, rows: list[tuple], file: str, problems: list[Problem]):
        self.name, self.file, self.problems = name, file, problems
        self.index: dict[str, int] = {}
        self.headers: dict[int, str] = {}
        self.rows: list[tuple[int, tuple]] = []
        self.ok = True
        self.bad: set[tuple[int | None, str | None]] = set()  # (row, column) already reported
        header = rows[0] if rows else ()
        for i, text in enumerate(header):
            if text is None or not str(text).strip():
                continue
            key = _norm(text)
            if key in self.index:
                self.problem(1, f"column '{str(text).strip()}' appears twice")
                self.ok = False
            self.index[key] = i
            self.headers[i] = str(text).strip()
        # The standard header wins over its aliases when a sheet has both.
        self.columns = {c.header: next((self.index[_norm(h)] for h in (c.header, *c.aliases)
                                        if _norm(h) in self.index), None)
                        for c in COLUMNS[name]}
        missing = [c.header for c in COLUMNS[name] if c.required and self.columns[c.header] is None]
        for header in missing:
            self.problem(1, f"required column '{header}' is missing")
            self.ok = False
        for n, row in enumerate(rows[1:], start=2):
            if any(v is not None and str(v).strip() for v in row):
                self.rows.append((n, row))
        known = {i for i in self.columns.values() if i is not None}
        self.extra = {i: h for i, h in self.headers.items() if i not in known}

    def problem(self, row: int | None, message: str, column: str | None = None,
                dataset: str | None = None, variable: str | None = None) -> None:
        self.bad.add((row, column))
        where = f"sheet {self.name}" + (f", row {row}" if row else "")
        where += f", column {column}" if column else ""
        self.problems.append(Problem(f"{where}: {message}", file=self.file, line=row,
                                     dataset=dataset, variable=variable))

    def raw(self, row: tuple, column: str) -> Any:
        i = self.columns.get(column)
        if i is None or i >= len(row):
            return None
        value = row[i]
        return None if isinstance(value, str) and value == "" else value

    def text(self, n: int, row: tuple, column: str, strip: bool = False) -> str | None:
        value = self.raw(row, column)
        if value is None:
            return None
        text = _as_text(value)
        if strip:
            text = text.strip()
            return text or None
        return text

    def integer(self, n: int, row: tuple, column: str, ctx: dict) -> int | None:
        value = self.raw(row, column)
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, bool):
            number = None
        elif isinstance(value, int):
            number = value
        elif isinstance(value, float) and value.is_integer():
            number = int(value)
        elif isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d+\s*", value):
            number = int(value)
        else:
            number = None
        if number is None:
            self.problem(n, f"expected a whole number, found {value!r}", column, **ctx)
        return number

    def number(self, n: int, row: tuple, column: str, ctx: dict) -> float | None:
        value = self.raw(row, column)
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        try:
            if isinstance(value, bool):
                raise ValueError
            return float(value)
        except (TypeError, ValueError):
            self.problem(n, f"expected a number, found {value!r}", column, **ctx)
            return None

    def flag(self, n: int, row: tuple, column: str, ctx: dict) -> bool | None:
        value = self.raw(row, column)
        if value is None:
            return None
        if isinstance(value, bool):
            return value
        key = _as_text(value).strip().lower()
        if not key:
            return None
        if key in YES or key in NO:
            return key in YES
        self.problem(n, f"expected Yes or No, found {value!r}", column, **ctx)
        return None

    def choice(self, n: int, row: tuple, column: str, allowed: tuple[str, ...], ctx: dict,
               synonyms: dict[str, str] | None = None) -> str | None:
        value = self.text(n, row, column, strip=True)
        if value is None:
            return None
        lookup = {_norm(a): a for a in allowed} | {_norm(k): v for k, v in (synonyms or {}).items()}
        found = lookup.get(_norm(value))
        if found is None:
            self.problem(n, f"expected one of {', '.join(allowed)}, found {value!r}", column,
                         **ctx)
        return found

    def extras(self, row: tuple) -> dict[str, Any]:
        out = {}
        for i, header in self.extra.items():
            value = row[i] if i < len(row) else None
            if value is not None and not (isinstance(value, str) and value == ""):
                out[header] = _structured(value)
        return out


def _structured(value: Any) -> Any:
    """JSON list or mapping text (as :func:`_cell_text` writes it) back to the value."""
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _as_text(value: Any) -> str:
    """A cell value as text: whole floats without '.0', dates in ISO 8601."""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return (value.date().isoformat() if value.time() == dt.time() else value.isoformat())
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _model(sheet: _Sheet, n: int | None, model: type[BaseModel], data: dict[str, Any],
           headers: dict[str, str], ctx: dict) -> Any:
    """Validate one row's fields; pydantic errors become problems naming the column."""
    try:
        return model.model_validate({k: v for k, v in data.items() if v is not None})
    except ValidationError as error:
        for err in error.errors():
            field = str(err["loc"][0]) if err["loc"] else ""
            column = headers.get(field, field)
            if (n, column) in sheet.bad:  # the cell itself was already reported
                continue
            message = "a value is required" if err["type"] == "missing" else err["msg"]
            sheet.problem(n, message, column, **ctx)
    return None


def _order_rows(sheet: _Sheet, rows: list[tuple[int, tuple]], ctx_of: Callable) -> list:
    """Rows sorted by their Order column; rows without an Order follow, in sheet order."""
    keyed = []
    for pos, (n, row) in enumerate(rows):
        order = sheet.integer(n, row, "Order", ctx_of(row))
        keyed.append((_order_key(order, pos), n, row))
    return [(n, row) for _, n, row in sorted(keyed, key=lambda k: k[0])]


def _order_key(order: int | None, pos: int) -> tuple[int, int, int]:
    return (0, order, pos) if order is not None else (1, 0, pos)


def _read_study(sheet: _Sheet) -> Study | None:
    attributes = {_norm(a): (a, f) for a, f in STUDY_ATTRIBUTES.items()}
    data: dict[str, Any] = {}
    seen: dict[str, int] = {}
    for n, row in sheet.rows:
        name = sheet.text(n, row, "Attribute", strip=True)
        if name is None:
            sheet.problem(n, "the attribute name is empty", "Attribute")
            continue
        if _norm(name) not in attributes:
            log.warning("%s: sheet Study, row %d: unknown attribute '%s' ignored", sheet.file, n,
                        name)
            continue
        header, field = attributes[_norm(name)]
        if field in seen:
            sheet.problem(n, f"attribute '{header}' is given again (first in row {seen[field]})",
                          "Attribute")
            continue
        seen[field] = n
        value = sheet.raw(row, "Value")
        if value is None:
            continue
        if field in ("standards", "analysis"):
            try:
                parsed = _strip_lines(parse_yaml(_as_text(value))[0])
            except yaml.YAMLError as error:
                sheet.problem(n, f"attribute '{header}': the value is not valid YAML or JSON "
                                 f"({getattr(error, 'problem', None) or error})", "Value")
                continue
            if field == "analysis" and parsed is not None and not isinstance(parsed, dict):
                sheet.problem(n, "attribute 'Analysis': expected a mapping of parameters",
                              "Value")
                continue
            if field == "standards":
                parsed = _standards(sheet, n, parsed)
            data[field] = parsed if parsed is not None else ({} if field == "analysis" else [])
        elif field == "data_cutoff" and isinstance(value, dt.datetime):
            data[field] = value.date()
        else:
            data[field] = _as_text(value).strip()
    headers = {f: a for a, f in STUDY_ATTRIBUTES.items()}
    rows = {f: seen.get(f) for f in STUDY_ATTRIBUTES.values()}
    try:
        return Study.model_validate(data)
    except ValidationError as error:
        for err in error.errors():
            field = str(err["loc"][0])
            if err["type"] == "missing":
                sheet.problem(None, f"attribute '{headers.get(field, field)}' is missing")
            else:
                where = ".".join(str(x) for x in err["loc"][1:])
                sheet.problem(rows.get(field), f"attribute '{headers.get(field, field)}'"
                              f"{' ' + where if where else ''}: {err['msg']}", "Value")
    return None


def _standards(sheet: _Sheet, n: int, parsed: Any) -> list | None:
    if not isinstance(parsed, list):
        sheet.problem(n, "attribute 'Standards': expected a list of standards", "Value")
        return None
    for i, item in enumerate(parsed):
        try:
            Standard.model_validate(item)
        except ValidationError as error:
            for err in error.errors():
                sheet.problem(n, f"attribute 'Standards' item {i + 1}: "
                                 f"{'.'.join(map(str, err['loc']))}: {err['msg']}", "Value")
            return None
    return parsed


def _read_datasets(sheet: _Sheet) -> dict[str, dict[str, Any]]:
    """Dataset name -> the dataset's fields (variables and value level still to come)."""
    out: dict[str, dict[str, Any]] = {}
    headers = {"name": "Dataset", "label": "Label", "class": "Class", "structure": "Structure",
               "keys": "Key Variables", "purpose": "Purpose", "repeating": "Repeating",
               "comment": "Comment", "module": "Module"}
    for n, row in sheet.rows:
        name = sheet.text(n, row, "Dataset", strip=True)
        ctx = {"dataset": name}
        if name is None:
            sheet.problem(n, "a value is required", "Dataset")
            continue
        if name in out:
            sheet.problem(n, f"dataset {name} is listed again (first in row "
                             f"{out[name]['__row__']})", "Dataset", **ctx)
            continue
        keys = sheet.text(n, row, "Key Variables", strip=True)
        out[name] = {
            "__row__": n, "__headers__": headers,
            "name": name,
            "label": sheet.text(n, row, "Label"),
            "class": sheet.choice(n, row, "Class", get_args(DatasetClass), ctx, CLASS_NAMES),
            "structure": sheet.text(n, row, "Structure"),
            "keys": [k.strip() for k in re.split(r"[,\s]+", keys) if k.strip()] if keys else [],
            "purpose": sheet.text(n, row, "Purpose"),
            "repeating": sheet.flag(n, row, "Repeating", ctx),
            "comment": sheet.text(n, row, "Comment", strip=True),
            "module": sheet.text(n, row, "Module", strip=True),
            "extra": sheet.extras(row),
            "variables": [], "value_level": [],
        }
    return out


ITEM_HEADERS = {"name": "Variable", "variable": "Variable", "label": "Label", "type": "Data Type",
                "length": "Length", "significant_digits": "Significant Digits",
                "format": "Format", "codelist": "Codelist", "origin": "Origin",
                "source": "Source", "method": "Method", "comment": "Comment", "core": "Core",
                "mandatory": "Mandatory", "where": "Where Clause", "where_id": "Where Clause"}


def _item_fields(sheet: _Sheet, n: int, row: tuple, ctx: dict) -> dict[str, Any]:
    """Fields shared by the Variables and ValueLevel sheets."""
    return {
        "label": sheet.text(n, row, "Label"),
        "type": sheet.choice(n, row, "Data Type", get_args(DataType), ctx),
        "length": sheet.integer(n, row, "Length", ctx),
        "significant_digits": sheet.integer(n, row, "Significant Digits", ctx),
        "format": sheet.text(n, row, "Format", strip=True),
        "codelist": sheet.text(n, row, "Codelist", strip=True),
        "origin": sheet.choice(n, row, "Origin", get_args(Origin), ctx),
        "source": sheet.text(n, row, "Source", strip=True),
        "method": sheet.text(n, row, "Method", strip=True),
        "comment": sheet.text(n, row, "Comment", strip=True),
    }


def _rows_by_dataset(sheet: _Sheet, datasets: dict[str, dict[str, Any]]
                     ) -> tuple[Callable[[tuple], dict], dict[str, list]]:
    """The rows of a Variables-like sheet grouped by their Dataset cell (rows naming no dataset,
    or one missing from the Datasets sheet, are reported), and the row -> location function."""
    def ctx_of(row: tuple) -> dict:
        return {"dataset": sheet.text(0, row, "Dataset", strip=True),
                "variable": sheet.text(0, row, "Variable", strip=True)}

    by_dataset: dict[str, list] = {}
    for n, row in sheet.rows:
        ctx = ctx_of(row)
        ds = ctx["dataset"]
        if ds is None:
            sheet.problem(n, "a value is required", "Dataset", **ctx)
        elif ds not in datasets:
            sheet.problem(n, f"dataset {ds} is not on the Datasets sheet", "Dataset", **ctx)
        else:
            by_dataset.setdefault(ds, []).append((n, row))
    return ctx_of, by_dataset


def _read_variables(sheet: _Sheet, datasets: dict[str, dict[str, Any]]) -> None:
    ctx_of, by_dataset = _rows_by_dataset(sheet, datasets)
    for ds, rows in by_dataset.items():
        for n, row in _order_rows(sheet, rows, ctx_of):
            ctx = ctx_of(row)
            fields = _item_fields(sheet, n, row, ctx)
            fields["name"] = ctx["variable"]
            core = sheet.choice(n, row, "Core", get_args(Core), ctx)
            mandatory = sheet.flag(n, row, "Mandatory", ctx)
            if core is None and mandatory is not None:
                core = "Req" if mandatory else None
            elif core is not None and mandatory is not None and mandatory != (core == "Req"):
                sheet.problem(n, f"Mandatory {'Yes' if mandatory else 'No'} contradicts Core "
                                 f"{core} (only Req variables are mandatory)", "Mandatory", **ctx)
            fields["core"] = core
            fields["extra"] = sheet.extras(row)
            var = _model(sheet, n, Variable, fields, ITEM_HEADERS, ctx)
            if var is not None:
                datasets[ds]["variables"].append(var)


def _read_where_clauses(sheet: _Sheet | None) -> dict[str, tuple[str, list[Condition], int]]:
    """Where-clause id -> (dataset, conditions, first row)."""
    out: dict[str, tuple[str, list[dict], int]] = {}
    if sheet is None:
        return {}
    for n, row in sheet.rows:
        cid = sheet.text(n, row, "ID", strip=True)
        ds = sheet.text(n, row, "Dataset", strip=True)
        variable = sheet.text(n, row, "Variable", strip=True)
        ctx = {"dataset": ds, "variable": variable}
        comparator = sheet.choice(n, row, "Comparator", get_args(Comparator), ctx)
        value = sheet.text(n, row, "Value")
        missing = [h for h, v in (("ID", cid), ("Dataset", ds), ("Variable", variable))
                   if v is None]
        for header in missing:
            sheet.problem(n, "a value is required", header, **ctx)
        if missing or comparator is None:
            continue
        value = "" if value is None else value
        if cid not in out:
            out[cid] = (ds, [], n)
        elif out[cid][0] != ds:
            sheet.problem(n, f"where clause {cid} is for dataset {out[cid][0]} in row "
                             f"{out[cid][2]}", "Dataset", **ctx)
            continue
        conditions = out[cid][1]
        last = conditions[-1] if conditions else None
        if (last is not None and comparator in ("IN", "NOTIN")
                and last["variable"] == variable and last["comparator"] == comparator):
            last["values"].append(value)
        else:
            conditions.append({"variable": variable, "comparator": comparator, "values": [value]})
    return {cid: (ds, [Condition.model_validate(c) for c in conds], n)
            for cid, (ds, conds, n) in out.items()}


def _read_value_level(sheet: _Sheet | None, datasets: dict[str, dict[str, Any]],
                      clauses: dict[str, tuple[str, list[Condition], int]]) -> set[str]:
    used: set[str] = set()
    if sheet is None:
        return used

    ctx_of, by_dataset = _rows_by_dataset(sheet, datasets)
    for ds, rows in by_dataset.items():
        for n, row in _order_rows(sheet, rows, ctx_of):
            ctx = ctx_of(row)
            fields = _item_fields(sheet, n, row, ctx)
            fields["variable"] = ctx["variable"]
            fields["mandatory"] = sheet.flag(n, row, "Mandatory", ctx)
            cid = sheet.text(n, row, "Where Clause", strip=True)
            if cid is None:
                sheet.problem(n, "a value is required", "Where Clause", **ctx)
                continue
            if cid not in clauses:
                sheet.problem(n, f"where clause {cid} is not on the WhereClauses sheet",
                              "Where Clause", **ctx)
                continue
            clause_ds, conditions, _ = clauses[cid]
            if clause_ds != ds:
                sheet.problem(n, f"where clause {cid} is for dataset {clause_ds}",
                              "Where Clause", **ctx)
                continue
            used.add(cid)
            fields["where"] = conditions
            vl = _model(sheet, n, ValueLevel, fields, ITEM_HEADERS, ctx)
            if vl is None:
                continue
            # A where-clause id that is just the generated one is not stored in the model.
            if vl.clause_id(ds) != cid:
                vl.where_id = cid
            datasets[ds]["value_level"].append(vl)
    return used


def _names(text: str | None) -> list[str]:
    """A comma (or line) separated list of names or file names."""
    return [p.strip() for p in re.split(r"[,\n]", text or "") if p.strip()]


def _read_analysis(sheets: dict[str, _Sheet | None],
                   clauses: dict[str, tuple[str, list[Condition], int]]) -> tuple[list[AnalysisDisplay], set[str]]:
    """Displays, their results and analysis datasets; also the where-clause ids they use."""
    used: set[str] = set()
    ds_sheet, res_sheet, disp_sheet = (sheets["AnalysisDatasets"], sheets["AnalysisResults"],
                                       sheets["AnalysisDisplays"])
    by_result: dict[str, list[AnalysisDataset]] = {}
    if ds_sheet is not None:
        for n, row in ds_sheet.rows:
            rid = ds_sheet.text(n, row, "Result", strip=True)
            dataset = ds_sheet.text(n, row, "Dataset", strip=True)
            ctx = {"dataset": dataset}
            cid = ds_sheet.text(n, row, "Where Clause", strip=True)
            where: list[Condition] = []
            if cid is not None:
                if cid not in clauses:
                    ds_sheet.problem(n, f"where clause {cid} is not on the WhereClauses sheet",
                                     "Where Clause", **ctx)
                    continue
                clause_ds, where, _ = clauses[cid]
                if dataset is not None and clause_ds != dataset:
                    ds_sheet.problem(n, f"where clause {cid} is for dataset {clause_ds}",
                                     "Where Clause", **ctx)
                    continue
                used.add(cid)
            headers = {"dataset": "Dataset", "where": "Where Clause", "variables": "Variables"}
            ad = _model(ds_sheet, n, AnalysisDataset,
                        {"dataset": dataset, "where": where,
                         "variables": _names(ds_sheet.text(n, row, "Variables"))}, headers, ctx)
            if rid is None:
                ds_sheet.problem(n, "a value is required", "Result", **ctx)
            elif ad is not None:
                if cid is not None and ad.clause_id() != cid:
                    ad.where_id = cid
                by_result.setdefault(rid, []).append(ad)

    by_display: dict[str, list[AnalysisResult]] = {}
    seen_results: dict[str, int] = {}
    if res_sheet is not None:
        headers = {"id": "ID", "description": "Description", "parameter": "Parameter",
                   "reason": "Reason", "purpose": "Purpose", "datasets_comment": "Datasets Comment",
                   "datasets": "Result", "documentation": "Documentation", "code": "Code",
                   "text": "Documentation", "context": "Code Context"}
        for n, row in res_sheet.rows:
            did = res_sheet.text(n, row, "Display", strip=True)
            rid = res_sheet.text(n, row, "ID", strip=True)
            if rid is not None and rid in seen_results:
                res_sheet.problem(n, f"result {rid} is already on row {seen_results[rid]}", "ID")
                continue
            if rid is not None:
                seen_results[rid] = n
            text = res_sheet.text(n, row, "Documentation")
            doc_files = _names(res_sheet.text(n, row, "Documentation Documents"))
            context = res_sheet.text(n, row, "Code Context")
            code_text = res_sheet.text(n, row, "Code")
            code_files = _names(res_sheet.text(n, row, "Code Documents"))
            documentation = None
            if text is not None or doc_files:
                documentation = _model(res_sheet, n, AnalysisDocumentation,
                                       {"text": text, "documents": doc_files}, headers, {})
            code = None
            if context is not None or code_text is not None or code_files:
                code = ProgrammingCode(context=context, code=code_text, documents=code_files)
            result = _model(res_sheet, n, AnalysisResult, {
                "id": rid, "description": res_sheet.text(n, row, "Description"),
                "parameter": res_sheet.text(n, row, "Parameter", strip=True),
                "reason": res_sheet.text(n, row, "Reason", strip=True),
                "purpose": res_sheet.text(n, row, "Purpose", strip=True),
                "datasets": by_result.pop(rid, []) if rid is not None else [],
                "datasets_comment": res_sheet.text(n, row, "Datasets Comment", strip=True),
                "documentation": documentation, "code": code}, headers, {})
            if did is None:
                res_sheet.problem(n, "a value is required", "Display")
            elif result is not None:
                by_display.setdefault(did, []).append(result)
    if ds_sheet is not None:
        for rid in by_result:
            ds_sheet.problem(None, f"result {rid} is not on the AnalysisResults sheet", "Result")

    displays = []
    if disp_sheet is not None:
        headers = {"id": "ID", "name": "Name", "title": "Title", "documents": "Documents"}
        for n, row in disp_sheet.rows:
            did = disp_sheet.text(n, row, "ID", strip=True)
            display = _model(disp_sheet, n, AnalysisDisplay, {
                "id": did, "name": disp_sheet.text(n, row, "Name"),
                "title": disp_sheet.text(n, row, "Title"),
                "documents": _names(disp_sheet.text(n, row, "Documents")),
                "results": by_display.pop(did, []) if did is not None else []}, headers, {})
            if display is not None:
                displays.append(display)
    if res_sheet is not None:
        for did in by_display:
            res_sheet.problem(None, f"display {did} is not on the AnalysisDisplays sheet", "Display")
    return displays, used


def _read_codelists(sheet: _Sheet | None) -> list[Codelist]:
    if sheet is None:
        return []
    lists: dict[str, dict[str, Any]] = {}
    headers = {"id": "ID", "name": "Name", "nci_code": "NCI Codelist Code", "type": "Data Type",
               "extensible": "Extensible", "standard": "Standard", "comment": "Comment",
               "value": "Term", "decode": "Decoded Value", "rank": "Rank"}
    for n, row in sheet.rows:
        cid = sheet.text(n, row, "ID", strip=True)
        if cid is None:
            sheet.problem(n, "a value is required", "ID")
            continue
        ctx: dict = {}
        head = {
            "id": cid,
            "name": sheet.text(n, row, "Name"),
            "nci_code": sheet.text(n, row, "NCI Codelist Code", strip=True),
            "type": sheet.choice(n, row, "Data Type", ("text", "integer", "float"), ctx),
            "extensible": sheet.flag(n, row, "Extensible", ctx),
            "standard": sheet.text(n, row, "Standard"),
            "comment": sheet.text(n, row, "Comment", strip=True),
        }
        if cid not in lists:
            lists[cid] = {"head": head, "row": n, "items": []}
        else:
            first = lists[cid]["head"]
            for field, value in head.items():
                if value is None:
                    continue
                if first[field] is None:
                    first[field] = value
                elif first[field] != value:
                    sheet.problem(n, f"codelist {cid}: {value!r} differs from {first[field]!r} "
                                     f"in row {lists[cid]['row']}", headers[field])
        term = sheet.text(n, row, "Term")
        order = sheet.integer(n, row, "Order", ctx)
        item = {"value": term, "decode": sheet.text(n, row, "Decoded Value"),
                "nci_code": sheet.text(n, row, "NCI Term Code", strip=True),
                "rank": sheet.number(n, row, "Rank", ctx)}
        if term is None:
            if any(v is not None for v in item.values()):
                sheet.problem(n, "a value is required", "Term")
            continue
        model = _model(sheet, n, CodelistItem, item, headers, ctx)
        if model is not None:
            position = len(lists[cid]["items"])
            lists[cid]["items"].append((_order_key(order, position), model))
    out = []
    for cid, entry in lists.items():
        items = [model for _, model in sorted(entry["items"], key=lambda k: k[0])]
        data = dict(entry["head"], items=items)
        cl = _model(sheet, entry["row"], Codelist, data, headers, {})
        if cl is not None:
            out.append(cl)
    return out


def _read_simple(sheet: _Sheet | None, model: type[BaseModel],
                 fields: dict[str, tuple[str, bool]]) -> list[Any]:
    """Methods and Comments: one element per row; ``fields``: field -> (column, strip)."""
    if sheet is None:
        return []
    out = []
    headers = {f: c for f, (c, _) in fields.items()}
    for n, row in sheet.rows:
        data = {f: sheet.text(n, row, c, strip=s) for f, (c, s) in fields.items()}
        if model is Method:
            data["type"] = sheet.choice(n, row, "Type", get_args(MethodType), {})
        item = _model(sheet, n, model, data, headers | {"type": "Type"}, {})
        if item is not None:
            out.append(item)
    return out


def _load_sheets(path: Path, problems: list[Problem]) -> dict[str, list[tuple]]:
    from openpyxl import load_workbook

    if not path.is_file():
        raise InputError(Problem("workbook not found", file=str(path)))
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise InputError(Problem(f"not a readable xlsx workbook ({error})", file=str(path))) \
            from None
    try:
        by_key = {_norm(name): name for name in wb.sheetnames}
        out = {}
        for sheet in REQUIRED_SHEETS + OPTIONAL_SHEETS:
            actual = by_key.get(_norm(sheet))
            if actual is None:
                if sheet in REQUIRED_SHEETS:
                    problems.append(Problem(f"required sheet '{sheet}' is missing",
                                            file=str(path)))
                continue
            out[sheet] = [tuple(r) for r in wb[actual].iter_rows(values_only=True)]
        unknown = [n for k, n in by_key.items()
                   if k not in {_norm(s) for s in REQUIRED_SHEETS + OPTIONAL_SHEETS}]
        if unknown:
            log.warning("%s: sheet(s) %s ignored", path, ", ".join(unknown))
        return out
    finally:
        wb.close()


def import_xlsx(path: Path | str) -> Spec:
    """Read a P21-style spec workbook; raise InputError listing every problem found.

    Problems name the sheet, row and column (missing sheets and required columns by name,
    cells that do not parse, references to where clauses or datasets not in the workbook).
    Cross-references inside the spec are left to :func:`adam.spec.lint.lint_spec`.

    Example: ``spec = import_xlsx("camms223_spec.xlsx")``
    """
    path = Path(path)
    problems: list[Problem] = []
    raw = _load_sheets(path, problems)
    sheets: dict[str, _Sheet | None] = {}
    for name in REQUIRED_SHEETS + OPTIONAL_SHEETS:
        sheets[name] = _Sheet(name, raw[name], str(path), problems) if name in raw else None
    if problems or not all(s.ok for s in sheets.values() if s is not None):
        raise InputError(problems)
    for name, sheet in sheets.items():
        if sheet is not None and sheet.extra and name not in ("Datasets", "Variables"):
            log.warning("%s: sheet %s: column(s) %s have no place in the spec and are ignored",
                        path, name, ", ".join(sheet.extra.values()))

    study = _read_study(sheets["Study"])  # type: ignore[arg-type]
    datasets = _read_datasets(sheets["Datasets"])  # type: ignore[arg-type]
    _read_variables(sheets["Variables"], datasets)  # type: ignore[arg-type]
    clauses = _read_where_clauses(sheets["WhereClauses"])
    used = _read_value_level(sheets["ValueLevel"], datasets, clauses)
    analysis_results, used_arm = _read_analysis(sheets, clauses)
    used |= used_arm
    for cid, (ds, _, n) in clauses.items():
        if cid not in used:
            log.warning("%s: sheet WhereClauses, row %d: where clause %s is not used", path, n, cid)
    codelists = _read_codelists(sheets["Codelists"])
    methods = _read_simple(sheets["Methods"], Method, {
        "id": ("ID", True), "name": ("Name", False), "description": ("Description", False),
        "implementation": ("Expression Code", True), "document": ("Document", False)})
    comments = _read_simple(sheets["Comments"], Comment,
                            {"id": ("ID", True), "text": ("Description", False)})

    built = []
    for name, fields in datasets.items():
        row, headers = fields.pop("__row__"), fields.pop("__headers__")
        ds = _model(sheets["Datasets"], row, Dataset, fields,  # type: ignore[arg-type]
                    headers, {"dataset": name})
        if ds is not None:
            built.append(ds)
    if problems or study is None:
        raise InputError(problems)
    return Spec(study=study, datasets=built, codelists=codelists, methods=methods,
                comments=comments, analysis_results=analysis_results)


__all__ = ["export_xlsx", "import_xlsx", "workbook_bytes", "COLUMNS", "STUDY_ATTRIBUTES"]
