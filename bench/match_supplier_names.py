"""Benchmark reading the good from supplier names, and HS codes written in product text.

    /work/venv/bin/python bench/match_supplier_names.py
    /work/venv/bin/python bench/match_supplier_names.py --names eval_supplier_names_blind3.csv

With `--names FILE ...` (names under tests/data/ or paths) only the supplier-name section is
scored, on those files, and printed; bench/results is left alone.

Eval sets (tests/data/, written for issue 16): `eval_supplier_names.csv` (development),
`eval_supplier_names_blind.csv` (held out: written before the reader, never used to tune it),
`eval_supplier_names_blind3.csv` (independent author; held out for its first run, a
development set since: its misses drove the cancel-word, compound and context fixes),
`eval_hs_in_text.csv` and `eval_hs_in_text_blind.csv`. Goods count as the pipeline accepts them
(confidence >= accept_confidence); `also_ok` lists other goods a careful reader would accept.
Writes bench/results/match_supplier_names.md.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from riskscreen.match.products import resolve_products  # noqa: E402
from riskscreen.scoring import load_thresholds  # noqa: E402

EVAL_DIR = ROOT / "tests" / "data"
NAME_FILES = ("eval_supplier_names.csv", "eval_supplier_names_blind.csv",
              "eval_supplier_names_blind2.csv", "eval_supplier_names_blind3.csv",
              "eval_supplier_names_blind4.csv", "eval_supplier_names_blind5.csv",
              "eval_supplier_names_blind6.csv", "eval_supplier_names_blind7.csv",
              "eval_supplier_names_blind8.csv", "eval_supplier_names_blind9.csv",
              "eval_supplier_names_blind10.csv", "eval_supplier_names_blind11.csv")
HS_FILES = ("eval_hs_in_text.csv", "eval_hs_in_text_blind.csv")
OUT = ROOT / "bench" / "results" / "match_supplier_names.md"


def load_eval(name: str) -> pl.DataFrame:
    """An evaluation file, all text."""
    path = EVAL_DIR / name if (EVAL_DIR / name).is_file() else Path(name)
    return pl.read_csv(path, infer_schema=False, comment_prefix="#")


def accept() -> float:
    return float(load_thresholds()["accept_confidence"])


def name_scores(data: pl.DataFrame, predicted: pl.Series) -> dict[str, float]:
    """Top-1 (no good counts when none is expected), precision of assigned goods, recall."""
    exp = data["expected_good_id"].to_list()
    # an empty expected good with `also_ok` ("Amara Raja Batteries": none, lithium-ion batteries
    # acceptable) is right with no good or with one of those goods
    also = [set((a or "").split("|")) - {""} for a in data["also_ok"].to_list()]
    ok_sets = [({e} if e else set()) | a for e, a in zip(exp, also, strict=True)]
    pred = predicted.to_list()
    right = [(p in s) if p else not e for p, s, e in zip(pred, ok_sets, exp, strict=True)]
    assigned = [r for r, p in zip(right, pred, strict=True) if p]
    named = [r for r, e in zip(right, exp, strict=True) if e]
    return {
        "rows": len(exp), "named": len(named),
        "top1": sum(right) / len(right),
        "precision": sum(assigned) / max(len(assigned), 1),
        "recall": sum(named) / max(len(named), 1),
        "wrong": len(assigned) - sum(assigned),
        "right": right,
    }


def product_matcher_on_names(names: pl.Series) -> pl.Series:
    """Naive baseline: the product-description matcher run on the name, as accepted."""
    out = resolve_products(names)
    joined = names.rename("product_input").to_frame().join(
        out, on="product_input", how="left", maintain_order="left")
    return joined.select(
        pl.when(pl.col("good_confidence") >= accept()).then("good_id")).to_series()


def nothing(names: pl.Series) -> pl.Series:
    """riskscreen before issue 16: a row without a product gets no good."""
    return pl.Series([None] * names.len(), dtype=pl.String)


def readers() -> list[tuple[str, Callable[[pl.Series], pl.Series]]]:
    found = [("riskscreen before issue 16 (no product column: no good)", nothing),
             ("naive: product matcher run on the name", product_matcher_on_names)]
    try:
        from riskscreen.match.product_name import goods_from_names
    except ImportError:
        return found

    def reader(names: pl.Series) -> pl.Series:
        out = goods_from_names(names)
        joined = names.rename("name_input").to_frame().join(
            out, on="name_input", how="left", maintain_order="left")
        return joined.select(
            pl.when(pl.col("good_confidence") >= accept()).then("good_id")).to_series()

    return [("riskscreen `goods_from_names`", reader), *found]


def name_section(files: tuple[str, ...] = NAME_FILES) -> list[str]:
    lines = ["## Good read from the supplier's name", ""]
    for file in files:
        data = load_eval(file)
        lines += [f"### `tests/data/{Path(file).name}` ({data.height} rows, "
                  f"{data['expected_good_id'].null_count()} naming no listed good)", "",
                  "| reader | top-1 | precision | recall (rows naming a good) | wrong goods "
                  "| time |",
                  "|---|---|---|---|---|---|"]
        per_lang = None
        for label, fn in readers():
            start = time.perf_counter()
            pred = fn(data["name"])
            secs = time.perf_counter() - start
            s = name_scores(data, pred)
            lines.append(f"| {label} | {s['top1']:.1%} | {s['precision']:.1%} | "
                         f"{s['recall']:.1%} | {s['wrong']} | {secs * 1000:.0f} ms |")
            if per_lang is None:
                per_lang = data.with_columns(ok=pl.Series(s["right"]), pred=pred)
        lines += ["", "| language | rows | top-1 (first reader) |", "|---|---|---|"]
        by = per_lang.group_by("language").agg(n=pl.len(), acc=pl.col("ok").mean()).sort("language")
        lines += [f"| {lang} | {n} | {a:.1%} |" for lang, n, a in by.iter_rows()]
        if "style" in per_lang.columns:
            lines += ["", "| style | rows | top-1 (first reader) |", "|---|---|---|"]
            by = per_lang.group_by("style").agg(n=pl.len(), acc=pl.col("ok").mean()).sort("style")
            lines += [f"| {style} | {n} | {a:.1%} |" for style, n, a in by.iter_rows()]
        neg = per_lang.filter(pl.col("expected_good_id").is_null())
        lines += ["", f"Rows naming no listed good left without one (first reader): "
                  f"{neg['ok'].sum()} of {neg.height}"]
        misses = per_lang.filter(~pl.col("ok"))
        if misses.height:
            lines += ["", "Misses of the first reader: " + "; ".join(
                f"{n} → {p or '—'} (want {e or '—'})" for n, p, e in
                misses.select("name", "pred", "expected_good_id").iter_rows())]
        lines.append("")
    return lines


def _shared_lists() -> Path | None:
    """../shared/data/supplier-lists in any enclosing folder, or under RISKSCREEN_SHARED_DATA."""
    named = os.environ.get("RISKSCREEN_SHARED_DATA")
    roots = [Path(named)] if named else [p / "shared" / "data" for p in ROOT.parents]
    return next((r / "supplier-lists" for r in roots if (r / "supplier-lists").is_dir()), None)


def real_list_section() -> list[str]:
    """What the reader reads from the brands' real lists (run time only; nothing committed)."""
    lists = _shared_lists()
    if lists is None:
        return ["## Brands' real lists: ../shared not found, skipped", ""]
    from riskscreen.match.product_name import goods_from_names

    names = pl.concat([
        pl.read_csv(f, infer_schema=False, encoding="utf8-lossy").select(
            pl.col("name").cast(pl.String))
        for f in sorted(lists.glob("*.csv"))
    ])["name"].drop_nulls().unique()
    out = goods_from_names(names).filter(pl.col("good_confidence") >= accept())
    by = out.group_by("good").len().sort("len", descending=True)
    return ["## Brands' real lists (../shared/data/supplier-lists, read at run time)", "",
            f"{names.len()} distinct names; a good read (as accepted) for {out.height}: "
            + ", ".join(f"{g} {n}" for g, n in by.iter_rows()), ""]


