"""The README's Python example runs as written, from the repository root."""

from __future__ import annotations

import os
import re

from riskscreen.contracts import added_columns, contract_columns


def test_readme_python_example_runs(repo_root, capsys):
    text = (repo_root / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert blocks, "README has no python example"
    here = os.getcwd()
    os.chdir(repo_root)
    try:
        namespace: dict = {}
        exec(compile(blocks[0], "README.md", "exec"), namespace)  # noqa: S102
    finally:
        os.chdir(here)
    assert namespace["frame"].height == namespace["result"].height > 200
    assert "examples/suppliers.xlsx" in capsys.readouterr().out


def test_quick_start_has_exactly_two_commands(repo_root):
    text = (repo_root / "README.md").read_text(encoding="utf-8")
    quick = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"```bash\n(.*?)```", quick, flags=re.S)
    assert len(commands) == 2
    assert "riskscreen screen examples/" in commands[0]
    assert "pytest" in commands[1]
    ci = (repo_root / ".ci" / "run").read_text(encoding="utf-8")
    assert commands[1].strip() in ci  # CI runs the README's test command


def _readme_section(repo_root, title: str) -> str:
    text = (repo_root / "README.md").read_text(encoding="utf-8")
    return text.split(f"## {title}", 1)[1].split("\n## ", 1)[0]


def test_readme_output_table_is_the_contract_table(repo_root):
    """README's output-column table is reference/report_columns.csv's contract rows, in frame
    order; adjacent columns with one meaning share a row."""
    rows: list[tuple[list[str], str]] = []
    for column, meaning in contract_columns().items():
        if rows and rows[-1][1] == meaning:
            rows[-1][0].append(column)
        else:
            rows.append(([column], meaning))
    expected = ["| column | meaning |", "|---|---|"] + [
        f"| {', '.join(f'`{c}`' for c in columns)} | {meaning} |" for columns, meaning in rows]
    section = _readme_section(repo_root, "Output columns")
    table = [line for line in section.splitlines() if line.startswith("|")]
    assert table == expected


def test_readme_names_every_detail_column(repo_root):
    section = _readme_section(repo_root, "Output columns").split("Detail columns follow", 1)[1]
    details = [c for c in added_columns() if c not in contract_columns()]
    missing = [c for c in details if f"`{c}`" not in section
               and not (c.startswith("scope_") and "`scope_*`" in section)]
    assert missing == []
