"""Plain-language model factors: the model's own per-feature contributions, top 3 per prediction.

For each prediction, the finding type with the higher probability is explained. Contributions
are in log-odds: coefficient x standardised value for the logistic model (exact), occlusion for
gradient boosting. Country- and sector-level predictions are explained by the country's own
features, averaged with the same good weights as the probability. Work is per distinct pair.

Not every contribution is a reason: a Findings figure the country lacks (filled with a typical
value) is never shown, and a 0/1 flag or interaction is shown only where it applies (value
above 0), so an assessed country is never told it is "not assessed".
"""

from __future__ import annotations

import numpy as np
import polars as pl

from riskscreen.model.config import ModelConfig
from riskscreen.model.data import EditionData
from riskscreen.model.design import design_matrix
from riskscreen.model.estimator import contributions, standardised
from riskscreen.model.features import Grid
from riskscreen.phrases import say
from riskscreen.tables import read_table

_INDICATOR_KINDS = {"indicator", "count_true", "advancement"}
_COUNTRY_KINDS = _INDICATOR_KINDS | {"region", "not_assessed", "interaction"}
_CONDITIONAL_KINDS = {"not_assessed", "interaction"}  # shown only where they apply (value > 0)
_MIN_CONTRIBUTION = 0.05  # log-odds; smaller effects are not worth a reason
_EXPLAINED = ("child", "forced")  # the scorers whose factors are shown
FACTOR_SEPARATOR = "; "  # model_factors is one string: up to 3 factors joined by this


def _rebuild(state: dict) -> tuple[EditionData, ModelConfig]:
    """EditionData and feature spec from the model state (no reference tables needed)."""
    spec = pl.DataFrame(state["meta"]["feature_spec"])
    cfg = ModelConfig(features=spec, advancement=pl.DataFrame(), params={})
    grid = Grid(
        child=np.asarray(state["child"], np.float64),
        forced=np.asarray(state["forced"], np.float64),
        region=np.asarray(state["region_code"]),
        sector=np.asarray(state["sector_code"]),
        country_weight=np.asarray(state["country_vocab"], np.float64),
        peer_kernel=np.asarray(state["peer_kernel"], np.float64),
        production_kernel=(
            None
            if state.get("production_kernel") is None
            else np.asarray(state["production_kernel"], np.float64)
        ),
    )
    data = EditionData(
        edition=state["meta"]["edition"],
        iso3=state["iso3"],
        good_id=state["good_id"],
        regions=state["regions"],
        sectors=state["sectors"],
        grid=grid,
        country_vocab=np.asarray(state["country_vocab"]),
        good_vocab=np.asarray(state["good_vocab"]),
        assessed=np.asarray(state["assessed"]),
        country_raw=np.asarray(state["country_raw"]),
        country_raw_names=state["country_raw_names"],
        advancement_words=state["advancement_words"],
    )
    return data, cfg


def grid_contributions(model) -> dict:
    """Raw values, standardised values and contributions for every grid cell (cached)."""
    if model._explain_cache is None:
        data, cfg = _rebuild(model.state)
        x = design_matrix(data, cfg)
        # Only the finding scorers are explained (the one with the higher probability per pair).
        scorers = {t: model.state["scorers"][t] for t in _EXPLAINED}
        model._explain_cache = {
            "x": x,
            "z": {t: standardised(s, x) for t, s in scorers.items()},
            "c": {t: contributions(s, x) for t, s in scorers.items()},
            "spec": cfg.features,
        }
    return model._explain_cache


def _fmt(values: pl.Expr, unit: pl.Expr) -> pl.Expr:
    pct = (values * 100).round(0).cast(pl.Int64).cast(pl.String) + "%"
    return (
        pl.when(unit == "pct")
        .then(pct)
        .when(unit == "count")
        .then(values.round(0).cast(pl.Int64).cast(pl.String))
        .when(unit == "avg")
        .then(values.round(1).cast(pl.String))
        .otherwise(values.round(2).cast(pl.String))
    )


