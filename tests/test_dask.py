"""`--engine dask` / `riskscreen.dask`: the same result as one process, on a LocalCluster."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

import riskscreen

distributed = pytest.importorskip("distributed")
dd = pytest.importorskip("dask.dataframe")

from riskscreen.cli import main  # noqa: E402
from riskscreen.dask import DaskRunError, _read_dask, screen_dask, screen_to_parquet  # noqa: E402

CONTRACT = ["row_id", "country_iso3", "country_confidence", "good", "good_confidence",
            "listed_child_labour", "listed_forced_labour", "p_child_labour", "p_forced_labour",
            "p_any_finding", "watchlist_name", "watchlist_source", "risk_score", "risk_tier",
            "flagged", "reasons"]


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        yield client


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory, example_workbook) -> Path:
    """200,000 supplier lines: the example's rows repeated, one in seven renamed so that names
    vary (5,000 suffixes)."""
    base = riskscreen.screen(example_workbook).select(
        "Vendor name", "Country of origin", "Material description", "HS code")
    reps = 200_000 // base.height + 1
    frame = pl.concat([base] * reps).head(200_000).with_row_index("i").with_columns(
        pl.when(pl.col("i") % 7 == 0)
        .then(pl.col("Vendor name") + " " + (pl.col("i") % 5000).cast(pl.String))
        .otherwise(pl.col("Vendor name")).alias("Vendor name"),
    ).drop("i")
    path = tmp_path_factory.mktemp("dask") / "big.csv"
    frame.write_csv(path)
    return path


def _same(a: pl.DataFrame, b: pl.DataFrame) -> None:
    assert a.height == b.height
    for col in CONTRACT:
        left, right = a[col], b[col].cast(a[col].dtype)
        same = (left == right).fill_null(False) | (left.is_null() & right.is_null())
        assert same.all(), (col, a.filter(~same).head(3), b.filter(~same).head(3))


def test_dask_equals_single_process_on_every_contract_column(client, big_csv):
    single = riskscreen.screen(big_csv)
    ddf = _read_dask(big_csv, partitions=4, sheet=None)
    assert ddf.npartitions >= 2
    out = pl.from_pandas(screen_dask(ddf, client=client).compute()).sort("row_id")
    _same(single, out)


def test_cli_on_an_existing_scheduler_writes_a_parquet_dataset(client, tmp_path,
                                                              example_workbook):
    out = tmp_path / "out.parquet"
    result = CliRunner().invoke(main, [
        "screen", str(example_workbook), "-o", str(out), "--engine", "dask",
        "--scheduler", client.scheduler.address, "--partitions", "3"])
    assert result.exit_code == 0, result.output
    assert "read whole" in result.output
    parts = sorted(out.glob("*.parquet"))
    assert len(parts) == 3
    _same(riskscreen.screen(example_workbook), pl.read_parquet(parts).sort("row_id"))


def test_a_failing_partition_is_a_clear_error_and_leaves_no_output(client, tmp_path,
                                                                   monkeypatch):
    import riskscreen.dask as runner

    real = runner.screen_frame

    def breaks_on_marker(frame, *args, **kwargs):
        if frame["Supplier"].str.contains("BOOM").any():
            raise ValueError("simulated failure")
        return real(frame, *args, **kwargs)

    monkeypatch.setattr(runner, "screen_frame", breaks_on_marker)
    src = tmp_path / "in.parquet"
    rows = [{"Supplier": f"Acme {i}", "Country": "China", "Product": "cotton"}
            for i in range(400)]
    rows[350]["Supplier"] = "BOOM Ltd"
    pl.DataFrame(rows).write_parquet(src)
    out = tmp_path / "out.parquet"
    with pytest.raises(DaskRunError, match=r"partition 3 \(rows 301–400\) failed: ValueError: "
                       r"simulated failure; no output was written"):
        screen_to_parquet(src, out, partitions=4, client=client)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.parquet"]  # no part, no temp


def test_product_option_reaches_the_workers(client, tmp_path):
    src = tmp_path / "no_product.parquet"
    pl.DataFrame({"Supplier": [f"Farm {i}" for i in range(60)],
                  "Country": ["Uzbekistan", "India", "Ghana"] * 20}).write_parquet(src)
    out = screen_to_parquet(src, tmp_path / "out.parquet", partitions=3, client=client,
                            product="cotton")
    dask_run = pl.read_parquet(sorted(out.glob("*.parquet"))).sort("row_id")
    single = riskscreen.screen(src, product="cotton")
    assert (single["good"] == "Cotton").all()
    _same(single, dask_run)
