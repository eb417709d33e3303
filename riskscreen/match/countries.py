"""Resolve messy country values (codes, names in many languages, aliases, addresses) to ISO3.

`resolve_countries` works on DISTINCT values: exact lookup of the whole value, then the places and
names found inside it (addresses), then one vectorised fuzzy pass (rapidfuzz) for what is left.
Every result says how it was found (`country_method`), how sure it is, and lists candidates when
doubtful; Xinjiang places also set `region` so the UFLPA rule can act on them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import polars as pl
from rapidfuzz import fuzz, process

from riskscreen.contracts import ReferenceTables
from riskscreen.match.country_fuzzy import fuzzy_resolve
from riskscreen.match.country_index import CountryIndex, Entry, load_index
from riskscreen.match.country_scan import Hit, find_hits, strip_prefixes
from riskscreen.match.normalise import has_cjk, normalise

Result = tuple[str | None, float, str, str | None, str | None]  # iso3, conf, method, cands, region
SCHEMA = {
    "input": pl.String,
    "country_iso3": pl.String,
    "country_confidence": pl.Float64,
    "country_method": pl.String,
    "country_candidates": pl.String,
    "region": pl.String,
}
NONE: Result = (None, 0.0, "none", None, None)
NON_ANSWER: Result = (None, 0.0, "non_answer", None, None)
_CACHE_LIMIT = 200_000


def _base_confidence(entry: Entry, index: CountryIndex) -> float:
    return index.t(f"confidence_{entry.method}")


def candidates_text(scored: list[tuple[str, float]], index: CountryIndex) -> str | None:
    """'Name (0.83); Name (0.71)' for distinct countries, best first."""
    seen: dict[str, float] = {}
    for iso3, conf in scored:
        seen[iso3] = max(conf, seen.get(iso3, 0.0))
    ranked = sorted(seen.items(), key=lambda kv: (-kv[1], kv[0]))
    return "; ".join(f"{index.display.get(i, i)} ({c:.2f})" for i, c in ranked) or None


def _from_entry(entry: Entry, conf: float, index: CountryIndex) -> Result:
    """Result for a single looked-up entry (ambiguous entries give low confidence + candidates)."""
    if entry.ambiguous:
        amb = index.t("confidence_ambiguous")
        cands = candidates_text([(i, amb) for i in entry.iso3], index)
        return entry.iso3[0], amb, entry.method, cands, entry.region
    cands = (
        candidates_text([(entry.iso3[0], conf)], index)
        if conf < index.t("review_threshold")
        else None
    )
    return entry.iso3[0], conf, entry.method, cands, entry.region


def _hit_confidence(hit: Hit, n_segments: int, index: CountryIndex) -> float:
    conf = _base_confidence(hit.entry, index)
    if hit.entry.kind == "code2" and n_segments > 1:  # 'Springfield, IL': US states look alike
        conf *= index.t("short_code_factor")
    return conf


def _lookalike(text: str, iso3: str, index: CountryIndex) -> tuple[str, float] | None:
    """Another country whose name the whole `text` nearly spells, with its similarity."""
    best = process.extractOne(text, index.fuzzy_keys, scorer=fuzz.ratio,
                              score_cutoff=index.t("lookalike_cutoff") * 100)
    if best is None:
        return None
    entry = index.entries.get(best[0])
    if entry is None or entry.ambiguous or entry.iso3[0] == iso3:
        return None
    return entry.iso3[0], round(best[1] / 100, 4)


def _from_hits(hits: list[Hit], n_segments: int, index: CountryIndex,
               text: str = "") -> Result | None:
    """Pick the country an address-like text names: strongest evidence, later parts breaking ties.

    Several hits agreeing keep the best one's confidence; a single hit inside a longer text is
    discounted; a different country also named (strongly) lowers confidence and is listed.
    """
    if not hits:
        return None
    all_hits = hits
    # A place that only names a street ("Fukang Road") says nothing about where the supplier is.
    hits = [h for h in hits if h.named != "street"] or hits
    firm = [h for h in hits if not h.entry.ambiguous]
    if not firm:  # only ambiguous evidence: agree on a country if every hit allows it
        common = set(hits[0].entry.iso3).intersection(*(h.entry.iso3 for h in hits[1:]))
        best = hits[-1]
        if len(common) == 1:
            return _finish(common.pop(), best, index.t("confidence_ambiguous"), [], all_hits,
                           index)
        return _from_entry(best.entry, 0.0, index)
    winner = max(firm, key=lambda h: (h.strength, h.end))
    iso3 = winner.entry.iso3[0]
    agreeing = [h for h in hits if iso3 in h.entry.iso3]
    conf = max(_hit_confidence(h, n_segments, index) for h in agreeing if not h.entry.ambiguous)
    if len(agreeing) == 1 and not (winner.whole_segment and n_segments == 1):
        conf *= index.t("embedded_factor")
        if n_segments == 1 and winner.start > 0 and winner.entry.method in ("name", "alias"):
            lookalike = _lookalike(text, iso3, index)
            if lookalike is not None:  # 'Caribian Netherlands' is nearly 'Caribbean Netherlands'
                conf *= index.t("qualified_name_factor")
                return _finish(iso3, winner, conf, [], all_hits, index, extra=[lookalike])
    rivals = [
        h
        for h in firm
        if h.entry.iso3[0] != iso3
        and h.strength >= 2.0
        and (h.entry.scan or h.entry.method == "code")
    ]
    if rivals:
        conf *= index.t("conflict_factor")
    return _finish(iso3, winner, conf, rivals, all_hits, index)


def _finish(
    iso3: str, winner: Hit, conf: float, rivals: list[Hit], hits: list[Hit], index: CountryIndex,
    extra: list[tuple[str, float]] | None = None,
) -> Result:
    region = pick_region(iso3, hits, index)
    cands = None
    if conf < index.t("review_threshold"):
        scored = [(iso3, conf), *(extra or [])]
        scored += [
            (h.entry.iso3[0], conf * h.strength / max(winner.strength, 1e-9)) for h in rivals
        ]
        for h in hits:
            if h.entry.ambiguous:
                scored += [(i, index.t("confidence_ambiguous")) for i in h.entry.iso3]
        cands = candidates_text(scored, index)
    return iso3, round(conf, 4), winner.entry.method, cands, region


def pick_region(iso3: str, hits: list[Hit], index: CountryIndex) -> str | None:
    """The sub-national region of interest (Xinjiang) the address places the supplier in, if any.

    Places that only name a street are ignored; places naming a building, company or park are
    ignored when another place of the country is named. When places of the region and places
    elsewhere in the country remain ("Fukang, Dongguan"), the province-level one wins, then the
    larger unit by address order: the last in Latin script (street … city, province), the first
    in Chinese script (province … street).
    """
    places = [h for h in hits if iso3 in h.entry.iso3 and h.entry.method == "place"
              and h.named != "street"]
    plain = [h for h in places if not h.named]
    if plain:
        places = plain
    inside = [h for h in places if h.entry.region_for(iso3)]
    if not inside:
        return None
    if len(inside) == len(places):
        return inside[-1].entry.region_for(iso3)

    def level(h: Hit) -> int:
        return 2 if h.key in index.province_keys else 1

    top = max(level(h) for h in places)
    ranked = [h for h in places if level(h) == top]
    decisive = ranked[0] if has_cjk(ranked[0].key) else ranked[-1]
    return decisive.entry.region_for(iso3)


def _code_number(key: str) -> str | None:
    """Numeric ISO codes lose leading zeros in spreadsheets: '76' -> '076'."""
    if key.isdigit() and 1 <= len(key) <= 2:
        return key.zfill(3)
    return None


def _expand(key: str, index: CountryIndex) -> str:
    """'lao peoples dem rep' -> 'lao peoples democratic republic' (country_abbreviations.csv)."""
    return " ".join(index.abbreviations.get(w, w) for w in key.split())


def _reread(value: str, core: str, index: CountryIndex) -> Result | None:
    """Readings of a whole value before it is scanned as an address.

    * abbreviations spelled out: 'Br. Virgin Isds', 'Dem. People's Rep. of Korea';
    * an exclusion clause dropped: 'China excluding Hong Kong' is China, 'Asia without China'
      no country;
    * a trailing bracket: '(US state)' places the value in that country ('Georgia (US state)');
      a country code or name in it ('American Samoa (US)', 'Bouvet Island (NO)') names the
      territory's sovereign, so the part before the bracket decides.
    """
    for key in (_expand(core, index),):
        entry = index.entries.get(key)
        if key != core and entry is not None and entry.method in ("name", "alias"):
            return _from_entry(entry, _base_confidence(entry, index), index)
    words = core.split()
    for n, word in enumerate(words):
        if n and (word in index.exclusions or " ".join(words[n:n + 2]) in index.exclusions):
            head = " ".join(words[:n])
            found = resolve_one(head, index)
            return NONE if isinstance(found, str) else found
    match = _BRACKET.match(value)
    if match is None:
        return None
    head, inner = match.group(1), normalise(match.group(2))
    parts = inner.split()
    if len(parts) > 1 and parts[-1] in index.subnational:
        sovereign = index.entries.get(" ".join(parts[:-1]))
        if sovereign is not None and not sovereign.ambiguous:
            conf = _base_confidence(sovereign, index) * index.t("embedded_factor")
            return _from_entry(sovereign, conf, index)
        return None
    marker = index.entries.get(inner)
    if marker is None or marker.method not in ("code", "name", "alias"):
        return None
    found = resolve_one(head, index)
    if isinstance(found, str) or found[0] is None:
        return None
    return found


_BRACKET = re.compile(r"^\s*([^()]+?)\s*\(([^()]+)\)\s*$")


def resolve_one(value: str, index: CountryIndex) -> Result | str:
    """Resolve one value without fuzzy matching; returns the cleaned key when fuzzy should try."""
    key = normalise(value)
    if not key or key in index.non_answers:
        return NON_ANSWER
    core = strip_prefixes(key, index.prefixes)
    if not core or core in index.non_answers:
        return NON_ANSWER
    number = _code_number(core)
    if number is not None:  # unpadded numeric code: plausible, but worth a look
        entry = index.entries.get(number)
        if entry is None:
            return NONE
        return _from_entry(entry, index.t("confidence_code") * index.t("short_code_factor"), index)
    entry = index.entries.get(core)
    if entry is not None:
        return _from_entry(entry, _base_confidence(entry, index), index)
    if value.count(",") == 1:  # 'Bahamas, The' / 'Korea, Rep.' written the other way round
        head, _, tail = value.partition(",")
        swapped = index.entries.get(normalise(f"{tail} {head}"))
        if swapped is not None and swapped.method in ("name", "alias"):
            return _from_entry(swapped, _base_confidence(swapped, index), index)
    reread = _reread(value, core, index)
    if reread is not None:
        return reread
    hits, n_segments = find_hits(value, index)
    found = _from_hits(hits, n_segments, index, core)
    if found is not None:
        return found
    if all(part in index.non_answers for part in core.split()):
        return NON_ANSWER
    return core


def _as_list(values: Iterable[str | None] | pl.Series) -> list[str]:
    if isinstance(values, pl.Series):
        series = values.cast(pl.String)
    else:
        series = pl.Series(
            "input", [None if v is None else str(v) for v in values], dtype=pl.String
        )
    return series.drop_nulls().unique(maintain_order=True).to_list()


def resolve_countries(
    values: Iterable[str | None] | pl.Series, reference: ReferenceTables | None = None
) -> pl.DataFrame:
    """One row per distinct non-null value: input, country_iso3, country_confidence,
    country_method, country_candidates, region (see docs/ARCHITECTURE.md).

    `reference` is accepted for the common resolver signature; the matcher's own tables suffice.
    """
    index = load_index(None)
    distinct = _as_list(values)
    results: dict[str, Result] = {}
    pending: dict[str, str] = {}
    for value in distinct:
        cached = index.cache.get(value)
        if cached is not None:
            results[value] = cached
            continue
        outcome = resolve_one(value, index)
        if isinstance(outcome, str):
            pending[value] = outcome
        else:
            results[value] = outcome
    if pending:
        results.update(fuzzy_resolve(pending, index))
    if len(index.cache) > _CACHE_LIMIT:
        index.cache.clear()
    index.cache.update(results)
    rows = [results.get(v, NONE) for v in distinct]
    return pl.DataFrame(
        {
            "input": distinct,
            "country_iso3": [r[0] for r in rows],
            "country_confidence": [float(r[1]) for r in rows],
            "country_method": [r[2] for r in rows],
            "country_candidates": [r[3] for r in rows],
            "region": [r[4] for r in rows],
        },
        schema=SCHEMA,
    )


def country_codes(values: Iterable[str | None]) -> dict[str, str | None]:
    """ISO3 of each distinct non-empty value by `resolve_countries`, or None where it finds no
    country: the code alone, for the countries that come with listed or screened names (they
    only nudge a name's score, so the resolver's confidence is not asked for).

    Values are made distinct (`set`, in C) before any is looked at: a column of 250,000 names'
    countries holds a few hundred."""
    distinct = sorted(v for v in set(values) if v is not None and v.strip())
    if not distinct:
        return {}
    resolved = resolve_countries(distinct)
    return dict(zip(resolved["input"].to_list(), resolved["country_iso3"].to_list(), strict=True))
