"""Find every country, alias or place named inside one messy text (address, 'Made in X' …).

Works on one normalised value: whole-segment lookups (codes allowed) plus a longest-match scan
of word n-grams (and character substrings for CJK text) against the index. Each hit also says
whether the words around it make it part of a street name ("Fukang Road": `named="street"`) or
of a building, company or park name ("Xinjiang Building": `named="named"`), from
`reference/address_words.csv`, so that such a place is not read as where the supplier is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from riskscreen.match.country_index import STRENGTH, CountryIndex, Entry
from riskscreen.match.normalise import has_cjk, normalise

_SEGMENT_SPLIT = re.compile(r"[,;/|()\[\]\n\r\t，、；]|\s[-–—]\s")
_CJK_MAX = 10
# Stop phrases ('china town') swallow the country names inside them, then are dropped.
_BLOCK = Entry(iso3=("",), method="none", kind="place", scan=True)


@dataclass(frozen=True)
class Hit:
    """One key found in the text: its entry, its character span in the joined text, segment flag."""

    key: str
    entry: Entry
    start: int
    end: int
    whole_segment: bool
    named: str = ""  # "street" (part of a street name), "named" (building/company/park) or ""

    @property
    def strength(self) -> float:
        base = STRENGTH[self.entry.kind]
        return base / 4 if self.entry.ambiguous else base


def strip_prefixes(key: str, prefixes: tuple[str, ...]) -> str:
    """Remove leading 'made in' / 'country of origin' phrases (longest first, repeatedly)."""
    pattern = _prefix_pattern(prefixes)
    while key:
        match = pattern.match(key)
        if match is None:
            break
        key = key[match.end() :].strip()
    return key


@lru_cache(maxsize=4)
def _prefix_pattern(prefixes: tuple[str, ...]) -> re.Pattern[str]:
    """One anchored regex: Latin prefixes end at a space or the end; CJK ones anywhere."""
    alternatives = [re.escape(p) + ("" if has_cjk(p) else r"(?= |$)") for p in prefixes if p]
    return re.compile("(?:" + "|".join(alternatives or ["(?!)"]) + ")")


def segments(value: str, index: CountryIndex) -> list[list[str]]:
    """Comma/semicolon/bracket-separated parts as token lists; digits-only tokens dropped."""
    out = []
    for part in _SEGMENT_SPLIT.split(value):
        key = strip_prefixes(normalise(part), index.prefixes)
        tokens = [t for t in key.split() if not t.isdigit()]
        if tokens:
            out.append(tokens)
    return out


def _with_state(entry: Entry | None, iso3: str) -> Entry:
    """'Hickory, NC': NC is New Caledonia's code and North Carolina's abbreviation."""
    if entry is None:
        return Entry(iso3=(iso3,), method="place", kind="place", regions=(None,), scan=False)
    if iso3 in entry.iso3:
        return entry
    return Entry(
        iso3=entry.iso3 + (iso3,),
        method=entry.method,
        kind=entry.kind,
        regions=entry.regions + (None,),
        scan=False,
        tier=entry.tier,
    )


def _cjk_hits(token: str, offset: int, index: CountryIndex) -> list[Hit]:
    hits = []
    n = len(token)
    for i in range(n):
        for j in range(i + 2, min(n, i + _CJK_MAX) + 1):
            sub = token[i:j]
            entry = _BLOCK if sub in index.blockers else index.entries.get(sub)
            if entry is not None and entry.scan:
                hits.append(Hit(sub, entry, offset + i, offset + j, False,
                                _cjk_named(token[j:], index)))
    return hits


_CJK_GAP = 2  # characters allowed between a place and a building/company word (新疆棉业贸易)


def _cjk_named(rest: str, index: CountryIndex) -> str:
    """'street' when `rest` (the characters after a CJK place) starts a street name (路, 北路);
    'named' when a building/company/park word follows within `_CJK_GAP` characters."""
    words = index.address_words
    i = 0
    while i < len(rest) and rest[i] in words.get("direction", ()):
        i += 1
    if any(rest.startswith(w, i) for w in words.get("street", ()) if has_cjk(w)):
        return "street"
    named = words.get("named", frozenset())
    for gap in range(_CJK_GAP + 1):
        if any(rest.startswith(w, gap) for w in named if has_cjk(w)):
            return "named"
    return ""


_NAMED_SPAN = 3  # words after a place within which a building/company/park word names it


def _latin_named(tokens: list[str], before: str | None, index: CountryIndex) -> str:
    """Same as `_cjk_named` for words: `tokens` follow the place in its segment, `before` is the
    word just before it."""
    words = index.address_words
    if before is not None and before in words.get("before", ()):
        return "street"
    i = 0
    while i < len(tokens) and tokens[i] in words.get("direction", ()):
        i += 1
    if i < len(tokens) and tokens[i] in words.get("street", ()):
        return "street"
    named = words.get("named", frozenset())
    for start in range(min(len(tokens), _NAMED_SPAN)):
        for stop in range(start + 1, min(len(tokens), start + 3) + 1):
            if " ".join(tokens[start:stop]) in named:
                return "named"
    return ""


def find_hits(value: str, index: CountryIndex) -> tuple[list[Hit], int]:
    """All maximal (not contained in a longer one) hits in `value`, in text order; segment count."""
    parts = segments(value, index)
    tokens: list[str] = []
    starts: list[int] = []
    seg_start: list[int] = []  # per token: index of the first token of its segment
    seg_end: list[int] = []  # per token: index one past the last token of its segment
    hits: list[Hit] = []
    pos = 0
    seg_spans = []
    for seg in parts:
        first = len(tokens)
        for tok in seg:
            tokens.append(tok)
            starts.append(pos)
            pos += len(tok) + 1
        seg_spans.append((first, len(tokens)))
        seg_start += [first] * len(seg)
        seg_end += [len(tokens)] * len(seg)
    ends = [s + len(t) for s, t in zip(starts, tokens, strict=True)]
    # Whole segments may be any key; codes count only as the last part ('Dhaka, BD', not
    # 'No. 12, ...'), where a US/Canadian/Australian state abbreviation is another reading.
    for n, (first, last) in enumerate(seg_spans):
        key = " ".join(tokens[first:last])
        entry = index.entries.get(key)
        tail = n == len(seg_spans) - 1
        if entry is not None and entry.method == "code" and not tail:
            entry = None
        if tail and len(seg_spans) > 1 and key in index.state_codes:
            entry = _with_state(entry, index.state_codes[key])
        if entry is not None and key not in index.non_answers:
            hits.append(Hit(key, entry, starts[first], ends[last - 1], True))
    # Word n-grams (names, aliases, places only) and CJK substrings.
    n_tok = len(tokens)
    cjk = has_cjk(value)
    for i in range(n_tok):
        key = ""
        for j in range(i, min(n_tok, i + index.max_ngram)):
            key = f"{key} {tokens[j]}" if key else tokens[j]
            if key not in index.word_prefixes:  # no key starts with these words: stop
                break
            entry = _BLOCK if key in index.blockers else index.entries.get(key)
            if i > seg_start[i] and key in index.address_words.get("suffix", ()):
                entry = None  # 'Moyu Xian': the county word, not the city Xi'an
            if entry is not None and entry.scan:
                before = tokens[i - 1] if i > seg_start[i] else None
                named = _latin_named(tokens[j + 1 : seg_end[i]], before, index)
                hits.append(Hit(key, entry, starts[i], ends[j], False, named))
        if cjk and has_cjk(tokens[i]):
            hits += _cjk_hits(tokens[i], starts[i], index)
    return [h for h in _maximal(hits) if h.entry is not _BLOCK], len(parts)


def _maximal(hits: list[Hit]) -> list[Hit]:
    """Drop hits whose span lies inside a longer hit's span; one hit per span."""
    by_span: dict[tuple[int, int], Hit] = {}
    for h in hits:
        old = by_span.get((h.start, h.end))
        if old is None or (h.whole_segment and not old.whole_segment):
            by_span[(h.start, h.end)] = h
    spans = list(by_span)
    keep = []
    for (s, e), h in by_span.items():
        inside = any(s2 <= s and e <= e2 and (s2, e2) != (s, e) for s2, e2 in spans)
        if not inside:
            keep.append(h)
    return sorted(keep, key=lambda h: (h.start, h.end))
