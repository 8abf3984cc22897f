"""Reports of a comparison: JSON, markdown, HTML and a rich terminal summary.

All three text forms are built from one list of blocks (headings, paragraphs, tables), so
they always show the same findings with the same numbers. Output is deterministic: no
timestamps, fixed order.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

from rich.console import Console
from rich.markup import escape
from rich.table import Table as RichTable
from rich.text import Text

from adam.compare.result import CompareResult, RecordExample


@dataclass(frozen=True)
class Block:
    """A heading (level 1-3), a paragraph, or a table (headers + rows of strings)."""

    kind: str  # "h", "p" or "table"
    text: str = ""
    level: int = 2
    headers: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()


def _as_list(results: CompareResult | Iterable[CompareResult]) -> list[CompareResult]:
    return [results] if isinstance(results, CompareResult) else list(results)


def fmt_value(value: Any, kind: str | None = None) -> str:
    """A value as shown in reports: "." numeric missing, <NA> character missing, "" quoted."""
    if value is None:
        return "<NA>" if kind == "char" else "."
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return f"{value:.15g}"
    if isinstance(value, str):
        return json.dumps(value) if value == "" or value != value.strip() else value
    return str(value)


def _label(label: str | None) -> str:
    return "(no metadata)" if label is None else fmt_value(label)


def _status(result: CompareResult) -> str:
    if result.status != "compared":
        return result.status
    return "DIFFERENT" if result.has_differences else "equal"


def _findings_rows(r: CompareResult) -> list[tuple[str, str]]:
    dup = {d.side: d for d in r.duplicate_keys}
    return [
        ("Dataset attributes that differ", str(len(r.attribute_diffs))),
        ("Variables only in base", str(len(r.vars_only_in_base))),
        ("Variables only in compare", str(len(r.vars_only_in_compare))),
        ("Variable attributes that differ", str(len(r.variable_diffs))),
        ("Records only in base", str(r.n_records_only_in_base)),
        ("Records only in compare", str(r.n_records_only_in_compare)),
        ("Duplicate key values in base", str(dup["base"].n_keys if "base" in dup else 0)),
        ("Duplicate key values in compare", str(dup["compare"].n_keys if "compare" in dup else 0)),
        ("Variables with unequal values", str(len(r.value_diffs))),
        ("Unequal values", str(r.n_value_diffs)),
    ]


def _record_table(examples: list[RecordExample], keys: list[str], row_header: str, with_count: bool) -> Block:
    key_names = list(examples[0].key) if examples else keys
    headers = [*key_names, row_header] + (["Records"] if with_count else [])
    rows = []
    for ex in examples:
        row = ex.base_row if ex.base_row is not None else ex.compare_row
        cells = [fmt_value(ex.key[k]) for k in key_names] + [str(row)]
        if with_count:
            cells.append(str(ex.count))
        rows.append(tuple(cells))
    return Block("table", headers=tuple(headers), rows=tuple(rows))


def _option_text(r: CompareResult) -> str:
    o = r.options
    parts = [
        f"abs tol {o.get('abs_tol', 0)}",
        f"rel tol {o.get('rel_tol', 0)}",
        f"round {o.get('round_digits') if o.get('round_digits') is not None else 'no'}",
        "trailing blanks ignored" if o.get("ignore_trailing_blanks", True) else "trailing blanks kept",
        "case ignored" if o.get("ignore_case") else "case kept",
        '"" differs from missing' if o.get("strict_missing") else '"" equals missing',
    ]
    return "Options: " + ", ".join(parts) + "."


def dataset_blocks(r: CompareResult) -> list[Block]:
    """The report of one dataset comparison as blocks."""
    blocks = [Block("h", f"Dataset {r.name}: {_status(r)}", level=2)]
    if r.base_path or r.compare_path:
        blocks.append(Block("p", f"Base: {r.base_path or '(none)'}; compare: {r.compare_path or '(none)'}."))
    if r.status != "compared":
        return blocks
    how = f"Records matched by keys {', '.join(r.keys)}." if r.matched_by == "keys" else "Records matched by row order."
    blocks.append(Block("p", how + " " + _option_text(r)))
    for note in r.notes:
        blocks.append(Block("p", f"Note: {note}"))

    attr_diff = {a.attribute for a in r.attribute_diffs}
    overview = [
        ("Label", _label(r.base_label), _label(r.compare_label), "label"),
        ("Records", str(r.base_nobs), str(r.compare_nobs), "records"),
        ("Variables", str(r.base_nvars), str(r.compare_nvars), "variables"),
    ]
    blocks.append(
        Block(
            "table",
            headers=("Attribute", "Base", "Compare", "Differs"),
            rows=tuple((a, b, c, "yes" if key in attr_diff else "") for a, b, c, key in overview),
        )
    )
    blocks.append(
        Block("p", f"Records matched: {r.n_matched}; variables value-compared: {r.n_vars_compared}.")
    )
    if not r.has_differences:
        blocks.append(Block("p", "No differences found."))
        return blocks
    blocks.append(Block("table", headers=("Finding", "Count"), rows=tuple(_findings_rows(r))))

    if r.vars_only_in_base or r.vars_only_in_compare:
        blocks.append(Block("h", "Variables in one dataset only", level=3))
        rows = [(v, "base") for v in r.vars_only_in_base] + [(v, "compare") for v in r.vars_only_in_compare]
        blocks.append(Block("table", headers=("Variable", "Only in"), rows=tuple(rows)))
    if r.variable_diffs:
        blocks.append(Block("h", "Variable attributes that differ", level=3))
        blocks.append(
            Block(
                "table",
                headers=("Variable", "Attribute", "Base", "Compare"),
                rows=tuple(
                    (d.variable, d.attribute, fmt_value(d.base, "char"), fmt_value(d.compare, "char"))
                    for d in r.variable_diffs
                ),
            )
        )
    for side, found in (("base", r.records_only_in_base), ("compare", r.records_only_in_compare)):
        if found:
            shown = len(found.examples)
            blocks.append(Block("h", f"Records only in {side}: {found.count}", level=3))
            if shown < found.count:
                blocks.append(Block("p", f"First {shown} shown."))
            blocks.append(_record_table(found.examples, r.keys, f"{side.capitalize()} row", False))
    for dup in r.duplicate_keys:
        blocks.append(
            Block("h", f"Duplicate keys in {dup.side}: {dup.n_keys} key values on {dup.n_records} records", level=3)
        )
        note = "Records sharing a key are matched in file order."
        if len(dup.examples) < dup.n_keys:
            note += f" First {len(dup.examples)} shown."
        blocks.append(Block("p", note))
        blocks.append(_record_table(dup.examples, r.keys, f"First {dup.side} row", True))
    if r.value_diffs:
        blocks.append(Block("h", "Variables with unequal values", level=3))
        blocks.append(
            Block(
                "table",
                headers=("Variable", "Type", "Unequal", "Compared", "Max abs diff"),
                rows=tuple(
                    (
                        v.variable,
                        "Num" if v.kind == "num" else "Char",
                        str(v.n_diff),
                        str(v.n_compared),
                        fmt_value(v.max_abs_diff) if v.max_abs_diff is not None else "",
                    )
                    for v in r.value_diffs
                ),
            )
        )
        for v in r.value_diffs:
            if not v.examples:
                continue
            shown = len(v.examples)
            more = f" (first {shown} of {v.n_diff})" if shown < v.n_diff else ""
            blocks.append(Block("h", f"Values of {v.variable}{more}", level=3))
            key_names = list(v.examples[0].key)
            headers = [*key_names, "Base row", "Compare row", "Base", "Compare"]
            if v.kind == "num":
                headers.append("Diff")
            rows = []
            for ex in v.examples:
                cells = [fmt_value(ex.key[k]) for k in key_names]
                cells += [str(ex.base_row), str(ex.compare_row), fmt_value(ex.base, v.kind), fmt_value(ex.compare, v.kind)]
                if v.kind == "num":
                    cells.append(fmt_value(ex.diff) if ex.diff is not None else "")
                rows.append(tuple(cells))
            blocks.append(Block("table", headers=tuple(headers), rows=tuple(rows)))
    return blocks


def report_blocks(results: CompareResult | Iterable[CompareResult]) -> list[Block]:
    """The whole report: an overall table, then one part per dataset."""
    results = _as_list(results)
    n_diff = sum(r.has_differences for r in results)
    blocks = [Block("h", "Dataset comparison", level=1)]
    blocks.append(
        Block(
            "p",
            f"{len(results)} dataset{'s' if len(results) != 1 else ''} compared, "
            f"{n_diff} with differences.",
        )
    )
    if len(results) > 1:
        blocks.append(
            Block(
                "table",
                headers=("Dataset", "Result", "Base records", "Compare records", "Unequal values"),
                rows=tuple(
                    (
                        r.name,
                        _status(r),
                        str(r.base_nobs) if r.base_path else "",
                        str(r.compare_nobs) if r.compare_path else "",
                        str(r.n_value_diffs),
                    )
                    for r in results
                ),
            )
        )
    for r in results:
        blocks.extend(dataset_blocks(r))
    return blocks


def to_json(results: CompareResult | Iterable[CompareResult]) -> str:
    """The full findings as JSON (2-space indent, trailing newline)."""
    results = _as_list(results)
    doc = {
        "report": "adam compare",
        "n_datasets": len(results),
        "n_with_differences": sum(r.has_differences for r in results),
        "has_differences": any(r.has_differences for r in results),
        "datasets": [r.to_dict() for r in results],
    }
    return json.dumps(doc, indent=2, allow_nan=False, default=str) + "\n"


def _md_cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def to_markdown(results: CompareResult | Iterable[CompareResult]) -> str:
    """The report as GitHub-flavoured markdown."""
    lines: list[str] = []
    for b in report_blocks(results):
        if b.kind == "h":
            lines += ["#" * b.level + " " + b.text, ""]
        elif b.kind == "p":
            lines += [b.text, ""]
        else:
            lines.append("| " + " | ".join(_md_cell(h) for h in b.headers) + " |")
            lines.append("|" + "|".join("---" for _ in b.headers) + "|")
            lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in b.rows]
            lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


_CSS = (
    "body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin:0.5em 0 1em}"
    "th,td{border:1px solid #bbb;padding:2px 8px;text-align:left;font-family:monospace}"
    "th{background:#eee}"
)


def to_html(results: CompareResult | Iterable[CompareResult]) -> str:
    """The report as one self-contained HTML page."""
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8"><title>Dataset comparison</title>',
        f"<style>{_CSS}</style></head><body>",
    ]
    e = html.escape
    for b in report_blocks(results):
        if b.kind == "h":
            out.append(f"<h{b.level}>{e(b.text)}</h{b.level}>")
        elif b.kind == "p":
            out.append(f"<p>{e(b.text)}</p>")
        else:
            out.append("<table><thead><tr>" + "".join(f"<th>{e(h)}</th>" for h in b.headers) + "</tr></thead><tbody>")
            out += ["<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>" for row in b.rows]
            out.append("</tbody></table>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def print_summary(results: CompareResult | Iterable[CompareResult], console: Console) -> None:
    """Print the report to a rich console as headings and tables."""
    for b in report_blocks(results):
        if b.kind == "h":
            if b.level <= 2:
                console.rule(Text(b.text, style="bold"), style="dim")
            else:
                console.print(Text(b.text, style="bold"))
        elif b.kind == "p":
            console.print(b.text, markup=False, highlight=False)
        else:
            table = RichTable(*_escape_all(b.headers), show_lines=False, header_style="bold")
            for row in b.rows:
                table.add_row(*_escape_all(row))
            console.print(table)


def _escape_all(cells: Sequence[str]) -> list[str]:
    return [escape(c) for c in cells]
