"""The figures the model card's prose cites, computed from the reference tables and the metrics.

Nothing in the card is typed by hand: a new edition, a rebuilt FAO table or a rerun of
`evaluate()` changes these numbers and the card with them (`riskscreen model train`).
"""

from __future__ import annotations

from typing import Any

import polars as pl

from riskscreen.contracts import ReferenceTables
from riskscreen.model.config import ModelConfig
from riskscreen.tables import read_table

__all__ = ["card_facts"]


def _span(values: list[float], fmt: str = "{:g}") -> str:
    """'12-56' (or '12' when all equal) for the numbers given."""
    lo, hi = min(values), max(values)
    return fmt.format(lo) if lo == hi else f"{fmt.format(lo)}-{fmt.format(hi)}"


def _label(edition: str, column: str) -> str:
    labels = read_table("list_editions").filter(pl.col("edition") == edition)
    return str(labels[column][0]) if labels.height and labels[column][0] else edition


def _listing_facts(reference: ReferenceTables) -> dict[str, Any]:
    newest = reference.listings_for(None)
    found = newest.filter(~pl.col("derived"))
    forced = found.filter(pl.col("forced_labour"))
    return {
        "list": _label(reference.newest_edition, "list_label"),
        "findings": _label(reference.newest_edition, "findings_label"),
        "n_listed": found.filter(pl.col("child_labour") | pl.col("forced_labour")).height,
        "n_forced": forced.height,
        "n_forced_and_child": forced.filter(pl.col("child_labour")).height,
        "n_derived": newest.filter(pl.col("derived")).height,
        "derived_first": _label(str(reference.listings.filter(pl.col("derived"))["edition"].min()),
                                "list_label"),
    }


def _batch_facts(reference: ReferenceTables, earlier: str, later: str) -> dict[str, Any]:
    """The two countries with the most goods added between two editions."""
    before = reference.listings_for(earlier).select("iso3", "good_id")
    added = reference.listings_for(later).select("iso3", "good_id").join(
        before, on=["iso3", "good_id"], how="anti")
    top = (added.group_by("iso3").len().sort(["len", "iso3"], descending=[True, False])
           .head(2).join(reference.countries.select("iso3", "name"), on="iso3", how="left")
           .sort(["len", "iso3"], descending=[True, False]))
    (n1, c1), (n2, c2) = top.select("len", "name").rows()
    return {"batch": f"{n1} goods for {c1} and {n2} for {c2} between the "
                     f"{_label(earlier, 'list_label')} and {_label(later, 'list_label')}"}


def _production_facts(reference: ReferenceTables, cfg: ModelConfig) -> dict[str, Any]:
    production = reference.production
    years = cfg.param("production_years", int)
    last = min(int(reference.newest_edition[:4]), int(production["year"].max()))
    return {
        "fao_items": production["item_code"].n_unique(),
        "fao_from": int(production["year"].min()),
        "fao_window": f"{last - years + 1}-{last}",
    }


def _metric_facts(metrics: dict) -> dict[str, Any]:
    temporal = metrics["temporal"]
    tuning = [e for e in temporal if f"{e['earlier']}->{e['later']}" in metrics["tuning_pairs"]]
    boots = [e["any"]["bootstrap"] for e in temporal if e["any"].get("bootstrap")]
    ranked = [e["any"]["model"]["n_positive"] for e in temporal if e["any"]["model"]["n_positive"]]
    forced = [e["forced"]["model"]["n_positive"] for e in temporal
              if e["forced"]["model"]["n_positive"]]

    def width(key: str) -> float:
        return sum(b[key][1] - b[key][0] for b in boots) / len(boots)

    return {
        "added": _span(ranked),
        "forced_added": _span(forced),
        "rankable_tuning": _span([e["any"]["model"]["n_positive"] for e in tuning]),
        "auc_width": f"{width('roc_auc_90'):.2f}",
        "recall_width": f"{width('recall_at_500_90'):.2f}",
        "recall_step": f"{1 / max(ranked):.2f}-{2 / min(ranked):.2f}",
    }


def card_facts(reference: ReferenceTables, metrics: dict, cfg: ModelConfig) -> dict[str, Any]:
    """Every figure the card's prose cites, keyed by name (see `card.py`)."""
    editions = reference.listing_editions if hasattr(reference, "listing_editions") else sorted(
        reference.listings["edition"].unique().to_list())
    first, early = editions[0], [e for e in editions if _label(e, "list_label") != _label(
        editions[0], "list_label")][0]
    later = [e for e in editions if _label(e, "list_label") == _label(early, "list_label")]
    return {
        **_listing_facts(reference),
        **_batch_facts(reference, first, later[-1]),
        **_production_facts(reference, cfg),
        **_metric_facts(metrics),
        "early_entries": reference.listings_for(early).height,
    }
