"""Large inputs are screened in chunks that share name results: the same frame as one call."""

from __future__ import annotations

import polars as pl

import riskscreen
from riskscreen.io import read_limits
from riskscreen.resolve import NameCache, screen_name_columns


def test_chunked_screening_equals_one_call(monkeypatch, example_workbook):
    whole = riskscreen.screen(example_workbook)
    limits = {**read_limits._limits(), "screen_chunk_rows": 40.0}
    monkeypatch.setattr(read_limits, "_limits", lambda: limits)
    chunked = riskscreen.screen(example_workbook)
    assert whole.height > 5 * 40  # really several chunks, the last one short
    assert chunked.equals(whole)  # every column, every row, same order and types


def test_name_cache_screens_each_pair_once(example_workbook):
    from riskscreen.io.columns import ColumnRoles

    lists = riskscreen.load_watchlists()
    frame = pl.DataFrame({"row_id": [1, 2, 3], "Supplier": ["Hoshine Silicon", "Acme", "Acme"]})
    roles = ColumnRoles(name="Supplier")
    iso = pl.Series("country_iso3", ["CHN", None, None])
    cache = NameCache()
    first = screen_name_columns(frame, roles, iso, lists, cache=cache)
    assert cache.hits.height == 2  # distinct (name, country) pairs
    again = screen_name_columns(frame.slice(1), roles, iso.slice(1), lists, cache=cache)
    assert cache.hits.height == 2  # nothing new screened
    assert again.equals(first.slice(1))
    assert "Hoshine" in first["watchlist_name"][0]
