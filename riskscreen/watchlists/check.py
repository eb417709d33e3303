"""A user's own watchlist CSV: read it, check it row by row, and give its tidy entries.

Only `name` is required; problems name the file line ("row 7") and the column, so a spreadsheet
user can fix the file. Countries are read by the one country resolver (`match/countries.py`).
"""

from __future__ import annotations

import csv
import datetime
import io
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from riskscreen.errors import InputError
from riskscreen.io.read_limits import int_limit
from riskscreen.match.countries import country_codes
from riskscreen.reference.watchlists import WATCHLIST_COLUMNS, slug

__all__ = ["WatchlistCheck", "check_watchlist", "USER_REQUIRED", "USER_OPTIONAL"]

USER_REQUIRED = ("name",)
USER_OPTIONAL = ("aliases", "country", "source", "goods", "date", "status", "section")


@dataclass(frozen=True)
class WatchlistCheck:
    """Result of checking a user list: `ok`, row-level `errors`, the tidy `entries` if ok."""

    path: Path
    rows: int
    errors: tuple[str, ...]
    entries: pl.DataFrame | None
    header_problem: bool = False  # the header row itself is wrong (no row was checked)

    @property
    def ok(self) -> bool:
        return not self.errors

    def __str__(self) -> str:
        if self.ok:
            return f"{self.path.name}: {self.rows} entries, no problems found"
        if self.header_problem:
            return "\n".join(self.errors)
        lines = [f"{self.path.name}: {len(self.errors)} problem(s) in {self.rows} rows"]
        return "\n  ".join(lines + list(self.errors))


def _read_user_rows(path: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Header and (line number, row) pairs of a user CSV; '#' lines and blank lines skipped.

    Parsed as one CSV stream, so a quoted value may span lines (a name pasted with a line
    break); its line breaks become spaces and the row is numbered by the line it starts on.
    """
    try:
        size = path.stat().st_size
    except OSError:
        size = 0
    if size > int_limit("max_watchlist_bytes"):
        raise InputError(
            f"watchlist {path}: {size / 2**20:,.1f} MiB is over the "
            f"{int_limit('max_watchlist_bytes') / 2**20:,.0f} MiB limit for a list of named "
            "entities; keep the entities you screen against (or split the list) and try again"
        )
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise InputError(f"watchlist {path} does not exist") from exc
    except UnicodeDecodeError as exc:
        raise InputError(f"watchlist {path} is not UTF-8 text (save it as CSV UTF-8)") from exc
    except OSError as exc:
        raise InputError(f"watchlist {path} cannot be read ({exc.strerror or exc})") from exc
    reader = csv.reader(io.StringIO(text, newline=""))
    records: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for values in reader:
            if values and any(v.strip() for v in values) and not values[0].lstrip().startswith("#"):
                records.append((start, [" ".join(v.split()) for v in values]))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise InputError(
            f"watchlist {path}: row {start} cannot be read as CSV ({exc}); check its quotes"
        ) from None
    if not records:
        return [], []
    if len(records) - 1 > int_limit("max_watchlist_entries"):
        raise InputError(
            f"watchlist {path}: {len(records) - 1:,} entries is more than the "
            f"{int_limit('max_watchlist_entries'):,} a watchlist may hold; keep the entities "
            "you screen against (or split the list over several runs) and try again"
        )
    header = [h.strip().lower() for h in records[0][1]]
    rows = []
    for lineno, values in records[1:]:
        row = {h: (values[i].strip() if i < len(values) else "") for i, h in enumerate(header)}
        if len(values) > len(header):
            row["__extra__"] = str(len(values) - len(header))
        rows.append((lineno, row))
    return header, rows


def check_watchlist(path: Path) -> WatchlistCheck:
    """Validate a user's watchlist CSV: only `name` is required (optional aliases, country,
    source, goods, date, status, section). Errors name the file line ("row 7") and the column;
    a header without a name column is reported as a header problem."""
    path = Path(path)
    header, rows = _read_user_rows(path)
    errors: list[str] = []
    missing = [c for c in USER_REQUIRED if c not in header]
    if missing:
        found = ", ".join(h for h in header if h) or "none"
        errors.append(
            f"{path.name}: the header row has no {' or '.join(missing)} column (found: {found}); "
            f"the first line must name the columns: name (required), and optionally "
            f"{', '.join(USER_OPTIONAL)}"
        )
        return WatchlistCheck(path, len(rows), tuple(errors), None, header_problem=True)
    iso = country_codes(r.get("country", "") for _, r in rows)
    list_id = f"user-{slug(path.stem, 32)}"
    records = []
    for lineno, row in rows:
        if "__extra__" in row:
            errors.append(f"row {lineno}: {row['__extra__']} more value(s) than columns "
                          "(quote names that contain commas)")
        if not row.get("name"):
            errors.append(f"row {lineno}: name is empty")
        country = row.get("country", "")
        code = iso.get(country) if country else ""
        if country and code is None:
            errors.append(f"row {lineno}: country '{country}' is not an ISO code or country name")
        date = row.get("date", "")
        if date and not _is_iso_date(date):
            errors.append(f"row {lineno}: date '{date}' is not YYYY-MM-DD")
        records.append({
            "entry_id": f"{list_id}-{lineno}",
            "list_id": list_id,
            "shape": "entity",
            "name": row.get("name", ""),
            "aliases": "; ".join(a.strip() for a in row.get("aliases", "").split(";")
                                 if a.strip()),
            "country": code or "",
            "section": row.get("section", ""),
            "date": date,
            "status": (row.get("status") or "active").lower(),
            "goods": row.get("goods", ""),
            "scope_iso3": "", "scope_region": "", "scope_good_ids": "",
            "source_url": row.get("source") or f"user list {path.name}",
            "attribution": f"user list {path.name}",
        })
    if not records and not errors:
        errors.append(f"{path.name}: no entries (only a header)")
    entries = None
    if not errors:
        entries = pl.DataFrame(records, schema={c: pl.String for c in WATCHLIST_COLUMNS})
    return WatchlistCheck(path, len(rows), tuple(errors), entries)


def _is_iso_date(text: str) -> bool:
    try:
        datetime.date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == 10
