"""Combine listing, watchlist hits, region rules and model probabilities into score and reasons.

The formula (documented in the README) is driven by `reference/thresholds.csv`:

* an active watchlist entity hit or an active country/region-wide order scores 100 — tier
  critical;
* a country or region rule in law or in ILAB's findings (`reference/watchlist_scope_rules.csv`,
  basis `law` or `ilab_finding`: the UFLPA region presumption, CAATSA 321(b) for North
  Korea, governments ILAB finds complicit in forced child labour) sets the score to at least its
  `score_key` threshold, whatever the good;
* a (country, good) pair on the newest ILAB list scores from `listed_forced_base` (forced labour)
  or `listed_child_base` (child labour only) upwards, by the model's probability — it always flags;
  so do a downstream listing (made with listed inputs, `reference/derived_inputs.csv`) and a
  listing of a good's parent (`reference/good_parents.csv`: clay bricks are bricks);
* otherwise 100 × p(any finding) ^ `model_exponent`, capped by how much is known: the pair
  (`model_pair_cap`), only the sector (`model_sector_cap`) or only the country
  (`model_country_cap`);
* no resolved country and no hit: tier unknown, no score.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import polars as pl

from riskscreen.contracts import MODEL_FACTORS, MODEL_OUTPUTS, ReferenceTables, RiskScorer
from riskscreen.errors import InputError
from riskscreen.phrases import say, say_expr
from riskscreen.tables import read_table
from riskscreen.tiers import FLAG_TIERS, TIER_CUTS, TIERS, UNSCORED, tier_rank
from riskscreen.watchlists.scopes import RULE_COLUMNS, law_rules, match_law_rules

__all__ = [
    "Thresholds", "likelihood_band", "list_label", "list_status", "listed_pairs",
    "load_thresholds", "score_rows",
]



@dataclass(frozen=True)
class Thresholds:
    """Score bands and cut-offs, read from `reference/thresholds.csv` (options may override)."""

    values: dict[str, float]
    min_tier: str = "high"

    def __getitem__(self, key: str) -> float:
        return self.values[key]

    def as_dict(self) -> dict[str, Any]:
        return {**self.values, "min_tier": self.min_tier}


def load_thresholds(**overrides: Any) -> Thresholds:
    """Thresholds from the table, with keyword overrides (e.g. `min_tier="medium"`,
    `tier_high=60`). An unknown key, a non-number or tier cut-offs out of order raise
    `InputError` naming what to change."""
    table = read_table("thresholds")
    raw = dict(zip(table["key"].to_list(), table["value"].to_list(), strict=True))
    min_tier = str(overrides.pop("min_tier", None) or raw.pop("min_tier", "high"))
    raw.pop("min_tier", None)
    if min_tier not in TIERS:
        raise InputError(f"min_tier must be one of {', '.join(TIERS)}, not {min_tier!r}")
    values = {k: float(v) for k, v in raw.items()}
    unknown = sorted(k for k, v in overrides.items() if v is not None and k not in values)
    if unknown:
        raise InputError(
            f"unknown threshold {', '.join(repr(k) for k in unknown)}; "
            f"known: {', '.join(sorted(values))}, min_tier (reference/thresholds.csv says what "
            "each does)"
        )
    for key, value in overrides.items():
        if value is None:
            continue
        try:
            values[key] = float(value)
        except (TypeError, ValueError):
            raise InputError(f"threshold {key} must be a number, not {value!r}") from None
    cuts = [values[k] for k in TIER_CUTS]
    if not all(a > b for a, b in zip(cuts, cuts[1:], strict=False)) or cuts[-1] < 0:
        raise InputError(
            f"tier cut-offs must fall: {' > '.join(TIER_CUTS)} >= 0 "
            f"(now {', '.join(f'{c:g}' for c in cuts)})"
        )
    return Thresholds(values=values, min_tier=min_tier)


def _pct(col: str) -> pl.Expr:
    """A probability as a whole percent; below 1 % as "under 1%" (never a bare "0%")."""
    p = pl.col(col)
    return (
        pl.when(p < 0.005).then(pl.lit(say("pct_under_one")))
        .otherwise((p * 100).round(0).cast(pl.Int64).cast(pl.String) + pl.lit("%"))
    )


def likelihood_band(col: str, th: Thresholds) -> pl.Expr:
    """The model's probability in words: elevated / moderate / low (cut-offs in thresholds.csv)."""
    p = pl.col(col)
    return (
        pl.when(p >= th["likelihood_elevated"]).then(pl.lit(say("band_elevated")))
        .when(p >= th["likelihood_moderate"]).then(pl.lit(say("band_moderate")))
        .otherwise(pl.lit(say("band_low")))
    )


