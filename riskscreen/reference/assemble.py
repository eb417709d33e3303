"""Turn parsed ILAB records into the tidy reference tables (polars frames, deterministic order)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import polars as pl
import pycountry

from riskscreen.errors import ReferenceError_
from riskscreen.reference.ilab_xml import INDICATOR_COLUMNS
from riskscreen.tables import read_table

_FLAG_COLUMNS = ("child_labour", "forced_labour", "forced_child_labour", "derived")
_BOOL_INDICATORS = {"assessed"} | {
    c for c in INDICATOR_COLUMNS if c.startswith(("ratified_", "mechanism_"))
}
_TEXT_INDICATORS = {"advancement_level"}


@dataclass
class Parsed:
    """Records of every source file, keyed by edition label ("2016" ... "2021")."""

    goods_entries: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    goods_lists: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    profiles: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    country_entries: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def country_names(self) -> set[str]:
        """Every country spelling in every file (incl. input countries of derived listings)."""
        names = {p["ilab_name"] for ps in self.profiles.values() for p in ps}
        for entries in (*self.goods_entries.values(), *self.country_entries.values()):
            names |= {e["country_name"] for e in entries}
            names |= {e["input_country_name"] for e in entries if e["input_country_name"]}
        return names

    def good_names(self) -> set[str]:
        """Every good spelling in every file (incl. goods listed without countries)."""
        names = {g["name"] for gs in self.goods_lists.values() for g in gs}
        for entries in self.country_entries.values():
            names |= {e["good_name"] for e in entries}
        return names

    def listing_sources(self) -> dict[str, tuple[str, list[dict[str, Any]]]]:
        """Per edition the authoritative entries: the goods list, else the Findings' Goods."""
        out = {ed: ("goods", rows) for ed, rows in self.goods_entries.items()}
        for ed, rows in self.country_entries.items():
            out.setdefault(ed, ("countries", rows))
        return dict(sorted(out.items()))


def _fail_on_duplicates(frame: pl.DataFrame, keys: list[str], what: str) -> None:
    dup = frame.group_by(keys).len().filter(pl.col("len") > 1).sort(keys)
    if dup.height:
        rows = "; ".join("/".join(str(v) for v in r[:-1]) for r in dup.iter_rows())
        raise ReferenceError_(f"duplicate {what} after name mapping ({keys}): {rows}")


def listings_frame(parsed: Parsed, iso3: dict[str, str], good_id: dict[str, str]) -> pl.DataFrame:
    """edition, iso3, good_id, flags, derived, input_iso3, source (goods | countries)."""
    rows = [
        {
            "edition": edition,
            "iso3": iso3[e["country_name"]],
            "good_id": good_id[e["good_name"]],
            **{c: e[c] for c in _FLAG_COLUMNS},
            "input_iso3": iso3.get(e["input_country_name"]),
            "source": source,
        }
        for edition, (source, entries) in parsed.listing_sources().items()
        for e in entries
    ]
    schema = {
        "edition": pl.String,
        "iso3": pl.String,
        "good_id": pl.String,
        **dict.fromkeys(_FLAG_COLUMNS, pl.Boolean),
        "input_iso3": pl.String,
        "source": pl.String,
    }
    frame = pl.DataFrame(rows, schema=schema, orient="row")
    _fail_on_duplicates(frame, ["edition", "iso3", "good_id"], "listings")
    return frame.sort("edition", "iso3", "good_id")


def good_names_frame(parsed: Parsed, good_id: dict[str, str]) -> pl.DataFrame:
    """good_id, edition, source, name: every spelling in every edition and file kind."""
    rows = [
        (good_id[g["name"]], ed, "goods", g["name"])
        for ed, gs in parsed.goods_lists.items()
        for g in gs
    ]
    rows += [
        (good_id[e["good_name"]], ed, "countries", e["good_name"])
        for ed, es in parsed.country_entries.items()
        for e in es
    ]
    frame = pl.DataFrame(rows, schema=["good_id", "edition", "source", "name"], orient="row")
    return frame.unique().sort("edition", "source", "good_id", "name")


def goods_frame(
    parsed: Parsed, good_id: dict[str, str], listings: pl.DataFrame, good_names: pl.DataFrame
) -> pl.DataFrame:
    """good_id, name (newest spelling), sector (newest), first_edition, last_edition."""
    uses: Counter[tuple[str, str]] = Counter(
        (ed, e["good_name"]) for ed, (_, es) in parsed.listing_sources().items() for e in es
    )
    best: dict[str, tuple] = {}
    for gid, ed, source, name in good_names.iter_rows():
        rank = (ed, source == "goods", uses[(ed, name)], [-ord(ch) for ch in name])
        if gid not in best or rank > best[gid][0]:
            best[gid] = (rank, name)
    sectors: dict[str, str] = {}
    for ed in sorted(parsed.goods_lists):
        for g in parsed.goods_lists[ed]:
            if g["sector"]:
                sectors[good_id[g["name"]]] = g["sector"]
    span = listings.group_by("good_id").agg(
        pl.col("edition").min().alias("first_edition"),
        pl.col("edition").max().alias("last_edition"),
    )
    named = good_names.group_by("good_id").agg(
        pl.col("edition").min().alias("first_named"), pl.col("edition").max().alias("last_named")
    )
    frame = pl.DataFrame(
        [(gid, name, sectors.get(gid)) for gid, (_, name) in best.items()],
        schema=["good_id", "name", "sector"],
        orient="row",
    )
    return (
        frame.join(span, on="good_id", how="left")
        .join(named, on="good_id", how="left")
        .with_columns(
            pl.col("first_edition").fill_null(pl.col("first_named")),
            pl.col("last_edition").fill_null(pl.col("last_named")),
        )
        .drop("first_named", "last_named")
        .sort("good_id")
    )


