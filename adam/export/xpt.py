"""SAS transport (XPT v5) writing with pyreadstat.

First cut: writes the frame with labels and formats from :class:`DatasetMeta`.
(The checks before writing and the read-back after it are being added.)
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyreadstat

from adam.export.columns import DatasetMeta


def write_xpt(df: pd.DataFrame, path: Path, meta: DatasetMeta) -> None:
    """Write ``df`` as an XPT v5 file at ``path`` with the names, labels and formats of ``meta``."""
    columns = [c.name for c in meta.columns]
    frame = df.loc[:, columns]
    pyreadstat.write_xport(
        frame,
        str(path),
        file_label=meta.label,
        column_labels=[c.label for c in meta.columns],
        table_name=meta.name.upper(),
        file_format_version=5,
        variable_format={c.name: c.display_format for c in meta.columns if c.display_format},
    )
