"""The Excel report (issue 7): sheets, safety against formula injection, determinism, atomicity."""

from __future__ import annotations

import csv
import datetime
import os
import random
import re
import shutil
import subprocess
import tempfile
import threading
import time
import zipfile
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from riskscreen.errors import InputError, RiskscreenError
from riskscreen.io import report_sheetdata
from riskscreen.io.atomic import atomic_output
from riskscreen.io.report import SHEET_NAMES, write_report, write_sheet_workbook
from riskscreen.io.report_method import NOTE
from riskscreen.io.report_safe import clean_text
from riskscreen.io.report_spend import parse_amount, parse_spend_column
from riskscreen.io.report_zip import prefetch
from riskscreen.io.tables_out import write_table
from riskscreen.tiers import tier_table

ORIGINAL = ["Supplier name", "Country", "Product", "Annual spend", "Notes"]
PAYLOADS = [
    '=HYPERLINK("http://evil.example/x","click")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A9)",
    "\tTabbed",
    "\rCarriage",
    "=1+1",
]
TIERS = ["critical", "high", "medium", "low", "unknown"]
TIER_SCORE = {
    "critical": (90, 100),
    "high": (70, 89),
    "medium": (40, 69),
    "low": (1, 39),
    "unknown": (0, 0),
}
COUNTRIES = [
    ("Viet Nam", "VNM", "Asia & Pacific", "vietnam"),
    ("Côte d'Ivoire", "CIV", "Sub-Saharan Africa", "cote-divoire"),
    ("China", "CHN", "Asia & Pacific", "china"),
    ("Brazil", "BRA", "Latin America & Caribbean", "brazil"),
    ("Deutschland", "DEU", "Europe", None),
]
META = {
    "reference_built": "2024-09-05T10:00:00Z",
    "reference": {"edition": "2024", "sources": ["ILAB List of Goods 2024", "ILAB TVPRA XML"]},
    "model": {"version": "m-1", "metrics": {"roc_auc": 0.91, "brier": 0.07}},
    "thresholds": {"tier_high": 70, "review_confidence": 0.85},
    "input_file": "suppliers.xlsx",
    "input_sha256": "ab" * 32,
    "watchlists": [{"name": "UFLPA Entity List", "edition": "2024-08-01"}, {"name": "CBP WRO"}],
    "tool_version": "riskscreen 0.1.0",
}


