"""SAS transport (XPT v5) writing and reading with pyreadstat.

:func:`write_xpt` writes one dataset as a submission-ready XPT v5 file:

1. **checks before writing** (all problems at once, one :class:`Problem` each, naming the file,
   dataset, variable and record; nothing is written when any fails; nothing is truncated):
   dataset and variable names of 1-8 characters, upper case, letters/digits/underscore starting
   with a letter (the ADaMIG naming rule); labels present, <= 40 ASCII characters; the frame has
   exactly the columns of the metadata; character values ASCII and <= 200 bytes (and <= the
   length the metadata gives, if it gives one); numeric values finite and inside what an 8-byte
   IBM float written by readstat can hold; date, datetime and time columns convertible to SAS
   numbers and given a date/datetime/time display format (defaults DATE9., DATETIME20., TIME8.);
2. **writing** with pyreadstat (``file_format_version=5``). Character lengths are the longest
   value (FDA guidance; at least 1) unless the metadata gives a length. A missing character value
   is written as a blank; a missing number as ``.``;
3. **fixed timestamps**: readstat stamps the file with the current time, so the stamps are
   overwritten with ``created`` (see :func:`stamp_xpt` for the header layout relied on);
4. **read-back**: the file is read again and every attribute and value compared with what was
   meant; any difference raises :class:`ReadBackError` and the file is removed;
5. **splitting**: a file that would exceed ``max_bytes`` (default 5 GB, the FDA limit) is written
   as parts ``<name>1.xpt``, ``<name>2.xpt``, ... split by rows, each holding member
   ``<NAME>1``, ``<NAME>2``, ... .

Files are written under a temporary name in the target folder and renamed into place only once
every part has passed the read-back, so a failure leaves no partial file behind.

Numeric precision: XPT stores numbers as 8-byte IBM hexadecimal floats (7-bit exponent of 16,
56-bit fraction). Because the fraction is hex-normalised, 0-3 of its leading bits can be zero, so
53 to 56 significant bits remain; every finite IEEE double within range therefore fits, and
readstat's conversion was found exact in practice. The read-back still compares with a relative
tolerance of 1e-14 (about 45 times the double epsilon) so that a conversion that rounds the last
bit is not mistaken for corruption, while any real change of value is caught.
"""

from __future__ import annotations

import math
import os
import re
import tempfile
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat

from adam.console import log
from adam.errors import InputError, Problem
from adam.export.columns import (
    DATE_TYPES,
    DEFAULT_CREATED,
    ColumnMeta,
    MAX_PROBLEMS_PER_VARIABLE,
    DatasetMeta,
    row_problems,
    sas_to_datetime64,
    to_sas_numbers,
)
from adam.export.package import default_mode
from adam.export.text import Strings, as_strings, byte_lengths, max_length, non_ascii
from adam.export.text import lengths as lengths_of
from adam.export.text import rstrip as text_rstrip

# FDA: datasets larger than 5 GB are split. Decimal gigabytes: the stricter reading.
FDA_MAX_BYTES = 5 * 10**9

MAX_NAME = 8
MAX_LABEL = 40
MAX_CHAR_BYTES = 200
# True IBM limits are 16**-65 .. ~16**63 (7.2e75), but readstat's encoder saturates at 2**249
# (~9.05e74); above that it writes an invalid value, so that is the practical ceiling.
XPT_MAX_ABS = 2.0**249
IBM_MIN_ABS = 16.0**-65
READBACK_RTOL = 1e-14
# Header timestamps that survive the read-back (two-digit year; readstat's 32-bit time_t).
STAMP_MIN = datetime(1960, 1, 1)
STAMP_MAX = datetime(2038, 1, 19, 3, 14, 7)

NAME_RE = re.compile(r"^[A-Z][A-Z0-9_]{0,7}$")
FORMAT_RE = re.compile(r"^(\$?[A-Z_][A-Z0-9_]*?|\$?)(\d*)\.(\d*)$")

DEFAULT_DATE_FORMATS = {"date": "DATE9.", "datetime": "DATETIME20.", "time": "TIME8."}
# Format names (without width) accepted for each kind of SAS date value.
DATE_FORMAT_NAMES = {
    "date": {"DATE", "E8601DA", "IS8601DA", "YYMMDD", "MMDDYY", "DDMMYY", "B8601DA"},
    "datetime": {"DATETIME", "E8601DT", "IS8601DT", "B8601DT"},
    "time": {"TIME", "E8601TM", "IS8601TM", "TOD", "HHMM", "B8601TM"},
}

_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_STAMP_RE = re.compile(rb"^\d\d[A-Z]{3}\d\d:\d\d:\d\d:\d\d$")
_LIBRARY_HEADER = b"HEADER RECORD*******LIBRARY HEADER RECORD!!!!!!!"
_DSCRPTR_HEADER = b"HEADER RECORD*******DSCRPTR HEADER RECORD!!!!!!!"
_NAMESTR_HEADER = b"HEADER RECORD*******NAMESTR HEADER RECORD!!!!!!!"
_OBS_HEADER = b"HEADER RECORD*******OBS     HEADER RECORD!!!!!!!"


