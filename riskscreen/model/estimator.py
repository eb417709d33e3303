"""Per-finding scorer: preprocessing (log1p, median impute, missing flags, scaling) + estimator.

The preprocessing is stored as plain arrays so the whole scorer persists with skops' trusted
types. For the logistic estimator, a feature's contribution to the log-odds is exactly
coefficient x standardised value; for gradient boosting, contributions are measured by
occlusion (replace one feature by its training median / missing, re-score).

scikit-learn is imported only to fit: scoring and explaining a logistic scorer need its
coefficients alone (`plain_scorer`), so screening never pays scikit-learn's import time.
"""

from __future__ import annotations

import numpy as np

from riskscreen.model.config import ModelConfig


def fit_preprocess(
    x: np.ndarray, log_cols: np.ndarray, missing_flags: bool = True
) -> dict[str, np.ndarray]:
    """Learn medians, missing-flag columns and scaling from training rows `x` (raw values).

    With `missing_flags` False, missing values are only filled with the training median (no
    extra 0/1 columns): whether a country is assessed at all is then an explicit feature.
    """
    z = _log(x, log_cols)
    with np.errstate(all="ignore"):
        med = np.nanmedian(z, axis=0)
    med = np.where(np.isnan(med), 0.0, med)
    miss_cols = np.flatnonzero(np.isnan(z).any(axis=0))
    if not missing_flags:
        miss_cols = miss_cols[:0]
    filled = _fill(z, med, miss_cols)
    mean, std = filled.mean(axis=0), filled.std(axis=0)
    std = np.where(std > 0, std, 1.0)
    return {
        "log_cols": log_cols.astype(np.int64),
        "median": med,
        "miss_cols": miss_cols,
        "mean": mean,
        "std": std,
    }


def _log(x: np.ndarray, log_cols: np.ndarray) -> np.ndarray:
    z = x.astype(np.float64, copy=True)
    if len(log_cols):
        z[:, log_cols] = np.log1p(np.maximum(z[:, log_cols], 0.0))
    return z


def _fill(z: np.ndarray, med: np.ndarray, miss_cols: np.ndarray) -> np.ndarray:
    miss = np.isnan(z[:, miss_cols]).astype(np.float64)
    return np.hstack([np.where(np.isnan(z), med, z), miss])


def preprocess(x: np.ndarray, pre: dict[str, np.ndarray]) -> np.ndarray:
    """Raw feature values -> standardised model inputs (features, then missing flags)."""
    filled = _fill(_log(x, pre["log_cols"]), pre["median"], pre["miss_cols"])
    return (filled - pre["mean"]) / pre["std"]


