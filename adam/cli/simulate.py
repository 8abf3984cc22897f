"""`adam simulate`: write a seeded simulated SDTM study."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from adam.cli.app import Quiet, Verbose, app
from adam.console import configure


@app.command()
def simulate(
    out: Annotated[Path, typer.Option(help="Folder to write the SDTM datasets into.")],
    study: Annotated[str, typer.Option(help="Study model to simulate.")] = "camms223",
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same bytes.")] = 2026,
    subjects: Annotated[
        int | None, typer.Option(help="Number of randomized subjects (default: the paper's cohort).")
    ] = None,
    format: Annotated[str, typer.Option("--format", help="xpt or json (Dataset-JSON v1.1).")] = "xpt",
    quiet: Quiet = False,
    verbose: Verbose = False,
) -> None:
    """Simulate an SDTM study calibrated to its publication.

    Example: adam simulate --study camms223 --seed 2026 --out sdtm_in/camms223
    """
    configure(quiet, verbose)
    from adam.simulate import simulate_study

    simulate_study(study=study, seed=seed, subjects=subjects, out=out, fmt=format)