def _finding() -> pl.Expr:
    """The listing's findings in words, naming the input or broader good it comes through."""
    good = pl.coalesce(pl.col("good"), pl.col("sector"))
    found = (
        pl.when(pl.col("listed_forced_labour") & pl.col("listed_child_labour"))
        .then(pl.lit(say("finding_both")))
        .when(pl.col("listed_forced_labour")).then(pl.lit(say("finding_forced")))
        .otherwise(pl.lit(say("finding_child")))
    )
    via = pl.col("_listing_via")
    return (
        pl.when(via == "input")
        .then(say_expr("finding_via_input", finding=found, input=pl.col("_listing_note")))
        .when(via == "parent")
        .then(say_expr("finding_via_parent", finding=found, parent=pl.col("_listing_note"),
                       good=good))
        .otherwise(found)
    )


def list_status() -> pl.Expr:
    """Where the row's product stands against the List, in words (the `list_status` column)."""
    listed = pl.col("listed_forced_labour") | pl.col("listed_child_labour")
    method = pl.col("good_method").fill_null("none")
    return (
        pl.when(listed).then(pl.lit(say("status_listed")))
        .when(pl.col("good_id").is_not_null()).then(pl.lit(say("status_not_for_country")))
        .when(pl.col("sector").is_not_null()).then(pl.lit(say("status_sector")))
        .when(method == "service").then(pl.lit(say("status_service")))
        .when(method == "missing").then(pl.lit(say("status_no_product")))
        .when(pl.col("good_candidates").is_not_null()).then(pl.lit(say("status_uncertain")))
        .otherwise(pl.lit(say("status_not_on_list")))
    )


def good_label() -> pl.Expr:
    """The good as reasons name it, saying where it came from when the row did not give it
    (read from the supplier's name, or the product given for every row with --product)."""
    good = pl.coalesce(pl.col("good"), pl.col("sector"))
    source = pl.col("good_source")
    return (
        pl.when(source == "supplier name")
        .then(say_expr("good_from_name", good=good, word=pl.col("_good_word")))
        .when(source == "product option")
        .then(say_expr("good_from_option", good=good, product=pl.col("_good_word")))
        .otherwise(good)
    )


def _model_reason(list_name: str, th: Thresholds) -> pl.Expr:
    """The model's estimate as a likelihood band, the number second, never read as a clearance."""
    country = pl.coalesce(pl.col("country_name"), pl.col("country_iso3"))
    method = pl.col("good_method").fill_null("none")
    blanks = {
        "band": likelihood_band("p_any_finding", th),
        "pct": _pct("p_any_finding"),
        "country": country,
        "low": pl.when(pl.col("p_any_finding") < th["likelihood_moderate"])
        .then(pl.lit(say("reason_model_low_note"))).otherwise(pl.lit("")),
        "factors": pl.when(pl.col("model_factors").is_not_null())
        .then(say_expr("reason_model_factors",
                       factors=pl.col("model_factors").str.replace_all("; ", ", ")))
        .otherwise(pl.lit("")),
    }
    level = pl.col("_level")
    return (
        pl.when(level == "pair")
        .then(say_expr("reason_model_pair", list_name=list_name, good=good_label(), **blanks))
        .when(level == "sector")
        .then(say_expr("reason_model_sector", sector=pl.col("sector"), **blanks))
        .when(method == "service").then(say_expr("reason_model_service", **blanks))
        .when((method == "missing") | pl.col("good_candidates").is_not_null())
        .then(say_expr("reason_model_country", **blanks))
        .otherwise(say_expr("reason_model_not_on_list", **blanks))
    )


