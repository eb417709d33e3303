"""Pair features for the risk model: leave-one-out signals computed from the listing labels.

Every feature derived from the listing labels is computed LEAVE-ONE-OUT: the value for the
pair (country c, good g) never depends on whether (c, g) itself is listed, under any finding
type. The model can therefore be trained on the same listings it later scores without a pair
"seeing" its own answer. Everything is vectorised over the (country x good) grid with numpy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Label-derived features, in the order `label_features` returns them.
LABEL_FEATURES: tuple[str, ...] = (
    "good_countries_other",
    "good_child_countries_other",
    "good_forced_countries_other",
    "country_goods_other",
    "country_child_goods_other",
    "country_forced_goods_other",
    "country_forced_share_other",
    "country_sector_goods_other",
    "region_good_share_other",
    "similar_goods_in_country",
    "similar_countries_with_good",
    "peer_good_share_other",
    "production_peer_share_other",
    "peer_sector_goods_other",
)


@dataclass(frozen=True)
class Grid:
    """Labels of one edition on the full (country x good) grid, plus group memberships.

    `child`/`forced` are 0/1 float matrices (countries x goods); `region`/`sector` are integer
    codes per country / per good (-1 = unknown); `in_vocab` marks countries that belong to the
    edition (assessed in its findings or named on its list); `country_weight` is 1 for countries
    that count as region-mates (None = all).
    """

    child: np.ndarray
    forced: np.ndarray
    region: np.ndarray
    sector: np.ndarray
    country_weight: np.ndarray | None = None  # 1 = counts as a region-mate (in the edition)
    peer_kernel: np.ndarray | None = None  # countries x countries similarity (see peer_kernel)
    production_kernel: np.ndarray | None = None  # the same from FAO production (production_kernel)

    @property
    def any(self) -> np.ndarray:
        """Listed for child OR forced labour."""
        return np.maximum(self.child, self.forced)


def _cosine_loo_goods(y: np.ndarray) -> np.ndarray:
    """For each country c and good g: sum over other goods g' listed in c of cos_{-c}(g, g').

    cos_{-c} is the co-listing cosine between goods computed over all countries EXCEPT c, so
    neither c's own row nor the (c, g) label enters the value for (c, g).
    """
    n_c, n_g = y.shape
    cooc = y.T @ y  # goods x goods
    counts = y.sum(axis=0)  # listings per good
    out = np.empty_like(y)
    # Loop over countries only (~150), each step a vectorised goods x goods operation.
    for c in range(n_c):
        row = y[c]
        cooc_c = cooc - np.outer(row, row)
        cnt_c = counts - row
        denom = np.sqrt(np.outer(cnt_c, cnt_c))
        with np.errstate(divide="ignore", invalid="ignore"):
            sim = np.where(denom > 0, cooc_c / denom, 0.0)
        np.fill_diagonal(sim, 0.0)
        out[c] = sim @ row  # row[g] itself multiplies the zeroed diagonal
    return out


def peer_kernel(
    profile: np.ndarray, region: np.ndarray, region_weight: float, bandwidth: float
) -> np.ndarray:
    """Gaussian similarity between countries' profiles (standardised indicators + region).

    `profile` is countries x k (NaN = unknown, treated as average); countries sharing an ILAB
    region are closer by `region_weight`. Used by `peer_good_share_other`: the share of
    comparable countries (weighted by this kernel) that list the good.
    """
    with np.errstate(all="ignore"):
        mean, std = np.nanmean(profile, axis=0), np.nanstd(profile, axis=0)
    z = (profile - np.nan_to_num(mean)) / np.where(np.nan_to_num(std) > 0, std, 1.0)
    z = np.nan_to_num(z, nan=0.0)
    n_regions = int(region.max(initial=-1)) + 1
    onehot = np.zeros((len(region), max(n_regions, 1)))
    known = region >= 0
    onehot[np.flatnonzero(known), region[known]] = region_weight
    feats = np.hstack([z, onehot])
    d2 = ((feats[:, None, :] - feats[None, :, :]) ** 2).sum(axis=-1)
    return np.exp(-d2 / (2.0 * bandwidth**2))


def production_kernel(profile: np.ndarray, bandwidth: float) -> np.ndarray:
    """Similarity of countries' farm and fishery output (FAO production, countries x items).

    Each country's log production is centred on the average producer and compared by cosine;
    similarity s becomes exp((s - 1) / bandwidth), so near-identical profiles weigh about 1 and
    unlike ones next to nothing. Countries without FAO figures (all NaN) have no peers.
    """
    has = ~np.isnan(profile).all(axis=1) if profile.size else np.zeros(len(profile), bool)
    v = np.nan_to_num(profile, nan=0.0)
    if has.any():
        v = v - v[has].mean(axis=0)
    norm = np.linalg.norm(v, axis=1, keepdims=True)
    unit = np.where(has[:, None], v / np.maximum(norm, 1e-12), 0.0)
    kernel = np.exp((unit @ unit.T - 1.0) / bandwidth)
    return kernel * has[:, None] * has[None, :]


def _peer_share(kernel: np.ndarray | None, y: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Kernel-weighted mean of `y`'s rows over OTHER countries of the edition.

    With 0/1 listings per good that is the share of peers listing each good; with per-sector
    counts, the number of that sector's goods a peer lists.
    """
    k = np.zeros((len(y), len(y))) if kernel is None else kernel * weight[None, :]
    np.fill_diagonal(k, 0.0)  # a country is never its own peer: leave-one-out
    total = k.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(total > 0, (k @ y) / total, 0.0)


