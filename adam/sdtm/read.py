"""Reading SDTM tabulation datasets from a folder, in whatever format each domain comes in.

Each domain is one file named after it (``dm.xpt``, ``ae.json``, ``lb.ndjson``, ``cm.csv``,
``ex.parquet``; any case). When a domain exists in several formats the first of
:data:`FORMAT_PREFERENCE` is read (XPT, the submission format, first) and the others are
reported as a warning. Parquet is read with DuckDB (which needs no pyarrow).

Everything is normalised at the edge so the engine sees one convention whatever the source:
column names upper case; character columns pandas ``str`` with trailing blanks removed and
``""`` turned into missing (NA); numeric columns float64.

CSV files carry no types: columns are read as text, and those whose name marks an SDTM numeric
variable (``--SEQ``, ``--STRESN``, ``--DY``, ``VISITNUM``, ``AGE``, ...; see
:func:`is_sdtm_numeric`) are converted to numbers, a value that is not a number being an error.

Speed: XPT v5 is read by :func:`adam.export.xpt_read.read_xpt_frame` straight from the bytes
with numpy (character values decoded once per distinct value), which gives the normalised frame
directly; files it does not handle (V8/V9, several members, ...) are read with
``pyreadstat.read_xport`` (:func:`adam.export.xpt.read_xpt`) and normalised here. pyreadstat's
multiprocessing reader was measured slower on 2 cores (process start-up and frame
concatenation outweigh the parsing saved), so it is not used.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from adam.console import log
from adam.errors import InputError, Problem
from adam.export.columns import ColumnMeta, DatasetMeta, row_problems
from adam.export.text import canonical_text

FORMAT_PREFERENCE = (".xpt", ".ndjson", ".json", ".parquet", ".csv")

# Name endings and names of SDTM numeric variables (used for untyped CSV input only).
NUMERIC_SUFFIXES = ("SEQ", "STRESN", "DY", "DOSE", "DOSTOT", "NUM", "STNRLO", "STNRHI", "LLOQ", "ULOQ")
NUMERIC_NAMES = ("AGE", "TAETORD")


def is_sdtm_numeric(name: str) -> bool:
    """Whether an SDTM variable name denotes a numeric variable (for untyped CSV input):
    ``--SEQ``, ``--STRESN``, ``--DY``/``--STDY``/``--ENDY``/``VISITDY``, ``--DOSE``, ``--DOSTOT``,
    ``VISITNUM``/``--TPTNUM``, reference ranges, ``AGE``, ``TAETORD``."""
    name = name.upper()
    return name in NUMERIC_NAMES or name.endswith(NUMERIC_SUFFIXES)


@dataclass
class SdtmStudy:
    """The SDTM datasets of one study: frames, their metadata, the file each came from, and the
    warnings met while reading (formats ignored, special missings, encodings)."""

    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    meta: dict[str, DatasetMeta] = field(default_factory=dict)
    files: dict[str, Path] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)


def find_domain_files(folder: Path) -> dict[str, list[Path]]:
    """Candidate files per domain (upper-case stem), ordered by :data:`FORMAT_PREFERENCE`."""
    found: dict[str, list[Path]] = {}
    for path in sorted(Path(folder).iterdir()):
        if path.is_file() and path.suffix.lower() in FORMAT_PREFERENCE and not path.name.startswith("."):
            found.setdefault(path.stem.upper(), []).append(path)
    for domain, paths in found.items():
        paths.sort(key=lambda p: FORMAT_PREFERENCE.index(p.suffix.lower()))
    return found


def load_sdtm(folder: Path, domains: list[str] | None = None) -> SdtmStudy:
    """Read the SDTM domains of ``folder`` (all, or those named) with their metadata.

    Raises :class:`InputError` naming the folder or file when the folder is missing, a named
    domain has no file, or a file cannot be read (all such problems at once).
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(Problem("SDTM folder not found" if not folder.exists() else "not a folder",
                                 file=str(folder)))
    candidates = find_domain_files(folder)
    wanted = [d.upper() for d in domains] if domains is not None else sorted(candidates)
    problems = [Problem(f"domain {d} not found (looked for {d.lower()}"
                        f"{{{','.join(FORMAT_PREFERENCE)}}})", file=str(folder), dataset=d)
                for d in wanted if d not in candidates]
    study = SdtmStudy()
    for domain in wanted:
        paths = candidates.get(domain)
        if not paths:
            continue
        chosen = paths[0]
        if len(paths) > 1:
            study.warnings.append(Problem(
                f"domain found in {len(paths)} formats; reading {chosen.name}, ignoring "
                f"{', '.join(p.name for p in paths[1:])}", file=str(chosen), dataset=domain, severity="warning"))
        try:
            frame, meta = read_domain_file(chosen, problems=study.warnings)
        except InputError as error:
            problems.extend(error.problems)
            continue
        study.frames[domain] = frame
        study.meta[domain] = meta
        study.files[domain] = chosen
    if problems:
        raise InputError(problems)
    for w in study.warnings:
        log.warning("%s", w)
    return study


def read_sdtm(folder: Path, domains: list[str] | None = None) -> dict[str, pd.DataFrame]:
    """Read SDTM domains as normalised frames keyed by upper-case domain name.

    Each frame carries its :class:`DatasetMeta` in ``frame.attrs["meta"]`` and its file in
    ``frame.attrs["file"]``; :func:`load_sdtm` gives the same plus the warnings.
    """
    study = load_sdtm(folder, domains)
    for domain, frame in study.frames.items():
        frame.attrs["meta"] = study.meta[domain]
        frame.attrs["file"] = str(study.files[domain])
    return study.frames


