"""The words riskscreen says to people: reasons, review actions and `explain`, from one table.

Every sentence lives in `reference/phrases.csv` (key, one column per language, note). A
template names its blanks as `{name}`; `say()` fills them with Python values, `say_expr()` with
polars expressions (one per row, vectorised). A translation is a new column, not new code.
"""

from __future__ import annotations

import re
from functools import lru_cache

import polars as pl

from riskscreen.errors import InputError, ReferenceError_
from riskscreen.tables import read_table

__all__ = ["LANGUAGE", "phrase", "say", "say_expr"]

LANGUAGE = "en"
_BLANK = re.compile(r"\{([a-z_][a-z0-9_]*)\}")


@lru_cache(maxsize=8)
def _table(lang: str) -> dict[str, str]:
    table = read_table("phrases")
    if lang not in table.columns:
        langs = [c for c in table.columns if c not in ("key", "note")]
        raise InputError(f"no phrases in language {lang!r}; reference/phrases.csv has {langs}")
    fallback = table["en"].to_list()
    texts = [t if t else f for t, f in zip(table[lang].to_list(), fallback, strict=True)]
    return dict(zip(table["key"].to_list(), texts, strict=True))


def phrase(key: str, lang: str = LANGUAGE) -> str:
    """The raw template of `key` (blanks unfilled)."""
    try:
        return _table(lang)[key]
    except KeyError:
        raise ReferenceError_(f"phrase {key!r} is missing from reference/phrases.csv") from None


def say(key: str, lang: str = LANGUAGE, **values: object) -> str:
    """The phrase `key` with its blanks filled from `values` (missing blanks stay empty)."""
    return _BLANK.sub(lambda m: "" if values.get(m[1]) is None else str(values[m[1]]),
                      phrase(key, lang))


def say_expr(key: str, lang: str = LANGUAGE, *, ignore_nulls: bool = True,
             **values: pl.Expr | str) -> pl.Expr:
    """The phrase `key` as a polars string expression; blanks filled by expressions or text.

    With `ignore_nulls=False` the result is null when any blank's value is null.
    """
    template = phrase(key, lang)
    parts: list[pl.Expr] = []
    pos = 0
    for m in _BLANK.finditer(template):
        if m.start() > pos:
            parts.append(pl.lit(template[pos:m.start()]))
        value = values.get(m[1])
        if value is None:
            value = pl.lit(None, pl.String)
        parts.append(value if isinstance(value, pl.Expr) else pl.lit(str(value)))
        pos = m.end()
    if pos < len(template) or not parts:
        parts.append(pl.lit(template[pos:]))
    return pl.concat_str(parts, ignore_nulls=ignore_nulls)
