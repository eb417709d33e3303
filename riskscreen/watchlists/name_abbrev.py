"""Abbreviated words the table does not know: "Semicon", "Whsg", "Mtls", "Txt" for listed words.

`name_abbreviations.csv` expands the abbreviations vendor masters use most; this links the rest
by shape, so a supplier word that abbreviates a listed word counts as that word in the token
overlap. Two shapes, each bounded so that a different company's trade name is not read as an
abbreviation (thresholds `name_abbrev_*` in `match_thresholds.csv`):

- a prefix: "semicon" → "semiconductor". Of a generic word (industry or corporate words from
  the tables) from `name_abbrev_min_prefix` letters; of any other listed word only when both are
  long (`name_abbrev_long_prefix`, `name_abbrev_long_word`) and the prefix is not itself whole
  pinyin syllables of a pinyin word (`reference/pinyin_parts.csv`): "Cheng" or "Shuang" is a
  different trade name, not a cut-off "Chenguang" or "Shuangliang";
- a skeleton: a word without vowels after its first letter whose letters appear in order in
  the listed word, same first letter ("whsg" → "warehousing", "mtls" → "metals"); of a word
  that is not generic only from four letters, so that acronyms ("HTC") stay themselves.

Only input words that are neither listed words nor generic words are linked.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from riskscreen.match.normalise import pinyin_word_pattern

__all__ = ["abbreviation_links"]

_VOWELS = frozenset("aeiou")


def _is_pinyin(word: str) -> bool:
    return pinyin_word_pattern().fullmatch(word) is not None


def _is_subsequence(short: str, long: str) -> bool:
    it = iter(long)
    return all(ch in it for ch in short)


def _skeleton_like(word: str) -> bool:
    return len(word) >= 3 and not (set(word[1:]) & _VOWELS)


def abbreviation_links(
    words: Iterable[str],
    listed: Iterable[str],
    generic: Mapping[str, float],
    th: Mapping[str, float],
) -> dict[str, tuple[str, ...]]:
    """For each input word that abbreviates listed words: the listed words it may stand for."""
    listed_set = set(listed)
    min_prefix = int(th["name_abbrev_min_prefix"])
    long_prefix = int(th["name_abbrev_long_prefix"])
    long_word = int(th["name_abbrev_long_word"])
    by_prefix: dict[str, set[str]] = defaultdict(set)
    by_first: dict[str, list[str]] = defaultdict(list)
    for atok in listed_set:
        if not (atok.isascii() and atok.isalpha()):
            continue
        by_first[atok[0]].append(atok)
        shortest = min_prefix if atok in generic else long_prefix
        if atok not in generic and len(atok) < long_word:
            continue
        for end in range(shortest, len(atok) - 1):
            by_prefix[atok[:end]].add(atok)
    links: dict[str, tuple[str, ...]] = {}
    for word in set(words):
        if word in listed_set or word in generic or not (word.isascii() and word.isalpha()):
            continue
        found = {a for a in by_prefix.get(word, ())
                 if a in generic or not (_is_pinyin(word) and _is_pinyin(a))}
        stem = word[:-1] if word.endswith("s") and len(word) >= 4 else word
        for form in {word, stem}:
            if _skeleton_like(form):
                found.update(a for a in by_first.get(form[0], ())
                             if len(a) >= len(form) + 2 and (a in generic or len(form) >= 4)
                             and _is_subsequence(form, a))
        if found:
            links[word] = tuple(sorted(found))
    return links
