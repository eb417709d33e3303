"""FAO production table: rebuilt byte for byte from FAOSTAT.nc, filtered and mapped as documented.

The rebuild needs h5py and FAOSTAT.nc (an installed `agrifoodpy_data` package, or the file named
by RISKSCREEN_FAO_FILE) and skips without them; the synthetic-file tests need h5py only; the
loader and carry-over tests need neither.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import sys
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from click.testing import CliRunner

from riskscreen.checksum import file_sha256
from riskscreen.cli import main
from riskscreen.errors import ReferenceError_
from riskscreen.reference import build_reference, fao, load_reference
from riskscreen.reference.build import TABLES
from riskscreen.reference.build import _fao_production as fao_step

REPO = Path(__file__).resolve().parents[1]
COMMITTED = REPO / "reference"
HAS_H5PY = importlib.util.find_spec("h5py") is not None
needs_h5py = pytest.mark.skipif(
    not HAS_H5PY, reason="h5py is not installed (pip install 'riskscreen[reference]')"
)
DTYPES = {
    "iso3": pl.String,
    "item_code": pl.Int64,
    "item": pl.String,
    "year": pl.Int64,
    "production_kt": pl.Float64,
}


def _committed_manifest() -> dict:
    return json.loads((COMMITTED / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def fao_source() -> Path:
    """The real FAOSTAT.nc: RISKSCREEN_FAO_FILE, else the installed agrifoodpy_data package's."""
    if not HAS_H5PY:
        pytest.skip("h5py is not installed (pip install 'riskscreen[reference]')")
    env = os.environ.get("RISKSCREEN_FAO_FILE")
    source = Path(env) if env else fao.installed_source()
    if source is None or not source.is_file():
        pytest.skip("no FAOSTAT.nc: install agrifoodpy_data or set RISKSCREEN_FAO_FILE")
    return source


# --- (a) the committed table is reproduced from the source ---------------------------------


def test_rebuild_from_faostat_is_byte_identical(tmp_path, fao_source):
    entry = fao.build_fao_production(fao_source, tmp_path)
    built = tmp_path / "fao_production.csv"
    assert built.read_bytes() == (COMMITTED / "fao_production.csv").read_bytes()
    recorded = _committed_manifest()["fao_production"]
    assert entry["sha256"] == recorded["sha256"] == file_sha256(fao_source)
    assert {k: entry[k] for k in ("rows", "countries", "items", "years", "min_year")} == {
        k: recorded[k] for k in ("rows", "countries", "items", "years", "min_year")
    }


# --- (b) rules, on a small synthetic file ---------------------------------------------------

YEARS = [2012, 2013, 2014, 2015]
ITEMS = [(2511, "Wheat and products"), (2536, "Sugar cane")]


def _write_nc(path: Path, areas: list[tuple[int, str]], cells: dict) -> Path:
    """A FAOSTAT.nc look-alike: Region/Year/Item coordinates and `production` (area, year, item);
    `cells` maps (area_code, year, item_code) to a value, every other cell is NaN."""
    import h5py

    production = np.full((len(areas), len(YEARS), len(ITEMS)), np.nan, dtype=np.float32)
    codes = [c for c, _ in areas]
    for (area, year, item), value in cells.items():
        index = codes.index(area), YEARS.index(year), [c for c, _ in ITEMS].index(item)
        production[index] = value
    text = h5py.string_dtype()
    with h5py.File(path, "w") as nc:
        nc["Region"] = np.array(codes, dtype=np.int64)
        nc.create_dataset("Region_name", data=[n for _, n in areas], dtype=text)
        nc["Year"] = np.array(YEARS, dtype=np.int64)
        nc["Item"] = np.array([c for c, _ in ITEMS], dtype=np.int64)
        nc.create_dataset("Item_name", data=[n for _, n in ITEMS], dtype=text)
        nc["production"] = production
    return path