def make_frame(n: int = 240, seed: int = 7) -> pl.DataFrame:
    """A realistic screened frame: mixed tiers, nulls, injection payloads, spend text, unicode."""
    rng = random.Random(seed)
    rows = []
    spends = ["1,234.50", "€ 1.234,50", "12 000", "n/a", None, "USD 5,000", "(300)", "7.5k"]
    for i in range(1, n + 1):
        tier = TIERS[i % 5] if i > 5 else TIERS[i - 1]
        lo, hi = TIER_SCORE[tier]
        country, iso3, region, slug = COUNTRIES[rng.randrange(len(COUNTRIES))]
        name = f"Supplier {i} GmbH"
        if i <= len(PAYLOADS):
            name = PAYLOADS[i - 1]
        elif i == 20:
            name = "Bell\x07Co\x00 Ltd \ufffe"
        elif i == 21:
            name = "株式会社 Ünïcødé 🚀 & <Partners>"
        elif i == 22:
            name = "  padded  "
        elif i == 23:
            name = "_x0041_ literal"
        review = i % 7 == 0
        url = (
            None
            if slug is None
            else (f"https://www.dol.gov/agencies/ilab/resources/reports/child-labor/{slug}")
        )
        if i == 30:
            url = "javascript:alert(1)"
        rows.append(
            {
                "Supplier name": name,
                "Country": None if i % 11 == 0 else country,
                "Product": rng.choice(["cotton", "Cocoa beans", "=CMD()", "shirts", None]),
                "Annual spend": spends[i % len(spends)],
                "Notes": "" if i % 3 else "long note " * rng.randrange(1, 30),
                "row_id": i,
                "country_iso3": None if i % 11 == 0 else iso3,
                "country_name": None if i % 11 == 0 else country,
                "country_confidence": None if i % 11 == 0 else round(rng.uniform(0.5, 1.0), 3),
                "country_method": "alias",
                "country_candidates": "Cote d'Ivoire (0.82); Guinea (0.41)" if review else None,
                "region": region,
                "good": "Cotton",
                "good_id": "cotton",
                "good_confidence": 0.9,
                "good_method": "keyword",
                "good_candidates": "Cotton (0.71); Garments (0.60)" if review else None,
                "sector": "Agriculture",
                "listed_child_labour": tier == "critical",
                "listed_forced_labour": None if tier == "unknown" else tier in ("critical", "high"),
                "listing_edition": "2024",
                "p_child_labour": None if tier == "unknown" else rng.random(),
                "p_forced_labour": float("nan") if i == 9 else rng.random(),
                "country_assessed": True,
                "watchlist_name": "=EVIL ENTITY" if i == 12 else None,
                "watchlist_source": "UFLPA" if i == 12 else None,
                "watchlist_section": None,
                "watchlist_date": None,
                "watchlist_status": None,
                "watchlist_alias": None,
                "watchlist_score": 97.5 if i == 12 else None,
                "risk_score": 0 if tier == "unknown" else rng.randint(lo, hi),
                "risk_tier": tier,
                "flagged": tier in ("critical", "high"),
                "reasons": "Listed by ILAB for cotton (child labour); model p=0.81",
                "needs_review": review,
                "review_reason": "low country confidence" if review else None,
                "ilab_url": url,
            }
        )
    schema = {c: pl.String for c in ORIGINAL}
    schema |= {
        "row_id": pl.Int64,
        "country_confidence": pl.Float64,
        "good_confidence": pl.Float64,
        "p_child_labour": pl.Float64,
        "p_forced_labour": pl.Float64,
        "watchlist_score": pl.Float64,
        "risk_score": pl.Int64,
    }
    frame = pl.DataFrame(rows, schema_overrides=schema, infer_schema_length=None)
    return frame.sample(fraction=1.0, shuffle=True, seed=seed)  # writer must re-order


@pytest.fixture(scope="module")
def frame() -> pl.DataFrame:
    return make_frame()


@pytest.fixture(scope="module")
def report(tmp_path_factory, frame) -> Path:
    out = tmp_path_factory.mktemp("report") / "screen.xlsx"
    write_report(frame, out, original_columns=ORIGINAL, meta=META, spend_column="Annual spend")
    return out


@pytest.fixture(scope="module")
def book(report):
    return openpyxl.load_workbook(report)


def rows_of(ws) -> list[tuple]:
    return list(ws.iter_rows(values_only=True))


def col_index(ws, header: str) -> int:
    return [c.value for c in ws[1]].index(header)


def test_sheet_names_and_headers(book):
    # no follow-up frame given: no Follow-up sheet (tests/test_followup.py covers it)
    assert book.sheetnames == [t for k, t in SHEET_NAMES.items() if k != "followup"]
    for title in ("Flagged", "All suppliers", "Needs review"):
        headers = [c.value for c in book[title][1]]
        assert headers[: len(ORIGINAL)] == ORIGINAL
        assert headers[len(ORIGINAL)] == "row_id"
        assert len(headers) == len(set(headers))
    headers = [c.value for c in book["All suppliers"][1]]
    assert {
        "risk_tier",
        "risk_score",
        "reasons",
        "ilab_url",
        "spend_value",
    } <= set(headers)
    assert headers.index("risk_tier") < headers.index("review_reason")


