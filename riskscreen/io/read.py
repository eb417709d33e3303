"""Read a supplier file (xlsx/xlsm/xlsb/xls/ods/csv/tsv/txt/parquet) into an all-text frame.

`read_suppliers(path)` checks the file first (`read_guard`: real type, password protection, zip
bombs, XML entities, size limits), reads a raw grid (`read_excel` / `read_csv` / parquet), finds
the header row (`columns.find_header_row`) and returns a `SupplierTable`.

Contract of `SupplierTable.frame`:

* a leading ``row_id`` (Int64): the 1-based position of the row among the rows BELOW the header,
  counting empty rows too; so the row sits on sheet row ``header_row + row_id`` (for CSV: record
  ``header_row + row_id``, a quoted multi-line cell being one record). Fully empty rows are
  dropped, so row_id can have gaps but never shifts when blank rows are added or removed below;
* then every original column, as String, with the header text exactly as in the file; blank
  headers become "Column N" (N = position in the grid read) and repeated ones "Name (2)";
  columns with neither header nor any value are dropped;
* values are as in the file, except: empty cells are null; spreadsheet numbers are in Excel's
  shortest form ("5201", never "5201.0"); dates are ISO text; cells longer than
  ``max_cell_chars`` are cut (the row is kept and a note says so).

Every failure is an `InputError` whose message names the file (and sheet) and says what to do.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from riskscreen import colnames
from riskscreen.checksum import file_sha256
from riskscreen.colnames import col
from riskscreen.errors import InputError
from riskscreen.io.columns import find_header_row
from riskscreen.io.read_csv import read_text_grid
from riskscreen.io.read_excel import read_excel_grid
from riskscreen.io.read_guard import (
    check_zip,
    head_bytes,
    ole_document,
    ole_is_encrypted,
    sniff,
    zip_package,
)
from riskscreen.io.read_limits import int_limit
from riskscreen.io.read_utf8 import is_utf8

EXCEL_SUFFIXES: tuple[str, ...] = (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods")
TEXT_SUFFIXES: tuple[str, ...] = (".csv", ".tsv", ".txt", ".tab")
PARQUET_SUFFIXES: tuple[str, ...] = (".parquet", ".pq")
SUPPORTED: tuple[str, ...] = EXCEL_SUFFIXES + TEXT_SUFFIXES + PARQUET_SUFFIXES
ROW_ID = "row_id"


@dataclass(frozen=True)
class SupplierTable:
    """A supplier list as read: the frame plus where it came from and how it was read."""

    frame: pl.DataFrame
    path: Path | None = None
    sheet: str | None = None
    header_row: int = 1
    sheets: tuple[str, ...] = ()
    encoding: str | None = None
    delimiter: str | None = None
    sha256: str | None = None
    n_rows: int = 0
    notes: tuple[str, ...] = ()

    @property
    def note(self) -> str | None:
        """All notes in one line (e.g. which sheet was used), or None."""
        return "; ".join(self.notes) if self.notes else None

    @property
    def headers(self) -> tuple[str, ...]:
        """The original column headers (without row_id), in file order."""
        return tuple(c for c in self.frame.columns if c != ROW_ID)


def _unique_headers(raw: list[str | None]) -> list[str]:
    """Headers exactly as written; blanks -> 'Column N', repeats -> 'Name (2)'; never 'row_id'
    (an input 'row_id', e.g. in a re-screened report, becomes 'row_id (input)')."""
    taken: set[str] = {ROW_ID}
    wanted = [h if h is not None and h.strip() else f"Column {i + 1}" for i, h in enumerate(raw)]
    present = set(wanted)

    def as_input() -> str:  # the same naming as riskscreen.io.result_names
        name, k = f"{ROW_ID} (input)", 2
        while name in present:
            name, k = f"{ROW_ID} (input {k})", k + 1
        present.add(name)
        return name

    wanted = [as_input() if h == ROW_ID else h for h in wanted]
    out: list[str] = []
    for h in wanted:
        name, k = h, 2
        while name in taken:
            name, k = f"{h} ({k})", k + 1
        taken.add(name)
        out.append(name)
    return out


def _null_if_empty(expr: pl.Expr) -> pl.Expr:
    """Empty strings become null, so 'empty' means one thing whatever the source."""
    return pl.when(expr.str.len_bytes() > 0).then(expr).name.keep()


def _non_empty_rows(frame: pl.DataFrame) -> pl.Series:
    """Which rows hold a cell with a character that is not white space (the same test as
    stripping, without a copy). Column by column, the fullest first, each looked at only in the
    rows still undecided: most rows are settled by their first column, so a wide table costs
    about one column's test rather than one per cell."""
    # renamed, as Series methods select by name and a header may look like a regex ("^A$")
    cells = sorted((frame[c].alias("cell") for c in frame.columns if c != ROW_ID),
                   key=lambda column: column.null_count())
    if not cells:
        return pl.repeat(False, frame.height, dtype=pl.Boolean, eager=True)

    def filled(column: pl.Series) -> pl.Series:
        return column.str.contains(r"\S").fill_null(False)

    mask = filled(cells[0])
    for column in cells[1:]:
        undecided = (~mask).arg_true()
        if undecided.len() == 0:
            break
        found = filled(column.gather(undecided))
        if found.any():
            mask = mask.scatter(undecided.filter(found), True)
    return mask.alias("_non_empty")


