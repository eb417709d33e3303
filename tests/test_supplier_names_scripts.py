"""The good read from supplier names written in non-Latin scripts and in pinyin (issue 16).

Word files `reference/name_goods_<language>.csv` for Chinese (Han, both forms), pinyin, Thai,
Japanese, Korean, Burmese, Khmer (found anywhere in the name: these scripts run words together),
and Russian and Central Asian Cyrillic, Arabic, Urdu, Hindi and Bengali (whole words after
normalising). Names here are written for these tests (not copied from an evaluation set): each
reads its good, and each trap (a good's word in another sense, a business that serves the
trade) reads none.
"""

from __future__ import annotations

import polars as pl
import pytest

from riskscreen.match.normalise import normalise
from riskscreen.match.product_name import goods_from_names
from riskscreen.paths import reference_dir
from riskscreen.tables import read_table

LANGUAGES = ("zh", "zh-pinyin", "th", "ja", "ko", "my", "km", "ru", "ar", "ur", "hi", "bn")
COLUMNS = ["term", "kind", "good_id", "priority", "confidence", "match", "language", "note"]
ACCEPT = 0.8

READS = [
    # Chinese, simplified and traditional; a longer word wins over the short one inside it
    ("浙江华美纺织有限公司", "textiles"),
    ("晋江市安达鞋業有限公司", "footwear"),
    ("台南長興紡織股份有限公司", "textiles"),
    ("福建省龙岩市红砖厂", "bricks"),
    ("湛江国联水产开发股份有限公司", "fish"),
    ("盱眙龙虾养殖专业合作社", "lobsters"),
    ("烟台张裕葡萄酒有限公司", "alcoholic_beverages"),
    ("新疆天业节水灌溉多晶硅有限公司", "polysilicon"),
    ("江西铜矿开采有限公司", "copper"),
    ("青海盐业股份有限公司", "salt"),
    ("东莞市华美办公家具有限公司", "furniture"),
    ("河北钢制家具有限公司", "furniture_steel"),
    ("栖霞市苹果种植专业合作社", "fruit_pome_and_stone"),  # 苹果 (also Apple) lifted by 种植
    # pinyin as written in English names, joined and spaced
    ("Jinjiang Hongxing Xiechang", "footwear"),
    ("Shaoxing Keqiao Fangzhipin Co., Ltd.", "textiles"),
    ("Hebei Shuini Jituan", "cement"),
    ("Guangdong Hongbei Shipin Co", "baked_goods"),
    ("Anxi Tieguanyin Chachang", "tea"),
    # Thai: ข้าวโพด corn over ข้าว rice, มะเขือเทศ tomato over มะเขือ eggplant
    ("บริษัท โรงสีข้าวเจริญผล จำกัด", "rice"),
    ("บริษัท ข้าวโพดทองไทย จำกัด", "corn"),
    ("ห้างหุ้นส่วนจำกัด มะเขือเทศสยาม", "tomatoes"),
    ("บริษัท ไทยสิ่งทอ จำกัด (มหาชน)", "textiles"),
    ("สหกรณ์กองทุนสวนยางพาราบ้านนา จำกัด", "rubber"),
    ("บริษัท อุตสาหกรรมรองเท้าไทย จำกัด", "footwear"),
    # Japanese: 靴下 socks over 靴 shoes
    ("東洋紡績株式会社", "thread_yarn"),
    ("日本靴下株式会社", "garments"),
    ("株式会社オカモト製靴", "footwear"),
    ("丸大食肉株式会社", "meat"),
    # Korean, words run together
    ("(주)대한방직", "textiles"),
    ("삼성전자주식회사", "electronics"),
    ("남해수산영농조합", "fish"),
    ("(주)한국고무장갑", "rubber_gloves"),
    # Burmese and Khmer
    ("ရွှေဝါဆန်စက်", "rice"),
    ("မြန်မာပုစွန်လုပ်ငန်း", "shrimp"),
    ("ក្រុមហ៊ុន កាត់ដេរ អង្គរ", "garments"),
    ("រោងម៉ាស៊ីនកិនស្រូវ សុខា", "rice"),
    # Russian and Central Asian Cyrillic (й and ё written either way)
    ("ООО «Хлопкоочистительный завод»", "cotton"),
    ("ООО Хлопкоочистительныи завод", "cotton"),
    ("АО «Мебельная фабрика Заря»", "furniture"),
    ("ЗАО «Ёлочные игрушки»", "christmas_decorations"),
    ("ТОО «Қостанай Мақта»", "cotton"),
    ("Фарғона тўқимачилик МЧЖ", "textiles"),
    ("ОАО «Сахарный завод Лебедянский»", "sugar_beets"),
    ("Таван толгой нүүрс ХХК", "coal"),                  # Mongolian
    # Russian, Japanese and Korean names romanised, as firms write them on English lists
    ("OOO Khlopkoochistitelnyy Zavod No. 3", "cotton"),
    ("AO Tambovskiy Myasokombinat", "meat"),
    ("Toyo Boseki Kaisha Ltd", "thread_yarn"),
    ("Nippon Suisan Kaisha", "fish"),
    ("Daehan Bangjik Co., Ltd.", "textiles"),
    # Arabic: article and prepositions joined to the noun, hamza seats ignored
    ("الشركة المصرية للغزل والنسيج", "textiles"),
    ("شركة أسمنت سيناء", "cement"),
    ("شركة اسمنت سيناء", "cement"),
    ("مصنع الأحذية الحديثة", "footwear"),
    # Urdu, Hindi, Bengali
    ("فیصل آباد ٹیکسٹائل ملز", "textiles"),
    ("سیالکوٹ آلات جراحی", "surgical_instruments"),
    ("राम कपड़ा मिल", "textiles"),
    ("राम कपडा मिल", "textiles"),                      # typed without the nukta
    ("سيالكوٹ سرجيكل ورکس", "surgical_instruments"),   # Urdu typed with Arabic ي and ك
    ("श्याम अगरबत्ती उद्योग", "incense_agarbatti"),
    ("फिरोजाबाद कांच की चूड़ियाँ", "glass_bangles"),
    ("রহমান নিটওয়্যার লিমিটেড", "garments"),
    ("আকিজ পাটকল", "jute_textiles"),
    ("কক্সবাজার শুঁটকি", "dried_fish"),
]

