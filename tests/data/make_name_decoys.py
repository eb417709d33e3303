"""Generate tests/data/eval_names_decoys.csv: realistic company names that are NOT listed.

Seeded and deterministic. Names are built from small tables of places, trade-name syllables,
industry phrases and legal forms across supplier countries, styled like supplier-master rows
(upper case, abbreviations, missing punctuation). Many are Chinese-style names from the same
provinces and industries as the listed entities ("Xinjiang Tianhe Wool Textile Co., Ltd."),
which is the hard case for a name screener. A decoy is kept only if its trade name is not
a distinctive word of a listed name (see `_listed_words`), so no decoy is a listed company.

Run: /work/venv/bin/python tests/data/make_name_decoys.py
"""

from __future__ import annotations

import csv
import random
import re
from pathlib import Path

HERE = Path(__file__).resolve().parent
REFERENCE = HERE.parents[1] / "reference"
SEED = 20261125
TARGET = 6000

CN_PLACES = """Xinjiang Urumqi Changji Aksu Kashgar Hetian Turpan Shihezi Korla Hami Karamay Yili
Zhuhai Shenzhen Guangzhou Dongguan Foshan Shantou Zhongshan Jiangmen Huizhou Ningbo Hangzhou
Shaoxing Wenzhou Jinhua Yiwu Huzhou Jiaxing Suzhou Wuxi Changzhou Nantong Yangzhou Nanjing
Qingdao Yantai Weifang Zibo Jinan Linyi Binzhou Heze Dezhou Xiamen Quanzhou Jinjiang Putian
Fuzhou Zhengzhou Xinxiang Anyang Shijiazhuang Baoding Hengshui Xingtai Tangshan Tianjin
Beijing Shanghai Chongqing Chengdu Mianyang Wuhan Changsha Hefei Wuhu Nanchang Kunming
Nanning Guilin Lanzhou Xining Yinchuan Baotou Hohhot Ordos Harbin Changchun Shenyang Dalian
Taiyuan Xian Zhejiang Jiangsu Shandong Guangdong Fujian Henan Hebei Hubei Hunan Anhui Jiangxi
Sichuan Yunnan Gansu Shaanxi Liaoning Jilin Guangxi""".split()

XJ_PLACES = CN_PLACES[:12]

SYLLABLES = """an bao bei cheng chang da de ding dong fa fang feng fu gang guang hai hao he heng
hong hua huan hui jia jian jin jing jiu kai kang li lian long lu mei ming nan ping qi qian
rui ruo sen shan sheng shi shun tai tian tong wan wei xiang xin xing xu ya yang yi yin yong
yu yuan yue zhan zhen zheng zhi zhong zhou""".split()

CN_INDUSTRY = """Textile|Wool Textile|Cotton Textile|Cotton Spinning|Knitting|Garment|Apparel|
Clothing|Fashion|Dyeing and Finishing|Weaving|Yarn|Home Textiles|Shoes|Footwear|Leather
Products|Bags|Toys|Plastic Products|Rubber Products|Hardware|Electronics|Electronic
Technology|Optoelectronics|Semiconductor|New Energy|Solar Energy|Photovoltaic Technology|
Silicon Industry|New Materials|Chemical|Chemical Fiber|Pharmaceutical|Biotechnology|Food|
Foods|Agricultural Products|Fruit and Vegetable|Tomato Products|Canned Food|Seafood|Tea|
Trading|Import and Export|International Trade|Industrial|Industry and Trade|Machinery|
Precision Machinery|Auto Parts|Metal Products|Steel|Aluminium|Copper|Nonferrous Metals|
Mining|Logistics|Packaging|Printing|Paper|Furniture|Lighting|Ceramics|Glass|Cable|
Medical Devices|Gloves|Hair Products|Wigs|Cosmetics|Household Products|Sporting Goods""".replace(
    "\n", "").split("|")

CN_FORMS = ["Co., Ltd.", "Co., Ltd", "Co.,Ltd.", "CO.,LTD", "Co. Ltd.", "Company Limited",
            "Co., Limited", "Limited", "Ltd.", "Group Co., Ltd.", "Industrial Co., Ltd.",
            "Corporation", "Factory", "Co.", "Manufacturing Co., Ltd.", "Technology Co., Ltd.",
            "Trading Co., Ltd.", "Industry Co., Ltd.", "(Group) Co., Ltd."]

