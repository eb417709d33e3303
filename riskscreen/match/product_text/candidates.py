"""Step 1: every place a description may name a good, before any veto.

Exact phrases (Aho-Corasick over all distinct descriptions via polars `str.extract_many`),
then the words and word pairs no exact hit covers compared with the one- and two-word
vocabulary (rapidfuzz `process.cdist`, Damerau-Levenshtein: "cottn", "cofee beans"), then
German/Dutch compounds split on a known keyword ("Damenschuhe").
"""

from __future__ import annotations

import numpy as np
import polars as pl
from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein, Indel

from riskscreen.match.product_index import ProductIndex
from riskscreen.match.product_text.spans import HIT_COLUMNS, inside_spans, text_words

__all__ = ["compound_hits", "exact_hits", "fuzzy_hits", "open_ngrams"]

_CHUNK = 4000  # n-grams compared per cdist block (memory: block x vocabulary bytes)
_CROSS_ROWS = 2_000_000  # gram x keyword pairs per block of the compound split (memory)


def exact_hits(texts: pl.DataFrame, index: ProductIndex) -> pl.DataFrame:
    """Every pattern occurrence with its byte span in ' key ' (the space-padded description)."""
    frame = texts.with_columns(padded=" " + pl.col("text") + " ")
    parts = []
    for cjk, column, shift in ((False, "padded", 0), (True, "text", 1)):
        pats = index.patterns.filter(pl.col("cjk") == cjk)["pattern"].to_list()
        if not pats:
            continue
        found = frame.select(
            "key",
            pattern=pl.col(column).str.extract_many(pats, overlapping=True),
            start=pl.col(column).str.find_many(pats, overlapping=True),
        ).explode(["pattern", "start"])
        parts.append(
            found.drop_nulls("pattern").with_columns(pl.col("start").cast(pl.Int64) + shift)
        )
    sizes = texts.select("key", tbytes=pl.col("text").str.len_bytes().cast(pl.Int64))
    hits = (
        pl.concat(parts)
        .unique()
        .join(index.patterns.drop("key"), on="pattern", how="inner")
        .join(sizes, on="key", how="left")
    )
    return (
        hits.with_columns(end=pl.col("start") + pl.col("pattern").str.len_bytes())
        .with_columns(
            fuzzy=pl.lit(False),
            # the hit spans the whole description: ' text ' (Latin) or 'text' at offset 1 (CJK)
            whole=(pl.col("start") <= 1) & (pl.col("end") >= pl.col("tbytes") + 1),
        )
        .with_columns(
            # the whole description is an ILAB good name (any edition)
            confidence=pl.when(pl.col("whole") & pl.col("ilab"))
            .then(pl.lit(index.settings.alias_confidence))
            .otherwise(pl.col("confidence"))
        )
        .select(HIT_COLUMNS)
    )


def open_ngrams(texts: pl.DataFrame, exact: pl.DataFrame, index: ProductIndex) -> pl.DataFrame:
    """Words and word pairs worth a fuzzy look, with their padded byte spans.

    A word qualifies when it is alphabetic, long enough, not a known word (vocabulary or
    descriptor) and not inside an exact hit; a pair qualifies when one of its words does.
    """
    s = index.settings
    known = list(index.descriptors | index.exact_words)
    words = text_words(texts).select("key", "word", "pos", start="w_start", end=pl.col("w_end") + 1)
    # a word inside an exact hit (a hit is never shorter than a padded word it covers)
    covered = (
        pl.concat(
            [
                inside_spans(words, exact),
                words.join(exact, on=["key", "start", "end"], how="semi").select(
                    "key", "start", "end"
                ),
            ]
        )
        .unique()
        .with_columns(covered=pl.lit(True))
    )
    words = (
        words.join(covered, on=["key", "start", "end"], how="left")
        .with_columns(
            pl.col("covered").fill_null(False),
            alpha=pl.col("word").str.contains(r"^[a-z]+$"),
        )
        .with_columns(
            open=~pl.col("covered")
            & pl.col("alpha")
            & (pl.col("word").str.len_chars() >= s.fuzzy_min_length)
            & ~pl.col("word").is_in(known)
        )
    )
    nxt = words.select(
        "key",
        pos=pl.col("pos") - 1,
        n_word="word",
        n_end="end",
        n_alpha="alpha",
        n_open="open",
    )
    pairs = (
        words.join(nxt, on=["key", "pos"])
        .filter(pl.col("alpha") & pl.col("n_alpha") & (pl.col("open") | pl.col("n_open")))
        .select("key", "start", gram=pl.col("word") + " " + pl.col("n_word"), end="n_end")
    )
    singles = words.filter(pl.col("open")).select("key", "start", gram="word", end="end")
    return pl.concat([singles, pairs])


