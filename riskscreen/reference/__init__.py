"""Reference data: ILAB listings and country findings as tidy tables, with provenance.

`load_reference()` reads the committed tables; `build_reference()` rebuilds them from ILAB's XML.
"""

from __future__ import annotations

from riskscreen.lazy import lazy_getattr

__all__ = ["Reference", "build_reference", "load_reference", "reference_info"]

_LAZY = {
    "Reference": ("riskscreen.reference.load", "Reference"),
    "load_reference": ("riskscreen.reference.load", "load_reference"),
    "build_reference": ("riskscreen.reference.build", "build_reference"),
    "reference_info": ("riskscreen.reference.info", "reference_info"),
}


__getattr__ = lazy_getattr(__name__, _LAZY)
