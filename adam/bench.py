"""`adam bench`: time and memory of every pipeline stage against the pure I/O floor.

For each study size the benchmark simulates the CAMMS223 study once (cached in the work
folder), then runs two fresh Python processes so that each has its own peak memory:

- the pipeline: read SDTM, derive each dataset, validate, write XPT, Dataset-JSON and define;
- the I/O floor: read the same SDTM files with pyreadstat and write the same ADaM frames with
  ``pyreadstat.write_xport`` and nothing else (no checks, no read-back).

Results are ratios measured in one run, because absolute times on shared machines are noisy:
pipeline / floor, time per subject at the largest size / at the previous size, and the derive
time of ADSL + ADAE + ADTTE per subject.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from adam.errors import InputError, Problem

#: Stages whose derive time per subject has its own target.
DERIVE_TTE_TARGET = ("derive ADSL", "derive ADAE", "derive ADTTE")

#: The issue's targets at the largest size: summary key -> upper limit.
TARGETS = {
    "pipeline_over_floor": 2.0,
    "per_subject_time_ratio": 1.3,
    "peak_memory_mib": 8 * 1024.0,
    "adsl_adae_adtte_ms_per_subject": 0.25,
}


def is_compute_stage(stage: str) -> bool:
    """Whether a stage neither reads nor writes files: checks, derivations, validation."""
    return stage.startswith(("check", "derive")) or stage == "validate"


@dataclass
class SizeResult:
    """One study size: stage timings (s), totals, peak memory (MiB) of each process."""

    subjects: int
    simulate_s: float
    stages: dict[str, float] = field(default_factory=dict)
    pipeline_s: float = 0.0
    pipeline_peak_mib: float = 0.0
    floor: dict[str, float] = field(default_factory=dict)
    floor_s: float = 0.0
    floor_peak_mib: float = 0.0
    records: dict[str, int] = field(default_factory=dict)

    @property
    def ratio_to_floor(self) -> float:
        return self.pipeline_s / self.floor_s if self.floor_s else float("nan")

    @property
    def ms_per_subject(self) -> float:
        return 1000.0 * self.pipeline_s / self.subjects

    @property
    def adsl_adae_adtte_ms_per_subject(self) -> float:
        return 1000.0 * sum(self.stages.get(s, 0.0) for s in DERIVE_TTE_TARGET) / self.subjects

    @property
    def compute_over_floor(self) -> float:
        """Checks + derivations + validation against the floor's pure read + write."""
        compute = sum(t for s, t in self.stages.items() if is_compute_stage(s))
        return compute / self.floor_s if self.floor_s else float("nan")

    @property
    def stage_us_per_subject(self) -> dict[str, float]:
        return {s: 1e6 * t / self.subjects for s, t in self.stages.items()}


