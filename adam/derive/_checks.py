"""Argument checks and small helpers shared by the derivation functions (private).

Every public derivation collects its argument problems with :class:`Checker` and raises one
:class:`~adam.errors.InputError` carrying all of them before it touches the data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from adam.errors import InputError, Problem

# A filter is a pandas query string, a boolean Series aligned with the frame, or a callable
# taking the frame and returning such a Series.
Filter = str | pd.Series | Callable[[pd.DataFrame], Any] | None
# An order item is a column name (ascending) or (column, "asc" | "desc").
OrderItem = str | tuple[str, str]

RECORD_KEYS = ("USUBJID",)


def as_list(value: str | Iterable[str] | None) -> list[str]:
    """A column argument given as one name or several, as a list."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return list(value)


class Checker:
    """Collects argument problems for one call of a derivation function."""

    def __init__(self, function: str, df: pd.DataFrame | None = None, dataset: str | None = None):
        self.function = function
        self.df = df
        self.dataset = dataset
        self.problems: list[Problem] = []

    def fail(self, message: str, variable: str | None = None, dataset: str | None = None) -> None:
        self.problems.append(
            Problem(f"{self.function}: {message}", dataset=dataset or self.dataset, variable=variable)
        )

    def frame(self, argument: str, value: Any) -> bool:
        if not isinstance(value, pd.DataFrame):
            self.fail(f"argument {argument} must be a pandas DataFrame, got {type(value).__name__}")
            return False
        return True

    def columns(
        self, argument: str, cols: str | Iterable[str] | None, df: pd.DataFrame | None = None,
        dataset: str | None = None,
    ) -> bool:
        """Every column named by ``argument`` is present in the frame."""
        frame = self.df if df is None else df
        ok = True
        for col in as_list(cols):
            if not isinstance(col, str):
                self.fail(f"argument {argument} must name columns, got {col!r}")
                ok = False
            elif frame is not None and col not in frame.columns:
                self.fail(f"argument {argument}: column {col} not found", variable=col, dataset=dataset)
                ok = False
        return ok

    def numeric(
        self, argument: str, cols: str | Iterable[str] | None, df: pd.DataFrame | None = None,
        what: str = "numeric (SAS date)", dataset: str | None = None,
    ) -> bool:
        """Columns are present and numeric (dates must be SAS numbers, not text)."""
        frame = self.df if df is None else df
        ok = self.columns(argument, cols, frame, dataset)
        if not ok or frame is None:
            return ok
        for col in as_list(cols):
            series = frame[col]
            if pd.api.types.is_bool_dtype(series) or not (
                pd.api.types.is_numeric_dtype(series) or series.isna().all()
            ):
                hint = ""
                if pd.api.types.is_datetime64_any_dtype(series):
                    hint = " (convert with adam.derive.to_sas_date / to_sas_datetime)"
                self.fail(
                    f"argument {argument}: column {col} must be {what}, found dtype {series.dtype}{hint}",
                    variable=col, dataset=dataset,
                )
                ok = False
        return ok

    def choice(self, argument: str, value: Any, allowed: Sequence[Any]) -> bool:
        if value not in allowed:
            self.fail(f"argument {argument} must be one of {', '.join(map(repr, allowed))}; got {value!r}")
            return False
        return True

    def non_negative(self, argument: str, value: Any, allow_none: bool = False) -> bool:
        if value is None and allow_none:
            return True
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) or not (
            value >= 0
        ):
            self.fail(f"argument {argument} must be a non-negative number; got {value!r}")
            return False
        return True

    def new_names(self, argument: str, names: Iterable[str]) -> bool:
        ok = True
        for name in names:
            if not isinstance(name, str) or not name:
                self.fail(f"argument {argument} must give column names; got {name!r}")
                ok = False
        return ok

    def filter(self, argument: str, value: Filter, df: pd.DataFrame | None = None) -> bool:
        frame = self.df if df is None else df
        if value is None or isinstance(value, str) or callable(value):
            return True
        if isinstance(value, (pd.Series, np.ndarray, list)):
            if frame is not None and len(value) != len(frame):
                self.fail(f"argument {argument}: mask has {len(value)} values for {len(frame)} records")
                return False
            return True
        self.fail(f"argument {argument} must be a query string, boolean mask or callable")
        return False

    def order(self, argument: str, order: Sequence[OrderItem] | None, df: pd.DataFrame | None = None) -> bool:
        if order is None:
            return True
        ok = True
        for item in [order] if isinstance(order, (str, tuple)) else order:
            if isinstance(item, tuple):
                if len(item) != 2 or item[1] not in ("asc", "desc"):
                    self.fail(f"argument {argument}: order item {item!r} must be (column, 'asc'|'desc')")
                    ok = False
                    continue
                item = item[0]
            ok = self.columns(argument, item, df) and ok
        return ok

    def raise_if_any(self) -> None:
        if self.problems:
            raise InputError(self.problems)


