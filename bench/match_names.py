"""Benchmark watchlist name screening on the evaluation sets.

Compares `riskscreen.watchlists.names.screen_names` with a plain baseline: rapidfuzz
`process.extractOne` (WRatio, default processor, cutoff 85) over the raw listed names and
aliases. Prints a markdown table and writes bench/results/match_names.md.

Run: /work/venv/bin/python bench/match_names.py
"""

from __future__ import annotations

import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing

import polars as pl  # noqa: E402
import rapidfuzz  # noqa: E402
from rapidfuzz import fuzz, process, utils  # noqa: E402

from riskscreen.watchlists import load_watchlists  # noqa: E402
from riskscreen.watchlists.names import screen_names, thresholds  # noqa: E402

DATA = ROOT / "tests" / "data"
OUT = ROOT / "bench" / "results" / "match_names.md"
BASELINE_CUTOFF = 85


def _ours(names: pl.Series, countries: pl.Series) -> tuple[pl.DataFrame, float]:
    start = time.perf_counter()
    result = screen_names(names, countries)
    return result, time.perf_counter() - start


def _baseline(names: list[str], choices: list[str], owners: list[str],
              scorer=fuzz.WRatio, cutoff: int = BASELINE_CUTOFF) -> tuple[list, float]:
    start = time.perf_counter()
    hits = []
    for name in names:
        best = process.extractOne(name, choices, scorer=scorer,
                                  processor=utils.default_process, score_cutoff=cutoff)
        hits.append(owners[best[2]] if best else None)
    return hits, time.perf_counter() - start


def _recall(expected: pl.Series, found: list[str | None]) -> pl.Series:
    return pl.Series([f is not None and f in e.split(";")
                      for e, f in zip(expected, found, strict=True)])


def _real_suppliers() -> str:
    """Flag rate on the real Open Apparel Registry factory names, when that folder exists."""
    folder = Path("/work/shared/data/supplier-lists")
    files = sorted(folder.glob("*.csv")) if folder.is_dir() else []
    if not files:
        return "Real supplier names: not available on this machine."
    frame = pl.concat([
        pl.read_csv(f, infer_schema=False, encoding="utf8-lossy").select("name", "country")
        for f in files
    ])
    start = time.perf_counter()
    result = screen_names(frame["name"], frame["country"])
    seconds = time.perf_counter() - start
    flagged = result.filter(pl.col("watchlist_method") != "none").height
    review = result.filter(pl.col("watchlist_candidates").is_not_null()).height
    return (f"Real supplier names (Open Apparel Registry lists, {result.height} distinct "
            f"name+country pairs, used as decoys at run time only): {flagged} flagged, "
            f"{review} with near misses for review, {seconds:.2f} s.")


VENDOR_SETS = [  # (file, what it holds); see tests/data/make_name_vendor_eval.py
    ("eval_names_notes.csv", "listed names with vendor-master notes (development)"),
    ("eval_names_notes_holdout.csv", "listed names with vendor-master notes (holdout)"),
    ("eval_names_abbrev.csv", "abbreviated listed names (development)"),
    ("eval_names_abbrev_holdout.csv", "abbreviated listed names (holdout)"),
    ("eval_names_abbrev_holdout2.csv", "abbreviated listed names (second holdout)"),
    ("eval_names_abbrev_holdout3.csv", "abbreviated listed names (third holdout, by hand)"),
    ("eval_names_abbrev_holdout4.csv", "abbreviated listed names (fourth holdout, by hand)"),
]
DECOY_SETS = [
    ("eval_names_near_decoys.csv", "near-identical other companies (development)"),
    ("eval_names_near_decoys_holdout.csv", "near-identical other companies (holdout)"),
    ("eval_names_near_decoys_holdout2.csv", "near-identical other companies (second holdout)"),
]


def vendor_master_sections() -> tuple[list[str], list[str]]:
    """Recall on the vendor-master sets and hits on near-identical decoys: (table, details)."""
    table = ["| set | rows | recall / decoys hit |", "|---|---|---|"]
    details: list[str] = []
    for file, what in VENDOR_SETS:
        data = pl.read_csv(DATA / file, infer_schema=False)
        result = screen_names(data["variant"], data["country"])
        found = data.join(result, left_on=["variant", "country"],
                          right_on=["name_input", "country_input"], how="left")
        ok = _recall(found["expected_entry_id"], found["watchlist_entry_id"].to_list())
        table.append(f"| {what} (`{file}`) | {data.height} | recall {ok.mean():.1%} "
                     f"({ok.sum()}/{data.height}) |")
        misses = found.filter(~ok)
        details += ["", f"Missed in {file} ({misses.height}):", ""]
        details += [f"- `{v}`; best: {w or '—'} ({s}); near misses: {c or '—'}"
                    for v, w, s, c in misses.select("variant", "watchlist_name", "watchlist_score",
                                                    "watchlist_candidates").iter_rows()]
    for file, what in DECOY_SETS:
        data = pl.read_csv(DATA / file, infer_schema=False)
        result = screen_names(data["name"], data["country"])
        hit = result.filter(pl.col("watchlist_method") != "none")
        table.append(f"| {what} (`{file}`) | {data.height} | hit {hit.height / data.height:.1%} "
                     f"({hit.height}/{data.height}) |")
        details += ["", f"Decoys hit in {file} ({hit.height}):", ""]
        details += [f"- `{n}` → {w} ({s}; {f})" for n, w, s, f in hit.select(
            "name_input", "watchlist_name", "watchlist_score", "watchlist_features").iter_rows()]
    return table, details


