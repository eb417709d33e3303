"""The resolve stage: run each resolver over DISTINCT values, join the answers back to rows.

Also holds back doubtful matches (below the accept threshold) as review candidates, and marks the
rows a person should look at.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Sequence

import polars as pl

from riskscreen.contracts import ReferenceTables, stage_columns
from riskscreen.io.columns import ColumnRoles
from riskscreen.match.countries import resolve_countries
from riskscreen.match.product_name import NAME_METHOD, goods_from_names
from riskscreen.match.products import resolve_products
from riskscreen.phrases import say, say_expr
from riskscreen.threads import Background
from riskscreen.watchlists import Watchlists
from riskscreen.watchlists.index import entity_index
from riskscreen.watchlists.names import NameCandidates, screen_names
from riskscreen.watchlists.names import thresholds as name_thresholds

__all__ = [
    "ResolveCache", "mark_review", "resolve_country_columns", "resolve_product_columns",
    "screen_name_columns",
]


def _text(frame: pl.DataFrame, col: str | None) -> pl.Series:
    if col is None:
        return pl.Series(values=[None] * frame.height, dtype=pl.String)
    return frame.get_column(col).cast(pl.String).str.strip_chars().replace("", None)


def _hold_back(frame: pl.DataFrame, prefix: str, accept: float,
               extra: Sequence[str] = ()) -> pl.DataFrame:
    """A match below `accept` is not forced: it is kept only as a candidate for review."""
    doubtful = pl.col(f"{prefix}_confidence") < accept
    label = "country_iso3" if prefix == "country" else "good"
    key = "country_iso3" if prefix == "country" else "good_id"
    candidates = frame[f"{prefix}_candidates"]
    # the candidate text is made only for the (few) rows held back
    rows = frame.select(doubtful & pl.col(key).is_not_null()).to_series().arg_true()
    if len(rows):
        as_candidate = pl.concat_str([pl.col(label), pl.lit(" ("),
                                      pl.col(f"{prefix}_confidence").round(2).cast(pl.String),
                                      pl.lit(")")])
        candidates = candidates.scatter(rows, frame[rows].select(
            pl.coalesce(pl.col(f"{prefix}_candidates"), as_candidate)).to_series())
    return frame.with_columns(
        candidates,
        *(pl.when(doubtful).then(None).otherwise(pl.col(c)).alias(c)
          for c in dict.fromkeys((key, label, *extra)) if c in frame.columns),
    )


def resolve_country_columns(frame: pl.DataFrame, roles: ColumnRoles, reference: ReferenceTables,
                     accept: float) -> pl.DataFrame:
    """Country and region from the country column, falling back to (and adding region from) the
    address column. Each distinct (country, address) pair is decided once and joined back."""
    keys = pl.DataFrame({"_country_in": _text(frame, roles.country),
                         "_address_in": _text(frame, roles.address)})
    pairs = keys.unique()
    distinct = pl.concat([pairs["_country_in"], pairs["_address_in"]]).drop_nulls().unique()
    resolved = resolve_countries(distinct, reference)
    by_country = resolved.rename(lambda c: c if c == "input" else f"{c}__c")
    by_address = resolved.rename(lambda c: c if c == "input" else f"{c}__a")
    joined = pairs.join(
        by_country, left_on="_country_in", right_on="input", how="left", maintain_order="left"
    ).join(by_address, left_on="_address_in", right_on="input", how="left", maintain_order="left")
    use_address = pl.col("country_iso3__c").is_null() & pl.col("country_iso3__a").is_not_null()
    pick = {
        name: pl.when(use_address).then(pl.col(f"{name}__a")).otherwise(pl.col(f"{name}__c"))
        for name in ("country_iso3", "country_confidence", "country_method", "country_candidates")
    }
    same_country = pl.col("country_iso3__a") == pl.coalesce("country_iso3__c", "country_iso3__a")
    region = pl.coalesce(
        pl.col("region__c"), pl.when(same_country).then(pl.col("region__a"))
    )
    out = joined.select(
        "_country_in", "_address_in",
        *(expr.alias(name) for name, expr in pick.items()), region.alias("region"),
    ).with_columns(
        pl.col("country_confidence").fill_null(0.0),
        pl.when(pl.col("_country_in").is_null() & pl.col("_address_in").is_null())
        .then(pl.lit("missing"))
        .otherwise(pl.col("country_method").fill_null("none")).alias("country_method"),
    )
    out = _hold_back(out, "country", accept, extra=("region",))
    names = reference.countries.select(
        pl.col("iso3").alias("country_iso3"),
        pl.coalesce("ilab_name", "name").alias("country_name"),
        pl.col("ilab_url"),
    )
    out = out.join(names, on="country_iso3", how="left")
    return keys.join(out, on=["_country_in", "_address_in"], how="left", nulls_equal=True,
                     maintain_order="left").drop("_country_in", "_address_in")


def _product_keys(frame: pl.DataFrame, roles: ColumnRoles,
                  product: str | None) -> tuple[pl.DataFrame, pl.Series, str | None]:
    """Each row's (product_input, hs_input) as resolved — its own, else the `product` option —
    whether the row gave its own, and the option."""
    product_in, hs_in = _text(frame, roles.product), _text(frame, roles.hs_code)
    own = product_in.is_not_null() | hs_in.is_not_null()
    option = (product or "").strip() or None
    if option is not None:
        product_in = pl.select(pl.when(own).then(product_in).otherwise(pl.lit(option))
                               ).to_series().alias("product_input")
    return pl.DataFrame({"product_input": product_in, "hs_input": hs_in}), own, option


def _distinct_products(keys: pl.DataFrame) -> pl.DataFrame:
    return keys.unique().filter(
        pl.col("product_input").is_not_null() | pl.col("hs_input").is_not_null()
    )


def resolve_product_columns(frame: pl.DataFrame, roles: ColumnRoles, reference: ReferenceTables,
                            accept: float, product: str | None = None,
                            cache: ResolveCache | None = None) -> pl.DataFrame:
    """Good and sector from the product text and HS code, each distinct pair resolved once.

    Precedence for each row: its own product or HS code, then `product` (one product for every
    row that has none: `--product`), then the good read from the supplier's name
    (`match.product_name`, good_method "supplier name"). `good_source` says which it was
    ("product column", "HS code", "product option", "supplier name"); `_good_word` keeps the
    product option's text or the word of the name, for the reasons. `cache` carries the
    resolved pairs between the chunks of one run.
    """
    keys, own, option = _product_keys(frame, roles, product)
    resolved = (cache or ResolveCache()).products_of(keys, reference)
    joined = keys.join(
        resolved, on=["product_input", "hs_input"], how="left", nulls_equal=True,
        maintain_order="left",
    ).with_columns(_own=own)
    given = pl.col("product_input").is_not_null() | pl.col("hs_input").is_not_null()
    by_name = ~given & pl.col("_name").is_not_null()
    if not keys.select(given.all()).item():  # some rows' good may be read from the name
        joined = joined.with_columns(
            _name=_text(frame, roles.name).str.slice(0, _name_limits()))
    if "_name" in joined.columns and joined.select(by_name.any()).item():
        names = goods_from_names(joined.filter(by_name)["_name"]).rename(
            lambda c: c if c == "name_input" else f"{c}__n")
        joined = joined.join(names, left_on="_name", right_on="name_input", how="left",
                             maintain_order="left")
        read = by_name & pl.col("good_id__n").is_not_null()
        joined = joined.with_columns(
            *(pl.when(read).then(pl.col(f"{c}__n")).otherwise(pl.col(c)).alias(c)
              for c in ("good", "good_id", "good_confidence", "good_method", "sector")),
            _word=pl.when(read).then(pl.col("name_good_word__n")),
        )
    else:
        joined = joined.with_columns(_word=pl.lit(None, pl.String))
    source = (
        pl.when(pl.col("_own") & (pl.col("good_method") == "hs_code")).then(pl.lit("HS code"))
        .when(pl.col("_own")).then(pl.lit("product column"))
        .when(given).then(pl.lit("product option"))
        .when(pl.col("good_method") == NAME_METHOD).then(pl.lit("supplier name"))
        .otherwise(pl.lit(None, pl.String))
    )
    out = joined.select(
        "good", "good_id",
        pl.col("good_confidence").fill_null(0.0),
        pl.when(given | (pl.col("good_method") == NAME_METHOD))
        .then(pl.col("good_method").fill_null("none"))
        .otherwise(pl.lit("missing")).alias("good_method"),
        source.alias("good_source"),
        "good_candidates",
        # a name word only offered for review ("Dal Dosso Sport": dal, lentils) says no sector
        pl.when((pl.col("good_method") == NAME_METHOD) & (pl.col("good_confidence") < accept))
        .then(None).otherwise(pl.col("sector")).alias("sector"),
        pl.when(pl.col("_own")).then(pl.lit(None, pl.String))
        .when(given).then(pl.lit(option)).otherwise(pl.col("_word")).alias("_good_word"),
    )
    return _hold_back(out, "good", accept)


_WATCH_COLS = stage_columns("names")  # reference/report_columns.csv


class ResolveCache:
    """What the resolvers have done for the distinct values seen so far in one run, so that a
    large input screened in chunks resolves each distinct value once: name screening's
    country-independent work per name (`NameCandidates`) and the resolved (product, HS code)
    pairs (each pair's result does not depend on the others)."""

    def __init__(self) -> None:
        self.candidates = NameCandidates()
        self.products: pl.DataFrame | None = None
        self._lock = threading.Lock()
        self._names_done: Background | None = None
        self._products_done: Background | None = None
        self._chunk_names: list[int] = []
        self._names_needed: int | None = None

    def resolve_products(self, distinct: pl.DataFrame,
                         reference: ReferenceTables) -> pl.DataFrame:
        """`resolve_products` of the (product_input, hs_input) pairs not seen before; every
        pair resolved so far. Chunks screened at once may share it: a pair resolved by two of
        them at the same time is kept once."""
        keys = ["product_input", "hs_input"]
        with self._lock:
            done = self.products
        new = distinct if done is None else distinct.join(
            done.select(keys), on=keys, how="anti", nulls_equal=True)
        if done is not None and not new.height:
            return done
        found = resolve_products(new["product_input"], new["hs_input"], reference)
        with self._lock:
            if self.products is not None and self.products is not done:
                found = found.join(self.products.select(keys), on=keys, how="anti",
                                   nulls_equal=True)
            self.products = found if self.products is None else pl.concat([self.products, found])
            return self.products

    def prime(self, frame: pl.DataFrame, roles: ColumnRoles, watchlists: Watchlists,
              reference: ReferenceTables, product: str | None = None,
              chunk_ends: Sequence[int] = ()) -> None:
        """Do the work that does not depend on the chunk for every distinct value of `frame`
        first, so that chunks screened side by side share it instead of each repeating it:
        the country-independent name work (`NameCandidates.prime`, in the background, names in
        the order the rows first give them: chunk k, the rows before `chunk_ends[k]`, seen
        through `for_chunk(k)`, waits only for the names of those rows) and the (product, HS
        code) pairs (in the background too)."""
        names = name_keys(frame, roles)
        first = names.is_not_null() & names.is_first_distinct()
        distinct = names.filter(first)  # in the order the rows first give them
        if chunk_ends:
            # how many distinct names the rows up to each chunk's end hold
            self._chunk_names = first.cum_sum().gather([e - 1 for e in chunk_ends]).to_list()

        def work() -> NameCandidates:
            try:
                self.candidates.prime(distinct, entity_index(watchlists))
            except BaseException as exc:  # noqa: BLE001 — waiting chunks get it, then raised
                self.candidates.fail(exc)
                raise
            return self.candidates

        self._names_done = Background(work)
        # the chunks start with their countries meanwhile
        self._products_done = Background(lambda: self.resolve_products(
            _distinct_products(_product_keys(frame, roles, product)[0]), reference))

    def for_chunk(self, index: int) -> ResolveCache:
        """This cache as chunk `index` of the primed input uses it: the same shared work, but
        its names are ready once those of the rows up to its end are (`prime`'s `chunk_ends`)."""
        view = copy.copy(self)  # shares the candidates, the primed products and the lock
        view._names_needed = self._chunk_names[index]
        return view

    def products_of(self, keys: pl.DataFrame, reference: ReferenceTables) -> pl.DataFrame:
        """Resolved (product, HS code) pairs covering every pair of `keys` (once `prime` has
        done the whole input, the pairs it resolved; else the new ones are resolved)."""
        if self._products_done is not None:  # the pairs of the whole input
            return self._products_done.result()
        return self.resolve_products(_distinct_products(keys), reference)

    def name_candidates(self) -> NameCandidates:
        """`candidates`, once the names this cache (or chunk, `for_chunk`) needs are done."""
        if self._names_needed is not None:
            self.candidates.wait_for(self._names_needed)
        elif self._names_done is not None:
            self._names_done.result()
        return self.candidates


def _name_limits() -> int:
    """Characters of a name that are matched (`name_max_length`)."""
    return int(name_thresholds()["name_max_length"])


def name_keys(frame: pl.DataFrame, roles: ColumnRoles) -> pl.Series:
    """Each row's supplier name as it is screened: trimmed, its first `name_max_length`
    characters (no company name is longer; a cell holding a document stays cheap)."""
    return _text(frame, roles.name).str.slice(0, _name_limits()).str.strip_chars()


def screen_name_columns(
    frame: pl.DataFrame, roles: ColumnRoles, iso3: pl.Series, watchlists: Watchlists,
    cache: ResolveCache | None = None,
) -> pl.DataFrame:
    """Watchlist hits for each distinct (name, resolved country); `cache` carries results
    between the chunks of one run.

    Memory is bounded per distinct name: only a name's first `name_max_length` characters are
    matched (no company name is longer; a cell holding a document stays cheap), and distinct
    names are normalised and compared in batches of `name_batch_size` (a name's candidates do
    not depend on the others, so batching changes nothing but the peak memory).
    """
    keys = pl.DataFrame({"name_input": name_keys(frame, roles), "country_input": iso3})
    candidates = (cache or ResolveCache()).name_candidates()
    if not candidates.complete:
        candidates.of(keys["name_input"].drop_nulls().unique(maintain_order=True),
                      entity_index(watchlists))
    # Only rows whose name has a listed name to compare are ranked per country; the others
    # score 0. Their hits are put back in place by position (no second join on the text).
    rows = keys.with_row_index("_row").join(candidates.named(), on="name_input", how="semi",
                                            maintain_order="left")
    some = rows.select("name_input", "country_input").unique(maintain_order=True)
    hits = screen_names(some["name_input"], some["country_input"], watchlists,
                        candidates=candidates)
    found = rows.join(hits, on=["name_input", "country_input"], how="left", nulls_equal=True,
                      maintain_order="left")
    at = pl.repeat(None, frame.height, dtype=pl.UInt32, eager=True).scatter(
        found["_row"], pl.int_range(found.height, dtype=pl.UInt32, eager=True))
    placed = found.select(pl.col(c).gather(at) for c in _WATCH_COLS if c in found.columns)
    named = keys["name_input"].is_not_null()
    placed = placed.with_columns(
        pl.when(named).then(pl.col("watchlist_score").fill_null(0.0)).alias("watchlist_score"),
        pl.when(named).then(pl.col("watchlist_method").fill_null("none"))
        .alias("watchlist_method"),
    )
    return placed.select(
        *(pl.col(c) if c in placed.columns else pl.lit(None, pl.String).alias(c)
          for c in _WATCH_COLS)
    )


def mark_review(frame: pl.DataFrame, threshold: float) -> pl.DataFrame:
    """Mark rows a person should look at, and say why (from the resolvers' columns: a row gave
    a country or address unless its `country_method` is "missing", and its own product or HS
    code when `good_source` says so)."""
    country_given = pl.col("country_method") != "missing"
    product_given = pl.col("good_source").is_in(["product column", "HS code"]).fill_null(False)
    # Only what a person can resolve, each with the one action that resolves it: a product that
    # is simply no good on ILAB's List is not a problem to fix (it shows in `list_status`).
    reasons = [
        (~country_given, pl.lit(say("review_no_country"))),
        (country_given & pl.col("country_iso3").is_null(),
         pl.when(pl.col("country_method") == "non_answer")
         .then(pl.lit(say("review_non_answer")))
         .when(pl.col("country_candidates").is_not_null())
         .then(pl.lit(say("review_country_candidates")))
         .otherwise(pl.lit(say("review_country_unknown")))),
        (pl.col("country_iso3").is_not_null() & (pl.col("country_confidence") < threshold),
         say_expr("review_country_low",
                  country=pl.coalesce(pl.col("country_name"), pl.col("country_iso3")))),
        (product_given & pl.col("good_id").is_null() & pl.col("sector").is_null()
         & pl.col("good_candidates").is_not_null() & (pl.col("good_method") != "service"),
         pl.lit(say("review_product_candidates"))),
        (pl.col("good_id").is_not_null() & (pl.col("good_confidence") < threshold),
         pl.when(pl.col("good_source") == "supplier name")
         .then(say_expr("review_product_from_name", good=pl.col("good")))
         .otherwise(say_expr("review_product_low", good=pl.col("good")))),
        (pl.col("watchlist_candidates").is_not_null() & pl.col("watchlist_name").is_null(),
         pl.lit(say("review_name"))),
    ]
    # Each reason is a short when/then, joined as text (no lists are built), on the rows that
    # have one (most rows have none).
    rows = frame.select(pl.any_horizontal(c.fill_null(False) for c, _ in reasons)
                        ).to_series().arg_true()
    text = frame[rows].select(pl.concat_str(
        [pl.when(c).then(t) for c, t in reasons], separator="; ", ignore_nulls=True
    ).replace("", None)).to_series()
    review = pl.repeat(None, frame.height, dtype=pl.String, eager=True).scatter(rows, text)
    return frame.with_columns(review.alias("review_reason")).with_columns(
        pl.col("review_reason").is_not_null().alias("needs_review"))
