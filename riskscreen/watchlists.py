"""Load entity watchlists: the embedded UFLPA and CBP tables plus the user's own CSV lists.

`load_watchlists()` returns a `Watchlists` with one row per listed name or alias (`entities`),
the country/region/good rules of region-wide orders (`scopes`) and list metadata (`meta`).
`check_watchlist(path)` validates a user list and reports problems by row and column.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import polars as pl

from riskscreen.checksum import file_sha256
from riskscreen.errors import InputError
from riskscreen.match.entity_country import countries_to_iso3
from riskscreen.match.entity_scopes import match_scopes
from riskscreen.match.name_normalise import derived_names
from riskscreen.reference.watchlists import WATCHLIST_COLUMNS, slug
from riskscreen.tables import read_table

__all__ = ["Watchlists", "WatchlistCheck", "load_watchlists", "check_watchlist", "match_scopes"]

USER_REQUIRED = ("name",)
USER_OPTIONAL = ("aliases", "country", "source", "goods", "date", "status", "section")

ENTITY_COLUMNS = [
    "entry_id", "list_id", "alias", "alias_kind", "name", "country", "section", "date",
    "status", "goods", "source",
]


@dataclass
class Watchlists:
    """Loaded lists: `entries` (one row per entry), `entities` (one row per name/alias of an
    entity-shaped entry), `scopes` (rules of country/region-wide orders), `meta` (one row per
    list). `cache` holds matcher indexes built from these frames."""

    entries: pl.DataFrame
    entities: pl.DataFrame
    scopes: pl.DataFrame
    meta: pl.DataFrame
    cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def describe(self) -> list[dict[str, Any]]:
        """List metadata for run records: id, name, publisher, as-of, sha256, entries, partial."""
        keep = ["list_id", "name", "publisher", "licence", "as_of", "sha256", "entries",
                "partial", "note"]
        return self.meta.select([c for c in keep if c in self.meta.columns]).to_dicts()


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


def _source_label(meta: pl.DataFrame) -> pl.DataFrame:
    """list_id → "UFLPA Entity List (as of 2025-01-15)"."""
    return meta.select(
        "list_id",
        pl.when(pl.col("as_of").fill_null("") != "")
        .then(pl.format("{} (as of {})", pl.col("name"), pl.col("as_of")))
        .otherwise(pl.col("name"))
        .alias("source"),
    )


def _entities(entries: pl.DataFrame, meta: pl.DataFrame, curated: pl.DataFrame) -> pl.DataFrame:
    """One row per name, alias and derived short form of every entity-shaped entry."""
    ents = entries.filter(pl.col("shape") == "entity")
    primary = ents.select("entry_id", pl.col("name").alias("alias"), pl.lit("name").alias("kind"))
    aliases = (
        ents.select("entry_id", pl.col("aliases").fill_null("").str.split(";").alias("alias"))
        .explode("alias")
        .with_columns(pl.col("alias").str.strip_chars())
        .filter(pl.col("alias") != "")
        .with_columns(pl.lit("alias").alias("kind"))
    )
    derived_rows = [
        (eid, d, "derived")
        for eid, name, aka in zip(
            ents["entry_id"], ents["name"], ents["aliases"].fill_null(""), strict=True
        )
        for base in [name, *aka.split(";")]
        for d in derived_names(base.strip())
    ]
    derived = pl.DataFrame(
        derived_rows, schema=["entry_id", "alias", "kind"], orient="row"
    )
    extra = curated.filter(pl.col("entry_id").is_in(ents["entry_id"].implode())).select(
        "entry_id", "alias", pl.lit("curated").alias("kind")
    )
    names = (
        pl.concat([primary, aliases, derived, extra])
        .unique(subset=["entry_id", "alias"], keep="first", maintain_order=True)
        .rename({"kind": "alias_kind"})
    )
    return (
        names.join(ents.drop("aliases"), on="entry_id", how="left")
        .join(_source_label(meta), on="list_id", how="left")
        .select(ENTITY_COLUMNS)
    )


def _scopes(entries: pl.DataFrame, rules: pl.DataFrame) -> pl.DataFrame:
    scoped = entries.filter(pl.col("shape") == "scope")
    names = rules.select("entry_id", "rule_name") if "rule_name" in rules.columns else None
    if names is not None:
        scoped = scoped.join(names, on="entry_id", how="left")
    else:
        scoped = scoped.with_columns(pl.lit(None, pl.String).alias("rule_name"))
    return scoped.select(
        "entry_id", "list_id", "scope_iso3", "scope_region", "scope_good_ids",
        pl.coalesce("rule_name", "name").alias("scope_name"),
        pl.col("section").alias("scope_action"), pl.col("date").alias("scope_date"),
        pl.col("status").alias("scope_status"),
    )


def _assemble(entries: pl.DataFrame, meta: pl.DataFrame) -> Watchlists:
    curated = read_table("watchlist_aliases_curated")
    rules = read_table("watchlist_scope_rules")
    entries = entries.with_columns(pl.col(c).fill_null("") for c in entries.columns)
    return Watchlists(
        entries=entries,
        entities=_entities(entries, meta, curated),
        scopes=_scopes(entries, rules),
        meta=meta,
    )


@lru_cache(maxsize=1)
def _default_parts() -> tuple[pl.DataFrame, pl.DataFrame]:
    meta = read_table("watchlists")
    tables = [read_table(t).select(WATCHLIST_COLUMNS) for t in meta["table"].to_list()]
    return pl.concat(tables), meta


@lru_cache(maxsize=1)
def _default_watchlists() -> Watchlists:
    entries, meta = _default_parts()
    return _assemble(entries, meta)


def _read_user_rows(path: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Header and (line number, row) pairs of a user CSV; '#' lines and blank lines skipped.

    Parsed as one CSV stream, so a quoted value may span lines (a name pasted with a line
    break); its line breaks become spaces and the row is numbered by the line it starts on.
    """
    from riskscreen.io.read_limits import int_limit

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
    iso = countries_to_iso3(r.get("country", "") for _, r in rows)
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
    from datetime import date

    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == 10


