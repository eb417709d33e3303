"""Seeded generator of realistic large supplier files for the benchmarks (no network).

Real supplier masters and purchase-order extracts repeat a few suppliers very often and most
rarely: rows are drawn from a pool of distinct suppliers with a Zipf-like skew, and every
supplier's country and product strings carry the messiness of the shipped example (codes,
spellings, languages, HS codes, addresses, blanks).

    python bench/generate.py 1000000 bench/data/suppliers_1m.csv
    python bench/generate.py 1000000 bench/data/vendors_1m.csv --shape vendor

Two shapes: `po` (the default: purchase lines over a Zipf-skewed pool of about n/20 suppliers)
and `vendor` (a vendor master: one row per vendor, names, countries and products drawn
independently, so almost every (name, country) pair is distinct — the hard case for name
screening, which works per distinct pair).
"""

from __future__ import annotations

import importlib.util
import random
import sys
from pathlib import Path

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parents[1]


def _example_vocabulary():
    spec = importlib.util.spec_from_file_location("make_example", ROOT / "examples" /
                                                  "make_example.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


_NOISE = (str.upper, str.lower, str.title, lambda s: f" {s} ", lambda s: s)


# A European buyer's master is mostly domestic and OECD suppliers: those profiles weigh more.
_HOME = {"Germany", "Deutschland", "DE", "United States", "USA", "France", "Netherlands",
         "Holland", "Italy", "Spain", "Various", "EU", ""}
_HOME_WEIGHT = 6


def supplier_pool(n_suppliers: int, seed: int = 8_7) -> pl.DataFrame:
    """Distinct suppliers, each with its own (messy) country, product, HS code and address."""
    vocab = _example_vocabulary()
    rng = random.Random(seed)
    weights = [_HOME_WEIGHT if p[0] in _HOME else 1 for p in vocab.PROFILES]
    rows = []
    for i in range(n_suppliers):
        if i % 997 == 13:
            name, country, product, hs, city = vocab.LISTED[(i // 997) % len(vocab.LISTED)]
        else:
            country, product, hs, city = rng.choices(vocab.PROFILES, weights)[0]
            name = (f"{rng.choice(vocab.BASES)} {rng.choice(vocab.TRADES)} "
                    f"{rng.choice(vocab.BASES)} {rng.choice(vocab.FORMS)} {i}").strip()
        country = rng.choice(_NOISE)(country) if country else country
        product = rng.choice(_NOISE)(product) if product and rng.random() < 0.3 else product
        rows.append((f"V{1_000_000 + i}", name, country, product, hs, city))
    return pl.DataFrame(rows, schema=["Vendor No.", "Vendor name", "Country of origin",
                                      "Material description", "HS code", "City / Address"],
                        orient="row")


def generate(n_rows: int, seed: int = 8_7) -> pl.DataFrame:
    """`n_rows` purchase lines over a skewed pool of about n/20 distinct suppliers (≥ 200)."""
    n_suppliers = max(200, min(50_000, n_rows // 20))
    pool = supplier_pool(n_suppliers, seed)
    gen = np.random.default_rng(seed)
    ranks = gen.zipf(1.3, size=n_rows) - 1
    ranks = np.where(ranks < n_suppliers, ranks, gen.integers(0, n_suppliers, n_rows))
    picks = gen.permutation(n_suppliers)[ranks]  # which supplier is popular is random
    frame = pool[picks.tolist()]
    spend = np.round(gen.lognormal(8.0, 1.5, n_rows), 2)
    return frame.with_columns(pl.Series("PO amount", spend).cast(pl.String))


def vendor_master(n_rows: int, seed: int = 8_7) -> pl.DataFrame:
    """`n_rows` vendors, one row each: names, countries, products and cities drawn
    independently (names from the example's name parts, one in three with a branch number);
    every 997th vendor is a listed entity's spelling, as in `supplier_pool`."""
    vocab = _example_vocabulary()
    gen = np.random.default_rng(seed)
    profiles = pl.DataFrame(vocab.PROFILES, schema=["country", "product", "hs", "city"],
                            orient="row")

    def pick(values: list, size: int = n_rows) -> pl.Series:
        return pl.Series(values)[gen.integers(0, len(values), size).tolist()]

    noise = gen.integers(0, 4, n_rows)
    country = pick(profiles["country"].to_list())
    country = (pl.DataFrame({"c": country, "k": noise}).select(
        pl.when(pl.col("k") == 0).then(pl.col("c").str.to_uppercase())
        .when(pl.col("k") == 1).then(pl.col("c").str.to_lowercase())
        .when(pl.col("k") == 2).then(" " + pl.col("c") + " ")
        .otherwise(pl.col("c")))).to_series()
    branch = gen.integers(0, 3 * n_rows, n_rows)
    names = pl.DataFrame({
        "a": pick(vocab.BASES), "t": pick(vocab.TRADES), "b": pick(vocab.BASES),
        "f": pick(vocab.FORMS), "n": branch,
    }).select(pl.concat_str(
        "a", "t", "b", "f",
        pl.when(pl.col("n") % 3 == 0).then(pl.col("n").cast(pl.String)),
        separator=" ", ignore_nulls=True)).to_series()
    listed = [row[0] for row in vocab.LISTED]
    idx = np.arange(n_rows)
    names = pl.DataFrame({"n": names, "i": idx}).select(
        pl.when(pl.col("i") % 997 == 13)
        .then(pl.lit(pl.Series(listed)).get(pl.col("i") // 997 % len(listed)))
        .otherwise(pl.col("n"))).to_series()
    rows = pick(list(range(profiles.height)))
    prof = profiles[rows.to_list()]
    return pl.DataFrame({
        "Vendor No.": pl.Series([f"V{1_000_000 + i}" for i in range(n_rows)]),
        "Vendor name": names,
        "Country of origin": country,
        "Material description": pick(profiles["product"].to_list()),
        "HS code": prof["hs"],
        "City / Address": prof["city"],
        "PO amount": pl.Series(np.round(gen.lognormal(8.0, 1.5, n_rows), 2)).cast(pl.String),
    })


def main(argv: list[str]) -> None:
    shape = "po"
    if "--shape" in argv:
        at = argv.index("--shape")
        shape = argv[at + 1]
        argv = argv[:at] + argv[at + 2:]
    n_rows = int(argv[1])
    out = Path(argv[2])
    out.parent.mkdir(parents=True, exist_ok=True)
    frame = vendor_master(n_rows) if shape == "vendor" else generate(n_rows)
    if out.suffix == ".xlsx":
        from openpyxl import Workbook

        wb = Workbook(write_only=True)
        ws = wb.create_sheet("PO lines")
        ws.append(frame.columns)
        for row in frame.iter_rows():
            ws.append(row)
        wb.save(out)
    elif out.suffix == ".parquet":
        frame.write_parquet(out)
    else:
        frame.write_csv(out)
    pairs = frame.select("Vendor name", "Country of origin").n_unique()
    print(f"wrote {out}: {frame.height} rows, {frame['Vendor name'].n_unique()} distinct "
          f"suppliers, {pairs} distinct (name, country) pairs")


if __name__ == "__main__":
    main(sys.argv)
