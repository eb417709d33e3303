"""Country resolver: evaluation set, per-category behaviour, contract and properties."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from riskscreen.match.countries import resolve_countries
from riskscreen.match.normalise import normalise

EVAL = Path(__file__).parent / "data" / "eval_countries.csv"
COLUMNS = [
    "input",
    "country_iso3",
    "country_confidence",
    "country_method",
    "country_candidates",
    "region",
]
METHODS = {"code", "name", "alias", "place", "fuzzy", "none", "non_answer"}


@pytest.fixture(scope="module")
def evaluated() -> pl.DataFrame:
    ev = pl.read_csv(EVAL, infer_schema=False, comment_prefix="#").with_columns(
        pl.all().fill_null("")
    )
    got = resolve_countries(ev["input"])
    return ev.join(got, on="input", how="left").with_columns(
        iso_ok=pl.col("country_iso3").fill_null("") == pl.col("expected_iso3"),
        region_ok=pl.col("region").fill_null("") == pl.col("expected_region"),
    )


def one(value: str) -> dict:
    return resolve_countries([value]).row(0, named=True)


def test_eval_set_is_broad(evaluated: pl.DataFrame) -> None:
    assert evaluated.height >= 1000
    counts = dict(evaluated.group_by("category").len().iter_rows())
    assert counts["non_answer"] >= 60
    assert counts["xinjiang"] >= 40
    assert counts["typo"] + counts["typo_generated"] >= 100
    assert counts["address"] >= 100


def test_eval_accuracy(evaluated: pl.DataFrame) -> None:
    ok = evaluated["iso_ok"] & evaluated["region_ok"]
    wrong = evaluated.filter(~ok).select("input", "expected_iso3", "country_iso3", "region")
    assert ok.mean() >= 0.99, wrong


def test_non_answers_never_get_a_country(evaluated: pl.DataFrame) -> None:
    no_country = evaluated.filter(pl.col("expected_iso3") == "")
    guessed = no_country.filter(pl.col("country_iso3").is_not_null())
    assert guessed.height == 0, guessed.select("input", "country_iso3")
    na = evaluated.filter(pl.col("category") == "non_answer")
    assert (na["country_confidence"] == 0).all()


def test_xinjiang_rows_carry_the_region(evaluated: pl.DataFrame) -> None:
    xj = evaluated.filter(pl.col("category") == "xinjiang")
    assert (xj["country_iso3"] == "CHN").all()
    assert (xj["region"] == "Xinjiang").all()
    # and no non-Xinjiang row is tagged Xinjiang
    others = evaluated.filter(pl.col("expected_region") == "")
    assert others.filter(pl.col("region") == "Xinjiang").height == 0


def test_contract_columns_and_distinct_rows() -> None:
    out = resolve_countries(["China", None, "China", "cn", "CN", None, ""])
    assert out.columns == COLUMNS
    assert out.schema["country_confidence"] == pl.Float64
    assert out["input"].to_list() == ["China", "cn", "CN", ""]
    assert out.filter(pl.col("input") == "")["country_method"].item() == "non_answer"


def test_accepts_series_and_empty_input() -> None:
    out = resolve_countries(pl.Series(["VN", None, "VN"]))
    assert out.height == 1 and out["country_iso3"].item() == "VNM"
    empty = resolve_countries([])
    assert empty.height == 0 and empty.columns == COLUMNS


@pytest.mark.parametrize(
    ("value", "iso3", "method"),
    [
        ("cn", "CHN", "code"),
        ("CHN", "CHN", "code"),
        ("156", "CHN", "code"),
        ("076", "BRA", "code"),
        ("XK", "XKX", "code"),
        ("Burma", "MMR", "alias"),
        ("Korea, Dem. People's Rep.", "PRK", "alias"),
        ("Congo, Dem. Rep.", "COD", "alias"),
        ("Costa do Marfim", "CIV", "name"),
        ("Elfenbeinküste", "CIV", "alias"),
        ("Китай", "CHN", "name"),
        ("Tirupur, Tamil Nadu", "IND", "place"),
    ],
)
def test_exact_methods(value: str, iso3: str, method: str) -> None:
    row = one(value)
    assert (row["country_iso3"], row["country_method"]) == (iso3, method)
    assert row["country_confidence"] >= 0.9


def test_unpadded_numeric_code_is_accepted_but_flagged() -> None:
    row = one("76")
    assert row["country_iso3"] == "BRA"
    assert row["country_confidence"] < 0.9 and "Brazil" in row["country_candidates"]


def test_typos_are_fuzzy_below_one_with_candidates_when_doubtful() -> None:
    out = resolve_countries(["Bangaldesh", "Inida", "Vietnan"])
    assert out["country_iso3"].to_list() == ["BGD", "IND", "VNM"]
    assert (out["country_method"] == "fuzzy").all()
    assert (out["country_confidence"] < 1).all()
    inida = out.row(1, named=True)
    assert inida["country_confidence"] < 0.9 and inida["country_candidates"].startswith("India")


def test_short_strings_never_fuzzy_match() -> None:
    for value in ["Chna", "Inda", "Hati"]:
        assert one(value)["country_iso3"] is None


def test_ambiguous_names_are_low_confidence_with_both_candidates() -> None:
    korea = one("Korea")
    assert korea["country_confidence"] <= 0.5
    assert "South Korea" in korea["country_candidates"]
    assert "North Korea" in korea["country_candidates"]
    assert one("North Korea")["country_iso3"] == "PRK"


@pytest.mark.parametrize(
    ("value", "iso3"),
    [
        ("Georgia", "GEO"),
        ("Atlanta, Georgia, USA", "USA"),
        ("New Jersey", "USA"),
        ("Jersey", "JEY"),
        ("Indiana", "USA"),
        ("Niger", "NER"),
        ("Nigeria", "NGA"),
        ("Dominica", "DMA"),
        ("South Sudan", "SSD"),
        ("Papua New Guinea", "PNG"),
        ("Chinatown", None),
        ("China Town", None),
        ("Zona Franca, San Salvador", "SLV"),
    ],
)
def test_false_positive_traps(value: str, iso3: str | None) -> None:
    assert one(value)["country_iso3"] == iso3


def test_address_tail_and_postcodes() -> None:
    row = one("Dhaka 1207, Bangladesh")
    assert row["country_iso3"] == "BGD" and row["country_method"] == "name"
    assert one("Shenzhen, Guangdong, China")["country_iso3"] == "CHN"
    assert one("Ho Chi Minh City, VN")["country_iso3"] == "VNM"


def test_codes_inside_addresses_only_count_at_the_end() -> None:
    # 'No.' is not Norway, 'IL' may be Illinois: no confident guess either way
    assert one("No. 8, Ji Long Road, Rudong City")["country_iso3"] is None
    il = one("Springfield, IL")
    assert il["country_confidence"] <= 0.5
    assert "United States" in il["country_candidates"]


def test_conflicting_countries_lower_confidence() -> None:
    mixed = one("Made in Italy, packed in China")
    assert mixed["country_confidence"] < 0.9
    assert "Italy" in mixed["country_candidates"] and "China" in mixed["country_candidates"]


def test_xinjiang_region_only_for_the_chinese_reading() -> None:
    assert one("Aksu, Xinjiang, China")["region"] == "Xinjiang"
    assert one("新疆维吾尔自治区乌鲁木齐市")["region"] == "Xinjiang"
    bole = one("Addis Ababa, Bole")
    assert bole["country_iso3"] == "ETH" and bole["region"] is None
    assert one("Shenzhen, Guangdong")["region"] is None


def test_normalise_is_stable() -> None:
    assert normalise("  Côte d’Ivoire ") == "cote divoire"
    assert normalise("ＣＨＩＮＡ") == "china"
    assert normalise("Korea, Rep.") == "korea rep"
    assert normalise("中国") == "中国"
    assert normalise("ベトナム") == "ベトナム"  # kana voicing marks are kept


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(max_size=40)), max_size=12))
def test_property_any_text(values: list[str | None]) -> None:
    out = resolve_countries(values)
    distinct = list(dict.fromkeys(v for v in values if v is not None))
    assert out["input"].to_list() == distinct
    assert out["country_confidence"].is_between(0, 1).all()
    assert set(out["country_method"].to_list()) <= METHODS
    no_country = out.filter(pl.col("country_iso3").is_null())
    assert (no_country["country_confidence"] == 0).all()
    assert out.filter(pl.col("region").is_not_null())["country_iso3"].eq("CHN").all()
    assert resolve_countries(values).equals(out)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=30))
def test_normalise_ascii_fast_path_matches_general_path(text: str) -> None:
    # a trailing non-ASCII space (U+3000) forces the general path and is trimmed away
    assert normalise(text) == normalise(text + "\u3000")


def test_name_spellings_and_levels_of_the_index():
    """The index's name spellings (row by row: key, comma reading, before a bracket, without
    'and', without a leading 'the'; short Latin names dropped) and its priority levels (a key a
    higher level took stays; countries sharing a key in one level make it ambiguous)."""
    from riskscreen.match.country_index import _entries, _entry_rows, _name_pairs, _pairs

    names = pl.DataFrame({
        "iso3": ["KOR", "GMB", "BIH", "XXA", "TTO", "CHN"],
        "name": ["Korea, Republic of", "The Gambia (Islamic Republic)", "Bosnia and Herzegovina",
                 "Ab", None, "中国"],
    })
    pairs = _name_pairs(names, 3).collect()
    assert pairs["key"].to_list() == [
        "korea republic of", "republic of korea", "the gambia islamic republic", "the gambia",
        "gambia islamic republic", "bosnia and herzegovina", "bosnia herzegovina", "中国",
    ]
    assert pairs["iso3"].to_list() == ["KOR", "KOR", "GMB", "GMB", "GMB", "BIH", "BIH", "CHN"]
    codes = _pairs(pl.DataFrame({"iso3": ["KOR"], "name": ["KOR"]}), "name")
    shared = _pairs(pl.DataFrame({"iso3": ["KOR", "PRK", "KOR"], "alias": ["Korea", "KOREA",
                                                                           "kor"]}), "alias")
    rows = _entry_rows([(codes, "code", "code3", False, 0),
                        (shared, "alias", "alias", True, 2)]).collect()
    entries = _entries(rows)
    assert entries["kor"].method == "code" and entries["kor"].iso3 == ("KOR",)
    assert entries["korea"].iso3 == ("KOR", "PRK") and entries["korea"].ambiguous