def _run_worker(args: list[str]) -> tuple[dict, float]:
    """Run a worker in a fresh interpreter; return its JSON output and peak RSS in MiB."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as tmp:
        result_path = Path(tmp.name)
    try:
        proc = subprocess.Popen([sys.executable, "-m", "adam.bench", *args, str(result_path)])
        _, status, usage = os.wait4(proc.pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            raise InputError(Problem(f"benchmark worker failed: {' '.join(args)}"))
        return json.loads(result_path.read_text()), usage.ru_maxrss / 1024.0
    finally:
        result_path.unlink(missing_ok=True)


def _pipeline_worker(spec_dir: str, sdtm_dir: str, out_dir: str, result_path: str) -> None:
    from adam.pipeline import build

    result = build(Path(spec_dir), Path(sdtm_dir), Path(out_dir))
    Path(result_path).write_text(json.dumps({
        "stages": result.timings,
        "records": {k: len(v) for k, v in result.datasets.items()},
    }))


def _floor_worker(sdtm_dir: str, adam_dir: str, result_path: str) -> None:
    """Pure pyreadstat: read every SDTM file, write every ADaM frame (read untimed first)."""
    import pyreadstat

    frames = {p.stem: pyreadstat.read_xport(str(p), disable_datetime_conversion=True)
              for p in sorted(Path(adam_dir).glob("*.xpt"))}
    start = time.perf_counter()
    for path in sorted(Path(sdtm_dir).glob("*.xpt")):
        pyreadstat.read_xport(str(path), disable_datetime_conversion=True)
    read_s = time.perf_counter() - start
    with tempfile.TemporaryDirectory() as scratch:
        start = time.perf_counter()
        for name, (df, meta) in frames.items():
            pyreadstat.write_xport(df, str(Path(scratch) / f"{name}.xpt"),
                                   file_label=meta.file_label or name,
                                   column_labels=meta.column_labels, table_name=name.upper(),
                                   file_format_version=5)
        write_s = time.perf_counter() - start
    Path(result_path).write_text(json.dumps({"read SDTM": read_s, "write XPT": write_s}))


def simulation_key(seed: int) -> str:
    """What a cached simulation depends on: the seed and the simulator's source code."""
    digest = hashlib.sha256(f"seed={seed}".encode())
    for path in sorted((Path(__file__).parent / "simulate").glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def cached_simulation(n: int, *, work: Path, seed: int) -> tuple[Path, float]:
    """The SDTM folder of an ``n``-subject study, simulated unless the cached one was made by
    the same simulator and seed; returns the folder and the simulation time (0 when cached)."""
    from adam.simulate import simulate_study

    sdtm = work / f"sdtm_{n}"
    stamp = work / f"sdtm_{n}.key"
    key = simulation_key(seed)
    if (sdtm / "dm.xpt").exists() and stamp.is_file() and stamp.read_text() == key:
        return sdtm, 0.0
    start = time.perf_counter()
    simulate_study(study="camms223", seed=seed, subjects=n, out=sdtm)
    elapsed = time.perf_counter() - start
    stamp.write_text(key)
    return sdtm, elapsed


def run_benchmark(sizes: list[int], *, work: Path, spec_dir: Path = Path("specs/camms223"),
                  seed: int = 2026, keep: bool = False) -> list[SizeResult]:
    """Simulate (or reuse) each size, run the pipeline and the floor, return the results."""
    if not sizes or any(n < 10 for n in sizes):
        raise InputError(Problem("--subjects: give one or more sizes of at least 10"))
    work.mkdir(parents=True, exist_ok=True)
    results = []
    for n in sizes:
        sdtm, simulated = cached_simulation(n, work=work, seed=seed)
        out = work / f"adam_{n}"
        pipeline, pipeline_peak = _run_worker(["pipeline", str(spec_dir), str(sdtm), str(out)])
        floor, floor_peak = _run_worker(["floor", str(sdtm), str(out)])
        stages = pipeline["stages"]
        results.append(SizeResult(
            subjects=n, simulate_s=simulated, stages=stages, pipeline_s=sum(stages.values()),
            pipeline_peak_mib=pipeline_peak, floor=floor, floor_s=sum(floor.values()),
            floor_peak_mib=floor_peak, records=pipeline["records"]))
        if not keep:
            for path in sorted(out.glob("**/*"), reverse=True):
                path.unlink() if path.is_file() else path.rmdir()
            out.rmdir()
    return results


def summary(results: list[SizeResult]) -> dict:
    """The issue's targets as ratios from this one run."""
    largest = results[-1]
    out = {
        "pipeline_over_floor": largest.ratio_to_floor,
        "compute_over_floor": largest.compute_over_floor,
        "peak_memory_mib": largest.pipeline_peak_mib,
        "adsl_adae_adtte_ms_per_subject": largest.adsl_adae_adtte_ms_per_subject,
        "subjects": largest.subjects,
    }
    if len(results) > 1:
        previous = results[-2]
        out["per_subject_time_ratio"] = largest.ms_per_subject / previous.ms_per_subject
        out["per_subject_ratio_sizes"] = [previous.subjects, largest.subjects]
    out["targets_met"] = {key: out[key] <= limit for key, limit in TARGETS.items() if key in out}
    return out


def write_results(results: list[SizeResult], path: Path) -> None:
    payload = {"sizes": [dict(asdict(r), ratio_to_floor=r.ratio_to_floor,
                              ms_per_subject=r.ms_per_subject,
                              compute_over_floor=r.compute_over_floor,
                              stage_us_per_subject=r.stage_us_per_subject,
                              adsl_adae_adtte_ms_per_subject=r.adsl_adae_adtte_ms_per_subject)
                         for r in results],
               "summary": summary(results)}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2, sort_keys=True) + "\n")


def print_table(results: list[SizeResult]) -> None:
    from rich.table import Table

    from adam.console import console

    stages = list(dict.fromkeys(s for r in results for s in r.stages))
    largest = results[-1]
    table = Table(title="adam bench (seconds per stage; µs per subject at the largest size)")
    table.add_column("stage")
    for r in results:
        table.add_column(f"{r.subjects:,}", justify="right")
    table.add_column(f"µs/subject at {largest.subjects:,}", justify="right")
    per_subject = largest.stage_us_per_subject
    for stage in stages:
        table.add_row(stage, *(f"{r.stages.get(stage, 0.0):.2f}" for r in results),
                      f"{per_subject.get(stage, 0.0):.1f}")
    table.add_row("[bold]pipeline total", *(f"[bold]{r.pipeline_s:.2f}" for r in results),
                  f"{1000 * largest.ms_per_subject:.1f}")
    table.add_row("I/O floor: read SDTM", *(f"{r.floor['read SDTM']:.2f}" for r in results), "")
    table.add_row("I/O floor: write XPT", *(f"{r.floor['write XPT']:.2f}" for r in results), "")
    table.add_row("[bold]pipeline / floor", *(f"[bold]{r.ratio_to_floor:.2f}" for r in results), "")
    table.add_row("checks+derive+validate / floor", *(f"{r.compute_over_floor:.2f}" for r in results), "")
    table.add_row("pipeline ms / subject", *(f"{r.ms_per_subject:.3f}" for r in results), "")
    table.add_row("ADSL+ADAE+ADTTE ms / subject",
                  *(f"{r.adsl_adae_adtte_ms_per_subject:.3f}" for r in results), "")
    table.add_row("peak memory pipeline (MiB)", *(f"{r.pipeline_peak_mib:.0f}" for r in results), "")
    table.add_row("peak memory floor (MiB)", *(f"{r.floor_peak_mib:.0f}" for r in results), "")
    table.add_row("simulate (s, not in total; 0 = cached)", *(f"{r.simulate_s:.2f}" for r in results), "")
    console.print(table)


if __name__ == "__main__":  # the worker processes
    kind, *rest = sys.argv[1:]
    if kind == "pipeline":
        from adam.console import configure

        configure(quiet=True)
        _pipeline_worker(*rest)
    elif kind == "floor":
        _floor_worker(*rest)
    else:
        raise SystemExit(f"unknown worker {kind}")
