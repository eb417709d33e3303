"""Goods read from supplier names in Latin-script languages (issue 16): the per-language word
files `reference/name_goods_<language>.csv` (es, pt, fr, it, de, nl, pl, tr, id, ms, vi, sw, uz).

Names are made up in the way suppliers name themselves; each language has words that must read
their good, and traps (the good's word in another sense: a surname, a place, a restaurant, a
machinery maker, a bank) that must read none.
"""

from __future__ import annotations

import polars as pl
import pytest

from riskscreen.match.normalise import normalise_series
from riskscreen.match.product_name import goods_from_names
from riskscreen.scoring import load_thresholds
from riskscreen.tables import read_table, read_table_family

LANGUAGES = ("es", "pt", "fr", "it", "de", "nl", "pl", "tr", "id", "ms", "vi", "sw", "uz")


def _accepted(names: list[str]) -> dict[str, str | None]:
    """The good each name reads, as the pipeline accepts it (None below the accept level)."""
    accept = float(load_thresholds()["accept_confidence"])
    out = goods_from_names(names)
    return {n: (g if c >= accept else None) for n, g, c in
            out.select("name_input", "good_id", "good_confidence").iter_rows()}


READS = [
    # Spanish
    ("Fresas y Frutillas del Valle S.A.", "strawberries"),
    ("Empacadora de Pepinos San Quintín", "cucumbers"),
    ("Granja Porcina Los Alamos S.A. de C.V.", "hogs"),
    ("Cebollas Selectas de Chihuahua SPR", "onions"),
    ("Hilaturas del Cauca S.A.S.", "thread_yarn"),
    ("Flores de Exportación La Sabana Ltda", "flowers"),
    ("Salinera del Pacífico S.A.", "salt"),
    ("Ladrillera Santa Fe", "bricks"),
    # Portuguese
    ("Fecularia de Mandioca Paranavaí Ltda", "manioc_cassava"),
    ("Abacaxi Tropical Comércio Ltda", "pineapples"),
    ("Suinocultura Boa Vista Ltda", "hogs"),
    ("Carvoaria Santa Helena ME", "charcoal"),
    # French
    ("Société Ivoirienne de Noix de Cajou", "cashews"),
    ("Rizerie du Fleuve SARL", "rice"),
    ("Savonnerie Artisanale de Marseille", "soap"),
    ("Huilerie de Palme de Kribi", "crude_palm_oil"),
    # Italian
    ("Nocciole Piemonte S.r.l.", "hazelnuts"),
    ("Saponificio Toscano S.p.A.", "soap"),
    ("Segheria Alpina S.n.c.", "timber"),
    # German (a stem joined to a trade suffix is one word)
    ("Schweinezucht Meyer GmbH", "hogs"),
    ("Kieswerk Rheinebene GmbH & Co. KG", "gravel_crushed_stones"),
    ("Handschuhfabrik Schwaben GmbH", "gloves"),
    # Dutch
    ("Aardappelhandel Van Dijk B.V.", "potatoes"),
    ("Bloemenkwekerij De Tulp", "flowers"),
    # Polish
    ("Zakłady Mięsne Kowalski Sp. z o.o.", "meat"),
    ("Tartak Leśny Sp. z o.o.", "timber"),
    ("Przędzalnia Bawełny Łódź S.A.", "thread_yarn"),
    # Turkish
    ("Ege Narenciye İhracat A.Ş.", "citrus_fruits"),
    ("Manisa Üzüm İhracat Ltd. Şti.", "grapes"),
    ("Anadolu Halı Dokuma San. Tic. A.Ş.", "carpets"),
    ("Karadeniz Fındıkçılık Ltd. Şti.", "hazelnuts"),
    # Indonesian and Malay
    ("CV Tambak Garam Madura", "salt"),
    ("PT Singkong Jaya Tapioka", "manioc_cassava"),
    ("Kilang Papan Sri Muda Sdn Bhd", "timber"),
    ("Penternakan Lembu Sejahtera Sdn Bhd", "cattle"),
    # Vietnamese, with diacritics and as ERP exports write it
    ("Công ty TNHH Chế biến Điều Bình Phước", "cashews"),
    ("CONG TY TNHH CHE BIEN DIEU BINH PHUOC", "cashews"),
    ("Công ty CP Muối Bạc Liêu", "salt"),
    ("Hợp tác xã Tơ Lụa Bảo Lộc", "silk_fabric"),
    # Swahili
    ("Chama cha Ushirika wa Wakulima wa Korosho", "cashews"),
    ("Kiwanda cha Chai Mufindi", "tea"),
    # Uzbek (o' and g' typed three ways)
    ("Fargʻona Paxta Tozalash Zavodi", "cotton"),
    ("Buxoro To'qimachilik MChJ", "textiles"),
    ("Samarqand To‘qimachilik Klaster", "textiles"),
    ("Margʻilon Ipakchilik AJ", "silk_cocoons"),
]


