"""Build `reference/country_names.csv`: ISO 3166-1 codes and names (pycountry) + CLDR names (Babel).

One row per (country, language, name, kind); the country matcher indexes it, so names in many
languages resolve without hand-written lists. Output is deterministic (sorted, de-duplicated).
"""

from __future__ import annotations

import csv
from pathlib import Path

import babel
import pycountry
from babel import Locale
from babel.core import get_cldr_version

from riskscreen.tables import read_table

# CLDR locales whose territory names are indexed (script subtags for Chinese).
LANGUAGES: tuple[str, ...] = (
    "en",
    "fr",
    "es",
    "de",
    "pt",
    "it",
    "nl",
    "zh_Hans",
    "zh_Hant",
    "ja",
    "ru",
    "ar",
    "ko",
    "tr",
    "pl",
    "id",
    "vi",
    "th",
    "hi",
    "sv",
    "da",
    "nb",
    "fi",
    "cs",
    "ro",
    "hu",
    "ms",
    "uk",
    "el",
    "he",
    "fa",
    "bn",
    "ur",
)
COLUMNS = ("iso3", "iso2", "numeric", "lang", "name", "kind")


def _iso_rows() -> tuple[list[tuple[str, ...]], dict[str, tuple[str, str]]]:
    """Codes and English names from pycountry; also the alpha-2 → (alpha-3, numeric) map."""
    rows: list[tuple[str, ...]] = []
    codes: dict[str, tuple[str, str]] = {}
    for c in pycountry.countries:
        iso3, iso2, num = c.alpha_3, c.alpha_2, c.numeric
        codes[iso2] = (iso3, num)
        rows += [
            (iso3, iso2, num, "", iso2, "alpha2"),
            (iso3, iso2, num, "", iso3, "alpha3"),
            (iso3, iso2, num, "", num, "numeric"),
            (iso3, iso2, num, "en", c.name, "name"),
        ]
        for kind in ("official_name", "common_name"):
            value = getattr(c, kind, None)
            if value:
                rows.append((iso3, iso2, num, "en", value, kind))
    # user-assigned codes CLDR treats as countries but ISO 3166-1 (and pycountry) does not list
    extra = read_table("extra_countries")
    for iso3, iso2, name in extra.select("iso3", "iso2", "name").iter_rows():
        codes[iso2] = (iso3, "")
        rows += [
            (iso3, iso2, "", "", iso2, "alpha2"),
            (iso3, iso2, "", "", iso3, "alpha3"),
            (iso3, iso2, "", "en", name, "name"),
        ]
    return rows, codes


def _cldr_rows(codes: dict[str, tuple[str, str]]) -> list[tuple[str, ...]]:
    """CLDR territory names per language; macro-regions (001, EU, UN, QO …) are not countries."""
    rows: list[tuple[str, ...]] = []
    for lang in LANGUAGES:
        for code, name in Locale.parse(lang).territories.items():
            if code in codes and name:
                iso3, num = codes[code]
                rows.append((iso3, code, num, lang, name.strip(), "cldr"))
    return rows


def build_country_names(out_dir: Path) -> dict:
    """Write `country_names.csv` into `out_dir`; return its manifest entry (sources, versions)."""
    iso_rows, codes = _iso_rows()
    rows = sorted(set(iso_rows + _cldr_rows(codes)))
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "country_names.csv"
    tmp = path.with_suffix(".csv.tmp")
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows(rows)
    tmp.replace(path)
    try:
        from importlib.metadata import version

        pycountry_version = version("pycountry")
    except Exception:  # pragma: no cover - metadata missing in odd installs
        pycountry_version = "unknown"
    return {
        "table": "country_names.csv",
        "sources": ["pycountry (ISO 3166-1)", "Unicode CLDR territory names via Babel"],
        "pycountry_version": pycountry_version,
        "babel_version": babel.__version__,
        "cldr_version": str(get_cldr_version()),
        "languages": list(LANGUAGES),
        "countries": len({r[0] for r in rows}),
        "rows": len(rows),
    }


if __name__ == "__main__":  # pragma: no cover - manual regeneration
    from riskscreen.paths import reference_dir

    print(build_country_names(reference_dir()))
