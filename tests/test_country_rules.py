"""Country and region rules in law and in ILAB's findings (issue 16 item 6, issue 18): rows of
`reference/watchlist_scope_rules.csv`, never code; such a country never comes out low."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

import riskscreen
from riskscreen.tables import read_table
from riskscreen.watchlists.scopes import law_rules, match_law_rules

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def screened() -> pl.DataFrame:
    rows = [
        ("North Korea", "seafood", ""), ("DPRK", "frozen fish fillets", ""),
        ("Eritrea", "gold", ""),
        ("Eritrea", "", ""), ("Burma", "garments", ""), ("South Sudan", "", ""),
        ("China", "", "Aksu City, Aksu Prefecture"), ("China", "", "Fukang Road, Changzhou"),
        ("Korea, Rep.", "seafood", ""),
    ]
    frame = pl.DataFrame(rows, schema=["Country", "Product", "Address"], orient="row")
    return riskscreen.screen(
        frame, columns={"country": "Country", "product": "Product", "address": "Address"}
    )


def test_rules_are_table_rows_with_their_phrase_and_threshold() -> None:
    rules = read_table("watchlist_scope_rules")
    assert set(rules["basis"]) == {"cbp_order", "law", "ilab_finding"}
    phrases = set(read_table("phrases")["key"])
    thresholds = set(read_table("thresholds")["key"])
    assert set(rules["reason_key"]) <= phrases
    assert set(rules["score_key"]) <= thresholds
    law = rules.filter(pl.col("basis") != "cbp_order")
    assert (law["scope_good_ids"] == "*").all()
    assert {"CHN", "PRK"} <= set(law.filter(pl.col("basis") == "law")["scope_iso3"])


def test_scoring_names_no_region() -> None:
    assert "xinjiang" not in (REPO / "riskscreen" / "scoring.py").read_text().lower()


def test_ilab_rows_follow_the_newest_findings() -> None:
    """Every country the newest Findings rate 'complicit in forced child labor' has a row, and
    no other country does (a rebuilt reference that changes the finding fails here)."""
    countries = read_table("countries")
    complicit = set(countries.filter(
        pl.col("advancement_level").fill_null("").str.to_lowercase().str.contains("complicit")
    )["iso3"])
    rules = read_table("watchlist_scope_rules").filter(pl.col("basis") == "ilab_finding")
    assert complicit and set(rules["scope_iso3"]) == complicit


def test_wildcard_and_region_matching() -> None:
    frame = pl.DataFrame({
        "country_iso3": ["CHN", "CHN", "PRK", "ERI", "KOR"],
        "region": ["Xinjiang", None, None, None, None],
        "good_id": [None, "cotton", "fish", None, "fish"],
    })
    out = match_law_rules(frame)
    assert out["rule_id"].to_list() == [
        "law-uflpa-xinjiang", None, "law-caatsa-321b-north-korea", "ilab-complicit-eritrea", None
    ]
    assert law_rules().height >= 5


def test_north_korea_goods_are_critical_citing_caatsa(screened: pl.DataFrame) -> None:
    nk = screened.filter(pl.col("country_iso3") == "PRK")
    assert nk.height == 2
    assert (nk["risk_tier"] == "critical").all()
    assert nk["reasons"].str.contains("CAATSA").all()
    assert nk["reasons"].str.contains("321\\(b\\)").all()


def test_complicit_governments_never_low(screened: pl.DataFrame) -> None:
    rows = screened.filter(pl.col("country_iso3").is_in(["ERI", "MMR", "SSD"]))
    assert rows.height == 4
    assert rows["risk_tier"].is_in(["high", "critical"]).all()
    assert rows["flagged"].all()
    assert rows["reasons"].str.contains("Findings on the Worst Forms of Child Labor").all()
    burma = rows.filter(pl.col("country_iso3") == "MMR")
    assert burma["risk_score"][0] > 70  # the floor never lowers a listing's own score


def test_region_rule_from_the_table(screened: pl.DataFrame) -> None:
    aksu, fukang = (screened.filter(pl.col("Address") == a) for a in
                    ("Aksu City, Aksu Prefecture", "Fukang Road, Changzhou"))
    assert aksu["risk_tier"][0] == "critical"
    assert "Uyghur Forced Labor Prevention Act" in aksu["reasons"][0]
    assert fukang["risk_tier"][0] != "critical"
    assert "Uyghur" not in (fukang["reasons"][0] or "")
    south = screened.filter(pl.col("country_iso3") == "KOR")
    assert south["risk_tier"][0] != "critical"  # South Korea is not North Korea


def test_floor_is_a_threshold_users_can_change() -> None:
    frame = pl.DataFrame({"Country": ["Eritrea"], "Product": ["gold"]})
    out = riskscreen.screen(frame, columns={"country": "Country", "product": "Product"},
                            thresholds={"state_complicit_score": 55})
    assert out["risk_score"][0] == 55
    assert out["risk_tier"][0] == "medium"