def load_watchlists(extra: Sequence[Path] = (), include_defaults: bool = True) -> Watchlists:
    """The embedded lists (cached) plus user lists in `extra`; a faulty user list raises
    `InputError` listing its row-level problems."""
    if not extra and include_defaults:
        return _default_watchlists()
    entry_parts: list[pl.DataFrame] = []
    meta_parts: list[pl.DataFrame] = []
    if include_defaults:
        entries, meta = _default_parts()
        entry_parts.append(entries)
        meta_parts.append(meta)
    for path in extra:
        check = check_watchlist(Path(path))
        if not check.ok or check.entries is None:
            shown = "\n  ".join(check.errors[:20])
            more = f"\n  … and {len(check.errors) - 20} more" if len(check.errors) > 20 else ""
            raise InputError(f"watchlist {path} has problems:\n  {shown}{more}")
        entry_parts.append(check.entries)
        meta_parts.append(_user_meta(check))
    if not entry_parts:
        raise InputError("no watchlists: defaults excluded and no user list given")
    meta = pl.concat(meta_parts, how="diagonal")
    return _assemble(pl.concat(entry_parts, how="vertical"), meta)


def _user_meta(check: WatchlistCheck) -> pl.DataFrame:
    entries = check.entries
    assert entries is not None
    dates = entries["date"].filter(entries["date"] != "")
    return pl.DataFrame({
        "list_id": [entries["list_id"][0]],
        "name": [f"User list {check.path.name}"],
        "publisher": ["user"],
        "licence": [""],
        "as_of": [str(dates.max()) if dates.len() else ""],
        "source_file": [check.path.name],
        "sha256": [file_sha256(check.path)],
        "entries": [str(entries.height)],
        "partial": [""],
        "note": ["supplied by the user"],
        "table": [""],
    })
