"""The shipped example: its generator, its screened workbook and the walkthrough's claims."""

from __future__ import annotations

import importlib.util

import polars as pl
import pytest
from openpyxl import load_workbook

import riskscreen


@pytest.fixture(scope="module")
def screened(example_workbook):
    return riskscreen.screen(example_workbook)


def test_example_is_what_the_generator_writes(tmp_path, repo_root, example_workbook):
    spec = importlib.util.spec_from_file_location("make_example",
                                                  repo_root / "examples" / "make_example.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    fresh = module.main(tmp_path / "suppliers.xlsx")
    rows = [list(load_workbook(p).active.iter_rows(values_only=True))
            for p in (fresh, example_workbook)]
    assert rows[0] == rows[1]
    assert len(rows[1]) - 1 >= 200  # at least 200 supplier rows


def test_shipped_report_is_what_screen_makes(tmp_path, repo_root, example_workbook):
    from riskscreen.pipeline import run_screen, write_outputs

    out = tmp_path / "report.xlsx"
    write_outputs(run_screen(example_workbook), out)
    shipped = repo_root / "examples" / "suppliers_report.xlsx"
    assert out.read_bytes() == shipped.read_bytes(), (
        "examples/suppliers_report.xlsx is stale: run "
        "`riskscreen screen examples/suppliers.xlsx -o examples/suppliers_report.xlsx`")


@pytest.mark.parametrize(("row_id", "tier", "words"), [
    (217, "critical", ["WRO", "Turkmenistan"]),
    (88, "critical", ["UFLPA Entity List", "Changji"]),
    (90, "high", ["Sugarcane", "forced labour"]),
    (54, "high", ["Bananas", "child labour"]),
    (71, "high", ["Solar Modules", "made with inputs produced with forced labour", "Polysilicon"]),
])
def test_walkthrough_examples_hold(screened, row_id, tier, words):
    row = screened.filter(pl.col("row_id") == row_id).row(0, named=True)
    assert row["risk_tier"] == tier
    for word in words:
        assert word in row["reasons"]


def test_example_is_messy_like_an_erp_export(example_workbook):
    frame = pl.read_excel(example_workbook, infer_schema_length=0)
    countries = frame["Country of origin"]
    assert countries.is_null().any()  # blanks
    assert {"CN", "BD", "IND"} & set(countries.drop_nulls().to_list())  # codes
    assert frame["Vendor No."].is_duplicated().any()  # duplicate suppliers
    assert "Annual spend (EUR)" in frame.columns