def test_row_counts_and_order(book, frame):
    every = rows_of(book["All suppliers"])[1:]
    flagged = rows_of(book["Flagged"])[1:]
    review = rows_of(book["Needs review"])[1:]
    row = len(ORIGINAL)
    assert len(every) == frame.height
    assert [r[row] for r in every] == list(range(1, frame.height + 1))  # input order
    flagged_ids = {r[row] for r in flagged}
    tiers = {r[row]: r[row + 1] for r in every}
    assert flagged_ids == {i for i, t in tiers.items() if t in ("critical", "high")}
    unflagged = [r for r in every if r[row] not in flagged_ids]
    assert len(flagged) + len(unflagged) == frame.height
    scores = [(-r[row + 2], r[row]) for r in flagged]
    assert scores == sorted(scores)  # score desc, then row id
    review_ids = [r[row] for r in review]
    assert set(review_ids) <= set(tiers)
    assert review_ids == sorted(frame.filter(pl.col("needs_review"))["row_id"].to_list())
    headers = [c.value for c in book["Needs review"][1]]
    assert {"review_reason", "country_candidates", "good_candidates"} <= set(headers)


def test_original_values_unchanged(book, frame):
    by_id = {r["row_id"]: r for r in frame.iter_rows(named=True)}
    for r in rows_of(book["All suppliers"])[1:]:
        src = by_id[r[len(ORIGINAL)]]
        for i, name in enumerate(ORIGINAL):
            expected = src[name]
            expected = None if expected in (None, "") else clean_text(expected)
            if expected == "_x0041_ literal":
                expected = "_x005F_x0041_ literal"  # openpyxl shows the OOXML escape raw
            assert r[i] == expected, (name, r[i], expected)


def test_no_formulas_anywhere(report, book):
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
    with zipfile.ZipFile(report) as zf:
        sheets = [n for n in zf.namelist() if n.startswith("xl/worksheets/sheet")]
        assert len(sheets) == 6  # Read me, Flagged, All suppliers, Needs review, Summary, Method
        for name in sheets:
            assert not re.search(rb"<(\w+:)?f[ >/]", zf.read(name)), name
        # charts hold <f> cell references, which must only point at the Summary cells
        for name in zf.namelist():
            if name.startswith("xl/charts/"):
                for ref in re.findall(rb"<f>(.*?)</f>", zf.read(name)):
                    assert re.fullmatch(rb"'Summary'!\$?[A-Z]+\$?\d+(:\$?[A-Z]+\$?\d+)?", ref), ref


def test_injection_payloads_readable_and_quote_prefixed(book):
    ws = book["All suppliers"]
    cells = {c.value: c for c in ws["A"][1:]}
    for payload in PAYLOADS:
        cell = cells[payload]
        assert cell.data_type == "s"
        assert cell.quotePrefix, payload
    assert not cells["Supplier 100 GmbH"].quotePrefix
    watch = col_index(ws, "watchlist_name")
    assert any(r[watch] == "=EVIL ENTITY" for r in ws.iter_rows(min_row=2, values_only=True))


def test_illegal_characters_replaced_row_kept(book):
    names = [c.value for c in book["All suppliers"]["A"]]
    assert "Bell\ufffdCo\ufffd Ltd \ufffd" in names
    assert "株式会社 Ünïcødé 🚀 & <Partners>" in names
    assert "  padded  " in names
    assert "\rCarriage" in names


def test_tier_fills_and_formats(book):
    fills = {t.tier: t.fill for t in tier_table()}
    ws = book["All suppliers"]
    tier_col = col_index(ws, "risk_tier")
    p_col = col_index(ws, "p_child_labour")
    conf_col = col_index(ws, "country_confidence")
    spend_col = col_index(ws, "spend_value")
    seen = set()
    for row in ws.iter_rows(min_row=2):
        tier = row[tier_col]
        assert tier.fill.fgColor.rgb[-6:] == fills[tier.value]
        seen.add(tier.value)
        if isinstance(row[p_col].value, float):
            assert row[p_col].number_format == "0%"
        if isinstance(row[conf_col].value, float):
            assert row[conf_col].number_format == "0.00"
        if row[spend_col].value is not None:
            assert row[spend_col].number_format == "#,##0.00"
    assert seen == set(TIERS)
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:{openpyxl.utils.get_column_letter(ws.max_column)}{ws.max_row}"
    widths = [
        ws.column_dimensions[openpyxl.utils.get_column_letter(i)].width
        for i in range(1, ws.max_column + 1)
    ]
    assert all(6 <= w <= 60 for w in widths)


