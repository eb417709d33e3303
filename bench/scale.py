"""Scale targets on one machine, each measured beside the polars floor in the same run.

    python bench/scale.py                          # 100k and 1M vendor-master rows
    python bench/scale.py --sizes 1000000 5000000 --baseline-rows 0
    python bench/scale.py --write                  # append the table to bench/RESULTS.md
    python bench/scale.py --sizes 1000000 --stages # also the time of each stage (in-process)

For each size a seeded vendor master is generated (`bench/generate.py --shape vendor`: names,
countries and products drawn independently, so almost every (name, country) pair is distinct),
then, each in a fresh process (in the data's folder: the riskscreen measured is the one
`--python` imports, e.g. through PYTHONPATH) with its peak RSS:

* floor: polars reads the CSV (all text) and writes it to Parquet — nothing can be faster;
* riskscreen: `riskscreen screen FILE -o out.parquet -q` (start-up included);
* baseline (100k only): pandas + `rapidfuzz.process.extractOne` per row for country, product and
  name + one model call per row (bench/run.py's `baseline`), start-up included; run on
  `--baseline-rows` rows and scaled linearly to the size (it is a per-row loop).

Targets (issue 20): 1M rows within 8x the floor and 1.5 GiB; 5M rows within 3 GiB; at 100k
rows at least 50x faster than the baseline.

The shipped input limits (`reference/input_limits.csv`: `max_rows` 1,100,000 and `max_cells`
20,000,000, set by issue 17 so that any accepted file screens within 4 GiB, workbooks
included) refuse the 5M file; for sizes above them the screening process raises the two
limits for that run only, and the table says so ("limits raised").

`--stages` runs the same screening once more in-process (`pipeline.screen_to_files`, which the
command wraps) and prints each stage's seconds (`run.meta["timings_s"]`). Inputs over
`screen_chunk_rows` are screened two chunks at a time (`screen_threads`), so a stage's seconds
are then summed over the threads (a chunk waiting for the names' work counts it as "screen
names"): compare them between runs, not with the wall time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

_PEAK = ("\nimport resource, sys\n"
         "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n")
_FLOOR = ("import sys, polars as pl\n"
          "pl.read_csv(sys.argv[1], infer_schema=False).write_parquet(sys.argv[2])" + _PEAK)
# Raise max_rows/max_cells for this process only (sizes above the shipped limits).
_RAISE = ("from riskscreen.io import read_limits\n"
          "_limits = {**read_limits._limits(), 'max_rows': 1e12, 'max_cells': 1e13}\n"
          "read_limits._limits = lambda: _limits\n")
_STAGES = ("import json, sys\n"
           "from riskscreen.pipeline import screen_to_files\n"
           "run, _ = screen_to_files(sys.argv[1], sys.argv[2], quiet=True)\n"
           "print(json.dumps(run.meta['timings_s']), file=sys.stderr)" + _PEAK)
_SCREEN = ("import runpy, sys\n"
           "sys.argv = ['riskscreen', *sys.argv[1:]]\n"
           "try:\n"
           "    runpy.run_module('riskscreen.cli', run_name='__main__')\n"
           "except SystemExit as exc:\n"
           "    if exc.code:\n"
           "        raise\n" + _PEAK)


def timed(code: str, *args: str, cwd: Path, python: str = sys.executable) -> tuple[float, float]:
    """Wall seconds and peak RSS (GiB) of `code` run in a fresh interpreter."""
    start = time.perf_counter()
    proc = subprocess.run([python, "-c", code, *args], check=True, capture_output=True,
                          text=True, cwd=cwd)
    wall = time.perf_counter() - start
    return wall, int(proc.stderr.strip().splitlines()[-1]) / 1024 / 1024


def stage_seconds(path: Path, out: Path, *, raise_limits: bool, python: str) -> dict[str, float]:
    """Seconds per stage of one in-process screening (`run.meta["timings_s"]`)."""
    proc = subprocess.run([python, "-c", (_RAISE if raise_limits else "") + _STAGES, str(path),
                           str(out)], check=True, capture_output=True, text=True, cwd=path.parent)
    return json.loads(proc.stderr.strip().splitlines()[-2])


def _over_limits(n: int, columns: int) -> bool:
    """True when `n` rows of `columns` columns are over the shipped max_rows or max_cells."""
    sys.path.insert(0, str(ROOT))
    from riskscreen.io.read_limits import int_limit

    return n > int_limit("max_rows") or n * columns > int_limit("max_cells")


def baseline_seconds(path: Path) -> float:
    """The per-row baseline of bench/run.py, with interpreter start-up and imports."""
    code = ("import sys, time\nt = time.perf_counter()\n"
            f"sys.path.insert(0, {str(ROOT / 'bench')!r})\n"
            "from run import baseline\nbaseline(__import__('pathlib').Path(sys.argv[1]))\n"
            "print(time.perf_counter() - t)")
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code, str(path)], check=True, capture_output=True,
                   cwd=path.parent)
    return time.perf_counter() - start


def main() -> None:
    from run import machine, publish

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--baseline-rows", type=int, default=20_000,
                        help="rows the per-row baseline runs on (scaled to 100k); 0: skip")
    parser.add_argument("--python", default=sys.executable,
                        help="interpreter whose riskscreen is measured")
    parser.add_argument("--label", default="", help="note for the table (e.g. the commit)")
    parser.add_argument("--write", action="store_true", help="append to bench/RESULTS.md")
    parser.add_argument("--stages", action="store_true",
                        help="also print each stage's seconds (one more in-process run)")
    args = parser.parse_args()

    lines = [f"Scale run — {dt.date.today().isoformat()} — {machine()} {args.label}".rstrip(),
             "",
             "| rows | floor wall (s) | floor peak (GiB) | riskscreen wall (s) | × floor | "
             "riskscreen peak (GiB) | baseline (s) | speed-up | targets |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    notes: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for n in args.sizes:
            path = work / f"vendors_{n}.csv"
            subprocess.run([sys.executable, str(ROOT / "bench" / "generate.py"), str(n),
                            str(path), "--shape", "vendor"], check=True, capture_output=True)
            f_wall, f_peak = timed(_FLOOR, str(path), str(work / "floor.parquet"), cwd=work)
            columns = len(path.open(encoding="utf-8").readline().split(","))
            raised = _over_limits(n, columns)
            r_wall, r_peak = timed((_RAISE if raised else "") + _SCREEN, "screen", str(path),
                                   "-o", str(work / "out.parquet"), "-q", cwd=work,
                                   python=args.python)
            base = speed = None
            if n == 100_000 and args.baseline_rows:
                sample = work / "baseline.csv"
                subprocess.run([sys.executable, str(ROOT / "bench" / "generate.py"),
                                str(args.baseline_rows), str(sample), "--shape", "vendor"],
                               check=True, capture_output=True)
                base = baseline_seconds(sample) * n / args.baseline_rows
                speed = base / r_wall
            checks = []
            if n == 1_000_000:
                checks += [f"≤ 8× floor: {'met' if r_wall <= 8 * f_wall else 'NOT met'}",
                           f"≤ 1.5 GiB: {'met' if r_peak <= 1.5 else 'NOT met'}"]
            if n == 5_000_000:
                checks.append(f"≤ 3 GiB: {'met' if r_peak <= 3 else 'NOT met'}")
            if speed is not None:
                checks.append(f"≥ 50× baseline: {'met' if speed >= 50 else 'NOT met'}")
            if raised:
                checks.append("limits raised")
            lines.append(
                f"| {n:,} | {f_wall:.1f} | {f_peak:.2f} | {r_wall:.1f} | {r_wall / f_wall:.1f} | "
                f"{r_peak:.2f} | {f'{base:.0f}' if base else '—'} | "
                f"{f'{speed:.0f}×' if speed else '—'} | {'; '.join(checks) or '—'} |")
            print(lines[-1], flush=True)
            if args.stages:
                times = stage_seconds(path, work / "stages.parquet", raise_limits=raised,
                                      python=args.python)
                notes.append(f"Stages at {n:,} rows (s, in-process): " + ", ".join(
                    f"{k} {v:.1f}" for k, v in times.items()))
                print(notes[-1], flush=True)
    publish(lines + ([""] + notes if notes else []), args.write)


if __name__ == "__main__":
    main()
