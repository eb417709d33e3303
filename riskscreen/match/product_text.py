"""Match normalised product descriptions to goods: whole-word phrases, then misspelt words.

All distinct descriptions are searched at once (Aho-Corasick via polars `str.extract_many`).
Words and word pairs not covered by an exact hit are compared with the one- and two-word
vocabulary (rapidfuzz `process.cdist`, Damerau-Levenshtein) to catch "cottn", "cofee beans".
A hit inside a longer hit is dropped ("cotton" inside "cotton yarn", "gold" inside "gold
plated"); a service word vetoes goods; a good named only as what something is for, made of or
coloured like is dropped (`_context_vetoed`, `_modifier_vetoed`: "teak oil for furniture", "gold
spray paint", "rubber mallet", "sac en cuir"); a material or crop that may only describe an
article no table knows keeps its rank at review confidence (`_unknown_head_doubted`: "bamboo
toothbrush", "passport holder leather"); the best good has the highest priority, then
confidence, then the longest span.
"""

from __future__ import annotations

import numpy as np
import polars as pl
from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein, Indel

from riskscreen.match.product_index import ProductIndex

CANDIDATE = pl.Struct({"good_id": pl.String, "confidence": pl.Float64})
TEXT_SCHEMA = {
    "key": pl.String,
    "t_good_id": pl.String,
    "t_confidence": pl.Float64,
    "t_method": pl.String,
    "t_sector": pl.String,
    "t_candidates": pl.List(CANDIDATE),
}
_ROWS = {**TEXT_SCHEMA, "key": pl.UInt32}  # internal: descriptions keyed by a row id
HIT_COLUMNS = [
    "key",
    "start",
    "end",
    "kind",
    "good_id",
    "sector",
    "priority",
    "confidence",
    "ilab",
    "fuzzy",
    "whole",
    "lang",
]
_CHUNK = 4000
# Word order of the keyword languages: does a material adjective come before its noun?
_ADJECTIVE_FIRST = ["en", "de", "nl"]
_ADJECTIVE_AFTER = [
    "fr",
    "es",
    "it",
    "pt",
    "id",
]  # n-grams compared per cdist block (memory: block x vocabulary bytes)


def _exact_hits(texts: pl.DataFrame, index: ProductIndex) -> pl.DataFrame:
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


