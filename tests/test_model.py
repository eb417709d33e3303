"""Risk model: leave-one-out features, determinism, scoring levels, trusted loading, validation.

Runs on the committed reference tables and the committed model (no ../shared needed).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from dataclasses import replace
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from riskscreen.errors import ReferenceError_
from riskscreen.model import RiskModel, load_model, train
from riskscreen.model.config import load_config
from riskscreen.model.features import (
    LABEL_FEATURES,
    Grid,
    label_features,
    peer_kernel,
    production_kernel,
)
from riskscreen.model.store import TRUSTED_TYPES, file_types, save_model
from riskscreen.model.training import fit_grid
from riskscreen.model.validation import temporal
from riskscreen.reference import load_reference

OUTPUT_P = ("p_child_labour", "p_forced_labour", "p_any_finding")


@pytest.fixture(scope="module")
def reference():
    return load_reference()


@pytest.fixture(scope="module")
def model() -> RiskModel:
    return load_model()


@pytest.fixture(scope="module")
def trained(reference) -> RiskModel:
    return train(reference=reference)


# -- leave-one-out ---------------------------------------------------------------------------


def _grid(seed: int, n_c: int, n_g: int, density: float) -> Grid:
    rng = np.random.default_rng(seed)
    child = (rng.random((n_c, n_g)) < density).astype(float)
    forced = (rng.random((n_c, n_g)) < density / 2).astype(float)
    region = rng.integers(-1, 3, n_c)
    return Grid(
        child=child,
        forced=forced,
        region=region,
        sector=rng.integers(0, 3, n_g),
        country_weight=(rng.random(n_c) < 0.9) * 1.0,
        peer_kernel=peer_kernel(rng.normal(size=(n_c, 2)), region, 1.5, 1.0),
        production_kernel=production_kernel(_production(rng, n_c), 0.2),
    )


def _production(rng: np.random.Generator, n_c: int) -> np.ndarray:
    """Random log-production profiles; the first country has no FAO figures."""
    out = np.log1p(rng.exponential(100.0, size=(n_c, 6)) * (rng.random((n_c, 6)) < 0.7))
    out[0] = np.nan
    return out


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n_c=st.integers(3, 12),
    n_g=st.integers(3, 10),
    density=st.floats(0.05, 0.6),
)
def test_flipping_a_pairs_own_labels_leaves_its_label_features_unchanged(seed, n_c, n_g, density):
    grid = _grid(seed, n_c, n_g, density)
    before = label_features(grid)
    rng = np.random.default_rng(seed + 1)
    c, g = int(rng.integers(n_c)), int(rng.integers(n_g))
    child, forced = grid.child.copy(), grid.forced.copy()
    child[c, g], forced[c, g] = 1 - child[c, g], 1 - forced[c, g]
    after = label_features(replace(grid, child=child, forced=forced))
    for name in LABEL_FEATURES:
        assert after[name][c, g] == pytest.approx(before[name][c, g], abs=1e-12), name


def test_label_features_do_react_to_other_pairs():
    """The leave-one-out test above is not vacuous: another pair's label does move features."""
    grid = replace(_grid(3, 8, 6, 0.4), country_weight=np.ones(8))
    before = label_features(grid)
    child = grid.child.copy()
    child[1, 2] = 1 - child[1, 2]
    after = label_features(replace(grid, child=child))
    assert after["good_countries_other"][0, 2] != before["good_countries_other"][0, 2]
    assert after["country_goods_other"][1, 0] != before["country_goods_other"][1, 0]
    assert after["peer_good_share_other"][0, 2] != before["peer_good_share_other"][0, 2]
    assert after["production_peer_share_other"][3, 2] != before["production_peer_share_other"][3, 2]


def test_production_kernel_weighs_like_producers_and_skips_countries_without_figures():
    # countries 0 and 1 grow the same crops in like proportions; 2 and 4 grow other crops
    profile = np.log1p(
        np.array(
            [
                [500.0, 20.0, 0.0, 0.0],
                [900.0, 40.0, 0.0, 0.0],
                [0.0, 0.0, 300.0, 800.0],
                [np.nan, np.nan, np.nan, np.nan],
                [0.0, 0.0, 200.0, 700.0],
            ]
        )
    )
    k = production_kernel(profile, 0.2)
    assert k[0, 1] > 0.5 > k[0, 2]
    assert k[0, 1] == pytest.approx(k[1, 0])
    assert not k[3].any() and not k[:, 3].any()  # no FAO figures: no peers, nobody's peer
    # the good is listed for 1 (and 3), not for 4: 0 sees its like producer, 2 sees 4
    y = np.array([[0.0], [1.0], [0.0], [1.0], [0.0]])
    grid = Grid(
        child=y,
        forced=0 * y,
        region=np.zeros(5, int),
        sector=np.zeros(1, int),
        production_kernel=k,
    )
    share = label_features(grid)["production_peer_share_other"]
    assert share[0, 0] > 0.9 and share[2, 0] < 0.1 and share[3, 0] == 0.0


