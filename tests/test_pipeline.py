"""End-to-end screening through the Python API, on the shipped example and hand-made frames.

No resolver is mocked: these run the real reference tables, matchers, model and watchlists.
"""

from __future__ import annotations

import polars as pl
import pytest
from openpyxl import load_workbook

import riskscreen
from riskscreen.scoring import load_thresholds
from riskscreen.tiers import TIERS
from riskscreen.watchlists.scopes import match_law_rules

CONTRACT = {
    "row_id": pl.Int64,
    "country_iso3": pl.String,
    "country_confidence": pl.Float64,
    "good": pl.String,
    "good_confidence": pl.Float64,
    "listed_child_labour": pl.Boolean,
    "listed_forced_labour": pl.Boolean,
    "p_child_labour": pl.Float64,
    "p_forced_labour": pl.Float64,
    "p_any_finding": pl.Float64,
    "watchlist_name": pl.String,
    "watchlist_source": pl.String,
    "risk_score": pl.Int64,
    "risk_tier": pl.String,
    "flagged": pl.Boolean,
    "reasons": pl.String,
}


@pytest.fixture(scope="module")
def example(example_workbook):
    return riskscreen.screen(example_workbook)


@pytest.fixture(scope="module")
def handmade():
    rows = [
        ("Karakum Lint Trading", "Turkmenistan", "Cotton lint", None),  # forced labour list
        ("Abidjan Cocoa Export SARL", "Côte d'Ivoire", "Fèves de cacao", None),  # child labour list
        ("Berlin IT Beratung GmbH", "Deutschland", "IT consulting services", None),  # service
        ("Global Sourcing Ltd", "various", "Packaging", None),  # non-answer country
        ("Tianshan Agri Co", "Aksu, Xinjiang", "Apples", None),  # UFLPA region
        ("Hoshine Silicon Industry Co Ltd", "China", "silicon metal", None),  # UFLPA entity
        ("Mystery Trading", "Atlantis", "widgets", None),  # unknown country
        ("Dhaka Knit Ltd", "Bangladesh", None, "6109.10"),  # HS code only
    ]
    frame = pl.DataFrame(rows, schema=["Supplier", "Country", "Product", "HS code"], orient="row")
    return riskscreen.screen(frame)


def test_contract_columns_and_types(example):
    for col, dtype in CONTRACT.items():
        assert col in example.columns, col
        assert example.schema[col] == dtype, (col, example.schema[col])


def test_every_input_row_once_in_order(example, example_workbook):
    ws = load_workbook(example_workbook, read_only=True).active
    n_input = sum(
        1 for r in ws.iter_rows(min_row=2, values_only=True) if any(v is not None for v in r)
    )
    assert example.height == n_input
    assert example["row_id"].to_list() == list(range(1, n_input + 1))


def test_original_columns_first_and_unchanged(example, example_workbook):
    ws = load_workbook(example_workbook, read_only=True).active
    rows = list(ws.iter_rows(values_only=True))
    header = list(rows[0])
    assert example.columns[: len(header)] == header
    first = rows[1]
    assert example.row(0)[: len(header)][1] == first[1]  # supplier name verbatim
    assert example.row(0)[: len(header)][0] == first[0]


def test_tiers_flags_and_scores_are_consistent(example):
    assert set(example["risk_tier"].unique()) <= set(TIERS)
    scored = example.filter(pl.col("risk_tier") != "unknown")
    assert scored["risk_score"].is_between(0, 100).all()
    assert example.filter(pl.col("risk_tier") == "unknown")["risk_score"].is_null().all()
    flagged = example["risk_tier"].is_in(["critical", "high"])
    assert (example["flagged"] == flagged).all()
    # Listings always flag, and forced labour outranks child labour only.
    listed = example.filter(pl.col("listed_child_labour") | pl.col("listed_forced_labour"))
    assert listed.height > 0 and listed["flagged"].all()
    forced = example.filter(pl.col("listed_forced_labour"))["risk_score"]
    child_only = example.filter(
        pl.col("listed_child_labour")
        & ~pl.col("listed_forced_labour")
        & pl.col("watchlist_name").is_null()
        & (pl.col("region").is_null())
    )["risk_score"]
    assert forced.min() > child_only.max()


def test_model_score_is_the_either_finding_probability_as_documented(example):
    th = load_thresholds()
    caps = {"pair": th["model_pair_cap"], "sector": th["model_sector_cap"],
            "country": th["model_country_cap"]}
    ruled = match_law_rules(example.select("country_iso3", "region", "good_id"))["rule_id"]
    rows = example.filter(
        ~pl.col("listed_child_labour") & ~pl.col("listed_forced_labour")
        & pl.col("watchlist_name").is_null() & pl.col("scope_name").is_null()
        & pl.col("p_any_finding").is_not_null() & ruled.is_null()  # law / ILAB rules: floors
    )
    assert rows.height > 20
    for row in rows.iter_rows(named=True):
        level = "pair" if row["good_id"] else "sector" if row["sector"] else "country"
        expected = min(round(100 * row["p_any_finding"] ** th["model_exponent"]), caps[level])
        assert row["risk_score"] == expected, row["row_id"]
        assert row["p_any_finding"] >= max(row["p_child_labour"], row["p_forced_labour"]) - 1e-12


def test_every_scored_row_has_a_reason(example):
    scored = example.filter(pl.col("risk_tier") != "unknown")
    assert (scored["reasons"].str.len_chars() > 0).all()
    assert (example["reasons"].str.count_matches("; ") <= 2).all()


