"""Generate the vendor-master evaluation sets: listed names behind notes and abbreviations.

ERP vendor masters carry notes inside the name field ("- DO NOT USE", "[inactive]", "ZZ",
"Kreditor 70012", "（停用）") and abbreviate words to fit 35-character fields ("XINJIANG
ZHONGTAI CHEM CO LTD"). This seeded generator writes, from the entity-shaped rows of
reference/watchlist_uflpa.csv and watchlist_cbp.csv:

- eval_names_notes.csv / eval_names_notes_holdout.csv: listed names and aliases with notes;
- eval_names_abbrev.csv / eval_names_abbrev_holdout.csv / eval_names_abbrev_holdout2.csv:
  listed names with abbreviated words;
- eval_names_near_decoys.csv / _holdout.csv / _holdout2.csv: other companies whose
  name differs from a listed one only in its distinctive words (each replaced by a different
  word, not a typo: rapidfuzz ratio < 75 to every listed word; places, industry words and
  legal forms kept), plain, with notes and abbreviated.

The development and holdout files use different note phrasings and different abbreviation
spellings (written before the matcher's tables, in several vendor-master conventions and
languages), so the holdout measures the tables on text they were not written from.

Run: /work/venv/bin/python tests/data/make_name_vendor_eval.py
"""

from __future__ import annotations

import csv
import random
import re
import sys
from collections import defaultdict
from pathlib import Path

from rapidfuzz import fuzz

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from make_name_eval import _key, _merge_groups, _read, _short  # noqa: E402

# {n}: the name; {v}: a vendor/account number. Development phrasings.
NOTES_DEV = [
    "{n} - DO NOT USE", "{n} - Vendor #{v}", "{n} [inactive]", "{n} (BLOCKED)",
    "{n} - OBSOLETE", "{n} (old)", "{n} - DUPLICATE", "DO NOT USE - {n}", "ZZ {n}",
    "*{n}*", "{n} - DO NOT USE - Vendor #{v}", "{n} *** BLOCKED ***", "{n} / inactive",
    "{n} (duplicate of {v})", "{n} - use vendor {v}", "{n} AP# {v}", "{n} - INACTIVE",
    "XX-{n}", "{n} (DUP)", "{n} - closed", "{n} - NICHT VERWENDEN", "{n} (gesperrt)",
    "{n} Kreditor {v}", "{n} - NE PAS UTILISER", "{n} (inactif)", "{n} - NO USAR",
    "{n} (bloqueado)", "{n} - NÃO USAR", "{n}（停用）", "{n} 停用", "{n} (obsoleto)",
    "{n} - vendor no. {v}", "{n} [BLOCKED - DUPLICATE]", "INACTIVE {n}",
    "{n} -- DO NOT PAY", "{n} (one-time vendor)", "{n} Supplier # {v}",
]
# Holdout phrasings: other words, orders and languages for the same kinds of note.
NOTES_HOLDOUT = [
    "{n} - Do Not Use!", "{n} #{v}", "{n} {{inactive}}", "{n} - blocked for purchasing",
    "{n} [OBSOLETE]", "OLD - {n}", "{n} - dup", "Do not use {n}", "ZZZ {n}", "Z_{n}",
    "{n} (DO NOT USE - see {v})", "{n} - BLOCKED 2019", "{n} | inactive", "{n} - Duplicate",
    "{n} - replaced by {v}", "{n} (Vendor {v})", "{n} - V{v}", "{n} (creditor {v})",
    "{n} - DEACTIVATED", "{n} (no longer used)", "{n} - gesperrt", "{n} - INAKTIV",
    "{n} Lief.-Nr. {v}", "{n} - Dublette", "{n} (ne plus utiliser)", "{n} - BLOQUÉ",
    "{n} fournisseur n° {v}", "{n} - inactivo", "{n} (NO UTILIZAR)", "{n} proveedor {v}",
    "{n} - inativo", "{n}（勿用）", "{n} 【作废】", "{n} - NIET GEBRUIKEN",
    "{n} (geblokkeerd)", "{n} - NON USARE", "{n} (bloccato)", "{n} - KULLANMAYIN",
    "{n} [purchasing block]", "{n} (deleted)", "{n} - ARCHIVED", "{n} - vendor inactive",
]

