"""The paper check: our ADaM datasets' estimates of the CAMMS223 endpoints beside the
published values, as a terminal table, a markdown and an HTML report with figures.

    adam report paper --adam adam_out/camms223 [--out DIR]
"""

from __future__ import annotations

import base64
import html
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from adam.errors import InputError, Problem
from adam.report.endpoints import Curves, Estimate, compute_endpoints
from adam.report.paper_values import PAPER_VALUES, PaperValue

DATASETS = ("ADSL", "ADAE", "ADEDSS", "ADRR", "ADMRI", "ADNEDA", "ADTTE")


@dataclass
class ReportRow:
    """One line of the report: the published value and ours."""

    paper: PaperValue
    ours: Estimate

    @property
    def difference(self) -> float | None:
        if self.ours.value is None or self.paper.value is None:
            return None
        return float(self.ours.value) - float(self.paper.value)

    def difference_text(self) -> str:
        d = self.difference
        if d is None:
            return ""
        if self.paper.unit == "%":
            return f"{100 * d:+.1f} pts"
        if self.paper.unit == "n":
            return f"{d:+.0f}"
        return f"{d:+.3f}" if self.paper.unit == "rate" else f"{d:+.2f}"

    def ours_text(self) -> str:
        return self.ours.text if self.ours.value is not None else self.ours.status


@dataclass
class PaperReport:
    """The rows, the figures' data, and the datasets that were read or missing."""

    rows: list[ReportRow]
    curves: Curves
    read: list[str]
    missing: list[str]


def read_adam_folder(adam_dir: Path) -> dict[str, pd.DataFrame]:
    """The ADaM datasets of a folder (``<name>.xpt``, any case) that exist; InputError when the
    folder is missing."""
    from adam.compare.readers import read_dataset

    adam_dir = Path(adam_dir)
    if not adam_dir.is_dir():
        raise InputError(Problem("ADaM folder not found" if not adam_dir.exists() else "not a folder",
                                 file=str(adam_dir)))
    files = {p.stem.upper(): p for p in sorted(adam_dir.iterdir()) if p.suffix.lower() == ".xpt"}
    return {name: read_dataset(files[name])[0] for name in DATASETS if name in files}


def _blank_as_missing(frame: pd.DataFrame) -> pd.DataFrame:
    """XPT has no character null: blank text values become NA (the engine's convention)."""
    out = frame.copy()
    for col in out.columns:
        if not pd.api.types.is_numeric_dtype(out[col]):
            text = out[col].astype("str").str.rstrip()
            out[col] = text.where(out[col].notna() & (text != ""), pd.NA)
    return out


def paper_check(data: dict[str, pd.DataFrame]) -> PaperReport:
    """Compute every endpoint and pair it with its published value."""
    data = {k.upper(): _blank_as_missing(v) for k, v in data.items()}
    found, curves = compute_endpoints(data)
    rows = [ReportRow(p, found[p.id]) for p in PAPER_VALUES]
    return PaperReport(rows, curves, [d for d in DATASETS if d in data], [d for d in DATASETS if d not in data])


# ---------------------------------------------------------------- rendering

HEADERS = ["Section", "Endpoint", "Population", "Paper", "Ours", "Difference", "Detail"]


def table_rows(report: PaperReport) -> list[list[str]]:
    return [[r.paper.section, r.paper.endpoint, r.paper.population, r.paper.paper_text, r.ours_text(),
             r.difference_text(), r.ours.detail] for r in report.rows]


TERMINAL = ["Section", "Endpoint", "Paper", "Ours", "Difference"]


def print_table(report: PaperReport, console, detail: bool = False) -> None:
    """The report as a rich table on ``console`` (population and detail columns with ``detail``)."""
    from rich.markup import escape
    from rich.table import Table

    headers = HEADERS if detail else TERMINAL
    keep = [HEADERS.index(h) for h in headers]
    table = Table(title="CAMMS223 12-year paper check: published vs our ADaM", header_style="bold")
    for h in headers:
        table.add_column(h, overflow="fold")
    for r, cells in zip(report.rows, table_rows(report)):
        style = "dim" if r.ours.value is None else None
        table.add_row(*[escape(cells[i]) for i in keep], style=style)
    console.print(table)
    if report.missing:
        console.print(f"datasets missing: {', '.join(report.missing)}")


