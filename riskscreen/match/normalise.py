"""Generic text normalisation shared by the matchers: one canonical key per messy spelling.

`normalise(text)` casefolds, folds width (NFKC), strips accents from Latin/Greek/Cyrillic/Arabic/
Hebrew letters, turns punctuation and symbols into spaces and collapses whitespace. CJK, kana,
Hangul, Indic and Thai text keep their marks, so non-Latin names still match exactly.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Letters that have no Unicode decomposition but are accented forms in practice.
_FOLD = str.maketrans(
    {"ø": "o", "æ": "ae", "œ": "oe", "đ": "d", "ł": "l", "ı": "i", "ð": "d", "þ": "th", "ħ": "h"}
)
_SPACES = re.compile(r"\s+")
# Combining marks are dropped only after base letters below this code point (Latin, Greek,
# Cyrillic, Armenian, Hebrew, Arabic); Indic, Thai and kana marks carry meaning and are kept.
_STRIP_MARKS_BELOW = 0x0800


def _strip_marks(text: str) -> str:
    """Drop combining marks that follow a Latin/Greek/Cyrillic/Arabic-range base character."""
    out: list[str] = []
    base = 0
    for ch in unicodedata.normalize("NFKD", text):
        if unicodedata.combining(ch):
            if base < _STRIP_MARKS_BELOW:
                continue
        else:
            base = ord(ch)
        out.append(ch)
    return unicodedata.normalize("NFC", "".join(out))


def _depunct(text: str) -> str:
    """Replace punctuation and symbol characters with spaces (apostrophes vanish)."""
    out: list[str] = []
    for ch in text:
        if ch in "'’ʼ`´":
            continue
        cat = unicodedata.category(ch)
        out.append(" " if cat[0] in "PSZC" else ch)
    return "".join(out)


_ASCII_NOISE = re.compile(r"[^a-z0-9]+")


@lru_cache(maxsize=65536)
def normalise(text: str) -> str:
    """Canonical matching key: casefolded, accent-free, punctuation as single spaces, trimmed."""
    if not text:
        return ""
    if text.isascii():  # fast path, same result as the general one below
        return _ASCII_NOISE.sub(" ", text.lower().replace("'", "").replace("`", "")).strip()
    folded = unicodedata.normalize("NFKC", text).casefold().translate(_FOLD)
    return _SPACES.sub(" ", _depunct(_strip_marks(folded))).strip()


_CJK = re.compile("[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")


def has_cjk(text: str) -> bool:
    """True when the text has Han ideographs, kana or Hangul (scripts written without spaces)."""
    return not text.isascii() and _CJK.search(text) is not None


def is_latin(text: str) -> bool:
    """True when every letter of `text` is basic Latin (after `normalise`)."""
    return text.isascii()
