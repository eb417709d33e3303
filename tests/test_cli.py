"""The command line, end to end with click's CliRunner on real files."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from riskscreen.checksum import file_sha256
from riskscreen.cli import main


@pytest.fixture(scope="module")
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture(scope="module")
def example_csv(tmp_path_factory, runner, example_workbook) -> Path:
    out = tmp_path_factory.mktemp("cli") / "all.csv"
    result = runner.invoke(main, ["screen", str(example_workbook), "-o", str(out), "-q"])
    assert result.exit_code == 0, result.output
    return out


def test_help_explains_every_command(runner):
    result = runner.invoke(main, ["--help"])
    assert result.exit_code == 0
    for command in ("screen", "explain", "reference", "model", "watchlist", "diff"):
        assert command in result.output
    for args in (
        ["screen"],
        ["explain"],
        ["reference", "build"],
        ["reference", "info"],
        ["model", "train"],
        ["model", "evaluate"],
        ["watchlist", "check"],
        ["diff"],
    ):
        sub = runner.invoke(main, [*args, "--help"])
        assert sub.exit_code == 0, args
        assert "Usage:" in sub.output and len(sub.output.splitlines()) > 3


def test_one_command_line_for_the_model(runner, repo_root):
    """The model is trained and validated through `riskscreen model`, and the docs say so."""
    import importlib.util

    assert importlib.util.find_spec("riskscreen.model.__main__") is None
    for command in ("train", "evaluate"):
        out = runner.invoke(main, ["model", command, "--help"]).output
        for option in ("--out", "--reference", "--random-state"):
            assert option in out, (command, option)
    texts = [*(repo_root / "riskscreen").rglob("*.py"), *repo_root.glob("**/*.md")]
    stale = [p for p in texts if ".venv" not in p.parts
             and "python -m riskscreen.model" in p.read_text(encoding="utf-8")]
    assert not stale


def test_screen_help_documents_each_option(runner):
    out = runner.invoke(main, ["screen", "--help"]).output
    for option in (
        "--output",
        "--sheet",
        "--name-col",
        "--country-col",
        "--product-col",
        "--min-tier",
        "--threshold",
        "--watchlist",
        "--no-all-sheet",
        "--stamp",
        "--quiet",
    ):
        assert option in out


def test_screen_workbook_accounts_for_every_row(runner, tmp_path, example_workbook, example_csv):
    out = tmp_path / "report.xlsx"
    result = runner.invoke(main, ["screen", str(example_workbook), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "rows screened" in result.output
    assert "partial compilation" in result.output  # lists are partial: said where results show
    everything = pl.read_csv(example_csv, infer_schema=False)
    wb = load_workbook(out)
    assert {"Flagged", "All suppliers", "Needs review", "Summary"} <= set(wb.sheetnames)
    header = [c.value for c in wb["Flagged"][1]]
    for col in ("row_id", "country_iso3", "country_confidence", "good", "good_confidence",
                "listed_child_labour", "listed_forced_labour", "p_child_labour",
                "p_forced_labour", "p_any_finding", "watchlist_name", "watchlist_source",
                "risk_score",
                "risk_tier", "flagged", "reasons"):
        assert col in header, col  # the output contract holds in the workbook too
    flagged_rows = wb["Flagged"].max_row - 1
    n_flagged = everything.filter(pl.col("flagged").str.to_lowercase() == "true").height
    assert flagged_rows == n_flagged
    assert wb["All suppliers"].max_row - 1 == everything.height
    ids = everything["row_id"].cast(pl.Int64)
    assert ids.to_list() == list(range(1, everything.height + 1))


def test_screen_csv_writes_every_row_with_contract_columns(example_csv):
    frame = pl.read_csv(example_csv, infer_schema=False)
    for col in (
        "row_id",
        "country_iso3",
        "country_confidence",
        "good",
        "good_confidence",
        "listed_child_labour",
        "listed_forced_labour",
        "p_child_labour",
        "p_forced_labour",
        "p_any_finding",
        "watchlist_name",
        "watchlist_source",
        "risk_score",
        "risk_tier",
        "flagged",
        "reasons",
    ):
        assert col in frame.columns


def test_screen_parquet_matches_csv(runner, tmp_path, example_workbook, example_csv):
    out = tmp_path / "all.parquet"
    assert (
        runner.invoke(main, ["screen", str(example_workbook), "-o", str(out), "-q"]).exit_code == 0
    )
    parquet = pl.read_parquet(out)
    csv = pl.read_csv(example_csv, infer_schema=False)
    assert parquet.height == csv.height
    assert parquet["risk_tier"].to_list() == csv["risk_tier"].to_list()


def test_column_overrides(runner, tmp_path):
    src = tmp_path / "odd.csv"
    src.write_text(
        "Col A,Col B,Col C\nKarakum Lint,Turkmenistan,cotton lint\n"
        "Berlin IT,Germany,IT consulting\n",
        encoding="utf-8",
    )
    out = tmp_path / "odd_out.csv"
    result = runner.invoke(
        main,
        [
            "screen",
            str(src),
            "-o",
            str(out),
            "--name-col",
            "Col A",
            "--country-col",
            "Col B",
            "--product-col",
            "Col C",
            "-q",
        ],
    )
    assert result.exit_code == 0, result.output
    frame = pl.read_csv(out, infer_schema=False)
    assert frame["country_iso3"].to_list() == ["TKM", "DEU"]
    assert frame["flagged"].to_list() == ["true", "false"]


def test_missing_file_is_a_clear_error(runner, tmp_path):
    result = runner.invoke(
        main, ["screen", str(tmp_path / "nope.xlsx"), "-o", str(tmp_path / "o.xlsx")]
    )
    assert result.exit_code != 0
    assert "nope.xlsx" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "o.xlsx").exists()


def test_unrecognised_headers_say_which_were_found(runner, tmp_path):
    src = tmp_path / "mystery.csv"
    src.write_text("alpha,beta\n1,2\n3,4\n", encoding="utf-8")
    result = runner.invoke(main, ["screen", str(src), "-o", str(tmp_path / "o.xlsx")])
    assert result.exit_code != 0
    assert "alpha" in result.output and "--name-col" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "o.xlsx").exists()


def test_output_must_not_overwrite_input(runner, tmp_path, example_workbook):
    src = tmp_path / "suppliers.xlsx"
    shutil.copy(example_workbook, src)
    before = src.read_bytes()
    result = runner.invoke(main, ["screen", str(src), "-o", str(src)])
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert src.read_bytes() == before


def test_unknown_output_extension(runner, tmp_path, example_workbook):
    result = runner.invoke(main, ["screen", str(example_workbook), "-o", str(tmp_path / "o.pdf")])
    assert result.exit_code != 0 and ".xlsx" in result.output


def test_threshold_option_moves_the_tier_cut_off(runner, tmp_path, example_workbook,
                                                example_csv):
    default = pl.read_csv(example_csv, infer_schema=False).with_columns(
        pl.col("risk_score").cast(pl.Int64)
    )
    out = tmp_path / "t.csv"
    result = runner.invoke(main, ["screen", str(example_workbook), "-o", str(out), "-q",
                                  "--threshold", "tier_high=60"])
    assert result.exit_code == 0, result.output
    moved = pl.read_csv(out, infer_schema=False).with_columns(pl.col("risk_score").cast(pl.Int64))
    band = default.filter(pl.col("risk_score").is_between(60, 69))
    assert band.height > 0 and set(band["risk_tier"]) == {"medium"}
    assert set(moved.filter(pl.col("row_id").is_in(band["row_id"].to_list()))["risk_tier"]) == {
        "high"
    }
    assert moved["risk_score"].equals(default["risk_score"])  # only the cut-off moved
    others = ~default["row_id"].is_in(band["row_id"].to_list())
    assert moved.filter(others)["risk_tier"].equals(default.filter(others)["risk_tier"])


@pytest.mark.parametrize(
    ("value", "says"),
    [("tier_hi=60", "unknown threshold 'tier_hi'"), ("tier_high", "write KEY=VALUE"),
     ("tier_high=abc", "must be a number"), ("tier_high=95", "must fall")],
)
def test_bad_threshold_is_a_clear_error_and_writes_nothing(runner, tmp_path, example_workbook,
                                                          value, says):
    out = tmp_path / "t.xlsx"
    result = runner.invoke(main, ["screen", str(example_workbook), "-o", str(out),
                                  "--threshold", value])
    assert result.exit_code == 2 and says in result.output and "Traceback" not in result.output
    assert not out.exists()


def test_explain_country_and_product(runner):
    result = runner.invoke(main, ["explain", "Côte d'Ivoire", "cacao"])
    assert result.exit_code == 0, result.output
    assert "CIV" in result.output and "Cocoa" in result.output
    assert "ILAB 2022 List of Goods: Cocoa from Côte d'Ivoire — forced labour and child labour" \
        in result.output


def test_explain_unknown_country(runner):
    result = runner.invoke(main, ["explain", "Atlantis"])
    assert result.exit_code != 0 and "Atlantis" in result.output


def test_reference_info(runner):
    result = runner.invoke(main, ["reference", "info"])
    assert result.exit_code == 0
    assert "2021" in result.output and "ILAB" in result.output
    assert "UFLPA" in result.output


@pytest.mark.shared
def test_reference_build_cli_reproduces_committed_tables(runner, tmp_path, shared_data,
                                                         repo_root):
    out = tmp_path / "ref"
    result = runner.invoke(main, ["reference", "build", "--ilab", str(shared_data / "ilab"),
                                  "--out", str(out)])
    assert result.exit_code == 0, result.output
    for table in ("countries.csv", "goods.csv", "listings.csv", "good_names.csv"):
        assert (out / table).read_bytes() == (repo_root / "reference" / table).read_bytes()


@pytest.mark.slow
def test_model_train_reproduces_committed_artefacts(runner, tmp_path, repo_root):
    import polars as pl

    from riskscreen.model import load_model

    out = tmp_path / "models"
    result = runner.invoke(main, ["model", "train", "--out", str(out)])
    assert result.exit_code == 0, result.output
    committed = repo_root / "models"
    for name in ("metrics.json", "MODEL_CARD.md"):
        assert (out / name).read_bytes() == (committed / name).read_bytes(), name
    pairs = pl.DataFrame({"country_iso3": ["BGD", "CIV", "DEU", "TKM", "CHN"],
                          "good_id": ["garments", "cocoa", "coffee", "cotton", None]})
    fresh = load_model(out / "risk_model.skops").predict_pairs(pairs)
    shipped = load_model(committed / "risk_model.skops").predict_pairs(pairs)
    assert fresh.equals(shipped)
    # The plain twin holds the same state; only the skops file's checksum (zip times) differs.
    twins = [json.loads(gzip.decompress((d / "risk_model.json.gz").read_bytes()))
             for d in (out, committed)]
    assert twins[0]["state"] == twins[1]["state"]
    assert twins[0]["skops_sha256"] == file_sha256(out / "risk_model.skops")
