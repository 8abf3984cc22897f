"""Run the independent QC programs and compare them with the production ADaM datasets.

    python -m validation.run_qc --sdtm sdtm_in/camms223 --adam adam_out/camms223 [--spec specs/camms223]

Each QC program re-derives one dataset from the SDTM (DuckDB SQL, see the qc_* modules); the
production dataset is read from ``<adam>/<name>.xpt`` and compared with
:func:`adam.compare.compare_datasets` on the dataset keys, over the variables the QC program
derives (production variables it does not re-derive are listed, not compared). Exit code 0
when every dataset agrees, 1 on any difference, 2 on bad input (missing folder or file).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Callable

import duckdb
import pandas as pd
import typer

from adam.compare import CompareResult, compare_datasets, print_summary, read_dataset, to_markdown
from adam.console import configure, console, is_quiet, say
from adam.errors import InputError, Problem
from validation import qc_adae, qc_adsl
from validation.params import StudyParams, datasets_in_spec, load_params
from validation.sdtm import connect_sdtm

ABS_TOL = 1e-8  # XPT stores IBM floats: allow for the last bits of computed fractions
REL_TOL = 1e-12


@dataclass(frozen=True)
class QcProgram:
    """One QC program: the dataset it re-derives, its keys, the SDTM it needs, and the
    function (connection, params) -> frame. ``depends`` names QC datasets it reads as
    tables ``QC_<NAME>``."""

    name: str
    keys: list[str]
    domains: list[str]
    run: Callable[[duckdb.DuckDBPyConnection, StudyParams], pd.DataFrame]
    depends: list[str] = field(default_factory=list)


def _programs() -> list[QcProgram]:
    programs = [
        QcProgram("ADSL", qc_adsl.KEYS, qc_adsl.REQUIRED_DOMAINS, lambda con, p: qc_adsl.qc_adsl(con)),
        QcProgram("ADAE", qc_adae.KEYS, qc_adae.REQUIRED_DOMAINS, qc_adae.qc_adae, ["ADSL"]),
    ]
    from validation import qc_adrr

    programs.append(QcProgram("ADRR", qc_adrr.KEYS, qc_adrr.REQUIRED_DOMAINS, qc_adrr.qc_adrr, ["ADSL"]))
    try:  # ADTTE's QC program (it reads the QC ADRR for relapses)
        from validation import qc_adtte

        programs.append(QcProgram("ADTTE", qc_adtte.KEYS, qc_adtte.REQUIRED_DOMAINS, qc_adtte.qc_adtte,
                                  ["ADSL", "ADRR"]))
    except ImportError:
        pass
    return programs


PROGRAMS = {p.name: p for p in _programs()}


def qc_datasets(sdtm_dir: Path, spec_dir: Path, only: list[str] | None = None) -> dict[str, pd.DataFrame]:
    """Re-derive every dataset that both the spec lists and a QC program covers (or those in
    ``only``), from the SDTM folder. Returns name -> frame (dates as SAS day numbers)."""
    params = load_params(spec_dir)
    chosen = [n for n in datasets_in_spec(spec_dir) if n in PROGRAMS and (only is None or n in only)]
    wanted: list[str] = []

    def add(name: str) -> None:  # dependencies first
        for dep in PROGRAMS[name].depends:
            add(dep)
        if name not in wanted:
            wanted.append(name)

    for name in chosen:
        add(name)
    domains = sorted({d for n in wanted for d in PROGRAMS[n].domains})
    con = connect_sdtm(sdtm_dir, domains)
    out: dict[str, pd.DataFrame] = {}
    for name in wanted:
        frame = PROGRAMS[name].run(con, params)
        con.register(f"_qc_{name}", frame)
        con.execute(f"CREATE OR REPLACE TABLE QC_{name} AS SELECT * FROM _qc_{name}")
        out[name] = frame
    con.close()
    return {n: out[n] for n in wanted if n in chosen}


def compare_with_production(qc: dict[str, pd.DataFrame], production: dict[str, pd.DataFrame],
                            paths: dict[str, str] | None = None) -> list[CompareResult]:
    """Compare each QC frame with its production frame (production = base, QC = compare) over
    the QC frame's variables. A production dataset that is missing is a difference."""
    results = []
    paths = paths or {}
    for name, q in qc.items():
        prod = production.get(name)
        if prod is None:
            results.append(CompareResult(name=name, status="only in compare", compare_path="QC program",
                                         base_path=paths.get(name)))
            continue
        upper = {c.upper(): c for c in prod.columns}
        shared = [upper[c.upper()] for c in q.columns if c.upper() in upper]
        not_qc = [c for c in prod.columns if c.upper() not in {x.upper() for x in q.columns}]
        result = compare_datasets(prod[shared], q, keys=PROGRAMS[name].keys, abs_tol=ABS_TOL, rel_tol=REL_TOL,
                                  name=name, base_path=paths.get(name), compare_path="QC program")
        if not_qc:
            result.notes.append("production variables not re-derived by QC: " + ", ".join(not_qc))
        results.append(result)
    return results


