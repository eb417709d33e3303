"""HS codes -> listed goods: clean codes in any shape, then look them up by longest prefix.

Codes come as "HS 5201.00", "HS:520100", "0901.11", "901" (Excel dropped the leading zero) or
"5201.0" (Excel float). The mapping itself is the curated table `reference/hs_goods.csv`.
Codes written in the product column are found by `hs_in_text` (labels from
`reference/hs_text_labels.csv`).
"""

from __future__ import annotations

import re
from functools import lru_cache

import polars as pl

from riskscreen.tables import read_table

__all__ = ["clean_hs", "hs_in_text", "hs_table", "lookup_hs"]

# "HS", "H.S.", "HTS", "tariff" labels (optionally followed by "code"/"no") in front of a code.
_LABEL = r"^(?:h\.?\s?t?\.?\s?s\.?|tariff|customs)\s*(?:code|no\.?|nr\.?|number)?\s*[:#=\-]?\s*"


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


# A code as written: a 2-4 digit chapter/heading, then up to four 2-digit groups (dots, spaces or
# nothing between): 5201 / 5201.00.10 / 6403 99 60 / 6110.20.2079. It must not run on into a
# digit or a percent sign ("6109 100% cotton" reads 6109).
_CODE = r"(\d{2,4}(?:[.\s]?\d{2}){0,4})(?:$|[^\d%])"
# A dotted code inside free text ("Cotton yarn 5205.11"): heading, dot, subheading.
_DOTTED = r"(?:^|[^\d.,/])(\d{4}\.\d{2}(?:\.?\d{2,4}){0,2})(?:$|[^\d.,/%])"
# A cell that is only a code: "854143", "0905.10", "6403 99 60".
_BARE = r"^\s*\d{4}(?:[.\s]?\d{2}){0,3}\s*$"


@lru_cache(maxsize=4)
def _labelled_pattern(folder: str | None = None) -> str:
    """Regex for a labelled code, from `hs_text_labels.csv` (longest label first)."""
    labels = read_table("hs_text_labels", folder)["label"].str.strip_chars().to_list()
    words = sorted({lab.lower() for lab in labels if lab}, key=len, reverse=True)
    alternation = "|".join(re.escape(w).replace(r"\ ", r"\s*") for w in words)
    return (r"(?i)(?:^|[^\p{L}\d])(?:" + alternation
            + r")\s*(?:code|no\.?|nr\.?|number|#)?\s*[:#=\-]?\s*" + _CODE)


def hs_in_text(expr: pl.Expr, folder: str | None = None) -> pl.Expr:
    """The HS code written in a product description, clean, or null; vectorised.

    Read when the cell is only a code (4+ digits: "854143", "0905.10"; a lone 4-digit number
    must be a real heading, not a year: "2024" and "1000" are no codes), when a label from
    `hs_text_labels.csv` stands before it ("HS 5201 raw cotton", "HTS# 9503.00.0073"), or when
    it is written dotted in the text ("Cotton yarn 5205.11"). Other numbers in the text
    (sizes, weights, order numbers) are never read as codes.
    """
    text = expr.cast(pl.String)
    digits = text.str.replace_all(r"\D", "")
    four = digits.str.len_chars() == 4
    year_or_no_heading = digits.str.contains(r"^(?:19|20)\d\d$|^\d\d00$")
    bare = pl.when(text.str.contains(_BARE) & ~(four & year_or_no_heading)).then(text)
    labelled = text.str.extract(_labelled_pattern(folder), 1)
    dotted = text.str.extract(_DOTTED, 1)
    return pl.coalesce(clean_hs(bare), clean_hs(labelled), clean_hs(dotted))


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
