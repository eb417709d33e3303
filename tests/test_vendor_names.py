"""Vendor-master names: notes in the name field and abbreviated words (issue 16, item 4)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from riskscreen.errors import ReferenceError_
from riskscreen.watchlists.index import raw_key, raw_keys
from riskscreen.watchlists.name_abbrev import abbreviation_links
from riskscreen.watchlists.name_normalise import default_normaliser
from riskscreen.watchlists.names import screen_names, thresholds
from riskscreen.watchlists.vendor_notes import NoteStripper, default_stripper, strip_notes

DATA = Path(__file__).parent / "data"
ZHONGTAI = "uflpa-xinjiang-zhongtai-chemical-co-ltd"


def _recall(file: str) -> float:
    data = pl.read_csv(DATA / file, infer_schema=False)
    result = screen_names(data["variant"], data["country"])
    found = data.join(result, left_on=["variant", "country"],
                      right_on=["name_input", "country_input"], how="left")
    ok = [f is not None and f in e.split(";") for e, f in
          zip(found["expected_entry_id"], found["watchlist_entry_id"], strict=True)]
    return sum(ok) / len(ok)


@pytest.mark.parametrize("file", ["eval_names_notes.csv", "eval_names_notes_holdout.csv"])
def test_listed_names_behind_vendor_notes_are_found(file: str) -> None:
    assert _recall(file) >= 0.97


@pytest.mark.parametrize("file", [
    "eval_names_abbrev.csv", "eval_names_abbrev_holdout.csv", "eval_names_abbrev_holdout2.csv",
    "eval_names_abbrev_holdout3.csv", "eval_names_abbrev_holdout4.csv",
])
def test_abbreviated_listed_names_are_found(file: str) -> None:
    assert _recall(file) >= 0.95


@pytest.mark.parametrize("file", [
    "eval_names_near_decoys.csv", "eval_names_near_decoys_holdout.csv",
    "eval_names_near_decoys_holdout2.csv",
])
def test_near_identical_other_companies_do_not_rise(file: str) -> None:
    data = pl.read_csv(DATA / file, infer_schema=False)
    assert data.height >= 300
    result = screen_names(data["name"], data["country"])
    assert (result["watchlist_method"] != "none").mean() <= 0.02


@pytest.mark.parametrize(
    "written",
    [
        "Xinjiang Zhongtai Chemical Co., Ltd. - DO NOT USE",
        "XINJIANG ZHONGTAI CHEMICAL CO LTD - Vendor #489494",
        "Xinjiang Zhongtai Chemical Co., Ltd. [inactive]",
        "ZZ XINJIANG ZHONGTAI CHEMICAL CO LTD",
        "Xinjiang Zhongtai Chemical Co., Ltd. (gesperrt)",
        "Xinjiang Zhongtai Chemical Co., Ltd. Kreditor 70012",
        "Xinjiang Zhongtai Chemical Co., Ltd. - NE PAS UTILISER",
        "Xinjiang Zhongtai Chemical Co., Ltd. - duplicado",
        "Xinjiang Zhongtai Chemical Co., Ltd.（停用）",
        "OLD - Xinjiang Zhongtai Chemical Co., Ltd.",
        "Xinjiang Zhongtai Chemical Co., Ltd. (DO NOT USE - see 100234)",
    ],
)
def test_note_is_stripped_and_said_while_the_raw_name_is_kept(written: str) -> None:
    row = screen_names([written], ["CHN"]).row(0, named=True)
    assert row["watchlist_entry_id"] == ZHONGTAI
    assert row["name_input"] == written
    assert "vendor_note_stripped=" in row["watchlist_features"]
    assert row["watchlist_method"] != "exact"  # found only once the note was removed


def test_abbreviated_name_hits_and_says_what_was_expanded() -> None:
    row = screen_names(["XINJIANG ZHONGTAI CHEM CO LTD"], ["CHN"]).row(0, named=True)
    assert row["watchlist_entry_id"] == ZHONGTAI
    assert "abbreviations_expanded=chem→chemical" in row["watchlist_features"]
    key = default_normaliser().key("Hebei HLDGS GRP Intl MGMT IND ELEC Imp & Exp")
    assert key.full.split()[:6] == ["hebei", "holding", "group", "intl", "management",
                                    "industry"]
    assert "import" in key.tokens and "export" in key.tokens


def test_a_different_company_behind_a_note_or_abbreviation_stays_below() -> None:
    result = screen_names(["Xinjiang Hongxin Chemical Co., Ltd. - DO NOT USE",
                           "XINJIANG HONGXIN CHEM CO LTD"], ["CHN", "CHN"])
    assert result["watchlist_method"].to_list() == ["none", "none"]


@pytest.mark.parametrize(
    "name",
    ["Old Town Garments Ltd", "Yu Long No. 2 (fishing vessel)", "Tianjin No. 2 Prison",
     "Disabled Veterans Supply Co", "Closed Loop Recycling", "DO NOT USE",
     "Xinjiang Zhongtai Chemical Co., Ltd."],
)
def test_names_without_a_note_are_left_as_written(name: str) -> None:
    cleaned, notes = strip_notes([name])
    assert cleaned == [name] and notes == [None]


def test_real_and_listed_names_lose_nothing() -> None:
    names = pl.read_csv(DATA / "eval_names_decoys.csv", infer_schema=False)["name"].to_list()
    names += pl.read_csv(DATA / "eval_names_listed.csv", infer_schema=False)["variant"].to_list()
    _, notes = strip_notes(names)
    assert [n for n, note in zip(names, notes, strict=True) if note] == []


def test_a_bad_pattern_in_the_table_is_a_clear_error() -> None:
    table = pl.DataFrame({"pattern": ["do not use", "(unclosed"], "where": ["any", "any"]})
    with pytest.raises(ReferenceError_, match="vendor_notes.csv"):
        NoteStripper.from_table(table)
    table = pl.DataFrame({"pattern": ["do not use"], "where": ["sometimes"]})
    with pytest.raises(ReferenceError_, match="any, marked or prefix"):
        NoteStripper.from_table(table)


def test_the_python_note_patterns_compile_when_a_name_is_first_parsed() -> None:
    """The shipped table's Python patterns compile; a pattern only Rust accepts (\\p{Han}) is
    the same clear error, raised when a name is first parsed rather than at start-up."""
    bracket, tail, head = default_stripper().compiled
    assert bracket.search("X (DO NOT USE)") and tail.search("X - do not use")
    assert head.search("ZZ X")
    table = pl.DataFrame({"pattern": ["do not use", r"\p{Han}+停用"], "where": ["any", "any"]})
    stripper = NoteStripper.from_table(table)
    with pytest.raises(ReferenceError_, match="vendor_notes.csv: a pattern is not valid"):
        stripper.strip("X - do not use")  # noqa: B005 (NoteStripper.strip, not str.strip)


def test_words_the_table_lacks_are_read_as_abbreviations_by_shape() -> None:
    listed = ["semiconductor", "warehousing", "metal", "chenguang", "shuangliang", "textile"]
    generic = {"warehousing": 0.3, "metal": 0.3, "textile": 0.25}
    links = abbreviation_links(
        ["semicon", "whsg", "mtls", "txt", "cheng", "shuang", "crest", "vista", "htc"],
        [*listed, "horticola"], generic, thresholds(),
    )
    assert links == {"semicon": ("semiconductor",), "whsg": ("warehousing",),
                     "mtls": ("metal",), "txt": ("textile",)}


def test_a_pinyin_word_is_not_read_as_a_cut_off_trade_name() -> None:
    result = screen_names(["Cheng Biotech Group Co Ltd", "Shuang Silicon Materials (Baotou)",
                           "GEEHY SEMICOND. CO LTD", "Fujian Minlong Whsng Co"], ["CHN"] * 4)
    assert result["watchlist_entry_id"].to_list() == [
        None, None, "uflpa-geehy-semiconductor-co-ltd", "uflpa-fujian-minlong-warehousing-co-ltd"
    ]
    assert "abbreviations_expanded=semicond→semiconductor" in result["watchlist_features"][2]


def test_batched_name_keys_equal_the_per_name_keys() -> None:
    """`keys` (one polars pass, `key_frame`) gives exactly `key` for every name of the evaluation
    sets and for edge cases: legal forms only, CJK forms, dropped words, abbreviation phrases."""
    names = ["", "&", "  co  ", "Co., Ltd.", "THE AND OF", "株式会社", "新疆中泰化学股份有限公司",
             "Hebei HLDGS GRP Intl MGMT IND ELEC Imp & Exp", "Co Op Co-Op Ltd Ltd",
             "F/V Yu Long No. 2 (fishing vessel)", "Société Générale S.A.", "İstanbul Tekstil A.Ş."]
    for file in sorted(DATA.glob("eval_names*.csv")):
        data = pl.read_csv(file, infer_schema=False)
        names += [v for col in data.columns for v in data[col].to_list() if v]
    names = list(dict.fromkeys(names))
    norm = default_normaliser()
    batched = norm.keys(names)
    assert [n for n, k in zip(names, batched, strict=True) if k != norm.key(n)] == []
    assert raw_keys(names).to_list() == [raw_key(n) for n in names]
    assert norm.key_frame(names)["raw_key"].to_list() == [raw_key(n) for n in names]


def test_the_polars_screens_skip_only_names_without_a_note() -> None:
    """`strip_notes` parses only the names its polars screens pass; the result equals parsing
    every name (notes sets, every evaluation name, a control character as the separator)."""
    stripper = default_stripper()
    assert stripper.grammar is not None  # the note grammar compiles as a Rust regex
    names = ["X\x1c- DO NOT USE", "X - do not use\n", "Goldenline Old Town Ltd 70012"]
    for file in sorted(DATA.glob("eval_names*.csv")):
        data = pl.read_csv(file, infer_schema=False)
        names += [v for col in data.columns for v in data[col].to_list() if v]
    names = list(dict.fromkeys(names))
    one_by_one = [stripper.strip(n) for n in names]
    expected = ([t if found else n for n, (t, found) in zip(names, one_by_one, strict=True)],
                ["; ".join(found) or None for _, found in one_by_one])
    assert strip_notes(names) == expected


def test_the_note_screen_passes_every_note_however_it_is_set_off() -> None:
    """The note-word screen asks for the start of the name or a character that is neither a
    letter nor a digit before the word ("ver" in "Silverline" cannot start a note): every note
    of the notes sets, set off by each separator, bracket or none, at either end and in upper
    case, is stripped exactly as parsing the name in Python does."""
    stripper = default_stripper()
    data = pl.read_csv(DATA / "eval_names_notes.csv", infer_schema=False)
    notes = sorted({n for v in data["variant"].to_list() for n in stripper.strip(v)[1]})
    assert len(notes) > 20
    base = "Silverline Golden Trading Co"  # note words only inside words: no note can start
    assert not pl.Series([base]).str.contains(stripper.screen)[0]
    names = [form
             for note in notes
             for sep, close in [(" - ", ""), ("-", ""), (" ", ""), ("/", ""), ("_", ""),
                                ("", ""), (" (", ")"), ("[", "]"), ("（", "）"), (",", "")]
             for form in (base + sep + note + close, note + sep + base,
                          base + sep + note.upper() + close, f"{sep.strip()}{note}{close} {base}")]
    one_by_one = [stripper.strip(n) for n in names]
    expected = ([t if found else n for n, (t, found) in zip(names, one_by_one, strict=True)],
                ["; ".join(found) or None for _, found in one_by_one])
    assert strip_notes(names) == expected
    assert sum(1 for n in expected[1] if n) > len(names) / 2  # most of them hold a note


def _eval_names() -> tuple[list[str], list[str | None]]:
    """Every name of the name evaluation sets (listed variants, notes, abbreviations, decoys)."""
    names: list[str] = []
    countries: list[str | None] = []
    for path in sorted(DATA.glob("eval_names*.csv")):
        data = pl.read_csv(path, infer_schema=False)
        column = "variant" if "variant" in data.columns else "name"
        names += data[column].to_list()
        countries += data["country"].to_list() if "country" in data.columns else [None] * len(data)
    return names, countries


@pytest.mark.parametrize("common", [0, 1, 5])
def test_common_words_are_joined_only_where_they_can_matter(common: int, monkeypatch) -> None:
    # Joining every word (no word counted common) is the plain search; counting words found in
    # more than `common` listed names as common prunes the join and must change no result.
    names, countries = _eval_names()
    th = dict(thresholds())

    def with_common(value: float):
        monkeypatch.setattr("riskscreen.watchlists.names.thresholds",
                            lambda: {**th, "name_join_common_aliases": value})
        return screen_names(names, countries)

    plain = with_common(1e12)
    pruned = with_common(common)
    assert plain.height == len(set(zip(names, countries, strict=True)))
    assert plain["watchlist_entry_id"].is_not_null().sum() > 1000  # the listed variants hit
    assert plain.equals(pruned)
