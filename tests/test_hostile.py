"""Issue 17's hostile inputs through the real command, each in a child process limited to 4 GiB of
address space and 60 s: it works with every row kept and read right, or it stops with one clear
message, a non-zero exit, no traceback or Rust panic, and no file written or changed.

Small cases are files in tests/data/bad (made by make_hostile.py); big ones are generated here.
"""

from __future__ import annotations

import csv
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest

REPO = Path(__file__).resolve().parents[1]
BAD = REPO / "tests" / "data" / "bad"
sys.path.insert(0, str(BAD))
import make_hostile as mh  # noqa: E402

LIMIT = 4 << 30
FORMULA_START = tuple("=+-@\t\r")


def _limit() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (LIMIT, LIMIT))


def _env(tmp: Path) -> dict[str, str]:
    (tmp / "tmpdir").mkdir(exist_ok=True)
    return {**os.environ, "PYTHONPATH": str(REPO), "TMPDIR": str(tmp / "tmpdir")}


def run(args: list[str], tmp: Path, *, code: str | None = None) -> subprocess.CompletedProcess:
    """`riskscreen ARGS` (or a Python snippet) in a child under the 4 GiB / 60 s limits."""
    cmd = [sys.executable, "-c", code] if code else [sys.executable, "-m", "riskscreen.cli", *args]
    return subprocess.run(cmd, cwd=tmp, env=_env(tmp), preexec_fn=_limit, capture_output=True,
                          text=True, timeout=60)  # fmt: skip


def assert_clean_failure(proc: subprocess.CompletedProcess, *needles: str) -> None:
    """Non-zero exit with one short message naming what is wrong; no traceback or panic."""
    err = proc.stderr
    assert proc.returncode not in (0, -6, -9), (proc.returncode, err[-2000:])
    assert 0 < proc.returncode < 128, err[-2000:]
    assert "Traceback" not in err and "panicked" not in err and "stack backtrace" not in err
    assert err.startswith("error: "), err[-2000:]
    for needle in needles:
        assert needle in err, err


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {
        str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file() and "tmpdir" not in p.parts
    }


@pytest.fixture()
def work(tmp_path: Path) -> Path:
    for name in ("formula_payloads.csv", "watchlist_formula.csv", "watchlist_multiline.csv"):
        (tmp_path / name).write_bytes((BAD / name).read_bytes())
    return tmp_path


# --- the user's own files -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["screen", "formula_payloads.csv", "-o", "wl.csv", "--watchlist", "wl.csv"], "wl.csv"),
        (["screen", "formula_payloads.csv", "-o", "link.csv"], "formula_payloads.csv"),
        (["screen", "formula_payloads.csv", "-o", "hard.csv"], "formula_payloads.csv"),
        (["screen", "formula_payloads.csv", "-o", "a.xlsx", "--also", "formula_payloads.csv"],
         "that is the input file"),
        (["screen", "formula_payloads.csv", "-o", "a.xlsx", "--also", "nofolder/all.csv"],
         "does not exist"),
        (["screen", "formula_payloads.csv", "-o", "a.xlsx", "--also", "all.json"],
         "unknown extension"),
        (["screen", "formula_payloads.csv", "-o", "a.xlsx", "--also", "a.xlsx"], "named twice"),
        (["screen", "formula_payloads.csv", "-o", "formula_payloads.csv/x.csv"], "not a folder"),
        (["diff", "old.csv", "new.csv", "-o", "old.csv"], "old.csv"),
    ],
    ids=["watchlist", "symlink", "hardlink", "also-is-input", "also-folder", "also-ext",
         "twice", "under-a-file", "diff-old"],
)
def test_outputs_checked_before_any_work(work: Path, args: list[str], needle: str) -> None:
    (work / "wl.csv").write_bytes((BAD / "watchlist_multiline.csv").read_bytes())
    (work / "link.csv").symlink_to(work / "formula_payloads.csv")
    os.link(work / "formula_payloads.csv", work / "hard.csv")
    (work / "old.csv").write_text("row_id,risk_tier,flagged\n1,low,false\n")
    (work / "new.csv").write_text("row_id,risk_tier,flagged\n1,high,true\n")
    before = snapshot(work)
    started = time.monotonic()
    proc = run(args, work)
    assert_clean_failure(proc, needle, "Nothing was written")
    assert snapshot(work) == before
    assert not list((work / "tmpdir").iterdir())
    assert time.monotonic() - started < 30  # refused before screening, not after


# --- formula payloads in CSV outputs ---------------------------------------------------------


