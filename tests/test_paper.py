"""The paper check (adam report paper): its statistics against hand computations on tiny
datasets, endpoints from hand-made ADaM frames, missing datasets, and the command line."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest

import adam.console
from adam.cli import main
from adam.report.endpoints import compute_endpoints
from adam.report.paper import paper_check
from adam.report.paper_values import BY_ID, PAPER_VALUES
from adam.report.stats import km_at, km_curve, nb_rate, proportion

Z = 1.959963984540054


@pytest.fixture(autouse=True)
def _loud(monkeypatch):
    monkeypatch.setitem(adam.console._state, "quiet", False)
    monkeypatch.setitem(adam.console._state, "verbose", False)


# ---------------------------------------------------------------- statistics


def test_km_by_hand():
    # 6 subjects, events at 1, 3, 4; censored at 2, 5, 6: S = 5/6, then 5/6*3/4, then *2/3
    t, e = [1, 2, 3, 4, 5, 6], [1, 0, 1, 1, 0, 0]
    assert km_at(t, e, 0.5).survival == 1.0
    assert km_at(t, e, 2.5).survival == pytest.approx(5 / 6)
    k = km_at(t, e, 3.5)
    assert k.survival == pytest.approx(0.625) and k.events == 3 and k.subjects == 6
    # Greenwood: var = S^2 * (1/(6*5) + 1/(4*3)); CI on log(-log S)
    se = 0.625 * np.sqrt(1 / 30 + 1 / 12)
    half = Z * se / abs(0.625 * np.log(0.625))
    assert k.lower == pytest.approx(0.625 ** np.exp(half), rel=1e-6)
    assert k.upper == pytest.approx(0.625 ** np.exp(-half), rel=1e-6)
    assert km_at(t, e, 10).survival == pytest.approx(5 / 6 * 3 / 4 * 2 / 3)
    times, surv = km_curve(t, e)
    assert times.tolist() == [0, 1, 3, 4] and surv == pytest.approx([1, 5 / 6, 0.625, 5 / 12])


def test_nb_rate_equal_exposure_is_the_crude_rate_with_robust_ci():
    # equal follow-up: the NB score equation gives exp(intercept) = events / person-years, and
    # the HC0 variance of the intercept is sum((y - mu)^2) / (sum mu)^2 = 5/36
    r = nb_rate([0, 2, 1, 3], [1, 1, 1, 1])
    assert r.rate == pytest.approx(1.5, rel=1e-6) and r.crude == 1.5
    assert r.lower == pytest.approx(1.5 * np.exp(-Z * np.sqrt(5 / 36)), rel=1e-6)
    assert r.upper == pytest.approx(1.5 * np.exp(Z * np.sqrt(5 / 36)), rel=1e-6)
    assert nb_rate([0, 1, 2, 0, 3, 1], [12] * 6).rate == pytest.approx(7 / 72, rel=1e-6)


def test_nb_rate_weights_overdispersed_counts_and_handles_edges():
    events, years = [0, 5, 0, 0, 6, 1, 0, 0], [2, 3, 1, 2, 2, 3, 1, 2]
    r = nb_rate(events, years)
    assert r.method.startswith("negative binomial") and r.crude == pytest.approx(12 / 16)
    assert r.rate < r.crude  # NB gives less weight to the long, event-heavy follow-ups
    assert r.lower < r.rate < r.upper
    none = nb_rate([0, 0, 0], [1, 2, 3])
    assert none.rate == 0 and none.method == "no events" and np.isnan(none.lower)
    dropped = nb_rate([1, 4], [2, 0])  # no follow-up: left out
    assert dropped.subjects == 1 and dropped.events == 1 and dropped.rate == pytest.approx(0.5, rel=1e-4)


def test_proportion_by_hand():
    p = proportion(3, 10)
    assert p.p == 0.3
    assert p.lower == pytest.approx(0.0667395, abs=1e-6) and p.upper == pytest.approx(0.6524529, abs=1e-6)
    assert proportion(0, 4).lower == 0 and proportion(4, 4).upper == 1
    assert np.isnan(proportion(0, 0).p)


# ---------------------------------------------------------------- endpoints from tiny ADaM


def tiny() -> dict[str, pd.DataFrame]:
    """Six long-term cohort subjects S1-S6 and one discontinued subject D1, first dose day 0."""
    ids = [f"S{i}" for i in range(1, 7)]
    adsl = pd.DataFrame({
        "USUBJID": ids + ["D1"],
        "A12FL": ["Y"] * 7,
        "LTCFL": ["Y"] * 6 + ["N"],
        "DISCGRFL": ["N"] * 6 + ["Y"],
        "TRTSDT": [0.0] * 7,
        "EOSSTT": ["ONGOING"] * 5 + ["DISCONTINUED", "DISCONTINUED"],
        "EOSDT": [np.nan] * 5 + [2000.0, 900.0],
        "LSTALVDT": [4400.0] * 5 + [2000.0, 900.0],
        "ODMTFL": ["Y", "N", "N", "N", "N", "N", "N"],
        "CRS1SDT": [0.0] * 7, "CRS2SDT": [365.0] * 7,
        "CRS3SDT": [1000.0, 1000.0, np.nan, np.nan, np.nan, np.nan, np.nan],
        **{f"CRS{n}SDT": [np.nan] * 7 for n in range(4, 8)},
    })
    counts = pd.DataFrame({
        "USUBJID": ids + ["D1"], "PARAMCD": "RLPSCNT", "AVISITN": 103.0,
        "AVAL": [0.0, 1, 2, 0, 3, 1, 2], "AFUYRS": [12.0] * 6 + [2.0],
        "LTCFL": ["Y"] * 6 + ["N"], "DISCGRFL": ["N"] * 6 + ["Y"],
    })
    year1 = counts.iloc[:6].assign(AVISITN=1.0, AVAL=[0.0, 1, 0, 0, 1, 0], AFUYRS=1.0)
    adrr = pd.concat([counts, year1], ignore_index=True)
    tte = pd.DataFrame({
        "USUBJID": ids, "PARAMCD": "CDW6", "AVAL": [100.0, 200, 300, 400, 500, 600],
        "CNSR": [0.0, 1, 0, 0, 1, 1], "LTCFL": "Y", "DISCGRFL": "N",
    })
    cdi = pd.DataFrame({
        "USUBJID": ids[:4], "PARAMCD": "CDI6", "AVAL": [50.0, 150, 250, 350], "CNSR": [0.0, 0, 1, 1],
        "LTCFL": "Y", "DISCGRFL": "N",
    })
    adae = pd.DataFrame({
        "USUBJID": ["S1", "S2", "S3", "S1", "S1", "S4", "S5", "D1"],
        "TRTEMFL": ["Y"] * 8,
        "AYEAR": [1.0, 1, 2, 3, 1, 1, 2, 1],
        "ACRSN": [1.0, 1, 2, 3, 1, 1, 2, 1],
        "IARFL": ["Y", "Y", "Y", "Y", None, None, None, "Y"],
        "CQ01NAM": [None, None, None, None, None, None, "THYROID DISORDERS", None],
        "CQ02NAM": [None] * 8,
        "CQ04NAM": [None, None, None, None, "INFECTIONS", "INFECTIONS", None, "INFECTIONS"],
        "AEDECOD": ["Rash", "Headache", "Rash", "Rash", "Nasopharyngitis", "Influenza", "Basedow's disease",
                    "Rash"],
    })
    return {"ADSL": adsl, "ADRR": adrr, "ADTTE": pd.concat([tte, cdi], ignore_index=True), "ADAE": adae}


def test_endpoints_from_tiny_adam_by_hand():
    found, curves = compute_endpoints(tiny())
    assert found["N_A12"].value == 7 and found["N_LTC"].value == 6 and found["N_Y12"].value == 5
    assert found["CRS_EQ2"].value == pytest.approx(4 / 6) and found["CRS_LE3"].value == 1.0
    assert found["ODMT"].value == pytest.approx(1 / 6)
    # ARR = 7 relapses / 72 person-years (equal follow-up: NB = crude)
    assert found["ARR_ALL"].value == pytest.approx(7 / 72, rel=1e-6)
    assert found["DISC_ARR"].value == pytest.approx(1.0, rel=1e-6)  # 2 relapses / 2 years
    assert [k for k, _ in curves.arr_by_year] == [1]
    assert found["ARR_YEAR_MIN"].value == pytest.approx(2 / 6, rel=1e-6)
    # KM: CDW events at 100, 300, 400 among 6 -> 5/6 * 3/4 * 2/3; CDI events at 50, 150 among 4
    assert found["CDW_FREE"].value == pytest.approx(5 / 12)
    assert found["CDI"].value == pytest.approx(1 - 3 / 4 * 2 / 3)
    # IAR: course 1 S1, S2 of 6; course 2 S3 of 6; course 3 S1 of the 2 with a third course
    assert found["IAR_C1"].value == pytest.approx(2 / 6) and found["IAR_C1"].detail.startswith("2/6")
    assert found["IAR_C2"].value == pytest.approx(1 / 6)
    assert found["IAR_C3"].value == pytest.approx(1 / 2)
    assert found["IAR_C4"].value is None and "denominator" in found["IAR_C4"].status
    assert found["INF_Y1"].value == pytest.approx(2 / 6)  # D1 is not in the long-term cohort
    assert found["THY_Y2"].value == pytest.approx(1 / 6) and found["THY_CUM"].value == pytest.approx(1 / 6)
    assert found["ITP_N"].value == 0


def test_missing_datasets_are_reported_never_faked():
    data = tiny()
    found, _ = compute_endpoints({"ADSL": data["ADSL"]})
    for id_ in ("ARR_ALL", "DISC_ARR"):
        assert found[id_].value is None and found[id_].status == "not available (dataset ADRR missing)"
    assert found["EDSS_STABLE"].status == "not available (dataset ADEDSS missing)"
    assert found["MRI_FREE_Y12"].status == "not available (dataset ADMRI missing)"
    assert found["NEDA_EXT1"].status == "not available (dataset ADNEDA missing)"
    assert found["NEDA_SUSTAINED"].status == "not available (dataset ADTTE missing)"
    assert found["IAR_C1"].status == "not available (dataset ADAE missing)"
    assert found["N_LTC"].value == 6
    # a dataset without the parameter
    found, _ = compute_endpoints({**data, "ADTTE": data["ADTTE"].loc[lambda d: d["PARAMCD"] == "CDW6"]})
    assert found["CDI"].status == "not available (ADTTE has no PARAMCD CDI6)"
    assert found["CDW_FREE"].value == pytest.approx(5 / 12)
    report = paper_check({"ADSL": data["ADSL"]})
    assert [r.paper.id for r in report.rows] == [p.id for p in PAPER_VALUES]
    assert report.missing == ["ADAE", "ADEDSS", "ADRR", "ADMRI", "ADNEDA", "ADTTE"]


def test_paper_values_table():
    assert BY_ID["ARR_ALL"].value == 0.09 and BY_ID["NEDA_SUSTAINED"].value == 0.339
    assert [BY_ID[f"NEDA_EXT{k}"].value for k in range(1, 7)] == [0.78, 0.67, 0.64, 0.68, 0.63, 0.67]
    assert len({p.id for p in PAPER_VALUES}) == len(PAPER_VALUES)


# ---------------------------------------------------------------- command line


def _write_folder(data: dict[str, pd.DataFrame], folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in data.items():
        out = frame.copy()
        for col in out.columns:
            if not pd.api.types.is_numeric_dtype(out[col]):
                out[col] = out[col].fillna("").astype(str)
        pyreadstat.write_xport(out, str(folder / f"{name.lower()}.xpt"), table_name=name, file_format_version=5)
    return folder


def test_cli_report_paper(tmp_path, capsys):
    folder = _write_folder(tiny(), tmp_path / "adam")
    out = tmp_path / "paper"
    assert main(["report", "paper", "--adam", str(folder), "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "paper check" in err and "0.097" in err
    md = (out / "paper_check.md").read_text()
    assert "not available (dataset ADEDSS missing)" in md and "| 0.09 | 0.097 | +0.007 |" in md
    assert "![Kaplan-Meier curves](km_curves.png)" in md
    assert (out / "km_curves.png").read_bytes()[:4] == b"\x89PNG"
    assert (out / "arr_by_year.png").is_file()
    html = (out / "paper_check.html").read_text()
    assert "data:image/png;base64," in html and "<table>" in html
    first = {p.name: p.read_bytes() for p in out.iterdir()}
    assert main(["report", "paper", "--adam", str(folder), "--out", str(out), "--quiet"]) == 0
    assert {p.name: p.read_bytes() for p in out.iterdir()} == first  # same inputs, same bytes


def test_cli_report_paper_bad_folder(tmp_path, capsys):
    assert main(["report", "paper", "--adam", str(tmp_path / "missing")]) == 2
    assert "ADaM folder not found" in capsys.readouterr().err
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["report", "paper", "--adam", str(empty), "--out", str(tmp_path / "out")]) == 0  # all not available
    assert "datasets missing: ADSL" in capsys.readouterr().err
