"""Exposure derivations: cumulative dose over dosing intervals bounded by dates."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from adam.derive._checks import Checker


def derive_var_interval_dose(
    df: pd.DataFrame,
    new_var: str = "CUMDOSE",
    start_date: str = "TRTSDT",
    end_date: str = "TRTEDT",
    interval_ends: Sequence[str] = (),
    doses: Sequence[float] = (),
) -> pd.DataFrame:
    """Cumulative dose over consecutive dosing intervals with a constant daily dose each.

    Interval 1 runs from ``start_date`` to the date in ``interval_ends[0]`` (both included);
    interval k (k > 1) from the day after ``interval_ends[k-2]`` to ``interval_ends[k-1]``; the
    last interval (``len(doses) == len(interval_ends) + 1``) ends at ``end_date``. Days after
    ``end_date`` do not count. A missing interval end means that interval was never left (the
    subject did not reach the visit that ends it), so the later intervals get no days.

    Cases per record, in order:
      1. ``start_date`` or ``end_date`` missing: missing;
      2. sum over k of doses[k] * (days of interval k on or before end_date).

    Example (doses 54, 81, 54; ends V4 = 14 and V12 = 168; start 1):
      end 10 -> 54*10 = 540; end 100 -> 54*14 + 81*86 = 7722;
      end 180 -> 54*14 + 81*154 + 54*12 = 13878; V4 missing, end 10 -> 540.
    """
    fn = "derive_var_interval_dose"
    chk = Checker(fn, df)
    if not chk.frame("df", df):
        chk.raise_if_any()
    ends = list(interval_ends)
    chk.numeric("start_date", start_date)
    chk.numeric("end_date", end_date)
    if ends:
        chk.numeric("interval_ends", ends)
    if len(doses) != len(ends) + 1:
        chk.fail(f"argument doses needs one dose more than interval_ends ({len(ends) + 1}); "
                 f"got {len(doses)}")
    elif not all(isinstance(d, (int, float)) and d >= 0 for d in doses):
        chk.fail(f"argument doses must be non-negative numbers; got {list(doses)!r}")
    if chk.new_names("new_var", [new_var]) and new_var in df.columns:
        chk.fail(f"argument new_var: column {new_var} already exists", variable=new_var)
    chk.raise_if_any()

    start = df[start_date].to_numpy(dtype=float)
    end = df[end_date].to_numpy(dtype=float)
    # exclusive lower borders: the day before the start, then each interval end
    borders = [start - 1.0]
    for col in ends:
        b = df[col].to_numpy(dtype=float)
        borders.append(np.fmax(np.where(np.isnan(b), np.inf, b), borders[-1]))
    borders.append(np.full(len(df), np.inf))
    total = np.zeros(len(df))
    for k, dose in enumerate(doses):
        days = np.minimum(end, borders[k + 1]) - borders[k]
        total += float(dose) * np.clip(days, 0.0, None)
    total[np.isnan(start) | np.isnan(end)] = np.nan
    out = df.copy(deep=False)  # copy-on-write keeps the input unchanged
    out[new_var] = total
    return out
