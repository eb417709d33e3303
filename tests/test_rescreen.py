"""Re-screening the tool's own output, and inputs with columns named like output columns
(issue 16, item 5): input columns are kept as '<name> (input)', results carry the contract
names, and a re-screened report screens its suppliers, not its earlier results."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from riskscreen.cli import main
from riskscreen.io.read import read_suppliers
from riskscreen.pipeline import ADDED_COLUMNS, detect_roles, run_screen, write_outputs

ROOT = Path(__file__).resolve().parents[1]
REPORT = ROOT / "examples" / "suppliers_report.xlsx"
COMPARED = ("risk_score", "risk_tier", "reasons", "country_iso3", "good", "watchlist_name")


@pytest.fixture(scope="module")
def first(tmp_path_factory) -> tuple[pl.DataFrame, dict[str, Path]]:
    """The shipped example screened once, written as workbook, CSV and Parquet."""
    folder = tmp_path_factory.mktemp("rescreen")
    run = run_screen(ROOT / "examples" / "suppliers.xlsx")
    paths = {s: folder / f"report.{s}" for s in ("xlsx", "csv", "parquet")}
    write_outputs(run, paths["xlsx"], also=[paths["csv"], paths["parquet"]])
    paths["shipped"] = REPORT
    return run.frame, paths


def _text(frame: pl.DataFrame, column: str) -> list[str]:
    return frame[column].cast(pl.String).fill_null("").to_list()


@pytest.mark.parametrize("kind", ["shipped", "xlsx", "csv", "parquet"])
def test_a_report_rescreens_its_suppliers(first, kind: str) -> None:
    original, paths = first
    again = run_screen(paths[kind])
    frame = again.frame
    # every supplier, not only the Flagged sheet (the workbook's first sheet)
    assert frame.height == original.height
    if kind in ("shipped", "xlsx"):
        assert again.table.sheet == "All suppliers"
    # the suppliers' own columns are screened, not the earlier results
    assert again.roles.name == "Vendor name"
    assert again.roles.country == "Country of origin"
    assert again.roles.product == "Material description"
    for column in COMPARED:
        # results under the contract names: the same answers as the first screening …
        assert _text(frame, column) == _text(original, column), column
        # … and the earlier results kept, values unchanged, under a clear new name
        assert _text(frame, f"{column} (input)") == _text(original, column), column
    assert [c for c in frame.columns if c in ADDED_COLUMNS] == [
        c for c in ADDED_COLUMNS if c in frame.columns
    ]
    assert frame.columns[: 7] == original.columns[: 7]  # the supplier's columns come first
    assert "earlier riskscreen output" in (again.table.note or "")


def test_a_report_screened_twice_numbers_the_earlier_copies(first, tmp_path: Path) -> None:
    _, paths = first
    second = tmp_path / "second.csv"
    write_outputs(run_screen(paths["csv"]), second)
    third = run_screen(second).frame
    for column in ("risk_score", "row_id"):
        assert {column, f"{column} (input)", f"{column} (input 2)"} <= set(third.columns)
    assert _text(third, "risk_score (input 2)") == _text(third, "risk_score")


def test_output_like_columns_in_a_supplier_list(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text(
        "Supplier,country_iso3,good,risk_score,reasons,flagged\n"
        "Xinjiang Zhongtai Chemical Co Ltd - DO NOT USE,CHN,PVC resin,5,old note,no\n"
        "Harvest Mills,BGD,garments,,,\n",
        encoding="utf8",
    )
    run = run_screen(path)
    frame = run.frame
    assert run.roles.name == "Supplier"
    # the list's own 'country_iso3' and 'good' are its only country and product: used
    assert run.roles.country == "country_iso3 (input)"
    assert run.roles.product == "good (input)"
    assert _text(frame, "risk_score (input)") == ["5", ""]
    assert _text(frame, "reasons (input)") == ["old note", ""]
    assert frame["country_iso3"].to_list() == ["CHN", "BGD"]
    assert frame["good"].to_list()[1] == "Garments"
    assert frame["risk_score"].dtype.is_integer() and frame["risk_score"].to_list() != [5, None]
    assert frame["watchlist_name"][0] == "Xinjiang Zhongtai Chemical Co., Ltd."
    assert frame.columns.count("risk_score") == 1


def test_cli_rescreens_a_report(first, tmp_path: Path) -> None:
    _, paths = first
    out = tmp_path / "again.xlsx"
    result = CliRunner().invoke(main, ["screen", str(paths["shipped"]), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output and "DuplicateError" not in result.output
    assert "All suppliers" in result.output and "(input)" in result.output
    again = pl.read_excel(out, sheet_name="All suppliers", infer_schema_length=0)
    assert {"risk_score", "risk_score (input)", "row_id", "row_id (input)"} <= set(again.columns)


def test_a_column_chosen_by_its_written_name_is_found_after_renaming(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text("Supplier,good,Notes\nHarvest Mills,garments,cotton\n", encoding="utf8")
    run = run_screen(path, columns={"product": "good", "name": "Supplier"})
    assert run.roles.product == "good (input)"
    assert run.frame["good"].to_list() == ["Garments"]


def test_detect_roles_sees_a_report_as_screening_will(first) -> None:
    _, paths = first
    table, roles = detect_roles(read_suppliers(paths["csv"]))
    assert "risk_score (input)" in table.headers and "risk_score" not in table.headers
    assert (roles.name, roles.country, roles.product) == (
        "Vendor name", "Country of origin", "Material description")


def test_an_api_frame_with_output_like_columns() -> None:
    frame = pl.DataFrame({"Supplier": ["Xinjiang Zhongtai Chem Co Ltd [inactive]"],
                          "Country": ["China"], "risk_score": [3], "row_id": ["A-1"]})
    out = run_screen(frame).frame
    assert out["risk_score (input)"].to_list() == ["3"]
    assert out["row_id (input)"].to_list() == ["A-1"]
    assert out["risk_score"].to_list() == [100]
    assert out["watchlist_entry_id"].to_list() == ["uflpa-xinjiang-zhongtai-chemical-co-ltd"]