def test_production_profile_never_reads_later_years(reference):
    from riskscreen.model.data import production_profile

    cfg = load_config()
    later = reference.production.with_columns(
        pl.when(pl.col("year") > 2018)
        .then(pl.col("production_kt") * 1000)
        .otherwise(pl.col("production_kt"))
    )
    iso3 = ["BRA", "PRY", "ABW"]
    base = production_profile(reference.production, iso3, "2018", cfg)
    assert np.array_equal(base, production_profile(later, iso3, "2018", cfg), equal_nan=True)
    assert not np.array_equal(base, production_profile(later, iso3, "2021", cfg), equal_nan=True)
    assert np.isnan(base[2]).all()  # Aruba: no FAO figures


# -- training --------------------------------------------------------------------------------


def test_training_is_deterministic(reference, trained):
    again = train(reference=reference)
    assert np.array_equal(trained.state["p_child"], again.state["p_child"])
    assert np.array_equal(trained.state["p_forced"], again.state["p_forced"])
    assert np.array_equal(trained.state["p_any"], again.state["p_any"])


def test_committed_model_matches_reference_and_config(model, reference, trained):
    assert model.edition == reference.newest_edition
    assert model.meta["features"] == load_config().feature_names
    np.testing.assert_allclose(model.state["p_child"], trained.state["p_child"], atol=1e-9)


# -- scoring ---------------------------------------------------------------------------------


def test_probabilities_are_in_unit_interval(model):
    n_g = len(model.state["good_id"])
    frame = pl.DataFrame(
        {
            "country_iso3": np.repeat(model.state["iso3"], n_g),
            "good_id": np.tile(model.state["good_id"], len(model.state["iso3"])),
        }
    )
    out = model.predict_pairs(frame)
    for col in OUTPUT_P:
        assert out[col].dtype == pl.Float64
        assert out[col].null_count() == 0
        assert out[col].min() >= 0.0 and out[col].max() <= 1.0
    assert out["country_assessed"].dtype == pl.Boolean


def test_either_finding_probability_stays_within_what_the_two_findings_allow(model):
    n_g = len(model.state["good_id"])
    pairs = pl.DataFrame(
        {
            "country_iso3": np.repeat(model.state["iso3"], n_g),
            "good_id": np.tile(model.state["good_id"], len(model.state["iso3"])),
        }
    )
    levels = pl.DataFrame(
        {
            "country_iso3": model.state["iso3"] * 2,
            "good": [None] * (2 * len(model.state["iso3"])),
            "sector": [None] * len(model.state["iso3"]) + ["Mining"] * len(model.state["iso3"]),
        }
    )
    for out in (model.predict_pairs(pairs), model.predict_pairs(levels)):
        pc, pf, pa = (out[c].to_numpy() for c in OUTPUT_P)
        assert (pa >= np.maximum(pc, pf) - 1e-12).all()
        assert (pa <= np.minimum(1.0, pc + pf) + 1e-12).all()
    # A real third model, not the two combined as if independent.
    pc, pf, pa = (model.predict_pairs(pairs)[c].to_numpy() for c in OUTPUT_P)
    assert np.abs(pa - (1 - (1 - pc) * (1 - pf))).max() > 0.01


def test_model_saved_before_the_either_finding_scorer_combines_its_two_probabilities(model):
    old = {k: v for k, v in model.state.items() if k not in ("p_any", "country_any", "sector_any")}
    out = RiskModel(old).predict_pairs(
        pl.DataFrame({"country_iso3": ["IND", "IND", "GHA"], "good": ["Cotton", None, "Cocoa"]})
    )
    pc, pf, pa = (out[c].to_numpy() for c in OUTPUT_P)
    np.testing.assert_allclose(pa, 1 - (1 - pc) * (1 - pf))