def explain_frame(model, frame: pl.DataFrame) -> pl.DataFrame:
    """Add `model_factors` to predict_pairs(frame): up to `explain_top` factors joined by "; "
    (null when no factor is large enough or the row cannot be scored)."""
    scored = model.predict_pairs(frame)
    if scored.height == 0 or scored["model_level"].null_count() == scored.height:
        return scored.with_columns(pl.lit(None, dtype=pl.String).alias("model_factors"))
    s = model.state
    cache = grid_contributions(model)
    spec = cache["spec"]
    n_g, n_feat = len(s["good_id"]), cache["x"].shape[1]
    top = int(s["meta"].get("explain_top", 3))

    keys = scored.select(
        _iso3=pl.col("country_iso3").cast(pl.String).str.strip_chars().str.to_uppercase(),
        _level="model_level",
        _target=pl.when(pl.col("p_forced_labour") > pl.col("p_child_labour"))
        .then(pl.lit("forced"))
        .otherwise(pl.lit("child")),
        _good_id=_good_ids(model, scored),
        _sector=(
            pl.col("sector").cast(pl.String).str.strip_chars().str.to_lowercase()
            if "sector" in scored.columns
            else pl.lit(None, dtype=pl.String)
        ),
    ).with_row_index("_row")
    distinct = keys.drop("_row").unique(maintain_order=True).with_row_index("_k")
    c_idx = pl.DataFrame({"_iso3": s["iso3"], "_ci": np.arange(len(s["iso3"]))})
    g_idx = pl.DataFrame({"_good_id": s["good_id"], "_gi": np.arange(n_g)})
    distinct = distinct.join(c_idx, on="_iso3", how="left").join(g_idx, on="_good_id", how="left")
    distinct = distinct.sort("_k")

    n_k = distinct.height
    contrib = np.zeros((n_k, n_feat))
    value = np.full((n_k, n_feat), np.nan)
    zval = np.zeros((n_k, n_feat))
    ci = distinct["_ci"].to_numpy()
    gi = distinct["_gi"].to_numpy()
    lvl = distinct["_level"].to_list()
    tgt = distinct["_target"].to_numpy()
    is_pair = np.array([v == "pair" for v in lvl], dtype=bool)
    is_agg = np.array([v in ("sector", "country") for v in lvl], dtype=bool)
    kinds = spec["kind"].to_list()
    country_feat = np.array(
        [
            k in _COUNTRY_KINDS
            or (k == "label" and src.startswith("country_") and src != "country_sector_goods_other")
            for k, src in zip(kinds, spec["source"].to_list(), strict=True)
        ]
    )
    for target in _EXPLAINED:
        rows = np.flatnonzero(is_pair & (tgt == target))
        cell = ci[rows].astype(np.int64) * n_g + gi[rows].astype(np.int64)
        contrib[rows] = cache["c"][target][cell]
        value[rows] = cache["x"][cell]
        zval[rows] = cache["z"][target][cell]
        rows = np.flatnonzero(is_agg & (tgt == target))
        if len(rows):
            # Same good weights as the country/sector probability, one weighted sum per key.
            w = np.asarray(s["good_weight"], np.float64)
            lower = [x.lower() for x in s["sectors"]]
            sec = np.array(distinct["_sector"].to_list(), dtype=object)[rows]
            sidx = np.array(
                [lower.index(x) if isinstance(x, str) and x in lower else -1 for x in sec]
            )
            sidx = np.where(np.array([lvl[r] == "sector" for r in rows]), sidx, -1)
            code = np.asarray(s["sector_code"])
            weights = w[None, :] * ((code[None, :] == sidx[:, None]) | (sidx[:, None] < 0))
            weights = weights / np.maximum(weights.sum(axis=1, keepdims=True), 1e-12)
            c_rows = ci[rows].astype(np.int64)
            n_f = cache["x"].shape[1]
            for arr, out in (
                (cache["c"][target], contrib),
                (cache["x"], value),
                (cache["z"][target], zval),
            ):
                cube = arr.reshape(-1, n_g, n_f)[c_rows]  # keys x goods x features
                out[rows] = np.einsum("kg,kgf->kf", weights, cube)
            contrib[np.ix_(rows, np.flatnonzero(~country_feat))] = 0.0

    # A missing Findings figure is filled with a typical value; it is not a reason of its own
    # (the `not_assessed` feature says whether the country has a Findings profile at all).
    ind_cols = np.flatnonzero([k in _INDICATOR_KINDS for k in kinds])
    if len(ind_cols):
        contrib[:, ind_cols] = np.where(np.isnan(value[:, ind_cols]), 0.0, contrib[:, ind_cols])
    # A flag or interaction that does not apply (raw value 0) is the baseline, not a reason:
    # "India is not assessed ..." must never be shown for an assessed country.
    cond_cols = np.flatnonzero([k in _CONDITIONAL_KINDS for k in kinds])
    if len(cond_cols):
        sub = value[:, cond_cols]
        contrib[:, cond_cols] = np.where(np.nan_to_num(sub) == 0, 0.0, contrib[:, cond_cols])
    contrib = _merge_facts(contrib, spec["feature"].to_list())
    order = np.argsort(-np.abs(contrib), axis=1, kind="stable")[:, :top]
    long = pl.DataFrame(
        {
            "_k": np.repeat(np.arange(n_k), top),
            "_f": order.reshape(-1),
            "_c": np.take_along_axis(contrib, order, axis=1).reshape(-1),
            "_v": np.take_along_axis(value, order, axis=1).reshape(-1),
            "_z": np.take_along_axis(zval, order, axis=1).reshape(-1),
        }
    ).filter(pl.col("_c").abs() >= _MIN_CONTRIBUTION)
    feat = spec.select(
        _f=pl.int_range(pl.len()).cast(long["_f"].dtype),
        _unit="unit",
        _describe="describe",
        _kind="kind",
        _name="feature",
    )
    ctx = distinct.select(
        "_k",
        _country=_text(_pick(s["country_name"], ci)),
        _good=_text(_pick(s["good_name"], gi)),
        _gsector=_text(_pick(s["sectors"], _pick(s["sector_code"], gi).astype(np.float64))),
        _region=_text(_pick(s["regions"], _pick(s["region_code"], ci).astype(np.float64))),
        _adv=_text(_pick(s["advancement_words"], ci)),
    ).with_columns(pl.col("_k").cast(pl.Int64))
    # Joins keep `long`'s order (factors strongest first): polars does not unless told.
    long = (
        long.with_columns(pl.col("_k").cast(pl.Int64))
        .join(feat, on="_f", maintain_order="left")
        .join(ctx, on="_k", maintain_order="left")
    )
    level = (
        pl.when(pl.col("_z") >= 1)
        .then(pl.lit("high"))
        .when(pl.col("_z") <= -1)
        .then(pl.lit("low"))
        .otherwise(pl.lit("typical"))
    )
    shown = (
        pl.when(pl.col("_kind") == "advancement")
        .then(pl.col("_adv"))
        .otherwise(_fmt(pl.col("_v"), pl.col("_unit")))
    )
    text = (
        pl.col("_describe")
        .str.replace_all("{value}", shown.fill_null(""), literal=True)
        .str.replace_all("{good}", pl.col("_good").fill_null("this good"), literal=True)
        .str.replace_all("{country}", pl.col("_country").fill_null("the country"), literal=True)
        .str.replace_all(
            "{sector}", pl.col("_gsector").fill_null("").str.to_lowercase(), literal=True
        )
        .str.replace_all("{region}", pl.col("_region").fill_null("its region"), literal=True)
        .str.replace_all("{level}", level, literal=True)
        # "1 other countries" -> "1 other country" (templates are written for plural counts)
        .str.replace_all(" 1 other countries", " 1 other country", literal=True)
        .str.replace_all(" 1 other goods", " 1 other good", literal=True)
    )
    direction = (
        pl.when(pl.col("_c") > 0)
        .then(pl.lit(say("factor_raises")))
        .otherwise(pl.lit(say("factor_lowers")))
    )
    factors = (
        long.with_columns(_t=text + direction)
        .group_by("_k", maintain_order=True)
        .agg(model_factors=pl.col("_t"))
    )
    keyed = distinct.select(
        pl.col("_k").cast(pl.Int64), "_iso3", "_level", "_target", "_good_id", "_sector"
    ).join(factors, on="_k", how="left")
    out = keys.join(
        keyed,
        on=["_iso3", "_level", "_target", "_good_id", "_sector"],
        how="left",
        nulls_equal=True,
    ).sort("_row")
    joined = out["model_factors"].cast(pl.List(pl.String)).list.join(FACTOR_SEPARATOR)
    joined = pl.Series("model_factors", joined, dtype=pl.String)
    return scored.with_columns(
        pl.when(joined.str.len_chars() > 0).then(joined).otherwise(None).alias("model_factors")
    )


