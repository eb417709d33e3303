"""Parse ILAB's Sweat & Toil XML files (goods_YYYY.xml, countries_YYYY.xml) into plain records.

Only facts are kept (names, yes/no findings, figures); the narrative `Description` and
`Suggested_Actions` texts are never read out. XML is parsed with defusedxml only.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeET

from riskscreen.errors import ReferenceError_

_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?")
_REPORTING_YEAR = re.compile(r"\s*(?:In|For the) (\d{4})\b")

# Country_Statistics paths -> indicator column (share of children, 0-1 as ILAB publishes it).
_STATISTICS = (
    ("Children_Work_Statistics/Total_Percentage_of_Working_Children", "child_work_5_14"),
    ("Children_Work_Statistics/Agriculture", "child_work_agriculture"),
    ("Children_Work_Statistics/Industry", "child_work_industry"),
    ("Children_Work_Statistics/Services", "child_work_services"),
    ("Education_Statistics_Attendance_Statistics/Percentage", "school_attendance_5_14"),
    ("Children_Working_and_Studying_7-14_yrs_old/Total", "working_and_studying_7_14"),
    ("UNESCO_Primary_Completion_Rate/Rate", "primary_completion"),
)
_SHARES = {col for _, col in _STATISTICS} - {"primary_completion"}
_CONVENTIONS = (
    ("C_138_Ratified", "ratified_c138"),
    ("C_182_Ratified", "ratified_c182"),
    ("Convention_on_the_Rights_of_the_Child_Ratified", "ratified_crc"),
    ("CRC_Armed_Conflict_Ratified", "ratified_crc_ac"),
    ("CRC_Commercial_Sexual_Exploitation_of_Children_Ratified", "ratified_crc_csec"),
    ("Palermo_Ratified", "ratified_palermo"),
)
_AGES = (
    ("Minimum_Work", "min_age_work"),
    ("Minimum_Hazardous_Work", "min_age_hazardous_work"),
    ("Compulsory_Education", "compulsory_education_age"),
)
_MECHANISMS = (
    ("Coordination", "mechanism_coordination"),
    ("Policy", "mechanism_policy"),
    ("Program", "mechanism_program"),
)
_FLAGS = (
    ("Child_Labor", "child_labour"),
    ("Forced_Labor", "forced_labour"),
    ("Forced_Child_Labor", "forced_child_labour"),
)

INDICATOR_COLUMNS: tuple[str, ...] = (
    "advancement_level",
    "assessed",
    *(c for _, c in _STATISTICS),
    *(c for _, c in _CONVENTIONS),
    *(c for _, c in _AGES),
    "legal_standards_checked",
    "legal_gaps",
    "enforcement_items",
    "enforcement_gaps",
    "enforcement_unknowns",
    *(c for _, c in _MECHANISMS),
)


def _text(elem: Element | None, path: str | None = None) -> str:
    """Stripped text of `elem` (or of its child at `path`), '' when absent."""
    if elem is None:
        return ""
    node = elem.find(path) if path else elem
    return (node.text or "").strip() if node is not None else ""


def yes_no(value: str) -> bool | None:
    """'Yes'/'No' (any case) -> True/False; 'N/A', 'Unknown', '' and figures -> None."""
    low = value.strip().lower()
    return True if low == "yes" else False if low == "no" else None


def number(value: str) -> float | None:
    """First number in a cell ('18‡' -> 18, '0.364' -> 0.364); None for 'Unavailable', 'N/A'."""
    match = _NUMBER.search(value)
    return float(match.group()) if match else None


def _parse(path: Path) -> Element:
    try:
        return SafeET.parse(path).getroot()
    except Exception as exc:  # defusedxml raises several types for bad/unsafe XML
        raise ReferenceError_(f"cannot parse ILAB file {path.name}: {exc}") from exc


def _flags(elem: Element) -> dict[str, bool]:
    return {col: yes_no(_text(elem, tag)) is True for tag, col in _FLAGS}


def _derived(elem: Element) -> tuple[bool, str]:
    """Derived listing (good made with listed inputs, new in the 2022 List) and input country."""
    derived = yes_no(_text(elem, "Derived_Labor_Exploitation")) is True
    source = _text(elem, "Derived_Country") if derived else ""
    return derived, "" if source.lower() == "no" else source


def parse_goods_file(path: Path) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    """goods_YYYY.xml -> (country-good entries, [name, sector] of every good, even unlisted)."""
    root = _parse(path)
    entries: list[dict[str, Any]] = []
    goods: list[dict[str, str]] = []
    for good in root.iter("Good"):
        name = _text(good, "Good_Name")
        goods.append({"name": name, "sector": _text(good, "Good_Sector")})
        for country in good.iterfind("Countries/Country"):
            derived, source = _derived(country)
            entries.append(
                {
                    "good_name": name,
                    "country_name": _text(country, "Country_Name"),
                    "region": _text(country, "Country_Region"),
                    **_flags(country),
                    "derived": derived,
                    "input_country_name": source,
                }
            )
    return entries, goods


def _values(item: Element, leaf: str | None) -> list[str]:
    """An item's own value plus one per `Territory` (federal states report per territory)."""
    values = [_text(item, leaf)] if leaf else ([_text(item)] if len(item) == 0 else [])
    for territory in item.iterfind("Territory"):
        values.append(_text(territory, leaf or "Enforcement"))
    return [v for v in values if v]


