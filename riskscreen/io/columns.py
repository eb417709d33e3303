"""Find the header row of a sheet and which column plays which role (name, country, product...).

Both decisions are driven by `reference/header_synonyms.csv` (role, synonym, lang, priority):
header spellings in many languages, compared after case, accent and punctuation folding.

Matching a header to a role, best first:

1. ``exact``     the folded header equals a folded synonym ("Lieferant" -> name);
2. ``stripped``  equal once bracketed units are dropped ("Amount (EUR)" -> spend);
3. ``fuzzy``     rapidfuzz ratio >= `header_fuzzy_cutoff` from `input_limits.csv` (typos);
4. ``contains``  a synonym's words appear inside a longer header ("Supplier country" -> country),
                 unless the header also contains a role-``none`` word ("Supplier e-mail").

Each role takes at most one column and each column at most one role: candidates are assigned
greedily by (match kind, synonym priority, score, leftmost). Priority lets "Country of origin"
win the country role over a plain "Country" (often the buyer-side address country).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import polars as pl
from rapidfuzz import fuzz, process

from riskscreen.errors import InputError, RiskscreenError
from riskscreen.io.read_limits import int_limit, limit
from riskscreen.match.normalise import normalise
from riskscreen.tables import read_table

ROLES: tuple[str, ...] = ("name", "country", "product", "hs_code", "address", "spend", "vendor_id")
"""Column roles the pipeline understands; `vendor_id` is optional and never required."""

SCREENABLE: tuple[str, ...] = ("name", "country", "product")
"""At least one of these is needed: names go to the watchlists, country/product to ILAB data."""

_KIND_RANK = {"exact": 4, "stripped": 3, "fuzzy": 2, "contains": 1}
_BRACKETS = re.compile(r"[\(\[\{][^\)\]\}]*[\)\]\}]")
_NUMBER = re.compile(r"^[+-]?[\d\s.,']+%?$")
_DATE = re.compile(r"^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}([ T]\d{1,2}:\d{2}(:\d{2})?)?$")


def fold(text: str) -> str:
    """Fold a header for comparison: the matchers' `normalise`, with '#', '°' and 'º' read as
    'no' (`Vendor #`, `N° fournisseur`)."""
    return normalise(text.replace("#", " no ").replace("°", "o").replace("º", "o"))


@dataclass(frozen=True)
class _Synonyms:
    exact: dict[str, tuple[str, str, int]]  # folded synonym -> (role, label, priority)
    keys: tuple[str, ...]  # folded synonyms, one entry per (role, synonym) row
    meta: tuple[tuple[str, str, int], ...]  # (role, label, priority), parallel to keys
    veto: frozenset[str]  # folded role-"none" synonyms (single words or phrases)


@lru_cache(maxsize=1)
def _synonyms() -> _Synonyms:
    table = read_table("header_synonyms")
    exact: dict[str, tuple[str, str, int]] = {}
    keys: list[str] = []
    meta: list[tuple[str, str, int]] = []
    veto: set[str] = set()
    for role, syn, lang, prio in table.select("role", "synonym", "lang", "priority").iter_rows():
        if not role or not syn:
            continue
        key = fold(syn)
        if role.strip() == "none":
            veto.add(key)
            continue
        label = f"synonym '{syn}' ({lang})"
        priority = int(prio) if prio else 0
        old = exact.get(key)
        if old is None or priority > old[2]:
            exact[key] = (role.strip(), label, priority)
        keys.append(key)
        meta.append((role.strip(), label, priority))
    return _Synonyms(exact, tuple(keys), tuple(meta), frozenset(veto))


def _ngrams(tokens: Sequence[str]) -> set[str]:
    """Every contiguous run of tokens shorter than the whole header, joined by spaces."""
    n = len(tokens)
    return {" ".join(tokens[i:j]) for i in range(n) for j in range(i + 1, n + 1) if j - i < n}


@lru_cache(maxsize=4096)
def header_candidates(header: str) -> tuple[tuple[tuple[int, int, float], str, str], ...]:
    """Roles this header could play: ((kind rank, priority, score), role, how), best first."""
    syn = _synonyms()
    key = fold(header)
    if not key:
        return ()
    out: list[tuple[tuple[int, int, float], str, str]] = []
    hit = syn.exact.get(key)
    if hit:
        out.append(((_KIND_RANK["exact"], hit[2], 100.0), hit[0], hit[1]))
    stripped = fold(_BRACKETS.sub(" ", header))
    if stripped and stripped != key and stripped in syn.exact:
        role, label, prio = syn.exact[stripped]
        out.append(((_KIND_RANK["stripped"], prio, 95.0), role, label))
    if key in syn.veto:
        return tuple(out)
    fuzzy: set[int] = set()
    if len(key) >= 4:
        for _, score, i in process.extract(
            key, syn.keys, scorer=fuzz.ratio, score_cutoff=limit("header_fuzzy_cutoff"), limit=None
        ):
            if syn.keys[i] != key and len(syn.keys[i]) >= 4:
                role, label, prio = syn.meta[i]
                how = f"{label}, fuzzy {score:.0f}"
                out.append(((_KIND_RANK["fuzzy"], prio, score), role, how))
                fuzzy.add(i)
    tokens = key.split()
    grams = _ngrams(tokens)
    if grams and not syn.veto & grams:
        for i, k in enumerate(syn.keys):
            if i in fuzzy or k not in grams:
                continue
            role, label, prio = syn.meta[i]
            n = len(k.split())
            score = 60 + 30 * n / len(tokens) - (10 if role == "name" and n == 1 else 0)
            out.append(((_KIND_RANK["contains"], prio, score), role, f"{label}, inside the header"))
    out.sort(key=lambda c: c[0], reverse=True)
    return tuple(out)


def header_row_score(cells: Sequence[str | None], width: int) -> float:
    """How much a row looks like a header: synonym matches weigh most, plain labels a little.

    Numbers and dates count against a row; a lone cell in a wide sheet (a title) scores very low.
    """
    values = [c.strip() for c in cells if c is not None and c.strip()]
    if not values:
        return float("-inf")
    score = 0.0
    for v in values:
        if _NUMBER.match(v) or _DATE.match(v):
            score -= 2
            continue
        cands = header_candidates(v) if len(v) <= 80 else []
        if cands and cands[0][0][0] >= _KIND_RANK["fuzzy"]:
            score += 10
        elif cands:
            score += 4
        elif len(v) <= 80:
            score += 1
    if len(values) == 1 and width > 1:
        score -= 100
    if len(set(values)) < len(values):
        score -= len(values) - len(set(values))
    return score


def find_header_row(rows: Sequence[Sequence[str | None]]) -> int | None:
    """Index (0-based, into `rows`) of the most header-like row, or None when all are empty.

    `rows` are the first `header_scan_rows` rows of the sheet (title rows, blank rows, merged
    banner cells and the real header); ties go to the earliest row.
    """
    width = max((sum(1 for c in r if c is not None and str(c).strip()) for r in rows), default=0)
    best: int | None = None
    best_score = float("-inf")
    for i, row in enumerate(rows):
        s = header_row_score(row, width)
        if s > best_score:
            best, best_score = i, s
    return best


@dataclass(frozen=True)
class ColumnRoles:
    """Which column (by header, exactly as in the frame) plays each role; None when absent."""

    name: str | None = None
    country: str | None = None
    product: str | None = None
    hs_code: str | None = None
    address: str | None = None
    spend: str | None = None
    vendor_id: str | None = None
    how: dict[str, str] = field(default_factory=dict)
    headers: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, str | None]:
        """role -> column header (None when not found)."""
        return {r: getattr(self, r) for r in ROLES}

    def found(self) -> dict[str, str]:
        """Only the roles that have a column."""
        return {r: c for r, c in self.as_dict().items() if c is not None}


def _quote_list(headers: Sequence[str]) -> str:
    return ", ".join(f"'{h}'" for h in headers) if headers else "(none)"


def _resolve_override(role: str, wanted: str, headers: Sequence[str]) -> str:
    if wanted in headers:
        return wanted
    folded = [h for h in headers if fold(h) == fold(wanted)]
    if len(folded) == 1:
        return folded[0]
    raise InputError(
        f"column '{wanted}' given for {role} is not in the file; the headers found are: "
        f"{_quote_list(headers)}"
    )


@lru_cache(maxsize=1)
def _country_values() -> frozenset[str] | None:
    """Folded country names and letter codes from the reference tables (None if not built).

    Numeric codes are left out: a column of numbers is not a country column.
    """
    values: set[str] = set()
    for table, cols in (("country_names", ("name",)), ("countries", ("iso3", "iso2", "name"))):
        try:
            frame = read_table(table)
        except RiskscreenError:
            continue
        for c in cols:
            if c in frame.columns:
                values.update(fold(v) for v in frame[c].drop_nulls().to_list())
    values = {v for v in values if v and not v.isdigit()}
    return frozenset(values) or None


def _content_country(frame: pl.DataFrame, columns: Sequence[str]) -> str | None:
    """The first column whose sampled values are mostly country names or codes."""
    if not columns:
        return None
    known = _country_values()
    if known is None:
        return None
    sample = frame.head(int_limit("content_sample_rows"))
    share_needed = limit("content_min_share")
    for col in columns:
        values = sample.get_column(col).rename("_v").drop_nulls().unique().to_list()
        values = [fold(str(v)) for v in values if str(v).strip()]
        if len(values) >= 2 and sum(v in known for v in values) / len(values) >= share_needed:
            return col
    return None


def detect_columns(
    headers: Sequence[str],
    *,
    overrides: Mapping[str, str | None] | None = None,
    frame: pl.DataFrame | None = None,
    fallback: Sequence[str] = (),
    ignore: Sequence[str] = (),
) -> ColumnRoles:
    """Assign roles to columns from their headers (and, for country, optionally their content).

    `overrides` maps role -> header (from --name-col and friends) and always wins ("" means no
    column plays that role, None means detect it); an unknown
    role or a header not in `headers` raises InputError listing what exists. `frame` enables the
    content fallback for the country role when no header matched it. Headers in `fallback` take
    only roles no other header takes; headers in `ignore` take none unless overridden (a
    re-screened report's earlier results, renamed '<name> (input)').
    """
    headers = [h for h in headers if h != "row_id"]
    later, skip = set(fallback), set(ignore)
    chosen: dict[str, str] = {}
    how: dict[str, str] = {}
    notes: list[str] = []
    for role, wanted in (overrides or {}).items():
        if role not in ROLES:
            raise InputError(f"unknown column role '{role}'; roles are: {', '.join(ROLES)}")
        if wanted is None:
            continue
        if str(wanted) == "":  # the user says: no column plays this role
            chosen[role] = ""
            how[role] = "override: none"
            continue
        col = _resolve_override(role, str(wanted), headers)
        if col in chosen.values():
            other = next(r for r, c in chosen.items() if c == col)
            raise InputError(f"column '{col}' was given for both {other} and {role}")
        chosen[role] = col
        how[role] = "override"

    candidates: list[tuple[tuple[int, int, float, int], str, str, str]] = []
    for idx, header in enumerate(headers):
        if header in skip:
            continue
        for rank, role, label in header_candidates(header):
            candidates.append(((header not in later, *rank, -idx), role, header, label))
    candidates.sort(key=lambda c: c[0], reverse=True)
    for _, role, header, label in candidates:
        if role in chosen or header in chosen.values():
            continue
        chosen[role] = header
        how[role] = label

    if "country" not in chosen and frame is not None:
        free = [h for h in headers
                if h not in chosen.values() and h in frame.columns and h not in skip]
        free.sort(key=lambda h: h in later)  # stable: file order, fallback headers last
        col = _content_country(frame, free)
        if col is not None:
            chosen["country"] = col
            how["country"] = "content (values look like countries)"
            if fold(col) in (_country_values() or ()):
                notes.append(
                    f"the header '{col}' is itself a country: the file may have no header row, "
                    "so its first supplier was read as the header; add a header row"
                )

    return ColumnRoles(
        **{r: chosen.get(r) or None for r in ROLES}, how=how, headers=tuple(headers),
        notes=tuple(notes),
    )


def require_roles(
    roles: ColumnRoles, *, any_of: Sequence[str] = SCREENABLE, source: str | None = None
) -> None:
    """Raise InputError unless at least one of `any_of` has a column.

    The pipeline can screen with a name alone (watchlists), a country alone or a product alone,
    so by default one of name/country/product is enough. The message lists the headers found and
    shows how to map them by hand.
    """
    if any(getattr(roles, r) is not None for r in any_of):
        return
    where = f"{source}: " if source else ""
    wanted = " or ".join(r.replace("_", " ") for r in any_of)
    example = " ".join(
        f"--{r.replace('_', '-')}-col '{h}'" for r, h in zip(any_of, roles.headers, strict=False)
    )
    raise InputError(
        f"{where}no {wanted} column recognised among the headers {_quote_list(roles.headers)}; "
        f"say which column is which, e.g. {example or '--name-col NAME'} (and if the first "
        "row is data rather than headers, add a header row)"
    )
