"""Load the built reference tables once per folder, with proper dtypes (`load_reference`)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import polars as pl

from riskscreen.errors import ReferenceError_
from riskscreen.paths import reference_dir

PRODUCTION_TABLE = "fao_production"
PRODUCTION_COLUMNS: dict[str, type[pl.DataType]] = {
    "iso3": pl.String,
    "item_code": pl.Int64,
    "item": pl.String,
    "year": pl.Int64,
    "production_kt": pl.Float64,
}
"""The FAO production table's columns and dtypes, as the manifest records and `production`
reads them (`reference/fao.py` builds it)."""

_TABLES = ("countries", "country_indicators", "goods", "good_names", "listings", "editions")
_DTYPES: dict[str, Any] = {
    "String": pl.String,
    "Boolean": pl.Boolean,
    "Float64": pl.Float64,
    "Int64": pl.Int64,
}


@dataclass(frozen=True, eq=False)
class Reference:
    """The ILAB reference tables (see docs/ARCHITECTURE.md, 'Reference')."""

    countries: pl.DataFrame
    country_indicators: pl.DataFrame
    goods: pl.DataFrame
    good_names: pl.DataFrame
    listings: pl.DataFrame
    editions: pl.DataFrame
    manifest: dict = field(repr=False)
    newest_edition: str
    folder: Path | None = None

    @cached_property
    def production(self) -> pl.DataFrame:
        """FAO production: iso3, item_code, item, year, production_kt (thousand tonnes).

        Read on first use and kept, since only model training needs it and screening should
        not pay for 2.7 MB. A folder built before this table existed uses the embedded copy.
        """
        return _read_production(self.folder, self.manifest)

    @property
    def listing_editions(self) -> list[str]:
        """Edition labels that have listings, oldest first."""
        return sorted(self.listings["edition"].unique().to_list())

    def _edition(self, edition: str | int | None) -> str:
        label = self.newest_edition if edition is None else str(edition)
        if label not in self.listing_editions:
            raise ReferenceError_(
                f"unknown ILAB edition {label!r}; available: {', '.join(self.listing_editions)}"
            )
        return label

    def listings_for(self, edition: str | None = None) -> pl.DataFrame:
        """The listing rows of one edition (None = newest), as ILAB published them."""
        label = self._edition(edition)
        return self.listings.filter(pl.col("edition") == label)

    def good_name_map(self, edition: str | None = None) -> pl.DataFrame:
        """good_id <-> name as spelled in that edition (goods list spellings, else Findings')."""
        label = self._edition(edition)
        names = self.good_names.filter(pl.col("edition") == label)
        if names.filter(pl.col("source") == "goods").height:
            names = names.filter(pl.col("source") == "goods")
        return names.select("good_id", "name").unique().sort("good_id", "name")

    def country(self, iso3: str) -> dict | None:
        """The countries.csv row of an ISO alpha-3 code as a dict, or None."""
        hit = self.countries.filter(pl.col("iso3") == iso3.strip().upper())
        return hit.row(0, named=True) if hit.height else None


def _read(folder: Path, name: str, columns: dict[str, str]) -> pl.DataFrame:
    path = folder / f"{name}.csv"
    if not path.is_file():
        raise ReferenceError_(
            f"reference table {path} is missing; run `riskscreen reference build`"
        )
    try:
        schema = {col: _DTYPES[dtype] for col, dtype in columns.items()}
        return pl.read_csv(path, schema=schema, encoding="utf8")
    except (KeyError, pl.exceptions.PolarsError) as exc:
        raise ReferenceError_(
            f"reference table {path} does not match manifest.json: {exc}"
        ) from exc


def _read_production(folder: Path | None, manifest: dict) -> pl.DataFrame:
    """The folder's fao_production.csv as its manifest describes it, else the embedded one."""
    spec = (manifest.get("tables") or {}).get(PRODUCTION_TABLE)
    if folder is not None and spec:
        return _read(folder, PRODUCTION_TABLE, spec["columns"])
    columns = {col: str(dtype) for col, dtype in PRODUCTION_COLUMNS.items()}
    return _read(reference_dir(), PRODUCTION_TABLE, columns)


@lru_cache(maxsize=8)
def _load(folder: Path) -> Reference:
    manifest_path = folder / "manifest.json"
    if not manifest_path.is_file():
        raise ReferenceError_(f"{manifest_path} is missing; run `riskscreen reference build`")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        specs = {name: manifest["tables"][name]["columns"] for name in _TABLES}
    except (ValueError, KeyError) as exc:
        raise ReferenceError_(f"{manifest_path} is corrupt: {exc}") from exc
    frames = {name: _read(folder, name, specs[name]) for name in _TABLES}
    return Reference(
        **frames, manifest=manifest, newest_edition=manifest["newest_edition"], folder=folder
    )


def load_reference(folder: str | Path | None = None) -> Reference:
    """The reference tables of `folder` (default: the embedded `reference/`), cached per folder."""
    return _load(Path(folder).resolve() if folder else reference_dir().resolve())
