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
EVAL_FILES = (
    "eval_products.csv",
    "eval_products_holdout.csv",
    "eval_products_blind.csv",
    "eval_products_blind2.csv",
    "eval_products_blind3.csv",
    "eval_products_blind4.csv",
)
# First run of each blind batch, recorded before any change it prompted (2026-11-25):
# file, rows, rows with no listed good, accuracy, precision, recall, false goods, written
# after, and the resolver as it was before these batches (commit dde6370) on the same batch
# (accuracy, precision; labels as corrected)
BLIND_FIRST_RUN = (
    ("eval_products_blind.csv", 534, 149, 0.861, 0.890, 0.883, 29, "dde6370", 0.865, 0.893),
    ("eval_products_blind2.csv", 248, 58, 0.823, 0.860, 0.842, 14, "blind-1 fixes", 0.782, 0.835),
    ("eval_products_blind3.csv", 245, 52, 0.808, 0.891, 0.808, 10, "blind-2 fixes", 0.755, 0.819),
    ("eval_products_blind4.csv", 212, 47, 0.882, 0.910, 0.915, 11, "blind-3 fixes", 0.807, 0.845),
)
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


def _blind_first_runs() -> list[str]:
    """The honest figures: each blind batch's first run, before the changes it prompted."""
    lines = [
        "## Blind held-out (2026-11-25)",
        "",
        "Four batches written blind (the first before reading the keyword tables or the older "
        "eval sets; each later one after the previous round of fixes, before running it). Each "
        "was scored once, then the errors were fixed; the tables above show the fixed code on "
        "all of them, so only these first-run figures estimate accuracy on new text:",
        "",
        "| batch | rows | no listed good | top-1 accuracy | precision | recall | false goods "
        "| code at first run | dde6370 on it (accuracy / precision) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, rows, none, acc, prec, rec, false_goods, after, o_acc, o_prec in BLIND_FIRST_RUN:
        lines.append(
            f"| `{name}` | {rows} | {none} | {acc:.1%} | {prec:.1%} | {rec:.1%} "
            f"| {false_goods} | {after} | {o_acc:.1%} / {o_prec:.1%} |"
        )
    lines += [
        "",
        "Two HS labels were typing errors of the set's author (080390 / 080430 written as "
        "803900 / 804300) and were corrected after the first run; 'Red clay bricks' was "
        "relabelled Bricks to follow the existing sets' convention. Error classes found: a "
        "material named instead of its article (cotton nightshirt, leather card holder, sac en "
        "cuir), lookalikes (gold spray paint, rubber mallet, tea tree oil, coffee descaling "
        "tablets), inverted order (palm oil RBD, roses artificial), German compounds on short "
        "heads (Baumwollgarn), a misspelling overriding a spelt-right good (Ivory Coast -> "
        "coat), and above all everyday article words missing from the vocabulary (long johns, "
        "router, dollhouse, ballet flats). The rule changes made the first two classes fail "
        "safe (no good rather than the material), but each new batch still met new article "
        "words. On the three batches the original resolver never saw tuned, each round's first "
        "run beat it by 4-8 points (last column), but expect roughly 85-90% accuracy and ~90% "
        "precision on unseen text, below the 97% precision target, until the vocabulary grows "
        "with real purchase data.",
        "",
    ]
    return lines


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
        *_blind_first_runs(),
        _scale(),
        "",
    ]
    text = "\n".join(lines)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text, encoding="utf8")
    return text


if __name__ == "__main__":
    print(main())
