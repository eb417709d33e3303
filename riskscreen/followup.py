"""What a buyer does next with each flagged supplier: the finding, questions, evidence, closure.

`followup_frame` turns the screened frame into one row per flagged supplier row. Each row's
finding types (a watchlist hit, a CBP order, an ILAB listing, a downstream listing, a rule in
law or in ILAB's findings — the Xinjiang and North Korea presumptions, a government complicit in
forced labour — or only the model's estimate) pick the texts of
`reference/followup_questions.csv`; labels and letter words come from
`reference/followup_phrases.csv`. Work is done once per
distinct combination of findings, not per row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

import polars as pl

from riskscreen.errors import InputError
from riskscreen.scoring import _active, listed_pairs
from riskscreen.tables import read_table
from riskscreen.watchlists.scopes import match_law_rules

__all__ = [
    "FOLLOWUP_COLUMNS",
    "finding_keys",
    "finding_order",
    "followup_frame",
    "followup_texts",
    "languages",
    "phrase",
]

# Column names of the Follow-up sheet (and of the frame `followup_frame` returns).
FOLLOWUP_COLUMNS = (
    "row_id", "supplier", "country", "product", "risk_tier", "finding", "questions",
    "evidence", "close_when", "sources", "finding_keys",
)
# Watchlist ids of the embedded lists; any other list is the user's own (`--watchlist`).
_LIST_FINDING = {"uflpa": "watchlist_uflpa", "cbp_wro": "watchlist_wro"}


def _questions() -> pl.DataFrame:
    return read_table("followup_questions")


def finding_order() -> list[str]:
    """Finding types, most severe first, as the question table lists them."""
    return _questions()["finding"].unique(maintain_order=True).to_list()


def languages() -> list[str]:
    """Languages both text tables have (`text_xx` columns), English first."""
    def langs(frame: pl.DataFrame) -> set[str]:
        return {c.removeprefix("text_") for c in frame.columns if c.startswith("text_")}

    found = langs(_questions()) & langs(read_table("followup_phrases"))
    return sorted(found, key=lambda lang: (lang != "en", lang))


def _check_lang(lang: str) -> str:
    lang = (lang or "en").strip().lower()
    if lang not in languages():
        raise InputError(
            f"no follow-up texts in language {lang!r}; use one of {', '.join(languages())}"
        )
    return lang


@lru_cache(maxsize=8)
def _phrases(lang: str) -> dict[str, str]:
    """Every phrase of `reference/followup_phrases.csv` in `lang` (English where it is empty)."""
    table = read_table("followup_phrases")
    texts = pl.coalesce(pl.col(f"text_{lang}").replace("", None), pl.col("text_en"))
    return dict(table.select("key", texts.alias("text")).iter_rows())


def phrase(key: str, lang: str = "en") -> str:
    """One phrase of `reference/followup_phrases.csv` in `lang` (English where it is empty)."""
    return _phrases(_check_lang(lang))[key]


def _col(frame: pl.DataFrame, name: str, dtype: pl.DataType = pl.String) -> pl.Expr:
    return pl.col(name) if name in frame.columns else pl.lit(None, dtype)


def finding_keys(frame: pl.DataFrame, reference: Any) -> pl.Series:
    """The finding types of each row of a screened frame, most severe first (a list per row).

    A modified or revoked order does not count (as in scoring); a row with none of the
    listed findings is `model_estimate`.
    """
    need = {"country_iso3", "good_id"}
    if not need <= set(frame.columns):
        raise InputError(f"screened data lacks column(s) {sorted(need - set(frame.columns))}")
    via = listed_pairs(reference).select(
        "country_iso3", "good_id", (pl.col("_listing_via") == "input").alias("_downstream")
    )
    data = frame.select(
        _col(frame, "watchlist_name").alias("watchlist_name"),
        _col(frame, "watchlist_list").alias("watchlist_list"),
        _col(frame, "watchlist_status").alias("watchlist_status"),
        _col(frame, "scope_name").alias("scope_name"),
        _col(frame, "scope_status").alias("scope_status"),
        _col(frame, "region").alias("region"),
        _col(frame, "listed_child_labour", pl.Boolean).fill_null(False).alias("cl"),
        _col(frame, "listed_forced_labour", pl.Boolean).fill_null(False).alias("fl"),
        pl.col("country_iso3"),
        pl.col("good_id"),
    ).join(via, on=["country_iso3", "good_id"], how="left", maintain_order="left")
    rule = match_law_rules(data.select("country_iso3", "region", "good_id"))["rule_reason_key"]
    known = finding_order()
    data = data.with_columns(
        rule.str.strip_prefix("reason_").alias("_rule")
    ).with_columns(pl.when(pl.col("_rule").is_in(known)).then(pl.col("_rule")).alias("_rule"))
    listed = pl.col("cl") | pl.col("fl")
    downstream = pl.col("_downstream").fill_null(False) & listed
    watch = _active("watchlist_status", "watchlist_name")
    own_list = (
        pl.col("watchlist_list").replace_strict(_LIST_FINDING, default="watchlist_own")
    )
    parts = [
        pl.when(watch).then(own_list),
        pl.when(_active("scope_status", "scope_name")).then(pl.lit("country_order")),
        pl.col("_rule"),
        pl.when(pl.col("fl") & ~downstream).then(pl.lit("forced_labour_listed")),
        pl.when(pl.col("cl") & ~downstream).then(pl.lit("child_labour_listed")),
        pl.when(downstream).then(pl.lit("downstream_listing")),
    ]
    keys = pl.concat_list(parts).list.drop_nulls()
    keys = pl.when(keys.list.len() == 0).then(pl.lit(["model_estimate"])).otherwise(keys)
    return data.select(keys.alias("finding_keys"))["finding_keys"]


def followup_texts(keys: Sequence[str], lang: str = "en") -> dict[str, str]:
    """The finding labels, numbered questions, evidence, closure and sources for `keys`."""
    lang = _check_lang(lang)
    order = {k: i for i, k in enumerate(finding_order())}
    unknown = [k for k in keys if k not in order]
    if unknown:
        raise InputError(f"unknown finding type(s) {unknown}; known: {', '.join(order)}")
    keys = sorted(dict.fromkeys(keys), key=order.__getitem__)
    rows = _questions().filter(pl.col("finding").is_in(keys)).with_columns(
        pl.col("finding").replace_strict(order, return_dtype=pl.Int64).alias("_rank"),
        pl.col("seq").cast(pl.Int64),
        pl.coalesce(pl.col(f"text_{lang}").replace("", None), pl.col("text_en")).alias("_text"),
    ).sort("_rank", "seq")

    def listed(part: str, numbered: bool) -> str:
        texts = list(dict.fromkeys(rows.filter(pl.col("part") == part)["_text"].to_list()))
        if numbered:
            return "\n".join(f"{i}. {t}" for i, t in enumerate(texts, 1))
        return "\n".join(texts)

    sources = rows.select("source", "source_url").unique(maintain_order=True)
    return {
        "finding": "; ".join(phrase(f"finding_{k}", lang) for k in keys),
        "questions": listed("question", True),
        "evidence": listed("evidence", True),
        "close_when": listed("close", False),
        "sources": "\n".join(f"{s}: {u}" for s, u in sources.iter_rows()),
        "finding_keys": "; ".join(keys),
    }


def followup_frame(
    frame: pl.DataFrame,
    *,
    reference: Any,
    columns_used: Mapping[str, str] | None = None,
    lang: str = "en",
) -> pl.DataFrame:
    """One row per flagged row of the screened `frame`, worst first: who, what was found, and
    what to ask, request and accept (`FOLLOWUP_COLUMNS`).

    `columns_used` (the run's detected roles, e.g. run.meta["columns_used"]) names the input's
    supplier, country and product columns; resolved names stand in where they are missing.
    """
    lang = _check_lang(lang)
    roles = dict(columns_used or {})
    flagged = frame.filter(pl.col("flagged").fill_null(False).cast(pl.Boolean))
    keys = finding_keys(flagged, reference).list.join("; ")

    def text_of(*names: str | None) -> pl.Expr:
        cols = [pl.col(n).cast(pl.String) for n in names if n and n in flagged.columns]
        return pl.coalesce(cols) if cols else pl.lit(None, pl.String)

    base = flagged.select(
        pl.col("row_id"),
        text_of(roles.get("name"), "watchlist_name").alias("supplier"),
        text_of("country_name", roles.get("country")).alias("country"),
        text_of("good", roles.get("product"), roles.get("hs_code")).alias("product"),
        pl.col("risk_tier").cast(pl.String),
        keys.alias("finding_keys"),
        pl.col("risk_score").alias("_score"),
    )
    combos = base["finding_keys"].unique(maintain_order=True).to_list()
    texts = pl.DataFrame(
        [followup_texts(c.split("; "), lang) for c in combos],
        schema={c: pl.String for c in FOLLOWUP_COLUMNS[5:]},
        orient="row",
    )
    return (
        base.join(texts, on="finding_keys", how="left", maintain_order="left")
        .sort(["_score", "row_id"], descending=[True, False], nulls_last=True)
        .select(FOLLOWUP_COLUMNS)
    )
