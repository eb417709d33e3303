"""The last step: one row per description from the hits left after the vetoes.

A service word wins over goods (the line buys a service); else the best good, ranked by
priority, then confidence, then the longest span, with its rivals as candidates; else a
sector word.
"""

from __future__ import annotations

import polars as pl

from riskscreen.match.product_index import ProductIndex

__all__ = ["TEXT_SCHEMA", "assemble", "rank_goods"]

CANDIDATE = pl.Struct({"good_id": pl.String, "confidence": pl.Float64})
TEXT_SCHEMA = {
    "key": pl.String,
    "t_good_id": pl.String,
    "t_confidence": pl.Float64,
    "t_method": pl.String,
    "t_sector": pl.String,
    "t_candidates": pl.List(CANDIDATE),
}
"""What `match_text` returns: one row per distinct description (`key` = its normalised text)."""
_ROWS = {**TEXT_SCHEMA, "key": pl.UInt32}  # internal: descriptions keyed by a row id


def rank_goods(goods: pl.DataFrame, index: ProductIndex) -> pl.DataFrame:
    """Best good per description with its rivals; an equal-rank rival lowers confidence."""
    s = index.settings
    method = (
        pl.when(pl.col("fuzzy"))
        .then(pl.lit("fuzzy"))
        .when(pl.col("whole"))
        .then(pl.lit("alias"))
        .otherwise(pl.lit("keyword"))
    )
    per_good = (
        goods.with_columns(length=pl.col("end") - pl.col("start"), method=method)
        .sort(["confidence", "length", "start"], descending=[True, True, False])
        .group_by(["key", "good_id"], maintain_order=True)
        .agg(pl.all().first())
        .sort(
            ["key", "priority", "confidence", "length", "start", "good_id"],
            descending=[False, True, True, True, False, False],
        )
    )
    ranked = per_good.group_by("key", maintain_order=True).agg(
        t_good_id=pl.col("good_id").first(),
        best_conf=pl.col("confidence").first(),
        t_method=pl.col("method").first(),
        rival=(
            (pl.col("priority") == pl.col("priority").first())
            & (pl.col("confidence") >= pl.col("confidence").first() - s.ambiguity_margin)
        )
        .slice(1)
        .any(),
        t_candidates=pl.struct("good_id", "confidence"),
    )
    return ranked.select(
        "key",
        "t_good_id",
        t_confidence=pl.when(pl.col("rival"))
        .then(pl.col("best_conf") * s.ambiguity_factor)
        .otherwise(pl.col("best_conf")),
        t_method="t_method",
        t_sector=pl.lit(None, pl.String),
        t_candidates="t_candidates",
    )


def _no_good(frame: pl.DataFrame, method: str, sector: pl.Expr) -> pl.DataFrame:
    """Rows without a good (service / sector) in TEXT_SCHEMA shape."""
    return frame.select(
        "key",
        t_good_id=pl.lit(None, pl.String),
        t_confidence=pl.col("confidence"),
        t_method=pl.lit(method),
        t_sector=sector,
        t_candidates=pl.lit(None, TEXT_SCHEMA["t_candidates"]),
    )


def assemble(hits: pl.DataFrame, texts: pl.DataFrame, index: ProductIndex) -> pl.DataFrame:
    """One `TEXT_SCHEMA` row per description with a service, a good or a sector.

    A service word vetoes every good of its description; a sector word counts only where no
    good was found. Ties are broken the same way whatever order the hits were found in.
    """
    best = hits.sort(
        ["confidence", "end", "start", "sector"], descending=[True, True, False, False]
    )
    service = best.filter(pl.col("kind") == "service").group_by("key", maintain_order=True).first()
    rest = hits.join(service.select("key"), on="key", how="anti")
    goods = rest.filter(pl.col("kind") == "good")
    good_rows = rank_goods(goods, index) if goods.height else pl.DataFrame(schema=_ROWS)
    sectors = (
        best.filter(pl.col("kind") == "sector")
        .join(service.select("key"), on="key", how="anti")
        .join(good_rows.select("key"), on="key", how="anti")
        .group_by("key", maintain_order=True)
        .first()
    )
    rows = pl.concat(
        [
            _no_good(service, "service", pl.lit(None, pl.String)),
            good_rows,
            _no_good(sectors, "sector", pl.col("sector")),
        ],
        how="vertical_relaxed",
    )
    return rows.join(texts, on="key").select(pl.col("text").alias("key"), *list(TEXT_SCHEMA)[1:])
