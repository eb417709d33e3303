"""HS codes -> listed goods: clean codes in any shape, then look them up by longest prefix.

Codes come as "HS 5201.00", "HS:520100", "0901.11", "901" (Excel dropped the leading zero) or
"5201.0" (Excel float). The mapping itself is the curated table `reference/hs_goods.csv`.
"""

from __future__ import annotations

from functools import lru_cache

import polars as pl

from riskscreen.tables import read_table

# "HS", "H.S.", "HTS", "tariff" labels (optionally followed by "code"/"no") in front of a code.
_LABEL = r"^(?:h\.?\s?t?\.?\s?s\.?|tariff|customs)\s*(?:code|no\.?|nr\.?|number)?\s*[:#=\-]?\s*"
# A code written inside a product description: "... HS 5201.00 ..." / "HS code: 520100".
_EMBEDDED = r"(?i)\bhs\s*(?:code)?\s*[:#]?\s*(\d[\d. ]{0,12}\d)\b"


def clean_hs(expr: pl.Expr) -> pl.Expr:
    """Digits-only HS code (2-10 digits, even length, valid chapter) or null; vectorised.

    A 3/5/7/9-digit code that does not start with 0 lost its leading zero in a spreadsheet
    ("901" -> "0901"); "5201.0" is a float rendering of 5201, not subheading 5201.0x.
    """
    s = expr.cast(pl.String).str.strip_chars().str.to_lowercase()
    s = s.str.replace(_LABEL, "")
    s = s.str.replace(r"^(\d+)\.0$", "${1}")
    s = s.str.replace_all(r"[\s.\-/_]", "")
    s = pl.when(s.str.contains(r"^\d{2,10}$")).then(s).otherwise(pl.lit(None, pl.String))
    odd = (s.str.len_chars() % 2 == 1) & ~s.str.starts_with("0")
    s = pl.when(odd).then(pl.lit("0") + s).otherwise(s)
    chapter = s.str.slice(0, 2).cast(pl.Int32, strict=False)
    valid = chapter.is_between(1, 97) & (chapter != 77)
    return pl.when(valid).then(s).otherwise(pl.lit(None, pl.String))


def embedded_hs(expr: pl.Expr) -> pl.Expr:
    """The HS code written inside a free-text description ("Raw cotton HS 5201.00"), or null."""
    return expr.str.extract(_EMBEDDED, 1)


@lru_cache(maxsize=4)
def hs_table(folder: str | None = None) -> pl.DataFrame:
    """`hs_goods.csv` with typed confidence and the prefix length (for longest-prefix wins)."""
    table = read_table("hs_goods", folder)
    return table.select(
        pl.col("hs_prefix").str.strip_chars(),
        pl.col("good_id").str.strip_chars().replace("", None),
        pl.col("sector").str.strip_chars().replace("", None),
        pl.col("confidence").cast(pl.Float64),
    ).with_columns(plen=pl.col("hs_prefix").str.len_chars())


def lookup_hs(codes: pl.Series, folder: str | None = None) -> pl.DataFrame:
    """Longest matching prefix per distinct clean code.

    Returns [hs_code, hs_prefix, hs_good_id, hs_sector, hs_confidence]; codes without any
    matching prefix get nulls.
    """
    table = hs_table(folder)
    frame = pl.DataFrame({"hs_code": codes.cast(pl.String)}).drop_nulls().unique()
    parts = []
    for length in sorted(table["plen"].unique().to_list()):
        rows = table.filter(pl.col("plen") == length).drop("plen")
        keyed = frame.filter(pl.col("hs_code").str.len_chars() >= length).with_columns(
            hs_prefix=pl.col("hs_code").str.slice(0, length)
        )
        parts.append(keyed.join(rows, on="hs_prefix", how="inner"))
    hits = pl.concat(parts) if parts else frame.clear()
    best = (
        hits.sort(pl.col("hs_prefix").str.len_chars(), descending=True)
        .group_by("hs_code", maintain_order=True)
        .first()
        .rename({"good_id": "hs_good_id", "sector": "hs_sector", "confidence": "hs_confidence"})
    )
    return frame.join(best, on="hs_code", how="left").select(
        "hs_code", "hs_prefix", "hs_good_id", "hs_sector", "hs_confidence"
    )
