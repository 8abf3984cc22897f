"""Atomic output folders, hashes and the manifest."""

from __future__ import annotations

import hashlib
import json

import pytest

from adam.errors import InputError
from adam.export.package import (
    file_hashes,
    hash_file,
    hash_folder,
    staged_output,
    verify_manifest,
    write_manifest,
)

SHA_ABC = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"  # sha256("abc"), FIPS 180-2


def test_hash_file_known_value(tmp_path):
    (tmp_path / "a.txt").write_bytes(b"abc")
    assert hash_file(tmp_path / "a.txt") == SHA_ABC


def test_hash_folder_depends_on_names_and_content_not_order(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "b.xpt").write_bytes(b"abc")
    (tmp_path / "sub" / "a.xpt").write_bytes(b"xyz")
    (tmp_path / "notes.txt").write_bytes(b"ignored by the pattern")
    expected_lines = f"b.xpt\t{SHA_ABC}\nsub/a.xpt\t{hashlib.sha256(b'xyz').hexdigest()}\n"
    assert hash_folder(tmp_path, "*.xpt") == hashlib.sha256(expected_lines.encode()).hexdigest()
    assert list(file_hashes(tmp_path, "*.xpt")) == ["b.xpt", "sub/a.xpt"]
    before = hash_folder(tmp_path, "*.xpt")
    (tmp_path / "b.xpt").write_bytes(b"abd")
    assert hash_folder(tmp_path, "*.xpt") != before
    with pytest.raises(InputError, match="folder not found"):
        hash_folder(tmp_path / "missing")


def test_manifest_lists_every_file_sorted_and_is_deterministic(tmp_path):
    (tmp_path / "xpt").mkdir()
    (tmp_path / "xpt" / "adsl.xpt").write_bytes(b"abc")
    (tmp_path / "define.xml").write_bytes(b"<x/>")
    path = write_manifest(tmp_path, tool_version="0.1.0", spec_hash="s" * 8, input_hashes={"sdtm/dm.xpt": "d1",
                                                                                          "sdtm/ae.xpt": "a1"})
    first = path.read_bytes()
    doc = json.loads(first)
    assert doc == {
        "tool_version": "0.1.0",
        "spec_hash": "ssssssss",
        "inputs": {"sdtm/ae.xpt": "a1", "sdtm/dm.xpt": "d1"},
        "files": [
            {"path": "define.xml", "size": 4, "sha256": hashlib.sha256(b"<x/>").hexdigest()},
            {"path": "xpt/adsl.xpt", "size": 3, "sha256": SHA_ABC},
        ],
    }
    assert first.endswith(b"}\n")
    # writing again (the manifest now exists) gives the same bytes
    assert write_manifest(tmp_path, tool_version="0.1.0", spec_hash="s" * 8,
                          input_hashes={"sdtm/ae.xpt": "a1", "sdtm/dm.xpt": "d1"}).read_bytes() == first
    assert verify_manifest(tmp_path) == []
    (tmp_path / "xpt" / "adsl.xpt").write_bytes(b"abd")
    (tmp_path / "extra.txt").write_bytes(b"")
    assert [(p.file, p.message) for p in verify_manifest(tmp_path)] == [
        ("extra.txt", "file is not listed in the manifest"),
        ("xpt/adsl.xpt", "file differs from the manifest (size or sha256)"),
    ]


def test_staged_output_replaces_the_folder_on_success(tmp_path):
    final = tmp_path / "out"
    final.mkdir()
    (final / "old.txt").write_text("old")
    with staged_output(final) as stage:
        assert stage.parent == tmp_path and stage != final and list(stage.iterdir()) == []
        (stage / "new.txt").write_text("new")
        assert (final / "old.txt").exists()  # nothing visible until success
    assert sorted(p.name for p in final.iterdir()) == ["new.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no staging or old folder left


def test_staged_output_leaves_previous_output_untouched_on_failure(tmp_path):
    final = tmp_path / "out"
    final.mkdir()
    (final / "old.txt").write_text("old")
    with pytest.raises(RuntimeError, match="derivation failed"):
        with staged_output(final) as stage:
            (stage / "half.xpt").write_text("partial")
            raise RuntimeError("derivation failed")
    assert [(p.name, p.read_text()) for p in final.iterdir()] == [("old.txt", "old")]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_staged_output_creates_a_new_folder(tmp_path):
    final = tmp_path / "deeper" / "out"
    with staged_output(final) as stage:
        (stage / "a.txt").write_text("a")
    assert (final / "a.txt").read_text() == "a"
    (tmp_path / "file").write_text("x")
    with pytest.raises(InputError, match="not a folder"):
        with staged_output(tmp_path / "file"):
            pass


def test_written_files_get_ordinary_permissions(tmp_path):
    import os

    import pandas as pd

    from adam.export.columns import ColumnMeta, DatasetMeta
    from adam.export.datasetjson import write_dataset_json
    from adam.export.package import default_mode
    from adam.export.xpt import write_xpt

    old = os.umask(0o022)
    try:
        assert default_mode() == 0o644 and default_mode(directory=True) == 0o755
        meta = DatasetMeta("ADX", "X", (ColumnMeta("A", "A"),))
        xpt = write_xpt(pd.DataFrame({"A": ["x"]}), tmp_path / "adx.xpt", meta)[0]
        js = write_dataset_json(pd.DataFrame({"A": ["x"]}), tmp_path / "adx.json", meta, study_oid="S")
        assert (xpt.stat().st_mode & 0o777, js.stat().st_mode & 0o777) == (0o644, 0o644)
        with staged_output(tmp_path / "out") as stage:
            pass
        assert (tmp_path / "out").stat().st_mode & 0o777 == 0o755
    finally:
        os.umask(old)
