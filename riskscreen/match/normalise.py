"""The one text normaliser of the matchers: one canonical key per messy spelling.

`normalise(text)` (one string) and `normalise_expr(expr)` (a polars column, vectorised) give
the same key, step for step: NFKC, lower case, letters without a decomposition folded (`ß` ->
`ss`, `ø` -> `o`, final `ς` -> `σ` …), combining marks dropped after Latin, Greek, Cyrillic,
Armenian, Hebrew and Arabic letters (below U+0800; Indic, Thai and kana marks carry meaning and
are kept), apostrophes dropped, other punctuation, symbols, separators and controls turned into
single spaces, trimmed. A test checks that the two forms agree on arbitrary text.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import polars as pl

from riskscreen.tables import read_table

__all__ = ["has_cjk", "is_latin", "normalise", "normalise_expr", "normalise_series",
           "pinyin_word_pattern"]

# Letters that have no Unicode decomposition but are accented forms in practice, and the two
# lower-case forms that casefolding would merge.
_FOLD = {"ß": "ss", "ς": "σ", "ø": "o", "æ": "ae", "œ": "oe", "đ": "d", "ł": "l", "ı": "i",
         "ð": "d", "þ": "th", "ħ": "h"}
_FOLD_TABLE = str.maketrans(_FOLD)
_APOSTROPHES = "'’ʼ`´"
# Combining marks (category Mn) are dropped only after base letters below this code point.
_STRIP_MARKS_BELOW = 0x0800
_SPACES = re.compile(r" {2,}")
_ASCII_NOISE = re.compile(r"[^a-z0-9]+")


def _strip_marks(text: str) -> str:
    """Drop the Mn marks that follow a base character below U+0800 (or start the text)."""
    out: list[str] = []
    base = 0
    for ch in unicodedata.normalize("NFKD", text):
        if unicodedata.category(ch) == "Mn":
            if base < _STRIP_MARKS_BELOW:
                continue
        else:
            base = ord(ch)
        out.append(ch)
    return unicodedata.normalize("NFC", "".join(out))


def _depunct(text: str) -> str:
    """Drop apostrophes; punctuation, symbols, separators and controls become spaces."""
    return "".join(
        "" if ch in _APOSTROPHES else " " if unicodedata.category(ch)[0] in "PSZC" else ch
        for ch in text
    )


@lru_cache(maxsize=65536)
def normalise(text: str) -> str:
    """Canonical matching key: lower case, accent-free, punctuation as single spaces, trimmed."""
    if not text:
        return ""
    if text.isascii():  # fast path, same result as the general one below
        return _ASCII_NOISE.sub(" ", text.lower().replace("'", "").replace("`", "")).strip()
    folded = unicodedata.normalize("NFKC", text).lower().translate(_FOLD_TABLE)
    return _SPACES.sub(" ", _depunct(_strip_marks(folded))).strip(" ")


def normalise_expr(expr: pl.Expr) -> pl.Expr:
    """`normalise` as a polars expression: the same key for every value of a column."""
    s = expr.cast(pl.String).str.normalize("NFKC").str.to_lowercase()
    s = s.str.replace_many(list(_FOLD), list(_FOLD.values()))
    # the base before a run of marks is any non-mark below U+0800 (a mark is never a base)
    s = s.str.normalize("NFKD").str.replace_all(r"(^|[\x{0}-\x{7FF}&&\P{Mn}])\p{Mn}+", "${1}")
    s = s.str.normalize("NFC").str.replace_all(f"[{_APOSTROPHES}]", "")
    s = s.str.replace_all(r"[\p{P}\p{S}\p{Z}\p{C}]+", " ")
    return s.str.replace_all(r" {2,}", " ").str.strip_chars(" ")


def normalise_series(values: pl.Series) -> pl.Series:
    """`normalise_expr` applied to a Series (nulls stay null). ASCII values take the short
    path `normalise` takes (the Unicode steps change nothing in them); only the others run
    the whole chain."""
    values = values.cast(pl.String)
    ascii_key = (values.str.to_lowercase().str.replace_all("['`]", "")
                 .str.replace_all("[^a-z0-9]+", " ").str.strip_chars(" "))
    # a value outside ASCII has more bytes than characters (cheaper than a pattern)
    other = (values.str.len_bytes() != values.str.len_chars()).fill_null(False)
    if other.any():
        rows = other.arg_true()
        full = pl.select(normalise_expr(pl.lit(values.gather(rows)))).to_series()
        ascii_key = ascii_key.scatter(rows, full)
    return ascii_key.alias(values.name)


_CJK = re.compile("[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")


def has_cjk(text: str) -> bool:
    """True when the text has Han ideographs, kana or Hangul (scripts written without spaces)."""
    return not text.isascii() and _CJK.search(text) is not None


def is_latin(text: str) -> bool:
    """True when every letter of `text` is basic Latin (after `normalise`)."""
    return text.isascii()


@lru_cache(maxsize=1)
def pinyin_word_pattern() -> re.Pattern[str]:
    """Whole words made of toneless pinyin syllables (initial, if any, + final), from
    `reference/pinyin_parts.csv`: "Mianyang" is two syllables, "semicon" is none."""
    parts = read_table("pinyin_parts")
    initials = sorted(parts.filter(parts["kind"] == "initial")["part"], key=len, reverse=True)
    finals = sorted(parts.filter(parts["kind"] == "final")["part"], key=len, reverse=True)
    syllable = f"(?:{'|'.join(initials)})?(?:{'|'.join(finals)})"
    return re.compile(f"(?:{syllable})+")
