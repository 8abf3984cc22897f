"""Small vectorized helpers shared by the simulator modules: random streams, apportioning
counts, ISO 8601 dates and per-subject sequence numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd

DAYS_PER_YEAR = 365.25
DAYS_PER_MONTH = 30.4375


def stream(seed: int, name: str) -> np.random.Generator:
    """An independent random stream for one model component, so that changing one component
    never shifts the numbers drawn by another."""
    key = [seed] + [ord(c) for c in name]
    return np.random.default_rng(np.random.SeedSequence(key))


def scaled(count: int, base: int, n: int) -> int:
    """``count`` out of ``base`` scaled to ``n`` (half-up rounding, deterministic)."""
    if base <= 0:
        return 0
    return int(np.floor(count * n / base + 0.5))


def apportion(total: int, weights) -> np.ndarray:
    """Split ``total`` into integer parts proportional to ``weights`` (largest remainder;
    ties go to the earlier part), so that the parts always add up to ``total``."""
    w = np.asarray(weights, dtype=float)
    if total <= 0 or w.sum() <= 0:
        return np.zeros(len(w), dtype=np.int64)
    raw = total * w / w.sum()
    base = np.floor(raw).astype(np.int64)
    rest = int(total - base.sum())
    order = np.argsort(-(raw - base), kind="stable")
    base[order[:rest]] += 1
    return base


def quota_pick(rng: np.random.Generator, strata: np.ndarray, quota: np.ndarray) -> np.ndarray:
    """Pick exactly ``quota[s]`` random members of every stratum ``s`` (codes 0..k-1).

    Returns a boolean mask over the members. Used wherever the model fixes a count exactly."""
    n = len(strata)
    if n == 0:
        return np.zeros(0, dtype=bool)
    key = rng.random(n)
    order = np.lexsort((key, strata))
    s_sorted = strata[order]
    start = np.r_[0, np.flatnonzero(np.diff(s_sorted)) + 1]
    rank = np.arange(n) - np.repeat(start, np.diff(np.r_[start, n]))
    pick_sorted = rank < quota[s_sorted]
    out = np.zeros(n, dtype=bool)
    out[order] = pick_sorted
    return out


def weighted_choice(rng: np.random.Generator, n: int, options, weights) -> np.ndarray:
    """``n`` independent draws from ``options`` with probabilities proportional to ``weights``."""
    p = np.asarray(weights, dtype=float)
    idx = rng.choice(len(p), size=n, p=p / p.sum())
    return np.asarray(options, dtype=object)[idx]


def iso(dates: np.ndarray) -> np.ndarray:
    """ISO 8601 date strings (YYYY-MM-DD) of datetime64[D] values; NaT becomes ""."""
    d = np.asarray(dates, dtype="datetime64[D]")
    out = np.datetime_as_string(d, unit="D").astype(object)
    out[np.isnat(d)] = ""
    return out


def add_days(dates: np.ndarray, offsets) -> np.ndarray:
    """datetime64[D] dates plus integer day offsets (NaN offsets give NaT)."""
    off = np.asarray(offsets, dtype=float)
    res = np.asarray(dates, dtype="datetime64[D]") + np.nan_to_num(off).astype(np.int64).astype("timedelta64[D]")
    res[np.isnan(off)] = np.datetime64("NaT")
    return res


def truncate(iso_dates: np.ndarray, to_month: np.ndarray, to_year: np.ndarray) -> np.ndarray:
    """Partial dates: drop the day where ``to_month`` and the month too where ``to_year``."""
    s = np.asarray(iso_dates, dtype=object).copy()
    s[to_month] = np.asarray(s[to_month], dtype="U10").astype("U7").astype(object)
    s[to_year] = np.asarray(s[to_year], dtype="U10").astype("U4").astype(object)
    return s


def study_day(dates: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """SDTM study day of ``dates`` relative to the reference start ``ref`` (no day 0);
    NaN where either is missing."""
    d = (np.asarray(dates, dtype="datetime64[D]") - np.asarray(ref, dtype="datetime64[D]")).astype("timedelta64[D]")
    val = d.astype(np.int64).astype(float)
    val[np.isnat(d)] = np.nan
    return np.where(val >= 0, val + 1, val)


def seq_within(subject: np.ndarray) -> np.ndarray:
    """1, 2, ... within runs of equal ``subject`` codes (rows must already be sorted by subject)."""
    n = len(subject)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    start = np.r_[0, np.flatnonzero(np.diff(subject)) + 1]
    return np.arange(n) - np.repeat(start, np.diff(np.r_[start, n])) + 1


def explode(counts: np.ndarray) -> np.ndarray:
    """Row index repeated ``counts`` times (to expand one row into several events)."""
    return np.repeat(np.arange(len(counts)), counts)


def rank_within(groups: np.ndarray) -> np.ndarray:
    """0, 1, ... within runs of equal ``groups`` (rows already sorted by group)."""
    return seq_within(groups) - 1


def frame(columns: dict) -> pd.DataFrame:
    """A DataFrame from numpy columns, object text kept as pandas ``str`` (missing -> "")."""
    data = {}
    for k, v in columns.items():
        arr = np.asarray(v)
        if arr.dtype == object or arr.dtype.kind == "U":
            data[k] = pd.array(np.where(pd.isna(arr), "", arr).astype(object), dtype="str")
        else:
            data[k] = arr
    return pd.DataFrame(data)