def test_hyperlinks_only_for_web_urls(book):
    ws = book["All suppliers"]
    link_col = col_index(ws, "ilab_url")
    linked = 0
    for row in ws.iter_rows(min_row=2):
        cell = row[link_col]
        if cell.value and cell.value.startswith("https://"):
            assert cell.hyperlink is not None and cell.hyperlink.target == cell.value
            linked += 1
        elif cell.value:
            assert cell.hyperlink is None, cell.value  # javascript: is not linked
    assert linked > 50


def test_hyperlinks_capped_below_excel_limit(tmp_path, frame, monkeypatch):
    monkeypatch.setattr(report_sheetdata, "MAX_LINKS", 10)
    out = write_report(frame, tmp_path / "c.xlsx", original_columns=ORIGINAL, meta=META)
    ws = openpyxl.load_workbook(out)["All suppliers"]
    link_col = col_index(ws, "ilab_url")
    cells = [row[link_col] for row in ws.iter_rows(min_row=2)]
    linked = [c for c in cells if c.hyperlink is not None]
    assert len(linked) == 10 and all(c.style == "Hyperlink" for c in linked)
    plain = [c for c in cells if c.value and c.hyperlink is None]
    assert plain and all(c.style != "Hyperlink" for c in plain)


def test_summary_counts_charts_and_spend(report, book, frame):
    ws = book["Summary"]
    rows = rows_of(ws)
    labels = {t.label: t.tier for t in tier_table()}
    counts = {labels[r[0]]: r[1] for r in rows if r[0] in labels}
    expected = dict(frame.group_by("risk_tier").len().iter_rows())
    assert counts == expected
    total = next(r for r in rows if r[0] == "Total")
    assert total[1] == frame.height
    spend, failed = parse_spend_column(frame["Annual spend"])
    assert total[4] == pytest.approx(spend.sum())
    assert any(isinstance(r[0], str) and r[0].endswith(f": {failed}") for r in rows)
    assert failed == frame["Annual spend"].is_in(["n/a", "7.5k"]).sum()
    assert any(r[0] == "Top countries" for r in rows) and any(r[0] == "Top goods" for r in rows)
    assert len(ws._charts) == 3
    with zipfile.ZipFile(report) as zf:
        charts = [n for n in zf.namelist() if re.fullmatch(r"xl/charts/chart\d+\.xml", n)]
        assert len(charts) == 3
        xml = b"".join(zf.read(n) for n in charts)
        assert b"barChart" in xml and b"pieChart" in xml and b"'Summary'!" in xml


def test_method_sheet(book, frame):
    rows = rows_of(book["Method & sources"])
    text = "\n".join(" | ".join(str(v) for v in r if v is not None) for r in rows)
    assert NOTE in text
    assert "ab" * 32 in text
    assert "roc_auc | 0.91" in text
    assert "ILAB List of Goods 2024; ILAB TVPRA XML" in text
    assert "UFLPA Entity List" in text
    assert f"Suppliers in the input | {frame.height}" in text


def test_deterministic_bytes(tmp_path, frame):
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    write_report(frame, a, original_columns=ORIGINAL, meta=META)
    time.sleep(2.1)  # zip timestamps have 2 s resolution
    write_report(frame, b, original_columns=ORIGINAL, meta=META)
    assert a.read_bytes() == b.read_bytes()
    with zipfile.ZipFile(a) as zf:
        assert {i.date_time for i in zf.infolist()} == {(2024, 9, 5, 10, 0, 0)}
    props = openpyxl.load_workbook(a).properties
    assert props.created == props.modified == datetime.datetime(2024, 9, 5, 10, 0, 0)
    c = tmp_path / "c.xlsx"
    write_report(frame, c, original_columns=ORIGINAL, meta=META, stamp=True)
    assert openpyxl.load_workbook(c).properties.modified.year >= 2025


