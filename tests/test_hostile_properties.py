"""Property tests for issue 17's readers and writers: any bytes, any header, any cell.

Whatever hypothesis throws at them, the reader keeps every row or raises one InputError, the
CSV writer never leaves a live formula and reads back to the raw values through `diff`'s
reader, and `diff` itself answers or raises InputError (never a parser error).
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from riskscreen.diff import compare_outputs, read_output
from riskscreen.errors import InputError
from riskscreen.io.read import read_suppliers
from riskscreen.io.read_csv import decode_text
from riskscreen.io.read_extent import ods_extents, xlsx_extent
from riskscreen.io.tables_out import write_table

SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30)
header = st.one_of(
    st.sampled_from(["*", "^Product$", "^.*$", "(a|b)", "=SUM(A1)", "+x", "row_id", "Supplier"]),
    st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=12),
)


@SETTINGS
@given(data=st.binary(max_size=400))
def test_any_bytes_decode_or_refuse(data: bytes) -> None:
    """Every byte string decodes (UTF-8 first, repaired lines, cp1252/latin-1, a legacy page)."""
    notes: list[str] = []
    decoded, encoding = decode_text(data, "x.csv", notes)
    assert isinstance(decoded, str) and encoding
    try:
        plain = data.decode("utf-8")
    except UnicodeDecodeError:
        return
    if not data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")) and "\x00" not in plain:
        assert decoded == plain  # valid UTF-8 is never second-guessed
        assert notes == []


@SETTINGS
@given(lines=st.lists(st.text(alphabet="abcdeéüñÇ,", min_size=1, max_size=12), min_size=2,
                      max_size=8), bad=st.data())  # fmt: skip
def test_one_latin1_line_repaired_rest_utf8(lines: list[str], bad: st.DataObject) -> None:
    which = bad.draw(st.integers(0, len(lines) - 1))
    raw = b"\n".join(
        ln.encode("latin-1") if i == which else ln.encode("utf-8") for i, ln in enumerate(lines)
    )
    notes: list[str] = []
    decoded, _ = decode_text(raw, "x.csv", notes)
    assert decoded.split("\n") == lines
    if not lines[which].isascii() and any(not ln.isascii() for i, ln in enumerate(lines)
                                          if i != which):  # fmt: skip
        assert f"line {which + 1}" in notes[0]


@SETTINGS
@given(headers=st.lists(header, min_size=1, max_size=5, unique=True), data=st.data())
def test_any_headers_and_cells_round_trip_parquet(tmp_path_factory: pytest.TempPathFactory,
                                                  headers: list[str],
                                                  data: st.DataObject) -> None:  # fmt: skip
    """Headers that look like patterns are read literally; binary cells decode; rows are kept."""
    rows = data.draw(st.integers(1, 6))
    columns = {h: data.draw(st.lists(st.one_of(st.none(), text), min_size=rows, max_size=rows))
               for h in headers}  # fmt: skip
    binary = data.draw(st.lists(st.one_of(st.none(), st.binary(max_size=8)), min_size=rows,
                                max_size=rows))  # fmt: skip
    path = tmp_path_factory.mktemp("pq") / "in.parquet"
    table = {**columns, "bytes ": pa.array(binary, pa.binary())}
    pq.write_table(pa.table(table), path)
    try:
        got = read_suppliers(path)
    except InputError as exc:
        assert "in.parquet" in str(exc)
        return
    expected = [h if h != "row_id" else "row_id (input)" for h in headers]
    assert list(got.headers) == [*expected, "bytes "]  # literal, in order, none lost
    assert got.frame.height <= rows
    ids = got.frame["row_id"].to_list()
    assert ids == sorted(set(ids)) and all(1 <= i <= rows for i in ids)


@SETTINGS
@given(cells=st.lists(st.tuples(text, text), min_size=1, max_size=8), head=header)
def test_csv_output_never_live_and_reads_back_raw(tmp_path_factory: pytest.TempPathFactory,
                                                  cells: list[tuple[str, str]],
                                                  head: str) -> None:  # fmt: skip
    folder = tmp_path_factory.mktemp("csv")
    frame = pl.DataFrame({head if head != "risk_tier" else "x": [a for a, _ in cells],
                          "risk_tier": [b for _, b in cells]})  # fmt: skip
    path = write_table(frame, folder / "out.csv")
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.reader(fh):
            for value in row:
                if value[:1] in ("=", "+", "-", "@", "\t", "\r"):
                    float(value.replace(",", ""))  # only plain numbers may start like that
    back = read_output(path)
    assert back.columns == frame.columns
    assert back.fill_null("").rows() == frame.fill_null("").rows()


@SETTINGS
@given(old=st.lists(st.sampled_from(["low", "medium", "high", "critical", "", "x"]), min_size=1,
                    max_size=6),
       new=st.lists(st.sampled_from(["low", "medium", "high", "critical", "", "x"]), min_size=1,
                    max_size=6),
       junk=st.binary(max_size=60))  # fmt: skip
def test_diff_answers_or_refuses(tmp_path_factory: pytest.TempPathFactory, old: list[str],
                                 new: list[str], junk: bytes) -> None:  # fmt: skip
    folder = tmp_path_factory.mktemp("diff")
    for name, tiers in (("old.csv", old), ("new.csv", new)):
        pl.DataFrame({"row_id": [str(i + 1) for i in range(len(tiers))], "risk_tier": tiers,
                      "flagged": [t in ("high", "critical") for t in tiers]}).write_csv(
            folder / name)  # fmt: skip
    result = compare_outputs(folder / "old.csv", folder / "new.csv")
    assert result.changes.height <= max(len(old), len(new)) * 2
    for suffix in (".csv", ".parquet", ".xlsx"):
        bad = folder / f"junk{suffix}"
        bad.write_bytes(junk)
        with pytest.raises(InputError):
            compare_outputs(bad, folder / "new.csv")


@SETTINGS
@given(refs=st.lists(st.tuples(st.integers(1, 1_048_576), st.integers(1, 16_384)), min_size=1,
                     max_size=10))  # fmt: skip
def test_xlsx_extent_is_the_largest_reference(refs: list[tuple[int, int]]) -> None:
    def letters(n: int) -> str:
        s = ""
        while n:
            n, r = divmod(n - 1, 26)
            s = chr(65 + r) + s
        return s

    body = "".join(f'<row r="{r}"><c r="{letters(c)}{r}"><v>1</v></c></row>' for r, c in refs)
    xml = f'<worksheet><sheetData>{body}</sheetData></worksheet>'.encode()
    rows, cols, _ = xlsx_extent(io.BytesIO(xml))
    assert (rows, cols) == (max(r for r, _ in refs), max(c for _, c in refs))


@SETTINGS
@given(rows=st.integers(1, 10**7), cols=st.integers(1, 10**5), pad=st.booleans())
def test_ods_extent_counts_repeats(rows: int, cols: int, pad: bool) -> None:
    t = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
    o = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
    padding = ('<table:table-row table:number-rows-repeated="1048000"><table:table-cell '
               'table:number-columns-repeated="1024"/></table:table-row>') if pad else ""
    xml = (f'<r xmlns:table="{t}" xmlns:office="{o}"><table:table table:name="S">'
           f'<table:table-row table:number-rows-repeated="{rows}"><table:table-cell '
           f'table:number-columns-repeated="{cols}" office:value-type="string"/>'
           f"</table:table-row>{padding}</table:table></r>").encode()  # fmt: skip
    assert ods_extents(io.BytesIO(xml)) == [("S", rows, cols)]


def test_ods_zip_without_content_is_a_message(tmp_path: Path) -> None:
    path = tmp_path / "empty.ods"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
    with pytest.raises(InputError, match="empty.ods"):
        read_suppliers(path)