def _legal(standards: Element | None) -> dict[str, Any]:
    """Count standards checked and those not conforming to international standards (gaps)."""
    ages: dict[str, float | None] = {col: None for _, col in _AGES}
    if standards is None or len(standards) == 0:
        return {"legal_standards_checked": None, "legal_gaps": None, **ages}
    checked = gaps = 0
    for item in standards:
        conforms = [yes_no(v) for v in _values(item, "Conforms_To_Intl_Standard")]
        checked += any(c is not None for c in conforms)
        gaps += any(c is False for c in conforms)
    for tag, col in _AGES:
        ages[col] = number(_text(standards, f"{tag}/Age"))
    return {"legal_standards_checked": checked, "legal_gaps": gaps, **ages}


def _enforcement(enforcements: Element | None) -> dict[str, int | None]:
    """Count enforcement items answered 'No' (gaps) and 'Unknown'; None when ILAB gave none."""
    if enforcements is None or len(enforcements) == 0:
        return dict.fromkeys(("enforcement_items", "enforcement_gaps", "enforcement_unknowns"))
    items = gaps = unknowns = 0
    for item in enforcements:
        lows = {v.lower() for v in _values(item, None)}
        if not lows:
            continue
        items += 1
        if "no" in lows:
            gaps += 1
        elif "unknown" in lows:
            unknowns += 1
    return {"enforcement_items": items, "enforcement_gaps": gaps, "enforcement_unknowns": unknowns}


def _profile(country: Element) -> dict[str, Any]:
    level = _text(country, "Advancement_Level")
    stats = country.find("Country_Statistics")
    conventions = country.find("Conventions")
    mechanisms = country.find("Mechanisms")
    row: dict[str, Any] = {
        "ilab_name": _text(country, "Name"),
        "region": _text(country, "Region"),
        "ilab_url": _text(country, "Webpage"),
        "advancement_level": level or None,
        "assessed": bool(level) and level.lower() != "no assessment",
    }
    for path, col in _STATISTICS:
        value = number(_text(stats, path)) if stats is not None else None
        # Shares above 1 are entry slips (Malawi 2022: 2.84); gross completion may exceed 1.
        row[col] = None if value is not None and value > 1 and col in _SHARES else value
    for tag, col in _CONVENTIONS:
        row[col] = yes_no(_text(conventions, tag)) if conventions is not None else None
    row.update(_legal(country.find("Legal_Standards")))
    row.update(_enforcement(country.find("Enforcements")))
    for tag, col in _MECHANISMS:
        row[col] = yes_no(_text(mechanisms, tag)) if mechanisms is not None else None
    return row


def parse_countries_file(path: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]], str]:
    """countries_YYYY.xml -> (country profiles, country-good entries, reporting year).

    The reporting year is read from the opening words of the profiles ("In 2022, ...");
    the narrative itself is not kept.
    """
    root = _parse(path)
    profiles: list[dict[str, Any]] = []
    entries: list[dict[str, Any]] = []
    years: Counter[str] = Counter()
    for country in root.iterfind("Country"):
        profile = _profile(country)
        profiles.append(profile)
        match = _REPORTING_YEAR.match(_text(country, "Description"))
        if match:
            years[match.group(1)] += 1
        for good in country.iterfind("Goods/Good"):
            derived, source = _derived(good)
            entries.append(
                {
                    "good_name": _text(good, "Good_Name"),
                    "country_name": profile["ilab_name"],
                    "region": profile["region"],
                    **_flags(good),
                    "derived": derived,
                    "input_country_name": source,
                }
            )
    year = years.most_common(1)[0][0] if years else ""
    return profiles, entries, year
