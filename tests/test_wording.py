"""Reasons, review actions and list_status read right to a procurement officer (issue 19).

Every sentence comes from `reference/phrases.csv`; these tests screen small made-up files and
the shipped example and check what a buyer would read.
"""

from __future__ import annotations

import re

import polars as pl
import pytest

from riskscreen.phrases import phrase, say, say_expr
from riskscreen.tables import read_table


@pytest.fixture(scope="module")
def made_up() -> pl.DataFrame:
    import riskscreen

    frame = pl.DataFrame(
        {
            "Supplier": ["Cocoa Coop", "Acme Freight", "Lagerhaus", "Kugel AG", "Ball Co",
                         "Blank Ltd", "Old Hat", "Sesame Co", "Ever Cotton"],
            "Country": ["Côte d'Ivoire", "China", "Germany", "Germany", "Pakistan",
                        None, "various", "Nigeria", "Turkmenistan"],
            "Product": ["cacao", "freight forwarding", "Büromaterial", "precision bearings",
                        "soccer balls", "cotton", "cotton", "sesame seeds", "cotton lint"],
        }
    )
    return riskscreen.screen(frame)


def _row(frame: pl.DataFrame, name: str) -> dict:
    return frame.filter(pl.col("Supplier") == name).row(0, named=True)


def test_phrase_table_fills_blanks_in_python_and_polars():
    assert say("reason_listed", list_name="L", good="G", country="C", finding="F") == (
        phrase("reason_listed").replace("{list_name}", "L").replace("{good}", "G")
        .replace("{country}", "C").replace("{finding}", "F")
    )
    out = pl.DataFrame({"g": ["Cotton", None]}).select(
        say_expr("review_product_low", good=pl.col("g"), ignore_nulls=False).alias("x")
    )["x"].to_list()
    assert out[0] == say("review_product_low", good="Cotton") and out[1] is None


def test_every_phrase_blank_is_a_name_and_every_key_is_unique():
    table = read_table("phrases")
    assert table["key"].n_unique() == table.height
    for text in table["en"]:
        assert text, "an English phrase is empty"
        assert "{" not in re.sub(r"\{[a-z_][a-z0-9_]*\}", "", text)


def test_listed_pair_is_answered_by_the_listing_with_the_list_named_by_its_year(made_up):
    row = _row(made_up, "Cocoa Coop")
    assert row["list_status"] == say("status_listed")
    assert row["reasons"] == (
        "ILAB 2022 List of Goods: Cocoa from Côte d'Ivoire — forced labour and child labour"
    )
    assert "Model" not in row["reasons"] and "likelihood" not in row["reasons"]


def test_model_estimate_is_a_likelihood_band_with_the_number_second(made_up):
    ball = _row(made_up, "Ball Co")
    assert ball["list_status"] == say("status_not_for_country")
    m = re.search(r"Model estimate: (elevated|moderate|low) likelihood \((\d+%|under 1%)"
                  r"(, not a clearance)?\) that ILAB would list Soccer Balls from Pakistan",
                  ball["reasons"])
    assert m, ball["reasons"]
    assert "% child labour" not in ball["reasons"] and "% forced labour" not in ball["reasons"]
    # a low estimate never reads like a clearance
    sesame = _row(made_up, "Sesame Co")
    assert sesame["p_any_finding"] < 0.04
    assert "low likelihood (" in sesame["reasons"] and ", not a clearance)" in sesame["reasons"]
    assert "likelihood (0%" not in sesame["reasons"]


def test_a_service_is_scored_on_the_country_only(made_up):
    row = _row(made_up, "Acme Freight")
    assert row["good_method"] == "service" and row["good"] is None
    assert row["list_status"] == say("status_service")
    assert row["reasons"].startswith("A service — not on ILAB's List of Goods, scored on the "
                                     "country only")
    assert "unknown product" not in row["reasons"]
    assert row["risk_score"] is not None and row["risk_score"] <= 49  # the country cap
    assert not row["needs_review"]


def test_goods_not_on_the_list_go_to_a_column_not_to_review(made_up):
    for name in ("Lagerhaus", "Kugel AG"):
        row = _row(made_up, name)
        assert row["list_status"] == say("status_not_on_list"), name
        assert not row["needs_review"], row["review_reason"]
        assert "Product not on ILAB's List of Goods" in row["reasons"]


