"""The veto passes: each drops (or doubts) a good that the description names only as what
something else is for, made of, coloured like, or that it denies.

No good is better than a false flag, so each pass removes hits and never adds one. Each takes
the hit frame (`spans.HIT_COLUMNS`) and returns it with fewer rows or lower confidences.
"""

from __future__ import annotations

import polars as pl

from riskscreen.match.product_index import ProductIndex
from riskscreen.match.product_text.spans import inside_spans

__all__ = [
    "context_vetoed",
    "equipment_vetoed",
    "modifier_vetoed",
    "negated",
    "shade_vetoed",
    "unknown_head_doubted",
]


def equipment_vetoed(hits: pl.DataFrame, words: pl.DataFrame, index: ProductIndex) -> pl.DataFrame:
    """Drop goods named as what a tool or vessel is for.

    A good's word right before a tool word ("cement mixer") names the tool; right before a
    vessel word ("coffee mug") it names the vessel when the good's sector is one whose goods
    a vessel holds (`product_sectors.csv`: crops and food); "ceramic mugs" stay ceramics.
    """
    if not (index.equipment or index.containers):
        return hits
    nxt = words.filter(pl.col("word").is_in(list(index.equipment | index.containers))).select(
        "key",
        start="w_start",
        w_end=pl.col("w_end") + 1,
        vessel=pl.col("word").is_in(list(index.containers)),
    )
    # "machine made" is a negative phrase: its "machine" is no tool.
    negative = hits.filter(pl.col("kind") == "negative")
    phrased = inside_spans(nxt.rename({"w_end": "end"}), negative)
    nxt = nxt.join(phrased.rename({"end": "w_end"}), on=["key", "start", "w_end"], how="anti")
    sectors = index.goods.select("good_id", "good_sector")
    tool = (
        hits.filter(pl.col("kind") == "good")
        .join(nxt, left_on=["key", pl.col("end") - 1], right_on=["key", "start"], how="inner")
        .join(sectors, on="good_id", how="left")
        .filter(~pl.col("vessel") | pl.col("good_sector").is_in(list(index.vessel_sectors)))
    )
    return hits.join(tool.select("key", "start", "end"), on=["key", "start", "end"], how="anti")


def context_vetoed(hits: pl.DataFrame, words: pl.DataFrame, index: ProductIndex) -> pl.DataFrame:
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
        inside_spans(tools, hits.filter(pl.col("kind") == "negative")),
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
            & pl.col("lang").is_in(list(index.adjective_first))
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


def shade_vetoed(hits: pl.DataFrame, words: pl.DataFrame, index: ProductIndex) -> pl.DataFrame:
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


def negated(hits: pl.DataFrame, words: pl.DataFrame, index: ProductIndex) -> pl.DataFrame:
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
    before = words.filter(pl.col("word").is_in(list(index.imitations))).select("key", start="w_end")
    after = words.filter(pl.col("word").is_in(list(index.negations))).select(
        "key", end=pl.col("w_start") + 1
    )
    dropped = pl.concat(
        [
            # a material refined by an article word is still that material ("PU leather
            # tote"); only an imitation word that refined it keeps it ("faux orchid")
            goods.filter(
                ~pl.col("shielded")
                & (pl.col("refined") | (pl.col("priority") <= index.settings.article_veto_priority))
            ).join(before, on=["key", "start"], how="semi"),
            goods.join(after, on=["key", "end"], how="semi"),
        ]
    ).select("key", "start", "end", "good_id")
    return hits.join(dropped.unique(), on=["key", "start", "end", "good_id"], how="anti").drop(
        "refined", "shielded"
    )


def modifier_vetoed(hits: pl.DataFrame, words: pl.DataFrame, index: ProductIndex) -> pl.DataFrame:
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
    before_article = single.filter(pl.col("lang").is_in(list(index.adjective_first))).join(
        unknown, left_on=["key", pl.col("end") - 1], right_on=["key", "w_start"], how="semi"
    )
    after_article = single.filter(pl.col("lang").is_in(list(index.adjective_after))).join(
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


def unknown_head_doubted(
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
      article, named in catalogue order. (Right before an unknown word `modifier_vetoed`
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
    goods = hits.filter(
        (pl.col("kind") == "good") & pl.col("lang").is_in(list(index.adjective_first))
    )
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
        pl.concat(
            [
                modifier.select("key", "start", "end", "good_id"),
                material.select("key", "start", "end", "good_id"),
            ]
        )
        .unique()
        .with_columns(doubt=pl.lit(s.unknown_head_factor))
    )
    return (
        hits.join(doubted, on=["key", "start", "end", "good_id"], how="left")
        .with_columns(confidence=pl.col("confidence") * pl.col("doubt").fill_null(1.0))
        .drop("doubt")
    )