# Listed word -> vendor-master abbreviations (development spellings).
ABBR_DEV = {
    "Chemical": "CHEM", "Industry": "IND", "Industrial": "IND", "Industries": "INDS",
    "Management": "MGMT", "Group": "GRP", "International": "INTL", "Manufacturing": "MFG",
    "Electronics": "ELEC", "Electronic": "ELEC", "Electric": "ELEC", "Technology": "TECH",
    "Holdings": "HLDGS", "Holding": "HLDG", "Development": "DEV", "Products": "PRODS",
    "Materials": "MATLS", "Company": "CO", "Corporation": "CORP", "Limited": "LTD",
    "Textile": "TXTL", "Textiles": "TXTLS", "Garment": "GARMT", "Machinery": "MACH",
    "Equipment": "EQUIP", "Construction": "CONSTR", "Agriculture": "AGRI",
    "Agricultural": "AGRI", "Trading": "TRDG", "Trade": "TRD", "Science": "SCI",
    "Energy": "ENGY", "Biotechnology": "BIOTECH", "Medical": "MED", "Logistics": "LOGIS",
    "Information": "INFO", "Nonferrous": "NONFERR", "Plantation": "PLANTN",
    "Factory": "FTY", "Safety": "SFTY", "Import and Export": "IMP & EXP", "Apparel": "APPRL",
    "Protective": "PROT", "Warehouse": "WHSE", "Fittings": "FTGS", "Silicon": "SILIC",
}
# Holdout: other spellings of the same and some further words.
ABBR_HOLDOUT = {
    "Chemical": "CHEML", "Industry": "INDUS", "Industrial": "INDL", "Industries": "INDUS",
    "Management": "MGT", "Group": "GP", "International": "INT'L", "Manufacturing": "MFR",
    "Electronics": "ELECTR", "Electronic": "ELECTR", "Electric": "ELECT",
    "Technology": "TECHNOL", "Holdings": "HLDS", "Holding": "HOLDG", "Development": "DEVT",
    "Products": "PRDTS", "Materials": "MATL", "Company": "COY", "Corporation": "CORPN",
    "Limited": "LMTD", "Textile": "TEX", "Textiles": "TEX", "Garment": "GMT",
    "Machinery": "MACHY", "Equipment": "EQPT", "Construction": "CONST",
    "Agriculture": "AGRIC", "Agricultural": "AGRIC", "Trading": "TRDNG", "Trade": "TRDG",
    "Science": "SCIEN", "Energy": "ENRG", "Biotechnology": "BIO-TECH", "Medical": "MEDL",
    "Logistics": "LOGST", "Information": "INFORM", "Nonferrous": "NON-FERR",
    "Plantation": "PLNTN", "Factory": "FCTY", "Safety": "SAFTY", "Import and Export": "I/E",
    "Apparel": "APPAR", "Protective": "PROTECT", "Warehouse": "WHS", "Fittings": "FITTGS",
    "Silicon": "SIL", "Development Co": "DEV CO", "Production": "PRODN",
    "Cotton": "CTN", "Machine": "MACH",
}