def read_domain_file(path: Path, *, problems: list[Problem] | None = None) -> tuple[pd.DataFrame, DatasetMeta]:
    """Read one dataset file of any supported format and normalise it (see the module doc)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".xpt":
        from adam.export.xpt_read import read_xpt_frame

        fast = read_xpt_frame(path, problems=problems)
        if fast is not None:  # already normalised but for the names
            return _upper_names(*fast, file=str(path))
        from adam.export.xpt import read_xpt

        frame, meta = read_xpt(path, problems=problems)
    elif suffix in (".json", ".ndjson"):
        from adam.export.datasetjson import read_dataset_json

        frame, meta = read_dataset_json(path)
    elif suffix == ".csv":
        frame, meta = _read_csv(path, problems)
    elif suffix == ".parquet":
        frame, meta = _read_parquet(path)
    else:
        raise InputError(Problem(f"unsupported file type {suffix!r}", file=str(path)))
    return normalize_frame(frame, meta, file=str(path))


def normalize_frame(frame: pd.DataFrame, meta: DatasetMeta, *, file: str = "") -> tuple[pd.DataFrame, DatasetMeta]:
    """Upper-case column names; character columns ``str``, right-stripped, ``""`` -> NA;
    numeric columns float64. Two columns that differ only in case are an error."""
    upper = _checked_upper(frame, meta, file)
    out = {}
    for col, name in zip(frame.columns, upper):
        values = frame[col]
        if pd.api.types.is_string_dtype(values.dtype) or pd.api.types.is_object_dtype(values.dtype):
            text = canonical_text(values)
            if text is not None:  # fast path: strings and missing values only
                out[name] = text
                continue
            text = values.astype("str").str.rstrip()
            out[name] = text.mask(text == "")
        elif pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
            out[name] = pd.to_numeric(values).astype("float64")
        else:
            out[name] = values
    result = pd.DataFrame(out)
    result.index = pd.RangeIndex(len(frame))
    return result, _upper_meta(meta)


def _checked_upper(frame: pd.DataFrame, meta: DatasetMeta, file: str) -> list[str]:
    """The upper-case column names; an error when two differ only in case."""
    upper = [str(c).upper() for c in frame.columns]
    clashes = sorted({u for u in upper if upper.count(u) > 1})
    if clashes:
        raise InputError([Problem("columns differ only in case", file=file, dataset=meta.name, variable=c)
                          for c in clashes])
    return upper


def _upper_meta(meta: DatasetMeta) -> DatasetMeta:
    columns = tuple(ColumnMeta(c.name.upper(), c.label, c.type, c.length, c.display_format, c.json_type)
                    for c in meta.columns)
    return DatasetMeta(meta.name.upper(), meta.label, columns, tuple(k.upper() for k in meta.keys))


def _upper_names(frame: pd.DataFrame, meta: DatasetMeta, *, file: str) -> tuple[pd.DataFrame, DatasetMeta]:
    """:func:`normalize_frame` for a frame whose values are normalised already (the fast XPT
    reader's): only the names are upper-cased."""
    upper = _checked_upper(frame, meta, file)
    if upper != list(frame.columns):
        frame = frame.set_axis(upper, axis=1)
    return frame, _upper_meta(meta)


def _read_csv(path: Path, problems: list[Problem] | None) -> tuple[pd.DataFrame, DatasetMeta]:
    kwargs = dict(dtype=str, keep_default_na=False, na_values=[], skipinitialspace=False)
    try:
        try:
            raw = pd.read_csv(path, encoding="utf-8", **kwargs)
        except UnicodeDecodeError:
            raw = pd.read_csv(path, encoding="cp1252", **kwargs)
            warning = Problem("text is not UTF-8; read as Windows-1252 (cp1252)", file=str(path),
                              severity="warning")
            if problems is not None:
                problems.append(warning)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise InputError(Problem(f"cannot read as CSV: {error}", file=str(path))) from None
    raw.columns = [str(c).strip().upper() for c in raw.columns]
    dataset = path.stem.upper()
    found: list[Problem] = []
    columns = []
    for col in raw.columns:
        if is_sdtm_numeric(col):
            text = raw[col].str.strip()
            numbers = pd.to_numeric(text.mask(text == ""), errors="coerce")
            bad = (text != "").to_numpy() & numbers.isna().to_numpy()
            if bad.any():
                found += row_problems(raw, bad, [f"value {v!r} is not a number (line {i + 2})"
                                                 for v, i in zip(text[bad], np.flatnonzero(bad))],
                                      file=str(path), dataset=dataset, variable=col)
            raw[col] = numbers.astype("float64")
            vals = numbers.dropna().to_numpy()
            kind = "integer" if np.all(vals == np.round(vals)) else "float"
            columns.append(ColumnMeta(col, "", kind))
        else:
            columns.append(ColumnMeta(col, "", "text"))
    if found:
        raise InputError(found)
    return raw, DatasetMeta(dataset, "", tuple(columns))


def _read_parquet(path: Path) -> tuple[pd.DataFrame, DatasetMeta]:
    import duckdb

    try:
        with duckdb.connect() as con:
            frame = con.read_parquet(str(path)).df()
    except duckdb.Error as error:
        raise InputError(Problem(f"cannot read as Parquet: {error}", file=str(path))) from None
    columns = []
    for col in frame.columns:
        dtype = frame[col].dtype
        if pd.api.types.is_datetime64_any_dtype(dtype):
            kind = "datetime"
        elif pd.api.types.is_integer_dtype(dtype):
            kind = "integer"
        elif pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
            kind = "float"
        else:
            kind = "text"
        columns.append(ColumnMeta(str(col).upper(), "", kind))
    return frame, DatasetMeta(path.stem.upper(), "", tuple(columns))
