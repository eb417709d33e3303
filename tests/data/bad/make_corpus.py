"""Build the awkward, broken and hostile supplier files in tests/data/bad/.

Run from anywhere: ``python tests/data/bad/make_corpus.py``. The generated files are committed
(they are small); EXPECTED.csv next to them is written by hand and says what reading each one
must give. Deterministic: fixed zip timestamps, no randomness except a seeded generator.

`raw_xlsx` builds a minimal xlsx by hand (inline strings, cached formula values, arbitrary XML)
because openpyxl cannot write cached formula results or hostile XML; tests import it.
"""

from __future__ import annotations

import io
import random
import struct
import zipfile
from collections.abc import Sequence
from pathlib import Path
from xml.sax.saxutils import escape

HERE = Path(__file__).resolve().parent
_DATE = (2024, 3, 1, 0, 0, 0)
_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def col_letter(i: int) -> str:
    """0 -> 'A', 25 -> 'Z', 26 -> 'AA'."""
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def cell_xml(ref: str, value: object) -> str:
    """One <c>: str -> inline string; int/float -> number; ('=', formula, cached) -> formula."""
    if value is None:
        return ""
    if isinstance(value, tuple) and value and value[0] == "=":
        _, formula, cached = value
        f = f"<f>{escape(formula)}</f>"
        if cached is None:
            return f'<c r="{ref}">{f}</c>'
        if isinstance(cached, str):
            return f'<c r="{ref}" t="str">{f}<v>{escape(cached)}</v></c>'
        return f'<c r="{ref}">{f}<v>{cached}</v></c>'
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (int, float)):
        return f'<c r="{ref}"><v>{value!r}</v></c>'
    text = escape(str(value))
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'


def sheet_xml(rows: Sequence[Sequence[object] | None], *, prolog: str = "", dimension: str = "",
              padding: int = 0) -> bytes:  # fmt: skip
    """A worksheet part; `rows[i]` is sheet row i+1 (None = empty row)."""
    body = []
    for r, row in enumerate(rows, start=1):
        if not row:
            continue
        cells = "".join(cell_xml(f"{col_letter(c)}{r}", v) for c, v in enumerate(row))
        body.append(f'<row r="{r}">{cells}</row>')
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    head = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n{prolog}'
    xml = f'{head}<worksheet xmlns="{_NS}">{dim}<sheetData>{"".join(body)}</sheetData>'
    return (xml + " " * padding + "</worksheet>").encode("utf-8")


def raw_xlsx(path: Path, sheets: Sequence[tuple[str, bytes]]) -> None:
    """Write a minimal but valid xlsx with the given (sheet name, worksheet XML) parts."""
    ct = (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
        'package/2006/content-types"><Default Extension="rels" ContentType="application/'
        'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType='
        '"application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        + "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            for i in range(1, len(sheets) + 1)
        )
        + "</Types>"
    )
    rels = (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats'
        '.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
        'openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
        'Target="xl/workbook.xml"/></Relationships>'
    )
    wb = (
        f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{_NS}" xmlns:r="{_REL}"><sheets>'
        + "".join(
            f'<sheet name="{escape(n)}" sheetId="{i}" r:id="rId{i}"/>'
            for i, (n, _) in enumerate(sheets, start=1)
        )
        + "</sheets></workbook>"
    )
    wb_rels = (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats'
        '.org/package/2006/relationships">'
        + "".join(
            f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
            for i in range(1, len(sheets) + 1)
        )
        + "</Relationships>"
    )
    parts: list[tuple[str, bytes]] = [
        ("[Content_Types].xml", ct.encode()),
        ("_rels/.rels", rels.encode()),
        ("xl/workbook.xml", wb.encode()),
        ("xl/_rels/workbook.xml.rels", wb_rels.encode()),
    ]
    parts += [(f"xl/worksheets/sheet{i}.xml", x) for i, (_, x) in enumerate(sheets, start=1)]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name, data in parts:
            info = zipfile.ZipInfo(name, date_time=_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)


def raw_ods(path: Path, sheets: Sequence[tuple[str, Sequence[Sequence[object] | None]]]) -> None:
    """Write a minimal OpenDocument spreadsheet (strings and numbers; None = empty cell/row)."""

    def cell(v: object) -> str:
        if v is None:
            return "<table:table-cell/>"
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            return (f'<table:table-cell office:value-type="float" office:value="{v!r}">'
                    f"<text:p>{v!r}</text:p></table:table-cell>")  # fmt: skip
        text = escape(str(v))
        kind = 'office:value-type="string"'
        return f"<table:table-cell {kind}><text:p>{text}</text:p></table:table-cell>"

    tables = "".join(
        f'<table:table table:name="{escape(name)}">'
        + "".join(
            f"<table:table-row>{''.join(cell(v) for v in (r or [None]))}</table:table-row>"
            for r in rows
        )  # fmt: skip
        + "</table:table>"
        for name, rows in sheets
    )
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f"<office:body><office:spreadsheet>{tables}</office:spreadsheet></office:body>"
        "</office:document-content>"
    )
    ods_zip(path, content)