def _cells(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def _live(cells: list[list[str]]) -> list[str]:
    """Cells Excel would run as a formula (plain numbers are not)."""
    out = []
    for row in cells:
        for v in row:
            if v.startswith(FORMULA_START):
                try:
                    float(v.replace(",", ""))
                except ValueError:
                    out.append(v)
    return out


def test_csv_output_escapes_formulas_screen_and_diff(work: Path) -> None:
    proc = run(["screen", "formula_payloads.csv", "-o", "out.csv", "--also", "out.xlsx",
                "--watchlist", "watchlist_formula.csv", "-q"], work)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    cells = _cells(work / "out.csv")
    assert _live(cells) == []
    header, rows = cells[0], cells[1:]
    assert header[3] == "'=HYPERLINK(\"http://evil.example\")"
    assert len(rows) == len(mh.PAYLOADS) + 1  # every row kept
    names = [r[0] for r in rows]
    assert names[: len(mh.PAYLOADS)] == ["'" + p for p in mh.PAYLOADS]
    assert rows[-1][3] == "-12.5"  # a plain number stays a number
    hit = rows[0][header.index("watchlist_name")]
    assert hit == "'=cmd|' /C calc'!A0"  # the user's watchlist entry, escaped too
    method = pl.read_excel(work / "out.xlsx", sheet_name="Method & sources", has_header=False)
    assert any("leading apostrophe" in str(v) for v in method.to_series(1).to_list())

    raw = run(["screen", "formula_payloads.csv", "-o", "raw.csv", "--csv-raw", "-q"], work)
    assert raw.returncode == 0, raw.stderr
    assert [r[0] for r in _cells(work / "raw.csv")[1:]][: len(mh.PAYLOADS)] == mh.PAYLOADS

    # diff: a new watchlist hit named by a formula payload, written escaped
    plain = run(["screen", "formula_payloads.csv", "-o", "plain.csv", "-q"], work)
    assert plain.returncode == 0, plain.stderr
    diff = run(["diff", "plain.csv", "out.csv", "-o", "changes.csv"], work)
    assert diff.returncode == 0, diff.stderr
    changes = _cells(work / "changes.csv")
    assert _live(changes) == []
    assert "'=cmd|' /C calc'!A0" in {v for r in changes for v in r}
    help_text = run(["screen", "--help"], work).stdout + run(["diff", "--help"], work).stdout
    assert help_text.count("--csv-raw") == 2 and "apostrophe" in help_text


# --- crashes ---------------------------------------------------------------------------------


def test_multiline_watchlist_name_works(work: Path) -> None:
    proc = run(["screen", "formula_payloads.csv", "-o", "o.csv", "--watchlist",
                "watchlist_multiline.csv", "-q"], work)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    supplier = work / "s.csv"
    supplier.write_text("Supplier,Country\nAcme Textiles,China\nOther Co,Peru\n")
    proc = run(["screen", "s.csv", "-o", "o.csv", "--watchlist", "watchlist_multiline.csv",
                "-q"], work)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    out = pl.read_csv(work / "o.csv", infer_schema=False)
    assert out["watchlist_name"].to_list() == ["Acme Textiles", None]
    assert out["risk_tier"][0] == "critical"


@pytest.mark.parametrize(
    ("name", "column", "expected"),
    [
        ("parquet_duration.parquet", "Lead time", ["3d", None, "5h"]),
        ("parquet_binary_latin1.parquet", "Country", ["China", "Côte d'Ivoire", "Peru"]),
        ("parquet_row_id_repeated.parquet", "row_id (input)", ["7", "7", "8"]),
        ("parquet_row_id_null.parquet", "row_id (input)", ["1", None, "3"]),
    ],
)
def test_parquet_oddities_read_right(tmp_path: Path, name: str, column: str,
                                     expected: list) -> None:  # fmt: skip
    proc = run(["screen", str(BAD / name), "-o", "o.csv", "-q"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = pl.read_csv(tmp_path / "o.csv", infer_schema=False)
    assert out[column].to_list() == expected
    assert out["row_id"].to_list() == ["1", "2", "3"]


# --- wrong advice: sheets too long for Excel -----------------------------------------------------


def test_long_flagged_sheet_is_split_and_tables_come_first(tmp_path: Path) -> None:
    code = f"""
import sys
import riskscreen.io.report as report
report.EXCEL_MAX_ROWS = 4  # 3 data rows per sheet
from riskscreen.cli import main
sys.argv = ["riskscreen", "screen", {str(BAD / 'cp1252_cote.csv')!r}, "-o", "r.xlsx",
            "--also", "all.parquet", "--no-all-sheet", "-q"]
main()
"""
    proc = run([], tmp_path, code=code)
    assert proc.returncode == 0, proc.stderr
    import fastexcel

    sheets = fastexcel.read_excel(str(tmp_path / "r.xlsx")).sheet_names
    assert [s for s in sheets if s.startswith(("Flagged", "Follow-up"))] == [
        "Flagged 1", "Flagged 2", "Follow-up 1", "Follow-up 2"]
    flagged = pl.concat([pl.read_excel(tmp_path / "r.xlsx", sheet_name=s, infer_schema_length=0)
                         for s in ("Flagged 1", "Flagged 2")])
    everything = pl.read_parquet(tmp_path / "all.parquet")
    assert flagged.height == everything["flagged"].sum() == 4

    too_wide = f"""
import sys
import riskscreen.io.report as report
report.EXCEL_MAX_COLUMNS = 10
from riskscreen.cli import main
sys.argv = ["riskscreen", "screen", {str(BAD / 'cp1252_cote.csv')!r}, "-o", "w.xlsx",
            "--also", "all2.csv", "-q"]
main()
"""
    proc = run([], tmp_path, code=too_wide)
    assert_clean_failure(proc, "do not fit in an Excel sheet", "all2.csv was written")
    assert (tmp_path / "all2.csv").exists() and not (tmp_path / "w.xlsx").exists()


# --- interruption --------------------------------------------------------------------------


# The signal lands early in the write, or later (while the summary and method sheets are filled:
# openpyxl's row generators must then be ended, else they print a traceback at exit).
@pytest.mark.parametrize(("signum", "delay"),
                         [(signal.SIGTERM, 0.3), (signal.SIGHUP, 0.3), (signal.SIGTERM, 1.6)])
def test_signal_while_writing_leaves_nothing(tmp_path: Path, signum: int, delay: float) -> None:
    mh.big_repetitive_csv(tmp_path / "big.csv", 100_000)
    env = _env(tmp_path)
    proc = subprocess.Popen(
        [sys.executable, "-m", "riskscreen.cli", "screen", "big.csv", "-o", "r.xlsx", "-q"],
        cwd=tmp_path, env=env, preexec_fn=_limit, stderr=subprocess.PIPE, text=True,
    )
    deadline = time.monotonic() + 55
    while time.monotonic() < deadline and proc.poll() is None:
        if any(p.name.startswith(".r.xlsx.") for p in tmp_path.iterdir()):
            break
        time.sleep(0.05)
    if proc.poll() is not None:
        pytest.fail(f"the run ended before its output was written: {proc.stderr.read()[-3000:]}")
    time.sleep(delay)
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 128 + signum, err
    assert "interrupted: no output file was written" in err and "Traceback" not in err
    assert "Exception ignored" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.csv", "tmpdir"]
    assert list((tmp_path / "tmpdir").iterdir()) == []


def test_signal_between_table_chunks_leaves_nothing(tmp_path: Path) -> None:
    """CSV/Parquet outputs are written chunk by chunk as screened: a signal after the first
    chunk is written still leaves no file (neither output nor temp file)."""
    mh.big_repetitive_csv(tmp_path / "big.csv", 100_000)
    code = """
import sys
from riskscreen.io import read_limits
limits = {**read_limits._limits(), "screen_chunk_rows": 5000.0}
read_limits._limits = lambda: limits
from riskscreen.cli import main
sys.argv = ["riskscreen", "screen", "big.csv", "-o", "all.parquet", "--also", "all.csv", "-q"]
main()
"""
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=tmp_path, env=_env(tmp_path),
                            preexec_fn=_limit, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 55
    while time.monotonic() < deadline and proc.poll() is None:
        partial = [p for p in tmp_path.iterdir() if p.name.startswith(".all.csv.")]
        if partial and partial[0].stat().st_size > 0:  # the first chunk is on disk
            break
        time.sleep(0.02)
    if proc.poll() is not None:
        pytest.fail(f"the run ended before a chunk was written: {proc.stderr.read()[-3000:]}")
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 128 + signal.SIGTERM, err
    assert "interrupted: no output file was written" in err and "Traceback" not in err
    assert "Exception ignored" not in err and "Fatal" not in err  # chunks on other threads
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.csv", "tmpdir"]


# --- expansion guards ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "needle"),
    [("far_cell_xfd.xlsx", "XFD1048576"), ("far_cell_gr.xlsx", "GR1048576"),
     ("ods_repeats.ods", "99,009,900 cells")],
)
def test_tiny_spreadsheets_that_expand_are_refused(tmp_path: Path, name: str,
                                                   needle: str) -> None:  # fmt: skip
    proc = run(["screen", str(BAD / name), "-o", "o.csv"], tmp_path)
    assert_clean_failure(proc, name, needle, "cell limit")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tmpdir"]


def test_dictionary_parquet_refused_in_screen_and_diff(tmp_path: Path) -> None:
    mh.big_parquet_dictionary(tmp_path / "d.parquet")
    assert (tmp_path / "d.parquet").stat().st_size < 2 << 20
    proc = run(["screen", "d.parquet", "-o", "o.csv"], tmp_path)
    assert_clean_failure(proc, "d.parquet", "expands to more than", "1,000,000 rows x 10")
    proc = run(["diff", "d.parquet", "d.parquet"], tmp_path)
    assert_clean_failure(proc, "d.parquet", "expands to more than")


def test_diff_inputs_are_guarded(tmp_path: Path) -> None:
    for name in ("far_cell_xfd.xlsx", "ods_repeats.ods"):
        (tmp_path / name).write_bytes((BAD / name).read_bytes())
    proc = run(["diff", "far_cell_xfd.xlsx", "far_cell_xfd.xlsx"], tmp_path)
    assert_clean_failure(proc, "far_cell_xfd.xlsx", "cell limit")
    proc = run(["diff", "ods_repeats.ods", "far_cell_xfd.xlsx"], tmp_path)
    assert_clean_failure(proc, "unknown extension")


# --- memory per distinct value ---------------------------------------------------------------


@pytest.mark.slow
def test_many_distinct_product_codes_within_4gb(tmp_path: Path) -> None:
    """60,000 distinct 14-letter codes: the keyword cross join alone needed ~6 GB."""
    mh.big_product_codes(tmp_path / "codes.csv", rows=60_000)
    code = f"""
import polars as pl
from riskscreen.match.products import resolve_products
codes = pl.read_csv({str(tmp_path / 'codes.csv')!r}, infer_schema=False)["Product"]
out = resolve_products(codes)
assert out.height == codes.n_unique(), out.height
print(out["good_id"].null_count())
"""
    proc = run([], tmp_path, code=code)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert int(proc.stdout.strip()) >= 59_000  # random letters name no good


@pytest.mark.slow
def test_very_long_names_within_4gb(tmp_path: Path) -> None:
    """10,000 distinct names of 30,000 characters each (a 300 MB CSV) through `screen`: the name
    matchers look at the first characters only, and every row is kept."""
    import random

    rng = random.Random(5)
    words = ["".join(rng.choice("abcdefghij") for _ in range(7)) for _ in range(5000)]
    with (tmp_path / "names.csv").open("w", encoding="utf-8") as fh:
        fh.write("Supplier,Country\n")
        for i in range(10_000):
            fh.write(f"{i} " + " ".join(rng.choices(words, k=3750)) + ",China\n")
    proc = run(["screen", "names.csv", "-o", "out.parquet", "-q"], tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = pl.read_parquet(tmp_path / "out.parquet", columns=["row_id", "Supplier"])
    assert out.height == 10_000 and out["Supplier"].str.len_chars().min() > 29_000


def test_huge_watchlist_refused_clearly(tmp_path: Path) -> None:
    mh.big_watchlist(tmp_path / "wl.csv")
    (tmp_path / "s.csv").write_text("Supplier,Country\nAcme,China\n")
    proc = run(["screen", "s.csv", "-o", "o.csv", "--watchlist", "wl.csv"], tmp_path)
    assert_clean_failure(proc, "wl.csv", "MiB limit", "keep the entities")
    assert not (tmp_path / "o.csv").exists()


def test_pattern_like_headers_screen_and_diff(tmp_path: Path) -> None:
    """Headers '^Product$', '*' and '(a|b)' are columns like any other, in screen and in diff."""
    src = str(BAD / "regex_headers.csv")
    assert run(["screen", src, "-o", "a.csv", "-q"], tmp_path).returncode == 0
    proc = run(["screen", src, "-o", "b.parquet", "-q", "--threshold", "tier_high=60"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = pl.read_csv(tmp_path / "a.csv", infer_schema=False)
    assert out.columns[:6] == ["Supplier", "Country", "^Product$", "*", "(a|b)", "Spend ($)"]
    assert out["^Product$"].to_list() == ["cotton", "cocoa"]
    assert out["good"].to_list() == ["Cotton", "Cocoa"]  # the product column was used
    diff = run(["diff", "a.csv", "b.parquet", "-o", "changes.csv"], tmp_path)
    assert diff.returncode == 0, diff.stderr
    assert "tier_high 70 → 60" in diff.stdout
