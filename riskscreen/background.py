"""Start slow loads early, in a daemon thread, and wait for them only when they are needed.

Loading the model and building its explanation cache takes a few tenths of a second (two seconds
more when it must come from the skops file, which imports all of scikit-learn): the CLI starts it
before anything else so it overlaps importing, reading and resolving.
"""

from __future__ import annotations

from typing import Any

from riskscreen.threads import Background

__all__ = ["Background", "warm_model"]


def warm_model() -> Any:
    """Load the default model and score one pair, so its first real call is warm too."""
    import polars as pl

    from riskscreen.model import load_model  # lazy: imported in this background thread

    model = load_model()
    probe = pl.DataFrame(
        {"country_iso3": ["BGD"], "good_id": ["garments"], "sector": [None]},
        schema={"country_iso3": pl.String, "good_id": pl.String, "sector": pl.String})
    model.explain(model.predict_pairs(probe))
    return model
