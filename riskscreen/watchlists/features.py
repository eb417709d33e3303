"""The named features of a name match: one list drives the score, the explanation and the docs.

As in opensanctions' nomenklatura, the score of a (supplier name, listed name) pair is built from
small named features and a hit lists them in `watchlist_features`, so each hit explains itself.
Each `Feature` is a polars expression with a value in [0, 1] and a weight read from
`reference/match_thresholds.csv` (`weight` names the key). Three kinds:

* name evidence (`qualifier=False`): weighted and summed;
* sure name evidence (`floor=True`): the name's score is at least its weight when it holds
  (names equal as written, or once legal forms are stripped);
* qualifiers (`qualifier=True`): added to the name's score afterwards, up or down (`sign`):
  the countries agreeing or differing nudge a name, they never make one.

score = clip(max(Σ evidence, floors) + Σ qualifiers, 0, 1). A feature without a weight is shown
but not scored (what was read through: a vendor note, abbreviations written out).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import polars as pl

__all__ = ["Feature", "FEATURES", "TOKEN_OVERLAP", "feature_columns", "name_score",
           "qualifier_score", "features_text", "match_method", "most_gained", "kind",
           "feature_table"]


@dataclass(frozen=True)
class Feature:
    """One named feature: `value` (a polars expression in [0, 1]), `weight` (a key of
    match_thresholds.csv; None = shown only), `qualifier` (nudges a name's score rather than
    being name evidence), `text` (how `watchlist_features` shows it: `{value}` and
    `{contribution}` to 2 decimals, `{column}` as it is, `{column:2}` rounded to 2 decimals),
    `meaning` (for the docs)."""

    name: str
    value: pl.Expr
    weight: str | None
    qualifier: bool
    text: str
    meaning: str
    floor: bool = False
    sign: int = 1
    always: bool = False  # shown even when its value is 0


_A, _B = pl.col("alias_cov"), pl.col("input_cov")
#: Harmonic mean of the weighted shares of each side's words found in the other.
TOKEN_OVERLAP = pl.when(_A + _B > 0).then(2 * _A * _B / (_A + _B)).otherwise(0.0)
_KNOWN = pl.col("iso3").is_not_null() & (pl.col("country").fill_null("") != "")


def _flag(condition: pl.Expr) -> pl.Expr:
    return condition.fill_null(False).cast(pl.Float64)


FEATURES: tuple[Feature, ...] = (
    Feature(
        "name_similarity", pl.col("name_similarity"), "name_similarity_weight", False,
        "name_similarity={value}",
        "whole-name similarity: the best of the token-sorted similarity of the names without "
        "legal forms, of their compact forms, and (times `name_full_discount`) of the whole "
        "names with legal forms",
        always=True,
    ),
    Feature(
        "token_overlap", TOKEN_OVERLAP, "name_token_overlap_weight", False,
        "token_overlap={value} (listed {alias_cov:2}, input {input_cov:2})",
        "harmonic mean of the weighted shares of each name's words found in the other (rare "
        "words weigh more than generic ones; misspelt and abbreviated words count at their "
        "similarity)",
        always=True,
    ),
    Feature(
        "country_agrees", _flag(_KNOWN & (pl.col("iso3") == pl.col("country"))),
        "name_country_bonus", True, "country_agrees=+{contribution}",
        "the supplier's country is the listed country",
    ),
    Feature(
        "country_differs", _flag(_KNOWN & (pl.col("iso3") != pl.col("country"))),
        "name_country_penalty", True, "country_differs={contribution} ({iso3} vs listed {country})",
        "both countries are known and differ (evidence, not a filter)", sign=-1,
    ),
    Feature(
        "country_unknown", _flag(~_KNOWN), None, True, "country_unknown=0",
        "the supplier's or the listed country is unknown",
    ),
    Feature(
        "vendor_note_stripped", _flag(pl.col("vendor_note").is_not_null()), None, False,
        "vendor_note_stripped='{vendor_note}'",
        "a vendor-master note was stripped from the name first (`vendor_notes.csv`)",
    ),
    Feature(
        "abbreviations_expanded", _flag(pl.col("expanded").is_not_null()), None, False,
        "abbreviations_expanded={expanded}",
        "abbreviations written out (`name_abbreviations.csv`) or read by shape (`name_abbrev`)",
    ),
    Feature(
        "legal_form_stripped_exact",
        _flag((pl.col("core") == pl.col("a_core")) & (pl.col("core") != "")),
        "name_normalised_score", False, "legal_form_stripped_exact=1",
        "the names are equal once legal forms and word variants are normalised",
        floor=True,
    ),
    Feature(
        "exact",
        # "exact" means as written: a name found only once a note was stripped is not exact
        _flag((pl.col("raw_key") == pl.col("a_raw")) & (pl.col("raw_key") != "")
              & pl.col("vendor_note").is_null()),
        "name_exact_score", False, "exact=1",
        "the names are equal as written (case, accents and punctuation aside)",
        floor=True,
    ),
)


def _weighted(features: list[Feature], th: Mapping[str, float]) -> list[pl.Expr]:
    return [pl.col(f.name) * (f.sign * th[f.weight]) for f in features if f.weight]


def feature_columns(qualifiers: bool) -> list[pl.Expr]:
    """The value columns (named as the features) of the name features or of the qualifiers."""
    return [f.value.alias(f.name) for f in FEATURES if f.qualifier == qualifiers]


def name_score(th: Mapping[str, float]) -> pl.Expr:
    """max(Σ weighted name evidence, weighted sure evidence), from the feature columns."""
    evidence = _weighted([f for f in FEATURES if not f.qualifier and not f.floor], th)
    floors = _weighted([f for f in FEATURES if f.floor], th)
    return pl.max_horizontal(pl.sum_horizontal(evidence), *floors)


def qualifier_score(th: Mapping[str, float]) -> pl.Expr:
    """Σ weighted qualifiers (the country nudge), from the feature columns."""
    return pl.sum_horizontal(_weighted([f for f in FEATURES if f.qualifier], th))


def most_gained(th: Mapping[str, float], besides: str) -> float:
    """The most a pair can score apart from feature `besides`: every other name evidence at 1
    plus every qualifier that adds (bounds which pairs are worth scoring)."""
    return sum(th[f.weight] for f in FEATURES if f.weight and not f.floor and f.name != besides
               and (not f.qualifier or f.sign > 0))


def match_method() -> pl.Expr:
    """`exact`, `normalised` (equal once legal forms are stripped) or `fuzzy`."""
    return (pl.when(pl.col("exact") > 0).then(pl.lit("exact"))
            .when(pl.col("legal_form_stripped_exact") > 0).then(pl.lit("normalised"))
            .otherwise(pl.lit("fuzzy")))


def _placeholder(name: str, digits: str | None, value: pl.Expr, weight: float) -> pl.Expr:
    """What `{name}` or `{name:digits}` of a feature's text stands for."""
    if name == "value":
        return value.round(2)
    if name == "contribution":
        return (value * weight).round(2)
    return pl.col(name).round(int(digits)) if digits else pl.col(name)