FIGURES = {"km": "km_curves.png", "arr": "arr_by_year.png"}


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(report: PaperReport, figures: dict[str, str]) -> str:
    lines = ["# CAMMS223 12-year paper check", "",
             "Endpoints of the published 12-year analysis (Coles et al.) recomputed from the ADaM datasets "
             "of this folder. All data are simulated; differences within sampling error are expected.", "",
             f"Datasets read: {', '.join(report.read) or 'none'}. "
             f"Missing: {', '.join(report.missing) or 'none'}.", "",
             "| " + " | ".join(HEADERS) + " |", "|" + "|".join("---" for _ in HEADERS) + "|"]
    lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in table_rows(report)]
    lines.append("")
    for key, title in (("km", "Kaplan-Meier curves"), ("arr", "Annualized relapse rate by year")):
        if key in figures:
            lines += [f"## {title}", "", f"![{title}]({figures[key]})", ""]
    return "\n".join(lines)


def to_html(report: PaperReport, figures: dict[str, bytes]) -> str:
    e = html.escape
    out = ["<!DOCTYPE html><html><head><meta charset='utf-8'><title>CAMMS223 paper check</title>",
           "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
           "th,td{border:1px solid #bbb;padding:2px 8px;text-align:left}th{background:#eee}"
           "tr.na td{color:#888}</style></head><body>",
           "<h1>CAMMS223 12-year paper check</h1>",
           f"<p>Datasets read: {e(', '.join(report.read) or 'none')}. Missing: {e(', '.join(report.missing) or 'none')}."
           " All data are simulated.</p>",
           "<table><thead><tr>" + "".join(f"<th>{e(h)}</th>" for h in HEADERS) + "</tr></thead><tbody>"]
    for r, row in zip(report.rows, table_rows(report)):
        cls = " class='na'" if r.ours.value is None else ""
        out.append(f"<tr{cls}>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>")
    out.append("</tbody></table>")
    for key, title in (("km", "Kaplan-Meier curves"), ("arr", "Annualized relapse rate by year")):
        if key in figures:
            data = base64.b64encode(figures[key]).decode("ascii")
            out.append(f"<h2>{e(title)}</h2><img alt='{e(title)}' src='data:image/png;base64,{data}'>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def render_figures(curves: Curves) -> dict[str, bytes]:
    """PNG bytes of the Kaplan-Meier and ARR-by-year figures (only those with data)."""
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out: dict[str, bytes] = {}
    meta = {"Software": None}
    if curves.km:
        fig, ax = plt.subplots(figsize=(7, 4.5))
        for label, (t, s) in curves.km.items():
            ax.step(t, 100 * s, where="post", label=label)
        ax.set_xlabel("Years from start (first dose; extension entry for sustained NEDA)")
        ax.set_ylabel("Patients (%)")
        ax.set_ylim(0, 102)
        ax.legend()
        ax.set_title("Kaplan-Meier estimates, long-term cohort")
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=100, metadata=meta)
        plt.close(fig)
        out["km"] = buf.getvalue()
    if curves.arr_by_year:
        years = [k for k, _ in curves.arr_by_year]
        rates = np.array([r.rate for _, r in curves.arr_by_year])
        lo = np.array([r.lower if np.isfinite(r.lower) else r.rate for _, r in curves.arr_by_year])
        hi = np.array([r.upper if np.isfinite(r.upper) else r.rate for _, r in curves.arr_by_year])
        fig, ax = plt.subplots(figsize=(7, 4.5))
        ax.bar(years, rates, color="#4c72b0")
        ax.errorbar(years, rates, yerr=[rates - lo, hi - rates], fmt="none", ecolor="black", capsize=3)
        ax.set_xticks(years)
        ax.set_xlabel("Year")
        ax.set_ylabel("ARR (negative binomial, 95% CI)")
        ax.set_title("Annualized relapse rate by year, long-term cohort")
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=100, metadata=meta)
        plt.close(fig)
        out["arr"] = buf.getvalue()
    return out


def _write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def write_report(report: PaperReport, out_dir: Path) -> list[Path]:
    """Write paper_check.md, paper_check.html and the PNG figures into ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    figures = render_figures(report.curves)
    names = {k: FIGURES[k] for k in figures}
    written = []
    for key, data in figures.items():
        _write(out_dir / names[key], data)
        written.append(out_dir / names[key])
    for name, text in (("paper_check.md", to_markdown(report, names)), ("paper_check.html", to_html(report, figures))):
        _write(out_dir / name, text.encode("utf-8"))
        written.append(out_dir / name)
    return written


def default_out_dir(adam_dir: Path) -> Path:
    """Beside the submission folder, so the package stays as built: adam_out/<study>-paper."""
    adam_dir = Path(adam_dir)
    return adam_dir.parent / f"{adam_dir.name}-paper"
