"""The one text normaliser: its eager (`normalise`) and polars (`normalise_expr`) forms agree."""

from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from riskscreen.io.columns import fold
from riskscreen.match.normalise import normalise, normalise_series

# Characters assigned in this Python's Unicode database (polars may know newer ones).
TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cn")), max_size=40)
# Scripts people write supplier sheets in, with their marks, spaces and punctuation.
SCRIPTS = st.text(st.sampled_from(
    "aAéÉüßøØçñ ÅΣσςΟΦİı' ’-/.,&()#°"
    "中国棉花東京한국어"
    "हिन्दीकपासक्षि"
    "ไทยก้อน"
    "русскийЁё"
    "العربيةقطن"
    "\u0301\u0308\u093c\u094d"
), max_size=30)


def _expr(values: list[str]) -> list[str]:
    return normalise_series(pl.Series(values, dtype=pl.String)).to_list()


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(TEXT, SCRIPTS), min_size=1, max_size=20))
def test_eager_and_expression_forms_agree(values):
    assert _expr(values) == [normalise(v) for v in values]


def test_the_key_folds_what_people_vary_and_keeps_what_carries_meaning():
    values = ["Côte d’Ivoire", "COTE D'IVOIRE", "Straße", "ΣΟΦΟΣ", "हिन्दी कपास", "ก้อน",
              "Ørsted  A/S"]
    assert [normalise(v) for v in values] == [
        "cote divoire", "cote divoire", "strasse", "σοφοσ", "हिन्दी कपास", "ก้อน", "orsted a s"]
    assert _expr(values) == [normalise(v) for v in values]


def test_marks_after_a_kept_mark_stay_in_both_forms():
    # a Devanagari letter keeps its marks; the second mark is not a "base" for the third
    values = ["क\u0301\u0301", "द\u0308\u0301", "a\u0301\u0308", "\u0301\u0301x"]
    assert _expr(values) == [normalise(v) for v in values]
    assert normalise("a\u0301\u0308") == "a" and normalise("\u0301\u0301x") == "x"


def test_headers_fold_with_the_same_key():
    assert fold("Vendor #") == "vendor no"
    assert fold("हिन्दी नाम") == normalise("हिन्दी नाम") == "हिन्दी नाम"  # matras kept whole
