"""The stages' contracts: what scoring needs from the reference, the model and the watchlists."""

from __future__ import annotations

import polars as pl
import pytest

from riskscreen.contracts import ReferenceTables, RiskScorer, WatchlistTables
from riskscreen.errors import InputError
from riskscreen.model import load_model
from riskscreen.reference import load_reference
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
