"""When a misspelt word may stand beside goods that are spelt right.

A fuzzy hit ("cottn", "Tshrits") is a guess; a spelt-right good in the same description is
not. This step keeps a misspelling only where it cannot displace a surer reading.
"""

from __future__ import annotations

import polars as pl

from riskscreen.match.product_index import ProductIndex

__all__ = ["misspellings_kept"]


def misspellings_kept(hits: pl.DataFrame, index: ProductIndex) -> pl.DataFrame:
    """Drop misspellings that would only compete with goods spelt right.

    A misspelling fills gaps, or names a finished article over a spelt-right material
    ("Tshrits cotton"); against a good of equal rank it counts only when it would win
    outright, the spelt word being a weak, ambiguous one ("Vanila beans bourbon": bourbon
    is also a vanilla variety; "Shirmp tiger HOSO"); never against a higher rank. Over a
    lower rank it counts when that is a raw material or named less surely than the
    misspelling names the article ("padlok 40mm brass": brass is 0.75). A misspelt specific
    relative of a spelt good (product_keywords `refines`) is kept, to refine it later
    ("artifical flowers peony": flowers named by peony).
    """
    spelt_goods = hits.filter((pl.col("kind") == "good") & ~pl.col("fuzzy"))
    spelt = spelt_goods.group_by("key").agg(spelt_rank=pl.col("priority").max())
    spelt = spelt.join(
        spelt_goods.join(spelt, on="key")
        .filter(pl.col("priority") == pl.col("spelt_rank"))
        .group_by("key")
        .agg(spelt_conf=pl.col("confidence").max()),
        on="key",
    )
    relatives = index.qualifiers.select("refines", "good_id").unique()
    relative = (
        spelt_goods.select("key", refines="good_id")
        .join(relatives, on="refines")
        .select("key", "good_id")
        .unique()
        .with_columns(relative=pl.lit(True))
    )
    fuzzy = (
        hits.filter(pl.col("fuzzy"))
        .join(spelt, on="key", how="left")
        .join(relative, on=["key", "good_id"], how="left")
    )
    return pl.concat(
        [
            hits.filter(~pl.col("fuzzy")),
            fuzzy.filter(
                pl.col("spelt_rank").is_null()
                | pl.col("relative").fill_null(False)
                | (
                    (pl.col("priority") > pl.col("spelt_rank"))
                    & (
                        (pl.col("spelt_rank") <= index.settings.material_priority)
                        | (pl.col("confidence") > pl.col("spelt_conf"))
                    )
                )
                | (
                    (pl.col("priority") == pl.col("spelt_rank"))
                    & (
                        pl.col("confidence")
                        > pl.col("spelt_conf") + index.settings.ambiguity_margin
                    )
                )
            ).drop("spelt_rank", "spelt_conf", "relative"),
        ]
    )
