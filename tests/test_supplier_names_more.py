"""Goods read from supplier names, second coverage round (issue 16): the word files for
Romanian, Czech, Slovak, Hungarian, Bulgarian, Ukrainian, Kazakh, Tajik and Tagalog, the
romanised ones (South Asian trade words, Burmese, Arabic, African languages in Latin letters),
and the German stems and English metal words added to the existing files.

Names are made up in the way suppliers name themselves. Romanised words collide with English
words and names far more than script does, so each file also has traps that must read none.
"""

from __future__ import annotations

import polars as pl
import pytest

from riskscreen.match.normalise import normalise_series
from riskscreen.match.product_name import goods_from_names
from riskscreen.scoring import load_thresholds
from riskscreen.tables import read_table

LANGUAGES = ("ro", "cs", "sk", "hu", "bg", "uk", "kk", "tg", "tl",
             "hi-latn", "my-latn", "ar-latn", "af")


def _read(names: list[str]) -> dict[str, tuple[str | None, float]]:
    out = goods_from_names(names)
    return {n: (g, c) for n, g, c in
            out.select("name_input", "good_id", "good_confidence").iter_rows()}


def _accepted(names: list[str]) -> dict[str, str | None]:
    """The good each name reads, as the pipeline accepts it (None below the accept level)."""
    accept = float(load_thresholds()["accept_confidence"])
    return {n: (g if c >= accept else None) for n, (g, c) in _read(names).items()}


READS = [
    # Romanian
    ("SC Fabrica de Confecții Bistrița SRL", "garments"),
    ("Tăbăcăria Someșul SA", "leather"),
    ("Cărămidăria Dunărea SRL", "bricks"),
    ("Fabrica de Zahăr Roman SA", "sugar_beets"),
    ("Ferma de Porci Sântana SRL", "hogs"),
    # Czech and Slovak
    ("Cukrovar Vrbátky a.s.", "sugar_beets"),
    ("Sklárna Karolinka s.r.o.", "glass"),
    ("Přádelna Jihlava a.s.", "thread_yarn"),
    ("Tehelňa Zvolen s.r.o.", "bricks"),
    ("Mliekareň Levoča a.s.", "dairy_products"),
    # Hungarian
    ("Kaposvári Cukorgyár Zrt.", "sugar_beets"),
    ("Tiszai Téglagyár Kft.", "bricks"),
    ("Alföldi Baromfifeldolgozó Kft.", "poultry"),
    ("Mátrai Szénbánya Zrt.", "coal"),
    # Bulgarian and Ukrainian
    ("Тухларна Изгрев ЕООД", "bricks"),
    ("Тютюнев комбинат Пловдив АД", "tobacco"),
    ("ТОВ «Полтавський цукровий завод»", "sugar_beets"),
    ("ПрАТ «Вінницька птахофабрика»", "poultry"),
    # Kazakh and Tajik
    ("«Шығыс мырыш» ЖШС", "zinc"),
    ("ЖШС «Арал балық шаруашылығы»", "fish"),
    ("ҶДММ «Пахтаи Ҳисор»", "cotton"),
    ("Қолинбофӣ Кулоб", "carpets"),
    # Tagalog
    ("Quezon Niyugan Farmers Cooperative", "coconuts"),
    ("Bulacan Paputok at Pailaw Makers", "fireworks"),
    ("Iloilo Palaisdaan ng Bangus Inc.", "fish"),
    ("Tarlac Tubuhan Planters Inc.", "sugarcane"),
    # South Asian words in Latin letters
    ("Malda Resham Udyog", "silk_fabric"),
    ("Jharia Koyla Traders", "coal"),
    ("Firozabad Choori Karkhana", "glass_bangles"),
    ("Sylhet Cha Bagan Ltd", "tea"),
    ("Kolar Murgi Khamar", "poultry"),
    ("Aligarh Tala Udyog Pvt Ltd", "locks"),
    ("Muzaffarnagar Gur Mandi", "sugarcane"),
    # Burmese, Arabic and African words in Latin letters
    ("Ayeyar Hsan Zet Co., Ltd.", "rice"),
    ("Hpakant Kyauk Sein Trading", "jade"),
    ("Matahin Al Ruz Al Masriya", "rice"),
    ("Sharikat Al Qutn Al Misri", "cotton"),
    ("Masaka Matooke Growers Cooperative", "bananas"),
    ("Kumasi Kokoo Farmers Union", "cocoa"),
    ("Bauchi Shinkafa Processors Ltd", "rice"),
    ("Wakulima wa Miwa Mumias", "sugarcane"),
    ("Mbale Ppamba Ginners Ltd", "cotton"),
    ("Szegedi Gyufagyár Kft.", "matches"),
    ("ТОВ «Ялинкові прикраси Поділля»", "christmas_decorations"),
    # German stems joined to a trade noun, and English metal words
    ("Granitwerke Oberpfalz GmbH", "granite"),
    ("Eisengießerei Sachsen GmbH", "iron"),
    ("Zwiebelhandel Nord GmbH", "onions"),
    ("Sauerkrautfabrik Schwaben", "cabbages"),
    ("Zuckerfabrik Uelzen GmbH", "sugar_beets"),
    ("Haselnussmühle Franken GmbH", "hazelnuts"),
    ("Garnelenzucht Oberland", "shrimp"),
    ("Tonwerk Lausitz GmbH", "bricks_clay"),
    ("Allgemeine Gold- und Silberscheideanstalt AG", "gold"),
    ("Lusaka Copper Mines Ltd", "copper"),
    ("Rajasthan Zinc Ltd", "zinc"),
]


