"""Benchmark the country resolver against country_converter and pycountry.search_fuzzy.

    python bench/match_countries.py              # eval set + 100k strings; coco on a 10k sample
    python bench/match_countries.py --coco-sample 2000 --no-pycountry-100k

1. Accuracy and time on tests/data/eval_countries.csv (one call over the distinct values).
   A row is right when the ISO3 matches, or when no country is expected and none is returned.
2. Speed on 100,000 strings drawn from the eval inputs with a Zipf-like skew (seeded), like a
   real ERP column: riskscreen on all of them (cold result cache); country_converter on a
   random sample, extrapolated linearly to 100k (it converts every string, repeated or not), and
   on the distinct strings only (what a careful caller would do).
Prints a markdown table and writes it to bench/results/match_countries.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import platform
import random
import sys
import time
import warnings
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from riskscreen.match.countries import resolve_countries  # noqa: E402
from riskscreen.match.country_index import load_index  # noqa: E402
from riskscreen.match.normalise import normalise  # noqa: E402
from riskscreen.tables import read_table  # noqa: E402

EVAL = ROOT / "tests" / "data" / "eval_countries.csv"
OUT = ROOT / "bench" / "results" / "match_countries.md"


def load_eval() -> pl.DataFrame:
    return pl.read_csv(EVAL, infer_schema=False, comment_prefix="#").with_columns(
        pl.all().fill_null("")
    )


def ours(values: list[str]) -> list[str | None]:
    out = resolve_countries(values)
    lookup = dict(zip(out["input"], out["country_iso3"], strict=True))
    return [lookup.get(v) for v in values]


def _coco_data():  # noqa: ANN202 - pandas frame
    """country_converter's own table, read so that Namibia's ISO2 'NA' stays a string.

    country_converter 1.3.2 with pandas 3 reads 'NA' as missing and then fails to compile its
    regexes; passing the frame ourselves (keep_default_na=False) is the documented way to give it
    data, the matching itself is unchanged.
    """
    import country_converter as coco
    import pandas as pd

    frame = pd.read_csv(
        coco.country_converter.COUNTRY_DATA_FILE,
        sep="\t",
        encoding="utf-8",
        dtype=str,
        keep_default_na=False,
        na_values=[""],
    )
    ints = [
        "ISOnumeric",
        "UNcode",
        "FAOcode",
        "GBDcode",
        "EURO",
        "UN",
        "UNmember",
        "obsolete",
        "GEOnumeric",
    ]
    return frame.astype({c: "Float64" for c in ints if c in frame}).astype(
        {c: "Int64" for c in ints if c in frame}
    )


def coco_convert(values: list[str]) -> list[str | None]:
    """country_converter as documented: `convert(names, to='ISO3', not_found=None)`."""
    import country_converter as coco

    logging.getLogger("country_converter").setLevel(logging.CRITICAL)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = coco.convert(names=values, to="ISO3", not_found=None, country_data=_coco_data())
    if isinstance(got, str) or got is None:
        got = [got]
    return [g if isinstance(g, str) and len(g) == 3 else None for g in got]


def pycountry_fuzzy(values: list[str]) -> list[str | None]:
    import pycountry

    out: list[str | None] = []
    for v in values:
        try:
            out.append(pycountry.countries.search_fuzzy(v)[0].alpha_3)
        except (LookupError, AttributeError, IndexError):
            out.append(None)
    return out


def score(ev: pl.DataFrame, got: list[str | None]) -> tuple[float, int, int]:
    """(accuracy, wrong countries on no-country rows, wrong countries on country rows)."""
    expected = ev["expected_iso3"].to_list()
    right = sum((g or "") == e for g, e in zip(got, expected, strict=True))
    na_wrong = sum(1 for g, e in zip(got, expected, strict=True) if not e and g)
    wrong = sum(1 for g, e in zip(got, expected, strict=True) if e and g and g != e)
    return right / len(expected), na_wrong, wrong


def timed(fn, values):  # noqa: ANN001, ANN201 - tiny helper
    start = time.perf_counter()
    result = fn(values)
    return result, time.perf_counter() - start


def cold(index) -> None:  # noqa: ANN001
    """Forget cached results and normalised keys (the index itself stays built)."""
    index.cache.clear()
    normalise.cache_clear()


def zipf_sample(values: list[str], n: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    order = values[:]
    rng.shuffle(order)
    weights = [1 / (rank + 1) ** 1.1 for rank in range(len(order))]
    return rng.choices(order, weights=weights, k=n)


def write_report(lines: list[str], out: Path) -> None:
    """Print a results page and write it to `out` (bench/results/…)."""
    text = "\n".join(lines) + "\n"
    print(text)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--coco-sample", type=int, default=10_000)
    parser.add_argument("--no-pycountry-100k", action="store_true")
    args = parser.parse_args()

    ev = load_eval()
    values = ev["input"].to_list()
    rows = []

    start = time.perf_counter()
    read_table.cache_clear()
    load_index.cache_clear()
    index = load_index(None)
    build = time.perf_counter() - start
    cold(index)
    got, t_ours = timed(ours, values)
    acc, na_wrong, wrong = score(ev, got)
    rows.append(("riskscreen", acc, na_wrong, wrong, t_ours))
    got, t_coco = timed(coco_convert, values)
    acc, na_wrong, wrong = score(ev, got)
    rows.append(("country_converter", acc, na_wrong, wrong, t_coco))
    got, t_pyc = timed(pycountry_fuzzy, values)
    acc, na_wrong, wrong = score(ev, got)
    rows.append(("pycountry.search_fuzzy", acc, na_wrong, wrong, t_pyc))

    n_na = int((ev["expected_iso3"] == "").sum())
    lines = [
        f"# Country resolver benchmark ({dt.date.today()}, {platform.machine()}, "
        f"Python {platform.python_version()})",
        "",
        f"Eval set: {ev.height} values ({n_na} with no country). Index build (cold, once per "
        f"process): {build:.2f} s, not included below. Load average at start: "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (timings are noisy when shared).",
        "",
        "| resolver | accuracy | wrong country for a non-answer | wrong country | time |",
        "|---|---|---|---|---|",
    ]
    lines += [f"| {r[0]} | {r[1]:.2%} | {r[2]} | {r[3]} | {r[4]:.2f} s |" for r in rows]

    sample = zipf_sample(values, args.n)
    distinct = list(dict.fromkeys(sample))
    cold(index)
    _, t_big = timed(lambda v: resolve_countries(pl.Series(v)), sample)
    _, t_warm = timed(lambda v: resolve_countries(pl.Series(v)), sample)
    sub = random.Random(11).sample(sample, min(args.coco_sample, len(sample)))
    _, t_coco_sub = timed(coco_convert, sub)
    t_coco_big = t_coco_sub * len(sample) / len(sub)
    _, t_coco_distinct = timed(coco_convert, distinct)
    lines += [
        "",
        f"Speed on {len(sample):,} strings ({len(distinct):,} distinct, Zipf-like skew, seed 7):",
        "",
        "| resolver | time | vs riskscreen |",
        "|---|---|---|",
        f"| riskscreen (all {len(sample):,}, cold caches) | {t_big:.2f} s | 1× |",
        f"| riskscreen again (same process, results cached) | {t_warm:.2f} s | |",
        f"| country_converter (measured on {len(sub):,}, extrapolated "
        f"×{len(sample) / len(sub):.0f}) | {t_coco_big:.1f} s | {t_coco_big / t_big:.0f}× slower |",
        f"| country_converter on the {len(distinct):,} distinct strings only | "
        f"{t_coco_distinct:.1f} s | {t_coco_distinct / t_big:.0f}× slower |",
    ]
    if not args.no_pycountry_100k:
        _, t_pyc_distinct = timed(pycountry_fuzzy, distinct)
        lines.append(
            f"| pycountry.search_fuzzy on the {len(distinct):,} distinct strings only | "
            f"{t_pyc_distinct:.1f} s | {t_pyc_distinct / t_big:.0f}× slower |"
        )
    lines += [
        "",
        "Reproduce: `/work/venv/bin/python bench/match_countries.py`. Accuracy counts a row as "
        "right when the ISO3 matches or when no country is expected and none is returned. The "
        "riskscreen tables were curated while writing the eval set, so its figure is a "
        "development score, not a held-out one.",
    ]
    write_report(lines, OUT)


if __name__ == "__main__":
    main()