def _cap_cells(
    frame: pl.DataFrame, where: str, longest: int | None = None
) -> tuple[pl.DataFrame, list[str]]:
    """Cut cells longer than max_cell_chars; the row stays and a note says how many were cut.
    `longest`, when known, is the most bytes any cell of the frame (or of a table it was cut
    from) holds."""
    cap = int_limit("max_cell_chars")
    cols = [c for c in frame.columns if c != ROW_ID]
    if not cols or frame.height == 0:
        return frame, []
    # bytes are never fewer than characters, and a string's byte length costs nothing to read
    if longest is None:
        longest = frame.select(pl.max_horizontal(col(cols).str.len_bytes().max())).item()
    if longest is None or longest <= cap:
        return frame, []
    too_long = frame.select(
        pl.sum_horizontal((col(cols).str.len_chars() > cap).fill_null(False)).alias("n"),
        pl.col(ROW_ID),
    ).filter(pl.col("n") > 0)
    if too_long.height == 0:
        return frame, []
    n = int(too_long["n"].sum())
    first = int(too_long[ROW_ID][0])
    capped = frame.with_columns(col(cols).str.slice(0, cap))
    return capped, [
        f"{where}: {n} cell(s) longer than {cap:,} characters were cut (first at row_id {first})"
    ]


def _drop_repeated_headers(
    data: pl.DataFrame, raw: list[str | None], headers: list[str]
) -> tuple[pl.DataFrame, int]:
    """Drop rows that repeat the header text exactly (paged report exports); count them."""
    named = [(col, text) for col, text in zip(headers, raw, strict=True) if text is not None]
    if len(named) < 2 or data.height == 0:
        return data, 0
    if not data.select((col(named[0][0]) == named[0][1]).any()).item():
        return data, 0  # one column settles it (rows repeating the header are rare)
    same = pl.all_horizontal([(col(name) == text).fill_null(False) for name, text in named])
    n = int(data.select(same.sum()).item())
    return (data.filter(~same), n) if n else (data, 0)


def check_size(rows: int, columns: int, where: str) -> None:
    """Refuse a table over `max_rows` rows or `max_cells` cells: what is under both screens
    within 4 GB of memory (bench/hostile_memory.py)."""
    if rows > int_limit("max_rows"):
        raise InputError(
            f"{where}: {rows:,} rows is more than the {int_limit('max_rows'):,} one run "
            "screens; split the list into files of at most that many rows, or screen a CSV or "
            "Parquet file with --engine dask, which reads it in pieces"
        )
    if rows * columns > int_limit("max_cells"):
        raise InputError(
            f"{where}: {rows:,} rows x {columns:,} columns is over the "
            f"{int_limit('max_cells'):,}-cell limit; delete the columns you do not need, "
            "split the list, or screen a CSV or Parquet file with --engine dask"
        )


