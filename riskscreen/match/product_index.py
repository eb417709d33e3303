"""The product matcher's vocabulary, built once: every good word, service word and sector word.

One frame `patterns` holds all phrases to search for (normalised, space-padded for Latin script
so they only match whole words), with kind (good / service / negative / sector), good_id,
sector, priority and confidence. ILAB good names of every edition are indexed automatically.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import polars as pl

from riskscreen.match.normalise import _CJK, normalise_series
from riskscreen.tables import read_table

_VOWELS = set("aeiou")


@dataclass(frozen=True)
class ProductSettings:
    """Thresholds from `match_thresholds.csv` (keys `product_*`)."""

    review_threshold: float
    alias_confidence: float
    service_confidence: float
    conflict_factor: float
    ambiguity_factor: float
    ambiguity_margin: float
    fuzzy_factor: float
    fuzzy_min_length: int
    fuzzy_long_length: int
    fuzzy_substitution_length: int
    max_length: int
    article_veto_priority: int
    material_priority: int
    article_min_length: int
    rotation_factor: float
    compound_min_length: int
    compound_short_length: int
    unknown_head_factor: float


@dataclass(frozen=True)
class ProductIndex:
    """Everything the matcher searches: patterns, fuzzy vocabulary, good names and sectors."""

    patterns: pl.DataFrame  # pattern, kind, good_id, sector, priority, confidence, cjk, ilab, lang
    # fuzzy_words: word (one or two words), kind, good_id, sector, priority, confidence, lang
    fuzzy_words: pl.DataFrame
    compounds: pl.DataFrame  # word, good_id, priority, confidence, lang (German/Dutch parts)
    descriptors: frozenset[str]
    equipment: frozenset[str]
    containers: frozenset[str]
    linkers: frozenset[str]
    imitations: frozenset[str]  # words before a good that deny it: faux, imitation, PU, vegan
    shades: frozenset[str]  # good words also used as a colour / variety of another good: amber
    negations: frozenset[str]  # words after a good that deny it: free, tone, effect, look
    # qualifiers: pattern, key, cjk, good_id (the specific good), refines (its generic relative),
    # priority, confidence: a word that turns a generic good named in the same description
    # into the specific one ("silk" + thread -> silk thread, "steel" + bed -> steel furniture)
    qualifiers: pl.DataFrame
    exact_words: frozenset[str]
    good_words: frozenset[str]  # words of good and sector keywords (not of negative phrases)
    place_words: frozenset[str]  # words of country names in any language (origin, not article)
    goods: pl.DataFrame  # good_id, good, good_sector
    settings: ProductSettings
    # keyword languages by word order (keyword_languages.csv): a material adjective comes
    # before its noun ("cotton shirt") or after it ("chemise en coton")
    adjective_first: frozenset[str]
    adjective_after: frozenset[str]
    vessel_sectors: frozenset[str]  # sectors whose goods a vessel holds (product_sectors.csv)


def plural_variants(word: str) -> list[str]:
    """English plurals of a normalised phrase's last word (berry -> berries, tomato -> tomatoes)."""
    head, _, last = word.rpartition(" ")
    if len(last) < 3 or not last.isalpha() or not last.isascii():
        return []
    prefix = f"{head} " if head else ""
    if last.endswith("s"):
        return [prefix + last + "es"] if last.endswith("ss") else []
    if last.endswith("y") and last[-2] not in _VOWELS:
        forms = [last[:-1] + "ies"]
    elif last.endswith(("ch", "sh", "x")):
        forms = [last + "es"]
    elif last.endswith("o"):  # tomatoes / potatoes, but polos / photos
        forms = [last + "es", last + "s"] if len(last) >= 6 else [last + "s"]
    else:
        forms = [last + "s"]
    return [prefix + form for form in forms]


def plural_variants_expr(key: pl.Expr) -> pl.Expr:
    """`plural_variants` of every normalised phrase of a column (no control characters) as one
    polars list expression, same forms in the same order: the vocabulary's thousands of
    phrases are not inflected in Python. Every test reads the whole phrase, whose last word
    is letters only when the phrase ends in `(^| )[A-Za-z]{3,}$`."""
    inflected = key.str.contains(r"(?:^| )[A-Za-z]{3,}$")
    long_o = key.str.contains(r"(?:^| )[A-Za-z]{5,}o$")  # tomatoes and tomatos; polos only
    first = (
        pl.when(~inflected).then(None)
        .when(key.str.ends_with("ss")).then(key + "es")
        .when(key.str.ends_with("s")).then(None)
        .when(key.str.contains(f"[^{''.join(sorted(_VOWELS))}]y$")).then(key.str.head(-1) + "ies")
        .when(key.str.contains("(?:ch|sh|x)$") | long_o).then(key + "es")
        .otherwise(key + "s")
    )
    # two forms as one line each (cheaper than building lists of nullable parts)
    forms = pl.concat_str(first, pl.when(long_o).then(key + "s"), separator="\n",
                          ignore_nulls=True)
    return pl.when(first.is_null()).then(pl.lit([], dtype=pl.List(pl.String))).otherwise(
        forms.str.split("\n")
    )


