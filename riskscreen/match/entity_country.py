"""Turn the country values that come with names (ISO codes or country names) into ISO3.

Screening only uses the country as supporting evidence, so a simple, dependable resolution
is enough: ISO alpha-3/alpha-2 codes and names via pycountry, then (when that helper and the
reference tables are available) the project's full country resolver for the rest.
"""

from __future__ import annotations

from collections.abc import Iterable

import pycountry

from riskscreen.errors import ReferenceError_
from riskscreen.match.countries import resolve_countries
from riskscreen.reference.load import load_reference


def _pycountry_iso3(value: str) -> str | None:
    text = value.strip()
    if not text:
        return None
    if text.upper() == "XKX":
        return "XKX"
    try:
        return pycountry.countries.lookup(text).alpha_3
    except LookupError:
        return None


def _resolver_iso3(values: list[str]) -> dict[str, str]:
    """Ask the project's country resolver; nothing where the reference tables are not built."""
    try:
        resolved = resolve_countries(values, load_reference())
    except ReferenceError_:
        return {}
    if "input" not in resolved.columns or "country_iso3" not in resolved.columns:
        return {}
    return {
        row["input"]: row["country_iso3"]
        for row in resolved.select("input", "country_iso3").iter_rows(named=True)
        if row["country_iso3"]
    }


def countries_to_iso3(values: Iterable[str | None]) -> dict[str, str | None]:
    """Map each distinct non-empty value to an ISO3 code, or None when it cannot be resolved."""
    distinct = sorted({v for v in values if v is not None and v.strip()})
    out: dict[str, str | None] = {v: _pycountry_iso3(v) for v in distinct}
    missing = [v for v, iso in out.items() if iso is None]
    if missing:
        out.update(_resolver_iso3(missing))
    return out
