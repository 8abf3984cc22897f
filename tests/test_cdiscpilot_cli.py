"""`adam build --study cdiscpilot` finds the real SDTM through the spec's default_sdtm."""

from __future__ import annotations

from adam.cli import main


def test_build_by_study_name_runs_end_to_end(tmp_path, monkeypatch):
    out = tmp_path / "cdiscpilot"
    assert main(["build", "--study", "cdiscpilot", "--out", str(out), "--quiet"]) == 0
    for name in ("adsl.xpt", "adae.xpt", "adtte.xpt", "define.xml", "define.html",
                 "datasetjson/adtte.ndjson", "manifest.json", "validation/report.json"):
        assert (out / name).is_file(), name
