"""Watchlists through the whole pipeline and CLI (issue 10): hand-made supplier files, user lists,
CBP orders in force and in history, and `riskscreen diff` between two runs."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

import riskscreen
from riskscreen.cli import main
from riskscreen.diff import diff_outputs

DATA = Path(__file__).parent / "data" / "suppliers"


@pytest.fixture(scope="module")
def cases() -> pl.DataFrame:
    return riskscreen.screen(DATA / "watchlist_cases.csv")


def _row(frame: pl.DataFrame, vendor: str) -> dict:
    return frame.filter(pl.col("Vendor") == vendor).row(0, named=True)


def test_named_producer_with_legal_form_noise(cases):
    row = _row(cases, "W1")
    assert "Hoshine" in row["watchlist_name"]
    assert row["risk_tier"] == "critical" and row["flagged"]
    assert row["watchlist_source"] and row["watchlist_date"]


def test_fishing_vessel_by_name(cases):
    row = _row(cases, "W2")
    assert row["watchlist_name"] is not None and "Da Wang" in row["watchlist_name"]
    assert row["watchlist_list"] == "cbp_wro" and row["risk_tier"] == "critical"


def test_country_wide_order_hits_whatever_the_name(cases):
    row = _row(cases, "W3")
    assert row["watchlist_name"] is None  # the name is on no list …
    assert row["scope_name"] and "Turkmenistan" in row["scope_name"]  # … the order still applies
    assert row["risk_tier"] == "critical" and "WRO" in row["reasons"]
    other_good = _row(cases, "W5")  # same country, a good the order does not cover
    assert other_good["scope_name"] is None


def test_modified_order_is_history_not_a_flag(cases):
    row = _row(cases, "W4")
    assert row["watchlist_name"] is not None and "Yu Long" in row["watchlist_name"]
    assert row["watchlist_status"] == "modified"
    assert row["risk_score"] is None or row["risk_score"] < 100
    assert "history only" in row["reasons"]


def test_alias_hit_reports_the_alias(cases):
    row = _row(cases, "W6")
    assert row["watchlist_name"] is not None
    assert row["watchlist_alias"] and "Yida" in row["watchlist_alias"]


def test_user_list_adds_hits_and_keeps_status(cases):
    mine = Path(__file__).parent / "data" / "watchlists" / "my_list.csv"
    frame = riskscreen.screen(DATA / "watchlist_cases.csv", extra_watchlists=[mine])
    spinning = _row(frame, "W8")
    assert spinning["watchlist_name"] is not None and "Qingshan" in spinning["watchlist_name"]
    assert spinning["risk_tier"] == "critical"
    lakeside = _row(frame, "W7")  # on the user's list as 'modified': history only
    assert lakeside["watchlist_status"] == "modified"
    assert lakeside["risk_score"] is None or lakeside["risk_score"] < 100
    # Without the user's list these two rows have no hit.
    assert _row(cases, "W8")["watchlist_name"] is None


def test_malformed_user_list_names_the_row(tmp_path):
    runner = CliRunner()
    out = tmp_path / "o.xlsx"
    result = runner.invoke(main, ["screen", str(DATA / "watchlist_cases.csv"), "-o", str(out),
                                  "--watchlist", str(DATA / "bad_user_list.csv")])
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "row 3" in result.output and "name" in result.output
    assert not out.exists()
    check = runner.invoke(main, ["watchlist", "check", str(DATA / "bad_user_list.csv")])
    assert check.exit_code != 0 and "row 3" in check.output


def test_outputs_record_list_editions(cases):
    editions = cases["watchlist_editions"].unique().to_list()
    assert len(editions) == 1 and "uflpa" in editions[0] and "cbp_wro" in editions[0]
    assert cases["reference_edition"].unique().to_list() == ["ILAB 2022 List of Goods"]


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory, example_workbook):
    tmp = tmp_path_factory.mktemp("diff")
    runner = CliRunner()
    old, new = tmp / "old.csv", tmp / "new.csv"
    assert runner.invoke(main, ["screen", str(example_workbook), "-o", str(old), "-q"]
                         ).exit_code == 0
    result = runner.invoke(main, ["screen", str(example_workbook), "-o", str(new), "-q",
                                  "--watchlist", str(DATA / "extra_list.csv")])
    assert result.exit_code == 0, result.output
    return old, new


def test_diff_reports_exactly_the_rows_that_changed(two_runs):
    old, new = two_runs
    changes = diff_outputs(old, new)
    old_f = pl.read_csv(old, infer_schema=False)
    new_f = pl.read_csv(new, infer_schema=False)
    differs = old_f.join(new_f, on="row_id", suffix="_n").filter(
        (pl.col("risk_tier") != pl.col("risk_tier_n"))
        | (pl.col("flagged") != pl.col("flagged_n"))
        | (pl.col("watchlist_name").fill_null("") != pl.col("watchlist_name_n").fill_null(""))
    )["row_id"]
    assert changes["row_id_old"].to_list() == changes["row_id_new"].to_list()  # same file
    assert sorted(changes["row_id_new"].to_list(), key=int) == sorted(differs.to_list(), key=int)
    # The extra entry names a supplier of the example; exactly its rows changed.
    named = new_f.filter(pl.col("Vendor name").str.to_lowercase().str.starts_with(
        "summit commodities"))["row_id"]
    assert sorted(changes["row_id_new"].to_list()) == sorted(named.to_list())
    assert changes["change"].str.contains("new_watchlist_hit").all()
    assert changes["cause"].str.contains("watchlist").all()


def test_diff_cli_writes_a_changes_sheet(two_runs, tmp_path):
    old, new = two_runs
    out = tmp_path / "changes.xlsx"
    result = CliRunner().invoke(main, ["diff", str(old), str(new), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "new_watchlist_hit" in result.output
    ws = load_workbook(out)["Changes"]
    header = [c.value for c in ws[1]]
    assert header[:4] == ["supplier", "row_id_old", "row_id_new", "change"]
    assert ws.max_row - 1 == diff_outputs(old, new).height


def test_diff_by_vendor_key_and_identical_runs(two_runs):
    old, _ = two_runs
    assert diff_outputs(old, old).is_empty()
    # the example has duplicate vendor numbers: --key pairs them in order
    assert diff_outputs(old, old, key="Vendor No.").is_empty()
    with pytest.raises(riskscreen.errors.InputError, match="no column 'Vendor'"):
        diff_outputs(old, old, key="Vendor")