class ReadBackError(InputError):
    """The file read back differs from what was meant to be written (reported like bad input:
    one problem per difference, no traceback; the file is removed)."""


# --- checks -----------------------------------------------------------------------------------


def _name_problems(name: str, what: str, *, file: str, dataset: str, variable: str | None) -> list[Problem]:
    if NAME_RE.match(name or ""):
        return []
    found = []
    if not name:
        found.append("it is empty")
    else:
        if len(name) > MAX_NAME:
            found.append(f"it has {len(name)} characters (at most {MAX_NAME})")
        if name != name.upper():
            found.append("it is not upper case")
        if not re.match(r"^[A-Za-z][A-Za-z0-9_]*$", name):
            found.append("it must start with a letter and hold only letters, digits and underscores")
    return [
        Problem(f"{what} name {name!r} is not a valid XPT v5 name: {'; '.join(found)}",
                file=file, dataset=dataset, variable=variable)
    ]


def _label_problems(label: str | None, what: str, *, file: str, dataset: str, variable: str | None) -> list[Problem]:
    where = dict(file=file, dataset=dataset, variable=variable)
    if not label:
        return [Problem(f"{what} label is missing (expected 1-{MAX_LABEL} ASCII characters)", **where)]
    out = []
    if len(label) > MAX_LABEL:
        out.append(Problem(f"{what} label has {len(label)} characters (at most {MAX_LABEL}): {label!r}", **where))
    if not label.isascii():
        bad = sorted({ch for ch in label if not ch.isascii()})
        out.append(Problem(f"{what} label has non-ASCII characters {''.join(bad)!r}: {label!r}", **where))
    return out


def _format_problems(col: ColumnMeta, fmt: str | None, *, file: str, dataset: str) -> list[Problem]:
    where = dict(file=file, dataset=dataset, variable=col.name)
    if col.type in DATE_TYPES:
        m = FORMAT_RE.match(fmt or "")
        if not m or m.group(1) not in DATE_FORMAT_NAMES[col.type]:
            return [Problem(f"display format {fmt!r} is not a {col.type} format "
                            f"(expected e.g. {DEFAULT_DATE_FORMATS[col.type]})", **where)]
        return []
    if fmt is None:
        return []
    m = FORMAT_RE.match(fmt)
    if not m or len(m.group(1).lstrip("$")) > 8:
        return [Problem(f"display format {fmt!r} is not a SAS format such as 8.2, BEST12. or $CHAR20.", **where)]
    if (col.type == "text") != m.group(1).startswith("$"):
        return [Problem(f"display format {fmt!r} does not fit a {col.type} variable", **where)]
    return []


def resolved_format(col: ColumnMeta) -> str | None:
    """The display format written for a column: the metadata's, or the default for dates."""
    if col.display_format:
        return col.display_format
    return DEFAULT_DATE_FORMATS.get(col.type)


def prepare_frame(
    df: pd.DataFrame, meta: DatasetMeta, *, file: str
) -> tuple[pd.DataFrame, dict[str, int], list[Problem]]:
    """Check ``df`` against ``meta`` and the XPT v5 rules; build the frame to write.

    Returns ``(frame, lengths, problems)``: character columns as right-stripped ``str`` (object
    dtype, the type pyreadstat writes fastest) with missing as ``""``, every numeric (dates included) as float64 SAS numbers; ``lengths`` the
    character length of each text column. Works column by column, vectorized within a column.
    """
    ds = meta.name
    df = df.reset_index(drop=True)  # values are aligned by position from here on
    problems: list[Problem] = []
    problems += _name_problems(meta.name, "dataset", file=file, dataset=ds, variable=None)
    problems += _label_problems(meta.label, "dataset", file=file, dataset=ds, variable=None)

    names = meta.names
    for dup in sorted({n for n in names if names.count(n) > 1}):
        problems.append(Problem(f"variable {dup} is listed {names.count(dup)} times in the metadata",
                                file=file, dataset=ds, variable=dup))
    df_cols = [str(c) for c in df.columns]
    for dup in sorted({n for n in df_cols if df_cols.count(n) > 1}):
        problems.append(Problem(f"column {dup} occurs {df_cols.count(dup)} times in the data",
                                file=file, dataset=ds, variable=dup))
    for extra in [c for c in df_cols if c not in names]:
        problems.append(Problem("column is in the data but not in the metadata (expected the metadata's "
                                "columns exactly)", file=file, dataset=ds, variable=extra))
    for missing in [n for n in names if n not in df_cols]:
        problems.append(Problem("variable is in the metadata but not in the data", file=file, dataset=ds,
                                variable=missing))

    out: dict[str, object] = {}
    lengths: dict[str, int] = {}
    for col in meta.columns:
        where = dict(file=file, dataset=ds, variable=col.name)
        problems += _name_problems(col.name, "variable", file=file, dataset=ds, variable=col.name)
        problems += _label_problems(col.label, "variable", file=file, dataset=ds, variable=col.name)
        problems += _format_problems(col, resolved_format(col), file=file, dataset=ds)
        if col.name not in df_cols or df_cols.count(col.name) > 1:
            continue
        values = df[col.name]
        if col.type == "text":
            frame_col, length, found = _check_text(df, values, col, where)
            problems += found
            out[col.name] = frame_col
            lengths[col.name] = length
        else:
            numbers, found = _check_numeric(df, values, col, where)
            problems += found
            out[col.name] = numbers
    frame = pd.DataFrame(out, index=pd.RangeIndex(len(df))) if out else pd.DataFrame(index=pd.RangeIndex(len(df)))
    return frame, lengths, problems


