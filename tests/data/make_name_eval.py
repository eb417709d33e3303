"""Generate tests/data/eval_names_listed.csv: how listed entities appear in supplier masters.

For every entity-shaped watchlist entry (reference/watchlist_uflpa.csv, watchlist_cbp.csv) the
seeded generator writes spellings a buyer's ERP export might hold: the name and aliases with
legal-form changes, abbreviations, dropped generic words, reordered words (place moved into
brackets), case and punctuation noise, one-letter typos, older romanisations, and the Chinese-
character names of reference/watchlist_aliases_curated.csv. HAND rows are written by hand.
`expected_entry_id` lists every entry (';'-separated) that carries the source spelling, since
some companies have several orders (a WRO and a later Finding).

Run: /work/venv/bin/python tests/data/make_name_eval.py
"""

from __future__ import annotations

import csv
import random
import re
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
REFERENCE = HERE.parents[1] / "reference"
SEED = 7

LEGAL = ["Co., Ltd.", "Co Ltd", "CO.,LTD", "Company Limited", "Co. Limited", "Ltd", "Limited",
         "Co.", ""]
ABBREV = [("Technology", "Tech."), ("International", "Int'l"), ("Manufacturing", "Mfg."),
          ("Corporation", "Corp."), ("Company", "Co."), ("Industrial", "Ind."),
          ("Development", "Dev."), ("Biotechnology", "Bio-Tech"), ("Products", "Prods")]
ROMAN = [("Xinjiang", "Sinkiang"), ("Urumqi", "Wulumuqi"), ("Hetian", "Hotan"),
         ("Kashgar", "Kashi"), ("Aksu", "Akesu"), ("Turpan", "Turfan"), ("Qiqihar", "Tsitsihar"),
         ("Tianjin", "Tientsin"), ("Technology", "Tech"), ("International", "Intl"),
         ("Industrial", "Industries"), ("Electronics", "Electronic")]
DROPPABLE = ["Group", "Xinjiang", "New", "Holding", "Holdings", "Industrial", "Technology",
             "(Group)", "China"]
PLACE_FIRST = re.compile(r"^(Xinjiang|Zhuhai|Anhui|Henan|Hebei|Hunan|Gansu|Tianjin|Dalian|"
                         r"Shandong|Dongguan|Changzhou|Hangzhou|Jiangsu|Donghai|Binzhou|Sichuan|"
                         r"Changji|Turpan|Guangdong|Ningbo|Inner Mongolia|Baotou|Fujian|Heze|"
                         r"Shanghai|Shenyang|Chengdu|Qinghai|Mudanjiang|Lop County|Hetian|"
                         r"Yili) (.+)$")
FORM_TAIL = re.compile(r",?\s*(Co\.,? Ltd\.?|Co\. Ltd\.?|Co\.|Ltd\.?|Limited|Corporation|"
                       r"Sdn\. Bhd\.|Bhd\.|Berhad|S\.A\. de C\.V\.|S\.R\.L\.)$")

