"""Honest validation: rank today's unlisted pairs and check them against later editions.

* Temporal: for every earlier -> later pair of List editions, train on the earlier edition only,
  rank every (country, good) pair of its vocabulary that was not yet listed, and measure how the
  pairs the later edition ADDED rank (ROC-AUC, average precision, recall@k). Pairs whose
  country or good did not exist in the earlier edition cannot be ranked; they are counted.
* Grouped cross-validation by country on the newest edition (GroupKFold): held-out countries'
  labels are removed from the training features; Brier score and a reliability table.
* The same metrics for three simple baselines: country-only prior, good-only prior and their
  product (add-one smoothed listing rates).
"""

from __future__ import annotations

import numpy as np
import polars as pl
from scipy.stats import rankdata
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.model_selection import GroupKFold

from riskscreen.model.config import ModelConfig, load_config
from riskscreen.model.data import EditionData, edition_data
from riskscreen.model.design import design_matrix
from riskscreen.model.estimator import fit_scorer, score
from riskscreen.model.features import Grid
from riskscreen.model.predict import independent_any
from riskscreen.model.training import (
    FITTED,
    _reference,
    any_probability,
    fit_grid,
    target_columns,
)

RECALL_AT = (100, 500, 1000)
SCORERS = ("model", "country_prior", "good_prior", "prior_product")
TUNING_PAIRS = (("2016", "2018"), ("2017", "2019"), ("2016", "2019"))
HELD_OUT_PAIR = ("2018", "2021")


def list_editions(reference) -> list[str]:
    """Editions that come from a List file (goods_YYYY.xml); the Findings-only 2020 is skipped."""
    rows = reference.listings.filter(pl.col("source") == "goods")
    return sorted(rows["edition"].unique().to_list()) or reference.listing_editions


def ranking_metrics(y: np.ndarray, s: np.ndarray) -> dict:
    """ROC-AUC, average precision and recall@k of scores `s` for 0/1 labels `y`."""
    n_pos = int(y.sum())
    out: dict = {"n_candidates": int(len(y)), "n_positive": n_pos}
    if n_pos == 0 or n_pos == len(y):
        out.update(
            {
                "roc_auc": None,
                "average_precision": None,
                **{f"recall_at_{k}": None for k in RECALL_AT},
            }
        )
        return out
    order = np.lexsort((np.arange(len(s)), -s))  # ties: stable, by position
    hits = np.cumsum(y[order])
    out["roc_auc"] = float(roc_auc_score(y, s))
    out["average_precision"] = float(average_precision_score(y, s))
    for k in RECALL_AT:
        out[f"recall_at_{k}"] = float(hits[min(k, len(y)) - 1] / n_pos)
    return out


def baselines(labels: np.ndarray, vocab: np.ndarray) -> dict[str, np.ndarray]:
    """Add-one smoothed listing rates on the (countries x goods) grid, within the vocabulary.

    For a pair's own row/column the pair's label is left out (so baselines get the same
    leave-one-out information as the model).
    """
    y = labels * vocab
    n_c, n_g = vocab.any(axis=1).sum(), vocab.any(axis=0).sum()
    pc = (y.sum(axis=1, keepdims=True) - y + 1) / (n_g - 1 + 2)
    pg = (y.sum(axis=0, keepdims=True) - y + 1) / (n_c - 1 + 2)
    base = max(y.sum() / max(vocab.sum(), 1), 1e-9)
    return {
        "country_prior": np.broadcast_to(pc, y.shape),
        "good_prior": np.broadcast_to(pg, y.shape),
        "prior_product": np.clip(pc * pg / base, 0.0, 1.0),
    }


def _later_labels(reference, data: EditionData, later: str) -> dict[str, np.ndarray]:
    rows = reference.listings_for(later).filter(pl.col("child_labour") | pl.col("forced_labour"))
    c = pl.DataFrame({"iso3": data.iso3, "_c": np.arange(len(data.iso3))})
    g = pl.DataFrame({"good_id": data.good_id, "_g": np.arange(len(data.good_id))})
    cells = rows.join(c, on="iso3").join(g, on="good_id")
    out = {}
    for target, col in (("child", "child_labour"), ("forced", "forced_labour")):
        m = np.zeros((len(data.iso3), len(data.good_id)))
        hit = cells.filter(pl.col(col))
        m[hit["_c"].to_numpy(), hit["_g"].to_numpy()] = 1.0
        out[target] = m
    out["any"] = np.maximum(out["child"], out["forced"])
    return out


