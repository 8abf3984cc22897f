"""Whole-column text helpers used by the checks, the writers and the validator."""

from __future__ import annotations

import numpy as np
import pandas as pd

from adam.export import text


def test_strings_of_str_and_object_columns_and_refusal_of_mixed_ones():
    s = pd.Series(["a  ", None, " b", "é", ""], dtype="str")
    st = text.as_strings(s)
    assert st.values.tolist() == ["a  ", "", " b", "é", ""]
    assert st.missing.tolist() == [False, True, False, False, False]
    assert s.tolist()[0] == "a  "  # the frame's values are never changed
    obj = text.as_strings(pd.Series(["a", np.nan, None], dtype=object))
    assert obj.values.tolist() == ["a", "", ""] and obj.missing.tolist() == [False, True, True]
    assert text.as_strings(pd.Series(["a", 1], dtype=object)) is None
    assert text.as_strings(pd.Series([1.0, 2.0])) is None


def test_strip_blank_and_missing_values():
    s = pd.Series(["a \t", None, "  ", "b"], dtype="str")
    stripped = text.stripped_strings(s)
    assert stripped.values.tolist() == ["a", "", "", "b"]
    assert text.to_text_series(stripped).isna().tolist() == [False, True, True, False]
    kept = text.to_text_series(stripped, blank_as_missing=False)
    assert kept.isna().tolist() == [False, True, False, False] and kept.dtype == "str"
    no_missing = text.stripped_strings(pd.Series(["x ", "y"], dtype=object))
    assert no_missing.values.tolist() == ["x", "y"] and not no_missing.missing.any()


def test_ascii_lengths_and_blanks():
    st = text.as_strings(pd.Series(["ab", "é€", None, " x", "y ", "a\x00 b"], dtype="str"))
    assert not text.all_ascii(st)
    assert text.non_ascii(st).tolist() == [False, True, False, False, False, False]
    assert text.lengths(st).tolist() == [2, 2, 0, 2, 2, 4]
    assert text.byte_lengths(st).tolist() == [2, 5, 0, 2, 2, 4]
    assert text.max_length(st) == 4
    assert text.leading_blank(st).tolist() == [False, False, False, True, False, False]
    assert text.trailing_blank(st).tolist() == [False, False, False, False, True, False]
    clean = text.as_strings(pd.Series(["a", "b c"], dtype="str"))
    assert text.all_ascii(clean) and not text.leading_blank(clean).any()
    assert text.object_array([(1, 2), (3, 4)]).shape == (2,)


def test_canonical_text_shares_equal_values_and_keeps_or_strips_blanks():
    s = pd.Series(["a ", "b", None, "", "a ", "  "], dtype=object)
    out = text.canonical_text(s)
    assert out.dtype == "str" and out.isna().tolist() == [False, False, True, True, False, True]
    assert out.tolist()[:2] == ["a", "b"] and out.iloc[0] is out.iloc[4]
    kept, values = text.canonical_text_and_values(s, strip=False)
    assert kept.tolist()[0] == "a " and kept.isna().tolist() == [False, False, True, True, False, False]
    assert values == ["a ", "b", "  "]
    assert text.canonical_text(pd.Series(["a", 2], dtype=object)) is None
    assert text.distinct_text(pd.Series(["x", None, "x", "y"], dtype="str")) == ["x", "y"]
    assert text.rows_with(pd.Series(["x", "y ", "x"]), ["x", "y "], str.isalpha).tolist() == [True, False, True]