@pytest.mark.parametrize("error", [RuntimeError("disk on fire"), KeyboardInterrupt()])
def test_failure_mid_write_leaves_previous_file(tmp_path, frame, monkeypatch, error):
    out = tmp_path / "screen.xlsx"
    out.write_bytes(b"previous report")
    original = report_sheetdata.SheetBody.sheet_data

    def broken(self):
        for i, chunk in enumerate(original(self)):
            if i == 2:
                raise error
            yield chunk

    monkeypatch.setattr(report_sheetdata.SheetBody, "sheet_data", broken)
    scratch = set(Path(tempfile.gettempdir()).glob("openpyxl.*"))
    with pytest.raises(type(error)):
        write_report(frame, out, original_columns=ORIGINAL, meta=META)
    assert out.read_bytes() == b"previous report"
    assert os.listdir(tmp_path) == ["screen.xlsx"]
    assert set(Path(tempfile.gettempdir()).glob("openpyxl.*")) <= scratch  # no leftovers


def test_prefetch_worker_stops_when_consumer_gives_up():
    def endless():
        while True:
            yield b"x"

    stream = prefetch(endless(), depth=2)
    assert next(stream) == b"x"
    stream.close()  # consumer failed / was interrupted
    deadline = time.monotonic() + 5
    while any(t.name == "riskscreen-sheet-xml" for t in threading.enumerate()):
        assert time.monotonic() < deadline, "worker thread still running"
        time.sleep(0.05)


def test_refuses_to_overwrite_input(tmp_path, frame):
    src = tmp_path / "suppliers.xlsx"
    src.write_bytes(b"input")
    with pytest.raises(InputError):
        write_report(
            frame,
            tmp_path / "." / "suppliers.xlsx",
            original_columns=ORIGINAL,
            meta=META,
            input_path=src,
        )
    with pytest.raises(InputError):
        write_table(frame, src, input_path=src)
    assert src.read_bytes() == b"input"
    assert os.listdir(tmp_path) == ["suppliers.xlsx"]


def test_minimal_frame_options_and_extra_columns(tmp_path):
    frame = pl.DataFrame(
        {
            "Name": ["=a", "b", "c"],
            "row_id": [3, 1, 2],
            "risk_tier": ["medium", "unknown", "weird"],
            "risk_score": [50, None, 10],
            "flagged": [False, False, None],
            "debug_info": [["x", "y"], None, ["z"]],
        }
    )
    out = write_report(
        frame,
        tmp_path / "m.xlsx",
        original_columns=["Name"],
        meta={},
        min_tier="medium",
        all_sheet=False,
    )
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Read me", "Flagged", "Needs review", "Summary", "Method & sources"]
    flagged = rows_of(wb["Flagged"])
    assert flagged[0] == ("Name", "row_id", "risk_tier", "risk_score", "flagged", "debug_info")
    assert flagged[1:] == [("=a", 3, "medium", 50, False, "x; y")]
    assert len(rows_of(wb["Needs review"])) == 1
    with pytest.raises(InputError):
        write_report(
            frame.drop("risk_score"), tmp_path / "x.xlsx", original_columns=["Name"], meta={}
        )
    with pytest.raises(InputError):
        write_report(
            frame, tmp_path / "x.xlsx", original_columns=["Name"], meta={}, min_tier="severe"
        )
    assert not (tmp_path / "x.xlsx").exists()


def test_headers_that_look_like_selectors(tmp_path):
    frame = pl.DataFrame({
        "*": ["x"], "^Name$": ["=evil"], "": ["empty header"], "row_id": [1],
        "risk_tier": ["high"], "risk_score": [75], "flagged": [True],
    })  # fmt: skip
    out = write_report(frame, tmp_path / "s.xlsx", original_columns=["*", "^Name$", ""],
                       meta={}, spend_column="*")  # fmt: skip
    rows = rows_of(openpyxl.load_workbook(out)["Flagged"])
    assert rows[0][:4] == ("*", "^Name$", "", "row_id")
    assert rows[1][:4] == ("x", "=evil", "empty header", 1)


