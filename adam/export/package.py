"""Atomic output folders, content hashes and the manifest of a submission folder.

:func:`staged_output` gives a fresh folder beside the final one; everything is written there and
the final folder is replaced only when the block finishes without an exception, so a failed run
leaves the previous output exactly as it was. :func:`write_manifest` lists every file of a
folder with its size and SHA-256, deterministically (sorted, no timestamps), together with the
tool version and the hashes of the spec and the inputs, so that a package can be traced and
re-verified byte for byte.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from adam.errors import InputError, Problem

MANIFEST_NAME = "manifest.json"
_CHUNK = 1 << 20


def default_mode(*, directory: bool = False) -> int:
    """Permissions a newly created file (0o666) or folder (0o777) gets under the current umask;
    used for files first written under ``tempfile`` names, which are private (0o600)."""
    mask = os.umask(0)
    os.umask(mask)
    return (0o777 if directory else 0o666) & ~mask


def hash_file(path: Path) -> str:
    """SHA-256 of a file's bytes, as 64 lower-case hex digits (read in 1 MiB chunks)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def file_hashes(path: Path, pattern: str = "*") -> dict[str, str]:
    """SHA-256 of every file under ``path`` (recursively) whose name matches ``pattern``, keyed
    by POSIX path relative to ``path``, sorted."""
    root = Path(path)
    files = sorted((p for p in root.rglob(pattern) if p.is_file()), key=lambda p: p.relative_to(root).as_posix())
    return {p.relative_to(root).as_posix(): hash_file(p) for p in files}


def hash_folder(path: Path, pattern: str = "*") -> str:
    """One SHA-256 over the files under ``path`` matching ``pattern``: over the sorted lines
    ``<relative path>\\t<file sha256>\\n``, so it changes when any name or content changes and
    does not depend on timestamps or the order the file system lists files in."""
    root = Path(path)
    if not root.is_dir():
        raise InputError(Problem("folder not found", file=str(root)))
    digest = hashlib.sha256()
    for rel, sha in file_hashes(root, pattern).items():
        digest.update(f"{rel}\t{sha}\n".encode("utf-8"))
    return digest.hexdigest()


def write_manifest(folder: Path, *, tool_version: str, spec_hash: str, input_hashes: dict[str, str]) -> Path:
    """Write ``manifest.json`` in ``folder`` listing every other file (relative path, size,
    sha256), sorted by path, with the tool version, spec hash and input hashes.

    The file is UTF-8 JSON with sorted input keys, two-space indent and a final newline; it
    holds no timestamps, so the same folder content always gives the same manifest bytes.
    """
    root = Path(folder)
    files = []
    for path in sorted((p for p in root.rglob("*") if p.is_file()), key=lambda p: p.relative_to(root).as_posix()):
        rel = path.relative_to(root).as_posix()
        if rel == MANIFEST_NAME:
            continue
        files.append({"path": rel, "size": path.stat().st_size, "sha256": hash_file(path)})
    manifest = {
        "tool_version": tool_version,
        "spec_hash": spec_hash,
        "inputs": {k: input_hashes[k] for k in sorted(input_hashes)},
        "files": files,
    }
    target = root / MANIFEST_NAME
    target.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8", newline="\n")
    return target


def verify_manifest(folder: Path) -> list[Problem]:
    """Compare a folder with its manifest: one problem per missing, extra or changed file."""
    root = Path(folder)
    try:
        manifest = json.loads((root / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        return [Problem(f"cannot read manifest: {error}", file=str(root / MANIFEST_NAME))]
    listed = {f["path"]: f for f in manifest.get("files", [])}
    present = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()} - {MANIFEST_NAME}
    problems = [Problem("file listed in the manifest is missing", file=rel) for rel in sorted(set(listed) - present)]
    problems += [Problem("file is not listed in the manifest", file=rel) for rel in sorted(present - set(listed))]
    for rel in sorted(present & set(listed)):
        path = root / rel
        if path.stat().st_size != listed[rel]["size"] or hash_file(path) != listed[rel]["sha256"]:
            problems.append(Problem("file differs from the manifest (size or sha256)", file=rel))
    return problems


@contextmanager
def staged_output(final_dir: Path) -> Iterator[Path]:
    """Yield an empty staging folder beside ``final_dir``; on success it replaces ``final_dir``.

    On an exception the staging folder is deleted and ``final_dir`` is left untouched. On
    success the old folder is first renamed aside, the staging folder renamed to
    ``final_dir``, then the old one deleted (if the second rename fails the old folder is put
    back). Both renames stay on one file system because the staging folder is a sibling.
    """
    final_dir = Path(final_dir)
    parent = final_dir.parent
    parent.mkdir(parents=True, exist_ok=True)
    if final_dir.exists() and not final_dir.is_dir():
        raise InputError(Problem("output path exists and is not a folder", file=str(final_dir)))
    stage = Path(tempfile.mkdtemp(prefix=f".{final_dir.name}.staging-", dir=parent))
    os.chmod(stage, final_dir.stat().st_mode & 0o7777 if final_dir.exists() else default_mode(directory=True))
    try:
        yield stage
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    if not final_dir.exists():
        os.rename(stage, final_dir)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{final_dir.name}.old-", dir=parent))
    os.rmdir(old)
    os.rename(final_dir, old)
    try:
        os.rename(stage, final_dir)
    except BaseException:
        os.rename(old, final_dir)
        shutil.rmtree(stage, ignore_errors=True)
        raise
    shutil.rmtree(old, ignore_errors=True)