BASE_AREAS = [
    (114, "Kenya"),
    (41, "China, mainland"),
    (351, "China"),
    (46, "Congo"),
    (5000, "World"),
    (5100, "Africa"),
]
BASE_CELLS = {
    (114, 2014, 2511): 3.14159,  # rounded to 3.14
    (114, 2015, 2511): 0.0,  # zero: dropped
    (114, 2014, 2536): -1.0,  # negative: dropped
    (114, 2013, 2511): 99.0,  # before MIN_YEAR: dropped
    (41, 2015, 2536): 1234.567,  # float32 1234.56702 -> 1234.57
    (351, 2015, 2536): 110000.0,  # the China aggregate: dropped
    (46, 2014, 2511): 1.0,
    (5000, 2014, 2511): 1e6,  # aggregates: dropped
    (5100, 2015, 2536): 5e5,
}


@pytest.fixture
def synthetic(tmp_path) -> Path:
    if not HAS_H5PY:
        pytest.skip("h5py is not installed")
    return _write_nc(tmp_path / "FAOSTAT.nc", BASE_AREAS, BASE_CELLS)


@needs_h5py
def test_rules_filter_map_round_and_sort(synthetic):
    frame = fao.fao_production_frame(synthetic)
    assert frame.schema == pl.Schema(DTYPES)
    assert frame.rows() == [
        ("CHN", 2536, "Sugar cane", 2015, 1234.57),
        ("COG", 2511, "Wheat and products", 2014, 1.0),
        ("KEN", 2511, "Wheat and products", 2014, 3.14),
    ]


@needs_h5py
def test_min_year_is_a_parameter(synthetic):
    frame = fao.fao_production_frame(synthetic, min_year=2012)
    assert frame.filter(pl.col("iso3") == "KEN")["year"].to_list() == [2013, 2014]


@needs_h5py
def test_build_writes_table_and_manifest_entry(synthetic, tmp_path):
    out = tmp_path / "out"
    entry = fao.build_fao_production(synthetic, out)
    assert (out / "fao_production.csv").read_text(encoding="utf-8").splitlines()[0] == (
        "iso3,item_code,item,year,production_kt"
    )
    assert entry["source_file"] == "FAOSTAT.nc" and entry["sha256"] == file_sha256(synthetic)
    assert "package" not in entry  # a loose file proves no package version
    assert (entry["rows"], entry["countries"], entry["items"]) == (3, 3, 2)
    assert entry["years"] == [2014, 2015] and entry["min_year"] == fao.MIN_YEAR
    assert "FAO" in entry["publisher"] and "CC BY-NC-SA 3.0 IGO" in entry["licence"]


@needs_h5py
def test_unknown_area_fails_naming_it(tmp_path):
    areas = [*BASE_AREAS, (990, "Atlantis"), (991, "Lemuria")]
    cells = {**BASE_CELLS, (990, 2015, 2511): 5.0, (991, 2014, 2536): 1.0}
    path = _write_nc(tmp_path / "FAOSTAT.nc", areas, cells)
    with pytest.raises(ReferenceError_, match="Atlantis") as info:
        fao.fao_production_frame(path)
    assert "Lemuria" in str(info.value) and "fao_areas.csv" in str(info.value)


@needs_h5py
def test_unknown_area_without_kept_figures_is_ignored(tmp_path):
    areas = [*BASE_AREAS, (990, "Atlantis")]
    path = _write_nc(tmp_path / "FAOSTAT.nc", areas, {**BASE_CELLS, (990, 2012, 2511): 5.0})
    assert fao.fao_production_frame(path).height == 3


@needs_h5py
def test_two_areas_on_one_country_fail(tmp_path):
    areas = [*BASE_AREAS, (999, "Republic of Kenya")]
    path = _write_nc(tmp_path / "FAOSTAT.nc", areas, {**BASE_CELLS, (999, 2014, 2511): 2.0})
    with pytest.raises(ReferenceError_, match="Republic of Kenya"):
        fao.fao_production_frame(path)


@needs_h5py
def test_stale_curated_row_fails(synthetic, tmp_path):
    curated = tmp_path / "curated"
    curated.mkdir()
    (curated / "fao_areas.csv").write_text(
        "area_code,fao_name,iso3,note\n46,Congo-Brazzaville,COG,\n", encoding="utf-8"
    )
    with pytest.raises(ReferenceError_, match="46 is 'Congo'"):
        fao.fao_production_frame(synthetic, curated)