CN_CHARS_PLACE = ["新疆", "浙江", "江苏", "广东", "山东", "福建", "河北", "宁波", "深圳", "东莞",
                  "苏州", "青岛", "厦门", "杭州", "绍兴"]
CN_CHARS_NAME = ["天河", "宏达", "华盛", "金龙", "永兴", "恒通", "瑞丰", "鑫源", "盛达", "万利",
                 "东方红", "新星", "海天", "嘉禾", "佳美", "德胜", "长城", "富源"]
CN_CHARS_IND = ["纺织", "服装", "针织", "电子", "科技", "化工", "食品", "贸易", "实业", "机械",
                "新材料", "鞋业", "制衣"]
CN_CHARS_FORM = ["有限公司", "股份有限公司", "有限责任公司", "集团有限公司"]

# country iso3 → (places, name words, industries, legal forms)
OTHER = {
    "IND": (["Tirupur", "Ludhiana", "Mumbai", "Delhi", "Noida", "Bangalore", "Chennai",
             "Ahmedabad", "Surat", "Kolkata", "Jaipur", "Panipat", "Karur", "Coimbatore"],
            ["Shree", "Sri", "Ganesh", "Lakshmi", "Bharat", "Raj", "Shiva", "Sai", "Vijay",
             "Kiran", "Anand", "Arvind", "Mahalaxmi", "Om", "Balaji", "Krishna", "Royal"],
            ["Exports", "Textiles", "Knits", "Garments", "Fabrics", "Spinning Mills",
             "Apparels", "Overseas", "Industries", "Handloom", "Cotton Mills", "Leather"],
            ["Pvt. Ltd.", "Private Limited", "Pvt Ltd", "Ltd.", "LLP", "(P) Ltd."]),
    "BGD": (["Dhaka", "Gazipur", "Narayanganj", "Chittagong", "Savar", "Ashulia"],
            ["Rahman", "Karim", "Hossain", "Bengal", "Padma", "Meghna", "Jamuna", "Sonar",
             "Alif", "Nasir", "Fakir", "Shanta"],
            ["Knit Composite", "Fashions", "Apparels", "Sweaters", "Denim", "Garments",
             "Knitwear", "Textile Mills", "Washing"],
            ["Ltd.", "Limited", "Ltd"]),
    "VNM": (["Ho Chi Minh", "Binh Duong", "Dong Nai", "Hanoi", "Hai Phong", "Nam Dinh",
             "Long An", "Da Nang"],
            ["Phuong Dong", "Viet Thang", "Thanh Cong", "Hoa Binh", "Minh Anh", "Tan Phu",
             "Song Hong", "Nha Be", "Phong Phu", "Hung Yen"],
            ["Garment", "Textile", "May Mac", "Det May", "Footwear", "Seafood", "Furniture"],
            ["Co., Ltd.", "JSC", "Joint Stock Company", "Company Limited", "Cong Ty TNHH"]),
    "TUR": (["Istanbul", "Bursa", "Denizli", "Izmir", "Gaziantep", "Kayseri", "Usak"],
            ["Akin", "Yildiz", "Ozturk", "Kaya", "Demir", "Aydin", "Ege", "Anadolu", "Karadeniz",
             "Marmara", "Bosphorus"],
            ["Tekstil", "Konfeksiyon", "Iplik", "Dokuma", "Orme", "Deri", "Giyim"],
            ["Sanayi ve Ticaret A.Ş.", "San. ve Tic. Ltd. Şti.", "A.Ş.", "Ltd. Şti."]),
    "MYS": (["Klang", "Ipoh", "Penang", "Johor", "Kedah", "Selangor", "Melaka", "Seremban"],
            ["Hartamas", "Mewah", "Bintang", "Cahaya", "Sinar", "Gemilang", "Perdana", "Jaya",
             "Harmoni", "Tekun", "Indah"],
            ["Latex", "Rubber Products", "Glove Industries", "Plantation", "Palm Oil Mill",
             "Medical Products", "Electronics", "Plastics"],
            ["Sdn. Bhd.", "Sdn Bhd", "Berhad", "Bhd."]),
    "IDN": (["Bandung", "Jakarta", "Surabaya", "Semarang", "Solo", "Medan", "Tangerang"],
            ["Sumber", "Mitra", "Karya", "Maju", "Sinar", "Abadi", "Mulia", "Cahaya", "Jaya"],
            ["Tekstil", "Garmen", "Sawit", "Kimia", "Makmur", "Sentosa"],
            ["PT", "Tbk"]),
    "MEX": (["Monterrey", "Guadalajara", "Puebla", "Leon", "Tijuana", "Culiacan", "Sinaloa"],
            ["Agricola", "Grupo", "Productos", "Industrias", "Comercializadora", "Textiles",
             "Empacadora"],
            ["del Norte", "del Valle", "San Miguel", "La Esperanza", "Santa Fe", "El Sol",
             "Los Altos"],
            ["S.A. de C.V.", "S. de R.L. de C.V.", "SA de CV", "S.A."]),
    "BRA": (["Sao Paulo", "Blumenau", "Recife", "Curitiba", "Fortaleza", "Goias"],
            ["Textil", "Calcados", "Agro", "Frigorifico", "Couros", "Industria"],
            ["Brasil", "Santa Clara", "Sao Jose", "Nova Esperanca", "Boa Vista", "Vale Verde"],
            ["Ltda.", "S.A.", "Ltda", "EIRELI"]),
    "PAK": (["Faisalabad", "Lahore", "Karachi", "Sialkot", "Multan"],
            ["Al", "Noor", "Crescent", "Kohinoor", "Nishat", "Sapphire", "Indus", "Punjab"],
            ["Textile Mills", "Spinning Mills", "Fabrics", "Sports", "Surgical", "Leather"],
            ["(Pvt.) Ltd.", "Limited", "Pvt Ltd"]),
    "KHM": (["Phnom Penh", "Kandal", "Kampong Speu", "Takeo"],
            ["Angkor", "Mekong", "Golden", "Apsara", "Lotus", "Royal"],
            ["Garment", "Apparel", "Knitting", "Footwear"],
            ["Co., Ltd.", "(Cambodia) Co., Ltd.", "Ltd."]),
    "LKA": (["Colombo", "Katunayake", "Biyagama", "Kandy"],
            ["Lanka", "Ceylon", "Serendib", "Ruhuna"],
            ["Apparel", "Knitting Mills", "Tea Exports", "Clothing"],
            ["(Pvt) Ltd", "PLC", "Limited"]),
    "DEU": (["Hamburg", "Bielefeld", "Augsburg", "Stuttgart", "Chemnitz"],
            ["Schmidt", "Müller", "Weber", "Becker", "Hoffmann", "Nordstern", "Rheinland"],
            ["Textil", "Handel", "Maschinenbau", "Bekleidung", "Logistik"],
            ["GmbH", "GmbH & Co. KG", "AG", "KG"]),
    "USA": (["Atlanta", "Dallas", "Charlotte", "Los Angeles", "New Jersey", "Ohio"],
            ["American", "Pacific", "Atlantic", "Summit", "Liberty", "Eagle", "Pioneer",
             "Frontier", "Keystone"],
            ["Apparel", "Textiles", "Supply", "Industries", "Foods", "Components", "Solar"],
            ["Inc.", "LLC", "Corp.", "Co.", "Incorporated"]),
    "TWN": (["Taipei", "Taichung", "Tainan", "Kaohsiung", "Changhua", "Taoyuan"],
            ["Fu", "Sheng", "Hsin", "Chien", "Tai", "Yuan", "Chang", "Hung", "Kuo", "Lien"],
            ["Industrial", "Enterprise", "Textile", "Bicycle Parts", "Fishery", "Precision"],
            ["Co., Ltd.", "Corp.", "Enterprise Co., Ltd."]),
}


