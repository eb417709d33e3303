"""Provenance of the built reference data: editions.csv rows, manifest.json and SOURCES.md."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl

from riskscreen.checksum import file_sha256
from riskscreen.errors import ReferenceError_
from riskscreen.paths import reference_dir
from riskscreen.tables import read_table

PUBLISHER = "U.S. Department of Labor, Bureau of International Labor Affairs (ILAB)"
LICENCE = "Public domain: works of the U.S. Government (17 U.S.C. 105)"
ORIGIN = "ILAB 'Sweat & Toil' app data files (archived 2023)"
CURATED = ("ilab_country_aliases", "good_renames", "ilab_regions", "ilab_editions", "fao_areas")


def editions_frame(
    files: list[tuple[str, str, Path]],
    stats: dict[str, dict[str, Any]],
    curated_dir: str | None = None,
) -> pl.DataFrame:
    """One row per source file: edition, kind, file, sha256, publication, years, record counts.

    Fails when the reporting year read from a countries file disagrees with ilab_editions.csv.
    """
    known = {
        r["source_file"]: r for r in read_table("ilab_editions", curated_dir).iter_rows(named=True)
    }
    rows = []
    for kind, edition, path in files:
        meta = known.get(path.name, {})
        detected = stats[path.name].get("reporting_year") or None
        curated_year = meta.get("reporting_year")
        if kind == "countries" and curated_year and detected and curated_year != detected:
            raise ReferenceError_(
                f"{path.name}: profiles report on {detected}, reference/ilab_editions.csv says "
                f"{curated_year}; check the file and update the table"
            )
        rows.append(
            {
                "edition": edition,
                "kind": kind,
                "source_file": path.name,
                "sha256": file_sha256(path),
                "publication": meta.get("publication"),
                "reporting_year": curated_year or detected,
                "published": meta.get("published"),
                "rows": stats[path.name]["records"],
                "countries": stats[path.name]["countries"],
                "goods": stats[path.name]["goods"],
            }
        )
    schema = {
        **{
            c: pl.String
            for c in (
                "edition",
                "kind",
                "source_file",
                "sha256",
                "publication",
                "reporting_year",
                "published",
            )
        },
        **{c: pl.Int64 for c in ("rows", "countries", "goods")},
    }
    return pl.DataFrame(rows, schema=schema, orient="row").sort("kind", "edition")


def curated_hashes(curated_dir: str | None = None) -> dict[str, str]:
    """SHA-256 of each curated table the build read, so a manifest pins its inputs."""
    base = Path(curated_dir) if curated_dir else reference_dir()
    return {
        name: file_sha256(base / f"{name}.csv")
        for name in CURATED
        if (base / f"{name}.csv").is_file()
    }


def _fao_area_lines(curated_dir: str | None) -> list[str]:
    """One bullet per curated FAO area row (override or exclusion), from fao_areas.csv."""
    try:
        table = read_table("fao_areas", curated_dir)
    except ReferenceError_:
        return ["  - (fao_areas.csv missing)"]
    return [
        f"  - {r['area_code']} '{r['fao_name']}' -> {r['iso3'] or 'left out'}: {r['note'] or ''}"
        for r in table.iter_rows(named=True)
    ]


def fao_markdown(entry: dict[str, Any] | None, curated_dir: str | None = None) -> list[str]:
    """The SOURCES.md section on the FAO production figures, from their manifest entry.

    A carried-over table keeps the provenance of the build that made it, so the section reads
    the same whether the table was rebuilt or carried over.
    """
    head = ["", "## FAO production figures", ""]
    if not entry or "rows" not in entry:
        return [*head, f"Not built: {(entry or {}).get('skipped', 'no FAO source')}.", ""]
    package, version = entry.get("package"), entry.get("package_version")
    source = f"file `{entry.get('source_file', '?')}`"
    if package:
        source = (
            f"PyPI package `{package}`{' ' + version if version else ''} (its code BSD-3-Clause,"
            f" its data FAOSTAT's), {source}"
        )
    years = entry.get("years") or ["?"]
    return [
        *head,
        f"`{entry['table']}`, built by `riskscreen.reference.fao.build_fao_production`.",
        "",
        f"- Publisher: {entry.get('publisher', '?')}",
        f"- Dataset: {entry.get('dataset', '?')}",
        f"- Obtained from: {source}",
        f"- SHA-256 of the source file: `{entry.get('sha256', '?')}`",
        f"- Licence: {entry.get('licence', '?')}.",
        "- Reuse: CC BY-NC-SA means attribution (FAO, FAOSTAT), non-commercial use, share-alike.",
        "- Kept: ISO alpha-3 code, FAO item code and name, year and production in thousand",
        "  tonnes; nothing else. The source file is not part of this repository.",
        "- Rules: production finite and above zero; FAO area codes below 5000 (the regional",
        f"  aggregates are left out); years {years[0]}-{years[-1]}; rounded to 2 decimals.",
        "- Area names -> ISO alpha-3 through `fao_areas.csv`, then riskscreen's country resolver",
        "  (confidence >= 0.9); the build fails on any other area. Curated rows:",
        *_fao_area_lines(curated_dir),
        f"- {entry['rows']} rows: {entry.get('countries', '?')} countries and territories, "
        f"{entry.get('items', '?')} items.",
        "",
    ]


def sources_markdown(
    editions: pl.DataFrame,
    table_rows: dict[str, int],
    curated_dir: str | None = None,
    fao: dict[str, Any] | None = None,
) -> str:
    """Human-readable provenance; holds no build date so a rebuild reproduces it exactly.

    `fao` is the FAO production table's manifest entry (see riskscreen.reference.fao).
    """
    evidence = {
        r["source_file"]: r["evidence"]
        for r in read_table("ilab_editions", curated_dir).iter_rows(named=True)
    }
    lines = [
        "# Sources of the reference data",
        "",
        "Built by `riskscreen reference build` (`riskscreen.reference.build_reference`) from",
        f"{ORIGIN}.",
        *(["Production figures: FAOSTAT (FAO), see the last section."] if fao else []),
        "",
        f"- Publisher: {PUBLISHER}",
        f"- Licence: {LICENCE}",
        "- Kept: names, codes, yes/no findings and published figures. Not kept: the narrative",
        "  texts (`Description`, `Suggested_Actions`) and ILAB project lists.",
        "- The source files are not part of this repository; their SHA-256 pins them below.",
        "",
        "## Editions",
        "",
        "The file labels (2016 ... 2021) are the app's data years, not publication years.",
        "",
        "| edition | kind | file | publication | reporting year | published | rows "
        "| countries | goods | sha256 |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in editions.iter_rows(named=True):
        lines.append(
            f"| {r['edition']} | {r['kind']} | {r['source_file']} | {r['publication'] or ''} "
            f"| {r['reporting_year'] or ''} | {r['published'] or ''} | {r['rows']} "
            f"| {r['countries']} | {r['goods']} | `{r['sha256'][:12]}` |"
        )
    lines += ["", "## How each file was identified", ""]
    for r in editions.iter_rows(named=True):
        lines.append(
            f"- `{r['source_file']}`: {evidence.get(r['source_file']) or 'not identified'}."
        )
    lines += [
        "",
        "## Mapping and tables",
        "",
        "- Country spellings -> ISO 3166-1 alpha-3 through `ilab_country_aliases.csv` (Kosovo =",
        "  XKX), then a pycountry exact-name lookup; the build fails on any unmapped name.",
        "- Good spellings -> stable `good_id` through `good_renames.csv`, else a slug of the name.",
        "- Listings: per edition from the goods list (`source = goods`); for an edition without a",
        "  goods file (2020) from the Findings' per-country goods (`source = countries`).",
        "  `derived` marks downstream goods made with listed inputs (2022 List), `input_iso3` the",
        "  country of the input.",
        "- Country indicators are ILAB's figures as published (shares 0-1); countries ILAB did",
        "  not assess keep them empty, as do shares above 1 (data-entry slips such as Malawi's",
        "  2.84 for working-and-studying in countries_2021.xml). Gap counts: legal standards",
        "  not conforming to international standards; enforcement items answered No; items",
        "  answered Unknown (per-territory answers of federal states count once, worst first).",
        "",
        "| table | rows |",
        "|---|---|",
        *(f"| `{name}.csv` | {n} |" for name, n in table_rows.items()),
    ]
    lines += fao_markdown(fao, curated_dir) if fao is not None else [""]
    return "\n".join(lines)
