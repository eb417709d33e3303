"""Hits and words as byte spans of a description, and which spans lie inside others.

A hit is one row of `HIT_COLUMNS`: a good, service, sector or stop word found in the
description `key` (a small integer id) between byte offsets `start` and `end` of the
space-padded text ' description '. Every later step compares such spans.
"""

from __future__ import annotations

import polars as pl

__all__ = ["HIT_COLUMNS", "drop_contained", "inside_spans", "text_words"]

HIT_COLUMNS = [
    "key",
    "start",
    "end",
    "kind",
    "good_id",
    "sector",
    "priority",
    "confidence",
    "ilab",
    "fuzzy",
    "whole",
    "lang",
]
"""The columns of every hit frame the steps pass along."""


def text_words(texts: pl.DataFrame) -> pl.DataFrame:
    """One row per word: key, word, pos, and its span in the padded text (w_start = the
    space before it, w_end = the space after it; a hit over the word is (w_start, w_end + 1))."""
    return (
        texts.select("key", word=pl.col("text").str.split(" "))
        .explode("word")
        .with_columns(blen=pl.col("word").str.len_bytes().cast(pl.Int64))
        .with_columns(
            w_start=(pl.col("blen") + 1).cum_sum().over("key") - (pl.col("blen") + 1),
            pos=pl.int_range(pl.len()).over("key"),
        )
        .with_columns(w_end=pl.col("w_start") + pl.col("blen") + 1)
    )


def inside_spans(spans: pl.DataFrame, outer: pl.DataFrame) -> pl.DataFrame:
    """The (key, start, end) spans lying inside a different, longer `outer` span of their key.

    Sort by start (ties: longer first, an identical outer span after the inner one), then a
    running maximum of outer ends: no pairwise join, so long descriptions stay cheap.
    """
    inner = spans.select("key", "start", "end").unique().with_columns(is_outer=pl.lit(False))
    cover = outer.select("key", "start", "end").unique().with_columns(is_outer=pl.lit(True))
    both = pl.concat([inner, cover]).sort(
        ["key", "start", "end", "is_outer"], descending=[False, False, True, False]
    )
    outer_end = pl.when(pl.col("is_outer")).then(pl.col("end")).otherwise(-1)
    reach = outer_end.cum_max().shift(1, fill_value=-1).over("key")
    return (
        both.with_columns(reach=reach)
        .filter(~pl.col("is_outer") & (pl.col("reach") >= pl.col("end")))
        .select("key", "start", "end")
    )


def drop_contained(hits: pl.DataFrame) -> pl.DataFrame:
    """Remove hits whose span lies inside a longer hit of the same description."""
    inside = inside_spans(hits, hits)
    return hits.join(inside, on=["key", "start", "end"], how="anti")