def _check_text(df: pd.DataFrame, values: pd.Series, col: ColumnMeta, where: dict) -> tuple[pd.Series, int, list[Problem]]:
    """Check one character column; return it as an object column of right-stripped ``str``
    (missing as ``""``), its XPT length and the problems. Whole-column C-level passes
    (:mod:`adam.export.text`); per-value work only for the values that fail a check."""
    problems: list[Problem] = []
    if col.length is not None and not (1 <= col.length <= MAX_CHAR_BYTES):
        problems.append(Problem(f"length {col.length} in the metadata is outside 1-{MAX_CHAR_BYTES}", **where))
    if not (pd.api.types.is_string_dtype(values.dtype) or pd.api.types.is_object_dtype(values.dtype)):
        problems.append(Problem(f"character variable holds {values.dtype} values (expected text)", **where))
        return pd.Series([""] * len(values), dtype=object), 1, problems
    strings = as_strings(values)
    if strings is None:  # an object column holding other things than text: report them
        not_str = ~values.map(lambda v: isinstance(v, str) or _missing(v)).to_numpy(dtype=bool)
        problems += row_problems(df, not_str, "value is not text (expected a character value)", **_rp(where))
        kept = values.astype(object).where(~not_str, None).to_numpy(dtype=object)
        missing = pd.isna(kept)
        strings = Strings(np.where(missing, "", kept), missing)
    strings = text_rstrip(strings)
    text = strings.values
    bad_ascii = non_ascii(strings)
    if bad_ascii.any():
        shown = text[bad_ascii].tolist()
        msgs = [f"value has non-ASCII characters {''.join(sorted({c for c in v if not c.isascii()}))!r}: {v!r}"
                for v in shown]
        problems += row_problems(df, bad_ascii, msgs, **_rp(where))
        nbytes = byte_lengths(strings)
        longest = int(nbytes.max()) if len(nbytes) else 0
    else:  # ASCII: bytes are characters; per-value lengths only when some value is too long
        nbytes = None
        longest = max_length(strings)
    limit = col.length if col.length is not None and 1 <= col.length <= MAX_CHAR_BYTES else MAX_CHAR_BYTES
    if longest > limit:
        nbytes = lengths_of(strings) if nbytes is None else nbytes
        too_long = nbytes > limit
        why = f"the length {limit} given in the metadata" if col.length else f"the XPT v5 limit of {MAX_CHAR_BYTES}"
        msgs = [f"value has {n} bytes, more than {why} (never truncated): {v[:60]!r}..."
                for n, v in zip(nbytes[too_long].tolist(), text[too_long])]
        problems += row_problems(df, too_long, msgs, **_rp(where))
    length = col.length if col.length is not None else max(1, min(longest, MAX_CHAR_BYTES))
    return pd.Series(text, dtype=object), length, problems


def _check_numeric(df: pd.DataFrame, values: pd.Series, col: ColumnMeta, where: dict) -> tuple[np.ndarray, list[Problem]]:
    problems: list[Problem] = []
    if col.type in DATE_TYPES:
        if pd.api.types.is_string_dtype(values.dtype) and not pd.api.types.is_object_dtype(values.dtype):
            problems.append(Problem(f"{col.type} variable holds text (expected SAS {col.type} numbers, "
                                    f"datetime64 or Python {col.type} objects); found {values.dtype}", **where))
            return np.full(len(values), np.nan), problems
        numbers, bad = to_sas_numbers(values, col.type)
        if bad.any():
            shown = values[bad].tolist()
            msgs = [f"value {v!r} is not a SAS {col.type} (expected a number, datetime64 or {col.type} object"
                    + (", without a time of day)" if col.type == "date" else ")") for v in shown]
            problems += row_problems(df, bad, msgs, **_rp(where))
    else:
        if pd.api.types.is_bool_dtype(values.dtype) or not pd.api.types.is_numeric_dtype(values.dtype):
            problems.append(Problem(f"numeric variable holds {values.dtype} values (expected numbers)", **where))
            return np.full(len(values), np.nan), problems
        numbers = pd.to_numeric(values).to_numpy(dtype="float64", na_value=np.nan)
    with np.errstate(invalid="ignore"):
        infinite = np.isinf(numbers)
        finite = np.isfinite(numbers)
        absval = np.abs(np.where(finite, numbers, 0.0))
        too_big = finite & (absval >= XPT_MAX_ABS)
        too_small = finite & (absval > 0) & (absval < IBM_MIN_ABS)
    if infinite.any():
        problems += row_problems(df, infinite, [f"value {v} is infinite (expected a finite number or missing)"
                                                for v in numbers[infinite].tolist()], **_rp(where))
    if too_big.any():
        problems += row_problems(df, too_big, [f"value {v!r} is too large for an XPT number (|x| < {XPT_MAX_ABS:.3g})"
                                               for v in numbers[too_big].tolist()], **_rp(where))
    if too_small.any():
        problems += row_problems(df, too_small, [f"value {v!r} is too small for an IBM float and would become 0 "
                                                 f"(|x| >= {IBM_MIN_ABS:.3g})" for v in numbers[too_small].tolist()], **_rp(where))
    if col.type == "integer":
        fractional = finite & (numbers != np.round(numbers))
        if fractional.any():
            problems += row_problems(df, fractional, [f"value {v!r} is not a whole number (variable is integer)"
                                                      for v in numbers[fractional].tolist()], **_rp(where))
    return numbers, problems


