"""Benchmark of `riskscreen serve` (issue 21): startup to first page, and the 252-row example
uploaded, screened and shown, over real HTTP on 127.0.0.1.

    python bench/web_serve.py [--runs 3] [--python PYTHON]

1. startup: from starting `riskscreen serve --no-browser` in a fresh process until GET /
   answers 200 (target < 2 s);
2. screening: POST the example (examples/suppliers.xlsx), POST the detected columns, poll the
   status until done, GET the results page (target < 3 s); once right after startup (reference
   and model may still be loading) and warm;
3. with Chromium (if /usr/bin/chromium and Playwright are present): the same in a real browser,
   from clicking "Screen" until the results page has loaded.
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "suppliers.xlsx"
CHROMIUM = Path("/usr/bin/chromium")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process so far (Linux /proc): on a machine shared with
    other work, wall time stretches but this does not."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(python: str, port: int) -> tuple[subprocess.Popen, float]:
    """Start the server; return it and the seconds until GET / answered 200."""
    t0 = time.perf_counter()
    proc = subprocess.Popen([python, "-m", "riskscreen.cli", "serve", "--no-browser", "--port",
                             str(port)], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    while True:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return proc, time.perf_counter() - t0
        except httpx.TransportError:
            pass
        if proc.poll() is not None or time.perf_counter() - t0 > 60:
            raise SystemExit("server did not start")
        time.sleep(0.01)


def screen_once(base: str) -> tuple[float, int]:
    """Upload, screen as detected, and fetch the results page: (seconds, flagged count)."""
    with httpx.Client(base_url=base, timeout=60) as c:
        csrf = re.search(r'name="csrf" value="([^"]+)"', c.get("/").text).group(1)
        t0 = time.perf_counter()
        r = c.post("/upload", data={"csrf": csrf},
                   files={"file": (EXAMPLE.name, EXAMPLE.read_bytes())})
        uid = r.headers["location"].split("/")[2]
        page = c.get(f"/u/{uid}/columns").text
        roles = {}
        for m in re.finditer(r'<select name="(role_\w+)"[^>]*>(.*?)</select>', page, re.S):
            chosen = re.search(r'<option value="([^"]*)" selected', m.group(2))
            roles[m.group(1)] = chosen.group(1) if chosen else ""
        c.post(f"/u/{uid}/screen", data={"csrf": csrf, **roles})
        while c.get(f"/u/{uid}/status").json()["state"] not in ("done", "failed"):
            time.sleep(0.02)
        results = c.get(f"/u/{uid}/results")
        elapsed = time.perf_counter() - t0
        assert results.status_code == 200
        flagged = int(re.search(r'id="flagged-count">(\d+)<', results.text).group(1))
        return elapsed, flagged


def browser_once(base: str) -> float | None:
    """Seconds from choosing the file to the results page loaded, in Chromium."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    if not CHROMIUM.exists():
        return None
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM))
        page = browser.new_page()
        page.goto(base + "/")
        t0 = time.perf_counter()
        page.set_input_files("#file", str(EXAMPLE))
        page.click("#upload-form button[type=submit]")
        page.wait_for_url("**/columns")
        page.click("#screen-button")
        page.wait_for_url("**/results", wait_until="load")
        elapsed = time.perf_counter() - t0
        browser.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--python", default=sys.executable)
    args = parser.parse_args()
    startups, first, warm, browser = [], [], [], []
    cpu: dict[str, list[float]] = {"startup": [], "first": [], "warm": []}
    flagged = None
    for _ in range(args.runs):
        port = free_port()
        proc, startup = start(args.python, port)
        base = f"http://127.0.0.1:{port}"
        try:
            startups.append(startup)
            cpu["startup"].append(cpu_seconds(proc.pid))
            before = cpu_seconds(proc.pid)
            t, flagged = screen_once(base)
            first.append(t)
            cpu["first"].append(cpu_seconds(proc.pid) - before)
            before = cpu_seconds(proc.pid)
            warm.append(screen_once(base)[0])
            cpu["warm"].append(cpu_seconds(proc.pid) - before)
            b = browser_once(base)
            if b is not None:
                browser.append(b)
        finally:
            proc.terminate()
            proc.wait(10)

    def show(label: str, values: list[float], target: float, key: str | None = None) -> None:
        med = statistics.median(values)
        spent = f"{statistics.median(cpu[key]):.2f}" if key else "—"
        print(f"| {label} | {med:.2f} | {min(values):.2f} | {max(values):.2f} | {spent} | "
              f"< {target:g} s | {'met' if max(values) < target else 'NOT met'} |")

    load = os.getloadavg()[0]
    print(f"{args.runs} runs; the example: 252 rows, {flagged} flagged; load average {load:.1f} "
          f"on {os.cpu_count()} cores\n")
    print("| measure | wall median (s) | min | max | server CPU median (s) | target | |\n"
          "|---|---:|---:|---:|---:|---:|---|")
    show("startup to first page (fresh process)", startups, 2, "startup")
    show("example screened and shown, first upload right after startup", first, 3, "first")
    show("example screened and shown, warm", warm, 3, "warm")
    if browser:
        show("the same in Chromium: choose file → results loaded", browser, 3)


if __name__ == "__main__":
    main()
