"""Load entity watchlists: the embedded UFLPA and CBP tables plus the user's own CSV lists.

`load_watchlists()` returns a `Watchlists` with one row per listed name or alias (`entities`),
the country/region/good rules of region-wide orders (`scopes`) and list metadata (`meta`).
User lists are checked first (`check.check_watchlist`); a faulty one stops the load.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import polars as pl

from riskscreen.checksum import file_sha256
from riskscreen.errors import InputError
from riskscreen.reference.watchlists import WATCHLIST_COLUMNS
from riskscreen.tables import read_table
from riskscreen.watchlists.check import WatchlistCheck, check_watchlist
from riskscreen.watchlists.name_normalise import derived_names

__all__ = ["Watchlists", "load_watchlists", "ENTITY_COLUMNS"]

ENTITY_COLUMNS = [
    "entry_id", "list_id", "alias", "alias_kind", "name", "country", "section", "date",
    "status", "goods", "source",
]


@dataclass(frozen=True, eq=False)
class Watchlists:
    """Loaded lists: `entries` (one row per entry), `entities` (one row per name/alias of an
    entity-shaped entry), `scopes` (rules of country/region-wide orders), `meta` (one row per
    list). Read-only: the matcher's index is built from it by `index.entity_index` (and cached
    there, keyed by this object), never stored on it."""

    entries: pl.DataFrame
    entities: pl.DataFrame
    scopes: pl.DataFrame
    meta: pl.DataFrame

    def describe(self) -> list[dict[str, Any]]:
        """List metadata for run records: id, name, publisher, as-of, sha256, entries, partial."""
        keep = ["list_id", "name", "publisher", "licence", "as_of", "sha256", "entries",
                "partial", "note"]
        return self.meta.select([c for c in keep if c in self.meta.columns]).to_dicts()


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
