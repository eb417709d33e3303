"""Reference data: ILAB listings and country findings as tidy tables, with provenance.

`load_reference()` reads the committed tables; `build_reference()` rebuilds them from ILAB's XML.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Reference", "build_reference", "load_reference", "reference_info"]

_LAZY = {
    "Reference": ("riskscreen.reference.load", "Reference"),
    "load_reference": ("riskscreen.reference.load", "load_reference"),
    "build_reference": ("riskscreen.reference.build", "build_reference"),
    "reference_info": ("riskscreen.reference.info", "reference_info"),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        return getattr(importlib.import_module(module), attr)
    raise AttributeError(f"module 'riskscreen.reference' has no attribute {name!r}")
