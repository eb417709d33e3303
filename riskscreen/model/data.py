"""One edition's data on the full (country x good) grid: labels, country and good raw features.

The grid covers every country in countries.csv and every good in goods.csv, so the trained
model can score any pair the resolvers produce. `country_vocab` / `good_vocab` mark the pairs
that belong to the edition itself (countries with a Findings profile or a listing that
edition, goods listed that edition); only those are used for training and evaluation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from riskscreen.errors import ReferenceError_
from riskscreen.model.config import ModelConfig
from riskscreen.model.features import Grid, peer_kernel, production_kernel


@dataclass(frozen=True)
class EditionData:
    """Everything the model needs from one edition, as aligned numpy arrays and id lists."""

    edition: str
    iso3: list[str]
    good_id: list[str]
    regions: list[str]  # region labels; Grid.region codes index into this
    sectors: list[str]  # sector labels; Grid.sector codes index into this
    grid: Grid
    country_vocab: np.ndarray  # bool per country
    good_vocab: np.ndarray  # bool per good
    assessed: np.ndarray  # bool per country: assessed in this edition's Findings
    country_raw: np.ndarray  # countries x (indicator/count_true/advancement features), NaN = none
    country_raw_names: list[str]
    advancement_words: list[str | None]  # per country, plain words for the level
    profile: np.ndarray | None = None  # countries x k peer-profile indicators (NaN = unknown)

    def pair_index(self) -> tuple[np.ndarray, np.ndarray]:
        """(country index, good index) of every grid cell, row-major by country."""
        n_c, n_g = len(self.iso3), len(self.good_id)
        return np.repeat(np.arange(n_c), n_g), np.tile(np.arange(n_g), n_c)

    def train_mask(self) -> np.ndarray:
        """Grid cells (flattened) that belong to the edition's vocabulary."""
        return np.outer(self.country_vocab, self.good_vocab).reshape(-1)


def _listed(listings: pl.DataFrame) -> pl.DataFrame:
    """Rows with a child- or forced-labour finding (downstream 'derived' rows carry neither)."""
    return listings.filter(pl.col("child_labour") | pl.col("forced_labour"))


def _advancement(levels: pl.Series, cfg: ModelConfig) -> tuple[np.ndarray, list[str | None]]:
    """Score each advancement text with the longest matching prefix of model_advancement.csv."""
    text = levels.str.to_lowercase().str.replace_all("[\u2013\u2014]", "-")
    adv = cfg.advancement.with_columns(plen=pl.col("prefix").str.len_chars()).sort("plen")
    score = pl.Series([None] * len(levels), dtype=pl.Float64)
    words = pl.Series([None] * len(levels), dtype=pl.String)
    for prefix, value, word in adv.select("prefix", "score", "words").iter_rows():
        hit = text.str.starts_with(prefix).fill_null(False)
        score = pl.select(pl.when(hit).then(value).otherwise(score)).to_series()
        words = pl.select(pl.when(hit).then(pl.lit(word)).otherwise(words)).to_series()
    return score.fill_null(np.nan).to_numpy().astype(np.float64), words.to_list()


def _country_raw(ind: pl.DataFrame, cfg: ModelConfig) -> tuple[np.ndarray, list[str], list]:
    """Country-level raw features for the rows of `ind` (one row per grid country)."""
    cols, names = [], []
    words: list[str | None] = [None] * ind.height
    for name, kind, source in cfg.features.select("feature", "kind", "source").iter_rows():
        if kind == "indicator":
            cols.append(ind[source].cast(pl.Float64).fill_null(np.nan).to_numpy())
        elif kind == "count_true":
            parts = [ind[c].cast(pl.Float64) for c in source.split("|")]
            total = pl.DataFrame(parts).sum_horizontal(ignore_nulls=False)
            cols.append(total.fill_null(np.nan).to_numpy())
        elif kind == "advancement":
            score, words = _advancement(ind[source], cfg)
            cols.append(score)
        elif kind == "not_assessed":  # 1 = no assessed Findings profile in this edition
            cols.append((~ind["assessed"].fill_null(False)).cast(pl.Float64).to_numpy())
        else:
            continue
        names.append(name)
    raw = np.stack(cols, axis=1) if cols else np.zeros((ind.height, 0))
    return raw.astype(np.float64), names, words


