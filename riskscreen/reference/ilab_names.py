"""Map ILAB country and good spellings to stable keys (iso3, good_id), failing loudly on gaps.

Countries: `reference/ilab_country_aliases.csv`, then a pycountry exact-name fallback.
Goods: `reference/good_renames.csv`, then a deterministic slug of the spelling.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

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
    aliases = read_table("ilab_country_aliases", curated_dir)
    table = dict(
        zip(aliases["ilab_name"].str.strip_chars(), aliases["iso3"].str.strip_chars(), strict=True)
    )
    out: dict[str, str] = {}
    missing: list[str] = []
    for name in sorted({n for n in names if n}):
        iso3 = table.get(name) or _pycountry_exact(name)
        if iso3:
            out[name] = iso3
        else:
            missing.append(name)
    if missing:
        raise ReferenceError_(
            f"{len(missing)} ILAB country name(s) have no ISO code; add them to "
            f"reference/ilab_country_aliases.csv: " + "; ".join(repr(m) for m in missing)
        )
    return out


def good_id_map(names: Iterable[str], curated_dir: str | None = None) -> dict[str, str]:
    """Every distinct ILAB good spelling -> good_id (curated rename, else slug)."""
    renames = read_table("good_renames", curated_dir)
    table = dict(
        zip(
            renames["ilab_name"].str.strip_chars(),
            renames["good_id"].str.strip_chars(),
            strict=True,
        )
    )
    out: dict[str, str] = {}
    bad: list[str] = []
    for name in sorted(set(names)):
        good_id = table.get(name) or slug(name)
        if good_id:
            out[name] = good_id
        else:
            bad.append(name)
    if bad:
        raise ReferenceError_(
            "ILAB good name(s) give no usable good_id; add them to reference/good_renames.csv: "
            + "; ".join(repr(b) for b in bad)
        )
    return out


def region_map(curated_dir: str | None = None) -> dict[str, str]:
    """ILAB region labels of every edition -> the current label (reference/ilab_regions.csv)."""
    regions = read_table("ilab_regions", curated_dir)
    return dict(zip(regions["ilab_region"], regions["region"], strict=True))
