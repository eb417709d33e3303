"""Write the full screened frame — every row, every column — as CSV or Parquet, atomically,
whole (`write_table`) or chunk by chunk as it is screened (`TableWriter`).

CSV is UTF-8 *with* a byte-order mark: procurement staff double-click CSV files into Excel,
which reads BOM-less UTF-8 as the local code page and mangles accents and CJK names; Python
(`utf-8-sig`), polars, pandas and R all skip the BOM. Lists are joined with "; " and structs
written as JSON, so the file is flat text.

CSV files get double-clicked into Excel, so by default a text cell or header that Excel would
run as a formula (starts with = + - @ tab or CR, as OWASP's CSV-injection advice lists) gets a
leading apostrophe: `=cmd|' /C calc'!A0` is written `'=cmd|' /C calc'!A0`. Plain numbers
(`-12.5`, `+44`) are left alone. `escape_formulas=False` (the CLI's `--csv-raw`) writes values
exactly as screened, for pipelines. Parquet always keeps the raw values and native types.
"""

from __future__ import annotations

import contextlib
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

import polars as pl

from riskscreen.colnames import col, protect, restore
from riskscreen.contracts import added_columns
from riskscreen.errors import InputError
from riskscreen.io.atomic import atomic_output, refuse_input_overwrite

__all__ = ["TableWriter", "as_text_expr", "escape_csv_formulas", "flatten_for_csv", "write_table"]

LIST_SEPARATOR = "; "
_FORMULA_START = r"^[=+\-@\t\r]"
_PLAIN_NUMBER = r"^[+-]?(?:\d[\d,]*(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$"


def as_text_expr(expr: pl.Expr, dtype: pl.DataType, depth: int = 0) -> pl.Expr:
    """`expr` of `dtype` as readable text: lists joined ("; ", nested ", "), structs as JSON,
    binary as hex, everything else cast (dates ISO)."""
    if isinstance(dtype, (pl.List, pl.Array)):
        if isinstance(dtype, pl.Array):
            expr = expr.arr.to_list()
        inner = as_text_expr(pl.element(), dtype.inner, depth + 1)
        return expr.list.eval(inner).list.join(LIST_SEPARATOR if depth == 0 else ", ")
    if isinstance(dtype, pl.Struct):
        return expr.struct.json_encode()
    if dtype == pl.Binary:
        return expr.bin.encode("hex")
    if dtype == pl.Object:
        raise InputError("a column holds Python objects and cannot be written as text")
    return expr.cast(pl.String)


def flatten_for_csv(frame: pl.DataFrame) -> pl.DataFrame:
    """Make nested and binary columns text so every column fits a CSV cell."""
    nested = (pl.List, pl.Array, pl.Struct)
    return frame.with_columns(
        as_text_expr(col(name), dtype).alias(name)
        for name, dtype in frame.schema.items()
        if isinstance(dtype, nested) or dtype in (pl.Binary, pl.Object)
    )


def _escape(text: str) -> str:
    if text[:1] and text[0] in "=+-@\t\r" and not re.fullmatch(_PLAIN_NUMBER, text):
        return "'" + text
    return text


def escape_csv_formulas(frame: pl.DataFrame) -> pl.DataFrame:
    """Prefix an apostrophe to text cells and headers that Excel would run as a formula.

    Only String columns are touched (numbers stay numbers); a value that is a plain number
    such as "-12.5" is kept as it is.
    """
    risky = pl.col(pl.String).str.contains(_FORMULA_START) & ~pl.col(pl.String).str.contains(
        _PLAIN_NUMBER
    )
    escaped = frame.with_columns(
        pl.when(risky)
        .then(pl.lit("'") + pl.col(pl.String))
        .otherwise(pl.col(pl.String))
        .name.keep()
    )
    return escaped.rename({c: _escape(c) for c in frame.columns if _escape(c) != c})


def _with_statistics(frame: pl.DataFrame) -> list[str]:
    """The columns whose min/max go into Parquet's statistics: the input's own and every number,
    flag or date. Not the text screening adds (reasons, tiers, links, editions): every chunk
    holds nearly all of its values, so a reader could skip nothing with them, and they were a
    sixth of the writing time of a large run."""
    added = set(added_columns())
    return [c for c, dtype in frame.schema.items() if c not in added or dtype != pl.String]


