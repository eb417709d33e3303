"""Product resolver: accuracy on the written evaluation sets, spot checks, HS codes, properties."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from riskscreen.match.product_hs import clean_hs, lookup_hs
from riskscreen.match.product_index import plural_variants, product_index
from riskscreen.match.products import OUTPUT_SCHEMA, resolve_products
from riskscreen.paths import reference_dir
from riskscreen.tables import read_table

DATA = Path(__file__).parent / "data"
METHODS = {"hs_code", "alias", "keyword", "fuzzy", "sector", "service", "none"}
SECTORS = {"Agriculture", "Manufacturing", "Mining", "Other"}


def _resolve_one(product: str | None, hs: str | None = None) -> dict:
    out = resolve_products([product], [hs])
    assert out.height == 1
    return out.row(0, named=True)


def _resolved(name: str) -> pl.DataFrame:
    """An evaluation set joined to the resolver's answer for each row (row order kept)."""
    data = pl.read_csv(DATA / name, infer_schema=False, comment_prefix="#")
    out = resolve_products(data["product"], data["hs_code"])
    joined = data.join(
        out,
        left_on=["product", "hs_code"],
        right_on=["product_input", "hs_input"],
        how="left",
        nulls_equal=True,
        maintain_order="left",
    )
    assert joined.height == data.height
    return joined


def _evaluate(name: str) -> tuple[float, float, pl.DataFrame]:
    joined = _resolved(name)
    hit = joined["expected_good_id"].eq_missing(joined["good_id"])
    assigned = joined.filter(pl.col("good_id").is_not_null())
    precision = assigned["expected_good_id"].eq_missing(assigned["good_id"]).mean()
    return float(hit.mean()), float(precision), joined.filter(~hit)


@pytest.fixture(scope="module")
def goods_ids() -> set[str]:
    if not (reference_dir() / "goods.csv").is_file():
        pytest.skip("reference/goods.csv not built yet")
    return set(read_table("goods")["good_id"].to_list())


# --- evaluation sets -------------------------------------------------------------------------


def test_eval_set_is_big_and_varied():
    data = pl.read_csv(DATA / "eval_products.csv", infer_schema=False, comment_prefix="#")
    assert data.height >= 500
    assert data["expected_good_id"].null_count() >= 100
    assert {"multilingual", "misspelling", "abbreviation", "hs_only", "service"} <= set(
        data["category"].to_list()
    )


@pytest.mark.parametrize("name", ["eval_products.csv", "eval_products_holdout.csv"])
def test_accuracy_and_precision_targets(name):
    accuracy, precision, misses = _evaluate(name)
    shown = misses.select("product", "hs_code", "expected_good_id", "good_id").head(20)
    assert accuracy >= 0.90, shown
    assert precision >= 0.97, shown


# Blind held-out batches, each written before the fixes it prompted and scored once first:
# first-run figures in bench/results/match_products.md (86.1/89.0, 82.3/86.0, 80.8/89.1,
# 88.2/91.0, 87.3/91.1, 92.6/95.2, 94.6/97.4, 90.7/95.3, 92.7/96.4 % accuracy/precision).
# These tests hold the final code to the targets on them.
BLIND = [
    "eval_products_blind.csv",
    "eval_products_blind2.csv",
    "eval_products_blind3.csv",
    "eval_products_blind4.csv",
    "eval_products_blind5.csv",
    "eval_products_blind6.csv",
    "eval_products_blind7.csv",
    "eval_products_blind8.csv",
    "eval_products_blind9.csv",
]
# Development batch written before its first run (first-run figures in the bench results);
# part 2 (categories *_p2) was written after the first round of fixes.
DEV = ["eval_products_dev5.csv"]


@pytest.mark.parametrize("name", [*BLIND, *DEV])
def test_blind_sets_accuracy_and_precision(name):
    accuracy, precision, misses = _evaluate(name)
    shown = misses.select("product", "hs_code", "expected_good_id", "good_id").head(20)
    assert accuracy >= 0.90, shown
    assert precision >= 0.97, shown


