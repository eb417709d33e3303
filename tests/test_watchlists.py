"""Watchlist import (UFLPA / CBP → tidy tables), loading, and checking users' own lists."""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

import polars as pl
import pytest

from riskscreen.errors import InputError, ReferenceError_
from riskscreen.match.countries import resolve_countries
from riskscreen.reference.watchlists import WATCHLIST_COLUMNS, build_watchlists
from riskscreen.tables import read_table
from riskscreen.watchlists import check_watchlist, load_watchlists
from riskscreen.watchlists.index import entity_index

DATA = Path(__file__).parent / "data" / "watchlists"

UFLPA_SRC = """name,aliases,country,section,date_added,source_url
"Example Silicon Co., Ltd.","Example Si; Old Example Silicon",CHN,2(d)(2)(B)(v),2024-05-17,https://a
Example Holdings Ltd.,,HKG,2(d)(2)(B)(ii);2(d)(2)(B)(v),2025-01-15,https://b
"""
CBP_SRC = """name,aliases,country,goods,action,date_issued,status,source_url
Turkmenistan cotton and products made in whole or in part with it,,TKM,cotton,WRO,2018-05-18,,https://c
Example Star No. 7 (fishing vessel),,VUT,tuna,WRO,2019-02-04,revoked,https://d
"Example Gloves Sdn. Bhd.",Example Gloves,MYS,gloves,Finding,2021-03-29,modified,https://e
"""
RULES = """entry_id,scope_iso3,scope_region,scope_good_ids,rule_name,note
cbp-2018-05-18-turkmenistan-cotton-and-products-made-in,TKM,,cotton,WRO 2018: Turkmenistan cotton,
"""


@pytest.fixture()
def built(tmp_path: Path) -> tuple[Path, Path, list[dict]]:
    src, out = tmp_path / "src", tmp_path / "out"
    src.mkdir()
    out.mkdir()
    (src / "uflpa_entity_list.csv").write_text(UFLPA_SRC, encoding="utf8")
    (src / "cbp_wro_findings.csv").write_text(CBP_SRC, encoding="utf8")
    (out / "watchlist_scope_rules.csv").write_text(RULES, encoding="utf8")
    return src, out, build_watchlists(src, out)


def test_importer_writes_tidy_tables_with_shapes_and_status(built) -> None:
    _, out, _ = built
    cbp = pl.read_csv(out / "watchlist_cbp.csv", infer_schema=False)
    assert cbp.columns == WATCHLIST_COLUMNS
    shapes = dict(zip(cbp["name"], cbp["shape"], strict=True))
    assert shapes["Turkmenistan cotton and products made in whole or in part with it"] == "scope"
    assert shapes["Example Star No. 7 (fishing vessel)"] == "entity"
    turkmen = cbp.filter(pl.col("shape") == "scope").row(0, named=True)
    assert (turkmen["scope_iso3"], turkmen["scope_good_ids"]) == ("TKM", "cotton")
    assert turkmen["status"] == "unknown"  # blank in the source is said out loud
    uflpa = pl.read_csv(out / "watchlist_uflpa.csv", infer_schema=False)
    assert set(uflpa["list_id"]) == {"uflpa"} and set(uflpa["status"]) == {"active"}
    assert uflpa.filter(pl.col("country") == "HKG")["section"][0] == (
        "2(d)(2)(B)(ii); 2(d)(2)(B)(v)"
    )


def test_importer_manifest_has_provenance(built) -> None:
    src, out, manifest = built
    by_id = {m["list_id"]: m for m in manifest}
    assert by_id["uflpa"]["as_of"] == "2025-01-15"  # newest date, not the first row's
    assert by_id["cbp_wro"]["entries"] == 3
    expected = hashlib.sha256((src / "cbp_wro_findings.csv").read_bytes()).hexdigest()
    assert by_id["cbp_wro"]["sha256"] == expected
    assert all(m["partial"] for m in manifest)
    meta = pl.read_csv(out / "watchlists.csv", infer_schema=False)
    assert set(meta["partial"]) == {"true"}


def test_importer_ids_are_stable_across_runs(built) -> None:
    src, out, _ = built
    first = pl.read_csv(out / "watchlist_cbp.csv", infer_schema=False)["entry_id"].to_list()
    build_watchlists(src, out)
    second = pl.read_csv(out / "watchlist_cbp.csv", infer_schema=False)["entry_id"].to_list()
    assert first == second and len(set(first)) == len(first)


def test_importer_rejects_rule_for_unknown_entry(tmp_path: Path, built) -> None:
    src, out, _ = built
    (out / "watchlist_scope_rules.csv").write_text(
        RULES + "cbp-1999-01-01-no-such-order,XXX,,cotton,x,\n", encoding="utf8"
    )
    with pytest.raises(ReferenceError_, match="no-such-order"):
        build_watchlists(src, out)


@pytest.mark.shared
def test_committed_tables_match_the_source_files(shared_data: Path) -> None:
    meta = read_table("watchlists")
    for row in meta.iter_rows(named=True):
        source = shared_data / "watchlists" / row["source_file"]
        digest = hashlib.sha256(source.read_bytes()).hexdigest()
        assert digest == row["sha256"], f"{row['table']} is stale: rerun the importer"


