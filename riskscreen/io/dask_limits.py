"""The input limits of `reference/input_limits.csv`, checked before `--engine dask` reads a file.

A Dask run never holds the whole file in one process, so the whole file may be as large as
`dask_max_file_bytes`; what one worker holds at once — a partition — is held to the limits of a
single-process run instead. A CSV partition is at most min(`max_text_bytes`, `max_cells`) bytes:
every cell takes at least one byte (its delimiter or line end), so that also bounds its cells. A
Parquet partition is one row group (or a run of them, with fewer `--partitions`): at most
`max_cells` cells and `max_expanded_text_bytes` of text once dictionary values are spelled out.
A header has at most `max_columns` columns. The file's real type (a .csv that is a workbook, a
password-protected file, an empty one) is checked as for any run. Workbooks are read whole by
`read_suppliers`, with all of its checks.
"""

from __future__ import annotations

import math
from pathlib import Path

from riskscreen.errors import InputError
from riskscreen.io.read import _check_file, _not_what_it_says, parquet_text_sizes
from riskscreen.io.read_limits import int_limit

__all__ = ["check_dask_file", "check_partition", "check_parquet_parts", "csv_block_bytes",
           "check_header_columns"]

#: The default size of a CSV partition (Dask's own default), unless the limits want it smaller.
DEFAULT_BLOCK = 64 << 20


def _size(n: int) -> str:
    """Bytes for people: '64.0 MiB', or '5,120 bytes' when under a MiB."""
    return f"{n / 2**20:,.1f} MiB" if n >= 1 << 20 else f"{n:,} bytes"


def check_dask_file(path: Path, label: str, *, kind_wanted: str) -> None:
    """Existence, size (`dask_max_file_bytes`), real type and password, before Dask opens it."""
    kind = _check_file(path, label, size_limit="dask_max_file_bytes")
    if kind != kind_wanted:
        raise _not_what_it_says(label, kind, path.suffix.lower())


def csv_block_bytes(size: int, label: str, partitions: int | None) -> int:
    """Bytes per CSV partition: `size / partitions`, or Dask's 64 MiB, never over what one
    worker may read at once (otherwise the message says how many partitions are needed)."""
    cap = min(int_limit("max_text_bytes"), int_limit("max_cells"))
    if not partitions:
        return min(DEFAULT_BLOCK, cap)
    block = max(1 << 20, size // partitions + 1)
    if block > cap:
        raise InputError(
            f"{label}: {_size(size)} in {partitions} partition(s) is {_size(block)} each, over "
            f"the {_size(cap)} one worker reads at once; use --partitions "
            f"{math.ceil(size / cap)} or more (or leave it out)")
    return block


def check_header_columns(columns: int, label: str) -> None:
    """Refuse a header with more than `max_columns` columns (as a single-process run does)."""
    if columns > int_limit("max_columns"):
        raise InputError(
            f"{label}: {columns:,} columns is more than {int_limit('max_columns'):,}; is the "
            "delimiter right? Save it again as CSV or xlsx")


def check_parquet_parts(path: Path, label: str, partitions: int | None) -> None:
    """Refuse a Parquet file whose columns are over `max_columns`, or one of whose partitions
    (a row group, or `ceil(row groups / partitions)` of them in a row) is over `max_cells` or
    expands past `max_expanded_text_bytes`. Reads the text columns' lengths once, expanding
    nothing."""
    import pyarrow.parquet as pq

    meta = pq.ParquetFile(path).metadata
    columns, groups = meta.num_columns, meta.num_row_groups
    if columns > int_limit("max_columns"):
        raise InputError(
            f"{label}: {columns:,} columns is more than {int_limit('max_columns'):,}; keep only "
            "the columns you need")
    if groups == 0:
        return
    rows = [meta.row_group(g).num_rows for g in range(groups)]
    text = [0] * groups
    for group, size in parquet_text_sizes(path):
        text[group] += size
    span = math.ceil(groups / partitions) if partitions and partitions < groups else 1
    max_cells, max_text = int_limit("max_cells"), int_limit("max_expanded_text_bytes")
    for first in range(0, groups, span):
        cells = sum(rows[first:first + span]) * columns
        spelled = sum(text[first:first + span])
        if cells <= max_cells and spelled <= max_text:
            continue
        what = (f"row group {first + 1} of {groups}" if span == 1
                else f"row groups {first + 1}–{min(first + span, groups)} of {groups}")
        fix = (f"use --partitions {groups} or more, or write the file with smaller row groups"
               if span > 1 else "write the file with smaller row groups (e.g. polars "
               "write_parquet(..., row_group_size=100_000))")
        size = (f"{cells // columns:,} rows x {columns:,} columns" if cells > max_cells
                else f"text of {_size(spelled)} once repeated values are spelled out")
        limit = (f"the {max_cells:,}-cell limit" if cells > max_cells
                 else f"the {_size(max_text)} limit")
        raise InputError(f"{label}: {what} ({size}) is one partition for one worker, over "
                         f"{limit}; {fix}")


def check_partition(rows: int, columns: int, where: str) -> None:
    """Refuse a partition over `max_rows` rows or `max_cells` cells, before it is screened."""
    max_rows, max_cells = int_limit("max_rows"), int_limit("max_cells")
    if rows > max_rows or rows * columns > max_cells:
        limit = (f"the {max_rows:,}-row limit" if rows > max_rows
                 else f"the {max_cells:,}-cell limit")
        raise InputError(
            f"{where}: {rows:,} rows x {columns:,} columns is over {limit} for what one worker "
            "screens at once; cut the input into more partitions (--partitions, or "
            "repartition the Dask DataFrame)")
