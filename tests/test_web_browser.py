"""The web page in a real browser: Playwright driving the system's Chromium (Debian package
`chromium`; no browser download) against `riskscreen serve`'s app on 127.0.0.1, a free port.

Skipped when Playwright or /usr/bin/chromium is missing (.ci/run installs chromium)."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("starlette")
uvicorn = pytest.importorskip("uvicorn")
sync_api = pytest.importorskip("playwright.sync_api")

from click.testing import CliRunner  # noqa: E402

from riskscreen.cli import main  # noqa: E402
from riskscreen.web.app import WebConfig, create_app  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")
LIMIT = 2_000_000

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not CHROMIUM.exists(), reason="system chromium not installed")]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    """The app served by uvicorn on 127.0.0.1 only, on a free port."""
    port = free_port()
    app = create_app(WebConfig(port=port, max_upload_bytes=LIMIT))
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.time() + 20
    while not srv.started:
        assert time.time() < deadline, "server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM))
        yield b
        b.close()


@pytest.fixture()
def page(browser):
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    context.close()


def upload_file(page, base: str, name: str, content: bytes) -> None:
    page.goto(base + "/")
    page.set_input_files("#file", files=[{"name": name, "mimeType": "application/octet-stream",
                                          "buffer": content}])
    page.click("#upload-form button[type=submit]")


def screen_as_detected(page) -> None:
    page.wait_for_url("**/columns")
    page.click("#screen-button")
    page.wait_for_url("**/results")


def csv_bytes(rows: list[tuple[str, str, str]], header: str = "Supplier,Country,Product") -> bytes:
    def q(v: str) -> str:
        return '"' + v.replace('"', '""') + '"'

    return (header + "\n" + "".join(",".join(q(v) for v in r) + "\n" for r in rows)).encode()


def visible_rows(page) -> list:
    return page.locator("#flagged tbody tr:not([hidden])").all()


def test_example_correct_a_column_filter_explain_and_download(page, server, tmp_path,
                                                              example_workbook):
    from openpyxl import load_workbook

    wb = load_workbook(example_workbook)
    cell = next(c for row in wb.active.iter_rows(max_row=30) for c in row
                if c.value == "Material description")
    cell.value = "Sourcing notes"  # a header detection does not know
    source = tmp_path / "suppliers_renamed.xlsx"
    wb.save(source)

    page.goto(server + "/")
    page.set_input_files("#file", str(source))
    assert page.text_content("#drop-name") == "suppliers_renamed.xlsx"
    page.click("#upload-form button[type=submit]")
    page.wait_for_url("**/columns")
    assert page.input_value("#role_product") == ""  # not detected
    page.select_option("#role_product", "Sourcing notes")  # the user corrects it
    page.click("#screen-button")
    page.wait_for_url("**/results", timeout=60_000)

    total = int(page.text_content("#flagged-count"))
    assert total > 100 and len(visible_rows(page)) == total
    assert "product: Sourcing notes" in page.text_content(".columns-used")

    page.select_option("#filter-tier", "critical")
    critical = visible_rows(page)
    assert 0 < len(critical) < total
    assert {r.get_attribute("data-tier") for r in critical} == {"critical"}
    page.select_option("#filter-tier", "")
    page.select_option("#filter-country", "China")
    assert {r.get_attribute("data-country") for r in visible_rows(page)} == {"China"}
    page.select_option("#filter-country", "")
    page.fill("#filter-name", "xinjiang")
    names = [r.locator("td.name").inner_text().lower() for r in visible_rows(page)]
    assert names and all("xinjiang" in n for n in names)
    page.fill("#filter-name", "")
    page.click("#flagged th:has-text('Supplier')")
    first = [r.locator("td.name").inner_text().split("\n")[0].lower()
             for r in visible_rows(page)[:20]]
    assert first == sorted(first)

    with page.expect_download() as download:
        page.click("#download-xlsx")
    got = Path(download.value.path()).read_bytes()
    cli_out = tmp_path / "cli.xlsx"
    result = CliRunner().invoke(main, ["screen", str(source), "-o", str(cli_out), "-q",
                                       "--product-col", "Sourcing notes"])
    assert result.exit_code == 0, result.output
    assert got == cli_out.read_bytes()
    assert download.value.suggested_filename == "suppliers_renamed_report.xlsx"

    page.fill("#filter-name", "xinjiang daqo")
    page.locator("#flagged tbody tr:not([hidden]) a.button").first.click()
    page.wait_for_url("**/row/**")
    assert "Watchlist entry" in page.content()
    assert "uflpa" in page.text_content("#watchlist-entry")
    explain = page.text_content("#explain")
    assert "China (CHN)" in explain and "Polysilicon" in explain


def test_drag_and_drop_upload(page, server):
    page.goto(server + "/")
    page.evaluate("""() => {
        const dt = new DataTransfer();
        dt.items.add(new File(["Supplier,Country,Product\\nAcme Mills,Uzbekistan,cotton\\n"],
                              "dropped.csv", {type: "text/csv"}));
        document.getElementById("drop").dispatchEvent(
            new DragEvent("drop", {dataTransfer: dt, bubbles: true, cancelable: true}));
    }""")
    assert page.text_content("#drop-name") == "dropped.csv"
    page.click("#upload-form button[type=submit]")
    page.wait_for_url("**/columns")
    assert "dropped.csv" in page.text_content(".lead") and "1 rows read" in page.content()


def test_hostile_names_are_shown_as_text_and_never_run(page, server):
    rows = [
        ("<script>window.__pwned = 1</script>", "China", "cotton"),
        ('<img src=x onerror="window.__pwned = 2">', "China", "garments"),
        ('"><svg onload="window.__pwned = 3">', "China", "cotton"),
    ]
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    upload_file(page, server, '<img src=x onerror="window.__pwned=4">.csv',
                csv_bytes(rows, header="Supplier,Country,Product,Notes <b>bold</b>"))
    page.wait_for_url("**/columns")
    assert page.locator("main b:has-text('bold')").count() == 0
    header = page.locator("table.preview th", has_text="Notes <b>bold</b>")
    assert header.is_visible() and header.text_content() == "Notes <b>bold</b>"
    page.click("#screen-button")
    page.wait_for_url("**/results")
    for name, _, _ in rows:
        cell = page.locator("#flagged td.name", has_text=name)
        assert cell.count() == 1 and cell.is_visible()
    assert page.locator("#flagged img, #flagged svg, #flagged script").count() == 0
    page.locator("#flagged a.button").first.click()
    page.wait_for_url("**/row/**")
    assert page.evaluate("window.__pwned") is None and not dialogs
    assert page.locator("main img").count() == 0


def test_garbage_and_oversize_get_a_message_and_the_server_keeps_serving(page, server,
                                                                         tmp_path):
    garbage = bytes(range(256)) * 64
    upload_file(page, server, "garbage.xlsx", garbage)
    alert = page.locator(".alert .msg")
    (tmp_path / "garbage.xlsx").write_bytes(garbage)
    cli = CliRunner().invoke(main, ["screen", str(tmp_path / "garbage.xlsx"), "-o",
                                    str(tmp_path / "o.xlsx"), "-q"])
    assert cli.exit_code != 0
    expected = cli.output.strip().removeprefix("error: ").replace(str(tmp_path / "garbage.xlsx"),
                                                                   "garbage.xlsx")
    assert alert.inner_text().strip() == expected

    page.goto(server + "/")
    page.set_input_files("#file", files=[{"name": "huge.csv", "mimeType": "text/csv",
                                          "buffer": b"x" * (LIMIT + 1)}])
    assert "larger than the upload limit of 2 MB" in page.text_content("#client-error")
    page.click("#upload-form button[type=submit]")
    assert page.url.rstrip("/") == server  # the browser did not send it

    upload_file(page, server, "fine.csv", csv_bytes([("Acme", "Ghana", "cocoa")]))
    page.wait_for_url("**/columns")


def test_three_uploads_at_once_each_get_their_own_results(browser, server):
    files = {n: [(f"Supplier {n}-{i}", "Ghana", "cocoa") for i in range(n)] for n in (3, 5, 7)}
    pages = {}
    for n, rows in files.items():
        context = browser.new_context()
        pages[n] = context.new_page()
        upload_file(pages[n], server, f"list{n}.csv", csv_bytes(rows))
    for p in pages.values():
        p.wait_for_url("**/columns")
    for p in pages.values():  # all three screenings queued before any result is read
        p.click("#screen-button", no_wait_after=True)
    for n, p in pages.items():
        p.wait_for_url("**/results", timeout=60_000)
        text = p.text_content("main")
        assert f"{n} suppliers screened" in text
        assert f"Supplier {n}-{n - 1}" in text
        assert all(f"Supplier {m}-0" not in text for m in files if m != n)
    other = pages[5]
    other.goto(pages[3].url)  # another browser's results address
    assert "Upload not found" in other.text_content("h1")
    for p in pages.values():
        p.context.close()
