"""Write examples/suppliers.xlsx: a seeded, realistic supplier master as an ERP exports it.

Messy on purpose: country spellings, codes and addresses; product text in several languages with
SKUs; HS codes as text and as numbers; blank cells; duplicate suppliers; a spend column in mixed
formats. Run `python examples/make_example.py` to regenerate (deterministic).
"""

from __future__ import annotations

import random
from pathlib import Path

from openpyxl import Workbook

HERE = Path(__file__).resolve().parent

# (country as typed, product as typed, HS code or "", city/address) — one line per sourcing profile.
PROFILES = [
    ("Bangladesh", "100% cotton knitted T-shirts, men's", "6109.10", "Gazipur, Dhaka Division"),
    ("BD", "RMG - woven trousers", "620342", "Chittagong EPZ"),
    ("Bangaldesh", "Denim jeans ladies", "", "Narayanganj"),
    ("India", "Cotton yarn 30/1 combed", "5205.12", "Tirupur, Tamil Nadu"),
    ("IND", "Hand-knotted wool rugs", "5701", "Bhadohi, Uttar Pradesh"),
    ("Inde", "Pierres naturelles - granit", "6802", "Bangalore"),
    ("India", "Briques réfractaires", "", "Punjab"),
    ("China", "Monocrystalline PV modules 550W", "8541.43", "Changzhou, Jiangsu"),
    ("CN", "Polysilicon granules", "2804.61", "Shihezi, Xinjiang"),
    ("PRC", "Christmas decorations, artificial trees", "9505", "Yiwu, Zhejiang"),
    ("China", "Baumwolle, roh", "5201", "Aksu"),
    ("Volksrepublik China", "Tomatenmark", "2002.90", ""),
    ("CHN", "Electronics assembly - PCBA", "8473.30", "Shenzhen, Guangdong, China"),
    ("China", "Gloves, nitrile", "4015.19", "Dongguan"),
    ("Côte d'Ivoire", "Cocoa beans grade 1", "1801", "San-Pédro"),
    ("Ivory Coast", "Fèves de cacao", "180100", "Abidjan"),
    ("Ghana", "Cacao beans, fermented", "1801.00", "Kumasi"),
    ("Ghana", "Gold dore bars", "7108.12", "Obuasi"),
    ("Peru", "Oro en bruto", "7108", "Madre de Dios"),
    ("Turkmenistan", "Cotton lint", "5201.00", "Ashgabat"),
    ("Uzbekistan", "Cotton fibre", "", "Tashkent"),
    ("Thailand", "Frozen shrimp PD 16/20", "0306.17", "Samut Sakhon"),
    ("Thaïlande", "Crevettes congelées", "030617", ""),
    ("Malaysia", "Crude palm oil (CPO) bulk", "1511.10", "Sandakan, Sabah"),
    ("Indonesia", "Minyak kelapa sawit / palm oil", "1511", "Pekanbaru, Riau"),
    ("Brazil", "Café verde arábica", "0901.11", "Minas Gerais"),
    ("Brasil", "Carne bovina congelada", "0202", "Mato Grosso"),
    ("Colombia", "Café excelso", "901", "Medellín"),
    ("Vietnam", "Garments - knit polo shirts", "6105", "Ho Chi Minh City, VN"),
    ("Viet Nam", "Leather footwear", "6403", "Binh Duong"),
    ("Myanmar (Burma)", "Teak sawn timber", "4407", "Yangon"),
    ("Pakistan", "Surgical instruments", "9018.90", "Sialkot, Punjab"),
    ("Pakistan", "Football, hand-stitched", "9506.62", "Sialkot"),
    ("Turkey", "Hazelnuts, shelled", "0802.22", "Ordu"),
    ("Türkiye", "Haselnüsse", "080222", "Giresun"),
    ("DR Congo", "Cobalt hydroxide", "8105", "Kolwezi, Lualaba"),
    ("Congo, Dem. Rep.", "Coltan ore", "2615", "Goma"),
    ("Mexico", "Fresh tomatoes", "0702", "Culiacán, Sinaloa"),
    ("México", "Tomate fresco", "070200", ""),
    ("Dominican Republic", "Sugar cane, raw sugar", "1701.14", "La Romana"),
    ("Philippines", "Coconuts, desiccated", "0801.11", "Quezon"),
    ("Phillipines", "Bananas, Cavendish", "0803", "Davao"),
    ("Germany", "Precision bearings", "8482", "Schweinfurt"),
    ("Deutschland", "Büromaterial", "", "Hamburg"),
    ("DE", "IT consulting services", "", "Berlin"),
    ("United States", "Freight forwarding", "", "Chicago, IL"),
    ("USA", "Software licence renewal", "", "Redmond, WA"),
    ("France", "Insurance premium", "", "Paris"),
    ("Netherlands", "Office rental", "", "Rotterdam"),
    ("Holland", "Flower bulbs", "0601", "Lisse"),
    ("Italy", "Leather handbags", "4202.21", "Firenze"),
    ("Spain", "Aceite de oliva virgen extra", "1509", "Jaén"),
    ("Various", "Packaging materials", "", ""),
    ("EU", "Logistics services", "", ""),
    ("", "Cotton T-shirts", "6109", ""),
    ("N/A", "Shrimp", "", ""),
    ("Kenya", "Tea, black CTC", "0902.30", "Kericho"),
    ("Madagascar", "Vanilla beans", "0905", "Sambava"),
    ("Ecuador", "Bananas", "0803.90", "Machala"),
    ("Argentina", "Blueberries", "0810.40", "Tucumán"),
    ("Cambodia", "Bricks, fired clay", "6904", "Phnom Penh"),
    ("Nepal", "Embroidered textiles", "", "Kathmandu"),
    ("Sri Lanka", "Rubber gloves", "4015", "Colombo"),
    ("Ethiopia", "Coffee beans", "0901", "Addis Ababa"),
    ("Tanzania", "Tobacco leaf", "2401", "Tabora"),
    ("Malawi", "Tabak, unverarbeitet", "2401.20", "Lilongwe"),
    ("Zimbabwe", "Diamonds, rough", "7102", "Harare"),
    ("Nigeria", "Sesame seeds", "1207.40", "Kano"),
    ("Burkina Faso", "Coton égrené", "5201", "Bobo-Dioulasso"),
    ("Bolivia", "Brazil nuts", "0801.22", "Riberalta"),
]

