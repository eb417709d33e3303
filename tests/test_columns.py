"""detect_columns / require_roles / find_header_row: synonyms in many languages, overrides,
ambiguity, and messages that list the headers found."""

from __future__ import annotations

import polars as pl
import pytest

from riskscreen.errors import InputError
from riskscreen.io.columns import (
    ColumnRoles,
    detect_columns,
    find_header_row,
    fold,
    require_roles,
)
from riskscreen.tables import read_table


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (  # German SAP-style export
            ["Kreditorennummer", "Lieferant", "Land", "Materialgruppe", "Zolltarifnummer",
             "Umsatz"],
            {"vendor_id": "Kreditorennummer", "name": "Lieferant", "country": "Land",
             "product": "Materialgruppe", "hs_code": "Zolltarifnummer", "spend": "Umsatz"},
        ),
        (  # French
            ["Raison sociale", "Pays d'origine", "Produit", "Code SH", "Adresse", "Montant"],
            {"name": "Raison sociale", "country": "Pays d'origine", "product": "Produit",
             "hs_code": "Code SH", "address": "Adresse", "spend": "Montant"},
        ),
        (  # Spanish, accents dropped and upper case
            ["PROVEEDOR", "PAIS DE ORIGEN", "Descripcion", "Codigo arancelario", "Direccion"],
            {"name": "PROVEEDOR", "country": "PAIS DE ORIGEN", "product": "Descripcion",
             "hs_code": "Codigo arancelario", "address": "Direccion"},
        ),
        (  # Portuguese / Italian / Dutch
            ["Fornecedor", "Paese", "Artikel"],
            {"name": "Fornecedor", "country": "Paese", "product": "Artikel"},
        ),
        (["Leverancier", "Land van herkomst"],
         {"name": "Leverancier", "country": "Land van herkomst"}),
        (  # English with units, a typo and a specific name column
            ["Vendor no.", "Vendor name", "Contry", "Item description", "HS", "Spend (EUR)"],
            {"vendor_id": "Vendor no.", "name": "Vendor name", "country": "Contry",
             "product": "Item description", "hs_code": "HS", "spend": "Spend (EUR)"},
        ),
        (["Factory name", "COO", "Goods"],
         {"name": "Factory name", "country": "COO", "product": "Goods"}),
    ],
)  # fmt: skip
def test_synonyms_in_many_languages(headers: list[str], expected: dict[str, str]) -> None:
    roles = detect_columns(headers)
    assert roles.found() == expected
    assert roles.headers == tuple(headers)
    assert all(roles.how[r] for r in expected)


def test_how_says_which_synonym_matched() -> None:
    roles = detect_columns(["Lieferant", "Land"])
    assert roles.how["name"] == "synonym 'Lieferant' (de)"
    assert "fuzzy" in detect_columns(["Suplier name"]).how["name"]


def test_origin_preferred_over_plain_country() -> None:
    for headers in (["Country", "Country of origin"], ["Country of origin", "Country"]):
        assert detect_columns(["Supplier", *headers]).country == "Country of origin"
    assert detect_columns(["Name", "Land", "Ursprungsland"]).country == "Ursprungsland"


def test_each_column_one_role_each_role_one_column() -> None:
    roles = detect_columns(
        ["Supplier", "Vendor", "Supplier country", "Supplier e-mail", "Vendor #"]
    )
    assert roles.name == "Supplier"  # leftmost of two equal matches
    assert roles.country == "Supplier country"
    assert roles.vendor_id == "Vendor #"
    values = [c for c in roles.as_dict().values() if c is not None]
    assert len(values) == len(set(values))
    assert "Supplier e-mail" not in values


def test_specific_synonym_beats_generic() -> None:
    roles = detect_columns(["Name", "Supplier name", "Description", "Product description"])
    assert roles.name == "Supplier name"
    assert roles.product == "Product description"


