"""read_suppliers / read_frame: formats, encodings, delimiters, numbers as codes, formulas,
title rows, sheets, row_id stability, row conservation, and property tests over the reader."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import importlib.util
import io
import re
import zipfile
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from riskscreen.errors import InputError
from riskscreen.io.read import SupplierTable, read_frame, read_suppliers

BAD = Path(__file__).parent / "data" / "bad"

_spec = importlib.util.spec_from_file_location("make_corpus", BAD / "make_corpus.py")
corpus = importlib.util.module_from_spec(_spec)
assert _spec.loader is not None
_spec.loader.exec_module(corpus)


def _write_csv(path: Path, rows: list[list[str]], *, delimiter: str = ",", encoding: str = "utf-8",
               bom: bytes = b"", newline: str = "\n") -> Path:  # fmt: skip
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator=newline).writerows(rows)
    path.write_bytes(bom + buf.getvalue().encode(encoding))
    return path


def _xlsx(path: Path, sheets: dict[str, list[list[object] | None]]) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r, row in enumerate(rows, start=1):
            for c, v in enumerate(row or [], start=1):
                ws.cell(row=r, column=c, value=v)
    wb.save(path)
    return path


ROWS = [
    ["Supplier", "Country", "Product", "HS code"],
    ["Müller GmbH", "Deutschland", "Baumwolle, roh", "0901"],
    ["Société Café", "Côte d'Ivoire", 'cocoa "grade A"', "1801"],
    ["深圳华美", "中国", "棉花", "5201"],
]


# --- text files ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "bom", "expected"),
    [
        ("utf-8", b"", "utf-8"),
        ("utf-8", b"\xef\xbb\xbf", "utf-8-sig"),
        ("utf-16-le", b"\xff\xfe", "utf-16-le"),
        ("utf-16-be", b"\xfe\xff", "utf-16-be"),
    ],
)
def test_csv_encodings_round_trip(tmp_path: Path, encoding: str, bom: bytes, expected: str) -> None:
    path = _write_csv(tmp_path / "s.csv", ROWS, encoding=encoding, bom=bom)
    table = read_suppliers(path)
    assert table.encoding == expected
    assert table.headers == tuple(ROWS[0])
    assert table.frame.drop("row_id").rows() == [tuple(r) for r in ROWS[1:]]


def test_cp1252_detected_and_decoded(tmp_path: Path) -> None:
    rows = [r for r in ROWS if "深" not in r[0]] + [
        ["Weiß & Söhne", "Österreich", "Holz – €", "4403"]
    ]
    path = _write_csv(tmp_path / "s.csv", rows, delimiter=";", encoding="cp1252")
    table = read_suppliers(path)
    assert table.encoding == "cp1252"
    assert table.delimiter == ";"
    assert table.frame["Supplier"].to_list() == [r[0] for r in rows[1:]]
    assert table.frame["Product"][-1] == "Holz – €"


@pytest.mark.parametrize(
    ("encoding", "rows"),
    [
        (
            "cp1251",
            [["Поставщик", "Страна"], ["ООО Ромашка", "Россия"], ["Текстиль", "Узбекистан"]],
        ),
        ("shift_jis", [["仕入先", "国"], ["株式会社山田製作所", "日本"], ["東京繊維", "日本"]]),
        (
            "gb18030",
            [["供应商", "国家"], ["深圳市华美服装有限公司", "中国"], ["江苏金帝服饰", "中国"]],
        ),
    ],
)
def test_legacy_non_western_encodings(tmp_path: Path, encoding: str, rows: list[list[str]]) -> None:
    pytest.importorskip("charset_normalizer")
    path = _write_csv(tmp_path / "s.csv", rows, encoding=encoding)
    table = read_suppliers(path)
    assert table.headers == tuple(rows[0])
    assert table.frame.drop("row_id").rows() == [tuple(r) for r in rows[1:]]


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiter_sniffed(tmp_path: Path, delimiter: str) -> None:
    path = _write_csv(tmp_path / "s.txt", ROWS, delimiter=delimiter)
    table = read_suppliers(path)
    assert table.delimiter == delimiter
    assert table.frame.width == 5
    assert table.frame["Product"].to_list() == [r[2] for r in ROWS[1:]]


def test_quoted_newlines_and_quotes(tmp_path: Path) -> None:
    rows = [["Supplier", "Address"], ["Acme, Ltd", "Line 1\nLine 2"], ['Beta "B"', "x"], ["C", "y"]]
    table = read_suppliers(_write_csv(tmp_path / "q.csv", rows, newline="\r\n"))
    assert table.frame.drop("row_id").rows() == [tuple(r) for r in rows[1:]]
    assert table.frame["row_id"].to_list() == [1, 2, 3]


def test_leading_zeros_and_codes_stay_text(tmp_path: Path) -> None:
    rows = [["Supplier", "HS code", "Zip"], ["A", "0901", "01234"], ["B", "5201.00", "00000"]]
    table = read_suppliers(_write_csv(tmp_path / "z.csv", rows))
    assert table.frame["HS code"].to_list() == ["0901", "5201.00"]
    assert table.frame["Zip"].to_list() == ["01234", "00000"]


def test_ragged_rows_padded_never_lost(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("Supplier,Country\nA\nB,India,extra,more\nC,Peru\n")
    table = read_suppliers(path)
    assert table.n_rows == 3
    assert table.headers == ("Supplier", "Country", "Column 3", "Column 4")
    assert table.frame.row(1) == (2, "B", "India", "extra", "more")
    assert table.frame.row(0) == (1, "A", None, None, None)


def test_title_rows_in_csv(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("Vendor master 2024\n\nLieferant;Land;Warengruppe\nA;DE;Holz\nB;CN;Stahl\n")
    table = read_suppliers(path)
    assert table.header_row == 3
    assert table.headers == ("Lieferant", "Land", "Warengruppe")
    assert table.frame["row_id"].to_list() == [1, 2]


# --- spreadsheets -------------------------------------------------------------------------


def test_xlsx_numbers_dates_and_text(tmp_path: Path) -> None:
    rows = [
        ["Supplier", "HS code", "Since", "Time", "Spend", "Active"],
        ["A", 5201, dt.datetime(2024, 3, 1), dt.time(12, 30), 1234.5, True],
        ["B", 5201.0, dt.date(2023, 12, 31), None, 10.0, False],
        ["C", "0901", dt.datetime(2024, 3, 1, 13, 5, 7), None, -3, None],
        ["D", 61091000, None, None, 0.1, None],
    ]
    table = read_suppliers(_xlsx(tmp_path / "n.xlsx", {"Data": rows}))
    f = table.frame
    assert f["HS code"].to_list() == ["5201", "5201", "0901", "61091000"]
    assert f["Since"].to_list() == ["2024-03-01", "2023-12-31", "2024-03-01 13:05:07", None]
    assert f["Time"].to_list() == ["12:30:00", None, None, None]
    assert f["Spend"].to_list() == ["1234.5", "10", "-3", "0.1"]
    assert f["Active"].to_list() == ["true", "false", None, None]
    assert not any(v.endswith(".0") for v in f["HS code"].to_list())


def test_formulas_read_as_cached_values(tmp_path: Path) -> None:
    path = tmp_path / "f.xlsx"
    corpus.raw_xlsx(path, [("S", corpus.sheet_xml([
        ["Supplier", "Country", "Spend"],
        ["Acme", ("=", 'UPPER("china")', "CHINA"), ("=", "2*500", 1000)],
        ["Beta", ("=", "A1", "India"), ("=", "NOW()", None)],
    ]))])  # fmt: skip
    table = read_suppliers(path)
    assert table.frame["Country"].to_list() == ["CHINA", "India"]
    assert table.frame["Spend"].to_list() == ["1000", None]


def test_title_rows_merged_cells_and_row_ids(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "Supplier master export 2024-03-01"
    ws.merge_cells("A1:C1")
    ws.append([])
    ws.append(["Vendor", "Country of origin", "Material"])
    ws.append(["A", "China", "cotton"])
    ws.append([])
    ws.append(["B", "India", "rice"])
    ws.append([None, None, None])
    ws.append(["C", "Peru", "gold"])
    wb.save(path)
    table = read_suppliers(path)
    assert table.header_row == 3
    assert table.headers == ("Vendor", "Country of origin", "Material")
    assert table.frame["row_id"].to_list() == [1, 3, 5]
    # row_id + header_row is the sheet row users see in Excel
    assert [r + table.header_row for r in table.frame["row_id"]] == [4, 6, 8]


def test_leading_blank_rows_keep_sheet_numbering(tmp_path: Path) -> None:
    path = _xlsx(
        tmp_path / "b.xlsx", {"S": [None, None, None, ["Supplier", "Country"], ["A", "CN"]]}
    )
    table = read_suppliers(path)
    assert table.header_row == 4


def test_sheets_default_named_numbered_and_unknown(tmp_path: Path) -> None:
    path = _xlsx(
        tmp_path / "m.xlsx",
        {
            "Cover": [],
            "EU": [["Supplier", "Country"], ["A", "France"]],
            "Asia": [["Supplier", "Country"], ["B", "China"], ["C", "India"]],
        },
    )
    default = read_suppliers(path)
    assert default.sheet == "EU"
    assert default.sheets == ("Cover", "EU", "Asia")
    assert "using sheet 'EU' of 'EU', 'Asia' — choose with --sheet" in (default.note or "")
    assert read_suppliers(path, sheet="Asia").n_rows == 2
    assert read_suppliers(path, sheet="asia").sheet == "Asia"
    assert read_suppliers(path, sheet=3).sheet == "Asia"
    with pytest.raises(
        InputError, match="there is no sheet 'Europe'; the sheets are 'Cover', 'EU'"
    ):
        read_suppliers(path, sheet="Europe")
    with pytest.raises(InputError, match="it is empty"):
        read_suppliers(path, sheet="Cover")


def test_sheet_named_like_a_number(tmp_path: Path) -> None:
    path = _xlsx(
        tmp_path / "y.xlsx", {"2024": [["Supplier"], ["A"]], "2023": [["Supplier"], ["B"], ["C"]]}
    )
    assert read_suppliers(path, sheet=2023).n_rows == 2
    assert read_suppliers(path, sheet="2024").n_rows == 1
    assert read_suppliers(path, sheet=2).sheet == "2023"


def test_hidden_sheet_not_chosen_by_default(tmp_path: Path) -> None:
    from riskscreen.io.read_xlsx_meta import xlsx_sheets

    path = tmp_path / "h.xlsx"
    wb = openpyxl.Workbook()
    secret = wb.active
    secret.title = "Lookup"
    secret.append(["Code", "Text"])
    secret.append(["A", "b"])
    secret.sheet_state = "hidden"
    data = wb.create_sheet("Suppliers")
    data.append(["Supplier", "Country"])
    data.append(["Acme", "China"])
    wb.create_sheet("Empty")
    wb.save(path)
    assert [(i.name, i.hidden, i.has_values) for i in xlsx_sheets(path)] == [
        ("Lookup", True, True),
        ("Suppliers", False, True),
        ("Empty", False, False),
    ]
    table = read_suppliers(path)
    assert table.sheet == "Suppliers"
    assert read_suppliers(path, sheet="Lookup").headers == ("Code", "Text")


def test_error_cells_read_as_empty(tmp_path: Path) -> None:
    path = tmp_path / "e.xlsx"
    xml = corpus.sheet_xml([["Supplier", "Spend"], ["A", 1], ["B", 2]]).replace(
        b'<c r="B3"><v>2</v></c>', b'<c r="B3" t="e"><f>1/0</f><v>#DIV/0!</v></c>'
    )
    corpus.raw_xlsx(path, [("S", xml)])
    assert read_suppliers(path).frame["Spend"].to_list() == ["1", None]


def test_duplicate_and_blank_headers(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text("Name,,Name,row_id,Name\na,b,c,d,e\n")
    table = read_suppliers(path)
    assert table.headers == ("Name", "Column 2", "Name (2)", "row_id (input)", "Name (3)")
    assert table.frame.row(0) == (1, "a", "b", "c", "d", "e")


def test_long_cells_are_cut_not_dropped(tmp_path: Path) -> None:
    path = tmp_path / "l.csv"
    path.write_text("Supplier,Product\nA," + "é" * 40000 + "\nB,x\n")
    table = read_suppliers(path)
    assert table.n_rows == 2
    assert table.frame["Product"].str.len_chars().to_list() == [32767, 1]
    assert "1 cell(s) longer than 32,767 characters were cut (first at row_id 1)" in table.note


def test_parquet_cast_to_text(tmp_path: Path) -> None:
    path = tmp_path / "p.parquet"
    pl.DataFrame({"Supplier": ["A", "B"], "HS": [5201.0, 901.5], "N": [1, 2]}).write_parquet(path)
    table = read_suppliers(path)
    assert table.frame.drop("row_id").rows() == [("A", "5201", "1"), ("B", "901.5", "2")]


def test_sha256_and_metadata(tmp_path: Path) -> None:
    path = _write_csv(tmp_path / "s.csv", ROWS)
    table = read_suppliers(str(path))
    assert isinstance(table, SupplierTable)
    assert table.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert table.path == path
    assert table.n_rows == 3 and table.header_row == 1 and table.sheet is None


def test_missing_and_unsupported(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"nope\.csv: file not found"):
        read_suppliers(tmp_path / "nope.csv")
    odd = tmp_path / "list.docx"
    odd.write_text("x")
    with pytest.raises(InputError, match=r"unsupported file type '\.docx'; supported: \.xlsx"):
        read_suppliers(odd)
    with pytest.raises(InputError, match="is a folder"):
        read_suppliers(tmp_path)


def test_xlsm_by_content(tmp_path: Path) -> None:
    src = _xlsx(tmp_path / "a.xlsx", {"S": [["Supplier"], ["A"]]})
    xlsm = tmp_path / "a.xlsm"
    xlsm.write_bytes(src.read_bytes())
    assert read_suppliers(xlsm).n_rows == 1


# --- read_frame ---------------------------------------------------------------------------


def test_read_frame_casts_and_numbers_rows() -> None:
    frame = pl.DataFrame(
        {"Supplier": ["A", None, "C"], "HS": [5201.0, None, 7.25], "d": [dt.date(2024, 3, 1)] * 3}
    )
    table = read_frame(frame.with_columns(pl.when(pl.col("Supplier").is_null()).then(None)
                                          .otherwise(pl.col("d")).alias("d")))  # fmt: skip
    assert table.frame.columns == ["row_id", "Supplier", "HS", "d"]
    assert table.frame.rows() == [(1, "A", "5201", "2024-03-01"), (3, "C", "7.25", "2024-03-01")]
    again = read_frame(table.frame)
    assert again.frame.equals(table.frame)


def test_read_frame_rejects_empty() -> None:
    with pytest.raises(InputError, match="no rows"):
        read_frame(pl.DataFrame({"a": []}))


# --- real supplier lists (only when the shared data is present) -----------------------------


@pytest.mark.shared
def test_shared_lists_conserve_rows(shared_data: Path) -> None:
    lists = shared_data / "supplier-lists"
    for path in sorted(lists.glob("*.csv")):
        table = read_suppliers(path)
        n_records = pl.read_csv(path, infer_schema=False).height
        assert table.n_rows == n_records, path.name
        assert table.headers == ("country", "name", "address")
    xlsx = read_suppliers(lists / "facility_list_12.xlsx")
    xls = read_suppliers(lists / "facility_list_12.xls")
    csv_ = read_suppliers(lists / "facility_list_12.csv")
    assert xlsx.frame.equals(xls.frame)
    # same rows and names; one address differs in the source files themselves (mojibake)
    assert xlsx.frame.select("row_id", "name").equals(csv_.frame.select("row_id", "name"))


# --- properties -----------------------------------------------------------------------------

_EXCEL_DATE = re.compile(r"^\d{4}-\d{2}-\d{2} 00:00:00$|^1899-12-3[01] ")
cell_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\x00"),
    max_size=30,
).filter(lambda s: not _EXCEL_DATE.match(s))
rows_strategy = st.lists(st.tuples(cell_text, cell_text), min_size=1, max_size=12)
HEADER = ["Supplier", "Country", "Product"]


def _expected(rows: list[tuple[str, str]]) -> list[tuple]:
    return [(i, f"r{i}", a or None, b or None) for i, (a, b) in enumerate(rows, start=1)]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=rows_strategy, delimiter=st.sampled_from([",", ";", "\t"]))
def test_property_csv_round_trip(
    tmp_path: Path, rows: list[tuple[str, str]], delimiter: str
) -> None:
    data = [HEADER] + [[f"r{i}", a, b] for i, (a, b) in enumerate(rows, start=1)]
    path = _write_csv(tmp_path / "p.csv", data, delimiter=delimiter)
    first = read_suppliers(path)
    assert first.n_rows == len(rows)
    assert first.headers == tuple(HEADER)
    assert first.frame.rows() == _expected(rows)
    assert read_suppliers(path).frame.equals(first.frame)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=rows_strategy)
def test_property_xlsx_round_trip(tmp_path: Path, rows: list[tuple[str, str]]) -> None:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    def clean(s: str) -> str:  # openpyxl drops control characters and turns "=..." into formulas
        s = ILLEGAL_CHARACTERS_RE.sub("", s)
        return "'" + s if s.startswith("=") else s

    rows = [(clean(a), clean(b)) for a, b in rows]
    # XML drops whitespace-only text that openpyxl writes without xml:space="preserve"
    rows = [tuple("" if not v.strip(" \t\n\r") else v for v in r) for r in rows]
    data = [HEADER] + [[f"r{i}", a or None, b or None] for i, (a, b) in enumerate(rows, start=1)]
    path = _xlsx(tmp_path / "p.xlsx", {"S": data})
    first = read_suppliers(path)
    assert first.n_rows == len(rows)
    assert first.frame.rows() == _expected(rows)
    assert read_suppliers(path).frame.equals(first.frame)


# --- big sheet (slow) ------------------------------------------------------------------------


@pytest.mark.slow
def test_excel_row_limit_sheet_reads(tmp_path: Path) -> None:
    """A sheet at Excel's 1,048,576-row limit reads with every row kept."""
    n = 1_048_576
    path = tmp_path / "big.xlsx"
    corpus.raw_xlsx(path, [("S", b"")])
    with zipfile.ZipFile(path) as src:
        parts = {i.filename: src.read(i) for i in src.infolist()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for name, blob in parts.items():
            if not name.endswith("sheet1.xml"):
                zf.writestr(name, blob)
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as out:
            out.write(f'<?xml version="1.0"?><worksheet xmlns="{corpus._NS}"><sheetData>'.encode())
            out.write(b'<row r="1"><c r="A1" t="inlineStr"><is><t>Supplier</t></is></c>'
                      b'<c r="B1" t="inlineStr"><is><t>HS code</t></is></c></row>')  # fmt: skip
            step = 50_000
            for start in range(2, n + 1, step):
                out.write("".join(
                    f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>S{r}</t></is></c>'
                    f'<c r="B{r}"><v>{r % 9999}</v></c></row>'
                    for r in range(start, min(start + step, n + 1))
                ).encode())  # fmt: skip
            out.write(b"</sheetData></worksheet>")
    table = read_suppliers(path)
    assert table.n_rows == n - 1
    assert table.frame["row_id"][-1] == n - 1
    assert table.frame["HS code"][0] == "2"


def test_a_dozen_accented_letters_are_not_taken_for_another_script(tmp_path: Path) -> None:
    # charset-normalizer names Cyrillic, Hebrew or Big5 for such a short run; too little
    # evidence to leave the Western default (a whole file of them is still read by script)
    rows = [["Supplier", "Country"], ["Çé,éÇ,ñéñüÇ", "Spain"], ["Acme", "France"]]
    table = read_suppliers(_write_csv(tmp_path / "s.csv", rows, encoding="latin-1"))
    assert table.encoding == "cp1252"
    assert table.frame["Supplier"].to_list() == ["Çé,éÇ,ñéñüÇ", "Acme"]
