"""The country matcher's lookup index, built once from the reference tables and cached.

Keys are `normalise`d spellings (codes, names in many languages, aliases, places); each maps to
an `Entry`. Higher-priority sources win a key (code > alias > ISO/English name > other languages >
place); several countries sharing a key at the same priority make the entry ambiguous.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import polars as pl

from riskscreen.match.normalise import _CJK, is_latin, normalise, normalise_expr
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


# Polars spellings of `has_cjk` (the same character class) and of `is_latin` for key columns.
_CJK_CLASS = _CJK.pattern
_NON_ASCII = r"[^\x00-\x7f]"


def _key(column: str | pl.Expr) -> pl.Expr:
    """`normalise` of a text column (null as empty) as a polars expression."""
    expr = pl.col(column) if isinstance(column, str) else column
    return normalise_expr(expr.fill_null(""))


def _pairs(frame: pl.DataFrame, key: str, region: str | None = None) -> pl.LazyFrame:
    """(key, iso3, region) rows of a table: `key` normalised; an empty region is none."""
    return frame.lazy().select(
        key=_key(key), iso3=pl.col("iso3"),
        region=pl.lit(None, pl.String) if region is None else
        pl.when(pl.col(region) != "").then(pl.col(region)),
    )


def _name_pairs(frame: pl.DataFrame, min_latin: int) -> pl.LazyFrame:
    """(key, iso3, None) for every name row then its variants, row by row: the key, the name
    read round its first comma ('Korea, Republic of'), the part before a bracket, the key
    without 'and', without a leading 'the'. Short Latin names are dropped."""
    key = pl.col("key")
    rows = frame.lazy().select(pl.col("iso3"), name=pl.col("name").fill_null("")).with_columns(
        key=_key("name")
    ).with_row_index("row").filter(
        (key != "") & (key.str.contains(_NON_ASCII) | (key.str.len_chars() >= min_latin))
    ).collect().lazy()  # held: each spelling below starts from these rows
    name = pl.col("name")
    halves = name.str.splitn(",", 2).struct
    words = key.str.split(" ")
    spellings = [
        rows.select("row", "iso3", "key"),
        rows.filter(name.str.contains(",", literal=True)).select(
            "row", "iso3", key=_key(halves.field("field_1") + " " + halves.field("field_0"))),
        rows.filter(name.str.contains("(", literal=True)).select(
            "row", "iso3", key=_key(name.str.splitn("(", 2).struct.field("field_0"))),
        rows.filter(words.list.contains("and")).select(
            "row", "iso3", key=words.list.filter(pl.element() != "and").list.join(" ")),
        rows.filter(words.list.first() == "the").select(
            "row", "iso3", key=words.list.slice(1).list.join(" ")),
    ]
    return pl.concat(
        [part.with_columns(spelling=pl.lit(n, pl.Int32)) for n, part in enumerate(spellings)]
    ).sort("row", "spelling", maintain_order=True).select(
        "key", "iso3", region=pl.lit(None, pl.String))


def _entry_rows(levels: list[tuple[pl.LazyFrame, str, str, bool, int]]) -> pl.LazyFrame:
    """(key, iso3, region, method, kind, scan, tier) per country of each key, a key's rows
    together, keys in order of first appearance. Levels are in priority order: keys a higher
    level took are left alone; within a level several countries sharing a key are kept in
    first-seen order, each with its first region."""
    every = pl.concat([
        pairs.with_columns(level=pl.lit(n, pl.Int32), method=pl.lit(method), kind=pl.lit(kind),
                           scan=pl.lit(scan_ok), tier=pl.lit(tier, pl.Int64))
        for n, (pairs, method, kind, scan_ok, tier) in enumerate(levels)
    ]).filter(pl.col("key") != "")
    every = every.filter(pl.col("level") == pl.col("level").min().over("key"))
    every = every.unique(["key", "iso3"], keep="first", maintain_order=True).with_row_index("at")
    return every.sort(pl.col("at").min().over("key"), maintain_order=True).drop("at", "level")


def _entries(rows: pl.DataFrame) -> dict[str, Entry]:
    """key -> Entry from `_entry_rows` (a key's countries on consecutive rows). Keys that mean
    the same share one (frozen) Entry: ≈ 8,700 keys hold ≈ 1,300 distinct meanings."""
    entries: dict[str, Entry] = {}
    made: dict[tuple, Entry] = {}
    fields = zip(*(rows[c].to_list() for c in ("iso3", "region", "method", "kind", "scan",
                                               "tier")), strict=True)
    for key, row in zip(rows["key"].to_list(), fields, strict=True):
        known = entries.get(key)
        iso3, region, method, kind, scan, tier = row
        if known is not None:  # another country shares the key: the entry is ambiguous
            entries[key] = Entry((*known.iso3, iso3), method, kind, (*known.regions, region),
                                 scan, tier)
            continue
        entry = made.get(row)
        if entry is None:
            entry = made[row] = Entry((iso3,), method, kind, (region,), scan, tier)
        entries[key] = entry
    return entries


@lru_cache(maxsize=4)
def load_index(folder: str | None = None) -> CountryIndex:
    """Build the index from country_names, country_aliases, places and country_non_answers.

    Every key is normalised and the priority levels merged in one polars query over the
    tables' ≈ 12,000 spellings; only the final entries are Python objects."""
    thresholds = _thresholds(folder)
    names = read_table("country_names", folder)
    aliases = read_table("country_aliases", folder)
    places = read_table("places", folder)
    specials = read_table("country_non_answers", folder)
    min_scan = int(thresholds["scan_min_length"])
    is_state_code = pl.col("kind").fill_null("") == "state_code"
    alias_pairs = _pairs(aliases, "alias")
    codes = names.filter(pl.col("kind").is_in(["alpha2", "alpha3", "numeric"]))
    iso_names = names.filter(
        pl.col("kind").is_in(["name", "official_name", "common_name"])
        | ((pl.col("kind") == "cldr") & (pl.col("lang") == "en"))
    )
    other = names.filter((pl.col("kind") == "cldr") & (pl.col("lang") != "en"))
    entry_rows = _entry_rows([
        # Aliases several countries share (Korea, Congo) override even ISO names: doubtful.
        (alias_pairs.filter(pl.col("iso3").n_unique().over("key") > 1), "alias", "alias", True,
         1),
        (_pairs(codes.filter(pl.col("kind") == "alpha3"), "name"), "code", "code3", False, 0),
        (_pairs(codes.filter(pl.col("kind") == "numeric"), "name"), "code", "code3", False, 0),
        (_pairs(codes.filter(pl.col("kind") == "alpha2"), "name"), "code", "code2", False, 0),
        (_name_pairs(iso_names, 1), "name", "name", True, 1),
        (alias_pairs, "alias", "alias", True, 2),
        (_name_pairs(other, min_scan), "name", "name", True, 3),
        (_pairs(places.filter(~is_state_code), "place", "region"), "place", "place", True, 4),
    ])
    specials, entry_rows, states, provinces = pl.collect_all([
        specials.lazy().select(text=_key("text"), kind=pl.col("kind").fill_null("")),
        entry_rows,
        places.lazy().filter(is_state_code).select(key=_key("place"), iso3="iso3"),
        places.lazy().filter(
            ~is_state_code & pl.col("kind").fill_null("").is_in(["province", "region", "state"])
        ).select(key=_key("place")),
    ])
    texts, kinds = specials["text"].to_list(), specials["kind"].to_list()
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
    state_codes = dict(zip(states["key"].to_list(), states["iso3"].to_list(), strict=True))
    province_keys = frozenset(provinces["key"].to_list())
    # Keys never searched inside longer text: the curated stop list and short Latin keys.
    cjk = pl.col("key").str.contains(_CJK_CLASS)
    length = pl.col("key").str.len_chars()
    entry_rows = entry_rows.with_columns(scan=pl.col("scan") & ~(
        pl.col("key").is_in(list(no_scan))
        | (~cjk & (length < min_scan))
        | (cjk & (length < 2))
    ))
    entries = _entries(entry_rows)

    display = _display_names(names)
    min_fuzzy = int(thresholds["fuzzy_min_length"])
    fuzzy = entry_rows.filter(
        (pl.col("method") != "code") & ~pl.col("key").str.contains(_NON_ASCII)
        & (pl.col("key").str.len_chars() >= min_fuzzy)
    ).unique("key", maintain_order=True).sort("key")
    extra = sorted(k for k in non_answers if is_latin(k) and len(k) >= min_fuzzy
                   and k not in entries)
    fuzzy_keys = fuzzy["key"].to_list() + extra
    max_ngram = entry_rows["key"].str.count_matches(" ", literal=True).max() + 1
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
        word_prefixes=_word_prefixes(entry_rows["key"].append(pl.Series(list(no_scan)))),
        fuzzy_first=np.array([k[0] for k in fuzzy_keys]),
        fuzzy_place_mask=np.concatenate(  # non-answers are no entry
            [(fuzzy["method"] == "place").to_numpy(), np.zeros(len(extra), dtype=bool)]
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


def _word_prefixes(keys: pl.Series) -> frozenset[str]:
    """Every leading run of whole words of every key ('papua', 'papua new', 'papua new guinea')."""
    words = pl.col("words")
    runs = keys.filter(keys != "").unique().to_frame("key").select(
        words=pl.col("key").str.split(" ")
    ).with_columns(n=pl.int_ranges(1, words.list.len() + 1)).explode("n")
    return frozenset(runs.select(words.list.head(pl.col("n")).list.join(" "))["words"].to_list())


def _display_names(names: pl.DataFrame) -> dict[str, str]:
    """iso3 -> short English name for candidate lists (common name, else ISO name)."""
    display: dict[str, str] = {}
    for kind in ("name", "common_name"):
        rows = names.filter(pl.col("kind") == kind)
        display.update(zip(rows["iso3"], rows["name"], strict=True))
    return display
