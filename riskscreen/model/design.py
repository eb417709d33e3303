"""The design matrix: raw feature values for every grid cell, in model_features.csv order."""

from __future__ import annotations

import numpy as np

from riskscreen.model.config import ModelConfig
from riskscreen.model.data import EditionData
from riskscreen.model.features import label_features


def design_matrix(data: EditionData, cfg: ModelConfig) -> np.ndarray:
    """(countries*goods, n_features) raw values, row-major by country; NaN = unavailable.

    Country indicators repeat across a country's goods, good attributes across countries;
    label features are the leave-one-out matrices of `riskscreen.model.features`; an
    interaction is the product of two earlier features' raw values (leave-one-out when its
    parts are).
    """
    n_c, n_g = len(data.iso3), len(data.good_id)
    ci, gi = data.pair_index()
    labels = label_features(data.grid)
    cols: list[np.ndarray] = []
    named: dict[str, np.ndarray] = {}
    for name, kind, source in cfg.features.select("feature", "kind", "source").iter_rows():
        if kind in ("indicator", "count_true", "advancement", "not_assessed"):
            col = data.country_raw[:, data.country_raw_names.index(name)][ci]
        elif kind == "region":
            code = data.regions.index(source) if source in data.regions else -2
            col = (data.grid.region == code).astype(np.float64)[ci]
        elif kind == "sector":
            code = data.sectors.index(source) if source in data.sectors else -2
            col = (data.grid.sector == code).astype(np.float64)[gi]
        elif kind == "interaction":  # product of two earlier features' raw values
            left, right = source.split("*")
            col = named[left] * named[right]
        else:  # label
            col = labels[source].reshape(-1)
        named[name] = col
        cols.append(col)
    if not cols:
        return np.zeros((n_c * n_g, 0))
    return np.stack(cols, axis=1).astype(np.float64)
