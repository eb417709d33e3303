"""What a screening run records about itself: inputs, editions, model, thresholds, counts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl

from riskscreen import __version__
from riskscreen.contracts import ReferenceTables, RiskScorer
from riskscreen.io.columns import ColumnRoles
from riskscreen.io.read import SupplierTable
from riskscreen.phrases import say
from riskscreen.scoring import Thresholds, list_label
from riskscreen.tables import read_table
from riskscreen.tiers import TIERS
from riskscreen.watchlists import Watchlists

__all__ = [
    "OPTIONS_KEY", "model_summary", "product_note", "recorded_options", "run_meta",
    "watchlist_editions",
]

#: Parquet key-value metadata key (and CSV sidecar content) holding `recorded_options`.
OPTIONS_KEY = "riskscreen"


def watchlist_editions(watchlists: Watchlists) -> str:
    """'uflpa 2025-01-15 #ca46d668; …': which list editions a run used (content hash included)."""
    return "; ".join(
        f"{d['list_id']} {d.get('as_of') or 'no date given'} #{str(d.get('sha256') or '')[:8]}"
        for d in watchlists.describe()
    )


def _labels(edition: Any) -> dict[str, str]:
    """The list_editions.csv row of a data edition ({} when unknown)."""
    rows = read_table("list_editions").filter(pl.col("edition") == str(edition))
    return rows.row(0, named=True) if rows.height else {}


def _trained_on(meta: dict[str, Any]) -> Any:
    """'ILAB's 2022 List of Goods and 2022 Findings (data edition 2021)'."""
    row = _labels(meta.get("edition"))
    if not row:
        return meta.get("trained_on")
    return (f"ILAB's {row['list_label']} of Goods and {row['findings_label']} "
            f"(data edition {meta.get('edition')})")


def _sources(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    """The manifest's sources, each led by its name as ILAB gives it ('2022 List')."""
    out = []
    for src in manifest.get("sources") or []:
        row = _labels(src.get("edition")) if isinstance(src, dict) else {}
        if row and src.get("kind") in ("goods", "countries"):
            name = (row.get("file_label") or row["list_label"]) if src["kind"] == "goods" \
                else row["findings_label"]
            src = {"name": name, **src}
        out.append(src)
    return out


def model_summary(model: RiskScorer) -> dict[str, Any]:
    """Model version and its held-out validation, for the Method & sources sheet."""
    meta = getattr(model, "meta", {}) or {}
    summary: dict[str, Any] = {
        "format": f"{meta.get('format', 'model')} v{meta.get('version', '?')}",
        "trained_on": _trained_on(meta),
        "estimator": meta.get("estimator"),
    }
    # The model's own record (written with it by `riskscreen model train`), so a model passed
    # in reports its validation, not that of whatever models/metrics.json describes.
    validation = meta.get("validation")
    if validation:
        summary["held-out validation"] = validation
        summary["details"] = "models/MODEL_CARD.md and models/metrics.json"
    return summary


def _edition_words(reference: ReferenceTables) -> str:
    """'ILAB 2022 List of Goods (data file goods_2021.xml)': the List as ILAB names it."""
    name = say("list_name", list=list_label(reference))
    files = reference.editions.filter(
        (pl.col("edition") == reference.newest_edition) & (pl.col("kind") == "goods")
    )["source_file"].to_list()
    return f"{name} (data file {files[0]})" if files else name


def _by_tier(frame: pl.DataFrame) -> dict[str, int]:
    """Rows per tier, most severe first (critical, high, medium, low, unknown)."""
    counts = dict(frame["risk_tier"].value_counts().iter_rows())
    return {t: int(counts[t]) for t in TIERS if t in counts}


def product_note(roles: ColumnRoles, frame: pl.DataFrame,
                 product: str | None = None) -> dict[str, Any]:
    """Where the rows' products came from, and the note to show when the input has no product
    or HS-code column (the CLI summary and the Summary sheet): how many rows were scored on
    the country alone, and the suggestion to say what is bought with --product."""
    source = frame["good_source"] if "good_source" in frame.columns else pl.Series([], dtype=str)
    known = frame["good_id"].is_not_null() | frame["sector"].is_not_null()
    country_only = int((frame["country_iso3"].is_not_null() & ~known).sum())
    from_name = int((source == "supplier name").sum())
    no_column = roles.product is None and roles.hs_code is None
    note = None
    unread = int(((source == "product option") & ~known).sum()) if product else 0
    if unread:
        note = say("summary_product_unknown", product=product or "", rows=str(unread))
    elif no_column and product:
        note = say("summary_product_option", product=product, rows=str(frame.height),
                   country_only=str(country_only))
    elif no_column:
        note = say("summary_no_product_column", rows=str(frame.height),
                   country_only=str(country_only), from_name=str(from_name))
    return {
        "how products are found": say("method_products"),
        "product_option": product,
        "no_product_column": no_column,
        "rows_country_only": country_only,
        "rows_good_from_name": from_name,
        "rows_product_option": int((source == "product option").sum()),
        "note": note,
    }


def run_meta(table: SupplierTable, roles: ColumnRoles, reference: ReferenceTables,
             model: RiskScorer, watchlists: Watchlists, th: Thresholds, frame: pl.DataFrame,
             product: str | None = None) -> dict[str, Any]:
    """What the Method & sources sheet and the CSV sidecar record about this run."""
    manifest = getattr(reference, "manifest", {}) or {}
    return {
        "tool": f"riskscreen {__version__}",
        "input_file": Path(str(table.path)).name if getattr(table, "path", None) else "(frame)",
        "input_sha256": getattr(table, "sha256", None),
        "sheet": getattr(table, "sheet", None),
        "header_row": getattr(table, "header_row", None),
        "columns_used": {k: v for k, v in roles.as_dict().items() if v},
        "reference_edition": _edition_words(reference),
        "list_of_goods": list_label(reference),
        "reference_built": manifest.get("built"),
        "reference_sources": _sources(manifest),
        "model": model_summary(model),
        "watchlists": watchlists.describe() if hasattr(watchlists, "describe") else None,
        "thresholds": th.as_dict(),
        "rows_in": frame.height,
        "rows_flagged": int(frame["flagged"].sum()),
        "rows_to_review": int(frame["needs_review"].sum()),
        "rows_by_tier": _by_tier(frame),
        "products": product_note(roles, frame, product),
    }


def recorded_options(meta: dict[str, Any]) -> dict[str, Any]:
    """What a CSV/Parquet output records about how it was made (Parquet metadata, CSV sidecar),
    so `riskscreen diff` can name a changed threshold, --min-tier or edition as a cause."""
    return {
        "tool": meta.get("tool"),
        "input_file": meta.get("input_file"),
        "input_sha256": meta.get("input_sha256"),
        "reference_edition": meta.get("reference_edition"),
        "watchlists": [
            {k: d.get(k) for k in ("list_id", "as_of", "sha256")}
            for d in (meta.get("watchlists") or [])
        ],
        "thresholds": meta.get("thresholds"),
        "product_option": (meta.get("products") or {}).get("product_option"),
    }
