"""Lazy attributes for package `__init__` files: heavy modules load on first use, not on import."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_getattr"]


def lazy_getattr(package: str, table: Mapping[str, tuple[str, str]]) -> Callable[[str], Any]:
    """A module `__getattr__` resolving `name` to `table[name] = (module, attribute)`."""

    def __getattr__(name: str) -> Any:
        if name in table:
            module, attr = table[name]
            return getattr(importlib.import_module(module), attr)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__
