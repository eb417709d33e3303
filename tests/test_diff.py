"""`riskscreen diff` pairs rows by supplier and names the cause of each change."""

from __future__ import annotations

import json
import random
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

import riskscreen
from riskscreen.cli import main
from riskscreen.diff import compare_outputs, read_options
from riskscreen.pipeline import run_screen, write_outputs

_PROFILES = [("China", "cotton yarn"), ("Bangladesh", "knitted T-shirts"), ("Germany", "screws"),
             ("Côte d'Ivoire", "cocoa beans"), ("India", "bricks"), ("Malaysia", "rubber gloves"),
             ("USA", "software licences"), ("Uzbekistan", "cotton"), ("Peru", "coffee"),
             ("Ghana", "gold")]


def _suppliers(n: int, seed: int, *, vendor: bool = True) -> pl.DataFrame:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        country, product = _PROFILES[i % len(_PROFILES)]
        name = f"{rng.choice(['Acme', 'Nordic', 'Golden', 'Star'])} Trading {i} Ltd"
        rows.append({"Vendor No.": f"V{1000 + i}", "Supplier": name, "Country": country,
                     "Product": product})
    frame = pl.DataFrame(rows)
    return frame if vendor else frame.drop("Vendor No.")


@pytest.fixture(scope="module")
def loaded():
    return {"reference": riskscreen.load_reference(), "model": riskscreen.load_model(),
            "watchlists": riskscreen.load_watchlists()}


def _run(frame: pl.DataFrame, folder: Path, name: str, loaded, **options) -> Path:
    src = folder / f"{name}_in.csv"
    frame.write_csv(src)
    out = folder / name
    write_outputs(run_screen(src, **loaded, **options), out)
    return out


@pytest.mark.parametrize("vendor", [True, False], ids=["vendor-number", "name-country-product"])
def test_resorted_list_with_one_added_supplier_is_one_change(tmp_path, loaded, vendor):
    base = _suppliers(40, 1, vendor=vendor)
    if not vendor:  # a duplicate supplier line: paired in order, not a change
        base = pl.concat([base, base[3:4]])
    old = _run(base, tmp_path, "old.csv", loaded)
    added = _suppliers(41, 1, vendor=vendor)[40:].with_columns(
        pl.lit("Dhaka Apparel 77").alias("Supplier"), pl.lit("BD").alias("Country"),
        pl.lit("garments").alias("Product"))
    shuffled = pl.concat([base, added]).sample(fraction=1.0, shuffle=True, seed=5)
    shuffled = shuffled.with_columns(pl.col("Supplier").str.to_uppercase())  # re-typed case
    new = _run(shuffled, tmp_path, "new.csv", loaded)
    result = compare_outputs(old, new)
    assert result.changes.height == 1, result.changes
    row = result.changes.row(0, named=True)
    assert row["change"] == "row_added" and "DHAKA APPAREL 77" in row["supplier"]
    assert row["row_id_old"] is None
    assert result.in_common == base.height and not result.warnings
    assert ("vendor number 'Vendor No.'" in result.paired_by) == vendor


@pytest.mark.parametrize("suffix", ["xlsx", "parquet", "csv"])
def test_changed_min_tier_is_named_as_the_cause(tmp_path, loaded, suffix):
    base = _suppliers(30, 2)
    old = _run(base, tmp_path, f"old.{suffix}", loaded)
    new = _run(base, tmp_path, f"new.{suffix}", loaded, min_tier="medium")
    assert read_options(old)["min_tier"] == "high"
    assert read_options(new)["min_tier"] == "medium"
    result = compare_outputs(old, new)
    newly = pl.read_csv(tmp_path / "new.csv", infer_schema=False) if suffix == "csv" else None
    assert result.changes.height > 0
    assert set(result.changes["change"]) == {"new_flag"}
    assert set(result.changes["tier_new"]) == {"medium"}
    assert (result.changes["cause"] == "--min-tier high → medium").all()
    assert result.option_changes == {"min_tier": ("high", "medium")}
    if newly is not None:
        assert json.loads((tmp_path / "new.csv.json").read_text())["thresholds"][
            "min_tier"] == "medium"


def test_changed_tier_cut_off_is_named(tmp_path, loaded):
    base = _suppliers(30, 3)
    old = _run(base, tmp_path, "old.parquet", loaded)
    new = _run(base, tmp_path, "new.parquet", loaded, thresholds={"tier_high": 60})
    result = compare_outputs(old, new)
    assert result.changes.height > 0
    assert result.changes["change"].str.contains("tier_change").all()
    assert result.changes["cause"].str.contains("tier cut-offs changed (tier_high 70 → 60)",
                                                literal=True).all()


def test_changed_reference_edition_is_named(tmp_path, loaded):
    old = pl.read_parquet(_run(_suppliers(20, 4), tmp_path, "old.parquet", loaded))
    new = old.with_columns(
        pl.when(pl.col("risk_tier") == "low").then(pl.lit("medium"))
        .otherwise(pl.col("risk_tier")).alias("risk_tier"),
        pl.lit("ILAB 2024 List of Goods").alias("reference_edition"))
    changes = compare_outputs(old, new).changes
    assert changes.height == (old["risk_tier"] == "low").sum() > 0
    assert changes["cause"].str.contains("ILAB reference edition ILAB 2022 List of Goods → "
                                         "ILAB 2024 List of Goods", literal=True).all()


def test_unrelated_files_warn(tmp_path, loaded):
    old = _run(_suppliers(30, 5), tmp_path, "old.csv", loaded)
    other = _suppliers(30, 6).with_columns(
        ("W" + pl.col("Vendor No.")).alias("Vendor No."),
        ("Other " + pl.col("Supplier")).alias("Supplier"))
    new = _run(pl.concat([other, _suppliers(1, 5)]), tmp_path, "new.csv", loaded)
    result = CliRunner().invoke(main, ["diff", str(old), str(new)])
    assert result.exit_code == 0, result.output
    assert "only 3 % of suppliers in common — are these runs of the same list?" in result.output
