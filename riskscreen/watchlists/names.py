"""Screen supplier names against entity watchlists (UFLPA Entity List, CBP WROs, user lists).

Each distinct (name, country) pair is compared with the listed names and aliases it shares
enough words with; the score is a sum of small named features (`features.FEATURES`: name
similarity, weighted token overlap, legal-form-stripped exact, country agreement …) and the
result lists them, so each hit explains itself.
Vendor-master notes ("- DO NOT USE", "[inactive]") are stripped and abbreviations ("CHEM",
"HLDGS") written out first; the features say so, and `name_input` keeps the name as written.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from functools import lru_cache

import numpy as np
import polars as pl
from rapidfuzz import fuzz, process

from riskscreen.contracts import stage_columns
from riskscreen.errors import ReferenceError_
from riskscreen.match.countries import country_codes
from riskscreen.tables import read_table
from riskscreen.threads import ordered_map, thread_count
from riskscreen.watchlists.features import (
    FEATURES,
    TOKEN_OVERLAP,
    feature_columns,
    features_text,
    match_method,
    most_gained,
    name_score,
    qualifier_score,
)
from riskscreen.watchlists.index import EntityIndex, entity_index
from riskscreen.watchlists.load import Watchlists, load_watchlists
from riskscreen.watchlists.name_abbrev import abbreviation_links
from riskscreen.watchlists.name_normalise import NameNormaliser
from riskscreen.watchlists.vendor_notes import strip_note_series

__all__ = ["NameCandidates", "screen_names", "thresholds", "OUTPUT_COLUMNS"]

#: The keys, then the watchlist hit columns of the output contract's table
#: (reference/report_columns.csv, stage "names").
OUTPUT_COLUMNS = ["name_input", "country_input", *stage_columns("names")]

_KEYS = (
    "name_match_threshold",
    "name_review_threshold",
    *(f.weight for f in FEATURES if f.weight),
    "name_token_cutoff",
    "name_token_min_length",
    "name_candidate_similarity",
    "name_candidates_shown",
    "name_chunk_size",
    "name_full_discount",
    "name_abbrev_similarity",
    "name_abbrev_min_prefix",
    "name_abbrev_long_prefix",
    "name_abbrev_long_word",
    "name_batch_size",
    "name_join_common_aliases",
    "name_max_length",
)


@lru_cache(maxsize=1)
def thresholds() -> dict[str, float]:
    """The `name_*` rows of reference/match_thresholds.csv."""
    table = read_table("match_thresholds")
    values = {k: float(v) for k, v in zip(table["key"], table["value"], strict=True) if k in _KEYS}
    missing = [k for k in _KEYS if k not in values]
    if missing:
        raise ReferenceError_(f"match_thresholds.csv lacks {missing}; reinstall riskscreen")
    return values


def _pairs(names: Iterable[str | None], countries: Iterable[str | None] | None) -> pl.DataFrame:
    """Distinct (name, country) pairs in first-seen order; rows without a name are dropped."""
    name_s = pl.Series(
        "name_input", list(names) if not isinstance(names, pl.Series) else names, dtype=pl.String
    )
    if countries is None:
        country_s = pl.Series("country_input", [None] * len(name_s), dtype=pl.String)
    else:
        country_s = pl.Series(
            "country_input",
            list(countries) if not isinstance(countries, pl.Series) else countries,
            dtype=pl.String,
        )
    if len(country_s) != len(name_s):
        raise ValueError("names and countries must have the same length")
    frame = pl.DataFrame([name_s.rename("name_input"), country_s.rename("country_input")])
    return frame.filter(pl.col("name_input").is_not_null()).unique(maintain_order=True)


@lru_cache(maxsize=4)
def _known_words(normaliser: NameNormaliser, min_len: int) -> list[str]:
    """The generic and legal-form words a misspelt word may stand for, sorted (once per run)."""
    return sorted(w for w in normaliser.known_weight if len(w) >= min_len)


def _misspelt_weights(tokens: list[str], index: EntityIndex) -> dict[str, float]:
    """Unknown words that are misspellings of generic or legal-form words ("Corporattion",
    "Internationl") weigh like those words instead of like a distinctive trade name."""
    th = thresholds()
    min_len = int(th["name_token_min_length"])
    # Most unknown words of a vendor master are numbers: polars drops them (and short words)
    # first; `isdigit` then drops the rarer digits `\d` does not know (superscripts).
    words_in = pl.Series(tokens, dtype=pl.String)
    words_in = words_in.filter((words_in.str.len_chars() >= min_len)
                               & ~words_in.str.contains(r"\d"))
    tokens = [t for t in words_in.to_list() if not any(c.isdigit() for c in t)]
    known = index.normaliser.known_weight
    words = _known_words(index.normaliser, min_len)
    if not tokens or not words:
        return {}
    matrix = process.cdist(
        tokens, words, scorer=fuzz.ratio, score_cutoff=th["name_token_cutoff"] * 100, workers=-1
    )
    best = matrix.argmax(axis=1)
    found = matrix[np.arange(len(tokens)), best] > 0
    return {tokens[i]: known[words[best[i]]] for i in np.flatnonzero(found)}


def _queries(
    names: pl.Series, index: EntityIndex
) -> tuple[pl.DataFrame, pl.Series, pl.DataFrame, dict[str, tuple[str, ...]]]:
    """Per distinct name: keys (qid, raw_key, core, full: evenly padded, only compared
    without spaces), what was stripped or expanded
    (vendor_note, expanded); the distinct words of all names; weighted tokens (qid, qtok, qw);
    the words read as abbreviations of listed words."""
    stripped, notes = strip_note_series(names)
    keys = index.normaliser.key_frame(stripped, padded_full=True).with_row_index("qid")
    queries = keys.select(
        "qid",
        names.cast(pl.String).rename("name_input"),
        "raw_key", "core", "full",
        notes.rename("vendor_note"),
        pl.col("expanded").list.join(", ").alias("expanded"),
    )
    token_rows = keys.select("qid", pl.col("tokens").alias("qtok")).explode("qtok").drop_nulls()
    # Listed words weigh as in the index, generic words as in their table, other words 1 ...
    generic = index.normaliser.generic_weight
    known = pl.DataFrame(
        {"qtok": [*index.weights, *(t for t in generic if t not in index.weights)],
         "qw": [*index.weights.values(),
                *(w for t, w in generic.items() if t not in index.weights)]},
        schema={"qtok": pl.String, "qw": pl.Float64},
    )
    tokens = token_rows.join(known, on="qtok", how="left", maintain_order="left")
    # ... unless they are misspellings or abbreviations of known words (never with digits).
    words = token_rows["qtok"].unique(maintain_order=True)
    unknown = words.filter(~words.is_in(known["qtok"].implode()))
    unknown = unknown.filter(~unknown.str.contains(r"\d")).to_list()
    weights = _misspelt_weights(unknown, index)
    # An abbreviation of listed words ("semicon", "whsg") weighs like the word it stands for.
    links = abbreviation_links(unknown, index.weights, index.normaliser.known_weight,
                               thresholds())
    weights.update({t: max(index.weights[a] for a in linked) for t, linked in links.items()})
    weight = pl.col("qw")
    if weights:
        weight = pl.coalesce(weight, pl.col("qtok").replace_strict(
            weights, default=None, return_dtype=pl.Float64))
    tokens = tokens.with_columns(weight.fill_null(1.0).alias("qw"))
    if links:  # say which words were read as abbreviations, beside the table's expansions
        read = token_rows.filter(pl.col("qtok").is_in(list(links))).group_by(
            "qid", maintain_order=True).agg(pl.col("qtok"))
        before = queries["expanded"].gather(read["qid"]).to_list()
        said = {
            qid: ", ".join([*([table] if table else []),
                            *(f"{t}→{'/'.join(links[t])}" for t in toks)])
            for (qid, toks), table in zip(read.iter_rows(), before, strict=True)
        }
        queries = queries.with_columns(
            pl.col("qid").replace_strict(said, default=pl.col("expanded"),
                                         return_dtype=pl.String).alias("expanded"))
    return queries, words, tokens, links


def _token_similarity(
    qtoks: pl.Series, atoks: pl.Series, th: dict[str, float],
    links: dict[str, tuple[str, ...]] | None = None,
) -> pl.DataFrame:
    """(qtok, atok, tsim), sorted: exact token pairs, near spellings of long, digit-free tokens,
    and abbreviations (`links`, see `name_abbrev`); `qtoks` and `atoks` distinct, any order."""
    if not len(qtoks) or not len(atoks):
        return pl.DataFrame(schema={"qtok": pl.String, "atok": pl.String, "tsim": pl.Float64})
    min_len = int(th["name_token_min_length"])

    def fuzzy_ok(words: pl.Series) -> pl.Series:
        """The tokens a near spelling may stand for: long enough and without digits."""
        return words.filter((words.str.len_chars() >= min_len) & ~words.str.contains(r"\d"))

    # Equal tokens match whatever they are; only tokens that may be near spellings of each
    # other are compared (most tokens of a vendor master are numbers, codes or short words).
    qwords, awords = fuzzy_ok(qtoks), fuzzy_ok(atoks)
    cutoff = th["name_token_cutoff"] * 100
    matrix = process.cdist(qwords.to_list(), awords.to_list(), scorer=fuzz.ratio,
                           score_cutoff=cutoff, workers=-1)
    qi, ai = np.nonzero(matrix)
    same = qtoks.filter(qtoks.is_in(atoks.implode()))
    sims = pl.concat([
        pl.DataFrame({"qtok": same, "atok": same, "tsim": np.ones(len(same))},
                     schema={"qtok": pl.String, "atok": pl.String, "tsim": pl.Float64}),
        pl.DataFrame(
            {"qtok": qwords.gather(qi), "atok": awords.gather(ai),
             "tsim": (matrix[qi, ai] / 100.0).astype(np.float64)},
            schema={"qtok": pl.String, "atok": pl.String, "tsim": pl.Float64},
        ),
    ]).unique(subset=["qtok", "atok"], keep="first").sort("qtok", "atok")
    if not links:
        return sims
    abbrev = pl.DataFrame(
        {"qtok": [q for q, linked in links.items() for _ in linked],
         "atok": [a for linked in links.values() for a in linked]},
        schema={"qtok": pl.String, "atok": pl.String},
    ).with_columns(pl.lit(th["name_abbrev_similarity"], dtype=pl.Float64).alias("tsim"))
    return (
        pl.concat([sims, abbrev])
        .group_by("qtok", "atok", maintain_order=True)
        .agg(pl.col("tsim").max())
    )


def _overlap_needed(th: dict[str, float]) -> float:
    """The least `token_overlap` a pair needs to reach the review threshold (see
    `_candidate_pairs`)."""
    return ((th["name_review_threshold"] - most_gained(th, "token_overlap"))
            / th["name_token_overlap_weight"] - 1e-9)


def _same_key_pairs(queries: pl.DataFrame, index: EntityIndex) -> pl.DataFrame:
    """(qid, aid) pairs whose keys are equal as written or once legal forms are stripped."""
    aliases = index.aliases.select("aid", "raw_key", "core")
    same_raw = queries.filter(pl.col("raw_key") != "").select("qid", "raw_key").join(
        aliases.select("aid", "raw_key"), on="raw_key").select("qid", "aid")
    same_core = queries.filter(pl.col("core") != "").select("qid", "core").join(
        aliases.select("aid", "core"), on="core").select("qid", "aid")
    return pl.concat([same_raw, same_core]).with_columns(pl.col("qid", "aid").cast(pl.UInt32))


def _coverage(
    q_tokens: pl.DataFrame, index: EntityIndex, tsim: pl.DataFrame, th: dict[str, float],
    also: pl.DataFrame,
) -> pl.DataFrame:
    """(qid, aid, alias_cov, input_cov): weighted share of each side's tokens found in the other,
    for every pair that can reach the overlap `_candidate_pairs` needs and the pairs `also`.

    Words found in many listed names ("manufacturing") would link most names with hundreds of
    listed names. They are joined only where they can matter: a pair linked only through
    common words has shares at most those words' weighted share of each name (`tsim` <= 1),
    and the token overlap (the harmonic mean of the two shares) grows with both. So such a
    pair is linked only when the harmonic mean of those two bounds reaches the overlap
    needed; every pair kept gets its exact coverage from all its words.
    """
    tok_cols = ["qid", "qtok", "qw", "atok", "tsim", "aid", "aw"]
    common = _common_words(index, th)
    if (q_tokens["qw"] < 0).any() or (index.tokens["aw"] < 0).any():
        common = common.clear()  # the bound below needs weights >= 0
    is_common = pl.col("atok").is_in(common.implode())
    linked = q_tokens.join(tsim, on="qtok")
    rare = linked.filter(~is_common).join(index.tokens, on="atok").select(tok_cols)
    q_common = linked.filter(is_common)
    q_total = q_tokens.group_by("qid").agg(pl.col("qw").sum().alias("q_total"))
    a_total = index.tokens.group_by("aid").agg(pl.col("aw").sum().alias("a_total"))
    through = _through_common(q_common, q_total, index, a_total, is_common, th)
    # The pairs linked by a rare word (or `also`) but not kept above need their common links.
    rest = (
        pl.concat([rare.select("qid", "aid"), also]).unique()
        .join(through, on=["qid", "aid"], how="anti")
        .join(q_common, on="qid").join(index.tokens, on=["aid", "atok"]).select(tok_cols)
    )
    hits = _hits(pl.concat([rare, through, rest]), tsim)
    return (
        hits.join(a_total, on="aid")
        .join(q_total, on="qid")
        .select(
            "qid",
            "aid",
            (pl.col("a_hit") / pl.col("a_total")).clip(0, 1).round(6).alias("alias_cov"),
            (pl.col("q_hit") / pl.col("q_total")).clip(0, 1).round(6).alias("input_cov"),
        )
    )


def _hits(links: pl.DataFrame, tsim: pl.DataFrame) -> pl.DataFrame:
    """(qid, aid, a_hit, q_hit): per pair, the weight of each side's words found in the other
    (each word at its best similarity). `links` holds one row per (pair, query word, listed
    word); only words `tsim` links to two or more words can appear twice on their side, so
    only their rows are reduced to the best one first."""
    multi_a = tsim.filter(pl.len().over("atok") > 1)["atok"].unique()
    multi_q = tsim.filter(pl.len().over("qtok") > 1)["qtok"].unique()
    dup_a = pl.col("atok").is_in(multi_a.implode())
    dup_q = pl.col("qtok").is_in(multi_q.implode())
    parts = [links.select(
        "qid", "aid",
        pl.when(dup_a).then(0.0).otherwise(pl.col("tsim") * pl.col("aw")).alias("a_hit"),
        pl.when(dup_q).then(0.0).otherwise(pl.col("tsim") * pl.col("qw")).alias("q_hit"),
    )]
    if len(multi_a):
        parts.append(
            links.filter(dup_a).group_by("qid", "aid", "atok")
            .agg(pl.col("tsim").max(), pl.col("aw").first())
            .select("qid", "aid", (pl.col("tsim") * pl.col("aw")).alias("a_hit"),
                    pl.lit(0.0).alias("q_hit")))
    if len(multi_q):
        parts.append(
            links.filter(dup_q).group_by("qid", "aid", "qtok")
            .agg(pl.col("tsim").max(), pl.col("qw").first())
            .select("qid", "aid", pl.lit(0.0).alias("a_hit"),
                    (pl.col("tsim") * pl.col("qw")).alias("q_hit")))
    return pl.concat(parts).group_by("qid", "aid").agg(pl.col("a_hit", "q_hit").sum())


def _common_words(index: EntityIndex, th: dict[str, float]) -> pl.Series:
    """Listed words found in more listed names than `name_join_common_aliases`."""
    per_word = index.tokens.group_by("atok").agg(pl.col("aid").n_unique().alias("n"))
    return per_word.filter(pl.col("n") > th["name_join_common_aliases"])["atok"]


def _through_common(
    q_common: pl.DataFrame, q_total: pl.DataFrame, index: EntityIndex, a_total: pl.DataFrame,
    is_common: pl.Expr, th: dict[str, float],
) -> pl.DataFrame:
    """The common-word links (qid, qtok, qw, atok, tsim, aid, aw) of the pairs whose overlap
    can reach the one needed: the harmonic mean of each name's weighted share of common words
    (an upper bound of its coverage by those words) reaches it. Each share must reach half of
    it first (the harmonic mean is below twice the smaller one), which keeps the join small."""
    needed = _overlap_needed(th) - 1e-6
    q_up = (
        q_common.unique(["qid", "qtok"]).group_by("qid").agg(pl.col("qw").sum())
        .join(q_total, on="qid")
        .select("qid", (pl.col("qw") / pl.col("q_total")).alias("q_up"))
        .filter(pl.col("q_up") >= needed / 2)
    )
    a_up = (
        index.tokens.filter(is_common).unique(["aid", "atok"])
        .group_by("aid").agg(pl.col("aw").sum())
        .join(a_total, on="aid")
        .select("aid", (pl.col("aw") / pl.col("a_total")).alias("a_up"))
        .filter(pl.col("a_up") >= needed / 2)
    )
    return (
        q_common.join(q_up, on="qid")
        .join(index.tokens.join(a_up, on="aid"), on="atok")
        .filter(2 * pl.col("q_up") * pl.col("a_up") >= needed * (pl.col("q_up") + pl.col("a_up")))
        .select("qid", "qtok", "qw", "atok", "tsim", "aid", "aw")
    )


def _candidate_pairs(cover: pl.DataFrame, same: pl.DataFrame, th: dict[str, float]) -> pl.DataFrame:
    """(qid, aid, alias_cov, input_cov) of the pairs that can reach the review threshold,
    sorted; only these are scored (coverage 0 for a `same` pair that shares no word).

    A pair's score is at most `token_overlap` times its weight plus every other feature that
    adds at its best (`most_gained`) unless it is exact or equal once legal forms are stripped
    (`same`). Pairs that share no word (overlap 0) or too few can therefore never be a hit or a
    near miss shown for review: comparing every distinct name with every listed name (a vendor
    master has hundreds of thousands) is not needed.
    """
    cover = cover.with_columns(pl.col("qid", "aid").cast(pl.UInt32))
    keep = TOKEN_OVERLAP >= _overlap_needed(th)
    if not same.height:
        return cover.filter(keep).sort("qid", "aid")
    pair = pl.col("qid").cast(pl.UInt64) * (1 << 32) + pl.col("aid").cast(pl.UInt64)
    same = same.unique()
    same_pairs, covered = same.select(pair)["qid"], cover.select(pair)["qid"]
    uncovered = same.filter(~same_pairs.is_in(covered.implode())).with_columns(
        pl.lit(0.0).alias("alias_cov"), pl.lit(0.0).alias("input_cov"))
    return pl.concat(
        [cover.filter(keep | pair.is_in(same_pairs.implode())), uncovered]).sort("qid", "aid")


def _name_similarity(
    pairs: pl.DataFrame, queries: pl.DataFrame, index: EntityIndex, th: dict[str, float],
) -> np.ndarray:
    """Whole-name similarity (0-1) of each (qid, aid) pair, computed pairwise in blocks.

    The compact forms (no spaces) are made for the pairs' names only; the listed names'
    strings are taken from arrays (a few hundred names, gathered without a copy)."""
    listed = {c: np.array(index.aliases[c].to_list(), dtype=object)
              for c in ("core", "compact", "full_compact")}
    sims = [np.zeros(0)]
    chunk = int(th["name_chunk_size"]) * 64  # pairs per block: pairwise, not block x listed
    for start in range(0, pairs.height, chunk):
        block = pairs.slice(start, chunk)
        q = queries.select("core", "full")[block["qid"].to_numpy()].select(
            "core",
            pl.col("core").str.replace_all(" ", "", literal=True).alias("compact"),
            pl.col("full").str.replace_all(" ", "", literal=True).alias("full_compact"),
        )
        aid = block["aid"].to_numpy()
        sort_sim = process.cpdist(q["core"].to_list(), listed["core"][aid].tolist(),
                                  scorer=fuzz.token_sort_ratio, workers=-1)
        compact_sim = process.cpdist(q["compact"].to_list(), listed["compact"][aid].tolist(),
                                     scorer=fuzz.ratio, workers=-1)
        # Whole-name similarity (legal forms kept) rescues names whose legal form is misspelt
        # so it was not stripped ("有公限司"); it is discounted because forms inflate it.
        full_sim = process.cpdist(q["full_compact"].to_list(),
                                  listed["full_compact"][aid].tolist(),
                                  scorer=fuzz.ratio, workers=-1) * th["name_full_discount"]
        sims.append(np.maximum(np.maximum(sort_sim, compact_sim), full_sim) / 100.0)
    return np.concatenate(sims)


def _name_scores(
    queries: pl.DataFrame, words: pl.Series, q_tokens: pl.DataFrame, index: EntityIndex,
    th: dict[str, float], links: dict[str, tuple[str, ...]] | None = None,
) -> pl.DataFrame:
    """Candidate (qid, aid) pairs with their name-only features and base score, those whose
    base can make a hit or a near miss (`_base_needed`); `words` are the distinct `qtok` of
    `q_tokens`. A qid is its row of `queries`, an aid its row of `index.aliases`: their
    columns are gathered, not joined."""
    tsim = _token_similarity(words, index.tokens["atok"].unique(), th, links)
    same = _same_key_pairs(queries, index)
    cover = _coverage(q_tokens, index, tsim, th, same)
    pairs = _candidate_pairs(cover, same, th)
    qid, aid = pairs["qid"], pairs["aid"]
    return (
        pairs.select(
            "qid", "aid",
            pl.Series("name_similarity", _name_similarity(pairs, queries, index, th),
                      dtype=pl.Float64),
            "alias_cov", "input_cov",
            *(queries[c].gather(qid) for c in ("raw_key", "core", "vendor_note", "expanded")),
            index.aliases["raw_key"].gather(aid).alias("a_raw"),
            index.aliases["core"].gather(aid).alias("a_core"),
        )
        .with_columns(feature_columns(qualifiers=False))
        .with_columns(name_score(th).alias("base"), match_method().alias("method"))
        .filter(pl.col("base") >= _base_needed(th))
        .drop("raw_key", "core", "a_raw", "a_core")
    )


def _base_needed(th: dict[str, float]) -> float:
    """The least base score a pair needs to be the hit or shown for review in `screen_names`:
    the lower threshold less every qualifier that adds (the best country nudge) and the
    rounding of scores to 4 decimals. Pairs below it can be neither in any country, so they
    are not kept (on a vendor master, most pairs worth comparing by their words)."""
    lowest = min(th["name_match_threshold"], th["name_review_threshold"])
    if lowest <= 0:
        return -np.inf  # every (clipped) score reaches it
    nudge = sum(th[f.weight] for f in FEATURES if f.qualifier and f.weight and f.sign > 0)
    return lowest - nudge - 5e-5 - 1e-9


def _unseen(names: pl.Series, seen: pl.Series) -> pl.Series:
    """`names` not in `seen`, in order (a hash join: `is_in` is slow on long string lists)."""
    if not len(seen) or not len(names):
        return names.rename("name_input")
    return names.rename("name_input").to_frame().join(
        seen.rename("name_input").to_frame(), on="name_input", how="anti",
        maintain_order="left")["name_input"]


def _first_in_run(key: str) -> pl.Expr:
    """True on the first row of each run of equal `key` (the rows are sorted by it)."""
    return pl.col(key).ne_missing(pl.col(key).shift(1))


def _rank_in_run(key: str) -> pl.Expr:
    """0, 1, 2 … down each run of equal `key`: a row's place in its group when the rows are
    sorted by `key` (no group-by needed)."""
    row = pl.int_range(pl.len(), dtype=pl.UInt32)
    return row - pl.when(_first_in_run(key)).then(row).forward_fill()


def _batch_candidates(batch: pl.Series, index: EntityIndex) -> pl.DataFrame:
    """`NameCandidates` rows of one batch of distinct names."""
    queries, words, q_tokens, links = _queries(batch, index)
    scored = _name_scores(queries, words, q_tokens, index, thresholds(), links)
    return scored.with_columns(queries["name_input"].gather(scored["qid"])).drop("qid")


def _in_batches(names: pl.Series) -> list[pl.Series]:
    """`names` in slices of `name_batch_size`: bounded memory, and a name's candidates do not
    depend on the other names of its batch."""
    size = int(thresholds()["name_batch_size"])
    return [names.slice(start, size) for start in range(0, len(names), size)]


class NameCandidates:
    """The listed names each distinct supplier name may match, with their name features — the
    part of screening that does not depend on the country — kept for the names screened so far.
    A listed name is kept only when its base score can make it the hit or a near miss shown
    for review with the best country nudge (`_base_needed`).

    A name seen again (with another country, or in a later chunk of the same input) is not
    normalised or compared again; new names are done `name_batch_size` at a time (bounded
    memory; a name's candidates do not depend on the other names of its batch), the batches on
    `threads.thread_count()` threads. Only names that have a candidate hold rows, so the memory
    is the distinct names plus their candidates. Safe to share between threads (chunks screened
    at once): a name done by two of them at the same time is kept once.

    `complete` says every name the run will ask about is done, or being done by `prime` (which
    does the whole input first): `of` then hands back the rows without looking for new names,
    and a caller that needs the first n names of `prime` waits for them (`wait_for`).
    """

    def __init__(self) -> None:
        self.seen = pl.Series("name_input", [], dtype=pl.String)
        self.rows: pl.DataFrame | None = None
        self.complete = False
        self._named: tuple[pl.DataFrame, pl.DataFrame] | None = None
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._done = 0
        self._error: BaseException | None = None

    def prime(self, names: pl.Series, index: EntityIndex) -> None:
        """Do every name of `names` (distinct, first-seen order) on a fresh cache, batch by batch
        in order, keeping each batch's rows as soon as it and those before it are done, so that
        the first chunks of an input go on before the last names are done (`wait_for`)."""
        if len(self.seen) or self.rows is not None:
            raise ValueError("NameCandidates.prime needs a fresh cache")
        self.complete = True
        batches = _in_batches(names)
        found = ordered_map(lambda b: _batch_candidates(b, index), batches, thread_count())
        for batch, rows in zip(batches, found, strict=True):
            with self._changed:
                self.rows = rows if self.rows is None else pl.concat([self.rows, rows])
                self.seen = pl.concat([self.seen, batch.rename("name_input")])
                self._done += len(batch)
                self._changed.notify_all()

    def fail(self, error: BaseException) -> None:
        """`prime` stopped on `error`: whoever waits for its names gets the error instead."""
        with self._changed:
            self._error = error
            self._changed.notify_all()

    def wait_for(self, count: int) -> None:
        """Return once the first `count` names given to `prime` are done (or raise its error)."""
        with self._changed:
            while self._done < count and self._error is None:
                self._changed.wait()
            if self._done < count and self._error is not None:
                raise self._error

    def named(self) -> pl.DataFrame:
        """The distinct names (`name_input`) that have at least one candidate row."""
        with self._lock:
            rows, named = self.rows, self._named
        if rows is None:
            return pl.DataFrame(schema={"name_input": pl.String})
        if named is not None and named[0] is rows:
            return named[1]
        found = rows.select(pl.col("name_input").unique())
        with self._lock:
            self._named = (rows, found)
        return found

    def of(self, names: pl.Series, index: EntityIndex) -> pl.DataFrame:
        """Candidate rows (`name_input`, `aid`, name features, `base`, `method`) of `names`
        (distinct); every listed name of this run's watchlists is one `index`."""
        with self._lock:
            seen, rows = self.seen, self.rows
            if self.complete and rows is not None:
                return rows
        new = _unseen(names, seen)
        if rows is not None and not len(new):
            return rows
        batches = _in_batches(new) or [new]
        found = pl.concat(list(ordered_map(lambda b: _batch_candidates(b, index), batches,
                                           thread_count())))
        with self._lock:  # another thread may have done some of these names meanwhile
            if len(self.seen) > len(seen):
                new = _unseen(new, self.seen)
                found = found.join(new.to_frame(), on="name_input", how="semi")
            self.rows = found if self.rows is None else pl.concat([self.rows, found])
            self.seen = pl.concat([self.seen, new.rename("name_input")])
            return self.rows


def screen_names(
    names: Iterable[str | None],
    countries: Iterable[str | None] | None = None,
    watchlists: Watchlists | None = None,
    candidates: NameCandidates | None = None,
) -> pl.DataFrame:
    """One row per distinct (name, country) pair with the best watchlist hit and its reasons.

    `countries` runs parallel to `names` (ISO3 codes or country names); the country only
    nudges the score. Only entity-shaped entries are matched; a hit's `watchlist_status` says
    whether the order is active, modified or revoked. Columns: `OUTPUT_COLUMNS`.
    `candidates` keeps the names' country-independent work between calls (chunks of a run).
    """
    wl = watchlists if watchlists is not None else load_watchlists()
    th = thresholds()
    pairs = _pairs(names, countries)
    index = entity_index(wl)
    cache = candidates if candidates is not None else NameCandidates()
    scored = cache.of(pairs["name_input"].unique(maintain_order=True), index)

    iso = country_codes(pairs["country_input"].to_list())
    pair_keys = pairs.with_row_index("pid").with_columns(
        pl.col("country_input")
        .replace_strict(iso, default=None, return_dtype=pl.String)
        .alias("iso3")
    )
    meta = index.aliases.select(
        "aid",
        "entry_id",
        "list_id",
        "name",
        "alias",
        "country",
        "section",
        "date",
        "status",
        "source",
        # entry_id's order as a number: the ranking sorts and de-duplicates on numbers only
        pl.col("entry_id").rank("dense").alias("_entry"),
    )
    match_t, review_t = th["name_match_threshold"], th["name_review_threshold"]
    ranked = (
        pair_keys.select("pid", "name_input", "iso3")
        .join(scored, on="name_input")
        .join(meta, on="aid")
        .with_columns(feature_columns(qualifiers=True))
        # Rounded so that float summation order (parallel group-bys) never changes a result.
        .with_columns(
            (pl.col("base") + qualifier_score(th)).clip(0.0, 1.0).round(4).alias("score")
        )
        # below both thresholds a listed name is neither the hit nor shown: dropped first
        .filter(pl.col("score") >= min(match_t, review_t))
        .sort(["pid", "score", "_entry", "aid"], descending=[False, True, False, False])
        .unique(subset=["pid", "_entry"], keep="first", maintain_order=True)
    )
    best = ranked.filter(_first_in_run("pid") & (pl.col("score") >= match_t))
    shown = int(th["name_candidates_shown"])
    near = (
        ranked.join(best.select("pid", pl.col("entry_id").alias("hit")), on="pid", how="left",
                    maintain_order="left")
        .filter((pl.col("entry_id") != pl.col("hit").fill_null("")) & (pl.col("score") >= review_t))
        .filter(_rank_in_run("pid") < shown)
        .group_by("pid", maintain_order=True)
        .agg(
            pl.format("{} [{}] ({})", pl.col("alias"), pl.col("list_id"), pl.col("score").round(2))
            .str.join("; ")
            .alias("watchlist_candidates")
        )
    )
    hits = best.select(
        "pid",
        pl.col("name").alias("watchlist_name"),
        pl.col("list_id").alias("watchlist_list"),
        pl.col("source").alias("watchlist_source"),
        pl.col("entry_id").alias("watchlist_entry_id"),
        pl.col("section").alias("watchlist_section"),
        pl.col("date").alias("watchlist_date"),
        pl.col("status").alias("watchlist_status"),
        pl.col("alias").alias("watchlist_alias"),
        pl.col("score").alias("watchlist_score"),
        pl.col("method").alias("watchlist_method"),
        features_text(th).alias("watchlist_features"),
    )
    return (
        pair_keys.select("pid", "name_input", "country_input")
        .join(hits, on="pid", how="left")
        .join(near, on="pid", how="left")
        .with_columns(
            pl.col("watchlist_score").fill_null(0.0).cast(pl.Float64),
            pl.col("watchlist_method").fill_null("none"),
        )
        .sort("pid")
        .select(OUTPUT_COLUMNS)
    )
