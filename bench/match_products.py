"""Benchmark the product matcher on the written evaluation sets against a naive baseline.

Baseline: rapidfuzz `process.extractOne` of the raw product text over the ILAB good names
(WRatio, cutoff 85), HS codes ignored. Prints a markdown table and writes
bench/results/match_products.md.  Run: /work/venv/bin/python bench/match_products.py
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

import polars as pl
from rapidfuzz import fuzz, process

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from riskscreen.match.products import resolve_products  # noqa: E402
from riskscreen.tables import read_table  # noqa: E402

EVAL_DIR = ROOT / "tests" / "data"
EVAL_FILES = ("eval_products.csv", "eval_products_holdout.csv")
OUT = ROOT / "bench" / "results" / "match_products.md"
BASELINE_CUTOFF = 85


def load_eval(name: str) -> pl.DataFrame:
    """The evaluation rows (all text)."""
    return pl.read_csv(EVAL_DIR / name, infer_schema=False, comment_prefix="#")


def scores(expected: pl.Series, predicted: pl.Series) -> dict[str, float]:
    """Top-1 accuracy (null = no good counts), precision on assigned goods, recall on goods."""
    exp, pred = expected.to_list(), predicted.to_list()
    correct = sum(e == p for e, p in zip(exp, pred, strict=True))
    assigned = [(e, p) for e, p in zip(exp, pred, strict=True) if p is not None]
    expected_goods = [(e, p) for e, p in zip(exp, pred, strict=True) if e is not None]
    return {
        "accuracy": correct / len(exp),
        "precision": sum(e == p for e, p in assigned) / max(len(assigned), 1),
        "recall": sum(e == p for e, p in expected_goods) / max(len(expected_goods), 1),
        "false_goods": float(sum(e is None for e, _ in assigned)),
    }


def run_resolver(data: pl.DataFrame) -> tuple[pl.Series, float]:
    """Predicted good_id per eval row, and seconds taken (index warm)."""
    resolve_products(["warm up"], ["0901"])
    start = time.perf_counter()
    out = resolve_products(data["product"], data["hs_code"])
    seconds = time.perf_counter() - start
    joined = data.join(
        out,
        left_on=["product", "hs_code"],
        right_on=["product_input", "hs_input"],
        how="left",
        nulls_equal=True,
        maintain_order="left",
    )
    return joined["good_id"], seconds


def run_baseline(data: pl.DataFrame) -> tuple[pl.Series, float]:
    """extractOne over the good names of every edition; no HS codes, no vocabulary."""
    names = pl.concat(
        [
            read_table("goods").select("good_id", "name"),
            read_table("good_names").select("good_id", "name"),
        ]
    ).unique()
    choices, ids = names["name"].to_list(), names["good_id"].to_list()
    start = time.perf_counter()
    result = []
    for text in data["product"].to_list():
        hit = None
        if text:
            hit = process.extractOne(
                text, choices, scorer=fuzz.WRatio, score_cutoff=BASELINE_CUTOFF
            )
        result.append(ids[hit[2]] if hit else None)
    return pl.Series(result, dtype=pl.String), time.perf_counter() - start


def _table(name: str) -> list[str]:
    """Markdown rows comparing both methods on one evaluation file."""
    data = load_eval(name)
    ours, t_ours = run_resolver(data)
    base, t_base = run_baseline(data)
    lines = [
        f"### `tests/data/{name}` ({data.height} rows, "
        f"{data['expected_good_id'].null_count()} with no listed good)",
        "",
        "| method | top-1 accuracy | precision (assigned goods) | recall (goods) "
        "| false goods | time |",
        "|---|---|---|---|---|---|",
    ]
    for label, pred, secs in (
        ("riskscreen resolve_products", ours, t_ours),
        (f"baseline extractOne WRatio>={BASELINE_CUTOFF} over good names", base, t_base),
    ):
        s = scores(data["expected_good_id"], pred)
        lines.append(
            f"| {label} | {s['accuracy']:.1%} | {s['precision']:.1%} | {s['recall']:.1%} "
            f"| {int(s['false_goods'])} | {secs * 1000:.0f} ms |"
        )
    ok = [e == p for e, p in zip(data["expected_good_id"].to_list(), ours.to_list(), strict=True)]
    per_cat = (
        data.with_columns(ok=pl.Series(ok))
        .group_by("category")
        .agg(rows=pl.len(), accuracy=pl.col("ok").mean())
        .sort("category")
    )
    lines += ["", "| category | rows | riskscreen accuracy |", "|---|---|---|"]
    lines += [f"| {c} | {n} | {a:.1%} |" for c, n, a in per_cat.iter_rows()]
    return lines + [""]


def _scale(rows: int = 200_000) -> str:
    """Time on a large synthetic column: eval descriptions with lot numbers appended."""
    data = load_eval(EVAL_FILES[0])
    products, codes = data["product"].to_list(), data["hs_code"].to_list()
    rng = random.Random(7)
    picks = [rng.randrange(len(products)) for _ in range(rows)]
    prod = [
        products[i]
        if products[i] is None or rng.random() < 0.5
        else f"{products[i]} lot {rng.randrange(20_000)}"
        for i in picks
    ]
    hs = [codes[i] for i in picks]
    start = time.perf_counter()
    out = resolve_products(pl.Series(prod), pl.Series(hs))
    secs = time.perf_counter() - start
    return (
        f"Scale: {rows:,} rows ({out.height:,} distinct product/HS pairs) resolved in "
        f"{secs:.1f} s on this machine (2 cores, single process)."
    )


def main() -> str:
    lines = [
        "# Product matcher benchmark",
        "",
        "Run: `/work/venv/bin/python bench/match_products.py`",
        "",
    ]
    for name in EVAL_FILES:
        lines += _table(name)
    lines += [
        "Honest out-of-sample figures: each holdout part was scored once before any change it "
        "prompted. Part 1 (191 rows, written after tuning on eval_products.csv): 91.1% accuracy, "
        "94.1% precision. Part 2 (126 rows, categories *_h2, written after the part-1 fixes): "
        "85.7% accuracy, 92.6% precision; most of its wrong goods were below the review "
        "threshold (misspelling / compound matches) or a related good (cotton for cotton "
        "nightwear). The fixes were general rules (plurals, tool and vessel words, German "
        "compounds, packing media such as 'in tomato sauce', stricter misspelling rule) plus "
        "vocabulary rows. Part 3 (114 rows, *_h3, written after all rules were in place): "
        "92.1% accuracy, 93.7% precision on its first run; its misses were missing garment "
        "words (the material was named instead: cotton, leather), same-rank ties sent to "
        "review, and word-order variants. The tables above include the vocabulary those parts "
        "prompted, so expect figures nearer part 3's first run on new text.",
        "",
        _scale(),
        "",
    ]
    text = "\n".join(lines)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text, encoding="utf8")
    return text


if __name__ == "__main__":
    print(main())