def test_overrides_win_and_are_validated() -> None:
    headers = ["Col A", "Col B", "Supplier"]
    roles = detect_columns(headers, overrides={"name": "Col A", "country": "col b"})
    assert roles.name == "Col A"
    assert roles.country == "Col B"
    assert roles.how["name"] == "override"
    with pytest.raises(InputError, match="column 'Land' given for country is not in the file; "
                       "the headers found are: 'Col A', 'Col B', 'Supplier'"):  # fmt: skip
        detect_columns(headers, overrides={"country": "Land"})
    with pytest.raises(InputError, match="unknown column role 'colour'"):
        detect_columns(headers, overrides={"colour": "Col A"})
    with pytest.raises(InputError, match="given for both name and country"):
        detect_columns(headers, overrides={"name": "Col A", "country": "Col A"})


def test_no_recognisable_column_message_lists_headers() -> None:
    roles = detect_columns(["Col1", "Col2", "Col3"])
    assert roles.found() == {}
    with pytest.raises(InputError) as info:
        require_roles(roles, source="list.xlsx")
    msg = str(info.value)
    assert msg.startswith("list.xlsx: no name or country or product column recognised")
    assert "'Col1', 'Col2', 'Col3'" in msg
    assert "--name-col 'Col1' --country-col 'Col2' --product-col 'Col3'" in msg
    assert "if the first row is data rather than headers, add a header row" in msg


def test_require_roles_accepts_any_screenable_role() -> None:
    for headers in (["Supplier"], ["Country"], ["Product"]):
        require_roles(detect_columns(headers))
    with pytest.raises(InputError):
        require_roles(detect_columns(["Spend", "Vendor no."]))


def test_content_fallback_for_country() -> None:
    try:
        read_table("country_names")
    except Exception:  # noqa: BLE001 - reference tables are built by another stage
        pytest.skip("country_names reference table not built")
    frame = pl.DataFrame({"Col1": ["Acme", "Beta", "Gamma"], "Col2": ["China", "India", "Peru"]})
    roles = detect_columns(frame.columns, frame=frame)
    assert roles.country == "Col2"
    assert roles.how["country"].startswith("content")
    assert roles.notes == ()
    # a file without a header row: its first supplier became the header
    headerless = pl.DataFrame({"Acme": ["Beta", "Gamma"], "China": ["India", "Peru"]})
    roles = detect_columns(headerless.columns, frame=headerless)
    assert roles.country == "China"
    assert "may have no header row" in roles.notes[0]


def test_fold() -> None:
    assert fold("  País de ORIGEN ") == "pais de origen"
    assert fold("Vendor #") == "vendor no"
    assert fold("N° fournisseur") == "no fournisseur"
    assert fold("Straße") == "strasse"


def test_synonym_table_is_well_formed() -> None:
    table = read_table("header_synonyms")
    assert table.columns[:4] == ["role", "synonym", "lang", "priority"]
    roles = set(table["role"].to_list())
    assert roles <= {*ColumnRoles().as_dict(), "none"}
    assert {"en", "de", "fr", "es", "pt", "it", "nl"} <= set(table["lang"].to_list())
    # one folded spelling never means two different roles
    folded = table.with_columns(pl.col("synonym").map_elements(fold, return_dtype=pl.String))
    clashes = folded.group_by("synonym").agg(pl.col("role").n_unique()).filter(pl.col("role") > 1)
    assert clashes.height == 0, clashes


def test_find_header_row_skips_titles_and_blanks() -> None:
    rows = [
        ["Supplier master export 2024-03-01", None, None],
        [None, None, None],
        ["Company: Example GmbH", None, None],
        ["Vendor", "Country", "Material"],
        ["Acme", "China", "cotton"],
        ["Beta", "India", "rice"],
    ]
    assert find_header_row(rows) == 3
    assert find_header_row([["Col1", "Col2"], ["a", "b"]]) == 0
    assert find_header_row([["Report", "2024-03-01"], ["Name", "Land"], ["A", "DE"]]) == 1
    assert find_header_row([[None], [None]]) is None
