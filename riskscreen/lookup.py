"""`explain(...)`: a plain-text look-up for training sessions and quick checks.

A (country, product) pair is screened exactly as a supplier row would be, so `explain` shows
every rule `screen` applies — the listing (the good's own, a downstream or a broader one), a
country- or region-wide CBP order, the Xinjiang rule — and the model only where no listing
answers. One argument is read as a country or as a product (whichever it is; `read_as` forces
one), and the other reading is offered. Every sentence comes from `reference/phrases.csv`.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from riskscreen.contracts import ReferenceTables, RiskScorer, WatchlistTables
from riskscreen.errors import InputError
from riskscreen.match.countries import resolve_countries
from riskscreen.match.products import resolve_products
from riskscreen.model import load_model
from riskscreen.phrases import say
from riskscreen.pipeline import screen
from riskscreen.reference import load_reference
from riskscreen.scoring import inactive_words, list_label, listed_pairs, load_thresholds
from riskscreen.tables import read_table
from riskscreen.watchlists import load_watchlists
from riskscreen.watchlists.scopes import law_rules

__all__ = ["explain"]

READINGS = ("country", "product")


def _pct(value: Any) -> str:
    if value is None:
        return "?"
    value = float(value)
    return say("pct_under_one") if value < 0.005 else f"{value * 100:.0f}%"


def _finding_words(forced: bool, child: bool) -> str:
    if forced and child:
        return say("finding_both")
    return say("finding_forced") if forced else say("finding_child")


def explain(country: str | None, product: str | None = None, *, read_as: str | None = None,
            reference: ReferenceTables | None = None, model: RiskScorer | None = None,
            watchlists: WatchlistTables | None = None) -> str:
    """What riskscreen says about a country, a product, or a (country, product) pair, and why.

    Values are resolved like supplier-sheet cells ("Côte d'Ivoire", "CIV", "cacao"). With one
    value, `read_as` ("country" / "product") picks the reading; by default a value that reads
    better as a product (e.g. "cacao", not the country Curaçao) is read as one.
    """

    if read_as is not None and read_as not in READINGS:
        raise InputError(f"read_as must be 'country' or 'product', not {read_as!r}")
    ctx = _Context(
        reference if reference is not None else load_reference(),
        model if model is not None else load_model(),
        watchlists if watchlists is not None else load_watchlists(),
    )
    if country is not None and product is not None:
        return "\n".join(ctx.pair_lines(country, product))
    text = country if country is not None else product
    if not text or not str(text).strip():
        raise InputError("give a country, a product, or both, e.g. riskscreen explain "
                         "\"Côte d'Ivoire\" cocoa")
    as_country, as_product = ctx.country_reading(text), ctx.product_reading(text)
    prefer_product = as_product is not None and (
        as_country is None or as_country["country_method"] == "fuzzy"
        or as_product["good_confidence"] > as_country["country_confidence"]
    )
    if read_as == "product" or (read_as is None and prefer_product):
        if as_product is None:
            raise InputError(f"'{text}' is not a product riskscreen recognises.")
        lines = ctx.product_lines(text, as_product)
        if as_country is not None:
            lines.append(say("explain_product_other_reading", text=text,
                             country=as_country["country_name"]))
        return "\n".join(lines)
    if as_country is None:
        if ctx.is_service(text):
            return "\n".join([say("explain_product_service", text=text),
                              say("explain_product_hint", text=text)])
        hint = ctx.country_hint(text)
        raise InputError(f"'{text}' is not a country riskscreen recognises, nor a good on "
                         f"ILAB's List.{hint}")
    lines = ctx.country_lines(text, as_country)
    if as_product is not None:
        lines.append(say("explain_country_other_reading", text=text,
                         good=as_product["good"] or as_product["sector"]))
    return "\n".join(lines)


class _Context:
    """Reference, model and watchlists loaded once, and the look-ups `explain` needs."""

    def __init__(self, reference: ReferenceTables, model: RiskScorer,
                 watchlists: WatchlistTables) -> None:
        self.reference, self.model, self.watchlists = reference, model, watchlists
        self.th = load_thresholds()
        self.list_name = say("list_name", list=list_label(reference))
        self.pairs = listed_pairs(reference)
        self.names = reference.goods.select("good_id", "name")

    # --- resolving one value -------------------------------------------------------------
    def country_reading(self, text: str) -> dict | None:
        c = resolve_countries([text], self.reference).row(0, named=True)
        if c["country_iso3"] is None or c["country_confidence"] < self.th["accept_confidence"]:
            return None
        info = self.reference.countries.filter(pl.col("iso3") == c["country_iso3"])
        c["country_name"] = info["name"][0] if info.height else c["country_iso3"]
        return c

    def country_hint(self, text: str) -> str:
        c = resolve_countries([text], self.reference).row(0, named=True)
        hint = c.get("country_candidates") or (
            f"{c['country_iso3']} ({c['country_confidence']:.2f})" if c["country_iso3"] else "")
        return f" Did you mean: {hint}?" if hint else ""

    def product_reading(self, text: str) -> dict | None:
        p = resolve_products([text], None, self.reference).row(0, named=True)
        known = p["good_id"] is not None or p["sector"] is not None
        if not known or p["good_confidence"] < self.th["accept_confidence"]:
            return None
        return p

    def is_service(self, text: str) -> bool:
        return resolve_products([text], None, self.reference)["good_method"][0] == "service"

    # --- one country ---------------------------------------------------------------------
    def country_lines(self, text: str, c: dict) -> list[str]:
        iso3 = c["country_iso3"]
        lines = [say("explain_country", name=c["country_name"], iso3=iso3, text=text,
                     method=c["country_method"], confidence=f"{c['country_confidence']:.2f}")]
        if c.get("region"):
            lines.append("  " + say("explain_region", region=c["region"]))
        lines += ["  " + line for line in self._findings(iso3)]
        lines.append("  " + self._country_listings(iso3))
        lines += ["  " + line for line in self._scopes(pl.col("scope_iso3") == iso3)]
        regional = law_rules().filter((pl.col("country_iso3") == iso3)
                                      & (pl.col("region_key") != ""))
        if regional.height and not c.get("region"):  # a region rule (UFLPA) needs the address
            lines.append("  " + say("explain_xinjiang_rule"))
        row = self._screen(text, None)
        lines.append(say("explain_country_score", score=row["risk_score"], tier=row["risk_tier"]))
        lines += [f"  - {r}" for r in (row["reasons"] or "").split("; ") if r]
        lines.append(say("explain_not_clearance"))
        return lines

    def _findings(self, iso3: str) -> list[str]:
        info = self.reference.countries.filter(pl.col("iso3") == iso3).row(0, named=True)
        if not info.get("assessed"):
            return [say("explain_not_assessed")]
        findings = read_findings_label(self.reference)
        out = [say("explain_assessed", findings=findings,
                   level=info.get("advancement_level") or "n/a")]
        for key, phrase_key in (("child_work_5_14", "explain_child_work"),
                                ("school_attendance_5_14", "explain_school")):
            if info.get(key) is not None:
                out.append(say(phrase_key, value=f"{float(info[key]) * 100:.1f}%"))
        if info.get("ilab_url"):
            out.append(say("explain_country_page", url=info["ilab_url"]))
        return out

    def _country_listings(self, iso3: str) -> str:
        listed = (
            self.pairs.filter((pl.col("country_iso3") == iso3)
                              & (pl.col("_listing_via").fill_null("") != "parent"))
            .join(self.names, on="good_id", how="left").sort("name")
        )
        if not listed.height:
            return say("explain_country_unlisted", list_name=self.list_name)
        goods = []
        for r in listed.iter_rows(named=True):
            found = _finding_words(r["listed_forced_labour"], r["listed_child_labour"])
            if r["_listing_via"] == "input":
                found = say("finding_via_input", finding=found, input=r["_listing_note"])
            goods.append(f"{r['name']} ({found})")
        return say("explain_country_listed", list_name=self.list_name, goods="; ".join(goods))

    def _scopes(self, which: pl.Expr) -> list[str]:
        scopes = self.watchlists.scopes.filter(which).sort("scope_date")
        out = []
        for r in scopes.iter_rows(named=True):
            ids = [g.strip() for g in (r["scope_good_ids"] or "").split(";") if g.strip()]
            names = self.names.filter(pl.col("good_id").is_in(ids))["name"].to_list()
            status = (r["scope_status"] or "").lower()
            key = ("explain_scope_history" if any(w in status for w in inactive_words())
                   else "explain_scope_country")
            out.append(say(key, action=r["scope_action"], date=r["scope_date"],
                           status=r["scope_status"] or "status unknown", name=r["scope_name"],
                           goods=", ".join(names)))
        return out

    # --- one product ---------------------------------------------------------------------
    def product_lines(self, text: str, p: dict) -> list[str]:
        if p["good_id"] is None:
            return [say("explain_product_sector", text=text, sector=p["sector"],
                        method=p["good_method"], confidence=f"{p['good_confidence']:.2f}"),
                    say("explain_product_hint", text=text)]
        lines = [say("explain_product_only", text=text, good=p["good"], method=p["good_method"],
                     confidence=f"{p['good_confidence']:.2f}")]
        rows = self.pairs.filter(pl.col("good_id") == p["good_id"])
        countries = self.reference.countries.select(
            pl.col("iso3").alias("country_iso3"), pl.coalesce("ilab_name", "name").alias("c"))
        rows = rows.join(countries, on="country_iso3", how="left").sort("c")
        if rows.height:
            items = []
            for r in rows.iter_rows(named=True):
                found = _finding_words(r["listed_forced_labour"], r["listed_child_labour"])
                if r["_listing_via"] == "input":
                    found = say("finding_via_input", finding=found, input=r["_listing_note"])
                elif r["_listing_via"] == "parent":
                    found = say("finding_via_parent", finding=found, parent=r["_listing_note"],
                                good=p["good"])
                items.append(f"{r['c']} ({found})")
            lines.append("  " + say("explain_product_countries", list_name=self.list_name,
                                    countries="; ".join(items)))
        else:
            lines.append("  " + say("explain_product_no_countries", good=p["good"],
                                    list_name=self.list_name))
        has_good = pl.col("scope_good_ids").fill_null("").str.split(";").list.eval(
            pl.element().str.strip_chars()).list.contains(p["good_id"])
        lines += ["  " + line for line in self._scopes(has_good)]
        lines.append(say("explain_product_hint", text=text))
        return lines

    # --- a pair, screened as a supplier row ----------------------------------------------
    def _screen(self, country: str | None, product: str | None) -> dict:
        data = {"Country": [country]}
        columns = {"country": "Country"}
        if product is not None:
            data["Product"] = [product]
            columns["product"] = "Product"
        frame = pl.DataFrame(data, schema={k: pl.String for k in data})
        out = screen(frame, columns=columns, reference=self.reference, model=self.model,
                     watchlists=self.watchlists)
        return out.row(0, named=True)

    def pair_lines(self, country: str, product: str) -> list[str]:
        row = self._screen(country, product)
        if row["country_iso3"] is None:
            hint = self.country_hint(country)
            raise InputError(f"'{country}' is not a country riskscreen recognises.{hint}")
        name = row["country_name"] or row["country_iso3"]
        lines = [say("explain_country", name=name, iso3=row["country_iso3"], text=country,
                     method=row["country_method"],
                     confidence=f"{row['country_confidence']:.2f}")]
        if row.get("region"):
            lines.append("  " + say("explain_region", region=row["region"]))
        conf = f"{row['good_confidence']:.2f}"
        method = row["good_method"]
        if row["good"] is not None:
            lines.append(say("explain_product", text=product, good=row["good"], method=method,
                             confidence=conf))
        elif row["sector"] is not None:
            lines.append(say("explain_product_sector", text=product, sector=row["sector"],
                             method=method, confidence=conf))
        elif method == "service":
            lines.append(say("explain_product_service", text=product))
        elif row.get("good_candidates"):
            lines.append(say("explain_product_uncertain", text=product,
                             candidates=row["good_candidates"]))
        else:
            lines.append(say("explain_product_none", text=product))
        flagged = say("explain_flagged") if row["flagged"] else say("explain_not_flagged")
        lines.append(say("explain_verdict", tier=row["risk_tier"],
                         score=row["risk_score"] if row["risk_score"] is not None else "no score",
                         flagged=flagged))
        lines += [f"  - {r}" for r in (row["reasons"] or "").split("; ") if r]
        listed = row["listed_forced_labour"] or row["listed_child_labour"]
        if listed:
            lines.append(say("explain_listing_is_the_answer"))
        elif row["p_any_finding"] is not None:
            lines.append(say("explain_model_detail", child=_pct(row["p_child_labour"]),
                             forced=_pct(row["p_forced_labour"])))
        lines.append(self._country_listings(row["country_iso3"]))
        if not row["flagged"]:
            lines.append(say("explain_not_clearance"))
        return lines


def read_findings_label(reference: ReferenceTables) -> str:
    """'2022 Findings': the newest Findings report, named by the year it reports on."""

    labels = read_table("list_editions").filter(pl.col("edition") == reference.newest_edition)
    if labels.height and labels["findings_label"][0]:
        return str(labels["findings_label"][0])
    return f"Findings (data edition {reference.newest_edition})"