def _rule_reason(country: pl.Expr, edition: str) -> pl.Expr:
    """The sentence of the law or ILAB rule that applies (its `reason_key` in phrases.csv)."""
    key = pl.col("rule_reason_key")
    out = pl.lit(None, pl.String)
    for reason_key in law_rules()["rule_reason_key"].unique(maintain_order=True).to_list():
        out = pl.when(key == reason_key).then(
            say_expr(reason_key, country=country, edition=edition)
        ).otherwise(out)
    return out


def _findings_edition(reference: ReferenceTables) -> str:
    """'2022': the reporting year of the newest Findings on the Worst Forms of Child Labor."""
    rows = reference.editions.filter(pl.col("kind") == "countries").sort("edition")
    return str(rows["reporting_year"][-1]) if rows.height else ""


def _reasons(list_name: str, th: Thresholds, findings_edition: str = "") -> list[pl.Expr]:
    """Candidate reasons in priority order; the first three non-null ones are kept. Every
    sentence comes from `reference/phrases.csv`."""
    country = pl.coalesce(pl.col("country_name"), pl.col("country_iso3"))
    hit = pl.col("watchlist_name").is_not_null()
    listed = pl.col("listed_forced_labour") | pl.col("listed_child_labour")
    alias = pl.col("watchlist_alias")
    return [
        pl.when(hit & pl.col("_watch_active")).then(
            say_expr(
                "reason_watchlist",
                source=pl.col("watchlist_source"),
                name=pl.col("watchlist_name"),
                alias=pl.when(alias.is_not_null() & (alias != pl.col("watchlist_name")))
                .then(say_expr("reason_watchlist_alias", alias=alias)).otherwise(pl.lit("")),
                section=pl.when(pl.col("watchlist_section").str.len_chars() > 0)
                .then(say_expr("reason_watchlist_section", section=pl.col("watchlist_section")))
                .otherwise(pl.lit("")),
                similarity=(pl.col("watchlist_score") * 100).round(0).cast(pl.Int64)
                .cast(pl.String),
            )
        ),
        _rule_reason(country, findings_edition),
        pl.when(pl.col("_scope_active")).then(
            say_expr("reason_scope", action=pl.col("scope_action"), date=pl.col("scope_date"),
                     name=pl.col("scope_name"))
        ),
        pl.when(listed).then(
            say_expr("reason_listed", list_name=list_name, good=good_label(), country=country,
                     finding=_finding(), ignore_nulls=False)
        ),
        pl.when(hit & ~pl.col("_watch_active")).then(
            say_expr("reason_watchlist_history", source=pl.col("watchlist_source"),
                     name=pl.col("watchlist_name"), status=pl.col("watchlist_status"))
        ),
        pl.when(pl.col("scope_name").is_not_null() & ~pl.col("_scope_active")).then(
            say_expr("reason_scope_history", action=pl.col("scope_action"),
                     date=pl.col("scope_date"), status=pl.col("scope_status"),
                     name=pl.col("scope_name"))
        ),
        pl.when(pl.col("_level").is_in(["pair", "sector", "country"])
                & pl.col("p_any_finding").is_not_null() & ~listed)
        .then(_model_reason(list_name, th)),
        # said once: skipped where the model's factors already carry the country's standing
        pl.when(pl.col("country_iso3").is_not_null() & ~pl.col("country_assessed") & ~listed
                & pl.col("model_factors").is_null())
        .then(say_expr("reason_not_assessed", country=country)),
        pl.when(pl.col("country_iso3").is_null() & (pl.col("country_method") == "missing"))
        .then(pl.lit(say("reason_no_country"))),
        pl.when(pl.col("country_iso3").is_null() & (pl.col("country_method") != "missing"))
        .then(pl.lit(say("reason_country_unread"))),
    ]


