"""Fast reading of SAS transport (XPT v5) files straight from their bytes with numpy.

Why: ``pyreadstat.read_xport`` makes one Python object per cell (a new ``str`` per character
value), which is most of the time and memory of reading SDTM, and the frame then needs a second
pass to strip the values and share equal strings (:func:`adam.export.text.canonical_text`).
Here the file is read once into memory and viewed as fixed-width records (SAS TS-140):

* a **numeric** variable is read as one big-endian 8-byte word per record (a shorter variable,
  of 3-7 bytes, is a truncated IBM float: the missing low bytes are zero) and converted with
  integer operations, bit for bit as readstat does (its ``xpt2ieee`` drops, not rounds, the 0-3
  low fraction bits that do not fit a double); ``.``, ``.A``-``.Z`` and ``._`` are missing, and the special ones
  are counted in the same pass;
* a **character** variable is factorised on its raw bytes (hashed 8 bytes at a time, every
  record then checked against its group's first record, so a hash collision cannot merge two
  values), only the distinct values are decoded (UTF-8, else Windows-1252 like
  :func:`adam.export.xpt.read_xpt`), right-stripped, blank made NA, and the column is built from
  that table, so equal values share one string object.

The result is what ``read_xpt`` followed by :func:`adam.sdtm.read.normalize_frame` (minus the
upper-casing of names) gives: the same values, NA positions, dtypes, :class:`DatasetMeta` and
warnings. Rows are counted as readstat counts them: every whole record after the OBS header,
less the blank records at the end (the padding of the last 80-byte record, or blank records
written as data).

What is not handled here makes :func:`read_xpt_frame` return ``None`` and the caller uses
pyreadstat: V8/V9 transport files (``LIBV8``), several members in one file, NAMESTR records not
of 140 bytes, numeric lengths outside 3-8 (pyreadstat reads length 2 as all missing), types
other than 1 and 2, names that are not SAS names or repeat, header texts (names, labels, formats) that are not ASCII, text holding NUL
bytes (readstat ends a value there) and text that is neither UTF-8 nor Windows-1252.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from adam.console import log
from adam.errors import Problem
from adam.export.columns import ColumnMeta, DatasetMeta
from adam.export.text import object_array
from adam.export.xpt import _kind_from_format

RECORD = 80
NAMESTR_LENGTH = 140
_LIBRARY = b"HEADER RECORD*******LIBRARY HEADER RECORD!!!!!!!"
_MEMBER = b"HEADER RECORD*******MEMBER  HEADER RECORD!!!!!!!"
_DSCRPTR = b"HEADER RECORD*******DSCRPTR HEADER RECORD!!!!!!!"
_NAMESTR = b"HEADER RECORD*******NAMESTR HEADER RECORD!!!!!!!"
_OBS = b"HEADER RECORD*******OBS     HEADER RECORD!!!!!!!"
_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# NAMESTR record fields used (TS-140): type, length, name, label, format name/width/decimals, position
_NAMESTR_DTYPE = np.dtype({
    "names": ["ntype", "nlng", "nname", "nlabel", "nform", "nfl", "nfd", "npos"],
    "formats": [">i2", ">i2", "S8", "S40", "S8", ">i2", ">i2", ">i4"],
    "offsets": [0, 4, 8, 16, 56, 64, 66, 84],
    "itemsize": NAMESTR_LENGTH,
})
_FRACTION = np.uint64(0x00FFFFFFFFFFFFFF)
_HASH_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)
#: Records tested at a time when looking for the blank records at the end of the data.
_TAIL_BLOCK = 4096


class _Variable(NamedTuple):
    """One variable as its NAMESTR record gives it (texts as readstat reads them)."""

    name: str
    numeric: bool
    length: int
    position: int
    label: str
    format: str | None


class _Unsupported(Exception):
    """The file uses a feature left to pyreadstat."""


def read_xpt_frame(path: Path, *, problems: list[Problem] | None = None
                   ) -> tuple[pd.DataFrame, DatasetMeta] | None:
    """Read an XPT v5 file as a normalised frame and its :class:`DatasetMeta`, or ``None`` when
    the file uses something this reader does not handle (see the module doc; the caller then
    reads it with :func:`adam.export.xpt.read_xpt`, which also reports unreadable files).

    Character columns are pandas ``str``, right-stripped, blank as NA, equal values sharing one
    object; numeric columns float64 with SAS missing values (special ones included) as NaN.
    Warnings (text read as Windows-1252, special missing values) go to ``problems`` when given,
    else to the log, worded as ``read_xpt`` words them.
    """
    path = Path(path)
    try:
        data = _read_padded(path)
    except OSError:
        return None
    try:
        member, label, variables, start = _parse_header(data)
        n = _row_count(data, start, sum(v.length for v in variables))
        found, frame, meta = _read_values(path, data, member, label, variables, start, n)
    except _Unsupported as why:
        log.debug("%s: read with pyreadstat (%s)", path, why)
        return None
    if problems is not None:
        problems.extend(found)
    else:
        for p in found:
            log.warning("%s", p)
    return frame, meta


def _read_padded(path: Path) -> np.ndarray:
    """The file's bytes (uint8) followed by 8 zero bytes, so that an 8-byte word can be read at
    the start of any field, the last one included."""
    size = path.stat().st_size
    data = np.empty(size + 8, dtype=np.uint8)
    data[size:] = 0
    with open(path, "rb", buffering=0) as fh:
        view = memoryview(data)
        done = 0
        while done < size:
            got = fh.readinto(view[done:size])
            if not got:
                raise OSError(f"{path}: file shorter than its size")
            done += got
    return data


def _header_text(field: bytes) -> str:
    """A header field as readstat gives it: trailing blanks removed, cut at a NUL byte; ASCII only."""
    text = field.rstrip(b" ").split(b"\0", 1)[0]
    if not text.isascii():
        raise _Unsupported("non-ASCII header text")
    return text.decode("ascii")


def _parse_header(data: np.ndarray) -> tuple[str, str, list[_Variable], int]:
    """Member name, dataset label, variables (NAMESTR fields as Python values) and the offset of
    the first observation, from the header records of a one-member XPT v5 file."""
    def record(k: int) -> bytes:
        return bytes(data[k * RECORD:(k + 1) * RECORD])

    if len(data) - 8 < 8 * RECORD or not record(0).startswith(_LIBRARY):
        raise _Unsupported("not an XPT v5 library header")
    if not record(3).startswith(_MEMBER) or record(3)[74:78] != b"0140" or not record(4).startswith(_DSCRPTR):
        raise _Unsupported("unexpected member header")
    member = _header_text(record(5)[8:16])
    label = _header_text(record(6)[32:72])
    head = record(7)
    count = head[53:58]
    if not head.startswith(_NAMESTR) or not count.isdigit() or int(count) == 0:
        raise _Unsupported("unexpected NAMESTR header")
    n_vars = int(count)
    obs_at = 8 * RECORD + -(-n_vars * NAMESTR_LENGTH // RECORD) * RECORD
    start = obs_at + RECORD
    if len(data) - 8 < start or not bytes(data[obs_at:start]).startswith(_OBS):
        raise _Unsupported("OBS header not where expected")
    if _has_member_header(data, start):
        raise _Unsupported("several members")
    raw = np.frombuffer(data, dtype=_NAMESTR_DTYPE, count=n_vars, offset=8 * RECORD)
    variables = []
    position = 0
    for r in raw.tolist():
        ntype, nlng, nname, nlabel, nform, nfl, nfd, npos = r
        name = _header_text(nname)
        if not _NAME_RE.match(name):
            raise _Unsupported(f"variable name {name!r}")
        if ntype not in (1, 2) or nlng < 1 or (ntype == 1 and not 3 <= nlng <= 8) or npos != position:
            raise _Unsupported(f"variable {name}: type {ntype}, length {nlng}, position {npos}")
        form = _header_text(nform)
        # readstat's format text: name, then width and decimals when given
        form = f"{form}{nfl}.{nfd}" if nfd else f"{form}{nfl}" if nfl else form
        variables.append(_Variable(name, ntype == 1, nlng, position, _header_text(nlabel), form or None))
        position += nlng
    names = [v.name for v in variables]
    if len(set(names)) != len(names):
        raise _Unsupported("repeated variable names")
    return member, label, variables, start


def _has_member_header(data: np.ndarray, start: int) -> bool:
    """Whether a member header record follows the data (members start on an 80-byte record)."""
    n = (len(data) - 8 - start) // RECORD
    heads = np.ndarray((n,), dtype="S8", buffer=data, offset=start, strides=(RECORD,))
    at = start + RECORD * np.flatnonzero(heads == _MEMBER[:8])
    return any(bytes(data[k:k + len(_MEMBER)]) == _MEMBER for k in at.tolist())


def _row_count(data: np.ndarray, start: int, row_len: int) -> int:
    """Whole records after the OBS header, less the blank records at the end (readstat drops
    them: padding of the last 80-byte record, or blank records written as data)."""
    n = max(len(data) - 8 - start, 0) // row_len
    rows = np.frombuffer(data, dtype=np.uint8, count=n * row_len, offset=start).reshape(n, row_len)
    while n > 0:
        first = max(n - _TAIL_BLOCK, 0)
        used = np.flatnonzero((rows[first:n] != 0x20).any(axis=1))
        if len(used):
            return first + int(used[-1]) + 1
        n = first
    return 0


def _field(data: np.ndarray, offset: int, n: int, row_len: int, dtype: str) -> np.ndarray:
    """An 8-byte word per record starting at ``offset`` (a strided, possibly unaligned view)."""
    return np.ndarray((n,), dtype=dtype, buffer=data, offset=offset, strides=(row_len,))


def _read_values(path: Path, data: np.ndarray, member: str, label: str, variables: list[_Variable], start: int,
                 n: int) -> tuple[list[Problem], pd.DataFrame, DatasetMeta]:
    row_len = sum(v.length for v in variables)
    name = (member or path.stem).upper()
    specials: list[Problem] = []
    numbers: dict[str, np.ndarray] = {}
    factors: dict[str, tuple[np.ndarray, list[bytes]]] = {}
    for v in variables:
        offset = start + v.position
        if v.numeric:
            values, special = ibm_to_double(_field(data, offset, n, row_len, ">u8"), v.length)
            numbers[v.name] = values
            if len(special):
                letters = sorted({"." + chr(c) for c in np.unique(special).tolist()})
                specials.append(Problem(f"{len(special)} SAS special missing value(s) ({', '.join(letters)}) "
                                        "read as plain missing", file=str(path), dataset=name,
                                        variable=v.name, severity="warning"))
        else:
            factors[v.name] = _factorize_text(data, offset, n, row_len, v.length)
    tables, encoding_warning = _decode(factors, path, member)

    out: dict[str, pd.Series] = {}
    columns = []
    index = pd.RangeIndex(n)
    for v in variables:
        col = v.name
        fmt = v.format
        display = (fmt if "." in fmt else fmt + ".") if fmt else None
        if not v.numeric:
            codes = factors[col][0]
            out[col] = pd.Series(tables[col][codes], index=index, dtype="str")
            columns.append(ColumnMeta(col, v.label, "text", v.length, display))
            continue
        values = numbers[col]
        out[col] = pd.Series(values, index=index, dtype="float64")
        kind = _kind_from_format(fmt)
        if kind is None:
            present = values[~np.isnan(values)]
            has_decimals = bool(fmt and re.search(r"\.\d*[1-9]", fmt + "."))
            kind = "integer" if (not has_decimals and np.all(present == np.round(present))) else "float"
        columns.append(ColumnMeta(col, v.label, kind, None, display))
    frame = pd.DataFrame(out)
    frame.index = index
    found = ([encoding_warning] if encoding_warning else []) + specials
    return found, frame, DatasetMeta(name, label, tuple(columns))


def ibm_to_double(words: np.ndarray, length: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """IBM hexadecimal floats (big-endian 8-byte words; only the first ``length`` bytes belong to
    the value) as float64, converted bit for bit like readstat, and the first bytes of the SAS
    special missing values (``A``-``Z``, ``_``) met.

    A value whose fraction bytes are all zero is 0 when its first byte is 0, else missing: NaN
    for ``.``, ``.A``-``.Z``, ``._``, and for any other first byte the NaN readstat makes of it.
    All ones (but the sign) is infinity.
    """
    x = words.astype(np.uint64)
    if length < 8:
        x &= np.uint64(((1 << (8 * length)) - 1) << (8 * (8 - length)))
    first = x >> np.uint64(56)
    fraction = x & _FRACTION
    shift = np.where(x & np.uint64(1 << 55), 3, np.where(x & np.uint64(1 << 54), 2,
                                                         np.where(x & np.uint64(1 << 53), 1, 0))).astype(np.uint64)
    mantissa = (fraction >> shift) & ~np.uint64(1 << 52)
    exponent = (((first & np.uint64(0x7F)).astype(np.int64) - 65) * 4 + shift.astype(np.int64) + 1023).astype(np.uint64)
    bits = (x & np.uint64(1 << 63)) | (exponent << np.uint64(52)) | mantissa
    empty = fraction == 0
    if empty.any():
        # readstat: first byte 0 -> 0.0; '.', A-Z, '_' -> missing; any other -> NaN 0xFFFF<~first>...
        bits[empty] = np.uint64(0xFFFF) << np.uint64(48) | ((~first[empty] & np.uint64(0xFF)) << np.uint64(40))
        bits[x == 0] = 0
    infinite = (x & np.uint64(0x7FFFFFFFFFFFFFFF)) == np.uint64(0x7FFFFFFFFFFFFFFF)
    if infinite.any():
        bits[infinite] = (x[infinite] & np.uint64(1 << 63)) | np.uint64(0x7FF0000000000000)
    values = bits.view(np.float64)
    special = np.empty(0, dtype=np.uint64)
    if empty.any():
        f = first[empty]
        tagged = (f == 0x2E) | ((f >= 0x41) & (f <= 0x5A)) | (f == 0x5F)
        missing = np.flatnonzero(empty)[tagged]
        values[missing] = np.nan
        special = f[tagged & (f != 0x2E)]
    return values, special


def _factorize_text(data: np.ndarray, offset: int, n: int, row_len: int, length: int
                    ) -> tuple[np.ndarray, list[bytes]]:
    """Codes of the distinct raw values of a character field and those values (bytes, blank
    padded, in order of first appearance)."""
    n_words = -(-length // 8)
    tail = length - 8 * (n_words - 1)
    tail_mask = np.uint64((1 << (8 * tail)) - 1)  # little-endian words: the first bytes are the low ones

    def word(j: int) -> np.ndarray:
        w = _field(data, offset + 8 * j, n, row_len, "<u8")
        return w & tail_mask if j == n_words - 1 and tail < 8 else w.copy()

    if n_words == 1:
        codes, uniques = pd.factorize(word(0))
        distinct = uniques.reshape(-1, 1)
    else:
        key = word(0)
        for j in range(1, n_words):
            key *= _HASH_MULTIPLIER
            key ^= word(j)
        codes, _ = pd.factorize(key)
        del key
        first = _first_rows(codes)
        distinct = np.empty((len(first), n_words), dtype=np.uint64)
        for j in range(n_words):
            w = word(j)
            distinct[:, j] = w[first]
            if not np.array_equal(w, distinct[codes, j]):
                # a hash collision merged two values: group exactly, word by word
                codes = _exact_codes([word(i) for i in range(n_words)])
                first = _first_rows(codes)
                distinct = np.stack([word(i)[first] for i in range(n_words)], axis=1)
                break
    cells = distinct.astype("<u8", copy=False).view(np.uint8).reshape(len(distinct), 8 * n_words)[:, :length]
    if (cells == 0).any():
        raise _Unsupported("NUL byte in text")  # readstat ends the value there
    return codes, np.ascontiguousarray(cells).view(f"S{length}").ravel().tolist()


def _first_rows(codes: np.ndarray) -> np.ndarray:
    """Row of the first appearance of each code (pandas numbers codes in order of appearance,
    so a row starts a new code where the running maximum grows)."""
    if not len(codes):
        return np.empty(0, dtype=np.intp)
    top = np.maximum.accumulate(codes)
    return np.flatnonzero(np.concatenate(([True], top[1:] > top[:-1])))


def _exact_codes(words: list[np.ndarray]) -> np.ndarray:
    """Codes of the distinct tuples of words, in order of first appearance (exact: pairs of
    codes factorised word by word)."""
    codes, _ = pd.factorize(words[0])
    for w in words[1:]:
        more, uniques = pd.factorize(w)
        codes, _ = pd.factorize(codes.astype(np.int64) * len(uniques) + more)
    return codes


def _decode(factors: dict[str, tuple[np.ndarray, list[bytes]]], path: Path, member: str
            ) -> tuple[dict[str, np.ndarray], Problem | None]:
    """Per character variable, the table code -> value (``str`` right-stripped, NaN if blank).
    UTF-8 when every value is UTF-8, else Windows-1252 for all, with the warning read_xpt gives."""
    warning = None
    try:
        texts = {col: _decoded(values, "utf-8") for col, (_, values) in factors.items()}
    except UnicodeDecodeError:
        try:
            texts = {col: _decoded(values, "cp1252") for col, (_, values) in factors.items()}
        except UnicodeDecodeError:
            raise _Unsupported("text neither UTF-8 nor Windows-1252") from None
        warning = Problem("text is not UTF-8; read as Windows-1252 (cp1252)", file=str(path),
                          dataset=member or None, severity="warning")
    tables = {}
    for col, texts_of in texts.items():
        stripped = object_array(list(map(str.rstrip, texts_of)))
        tables[col] = np.where(stripped == "", np.nan, stripped) if len(stripped) else stripped
    return tables, warning


def _decoded(values: list[bytes], encoding: str) -> list[str]:
    """Values decoded in one call (joined by NUL, which no value holds)."""
    if not values:
        return []
    return b"\0".join(values).decode(encoding).split("\0")