def test_either_finding_model_uses_the_shared_features_and_the_combined_label(reference):
    from riskscreen.model.data import edition_data
    from riskscreen.model.training import target_columns

    cfg = load_config()
    names = cfg.feature_names
    used = {names[i] for i in target_columns(cfg, "any")}
    assert used == {names[i] for i in target_columns(cfg, "child")}
    assert "country_forced_goods_other" not in used
    data = edition_data(reference, "2018", cfg)
    fit = fit_grid(data, cfg)
    # Platt scaling on the combined label: its mean over the vocabulary is the listing rate.
    vocab = data.train_mask().reshape(data.grid.any.shape)
    raw = fit["scorers"]["any"]
    from riskscreen.model.estimator import score

    p_raw = score(raw, fit["x"]).reshape(vocab.shape)[vocab]
    assert p_raw.mean() == pytest.approx(data.grid.any[vocab].mean(), rel=0.05)
    assert data.grid.any[vocab].mean() > data.grid.child[vocab].mean()


def test_unassessed_country_gets_finite_prior_and_flag(model, reference):
    unassessed = reference.countries.filter(~pl.col("assessed"))["iso3"].to_list()
    assert "DEU" in unassessed
    out = model.predict_pairs(
        pl.DataFrame({"country_iso3": ["DEU", "IND"], "good": ["Cotton", "Cotton"]}))
    assert out["country_assessed"].to_list() == [False, True]
    p = out["p_child_labour"].to_numpy()
    assert np.isfinite(p).all() and (p > 0).all()
    assert p[0] < p[1]


def test_null_good_gets_country_or_sector_level(model):
    frame = pl.DataFrame(
        {
            "country_iso3": ["IND", "IND", "IND", None, "ZZZ"],
            "good": ["Cotton", None, None, "Cotton", "Cotton"],
            "sector": [None, None, "Mining", None, None],
        }
    )
    out = model.predict_pairs(frame)
    assert out["model_level"].to_list() == ["pair", "country", "sector", None, None]
    i = model.state["iso3"].index("IND")
    assert out["p_child_labour"][1] == pytest.approx(model.state["country_child"][i])
    mining = model.state["sectors"].index("Mining")
    assert out["p_child_labour"][2] == pytest.approx(model.state["sector_child"][i, mining])
    assert out["p_child_labour"][3] is None and out["p_forced_labour"][4] is None
    assert out["country_assessed"][3] is None


def test_good_name_and_good_id_agree_and_rows_keep_order(model):
    by_name = model.predict_pairs(
        pl.DataFrame({"country_iso3": ["gha", "IND "], "good": ["cocoa", "Cotton"]})
    )
    by_id = model.predict_pairs(
        pl.DataFrame({"country_iso3": ["GHA", "IND"], "good_id": ["cocoa", "cotton"]})
    )
    assert by_name["p_child_labour"].to_list() == by_id["p_child_labour"].to_list()
    assert by_name["country_iso3"].to_list() == ["gha", "IND "]


def test_explain_gives_at_most_three_non_empty_factors(model):
    frame = pl.DataFrame(
        {
            "country_iso3": ["IND", "DEU", "BRA", None, "CHN"],
            "good": ["Cotton", "Cotton", None, "Gold", "Polysilicon"],
            "sector": [None, None, "Agriculture", None, None],
        }
    )
    out = model.explain(frame)
    assert out.height == frame.height
    assert out["model_factors"].dtype == pl.String
    factors = [(text or "").split("; ") if text else [] for text in out["model_factors"]]
    for row in factors:
        assert len(row) <= 3
        assert all(f.strip() and f.endswith(("(raises the estimate)", "(lowers the estimate)"))
                   for f in row)
    assert len(factors[0]) == 3 and factors[3] == []
    assert any("Cotton" in f for f in factors[0])
    # An assessed country is never called "not assessed"; a missing assessment of a country
    # with no listings (Germany) is never given as a reason that raises its risk.
    assert not any("not assessed" in f for f in factors[0])
    assert not any("assess" in f and f.endswith("(raises the estimate)") for f in factors[1])
    assert not any("no figures" in f for row in factors for f in row)


def test_design_matrix_is_leave_one_out_for_every_feature(reference):
    """Flip one listed and one unlisted pair of the real 2021 grid: their rows do not move."""
    from riskscreen.model.data import edition_data
    from riskscreen.model.design import design_matrix

    cfg = load_config()
    data = edition_data(reference, None, cfg)
    before = design_matrix(data, cfg)
    n_g = len(data.good_id)
    listed = np.argwhere(data.grid.any == 1)[0]
    unlisted = np.argwhere((data.grid.any == 0) & np.outer(data.country_vocab, data.good_vocab))[0]
    for c, g in (listed, unlisted):
        child, forced = data.grid.child.copy(), data.grid.forced.copy()
        child[c, g], forced[c, g] = 1 - child[c, g], 1 - forced[c, g]
        flipped = replace(data, grid=replace(data.grid, child=child, forced=forced))
        after = design_matrix(flipped, cfg)
        row = c * n_g + g
        np.testing.assert_array_equal(after[row], before[row])
        assert not np.array_equal(after, before)  # other pairs' features do react