def temporal(
    reference, cfg: ModelConfig, random_state: int = 0, pairs: list[tuple[str, str]] | None = None
) -> list[dict]:
    """Metrics for every earlier -> later pair of List editions (or only `pairs`)."""
    editions = list_editions(reference)
    wanted = pairs or [(a, b) for i, a in enumerate(editions) for b in editions[i + 1 :]]
    rounds = int(cfg.params.get("bootstrap_rounds", "0"))
    results = []
    for earlier in sorted({a for a, _ in wanted}):
        data = edition_data(reference, earlier, cfg)
        fit = fit_grid(data, cfg, random_state)
        for later in sorted(b for a, b in wanted if a == earlier):
            results.append(temporal_pair(reference, data, fit, later, rounds, random_state))
    return results


def _fast_auc(y: np.ndarray, s: np.ndarray) -> float | None:
    """ROC-AUC from average ranks (ties count half), None when only one class is present."""
    n_pos = y.sum()
    n_neg = len(y) - n_pos
    if n_pos == 0 or n_neg == 0:
        return None
    ranks = rankdata(s)
    return float((ranks[y == 1].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def _recall_at(y: np.ndarray, s: np.ndarray, k: int) -> float | None:
    n_pos = y.sum()
    if n_pos == 0:
        return None
    order = np.lexsort((np.arange(len(s)), -s))
    return float(y[order][:k].sum() / n_pos)


def bootstrap_intervals(
    y: np.ndarray,
    model: np.ndarray,
    product: np.ndarray,
    country: np.ndarray,
    rounds: int,
    random_state: int = 0,
) -> dict:
    """90% country-cluster bootstrap intervals for the combined ranking of one edition pair.

    Additions arrive in country batches, so whole countries (all their candidate pairs) are
    resampled with replacement. Returns 5th/95th percentiles of the model's ROC-AUC and
    recall@500, and of the model's ROC-AUC minus the product-of-priors baseline's, plus the
    share of rounds in which the model's AUC is higher.
    """
    rng = np.random.default_rng(random_state)
    groups = np.unique(country)
    members = [np.flatnonzero(country == c) for c in groups]
    auc, rec, diff = [], [], []
    for _ in range(rounds):
        pick = rng.integers(0, len(groups), len(groups))
        idx = np.concatenate([members[i] for i in pick])
        yy = y[idx]
        a_model, a_base = _fast_auc(yy, model[idx]), _fast_auc(yy, product[idx])
        if a_model is None or a_base is None:
            continue
        auc.append(a_model)
        diff.append(a_model - a_base)
        rec.append(_recall_at(yy, model[idx], 500))
    if not auc:
        return {}

    def pct(v: list[float]) -> list[float]:
        return [float(np.percentile(v, 5)), float(np.percentile(v, 95))]

    return {
        "rounds": len(auc),
        "roc_auc_90": pct(auc),
        "recall_at_500_90": pct(rec),
        "auc_minus_product_90": pct(diff),
        "share_auc_above_product": float(np.mean(np.asarray(diff) > 0)),
    }


def temporal_pair(
    reference,
    data: EditionData,
    fit: dict,
    later: str,
    bootstrap_rounds: int = 0,
    random_state: int = 0,
) -> dict:
    """Rank the unlisted pairs of `data`'s edition with a model fitted on it; score vs `later`."""
    vocab = np.outer(data.country_vocab, data.good_vocab)
    now = {"child": data.grid.child, "forced": data.grid.forced, "any": data.grid.any}
    scores = {target: fit["p"][target] for target in ("child", "forced", "any")}
    future = _later_labels(reference, data, later)
    entry: dict = {"earlier": data.edition, "later": later}
    for target in ("any", "child", "forced"):
        added = (future[target] == 1) & (now[target] == 0)
        cand = vocab & (now[target] == 0)
        y = added[cand].astype(np.float64)
        block = {
            "n_added_total": _added_total(reference, data.edition, later, target),
            "model": ranking_metrics(y, scores[target][cand]),
        }
        base = baselines(now[target], vocab)
        for name, b in base.items():
            block[name] = ranking_metrics(y, b[cand])
        if target == "any" and bootstrap_rounds > 0:
            country = np.broadcast_to(np.arange(len(data.iso3))[:, None], cand.shape)[cand]
            block["bootstrap"] = bootstrap_intervals(
                y,
                scores[target][cand],
                base["prior_product"][cand],
                country,
                bootstrap_rounds,
                random_state,
            )
        entry[target] = block
    return entry


def _added_total(reference, earlier: str, later: str, target: str) -> int:
    """Pairs listed in `later` but not in `earlier` for `target`, rankable or not."""
    flag = {
        "any": pl.col("child_labour") | pl.col("forced_labour"),
        "child": pl.col("child_labour"),
        "forced": pl.col("forced_labour"),
    }[target]
    a = reference.listings_for(earlier).filter(flag).select("iso3", "good_id")
    b = reference.listings_for(later).filter(flag).select("iso3", "good_id")
    return b.join(a, on=["iso3", "good_id"], how="anti").height


def reliability(y: np.ndarray, p: np.ndarray, bins: int) -> list[dict]:
    """Equal-width reliability table: per bin, count, mean predicted and observed rate."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    idx = np.clip(np.digitize(p, edges[1:-1]), 0, bins - 1)
    rows = []
    for b in range(bins):
        sel = idx == b
        n = int(sel.sum())
        rows.append(
            {
                "bin": f"{edges[b]:.1f}-{edges[b + 1]:.1f}",
                "n": n,
                "mean_predicted": float(p[sel].mean()) if n else None,
                "observed_rate": float(y[sel].mean()) if n else None,
            }
        )
    return rows


def _masked(data: EditionData, keep_country: np.ndarray) -> EditionData:
    """The edition with the labels of countries outside `keep_country` removed."""
    keep = keep_country[:, None].astype(np.float64)
    grid = Grid(
        child=data.grid.child * keep,
        forced=data.grid.forced * keep,
        region=data.grid.region,
        sector=data.grid.sector,
        country_weight=data.country_vocab * keep_country.astype(np.float64),
        peer_kernel=data.grid.peer_kernel,
        production_kernel=data.grid.production_kernel,
    )
    return EditionData(**{**data.__dict__, "grid": grid})


def grouped_cv(reference, cfg: ModelConfig, random_state: int = 0) -> dict:
    """GroupKFold by country on the newest edition; out-of-fold Brier, AUC and reliability."""
    data = edition_data(reference, None, cfg)
    n_c, n_g = len(data.iso3), len(data.good_id)
    x_full = design_matrix(data, cfg)
    log_cols = np.flatnonzero((cfg.features["transform"] == "log1p").to_numpy())
    countries = np.flatnonzero(data.country_vocab)
    folds = GroupKFold(n_splits=cfg.param("cv_folds", int))
    oof = {t: np.full((n_c, n_g), np.nan) for t in FITTED}
    base_oof = {t: {name: np.full((n_c, n_g), np.nan) for name in SCORERS[1:]} for t in FITTED}
    for train_idx, test_idx in folds.split(countries, groups=countries):
        keep = np.zeros(n_c, dtype=bool)
        keep[countries[train_idx]] = True
        train_data = _masked(data, keep)
        x_train = design_matrix(train_data, cfg)
        rows = np.outer(keep & data.country_vocab, data.good_vocab).reshape(-1)
        test_c = countries[test_idx]
        for target in FITTED:
            y = getattr(data.grid, target).reshape(-1)[rows]
            scorer = fit_scorer(
                x_train[rows],
                y,
                log_cols,
                cfg,
                random_state,
                cols=target_columns(cfg, target),
                target=target,
            )
            cells = (test_c[:, None] * n_g + np.flatnonzero(data.good_vocab)[None, :]).reshape(-1)
            oof[target].reshape(-1)[cells] = score(scorer, x_full[cells])
            # baselines: good rates from training countries, country rate leave-one-out
            lab = getattr(data.grid, target)
            vocab = np.outer(data.country_vocab, data.good_vocab)
            tr = lab * keep[:, None] * vocab
            pg = (tr.sum(axis=0) + 1) / (keep[data.country_vocab].sum() + 2)
            n_gv = data.good_vocab.sum()
            sub = lab[test_c]
            pc = (sub.sum(axis=1, keepdims=True) - sub + 1) / (n_gv - 1 + 2)
            rate = max(tr.sum() / max((vocab * keep[:, None]).sum(), 1), 1e-9)
            for name, val in (
                ("country_prior", np.broadcast_to(pc, sub.shape)),
                ("good_prior", np.broadcast_to(pg[None, :], sub.shape)),
                ("prior_product", np.clip(pc * pg[None, :] / rate, 0, 1)),
            ):
                base_oof[target][name][test_c] = np.where(data.good_vocab[None, :], val, np.nan)
    oof["any"] = any_probability(oof["any"], oof["child"], oof["forced"])
    out: dict = {
        "edition": data.edition,
        "folds": cfg.param("cv_folds", int),
        "n_countries": int(len(countries)),
    }
    bins = cfg.param("reliability_bins", int)
    vocab = np.outer(data.country_vocab, data.good_vocab)
    independent = independent_any(oof["child"], oof["forced"])
    for target in FITTED:
        y = getattr(data.grid, target)[vocab]
        block: dict = {}
        scored = {"model": oof[target], **base_oof[target]}
        if target == "any":  # the two finding models combined as if independent, for comparison
            scored["independent"] = independent
        for name, grid in scored.items():
            p = grid[vocab]
            m = ranking_metrics(y, p)
            block[name] = {
                "roc_auc": m["roc_auc"],
                "average_precision": m["average_precision"],
                "brier": float(np.mean((p - y) ** 2)),
            }
        block["reliability"] = reliability(y, oof[target][vocab], bins)
        block["n_pairs"], block["n_positive"] = int(len(y)), int(y.sum())
        out[target] = block
    return out


def evaluate(reference=None, random_state: int = 0) -> dict:
    """Temporal validation over all edition pairs + grouped CV + calibration, model vs baselines."""
    ref = _reference(reference)
    cfg = load_config()
    return {
        "model": {
            "estimator": cfg.param("estimator"),
            "features": cfg.feature_names,
            "trained_on_edition": ref.newest_edition,
            "random_state": random_state,
        },
        "tuning_pairs": [f"{a}->{b}" for a, b in TUNING_PAIRS],
        "held_out_pair": "->".join(HELD_OUT_PAIR),
        "temporal": temporal(ref, cfg, random_state),
        "grouped_cv": grouped_cv(ref, cfg, random_state),
    }


def held_out_summary(metrics: dict) -> dict | None:
    """The held-out edition pair's headline figures (either-finding ranking), as a trained model
    records them in its metadata so that a run reports the validation of the model it used."""
    held_out = metrics.get("held_out_pair")
    for pair in metrics.get("temporal", []):
        if f"{pair['earlier']}->{pair['later']}" == held_out:
            scores = pair["any"]
            return {
                "editions": held_out,
                "model ROC-AUC": round(scores["model"]["roc_auc"], 3),
                "model recall@500": round(scores["model"]["recall_at_500"], 3),
                "product-of-priors ROC-AUC": round(scores["prior_product"]["roc_auc"], 3),
            }
    return None


def baseline_summary(metrics: dict) -> str:
    """One paragraph: on which edition pairs the combined ranking does NOT beat each baseline, by
    ROC-AUC, average precision and recall@500."""
    measures = {"roc_auc": "ROC-AUC", "average_precision": "average precision",
                "recall_at_500": "recall@500"}
    losses: dict[str, list[str]] = {k: [] for k in measures}
    n = 0
    for e in metrics["temporal"]:
        a = e["any"]
        if a["model"]["roc_auc"] is None:
            continue
        n += 1
        key = f"{e['earlier']}->{e['later']}"
        for measure in measures:
            got = a["model"][measure]
            beaten = [
                f"{name} {a[name][measure]:.2f} vs {got:.2f}"
                for name in SCORERS[1:]
                if a[name][measure] >= got
            ]
            if beaten:
                losses[measure].append(f"{key} ({', '.join(beaten)})")
    parts = []
    for measure, words in measures.items():
        if losses[measure]:
            parts.append(f"By {words} the combined ranking does NOT beat every baseline on: "
                         + "; ".join(losses[measure]) + ".")
    if not parts:
        return (f"**Against the baselines.** The combined ranking beats all three baselines "
                f"(country prior, good prior, their product) on all {n} edition pairs with "
                "additions, by ROC-AUC, average precision and recall@500 alike.\n")
    return "**Against the baselines.** " + " ".join(parts) + "\n"


def _f(v, pct: bool = False) -> str:
    if v is None:
        return "-"
    return f"{v:.2f}" if pct else f"{v:.3f}"


def evaluation_report(metrics: dict) -> str:
    """Markdown tables of `evaluate()` output, for the CLI and the model card."""
    lines = [
        "### Temporal validation (combined: child OR forced, ranked by p_any_finding)",
        "",
        "| earlier -> later | added (rankable / all) | model AUC | AP | R@100 | R@500 | "
        "R@1000 | product AUC | product R@500 | country AUC | good AUC | role |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    tuning = set(metrics.get("tuning_pairs", []))
    for e in metrics["temporal"]:
        a = e["any"]
        m, p = a["model"], a["prior_product"]
        key = f"{e['earlier']}->{e['later']}"
        role = (
            "tuning"
            if key in tuning
            else "held out"
            if key == metrics.get("held_out_pair")
            else "report"
        )
        lines.append(
            f"| {key} | {m['n_positive']} / {a['n_added_total']} | {_f(m['roc_auc'])} | "
            f"{_f(m['average_precision'])} | {_f(m['recall_at_100'], True)} | "
            f"{_f(m['recall_at_500'], True)} | {_f(m['recall_at_1000'], True)} | "
            f"{_f(p['roc_auc'])} | {_f(p['recall_at_500'], True)} | "
            f"{_f(a['country_prior']['roc_auc'])} | {_f(a['good_prior']['roc_auc'])} | {role} |"
        )
    lines += [
        "",
        "### Temporal validation per finding type (model AUC / product AUC)",
        "",
        "| earlier -> later | child: added | child AUC | child product | forced: added | "
        "forced AUC | forced product |",
        "|---|---|---|---|---|---|---|",
    ]
    for e in metrics["temporal"]:
        c, f = e["child"], e["forced"]
        lines.append(
            f"| {e['earlier']}->{e['later']} | {c['model']['n_positive']} | "
            f"{_f(c['model']['roc_auc'])} | {_f(c['prior_product']['roc_auc'])} | "
            f"{f['model']['n_positive']} | {_f(f['model']['roc_auc'])} | "
            f"{_f(f['prior_product']['roc_auc'])} |"
        )
    boot = [e for e in metrics["temporal"] if e["any"].get("bootstrap")]
    if boot:
        lines += [
            "",
            "### Uncertainty (combined ranking; 90% country-cluster bootstrap intervals)",
            "",
            "| earlier -> later | model AUC | AUC 90% | model R@500 | R@500 90% | "
            "AUC - product AUC | 90% | rounds model > product |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for e in boot:
            a, b = e["any"], e["any"]["bootstrap"]
            diff = a["model"]["roc_auc"] - a["prior_product"]["roc_auc"]
            lines.append(
                f"| {e['earlier']}->{e['later']} | {_f(a['model']['roc_auc'])} | "
                f"{_f(b['roc_auc_90'][0])}-{_f(b['roc_auc_90'][1])} | "
                f"{_f(a['model']['recall_at_500'], True)} | "
                f"{_f(b['recall_at_500_90'][0], True)}-{_f(b['recall_at_500_90'][1], True)} | "
                f"{diff:+.3f} | {b['auc_minus_product_90'][0]:+.3f} to "
                f"{b['auc_minus_product_90'][1]:+.3f} | {b['share_auc_above_product']:.0%} |"
            )
    lines += ["", baseline_summary(metrics)]
    cv = metrics["grouped_cv"]
    lines += [
        "",
        f"### Grouped cross-validation by country (edition {cv['edition']}, "
        f"{cv['folds']} folds, {cv['n_countries']} countries)",
        "",
        "| finding | scorer | ROC-AUC | AP | Brier |",
        "|---|---|---|---|---|",
    ]
    for target in FITTED:
        for name in (n for n in (*SCORERS, "independent") if n in cv.get(target, {})):
            b = cv[target][name]
            lines.append(
                f"| {target} | {name} | {_f(b['roc_auc'])} | "
                f"{_f(b['average_precision'])} | {b['brier']:.4f} |"
            )
    lines += [
        "",
        "### Reliability (grouped CV, out of fold)",
        "",
        "| bin | child n | child predicted | child observed | forced n | forced predicted | "
        "forced observed | any n | any predicted | any observed |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for bins in zip(*(cv[t]["reliability"] for t in FITTED), strict=True):
        cells = [f"{r['n']} | {_f(r['mean_predicted'])} | {_f(r['observed_rate'])}" for r in bins]
        lines.append(f"| {bins[0]['bin']} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