@pytest.mark.parametrize("name", [*BLIND, *DEV])
def test_blind_sets_are_varied(name):
    data = pl.read_csv(DATA / name, infer_schema=False, comment_prefix="#")
    assert data.height >= 150
    assert data["expected_good_id"].null_count() >= 40
    assert {"article", "lookalike", "multilingual", "hs", "service"} <= set(
        data["category"].to_list()
    )


@pytest.mark.parametrize(
    "name", ["eval_products.csv", "eval_products_holdout.csv", *BLIND, *DEV]
)
def test_precision_as_the_pipeline_accepts(name):
    """Goods at or above the pipeline's accept confidence are scored: they must be right."""
    from riskscreen.scoring import load_thresholds

    accept = float(load_thresholds()["accept_confidence"])
    joined = _resolved(name).filter(pl.col("good_confidence") >= accept)
    wrong = joined.filter(~pl.col("expected_good_id").eq_missing(pl.col("good_id")))
    shown = wrong.select("product", "hs_code", "expected_good_id", "good_id", "good_confidence")
    assert wrong.height / max(joined.height, 1) <= 0.02, shown


def test_eval_expected_goods_exist(goods_ids):
    for name in ("eval_products.csv", "eval_products_holdout.csv", *BLIND, *DEV):
        data = pl.read_csv(DATA / name, infer_schema=False, comment_prefix="#")
        assert set(data["expected_good_id"].drop_nulls().to_list()) <= goods_ids
        sectors = data.filter(pl.col("expected_good_id").is_not_null())
        assert sectors["expected_sector"].null_count() == 0, name


# --- tables ------------------------------------------------------------------------------------


def test_table_good_ids_exist_in_goods(goods_ids):
    for table in ("product_keywords", "hs_goods"):
        used = set(read_table(table)["good_id"].drop_nulls().to_list()) - {""}
        assert used <= goods_ids, (table, used - goods_ids)


def test_table_sectors_are_ilab_sectors():
    assert set(read_table("sector_keywords")["sector"].to_list()) <= SECTORS
    assert set(read_table("hs_goods")["sector"].drop_nulls().to_list()) <= SECTORS


def test_keywords_name_one_good_each():
    kw = read_table("product_keywords")
    # a qualifier (column `refines`) may repeat an ordinary keyword or another family's qualifier
    assert kw.select("keyword", "refines").is_duplicated().sum() == 0
    assert kw.filter(pl.col("refines").is_null())["keyword"].is_duplicated().sum() == 0
    assert kw["priority"].cast(pl.Int64).is_between(1, 3).all()
    assert kw["confidence"].cast(pl.Float64).is_between(0, 1).all()


def test_each_written_key_has_one_meaning():
    from riskscreen.match.product_index import _curated, _normalised

    # a shade word (amber, gold) is a good's keyword too, by design
    rows = (
        _normalised(_curated(None), "term")
        .filter(pl.col("kind") != "shade")
        .select("key", "kind", "good_id")
        .unique()
    )
    clashes = rows.filter(pl.col("key").is_duplicated()).sort("key")
    assert clashes.height == 0, clashes


def test_hs_prefixes_are_digits_and_unique():
    hs = read_table("hs_goods")
    assert hs["hs_prefix"].str.contains(r"^\d{2,8}$").all()
    assert hs["hs_prefix"].is_duplicated().sum() == 0
    # every row names a good or at least a sector
    assert (hs["good_id"].is_not_null() | hs["sector"].is_not_null()).all()


