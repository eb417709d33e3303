"""Reference data: the committed ILAB tables match the sources, the build is exact and loud."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from riskscreen.errors import ReferenceError_
from riskscreen.reference import build_reference, load_reference, reference_info
from riskscreen.reference.build import TABLES
from riskscreen.reference.ilab_names import slug

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def ref():
    return load_reference()


def _pairs(frame: pl.DataFrame) -> set[tuple[str, str]]:
    return set(frame.select("iso3", "good_id").iter_rows())


# --- the committed tables reproduce the published counts (no ../shared needed) -------------


def test_newest_list_counts_match_goods_2021(ref):
    """goods_2021.xml: 169 good names, 78 countries, 467 entries (414 child, 121 forced)."""
    rows = ref.listings_for("2021")
    assert rows["source"].unique().to_list() == ["goods"]
    assert rows.height == 467
    assert rows["iso3"].n_unique() == 78
    assert rows["child_labour"].sum() == 414
    assert rows["forced_labour"].sum() == 121
    names = ref.good_names.filter((pl.col("edition") == "2021") & (pl.col("source") == "goods"))
    assert names["name"].n_unique() == 169


def test_2018_list_counts_match_goods_2018(ref):
    rows = ref.listings_for("2018")
    assert (rows.height, rows["iso3"].n_unique()) == (418, 76)
    names = ref.good_names.filter((pl.col("edition") == "2018") & (pl.col("source") == "goods"))
    assert names["name"].n_unique() == 149


def test_findings_2021_has_143_profiles_all_in_iso_table(ref):
    profiles = ref.country_indicators.filter(pl.col("edition") == "2021")
    assert profiles.height == 143
    assert profiles["iso3"].is_unique().all()
    assert set(profiles["iso3"]) <= set(ref.countries["iso3"])
    assert ref.countries["in_findings"].sum() == 143


def test_every_listing_and_input_country_is_iso(ref):
    iso = set(ref.countries["iso3"])
    assert set(ref.listings["iso3"]) <= iso
    assert set(ref.listings["input_iso3"].drop_nulls()) <= iso
    assert set(ref.listings["good_id"]) <= set(ref.goods["good_id"])
    assert ref.listings.select("edition", "iso3", "good_id").is_unique().all()


def test_countries_cover_iso_plus_kosovo(ref):
    countries = ref.countries
    assert countries.height >= 249 + 1
    assert countries["iso3"].is_unique().all()
    assert ref.country("XKX")["ilab_name"] == "Kosovo"
    assert ref.country("pse")["ilab_name"] == "West Bank and the Gaza Strip"
    assert ref.country("TUR")["ilab_name"] == "Turkey (Türkiye)"
    assert ref.country("MMR")["ilab_name"] == "Burma"
    assert ref.country("COD")["n_goods_listed"] > 0
    assert ref.country("ZZZ") is None


def test_unassessed_countries_have_no_invented_indicators(ref):
    outside = ref.countries.filter(~pl.col("in_findings"))
    for col in ("child_work_5_14", "legal_gaps", "enforcement_gaps", "ratified_c138"):
        assert outside[col].null_count() == outside.height, col
    assert ref.country("USA")["region"] is None
    # China is on the List but has no Findings profile: in the file, not assessed.
    china = ref.country("CHN")
    assert china["in_findings"] and not china["assessed"] and china["legal_gaps"] is None


def test_shares_are_shares(ref):
    shares = [
        "child_work_5_14",
        "child_work_agriculture",
        "school_attendance_5_14",
        "working_and_studying_7_14",
    ]
    top = ref.country_indicators.select(pl.max_horizontal(pl.col(shares).max())).item()
    assert 0 < top <= 1


def test_renamed_goods_keep_one_id(ref):
    # "Oil (Palm)" (2016-2019) is "Palm Fruit" in 2021 for the same three countries.
    palm = {
        e: _pairs(ref.listings_for(e).filter(pl.col("good_id") == "palm_oil"))
        for e in ("2018", "2021")
    }
    assert (
        palm["2018"]
        == palm["2021"]
        == {("IDN", "palm_oil"), ("MYS", "palm_oil"), ("SLE", "palm_oil")}
    )
    names = ref.good_name_map("2019").filter(pl.col("good_id") == "khat")["name"].to_list()
    assert names == ["Khat (stimulant plant)", "Khat/Miraa (stimulant plant)"]
    assert ref.good_name_map("2016").filter(pl.col("good_id") == "khat")["name"].to_list() == [
        "Miraa (stimulant plant)"
    ]


def test_newly_added_pairs_2018_to_2021(ref):
    """The model learns from pairs ILAB added between editions; renames must not look new.

    2018 -> 2021 adds e.g. Açaí berries (Brazil), polysilicon (China), rubber gloves (Malaysia)
    and drops cotton (Uzbekistan); palm oil, khat and jute only changed their spelling.
    """
    old, new = _pairs(ref.listings_for("2018")), _pairs(ref.listings_for("2021"))
    added, dropped = new - old, old - new
    assert {("BRA", "acai_berries"), ("CHN", "polysilicon"), ("MYS", "rubber_gloves")} <= added
    assert ("UZB", "cotton") in dropped
    for renamed in [("MYS", "palm_oil"), ("KEN", "khat"), ("BGD", "jute_textiles")]:
        assert renamed in old and renamed in new
    assert len(added) == len(new) - len(old & new)
    derived = _pairs(ref.listings_for("2021").filter(pl.col("derived")))
    assert derived <= added  # downstream goods are new in the 2022 List


def test_good_parents_are_known_goods_without_cycles(ref):
    from riskscreen.tables import read_table

    parents = read_table("good_parents")
    known = set(ref.goods["good_id"].to_list())
    assert set(parents["good_id"]) <= known and set(parents["parent_good_id"]) <= known
    assert parents["good_id"].is_unique().all()  # one parent per good
    step = dict(zip(parents["good_id"], parents["parent_good_id"], strict=True))
    for good in step:  # following parents never comes back to the start
        seen, node = {good}, step[good]
        while node in step:
            assert node not in seen, good
            seen.add(node)
            node = step[node]


def test_every_downstream_listing_has_a_listed_input(ref):
    from riskscreen.scoring import listed_pairs
    from riskscreen.tables import read_table

    inputs = read_table("derived_inputs")
    assert set(inputs["good_id"]) | set(inputs["input_good_id"]) <= set(ref.goods["good_id"])
    derived = ref.listings_for(None).filter(pl.col("derived"))
    assert derived.height > 0
    assert set(derived["good_id"]) <= set(inputs["good_id"])  # none left without an input
    pairs = listed_pairs(ref).filter(pl.col("_listing_via") == "input")
    assert pairs.height == derived.height  # each found its input's listing


def test_editions_identify_publications(ref):
    ed = {r["source_file"]: r for r in ref.editions.iter_rows(named=True)}
    assert ed["countries_2021.xml"]["reporting_year"] == "2022"
    assert ed["countries_2021.xml"]["rows"] == 143
    assert ed["goods_2021.xml"]["published"] == "2022-09"
    assert all(len(r["sha256"]) == 64 for r in ed.values())
    assert ref.manifest["newest_edition"] == ref.newest_edition == "2021"


# --- the loader ----------------------------------------------------------------------------


def test_loader_is_cached_per_folder(ref):
    assert load_reference() is ref
    assert load_reference(REPO / "reference") is ref
    assert load_reference(str(REPO / "reference" / ".." / "reference")) is ref


def test_loader_dtypes(ref):
    assert ref.listings.schema["child_labour"] == pl.Boolean
    assert ref.countries.schema["child_work_5_14"] == pl.Float64
    assert ref.countries.schema["assessed"] == pl.Boolean
    assert ref.country_indicators.schema["legal_gaps"] == pl.Float64
    assert ref.countries.schema["numeric"] == pl.String  # keeps leading zeros
    assert ref.country("AFG")["numeric"] == "004"


def test_listings_for_defaults_to_newest_and_rejects_unknown(ref):
    assert ref.listings_for().equals(ref.listings_for("2021"))
    assert ref.listings_for(2018).height == 418
    with pytest.raises(ReferenceError_, match=r"1999.*2016.*2021"):
        ref.listings_for("1999")
    with pytest.raises(ReferenceError_):
        ref.good_name_map("latest")


def test_missing_folder_is_a_reference_error(tmp_path):
    with pytest.raises(ReferenceError_, match="manifest.json"):
        load_reference(tmp_path)


def test_info_text_names_sources_and_licence(ref):
    text = reference_info(ref)
    assert "Public domain" in text and "ILAB" in text
    assert "goods_2021.xml" in text and ref.editions["sha256"][0][:12] in text
    listings_line = next(line for line in text.splitlines() if "listings.csv" in line)
    assert f" {ref.listings.height} rows" in listings_line


# --- the build -----------------------------------------------------------------------------

_GOODS_XML = """<Goods>
  <Good><Good_Name>{good}</Good_Name><Good_Sector>Agriculture</Good_Sector><Countries>
    <Country><Country_Name>{country}</Country_Name>
      <Country_Region>Europe and Eurasia</Country_Region>
      <Child_Labor>Yes</Child_Labor><Forced_Labor>No</Forced_Labor>
      <Forced_Child_Labor>No</Forced_Child_Labor></Country>
    <Country><Country_Name>{country2}</Country_Name><Country_Region>Indo-Pacific</Country_Region>
      <Child_Labor>No</Child_Labor><Forced_Labor>Yes</Forced_Labor>
      <Forced_Child_Labor>No</Forced_Child_Labor></Country>
  </Countries></Good>
