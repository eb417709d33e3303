"""Strip the notes vendor masters keep inside a name field before the name is screened.

ERP supplier records mark blocked, obsolete or duplicate vendors in the name itself
("Xinjiang Zhongtai Chemical Co - DO NOT USE", "ZZ Hoshine Silicon [inactive]", "… Kreditor
70012", "…（停用）"). Such notes hide a listed company from name matching, so they are removed
first; the patterns live in `reference/vendor_notes.csv` (see its header for `where`).
Only names where the note grammar matches at all (vectorised polars tests) are parsed in
Python.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import polars as pl

from riskscreen.errors import ReferenceError_
from riskscreen.tables import read_table

__all__ = ["NoteStripper", "default_stripper", "strip_notes"]

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
    """Compiled note grammar built from the table (brackets, tails, heads, prefixes)."""

    screen: str  # polars (Rust) regex: does a name hold any note word at all?
    # polars regexes: does the note grammar match (any of them; None: Rust cannot say)?
    grammar: tuple[str, ...] | None
    bracket: re.Pattern[str]
    tail: re.Pattern[str]
    head: re.Pattern[str]

    @classmethod
    def from_table(cls, table: pl.DataFrame) -> NoteStripper:
        """Build from rows of (pattern, where); `where` is any / marked / prefix."""
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
        flags = re.IGNORECASE
        bracket = rf"\s*{_OPEN}\s*{seq}\s*{_CLOSE}"
        tail = rf"(?:{_SEP}{seq}|\s+{bare}(?:{_LINK}{every})*){_TRAIL}$"
        head = rf"^{_TRAIL}(?:{seq}{_SEP}|{bare}(?:{_LINK}{every})*\s+|{prefix}\s*)"
        try:
            compiled = [re.compile(p, flags) for p in (bracket, tail, head)]
        except re.error as exc:
            raise ReferenceError_(f"vendor_notes.csv: a pattern is not valid ({exc})") from exc
        # A name can change only where one of the three patterns matches: the same grammar as
        # three Rust regexes (None when Rust cannot compile them) narrows the note-word screen.
        # Each drops its leading optional spaces (the same names contain a match) and they run
        # apart: as one alternation Rust's engine tried every position (≈ 8x slower).
        grammar: tuple[str, ...] | None = (
            rf"(?i){_OPEN}\s*{seq}\s*{_CLOSE}",
            rf"(?i)(?:{_SEPCH}+\s*{seq}|\s{bare}(?:{_LINK}{every})*){_TRAIL}$",
            f"(?i){head}",
        )
        try:
            for pattern in grammar:
                pl.Series(["x"]).str.contains(pattern)
        except pl.exceptions.PolarsError:
            grammar = None
        return cls(
            screen="(?i)" + _alternation(by_where["any"] + by_where["marked"] + by_where["prefix"]),
            grammar=grammar, bracket=compiled[0], tail=compiled[1], head=compiled[2],
        )

    def strip(self, name: str) -> tuple[str, tuple[str, ...]]:
        """`name` without its notes, and the notes removed (in the order found)."""
        notes: list[str] = []
        text = name
        for _ in range(4):  # notes may wrap notes: "ZZ X (old) - DO NOT USE"
            before = text
            for found in self.bracket.findall(text):
                notes.append(found)
            text = self.bracket.sub(" ", text)
            for rx in (self.tail, self.head):
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
    stripper = default_stripper()
    cleaned = list(names)
    notes: list[str | None] = [None] * len(cleaned)
    if not cleaned:
        return cleaned, notes
    series = pl.Series(cleaned, dtype=pl.String)
    candidates = series.str.contains(stripper.screen).fill_null(False).arg_true()
    if stripper.grammar is not None and len(candidates):
        # Python's \s also takes U+001C..U+001F, Rust's does not: read them as spaces here.
        text = series.gather(candidates).str.replace_all(r"[\x1c-\x1f]", " ")
        grammar = pl.select(pl.any_horizontal(
            pl.lit(text).str.contains(p) for p in stripper.grammar)).to_series().fill_null(False)
        candidates = candidates.filter(grammar)
    for i in candidates.to_list():
        text, found = stripper.strip(cleaned[i])
        if found:
            cleaned[i], notes[i] = text, "; ".join(found)
    return cleaned, notes
