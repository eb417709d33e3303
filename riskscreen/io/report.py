"""Write the screening result as the Excel workbook people act on and auditors file.

Sheets: Read me (tiers, what to do, the sources; from `reference/readme_sheet.csv`), Flagged
(tier at or above `min_tier`, worst first), All suppliers (input order),
Needs review (uncertain matches, with the candidates considered), Summary (counts, spend at
risk, charts) and Method & sources (`meta`, plus the note that a low score is not a clearance).

Guarantees: no cell is ever a formula (text from the input is written as string cells and
quote-prefixed when it starts like one); no XML-illegal character can break the file; the file
appears atomically (temp file + `os.replace`, removed on any failure); the supplier file itself
is never overwritten; and the same frame + meta give a byte-identical file (fixed document
properties and zip timestamps) unless `stamp=True`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import polars as pl
from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

from riskscreen.errors import InputError, RiskscreenError
from riskscreen.io.atomic import atomic_output, refuse_input_overwrite
from riskscreen.io.report_layout import (
    ColumnSpec,
    content_widths,
    generic_specs,
    kind_of,
    plan_columns,
    protect_names,
    to_writable,
)
from riskscreen.io.report_method import write_method
from riskscreen.io.report_readme import write_readme
from riskscreen.io.report_safe import clean_text
from riskscreen.io.report_sheetdata import SheetBody, build_sheet_body
from riskscreen.io.report_spend import parse_spend_column
from riskscreen.io.report_styles import Palette, print_setup
from riskscreen.io.report_summary import write_summary
from riskscreen.io.report_zip import ReportZip
from riskscreen.scoring import load_thresholds
from riskscreen.tiers import Tier, tier_table

__all__ = [
    "FIXED_TIMESTAMP",
    "SHEET_NAMES",
    "split_rows",
    "VOLATILE_META_KEYS",
    "write_report",
    "write_sheet_workbook",
]

SHEET_NAMES = {
    "readme": "Read me",
    "flagged": "Flagged",
    "followup": "Follow-up",
    "all": "All suppliers",
    "review": "Needs review",
    "summary": "Summary",
    "method": "Method & sources",
}
FIXED_TIMESTAMP = dt.datetime(2000, 1, 1)
# A data sheet prints up to the first of these columns (the rest stay in the file).
PRINT_THROUGH = ("reasons", "review_reason")
# The Follow-up sheet's headers, widths and cell styles (every cell wraps, top-aligned).
FOLLOWUP_HEADERS = {
    "supplier": "Supplier", "country": "Country", "product": "Product", "finding": "Finding",
    "questions": "Questions to ask the supplier", "evidence": "Evidence to request",
    "close_when": "What would close the flag", "sources": "Sources",
}
FOLLOWUP_WIDTHS = {
    "row_id": 7.0, "supplier": 22.0, "country": 12.0, "product": 14.0, "risk_tier": 9.0,
    "finding": 26.0, "questions": 58.0, "evidence": 48.0, "close_when": 40.0, "sources": 30.0,
    "finding_keys": 18.0,
}
FOLLOWUP_STYLES = {"risk_tier": "tier"}
EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_COLUMNS = 16_384
CSV_ESCAPED = (
    "text that Excel would run as a formula (starting with = + - @, tab or carriage return) "
    "is written with a leading apostrophe; plain numbers are left as they are (--csv-raw "
    "writes raw values). Parquet is always raw."
)
CSV_RAW = (
    "written raw (--csv-raw): text starting with = + - @ is NOT escaped; do not open such a "
    "file in Excel if it may hold formulas"
)
# Run-time measurements change on every run; shown only in stamped reports so that an
# unstamped re-run gives a byte-identical file.
VOLATILE_META_KEYS = frozenset({"timings_s"})


def _fixed_time(meta: Mapping[str, Any], stamp: bool) -> dt.datetime:
    """Document time: now when stamped, else meta['reference_built'] if it reads as a date."""
    if stamp:
        return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0)
    built = meta.get("reference_built")
    when: dt.datetime | None = None
    if isinstance(built, dt.datetime):
        when = built
    elif isinstance(built, dt.date):
        when = dt.datetime(built.year, built.month, built.day)
    elif isinstance(built, str):
        with contextlib.suppress(ValueError):
            when = dt.datetime.fromisoformat(built.strip().replace("Z", "+00:00"))
    if when is None:
        return FIXED_TIMESTAMP
    if when.tzinfo is not None:
        when = when.astimezone(dt.timezone.utc).replace(tzinfo=None)
    when = when.replace(microsecond=0)
    return when if when.year >= 1980 else FIXED_TIMESTAMP


def _rank_expr(tiers: Sequence[Tier]) -> pl.Expr:
    ranks = {t.tier: t.rank for t in tiers}
    unknown = ranks.get("unknown", min(ranks.values()))
    return (
        pl.col("risk_tier")
        .cast(pl.String)
        .str.strip_chars()
        .str.to_lowercase()
        .replace_strict(ranks, default=unknown, return_dtype=pl.Int64)
    )


def _data_sheet(
    ws: Any, frame: pl.DataFrame, specs: Sequence[ColumnSpec], palette: Palette, tab: str | None
) -> SheetBody:
    """Lay out a data sheet (widths, frozen header, filter) and prepare its rows."""
    if frame.height + 1 > EXCEL_MAX_ROWS or len(specs) > EXCEL_MAX_COLUMNS:
        raise RiskscreenError(
            f"{frame.height:,} rows × {len(specs):,} columns do not fit in an Excel sheet "
            f"(at most {EXCEL_MAX_ROWS:,} rows and {EXCEL_MAX_COLUMNS:,} columns); write a "
            ".csv or .parquet output instead (-o all.parquet)"
        )
    widths = content_widths(frame, specs)
    body = build_sheet_body(frame, specs, palette, widths)
    for i, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    # Printing: one page wide, header on every page; the print area ends with the reasons
    # (review_reason on Needs review): the detail columns after them stay in the file.
    through = [i for i, s in enumerate(specs, 1) if s.name in PRINT_THROUGH]
    last = get_column_letter(through[0] if through else max(1, len(specs)))
    print_setup(ws, landscape=True, fit_width=True, repeat_header=True,
                area=f"A1:{last}{frame.height + 1}")
    ws.auto_filter.ref = f"A1:{body.last_cell}"
    if tab:
        ws.sheet_properties.tabColor = tab
    return body


def _followup_sheet(ws: Any, followup: pl.DataFrame, palette: Palette) -> SheetBody:
    """The Follow-up sheet: one row per flagged supplier, long texts wrapped."""
    data = to_writable(followup)
    specs = [
        ColumnSpec(name, FOLLOWUP_HEADERS.get(name, name), kind_of(data.schema[name]),
                   width=FOLLOWUP_WIDTHS.get(name), style=FOLLOWUP_STYLES.get(name, ""),
                   wrap=True)
        for name in data.columns
    ]
    body = _data_sheet(ws, data, specs, palette, "2F5597")
    print_setup(ws, landscape=True, fit_width=True, repeat_header=True)
    return body


def _cleanup_openpyxl(wb: Workbook) -> None:
    """Remove openpyxl's own per-sheet temp files after a failed or interrupted write, and end
    its row generators now (left to the garbage collector, they print a traceback at exit)."""
    for ws in wb.worksheets:
        rows = getattr(ws, "_rows", None)
        if rows is not None:
            with contextlib.suppress(Exception):
                rows.close()
            ws._rows = None
        writer = getattr(ws, "_writer", None)
        if writer is None:
            continue
        with contextlib.suppress(Exception):
            writer.close()
        with contextlib.suppress(Exception):
            writer.cleanup()


@contextlib.contextmanager
def _cleaned_on_failure(wb: Workbook) -> Iterator[Workbook]:
    """Yield `wb`; on any failure or interruption while it is filled or saved, clean up after
    openpyxl (temp files, row generators) before the error goes on."""
    try:
        yield wb
    except BaseException:
        _cleanup_openpyxl(wb)
        raise


def write_report(
    frame: pl.DataFrame,
    path: str | Path,
    *,
    original_columns: Sequence[str],
    meta: Mapping[str, Any],
    min_tier: str = "high",
    all_sheet: bool = True,
    stamp: bool = False,
    spend_column: str | None = None,
    input_path: str | Path | None = None,
    followup: pl.DataFrame | None = None,
    csv_escaped: bool | None = None,
) -> Path:
    """Write the screened `frame` to the .xlsx workbook at `path`; return the path.

    `original_columns` are the input's columns, shown first and unchanged; `meta` fills the
    Method & sources sheet; rows with a tier at or above `min_tier` go to Flagged;
    `all_sheet=False` leaves out All suppliers (large inputs); `spend_column` (an original
    column holding amounts as text) adds spend totals; `input_path` is refused as output;
    `followup` (from `riskscreen.followup.followup_frame`) becomes the Follow-up sheet.
    `csv_escaped` (True/False) records on the Method sheet how the run's CSV files were written.
    A data sheet longer than Excel allows is split: Flagged 1, Flagged 2 … (see `split_rows`).
    """
    path = Path(path)
    refuse_input_overwrite(path, input_path)
    tiers = list(tier_table())
    ranks = {t.tier: t.rank for t in tiers}
    min_key = (min_tier or "").strip().lower()
    if min_key not in ranks:
        raise InputError(f"unknown tier {min_tier!r}; use one of {', '.join(ranks)}")
    if spend_column is not None and spend_column not in frame.columns:
        raise InputError(f"spend column {spend_column!r} is not in the supplier data")
    plan_columns(frame, original_columns)  # fails early, with a clear message, if required missing
    frame, headers = protect_names(frame)
    inner = {v: k for k, v in headers.items()}
    original_columns = [inner.get(c, c) for c in original_columns]

    spend: pl.Series | None = None
    spend_failed = 0
    data = frame
    if spend_column is not None:
        spend, spend_failed = parse_spend_column(frame[inner.get(spend_column, spend_column)])
        data = data.with_columns(spend)
    rank = _rank_expr(tiers)
    data = to_writable(data).with_columns(rank.alias("__rank"))
    specs = plan_columns(data.drop("__rank"), original_columns, headers)
    originals = [s for s in specs if s.original]
    review_specs = originals + [s for s in specs if s.review]
    flagged_specs = [s for s in specs if s.original or s.on_flagged]

    flagged = data.filter(pl.col("__rank") >= ranks[min_key]).sort(
        ["risk_score", "row_id"], descending=[True, False], nulls_last=True
    )
    everyone = data.sort("row_id", nulls_last=True, maintain_order=True)
    if "needs_review" in data.columns:
        review = everyone.filter(pl.col("needs_review").fill_null(False).cast(pl.Boolean))
    else:
        review = everyone.clear()

    with _cleaned_on_failure(Workbook(write_only=True)) as wb:
        parts = {
            "flagged": (split_rows(flagged), flagged_specs, "C00000"),
            "review": (split_rows(review), review_specs, "FFC000"),
            "all": (split_rows(everyone), specs, None),
        }
        if followup is not None:
            parts["followup"] = (split_rows(followup), [], "followup")
        sheets: dict[str, Any] = {}
        pages: list[tuple[Any, pl.DataFrame, Sequence[ColumnSpec], str | None]] = []
        for key, title in SHEET_NAMES.items():
            if (key == "all" and not all_sheet) or (key == "followup" and followup is None):
                continue
            if key not in parts:
                sheets[key] = wb.create_sheet(title)
                continue
            chunks, chunk_specs, tab = parts[key]
            for n, chunk in enumerate(chunks, 1):
                ws = wb.create_sheet(title if len(chunks) == 1 else f"{title} {n}")
                sheets.setdefault(key, ws)
                pages.append((ws, chunk, chunk_specs, tab))
        palette = Palette(sheets["flagged"], tiers)
        bodies = {ws: _followup_sheet(ws, chunk, palette) if tab == "followup"
                  else _data_sheet(ws, chunk, chunk_specs, palette, tab)
                  for ws, chunk, chunk_specs, tab in pages}
        # write-only sheets emit their page properties with the first row: set them now
        print_setup(sheets["summary"], landscape=True, fit_width=True)
        print_setup(sheets["method"], landscape=True, fit_width=True)
        print_setup(sheets["readme"], landscape=False, fit_width=True)
        write_readme(sheets["readme"], palette, _run_thresholds(meta, min_key),
                     str(meta.get("list_of_goods") or "List"))
        wb.active = list(sheets).index("flagged")  # opens on Flagged; Read me is the tab before it
        write_summary(
            sheets["summary"],
            frame.with_columns(pl.col("flagged").cast(pl.Boolean)),
            palette,
            spend=spend,
            spend_failed=spend_failed,
            min_tier=min_key,
            note=(meta.get("products") or {}).get("note"),
        )
        facts: list[tuple[str, Any]] = [
            ("Suppliers in the input", frame.height),
            (f"Flagged (tier {min_key} or worse)", flagged.height),
            ("Needs review", review.height),
            ("Lowest tier flagged", min_key),
            ("Sheets", "; ".join(ws.title for ws in wb.worksheets)),
        ]
        if csv_escaped is not None:
            facts.append(("CSV outputs of this run", CSV_ESCAPED if csv_escaped else CSV_RAW))
        if spend_column is not None:
            facts += [
                ("Spend column", spend_column),
                ("Spend values not readable as numbers", spend_failed),
            ]
        when = _fixed_time(meta, stamp)
        if stamp:
            facts.append(("Written at (UTC)", when.isoformat()))
        shown = {k: v for k, v in meta.items() if stamp or k not in VOLATILE_META_KEYS}
        write_method(sheets["method"], palette, shown, facts)
        title = "Supplier forced-labour and child-labour risk screen"
        return _save(wb, bodies, path, when, title)


def split_rows(frame: pl.DataFrame) -> list[pl.DataFrame]:
    """`frame` in pieces that each fit an Excel sheet under a header row (one piece if it fits);
    the pieces become sheets 'Flagged 1', 'Flagged 2' … so no row is ever left out."""
    per_sheet = EXCEL_MAX_ROWS - 1
    if frame.height <= per_sheet:
        return [frame]
    return [frame.slice(start, per_sheet) for start in range(0, frame.height, per_sheet)]


def _run_thresholds(meta: Mapping[str, Any], min_tier: str) -> dict[str, Any]:
    """The thresholds the run used (from `meta`), else the table's, with the flag tier."""
    values = {**load_thresholds().as_dict(), **dict(meta.get("thresholds") or {})}
    values["min_tier"] = min_tier
    return values


