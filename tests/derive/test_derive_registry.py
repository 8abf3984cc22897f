"""MethodRegistry and check_coverage."""

from __future__ import annotations

import pandas as pd
import pytest

from adam.derive import MethodRegistry, check_coverage, derive_var_chg
from adam.errors import InputError


def _registry() -> MethodRegistry:
    reg = MethodRegistry("test")

    @reg.implements("MT.CHG", ("CHG",))
    def chg(df):
        return derive_var_chg(df)

    @reg.implements("MT.BOTH", ("A", "B"))
    def both(df):
        return df.assign(A=1, B=2)

    @reg.implements("MT.EXTRA", "X")
    def extra(df):
        return df.assign(X=1, HELPER=0)

    return reg


def test_register_lookup_listing_and_run():
    reg = _registry()
    assert "MT.CHG" in reg and "MT.NONE" not in reg and len(reg) == 3
    assert [m.method_id for m in reg.methods()] == ["MT.BOTH", "MT.CHG", "MT.EXTRA"]
    assert reg.get("MT.BOTH").variables == ("A", "B")
    df = pd.DataFrame({"AVAL": [3.0], "BASE": [1.0]})
    assert reg.run("MT.CHG", df)["CHG"].tolist() == [2.0]
    with pytest.raises(InputError, match="method MT.EXTRA produced HELPER, which it does not declare"):
        reg.run("MT.EXTRA", df)
    with pytest.raises(InputError, match="no implementation for method MT.NONE .registered: MT.BOTH, MT.CHG"):
        reg.get("MT.NONE")


def test_register_twice_and_bad_ids():
    reg = _registry()
    with pytest.raises(InputError, match="MT.CHG is already implemented by"):
        reg.register("MT.CHG", ["CHG"], lambda df: df)
    with pytest.raises(InputError, match="method id must be a non-empty string"):
        reg.implements("  ", ["X"])
    with pytest.raises(InputError, match="invalid variables"):
        reg.implements("MT.Y", ["", 3])


def test_run_reports_missing_and_dropped():
    reg = MethodRegistry()
    reg.register("MT.DROP", ["Z"], lambda df: df.drop(columns="AVAL"))
    with pytest.raises(InputError) as err:
        reg.run("MT.DROP", pd.DataFrame({"AVAL": [1.0]}))
    msgs = [p.message for p in err.value.problems]
    assert msgs == ["method MT.DROP declares Z but did not produce it", "method MT.DROP dropped input column AVAL"]


def test_check_coverage():
    reg = _registry()
    spec = {"MT.CHG": {"CHG"}, "MT.BOTH": {"A"}, "MT.BASE": {"BASE"}, "MT.EXTRA": {"X", "Y"}}
    problems = check_coverage(reg, spec)
    msgs = [p.message for p in problems]
    assert msgs == [
        "method MT.BASE has no registered implementation",
        "method MT.BOTH produces B, which the spec does not list for it",
        "the spec derives Y with method MT.EXTRA, whose implementation does not produce it",
    ]
    assert problems[0].variable == "BASE"
    problems = check_coverage(reg, {"MT.CHG": ["CHG"]}, unused="warning")
    assert [(p.message, p.severity) for p in problems] == [
        ("implementation MT.BOTH is not a method in the spec", "warning"),
        ("implementation MT.EXTRA is not a method in the spec", "warning"),
    ]
    full = {"MT.CHG": {"CHG"}, "MT.BOTH": {"A", "B"}, "MT.EXTRA": "X"}
    assert check_coverage(reg, full) == []


def test_check_coverage_locates_every_problem_at_its_method():
    reg = _registry()
    spec = {"MT.BASE": {"BASE"}, "MT.BOTH": {"A"}, "MT.EXTRA": {"X", "Y"}}
    lines = {"MT.BASE": 3, "MT.BOTH": 10, "MT.EXTRA": 20}
    problems = check_coverage(reg, spec, locate=lambda mid: ("methods.yaml", lines[mid]))
    # no implementation, produces more, produces less; then MT.CHG, which the spec lacks
    assert [(p.file, p.line) for p in problems] == [
        ("methods.yaml", 3), ("methods.yaml", 10), ("methods.yaml", 20), (None, None)]
