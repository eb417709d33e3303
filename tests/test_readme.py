"""The README's Python example runs as written, from the repository root."""

from __future__ import annotations

import os
import re


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
