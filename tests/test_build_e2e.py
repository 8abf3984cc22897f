"""`adam build` end to end on the simulated CAMMS223 study: the submission folder, its
reproducibility, and atomicity when the input is bad."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from adam.cli import main


SPEC = Path(__file__).resolve().parent.parent / "specs" / "camms223"


@pytest.fixture(scope="module")
def built(camms223_sdtm, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("build") / "camms223"
    code = main(["build", "--spec", str(SPEC), "--sdtm", str(camms223_sdtm), "--out", str(out),
                 "--quiet"])
    assert code == 0
    return out


def test_submission_folder_has_every_file(built):
    from adam.spec.load import load_spec

    names = [d.lower() for d in load_spec(SPEC).dataset_names]
    for name in names:
        assert (built / f"{name}.xpt").is_file()
        assert (built / "datasetjson" / f"{name}.json").is_file()
        assert (built / "datasetjson" / f"{name}.ndjson").is_file()
    for name in ("define.xml", "define.html", "define2-1.xsl", "manifest.json",
                 "validation/report.json", "validation/report.html"):
        assert (built / name).is_file(), name


def test_manifest_lists_every_file_with_its_hash(built):
    from adam.export.package import hash_file

    manifest = json.loads((built / "manifest.json").read_text())
    files = {f["path"]: f for f in manifest["files"]}
    on_disk = {p.relative_to(built).as_posix() for p in built.rglob("*")
               if p.is_file() and p.name != "manifest.json"}
    assert set(files) == on_disk
    for path, entry in files.items():
        assert entry["sha256"] == hash_file(built / path)
        assert entry["size"] == (built / path).stat().st_size
    assert manifest["spec_hash"] and manifest["inputs"]["dm.xpt"]


def test_validation_of_our_own_output_has_no_errors(built):
    report = json.loads((built / "validation" / "report.json").read_text())
    assert report["summary"]["error"] == 0


def test_xpt_matches_the_spec(built):
    from adam.export.xpt import read_xpt
    from adam.spec.load import load_spec

    spec = load_spec(SPEC)
    for ds in spec.datasets:
        frame, meta = read_xpt(built / f"{ds.name.lower()}.xpt")
        assert list(frame.columns) == ds.variable_names
        assert meta.label == ds.label
        assert [c.label for c in meta.columns] == [v.label for v in ds.variables]


def test_same_inputs_give_the_same_bytes(built, camms223_sdtm, tmp_path):
    again = tmp_path / "again"
    assert main(["build", "--spec", str(SPEC), "--sdtm", str(camms223_sdtm), "--out",
                 str(again), "--quiet"]) == 0
    first = json.loads((built / "manifest.json").read_text())
    second = json.loads((again / "manifest.json").read_text())
    assert first == second
    assert (built / "manifest.json").read_bytes() == (again / "manifest.json").read_bytes()


def test_bad_input_leaves_the_previous_output_untouched(built, camms223_sdtm, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(built, out)
    before = (out / "manifest.json").read_bytes()
    broken = tmp_path / "sdtm"
    shutil.copytree(camms223_sdtm, broken)
    (broken / "ex.xpt").unlink()
    code = main(["build", "--spec", str(SPEC), "--sdtm", str(broken), "--out", str(out), "-q"])
    assert code == 2
    assert (out / "manifest.json").read_bytes() == before
    assert sorted(p.name for p in out.parent.iterdir()) == ["out", "sdtm"]


def test_export_of_the_built_datasets_gives_the_same_bytes(built, tmp_path):
    out = tmp_path / "exported"
    assert main(["export", "--spec", str(SPEC), "--adam", str(built), "--out", str(out),
                 "-q"]) == 0
    for path in sorted(built.glob("*.xpt")) + sorted((built / "datasetjson").iterdir()) + [
            built / "define.xml"]:
        assert (out / path.relative_to(built)).read_bytes() == path.read_bytes(), path.name


def test_export_names_a_missing_dataset(built, tmp_path):
    partial = tmp_path / "partial"
    partial.mkdir()
    shutil.copy(built / "adsl.xpt", partial)
    assert main(["export", "--spec", str(SPEC), "--adam", str(partial), "--out",
                 str(tmp_path / "out"), "-q"]) == 2
    assert not (tmp_path / "out").exists()
