"""Country-, region- and good-wide rules: CBP orders (Turkmenistan cotton, Xinjiang cotton and
tomatoes), presumptions in U.S. law (UFLPA for Xinjiang, CAATSA 321(b) for North Korea) and ILAB
findings of state complicity in forced labour — all rows of `reference/watchlist_scope_rules.csv`.

These rules do not name a company, so they apply to a row by its resolved country, sub-national
region and good, whatever the supplier is called. Work is done once per distinct triple.
"""

from __future__ import annotations

from functools import lru_cache

import polars as pl

from riskscreen.contracts import WatchlistTables, stage_columns
from riskscreen.match.normalise import normalise
from riskscreen.tables import read_table

#: The scope hit columns, from the output contract's table (reference/report_columns.csv).
SCOPE_COLUMNS = list(stage_columns("scopes"))


def _norm_expr(col: str) -> pl.Expr:
    return pl.col(col).map_elements(normalise, return_dtype=pl.String, skip_nulls=True)


def _exploded(rules: pl.DataFrame) -> pl.DataFrame:
    """Rule rows as one row per (good_id, region key or ''): `scope_good_ids` and `scope_region`
    split on ';', trimmed, the region normalised; rows without a good dropped."""
    return (
        rules.with_columns(
            pl.col("scope_good_ids").str.split(";").alias("good_id"),
            pl.col("scope_region").fill_null("").str.split(";").alias("region_key"),
        )
        .explode("good_id")
        .explode("region_key")
        .with_columns(pl.col("good_id").str.strip_chars(), pl.col("region_key").str.strip_chars())
        .filter(pl.col("good_id") != "")
        .with_columns(_norm_expr("region_key").fill_null("").alias("region_key"))
    )


def _rules(scopes: pl.DataFrame) -> pl.DataFrame:
    """One row per (iso3, region key or '', good_id) of every scope rule."""
    return (
        _exploded(scopes)
        .select(
            pl.col("scope_iso3").alias("country_iso3"),
            "region_key",
            "good_id",
            pl.col("list_id").alias("scope_list"),
            pl.col("entry_id").alias("scope_entry_id"),
            "scope_name",
            "scope_action",
            "scope_date",
            "scope_status",
        )
    )


def match_scopes(frame: pl.DataFrame, watchlists: WatchlistTables) -> pl.DataFrame:
    """`frame` (columns country_iso3, region, good_id) plus the scope hit columns
    `SCOPE_COLUMNS`, same rows in the same order; null where no rule applies.

    A rule with an empty region covers the whole country; otherwise the row's `region`
    (e.g. "Xinjiang") must equal one of the rule's regions after normalisation.
    """
    rules = _rules(watchlists.scopes)
    cols = ["country_iso3", "region", "good_id"]
    present = [c for c in cols if c in frame.columns]
    base = frame.with_columns(pl.lit(None, pl.String).alias(c) for c in cols if c not in present)
    triples = (
        base.select(pl.col(c).cast(pl.String) for c in cols)
        .unique(maintain_order=True)
        .with_columns(_norm_expr("region").fill_null("").alias("region_norm"))
    )
    # A rule matches when its region is empty (whole country) or equals the row's region.
    hits = (
        triples.join(rules, on=["country_iso3", "good_id"], how="inner")
        .filter((pl.col("region_key") == "") | (pl.col("region_key") == pl.col("region_norm")))
        .sort(["scope_date", "scope_entry_id"], descending=[True, False])
        .unique(subset=cols, keep="first", maintain_order=True)
        .select(*cols, *SCOPE_COLUMNS)
    )
    if hits.is_empty():  # most lists: no rule applies to any row
        return frame.with_columns(pl.lit(None, hits.schema[c]).alias(c) for c in SCOPE_COLUMNS)
    keys = [f"__{c}" for c in cols]
    hits = hits.rename(dict(zip(cols, keys, strict=True)))
    out = (
        base.with_columns(pl.col(c).cast(pl.String).alias(k)
                          for c, k in zip(cols, keys, strict=True))
        .join(hits, on=keys, how="left", nulls_equal=True, maintain_order="left")
    )
    return out.select(*frame.columns, *SCOPE_COLUMNS)


#: `basis` of scope rules that are not CBP orders: presumptions in law and ILAB findings.
LAW_BASES = ("law", "ilab_finding")
RULE_COLUMNS = ["rule_id", "rule_reason_key", "rule_score_key"]


@lru_cache(maxsize=1)
def law_rules() -> pl.DataFrame:
    """The law and ILAB-finding rows of `watchlist_scope_rules.csv`, one row per (iso3,
    region key or '', good_id or '*'), in table order."""
    table = read_table("watchlist_scope_rules").filter(pl.col("basis").is_in(LAW_BASES))
    return (
        _exploded(table)
        .select(
            pl.col("scope_iso3").alias("country_iso3"), "region_key", "good_id",
            pl.col("entry_id").alias("rule_id"), pl.col("reason_key").alias("rule_reason_key"),
            pl.col("score_key").alias("rule_score_key"),
        )
    )


def match_law_rules(frame: pl.DataFrame) -> pl.DataFrame:
    """`frame` (country_iso3, region, good_id) plus `RULE_COLUMNS` of the first law or ILAB
    rule that applies (same rows, same order; null where none does).

    A rule applies when the country matches, its region is empty or equals the row's region, and
    its good is the row's good or `*` (every good, also an unknown one). The region rule for
    Xinjiang (UFLPA presumption) is such a row; no code names a region or country.
    """
    rules = law_rules().with_row_index("_order")
    cols = ["country_iso3", "region", "good_id"]
    base = frame.select(pl.col(c).cast(pl.String) if c in frame.columns
                        else pl.lit(None, pl.String).alias(c) for c in cols)
    triples = base.unique(maintain_order=True).with_columns(
        _norm_expr("region").fill_null("").alias("region_norm")
    )
    hits = (
        triples.join(rules, on="country_iso3", how="inner", suffix="_rule")
        .filter(((pl.col("region_key") == "") | (pl.col("region_key") == pl.col("region_norm")))
                & ((pl.col("good_id_rule") == "*") | (pl.col("good_id_rule") == pl.col("good_id"))))
        .sort("_order")
        .unique(subset=cols, keep="first", maintain_order=True)
        .select(*cols, *RULE_COLUMNS)
    )
    found = base.join(hits, on=cols, how="left", nulls_equal=True, maintain_order="left")
    return pl.concat([frame, found.select(RULE_COLUMNS)], how="horizontal")
