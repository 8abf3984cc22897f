"""Independent QC (validation/): the SQL re-derivations agree with production on simulated
CAMMS223 studies, catch a deliberately altered production frame, and report bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import adam.console
from adam.errors import InputError
from validation import run_qc as rq
from validation.sdtm import MACROS, connect_sdtm

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "specs" / "camms223"


@pytest.fixture(autouse=True)
def _loud(monkeypatch):
    monkeypatch.setitem(adam.console._state, "quiet", False)
    monkeypatch.setitem(adam.console._state, "verbose", False)


def _production(sdtm: Path) -> dict[str, pd.DataFrame]:
    from adam.pipeline import derive_all, load_checked_spec
    from adam.sdtm.read import load_sdtm

    return derive_all(load_checked_spec(SPEC), load_sdtm(sdtm).frames).datasets


def _write_xpt(frames: dict[str, pd.DataFrame], folder: Path) -> Path:
    from adam.export.from_spec import dataset_meta
    from adam.export.xpt import write_xpt
    from adam.pipeline import load_checked_spec

    spec = load_checked_spec(SPEC)
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in frames.items():
        write_xpt(frame, folder / f"{name.lower()}.xpt", dataset_meta(spec.dataset(name)))
    return folder


@pytest.fixture(scope="module")
def small_study(tmp_path_factory) -> tuple[Path, dict[str, pd.DataFrame], dict[str, pd.DataFrame]]:
    """A 400-subject simulated study (seed 7): SDTM folder, production frames, QC frames."""
    from adam.simulate import simulate_study

    sdtm = tmp_path_factory.mktemp("qc") / "sdtm"
    simulate_study(study="camms223", seed=7, subjects=400, out=sdtm, fmt="xpt")
    return sdtm, _production(sdtm), rq.qc_datasets(sdtm, SPEC)


def _assert_equal(results) -> None:
    from adam.compare import to_markdown

    bad = [r for r in results if r.has_differences]
    assert not bad, to_markdown(bad)


def test_qc_covers_the_key_datasets(small_study):
    _, _, qc = small_study
    assert {"ADSL", "ADAE", "ADRR", "ADTTE"} <= set(qc)
    assert set(qc["ADTTE"]["PARAMCD"]) == {"CDW6", "CDI6", "CDWACDI", "NEDALOSS", "RLPS1"}
    for var in ("ASTDT", "ASTDTF", "TRTEMFL", "AYEAR", "ACRSN", "IARFL", "AOCCFL", "AOCPYFL",
                *(f"CQ{n:02d}NAM" for n in range(1, 8))):
        assert var in qc["ADAE"].columns


def test_qc_zero_differences_small_study(small_study):
    _, production, qc = small_study
    results = rq.compare_with_production(qc, production)
    _assert_equal(results)
    by_name = {r.name: r for r in results}
    assert by_name["ADSL"].n_matched == 400 and by_name["ADSL"].n_vars_compared >= 60
    assert by_name["ADAE"].n_matched == len(production["ADAE"])


def test_qc_zero_differences_default_study(camms223_sdtm):
    qc = rq.qc_datasets(camms223_sdtm, SPEC)
    results = rq.compare_with_production(qc, _production(camms223_sdtm))
    _assert_equal(results)
    adsl = qc["ADSL"]
    # the paper's cohort: 108 treated with 12 mg, 60 entered the extension, 48 did not
    assert (adsl["A12FL"] == "Y").sum() == 108
    assert (adsl["LTCFL"] == "Y").sum() == 60
    assert (adsl["DISCGRFL"] == "Y").sum() == 48


def test_altered_production_is_caught(small_study):
    _, production, qc = small_study
    adae = production["ADAE"].copy()
    row = int(np.flatnonzero((adae["TRTEMFL"] == "Y").to_numpy())[0])
    subject, seq = adae.at[row, "USUBJID"], adae.at[row, "AESEQ"]
    adae.loc[row, "TRTEMFL"] = pd.NA
    adae.loc[row, "AYEAR"] = adae.at[row, "AYEAR"] + 1
    adsl = production["ADSL"].copy()
    adsl = adsl.drop(index=3).reset_index(drop=True)
    results = {r.name: r for r in rq.compare_with_production(qc, {**production, "ADAE": adae, "ADSL": adsl})}
    diff = results["ADAE"].diff_for("TRTEMFL")
    assert diff is not None and diff.n_diff == 1
    example = diff.examples[0]
    assert example.key["USUBJID"] == subject and example.key["AESEQ"] == seq
    assert example.compare == "Y" and pd.isna(example.base)
    assert results["ADAE"].diff_for("AYEAR").examples[0].diff == -1
    assert results["ADSL"].n_records_only_in_compare == 1
    assert results["ADRR"].has_differences is False


def test_altered_time_to_event_is_caught(small_study):
    _, production, qc = small_study
    adtte = production["ADTTE"].copy()
    row = int(np.flatnonzero(((adtte["PARAMCD"] == "CDW6") & (adtte["CNSR"] == 0)).to_numpy())[0])
    adtte.loc[row, "CNSR"] = 1.0
    result = {r.name: r for r in rq.compare_with_production(qc, {**production, "ADTTE": adtte})}["ADTTE"]
    diff = result.diff_for("CNSR")
    assert diff.n_diff == 1 and diff.examples[0].key["PARAMCD"] == "CDW6"
    assert (diff.examples[0].base, diff.examples[0].compare) == (1, 0)


def test_variable_missing_from_production_is_a_difference(small_study):
    _, production, qc = small_study
    results = {r.name: r for r in rq.compare_with_production(
        qc, {**production, "ADAE": production["ADAE"].drop(columns=["IARFL"])})}
    assert results["ADAE"].vars_only_in_compare == ["IARFL"]
    missing = {r.name: r for r in rq.compare_with_production(qc, {"ADSL": production["ADSL"]})}
    assert missing["ADAE"].status == "only in compare" and missing["ADAE"].has_differences


def test_run_qc_cli_exit_codes(small_study, tmp_path, capsys):
    sdtm, production, _ = small_study
    names = ("ADSL", "ADAE", "ADRR", "ADTTE")
    good = _write_xpt({n: production[n] for n in names}, tmp_path / "good")
    with pytest.raises(SystemExit) as ok:
        rq.cli(["--sdtm", str(sdtm), "--adam", str(good), "--spec", str(SPEC), "--out", str(tmp_path / "rep")],
               standalone_mode=True)
    assert ok.value.code in (0, None)
    assert "0 with differences" in (tmp_path / "rep" / "qc_report.md").read_text()

    adae = production["ADAE"].copy()
    adae.loc[0, "ASTDT"] = adae.at[0, "ASTDT"] + 1
    bad = _write_xpt({**{n: production[n] for n in names}, "ADAE": adae}, tmp_path / "bad")
    with pytest.raises(SystemExit) as found:
        rq.cli(["--sdtm", str(sdtm), "--adam", str(bad), "--spec", str(SPEC), "-q"])
    assert found.value.code == 1
    assert "ADAE: DIFFERENCES - 1 values in 1 variables" in capsys.readouterr().err.replace("\n", " ")

    with pytest.raises(SystemExit) as missing:
        rq.cli(["--sdtm", str(tmp_path / "nowhere"), "--adam", str(good), "--spec", str(SPEC)])
    assert missing.value.code == 2


def test_missing_domain_is_named(tmp_path):
    (tmp_path / "dm.xpt").write_bytes(b"")
    with pytest.raises(InputError) as err:
        connect_sdtm(tmp_path, ["DM", "AE", "EX"])
    text = str(err.value)
    assert "SDTM domain AE missing" in text and "SDTM domain EX missing" in text
    with pytest.raises(InputError, match="SDTM folder not found"):
        connect_sdtm(tmp_path / "none", ["DM"])


def test_date_macros_by_hand():
    import duckdb

    con = duckdb.connect()
    con.execute(MACROS)
    row = con.execute(
        "SELECT iso_sasday('1960-01-02'), iso_sasday('2004-02'), iso_first('2004-02'), iso_last('2004-02'),"
        " iso_first('2004'), iso_last('2004'), iso_last(NULL), iso_sasday('2004-02-30'),"
        " iso_sasday('2004-03-01T10:00')").fetchone()
    # 2004-02-01 = 16102, 2004-02-29 = 16130 (leap year), 2004-01-01 = 16071, 2004-12-31 = 16436
    assert row == (1, None, 16102, 16130, 16071, 16436, None, None, 16131)
