"""FAO production table: FAOSTAT food-balance production per country x FAO item x year.

`build_fao_production(source, out_dir)` reads `FAOSTAT.nc` as shipped by the PyPI package
`agrifoodpy_data` (netCDF4, i.e. HDF5, read with h5py) and writes `fao_production.csv` with the
columns iso3, item_code, item, year, production_kt (thousand tonnes). Only the derived figures
are kept; the source file is pinned by its SHA-256 in the manifest, never copied.

Rules: finite production above zero; FAO area codes below 5000 (5000 and above are regional
aggregates); years from `MIN_YEAR`; values rounded to 2 decimals; sorted by iso3, item_code,
year. Area names become ISO alpha-3 codes through the curated `reference/fao_areas.csv` first
(overrides and exclusions), then the project's country resolver; the build fails on any area
that neither places with confidence.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import json
import logging
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from riskscreen.checksum import file_sha256
from riskscreen.errors import ReferenceError_
from riskscreen.match.countries import resolve_countries
from riskscreen.paths import reference_dir
from riskscreen.reference.load import PRODUCTION_COLUMNS as COLUMNS
from riskscreen.reference.load import PRODUCTION_TABLE as TABLE
from riskscreen.reference.write import write_table
from riskscreen.tables import read_table

log = logging.getLogger(__name__)

AREAS_TABLE = "fao_areas"
PACKAGE = "agrifoodpy_data"
PACKAGE_FILE = ("food", "data", "FAOSTAT.nc")
PUBLISHER = "Food and Agriculture Organization of the United Nations (FAO), FAOSTAT"
DATASET = "FAOSTAT Food Balances, element 'production', thousand tonnes"
LICENCE = (
    "FAO Statistical Database Terms of Use: datasets under CC BY-NC-SA 3.0 IGO unless stated "
    "otherwise (https://www.fao.org/contact-us/terms/db-terms-of-use/)"
)
CARRIED_OVER = "carried over from the embedded reference"
INSTALL_HINT = "pip install 'riskscreen[reference]' (or: pip install h5py)"

MIN_YEAR = 2014
"""First year kept: two years before the oldest ILAB edition (2016), so the model's 3-year
production window is complete for every edition."""
AGGREGATE_CODE = 5000
"""FAO area codes from this one up are regional aggregates (World, Africa, ...), not countries."""
MIN_CONFIDENCE = 0.9
"""Resolver confidence an area name needs to be placed without a curated row."""



def installed_source() -> Path | None:
    """FAOSTAT.nc of an installed `agrifoodpy_data` package, or None; nothing is imported."""
    try:
        spec = importlib.util.find_spec(PACKAGE)
    except (ImportError, ValueError):
        return None
    for location in (spec.submodule_search_locations or []) if spec else []:
        path = Path(location).joinpath(*PACKAGE_FILE)
        if path.is_file():
            return path
    return None


def h5py_available() -> bool:
    """Whether h5py can be imported, without importing it."""
    return importlib.util.find_spec("h5py") is not None


def _h5py() -> Any:
    """Import h5py on demand: it is needed only to rebuild this table, not to screen."""
    try:
        import h5py
    except ImportError as exc:
        raise ReferenceError_(
            f"reading FAO's FAOSTAT.nc needs h5py, which is not installed: {INSTALL_HINT}"
        ) from exc
    return h5py


def source_package(source: Path) -> dict[str, str]:
    """Package and version of the wheel `source` came from, when that is provable.

    Known only when `source` sits at agrifoodpy_data/food/data/FAOSTAT.nc beside exactly one
    agrifoodpy_data-*.dist-info whose RECORD lists the file with this very SHA-256 (installed
    package or unpacked wheel); otherwise {}.
    """
    source = Path(source).resolve()
    parents = source.parents
    if len(parents) < 4 or parents[2].name != PACKAGE:
        return {}
    infos = sorted(parents[3].glob(f"{PACKAGE}-*.dist-info"))
    if len(infos) != 1:
        return {}
    record, metadata = infos[0] / "RECORD", infos[0] / "METADATA"
    if not (record.is_file() and metadata.is_file()):
        return {}
    digest = base64.urlsafe_b64encode(hashlib.sha256(source.read_bytes()).digest())
    wanted = f"{'/'.join((PACKAGE, *PACKAGE_FILE))},sha256={digest.decode().rstrip('=')},"
    if not any(line.startswith(wanted) for line in record.read_text("utf-8").splitlines()):
        return {}
    for line in metadata.read_text("utf-8").splitlines():
        if line.startswith("Version:"):
            return {"package": PACKAGE, "package_version": line.split(":", 1)[1].strip()}
    return {"package": PACKAGE}


def _read_cells(source: Path, min_year: int) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """(cells, areas, items) from FAOSTAT.nc: the positive production cells of countries from
    `min_year` (area_code, year, item_code, production_kt) and the code -> name lists."""
    h5py = _h5py()
    try:
        with h5py.File(source, "r") as nc:
            area_codes, area_names = nc["Region"][:], nc["Region_name"].asstr()[:]
            years, item_codes = nc["Year"][:], nc["Item"][:]
            item_names = nc["Item_name"].asstr()[:]
            production = nc["production"][:]
    except KeyError as exc:
        raise ReferenceError_(f"{source} is not a FAOSTAT food-balance file: {exc}") from exc
    except OSError as exc:
        raise ReferenceError_(f"cannot read {source} as netCDF4/HDF5: {exc}") from exc
    if production.shape != (len(area_codes), len(years), len(item_codes)):
        raise ReferenceError_(
            f"{source}: 'production' has shape {production.shape}, expected (Region, Year, Item)"
        )
    keep_area, keep_year = area_codes < AGGREGATE_CODE, years >= min_year
    values = production[keep_area][:, keep_year]
    a, y, i = np.nonzero(np.isfinite(values) & (values > 0))
    cells = pl.DataFrame(
        {
            "area_code": area_codes[keep_area][a].astype(np.int64),
            "year": years[keep_year][y].astype(np.int64),
            "item_code": item_codes[i].astype(np.int64),
            "production_kt": values[a, y, i].astype(np.float64),
        }
    )
    areas = pl.DataFrame({"area_code": area_codes.astype(np.int64), "area": area_names.tolist()})
    items = pl.DataFrame({"item_code": item_codes.astype(np.int64), "item": item_names.tolist()})
    for name, frame in (("area", areas), ("item", items)):
        if frame[f"{name}_code"].is_duplicated().any():
            raise ReferenceError_(f"{source}: duplicate {name} codes")
    return cells, areas, items


def _curated_areas(areas: pl.DataFrame, curated_dir: str | None) -> pl.DataFrame:
    """reference/fao_areas.csv as (area_code, iso3); fails when a row names another area than
    the file does for that code, so a stale override cannot silently apply to a new area."""
    table = read_table(AREAS_TABLE, curated_dir).select(
        pl.col("area_code").str.strip_chars().cast(pl.Int64),
        pl.col("fao_name").str.strip_chars(),
        pl.col("iso3").str.strip_chars().replace("", None),
    )
    stale = table.join(areas, on="area_code").filter(pl.col("fao_name") != pl.col("area"))
    if stale.height:
        raise ReferenceError_(
            f"reference/{AREAS_TABLE}.csv disagrees with the FAO file on area names: "
            + "; ".join(
                f"{r['area_code']} is {r['area']!r}, not {r['fao_name']!r}"
                for r in stale.iter_rows(named=True)
            )
        )
    return table.select("area_code", "iso3")


def area_iso3(areas: pl.DataFrame, curated_dir: str | None = None) -> pl.DataFrame:
    """(area_code, area) -> (area_code, iso3); iso3 null = left out (curated exclusion).

    Curated rows win; every other area must resolve with confidence >= MIN_CONFIDENCE, else a
    ReferenceError_ names each such area with the resolver's best guess.
    """
    curated = _curated_areas(areas, curated_dir)
    rest = areas.join(curated, on="area_code", how="anti")
    resolved = rest.join(
        resolve_countries(rest["area"]).select(
            pl.col("input").alias("area"), "country_iso3", "country_confidence"
        ),
        on="area",
        how="left",
    )
    sure = pl.col("country_iso3").is_not_null() & (pl.col("country_confidence") >= MIN_CONFIDENCE)
    unsure = resolved.filter(~sure.fill_null(False)).sort("area_code")
    if unsure.height:
        raise ReferenceError_(
            f"{unsure.height} FAO area(s) have no confident ISO code; add them to "
            f"reference/{AREAS_TABLE}.csv (area_code, fao_name, iso3, note): "
            + "; ".join(
                f"{r['area_code']} {r['area']!r} (best guess {r['country_iso3'] or 'none'}, "
                f"confidence {r['country_confidence'] or 0:.2f})"
                for r in unsure.iter_rows(named=True)
            )
        )
    placed = resolved.select("area_code", pl.col("country_iso3").alias("iso3"))
    return pl.concat([curated.join(areas, on="area_code", how="semi"), placed])


def _check_unique(frame: pl.DataFrame, areas: pl.DataFrame, source: Path) -> None:
    """Fail when two FAO areas land on one (iso3, item, year), e.g. a former state resolved to
    its successor; the table must hold one figure per key."""
    clash = frame.filter(pl.struct("iso3", "item_code", "year").is_duplicated())
    if clash.height:
        names = clash.join(areas, on="area_code").group_by("iso3").agg(pl.col("area").unique())
        raise ReferenceError_(
            f"{source}: several FAO areas map to one country; exclude or re-map them in "
            f"reference/{AREAS_TABLE}.csv: "
            + "; ".join(
                f"{r['iso3']}: {', '.join(sorted(r['area']))}"
                for r in names.sort("iso3").iter_rows(named=True)
            )
        )


def fao_production_frame(
    source: Path, curated_dir: str | Path | None = None, *, min_year: int = MIN_YEAR
) -> pl.DataFrame:
    """The FAO production table built from FAOSTAT.nc at `source` (see the module docstring).

    `curated_dir` holds fao_areas.csv (default: the package's reference folder); `min_year` is
    the first year kept (default MIN_YEAR). Needs h5py.
    """
    source = Path(source)
    if not source.is_file():
        raise ReferenceError_(f"FAO source file {source} does not exist")
    curated = str(curated_dir) if curated_dir else None
    cells, areas, items = _read_cells(source, min_year)
    present = areas.join(cells.select("area_code").unique(), on="area_code", how="semi")
    iso3 = area_iso3(present, curated)
    frame = cells.join(iso3, on="area_code").filter(pl.col("iso3").is_not_null())
    _check_unique(frame, areas, source)
    return (
        frame.join(items, on="item_code")
        .with_columns(pl.col("production_kt").round(2))
        .select(list(COLUMNS))
        .cast(COLUMNS)
        .sort("iso3", "item_code", "year")
    )


def table_stats(frame: pl.DataFrame) -> dict[str, Any]:
    """Row, country, item and year counts of a production table, for the manifest."""
    return {
        "rows": frame.height,
        "countries": frame["iso3"].n_unique(),
        "items": frame["item_code"].n_unique(),
        "years": sorted(frame["year"].unique().to_list()),
    }


def build_fao_production(
    source: Path,
    out_dir: Path,
    curated_dir: str | Path | None = None,
    *,
    min_year: int = MIN_YEAR,
) -> dict[str, Any]:
    """Write `out_dir/fao_production.csv` from FAOSTAT.nc at `source`; return its manifest entry.

    The entry pins the source (file name, SHA-256, package and version when provable) and says
    what was kept (rows, countries, items, years) and under which terms (publisher, licence).
    """
    source, out_dir = Path(source), Path(out_dir)
    frame = fao_production_frame(source, curated_dir, min_year=min_year)
    out_dir.mkdir(parents=True, exist_ok=True)
    write_table(frame, out_dir / f"{TABLE}.csv")
    return {
        "table": f"{TABLE}.csv",
        "source_file": source.name,
        "sha256": file_sha256(source),
        **source_package(source),
        "dataset": DATASET,
        "publisher": PUBLISHER,
        "licence": LICENCE,
        "min_year": min_year,
        **table_stats(frame),
    }


def read_production(path: Path) -> pl.DataFrame:
    """A fao_production.csv with the table's dtypes."""
    return pl.read_csv(path, schema=COLUMNS, encoding="utf8")


def carry_over(out_dir: Path) -> dict[str, Any]:
    """Keep the embedded reference's table when no FAO source is at hand.

    Copies it into `out_dir` when that is another folder, and returns the embedded manifest's
    provenance with `"source": CARRIED_OVER` and counts re-read from the file.
    """
    embedded, out_dir = reference_dir().resolve(), Path(out_dir)
    src = embedded / f"{TABLE}.csv"
    if not src.is_file():
        log.warning("FAO production not built: no source and no embedded %s", src)
        return {"skipped": f"no FAO source and no embedded {TABLE}.csv"}
    log.warning(
        "FAO production %s: no FAOSTAT.nc given and no agrifoodpy_data package found", CARRIED_OVER
    )
    target = out_dir / f"{TABLE}.csv"
    if target.resolve() != src:
        out_dir.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, target)
    try:
        manifest = json.loads((embedded / "manifest.json").read_text(encoding="utf-8"))
        previous = dict(manifest.get(TABLE) or {})
    except (OSError, ValueError):
        previous = {}
    previous.pop("skipped", None)
    return {
        **previous,
        "table": f"{TABLE}.csv",
        "source": CARRIED_OVER,
        **table_stats(read_production(target)),
    }