def _row(frame: pl.DataFrame, supplier: str) -> dict:
    return frame.filter(pl.col("Supplier") == supplier).row(0, named=True)


def test_forced_labour_listing(handmade):
    row = _row(handmade, "Karakum Lint Trading")
    assert row["country_iso3"] == "TKM" and row["good"] == "Cotton"
    assert row["listed_forced_labour"] and row["flagged"]
    assert "forced labour" in row["reasons"]


def test_child_labour_listing_from_french_input(handmade):
    row = _row(handmade, "Abidjan Cocoa Export SARL")
    assert row["country_iso3"] == "CIV" and row["good"] == "Cocoa"
    assert row["listed_child_labour"] and row["flagged"]
    assert "child labour" in row["reasons"]


def test_service_is_not_flagged(handmade):
    row = _row(handmade, "Berlin IT Beratung GmbH")
    assert row["country_iso3"] == "DEU"
    assert row["good"] is None and not row["flagged"]


def test_non_answer_country_goes_to_review_not_a_guess(handmade):
    row = _row(handmade, "Global Sourcing Ltd")
    assert row["country_iso3"] is None
    assert row["needs_review"] and row["risk_tier"] == "unknown"


def test_xinjiang_region_is_critical(handmade):
    row = _row(handmade, "Tianshan Agri Co")
    assert row["country_iso3"] == "CHN" and row["region"] == "Xinjiang"
    assert row["risk_tier"] == "critical"
    assert "UFLPA" in row["reasons"]


def test_watchlist_entity_is_critical(handmade):
    row = _row(handmade, "Hoshine Silicon Industry Co Ltd")
    assert row["watchlist_name"] is not None and "Hoshine" in row["watchlist_name"]
    assert row["risk_tier"] == "critical" and row["risk_score"] == 100
    # the hit names its list and the entity; that the lists are partial is said once, on the
    # Read me and Method sheets (it matters for a clean result, not for a hit)
    assert row["reasons"].startswith(row["watchlist_source"] + ": the supplier name matches")
    assert row["watchlist_name"] in row["reasons"]


def test_unknown_country_is_kept_and_marked(handmade):
    row = _row(handmade, "Mystery Trading")
    assert row["risk_tier"] == "unknown" and row["needs_review"]


def test_hs_code_alone_resolves_good(handmade):
    row = _row(handmade, "Dhaka Knit Ltd")
    assert row["good"] == "Garments" and row["good_method"] == "hs_code"
    assert row["listed_child_labour"] or row["listed_forced_labour"]


def test_screen_is_deterministic(handmade):
    frame = handmade.select(["Supplier", "Country", "Product", "HS code"])
    again = riskscreen.screen(frame)
    assert again.equals(handmade)


@pytest.fixture(scope="module")
def families():
    rows = [
        ("Pacific Seafood SA de CV", "El Salvador", "Frozen shrimp 16/20"),  # listed as Shellfish
        ("Chittagong Shrimp Ltd", "Bangladesh", "Frozen shrimp 16/20"),  # shrimp listed itself
        ("Ladrillera Andina SAS", "Colombia", "Bricks"),  # only clay bricks are listed there
        ("Jiangsu Sunrise PV Co Ltd", "China", "Solar panels 550W mono"),  # downstream listing
        ("Ningde Cell Pack Co", "China", "Lithium-ion battery packs"),  # input: DRC cobalt
        ("Bavaria Solar GmbH", "Germany", "Solar panels 550W mono"),  # no listing in Germany
    ]
    frame = pl.DataFrame(rows, schema=["Supplier", "Country", "Product"], orient="row")
    return riskscreen.screen(frame)


def test_parent_good_listing_applies_to_its_kinds(families):
    row = _row(families, "Pacific Seafood SA de CV")
    assert row["good"] == "Shrimp" and row["country_iso3"] == "SLV"
    assert row["listed_child_labour"] and row["flagged"]
    assert "(listed as Shellfish, of which Shrimp is a kind)" in row["reasons"]


def test_own_listing_is_cited_without_a_parent(families):
    row = _row(families, "Chittagong Shrimp Ltd")
    assert row["listed_child_labour"] and "listed as" not in row["reasons"]


def test_a_kinds_listing_does_not_extend_to_the_parent(families):
    row = _row(families, "Ladrillera Andina SAS")
    assert row["good"] == "Bricks" and row["country_iso3"] == "COL"
    assert not row["listed_child_labour"] and not row["listed_forced_labour"]


def test_downstream_listing_takes_its_inputs_findings(families):
    solar = _row(families, "Jiangsu Sunrise PV Co Ltd")
    assert solar["good"] == "Solar Modules" and solar["flagged"]
    assert solar["listed_forced_labour"] and not solar["listed_child_labour"]
    assert "made with inputs produced with forced labour (Polysilicon from China)" in (
        solar["reasons"])
    battery = _row(families, "Ningde Cell Pack Co")
    assert battery["listed_child_labour"] and not battery["listed_forced_labour"]
    assert "Cobalt ore" in battery["reasons"] and "Congo" in battery["reasons"]
    # a forced-labour listing ranks above a child-labour one, downstream too
    assert solar["risk_score"] > battery["risk_score"]


def test_downstream_listing_is_country_specific(families):
    row = _row(families, "Bavaria Solar GmbH")
    assert row["good"] == "Solar Modules" and row["country_iso3"] == "DEU"
    assert not row["listed_forced_labour"] and not row["flagged"]
