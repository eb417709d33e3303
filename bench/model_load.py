"""Benchmark loading the shipped model and scoring 10,000 distinct pairs in a fresh process.

Each round starts a new interpreter (as a user's `riskscreen` run does), imports riskscreen,
loads the model, then scores and explains 10,000 distinct (country, good) pairs; it does this
for the plain twin (the default) and for the skops file itself. Prints a markdown table and
writes bench/results/model_load.md.  Run: /work/venv/bin/python bench/model_load.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "results" / "model_load.md"

PROBE = """
import json, sys, time
t0 = time.perf_counter()
import numpy as np, polars as pl
import riskscreen
from riskscreen.model.store import _load_skops, default_path
m = riskscreen.load_model() if sys.argv[1] == "plain" else _load_skops(default_path())
t1 = time.perf_counter()
iso, goods = np.array(m.state["iso3"]), np.array(m.state["good_id"])
cells = np.random.default_rng(0).choice(len(iso) * len(goods), 10_000, replace=False)
pairs = pl.DataFrame({"country_iso3": iso[cells // len(goods)],
                      "good_id": goods[cells % len(goods)]})
p = m.predict_pairs(pairs)
t2 = time.perf_counter()
e = m.explain(pairs)
t3 = time.perf_counter()
assert p["p_child_labour"].null_count() == 0 and e.height == 10_000
print(json.dumps({"load": t1 - t0, "predict": t2 - t1, "explain": t3 - t2,
                  "sklearn": "sklearn" in sys.modules}))
"""


def measure(kind: str, rounds: int) -> dict[str, float]:
    """Median seconds per phase over `rounds` fresh processes."""
    runs = []
    for _ in range(rounds):
        done = subprocess.run([sys.executable, "-c", PROBE, kind], capture_output=True,
                              text=True, check=True, cwd=ROOT)
        runs.append(json.loads(done.stdout))
    out = {k: statistics.median(r[k] for r in runs) for k in ("load", "predict", "explain")}
    out["sklearn"] = any(r["sklearn"] for r in runs)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    lines = [
        "# Model load and scoring benchmark",
        "",
        f"Run: `python bench/model_load.py --rounds {args.rounds}` — {date.today()}, "
        f"{platform.machine()}, Python {platform.python_version()}; median of {args.rounds} "
        "fresh processes. 'load' includes importing riskscreen, numpy and polars.",
        "",
        "| model file | load (s) | predict 10,000 pairs (s) | explain them (s) | "
        "load + predict (s) | imports scikit-learn |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for kind, label in (("plain", "risk_model.json.gz (default)"),
                        ("skops", "risk_model.skops")):
        r = measure(kind, args.rounds)
        lines.append(f"| {label} | {r['load']:.2f} | {r['predict']:.3f} | {r['explain']:.2f} | "
                     f"{r['load'] + r['predict']:.2f} | {'yes' if r['sklearn'] else 'no'} |")
    text = "\n".join(lines) + "\n"
    OUT.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
