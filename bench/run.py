"""Benchmark `riskscreen screen` end to end and per stage, beside a straightforward baseline.

    python bench/run.py                 # 1k, 10k, 100k, 1M rows; baseline up to 100k
    python bench/run.py --sizes 1000 10000 --baseline-max 10000

For each size it generates a seeded file (bench/generate.py), then:
* end to end: `riskscreen screen FILE.csv -o flagged.xlsx --also all.parquet --no-all-sheet -q`
  in a subprocess — wall time and peak memory (max RSS of the child);
* per stage: the same run in-process through `run_screen`, with the pipeline's stage timings;
* baseline: pandas read + per-row `rapidfuzz.process.extractOne` for country, product and name +
  per-row model predict, on the same file.
Prints a markdown table; `--write` appends it to bench/RESULTS.md with date and machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]



# Runs the CLI in a fresh interpreter and reports that process's own peak RSS (KiB).
_WRAPPER = (
    "import resource, runpy, sys\n"
    "sys.argv = ['riskscreen', *sys.argv[1:]]\n"
    "try:\n"
    "    runpy.run_module('riskscreen.cli', run_name='__main__')\n"
    "except SystemExit as exc:\n"
    "    if exc.code:\n"
    "        raise\n"
    "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
)


def end_to_end(path: Path, workdir: Path, python: str) -> tuple[float, float]:
    """Wall seconds and peak RSS (GiB) of one CLI run in a fresh process."""
    cmd = [python, "-c", _WRAPPER, "screen", str(path), "-o", str(workdir / "flagged.xlsx"),
           "--also", str(workdir / "all.parquet"), "--no-all-sheet", "-q"]
    start = time.perf_counter()
    proc = subprocess.run(cmd, check=True, cwd=workdir, capture_output=True, text=True)
    wall = time.perf_counter() - start
    peak_kib = int(proc.stderr.strip().splitlines()[-1])
    return wall, peak_kib / 1024 / 1024


def stages(path: Path, workdir: Path) -> dict[str, float]:
    """Per-stage seconds from the pipeline's own timer, plus the write stage, and the flag
    count (reference, model and watchlists preloaded: the stages alone)."""
    import riskscreen
    from riskscreen.pipeline import run_screen, write_outputs

    ref, model, lists = (riskscreen.load_reference(), riskscreen.load_model(),
                         riskscreen.load_watchlists())
    run = run_screen(path, reference=ref, model=model, watchlists=lists)
    start = time.perf_counter()
    write_outputs(run, workdir / "flagged.xlsx", all_sheet=False, also=[workdir / "all.parquet"])
    timings = dict(run.meta["timings_s"])
    timings["write"] = time.perf_counter() - start
    timings["flagged"] = run.meta["rows_flagged"]
    return timings


def baseline(path: Path) -> float:
    """The straightforward way: pandas, then one fuzzy look-up and one predict per row."""
    import pandas as pd
    import polars as pl
    from rapidfuzz import fuzz, process

    import riskscreen

    start = time.perf_counter()
    ref, model, lists = (riskscreen.load_reference(), riskscreen.load_model(),
                         riskscreen.load_watchlists())
    countries = ref.countries["name"].to_list()
    iso3 = ref.countries["iso3"].to_list()
    goods = ref.goods["name"].to_list()
    good_ids = ref.goods["good_id"].to_list()
    names = lists.entities["alias"].to_list() if "alias" in lists.entities.columns else \
        lists.entities[lists.entities.columns[0]].to_list()
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    for _, row in frame.iterrows():
        c = process.extractOne(row["Country of origin"], countries, scorer=fuzz.WRatio,
                               score_cutoff=80)
        g = process.extractOne(row["Material description"], goods, scorer=fuzz.WRatio,
                               score_cutoff=80)
        process.extractOne(row["Vendor name"], names, scorer=fuzz.WRatio, score_cutoff=90)
        if c is not None:
            query = pl.DataFrame({"country_iso3": [iso3[c[2]]],
                                  "good_id": [good_ids[g[2]] if g else None]},
                                 schema={"country_iso3": pl.String, "good_id": pl.String})
            model.predict_pairs(query)
    return time.perf_counter() - start


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    return f"{os.cpu_count()} cores, {mem:.0f} GiB, {cpu}, Python {platform.python_version()}"


def publish(lines: list[str], write: bool) -> None:
    """Print the result table; with `write`, append it to bench/RESULTS.md."""
    table = "\n".join(lines) + "\n"
    print(table)
    if write:
        with open(ROOT / "bench" / "RESULTS.md", "a", encoding="utf-8") as fh:
            fh.write("\n" + table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+",
                        default=[1_000, 10_000, 100_000, 1_000_000])
    parser.add_argument("--baseline-max", type=int, default=100_000,
                        help="largest size the per-row baseline is run on")
    parser.add_argument("--xlsx", type=int, default=5_000, help="rows of the xlsx start-up case")
    parser.add_argument("--write", action="store_true", help="append to bench/RESULTS.md")
    parser.add_argument("--python", default=sys.executable,
                        help="interpreter whose riskscreen the end-to-end runs use (e.g. a clean "
                        "`pip install .` venv, as users have it)")
    parser.add_argument("--repeat", type=int, default=3,
                        help="end-to-end runs per case; the median is reported")
    args = parser.parse_args()

    lines = [f"### End-to-end screening — {dt.date.today().isoformat()} — {machine()}", "",
             f"End to end: `riskscreen screen` in a fresh process of `{args.python}`, median of "
             f"{args.repeat} runs (peak RSS: the largest). Stages: in-process, preloaded.", "",
             "| input | rows | flagged | riskscreen wall (s) | peak RSS (GiB) | read | detect "
             "| countries | products | names | score | write | baseline wall (s) | speed-up |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        cases = [("xlsx", args.xlsx)] if args.xlsx else []
        cases += [("csv", n) for n in args.sizes]
        for kind, n in cases:
            path = work / f"suppliers_{n}.{kind}"
            subprocess.run([sys.executable, str(ROOT / "bench" / "generate.py"), str(n),
                            str(path)], check=True, capture_output=True)
            runs = [end_to_end(path, work, args.python) for _ in range(max(1, args.repeat))]
            wall = statistics.median(r[0] for r in runs)
            peak = max(r[1] for r in runs)
            st = stages(path, work)
            base = baseline(path) if kind == "csv" and n <= args.baseline_max else None
            speed = f"{base / wall:.0f}×" if base else "—"
            lines.append(
                f"| {kind} | {n:,} | {st['flagged']:,} | {wall:.2f} | {peak:.2f} | "
                f"{st.get('read', 0):.2f} | "
                f"{st.get('detect columns', 0):.2f} | {st.get('resolve countries', 0):.2f} | "
                f"{st.get('resolve products', 0):.2f} | {st.get('screen names', 0):.2f} | "
                f"{st.get('score', 0):.2f} | {st.get('write', 0):.2f} | "
                f"{f'{base:.1f}' if base else '—'} | {speed} |")
            print(lines[-1], flush=True)
    publish(lines, args.write)


if __name__ == "__main__":
    main()