# Second holdout, written after the first holdout had been scored and the tables extended:
# dotted and apostrophe forms as US/Asian AP clerks type them, chosen without the tables open.
ABBR_HOLDOUT2 = {
    "Chemical": "Chem.", "Industry": "Ind.", "Industrial": "Ind'l", "Industries": "Inds.",
    "Management": "Mgmt.", "Group": "Grp.", "International": "Int'l.", "Manufacturing": "Mfg.",
    "Electronics": "Elecs.", "Electronic": "Elec.", "Electric": "Elec.", "Technology": "Tech.",
    "Holdings": "Hldgs.", "Holding": "Hldg.", "Development": "Dev't", "Products": "Prod.",
    "Materials": "Mat'ls", "Company": "Co.", "Corporation": "Corp.", "Limited": "Ltd.",
    "Textile": "Txt.", "Textiles": "Txts.", "Garment": "Gmt.", "Machinery": "Mach'y",
    "Equipment": "Equip.", "Construction": "Constr.", "Agriculture": "Agric.",
    "Agricultural": "Agr'l", "Trading": "Trdg.", "Trade": "Trd.", "Science": "Sci.",
    "Energy": "Engy.", "Biotechnology": "Biotech.", "Medical": "Med.", "Logistics": "Log.",
    "Information": "Info.", "Nonferrous": "Non-Fer.", "Plantation": "Plant.",
    "Factory": "Fcty.", "Safety": "Sfty.", "Import and Export": "Imp. & Exp.",
    "Apparel": "App.", "Protective": "Prot.", "Warehouse": "Whse.", "Fittings": "Ftgs.",
    "Silicon": "Si", "Production": "Prod'n", "Cotton": "Cott.", "Machine": "Mach.",
    "Economic": "Econ.", "Business": "Bus.", "Investment": "Inv.", "Breeding": "Brdg.",
    "Resources": "Res.", "Mining": "Mng.", "Engineering": "Eng'g", "Printing": "Prtg.",
}

SYLLABLES = """an bao bei cheng chang da de ding dong fa fang feng fu gang guang hai hao he heng
hong hua huan hui jia jian jin jing jiu kai kang li lian long lu mei ming nan ping qi qian
rui ruo sen shan sheng shi shun tai tian tong wan wei xiang xin xing xu ya yang yi yin yong
yu yuan yue zhan zhen zheng zhi zhong zhou""".split()
LATIN_WORDS = """Bright Crest Summit Pioneer Meridian Harbor Falcon Orchid Sterling Vista Nova
Apex Lotus Cedar Everest Horizon Sunrise Coral Maple Atlas Beacon Willow Granite Regal
Pinnacle Oasis Emerald Sapphire Ridge Harmony Liberty Crown Unity Zenith Prime Aurora
Kencana Cempaka Sinar Mawar Delima Suria Permata Seri""".split()


def _stopwords() -> set[str]:
    """Words that do not make a name distinctive: legal forms, generic words, variants."""
    words = {"prison", "farm", "camp", "plant", "detachment", "regiment", "division", "no",
             "reeducation", "through", "labor", "laogai", "vessel", "fishing", "jail",
             "construction", "production", "corps", "center", "centre", "workshop"}
    for table, col in (("legal_forms.csv", "form"), ("name_generic_tokens.csv", "token"),
                       ("name_variants.csv", "variant"), ("name_variants.csv", "canonical")):
        for row in _read(table):
            words.update(_key(row[col] or "").split())
    return words


def _distinctive(name: str, stop: set[str]) -> list[str]:
    """The words of `name` that are not generic (trade names, unlisted places)."""
    return list(dict.fromkeys(
        w for w in re.findall(r"[A-Za-z]+", name) if len(w) >= 4 and w.lower() not in stop))


def _new_word(rng: random.Random, old: str, listed_words: list[str]) -> str:
    """A different trade name in the same style: pinyin for pinyin, Latin words otherwise."""
    pinyin = all(ch.lower() in "abcdefghijklmnopqrstuvwxyz" for ch in old) and any(
        old.lower().startswith(s) for s in SYLLABLES)
    for _ in range(500):
        if pinyin and old[0].isupper() and not old.isupper():
            new = (rng.choice(SYLLABLES) + rng.choice(SYLLABLES)).capitalize()
        else:
            new = rng.choice(LATIN_WORDS)
        if old.isupper():
            new = new.upper()
        low = new.lower()
        if all(fuzz.ratio(low, w) < 75 for w in listed_words):
            return new
    raise RuntimeError(f"no replacement for {old}")


def _erp(rng: random.Random, name: str) -> str:
    """How an ERP export tends to hold a name: sometimes upper case without punctuation."""
    style = rng.random()
    if style < 0.35:
        return re.sub(r"\s+", " ", re.sub(r"[.,]", " ", name.upper())).strip()
    if style < 0.5:
        return name.upper()
    return name