def test_run_timings_only_in_stamped_reports(tmp_path, frame):
    a, b, c = (tmp_path / f"{n}.xlsx" for n in "abc")
    write_report(frame, a, original_columns=ORIGINAL, meta={**META, "timings_s": {"read": 0.1}})
    write_report(frame, b, original_columns=ORIGINAL, meta={**META, "timings_s": {"read": 0.2}})
    assert a.read_bytes() == b.read_bytes()
    write_report(frame, c, original_columns=ORIGINAL, stamp=True,
                 meta={**META, "timings_s": {"read": 0.2}})  # fmt: skip
    keys = [r[0] for r in rows_of(openpyxl.load_workbook(c)["Method & sources"])]
    assert "timings s" in keys and "Written at (UTC)" in keys


def test_sheet_workbook_for_diff(tmp_path):
    changes = pl.DataFrame({
        "row_id": [1, 2, 3],
        "change": ["up", "new", "gone"],
        "tier_old": ["low", None, "high"],
        "tier_new": ["critical", "medium", None],
        "cause": ["=cmd|' /C calc'!A0", "new listing", "\x1bescape"],
        "score_delta": [40.5, None, float("nan")],
    })  # fmt: skip
    out = write_sheet_workbook({"Changes": changes, "Bad/Name*": changes.head(1)},
                               tmp_path / "diff.xlsx")  # fmt: skip
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Changes", "Bad_Name_"]
    rows = rows_of(wb["Changes"])
    assert rows[0] == tuple(changes.columns)
    assert rows[1] == (1, "up", "low", "critical", "=cmd|' /C calc'!A0", 40.5)
    assert rows[3][4] == "\ufffdescape" and rows[3][5] is None
    ws = wb["Changes"]
    fills = {t.tier: t.fill for t in tier_table()}
    assert ws["D2"].fill.fgColor.rgb[-6:] == fills["critical"]
    assert ws["B2"].fill.fgColor.rgb in (None, "00000000")  # "change" is not a tier column
    assert ws["E2"].quotePrefix and ws.freeze_panes == "A2"
    with zipfile.ZipFile(out) as zf:
        for name in zf.namelist():
            if name.startswith("xl/worksheets/sheet"):
                assert b"<f>" not in zf.read(name)
    again = write_sheet_workbook({"Changes": changes, "Bad/Name*": changes.head(1)},
                                 tmp_path / "again.xlsx")  # fmt: skip
    assert again.read_bytes() == out.read_bytes()


def test_empty_frame(tmp_path, frame):
    out = write_report(frame.clear(), tmp_path / "e.xlsx", original_columns=ORIGINAL, meta=META)
    wb = openpyxl.load_workbook(out)
    for title in ("Flagged", "All suppliers", "Needs review"):
        assert wb[title].max_row == 1 and wb[title]["A1"].value == "Supplier name"
    assert len(wb["Summary"]._charts) == 2  # no country chart without countries


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(min_size=1, max_size=40))
def test_any_text_round_trips(tmp_path, text):
    frame = pl.DataFrame(
        {
            "Name": [text],
            "row_id": [1],
            "risk_tier": ["high"],
            "risk_score": [80],
            "flagged": [True],
        }
    )
    out = write_report(frame, tmp_path / "h.xlsx", original_columns=["Name"], meta={"n": text})
    cell = openpyxl.load_workbook(out)["Flagged"]["A2"]
    expected = clean_text(text)
    got = re.sub(r"_x005F_(?=x[0-9A-Fa-f]{4}_)", "_", cell.value or "")
    assert got == (expected or "")
    assert cell.data_type == "s" or not expected


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1,234.50", 1234.5),
        ("€ 1.234,50", 1234.5),
        ("12 000", 12000.0),
        ("(300)", -300.0),
        ("CHF 1'234.50", 1234.5),
        ("1\u202f234,56 €", 1234.56),
        ("0.125", 0.125),
        ("1,5", 1.5),
        ("12k", None),
        ("n/a", None),
        ("1.2.3,4", None),
        ("", None),
    ],
)
def test_parse_amount(text, value):
    assert parse_amount(text) == value


