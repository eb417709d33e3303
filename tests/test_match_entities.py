"""Company-name screening against the watchlists, and country/region/good scope rules."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from riskscreen.watchlists import load_watchlists, match_scopes
from riskscreen.watchlists.names import OUTPUT_COLUMNS, screen_names, thresholds

DATA = Path(__file__).parent / "data"
LISTS = DATA / "watchlists"


def _hit(result: pl.DataFrame, name: str) -> dict:
    return result.filter(pl.col("name_input") == name).row(0, named=True)


@pytest.fixture(scope="module")
def noise() -> pl.DataFrame:
    rows = pl.read_csv(LISTS / "supplier_noise.csv", comment_prefix="#", infer_schema=False)
    return screen_names(rows["name"], rows["country"])


# --- evaluation targets ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def eval_sets() -> tuple[pl.DataFrame, pl.DataFrame]:
    listed = pl.read_csv(DATA / "eval_names_listed.csv", infer_schema=False)
    decoys = pl.read_csv(DATA / "eval_names_decoys.csv", infer_schema=False)
    return listed, decoys


def test_eval_sets_are_large_and_varied(eval_sets) -> None:
    listed, decoys = eval_sets
    assert listed.height >= 300 and decoys.height >= 5000
    kinds = set(listed["kind"])
    assert {"legal_form", "typo", "reordered", "romanisation", "alias",
            "chinese_characters", "dropped_word", "abbreviation"} <= kinds
    assert decoys.filter(pl.col("name").str.contains("(?i)xinjiang")).height >= 100


def test_recall_on_listed_variants_is_at_least_95_percent(eval_sets) -> None:
    listed, _ = eval_sets
    result = screen_names(listed["variant"], listed["country"])
    joined = listed.join(result, left_on=["variant", "country"],
                         right_on=["name_input", "country_input"], how="left")
    found = joined.select(
        pl.col("expected_entry_id").str.split(";").list.contains(pl.col("watchlist_entry_id"))
        .fill_null(False)
    ).to_series()
    assert found.mean() >= 0.95, joined.filter(~found).select("variant", "watchlist_name")


def test_at_most_half_a_percent_of_decoys_are_flagged(eval_sets) -> None:
    _, decoys = eval_sets
    result = screen_names(decoys["name"], decoys["country"])
    flagged = result.filter(pl.col("watchlist_method") != "none")
    assert flagged.height / result.height <= 0.005, flagged.select("name_input", "watchlist_name")


# --- individual behaviours ------------------------------------------------------------------

def test_named_producer_found_by_alias_despite_legal_form_noise(noise) -> None:
    hit = _hit(noise, "HOSHINE SILICON (JIAXING) INDUSTRY CO.,LTD")
    assert hit["watchlist_list"] == "cbp_wro"
    assert hit["watchlist_name"].startswith("Hoshine Silicon Industry Co., Ltd.")
    assert hit["watchlist_alias"] == "Hoshine Silicon (Jia Xing) Industry Co., Ltd."
    assert hit["watchlist_method"] in ("normalised", "fuzzy")
    assert hit["watchlist_score"] >= thresholds()["name_match_threshold"]
    assert "name_similarity=" in hit["watchlist_features"]
    assert "country_agrees=+0.05" in hit["watchlist_features"]


def test_country_name_input_and_legal_form_words(noise) -> None:
    hit = _hit(noise, "Xinjiang Tianshan Wool Textile Company Limited")
    assert hit["watchlist_entry_id"] == "uflpa-xinjiang-tianshan-wool-textile-co-ltd"
    assert hit["watchlist_method"] == "normalised"
    assert "legal_form_stripped_exact=1" in hit["watchlist_features"]
    assert hit["watchlist_source"] == "UFLPA Entity List (as of 2025-01-15)"


def test_fishing_vessels_match_only_with_the_right_number(noise) -> None:
    vessel = _hit(noise, "F/V Lien Yi Hsing No. 12")
    assert vessel["watchlist_entry_id"] == "cbp-2020-12-31-lien-yi-hsing-no-12-fishing-vessel"
    assert _hit(noise, "Tunago No 61")["watchlist_status"] == "revoked"
    other_boat = _hit(noise, "Yu Long No. 3")
    assert other_boat["watchlist_method"] == "none" and other_boat["watchlist_name"] is None


def test_revoked_order_is_reported_with_its_status(noise) -> None:
    hit = _hit(noise, "WRP Asia Pacific Sdn Bhd")
    assert hit["watchlist_status"] == "revoked" and hit["watchlist_section"] == "WRO"


def test_unrelated_company_is_not_flagged(noise) -> None:
    hit = _hit(noise, "Acme Cotton Traders LLC")
    assert hit["watchlist_method"] == "none" and hit["watchlist_score"] == 0.0


def test_shared_generic_words_do_not_make_a_hit() -> None:
    result = screen_names(["Xinjiang Tianshan Cement Co., Ltd.",
                           "Xinjiang Tianhe Wool Textile Co., Ltd."], ["CHN", "CHN"])
    assert result["watchlist_method"].to_list() == ["none", "none"]
    # …but the near miss is offered for review
    assert "Tianshan Wool Textile" in result["watchlist_candidates"][0]


def test_country_is_evidence_not_a_filter() -> None:
    name = "Xinjiang Daqo New Enegry"  # misspelt, so the score is below 1 and can move
    result = screen_names([name, name, name], ["CHN", None, "USA"])
    scores = result["watchlist_score"].to_list()
    assert scores[0] > scores[1] > scores[2] > 0.5
    daqo = "uflpa-xinjiang-daqo-new-energy-co-ltd"
    assert result["watchlist_entry_id"][:2].to_list() == [daqo, daqo]
    assert "country_agrees=+0.05" in result["watchlist_features"][0]
    differs = screen_names(["Xinjiang Daqo New Energy Co., Ltd."], ["USA"])
    assert differs["watchlist_method"][0] == "exact"  # a different country does not zero it
    assert differs["watchlist_score"][0] == pytest.approx(0.9)
    assert "country_differs=-0.1 (USA vs listed CHN)" in differs["watchlist_features"][0]


def test_chinese_characters_and_romanisation_variants() -> None:
    result = screen_names(["合盛硅业股份有限公司", "Sinkiang Production & Construction Corps"],
                          ["CHN", "CHN"])
    assert result["watchlist_alias"][0] == "合盛硅业股份有限公司"
    assert "Xinjiang Production and Construction Corps" in result["watchlist_name"][1]


def test_modified_user_order_is_found_and_not_active() -> None:
    wl = load_watchlists([LISTS / "my_list.csv"])
    result = screen_names(["LAKESIDE APPAREL", "Green Mountain Yarns Co"], ["BGD", "CHN"], wl)
    first, second = result.row(0, named=True), result.row(1, named=True)
    assert first["watchlist_list"] == "user-my-list"
    assert first["watchlist_status"] == "modified"
    assert first["watchlist_source"] == "User list my_list.csv (as of 2025-03-01)"
    assert second["watchlist_name"] == "Qingshan Example Spinning Co., Ltd."
    assert second["watchlist_status"] == "active"


def test_one_row_per_distinct_pair_in_first_seen_order() -> None:
    result = screen_names(
        pl.Series(["Ninestar Corp", None, "Ninestar Corp", "Ninestar Corp", "Other"]),
        pl.Series(["CHN", "CHN", "CHN", None, None]),
    )
    assert result.columns == OUTPUT_COLUMNS
    assert result.select("name_input", "country_input").rows() == [
        ("Ninestar Corp", "CHN"), ("Ninestar Corp", None), ("Other", None)
    ]
    assert result.schema["watchlist_score"] == pl.Float64


def test_mismatched_lengths_are_refused() -> None:
    with pytest.raises(ValueError, match="same length"):
        screen_names(["a", "b"], ["CHN"])


_SAMPLES = ["Ninestar Corporation", "XPCC", "合盛硅业", "Co., Ltd.", "  ", "&&&", "No. 2"]
_names = st.lists(st.one_of(st.none(), st.text(max_size=40), st.sampled_from(_SAMPLES)),
                  max_size=12)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(names=_names, data=st.data())
def test_arbitrary_unicode_is_handled(names: list[str | None], data) -> None:
    countries = data.draw(st.lists(st.sampled_from(["CHN", "USA", None, "Chna", "ü"]),
                                   min_size=len(names), max_size=len(names)))
    result = screen_names(names, countries)
    pairs = {(n, c) for n, c in zip(names, countries, strict=True) if n is not None}
    assert result.height == len(pairs)
    assert set(zip(result["name_input"], result["country_input"], strict=True)) == pairs
    assert result["watchlist_score"].is_between(0.0, 1.0).all()
    assert result["watchlist_method"].is_in(["exact", "normalised", "fuzzy", "none"]).all()
    assert result.equals(screen_names(names, countries))


# --- scope rules ----------------------------------------------------------------------------

def test_scope_rules_apply_by_country_region_and_good() -> None:
    rows = pl.read_csv(LISTS / "scope_rows.csv", comment_prefix="#", infer_schema=False)
    out = match_scopes(rows, load_watchlists())
    assert out.height == rows.height
    assert out["supplier"].to_list() == rows["supplier"].to_list()
    names = out["scope_name"].to_list()
    assert names[0] == "WRO 2018: Turkmenistan cotton"  # unrelated company name, TKM cotton
    assert names[1] is None  # Turkmen wheat is not covered
    assert names[2] == "WRO 2021: cotton and tomatoes from Xinjiang"
    assert names[3] is None  # tomatoes from Guangdong are not covered
    assert out["scope_status"][4] == "modified"  # Malawi tobacco: modified, not active
    assert names[5] is None


@pytest.mark.shared
def test_real_factory_names_are_rarely_flagged(shared_data: Path) -> None:
    frame = pl.concat([
        pl.read_csv(f, infer_schema=False, encoding="utf8-lossy").select("name", "country")
        for f in sorted((shared_data / "supplier-lists").glob("*.csv"))
    ])
    result = screen_names(frame["name"], frame["country"])
    flagged = result.filter(pl.col("watchlist_method") != "none")
    assert flagged.height / result.height <= 0.005, flagged.select("name_input", "watchlist_name")
