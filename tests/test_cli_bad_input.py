"""Every file of the bad-input corpus through the real CLI: errors exit non-zero with a short
message naming the file and leave no output; readable files screen every row."""

from __future__ import annotations

import csv
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from riskscreen.cli import main

BAD = Path(__file__).parent / "data" / "bad"


def _cases() -> list[dict[str, str]]:
    with open(BAD / "EXPECTED.csv", encoding="utf-8") as fh:
        rows = [line for line in fh if not line.startswith("#")]
    return list(csv.DictReader(rows))


@pytest.mark.parametrize("case", _cases(), ids=lambda c: c["file"])
def test_cli_on_bad_corpus(case, tmp_path):
    out = tmp_path / "out.csv"
    args = ["screen", str(BAD / case["file"]), "-o", str(out), "-q"]
    if case["sheet"]:
        args += ["--sheet", case["sheet"]]
    result = CliRunner().invoke(main, args)
    assert "Traceback" not in result.output
    if case["outcome"] == "error" or (case["stage"] == "columns" and case["outcome"] != "ok"):
        assert result.exit_code != 0
        assert case["file"] in result.output
        assert not out.exists() and not list(tmp_path.iterdir())
    elif result.exit_code == 0:
        frame = pl.read_csv(out, infer_schema=False)
        assert frame.height == int(case["rows"])
        assert frame["row_id"].n_unique() == frame.height
    else:
        # Readable, but without a usable column: the message must say what was found.
        assert "--name-col" in result.output and not out.exists()


def test_debug_flag_shows_traceback_for_bad_input():
    result = CliRunner().invoke(main, ["--debug", "screen", str(BAD / "not_a_zip.xlsx"), "-o",
                                       "/nonexistent/never.csv"])
    assert result.exit_code != 0