# Hand-written spellings: (variant, source name or alias whose entries are expected, country).
HAND = [
    ("NINESTAR CORP.", "Ninestar Corporation", "CHN"),
    ("Ninestar Corp (Zhuhai)", "Ninestar Corporation", "CHN"),
    ("Pantum Electronics Zhuhai", "Zhuhai Pantum Electronics Co., Ltd.", "CHN"),
    ("ZHUHAI PANTUM ELECTRONIC CO LTD", "Zhuhai Pantum Electronics Co., Ltd.", "CHN"),
    ("Zhuhai G & G Digital Tech Co Ltd", "Zhuhai G&G Digital Technology Co., Ltd.", "CHN"),
    ("Apex Microelectronics Co Ltd", "Zhuhai Apex Microelectronics Co., Ltd.", "CHN"),
    ("Hoshine Silicon Industry (Shanshan) Co Ltd",
     "Hoshine Silicon Industry (Shanshan) Co., Ltd.", "CHN"),
    ("Hoshine Silicon (Jiaxing) Industry Co.", "Hoshine Silicon (Jia Xing) Industry Co., Ltd.",
     "CHN"),
    ("XPCC", "XPCC", "CHN"),
    ("Xinjiang Production & Construction Corps", "Xinjiang Production and Construction Corps",
     "CHN"),
    ("Bingtuan", "Bingtuan", "CHN"),
    ("Daqo New Energy (Xinjiang)", "Xinjiang Daqo New Energy Co., Ltd.", "CHN"),
    ("East Hope Nonferrous Metals Xinjiang", "Xinjiang East Hope Nonferrous Metals Co., Ltd.",
     "CHN"),
    ("GCL New Energy Material Tech (Xinjiang)", "Xinjiang GCL New Energy Material Technology",
     "CHN"),
    ("Zhongtai Chemical Xinjiang Co Ltd", "Xinjiang Zhongtai Chemical Co., Ltd.", "CHN"),
    ("Camel Group Company Limited", "Camel Group Co., Ltd.", "CHN"),
    ("Chenguang Biotechnology Group", "Chenguang Biotech Group Co., Ltd.", "CHN"),
    ("Tianshan Wool Textile", "Xinjiang Tianshan Wool Textile Co. Ltd.", "CHN"),
    ("COFCO Sugar Holdings", "COFCO Sugar Holding Co., Ltd.", "CHN"),
    ("Esquel Group Ltd", "Esquel Group", "HKG"),
    ("Changji Esquel Textiles", "Changji Esquel Textile Co., Ltd.", "CHN"),
    ("Huafu Fashion Company Ltd", "Huafu Fashion Co., Ltd.", "CHN"),
    ("Aksu Huafu Color Spinning", "Aksu Huafu Color Spinning Co., Ltd.", "CHN"),
    ("Zijin Mining Group Company Limited", "Zijin Mining Group Co., Ltd.", "CHN"),
    ("JA Solar Technology Donghai", "Donghai JA Solar Technology Co., Ltd.", "CHN"),
    ("Hoyuan Green Energy", "Hoyuan Green Energy Co. Ltd.", "CHN"),
    ("Shuangliang Silicon Materials (Batou) Co Ltd",
     "Shuangliang Silicon Materials (Baotou) Co., Ltd.", "CHN"),
    ("Top Glove Corporation Berhad", "Top Glove Corporation Bhd.", "MYS"),
    ("TOP GLOVE SDN BHD", "Top Glove Sdn. Bhd.", "MYS"),
    ("Supermax Corp Bhd", "Supermax Corporation Berhad", "MYS"),
    ("Sime Darby Plantation Bhd", "Sime Darby Plantation Berhad", "MYS"),
    ("FGV Holdings Bhd", "FGV Holdings Berhad, its subsidiaries and joint ventures", "MYS"),
    ("Felda Global Ventures", "FELDA Global Ventures Berhad", "MYS"),
    ("YTY Industry Sdn Bhd", "YTY Industry Sdn. Bhd.", "MYS"),
    ("Brightway Holdings Sdn Bhd", "Brightway Holdings Sdn. Bhd.", "MYS"),
    ("Smart Glove Corp Sdn Bhd", "Smart Glove Corporation Sdn. Bhd.", "MYS"),
    ("WRP Asia Pacific Sdn Bhd", "WRP Asia Pacific Sdn. Bhd.", "MYS"),
    ("Natchi Apparels Pvt. Ltd.", "Natchi Apparel (P) Ltd.", "IND"),
    ("Central Romana Corp. Ltd.", "Central Romana Corporation Limited", "DOM"),
    ("Kingtom Aluminio SRL", "Kingtom Aluminio S.R.L.", "DOM"),
    ("Giant Manufacturing Co Ltd", "Giant Manufacturing Co., Ltd.", "TWN"),
    ("Giant Mfg. Co., Ltd.", "Giant Manufacturing Co., Ltd.", "TWN"),
    ("Firemount Group Limited", "Firemount Group Ltd.", "MUS"),
    ("Linglong International Europe d.o.o.", "Linglong International Europe D.O.O. Zrenjanin",
     "SRB"),
    ("Agropecuarios Tom SA de CV", "Agropecuarios Tom S.A. de C.V.", "MEX"),
    ("Dalian Ocean Fishing Company", "Dalian Ocean Fishing Co., Ltd. (vessels owned or operated "
     "by it)", "CHN"),
    ("Da Wang", "Da Wang (fishing vessel)", "VUT"),
    ("F/V Yu Long No. 2", "Yu Long No. 2 (fishing vessel)", "TWN"),
    ("Lien Yi Hsing No 12", "Lien Yi Hsing No. 12 (fishing vessel)", "TWN"),
    ("Hangton No.112", "Hangton No. 112 (fishing vessel)", "FJI"),
    ("ZHEN FA 7", "Zhen Fa 7 (fishing vessel)", "CHN"),
    ("Tunago No 61", "Tunago No. 61 (fishing vessel)", "VUT"),
    ("Hetian Taida Apparel", "Hetian Taida Apparel Co., Ltd.", "CHN"),
    ("Hotan Taida Apparel Co Ltd", "Hetian Taida Apparel Co., Ltd.", "CHN"),
    ("Lop County Meixin Hair Products", "Lop County Meixin Hair Product Co., Ltd.", "CHN"),
    ("Hefei Bitland Information Tech", "Hefei Bitland Information Technology Co., Ltd.", "CHN"),
    ("Junggar Cotton & Linen", "Xinjiang Junggar Cotton and Linen Co., Ltd.", "CHN"),
    ("Yili Zhuowan Garment Mfg", "Yili Zhuowan Garment Manufacturing Co., Ltd.", "CHN"),
    ("Baoding LYSZD Trade & Business", "Baoding LYSZD Trade and Business Co., Ltd.", "CHN"),
    ("Huizhou Mink Industrial", "Huizhou Mink Industrial Co. Ltd.", "CHN"),
    ("Hongchang Fruits and Vegetable Products", "Hongchang Fruits & Vegetable Products Co., "
     "Ltd.", "CHN"),
    ("PureCircle Limited", "PureCircle Ltd", "CHN"),
    ("Tangshan Sunfar Silicon Co", "Tangshan Sunfar Silicon Company", "CHN"),
    ("Mangalore Ganesh Beedi", "Mangalore Ganesh Beedi Works", "IND"),
    ("Golden Horse Diesel Engine Factory", "Golden Horse Diesel Engine Factory", "CHN"),
    ("Shenyang Xinsheng Rubber Plant", "Shenyang Xingsheng (or Xinsheng) (New Life) Rubber "
     "Plant", "CHN"),
    ("Kwong Ngai Industrial Co.", "Kwong Ngai Industrial Company", "CHN"),
    ("Union Kogyo Co Ltd", "Union Kogyo Co., Ltd.", "JPN"),
    ("Shanghai Select Safety Products Co Ltd", "Shanghai Select Safety Products Co., Ltd.",
     "CHN"),
    ("Dongguan Lvzhou Shoes", "Dongguan Lvzhou Shoes Co., Ltd.", "CHN"),
    ("Dongguan Oasis Shoe Industry", "Dongguan Oasis Shoe Industry Co., Ltd.", "CHN"),
    ("Rizhao Meijia Group Co Ltd", "Rizhao Meijia Group", "CHN"),
    ("Shenhuo Coal & Electricity Xinjiang", "Xinjiang Shenhuo Coal and Electricity Co., Ltd.",
     "CHN"),
    ("Ashele Copper Co", "Ashele Copper", "CHN"),
    ("Bayi Iron & Steel (Baowu Group Xinjiang)", "Baowu Group Xinjiang Bayi Iron and Steel Co., "
     "Ltd.", "CHN"),
    ("GSweet", "GSweet", "CHN"),
    ("Xinjiang Joinworld Co Ltd", "Xinjiang Joinworld Co., Ltd.", "CHN"),
    ("Western Gold Hami Gold Mine", "Western Gold Hami Gold Mine Co., Ltd.", "CHN"),
    ("Meike Solar Technology (Jiangsu)", "Jiangsu Meike Solar Technology Co., Ltd.", "CHN"),
    ("Ninghai Huafu Textiles Co Ltd", "Ninghai Huafu Textile", "CHN"),
    ("Rare Earth Magnesium Tech Group Holdings Ltd", "Rare Earth Magnesium Technology Group "
     "Holdings, Ltd.", "HKG"),
    ("Century Sunshine Group Holdings Limited", "Century Sunshine Group Holdings, Ltd.", "HKG"),
    ("Kingherbs Ltd.", "Kingherbs Limited", "CHN"),
    ("Xinya New Material Anhui", "Anhui Xinya New Materials Co., Ltd.", "CHN"),
    ("Jingweida Technology Group Sichuan", "Sichuan Jingweida Technology Group Co., Ltd.",
     "CHN"),
    ("Chinatex Yintai Industrial (Binzhou)", "Binzhou Chinatex Yintai Industrial Co., Ltd.",
     "CHN"),
    ("Sunspeed Foods Dalian", "Dalian Sunspeed Foods Co., Ltd.", "CHN"),
    ("Yasheng International Trade Group", "Gansu Yasheng International Trade Group Co., Ltd.",
     "CHN"),
    ("Union Biotech", "Union Biotech", "CHN"),
    ("Xuanda Foods Inner Mongolia", "Inner Mongolia Xuanda Food Co., Ltd.", "CHN"),
]


