"""The engine: predecessor copying, conformance to the spec, method coverage."""

from __future__ import annotations

import types

import numpy as np
import pandas as pd
import pytest

from adam.derive.registry import MethodRegistry
from adam.engine import check_method_coverage, conform_to_spec, copy_predecessors
from adam.errors import InputError
from adam.spec.model import Dataset, Method, Spec, Study, Variable


def _spec() -> Spec:
    ds = Dataset(name="ADXX", label="Test", **{"class": "BDS"}, structure="x",
                 keys=["USUBJID", "XXSEQ"], variables=[
                     Variable(name="USUBJID", label="Subject", type="text", origin="Predecessor",
                              source="XX.USUBJID"),
                     Variable(name="XXSEQ", label="Seq", type="integer", origin="Predecessor",
                              source="XX.XXSEQ"),
                     Variable(name="AGE", label="Age", type="integer", origin="Predecessor",
                              source="DM.AGE"),
                     Variable(name="XXORRES", label="Result", type="text", origin="Predecessor",
                              source="XX.XXORRES"),
                     Variable(name="AVAL", label="Value", type="float", origin="Derived",
                              method="MT.AVAL"),
                 ])
    return Spec(study=Study(study_id="S", name="S", description="d", protocol="p"),
                datasets=[ds], methods=[Method(id="MT.AVAL", name="a", description="d")])


def test_copy_predecessors_by_subject_and_by_sequence_keeps_row_order():
    spec = _spec()
    dm = pd.DataFrame({"USUBJID": ["A", "B"], "AGE": [30, 40]})
    xx = pd.DataFrame({"USUBJID": ["A", "A", "B"], "XXSEQ": [1, 2, 1],
                       "XXORRES": ["x1", "x2", "y1"]})
    frame = pd.DataFrame({"USUBJID": ["B", "A", "A"], "XXSEQ": [1, 2, 1], "AVAL": [1.0, 2.0, 3.0]})
    out = copy_predecessors(frame, spec.dataset("ADXX"), {"DM": dm, "XX": xx})
    assert out["AGE"].tolist() == [40, 30, 30]
    assert out["XXORRES"].tolist() == ["y1", "x2", "x1"]


def test_copy_predecessors_unmatched_repeated_and_conflicting_sources():
    spec = _spec()
    # DM repeats subject A with the same AGE (allowed); subject C has no DM record (missing)
    dm = pd.DataFrame({"USUBJID": ["A", "B", "A"], "AGE": [30, 40, 30]})
    xx = pd.DataFrame({"USUBJID": ["A", "B"], "XXSEQ": [1, 1], "XXORRES": ["x1", "y1"]})
    frame = pd.DataFrame({"USUBJID": ["C", "A", "B"], "XXSEQ": [1, 1, 7], "AVAL": [1.0, 2.0, 3.0]})
    out = copy_predecessors(frame, spec.dataset("ADXX"), {"DM": dm, "XX": xx})
    assert out["AGE"].tolist()[1:] == [30, 40] and np.isnan(out["AGE"].iloc[0])
    assert out["XXORRES"].tolist()[1] == "x1" and out["XXORRES"].isna().tolist() == [True, False, True]
    assert frame.columns.tolist() == ["USUBJID", "XXSEQ", "AVAL"]  # the input is not changed
    dm_conflict = pd.DataFrame({"USUBJID": ["A", "A", "B"], "AGE": [30, 31, 40]})
    with pytest.raises(InputError, match="source DM.AGE has several values per USUBJID"):
        copy_predecessors(frame, spec.dataset("ADXX"), {"DM": dm_conflict, "XX": xx})


def test_conform_orders_columns_types_and_blank_text():
    ds = _spec().dataset("ADXX")
    frame = pd.DataFrame({"AVAL": [1, 2], "XXORRES": ["", "a"], "AGE": [3, 4],
                          "XXSEQ": [1, 2], "USUBJID": ["A", "B"]})
    out = conform_to_spec(frame, ds)
    assert list(out.columns) == ["USUBJID", "XXSEQ", "AGE", "XXORRES", "AVAL"]
    assert out["AVAL"].dtype == np.float64
    assert out["XXORRES"].isna().tolist() == [True, False]


def test_conform_names_missing_and_extra_variables():
    ds = _spec().dataset("ADXX")
    frame = pd.DataFrame({"USUBJID": ["A"], "XXSEQ": [1], "AGE": [3], "XXORRES": ["a"],
                          "EXTRA": [1]})
    with pytest.raises(InputError) as err:
        conform_to_spec(frame, ds)
    text = str(err.value)
    assert "AVAL" in text and "method MT.AVAL" in text
    assert "EXTRA" in text and "not in the spec" in text


def test_method_coverage_finds_missing_and_unlisted_implementations():
    spec = _spec()
    registry = MethodRegistry()
    module = types.SimpleNamespace(REGISTRY=registry, BUILDERS={"ADXX": lambda ctx: None})
    problems = check_method_coverage(spec, module)
    assert [p.message for p in problems] == ["method MT.AVAL has no registered implementation"]
    assert problems[0].variable == "AVAL"

    @registry.implements("MT.AVAL", variables=("ADXX.AVAL", "ADXX.AVALC"))
    def derive_aval(df):
        return df

    @registry.implements("MT.UNUSED", variables=("ADXX.BASE",))
    def derive_base(df):
        return df

    messages = [p.message for p in check_method_coverage(spec, module)]
    assert any("produces AVALC" in m for m in messages)
    assert any("MT.UNUSED" in m and "not a method in the spec" in m for m in messages)


def test_build_context_caches_until_a_frame_it_depends_on_is_replaced():
    from adam.engine import BuildContext

    ce = pd.DataFrame({"X": [1]})
    ctx = BuildContext(spec=None, sdtm={"CE": ce})  # type: ignore[arg-type]
    calls = []

    def compute():
        calls.append(1)
        return len(ctx.sdtm["CE"])

    assert ctx.cached("n", (ctx.sdtm["CE"],), compute) == 1
    assert ctx.cached("n", (ctx.sdtm["CE"],), compute) == 1 and len(calls) == 1  # reused
    ctx.sdtm["CE"] = pd.DataFrame({"X": [1, 2]})  # an equal-looking but new frame: recomputed
    assert ctx.cached("n", (ctx.sdtm["CE"],), compute) == 2 and len(calls) == 2
    assert ctx.cached("other", (ctx.sdtm["CE"],), compute) == 2 and len(calls) == 3  # per key