def grid_to_frame(
    grid: pl.DataFrame, where: str, *, in_workbook: bool = False
) -> tuple[pl.DataFrame, int, list[str]]:
    """Raw grid (row i = sheet row i+1) -> (frame with row_id, 1-based header row, notes)."""
    if grid.height == 0 or grid.width == 0:
        raise InputError(f"{where}: it is empty; there is nothing to screen")
    keep = [c for c in grid.columns if grid[c].null_count() < grid.height]
    grid = grid.select(keep)
    if grid.width == 0:
        raise InputError(f"{where}: it is empty; there is nothing to screen")
    if grid.width > int_limit("max_columns"):
        raise InputError(
            f"{where}: {grid.width:,} columns is more than {int_limit('max_columns'):,}; "
            "is the delimiter right? Save it again as CSV or xlsx"
        )
    check_size(grid.height, grid.width, where)
    grid = grid.with_columns(pl.all().cast(pl.String))
    # per column, the fewest and most bytes in a cell: empty strings (a CSV's are null already)
    # become null; no cell over max_cell_chars bytes means none to cut below
    sizes = grid.select(pl.all().str.len_bytes().min().name.prefix("min "),
                        pl.all().str.len_bytes().max().name.prefix("max ")).row(0)  # fmt: skip
    blank = [c for c, least in zip(grid.columns, sizes[: grid.width], strict=True) if least == 0]
    longest = max((n for n in sizes[grid.width :] if n is not None), default=0)
    grid = grid.with_columns(_null_if_empty(col(c)) for c in blank)
    # which rows hold anything: computed once, for the header scan and to drop blank rows
    non_empty = _non_empty_rows(grid)
    positions = non_empty.arg_true().head(int_limit("header_scan_rows")).to_list()
    if not positions:
        raise InputError(f"{where}: it is empty (only blank cells); there is nothing to screen")
    scan = [grid.row(p) for p in positions]
    pick = find_header_row(scan)
    h = positions[pick if pick is not None else 0]
    headers = _unique_headers(list(grid.row(h)))
    data = grid.slice(h + 1).rename(dict(zip(grid.columns, headers, strict=True)))
    # row_id goes in first as it is: a select would copy every column into one piece
    data.insert_column(0, pl.int_range(1, data.height + 1, dtype=pl.Int64, eager=True)
                       .alias(ROW_ID))  # fmt: skip
    below = non_empty.slice(h + 1)
    if not below.all():  # a copy of every row only when some are blank
        data = data.filter(below)
    data, repeats = _drop_repeated_headers(data, list(grid.row(h)), headers)
    if data.height == 0:
        other = " (or choose another sheet)" if in_workbook else ""
        raise InputError(
            f"{where}: no data rows under the header on row {h + 1}; add the suppliers below "
            f"the header{other}"
        )
    notes: list[str] = []
    if h > 0:
        notes.append(f"{where}: header found on row {h + 1}")
    if repeats:
        notes.append(f"{where}: {repeats} repeated header row(s) below the header were skipped")
    data, cut = _cap_cells(data, where, longest)
    return data, h + 1, notes + cut


def _text_expr(name: str, dtype: pl.DataType, source: str) -> pl.Expr:
    """One column to text: integral floats without '.0', dates ISO, nested data refused."""
    col = colnames.col(name)
    if dtype.is_float():
        whole = col.is_finite() & (col == col.round(0)) & (col.abs() < 1e15)
        return (
            pl.when(whole)
            .then(col.cast(pl.Int64, strict=False).cast(pl.String))
            .otherwise(col.cast(pl.String))
            .alias(name)
        )
    if dtype.is_nested() or dtype == pl.Object:
        raise InputError(
            f"{source}: column '{name}' holds nested data ({dtype}); flatten it to plain values"
        )
    if isinstance(dtype, pl.Duration):
        return col.dt.to_string("polars").alias(name)  # "3d 5h", as people write durations
    return col.cast(pl.String).alias(name)


def _decode_bytes(value: bytes | None) -> str | None:
    """Bytes as text: UTF-8, else cp1252, else latin-1 (which never fails)."""
    if value is None:
        return None
    for encoding in ("utf-8", "cp1252"):
        try:
            return value.decode(encoding)
        except UnicodeDecodeError:
            continue
    return value.decode("latin-1")