def _merge_facts(contrib: np.ndarray, features: list[str]) -> np.ndarray:
    """Say one fact once: features that restate the same fact (`reference/model_facts.csv`,
    e.g. the country's other listed goods, counted three ways) become one factor per row: the
    member with the largest effect carries the group's summed contribution, the others none."""
    facts = read_table("model_facts")
    group = dict(zip(facts["feature"].to_list(), facts["fact"].to_list(), strict=True))
    members: dict[str, list[int]] = {}
    for i, name in enumerate(features):
        if name in group:
            members.setdefault(group[name], []).append(i)
    out = contrib.copy()
    for cols in members.values():
        if len(cols) < 2:
            continue
        sub = contrib[:, cols]
        keep = np.argmax(np.abs(sub), axis=1)
        merged = np.zeros_like(sub)
        merged[np.arange(len(sub)), keep] = sub.sum(axis=1)
        out[:, cols] = merged
    return out


def _text(values: np.ndarray) -> pl.Series:
    """An object array of str/None as a String series (all-None arrays included)."""
    return pl.Series(values.tolist(), dtype=pl.String)


def _pick(values, idx: np.ndarray) -> np.ndarray:
    """values[i] for each index, None where the index is missing (NaN or None)."""
    table = np.empty(len(values) + 1, dtype=object)
    table[:-1] = list(values)
    table[-1] = None
    raw = np.asarray(idx, dtype=np.float64)
    pos = np.where(np.isnan(raw), len(values), np.nan_to_num(raw, nan=0)).astype(np.int64)
    return table[pos]


def _good_ids(model, scored: pl.DataFrame) -> pl.Expr:
    """Expression resolving the frame's good column to good_id (null when unknown)."""
    t = model.tables()
    if "good_id" in scored.columns:
        col = pl.col("good_id")
    elif "good" in scored.columns:
        col = pl.col("good")
    else:
        return pl.lit(None, dtype=pl.String)
    key = col.cast(pl.String).str.strip_chars().str.to_lowercase()
    mapping = dict(zip(t["keys"]["_key"].to_list(), t["keys"]["_key_id"].to_list(), strict=True))
    return key.replace_strict(mapping, default=None, return_dtype=pl.String)
