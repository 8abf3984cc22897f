"""Generic checks of SDTM input, each returning a list of :class:`Problem` (never raising).

Every problem names the file and dataset, and where it applies the variable and the record
(USUBJID, --SEQ, row). Hard problems have severity ``"error"``; soft ones (partial dates) are
``"warning"``. :func:`check_sdtm` runs them all; pass its result to
:func:`adam.errors.raise_if_problems` to stop on errors and keep warnings for the run report.

The ISO 8601 check here only decides whether a ``--DTC`` value is well formed (time zones and
intervals allowed), complete or partial, and a real calendar date; turning values into dates
(with imputation) is the job of :mod:`adam.derive.dates`. Both split values with
:func:`adam.sdtm.iso8601.split_dtc`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from adam.errors import Problem
from adam.export.columns import record_ids, row_problems, seq_column
from adam.sdtm.iso8601 import split_dtc

Frames = Mapping[str, pd.DataFrame]
Files = Mapping[str, "Path | str"] | None

def _file(files: Files, domain: str) -> str | None:
    if files and domain in files:
        return str(files[domain])
    return None


def check_required_domains(frames: Frames, required: Iterable[str], *, folder: str | None = None) -> list[Problem]:
    """One error per required domain that is not among ``frames``."""
    return [Problem(f"required domain {d.upper()} is missing", file=folder, dataset=d.upper())
            for d in required if d.upper() not in frames]


def check_required_variables(frames: Frames, required: Mapping[str, Iterable[str]], *,
                             files: Files = None) -> list[Problem]:
    """One error per required variable missing from its domain, e.g. ``{"DM": ["USUBJID", "ARMCD"]}``.

    Domains that are absent are skipped (:func:`check_required_domains` reports those).
    """
    problems = []
    for domain, variables in required.items():
        domain = domain.upper()
        if domain not in frames:
            continue
        present = set(frames[domain].columns)
        for var in variables:
            if var.upper() not in present:
                problems.append(Problem(f"required variable {var.upper()} is missing", file=_file(files, domain),
                                        dataset=domain, variable=var.upper()))
    return problems


def check_subjects_in_dm(frames: Frames, *, files: Files = None, dm: str = "DM") -> list[Problem]:
    """One error per subject (USUBJID) of another domain that is not in DM, with its record count."""
    if dm not in frames or "USUBJID" not in frames[dm].columns:
        return []
    known = frames[dm]["USUBJID"].dropna().unique()
    problems = []
    for domain, frame in frames.items():
        if domain == dm or "USUBJID" not in frame.columns:
            continue
        ids = frame["USUBJID"]
        orphan = ids.notna() & ~ids.isin(known)
        if not orphan.any():
            continue
        counts = ids[orphan].value_counts(sort=False).sort_index()
        for subject, n in counts.items():
            problems.append(Problem(f"USUBJID {subject} is not in {dm} ({n} record{'s' if n != 1 else ''})",
                                    file=_file(files, domain), dataset=domain, variable="USUBJID",
                                    record=f"USUBJID={subject}"))
    return problems


def default_keys(domain: str, frame: pd.DataFrame) -> list[str] | None:
    """Natural record key of a domain: ``USUBJID`` + ``--SEQ`` for subject domains; ``RDOMAIN,
    USUBJID, IDVAR, IDVARVAL, QNAM`` for supplemental qualifiers; ``None`` when unknown."""
    if domain.startswith("SUPP"):
        keys = ["RDOMAIN", "USUBJID", "IDVAR", "IDVARVAL", "QNAM"]
        return keys if all(k in frame.columns for k in keys) else None
    seq = seq_column(frame, domain)
    if "USUBJID" in frame.columns and seq:
        return ["USUBJID", seq]
    return None


def check_duplicate_keys(frames: Frames, keys: Mapping[str, list[str]] | None = None, *,
                         files: Files = None) -> list[Problem]:
    """One error per key value that occurs more than once, and per record missing USUBJID or --SEQ.

    ``keys`` gives the key variables per domain; domains not in it use :func:`default_keys`.
    """
    problems: list[Problem] = []
    keys = {k.upper(): v for k, v in (keys or {}).items()}
    for domain, frame in frames.items():
        by = keys.get(domain) or default_keys(domain, frame)
        if not by:
            continue
        file = _file(files, domain)
        absent = [k for k in by if k not in frame.columns]
        if absent:
            problems += [Problem("key variable is missing", file=file, dataset=domain, variable=k) for k in absent]
            continue
        sub = frame[by]
        # USUBJID and --SEQ must be present; other key parts may be null (SUPPDM's IDVAR)
        must = [k for k in by if k == "USUBJID" or k.endswith("SEQ")]
        missing = sub[must].isna().any(axis=1).to_numpy() if must else np.zeros(len(sub), dtype=bool)
        if missing.any():
            problems += row_problems(frame, missing, f"key variable ({', '.join(must)}) is missing",
                                     file=file, dataset=domain, variable=", ".join(must))
        dup = sub.duplicated(keep=False).to_numpy() & ~missing
        if not dup.any():
            continue
        first_of_group = dup & ~sub.duplicated(keep="first").to_numpy()
        sizes = sub.assign(_n=1).groupby(by, sort=False, dropna=False)["_n"].transform("size").to_numpy()
        shown = np.flatnonzero(first_of_group)
        ids = record_ids(frame, shown[:20], domain)
        for pos, rid in zip(shown[:20], ids):
            values = ", ".join(_fmt(v) for v in sub.iloc[pos])
            problems.append(Problem(f"duplicate key ({', '.join(by)}) = ({values}): {int(sizes[pos])} records",
                                    file=file, dataset=domain, variable=", ".join(by), record=rid))
        if len(shown) > 20:
            problems.append(Problem(f"... and {len(shown) - 20} more duplicate keys", file=file, dataset=domain,
                                    variable=", ".join(by)))
    return problems


def _fmt(v: object) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def parse_dtc(values: pd.Series) -> pd.DataFrame:
    """Classify ISO 8601 ``--DTC`` values (vectorized).

    Returns a frame aligned with ``values`` with boolean columns ``present``, ``valid``,
    ``complete_date`` (year, month and day known), ``has_time`` (hours and minutes known) and
    the ``date`` (datetime64, complete dates only) and ``stamp`` (date and time, when both known).
    Intervals (``start/end``) are valid when both ends are, and never complete.

    Each distinct value is classified once (dates repeat a lot) and the result spread back to
    the records, so the cost follows the number of distinct values, not of records.
    """
    raw = values.to_numpy(dtype=object) if isinstance(values, pd.Series) else np.asarray(values, dtype=object)
    codes, uniques = pd.factorize(raw, use_na_sentinel=True)
    # one extra missing value at the end stands for the missing records (code -1)
    info = _parse_dtc_unique(np.append(np.asarray(uniques, dtype=object), None))
    take = np.where(codes < 0, len(uniques), codes)
    index = values.index if isinstance(values, pd.Series) else pd.RangeIndex(len(raw))
    return pd.DataFrame({col: arr[take] for col, arr in info.items()}, index=index)


def _parse_dtc_unique(raw: np.ndarray) -> dict[str, np.ndarray]:
    """:func:`parse_dtc` on an object array (of distinct values), as a dict of arrays."""
    s = pd.Series(raw, dtype="str").str.strip()
    present = (s.notna() & (s != "")).to_numpy()
    interval = s.str.contains("/", regex=False).fillna(False).to_numpy(dtype=bool)
    texts = s.where(present & ~interval, "").tolist()
    split = split_dtc(texts)
    matched = split.matched
    Y, M, D, h, m, sec = split.numbers.T
    with np.errstate(invalid="ignore"):
        ranges_ok = ~((M < 1) | (M > 12) | (D < 1) | (D > 31) | (h > 23) | (m > 59) | (sec >= 60))
    known_any = ~(np.isnan(Y) & np.isnan(M) & np.isnan(D) & np.isnan(h))
    complete_date = matched & ~np.isnan(Y) & ~np.isnan(M) & ~np.isnan(D)
    usable = complete_date & ranges_ok
    date = pd.to_datetime(pd.DataFrame({"year": np.where(usable, Y, 2000), "month": np.where(usable, M, 1),
                                        "day": np.where(usable, D, 1)}), errors="coerce").where(usable)
    impossible = usable & date.isna().to_numpy()  # e.g. 2021-02-30
    valid = matched & ranges_ok & known_any & ~impossible
    # intervals: both ends must be valid
    if interval.any():
        for pos in np.flatnonzero(interval & present):
            ends = s.iloc[pos].split("/")
            valid[pos] = len(ends) == 2 and all(
                e == "" or bool(parse_dtc(pd.Series([e]))["valid"].iloc[0]) for e in ends) and any(ends)
    complete_date = complete_date & valid
    has_time = complete_date & ~np.isnan(h) & ~np.isnan(m)
    seconds = np.where(np.isnan(sec), 0.0, sec)
    stamp = date + pd.to_timedelta(np.where(has_time, h * 3600 + m * 60 + seconds, np.nan), unit="s")
    return {
        "present": present, "valid": valid | ~present, "complete_date": complete_date, "has_time": has_time,
        "date": date.where(complete_date).to_numpy(), "stamp": stamp.where(has_time).to_numpy(),
    }


def dtc_columns(frame: pd.DataFrame) -> list[str]:
    """The ISO 8601 date/time variables of a frame: names ending in ``DTC``."""
    return [c for c in frame.columns if isinstance(c, str) and c.endswith("DTC")]


def check_iso8601(frames: Frames, *, files: Files = None,
                  parsed: dict[tuple[str, str], pd.DataFrame] | None = None) -> list[Problem]:
    """Errors for ``--DTC`` values that are not ISO 8601 or not real dates; warnings for partial
    dates (date part incomplete: ``2003-12``, ``2003---15``) and intervals, naming the value.

    ``parsed``, when given, receives the :func:`parse_dtc` result of each (domain, variable)
    so that :func:`check_date_order` need not parse the same values again."""
    problems: list[Problem] = []
    for domain, frame in frames.items():
        file = _file(files, domain)
        for col in dtc_columns(frame):
            values = frame[col]
            if not (pd.api.types.is_string_dtype(values.dtype) or pd.api.types.is_object_dtype(values.dtype)):
                problems.append(Problem(f"expected ISO 8601 text, found {values.dtype}", file=file,
                                        dataset=domain, variable=col))
                continue
            info = parse_dtc(values)
            if parsed is not None:
                parsed[(domain, col)] = info
            bad = ~info["valid"].to_numpy()
            if bad.any():
                problems += row_problems(frame, bad, [f"value {v!r} is not a valid ISO 8601 date/time"
                                                      for v in values[bad]], file=file, dataset=domain, variable=col)
            partial = info["present"].to_numpy() & ~bad & ~info["complete_date"].to_numpy()
            if partial.any():
                problems += row_problems(frame, partial, [f"partial date {v!r} (will be imputed or left missing)"
                                                          for v in values[partial]], file=file, dataset=domain,
                                         variable=col, severity="warning")
    return problems


def check_date_order(frames: Frames, *, files: Files = None,
                     parsed: dict[tuple[str, str], pd.DataFrame] | None = None) -> list[Problem]:
    """Errors where ``--ENDTC`` is before ``--STDTC`` on the same record, both complete dates.

    Dates and times are compared when both values have a time; else the dates alone.
    ``parsed`` holds values already parsed by :func:`check_iso8601` (see there).
    """
    parsed = parsed or {}

    def info(domain: str, frame: pd.DataFrame, col: str) -> pd.DataFrame:
        found = parsed.get((domain, col))
        return found if found is not None else parse_dtc(frame[col])

    problems: list[Problem] = []
    for domain, frame in frames.items():
        file = _file(files, domain)
        for start_col in [c for c in dtc_columns(frame) if c.endswith("STDTC")]:
            end_col = start_col[:-5] + "ENDTC"
            if end_col not in frame.columns:
                continue
            start, end = info(domain, frame, start_col), info(domain, frame, end_col)
            both_dates = (start["complete_date"] & end["complete_date"]).to_numpy()
            both_times = (start["has_time"] & end["has_time"]).to_numpy()
            sd, ed = start["date"].to_numpy(), end["date"].to_numpy()
            ss, es = start["stamp"].to_numpy(), end["stamp"].to_numpy()
            with np.errstate(invalid="ignore"):
                before = both_dates & np.where(both_times, es < ss, ed < sd)
            if before.any():
                msgs = [f"{end_col} {e!r} is before {start_col} {s!r}"
                        for s, e in zip(frame[start_col][before], frame[end_col][before])]
                problems += row_problems(frame, before, msgs, file=file, dataset=domain, variable=end_col)
    return problems


def check_sdtm(
    frames: Frames,
    required_variables: Mapping[str, Iterable[str]] | None = None,
    *,
    required_domains: Iterable[str] | None = None,
    keys: Mapping[str, list[str]] | None = None,
    files: Files = None,
    folder: str | None = None,
) -> list[Problem]:
    """All generic input checks, errors and warnings, in the order of the checks.

    ``required_variables`` is ``{domain: [variables]}`` the build reads (e.g. a study module's
    ``SDTM_REQUIREMENTS``); ``required_domains`` defaults to its domains, or DM when not given.
    """
    required_variables = required_variables or {}
    if required_domains is None:
        required_domains = list(required_variables) or ["DM"]
    problems = check_required_domains(frames, required_domains, folder=folder)
    problems += check_required_variables(frames, required_variables, files=files)
    problems += check_subjects_in_dm(frames, files=files)
    problems += check_duplicate_keys(frames, keys, files=files)
    parsed: dict[tuple[str, str], pd.DataFrame] = {}
    problems += check_iso8601(frames, files=files, parsed=parsed)
    problems += check_date_order(frames, files=files, parsed=parsed)
    return problems
