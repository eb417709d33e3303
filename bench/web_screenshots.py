"""Screenshots of the web page for the README (docs/screenshots/*.png), taken with Playwright
driving the system Chromium against a server on 127.0.0.1.

    python bench/web_screenshots.py [--chromium /usr/bin/chromium] [--width 1440]
"""

from __future__ import annotations

import argparse
import socket
import threading
import time
from pathlib import Path

import uvicorn
from playwright.sync_api import sync_playwright

from riskscreen.web.app import WebConfig, create_app

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--width", type=int, default=1440)
    parser.add_argument("--height", type=int, default=900)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(WebConfig(port=port)), host="127.0.0.1",
                                           port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    args.out.mkdir(parents=True, exist_ok=True)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=args.chromium)
            page = browser.new_page(viewport={"width": args.width, "height": args.height})
            page.goto(base + "/")
            page.set_input_files("#file", str(ROOT / "examples" / "suppliers.xlsx"))
            page.screenshot(path=args.out / "upload.png")
            page.click("button[type=submit].primary")
            page.wait_for_url("**/columns")
            page.screenshot(path=args.out / "columns.png")
            page.click("#screen-button")
            page.wait_for_url("**/results")
            page.screenshot(path=args.out / "results.png")
            page.evaluate("document.getElementById('flagged-section').scrollIntoView()")
            page.screenshot(path=args.out / "results-table.png")
            page.locator("#flagged a.button").first.click()
            page.wait_for_url("**/row/**")
            page.screenshot(path=args.out / "explanation.png")
            page.evaluate("document.getElementById('followup').scrollIntoView()")
            page.screenshot(path=args.out / "followup.png")
            page.goto(base + "/explain?country=C%C3%B4te+d%27Ivoire&product=cacao")
            page.screenshot(path=args.out / "explain.png")
            page.goto(base + "/about")
            page.screenshot(path=args.out / "about.png")
            browser.close()
    finally:
        server.should_exit = True
    for path in sorted(args.out.glob("*.png")):
        print(path)


if __name__ == "__main__":
    main()
