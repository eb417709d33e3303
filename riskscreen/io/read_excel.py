"""Spreadsheets (xlsx, xlsm, xlsb, xls, ods) -> a raw all-text grid via fastexcel/calamine.

Calamine reads the values Excel cached; formulas are never evaluated (a formula without a cached
value reads as empty). Every cell is read as text: numbers in Excel's shortest form (5201.0 ->
"5201", text "0901" stays "0901"), booleans "true"/"false", date-times as ISO text with a
midnight time dropped ("2024-03-01") and a time-only value as "12:30:00". Leading empty rows are
kept (``skip_rows=0``) so grid row i is sheet row i+1.
"""

from __future__ import annotations

from pathlib import Path

import fastexcel
import polars as pl

from riskscreen.errors import InputError
from riskscreen.io.read_xlsx_meta import xlsx_sheets

_PASSWORD_HINT = "save an unprotected copy and try again"


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _calamine_error(exc: BaseException, label: str) -> InputError:
    msg = str(exc).lower()
    if "password" in msg or "encrypt" in msg:
        return InputError(f"{label}: file is password-protected: {_PASSWORD_HINT}")
    return InputError(
        f"{label}: the spreadsheet could not be read ({_short(exc)}); it may be damaged: "
        "open it in Excel and save it again, or export it as CSV"
    )


def open_workbook(path: Path, label: str) -> tuple[fastexcel.ExcelReader, list[str]]:
    """Open the workbook with calamine; returns (reader, notes).

    Calamine picks the format from the extension; a workbook saved under the wrong one (an .xls
    renamed .xlsx, an .xlsx renamed .ods) is retried from its bytes, where calamine goes by
    content. Any failure becomes an InputError naming the file.
    """
    try:
        return fastexcel.read_excel(str(path)), []
    except Exception as exc:  # noqa: BLE001 - third-party errors become user messages
        first = exc
    try:
        reader = fastexcel.read_excel(path.read_bytes())
    except Exception:  # noqa: BLE001
        raise _calamine_error(first, label) from None
    note = f"{label}: the content does not match the '{path.suffix}' extension; read by content"
    return reader, [note]


def _load(reader: fastexcel.ExcelReader, idx: int, label: str, peek: bool = False) -> pl.DataFrame:
    """The whole sheet from row 1 (leading empty rows kept); `peek`: its first non-empty row."""
    try:
        if peek:
            sheet = reader.load_sheet(idx, header_row=None, n_rows=1, dtypes="string")
        else:
            sheet = reader.load_sheet(idx, header_row=None, skip_rows=0, dtypes="string")
        return sheet.to_polars()
    except Exception as exc:  # noqa: BLE001
        name = reader.sheet_names[idx]
        raise InputError(
            f"{label}, sheet '{name}': the sheet could not be read ({_short(exc)}); "
            "open it in Excel and save it again, or export it as CSV"
        ) from None


def _non_empty(frame: pl.DataFrame) -> bool:
    if frame.width == 0 or frame.height == 0:
        return False
    return bool(frame.select(pl.any_horizontal(pl.all().is_not_null()).any()).item())


def choose_sheet(names: list[str], sheet: str | int | None, label: str) -> int | None:
    """Index of the requested sheet, or None for 'first non-empty'.

    A name wins (exactly, else ignoring case and outer spaces); a number (int or digits) that is
    not a sheet's name is a 1-based position — so a sheet called "2024" is found either way.
    """
    listing = ", ".join(f"'{n}'" for n in names)
    if sheet is None:
        return None
    wanted = str(sheet)
    if wanted in names:
        return names.index(wanted)
    folded = [i for i, n in enumerate(names) if n.strip().casefold() == wanted.strip().casefold()]
    if len(folded) == 1:
        return folded[0]
    if wanted.strip().isdigit():
        n = int(wanted)
        if 1 <= n <= len(names):
            return n - 1
        raise InputError(f"{label}: there is no sheet number {n}; the sheets are {listing}")
    raise InputError(f"{label}: there is no sheet '{sheet}'; the sheets are {listing}")


