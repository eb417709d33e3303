"""What `--engine dask` costs on one machine: the same file screened in one process and with Dask.

    python bench/dask_cost.py                      # 200,000 rows, purchase-line shape
    python bench/dask_cost.py --rows 1000000 --shape vendor --write

Generates a seeded file (bench/generate.py), then times, each in a fresh process (start-up
included, median of --repeat runs): `riskscreen screen FILE.csv -o one.parquet -q` and
`riskscreen screen FILE.csv -o dask.parquet --engine dask -q` (its own local cluster of two
worker processes, one thread each), with and without `--partitions`. Checks that every run
screens every row with the same tiers as the single process. `--write` appends the table to
bench/RESULTS.md with date and machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from run import machine, publish  # noqa: E402


def _screen(path: Path, out: Path, *options: str) -> float:
    """Wall seconds of one `riskscreen screen` in a fresh process."""
    cmd = [sys.executable, "-m", "riskscreen.cli", "screen", str(path), "-o", str(out), "-q",
           *options]
    start = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, text=True)
    return time.perf_counter() - start


def _tiers(out: Path) -> pl.DataFrame:
    files = sorted(out.glob("*.parquet")) if out.is_dir() else [out]
    return pl.read_parquet(files, columns=["row_id", "risk_tier"]).sort("row_id")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--shape", choices=["po", "vendor"], default="po")
    parser.add_argument("--partitions", type=int, default=8,
                        help="the --partitions case (besides Dask's own cut)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per case; the median")
    parser.add_argument("--write", action="store_true", help="append to bench/RESULTS.md")
    args = parser.parse_args()

    lines = [f"### `--engine dask` on one machine — {dt.date.today().isoformat()} — "
             f"{machine()}", "",
             f"`python bench/dask_cost.py --rows {args.rows} --shape {args.shape}`: "
             f"`riskscreen screen` in a fresh process, start-up included, median of "
             f"{args.repeat} run(s); Dask: its own local cluster of 2 worker processes.", "",
             "| run | rows | wall (s) | × one process | same rows and tiers |",
             "|---|---:|---:|---:|---|"]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        path = work / f"suppliers_{args.rows}.csv"
        shape = ["--shape", "vendor"] if args.shape == "vendor" else []
        subprocess.run([sys.executable, str(ROOT / "bench" / "generate.py"), str(args.rows),
                        str(path), *shape], check=True, capture_output=True)
        cases = [("one process", ()), ("--engine dask", ("--engine", "dask")),
                 (f"--engine dask --partitions {args.partitions}",
                  ("--engine", "dask", "--partitions", str(args.partitions)))]
        single: tuple[float, pl.DataFrame] | None = None
        for i, (name, options) in enumerate(cases):
            out = work / f"out{i}.parquet"
            wall = statistics.median(_screen(path, out, *options)
                                     for _ in range(max(1, args.repeat)))
            tiers = _tiers(out)
            if single is None:
                single = (wall, tiers)
            same = "yes" if tiers.equals(single[1]) else "NO"
            lines.append(f"| {name} | {tiers.height:,} | {wall:.1f} | "
                         f"{wall / single[0]:.1f} | {same} |")
            print(lines[-1], flush=True)
    publish(lines, args.write)


if __name__ == "__main__":
    main()