def test_interaction_must_follow_its_parts(tmp_path):
    import shutil

    from riskscreen.paths import reference_dir

    for name in ("model_features", "model_params", "model_advancement"):
        shutil.copy(reference_dir() / f"{name}.csv", tmp_path / f"{name}.csv")
    feats = tmp_path / "model_features.csv"
    lines = feats.read_text(encoding="utf-8").splitlines()
    inter = next(i for i, line in enumerate(lines) if ",interaction," in line)
    header = next(i for i, line in enumerate(lines) if line.startswith("feature,"))
    lines.insert(header + 1, lines.pop(inter))  # move the interaction before its parts
    feats.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ReferenceError_, match="interaction"):
        load_config(str(tmp_path))


def test_shipped_model_loads_and_explains_without_scikit_learn(repo_root):
    """Screening start-up: the plain twin is used, so neither skops nor scikit-learn is imported
    (their import is the two seconds a fresh process would otherwise pay; see bench/)."""
    code = (
        "import sys, polars as pl, riskscreen\n"
        "m = riskscreen.load_model()\n"
        "pairs = pl.DataFrame({'country_iso3': ['BGD', 'CIV'], 'good_id': ['garments', 'cocoa']})\n"
        "out = m.explain(pairs)\n"
        "assert out['p_child_labour'].null_count() == 0\n"
        "assert out['model_factors'].null_count() == 0\n"
        "print(sorted(k for k in ('sklearn', 'skops', 'scipy') if k in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=repo_root, check=True
    )
    assert done.stdout.strip() == "[]", done.stdout + done.stderr


def test_plain_twin_matches_the_skops_model_on_every_cell(model):
    from riskscreen.model.store import _load_skops, default_path

    skops_model = _load_skops(default_path())
    assert "coef" in model.state["scorers"]["child"]  # the default load took the plain twin
    iso, goods = model.state["iso3"], model.state["good_id"]
    pairs = pl.DataFrame(
        {"country_iso3": [c for c in iso for _ in goods],
         "good_id": [g for _ in iso for g in goods]}
    )
    levels = pl.DataFrame(
        {
            "country_iso3": iso * 2,
            "good_id": [None] * (2 * len(iso)),
            "sector": ["mining"] * len(iso) + [None] * len(iso),
        },
        schema={"country_iso3": pl.String, "good_id": pl.String, "sector": pl.String},
    )
    for frame in (pairs, levels):
        assert model.explain(frame).equals(skops_model.explain(frame))


def test_stale_plain_twin_is_ignored(trained, tmp_path):
    path = save_model(trained, tmp_path / "m.skops")
    twin = tmp_path / "m.json.gz"
    assert twin.is_file()
    other = tmp_path / "other.skops"
    shutil.copy(path, other)
    shutil.copy(twin, tmp_path / "other.json.gz")
    with zipfile.ZipFile(other, "a") as zf:  # any change to the skops bytes makes the twin stale
        zf.writestr("note.txt", "retrained")
    assert "estimator" in load_model(other).state["scorers"]["child"]
    assert "coef" in load_model(path).state["scorers"]["child"]


def test_only_linear_scorers_have_a_plain_form(trained):
    from sklearn.ensemble import HistGradientBoostingClassifier

    from riskscreen.model.plain import plain_state

    assert plain_state(trained.state) is not None
    trees = {
        t: {**s, "estimator": HistGradientBoostingClassifier()}
        for t, s in trained.state["scorers"].items()
    }
    assert plain_state({**trained.state, "scorers": trees}) is None


# -- persistence -----------------------------------------------------------------------------


def test_committed_model_contains_only_trusted_types(model):
    from riskscreen.model.store import default_path

    assert file_types(default_path()) <= set(TRUSTED_TYPES)


def test_save_and_load_round_trip(trained, tmp_path):
    path = save_model(trained, tmp_path / "m.skops")
    again = load_model(path)
    assert np.array_equal(again.state["p_forced"], trained.state["p_forced"])


def test_untrusted_types_are_refused(tmp_path):
    import skops.io as sio
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    path = tmp_path / "evil.skops"
    sio.dump(
        {"meta": {"format": "riskscreen-risk-model"}, "x": Pipeline([("s", StandardScaler())])},
        path,
    )
    with pytest.raises(ReferenceError_, match="untrusted"):
        load_model(path)


