"""The stages' contracts: what scoring needs from the reference, the model and the watchlists."""

from __future__ import annotations

import polars as pl
import pytest

from riskscreen.contracts import (
    MODEL_FACTORS,
    MODEL_OUTPUTS,
    ReferenceTables,
    RiskScorer,
    WatchlistTables,
)
from riskscreen.errors import InputError
from riskscreen.model import load_model
from riskscreen.reference import load_reference
from riskscreen.scoring import _active, inactive_words, load_thresholds
from riskscreen.tables import read_table
from riskscreen.tiers import TIER_CUTS, tier_table
from riskscreen.watchlists import load_watchlists


def test_the_loaded_objects_satisfy_the_protocols():
    assert isinstance(load_reference(), ReferenceTables)
    assert isinstance(load_model(), RiskScorer)
    assert isinstance(load_watchlists(), WatchlistTables)
    assert not isinstance(load_watchlists(), RiskScorer)


def test_the_model_speaks_country_iso3_like_the_pipeline():
    model = load_model()
    out = model.predict_pairs(pl.DataFrame({"country_iso3": ["CIV", "DEU"],
                                            "good_id": ["cocoa", "cocoa"]}))
    assert out["p_any_finding"][0] > 10 * out["p_any_finding"][1]  # Côte d'Ivoire vs Germany
    with pytest.raises(InputError, match="country_iso3"):
        model.predict_pairs(pl.DataFrame({"iso3": ["CIV"], "good_id": ["cocoa"]}))


def test_the_model_adds_the_columns_and_dtypes_the_contract_names():
    model = load_model()
    pairs = pl.DataFrame({"country_iso3": ["CIV"], "good_id": ["cocoa"], "sector": [None]},
                         schema={"country_iso3": pl.String, "good_id": pl.String,
                                 "sector": pl.String})
    out = model.explain(model.predict_pairs(pairs))
    assert dict(out.select(list(MODEL_OUTPUTS)).schema) == MODEL_OUTPUTS
    assert dict(out.select(list(MODEL_FACTORS)).schema) == MODEL_FACTORS


def test_tier_cut_offs_follow_the_tier_table_and_are_checked_in_its_order():
    assert TIER_CUTS == tuple(f"tier_{t.tier}" for t in tier_table() if t.rank > 1)
    assert set(TIER_CUTS) <= set(read_table("thresholds")["key"])
    with pytest.raises(InputError, match=" > ".join(TIER_CUTS)):
        load_thresholds(**{TIER_CUTS[1]: 95})  # above the most severe cut-off


def test_the_inactive_statuses_table_drives_which_orders_count():
    frame = pl.DataFrame({"status": ["Active", "Modified 2022", "REVOKED", None],
                          "name": ["a", "b", "c", "d"]})
    kept = frame.filter(_active("status", "name"))["name"].to_list()
    assert kept == ["a", "d"]
    assert set(inactive_words()) == set(read_table("inactive_statuses")["word"])