def test_review_holds_only_what_a_person_can_resolve_each_with_one_action(made_up):
    blank, various = _row(made_up, "Blank Ltd"), _row(made_up, "Old Hat")
    assert blank["review_reason"] == say("review_no_country")
    assert various["review_reason"] == say("review_non_answer")
    actions = {say(k) for k in read_table("phrases")["key"] if k.startswith("review_")
               and "{" not in phrase(k)}
    for row in made_up.filter(pl.col("needs_review")).iter_rows(named=True):
        for part in row["review_reason"].split("; "):
            assert " — " in part, part  # problem — action
            assert part in actions or part.split(" — ")[0] in {
                phrase(k).split(" — ")[0] for k in read_table("phrases")["key"]
                if k.startswith("review_")}


def test_the_same_fact_is_said_once(made_up):
    row = _row(made_up, "Acme Freight")  # China: 18 other goods, counted three ways
    assert len(re.findall(r"18 other goods", row["reasons"])) == 1, row["reasons"]


def test_scope_order_and_listing_both_show_for_turkmenistan_cotton(made_up):
    row = _row(made_up, "Ever Cotton")
    assert row["risk_tier"] == "critical"
    assert row["reasons"].startswith("U.S. CBP WRO 2018-05-18: ")
    assert "ILAB 2022 List of Goods: Cotton from Turkmenistan" in row["reasons"]


# --- explain -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def loaded():
    import riskscreen

    return {"reference": riskscreen.load_reference(), "model": riskscreen.load_model(),
            "watchlists": riskscreen.load_watchlists()}


def _explain(*args, **kw):
    from riskscreen.lookup import explain

    return explain(*args, **kw)


def test_explain_listed_pair_gives_the_listing_and_not_the_model(loaded):
    text = _explain("Côte d'Ivoire", "cacao", **loaded)
    assert "  - ILAB 2022 List of Goods: Cocoa from Côte d'Ivoire — forced labour and child " \
        "labour" in text
    assert say("explain_listing_is_the_answer") in text
    assert "Model estimate" not in text and "likelihood" not in text
    assert "edition 2021" not in text


def test_explain_shows_every_rule_screen_applies(loaded):
    import riskscreen

    for country, product, must in (
        ("Turkmenistan", "cotton", "U.S. CBP WRO 2018-05-18: WRO 2018: Turkmenistan cotton"),
        ("Xinjiang", "cotton", say("reason_xinjiang")),
        ("China", "solar modules", "made with inputs produced with forced labour"),
    ):
        text = _explain(country, product, **loaded)
        row = riskscreen.screen(
            pl.DataFrame({"Country": [country], "Product": [product]}), **loaded
        ).row(0, named=True)
        assert must in text, text
        assert f"screen gives {row['risk_tier']} ({row['risk_score']})" in text
        for reason in row["reasons"].split("; "):  # every reason screen gives, word for word
            assert f"  - {reason}" in text


def test_explain_unlisted_pair_shows_the_model_as_a_band(loaded):
    text = _explain("Pakistan", "soccer balls", **loaded)
    assert "Not on the ILAB 2022 List of Goods. Model estimate: moderate likelihood (" in text
    assert "child labour " in text and "an estimate, not a finding" in text
    assert say("explain_not_clearance") in text


def test_explain_one_product_word_is_read_as_a_product_and_offers_the_country(loaded):
    text = _explain("cacao", **loaded)
    assert text.startswith("'cacao' read as a product: Cocoa")
    assert "Côte d'Ivoire (forced labour and child labour)" in text
    assert "riskscreen explain --as country 'cacao'" in text and "Curaçao" in text
    forced = _explain("cacao", read_as="country", **loaded)
    assert forced.startswith("Curaçao (CUW)")
    country = _explain("Ghana", **loaded)
    assert country.startswith("Ghana (GHA) — 'Ghana' read as a country")
    assert "ILAB's 2022 Findings" in country and "Cocoa (child labour)" in country


def test_explain_country_names_its_country_wide_orders(loaded):
    text = _explain("Turkmenistan", **loaded)
    assert "U.S. CBP WRO 2018-05-18: WRO 2018: Turkmenistan cotton — covers Cotton" in text
    assert "screen scores these 100 (critical)" in text
    china = _explain("China", **loaded)
    assert say("explain_xinjiang_rule") in china


