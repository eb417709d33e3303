"""Import the public entity lists (UFLPA Entity List, CBP WROs and Findings) into tidy tables.

The raw files live outside the project (`../shared/data/watchlists`); this module turns them
into `reference/watchlist_uflpa.csv`, `reference/watchlist_cbp.csv` and `reference/watchlists.csv`
(list metadata) with stable entry ids, ISO3 countries and, for CBP, entity-vs-scope shapes.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import polars as pl

from riskscreen.checksum import file_sha256
from riskscreen.errors import ReferenceError_
from riskscreen.tables import read_table

# Columns of both tidy watchlist tables, in order (also the loader's contract).
WATCHLIST_COLUMNS = [
    "entry_id", "list_id", "shape", "name", "aliases", "country", "section", "date", "status",
    "goods", "scope_iso3", "scope_region", "scope_good_ids", "source_url", "attribution",
]

_UFLPA_FILE = "uflpa_entity_list.csv"
_CBP_FILE = "cbp_wro_findings.csv"

_UFLPA_ATTRIBUTION = (
    "U.S. DHS, Forced Labor Enforcement Task Force: UFLPA Entity List (public domain); "
    "partial compilation from public sources, see source_url"
)
_CBP_ATTRIBUTION = (
    "U.S. Customs and Border Protection: Withhold Release Orders and Findings, 19 U.S.C. 1307 "
    "(public domain); partial compilation from public sources, see source_url"
)

_UFLPA_GAP = (
    "Partial: about 84 of at least 144 listed entities (original June 2022 list 8 of 20; "
    "2024-05-17 cotton traders 12 of 26; 2024-11-25 additions 17 of 29; 2025-01-15 Huafu "
    "subsidiaries mostly missing); some sections unknown. Refresh from "
    "https://www.dhs.gov/uflpa-entity-list before production use."
)
_CBP_GAP = (
    "Partial: 73 orders 1953-2025 rebuilt from secondary sources; older revoked/inactive orders "
    "and some 2022-2024 WROs missing; status blank (unknown) for most rows; pre-2000 goods are "
    "CBP industry categories. Refresh from https://www.cbp.gov/trade/forced-labor/"
    "withhold-release-orders-and-findings before production use."
)


def slug(text: str, limit: int = 48) -> str:
    """ASCII, lower-case, hyphen-separated form of `text` (for stable, readable entry ids)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return words[:limit].rstrip("-") or "x"


def _read_source(path: Path, required: list[str]) -> pl.DataFrame:
    if not path.is_file():
        raise ReferenceError_(f"watchlist source {path} is missing")
    frame = pl.read_csv(path, infer_schema=False, encoding="utf8")
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise ReferenceError_(f"{path.name}: expected columns {missing} are missing")
    return frame.with_columns(pl.col(c).str.strip_chars().fill_null("") for c in frame.columns)


def _unique_ids(ids: list[str]) -> list[str]:
    """Make ids unique by suffixing -2, -3 … to repeats (in file order, so stable)."""
    seen: dict[str, int] = {}
    out = []
    for i in ids:
        seen[i] = seen.get(i, 0) + 1
        out.append(i if seen[i] == 1 else f"{i}-{seen[i]}")
    return out


def _tidy_uflpa(raw: pl.DataFrame) -> pl.DataFrame:
    ids = _unique_ids([f"uflpa-{slug(n)}" for n in raw["name"].to_list()])
    return raw.select(
        pl.Series("entry_id", ids),
        pl.lit("uflpa").alias("list_id"),
        pl.lit("entity").alias("shape"),
        "name",
        pl.col("aliases").str.replace_all(r"\s*;\s*", "; "),
        "country",
        pl.col("section").str.replace_all(r"\s*;\s*", "; "),
        pl.col("date_added").alias("date"),
        pl.lit("active").alias("status"),  # on the list = in force; the source has no status
        pl.lit("").alias("goods"),
        pl.lit("").alias("scope_iso3"),
        pl.lit("").alias("scope_region"),
        pl.lit("").alias("scope_good_ids"),
        "source_url",
        pl.lit(_UFLPA_ATTRIBUTION).alias("attribution"),
    )