def _indicator_schema() -> dict[str, pl.DataType]:
    return {
        c: pl.Boolean
        if c in _BOOL_INDICATORS
        else pl.String
        if c in _TEXT_INDICATORS
        else pl.Float64
        for c in INDICATOR_COLUMNS
    }


def indicators_frame(parsed: Parsed, iso3: dict[str, str], regions: dict[str, str]) -> pl.DataFrame:
    """Per countries_YYYY edition: edition, iso3, ilab_name, region, ilab_url, indicators."""
    unknown = sorted(
        {
            p["region"]
            for ps in parsed.profiles.values()
            for p in ps
            if p["region"] and p["region"] not in regions
        }
    )
    if unknown:
        raise ReferenceError_(f"ILAB region(s) missing from reference/ilab_regions.csv: {unknown}")
    rows = [
        {
            "edition": ed,
            "iso3": iso3[p["ilab_name"]],
            "ilab_name": p["ilab_name"],
            "region": regions.get(p["region"]),
            "ilab_url": p["ilab_url"] or None,
            **{c: p[c] for c in INDICATOR_COLUMNS},
        }
        for ed, ps in parsed.profiles.items()
        for p in ps
    ]
    schema = {c: pl.String for c in ("edition", "iso3", "ilab_name", "region", "ilab_url")}
    frame = pl.DataFrame(rows, schema={**schema, **_indicator_schema()}, orient="row")
    _fail_on_duplicates(frame, ["edition", "iso3"], "country profiles")
    return frame.sort("edition", "iso3")


def _iso_base() -> pl.DataFrame:
    rows = [
        {"iso3": c.alpha_3, "iso2": c.alpha_2, "numeric": c.numeric, "name": c.name}
        for c in pycountry.countries
    ]
    # countries ILAB reports on that ISO 3166-1 does not list: reference/extra_countries.csv
    extra = read_table("extra_countries").select("iso3", "iso2", "numeric", "name")
    return pl.concat([pl.DataFrame(rows, schema=extra.schema), extra]).sort("iso3")


def _newest_seen(parsed: Parsed, iso3: dict[str, str], regions: dict[str, str]) -> pl.DataFrame:
    """Newest ILAB spelling and region of every country seen in any file (later editions win)."""
    seen: dict[str, tuple[str, str | None]] = {}
    editions = sorted(set(parsed.goods_entries) | set(parsed.profiles))
    for ed in editions:
        for e in parsed.goods_entries.get(ed, []):
            old = seen.get(iso3[e["country_name"]], ("", None))
            seen[iso3[e["country_name"]]] = (e["country_name"], regions.get(e["region"]) or old[1])
        for p in parsed.profiles.get(ed, []):
            old = seen.get(iso3[p["ilab_name"]], ("", None))
            seen[iso3[p["ilab_name"]]] = (p["ilab_name"], regions.get(p["region"]) or old[1])
    return pl.DataFrame(
        [(k, name, region) for k, (name, region) in sorted(seen.items())],
        schema=["iso3", "ilab_name", "region"],
        orient="row",
    )


def countries_frame(
    parsed: Parsed,
    iso3: dict[str, str],
    regions: dict[str, str],
    indicators: pl.DataFrame,
    listings: pl.DataFrame,
) -> pl.DataFrame:
    """One row per ISO 3166-1 country (+ extra_countries.csv) with the newest Findings indicators
    and listings."""
    newest_findings = max(parsed.profiles) if parsed.profiles else None
    newest_list = listings["edition"].max()
    current = (
        (
            indicators.filter(pl.col("edition") == newest_findings)
            if newest_findings
            else indicators.clear()
        )
        .drop("edition", "ilab_name", "region", "ilab_url")
        .with_columns(pl.lit(True).alias("in_findings"))
    )
    urls = (
        indicators.drop_nulls("ilab_url")
        .sort("edition")
        .group_by("iso3")
        .agg(pl.col("ilab_url").last())
    )
    counts = (
        listings.filter(pl.col("edition") == newest_list)
        .group_by("iso3")
        .agg(
            pl.len().cast(pl.Int64).alias("n_goods_listed"),
            pl.col("child_labour").sum().cast(pl.Int64).alias("n_goods_child_labour"),
            pl.col("forced_labour").sum().cast(pl.Int64).alias("n_goods_forced_labour"),
            pl.col("forced_child_labour").sum().cast(pl.Int64).alias("n_goods_forced_child_labour"),
        )
    )
    base = _iso_base()
    unknown = sorted(set(iso3.values()) - set(base["iso3"]))
    if unknown:
        raise ReferenceError_(f"ILAB aliases point to codes that are not ISO 3166-1: {unknown}")
    count_cols = [c for c in counts.columns if c != "iso3"]
    frame = (
        base.join(_newest_seen(parsed, iso3, regions), on="iso3", how="left")
        .join(current, on="iso3", how="left")
        .join(urls, on="iso3", how="left")
        .join(counts, on="iso3", how="left")
        .with_columns(
            pl.col("in_findings").fill_null(False),
            pl.col("assessed").fill_null(False),
            *(pl.col(c).fill_null(0) for c in count_cols),
        )
    )
    order = [
        "iso3",
        "iso2",
        "numeric",
        "name",
        "ilab_name",
        "region",
        "in_findings",
        *INDICATOR_COLUMNS,
        "ilab_url",
        *count_cols,
    ]
    return frame.select(order).sort("iso3")
