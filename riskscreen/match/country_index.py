"""The country matcher's lookup index, built once from the reference tables and cached.

Keys are `normalise`d spellings (codes, names in many languages, aliases, places); each maps to
an `Entry`. Higher-priority sources win a key (code > alias > ISO/English name > other languages >
place); several countries sharing a key at the same priority make the entry ambiguous.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import polars as pl

from riskscreen.match.normalise import has_cjk, is_latin, normalise
from riskscreen.tables import read_table

# How much a kind of evidence counts when an address names several things (higher wins).
STRENGTH = {"name": 3.0, "alias": 3.0, "code3": 3.0, "place": 2.0, "code2": 3.0}


@dataclass(frozen=True)
class Entry:
    """What one normalised key means: countries (several = ambiguous), how it was known, region."""

    iso3: tuple[str, ...]
    method: str  # code | alias | name | place
    kind: str  # code2 | code3 | alias | name | place (STRENGTH key)
    regions: tuple[str | None, ...] = ()  # per iso3: sub-national region of interest (Xinjiang)
    scan: bool = True  # may be found inside a longer text
    tier: int = 0  # source priority (0 = best): breaks ties between equally close fuzzy keys

    @property
    def ambiguous(self) -> bool:
        return len(self.iso3) > 1

    @property
    def region(self) -> str | None:
        """Region of the first (preferred) reading."""
        return self.regions[0] if self.regions else None

    def region_for(self, iso3: str) -> str | None:
        """Region when this key is read as `iso3` (Bole is in Xinjiang only as a Chinese place)."""
        return self.regions[self.iso3.index(iso3)] if iso3 in self.iso3 else None


@dataclass
class CountryIndex:
    """Exact-lookup dict, scan settings, fuzzy choices and display names for the resolver."""

    entries: dict[str, Entry]
    non_answers: frozenset[str]
    prefixes: tuple[str, ...]
    thresholds: dict[str, float]
    display: dict[str, str]
    fuzzy_keys: list[str] = field(default_factory=list)
    max_ngram: int = 6
    blockers: frozenset[str] = frozenset()  # stop phrases that are no key ('china town')
    state_codes: dict[str, str] = field(default_factory=dict)  # 'nc' -> USA (address tails)
    word_prefixes: frozenset[str] = frozenset()  # 'new', 'new jersey': n-gram scans stop early
    fuzzy_place_mask: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    fuzzy_first: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype="<U1"))
    cache: dict[str, tuple] = field(default_factory=dict)
    province_keys: frozenset[str] = frozenset()  # places that are a province-level region
    exclusions: tuple[str, ...] = ()  # 'excluding', 'except': what follows is left out
    subnational: frozenset[str] = frozenset()  # 'state', 'province': 'Georgia (US state)'
    abbreviations: dict[str, str] = field(default_factory=dict)  # 'rep' -> 'republic'
    address_words: dict[str, frozenset[str]] = field(default_factory=dict)  # kind -> words

    def t(self, key: str) -> float:
        """A `country.*` threshold from match_thresholds.csv."""
        return self.thresholds[key]


def _thresholds(folder: str | None) -> dict[str, float]:
    table = read_table("match_thresholds", folder)
    prefix = "country."
    return {
        k[len(prefix) :]: float(v)
        for k, v in zip(table["key"], table["value"], strict=True)
        if k and k.startswith(prefix)
    }


def _variants(key: str) -> list[str]:
    """Extra spellings of a name key: without 'and', without a leading 'the'."""
    out = []
    words = key.split()
    if "and" in words:
        out.append(" ".join(w for w in words if w != "and"))
    if words and words[0] == "the":
        out.append(" ".join(words[1:]))
    return out


def _add_level(
    entries: dict[str, Entry],
    pairs: list[tuple[str, str, str | None]],
    method: str,
    kind: str,
    scan_ok: bool,
    tier: int,
) -> None:
    """Add one priority level: keys already taken by a higher level are left alone."""
    level: dict[str, list[tuple[str, str | None]]] = {}
    for key, iso3, region in pairs:
        if key and key not in entries:
            bucket = level.setdefault(key, [])
            if iso3 not in [i for i, _ in bucket]:
                bucket.append((iso3, region))
    for key, bucket in level.items():
        entries[key] = Entry(
            iso3=tuple(i for i, _ in bucket),
            method=method,
            kind=kind,
            regions=tuple(r or None for _, r in bucket),
            scan=scan_ok,
            tier=tier,
        )


def _name_pairs(frame: pl.DataFrame, min_latin: int) -> list[tuple[str, str, str | None]]:
    """(key, iso3, None) for every name row plus its variants; short Latin names are dropped."""
    pairs: list[tuple[str, str, str | None]] = []
    for name, iso3 in zip(frame["name"], frame["iso3"], strict=True):
        key = normalise(name or "")
        if not key or (is_latin(key) and len(key) < min_latin):
            continue
        pairs.append((key, iso3, None))
        if "," in (name or ""):
            head, _, tail = name.partition(",")
            pairs.append((normalise(f"{tail} {head}"), iso3, None))
        if "(" in (name or ""):
            pairs.append((normalise(name.split("(")[0]), iso3, None))
        pairs += [(v, iso3, None) for v in _variants(key)]
    return pairs


@lru_cache(maxsize=4)
def load_index(folder: str | None = None) -> CountryIndex:
    """Build the index from country_names, country_aliases, places and country_non_answers."""
    thresholds = _thresholds(folder)
    names = read_table("country_names", folder)
    aliases = read_table("country_aliases", folder)
    places = read_table("places", folder)
    specials = read_table("country_non_answers", folder)
    kinds = specials["kind"].fill_null("")
    texts = specials["text"].fill_null("").map_elements(normalise, return_dtype=pl.String)
    non_answers = frozenset(t for t, k in zip(texts, kinds, strict=True) if k == "non_answer")
    prefixes = tuple(
        sorted(
            {t for t, k in zip(texts, kinds, strict=True) if k == "prefix" and t},
            key=lambda s: (-len(s), s),
        )
    )
    no_scan = {t for t, k in zip(texts, kinds, strict=True) if k == "ignore_inside"}
    exclusions = tuple(t for t, k in zip(texts, kinds, strict=True) if k == "exclusion" and t)
    subnational = frozenset(t for t, k in zip(texts, kinds, strict=True) if k == "subnational")
    abbrev = read_table("country_abbreviations", folder)
    abbreviations = {
        normalise(a): normalise(e or "")
        for a, e in zip(abbrev["abbreviation"], abbrev["expansion"], strict=True)
        if a and e
    }

    entries: dict[str, Entry] = {}
    alias_pairs = [
        (normalise(a or ""), i, None)
        for a, i in zip(aliases["alias"], aliases["iso3"], strict=True)
    ]
    shared = {k for k, n in Counter(k for k, _, _ in set(alias_pairs)).items() if n > 1}
    # Aliases several countries share (Korea, Congo) override even ISO names: they are doubtful.
    _add_level(entries, [p for p in alias_pairs if p[0] in shared], "alias", "alias", True, 1)
    codes = names.filter(pl.col("kind").is_in(["alpha2", "alpha3", "numeric"]))
    for kind_name, kind in (("alpha3", "code3"), ("numeric", "code3"), ("alpha2", "code2")):
        rows = codes.filter(pl.col("kind") == kind_name)
        _add_level(
            entries,
            [(normalise(n), i, None) for n, i in zip(rows["name"], rows["iso3"], strict=True)],
            "code",
            kind,
            scan_ok=False,
            tier=0,
        )
    iso_names = names.filter(
        pl.col("kind").is_in(["name", "official_name", "common_name"])
        | ((pl.col("kind") == "cldr") & (pl.col("lang") == "en"))
    )
    _add_level(entries, _name_pairs(iso_names, 1), "name", "name", scan_ok=True, tier=1)
    _add_level(entries, alias_pairs, "alias", "alias", scan_ok=True, tier=2)
    other = names.filter((pl.col("kind") == "cldr") & (pl.col("lang") != "en"))
    min_scan = int(thresholds["scan_min_length"])
    _add_level(entries, _name_pairs(other, min_scan), "name", "name", scan_ok=True, tier=3)
    is_state_code = places["kind"].fill_null("") == "state_code"
    state_rows = places.filter(is_state_code)
    state_codes = {
        normalise(p): i for p, i in zip(state_rows["place"], state_rows["iso3"], strict=True)
    }
    places = places.filter(~is_state_code)
    place_pairs = [
        (normalise(p or ""), i, r or None)
        for p, i, r in zip(places["place"], places["iso3"], places["region"], strict=True)
    ]
    _add_level(entries, place_pairs, "place", "place", scan_ok=True, tier=4)

    # Keys never searched inside longer text: the curated stop list and short Latin keys.
    for key, entry in list(entries.items()):
        if entry.scan and (
            key in no_scan
            or (not has_cjk(key) and len(key) < min_scan)
            or (has_cjk(key) and len(key) < 2)
        ):
            entries[key] = Entry(
                entry.iso3, entry.method, entry.kind, entry.regions, False, entry.tier
            )

    display = _display_names(names)
    min_fuzzy = int(thresholds["fuzzy_min_length"])
    fuzzy_keys = sorted(
        k for k, e in entries.items() if e.method != "code" and is_latin(k) and len(k) >= min_fuzzy
    ) + sorted(k for k in non_answers if is_latin(k) and len(k) >= min_fuzzy and k not in entries)
    max_ngram = max(len(k.split()) for k in entries)
    province_kinds = places["kind"].fill_null("").is_in(["province", "region", "state"])
    province_keys = frozenset(normalise(p or "") for p in places.filter(province_kinds)["place"])
    return CountryIndex(
        entries,
        non_answers,
        prefixes,
        thresholds,
        display,
        fuzzy_keys,
        min(max_ngram, 8),
        blockers=frozenset(k for k in no_scan if k not in entries),
        state_codes=state_codes,
        word_prefixes=_word_prefixes(set(entries) | set(no_scan)),
        fuzzy_first=np.array([k[0] for k in fuzzy_keys]),
        fuzzy_place_mask=np.array(
            [k in entries and entries[k].method == "place" for k in fuzzy_keys], dtype=bool
        ),
        province_keys=province_keys,
        exclusions=exclusions,
        subnational=subnational,
        abbreviations=abbreviations,
        address_words=_address_words(folder),
    )


def _address_words(folder: str | None) -> dict[str, frozenset[str]]:
    """kind -> normalised words of `address_words.csv` (street, before, direction, building …);
    "named" gathers building, company and zone words."""
    table = read_table("address_words", folder)
    out: dict[str, set[str]] = {}
    for word, kind in zip(table["word"], table["kind"], strict=True):
        if word and kind:
            out.setdefault(kind, set()).add(normalise(word))
    out["named"] = set().union(*(out.get(k, set()) for k in ("building", "company", "zone")))
    return {k: frozenset(v) for k, v in out.items()}


def _word_prefixes(keys: set[str]) -> frozenset[str]:
    """Every leading run of whole words of every key ('papua', 'papua new', 'papua new guinea')."""
    out: set[str] = set()
    for key in keys:
        words = key.split()
        out.update(" ".join(words[:n]) for n in range(1, len(words) + 1))
    return frozenset(out)


def _display_names(names: pl.DataFrame) -> dict[str, str]:
    """iso3 -> short English name for candidate lists (common name, else ISO name)."""
    display: dict[str, str] = {}
    for kind in ("name", "common_name"):
        rows = names.filter(pl.col("kind") == kind)
        display.update(zip(rows["iso3"], rows["name"], strict=True))
    return display
