"""`adam compare`: compare two datasets (or two folders of datasets) for double programming."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from adam.cli.app import Quiet, Verbose, app
from adam.console import configure, console, is_quiet
from adam.errors import FindingsError, InputError, Problem

_VARIABLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,31}$")


def split_positionals(args: list[str], keys_given: bool) -> tuple[list[str], list[str]]:
    """Separate BASE and COMPARE from key names typed after ``--keys`` without repeating it.

    ``--keys USUBJID PARAMCD ADT`` leaves PARAMCD and ADT among the positional arguments (an
    option takes one value). A positional that looks like a variable name and is not an
    existing path is taken as a key; the rest must be exactly the two paths.
    """
    if len(args) <= 2:
        return args, []
    paths, keys = [], []
    for arg in args:
        if _VARIABLE_NAME.match(arg) and not Path(arg).exists():
            keys.append(arg)
        else:
            paths.append(arg)
    if keys and not keys_given:
        raise InputError(
            Problem(
                f"unexpected argument(s) {' '.join(keys)}: give BASE and COMPARE, and key variables "
                "with --keys"
            )
        )
    return paths, keys


def _write_atomic(path: Path, text: str) -> None:
    """Write a report in one move, so a failed run never leaves half a file."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@app.command()
def compare(
    paths: Annotated[
        list[str],
        typer.Argument(
            help="BASE and COMPARE: two dataset files (xpt, sas7bdat, json/ndjson Dataset-JSON, "
            "csv, parquet) or two folders (datasets matched by name).",
            metavar="BASE COMPARE",
            show_default=False,
        ),
    ],
    keys: Annotated[
        list[str] | None,
        typer.Option(
            "--keys",
            "-k",
            help='Key variables matching records: "--keys USUBJID PARAMCD ADT", "--keys A,B" or '
            "repeated. Without keys, records are matched by row order.",
            show_default=False,
        ),
    ] = None,
    abs_tol: Annotated[float, typer.Option("--abs-tol", help="Absolute tolerance for numbers.")] = 0.0,
    rel_tol: Annotated[
        float, typer.Option("--rel-tol", help="Relative tolerance: |a-b| <= rel * max(|a|,|b|).")
    ] = 0.0,
    round_digits: Annotated[
        int | None,
        typer.Option("--round", help="Round numbers on both sides to N decimals before comparing."),
    ] = None,
    keep_trailing_blanks: Annotated[
        bool, typer.Option("--keep-trailing-blanks", help='Count trailing blanks: "A " differs from "A".')
    ] = False,
    ignore_case: Annotated[bool, typer.Option("--ignore-case", help="Compare text case-insensitively.")] = False,
    strict_missing: Annotated[
        bool, typer.Option("--strict-missing", help='Tell "" from missing character values.')
    ] = False,
    max_diffs: Annotated[
        int, typer.Option("--max-diffs", help="Differing records shown per variable and finding.")
    ] = 10,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the full report as JSON.")] = None,
    markdown_out: Annotated[Path | None, typer.Option("--markdown", help="Write the report as markdown.")] = None,
    html_out: Annotated[Path | None, typer.Option("--html", help="Write the report as HTML.")] = None,
    quiet: Quiet = False,
    verbose: Verbose = False,
) -> None:
    """Compare two datasets like PROC COMPARE: attributes, variables, records (by key) and values.

    Exit codes: 0 no differences, 1 differences found, 2 bad input.

    Example: adam compare adam_out/adsl.xpt qc/adsl.xpt --keys USUBJID PARAMCD ADT
    """
    configure(quiet, verbose)
    from adam.compare import compare_paths, print_summary, split_keys, to_html, to_json, to_markdown

    path_args, extra_keys = split_positionals(list(paths), keys is not None)
    if len(path_args) != 2:
        raise InputError(
            Problem(f"expected BASE and COMPARE (two paths), got {len(path_args)}: {' '.join(path_args) or '(none)'}")
        )
    outputs = [p for p in (json_out, markdown_out, html_out) if p is not None]
    missing_dirs = [Problem("folder for the report does not exist", file=str(p)) for p in outputs if not p.parent.is_dir()]
    if missing_dirs:
        raise InputError(missing_dirs)
    if max_diffs < 0:
        raise InputError(Problem(f"--max-diffs must be >= 0, got {max_diffs}"))

    key_list = split_keys([*(keys or []), *extra_keys])
    results = compare_paths(
        path_args[0],
        path_args[1],
        key_list,
        abs_tol=abs_tol,
        rel_tol=rel_tol,
        round_digits=round_digits,
        ignore_trailing_blanks=not keep_trailing_blanks,
        ignore_case=ignore_case,
        strict_missing=strict_missing,
        max_diffs=max_diffs,
    )
    for path, render in ((json_out, to_json), (markdown_out, to_markdown), (html_out, to_html)):
        if path is not None:
            _write_atomic(path, render(results))
    if not is_quiet():
        print_summary(results, console)
    differing = [r.name for r in results if r.has_differences]
    if differing:
        raise FindingsError(f"differences in {len(differing)} of {len(results)} dataset(s): {', '.join(differing)}")
