"""Vectorised matching key for product descriptions (polars expressions, no per-string Python).

Same idea as `riskscreen.match.normalise.normalise` (case, width, accents, punctuation folded
away) but done column-wise, because product columns hold many distinct free-text values.
Keywords go through the same expression, so both sides always agree.
"""

from __future__ import annotations

import polars as pl

# Letters without a Unicode decomposition that are accented forms in practice.
_FOLD = {
    "ß": "ss",
    "ø": "o",
    "æ": "ae",
    "œ": "oe",
    "đ": "d",
    "ł": "l",
    "ı": "i",
    "ð": "d",
    "þ": "th",
    "ħ": "h",
}


def normalise_expr(expr: pl.Expr) -> pl.Expr:
    """Lower-case, NFKC, accents stripped, apostrophes dropped, other punctuation -> one space."""
    s = expr.cast(pl.String).str.normalize("NFKC").str.to_lowercase()
    s = s.str.replace_many(list(_FOLD), list(_FOLD.values()))
    s = s.str.normalize("NFKD").str.replace_all(r"\p{Mn}", "").str.normalize("NFC")
    s = s.str.replace_all(r"['’ʼ`´]", "")
    s = s.str.replace_all(r"[\p{P}\p{S}\p{Z}\p{C}]+", " ")
    return s.str.replace_all(r" {2,}", " ").str.strip_chars(" ")


def normalise_series(values: pl.Series) -> pl.Series:
    """`normalise_expr` applied to a Series (nulls stay null)."""
    return pl.select(normalise_expr(pl.lit(values))).to_series().alias(values.name)