def load_settings(folder: str | None = None) -> ProductSettings:
    """Read the `product_*` rows of `match_thresholds.csv`."""
    rows = read_table("match_thresholds", folder).filter(pl.col("key").str.starts_with("product_"))
    pairs = zip(rows["key"], rows["value"], strict=True)
    values = {k.removeprefix("product_"): float(v) for k, v in pairs}
    return ProductSettings(
        review_threshold=values["review_threshold"],
        alias_confidence=values["alias_confidence"],
        service_confidence=values["service_confidence"],
        conflict_factor=values["conflict_factor"],
        ambiguity_factor=values["ambiguity_factor"],
        ambiguity_margin=values["ambiguity_margin"],
        fuzzy_factor=values["fuzzy_factor"],
        fuzzy_min_length=int(values["fuzzy_min_length"]),
        fuzzy_long_length=int(values["fuzzy_long_length"]),
        fuzzy_substitution_length=int(values["fuzzy_substitution_length"]),
        max_length=int(values["max_length"]),
        article_veto_priority=int(values["article_veto_priority"]),
        material_priority=int(values["material_priority"]),
        article_min_length=int(values["article_min_length"]),
        rotation_factor=values["rotation_factor"],
        compound_min_length=int(values["compound_min_length"]),
        compound_short_length=int(values["compound_short_length"]),
        unknown_head_factor=values["unknown_head_factor"],
    )


def _normalised(frame: pl.DataFrame, column: str) -> pl.DataFrame:
    """Add `key`: the column's matching key (`normalise`, as for supplier descriptions)."""
    return frame.with_columns(key=normalise_series(frame[column]))


def _has_cjk(key: pl.Expr) -> pl.Expr:
    """`has_cjk` of every value of a column (the same character class)."""
    return key.str.contains(_CJK.pattern)


def _words(keys: pl.Series) -> set[str]:
    """The distinct words of normalised keys (split on their single spaces)."""
    return set(keys.str.split(" ").explode().unique().to_list())


def _keywords(folder: str | None) -> pl.DataFrame:
    """product_keywords with `refines` null on ordinary rows (older tables lack the column)."""
    kw = read_table("product_keywords", folder)
    if "refines" not in kw.columns:
        kw = kw.with_columns(refines=pl.lit(None, pl.String))
    return kw.with_columns(
        refines=pl.when(pl.col("refines").str.strip_chars() != "").then(pl.col("refines"))
    )


def _languages(folder: str | None) -> dict[str, frozenset[str]]:
    """Keyword languages by word order ('before', 'after') and those that form compounds."""
    table = read_table("keyword_languages", folder)
    return {
        "before": frozenset(table.filter(pl.col("word_order") == "before")["lang"].to_list()),
        "after": frozenset(table.filter(pl.col("word_order") == "after")["lang"].to_list()),
        "compounds": frozenset(table.filter(pl.col("compounds") == "yes")["lang"].to_list()),
    }


def _qualifiers(folder: str | None) -> pl.DataFrame:
    """The family qualifiers of product_keywords (rows with `refines`), as search patterns."""
    rows = _normalised(_keywords(folder).filter(pl.col("refines").is_not_null()), "keyword")
    rows = rows.filter(pl.col("key") != "")
    return rows.with_columns(cjk=_has_cjk(pl.col("key"))).select(
        pattern=pl.when(pl.col("cjk")).then(pl.col("key")).otherwise(" " + pl.col("key") + " "),
        key="key",
        cjk="cjk",
        good_id="good_id",
        refines="refines",
        priority=pl.col("priority").cast(pl.Int64),
        confidence=pl.col("confidence").cast(pl.Float64),
    )