def read_production(adam_dir: Path, names: list[str]) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
    """Production frames read from ``<adam_dir>/<name>.xpt`` (those that exist) and their paths."""
    frames, paths = {}, {}
    for name in names:
        path = Path(adam_dir) / f"{name.lower()}.xpt"
        paths[name] = str(path)
        if path.is_file():
            frames[name] = read_dataset(path)[0]
    return frames, paths


def run_qc(sdtm_dir: Path, adam_dir: Path, spec_dir: Path, only: list[str] | None = None) -> list[CompareResult]:
    """QC every covered dataset of the study against the production files of ``adam_dir``."""
    problems = [Problem(f"{what} folder not found", file=str(p))
                for what, p in (("SDTM", sdtm_dir), ("ADaM", adam_dir), ("spec", spec_dir)) if not Path(p).is_dir()]
    if problems:
        raise InputError(problems)
    qc = qc_datasets(sdtm_dir, spec_dir, only)
    production, paths = read_production(adam_dir, list(qc))
    return compare_with_production(qc, production, paths)


def summary_lines(results: list[CompareResult]) -> list[str]:
    """One line per dataset: name, records, and what differs."""
    lines = []
    for r in results:
        if r.status != "compared":
            lines.append(f"{r.name}: production dataset not found ({r.base_path})")
        elif not r.has_differences:
            lines.append(f"{r.name}: {r.n_matched} records, {r.n_vars_compared} variables - no differences")
        else:
            lines.append(f"{r.name}: DIFFERENCES - {r.n_value_diffs} values in "
                         f"{len(r.value_diffs)} variables, {r.n_records_only_in_base} records only in production, "
                         f"{r.n_records_only_in_compare} only in QC, variables only in QC: "
                         f"{', '.join(r.vars_only_in_compare) or 'none'}")
    return lines


cli = typer.Typer(add_completion=False, pretty_exceptions_enable=False)


@cli.command()
def main(
    sdtm: Annotated[Path, typer.Option(help="SDTM folder (xpt files).")] = Path("sdtm_in/camms223"),
    adam: Annotated[Path, typer.Option(help="Production ADaM folder (xpt files).")] = Path("adam_out/camms223"),
    spec: Annotated[Path | None, typer.Option(help="Spec folder (default: specs/<name of the SDTM folder>).")] = None,
    dataset: Annotated[list[str] | None, typer.Option("--dataset", "-d", help="Only these datasets.")] = None,
    out: Annotated[Path | None, typer.Option(help="Also write qc_report.md into this folder.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only the summary lines.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Print debugging detail.")] = False,
) -> None:
    """Double programming: re-derive the ADaM datasets from SDTM and compare with production.

    Example: python -m validation.run_qc --sdtm sdtm_in/camms223 --adam adam_out/camms223
    """
    configure(quiet, verbose)
    spec = spec or Path("specs") / Path(sdtm).name
    try:
        results = run_qc(sdtm, adam, spec, [d.upper() for d in dataset] if dataset else None)
    except InputError as error:
        console.print(f"[bold red]error:[/] {len(error.problems)} problem(s) in the input")
        for p in error.problems:
            console.print(f"  - {p}", markup=False)
        raise typer.Exit(2)
    if not is_quiet():
        print_summary(results, console)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        (out / "qc_report.md").write_text(to_markdown(results), encoding="utf-8")
    for line in summary_lines(results):
        console.print(line, markup=False, highlight=False)
    different = [r.name for r in results if r.has_differences]
    if different:
        console.print(f"QC: differences in {', '.join(different)}", style="bold red")
        raise typer.Exit(1)
    say(f"QC: {len(results)} dataset(s) agree with production")


if __name__ == "__main__":
    cli()
