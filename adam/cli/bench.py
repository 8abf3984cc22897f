"""`adam bench`: the performance benchmark."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from adam.cli.app import Quiet, Verbose, app
from adam.console import configure, say


@app.command()
def bench(
    subjects: Annotated[list[int], typer.Option("--subjects", "-n", help="Study sizes (repeat or list: --subjects 1000 10000).")] = [1000, 10000, 100000],  # noqa: B006
    work: Annotated[Path, typer.Option(help="Work folder (simulated studies are cached here).")] = Path("bench/work"),
    results: Annotated[Path, typer.Option(help="Where to write the results JSON.")] = Path("bench/results.json"),
    spec: Annotated[Path, typer.Option(help="Spec folder of the study.")] = Path("specs/camms223"),
    keep: Annotated[bool, typer.Option(help="Keep the ADaM output of each size.")] = False,
    quiet: Quiet = False,
    verbose: Verbose = False,
) -> None:
    """Time every pipeline stage and its peak memory at each study size, beside the I/O floor
    (pyreadstat reading the same SDTM and writing the same ADaM, nothing else).

    Example: adam bench --subjects 1000 10000 100000
    """
    configure(quiet, verbose)
    from adam.bench import print_table, run_benchmark, summary, write_results

    sizes = sorted(set(subjects))
    found = run_benchmark(sizes, work=work, spec_dir=spec, keep=keep)
    write_results(found, results)
    if not quiet:
        print_table(found)
    s = summary(found)
    line = f"pipeline / I/O floor at {s['subjects']:,}: {s['pipeline_over_floor']:.2f}"
    if "per_subject_time_ratio" in s:
        a, b = s["per_subject_ratio_sizes"]
        line += f"; time per subject {b:,} / {a:,}: {s['per_subject_time_ratio']:.2f}"
    missed = [key for key, met in s["targets_met"].items() if not met]
    line += f"; peak memory {s['peak_memory_mib']:.0f} MiB"
    line += f"; targets missed: {', '.join(missed)}" if missed else "; all targets met"
    say(f"{line} -> {results}")