def _binary_to_text(frame: pl.DataFrame, source: str) -> tuple[pl.DataFrame, list[str]]:
    """Binary columns decoded as text, each distinct value once; a note names columns whose
    bytes were not UTF-8 (read as cp1252/latin-1, the encodings Western exports use)."""
    notes: list[str] = []
    for name, dtype in frame.schema.items():
        if dtype != pl.Binary:
            continue
        distinct = frame[name].unique().drop_nulls().to_list()
        texts = [_decode_bytes(v) for v in distinct]
        strict = {v for v in distinct if not is_utf8(v)}
        table = pl.DataFrame({"b": distinct, "t": texts},
                             schema={"b": pl.Binary, "t": pl.String})
        decoded = frame.select(name).join(table, left_on=name, right_on="b", how="left",
                                          maintain_order="left")["t"]
        if strict:
            bad = frame[name].is_in(pl.Series(list(strict), dtype=pl.Binary).implode())
            first = int(bad.arg_true()[0]) + 1
            notes.append(
                f"{source}: column '{name}': {int(bad.sum())} value(s) were not UTF-8 and were "
                f"read as cp1252/latin-1 (first in data row {first}); check them"
            )
        frame = frame.with_columns(decoded.alias(name))
    return frame, notes


def _to_text(frame: pl.DataFrame, source: str) -> tuple[pl.DataFrame, list[str]]:
    frame, notes = _binary_to_text(frame, source)
    exprs = [_text_expr(n, t, source) for n, t in frame.schema.items()]
    try:
        text = frame.select(exprs)
    except pl.exceptions.PolarsError:
        for name, expr in zip(frame.columns, exprs, strict=True):
            try:
                frame.head(1000).select(expr)
            except pl.exceptions.PolarsError:
                raise InputError(
                    f"{source}: column '{name}' ({frame.schema[name]}) cannot be read as text; "
                    "convert it to text or numbers and save the file again"
                ) from None
        raise
    return text.with_columns(_null_if_empty(pl.all())), notes


def _usable_row_id(frame: pl.DataFrame) -> str | None:
    """Why the frame's own `row_id` cannot be kept (None if it can): not integers, empty values,
    repeats or values below 1 would make the output's row_id ambiguous."""
    if not frame.schema[ROW_ID].is_integer():
        return "it is not whole numbers"
    column = frame[ROW_ID]
    if column.null_count():
        return f"{column.null_count()} row(s) have no value"
    if column.is_duplicated().any():
        return f"value {column.filter(column.is_duplicated())[0]} is repeated"
    if column.min() is not None and column.min() < 1:
        return "it has values below 1"
    return None


def read_frame(frame: pl.DataFrame, *, source: str = "the table") -> SupplierTable:
    """Wrap an in-memory frame (API users): every column to text, add row_id, drop empty rows.

    A frame that already has an integer ``row_id`` (e.g. a `SupplierTable.frame`) keeps it.
    """
    if frame.height == 0 or frame.width == 0:
        raise InputError(f"{source}: it has no rows; there is nothing to screen")
    notes: list[str] = []
    problem = _usable_row_id(frame) if ROW_ID in frame.columns else "absent"
    if problem is None:
        row_id = frame[ROW_ID].cast(pl.Int64)
        frame = frame.drop(ROW_ID)
    else:
        row_id = pl.int_range(1, frame.height + 1, dtype=pl.Int64, eager=True)
        if ROW_ID in frame.columns:
            kept = _unique_headers([ROW_ID])[0]
            frame = frame.rename({ROW_ID: kept})
            notes.append(
                f"{source}: its own 'row_id' column was not used as the row key ({problem}); "
                f"it is kept as '{kept}' and rows are numbered 1 to {frame.height:,}"
            )
    headers = [str(c) for c in frame.columns]
    text, decoded = _to_text(frame, source)
    notes += decoded
    text = text.with_columns(row_id.alias(ROW_ID)).select(col([ROW_ID, *headers]))
    text = text.filter(_non_empty_rows(text))
    if text.height == 0:
        raise InputError(f"{source}: every row is empty; there is nothing to screen")
    text, cut = _cap_cells(text, source)
    return SupplierTable(frame=text, n_rows=text.height, notes=tuple(notes + cut))