def _ngrams(texts: pl.DataFrame, exact: pl.DataFrame, index: ProductIndex) -> pl.DataFrame:
    """Words and word pairs worth a fuzzy look, with their padded byte spans.

    A word qualifies when it is alphabetic, long enough, not a known word (vocabulary or
    descriptor) and not inside an exact hit; a pair qualifies when one of its words does.
    """
    s = index.settings
    known = list(index.descriptors | index.exact_words)
    words = _words(texts).select(
        "key", "word", "pos", start="w_start", end=pl.col("w_end") + 1
    )
    # a word inside an exact hit (a hit is never shorter than a padded word it covers)
    covered = (
        pl.concat(
            [
                _inside(words, exact),
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


_CROSS_ROWS = 2_000_000


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


def _compound_hits(grams: pl.DataFrame, exact: pl.DataFrame, index: ProductIndex) -> pl.DataFrame:
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


def _equipment_vetoed(hits: pl.DataFrame, texts: pl.DataFrame, index: ProductIndex) -> pl.DataFrame:
    """Drop goods named as what a tool or vessel is for.

    A good's word right before a tool word ("cement mixer") names the tool; right before a
    vessel word ("coffee mug") it names the vessel when the good is a crop or food
    (Agriculture); "ceramic mugs" stay ceramics.
    """
    if not (index.equipment or index.containers):
        return hits
    words = (
        texts.select("key", word=pl.col("text").str.split(" "))
        .explode("word")
        .with_columns(blen=pl.col("word").str.len_bytes().cast(pl.Int64))
        .with_columns(start=(pl.col("blen") + 1).cum_sum().over("key") - (pl.col("blen") + 1))
    )
    nxt = words.filter(pl.col("word").is_in(list(index.equipment | index.containers))).select(
        "key",
        "start",
        w_end=pl.col("start") + pl.col("blen") + 2,
        vessel=pl.col("word").is_in(list(index.containers)),
    )
    # "machine made" is a negative phrase: its "machine" is no tool.
    negative = hits.filter(pl.col("kind") == "negative")
    phrased = _inside(nxt.rename({"w_end": "end"}), negative)
    nxt = nxt.join(phrased.rename({"end": "w_end"}), on=["key", "start", "w_end"], how="anti")
    sectors = index.goods.select("good_id", "good_sector")
    tool = (
        hits.filter(pl.col("kind") == "good")
        .join(nxt, left_on=["key", pl.col("end") - 1], right_on=["key", "start"], how="inner")
        .join(sectors, on="good_id", how="left")
        .filter(~pl.col("vessel") | (pl.col("good_sector") == "Agriculture"))
    )
    return hits.join(tool.select("key", "start", "end"), on=["key", "start", "end"], how="anti")


def _words(texts: pl.DataFrame) -> pl.DataFrame:
    """One row per word: key, word, pos, and its span in the padded text (w_start = the
    space before it, w_end = the space after it; a hit over the word is (w_start, w_end + 1))."""
    return (
        texts.select("key", word=pl.col("text").str.split(" "))
        .explode("word")
        .with_columns(blen=pl.col("word").str.len_bytes().cast(pl.Int64))
        .with_columns(
            w_start=(pl.col("blen") + 1).cum_sum().over("key") - (pl.col("blen") + 1),
            pos=pl.int_range(pl.len()).over("key"),
        )
        .with_columns(w_end=pl.col("w_start") + pl.col("blen") + 1)
    )


def _context_vetoed(hits: pl.DataFrame, words: pl.DataFrame, index: ProductIndex) -> pl.DataFrame:
    """Drop goods that only describe something else in the same description.

    * A good right after a purpose word ("for", "pour", "fur") is what the item is for:
      "teak oil for furniture", "fertiliser for coffee".
    * A material or crop (priority <= `article_veto_priority`) named anywhere before an
      unlisted article word (stopword kind `article`: paint, candle, valve) is that article's
      material, colour or scent: "gold spray paint", "coconut scented candle", "brass ball
      valve". A tool word (stopword kind `equipment`) anywhere after it counts too: "matcha
      latte machine", "salt water pump". Finished articles (priority 3) are not affected.
    """
    goods = hits.filter(pl.col("kind") == "good")
    purpose = hits.filter(pl.col("kind") == "purpose").select("key", start=pl.col("end") - 1)
    tools = words.filter(pl.col("word").is_in(list(index.equipment))).select(
        "key", start="w_start", end=pl.col("w_end") + 1
    )
    # "machine made" is a negative phrase: its "machine" is no tool
    tools = tools.join(
        _inside(tools, hits.filter(pl.col("kind") == "negative")),
        on=["key", "start", "end"],
        how="anti",
    )
    # An article or tool after a purpose word is what the item is for, not what it is:
    # "coffee beans for espresso machines" stay coffee.
    first_purpose = purpose.group_by("key").agg(p_start=pl.col("start").min())
    article = (
        pl.concat(
            [
                hits.filter(pl.col("kind") == "article").select("key", "start"),
                tools.select("key", "start"),
            ]
        )
        .join(first_purpose, on="key", how="left")
        .filter(pl.col("p_start").is_null() | (pl.col("start") < pl.col("p_start")))
        .group_by("key")
        .agg(a_start=pl.col("start").max())
    )
    after_purpose = goods.join(purpose, on=["key", "start"], how="semi")
    # A finished article named in the singular right before an article word names what that
    # article is for: "carpet adhesive", "football paint" (English order; a plural is itself
    # the head noun: "roofing nails umbrella head").
    singular = words.select("key", "w_end", plural=pl.col("word").str.ends_with("s"))
    adjacent = (
        goods.filter(
            (pl.col("priority") > index.settings.article_veto_priority)
            & pl.col("lang").is_in(_ADJECTIVE_FIRST)
        )
        .join(singular, left_on=["key", pl.col("end") - 1], right_on=["key", "w_end"], how="left")
        .filter(~pl.col("plural").fill_null(True))
    ).join(
        hits.filter(pl.col("kind") == "article").select("key", "start"),
        left_on=["key", pl.col("end") - 1],
        right_on=["key", "start"],
        how="semi",
    )
    before_article = goods.join(article, on="key", how="inner").filter(
        (pl.col("priority") <= index.settings.article_veto_priority)
        & (pl.col("end") <= pl.col("a_start") + 1)
    )
    dropped = pl.concat(
        [
            after_purpose.select("key", "start", "end"),
            before_article.select("key", "start", "end"),
            adjacent.select("key", "start", "end"),
        ]
    )
    return hits.join(dropped.unique(), on=["key", "start", "end"], how="anti")


def _modifier_vetoed(hits: pl.DataFrame, words: pl.DataFrame, index: ProductIndex) -> pl.DataFrame:
    """Drop a raw material (priority <= `material_priority`) that only says what an unnamed
    article is made of.

    * English order: the material right before a word the vocabulary does not know
      ("cotton nightshirt", "leather card holder", "rubber mallet"): that word is the article.
      In French, Spanish, Italian, Portuguese and Indonesian the unknown word comes first
      ("chaussettes coton").
      Known words (a word of any good or sector keyword, a descriptor or qualifier such as a
      colour) and numbers keep it:
      "cotton bales", "leather black 1.2mm".
    * Romance/Germanic order: the material after a linking word (stopword kind `linker`: de,
      en, di, of, aus) that follows another word ("sac en cuir", "botas de cuero").
    The article itself may be unlisted, so nothing replaces the material: no good is better
    than a false flag.
    """
    s = index.settings
    known = list(index.good_words | index.descriptors)
    material = hits.filter(
        (pl.col("kind") == "good") & (pl.col("priority") <= s.material_priority)
    ).select("key", "start", "end", "lang")
    if material.height == 0:
        return hits
    unknown = words.filter(
        pl.col("word").str.contains(r"^[a-z]+$")
        & (pl.col("word").str.len_chars() >= s.article_min_length)
        & ~pl.col("word").is_in(known)
    ).select("key", "w_start")
    # One-word keywords only ("cotton bales SJV" names the material in full). Where the
    # adjective comes first (English, Dutch, German) the article follows the material; where
    # it follows the noun ("cuero curtido", "karet alam") the article comes before it
    # ("chaussettes coton").
    one_word = words.select("key", start="w_start", end=pl.col("w_end") + 1)
    single = material.join(one_word, on=["key", "start", "end"], how="semi")
    before_article = single.filter(pl.col("lang").is_in(_ADJECTIVE_FIRST)).join(
        unknown, left_on=["key", pl.col("end") - 1], right_on=["key", "w_start"], how="semi"
    )
    after_article = single.filter(pl.col("lang").is_in(_ADJECTIVE_AFTER)).join(
        unknown.join(words.select("key", "w_start", "w_end"), on=["key", "w_start"]),
        left_on=["key", "start"],
        right_on=["key", "w_end"],
        how="semi",
    )
    linkers = words.filter(pl.col("word").is_in(list(index.linkers)) & (pl.col("pos") > 0))
    after_linker = material.join(
        linkers.select("key", "w_end"),
        left_on=["key", "start"],
        right_on=["key", "w_end"],
        how="semi",
    )
    dropped = (
        pl.concat([before_article, after_article, after_linker])
        .select("key", "start", "end")
        .unique()
    )
    return hits.join(dropped, on=["key", "start", "end"], how="anti")


def _shade_vetoed(hits: pl.DataFrame, words: pl.DataFrame, index: ProductIndex) -> pl.DataFrame:
    """Drop a good named by a one-word colour or variety word (stopword kind `shade`: amber,
    gold, charcoal, emerald, milk) named right next to another good: the word then says what
    that good looks like or which kind it is ("amber glass bottles", "pineapples
    gold", "chocolate bars milk"). Alone it still names its good ("gold bars 999").
    """
    if not index.shades:
        return hits
    goods = hits.filter(pl.col("kind") == "good")
    one_word = words.filter(pl.col("word").is_in(list(index.shades))).select(
        "key", start="w_start", end=pl.col("w_end") + 1
    )
    shade = goods.join(one_word, on=["key", "start", "end"], how="semi")
    if shade.height == 0:
        return hits
    others = goods.join(shade.select("key", "start", "end"), on=["key", "start", "end"], how="anti")
    # right next to the other good, before or after it
    shade = shade.join(
        others.select("key", other="good_id", o_start="start", o_end="end"), on="key", how="inner"
    ).filter(
        (pl.col("other") != pl.col("good_id"))
        & ((pl.col("o_end") - 1 == pl.col("start")) | (pl.col("end") - 1 == pl.col("o_start")))
    )
    return hits.join(
        shade.select("key", "start", "end").unique(), on=["key", "start", "end"], how="anti"
    )


def _unknown_head_doubted(
    hits: pl.DataFrame, words: pl.DataFrame, index: ProductIndex
) -> pl.DataFrame:
    """Lower the confidence of a good that may only describe an article the vocabulary does
    not know, so that it goes to review instead of being scored.

    * English: a material or crop (priority <= `article_veto_priority`) named in the singular
      right before an unknown word is most likely that word's material, scent or colour: the
      head noun comes last ("bamboo toothbrush", "salt lamp", "lemon squeezer", "tea trolley").
      A plural ("lemons Eureka", "pears Packham") is itself the head noun and is kept.
    * English, German, Dutch: a raw material (priority <= `material_priority`) right after an
      unknown word ("passport holder leather", "tote cotton") is usually the material of that
      article, named in catalogue order. (Right before an unknown word `_modifier_vetoed`
      drops it outright.)
    Unknown = letters only, `article_min_length`+ long, in no vocabulary table and no country
    name. The good keeps its rank; its confidence is multiplied by `unknown_head_factor`.
    """
    s = index.settings
    known = list(index.good_words | index.descriptors | index.exact_words | index.place_words)
    unknown = words.filter(
        pl.col("word").str.contains(r"^[a-z]+$")
        & (pl.col("word").str.len_chars() >= s.article_min_length)
        & ~pl.col("word").is_in(known)
    )
    goods = hits.filter((pl.col("kind") == "good") & pl.col("lang").is_in(_ADJECTIVE_FIRST))
    if goods.height == 0 or unknown.height == 0:
        return hits
    modifier = goods.filter(
        (pl.col("lang") == "en")
        & (pl.col("priority") <= s.article_veto_priority)
        & ~pl.col("fuzzy")
    ).join(
        unknown.select("key", "w_start"),
        left_on=["key", pl.col("end") - 1],
        right_on=["key", "w_start"],
        how="semi",
    )
    # the hit's last letter: a plural names the thing itself
    modifier = modifier.join(
        words.select("key", "w_end", plural=pl.col("word").str.ends_with("s")),
        left_on=["key", pl.col("end") - 1],
        right_on=["key", "w_end"],
        how="left",
    ).filter(~pl.col("plural").fill_null(False))
    material = goods.filter(pl.col("priority") <= s.material_priority).join(
        unknown.select("key", "w_end"),
        left_on=["key", "start"],
        right_on=["key", "w_end"],
        how="semi",
    )
    doubted = (
        pl.concat([modifier.select("key", "start", "end", "good_id"),
                   material.select("key", "start", "end", "good_id")])
        .unique()
        .with_columns(doubt=pl.lit(s.unknown_head_factor))
    )
    return (
        hits.join(doubted, on=["key", "start", "end", "good_id"], how="left")
        .with_columns(confidence=pl.col("confidence") * pl.col("doubt").fill_null(1.0))
        .drop("doubt")
    )

def _refined(hits: pl.DataFrame, texts: pl.DataFrame, index: ProductIndex) -> pl.DataFrame:
    """Turn a generic good into its specific relative when the description also names what
    distinguishes it (product_keywords rows with `refines`): "silk sewing thread" is silk
    thread, not thread/yarn; "steel frame bunk bed" steel furniture; "minyak sawit mentah"
    crude palm oil; "faux orchid" artificial flowers.

    The qualifier may stand anywhere in the description; the longest one wins. The refined
    hit keeps its span, takes the higher of the two priorities and, unless it was misspelt,
    the higher of the two confidences. Column `refined` marks it, `shielded` when the qualifier
    is an imitation word (which then does not deny the good it refined: "faux orchid"; "PU
    leather tote" is still denied).
    """
    q = index.qualifiers
    flagged = hits.with_columns(refined=pl.lit(False), shielded=pl.lit(False))
    if q.height == 0:
        return flagged
    generic = hits.filter(
        (pl.col("kind") == "good") & pl.col("good_id").is_in(q["refines"].unique().to_list())
    )
    if generic.height == 0:
        return flagged
    frame = texts.join(generic.select("key").unique(), on="key", how="semi").with_columns(
        padded=" " + pl.col("text") + " "
    )
    parts = []
    for cjk, column in ((False, "padded"), (True, "text")):
        pats = q.filter(pl.col("cjk") == cjk)["pattern"].unique().to_list()
        if not pats:
            continue
        parts.append(
            frame.select("key", pattern=pl.col(column).str.extract_many(pats, overlapping=True))
            .explode("pattern")
            .drop_nulls("pattern")
        )
    if not parts:
        return flagged
    found = (
        pl.concat(parts)
        .unique()
        .join(q.drop("key", "cjk"), on="pattern")
        .with_columns(q_len=pl.col("pattern").str.len_bytes())
        .sort(["key", "refines", "q_len", "confidence", "good_id"],
              descending=[False, False, True, True, False])
        .group_by(["key", "refines"], maintain_order=True)
        .first()
        .select(
            "key",
            "refines",
            specific="good_id",
            q_pattern="pattern",
            q_priority="priority",
            q_confidence="confidence",
        )
    )
    joined = hits.join(
        found, left_on=["key", "good_id"], right_on=["key", "refines"], how="left"
    ).with_columns(refined=pl.col("specific").is_not_null() & (pl.col("kind") == "good"))
    # Only an imitation word that is itself the qualifier shields the good from `_negated`
    # ("faux orchid"); "PU leather tote" stays denied.
    imitation = pl.col("q_pattern").str.strip_chars(" ").is_in(list(index.imitations))
    return joined.with_columns(
        good_id=pl.when("refined").then("specific").otherwise("good_id"),
        priority=pl.when("refined")
        .then(pl.max_horizontal("priority", "q_priority"))
        .otherwise("priority"),
        confidence=pl.when(pl.col("refined") & ~pl.col("fuzzy"))
        .then(pl.max_horizontal("confidence", "q_confidence"))
        .otherwise("confidence"),
        shielded=pl.col("refined") & imitation.fill_null(False),
    ).select([*HIT_COLUMNS, "refined", "shielded"])


def _negated(hits: pl.DataFrame, words: pl.DataFrame, index: ProductIndex) -> pl.DataFrame:
    """Drop a good the description denies or only imitates.

    * a material or good (priority <= `article_veto_priority`) right after an imitation word
      (stopword kind `imitation`: faux, imitation, PU, vegan): "PU leather notebook" (unless
      that word refined it: "faux orchid"; finished articles stay: "artificial Christmas tree");
    * right before a negation word (kind `negation`: free, tone, effect, look): "dairy-free
      oat drink", "gold-tone frame", "granite effect worktop".
    """
    goods = hits.filter(pl.col("kind") == "good")
    if goods.height == 0:
        return hits.drop("refined", "shielded")
    before = words.filter(pl.col("word").is_in(list(index.imitations))).select(
        "key", start="w_end"
    )
    after = words.filter(pl.col("word").is_in(list(index.negations))).select(
        "key", end=pl.col("w_start") + 1
    )
    dropped = pl.concat(
        [
            # a material refined by an article word is still that material ("PU leather
            # tote"); only an imitation word that refined it keeps it ("faux orchid")
            goods.filter(
                ~pl.col("shielded")
                & (
                    pl.col("refined")
                    | (pl.col("priority") <= index.settings.article_veto_priority)
                )
            ).join(before, on=["key", "start"], how="semi"),
            goods.join(after, on=["key", "end"], how="semi"),
        ]
    ).select("key", "start", "end", "good_id")
    return hits.join(dropped.unique(), on=["key", "start", "end", "good_id"], how="anti").drop(
        "refined", "shielded"
    )


def _fuzzy_hits(grams: pl.DataFrame, exact: pl.DataFrame, index: ProductIndex) -> pl.DataFrame:
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


def _inside(spans: pl.DataFrame, outer: pl.DataFrame) -> pl.DataFrame:
    """The (key, start, end) spans lying inside a different, longer `outer` span of their key.

    Sort by start (ties: longer first, an identical outer span after the inner one), then a
    running maximum of outer ends: no pairwise join, so long descriptions stay cheap.
    """
    inner = spans.select("key", "start", "end").unique().with_columns(is_outer=pl.lit(False))
    cover = outer.select("key", "start", "end").unique().with_columns(is_outer=pl.lit(True))
    both = pl.concat([inner, cover]).sort(
        ["key", "start", "end", "is_outer"], descending=[False, False, True, False]
    )
    outer_end = pl.when(pl.col("is_outer")).then(pl.col("end")).otherwise(-1)
    reach = outer_end.cum_max().shift(1, fill_value=-1).over("key")
    return (
        both.with_columns(reach=reach)
        .filter(~pl.col("is_outer") & (pl.col("reach") >= pl.col("end")))
        .select("key", "start", "end")
    )


def _drop_contained(hits: pl.DataFrame) -> pl.DataFrame:
    """Remove hits whose span lies inside a longer hit of the same description."""
    inside = _inside(hits, hits)
    return hits.join(inside, on=["key", "start", "end"], how="anti")


def _rank_goods(goods: pl.DataFrame, index: ProductIndex) -> pl.DataFrame:
    """Best good per description with its rivals; an equal-rank rival lowers confidence."""
    s = index.settings
    method = (
        pl.when(pl.col("fuzzy"))
        .then(pl.lit("fuzzy"))
        .when(pl.col("whole"))
        .then(pl.lit("alias"))
        .otherwise(pl.lit("keyword"))
    )
    per_good = (
        goods.with_columns(length=pl.col("end") - pl.col("start"), method=method)
        .sort(["confidence", "length", "start"], descending=[True, True, False])
        .group_by(["key", "good_id"], maintain_order=True)
        .agg(pl.all().first())
        .sort(
            ["key", "priority", "confidence", "length", "start", "good_id"],
            descending=[False, True, True, True, False, False],
        )
    )
    ranked = per_good.group_by("key", maintain_order=True).agg(
        t_good_id=pl.col("good_id").first(),
        best_conf=pl.col("confidence").first(),
        t_method=pl.col("method").first(),
        rival=(
            (pl.col("priority") == pl.col("priority").first())
            & (pl.col("confidence") >= pl.col("confidence").first() - s.ambiguity_margin)
        )
        .slice(1)
        .any(),
        t_candidates=pl.struct("good_id", "confidence"),
    )
    return ranked.select(
        "key",
        "t_good_id",
        t_confidence=pl.when(pl.col("rival"))
        .then(pl.col("best_conf") * s.ambiguity_factor)
        .otherwise(pl.col("best_conf")),
        t_method="t_method",
        t_sector=pl.lit(None, pl.String),
        t_candidates="t_candidates",
    )


def _no_good(frame: pl.DataFrame, method: str, sector: pl.Expr) -> pl.DataFrame:
    """Rows without a good (service / sector) in TEXT_SCHEMA shape."""
    return frame.select(
        "key",
        t_good_id=pl.lit(None, pl.String),
        t_confidence=pl.col("confidence"),
        t_method=pl.lit(method),
        t_sector=sector,
        t_candidates=pl.lit(None, TEXT_SCHEMA["t_candidates"]),
    )


def match_text(keys: pl.Series, index: ProductIndex) -> pl.DataFrame:
    """One row per distinct normalised description that names a good, a sector or a service."""
    keys = keys.drop_nulls().unique()
    keys = keys.filter(keys != "")
    if keys.len() == 0:
        return pl.DataFrame(schema=TEXT_SCHEMA)
    # Hits carry a small integer id, not the (possibly long) text itself.
    texts = pl.DataFrame({"text": keys}).with_row_index("key")
    exact = _exact_hits(texts, index)
    grams = _ngrams(texts, exact, index)
    found = [exact, _fuzzy_hits(grams, exact, index), _compound_hits(grams, exact, index)]
    hits = _equipment_vetoed(_drop_contained(pl.concat(found)), texts, index)
    words = _words(texts)
    hits = _shade_vetoed(_context_vetoed(hits, words, index), words, index)
    # A misspelling fills gaps, or names a finished article over a spelt-right material
    # ("Tshrits cotton"); against a good of equal rank it counts only when it would win
    # outright, the spelt word being a weak, ambiguous one ("Vanila beans bourbon": bourbon
    # is also a vanilla variety; "Shirmp tiger HOSO"); never against a higher rank. Over a
    # lower rank it counts when that is a raw material or named less surely than the
    # misspelling names the article ("padlok 40mm brass": brass is 0.75).
    spelt_goods = hits.filter((pl.col("kind") == "good") & ~pl.col("fuzzy"))
    spelt = spelt_goods.group_by("key").agg(spelt_rank=pl.col("priority").max())
    spelt = spelt.join(
        spelt_goods.join(spelt, on="key")
        .filter(pl.col("priority") == pl.col("spelt_rank"))
        .group_by("key")
        .agg(spelt_conf=pl.col("confidence").max()),
        on="key",
    )
    # A misspelt specific relative of a spelt good (product_keywords `refines`) only refines
    # it ("artifical flowers peony": flowers named by peony).
    relatives = index.qualifiers.select("refines", "good_id").unique()
    relative = (
        spelt_goods.select("key", refines="good_id")
        .join(relatives, on="refines")
        .select("key", "good_id")
        .unique()
        .with_columns(relative=pl.lit(True))
    )
    fuzzy = (
        hits.filter(pl.col("fuzzy"))
        .join(spelt, on="key", how="left")
        .join(relative, on=["key", "good_id"], how="left")
    )
    hits = pl.concat(
        [
            hits.filter(~pl.col("fuzzy")),
            fuzzy.filter(
                pl.col("spelt_rank").is_null()
                | pl.col("relative").fill_null(False)
                | (
                    (pl.col("priority") > pl.col("spelt_rank"))
                    & (
                        (pl.col("spelt_rank") <= index.settings.material_priority)
                        | (pl.col("confidence") > pl.col("spelt_conf"))
                    )
                )
                | (
                    (pl.col("priority") == pl.col("spelt_rank"))
                    & (
                        pl.col("confidence")
                        > pl.col("spelt_conf") + index.settings.ambiguity_margin
                    )
                )
            ).drop("spelt_rank", "spelt_conf", "relative"),
        ]
    )
    hits = _negated(_refined(hits, texts, index), words, index)
    hits = _modifier_vetoed(hits, words, index)
    hits = _unknown_head_doubted(hits, words, index)
    # Deterministic order whatever order the hits were found in.
    best = hits.sort(
        ["confidence", "end", "start", "sector"], descending=[True, True, False, False]
    )
    service = best.filter(pl.col("kind") == "service").group_by("key", maintain_order=True).first()
    rest = hits.join(service.select("key"), on="key", how="anti")
    goods = rest.filter(pl.col("kind") == "good")
    good_rows = _rank_goods(goods, index) if goods.height else pl.DataFrame(schema=_ROWS)
    sectors = (
        best.filter(pl.col("kind") == "sector")
        .join(service.select("key"), on="key", how="anti")
        .join(good_rows.select("key"), on="key", how="anti")
        .group_by("key", maintain_order=True)
        .first()
    )
    rows = pl.concat(
        [
            _no_good(service, "service", pl.lit(None, pl.String)),
            good_rows,
            _no_good(sectors, "sector", pl.col("sector")),
        ],
        how="vertical_relaxed",
    )
    return rows.join(texts, on="key").select(pl.col("text").alias("key"), *list(TEXT_SCHEMA)[1:])
