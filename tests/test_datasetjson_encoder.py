"""The Dataset-JSON row encoder (distinct values encoded once, rows joined in blocks): exact bytes
for edge cases, checked against hand-written lines and against the standard library's encoder."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import adam.export.datasetjson as dj
from adam.errors import InputError
from adam.export.columns import ColumnMeta, DatasetMeta
from adam.export.datasetjson import (
    dataset_json_object,
    read_dataset_json,
    write_dataset_json,
    write_dataset_json_pair,
)


def write_pair(tmp_path: Path, df: pd.DataFrame, meta: DatasetMeta, **kw) -> tuple[list[str], str]:
    """The row lines of the .ndjson form and the whole text of the .json form."""
    js, nd = write_dataset_json_pair(df, tmp_path / "x.json", tmp_path / "x.ndjson", meta, study_oid="S", **kw)
    lines = nd.read_text(encoding="utf-8").split("\n")
    assert lines[-1] == ""  # the file ends with a line end
    return lines[1:-1], js.read_text(encoding="utf-8")


def rows_part(json_text: str) -> str:
    """The text of the .json form from the first row to the end."""
    return json_text[json_text.index(', "rows": [') + len(', "rows": ['):]


def one_column(values, col: ColumnMeta) -> tuple[pd.DataFrame, DatasetMeta]:
    return pd.DataFrame({col.name: values}), DatasetMeta("ADX", "X", (col,))


def test_numbers_hand_checked(tmp_path):
    meta = DatasetMeta("ADX", "X", (
        ColumnMeta("I", "I", "integer"), ColumnMeta("F", "F", "float"), ColumnMeta("D", "D", "float", json_type="decimal"),
        ColumnMeta("B", "B", "integer", json_type="boolean")))
    df = pd.DataFrame({
        "I": [3.0, -0.0, 91000482.0, np.nan, 2.0**53, -7.0],
        "F": [0.1 + 0.2, -0.0, 1e16, np.nan, 5e-324, 1.7976931348623157e308],
        "D": [1.5, 0.0, 1e-7, np.nan, 123456789.125, -2.0],
        "B": [1.0, 0.0, 1.0, np.nan, 0.0, 1.0],
    })
    lines, text = write_pair(tmp_path, df, meta)
    assert lines == [
        '[3, 0.30000000000000004, "1.5", true]',
        '[0, -0.0, "0.0", false]',  # -0.0 keeps its sign as a float, is 0 as an integer
        '[91000482, 1e+16, "1e-07", true]',
        '[null, null, null, null]',
        '[9007199254740992, 5e-324, "123456789.125", false]',
        '[-7, 1.7976931348623157e+308, "-2.0", true]',
    ]
    assert rows_part(text) == "\n" + ",\n".join(lines) + "\n]}\n"


def test_integers_beyond_int64_are_written_exactly(tmp_path):
    df, meta = one_column([2.0**63, -(2.0**64), 1e20], ColumnMeta("I", "I", "integer"))
    lines, _ = write_pair(tmp_path, df, meta)
    assert lines == ["[9223372036854775808]", "[-18446744073709551616]", "[100000000000000000000]"]


def test_integer_stored_as_int64_and_nullable(tmp_path):
    col = ColumnMeta("I", "I", "integer")
    for values in (pd.array([1, None, 1], dtype="Int64"), np.array([1, 2, 1], dtype="int64")):
        df, meta = one_column(values, col)
        lines, _ = write_pair(tmp_path, df, meta)
        assert lines == (["[1]", "[null]", "[1]"] if values.dtype == "Int64" else ["[1]", "[2]", "[1]"])


def test_text_escapes_non_ascii_and_stripping(tmp_path):
    values = ['say "hi"', "back\\slash", "line\nbreak\ttab", "\x01\x1fz", "Zürich 日本 😀 Köln", "a\u2028b\u2028",
              "trail  ", "   ", "", "say \"hi\"  "]
    df, meta = one_column(values, ColumnMeta("T", "T"))
    lines, _ = write_pair(tmp_path, df, meta)
    assert lines == [
        '["say \\"hi\\""]', '["back\\\\slash"]', '["line\\nbreak\\ttab"]', '["\\u0001\\u001fz"]',
        '["Zürich 日本 😀 Köln"]', '["a\u2028b"]', '["trail"]', '[""]', '[""]', '["say \\"hi\\""]',
    ]
    # (str.rstrip also strips the control characters \x1c-\x1f and U+2028, as in XPT)
    # exactly what the standard library writes for each row (ensure_ascii=False)
    assert lines == [json.dumps([v.rstrip()], ensure_ascii=False) for v in values]
    head = json.loads((tmp_path / "x.ndjson").read_text(encoding="utf-8").split("\n")[0])
    assert head["columns"][0]["length"] == 16  # characters (not UTF-8 bytes) of the longest value


@pytest.mark.parametrize("as_null, missing_text", [(False, '""'), (True, "null")])
def test_missing_text_none_nan_and_na(tmp_path, as_null, missing_text):
    obj = pd.Series(["a", None, np.nan, pd.NA, "a "], dtype=object)
    strs = pd.Series(["a", None, np.nan, None, "a "], dtype="str")
    nullable = pd.Series(["a", None, pd.NA, None, "a "], dtype="string")
    for values in (obj, strs, nullable):
        df, meta = one_column(values, ColumnMeta("T", "T"))
        lines, _ = write_pair(tmp_path, df, meta, text_missing_as_null=as_null)
        assert lines == ['["a"]'] + [f"[{missing_text}]"] * 3 + ['["a"]']
    # a blank value is a present, empty value: "" even when missing text is written as null
    df, meta = one_column(pd.Series([" ", None], dtype="str"), ColumnMeta("T", "T"))
    assert write_pair(tmp_path, df, meta, text_missing_as_null=as_null)[0] == ['[""]', f"[{missing_text}]"]


def test_dates_repeated_missing_and_fractional(tmp_path):
    meta = DatasetMeta("ADX", "X", (ColumnMeta("D", "D", "date"), ColumnMeta("DTM", "DTM", "datetime"),
                                    ColumnMeta("TM", "TM", "time")))
    df = pd.DataFrame({
        "D": [19725.0, np.nan, 19725.0, -1.0],
        "DTM": [19725 * 86400 + 36000.0, 0.25, np.nan, 19725 * 86400 + 36000.0],
        "TM": [36000.0, 0.5, 86399.0, np.nan],
    })
    lines, _ = write_pair(tmp_path, df, meta)
    assert lines == [
        '["2014-01-02", "2014-01-02T10:00:00", "10:00:00"]',
        '[null, "1960-01-01T00:00:00.250", "00:00:00.500"]',
        '["2014-01-02", null, "23:59:59"]',
        '["1959-12-31", "2014-01-02T10:00:00", null]',
    ]


def test_empty_frame_and_one_row(tmp_path):
    meta = DatasetMeta("ADX", "X", (ColumnMeta("T", "T"), ColumnMeta("N", "N", "float")))
    empty = pd.DataFrame({"T": pd.Series([], dtype="str"), "N": pd.Series([], dtype="float64")})
    lines, text = write_pair(tmp_path, empty, meta)
    assert lines == [] and text.endswith('"columns": [{"itemOID": "IT.ADX.T", "name": "T", "label": "T", '
                                         '"dataType": "string", "length": 1}, {"itemOID": "IT.ADX.N", "name": "N", '
                                         '"label": "N", "dataType": "float"}], "rows": [\n]}\n')
    assert json.loads(text)["rows"] == [] and json.loads(text)["records"] == 0
    one = pd.DataFrame({"T": ["x"], "N": [2.5]})
    lines, text = write_pair(tmp_path, one, meta)
    assert lines == ['["x", 2.5]'] and rows_part(text) == '\n["x", 2.5]\n]}\n'
    back, _ = read_dataset_json(tmp_path / "x.json")
    assert back["T"].tolist() == ["x"] and back["N"].tolist() == [2.5]


def test_no_columns(tmp_path):
    meta = DatasetMeta("ADX", "X", ())
    lines, text = write_pair(tmp_path, pd.DataFrame(index=range(2)), meta)
    assert lines == ["[]", "[]"] and rows_part(text) == "\n[],\n[]\n]}\n"


def test_merge_groups_hand_checked(monkeypatch):
    assert dj._merge_groups([2, 3, 5000, 2, 2, 1]) == [[0, 1], [2], [3, 4, 5]]
    monkeypatch.setattr(dj, "MERGE_LIMIT", 6)
    assert dj._merge_groups([2, 3, 2, 7, 1]) == [[0, 1], [2], [3], [4]]
    assert dj._merge_groups([]) == []


@pytest.mark.parametrize("block, limit", [(2, 1), (2, 4096), (3, 6), (1, 10**6)])
def test_blocks_and_merged_columns_give_the_same_bytes(tmp_path, monkeypatch, block, limit):
    meta = DatasetMeta("ADX", "X", (ColumnMeta("T", "T"), ColumnMeta("N", "N", "integer"),
                                    ColumnMeta("FL", "FL"), ColumnMeta("D", "D", "date")))
    df = pd.DataFrame({"T": ["a", "b\n", None, "d", "e"], "N": [1.0, 2.0, 3.0, np.nan, 5.0],
                       "FL": ["Y", None, "Y", "N", None], "D": [0.0, 0.0, np.nan, 1.0, 0.0]})
    expected = ['["a", 1, "Y", "1960-01-01"]', '["b", 2, "", "1960-01-01"]', '["", 3, "Y", null]',
                '["d", null, "N", "1960-01-02"]', '["e", 5, "", "1960-01-01"]']
    monkeypatch.setattr(dj, "ROW_BLOCK", block)
    monkeypatch.setattr(dj, "MERGE_LIMIT", limit)  # 1: no merging; 10**6: all columns as one
    lines, text = write_pair(tmp_path, df, meta)
    assert lines == expected
    assert rows_part(text) == "\n" + ",\n".join(expected) + "\n]}\n"


def test_rows_agree_with_the_standard_encoder_and_python_values(tmp_path):
    rng = np.random.default_rng(7)
    n = 500
    meta = DatasetMeta("ADX", "X", (ColumnMeta("T", "T"), ColumnMeta("F", "F", "float"),
                                    ColumnMeta("I", "I", "integer"), ColumnMeta("D", "D", "date")))
    words = np.array(["x", "ä\"", "", "tab\t", "long value  "], dtype=object)
    f = rng.normal(size=n) * 10.0 ** rng.integers(-12, 12, n)
    f[rng.random(n) < 0.2] = np.nan
    i = rng.integers(-1000, 1000, n).astype(float)
    i[rng.random(n) < 0.2] = np.nan
    d = rng.integers(-5000, 30000, n).astype(float)
    d[rng.random(n) < 0.2] = np.nan
    t = words[rng.integers(0, len(words), n)]
    t[rng.random(n) < 0.2] = None
    df = pd.DataFrame({"T": t, "F": f, "I": i, "D": d})
    lines, text = write_pair(tmp_path, df, meta)
    _, rows = dataset_json_object(df, meta, study_oid="S")
    assert lines == [json.dumps(list(r), ensure_ascii=False) for r in rows]
    assert json.loads(text)["rows"] == [list(r) for r in rows]
    k = int(np.flatnonzero(~np.isnan(f) & ~np.isnan(i))[0])
    assert rows[k][1] == f[k] and rows[k][2] == int(i[k]) and isinstance(rows[k][2], int)


def test_codes_use_a_small_integer_type():
    meta = DatasetMeta("ADX", "X", (ColumnMeta("A", "A"), ColumnMeta("B", "B", "integer")))
    df = pd.DataFrame({"A": ["x", "y"] * 150, "B": np.arange(300.0)})
    _, columns = dj._prepare(df, meta, study_oid="S")
    assert columns[0].codes.dtype == np.int8 and columns[0].values == ["x", "y", ""]
    assert columns[1].codes.dtype == np.int16 and len(columns[1].values) == 301


def test_non_text_in_text_column_is_reported(tmp_path):
    df = pd.DataFrame({"USUBJID": ["S1", "S2", "S3"], "T": pd.Series(["a", 1, None], dtype=object)})
    meta = DatasetMeta("ADX", "X", (ColumnMeta("USUBJID", "Subject"), ColumnMeta("T", "T")))
    with pytest.raises(InputError) as caught:
        write_dataset_json(df, tmp_path / "adx.json", meta, study_oid="S")
    [problem] = caught.value.problems
    assert problem.variable == "T" and problem.record == "USUBJID=S2, row 2" and "not text" in problem.message
    assert list(tmp_path.iterdir()) == []