def _listed_words() -> set[str]:
    """Distinctive (non-generic) words of all listed names and aliases."""
    generic = set()
    with open(REFERENCE / "name_generic_tokens.csv", encoding="utf8") as fh:
        for row in csv.DictReader(ln for ln in fh if not ln.startswith("#")):
            generic.add(row["token"])
    words: set[str] = set()
    for table in ("watchlist_uflpa.csv", "watchlist_cbp.csv"):
        with open(REFERENCE / table, encoding="utf8") as fh:
            for row in csv.DictReader(fh):
                text = f"{row['name']} {row['aliases']}".lower()
                words.update(w for w in re.findall(r"[a-z0-9]+", text) if len(w) > 3)
    return words - generic


def _style(rng: random.Random, name: str) -> str:
    """Supplier-master noise: upper case, squeezed punctuation, double spaces."""
    r = rng.random()
    if r < 0.30:
        name = name.upper()
    elif r < 0.38:
        name = name.lower()
    if rng.random() < 0.15:
        name = name.replace(", ", ",").replace(". ", ".")
    if rng.random() < 0.05:
        name = name.replace(" ", "  ", 1)
    return name


def _trade_name(rng: random.Random) -> str:
    a, b = rng.sample(SYLLABLES, 2)
    return (a + b).capitalize()