@pytest.mark.parametrize(("name", "good"), READS)
def test_words_in_latin_languages_read_their_good(name, good):
    assert _accepted([name])[name] == good


TRAPS = [
    "Constructora Granito del Norte S.A.",  # construction
    "Restaurante Los Pepinos",  # a restaurant
    "Banco de Café Ltda",  # a bank
    "Maquinaria Arrocera del Sur",  # rice-mill machinery
    "Inversiones Flores y Rosas S.A.",  # surnames, investment firm
    "Empacadora El Sol S.A.",  # sol is the sun, not salt
    "Mani Enterprises",  # an Indian given name, not peanuts
    "Transportes Reis Ltda",  # a Portuguese surname, not rice
    "Ouro Preto Turismo",  # a city
    "Café du Commerce",  # a café
    "Hotel de la Plage Sablière",  # a hotel
    "Bau- und Holzbau Müller GmbH",  # construction
    "Glasfaser Netz GmbH",  # fibre optics
    "Ristorante La Pesca",  # a restaurant
    "Mobile Solutions S.r.l.",  # not furniture
    "Stichting Bloemen en Planten",  # a foundation
    "Biuro Rachunkowe Cebula",  # an accounting office with a surname
    "Fındık Lokantası",  # a restaurant named after hazelnuts
    "Pamuk Yatırım Bankası A.Ş.",  # an investment bank
    "Çay Bahçesi Lokantası",  # a tea garden restaurant
    "Warung Garam Masala",  # a curry stall, not salt
    "PT Pasir Gudang Logistik",  # Pasir Gudang is a place
    "CÔNG TY TNHH MÁY DỆT SÀI GÒN",  # weaving machines
    "Quán Cà phê Hoa Sữa",  # a café named after a tree
    "Công ty Điều hòa Nhiệt độ Việt",  # air conditioning
    "Nyama Choma Grill Nairobi",  # a grill restaurant
    "Ipak Yoʻli Banki",  # Silk Road bank
    "PT Gudang Garam Tbk",  # a cigarette maker named 'salt warehouse'
    "Sate Kambing Pak Kumis",  # a goat-satay restaurant
    "Quán Vịt Quay Bắc Kinh",  # a roast-duck restaurant
    "Sal y Pimienta Restaurante",  # a restaurant
    "Kelapa Gading Motor",  # a Jakarta district
]


@pytest.mark.parametrize("name", TRAPS)
def test_trade_words_in_another_sense_read_no_good(name):
    assert _accepted([name])[name] is None


@pytest.mark.parametrize(("name", "good"), [
    ("Chuo Textile Co Ltd", "textiles"),  # Japanese 'central', not Swahili 'college'
    ("Dewan Textile Mills Ltd", "textiles"),  # a surname, not Indonesian 'council'
    ("Baja Shrimp Farms S.A.", "shrimp"),  # a place, not Malay 'fertiliser'
    ("Sewa Garment Exports", "garments"),  # not Indonesian 'rent'
])
def test_cancel_words_are_no_common_word_of_another_language(name, good):
    """A cancel word drops the whole reading, in every language: none may be a common name
    or word elsewhere."""
    assert _accepted([name])[name] == good


@pytest.mark.parametrize("language", LANGUAGES)
def test_language_file_is_well_formed(language):
    """Same columns as name_goods.csv, every good a listed good, every row of its language,
    and no term that name_goods.csv already has (the main table would win anyway)."""
    main = read_table("name_goods")
    part = read_table(f"name_goods_{language}")
    assert part.columns == main.columns
    goods = set(read_table("goods")["good_id"].to_list())
    named = part.filter(pl.col("kind").is_in(["good", "stem"]))["good_id"]
    assert set(named.to_list()) <= goods
    assert set(part["kind"].to_list()) <= {"good", "cancel", "mask", "context", "stem", "suffix"}
    assert set(part["language"].to_list()) == {language}
    good_rows = part.filter(pl.col("kind") == "good")
    assert good_rows["confidence"].cast(pl.Float64).is_between(0.5, 1.0).all()
    assert good_rows["priority"].cast(pl.Int32).is_between(1, 4).all()
    def keys(frame: pl.DataFrame) -> set[tuple[str, str, bool]]:
        words = frame.filter(pl.col("match") == "word")
        return set(zip(normalise_series(words["term"]).to_list(), words["kind"].to_list(),
                       (words["kind"].is_in(["stem", "suffix"])).to_list(), strict=True))
    main_keys = {(t, s) for t, _, s in keys(main)}
    assert {(t, s) for t, _, s in keys(part)} & main_keys == set()
    assert read_table_family("name_goods").height > main.height
