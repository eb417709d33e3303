"""Build the hostile-input cases of issue 17: small files committed here, big ones made on demand.

Run ``python tests/data/bad/make_hostile.py`` to rewrite the small files (deterministic). The
big cases (millions of cells, hundreds of megabytes) are never committed: `tests/test_hostile.py`
calls the `big_*` functions into a temporary folder. EXPECTED.csv says what reading each small
file must give; the tests say what `screen` and `diff` must do with it.
"""

from __future__ import annotations

import importlib.util
import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
HEADER = ["Supplier", "Country", "Product"]
ROWS = [["Acme Textiles", "China", "cotton"], ["Beta Foods", "Côte d'Ivoire", "cocoa"],
        ["Gamma Mining", "Peru", "gold"]]  # fmt: skip
#: Cells a spreadsheet would run as a formula; OWASP's CSV-injection examples.
PAYLOADS = [
    "=cmd|' /C calc'!A0",
    '+HYPERLINK("http://evil.example/x","click")',
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


def _corpus():
    spec = importlib.util.spec_from_file_location("make_corpus", HERE / "make_corpus.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


def _csv(rows: list[list[str]], sep: str = ",") -> str:
    def field(v: str) -> str:
        return f'"{v.replace(chr(34), chr(34) * 2)}"' if any(c in v for c in '",\n\r') else v

    return "".join(sep.join(field(v) for v in r) + "\n" for r in rows)


def far_cell_xlsx(path: Path, ref: str) -> None:
    """A three-row table plus one cell at `ref` (e.g. XFD1048576) and no <dimension>."""
    mc = _corpus()
    rows: list = [HEADER, *ROWS]
    xml = mc.sheet_xml(rows).decode()
    far = f'<row r="{ref.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")}">{mc.cell_xml(ref, "x")}</row>'
    mc.raw_xlsx(path, [("Suppliers", xml.replace("</sheetData>", far + "</sheetData>").encode())])


def ods_repeats(path: Path, rows: int = 10_000, cols: int = 9_900) -> None:
    """An .ods whose one cell is repeated `cols` times in a row repeated `rows` times."""
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        '<office:body><office:spreadsheet><table:table table:name="Suppliers">'
        '<table:table-row><table:table-cell office:value-type="string"><text:p>Supplier</text:p>'
        '</table:table-cell></table:table-row>'
        f'<table:table-row table:number-rows-repeated="{rows}">'
        f'<table:table-cell table:number-columns-repeated="{cols}" office:value-type="string">'
        "<text:p>Acme</text:p></table:table-cell></table:table-row>"
        # LibreOffice's own padding: empty repeats to the sheet's end, which must not count
        '<table:table-row table:number-rows-repeated="1048000">'
        '<table:table-cell table:number-columns-repeated="1024"/></table:table-row>'
        "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    _corpus().ods_zip(path, content)


def _parquet(path: Path, columns: dict) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table(columns), path, compression="zstd", write_statistics=False)


def parquet_cases() -> None:
    """Duration and non-UTF-8 binary columns; a row_id column with repeats, one with nulls."""
    import datetime as dt

    import pyarrow as pa

    names = ["Acme Textiles", "Beta Foods", "Gamma Mining"]
    countries = ["China", "Côte d'Ivoire", "Peru"]
    _parquet(HERE / "parquet_duration.parquet", {
        "Supplier": names, "Country": countries,
        "Lead time": pa.array([dt.timedelta(days=3), None, dt.timedelta(hours=5)],
                              pa.duration("s"))})  # fmt: skip
    _parquet(HERE / "parquet_binary_latin1.parquet", {
        "Supplier": pa.array([n.encode("utf-8") for n in names], pa.binary()),
        "Country": pa.array([c.encode("latin-1") for c in countries], pa.binary())})  # fmt: skip
    _parquet(HERE / "parquet_row_id_repeated.parquet", {
        "row_id": pa.array([7, 7, 8], pa.int64()), "Supplier": names, "Country": countries})
    _parquet(HERE / "parquet_row_id_null.parquet", {
        "row_id": pa.array([1, None, 3], pa.int64()), "Supplier": names, "Country": countries})


def text_cases() -> None:
    """Encodings, regex-like headers, a header below 40 title rows, formula payloads, a
    watchlist with a quoted multi-line name."""
    # charset-normalizer alone calls these two cp775 ("C¶te d'Ivoire", the country lost)
    (HERE / "latin1_small.csv").write_bytes(
        "Supplier,Country,Product\nBeta,Côte d'Ivoire,cocoa\nGamma,Perú,oro\n".encode("latin-1"))
    (HERE / "cp1252_small.csv").write_bytes(
        "Supplier,Country\nAcme,Côte d'Ivoire\nBeta,France\nGamma,Ghana\n".encode("cp1252"))
    rows = [HEADER, *ROWS, ["Délices Frères", "Sénégal", "arachides"]]
    (HERE / "latin1_cote.csv").write_bytes(_csv(rows).encode("latin-1"))
    (HERE / "cp1252_cote.csv").write_bytes(
        _csv([*rows, ["Œuvre “Café” Ltd", "Côte d'Ivoire", "café – vert"]], ";").encode("cp1252")
    )
    utf8 = _csv(rows[:3]).encode("utf-8") + "Société Ivoirienne,Côte d'Ivoire,cacao\n".encode(
        "latin-1") + _csv([["Ñandú Cía", "Perú", "oro"]]).encode("utf-8")  # fmt: skip
    (HERE / "utf8_one_latin1_line.csv").write_bytes(utf8)
    (HERE / "regex_headers.csv").write_text(
        _csv([["Supplier", "Country", "^Product$", "*", "(a|b)", "Spend ($)"],
              ["Acme Textiles", "China", "cotton", "x", "y", "10"],
              ["Beta Foods", "Côte d'Ivoire", "cocoa", "", "z", "20"]]), encoding="utf-8")
    titles = [[f"Supplier master data — report line {i}"] for i in range(1, 41)]
    (HERE / "header_below_40_titles.csv").write_text(_csv([*titles, HEADER, *ROWS]),
                                                     encoding="utf-8")
    (HERE / "formula_payloads.csv").write_text(
        _csv([["Supplier", "Country", "Product", "=HYPERLINK(\"http://evil.example\")"],
              *[[p, "China", "cotton", p] for p in PAYLOADS],
              ["Plain Supplier", "Peru", "gold", "-12.5"]]), encoding="utf-8")
    (HERE / "watchlist_formula.csv").write_text(
        _csv([["name", "aliases", "country", "source"],
              ["=cmd|' /C calc'!A0", "", "China", "own audit 2024"]]), encoding="utf-8")
    (HERE / "watchlist_multiline.csv").write_text(
        'name,aliases,country,source\n"Acme\nTextiles",,China,own audit 2024\n'
        "Beta Foods,,CIV,own audit 2024\n", encoding="utf-8")


def excel_cases() -> None:
    far_cell_xlsx(HERE / "far_cell_xfd.xlsx", "XFD1048576")
    far_cell_xlsx(HERE / "far_cell_gr.xlsx", "GR1048576")
    ods_repeats(HERE / "ods_repeats.ods")
    mc = _corpus()
    titles: list = [[f"Supplier master data — report line {i}"] for i in range(1, 41)]
    mc.raw_xlsx(HERE / "header_below_40_titles.xlsx",
                [("Suppliers", mc.sheet_xml([*titles, HEADER, *ROWS]))])


# --- big cases: made in a temporary folder by the tests, never committed -----------------------


def big_parquet_dictionary(path: Path, rows: int = 1_000_000, cols: int = 10) -> None:
    """~1 MB of Parquet that expands to rows x cols cells of 1,000 characters each."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    value = pa.array(["x" * 1000])
    column = pa.DictionaryArray.from_arrays(pa.array([0] * rows, pa.int32()), value)
    table = pa.table({f"Supplier {i}" if i else "Supplier": column for i in range(cols)})
    pq.write_table(table, path, compression="zstd", use_dictionary=True)


def big_product_codes(path: Path, rows: int = 200_000, seed: int = 17) -> None:
    """`rows` distinct 14-letter product codes (a ~6 MB CSV)."""
    rng = random.Random(seed)
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    seen: set[str] = set()
    with path.open("w", encoding="utf-8") as fh:
        fh.write("Supplier,Country,Product\n")
        while len(seen) < rows:
            code = "".join(rng.choice(letters) for _ in range(14))
            if code not in seen:
                seen.add(code)
                fh.write(f"S{len(seen)},China,{code}\n")


def big_long_names(path: Path, rows: int = 10_000, length: int = 30_000, seed: int = 5) -> None:
    """`rows` distinct supplier names of about `length` characters (7-letter random words)."""
    rng = random.Random(seed)
    words = ["".join(rng.choice("abcdefghij") for _ in range(7)) for _ in range(5000)]
    with path.open("w", encoding="utf-8") as fh:
        fh.write("Supplier,Country\n")
        for i in range(rows):
            fh.write(f"{i} " + " ".join(rng.choices(words, k=length // 8)) + ",China\n")


def big_watchlist(path: Path, rows: int = 400_000, seed: int = 3) -> None:
    """A user watchlist of `rows` distinct entities (~40 MB)."""
    rng = random.Random(seed)
    letters = "abcdefghijklmnopqrstuvwxyz"
    with path.open("w", encoding="utf-8") as fh:
        fh.write("name,aliases,country,source\n")
        for i in range(rows):
            name = " ".join("".join(rng.choice(letters) for _ in range(rng.randint(4, 9)))
                            for _ in range(4))  # fmt: skip
            alias = " ".join("".join(rng.choice(letters) for _ in range(rng.randint(4, 9)))
                             for _ in range(3))  # fmt: skip
            fh.write(f"{name} {i} Co Ltd,{alias} Trading {i},CHN,own list {i % 97}\n")


def big_rows_csv(path: Path, rows: int, seed: int = 1) -> None:
    """A plain supplier list of `rows` rows (distinct names, a few countries and products)."""
    rng = random.Random(seed)
    countries = ["China", "France", "India", "Peru", "Brazil", "Ghana", "Bangladesh", "Vietnam"]
    products = ["cotton", "cocoa", "garments", "bricks", "coffee", "gold", "fish", "tomatoes"]
    with path.open("w", encoding="utf-8") as fh:
        fh.write("Supplier,Country,Product\n")
        for i in range(rows):
            fh.write(f"Supplier {i} Trading Co,{rng.choice(countries)},{rng.choice(products)}\n")


def main() -> None:
    """Rewrite the small hostile files."""
    text_cases()
    excel_cases()
    parquet_cases()


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    main()


def big_repetitive_csv(path: Path, rows: int, distinct: int = 50) -> None:
    """`rows` rows cycling through `distinct` suppliers: cheap to resolve, long to write."""
    countries = ["China", "France", "India", "Peru", "Brazil", "Ghana", "Bangladesh", "Vietnam"]
    products = ["cotton", "cocoa", "garments", "bricks", "coffee", "gold", "fish", "tomatoes"]
    with path.open("w", encoding="utf-8") as fh:
        fh.write("Supplier,Country,Product\n")
        for i in range(rows):
            k = i % distinct
            fh.write(f"Supplier {k} Co,{countries[k % 8]},{products[(k // 8) % 8]}\n")
