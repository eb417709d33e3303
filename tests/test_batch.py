"""Batch screening: several inputs (or a folder) into one folder, with index and manifest."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from riskscreen.batch import EXIT_SOME_FAILED, expand_inputs, run_batch
from riskscreen.checksum import file_sha256
from riskscreen.cli import main


@pytest.fixture(scope="module")
def inputs(tmp_path_factory, example_workbook) -> Path:
    folder = tmp_path_factory.mktemp("batch_in")
    shutil.copy(example_workbook, folder / "A.xlsx")
    (folder / "B.csv").write_text(
        "Supplier;Land;Warengruppe\nAcme Textiles;China;Baumwolle\n"
        "Dhaka Knit;BD;T-shirts\nMüller GmbH;Deutschland;Schrauben\n", encoding="utf-8")
    (folder / "C.parquet").write_bytes(b"this is not a parquet file\n")
    (folder / "notes.docx").write_bytes(b"ignored: not a supplier file type")
    return folder


def _index(path: Path) -> pl.DataFrame:
    return pl.read_excel(path, sheet_name="Index", engine="calamine")


def test_cli_batch_writes_one_output_per_input_index_and_manifest(inputs, tmp_path):
    out = tmp_path / "reports"
    args = ["screen", *(str(inputs / n) for n in ("A.xlsx", "B.csv", "C.parquet")),
            "-o", str(out)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == EXIT_SOME_FAILED, result.output
    # a progress line per file and one overall
    assert "[1/3] A.xlsx: 252 rows" in result.output
    assert "[3/3] C.parquet: FAILED" in result.output
    assert "2 of 3 inputs screened, 1 failed" in result.output
    assert sorted(p.name for p in out.iterdir()) == ["A.xlsx", "B.xlsx", "index.xlsx",
                                                     "run.json"]
    index = _index(out / "index.xlsx")
    assert index["file"].to_list() == [str(inputs / n) for n in ("A.xlsx", "B.csv",
                                                                  "C.parquet")]
    assert index["status"].to_list() == ["ok", "ok", "error"]
    assert "C.parquet" in index["error"][2] and index["rows"][2] is None
    assert index["rows"][:2].to_list() == [252, 3]
    assert index["sha256"][0] == file_sha256(inputs / "A.xlsx")
    assert index["sha256"][2] == file_sha256(inputs / "C.parquet")  # recorded even on failure
    # counts agree with the workbook written for that input
    b = pl.read_excel(out / "B.xlsx", sheet_name="All suppliers", engine="calamine")
    assert index["flagged"][1] == b["flagged"].sum()
    tiers = sum(index[f"tier_{t}"][1] for t in ("critical", "high", "medium", "low", "unknown"))
    assert tiers == 3
    manifest = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert manifest["tool"].startswith("riskscreen ")
    assert manifest["reference"]["edition"].startswith("ILAB goods")
    assert all(len(s["sha256"]) == 64 for s in manifest["reference"]["sources"])
    assert {w["list_id"] for w in manifest["watchlists"]} >= {"uflpa"}
    assert manifest["thresholds"]["min_tier"] == "high"
    assert [i["rows"] for i in manifest["inputs"]] == [252, 3, None]
    assert manifest["inputs"][1]["output"] == str(out / "B.xlsx")
    assert manifest["inputs"][2]["status"] == "error" and manifest["inputs"][2]["output"] is None
    assert manifest["summary"] == {"inputs": 3, "screened": 2, "failed": 1}


def test_batch_output_equals_single_run(inputs, tmp_path, example_workbook):
    single = tmp_path / "single.xlsx"
    assert CliRunner().invoke(main, ["screen", str(inputs / "A.xlsx"), "-o", str(single),
                                     "-q"]).exit_code == 0
    result = run_batch([inputs / "A.xlsx"], tmp_path / "out")
    assert result.exit_code == 0
    assert (tmp_path / "out" / "A.xlsx").read_bytes() == single.read_bytes()


def test_folder_input_parquet_format_and_options_recorded(inputs, tmp_path):
    out = tmp_path / "pq"
    result = run_batch([inputs], out, fmt="parquet", min_tier="medium",
                       thresholds={"tier_high": 65})
    assert [i.path.name for i in result.items] == ["A.xlsx", "B.csv", "C.parquet"]  # no .docx
    assert [i.status for i in result.items] == ["ok", "ok", "error"]
    frame = pl.read_parquet(out / "B.parquet")
    assert frame.height == 3 and "risk_tier" in frame.columns
    manifest = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert manifest["options"]["format"] == "parquet"
    assert manifest["thresholds"]["min_tier"] == "medium"
    assert manifest["thresholds"]["tier_high"] == 65


def test_clashing_stems_get_distinct_outputs(tmp_path):
    (tmp_path / "in").mkdir()
    for name in ("a.csv", "index.csv"):
        (tmp_path / "in" / name).write_text("Supplier,Country\nAcme,China\n", encoding="utf-8")
    (tmp_path / "in" / "a.txt").write_text("Supplier,Country\nAcme,Peru\n", encoding="utf-8")
    result = run_batch([tmp_path / "in"], tmp_path / "out", fmt="csv")
    assert sorted(i.output.name for i in result.items) == ["a_csv.csv", "a_txt.csv",
                                                            "index_csv.csv"]
    assert all(i.output.is_file() for i in result.items)


def test_bad_options_stop_before_anything_is_written(inputs, tmp_path):
    out = tmp_path / "none"
    result = CliRunner().invoke(main, ["screen", str(inputs / "B.csv"), str(inputs / "A.xlsx"),
                                       "-o", str(out), "--threshold", "tier_high=x"])
    assert result.exit_code == 2 and "tier_high" in result.output
    assert not out.exists()
    with pytest.raises(Exception, match="holds no supplier files"):
        expand_inputs([tmp_path])
