"""Goods read from misspelt words, and the trap classes of blind sets 6-9 (issue 16)."""

from __future__ import annotations

import pytest

from riskscreen.match.product_name import goods_from_names
from riskscreen.scoring import load_thresholds
from riskscreen.tables import read_table


def _read(names: list[str]) -> dict[str, tuple[str | None, float, str | None]]:
    out = goods_from_names(names)
    return {n: (g, c, w) for n, g, c, w in out.select(
        "name_input", "good_id", "good_confidence", "name_good_word").iter_rows()}


def _threshold(key: str) -> float:
    table = read_table("match_thresholds")
    return float(table.filter(table["key"] == key)["value"][0])


@pytest.mark.parametrize(("name", "good", "word"), [
    ("Sialkot Garmants Company", "garments", "garmants"),
    ("SHENZHEN HUAQIANG ELECTRONCIS CO LTD", "electronics", "electroncis"),
    ("Delta Furnitrue Co", "furniture", "furnitrue"),
])
def test_a_long_word_one_slip_from_a_goods_word_reads_it_for_review(name, good, word):
    got, confidence, said = _read([name])[name]
    assert got == good
    assert said.startswith(f"{word} (read as ")  # the reason shows what was written
    # accepted, but a person checks it
    assert confidence == _threshold("name_good_typo_confidence") < _threshold(
        "name_good_typo_word_confidence")


@pytest.mark.parametrize("name", [
    "Mianyang Zhengbao Fruit and Vegetable Co",  # a pinyin city, one slip from "mianfang"
    "Anhui Gangjing New Materials Co Ltd",       # pinyin, one slip from "gangding" (nails)
    "British Columbia Timber Agency",            # a place, one slip from "columbita"
    "Frutícola del Valle",                       # Spanish, one slip from Italian "frutticola"
    "Garmin Ltd",                                # too short to be read as a slip
    "Coffey Associates",
])
def test_pinyin_places_other_languages_and_short_words_are_not_slips(name):
    got, _, said = _read([name])[name]
    assert said is None or "read as" not in said


def test_a_name_with_a_cancel_word_gets_no_slip_reading():
    got, _, _ = _read(["Garmants Machinery Co"])["Garmants Machinery Co"]
    assert got is None


@pytest.mark.parametrize("name", [
    "Bamboo Airways", "Tea Board of India", "Jute Diversification Promotion Centre",
    "Kahawa Sukari Hardware", "Sukari Investments Ltd", "Brick & Mortar Ventures",
    "宁波咖啡机制造有限公司",  # coffee machines
])
def test_businesses_that_borrow_a_goods_word_read_none(name):
    assert _read([name])[name][0] is None


@pytest.mark.parametrize(("name", "good"), [
    ("Harinera de Maíz de Jalisco S.A. de C.V.", "corn"),   # not wheat: a maize flour mill
    ("Molino de Maíz El Sol", "corn"),
    ("Ganfeng Lithium Battery Co", "lithium_ion_batteries"),
])
def test_phrases_that_name_the_good_win(name, good):
    assert _read([name])[name][0] == good


@pytest.mark.parametrize("name", [
    "Zinnwald Lithium GmbH", "Glashütte Original GmbH", "Sunrise Hatchery Ltd",
    "金龙鱼粮油食品股份有限公司",
])
def test_words_with_another_common_sense_are_only_offered_for_review(name):
    good, confidence, _ = _read([name])[name]
    assert good is None or confidence < load_thresholds()["accept_confidence"]


@pytest.mark.parametrize("name", [
    "Granite REIT", "Rubber Duck Creative Agency Ltd", "Tea Rose Printing & Labels Inc",
    "Cotton Belt Warehouse Corp", "Bamboo Bar & Kitchen Pty Ltd", "Zhejiang Huangjin Dajiudian",
])
def test_service_firms_named_after_a_good_read_none(name):
    assert _read([name])[name][0] is None


def test_an_indian_cooperative_sugar_mill_crushes_cane():
    name = "Shri Vitthal Sahakari Sakhar Karkhana Ltd"
    assert _read([name])[name][0] == "sugarcane"


def test_a_name_word_only_offered_for_review_sets_no_sector(tmp_path):
    import polars as pl

    from riskscreen.pipeline import run_screen

    path = tmp_path / "s.csv"
    pl.DataFrame({"Supplier": ["Dal Dosso Sport snc", "Sunrise Garments Ltd"],
                  "Country": ["Italy", "Bangladesh"]}).write_csv(path)
    out = run_screen(path).frame
    dal = out.row(0, named=True)
    assert dal["good_id"] is None and dal["sector"] is None
    assert "(0.7" in (dal["good_candidates"] or "")  # still shown to a person
    assert out.row(1, named=True)["sector"] is not None