def main() -> None:
    listed = pl.read_csv(DATA / "eval_names_listed.csv", infer_schema=False)
    decoys = pl.read_csv(DATA / "eval_names_decoys.csv", infer_schema=False)
    wl = load_watchlists()
    screen_names(["warm-up"], None, wl)  # build the index outside the timings

    ours_l, t_ours_l = _ours(listed["variant"], listed["country"])
    ours_d, t_ours_d = _ours(decoys["name"], decoys["country"])
    found = listed.join(ours_l, left_on=["variant", "country"],
                        right_on=["name_input", "country_input"], how="left")
    ok_ours = _recall(found["expected_entry_id"], found["watchlist_entry_id"].to_list())
    fp_ours = ours_d.filter(pl.col("watchlist_method") != "none").height

    choices = wl.entities["alias"].to_list()
    owners = wl.entities["entry_id"].to_list()
    base_l, t_base_l = _baseline(listed["variant"].to_list(), choices, owners)
    base_d, t_base_d = _baseline(decoys["name"].to_list(), choices, owners)
    ok_base = _recall(listed["expected_entry_id"], base_l)
    fp_base = sum(h is not None for h in base_d)
    sort_l, t_sort_l = _baseline(listed["variant"].to_list(), choices, owners,
                                 fuzz.token_sort_ratio, 90)
    sort_d, t_sort_d = _baseline(decoys["name"].to_list(), choices, owners,
                                 fuzz.token_sort_ratio, 90)
    ok_sort = _recall(listed["expected_entry_id"], sort_l)
    fp_sort = sum(h is not None for h in sort_d)
    real = _real_suppliers()

    n_l, n_d = listed.height, decoys.height
    lines = [
        "# Watchlist name screening: evaluation",
        "",
        f"Listed variants: {n_l} (tests/data/eval_names_listed.csv); decoys: {n_d} "
        f"(tests/data/eval_names_decoys.csv); listed names and aliases indexed: "
        f"{len(choices)}. Machine: {platform.machine()}, Python {platform.python_version()}, "
        f"polars {pl.__version__}, rapidfuzz {rapidfuzz.__version__}. "
        f"Hit threshold name_match_threshold={thresholds()['name_match_threshold']}.",
        "",
        "| screener | recall (listed) | decoys flagged | time listed (s) | time decoys (s) |",
        "|---|---|---|---|---|",
        f"| riskscreen screen_names | {ok_ours.mean():.1%} ({ok_ours.sum()}/{n_l}) | "
        f"{fp_ours / n_d:.2%} ({fp_ours}/{n_d}) | {t_ours_l:.2f} | {t_ours_d:.2f} |",
        f"| rapidfuzz extractOne WRatio≥{BASELINE_CUTOFF} (raw names) | "
        f"{ok_base.mean():.1%} ({ok_base.sum()}/{n_l}) | "
        f"{fp_base / n_d:.2%} ({fp_base}/{n_d}) | {t_base_l:.2f} | {t_base_d:.2f} |",
        f"| rapidfuzz extractOne token_sort_ratio≥90 (raw names) | "
        f"{ok_sort.mean():.1%} ({ok_sort.sum()}/{n_l}) | "
        f"{fp_sort / n_d:.2%} ({fp_sort}/{n_d}) | {t_sort_l:.2f} | {t_sort_d:.2f} |",
        "",
        real,
        "",
        "Recall by kind of variant (riskscreen):",
        "",
        "| kind | n | recall |",
        "|---|---|---|",
    ]
    by_kind = (
        found.with_columns(ok_ours.alias("ok")).group_by("kind")
        .agg(pl.len().alias("n"), pl.col("ok").mean().alias("recall")).sort("kind")
    )
    lines += [f"| {k} | {n} | {r:.1%} |" for k, n, r in by_kind.iter_rows()]
    misses = found.filter(~ok_ours).select("variant", "kind", "watchlist_candidates")
    lines += ["", f"Missed variants ({misses.height}):", ""]
    lines += [f"- `{v}` ({k}); near misses: {c or '—'}" for v, k, c in misses.iter_rows()]
    flagged = ours_d.filter(pl.col("watchlist_method") != "none")
    lines += ["", f"Decoys flagged ({flagged.height}):", ""]
    lines += [f"- `{n}` → {w} ({s})" for n, w, s in
              flagged.select("name_input", "watchlist_name", "watchlist_score").iter_rows()]
    vendor_table, vendor_details = vendor_master_sections()
    lines += ["", "Vendor-master names (notes, abbreviations) and near-identical other companies:",
              "", *vendor_table, *vendor_details]
    text = "\n".join(lines) + "\n"
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text, encoding="utf8")
    print(text)


if __name__ == "__main__":
    main()
