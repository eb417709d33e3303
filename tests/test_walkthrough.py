"""examples/WALKTHROUGH.md says only what the tool does: its commands are run here and every
printed block, quoted reason, score and count in it is checked against the real output."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

import polars as pl
import pytest

WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5}


@pytest.fixture(scope="module")
def walkthrough(repo_root) -> str:
    return (repo_root / "examples" / "WALKTHROUGH.md").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def screened(repo_root) -> pl.DataFrame:
    import riskscreen

    return riskscreen.screen(repo_root / "examples" / "suppliers.xlsx")


def _run(command: str, repo_root, cwd) -> list[str]:
    """Run a walkthrough command line (`riskscreen …`) as a user would; its printed lines."""
    import shlex

    args = shlex.split(command)
    assert args[0].endswith("riskscreen"), command
    env = {**os.environ, "PYTHONPATH": str(repo_root)}
    result = subprocess.run([sys.executable, "-m", "riskscreen.cli", *args[1:]], cwd=cwd,
                            env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return (result.stdout + result.stderr).splitlines()


def _command_and_output_pairs(text: str) -> list[tuple[str, str]]:
    """(command, printed text) for every ```bash block followed by a ```text block."""
    pairs = re.findall(r"```bash\n(.*?)```\s*\n(?:[^`]*?\n)??```text\n(.*?)```", text, re.S)
    out = []
    for bash, printed in pairs:
        command = bash.strip().splitlines()[-1].split("&& ")[-1].replace(".venv/bin/", "")
        out.append((command, printed))
    return out


def test_printed_blocks_are_what_the_commands_print(walkthrough, repo_root, tmp_path):
    pairs = _command_and_output_pairs(walkthrough)
    commands = [c for c, _ in pairs]
    assert any(c.startswith("riskscreen screen examples/suppliers.xlsx") for c in commands)
    assert any(c.startswith("riskscreen explain") for c in commands)
    (tmp_path / "examples").mkdir()
    shutil.copy(repo_root / "examples" / "suppliers.xlsx", tmp_path / "examples")
    for command, printed in pairs:
        if not command.startswith("riskscreen "):
            continue
        assert _run(command, repo_root, tmp_path) == printed.splitlines(), command
    # "prints three lines" is the number of lines of the block after the screen command
    said = re.search(r"The tool prints (\w+) lines?", walkthrough)
    block = next(p for c, p in pairs if c.startswith("riskscreen screen"))
    assert said and WORDS[said[1]] == len(block.splitlines())


def _row_segments(text: str) -> list[tuple[int, str]]:
    """(row id, the text after 'Row N' up to the next row mention), within each paragraph."""
    out = []
    for para in re.split(r"\n\s*\n|\n- ", text):
        flat = " ".join(para.split())
        marks = list(re.finditer(r"\b[Rr]ow (\d+)\b", flat))
        for i, m in enumerate(marks):
            end = marks[i + 1].start() if i + 1 < len(marks) else len(flat)
            out.append((int(m[1]), flat[m.end():end]))
    return out


def test_every_quoted_reason_score_and_name_is_the_rows_own(walkthrough, screened):
    section = walkthrough.split("### The tiers, with examples from the shipped file")[1]
    section = section.split("### In class")[0]  # the tiers and the Needs review paragraph
    segments = _row_segments(section)
    assert len({r for r, _ in segments}) >= 10
    checked = 0
    for row_id, seg in segments:
        row = screened.filter(pl.col("row_id") == row_id).row(0, named=True)
        said = " ".join(f"{row['reasons'] or ''} {row['review_reason'] or ''}".split())
        for quote in re.findall(r'"([^"]+)"', seg):
            if quote in ("EU", "N/A"):  # an input value named in the text, not a quote
                assert quote in str(row["Country of origin"]) or quote == "N/A"
                continue
            assert quote in said, (row_id, quote, said)
            checked += 1
        for score, tier in re.findall(r"scores (\d+) \((\w+)\)", seg):
            assert (row["risk_score"], row["risk_tier"]) == (int(score), tier), row_id
            checked += 1
        name = re.match(r", \*([^*]+)\*", seg)
        if name:
            assert row["Vendor name"].startswith(name[1]), (row_id, name[1])
    assert checked >= 20


def test_counts_in_the_walkthrough_are_the_data(walkthrough, screened):
    import riskscreen

    rows = re.search(r"`examples/suppliers.xlsx` \((\d+) rows", walkthrough)
    assert rows and int(rows[1]) == screened.height
    counts = dict(riskscreen.load_watchlists().entries.group_by("list_id").len().iter_rows())
    uflpa = re.search(r"the UFLPA list copy has (\d+) of", walkthrough)
    cbp = re.search(r"the CBP list has (\d+) orders", walkthrough)
    assert uflpa and int(uflpa[1]) == counts["uflpa"]
    assert cbp and int(cbp[1]) == counts["cbp_wro"]
    assert "edition `2021`" not in walkthrough  # the List is named by its year


@pytest.mark.shared
def test_facility_list_quotes_are_what_screen_says(walkthrough, shared_data, repo_root, tmp_path):
    """The section on lists without a product column quotes two real brand lists
    (../shared/data/supplier-lists, not shipped): its summary line and its reason."""
    section = walkthrough.split("### A list with no product column")[1].split("\n## ")[0]
    block = re.search(r"```text\n(.*?)```", section, re.S)[1].strip()
    lists = shared_data / "supplier-lists"
    printed = _run(f"riskscreen screen {lists / 'facility_list_4.csv'} -o out.csv", repo_root,
                   tmp_path)
    assert block in printed
    quote = re.search(r'\*"(Garments \(product read[^"]+)"\*', section)[1]
    import riskscreen

    reasons = riskscreen.screen(lists / "facility_list_10.csv")["reasons"].drop_nulls()
    assert reasons.str.contains(quote, literal=True).any()
    given = re.search(r'\*"(product\s+given for every row without one: [^"]+)"\*', section)[1]
    with_option = riskscreen.screen(lists / "facility_list_4.csv", product="garments")
    assert with_option["reasons"].str.contains(" ".join(given.split()), literal=True).any()
