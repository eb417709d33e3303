"""A run records the validation of the model it used, not whatever models/metrics.json says."""

from __future__ import annotations

import copy
import json

from riskscreen.model import RiskModel, load_model
from riskscreen.model.validation import held_out_summary
from riskscreen.run_meta import model_summary


def test_the_shipped_model_carries_its_own_held_out_validation(repo_root):
    metrics = json.loads((repo_root / "models" / "metrics.json").read_text(encoding="utf-8"))
    model = load_model()
    assert model.meta["validation"] == held_out_summary(metrics)
    assert model_summary(model)["held-out validation"] == held_out_summary(metrics)


def test_a_model_passed_in_reports_its_own_figures():
    shipped = load_model()
    state = copy.deepcopy(shipped.state)
    state["meta"]["validation"] = {"editions": "2016->2018", "model ROC-AUC": 0.5}
    other = RiskModel(state)
    assert model_summary(other)["held-out validation"] == state["meta"]["validation"]
    del state["meta"]["validation"]
    assert "held-out validation" not in model_summary(RiskModel(state))


def test_the_model_card_is_generated_and_its_figures_come_from_the_data(repo_root):
    import polars as pl

    from riskscreen.model.card import model_card
    from riskscreen.reference import load_reference

    metrics = json.loads((repo_root / "models" / "metrics.json").read_text(encoding="utf-8"))
    card = model_card(metrics, load_model().meta)
    assert card == (repo_root / "models" / "MODEL_CARD.md").read_text(encoding="utf-8")
    newest = load_reference().listings_for(None).filter(~pl.col("derived"))
    forced = newest.filter(pl.col("forced_labour"))
    both = forced.filter(pl.col("child_labour")).height
    flat = " ".join(card.split())
    assert f"{both} of the 2022 List's {forced.height} forced-labour pairs" in flat
    # With one pair fewer listed, the card's figure follows.
    ref = load_reference()
    fewer = pl.concat([ref.listings.filter(pl.col("edition") != ref.newest_edition),
                       newest.filter(pl.col("forced_labour")).slice(1)])
    from dataclasses import replace

    changed = model_card(metrics, load_model().meta, replace(ref, listings=fewer))
    flat = " ".join(changed.split())
    assert f"of the 2022 List's {forced.height - 1} forced-labour pairs" in flat
