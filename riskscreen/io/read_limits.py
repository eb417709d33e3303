"""Numeric limits for reading supplier files, from `reference/input_limits.csv` (key,value,note)."""

from __future__ import annotations

from functools import lru_cache

from riskscreen.tables import numbers


@lru_cache(maxsize=1)
def _limits() -> dict[str, float]:
    return numbers("input_limits")


def limit(key: str) -> float:
    """The limit called `key`; a missing key is a packaging bug, so it raises KeyError loudly."""
    return _limits()[key]


def int_limit(key: str) -> int:
    """`limit(key)` as an int (sizes, counts)."""
    return int(limit(key))
