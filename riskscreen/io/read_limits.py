"""Numeric limits for reading supplier files, from `reference/input_limits.csv` (key,value,note)."""

from __future__ import annotations

from functools import lru_cache

from riskscreen.tables import read_table


@lru_cache(maxsize=1)
def _limits() -> dict[str, float]:
    table = read_table("input_limits")
    return {
        str(k).strip(): float(v)
        for k, v in zip(table["key"].to_list(), table["value"].to_list(), strict=True)
        if k is not None and v is not None
    }


def limit(key: str) -> float:
    """The limit called `key`; a missing key is a packaging bug, so it raises KeyError loudly."""
    return _limits()[key]


def int_limit(key: str) -> int:
    """`limit(key)` as an int (sizes, counts)."""
    return int(limit(key))
