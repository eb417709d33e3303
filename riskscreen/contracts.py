"""What the screening stages need from the reference, the model and the watchlists.

The output contract (the columns screening adds, their order, which of them are the stable
headline set) is a table, `reference/report_columns.csv`, read here; the workbook's layout
comes from the same rows.

Structural types (`typing.Protocol`): `reference.load.Reference`, `model.predict.RiskModel` and
`watchlists.Watchlists` satisfy them, and so does anything else with the same members (a test
double, a model from another package). Stages import these instead of the concrete classes, so
the contract is written once and no stage imports a package above it to name a type.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

import polars as pl

from riskscreen.tables import read_table

__all__ = ["MODEL_FACTORS", "MODEL_OUTPUTS", "ReferenceTables", "RiskScorer", "WatchlistTables",
           "added_columns",           "compared_columns", "contract_columns", "stage_columns"]


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


#: What `RiskScorer.predict_pairs` adds to its frame, with dtypes.
MODEL_OUTPUTS: dict[str, Any] = {
    "p_child_labour": pl.Float64,
    "p_forced_labour": pl.Float64,
    "p_any_finding": pl.Float64,
    "country_assessed": pl.Boolean,
    "model_level": pl.String,
}
#: What `RiskScorer.explain` adds: the prediction's factors in plain words.
MODEL_FACTORS: dict[str, Any] = {"model_factors": pl.String}


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


def _columns() -> pl.DataFrame:
    return read_table("report_columns").filter(pl.col("frame_order").is_not_null()).sort(
        pl.col("frame_order").cast(pl.Int64))


def added_columns() -> tuple[str, ...]:
    """The columns screening adds after the input's own, in their order in the screened frame
    and in CSV/Parquet output (`frame_order` of `reference/report_columns.csv`)."""
    return tuple(_columns()["column"])


def compared_columns() -> tuple[str, ...]:
    """The added columns `riskscreen diff` compares between two runs (`compared = yes` of
    `reference/report_columns.csv`), in frame order."""
    return tuple(_columns().filter(pl.col("compared") == "yes")["column"])


def contract_columns() -> dict[str, str]:
    """The output contract: column -> meaning, for the columns whose names are promised stable
    (`contract = yes`), in frame order. The README's output table is these rows."""
    rows = _columns().filter(pl.col("contract") == "yes")
    return dict(zip(rows["column"], rows["meaning"], strict=True))


def stage_columns(stage: str) -> tuple[str, ...]:
    """The added columns one stage makes (`stage` of `reference/report_columns.csv`: "names"
    for the watchlist hit, "scopes" for the country- or region-wide order), in frame order."""
    return tuple(_columns().filter(pl.col("stage") == stage)["column"])
