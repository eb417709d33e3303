"""The Follow-up sheet and the supplier questionnaires (issue 22), on real screening runs."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from click.testing import CliRunner

import riskscreen
from riskscreen.cli import main
from riskscreen.errors import InputError
from riskscreen.followup import finding_order, followup_texts, languages
from riskscreen.io.letters import letters_from, questionnaires, read_followup
from riskscreen.pipeline import run_screen, write_outputs
from riskscreen.tables import read_table

# A small made-up list, one supplier per finding type (names of real listed entities come from
# the embedded watchlists; everything else is invented).
CASES = {
    "Xinjiang Daqo New Energy Co Ltd": ("China", "polysilicon", "Shihezi, Xinjiang"),
    "Ashgabat Cotton Traders": ("Turkmenistan", "raw cotton", "Ashgabat"),
    "Abidjan Cocoa Export SARL": ("Côte d'Ivoire", "cocoa beans", "Abidjan"),
    "Sunray Modules Co": ("China", "solar panels", "Wuxi, Jiangsu"),
    "Hillside Tea Estates": ("Uganda", "tea", "Kampala"),
    "=cmd|' /C calc'!A0": ("India", "bricks", "Delhi"),
    "Munich Office Supplies GmbH": ("Germany", "office chairs", "Munich"),
    "Pyongyang Seafood Trading": ("North Korea", "frozen fish", "Pyongyang"),
    "Asmara Mining Share Co": ("Eritrea", "gold ore", "Asmara"),
}


@pytest.fixture(scope="module")
def made_up(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("followup")
    frame = pl.DataFrame(
        {
            "Supplier": list(CASES),
            "Country": [v[0] for v in CASES.values()],
            "Product": [v[1] for v in CASES.values()],
            "Address": [v[2] for v in CASES.values()],
        }
    )
    path = folder / "suppliers.csv"
    frame.write_csv(path)
    return path


@pytest.fixture(scope="module")
def made_up_run(made_up):
    return run_screen(made_up, min_tier="medium")


@pytest.fixture(scope="module")
def example_report(tmp_path_factory, example_workbook) -> Path:
    out = tmp_path_factory.mktemp("example") / "report.xlsx"
    write_outputs(run_screen(example_workbook), out)
    return out


def _keys(run, supplier: str) -> list[str]:
    row = run.followup.filter(pl.col("supplier") == supplier)
    assert row.height == 1, f"{supplier} is not on the Follow-up sheet"
    return row["finding_keys"][0].split("; ")


def test_example_report_has_followup_sheet_for_every_flagged_supplier(example_report):
    wb = openpyxl.load_workbook(example_report, read_only=True)
    names = wb.sheetnames
    assert names.index("Follow-up") == names.index("Flagged") + 1
    flagged = pl.read_excel(example_report, sheet_name="Flagged")
    follow = pl.read_excel(example_report, sheet_name="Follow-up", infer_schema_length=0)
    assert flagged.height > 0
    assert sorted(follow["row_id"].cast(pl.Int64).to_list()) == sorted(flagged["row_id"].to_list())
    for column in ("Questions to ask the supplier", "Evidence to request",
                   "What would close the flag", "Finding", "Sources"):
        assert follow[column].null_count() == 0, column
        assert (follow[column].str.len_chars() > 20).all(), column
    # the shipped example report is the one the CLI writes, Follow-up sheet included
    assert "Follow-up" in openpyxl.load_workbook(
        Path(__file__).parents[1] / "examples" / "suppliers_report.xlsx", read_only=True
    ).sheetnames


def test_walkthrough_rows(example_workbook):
    """examples/WALKTHROUGH.md's class exercise names these rows and findings."""
    run = run_screen(example_workbook)
    by_row = {r["row_id"]: r for r in run.followup.iter_rows(named=True)}
    assert by_row[8]["supplier"] == "Xinjiang Daqo New Energy Co Ltd"
    assert by_row[8]["finding_keys"].startswith("watchlist_uflpa")
    assert by_row[54]["finding_keys"] == "child_labour_listed"
    assert by_row[54]["product"] == "Bananas" and by_row[54]["country"] == "Philippines"
    walkthrough = (Path(__file__).parents[1] / "examples" / "WALKTHROUGH.md").read_text()
    assert "row 8, *Xinjiang Daqo New Energy*" in walkthrough
    assert "row 54,\n   bananas from the Philippines" in walkthrough


