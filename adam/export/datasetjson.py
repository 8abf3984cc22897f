"""CDISC Dataset-JSON v1.1: writing and reading, in the .json and the .ndjson form.

Both forms carry the same content: the top-level attributes and ``columns`` (metadata), then the
rows as arrays of values in column order. In the .json form the rows are the ``rows`` attribute
of the one object; in the .ndjson form the first line is the metadata object and every further
line one row. Attributes are written in the order the specification recommends, one row per
line, so files stream well and diff well.

Types (ColumnMeta.type -> Dataset-JSON ``dataType`` / JSON value):

- ``text`` -> ``string`` (or ``json_type``: ``date``, ``datetime``, ``time``, ``URI`` for character
  values such as SDTM ``--DTC``), JSON strings; a missing value is written as ``""`` like in XPT
  (``text_missing_as_null=True`` writes ``null``);
- ``integer`` -> ``integer``, JSON integers (``json_type="boolean"`` -> true/false from 1/0);
- ``float`` -> ``float`` (or ``json_type`` ``double``, or ``decimal``, which is written as a string
  with ``targetDataType: "decimal"``), JSON numbers;
- ``date``/``datetime``/``time`` (SAS numbers, the ADaM ``*DT``/``*DTM``/``*TM`` variables) ->
  ``dataType`` of that name with ``targetDataType: "integer"``, values as ISO 8601 strings
  (``2014-01-02``, ``2014-01-02T10:00:00``, ``10:00:00``), as the v1.1 specification requires
  for ADaM; the reader turns them back into SAS numbers.

Missing numbers are ``null``. Infinite numbers, fractional integers and values that are not of
the column's type are errors (one :class:`Problem` each; nothing is written).
"""

from __future__ import annotations

import itertools
import json
import math
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime
from json.encoder import encode_basestring
from pathlib import Path
from typing import Iterator

import numpy as np
import pandas as pd

from adam.errors import InputError, Problem
from adam.export.columns import (
    DATE_TYPES,
    DEFAULT_CREATED,
    ColumnMeta,
    DatasetMeta,
    iso_to_sas,
    row_problems,
    sas_iso_bad,
    sas_to_datetime64,
    sas_to_iso,
    to_sas_numbers,
)
from adam.export.package import default_mode
from adam.export.text import object_array

DATASET_JSON_VERSION = "1.1.0"

DEFAULT_JSON_TYPE = {"text": "string", "integer": "integer", "float": "float",
                     "date": "date", "datetime": "datetime", "time": "time"}
ALLOWED_JSON_TYPES = {
    "text": {"string", "date", "datetime", "time", "URI"},
    "integer": {"integer", "boolean"},
    "float": {"float", "double", "decimal"},
    "date": {"date"},
    "datetime": {"datetime"},
    "time": {"time"},
}
DEFAULT_DATE_FORMATS = {"date": "DATE9.", "datetime": "DATETIME20.", "time": "TIME8."}


def _iso_timestamp(when: datetime) -> str:
    return when.replace(microsecond=0).isoformat(timespec="seconds")


def column_definitions(df: pd.DataFrame | None, meta: DatasetMeta, *,
                       text_lengths: dict[str, int] | None = None) -> list[dict]:
    """The ``columns`` array for ``meta``: itemOID ``IT.<DS>.<VAR>``, name, label, dataType,
    targetDataType, length (character columns: the metadata's, else the longest value, at least
    1), displayFormat (dates default to DATE9./DATETIME20./TIME8. as in XPT) and keySequence."""
    keys = {k: i + 1 for i, k in enumerate(meta.keys)}
    out = []
    for col in meta.columns:
        data_type = col.json_type or DEFAULT_JSON_TYPE[col.type]
        item: dict = {"itemOID": f"IT.{meta.name}.{col.name}", "name": col.name, "label": col.label,
                      "dataType": data_type}
        if col.type in DATE_TYPES:
            item["targetDataType"] = "integer"
        elif data_type == "decimal":
            item["targetDataType"] = "decimal"
        if col.type == "text":
            length = col.length
            if length is None and text_lengths is not None and col.name in text_lengths:
                length = text_lengths[col.name]
            elif length is None and df is not None and col.name in df.columns:
                lens = df[col.name].astype("str").str.rstrip().str.len()
                length = int(lens.max()) if len(lens) and lens.notna().any() else 0
            item["length"] = max(1, length or 1)
        elif col.length is not None:
            item["length"] = col.length
        fmt = col.display_format or DEFAULT_DATE_FORMATS.get(col.type)
        if fmt:
            item["displayFormat"] = fmt
        if col.name in keys:
            item["keySequence"] = keys[col.name]
        out.append(item)
    return out