def edition_data(reference, edition: str | None, cfg: ModelConfig) -> EditionData:
    """Assemble the grid of `edition` (None = newest) from a loaded `Reference`."""
    label = reference.newest_edition if edition is None else str(edition)
    if label not in reference.listing_editions:
        raise ReferenceError_(
            f"unknown ILAB edition {label!r}; available: {', '.join(reference.listing_editions)}"
        )
    listed = _listed(reference.listings_for(label))
    ind = reference.country_indicators.filter(pl.col("edition") == label)

    iso3 = sorted(set(reference.countries["iso3"].to_list()) | set(listed["iso3"].to_list()))
    goods = reference.goods.select("good_id", "sector").unique("good_id").sort("good_id")
    good_id = goods["good_id"].to_list()
    missing = sorted(set(listed["good_id"].to_list()) - set(good_id))
    if missing:
        raise ReferenceError_(f"listings name goods missing from goods.csv: {missing[:5]}")

    c_frame = pl.DataFrame({"iso3": iso3, "_c": np.arange(len(iso3))})
    g_frame = pl.DataFrame({"good_id": good_id, "_g": np.arange(len(good_id))})
    cells = listed.join(c_frame, on="iso3").join(g_frame, on="good_id")
    child = np.zeros((len(iso3), len(good_id)))
    forced = np.zeros_like(child)
    ci, gi = cells["_c"].to_numpy(), cells["_g"].to_numpy()
    child[ci, gi] = cells["child_labour"].to_numpy().astype(np.float64)
    forced[ci, gi] = cells["forced_labour"].to_numpy().astype(np.float64)

    # Region: the edition's Findings label, else countries.csv's (newest) label.
    region_of = (
        c_frame.join(ind.select("iso3", pl.col("region").alias("_r1")), on="iso3", how="left")
        .join(
            reference.countries.select("iso3", pl.col("region").alias("_r2")), on="iso3", how="left"
        )
        .sort("_c")
    )
    region_lab = region_of.select(pl.coalesce("_r1", "_r2")).to_series()
    regions = sorted(region_lab.drop_nulls().unique().to_list())
    region = np.array([regions.index(r) if r is not None else -1 for r in region_lab.to_list()])
    sector_lab = goods["sector"].fill_null("Other")
    sectors = sorted(sector_lab.unique().to_list())
    sector = np.array([sectors.index(s) for s in sector_lab.to_list()])

    ind_rows = c_frame.join(ind, on="iso3", how="left").sort("_c")
    raw, raw_names, adv_words = _country_raw(ind_rows, cfg)
    profile = _profile(ind_rows, cfg)
    production = production_profile(reference.production, iso3, label, cfg)
    assessed = ind_rows["assessed"].fill_null(False).to_numpy().astype(bool)
    in_findings = ind_rows["edition"].is_not_null().to_numpy()
    country_vocab = in_findings | (child + forced).sum(axis=1).astype(bool)
    good_vocab = (child + forced).sum(axis=0).astype(bool)
    return EditionData(
        edition=label,
        iso3=iso3,
        good_id=good_id,
        regions=regions,
        sectors=sectors,
        grid=Grid(
            child=child,
            forced=forced,
            region=region,
            sector=sector,
            country_weight=country_vocab.astype(np.float64),
            peer_kernel=kernel_for(profile, region, cfg),
            production_kernel=production_kernel(
                production, cfg.param("production_bandwidth", float)
            ),
        ),
        country_vocab=country_vocab,
        good_vocab=good_vocab,
        assessed=assessed,
        country_raw=raw,
        country_raw_names=raw_names,
        advancement_words=adv_words,
        profile=profile,
    )


def _profile(ind: pl.DataFrame, cfg: ModelConfig) -> np.ndarray:
    """Peer-profile indicators (model_params.csv `peer_profile`) per grid country."""
    cols = []
    for source in cfg.param("peer_profile").split("|"):
        if source == "advancement_level":
            cols.append(_advancement(ind[source], cfg)[0])
        else:
            cols.append(ind[source].cast(pl.Float64).fill_null(np.nan).to_numpy())
    return np.stack(cols, axis=1).astype(np.float64)


def kernel_for(profile: np.ndarray, region: np.ndarray, cfg: ModelConfig) -> np.ndarray:
    """The peer kernel with the configured region weight and bandwidth."""
    return peer_kernel(
        profile, region, cfg.param("peer_region_weight", float), cfg.param("peer_bandwidth", float)
    )


def production_profile(
    production: pl.DataFrame, iso3: list[str], edition: str, cfg: ModelConfig
) -> np.ndarray:
    """Countries x FAO items: log1p of mean production (kt) over the edition's window.

    The window is the `production_years` years up to the edition's year (capped at the newest
    year FAO figures cover), so a model of an edition sees no later production. Countries with
    no figures in the window get a row of NaN.
    """
    years = cfg.param("production_years", int)
    last = min(int(edition[:4]), int(production["year"].max()))
    window = production.filter(pl.col("year").is_between(last - years + 1, last))
    mean = window.group_by("iso3", "item_code").agg(pl.col("production_kt").mean())
    items = sorted(mean["item_code"].unique().to_list())
    cells = mean.join(pl.DataFrame({"iso3": iso3, "_c": np.arange(len(iso3))}), on="iso3").join(
        pl.DataFrame({"item_code": items, "_i": np.arange(len(items))}), on="item_code"
    )
    out = np.zeros((len(iso3), len(items)))
    out[cells["_c"].to_numpy(), cells["_i"].to_numpy()] = np.log1p(
        cells["production_kt"].to_numpy()
    )
    out[~np.isin(np.arange(len(iso3)), cells["_c"].to_numpy())] = np.nan
    return out