def parquet_text_sizes(path: Path) -> Iterator[tuple[int, int]]:
    """(row group, bytes) for each batch of a Parquet file's text columns as they would be once
    spelled out: dictionary columns are summed from their dictionary and indices, so nothing is
    expanded to find out (a value repeated millions of times is a few bytes on disk)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    def is_text(kind: pa.DataType) -> bool:
        if pa.types.is_dictionary(kind):
            return is_text(kind.value_type)
        return (pa.types.is_string(kind) or pa.types.is_large_string(kind)
                or pa.types.is_binary(kind) or pa.types.is_large_binary(kind))  # fmt: skip

    texts = [f.name for f in pq.ParquetFile(path).schema_arrow if is_text(f.type)]
    if not texts:
        return
    encoded = pq.ParquetFile(path, read_dictionary=texts)
    for group in range(encoded.metadata.num_row_groups):
        for batch in encoded.iter_batches(batch_size=1 << 16, columns=texts,
                                          row_groups=[group]):
            total = 0
            for column in batch.columns:
                if pa.types.is_dictionary(column.type):
                    sizes = pc.take(pc.binary_length(column.dictionary), column.indices)
                else:
                    sizes = pc.binary_length(column)
                total += int(pc.sum(sizes).as_py() or 0)
            yield group, total


def parquet_guard(path: Path, label: str) -> None:
    """Refuse a Parquet file whose rows x columns (from its metadata) are over `max_cells`, or
    whose text expands past `max_expanded_text_bytes` (`parquet_text_sizes`)."""
    import pyarrow.parquet as pq

    meta = pq.ParquetFile(path).metadata
    check_size(meta.num_rows, meta.num_columns, label)
    cap = int_limit("max_expanded_text_bytes")
    total = 0
    for _, size in parquet_text_sizes(path):
        total += size
        if total > cap:
            raise InputError(
                f"{label}: its text expands to more than {cap / 2**20:,.0f} MiB "
                f"({meta.num_rows:,} rows x {meta.num_columns:,} columns; the file stores "
                "repeated values once); split the list or remove the long repeated text"
            )


def _read_parquet(path: Path, label: str) -> pl.DataFrame:
    try:
        parquet_guard(path, label)
        frame = pl.read_parquet(path)
    except InputError:
        raise
    except Exception as exc:  # noqa: BLE001 - pyarrow/polars errors become user messages
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise InputError(f"{label}: the Parquet file could not be read ({first})") from None
    return frame


def _not_what_it_says(label: str, kind: str, suffix: str) -> InputError:
    what = {
        "html": "a web page (HTML) saved with an Excel/CSV name",
        "xml": "an XML file (perhaps an 'XML Spreadsheet 2003')",
        "parquet": "a Parquet file",
        "text": "plain text",
        "zip": "a zip archive that is not a workbook",
        "ole": "an old-style Office file",
        "docx": "a Word document (.docx), not a spreadsheet",
        "doc": "a Word 97-2003 document (.doc), not a spreadsheet",
        "pptx": "a PowerPoint presentation (.pptx), not a spreadsheet",
        "ppt": "a PowerPoint 97-2003 presentation (.ppt), not a spreadsheet",
        "odt": "an OpenDocument text document (.odt), not a spreadsheet",
        "odp": "an OpenDocument presentation (.odp), not a spreadsheet",
        "epub": "an e-book (.epub), not a spreadsheet",
        "pdf": "a PDF document, not a spreadsheet",
        "png": "a PNG image, not a spreadsheet",
        "jpeg": "a JPEG image, not a spreadsheet",
        "gif": "a GIF image, not a spreadsheet",
        "rtf": "a Rich Text (RTF) document, not a spreadsheet",
        "gzip": "a gzip-compressed file: unpack it first",
        "7z": "a 7-Zip archive: unpack it first",
        "rar": "a RAR archive: unpack it first",
        "binary": "binary data, not a spreadsheet or text",
    }.get(kind, kind)
    return InputError(
        f"{label}: the {suffix} file is really {what}; open the supplier list in Excel and save "
        "it as .xlsx or .csv, then try again"
    )


@dataclass(frozen=True)
class _Grid:
    """A raw grid and what reading it found out (sheet, encoding...)."""

    grid: pl.DataFrame
    sheet: str | None = None
    sheets: tuple[str, ...] = ()
    encoding: str | None = None
    delimiter: str | None = None
    notes: tuple[str, ...] = ()
    sha256: str | None = None  # of the bytes read, when the reader had them all in memory


def _excel(path: Path, label: str, kind: str, sheet: str | int | None) -> _Grid:
    if kind == "zip":
        check_zip(path, label)
    grid, name, names, notes = read_excel_grid(path, label, sheet)
    return _Grid(grid, name, tuple(names), notes=tuple(notes))


def _read_grid(path: Path, label: str, kind: str, sheet: str | int | None) -> _Grid:
    """Dispatch on what the file really is (`kind`) and what its name says (suffix)."""
    suffix = path.suffix.lower()
    if kind == "zip" and (package := zip_package(path)) != "workbook":
        raise _not_what_it_says(label, package, suffix)
    if kind == "ole" and (document := ole_document(path)) != "workbook":
        raise _not_what_it_says(label, document, suffix)
    if kind in ("zip", "ole") and suffix in EXCEL_SUFFIXES:
        return _excel(path, label, kind, sheet)
    if kind in ("zip", "ole") and suffix in TEXT_SUFFIXES:
        got = _excel(path, label, kind, sheet)
        note = f"{label}: the {suffix} file is really an Excel workbook; read it as one"
        return _Grid(got.grid, got.sheet, got.sheets, notes=(note, *got.notes))
    if kind == "text" and suffix in (*TEXT_SUFFIXES, ".xls"):
        if sheet is not None:
            raise InputError(f"{label}: a text file has no sheets; drop --sheet")
        found: list[str] = []
        text = read_text_grid(path, label, notes=found)
        if suffix == ".xls":
            found.insert(0, f"{label}: the .xls file is really delimited text; read it as text")
        return _Grid(text.grid, encoding=text.encoding, delimiter=text.delimiter,
                     notes=tuple(found), sha256=text.sha256)
    raise _not_what_it_says(label, kind, suffix)


def _check_file(path: Path, label: str, size_limit: str = "max_file_bytes") -> str:
    """Existence, type, size (at most the `size_limit` of input_limits.csv) and password
    checks; returns what the bytes look like."""
    if not path.exists():
        raise InputError(f"{label}: file not found ({path}); check the path and name")
    if path.is_dir():
        raise InputError(f"{label}: is a folder, not a file; give the supplier file itself")
    if not path.is_file():
        raise InputError(f"{label}: is not a regular file; give the supplier file itself")
    if path.suffix.lower() not in SUPPORTED:
        raise InputError(
            f"{label}: unsupported file type '{path.suffix or '(none)'}'; supported: "
            f"{', '.join(SUPPORTED)}"
        )
    try:
        size = path.stat().st_size
        head = head_bytes(path)
    except OSError as exc:
        raise InputError(
            f"{label}: cannot be opened ({exc.strerror or exc}); check permissions"
        ) from None
    if size == 0:
        raise InputError(f"{label}: the file is empty (0 bytes); export the supplier list again")
    if size > int_limit(size_limit):
        raise InputError(
            f"{label}: {size / 2**30:.1f} GiB is over the "
            f"{int_limit(size_limit) / 2**30:.1f} GiB limit; split the list"
        )
    kind = sniff(head)
    if kind == "ole" and ole_is_encrypted(path):
        raise InputError(
            f"{label}: file is password-protected: save an unprotected copy and try again"
        )
    return kind


def read_suppliers(path: str | Path, *, sheet: str | int | None = None) -> SupplierTable:
    """Read a supplier file into a `SupplierTable` (all text, `row_id` first; see module doc).

    `sheet` picks a workbook sheet by name or 1-based number; by default the first non-empty
    visible sheet is used and `notes` says which one when there are several.
    """
    path = Path(path)
    label = path.name or str(path)
    kind = _check_file(path, label)
    if path.suffix.lower() in PARQUET_SUFFIXES or kind == "parquet":
        if kind != "parquet":
            raise _not_what_it_says(label, kind, path.suffix.lower())
        table = read_frame(_read_parquet(path, label), source=label)
        got, frame, header_row, notes = _Grid(pl.DataFrame()), table.frame, 1, list(table.notes)
    else:
        got = _read_grid(path, label, kind, sheet)
        where = f"{label}, sheet '{got.sheet}'" if got.sheet is not None else label
        frame, header_row, more = grid_to_frame(got.grid, where, in_workbook=bool(got.sheets))
        notes = [*got.notes, *more]
    return SupplierTable(
        frame=frame,
        path=path,
        sheet=got.sheet,
        header_row=header_row,
        sheets=got.sheets,
        encoding=got.encoding,
        delimiter=got.delimiter,
        sha256=got.sha256 or file_sha256(path),
        n_rows=frame.height,
        notes=tuple(notes),
    )