@dataclass(frozen=True)
class _Column:
    """One checked column, ready to be written, as its distinct values and a code per row.

    ``values`` holds the JSON-ready Python value of each distinct value (text right-stripped,
    integers as ``int``, ``date``/``datetime``/``time`` as ISO 8601 text, decimals as text,
    booleans as ``bool``) and, last, the value written where the value is missing (``None``, or
    ``""`` for text written as in XPT); ``codes`` gives the position in ``values`` of each row's
    value (the smallest integer type that holds them). Every value is thus converted and
    encoded once, however many rows hold it.
    """

    form: str
    values: list
    codes: np.ndarray

    def python_values(self) -> list:
        """The values of all rows as JSON-ready Python objects."""
        return object_array(self.values)[self.codes].tolist()

    def json_texts(self) -> list[str]:
        """The JSON text of each of ``values``: exactly what ``json.JSONEncoder(ensure_ascii=False)``
        writes for it."""
        encode = _ENCODERS.get(self.form)
        if encode is None:  # dates (a missing one is None) and booleans: few distinct values
            return [_json_text(v) for v in self.values]
        return list(map(encode, self.values[:-1])) + [_json_text(self.values[-1])]


#: The C-level encoder of every present value of a form (the missing value is encoded apart).
_ENCODERS = {"string": encode_basestring, "decimal": encode_basestring, "integer": int.__repr__,
             "float": float.__repr__}


