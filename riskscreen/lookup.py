"""`explain(country, product)`: a plain-text look-up for training sessions and quick checks."""

from __future__ import annotations

from typing import Any

import polars as pl

from riskscreen.errors import InputError
from riskscreen.match.countries import resolve_countries
from riskscreen.match.products import resolve_products
from riskscreen.model import load_model
from riskscreen.reference import load_reference
from riskscreen.scoring import listed_pairs, load_thresholds

__all__ = ["explain"]


def _fmt_pct(value: Any) -> str:
    return "not reported" if value is None else f"{float(value) * 100:.1f}%"


def explain(country: str, product: str | None = None, *, reference: Any = None,
            model: Any = None) -> str:
    """What the reference says about `country` (and `product`), the model's probabilities and why.

    Both are resolved like supplier-sheet cells, so "Côte d'Ivoire", "CIV" or "cacao" work.
    """
    reference = reference if reference is not None else load_reference()
    model = model if model is not None else load_model()
    accept = load_thresholds()["accept_confidence"]
    c = resolve_countries([country], reference).row(0, named=True)
    if c["country_iso3"] is None or c["country_confidence"] < accept:
        hint = c.get("country_candidates") or (
            f"{c['country_iso3']} ({c['country_confidence']:.2f})" if c["country_iso3"] else "")
        hint = f" Did you mean: {hint}?" if hint else ""
        raise InputError(f"'{country}' is not a country riskscreen recognises.{hint}")
    iso3 = c["country_iso3"]
    info = reference.countries.filter(pl.col("iso3") == iso3).row(0, named=True)
    lines = [f"{info['name']} ({iso3}) — matched '{country}' by {c['country_method']}, "
             f"confidence {c['country_confidence']:.2f}"]
    if c.get("region"):
        lines.append(f"  Region: {c['region']} — under the UFLPA, goods made wholly or in part "
                     "there are presumed made with forced labour.")
    if info.get("assessed"):
        lines.append(f"  ILAB advancement level: {info.get('advancement_level') or 'n/a'}")
        for key, label in (("child_work_5_14", "Children aged 5–14 working"),
                           ("school_attendance_5_14", "School attendance, ages 5–14")):
            if key in info:
                lines.append(f"  {label}: {_fmt_pct(info[key])}")
        if info.get("ilab_url"):
            lines.append(f"  ILAB country page: {info['ilab_url']}")
    else:
        lines.append("  ILAB does not assess this country: the model gives a prior only.")

    pairs = listed_pairs(reference)
    listed = pairs.filter(
        (pl.col("country_iso3") == iso3) & (pl.col("_listing_via").fill_null("") != "parent")
    ).join(reference.goods.select("good_id", "name"), on="good_id", how="left").sort("name")
    edition = reference.newest_edition
    if listed.height:
        kinds = listed.select(
            pl.col("name"),
            pl.concat_str(
                pl.when(pl.col("_listing_via") == "input").then(pl.lit("made with inputs with ")),
                pl.concat_list(
                    pl.when(pl.col("listed_forced_labour")).then(pl.lit("forced labour")),
                    pl.when(pl.col("listed_child_labour")).then(pl.lit("child labour")),
                ).list.drop_nulls().list.join(" and "),
                pl.when(pl.col("_listing_via") == "input")
                .then(pl.concat_str([pl.lit(": "), pl.col("_listing_note")])),
                ignore_nulls=True,
            ).alias("kind"),
        )
        lines.append(f"  On the ILAB List of Goods (edition {edition}): "
                     + "; ".join(f"{n} ({k})" for n, k in kinds.iter_rows()))
    else:
        lines.append(f"  No goods from this country on the ILAB List of Goods (edition {edition}).")

    good_id = sector = None
    if product:
        p = resolve_products([product], None, reference).row(0, named=True)
        good_id, sector = p["good_id"], p["sector"]
        if good_id is None and sector is None:
            lines.append(f"'{product}': not a good on the ILAB list (method {p['good_method']}); "
                         "country-level estimate below.")
        else:
            what = p["good"] or f"sector {sector}"
            lines.append(f"'{product}' → {what} (method {p['good_method']}, "
                         f"confidence {p['good_confidence']:.2f})")
            if good_id is not None:
                pair = pairs.filter(
                    (pl.col("country_iso3") == iso3) & (pl.col("good_id") == good_id)
                )
                if pair.height:
                    row = pair.row(0, named=True)
                    found = " and ".join(
                        k for k, f in (("forced labour", row["listed_forced_labour"]),
                                       ("child labour", row["listed_child_labour"])) if f
                    )
                    if row["_listing_via"] == "input":
                        found = f"made with inputs produced with {found} ({row['_listing_note']})"
                    elif row["_listing_via"] == "parent":
                        found += f" (listed as {row['_listing_note']}, of which it is a kind)"
                    lines.append(f"  LISTED: {what} from {info['name']} — {found} "
                                 f"(ILAB edition {edition}).")
                else:
                    lines.append(f"  {what} from {info['name']} is not on the ILAB list.")
    query = pl.DataFrame({"iso3": [iso3], "good_id": [good_id], "sector": [sector]},
                         schema={"iso3": pl.String, "good_id": pl.String, "sector": pl.String})
    pred = model.explain(model.predict_pairs(query)).row(0, named=True)
    scope = "this good" if good_id else ("this sector" if sector else "any listed good")
    lines.append(f"Model: {_fmt_pct(pred['p_child_labour'])} child labour, "
                 f"{_fmt_pct(pred['p_forced_labour'])} forced labour, "
                 f"{_fmt_pct(pred['p_any_finding'])} either finding for {scope}.")
    if pred.get("model_factors"):
        lines.append(f"  Why: {pred['model_factors']}")
    lines.append("A low estimate is not a clearance: ILAB's lists and the watchlists are partial.")
    return "\n".join(lines)
