"""`adam validate`: check a folder of ADaM datasets against the spec and the rule catalogue."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from adam.cli.app import Quiet, Verbose, app
from adam.console import configure


def _list_rules() -> None:
    from rich.console import Console
    from rich.table import Table

    from adam.validate import all_rules

    table = Table(title="ADaM validation rules")
    for name in ("Rule", "Severity", "Family", "Description"):
        table.add_column(name, overflow="fold")
    for r in all_rules():
        table.add_row(r.id, r.severity, r.family, r.description)
    Console(highlight=False, width=160).print(table)


@app.command()
def validate(
    spec: Annotated[Path | None, typer.Option(help="Spec folder (specs/<study>).")] = None,
    adam: Annotated[
        Path | None, typer.Option(help="Folder of ADaM datasets (xpt, sas7bdat, Dataset-JSON).")
    ] = None,
    report: Annotated[
        Path | None, typer.Option(help="Folder to write validation.json and validation.html into.")
    ] = None,
    sdtm: Annotated[
        Path | None, typer.Option(help="SDTM folder, to trace SRCDOM/SRCSEQ into SDTM domains.")
    ] = None,
    format: Annotated[
        str, typer.Option("--format", help="Which files to read: auto, xpt, sas7bdat or json.")
    ] = "auto",
    rule: Annotated[
        list[str] | None, typer.Option("--rule", help="Run only this rule id (repeatable).")
    ] = None,
    cap: Annotated[int, typer.Option(help="Offending records listed per finding in the report.")] = 50,
    list_rules: Annotated[
        bool, typer.Option("--list-rules", help="List the rule catalogue and exit.")
    ] = False,
    quiet: Quiet = False,
    verbose: Verbose = False,
) -> None:
    """Validate ADaM datasets: spec-generated schemas, ADaM conformance and cross-dataset rules.

    Exit code 1 when any error-level finding exists, 2 for bad input.

    Example: adam validate --spec specs/camms223 --adam adam_out/camms223 --report out/validation
    """
    configure(quiet, verbose)
    if list_rules:
        _list_rules()
        return
    from adam.errors import InputError, Problem

    missing = [f"--{name}" for name, value in (("spec", spec), ("adam", adam)) if value is None]
    if missing:
        raise InputError([Problem(f"option {m} is required (or use --list-rules)") for m in missing])
    from adam.console import console, say
    from adam.spec.load import load_spec
    from adam.validate import read_dataset_folder, validate_datasets

    study = load_spec(spec)  # type: ignore[arg-type]
    frames, metas, skipped = read_dataset_folder(adam, format)  # type: ignore[arg-type]
    for path in skipped:
        say(f"[dim]not read (same dataset in a preferred format): {path}[/]")
    sdtm_frames = None
    if sdtm is not None:
        sdtm_frames, _, _ = read_dataset_folder(sdtm, "auto")
    result = validate_datasets(study, frames, metadata=metas, sdtm=sdtm_frames, rules=rule)
    if not quiet:
        result.print_summary(console)
    if report is not None:
        for path in result.write(report, cap=cap):
            say(f"wrote {path}")
    result.raise_for_errors()
