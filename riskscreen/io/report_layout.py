"""Which columns each report sheet shows, under which header, and in what cell form.

Driven by `reference/report_columns.csv` (headers, number formats, widths, review columns) and
`reference/tiers.csv` (tier order, colours, labels). Also turns every column of the screened
frame into one of three writable kinds — text, number, boolean — so that nothing in the frame
(lists, structs, dates, NaN) can make the writer crash or produce a file Excel must repair.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import polars as pl

from riskscreen.colnames import col as literal
from riskscreen.errors import InputError
from riskscreen.io.report_safe import clean_text_expr
from riskscreen.io.tables_out import as_text_expr
from riskscreen.tables import read_table

__all__ = [
    "REQUIRED",
    "ColumnSpec",
    "content_widths",
    "kind_of",
    "plan_columns",
    "protect_names",
    "to_writable",
]

REQUIRED = ("row_id", "risk_tier", "risk_score", "flagged")
WIDTH_CAP = 60.0
WIDTH_MIN = 6.0


@dataclass(frozen=True)
class ColumnSpec:
    """How one frame column appears in a data sheet."""

    name: str
    header: str
    kind: str  # "text" | "number" | "bool"
    number_format: str = ""
    width: float | None = None
    style: str = ""  # "" | "tier" | "link"
    wrap: bool = False  # wrapped, top-aligned; rows grow to show it
    review: bool = False
    original: bool = False
    on_flagged: bool = True


def kind_of(dtype: pl.DataType) -> str:
    """The cell kind a column is written as: "bool", "number" or "text"."""
    if dtype == pl.Boolean:
        return "bool"
    if dtype.is_numeric():
        return "number"
    return "text"


def to_writable(frame: pl.DataFrame) -> pl.DataFrame:
    """Cast every column to String (cleaned), Float64/Int64 (finite) or Boolean.

    Lists are joined with "; ", structs become JSON, dates/times ISO text, NaN/inf become
    empty, decimals and unsigned ints become numbers; text loses XML-illegal characters.
    """
    exprs: list[pl.Expr] = []
    for name, dtype in frame.schema.items():
        col = literal(name)
        if dtype == pl.Boolean:
            expr = col
        elif dtype.is_float() or dtype == pl.Decimal:
            expr = col.cast(pl.Float64)
            expr = pl.when(expr.is_finite()).then(expr).otherwise(None)
        elif dtype.is_integer():
            expr = col.cast(pl.Float64) if dtype == pl.UInt64 else col.cast(pl.Int64)
        elif isinstance(dtype, (pl.List, pl.Array, pl.Struct)) or dtype == pl.Binary:
            expr = clean_text_expr(as_text_expr(col, dtype))
        elif dtype == pl.Null:
            expr = col.cast(pl.String)
        else:
            expr = clean_text_expr(col.cast(pl.String, strict=False))
        exprs.append(expr.alias(name))
    return frame.select(exprs)


def _selector_like(name: str) -> bool:
    """Names `pl.col` would read as a wildcard or regex instead of a column name."""
    return name == "*" or (name.startswith("^") and name.endswith("$"))


def protect_names(frame: pl.DataFrame) -> tuple[pl.DataFrame, dict[str, str]]:
    """Rename columns such as "*" or "^x$" (headers in a supplier file may be anything) to
    internal names; return the frame and internal → original name."""
    renames = {n: f"__column_{i}" for i, n in enumerate(frame.columns) if _selector_like(n)}
    return frame.rename(renames), {v: k for k, v in renames.items()}


def plan_columns(
    frame: pl.DataFrame,
    original_columns: Sequence[str],
    headers: Mapping[str, str] | None = None,
) -> list[ColumnSpec]:
    """Original columns (in the given order, unchanged headers), then known added columns in
    `report_columns.csv` order, then any other columns under their own names.

    `headers` maps internal column names (from `protect_names`) back to the original ones.
    """
    headers = headers or {}
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise InputError(f"cannot write the report: screened data lacks column(s) {missing}")
    schema = frame.schema
    specs: list[ColumnSpec] = []
    seen: set[str] = set()
    for name in original_columns:
        if name in schema and name not in seen:
            specs.append(
                ColumnSpec(name, headers.get(name, name), kind_of(schema[name]), original=True)
            )
            seen.add(name)
    for row in read_table("report_columns").iter_rows(named=True):
        name = row["column"].strip()
        if name not in schema or name in seen:
            continue
        width = row["width"]
        specs.append(
            ColumnSpec(
                name,
                row["header"],
                kind_of(schema[name]),
                number_format=(row["number_format"] or "").strip(),
                width=float(width) if width else None,
                style=style if (style := (row["style"] or "").strip()) != "wrap" else "",
                wrap=style == "wrap",
                review=(row["review"] or "").strip().lower() == "yes",
                on_flagged=(row.get("flagged") or "yes").strip().lower() != "no",
            )
        )
        seen.add(name)
    for name in frame.columns:
        if name not in seen:
            specs.append(ColumnSpec(name, headers.get(name, name), kind_of(schema[name])))
            seen.add(name)
    return _distinct_headers(specs)


def _distinct_headers(specs: list[ColumnSpec]) -> list[ColumnSpec]:
    """Added columns whose header repeats an earlier one (e.g. an input column also called
    "Risk score") get " (screened)" appended, so no two columns look the same."""
    seen: set[str] = set()
    out = []
    for spec in specs:
        header, n = spec.header, 1
        while header.casefold() in seen:
            n += 1
            header = f"{spec.header} (screened)" if n == 2 else f"{spec.header} ({n})"
        seen.add(header.casefold())
        out.append(spec if header == spec.header else replace(spec, header=header))
    return out


def generic_specs(
    frame: pl.DataFrame, headers: Mapping[str, str], tier_names: Sequence[str]
) -> list[ColumnSpec]:
    """Specs for a frame shown as-is: headers are the column names, numbers in General
    format, and text columns holding only tier names get the tier colours."""
    schema = frame.schema
    texts = [n for n in frame.columns if kind_of(schema[n]) == "text"]
    tiered: set[str] = set()
    if texts and frame.height:
        norm = [pl.col(n).str.strip_chars().str.to_lowercase() for n in texts]
        row = frame.select(
            ((e.is_in(list(tier_names)) | e.is_null()).all() & e.is_not_null().any()).alias(n)
            for e, n in zip(norm, texts, strict=True)
        ).row(0)
        tiered = {n for n, ok in zip(texts, row, strict=True) if ok}
    specs = [
        ColumnSpec(
            name,
            headers.get(name, name),
            kind_of(schema[name]),
            style="tier" if name in tiered else "",
        )
        for name in frame.columns
    ]
    return _distinct_headers(specs)


def content_widths(frame: pl.DataFrame, specs: Sequence[ColumnSpec]) -> list[float]:
    """Column widths from the longest value (and header), capped; fixed widths win."""
    text_names = [s.name for s in specs if s.width is None]
    longest: dict[str, int] = {}
    if text_names and frame.height:
        row = frame.select(
            pl.col(n).cast(pl.String).str.len_chars().max().alias(n) for n in text_names
        ).row(0)
        longest = {n: (v or 0) for n, v in zip(text_names, row, strict=True)}
    widths = []
    for spec in specs:
        if spec.width is not None:
            widths.append(spec.width)
            continue
        chars = max(longest.get(spec.name, 0), len(spec.header))
        widths.append(float(min(WIDTH_CAP, max(WIDTH_MIN, math.ceil(chars * 1.1) + 2))))
    return widths