def _missing(v: object) -> bool:
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _rp(where: dict) -> dict:
    return dict(file=where["file"], dataset=where["dataset"], variable=where["variable"])


def check_xpt(df: pd.DataFrame, meta: DatasetMeta, *, file: str = "") -> list[Problem]:
    """Every problem that would stop :func:`write_xpt`, without writing anything."""
    return prepare_frame(df, meta, file=file)[2]


# --- writing ----------------------------------------------------------------------------------


def header_bytes(n_variables: int) -> int:
    """Bytes before the first observation in a one-member XPT v5 file.

    Library header (3 records of 80 bytes), member header, descriptor header and 2 descriptor
    records (4 x 80), namestr header (80), one 140-byte namestr per variable padded to a multiple
    of 80, observation header (80).
    """
    return 240 + 320 + 80 + math.ceil(140 * n_variables / 80) * 80 + 80


def xpt_size(n_rows: int, row_length: int, n_variables: int) -> int:
    """Exact size in bytes of a one-member XPT v5 file (observations padded to 80 bytes)."""
    return header_bytes(n_variables) + math.ceil(n_rows * row_length / 80) * 80


def write_xpt(
    df: pd.DataFrame,
    path: Path,
    meta: DatasetMeta,
    *,
    created: datetime | None = None,
    max_bytes: int = FDA_MAX_BYTES,
) -> list[Path]:
    """Write ``df`` as XPT v5 at ``path`` with the names, labels, lengths and formats of ``meta``.

    ``created`` is written as the file's creation and modification time (default
    :data:`DEFAULT_CREATED`, so that the same data always give the same bytes). A file larger
    than ``max_bytes`` is split by rows into ``<stem>1.xpt``, ``<stem>2.xpt``, ...

    Returns the paths written. Raises :class:`InputError` (nothing written) when a check fails
    and :class:`ReadBackError` when the file read back differs from what was meant.
    """
    path = Path(path)
    created = (created or DEFAULT_CREATED).replace(tzinfo=None, microsecond=0)
    frame, lengths, problems = prepare_frame(df, meta, file=path.name)
    if not (STAMP_MIN <= created <= STAMP_MAX):
        problems.append(Problem(f"created {created.isoformat()} is outside {STAMP_MIN.isoformat()} to "
                                f"{STAMP_MAX.isoformat()}: the XPT header has a two-digit year and readstat reads "
                                "it back as a 32-bit time", file=path.name, dataset=meta.name))
    if problems:
        raise InputError(problems)

    formats = {c.name: resolved_format(c) for c in meta.columns}
    row_length = sum(lengths.get(c.name, 8) for c in meta.columns)
    n_vars = len(meta.columns)
    parts = _plan_parts(len(frame), row_length, n_vars, max_bytes, path, meta)

    written: list[tuple[Path, Path]] = []
    try:
        for part_path, member, start, stop in parts:
            chunk = frame.iloc[start:stop].reset_index(drop=True)
            tmp = _temp_beside(part_path)
            written.append((tmp, part_path))
            _write_one(chunk, tmp, meta, member, lengths, formats)
            stamp_xpt(tmp, created)
            verify_xpt(tmp, chunk, meta, member=member, lengths=lengths, formats=formats,
                       created=created, file=part_path.name)
            if tmp.stat().st_size > max_bytes:
                raise ReadBackError(Problem(f"file has {tmp.stat().st_size} bytes, more than the limit {max_bytes}",
                                            file=part_path.name, dataset=member))
    except BaseException:
        for tmp, _ in written:
            tmp.unlink(missing_ok=True)
        raise
    mode = default_mode()
    for tmp, final in written:
        os.chmod(tmp, mode)
        os.replace(tmp, final)
    if len(parts) > 1:
        log.info("%s: %d rows split into %d files of at most %d bytes", meta.name, len(frame), len(parts), max_bytes)
    return [final for _, final in written]