</Goods>
"""


def _tiny(tmp_path: Path, **names: str) -> Path:
    ilab = tmp_path / "ilab"
    ilab.mkdir()
    values = {"good": "Oil (Palm)", "country": "Turkey (Türkiye)", "country2": "Burma", **names}
    (ilab / "goods_2099.xml").write_text(_GOODS_XML.format(**values), encoding="utf-8")
    return ilab


def test_unmapped_country_names_fail_the_build_listing_all(tmp_path):
    ilab = _tiny(tmp_path, country="Atlantis", country2="Republic of Narnia")
    with pytest.raises(ReferenceError_) as err:
        build_reference(ilab, tmp_path / "out")
    assert "'Atlantis'" in str(err.value) and "'Republic of Narnia'" in str(err.value)
    assert not (tmp_path / "out" / "listings.csv").exists()


def test_no_source_files_is_an_error(tmp_path):
    with pytest.raises(ReferenceError_, match="no goods_YYYY.xml"):
        build_reference(tmp_path, tmp_path / "out")


def test_tiny_build_maps_names_and_is_reproducible(tmp_path):
    ilab = _tiny(tmp_path)
    out1, out2 = tmp_path / "a", tmp_path / "b"
    manifest = build_reference(ilab, out1, built="2000-01-01")
    build_reference(ilab, out2, built="2000-01-01")
    for name in (*TABLES, "SOURCES"):
        suffix = ".md" if name == "SOURCES" else ".csv"
        assert (out1 / f"{name}{suffix}").read_bytes() == (out2 / f"{name}{suffix}").read_bytes()
    raw = (out1 / "listings.csv").read_bytes()
    assert b"\r" not in raw
    ref = load_reference(out1)
    assert ref.newest_edition == "2099"
    assert _pairs(ref.listings) == {("TUR", "palm_oil"), ("MMR", "palm_oil")}
    assert ref.listings.filter(pl.col("iso3") == "MMR")["forced_labour"].item() is True
    assert manifest["tables"]["listings"]["rows"] == 2
    assert manifest["built"] == "2000-01-01"
    assert ref.country("TUR")["n_goods_child_labour"] == 1
    assert ref.country("TUR")["region"] == "Europe and Eurasia"
    assert not ref.country("TUR")["in_findings"]


_COUNTRIES_XML = """<Countries>
  <Country><Name>Tanzania</Name><Webpage>https://example.org/tz</Webpage>
    <Region>Sub-Saharan Africa</Region><Advancement_Level>Moderate Advancement</Advancement_Level>
    <Description>In 2099, SENTINEL NARRATIVE that must not be copied.</Description>
    <Goods><Good><Good_Name>Cloves</Good_Name><Child_Labor>Yes</Child_Labor>
      <Forced_Labor>No</Forced_Labor><Forced_Child_Labor>No</Forced_Child_Labor></Good></Goods>
    <Country_Statistics><Children_Work_Statistics>
        <Total_Percentage_of_Working_Children>0.25</Total_Percentage_of_Working_Children>
        <Agriculture>Unavailable</Agriculture></Children_Work_Statistics>
      <Children_Working_and_Studying_7-14_yrs_old><Total>2.5</Total>
      </Children_Working_and_Studying_7-14_yrs_old></Country_Statistics>
    <Conventions><C_138_Ratified>Yes</C_138_Ratified><C_182_Ratified>N/A</C_182_Ratified>
    </Conventions>
    <Legal_Standards>
      <Minimum_Work><Territory><Territory_Name>Mainland</Territory_Name><Age>14</Age>
          <Conforms_To_Intl_Standard>Yes</Conforms_To_Intl_Standard></Territory>
        <Territory><Territory_Name>Zanzibar</Territory_Name><Age>15</Age>
          <Conforms_To_Intl_Standard>No</Conforms_To_Intl_Standard></Territory></Minimum_Work>
      <Compulsory_Education><Age>17.5</Age>
        <Conforms_To_Intl_Standard>Yes</Conforms_To_Intl_Standard></Compulsory_Education>
    </Legal_Standards>
    <Enforcements>
      <Labor_Inspectors>12</Labor_Inspectors>
      <Labor_Funding>Unknown </Labor_Funding>
      <Labor_Complaint_Mechanism>
        <Territory><Territory_Name>Mainland</Territory_Name><Enforcement>Yes</Enforcement></Territory>
        <Territory><Territory_Name>Zanzibar</Territory_Name><Enforcement>No</Enforcement></Territory>
      </Labor_Complaint_Mechanism>
    </Enforcements>
    <Mechanisms><Coordination>Yes</Coordination><Policy>NA</Policy></Mechanisms>
    <Suggested_Actions><Action><Name>SENTINEL ACTION</Name></Action></Suggested_Actions>
  </Country>
