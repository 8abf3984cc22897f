"""A smoke run of `adam bench` on a tiny study (the real benchmark is `make bench`)."""

from __future__ import annotations

import json

import pytest

from adam import bench
from adam.bench import SizeResult, cached_simulation, summary
from adam.cli import main


def test_bench_smoke_run_writes_every_stage_and_the_floor(tmp_path):
    results = tmp_path / "results.json"
    assert main(["bench", "--subjects", "200", "--work", str(tmp_path / "work"),
                 "--results", str(results), "-q"]) == 0
    payload = json.loads(results.read_text())
    size = payload["sizes"][0]
    assert size["subjects"] == 200
    for stage in ("read SDTM", "derive ADSL", "derive ADTTE", "validate", "write XPT",
                  "write Dataset-JSON", "define.xml"):
        assert size["stages"][stage] > 0, stage
    assert size["floor"]["read SDTM"] > 0 and size["floor"]["write XPT"] > 0
    assert size["pipeline_peak_mib"] > 0 and size["records"]["ADSL"] == 200
    assert payload["summary"]["pipeline_over_floor"] == size["ratio_to_floor"]
    assert size["stage_us_per_subject"]["validate"] == pytest.approx(1e6 * size["stages"]["validate"] / 200)
    assert set(payload["summary"]["targets_met"]) == {"pipeline_over_floor", "peak_memory_mib",
                                                      "adsl_adae_adtte_ms_per_subject"}


def test_summary_ratios_are_computed_from_one_run():
    small = SizeResult(subjects=10, simulate_s=0, stages={"derive ADSL": 1.0, "x": 1.0},
                       pipeline_s=2.0, floor_s=1.0)
    large = SizeResult(subjects=100, simulate_s=0, stages={"derive ADSL": 5.0, "x": 25.0},
                       pipeline_s=30.0, floor_s=10.0, pipeline_peak_mib=50.0)
    s = summary([small, large])
    assert s["pipeline_over_floor"] == 3.0
    assert s["compute_over_floor"] == 0.5  # only "derive ADSL" is a compute stage: 5 s / 10 s
    assert s["per_subject_time_ratio"] == pytest.approx(1.5)  # 0.3 ms vs 0.2 ms per subject
    assert s["adsl_adae_adtte_ms_per_subject"] == 1000.0 * 5.0 / 100
    assert s["peak_memory_mib"] == 50.0
    assert s["targets_met"] == {"pipeline_over_floor": False, "per_subject_time_ratio": False,
                                "peak_memory_mib": True, "adsl_adae_adtte_ms_per_subject": False}


def test_cached_simulation_is_reused_only_for_the_same_seed_and_simulator(tmp_path, monkeypatch):
    made = []
    monkeypatch.setattr("adam.simulate.simulate_study", lambda **kw: (made.append(kw["seed"]),
                        kw["out"].mkdir(parents=True, exist_ok=True), (kw["out"] / "dm.xpt").write_text("")))
    cached_simulation(20, work=tmp_path, seed=1)
    assert cached_simulation(20, work=tmp_path, seed=1)[1] == 0.0  # reused
    cached_simulation(20, work=tmp_path, seed=2)  # another seed: simulated again
    monkeypatch.setattr(bench, "simulation_key", lambda seed: "changed simulator")
    cached_simulation(20, work=tmp_path, seed=2)
    assert made == [1, 2, 2]