# --- spot checks -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("product", "expected"),
    [
        ("100% cotton knitted T-shirts, men's", "garments"),
        ("Frozen shrimp PD 16/20", "shrimp"),
        ("Crude palm oil (CPO) bulk", "crude_palm_oil"),
        ("Monocrystalline PV modules 550W", "solar_modules"),
        ("Cocoa beans grade 1", "cocoa"),
        ("Polysilicon", "polysilicon"),
        ("Gold dore bars", "gold"),
        ("Hand-knotted wool rugs", "carpets"),
        ("Fresh tomatoes", "tomatoes"),
        ("Tomato paste", "tomato_products"),
        ("SKU 44821 - COTTON YARN 30/1", "thread_yarn"),
        ("Baumwolle", "cotton"),
        ("algodón", "cotton"),
        ("棉花", "cotton"),
        ("crevettes", "shrimp"),
        ("Garnelen", "shrimp"),
        ("huile de palme", "palm_oil"),
        ("Kakao", "cocoa"),
        ("Teppiche", "carpets"),
        ("ladrillos", "bricks"),
        ("Zucker", "sugarcane"),
        ("RMG", "garments"),
        ("PKO", "crude_palm_kernel_oil"),
        ("FFB", "palm_oil"),
        ("poly-Si", "polysilicon"),
        ("Damenschuhe", "footwear"),
        ("Rugs machine made", "carpets"),
        # a finished article beats its material; inverted order; compounds on short heads
        ("Ladies pumps patent leather", "footwear"),
        ("Leather sofa 3-seater", "furniture"),
        ("Palm oil RBD", "refined_palm_oil"),
        ("Shoes leather", "footwear"),
        ("Baumwollgarn Ne 20/1", "thread_yarn"),
        ("Baumwollhemd Herren", "garments"),
        ("Chaussettes coton", "garments"),
        ("Coffee beans for espresso machines", "coffee"),
        ("Sawn timber kiln dried", "timber"),
        ("Brass candle holders", "brassware"),
        # family qualifiers: the specific good wins over its generic relative
        ("Silk sewing thread 100m spool", "silk_thread"),
        ("Steel frame bunk bed", "furniture_steel"),
        ("Minyak sawit mentah", "crude_palm_oil"),
        ("Refined bleached deodorised palm kernel oil", "refined_palm_kernel_oil"),
        ("Hand-loomed ikat fabric", "textiles_hand_woven"),
        ("Faux orchid arrangement", "artificial_flowers"),
        ("Kerstballen glas", "christmas_decorations"),
    ],
)
def test_spot_checks(product, expected):
    row = _resolve_one(product)
    assert row["good_id"] == expected
    assert row["good_method"] in {"alias", "keyword"}
    assert row["sector"] in SECTORS


@pytest.mark.parametrize(
    "product",
    [
        "Dairy-free oat drink",
        "PU leather notebook",
        "Gold-tone picture frame",
        "Granite effect laminate worktop",
        "Carpet adhesive 15L",
        "Tin foil roll",
        "Fish tape electrician",
    ],
)
def test_imitations_negations_and_article_heads_name_no_good(product):
    assert _resolve_one(product)["good_id"] is None


def test_family_relatives_agree_across_hs_and_text():
    # HS 9403 names furniture; the text names steel furniture: they agree on the specific good
    row = _resolve_one("Steel frame bunk bed", "9403")
    assert row["good_id"] == "furniture_steel"
    assert row["good_method"] == "hs_code"


@pytest.mark.parametrize("product", ["cottn", "cofee", "shirmp", "soalr panels"])
def test_misspellings_are_fuzzy_and_listed_for_review(product):
    row = _resolve_one(product)
    assert row["good_method"] == "fuzzy"
    assert row["good_confidence"] < 0.85
    assert row["good"] in row["good_candidates"]


@pytest.mark.parametrize(
    "product",
    [
        "IT consulting",
        "freight",
        "logistics services",
        "insurance premium",
        "office rental",
        "legal fees",
        "software licence",
        "cleaning services",
        "travel expenses",
        "electricity",
        "catering",
        "marketing agency",
        "Freight cost cocoa shipment",
    ],
)
def test_services_name_no_good(product):
    row = _resolve_one(product)
    assert row["good_id"] is None and row["good"] is None
    assert row["good_method"] == "service"
    assert row["good_candidates"] is None


