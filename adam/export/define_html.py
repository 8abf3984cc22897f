"""Render define.xml as define.html with the Define-XML 2.1 stylesheet (XSLT 1.0, via lxml)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from lxml import etree

from adam.errors import InputError, Problem
from adam.export.define import stylesheet_path


@lru_cache(maxsize=1)
def _transform() -> etree.XSLT:
    return etree.XSLT(etree.parse(str(stylesheet_path())))


def render_define_html(define_path: Path | str, html_path: Path | str) -> Path:
    """Transform ``define_path`` with the defineutils ``define2-1.xsl`` and write ``html_path``.

    Raises :class:`InputError` when define.xml cannot be read or the transformation fails;
    nothing is written then. Returns the path of the HTML file.
    """
    define_path, html_path = Path(define_path), Path(html_path)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    try:
        doc = etree.parse(str(define_path), parser)
    except etree.XMLSyntaxError as error:
        raise InputError(Problem(f"not well-formed XML: {error.msg}", file=str(define_path),
                                 line=error.lineno)) from None
    except OSError as error:
        raise InputError(Problem(f"cannot read: {error}", file=str(define_path))) from None
    transform = _transform()
    try:
        result = transform(doc)
    except etree.XSLTApplyError as error:
        raise InputError(Problem(f"stylesheet failed: {error}", file=str(define_path))) from None
    html = bytes(result)
    if not html.strip():
        messages = "; ".join(str(e.message) for e in transform.error_log) or "empty output"
        raise InputError(Problem(f"stylesheet produced no HTML: {messages}", file=str(define_path)))
    html_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = html_path.with_name(f".{html_path.name}.tmp")
    tmp.write_bytes(html)
    tmp.replace(html_path)
    return html_path