def test_explain_service_says_it_is_a_service(loaded):
    text = _explain("China", "freight forwarding", **loaded)
    assert say("explain_product_service", text="freight forwarding") in text
    assert "unknown product" not in text


def test_no_reason_phrase_contains_the_reason_separator():
    for key, text in zip(read_table("phrases")["key"], read_table("phrases")["en"], strict=True):
        if key.startswith(("reason_", "finding_", "band_", "pct_", "factor_")):
            assert "; " not in text, key


# --- the workbook explains itself and prints ---------------------------------------------

@pytest.fixture(scope="module")
def example_book(repo_root):
    from openpyxl import load_workbook

    return load_workbook(repo_root / "examples" / "suppliers_report.xlsx")


def test_read_me_sheet_says_what_tiers_mean_and_what_the_sources_are(example_book):
    ws = example_book["Read me"]
    assert example_book.sheetnames[0] == "Read me"
    assert example_book.active.title == "Flagged"  # opens on the rows to act on
    rows = {r[0]: r[1] for r in ws.iter_rows(values_only=True) if r and r[0]}
    for term in ("critical (90–100)", "high (70–89)", "medium (40–69)", "low (0–39)", "unknown"):
        assert term in rows, term
    assert "ILAB's 2022 List of Goods names this good" in rows["high (70–89)"]
    for term, address in (
        ("ILAB List of Goods", "https://www.dol.gov/agencies/ilab/reports/child-labor/"
                               "list-of-goods"),
        ("ILAB Findings", "https://www.dol.gov/agencies/ilab/resources/reports/child-labor/"
                          "findings"),
        ("UFLPA", "https://www.cbp.gov/trade/forced-labor/UFLPA"),
        ("UFLPA Entity List", "https://www.dhs.gov/uflpa-entity-list"),
        ("CBP WROs and Findings", "https://www.cbp.gov/trade/forced-labor/"
                                  "withhold-release-orders-and-findings"),
    ):
        assert address in rows[term], term
    assert "A clean result is not a clearance" in rows["Read this first"]


def test_method_sheet_leads_with_the_method_in_words_and_describes_thresholds(example_book):
    ws = example_book["Method & sources"]
    values = list(ws.iter_rows(values_only=True))
    assert values[1][0] == say("method_title")
    assert values[2][1].startswith("1. Read:")
    assert "ILAB's 2022 List of Goods scores 80–89" in values[4][1]
    notes = {r[0].strip(): r[2] for r in values if r and r[0] and len(r) > 2 and r[2]}
    table = read_table("thresholds")
    for key, note in zip(table["key"], table["note"], strict=True):
        if key != "min_tier":
            assert notes.get(key) == note, key
    text = " ".join(str(v) for r in values for v in r if v is not None)
    assert "ILAB 2022 List of Goods (data file goods_2021.xml)" in text
    assert "2018 List (early file)" in text
    assert "ILAB's 2022 List of Goods and 2022 Findings (data edition 2021)" in text


def test_every_data_sheet_prints_one_page_wide_with_reasons_wrapped(example_book):
    from openpyxl.utils import get_column_letter

    for title in ("Flagged", "All suppliers", "Needs review"):
        ws = example_book[title]
        assert ws.page_setup.orientation == "landscape", title
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
        assert ws.page_setup.fitToHeight == 0
        assert ws.print_title_rows == "$1:$1"
        headers = [c.value for c in ws[1]]
        key = "review_reason" if title == "Needs review" else "reasons"
        col = headers.index(key) + 1
        letter = get_column_letter(col)
        assert ws.print_area == f"'{title}'!$A$1:${letter}${ws.max_row}"
        assert ws.column_dimensions[letter].width >= (60 if key == "reasons" else 40)
        for row in ws.iter_rows(min_row=2, max_row=min(ws.max_row, 40)):
            cell = row[col - 1]
            assert cell.alignment.wrap_text, (title, cell.coordinate)
            if cell.value and len(cell.value) > 2 * ws.column_dimensions[letter].width:
                height = ws.row_dimensions[cell.row].height
                assert height and height >= 30, (title, cell.coordinate)
        # a header that wraps gets a header row tall enough not to overlap row 1
        widths = [ws.column_dimensions[get_column_letter(i)].width
                  for i in range(1, len(headers) + 1)]
        if any(len(h) > w for h, w in zip(headers, widths, strict=True)):
            assert ws.row_dimensions[1].height and ws.row_dimensions[1].height >= 30