def write_sheet_workbook(
    sheets: Mapping[str, pl.DataFrame],
    path: str | Path,
    *,
    input_path: str | Path | None = None,
    stamp: bool = False,
) -> Path:
    """Write each frame as a plain data sheet (headers = column names) to an .xlsx workbook.

    Same guarantees as `write_report`: no formulas, illegal characters replaced, atomic,
    byte-identical for the same frames unless `stamp=True`. Columns holding only tier names
    get the tier colours. Used for the `diff` workbook ("Changes").
    """
    path = Path(path)
    refuse_input_overwrite(path, input_path)
    with _cleaned_on_failure(Workbook(write_only=True)) as wb:
        tiers = list(tier_table())
        palette: Palette | None = None
        bodies: dict[Any, SheetBody] = {}
        for title, frame in _sheet_titles(sheets).items():
            ws = wb.create_sheet(title)
            palette = palette or Palette(ws, tiers)
            frame, headers = protect_names(frame)
            data = to_writable(frame)
            specs = generic_specs(data, headers, [t.tier for t in tiers])
            bodies[ws] = _data_sheet(ws, data, specs, palette, None)
        if not bodies:
            raise InputError("nothing to write: no sheets given")
        return _save(wb, bodies, path, _fixed_time({}, stamp), "riskscreen")