def _plan_parts(n_rows: int, row_length: int, n_vars: int, max_bytes: int, path: Path,
                meta: DatasetMeta) -> list[tuple[Path, str, int, int]]:
    if xpt_size(n_rows, row_length, n_vars) <= max_bytes:
        return [(path, meta.name, 0, n_rows)]
    room = max_bytes - header_bytes(n_vars) - 80  # the last record's padding never exceeds 80
    per_part = room // row_length if room > 0 else 0
    if per_part < 1:
        raise InputError(Problem(f"the size limit {max_bytes} bytes cannot hold even one record "
                                 f"({row_length} bytes) after the header", file=path.name, dataset=meta.name))
    n_parts = math.ceil(n_rows / per_part)
    problems = []
    plan = []
    for k in range(1, n_parts + 1):
        member = f"{meta.name}{k}"
        if len(member) > MAX_NAME:
            problems.append(Problem(f"split part name {member} would exceed {MAX_NAME} characters; "
                                    f"the dataset is too large to split under its name",
                                    file=path.name, dataset=meta.name))
            break
        plan.append((path.with_name(f"{path.stem}{k}{path.suffix}"), member, (k - 1) * per_part,
                     min(k * per_part, n_rows)))
    if problems:
        raise InputError(problems)
    return plan


def _temp_beside(path: Path) -> Path:
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    return Path(name)


def _write_one(chunk: pd.DataFrame, tmp: Path, meta: DatasetMeta, member: str, lengths: dict[str, int],
               formats: dict[str, str | None]) -> None:
    """Write with pyreadstat. readstat sizes a character variable by its longest value, so a
    length from the metadata is obtained by padding the first value with blanks (XPT pads with
    blanks anyway, so the bytes are those of a value of that length). A dataset without records
    is written with one blank record that is then cut off."""
    empty = len(chunk) == 0
    # readstat cannot size variables without values: write one blank record, cut it off below
    out = chunk if not empty else pd.DataFrame(
        {c.name: pd.Series([""] if c.type == "text" else [np.nan], dtype=object if c.type == "text" else float)
         for c in meta.columns})
    padded = {}
    for name, length in lengths.items():
        values = out[name].to_numpy(dtype=object)
        if len(values[0]) < length:  # harmless when another value is already that long
            values = values.copy()
            values[0] = values[0].ljust(length)
            padded[name] = pd.Series(values, index=out.index, dtype=object)
    if padded:
        out = out.assign(**padded)
    pyreadstat.write_xport(
        out,
        str(tmp),
        file_label=meta.label,
        column_labels=[c.label for c in meta.columns],
        table_name=member,
        file_format_version=5,
        variable_format={k: v for k, v in formats.items() if v},
    )
    if empty:  # XPT v5 stores no record count: a file ending after the header has 0 records
        os.truncate(tmp, header_bytes(len(meta.columns)))


def stamp_xpt(path: Path, when: datetime) -> None:
    """Overwrite the creation and modification timestamps of an XPT v5 file with ``when``.

    Layout relied on (SAS TS-140, records of 80 bytes): the file starts with the record
    ``HEADER RECORD*******LIBRARY HEADER RECORD!!!!!!!000...000`` (offset 0); the next record
    holds ``SAS``, ``SAS``, ``SASLIB``, version and OS (8 bytes each), 24 blanks and the creation
    time as 16 characters ``ddMMMyy:hh:mm:ss`` at bytes 64-79; the record after starts with the
    modification time (bytes 0-15). Each member repeats this after its
    ``HEADER RECORD*******DSCRPTR HEADER RECORD!!!!!!!`` record: creation at bytes 64-79 of the
    next record, modification at bytes 0-15 of the one after. Every field is checked to look like
    a timestamp before it is replaced, so a layout change fails loudly instead of corrupting data.
    """
    stamp = f"{when.day:02d}{_MONTHS[when.month - 1]}{when.year % 100:02d}:{when:%H:%M:%S}".encode("ascii")
    with open(path, "r+b") as fh:
        head = fh.read(64 * 1024)
        if not head.startswith(_LIBRARY_HEADER):
            raise ReadBackError(Problem("not an XPT v5 file: library header record missing", file=path.name))
        offsets = [80 + 64, 160]
        start = 0
        while (d := head.find(_DSCRPTR_HEADER, start)) != -1:
            offsets += [d + 80 + 64, d + 160]
            start = d + 80
        if len(offsets) < 4:
            raise ReadBackError(Problem("XPT member descriptor record not found", file=path.name))
        for off in offsets:
            if not _STAMP_RE.match(head[off:off + 16]):
                raise ReadBackError(Problem(f"unexpected XPT header layout at byte {off}: {head[off:off + 16]!r} "
                                            "is not a ddMMMyy:hh:mm:ss timestamp", file=path.name))
            fh.seek(off)
            fh.write(stamp)


# --- read-back --------------------------------------------------------------------------------


