"""Reading supplier files and writing results (Excel workbook, CSV, Parquet) safely, atomically."""

from __future__ import annotations

__all__: list[str] = []
