"""`RiskModel`: scores (country, good) pairs from tables computed at training time.

All probabilities for the full grid (every country in countries.csv x every good in goods.csv)
are computed when the model is trained and stored in it, so scoring is a join: fast and
identical across machines. Levels of a prediction (`model_level`):

* ``pair``    - country and good known: the model's probability for that pair.
* ``sector``  - good missing or not an ILAB good, sector given: the average over the goods of
  that sector, weighted by how often each good is listed (a "typical listed good of that
  sector from this country").
* ``country`` - good and sector missing or unknown: the same weighted average over all goods.
* null        - country missing or not a known ISO code: all outputs null.

`country_assessed` is True only when ILAB assessed the country in the Findings edition the
model was trained on; for other countries the model falls back on what it knows (region,
other listings, the good's prevalence) with the indicators marked missing.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from riskscreen.contracts import MODEL_OUTPUTS
from riskscreen.errors import InputError
from riskscreen.model.explain import explain_frame

FORMAT = "riskscreen-risk-model"
VERSION = 1
OUTPUTS = tuple(MODEL_OUTPUTS)


class RiskModel:
    """A trained risk model. Build with `train()` or `load_model()`; state is plain data."""

    def __init__(self, state: dict) -> None:
        self.state = state
        self._tables: dict[str, pl.DataFrame] | None = None
        self._explain_cache: dict | None = None

    # -- metadata ---------------------------------------------------------------------------
    @property
    def meta(self) -> dict:
        """Edition, features, estimator and provenance of this model."""
        return self.state["meta"]

    @property
    def edition(self) -> str:
        return self.meta["edition"]

    def __repr__(self) -> str:
        return f"RiskModel(edition={self.edition!r}, estimator={self.meta['estimator']!r})"

    # -- lookup tables ----------------------------------------------------------------------
    def tables(self) -> dict[str, pl.DataFrame]:
        """Pair, sector-level and country-level probability tables (built once, then cached)."""
        if self._tables is None:
            s = self.state
            iso3 = pl.Series("iso3", s["iso3"], pl.String)
            pair = _grid(s["iso3"], "_good_id", s["good_id"], _pc=s["p_child"],
                         _pf=s["p_forced"], _pa=_any(s, "p"))
            sector = _grid(s["iso3"], "_sector", [x.lower() for x in s["sectors"]],
                           _sc=s["sector_child"], _sf=s["sector_forced"], _sa=_any(s, "sector"))
            country = pl.DataFrame(
                {
                    "_iso3": iso3,
                    "_cc": np.asarray(s["country_child"], dtype=np.float64),
                    "_cf": np.asarray(s["country_forced"], dtype=np.float64),
                    "_ca": np.asarray(_any(s, "country"), dtype=np.float64),
                    "_assessed": np.asarray(s["assessed"], dtype=bool),
                }
            )
            keys = pl.DataFrame(
                {"_key": s["good_keys"], "_key_id": s["good_key_ids"]},
                schema={"_key": pl.String, "_key_id": pl.String},
            )
            goods = pl.DataFrame(
                {
                    "_key_id": s["good_id"],
                    "_gsector": [s["sectors"][i].lower() for i in s["sector_code"]],
                },
                schema={"_key_id": pl.String, "_gsector": pl.String},
            )
            self._tables = {
                "pair": pair,
                "sector": sector,
                "country": country,
                "keys": keys,
                "goods": goods,
            }
        return self._tables

    # -- scoring ----------------------------------------------------------------------------
    def _resolve(self, frame: pl.DataFrame) -> pl.DataFrame:
        """Distinct (iso3, good_id, sector) keys of `frame` with the good resolved to an id."""
        if "country_iso3" not in frame.columns:
            raise InputError("predict_pairs needs a 'country_iso3' column")
        t = self.tables()
        iso, good, sector = _key_exprs(frame.columns)
        keys = frame.select(_iso3=iso, _key=good, _sector_in=sector).unique(maintain_order=True)
        keys = keys.join(t["keys"], on="_key", how="left").join(
            t["goods"], on="_key_id", how="left"
        )
        return keys.with_columns(
            _good_id=pl.col("_key_id"),
            _sector=pl.coalesce("_gsector", "_sector_in"),
        )

    def _score_keys(self, keys: pl.DataFrame) -> pl.DataFrame:
        t = self.tables()
        out = (
            keys.join(t["pair"], on=["_iso3", "_good_id"], how="left")
            .join(t["sector"], on=["_iso3", "_sector"], how="left")
            .join(t["country"], on="_iso3", how="left")
        )
        level = (
            pl.when(pl.col("_assessed").is_null())
            .then(None)
            .when(pl.col("_pc").is_not_null())
            .then(pl.lit("pair"))
            .when(pl.col("_sc").is_not_null())
            .then(pl.lit("sector"))
            .otherwise(pl.lit("country"))
        )
        return out.with_columns(
            p_child_labour=pl.coalesce("_pc", "_sc", "_cc").cast(pl.Float64),
            p_forced_labour=pl.coalesce("_pf", "_sf", "_cf").cast(pl.Float64),
            p_any_finding=pl.coalesce("_pa", "_sa", "_ca").cast(pl.Float64),
            country_assessed=pl.col("_assessed").cast(pl.Boolean),
            model_level=level.cast(pl.String),
        )

    def predict_pairs(self, frame: pl.DataFrame) -> pl.DataFrame:
        """`frame` (country_iso3 + good_id or good [+ sector]) plus p_child_labour,
        p_forced_labour, p_any_finding (Float64: either finding, from its own model),
        country_assessed (Boolean) and model_level (pair/sector/country).

        Work is done once per distinct (country_iso3, good, sector); rows keep their order.
        """
        base = frame.drop([c for c in OUTPUTS if c in frame.columns])
        keys = self._resolve(base)
        scored = self._score_keys(keys).select("_iso3", "_key", "_sector_in", *OUTPUTS)
        return self._join_back(base, scored)

    def _join_back(self, base: pl.DataFrame, scored: pl.DataFrame) -> pl.DataFrame:
        iso, good, sector = _key_exprs(base.columns)
        tmp = base.with_row_index("_row").with_columns(_iso3=iso, _key=good, _sector_in=sector)
        out = tmp.join(scored, on=["_iso3", "_key", "_sector_in"], how="left", nulls_equal=True)
        return out.sort("_row").drop("_row", "_iso3", "_key", "_sector_in")

    def explain(self, frame: pl.DataFrame) -> pl.DataFrame:
        """`predict_pairs(frame)` plus `model_factors` (String): up to 3 plain-language factors,
        joined by "; ", each ending in "(raises the estimate)" or "(lowers the estimate)"; null
        when none."""
        return explain_frame(self, frame)


def _key_exprs(columns: list[str]) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """Normalised iso3, good (id or name) and sector expressions for the columns present."""
    iso = pl.col("country_iso3").cast(pl.String).str.strip_chars().str.to_uppercase()
    name = "good_id" if "good_id" in columns else "good" if "good" in columns else None
    good = (
        pl.col(name).cast(pl.String).str.strip_chars().str.to_lowercase()
        if name
        else pl.lit(None, dtype=pl.String)
    )
    sector = (
        pl.col("sector").cast(pl.String).str.strip_chars().str.to_lowercase()
        if "sector" in columns
        else pl.lit(None, dtype=pl.String)
    )
    return iso, good, sector


def _any(state: dict, prefix: str) -> Any:
    """The either-finding probabilities at one level; models saved before the either-finding
    scorer existed combine their two probabilities as if independent."""
    if f"{prefix}_any" in state:
        return state[f"{prefix}_any"]
    return independent_any(np.asarray(state[f"{prefix}_child"], dtype=np.float64),
                           np.asarray(state[f"{prefix}_forced"], dtype=np.float64))


def independent_any(p_child: np.ndarray, p_forced: np.ndarray) -> np.ndarray:
    """P(either finding) if the two findings were independent: 1 - (1 - p_child)(1 - p_forced)."""
    return 1.0 - (1.0 - p_child) * (1.0 - p_forced)


def _grid(iso3: list[str], key: str, keys: list[str], **values: Any) -> pl.DataFrame:
    """A country x key grid of probabilities (row-major arrays, one per column) as a long frame."""
    n_c, n_k = len(iso3), len(keys)
    return pl.DataFrame(
        {
            "_iso3": np.repeat(np.asarray(iso3, dtype=object), n_k),
            key: np.tile(np.asarray(keys, dtype=object), n_c),
            **{name: np.asarray(v, dtype=np.float64).reshape(-1) for name, v in values.items()},
        },
        schema={"_iso3": pl.String, key: pl.String, **{name: pl.Float64 for name in values}},
    )