def _acceptable(
    block: list[str], choices: list[str], dist: np.ndarray, index: ProductIndex
) -> np.ndarray:
    """Which (n-gram, vocabulary word) pairs, all sharing a first letter, count as misspellings.

    Long words up to two edits; mid-length words one edit; short words only a missing/extra
    letter or two swapped letters ("bears" is not "beers").
    """
    s = index.settings
    lengths = np.array([len(g) for g in block])[:, None]
    candidate = dist <= 2
    if not candidate.any():
        return candidate
    indel = process.cdist(
        block, choices, scorer=Indel.distance, score_cutoff=2, dtype=np.uint8, workers=1
    )
    long_ok = (lengths >= s.fuzzy_long_length) & (dist <= 2)
    mid_ok = (lengths >= s.fuzzy_substitution_length) & (dist <= 1)
    short_ok = indel <= 1
    ok = candidate & (long_ok | mid_ok | short_ok)
    # one swapped pair: same letters, same length, one Damerau edit
    rows, cols = np.nonzero(candidate & ~ok & (dist == 1))
    for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
        if sorted(block[r]) == sorted(choices[c]):
            ok[r, c] = True
    return ok


def fuzzy_hits(grams: pl.DataFrame, exact: pl.DataFrame, index: ProductIndex) -> pl.DataFrame:
    """Near matches of open n-grams: edit distance 1 (2 from `fuzzy_long_length` characters)."""
    s = index.settings
    vocab = index.fuzzy_words
    distinct = grams["gram"].unique().sort().to_list()
    if not distinct or vocab.height == 0:
        return pl.DataFrame(schema=exact.schema)
    words = vocab["word"].to_list()
    found: list[pl.DataFrame] = []
    # A misspelling keeps its first letter: compare only within the same first letter.
    by_letter: dict[str, list[int]] = {}
    for i, word in enumerate(words):
        by_letter.setdefault(word[0], []).append(i)
    grams_by_letter: dict[str, list[str]] = {}
    for gram in distinct:
        grams_by_letter.setdefault(gram[0], []).append(gram)
    for letter, letter_grams in grams_by_letter.items():
        vidx = np.array(by_letter.get(letter, []), dtype=np.int64)
        if vidx.size == 0:
            continue
        choices = [words[i] for i in vidx.tolist()]
        for lo in range(0, len(letter_grams), _CHUNK):
            block = letter_grams[lo : lo + _CHUNK]
            dist = process.cdist(
                block,
                choices,
                scorer=DamerauLevenshtein.distance,
                score_cutoff=2,
                dtype=np.uint8,
                workers=1,
            )
            rows, cols = np.nonzero(_acceptable(block, choices, dist, index))
            if rows.size:
                found.append(
                    pl.DataFrame(
                        {
                            "gram": [block[r] for r in rows.tolist()],
                            "vidx": vidx[cols],
                            "distance": dist[rows, cols].astype(np.int64),
                        }
                    )
                )
    if not found:
        return pl.DataFrame(schema=exact.schema)
    vocab_idx = vocab.with_row_index("vidx").with_columns(pl.col("vidx").cast(pl.Int64))
    return (
        grams.join(pl.concat(found), on="gram")
        .join(vocab_idx, on="vidx")
        .with_columns(
            confidence=pl.col("confidence") * pl.lit(s.fuzzy_factor).pow(pl.col("distance")),
            ilab=pl.lit(False),
            fuzzy=pl.lit(True),
            whole=pl.lit(False),
        )
        .select(HIT_COLUMNS)
    )


