"""Read a folder of datasets to validate: XPT, sas7bdat or Dataset-JSON (json / ndjson).

A folder may hold the same dataset in several formats (a submission package has XPT and
Dataset-JSON side by side); one format is read per dataset, by the preference order below
(or the format asked for), and the others are listed so that the caller can say so.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from adam.errors import InputError, Problem
from adam.export.columns import DatasetMeta

PREFERENCE = (".xpt", ".sas7bdat", ".json", ".ndjson")
FORMAT_SUFFIXES = {"auto": PREFERENCE, "xpt": (".xpt",), "sas7bdat": (".sas7bdat",),
                   "json": (".json", ".ndjson")}
#: Files in a package folder that are not datasets.
NOT_DATASETS = {"define", "manifest", "build_report", "validation", "dataset-json", "datasetjson"}


def find_dataset_files(folder: Path, fmt: str = "auto") -> tuple[dict[str, Path], list[Path]]:
    """Dataset name -> the file to read, and the files skipped because another format won."""
    if fmt not in FORMAT_SUFFIXES:
        raise InputError(Problem(f"unknown format {fmt!r}; expected one of "
                                 + ", ".join(FORMAT_SUFFIXES)))
    suffixes = FORMAT_SUFFIXES[fmt]
    chosen: dict[str, Path] = {}
    skipped: list[Path] = []
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in suffixes
                   and p.stem.lower() not in NOT_DATASETS)
    files.sort(key=lambda p: (suffixes.index(p.suffix.lower()), p.name))
    for path in files:
        name = path.stem.upper()
        if name in chosen:
            skipped.append(path)
        else:
            chosen[name] = path
    return dict(sorted(chosen.items())), skipped


def read_dataset_folder(
    folder: Path | str, fmt: str = "auto"
) -> tuple[dict[str, pd.DataFrame], dict[str, DatasetMeta], list[Path]]:
    """Read every dataset of ``folder``: frames, file metadata, and the files not read.

    Dates stay SAS numbers. Unreadable files are collected and raised together as one
    :class:`InputError`; an empty folder is an error too.
    """
    from adam.compare.readers import read_dataset

    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(Problem("folder not found", file=str(folder)))
    files, skipped = find_dataset_files(folder, fmt)
    if not files:
        raise InputError(Problem(f"no dataset files ({', '.join(FORMAT_SUFFIXES[fmt])}) in the folder",
                                 file=str(folder)))
    frames: dict[str, pd.DataFrame] = {}
    metas: dict[str, DatasetMeta] = {}
    problems: list[Problem] = []
    for name, path in files.items():
        try:
            df, meta = read_dataset(path)
        except InputError as error:
            problems.extend(error.problems)
            continue
        frames[name] = df
        if meta is not None:
            metas[name] = meta
    if problems:
        raise InputError(problems)
    return frames, metas, skipped
