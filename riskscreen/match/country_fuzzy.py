"""Fuzzy pass for country values nothing matched exactly: one rapidfuzz `cdist` over all of them.

Typos ('Bangaldesh', 'Phillipines') resolve with a confidence below 1; near ties between
countries lower it further and list the candidates; a closest match that is a non-answer
('unknwn') stays a non-answer.
"""

from __future__ import annotations

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from riskscreen.match.country_index import CountryIndex
from riskscreen.match.country_scan import segments
from riskscreen.match.normalise import is_latin

_TOP = 5
_CHUNK = 2048


def _queries(
    pending: dict[str, str], index: CountryIndex
) -> tuple[list[str], list[str], list[bool]]:
    """(owner value, query text, places allowed) triples.

    A single-part value is compared as a whole, against places too; a multi-part value (an
    address) only by its last part and only against country names, since street and district
    names are too often one letter away from some place.
    """
    owners: list[str] = []
    queries: list[str] = []
    with_places: list[bool] = []
    min_len = int(index.t("fuzzy_min_length"))
    for value, core in pending.items():
        parts = segments(value, index)
        text, places_ok = (core, True) if len(parts) <= 1 else (" ".join(parts[-1]), False)
        if len(text) >= min_len and is_latin(text):
            owners.append(value)
            queries.append(text)
            with_places.append(places_ok)
    return owners, queries, with_places


def fuzzy_resolve(pending: dict[str, str], index: CountryIndex) -> dict[str, tuple]:
    """Best fuzzy country for each value in `pending` (value -> cleaned key); misses are 'none'."""
    owners, queries, with_places = _queries(pending, index)
    out: dict[str, tuple] = {v: (None, 0.0, "none", None, None) for v in pending}
    if not queries or not index.fuzzy_keys:
        return out
    for lo in range(0, len(queries), _CHUNK):  # bounded memory: CHUNK x keys float32 matrices
        hi = lo + _CHUNK
        ranked_rows = _rank_chunk(queries[lo:hi], with_places[lo:hi], index)
        for value, ranked in zip(owners[lo:hi], ranked_rows, strict=True):
            if ranked:
                out[value] = _decide(ranked, index)
    return out


def _rank_chunk(
    queries: list[str], with_places: list[bool], index: CountryIndex
) -> list[list[tuple[str, float, float]]]:
    """Per query, the keys above its cutoff as (key, similarity, osa), best first."""
    keys = index.fuzzy_keys
    long_len = index.t("fuzzy_long_length")
    short = np.array([len(q) < long_len for q in queries])
    cutoff = np.where(short, index.t("fuzzy_cutoff"), index.t("fuzzy_long_cutoff")) - 1e-6
    scores = process.cdist(
        queries,
        keys,
        scorer=fuzz.ratio,
        dtype=np.float32,
        score_cutoff=cutoff.min() * 100,
        workers=-1,
    )
    scores /= 100
    # Typos rarely hit the first letter: short queries must share it ('Zalau' is not 'Palau').
    first_q = np.array([q[0] for q in queries])
    scores[(first_q[:, None] != index.fuzzy_first[None, :]) & short[:, None]] = 0
    scores[~np.array(with_places)[:, None] & index.fuzzy_place_mask[None, :]] = 0
    rows, cols = np.nonzero(scores >= cutoff[:, None])
    ranked_rows: list[list[tuple[str, float, float]]] = [[] for _ in queries]
    for row, col in zip(rows.tolist(), cols.tolist(), strict=True):
        # Transposition-aware OSA breaks ties: 'Chnia' is one swap from 'China' but two
        # edits from Romanian 'Cehia', which the Indel ratio scores the same.
        osa = OSA.normalized_similarity(queries[row], keys[col])
        ranked_rows[row].append((keys[col], max(float(scores[row, col]), osa), osa))
    for ranked in ranked_rows:
        ranked.sort(key=lambda k: (-round(k[1], 4), -round(k[2], 4), _tier(k[0], index), k[0]))
        del ranked[_TOP:]
    return ranked_rows


def _tier(key: str, index: CountryIndex) -> int:
    entry = index.entries.get(key)
    return -1 if entry is None else entry.tier  # non-answers first on ties


def _decide(ranked: list[tuple[str, float, float]], index: CountryIndex) -> tuple:
    """Turn ranked (key, similarity, osa) triples into a result; non-answers win ties.

    Confidence is the similarity (times the place / ambiguity weight), lowered when another
    country is about as close; candidates show each country's raw similarity.
    """
    top_key = ranked[0][0]
    if top_key in index.non_answers and top_key not in index.entries:
        return (None, 0.0, "non_answer", None, None)
    scored: list[tuple[str, float, float, float, str | None]] = []
    for key, score, osa in ranked:
        entry = index.entries.get(key)
        if entry is None:  # a non-answer close behind: doubt
            scored.append(("", score, score, osa, None))
            continue
        weight = index.t("confidence_place") if entry.method == "place" else 1.0
        if entry.ambiguous:
            weight = index.t("confidence_ambiguous")
        for iso3 in entry.iso3:
            scored.append((iso3, score * weight, score, osa, entry.region_for(iso3)))
    scored.sort(key=lambda s: -s[1])  # stable: similarity order breaks weighted ties
    iso3, conf, raw, osa_best, region = scored[0]
    if not iso3:
        return (None, 0.0, "non_answer", None, None)
    conf = min(conf, 0.99)
    margin = index.t("fuzzy_margin")
    rivals = [
        s for s in scored if s[0] != iso3 and s[2] >= raw - margin and s[3] >= osa_best - margin
    ]
    if rivals:
        conf *= index.t("conflict_factor")
    cands = None
    if conf < index.t("review_threshold"):
        shown: dict[str, float] = {iso3: raw}
        for i, _, r, _, _ in scored:
            if i and r > shown.get(i, 0.0):
                shown[i] = r
        top = [(iso3, raw)] + sorted(
            ((i, r) for i, r in shown.items() if i != iso3), key=lambda kv: (-kv[1], kv[0])
        )
        cands = "; ".join(f"{index.display.get(i, i)} ({r:.2f})" for i, r in top[:3])
    return (iso3, round(conf, 4), "fuzzy", cands, region)
