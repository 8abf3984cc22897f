"""The numpy XPT v5 reader (adam.export.xpt_read) against the pyreadstat path it replaces.

Every file here is read both ways - ``read_domain_file`` (fast reader) and ``read_xpt`` +
``normalize_frame`` (pyreadstat) - and must give the same frame (values, float bits, dtypes, NA
positions, column order), the same metadata and the same warnings. Synthetic files are built
byte by byte (SAS TS-140 layout) to reach the corners of the format.
"""

from __future__ import annotations

import math
import struct
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import adam.export.xpt_read as xpt_read
from adam.errors import InputError
from adam.export.columns import ColumnMeta, DatasetMeta
from adam.export.xpt import read_xpt, write_xpt
from adam.export.xpt_read import ibm_to_double, read_xpt_frame
from adam.sdtm.read import normalize_frame, read_domain_file

REFERENCE = Path("/work/shared/reference")
REFERENCE_XPT = sorted(REFERENCE.rglob("*.xpt"))
STAMP = "01JAN24:00:00:00"


# --- building XPT v5 files byte by byte -------------------------------------------------------


def _record(text: bytes | str) -> bytes:
    raw = text.encode("ascii") if isinstance(text, str) else text
    assert len(raw) <= 80
    return raw.ljust(80, b" ")


def _header(name: str, numbers: str = "0" * 30) -> bytes:
    return _record(f"HEADER RECORD*******{name:<8s}HEADER RECORD!!!!!!!{numbers}")


