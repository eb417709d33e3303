"""Company-name keys for screening: canonical words, legal forms stripped, weighted tokens.

Builds on the generic `normalise` (case, accents, punctuation) and adds what is specific to
company names, all from tables: vendor-master abbreviations (`name_abbreviations.csv`, expanded
first), word/romanisation variants (`name_variants.csv`), legal forms (`legal_forms.csv`) and
the weights of generic words (`name_generic_tokens.csv`).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TypeVar

import polars as pl

from riskscreen.match.normalise import has_cjk, normalise, normalise_series
from riskscreen.tables import read_table

_PAREN = re.compile(r"\([^()]*\)")
#: A column or an expression: the text helpers below work on either.
_Text = TypeVar("_Text", pl.Expr, pl.Series)
_SPACES = re.compile(r"\s+")


def _basic(text: str) -> str:
    """Generic normalisation with '&' read as the word 'and' (before punctuation vanishes)."""
    return normalise(text.replace("&", " and "))


def _phrase_regex(phrases: Iterable[str]) -> re.Pattern[str] | None:
    """Whole-word alternation of `phrases`, longest first, so the longest form wins."""
    ordered = sorted(set(p for p in phrases if p), key=lambda p: (-len(p), p))
    if not ordered:
        return None
    return re.compile(r"(?<!\S)(?:" + "|".join(re.escape(p) for p in ordered) + r")(?!\S)")


@dataclass(frozen=True)
class NameKey:
    """Matching forms of one name: `full` (variants applied), `core` (legal forms removed);
    `expanded`: the abbreviations written out ("chem→chemical")."""

    full: str
    core: str
    compact: str
    tokens: tuple[str, ...]
    expanded: tuple[str, ...] = ()


class NameNormaliser:
    """Turns company names into `NameKey`s using the curated tables (built once, then cached)."""

    def __init__(self) -> None:
        abbreviations = read_table("name_abbreviations")
        self._abbr_map: dict[str, str] = {}
        for abbr, expansion in zip(
            abbreviations["abbreviation"], abbreviations["expansion"], strict=True
        ):
            key = _basic(abbr or "")
            if key and expansion and key not in self._abbr_map:
                self._abbr_map[key] = _basic(expansion)
        # Single words are looked up word by word (fast); phrases ("imp and exp") by regex.
        self._abbr_phrase_re = _phrase_regex(k for k in self._abbr_map if " " in k)

        variants = read_table("name_variants")
        self._variant_map: dict[str, str] = {}
        for variant, canonical in zip(variants["variant"], variants["canonical"], strict=True):
            key = _basic(variant or "")
            if key and key not in self._variant_map:
                self._variant_map[key] = _basic(canonical or "")
        self._variant_re = _phrase_regex(self._variant_map)

        forms = read_table("legal_forms")["form"].drop_nulls().to_list()
        latin, cjk = set(), set()
        for form in forms:
            key = self._apply_variants(_basic(form))
            if not key:
                continue
            (cjk if has_cjk(key) else latin).add(key)
        self._legal_re = _phrase_regex(latin)
        self._legal_forms = sorted(latin)
        self._cjk_forms = sorted(cjk, key=lambda f: (-len(f), f))

        generic = read_table("name_generic_tokens")
        self.generic_weight: dict[str, float] = {
            self._apply_variants(_basic(t)): float(w)
            for t, w in zip(generic["token"], generic["weight"], strict=True)
            if t
        }
        # Words whose misspellings should weigh like the word: generic words, the written-out
        # forms of variants ("manufacturing" → weight of "mfg") and legal-form words.
        legal_weight = self.generic_weight.get("ltd", 0.05)
        known = {w: legal_weight for f in forms for w in _basic(f).split() if len(w) > 3}
        known.update(
            {
                _basic(v): self.generic_weight[c]
                for v, c in self._variant_map.items()
                if c in self.generic_weight and " " not in v
            }
        )
        known.update(self.generic_weight)
        self.known_weight: dict[str, float] = known

    def expand_abbreviations(self, text: str) -> tuple[str, tuple[str, ...]]:
        """Normalised `text` with vendor-master abbreviations written out, and which were."""
        if not text or not self._abbr_map:
            return text, ()
        found: list[str] = []

        def expand(word: str) -> str:
            expansion = self._abbr_map[word]
            found.append(f"{word}→{expansion}")
            return expansion

        if self._abbr_phrase_re is not None:
            text = self._abbr_phrase_re.sub(lambda m: expand(m.group(0)), text)
        words = text.split(" ")
        if any(w in self._abbr_map for w in words):
            text = " ".join(expand(w) if w in self._abbr_map else w for w in words)
        return text, tuple(dict.fromkeys(found))

    def _apply_variants(self, text: str) -> str:
        if not text or self._variant_re is None:
            return text
        out = self._variant_re.sub(lambda m: self._variant_map[m.group(0)], text)
        return _SPACES.sub(" ", out).strip()

    def strip_legal_forms(self, full: str) -> str:
        """`full` without legal-form words (whole words; CJK forms as substrings)."""
        core = self._legal_re.sub(" ", full) if self._legal_re is not None else full
        for form in self._cjk_forms:
            if form in core:
                core = core.replace(form, " ")
        core = _SPACES.sub(" ", core).strip()
        return core or full

    def key(self, name: str) -> NameKey:
        """All matching forms of `name` (cheap; called once per distinct name)."""
        expanded, used = self.expand_abbreviations(_basic(name or ""))
        full = self._apply_variants(expanded)
        core = self.strip_legal_forms(full)
        return NameKey(
            full=full, core=core, compact=core.replace(" ", ""), tokens=tokenise(core),
            expanded=used,
        )


    def _strip_legal(self, padded: _Text) -> _Text:
        """Evenly padded text without its (Latin) legal-form words; it stays evenly padded."""
        if self._legal_re is None:
            return padded
        forms = sorted(self._legal_forms, key=lambda p: (-len(p), p))
        return padded.str.replace_many([_pad(f) for f in forms], [""] * len(forms),
                                       leftmost=True)

    def keys(self, names: list[str]) -> list[NameKey]:
        """`key` of every name, computed as one polars pass over all of them (the same keys;
        `key_frame` holds them as columns)."""
        frame = self.key_frame(names)
        return [
            NameKey(full=f, core=c, compact=c.replace(" ", ""), tokens=tuple(t),
                    expanded=tuple(u or ()))
            for f, c, t, u in frame.select("full", "core", "tokens", "expanded").iter_rows()
        ]

    def key_frame(
        self, names: Sequence[str | None] | pl.Series, padded_full: bool = False
    ) -> pl.DataFrame:
        """The keys of every name as columns, one row per name in order: `raw_key` (the
        generic normalisation only: the `exact` method's key), `full`, `core`, `tokens` (a
        list) and `expanded` (the abbreviations written out, a list; null when none was).
        `NameKey.compact` (`core` without spaces) is left to the caller: screening needs it
        only for the pairs it compares. `padded_full`: `full` comes back evenly padded (each
        word between its own two spaces), for a caller that compares it without spaces
        (unpadding every name costs a pass over all of them).

        Whole-word replacements run as Aho-Corasick literal replacements on a padded form of
        the text (every word between its own two spaces); only names holding an
        abbreviation are expanded in Python, since which abbreviations were used is reported,
        and only names with characters outside ASCII are tokenised in Python (CJK bigrams).
        """
        text = (names.cast(pl.String) if isinstance(names, pl.Series)
                else pl.Series(list(names), dtype=pl.String)).rename("name").fill_null("")
        raw = normalise_series(text)
        # `_basic` reads '&' as the word 'and': only names with a '&' need a second pass
        amp = text.str.contains("&", literal=True)
        basic = raw.clone()
        if amp.any():
            basic = basic.scatter(amp.arg_true(), normalise_series(
                text.filter(amp).str.replace_all("&", " and ", literal=True)))
        expanded = pl.DataFrame(schema={"_row": pl.UInt32, "expanded": pl.List(pl.String)})
        padded = _padded(basic)
        if self._abbr_map:
            # Only names holding an abbreviation (a whole word or phrase) are expanded.
            rows = padded.str.contains_any([_pad(k) for k in self._abbr_map]).arg_true()
            done = [self.expand_abbreviations(b) for b in basic.gather(rows).to_list()]
            written = pl.Series([d[0] for d in done], dtype=pl.String)
            basic = basic.scatter(rows, written)
            padded = padded.scatter(rows, _padded(written))
            expanded = pl.DataFrame(
                {"_row": rows, "expanded": [list(d[1]) or None for d in done]},
                schema=expanded.schema,
            )
        full, core = self._full_and_core(basic, padded)
        out = pl.DataFrame({
            "raw_key": raw,
            "full": full if padded_full else _unpad_even(full),
            "core": core,
        }).with_row_index("_row").join(
            expanded, on="_row", how="left", maintain_order="left"
        ).with_columns(
            pl.col("core").str.split(" ").list.eval(pl.element().filter(pl.element() != ""))
            .list.unique(maintain_order=True).alias("tokens"),
        )
        # (Python's `str.split` also splits at U+001C..U+001F)
        other = _non_ascii(out["core"]) | out["core"].str.contains(r"[\x1c-\x1f]")
        if other.any():  # CJK runs become character bigrams (`tokenise`)
            rows = other.arg_true()
            bigrams = pl.DataFrame(
                {"_row": rows, "_tokens": [list(tokenise(c)) for c in
                                           out["core"].gather(rows).to_list()]},
                schema={"_row": pl.UInt32, "_tokens": pl.List(pl.String)},
            )
            out = out.join(bigrams, on="_row", how="left", maintain_order="left").with_columns(
                pl.coalesce("_tokens", "tokens").alias("tokens"))
        return out.select("raw_key", "full", "core", "tokens", "expanded")

    def _full_and_core(self, text: pl.Series, padded: pl.Series) -> tuple[pl.Series, pl.Series]:
        """`full` (evenly padded) and `core` (single-spaced) of normalised `text`, given its
        padded form.

        Variants, then legal forms, replace whole padded words by padded words (a word
        dropped leaves nothing), so text that starts single-spaced stays evenly padded and
        comes back with literal steps; text that does not (rare) takes the regex way, as do
        names outside ASCII, where CJK legal forms (written without spaces) are removed
        wherever they stand. A core left empty is the full name.
        """
        full = padded
        if self._variant_map:
            ordered = sorted(self._variant_map, key=lambda p: (-len(p), p))
            full = full.str.replace_many(
                [_pad(v) for v in ordered], [_pad_or_empty(self._variant_map[v]) for v in ordered],
                leftmost=True,
            )
        core = _unpad_even(self._strip_legal(full))
        slow = (text.str.contains("  ", literal=True) | text.str.starts_with(" ")
                | text.str.ends_with(" ") | _non_ascii(full))
        if slow.any():
            rows = slow.arg_true()
            unpadded = _unpad(full.gather(rows))
            stripped = self._strip_legal(_padded(unpadded))
            for form in self._cjk_forms:
                stripped = stripped.str.replace(form, " ", literal=True, n=-1)
            core = core.scatter(rows, _unpad(stripped))
            full = full.scatter(rows, _padded(unpadded))
        empty = core == ""
        if empty.any():
            rows = empty.arg_true()
            core = core.scatter(rows, _unpad_even(full.gather(rows)))
        return full, core


def _non_ascii(text: pl.Series) -> pl.Series:
    """Whether each text has a character outside ASCII (more bytes than characters: cheaper
    than a regex)."""
    return text.str.len_bytes() != text.str.len_chars()


def _pad(phrase: str) -> str:
    """A phrase as it appears in `_padded` text: every word between its own two spaces."""
    return " " + phrase.replace(" ", "  ") + " " if phrase else " "


def _pad_or_empty(phrase: str) -> str:
    """`_pad`, but a word replaced by nothing leaves nothing (the padding stays even)."""
    return _pad(phrase) if phrase else ""


def _unpad_even(text: _Text) -> _Text:
    """`_unpad` of evenly padded text (every word between its own two spaces): literal steps."""
    return text.str.strip_chars(" ").str.replace_all("  ", " ", literal=True)


def _padded(text: _Text) -> _Text:
    """Single-spaced text with each word given its own leading and trailing space."""
    return (" " + text.str.replace_all(" ", "  ", literal=True) + " ")


def _unpad(text: _Text) -> _Text:
    """Back to single spaces, trimmed (any whitespace run becomes one space)."""
    return text.str.replace_all(r"\s+", " ").str.strip_chars()


def tokenise(core: str) -> tuple[str, ...]:
    """Words of a normalised name; runs of CJK characters become character bigrams."""
    if core.isascii():  # fast path: no CJK (the same result as below)
        return tuple(dict.fromkeys(core.split()))
    tokens: list[str] = []
    for word in core.split():
        if has_cjk(word) and len(word) > 1:
            tokens.extend(word[i : i + 2] for i in range(len(word) - 1))
        else:
            tokens.append(word)
    return tuple(dict.fromkeys(tokens))


@lru_cache(maxsize=1)
def default_normaliser() -> NameNormaliser:
    """The normaliser built from the embedded tables (tables are read once)."""
    return NameNormaliser()


def token_weights(
    token_lists: Iterable[tuple[str, ...]], generic_weight: dict[str, float]
) -> dict[str, float]:
    """IDF weight of each token over the listed names, times its generic-word weight.

    Rare words (a company's trade name) weigh about 1; words many listed names share, and
    words in `name_generic_tokens.csv` (places, industries), weigh little.
    """
    lists = [set(t) for t in token_lists]
    n = max(len(lists), 1)
    df = Counter(tok for toks in lists for tok in toks)
    top = math.log(1 + n)
    return {
        tok: (math.log(1 + n / count) / top) * generic_weight.get(tok, 1.0)
        for tok, count in df.items()
    }


def derived_names(name: str) -> list[str]:
    """Shorter forms a list entry is also known by: without parentheses or trailing clauses.

    "Hoshine Silicon Industry Co., Ltd. and its subsidiaries" → "Hoshine Silicon Industry
    Co., Ltd."; "Tunago No. 61 (fishing vessel)" → "Tunago No. 61"; "A; B" → "A", "B".
    """
    out: list[str] = []
    for part in (p.strip() for p in name.split(";")):
        if not part:
            continue
        out.append(part)
        no_paren = _SPACES.sub(" ", _PAREN.sub(" ", part)).strip(" ,")
        out.append(no_paren)
        trimmed = re.split(
            r",?\s+(?:and\s+)?(?:its|their)\s+|,\s+including\s+", no_paren, maxsplit=1
        )[0].strip(" ,")
        out.append(trimmed)
    return [o for o in dict.fromkeys(out) if o and o != name]