@pytest.mark.parametrize(
    "product",
    [
        "Lubricating oil 15W40",
        "coffee machine",
        "Gold plated connectors",
        "Cement mixer",
        "Sand paper P120",
        "Bearings 6204",
        "Grades and classes",
        "Hex bolts M12",
        "Teddy",
        "Kaufpreis",
        "Reisekosten",
        "Kaffeemaschine",
        "Rose gold iPhone case",
        "Laptop bags",
        # a material before an unlisted article, a tool or after a purpose word
        "Rubber grommets",
        "Rubber mallet",
        "Etui en cuir",
        "Gold spray paint",
        "Coconut scented candle",
        "Brass ball valve",
        "Matcha latte machine",
        "Teak oil for furniture",
    ],
)
def test_lookalikes_name_no_good(product):
    assert _resolve_one(product)["good_id"] is None


def test_sector_only_descriptions():
    row = _resolve_one("Seafood frozen assorted")
    assert (row["good_id"], row["good_method"], row["sector"]) == (None, "sector", "Agriculture")
    assert _resolve_one("Mining")["sector"] == "Mining"


# --- HS codes ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("0901", "0901"),
        ("901", "0901"),
        ("0901.11", "090111"),
        ("901.11", "090111"),
        ("HS 5201.00", "520100"),
        ("HS:520100", "520100"),
        ("5201.0", "5201"),
        ("6109 10", "610910"),
        ("77", None),
        ("1", None),
        ("abc", None),
        ("9999", None),
    ],
)
def test_clean_hs(raw, clean):
    got = pl.select(clean_hs(pl.lit(raw, pl.String))).item()
    assert got == clean


def test_longest_hs_prefix_wins():
    found = lookup_hs(pl.Series(["151110", "151190", "1511", "5205", "5201"]))
    mapping = dict(zip(found["hs_code"], found["hs_good_id"], strict=True))
    assert mapping == {
        "151110": "crude_palm_oil",
        "151190": "refined_palm_oil",
        "1511": "palm_oil",
        "5205": "thread_yarn",
        "5201": "cotton",
    }


def test_hs_code_alone_and_numeric_codes():
    assert _resolve_one(None, "0901")["good_id"] == "coffee"
    out = resolve_products(["x", "y"], pl.Series([901, 5201]))
    assert out["good_id"].to_list() == ["coffee", "cotton"]
    assert out["hs_input"].to_list() == ["901", "5201"]
    assert out["good_method"].to_list() == ["hs_code", "hs_code"]
    # Excel floats: 901.0 is code 0901 (lost zero), not subheading 9010
    floats = resolve_products(["x"], pl.Series([901.0]))
    assert floats["good_id"].to_list() == ["coffee"]


def test_hs_and_text_agree_or_conflict():
    agree = _resolve_one("Raw cotton", "5201.00")
    alone = _resolve_one(None, "5201.00")
    assert agree["good_id"] == "cotton" and agree["good_method"] == "hs_code"
    assert agree["good_confidence"] >= alone["good_confidence"]
    clash = _resolve_one("Cocoa beans", "5201.00")
    assert clash["good_id"] == "cotton"  # the code wins a tie-free clash it is surer of
    assert clash["good_confidence"] < 0.85
    assert "Cotton" in clash["good_candidates"] and "Cocoa" in clash["good_candidates"]


def test_hs_in_description_is_used():
    assert _resolve_one("Goods HS:0901.11")["good_id"] == "coffee"


# --- contract ----------------------------------------------------------------------------------


