"""Read the good a supplier makes from its NAME, for rows that give no product (`goods_from_names`).

Brand facility lists carry country, name and address only; the name often says the trade:
"Hai Ning Yue Li Socks Co.,Ltd" (Garments), "Jinjiang Anda Xieye" (鞋业, Footwear), "Công ty
TNHH May Mặc …" (Garments). The words, in many languages and transliterations, are the tables
`reference/name_goods.csv` and `name_goods_<language>.csv`; words that say the firm serves a
trade rather than makes its good (machinery, chemicals, logistics …) cancel the reading, and
phrases such as "silk road" hide the good's word inside them. Precision first: a wrong good
raises a false flag, so only words that nearly always name the product line are listed, and the
one inexact reading is a long English word one slip from a goods word, sent to review.

Vectorised over distinct names: every term is found at once with Aho-Corasick
(`str.extract_many`) on the space-padded name, so a term matches whole words only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import polars as pl

from riskscreen.match.normalise import normalise_expr, pinyin_word_pattern
from riskscreen.tables import read_table, read_table_family

__all__ = ["NAME_METHOD", "NameGoods", "goods_from_names", "name_goods"]

#: `good_method` of a good read from the supplier's name.
NAME_METHOD = "supplier name"

OUTPUT_SCHEMA = {
    "name_input": pl.String,
    "good_id": pl.String,
    "good": pl.String,
    "good_confidence": pl.Float64,
    "good_method": pl.String,
    "name_good_word": pl.String,
    "sector": pl.String,
}


@dataclass(frozen=True)
class NameGoods:
    """`name_goods.csv` split by how each term is matched."""

    terms: pl.DataFrame  # term (as matched), kind, good_id, priority, confidence, match, language
    masks: dict[str, list[str]]  # match -> padded mask phrases
    ambiguity_factor: float
    families: pl.DataFrame  # good_id, family (kin goods: no ambiguity between them)
    abbreviations: tuple[list[str], list[str]]  # padded vendor-master abbreviations, expansions
    typo: dict[str, float]  # min_length, confidence (see _misspelt)
    typo_words: pl.DataFrame  # term, good_id, priority: the words a slip is measured from
    known_words: frozenset[str]  # table terms and place words: never read as slips


def _accented_expr(expr: pl.Expr) -> pl.Expr:
    """Lower-case, punctuation to single spaces, accents KEPT (giày shoes vs giấy paper)."""
    s = expr.cast(pl.String).str.normalize("NFKC").str.to_lowercase()
    s = s.str.replace_all(r"['’ʼ`´]", "")
    s = s.str.replace_all(r"[\p{P}\p{S}\p{Z}\p{C}]+", " ")
    return s.str.replace_all(r" {2,}", " ").str.strip_chars(" ")


def _unspaced_expr(expr: pl.Expr) -> pl.Expr:
    """Compatibility forms folded and lower-cased only: terms are found anywhere in the name."""
    return expr.cast(pl.String).str.normalize("NFKC").str.to_lowercase().str.strip_chars()


_KEYS = {"word": normalise_expr, "accented": _accented_expr, "cjk": _unspaced_expr}

#: Scripts written without spaces between words: their terms (match `cjk`) are found anywhere.
_UNSPACED = (r"[\p{Han}\p{Thai}\p{Lao}\p{Khmer}\p{Myanmar}\p{Hiragana}\p{Katakana}"
             r"\p{Hangul}]")


def _with_compounds(raw: pl.DataFrame) -> pl.DataFrame:
    """`stem` x `suffix` rows of one language written out as `good` terms.

    A stem names a good only with a trade noun after it (German "Möbel" + "werk" ->
    "Möbelwerk"; "rice" + "export" -> "rice export"). A suffix written "-werk" is joined to the
    stem and also matched as a separate word ("Möbel-Werk"); one without the hyphen is matched
    only as the next word. The compound takes the suffix's confidence when it has one.
    """
    stems = raw.filter(pl.col("kind") == "stem")
    suffixes = raw.filter(pl.col("kind") == "suffix").select(
        "language", pl.col("term").str.strip_chars().alias("suffix"),
        pl.col("confidence").alias("suffix_confidence"))
    rest = raw.filter(~pl.col("kind").is_in(["stem", "suffix"]))
    if stems.height == 0 or suffixes.height == 0:
        return rest
    pairs = stems.join(suffixes, on="language", how="inner")
    bare = pl.col("suffix").str.strip_chars_start("-")
    stem = pl.col("term").str.strip_chars()
    joined = pairs.filter(pl.col("suffix").str.starts_with("-")).with_columns(
        term=stem + bare)
    spaced = pairs.with_columns(term=stem + pl.lit(" ") + bare)
    compounds = pl.concat([joined, spaced]).with_columns(
        kind=pl.lit("good"),
        confidence=pl.coalesce(pl.col("suffix_confidence").cast(pl.String),
                               pl.col("confidence").cast(pl.String)),
    ).select(rest.columns)
    return pl.concat([rest, compounds.cast(rest.schema)])


def _place_words(folder: str | None) -> frozenset[str]:
    """Country names and the places of `places.csv`, normalised, as single words."""
    names = pl.concat([read_table("country_names", folder).select(pl.col("name").alias("w")),
                       read_table("places", folder).select(pl.col("place").alias("w"))])
    words = names.select(normalise_expr(pl.col("w")).str.split(" ").alias("w")).explode("w")
    return frozenset(words["w"].drop_nulls().to_list())


def _typo_words(table: pl.DataFrame, values: dict[str, str]) -> pl.DataFrame:
    """The words a misspelling is measured from: sure, single, long English good words.

    English only: a word of one language is often one slip from another language's word for
    something else (Spanish "frutícola", Italian "frutticola"); pinyin names are all one slip
    apart."""
    return table.filter(
        (pl.col("kind") == "good") & (pl.col("match") == "word") & (pl.col("language") == "en")
        & (pl.col("confidence") >= float(values["name_good_typo_word_confidence"]))
        & ~pl.col("term").str.contains(" ")
        & (pl.col("term").str.len_chars() >= float(values["name_good_typo_min_length"]))
    ).unique(subset="term", keep="first", maintain_order=True).select(
        "term", "good_id", "priority")


@lru_cache(maxsize=4)
def name_goods(folder: str | None = None) -> NameGoods:
    """The name-word table, each term put into the form it is matched in."""
    raw = _with_compounds(read_table_family("name_goods", folder).with_columns(
        pl.col("match").fill_null("word").str.strip_chars(),
        pl.col("kind").str.strip_chars(),
        pl.col("good_id").str.strip_chars().replace("", None),
    ))
    parts = []
    for match, frame in raw.group_by("match", maintain_order=True):
        how = str(match[0])
        key = _KEYS[how](pl.col("term")) if how in _KEYS else pl.col("term").str.strip_chars()
        parts.append(frame.with_columns(term=key))
    table = pl.concat(parts).filter(pl.col("term").str.len_chars() > 0).select(
        "term", "kind", "good_id",
        pl.col("priority").cast(pl.Int32, strict=False).fill_null(0),
        pl.col("confidence").cast(pl.Float64, strict=False).fill_null(0.0),
        "match", pl.col("language").fill_null(""),
    ).unique(subset=["term", "match"], keep="first", maintain_order=True)
    padded = pl.when(pl.col("match") == "cjk").then(pl.col("term")).otherwise(
        pl.lit(" ") + pl.col("term") + pl.lit(" "))
    table = table.with_columns(pattern=padded)
    masks = {
        str(m[0]): f["pattern"].to_list()
        for m, f in table.filter(pl.col("kind") == "mask").group_by("match")
    }
    settings = read_table("match_thresholds", folder)
    values = dict(zip(settings["key"], settings["value"], strict=True))
    # vendor-master shorthand written out first ("DONGGUAN GMT MFG" -> garment), from the table
    # name screening uses
    abbr = read_table("name_abbreviations", folder).select(
        normalise_expr(pl.col("abbreviation")).alias("a"),
        normalise_expr(pl.col("expansion")).alias("e"),
    ).filter((pl.col("a").str.len_chars() > 0) & (pl.col("e").str.len_chars() > 0)).unique(
        subset="a", keep="first", maintain_order=True)
    return NameGoods(
        terms=table.filter(pl.col("kind") != "mask"),
        masks=masks,
        ambiguity_factor=float(values.get("name_good_ambiguity_factor", 0.85)),
        families=read_table("name_good_families", folder).select(
            pl.col("good_id").str.strip_chars(), pl.col("family").str.strip_chars()),
        abbreviations=((" " + abbr["a"] + " ").to_list(), (" " + abbr["e"] + " ").to_list()),
        typo={k: float(values[f"name_good_typo_{k}"]) for k in ("min_length", "confidence")},
        typo_words=_typo_words(table, values),
        known_words=frozenset(table["term"].to_list()) | _place_words(folder),
    )


def _replace_words(key: pl.Expr, patterns: list[str], values: list[str]) -> pl.Expr:
    """Replace whole padded words/phrases; every word gets its own spaces first, so that two
    neighbouring matches ("gmt mfg") do not share the space between them."""
    if not patterns:
        return key
    spaced = key.str.replace_all(" ", "  ")
    doubled = [" " + p.strip(" ").replace(" ", "  ") + " " for p in patterns]
    return spaced.str.replace_many(doubled, values).str.replace_all(" {2,}", " ")


def _padded(key: pl.Expr) -> pl.Expr:
    return pl.lit(" ") + key.str.strip_chars(" ") + pl.lit(" ")


def _keys(names: pl.DataFrame, table: NameGoods) -> dict[str, pl.DataFrame]:
    """The name in each match form (name_input, key), shorthand written out. Work is spent only
    where a form can differ: a name in plain ASCII has the same accented key as word key, and
    only names with CJK characters are searched for CJK terms."""
    word = names.with_columns(
        key=_replace_words(_padded(_KEYS["word"](pl.col("name_input"))), *table.abbreviations))
    plain = pl.col("name_input").str.contains(r"^[\x00-\x7F]*$")
    accented = pl.concat([
        word.filter(plain),
        names.filter(~plain).with_columns(key=_replace_words(
            _padded(_KEYS["accented"](pl.col("name_input"))), *table.abbreviations)),
    ])
    cjk = names.filter(pl.col("name_input").str.contains(_UNSPACED)).with_columns(
        key=_unspaced_expr(pl.col("name_input")))
    return {"word": word, "accented": accented, "cjk": cjk}


def _found(keys: dict[str, pl.DataFrame], table: NameGoods) -> pl.DataFrame:
    """Every (name, term) found: one row per term in the name, in any of the match forms
    (`keys`: the names in each form, from `_keys`)."""
    found = []
    for how, keyed in keys.items():
        terms = table.terms.filter(pl.col("match") == how)
        if terms.height == 0 or keyed.height == 0:
            continue
        key = pl.col("key")
        mask = table.masks.get(how, [])
        if how != "cjk" and mask:
            key = _padded(_replace_words(key, mask, [" "] * len(mask)))
        hits = keyed.select(
            "name_input",
            pattern=key.str.extract_many(terms["pattern"].to_list(), overlapping=True),
        ).explode("pattern").drop_nulls("pattern").unique()
        found.append(hits.join(terms.select("pattern", "term", "kind", "good_id", "priority",
                                            "confidence"), on="pattern", how="inner"))
    return pl.concat(found) if found else pl.DataFrame()


def _misspelt(words: pl.DataFrame, table: NameGoods, found: pl.DataFrame) -> pl.DataFrame:
    """Words one slip from a good's word ("Garmants", "ELECTRONCIS"), in names nothing read.

    Hand-typed lists misspell; a long word (`name_good_typo_min_length`) one edit or one swap of
    neighbours away from a sure single English word of the table (`NameGoods.typo_words`), with
    the same first letter, names that good at `name_good_typo_confidence` (accepted, sent to
    review). `words` are the names' word keys (`_keys(...)["word"]`); names with a cancel word
    or any good already read are left alone. Compared over distinct words with
    `rapidfuzz.process.cdist`.
    """
    import numpy as np  # lazy: only names nothing read get here
    from rapidfuzz import process
    from rapidfuzz.distance import OSA

    empty = pl.DataFrame(schema={"name_input": pl.String, "term": pl.String,
                                 "kind": pl.String, "good_id": pl.String,
                                 "priority": pl.Int32, "confidence": pl.Float64})
    vocab = table.typo_words
    if found.height:
        words = words.join(found.filter(pl.col("kind").is_in(["good", "cancel"]))
                           .select("name_input").unique(), on="name_input", how="anti")
    if words.height == 0 or vocab.height == 0:
        return empty
    words = words.select(
        "name_input", word=pl.col("key").str.strip_chars().str.split(" ")
    ).explode("word").filter(
        pl.col("word").str.len_chars() >= table.typo["min_length"]).unique()
    # words of the table, pinyin words ("Mianyang" is a city, not "mianfang") and places
    # ("Columbia", "Blaubeuren") are what they are, not slips
    pinyin = pinyin_word_pattern()
    tokens = [w for w in words["word"].unique().sort().to_list()
              if w not in table.known_words and pinyin.fullmatch(w) is None]
    if not tokens:
        return empty
    hits = []
    for first, group in pl.DataFrame({"word": tokens}).group_by(
            pl.col("word").str.slice(0, 1).alias("first")):
        candidates = vocab.filter(pl.col("term").str.starts_with(str(first[0])))
        if candidates.height == 0:
            continue
        left, right = group["word"].to_list(), candidates["term"].to_list()
        for start in range(0, len(left), 2000):
            block = left[start:start + 2000]
            dist = process.cdist(block, right, scorer=OSA.distance, score_cutoff=1,
                                 dtype=np.uint8, workers=-1)
            rows, cols = np.nonzero(dist == 1)
            hits.append(pl.DataFrame({"word": [block[i] for i in rows],
                                      "term": [right[j] for j in cols]},
                                     schema={"word": pl.String, "term": pl.String}))
    if not hits:
        return empty
    pairs = pl.concat(hits).join(vocab, on="term")
    # a word one slip from two different goods says neither
    pairs = pairs.filter(pl.col("good_id").n_unique().over("word") == 1)
    return words.join(pairs, on="word").select(
        "name_input",
        term=pl.col("word") + pl.lit(" (read as ") + pl.col("term") + pl.lit(")"),
        kind=pl.lit("good"), good_id="good_id", priority="priority",
        confidence=pl.lit(table.typo["confidence"]),
    ).unique(subset=["name_input", "good_id"], keep="first", maintain_order=True)


def goods_from_names(
    names: Iterable[str | None] | pl.Series, folder: str | None = None
) -> pl.DataFrame:
    """One row per distinct non-empty name: the good its words name, if any.

    Columns: name_input, good_id, good (newest ILAB spelling), good_confidence, good_method
    ("supplier name", or "none"), name_good_word (the word that named it), sector.
    A `context` word (a trade noun: export, plantation, cooperativa …) anywhere in the name
    lifts the good to the context word's confidence when it is lower (rice, café alone).
    Vendor-master shorthand is written out first (`name_abbreviations.csv`: GMT -> garment).
    The highest-priority word wins (then the surer, then the longer); two unrelated goods (not
    kin in `name_good_families.csv`) at the same priority and confidence make the reading
    ambiguous (confidence x `name_good_ambiguity_factor`). A cancel word (machinery, logistics
    …) means no good. A long word one slip from a good's word is read at a review confidence
    (`_misspelt`).
    """
    series = names if isinstance(names, pl.Series) else pl.Series(
        values=[None if v is None else str(v) for v in names], dtype=pl.String)
    distinct = series.cast(pl.String).rename("name_input").drop_nulls().unique(
        maintain_order=True).to_frame().filter(pl.col("name_input").str.strip_chars() != "")
    table = name_goods(folder)
    if distinct.height == 0:
        return pl.DataFrame(schema=OUTPUT_SCHEMA)
    keys = _keys(distinct, table)
    found = _found(keys, table)
    slips = _misspelt(keys["word"], table, found)
    if slips.height:
        found = pl.concat([found, slips], how="diagonal_relaxed") if found.height else slips
    if found.height:
        cancelled = found.filter(pl.col("kind") == "cancel").select("name_input").unique()
        # a trade word elsewhere in the name ("Export", "Exportadora") lifts a word that alone
        # is only offered for review (rice, a surname; café, a coffee shop)
        context = found.filter(pl.col("kind") == "context").group_by("name_input").agg(
            pl.col("confidence").max().alias("_context"))
        goods = found.filter(pl.col("kind") == "good").join(cancelled, on="name_input",
                                                            how="anti")
        ranked = goods.join(table.families, on="good_id", how="left").with_columns(
            pl.coalesce("family", "good_id").alias("family")
        ).with_columns(_length=pl.col("term").str.len_chars()).sort(
            ["name_input", "priority", "confidence", "_length", "term"],
            descending=[False, True, True, True, False])
        best = ranked.group_by("name_input", maintain_order=True).agg(
            pl.col("good_id").first(), pl.col("confidence").first(),
            pl.col("term").first().alias("name_good_word"),
            # an unrelated good as strong as the best one: the name is ambiguous, unless its
            # word is part of the best one's phrase ("garimpo" in "garimpo de diamantes")
            ((pl.col("priority") == pl.col("priority").first())
             & (pl.col("confidence") == pl.col("confidence").first())
             & (pl.col("family") != pl.col("family").first())
             & ~pl.col("term").first().str.contains(pl.col("term"), literal=True)
             ).any().alias("_rival"),
        ).with_columns(
            good_confidence=pl.when(pl.col("_rival"))
            .then(pl.col("confidence") * table.ambiguity_factor)
            .otherwise(pl.col("confidence")),
        ).join(context, on="name_input", how="left").with_columns(
            good_confidence=pl.when(pl.col("_rival")).then("good_confidence").otherwise(
                pl.max_horizontal("good_confidence", pl.col("_context").fill_null(0.0))),
        )
    else:
        best = pl.DataFrame(schema={"name_input": pl.String, "good_id": pl.String,
                                    "good_confidence": pl.Float64,
                                    "name_good_word": pl.String})
    goods_ref = read_table("goods", folder).select(
        "good_id", pl.col("name").alias("good"), pl.col("sector"))
    out = distinct.join(best.select("name_input", "good_id", "good_confidence",
                                    "name_good_word"), on="name_input", how="left")
    out = out.join(goods_ref, on="good_id", how="left").with_columns(
        pl.col("good_confidence").fill_null(0.0),
        pl.when(pl.col("good_id").is_not_null()).then(pl.lit(NAME_METHOD))
        .otherwise(pl.lit("none")).alias("good_method"),
    )
    return out.select([pl.col(c).cast(t) for c, t in OUTPUT_SCHEMA.items()])
