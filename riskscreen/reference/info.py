"""A readable summary of the reference data's provenance, for `riskscreen reference info`."""

from __future__ import annotations

from typing import Any

from riskscreen.reference.load import load_reference
from riskscreen.tables import read_table


def _watchlist_line(entry: dict[str, Any]) -> str:
    if "skipped" in entry:
        return f"  - (not built: {entry['skipped']})"
    name = entry.get("name") or entry.get("list_id") or entry.get("table") or "watchlist"
    bits = [f"as of {entry['as_of']}" if entry.get("as_of") else "as-of date unknown"]
    if entry.get("entries") is not None:
        bits.append(f"{entry['entries']} entries")
    if entry.get("partial"):
        bits.append("PARTIAL")
    if entry.get("sha256"):
        bits.append(f"sha256 {entry['sha256'][:12]}")
    line = f"  - {name} ({entry.get('publisher', 'publisher unknown')}): " + ", ".join(bits)
    return line + (f"\n      {entry['note']}" if entry.get("note") else "")


def _fao_lines(entry: dict[str, Any] | None) -> list[str]:
    """The FAO production source: file, package, checksum, coverage, publisher and licence."""
    if not entry:
        return ["  FAO production: not recorded (folder built before the FAO table)"]
    if "rows" not in entry:
        return [f"  FAO production: not built ({entry.get('skipped', '?')})"]
    package = entry.get("package")
    origin = f" from {package} {entry.get('package_version', '')}".rstrip() if package else ""
    years = entry.get("years") or ["?"]
    lines = [
        f"  FAO production  {entry.get('source_file', '?')}{origin}  "
        f"sha256 {str(entry.get('sha256', '?'))[:12]}  {entry.get('dataset', '?')}, "
        f"{years[0]}-{years[-1]}; {entry['rows']} rows, {entry.get('countries', '?')} countries",
        f"      {entry.get('publisher', '?')}; {entry.get('licence', '?')}",
    ]
    if entry.get("source"):
        lines.append(f"      {entry['source']}")
    return lines


def _labels() -> dict[str, dict[str, str]]:
    return {r["edition"]: r for r in read_table("list_editions").iter_rows(named=True)}


def _label(edition: str, kind: str) -> tuple[str, str]:
    """('2022 List', note) for a goods file, ('2022 Findings', '') for a countries file."""
    row = _labels().get(str(edition))
    if row is None:
        return f"edition {edition}", ""
    if kind != "goods":
        return row["findings_label"], ""
    return row.get("file_label") or row["list_label"], row.get("note") or ""


def _edition_lines(m: dict[str, Any]) -> list[str]:
    """The newest List and Findings, and the listing history, by the names ILAB uses."""
    newest = str(m.get("newest_edition"))
    lists = _labels().get(newest, {}).get("list_label") or f"edition {newest}"
    findings, _ = _label(newest, "countries")
    history = list(dict.fromkeys(_labels().get(str(e), {}).get("list_label") or f"edition {e}"
                                 for e in m.get("listing_editions", [])))
    goods_file = next((s["source_file"] for s in m.get("sources", [])
                       if str(s.get("edition")) == newest and s.get("kind") == "goods"), "?")
    return [
        f"Newest List of Goods: the {lists} (data edition {newest}, {goods_file}); "
        f"newest Findings: the {findings}",
        f"Listing history: {', '.join(history)}",
    ]


def reference_info(reference: Any = None) -> str:
    """Text of the manifest: editions, sources (ILAB and FAO), publisher, licence, hashes, rows,
    watchlists."""
    if reference is None:
        reference = load_reference()
    m = reference.manifest
    lines = [
        f"riskscreen reference data (built {m.get('built', '?')} by riskscreen "
        f"{m.get('tool_version', '?')})",
        f"Publisher: {m.get('publisher', '?')}",
        f"Licence:   {m.get('licence', '?')}",
        f"Origin:    {m.get('origin', '?')}",
        *_edition_lines(m),
        "",
        "Sources (named as ILAB names them; the data edition is the file's own label):",
    ]
    for s in m.get("sources", []):
        year = f", reports on {s['reporting_year']}" if s.get("reporting_year") else ""
        label, note = _label(s["edition"], s["kind"])
        lines.append(
            f"  {label:<22} {s['source_file']:<19} sha256 {s['sha256'][:12]}  "
            f"{s.get('publication') or 'publication unknown'} "
            f"(published {s.get('published') or '?'}"
            f"{year}); {s['rows']} rows"
        )
        if note and s["kind"] == "goods":
            lines.append(f"      {note}")
    lines += _fao_lines(m.get("fao_production"))
    lines += ["", "Tables:"]
    for t in m.get("tables", {}).values():
        lines.append(f"  {t['file']:<24} {t['rows']:>6} rows  sha256 {t['sha256'][:12]}")
    names = m.get("country_names") or {}
    if names:
        lines += ["", "Country names:"]
        if "skipped" in names:
            lines.append(f"  (not built: {names['skipped']})")
        else:
            lines.append(
                f"  {names.get('table', 'country_names.csv')}: {names.get('rows', '?')} rows, "
                f"{len(names.get('languages', []))} languages, "
                f"CLDR {names.get('cldr_version', '?')}"
            )
    lines += ["", "Watchlists:"]
    lines += [_watchlist_line(w) for w in m.get("watchlists", [])] or ["  (none)"]
    return "\n".join(lines) + "\n"
