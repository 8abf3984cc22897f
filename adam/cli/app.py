"""The typer application and the options every command shares."""

from __future__ import annotations

from typing import Annotated

import typer

from adam import __version__
from adam.console import configure

app = typer.Typer(
    name="adam",
    help=(
        "Build CDISC ADaM datasets from SDTM, validate them and package them for submission.\n\n"
        "Example: adam build --study camms223"
    ),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)

Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="Print only errors.")]
Verbose = Annotated[bool, typer.Option("--verbose", "-v", help="Print debugging detail.")]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"adam {__version__}")
        raise typer.Exit(0)


@app.callback()
def root(
    quiet: Quiet = False,
    verbose: Verbose = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """Build CDISC ADaM datasets from SDTM, validate them and package them for submission.

    Exit codes: 0 ok, 1 findings (failed validation, differences), 2 bad input or usage.

    Example: adam build --study camms223
    """
    configure(quiet=quiet, verbose=verbose)
