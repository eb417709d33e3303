"""Build the reference tables from ILAB's XML files: parse, map names, write CSV + provenance.

`build_reference(ilab_dir, out_dir)` is what `riskscreen reference build` runs. Tables are
sorted and carry no timestamp, so rebuilding from the same sources reproduces them byte for
byte; only `manifest.json` records the build date. The FAO production table comes from
FAOSTAT.nc (`riskscreen.reference.fao`) when a source is at hand, else it is carried over.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from pathlib import Path
from typing import Any

import polars as pl
import pycountry

from riskscreen import __version__
from riskscreen.checksum import file_sha256
from riskscreen.errors import ReferenceError_
from riskscreen.reference import assemble, fao, provenance
from riskscreen.reference.country_names import build_country_names
from riskscreen.reference.ilab_names import country_iso3_map, good_id_map, region_map
from riskscreen.reference.ilab_xml import parse_countries_file, parse_goods_file
from riskscreen.reference.watchlists import build_watchlists
from riskscreen.reference.write import write_table, write_text

log = logging.getLogger(__name__)
_FILE = re.compile(r"^(goods|countries)_(\d{4})\.xml$")
TABLES = ("countries", "country_indicators", "goods", "good_names", "listings", "editions")


def discover(ilab_dir: Path) -> list[tuple[str, str, Path]]:
    """(kind, edition, path) of every goods_YYYY.xml / countries_YYYY.xml, sorted."""
    found = []
    for path in sorted(Path(ilab_dir).glob("*.xml")):
        match = _FILE.match(path.name)
        if match:
            found.append((match.group(1), match.group(2), path))
    if not found:
        raise ReferenceError_(f"no goods_YYYY.xml or countries_YYYY.xml files in {ilab_dir}")
    return found


def _parse_all(files: list[tuple[str, str, Path]]) -> tuple[assemble.Parsed, dict[str, dict]]:
    parsed = assemble.Parsed()
    years: dict[str, str] = {}
    for kind, edition, path in files:
        if kind == "goods":
            parsed.goods_entries[edition], parsed.goods_lists[edition] = parse_goods_file(path)
        else:
            profiles, entries, year = parse_countries_file(path)
            parsed.profiles[edition], parsed.country_entries[edition] = profiles, entries
            years[path.name] = year
    return parsed, years


def _file_stats(
    files, parsed: assemble.Parsed, iso3: dict[str, str], years: dict[str, str]
) -> dict[str, dict[str, Any]]:
    stats = {}
    for kind, edition, path in files:
        if kind == "goods":
            entries = parsed.goods_entries[edition]
            goods = {g["name"] for g in parsed.goods_lists[edition]}
            countries = {iso3[e["country_name"]] for e in entries}
            stats[path.name] = {
                "records": len(entries),
                "countries": len(countries),
                "goods": len(goods),
            }
        else:
            profiles = parsed.profiles[edition]
            goods = {e["good_name"] for e in parsed.country_entries[edition]}
            stats[path.name] = {
                "records": len(profiles),
                "countries": len({iso3[p["ilab_name"]] for p in profiles}),
                "goods": len(goods),
                "reporting_year": years[path.name],
            }
    return stats


def _hooks(out_dir: Path, watchlist_dir: Path | None) -> tuple[Any, list[dict]]:
    """Build the country names, and the watchlists when their source folder is at hand."""
    country_names = build_country_names(out_dir)
    if watchlist_dir is None or not Path(watchlist_dir).is_dir():
        log.warning("watchlists not built: no folder %s", watchlist_dir)
        return country_names, [{"skipped": f"no watchlist folder {watchlist_dir}"}]
    return country_names, build_watchlists(Path(watchlist_dir), out_dir)


def _fao_production(out_dir: Path, fao_file: Path | None, curated: str | None) -> dict:
    """Build fao_production.csv from `fao_file`, else from an installed agrifoodpy_data package,
    else carry the embedded table over; return its manifest entry."""
    if fao_file is not None:
        return fao.build_fao_production(Path(fao_file), out_dir, curated)
    found = fao.installed_source()
    if found is not None and fao.h5py_available():
        log.info("FAO production from the installed %s package: %s", fao.PACKAGE, found)
        return fao.build_fao_production(found, out_dir, curated)
    if found is not None:
        log.warning("%s is installed but h5py is not: %s", fao.PACKAGE, fao.INSTALL_HINT)
    return fao.carry_over(out_dir)


def build_reference(
    ilab_dir: Path,
    out_dir: Path,
    *,
    watchlist_dir: Path | None = None,
    curated_dir: Path | None = None,
    built: str | None = None,
    fao_file: Path | None = None,
) -> dict:
    """Build every reference table from `ilab_dir` into `out_dir`; return the manifest.

    Raises ReferenceError_ listing every country or good spelling that cannot be mapped.
    `curated_dir` holds the curated mapping tables (default: the package's reference folder);
    `built` overrides the manifest's build date (ISO date, default today in UTC).
    `fao_file` is FAOSTAT.nc for the FAO production table (default: the one of an installed
    `agrifoodpy_data` package; without either the embedded table is carried over unchanged).
    """
    ilab_dir, out_dir = Path(ilab_dir), Path(out_dir)
    curated = str(curated_dir) if curated_dir else None
    files = discover(ilab_dir)
    parsed, years = _parse_all(files)
    iso3 = country_iso3_map(parsed.country_names(), curated)
    good_id = good_id_map(parsed.good_names(), curated)
    regions = region_map(curated)

    listings = assemble.listings_frame(parsed, iso3, good_id)
    good_names = assemble.good_names_frame(parsed, good_id)
    goods = assemble.goods_frame(parsed, good_id, listings, good_names)
    indicators = assemble.indicators_frame(parsed, iso3, regions)
    countries = assemble.countries_frame(parsed, iso3, regions, indicators, listings)
    editions = provenance.editions_frame(files, _file_stats(files, parsed, iso3, years), curated)
    # URLs live once per country in countries.csv, not per edition.
    built_frames = (countries, indicators.drop("ilab_url"), goods, good_names, listings, editions)
    frames = dict(zip(TABLES, built_frames, strict=True))

    out_dir.mkdir(parents=True, exist_ok=True)
    # FAO first: if its source cannot be read or mapped, nothing else has been overwritten.
    fao_entry = _fao_production(out_dir, fao_file, curated)
    for name, frame in frames.items():
        write_table(frame, out_dir / f"{name}.csv")
    rows = {name: frame.height for name, frame in frames.items()}
    if "rows" in fao_entry:
        rows["fao_production"] = fao_entry["rows"]
    write_text(
        out_dir / "SOURCES.md", provenance.sources_markdown(editions, rows, curated, fao_entry)
    )

    if watchlist_dir is None and (ilab_dir.parent / "watchlists").is_dir():
        watchlist_dir = ilab_dir.parent / "watchlists"
    country_names, watchlists = _hooks(out_dir, watchlist_dir)
    manifest = _manifest(frames, editions, out_dir, curated, built, country_names, watchlists)
    _add_fao(manifest, out_dir, fao_entry)
    write_text(
        out_dir / "manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
    )
    return manifest


def _manifest(
    frames: dict[str, pl.DataFrame],
    editions: pl.DataFrame,
    out_dir: Path,
    curated: str | None,
    built: str | None,
    country_names: Any,
    watchlists: list[dict],
) -> dict:
    listings = frames["listings"]
    goods_editions = editions.filter(pl.col("kind") == "goods")["edition"]
    finding_editions = editions.filter(pl.col("kind") == "countries")["edition"]
    return {
        "name": "riskscreen reference data",
        "tool": "riskscreen",
        "tool_version": __version__,
        "built": built or dt.datetime.now(dt.timezone.utc).date().isoformat(),
        "publisher": provenance.PUBLISHER,
        "licence": provenance.LICENCE,
        "origin": provenance.ORIGIN,
        "newest_edition": listings["edition"].max(),
        "newest_goods_edition": goods_editions.max(),
        "newest_findings_edition": finding_editions.max(),
        "listing_editions": sorted(listings["edition"].unique().to_list()),
        "sources": [
            {**r, "publisher": provenance.PUBLISHER, "licence": provenance.LICENCE}
            for r in editions.iter_rows(named=True)
        ],
        "tables": {
            name: {
                "file": f"{name}.csv",
                "rows": frame.height,
                "sha256": file_sha256(out_dir / f"{name}.csv"),
                "columns": {col: str(dtype) for col, dtype in frame.schema.items()},
            }
            for name, frame in frames.items()
        },
        "curated_tables": provenance.curated_hashes(curated),
        "pycountry_version": _pycountry_version(),
        "country_names": country_names,
        "watchlists": watchlists,
    }


def _add_fao(manifest: dict, out_dir: Path, entry: dict) -> None:
    """Record the FAO table with the others under "tables", and its provenance entry."""
    if "rows" in entry:
        manifest["tables"][fao.TABLE] = {
            "file": f"{fao.TABLE}.csv",
            "rows": entry["rows"],
            "sha256": file_sha256(out_dir / f"{fao.TABLE}.csv"),
            "columns": {col: str(dtype) for col, dtype in fao.COLUMNS.items()},
        }
    manifest[fao.TABLE] = entry


def _pycountry_version() -> str:
    try:
        from importlib.metadata import version

        return version("pycountry")
    except Exception:  # metadata missing in unusual installs
        return getattr(pycountry, "__version__", "unknown")