def test_cli_summary_lists_tiers_most_severe_first(tmp_path):
    from click.testing import CliRunner

    from riskscreen.cli import main

    src = tmp_path / "s.csv"
    src.write_text("Supplier,Country,Product\nA,Turkmenistan,cotton\nB,Germany,bearings\n"
                   "C,,cotton\nD,India,bricks\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["screen", str(src), "-o", str(tmp_path / "o.csv")])
    assert result.exit_code == 0, result.output
    m = re.search(r"\((critical \d+, high \d+, low \d+, unknown \d+)\)", result.output)
    assert m, result.output


def test_reference_info_names_each_list_by_its_year():
    from riskscreen.reference.info import reference_info

    text = reference_info()
    assert "Newest List of Goods: the 2022 List (data edition 2021, goods_2021.xml)" in text
    assert "Listing history: 2016 List, 2018 List, 2020 List, 2022 List" in text
    lines = [ln for ln in text.splitlines() if "goods_201" in ln and "sha256" in ln]
    labels = [ln.split("goods_")[0].strip() for ln in lines]
    assert len(labels) == len(set(labels)), labels  # no two files under the same label
    assert "2018 List (early file)" in labels


# --- wrong-format files say what they are -------------------------------------------------

def _word_document(path):
    import docx

    doc = docx.Document()
    doc.add_paragraph("Supplier list: see attachment")
    doc.save(path)


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_a_word_document_renamed_says_it_is_a_word_document(tmp_path, suffix):
    from click.testing import CliRunner

    from riskscreen.cli import main

    src = tmp_path / f"suppliers{suffix}"
    _word_document(src)
    out = tmp_path / "report.xlsx"
    result = CliRunner().invoke(main, ["screen", str(src), "-o", str(out)])
    assert result.exit_code != 0
    assert f"the {suffix} file is really a Word document (.docx), not a spreadsheet" \
        in result.output
    assert "calamine" not in result.output and "word/_rels" not in result.output
    assert "Traceback" not in result.output and not out.exists()


def test_other_wrong_formats_are_named(tmp_path):
    import zipfile

    from riskscreen.errors import InputError
    from riskscreen.io.read import read_suppliers

    pptx = tmp_path / "deck.xlsx"
    with zipfile.ZipFile(pptx, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("ppt/presentation.xml", "<p:presentation/>")
    pdf = tmp_path / "scan.xlsx"
    pdf.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n")
    png = tmp_path / "photo.csv"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    for path, what in ((pptx, "a PowerPoint presentation (.pptx)"), (pdf, "a PDF document"),
                       (png, "a PNG image")):
        with pytest.raises(InputError, match=re.escape(f"is really {what}")):
            read_suppliers(path)


def test_a_user_list_without_a_date_says_no_date_given(tmp_path, repo_root):
    from click.testing import CliRunner

    from riskscreen.cli import main

    src = tmp_path / "s.csv"
    src.write_text("Supplier,Country,Product\nA,Germany,bearings\n", encoding="utf-8")
    mine = tmp_path / "mine.csv"
    mine.write_text("name\nSome Trading Co\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["screen", str(src), "-o", str(tmp_path / "o.csv"),
                                       "--watchlist", str(mine)])
    assert result.exit_code == 0, result.output
    assert "(no date given)" in result.output and "undated" not in result.output


def test_explain_a_service_alone_says_it_is_a_service(loaded):
    text = _explain("freight forwarding", **loaded)
    assert text.startswith(say("explain_product_service", text="freight forwarding"))


def test_a_translation_is_a_new_column(monkeypatch):
    import riskscreen.phrases as phrases

    table = read_table("phrases")
    german = table.with_columns(
        pl.when(pl.col("key") == "review_no_country")
        .then(pl.lit("kein Land angegeben — das Herkunftsland eintragen"))
        .otherwise(pl.lit(None, pl.String)).alias("de")
    )
    monkeypatch.setattr(phrases, "read_table", lambda name: german)
    phrases._table.cache_clear()
    try:
        assert phrases.say("review_no_country", "de").startswith("kein Land angegeben")
        assert phrases.say("finding_both", "de") == say("finding_both")  # falls back to en
    finally:
        monkeypatch.undo()
        phrases._table.cache_clear()
