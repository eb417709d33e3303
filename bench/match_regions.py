"""Rerun the region and country-rule evaluations of issue 16 (items 1 and 6).

    python bench/match_regions.py                       # eval sets in tests/data
    python bench/match_regions.py --shared ../shared/data   # also the real facility lists

1. Xinjiang region rule on addresses (`tests/data/eval_xinjiang_outside.csv`: Xinjiang place
   names in streets, buildings and companies elsewhere, must not hit;
   `eval_xinjiang_inside.csv`: addresses across every prefecture, county-level city and XPCC
   division, must hit). Resolved the way the pipeline does it: country column, then address.
   `eval_xinjiang_holdout.csv` was written after the first fix, in other styles.
2. Country names from country_converter's own test files (`eval_countries_coco.csv`): right,
   wrong country, empty; also country_converter itself on the same names.
3. Country rules in law: North Korea (CAATSA 321(b)) and the countries ILAB finds complicit in
   forced child labour, screened end to end: score, tier, first reason.
4. With `--shared`: Xinjiang hits on the real facility lists (facility_list_2.csv and
   facility_list_4.csv each have a Fukang Road address).
Prints markdown and writes it to bench/results/match_regions.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import sys
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.match_countries import coco_convert, write_report  # noqa: E402
from riskscreen.io.columns import ColumnRoles  # noqa: E402
from riskscreen.match.countries import resolve_countries  # noqa: E402
from riskscreen.reference.load import load_reference  # noqa: E402
from riskscreen.resolve import resolve_country_columns  # noqa: E402
from riskscreen.scoring import load_thresholds  # noqa: E402

DATA = ROOT / "tests" / "data"
OUT = ROOT / "bench" / "results" / "match_regions.md"

#: (country, product) rows for the country-rule check: law presumptions and ILAB findings.
RULE_ROWS = [
    ("North Korea", "seafood"), ("DPRK", "frozen fish fillets"), ("Korea, Dem. Rep.", "garments"),
    ("North Korea", ""), ("Eritrea", "gold"), ("Eritrea", ""), ("Eritrea", "coffee"),
    ("Burma", "garments"), ("Myanmar", ""), ("South Sudan", "cattle"), ("South Sudan", ""),
]


def read_eval(name: str) -> pl.DataFrame:
    return pl.read_csv(DATA / name, infer_schema=False, comment_prefix="#").with_columns(
        pl.col("country").fill_null("")
    )


def regions(frame: pl.DataFrame) -> pl.Series:
    """The `region` the pipeline would set for each row (country column, then address)."""
    ref = load_reference()
    roles = ColumnRoles(country="country", address="address")
    out = resolve_country_columns(frame.select("country", "address"), roles, ref, 0.8)
    return out["region"]


def region_section() -> list[str]:
    outside, inside = read_eval("eval_xinjiang_outside.csv"), read_eval("eval_xinjiang_inside.csv")
    out_hits = outside.with_columns(regions(outside).alias("region")).filter(
        pl.col("region") == "Xinjiang"
    )
    in_region = regions(inside)
    found = int((in_region == "Xinjiang").sum())
    missed = inside.filter(in_region.fill_null("") != "Xinjiang")
    lines = [
        "## Xinjiang region rule on addresses",
        "",
        "| set | rows | region Xinjiang | target |",
        "|---|---:|---:|---|",
        f"| outside Xinjiang ({outside['city'].n_unique()} cities/places) | {outside.height} | "
        f"{out_hits.height} false | 0 |",
        f"| inside Xinjiang ({inside['unit'].n_unique()} units) | {inside.height} | "
        f"{found} ({found / inside.height:.1%}) | ≥ 95 % |",
        "",
    ]
    if out_hits.height:
        lines += ["False hits:", ""] + [f"- `{a}` ({c})" for a, c in
                                         zip(out_hits["address"], out_hits["city"], strict=True)]
        lines.append("")
    if missed.height:
        lines += ["Missed:", ""] + [f"- `{a}` ({u})" for a, u in
                                    zip(missed["address"], missed["unit"], strict=True)]
        lines.append("")
    held = read_eval("eval_xinjiang_holdout.csv").with_columns(
        pl.col("expected_region").fill_null("")
    )
    got = regions(held).fill_null("")
    want = held["expected_region"]
    n_out, n_in = int((want == "").sum()), int((want != "").sum())
    false = int(((want == "") & (got != "")).sum())
    found = int(((want != "") & (got == want)).sum())
    lines += [
        f"Held-out set (`eval_xinjiang_holdout.csv`, written after the first fix): {false} false "
        f"hits of {n_out} outside, {found} of {n_in} ({found / n_in:.1%}) found inside.",
        "",
    ]
    return lines


def coco_section() -> list[str]:
    ev = pl.read_csv(DATA / "eval_countries_coco.csv", infer_schema=False, comment_prefix="#")
    ev = ev.with_columns(pl.col("expected_iso3").fill_null(""))
    values = ev["input"].to_list()
    res = resolve_countries(values)
    accept = load_thresholds()["accept_confidence"]  # below it the pipeline holds the answer back
    res = res.with_columns(pl.when(pl.col("country_confidence") >= accept)
                           .then(pl.col("country_iso3")).alias("country_iso3"))
    ours = dict(zip(res["input"], res["country_iso3"], strict=True))
    lines = [
        "## Country names from country_converter's test files",
        "",
        f"{ev.height} names (tests/test_regex_*.txt and should_not_match.txt of "
        "IndEcol/country_converter). riskscreen answers below the accept confidence count as "
        "empty (the pipeline holds them back for review).",
        "",
        "| resolver | right | wrong country | empty where a country is expected |",
        "|---|---:|---:|---:|",
    ]
    wrong_rows = []
    for label, got in (("riskscreen", [ours.get(v) for v in values]),
                       ("country_converter 1.3", coco_convert(values))):
        right = wrong = empty = 0
        for value, g, e in zip(values, got, ev["expected_iso3"], strict=True):
            g = g or ""
            if g == e:
                right += 1
            elif g:
                wrong += 1
                if label == "riskscreen":
                    wrong_rows.append(f"- `{value}` → {g} (expected {e or 'none'})")
            else:
                empty += 1
                if label == "riskscreen":
                    wrong_rows.append(f"- `{value}` → empty (expected {e})")
        lines.append(f"| {label} | {right} ({right / ev.height:.1%}) | {wrong} | {empty} |")
    lines.append("")
    if wrong_rows:
        lines += ["riskscreen, not right:", "", *wrong_rows, ""]
    return lines


def rules_section() -> list[str]:
    import riskscreen

    frame = pl.DataFrame(RULE_ROWS, schema=["Country", "Product"], orient="row")
    out = riskscreen.screen(frame, columns={"country": "Country", "product": "Product"})
    lines = [
        "## Country rules in law and ILAB findings",
        "",
        "| country | product | iso3 | score | tier | first reason |",
        "|---|---|---|---:|---|---|",
    ]
    for row in out.iter_rows(named=True):
        reason = (row["reasons"] or "").split("; ")[0]
        lines.append(f"| {row['Country']} | {row['Product']} | {row['country_iso3']} | "
                     f"{row['risk_score']} | {row['risk_tier']} | {reason} |")
    return lines + [""]


def shared_section(shared: Path) -> list[str]:
    import riskscreen

    lines = ["## Real facility lists (../shared/data/supplier-lists)", "",
             "Brand facility lists (garments, footwear). Before the fix (4366629) the only "
             "Xinjiang "
             "hits on them were the two Fukang Road rows (lists 2 and 4).", "",
             "| list | rows | rows in China | region Xinjiang | of which on a Fukang Road |",
             "|---|---:|---:|---:|---:|"]
    ref, model, lists = (riskscreen.load_reference(), riskscreen.load_model(),
                         riskscreen.load_watchlists())
    for path in sorted((shared / "supplier-lists").glob("*.csv")):
        out = riskscreen.screen(str(path), reference=ref, model=model, watchlists=lists)
        hits = out.filter(pl.col("region") == "Xinjiang")
        text = pl.concat_str(pl.all().exclude("reasons").cast(pl.String), separator=" ",
                             ignore_nulls=True).str.to_lowercase()
        fukang = out.filter(text.str.contains("fukang") & (pl.col("region") == "Xinjiang"))
        china = int((out["country_iso3"] == "CHN").sum())
        lines.append(f"| {path.name} | {out.height} | {china} | {hits.height} | {fukang.height} |")
    return lines + [""]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    args = parser.parse_args()
    lines = [f"# Region and country-rule evaluation ({dt.date.today()}, {platform.machine()}, "
             f"Python {platform.python_version()})", ""]
    lines += region_section() + coco_section() + rules_section()
    if (args.shared / "supplier-lists").is_dir():
        lines += shared_section(args.shared)
    lines.append("Reproduce: `python bench/match_regions.py [--shared ../shared/data]`.")
    write_report(lines, OUT)


if __name__ == "__main__":
    main()