def make_estimator(cfg: ModelConfig, random_state: int, target: str = ""):
    """The configured estimator (model_params.csv `estimator`; `C_<target>` overrides `C`)."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression

    kind = cfg.param("estimator")
    if kind == "logistic":
        c_key = f"C_{target}" if f"C_{target}" in cfg.params else "C"
        return LogisticRegression(
            C=cfg.param(c_key, float),
            max_iter=cfg.param("max_iter", int),
            random_state=random_state,
        )
    if kind == "hgb":
        return HistGradientBoostingClassifier(
            max_iter=cfg.param("hgb_max_iter", int),
            learning_rate=cfg.param("hgb_learning_rate", float),
            max_leaf_nodes=cfg.param("hgb_max_leaf_nodes", int),
            min_samples_leaf=cfg.param("hgb_min_samples_leaf", int),
            l2_regularization=cfg.param("hgb_l2", float),
            early_stopping=False,
            random_state=random_state,
        )
    raise ValueError(f"model_params.csv: unknown estimator {kind!r}")


def fit_scorer(
    x: np.ndarray,
    y: np.ndarray,
    log_cols: np.ndarray,
    cfg: ModelConfig,
    random_state: int,
    cols: np.ndarray | None = None,
    target: str = "",
) -> dict:
    """Fit preprocessing, estimator and a cross-validated Platt recalibration on raw rows.

    `cols` selects the feature columns this scorer uses (None = all). The estimator is strongly
    regularised for ranking (chosen on earlier edition pairs), so its log-odds are rescaled by a
    one-dimensional logistic fit (Platt scaling). That fit sees each row's log-odds from a model
    fitted without the row's fold (`calibration_folds`, stratified, shuffled with
    `random_state`), as scikit-learn's `CalibratedClassifierCV(method="sigmoid",
    ensemble=False)` does, so the probabilities are calibrated on rows the estimator did not
    learn from; the estimator kept is fitted on all rows. The rescaling is monotone and does
    not change any ranking.
    """
    from sklearn.linear_model import LogisticRegression

    cols = np.arange(x.shape[1]) if cols is None else np.asarray(cols, dtype=np.int64)
    sub_log = np.flatnonzero(np.isin(cols, log_cols))
    flags = cfg.params.get("missing_flags", "yes").strip().lower() in ("yes", "true", "1")
    xs, yy = x[:, cols], y.astype(np.int64)
    pre = fit_preprocess(xs, sub_log, missing_flags=flags)
    est = make_estimator(cfg, random_state, target).fit(preprocess(xs, pre), yy)
    held_out = _held_out_logits(xs, yy, sub_log, flags, cfg, random_state, target)
    platt = LogisticRegression(C=1e6, max_iter=1000, random_state=random_state)
    platt.fit(held_out[:, None], yy)
    return {"cols": cols, "pre": pre, "estimator": est, "platt": platt, "n_features": x.shape[1]}


def _held_out_logits(x: np.ndarray, y: np.ndarray, log_cols: np.ndarray, flags: bool,
                     cfg: ModelConfig, random_state: int, target: str) -> np.ndarray:
    """Each row's uncalibrated log-odds from preprocessing and estimator fitted on the other
    folds (`calibration_folds` stratified folds, shuffled with `random_state`)."""
    from sklearn.model_selection import StratifiedKFold

    folds = StratifiedKFold(n_splits=cfg.param("calibration_folds", int), shuffle=True,
                            random_state=random_state)
    out = np.empty(len(y), dtype=np.float64)
    for train, held in folds.split(x, y):
        pre = fit_preprocess(x[train], log_cols, missing_flags=flags)
        est = make_estimator(cfg, random_state, target).fit(preprocess(x[train], pre), y[train])
        out[held] = est.decision_function(preprocess(x[held], pre))
    return out


def plain_scorer(scorer: dict) -> dict | None:
    """The scorer as plain arrays (coefficients instead of estimator objects), or None when the
    estimator is not linear (gradient boosting needs its trees to score and explain)."""
    if "coef" in scorer:
        return scorer
    est, platt = scorer["estimator"], scorer["platt"]
    if not hasattr(est, "coef_"):
        return None
    return {
        "cols": scorer["cols"],
        "pre": scorer["pre"],
        "n_features": scorer["n_features"],
        "coef": np.asarray(est.coef_[0], dtype=np.float64),
        "intercept": float(est.intercept_[0]),
        "platt_slope": float(platt.coef_[0, 0]),
        "platt_intercept": float(platt.intercept_[0]),
    }


def _platt(scorer: dict) -> tuple[float, float]:
    if "coef" in scorer:
        return scorer["platt_slope"], scorer["platt_intercept"]
    return float(scorer["platt"].coef_[0, 0]), float(scorer["platt"].intercept_[0])


def _logit(scorer: dict, z: np.ndarray) -> np.ndarray:
    if "coef" in scorer:
        raw = z @ scorer["coef"] + scorer["intercept"]
    else:
        raw = scorer["estimator"].decision_function(z)
    slope, intercept = _platt(scorer)
    return raw * slope + intercept


def score(scorer: dict, x: np.ndarray) -> np.ndarray:
    """Calibrated probability of a finding for raw rows `x` (all features)."""
    z = preprocess(x[:, scorer["cols"]], scorer["pre"])
    return 1.0 / (1.0 + np.exp(-_logit(scorer, z)))


def standardised(scorer: dict, x: np.ndarray) -> np.ndarray:
    """(rows, all features) standardised values as the scorer sees them (0 = unused/mean)."""
    full = np.zeros((len(x), scorer["n_features"]))
    cols = scorer["cols"]
    full[:, cols] = preprocess(x[:, cols], scorer["pre"])[:, : len(cols)]
    return full


def contributions(scorer: dict, x: np.ndarray) -> np.ndarray:
    """(rows, all features) contribution of each raw feature to the calibrated log-odds.

    Features the scorer does not use get 0.
    """
    full = np.zeros((len(x), scorer["n_features"]))
    full[:, scorer["cols"]] = _contributions(scorer, x[:, scorer["cols"]])
    return full


def _contributions(scorer: dict, x: np.ndarray) -> np.ndarray:
    pre = scorer["pre"]
    slope = _platt(scorer)[0]
    z = preprocess(x, pre)
    n_feat = x.shape[1]
    linear = plain_scorer(scorer)
    if linear is not None:
        parts = z * linear["coef"] * slope
        out = parts[:, :n_feat].copy()
        np.add.at(out.T, pre["miss_cols"], parts[:, n_feat:].T)  # a flag belongs to its feature
        return out
    est = scorer["estimator"]
    base = est.decision_function(z)
    out = np.empty((len(x), n_feat))
    for j in range(n_feat):  # one re-score per feature, each vectorised over all rows
        zj = z.copy()
        zj[:, j] = 0.0  # the training mean after standardising
        flag = np.flatnonzero(pre["miss_cols"] == j)
        if len(flag):
            zj[:, n_feat + flag[0]] = -pre["mean"][n_feat + flag[0]] / pre["std"][n_feat + flag[0]]
        out[:, j] = (base - est.decision_function(zj)) * slope
    return out
