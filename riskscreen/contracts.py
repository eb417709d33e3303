"""What the screening stages need from the reference, the model and the watchlists.

Structural types (`typing.Protocol`): `reference.load.Reference`, `model.predict.RiskModel` and
`watchlists.Watchlists` satisfy them, and so does anything else with the same members (a test
double, a model from another package). Stages import these instead of the concrete classes, so
the contract is written once and no stage imports a package above it to name a type.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

import polars as pl

__all__ = ["ReferenceTables", "RiskScorer", "WatchlistTables"]


@runtime_checkable
class ReferenceTables(Protocol):
    """The ILAB reference tables (docs/ARCHITECTURE.md, 'Reference')."""

    countries: pl.DataFrame
    goods: pl.DataFrame
    good_names: pl.DataFrame
    listings: pl.DataFrame
    editions: pl.DataFrame
    manifest: dict
    newest_edition: str

    def listings_for(self, edition: str | None = None) -> pl.DataFrame:
        """The listing rows of one edition (None = newest)."""
        ...


@runtime_checkable
class RiskScorer(Protocol):
    """A (country, good) model: probabilities per pair, and the factors behind them."""

    @property
    def meta(self) -> dict[str, Any]:
        """Format, version, edition trained on, estimator and held-out validation."""
        ...

    def predict_pairs(self, frame: pl.DataFrame) -> pl.DataFrame:
        """frame[iso3, good_id|good, sector] + p_child_labour, p_forced_labour, p_any_finding,
        country_assessed, model_level."""
        ...

    def explain(self, frame: pl.DataFrame) -> pl.DataFrame:
        """`predict_pairs(frame)` + model_factors."""
        ...


@runtime_checkable
class WatchlistTables(Protocol):
    """Loaded entity watchlists and the country/region-wide orders (scope rules)."""

    entries: pl.DataFrame
    entities: pl.DataFrame
    scopes: pl.DataFrame
    meta: pl.DataFrame

    def describe(self) -> list[dict[str, Any]]:
        """One dict per list: id, name, publisher, as-of date, SHA-256, entries."""
        ...