def scale_section(rows: int = 100_000) -> list[str]:
    """Time on many distinct names: eval names with a numbered unit suffix."""
    from riskscreen.match.product_name import goods_from_names

    base = pl.concat([load_eval(f).select("name") for f in NAME_FILES])["name"].to_list()
    names = pl.Series([f"{base[i % len(base)]} Unit {i}" for i in range(rows)])
    goods_from_names(["warm up"])
    start = time.perf_counter()
    out = goods_from_names(names)
    secs = time.perf_counter() - start
    return ["## Speed", "", f"{out.height:,} distinct names read in {secs:.2f} s "
            "(vectorised: one Aho-Corasick pass per match form)", ""]


def hs_section() -> list[str]:
    lines = ["## HS codes written in the product column", ""]
    for file in HS_FILES:
        data = load_eval(file)
        out = resolve_products(data["product"], data["hs_code"])
        joined = data.join(out, left_on=["product", "hs_code"],
                           right_on=["product_input", "hs_input"], how="left",
                           nulls_equal=True, maintain_order="left")
        pred = joined.select(
            pl.when(pl.col("good_confidence") >= accept()).then("good_id")).to_series()
        ok = pl.Series([e == p for e, p in zip(data["expected_good_id"].to_list(),
                                               pred.to_list(), strict=True)])
        frame = data.with_columns(ok=ok, pred=pred)
        lines += [f"### `tests/data/{Path(file).name}` ({data.height} rows): "
                  f"**{ok.mean():.1%} right** (as the pipeline accepts)", "",
                  "| category | rows | right |", "|---|---|---|"]
        by = frame.group_by("category").agg(n=pl.len(), acc=pl.col("ok").mean()).sort("category")
        lines += [f"| {c} | {n} | {a:.1%} |" for c, n, a in by.iter_rows()]
        misses = frame.filter(~pl.col("ok"))
        if misses.height:
            lines += ["", "Misses: " + "; ".join(
                f"{t} → {p or '—'} (want {e or '—'})" for t, p, e in
                misses.select("product", "pred", "expected_good_id").iter_rows())]
        lines.append("")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--names", nargs="+", metavar="FILE",
                        help="score only these supplier-name eval files and print the result")
    args = parser.parse_args()
    if args.names:
        print("\n".join(name_section(tuple(args.names))))
        return
    lines = ["# Supplier names and HS codes in text (issue 16)", "",
             *name_section(), *real_list_section(), *scale_section(), *hs_section()]
    text = "\n".join(lines)
    OUT.write_text(text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