</Countries>
"""


def test_findings_profile_indicators_and_no_narrative(tmp_path):
    ilab = _tiny(tmp_path)
    (ilab / "countries_2099.xml").write_text(_COUNTRIES_XML, encoding="utf-8")
    out = tmp_path / "out"
    build_reference(ilab, out)
    tz = load_reference(out).country("TZA")
    assert tz["in_findings"] and tz["assessed"] and tz["region"] == "Sub-Saharan Africa"
    assert tz["child_work_5_14"] == 0.25 and tz["child_work_agriculture"] is None
    assert tz["working_and_studying_7_14"] is None  # a share above 1 is an entry slip
    assert tz["ratified_c138"] is True and tz["ratified_c182"] is None
    # Zanzibar's non-conforming minimum age is a gap even though the Mainland conforms.
    assert (tz["legal_standards_checked"], tz["legal_gaps"]) == (2.0, 1.0)
    assert tz["min_age_work"] is None and tz["compulsory_education_age"] == 17.5
    assert (tz["enforcement_gaps"], tz["enforcement_unknowns"]) == (1.0, 1.0)
    assert tz["mechanism_coordination"] is True and tz["mechanism_policy"] is None
    editions = load_reference(out).editions.filter(pl.col("kind") == "countries")
    assert editions["reporting_year"].to_list() == ["2099"]
    for path in out.iterdir():
        assert b"SENTINEL" not in path.read_bytes(), path.name


def test_slug_is_ascii_snake_case():
    assert slug("Açaí Berries") == "acai_berries"
    assert slug("Leather Goods/Accessories") == "leather_goods_accessories"
    assert slug("  Bidis (hand-rolled cigarettes) ") == "bidis_hand_rolled_cigarettes"


@pytest.mark.shared
def test_rebuild_from_shared_sources_is_byte_identical(tmp_path, shared_data):
    manifest = build_reference(shared_data / "ilab", tmp_path)
    committed = REPO / "reference"
    for file in [f"{name}.csv" for name in TABLES] + ["SOURCES.md"]:
        assert (tmp_path / file).read_bytes() == (committed / file).read_bytes(), file
    # The manifest differs only by its build date (and, where the FAO file is not installed, by
    # saying that the production table was carried over rather than rebuilt).
    old = json.loads((committed / "manifest.json").read_text(encoding="utf-8"))
    if manifest["fao_production"].get("source", "").startswith("carried over"):
        assert (tmp_path / "fao_production.csv").read_bytes() == (
            committed / "fao_production.csv"
        ).read_bytes()
        manifest = {**manifest, "fao_production": old["fao_production"]}
    # Library versions (pycountry, Babel) are provenance, not content: a newer release that
    # changes no name leaves every table above byte-identical, and that is what counts.
    assert _without_versions(manifest) == _without_versions(old)


def _without_versions(manifest: dict) -> dict:
    """The manifest less its build date and the versions of the libraries it used."""
    return {
        k: {kk: vv for kk, vv in v.items() if not kk.endswith("_version")}
        if isinstance(v, dict)
        else v
        for k, v in manifest.items()
        if k != "built" and not k.endswith("_version")
    }
