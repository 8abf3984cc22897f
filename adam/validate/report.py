"""The validation report: terminal summary, JSON for machines, HTML for a reviewer.

Every finding lists its offending records up to a cap per finding (default 50) and always
states the total, so nothing is dropped without saying so. The output is deterministic:
findings are sorted by severity, rule and dataset, and no timestamps are written.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import Environment
from rich.console import Console
from rich.table import Table

from adam.validate.findings import Finding

DEFAULT_CAP = 50


@dataclass
class ValidationReport:
    """The findings of one validation run and what was checked."""

    findings: list[Finding] = field(default_factory=list)
    datasets: dict[str, int] = field(default_factory=dict)  # name -> number of records
    rules: list[str] = field(default_factory=list)  # ids of the rules that ran
    study: str | None = None

    def __post_init__(self) -> None:
        self.findings.sort(key=Finding.sort_key)

    @property
    def has_errors(self) -> bool:
        return any(f.severity == "error" for f in self.findings)

    def raise_for_errors(self) -> None:
        """Raise :class:`~adam.errors.FindingsError` (exit code 1) when an error-level finding exists."""
        if self.has_errors:
            from adam.errors import FindingsError

            n = self.counts()["error"]
            raise FindingsError(f"validation: {n} error-level finding{'s' if n != 1 else ''}")

    def counts(self) -> dict[str, int]:
        """Number of findings per severity."""
        out = {"error": 0, "warning": 0, "notice": 0}
        for f in self.findings:
            out[f.severity] += 1
        return out

    def by_rule(self, rule: str) -> list[Finding]:
        return [f for f in self.findings if f.rule == rule]

    def fired(self) -> set[str]:
        """Ids of the rules with at least one finding."""
        return {f.rule for f in self.findings}

    def summary_line(self) -> str:
        c = self.counts()
        return (f"{len(self.datasets)} dataset(s) checked with {len(self.rules)} rules: "
                f"{c['error']} error, {c['warning']} warning, {c['notice']} notice finding(s)")

    def to_dict(self, cap: int | None = DEFAULT_CAP) -> dict[str, Any]:
        return {
            "study": self.study,
            "summary": {**self.counts(), "has_errors": self.has_errors},
            "datasets": [{"name": k, "records": v} for k, v in sorted(self.datasets.items())],
            "rules_run": sorted(self.rules),
            "records_cap": cap,
            "findings": [f.to_dict(cap) for f in self.findings],
        }

    def to_json(self, cap: int | None = DEFAULT_CAP) -> str:
        """The report as JSON; each finding lists at most ``cap`` records and gives the total."""
        return json.dumps(self.to_dict(cap), indent=2, ensure_ascii=True) + "\n"

    def to_html(self, cap: int | None = DEFAULT_CAP) -> str:
        """A self-contained HTML page listing each finding and its offending records."""
        from adam.validate.rules import all_rules

        descriptions = {r.id: r.description for r in all_rules()}
        return _TEMPLATE.render(report=self.to_dict(cap), descriptions=descriptions, cap=cap,
                                summary=self.summary_line())

    def print_summary(self, console: Console | None = None) -> None:
        """A rich table: rule, severity, dataset, count and message, one row per finding."""
        if console is None:
            from adam.console import console as shared

            console = shared
        table = Table(title="ADaM validation", show_lines=False)
        for name in ("Rule", "Severity", "Dataset", "Count", "Message"):
            table.add_column(name, justify="right" if name == "Count" else "left",
                             overflow="fold")
        style = {"error": "red", "warning": "yellow", "notice": "cyan"}
        for f in self.findings:
            table.add_row(f.rule, f"[{style[f.severity]}]{f.severity}[/]", f.dataset or "-",
                          str(f.count), f.message)
        if self.findings:
            console.print(table)
        console.print(self.summary_line())

    def write(self, folder: Path | str, cap: int | None = DEFAULT_CAP) -> list[Path]:
        """Write ``validation.json`` and ``validation.html`` into ``folder``."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        paths = [folder / "validation.json", folder / "validation.html"]
        paths[0].write_text(self.to_json(cap), encoding="utf-8")
        paths[1].write_text(self.to_html(cap), encoding="utf-8")
        return paths


_TEMPLATE = Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True).from_string(
    """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>ADaM validation{% if report.study %} - {{ report.study }}{% endif %}</title>
<style>
body { font-family: sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em 0; }
th, td { border: 1px solid #bbb; padding: 2px 8px; text-align: left; vertical-align: top; }
th { background: #eee; }
.error { color: #b00; font-weight: bold; }
.warning { color: #a60; font-weight: bold; }
.notice { color: #06a; }
.more { font-style: italic; }
</style>
</head>
<body>
<h1>ADaM validation{% if report.study %}: {{ report.study }}{% endif %}</h1>
<p>{{ summary }}.</p>
<h2>Datasets</h2>
<table>
<tr><th>Dataset</th><th>Records</th></tr>
{% for ds in report.datasets %}
<tr><td>{{ ds.name }}</td><td>{{ ds.records }}</td></tr>
{% endfor %}
</table>
<h2>Summary</h2>
<table>
<tr><th>Rule</th><th>Severity</th><th>Dataset</th><th>Count</th><th>Message</th></tr>
{% for f in report.findings %}
<tr><td><a href="#f{{ loop.index }}">{{ f.rule }}</a></td><td class="{{ f.severity }}">{{ f.severity }}</td>
<td>{{ f.dataset or "-" }}</td><td>{{ f.count }}</td><td>{{ f.message }}</td></tr>
{% endfor %}
</table>
<h2>Findings</h2>
{% if not report.findings %}<p>No findings.</p>{% endif %}
{% for f in report.findings %}
<h3 id="f{{ loop.index }}">{{ f.rule }} <span class="{{ f.severity }}">{{ f.severity }}</span> - {{ f.dataset or "all datasets" }}</h3>
<p>{{ descriptions.get(f.rule, "") }}</p>
<p>{{ f.message }} ({{ f.count }} in total)</p>
{% if f.records %}
<table>
<tr><th>Row</th><th>USUBJID</th><th>Sequence</th><th>Variable</th><th>Value</th></tr>
{% for r in f.records %}
<tr><td>{{ r.ROW }}</td><td>{{ r.USUBJID }}</td><td>{{ r.SEQ }}</td><td>{{ r.VARIABLE }}</td><td>{{ r.VALUE }}</td></tr>
{% endfor %}
</table>
{% if f.records_not_shown > 0 %}
<p class="more">{{ f.records_shown }} of {{ f.count }} records shown; {{ f.records_not_shown }} more not listed.</p>
{% endif %}
{% endif %}
{% endfor %}
<h2>Rules run</h2>
<p>{{ report.rules_run | join(", ") }}</p>
</body>
</html>
"""
)