def test_finding_types_are_read_from_the_screening(made_up_run):
    run = made_up_run
    assert _keys(run, "Xinjiang Daqo New Energy Co Ltd")[0] == "watchlist_uflpa"
    assert "xinjiang" in _keys(run, "Xinjiang Daqo New Energy Co Ltd")
    assert _keys(run, "Ashgabat Cotton Traders")[0] == "country_order"
    cocoa = _keys(run, "Abidjan Cocoa Export SARL")
    assert "child_labour_listed" in cocoa and "forced_labour_listed" in cocoa
    assert _keys(run, "Sunray Modules Co") == ["downstream_listing"]
    assert _keys(run, "=cmd|' /C calc'!A0")[0] == "forced_labour_listed"
    assert _keys(run, "Pyongyang Seafood Trading")[0] == "caatsa"
    assert _keys(run, "Asmara Mining Share Co")[0] == "state_complicit"
    # every flagged row is on the sheet, and only flagged rows
    flagged = run.frame.filter(pl.col("flagged"))
    assert sorted(run.followup["row_id"].to_list()) == sorted(flagged["row_id"].to_list())
    # a supplier flagged on the model's estimate alone gets the light questionnaire
    estimate_only = run.followup.filter(pl.col("finding_keys") == "model_estimate")
    listed = run.frame.filter(pl.col("flagged") & ~pl.col("listed_child_labour")
                              & ~pl.col("listed_forced_labour")
                              & pl.col("watchlist_name").is_null()
                              & pl.col("scope_name").is_null()
                              & pl.col("region").is_null()
                              & ~pl.col("country_iso3").is_in(["PRK", "ERI"]))
    assert estimate_only.height == listed.height


def test_texts_differ_by_finding_type_and_say_what_they_rest_on():
    order = finding_order()
    table = read_table("followup_questions")
    assert set(order) == set(table["finding"])
    texts = {k: followup_texts([k]) for k in order}
    questions = [t["questions"] for t in texts.values()]
    assert len(set(questions)) == len(questions), "two finding types share their questions"
    assert "age" in texts["child_labour_listed"]["questions"]
    assert "15" in texts["child_labour_listed"]["evidence"]
    assert "18" in texts["child_labour_listed"]["evidence"]
    assert "recruitment fee" in texts["forced_labour_listed"]["questions"]
    assert "identity" in texts["forced_labour_listed"]["questions"]
    assert "C29" in texts["forced_labour_listed"]["evidence"]
    assert "input" in texts["downstream_listing"]["questions"]
    assert "Xinjiang" in texts["xinjiang"]["questions"]
    assert "presum" in texts["xinjiang"]["close_when"]
    assert "UFLPA Entity List" in texts["watchlist_uflpa"]["questions"]
    assert "current official list" in texts["watchlist_uflpa"]["close_when"]
    assert "Withhold Release Order" in texts["watchlist_wro"]["questions"]
    light, full = texts["model_estimate"], texts["forced_labour_listed"]
    assert light["questions"].count("\n") < full["questions"].count("\n")
    assert "estimate" in light["close_when"]
    # every item names its source and an official https address
    assert table["source"].str.len_chars().min() > 3
    assert table["source_url"].str.starts_with("https://").all()
    for finding in order:
        parts = set(table.filter(pl.col("finding") == finding)["part"])
        assert parts == {"question", "evidence", "close"}, finding


def test_every_law_and_ilab_rule_has_follow_up_texts():
    from riskscreen.watchlists.scopes import law_rules

    reasons = law_rules()["rule_reason_key"].unique().to_list()
    assert reasons
    for reason in reasons:
        assert reason.removeprefix("reason_") in finding_order(), reason
    assert "North Korean" in followup_texts(["caatsa"])["questions"]
    assert "C105" in followup_texts(["state_complicit"])["close_when"]


def test_combined_findings_merge_without_repeats():
    both = followup_texts(["child_labour_listed", "forced_labour_listed"])
    alone = [followup_texts([k]) for k in ("forced_labour_listed", "child_labour_listed")]
    n = sum(t["questions"].count("\n") + 1 for t in alone)
    assert both["questions"].count("\n") + 1 == n
    assert both["finding_keys"] == "forced_labour_listed; child_labour_listed"  # severity order
    same = followup_texts(["watchlist_uflpa", "xinjiang"])["evidence"].splitlines()
    bodies = [line.split(". ", 1)[1] for line in same]
    assert len(bodies) == len(set(bodies))


def test_every_language_has_every_text():
    assert languages()[0] == "en" and {"fr", "es"} <= set(languages())
    for table in ("followup_questions", "followup_phrases"):
        frame = read_table(table)
        for lang in languages():
            assert frame[f"text_{lang}"].null_count() == 0, (table, lang)
    fr = followup_texts(["child_labour_listed"], "fr")
    assert "âge" in fr["questions"] and fr["questions"] != followup_texts(
        ["child_labour_listed"])["questions"]


def test_followup_sheet_has_no_formula_and_is_byte_identical(made_up_run, tmp_path):
    first, second = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    write_outputs(made_up_run, first)
    write_outputs(made_up_run, second)
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/sheet"):
                assert b"<f>" not in archive.read(name), name
    ws = openpyxl.load_workbook(first)["Follow-up"]
    values = [c.value for row in ws.iter_rows() for c in row]
    assert "=cmd|' /C calc'!A0" in values
    cell = next(c for row in ws.iter_rows() for c in row if c.value == "=cmd|' /C calc'!A0")
    assert cell.data_type == "s"


