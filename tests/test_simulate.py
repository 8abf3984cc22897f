"""The CAMMS223 simulator: determinism, SDTM structure, scaling and bad arguments."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from adam.cli import main
from adam.errors import InputError
from adam.simulate import simulate_study
from adam.simulate.build import build_datasets

DOMAINS = {"dm", "ds", "ex", "suppex", "ae", "cm", "ce", "mh", "rs", "nv", "sv", "se", "ta", "te", "ts"}
ISO = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def digest(folder: Path) -> dict[str, str]:
    return {f.name: hashlib.sha256(f.read_bytes()).hexdigest() for f in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("small") / "sdtm"
    simulate_study("camms223", 7, 40, out)
    return out


@pytest.fixture(scope="module")
def default_frames() -> dict[str, pd.DataFrame]:
    return build_datasets(2026, None)


def test_same_seed_gives_the_same_bytes(small, tmp_path):
    again = tmp_path / "again"
    simulate_study("camms223", 7, 40, again)
    assert digest(again) == digest(small)
    assert {f.split(".")[0] for f in digest(small)} == DOMAINS


def test_other_seed_gives_other_data(small, tmp_path):
    other = tmp_path / "other"
    simulate_study("camms223", 8, 40, other)
    a, b = digest(small), digest(other)
    assert a["dm.xpt"] != b["dm.xpt"] and a["rs.xpt"] != b["rs.xpt"] and a["ae.xpt"] != b["ae.xpt"]
    assert a["te.xpt"] == b["te.xpt"]  # trial design does not depend on the seed


def test_small_cohort_scales_the_arms(small):
    dm, _ = pyreadstat.read_xport(str(small / "dm.xpt"))
    assert len(dm) == 40
    # 40 * (111, 110, 110) / 331 by largest remainder
    assert dm["ARMCD"].value_counts().to_dict() == {"IFNB44": 14, "ALEM12": 13, "ALEM24": 13}


def test_required_variables_and_keys(default_frames):
    req = {
        "DM": ["STUDYID", "DOMAIN", "USUBJID", "SUBJID", "RFSTDTC", "SITEID", "SEX", "ARMCD", "ARM", "ACTARMCD", "ACTARM", "COUNTRY"],
        "AE": ["STUDYID", "DOMAIN", "USUBJID", "AESEQ", "AETERM", "AEDECOD", "AEBODSYS", "AESTDTC"],
        "EX": ["STUDYID", "DOMAIN", "USUBJID", "EXSEQ", "EXTRT", "EXDOSE", "EXDOSU", "EXSTDTC"],
        "DS": ["STUDYID", "DOMAIN", "USUBJID", "DSSEQ", "DSTERM", "DSDECOD", "DSCAT", "DSSTDTC"],
        "RS": ["STUDYID", "DOMAIN", "USUBJID", "RSSEQ", "RSTESTCD", "RSTEST", "RSCAT", "RSORRES", "RSSTRESN", "RSDTC"],
        "NV": ["STUDYID", "DOMAIN", "USUBJID", "NVSEQ", "NVTESTCD", "NVTEST", "NVORRES", "NVSTRESN", "NVDTC"],
        "CE": ["STUDYID", "DOMAIN", "USUBJID", "CESEQ", "CETERM", "CEDECOD", "CESTDTC"],
        "SV": ["STUDYID", "DOMAIN", "USUBJID", "VISITNUM", "VISIT", "SVSTDTC"],
    }
    for name, cols in req.items():
        df = default_frames[name]
        assert set(cols) <= set(df.columns), name
        if name != "SUPPEX" and "DOMAIN" in df:
            assert (df["DOMAIN"] == name).all()
        seq = f"{name}SEQ"
        if seq in df:
            assert not df.duplicated(["USUBJID", seq]).any(), name
            assert (df.groupby("USUBJID")[seq].min() == 1).all()
    sv = default_frames["SV"]
    assert not sv.duplicated(["USUBJID", "VISITNUM"]).any()
    assert default_frames["DM"]["USUBJID"].is_unique


def test_dates_are_iso_8601_and_partial_dates_occur(default_frames):
    for name, df in default_frames.items():
        for col in [c for c in df.columns if c.endswith("DTC")]:
            vals = df[col][df[col] != ""]
            assert vals.str.match(ISO).all(), (name, col)
    ae, cm, ce = default_frames["AE"], default_frames["CM"], default_frames["CE"]
    for df, col in ((ae, "AESTDTC"), (cm, "CMSTDTC"), (ce, "CESTDTC")):
        lengths = df[col].str.len()
        assert (lengths == 7).any() and (lengths == 10).mean() > 0.85, col
    # study day is missing exactly where the date is partial
    assert ae.loc[ae["AESTDTC"].str.len() < 10, "AESTDY"].isna().all()


def test_controlled_terms(default_frames):
    f = default_frames
    assert set(f["DM"]["ARMCD"]) == {"IFNB44", "ALEM12", "ALEM24"}
    assert set(f["DM"]["ACTARMCD"]) == {"IFNB44", "ALEM12", "ALEM24", ""}
    nt = f["DM"][f["DM"]["ACTARMCD"] == ""]
    assert len(nt) == 4 and (nt["ARMNRS"] == "ASSIGNED, NOT TREATED").all() and (nt["RFSTDTC"] == "").all()
    assert set(f["AE"]["AESEV"]) == {"MILD", "MODERATE", "SEVERE"}
    assert set(f["AE"]["AESER"]) == {"Y", "N"}
    assert set(f["DS"]["DSCAT"]) == {"PROTOCOL MILESTONE", "DISPOSITION EVENT"}
    assert set(f["DS"]["DSDECOD"]) <= {
        "INFORMED CONSENT OBTAINED", "RANDOMIZED", "COMPLETED", "ADVERSE EVENT", "LACK OF EFFICACY", "DEATH",
        "NON-COMPLIANCE WITH STUDY DRUG", "WITHDRAWAL BY SUBJECT", "LOST TO FOLLOW-UP", "PHYSICIAN DECISION", "OTHER"}
    epochs = {"SCREENING", "TREATMENT", "FOLLOW-UP", "EXTENSION 1", "EXTENSION 2"}
    for name in ("AE", "CM", "CE", "DS", "EX", "RS", "NV", "SV", "SE"):
        assert set(f[name]["EPOCH"]) <= epochs, name
    assert set(f["RS"]["RSTESTCD"]) == {"EDSS0101"} and set(f["RS"]["RSCAT"]) == {"EDSS"}
    edss = f["RS"]["RSSTRESN"].to_numpy()
    assert np.all(edss * 2 == np.round(edss * 2)) and not np.any(edss == 0.5) and edss.max() <= 9.5
    assert set(f["NV"]["NVTESTCD"]) == {"NGDT1LES", "NT2LES", "NT1HLES"}
    alem = f["EX"][f["EX"]["EXTRT"] == "ALEMTUZUMAB"]
    assert set(alem["EXDOSE"]) == {12.0, 24.0} and set(alem["EXGRPID"]) == {f"COURSE {k}" for k in range(1, 8)}
    ts = f["TS"].set_index("TSPARMCD")["TSVAL"]
    assert ts["DCUTDTC"] == "2016-08-31"


def test_course_structure(default_frames):
    ex = default_frames["EX"]
    alem = ex[ex["EXTRT"] == "ALEMTUZUMAB"].copy()
    alem["D"] = pd.to_datetime(alem["EXSTDTC"])
    per = alem.groupby(["USUBJID", "EXGRPID"])["D"].agg(["min", "max", "count"]).reset_index()
    first = per["EXGRPID"] == "COURSE 1"
    assert (per.loc[first, "count"] == 5).all() and (per.loc[~first, "count"] == 3).all()
    per = per.sort_values(["USUBJID", "min"])
    gap = per.groupby("USUBJID")["min"].diff().dt.days.dropna()
    assert gap.min() >= 365
    # no infusion during the 2005-09-15 .. 2008-07-01 dosing suspension
    assert not ((alem["D"] >= "2005-09-15") & (alem["D"] < "2008-07-01")).any()


def test_defects_are_present(default_frames):
    f = default_frames
    rs = f["RS"]
    assert rs.duplicated(["USUBJID", "RSDTC"]).sum() > 10  # EDSS twice on a day
    assert (f["SV"]["VISIT"] == "UNSCHEDULED").sum() > 100
    ae = f["AE"].merge(f["DM"][["USUBJID", "RFSTDTC"]], on="USUBJID")
    full = ae["AESTDTC"].str.len() == 10
    assert (ae.loc[full, "AESTDTC"] < ae.loc[full, "RFSTDTC"]).sum() >= 5  # AEs before the first dose
    assert ((f["DS"]["DSDECOD"] == "INFORMED CONSENT OBTAINED").groupby(f["DS"]["USUBJID"]).sum() == 3).sum() > 40


def test_json_format_writes_dataset_json(tmp_path):
    out = tmp_path / "json"
    simulate_study("camms223", 3, 12, out, fmt="json")
    files = sorted(p.name for p in out.iterdir())
    assert files == sorted(f"{d}.json" for d in DOMAINS)


@pytest.mark.parametrize(
    "args, message",
    [
        (["--study", "camms999"], "unknown study"),
        (["--subjects", "0"], "subjects must be"),
        (["--subjects", "999999999"], "subjects must be"),
        (["--seed", "-1"], "seed must be"),
        (["--format", "csv"], "unknown format"),
    ],
)
def test_bad_arguments_exit_2_and_write_nothing(tmp_path, capsys, args, message):
    out = tmp_path / "out"
    code = main(["simulate", "--out", str(out), *args])
    assert code == 2
    assert not out.exists() and list(tmp_path.iterdir()) == []
    assert message in capsys.readouterr().err


def test_output_path_that_is_a_file_is_refused(tmp_path):
    target = tmp_path / "afile"
    target.write_text("keep me")
    with pytest.raises(InputError, match="not a folder"):
        simulate_study("camms223", 1, 10, target)
    assert target.read_text() == "keep me"


def test_all_problems_reported_at_once(tmp_path):
    with pytest.raises(InputError) as err:
        simulate_study("nope", -5, 0, tmp_path / "x", fmt="sas")
    assert len(err.value.problems) == 4


def test_existing_output_replaced_only_after_success(tmp_path, monkeypatch):
    out = tmp_path / "sdtm"
    out.mkdir()
    (out / "old.txt").write_text("old")
    import adam.simulate.build as b

    def boom(*a, **k):
        raise RuntimeError("disk full")

    monkeypatch.setattr("adam.export.xpt.write_xpt", boom)
    with pytest.raises(RuntimeError):
        b.write_datasets(build_datasets(1, 10), out, "xpt")
    assert [p.name for p in out.iterdir()] == ["old.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sdtm"]  # temporary folder removed
    monkeypatch.undo()
    simulate_study("camms223", 1, 10, out)
    assert not (out / "old.txt").exists() and (out / "dm.xpt").exists()


def test_discontinued_relapses_rise_before_withdrawal():
    """Model check on a large cohort: in the discontinued 12 mg group the relapse rate in the
    last DISC_PRE_WITHDRAWAL_DAYS before leaving is DISC_PRE_WITHDRAWAL_MULT (3.2) times the
    earlier rate, and the overall rate is the paper's 0.19 (frailty-adjusted: rate / mean Z)."""
    from adam.simulate import efficacy
    from adam.simulate.cohort import build_cohort

    c = build_cohort(5, 33100)
    s = c.subj
    disc = s.loc[s["GROUP"] == "DISC"]
    rel = efficacy.relapses(5, c)
    rel = rel.loc[rel["SID"].isin(disc["SID"])]
    end = disc.set_index("SID")["END"]
    late_days = np.minimum(end, efficacy.DISC_PRE_WITHDRAWAL_DAYS).sum()
    early_days = (end + 1).sum() - late_days
    late = (end.reindex(rel["SID"]).to_numpy() - rel["ONSET"].to_numpy()) < efficacy.DISC_PRE_WITHDRAWAL_DAYS
    ratio = (late.sum() / late_days) / ((~late).sum() / early_days)
    assert 2.8 < ratio < 3.6
    arr = len(rel) / ((end + 1).sum() / 365.25) / disc["Z"].mean()
    assert 0.17 < arr < 0.21
