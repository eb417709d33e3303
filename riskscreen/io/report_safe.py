"""Make any text safe to put in a spreadsheet cell: no formulas, no XML-illegal characters.

Supplier names come from outside and may be crafted (`=HYPERLINK(...)`, `+cmd|...`, `@SUM(...)`).
The report writes every string as a string cell (never `<f>`), and marks text starting with a
formula trigger (= + - @ tab CR) with Excel's quote prefix so that editing the cell in Excel or
LibreOffice keeps it text. The text itself is kept, so it stays readable and searchable.
Characters XML 1.0 forbids (C0 controls except tab/LF/CR, U+FFFE/U+FFFF) become U+FFFD, and text
longer than Excel's cell limit is cut with a visible marker: the row is never dropped.
"""

from __future__ import annotations

import re

import polars as pl

__all__ = [
    "EXCEL_MAX_CHARS",
    "FORMULA_START",
    "clean_text",
    "clean_text_expr",
    "is_formula_like",
    "is_formula_like_expr",
]

EXCEL_MAX_CHARS = 32_767
TRUNCATION_MARK = " …[cut: longer than Excel allows]"
REPLACEMENT = "\ufffd"
# Rust-regex (polars) and Python spellings of the same character class.
_ILLEGAL_RS = r"[\x00-\x08\x0B\x0C\x0E-\x1F\x{FFFE}\x{FFFF}]"
_ILLEGAL_PY = re.compile(r"[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]")
FORMULA_START = "=+-@\t\r"
_FORMULA_RS = r"^[=+\-@\t\r]"


def clean_text(value: str) -> str:
    """Replace XML-illegal characters and cut text Excel cannot hold (scalar version)."""
    value = _ILLEGAL_PY.sub(REPLACEMENT, value)
    if len(value) > EXCEL_MAX_CHARS:
        value = value[: EXCEL_MAX_CHARS - len(TRUNCATION_MARK)] + TRUNCATION_MARK
    return value


def is_formula_like(value: str) -> bool:
    """True when Excel would read the text as a formula (or DDE) if it were typed in."""
    return bool(value) and value[0] in FORMULA_START


def clean_text_expr(expr: pl.Expr) -> pl.Expr:
    """Vectorised `clean_text` for a String expression (nulls stay null)."""
    cleaned = expr.str.replace_all(_ILLEGAL_RS, REPLACEMENT)
    keep = EXCEL_MAX_CHARS - len(TRUNCATION_MARK)
    return (
        pl.when(cleaned.str.len_chars() > EXCEL_MAX_CHARS)
        .then(pl.concat_str([cleaned.str.slice(0, keep), pl.lit(TRUNCATION_MARK)]))
        .otherwise(cleaned)
    )


def is_formula_like_expr(expr: pl.Expr) -> pl.Expr:
    """Vectorised `is_formula_like` (null for null input)."""
    return expr.str.contains(_FORMULA_RS)