NONE = [
    # a good's word inside another word or name
    "上海连锁超市有限公司",            # 锁 lock in 连锁 chain store
    "葡萄牙里斯本贸易有限公司",        # 葡萄 grapes in 葡萄牙 Portugal
    "白银市中天商贸有限公司",          # Baiyin city, not silver
    "カルビー株式会社",                 # ルビー ruby inside Calbee
    "海老名ユニット工業株式会社",       # 海老 shrimp in Ebina, ニット knit in ユニット unit
    "(주)마크로젠유전자",               # 전자 electronics inside 유전자 gene
    "서울부티크(주)",                    # 티크 teak inside 부티크 boutique
    "盐城市开发区物业管理有限公司",      # 盐 salt in 盐城 Yancheng; 物业 property
    "中国银行股份有限公司",
    "杭州纺织机械有限公司",            # textile machinery
    "Shanghai Zhuanye Guanli Co",      # zhuanye 专业 (professional), not 砖业
    "Zhejiang Wuye Guanli Youxian Gongsi",   # wuye 物业 property management
    "Chengyi Optical Co Ltd",
    "บริษัท นครพนมพาณิชย์ จำกัด",      # นม milk inside พนม (place name)
    "บริษัท สุราษฎร์ธานีการค้า จำกัด",  # สุรา spirits inside Surat Thani
    "ร้านข้าวมันไก่ประตูน้ำ",            # a chicken-rice restaurant
    "ธนาคารกรุงเทพ จำกัด (มหาชน)",
    "株式会社ジャパンテクノロジー",       # パン bread inside ジャパン Japan
    "スタイルコリア株式会社",
    "(주)스타일코리아",                  # 타일 tile inside 스타일 style
    "홍콩무역(주)",                       # 콩 bean inside 홍콩 Hong Kong
    "ក្រុមហ៊ុន បច្ចេកវិទ្យា",            # ចេក banana inside បច្ចេក technique
    "ရွှေမင်းသားကုမ္ပဏီ",                # ရွှေ gold is a name part
    "ООО «Швейные машины»",            # sewing machines
    "Iryo Hojin Sakura Clinic",         # iryo is medical care (医療) as often as clothing
    "Kovrov Mechanical Plant",          # Kovrov is a town (kovry carpets)
    "ООО «Рубин»",                      # a brand, not rubies
    "ПАО «Сбербанк»",
    "مطعم صيني",                        # Chinese restaurant (صيني = Chinese, china)
    "بنك مصر",
    "حبیب بینک لمیٹڈ",
    "नीलम उद्योग",                       # a given name, not sapphires
    "ঢাকা ব্যাংক লিমিটেড",
]


def _read(names: list[str]) -> dict[str, str | None]:
    out = goods_from_names(names).with_columns(
        pl.when(pl.col("good_confidence") >= ACCEPT).then("good_id").alias("accepted"))
    return dict(zip(out["name_input"], out["accepted"], strict=True))


@pytest.mark.parametrize(("name", "good"), READS)
def test_names_in_each_script_read_their_good(name, good):
    assert _read([name])[name] == good


@pytest.mark.parametrize("name", NONE)
def test_a_goods_word_in_another_sense_reads_no_good(name):
    assert _read([name])[name] is None


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_language_file_has_the_main_tables_columns_and_known_goods(language):
    path = reference_dir() / f"name_goods_{language}.csv"
    assert path.read_text(encoding="utf-8").startswith("# ")  # says what it is
    table = read_table(f"name_goods_{language}")
    assert table.columns == COLUMNS
    assert set(table["language"].unique()) == {language}
    goods = set(read_table("goods")["good_id"])
    named = table.filter(pl.col("kind") == "good")
    assert set(named["good_id"]) <= goods
    confidence = named["confidence"].cast(pl.Float64)
    assert confidence.min() >= 0.7 and confidence.max() <= 0.95
    # every word survives the normaliser (no term that matches nothing)
    assert all(normalise(t) for t in table["term"])


def test_terms_go_through_the_same_normaliser_as_names():
    # Cyrillic й and ё, Arabic hamza seats and vowel marks fold; Indic signs are kept, so the
    # Hindi file lists both the nukta and the plain spelling
    assert normalise("Хлопковый") == normalise("хлопковыи")
    assert normalise("Ёлочные") == normalise("елочные")
    assert normalise("أسمنت") == normalise("اسمنت") == normalise("إسمنت")
    assert normalise("कपड़ा") != normalise("कपडा")
    hindi = set(read_table("name_goods_hi")["term"])
    assert {"कपड़ा", "कपडा"} <= hindi


