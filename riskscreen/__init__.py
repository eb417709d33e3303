"""riskscreen: screen a supplier spreadsheet for forced-labour and child-labour risk.

    >>> import riskscreen
    >>> frame = riskscreen.screen("examples/suppliers.xlsx")   # doctest: +SKIP

Public API: `screen`, `run_screen`, `load_reference`, `load_model`, `load_watchlists`.
Imports are lazy so `riskscreen --help` starts fast.
"""

from __future__ import annotations

import os

# Workbooks are byte-identical re-runs: openpyxl serialises XML with lxml when that happens to
# be installed, and with the standard library otherwise (other bytes). Pin the standard library
# unless the caller chose; this must be set before openpyxl is first imported.
os.environ.setdefault("OPENPYXL_LXML", "False")
# polars allocates through jemalloc, which gives each core four arenas by default: memory freed
# by one of a screening's threads is then often not reused by the next, which faults fresh
# zeroed pages in instead. One arena per core reuses them (1M rows: about a fifth fewer page
# faults; bench/RESULTS.md section 6), at the same peak memory (5M rows: 2.32 GiB; keeping
# freed pages longer would save more but raised that peak towards the 3 GiB target). polars
# appends this variable to its own settings when it loads: set it before polars is first
# imported, unless the caller chose.
os.environ.setdefault("_RJEM_MALLOC_CONF", f"narenas:{os.cpu_count() or 1}")

from riskscreen.lazy import lazy_getattr  # noqa: E402 — after the settings above

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