def _chinese(rng: random.Random, listed: set[str]) -> tuple[str, str]:
    while True:
        trade = _trade_name(rng)
        if trade.lower() not in listed:
            break
    place = rng.choice(CN_PLACES)
    if rng.random() < 0.3:  # the listed entities cluster in Xinjiang: so must the hard decoys
        place = rng.choice(XJ_PLACES)
        if place != "Xinjiang" and rng.random() < 0.5:
            place = f"Xinjiang {place}"
    industry = rng.choice(CN_INDUSTRY)
    form = rng.choice(CN_FORMS)
    shape = rng.random()
    if shape < 0.6:
        name = f"{place} {trade} {industry} {form}"
    elif shape < 0.8:
        name = f"{trade} {industry} ({place}) {form}"
    elif shape < 0.9:
        name = f"{place} {rng.choice(CN_PLACES)} {trade} {industry} {form}"
    else:
        name = f"{trade} {industry} {form}"
    return name, "CHN"


def _chinese_chars(rng: random.Random) -> tuple[str, str]:
    return (rng.choice(CN_CHARS_PLACE) + rng.choice(CN_CHARS_NAME) + rng.choice(CN_CHARS_IND)
            + rng.choice(CN_CHARS_FORM), "CHN")


def _other(rng: random.Random) -> tuple[str, str]:
    iso3 = rng.choice(sorted(OTHER))
    places, words, industries, forms = OTHER[iso3]
    form = rng.choice(forms)
    shape = rng.random()
    if iso3 == "IDN":
        core = f"{rng.choice(words)} {rng.choice(words)} {rng.choice(industries)}"
        name = f"PT {core}" + (" Tbk" if form == "Tbk" else "")
    elif iso3 in ("MEX", "BRA"):
        name = f"{rng.choice(words)} {rng.choice(industries)} {form}"
    elif shape < 0.5:
        name = f"{rng.choice(words)} {rng.choice(industries)} {form}"
    elif shape < 0.8:
        name = f"{rng.choice(words)} {rng.choice(words)} {rng.choice(industries)} {form}"
    else:
        name = f"{rng.choice(places)} {rng.choice(words)} {rng.choice(industries)} {form}"
    return name, iso3


def main() -> None:
    rng = random.Random(SEED)
    listed = _listed_words()
    rows: dict[str, str] = {}
    while len(rows) < TARGET:
        r = rng.random()
        if r < 0.55:
            name, iso3 = _chinese(rng, listed)
        elif r < 0.62:
            name, iso3 = _chinese_chars(rng)
        else:
            name, iso3 = _other(rng)
        name = _style(rng, re.sub(r"\s+", " ", name).strip())
        rows.setdefault(name, iso3)
    out = HERE / "eval_names_decoys.csv"
    with open(out, "w", encoding="utf8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["name", "country"])
        writer.writerows(sorted(rows.items()))
    print(f"wrote {len(rows)} decoys to {out}")


if __name__ == "__main__":
    main()