#: The columns scoring reads; rows alike in all of them get the same score and reasons.
SCORE_INPUTS: tuple[str, ...] = (
    "country_iso3", "country_name", "country_method", "region", "good_id", "good", "sector",
    "watchlist_name", "watchlist_source", "watchlist_alias", "watchlist_section",
    "watchlist_score", "watchlist_status", "scope_name", "scope_action", "scope_date",
    "scope_status", "good_method", "good_candidates", "good_source", "_good_word",
)
#: Inputs whose text scoring never reads, only whether they are given (the product's candidate
#: goods: the row is then "uncertain"): distinct rows are keyed on that, so a vendor master's
#: thousands of distinct candidate lists do not multiply the rows scored.
PRESENCE_ONLY: tuple[str, ...] = ("good_candidates",)


def score_rows(
    frame: pl.DataFrame,
    *,
    reference: ReferenceTables,
    model: RiskScorer,
    thresholds: Thresholds | None = None,
) -> pl.DataFrame:
    """Add listing, model probabilities, `risk_score`, `risk_tier`, `flagged` and `reasons`.

    `frame` carries the resolver columns (`SCORE_INPUTS`). Each distinct combination of them is
    scored once and joined back, so the cost grows with distinct suppliers, not rows.
    """
    keys = [c for c in SCORE_INPUTS if c in frame.columns]
    # only whether these are given counts: keyed on that, not on their text
    given = {c: f"_{c}_given" for c in PRESENCE_ONLY if c in keys}
    keyed = frame.with_columns(
        pl.when(pl.col(c).is_not_null()).then(pl.lit("")).alias(k) for c, k in given.items())
    on = [given.get(c, c) for c in keys]
    distinct = keyed.select(on).unique(maintain_order=True).rename(
        {k: c for c, k in given.items()})
    scored = _score_distinct(distinct, reference=reference, model=model, thresholds=thresholds)
    return keyed.join(scored.rename(given), on=on, how="left", nulls_equal=True,
                      maintain_order="left").drop(given.values())


