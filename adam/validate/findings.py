"""Findings: what a check found, where, and the records that show it.

A :class:`Finding` is one rule firing on one dataset. It keeps the total number of offending
records and up to :data:`KEEP_RECORDS` of them (USUBJID, sequence number, row, variable and
value), so a report can show the first few and always say how many there were in all.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Iterable, Literal

import numpy as np
import pandas as pd

Severity = Literal["error", "warning", "notice"]
SEVERITY_RANK = {"error": 0, "warning": 1, "notice": 2}

#: At most this many offending records are kept per finding (the total is always counted).
KEEP_RECORDS = 1000

SAS_EPOCH = pd.Timestamp("1960-01-01")


@dataclass
class Finding:
    """One rule firing on one dataset: message, total count and the first offending records."""

    rule: str
    severity: Severity
    dataset: str | None
    message: str
    count: int = 1
    variables: tuple[str, ...] = ()
    records: list[dict[str, Any]] = field(default_factory=list)

    def sort_key(self) -> tuple:
        return (SEVERITY_RANK[self.severity], self.rule, self.dataset or "", self.message)

    def to_dict(self, cap: int | None = None) -> dict[str, Any]:
        """JSON-ready form; ``cap`` limits the records listed (``count`` is always the total)."""
        shown = self.records if cap is None else self.records[:cap]
        return {
            "rule": self.rule,
            "severity": self.severity,
            "dataset": self.dataset,
            "message": self.message,
            "variables": list(self.variables),
            "count": self.count,
            "records_shown": len(shown),
            "records_not_shown": self.count - len(shown) if self.records else 0,
            "records": shown,
        }


def seq_variable(df: pd.DataFrame) -> str | None:
    """The record sequence variable: ASEQ, else the first ``--SEQ`` column (not SRCSEQ)."""
    if "ASEQ" in df.columns:
        return "ASEQ"
    for col in df.columns:
        if str(col).endswith("SEQ") and col != "SRCSEQ" and len(str(col)) <= 8:
            return str(col)
    return None


def _is_missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def format_value(value: Any, kind: str | None = None) -> str:
    """A value as a reviewer reads it: numbers without a spurious ``.0``, SAS dates with ISO."""
    if _is_missing(value):
        return ""
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, float, np.integer, np.floating)):
        number = float(value)
        text = str(int(number)) if number.is_integer() and abs(number) < 1e15 else repr(number)
        if kind in ("date", "datetime", "time") and math.isfinite(number):
            try:
                if kind == "date":
                    text += f" ({(SAS_EPOCH + pd.Timedelta(days=number)).date().isoformat()})"
                elif kind == "datetime":
                    text += f" ({(SAS_EPOCH + pd.Timedelta(seconds=number)).isoformat()})"
                else:
                    text += f" ({pd.Timedelta(seconds=number)})"
            except (OverflowError, ValueError):
                pass
        return text
    return str(value)


def value_kind(name: str, series: pd.Series, spec_type: str | None = None) -> str | None:
    """Whether a column holds SAS dates, datetimes or times (from the spec, else its name)."""
    if spec_type in ("date", "datetime", "time"):
        return spec_type
    if spec_type is not None or not pd.api.types.is_numeric_dtype(series):
        return None
    if name.endswith("DTM"):
        return "datetime"
    if name.endswith("DT"):
        return "date"
    if name.endswith("TM"):
        return "time"
    return None


def offending_records(
    df: pd.DataFrame,
    rows: pd.Series | pd.Index | np.ndarray | Iterable[int] | None,
    variables: Iterable[str] = (),
    kinds: dict[str, str | None] | None = None,
    keep: int = KEEP_RECORDS,
) -> tuple[int, list[dict[str, Any]]]:
    """Count the offending rows and describe the first ``keep`` of them.

    ``rows`` is a boolean mask aligned with ``df`` or row labels of ``df``. Each record gives
    ROW (1-based position), USUBJID, SEQ (ASEQ or --SEQ when the dataset has one), VARIABLE
    and VALUE (``NAME=value; ...`` when more than one variable is involved).
    """
    if rows is None:
        return 0, []
    if isinstance(rows, pd.Series) and pd.api.types.is_bool_dtype(rows.dtype):
        mask = rows.reindex(df.index).fillna(False).astype(bool).to_numpy()
        labels = df.index[mask]
    elif isinstance(rows, np.ndarray) and rows.dtype == bool:
        labels = df.index[rows]
    else:
        labels = pd.Index(pd.unique(pd.Index(list(rows))))
        labels = labels[labels.isin(df.index)]
    count = len(labels)
    if count == 0:
        return 0, []
    labels = labels[:keep]
    sub = df.loc[labels]
    positions = df.index.get_indexer(labels) + 1
    variables = [v for v in variables if v in df.columns]
    kinds = kinds or {}
    seq = seq_variable(df)
    out = []
    subj = sub["USUBJID"].tolist() if "USUBJID" in sub.columns else [None] * len(sub)
    seqs = sub[seq].tolist() if seq else [None] * len(sub)
    columns = {v: sub[v].tolist() for v in variables}
    for i in range(len(sub)):
        if len(variables) == 1:
            value = format_value(columns[variables[0]][i], kinds.get(variables[0]))
        else:
            value = "; ".join(f"{v}={format_value(columns[v][i], kinds.get(v))}" for v in variables)
        out.append({
            "ROW": int(positions[i]),
            "USUBJID": "" if _is_missing(subj[i]) else str(subj[i]),
            "SEQ": format_value(seqs[i]) if seq else "",
            "VARIABLE": ", ".join(variables),
            "VALUE": value,
        })
    return count, out
