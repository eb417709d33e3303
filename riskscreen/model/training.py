"""Train the risk model on one ILAB edition: features from that edition only, its List as labels."""

from __future__ import annotations

import numpy as np
import polars as pl

from riskscreen.model.config import ModelConfig, load_config
from riskscreen.model.data import EditionData, edition_data
from riskscreen.model.design import design_matrix
from riskscreen.model.estimator import fit_scorer, score
from riskscreen.model.predict import FORMAT, VERSION, RiskModel
from riskscreen.reference import load_reference

TARGETS = ("child", "forced")  # finding types, one scorer each
ANY = "any"  # a third scorer on child OR forced: ranks pairs and drives the supplier score
FITTED = (*TARGETS, ANY)  # the scorers a model holds


def _reference(reference):
    return load_reference() if reference is None else reference


def fit_grid(data: EditionData, cfg: ModelConfig, random_state: int = 0) -> dict:
    """Fit one scorer per finding type, and one for either finding, on the edition's vocabulary;
    score the whole grid.

    Returns {"scorers": {...}, "x": raw design matrix, "p": {target: (countries x goods)}}, with
    p["any"] held within the bounds the two finding probabilities allow (`any_probability`).
    """
    x = design_matrix(data, cfg)
    mask = data.train_mask()
    log_cols = np.flatnonzero((cfg.features["transform"] == "log1p").to_numpy())
    shape = (len(data.iso3), len(data.good_id))
    scorers, probs = {}, {}
    for target in FITTED:
        y = getattr(data.grid, target).reshape(-1)[mask]
        scorers[target] = fit_scorer(
            x[mask], y, log_cols, cfg, random_state, cols=target_columns(cfg, target), target=target
        )
        probs[target] = score(scorers[target], x).reshape(shape)
    probs[ANY] = any_probability(probs[ANY], probs["child"], probs["forced"])
    return {"scorers": scorers, "x": x, "p": probs}


def any_probability(p_any: np.ndarray, p_child: np.ndarray, p_forced: np.ndarray) -> np.ndarray:
    """The either-finding model's probability, kept between the larger of the two finding
    probabilities and their sum (the bounds of P(A or B) whatever A and B's dependence).

    Child- and forced-labour findings come together far more often than independence says (78
    of the 2022 List's 121 forced-labour pairs also have a child-labour finding), so combining
    the two models as 1 - (1 - p_child)(1 - p_forced) overrates pairs where both are likely.
    """
    low = np.maximum(p_child, p_forced)
    return np.clip(p_any, low, np.minimum(1.0, p_child + p_forced))


def target_columns(cfg: ModelConfig, target: str) -> np.ndarray:
    """Feature columns used for `target` (model_features.csv `targets`: child|forced|any)."""
    targets = cfg.features["targets"].to_list()
    return np.array([i for i, t in enumerate(targets) if target in t.split("|")], dtype=np.int64)


def good_weights(data: EditionData) -> np.ndarray:
    """Weight of each good in country-level averages: its number of listings that edition."""
    return data.grid.any.sum(axis=0) * data.good_vocab


def _names(reference, edition: str, good_ids: list[str]) -> tuple[list[str], list[str], list[str]]:
    """(lookup keys, their good_ids, display name per good) for matching `good` text."""
    goods = reference.goods.select("good_id", "name")
    spelled = reference.good_name_map(edition)
    keys = (
        pl.concat(
            [
                spelled.select("good_id", key=pl.col("name")),
                goods.select("good_id", key=pl.col("name")),
                goods.select("good_id", key=pl.col("good_id")),
                reference.good_names.select("good_id", key=pl.col("name")),
            ]
        )
        .with_columns(key=pl.col("key").str.strip_chars().str.to_lowercase())
        .unique("key", keep="first", maintain_order=True)
        .sort("key")
    )
    display = (
        pl.DataFrame({"good_id": good_ids, "_i": np.arange(len(good_ids))})
        .join(
            spelled.unique("good_id", keep="first").rename({"name": "_e"}), on="good_id", how="left"
        )
        .join(goods, on="good_id", how="left")
        .sort("_i")
    )
    shown = display.select(pl.coalesce("_e", "name", "good_id")).to_series().to_list()
    return keys["key"].to_list(), keys["good_id"].to_list(), shown


def train(edition: str | None = None, reference=None, random_state: int = 0) -> RiskModel:
    """Train on one edition (None = newest): that edition's Findings indicators and its List labels.

    Deterministic: the same reference, edition and random_state give identical predictions.
    """
    ref = _reference(reference)
    cfg = load_config()
    data = edition_data(ref, edition, cfg)
    fit = fit_grid(data, cfg, random_state)
    w = good_weights(data)
    sec_onehot = np.eye(len(data.sectors))[data.grid.sector]  # goods x sectors
    country, sector = {}, {}
    for target in FITTED:
        p = fit["p"][target]
        country[target] = (p @ w) / max(w.sum(), 1e-12)
        ws = sec_onehot * w[:, None]
        with np.errstate(invalid="ignore", divide="ignore"):
            sector[target] = np.where(ws.sum(0) > 0, (p @ ws) / ws.sum(0), country[target][:, None])
    keys, key_ids, shown = _names(ref, data.edition, data.good_id)
    countries = (
        pl.DataFrame({"iso3": data.iso3, "_i": np.arange(len(data.iso3))})
        .join(ref.countries.select("iso3", "name"), on="iso3", how="left")
        .sort("_i")
    )
    published = ref.editions.filter(
        (pl.col("edition") == data.edition) & (pl.col("kind") == "goods")
    )["published"].to_list()
    meta = {
        "format": FORMAT,
        "version": VERSION,
        "edition": data.edition,
        "edition_published": published[0] if published else "",
        "trained_on": f"ILAB List edition {data.edition} with countries_{data.edition} Findings",
        "estimator": cfg.param("estimator"),
        "random_state": int(random_state),
        "features": cfg.feature_names,
        "feature_spec": {c: cfg.features[c].to_list() for c in cfg.features.columns},
        "explain_top": cfg.param("explain_top", int),
        "reference_built": str(ref.manifest.get("built", "")),
    }
    state = {
        "meta": meta,
        "iso3": data.iso3,
        "country_name": countries.select(pl.coalesce("name", "iso3")).to_series().to_list(),
        "good_id": data.good_id,
        "good_name": shown,
        "good_keys": keys,
        "good_key_ids": key_ids,
        "regions": data.regions,
        "sectors": data.sectors,
        "region_code": data.grid.region.astype(np.int64),
        "sector_code": data.grid.sector.astype(np.int64),
        "assessed": data.assessed.astype(bool),
        "country_vocab": data.country_vocab.astype(bool),
        "good_vocab": data.good_vocab.astype(bool),
        "good_weight": w.astype(np.float64),
        "child": data.grid.child.astype(np.int8),
        "forced": data.grid.forced.astype(np.int8),
        "country_raw": data.country_raw,
        "peer_kernel": data.grid.peer_kernel,
        "production_kernel": data.grid.production_kernel,
        "country_raw_names": data.country_raw_names,
        "advancement_words": [w_ or "" for w_ in data.advancement_words],
        "scorers": fit["scorers"],
        "p_child": fit["p"]["child"],
        "p_forced": fit["p"]["forced"],
        "p_any": fit["p"][ANY],
        "country_child": country["child"],
        "country_forced": country["forced"],
        "country_any": country[ANY],
        "sector_child": sector["child"],
        "sector_forced": sector["forced"],
        "sector_any": sector[ANY],
    }
    return RiskModel(state)