def _curated(folder: str | None) -> pl.DataFrame:
    """product_keywords + product_stopwords + sector_keywords in one shape."""
    kw = (
        _keywords(folder)
        .filter(pl.col("refines").is_null())
        .select(
            pl.col("keyword").alias("term"),
            pl.lit("good").alias("kind"),
            "good_id",
            pl.lit(None, pl.String).alias("sector"),
            pl.col("priority").cast(pl.Int64),
            pl.col("confidence").cast(pl.Float64),
            pl.col("lang").eq("en").alias("plural"),
            "lang",
        )
    )
    stop = read_table("product_stopwords", folder).select(
        "term",
        "kind",
        pl.lit(None, pl.String).alias("good_id"),
        pl.lit(None, pl.String).alias("sector"),
        pl.lit(9).cast(pl.Int64).alias("priority"),
        pl.lit(1.0).alias("confidence"),
        (
            pl.col("lang").eq("en")
            & pl.col("kind").is_in(["negative", "equipment", "container", "article"])
        ).alias("plural"),
        "lang",
    )
    sector = read_table("sector_keywords", folder).select(
        pl.col("keyword").alias("term"),
        pl.lit("sector").alias("kind"),
        pl.lit(None, pl.String).alias("good_id"),
        "sector",
        pl.lit(0).cast(pl.Int64).alias("priority"),
        pl.col("confidence").cast(pl.Float64),
        pl.lit(False).alias("plural"),
        "lang",
    )
    return pl.concat([kw, stop, sector])


def _ilab_names(
    goods: pl.DataFrame, good_names: pl.DataFrame, curated: pl.DataFrame
) -> pl.DataFrame:
    """Every ILAB spelling of every good, ranked like its curated keywords (default priority 2),
    in the tables' order (the vocabulary is the same on every run, row for row)."""
    names = pl.concat(
        [goods.select("good_id", "name"), good_names.select("good_id", "name")]
    ).unique(maintain_order=True)
    rank = (
        curated.filter(pl.col("kind") == "good").group_by("good_id").agg(pl.col("priority").max())
    )
    return names.join(rank, on="good_id", how="left", maintain_order="left").select(
        pl.col("name").alias("term"),
        pl.lit("good").alias("kind"),
        "good_id",
        pl.lit(None, pl.String).alias("sector"),
        pl.col("priority").fill_null(2),
        pl.lit(0.95).alias("confidence"),
        pl.lit(True).alias("plural"),
        pl.lit("en").alias("lang"),
    )