def _sheet_titles(sheets: Mapping[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """Excel-legal, distinct sheet titles (max 31 characters, no []:*?/\\)."""
    out: dict[str, pl.DataFrame] = {}
    for name, frame in sheets.items():
        base = re.sub(r"[\[\]:*?/\\]", "_", clean_text(str(name))).strip("'")[:31] or "Sheet"
        title, n = base, 1
        while title.casefold() in {t.casefold() for t in out}:
            n += 1
            title = f"{base[: 31 - len(str(n)) - 1]} {n}"
        out[title] = frame
    return out


def _save(
    wb: Workbook, bodies: Mapping[Any, SheetBody], path: Path, when: dt.datetime, title: str
) -> Path:
    """Save `wb` atomically to `path` with fixed properties/timestamps, splicing in `bodies`."""
    wb.properties.creator = "riskscreen"
    wb.properties.title = title
    wb.properties.created = when
    wb.properties.modified = when
    parts = {
        f"xl/worksheets/sheet{wb.worksheets.index(ws) + 1}.xml": body for ws, body in bodies.items()
    }
    zip_time = (when.year, when.month, when.day, when.hour, when.minute, when.second)
    with atomic_output(path) as tmp:
        archive = ReportZip(str(tmp), zip_time, parts)
        try:
            ExcelWriter(wb, archive).save()
        except BaseException:
            with contextlib.suppress(Exception):
                archive.close()
            _cleanup_openpyxl(wb)
            raise
    return path