def _json_text(value: object) -> str:
    """One scalar as the standard library's C encoder writes it (bool before int: bool is an int)."""
    if value is None:
        return "null"
    if isinstance(value, str):
        return encode_basestring(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return int.__repr__(value)
    return float.__repr__(value)


def _codes(codes: np.ndarray, missing: np.ndarray | None, n_values: int) -> np.ndarray:
    """Codes from :func:`pandas.factorize` with missing rows (code -1, or ``missing``) pointing at
    slot ``n_values`` (the missing value), in the smallest signed integer type that holds them."""
    if missing is None:
        missing = codes < 0
    codes[missing] = n_values
    for small in (np.int8, np.int16, np.int32):
        if n_values <= np.iinfo(small).max:
            return codes.astype(small)
    return codes


def _number_column(form: str, numbers: np.ndarray, missing: np.ndarray) -> _Column:
    """A numeric column from float64 ``numbers``: its distinct values (told apart by their bits,
    so -0.0 stays -0.0) converted to the Python value written for ``form``."""
    codes, bits = pd.factorize(numbers.view(np.int64))
    distinct = np.asarray(bits, dtype=np.int64).view(np.float64)
    if form in DATE_TYPES:
        values = sas_to_iso(distinct, form)[0]
    elif form == "integer":
        # int() of each distinct value: exact for whole numbers of any size (int64 would wrap)
        values = [int(v) if math.isfinite(v) else None for v in distinct.tolist()]
    elif form == "boolean":
        values = (distinct == 1.0).tolist()
    elif form == "decimal":
        values = list(map(float.__repr__, distinct.tolist()))
    else:
        values = distinct.tolist()
    return _Column(form, values + [None], _codes(codes, missing, len(values)))


def _column_values(df: pd.DataFrame, col: ColumnMeta, *, file: str, dataset: str,
                   text_missing_as_null: bool) -> tuple[_Column | None, list[Problem]]:
    """One column checked and converted for writing, and the problems found in it."""
    values = df[col.name]
    where = dict(file=file, dataset=dataset, variable=col.name)
    data_type = col.json_type or DEFAULT_JSON_TYPE[col.type]
    if data_type not in ALLOWED_JSON_TYPES[col.type]:
        return None, [Problem(f"Dataset-JSON dataType {data_type!r} does not fit a {col.type} variable "
                              f"(allowed: {', '.join(sorted(ALLOWED_JSON_TYPES[col.type]))})", **where)]
    if col.type == "text":
        if not (pd.api.types.is_string_dtype(values.dtype) or pd.api.types.is_object_dtype(values.dtype)):
            return None, [Problem(f"character variable holds {values.dtype} values (expected text)", **where)]
        raw = values.to_numpy(dtype=object)
        if not (isinstance(values.dtype, pd.StringDtype) or (
                values.dtype == object and pd.api.types.infer_dtype(raw, skipna=True) in ("string", "empty"))):
            not_str = ~values.map(lambda v: isinstance(v, str) or v is None or v is pd.NA
                                  or (isinstance(v, float) and np.isnan(v))).to_numpy(dtype=bool)
            return None, row_problems(df, not_str, "value is not text (expected a character value)", **where)
        codes, distinct = pd.factorize(raw)  # missing values (None, NaN, NA) get code -1
        stripped = list(map(str.rstrip, distinct.tolist()))  # as in XPT, so both formats hold the same values
        return _Column("string", stripped + [None if text_missing_as_null else ""],
                       _codes(codes, None, len(stripped))), []

    problems: list[Problem] = []
    if col.type in DATE_TYPES:
        if pd.api.types.is_string_dtype(values.dtype) and not pd.api.types.is_object_dtype(values.dtype):
            return None, [Problem(f"{col.type} variable holds text (expected SAS {col.type} numbers or "
                                  f"datetime64); found {values.dtype}", **where)]
        numbers, bad = to_sas_numbers(values, col.type)
        if bad.any():
            problems += row_problems(df, bad, f"value is not a SAS {col.type}", **where)
        bad_iso = sas_iso_bad(numbers, col.type) & ~bad
        if bad_iso.any():
            problems += row_problems(df, bad_iso, [f"SAS {col.type} value {v!r} cannot be written as ISO 8601"
                                                   for v in numbers[bad_iso].tolist()], **where)
        return _number_column(col.type, numbers, np.isnan(numbers)), problems

    if pd.api.types.is_bool_dtype(values.dtype) or not pd.api.types.is_numeric_dtype(values.dtype):
        return None, [Problem(f"numeric variable holds {values.dtype} values (expected numbers)", **where)]
    numbers = pd.to_numeric(values).to_numpy(dtype="float64", na_value=np.nan)
    missing = np.isnan(numbers)
    infinite = np.isinf(numbers)
    if infinite.any():
        problems += row_problems(df, infinite, "value is infinite (expected a finite number or missing)", **where)
    finite = np.where(np.isfinite(numbers), numbers, 0.0)
    form = "float"
    if col.type == "integer":
        fractional = finite != np.round(finite)
        if fractional.any():
            problems += row_problems(df, fractional, [f"value {v!r} is not a whole number (variable is integer)"
                                                      for v in numbers[fractional].tolist()], **where)
        form = "integer"
        if data_type == "boolean":
            not01 = ~missing & ~np.isin(numbers, (0.0, 1.0))
            if not01.any():
                problems += row_problems(df, not01, "boolean value is not 0 or 1", **where)
            form = "boolean"
    elif data_type == "decimal":
        form = "decimal"
    return _number_column(form, finite, missing), problems


def _prepare(
    df: pd.DataFrame,
    meta: DatasetMeta,
    *,
    study_oid: str,
    metadata_version_oid: str = "MDV.1",
    metadata_ref: str | None = None,
    originator: str = "adam-toolkit",
    source_system: dict | None = None,
    created: datetime | None = None,
    item_group_oid: str | None = None,
    file_oid: str | None = None,
    db_last_modified: datetime | None = None,
    text_missing_as_null: bool = False,
    file: str = "",
) -> tuple[dict, list[_Column]]:
    """The metadata object (without rows) and the checked columns of a Dataset-JSON file.

    Raises :class:`InputError` with one problem per bad column or value.
    """
    ds = meta.name
    df = df.reset_index(drop=True)  # rows are taken by position
    problems: list[Problem] = []
    names = meta.names
    cols = [str(c) for c in df.columns]
    for extra in [c for c in cols if c not in names]:
        problems.append(Problem("column is in the data but not in the metadata", file=file, dataset=ds, variable=extra))
    for miss in [c for c in names if c not in cols]:
        problems.append(Problem("variable is in the metadata but not in the data", file=file, dataset=ds, variable=miss))
    for dup in sorted({n for n in names if names.count(n) > 1}):
        problems.append(Problem("variable is listed more than once in the metadata", file=file, dataset=ds, variable=dup))
    for key in meta.keys:
        if key not in names:
            problems.append(Problem("key variable is not a column", file=file, dataset=ds, variable=key))
    if not study_oid:
        problems.append(Problem("studyOID is empty", file=file, dataset=ds))
    created = created or DEFAULT_CREATED
    if db_last_modified is not None and db_last_modified > created:
        problems.append(Problem(f"dbLastModifiedDateTime {db_last_modified} is after the creation time {created}",
                                file=file, dataset=ds))
    if source_system is not None and not ({"name", "version"} <= set(source_system)):
        problems.append(Problem("sourceSystem needs both 'name' and 'version'", file=file, dataset=ds))
    if problems:
        raise InputError(problems)

    columns: list[_Column] = []
    for col in meta.columns:
        values, found = _column_values(df, col, file=file, dataset=ds, text_missing_as_null=text_missing_as_null)
        problems += found
        if values is not None:
            columns.append(values)
    if problems:
        raise InputError(problems)

    head: dict = {"datasetJSONCreationDateTime": _iso_timestamp(created),
                  "datasetJSONVersion": DATASET_JSON_VERSION}
    if file_oid:
        head["fileOID"] = file_oid
    if db_last_modified is not None:
        head["dbLastModifiedDateTime"] = _iso_timestamp(db_last_modified)
    if originator:
        head["originator"] = originator
    if source_system is not None:
        head["sourceSystem"] = {"name": str(source_system["name"]), "version": str(source_system["version"])}
    head["studyOID"] = study_oid
    if metadata_version_oid:
        head["metaDataVersionOID"] = metadata_version_oid
    if metadata_ref:
        head["metaDataRef"] = metadata_ref
    head["itemGroupOID"] = item_group_oid or f"IG.{ds}"
    head["records"] = len(df)
    head["name"] = ds
    head["label"] = meta.label
    text_lengths = {c.name: max(map(len, v.values[:-1]), default=0)  # last: the missing value
                    for c, v in zip(meta.columns, columns) if c.type == "text"}
    head["columns"] = column_definitions(df, meta, text_lengths=text_lengths)
    return head, columns


def dataset_json_object(df: pd.DataFrame, meta: DatasetMeta, **options) -> tuple[dict, list[tuple]]:
    """The metadata object (without rows) and the rows (tuples of JSON-ready values) of a
    Dataset-JSON file for ``df``; ``options`` as for :func:`write_dataset_json` (plus ``file``,
    the name used in problems).

    Raises :class:`InputError` with one problem per bad column or value.
    """
    head, columns = _prepare(df, meta, **options)
    rows = list(zip(*(c.python_values() for c in columns))) if columns else [() for _ in range(len(df))]
    return head, rows


#: Rows encoded and written per block (bounds the memory of the JSON text).
ROW_BLOCK = 20_000

#: Adjacent columns are joined as one piece per row (its code: the position of the row's
#: combination of their values) while their combinations number at most this many.
MERGE_LIMIT = 4096


def _merge_groups(sizes: list[int]) -> list[list[int]]:
    """Runs of adjacent columns (by position) whose numbers of distinct texts, multiplied, stay
    within :data:`MERGE_LIMIT`; a column with more distinct texts is a run of its own."""
    groups: list[list[int]] = []
    combinations = 0
    for j, size in enumerate(sizes):
        if groups and combinations * size <= MERGE_LIMIT:
            groups[-1].append(j)
            combinations *= size
        else:
            groups.append([j])
            combinations = size
    return groups


def _row_blocks(columns: list[_Column], n_rows: int) -> Iterator[bytes]:
    """The rows as UTF-8 JSON in the NDJSON layout (``[v1, v2]`` and a line end per row), block
    by block.

    The JSON text of each distinct value, with what follows it in a row (``, `` or ``]``), is
    made once; runs of adjacent columns with few combinations are joined beforehand into one
    text per combination (:func:`_merge_groups`), so a row is a few pieces taken by code, and
    a block is one join of them (fewer pieces, less work per row).
    """
    if not columns:
        for start in range(0, n_rows, ROW_BLOCK):
            yield b"[]\n" * (min(n_rows, start + ROW_BLOCK) - start)
        return
    last = len(columns) - 1
    texts = [[("[" if j == 0 else "") + text + ("]\n" if j == last else ", ") for text in col.json_texts()]
             for j, col in enumerate(columns)]
    groups = _merge_groups([len(t) for t in texts])
    # itertools.product varies the last column fastest, as the codes combined below do
    tables = [object_array(list(map("".join, itertools.product(*(texts[j] for j in group)))))
              for group in groups]
    for start in range(0, n_rows, ROW_BLOCK):
        stop = min(n_rows, start + ROW_BLOCK)
        pieces = np.empty((stop - start, len(groups)), dtype=object)
        for k, (group, table) in enumerate(zip(groups, tables)):
            code = columns[group[0]].codes[start:stop].astype(np.intp)
            for j in group[1:]:
                code *= len(texts[j])
                code += columns[j].codes[start:stop]
            pieces[:, k] = table[code]
        # str.join, not bytes.join: the latter keeps a buffer record per item, far slower here
        yield "".join(pieces.ravel().tolist()).encode("utf-8")


def write_dataset_json(
    df: pd.DataFrame,
    path: Path,
    meta: DatasetMeta,
    *,
    study_oid: str,
    metadata_version_oid: str = "MDV.1",
    metadata_ref: str | None = None,
    originator: str = "adam-toolkit",
    source_system: dict | None = None,
    created: datetime | None = None,
    ndjson: bool = False,
    item_group_oid: str | None = None,
    file_oid: str | None = None,
    db_last_modified: datetime | None = None,
    text_missing_as_null: bool = False,
) -> Path:
    """Write ``df`` as Dataset-JSON v1.1 (``ndjson=True``: the NDJSON form) at ``path``.

    ``created`` becomes ``datasetJSONCreationDateTime`` (default :data:`DEFAULT_CREATED`, so the
    same data always give the same bytes). UTF-8, ``\\n`` line ends, one row per line. Written
    under a temporary name and renamed into place, so a failure leaves nothing behind.
    """
    path = Path(path)
    head, columns = _prepare(
        df, meta, study_oid=study_oid, metadata_version_oid=metadata_version_oid, metadata_ref=metadata_ref,
        originator=originator, source_system=source_system, created=created, item_group_oid=item_group_oid,
        file_oid=file_oid, db_last_modified=db_last_modified, text_missing_as_null=text_missing_as_null,
        file=path.name,
    )
    _write_forms(head, columns, [(path, ndjson)])
    return path


def write_dataset_json_pair(df: pd.DataFrame, json_path: Path, ndjson_path: Path, meta: DatasetMeta,
                            **options) -> tuple[Path, Path]:
    """Write ``df`` in both forms at once, .json at ``json_path`` and .ndjson at ``ndjson_path``
    (``options`` as for :func:`write_dataset_json`, without ``ndjson``).

    The files are byte for byte those two :func:`write_dataset_json` calls would write, for
    about half the work: the columns are checked and every row encoded once, then written to
    both files. Problems name the .json file. Both files appear only when both were written.
    """
    json_path, ndjson_path = Path(json_path), Path(ndjson_path)
    head, columns = _prepare(df, meta, file=json_path.name, **options)
    _write_forms(head, columns, [(json_path, False), (ndjson_path, True)])
    return json_path, ndjson_path


def _write_forms(head: dict, columns: list[_Column], targets: list[tuple[Path, bool]]) -> None:
    """Write the metadata and rows into each (path, is_ndjson) target, one row per line exactly as
    the encoder writes each row on its own; under temporary names, renamed into place at the end."""
    encode = json.JSONEncoder(ensure_ascii=False, allow_nan=False).encode
    header = encode(head)
    temps: list[tuple[Path, Path]] = []
    try:
        handles = []
        for path, _ in targets:
            fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            temps.append((Path(tmp_name), path))
            handles.append(os.fdopen(fd, "wb"))
        try:
            for fh, (_, nd) in zip(handles, targets):
                fh.write((header + "\n" if nd else header[:-1] + ', "rows": [').encode("utf-8"))
            as_json = any(not nd for _, nd in targets)
            for k, block in enumerate(_row_blocks(columns, head["records"])):
                # The .json rows are the NDJSON rows with a comma after every row but the last.
                # A line end in a block only ever ends a row (JSON strings escape theirs, and
                # no UTF-8 multi-byte character holds the byte), so one replace adds the commas.
                commas = memoryview(block.replace(b"\n", b",\n"))[:-2] if as_json else None
                for fh, (_, nd) in zip(handles, targets):
                    if nd:
                        fh.write(block)
                    else:
                        fh.write(b",\n" if k else b"\n")
                        fh.write(commas)
            for fh, (_, nd) in zip(handles, targets):
                if not nd:
                    fh.write(b"\n]}\n")
        finally:
            for fh in handles:
                fh.close()
        for tmp, path in temps:
            os.chmod(tmp, default_mode())
        for tmp, path in temps:
            os.replace(tmp, path)
    except BaseException:
        for tmp, _ in temps:
            tmp.unlink(missing_ok=True)
        raise


# --- reading ----------------------------------------------------------------------------------

REQUIRED_TOP = ("datasetJSONCreationDateTime", "datasetJSONVersion", "itemGroupOID", "records", "name", "label",
                "columns")


def _load(path: Path) -> tuple[dict, list]:
    """The metadata object and the rows of a Dataset-JSON file in either form.

    The form is taken from the extension (.ndjson / .json); for any other extension it is
    detected from the content: a first line that is a complete object without ``rows`` followed
    by more lines is NDJSON.
    """
    name = str(path)
    try:
        with open(path, "r", encoding="utf-8-sig") as fh:
            first = fh.readline()
            is_nd = path.suffix.lower() == ".ndjson"
            if path.suffix.lower() not in (".json", ".ndjson"):
                try:
                    obj = json.loads(first)
                    is_nd = isinstance(obj, dict) and "rows" not in obj
                except json.JSONDecodeError:
                    is_nd = False
            if is_nd:
                head = json.loads(first)
                rows = []
                for k, line in enumerate(fh, start=2):
                    if not line.strip():
                        continue
                    try:
                        rows.append(json.loads(line))
                    except json.JSONDecodeError as error:
                        raise InputError(Problem(f"line is not valid JSON: {error.msg}", file=name, line=k)) from None
            else:
                head = json.loads(first + fh.read())
                rows = head.pop("rows", []) if isinstance(head, dict) else []
    except json.JSONDecodeError as error:
        raise InputError(Problem(f"not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})",
                                 file=name)) from None
    except UnicodeDecodeError:
        raise InputError(Problem("not UTF-8 text", file=name)) from None
    except OSError as error:
        raise InputError(Problem(f"cannot read: {error.strerror}", file=name)) from None
    if not isinstance(head, dict):
        raise InputError(Problem("expected a JSON object with the dataset metadata", file=name))
    return head, rows


def read_dataset_json_header(path: Path) -> dict:
    """The top-level attributes and columns of a Dataset-JSON file (either form), without rows."""
    return _load(Path(path))[0]


def read_dataset_json(
    path: Path,
    *,
    convert_dates: bool = False,
) -> tuple[pd.DataFrame, DatasetMeta]:
    """Read a Dataset-JSON v1.1 file (.json or .ndjson) into a frame and its :class:`DatasetMeta`.

    Character columns come back as ``str`` (``""`` stays ``""``, ``null`` is NA); every numeric
    column as float64 (like XPT); date/datetime/time columns with ``targetDataType: "integer"`` are
    converted from ISO 8601 back to SAS numbers (``convert_dates=True``: datetime64/timedelta64);
    ``decimal`` strings become floats; booleans 1/0. Bad structure or values raise
    :class:`InputError` naming the file, variable and record.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(Problem("file not found", file=str(path)))
    head, rows = _load(path)
    name = str(path)
    ds = str(head.get("name") or path.stem).upper()
    problems = [Problem(f"required attribute {key!r} is missing", file=name, dataset=ds)
                for key in REQUIRED_TOP if key not in head]
    if problems:
        raise InputError(problems)
    cols_meta = head["columns"]
    names = [c.get("name") for c in cols_meta]
    if not isinstance(rows, list):
        raise InputError(Problem("'rows' is not an array", file=name, dataset=ds))
    if head["records"] != len(rows):
        problems.append(Problem(f"'records' says {head['records']} but the file has {len(rows)} rows",
                                file=name, dataset=ds))
    widths = [len(r) if isinstance(r, list) else -1 for r in rows]
    bad_rows = [k for k, w in enumerate(widths) if w != len(names)]
    for k in bad_rows[:20]:
        problems.append(Problem(f"row has {widths[k]} values, expected {len(names)} (one per column)",
                                file=name, dataset=ds, record=f"row {k + 1}"))
    if problems:
        raise InputError(problems)

    raw = pd.DataFrame(rows, columns=names, dtype=object) if rows else pd.DataFrame(
        {n: pd.Series([], dtype=object) for n in names})
    out: dict[str, object] = {}
    columns: list[ColumnMeta] = []
    keys: list[tuple[int, str]] = []
    for c in cols_meta:
        col_name = c["name"]
        data_type = c.get("dataType", "string")
        target = c.get("targetDataType")
        values = raw[col_name]
        where = dict(file=name, dataset=ds, variable=col_name)
        if data_type in ("date", "datetime", "time") and target == "integer":
            kind = data_type
            wrong = _type_mask(values, str)
            problems += row_problems(raw, wrong, f"expected an ISO 8601 {kind} string", **where)
            numbers, bad = iso_to_sas(values.where(~wrong, None), kind)
            problems += row_problems(raw, bad, [f"value {v!r} is not a complete ISO 8601 {kind}"
                                                for v in values[bad]], **where)
            out[col_name] = sas_to_datetime64(numbers, kind).to_numpy() if convert_dates else numbers
            ctype, json_type = kind, None
        elif data_type in ("integer", "float", "double", "decimal", "boolean"):
            if data_type == "decimal":
                wrong = _type_mask(values, str)
                numbers = pd.to_numeric(values.where(~wrong, None).map(
                    lambda v: v.replace(",", "") if isinstance(v, str) else v), errors="coerce")
                unparsed = values.notna().to_numpy() & ~wrong & numbers.isna().to_numpy()
                problems += row_problems(raw, wrong | unparsed, "expected a decimal number as a string", **where)
            elif data_type == "boolean":
                wrong = _type_mask(values, bool)
                numbers = values.where(~wrong, None).map(lambda v: float(v) if isinstance(v, bool) else np.nan)
                problems += row_problems(raw, wrong, "expected true or false", **where)
            else:
                wrong = _type_mask(values, (int, float))
                if pd.api.types.infer_dtype(values, skipna=True) not in {"integer", "floating",
                                                                         "mixed-integer-float", "empty"}:
                    wrong |= values.map(lambda v: isinstance(v, bool)).to_numpy(dtype=bool)
                problems += row_problems(raw, wrong, f"expected a JSON number ({data_type})", **where)
                numbers = values.where(~wrong, None)
            arr = pd.to_numeric(numbers, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
            out[col_name] = arr
            ctype = "integer" if data_type in ("integer", "boolean") else "float"
            json_type = None if data_type == DEFAULT_JSON_TYPE[ctype] else data_type
        else:  # string, URI, and date/datetime/time kept as ISO text (SDTM --DTC)
            wrong = _type_mask(values, str)
            problems += row_problems(raw, wrong, "expected a JSON string", **where)
            out[col_name] = values.where(~wrong, None).astype("str")
            ctype, json_type = "text", (None if data_type == "string" else data_type)
        length = c.get("length") if ctype == "text" else None
        columns.append(ColumnMeta(col_name, c.get("label", ""), ctype, length, c.get("displayFormat"), json_type))
        if c.get("keySequence") is not None:
            keys.append((int(c["keySequence"]), col_name))
    if problems:
        raise InputError(problems)
    frame = pd.DataFrame(out, index=pd.RangeIndex(len(raw))) if out else pd.DataFrame(index=pd.RangeIndex(len(raw)))
    meta = DatasetMeta(ds, head.get("label", ""), tuple(columns), tuple(k for _, k in sorted(keys)))
    return frame, meta


_FAST_OK = {str: {"string", "empty"}, bool: {"boolean", "empty"}}


def _type_mask(values: pd.Series, types: type | tuple[type, ...]) -> np.ndarray:
    """Present values that are not of the JSON type expected (fast path: pandas' C type
    inference; per value only when a column is mixed)."""
    inferred = pd.api.types.infer_dtype(values, skipna=True)
    if inferred in _FAST_OK.get(types, set()) or (types == (int, float) and inferred in
                                                  {"integer", "floating", "mixed-integer-float", "empty"}):
        return np.zeros(len(values), dtype=bool)
    return values.map(lambda v: v is not None and not isinstance(v, types)).to_numpy(dtype=bool)