def _score_distinct(
    frame: pl.DataFrame,
    *,
    reference: ReferenceTables,
    model: RiskScorer,
    thresholds: Thresholds | None = None,
) -> pl.DataFrame:
    """The score of each row of `frame` (already distinct over `SCORE_INPUTS`)."""
    th = thresholds or load_thresholds()
    list_name = say("list_name", list=list_label(reference))
    listed = listed_pairs(reference)
    frame = frame.with_columns(
        pl.lit(None, pl.String).alias(c)
        for c in ("good_method", "good_candidates", "good_source", "_good_word")
        if c not in frame.columns
    )

    pairs = (
        frame.select("country_iso3", "good_id", "sector")
        .unique(maintain_order=True)
        .filter(pl.col("country_iso3").is_not_null())
    )
    predicted = _predict(pairs, model)
    frame = match_law_rules(frame)
    out = (
        frame.join(listed, on=["country_iso3", "good_id"], how="left", nulls_equal=False)
        .join(predicted, on=["country_iso3", "good_id", "sector"], how="left", nulls_equal=True)
        .with_columns(
            pl.col("listed_child_labour").fill_null(False),
            pl.col("listed_forced_labour").fill_null(False),
            pl.col("country_assessed").fill_null(False),
        )
    )
    out = out.with_columns(
        pl.when(pl.col("listed_child_labour") | pl.col("listed_forced_labour"))
        .then(pl.lit(list_label(reference)))
        .otherwise(None)
        .alias("listing_edition"),
        pl.when(pl.col("country_iso3").is_null()).then(pl.lit("none"))
        .when(pl.col("good_id").is_not_null()).then(pl.lit("pair"))
        .when(pl.col("sector").is_not_null()).then(pl.lit("sector"))
        .otherwise(pl.lit("country"))
        .alias("_level"),
        _active("watchlist_status", "watchlist_name").alias("_watch_active"),
        _active("scope_status", "scope_name").alias("_scope_active"),
        _rule_floor(th).alias("_rule_score"),
    )
    model_score = (pl.col("p_any_finding").pow(th["model_exponent"]) * 100).round(0)
    score = (
        pl.when(pl.col("_watch_active") | pl.col("_scope_active"))
        .then(pl.lit(th["watchlist_score"]))
        .when(pl.col("listed_forced_labour"))
        .then(th["listed_forced_base"] + (pl.col("p_forced_labour").fill_null(0)
                                          * th["listed_forced_span"]).round(0))
        .when(pl.col("listed_child_labour"))
        .then(th["listed_child_base"] + (pl.col("p_child_labour").fill_null(0)
                                         * th["listed_child_span"]).round(0))
        .when(pl.col("_level") == "pair").then(pl.min_horizontal(model_score, th["model_pair_cap"]))
        .when(pl.col("_level") == "sector")
        .then(pl.min_horizontal(model_score, th["model_sector_cap"]))
        .when(pl.col("_level") == "country")
        .then(pl.min_horizontal(model_score, th["model_country_cap"]))
        .otherwise(None)
    )
    score = pl.max_horizontal(score, pl.col("_rule_score"))  # a law / ILAB rule is a floor
    out = out.with_columns(score.cast(pl.Int64).alias("risk_score"))
    # the tier cut-offs in order, most severe first; below them all, the lowest scored tier
    tier: Any = pl.when(pl.col("risk_score").is_null()).then(pl.lit(UNSCORED))
    for name, cut in zip(FLAG_TIERS, TIER_CUTS, strict=False):
        tier = tier.when(pl.col("risk_score") >= th[cut]).then(pl.lit(name))
    tier = tier.otherwise(pl.lit(FLAG_TIERS[-1]))
    flag_tiers = [t for t in TIERS if tier_rank(t) >= tier_rank(th.min_tier)]
    out = out.with_columns(tier.alias("risk_tier")).with_columns(
        pl.col("risk_tier").is_in(flag_tiers).alias("flagged"),
        list_status().alias("list_status"),
        pl.concat_list(_reasons(list_name, th, _findings_edition(reference)))
        .list.drop_nulls()
        .list.head(3)
        .list.join("; ")
        .alias("reasons"),
    )
    return out.drop("_level", "_watch_active", "_scope_active", "_rule_score", *RULE_COLUMNS,
                    "_listing_via", "_listing_note")


def listed_pairs(reference: ReferenceTables) -> pl.DataFrame:
    """(country_iso3, good_id) pairs on the newest list, with the findings that apply to them.

    Three ways onto the list, the first that applies wins: the good's own finding; a downstream
    listing ("made with inputs produced with ..."), which takes the findings of its input's
    listing (`reference/derived_inputs.csv`); a listing of a broader good of which it is a kind
    (`reference/good_parents.csv`: clay bricks from a country listed for Bricks). `_listing_via`
    is null, "input" or "parent"; `_listing_note` names the input or the parent listing.
    """
    flags = ["listed_child_labour", "listed_forced_labour"]
    rows = reference.listings_for(None).rename(
        {"iso3": "country_iso3", "child_labour": flags[0], "forced_labour": flags[1]}
    )
    own = (
        rows.filter(pl.col(flags[0]) | pl.col(flags[1]))
        .group_by("country_iso3", "good_id", maintain_order=True)
        .agg(pl.col(flags[0]).any(), pl.col(flags[1]).any())
    )
    names = reference.goods.select("good_id", "name")
    countries = reference.countries.select(
        pl.col("iso3").alias("input_iso3"),
        pl.coalesce("ilab_name", "name").alias("_input_country"),
    )
    inputs = read_table("derived_inputs").select("good_id", "input_good_id")
    via_input = (
        rows.filter(pl.col("derived"))
        .select("country_iso3", "good_id",
                pl.coalesce(pl.col("input_iso3"), pl.col("country_iso3")).alias("input_iso3"))
        .join(inputs, on="good_id")
        .join(own.rename({"country_iso3": "input_iso3", "good_id": "input_good_id"}),
              on=["input_iso3", "input_good_id"])
        .join(names.rename({"good_id": "input_good_id", "name": "_input_good"}),
              on="input_good_id", how="left")
        .join(countries, on="input_iso3", how="left")
        .select("country_iso3", "good_id", *flags, _listing_via=pl.lit("input"),
                _listing_note=pl.concat_str(["_input_good", pl.lit(" from "), "_input_country"]))
    )
    parents = read_table("good_parents").select("good_id", "parent_good_id")
    via_parent = (
        parents.join(own.rename({"good_id": "parent_good_id"}), on="parent_good_id")
        .join(names.rename({"good_id": "parent_good_id", "name": "_listing_note"}),
              on="parent_good_id", how="left")
        .select("country_iso3", "good_id", *flags, _listing_via=pl.lit("parent"),
                _listing_note="_listing_note")
    )
    out = own.with_columns(_listing_via=pl.lit(None, pl.String),
                           _listing_note=pl.lit(None, pl.String))
    for more in (via_input, via_parent):
        out = pl.concat([out, more.join(out, on=["country_iso3", "good_id"], how="anti")])
    return out


