"""The ``adam`` command line.

Each sub-command lives in its own module of this package and registers itself on :data:`app`;
:func:`main` turns the toolkit's exceptions into the documented exit codes:
0 ok, 1 findings (failed validation, differences found), 2 bad input or usage.
"""

from __future__ import annotations

import sys

import typer

from adam.cli.app import app
from adam.console import console, reset
from adam.errors import FindingsError, InputError

# Importing the command modules registers their commands on `app`.
from adam.cli import (  # noqa: E402,F401  (imported for their side effect)
    bench,
    build,
    compare,
    report,
    simulate,
    spec,
    validate,
)

EXIT_OK, EXIT_FINDINGS, EXIT_BAD_INPUT = 0, 1, 2


def report_input_error(error: InputError) -> None:
    """Print one line per problem, never a traceback."""
    n = len(error.problems)
    console.print(f"[bold red]error:[/] {n} problem{'s' if n != 1 else ''} in the input")
    for problem in error.problems:
        console.print(f"  [red]-[/] {problem}", markup=True, highlight=False, soft_wrap=True)


#: Options that take several values after one flag, as in ``--subjects 1000 10000``.
MULTI_VALUE_OPTIONS = {"bench": ("--subjects", "-n")}


def expand_multi_value_options(args: list[str]) -> list[str]:
    """Rewrite ``--subjects 1 2 3`` as ``--subjects 1 --subjects 2 --subjects 3`` for typer."""
    if not args or args[0] not in MULTI_VALUE_OPTIONS:
        return list(args)
    flags = MULTI_VALUE_OPTIONS[args[0]]
    out: list[str] = []
    current = None
    for arg in args:
        if arg in flags:
            current = arg
            continue
        if current and not arg.startswith("-"):
            out += [current, arg]
            continue
        current = None
        out.append(arg)
    return out


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code (and exits with it from a shell).

    typer handles help and usage errors itself (exit 2); the toolkit's own exceptions are
    mapped here so that bad input never shows a traceback.
    """
    reset()
    try:
        app(args=expand_multi_value_options(sys.argv[1:] if argv is None else argv),
            prog_name="adam")
        code = EXIT_OK
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else (EXIT_OK if stop.code is None else 1)
    except InputError as error:
        report_input_error(error)
        code = EXIT_BAD_INPUT
    except FindingsError as findings:
        if str(findings):
            console.print(f"[yellow]findings:[/] {findings}")
        code = EXIT_FINDINGS
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError) as error:
        console.print(f"[bold red]error:[/] {error.strerror}: {error.filename}")
        code = EXIT_BAD_INPUT
    if argv is None:
        sys.exit(code)
    return code


__all__ = ["app", "main", "typer"]