def ibm(x: float) -> bytes:
    """A finite float as an 8-byte IBM hexadecimal float (test helper, exact for doubles)."""
    if x == 0:
        return bytes(8)
    sign = 0x80 if x < 0 else 0
    mantissa, exponent = math.frexp(abs(x))  # x = m * 2**e, 0.5 <= m < 1
    hex_exp = -(-exponent // 4)  # x = f * 16**hex_exp with 1/16 <= f < 1
    fraction = int(mantissa * 2 ** (56 - (4 * hex_exp - exponent)))
    return bytes([sign | (hex_exp + 64)]) + fraction.to_bytes(7, "big")


def xpt_bytes(variables: list[tuple], rows: list[tuple], *, member: str = "DS", label: bytes = b"",
              library: str = "LIBRARY", pad: bool = True) -> bytes:
    """An XPT v5 file. ``variables``: (name, "C"/"N", length[, label[, format, width, decimals]]);
    ``rows``: per variable a value - text (str, UTF-8 encoded, or bytes) padded with blanks, or a
    number (float, encoded with :func:`ibm` and cut to the length) or raw bytes."""
    head = [_header(library), _record("SAS     SAS     SASLIB  9.4     X64_7PRO" + " " * 24 + STAMP),
            _record(STAMP), _header("MEMBER", "000000000000000001600000000140"), _header("DSCRPTR"),
            _record(f"SAS     {member:<8s}SASDATA 9.4     X64_7PRO" + " " * 24 + STAMP),
            _record(STAMP.encode() + b" " * 16 + label.ljust(40) + b" " * 8),
            _header("NAMESTR", f"000000{len(variables):04d}" + "0" * 20)]
    namestrs = b""
    position = 0
    for k, v in enumerate(variables):
        name, kind, length = v[:3]
        var_label = v[3] if len(v) > 3 else b""
        fmt, width, decimals = v[4:7] if len(v) > 4 else (b"", 0, 0)
        namestrs += struct.pack(">hhhh8s40s8shhhh8shhi52s", 1 if kind == "N" else 2, 0, length, k + 1,
                                name.encode().ljust(8), var_label.ljust(40), fmt.ljust(8), width, decimals,
                                0, 0, b" " * 8, 0, 0, position, bytes(52))
        position += length
    namestrs += b" " * (-len(namestrs) % 80)
    data = b""
    for row in rows:
        for (name, kind, length, *_), value in zip(variables, row):
            if kind == "N":  # raw bytes of a number are completed with zeros (".", "A" -> missing)
                cell = (value if isinstance(value, bytes) else ibm(value)[:length]).ljust(length, b"\0")
            else:
                cell = (value if isinstance(value, bytes) else value.encode("utf-8")).ljust(length, b" ")
            assert len(cell) == length, (name, value)
            data += cell
    if pad:
        data += b" " * (-len(data) % 80)
    return b"".join(head) + namestrs + _header("OBS") + data


def write(path: Path, *args, **kwargs) -> Path:
    path.write_bytes(xpt_bytes(*args, **kwargs))
    return path


# --- comparing with the pyreadstat path ---------------------------------------------------------


def old_path(path: Path) -> tuple[pd.DataFrame, DatasetMeta, list]:
    found: list = []
    frame, meta = read_xpt(path, problems=found)
    return *normalize_frame(frame, meta, file=str(path)), found


def assert_same_as_pyreadstat(path: Path) -> tuple[pd.DataFrame, DatasetMeta, list]:
    """The fast reader handles ``path`` and gives exactly what the pyreadstat path gives."""
    assert read_xpt_frame(path) is not None, "fell back to pyreadstat"
    found: list = []
    frame, meta = read_domain_file(path, problems=found)
    old_frame, old_meta, old_found = old_path(path)
    pd.testing.assert_frame_equal(frame, old_frame, check_exact=True)
    assert list(frame.dtypes.astype(str)) == list(old_frame.dtypes.astype(str))
    for col in frame.columns:
        new, old = frame[col].to_numpy(), old_frame[col].to_numpy()
        assert np.array_equal(pd.isna(new), pd.isna(old)), col
        if frame[col].dtype == "float64":  # bit for bit, NaN payloads included
            assert np.array_equal(new.view(np.uint64), old.view(np.uint64)), col
    assert meta == old_meta
    assert found == old_found
    return frame, meta, found


@pytest.mark.parametrize("path", REFERENCE_XPT, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_reference_files_read_as_pyreadstat_reads_them(path):
    assert_same_as_pyreadstat(path)


def test_reference_files_are_found():
    assert len(REFERENCE_XPT) >= 20  # CDISC pilot and Dataset-JSON examples


def test_pilot_dm_values_and_cp1252_ts():
    frame, meta, _ = assert_same_as_pyreadstat(REFERENCE / "cdisc_pilot/sdtm/dm.xpt")
    assert frame.shape == (306, 25)
    assert frame.loc[0, ["USUBJID", "ARMCD", "AGE"]].tolist() == ["01-701-1015", "Pbo", 63.0]
    assert pd.isna(frame.loc[0, "DTHFL"])
    assert meta.column("AGE").type == "integer" and meta.column("USUBJID").length == 11
    frame, _, found = assert_same_as_pyreadstat(REFERENCE / "cdisc_pilot/sdtm/ts.xpt")
    assert [p.message for p in found] == ["text is not UTF-8; read as Windows-1252 (cp1252)"]
    assert frame["TSVAL"].str.contains("Alzheimer\u2019s").any()


def test_own_write_xpt_output_round_trips(tmp_path):
    meta = DatasetMeta("ADX", "Analysis X", (
        ColumnMeta("USUBJID", "Subject", "text"), ColumnMeta("AVAL", "Value", "float", display_format="8.2"),
        ColumnMeta("ADT", "Date", "date"), ColumnMeta("N", "Count", "integer"),
        ColumnMeta("FL", "Flag", "text", length=3)))
    df = pd.DataFrame({"USUBJID": ["S-1", "S-2", "S-10"], "AVAL": [0.1, np.nan, -1e70],
                       "ADT": [21915.0, np.nan, 0.0], "N": [1.0, 2.0, np.nan], "FL": ["Y", None, ""]})
    write_xpt(df, tmp_path / "adx.xpt", meta)
    frame, back, _ = assert_same_as_pyreadstat(tmp_path / "adx.xpt")
    assert frame["USUBJID"].tolist() == ["S-1", "S-2", "S-10"]
    assert frame["AVAL"].tolist()[0] == 0.1 and frame["AVAL"].tolist()[2] == -1e70
    assert frame["FL"].isna().tolist() == [False, True, True]
    assert [c.type for c in back.columns] == ["text", "float", "date", "integer", "text"]
    assert back.column("FL").length == 3 and back.column("ADT").display_format == "DATE9."
    assert (back.name, back.label) == ("ADX", "Analysis X")


# --- synthetic edge cases -------------------------------------------------------------------------


def test_empty_dataset_zero_rows(tmp_path):
    path = write(tmp_path / "e.xpt", [("A", "C", 5), ("N", "N", 8)], [])
    frame, meta, _ = assert_same_as_pyreadstat(path)
    assert frame.shape == (0, 2) and str(frame["A"].dtype) == "str" and frame["N"].dtype == "float64"
    assert [c.type for c in meta.columns] == ["text", "integer"]
    meta = DatasetMeta("E", "Empty", (ColumnMeta("A", "A", "text"), ColumnMeta("N", "N", "float")))
    write_xpt(pd.DataFrame({"A": pd.Series([], dtype="str"), "N": pd.Series([], dtype=float)}),
              tmp_path / "e2.xpt", meta)
    assert assert_same_as_pyreadstat(tmp_path / "e2.xpt")[0].shape == (0, 2)


def test_all_missing_columns_and_blanks(tmp_path):
    rows = [("  lead", "", b".", "trail  \t"), (" ", "", b".", "a b"), ("x", "", b".", "\tx")]
    path = write(tmp_path / "m.xpt", [("A", "C", 8), ("B", "C", 3), ("N", "N", 8), ("T", "C", 9)], rows)
    frame, meta, found = assert_same_as_pyreadstat(path)
    assert frame["A"].tolist()[0] == "  lead" and pd.isna(frame["A"].tolist()[1])  # leading blanks kept
    assert frame["B"].isna().all() and frame["N"].isna().all()
    assert frame["T"].tolist() == ["trail", "a b", "\tx"]
    assert meta.column("N").type == "integer" and found == []


def test_equal_values_share_one_string_object(tmp_path):
    path = write(tmp_path / "s.xpt", [("A", "C", 12)], [("same value",)] * 4 + [("other",)])
    frame, _, _ = assert_same_as_pyreadstat(path)
    values = frame["A"].to_numpy()
    assert len({id(v) for v in values[:4]}) == 1


def test_non_ascii_cp1252_and_utf8_text(tmp_path):
    cp = write(tmp_path / "cp.xpt", [("A", "C", 10)], [("caf\xe9 ".encode("cp1252"),), (b"\x93q\x94",), (b"plain",)])
    frame, _, found = assert_same_as_pyreadstat(cp)
    assert frame["A"].tolist() == ["caf\u00e9", "\u201cq\u201d", "plain"]
    assert [(p.message, p.dataset, p.severity) for p in found] == [
        ("text is not UTF-8; read as Windows-1252 (cp1252)", "DS", "warning")]
    utf = write(tmp_path / "u.xpt", [("A", "C", 10)], [("caf\u00e9",), ("\u00b5g/L",)])
    frame, _, found = assert_same_as_pyreadstat(utf)
    assert frame["A"].tolist() == ["caf\u00e9", "\u00b5g/L"] and found == []


def test_numeric_lengths_3_to_8(tmp_path):
    variables = [(f"N{k}", "N", k) for k in range(3, 9)]
    values = [1.5, -3.25, 100.0, 0.1, 1e-5, 123456789.123, 0.0]
    path = write(tmp_path / "n.xpt", variables, [tuple([v] * 6) for v in values])
    frame, meta, _ = assert_same_as_pyreadstat(path)
    # exact where the value fits the kept bytes; 0.1 in 3 bytes is truncated (hand-checked: 0x41199A)
    assert frame["N3"].tolist()[:3] == [1.5, -3.25, 100.0]
    assert frame["N3"].tolist()[3] == 0x1999 / 16**4  # IBM 0.1 is 40 19 99 99 ..., cut to 40 19 99
    assert frame["N8"].tolist() == values
    assert meta.column("N8").type == "float" and meta.column("N3").length is None


def test_special_missing_values(tmp_path):
    rows = [(b"A", 1.0, b"A"), (b"Z", b"_", b"."), (b"A", b".", 2.0), (5.0, b"_", b"Q")]
    path = write(tmp_path / "sm.xpt", [("X", "N", 8), ("Y", "N", 8), ("Z3", "N", 3)], rows)
    frame, _, found = assert_same_as_pyreadstat(path)
    assert frame["X"].isna().tolist() == [True, True, True, False]
    assert [(p.variable, p.message) for p in found] == [
        ("X", "3 SAS special missing value(s) (.A, .Z) read as plain missing"),
        ("Y", "2 SAS special missing value(s) (._) read as plain missing"),
        ("Z3", "2 SAS special missing value(s) (.A, .Q) read as plain missing")]


def test_one_row_padded_record_and_blank_rows(tmp_path):
    one = write(tmp_path / "one.xpt", [("A", "C", 3), ("N", "N", 8)], [("abc", 42.0)])
    assert one.stat().st_size % 80 == 0
    frame, _, _ = assert_same_as_pyreadstat(one)
    assert frame["A"].tolist() == ["abc"] and frame["N"].tolist() == [42.0]
    # blank records in the middle are records; blank records at the end (beyond the last 80 bytes too) are not
    rows = [("ab",), ("",), ("",), ("cd",)] + [("",)] * 50
    frame, _, _ = assert_same_as_pyreadstat(write(tmp_path / "b.xpt", [("A", "C", 4)], rows))
    assert frame["A"].isna().tolist() == [False, True, True, False]
    frame, _, _ = assert_same_as_pyreadstat(write(tmp_path / "all.xpt", [("A", "C", 4)], [("",)] * 30))
    assert len(frame) == 0
    # a blank record in the middle of a numeric dataset is a number (0x2020...) as readstat reads it
    frame, _, _ = assert_same_as_pyreadstat(write(tmp_path / "nb.xpt", [("N", "N", 8)], [(1.0,), (b" " * 8,), (2.0,)]))
    assert frame["N"].tolist()[1] == pytest.approx(3.687825414344431e-40)
    # no padding, and a partial last record (ignored)
    (tmp_path / "np.xpt").write_bytes(xpt_bytes([("A", "C", 7)], [("x",), ("y",)], pad=False) + b"zzz")
    frame, _, _ = assert_same_as_pyreadstat(tmp_path / "np.xpt")
    assert frame["A"].tolist() == ["x", "y"]


def test_formats_labels_and_types(tmp_path):
    variables = [("D", "N", 8, b"Date", b"DATE", 9, 0), ("F", "N", 8, b"Float", b"", 8, 2),
                 ("I", "N", 8, b"Int", b"BEST", 12, 0), ("C", "C", 20, b"Char", b"$CHAR", 20, 0),
                 ("W", "N", 8, b" lead", b"", 8, 0), ("T", "N", 8, b"", b"TIME", 0, 0),
                 ("lower", "C", 2)]
    path = write(tmp_path / "f.xpt", variables, [(21915.0, 1.0, 2.0, "x", 3.5, 60.0, "ab")],
                 member="fmt", label=b"Formats")
    frame, meta, _ = assert_same_as_pyreadstat(path)
    assert [(c.name, c.type, c.display_format, c.label) for c in meta.columns] == [
        ("D", "date", "DATE9.", "Date"), ("F", "float", "8.2", "Float"), ("I", "integer", "BEST12.", "Int"),
        ("C", "text", "$CHAR20.", "Char"), ("W", "float", "8.", " lead"), ("T", "time", "TIME.", ""),
        ("LOWER", "text", None, "")]
    assert (meta.name, meta.label) == ("FMT", "Formats") and list(frame.columns)[-1] == "LOWER"


def test_ibm_conversion_hand_checked_and_bit_exact(tmp_path):
    words = np.array([int.from_bytes(b, "big") for b in (
        ibm(1.0), ibm(-1.5), ibm(100.0), bytes(8), bytes.fromhex("4000000000000000"),
        bytes.fromhex("7fffffffffffffff"), bytes.fromhex("ffffffffffffffff"), b"A" + bytes(7), b"." + bytes(7))],
        dtype=np.uint64)
    assert ibm(1.0).hex() == "4110000000000000" and ibm(-1.5).hex() == "c118000000000000"
    values, special = ibm_to_double(words)
    assert values[:4].tolist() == [1.0, -1.5, 100.0, 0.0]
    assert np.isnan(values[4]) and values[5] == np.inf and values[6] == -np.inf and np.isnan(values[7:]).all()
    assert special.tolist() == [ord("A")]
    # random bit patterns (all exponents, unnormalised fractions, truncation of 56-bit fractions)
    rng = np.random.default_rng(7)
    raw = rng.integers(0, 256, size=(3000, 8), dtype=np.uint8)
    raw[:200, 1:] = 0  # zero fractions: 0, missing, NaN
    rows = [(bytes(r), bytes(r[:3])) for r in raw]
    assert_same_as_pyreadstat(write(tmp_path / "r.xpt", [("R", "N", 8), ("R3", "N", 3)], rows))


def test_many_distinct_wide_values_and_hash_collisions(tmp_path, monkeypatch):
    rng = np.random.default_rng(3)
    words = ["".join(rng.choice(list("ABCDEFGH "), size=int(rng.integers(0, 30)))) for _ in range(3000)]
    rows = [(w, w[:9], str(k % 7)) for k, w in enumerate(words)]
    path = write(tmp_path / "w.xpt", [("LONG", "C", 30), ("MID", "C", 9), ("ONE", "C", 1)], rows)
    frame, _, _ = assert_same_as_pyreadstat(path)
    assert frame["LONG"].tolist()[:3] == [w.rstrip() or np.nan for w in words[:3]]
    # a multiplier of 0 keeps only the last word in the hash: values differing before it collide,
    # and the exact grouping must take over
    monkeypatch.setattr(xpt_read, "_HASH_MULTIPLIER", np.uint64(0))
    frame2, _, _ = assert_same_as_pyreadstat(path)
    pd.testing.assert_frame_equal(frame, frame2)


def test_names_differing_only_in_case_are_an_error(tmp_path):
    path = write(tmp_path / "c.xpt", [("ab", "C", 2), ("AB", "C", 2)], [("x", "y")])
    with pytest.raises(InputError) as caught:
        read_domain_file(path)
    assert caught.value.problems[0].message == "columns differ only in case"


# --- what is left to pyreadstat ---------------------------------------------------------------------


def test_unsupported_files_fall_back_to_pyreadstat(tmp_path):
    base = [("A", "C", 4), ("N", "N", 8)]
    good = xpt_bytes(base, [("ab", 1.0)])
    cases = {
        "v8": xpt_bytes(base, [("ab", 1.0)], library="LIBV8"),
        "two_members": good + good[240:],
        "nul": xpt_bytes(base, [(b"a\0b", 1.0)]),
        # pyreadstat reads a numeric of length 2 as all missing (readstat's minimum is 3)
        "numeric_length_2": xpt_bytes([("A", "C", 4), ("N", "N", 2)], [("ab", 1.0)]),
        "numeric_length_9": xpt_bytes([("A", "C", 4), ("N", "N", 9)], [("ab", 1.0)]),
        "repeated_name": xpt_bytes([("A", "C", 4), ("A", "N", 8)], [("ab", 1.0)]),
        "non_ascii_label": xpt_bytes([("A", "C", 4, "\u00e9t\u00e9".encode("cp1252"))], [("ab",)]),
        "not_cp1252": xpt_bytes([("A", "C", 4)], [(b"\x81\x81",)]),
        "not_xpt": b"not an xpt file" * 40,
    }
    for name, content in cases.items():
        path = tmp_path / f"{name}.xpt"
        path.write_bytes(content)
        assert read_xpt_frame(path) is None, name
    assert read_xpt_frame(tmp_path / "missing.xpt") is None
    # and read_domain_file then gives the pyreadstat result (or its error)
    frame, meta = read_domain_file(tmp_path / "two_members.xpt")
    assert frame["A"].tolist()[0] == "ab"
    with pytest.raises(InputError) as caught:
        read_domain_file(tmp_path / "not_xpt.xpt")
    assert "cannot read" in caught.value.problems[0].message
