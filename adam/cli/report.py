"""`adam report`: reports computed from finished ADaM datasets (`adam report paper`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from adam.cli.app import Quiet, Verbose, app
from adam.console import configure, console, is_quiet, is_verbose, say

report_app = typer.Typer(
    name="report",
    help="Reports computed from ADaM datasets.\n\nExample: adam report paper --adam adam_out/camms223",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
)
app.add_typer(report_app, name="report")


@report_app.callback()
def report(quiet: Quiet = False, verbose: Verbose = False) -> None:
    """Reports computed from ADaM datasets.

    Example: adam report paper --adam adam_out/camms223
    """
    configure(quiet, verbose)


@report_app.command()
def paper(
    adam: Annotated[Path, typer.Option(help="Folder with the ADaM XPT files.")] = Path("adam_out/camms223"),
    out: Annotated[
        Path | None, typer.Option(help="Folder for paper_check.md/.html and figures (default: <adam>-paper).")
    ] = None,
    quiet: Quiet = False,
    verbose: Verbose = False,
) -> None:
    """Check the CAMMS223 paper's endpoints against our ADaM datasets.

    Recomputes ARR, EDSS categories, CDW/CDI, MRI, NEDA, IAR, thyroid AEs and infections from
    the XPT files and prints them beside the published values; endpoints whose dataset is
    missing are reported as not available. Exit 0 (a report), 2 when the folder is missing.

    Example: adam report paper --adam adam_out/camms223 --out adam_out/camms223-paper
    """
    configure(quiet, verbose)
    from adam.report.paper import default_out_dir, paper_check, print_table, read_adam_folder, write_report

    data = read_adam_folder(adam)
    result = paper_check(data)
    if not is_quiet():
        print_table(result, console, detail=is_verbose())
    written = write_report(result, out or default_out_dir(adam))
    say(f"paper check written: {', '.join(str(p) for p in written)}")