def build_index(
    goods: pl.DataFrame, good_names: pl.DataFrame, folder: str | None = None
) -> ProductIndex:
    """Assemble the vocabulary from the curated tables and the ILAB names."""
    curated = _curated(folder).with_columns(ilab=pl.lit(False))
    # Shade words are good keywords too (amber, gold): kept apart so both readings stay.
    shade_rows = _normalised(curated.filter(pl.col("kind") == "shade"), "term")
    curated = curated.filter(pl.col("kind") != "shade")
    ilab = _ilab_names(goods, good_names, curated).with_columns(ilab=pl.lit(True))
    rows = _normalised(pl.concat([curated, ilab]), "term").filter(pl.col("key") != "")
    plurals = (
        rows.filter(pl.col("plural"))
        .with_columns(key=plural_variants_expr(pl.col("key")))
        .explode("key")
        .drop_nulls("key")
        .with_columns(variant=pl.lit(1))
    )
    settings = load_settings(folder)
    # Inverted catalogue order: "palm oil RBD", "shoes leather", "roses artificial" - English
    # good phrases of two or three words also match with their first word moved to the end.
    rotated = (
        pl.concat([rows.with_columns(variant=pl.lit(0)), plurals])
        .filter(
            (pl.col("kind") == "good")
            & (pl.col("lang") == "en")
            & pl.col("key").str.contains(r"^[a-z]+( [a-z]+){1,2}$")
        )
        .with_columns(
            key=pl.col("key").str.replace(r"^([a-z]+) (.+)$", "${2} ${1}"),
            confidence=pl.col("confidence") * settings.rotation_factor,
            ilab=pl.lit(False),
            variant=pl.lit(2),
        )
    )
    # Written spellings beat generated plurals and rotations; curated rows beat ILAB names of
    # the same key.
    every = pl.concat([rows.with_columns(variant=pl.lit(0)), plurals, rotated])
    every = every.sort(
        ["variant", "ilab", "confidence"], descending=[False, False, True], maintain_order=True
    )
    every = every.unique("key", keep="first", maintain_order=True)
    patterns = every.with_columns(
        cjk=_has_cjk(pl.col("key")),
        ilab=pl.col("key").is_in(rows.filter(pl.col("ilab"))["key"].unique().implode()),
    ).with_columns(
        pattern=pl.when(pl.col("cjk")).then(pl.col("key")).otherwise(" " + pl.col("key") + " ")
    )
    patterns = patterns.with_columns(
        confidence=pl.when(pl.col("kind") == "service")
        .then(pl.lit(settings.service_confidence))
        .otherwise(pl.col("confidence"))
    )
    fuzzy_words = patterns.filter(
        pl.col("kind").is_in(["good", "service", "sector"])
        & ~pl.col("cjk")
        & (pl.col("key").str.len_chars() >= settings.fuzzy_min_length)
        & pl.col("key").str.contains(r"^[a-z]+( [a-z]+)?$")
    ).select(
        pl.col("key").alias("word"), "kind", "good_id", "sector", "priority", "confidence", "lang"
    )
    descriptors = frozenset(patterns.filter(pl.col("kind") == "descriptor")["key"].to_list())
    equipment = frozenset(patterns.filter(pl.col("kind") == "equipment")["key"].to_list())
    containers = frozenset(patterns.filter(pl.col("kind") == "container")["key"].to_list())
    linkers = frozenset(patterns.filter(pl.col("kind") == "linker")["key"].to_list())
    imitations = frozenset(patterns.filter(pl.col("kind") == "imitation")["key"].to_list())
    negations = frozenset(patterns.filter(pl.col("kind") == "negation")["key"].to_list())
    shades = frozenset(shade_rows["key"].to_list())
    languages = _languages(folder)
    compounds = patterns.filter(
        (pl.col("kind") == "good")
        & pl.col("lang").is_in(list(languages["compounds"]))
        & pl.col("key").str.contains(r"^[a-z]+$")
        & (pl.col("key").str.len_chars() >= settings.compound_short_length)
        & (pl.col("confidence") >= settings.review_threshold)
    ).select(pl.col("key").alias("word"), "good_id", "priority", "confidence", "lang")
    qualifiers = _qualifiers(folder)
    qualifier_words = _words(qualifiers["key"])
    exact = frozenset(_words(patterns["key"]) | qualifier_words)
    good_words = frozenset(
        _words(patterns.filter(pl.col("kind").is_in(["good", "sector"]))["key"]) | qualifier_words
    )
    places = read_table("country_names", folder).filter(
        pl.col("kind").is_in(["name", "cldr", "common_name"])
    ).select(pl.col("name").unique())  # many languages spell a country alike
    words = _words(_normalised(places, "name")["key"])
    place_words = frozenset(w for w in words if len(w) >= settings.article_min_length)
    goods_out = goods.select(
        "good_id", pl.col("name").alias("good"), pl.col("sector").alias("good_sector")
    )
    return ProductIndex(
        patterns=patterns.filter(
            ~pl.col("kind").is_in(
                ["descriptor", "equipment", "container", "linker", "imitation", "negation"]
            )
        ).select(
            "pattern",
            "key",
            "kind",
            "good_id",
            "sector",
            "priority",
            "confidence",
            "cjk",
            "ilab",
            "lang",
        ),
        fuzzy_words=fuzzy_words,
        compounds=compounds,
        descriptors=descriptors,
        equipment=equipment,
        containers=containers,
        linkers=linkers,
        imitations=imitations,
        shades=shades,
        negations=negations,
        qualifiers=qualifiers,
        exact_words=exact,
        good_words=good_words,
        place_words=place_words,
        goods=goods_out,
        settings=settings,
        adjective_first=languages["before"],
        adjective_after=languages["after"],
        vessel_sectors=frozenset(
            read_table("product_sectors", folder)
            .filter(pl.col("vessel_holds") == "yes")["sector"]
            .to_list()
        ),
    )


@lru_cache(maxsize=4)
def _cached(goods_key: tuple, names_key: tuple, folder: str | None) -> ProductIndex:
    goods = pl.DataFrame(list(goods_key), schema=["good_id", "name", "sector"], orient="row")
    names = pl.DataFrame(list(names_key), schema=["good_id", "name"], orient="row")
    return build_index(goods, names, folder)


def product_index(
    goods: pl.DataFrame | None = None,
    good_names: pl.DataFrame | None = None,
    folder: str | None = None,
) -> ProductIndex:
    """The cached index for these goods tables (default: reference goods and good_names)."""
    goods = read_table("goods", folder) if goods is None else goods
    good_names = read_table("good_names", folder) if good_names is None else good_names
    goods_key = tuple(
        goods.select("good_id", "name", "sector").unique().sort("good_id").iter_rows()
    )
    names_key = tuple(
        good_names.select("good_id", "name").unique().sort("good_id", "name").iter_rows()
    )
    return _cached(goods_key, names_key, folder)
