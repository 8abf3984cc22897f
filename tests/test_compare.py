"""compare_datasets on crafted DataFrame pairs: each kind of difference, and none on equal data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from adam.compare import compare_datasets, split_keys
from adam.errors import InputError
from adam.export.columns import ColumnMeta, DatasetMeta

KEYS = ["USUBJID", "PARAMCD"]


def frame(**overrides) -> pd.DataFrame:
    data = {
        "USUBJID": ["S01", "S01", "S02", "S03"],
        "PARAMCD": ["EDSS", "ARR", "EDSS", "EDSS"],
        "AVAL": [1.5, 0.25, 3.0, np.nan],
        "AVALC": ["1.5", "0.25", "3", ""],
        "ADT": [21000.0, 21001.0, 21002.0, 21003.0],
    }
    data.update(overrides)
    return pd.DataFrame(data)


def meta(label="Analysis", **col_overrides) -> DatasetMeta:
    cols = {
        "USUBJID": ColumnMeta("USUBJID", "Unique Subject Identifier", "text", 3),
        "PARAMCD": ColumnMeta("PARAMCD", "Parameter Code", "text", 4),
        "AVAL": ColumnMeta("AVAL", "Analysis Value", "float", 8),
        "AVALC": ColumnMeta("AVALC", "Analysis Value (C)", "text", 4),
        "ADT": ColumnMeta("ADT", "Analysis Date", "date", 8, "DATE9."),
    }
    cols.update(col_overrides)
    return DatasetMeta("ADX", label, tuple(cols.values()))


def test_identical_frames_have_no_differences():
    r = compare_datasets(frame(), frame(), KEYS, base_meta=meta(), compare_meta=meta())
    assert not r.has_differences
    assert r.n_matched == 4
    assert r.n_vars_compared == 3  # AVAL, AVALC, ADT; keys are not value-compared
    assert r.matched_by == "keys" and r.keys == KEYS
    assert r.value_diffs == [] and r.variable_diffs == [] and r.attribute_diffs == []


def test_dataset_label_and_record_count():
    r = compare_datasets(
        frame(), frame().iloc[:3], KEYS, base_meta=meta("Analysis"), compare_meta=meta("Analysis Data")
    )
    diffs = {(a.attribute, a.base, a.compare) for a in r.attribute_diffs}
    assert diffs == {("label", "Analysis", "Analysis Data"), ("records", 4, 3)}
    assert r.n_records_only_in_base == 1
    assert r.records_only_in_base.examples[0].key == {"USUBJID": "S03", "PARAMCD": "EDSS"}
    assert r.records_only_in_base.examples[0].base_row == 4
    assert r.has_differences


def test_variables_only_in_one_side():
    r = compare_datasets(frame(EXTRA=[1, 2, 3, 4]), frame(QCVAR=["a"] * 4, OTHER=[0] * 4), KEYS)
    assert r.vars_only_in_base == ["EXTRA"]
    assert r.vars_only_in_compare == ["QCVAR", "OTHER"]
    assert r.value_diffs == []
    assert r.has_differences


def test_type_difference_is_reported_and_values_not_compared():
    r = compare_datasets(frame(), frame(AVAL=["1.5", "0.25", "3", ""]), KEYS)
    assert [(d.variable, d.attribute, d.base, d.compare) for d in r.variable_diffs] == [
        ("AVAL", "type", "Num", "Char")
    ]
    assert r.diff_for("AVAL") is None
    assert r.n_vars_compared == 2


def test_length_label_and_format_differences():
    cmeta = meta(
        AVALC=ColumnMeta("AVALC", "Analysis Value (C)", "text", 200),
        AVAL=ColumnMeta("AVAL", "Analysis Val", "float", 8),
        ADT=ColumnMeta("ADT", "Analysis Date", "date", 8, "YYMMDD10."),
    )
    r = compare_datasets(frame(), frame(), KEYS, base_meta=meta(), compare_meta=cmeta)
    assert [(d.variable, d.attribute, d.base, d.compare) for d in r.variable_diffs] == [
        ("AVAL", "label", "Analysis Value", "Analysis Val"),
        ("AVALC", "length", 4, 200),
        ("ADT", "format", "DATE9.", "YYMMDD10."),
    ]
    assert r.value_diffs == []


def test_format_spelling_with_or_without_dot_is_the_same():
    cmeta = meta(ADT=ColumnMeta("ADT", "Analysis Date", "date", 8, "date9"))
    r = compare_datasets(frame(), frame(), KEYS, base_meta=meta(), compare_meta=cmeta)
    assert not r.has_differences


def test_attributes_not_compared_without_metadata_on_both_sides():
    r = compare_datasets(frame(), frame(), KEYS, base_meta=meta(), compare_meta=None)
    assert not r.has_differences


def test_records_only_in_base_and_in_compare():
    base = frame()
    comp = frame().iloc[[3, 0, 2]].reset_index(drop=True)  # S01/ARR missing, order changed
    comp.loc[len(comp)] = ["S09", "EDSS", 2.0, "2", 21010.0]
    r = compare_datasets(base, comp, KEYS)
    assert r.n_records_only_in_base == 1 and r.n_records_only_in_compare == 1
    assert r.records_only_in_base.examples[0].key == {"USUBJID": "S01", "PARAMCD": "ARR"}
    assert r.records_only_in_base.examples[0].base_row == 2
    assert r.records_only_in_compare.examples[0].key == {"USUBJID": "S09", "PARAMCD": "EDSS"}
    assert r.records_only_in_compare.examples[0].compare_row == 4
    assert r.n_matched == 3
    assert r.value_diffs == []  # reordering alone changes nothing


def test_duplicate_keys_are_reported_and_matched_in_file_order():
    base = frame(PARAMCD=["EDSS", "EDSS", "EDSS", "EDSS"], USUBJID=["S01", "S01", "S01", "S02"])
    comp = base.copy()
    comp.loc[2, "AVAL"] = 9.0
    r = compare_datasets(base, comp, KEYS)
    (dup_b, dup_c) = r.duplicate_keys
    assert (dup_b.side, dup_b.n_keys, dup_b.n_records) == ("base", 1, 3)
    assert (dup_c.side, dup_c.n_keys, dup_c.n_records) == ("compare", 1, 3)
    assert dup_b.examples[0].key == {"USUBJID": "S01", "PARAMCD": "EDSS"}
    assert dup_b.examples[0].count == 3 and dup_b.examples[0].base_row == 1
    aval = r.diff_for("AVAL")
    assert aval.n_diff == 1
    assert (aval.examples[0].base_row, aval.examples[0].compare_row) == (3, 3)
    assert r.n_records_only_in_base == 0 and r.has_differences


def test_numeric_value_difference_with_examples():
    comp = frame(AVAL=[1.5, 0.75, 3.0, 0.0], ADT=[21000.0, 21001.0, 21012.0, 21003.0])
    r = compare_datasets(frame(), comp, KEYS)
    aval = r.diff_for("AVAL")
    assert (aval.kind, aval.n_diff, aval.n_compared) == ("num", 2, 4)
    assert aval.max_abs_diff == 0.5  # the NaN-vs-0 pair has no finite gap
    # examples come in key order: (S01, ARR) before (S03, EDSS)
    ex = aval.examples
    assert [e.key for e in ex] == [
        {"USUBJID": "S01", "PARAMCD": "ARR"},
        {"USUBJID": "S03", "PARAMCD": "EDSS"},
    ]
    assert (ex[0].base, ex[0].compare, ex[0].diff) == (0.25, 0.75, 0.5)
    assert (ex[1].base, ex[1].compare, ex[1].diff) == (None, 0.0, None)
    adt = r.diff_for("ADT")
    assert adt.n_diff == 1 and adt.examples[0].diff == 10.0
    assert r.n_value_diffs == 3


def test_nan_equals_nan():
    r = compare_datasets(frame(AVAL=[np.nan] * 4), frame(AVAL=[np.nan] * 4), KEYS)
    assert r.diff_for("AVAL") is None


def test_character_value_difference():
    r = compare_datasets(frame(), frame(AVALC=["1.5", "0.3", "3", ""]), KEYS)
    avalc = r.diff_for("AVALC")
    assert (avalc.kind, avalc.n_diff) == ("char", 1)
    assert (avalc.examples[0].base, avalc.examples[0].compare) == ("0.25", "0.3")
    assert avalc.max_abs_diff is None and avalc.examples[0].diff is None


@pytest.mark.parametrize(
    ("abs_tol", "rel_tol", "n_diff"),
    [(0.0, 0.0, 2), (0.1, 0.0, 1), (1.0, 0.0, 0), (0.0, 0.0099, 2), (0.0, 0.01, 1), (0.0, 0.04, 0)],
)
def test_numeric_tolerance(abs_tol, rel_tol, n_diff):
    # gaps: 0.05 between 1.5 and 1.55 (0.05 / 1.55 = 0.032); 1 between 100 and 101 (1 / 101 = 0.0099)
    base = frame(AVAL=[1.5, 100.0, 3.0, 4.0])
    comp = frame(AVAL=[1.55, 101.0, 3.0, 4.0])
    r = compare_datasets(base, comp, KEYS, abs_tol=abs_tol, rel_tol=rel_tol)
    found = r.diff_for("AVAL")
    assert (found.n_diff if found else 0) == n_diff
    if n_diff == 1:
        expected = {"USUBJID": "S01", "PARAMCD": "ARR" if abs_tol else "EDSS"}
        assert found.examples[0].key == expected


def test_rounding_before_comparing():
    base = frame(AVAL=[1.1234567891, 2.0, 3.0, 4.0])
    comp = frame(AVAL=[1.1234567894, 2.0, 3.0, 4.0])
    assert compare_datasets(base, comp, KEYS).diff_for("AVAL").n_diff == 1
    assert compare_datasets(base, comp, KEYS, round_digits=8).diff_for("AVAL") is None
    assert compare_datasets(base, comp, KEYS, round_digits=10).diff_for("AVAL").n_diff == 1


def test_trailing_blanks_ignored_by_default_but_not_leading():
    comp = frame(AVALC=["1.5  ", "0.25", " 3", ""])
    r = compare_datasets(frame(), comp, KEYS)
    assert r.diff_for("AVALC").n_diff == 1
    assert r.diff_for("AVALC").examples[0].compare == " 3"
    r = compare_datasets(frame(), comp, KEYS, ignore_trailing_blanks=False)
    assert r.diff_for("AVALC").n_diff == 2


def test_case():
    base = frame(AVALC=["yes", "No", "x", ""])
    comp = frame(AVALC=["YES", "No", "X ", ""])
    assert compare_datasets(base, comp, KEYS).diff_for("AVALC").n_diff == 2
    assert compare_datasets(base, comp, KEYS, ignore_case=True).diff_for("AVALC") is None


def test_empty_string_and_missing():
    base = frame(AVALC=["", None, np.nan, "  "])
    comp = frame(AVALC=[None, "", np.nan, None])
    assert compare_datasets(base, comp, KEYS).diff_for("AVALC") is None
    strict = compare_datasets(base, comp, KEYS, strict_missing=True).diff_for("AVALC")
    assert strict.n_diff == 3  # "" vs NA, NA vs "", "  " vs NA; NA vs NA is equal
    # first in key order is (S01, ARR): missing in base, "" in compare
    assert (strict.examples[0].base, strict.examples[0].compare) == (None, "")


def test_key_values_normalized_like_values():
    base = frame(USUBJID=["S01 ", "s01", "S02", ""])
    comp = frame(USUBJID=["S01", "S01", "S02", None])
    r = compare_datasets(base, comp, KEYS)
    assert r.n_records_only_in_base == 1  # "s01" differs by case
    assert r.n_matched == 3  # "S01 " = "S01", "" = missing
    r = compare_datasets(base, comp, KEYS, ignore_case=True, strict_missing=True)
    assert r.n_matched == 3 and r.n_records_only_in_base == 1
    assert r.records_only_in_base.examples[0].key == {"USUBJID": "", "PARAMCD": "EDSS"}


def test_numeric_keys_and_rounding():
    base = frame()
    comp = frame(ADT=[21000.0, 21001.0, 21002.0, 21003.0000000001])
    assert compare_datasets(base, comp, ["USUBJID", "ADT"]).n_records_only_in_base == 1
    assert compare_datasets(base, comp, ["USUBJID", "ADT"], round_digits=6).n_matched == 4


def test_no_keys_compares_by_row_order():
    comp = frame().iloc[:3].copy()
    comp.loc[1, "AVALC"] = "X"
    r = compare_datasets(frame(), comp)
    assert r.matched_by == "row order" and any("row order" in n for n in r.notes)
    assert r.n_matched == 3
    assert r.n_records_only_in_base == 1 and r.records_only_in_base.examples[0].key == {"OBS": 4}
    avalc = r.diff_for("AVALC")
    assert avalc.examples[0].key == {"OBS": 2}
    assert r.diff_for("USUBJID") is None  # without keys every variable is compared


def test_key_missing_from_one_side_names_it():
    with pytest.raises(InputError) as err:
        compare_datasets(frame(), frame().drop(columns="PARAMCD"), ["USUBJID", "PARAMCD", "ASEQ"])
    messages = [str(p) for p in err.value.problems]
    assert messages == [
        "DATASET / PARAMCD: key variable PARAMCD is not in the compare dataset",
        "DATASET / ASEQ: key variable ASEQ is not in the base dataset",
        "DATASET / ASEQ: key variable ASEQ is not in the compare dataset",
    ]


def test_key_of_different_type_is_bad_input():
    with pytest.raises(InputError, match="key variable ADT is Num in the base dataset but Char"):
        compare_datasets(frame(), frame(ADT=["a", "b", "c", "d"]), ["USUBJID", "ADT"])


def test_bad_options_are_bad_input():
    with pytest.raises(InputError) as err:
        compare_datasets(frame(), frame(), KEYS, abs_tol=-1, rel_tol=float("nan"), max_diffs=-2)
    assert len(err.value.problems) == 3


def test_variable_names_match_case_insensitively():
    comp = frame().rename(columns={"AVAL": "aval", "USUBJID": "usubjid"})
    comp.loc[0, "aval"] = 7.0
    r = compare_datasets(frame(), comp, ["usubjid", "paramcd"])
    assert r.vars_only_in_base == [] and r.vars_only_in_compare == []
    assert r.keys == ["USUBJID", "PARAMCD"]
    assert r.diff_for("AVAL").n_diff == 1


def test_max_diffs_bounds_examples_not_counts():
    n = 50
    base = pd.DataFrame({"ID": np.arange(n), "X": np.zeros(n)})
    comp = pd.DataFrame({"ID": np.arange(n), "X": np.ones(n)})
    r = compare_datasets(base, comp, "ID", max_diffs=3)
    assert r.diff_for("X").n_diff == 50
    assert [e.key["ID"] for e in r.diff_for("X").examples] == [0, 1, 2]


def test_dates_as_datetimes_compare_with_sas_numbers():
    parquet_like = frame(ADT=pd.to_datetime(["2017-06-30", "2017-07-01", "2017-07-02", "2017-07-03"]))
    # 2017-06-30 is SAS date 21000
    assert not compare_datasets(frame(), parquet_like, KEYS).has_differences


def test_all_missing_column_of_csv_takes_other_type():
    comp = frame(AVALC=[np.nan] * 4)  # csv reads an all-empty column as float
    r = compare_datasets(frame(AVALC=[""] * 4), comp, KEYS, base_meta=meta())
    assert not r.has_differences


def test_split_keys_forms():
    assert split_keys("USUBJID PARAMCD,ADT") == ["USUBJID", "PARAMCD", "ADT"]
    assert split_keys(["USUBJID", "PARAMCD ADT", "usubjid"]) == ["USUBJID", "PARAMCD", "ADT"]
    assert split_keys(None) == []


def test_large_shuffled_frames_exact_counts():
    """200,000 records in a different order: vectorized matching gives exact counts."""
    n = 200_000
    rng = np.random.default_rng(7)
    base = pd.DataFrame(
        {
            "USUBJID": pd.array([f"S{i // 10:05d}" for i in range(n)], dtype="str"),
            "AVISITN": (np.arange(n) % 10).astype(float),
            "AVAL": rng.normal(size=n),
            "AVALC": pd.array(np.array(["LOW", "HIGH", "", "NORMAL"])[rng.integers(0, 4, n)], dtype="str"),
        }
    )
    comp = base.copy()
    comp.loc[comp.index[::100], "AVAL"] += 1e-3  # 2,000 values
    comp.loc[comp.index[5::400], "AVALC"] = "CHANGED"  # 500 values
    comp = comp.drop(index=comp.index[7::1000])  # 200 records
    comp = comp.sample(frac=1.0, random_state=3).reset_index(drop=True)
    r = compare_datasets(base, comp, ["USUBJID", "AVISITN"], abs_tol=1e-6)
    assert r.n_matched == n - 200
    assert r.n_records_only_in_base == 200 and r.n_records_only_in_compare == 0
    assert r.diff_for("AVAL").n_diff == 2000
    assert r.diff_for("AVALC").n_diff == 500
    assert r.diff_for("AVAL").examples[0].key == {"USUBJID": "S00000", "AVISITN": 0.0}


def test_reports_of_records_duplicates_and_variables():
    import json

    from adam.compare import to_html, to_json, to_markdown

    base = frame(USUBJID=["S01", "S01", "S02", "S03"], PARAMCD=["EDSS"] * 4, EXTRA=["a|b", "<i>", "", ""])
    comp = frame(USUBJID=["S01", "S02", "S04", "S05"], PARAMCD=["EDSS"] * 4)
    r = compare_datasets(base, comp, KEYS, name="ADX")
    doc = json.loads(to_json(r))
    ds = doc["datasets"][0]
    assert ds["summary"]["records_only_in_base"] == 2  # second S01, S03
    assert ds["summary"]["records_only_in_compare"] == 2  # S04, S05
    assert ds["summary"]["duplicate_key_values"] == 1
    assert ds["vars_only_in_base"] == ["EXTRA"]
    assert [e["key"]["USUBJID"] for e in ds["records_only_in_base"]["examples"]] == ["S01", "S03"]
    assert [e["base_row"] for e in ds["records_only_in_base"]["examples"]] == [2, 4]
    assert ds["duplicate_keys"][0]["examples"][0] == {
        "key": {"USUBJID": "S01", "PARAMCD": "EDSS"}, "base_row": 1, "compare_row": None, "count": 2
    }
    md = to_markdown(r)
    assert "### Records only in base: 2" in md and "| S03 | EDSS | 4 |" in md
    assert "### Duplicate keys in base: 1 key values on 2 records" in md
    assert "| S01 | EDSS | 1 | 2 |" in md
    assert "| EXTRA | base |" in md
    html = to_html(r)
    assert "<h3>Records only in compare: 2</h3>" in html
    assert "<td>S05</td><td>EDSS</td><td>4</td>" in html


def test_report_escapes_cell_text():
    from adam.compare import to_html, to_markdown

    r = compare_datasets(frame(AVALC=["a|b", "<b>", "3", ""]), frame(), KEYS)
    assert "| a\\|b | 1.5 |" in to_markdown(r)
    assert "<td>&lt;b&gt;</td>" in to_html(r)


def test_two_columns_with_one_name_are_bad_input():
    with pytest.raises(InputError, match="two variables named 'AVAL' and 'aval'"):
        compare_datasets(frame(aval=[1, 2, 3, 4]), frame(), KEYS)