def _norm_format(fmt: str | None) -> str | None:
    """Formats as pyreadstat reports them: without the trailing period (``DATE9.`` -> ``DATE9``)."""
    if not fmt:
        return None
    return fmt[:-1] if fmt.endswith(".") else fmt


def _ibm_to_float(cells: np.ndarray) -> np.ndarray:
    """8-byte IBM hexadecimal floats (rows of ``cells``, uint8) as float64; SAS missing values
    (``.``, ``.A``-``.Z``, ``._`` followed by zero bytes) as NaN."""
    u = np.ascontiguousarray(cells).view(">u8").ravel().astype(np.uint64)
    fraction = u & np.uint64(0x00FFFFFFFFFFFFFF)
    first = cells[:, 0]
    missing = (fraction == 0) & ((first == 0x2E) | ((first >= 0x41) & (first <= 0x5A)) | (first == 0x5F))
    exponent = ((u >> np.uint64(56)) & np.uint64(0x7F)).astype(np.int64) - 64
    value = np.ldexp(fraction.astype(np.float64), 4 * exponent - 56)
    value[(u >> np.uint64(63)) == 1] *= -1.0
    value[missing] = np.nan
    return value


def _layout(head: bytes) -> tuple[int, list[tuple[str, int, int, int]]] | None:
    """Where the observations start and each variable's (name, type 1=numeric 2=char, length,
    position in the record), from the NAMESTR records of the first member; None if the
    headers are not found."""
    n_at = head.find(_NAMESTR_HEADER)
    o_at = head.find(_OBS_HEADER)
    if n_at < 0 or o_at < 0:
        return None
    n_vars = int(head[n_at + 54:n_at + 58])
    descr = np.frombuffer(head, dtype=np.uint8, count=n_vars * 140, offset=n_at + 80).reshape(n_vars, 140)
    ntype = (descr[:, 0].astype(int) * 256 + descr[:, 1]).tolist()
    nlng = (descr[:, 4].astype(int) * 256 + descr[:, 5]).tolist()
    names = [bytes(r[8:16]).decode("ascii", "replace").strip() for r in descr]
    npos = (descr[:, 84:88].astype(np.int64) * np.array([1 << 24, 1 << 16, 1 << 8, 1])).sum(axis=1).tolist()
    return o_at + 80, list(zip(names, ntype, nlng, npos))


#: Records compared per block in the read-back (bounded memory whatever the file size).
READBACK_BLOCK_BYTES = 32 * 2**20
_SHOWN = MAX_PROBLEMS_PER_VARIABLE


def verify_xpt(path: Path, expected: pd.DataFrame, meta: DatasetMeta, *, member: str, lengths: dict[str, int],
               formats: dict[str, str | None], created: datetime | None, file: str) -> None:
    """Read ``path`` back and compare every attribute and value with what was meant.

    The attributes (names, labels, formats, types, lengths, timestamps) are read with
    pyreadstat, so a standard reader must accept the file. The values are read from the bytes
    of the file, block by block and column by column with numpy (no per-value Python objects):
    character values must be the expected text padded with blanks; numbers must agree exactly
    in missing-ness and within a relative tolerance of :data:`READBACK_RTOL` otherwise (IBM
    floats decoded independently of readstat).
    """
    _, m = pyreadstat.read_xport(str(path), metadataonly=True, row_limit=1)
    ds = member
    problems: list[Problem] = []

    def attr(what: str, want: object, found: object, variable: str | None = None) -> None:
        if want != found:
            problems.append(Problem(f"read back {what} {found!r}, expected {want!r}", file=file, dataset=ds,
                                    variable=variable))

    size = Path(path).stat().st_size
    with open(path, "rb") as fh:
        layout = _layout(fh.read(min(size, header_bytes(len(meta.columns)) + 1024)))
    if layout is None:
        raise ReadBackError(Problem("read back: XPT NAMESTR or OBS header record not found", file=file, dataset=ds))
    start, variables = layout
    row_len = sum(v[2] for v in variables)
    attr("dataset name", member, m.table_name)
    attr("dataset label", meta.label, m.file_label or "")
    attr("row count", len(expected), _row_count(path, start, size, row_len))
    attr("variables", meta.names, list(m.column_names))
    attr("variables in the NAMESTR records", meta.names, [v[0] for v in variables])
    if created is not None:
        attr("creation time", created.replace(microsecond=0), m.creation_time)
        attr("modification time", created.replace(microsecond=0), m.modification_time)
    if problems:
        raise ReadBackError(problems)
    labels = dict(zip(m.column_names, m.column_labels))
    for col, (_, ntype, nlng, _) in zip(meta.columns, variables):
        name = col.name
        attr("label", col.label, labels.get(name) or "", name)
        attr("format", _norm_format(formats.get(name)), m.original_variable_types.get(name), name)
        kind = "string" if col.type == "text" else "double"
        attr("storage type", kind, m.readstat_variable_types.get(name), name)
        attr("length", lengths.get(name, 8), m.variable_storage_width.get(name), name)
        attr("NAMESTR type and length", (2 if col.type == "text" else 1, lengths.get(name, 8)), (ntype, nlng), name)
    if problems:
        raise ReadBackError(problems)
    problems += _compare_values(path, expected, meta, variables, start, row_len, file=file, dataset=ds)
    if problems:
        raise ReadBackError(problems)


