"""`compare_paths`: compare two dataset files, or two folders dataset by dataset.

Folders are matched by dataset name (file stem, case-insensitive); a dataset found in one
folder only is reported as such. Keys given for folders apply to every dataset: a key that
neither side of a dataset has is left out for that dataset (with a note), a key that only
one side has is an error.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Iterable

from adam.compare.engine import compare_datasets, split_keys
from adam.compare.readers import FORMATS, dataset_format, read_dataset, settle_csv_types
from adam.compare.result import CompareResult
from adam.console import log
from adam.errors import InputError, Problem


def _folder_datasets(folder: Path) -> dict[str, Path]:
    """Dataset name (upper-case stem) -> file, for every supported file in ``folder``."""
    found: dict[str, list[Path]] = {}
    for path in sorted(folder.iterdir()):
        if path.is_file() and dataset_format(path):
            found.setdefault(path.stem.upper(), []).append(path)
    problems = [
        Problem(
            f"dataset {name} is there in more than one file: " + ", ".join(p.name for p in paths)
            + "; keep one format per dataset in a folder",
            file=str(folder),
            dataset=name,
        )
        for name, paths in found.items()
        if len(paths) > 1
    ]
    if problems:
        raise InputError(problems)
    return {name: paths[0] for name, paths in found.items()}


def _compare_files(
    base_path: Path, compare_path: Path, keys: list[str], folder_mode: bool, options: dict[str, Any]
) -> CompareResult:
    started = time.perf_counter()
    base, base_meta = read_dataset(base_path)
    compare, compare_meta = read_dataset(compare_path)
    log.debug("read %s and %s in %.2f s", base_path, compare_path, time.perf_counter() - started)
    base_csv, compare_csv = dataset_format(base_path) == "csv", dataset_format(compare_path) == "csv"
    if base_csv:
        base = settle_csv_types(base, compare, compare_csv)
    if compare_csv:
        compare = settle_csv_types(compare, base, base_csv)
    name = (base_meta.name if base_meta else None) or base_path.stem.upper()
    notes = []
    if folder_mode and keys:
        bcols = {str(c).upper() for c in base.columns}
        ccols = {str(c).upper() for c in compare.columns}
        absent = [k for k in keys if k.upper() not in bcols and k.upper() not in ccols]
        if absent:
            keys = [k for k in keys if k not in absent]
            notes.append(f"key variable(s) {', '.join(absent)} not in this dataset: not used for it")
    result = compare_datasets(
        base,
        compare,
        keys,
        base_meta=base_meta,
        compare_meta=compare_meta,
        name=name,
        base_path=str(base_path),
        compare_path=str(compare_path),
        **options,
    )
    result.notes[:0] = notes
    log.debug("compared %s in %.2f s", result.name, time.perf_counter() - started)
    return result


def compare_paths(
    base_path: Path | str,
    compare_path: Path | str,
    keys: str | Iterable[str] | None = None,
    **options: Any,
) -> list[CompareResult]:
    """Compare two dataset files (any supported formats, may differ) or two folders.

    ``options`` are those of :func:`compare_datasets` (abs_tol, rel_tol, round_digits,
    ignore_trailing_blanks, ignore_case, strict_missing, max_diffs). Returns one result per
    dataset, in name order for folders. Raises InputError (all problems at once) for missing
    paths, a file compared with a folder, unknown formats, unreadable files or bad keys.
    """
    base_path, compare_path = Path(base_path), Path(compare_path)
    key_list = split_keys(keys)
    problems = [
        Problem("file or folder not found", file=str(p)) for p in (base_path, compare_path) if not p.exists()
    ]
    if problems:
        raise InputError(problems)
    if base_path.is_dir() != compare_path.is_dir():
        raise InputError(
            Problem(
                f"cannot compare a folder with a file: {base_path} is "
                f"{'a folder' if base_path.is_dir() else 'a file'}, {compare_path} is "
                f"{'a folder' if compare_path.is_dir() else 'a file'}"
            )
        )
    if not base_path.is_dir():
        return [_compare_files(base_path, compare_path, key_list, False, options)]

    base_sets, compare_sets = _folder_datasets(base_path), _folder_datasets(compare_path)
    if not base_sets and not compare_sets:
        raise InputError(
            Problem(
                f"no dataset files ({', '.join(sorted(FORMATS))}) in either folder",
                file=f"{base_path}, {compare_path}",
            )
        )
    results: list[CompareResult] = []
    problems = []
    for name in sorted(set(base_sets) | set(compare_sets)):
        b, c = base_sets.get(name), compare_sets.get(name)
        if b is None or c is None:
            results.append(
                CompareResult(
                    name=name,
                    base_path=str(b) if b else None,
                    compare_path=str(c) if c else None,
                    status="only in base" if c is None else "only in compare",
                    keys=key_list,
                )
            )
            continue
        try:
            results.append(_compare_files(b, c, key_list, True, options))
        except InputError as error:
            problems.extend(error.problems)
    if problems:
        raise InputError(problems)
    return results