BASES = ["Golden", "Sunrise", "Pacific", "Evergreen", "Orient", "Delta", "Harvest", "Summit",
         "Lotus", "Silverline", "Atlas", "Crescent", "Prime", "Greenfield", "Blue River",
         "Northstar", "Phoenix", "Royal", "Unity", "Coastal", "Highland", "Meridian", "Emerald"]
TRADES = ["Textiles", "Garments", "Trading", "Industries", "Exports", "Agro", "Foods",
          "Manufacturing", "Enterprises", "International", "Apparel", "Commodities", "Mining"]
FORMS = ["Co., Ltd.", "Ltd", "Pvt. Ltd.", "LLC", "S.A.", "GmbH", "S.A. de C.V.", "PT", "JSC",
         "Sdn Bhd", "Limited", "Inc.", "S.R.L.", "Company Limited", ""]

# Names on the shipped watchlists, as a buyer's master might spell them (legal-form noise, aliases).
LISTED = [
    ("Xinjiang Daqo New Energy Co Ltd", "China", "Polysilicon", "2804.61", "Shihezi, Xinjiang"),
    ("HOSHINE SILICON INDUSTRY CO., LTD", "CN", "Silicon metal", "2804.69", "Zhejiang"),
    ("Changji Yida Textile Company Limited", "China", "Cotton yarn", "5205", "Changji"),
    ("Ninestar Corp.", "China", "Printer cartridges", "8443.99", "Zhuhai, Guangdong"),
    ("Agropecuarios Tom SA de CV", "Mexico", "Tomatoes", "0702", "Sinaloa"),
    ("Yu Long No. 2", "Taiwan", "Frozen tuna", "0303.44", "Kaohsiung"),
]


def _spend(rng: random.Random) -> object:
    """Spend as ERPs export it: numbers, text with thousands separators, blanks."""
    amount = round(rng.lognormvariate(10.5, 1.3), 2)
    style = rng.random()
    if style < 0.55:
        return amount
    if style < 0.75:
        return f"{amount:,.2f}"
    if style < 0.85:
        return f"EUR {amount:,.0f}"
    if style < 0.93:
        return f"{amount:,.2f}".replace(",", " ").replace(".", ",")
    return None


def build_rows(n: int = 240, seed: int = 8_7) -> list[list[object]]:
    """Seeded rows: profiles with made-up supplier names, listed names, and duplicates."""
    rng = random.Random(seed)
    rows: list[list[object]] = []
    vendor = 100_000
    for i in range(n):
        if i % 40 == 7 and (i // 40) < len(LISTED):
            name, country, product, hs, city = LISTED[i // 40]
        else:
            country, product, hs, city = rng.choice(PROFILES)
            name = f"{rng.choice(BASES)} {rng.choice(TRADES)} {rng.choice(FORMS)}".strip()
            if rng.random() < 0.1:
                name = name.upper()
        vendor += rng.randint(1, 37)
        hs_cell: object = hs
        if hs and hs.isdigit() and not hs.startswith("0") and rng.random() < 0.5:
            hs_cell = int(hs)  # Excel users type codes as numbers
        if rng.random() < 0.05:
            country = ""
        if rng.random() < 0.04:
            product = ""
        rows.append([f"V{vendor}", name, country, product, hs_cell, city, _spend(rng)])
    # Duplicate suppliers, as masters have them (same vendor keyed twice).
    for j in rng.sample(range(len(rows)), 12):
        rows.append(list(rows[j]))
    return rows


def main(path: Path = HERE / "suppliers.xlsx") -> Path:
    """Write the example workbook with fixed document properties (reproducible bytes)."""
    import datetime as dt

    wb = Workbook()
    ws = wb.active
    ws.title = "Vendor master"
    ws.append(["Vendor No.", "Vendor name", "Country of origin", "Material description",
               "HS code", "City / Address", "Annual spend (EUR)"])
    for row in build_rows():
        ws.append(row)
    fixed = dt.datetime(2026, 1, 1)
    wb.properties.created = fixed
    wb.properties.modified = fixed
    wb.save(path)
    return path


if __name__ == "__main__":
    print(main())