def _row_count(path: Path, start: int, size: int, row_len: int) -> int:
    """Records in the file: whole records after the OBS header, less the blank padding that
    fills the last 80-byte record (readstat reads records made only of blanks there as padding)."""
    if row_len <= 0:
        return 0
    n = max(size - start, 0) // row_len
    with open(path, "rb") as fh:
        while n > 0 and start + (n - 1) * row_len >= size - 80:
            fh.seek(start + (n - 1) * row_len)
            if fh.read(row_len).strip(b" "):
                break
            n -= 1
    return n


def _text_bytes(values: list[str], length: int) -> np.ndarray:
    """The record bytes meant for ``values`` in a character variable of ``length`` bytes: each
    value encoded and padded with blanks, as rows of a (n, length) uint8 array. A value longer
    than ``length`` (checks make this impossible) gives a row that matches no file content."""
    joined = "".join(values)
    if joined.isascii() and "\x00" not in joined:  # fast path: numpy pads with NULs, made blanks
        try:
            raw = np.array(values, dtype=f"S{length}").view(np.uint8).reshape(len(values), length)
            if max(map(len, values), default=0) <= length:
                return np.where(raw == 0, np.uint8(0x20), raw)
        except (UnicodeEncodeError, ValueError):
            pass
    out = np.full((len(values), length), 0xFF, dtype=np.uint8)  # 0xFF is never written
    for k, v in enumerate(values):
        b = v.encode("utf-8")
        if len(b) <= length:
            out[k] = np.frombuffer(b.ljust(length, b" "), dtype=np.uint8)
    return out