def test_default_lists_load_with_entities_scopes_and_meta() -> None:
    wl = load_watchlists()
    assert set(wl.meta["list_id"]) == {"uflpa", "cbp_wro"}
    counts = wl.entries.group_by("list_id").len()
    for row in wl.meta.iter_rows(named=True):
        n = counts.filter(pl.col("list_id") == row["list_id"])["len"][0]
        assert int(row["entries"]) == n
    assert wl.entries["entry_id"].n_unique() == wl.entries.height
    scope_ids = set(wl.scopes["entry_id"])
    assert "cbp-2018-05-18-turkmenistan-cotton-and-products-made-in" in scope_ids
    assert not scope_ids & set(wl.entities["entry_id"])  # scopes are never matched by name
    xpcc = wl.entities.filter(pl.col("alias") == "XPCC")
    assert xpcc.height >= 1 and xpcc["source"][0].endswith(")")
    assert load_watchlists() is wl  # defaults are cached


def test_user_list_with_country_names_loads_beside_defaults() -> None:
    wl = load_watchlists([DATA / "my_list.csv"])
    user = wl.entries.filter(pl.col("list_id") == "user-my-list")
    assert user.height == 2
    countries = dict(zip(user["name"], user["country"], strict=True))
    assert countries["Qingshan Example Spinning Co., Ltd."] == "CHN"
    assert set(wl.meta["list_id"]) == {"uflpa", "cbp_wro", "user-my-list"}
    only_user = load_watchlists([DATA / "my_list.csv"], include_defaults=False)
    assert set(only_user.entries["list_id"]) == {"user-my-list"}


def test_check_watchlist_names_rows_and_columns() -> None:
    check = check_watchlist(DATA / "bad_list.csv")
    assert not check.ok
    text = "\n".join(check.errors)
    assert "row 4: name is empty" in text
    assert "row 5: country 'Chna' is not an ISO code or country name" in text
    assert not any(e.startswith("row 6") for e in check.errors)  # source is optional
    assert not any(e.startswith(("row 2", "row 3")) for e in check.errors)


def test_loading_a_faulty_user_list_raises_input_error() -> None:
    with pytest.raises(InputError, match="row 5: country 'Chna'"):
        load_watchlists([DATA / "bad_list.csv"])
    with pytest.raises(InputError, match="the header row has no name column"):
        load_watchlists([DATA / "no_name_column.csv"])


def test_only_a_name_column_is_required() -> None:
    check = check_watchlist(DATA / "missing_column.csv")  # name, country: nothing else
    assert check.ok, check.errors
    assert check.entries["source_url"].to_list() == ["user list missing_column.csv"]


def test_a_header_problem_is_reported_as_a_header_problem(tmp_path) -> None:
    from click.testing import CliRunner

    from riskscreen.cli import main

    result = CliRunner().invoke(main, ["watchlist", "check", str(DATA / "no_name_column.csv")])
    assert result.exit_code != 0
    assert "the header row has no name column (found: company, country)" in result.output
    assert "fix the header row" in result.output and "row(s) need fixing" not in result.output


def test_scope_rules_use_the_ilab_goods_vocabulary() -> None:
    rules = read_table("watchlist_scope_rules")
    used = {g for ids in rules["scope_good_ids"] for g in ids.split(";")}
    known = set(read_table("goods")["good_id"])
    # bone_black is documented in the table (not an ILAB good); * is every good (law rules)
    assert used - known == {"bone_black", "*"}


def test_loaded_lists_are_read_only_and_indexed_once_per_load(tmp_path: Path) -> None:
    """The matcher's index is built by a function and cached per loaded `Watchlists`, never
    stored on it: the same load gives the same index, another load its own."""
    default = load_watchlists()
    with pytest.raises(dataclasses.FrozenInstanceError):
        default.entities = default.entities.head(0)  # type: ignore[misc]
    assert entity_index(default) is entity_index(load_watchlists())
    user = tmp_path / "mine.csv"
    user.write_text("name,country\nExample Textile Works,Viet Nam\n", encoding="utf8")
    mine = load_watchlists([user], include_defaults=False)
    index = entity_index(mine)
    assert index is not entity_index(default)
    assert index.aliases["entry_id"].unique().to_list() == mine.entities["entry_id"].unique(
    ).to_list()


def test_user_list_countries_come_from_the_one_country_resolver(tmp_path: Path) -> None:
    """A user list's countries (codes, names in other languages, a typo) are read exactly as
    the supplier file's countries are: by `resolve_countries`."""
    values = ["DE", "Deutschland", "Viet Nam", "Türkiye", "Bangladseh", "中国", "Kosovo"]
    user = tmp_path / "countries.csv"
    user.write_text("name,country\n" + "".join(f"Firm {i},{v}\n" for i, v in enumerate(values)),
                    encoding="utf8")
    check = check_watchlist(user)
    assert check.ok, check.errors
    resolved = resolve_countries(values)
    expected = dict(zip(resolved["input"], resolved["country_iso3"], strict=True))
    assert check.entries is not None
    assert check.entries["country"].to_list() == [expected[v] for v in values]
    assert check.entries["country"].to_list()[:3] == ["DEU", "DEU", "VNM"]