def _compound_splits(distinct: pl.DataFrame, index: ProductIndex) -> pl.DataFrame:
    """The best keyword split of each distinct open word in `distinct` (column `gram`)."""
    s = index.settings
    pairs = (
        distinct.join(index.compounds, how="cross")
        .with_columns(rest=pl.col("gram").str.len_chars() - pl.col("word").str.len_chars())
        .filter(pl.col("rest") >= 3)
    )
    short = pl.col("word").str.len_chars() < s.compound_min_length
    head = pairs.filter(pl.col("gram").str.ends_with(pl.col("word"))).with_columns(
        factor=pl.lit(s.fuzzy_factor)
    )
    # A short head ("garn", "reis") counts only after a known keyword's stem: "Baumwoll|garn"
    # is cotton yarn, "Kauf|preis" is no rice.
    stems = index.compounds.filter(~short).select(stem="word")
    known = (
        head.filter(short)
        .with_columns(stem_part=pl.col("gram").str.head(pl.col("rest")))
        .select("stem_part")
        .unique()
        .join(stems, how="cross")
        .filter(
            (pl.col("stem_part").str.len_chars() >= s.compound_short_length)
            & (
                pl.col("stem").str.starts_with(pl.col("stem_part"))
                | pl.col("stem_part").str.starts_with(pl.col("stem"))
            )
        )
        .select("stem_part")
        .unique()
    )
    head = pl.concat(
        [
            head.filter(~short),
            head.filter(short)
            .with_columns(stem_part=pl.col("gram").str.head(pl.col("rest")))
            .join(known, on="stem_part", how="semi")
            .drop("stem_part"),
        ]
    )
    modifier = pairs.filter(~short & pl.col("gram").str.starts_with(pl.col("word"))).with_columns(
        factor=pl.lit(s.fuzzy_factor**2)
    )
    # One split per word: a head beats a modifier, the longest keyword beats a shorter one
    # ("Arbeitshandschuhe" ends in "handschuhe", gloves, not just "schuhe", shoes).
    found = (
        pl.concat(
            [head.with_columns(is_head=pl.lit(True)), modifier.with_columns(is_head=pl.lit(False))]
        )
        .with_columns(wlen=pl.col("word").str.len_chars())
        .sort(["gram", "is_head", "wlen", "good_id"], descending=[False, True, True, False])
        .group_by("gram", maintain_order=True)
        .first()
    )
    return found


def compound_hits(grams: pl.DataFrame, exact: pl.DataFrame, index: ProductIndex) -> pl.DataFrame:
    """German/Dutch compounds: "Damenschuhe" ends with "schuhe", "Tabakblätter" starts with "tabak".

    The head (suffix) of a compound names the thing; a prefix names its material, so it
    counts for less. Only open words of `fuzzy_long_length`+ letters are split, only on
    keywords of five or more letters ("Kaufpreis" is no rice), and never a word ending in a
    tool noun ("Kaffeemaschine").
    """
    s = index.settings
    tools = sorted(w for w in index.equipment if len(w) >= s.fuzzy_min_length)
    tool_end = f"(?:{'|'.join(tools)})$" if tools else "$^"
    grams = grams.filter(
        ~pl.col("gram").str.contains(" ")
        & (pl.col("gram").str.len_chars() >= s.fuzzy_long_length)
        # "Kaffeemaschine" is a machine, not coffee
        & ~pl.col("gram").str.contains(tool_end)
    )
    if grams.height == 0 or index.compounds.height == 0:
        return pl.DataFrame(schema=exact.schema)
    distinct = grams.select("gram").unique().sort("gram")
    # The gram x keyword cross join is cut into blocks of at most `_CROSS_ROWS` pairs, so
    # 200,000 distinct product codes cost one block's memory, not 200,000 x keywords rows.
    per_block = max(1, _CROSS_ROWS // max(index.compounds.height, 1))
    found = pl.concat(
        [
            _compound_splits(distinct.slice(start, per_block), index)
            for start in range(0, distinct.height, per_block)
        ]
    )
    return (
        grams.join(found, on="gram")
        .with_columns(
            kind=pl.lit("good"),
            sector=pl.lit(None, pl.String),
            confidence=pl.col("confidence") * pl.col("factor"),
            ilab=pl.lit(False),
            fuzzy=pl.lit(False),
            whole=pl.lit(False),
        )
        .select(HIT_COLUMNS)
    )
