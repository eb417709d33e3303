"""Map ILAB country and good spellings to stable keys (iso3, good_id), failing loudly on gaps.

Countries: `reference/ilab_country_aliases.csv`, then a pycountry exact-name fallback.
Goods: `reference/good_renames.csv`, then a deterministic slug of the spelling.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable

import pycountry

from riskscreen.errors import ReferenceError_
from riskscreen.tables import read_table

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def slug(name: str) -> str:
    """Deterministic snake_case id: ASCII-fold, lower-case, other runs -> '_'.

    "Açaí Berries" -> acai_berries.
    """
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    return _NON_ALNUM.sub("_", folded.lower()).strip("_")


def _pycountry_exact(name: str) -> str | None:
    for field in ("name", "official_name", "common_name"):
        hit = pycountry.countries.get(**{field: name})
        if hit is not None:
            return hit.alpha_3
    return None


def country_iso3_map(names: Iterable[str], curated_dir: str | None = None) -> dict[str, str]:
    """Every distinct ILAB country spelling -> iso3; raise ReferenceError_ listing every gap."""
    return _map_names(
        (n for n in names if n), "ilab_country_aliases", "iso3", _pycountry_exact,
        "ILAB country name(s) have no ISO code", curated_dir,
    )


def good_id_map(names: Iterable[str], curated_dir: str | None = None) -> dict[str, str]:
    """Every distinct ILAB good spelling -> good_id (curated rename, else slug)."""
    return _map_names(
        names, "good_renames", "good_id", slug, "ILAB good name(s) give no usable good_id",
        curated_dir,
    )


def _map_names(names: Iterable[str], table_name: str, column: str,
               fallback: Callable[[str], str | None], problem: str,
               curated_dir: str | None) -> dict[str, str]:
    """Each distinct name -> the curated table's `column`, else `fallback(name)`; fail loudly,
    listing every name neither gives."""
    table = read_table(table_name, curated_dir)
    curated = dict(
        zip(table["ilab_name"].str.strip_chars(), table[column].str.strip_chars(), strict=True)
    )
    out: dict[str, str] = {}
    missing: list[str] = []
    for name in sorted(set(names)):
        value = curated.get(name) or fallback(name)
        if value:
            out[name] = value
        else:
            missing.append(name)
    if missing:
        raise ReferenceError_(
            f"{len(missing)} {problem}; add them to reference/{table_name}.csv: "
            + "; ".join(repr(m) for m in missing)
        )
    return out


def region_map(curated_dir: str | None = None) -> dict[str, str]:
    """ILAB region labels of every edition -> the current label (reference/ilab_regions.csv)."""
    regions = read_table("ilab_regions", curated_dir)
    return dict(zip(regions["ilab_region"], regions["region"], strict=True))