def test_output_contract_and_distinct_pairs():
    out = resolve_products(
        ["Cotton", "Cotton", None, "Cotton", None, "  "], ["5201", "5201", "0901", None, None, None]
    )
    assert dict(out.schema) == OUTPUT_SCHEMA
    pairs = set(zip(out["product_input"], out["hs_input"], strict=True))
    assert pairs == {("Cotton", "5201"), (None, "0901"), ("Cotton", None), ("  ", None)}
    blank = out.filter(pl.col("product_input") == "  ").row(0, named=True)
    assert blank["good_method"] == "none" and blank["good_confidence"] == 0.0


def test_empty_input():
    out = resolve_products([])
    assert out.height == 0 and dict(out.schema) == OUTPUT_SCHEMA


def test_reference_object_is_used():
    ref = SimpleNamespace(goods=read_table("goods"), good_names=read_table("good_names"))
    assert resolve_products(["Kaffee"], reference=ref)["good"].to_list() == ["Coffee"]


def test_plural_variants():
    assert plural_variants("berry") == ["berries"]
    assert plural_variants("tomato") == ["tomatoes", "tomatos"]
    assert plural_variants("palm oil") == ["palm oils"]
    assert plural_variants("dress") == ["dresses"]
    assert plural_variants("gems") == []


def test_plural_variants_expr_equals_plural_variants():
    """The vectorised plurals of the index build equal `plural_variants` on every written key
    and on the edges of each rule (short, non-Latin, -ss, consonant/vowel + y, -o by length)."""
    from riskscreen.match.product_index import _curated, _normalised, plural_variants_expr

    keys = _normalised(_curated(None), "term")["key"].to_list()
    keys += ["", "ox", "box", "bus", "glass", "gems", "toy", "berry", "sky", "soy", "tomato",
             "polo", "avocado", "peach", "brush", "palm oil", "oil 2", "café", "nylon6",
             "x y", "cocoa beans", "a ss", "MANGO", "bamboo", "tea  ", "綿"]
    got = pl.select(plural_variants_expr(pl.lit(pl.Series(keys, dtype=pl.String)))).to_series()
    assert [(k, v) for k, v in zip(keys, got.to_list(), strict=True)
            if v != plural_variants(k)] == []


def test_index_is_cached():
    assert product_index() is product_index()


texts = st.one_of(
    st.none(), st.text(max_size=40), st.sampled_from(["Cotton", "cottn", "棉花", "IT consulting"])
)
codes = st.one_of(st.none(), st.text(alphabet="0123456789 .HS:", max_size=12))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(texts, codes), max_size=12))
def test_properties(rows):
    products = [p for p, _ in rows]
    hs = [h for _, h in rows]
    out = resolve_products(products, hs)
    expected = {(p, h) for p, h in rows if p is not None or h is not None}
    assert set(zip(out["product_input"], out["hs_input"], strict=True)) == expected
    assert out.height == len(expected)
    assert out["good_confidence"].is_between(0.0, 1.0).all()
    assert set(out["good_method"].to_list()) <= METHODS
    assert (out["good_id"].is_null() == out["good"].is_null()).all()
    assert out.filter(pl.col("good_id").is_not_null())["sector"].is_in(list(SECTORS)).all()
    again = resolve_products(products, hs)
    key = ["product_input", "hs_input"]
    assert out.sort(key, nulls_last=True).equals(again.sort(key, nulls_last=True))


def test_every_ilab_name_resolves_to_its_good(goods_ids):
    names = pl.concat(
        [
            read_table("goods").select("good_id", "name"),
            read_table("good_names").select("good_id", "name"),
        ]
    ).unique()
    out = resolve_products(names["name"])
    joined = names.join(out, left_on="name", right_on="product_input")
    wrong = joined.filter(pl.col("good_id") != pl.col("good_id_right"))
    assert wrong.height == 0, wrong
    assert (joined["good_method"] == "alias").all()
    assert (joined["good_confidence"] == 1.0).all()
