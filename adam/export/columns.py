"""Column and dataset metadata passed to writers and returned by readers.

This is the small, format-neutral description that XPT, Dataset-JSON and the SDTM readers
share; the full study spec (adam.spec) is converted to it with :func:`from_spec` helpers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

DataType = Literal["text", "integer", "float", "date", "datetime", "time"]


@dataclass(frozen=True)
class ColumnMeta:
    """One variable: name, label, data type, character length and SAS display format."""

    name: str
    label: str
    type: DataType = "text"
    length: int | None = None
    display_format: str | None = None

    @property
    def is_numeric(self) -> bool:
        return self.type != "text"


@dataclass(frozen=True)
class DatasetMeta:
    """One dataset: name, label, ordered columns and key variables."""

    name: str
    label: str
    columns: tuple[ColumnMeta, ...]
    keys: tuple[str, ...] = field(default_factory=tuple)

    def column(self, name: str) -> ColumnMeta:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)