class TableWriter:
    """Writes a screened frame chunk by chunk to .csv and .parquet files, each file appearing
    whole and at once (`atomic_output`) when it is closed — so a large input's output never
    has to be held in memory, and an error or signal part-way leaves no file.

    Parquet: one row group (or more) per chunk, the first chunk's column types for the whole
    file (later chunks are cast to them). CSV: one header, the byte-order mark once. Use as a
    context manager: leaving the block normally closes the files (`close(metadata)` first to
    add Parquet metadata); leaving it by an exception removes the temp files.
    """

    def __init__(self, paths: Sequence[str | Path], *, input_path: str | Path | None = None,
                 escape_formulas: bool = True) -> None:
        self.paths = [Path(p) for p in paths]
        for path in self.paths:
            refuse_input_overwrite(path, input_path)
            if path.suffix.lower() not in (".csv", ".parquet"):
                raise InputError(f"cannot write {path.name}: choose a .csv or .parquet file name")
        self._escape = escape_formulas
        self._stack = contextlib.ExitStack()
        self._tmp: list[Path] = []
        self._files: dict[Path, IO[bytes]] = {}
        self._parquet: dict[Path, Any] = {}
        self._schema: pl.Schema | None = None
        self.rows = 0
        self._closed = False

    def __enter__(self) -> TableWriter:
        try:
            self._tmp = [self._stack.enter_context(atomic_output(p)) for p in self.paths]
        except BaseException:
            self._stack.__exit__(*sys.exc_info())  # temp files made so far are removed
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        if exc[0] is None:
            self.close()  # leaving the block normally finishes the files
            return
        for writer in self._parquet.values():
            with contextlib.suppress(Exception):
                writer.close()
        for handle in self._files.values():
            handle.close()
        self._stack.__exit__(*exc)  # each temp file is removed; the exception goes on

    def write(self, chunk: pl.DataFrame) -> None:
        """Append `chunk` (the same columns each time) to every file."""
        if self._schema is None:
            self._schema = chunk.schema
        elif chunk.schema != self._schema:
            chunk = chunk.cast(dict(self._schema))  # e.g. a column all null in this chunk
        for path, tmp in zip(self.paths, self._tmp, strict=True):
            if path.suffix.lower() == ".csv":
                self._write_csv(tmp, chunk)
            else:
                self._write_parquet(tmp, chunk)
        self.rows += chunk.height

    def _write_csv(self, tmp: Path, chunk: pl.DataFrame) -> None:
        first = tmp not in self._files
        if first:
            self._files[tmp] = open(tmp, "wb")  # noqa: SIM115 - closed in __exit__/close
        safe, back = protect(chunk)
        flat = flatten_for_csv(safe)
        if self._escape:
            flat = escape_csv_formulas(flat)
            back = {k: _escape(v) for k, v in back.items()}
        restore(flat, back).write_csv(self._files[tmp], include_bom=first, include_header=first)

    def _write_parquet(self, tmp: Path, chunk: pl.DataFrame) -> None:
        # lazy: pyarrow (a dependency) is imported only when Parquet is written
        import pyarrow.parquet as pq

        # Text is handed over as Arrow string views (no copy: the copy to large_string took a
        # third of the writing time at 1M rows) and the Arrow schema is not stored, so every
        # reader sees plain Parquet strings (pyarrow: `string`, polars: String).
        table = chunk.to_arrow(compat_level=pl.CompatLevel.newest())
        if tmp not in self._parquet:
            self._parquet[tmp] = pq.ParquetWriter(tmp, table.schema, compression="zstd",
                                                  store_schema=False,
                                                  write_statistics=_with_statistics(chunk))
        self._parquet[tmp].write_table(table)

    def close(self, metadata: dict[str, str] | None = None) -> list[Path]:
        """Finish every file (`metadata`: key → text for Parquet's key-value metadata) and move
        each into place; return the paths. Called again (or on leaving the block), it does
        nothing."""
        if self._closed:
            return self.paths
        self._closed = True
        if self._schema is None:
            raise InputError("no rows were screened, so no table was written")
        for writer in self._parquet.values():
            if metadata:
                writer.add_key_value_metadata(metadata)
            writer.close()
        self._parquet.clear()
        for handle in self._files.values():
            handle.close()
        self._files.clear()
        self._stack.close()  # each temp file replaces its target
        return self.paths


def write_table(
    frame: pl.DataFrame,
    path: str | Path,
    *,
    input_path: str | Path | None = None,
    metadata: dict[str, str] | None = None,
    escape_formulas: bool = True,
) -> Path:
    """Write `frame` to `path` (.csv or .parquet by suffix) atomically; return the path.

    CSV text that Excel would run as a formula is apostrophe-prefixed unless `escape_formulas`
    is False (see the module doc); Parquet is always written raw. `metadata` (key → text) goes
    into a Parquet file's key-value metadata; CSV has no place for it (see
    `write_options_sidecar`). The same writer as a chunked run (`TableWriter`), in one chunk.
    """
    with TableWriter([path], input_path=input_path, escape_formulas=escape_formulas) as writer:
        writer.write(frame)
        writer.close(metadata)
    return Path(path)


def sidecar_path(path: str | Path) -> Path:
    """Where a CSV output's run options are kept: `all.csv` → `all.csv.json`."""
    path = Path(path)
    return path.with_name(path.name + ".json")


def write_options_sidecar(path: str | Path, options_json: str) -> Path:
    """Write the JSON sidecar of a CSV output (atomically) and return its path."""
    target = sidecar_path(path)
    with atomic_output(target) as tmp:
        tmp.write_text(options_json + "\n", encoding="utf-8")
    return target
