"""Every awkward, broken or hostile file in tests/data/bad/ gives the outcome EXPECTED.csv says.

Errors must be InputError (never a parser traceback) naming the file and saying what to do;
ok files must keep every data row.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from riskscreen.errors import InputError
from riskscreen.io.columns import detect_columns, require_roles
from riskscreen.io.read import read_suppliers

BAD = Path(__file__).parent / "data" / "bad"
CASES = pl.read_csv(BAD / "EXPECTED.csv", infer_schema=False, comment_prefix="#").to_dicts()


def _sheet(value: str | None) -> str | int | None:
    if value is None:
        return None
    return int(value) if value.isdigit() else value


def _run(case: dict) -> object:
    table = read_suppliers(BAD / case["file"], sheet=_sheet(case["sheet"]))
    if case["stage"] == "columns":
        roles = detect_columns(table.headers, frame=table.frame)
        require_roles(roles, source=case["file"])
    return table


def test_every_corpus_file_is_listed() -> None:
    listed = {c["file"] for c in CASES}
    tools = {"EXPECTED.csv", "make_corpus.py", "make_hostile.py", "__pycache__"}
    present = {p.name for p in BAD.iterdir() if p.name not in tools}
    assert present - listed == set(), "corpus files without an expected outcome"


@pytest.mark.parametrize(
    "case", CASES, ids=[f"{c['file']}[{c['sheet'] or ''}]{c['stage']}" for c in CASES]
)
def test_corpus_case(case: dict) -> None:
    if case["outcome"] == "error":
        with pytest.raises(InputError) as info:
            _run(case)
        message = str(info.value)
        assert case["file"] in message
        assert case["expect"] in message
        assert "Traceback" not in message
        assert info.value.__cause__ is None or isinstance(info.value.__cause__, InputError)
    else:
        table = _run(case)
        assert table.n_rows == int(case["rows"])
        assert table.frame.height == int(case["rows"])
        assert table.header_row == int(case["header_row"])
        assert table.frame.columns[0] == "row_id"
        assert all(t == pl.String for t in table.frame.drop("row_id").dtypes)
        if case["expect"]:
            assert case["expect"] in (table.note or "")


def test_corpus_generator_is_deterministic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """make_corpus.py regenerates byte-identical files (all but the randomly salted encryption)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_corpus", BAD / "make_corpus.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "HERE", tmp_path)
    (tmp_path / "encrypted.xlsx").write_bytes(b"")  # exists: not regenerated
    module.main()
    for made in tmp_path.iterdir():
        if made.name != "encrypted.xlsx":
            assert made.read_bytes() == (BAD / made.name).read_bytes(), made.name


@pytest.mark.parametrize(
    ("xml", "verdict"),
    [
        (b'<?xml version="1.0"?><worksheet/>', "ok"),
        (b'<?xml version="1.0"?><!-- <!DOCTYPE in a comment> --><worksheet/>', "ok"),
        (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><worksheet/>', "doctype"),
        (b"<?xml?>" + b" " * 10_000 + b"<!-- <a> --><!doctype x><worksheet/>", "doctype"),
        (b"<?xml?><worksheet>" + b"<!DOCTYPE late>", "ok"),  # not a prolog: calamine refuses it
        ("\ufeff<?xml?><!DOCTYPE x><w/>".encode("utf-16-le"), "doctype"),
        (b"<?xml?>" + b" " * (2 << 20), "too_long"),
    ],
)
def test_xml_prolog(xml: bytes, verdict: str) -> None:
    import io

    from riskscreen.io.read_guard import xml_prolog

    assert xml_prolog(io.BytesIO(xml))[0] == verdict


def test_encryption_detected_in_any_office_container(tmp_path: Path) -> None:
    """The encrypted package is caught whatever its name says (.xls, .csv)."""
    for name in ("enc.xls", "enc.csv", "enc.xlsm"):
        target = tmp_path / name
        target.write_bytes((BAD / "encrypted.xlsx").read_bytes())
        with pytest.raises(InputError, match=f"{name}: file is password-protected"):
            read_suppliers(target)


def test_limits_table_is_complete() -> None:
    from riskscreen.tables import read_table

    table = read_table("input_limits")
    values = dict(zip(table["key"], table["value"], strict=True))
    for key in ("max_file_bytes", "max_text_bytes", "max_zip_uncompressed_bytes", "max_zip_ratio",
                "zip_ratio_min_bytes", "max_zip_entries", "xml_sniff_bytes", "max_xml_prolog_bytes",
                "max_cells", "max_columns", "max_cell_chars", "header_scan_rows",
                "header_fuzzy_cutoff", "content_sample_rows", "content_min_share"):  # fmt: skip
        assert float(values[key]) > 0, key