def _compare_values(path: Path, expected: pd.DataFrame, meta: DatasetMeta, variables: list[tuple[str, int, int, int]],
                    start: int, row_len: int, *, file: str, dataset: str) -> list[Problem]:
    n = len(expected)
    diff = {c.name: np.zeros(n, dtype=bool) for c in meta.columns}
    shown: dict[str, list[str]] = {c.name: [] for c in meta.columns}
    block = max(1, READBACK_BLOCK_BYTES // max(row_len, 1))
    with open(path, "rb") as fh:
        for a in range(0, n, block):
            b = min(n, a + block)
            fh.seek(start + a * row_len)
            raw = fh.read((b - a) * row_len)
            rows = np.frombuffer(raw, dtype=np.uint8).reshape(b - a, row_len)
            for col, (_, _, nlng, npos) in zip(meta.columns, variables):
                cells = rows[:, npos:npos + nlng]
                want = expected[col.name].to_numpy()[a:b]
                if col.type == "text":
                    bad = (cells != _text_bytes(want.tolist(), nlng)).any(axis=1)
                    for k in np.flatnonzero(bad)[:max(0, _SHOWN - len(shown[col.name]))]:
                        found = bytes(cells[k]).decode("utf-8", "replace").rstrip()
                        shown[col.name].append(f"read back {found!r}, expected {want[k].rstrip()!r}")
                else:
                    w = np.asarray(want, dtype="float64")
                    h = _ibm_to_float(cells)
                    with np.errstate(invalid="ignore"):
                        close = np.isclose(h, w, rtol=READBACK_RTOL, atol=0.0) | (np.isnan(w) & np.isnan(h))
                    bad = ~((np.isnan(w) == np.isnan(h)) & close)
                    for k in np.flatnonzero(bad)[:max(0, _SHOWN - len(shown[col.name]))]:
                        shown[col.name].append(f"read back {float(h[k])!r}, expected {float(w[k])!r}")
                diff[col.name][a:b] = bad
    problems: list[Problem] = []
    for col in meta.columns:
        if diff[col.name].any():
            problems += row_problems(expected, diff[col.name], shown[col.name], file=file, dataset=dataset,
                                     variable=col.name)
    return problems


# --- reading ----------------------------------------------------------------------------------


def _kind_from_format(fmt: str | None) -> str | None:
    if not fmt:
        return None
    m = FORMAT_RE.match(fmt if "." in fmt else fmt + ".")
    if not m:
        return None
    for kind, names in DATE_FORMAT_NAMES.items():
        if m.group(1) in names:
            return kind
    return None


def read_xpt(
    path: Path,
    *,
    blank_as_missing: bool = False,
    convert_dates: bool = False,
    problems: list[Problem] | None = None,
) -> tuple[pd.DataFrame, DatasetMeta]:
    """Read an XPT file into a frame and the :class:`DatasetMeta` that describes it.

    Character values come back as readstat gives them (trailing blanks removed by readstat,
    blank values as ``""``); ``blank_as_missing=True`` turns ``""`` into NA. Numeric variables
    with a date, datetime or time format get that type in the metadata; their values stay SAS
    numbers unless ``convert_dates=True`` (then datetime64 / timedelta64). Other numerics are
    typed ``integer`` when every value is whole and the format has no decimals, else ``float``.

    SAS special missing values (.A-.Z, ._) are read as plain missing; each variable holding them
    is reported as a warning (appended to ``problems`` when given, else logged). A file whose text
    is not UTF-8 is read as Windows-1252 (the usual SAS encoding) with a warning.
    """
    path = Path(path)
    found: list[Problem] = []
    if not path.is_file():
        raise InputError(Problem("file not found", file=str(path)))
    try:
        try:
            df, m = pyreadstat.read_xport(str(path), disable_datetime_conversion=True)
        except UnicodeDecodeError:
            df, m = pyreadstat.read_xport(str(path), disable_datetime_conversion=True, encoding="cp1252")
            found.append(Problem("text is not UTF-8; read as Windows-1252 (cp1252)", file=str(path),
                                 dataset=m.table_name, severity="warning"))
    except pyreadstat.ReadstatError as error:
        raise InputError(Problem(f"cannot read as SAS transport (XPT): {error}", file=str(path))) from None
    except (OSError, ValueError) as error:
        raise InputError(Problem(f"cannot read: {error}", file=str(path))) from None

    name = (m.table_name or path.stem).upper()
    columns = []
    labels = dict(zip(m.column_names, m.column_labels))
    for col in m.column_names:
        fmt = m.original_variable_types.get(col)
        display = (fmt if "." in fmt else fmt + ".") if fmt else None
        if m.readstat_variable_types.get(col) == "string":
            columns.append(ColumnMeta(col, labels.get(col) or "", "text", m.variable_storage_width.get(col),
                                      display))
            if blank_as_missing:
                df[col] = df[col].mask(df[col] == "")
            continue
        kind = _kind_from_format(fmt)
        if kind is None:
            vals = df[col].to_numpy(dtype="float64", na_value=np.nan)
            vals = vals[~np.isnan(vals)]
            has_decimals = bool(fmt and re.search(r"\.\d*[1-9]", fmt + "."))
            kind = "integer" if (not has_decimals and np.all(vals == np.round(vals))) else "float"
        elif convert_dates:
            df[col] = sas_to_datetime64(df[col].to_numpy(dtype="float64", na_value=np.nan), kind).to_numpy()
        columns.append(ColumnMeta(col, labels.get(col) or "", kind, None, display))

    for variable, count, letters in special_missings(path):
        found.append(Problem(f"{count} SAS special missing value(s) ({', '.join(letters)}) read as plain missing",
                             file=str(path), dataset=name, variable=variable, severity="warning"))
    if problems is not None:
        problems.extend(found)
    else:
        for p in found:
            log.warning("%s", p)
    return df, DatasetMeta(name, m.file_label or "", tuple(columns))


def special_missings(path: Path) -> list[tuple[str, int, list[str]]]:
    """Numeric variables holding SAS special missing values (.A-.Z, ._) in an XPT v5 file.

    readstat reads them as NaN without saying so; this scans the raw observations: an IBM
    missing value is one byte ``.`` (plain) or ``A``-``Z``/``_`` (special) followed by zeros.
    Returns ``(variable, count, letters)`` for each variable that has any. Multi-member files
    are scanned for their first member only.
    """
    raw = Path(path).read_bytes()
    n_at = raw.find(_NAMESTR_HEADER)
    o_at = raw.find(_OBS_HEADER)
    if n_at < 0 or o_at < 0:
        return []
    n_vars = int(raw[n_at + 54:n_at + 58])
    descr = np.frombuffer(raw, dtype=np.uint8, count=n_vars * 140, offset=n_at + 80).reshape(n_vars, 140)
    ntype = descr[:, 0].astype(int) * 256 + descr[:, 1]
    nlng = descr[:, 4].astype(int) * 256 + descr[:, 5]
    names = [bytes(r[8:16]).decode("ascii", "replace").strip() for r in descr]
    npos = (descr[:, 84:88].astype(np.int64) * np.array([1 << 24, 1 << 16, 1 << 8, 1])).sum(axis=1)
    row_len = int(nlng.sum())
    start = o_at + 80
    if row_len == 0:
        return []
    n_rows = (len(raw) - start) // row_len
    data = np.frombuffer(raw, dtype=np.uint8, count=n_rows * row_len, offset=start).reshape(n_rows, row_len)
    out = []
    for k in np.flatnonzero(ntype == 1):
        cells = data[:, npos[k]:npos[k] + nlng[k]]
        first = cells[:, 0]
        special = (((first >= 0x41) & (first <= 0x5A)) | (first == 0x5F)) & (cells[:, 1:] == 0).all(axis=1)
        # trailing blank padding of the last record is 0x20 and never matches
        if special.any():
            letters = sorted({"." + chr(c) for c in first[special]})
            out.append((names[k], int(special.sum()), letters))
    return out
