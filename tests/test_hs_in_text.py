"""HS codes written in the product column (issue 16, item 3)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from riskscreen.match.product_hs import hs_in_text
from riskscreen.match.products import resolve_products
from riskscreen.scoring import load_thresholds

DATA = Path(__file__).parent / "data"


def _read(texts: list[str]) -> list[str | None]:
    return pl.select(hs_in_text(pl.lit(pl.Series(texts, dtype=pl.String)))).to_series().to_list()


def test_codes_from_the_issue_are_read():
    assert _read(["0905.10", "854143", "5201.00.10", "HS 5201 raw cotton"]) == [
        "090510", "854143", "52010010", "5201"]


@pytest.mark.parametrize("text, code", [
    ("HTS# 9503.00.0073", "9503000073"), ("NCM 0901.11.10", "09011110"),
    ("Zolltarifnummer 6109 10 00", "61091000"), ("Cotton yarn 5205.11", "520511"),
    ("HS 6109 100% cotton", "6109"), ("HSN code 6109", "6109"), ("6403 99 60", "64039960"),
])
def test_labels_and_dotted_codes(text, code):
    assert _read([text]) == [code]


@pytest.mark.parametrize("text", [
    "T-shirt 180 gsm", "Order 4500012345 garments", "PO 2024-118 t-shirts", "2024", "1000",
    "12", "Laptop model 8541", "Pallet 1200x800", "Cotton 2024/25 crop", "Jeans 32/34",
])
def test_other_numbers_are_not_codes(text):
    assert _read([text]) == [None]


def test_bare_code_gives_the_good_with_method_hs_code():
    out = resolve_products(["854143", "0905.10"]).sort("product_input")
    assert out["good_id"].to_list() == ["vanilla", "solar_modules"]
    assert set(out["good_method"]) == {"hs_code"}


@pytest.mark.parametrize("name", ["eval_hs_in_text.csv", "eval_hs_in_text_blind.csv"])
def test_eval_sets_at_least_90_percent_right(name):
    data = pl.read_csv(DATA / name, infer_schema=False, comment_prefix="#")
    out = resolve_products(data["product"], data["hs_code"])
    joined = data.join(out, left_on=["product", "hs_code"], right_on=["product_input", "hs_input"],
                       how="left", nulls_equal=True, maintain_order="left")
    accept = load_thresholds()["accept_confidence"]
    got = joined.select(pl.when(pl.col("good_confidence") >= accept).then("good_id")).to_series()
    right = sum(e == g for e, g in zip(data["expected_good_id"].to_list(), got.to_list(),
                                       strict=True))
    assert right / data.height >= 0.9
