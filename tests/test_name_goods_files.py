"""Per-language word files `name_goods_<language>.csv` join the name-word table (issue 16)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from riskscreen.errors import ReferenceError_
from riskscreen.match.product_name import goods_from_names
from riskscreen.paths import reference_dir

HEADER = "term,kind,good_id,priority,confidence,match,language,note\n"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A copy of the shipped reference folder (as links) to add word files to; tables are
    cached per folder, so each test reads the shipped tables from `reference_dir()`."""
    for path in reference_dir().iterdir():
        (tmp_path / path.name).symlink_to(path.resolve())
    return tmp_path


def _shipped(names: list[str]) -> dict[str, str | None]:
    out = goods_from_names(names)
    return dict(zip(out["name_input"], out["good_id"], strict=True))


def _read(names: list[str], folder: Path) -> dict[str, str | None]:
    out = goods_from_names(names, folder=str(folder))
    return dict(zip(out["name_input"], out["good_id"], strict=True))


def test_a_language_file_adds_words_found_inside_unspaced_script(folder):
    # Thai, no spaces: "company <made-up word> limited"; the made-up word is in no shipped table
    name = "บริษัทฆฌฑฒจำกัด"
    assert _shipped([name])[name] is None
    (folder / "name_goods_zz-th.csv").write_text(
        HEADER + "ฆฌฑฒ,good,pineapples,1,0.95,cjk,th,made up\n", encoding="utf-8")
    assert _read([name], folder)[name] == "pineapples"


def test_the_main_table_wins_over_a_language_file(folder):
    # a language file that tries to turn a cancel word of the main table into a good
    main = (reference_dir() / "name_goods.csv").read_text(encoding="utf-8")
    cancel = next(line.split(",")[0] for line in main.splitlines()
                  if ",cancel," in line and line.split(",")[5] == "word")
    name = f"Garment {cancel} Company"
    assert _shipped([name])[name] is None
    (folder / "name_goods_xx.csv").write_text(
        HEADER + f"{cancel},good,toys,4,0.95,word,xx,\n", encoding="utf-8")
    assert _read([name], folder)[name] is None


def test_a_language_file_with_unknown_columns_is_refused(folder):
    (folder / "name_goods_yy.csv").write_text(
        "term,good_id,colour\nfoo,toys,red\n", encoding="utf-8")
    with pytest.raises(ReferenceError_, match="name_goods_yy.csv has columns"):
        goods_from_names(["Foo Ltd"], folder=str(folder))


LANGUAGE_FILES = sorted(path.stem.removeprefix("name_goods_")
                        for path in reference_dir().glob("name_goods_*.csv"))


@pytest.mark.parametrize("language", LANGUAGE_FILES)
def test_every_word_of_a_language_file_read_alone_names_its_own_good(language):
    # a word inside a longer phrase of another good must lose to it ("clous de girofle" is
    # cloves, not nails), and no cancel or mask word of any file may sit inside a good's word
    # (카페 café inside 카페트 carpet)
    from riskscreen.tables import read_table

    table = read_table(f"name_goods_{language}").filter(pl.col("kind") == "good")
    kin = dict(read_table("name_good_families").select("good_id", "family").iter_rows())
    out = goods_from_names(table["term"].to_list())
    read = dict(zip(out["name_input"], out["good_id"], strict=True))
    wrong = [
        (term, good, read[term]) for term, good in table.select("term", "good_id").iter_rows()
        if read[term] is None or kin.get(read[term], read[term]) != kin.get(good, good)
    ]
    assert wrong == []