@needs_h5py
def test_not_a_faostat_file(tmp_path):
    import h5py

    with h5py.File(tmp_path / "other.nc", "w") as nc:
        nc["x"] = np.zeros(3)
    with pytest.raises(ReferenceError_, match="not a FAOSTAT"):
        fao.fao_production_frame(tmp_path / "other.nc")


def test_missing_h5py_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "h5py", None)  # makes `import h5py` fail
    (tmp_path / "FAOSTAT.nc").write_bytes(b"")
    with pytest.raises(ReferenceError_, match=r"h5py.*riskscreen\[reference\]"):
        fao.fao_production_frame(tmp_path / "FAOSTAT.nc")


@needs_h5py
def test_build_step_uses_installed_package(synthetic, tmp_path, monkeypatch):
    monkeypatch.setattr(fao, "installed_source", lambda: synthetic)
    entry = fao_step(tmp_path / "out", None, None)
    assert entry["rows"] == 3 and "source" not in entry


# --- (c) the loader -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def production() -> pl.DataFrame:
    return load_reference().production


def test_loader_dtypes_and_coverage(production):
    assert production.schema == pl.Schema(DTYPES)
    assert production["iso3"].n_unique() > 150
    assert production.filter(pl.struct("iso3", "item_code", "year").is_duplicated()).is_empty()
    assert production["production_kt"].min() > 0
    assert production["year"].min() == fao.MIN_YEAR


def test_china_is_mainland_only_once_per_item_and_year(production):
    china = production.filter(pl.col("iso3") == "CHN")
    assert china.height > 0
    assert china.group_by("item_code", "year").len()["len"].max() == 1
    assert {"HKG", "MAC", "TWN"} <= set(production["iso3"].unique())


def test_production_is_read_lazily_and_once():
    ref = load_reference()
    assert ref.production is ref.production


def test_committed_manifest_pins_the_table():
    manifest = _committed_manifest()
    table = manifest["tables"]["fao_production"]
    assert table["sha256"] == file_sha256(COMMITTED / "fao_production.csv")
    assert table["columns"] == {k: str(v) for k, v in DTYPES.items()}
    assert manifest["curated_tables"]["fao_areas"] == file_sha256(COMMITTED / "fao_areas.csv")
    assert manifest["fao_production"]["rows"] == table["rows"]


def test_old_folder_without_fao_table_reads_embedded_copy(tmp_path):
    manifest = _committed_manifest()
    manifest["tables"].pop("fao_production")
    manifest.pop("fao_production")
    for name in TABLES:
        shutil.copyfile(COMMITTED / f"{name}.csv", tmp_path / f"{name}.csv")
    (tmp_path / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    old = load_reference(tmp_path)
    assert old.production.equals(load_reference().production)


def test_reference_info_lists_fao_source():
    result = CliRunner().invoke(main, ["reference", "info"])
    assert result.exit_code == 0, result.output
    assert "FAO production" in result.output and "FAOSTAT.nc" in result.output
    assert "fao_production.csv" in result.output


# --- (d) carry-over when no FAO source is at hand -------------------------------------------


def test_carry_over_copies_the_embedded_table(tmp_path):
    entry = fao.carry_over(tmp_path)
    assert (tmp_path / "fao_production.csv").read_bytes() == (
        COMMITTED / "fao_production.csv"
    ).read_bytes()
    assert entry["source"] == fao.CARRIED_OVER
    assert entry["sha256"] == _committed_manifest()["fao_production"]["sha256"]


@pytest.mark.shared
def test_build_without_fao_source_carries_table_over(tmp_path, monkeypatch, caplog, shared_data):
    monkeypatch.setattr(fao, "installed_source", lambda: None)
    manifest = build_reference(shared_data / "ilab", tmp_path)
    assert (tmp_path / "fao_production.csv").read_bytes() == (
        COMMITTED / "fao_production.csv"
    ).read_bytes()
    assert manifest["fao_production"]["source"] == "carried over from the embedded reference"
    assert manifest["tables"]["fao_production"] == _committed_manifest()["tables"]["fao_production"]
    assert "carried over" in caplog.text
    # The provenance text is the one of the build that made the table.
    assert (tmp_path / "SOURCES.md").read_bytes() == (COMMITTED / "SOURCES.md").read_bytes()