def test_tampered_schema_is_refused_before_loading(tmp_path, trained):
    good = save_model(trained, tmp_path / "m.skops")
    bad = tmp_path / "bad.skops"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as dst:
        for item in src.namelist():
            data = src.read(item)
            if item == "schema.json":
                schema = json.loads(data)
                schema["content"]["meta"]["__module__"] = "os"
                schema["content"]["meta"]["__class__"] = "system"
                data = json.dumps(schema).encode()
            dst.writestr(item, data)
    with pytest.raises(ReferenceError_, match="untrusted"):
        load_model(bad)


def test_missing_or_garbage_model_file_is_a_reference_error(tmp_path):
    with pytest.raises(ReferenceError_):
        load_model(tmp_path / "absent.skops")
    junk = tmp_path / "junk.skops"
    junk.write_bytes(b"not a zip")
    with pytest.raises(ReferenceError_):
        load_model(Path(junk))


# -- validation ------------------------------------------------------------------------------


def test_temporal_2018_to_2021_beats_product_of_priors(reference):
    [entry] = temporal(reference, load_config(), pairs=[("2018", "2021")])
    combined = entry["any"]
    assert combined["model"]["n_positive"] > 10
    assert combined["model"]["roc_auc"] > combined["prior_product"]["roc_auc"]
    assert combined["model"]["recall_at_500"] >= combined["prior_product"]["recall_at_500"]
    assert combined["model"]["roc_auc"] > combined["country_prior"]["roc_auc"]
    assert combined["model"]["roc_auc"] > combined["good_prior"]["roc_auc"]


def test_temporal_beats_every_baseline_on_every_edition_pair(reference):
    cfg = load_config()
    cfg = replace(cfg, params={**cfg.params, "bootstrap_rounds": "0"})
    entries = [e for e in temporal(reference, cfg) if e["any"]["model"]["roc_auc"] is not None]
    assert len(entries) >= 8
    for e in entries:
        a = e["any"]
        for name in ("country_prior", "good_prior", "prior_product"):
            for measure in ("roc_auc", "average_precision", "recall_at_500"):
                assert a["model"][measure] > a[name][measure], (e["earlier"], e["later"], name,
                                                                 measure)


def test_baseline_summary_names_each_pair_a_baseline_wins():
    from riskscreen.model.validation import baseline_summary

    def block(auc, ap, rec):
        return {"roc_auc": auc, "average_precision": ap, "recall_at_500": rec}

    win = {"model": block(0.9, 0.05, 0.4), "country_prior": block(0.8, 0.01, 0.1),
           "good_prior": block(0.7, 0.01, 0.1), "prior_product": block(0.85, 0.02, 0.3)}
    lose = {**win, "prior_product": block(0.85, 0.02, 0.5)}
    text = baseline_summary({"temporal": [{"earlier": "a", "later": "b", "any": win}]})
    assert "beats all three baselines" in text and "NOT" not in text
    text = baseline_summary({"temporal": [{"earlier": "a", "later": "b", "any": win},
                                          {"earlier": "a", "later": "c", "any": lose}]})
    assert "By recall@500" in text and "a->c (prior_product 0.50 vs 0.40)" in text
    assert "a->b" not in text and "ROC-AUC the" not in text


def test_bootstrap_intervals_are_deterministic_and_ordered():
    from riskscreen.model.validation import bootstrap_intervals

    rng = np.random.default_rng(0)
    country = np.repeat(np.arange(40), 50)
    y = (rng.random(2000) < 0.02).astype(float)
    model = y * 0.5 + rng.random(2000)
    base = rng.random(2000)
    one = bootstrap_intervals(y, model, base, country, 50, random_state=1)
    two = bootstrap_intervals(y, model, base, country, 50, random_state=1)
    assert one == two
    assert one["roc_auc_90"][0] <= one["roc_auc_90"][1]
    assert one["auc_minus_product_90"][0] > 0  # a clearly better scorer wins in most rounds
    assert 0.0 <= one["share_auc_above_product"] <= 1.0


def test_fit_uses_only_the_edition_vocabulary(reference):
    from riskscreen.model.data import edition_data

    cfg = load_config()
    data = edition_data(reference, "2018", cfg)
    fit = fit_grid(data, cfg)
    listed_2018 = reference.listings_for("2018").filter(
        pl.col("child_labour") | pl.col("forced_labour")
    )
    assert int(data.grid.any.sum()) == listed_2018.select("iso3", "good_id").unique().height
    assert fit["p"]["child"].shape == (len(data.iso3), len(data.good_id))
    assert not data.good_vocab[data.good_id.index("polysilicon")]  # first listed in 2021