def label_features(grid: Grid) -> dict[str, np.ndarray]:
    """Leave-one-out label features, each a (countries x goods) float matrix."""
    y, ych, yfo = grid.any, grid.child, grid.forced
    n_c, n_g = y.shape
    feats: dict[str, np.ndarray] = {}
    feats["good_countries_other"] = y.sum(axis=0, keepdims=True) - y
    feats["good_child_countries_other"] = ych.sum(axis=0, keepdims=True) - ych
    feats["good_forced_countries_other"] = yfo.sum(axis=0, keepdims=True) - yfo
    feats["country_goods_other"] = y.sum(axis=1, keepdims=True) - y
    feats["country_child_goods_other"] = ych.sum(axis=1, keepdims=True) - ych
    feats["country_forced_goods_other"] = yfo.sum(axis=1, keepdims=True) - yfo
    with np.errstate(divide="ignore", invalid="ignore"):
        feats["country_forced_share_other"] = feats["country_forced_goods_other"] / np.maximum(
            feats["country_goods_other"], 1.0
        )

    sec = np.where(grid.sector >= 0, grid.sector, grid.sector.max(initial=0) + 1)
    sec_onehot = np.eye(sec.max() + 1)[sec]  # goods x sectors
    per_sector = y @ sec_onehot  # countries x sectors
    feats["country_sector_goods_other"] = per_sector[:, sec] - y

    reg = np.where(grid.region >= 0, grid.region, -1)
    known = reg >= 0
    reg_onehot = np.zeros((n_c, reg.max(initial=0) + 1))
    reg_onehot[np.flatnonzero(known), reg[known]] = 1.0
    reg_listed = reg_onehot.T @ y  # regions x goods
    weight = np.ones(n_c) if grid.country_weight is None else grid.country_weight
    reg_size = (reg_onehot * weight[:, None]).sum(axis=0)
    mates = np.where(known, reg_size[np.maximum(reg, 0)] - weight, 0)[:, None]
    listed_mates = np.where(known[:, None], reg_listed[np.maximum(reg, 0)] - y, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        feats["region_good_share_other"] = np.where(mates > 0, listed_mates / mates, 0.0)

    feats["similar_goods_in_country"] = _cosine_loo_goods(y)
    feats["similar_countries_with_good"] = _cosine_loo_goods(y.T).T
    feats["peer_good_share_other"] = _peer_share(grid.peer_kernel, y, weight)
    feats["production_peer_share_other"] = _peer_share(grid.production_kernel, y, weight)
    # Countries alike in BOTH ways (Findings profile and region, and farm output): how many goods
    # of the good's sector they list on average, a country x sector expectation.
    both = grid.peer_kernel
    if both is not None and grid.production_kernel is not None:
        both = both * grid.production_kernel
    feats["peer_sector_goods_other"] = _peer_share(both, per_sector, weight)[:, sec]
    return {name: feats[name] for name in LABEL_FEATURES}
