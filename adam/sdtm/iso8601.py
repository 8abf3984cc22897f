"""ISO 8601 ``--DTC`` values split into their components: the one parser of the toolkit.

SDTM writes dates and times as ISO 8601 text, right-truncated when a component is unknown
(``2003-12``) or with a hyphen in place of a missing component (``2003---15``: day known, month
not; ``-----T07:15``: time only), optionally with a time zone (``Z``, ``+01:00``).
:func:`split_dtc` finds the components of each value; what counts as usable is up to the caller:
the input check (:mod:`adam.sdtm.checks`) accepts time zones and intervals, while the derivation
library (:mod:`adam.derive.dates`) needs a single date/time without a zone.

Values written exactly ``YYYY-MM-DD`` (most of them) are read with array arithmetic; the others
with one regular expression match each. Callers pass distinct values, as dates repeat a lot.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

DTC_PATTERN = re.compile(
    r"^(?P<Y>[0-9]{4}|-)(?:-(?P<M>[0-9]{2}|-)(?:-(?P<D>[0-9]{2}|-))?)?"
    r"(?:T(?P<h>[0-9]{2}|-)(?::(?P<m>[0-9]{2}|-)(?::(?P<s>[0-9]{2}(?:\.[0-9]+)?|-))?)?)?"
    r"(?P<tz>Z|[+-][0-9]{2}(?::?[0-9]{2})?)?$"
)
COMPONENTS = ("year", "month", "day", "hour", "minute", "second")


@dataclass(frozen=True)
class SplitDtc:
    """The components of n values: ``numbers`` (n x 6 floats in the order of
    :data:`COMPONENTS`, NaN where a component is absent or written ``-``), ``matched`` (the value
    is ISO 8601 date/time text) and ``zone`` (it ends with a time zone designator)."""

    numbers: np.ndarray
    matched: np.ndarray
    zone: np.ndarray


def split_dtc(texts: list[str]) -> SplitDtc:
    """Split each text (already stripped; ``""`` for a missing value, which does not match)."""
    n = len(texts)
    numbers = np.full((n, len(COMPONENTS)), np.nan)
    matched = np.zeros(n, dtype=bool)
    zone = np.zeros(n, dtype=bool)
    fast, ymd = _complete_dates(texts)
    numbers[fast, :3] = ymd
    matched[fast] = True
    rest = [i for i in np.flatnonzero(~matched).tolist() if texts[i]]
    if rest:
        found = [DTC_PATTERN.match(texts[i]) for i in rest]
        rows = np.array(rest, dtype=np.int64)
        hit = np.array([m is not None for m in found], dtype=bool)
        groups = [m.groups() for m in found if m is not None]
        if groups:
            parts = np.array(groups, dtype=object).reshape(len(groups), len(COMPONENTS) + 1)
            for k in range(len(COMPONENTS)):
                col = parts[:, k]
                known = np.array([v is not None and v != "-" for v in col], dtype=bool)
                values = np.full(len(col), np.nan)
                values[known] = np.array(col[known].tolist(), dtype=float)
                numbers[rows[hit], k] = values
            zone[rows[hit]] = np.array([v is not None for v in parts[:, -1]], dtype=bool)
        matched[rows[hit]] = True
    return SplitDtc(numbers, matched, zone)


def _complete_dates(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the values written exactly ``YYYY-MM-DD`` in ASCII digits and their year,
    month and day (as floats)."""
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    cand = np.flatnonzero(lengths == 10)
    chars = np.array([texts[i] for i in cand], dtype="<U10").view(np.uint32).reshape(len(cand), 10)
    digit = chars.astype(np.int64) - ord("0")
    is_digit = (digit >= 0) & (digit <= 9)
    ok = is_digit[:, [0, 1, 2, 3, 5, 6, 8, 9]].all(axis=1) & (chars[:, 4] == ord("-")) & (chars[:, 7] == ord("-"))
    digit = digit[ok]
    ymd = np.column_stack([digit[:, 0] * 1000 + digit[:, 1] * 100 + digit[:, 2] * 10 + digit[:, 3],
                           digit[:, 5] * 10 + digit[:, 6], digit[:, 8] * 10 + digit[:, 9]])
    return cand[ok], ymd.astype(float)
