"""`adam spec`: check a study spec, and move it to and from a P21-style xlsx workbook."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from adam.cli.app import Quiet, Verbose, app
from adam.console import configure, say
from adam.errors import InputError, Problem

spec_app = typer.Typer(
    help="Check a study spec, and export or import it as a P21-style xlsx workbook.\n\n"
         "Example: adam spec check specs/camms223",
    no_args_is_help=True,
)
app.add_typer(spec_app, name="spec")


def format_problem(problem: Problem) -> str:
    """One line per problem: ``file:line dataset variable: severity: message``."""
    where = []
    if problem.file:
        where.append(f"{problem.file}:{problem.line}" if problem.line else problem.file)
    where += [part for part in (problem.dataset, problem.variable) if part]
    prefix = " ".join(where)
    text = f"{problem.severity}: {problem.message}"
    return f"{prefix}: {text}" if prefix else text


def _print_problems(problems: list[Problem]) -> None:
    for problem in problems:
        typer.echo(format_problem(problem))


def _load(folder: Path):  # -> Spec
    """Load a spec folder; on bad input print every problem in the check format and exit 2."""
    from adam.spec.load import load_spec

    try:
        return load_spec(folder)
    except InputError as error:
        _print_problems(error.problems)
        say(f"{folder}: {len(error.problems)} problem(s) reading the spec")
        raise typer.Exit(2) from None


@spec_app.command("check")
def check(
    folder: Annotated[Path, typer.Argument(help="The spec folder (specs/<study>).")],
    quiet: Quiet = False,
    verbose: Verbose = False,
) -> None:
    """Load and lint a spec; print every problem as ``file:line dataset variable: message``.

    Exit 2 when the spec cannot be read or has an error-level problem, 0 otherwise (warnings
    are printed but do not fail the check).

    Example: adam spec check specs/camms223
    """
    configure(quiet, verbose)
    from adam.spec.lint import lint_spec

    spec = _load(folder)
    problems = lint_spec(spec)
    _print_problems(problems)
    errors = sum(p.severity == "error" for p in problems)
    warnings = len(problems) - errors
    say(f"{folder}: {len(spec.datasets)} dataset(s), {errors} error(s), {warnings} warning(s)")
    if errors:
        raise typer.Exit(2)


@spec_app.command("export")
def export(
    folder: Annotated[Path, typer.Argument(help="The spec folder (specs/<study>).")],
    xlsx: Annotated[Path, typer.Option("--xlsx", help="The workbook to write.")],
    quiet: Quiet = False,
    verbose: Verbose = False,
) -> None:
    """Write a spec as a P21-style xlsx workbook; the same spec gives the same bytes.

    Sheets: Study, Datasets, Variables, ValueLevel, WhereClauses, Codelists, Methods, Comments.

    Example: adam spec export specs/camms223 --xlsx camms223_spec.xlsx
    """
    configure(quiet, verbose)
    from adam.spec.xlsx import export_xlsx

    spec = _load(folder)
    export_xlsx(spec, xlsx)
    say(f"wrote {xlsx}")


@spec_app.command("import")
def import_(
    workbook: Annotated[Path, typer.Argument(help="The P21-style xlsx workbook to read.")],
    out: Annotated[Path, typer.Option("--out", help="The spec folder to write (specs/<study>).")],
    force: Annotated[
        bool, typer.Option("--force", help="Replace the folder even if it is not empty.")
    ] = False,
    quiet: Quiet = False,
    verbose: Verbose = False,
) -> None:
    """Read a P21-style workbook and write it as a YAML spec folder.

    The folder is written in full to a temporary folder and moved into place only when the
    whole workbook was read; an existing non-empty folder is replaced only with --force.
    Lint problems of the imported spec are printed (run ``adam spec check`` after editing).

    Example: adam spec import camms223_spec.xlsx --out specs/camms223
    """
    configure(quiet, verbose)
    from adam.spec.lint import lint_spec
    from adam.spec.load import write_spec
    from adam.spec.xlsx import import_xlsx

    if out.exists() and not out.is_dir():
        raise InputError(Problem("the output exists and is not a folder", file=str(out)))
    if out.is_dir() and any(out.iterdir()) and not force:
        raise InputError(Problem("the output folder is not empty (use --force to replace it)",
                                 file=str(out)))
    try:
        spec = import_xlsx(workbook)
    except InputError as error:
        _print_problems(error.problems)
        say(f"{workbook}: {len(error.problems)} problem(s) reading the workbook")
        raise typer.Exit(2) from None
    _write_folder_atomically(spec, out, write_spec)
    problems = lint_spec(spec)
    _print_problems(problems)
    errors = sum(p.severity == "error" for p in problems)
    say(f"wrote {out} ({len(spec.datasets)} dataset(s); lint: {errors} error(s), "
        f"{len(problems) - errors} warning(s))")


def _write_folder_atomically(spec, out: Path, write_spec) -> None:  # noqa: ANN001
    """Write into a sibling temporary folder, then swap it in place of ``out``."""
    out = out.absolute()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.new-"))
    old = None
    try:
        write_spec(spec, tmp)
        os.chmod(tmp, 0o755)  # mkdtemp makes it private
        if out.exists():
            old = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.old-"))
            old.rmdir()
            os.replace(out, old)
        os.replace(tmp, out)
    except BaseException:
        if old is not None and old.exists() and not out.exists():
            os.replace(old, out)
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