def test_spend_column_convention_decides_ambiguous_values():
    parsed, failed = parse_spend_column(pl.Series(["1.234", "12.50", "3.5", "x"]))
    assert parsed.to_list()[:3] == [1.234, 12.5, 3.5] and failed == 1
    parsed, _ = parse_spend_column(pl.Series(["1.234", "1.234,50", "2,5"]))
    assert parsed.to_list() == [1234.0, 1234.5, 2.5]


def test_write_table_csv_and_parquet(tmp_path, frame):
    data = frame.with_columns(pl.col("country_candidates").str.split("; ").alias("cands"))
    csv = write_table(data, tmp_path / "out.csv")
    raw = csv.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    back = pl.read_csv(csv, infer_schema=False)
    assert back.height == frame.height and back.columns == data.columns
    assert "Cote d'Ivoire (0.82); Guinea (0.41)" in back["cands"].to_list()
    names = back["Supplier name"].to_list()
    # OWASP: every formula-like text cell is apostrophe-prefixed, nothing else changes
    assert {"'" + p if p[:1] in "=+-@\t\r" else p for p in PAYLOADS} <= set(names)
    assert not [n for n in names if n and n[0] in "=+-@\t\r"]
    raw_csv = write_table(data, tmp_path / "raw.csv", escape_formulas=False)
    assert set(PAYLOADS) <= set(pl.read_csv(raw_csv, infer_schema=False)["Supplier name"])
    raw_csv.unlink()
    pq = write_table(data, tmp_path / "out.parquet")
    assert pl.read_parquet(pq).equals(data)
    with pytest.raises(InputError):
        write_table(data, tmp_path / "out.json")
    assert sorted(os.listdir(tmp_path)) == ["out.csv", "out.parquet"]


def test_atomic_output_cleans_up(tmp_path):
    target = tmp_path / "t.txt"
    with pytest.raises(KeyboardInterrupt), atomic_output(target) as tmp:
        tmp.write_text("half")
        raise KeyboardInterrupt
    assert os.listdir(tmp_path) == []
    with atomic_output(target) as tmp:
        tmp.write_text("done")
    assert target.read_text() == "done"
    with pytest.raises(RiskscreenError, match="does not exist"):
        write_table(pl.DataFrame({"a": [1]}), tmp_path / "missing" / "t.csv")
    (tmp_path / "dir.csv").mkdir()
    with pytest.raises(RiskscreenError, match="is a folder"):
        write_table(pl.DataFrame({"a": [1]}), tmp_path / "dir.csv")


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed")
def test_libreoffice_renders_pdf_and_keeps_payloads_as_text(report, tmp_path):
    profile = (tmp_path / "lo-profile").as_uri()

    def convert(fmt: str, suffix: str) -> Path:
        result = subprocess.run(
            ["soffice", f"-env:UserInstallation={profile}", "--headless",
             "--convert-to", fmt, "--outdir", str(tmp_path), str(report)],
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        return tmp_path / f"screen.{suffix}"

    pdf = convert("pdf", "pdf")
    assert pdf.is_file() and pdf.stat().st_size > 10_000
    assert pdf.read_bytes().startswith(b"%PDF")
    # the Flagged sheet as CSV: a payload evaluated as a formula would show its result
    # (filter options: comma, quote, UTF-8, …, and the 1-based number of the sheet to export)
    sheet = openpyxl.load_workbook(report, read_only=True).sheetnames.index("Flagged") + 1
    utf8_csv = f"csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,{sheet}"
    convert(utf8_csv, "csv")
    exported = sorted(tmp_path.glob("screen*.csv"))  # LibreOffice names it screen-Flagged.csv
    assert len(exported) == 1, exported
    with exported[0].open(encoding="utf-8", newline="") as fh:
        cells = {value for row in csv.reader(fh) for value in row}
    assert '=HYPERLINK("http://evil.example/x","click")' in cells
    assert "+cmd|' /C calc'!A0" in cells
