"""The model's tables: features, advancement scores, hyper-parameters (reference/model_*.csv)."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from riskscreen.errors import ReferenceError_
from riskscreen.model.features import LABEL_FEATURES
from riskscreen.tables import read_table

_KINDS = {
    "indicator",
    "count_true",
    "advancement",
    "not_assessed",
    "region",
    "sector",
    "label",
    "interaction",
}


@dataclass(frozen=True)
class ModelConfig:
    """Feature specification (one row per model input) and hyper-parameters."""

    features: pl.DataFrame  # feature, kind, source, transform, unit, describe
    advancement: pl.DataFrame  # prefix, score, words
    params: dict[str, str]

    def param(self, key: str, cast: type = str):  # noqa: ANN201 - returns the requested type
        """One hyper-parameter, cast to `cast`."""
        if key not in self.params:
            raise ReferenceError_(f"reference/model_params.csv has no {key!r}")
        return cast(self.params[key])

    @property
    def feature_names(self) -> list[str]:
        return self.features["feature"].to_list()


def load_config(folder: str | None = None) -> ModelConfig:
    """Read and check the model tables (default: the embedded reference folder)."""
    feats = read_table("model_features", folder)
    bad = feats.filter(~pl.col("kind").is_in(sorted(_KINDS)))
    if bad.height:
        raise ReferenceError_(f"model_features.csv: unknown kind(s) {bad['kind'].to_list()}")
    labels = feats.filter(pl.col("kind") == "label")["source"].to_list()
    unknown = sorted(set(labels) - set(LABEL_FEATURES))
    if unknown:
        raise ReferenceError_(f"model_features.csv: unknown label feature(s) {unknown}")
    names = feats["feature"].to_list()
    for i, (kind, source) in enumerate(feats.select("kind", "source").iter_rows()):
        if kind == "interaction" and any(part not in names[:i] for part in source.split("*")):
            raise ReferenceError_(
                f"model_features.csv: interaction {source!r} must name two earlier features"
            )
    adv = read_table("model_advancement", folder).with_columns(pl.col("score").cast(pl.Float64))
    params = dict(read_table("model_params", folder).select("key", "value").iter_rows())
    return ModelConfig(features=feats, advancement=adv, params=params)
