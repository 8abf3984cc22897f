"""`adam build` and `adam export`: derive, validate and package ADaM datasets."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from adam.cli.app import Quiet, Verbose, app
from adam.console import configure, say

SpecOpt = Annotated[Optional[Path], typer.Option("--spec", help="Spec folder (default specs/STUDY).")]
OutOpt = Annotated[Optional[Path], typer.Option("--out", help="Submission folder (default adam_out/STUDY).")]


@app.command()
def build(
    study: Annotated[Optional[str], typer.Option(help="Study name: sets the conventional folders.")] = None,
    spec: SpecOpt = None,
    sdtm: Annotated[Optional[Path], typer.Option(help="SDTM folder (default sdtm_in/STUDY).")] = None,
    out: OutOpt = None,
    dataset: Annotated[Optional[list[str]], typer.Option("--dataset", "-d", help="Build only these datasets (repeatable).")] = None,
    no_export: Annotated[bool, typer.Option("--no-export", help="Derive and validate only; write nothing.")] = False,
    quiet: Quiet = False,
    verbose: Verbose = False,
) -> None:
    """Derive the ADaM datasets of a study from its SDTM, validate them and write the submission folder.

    The folder (XPT, Dataset-JSON, define.xml + HTML, validation report, manifest) replaces the
    previous one only when everything passed.

    Example: adam build --study camms223
    """
    configure(quiet, verbose)
    from adam.pipeline import build as run_build, resolve_study, warning_groups

    spec_dir, sdtm_dir, out_dir = resolve_study(study, spec, sdtm, out)
    result = run_build(spec_dir, sdtm_dir, None if no_export else out_dir,
                       only=[d.upper() for d in dataset] if dataset else None)
    for (dataset, variable), group in warning_groups(result.warnings).items():
        where = "/".join(x for x in (dataset, variable) if x) or "input"
        more = f" (and {len(group) - 1} more like it)" if len(group) > 1 else ""
        say(f"[yellow]warning:[/] {where}: {group[0].message}{more}")
    counts = ", ".join(f"{k} {len(v)}" for k, v in result.datasets.items())
    say(f"built {counts}" + (f" -> {out_dir}" if not no_export else ""))


@app.command()
def export(
    adam_dir: Annotated[Path, typer.Option("--adam", help="Folder of derived ADaM datasets (xpt or Dataset-JSON).")],
    spec: Annotated[Path, typer.Option("--spec", help="Spec folder.")],
    out: Annotated[Path, typer.Option("--out", help="Submission folder to write.")],
    quiet: Quiet = False,
    verbose: Verbose = False,
) -> None:
    """Validate already derived ADaM datasets and write the submission folder for them.

    Example: adam export --spec specs/camms223 --adam work/adam --out adam_out/camms223
    """
    configure(quiet, verbose)
    from adam.pipeline import export_derived

    datasets = export_derived(spec, adam_dir, out)
    say(f"exported {', '.join(datasets)} -> {out}")