def _read(table: str) -> list[dict[str, str]]:
    with open(REFERENCE / table, encoding="utf8") as fh:
        return list(csv.DictReader(ln for ln in fh if not ln.startswith("#")))


def _key(text: str) -> str:
    return re.sub(r"[^a-z0-9\u3400-\u9fff]+", " ", text.lower()).strip()


def _short(name: str) -> str:
    """The name without bracketed parts and trailing "its subsidiaries ..." clauses."""
    short = re.sub(r"\([^()]*\)", " ", name)
    short = re.split(r",?\s+(?:and\s+)?(?:its|their)\s+", short)[0]
    return re.sub(r"\s+", " ", short).strip(" ,")


def _merge_groups(owners: dict[str, set[str]]) -> None:
    """Entries that share a spelling are one organisation (a WRO and its later Finding, prison
    factories with a common alias): every spelling of the group expects all its entries."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    for ids in owners.values():
        first, *rest = sorted(ids)
        for other in rest:
            parent[find(other)] = find(first)
    groups: dict[str, set[str]] = defaultdict(set)
    for ids in owners.values():
        for i in ids:
            groups[find(i)].add(i)
    for key, ids in owners.items():
        owners[key] = set().union(*(groups[find(i)] for i in ids))


def _typo(rng: random.Random, name: str) -> str | None:
    words = [w for w in name.split() if len(w) >= 6 and w.isalpha()]
    if not words:
        return None
    word = max(words, key=len)
    i = rng.randrange(1, len(word) - 1)
    op = rng.choice(["drop", "swap", "double"])
    if op == "drop":
        new = word[:i] + word[i + 1:]
    elif op == "swap":
        new = word[:i] + word[i + 1] + word[i] + word[i + 2:]
    else:
        new = word[:i] + word[i] + word[i:]
    return name.replace(word, new, 1)


def _variants(rng: random.Random, name: str) -> list[tuple[str, str]]:
    """(variant, kind) pairs for one listed spelling."""
    out: list[tuple[str, str]] = []
    base = FORM_TAIL.sub("", name).strip(" ,")
    if base != name:
        out.append((f"{base} {rng.choice(LEGAL)}".strip(), "legal_form"))
    out.append((name.upper().replace(", ", ",").replace(". ", "."), "case_punct"))
    for long, short in ABBREV:
        if long in name:
            out.append((name.replace(long, short), "abbreviation"))
            break
    for word in DROPPABLE:
        if f"{word} " in base and len(base.split()) > 2:
            out.append((re.sub(rf"\s*{re.escape(word)}\s*", " ", base).strip(), "dropped_word"))
            break
    match = PLACE_FIRST.match(base)
    if match and "(" not in base and len(match.group(2).split()) >= 2:
        out.append((f"{match.group(2)} ({match.group(1)}) {rng.choice(LEGAL)}".strip(),
                    "reordered"))
    typo = _typo(rng, name)
    if typo:
        out.append((typo, "typo"))
    for std, old in ROMAN:
        if std in name:
            out.append((name.replace(std, old), "romanisation"))
            break
    return out


def main() -> None:
    rng = random.Random(SEED)
    entries = [r for t in ("watchlist_uflpa.csv", "watchlist_cbp.csv") for r in _read(t)
               if r["shape"] == "entity"]
    owners: dict[str, set[str]] = defaultdict(set)
    spellings: list[tuple[str, str, str]] = []  # (spelling, kind, country)
    for e in entries:
        names = [p.strip() for p in f"{e['name']};{e['aliases']}".split(";") if p.strip()]
        for i, n in enumerate(names):
            for form in (n, _short(n)):
                owners[_key(form)].add(e["entry_id"])
            spellings.append((n, "name" if i == 0 else "alias", e["country"]))
    for row in _read("watchlist_aliases_curated.csv"):
        owners[_key(row["alias"])].add(row["entry_id"])
        spellings.append((row["alias"], "chinese_characters", "CHN"))
    _merge_groups(owners)
    rows: dict[tuple[str, str], tuple[str, str]] = {}
    seen_src: set[str] = set()
    for spelling, kind, country in spellings:
        if spelling in seen_src or len(spelling) > 90:
            continue
        seen_src.add(spelling)
        expected = ";".join(sorted(owners[_key(spelling)]))
        if kind in ("alias", "chinese_characters"):
            rows.setdefault((spelling, country), (expected, kind))
        for variant, vkind in _variants(rng, spelling):
            if variant.strip() and _key(variant) != _key(spelling) or vkind == "case_punct":
                rows.setdefault((variant, country), (expected, vkind))
    for variant, source, country in HAND:
        ids = owners.get(_key(source))
        if not ids:
            raise SystemExit(f"hand row source not found: {source}")
        rows.setdefault((variant, country), (";".join(sorted(ids)), "hand"))
    out = HERE / "eval_names_listed.csv"
    with open(out, "w", encoding="utf8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["variant", "expected_entry_id", "country", "kind"])
        for (variant, country), (expected, kind) in sorted(rows.items()):
            writer.writerow([variant, expected, country, kind])
    print(f"wrote {len(rows)} listed variants to {out}")


if __name__ == "__main__":
    main()
