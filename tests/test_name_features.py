"""Name matching as named features: one list (FEATURES) drives the score, the text of
`watchlist_features` and the docs' feature lists."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
import pytest

from riskscreen.watchlists.features import FEATURES, feature_table
from riskscreen.watchlists.names import screen_names, thresholds

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data"


def _section(path: Path, heading: str) -> str:
    text = path.read_text(encoding="utf-8")
    return text.split(heading, 1)[1].split("\n#", 1)[0]


def test_readme_feature_table_is_the_list() -> None:
    section = _section(ROOT / "README.md", "### How a supplier name is matched to a watchlist")
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    assert rows == feature_table()


def test_architecture_names_every_feature_in_order() -> None:
    section = _section(ROOT / "docs" / "ARCHITECTURE.md", "## Every answer explains itself")
    listed = section.split("features: ", 1)[1].split(". ", 1)[0]
    assert re.findall(r"`(\w+)`", listed) == [f.name for f in FEATURES]


def test_weights_come_from_the_thresholds_table() -> None:
    th = thresholds()
    weights = [f.weight for f in FEATURES if f.weight]
    assert len(weights) == len(set(weights)) >= 5
    assert all(w in th for w in weights)
    # The name evidence is a share: a name equal in every way scores 1 before the country.
    evidence = [th[f.weight] for f in FEATURES if f.weight and not f.qualifier and not f.floor]
    assert sum(evidence) == pytest.approx(1.0)


def _shown(features: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in features.split("; "))


def test_each_score_is_the_sum_of_the_features_it_lists() -> None:
    """Recompute every hit's score from its `watchlist_features` text and the table's weights
    (the text rounds to 2 decimals, so agreement is within 0.01)."""
    data = pl.read_csv(DATA / "eval_names_listed.csv", infer_schema=False).head(300)
    hits = screen_names(data["variant"], data["country"]).filter(
        pl.col("watchlist_method") != "none")
    assert hits.height > 250
    th = thresholds()
    kinds = {"exact": 0, "normalised": 0, "fuzzy": 0}
    for score, method, text in hits.select("watchlist_score", "watchlist_method",
                                           "watchlist_features").iter_rows():
        shown = _shown(text)
        evidence = (th["name_similarity_weight"] * float(shown["name_similarity"])
                    + th["name_token_overlap_weight"]
                    * float(shown["token_overlap"].split(" ", 1)[0]))
        floors = [th[f.weight] for f in FEATURES if f.floor and f.name in shown]
        nudge = sum(float(shown[f.name].split(" ", 1)[0]) for f in FEATURES
                    if f.qualifier and f.weight and f.name in shown)
        expected = min(1.0, max(0.0, max([evidence, *floors]) + nudge))
        assert score == pytest.approx(expected, abs=0.01), text
        kinds[method] += 1
    assert all(kinds.values()), kinds  # every way of scoring was checked


def test_a_country_qualifier_only_nudges() -> None:
    """The same name scores the country bonus higher where the countries agree and the
    penalty lower where they differ; the features say which."""
    listed = pl.read_csv(DATA / "eval_names_listed.csv", infer_schema=False)
    row = listed.filter(pl.col("kind") == "typo").row(0, named=True)
    out = screen_names([row["variant"]] * 3, [row["country"], None, "ISL"])
    agree, unknown, differ = out["watchlist_score"].to_list()
    th = thresholds()
    features = out["watchlist_features"].to_list()
    assert "country_agrees=+" in features[0]
    assert "country_unknown=0" in features[1]
    assert "country_differs=-" in features[2] and "vs listed" in features[2]
    assert agree - unknown == pytest.approx(min(th["name_country_bonus"], 1 - unknown), abs=1e-4)
    assert unknown - differ == pytest.approx(th["name_country_penalty"], abs=1e-4)


def test_candidates_that_cannot_reach_review_are_dropped_without_changing_a_result(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A listed name whose base score cannot make the hit or a near miss even with the best
    country nudge is not kept (`names._base_needed`): screening the listed variants and the
    near decoys, each in its own country, another and none, gives the same frame as keeping
    every candidate, and far fewer candidate rows are kept."""
    from riskscreen.watchlists import names as names_module
    from riskscreen.watchlists.index import entity_index
    from riskscreen.watchlists.load import load_watchlists

    data = Path(__file__).parent / "data"
    listed = pl.read_csv(data / "eval_names_listed.csv", infer_schema=False)
    near = pl.read_csv(data / "eval_names_near_decoys.csv", infer_schema=False)
    base = pl.concat([listed.select(pl.col("variant").alias("name"), "country"),
                      near.select("name", "country")])
    frame = pl.concat([base, base.with_columns(pl.lit("USA").alias("country")),
                       base.with_columns(pl.lit(None, pl.String).alias("country"))])
    pruned = screen_names(frame["name"], frame["country"])
    distinct = frame["name"].unique()
    index = entity_index(load_watchlists())
    kept = names_module.NameCandidates().of(distinct, index).height
    monkeypatch.setattr(names_module, "_base_needed", lambda th: -float("inf"))
    assert screen_names(frame["name"], frame["country"]).equals(pruned)
    every = names_module.NameCandidates().of(distinct, index).height
    assert kept < every
    assert pruned["watchlist_candidates"].is_not_null().sum() > 0  # near misses are shown
