"""Write the full screened frame — every row, every column — as CSV or Parquet, atomically.

CSV is UTF-8 *with* a byte-order mark: procurement staff double-click CSV files into Excel,
which reads BOM-less UTF-8 as the local code page and mangles accents and CJK names; Python
(`utf-8-sig`), polars, pandas and R all skip the BOM. Lists are joined with "; " and structs
written as JSON, so the file is flat text. Values are written exactly as screened (no
formula-neutralising prefix): the CSV is the faithful record for re-runs and diffs; the Excel
workbook is the one made safe for people. Parquet keeps the native types.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from riskscreen.errors import InputError
from riskscreen.io.atomic import atomic_output, refuse_input_overwrite

__all__ = ["as_text_expr", "flatten_for_csv", "write_table"]

LIST_SEPARATOR = "; "


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
        as_text_expr(pl.col(name), dtype).alias(name)
        for name, dtype in frame.schema.items()
        if isinstance(dtype, nested) or dtype in (pl.Binary, pl.Object)
    )


def write_table(
    frame: pl.DataFrame, path: str | Path, *, input_path: str | Path | None = None,
    metadata: dict[str, str] | None = None,
) -> Path:
    """Write `frame` to `path` (.csv or .parquet by suffix) atomically; return the path.

    `metadata` (key → text) goes into a Parquet file's key-value metadata; CSV has no place for
    it (see `write_options_sidecar`)."""
    path = Path(path)
    refuse_input_overwrite(path, input_path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise InputError(f"cannot write {path.name}: choose a .csv or .parquet file name")
    with atomic_output(path) as tmp:
        if suffix == ".csv":
            flatten_for_csv(frame).write_csv(tmp, include_bom=True)
        else:
            frame.write_parquet(tmp, metadata=metadata)
    return path


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