def _rule_floor(th: Thresholds) -> pl.Expr:
    """The score a law or ILAB rule guarantees the row (its `score_key` threshold), or null."""
    keys = law_rules()["rule_score_key"].unique(maintain_order=True).to_list()
    missing = [k for k in keys if k not in th.values]
    if missing:
        raise InputError(f"watchlist_scope_rules.csv names unknown thresholds {missing}; "
                         "add them to reference/thresholds.csv")
    return pl.col("rule_score_key").replace_strict(
        {k: th[k] for k in keys}, default=None, return_dtype=pl.Float64
    )


def inactive_words() -> tuple[str, ...]:
    """Words of a status that put a hit or order in history (`reference/inactive_statuses.csv`:
    modified, revoked, inactive, lifted), lower case."""
    return tuple(w.strip().lower() for w in read_table("inactive_statuses")["word"])


def _active(status_col: str, name_col: str) -> pl.Expr:
    """A hit counts unless its status says it no longer applies (history only)."""
    status = pl.col(status_col).fill_null("").str.to_lowercase()
    inactive = "|".join(re.escape(w) for w in inactive_words())
    return pl.col(name_col).is_not_null() & ~status.str.contains(inactive)


def _predict(pairs: pl.DataFrame, model: RiskScorer) -> pl.DataFrame:
    """Model probabilities and plain-word factors for each distinct (country, good, sector)."""
    # the pair keys as given, then the model's outputs (its own `model_level` is not used:
    # scoring finds the level from the listings)
    schema = {**pairs.select("country_iso3", "good_id", "sector").schema,
              **{c: t for c, t in MODEL_OUTPUTS.items() if c != "model_level"}, **MODEL_FACTORS}
    if pairs.is_empty():
        return pl.DataFrame(schema=schema)
    return model.explain(model.predict_pairs(pairs)).select(list(schema))


def list_label(reference: ReferenceTables, edition: str | None = None) -> str:
    """The List of Goods of `edition` (default: the newest) as ILAB names it: '2022 List'.

    From `reference/list_editions.csv`; an edition missing there is named by its goods file's
    publication year, else by its data label."""
    edition = str(edition or reference.newest_edition)
    labels = read_table("list_editions")
    row = labels.filter(pl.col("edition") == edition)
    if row.height and row["list_label"][0]:
        return str(row["list_label"][0])
    rows = reference.editions.filter((pl.col("edition") == edition) & (pl.col("kind") == "goods"))
    if rows.height and rows["published"][0]:
        return f"{str(rows['published'][0])[:4]} List"
    return f"List (data edition {edition})"
