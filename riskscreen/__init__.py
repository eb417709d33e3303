"""riskscreen: screen a supplier spreadsheet for forced-labour and child-labour risk.

    >>> import riskscreen
    >>> frame = riskscreen.screen("examples/suppliers.xlsx")   # doctest: +SKIP

Public API: `screen`, `run_screen`, `load_reference`, `load_model`, `load_watchlists`.
Imports are lazy so `riskscreen --help` starts fast.
"""

from __future__ import annotations

import os

from riskscreen.lazy import lazy_getattr

# Workbooks are byte-identical re-runs: openpyxl serialises XML with lxml when that happens to
# be installed, and with the standard library otherwise (other bytes). Pin the standard library
# unless the caller chose; this must be set before openpyxl is first imported.
os.environ.setdefault("OPENPYXL_LXML", "False")

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "load_model",
    "load_reference",
    "load_watchlists",
    "run_screen",
    "screen",
]

_LAZY = {
    "screen": ("riskscreen.pipeline", "screen"),
    "run_screen": ("riskscreen.pipeline", "run_screen"),
    "load_reference": ("riskscreen.reference", "load_reference"),
    "load_model": ("riskscreen.model", "load_model"),
    "load_watchlists": ("riskscreen.watchlists", "load_watchlists"),
}


__getattr__ = lazy_getattr(__name__, _LAZY)