@pytest.mark.parametrize(("name", "good"), READS)
def test_words_read_their_good(name, good):
    assert _accepted([name])[name] == good


TRAPS = [
    "Copper Kettle Restaurant",  # a restaurant
    "Copper Mountain Casino",  # a casino: copper alone is for review only
    "Tin Tin Restaurant",  # not the metal
    "Kwong Tin Company Limited",  # a Hong Kong name syllable
    "Zinc Media Ltd",  # a media firm
    "Chai Point Bangalore",  # a tea café chain
    "Mirch Masala Restaurant",  # a restaurant
    "Khan Brothers Traders",  # a surname, not the Urdu 'mine'
    "Manik Chand Enterprises",  # a given name, not rubies
    "Dhan Laxmi Enterprises",  # 'wealth', not paddy
    "Pol Enterprises",  # a surname, not Sinhala 'coconut'
    "Shwe Taung Development",  # 'gold' as a name part in Myanmar
    "Zaitoun Sweets Restaurant",  # a restaurant named after a place
    "Sajjad Brothers Trading",  # a given name, not carpets
    "Miwa Lock Co., Ltd.",  # a Japanese lock maker named Miwa
    "Buna Ziua SRL",  # Romanian 'good day', not Amharic coffee
    "Kahawa Sukari Hardware",  # a Nairobi suburb
    "Sukari Investments Ltd",  # an investment firm
    "Kainan sa Kape ni Aling Rosa",  # an eatery
    "Autohaus Grau GmbH",  # a German surname, not Romanian 'wheat'
    "Huila Motors SAS",  # a Colombian department, not Romanian coal
    "Vite Design Studio",  # French 'fast', not Romanian cattle
    "Banca Transilvania",  # a bank
    "Kasaba Belediyesi",  # Turkish 'town', not Tagalog cassava
    "Sterk Holding B.V.",  # a Dutch surname, not Czech gravel
    "Zula Imports",  # a given name, not Czech granite
    "JUH Rettungsdienst",  # an acronym, not Hungarian sheep
    "Butor Editions",  # a French surname, not Hungarian furniture
    "Restaurace U Pivovaru Praha",  # a restaurant
    "Zuckerwerk Konditorei",  # confectionery, not sugar
    "ADAS Systems GmbH",  # driver assistance, not Arabic lentils
    "Tahini's Restaurant",  # a restaurant chain
]


@pytest.mark.parametrize("name", TRAPS)
def test_trade_words_in_another_sense_read_no_good(name):
    assert _accepted([name])[name] is None


@pytest.mark.parametrize("name", ["Copper Mountain Casino", "Sukari Chai Ltd",
                                  "Aligarh Tala Traders", "Hummer Import GmbH"])
def test_short_or_brand_like_words_alone_are_only_offered_for_review(name):
    """Words that are also common words or names read below the accept level unless a trade
    word lifts them."""
    accept = float(load_thresholds()["accept_confidence"])
    good, confidence = _read([name])[name]
    assert good is None or confidence < accept


@pytest.mark.parametrize("language", LANGUAGES)
def test_language_file_is_well_formed(language):
    """Same columns as name_goods.csv, a header comment saying what it is, every good a listed
    good, every row of its language, sane confidence and priority, no term twice, and no term a
    file read before it already decides (the earlier row would win: a dead row)."""
    from riskscreen.paths import reference_dir

    path = reference_dir() / f"name_goods_{language}.csv"
    assert path.read_text(encoding="utf-8").startswith("# ")
    main = read_table("name_goods")
    part = read_table(f"name_goods_{language}")
    assert part.columns == main.columns
    goods = set(read_table("goods")["good_id"].to_list())
    named = part.filter(pl.col("kind").is_in(["good", "stem"]))
    assert set(named["good_id"].to_list()) <= goods
    assert set(part["kind"].to_list()) <= {"good", "cancel", "mask", "context", "stem", "suffix"}
    assert set(part["language"].to_list()) == {language}
    assert set(part["match"].to_list()) == {"word"}
    assert named["confidence"].cast(pl.Float64).is_between(0.7, 0.95).all()
    assert named["priority"].cast(pl.Int32).is_between(1, 4).all()
    keys = normalise_series(part["term"])
    assert keys.str.len_chars().min() > 0
    assert keys.is_duplicated().sum() == 0
    earlier = [read_table("name_goods")] + [
        read_table(p.stem) for p in sorted(reference_dir().glob("name_goods_*.csv"))
        if p.stem < f"name_goods_{language}"]
    terms = pl.concat([f.select("term", "kind") for f in earlier]).filter(
        ~pl.col("kind").is_in(["stem", "suffix"]))["term"]
    before = set(normalise_series(terms).to_list())
    assert set(keys.to_list()) & before == set()