def _shown(feature: Feature, th: Mapping[str, float]) -> pl.Expr:
    """The feature's text where it holds (always, for `always` features), else null."""
    value = pl.col(feature.name)
    weight = feature.sign * th[feature.weight] if feature.weight else 0.0
    parts = re.split(r"\{(\w+)(?::(\d))?\}", feature.text)
    args = [_placeholder(name, digits, value, weight)
            for name, digits in zip(parts[1::3], parts[2::3], strict=True)]
    text = pl.format("{}".join(parts[0::3]), *args) if args else pl.lit(feature.text)
    return text if feature.always else pl.when(value > 0).then(text)


def features_text(th: Mapping[str, float]) -> pl.Expr:
    """`watchlist_features`: each feature that holds, in FEATURES order, joined by '; '."""
    return pl.concat_str([_shown(f, th) for f in FEATURES], separator="; ", ignore_nulls=True)


def kind(feature: Feature) -> str:
    """How a feature counts, in words (the docs' feature table)."""
    if feature.weight is None:
        return "shown, not scored"
    if feature.floor:
        return "sure match: the name scores at least this"
    if feature.qualifier:
        return "qualifier: " + ("added" if feature.sign > 0 else "subtracted")
    return "name evidence: weighted and summed"


def feature_table() -> list[str]:
    """The markdown rows of the docs' feature table (README), one per feature in order."""
    return [
        f"| `{f.name}` | {f'`{f.weight}`' if f.weight else '—'} | {kind(f)} | {f.meaning} |"
        for f in FEATURES
    ]
