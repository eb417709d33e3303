"""The CSV reader's shortcuts (issue 20) give what the long way gives.

UTF-8 goes to polars undecoded, so the grid must not depend on how the text was encoded; the
UTF-8 check must judge bytes exactly as Python's decoder does; the blank-row test looks at one
column at a time and must agree with testing every cell; the cell count before parsing is only
skipped when it cannot be over the limit; the SHA-256 is of the bytes read.
"""

from __future__ import annotations

import codecs
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from riskscreen.checksum import file_sha256
from riskscreen.errors import InputError
from riskscreen.io import read_csv, read_utf8
from riskscreen.io.read import _non_empty_rows, read_suppliers
from riskscreen.io.read_csv import read_text_grid
from riskscreen.io.read_utf8 import is_utf8 as _is_utf8
from riskscreen.io.read_utf8 import line_flags, line_spans

SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
#: CSV-ish text: delimiters, quotes, line ends, accents, CJK, emoji and Unicode white space.
PIECES = [",", ";", "\t", "|", '"', "\n", "\r\n", "\r", " ", "a", "Zb", "é", "Çü", "供應",
          "😀", "\u00a0", "\u3000", "\u2028", "sep=;\n", '12"', "x"]  # fmt: skip


def _valid(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


@pytest.mark.parametrize("data", [
    b"", b"plain", b"\xed\xa0\x80", b"\xc0\x80", b"\xe0\x80\x80", b"\xf4\x90\x80\x80",
    b"\xf4\x8f\xbf\xbf", b"caf\xc3", b"\xe2\x82", b"\xef\xbb\xbf", b"\xf8\x88\x80\x80\x80",
    b"\xed\x9f\xbf", b"\x80", b"\xff", "Côte d'Ivoire 供應 😀".encode(),
])  # fmt: skip
def test_utf8_check_known_edges(data: bytes, monkeypatch) -> None:
    """Surrogates, overlong forms, past U+10FFFF, cut sequences: refused as Python refuses,
    by Arrow's validator (big files) too."""
    assert _is_utf8(data) == _valid(data)
    monkeypatch.setattr(read_utf8, "ARROW_CHECK_BYTES", 0)
    assert _is_utf8(data) == _valid(data)


@SETTINGS
@given(text=st.text(max_size=300), at=st.integers(0, 300), byte=st.integers(0, 255),
       junk=st.binary(max_size=40))  # fmt: skip
def test_utf8_check_agrees_with_python(text: str, at: int, byte: int, junk: bytes) -> None:
    data = text.encode("utf-8", "surrogatepass")
    changed = data[:at] + bytes([byte]) + data[at + 1 :]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(read_utf8, "ARROW_CHECK_BYTES", 0)  # Arrow's validator, as for big files
        for sample in (data, changed, junk, data + junk):
            assert _is_utf8(sample) == _valid(sample)


def _grid_or_error(path: Path) -> tuple[str, pl.DataFrame | str]:
    try:
        grid, _, delimiter, _ = read_text_grid(path, "x.csv")
    except InputError as exc:
        return "error", str(exc)
    return delimiter, grid


@SETTINGS
@given(parts=st.lists(st.sampled_from(PIECES), min_size=1, max_size=80))
def test_grid_same_whatever_the_encoding(parts: list[str], tmp_path_factory) -> None:
    """The same text as UTF-8 (read undecoded), UTF-8 with a BOM and UTF-16 (decoded in Python
    and re-encoded) gives the same grid and delimiter, or the same message."""
    text = "".join(parts)
    folder = tmp_path_factory.mktemp("enc")
    got = []
    for name, data in (("plain", text.encode()), ("bom", codecs.BOM_UTF8 + text.encode()),
                       ("utf16", codecs.BOM_UTF16_LE + text.encode("utf-16-le"))):  # fmt: skip
        path = folder / f"{name}.csv"
        path.write_bytes(data)
        got.append(_grid_or_error(path))
    for other in got[1:]:
        assert other[0] == got[0][0]
        if isinstance(other[1], str):
            assert other[1] == got[0][1]
        else:
            assert other[1].equals(got[0][1])


def test_sha256_is_of_the_file(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_bytes(codecs.BOM_UTF8 + "Supplier,Country\nCafé Ltd,Peru\n".encode())
    table = read_suppliers(path)
    assert table.sha256 == file_sha256(path)
    assert table.encoding == "utf-8-sig" and table.frame["Supplier"].to_list() == ["Café Ltd"]


cell = st.one_of(st.none(), st.sampled_from(["", " ", "\t", "\u00a0", "\u3000 ", "\u200b",
                                              "\u2028", "x", " y "]))  # fmt: skip


@SETTINGS
@given(data=st.data(), width=st.integers(1, 4), height=st.integers(0, 30))
def test_blank_rows_column_by_column_same_as_every_cell(
    data: st.DataObject, width: int, height: int
) -> None:
    names = ["^A$", "*", "row (2)", "b"][:width]
    frame = pl.DataFrame(
        {n: data.draw(st.lists(cell, min_size=height, max_size=height)) for n in names},
        schema={n: pl.String for n in names},
    )
    every_cell = frame.select(
        pl.any_horizontal(pl.all().str.contains(r"\S").fill_null(False))
    ).to_series()
    assert _non_empty_rows(frame).to_list() == every_cell.to_list()


@pytest.mark.parametrize("delimiter", [",", "é"])
def test_cell_count_before_parsing(delimiter: str, monkeypatch) -> None:
    """Over the limit: the count of delimiters and line feeds; under it, or too few bytes to be
    over it: None."""
    text = f"a{delimiter}b{delimiter}\nc{delimiter}é\n" * 2
    cells = text.count(delimiter) + text.count("\n")  # as counted on the decoded text
    payload = text.encode()
    limits = {"max_cells": cells}
    monkeypatch.setattr(read_csv, "int_limit", lambda key: limits[key])
    assert read_csv._cells_over_limit(payload, delimiter) is None  # counted, not over
    limits["max_cells"] = cells - 1
    assert read_csv._cells_over_limit(payload, delimiter) == cells
    limits["max_cells"] = len(payload)
    assert read_csv._cells_over_limit(payload, delimiter) is None  # too few bytes to be over


def _repair_lines_one_by_one(data: bytes) -> tuple[str, list[int]] | None:
    """The plain form of `_repair_lines` (as it was): every line decoded on its own."""
    out, repaired, evidence = [], [], False
    for number, line in enumerate(data.split(b"\n"), 1):
        try:
            out.append(line.decode("utf-8"))
            evidence = evidence or not line.isascii()
        except UnicodeDecodeError:
            out.append(read_csv._decode_line(line))
            repaired.append(number)
    return ("\n".join(out), repaired) if evidence else None


#: Byte pieces around every UTF-8 rule: leads without continuations, stray continuations,
#: overlong forms, surrogates, past U+10FFFF, cp1252/latin-1 letters, line feeds.
BYTE_PIECES = [b"\n", b"a", b",", b"\xe9", b"\xc3\xa9", b"\xc3", b"\xa9", b"\xe4\xbe\x9b",
               b"\xe4\xbe", b"\xf0\x9f\x98\x80", b"\xf0\x9f", b"\xc0\x80", b"\xc1\xbf",
               b"\xe0\x80\x80", b"\xe0\xa0\x80", b"\xed\xa0\x80", b"\xed\x9f\xbf",
               b"\xf0\x8f\xbf\xbf", b"\xf4\x90\x80\x80", b"\xf4\x8f\xbf\xbf", b"\xf5",
               b"\xff", b"\x80", b"\xbf", b"\x81\x8d\x8f\x90\x9d"]  # fmt: skip


@SETTINGS
@given(parts=st.lists(st.sampled_from(BYTE_PIECES), max_size=60), block=st.integers(1, 9),
       step=st.integers(1, 4))  # fmt: skip
def test_lines_found_invalid_as_decoding_each_line_finds(
    parts: list[bytes], block: int, step: int
) -> None:
    """Per line, 'non-ASCII' and 'not UTF-8' from the numpy passes (in blocks and steps of a few
    bytes, so that sequences straddle them; sparse and dense blocks) equal decoding each line
    alone; so does the repaired text."""
    data = b"".join(parts)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(read_utf8, "_BLOCK", block)
        patch.setattr(read_utf8, "_STEP", step)
        high, invalid = line_flags(data, line_spans(data))
        assert read_csv._repair_lines(data) == _repair_lines_one_by_one(data)
    lines = data.split(b"\n")
    assert high.tolist() == [not line.isascii() for line in lines]
    assert invalid.tolist() == [not _valid(line) for line in lines]


def test_repair_lines_big_mixed_file() -> None:
    """A 200,000-line UTF-8 file with cp1252 lines here and there, and a pure cp1252 one."""
    lines = [f"Café {i},Côte d'Ivoire,cacao".encode() for i in range(200_000)]
    for i in (0, 7, 65_000, 199_999):
        lines[i] = f"Caf\xe9 {i},C\xf4te,€".encode("cp1252") + (b"\x81" if i == 7 else b"")
    data = b"\n".join(lines)
    got = read_csv._repair_lines(data)
    assert got == _repair_lines_one_by_one(data)
    assert got is not None and got[1] == [1, 8, 65_001, 200_000]
    legacy = "\n".join(f"Caf\xe9 {i},C\xf4te" for i in range(50_000)).encode("cp1252")
    assert read_csv._repair_lines(legacy) is None


def test_read_without_memory_map(tmp_path: Path, monkeypatch) -> None:
    """Where the file cannot be memory-mapped, it is read whole, with the same result."""
    path = tmp_path / "s.csv"
    path.write_bytes("Supplier;Country\nCafé Ltd;Côte d'Ivoire\n\"A;B\";Peru\n".encode())
    mapped = read_suppliers(path)

    def refuse(*args, **kwargs):
        raise OSError("no mmap here")

    monkeypatch.setattr(read_csv.mmap, "mmap", refuse)
    plain = read_suppliers(path)
    assert plain.frame.equals(mapped.frame) and plain.sha256 == mapped.sha256
    assert (plain.encoding, plain.delimiter) == (mapped.encoding, mapped.delimiter)
    assert (plain.encoding, plain.delimiter) == ("utf-8", ";") and plain.frame.height == 2


def test_sep_line_with_a_delimiter_polars_cannot_split_on(tmp_path: Path) -> None:
    """Excel's 'sep=' line naming a multi-byte character: a message, not a traceback."""
    path = tmp_path / "sep.csv"
    path.write_text("sep=é\nSupplieréCountry\nAcmeéChina\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"sep\.csv: its first line 'sep=é' names a delimiter"):
        read_suppliers(path)
