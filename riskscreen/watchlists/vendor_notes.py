"""Strip the notes vendor masters keep inside a name field before the name is screened.

ERP supplier records mark blocked, obsolete or duplicate vendors in the name itself
("Xinjiang Zhongtai Chemical Co - DO NOT USE", "ZZ Hoshine Silicon [inactive]", "… Kreditor
70012", "…（停用）"). Such notes hide a listed company from name matching, so they are removed
first; the patterns live in `reference/vendor_notes.csv` (see its header for `where`).
Only names where the note grammar matches at all (vectorised polars tests) are parsed in
Python, and the grammar's Python regexes are compiled only when a name is parsed (compiling them
costs a tenth of a second at start-up, and most lists hold no note at all).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache

import polars as pl

from riskscreen.errors import ReferenceError_
from riskscreen.tables import read_table

__all__ = ["NoteStripper", "default_stripper", "strip_note_series", "strip_notes"]

_SEPCH_SET = r"\-–—:;,/|*!~=+_.\\"
_SEPCH = rf"[{_SEPCH_SET}]"
_SEP = rf"\s*{_SEPCH}+\s*"
_LINK = rf"\s*{_SEPCH}*\s*"
_TRAIL = rf"[\s{_SEPCH_SET}]*"
# A record number after a note: "duplicate of 100234", "see #4455", "blocked 2019".
_REF = (
    r"(?:\s*[-:#]?\s*(?:of|see|use|by|->|→)?\s*(?:vendor|supplier|v)?\s*[#:]?\s*"
    r"[a-z]{0,2}-?\d{3,})?"
)
_OPEN, _CLOSE = r"[(\[{（【<「]", r"[)\]}）】>」]"


def _alternation(patterns: Sequence[str]) -> str:
    return "(?:" + "|".join(f"(?:{p})" for p in patterns) + ")" if patterns else "(?!x)x"


@dataclass(frozen=True)
class NoteStripper:
    """The note grammar built from the table (brackets, tails, heads, prefixes): the polars
    (Rust) screens, and the Python patterns that parse a name, compiled on first use."""

    screen: str  # polars (Rust) regex: does a name hold a note word where a note can start?
    rust_grammar: tuple[str, ...]  # the note grammar as polars regexes (see `grammar`)
    sources: tuple[str, str, str]  # Python regexes (case-insensitive): bracket, tail, head

    @classmethod
    def from_table(cls, table: pl.DataFrame) -> NoteStripper:
        """Build from rows of (pattern, where); `where` is any / marked / prefix.

        A pattern Rust rejects (the note-word screen runs there) is a `ReferenceError_` here;
        one only Python rejects is the same error when a name is first parsed (`compiled`; a
        test compiles the shipped table)."""
        by_where: dict[str, list[str]] = {"any": [], "marked": [], "prefix": []}
        for pattern, where in table.select("pattern", "where").iter_rows():
            if not pattern:
                continue
            if where not in by_where:
                raise ReferenceError_(
                    f"vendor_notes.csv: where must be any, marked or prefix, not {where!r}"
                )
            by_where[where].append(pattern)
        bare = _alternation(by_where["any"]) + _REF
        every = _alternation(by_where["any"] + by_where["marked"]) + _REF
        prefix = _alternation(by_where["prefix"])
        seq = rf"{every}(?:{_LINK}{every})*"
        bracket = rf"\s*{_OPEN}\s*{seq}\s*{_CLOSE}"
        tail = rf"(?:{_SEP}{seq}|\s+{bare}(?:{_LINK}{every})*){_TRAIL}$"
        head = rf"^{_TRAIL}(?:{seq}{_SEP}|{bare}(?:{_LINK}{every})*\s+|{prefix}\s*)"
        # Every note the grammar reads starts the name or follows a space, separator or
        # bracket: a note word inside a word ("ver" in "Silverline") cannot start one.
        screen = r"(?i)(?:^|[^\p{L}\p{N}])" + _alternation(
            by_where["any"] + by_where["marked"] + by_where["prefix"])
        try:  # every pattern once, in the engine the screen runs on (a few milliseconds)
            pl.Series(["x"]).str.contains(screen)
        except pl.exceptions.PolarsError as exc:
            raise ReferenceError_(f"vendor_notes.csv: a pattern is not valid ({exc})") from exc
        # A name can change only where one of the three patterns matches: the same grammar as
        # three Rust regexes narrows the note-word screen. Each drops its leading optional
        # spaces (the same names contain a match) and they run apart: as one alternation Rust's
        # engine tried every position (≈ 8x slower).
        rust_grammar = (
            rf"(?i){_OPEN}\s*{seq}\s*{_CLOSE}",
            rf"(?i)(?:{_SEPCH}+\s*{seq}|\s{bare}(?:{_LINK}{every})*){_TRAIL}$",
            f"(?i){head}",
        )
        return cls(screen=screen, rust_grammar=rust_grammar, sources=(bracket, tail, head))

    @cached_property
    def grammar(self) -> tuple[str, ...] | None:
        """The Rust note grammar, or None when Rust cannot compile it (every name the screen
        passes is then parsed in Python). Checked on first use: compiling it takes ≈ 40 ms."""
        try:
            for pattern in self.rust_grammar:
                pl.Series(["x"]).str.contains(pattern)
        except pl.exceptions.PolarsError:
            return None
        return self.rust_grammar

    @cached_property
    def compiled(self) -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
        """The Python bracket, tail and head patterns, compiled when a name is first parsed."""
        try:
            bracket, tail, head = (re.compile(p, re.IGNORECASE) for p in self.sources)
        except re.error as exc:
            raise ReferenceError_(f"vendor_notes.csv: a pattern is not valid ({exc})") from exc
        return bracket, tail, head

    def strip(self, name: str) -> tuple[str, tuple[str, ...]]:
        """`name` without its notes, and the notes removed (in the order found)."""
        bracket, tail, head = self.compiled
        notes: list[str] = []
        text = name
        for _ in range(4):  # notes may wrap notes: "ZZ X (old) - DO NOT USE"
            before = text
            for found in bracket.findall(text):
                notes.append(found)
            text = bracket.sub(" ", text)
            for rx in (tail, head):
                match = rx.search(text)
                if match and match.group(0).strip():
                    notes.append(match.group(0))
                    text = text[: match.start()] + " " + text[match.end() :]
            if text == before:
                break
        cleaned = re.sub(r"\s+", " ", text).strip(" -–—:;,/|*!~=+_\\")
        if not re.search(r"\w", cleaned):
            return name, ()  # the whole field is a note: keep it as written
        kept = tuple(
            n for n in (re.sub(r"\s+", " ", n).strip(" -–—:;,/|*!~=+_\\()[]{}（）【】<>「」")
                        for n in notes) if n
        )
        return cleaned, kept


@lru_cache(maxsize=1)
def default_stripper() -> NoteStripper:
    """The stripper built from `reference/vendor_notes.csv` (read once)."""
    return NoteStripper.from_table(read_table("vendor_notes"))


def strip_notes(names: Sequence[str]) -> tuple[list[str], list[str | None]]:
    """Names without vendor-master notes, and per name the notes removed ("; "-joined) or None.

    The presence test runs once over all names in polars; only names with a note word are
    parsed further.
    """
    cleaned, notes = strip_note_series(pl.Series(list(names), dtype=pl.String))
    return cleaned.to_list(), notes.to_list()


def strip_note_series(names: pl.Series) -> tuple[pl.Series, pl.Series]:
    """`strip_notes` of a Series, as Series (cleaned names, notes): a batch of names stays in
    polars (turning 50,000 names into Python strings and back costs more than the screen)."""
    stripper = default_stripper()
    cleaned = names.cast(pl.String)
    notes = pl.Series(names.name, [None] * len(names), dtype=pl.String)
    if not len(cleaned):
        return cleaned, notes
    candidates = cleaned.str.contains(stripper.screen).fill_null(False).arg_true()
    if len(candidates) and stripper.grammar is not None:
        # Python's \s also takes U+001C..U+001F, Rust's does not: read them as spaces here.
        text = cleaned.gather(candidates).str.replace_all(r"[\x1c-\x1f]", " ")
        grammar = pl.select(pl.any_horizontal(
            pl.lit(text).str.contains(p) for p in stripper.grammar)).to_series().fill_null(False)
        candidates = candidates.filter(grammar)
    if not len(candidates):
        return cleaned, notes
    parsed = [stripper.strip(name) for name in cleaned.gather(candidates).to_list()]
    found = [i for i, (_, notes_found) in enumerate(parsed) if notes_found]
    rows = candidates.gather(found)
    cleaned = cleaned.scatter(rows, pl.Series([parsed[i][0] for i in found], dtype=pl.String))
    notes = notes.scatter(
        rows, pl.Series(["; ".join(parsed[i][1]) for i in found], dtype=pl.String))
    return cleaned, notes
