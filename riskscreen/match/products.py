"""Resolve supplier product descriptions and HS codes to ILAB-listed goods (`resolve_products`).

Each distinct (product, HS code) pair is resolved once. The HS code and the text are read
independently (`product_hs`, `product_text`); when both name a good:
* they agree -> method `hs_code`, confidences combine (1 - (1-a)(1-b));
* they differ -> the more confident one wins (the HS code on a tie: a good's code is usually
  more reliable than its description) with confidence x `product_conflict_factor`, and both
  are listed as candidates;
* a code that names only a chapter's sector never overrides a good named by the text.
A description that names a service is no listed good (method `service`) unless its HS code
maps to one. Precision first: a false match raises a false flag.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import polars as pl

from riskscreen.contracts import ReferenceTables
from riskscreen.match.normalise import normalise_expr
from riskscreen.match.product_hs import clean_hs, hs_in_text, lookup_hs
from riskscreen.match.product_index import ProductIndex, product_index
from riskscreen.match.product_text import match_text

OUTPUT_SCHEMA = {
    "product_input": pl.String,
    "hs_input": pl.String,
    "good_id": pl.String,
    "good": pl.String,
    "good_confidence": pl.Float64,
    "good_method": pl.String,
    "good_candidates": pl.String,
    "sector": pl.String,
}


def _as_series(
    values: Iterable[Any] | pl.Series | None, name: str, length: int | None
) -> pl.Series:
    """Strings (or nulls) from any iterable; numbers become text ("901" stays as given)."""
    if values is None:
        return pl.Series(name, [None] * (length or 0), dtype=pl.String)
    if isinstance(values, pl.Series):
        series = values
    else:
        items = [None if v is None else str(v) for v in values]
        series = pl.Series(name, items, dtype=pl.String)
    if series.dtype != pl.String:
        series = series.cast(pl.String, strict=False)
    return series.alias(name)


def _pairs(
    products: Iterable[Any] | pl.Series, hs_codes: Iterable[Any] | pl.Series | None
) -> pl.DataFrame:
    """Distinct (product_input, hs_input) pairs, at least one of them non-null."""
    prod = _as_series(products, "product_input", None)
    hs = _as_series(hs_codes, "hs_input", prod.len())
    if hs.len() != prod.len():
        raise ValueError("products and hs_codes must have the same length")
    frame = pl.DataFrame([prod, hs])
    return frame.filter(
        pl.col("product_input").is_not_null() | pl.col("hs_input").is_not_null()
    ).unique(maintain_order=True)


def _keys(products: pl.Series, max_length: int) -> pl.DataFrame:
    """Normalised matching key per distinct product text (vectorised; long texts truncated)."""
    distinct = products.drop_nulls().unique().rename("product_input").to_frame()
    text = pl.col("product_input").str.slice(0, max_length)
    return distinct.with_columns(key=normalise_expr(text))


def _candidates_text(index: ProductIndex) -> pl.Expr:
    """'Cotton (0.74); Garments (0.70)' from the candidate list (best first, at most three)."""
    names = dict(zip(index.goods["good_id"].to_list(), index.goods["good"].to_list(), strict=True))
    entry = pl.col("cands").list.eval(
        pl.element()
        .struct.field("good_id")
        .replace_strict(names, default=pl.element().struct.field("good_id"))
        + " ("
        + pl.element().struct.field("confidence").round(2).cast(pl.String)
        + ")"
    )
    return entry.list.head(3).list.join("; ")


def _combine(frame: pl.DataFrame, index: ProductIndex) -> pl.DataFrame:
    """Decide between the HS-code reading and the text reading of each pair (see module doc)."""
    s = index.settings
    # A generic good on one side and its specific relative on the other (product_keywords
    # `refines`: Furniture / Furniture (steel)) agree on the specific one.
    pairs = index.qualifiers.select("refines", "good_id").unique()
    down = (pairs["refines"] + "|" + pairs["good_id"]).to_list()
    up = (pairs["good_id"] + "|" + pairs["refines"]).to_list()
    both = pl.concat_str([pl.col("hs_good_id"), pl.col("t_good_id")], separator="|")
    frame = frame.with_columns(
        hs_good_id=pl.when(both.is_in(down)).then(pl.col("t_good_id")).otherwise("hs_good_id"),
        t_good_id=pl.when(both.is_in(up)).then(pl.col("hs_good_id")).otherwise("t_good_id"),
    )
    hs_good = pl.col("hs_good_id").is_not_null()
    t_good = pl.col("t_good_id").is_not_null()
    agree = hs_good & (pl.col("hs_good_id") == pl.col("t_good_id"))
    conflict = hs_good & ((t_good & ~agree) | (pl.col("t_method") == "service"))
    text_wins = conflict & t_good & (pl.col("t_confidence") > pl.col("hs_confidence"))
    hs_wins = hs_good & ~text_wins
    combined = 1 - (1 - pl.col("hs_confidence")) * (1 - pl.col("t_confidence"))
    good_id = pl.when(hs_wins).then(pl.col("hs_good_id")).otherwise(pl.col("t_good_id"))
    confidence = (
        pl.when(agree)
        .then(combined)
        .when(conflict & hs_wins)
        .then(pl.col("hs_confidence") * s.conflict_factor)
        .when(text_wins)
        .then(pl.col("t_confidence") * s.conflict_factor)
        .when(hs_wins)
        .then(pl.col("hs_confidence"))
        .when(pl.col("t_method").is_not_null())
        .then(pl.col("t_confidence"))
        .when(pl.col("hs_sector").is_not_null())
        .then(pl.col("hs_confidence"))
        .otherwise(0.0)
    )
    method = (
        pl.when(hs_wins)
        .then(pl.lit("hs_code"))
        .when(pl.col("t_method").is_not_null())
        .then(pl.col("t_method"))
        .when(pl.col("hs_sector").is_not_null())
        .then(pl.lit("sector"))
        .otherwise(pl.lit("none"))
    )
    hs_cand = pl.struct(good_id=pl.col("hs_good_id"), confidence=pl.col("hs_confidence"))
    # Candidates in rank order, the chosen good first (text candidates are ranked already).
    text_cands = pl.col("t_candidates").fill_null([])
    cands = (
        pl.when(text_wins)
        .then(pl.concat_list([text_cands, hs_cand]))
        .when(hs_good)
        .then(pl.concat_list([hs_cand, text_cands]))
        .otherwise(pl.col("t_candidates"))
    )
    return frame.with_columns(
        good_id=good_id,
        good_confidence=confidence.clip(0.0, 1.0),
        good_method=method,
        cands=cands,
        text_sector=pl.col("t_sector"),
    )


def resolve_products(
    products: Iterable[str | None] | pl.Series,
    hs_codes: Iterable[str | None] | pl.Series | None = None,
    reference: ReferenceTables | None = None,
) -> pl.DataFrame:
    """One row per distinct (product, HS code) pair with the listed good it names, if any.

    Columns: product_input, hs_input, good_id, good (newest ILAB spelling), good_confidence
    [0, 1], good_method (hs_code / alias / keyword / fuzzy / sector / service / none),
    good_candidates (below the review threshold), sector (ILAB sector of the good, or of the
    description / HS chapter when no single good is named). Join back on both input columns
    with nulls equal.
    """
    index = (
        product_index()
        if reference is None
        else product_index(reference.goods, reference.good_names)
    )
    pairs = _pairs(products, hs_codes)
    if pairs.height == 0:
        return pl.DataFrame(schema=OUTPUT_SCHEMA)
    # a code written in the text is read once per distinct text, not per (text, code) pair
    keys = _keys(pairs["product_input"], index.settings.max_length).with_columns(
        _hs_text=hs_in_text(pl.col("product_input")))
    text = match_text(keys["key"], index)
    frame = pairs.join(keys, on="product_input", how="left", nulls_equal=False).with_columns(
        hs_code=pl.coalesce(clean_hs(pl.col("hs_input")), pl.col("_hs_text"))
    ).drop("_hs_text")
    hs = lookup_hs(frame["hs_code"])
    frame = frame.join(hs, on="hs_code", how="left").join(text, on="key", how="left")
    frame = _combine(frame, index)
    # Candidates: every good considered, chosen first, one entry per good.
    frame = frame.with_columns(
        cands=pl.col("cands").list.eval(
            pl.element().filter(pl.element().struct.field("good_id").is_not_null())
        )
    )
    frame = frame.with_columns(
        cands=pl.col("cands").list.eval(
            pl.element().filter(pl.element().struct.field("good_id").is_first_distinct())
        )
    )
    review = (pl.col("good_confidence") < index.settings.review_threshold) & pl.col(
        "good_id"
    ).is_not_null()
    frame = frame.with_columns(
        good_candidates=pl.when(review & (pl.col("cands").list.len() > 0))
        .then(_candidates_text(index))
        .otherwise(pl.lit(None, pl.String))
    )
    frame = frame.join(index.goods, on="good_id", how="left")
    sector = (
        pl.when(pl.col("good_id").is_not_null())
        .then(pl.col("good_sector"))
        .when(pl.col("good_method") == "sector")
        .then(pl.coalesce("text_sector", "hs_sector"))
        .otherwise(pl.lit(None, pl.String))
    )
    return frame.with_columns(sector=sector).select(
        [pl.col(c).cast(t) for c, t in OUTPUT_SCHEMA.items()]
    )