def _tidy_cbp(raw: pl.DataFrame, rules: pl.DataFrame) -> pl.DataFrame:
    ids = _unique_ids([
        f"cbp-{d or 'undated'}-{slug(n, 40)}"
        for n, d in zip(raw["name"], raw["date_issued"], strict=True)
    ])
    tidy = raw.select(
        pl.Series("entry_id", ids),
        pl.lit("cbp_wro").alias("list_id"),
        "name",
        pl.col("aliases").str.replace_all(r"\s*;\s*", "; "),
        "country",
        pl.col("action").alias("section"),
        pl.col("date_issued").alias("date"),
        pl.when(pl.col("status") == "").then(pl.lit("unknown")).otherwise(pl.col("status"))
        .alias("status"),
        "goods",
        "source_url",
        pl.lit(_CBP_ATTRIBUTION).alias("attribution"),
    )
    if "basis" in rules.columns:  # law / ILAB rows name no CBP entry; no column: all are orders
        rules = rules.filter(pl.col("basis") == "cbp_order")
    unknown = set(rules["entry_id"].to_list()) - set(ids)
    if unknown:
        raise ReferenceError_(
            f"watchlist_scope_rules.csv names entries not in {_CBP_FILE}: {sorted(unknown)}"
        )
    tidy = tidy.join(
        rules.select("entry_id", "scope_iso3", "scope_region", "scope_good_ids"),
        on="entry_id",
        how="left",
    ).with_columns(
        pl.when(pl.col("scope_iso3").is_not_null()).then(pl.lit("scope")).otherwise(
            pl.lit("entity")
        ).alias("shape"),
        pl.col("scope_iso3", "scope_region", "scope_good_ids").fill_null(""),
    )
    return tidy.select(WATCHLIST_COLUMNS)


def _newest(dates: pl.Series) -> str:
    valid = dates.filter(dates.str.contains(r"^\d{4}-\d{2}-\d{2}$"))
    return str(valid.max()) if valid.len() else ""


def build_watchlists(src_dir: Path, out_dir: Path) -> list[dict]:
    """Read the raw lists in `src_dir`, write the tidy tables to `out_dir`, return manifest rows.

    Writes `watchlist_uflpa.csv`, `watchlist_cbp.csv` and `watchlists.csv`; the CBP scope rules
    come from the curated `watchlist_scope_rules.csv` in `out_dir` (or the embedded reference).
    """
    src_dir, out_dir = Path(src_dir), Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rules_folder = str(out_dir) if (out_dir / "watchlist_scope_rules.csv").is_file() else None
    rules = read_table("watchlist_scope_rules", rules_folder)

    uflpa_src, cbp_src = src_dir / _UFLPA_FILE, src_dir / _CBP_FILE
    uflpa = _tidy_uflpa(
        _read_source(uflpa_src, ["name", "aliases", "country", "section", "date_added",
                                 "source_url"])
    )
    cbp = _tidy_cbp(
        _read_source(cbp_src, ["name", "aliases", "country", "goods", "action", "date_issued",
                               "status", "source_url"]),
        rules,
    )
    uflpa.write_csv(out_dir / "watchlist_uflpa.csv")
    cbp.write_csv(out_dir / "watchlist_cbp.csv")

    manifest = [
        {
            "list_id": "uflpa",
            "name": "UFLPA Entity List",
            "publisher": (
                "U.S. Department of Homeland Security, Forced Labor Enforcement Task Force"
            ),
            "licence": "public domain (U.S. government work)",
            "as_of": _newest(uflpa["date"]),
            "source_file": _UFLPA_FILE,
            "sha256": file_sha256(uflpa_src),
            "entries": uflpa.height,
            "partial": True,
            "note": _UFLPA_GAP,
            "table": "watchlist_uflpa",
        },
        {
            "list_id": "cbp_wro",
            "name": "CBP Withhold Release Orders and Findings",
            "publisher": "U.S. Customs and Border Protection",
            "licence": "public domain (U.S. government work)",
            "as_of": _newest(cbp["date"]),
            "source_file": _CBP_FILE,
            "sha256": file_sha256(cbp_src),
            "entries": cbp.height,
            "partial": True,
            "note": _CBP_GAP,
            "table": "watchlist_cbp",
        },
    ]
    pl.DataFrame(manifest).with_columns(
        pl.col("entries").cast(pl.String), pl.col("partial").cast(pl.String).str.to_lowercase()
    ).write_csv(out_dir / "watchlists.csv")
    read_table.cache_clear()
    return manifest
