"""The web page (`riskscreen serve`) through Starlette's test client: routes, the screening flow
over the real library, and the safety rules (Host, CSRF, CSP, upload limits, bad files)."""

from __future__ import annotations

import html
import re
import socket
import time
from pathlib import Path

import pytest

pytest.importorskip("starlette")
pytest.importorskip("jinja2")
pytest.importorskip("multipart")
pytest.importorskip("httpx")

from click.testing import CliRunner  # noqa: E402
from starlette.testclient import TestClient  # noqa: E402

from riskscreen.cli import main  # noqa: E402
from riskscreen.web.app import WebConfig, create_app  # noqa: E402
from riskscreen.web.server import is_loopback  # noqa: E402

BASE = "http://127.0.0.1:8765"
ROLES = ("name", "country", "product", "hs_code", "address", "spend", "vendor_id")


def token(page: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


def detected_roles(page: str) -> dict[str, str]:
    """role → the column selected on the columns page."""
    out = {}
    for m in re.finditer(r'<select name="role_(\w+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', m.group(2))
        out[m.group(1)] = html.unescape(chosen.group(1)) if chosen else ""
    return out


def upload(client: TestClient, name: str, content: bytes, **fields: str):
    csrf = token(client.get("/").text)
    return client.post("/upload", data={"csrf": csrf, **fields},
                       files={"file": (name, content, "application/octet-stream")},
                       follow_redirects=False)


def screen(client: TestClient, uid: str, roles: dict[str, str], **fields: str) -> dict:
    page = client.get(f"/u/{uid}/columns").text
    data = {"csrf": token(page), **{f"role_{r}": c for r, c in roles.items()}, **fields}
    response = client.post(f"/u/{uid}/screen", data=data, follow_redirects=False)
    assert response.status_code == 303, response.text
    deadline = time.monotonic() + 300  # generous: the CI machine may be shared and slow
    while time.monotonic() < deadline:
        status = client.get(f"/u/{uid}/status").json()
        if status["state"] in ("done", "failed"):
            return status
        time.sleep(0.05)
    raise AssertionError(f"screening did not finish: {status}")


def uid_of(response) -> str:
    assert response.status_code == 303, response.text
    return response.headers["location"].split("/")[2]


@pytest.fixture(scope="module")
def app():
    return create_app(WebConfig(max_upload_bytes=2_000_000))


@pytest.fixture()
def client(app):
    with TestClient(app, base_url=BASE) as c:
        yield c


def cli_error(tmp_path: Path, name: str, content: bytes, *args: str) -> str:
    """The message `riskscreen screen` prints for this file."""
    path = tmp_path / name
    path.write_bytes(content)
    result = CliRunner().invoke(main, ["screen", str(path), "-o", str(tmp_path / "out.xlsx"),
                                       "-q", *args])
    assert result.exit_code != 0
    return result.output.strip().removeprefix("error: ").replace(str(path), name)


# --- pages and headers ---------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/", "/explain", "/about", "/explain?country=Ghana"])
def test_pages_have_csp_and_no_inline_script_or_style(client, path):
    response = client.get(path)
    assert response.status_code == 200
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    scripts = re.findall(r"<script\b[^>]*>", response.text)
    assert scripts and all(re.search(r'\bsrc="/static/', s) for s in scripts)
    assert not re.search(r"<script\b[^>]*>(?!</script>)", response.text)  # no inline body
    assert " style=" not in response.text and " on" + "click=" not in response.text
    assert "http://" not in response.text.split("<main>")[0]  # no CDN in the head


def test_upload_page_states_the_size_limit(client):
    assert "up to 2 MB" in client.get("/").text


def test_static_and_tier_css_served_from_the_package(client):
    assert client.get("/static/app.js").status_code == 200
    css = client.get("/tiers.css")
    assert css.status_code == 200 and ".tier-critical{background:#C00000" in css.text


# --- Host header (DNS rebinding), CSRF, cross-site ----------------------------------------

@pytest.mark.parametrize("host", ["evil.example", "evil.example:8765", "127.0.0.1.evil.example",
                                  "192.168.1.10:8765"])
def test_foreign_host_header_is_refused(app, host):
    with TestClient(app, base_url=BASE) as c:
        response = c.get("/", headers={"host": host})
    assert response.status_code == 400 and "Host" in response.text


@pytest.mark.parametrize("host", ["127.0.0.1:8765", "localhost:8765", "localhost"])
def test_loopback_names_are_accepted(app, host):
    with TestClient(app, base_url=BASE) as c:
        assert c.get("/", headers={"host": host}).status_code == 200


def test_post_without_or_with_wrong_csrf_token_is_refused(client, app, example_workbook):
    content = example_workbook.read_bytes()
    files = {"file": ("suppliers.xlsx", content, "application/octet-stream")}
    client.get("/")
    assert client.post("/upload", files=files).status_code == 403
    assert client.post("/upload", data={"csrf": "0" * 40}, files=files).status_code == 403
    with TestClient(app, base_url=BASE) as other:  # another browser's token
        foreign = token(other.get("/").text)
    assert client.post("/upload", data={"csrf": foreign}, files=files).status_code == 403
    assert client.get("/").status_code == 200


def test_cross_site_post_is_refused(client, example_workbook):
    csrf = token(client.get("/").text)
    response = client.post("/upload", data={"csrf": csrf},
                           files={"file": ("s.xlsx", example_workbook.read_bytes())},
                           headers={"origin": "http://evil.example"})
    assert response.status_code == 400


# --- the flow over the real library -----------------------------------------------------------

def test_corrected_column_screening_and_download_equal_the_cli(client, tmp_path,
                                                                example_workbook):
    from openpyxl import load_workbook

    # the example with its product header renamed so that detection misses it
    wb = load_workbook(example_workbook)
    ws = wb.active
    header = next(c for row in ws.iter_rows(max_row=30) for c in row
                  if c.value == "Material description")
    header.value = "Sourcing notes"
    source = tmp_path / "suppliers_renamed.xlsx"
    wb.save(source)

    uid = uid_of(upload(client, source.name, source.read_bytes()))
    page = client.get(f"/u/{uid}/columns").text
    roles = detected_roles(page)
    assert roles["product"] == "" and roles["country"] == "Country of origin"
    assert "252 rows read" in page
    roles["product"] = "Sourcing notes"  # the user's correction
    status = screen(client, uid, roles)
    assert status["state"] == "done" and status["rows"] == 252

    results = client.get(f"/u/{uid}/results").text
    assert "product: Sourcing notes" in results
    assert re.search(r'id="flagged-count">(\d+)<', results).group(1) != "0"
    workbook = client.get(f"/u/{uid}/download/report.xlsx")
    assert workbook.status_code == 200
    assert 'filename="suppliers_renamed_report.xlsx"' in workbook.headers["content-disposition"]

    cli_out = tmp_path / "cli.xlsx"
    result = CliRunner().invoke(main, ["screen", str(source), "-o", str(cli_out), "-q",
                                       "--product-col", "Sourcing notes"])
    assert result.exit_code == 0, result.output
    assert workbook.content == cli_out.read_bytes()

    csv = client.get(f"/u/{uid}/download/suppliers.csv")
    assert csv.status_code == 200 and csv.text.count("\n") >= 253
    assert "risk_tier" in csv.text.splitlines()[0]

    # back to the column page from the results, change a role again, screen again
    roles["address"] = ""
    assert screen(client, uid, roles)["state"] == "done"
    assert "address:" not in client.get(f"/u/{uid}/results").text
    again = client.get(f"/u/{uid}/download/report.xlsx").content
    assert again != workbook.content


def test_results_row_and_review(client, example_workbook):
    uid = uid_of(upload(client, "suppliers.xlsx", example_workbook.read_bytes(),
                        min_tier="medium"))
    status = screen(client, uid, detected_roles(client.get(f"/u/{uid}/columns").text),
                    min_tier="medium")
    assert status["state"] == "done"
    page = client.get(f"/u/{uid}/results").text
    from riskscreen.pipeline import run_screen

    meta = run_screen(example_workbook, min_tier="medium").meta  # what the library says
    assert f"{meta['rows_flagged']} flagged" in page and "tier medium or above" in page
    assert page.count('data-tier="medium"') == meta["rows_by_tier"].get("medium", 0) > 0
    assert f'<span class="count">{meta["rows_to_review"]}</span>' in page
    assert "Needs review" in page and "what to do" in page.lower()
    row_id = re.search(r'href="/u/[^/]+/row/(\d+)"', page).group(1)
    row = client.get(f"/u/{uid}/row/{row_id}").text
    assert "What the reference and the model say" in row and "Watchlist entry" in row
    assert "Follow-up: what to ask the supplier" in row and "Evidence to request" in row
    # a watchlist hit: the explanation of country and product alone would understate the tier
    assert "It covers the country and product only: this row's tier" in row and (
        "its name on a watchlist" in row)
    assert client.get(f"/u/{uid}/row/99999").status_code == 404


def test_explain_page_shows_what_the_command_prints(client):
    from riskscreen.lookup import explain

    page = html.unescape(client.get("/explain?country=Ghana&product=cocoa").text)
    lines = explain("Ghana", "cocoa").splitlines()
    assert len(lines) >= 4
    for line in lines:
        assert line.strip().removeprefix("- ") in page
    page = html.unescape(client.get("/explain?product=cacao").text)
    assert explain(None, "cacao", read_as="product").splitlines()[0] in page
    bad = client.get("/explain?country=Atlantis")
    assert bad.status_code == 200 and "not a country riskscreen recognises" in bad.text


def test_about_page_lists_sources_editions_and_partial_lists(client):
    page = client.get("/about").text
    for url in ("https://www.dhs.gov/uflpa-entity-list",
                "https://www.cbp.gov/trade/forced-labor/withhold-release-orders-and-findings",
                "https://www.dol.gov/agencies/ilab/reports/child-labor/list-of-goods"):
        assert f'href="{url}"' in page
    assert "partial" in page.lower() and "not a clearance" in page.lower()
    assert "tier_high" in page


# --- bad files: the CLI's message on the page, the server keeps serving ---------------------

def test_garbage_file_gets_the_cli_message(client, tmp_path):
    garbage = bytes(range(256)) * 40
    response = upload(client, "garbage.xlsx", garbage)
    assert response.status_code == 400
    message = cli_error(tmp_path, "garbage.xlsx", garbage)
    assert html.escape(message, quote=True) in response.text or message in html.unescape(
        response.text)
    assert client.get("/").status_code == 200


def test_unknown_extension_and_empty_file_are_refused(client):
    response = upload(client, "suppliers.exe", b"MZ\x90\x00")
    assert response.status_code == 400 and "riskscreen reads" in response.text
    response = upload(client, "empty.csv", b"")
    assert response.status_code == 400 and "empty" in response.text


def test_oversize_upload_refused_with_message(app):
    small = create_app(WebConfig(max_upload_bytes=10_000))
    with TestClient(small, base_url=BASE) as c:
        big = b"Supplier,Country\n" + b"Acme Ltd,China\n" * 8000  # 120 kB, over the header check
        response = upload(c, "big.csv", big)
        assert response.status_code == 413
        assert "The file is larger than the upload limit of 10 kB" in response.text
        near = b"Supplier,Country\n" + b"Acme Ltd,China\n" * 1000  # 15 kB, caught while saving
        response = upload(c, "near.csv", near)
        assert response.status_code == 400 and "near.csv is larger than the upload limit" in \
            response.text
        assert not list(small.state.web.store.root.glob("*/*"))  # nothing left behind
        assert c.get("/").status_code == 200


def test_refused_file_shows_the_cli_message(client, tmp_path):
    content = b"Colour,Weight\nred,1\nblue,2\n"
    uid = uid_of(upload(client, "odd.csv", content))
    page = client.get(f"/u/{uid}/columns").text
    assert "No supplier-name, country or product column was recognised" in page
    status = screen(client, uid, {r: "" for r in ROLES})
    assert status["state"] == "failed"
    assert status["error"] == cli_error(tmp_path, "odd.csv", content)


# --- file names, isolation, clean-up ----------------------------------------------------------

def test_user_file_names_never_reach_the_file_system(client, app):
    content = b"Supplier,Country,Product\nAcme,China,cotton\n"
    store = app.state.web.store
    uid = uid_of(upload(client, "<img src=x onerror=alert(1)> ..evil.csv", content))
    uid_of(upload(client, "../../../tmp/evil-traversal.csv", content))
    uid_of(upload(client, "..\\..\\evil-windows.csv", content))
    files = [p for p in store.root.rglob("*") if p.is_file()]
    assert len(files) == 3 and all(p.name == "supplier-file.csv" for p in files)
    assert all("evil" not in str(p) for p in store.root.rglob("*"))
    assert not Path("/tmp/evil-traversal.csv").exists()
    page = client.get(f"/u/{uid}/columns").text
    assert "&lt;img src=x onerror=alert(1)&gt; ..evil.csv" in page
    assert "<img src=x" not in page


def test_another_browser_cannot_see_an_upload(client, app):
    uid = uid_of(upload(client, "a.csv", b"Supplier,Country\nAcme,China\n"))
    assert client.get(f"/u/{uid}/columns").status_code == 200
    with TestClient(app, base_url=BASE) as other:
        assert other.get(f"/u/{uid}/columns").status_code == 404
        assert other.get(f"/u/{uid}/status").status_code == 404


def test_finish_deletes_the_folder_and_expiry_sweeps(client, app):
    uid = uid_of(upload(client, "a.csv", b"Supplier,Country\nAcme,China\n"))
    store = app.state.web.store
    folder = store.get(uid, client.cookies["rs_session"]).folder
    assert folder.is_dir()
    page = client.get(f"/u/{uid}/columns").text
    done = client.post(f"/u/{uid}/delete", data={"csrf": token(page)})
    assert "The file and its results were deleted" in done.text
    assert not folder.exists() and client.get(f"/u/{uid}/columns").status_code == 404

    uid = uid_of(upload(client, "b.csv", b"Supplier,Country\nAcme,China\n"))
    folder = store.get(uid, client.cookies["rs_session"]).folder
    store.max_age_s = 0.0
    try:
        time.sleep(0.01)
        assert store.sweep() >= 1 and not folder.exists()
    finally:
        store.max_age_s = 3600.0


def test_server_stop_deletes_every_upload(example_workbook):
    app = create_app(WebConfig())
    with TestClient(app, base_url=BASE) as c:
        uid_of(upload(c, "suppliers.xlsx", example_workbook.read_bytes()))
        root = app.state.web.store.root
        assert any(root.iterdir())
    assert not root.exists()


# --- serve command ----------------------------------------------------------------------------

def test_is_loopback():
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.10")


def test_serve_warns_for_non_loopback_and_reports_a_busy_port():
    with socket.socket() as busy:
        busy.bind(("0.0.0.0", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = CliRunner().invoke(main, ["serve", "--host", "0.0.0.0", "--port", str(port),
                                           "--no-browser"])
    assert result.exit_code == 2
    assert "warning: --host 0.0.0.0 makes this page reachable from other computers" in \
        result.output
    assert f"cannot listen on 0.0.0.0:{port}" in result.output and "--port" in result.output
    assert "Traceback" not in result.output


# --- library hooks the page uses ----------------------------------------------------------------

def test_empty_override_means_no_column_for_that_role():
    from riskscreen.io.columns import detect_columns

    headers = ["Supplier", "Country", "Address"]
    assert detect_columns(headers).address == "Address"
    roles = detect_columns(headers, overrides={"address": "", "country": None})
    assert roles.address is None and roles.country == "Country"
    assert roles.how["address"] == "override: none"


def test_run_screen_reports_each_stage_as_it_starts(example_workbook):
    from riskscreen.pipeline import run_screen

    seen: list[str] = []
    run = run_screen(example_workbook, progress=seen.append)
    assert seen[:3] == ["load reference and model", "read", "detect columns"]
    assert "score" in seen and "resolve countries" in seen
    assert set(seen) <= set(run.meta["timings_s"])


def _download_equals_cli(client, uid: str, source: Path, tmp_path: Path, *args: str) -> None:
    got = client.get(f"/u/{uid}/download/report.xlsx").content
    out = tmp_path / "cli.xlsx"
    result = CliRunner().invoke(main, ["screen", str(source), "-o", str(out), "-q", *args])
    assert result.exit_code == 0, result.output
    assert got == out.read_bytes()


def test_one_product_for_rows_without_one_as_the_cli_product_option(client, tmp_path):
    source = tmp_path / "facilities.csv"
    source.write_bytes(b"Facility name,Country\nDhaka Knit Ltd,Bangladesh\nChittagong Sewing,"
                       b"Bangladesh\nLyon Atelier,France\n")
    uid = uid_of(upload(client, source.name, source.read_bytes(), product="garments"))
    page = client.get(f"/u/{uid}/columns").text
    assert 'name="product" maxlength="200" value="garments"' in page
    status = screen(client, uid, detected_roles(page), product="garments")
    assert status["state"] == "done"
    results = client.get(f"/u/{uid}/results").text
    assert "Garments" in results and 'data-country="Bangladesh"' in results
    _download_equals_cli(client, uid, source, tmp_path, "--product", "garments")


def test_another_sheet_is_read_when_chosen(client, tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.title = "Notes"
    wb.active.append(["Note", "Owner"])
    wb.active.append(["Exported from the ERP on Monday", "IT"])
    vendors = wb.create_sheet("Vendors")
    vendors.append(["Supplier", "Country", "Product"])
    vendors.append(["Accra Cocoa Co", "Ghana", "cocoa"])
    vendors.append(["Izmir Hazelnut", "Turkey", "hazelnuts"])
    source = tmp_path / "two_sheets.xlsx"
    wb.save(source)
    uid = uid_of(upload(client, source.name, source.read_bytes()))
    page = client.get(f"/u/{uid}/columns").text
    response = client.post(f"/u/{uid}/sheet", data={"csrf": token(page), "sheet": "Vendors"},
                           follow_redirects=False)
    assert response.status_code == 303
    page = client.get(f"/u/{uid}/columns").text
    assert "2 rows read from sheet <strong>Vendors</strong>" in page
    assert screen(client, uid, detected_roles(page))["state"] == "done"
    _download_equals_cli(client, uid, source, tmp_path, "--sheet", "Vendors")
    bad = client.post(f"/u/{uid}/sheet", data={"csrf": token(page), "sheet": "../x"})
    assert bad.status_code == 400


@pytest.mark.slow
def test_serve_command_answers_on_loopback_and_refuses_a_rebound_name():
    """`riskscreen serve --no-browser` in its own process, on 127.0.0.1 and a free port."""
    import subprocess
    import sys

    import httpx

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "riskscreen.cli", "serve", "--no-browser",
                             "--port", str(port)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 60
        while True:
            try:
                page = httpx.get(f"http://127.0.0.1:{port}/", timeout=2)
                break
            except httpx.TransportError:
                assert proc.poll() is None and time.time() < deadline, proc.stderr.read()
                time.sleep(0.1)
        assert page.status_code == 200 and "Screen a supplier file" in page.text
        rebound = httpx.get(f"http://127.0.0.1:{port}/",
                            headers={"host": f"attacker.example:{port}"}, timeout=5)
        assert rebound.status_code == 400
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=20)
    assert f"riskscreen is running at http://127.0.0.1:{port}/" in out
    assert "warning" not in out


def test_long_results_are_capped_on_the_page_not_in_the_downloads(tmp_path):
    rows = "".join(f"Mill {i},Ghana,cocoa\n" for i in range(30))
    app = create_app(WebConfig(max_table_rows=10))
    with TestClient(app, base_url=BASE) as c:
        uid = uid_of(upload(c, "mills.csv", ("Supplier,Country,Product\n" + rows).encode()))
        assert screen(c, uid, detected_roles(c.get(f"/u/{uid}/columns").text))["state"] == "done"
        page = c.get(f"/u/{uid}/results").text
        assert page.count('data-tier="') == 10
        assert "Showing the 10 highest of 30 flagged suppliers" in page
        assert c.get(f"/u/{uid}/download/suppliers.csv").text.count("Mill ") == 30


def test_progress_page_shows_rows_read_and_the_stage(client, monkeypatch):
    """While a screening runs, the page says how many rows were read and which stage runs."""
    import threading

    from riskscreen.web import views

    release = threading.Event()

    def slow_job(web, upload, columns):  # stands in for the worker while the page is read
        upload.state, upload.stage = "running", "resolve products"
        release.wait(30)
        upload.state, upload.error = "failed", "stopped by the test"

    monkeypatch.setattr(views, "_screen_job", slow_job)
    content = b"Supplier,Country,Product\nA,Ghana,cocoa\nB,Ghana,cocoa\nC,Peru,gold\n"
    uid = uid_of(upload(client, "three.csv", content))
    page = client.get(f"/u/{uid}/columns").text
    client.post(f"/u/{uid}/screen", data={"csrf": token(page), **{
        f"role_{r}": c for r, c in detected_roles(page).items()}})
    try:
        for _ in range(100):
            if client.get(f"/u/{uid}/status").json()["state"] == "running":
                break
            time.sleep(0.02)
        progress = client.get(f"/u/{uid}/progress")
        assert progress.status_code == 200
        assert '<span id="rows">3</span> rows read' in progress.text
        assert "Matching products" in progress.text and 'class="current"' in progress.text
        status = client.get(f"/u/{uid}/status").json()
        assert status["rows"] == 3 and status["label"] == "Matching products"
        assert 0 < status["step"] < status["steps"]
        assert client.get(f"/u/{uid}/results", follow_redirects=False).status_code == 303
    finally:
        release.set()
    for _ in range(100):
        if client.get(f"/u/{uid}/status").json()["state"] == "failed":
            break
        time.sleep(0.02)
    failed = client.get(f"/u/{uid}/progress").text
    assert "Could not screen the file." in failed and "stopped by the test" in failed
