"""Large inputs are screened in chunks that share name results: the same frame as one call."""

from __future__ import annotations

import polars as pl
import pytest

import riskscreen
from riskscreen.io import read_limits
from riskscreen.resolve import ResolveCache, screen_name_columns


def test_chunked_screening_equals_one_call(monkeypatch, example_workbook):
    whole = riskscreen.screen(example_workbook)
    limits = {**read_limits._limits(), "screen_chunk_rows": 40.0}
    monkeypatch.setattr(read_limits, "_limits", lambda: limits)
    chunked = riskscreen.screen(example_workbook)
    assert whole.height > 5 * 40  # really several chunks, the last one short
    assert chunked.equals(whole)  # every column, every row, same order and types


def test_name_cache_screens_each_name_once(example_workbook):
    from riskscreen.io.columns import ColumnRoles

    lists = riskscreen.load_watchlists()
    frame = pl.DataFrame({"row_id": [1, 2, 3, 4],
                          "Supplier": ["Hoshine Silicon", "Acme", "Acme", "Hoshine Silicon"]})
    roles = ColumnRoles(name="Supplier")
    iso = pl.Series("country_iso3", ["CHN", None, None, "USA"])
    cache = ResolveCache()
    first = screen_name_columns(frame, roles, iso, lists, cache=cache)
    assert cache.candidates.seen.to_list() == ["Hoshine Silicon", "Acme"]  # distinct names
    rows = cache.candidates.rows.height
    assert rows > 0 and set(cache.candidates.rows["name_input"]) == {"Hoshine Silicon"}
    again = screen_name_columns(frame.slice(1), roles, iso.slice(1), lists, cache=cache)
    assert cache.candidates.seen.len() == 2 and cache.candidates.rows.height == rows  # no work
    assert again.equals(first.slice(1))
    assert "Hoshine" in first["watchlist_name"][0]
    # the country still counts per pair: listed in China, so the US pair scores lower
    assert first["watchlist_score"][3] < first["watchlist_score"][0]


def _small_chunks(monkeypatch) -> None:
    limits = {**read_limits._limits(), "screen_chunk_rows": 40.0}
    monkeypatch.setattr(read_limits, "_limits", lambda: limits)


def test_tables_written_chunk_by_chunk_equal_the_whole_run(monkeypatch, tmp_path,
                                                           example_workbook):
    from riskscreen.io.tables_out import write_table
    from riskscreen.pipeline import run_screen, screen_to_files, write_outputs

    whole = run_screen(example_workbook)
    write_outputs(whole, tmp_path / "whole.csv", also=[tmp_path / "whole.parquet"])
    _small_chunks(monkeypatch)
    run, written = screen_to_files(example_workbook, tmp_path / "part.parquet",
                                   also=[tmp_path / "part.csv"])
    assert written == [tmp_path / "part.parquet", tmp_path / "part.csv"]
    parquet = pl.read_parquet(tmp_path / "part.parquet")
    assert parquet.equals(whole.frame)  # every row, column and type
    assert (tmp_path / "part.csv").read_bytes() == (tmp_path / "whole.csv").read_bytes()
    assert (tmp_path / "part.csv.json").read_text() == (tmp_path / "whole.csv.json").read_text()
    assert (pl.read_parquet_metadata(tmp_path / "part.parquet")["riskscreen"]
            == pl.read_parquet_metadata(tmp_path / "whole.parquet")["riskscreen"])
    counts = ("rows_in", "rows_flagged", "rows_to_review", "rows_by_tier", "products")
    assert {k: run.meta[k] for k in counts} == {k: whole.meta[k] for k in counts}
    assert run.followup is None and run.frame.width < 10  # the rows were not kept
    # one Parquet row group per chunk: really written as screened
    import pyarrow.parquet as pq

    assert pq.ParquetFile(tmp_path / "part.parquet").num_row_groups == -(-whole.frame.height // 40)
    write_table(whole.frame, tmp_path / "again.parquet")
    assert pl.read_parquet(tmp_path / "again.parquet").equals(parquet)


def test_table_writer_leaves_nothing_when_a_chunk_fails(tmp_path):
    from riskscreen.io.tables_out import TableWriter

    (tmp_path / "old.csv").write_text("kept\n")
    chunk = pl.DataFrame({"row_id": [1, 2], "name": ["a", "=b"]})
    with pytest.raises(RuntimeError, match="screening failed"), \
            TableWriter([tmp_path / "out.parquet", tmp_path / "old.csv"]) as writer:
        writer.write(chunk)
        writer.write(chunk)
        assert len(list(tmp_path.iterdir())) == 3  # two temp files beside old.csv
        raise RuntimeError("screening failed")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.csv"]
    assert (tmp_path / "old.csv").read_text() == "kept\n"  # the previous file is untouched


def test_chunks_cover_every_row_once_and_the_last_long_one_is_cut_in_two():
    from riskscreen.pipeline import chunk_bounds

    assert chunk_bounds(1_000_000, 250_000) == [
        (0, 250_000), (250_000, 500_000), (500_000, 750_000), (750_000, 875_000),
        (875_000, 1_000_000)]
    assert chunk_bounds(760_000, 250_000)[-1] == (750_000, 760_000)  # short: kept whole
    for height in (1, 39, 40, 41, 99, 100, 101, 1234):
        bounds = chunk_bounds(height, 40)
        rows = [r for start, stop in bounds for r in range(start, stop)]
        assert rows == list(range(height))  # in order, none twice, none lost
        assert all(0 < stop - start <= 40 for start, stop in bounds)


def test_parquet_keeps_statistics_for_the_inputs_and_numbers_not_added_text(tmp_path,
                                                                          example_workbook):
    import pyarrow.parquet as pq

    from riskscreen.pipeline import screen_to_files

    run, _ = screen_to_files(example_workbook, tmp_path / "out.parquet")
    group = pq.ParquetFile(tmp_path / "out.parquet").metadata.row_group(0)
    stats = {group.column(i).path_in_schema: group.column(i).statistics is not None
             for i in range(group.num_columns)}
    assert all(stats[c] for c in run.original_columns)  # a user's own IDs stay prunable
    assert stats["row_id"] and stats["risk_score"] and stats["flagged"]
    assert not stats["reasons"] and not stats["risk_tier"]
