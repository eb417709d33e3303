"""Family qualifiers: a word elsewhere in the description turns a generic good into its
specific relative (product_keywords rows with `refines`: silk + thread -> silk thread)."""

from __future__ import annotations

import polars as pl

from riskscreen.match.product_index import ProductIndex
from riskscreen.match.product_text.spans import HIT_COLUMNS

__all__ = ["refined"]


def refined(hits: pl.DataFrame, texts: pl.DataFrame, index: ProductIndex) -> pl.DataFrame:
    """Turn a generic good into its specific relative when the description also names what
    distinguishes it (product_keywords rows with `refines`): "silk sewing thread" is silk
    thread, not thread/yarn; "steel frame bunk bed" steel furniture; "minyak sawit mentah"
    crude palm oil; "faux orchid" artificial flowers.

    The qualifier may stand anywhere in the description; the longest one wins. The refined
    hit keeps its span, takes the higher of the two priorities and, unless it was misspelt,
    the higher of the two confidences. Column `refined` marks it, `shielded` when the qualifier
    is an imitation word (which then does not deny the good it refined: "faux orchid"; "PU
    leather tote" is still denied).
    """
    q = index.qualifiers
    flagged = hits.with_columns(refined=pl.lit(False), shielded=pl.lit(False))
    if q.height == 0:
        return flagged
    generic = hits.filter(
        (pl.col("kind") == "good") & pl.col("good_id").is_in(q["refines"].unique().to_list())
    )
    if generic.height == 0:
        return flagged
    frame = texts.join(generic.select("key").unique(), on="key", how="semi").with_columns(
        padded=" " + pl.col("text") + " "
    )
    parts = []
    for cjk, column in ((False, "padded"), (True, "text")):
        pats = q.filter(pl.col("cjk") == cjk)["pattern"].unique().to_list()
        if not pats:
            continue
        parts.append(
            frame.select("key", pattern=pl.col(column).str.extract_many(pats, overlapping=True))
            .explode("pattern")
            .drop_nulls("pattern")
        )
    if not parts:
        return flagged
    found = (
        pl.concat(parts)
        .unique()
        .join(q.drop("key", "cjk"), on="pattern")
        .with_columns(q_len=pl.col("pattern").str.len_bytes())
        .sort(
            ["key", "refines", "q_len", "confidence", "good_id"],
            descending=[False, False, True, True, False],
        )
        .group_by(["key", "refines"], maintain_order=True)
        .first()
        .select(
            "key",
            "refines",
            specific="good_id",
            q_pattern="pattern",
            q_priority="priority",
            q_confidence="confidence",
        )
    )
    joined = hits.join(
        found, left_on=["key", "good_id"], right_on=["key", "refines"], how="left"
    ).with_columns(refined=pl.col("specific").is_not_null() & (pl.col("kind") == "good"))
    # Only an imitation word that is itself the qualifier shields the good from `negated`
    # ("faux orchid"); "PU leather tote" stays denied.
    imitation = pl.col("q_pattern").str.strip_chars(" ").is_in(list(index.imitations))
    return joined.with_columns(
        good_id=pl.when("refined").then("specific").otherwise("good_id"),
        priority=pl.when("refined")
        .then(pl.max_horizontal("priority", "q_priority"))
        .otherwise("priority"),
        confidence=pl.when(pl.col("refined") & ~pl.col("fuzzy"))
        .then(pl.max_horizontal("confidence", "q_confidence"))
        .otherwise("confidence"),
        shielded=pl.col("refined") & imitation.fill_null(False),
    ).select([*HIT_COLUMNS, "refined", "shielded"])
