"""Read spend amounts typed by people: "1,234.50", "€ 1.234,50", "12 000", "(300)", "USD 5,000".

Spend columns are free text in many locales. Rules, applied to each distinct value:
currency symbols/codes and spaces (incl. no-break and thin spaces) and apostrophes are dropped;
"(123)" or a leading/trailing minus is negative; when both "." and "," occur, the last one is the
decimal separator; a single kind of separator occurring more than once groups thousands; a single
separator followed by exactly three digits is read by the column's own convention (decided from
the unambiguous values), else as a thousands separator. Anything else is unparseable: ignored
for the sums and counted, never guessed.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

import polars as pl

__all__ = ["parse_amount", "parse_spend_column"]

_SPACES = re.compile(r"[\s\u00a0\u2007\u202f'’`]")
_CURRENCY = r"(?:[A-Za-z]{3}|US\$|R\$|Rs\.?|kr|zł|Fr\.|[$€£¥₹₩₽₺₫฿₱₦₴₪₡₵₸])"
_CURRENCY_EDGE = re.compile(rf"^{_CURRENCY}|{_CURRENCY}$")
_NUMBER = re.compile(r"^\d[\d.,]*$|^[.,]\d+$")


def _take_sign(core: str, sign: int) -> tuple[int, str]:
    if core.startswith("(") and core.endswith(")"):
        sign, core = -sign, core[1:-1]
    if core.startswith(("-", "+")):
        sign, core = (-sign if core[0] == "-" else sign), core[1:]
    elif core.endswith("-"):
        sign, core = -sign, core[:-1]
    return sign, core


def _sign_and_core(text: str) -> tuple[int, str] | None:
    """Sign and the bare digits-and-separators part, or None if other characters remain."""
    sign, core = _take_sign(_SPACES.sub("", text), 1)
    core = _CURRENCY_EDGE.sub("", core)
    sign, core = _take_sign(core, sign)
    if not _NUMBER.match(core):
        return None
    return sign, core


def _decimal_hint(core: str) -> str | None:
    """The decimal separator this value proves, if any."""
    dots, commas = core.count("."), core.count(",")
    if dots and commas:
        return "." if core.rfind(".") > core.rfind(",") else ","
    sep = "." if dots else "," if commas else None
    if sep is None or core.count(sep) > 1:
        return "," if sep == "." else "." if sep == "," else None
    after = len(core) - core.rfind(sep) - 1
    return sep if after != 3 else None


def _grouped(whole: str, sep: str) -> bool:
    """Western (1,234,567) or Indian (12,34,567) digit grouping."""
    s = re.escape(sep)
    return bool(
        re.fullmatch(rf"\d{{1,3}}({s}\d{{3}})+", whole)
        or re.fullmatch(rf"\d{{1,2}}({s}\d{{2}})*{s}\d{{3}}", whole)
    )


def parse_amount(text: str | None, decimal: str | None = None) -> float | None:
    """One spend text → number, or None when it cannot be read with confidence."""
    if text is None or not text.strip():
        return None
    parsed = _sign_and_core(text.strip())
    if parsed is None:
        return None
    sign, core = parsed
    dots, commas = core.count("."), core.count(",")
    if dots and commas:
        dec = "." if core.rfind(".") > core.rfind(",") else ","
    elif dots or commas:
        sep = "." if dots else ","
        after = len(core) - core.rfind(sep) - 1
        if core.count(sep) > 1:
            dec = "," if sep == "." else "."
        elif after == 3 and not core.startswith(("0", sep)):
            dec = decimal if decimal is not None else ("," if sep == "." else ".")
        else:
            dec = sep
    else:
        dec = "."
    thousands = "," if dec == "." else "."
    groups = core.split(dec)
    if len(groups) > 2:
        return None
    whole = groups[0].replace(thousands, "")
    if thousands in groups[0] and not _grouped(groups[0], thousands):
        return None
    if len(groups) == 2 and thousands in groups[1]:
        return None
    number = whole + ("." + groups[1] if len(groups) == 2 else "")
    if number in ("", "."):
        return None
    try:
        return sign * float(number)
    except ValueError:
        return None


def column_decimal(values: Iterable[str], dot_votes: int = 0) -> str | None:
    """Decimal separator most unambiguous values of a column use (None if no evidence).

    `dot_votes` counts plain numbers already known to use a decimal point."""
    votes: Counter[str] = Counter({".": dot_votes} if dot_votes else {})
    for value in values:
        parsed = _sign_and_core(value.strip()) if value else None
        if parsed:
            hint = _decimal_hint(parsed[1])
            if hint:
                votes[hint] += 1
    if not votes:
        return None
    (best, n), *rest = votes.most_common()
    return best if not rest or n > rest[0][1] else None


#: Plain numbers a machine wrote ("1234", "-56.7", "0.12345"): read directly, vectorised. A
#: point followed by exactly three digits is left to the rules (it may group thousands).
_PLAIN = r"^-?\d+(?:\.(?:\d{1,2}|\d{4,}))?$"


def parse_spend_column(series: pl.Series) -> tuple[pl.Series, int]:
    """Parsed Float64 series (null where unreadable) and how many non-empty values failed.

    Plain numbers are cast in one vectorised step; only the other distinct texts go through
    `parse_amount`."""
    text = series.cast(pl.String, strict=False)
    stripped = text.str.strip_chars()
    plain = stripped.str.contains(_PLAIN).fill_null(False)
    distinct = [v for v in text.filter(~plain).drop_nulls().unique().to_list() if v.strip()]
    decimal = column_decimal(distinct, dot_votes=int((plain & stripped.str.contains(".",
                                                                                   literal=True)
                                                      ).sum()))
    mapping = {v: parse_amount(v, decimal) for v in distinct}
    parsed = (
        pl.DataFrame({"plain": plain, "stripped": stripped, "text": text})
        .select(
            pl.when(pl.col("plain"))
            .then(pl.col("stripped").cast(pl.Float64, strict=False))
            .otherwise(pl.col("text").replace_strict(mapping, default=None,
                                                     return_dtype=pl.Float64))
        )
        .to_series()
    )
    failed = int((text.is_not_null() & (text.str.strip_chars() != "") & parsed.is_null()).sum())
    return parsed.alias("spend_value"), failed