_ODS_MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:'
    'names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry '
    'manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.'
    'spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" '
    'manifest:media-type="text/xml"/></manifest:manifest>'
)


def ods_zip(path: Path, content: str) -> None:
    """Package an OpenDocument `content.xml` as a spreadsheet file (fixed dates: same bytes)."""
    with zipfile.ZipFile(path, "w") as zf:
        for name, data, method in (
            ("mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED),
            ("META-INF/manifest.xml", _ODS_MANIFEST, zipfile.ZIP_DEFLATED),
            ("content.xml", content, zipfile.ZIP_DEFLATED),
        ):
            info = zipfile.ZipInfo(name, date_time=_DATE)
            info.compress_type = method
            zf.writestr(info, data.encode())


def _openpyxl_save(wb, path: Path) -> None:
    """Save, then repack with fixed zip times and document dates so the bytes never change."""
    import re

    buf = io.BytesIO()
    wb.save(buf)
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "docProps/core.xml":
                data = re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", b"2024-03-01T00:00:00Z", data)
            info = zipfile.ZipInfo(item.filename, date_time=_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            out.writestr(info, data)


HEADER = ["Supplier", "Country", "Product", "HS code"]
ROWS = [
    ["Acme Textiles Ltd", "Bangladesh", "cotton t-shirts", "6109"],
    ["Sialkot Balls", "Pakistan", "footballs", "9506"],
    ["Ghana Cocoa Coop", "Ghana", "cocoa beans", "1801"],
]


def _text_files() -> None:
    def csv(rows: Sequence[Sequence[str]], sep: str = ",") -> str:
        return "".join(sep.join(r) + "\n" for r in rows)

    plain = csv([HEADER, *ROWS])
    (HERE / "utf8_bom.csv").write_bytes(b"\xef\xbb\xbf" + plain.encode())
    tab = csv([HEADER, *ROWS, ["Müller Čokoláda", "Côte d'Ivoire", "Kakao", "1801"]], "\t")
    (HERE / "utf16le_tab.txt").write_bytes(
        b"\xff\xfe" + tab.replace("\n", "\r\n").encode("utf-16-le")
    )
    (HERE / "utf16be.csv").write_bytes(b"\xfe\xff" + plain.encode("utf-16-be"))
    german = csv(
        [["Lieferant", "Land", "Warengruppe", "Betrag"],
         ["Müller GmbH", "Deutschland", "Baumwolle", "1.234,50"],
         ["Société Générale Café", "Côte d'Ivoire", "Kaffee", "99,00"],
         ["Weiß & Söhne", "Österreich", "Holz – Möbel", "€ 5,00"]], ";")  # fmt: skip
    (HERE / "cp1252_semicolon.csv").write_bytes(german.encode("cp1252"))
    chinese = csv(
        [["供应商", "国家", "产品"],
         ["深圳市华美服装有限公司", "中国", "棉花服装"],
         ["江苏金帝服饰有限公司", "中国", "纺织品"],
         ["福建晋江鞋业有限公司", "中国", "鞋类产品"]])  # fmt: skip
    (HERE / "gb18030.csv").write_bytes(chinese.encode("gb18030"))
    (HERE / "sep_line.csv").write_text("sep=;\n" + csv([HEADER, *ROWS], ";"))
    (HERE / "pipe.txt").write_text(csv([HEADER, *ROWS], "|"))
    (HERE / "quoted_newlines.csv").write_text(
        'Supplier,Country,Address\n"Acme, Ltd",China,"Line 1\nLine 2, Shenzhen"\n'
        '"Beta ""Best"" Co",India,"Plot 4\r\nChennai"\nGamma,Peru,Lima\n'
    )
    (HERE / "ragged_rows.csv").write_text(
        "Supplier,Country,Product\nAcme,China\nBeta,India,cotton,extra1,extra2\nGamma\n"
    )
    (HERE / "mac_cr.csv").write_bytes(plain.replace("\n", "\r").encode())
    (HERE / "crlf.csv").write_bytes(plain.replace("\n", "\r\n").encode())
    (HERE / "empty_middle_rows.csv").write_text(
        "Supplier,Country\nA,China\n,\n\nB,India\n  ,  \nC,Peru\n\n\n"
    )
    (HERE / "duplicate_headers.csv").write_text(
        "Name,Country,Name,,Country\nAcme,CN,Acme Intl,x,China\nBeta,IN,Beta Intl,y,India\n"
    )
    (HERE / "long_cell.csv").write_text(f"Supplier,Product\nAcme,{'x' * 40000}\nBeta,cotton\n")
    (HERE / "inch_marks.csv").write_text(
        'Supplier,Product\nAcme,12" steel pipe\nBeta,3.5" floppy discs\n'
    )
    (HERE / "title_rows.csv").write_text(
        "Supplier master export 2024-03-01\n\nExported by: SAP\n" + csv([HEADER, *ROWS])
    )
    paged = [
        HEADER,
        *ROWS[:2],
        HEADER,
        ROWS[2],
        ["Report page 2"],
        HEADER,
        ["Delta", "India", "rice", ""],
    ]
    (HERE / "paged_report.csv").write_text(csv(paged))
    (HERE / "headerless.csv").write_text(csv(ROWS))
    (HERE / "xls_is_text.xls").write_text(csv([HEADER, *ROWS], "\t"))
    (HERE / "whitespace_rows.csv").write_text("Supplier,Country\n   ,\t\nA,China\n \t , \nB,Peru\n")
    # broken text files
    (HERE / "empty.csv").write_bytes(b"")
    (HERE / "blank_lines.csv").write_text("\n\n   \n,,\n")
    (HERE / "header_only.csv").write_text("Supplier,Country,Product\n")
    (HERE / "unclosed_quote.csv").write_text('Supplier,Country\n"Acme,China\nBeta,India\n')
    rng = random.Random(9)
    (HERE / "binary.csv").write_bytes(bytes(rng.randrange(256) for _ in range(3000)))
    (HERE / "not_a_zip.xlsx").write_text(plain)
    (HERE / "fake.parquet").write_text(plain)
    (HERE / "unsupported.pdf").write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    (HERE / "html_as.xls").write_text(
        "<html><body><table><tr><td>Supplier</td><td>Country</td></tr>"
        "<tr><td>Acme</td><td>China</td></tr></table></body></html>"
    )
    (HERE / "xml2003.xls").write_text(
        '<?xml version="1.0"?>\n<?mso-application progid="Excel.Sheet"?>\n'
        '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"></Workbook>\n'
    )
    (HERE / "no_roles.csv").write_text("Col1,Col2,Col3\nfoo,1,2024-01-01\nbar,2,2024-01-02\n")


def _excel_files() -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Export"
    ws["A1"] = "Supplier master export 2024-03-01"
    ws.merge_cells("A1:D1")
    ws["A3"] = "Company: Example Buyer GmbH"
    ws.merge_cells("A3:B3")
    for c, h in enumerate(HEADER, start=1):
        ws.cell(row=4, column=c, value=h)
    for r, row in enumerate([*ROWS[:2], None, *ROWS[2:], ["Delta", "India", "rice", "1006"],
                             ["Epsilon", "Peru", "gold", "7108"]], start=5):  # fmt: skip
        for c, v in enumerate(row or [], start=1):
            ws.cell(row=r, column=c, value=v)
    _openpyxl_save(wb, HERE / "title_rows.xlsx")

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Codes"
    ws.append(["Supplier", "HS code", "Spend"])
    for row in [["A", 5201, 10], ["B", 5201.0, 10.5], ["C", "0901", 1e3], ["D", 61091000, 0.1],
                ["E", 8.0, -2]]:  # fmt: skip
        ws.append(row)
    _openpyxl_save(wb, HERE / "numbers_as_codes.xlsx")

    wb = openpyxl.Workbook()
    wb.active.title = "Cover"
    data = wb.create_sheet("Suppliers")
    for row in [HEADER, *ROWS]:
        data.append(row)
    wb.create_sheet("Notes")["A1"] = "internal notes"
    _openpyxl_save(wb, HERE / "two_sheets_cover.xlsx")

    wb = openpyxl.Workbook()
    wb.active.title = "One"
    wb.create_sheet("Two")
    _openpyxl_save(wb, HERE / "all_sheets_empty.xlsx")

    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "Supplier list"
    ws.append([])
    ws.append(HEADER)
    _openpyxl_save(wb, HERE / "header_only_title.xlsx")

    raw_xlsx(HERE / "formulas_cached.xlsx", [("Sheet1", sheet_xml([
        ["Supplier", "Country", "HS code", "Spend"],
        ["Acme", ("=", 'UPPER("china")', "CHINA"), "6109", ("=", "2*500", 1000)],
        ["Beta", "India", ("=", 'TEXT(901,"0000")', "0901"), ("=", "D2/4", 250.0)],
        ["Gamma", "Peru", "7108", ("=", "NOW()", None)],
    ]))])  # fmt: skip
    (HERE / "csv_is_xlsx.csv").write_bytes((HERE / "formulas_cached.xlsx").read_bytes())
    (HERE / "xlsx_named.xls").write_bytes((HERE / "formulas_cached.xlsx").read_bytes())
    whole = (HERE / "formulas_cached.xlsx").read_bytes()
    (HERE / "truncated.xlsx").write_bytes(whole[: len(whole) // 2])

    raw_ods(HERE / "libreoffice.ods", [("Lieferanten", [
        ["Lieferantenliste"], None,
        ["Lieferant", "Land", "Zolltarifnummer"],
        ["Müller GmbH", "Deutschland", 5201],
        ["Weiß AG", "Österreich", "0901"],
    ])])  # fmt: skip
    (HERE / "ods_named.xlsx").write_bytes((HERE / "libreoffice.ods").read_bytes())

    # hostile workbooks
    bomb = sheet_xml([HEADER, *ROWS], padding=60 * 2**20)  # 60 MiB of blanks: ratio ~1000
    raw_xlsx(HERE / "bomb_ratio.xlsx", [("Sheet1", bomb)])
    _declared_bomb(HERE / "bomb_declared.xlsx")
    _lying_bomb(HERE / "bomb_lying.xlsx")
    laughs = (
        '<!DOCTYPE worksheet [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">'
        '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
    )
    raw_xlsx(
        HERE / "xxe_doctype.xlsx", [("Sheet1", sheet_xml([HEADER, ["&lol3;"]], prolog=laughs))]
    )
    hidden = " " * 6000 + "<!-- <looks like='a tag'> -->" + laughs
    raw_xlsx(HERE / "xxe_padded.xlsx", [("Sheet1", sheet_xml([HEADER, ["&lol3;"]], prolog=hidden))])
    raw_xlsx(HERE / "dimension_huge.xlsx",
             [("Sheet1", sheet_xml([HEADER, *ROWS], dimension="A1:XFD1048576"))])  # fmt: skip
    _encrypted(HERE / "encrypted.xlsx")


def _declared_bomb(path: Path) -> None:
    """A small xlsx whose central directory claims ~3 GiB per sheet part (lying sizes)."""
    buf = io.BytesIO()
    raw_xlsx(path, [("Sheet1", sheet_xml([HEADER, *ROWS])), ("Sheet2", sheet_xml([HEADER]))])
    data = bytearray(path.read_bytes())
    sig = b"PK\x01\x02"
    pos = data.find(sig)
    while pos != -1:
        name_len = struct.unpack_from("<H", data, pos + 28)[0]
        name = bytes(data[pos + 46 : pos + 46 + name_len])
        if name.startswith(b"xl/worksheets/"):
            struct.pack_into("<I", data, pos + 24, 3 * 2**30)  # uncompressed size
        pos = data.find(sig, pos + 4)
    buf.write(data)
    path.write_bytes(buf.getvalue())


def _lying_bomb(path: Path) -> None:
    """An xlsx whose sheet inflates to 60 MiB but declares 2,000 bytes in both zip headers."""
    raw_xlsx(path, [("Sheet1", sheet_xml([HEADER, *ROWS], padding=60 * 2**20))])
    data = bytearray(path.read_bytes())
    for sig, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        pos = data.find(sig)
        while pos != -1:
            name_at, len_at = (30, 26) if sig == b"PK\x03\x04" else (46, 28)
            n = struct.unpack_from("<H", data, pos + len_at)[0]
            if bytes(data[pos + name_at : pos + name_at + n]).startswith(b"xl/worksheets/"):
                struct.pack_into("<I", data, pos + offset, 2000)
            pos = data.find(sig, pos + 4)
    path.write_bytes(bytes(data))


def _encrypted(path: Path) -> None:
    """A real password-protected xlsx (needs msoffcrypto-tool). Encryption salts are random, so
    an existing file is kept rather than rewritten with different bytes."""
    if path.exists():
        return
    try:
        from msoffcrypto.format.ooxml import OOXMLFile
    except ImportError:
        print("msoffcrypto-tool missing: encrypted.xlsx not generated")
        return
    plain = io.BytesIO((HERE / "formulas_cached.xlsx").read_bytes())
    out = io.BytesIO()
    OOXMLFile(plain).encrypt("secret", out)
    path.write_bytes(out.getvalue())


def _parquet() -> None:
    import polars as pl

    pl.DataFrame(
        {
            "Supplier": ["Acme", "Beta", None],
            "HS code": [5201.0, 901.0, 6109.5],
            "Spend": [10, 20, 30],
            "Since": pl.Series(["2024-03-01", "2023-01-31", None]).str.to_date(),
        }
    ).write_parquet(HERE / "table.parquet", statistics=False)


def main() -> None:
    """Regenerate every corpus file."""
    _text_files()
    _excel_files()
    _parquet()


if __name__ == "__main__":
    main()
