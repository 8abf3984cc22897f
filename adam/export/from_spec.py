"""Turn spec datasets into the format-neutral metadata the writers take."""

from __future__ import annotations

from adam.export.columns import ColumnMeta, DatasetMeta
from adam.spec.model import Dataset


def dataset_meta(dataset: Dataset) -> DatasetMeta:
    """Name, label, ordered columns (type, length, display format) and keys of a spec dataset."""
    columns = tuple(
        ColumnMeta(name=v.name, label=v.label, type=v.type, length=v.length,
                   display_format=v.display_format)
        for v in dataset.variables
    )
    return DatasetMeta(name=dataset.name, label=dataset.label, columns=columns,
                       keys=tuple(dataset.keys))
