"""The embedded default works from a non-editable install: build a wheel, install it in a fresh
virtual environment, and run the main job from another directory."""

from __future__ import annotations

import subprocess
import sys
import venv
from pathlib import Path

import pytest
from openpyxl import load_workbook

pytestmark = pytest.mark.slow


def _run(cmd: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, f"{cmd}\n{proc.stdout}\n{proc.stderr}"
    return proc


def test_wheel_install_runs_main_job_offline_data(tmp_path, repo_root, example_workbook):
    dist = tmp_path / "dist"
    _run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), str(repo_root)],
        cwd=tmp_path,
    )
    wheel = next(dist.glob("riskscreen-*.whl"))
    env_dir = tmp_path / "env"
    venv.create(env_dir, with_pip=True)
    bin_dir = env_dir / "bin"
    _run([str(bin_dir / "pip"), "install", "-q", str(wheel)], cwd=tmp_path)

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = _run(
        [
            str(bin_dir / "python"),
            "-c",
            "import riskscreen.paths as p; print(p.reference_dir()); print(p.models_dir())",
        ],
        cwd=elsewhere,
    ).stdout.split()
    assert all("site-packages" in w for w in where), where  # not the source checkout

    out = elsewhere / "report.xlsx"
    _run(
        [str(bin_dir / "riskscreen"), "screen", str(example_workbook), "-o", str(out), "-q"],
        cwd=elsewhere,
    )
    wb = load_workbook(out)
    assert "Flagged" in wb.sheetnames and wb["Flagged"].max_row > 1
    info = _run([str(bin_dir / "riskscreen"), "reference", "info"], cwd=elsewhere).stdout
    assert "ILAB" in info