def _iso(col: pl.Expr) -> pl.Expr:
    # cheap literal tests first; the regex only confirms the shape of 19-byte candidates
    shaped = (col.str.len_bytes() == 19) & col.str.contains(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")
    midnight = col.str.ends_with(" 00:00:00") & shaped
    time_only = col.str.starts_with("1899-12-3") & shaped
    return (
        pl.when(midnight)
        .then(col.str.slice(0, 10))
        .when(time_only)
        .then(col.str.slice(11))
        .otherwise(col)
    )


def iso_dates(grid: pl.DataFrame) -> pl.DataFrame:
    """Excel date-times read as text: drop a midnight time, and the 1899-12-31 of a pure time.

    Only columns holding a 'YYYY-MM-DD hh:mm:ss' looking value are touched.
    """
    if grid.width == 0 or grid.height == 0:
        return grid
    probe = grid.select(pl.all().str.contains(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$").any())
    dated = [c for c, hit in zip(probe.columns, probe.row(0), strict=True) if hit]
    if not dated:
        return grid
    return grid.with_columns(_iso(pl.col(c)).alias(c) for c in dated)


def _default_by_peeking(
    reader: fastexcel.ExcelReader, names: list[str], label: str
) -> tuple[int | None, pl.DataFrame | None, list[str]]:
    """First non-empty sheet (loaded) and the other non-empty ones, asking calamine."""
    grid: pl.DataFrame | None = None
    idx: int | None = None
    others: list[str] = []
    for i in range(len(names)):
        if grid is None:
            candidate = _load(reader, i, label)
            if _non_empty(candidate):
                grid, idx = candidate, i
        elif _non_empty(_load(reader, i, label, peek=True)):
            others.append(names[i])
    return idx, grid, others


def _default_from_package(path: Path, names: list[str]) -> tuple[int | None, list[str]] | None:
    """First visible sheet with values (else a hidden one) and the other visible ones with values,
    from the xlsx package itself; None when that cannot be told without calamine."""
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        return None
    info = xlsx_sheets(path)
    if info is None or [i.name for i in info] != names:
        return None
    visible = [k for k, i in enumerate(info) if i.has_values and not i.hidden]
    hidden = [k for k, i in enumerate(info) if i.has_values and i.hidden]
    order = visible + hidden
    if not order:
        return None, []
    return order[0], [names[k] for k in visible if k != order[0]]


def _report_sheet(names: list[str], label: str, notes: list[str]) -> int | None:
    """In a riskscreen report, the sheet with every supplier (not only the flagged ones)."""
    from riskscreen.io.report import SHEET_NAMES  # lazy: reading need not load the writer

    every, method = SHEET_NAMES["all"], SHEET_NAMES["method"]
    if every not in names or method not in names:
        return None
    notes.append(
        f"{label} is a riskscreen report: screening its '{every}' sheet (every supplier); "
        "choose another with --sheet"
    )
    return names.index(every)


def read_excel_grid(
    path: Path, label: str, sheet: str | int | None
) -> tuple[pl.DataFrame, str, list[str], list[str]]:
    """Read one sheet as a raw grid of String columns.

    Returns (grid, sheet name, all sheet names, notes). With no `sheet` the first non-empty
    visible sheet is used, and a note names the other non-empty sheets.
    """
    reader, notes = open_workbook(path, label)
    names = list(reader.sheet_names)
    if not names:
        raise InputError(f"{label}: the workbook has no sheets")
    idx = choose_sheet(names, sheet, label)
    if idx is None:
        idx = _report_sheet(names, label, notes)
    if idx is not None:
        return iso_dates(_load(reader, idx, label)), names[idx], names, notes
    grid: pl.DataFrame | None = None
    known = _default_from_package(path, names)
    if known is not None and known[0] is not None:
        idx, others = known
        grid = _load(reader, idx, label)
        if not _non_empty(grid):  # the package and calamine disagree: trust calamine
            grid = None
    if grid is None:
        idx, grid, others = _default_by_peeking(reader, names, label)
    if grid is None or idx is None:
        raise InputError(f"{label}: every sheet is empty ({', '.join(repr(n) for n in names)})")
    if others:
        listing = ", ".join(f"'{n}'" for n in [names[idx], *others])
        notes.append(f"using sheet '{names[idx]}' of {listing} — choose with --sheet")
    elif idx > 0:
        notes.append(f"using sheet '{names[idx]}': the sheets before it are empty")
    return iso_dates(grid), names[idx], names, notes