def test_questionnaires_one_per_supplier_in_each_format(example_report, tmp_path):
    from docx import Document

    follow = read_followup(example_report)
    expected = follow.select(
        pl.col("Supplier" if "Supplier" in follow.columns else "supplier")
        .str.strip_chars().str.to_lowercase(),
        pl.col("country").str.strip_chars().str.to_lowercase(),
    ).unique().height
    docs = questionnaires(example_report, tmp_path / "en")
    assert len(docs) == expected
    assert all(p.parent == tmp_path / "en" and p.suffix == ".docx" for p in docs)
    letter = next(p for p in docs if "xinjiang-daqo" in p.name)
    text = "\n".join(p.text for p in Document(str(letter)).paragraphs)
    assert "Xinjiang Daqo New Energy Co Ltd" in text
    assert "UFLPA Entity List" in text and "Xinjiang Uyghur Autonomous Region" in text
    assert "Your answer:" in text
    tables = Document(str(letter)).tables
    assert tables and tables[0].cell(1, 1).text == "Polysilicon"
    sheets = questionnaires(example_report, tmp_path / "es", lang="es", fmt="xlsx")
    assert len(sheets) == expected
    ws = openpyxl.load_workbook(next(p for p in sheets if "xinjiang-daqo" in p.name)).active
    cells = " ".join(str(c.value) for row in ws.iter_rows() for c in row if c.value)
    assert "Cuestionario" in cells and "trabajo forzoso" in cells


def test_letters_group_rows_of_one_supplier_and_names_never_reach_the_file_system(tmp_path):
    follow = pl.DataFrame(
        {
            "row_id": [3, 9, 4],
            "supplier": ["../../Evil <x>", "../../evil <X>", "Other"],
            "country": ["India", "india", "Peru"],
            "product": ["Bricks", "Cotton", "Gold"],
            "finding_keys": ["forced_labour_listed", "child_labour_listed", "model_estimate"],
        }
    )
    letters = letters_from(follow)
    assert [lt.supplier for lt in letters] == ["../../Evil <x>", "Other"]
    assert letters[0].rows["row_id"].to_list() == [3, 9]
    assert "age" in letters[0].texts["questions"]  # the child-labour questions joined in
    from riskscreen.io.letters import write_letters

    paths = write_letters(follow, tmp_path / "out", fmt="xlsx")
    assert sorted(p.name for p in paths) == ["row00003-evil-x.xlsx", "row00004-other.xlsx"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(p.name for p in paths)


def test_cli_followup_clear_errors(example_report, tmp_path):
    runner = CliRunner()
    result = runner.invoke(main, ["followup", str(example_report), "-o", str(tmp_path / "x"),
                                  "--lang", "de"])
    assert result.exit_code != 0 and "no follow-up texts in language 'de'" in result.output
    assert not (tmp_path / "x").exists()
    plain = tmp_path / "plain.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["a"])
    wb.save(plain)
    result = runner.invoke(main, ["followup", str(plain), "-o", str(tmp_path / "y")])
    assert result.exit_code != 0 and "Follow-up" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "y").exists()
    result = runner.invoke(main, ["followup", str(example_report), "-o", str(tmp_path / "z"),
                                  "--format", "xlsx", "--lang", "fr"])
    assert result.exit_code == 0, result.output
    assert "questionnaire(s)" in result.output
    assert len(list((tmp_path / "z").glob("*.xlsx"))) > 10
    with pytest.raises(InputError):
        read_followup(tmp_path / "missing.xlsx")


def test_api_exposes_followup(made_up):
    run = riskscreen.run_screen(made_up)
    assert run.followup is not None and run.followup.height == run.frame["flagged"].sum()


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed")
def test_questionnaires_open_in_libreoffice(made_up_run, tmp_path):
    from riskscreen.io.letters import write_letters

    written = write_letters(made_up_run.followup, tmp_path / "letters", fmt="docx")
    written += write_letters(made_up_run.followup, tmp_path / "sheets", fmt="xlsx")
    profile = (tmp_path / "lo-profile").as_uri()
    docx, xlsx = written[0], next(p for p in written if p.suffix == ".xlsx")
    for source in (docx, xlsx):
        result = subprocess.run(
            ["soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
             "--outdir", str(tmp_path / "pdf"), str(source)],
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        pdf = tmp_path / "pdf" / f"{source.stem}.pdf"
        if source.suffix == ".docx" and not pdf.is_file() and "could not be loaded" in (
            result.stderr + result.stdout
        ):
            pytest.skip("LibreOffice Writer (libreoffice-writer) is not installed")
        assert result.returncode == 0 and pdf.is_file(), result.stderr
        assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 5_000
        if shutil.which("pdftotext"):
            text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True,
                                  text=True, check=True).stdout
            assert "questionnaire" in text.lower()