def _with_note(rng: random.Random, name: str, notes: list[str]) -> tuple[str, str]:
    template = rng.choice(notes)
    return template.format(n=name, v=rng.randrange(1000, 999999)), template


def _abbreviate(name: str, table: dict[str, str]) -> tuple[str, list[str]]:
    """`name` with every word of `table` abbreviated (longest phrases first)."""
    used = []
    for long in sorted(table, key=len, reverse=True):
        pattern = re.compile(rf"\b{re.escape(long)}\b", re.IGNORECASE)
        if pattern.search(name):
            name = pattern.sub(table[long], name)
            used.append(table[long])
    return name, used


def _write(path: Path, header: list[str], rows: list[tuple]) -> None:
    with open(path, "w", encoding="utf8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(sorted(set(rows)))
    print(f"{path.name}: {len(set(rows))} rows")


def main() -> None:
    entries = [r for t in ("watchlist_uflpa.csv", "watchlist_cbp.csv") for r in _read(t)
               if r["shape"] == "entity"]
    owners: dict[str, set[str]] = defaultdict(set)
    spellings: list[tuple[str, str, str]] = []  # (spelling, source, country)
    for e in entries:
        names = [p.strip() for p in f"{e['name']};{e['aliases']}".split(";") if p.strip()]
        for n in names:
            for form in (n, _short(n)):
                owners[_key(form)].add(e["entry_id"])
            spellings.append((_short(n) if len(n) > 60 else n, n, e["country"]))
    _merge_groups(owners)
    spellings = list(dict.fromkeys(spellings))
    listed_words = sorted({w for k in owners for w in k.split() if len(w) >= 3})
    stop = _stopwords()

    for suffix, notes, abbr, seed in (("", NOTES_DEV, ABBR_DEV, 11),
                                      ("_holdout", NOTES_HOLDOUT, ABBR_HOLDOUT, 29),
                                      ("_holdout2", NOTES_HOLDOUT, ABBR_HOLDOUT2, 47)):
        rng = random.Random(seed)
        noted, abbreviated = [], []
        for spelling, source, country in spellings:
            expected = ";".join(sorted(owners[_key(source)]))
            base = _erp(rng, spelling)
            variant, template = _with_note(rng, base, notes)
            noted.append((variant, expected, country, template.replace("{n}", "NAME")))
            short, used = _abbreviate(spelling, abbr)
            if used and _key(short) not in owners:
                short = _erp(rng, short)
                abbreviated.append((short, expected, country, " ".join(used)))
                if rng.random() < 0.3:
                    both, template = _with_note(rng, short, notes)
                    abbreviated.append((both, expected, country,
                                        " ".join(used) + " + note"))
        header = ["variant", "expected_entry_id", "country", "kind"]
        if suffix != "_holdout2":  # the second holdout is for abbreviations only
            _write(HERE / f"eval_names_notes{suffix}.csv", header, noted)
        _write(HERE / f"eval_names_abbrev{suffix}.csv", header, abbreviated)

        decoys = []
        for e in entries:
            name = _short(e["name"])
            words = _distinctive(name, stop)
            # one company per decoy: skip lists of several names
            if not words or ";" in name or len(re.findall(r"\b(?:Bhd|Ltd)\b", name)) > 1:
                continue
            other = name
            for word in words:
                new = _new_word(rng, word, listed_words)
                other = re.sub(rf"\b{re.escape(word)}\b", new, other)
            if _key(other) in owners:
                continue
            decoys.append((_erp(rng, other), e["country"], "trade_name_swapped", e["entry_id"]))
            noted_other, _ = _with_note(rng, _erp(rng, other), notes)
            decoys.append((noted_other, e["country"], "trade_name_swapped + note", e["entry_id"]))
            short, used = _abbreviate(other, abbr)
            if used:
                decoys.append((_erp(rng, short), e["country"], "trade_name_swapped + abbrev",
                               e["entry_id"]))
        _write(HERE / f"eval_names_near_decoys{suffix}.csv",
               ["name", "country", "kind", "resembles_entry_id"], decoys)


if __name__ == "__main__":
    main()
