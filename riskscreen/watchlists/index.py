"""The searchable form of the listed names: normalised keys, tokens and their weights.

Built by `entity_index` once per loaded `Watchlists` and kept in this module's cache, keyed by
that (read-only) object and dropped with it, so screening only normalises the inputs.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from riskscreen.match.normalise import normalise, normalise_series
from riskscreen.watchlists.load import Watchlists
from riskscreen.watchlists.name_normalise import NameNormaliser, default_normaliser, token_weights


@dataclass(frozen=True)
class EntityIndex:
    """`aliases`: one row per listed name/alias with `aid`, `raw_key`, `core`, `compact`;
    `tokens`: (aid, atok, aw); `weights`: token → IDF x generic-word weight."""

    aliases: pl.DataFrame
    tokens: pl.DataFrame
    weights: dict[str, float]
    normaliser: NameNormaliser


def raw_key(text: str) -> str:
    """Key for the `exact` method: the generic normalisation only (case, accents, punctuation)."""
    return normalise(text or "")


def raw_keys(texts: Sequence[str | None]) -> pl.Series:
    """`raw_key` of every text in one polars pass (`normalise_expr`, the same keys)."""
    values = pl.Series("raw_key", list(texts), dtype=pl.String).fill_null("")
    return normalise_series(values)


#: Built indexes, one per loaded `Watchlists` while it lives.
_INDEXES: weakref.WeakKeyDictionary[Watchlists, EntityIndex] = weakref.WeakKeyDictionary()


def entity_index(watchlists: Watchlists) -> EntityIndex:
    """Index of `watchlists.entities`, built on first use for each loaded `Watchlists`."""
    cached = _INDEXES.get(watchlists)
    if cached is not None:
        return cached
    norm = default_normaliser()
    ents = watchlists.entities.with_row_index("aid")
    keys = norm.keys(ents["alias"].to_list())
    aliases = ents.with_columns(
        raw_keys(ents["alias"].to_list()),
        pl.Series("core", [k.core for k in keys], pl.String),
        pl.Series("compact", [k.compact for k in keys], pl.String),
        pl.Series("full_compact", [k.full.replace(" ", "") for k in keys], pl.String),
    )
    weights = token_weights((k.tokens for k in keys), norm.generic_weight)
    tokens = token_frame(keys, "a", weights)
    index = EntityIndex(aliases=aliases, tokens=tokens, weights=weights, normaliser=norm)
    _INDEXES[watchlists] = index
    return index


def token_frame(keys: Sequence[Any], prefix: str, weights: Mapping[str, float]) -> pl.DataFrame:
    """One row per (name, token): `{prefix}id`, `{prefix}tok` and its weight `{prefix}w`."""
    ident, tok, weight = f"{prefix}id", f"{prefix}tok", f"{prefix}w"
    return pl.DataFrame(
        {
            ident: [i for i, k in enumerate(keys) for _ in k.tokens],
            tok: [t for k in keys for t in k.tokens],
        },
        schema={ident: pl.UInt32, tok: pl.String},
    ).with_columns(
        pl.col(tok)
        .replace_strict(dict(weights), default=1.0, return_dtype=pl.Float64)
        .alias(weight)
    )