def evaluate_filter(df: pd.DataFrame, value: Filter, argument: str, function: str) -> np.ndarray:
    """A filter as a boolean numpy array (missing counts as False)."""
    if value is None:
        return np.ones(len(df), dtype=bool)
    try:
        if isinstance(value, str):
            result = df.eval(value)
        elif callable(value):
            result = value(df)
        else:
            result = value
        if isinstance(result, pd.Series):
            if len(result) == len(df) and not result.index.equals(df.index):
                result = result.to_numpy()
            else:
                result = result.reindex(df.index).to_numpy()
        result = np.asarray(pd.array(result, dtype="boolean").fillna(False), dtype=bool)
    except InputError:
        raise
    except Exception as exc:  # a bad query or callable is a usage problem, not a crash
        raise InputError(Problem(f"{function}: argument {argument} could not be evaluated: {exc}")) from exc
    if result.shape != (len(df),):
        raise InputError(Problem(f"{function}: argument {argument} must give one value per record"))
    return result


def sort_spec(order: Sequence[OrderItem] | None) -> tuple[list[str], list[bool]]:
    """Column names and ascending flags from an order argument."""
    if order is None:
        return [], []
    items = [order] if isinstance(order, (str, tuple)) else list(order)
    cols, asc = [], []
    for item in items:
        if isinstance(item, tuple):
            cols.append(item[0])
            asc.append(item[1] == "asc")
        else:
            cols.append(item)
            asc.append(True)
    return cols, asc


def record_label(df: pd.DataFrame, positions: Iterable[int], keys: Sequence[str] | None = None) -> list[str]:
    """Human labels such as ``USUBJID=01-701-1015 AESEQ=3`` for records at row positions."""
    if keys is None:
        keys = [c for c in df.columns if c == "USUBJID" or (len(c) <= 8 and c.endswith("SEQ"))][:2]
    positions = list(positions)
    if not keys:
        return [f"row {p + 1}" for p in positions]
    sub = df[list(keys)].iloc[positions]
    out = []
    for p, row in zip(positions, sub.itertuples(index=False)):
        parts = [f"{k}={_fmt(v)}" for k, v in zip(keys, row)]
        out.append(" ".join(parts) if parts else f"row {p + 1}")
    return out


def _fmt(value: Any) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return "<missing>"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def key_examples(df: pd.DataFrame, keys: Sequence[str], mask: np.ndarray, limit: int = 5) -> str:
    """A few key combinations where ``mask`` holds, for error messages."""
    sub = df.loc[mask, list(keys)].drop_duplicates().head(limit)
    return "; ".join(
        ", ".join(f"{k}={_fmt(v)}" for k, v in zip(keys, row)) for row in sub.itertuples(index=False)
    )


def flag_values(mask: np.ndarray, true_value: Any, false_value: Any, missing: np.ndarray | None = None,
                missing_value: Any = None, index: pd.Index | None = None) -> pd.Series:
    """A flag column from a boolean mask: true_value / false_value, missing where ``missing``."""
    values = [true_value, false_value] + ([missing_value] if missing is not None else [])
    is_str = all(v is None or isinstance(v, str) for v in values)
    if is_str:  # a text column taken from its three possible values
        choice = np.where(mask, 0, 1)
        if missing is not None:
            choice[missing] = 2
        table = pd.array(values + [None] * (3 - len(values)), dtype="str")
        return pd.Series(table.take(choice), index=index)
    num = np.where(mask, np.nan if true_value is None else true_value,
                   np.nan if false_value is None else false_value).astype(float)
    if missing is not None:
        num[missing] = np.nan if missing_value is None else missing_value
    return pd.Series(num, index=index)


def check_mapping(checker: Checker, argument: str, value: Any) -> bool:
    if value is not None and not isinstance(value, Mapping):
        checker.fail(f"argument {argument} must be a mapping of column name to value")
        return False
    return True
